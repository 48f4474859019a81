//! The workflows on the advisory row itself (20-lifecycle §6, §9–11): triage
//! decisions, dismissal and reopening, withdrawal of a published advisory
//! and its requests, and draft reassignment requests. One service function
//! per transition, each in the caller's transaction with the row locked
//! first and the predicate re-checked on the locked row (§2.1,
//! INV-CONCURRENCY-1).

pub mod common;
pub mod dismissal;
pub mod panel;
pub mod reassignment;
pub mod routes;
pub mod triage;
pub mod triage_panel;
pub mod triage_routes;
pub mod withdrawal;
