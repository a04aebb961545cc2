//! See tests/scenario.rs.
