//! Projects: the list of a company's projects and one project, `/rest/v1.0/projects`.

use reqwest::Method;
use serde_json::Value;

use crate::core::client::Client;
use crate::core::error::{Error, Result};
use crate::core::models::Project;

pub const PROJECTS_PATH: &str = "/rest/v1.0/projects";

/// The request of a project list: its path, its query (`company_id` first, then the filters)
/// and the company it is sent for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectsRequest {
    pub path: &'static str,
    pub query: Vec<(String, String)>,
    pub company_id: i64,
}

impl Client {
    /// The company of a call: the one given, else the client's default.
    fn company_or_default(&self, company_id: Option<i64>, what: &str) -> Result<i64> {
        company_id.or(self.inner.cfg.company_id).ok_or_else(|| {
            Error::Config(format!(
                "{what} needs a company_id: pass company_id=… or set it on the client"
            ))
        })
    }

    /// The request of the project list (`filters` become query parameters).
    pub fn projects_request(
        &self,
        company_id: Option<i64>,
        filters: &[(String, String)],
    ) -> Result<ProjectsRequest> {
        let company = self.company_or_default(company_id, "projects.list()")?;
        let mut query = vec![("company_id".to_string(), company.to_string())];
        query.extend(filters.iter().filter(|(k, _)| k != "company_id").cloned());
        Ok(ProjectsRequest {
            path: PROJECTS_PATH,
            query,
            company_id: company,
        })
    }

    /// Every project of a company.
    pub async fn projects(
        &self,
        company_id: Option<i64>,
        filters: &[(String, String)],
    ) -> Result<Vec<Project>> {
        let r = self.projects_request(company_id, filters)?;
        self.paginate(r.path, &r.query, Some(r.company_id))
            .await?
            .into_iter()
            .map(Project::from_raw)
            .collect()
    }

    /// One project.
    pub async fn project(&self, project_id: i64, company_id: Option<i64>) -> Result<Project> {
        if project_id <= 0 {
            return Err(Error::Config(format!(
                "project_id must be a positive integer, not {project_id}"
            )));
        }
        let company = self.company_or_default(company_id, "projects.get()")?;
        let q = [("company_id".to_string(), company.to_string())];
        let v = self
            .request(
                Method::GET,
                &format!("{PROJECTS_PATH}/{project_id}"),
                &q,
                None,
                Some(company),
            )
            .await?;
        Project::from_value(v.unwrap_or(Value::Null))
    }
}
