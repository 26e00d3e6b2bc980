//! Token renewal: the token the client holds, a usable one for each API request, and the
//! single-flight renewal of it (one grant at a time per client and, through the token store's
//! file lock, per store across processes). Grants run detached from their caller so that a
//! code or refresh token spent on the server is never lost with its answer.

use serde_json::Value;

use super::client::Client;
use super::error::{Error, Result};
use super::logs;
use super::oauth::{self, Grant};
use super::retry::Idempotency;
use super::secret::scrub;
use super::store::Origin;
use super::token::{now_unix, Token};
use super::transport::{Call, Payload, Target};

/// The token the client holds and how it was obtained (which decides how it is renewed).
#[derive(Clone)]
pub(super) struct AuthState {
    pub token: Option<Token>,
    pub origin: Origin,
    /// The token is newer than the token store's copy: its save failed. The store's token
    /// must then never be adopted over it (its refresh token is dead on the server).
    pub unsaved: bool,
}

impl AuthState {
    pub fn new(token: Option<Token>, origin: Origin) -> AuthState {
        AuthState {
            token,
            origin,
            unsaved: false,
        }
    }
}

impl Client {
    /// The current token, if any.
    pub fn token(&self) -> Option<Token> {
        self.auth().token
    }

    pub(super) fn auth(&self) -> AuthState {
        self.inner
            .auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(super) fn set_auth(&self, token: Option<Token>, origin: Origin) {
        *self.inner.auth.lock().unwrap_or_else(|p| p.into_inner()) = AuthState::new(token, origin);
    }

    /// Runs a token grant to completion even if the caller goes away (Ctrl-C, a cancelled
    /// task): a code or refresh token spent on the server must not be lost with its answer,
    /// so the grant and the store write finish in a task of their own.
    pub(super) async fn detached<F, Fut>(&self, f: F) -> Result<Token>
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = Result<Token>> + Send + 'static,
    {
        tokio::spawn(f(self.clone()))
            .await
            .map_err(|e| Error::TokenStore(format!("token task failed: {e}")))?
    }

    /// Saves a new token to the store, then makes it current: a crash between the two leaves
    /// the new token on disk, never only in a dead process. When the save fails (a read-only
    /// folder, a full disk) the token is made current all the same, since the server has
    /// already rotated it and the old one is dead, and the save error is returned; the next
    /// new token is saved again.
    pub(super) async fn install(&self, token: Token, origin: Origin) -> Result<Token> {
        if let Some(store) = &self.inner.store {
            let (store, t) = (store.clone(), token.clone());
            if let Err(e) = blocking(move || store.save(&t)).await {
                *self.inner.auth.lock().unwrap_or_else(|p| p.into_inner()) = AuthState {
                    token: Some(token),
                    origin,
                    unsaved: true,
                };
                log::warn!(
                    target: logs::OAUTH, outcome = "unsaved";
                    "the new token could not be saved ({e}); it is kept in memory and used, and saved again with the next token"
                );
                return Err(Error::TokenStore(format!(
                    "{e}; the new token is kept in memory (client.token) and used by later calls, and is saved again with the next token"
                )));
            }
        }
        self.set_auth(Some(token.clone()), origin);
        Ok(token)
    }

    /// A token that is not about to expire, renewing it first when it is.
    pub(super) async fn usable_token(&self) -> Result<(Token, Origin)> {
        let state = self.auth();
        let Some(token) = state.token.clone() else {
            return Err(Error::Config(
                "no access token: call exchange_code(code) or client_credentials(), or pass access_token=, token= or token_store=".into(),
            ));
        };
        if token.needs_refresh(now_unix()) && self.can_renew(&state) {
            let t = self
                .renew_token(Some(&token), "the access token is about to expire")
                .await?;
            let origin = self.auth().origin;
            return Ok((t, origin));
        }
        Ok((token, state.origin))
    }

    /// Whether the client can renew this token: it has the client's credentials and a refresh
    /// token, or came from the client-credentials grant.
    pub(super) fn can_renew(&self, state: &AuthState) -> bool {
        let creds = self.inner.cfg.client_id.is_some() && self.inner.cfg.client_secret.is_some();
        match &state.token {
            Some(t) => {
                creds && (t.refresh_token.is_some() || state.origin == Origin::ClientCredentials)
            }
            None => false,
        }
    }

    /// Single-flight renewal, detached from the caller. `stale` is the token a caller found
    /// expired (or that got a 401): when the current token is already another one, somebody
    /// renewed it and it is returned as is. `None` forces a renewal. `why` says what asked
    /// for it, for the log.
    pub(super) async fn renew_token(
        &self,
        stale: Option<&Token>,
        why: &'static str,
    ) -> Result<Token> {
        self.spawn_renewal(stale.cloned(), why)
            .await
            .map_err(|e| Error::TokenStore(format!("token task failed: {e}")))?
    }

    /// Starts the renewal in a task of its own. A plain function returning the task's handle:
    /// the renewal sends through the retry loop, which may itself renew, and the handle's
    /// concrete type keeps that loop of futures finite.
    fn spawn_renewal(
        &self,
        stale: Option<Token>,
        why: &'static str,
    ) -> tokio::task::JoinHandle<Result<Token>> {
        let c = self.clone();
        tokio::spawn(async move { c.renew_token_locked(stale.as_ref(), why).await })
    }

    /// The renewal itself, under the client's renewal lock and the store's file lock.
    async fn renew_token_locked(&self, stale: Option<&Token>, why: &'static str) -> Result<Token> {
        let _g = self.inner.renew_lock.lock().await;
        let _file_lock = match &self.inner.store {
            Some(store) => {
                let store = store.clone();
                Some(blocking(move || store.lock()).await?)
            }
            None => None,
        };
        // Another process sharing the store may have renewed: adopt its token.
        if let Some(store) = &self.inner.store {
            let store = store.clone();
            if let Ok(Some((stored, origin))) = blocking(move || store.load()).await {
                let cur = self.auth();
                if !cur.unsaved && cur.token.as_ref().is_none_or(|c| !c.same_access(&stored)) {
                    self.set_auth(Some(stored), origin);
                    log::info!(
                        target: logs::OAUTH, outcome = "adopted";
                        "using the token found in the token store (saved by another client or process)"
                    );
                }
            }
        }
        let state = self.auth();
        let Some(current) = state.token else {
            return Err(Error::Config(
                "refresh(): there is no token: call exchange_code() or client_credentials() first"
                    .into(),
            ));
        };
        if let Some(stale) = stale {
            if !current.same_access(stale) && !current.needs_refresh(now_unix()) {
                log::debug!(
                    target: logs::OAUTH, outcome = "already renewed";
                    "token already renewed by a concurrent call ({why})"
                );
                return Ok(current);
            }
        }
        let (grant, origin) = match (&current.refresh_token, state.origin) {
            (Some(rt), origin) => (
                Grant::RefreshToken {
                    refresh_token: rt.clone(),
                },
                origin,
            ),
            (None, Origin::ClientCredentials) => (Grant::ClientCredentials, Origin::ClientCredentials),
            (None, _) => {
                return Err(Error::OAuth {
                    error: "invalid_token".into(),
                    description: Some(
                        "the access token cannot be renewed: it has no refresh token; get a new one with exchange_code() or client_credentials()".into(),
                    ),
                    status: None,
                })
            }
        };
        let token = self.request_token(&grant, why).await?;
        self.install(token, origin).await
    }

    /// A token grant, logged at INFO (`procore.oauth`) with its outcome and `why` it was asked
    /// for. Never a token value: an error's text is scrubbed of every secret involved.
    pub(super) async fn request_token(&self, grant: &Grant, why: &str) -> Result<Token> {
        let result = self.post_grant(grant).await;
        if log::log_enabled!(target: logs::OAUTH, log::Level::Info) {
            let name = grant.name();
            match &result {
                Ok(t) => {
                    let life = t
                        .expires_in
                        .map(|s| format!(", expires in {s} s"))
                        .unwrap_or_default();
                    log::info!(
                        target: logs::OAUTH, grant_type = name, outcome = "ok";
                        "new token from the {name} grant ({why}{life})"
                    );
                }
                Err(e) => {
                    let mut secrets = self.secrets(None);
                    secrets.extend(grant.secrets());
                    let msg = scrub(&e.to_string(), &secrets);
                    log::info!(
                        target: logs::OAUTH, grant_type = name, outcome = "failed";
                        "the {name} grant failed ({why}): {msg}"
                    );
                }
            }
        }
        result
    }

    /// `POST {login}/oauth/token`. Only the client-credentials grant is retried after the
    /// request may have reached the server: a code or a refresh token may be spent by a
    /// request whose answer was lost.
    async fn post_grant(&self, grant: &Grant) -> Result<Token> {
        let cfg = &self.inner.cfg;
        let what = match grant {
            Grant::AuthorizationCode { .. } => "exchange_code()",
            Grant::RefreshToken { .. } => "refresh()",
            Grant::ClientCredentials => "client_credentials()",
        };
        let (id, secret) = cfg.require_credentials(what)?;
        let url = oauth::endpoint(&cfg.login_url, "oauth/token");
        let form = grant.form(id, secret);
        let idempotency = match grant {
            Grant::ClientCredentials => Idempotency::Idempotent,
            _ => Idempotency::NotIdempotent,
        };
        let call = Call {
            target: Target {
                method: &reqwest::Method::POST,
                url: &url,
                query: &[],
            },
            idempotency,
            payload: Payload::OAuthForm(&form),
        };
        let done = self.call(&call).await?;
        let answer = done.answer;
        if answer.is_success() {
            let value: Value = serde_json::from_slice(&answer.body).map_err(|e| {
                Error::Decode(format!(
                    "the token endpoint answered with invalid JSON: {e}"
                ))
            })?;
            return Token::from_json(&value);
        }
        let mut secrets = self.secrets(None);
        secrets.extend(grant.secrets());
        Err(oauth::oauth_error(answer.status, &answer.body, &secrets))
    }
}

/// Runs blocking file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::TokenStore(format!("background task failed: {e}")))?
}
