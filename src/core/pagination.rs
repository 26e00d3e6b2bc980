//! Pagination: walking every page of a list endpoint. Procore pages with `page` (from 1) and
//! `per_page` in the query, and `Total`, `Per-Page` and `Link` (RFC 8288) in the answer. With
//! `Total` on page 1, pages 2..N are fetched concurrently and handed over in order; without
//! it, `Link rel="next"` is followed. The records come as raw JSON, one `Vec` a page.

use std::sync::{Arc, OnceLock};

use futures::StreamExt;
use reqwest::Method;
use serde_json::value::RawValue;
use tokio_util::task::AbortOnDropHandle;
use url::Url;

use super::client::Client;
use super::drift::{
    anchor_guess, anchors, expected_order, keep, record_id, scan, seam, step_back, Order, Seam,
    MAX_REPAIRS,
};
use super::error::{Error, Result};
use super::models::decode_page;
use super::transport::{header_str, Response};

/// `per_page` sent when the caller gives none.
const DEFAULT_PER_PAGE: u64 = 100;
/// Pages followed through `Link` before the walk is refused as endless.
const MAX_LINKED_PAGES: u64 = 1_000_000;
/// The most pages fetched by number from page 1's `Total`: a `Total` asking for more (ten
/// million records at 100 a page) is not believed, and `Link` is followed instead.
const MAX_PLANNED_PAGES: u64 = 100_000;
/// The most record slots reserved ahead from `Total` (`Total` is input: it never sizes an
/// allocation beyond this).
const MAX_RESERVED_RECORDS: u64 = 1 << 20;

/// How the rest of a list is fetched, decided from page 1 alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Page 1 was the only page.
    Done,
    /// Pages 2..=`pages` by number, concurrently, `per_page` records a page, `total` in all.
    Numbered {
        pages: u64,
        per_page: u64,
        total: u64,
    },
    /// Follow `Link rel="next"` one page at a time (no `Total`, or one not to be trusted).
    FollowLinks,
}

/// Plans the rest of a walk from page 1: its `Total` and `Per-Page` (already parsed as
/// unsigned integers; anything else is `None`), how many records it held and whether it named
/// a next page. `Total` is believed only when it is consistent with page 1 and asks for at
/// most [`MAX_PLANNED_PAGES`] pages.
pub fn plan(total: Option<u64>, per_page: u64, first_len: usize, has_next: bool) -> Plan {
    let links = if has_next {
        Plan::FollowLinks
    } else {
        Plan::Done
    };
    let Some(total) = total else {
        return links;
    };
    let first_len = first_len as u64;
    if total <= first_len {
        // Nothing more announced; a `next` beside it contradicts `Total` and is followed.
        return links;
    }
    // Page 1 is full unless it is the last: a short page 1 with more records announced means
    // the server pages by another size than it says (or `Total` is wrong).
    let per_page = if first_len < per_page {
        if has_next || first_len == 0 {
            return links;
        }
        first_len
    } else {
        per_page
    };
    let pages = page_count(total, per_page);
    if pages > MAX_PLANNED_PAGES {
        return links;
    }
    Plan::Numbered {
        pages,
        per_page,
        total,
    }
}

/// One page's records, raw.
pub type Page = Vec<Box<RawValue>>;

/// Pages fetched ahead by a background task; dropping it stops the task.
pub struct PageStream {
    rx: tokio::sync::mpsc::Receiver<Result<Page>>,
    total: Arc<OnceLock<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl PageStream {
    /// The next page, `None` after the last one.
    pub async fn next_page(&mut self) -> Option<Result<Page>> {
        self.rx.recv().await
    }

    /// The record count the server announced (`Total`), once page 1 has arrived.
    pub fn total(&self) -> Option<u64> {
        self.total.get().copied()
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Every record of a list endpoint, in order (see [`Client::walk_pages`]).
    pub async fn paginate(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
    ) -> Result<Page> {
        let mut records = Vec::new();
        self.walk_pages(path, query, company_id, |page, total| {
            reserve_for(&mut records, total);
            records.extend(page);
            futures::future::ready(true)
        })
        .await?;
        Ok(records)
    }

    /// The pages of a list endpoint as a channel, fetched ahead in a background task (at most
    /// `max_concurrency` pages in flight plus as many waiting), for lazy iteration.
    pub fn pages(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
    ) -> Result<PageStream> {
        self.api_url(path)?;
        let (tx, rx) = tokio::sync::mpsc::channel(self.inner.cfg.max_concurrency);
        let total = Arc::new(OnceLock::new());
        let (client, path, query, total_w) = (
            self.clone(),
            path.to_string(),
            query.to_vec(),
            total.clone(),
        );
        let task = tokio::spawn(async move {
            let walked = client
                .walk_pages(&path, &query, company_id, |page, t| {
                    if let Some(t) = t {
                        let _ = total_w.set(t);
                    }
                    let tx = tx.clone();
                    async move { tx.send(Ok(page)).await.is_ok() }
                })
                .await;
            if let Err(e) = walked {
                let _ = tx.send(Err(e)).await;
            }
        });
        Ok(PageStream { rx, total, task })
    }

    /// Walks every page of a list endpoint in order, handing each to `sink` (with `Total` when
    /// the server sent it) until the sink returns false. With `Total` from page 1, pages 2..N
    /// are fetched concurrently (within `max_concurrency`) and handed over in order; without
    /// it, `Link rel="next"` is followed. A `per_page` in `query` is respected; the server's
    /// `Per-Page` wins.
    ///
    /// The walk survives a list that changes under it (see [`drift`](super::drift)): every
    /// seam between two pages is checked (`Total` of both, the order of their ids), records
    /// already handed over are dropped by id, and where records may have slipped through a
    /// seam the walk re-reads from a page that starts at or before the last record handed
    /// over. Every record that stayed in the set for the whole walk is handed over exactly
    /// once; a list still changing after [`MAX_REPAIRS`] repairs is an error.
    pub async fn walk_pages<F, Fut>(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
        mut sink: F,
    ) -> Result<()>
    where
        F: FnMut(Page, Option<u64>) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let url = self.api_url(path)?;
        let mut base_query: Vec<(String, String)> =
            query.iter().filter(|(k, _)| k != "page").cloned().collect();
        let asked = match base_query.iter().find(|(k, _)| k == "per_page") {
            Some((_, v)) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::Config(format!("per_page must be a positive integer, not {v:?}"))
                })?,
            None => {
                base_query.push(("per_page".into(), DEFAULT_PER_PAGE.to_string()));
                DEFAULT_PER_PAGE
            }
        };
        let mut walk = Walk::new(expected_order(&base_query));
        let first = self.page(&url, &base_query, 1, company_id).await?;
        let link_next = next_link(&first);
        let first_records = records(&first)?;
        let announced = first.header_u64("total");
        let plan = plan(
            announced,
            first
                .header_u64("per-page")
                .filter(|n| *n > 0)
                .unwrap_or(asked),
            first_records.len(),
            link_next.is_some(),
        );
        // The total handed on (to progress bars, `PageStream::total`): only one the plan
        // believed, or that page 1 alone bears out.
        let believed = match plan {
            Plan::Numbered { total, .. } => Some(total),
            Plan::Done => announced.filter(|t| *t == first_records.len() as u64),
            Plan::FollowLinks => None,
        };
        let counted = matches!(plan, Plan::Numbered { .. });
        let first_records = walk.anchor(first_records, announced.filter(|_| counted));
        if !sink(first_records, believed).await {
            return Ok(());
        }
        if let Plan::Numbered {
            pages, per_page, ..
        } = plan
        {
            for (k, v) in base_query.iter_mut() {
                if k == "per_page" {
                    *v = per_page.to_string();
                }
            }
            // Each page is fetched and read (its JSON checked, its records cut out) in a
            // task of its own, on the runtime's threads: the walk's caller, which may be
            // busy with the pages already handed over (making Python objects of them), does
            // not hold the pages in flight back. A task left behind (an error, a sink that
            // stops, the walk dropped) is aborted.
            let shared = Arc::new((url.clone(), base_query.clone()));
            let fetch = |p: u64| {
                let (client, shared) = (self.clone(), shared.clone());
                let task = AbortOnDropHandle::new(tokio::spawn(async move {
                    let (url, q) = &*shared;
                    let resp = client.page(url, q, p, company_id).await?;
                    Ok::<_, Error>((p, records(&resp)?, resp.header_u64("total")))
                }));
                async move {
                    match task.await {
                        Ok(read) => read,
                        // As if the page had been read here: a panic goes on up (the Python
                        // layer turns it into an error), and a task the runtime dropped on
                        // its way down brought no answer.
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(e) => Err(Error::Connection {
                            message: format!("page {p} of the list was not read: {e}"),
                            timeout: false,
                            attempts: 0,
                        }),
                    }
                }
            };
            let (mut from, mut to) = (2, pages);
            loop {
                let mut gap = None;
                {
                    let mut rest = futures::stream::iter(from..=to)
                        .map(fetch)
                        .buffered(self.inner.cfg.max_concurrency);
                    while let Some(page) = rest.next().await {
                        let (p, page, total) = page?;
                        let shown = total.or(walk.prev_total);
                        match walk.take(page, total)? {
                            Some(page) => {
                                if !sink(page, shown).await {
                                    return Ok(());
                                }
                            }
                            None => {
                                gap = Some((p, total));
                                break;
                            }
                        }
                    }
                }
                let Some((k, total)) = gap else {
                    // Records that entered the set during the walk may call for more pages.
                    let need = page_count(walk.prev_total.unwrap_or(0), per_page);
                    if need > to && need <= MAX_PLANNED_PAGES {
                        (from, to) = (to + 1, need);
                        continue;
                    }
                    break;
                };
                walk.repairs += 1;
                if walk.repairs > MAX_REPAIRS {
                    return Err(Error::Decode(format!(
                        "pagination: the list kept changing while it was read ({MAX_REPAIRS} repairs; Total now {}): pull again later",
                        total.map_or("unknown".into(), |t| t.to_string())
                    )));
                }
                // Find a page that starts at or before the last record handed over.
                let mut j = match walk.order {
                    Order::Unknown => 1,
                    _ => anchor_guess(k, per_page, walk.prev_total, total),
                };
                let mut tries = 0;
                let anchor_total = loop {
                    let (_, page, total) = fetch(j).await?;
                    let first = page.first().and_then(|r| record_id(r));
                    if anchors(walk.order, j, walk.watermark, first) {
                        let page = walk.anchor(page, total);
                        if !page.is_empty() && !sink(page, total.or(walk.prev_total)).await {
                            return Ok(());
                        }
                        break total;
                    }
                    tries += 1;
                    j = step_back(j, tries);
                };
                let need = page_count(anchor_total.unwrap_or(0), per_page).min(MAX_PLANNED_PAGES);
                (from, to) = (j + 1, need.max(j));
            }
        } else if plan == Plan::FollowLinks {
            // Every URL asked for so far: a `next` naming one of them is a loop.
            let mut asked_for = std::collections::HashSet::new();
            asked_for.insert(page_url(&url, &base_query, 1));
            let mut next = link_next;
            while let Some(href) = next {
                if asked_for.len() as u64 >= MAX_LINKED_PAGES {
                    return Err(Error::Decode(
                        "pagination: more than a million pages".into(),
                    ));
                }
                let next_url = self.api_url(&href)?;
                if !asked_for.insert(next_url.to_string()) {
                    return Err(Error::Decode(format!(
                        "pagination: the server's Link rel=\"next\" loops back to a page already read ({} after {} pages)",
                        next_url.path(),
                        asked_for.len()
                    )));
                }
                let resp = self
                    .send(Method::GET, next_url, &[], None, company_id)
                    .await?;
                next = next_link(&resp);
                // No `Total` to compare: only repeats (by order or id) are caught here.
                let page = walk.take(records(&resp)?, None)?.unwrap_or_default();
                if !sink(page, None).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// `GET` page number `page` of a list.
    async fn page(
        &self,
        url: &Url,
        query: &[(String, String)],
        page: u64,
        company_id: Option<i64>,
    ) -> Result<Response> {
        let mut q = query.to_vec();
        q.push(("page".into(), page.to_string()));
        self.send(Method::GET, url.clone(), &q, None, company_id)
            .await
    }
}

/// Room for the records a list announces (`Total`), never beyond [`MAX_RESERVED_RECORDS`]
/// (`Total` is input: it does not size an allocation by itself).
pub fn reserve_for<T>(records: &mut Vec<T>, total: Option<u64>) {
    if let Some(t) = total {
        let want = t.min(MAX_RESERVED_RECORDS) as usize;
        records.reserve(want.saturating_sub(records.len()));
    }
}

/// The URL of page `page` as [`Client::walk_pages`] asks for it, for loop detection.
fn page_url(url: &Url, query: &[(String, String)], page: u64) -> String {
    let mut u = url.clone();
    u.query_pairs_mut()
        .extend_pairs(query)
        .append_pair("page", &page.to_string());
    u.to_string()
}

/// The records of one page, raw: a JSON list, or v2's `{"data": [...]}` envelope.
fn records(resp: &Response) -> Result<Page> {
    decode_page(&resp.body)
}

/// The `Link rel="next"` URL of an answer.
fn next_link(resp: &Response) -> Option<String> {
    header_str(&resp.headers, "link").and_then(|l| parse_link_header(l).next)
}

/// What a walk has handed over so far, to judge the next page against (see
/// [`drift`](super::drift)).
struct Walk {
    order: Order,
    /// The last id handed over, in a known order.
    watermark: Option<i64>,
    /// `Total` announced with the last page handed over.
    prev_total: Option<u64>,
    /// Ids handed over while the order is known (kept to dedupe should the order turn out
    /// not to be the one expected).
    handed: Vec<i64>,
    /// Ids handed over once the order is unknown.
    seen: std::collections::HashSet<i64>,
    /// A record without an integer id was handed over: a changed list cannot be repaired.
    idless: bool,
    repairs: u32,
}

impl Walk {
    fn new(order: Order) -> Walk {
        Walk {
            order,
            watermark: None,
            prev_total: None,
            handed: Vec::new(),
            seen: Default::default(),
            idless: false,
            repairs: 0,
        }
    }

    /// The next page in page order: the records to hand over, or `None` when records may have
    /// slipped through the seam before it (the caller re-reads from an anchor).
    fn take(&mut self, page: Page, total: Option<u64>) -> Result<Option<Page>> {
        let ids = self.check(&page);
        let first = ids.first().copied().flatten();
        match seam(self.order, self.watermark, self.prev_total, total, first) {
            Seam::Gap if self.idless || ids.iter().any(Option::is_none) => {
                Err(Error::Decode(format!(
                    "pagination: the list changed while it was read (Total {} then {}) and its records have no id to repair the pull by: pull again",
                    self.prev_total.unwrap_or_default(),
                    total.unwrap_or_default()
                )))
            }
            Seam::Gap => Ok(None),
            Seam::Sound | Seam::Overlap => Ok(Some(self.hand_over(page, &ids, total))),
        }
    }

    /// A page a repair starts from (or page 1): it starts at or before the watermark, so
    /// nothing can be missing before it; what was handed over already is dropped.
    fn anchor(&mut self, page: Page, total: Option<u64>) -> Page {
        let ids = self.check(&page);
        self.hand_over(page, &ids, total)
    }

    /// The page's ids; a page not in the order expected turns the order unknown.
    fn check(&mut self, page: &Page) -> Vec<Option<i64>> {
        let ids: Vec<Option<i64>> = page.iter().map(|r| record_id(r)).collect();
        let s = scan(self.order, &ids);
        if !s.all_ids {
            self.idless = true;
        }
        if self.order != Order::Unknown && !s.in_order && !page.is_empty() {
            self.order = Order::Unknown;
            self.watermark = None;
            self.seen = self.handed.drain(..).collect();
        }
        ids
    }

    fn hand_over(&mut self, mut page: Page, ids: &[Option<i64>], total: Option<u64>) -> Page {
        self.prev_total = total;
        if self.order == Order::Unknown {
            let seen = &mut self.seen;
            let mut fresh = ids.iter().map(|id| id.is_none_or(|id| seen.insert(id)));
            page.retain(|_| fresh.next().unwrap_or(true));
            return page;
        }
        let (order, w) = (self.order, self.watermark);
        if ids.first().is_some_and(|f| !keep(order, w, *f)) {
            let mut kept = ids.iter().map(|id| keep(order, w, *id));
            page.retain(|_| kept.next().unwrap_or(true));
            self.handed
                .extend(ids.iter().flatten().filter(|id| keep(order, w, Some(**id))));
        } else {
            self.handed.extend(ids.iter().flatten());
        }
        if let Some(last) = ids.last().copied().flatten() {
            if keep(order, w, Some(last)) {
                self.watermark = Some(last);
            }
        }
        page
    }
}

/// The URLs of a `Link` header, by relation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkRels {
    pub first: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub last: Option<String>,
}

/// Parses `<url>; rel="next", <url>; rel="last"`. Unknown relations and malformed parts are
/// skipped; a part may name several relations (`rel="last next"`).
pub fn parse_link_header(value: &str) -> LinkRels {
    let mut rels = LinkRels::default();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end_rel) = rest[start..].find('>') else {
            break;
        };
        let url = rest[start + 1..start + end_rel].trim().to_string();
        let after = &rest[start + end_rel + 1..];
        // The parameters run to the next '<' that starts a new link (commas may appear
        // inside quoted values, but not '<').
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        for param in params.split(';') {
            let param = param.trim().trim_end_matches(',').trim();
            let Some((name, val)) = param.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            let val = val.trim().trim_matches('"');
            for rel in val.split_ascii_whitespace() {
                let slot = match rel.to_ascii_lowercase().as_str() {
                    "first" => &mut rels.first,
                    "prev" | "previous" => &mut rels.prev,
                    "next" => &mut rels.next,
                    "last" => &mut rels.last,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some(url.clone());
                }
            }
        }
        rest = &after[params_end..];
    }
    rels
}

/// Number of pages holding `total` records at `per_page` a page.
pub fn page_count(total: u64, per_page: u64) -> u64 {
    if per_page == 0 {
        return 1;
    }
    total.div_ceil(per_page).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procore_link_header() {
        let h = "<https://api.procore.com/rest/v1.0/projects?company_id=1&page=1&per_page=100>; rel=\"first\", \
                 <https://api.procore.com/rest/v1.0/projects?company_id=1&page=1&per_page=100>; rel=\"prev\", \
                 <https://api.procore.com/rest/v1.0/projects?company_id=1&page=3&per_page=100>; rel=\"next\", \
                 <https://api.procore.com/rest/v1.0/projects?company_id=1&page=5&per_page=100>; rel=\"last\"";
        let r = parse_link_header(h);
        assert!(r.first.unwrap().ends_with("page=1&per_page=100"));
        assert!(r.prev.unwrap().ends_with("page=1&per_page=100"));
        assert!(r.next.unwrap().ends_with("page=3&per_page=100"));
        assert!(r.last.unwrap().ends_with("page=5&per_page=100"));
    }

    #[test]
    fn odd_but_valid_forms() {
        let r =
            parse_link_header("<https://x/a?page=2>;rel=next,<https://x/a?page=9>; REL=\"last\"");
        assert_eq!(r.next.as_deref(), Some("https://x/a?page=2"));
        assert_eq!(r.last.as_deref(), Some("https://x/a?page=9"));
        let r = parse_link_header("<https://x/b>; title=\"a, b\"; rel=\"next last\"");
        assert_eq!(r.next.as_deref(), Some("https://x/b"));
        assert_eq!(r.last.as_deref(), Some("https://x/b"));
    }

    #[test]
    fn garbage_gives_nothing() {
        assert_eq!(parse_link_header(""), LinkRels::default());
        assert_eq!(parse_link_header("nonsense"), LinkRels::default());
        assert_eq!(
            parse_link_header("<https://x/unterminated; rel=next"),
            LinkRels::default()
        );
        assert_eq!(parse_link_header("<https://x/a>; rel=\"self\"").next, None);
    }

    #[test]
    fn plans_believe_total_only_when_it_is_sane() {
        use Plan::*;
        // The ordinary case: a full page 1 and a Total.
        assert_eq!(
            plan(Some(20_000), 100, 100, true),
            Numbered {
                pages: 200,
                per_page: 100,
                total: 20_000
            }
        );
        assert_eq!(plan(Some(100), 100, 100, false), Done);
        assert_eq!(plan(Some(0), 100, 0, false), Done);
        assert_eq!(plan(None, 100, 100, true), FollowLinks);
        assert_eq!(plan(None, 100, 100, false), Done);
        // Absurd totals: never planned from, never allocated for.
        for t in [10_000_000_000u64, u64::MAX, 100 * MAX_PLANNED_PAGES + 1] {
            assert_eq!(
                plan(Some(t), 1.max(t / 10_000_000_000), 1, true),
                FollowLinks,
                "{t}"
            );
            assert_eq!(plan(Some(t), 100, 100, false), Done, "{t}");
        }
        assert_eq!(plan(Some(u64::MAX), u64::MAX, 3, true), FollowLinks);
        // A short page 1 but more announced: the server's real page size is page 1's.
        assert_eq!(
            plan(Some(500), 200, 100, false),
            Numbered {
                pages: 5,
                per_page: 100,
                total: 500
            }
        );
        assert_eq!(plan(Some(1_000_000), 100, 2, true), FollowLinks);
        assert_eq!(plan(Some(1_000_000), 100, 0, false), Done);
    }

    fn page_of(ids: &[i64]) -> Page {
        ids.iter()
            .map(|id| RawValue::from_string(format!("{{\"id\":{id},\"n\":\"x\"}}")).unwrap())
            .collect()
    }

    fn ids(page: &Page) -> Vec<i64> {
        page.iter().map(|r| record_id(r).unwrap()).collect()
    }

    #[test]
    fn walks_drop_repeats_and_stop_at_gaps() {
        let mut w = Walk::new(Order::Ascending);
        assert_eq!(ids(&w.anchor(page_of(&[1, 2, 3]), Some(9))), [1, 2, 3]);
        // Same Total, next ids: handed over whole.
        assert_eq!(
            ids(&w.take(page_of(&[4, 5, 6]), Some(9)).unwrap().unwrap()),
            [4, 5, 6]
        );
        // Records created ahead: the repeats go, whatever the Total says.
        assert_eq!(
            ids(&w.take(page_of(&[5, 6, 7]), Some(11)).unwrap().unwrap()),
            [7]
        );
        // Records deleted ahead: a gap, nothing handed over, the watermark stays.
        assert!(w.take(page_of(&[10, 11, 12]), Some(8)).unwrap().is_none());
        assert_eq!(w.watermark, Some(7));
        // The anchor that repairs it starts at or before the watermark.
        assert_eq!(ids(&w.anchor(page_of(&[6, 7, 8]), Some(8))), [8]);
        assert_eq!(w.prev_total, Some(8));
        assert_eq!(w.handed, [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn walks_fall_back_to_ids_when_the_order_is_not_the_one_expected() {
        let mut w = Walk::new(Order::Ascending);
        w.anchor(page_of(&[1, 2, 3]), Some(6));
        // A page out of id order: the order is unknown from now on, repeats dropped by id.
        assert_eq!(
            ids(&w.take(page_of(&[9, 2, 4]), Some(6)).unwrap().unwrap()),
            [9, 4]
        );
        assert_eq!(w.order, Order::Unknown);
        // An unknown order cannot tell a repeat from a shift: a Total change is a gap.
        assert!(w.take(page_of(&[5]), Some(7)).unwrap().is_none());
        assert_eq!(ids(&w.anchor(page_of(&[1, 2, 3, 9, 4, 5]), Some(7))), [5]);
    }

    #[test]
    fn records_without_ids_cannot_be_repaired() {
        let mut w = Walk::new(Order::Ascending);
        let anon: Page = vec![RawValue::from_string("{\"n\":1}".into()).unwrap()];
        assert_eq!(w.anchor(anon.clone(), Some(2)).len(), 1);
        // Handed over as read while the list holds still...
        assert_eq!(w.take(anon.clone(), Some(2)).unwrap().unwrap().len(), 1);
        // ...and a change is an error, not a silent loss.
        match w.take(anon, Some(1)) {
            Err(Error::Decode(m)) => assert!(m.contains("no id"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn page_count_rounds_up() {
        assert_eq!(page_count(0, 100), 1);
        assert_eq!(page_count(100, 100), 1);
        assert_eq!(page_count(101, 100), 2);
        assert_eq!(page_count(20_000, 100), 200);
        assert_eq!(page_count(5, 0), 1);
    }
}
