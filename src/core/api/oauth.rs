//! The OAuth endpoints of the login host: the authorization URL (step 1), the code exchange
//! (step 2), client credentials, refresh and revocation. The grants themselves go through
//! `renewal.rs`, which holds the token.

use crate::core::client::Client;
use crate::core::error::{Error, Result};
use crate::core::logs;
use crate::core::oauth::{self, Grant};
use crate::core::options::RedirectUri;
use crate::core::retry::Idempotency;
use crate::core::secret::Secret;
use crate::core::store::Origin;
use crate::core::token::Token;
use crate::core::transport::{Call, Payload, Target};

impl Client {
    /// Step 1 of the OAuth flow: the URL the user opens to approve the app.
    pub fn authorization_url(&self, state: Option<&str>) -> Result<String> {
        self.authorization_url_with(state, None, None)
    }

    /// Step 1 with another redirect URI than the configured one (a loopback listener) and
    /// a PKCE challenge (sent with `code_challenge_method=S256`).
    pub fn authorization_url_with(
        &self,
        state: Option<&str>,
        redirect_uri: Option<&str>,
        code_challenge: Option<&str>,
    ) -> Result<String> {
        let cfg = &self.inner.cfg;
        let id = cfg.require_client_id("authorization_url()")?;
        let redirect_uri = match redirect_uri {
            Some(r) => RedirectUri::parse(r)?,
            None => cfg.redirect_uri.clone(),
        };
        if let Some(c) = code_challenge {
            oauth::check_code_challenge(c)?;
        }
        Ok(
            oauth::authorization_url(&cfg.login_url, id, &redirect_uri, state, code_challenge)
                .into(),
        )
    }

    /// Step 2: trades the code shown by Procore for a token.
    pub async fn exchange_code(&self, code: &str) -> Result<Token> {
        let grant = self.code_grant(code, None, None)?;
        self.exchange_code_grant(grant).await
    }

    /// The checked authorization-code grant: the redirect URI of step 1 (default: the
    /// configured one) and the PKCE verifier when step 1 sent a challenge. Nothing is sent.
    pub fn code_grant(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<Grant> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::Config("exchange_code(): the code is empty".into()));
        }
        let redirect_uri = match redirect_uri {
            Some(r) => RedirectUri::parse(r)?,
            None => self.inner.cfg.redirect_uri.clone(),
        };
        if let Some(v) = code_verifier {
            oauth::check_code_verifier(v)?;
        }
        Ok(Grant::AuthorizationCode {
            code: Secret::new(code),
            redirect_uri: redirect_uri.into(),
            code_verifier: code_verifier.map(Secret::new),
        })
    }

    /// Step 2 with a grant from [`Client::code_grant`]; the token is installed and stored.
    pub async fn exchange_code_grant(&self, grant: Grant) -> Result<Token> {
        if !matches!(grant, Grant::AuthorizationCode { .. }) {
            return Err(Error::Config(
                "exchange_code_grant() takes an authorization-code grant".into(),
            ));
        }
        self.detached(move |c| async move {
            let _g = c.inner.renew_lock.lock().await;
            let token = c.request_token(&grant, "exchange_code()").await?;
            c.install(token, Origin::AuthorizationCode).await
        })
        .await
    }

    /// A service-account token (client_credentials grant).
    pub async fn client_credentials(&self) -> Result<Token> {
        self.detached(|c| async move {
            let _g = c.inner.renew_lock.lock().await;
            let token = c
                .request_token(&Grant::ClientCredentials, "client_credentials()")
                .await?;
            c.install(token, Origin::ClientCredentials).await
        })
        .await
    }

    /// Refreshes now (refresh_token grant; client_credentials for service accounts).
    pub async fn refresh(&self) -> Result<Token> {
        self.renew_token(None, "refresh()").await
    }

    /// Revokes the current token and forgets it (and removes the token store). Retried only
    /// when the request never reached the server.
    pub async fn revoke(&self) -> Result<()> {
        let state = self.auth();
        let Some(token) = state.token else {
            return Err(Error::Config(
                "revoke(): there is no token to revoke".into(),
            ));
        };
        let cfg = &self.inner.cfg;
        let (id, secret) = cfg.require_credentials("revoke()")?;
        let url = oauth::endpoint(&cfg.login_url, "oauth/revoke");
        let form = [
            ("token", token.access_token.expose().to_string()),
            ("client_id", id.to_string()),
            ("client_secret", secret.expose().to_string()),
        ];
        let call = Call {
            target: Target {
                method: &reqwest::Method::POST,
                url: &url,
                query: &[],
            },
            idempotency: Idempotency::NotIdempotent,
            payload: Payload::OAuthForm(&form),
        };
        let done = self.call(&call).await?;
        if done.answer.status >= 400 {
            return Err(oauth::oauth_error(
                done.answer.status,
                &done.answer.body,
                &self.secrets(Some(&token)),
            ));
        }
        let _g = self.inner.renew_lock.lock().await;
        if let Some(store) = &self.inner.store {
            store.remove()?;
        }
        self.set_auth(None, Origin::External);
        log::info!(target: logs::OAUTH, outcome = "revoked"; "token revoked");
        Ok(())
    }
}
