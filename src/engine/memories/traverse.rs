//! Graph traversal over associations: breadth first from one memory, up to 5 hops, with a
//! direction, a minimum strength, a relationship filter and a cap on the memories reached.
//! It returns one shortest path per reached memory; hidden memories (forgotten, expired,
//! deleted, and superseded unless asked for) are never reached or walked through.

use super::remember::gone;
use super::{limits, MemoryRecord, MEMORY};
use crate::codec::envelope;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::{Error, Result};
use crate::model::{Association, Direction, GraphPath, Traversal, TraverseQuery};
use crate::time::Timestamp;
use std::collections::{HashMap, HashSet};

/// A checked traversal request.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    pub depth: u32,
    pub direction: Direction,
    pub min_strength: f64,
    pub relationships: Vec<String>,
    pub max_nodes: u32,
    pub include_superseded: bool,
}

impl Walk {
    /// Checks a query: depth 1–5 (default 2), strength 0–1, known relationship types, node
    /// cap 1–500 (default 50).
    pub(crate) fn from_query(q: TraverseQuery) -> Result<Self> {
        let depth = q.max_depth.unwrap_or(limits::DEFAULT_DEPTH);
        if !(1..=limits::DEPTH_MAX).contains(&depth) {
            return Err(Error::validation(
                "max_depth",
                format!("must be 1–{}", limits::DEPTH_MAX),
            ));
        }
        let max_nodes = q.max_nodes.unwrap_or(limits::DEFAULT_NODES);
        if !(1..=limits::NODES_MAX).contains(&max_nodes) {
            return Err(Error::validation(
                "max_nodes",
                format!("must be 1–{}", limits::NODES_MAX),
            ));
        }
        for r in &q.relationship_types {
            limits::relationship("relationship_types", r)?;
        }
        Ok(Walk {
            depth,
            direction: q.direction,
            min_strength: limits::unit("min_strength", q.min_strength.unwrap_or(0.0))?,
            relationships: q.relationship_types,
            max_nodes,
            include_superseded: q.include_superseded,
        })
    }
}

/// A memory reached so far and how.
struct Reached {
    ids: Vec<String>,
    edges: Vec<Association>,
    strength: f64,
}

impl Memspace {
    /// Walks the associations from a readable memory (see [`TraverseQuery`]).
    pub async fn traverse(
        &self,
        space_id: &str,
        start_id: &str,
        query: TraverseQuery,
    ) -> Result<Traversal> {
        let walk = Walk::from_query(query)?;
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let now = self.host.now();
        let start = match self.read_memory(&space.id, start_id).await? {
            Some(r) if r.is_readable(now) => r,
            Some(r) => return Err(gone(&r, now)),
            None => return Err(Error::not_found(MEMORY, start_id)),
        };
        self.walk(&space.id, &start, &walk, now).await
    }

    /// Edges of `node` to follow, strongest first (at most `EDGES_PER_NODE` per direction).
    async fn edges_of(&self, space_id: &str, node: &str, w: &Walk) -> Result<Vec<Association>> {
        let mut out = Vec::new();
        for (dir, follow) in [(true, w.direction.out()), (false, w.direction.incoming())] {
            if !follow {
                continue;
            }
            let range = layout::associations_of(space_id, node, dir);
            let rows = self
                .kv
                .scan(&range, limits::EDGES_PER_NODE, false)
                .await
                .map_err(kv_error)?;
            for (_, v) in rows {
                let a: Association = envelope::decode(&v)?;
                if a.strength >= w.min_strength
                    && (w.relationships.is_empty() || w.relationships.contains(&a.relationship))
                {
                    out.push(a);
                }
            }
        }
        out.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Breadth-first walk from `start` (whatever its status: trace walks from hidden ones).
    pub(crate) async fn walk(
        &self,
        space_id: &str,
        start: &MemoryRecord,
        w: &Walk,
        now: Timestamp,
    ) -> Result<Traversal> {
        let start_id = start.memory.id.clone();
        let mut seen: HashSet<String> = HashSet::from([start_id.clone()]);
        let mut reached: HashMap<String, Reached> = HashMap::new();
        reached.insert(
            start_id.clone(),
            Reached {
                ids: vec![start_id.clone()],
                edges: Vec::new(),
                strength: 1.0,
            },
        );
        let mut out = Traversal {
            start_id: start_id.clone(),
            paths: Vec::new(),
            nodes: Vec::new(),
            truncated: false,
        };
        let mut frontier = vec![start_id];
        for _ in 0..w.depth {
            // One level: every frontier node's edges, then one read of all the memories they
            // lead to, then the nodes in order (stronger edges first within a node).
            let mut level: Vec<(String, Vec<Association>)> = Vec::with_capacity(frontier.len());
            let mut others: Vec<String> = Vec::new();
            let mut asked: HashSet<String> = HashSet::new();
            for node in &frontier {
                let edges = self.edges_of(space_id, node, w).await?;
                for a in &edges {
                    let id = other_end(a, node);
                    if !seen.contains(&id) && asked.insert(id.clone()) {
                        others.push(id);
                    }
                }
                level.push((node.clone(), edges));
            }
            let keys: Vec<Vec<u8>> = others
                .iter()
                .map(|id| layout::memory(space_id, id))
                .collect();
            let mut records: HashMap<String, MemoryRecord> = HashMap::new();
            for (id, bytes) in others
                .into_iter()
                .zip(self.kv.get_many(&keys).await.map_err(kv_error)?)
            {
                if let Some(b) = bytes {
                    let r: MemoryRecord = envelope::decode(&b)?;
                    if r.shows_edges(now, w.include_superseded) {
                        records.insert(id, r);
                    }
                }
            }
            let mut next = Vec::new();
            for (node, edges) in level {
                for a in edges {
                    let id = other_end(&a, &node);
                    if seen.contains(&id) {
                        continue;
                    }
                    let Some(rec) = records.remove(&id) else {
                        continue;
                    };
                    if out.nodes.len() as u32 >= w.max_nodes {
                        out.truncated = true;
                        return Ok(out);
                    }
                    seen.insert(id.clone());
                    let parent = reached
                        .get(&node)
                        .ok_or_else(|| Error::storage("traversal lost a path"))?;
                    let mut ids = parent.ids.clone();
                    ids.push(id.clone());
                    let mut path_edges = parent.edges.clone();
                    let strength = parent.strength * a.strength;
                    path_edges.push(a);
                    out.paths.push(GraphPath {
                        depth: path_edges.len() as u32,
                        memory_ids: ids.clone(),
                        associations: path_edges.clone(),
                        strength,
                    });
                    out.nodes.push(rec.to_public(now));
                    reached.insert(
                        id.clone(),
                        Reached {
                            ids,
                            edges: path_edges,
                            strength,
                        },
                    );
                    next.push(id);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(out)
    }
}

/// The end of `a` that is not `node`.
fn other_end(a: &Association, node: &str) -> String {
    if a.source_id == node {
        a.target_id.clone()
    } else {
        a.source_id.clone()
    }
}
