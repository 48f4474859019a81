//! The signed-in caller as the predicates see them, loaded once per request
//! from the group mirror (30-permissions §3: one query), and the
//! transaction their reads run in (row-level security principal set).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::repo;
use crate::access::permissions::Actor;
use crate::auth::{Identity, RequireUser};
use crate::db::{self, Principal, Tx};
use crate::web::AppState;
use crate::web::error::AppError;

#[derive(Clone, Debug)]
pub struct Caller {
    pub identity: Identity,
    pub actor: Actor,
}

impl Caller {
    /// A transaction on behalf of this caller (INV-CONF-2).
    pub async fn begin(&self, state: &AppState) -> Result<Tx<'static>, sqlx::Error> {
        db::begin_as(
            &state.pool,
            Principal::User {
                id: self.actor.user_id,
                is_admin: self.actor.is_admin,
            },
        )
        .await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let RequireUser(identity) = RequireUser::from_request_parts(parts, state).await?;
        let mut conn = state
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let actor = repo::load_actor(&mut conn, identity.id, &state.config.oidc.admin_group)
            .await
            .map_err(|e| AppError::from(e).into_response())?
            .ok_or_else(|| {
                AppError::Forbidden("This account is not active.".into()).into_response()
            })?;
        Ok(Caller { identity, actor })
    }
}
