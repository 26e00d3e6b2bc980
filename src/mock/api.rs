//! The API host: Procore's REST endpoints (`/rest/v1.0/...`) as the mock serves them.

use super::data::{apply_fields, new_project, project_id, Data, ME_ID, ME_LOGIN, ME_NAME};
use super::live::{parse_window, ChangeList};
use super::login::{bearer, www_authenticate};
use super::state::{AccessCheck, HostKind, RateInfo, State};
use super::util::{
    empty_response, first, json_bytes_response, json_response, message, page_bounds, positive,
    query_pairs, random_hex64, set_header, unexpected, unix_in, unix_now, Body, Reject,
};
use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Map, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
enum Route {
    Me,
    Companies,
    ListProjects,
    CreateProject,
    /// `None`: the id segment is not a number.
    ShowProject(Option<i64>),
    UpdateProject(Option<i64>),
    DeleteProject(Option<i64>),
    Slow,
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/rest/v1.0/")?;
    match (method, rest) {
        (&Method::GET, "me") => Some(Route::Me),
        (&Method::GET, "companies") => Some(Route::Companies),
        (&Method::GET, "projects") => Some(Route::ListProjects),
        (&Method::POST, "projects") => Some(Route::CreateProject),
        (&Method::GET, "slow") => Some(Route::Slow),
        (m, r) => {
            let id = r.strip_prefix("projects/")?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            let id = id.parse::<i64>().ok();
            match *m {
                Method::GET => Some(Route::ShowProject(id)),
                Method::PATCH | Method::PUT => Some(Route::UpdateProject(id)),
                Method::DELETE => Some(Route::DeleteProject(id)),
                _ => None,
            }
        }
    }
}

fn bad_request(msg: impl Into<String>) -> Reject {
    Box::new(message(StatusCode::BAD_REQUEST, msg))
}

/// The rate-limit headers every API answer carries, plus a request id.
fn decorate(resp: &mut Response<Body>, rate: &RateInfo) {
    set_header(resp, "x-rate-limit-limit", &rate.limit.to_string());
    set_header(resp, "x-rate-limit-remaining", &rate.remaining.to_string());
    set_header(resp, "x-rate-limit-reset", &rate.reset_unix.to_string());
    set_header(resp, "x-request-id", &random_hex64()[..32]);
}

/// The answer for a scripted or random `fail` fault.
pub(crate) fn fault_response(
    st: &State,
    host: HostKind,
    parts: &Parts,
    status: u16,
    retry_after: Option<u64>,
) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = message(
        status,
        format!(
            "mock: injected {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
    );
    if let Some(s) = retry_after {
        set_header(&mut resp, "retry-after", &s.to_string());
    }
    if host == HostKind::Login {
        return resp;
    }
    let mut rate = st.rate(bearer(parts), false);
    if status == StatusCode::TOO_MANY_REQUESTS {
        // Keep the story consistent: out of allowance until the fault's Retry-After (1 s
        // when none was given), not until the end of the real window.
        rate.remaining = 0;
        rate.reset_unix = unix_in(Duration::from_secs(retry_after.unwrap_or(1)));
    }
    decorate(&mut resp, &rate);
    resp
}

pub(crate) async fn handle(st: &State, parts: &Parts, body: &[u8]) -> Response<Body> {
    let token = bearer(parts);
    let route = route(&parts.method, parts.uri.path());
    // What the hand-written routes do not serve, the catalog's generated routes may.
    let generated = match route {
        Some(_) => None,
        None => super::generated::match_request(&parts.method, parts.uri.path()),
    };
    if route.is_none() && generated.is_none() {
        let mut resp = unexpected(&parts.method, parts.uri.path());
        decorate(&mut resp, &st.rate(token, false));
        return resp;
    }
    let check = st.auth().check_access(token);
    let user = match check {
        AccessCheck::Valid { user } => user,
        rejected => {
            let mut resp = json_response(
                StatusCode::UNAUTHORIZED,
                &json!({ "errors": rejected.description() }),
            );
            set_header(&mut resp, "www-authenticate", &www_authenticate(&rejected));
            decorate(&mut resp, &st.rate(token, false));
            return resp;
        }
    };
    let rate = st.rate(token, true);
    if let Some(retry) = rate.retry_after {
        let mut resp = message(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "You have surpassed the max number of requests for this period. Please retry in {retry} seconds."
            ),
        );
        set_header(&mut resp, "retry-after", &retry.to_string());
        decorate(&mut resp, &rate);
        return resp;
    }
    let q = query_pairs(parts.uri.query());
    let answer = match (route, generated) {
        (Some(route), _) => dispatch(st, parts, body, &q, route, user).await,
        (None, Some(m)) => Ok(super::generated::answer(st, parts, body, &q, &m)),
        (None, None) => Ok(unexpected(&parts.method, parts.uri.path())),
    };
    let mut resp = match answer {
        Ok(r) => r,
        Err(r) => *r,
    };
    decorate(&mut resp, &rate);
    resp
}

type Answer = Result<Response<Body>, Reject>;

async fn dispatch(
    st: &State,
    parts: &Parts,
    body: &[u8],
    q: &[(String, String)],
    route: Route,
    user: bool,
) -> Answer {
    match route {
        Route::Me => {
            // Client-credentials (service account) tokens need the company header here too.
            company_header(st, parts, !user)?;
            Ok(json_response(
                StatusCode::OK,
                &json!({ "id": ME_ID, "login": ME_LOGIN, "name": ME_NAME }),
            ))
        }
        Route::Companies => {
            company_header(st, parts, !user)?;
            let mut data = st.data();
            let listed = data.listed_companies();
            let page = paginate(st, parts, q, listed.len())?;
            let items: Vec<Value> = listed[page.start..page.end]
                .iter()
                .map(|&i| data.companies[i].to_json(i))
                .collect();
            let served: Vec<i64> = listed[page.start..page.end]
                .iter()
                .map(|&i| data.companies[i].id)
                .collect();
            changed_after(&mut data, ChangeList::Companies, &page, &served);
            Ok(page.respond(items))
        }
        Route::ListProjects => {
            let (cidx, cid) = require_company(st, parts)?;
            match first(q, "company_id") {
                None => return Err(bad_request("company_id is required")),
                Some(v) => check_query_company(v, cid)?,
            }
            // The list is a pure function of the company's project count: the overlay
            // (created/updated/deleted projects) is deliberately not applied here, unless a
            // change under a pull made the list live (see `live`).
            let window = match first(q, "filters[updated_at]") {
                Some(w) => Some(parse_window(w).map_err(bad_request)?),
                None => None,
            };
            let descending = match first(q, "sort").map(str::trim) {
                None | Some("id") => false,
                Some("-id") => true,
                Some(other) => {
                    return Err(bad_request(format!(
                        "mock: sort={other} is not supported (id or -id)"
                    )))
                }
            };
            let mut data = st.data();
            let list = ChangeList::Projects(cidx);
            if window.is_none() && !descending && !data.is_live(cidx) {
                let page = paginate(st, parts, q, data.companies[cidx].projects)?;
                let body = data.project_page(cidx, page.start, page.end);
                if data.changes.iter().any(|c| c.list == list) {
                    let served: Vec<i64> = (page.start..page.end)
                        .map(|i| project_id(cidx, i))
                        .collect();
                    changed_after(&mut data, list, &page, &served);
                }
                return Ok(page.respond_body(body));
            }
            let mut range = None;
            let (total, served, items) = data.project_list(cidx, window, descending, |n| {
                let page = paginate(st, parts, q, n);
                let r = page.as_ref().map(|p| (p.start, p.end)).unwrap_or((0, 0));
                range = Some(page);
                r
            });
            let mut page = range.expect("project_list asks for its range")?;
            page.total = total;
            changed_after(&mut data, list, &page, &served);
            Ok(page.respond(items))
        }
        Route::ShowProject(id) => {
            let (_, cid) = require_company(st, parts)?;
            optional_query_company(q, cid)?;
            let p = find_in_company(st, id, cid)?;
            Ok(json_response(StatusCode::OK, &p))
        }
        Route::CreateProject => {
            let (cidx, cid) = require_company(st, parts)?;
            optional_query_company(q, cid)?;
            let root = json_body(body)?;
            if let Some(v) = root.get("company_id") {
                let s = match v {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                check_query_company(&s, cid)?;
            }
            let fields = project_fields(&root)?;
            if blank(fields.get("name")) {
                return Err(cant_be_blank());
            }
            let mut data = st.data();
            let id = data.next_created_id;
            data.next_created_id += 1;
            let p = new_project(id, &data.companies[cidx], fields, unix_now() as i64);
            data.overlay.insert(id, Some(p.clone()));
            Ok(json_response(StatusCode::CREATED, &p))
        }
        Route::UpdateProject(id) => {
            let (_, cid) = require_company(st, parts)?;
            optional_query_company(q, cid)?;
            let mut p = find_in_company(st, id, cid)?;
            let root = json_body(body)?;
            let fields = project_fields(&root)?;
            if fields.contains_key("name") && blank(fields.get("name")) {
                return Err(cant_be_blank());
            }
            apply_fields(&mut p, fields, unix_now() as i64);
            let id = p["id"].as_i64().unwrap_or_default();
            st.data().overlay.insert(id, Some(p.clone()));
            Ok(json_response(StatusCode::OK, &p))
        }
        Route::DeleteProject(id) => {
            let (_, cid) = require_company(st, parts)?;
            optional_query_company(q, cid)?;
            let p = find_in_company(st, id, cid)?;
            let id = p["id"].as_i64().unwrap_or_default();
            st.data().overlay.insert(id, None);
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        Route::Slow => {
            let secs = match first(q, "seconds") {
                None => 1.0,
                Some(s) => match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => v.min(600.0),
                    _ => return Err(bad_request("seconds must be a non-negative number")),
                },
            };
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            Ok(json_response(StatusCode::OK, &json!({ "slept": secs })))
        }
    }
}

fn blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn cant_be_blank() -> Reject {
    Box::new(json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "errors": { "name": ["can't be blank"] } }),
    ))
}

fn json_body(body: &[u8]) -> Result<Map<String, Value>, Reject> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(bad_request("The request body must be a JSON object")),
    }
}

fn project_fields(root: &Map<String, Value>) -> Result<&Map<String, Value>, Reject> {
    root.get("project")
        .and_then(Value::as_object)
        .ok_or_else(|| bad_request("param is missing or the value is empty: project"))
}

fn find_in_company(st: &State, id: Option<i64>, company_id: i64) -> Result<Value, Reject> {
    let not_found = || {
        Box::new(message(
            StatusCode::NOT_FOUND,
            match id {
                Some(id) => format!("Couldn't find Project with 'id'={id}"),
                None => "Couldn't find Project".to_string(),
            },
        ))
    };
    let id = id.ok_or_else(not_found)?;
    let p = st.data().find_project(id).ok_or_else(not_found)?;
    if p["company"]["id"].as_i64() != Some(company_id) {
        return Err(not_found());
    }
    Ok(p)
}

/// The company named by the `Procore-Company-Id` header, as (index, id). Absent: `Ok(None)`,
/// or 400 when `required`; not a number: 400; a company the user is not in: 403.
fn company_header(
    st: &State,
    parts: &Parts,
    required: bool,
) -> Result<Option<(usize, i64)>, Reject> {
    let Some(raw) = parts.headers.get("procore-company-id") else {
        return if required {
            Err(bad_request("Procore-Company-Id header is required"))
        } else {
            Ok(None)
        };
    };
    let id = raw
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .ok_or_else(|| bad_request("Procore-Company-Id header must be an integer company id"))?;
    match st.data().company_index(id) {
        Some(idx) => Ok(Some((idx, id))),
        None => Err(Box::new(message(
            StatusCode::FORBIDDEN,
            format!("You do not have access to company {id}"),
        ))),
    }
}

fn require_company(st: &State, parts: &Parts) -> Result<(usize, i64), Reject> {
    company_header(st, parts, true)?
        .ok_or_else(|| bad_request("Procore-Company-Id header is required"))
}

/// A `company_id` parameter must be an integer equal to the header's company.
fn check_query_company(value: &str, header_company: i64) -> Result<(), Reject> {
    match value.trim().parse::<i64>() {
        Ok(id) if id == header_company => Ok(()),
        Ok(_) => Err(bad_request(
            "company_id does not match the Procore-Company-Id header",
        )),
        Err(_) => Err(bad_request("company_id must be an integer")),
    }
}

fn optional_query_company(q: &[(String, String)], header_company: i64) -> Result<(), Reject> {
    match first(q, "company_id") {
        Some(v) => check_query_company(v, header_company),
        None => Ok(()),
    }
}

/// Makes the change scheduled after this page of `list`, if any, now that it is served.
fn changed_after(data: &mut Data, list: ChangeList, page: &Page, served: &[i64]) {
    if let Some(change) = data.take_change(list, page.number) {
        data.apply_change(&change, served, unix_now() as i64);
    }
}

/// One page of a list endpoint.
struct Page {
    /// The page number asked for (from 1).
    number: u64,
    start: usize,
    end: usize,
    total: usize,
    per_page: u64,
    link: Option<String>,
    /// False when the server is set to paginate by `Link` alone (no `Total`/`Per-Page`).
    counted: bool,
}

impl Page {
    fn respond(&self, items: Vec<Value>) -> Response<Body> {
        let body = serde_json::to_vec(&Value::Array(items)).unwrap_or_else(|_| b"[]".to_vec());
        self.respond_body(Bytes::from(body))
    }

    /// The page with its JSON body already serialised.
    fn respond_body(&self, body: Bytes) -> Response<Body> {
        let mut resp = json_bytes_response(StatusCode::OK, body);
        if self.counted {
            set_header(&mut resp, "total", &self.total.to_string());
            set_header(&mut resp, "per-page", &self.per_page.to_string());
        }
        if let Some(link) = &self.link {
            set_header(&mut resp, "link", link);
        }
        resp
    }
}

/// `page` (from 1) and `per_page` (clamped to the maximum), with `Total`, `Per-Page` and
/// `Link` (absolute URLs keeping the other query parameters).
fn paginate(
    st: &State,
    parts: &Parts,
    q: &[(String, String)],
    total: usize,
) -> Result<Page, Reject> {
    let page = positive(q, "page")?.unwrap_or(1);
    let per_page = positive(q, "per_page")?
        .unwrap_or(u64::from(st.cfg.default_per_page))
        .min(u64::from(st.cfg.max_per_page))
        .max(1);
    let (start, end, link) = page_bounds(st, parts, q, page, per_page, total);
    Ok(Page {
        number: page,
        start,
        end,
        total,
        per_page,
        link,
        counted: !st.link_only(),
    })
}
