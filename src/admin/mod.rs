//! The admin console: global admins only.

pub mod users;
