//! `GET /rest/v1.0/me`: the user the token belongs to.

use reqwest::Method;
use serde_json::Value;

use crate::core::client::Client;
use crate::core::error::Result;
use crate::core::models::Me;

pub const ME_PATH: &str = "/rest/v1.0/me";

impl Client {
    /// `GET /rest/v1.0/me`.
    pub async fn me(&self) -> Result<Me> {
        let v = self.request(Method::GET, ME_PATH, &[], None, None).await?;
        Me::from_value(v.unwrap_or(Value::Null))
    }
}
