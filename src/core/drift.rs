//! Drift: a list that changes while its pages are read. Procore pages by offset, so a record
//! deleted, created or updated out of a filter window during a pull shifts every later page,
//! and a naive walk skips or repeats records that never changed. The pure decisions of the
//! walk in [`pagination`](super::pagination) live here: which order the records can be
//! checked against, whether the seam between two pages is sound, and where a repair starts.
//!
//! The seam between page `k-1` and page `k` is sound when page `k` starts at or before the
//! last record handed over (an overlap: the repeated records are dropped by id), or when both
//! pages announced the same `Total` (no record entered or left the set between the two reads,
//! so the offsets agree). Otherwise records may have slipped through the seam: the walk
//! re-reads from a page that starts at or before the last record handed over (an anchor), and
//! carries on from there.

use serde_json::value::RawValue;

use super::models::{field, leading_id};

/// Repair rounds a walk may take before it gives up: a list that changes faster than it can
/// be read is refused with an error rather than returned with records missing.
pub const MAX_REPAIRS: u32 = 16;

/// The order of the records of a list, as far as the walk can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By `id`, smallest first: Procore's order when no `sort` is given, or `sort=id`.
    Ascending,
    /// `sort=-id`.
    Descending,
    /// Any other `sort=`, a list found not to be in the order expected, or records without an
    /// integer `id`: seams are checked by `Total` alone, duplicates by a set of ids.
    Unknown,
}

/// The order a list is expected in from its query: Procore sorts by `id` ascending unless a
/// `sort` is given.
pub fn expected_order(query: &[(String, String)]) -> Order {
    match query.iter().rev().find(|(k, _)| k == "sort") {
        None => Order::Ascending,
        Some((_, v)) => match v.trim() {
            "" | "id" | "+id" | "id asc" => Order::Ascending,
            "-id" | "id desc" => Order::Descending,
            _ => Order::Unknown,
        },
    }
}

/// Whether `b` comes strictly after `a` in `order` (never, for an unknown order).
pub fn follows(order: Order, a: i64, b: i64) -> bool {
    match order {
        Order::Ascending => b > a,
        Order::Descending => b < a,
        Order::Unknown => false,
    }
}

/// The `id` of a raw record: a leading integer `"id"` read without a parse (the common case),
/// else the `id` field as an integer or a string of digits (v2 answers); `None` without one.
pub fn record_id(raw: &RawValue) -> Option<i64> {
    if let Some(id) = leading_id(raw.get()) {
        return Some(id);
    }
    match field(raw, "id")? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// What a page's ids say: its first and last id, and whether they are all present and in
/// `order` (strictly: a page in order holds no id twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scan {
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Every record has an integer id.
    pub all_ids: bool,
    /// The ids are strictly in the order (false for an unknown order).
    pub in_order: bool,
}

/// Scans a page's ids (one per record, `None` for a record without one).
pub fn scan(order: Order, ids: &[Option<i64>]) -> Scan {
    let all_ids = ids.iter().all(Option::is_some);
    let in_order = all_ids
        && order != Order::Unknown
        && ids
            .windows(2)
            .all(|w| follows(order, w[0].unwrap_or(0), w[1].unwrap_or(0)));
    Scan {
        first: ids.first().copied().flatten(),
        last: ids.last().copied().flatten(),
        all_ids,
        in_order,
    }
}

/// How page `k` joins what was handed over before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seam {
    /// Page `k` starts right after the last record handed over: the set did not change
    /// between the two reads (same `Total`) and the page starts after the watermark.
    Sound,
    /// Page `k` starts at or before the last record handed over: records entered the set
    /// ahead of it. Nothing can be missing at this seam; the repeated records are dropped.
    Overlap,
    /// The set changed between the two reads and page `k` starts after the last record handed
    /// over: records may have slipped through. Re-read from an anchor.
    Gap,
}

/// Judges the seam before a page. `watermark` is the last id handed over (`None` before the
/// first record, or when the order is unknown); the totals are those announced with the page
/// before and this one.
pub fn seam(
    order: Order,
    watermark: Option<i64>,
    prev_total: Option<u64>,
    total: Option<u64>,
    first: Option<i64>,
) -> Seam {
    if let (Some(w), Some(f), true) = (watermark, first, order != Order::Unknown) {
        if !follows(order, w, f) {
            return Seam::Overlap;
        }
    }
    match (prev_total, total) {
        (Some(a), Some(b)) if a != b => Seam::Gap,
        _ => Seam::Sound,
    }
}

/// Whether a record is handed over: after the watermark in a known order (the ones at or
/// before it were handed over already, or left the set), any record otherwise.
pub fn keep(order: Order, watermark: Option<i64>, id: Option<i64>) -> bool {
    match (order, watermark, id) {
        (Order::Unknown, _, _) | (_, None, _) | (_, _, None) => true,
        (o, Some(w), Some(id)) => follows(o, w, id),
    }
}

/// The first page to re-read after a gap found before page `k` (a page of `per_page`): the
/// one that now holds the last record handed over, assuming the set lost
/// `prev_total - total` records before it (none when it grew). The anchor must start at or
/// before the watermark; if it does not, [`step_back`] gives the next page to try.
pub fn anchor_guess(k: u64, per_page: u64, prev_total: Option<u64>, total: Option<u64>) -> u64 {
    let lost = match (prev_total, total) {
        (Some(a), Some(b)) => a.saturating_sub(b),
        _ => 0,
    };
    // The last record handed over sat at offset (k-1)*per_page - 1.
    let offset = (k.saturating_sub(1))
        .saturating_mul(per_page)
        .saturating_sub(1)
        .saturating_sub(lost);
    (offset / per_page.max(1) + 1).clamp(1, k.max(1))
}

/// The page to try after page `page` turned out to start past the watermark, on the `tries`th
/// try (from 1): twice as far back each time, never before page 1.
pub fn step_back(page: u64, tries: u32) -> u64 {
    page.saturating_sub(1u64 << tries.min(62).saturating_sub(1))
        .max(1)
}

/// Whether a freshly read page can anchor a repair: page 1 always can (the set starts there);
/// another must start at or before the watermark, or hold nothing past it.
pub fn anchors(order: Order, page: u64, watermark: Option<i64>, first: Option<i64>) -> bool {
    if page <= 1 {
        return true;
    }
    match (order, watermark, first) {
        (Order::Unknown, _, _) => false,
        (_, None, _) => false,
        (_, Some(_), None) => false,
        (o, Some(w), Some(f)) => !follows(o, w, f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn order_comes_from_sort() {
        assert_eq!(expected_order(&[]), Order::Ascending);
        assert_eq!(expected_order(&q(&[("sort", "id")])), Order::Ascending);
        assert_eq!(expected_order(&q(&[("sort", "-id")])), Order::Descending);
        assert_eq!(expected_order(&q(&[("sort", "name")])), Order::Unknown);
        assert_eq!(
            expected_order(&q(&[("sort", "name"), ("sort", "-id")])),
            Order::Descending
        );
    }

    #[test]
    fn ids_are_read_fast_or_by_field() {
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        assert_eq!(record_id(&raw(r#"{"id":5,"a":1}"#)), Some(5));
        assert_eq!(record_id(&raw(r#"{"a":1,"id":7}"#)), Some(7));
        assert_eq!(record_id(&raw(r#"{"id":"12"}"#)), Some(12));
        assert_eq!(record_id(&raw(r#"{"id":"x"}"#)), None);
        assert_eq!(record_id(&raw(r#"{"name":"n"}"#)), None);
        assert_eq!(record_id(&raw("3")), None);
    }

    #[test]
    fn scans_see_order_and_missing_ids() {
        let s = scan(Order::Ascending, &[Some(1), Some(3), Some(9)]);
        assert_eq!(
            (s.first, s.last, s.all_ids, s.in_order),
            (Some(1), Some(9), true, true)
        );
        assert!(!scan(Order::Ascending, &[Some(1), Some(1)]).in_order);
        assert!(!scan(Order::Ascending, &[Some(3), Some(1)]).in_order);
        assert!(scan(Order::Descending, &[Some(3), Some(1)]).in_order);
        let s = scan(Order::Ascending, &[Some(1), None]);
        assert!(!s.all_ids && !s.in_order);
        assert!(!scan(Order::Unknown, &[Some(1), Some(2)]).in_order);
        assert_eq!(
            scan(Order::Ascending, &[]),
            Scan {
                all_ids: true,
                in_order: true,
                ..Scan::default()
            }
        );
    }

    #[test]
    fn seams() {
        use Seam::*;
        let a = Order::Ascending;
        // No drift: same Total, next page starts after the last id.
        assert_eq!(seam(a, Some(100), Some(1000), Some(1000), Some(101)), Sound);
        // Records were created ahead: page starts at or before the watermark.
        assert_eq!(
            seam(a, Some(100), Some(1000), Some(1003), Some(98)),
            Overlap
        );
        assert_eq!(
            seam(a, Some(100), Some(1000), Some(1000), Some(100)),
            Overlap
        );
        // Records were deleted ahead: Total fell and the page starts past the watermark.
        assert_eq!(seam(a, Some(100), Some(1000), Some(997), Some(104)), Gap);
        // The set changed but an empty page carries no first id.
        assert_eq!(seam(a, Some(100), Some(1000), Some(900), None), Gap);
        assert_eq!(seam(a, Some(100), Some(1000), Some(1000), None), Sound);
        // Descending order.
        let d = Order::Descending;
        assert_eq!(seam(d, Some(100), Some(10), Some(10), Some(99)), Sound);
        assert_eq!(seam(d, Some(100), Some(10), Some(12), Some(101)), Overlap);
        // Unknown order: Total alone.
        let u = Order::Unknown;
        assert_eq!(seam(u, Some(100), Some(10), Some(10), Some(5)), Sound);
        assert_eq!(seam(u, Some(100), Some(10), Some(11), Some(500)), Gap);
        // No Total (Link-paged lists): order alone.
        assert_eq!(seam(a, Some(100), None, None, Some(50)), Overlap);
        assert_eq!(seam(a, Some(100), None, None, Some(150)), Sound);
    }

    #[test]
    fn keeps_only_what_follows_the_watermark() {
        let a = Order::Ascending;
        assert!(keep(a, None, Some(1)));
        assert!(keep(a, Some(5), Some(6)));
        assert!(!keep(a, Some(5), Some(5)));
        assert!(!keep(a, Some(5), Some(4)));
        assert!(keep(Order::Descending, Some(5), Some(4)));
        assert!(keep(Order::Unknown, Some(5), Some(4)));
        assert!(keep(a, Some(5), None));
    }

    #[test]
    fn anchors_start_where_the_watermark_went() {
        // 3 records deleted before page 2 at 100 a page: the last record handed over (offset
        // 99) is now at offset 96, on page 1.
        assert_eq!(anchor_guess(2, 100, Some(1000), Some(997)), 1);
        // 150 lost before page 5: offset 399 -> 249, page 3.
        assert_eq!(anchor_guess(5, 100, Some(1000), Some(850)), 3);
        // The set grew: the watermark did not move back, page k-1 holds it.
        assert_eq!(anchor_guess(5, 100, Some(1000), Some(1010)), 4);
        // Never before page 1, never past k, whatever the totals.
        assert_eq!(anchor_guess(5, 100, Some(u64::MAX), Some(0)), 1);
        assert_eq!(anchor_guess(1, 100, None, None), 1);
        assert_eq!(anchor_guess(u64::MAX, u64::MAX, None, None), 1);
        // Stepping back doubles and stops at page 1.
        assert_eq!(step_back(10, 1), 9);
        assert_eq!(step_back(10, 2), 8);
        assert_eq!(step_back(10, 3), 6);
        assert_eq!(step_back(10, 5), 1);
        assert_eq!(step_back(10, 200), 1);
        // A page anchors when it starts at or before the watermark; page 1 always does.
        let a = Order::Ascending;
        assert!(anchors(a, 1, Some(5), Some(9)));
        assert!(anchors(a, 3, Some(5), Some(5)));
        assert!(anchors(a, 3, Some(5), Some(2)));
        assert!(!anchors(a, 3, Some(5), Some(6)));
        assert!(!anchors(a, 3, Some(5), None));
        assert!(!anchors(Order::Unknown, 3, Some(5), Some(1)));
    }
}
