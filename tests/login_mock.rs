//! The browser login (`core::login::login`) against the mock Procore server, without Python:
//! the mock approves the authorization URL and a plain HTTP client plays the browser coming
//! back to the listener. Run with `cargo test --no-default-features --test login_mock`.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use _procore::core::login::{
    login, Instructions, LoginError, LoginOptions, LoginUi, Mode, LOGIN_TIMEOUT, STATE_MISMATCH,
};
use _procore::core::Client;
use _procore::mock::{MockConfig, MockServer};
use tokio::task::JoinHandle;

/// A mock of its own and a core client configured for it (no token yet).
struct Env {
    core: common::CoreEnv,
    client: Client,
}

impl std::ops::Deref for Env {
    type Target = common::CoreEnv;
    fn deref(&self) -> &common::CoreEnv {
        &self.core
    }
}

async fn env() -> Env {
    let core = common::core_env(MockConfig::default()).await;
    let client = Client::new(&core.opts).unwrap();
    Env { core, client }
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The person: approves in the mock and comes back to the redirect URI (with `state`
/// replaced when `forge` is set), or, in out-of-band mode, pastes the code.
struct Person<'a> {
    server: &'a MockServer,
    forge: Option<&'static str>,
    /// Does nothing at all (for the timeout).
    absent: bool,
    shown: Mutex<Vec<String>>,
    pasted: Mutex<Option<String>>,
    /// The browser's visit to the listener: (status, page).
    visit: Mutex<Option<JoinHandle<(u16, String)>>>,
}

impl<'a> Person<'a> {
    fn new(server: &'a MockServer) -> Self {
        Person {
            server,
            forge: None,
            absent: false,
            shown: Mutex::default(),
            pasted: Mutex::default(),
            visit: Mutex::default(),
        }
    }

    async fn page(&self) -> (u16, String) {
        let visit = self
            .visit
            .lock()
            .unwrap()
            .take()
            .expect("the browser came back");
        visit.await.unwrap()
    }
}

impl LoginUi for Person<'_> {
    type Error = std::convert::Infallible;

    async fn show(&self, i: &Instructions<'_>) -> Result<(), Self::Error> {
        self.shown.lock().unwrap().push(i.url.to_string());
        if self.absent {
            return Ok(());
        }
        let code = self.server.approve(i.url).expect("the mock approves");
        if i.paste {
            *self.pasted.lock().unwrap() = Some(format!("  {code}\n"));
            return Ok(());
        }
        let state = match self.forge {
            Some(s) => s.to_string(),
            None => param(i.url, "state").expect("a state"),
        };
        let back = format!(
            "{}?code={code}&state={}",
            i.redirect_uri,
            url::form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
        );
        // The browser comes back while the login waits: in a task of its own.
        *self.visit.lock().unwrap() = Some(tokio::spawn(async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            let answer = http.get(&back).send().await.expect("the listener answers");
            let status = answer.status().as_u16();
            (status, answer.text().await.unwrap())
        }));
        Ok(())
    }

    async fn read_code(&self) -> Result<Option<String>, Self::Error> {
        Ok(self.pasted.lock().unwrap().take())
    }
}

fn opts(mode: Mode) -> LoginOptions {
    LoginOptions {
        mode,
        port: 0,
        timeout: Duration::from_secs(30),
    }
}

fn code_grants(server: &MockServer) -> u64 {
    server.stats().token_requests.authorization_code
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_comes_back_with_the_code_and_the_token_is_installed() {
    let e = env().await;
    let person = Person::new(&e.server);
    let token = login(&e.client, &opts(Mode::Listen), &person)
        .await
        .expect("logged in");
    assert_eq!(e.client.token(), Some(token));
    assert_eq!(code_grants(&e.server), 1);
    assert_eq!(e.client.me().await.unwrap().id(), 1234567);

    let (status, page) = person.page().await;
    assert_eq!(status, 200);
    assert!(page.contains("return to the terminal"));
    let url = person.shown.lock().unwrap()[0].clone();
    let redirect = param(&url, "redirect_uri").unwrap();
    assert!(redirect.starts_with("http://localhost:") && redirect.ends_with("/callback"));
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(param(&url, "state").map(|s| s.len()), Some(43));
    // The listener is gone with the login.
    let port: u16 = url::Url::parse(&redirect).unwrap().port().unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn another_state_is_refused_and_no_code_is_exchanged() {
    let e = env().await;
    let mut person = Person::new(&e.server);
    person.forge = Some("forged-state");
    match login(&e.client, &opts(Mode::Listen), &person).await {
        Err(LoginError::Refused { error, message, .. }) => {
            assert_eq!(error, STATE_MISMATCH);
            assert!(message.contains("another login's state"));
        }
        other => panic!("{other:?}"),
    }
    let (status, page) = person.page().await;
    assert_eq!(status, 400);
    assert!(page.contains("does not belong"));
    assert_eq!(code_grants(&e.server), 0);
    assert!(e.client.token().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_band_the_pasted_code_is_exchanged_with_the_verifier() {
    let e = env().await;
    let person = Person::new(&e.server);
    login(&e.client, &opts(Mode::Paste), &person)
        .await
        .expect("logged in");
    let url = person.shown.lock().unwrap()[0].clone();
    assert_eq!(
        param(&url, "redirect_uri").as_deref(),
        Some("urn:ietf:wg:oauth:2.0:oob")
    );
    assert_eq!(param(&url, "state"), None);
    assert!(param(&url, "code_challenge").is_some());
    assert_eq!(code_grants(&e.server), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_in_time_is_a_timeout_and_frees_the_port() {
    let e = env().await;
    let mut person = Person::new(&e.server);
    person.absent = true;
    let options = LoginOptions {
        timeout: Duration::from_millis(200),
        ..opts(Mode::Listen)
    };
    match login(&e.client, &options, &person).await {
        Err(LoginError::Refused { error, .. }) => assert_eq!(error, LOGIN_TIMEOUT),
        other => panic!("{other:?}"),
    }
    let url = person.shown.lock().unwrap()[0].clone();
    let redirect = param(&url, "redirect_uri").unwrap();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_port_is_a_config_error_or_a_paste() {
    let e = env().await;
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let person = Person::new(&e.server);
    let strict = LoginOptions {
        port,
        ..opts(Mode::Listen)
    };
    match login(&e.client, &strict, &person).await {
        Err(LoginError::Core(_procore::core::Error::Config(m))) => {
            assert!(m.contains(&format!("127.0.0.1:{port}")) && m.contains("oob=True"))
        }
        other => panic!("{other:?}"),
    }
    assert!(person.shown.lock().unwrap().is_empty(), "nothing shown");
    let lenient = LoginOptions {
        port,
        ..opts(Mode::ListenOrPaste)
    };
    login(&e.client, &lenient, &person)
        .await
        .expect("logged in by pasting");
    let url = person.shown.lock().unwrap()[0].clone();
    assert_eq!(
        param(&url, "redirect_uri").as_deref(),
        Some("urn:ietf:wg:oauth:2.0:oob")
    );
}
