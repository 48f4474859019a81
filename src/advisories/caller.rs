//! The signed-in caller as the predicates see them, read once per request
//! from the group mirror (30-permissions §3) by the session's own load
//! query, and the
//! transaction their reads run in (row-level security principal set).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::repo;
use crate::access::permissions::Actor;
use crate::auth::session::{Access, keys};
use crate::auth::{Identity, MaybeUser, RequireUser, session_error, session_of};
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
        Caller::of(parts, state, identity).await
    }
}

/// For pages anyone may open: `None` when nobody is signed in.
impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        let MaybeUser(identity) = MaybeUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match identity {
            Some(identity) => Caller::of(parts, state, identity).await.map(Some),
            None => Ok(None),
        }
    }
}

impl Caller {
    /// The session's load query read the user's groups
    /// (`session::keys::ACCESS`); only a session without them costs a query.
    async fn of(parts: &Parts, state: &AppState, identity: Identity) -> Result<Self, Response> {
        let fail = |e: AppError| e.into_response();
        let access: Option<Access> = session_of(parts)
            .map_err(fail)?
            .get(keys::ACCESS)
            .await
            .map_err(|e| fail(session_error(e)))?;
        let actor = if let Some(access) = access {
            Actor {
                user_id: identity.id,
                is_admin: access.is_admin,
                group_ids: access.group_ids,
            }
        } else {
            let mut conn = state.pool.acquire().await.map_err(|e| fail(e.into()))?;
            repo::load_actor(&mut conn, identity.id, &state.config.oidc.admin_group)
                .await
                .map_err(|e| fail(e.into()))?
                .ok_or_else(|| fail(AppError::Forbidden("This account is not active.".into())))?
        };
        Ok(Caller { identity, actor })
    }
}
