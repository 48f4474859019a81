//! CVE requests and the CNA-side actions (20-lifecycle §8): request,
//! reserve, reject, cancel, bans, orphaned CVEs and their reassignment.

pub mod admin;
pub mod panel;
pub mod routes;
pub mod service;
