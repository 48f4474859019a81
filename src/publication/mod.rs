//! Publication (20-lifecycle §13, 70-publication): starting a run pinned to
//! the latest version, and the `publication.run` job that builds and pushes
//! the artifacts.
//!
//! Invariants kept here: INV-CONCURRENCY-1 (one queued or running task per
//! advisory: checked under the row lock, then the partial unique index),
//! INV-VERSION-2 (a task pins the latest version).

pub mod admin;
pub mod documents;
pub mod git;
pub mod jobs;
pub mod outcome;
pub mod panel;
pub mod routes;
pub mod run;
pub mod service;

pub use service::start;
