//! Cross-project pulls: one list operation walked over many projects at once, under the
//! client's one concurrency limit (every request holds a permit of `max_concurrency`) and its
//! rate-limit pacing. The records come back in project then page order, each carrying its
//! `project_id`; a project that fails is recorded against that project, the others' records
//! stay.

use futures::StreamExt;
use serde_json::value::RawValue;

use super::client::Client;
use super::error::{Error, Result};
use super::models::field;
use super::pagination::Page;

/// The placeholder of the project in a path template (`/rest/v1.0/projects/{project_id}/rfis`).
pub const PROJECT_PLACEHOLDER: &str = "{project_id}";

/// One project's share of a cross-project pull: its records (each with its `project_id`), or
/// the error that stopped its walk.
#[derive(Debug)]
pub struct ProjectRecords {
    pub project_id: i64,
    pub records: Result<Page>,
}

/// The path and query of one project's walk: the id replaces `{project_id}` in the path, or is
/// added to the query as `project_id` when the path has no placeholder (Procore's
/// query-scoped operations, like `/rest/v1.1/punch_items?project_id=`).
pub fn project_request(
    path: &str,
    query: &[(String, String)],
    project_id: i64,
) -> (String, Vec<(String, String)>) {
    if path.contains(PROJECT_PLACEHOLDER) {
        return (
            path.replace(PROJECT_PLACEHOLDER, &project_id.to_string()),
            query.to_vec(),
        );
    }
    let mut q: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "project_id")
        .cloned()
        .collect();
    q.push(("project_id".into(), project_id.to_string()));
    (path.to_string(), q)
}

/// Checks the project ids of a pull before anything is sent: at least one, each positive,
/// none twice (its records would come back twice).
pub fn check_project_ids(ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Err(Error::Config(
            "project_ids must name at least one project".into(),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    for id in ids {
        if *id <= 0 {
            return Err(Error::Config(format!(
                "project_ids must be positive integers, not {id}"
            )));
        }
        if !seen.insert(*id) {
            return Err(Error::Config(format!(
                "project_ids names project {id} twice"
            )));
        }
    }
    Ok(())
}

/// The record with `"project_id": project_id` added at its end when it has no `project_id`
/// (its leading `id` stays first, for the models' fast reader), or set in place when the
/// server sent `null` there. A record that is not a JSON object, or already names a project,
/// is kept as it is.
pub fn with_project_id(raw: Box<RawValue>, project_id: i64) -> Box<RawValue> {
    let text = raw.get().trim_end();
    if !text.ends_with('}') || !raw.get().trim_start().starts_with('{') {
        return raw;
    }
    match field(&raw, "project_id") {
        None => {}
        Some(serde_json::Value::Null) => {
            // Rare: rewritten through a map (key order is kept).
            let Ok(mut map) =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.get())
            else {
                return raw;
            };
            map.insert("project_id".into(), project_id.into());
            return serde_json::value::to_raw_value(&map).unwrap_or(raw);
        }
        Some(_) => return raw,
    }
    let body = &text[..text.len() - 1];
    let empty = body.trim_start().trim_start_matches('{').trim().is_empty();
    let sep = if empty { "" } else { "," };
    RawValue::from_string(format!("{body}{sep}\"project_id\":{project_id}}}")).unwrap_or(raw)
}

impl Client {
    /// Walks a list operation over every project of `project_ids` (see [`project_request`]),
    /// the projects' pages concurrently under the client's one concurrency limit, each walk
    /// drift-proof as [`Client::walk_pages`]. The result keeps the order of `project_ids`.
    pub async fn walk_projects(
        &self,
        path: &str,
        project_ids: &[i64],
        query: &[(String, String)],
        company_id: Option<i64>,
    ) -> Result<Vec<ProjectRecords>> {
        check_project_ids(project_ids)?;
        for id in project_ids {
            self.api_url(&project_request(path, query, *id).0)?;
        }
        Ok(self
            .walk_each(project_ids, |id| async move {
                let (path, query) = project_request(path, query, id);
                self.paginate(&path, &query, company_id).await
            })
            .await)
    }

    /// The walk of [`Client::walk_projects`] with the pull of one project given by `pull`
    /// (requests built by the caller, each pull drift-proof as the client's own): at most
    /// `max_concurrency` projects in flight, their requests under the one concurrency limit
    /// and pacing; the result keeps the order of `project_ids`, each record with its
    /// `project_id`.
    pub async fn walk_each<F, Fut>(&self, project_ids: &[i64], pull: F) -> Vec<ProjectRecords>
    where
        F: Fn(i64) -> Fut,
        Fut: std::future::Future<Output = Result<Page>>,
    {
        let pull = &pull;
        futures::stream::iter(project_ids.iter().copied())
            .map(|id| async move {
                let records = pull(id).await.map(|page| {
                    page.into_iter()
                        .map(|r| with_project_id(r, id))
                        .collect::<Page>()
                });
                ProjectRecords {
                    project_id: id,
                    records,
                }
            })
            .buffered(self.inner.cfg.max_concurrency)
            .collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn requests_put_the_project_in_the_path_or_the_query() {
        let q = vec![("per_page".to_string(), "50".to_string())];
        let (p, q2) = project_request("/rest/v1.0/projects/{project_id}/rfis", &q, 7);
        assert_eq!(p, "/rest/v1.0/projects/7/rfis");
        assert_eq!(q2, q);
        let q = vec![("project_id".to_string(), "1".to_string())];
        let (p, q2) = project_request("/rest/v1.1/punch_items", &q, 9);
        assert_eq!(p, "/rest/v1.1/punch_items");
        assert_eq!(q2, vec![("project_id".to_string(), "9".to_string())]);
    }

    #[test]
    fn project_ids_are_checked() {
        assert!(check_project_ids(&[1, 2, 3]).is_ok());
        for bad in [&[][..], &[1, 0][..], &[-4][..], &[5, 6, 5][..]] {
            assert!(
                matches!(check_project_ids(bad), Err(Error::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn records_carry_their_project() {
        assert_eq!(
            with_project_id(raw(r#"{"id":1,"a":2}"#), 9).get(),
            r#"{"id":1,"a":2,"project_id":9}"#
        );
        assert_eq!(
            with_project_id(raw(r#"{ }"#), 9).get(),
            r#"{ "project_id":9}"#
        );
        assert_eq!(
            with_project_id(raw(r#"{"id":1,"project_id":4}"#), 9).get(),
            r#"{"id":1,"project_id":4}"#
        );
        // A null one is set in place; not an object: kept.
        assert_eq!(
            with_project_id(raw(r#"{"id":1,"project_id":null,"b":2}"#), 9).get(),
            r#"{"id":1,"project_id":9,"b":2}"#
        );
        assert_eq!(with_project_id(raw("[1]"), 9).get(), "[1]");
    }
}
