//! What happened and who did it. The access log keeps ephemeral events
//! (sign-ins, views, deliveries) in monthly partitions that retention drops
//! whole (INV-AUDIT-5).

pub mod access_log;
pub mod catalogue;
pub mod ledger;
pub mod partitions;
pub mod redact;

pub use ledger::{Entry, record};
