//! Associations: typed, weighted edges between two memories of one space. An edge is visible
//! while both its memories are readable (active or superseded); forgetting either end hides
//! it, restoring brings it back, hard forgetting erases it.

use super::remember::{gone, readable};
use super::tx::MemTx;
use super::{limits, MemoryRecord, ASSOCIATION, MEMORY};
use crate::codec::envelope;
use crate::engine::cursor::{Cursor, Pager};
use crate::engine::sessions::retry;
use crate::engine::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{
    relationship_types, Association, AssociationQuery, AssociationUpdate, NewAssociation, Page,
    RelationshipType,
};
use crate::time::Timestamp;
use std::collections::HashMap;

const SCAN_CHUNK: usize = 128;

/// True when both ends of `a` are readable in `tx`.
async fn visible(ms: &Memspace, tx: &mut MemTx, a: &Association) -> Result<bool> {
    let now = tx.now;
    for id in [&a.source_id, &a.target_id] {
        if !tx.get(ms, id).await?.is_some_and(|r| r.is_readable(now)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Loads a visible association of `tx`'s space: `not_found` for an unknown or hidden one.
async fn visible_link(ms: &Memspace, tx: &mut MemTx, id: &str) -> Result<Association> {
    match tx.link(ms, id).await? {
        Some(a) if visible(ms, tx, &a).await? => Ok(a),
        _ => Err(Error::not_found(ASSOCIATION, id)),
    }
}

impl Memspace {
    /// The closed list of relationship types (seed 003's eleven categories, completed).
    pub fn relationship_types(&self) -> &'static [RelationshipType] {
        relationship_types()
    }

    /// Links `source_id → input.target_id` with a relationship type. Both memories must be
    /// in the space and readable (active or superseded); the same (source, target,
    /// relationship) twice is `duplicate` (details: `existing_id`).
    pub async fn associate(
        &self,
        space_id: &str,
        source_id: &str,
        input: NewAssociation,
    ) -> Result<Association> {
        let _write = self.write_lock.acquire().await;
        limits::relationship("relationship", &input.relationship)?;
        let strength = limits::unit(
            "strength",
            input.strength.unwrap_or(limits::DEFAULT_STRENGTH),
        )?;
        if let Some(m) = &input.metadata {
            limits::metadata("metadata", m, limits::LINK_METADATA_MAX_BYTES)?;
        }
        if input.target_id == source_id {
            return Err(Error::validation(
                "target_id",
                "a memory cannot be associated with itself",
            ));
        }
        retry!(
            self.try_associate(space_id, source_id, &input, strength)
                .await
        )
    }

    async fn try_associate(
        &self,
        space_id: &str,
        source_id: &str,
        input: &NewAssociation,
        strength: f64,
    ) -> Result<Association> {
        let mut tx = self.begin_memories(space_id).await?;
        readable(self, &mut tx, source_id).await?;
        readable(self, &mut tx, &input.target_id).await?;
        if let Some(a) = tx
            .link_between(self, source_id, &input.target_id, &input.relationship)
            .await?
        {
            return Err(Error::new(
                ErrorCode::Duplicate,
                format!(
                    "{source_id} is already linked to {} as {}",
                    input.target_id, input.relationship
                ),
            )
            .with("existing_id", a.id));
        }
        let a = Association {
            id: self.next_id(super::ASSOCIATION_PREFIX),
            memory_space_id: tx.space.id.clone(),
            source_id: source_id.to_string(),
            target_id: input.target_id.clone(),
            relationship: input.relationship.clone(),
            strength,
            metadata: input.metadata.clone().unwrap_or_default(),
            created_at: tx.now,
            updated_at: tx.now,
        };
        tx.put_link(a.clone());
        self.commit_tx(tx).await?;
        Ok(a)
    }

    /// The visible associations of a memory: leaving it (`out`), entering it (`in`) or both
    /// (outgoing first), optionally of some relationship types only; edges to superseded
    /// memories only with `include_superseded`. Paged (limit 1–100, default 100).
    pub async fn get_associations(
        &self,
        space_id: &str,
        memory_id: &str,
        query: AssociationQuery,
        page: Page,
    ) -> Result<Vec<Association>> {
        let (offset, limit) = validate::page(page)?;
        for r in &query.relationships {
            limits::relationship("relationships", r)?;
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let now = self.host.now();
        match self.read_memory(&space.id, memory_id).await? {
            Some(r) if r.is_readable(now) => {}
            Some(r) => return Err(gone(&r, now)),
            None => return Err(Error::not_found(MEMORY, memory_id)),
        }
        let mut pager = Pager::new(offset, limit);
        let mut dirs = Vec::new();
        if query.direction.out() {
            dirs.push(true);
        }
        if query.direction.incoming() {
            dirs.push(false);
        }
        for out in dirs {
            let range = layout::associations_of(&space.id, memory_id, out);
            let mut cursor = Cursor::new(range, SCAN_CHUNK);
            loop {
                let chunk = cursor.next(self.kv.as_ref()).await?;
                if chunk.is_empty() {
                    break;
                }
                let edges = self
                    .visible_edges(&space.id, memory_id, chunk, now, query.include_superseded)
                    .await?;
                for a in edges {
                    if !query.relationships.is_empty()
                        && !query.relationships.contains(&a.relationship)
                    {
                        continue;
                    }
                    if pager.offer(a) {
                        return Ok(pager.into_items());
                    }
                }
            }
        }
        Ok(pager.into_items())
    }

    /// Decodes a chunk of edge-index rows of memory `from` and keeps those whose other end
    /// shows edges at `now`.
    pub(crate) async fn visible_edges(
        &self,
        space_id: &str,
        from: &str,
        rows: Vec<(Vec<u8>, Vec<u8>)>,
        now: Timestamp,
        include_superseded: bool,
    ) -> Result<Vec<Association>> {
        let mut edges = Vec::with_capacity(rows.len());
        for (_, v) in rows {
            edges.push(envelope::decode::<Association>(&v)?);
        }
        let other = |a: &Association| {
            if a.source_id == from {
                a.target_id.clone()
            } else {
                a.source_id.clone()
            }
        };
        let mut ids: Vec<String> = edges.iter().map(other).collect();
        ids.sort();
        ids.dedup();
        let keys: Vec<Vec<u8>> = ids.iter().map(|id| layout::memory(space_id, id)).collect();
        let mut shows: HashMap<String, bool> = HashMap::new();
        for (id, bytes) in ids
            .into_iter()
            .zip(self.kv.get_many(&keys).await.map_err(kv_error)?)
        {
            let ok = match bytes {
                Some(b) => {
                    envelope::decode::<MemoryRecord>(&b)?.shows_edges(now, include_superseded)
                }
                None => false,
            };
            shows.insert(id, ok);
        }
        Ok(edges
            .into_iter()
            .filter(|a| shows.get(&other(a)).copied().unwrap_or(false))
            .collect())
    }

    /// Changes an association's strength and/or metadata; `not_found` for a hidden one.
    pub async fn update_association(
        &self,
        space_id: &str,
        association_id: &str,
        update: AssociationUpdate,
    ) -> Result<Association> {
        let _write = self.write_lock.acquire().await;
        if update.strength.is_none() && update.metadata.is_none() {
            return Err(Error::validation(
                "update",
                "give at least one of strength, metadata",
            ));
        }
        if let Some(s) = update.strength {
            limits::unit("strength", s)?;
        }
        if let Some(m) = &update.metadata {
            limits::metadata("metadata", m, limits::LINK_METADATA_MAX_BYTES)?;
        }
        retry!(
            self.try_update_association(space_id, association_id, &update)
                .await
        )
    }

    async fn try_update_association(
        &self,
        space_id: &str,
        association_id: &str,
        update: &AssociationUpdate,
    ) -> Result<Association> {
        let mut tx = self.begin_memories(space_id).await?;
        let old = visible_link(self, &mut tx, association_id).await?;
        let mut a = old.clone();
        if let Some(s) = update.strength {
            a.strength = s;
        }
        if let Some(m) = &update.metadata {
            a.metadata = m.clone();
        }
        if a == old {
            return Ok(a);
        }
        a.updated_at = tx.now.max(old.updated_at);
        tx.put_link(a.clone());
        self.commit_tx(tx).await?;
        Ok(a)
    }

    /// Deletes an association; `not_found` for an unknown or hidden one.
    pub async fn delete_association(&self, space_id: &str, association_id: &str) -> Result<()> {
        let _write = self.write_lock.acquire().await;
        retry!(self.try_delete_association(space_id, association_id).await)
    }

    async fn try_delete_association(&self, space_id: &str, association_id: &str) -> Result<()> {
        let mut tx = self.begin_memories(space_id).await?;
        visible_link(self, &mut tx, association_id).await?;
        tx.delete_link(association_id);
        self.commit_tx(tx).await
    }
}
