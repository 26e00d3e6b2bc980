//! Typed views over Procore's JSON records.
//!
//! A model keeps its record as the server sent it: the raw JSON text, validated when the page
//! was decoded, plus its `id`. Fields are decoded when they are read, by a scan of the record
//! that allocates nothing but the value asked for. A pull of 20,000 projects therefore holds
//! about 600 bytes a record instead of a tree of maps, and pays for the fields it reads.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::{Error, Result};

/// Decodes one page: a JSON list of records, or v2's `{"data": [...]}` envelope. The records
/// stay raw (validated JSON text).
pub fn decode_page(body: &[u8]) -> Result<Vec<Box<RawValue>>> {
    #[derive(Deserialize)]
    struct Envelope {
        data: Vec<Box<RawValue>>,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    match serde_json::from_slice::<Vec<Box<RawValue>>>(body) {
        Ok(items) => Ok(items),
        Err(list_err) => match serde_json::from_slice::<Envelope>(body) {
            Ok(env) => Ok(env.data),
            Err(_) => Err(Error::Decode(format!(
                "pagination: expected a JSON list (or {{\"data\": [...]}}): {list_err}"
            ))),
        },
    }
}

/// The value of one top-level field of a JSON object, `None` when absent. The scan is
/// [`super::records::field_raw`]'s: other fields are skipped without being decoded.
pub fn field(raw: &RawValue, key: &str) -> Option<Value> {
    let text = super::records::field_raw(raw.get(), key)?;
    serde_json::from_str(text.get()).ok()
}

/// The `id` of a record that starts with it as a plain integer, `{"id":123,...`, read
/// without a parse: the record is validated JSON text, so nothing else can be meant. `None`
/// for any other shape (a sign, a fraction, another first key, a number beyond `i64`),
/// which [`field`] then decodes. A repeated `"id"` key counts from its first place, as there.
pub(crate) fn leading_id(text: &str) -> Option<i64> {
    let json_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let rest = text
        .trim_start_matches(json_ws)
        .strip_prefix('{')?
        .trim_start_matches(json_ws)
        .strip_prefix("\"id\"")?
        .trim_start_matches(json_ws)
        .strip_prefix(':')?
        .trim_start_matches(json_ws);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = rest[digits..].trim_start_matches(json_ws);
    if digits == 0 || !(after.starts_with(',') || after.starts_with('}')) {
        return None;
    }
    rest[..digits].parse().ok()
}

/// Parses a whole record into a map (order kept).
pub fn record_map(raw: &RawValue) -> Map<String, Value> {
    serde_json::from_str(raw.get()).unwrap_or_default()
}

macro_rules! model {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $kind:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            raw: Box<RawValue>,
            id: i64,
        }

        impl $name {
            /// Field names documented by Procore, in their order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Takes one raw record: a JSON object whose `id` is an integer.
            pub fn from_raw(raw: Box<RawValue>) -> Result<Self> {
                if !raw.get().trim_start().starts_with('{') {
                    return Err(Error::Decode(format!(
                        "{}: expected a JSON object", stringify!($name)
                    )));
                }
                let id = leading_id(raw.get())
                    .or_else(|| field(&raw, "id").as_ref().and_then(Value::as_i64));
                match id {
                    Some(id) => Ok($name { raw, id }),
                    None => Err(Error::Decode(format!(
                        "{}: expected an integer \"id\"", stringify!($name)
                    ))),
                }
            }

            /// Takes a decoded JSON object.
            pub fn from_value(value: Value) -> Result<Self> {
                if !value.is_object() {
                    return Err(Error::Decode(format!(
                        "{}: expected a JSON object", stringify!($name)
                    )));
                }
                let raw = serde_json::value::to_raw_value(&value)
                    .map_err(|e| Error::Decode(e.to_string()))?;
                Self::from_raw(raw)
            }

            pub fn id(&self) -> i64 {
                self.id
            }

            /// The record as the server sent it.
            pub fn raw_json(&self) -> &str {
                self.raw.get()
            }

            /// The record as the server sent it, as raw JSON.
            pub fn raw(&self) -> &RawValue {
                &self.raw
            }

            /// One field as the server sent it (raw JSON text); `None` when it did not.
            pub fn get_raw(&self, key: &str) -> Option<&RawValue> {
                super::records::field_raw(self.raw.get(), key)
            }

            /// One field, decoded; `None` when the server did not send it.
            pub fn get(&self, key: &str) -> Option<Value> {
                field(&self.raw, key)
            }

            /// Every field the server sent, in its order.
            pub fn to_map(&self) -> Map<String, Value> {
                record_map(&self.raw)
            }

            $(
                pub fn $field(&self) -> model!(@ty $kind) {
                    model!(@get $kind, self.get(stringify!($field)))
                }
            )*
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
                    && (self.raw.get() == other.raw.get() || self.to_map() == other.to_map())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("id", &self.id).finish_non_exhaustive()
            }
        }
    };
    (@ty str) => { Option<String> };
    (@ty i64) => { Option<i64> };
    (@ty f64) => { Option<f64> };
    (@ty bool) => { Option<bool> };
    (@ty value) => { Option<Value> };
    (@get str, $v:expr) => { $v.and_then(|v| match v { Value::String(s) => Some(s), _ => None }) };
    (@get i64, $v:expr) => { $v.as_ref().and_then(Value::as_i64) };
    (@get f64, $v:expr) => { $v.as_ref().and_then(Value::as_f64) };
    (@get bool, $v:expr) => { $v.as_ref().and_then(Value::as_bool) };
    (@get value, $v:expr) => { $v.filter(|v| !v.is_null()) };
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
    /// The project's company (`{id, name}`): `None` when the record has no `company` field,
    /// an error when the field is not a company record (`null`, not an object, no integer
    /// `id`). Procore sends it with every project.
    pub fn company_record(&self) -> Result<Option<Company>> {
        // From the raw text: the company's own fields stay exactly as sent.
        match self.get_raw("company") {
            None => Ok(None),
            Some(raw) => Company::from_raw(raw.to_owned()).map(Some).map_err(|e| {
                Error::Decode(format!(
                    "project {}: \"company\" is not a company record ({e})",
                    self.id
                ))
            }),
        }
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
        assert_eq!(p.stage().as_deref(), Some("Course of Construction"));
        assert_eq!(p.latitude(), Some(34.385045633646));
        assert_eq!(p.project_number(), None);
        assert_eq!(p.active(), Some(true));
        let c = p.company_record().unwrap().unwrap();
        assert_eq!(c.id(), 4_000_000_000_001);
        assert_eq!(c.name().as_deref(), Some("My Construction Company"));
        assert_eq!(p.get("custom_field"), Some(json!({"x": 1})));
        let escaped =
            RawValue::from_string(r#"{"id": 1, "na\u006de2": "escaped key"}"#.into()).unwrap();
        assert_eq!(
            Project::from_raw(escaped).unwrap().get("name2"),
            Some(json!("escaped key"))
        );
        assert_eq!(p.get("absent"), None);
        assert_eq!(Value::Object(p.to_map()), project());
    }

    #[test]
    fn company_of_a_project_is_a_company_or_absent() {
        let without = Project::from_value(json!({"id": 7, "name": "x"})).unwrap();
        assert!(without.company_record().unwrap().is_none());
        for bad in [
            json!(null),
            json!("Acme"),
            json!({"name": "Acme"}),
            json!({"id": "4"}),
        ] {
            let p = Project::from_value(json!({"id": 7, "company": bad})).unwrap();
            let e = p.company_record().unwrap_err();
            assert!(matches!(e, Error::Decode(_)), "{e:?}");
            assert!(e.to_string().starts_with("project 7: \"company\""), "{e}");
        }
    }

    #[test]
    fn records_need_an_integer_id() {
        assert!(Me::from_value(json!({"id": "12", "login": "x"})).is_err());
        assert!(Me::from_value(json!([1])).is_err());
        assert!(Me::from_value(json!({"login": "x"})).is_err());
        let raw = RawValue::from_string("[{\"id\": 1}]".into()).unwrap();
        assert!(Me::from_raw(raw).is_err());
        let me = Me::from_value(
            json!({"id": 1234567, "login": "joe.builder@acme.com", "name": "Joe Builder"}),
        )
        .unwrap();
        assert_eq!(me.login().as_deref(), Some("joe.builder@acme.com"));
    }

    #[test]
    fn the_quick_id_agrees_with_the_full_scan() {
        let records = [
            r#"{"id":5000000000001,"name":"x"}"#,
            r#"{"id":7}"#,
            r#" { "id" : 42 , "name": "spaced"}"#,
            "{\n\t\"id\":\r\n9\n}",
            r#"{"id":0,"a":1}"#,
            r#"{"id":9223372036854775807,"a":1}"#,
            r#"{"id":9223372036854775808,"a":1}"#,
            r#"{"id":-5,"a":1}"#,
            r#"{"id":-0,"a":1}"#,
            r#"{"id":1.0,"a":1}"#,
            r#"{"id":1e3,"a":1}"#,
            r#"{"id":"12","a":1}"#,
            r#"{"id":null}"#,
            r#"{"id":1,"id":2}"#,
            r#"{"idx":1,"id":2}"#,
            r#"{"\u0069d":3}"#,
            r#"{"name":"x","id":11}"#,
            r#"{"name":"x"}"#,
            r#"{}"#,
        ];
        for text in records {
            let raw = RawValue::from_string(text.into()).unwrap();
            let full = field(&raw, "id").as_ref().and_then(Value::as_i64);
            let got = Project::from_raw(raw).ok().map(|p| p.id());
            assert_eq!(got, full, "{text}");
            if let Some(quick) = leading_id(text) {
                assert_eq!(Some(quick), full, "{text}");
            }
        }
        assert_eq!(
            leading_id(r#"{"id":5000000000001,"name":"x"}"#),
            Some(5_000_000_000_001)
        );
        assert_eq!(leading_id(r#"{"name":"x","id":11}"#), None);
    }

    #[test]
    fn pages_decode_lists_and_envelopes() {
        let list = decode_page(br#"[{"id": 1, "a": [1, {"b": 2}]}, {"id": 2}]"#).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            Project::from_raw(list[0].clone()).unwrap().get("a"),
            Some(json!([1, {"b": 2}]))
        );
        let env = decode_page(br#"{"data": [{"id": 3}], "meta": {}}"#).unwrap();
        assert_eq!(Company::from_raw(env[0].clone()).unwrap().id(), 3);
        assert!(decode_page(b"").unwrap().is_empty());
        assert!(decode_page(br#"{"message": "no"}"#).is_err());
        assert!(decode_page(b"[{\"id\": 1}").is_err());
    }

    #[test]
    fn equality_is_by_content() {
        let a = Project::from_value(project()).unwrap();
        let spaced = serde_json::to_string_pretty(&project()).unwrap();
        let b = Project::from_raw(RawValue::from_string(spaced).unwrap()).unwrap();
        assert_eq!(a, b);
        let mut other = project();
        other["name"] = json!("Other");
        assert_ne!(a, Project::from_value(other).unwrap());
    }
}
