//! Advisories: identifiers, the OSV-aligned content and its validation,
//! severity, versions, and the services that create and edit them.

pub mod caller;
pub mod content;
pub mod cwe;
pub mod dashboard;
pub mod ecosystems;
pub mod editing;
pub mod form;
pub mod id;
pub mod list;
pub mod pages;
pub mod panels;
pub mod projects;
pub mod repo;
pub mod service;
pub mod severity;
pub mod workflow;
