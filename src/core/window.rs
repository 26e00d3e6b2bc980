//! Incremental pulls: the `filters[updated_at]=START...END` window of a pull, fixed once when
//! its first page is asked for, so that every page asks for the same window (Procore's generic
//! range filter; ISO 8601 date-times in UTC).

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

use super::error::{Error, Result};

/// The query key of the window.
pub const UPDATED_AT_FILTER: &str = "filters[updated_at]";

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_utc(unix: i64) -> Result<String> {
    let t = OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|_| Error::Config(format!("{unix} is not a time this client can send")))?;
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Parses an ISO 8601 date-time or date into Unix seconds. A date-time without an offset is
/// taken as UTC (Python's naive datetimes); a date is its midnight (UTC), or the last second
/// of its day when it ends a window (`end_of_day`). Fractions of a second are dropped.
pub fn parse_instant(name: &str, value: &str, end_of_day: bool) -> Result<i64> {
    let s = value.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    // A date-time without an offset: UTC.
    if s.len() > 10 {
        let mut utc = s.replacen(' ', "T", 1);
        if utc.len() == 16 {
            utc.push_str(":00");
        }
        utc.push('Z');
        if let Ok(t) = OffsetDateTime::parse(&utc, &Rfc3339) {
            return Ok(t.unix_timestamp());
        }
    }
    if let Some(d) = parse_date(s) {
        let t = d.midnight().assume_utc().unix_timestamp();
        return Ok(if end_of_day { t + 86_399 } else { t });
    }
    Err(Error::Config(format!(
        "{name} must be a datetime or an ISO 8601 date or date-time (2024-05-01T00:00:00Z), not {value:?}"
    )))
}

/// `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<i32>().ok())
    };
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    Date::from_calendar_date(num(0..4)?, month, u8::try_from(num(8..10)?).ok()?).ok()
}

/// The window `filters[updated_at]` of a pull: `since...until`, `until` defaulting to `now`
/// (Unix seconds, the moment the first page is asked for). `None` when neither is given.
/// `updated_until` alone starts the window at the Unix epoch.
pub fn updated_window(
    since: Option<&str>,
    until: Option<&str>,
    now: i64,
) -> Result<Option<String>> {
    if since.is_none() && until.is_none() {
        return Ok(None);
    }
    let start = match since {
        Some(s) => parse_instant("updated_since", s, false)?,
        None => 0,
    };
    let end = match until {
        Some(s) => parse_instant("updated_until", s, true)?,
        None => now,
    };
    if start > end {
        return Err(Error::Config(format!(
            "updated_since ({}) is after updated_until ({})",
            iso_utc(start)?,
            iso_utc(end)?
        )));
    }
    Ok(Some(format!("{}...{}", iso_utc(start)?, iso_utc(end)?)))
}

/// `query` with the window as its `filters[updated_at]` (replacing one given there).
pub fn with_window(query: &[(String, String)], window: Option<String>) -> Vec<(String, String)> {
    let Some(w) = window else {
        return query.to_vec();
    };
    let mut q: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != UPDATED_AT_FILTER)
        .cloned()
        .collect();
    q.push((UPDATED_AT_FILTER.to_string(), w));
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_utc_and_fixed() {
        let now = 1_714_521_600; // 2024-05-01T00:00:00Z
        assert_eq!(updated_window(None, None, now).unwrap(), None);
        assert_eq!(
            updated_window(Some("2024-04-30T12:00:00+02:00"), None, now)
                .unwrap()
                .unwrap(),
            "2024-04-30T10:00:00Z...2024-05-01T00:00:00Z"
        );
        assert_eq!(
            updated_window(Some("2024-04-01"), Some("2024-04-30"), now)
                .unwrap()
                .unwrap(),
            "2024-04-01T00:00:00Z...2024-04-30T23:59:59Z"
        );
        // Naive date-times (Python's datetime.isoformat() without tzinfo) are UTC.
        assert_eq!(
            updated_window(
                Some("2024-04-01T08:30:00.123456"),
                Some("2024-04-01 09:00"),
                now
            )
            .unwrap()
            .unwrap(),
            "2024-04-01T08:30:00Z...2024-04-01T09:00:00Z"
        );
        assert_eq!(
            updated_window(None, Some("1970-01-02T00:00:00Z"), now)
                .unwrap()
                .unwrap(),
            "1970-01-01T00:00:00Z...1970-01-02T00:00:00Z"
        );
    }

    #[test]
    fn bad_windows_are_config_errors() {
        let now = 1_714_521_600;
        for (since, until) in [
            (Some("yesterday"), None),
            (Some("2024-13-01"), None),
            (Some("2024-05-02"), None),
            (Some("2024-05-01"), Some("2024-04-01")),
            (None, Some("")),
        ] {
            match updated_window(since, until, now) {
                Err(Error::Config(m)) => assert!(m.contains("updated_"), "{m}"),
                other => panic!("{since:?} {until:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_window_replaces_a_given_filter() {
        let q = vec![
            ("filters[updated_at]".to_string(), "x".to_string()),
            ("per_page".to_string(), "10".to_string()),
        ];
        assert_eq!(with_window(&q, None), q);
        assert_eq!(
            with_window(&q, Some("a...b".into())),
            vec![
                ("per_page".to_string(), "10".to_string()),
                ("filters[updated_at]".to_string(), "a...b".to_string()),
            ]
        );
    }
}
