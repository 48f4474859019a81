//! AdvisoryHub: the private system of record for security advisories.

pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod i18n;
pub mod ops;
pub mod telemetry;
pub mod web;
