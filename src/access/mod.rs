//! Users, the mirror of the identity provider's groups, and bans.
//!
//! Keeps INV-OIDC-1 (groups fully replaced at each sign-in, by this module
//! only), INV-OIDC-3 (admin flags recomputed at each sign-in), INV-OIDC-6
//! (only a trusted e-mail links, creates or fills an account) and INV-AUTH-8
//! (`is_active` is the single ban switch).

pub mod grants;
pub mod invitations;
pub mod pages;
pub mod panel;
pub mod permissions;
pub mod privacy;
pub mod users;
