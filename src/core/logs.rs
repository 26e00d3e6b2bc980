//! What the core logs, and under which names. Records go through the `log` crate; the Python
//! layer hands them to Python's `logging` under the same names.
//!
//! Nothing secret is ever logged: no token, client secret or authorization code, no request or
//! response body, and of a query only the parameters listed in [`SHOWN_PARAMS`] keep their
//! values (the others may hold anything a caller passed).

use url::Url;

/// One line per HTTP request (DEBUG), retries and rate-limit waits (INFO).
pub const HTTP: &str = "procore.http";
/// Token grants and renewals (INFO).
pub const OAUTH: &str = "procore.oauth";
/// Every name the core logs under (the Python logger names), parents first.
pub const LOG_TARGETS: [&str; 3] = ["procore", HTTP, OAUTH];

/// Query parameters whose values are shown in a logged path: paging and ids, never data.
pub const SHOWN_PARAMS: [&str; 4] = ["page", "per_page", "company_id", "project_id"];

/// Stands for a query value that is not shown.
pub const HIDDEN: &str = "***";

/// The path of a request as logged: the URL's path, then its query (the URL's own, then
/// `query`) with the values of parameters other than [`SHOWN_PARAMS`] replaced by [`HIDDEN`].
pub fn shown_path(url: &Url, query: &[(String, String)]) -> String {
    let mut out = url.path().to_string();
    let pairs = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .chain(query.iter().cloned());
    let mut sep = '?';
    for (k, v) in pairs {
        out.push(sep);
        sep = '&';
        out.push_str(&k);
        out.push('=');
        if SHOWN_PARAMS.contains(&k.as_str()) && v.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&v);
        } else {
            out.push_str(HIDDEN);
        }
    }
    out
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
    fn paging_and_ids_are_shown_other_values_hidden() {
        let url = Url::parse("https://api.example.com/rest/v1.0/projects").unwrap();
        let query = q(&[
            ("company_id", "8"),
            ("filters[name]", "Tower secret plan"),
            ("page", "2"),
            ("per_page", "100"),
        ]);
        assert_eq!(
            shown_path(&url, &query),
            "/rest/v1.0/projects?company_id=8&filters[name]=***&page=2&per_page=100"
        );
    }

    #[test]
    fn the_urls_own_query_is_filtered_too() {
        // A `Link` next URL carries its query in the URL itself.
        let url =
            Url::parse("https://api.example.com/rest/v1.0/companies?page=3&access_token=abcdefgh")
                .unwrap();
        assert_eq!(
            shown_path(&url, &[]),
            "/rest/v1.0/companies?page=3&access_token=***"
        );
    }

    #[test]
    fn a_shown_name_with_a_value_that_is_not_a_number_is_hidden() {
        let url = Url::parse("https://api.example.com/rest/v1.0/projects").unwrap();
        assert_eq!(
            shown_path(&url, &q(&[("company_id", "my-password")])),
            "/rest/v1.0/projects?company_id=***"
        );
    }

    #[test]
    fn no_query_no_question_mark() {
        let url = Url::parse("https://api.example.com/rest/v1.0/me").unwrap();
        assert_eq!(shown_path(&url, &[]), "/rest/v1.0/me");
    }
}
