//! The browser login, `login()`: the OAuth 2.0 authorization-code flow for a person at a
//! terminal or in a notebook, written once for both clients.
//!
//! The browser brings the code back to a listener on this machine (RFC 8252 §7.3,
//! `http://localhost:PORT/callback`); a random `state` ties that answer to this login
//! (RFC 6749 §10.12) and PKCE ties the code to this process (RFC 7636, S256). Where no listener
//! can help (a notebook, whose browser is often on another machine; a port that cannot be
//! opened) the person pastes the code Procore shows for the out-of-band redirect URI instead.
//!
//! What only the caller can do, showing the URL (and opening a browser) and reading a pasted
//! code, goes through [`LoginUi`]. Nothing secret (the code, the PKCE verifier, the state)
//! reaches it or any error message: the UI sees the authorization URL, which carries only the
//! state and the challenge.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rand::RngCore;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use url::Url;

use super::client::Client;
use super::error::Error;
use super::options::OOB_REDIRECT_URI;
use super::secret::Secret;
use super::token::Token;

/// The listener's path when the client's redirect URI is not itself a loopback address.
pub const CALLBACK_PATH: &str = "/callback";
/// `error` of the refusal when the browser does not come back in time.
pub const LOGIN_TIMEOUT: &str = "login_timeout";
/// `error` of the refusal when the answer carries another login's state (or none).
pub const STATE_MISMATCH: &str = "state_mismatch";

/// A request to the listener larger than this is not a browser coming back.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one connection may take (browsers open idle spare ones).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// How the code comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The browser brings it to the listener; a port that cannot be opened is an error.
    Listen,
    /// The browser brings it to the listener, or, when the port cannot be opened, the person
    /// pastes it.
    ListenOrPaste,
    /// The person pastes the code Procore shows (the out-of-band redirect URI).
    Paste,
}

/// The arguments of one login.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub mode: Mode,
    /// The listener's port; 0 picks a free one (or the port of a loopback redirect URI given
    /// to the client).
    pub port: u16,
    /// How long to wait for the browser.
    pub timeout: Duration,
}

/// What the person is told before the wait.
#[derive(Debug, Clone, Copy)]
pub struct Instructions<'a> {
    /// The authorization URL to open.
    pub url: &'a str,
    /// Where the browser comes back: the listener's address, or the out-of-band URN.
    pub redirect_uri: &'a str,
    /// The person pastes the code (out of band) instead of the browser bringing it back.
    pub paste: bool,
    /// Why pasting replaced the listener (`127.0.0.1:8765 (Address already in use)`).
    pub no_listener: Option<&'a str>,
}

/// The caller's side of a login: the person at the keyboard.
pub trait LoginUi: Send + Sync {
    /// What the UI may fail with (Ctrl-C at a prompt, a closed terminal).
    type Error: Send;

    /// Shows the instructions (and opens a browser when there is one). Called once, before
    /// the wait.
    fn show(
        &self,
        instructions: &Instructions<'_>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The text the person pastes in out-of-band mode; `None` when nothing can be read
    /// (standard input closed).
    fn read_code(&self) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;
}

/// Why a login ended without a token.
#[derive(Debug)]
pub enum LoginError<E> {
    /// Bad arguments or configuration, or the token exchange failed.
    Core(Error),
    /// The browser came back without a code: another login's state ([`STATE_MISMATCH`]),
    /// Procore's refusal (`access_denied`, …), or not at all ([`LOGIN_TIMEOUT`]).
    Refused {
        /// What happened and what to do, for the person.
        message: String,
        error: String,
        /// Procore's `error_description`, when it sent one.
        description: Option<String>,
    },
    /// The UI failed.
    Ui(E),
}

impl<E> From<Error> for LoginError<E> {
    fn from(e: Error) -> Self {
        LoginError::Core(e)
    }
}

impl<E: fmt::Display> fmt::Display for LoginError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::Core(e) => e.fmt(f),
            LoginError::Refused { message, .. } => f.write_str(message),
            LoginError::Ui(e) => e.fmt(f),
        }
    }
}

/// What `login()` needs before anything happens: both credentials (the flow ends with the
/// token request), so that the person is not sent to log in for nothing.
pub fn check(client: &Client) -> Result<(), Error> {
    client.config().require_credentials("login()")?;
    Ok(())
}

/// Logs the person in and returns the token, installed in the client (and its token store)
/// as `exchange_code` does. Dropping the future closes the listener at once.
pub async fn login<U: LoginUi>(
    client: &Client,
    opts: &LoginOptions,
    ui: &U,
) -> Result<Token, LoginError<U::Error>> {
    check(client)?;
    let state = new_state();
    let verifier = new_code_verifier();
    let challenge = code_challenge(verifier.expose());

    let mut no_listener = None;
    let listener = match opts.mode {
        Mode::Paste => None,
        Mode::Listen | Mode::ListenOrPaste => {
            let target = Target::of(&client.config().redirect_uri, opts.port)?;
            match Listener::bind(target) {
                Ok(l) => Some(l),
                Err(e) if opts.mode == Mode::Listen => {
                    return Err(Error::Config(format!(
                        "login(): cannot listen on {e}: pass another port= (0 picks a free \
                         one) or oob=True to paste the code instead"
                    ))
                    .into())
                }
                Err(e) => {
                    no_listener = Some(e.to_string());
                    None
                }
            }
        }
    };
    let redirect_uri = match &listener {
        Some(l) => l.redirect_uri.clone(),
        None => OOB_REDIRECT_URI.to_string(),
    };
    // The out-of-band page shows the code and sends nothing back: no state to check.
    let url = client.authorization_url_with(
        listener.as_ref().map(|_| state.expose()),
        Some(&redirect_uri),
        Some(&challenge),
    )?;
    ui.show(&Instructions {
        url: &url,
        redirect_uri: &redirect_uri,
        paste: listener.is_none(),
        no_listener: no_listener.as_deref(),
    })
    .await
    .map_err(LoginError::Ui)?;

    let code = match listener {
        // `wait` consumes the listener: the port is closed before the exchange.
        Some(l) => l.wait(state.expose(), opts.timeout).await?,
        None => pasted_code(ui).await?,
    };
    let grant = client.code_grant(code.expose(), Some(&redirect_uri), Some(verifier.expose()))?;
    Ok(client.exchange_code_grant(grant).await?)
}

async fn pasted_code<U: LoginUi>(ui: &U) -> Result<Secret, LoginError<U::Error>> {
    let Some(text) = ui.read_code().await.map_err(LoginError::Ui)? else {
        return Err(Error::Config(
            "login(): no authorization code could be read (standard input is closed); run \
             login() where you can type, or use client_credentials()"
                .into(),
        )
        .into());
    };
    let code = code_from_paste(&text);
    if code.is_empty() {
        return Err(Error::Config("login(): no authorization code was entered".into()).into());
    }
    Ok(Secret::new(code))
}

// ---------------------------------------------------------------------------------------------
// State and PKCE

fn random_urlsafe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // ThreadRng: a CSPRNG seeded (and reseeded) from the operating system.
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// 256 random bits, URL-safe (43 characters).
fn new_state() -> Secret {
    Secret::new(random_urlsafe(32))
}

/// A PKCE verifier: 512 random bits as 86 characters of the RFC 7636 alphabet.
fn new_code_verifier() -> Secret {
    Secret::new(random_urlsafe(64))
}

/// The S256 challenge of a verifier: unpadded base64url of its SHA-256 (RFC 7636 §4.2).
pub fn code_challenge(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Equality whose time does not depend on where the inputs differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The code from what the person pasted: the code itself, the address of the page that shows
/// it (`…/oauth/authorize/CODE`), or an address carrying `?code=…`.
pub fn code_from_paste(text: &str) -> String {
    let text = text.trim();
    if !text.contains("://") {
        return text.to_string();
    }
    let Ok(url) = Url::parse(text) else {
        return text.to_string();
    };
    if let Some((_, code)) = url
        .query_pairs()
        .find(|(k, v)| k == "code" && !v.is_empty())
    {
        return code.trim().to_string();
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    match segments.as_slice() {
        [.., "oauth", "authorize", code] => code.to_string(),
        _ => text.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Where to listen

/// The address to bind, and the redirect URI and path the browser comes back to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    addr: SocketAddr,
    /// The client's own loopback redirect URI, or `None` to build one from the bound port.
    redirect_uri: Option<String>,
    path: String,
}

impl Target {
    /// A loopback `http` redirect URI given to the client is used exactly as it is (it is what
    /// the app registered in the Developer Portal); otherwise
    /// `http://localhost:PORT/callback` on 127.0.0.1.
    fn of(client_redirect_uri: &str, port: u16) -> Result<Target, Error> {
        let loopback = Url::parse(client_redirect_uri).ok().and_then(|u| {
            if u.scheme() != "http" {
                return None;
            }
            let ip: std::net::IpAddr = match u.host()? {
                url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => {
                    Ipv4Addr::LOCALHOST.into()
                }
                url::Host::Ipv4(ip) if ip == Ipv4Addr::LOCALHOST => ip.into(),
                url::Host::Ipv6(ip) if ip == Ipv6Addr::LOCALHOST => ip.into(),
                _ => return None,
            };
            Some((
                ip,
                u.port_or_known_default().unwrap_or(80),
                u.path().to_string(),
            ))
        });
        match loopback {
            Some((ip, own_port, path)) => {
                if port != 0 && port != own_port {
                    return Err(Error::Config(format!(
                        "login(): port={port} differs from the port of the client's \
                         redirect_uri ({own_port}); give one or the other"
                    )));
                }
                Ok(Target {
                    addr: SocketAddr::new(ip, own_port),
                    redirect_uri: Some(client_redirect_uri.to_string()),
                    path: if path.is_empty() { "/".into() } else { path },
                })
            }
            None => Ok(Target {
                addr: SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
                redirect_uri: None,
                path: CALLBACK_PATH.into(),
            }),
        }
    }
}

/// A port that could not be opened: `127.0.0.1:8765 (Address already in use)`.
#[derive(Debug)]
struct Unavailable {
    addr: SocketAddr,
    reason: String,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.addr, self.reason)
    }
}

// ---------------------------------------------------------------------------------------------
// The listener

struct Listener {
    tcp: TcpListener,
    redirect_uri: String,
    path: String,
}

impl Listener {
    fn bind(target: Target) -> Result<Listener, Unavailable> {
        let unavailable = |e: std::io::Error| {
            let text = e.to_string();
            // "Address already in use (os error 98)": the number says nothing more.
            let reason = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            Unavailable {
                addr: target.addr,
                reason,
            }
        };
        let socket = if target.addr.is_ipv6() {
            TcpSocket::new_v6()
        } else {
            TcpSocket::new_v4()
        }
        .map_err(unavailable)?;
        // A fixed port stays in TIME_WAIT for a while after the last login; that is no
        // obstacle to listening again (another listener still is). Not on Windows, where
        // SO_REUSEADDR would let another process take the port from under us.
        #[cfg(not(windows))]
        socket.set_reuseaddr(true).map_err(unavailable)?;
        socket.bind(target.addr).map_err(unavailable)?;
        let tcp = socket.listen(16).map_err(unavailable)?;
        let port = tcp.local_addr().map_err(unavailable)?.port();
        let redirect_uri = target
            .redirect_uri
            .unwrap_or_else(|| format!("http://localhost:{port}{CALLBACK_PATH}"));
        Ok(Listener {
            tcp,
            redirect_uri,
            path: target.path,
        })
    }

    /// Serves until one request settles the login (a code or a refusal) or `timeout` passes.
    /// The settling request's page is sent before this returns; the port is closed when it
    /// returns or is dropped.
    async fn wait<E>(self, state: &str, timeout: Duration) -> Result<Secret, LoginError<E>> {
        let shared = Arc::new(Shared {
            path: self.path,
            state: state.to_string(),
            settled: AtomicBool::new(false),
        });
        let mut connections = FuturesUnordered::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, _)) => connections.push(serve(stream, shared.clone())),
                    // Out of file descriptors, say: the wait goes on.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                Some(outcome) = connections.next(), if !connections.is_empty() => {
                    match outcome {
                        Some(Outcome::Code(code)) => return Ok(code),
                        Some(Outcome::Refused { message, error, description }) => {
                            return Err(LoginError::Refused { message, error, description })
                        }
                        None => {}
                    }
                }
                () = &mut deadline => return Err(timed_out(timeout)),
            }
        }
    }
}

fn timed_out<E>(timeout: Duration) -> LoginError<E> {
    let seconds = timeout.as_secs_f64();
    let how_long = if seconds >= 60.0 {
        format!("{} minutes", short_number(seconds / 60.0))
    } else {
        format!("{} seconds", short_number(seconds))
    };
    LoginError::Refused {
        message: format!(
            "login(): the browser did not come back within {how_long}; run login() again \
             (login(oob=True) asks for the code instead)"
        ),
        error: LOGIN_TIMEOUT.into(),
        description: None,
    }
}

/// A number with at most six significant digits and no trailing zeros (`5`, `0.3`, `1.5`).
fn short_number(x: f64) -> String {
    let digits = if x == 0.0 {
        0
    } else {
        (6 - 1 - x.abs().log10().floor() as i32).max(0) as usize
    };
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// What every connection of one listener shares.
struct Shared {
    path: String,
    state: String,
    /// Set by the request that settles the login: later ones are told it is over.
    settled: AtomicBool,
}

/// What one request settled.
#[derive(Debug, PartialEq)]
enum Outcome {
    Code(Secret),
    Refused {
        message: String,
        error: String,
        description: Option<String>,
    },
}

/// Serves one connection (one request: no keep-alive) and returns what it settled.
async fn serve(stream: TcpStream, shared: Arc<Shared>) -> Option<Outcome> {
    let slot: Arc<Mutex<Option<Outcome>>> = Arc::default();
    let service = {
        let slot = slot.clone();
        service_fn(move |req: Request<Incoming>| {
            let response = respond(&shared, &slot, &req);
            async move { Ok::<_, Infallible>(response) }
        })
    };
    let connection = http1::Builder::new()
        .keep_alive(false)
        .max_buf_size(MAX_REQUEST)
        .timer(TokioTimer::new())
        .header_read_timeout(CONNECTION_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    // The page is out (or the connection gone) before the login moves on.
    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
    let outcome = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    outcome
}

fn respond(
    shared: &Shared,
    slot: &Mutex<Option<Outcome>>,
    req: &Request<Incoming>,
) -> Response<Full<Bytes>> {
    let answer = if shared.settled.load(Ordering::SeqCst) {
        Answer {
            status: 404,
            page: page("Done", "The login is over."),
            outcome: None,
        }
    } else {
        answer(
            req.method(),
            req.uri().path(),
            req.uri().query(),
            &shared.path,
            &shared.state,
        )
    };
    if let Some(outcome) = answer.outcome {
        if !shared.settled.swap(true, Ordering::SeqCst) {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        }
    }
    let mut response = Response::new(Full::new(Bytes::from(answer.page)));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The reply to one request, and what it settles.
#[derive(Debug)]
struct Answer {
    status: u16,
    page: String,
    outcome: Option<Outcome>,
}

/// Only `GET` of the redirect path carrying `code` or `error` settles the login; anything
/// else (`/favicon.ico`, a stray visit) gets its page and the wait goes on.
fn answer(method: &Method, path: &str, query: Option<&str>, own_path: &str, state: &str) -> Answer {
    const ONLY: &str = "This address only receives the Procore login.";
    if method != Method::GET {
        return Answer {
            status: 405,
            page: page("Not allowed", ONLY),
            outcome: None,
        };
    }
    if path != own_path {
        return Answer {
            status: 404,
            page: page("Not found", ONLY),
            outcome: None,
        };
    }
    let first = |name: &str| {
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let code = first("code").filter(|c| !c.is_empty());
    let error = first("error").filter(|e| !e.is_empty());
    if code.is_none() && error.is_none() {
        return Answer {
            status: 400,
            page: page(
                "Waiting for Procore",
                "This address receives the answer of the Procore login page; start the login \
                 from your program.",
            ),
            outcome: None,
        };
    }
    // RFC 6749 §10.12: an answer without our state may be forged (or from an older login).
    if !first("state").is_some_and(|s| same_secret(&s, state)) {
        return Answer {
            status: 400,
            page: page(
                "Login not completed",
                "This answer does not belong to the login in progress. Return to the terminal \
                 and start the login again.",
            ),
            outcome: Some(Outcome::Refused {
                message: "login(): the browser came back with another login's state (an old \
                          tab, or a forged request): no code was exchanged; run login() again"
                    .into(),
                error: STATE_MISMATCH.into(),
                description: None,
            }),
        };
    }
    if let Some(error) = error {
        let description = first("error_description").map(|d| {
            let words: Vec<&str> = d.split_whitespace().collect();
            words.join(" ").chars().take(300).collect::<String>()
        });
        let mut message = format!("login(): Procore did not authorize the app: {error}");
        if let Some(d) = description.as_deref().filter(|d| !d.is_empty()) {
            message.push_str(": ");
            message.push_str(d);
        }
        return Answer {
            status: 200,
            page: page(
                "Login not completed",
                &format!(
                    "Procore answered '{error}'. You can close this tab and return to the terminal."
                ),
            ),
            outcome: Some(Outcome::Refused {
                message,
                error,
                description,
            }),
        };
    }
    Answer {
        status: 200,
        page: page(
            "Logged in to Procore",
            "You can close this tab and return to the terminal.",
        ),
        outcome: code.map(|c| Outcome::Code(Secret::new(c))),
    }
}

fn page(title: &str, text: &str) -> String {
    let (title, text) = (escape_html(title), escape_html(text));
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;\
         padding:0 1em}}</style>\n</head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "s7a7e-of-this-login-0123456789abcdefghijklmn";

    fn get(target: &str) -> Answer {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        answer(&Method::GET, path, query, CALLBACK_PATH, STATE)
    }

    fn refusal(a: &Answer) -> (&str, Option<&str>, &str) {
        match &a.outcome {
            Some(Outcome::Refused {
                message,
                error,
                description,
            }) => (error, description.as_deref(), message),
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn the_redirect_with_our_state_settles_with_its_code() {
        let a = get(&format!("/callback?code=abc%20def+1&state={STATE}"));
        assert_eq!(a.status, 200);
        assert!(a.page.contains("return to the terminal"));
        assert_eq!(a.outcome, Some(Outcome::Code(Secret::new("abc def 1"))));
        // The first value of a repeated name counts; the order of names does not.
        let a = get(&format!("/callback?state={STATE}&code=one&code=two"));
        assert_eq!(a.outcome, Some(Outcome::Code(Secret::new("one"))));
    }

    #[test]
    fn another_state_or_none_is_refused_without_the_code() {
        for target in [
            "/callback?code=abc&state=forged".to_string(),
            "/callback?code=abc".to_string(),
            "/callback?code=abc&state=".to_string(),
            format!("/callback?code=abc&state={STATE}x"),
            format!("/callback?code=abc&state={}", &STATE[1..]),
            format!("/callback?error=access_denied&state={STATE}x"),
        ] {
            let a = get(&target);
            assert_eq!(a.status, 400, "{target}");
            assert!(a.page.contains("does not belong"));
            let (error, description, message) = refusal(&a);
            assert_eq!(error, STATE_MISMATCH);
            assert_eq!(description, None);
            assert!(!message.contains("abc"), "the code is not in the message");
        }
    }

    #[test]
    fn procores_refusal_is_read_with_its_description() {
        let a = get(&format!(
            "/callback?error=access_denied&error_description=The+user%0A+denied\tit&state={STATE}"
        ));
        assert_eq!(a.status, 200);
        assert!(a
            .page
            .contains("Procore answered &#x27;access_denied&#x27;"));
        let (error, description, message) = refusal(&a);
        assert_eq!(error, "access_denied");
        assert_eq!(description, Some("The user denied it"));
        assert_eq!(
            message,
            "login(): Procore did not authorize the app: access_denied: The user denied it"
        );
        let long = "x".repeat(500);
        let a = get(&format!(
            "/callback?error=e&error_description={long}&state={STATE}"
        ));
        assert_eq!(refusal(&a).1.map(str::len), Some(300));
        let a = get(&format!("/callback?error=e&state={STATE}"));
        assert_eq!(
            refusal(&a).2,
            "login(): Procore did not authorize the app: e"
        );
    }

    #[test]
    fn other_requests_get_their_page_and_settle_nothing() {
        for (method, target, status) in [
            (Method::GET, "/favicon.ico", 404),
            (Method::GET, "/callback/", 404),
            (Method::GET, "/", 404),
            (Method::GET, "/callback", 400),
            (Method::GET, "/callback?foo=bar", 400),
            (Method::GET, "/callback?code=&error=", 400),
            (Method::POST, "/callback?code=x&state=y", 405),
            (Method::HEAD, "/callback?code=x&state=y", 405),
        ] {
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (target, None),
            };
            let a = answer(&method, path, query, CALLBACK_PATH, STATE);
            assert_eq!(a.status, status, "{method} {target}");
            assert!(a.outcome.is_none(), "{method} {target}");
        }
    }

    #[test]
    fn pages_are_escaped() {
        let p = page("<T>", "a & 'b' \"c\"");
        assert!(p.contains("<title>&lt;T&gt;</title>"));
        assert!(p.contains("<p>a &amp; &#x27;b&#x27; &quot;c&quot;</p>"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn pkce_follows_rfc7636() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let verifiers: std::collections::HashSet<String> = (0..20)
            .map(|_| new_code_verifier().expose().to_string())
            .collect();
        assert_eq!(verifiers.len(), 20);
        for v in &verifiers {
            assert_eq!(v.len(), 86);
            super::super::oauth::check_code_verifier(v).unwrap();
            super::super::oauth::check_code_challenge(&code_challenge(v)).unwrap();
        }
        let states: std::collections::HashSet<String> =
            (0..20).map(|_| new_state().expose().to_string()).collect();
        assert_eq!(states.len(), 20);
        assert!(states.iter().all(|s| s.len() == 43));
    }

    #[test]
    fn pasted_text_gives_its_code() {
        let code = "ab".repeat(32);
        assert_eq!(code_from_paste(&format!("  {code}\n")), code);
        assert_eq!(
            code_from_paste(&format!("https://login.procore.com/oauth/authorize/{code}")),
            code
        );
        assert_eq!(
            code_from_paste(&format!(
                "https://login.procore.com/oauth/authorize/{code}/"
            )),
            code
        );
        assert_eq!(
            code_from_paste(&format!("http://localhost:1/callback?code={code}&state=s")),
            code
        );
        assert_eq!(code_from_paste(""), "");
        assert_eq!(code_from_paste("   "), "");
        assert_eq!(
            code_from_paste("https://example.com/elsewhere"),
            "https://example.com/elsewhere"
        );
        assert_eq!(
            code_from_paste("https://x.test/?code="),
            "https://x.test/?code="
        );
    }

    #[test]
    fn the_target_is_the_clients_loopback_redirect_or_localhost_callback() {
        let t = Target::of(OOB_REDIRECT_URI, 0).unwrap();
        assert_eq!(t.addr, "127.0.0.1:0".parse().unwrap());
        assert_eq!((t.redirect_uri, t.path.as_str()), (None, CALLBACK_PATH));
        let t = Target::of("https://app.example.com/cb", 8765).unwrap();
        assert_eq!(t.addr, "127.0.0.1:8765".parse().unwrap());

        let own = "http://127.0.0.1:9000/procore/oauth";
        let t = Target::of(own, 0).unwrap();
        assert_eq!(t.addr, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(t.redirect_uri.as_deref(), Some(own));
        assert_eq!(t.path, "/procore/oauth");
        assert_eq!(Target::of(own, 9000).unwrap(), t);
        match Target::of(own, 9001) {
            Err(Error::Config(m)) => assert!(m.contains("port=9001") && m.contains("(9000)")),
            other => panic!("{other:?}"),
        }
        let t = Target::of("http://[::1]:7000/cb", 0).unwrap();
        assert_eq!(t.addr, "[::1]:7000".parse().unwrap());
        let t = Target::of("http://LOCALHOST", 0).unwrap();
        assert_eq!(t.addr, "127.0.0.1:80".parse().unwrap());
        assert_eq!(t.path, "/");
    }

    #[test]
    fn the_timeout_says_how_long_it_waited() {
        let message = |secs: f64| match timed_out::<()>(Duration::from_secs_f64(secs)) {
            LoginError::Refused { message, error, .. } => {
                assert_eq!(error, LOGIN_TIMEOUT);
                message
            }
            other => panic!("{other:?}"),
        };
        assert!(message(300.0).contains("within 5 minutes;"));
        assert!(message(90.0).contains("within 1.5 minutes;"));
        assert!(message(0.3).contains("within 0.3 seconds;"));
        assert!(message(20.0).contains("within 20 seconds;"));
        assert!(message(100.0).contains("within 1.66667 minutes;"));
    }

    #[tokio::test]
    async fn a_busy_port_is_unavailable_and_a_free_one_listens() {
        let l = Listener::bind(Target::of(OOB_REDIRECT_URI, 0).unwrap()).unwrap();
        let port = l.tcp.local_addr().unwrap().port();
        assert_eq!(l.redirect_uri, format!("http://localhost:{port}/callback"));
        let busy = Listener::bind(Target::of(OOB_REDIRECT_URI, port).unwrap());
        let e = busy.err().expect("the port is taken");
        assert!(e.to_string().starts_with(&format!("127.0.0.1:{port} (")));
        assert!(!e.to_string().contains("os error"));
    }
}
