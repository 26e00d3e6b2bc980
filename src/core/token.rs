//! The OAuth token: reading it from the token endpoint's answer or a stored file, writing it
//! back, and when it needs renewing.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::error::{Error, Result};
use super::secret::Secret;

/// Seconds since the Unix epoch, as a float.
pub fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// An OAuth 2.0 token as Procore's token endpoint returns it. `Debug` hides both tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    /// Lifetime in seconds as the server gave it (5400 today, 7200 in older docs): never assumed.
    pub expires_in: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Every other field the server sent, kept as is.
    pub extra: Map<String, Value>,
}

/// The latest `created_at` accepted (9999-12-31T23:59:59Z): later ones are garbage, and
/// bounding it keeps `created_at + expires_in` far from overflowing.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;
/// The longest lifetime accepted (ten years; Procore's is 5400 s).
const MAX_LIFETIME: i64 = 10 * 366 * 24 * 3600;

/// An access token goes into the `Authorization` header: it must be one header value, in
/// RFC 6750's `b64token` alphabet and length bounds we can trust (visible ASCII, no space,
/// no CR or LF). Anything else is refused before it is ever sent.
pub fn check_access_token(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::Decode("token: the access token is empty".into()));
    }
    if token.len() > 16 * 1024 {
        return Err(Error::Decode(
            "token: the access token is longer than 16 KiB".into(),
        ));
    }
    if let Some(c) = token.chars().find(|c| !c.is_ascii_graphic()) {
        let what = match c {
            '\r' | '\n' => "a line break",
            ' ' | '\t' => "white space",
            c if c.is_control() => "a control character",
            _ => "a character outside visible ASCII",
        };
        return Err(Error::Decode(format!(
            "token: the access token contains {what}, so it cannot be sent in a header"
        )));
    }
    Ok(())
}

const KNOWN: [&str; 5] = [
    "access_token",
    "refresh_token",
    "token_type",
    "expires_in",
    "created_at",
];

impl Token {
    /// A bare bearer token given by the user: no refresh token, no known expiry.
    pub fn bearer(access_token: Secret) -> Token {
        Token {
            access_token,
            refresh_token: None,
            token_type: "bearer".into(),
            expires_in: None,
            created_at: now_unix() as i64,
            extra: Map::new(),
        }
    }

    /// Reads a token endpoint response (or a stored `to_json()`). `created_at` defaults to now.
    pub fn from_json(value: &Value) -> Result<Token> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::Decode("token: expected a JSON object".into()))?;
        let access = match obj.get("access_token") {
            Some(Value::String(s)) if !s.is_empty() => {
                check_access_token(s)?;
                Secret::new(s.as_str())
            }
            _ => return Err(Error::Decode("token: no access_token".into())),
        };
        let refresh = match obj.get("refresh_token") {
            Some(Value::String(s)) if !s.is_empty() => Some(Secret::new(s.as_str())),
            Some(Value::Null) | None => None,
            Some(Value::String(_)) => None,
            Some(_) => return Err(Error::Decode("token: refresh_token is not a string".into())),
        };
        let token_type = match obj.get("token_type") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => "bearer".into(),
            Some(_) => return Err(Error::Decode("token: token_type is not a string".into())),
        };
        let int = |key: &str| -> Result<Option<i64>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .map(Some)
                    .ok_or_else(|| Error::Decode(format!("token: {key} is not an integer"))),
                Some(Value::String(s)) => s
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| Error::Decode(format!("token: {key} is not an integer"))),
                Some(_) => Err(Error::Decode(format!("token: {key} is not an integer"))),
            }
        };
        let expires_in = int("expires_in")?;
        if let Some(e) = expires_in.filter(|e| !(0..=MAX_LIFETIME).contains(e)) {
            return Err(Error::Decode(format!(
                "token: expires_in must be between 0 and {MAX_LIFETIME} seconds, not {e}"
            )));
        }
        let created_at = int("created_at")?.unwrap_or_else(|| now_unix() as i64);
        if !(0..=MAX_UNIX_SECONDS).contains(&created_at) {
            return Err(Error::Decode(format!(
                "token: created_at must be Unix seconds between 0 and {MAX_UNIX_SECONDS}, not {created_at}"
            )));
        }
        let extra = obj
            .iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Token {
            access_token: access,
            refresh_token: refresh,
            token_type,
            expires_in,
            created_at,
            extra,
        })
    }

    /// Every field, secrets included: for the token store and `Token.to_dict()`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("access_token".into(), self.access_token.expose().into());
        m.insert(
            "refresh_token".into(),
            self.refresh_token
                .as_ref()
                .map(|s| Value::from(s.expose()))
                .unwrap_or(Value::Null),
        );
        m.insert("token_type".into(), self.token_type.clone().into());
        m.insert(
            "expires_in".into(),
            self.expires_in.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("created_at".into(), self.created_at.into());
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// `created_at + expires_in`, when the lifetime is known.
    pub fn expires_at(&self) -> Option<i64> {
        // Both are bounded by `from_json`; saturate anyway for tokens built field by field.
        self.expires_in.map(|e| self.created_at.saturating_add(e))
    }

    /// True when less than min(60 s, a tenth of the lifetime) remains.
    pub fn needs_refresh(&self, now: f64) -> bool {
        match (self.expires_in, self.expires_at()) {
            (Some(lifetime), Some(at)) => {
                let margin = (lifetime as f64 / 10.0).min(60.0);
                (at as f64) - now < margin
            }
            _ => false,
        }
    }

    /// Short fingerprint for logs and equality of "same token" without exposing it.
    pub fn same_access(&self, other: &Token) -> bool {
        self.access_token == other.access_token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tok(expires_in: i64, created_at: i64) -> Token {
        Token::from_json(&json!({
            "access_token": "a".repeat(64), "token_type": "bearer",
            "expires_in": expires_in, "refresh_token": "r".repeat(64), "created_at": created_at
        }))
        .unwrap()
    }

    #[test]
    fn expiry_follows_expires_in() {
        let t = tok(5400, 1_000_000);
        assert_eq!(t.expires_at(), Some(1_005_400));
        // margin is min(60, 540) = 60 s
        assert!(!t.needs_refresh(1_005_339.0));
        assert!(t.needs_refresh(1_005_341.0));
        let t = tok(7200, 0);
        assert_eq!(t.expires_at(), Some(7200));
    }

    #[test]
    fn short_lifetimes_use_a_tenth() {
        let t = tok(100, 1000);
        // margin is min(60, 10) = 10 s
        assert!(!t.needs_refresh(1089.0));
        assert!(t.needs_refresh(1091.0));
    }

    #[test]
    fn unknown_lifetime_never_refreshes_early() {
        let t = Token::bearer(Secret::new("x".repeat(40)));
        assert!(!t.needs_refresh(f64::MAX));
        assert_eq!(t.expires_at(), None);
    }

    #[test]
    fn round_trip_keeps_unknown_fields() {
        let v = json!({"access_token": "abc", "token_type": "bearer", "expires_in": 5400,
                        "refresh_token": null, "created_at": 5, "scope": "public"});
        let t = Token::from_json(&v).unwrap();
        assert!(t.refresh_token.is_none());
        assert_eq!(t.extra.get("scope"), Some(&json!("public")));
        assert_eq!(t.to_json(), v);
    }

    #[test]
    fn debug_hides_tokens() {
        let t = tok(5400, 0);
        let d = format!("{t:?}");
        assert!(!d.contains(&"a".repeat(64)));
        assert!(!d.contains(&"r".repeat(64)));
    }

    #[test]
    fn absurd_lifetimes_are_refused_not_wrapped() {
        let base = json!({"access_token": "a", "token_type": "bearer"});
        for (k, v) in [
            ("expires_in", json!(i64::MAX)),
            ("expires_in", json!(-1)),
            ("expires_in", json!(1e300)),
            ("created_at", json!(i64::MAX)),
            ("created_at", json!(-5)),
            ("created_at", json!("99999999999999999")),
        ] {
            let mut v2 = base.clone();
            v2[k] = v;
            let err = Token::from_json(&v2).unwrap_err().to_string();
            assert!(err.contains(k), "{err}");
        }
        let t = tok(MAX_LIFETIME, MAX_UNIX_SECONDS);
        assert_eq!(t.expires_at(), Some(MAX_UNIX_SECONDS + MAX_LIFETIME));
        let mut t = Token::bearer(Secret::new("x"));
        t.created_at = i64::MAX;
        t.expires_in = Some(i64::MAX);
        assert_eq!(t.expires_at(), Some(i64::MAX));
    }

    #[test]
    fn access_tokens_that_cannot_be_a_header_are_refused() {
        for bad in [
            "ab\r\nX-Evil: 1",
            "ab\ncd",
            "a b",
            "tab\t",
            "caf\u{e9}",
            "nul\u{0}",
        ] {
            let err = Token::from_json(&json!({"access_token": bad})).unwrap_err();
            assert!(
                err.to_string().contains("cannot be sent in a header"),
                "{err}"
            );
            // The message never shows the token.
            assert!(!err.to_string().contains(bad));
        }
        assert!(check_access_token(&"a".repeat(16 * 1024 + 1)).is_err());
        assert!(check_access_token("abc-._~+/=").is_ok());
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(Token::from_json(&json!({"token_type": "bearer"})).is_err());
        assert!(Token::from_json(&json!([1])).is_err());
        assert!(Token::from_json(&json!({"access_token": "a", "expires_in": "x"})).is_err());
    }
}
