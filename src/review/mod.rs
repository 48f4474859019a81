//! The review sub-machine (20-lifecycle §7): submit, approve, request
//! changes, withdraw, reopen and revoke, and the review panel.

pub mod panel;
pub mod routes;
pub mod service;
pub mod timeline;
