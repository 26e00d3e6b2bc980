//! Secrets: a string that never shows in `Debug` or `Display`, and the scrubbing of secrets
//! from text a server sent.

use std::fmt;
use std::sync::Arc;

/// A secret string (client secret, access or refresh token). `Debug` and `Display` print
/// `[redacted]`; the value is read only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Every call site is a place where the secret leaves the client:
    /// an HTTP header, a form field, the token store or `Token.to_dict()`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl AsRef<Secret> for Secret {
    fn as_ref(&self) -> &Secret {
        self
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Replaces every occurrence of the given secrets in `text` with `[redacted]`, so that text the
/// server sent (an error description, a body) can never carry one of our secrets to a message.
pub fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        let v = s.expose();
        // Short values would redact innocent text; real secrets are long random strings.
        if v.len() >= 8 && out.contains(v) {
            out = out.replace(v, "[redacted]");
        }
    }
    out
}

/// Whether `text` holds one of the secrets that [`scrub`] replaces.
fn holds_secret(text: &str, secrets: &[Secret]) -> bool {
    secrets
        .iter()
        .any(|x| x.expose().len() >= 8 && text.contains(x.expose()))
}

/// [`scrub`] over every string of a decoded JSON document, keys included. Text is scrubbed
/// before decoding and this after it: a secret the server echoed JSON-escaped (`\u0041`,
/// `\/`) only shows once decoded.
pub fn scrub_json(value: &mut serde_json::Value, secrets: &[Secret]) {
    use serde_json::Value;
    // Iterative: the document is server input and may nest deeply.
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if holds_secret(s, secrets) => *s = scrub(s, secrets),
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| scrub(k, secrets) != **k)
                    .cloned()
                    .collect();
                for k in dirty {
                    if let Some(inner) = map.remove(&k) {
                        map.insert(scrub(&k, secrets), inner);
                    }
                }
                stack.extend(map.values_mut());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_echoed_json_escaped_are_scrubbed_once_decoded() {
        let secret = Secret::new("abc/def-0123456789");
        let text = r#"{"message": "\u0061bc\/def-0123456789 refused", "list": [{"abc\/def-0123456789": 1}]}"#;
        let clean = scrub(text, std::slice::from_ref(&secret));
        let mut v: serde_json::Value = serde_json::from_str(&clean).unwrap();
        assert!(v.to_string().contains("abc/def-0123456789"));
        scrub_json(&mut v, &[secret]);
        let shown = v.to_string();
        assert!(!shown.contains("abc/def-0123456789"), "{shown}");
        assert_eq!(v["message"], "[redacted] refused");
        assert_eq!(v["list"][0]["[redacted]"], 1);
    }

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("s3cr3t-value-123");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose(), "s3cr3t-value-123");
    }

    #[test]
    fn scrub_replaces_every_secret() {
        let a = Secret::new("aaaaaaaaaaaa");
        let b = Secret::new("bbbbbbbbbbbb");
        let text = "token aaaaaaaaaaaa and bbbbbbbbbbbb and aaaaaaaaaaaa";
        assert_eq!(
            scrub(text, &[a.clone(), b]),
            "token [redacted] and [redacted] and [redacted]"
        );
        assert_eq!(scrub("nothing here", &[a]), "nothing here");
    }
}
