//! Procore pagination: `page` (from 1) and `per_page` in the query; `Total`, `Per-Page` and
//! `Link` (RFC 8288) in the response.

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
    fn page_count_rounds_up() {
        assert_eq!(page_count(0, 100), 1);
        assert_eq!(page_count(100, 100), 1);
        assert_eq!(page_count(101, 100), 2);
        assert_eq!(page_count(20_000, 100), 200);
        assert_eq!(page_count(5, 0), 1);
    }
}
