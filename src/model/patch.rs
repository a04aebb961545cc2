//! Tri-state update fields: absent = unchanged, null = clear, value = set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a partial update.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    /// Leave the field as it is (the field was absent).
    #[default]
    Keep,
    /// Clear the field (the field was `null`).
    Clear,
    /// Set the field.
    Set(T),
}

impl<T> Patch<T> {
    /// True when the field was given (set or clear).
    pub fn is_given(&self) -> bool {
        !matches!(self, Patch::Keep)
    }

    /// Applies the patch to a current optional value.
    pub fn apply(self, current: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *current = None,
            Patch::Set(v) => *current = Some(v),
        }
    }

    /// The value being set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => Patch::Set(v),
            None => Patch::Clear,
        }
    }
}

// A present field deserializes to Clear (null) or Set; `#[serde(default)]` gives Keep when absent.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}
