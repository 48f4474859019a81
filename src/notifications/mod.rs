//! Telling people what happened: e-mail through SMTP, the in-app inbox,
//! preferences, and the jobs that compute recipients when they run
//! (20-lifecycle §18, 80-integrations §5).

pub mod advisory_event;
pub mod comment;
pub mod delivery;
pub mod inbox;
pub mod invitation;
pub mod mail;
pub mod preferences;
pub mod recipients;
pub mod send;
pub mod triage_event;
