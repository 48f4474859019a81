//! The admin console: global admins only.

pub mod forget;
pub mod maintenance;
pub mod users;
// admin console (50 §14)
pub mod access_log;
pub mod audit_log;
pub mod console;
pub mod directory;
pub mod jobs;
pub mod projects;
// admin inbox (50 §14.1)
pub mod inbox;
