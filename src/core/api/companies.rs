//! Companies: `GET /rest/v1.0/companies`, every company the user can see.

use crate::core::client::Client;
use crate::core::error::Result;
use crate::core::models::Company;

pub const COMPANIES_PATH: &str = "/rest/v1.0/companies";

impl Client {
    /// Every company the user can see.
    pub async fn companies(&self) -> Result<Vec<Company>> {
        self.paginate(COMPANIES_PATH, &[], None)
            .await?
            .into_iter()
            .map(Company::from_raw)
            .collect()
    }
}
