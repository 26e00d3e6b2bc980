//! Typed views over Procore's JSON records. Each model keeps the object exactly as the server
//! sent it (unknown fields included, in order) and reads typed fields from it on demand.

use serde_json::{Map, Value};

use super::error::{Error, Result};

macro_rules! model {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $kind:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(Map<String, Value>);

        impl $name {
            /// Field names documented by Procore, in their order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Takes a JSON object; its `id` must be an integer.
            pub fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::Object(map) => {
                        if !map.get("id").is_some_and(|v| v.is_i64() || v.is_u64()) {
                            return Err(Error::Decode(format!(
                                "{}: expected an integer \"id\"", stringify!($name)
                            )));
                        }
                        Ok($name(map))
                    }
                    other => Err(Error::Decode(format!(
                        "{}: expected a JSON object, got {}", stringify!($name), kind_of(&other)
                    ))),
                }
            }

            /// Every field the server sent.
            pub fn raw(&self) -> &Map<String, Value> {
                &self.0
            }

            pub fn into_raw(self) -> Map<String, Value> {
                self.0
            }

            pub fn id(&self) -> i64 {
                self.0.get("id").and_then(Value::as_i64).unwrap_or_default()
            }

            $(
                pub fn $field(&self) -> model!(@ty $kind) {
                    model!(@get $kind, self.0.get(stringify!($field)))
                }
            )*
        }
    };
    (@ty str) => { Option<&str> };
    (@ty i64) => { Option<i64> };
    (@ty f64) => { Option<f64> };
    (@ty bool) => { Option<bool> };
    (@ty value) => { Option<&Value> };
    (@get str, $v:expr) => { $v.and_then(Value::as_str) };
    (@get i64, $v:expr) => { $v.and_then(Value::as_i64) };
    (@get f64, $v:expr) => { $v.and_then(Value::as_f64) };
    (@get bool, $v:expr) => { $v.and_then(Value::as_bool) };
    (@get value, $v:expr) => { $v.filter(|v| !v.is_null()) };
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

model! {
    /// `GET /rest/v1.0/me`: the user the token belongs to.
    Me { login: str, name: str }
}

model! {
    /// A company (`GET /rest/v1.0/companies`).
    Company { name: str, is_active: bool, logo_url: str }
}

model! {
    /// A project (`GET /rest/v1.0/projects`), with every field of Procore's example.
    Project {
        name: str, display_name: str, project_number: str, address: str, city: str,
        state_code: str, country_code: str, zip: str, county: str, latitude: f64,
        longitude: f64, stage: str, phone: str, created_at: str, updated_at: str,
        active: bool, origin_id: str, origin_data: str, company: value,
    }
}

impl Project {
    /// The project's company (`{id, name}`), when the server sent one.
    pub fn company_record(&self) -> Option<Company> {
        self.company()
            .cloned()
            .and_then(|v| Company::from_value(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project() -> Value {
        json!({
            "id": 9_000_000_000_123i64, "name": "Demo Project", "display_name": "Demo Project",
            "project_number": null, "address": "9999 First Street", "city": "Anytown",
            "state_code": "CA", "country_code": "US", "zip": "93013", "county": null,
            "latitude": 34.385045633646, "longitude": -119.490841957738,
            "stage": "Course of Construction", "phone": "", "created_at": "2016-08-22T20:18:55Z",
            "updated_at": "2017-12-18T22:49:07Z", "active": true, "origin_id": null,
            "origin_data": null, "company": {"id": 4_000_000_000_001i64, "name": "My Construction Company"},
            "custom_field": {"x": 1}
        })
    }

    #[test]
    fn typed_fields_and_unknown_fields() {
        let p = Project::from_value(project()).unwrap();
        assert_eq!(p.id(), 9_000_000_000_123);
        assert_eq!(p.stage(), Some("Course of Construction"));
        assert_eq!(p.latitude(), Some(34.385045633646));
        assert_eq!(p.project_number(), None);
        assert_eq!(p.active(), Some(true));
        let c = p.company_record().unwrap();
        assert_eq!(c.id(), 4_000_000_000_001);
        assert_eq!(c.name(), Some("My Construction Company"));
        assert_eq!(p.raw().get("custom_field"), Some(&json!({"x": 1})));
        assert_eq!(Value::Object(p.into_raw()), project());
    }

    #[test]
    fn records_need_an_integer_id() {
        assert!(Me::from_value(json!({"id": "12", "login": "x"})).is_err());
        assert!(Me::from_value(json!([1])).is_err());
        assert!(Me::from_value(json!({"login": "x"})).is_err());
        let me = Me::from_value(
            json!({"id": 1234567, "login": "joe.builder@acme.com", "name": "Joe Builder"}),
        )
        .unwrap();
        assert_eq!(me.login(), Some("joe.builder@acme.com"));
    }
}
