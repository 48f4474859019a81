//! Comments on an advisory (20-lifecycle §12): posting, editing with
//! versions, redaction, locks, action notes, mentions, and the activity
//! timeline that merges comments with ledger events.

pub mod mentions;
pub mod routes;
pub mod service;
pub mod timeline;
