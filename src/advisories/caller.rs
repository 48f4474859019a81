//! The signed-in caller as the predicates see them, read once per request
//! from the group mirror (30-permissions §3) by the session's own load
//! query, and the
//! transaction their reads run in (row-level security principal set).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::repo;
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts};
use crate::audit::access_log::RequestOrigin;
use crate::auth::session::{Access, keys};
use crate::auth::{Identity, MaybeUser, RequireUser, session_error, session_of};
use crate::db::{self, Plans, Principal, Tx};
use crate::web::AppState;
use crate::web::error::AppError;

/// A public advisory id from a path, or 404 when it cannot be one.
pub fn checked_id(raw: &str) -> Result<&str, AppError> {
    if super::id::is_valid(raw) {
        Ok(raw)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Clone, Debug)]
pub struct Caller {
    pub identity: Identity,
    pub actor: Actor,
}

impl Caller {
    /// The advisory `raw_id` names, if this caller may see it; otherwise it
    /// does not exist for them (Q-19: 404, whatever the reason).
    pub async fn visible(
        &self,
        conn: &mut sqlx::PgConnection,
        raw_id: &str,
    ) -> Result<(repo::AdvisoryRow, AdvisoryFacts), AppError> {
        let row = repo::load(conn, checked_id(raw_id)?, Some(&self.actor), false)
            .await?
            .ok_or(AppError::NotFound)?;
        let facts = row.facts().map_err(|e| AppError::Internal(Box::new(e)))?;
        if !perm::can_view(Some(&self.actor), &facts) {
            return Err(AppError::NotFound);
        }
        Ok((row, facts))
    }

    /// Who acts in a service call made for this request.
    pub fn service_ctx<'a>(
        &'a self,
        state: &'a AppState,
        origin: &'a RequestOrigin,
    ) -> super::service::Ctx<'a> {
        super::service::Ctx {
            actor: &self.actor,
            origin: Some(origin),
            redactor: &state.redactor,
        }
    }

    /// A transaction on behalf of this caller (INV-CONF-2).
    pub async fn begin(&self, state: &AppState) -> Result<Tx<'static>, sqlx::Error> {
        self.begin_planned(state, Plans::Auto).await
    }

    /// `begin`, with the statements planned as `plans` says.
    pub async fn begin_planned(
        &self,
        state: &AppState,
        plans: Plans,
    ) -> Result<Tx<'static>, sqlx::Error> {
        db::begin_planned(
            &state.pool,
            Principal::User {
                id: self.actor.user_id,
                is_admin: self.actor.is_admin,
            },
            plans,
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
