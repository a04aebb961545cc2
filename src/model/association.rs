//! Associations (seed 003): typed, weighted edges between two memories of one space, and
//! the paths a traversal returns.

use super::memory::Memory;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A typed, weighted edge `source → target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Association {
    /// `asc_…` id.
    pub id: String,
    /// The space both memories belong to.
    pub memory_space_id: String,
    /// The memory the edge leaves.
    pub source_id: String,
    /// The memory the edge enters.
    pub target_id: String,
    /// One of [`relationship_types`](crate::model::relationship_types) (snake_case).
    pub relationship: String,
    /// 0–1.
    pub strength: f64,
    /// Custom JSON object.
    pub metadata: Map<String, Value>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update time.
    pub updated_at: Timestamp,
}

/// Input of `associate` (the source is the memory the call names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAssociation {
    /// The memory the edge enters (same space, not the source).
    pub target_id: String,
    /// A relationship type name.
    pub relationship: String,
    /// 0–1 (default 0.5).
    pub strength: Option<f64>,
    /// A JSON object of at most 4 KiB encoded.
    pub metadata: Option<Map<String, Value>>,
}

/// Input of `update_association`: at least one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AssociationUpdate {
    /// New strength (0–1).
    pub strength: Option<f64>,
    /// Replacement metadata object.
    pub metadata: Option<Map<String, Value>>,
}

/// Which edges of a memory: leaving it, entering it, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Edges whose source is the memory.
    Out,
    /// Edges whose target is the memory.
    In,
    /// Both.
    #[default]
    Both,
}

impl Direction {
    /// True when edges leaving a node are followed.
    pub fn out(self) -> bool {
        matches!(self, Direction::Out | Direction::Both)
    }

    /// True when edges entering a node are followed.
    pub fn incoming(self) -> bool {
        matches!(self, Direction::In | Direction::Both)
    }
}

/// Filters of `get_associations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AssociationQuery {
    /// `out`, `in` or `both` (default).
    pub direction: Direction,
    /// Only these relationship types (empty: all).
    pub relationships: Vec<String>,
    /// Also edges to superseded memories (hidden by default).
    pub include_superseded: bool,
}

/// Input of `traverse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TraverseQuery {
    /// Hops, 1–5 (default 2).
    pub max_depth: Option<u32>,
    /// Which edges to follow (default both).
    pub direction: Direction,
    /// Ignore edges weaker than this (0–1, default 0).
    pub min_strength: Option<f64>,
    /// Only these relationship types (empty: all).
    pub relationship_types: Vec<String>,
    /// Stop after reaching this many memories, 1–500 (default 50).
    pub max_nodes: Option<u32>,
    /// Also reach superseded memories (hidden by default).
    pub include_superseded: bool,
}

/// The path from the start memory to one reached memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphPath {
    /// Memory ids from the start to the reached memory.
    pub memory_ids: Vec<String>,
    /// The edges walked, one per hop (an edge may be walked against its direction).
    pub associations: Vec<Association>,
    /// Product of the edges' strengths.
    pub strength: f64,
    /// Hops (`associations.len()`).
    pub depth: u32,
}

/// What a traversal reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Traversal {
    /// The memory it started from.
    pub start_id: String,
    /// One shortest path per reached memory, in the order reached (breadth first, stronger
    /// edges first).
    pub paths: Vec<GraphPath>,
    /// The reached memories (not the start), in the same order.
    pub nodes: Vec<Memory>,
    /// True when `max_nodes` stopped the traversal.
    pub truncated: bool,
}

/// One relationship type of the closed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelationshipType {
    /// snake_case name, e.g. `causes`.
    pub name: &'static str,
    /// One of the eleven categories, e.g. `causal`.
    pub category: &'static str,
    /// What `source —name→ target` means.
    pub description: &'static str,
    /// The type that says the same thing from the target's side, if the list has one.
    pub inverse: Option<&'static str>,
}

macro_rules! rel {
    ($name:literal, $cat:literal, $inv:expr, $desc:literal) => {
        RelationshipType {
            name: $name,
            category: $cat,
            description: $desc,
            inverse: $inv,
        }
    };
}

/// The closed list of relationship types: seed 003's eleven categories, completed.
pub const RELATIONSHIP_TYPES: &[RelationshipType] = &[
    // hierarchical
    rel!(
        "parent_of",
        "hierarchical",
        Some("child_of"),
        "source is the parent of target"
    ),
    rel!(
        "child_of",
        "hierarchical",
        Some("parent_of"),
        "source is a child of target"
    ),
    rel!(
        "part_of",
        "hierarchical",
        Some("contains"),
        "source is a part of target"
    ),
    rel!(
        "contains",
        "hierarchical",
        Some("part_of"),
        "source contains target"
    ),
    rel!(
        "instance_of",
        "hierarchical",
        None,
        "source is an instance of target"
    ),
    rel!(
        "subtype_of",
        "hierarchical",
        None,
        "source is a kind of target"
    ),
    // causal
    rel!(
        "causes",
        "causal",
        Some("caused_by"),
        "source causes target"
    ),
    rel!(
        "caused_by",
        "causal",
        Some("causes"),
        "source is caused by target"
    ),
    rel!("triggers", "causal", None, "source sets off target"),
    rel!(
        "leads_to",
        "causal",
        None,
        "source eventually results in target"
    ),
    rel!(
        "prevents",
        "causal",
        None,
        "source keeps target from happening"
    ),
    rel!(
        "contributes_to",
        "causal",
        None,
        "source is one cause of target"
    ),
    rel!(
        "results_from",
        "causal",
        None,
        "source is an outcome of target"
    ),
    // temporal
    rel!(
        "precedes",
        "temporal",
        Some("follows_temporally"),
        "source happened before target"
    ),
    rel!(
        "follows_temporally",
        "temporal",
        Some("precedes"),
        "source happened after target"
    ),
    rel!(
        "concurrent_with",
        "temporal",
        None,
        "source and target happened at the same time"
    ),
    rel!(
        "during",
        "temporal",
        None,
        "source happened while target was going on"
    ),
    rel!(
        "overlaps_with",
        "temporal",
        None,
        "source and target partly overlap in time"
    ),
    // similarity
    rel!("similar_to", "similarity", None, "source resembles target"),
    rel!(
        "variant_of",
        "similarity",
        None,
        "source is a variant of target"
    ),
    rel!(
        "related_to",
        "similarity",
        None,
        "source is related to target (generic)"
    ),
    rel!(
        "analogous_to",
        "similarity",
        None,
        "source is analogous to target in another domain"
    ),
    rel!(
        "duplicate_of",
        "similarity",
        None,
        "source says the same as target"
    ),
    // learning
    rel!(
        "builds_on",
        "learning",
        None,
        "source extends what target established"
    ),
    rel!(
        "contradicts",
        "learning",
        None,
        "source disagrees with target"
    ),
    rel!(
        "confirms",
        "learning",
        None,
        "source is evidence for target"
    ),
    rel!(
        "supersedes",
        "learning",
        None,
        "source replaces target, which is no longer current"
    ),
    rel!(
        "corrects",
        "learning",
        None,
        "source fixes a mistake in target"
    ),
    rel!(
        "learned_from",
        "learning",
        None,
        "source was learned from target"
    ),
    rel!("reinforces", "learning", None, "source strengthens target"),
    // refinement
    rel!(
        "refines",
        "refinement",
        None,
        "source is a more precise version of target"
    ),
    rel!(
        "abstracts",
        "refinement",
        None,
        "source is an abstraction of target"
    ),
    rel!(
        "specializes",
        "refinement",
        Some("generalizes"),
        "source is a special case of target"
    ),
    rel!(
        "generalizes",
        "refinement",
        Some("specializes"),
        "source is a generalisation of target"
    ),
    rel!(
        "elaborates",
        "refinement",
        None,
        "source adds detail to target"
    ),
    // reference
    rel!(
        "references",
        "reference",
        Some("referenced_by"),
        "source refers to target"
    ),
    rel!(
        "referenced_by",
        "reference",
        Some("references"),
        "source is referred to by target"
    ),
    rel!(
        "cites",
        "reference",
        None,
        "source quotes or cites target as a source"
    ),
    rel!(
        "mentions",
        "reference",
        None,
        "source names target in passing"
    ),
    // solution
    rel!(
        "solves",
        "solution",
        None,
        "source solves the problem in target"
    ),
    rel!(
        "addresses",
        "solution",
        None,
        "source deals with target, perhaps partly"
    ),
    rel!(
        "alternative_to",
        "solution",
        None,
        "source is another way to do target"
    ),
    rel!(
        "improves",
        "solution",
        None,
        "source is a better version of target"
    ),
    rel!(
        "fixes",
        "solution",
        None,
        "source fixes the error or bug in target"
    ),
    rel!(
        "mitigates",
        "solution",
        None,
        "source lessens the impact of target"
    ),
    rel!(
        "workaround_for",
        "solution",
        None,
        "source avoids target without fixing it"
    ),
    // context
    rel!(
        "occurs_in",
        "context",
        None,
        "source happens in the setting target"
    ),
    rel!(
        "applies_to",
        "context",
        None,
        "source is relevant to target"
    ),
    rel!(
        "works_with",
        "context",
        None,
        "source is compatible with target"
    ),
    rel!("requires", "context", None, "source needs target"),
    rel!("used_by", "context", None, "source is used by target"),
    rel!("located_in", "context", None, "source is located in target"),
    rel!("belongs_to", "context", None, "source belongs to target"),
    // workflow
    rel!(
        "follows",
        "workflow",
        None,
        "source is the step after target"
    ),
    rel!(
        "depends_on",
        "workflow",
        None,
        "source cannot happen before target"
    ),
    rel!("enables", "workflow", None, "source makes target possible"),
    rel!(
        "blocks",
        "workflow",
        Some("unblocks"),
        "source stops target from going ahead"
    ),
    rel!(
        "unblocks",
        "workflow",
        Some("blocks"),
        "source lets target go ahead"
    ),
    rel!(
        "step_of",
        "workflow",
        None,
        "source is a step of the procedure target"
    ),
    rel!(
        "precondition_for",
        "workflow",
        None,
        "source must hold before target"
    ),
    // quality
    rel!(
        "effective_for",
        "quality",
        Some("ineffective_for"),
        "source works well for target"
    ),
    rel!(
        "ineffective_for",
        "quality",
        Some("effective_for"),
        "source does not work for target"
    ),
    rel!(
        "preferred_over",
        "quality",
        None,
        "source is preferred to target"
    ),
    rel!(
        "deprecated_by",
        "quality",
        None,
        "source should no longer be used; use target"
    ),
    rel!(
        "replaces",
        "quality",
        None,
        "source takes the place of target"
    ),
    rel!(
        "outperforms",
        "quality",
        None,
        "source measurably does better than target"
    ),
];

/// The closed list of relationship types (snake_case names, eleven categories).
pub fn relationship_types() -> &'static [RelationshipType] {
    RELATIONSHIP_TYPES
}

/// True when `name` is a relationship type of the list.
pub fn is_relationship_type(name: &str) -> bool {
    RELATIONSHIP_TYPES.iter().any(|r| r.name == name)
}
