//! The paths a caller gives, resolved under the API root: the bearer token goes to the
//! configured host only.

use percent_encoding::percent_decode_str;
use url::Url;

use super::error::{Error, Result};

/// Turns the `path` given to `get`/`post`/… into a URL under `base`.
///
/// The bearer token goes to the configured hosts only, so this refuses, before anything is
/// sent: an absolute URL to another origin, a scheme-relative `//host` path, backslashes,
/// control characters, and any `.` or `..` segment (also percent-encoded), which could climb
/// out of the API root.
pub fn resolve_path(base: &Url, path: &str) -> Result<Url> {
    let raw = path;
    if raw.is_empty() {
        return Err(Error::Config("path is empty".into()));
    }
    if raw
        .chars()
        .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
    {
        return Err(Error::Config(format!(
            "path {path:?} contains whitespace, a backslash or a control character"
        )));
    }
    if raw.starts_with("//") {
        return Err(Error::Config(format!(
            "path {path:?} names another host: give a path such as /rest/v1.0/me"
        )));
    }
    let base_path = base.path().trim_end_matches('/');
    let relative: String = if has_scheme(raw) {
        // `Url::parse` resolves `..` and `%2e%2e` itself, so check the raw path first.
        let after_scheme = raw.split_once("://").map(|(_, r)| r).unwrap_or("");
        if let Some(i) = after_scheme.find('/') {
            check_segments(
                path,
                after_scheme[i..].split(['?', '#']).next().unwrap_or(""),
            )?;
        }
        let url = Url::parse(raw)
            .map_err(|e| Error::Config(format!("path {path:?} is not a valid URL: {e}")))?;
        if url.scheme() != base.scheme()
            || url.host_str() != base.host_str()
            || url.port_or_known_default() != base.port_or_known_default()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(Error::Config(format!(
                "refusing to send the access token to {}: only the configured API host {} is allowed",
                origin(&url),
                origin(base)
            )));
        }
        let p = url.path();
        let under = p
            .strip_prefix(base_path)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        let Some(rest) = under else {
            return Err(Error::Config(format!(
                "URL {path:?} is outside the API root {base}"
            )));
        };
        match url.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_string(),
        }
    } else {
        raw.to_string()
    };
    let (p, query) = match relative.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (relative.as_str(), None),
    };
    let p = p.split('#').next().unwrap_or("");
    check_segments(path, p)?;
    let p = p.trim_start_matches('/');
    // Procore's REST API lives under `/rest/`; the API host answers other paths too
    // (`/oauth/...`), and none of them is a place for the bearer token.
    if !p.starts_with("rest/") {
        return Err(Error::Config(format!(
            "path {path:?} is not under /rest/ of the API: give a path such as /rest/v1.0/me"
        )));
    }
    let mut url = base.clone();
    url.set_path(&format!("{base_path}/{p}"));
    url.set_query(query.filter(|q| !q.is_empty()));
    // `Url` normalises dot segments itself; check nothing moved.
    if !url.path().starts_with(base_path) {
        return Err(Error::Config(format!("path {path:?} leaves the API root")));
    }
    Ok(url)
}

/// Refuses `.` and `..` segments (also percent-encoded) and encoded slashes.
fn check_segments(path: &str, raw_path: &str) -> Result<()> {
    for segment in raw_path.split('/') {
        let decoded = percent_decode(segment);
        if decoded == "." || decoded == ".." || decoded.contains('/') || decoded.contains('\\') {
            return Err(Error::Config(format!(
                "path {path:?} has a '.', '..' or encoded slash segment that could leave the API root"
            )));
        }
    }
    Ok(())
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = &s[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !s[..i].contains('/')
        }
        None => false,
    }
}

fn origin(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{}://{h}:{p}", url.scheme()),
        (Some(h), None) => format!("{}://{h}", url.scheme()),
        _ => url.scheme().to_string(),
    }
}

/// Percent-decodes until nothing changes: double encoding (`%252e`) is `.` too.
fn percent_decode(s: &str) -> String {
    let mut current = s.to_string();
    loop {
        let decoded = percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == current {
            return decoded;
        }
        current = decoded;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.procore.com").unwrap()
    }

    #[test]
    fn relative_paths_join_the_base() {
        let u = resolve_path(&base(), "/rest/v1.0/me").unwrap();
        assert_eq!(u.as_str(), "https://api.procore.com/rest/v1.0/me");
        let u = resolve_path(&base(), "rest/v1.0/projects?company_id=5").unwrap();
        assert_eq!(
            u.as_str(),
            "https://api.procore.com/rest/v1.0/projects?company_id=5"
        );
    }

    #[test]
    fn base_with_a_prefix_keeps_it() {
        let b = Url::parse("https://proxy.example.com/procore").unwrap();
        let u = resolve_path(&b, "/rest/v1.0/me").unwrap();
        assert_eq!(u.as_str(), "https://proxy.example.com/procore/rest/v1.0/me");
        let u = resolve_path(&b, "https://proxy.example.com/procore/rest/v1.0/me").unwrap();
        assert_eq!(u.as_str(), "https://proxy.example.com/procore/rest/v1.0/me");
        assert!(resolve_path(&b, "https://proxy.example.com/other/rest").is_err());
    }

    #[test]
    fn absolute_urls_to_the_api_host_pass() {
        let u = resolve_path(&base(), "https://api.procore.com/rest/v1.0/me?x=1").unwrap();
        assert_eq!(u.as_str(), "https://api.procore.com/rest/v1.0/me?x=1");
    }

    #[test]
    fn other_hosts_are_refused() {
        for bad in [
            "https://evil.example.com/rest/v1.0/me",
            "http://api.procore.com/rest/v1.0/me",
            "https://api.procore.com:8443/rest/v1.0/me",
            "https://user@api.procore.com/rest/v1.0/me",
            "//evil.example.com/rest/v1.0/me",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(resolve_path(&base(), bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn dot_segments_are_refused() {
        for bad in [
            "/rest/v1.0/../../oauth/token",
            "/rest/../oauth/token",
            "/rest/v1.0/%2e%2e/%2E%2E/oauth/token",
            "/rest/v1.0/%252e%252e/x",
            "https://api.procore.com/rest/%2e%2e/oauth/token/info",
            "https://api.procore.com/rest/../oauth/token",
            "/rest/./v1.0/me",
            "/rest/v1.0/a%2fb",
            "/rest\\..\\x",
            "/rest/v1.0/me\n",
            "/rest/v1.0/ me",
            "",
        ] {
            assert!(
                matches!(resolve_path(&base(), bad), Err(Error::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_rest_paths_are_api_paths() {
        for bad in [
            "/oauth/token/info",
            "oauth/token",
            "https://api.procore.com/oauth/token/info",
            "/vapid/projects",
            "/rest",
            "/restful/v1.0/me",
            "/REST/v1.0/me",
            "/",
        ] {
            match resolve_path(&base(), bad) {
                Err(Error::Config(m)) => assert!(m.contains("/rest/"), "{bad}: {m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let b = Url::parse("https://proxy.example.com/procore").unwrap();
        assert!(resolve_path(&b, "/oauth/token").is_err());
        assert!(resolve_path(&b, "https://proxy.example.com/procore/oauth/token").is_err());
    }

    #[test]
    fn decoding_is_total() {
        assert_eq!(percent_decode("%2e%2E"), "..");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%252e%252E"), "..");
        assert_eq!(percent_decode("%25"), "%");
    }
}
