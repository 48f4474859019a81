//! The OIDC relying party: discovery, the authorization-code flow with PKCE,
//! `state` and `nonce`, ID-token validation and userinfo (80-integrations §2).
//!
//! Every outbound URL comes from `OIDC_OP_ISSUER` and the provider's own
//! discovery document, never from request data. Redirects are not followed,
//! responses are capped at 1 MiB, and each call has a timeout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::access::users::{SignInClaims, email_trusted, mirror_group_names};
use crate::config::Config;

/// How long a discovered provider (endpoints and keys) is reused.
const DISCOVERY_TTL: Duration = Duration::from_mins(10);
/// Largest response accepted from the provider.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// An authorization request not answered within this time is forgotten.
pub const FLOW_TTL_SECONDS: i64 = 600;
/// Authorization requests kept at once per session (several tabs).
const MAX_FLOWS: usize = 5;

/// Claims beyond the standard ones, kept whole: the group claim's name is
/// configurable.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for OtherClaims {}

/// The discovery fields the library does not model.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LogoutMetadata {
    #[serde(default)]
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
type Tokens = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in failed. The message is shown to the user; none carries a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("sign-in is not configured on this server")]
    NotConfigured,
    #[error("the identity provider could not be reached: {0}")]
    ProviderUnavailable(String),
    #[error("the identity provider refused the sign-in: {0}")]
    ProviderError(String),
    #[error(
        "this sign-in response does not match a sign-in started here (it may be old, used already, or forged)"
    )]
    UnknownState,
    #[error("the authorization code was not accepted: {0}")]
    CodeRejected(String),
    #[error("the identity token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the identity provider's user information could not be read: {0}")]
    UserInfo(String),
}

impl SignInError {
    /// A short stable code for logs and the access log.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::NotConfigured => "not_configured",
            SignInError::ProviderUnavailable(_) => "provider_unavailable",
            SignInError::ProviderError(_) => "provider_error",
            SignInError::UnknownState => "state_mismatch",
            SignInError::CodeRejected(_) => "code_rejected",
            SignInError::InvalidIdToken(_) => "invalid_id_token",
            SignInError::UserInfo(_) => "userinfo_failed",
        }
    }
}

/// One authorization request under way, kept in the session until its
/// callback arrives (then removed, so a replayed callback finds nothing).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PendingFlow {
    state: String,
    nonce: String,
    pkce_verifier: Option<String>,
    /// Local path to land on after sign-in.
    pub next: Option<String>,
    /// A step-up re-authentication (prompt=login, max_age=0).
    pub step_up: bool,
    created_at: i64,
}

/// The pending flows of a session: the newest few, none expired.
pub fn keep_flows(mut flows: Vec<PendingFlow>, now: i64, new: PendingFlow) -> Vec<PendingFlow> {
    flows.retain(|f| now - f.created_at < FLOW_TTL_SECONDS);
    flows.push(new);
    let excess = flows.len().saturating_sub(MAX_FLOWS);
    flows.drain(..excess);
    flows
}

/// Removes and returns the flow a callback's `state` belongs to.
pub fn take_flow(flows: &mut Vec<PendingFlow>, state: &str, now: i64) -> Option<PendingFlow> {
    use subtle::ConstantTimeEq;
    let pos = flows
        .iter()
        .position(|f| bool::from(f.state.as_bytes().ct_eq(state.as_bytes())))?;
    let flow = flows.remove(pos);
    (now - flow.created_at < FLOW_TTL_SECONDS).then_some(flow)
}

/// A verified sign-in.
#[derive(Clone, Debug)]
pub struct VerifiedSignIn {
    pub claims: SignInClaims,
    /// The raw ID token, for the end-session `id_token_hint`.
    pub id_token: String,
    /// The ID token's `auth_time` (Unix seconds), when present.
    pub auth_time: Option<i64>,
}

struct Provider {
    client: OidcClient,
    end_session: Option<String>,
    fetched: Instant,
}

/// The relying party of one process: an HTTP client and the discovered
/// provider, cached for a few minutes.
pub struct Oidc {
    config: Arc<Config>,
    http: Transport,
    provider: Mutex<Option<Arc<Provider>>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.config.oidc.issuer)
            .finish_non_exhaustive()
    }
}

/// The HTTP transport handed to openidconnect.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The transport: owns a handle to the client, so its futures borrow nothing
/// and stay `Send` inside handlers.
#[derive(Clone, Debug)]
struct Transport(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Transport {
    type Error = HttpError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.0.clone(), request))
    }
}

async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let request = reqwest::Request::try_from(request).map_err(|e| HttpError(e.to_string()))?;
    let url = request.url().clone();
    let mut response = http
        .execute(request)
        .await
        .map_err(|e| HttpError(format!("{}: {}", redact_url(&url), e.without_url())))?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(HttpError(format!(
                "{}: response larger than {MAX_RESPONSE_BYTES} bytes",
                redact_url(&url)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

/// Scheme, host and path only: query strings can carry codes and tokens.
fn redact_url(url: &reqwest::Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.path()
    )
}

/// A claim in the default language.
fn localized<T: std::ops::Deref<Target = String>>(
    claim: Option<&openidconnect::LocalizedClaim<T>>,
) -> Option<String> {
    claim.and_then(|c| c.get(None)).map(|v| (**v).clone())
}

fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(500).collect()
}

impl Oidc {
    pub fn new(config: Arc<Config>) -> Result<Oidc, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("AdvisoryHub/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(!config.oidc.verify_tls)
            .build()?;
        Ok(Oidc {
            config,
            http: Transport(http),
            provider: Mutex::new(None),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.config.oidc.issuer.is_some()
    }

    async fn provider(&self) -> Result<Arc<Provider>, SignInError> {
        let mut cached = self.provider.lock().await;
        if let Some(p) = cached.as_ref()
            && p.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(p.clone());
        }
        let oidc = &self.config.oidc;
        let issuer = oidc.issuer.as_deref().ok_or(SignInError::NotConfigured)?;
        let issuer = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| SignInError::ProviderUnavailable(e.to_string()))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::ProviderUnavailable(describe(&e)))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let secret = Some(oidc.client_secret.expose())
            .filter(|s| !s.is_empty())
            .map(|s| ClientSecret::new(s.to_owned()));
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(oidc.client_id.clone()),
            secret,
        );
        let provider = Arc::new(Provider {
            client,
            end_session,
            fetched: Instant::now(),
        });
        *cached = Some(provider.clone());
        Ok(provider)
    }

    /// Starts an authorization request: the URL to send the browser to, and
    /// what the session must remember for the callback.
    pub async fn begin(
        &self,
        redirect_uri: &str,
        next: Option<String>,
        step_up: bool,
        now: i64,
    ) -> Result<(String, PendingFlow), SignInError> {
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SignInError::ProviderError(e.to_string()))?;
        let client = provider.client.clone().set_redirect_uri(redirect);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("groups".into()));
        let mut pkce_verifier = None;
        if self.config.oidc.use_pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            pkce_verifier = Some(verifier.secret().clone());
        }
        if step_up {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .add_extra_param("max_age", "0");
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            PendingFlow {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier,
                next,
                step_up,
                created_at: now,
            },
        ))
    }

    /// Completes a callback: exchanges the code, validates the ID token
    /// (signature, issuer, audience, expiry, nonce, algorithm), reads
    /// userinfo when the provider offers it, and extracts the claims.
    pub async fn finish(
        &self,
        flow: &PendingFlow,
        redirect_uri: &str,
        code: &str,
    ) -> Result<VerifiedSignIn, SignInError> {
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SignInError::ProviderError(e.to_string()))?;
        let client = provider.client.clone().set_redirect_uri(redirect);
        let http = &self.http;

        let mut exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SignInError::ProviderUnavailable(describe(&e)))?;
        if let Some(v) = &flow.pkce_verifier {
            exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(v.clone()));
        }
        let tokens = exchange
            .request_async(http)
            .await
            .map_err(|e| SignInError::CodeRejected(describe(&e)))?;

        let id_token = tokens
            .id_token()
            .ok_or_else(|| SignInError::InvalidIdToken("the provider sent no ID token".into()))?;
        let alg: CoreJwsSigningAlgorithm = serde_json::from_value(serde_json::Value::String(
            self.config.oidc.sign_algo.clone(),
        ))
        .map_err(|e| SignInError::InvalidIdToken(e.to_string()))?;
        let verifier = client.id_token_verifier().set_allowed_algs(vec![alg]);
        let nonce = Nonce::new(flow.nonce.clone());
        let id_claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| SignInError::InvalidIdToken(describe(&e)))?;

        let subject = id_claims.subject().to_string();
        let mut extra: HashMap<String, serde_json::Value> = id_claims
            .additional_claims()
            .claims
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut email = id_claims.email().map(|e| e.to_string());
        let mut email_verified = id_claims.email_verified();
        let mut name = localized(id_claims.name());
        let mut given_name = localized(id_claims.given_name());
        let mut family_name = localized(id_claims.family_name());

        if let Ok(request) = client.user_info(
            tokens.access_token().clone(),
            Some(id_claims.subject().clone()),
        ) {
            let info: openidconnect::UserInfoClaims<OtherClaims, CoreGenderClaim> = request
                .request_async(http)
                .await
                .map_err(|e| SignInError::UserInfo(describe(&e)))?;
            email = info.email().map(|e| e.to_string()).or(email);
            email_verified = info.email_verified().or(email_verified);
            name = localized(info.name()).or(name);
            given_name = localized(info.given_name()).or(given_name);
            family_name = localized(info.family_name()).or(family_name);
            extra.extend(info.additional_claims().claims.clone());
        }

        let groups = mirror_group_names(extra.get(&self.config.oidc.groups_claim));
        let email_verified_claim = email_verified.map(serde_json::Value::Bool);
        Ok(VerifiedSignIn {
            claims: SignInClaims {
                subject,
                email,
                email_trusted: email_trusted(
                    email_verified_claim.as_ref(),
                    self.config.oidc.require_email_verified,
                ),
                name,
                given_name,
                family_name,
                groups,
            },
            id_token: id_token.to_string(),
            auth_time: id_claims.auth_time().map(|t| t.timestamp()),
        })
    }

    /// The provider's end-session URL for a sign-out, when it offers one.
    pub async fn end_session_url(
        &self,
        post_logout_redirect: &str,
        id_token_hint: Option<&str>,
    ) -> Option<String> {
        let provider = match self.provider().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "signing out locally only: provider unavailable");
                return None;
            }
        };
        let mut url = reqwest::Url::parse(provider.end_session.as_deref()?).ok()?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("post_logout_redirect_uri", post_logout_redirect);
            q.append_pair("client_id", &self.config.oidc.client_id);
            if let Some(hint) = id_token_hint {
                q.append_pair("id_token_hint", hint);
            }
        }
        Some(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(state: &str, created_at: i64) -> PendingFlow {
        PendingFlow {
            state: state.into(),
            nonce: "n".into(),
            pkce_verifier: None,
            next: None,
            step_up: false,
            created_at,
        }
    }

    #[test]
    fn a_flow_is_taken_once() {
        let mut flows = keep_flows(Vec::new(), 100, flow("a", 100));
        assert!(take_flow(&mut flows, "b", 101).is_none());
        assert!(take_flow(&mut flows, "a", 101).is_some());
        assert!(take_flow(&mut flows, "a", 102).is_none(), "replayed state");
    }

    #[test]
    fn old_and_excess_flows_are_dropped() {
        let mut flows = Vec::new();
        for i in 0..8 {
            flows = keep_flows(flows, 1000 + i, flow(&i.to_string(), 1000 + i));
        }
        assert_eq!(flows.len(), MAX_FLOWS);
        assert!(take_flow(&mut flows, "0", 1010).is_none());
        let mut flows = vec![flow("old", 0)];
        assert!(
            take_flow(&mut flows, "old", FLOW_TTL_SECONDS).is_none(),
            "expired"
        );
    }
}
