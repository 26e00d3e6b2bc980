//! The catalog of every REST operation of Procore's documentation (`operations.rs`, generated
//! by `scripts/gen_catalog.py` from `spec/`), its look-ups, and the checked building of a
//! request from a caller's arguments (typed parameters, filters, scope ids).
//!
//! The table is static data only: looking an operation up is a binary search over a sorted
//! slice, nothing is built at start-up.

// Generated: formatted by its generator, not by rustfmt.
#[rustfmt::skip]
mod operations;

use serde_json::{Map, Value};

pub use operations::OPERATIONS;
use operations::{BY_ROUTE, NAMESPACES};

use super::error::{Error, Result};

/// The type of a parameter, from the documentation's placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int,
    Str,
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// ISO 8601 date-time.
    DateTime,
    /// `START...END` (dates or date-times): `filters[updated_at]`, `filters[created_at]`, …
    Range,
    Uuid,
    /// Any JSON value, sent as its JSON text.
    Json,
}

impl ParamType {
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Str => "str",
            ParamType::Bool => "bool",
            ParamType::Date => "date",
            ParamType::DateTime => "datetime",
            ParamType::Range => "range",
            ParamType::Uuid => "uuid",
            ParamType::Json => "json",
        }
    }
}

/// How a list value is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// A single value.
    One,
    /// `key=1,2`.
    Comma,
    /// `key[]=1&key[]=2`.
    Brackets,
}

/// A string of the table: `(offset, length)` in `STRINGS` (no pointer, so no relocation in
/// the extension per entry).
#[derive(Debug, Clone, Copy)]
pub struct Str(pub u32, pub u32);

impl Str {
    pub fn get(self) -> &'static str {
        let start = self.0 as usize;
        operations::STRINGS
            .get(start..start + self.1 as usize)
            .unwrap_or("")
    }
}

/// One documented parameter. Query parameters keep the documentation's key without a trailing
/// `[]`: `view`, `filters[status]`, `filters[id]`.
#[derive(Debug)]
pub struct Param {
    pub(crate) name: Str,
    pub(crate) doc: Str,
    /// `(start, count)` in `CHOICES`.
    pub(crate) choices: (u16, u8),
    pub ty: ParamType,
    pub list: ListStyle,
    pub required: bool,
}

impl Param {
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// One line.
    pub fn doc(&self) -> &'static str {
        self.doc.get()
    }

    /// The values the documentation names (`view`); enforced when it names two or more.
    pub fn choices(&self) -> impl ExactSizeIterator<Item = &'static str> + Clone {
        let (start, n) = (self.choices.0 as usize, self.choices.1 as usize);
        operations::CHOICES[start..start + n]
            .iter()
            .map(|s| s.get())
    }

    fn has_choice(&self, value: &str) -> bool {
        self.choices().any(|c| c == value)
    }

    /// `filters` of `filters[status]`; `None` for a plain name.
    pub fn group(&self) -> Option<(&'static str, &'static str)> {
        let (g, rest) = self.name().split_once('[')?;
        Some((g, rest.strip_suffix(']').unwrap_or(rest)))
    }
}

/// Where an operation's company or project comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Neither (the `Procore-Company-Id` header only).
    None,
    /// `/companies/{company_id}/…`.
    CompanyPath,
    /// `?company_id=…`.
    CompanyQuery,
    /// `/projects/{project_id}/…` (v2: `/companies/{company_id}/projects/{project_id}/…`).
    ProjectPath,
    /// `?project_id=…`.
    ProjectQuery,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::None => "none",
            Scope::CompanyPath => "company (path)",
            Scope::CompanyQuery => "company (query)",
            Scope::ProjectPath => "project (path)",
            Scope::ProjectQuery => "project (query)",
        }
    }
}

/// The request body the documentation shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    Json,
    /// Form data in the documentation (file uploads); sent as JSON unless the caller uploads.
    Multipart,
}

/// An HTTP method of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug)]
pub struct Operation {
    pub(crate) name: Str,
    pub(crate) method: Method,
    pub(crate) path: Str,
    pub(crate) version: Str,
    pub scope: Scope,
    /// `(start, count)` in `PARAMS`.
    pub(crate) path_params: (u16, u8),
    pub(crate) query: (u16, u8),
    pub body: Body,
    /// A list endpoint (`page`, `per_page`).
    pub paginates: bool,
    /// A sync action (`PATCH …/sync` with `{"updates": [...]}`).
    pub sync: bool,
    pub(crate) response: Str,
    /// The response is a list of `response`.
    pub response_list: bool,
    pub(crate) list_key: Str,
    pub(crate) summary: Str,
    pub(crate) doc: Str,
}

fn params_of(run: (u16, u8)) -> &'static [Param] {
    let (start, n) = (run.0 as usize, run.1 as usize);
    &operations::PARAMS[start..start + n]
}

fn non_empty(s: Str) -> Option<&'static str> {
    Some(s.get()).filter(|s| !s.is_empty())
}

impl Operation {
    /// `rfis.list`: where it lives on a client.
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// `GET`.
    pub fn method(&self) -> &'static str {
        self.method.as_str()
    }

    /// `/rest/v1.0/projects/{project_id}/rfis`.
    pub fn path(&self) -> &'static str {
        self.path.get()
    }

    /// `v1.0`.
    pub fn version(&self) -> &'static str {
        self.version.get()
    }

    pub fn path_params(&self) -> &'static [Param] {
        params_of(self.path_params)
    }

    pub fn query(&self) -> &'static [Param] {
        params_of(self.query)
    }

    /// The response type's name in `spec/responses.json` (`None`: no 2xx type documented).
    pub fn response(&self) -> Option<&'static str> {
        non_empty(self.response)
    }

    /// The key a list answer wraps its records in (`data` on v2, a few v1 endpoints).
    pub fn list_key(&self) -> Option<&'static str> {
        non_empty(self.list_key)
    }

    /// The documentation's title ("List RFIs").
    pub fn summary(&self) -> &'static str {
        self.summary.get()
    }

    /// The first sentence of its description.
    pub fn doc(&self) -> &'static str {
        self.doc.get()
    }
}

impl Operation {
    /// `GET /rest/v1.0/projects/{project_id}/rfis`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method(), self.path())
    }

    /// The namespace: `rfis` of `rfis.list`.
    pub fn namespace(&self) -> &'static str {
        self.name()
            .split_once('.')
            .map_or(self.name(), |(ns, _)| ns)
    }

    /// The method name in the namespace: `list` of `rfis.list`.
    pub fn action(&self) -> &'static str {
        self.name().split_once('.').map_or("", |(_, a)| a)
    }

    /// The path parameter given positionally (`get(id)`): the last one, when the path ends
    /// with it and it is not a scope id.
    pub fn id_param(&self) -> Option<&'static Param> {
        let last = self.path().rsplit('/').next()?;
        // `{id}`, or `{id}.pdf`.
        let name = last.strip_prefix('{')?.split('}').next()?;
        if name == "company_id" || name == "project_id" {
            return None;
        }
        self.path_params().iter().find(|p| p.name() == name)
    }

    fn is_v2(&self) -> bool {
        self.version().starts_with("v2")
    }

    fn query_param(&self, name: &str) -> Option<&'static Param> {
        self.query().iter().find(|p| p.name() == name)
    }
}

/// The operation of a name (`rfis.list`).
pub fn by_name(name: &str) -> Option<&'static Operation> {
    OPERATIONS
        .binary_search_by(|op| op.name().cmp(name))
        .ok()
        .map(|i| &OPERATIONS[i])
}

/// The operation of a route: `GET /rest/v1.0/projects/{project_id}/rfis` (the method in any
/// case, the path as documented, with `{param}` or `:param` placeholders).
pub fn by_route(route: &str) -> Option<&'static Operation> {
    let (method, path) = route.trim().split_once(char::is_whitespace)?;
    let path = path.trim();
    let path: String = path
        .split('/')
        .map(|s| match s.strip_prefix(':') {
            Some(p) => format!("{{{p}}}"),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    let method = method.to_ascii_uppercase();
    let key = (method.as_str(), path.as_str());
    BY_ROUTE
        .binary_search_by(|i| {
            let op = &OPERATIONS[*i as usize];
            (op.method(), op.path()).cmp(&key)
        })
        .ok()
        .map(|i| &OPERATIONS[BY_ROUTE[i] as usize])
}

/// By name, else by route.
pub fn lookup(key: &str) -> Option<&'static Operation> {
    by_name(key).or_else(|| by_route(key))
}

/// The operations of a namespace, in name order.
pub fn namespace(name: &str) -> Option<&'static [Operation]> {
    let i = NAMESPACES
        .binary_search_by(|(n, _)| n.get().cmp(name))
        .ok()?;
    let start = NAMESPACES[i].1 as usize;
    let end = NAMESPACES
        .get(i + 1)
        .map_or(OPERATIONS.len(), |(_, s)| *s as usize);
    Some(&OPERATIONS[start..end])
}

/// Every namespace name, sorted.
pub fn namespaces() -> impl Iterator<Item = &'static str> {
    NAMESPACES.iter().map(|(n, _)| n.get())
}

/// The operations whose name, path or title contains every word of `text` (case-insensitive),
/// those whose name matches first.
pub fn find(text: &str) -> Vec<&'static Operation> {
    let words: Vec<String> = text.split_whitespace().map(|w| w.to_lowercase()).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(u8, &'static Operation)> = OPERATIONS
        .iter()
        .filter_map(|op| {
            let name = op.name().to_lowercase();
            let all = format!("{name} {} {}", op.path(), op.summary()).to_lowercase();
            if !words.iter().all(|w| all.contains(w.as_str())) {
                return None;
            }
            let rank = if words.iter().all(|w| name.contains(w.as_str())) {
                0
            } else {
                1
            };
            Some((rank, op))
        })
        .collect();
    hits.sort_by_key(|(rank, op)| (*rank, op.name()));
    hits.into_iter().map(|(_, op)| op).collect()
}

/// The names most like `wanted` among `names`, best first (at most 3): a similarity ratio of at
/// least 0.6 as `difflib.get_close_matches` has it, or one name containing the other.
pub fn nearest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(f64, &'a str)> = names
        .into_iter()
        .filter_map(|n| {
            let l = n.to_lowercase();
            let mut score = ratio(&w, &l);
            if !w.is_empty() && (l.contains(&w) || w.contains(&l)) {
                score = score.max(0.6);
            }
            (score >= 0.6).then_some((score, n))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// `2 * matches / total` with matches counted by Levenshtein alignment (close to difflib's
/// ratio for the short names compared here).
fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    let distance = prev[b.len()];
    let matches = total.saturating_sub(distance) as f64 / 2.0;
    (2.0 * matches / total as f64).min(1.0)
}

/// What a caller gives for one call.
#[derive(Debug, Default)]
pub struct Args {
    /// Keyword arguments: path and scope ids, documented query parameters, groups such as
    /// `filters` (a mapping), `per_page`.
    pub named: Map<String, Value>,
    /// `params=`: sent verbatim after the documented ones.
    pub verbatim: Vec<(String, String)>,
    /// The request body (`updates` of a sync action are wrapped by the caller).
    pub body: Option<Value>,
    /// The client's default company.
    pub default_company: Option<i64>,
}

/// A checked request, ready to send.
#[derive(Debug, PartialEq)]
pub struct Prepared {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// For the `Procore-Company-Id` header (`None`: the client's).
    pub company_id: Option<i64>,
}

fn config(op: &Operation, msg: String) -> Error {
    Error::Config(format!("{}(): {msg}", op.name()))
}

fn suggest(op: &Operation, wanted: &str, names: &[&str]) -> String {
    let near = nearest(wanted, names.iter().copied());
    let shown: Vec<&str> = if near.is_empty() {
        names.iter().copied().take(8).collect()
    } else {
        near
    };
    if shown.is_empty() {
        return "it documents none".into();
    }
    let list = shown
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > shown.len() && !names.is_empty() {
        format!(
            "did you mean {list}? (all of them: procore.catalog.get({:?}).params)",
            op.name()
        )
    } else {
        format!("did you mean {list}?")
    }
}

/// Checks `args` against the operation's documented parameters and builds the request.
/// Refuses (with `Error::Config`, naming the parameter and the nearest documented names) an
/// undocumented parameter or filter, a value of the wrong type, a missing required path or
/// query parameter; `per_page` above 100 on v2.
pub fn prepare(op: &'static Operation, args: Args) -> Result<Prepared> {
    let Args {
        mut named,
        verbatim,
        body,
        default_company,
    } = args;
    let mut company: Option<i64> = None;
    // `company_id=` is always taken: where the operation documents it (path or query) it is
    // sent there, and it always sets the `Procore-Company-Id` header.
    let documents_company = op.path_params().iter().any(|p| p.name() == "company_id")
        || op.query_param("company_id").is_some();
    if !documents_company {
        if let Some(v) = named.remove("company_id").filter(|v| !v.is_null()) {
            let text = path_value(op, "company_id", ParamType::Int, &v)?;
            company = text.parse().ok();
        }
    }
    // Path.
    let mut path = String::with_capacity(op.path().len() + 16);
    for (i, seg) in op.path().split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        // `{name}`, or `{name}.pdf`.
        let Some((name, suffix)) = seg.strip_prefix('{').and_then(|s| s.split_once('}')) else {
            path.push_str(seg);
            continue;
        };
        let param = op.path_params().iter().find(|p| p.name() == name);
        let value = match named.remove(name) {
            Some(Value::Null) | None if name == "company_id" => {
                default_company.map(Value::from).ok_or_else(|| {
                    config(
                        op,
                        "needs a company_id: pass company_id=… or set it on the client".into(),
                    )
                })?
            }
            Some(Value::Null) | None => {
                return Err(config(op, format!("missing the path parameter `{name}`")))
            }
            Some(v) => v,
        };
        let text = path_value(op, name, param.map_or(ParamType::Int, |p| p.ty), &value)?;
        if name == "company_id" {
            company = text.parse().ok();
        }
        path.push_str(&encode_segment(&text));
        path.push_str(suffix);
    }
    // Query.
    let mut query: Vec<(String, String)> = Vec::new();
    let per_page = named.remove("per_page");
    if let Some(v) = per_page.filter(|v| !v.is_null()) {
        if !op.paginates && op.query_param("per_page").is_none() {
            return Err(config(
                op,
                "per_page= is for list operations; this one does not page".into(),
            ));
        }
        let n = v
            .as_u64()
            .filter(|n| *n > 0)
            .ok_or_else(|| config(op, format!("per_page must be a positive integer, not {v}")))?;
        if op.is_v2() && n > 100 {
            return Err(config(
                op,
                format!(
                    "per_page is at most 100 on {} endpoints, not {n}",
                    op.version()
                ),
            ));
        }
        query.push(("per_page".into(), n.to_string()));
    }
    let plain: Vec<&str> = op
        .query()
        .iter()
        .filter(|p| p.group().is_none() && p.name() != "page" && p.name() != "per_page")
        .map(|p| p.name())
        .collect();
    let mut groups: Vec<&str> = op
        .query()
        .iter()
        .filter_map(|p| p.group())
        .map(|g| g.0)
        .collect();
    groups.dedup();
    for (key, value) in std::mem::take(&mut named) {
        if value.is_null() {
            continue;
        }
        if groups.contains(&key.as_str()) && op.query_param(&key).is_none() {
            let Value::Object(entries) = value else {
                return Err(config(
                    op,
                    format!(
                        "{key}= must be a mapping such as {key}={{\"id\": [1, 2]}}, not {value}"
                    ),
                ));
            };
            let members: Vec<&str> = op
                .query()
                .iter()
                .filter_map(|p| p.group().filter(|g| g.0 == key).map(|g| g.1))
                .collect();
            for (sub, v) in entries {
                if v.is_null() {
                    continue;
                }
                let full = format!("{key}[{sub}]");
                let Some(param) = op.query_param(&full) else {
                    return Err(config(
                        op,
                        format!(
                            "{key}[{sub:?}] is not documented for this operation; {}",
                            suggest(op, &sub, &members)
                        ),
                    ));
                };
                encode(op, param, &v, &mut query)?;
            }
            continue;
        }
        let Some(param) = op.query_param(&key).filter(|p| p.name() != "page") else {
            let mut known: Vec<&str> = plain.clone();
            known.extend(groups.iter().copied());
            if op.paginates {
                known.push("per_page");
            }
            return Err(config(
                op,
                format!(
                    "`{key}` is not a documented parameter of this operation; {}",
                    suggest(op, &key, &known)
                ),
            ));
        };
        if key == "company_id" {
            company = value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
        }
        encode(op, param, &value, &mut query)?;
    }
    // Scope ids in the query: the company defaults to the client's.
    if let Some(p) = op.query_param("company_id") {
        if !query.iter().any(|(k, _)| k == "company_id") {
            if let Some(c) = default_company {
                encode(op, p, &Value::from(c), &mut query)?;
                company = Some(c);
            }
        }
    }
    for p in op.query().iter().filter(|p| p.required) {
        let present = query
            .iter()
            .any(|(k, _)| k == p.name() || k.strip_suffix("[]") == Some(p.name()));
        if !present && !verbatim.iter().any(|(k, _)| k.starts_with(p.name())) {
            let how = match p.group() {
                Some((g, sub)) => format!("{g}={{\"{sub}\": …}}"),
                None => format!("{}=…", p.name()),
            };
            return Err(config(
                op,
                format!(
                    "missing the required query parameter `{}` ({how})",
                    p.name()
                ),
            ));
        }
    }
    query.extend(verbatim);
    if body.is_some() && op.method() == "GET" {
        return Err(config(op, "a GET operation takes no body".into()));
    }
    Ok(Prepared {
        path,
        query,
        body,
        company_id: company,
    })
}

fn path_value(op: &Operation, name: &str, ty: ParamType, v: &Value) -> Result<String> {
    let bad = |what: &str| config(op, format!("{name} must be {what}, not {v}"));
    match (ty, v) {
        (_, Value::Bool(_)) => Err(bad("an id")),
        (ParamType::Int, Value::Number(n)) => match n.as_i64() {
            Some(i) if i > 0 => Ok(i.to_string()),
            _ => Err(bad("a positive integer")),
        },
        (ParamType::Int, Value::String(s)) => {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(i) if i > 0 && t.bytes().all(|b| b.is_ascii_digit()) => Ok(i.to_string()),
                _ => Err(bad("a positive integer")),
            }
        }
        (ParamType::Int, _) => Err(bad("a positive integer")),
        (_, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        (_, Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(bad("an id (a string or an integer)")),
    }
}

/// Percent-encodes what may not stand in a path segment (`/`, `?`, `#`, `%`, spaces, …).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out == "." || out == ".." {
        return out.replace('.', "%2E");
    }
    out
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_datetime(s: &str) -> bool {
    s.len() > 10 && is_date(&s[..10]) && matches!(s.as_bytes()[10], b'T' | b't' | b' ')
}

/// One value of a parameter as query text, or why it does not fit.
fn scalar(op: &Operation, p: &Param, v: &Value) -> Result<String> {
    let bad = |what: &str| config(op, format!("`{}` takes {what}, not {v}", p.name()));
    let text = match (p.ty, v) {
        (ParamType::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        (ParamType::Int, Value::String(s))
            if !s.is_empty()
                && s.trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            s.clone()
        }
        (ParamType::Int, _) => return Err(bad("an integer")),
        (ParamType::Bool, Value::Bool(b)) => b.to_string(),
        (ParamType::Bool, Value::String(s)) if s == "true" || s == "false" => s.clone(),
        (ParamType::Bool, _) => return Err(bad("True or False")),
        (ParamType::Str | ParamType::Uuid, Value::String(s)) => s.clone(),
        (ParamType::Str, Value::Number(n)) => n.to_string(),
        (ParamType::Str | ParamType::Uuid, _) => return Err(bad("a string")),
        (ParamType::Date, Value::String(s)) if is_date(s) || is_datetime(s) => s.clone(),
        (ParamType::Date, _) => return Err(bad("a date (datetime.date or \"YYYY-MM-DD\")")),
        (ParamType::DateTime, Value::String(s)) if is_date(s) || is_datetime(s) => s.clone(),
        (ParamType::DateTime, _) => {
            return Err(bad("a date-time (datetime.datetime or ISO 8601 text)"))
        }
        (ParamType::Range, Value::String(s)) => match s.split_once("...") {
            Some((a, b)) if (is_date(a) || is_datetime(a)) && (is_date(b) || is_datetime(b)) => {
                s.clone()
            }
            _ => {
                return Err(bad(
                    "a range: \"START...END\" or a (start, end) pair of dates or date-times",
                ))
            }
        },
        (ParamType::Range, Value::Array(pair)) => match pair.as_slice() {
            [Value::String(a), Value::String(b)]
                if (is_date(a) || is_datetime(a)) && (is_date(b) || is_datetime(b)) =>
            {
                format!("{a}...{b}")
            }
            _ => {
                return Err(bad(
                    "a range: \"START...END\" or a (start, end) pair of dates or date-times",
                ))
            }
        },
        (ParamType::Range, _) => {
            return Err(bad(
                "a range: \"START...END\" or a (start, end) pair of dates or date-times",
            ))
        }
        (ParamType::Json, Value::String(s)) => s.clone(),
        (ParamType::Json, other) => other.to_string(),
    };
    // One value read from a description is a hint, not an enum (descriptions such as
    // "Extended view of data" name one of several).
    if p.choices().len() >= 2 && !p.has_choice(&text) {
        return Err(config(
            op,
            format!(
                "`{}` is one of {} as documented, not {text:?} (params= sends any value)",
                p.name(),
                p.choices()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(text)
}

fn encode(op: &Operation, p: &Param, v: &Value, out: &mut Vec<(String, String)>) -> Result<()> {
    let items: Vec<&Value> = match v {
        // A range's pair is one value.
        Value::Array(items) if p.ty != ParamType::Range && p.ty != ParamType::Json => {
            if p.list == ListStyle::One {
                return Err(config(
                    op,
                    format!("`{}` takes one {}, not a list", p.name(), p.ty.name()),
                ));
            }
            items.iter().collect()
        }
        other => vec![other],
    };
    let texts = items
        .into_iter()
        .map(|x| scalar(op, p, x))
        .collect::<Result<Vec<_>>>()?;
    match p.list {
        ListStyle::Brackets => {
            out.extend(texts.into_iter().map(|t| (format!("{}[]", p.name()), t)));
        }
        ListStyle::Comma | ListStyle::One => out.push((p.name().to_string(), texts.join(","))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        Args {
            named: v.as_object().cloned().unwrap_or_default(),
            default_company: Some(7),
            ..Args::default()
        }
    }

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert_eq!(OPERATIONS.len(), 2317);
        assert!(OPERATIONS.windows(2).all(|w| w[0].name() < w[1].name()));
        let key = |i: &u16| {
            let op = &OPERATIONS[*i as usize];
            (op.method(), op.path())
        };
        assert!(BY_ROUTE.windows(2).all(|w| key(&w[0]) < key(&w[1])));
        assert_eq!(BY_ROUTE.len(), OPERATIONS.len());
        assert_eq!(OPERATIONS.iter().filter(|o| o.sync).count(), 33);
        for op in OPERATIONS {
            assert!(std::ptr::eq(by_route(&op.route()).unwrap(), op));
            assert!(std::ptr::eq(by_name(op.name()).unwrap(), op));
        }
    }

    #[test]
    fn lookups() {
        let op = by_name("rfis.list").unwrap();
        assert_eq!(op.path(), "/rest/v1.0/projects/{project_id}/rfis");
        assert_eq!(op.scope, Scope::ProjectPath);
        assert!(std::ptr::eq(
            by_route("get /rest/v1.0/projects/:project_id/rfis").unwrap(),
            op
        ));
        assert!(lookup("GET /rest/v1.0/projects/{project_id}/rfis").is_some());
        assert!(lookup("rfis.nope").is_none());
        let ns = namespace("rfis").unwrap();
        assert!(ns.iter().all(|o| o.namespace() == "rfis"));
        assert!(ns.iter().any(|o| o.action() == "get"));
        assert!(find("rfi").iter().any(|o| o.name() == "rfis.list"));
        assert_eq!(
            by_name("rfis.get").unwrap().id_param().unwrap().name(),
            "id"
        );
        let pdf = by_name("rfis.get_pdf").unwrap();
        assert_eq!(pdf.id_param().unwrap().name(), "id");
        let req = prepare(pdf, args(json!({"project_id": 1, "id": 2}))).unwrap();
        assert_eq!(req.path, "/rest/v1.0/projects/1/rfis/2.pdf");
    }

    #[test]
    fn filters_and_ranges_are_encoded() {
        let op = by_name("rfis.list").unwrap();
        let req = prepare(
            op,
            args(
                json!({"project_id": 5, "filters": {"status": "open", "id": [1, 2],
                        "updated_at": ["2024-01-01", "2024-02-01T00:00:00Z"]}}),
            ),
        )
        .unwrap();
        assert_eq!(req.path, "/rest/v1.0/projects/5/rfis");
        assert!(req
            .query
            .contains(&("filters[status]".into(), "open".into())));
        assert!(req.query.contains(&(
            "filters[updated_at]".into(),
            "2024-01-01...2024-02-01T00:00:00Z".into()
        )));
        let ids: Vec<_> = req
            .query
            .iter()
            .filter(|(k, _)| k.starts_with("filters[id]"))
            .collect();
        assert!(!ids.is_empty());
    }

    #[test]
    fn bad_arguments_name_the_nearest() {
        let op = by_name("rfis.list").unwrap();
        let e = prepare(
            op,
            args(json!({"project_id": 5, "filters": {"stauts": "open"}})),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("stauts") && e.contains("`status`"), "{e}");
        let e = prepare(op, args(json!({"filters": {"status": "open"}})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("project_id"), "{e}");
        let e = prepare(op, args(json!({"project_id": 5, "per_pge": 5})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("per_pge") && e.contains("per_page"), "{e}");
        let e = prepare(op, args(json!({"project_id": 5, "filters": {"id": "x"}})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("integer"), "{e}");
        let e = prepare(op, args(json!({"project_id": true})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("project_id"), "{e}");
    }

    #[test]
    fn company_defaults_to_the_clients() {
        let op = by_name("trades.list").unwrap();
        let req = prepare(op, args(json!({}))).unwrap();
        assert_eq!(req.path, "/rest/v1.0/companies/7/trades");
        assert_eq!(req.company_id, Some(7));
        let req = prepare(op, args(json!({"company_id": 9}))).unwrap();
        assert_eq!(req.path, "/rest/v1.0/companies/9/trades");
        // An operation that takes the company from the header only.
        let op = by_name("rfis.list").unwrap();
        let req = prepare(op, args(json!({"project_id": 1, "company_id": 9}))).unwrap();
        assert_eq!(req.company_id, Some(9));
        assert!(!req.query.iter().any(|(k, _)| k == "company_id"));
        assert!(prepare(op, args(json!({"project_id": 1, "company_id": "x"}))).is_err());
        let none = Args::default();
        assert!(prepare(op, none).is_err());
    }

    #[test]
    fn nearest_is_like_difflib() {
        assert_eq!(
            nearest("stauts", ["status", "id", "created_at"]),
            vec!["status"]
        );
        assert!(nearest("zzzz", ["status", "id"]).is_empty());
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment(".."), "%2E%2E");
    }
}
