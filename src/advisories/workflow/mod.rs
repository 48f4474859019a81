//! The workflows on the advisory row itself (20-lifecycle §9–11): dismissal
//! and reopening, withdrawal of a published advisory and its requests, and
//! draft reassignment requests.

pub mod panel;
pub mod routes;
