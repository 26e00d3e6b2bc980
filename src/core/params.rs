//! Query parameters: a caller's mapping flattened into the pairs Procore (Rails) reads.

use serde_json::Value;

use super::error::{Error, Result};

/// Flattens query parameters the way Procore (Rails) reads them: `None` is dropped, booleans
/// are `true`/`false`, a list `k=[a, b]` is `k[]=a&k[]=b`, a mapping `filters={"x": 1}` is
/// `filters[x]=1` (nested to any depth).
pub fn flatten_params(params: &Value) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    match params {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                flatten_into(k.clone(), v, &mut out)?;
            }
        }
        _ => {
            return Err(Error::Config(
                "params must be a mapping of names to values".into(),
            ))
        }
    }
    Ok(out)
}

fn flatten_into(key: String, value: &Value, out: &mut Vec<(String, String)>) -> Result<()> {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((key, b.to_string())),
        Value::Number(n) => out.push((key, n.to_string())),
        Value::String(s) => out.push((key, s.clone())),
        Value::Array(items) => {
            for item in items {
                if item.is_array() || item.is_object() {
                    return Err(Error::Config(format!(
                        "params: {key} holds a nested list or mapping inside a list"
                    )));
                }
                flatten_into(format!("{key}[]"), item, out)?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten_into(format!("{key}[{k}]"), v, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rails_style() {
        let p = flatten_params(&json!({
            "company_id": 4000000000001i64, "active": true, "skip": null,
            "filters": {"by_status": "Active", "ids": [1, 2]}, "sort": "name"
        }))
        .unwrap();
        assert_eq!(
            p,
            vec![
                ("company_id".into(), "4000000000001".into()),
                ("active".into(), "true".into()),
                ("filters[by_status]".into(), "Active".into()),
                ("filters[ids][]".into(), "1".into()),
                ("filters[ids][]".into(), "2".into()),
                ("sort".into(), "name".into()),
            ]
        );
    }

    #[test]
    fn non_mapping_is_refused() {
        assert!(flatten_params(&json!([1, 2])).is_err());
        assert!(flatten_params(&json!({"a": [[1]]})).is_err());
        assert!(flatten_params(&Value::Null).unwrap().is_empty());
    }
}
