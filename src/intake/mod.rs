//! Public intake (50-web-ui §15, 20-lifecycle §4.1): the report form open to
//! anyone, its honeypot (INV-INTAKE-1), the self-hosted proof-of-work
//! captcha, and the filing of a report as a triage advisory with its intake
//! sidecar. There is no e-mail field and a reporter's identity comes only
//! from the session (INV-INTAKE-2); a signed-in reporter is granted `viewer`
//! (INV-INTAKE-3); "I don't know" files on `unsorted`, flagged for admin
//! routing (INV-INTAKE-4).

pub mod altcha;
pub mod form;
pub mod routes;
pub mod service;
