//! Typed records: the declarations of Procore's response types and what reads them.
//!
//! The table itself is generated (`catalog::types::TYPES`, by `scripts/gen_types.py` from
//! `spec/responses.json`): every response type with its Python class name and its fields,
//! each with a [`Kind`]. Readers (the Python models, the mock's record generator, a columnar
//! decoder) walk it; nothing here allocates per type.
//!
//! Values are read from a record's JSON text as sent: [`field_raw`] finds one top-level field
//! without decoding the others, and [`parse_datetime`] / [`parse_date`] read ISO 8601.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

pub use super::catalog::types::{CLASSES, TYPES};
use super::catalog::types::{ENUMS, ENUM_VALUES, FIELDS, KINDS, ONE_OF, STRINGS};

/// A string of the table: `(offset, length)` in one text (plain numbers, so the table needs
/// no relocation when the extension is loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text(pub u32, pub u32);

impl Text {
    pub fn get(self) -> &'static str {
        let start = self.0 as usize;
        STRINGS.get(start..start + self.1 as usize).unwrap_or("")
    }
}

/// What a field holds, as declared. Every field may also be absent or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON integer (64-bit).
    Int,
    /// A JSON number.
    Float,
    Str,
    Bool,
    /// An ISO 8601 date, `2024-05-01`.
    Date,
    /// An ISO 8601 date-time with a zone, `2024-05-01T12:30:00Z`.
    DateTime,
    /// Anything (undeclared JSON).
    Any,
    /// Binary content (sent as a string).
    Bytes,
    /// A string, one of the values [`Kind::enum_values`] gives (`ENUMS[i]`).
    Enum(u16),
    /// A JSON array of values of the kind `KINDS[i]` ([`Kind::element`]).
    List(u16),
    /// A JSON object with free keys and values of the kind `KINDS[i]` ([`Kind::element`]).
    Dict(u16),
    /// A nested record: `TYPES[i]`.
    Ref(u16),
}

impl Kind {
    /// The kind of a list's items or a dict's values.
    pub fn element(self) -> Option<Kind> {
        match self {
            Kind::List(i) | Kind::Dict(i) => KINDS.get(i as usize).copied(),
            _ => None,
        }
    }

    /// The values of an enum (empty for any other kind).
    pub fn enum_values(self) -> impl ExactSizeIterator<Item = &'static str> + Clone {
        let values: &'static [Text] = match self {
            Kind::Enum(i) => ENUMS
                .get(i as usize)
                .and_then(|&(start, n)| {
                    ENUM_VALUES.get(start as usize..start as usize + n as usize)
                })
                .unwrap_or(&[]),
            _ => &[],
        };
        values.iter().map(|t| t.get())
    }

    /// The nested type, through lists and dicts: `List(Ref(3))` gives 3.
    pub fn type_ref(self) -> Option<u16> {
        match self {
            Kind::Ref(i) => Some(i),
            Kind::List(_) | Kind::Dict(_) => self.element()?.type_ref(),
            _ => None,
        }
    }

    /// `int`, `str`, `datetime`, `list[RfiQuestion]`, `enum[open, closed]`, ...
    pub fn describe(self) -> String {
        match self {
            Kind::Int => "int".into(),
            Kind::Float => "float".into(),
            Kind::Str => "str".into(),
            Kind::Bool => "bool".into(),
            Kind::Date => "date".into(),
            Kind::DateTime => "datetime".into(),
            Kind::Any => "any".into(),
            Kind::Bytes => "bytes".into(),
            Kind::Enum(_) => format!(
                "enum[{}]",
                self.enum_values().collect::<Vec<_>>().join(", ")
            ),
            Kind::List(_) => format!(
                "list[{}]",
                self.element().map_or("any".into(), Kind::describe)
            ),
            Kind::Dict(_) => format!(
                "dict[str, {}]",
                self.element().map_or("any".into(), Kind::describe)
            ),
            Kind::Ref(t) => TYPES
                .get(t as usize)
                .map_or("record".into(), |t| t.class_name().to_string()),
        }
    }
}

/// One declared field of a type.
#[derive(Debug)]
pub struct Field {
    pub(crate) name: Text,
    pub(crate) attr: Text,
    pub kind: Kind,
    pub(crate) doc: Text,
}

impl Field {
    /// The JSON key.
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// The Python attribute: the key, with `_` appended to a keyword (`global_`); empty when
    /// the key is no identifier (`custom_field_%{id}`), which is then read with `record[key]`.
    pub fn attr(&self) -> &'static str {
        self.attr.get()
    }

    /// Procore's description (one line).
    pub fn doc(&self) -> &'static str {
        self.doc.get()
    }
}

/// One response type.
#[derive(Debug)]
pub struct TypeDef {
    pub(crate) name: Text,
    pub(crate) class_name: Text,
    /// `(start, count)` in `FIELDS`.
    pub(crate) fields: (u32, u16),
    /// `(start, count)` in `ONE_OF`.
    pub(crate) one_of: (u32, u16),
    /// The source allows keys beyond the declared ones.
    pub open: bool,
}

impl TypeDef {
    /// The name in the source (`RestV10ProjectsProjectIdRfisGet200ResponseInner`).
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// The Python class, `procore.models.<class_name>` (`Rfi`).
    pub fn class_name(&self) -> &'static str {
        self.class_name.get()
    }

    /// The declared fields, sorted by JSON name.
    pub fn fields(&self) -> &'static [Field] {
        let (start, n) = (self.fields.0 as usize, self.fields.1 as usize);
        FIELDS.get(start..start + n).unwrap_or(&[])
    }

    /// For `oneOf`/`anyOf` wrappers (no fields of their own): the member types.
    pub fn one_of(&self) -> &'static [u16] {
        let (start, n) = (self.one_of.0 as usize, self.one_of.1 as usize);
        ONE_OF.get(start..start + n).unwrap_or(&[])
    }

    /// The field with this JSON name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        let fields = self.fields();
        fields
            .binary_search_by(|f| f.name().cmp(name))
            .ok()
            .map(|i| &fields[i])
    }

    /// Position of this type in [`TYPES`].
    pub fn index(&'static self) -> u16 {
        let base = TYPES.as_ptr() as usize;
        ((self as *const TypeDef as usize - base) / std::mem::size_of::<TypeDef>()) as u16
    }
}

/// The type with this Python class name, else the one with this source name. (One class
/// name is another type's source name: `TimecardEntry` is the class of the timecard entries
/// list and the source name of the type whose class is `TimecardEntry4`; no operation's
/// response type is such a source name, which the generator checks.)
pub fn lookup(name: &str) -> Option<&'static TypeDef> {
    type_by_class(name).or_else(|| type_by_name(name))
}

/// The type with this source name.
pub fn type_by_name(name: &str) -> Option<&'static TypeDef> {
    TYPES
        .binary_search_by(|t| t.name().cmp(name))
        .ok()
        .map(|i| &TYPES[i])
}

/// The type with this Python class name.
pub fn type_by_class(class_name: &str) -> Option<&'static TypeDef> {
    CLASSES
        .binary_search_by(|&i| TYPES[i as usize].class_name().cmp(class_name))
        .ok()
        .map(|i| &TYPES[CLASSES[i] as usize])
}

// ----------------------------------------------------------------------------- fields

/// The JSON text of one top-level field of a record, `None` when the record has no such key
/// (or is not an object). The scan stops at the key: other fields are skipped, not decoded,
/// and those after it are not read at all. A repeated key: the first.
///
/// Records are validated JSON text (a page is validated once, when it is split into
/// records), so the fields before the key are skipped by their structure alone (strings
/// found with `memchr`, brackets counted), several times faster than a parse; the value
/// found is then validated on its own. An escaped key, or text that is not what validated
/// JSON looks like, takes the full parse.
pub fn field_raw<'a>(record: &'a str, key: &str) -> Option<&'a RawValue> {
    match skim::field(record.as_bytes(), key.as_bytes()) {
        skim::Field::At(start, end) => record
            .get(start..end)
            .and_then(|v| serde_json::from_str::<&RawValue>(v).ok())
            .or_else(|| field_raw_parsed(record, key)),
        skim::Field::Absent => None,
        skim::Field::Unsure => field_raw_parsed(record, key),
    }
}

/// [`field_raw`] by a full parse of the record up to the key.
pub(crate) fn field_raw_parsed<'a>(record: &'a str, key: &str) -> Option<&'a RawValue> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(record);
    // Finding the key ends the scan with an error on purpose; `found` says what it was.
    let _ = de::Deserializer::deserialize_map(
        &mut de,
        FindRaw {
            key,
            found: &mut found,
        },
    );
    found
}

/// Skimming validated JSON: where a top-level field's value is, by the text's structure.
mod skim {
    pub enum Field {
        /// The value's bytes, `start..end`.
        At(usize, usize),
        /// The object has no such key.
        Absent,
        /// An escaped key, or not the shape of validated JSON: parse instead.
        Unsure,
    }

    fn ws(b: &[u8], mut i: usize) -> usize {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    }

    /// The index of the quote closing the string opened at `open`.
    fn string_end(b: &[u8], open: usize) -> Option<usize> {
        let mut i = open + 1;
        loop {
            let j = i + memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
            if b[j] == b'"' {
                return Some(j);
            }
            i = j + 2; // the escaped character
        }
    }

    /// The end (exclusive) of the value starting at `start`.
    fn value_end(b: &[u8], start: usize) -> Option<usize> {
        match *b.get(start)? {
            b'"' => string_end(b, start).map(|e| e + 1),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = start;
                while let Some(&c) = b.get(i) {
                    match c {
                        b'"' => i = string_end(b, i)?,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                None
            }
            _ => {
                let n = b[start..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(b.len() - start);
                (n > 0).then_some(start + n)
            }
        }
    }

    pub fn field(b: &[u8], key: &[u8]) -> Field {
        let mut i = ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return Field::Unsure;
        }
        i = ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return Field::Absent;
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return Field::Unsure;
            }
            let Some(end) = string_end(b, i) else {
                return Field::Unsure;
            };
            let name = &b[i + 1..end];
            if memchr::memchr(b'\\', name).is_some() {
                return Field::Unsure;
            }
            i = ws(b, end + 1);
            if b.get(i) != Some(&b':') {
                return Field::Unsure;
            }
            let start = ws(b, i + 1);
            let Some(stop) = value_end(b, start) else {
                return Field::Unsure;
            };
            if name == key {
                return Field::At(start, stop);
            }
            i = ws(b, stop);
            match b.get(i) {
                Some(b',') => i = ws(b, i + 1),
                Some(b'}') => return Field::Absent,
                _ => return Field::Unsure,
            }
        }
    }
}

struct FindRaw<'k, 'a> {
    key: &'k str,
    found: &'k mut Option<&'a RawValue>,
}

impl<'de: 'a, 'a> Visitor<'de> for FindRaw<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(hit) = map.next_key_seed(KeyIs(self.key))? {
            if hit {
                *self.found = Some(map.next_value::<&'de RawValue>()?);
                return Err(de::Error::custom("found"));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Compares a key with the one looked for; an escaped key is decoded first.
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// The elements of a JSON array, as text; `None` when `text` is not an array.
pub fn array_items(text: &str) -> Option<Vec<&RawValue>> {
    serde_json::from_str::<Vec<&RawValue>>(text).ok()
}

/// The entries of a JSON object in order (keys decoded), `None` when `text` is not an object.
pub fn object_entries(text: &str) -> Option<Vec<(String, &RawValue)>> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                out.push((k, map.next_value::<&'de RawValue>()?));
            }
            Ok(out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom("not an object"))
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut de, Entries).ok()
}

// ----------------------------------------------------------------------------- dates

/// A UTC date-time, to the microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcDateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
}

impl UtcDateTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    pub fn from_unix(secs: i64, micro: u32) -> UtcDateTime {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let s = secs.rem_euclid(86_400);
        UtcDateTime {
            year,
            month,
            day,
            hour: (s / 3600) as u8,
            minute: (s % 3600 / 60) as u8,
            second: (s % 60) as u8,
            micro,
        }
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |n, d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// `YYYY-MM-DD`, checked against the calendar.
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (y, m, d) = (y as i32, m as u8, d as u8);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || y == 0 {
        return None;
    }
    Some((y, m, d))
}

/// An ISO 8601 date-time (`2024-05-01T12:30:00Z`, `...T12:30:00.123+02:00`, `T`/space, with
/// or without seconds and fraction), as UTC. No zone means UTC. A date alone is not a
/// date-time (`None`); nor is anything out of the calendar.
pub fn parse_datetime(s: &str) -> Option<UtcDateTime> {
    let b = s.as_bytes();
    if b.len() < 16 || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    let (year, month, day) = parse_date(&s[..10])?;
    let rest = &b[11..];
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let hour = digits(&rest[0..2])?;
    let minute = digits(&rest[3..5])?;
    let mut i = 5;
    let mut second = 0;
    let mut micro = 0u32;
    if rest.get(i) == Some(&b':') {
        second = digits(rest.get(i + 1..i + 3)?)?;
        i += 3;
        if matches!(rest.get(i), Some(b'.') | Some(b',')) {
            i += 1;
            let start = i;
            while rest.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let frac = &rest[start..i];
            if frac.is_empty() {
                return None;
            }
            let mut us = 0u32;
            for k in 0..6 {
                us = us * 10 + frac.get(k).map_or(0, |d| u32::from(d - b'0'));
            }
            micro = us;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let zone = &rest[i..];
    let offset_secs: i64 = match zone {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let v = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let local = UtcDateTime {
        year,
        month,
        day,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        micro,
    };
    if offset_secs == 0 {
        return Some(local);
    }
    let utc = UtcDateTime::from_unix(local.unix() - offset_secs, micro);
    (1..=9999).contains(&utc.year).then_some(utc)
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_skimmed_past_strings_brackets_and_escapes() {
        let text = r#" { "a" : "x\"}{[" , "b":[1,{"id":2},"]"], "c\u0069d": 3, "id" : -4.5e1 , "id": 6 } "#;
        assert_eq!(field_raw(text, "id").map(RawValue::get), Some("-4.5e1"));
        assert_eq!(
            field_raw(text, "b").map(RawValue::get),
            Some(r#"[1,{"id":2},"]"]"#)
        );
        assert_eq!(field_raw(text, "a").map(RawValue::get), Some(r#""x\"}{[""#));
        // An escaped key is read by a parse, and matches.
        assert_eq!(field_raw(text, "cid").map(RawValue::get), Some("3"));
        assert!(field_raw(text, "nope").is_none());
        for bad in [
            "",
            "[1]",
            "{",
            "{\"a\"",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":\"\\",
            "7",
        ] {
            assert_eq!(
                field_raw(bad, "a").map(RawValue::get),
                field_raw_parsed(bad, "a").map(RawValue::get),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_reference_resolves_and_tables_are_sorted() {
        assert!(TYPES.len() > 1000);
        fn check(k: Kind) {
            match k {
                Kind::Ref(i) => assert!((i as usize) < TYPES.len()),
                Kind::List(_) | Kind::Dict(_) => check(k.element().expect("element kind")),
                Kind::Enum(_) => assert!(k.enum_values().len() > 0),
                _ => {}
            }
        }
        let mut fields = 0;
        for (i, t) in TYPES.iter().enumerate() {
            assert_eq!(t.index() as usize, i);
            assert!(!t.name().is_empty() && !t.class_name().is_empty());
            if i > 0 {
                assert!(TYPES[i - 1].name() < t.name(), "TYPES sorted");
            }
            for w in t.fields().windows(2) {
                assert!(w[0].name() < w[1].name(), "{}: fields sorted", t.name());
            }
            for f in t.fields() {
                fields += 1;
                check(f.kind);
                assert!(!f.name().is_empty());
                assert!(
                    f.attr().is_empty()
                        || f.attr() == f.name()
                        || f.attr() == format!("{}_", f.name()),
                    "{}.{}",
                    t.name(),
                    f.name()
                );
                assert_eq!(t.field(f.name()).map(Field::name), Some(f.name()));
            }
            for m in t.one_of() {
                assert!((*m as usize) < TYPES.len());
            }
            assert!(t.fields().is_empty() || t.one_of().is_empty());
            assert_eq!(type_by_name(t.name()).map(TypeDef::index), Some(i as u16));
            assert_eq!(
                type_by_class(t.class_name()).map(TypeDef::index),
                Some(i as u16)
            );
        }
        assert_eq!(fields, FIELDS.len());
        assert_eq!(CLASSES.len(), TYPES.len());
        for w in CLASSES.windows(2) {
            assert!(
                TYPES[w[0] as usize].class_name() < TYPES[w[1] as usize].class_name(),
                "class names unique and sorted"
            );
        }
        for k in KINDS {
            check(*k);
        }
    }

    #[test]
    fn the_namespace_classes_exist() {
        for (class, field, kind) in [
            ("Rfi", "subject", Kind::Str),
            ("Rfi", "created_at", Kind::DateTime),
            ("Rfi", "due_date", Kind::Date),
            ("Submittal", "id", Kind::Int),
            ("PunchItem", "id", Kind::Int),
            ("Observation", "id", Kind::Int),
            ("Inspection", "id", Kind::Int),
            ("TimecardEntry", "id", Kind::Int),
            ("ChangeEvent", "id", Kind::Int),
        ] {
            let t = type_by_class(class).unwrap_or_else(|| panic!("{class}"));
            assert_eq!(t.class_name(), class);
            assert_eq!(
                t.field(field).map(|f| f.kind),
                Some(kind),
                "{class}.{field}"
            );
        }
        let rfi = lookup("Rfi").unwrap();
        assert_eq!(
            rfi.name(),
            "RestV10ProjectsProjectIdRfisGet200ResponseInner"
        );
        let q = rfi.field("questions").unwrap().kind;
        assert_eq!(q.describe(), "list[RfiQuestion]");
        let q = q.type_ref().unwrap();
        assert_eq!(TYPES[q as usize].class_name(), "RfiQuestion");
        let status = rfi.field("status").unwrap();
        assert!(matches!(status.kind, Kind::Enum(_)));
        assert!(status.kind.enum_values().any(|v| v == "open"));
        assert_eq!(status.doc(), "Status");
        assert_eq!(
            lookup("RestV10ProjectsProjectIdRfisGet200ResponseInner").map(|t| t.class_name()),
            Some("Rfi")
        );
        // A keyword is an attribute with `_`; a key that is no identifier has none.
        let global = TYPES
            .iter()
            .flat_map(|t| t.fields())
            .find(|f| f.name() == "global")
            .unwrap();
        assert_eq!(global.attr(), "global_");
        let custom = TYPES
            .iter()
            .flat_map(|t| t.fields())
            .find(|f| f.name().starts_with("custom_field_%{"))
            .unwrap();
        assert_eq!(custom.attr(), "");
        assert!(lookup("NoSuchType").is_none());
    }

    #[test]
    fn fields_are_found_without_decoding_the_others() {
        let rec = r#"{"id": 7, "a": {"x": [1, 2]}, "s": "t\"x", "n\u0061me": "esc", "id": 8}"#;
        assert_eq!(field_raw(rec, "id").unwrap().get(), "7");
        assert_eq!(field_raw(rec, "a").unwrap().get(), r#"{"x": [1, 2]}"#);
        assert_eq!(field_raw(rec, "s").unwrap().get(), r#""t\"x""#);
        assert_eq!(field_raw(rec, "name").unwrap().get(), r#""esc""#);
        assert!(field_raw(rec, "x").is_none());
        assert!(field_raw("[1]", "x").is_none());
        assert_eq!(array_items("[1, {\"a\": 2}]").unwrap().len(), 2);
        assert!(array_items("{}").is_none());
        let e = object_entries(r#"{"b": 1, "a": [2]}"#).unwrap();
        assert_eq!(e[0].0, "b");
        assert_eq!(e[1].1.get(), "[2]");
        assert!(object_entries("[1]").is_none());
    }

    #[test]
    fn dates_and_datetimes() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "20240101",
            "",
            "2024-00-10",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let dt = |s: &str| parse_datetime(s);
        let want = UtcDateTime {
            year: 2016,
            month: 8,
            day: 22,
            hour: 20,
            minute: 18,
            second: 55,
            micro: 0,
        };
        assert_eq!(dt("2016-08-22T20:18:55Z"), Some(want));
        assert_eq!(dt("2016-08-22T20:18:55"), Some(want));
        assert_eq!(dt("2016-08-22 20:18:55+00:00"), Some(want));
        assert_eq!(dt("2016-08-22T22:18:55+02:00"), Some(want));
        assert_eq!(dt("2016-08-22T13:18:55-0700"), Some(want));
        assert_eq!(
            dt("2016-08-22T20:18:55.1234567Z").map(|d| d.micro),
            Some(123_456)
        );
        assert_eq!(dt("2016-08-22T20:18:55.5Z").map(|d| d.micro), Some(500_000));
        // Across midnight and a year end.
        assert_eq!(
            dt("2016-12-31T23:30:00-01:00"),
            Some(UtcDateTime {
                year: 2017,
                month: 1,
                day: 1,
                hour: 0,
                minute: 30,
                second: 0,
                micro: 0
            })
        );
        assert_eq!(dt("2016-08-22T20:18Z").map(|d| d.second), Some(0));
        for bad in [
            "2016-08-22",
            "2016-08-22T25:00:00Z",
            "2016-08-22T20:18:55.Z",
            "2016-08-22T20:18:55 UTC",
            "2016-08-22T20:18:60Z",
            "2016-02-30T00:00:00Z",
            "yesterday",
        ] {
            assert_eq!(dt(bad), None, "{bad}");
        }
        for secs in [0i64, 1_451_921_400, -86_400, 253_402_300_799] {
            assert_eq!(UtcDateTime::from_unix(secs, 0).unix(), secs);
        }
    }
}
