//! Records to columns: pages of raw JSON records (as the core holds them) decoded straight
//! into an Arrow [`RecordBatch`], with no intermediate tree and no Python object per record.
//!
//! The flattening rules live here (the Python layer's DataFrames, the `procore` command's
//! `csv`, `table` and `parquet` formats all take their columns from this module):
//! - a nested object becomes one column per leaf, named by its path: `company.id`;
//! - an empty object has no leaves, so no column; `null` is a value, so a key holding `null`
//!   is a column;
//! - lists are values (never flattened): list columns;
//! - columns come in first-seen order over all records (then the declared columns no record
//!   has, in declaration order); a record without a column has a null there;
//! - `company: null` in one record and `company: {...}` in another: the `company.*` columns
//!   show the null, and a `company` column holding nothing else is dropped;
//! - a key repeated in one record: its last value (as `json.loads` keeps it).
//!
//! Column types, when a record type is declared ([`declared_columns`]), come from the
//! declaration, so a column no record has still has its type. Otherwise they are inferred
//! from every record:
//! - every non-null value an integer that fits in 64 bits: `Int64` (exact, never a float);
//! - integers and fractions: `Float64`; every value `true`/`false`: `Boolean`;
//! - every value an ISO 8601 date-time with a zone (`2016-01-04T15:30:00Z`,
//!   `...T17:30:00.250+02:00`): `Timestamp(us, "UTC")`; other strings: `Utf8` (date-only
//!   strings stay strings unless declared as dates, then `Date32`);
//! - lists of integers, numbers, strings or booleans: `List` of that type;
//! - only nulls: `Null`.
//!
//! Anything else (a field that is an int in one record and a string in the next, integers
//! beyond 64 bits, lists of objects, a value that is not of its declared kind) is kept
//! without loss as each value's JSON text, in a `Utf8` column whose field metadata says so:
//! `{"procore.fallback": "json"}` ([`FALLBACK_KEY`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, NullBuilder, StringBuilder,
};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, NullArray, RecordBatch,
    RecordBatchOptions, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

mod fast;

use super::records::{days_from_civil, parse_date, parse_datetime, Kind, TypeDef, TYPES};

/// Separator of a nested column's name: `company.id`.
pub const SEP: char = '.';
/// Field metadata key of a column kept as JSON text; its value is [`FALLBACK_JSON`].
pub const FALLBACK_KEY: &str = "procore.fallback";
pub const FALLBACK_JSON: &str = "json";
/// Time zone of the timestamp columns.
pub const UTC: &str = "UTC";
/// Records from which a list is flattened on two threads.
const PARALLEL_ROWS: usize = 4096;
/// Values from which a list's columns are built on two threads.
const PARALLEL_VALUES: usize = 100_000;
/// How deep declared nested records are expanded into declared columns.
const MAX_DECLARED_DEPTH: usize = 4;

/// A column's type, declared or inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Null,
    Int,
    Float,
    Bool,
    Str,
    Date,
    DateTime,
    /// A list of scalars of this type (`Null` for lists that held nothing).
    List(Scalar),
    /// Each value's JSON text.
    Json,
}

/// The element type of a list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Null,
    Int,
    Float,
    Bool,
    Str,
}

impl ColType {
    pub fn data_type(self) -> DataType {
        match self {
            ColType::Null => DataType::Null,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
            ColType::Bool => DataType::Boolean,
            ColType::Str | ColType::Json => DataType::Utf8,
            ColType::Date => DataType::Date32,
            ColType::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
            ColType::List(s) => {
                DataType::List(Arc::new(Field::new_list_field(s.data_type(), true)))
            }
        }
    }
}

impl Scalar {
    fn data_type(self) -> DataType {
        match self {
            Scalar::Null => DataType::Null,
            Scalar::Int => DataType::Int64,
            Scalar::Float => DataType::Float64,
            Scalar::Bool => DataType::Boolean,
            Scalar::Str => DataType::Utf8,
        }
    }
}

/// A record that is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnObject {
    /// Its place in the list.
    pub index: usize,
}

impl fmt::Display for NotAnObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} is not a JSON object", self.index)
    }
}

impl std::error::Error for NotAnObject {}

// ----------------------------------------------------------------------------- declarations

/// The declared columns of a record type: its fields, nested records expanded to dotted
/// names (up to a few levels deep); fields of free shape (`any`, dicts, lists of records)
/// are left to inference.
pub fn declared_columns(ty: &'static TypeDef) -> Vec<(String, ColType)> {
    let mut out = Vec::new();
    declare(ty, "", 0, &mut out);
    out
}

fn declare(ty: &'static TypeDef, prefix: &str, depth: usize, out: &mut Vec<(String, ColType)>) {
    for f in ty.fields() {
        let name = format!("{prefix}{}", f.name());
        match f.kind {
            Kind::Ref(t) => {
                if depth + 1 < MAX_DECLARED_DEPTH {
                    if let Some(nested) = TYPES.get(t as usize) {
                        declare(nested, &format!("{name}{SEP}"), depth + 1, out);
                    }
                }
            }
            kind => {
                if let Some(c) = col_type_of(kind) {
                    out.push((name, c));
                }
            }
        }
    }
}

fn col_type_of(kind: Kind) -> Option<ColType> {
    Some(match kind {
        Kind::Int => ColType::Int,
        Kind::Float => ColType::Float,
        Kind::Str | Kind::Enum(_) | Kind::Bytes => ColType::Str,
        Kind::Bool => ColType::Bool,
        Kind::Date => ColType::Date,
        Kind::DateTime => ColType::DateTime,
        Kind::List(_) => ColType::List(match kind.element()? {
            Kind::Int => Scalar::Int,
            Kind::Float => Scalar::Float,
            Kind::Bool => Scalar::Bool,
            Kind::Str | Kind::Enum(_) | Kind::Bytes => Scalar::Str,
            _ => return None,
        }),
        Kind::Any | Kind::Dict(_) | Kind::Ref(_) => return None,
    })
}

/// The declared columns of the hand-written models (`Me`, `Company`, `Project`), by class name.
pub fn model_columns(class_name: &str) -> Option<Vec<(String, ColType)>> {
    use ColType::*;
    let cols: &[(&str, ColType)] = match class_name {
        "Me" => &[("id", Int), ("login", Str), ("name", Str)],
        "Company" => &[
            ("id", Int),
            ("name", Str),
            ("is_active", Bool),
            ("logo_url", Str),
        ],
        "Project" => &[
            ("id", Int),
            ("name", Str),
            ("display_name", Str),
            ("project_number", Str),
            ("address", Str),
            ("city", Str),
            ("state_code", Str),
            ("country_code", Str),
            ("zip", Str),
            ("county", Str),
            ("latitude", Float),
            ("longitude", Float),
            ("stage", Str),
            ("phone", Str),
            ("created_at", DateTime),
            ("updated_at", DateTime),
            ("active", Bool),
            ("origin_id", Str),
            ("origin_data", Str),
            ("company.id", Int),
            ("company.name", Str),
        ],
        _ => return None,
    };
    Some(cols.iter().map(|(n, t)| (n.to_string(), *t)).collect())
}

// ----------------------------------------------------------------------------- flattening

/// The flattened columns of a list of records: for each, its name and its values as JSON
/// text, sparse (`(row, text)` in row order; a row not listed has no value).
pub struct Columns<'a> {
    pub rows: usize,
    pub names: Vec<String>,
    pub values: Vec<Vec<(u32, &'a str)>>,
    index: HashMap<String, usize>,
    /// The column of the n-th leaf of the last records, by n: records of one list share
    /// their layout, so a leaf's column is usually found with one comparison, no hashing.
    by_place: Vec<usize>,
    place: usize,
    /// The first record is being read.
    filling_first: bool,
    /// Values room may still be made for up front (see `lookup`).
    room_values: usize,
}

impl<'a> Columns<'a> {
    /// Flattens `records` (each a JSON object's text) by the rules of this module.
    pub fn flatten<S: AsRef<str> + Sync + ?Sized>(
        records: &'a [&'a S],
    ) -> Result<Columns<'a>, NotAnObject> {
        // A long list is read in two halves on two threads, then the second half's columns
        // are appended to the first's (its new columns after the first's: first-seen order).
        let mut cols = if records.len() >= PARALLEL_ROWS {
            let (a, b) = records.split_at(records.len() / 2);
            let (first, second) = std::thread::scope(|scope| {
                let second = scope.spawn(|| Columns::read(b, a.len()));
                let first = Columns::read(a, 0);
                match second.join() {
                    Ok(second) => (first, second),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            });
            let mut cols = first?;
            let second = second?;
            cols.rows = records.len();
            for (name, values) in second.names.into_iter().zip(second.values) {
                let i = cols.lookup(&name);
                cols.values[i].extend(values);
            }
            cols
        } else {
            Columns::read(records, 0)?
        };
        cols.drop_null_parents();
        Ok(cols)
    }

    /// The columns of `records`, the first of them being row `base`.
    fn read<S: AsRef<str> + ?Sized>(
        records: &'a [&'a S],
        base: usize,
    ) -> Result<Columns<'a>, NotAnObject> {
        let mut cols = Columns {
            rows: records.len(),
            names: Vec::new(),
            values: Vec::new(),
            index: HashMap::new(),
            by_place: Vec::new(),
            place: 0,
            filling_first: true,
            room_values: records.iter().map(|r| r.as_ref().len()).sum::<usize>() / 4,
        };
        let mut path = String::new();
        for (i, rec) in records.iter().enumerate() {
            let text = rec.as_ref();
            let row = base + i;
            cols.place = 0;
            cols.filling_first = i == 0;
            if !text.trim_start().starts_with('{') || !cols.add_object(row as u32, &mut path, text)
            {
                return Err(NotAnObject { index: row });
            }
        }
        Ok(cols)
    }

    /// The leaves of one JSON object (its text) into the columns; `false` when it is none.
    fn add_object(&mut self, row: u32, path: &mut String, text: &'a str) -> bool {
        let mut de = serde_json::Deserializer::from_str(text);
        de::Deserializer::deserialize_map(
            &mut de,
            Leaves {
                cols: self,
                row,
                path,
            },
        )
        .is_ok()
    }

    fn column(&mut self, name: &str) -> usize {
        let place = self.place;
        self.place += 1;
        if let Some(&i) = self.by_place.get(place) {
            if self.names[i] == name {
                return i;
            }
        }
        let i = self.lookup(name);
        if place < self.by_place.len() {
            self.by_place[place] = i;
        } else if place == self.by_place.len() {
            self.by_place.push(i);
        }
        i
    }

    fn lookup(&mut self, name: &str) -> usize {
        match self.index.get(name) {
            Some(&i) => i,
            None => {
                let i = self.names.len();
                self.names.push(name.to_string());
                // A column of the first record is most likely in every record: room for all
                // of them at once (not for columns found later, which may be sparse).
                // Bounded by the records' text (a value takes a few bytes of it): a first
                // record of many columns cannot reserve more than the input warrants.
                let room = if self.filling_first && self.room_values >= self.rows {
                    self.room_values -= self.rows;
                    self.rows
                } else {
                    0
                };
                self.values.push(Vec::with_capacity(room));
                self.index.insert(name.to_string(), i);
                i
            }
        }
    }

    fn push(&mut self, name: &str, row: u32, text: &'a str) {
        let i = self.column(name);
        let col = &mut self.values[i];
        match col.last_mut() {
            // A key repeated in one record: its last value.
            Some(last) if last.0 == row => last.1 = text,
            _ => col.push((row, text)),
        }
    }

    /// `company: null` beside `company.id`: the nulls already show in `company.*`.
    fn drop_null_parents(&mut self) {
        let mut parents: HashSet<&str> = HashSet::new();
        for name in &self.names {
            for (i, c) in name.char_indices() {
                if c == SEP {
                    parents.insert(&name[..i]);
                }
            }
        }
        if parents.is_empty() {
            return;
        }
        let drop: Vec<bool> = self
            .names
            .iter()
            .zip(&self.values)
            .map(|(n, v)| parents.contains(n.as_str()) && v.iter().all(|(_, t)| *t == "null"))
            .collect();
        if !drop.contains(&true) {
            return;
        }
        let mut keep = drop.iter().map(|d| !d);
        self.names.retain(|_| keep.next().unwrap_or(true));
        let mut keep = drop.iter().map(|d| !d);
        self.values.retain(|_| keep.next().unwrap_or(true));
        self.index = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
    }

    /// Declared columns no record has, appended (empty) in declaration order.
    fn add_declared(&mut self, declared: &[(String, ColType)]) {
        for (name, _) in declared {
            self.lookup(name);
        }
    }
}

/// Walks one JSON object, pushing each leaf to its column; a nested object is walked in
/// turn, its path the prefix of its leaves.
struct Leaves<'c, 'a> {
    cols: &'c mut Columns<'a>,
    row: u32,
    path: &'c mut String,
}

impl<'de: 'a, 'a> Visitor<'de> for Leaves<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.path.len();
        while let Some(key) = map.next_key_seed(Key)? {
            let value: &'de RawValue = map.next_value()?;
            self.path.truncate(base);
            self.path.push_str(&key);
            let text = value.get();
            if text.starts_with('{') {
                self.path.push(SEP);
                if !self.cols.add_object(self.row, self.path, text) {
                    return Err(de::Error::custom("not an object"));
                }
                continue;
            }
            self.cols.push(self.path, self.row, text);
        }
        self.path.truncate(base);
        Ok(())
    }
}

/// A key, borrowed from the text unless it has escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

// ----------------------------------------------------------------------------- values

/// What one JSON value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Null,
    Int,
    /// A number that is not a 64-bit integer but reads as a float (a fraction, an exponent).
    Float,
    /// An integer beyond 64 bits.
    BigInt,
    Bool,
    Str,
    List,
    Object,
}

fn shape(text: &str) -> Shape {
    match text.as_bytes().first() {
        Some(b'n') | None => Shape::Null,
        Some(b't' | b'f') => Shape::Bool,
        Some(b'"') => Shape::Str,
        Some(b'[') => Shape::List,
        Some(b'{') => Shape::Object,
        Some(_) => {
            if text.parse::<i64>().is_ok() {
                Shape::Int
            } else if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                Shape::Float
            } else {
                Shape::BigInt
            }
        }
    }
}

/// A JSON string's value (its text without the quotes, unescaped when it has escapes).
pub fn json_str(text: &str) -> Option<Cow<'_, str>> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(text).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Microseconds since the epoch of an ISO 8601 date-time; with `zoned`, only one that names
/// its zone (`Z` or an offset `+HH:MM`/`+HHMM`) and separates the time with `T`, as the
/// inference of untyped columns wants.
fn datetime_micros(s: &str, zoned: bool) -> Option<i64> {
    if zoned && !has_zone(s) {
        return None;
    }
    let t = parse_datetime(s)?;
    Some(t.unix() * 1_000_000 + i64::from(t.micro))
}

fn has_zone(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 16 || !(b[10] == b'T' || b[10] == b't') {
        return false;
    }
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let n = b.len();
    match b[n - 1] {
        b'Z' | b'z' => true,
        _ => {
            // [+-]HH:MM or [+-]HHMM
            (n >= 6
                && matches!(b[n - 6], b'+' | b'-')
                && digit(n - 5)
                && digit(n - 4)
                && b[n - 3] == b':'
                && digit(n - 2)
                && digit(n - 1))
                || (n >= 5
                    && matches!(b[n - 5], b'+' | b'-')
                    && digit(n - 4)
                    && digit(n - 3)
                    && digit(n - 2)
                    && digit(n - 1))
        }
    }
}

fn date_days(s: &str) -> Option<i32> {
    let (y, m, d) = parse_date(s)?;
    i32::try_from(days_from_civil(y, m, d)).ok()
}

/// The type every value of a column fits; `Json` when there is none.
fn infer(values: &[(u32, &str)]) -> ColType {
    let (mut ints, mut floats, mut bools, mut strs, mut lists, mut other) =
        (false, false, false, false, false, false);
    for (_, t) in values {
        match shape(t) {
            Shape::Null => {}
            Shape::Int => ints = true,
            Shape::Float => floats = true,
            Shape::Bool => bools = true,
            Shape::Str => strs = true,
            Shape::List => lists = true,
            Shape::BigInt | Shape::Object => other = true,
        }
    }
    let kinds = [ints || floats, bools, strs, lists, other]
        .iter()
        .filter(|k| **k)
        .count();
    if kinds == 0 {
        return ColType::Null;
    }
    if kinds > 1 || other {
        return ColType::Json;
    }
    if floats {
        return ColType::Float;
    }
    if ints {
        return ColType::Int;
    }
    if bools {
        return ColType::Bool;
    }
    if strs {
        let all_datetimes = values.iter().all(|(_, t)| {
            *t == "null" || json_str(t).is_some_and(|s| datetime_micros(&s, true).is_some())
        });
        return if all_datetimes {
            ColType::DateTime
        } else {
            ColType::Str
        };
    }
    infer_list(values).map_or(ColType::Json, ColType::List)
}

fn infer_list(values: &[(u32, &str)]) -> Option<Scalar> {
    let (mut ints, mut floats, mut bools, mut strs) = (false, false, false, false);
    for (_, t) in values {
        if shape(t) == Shape::Null {
            continue;
        }
        for item in serde_json::from_str::<Vec<&RawValue>>(t).ok()? {
            match shape(item.get()) {
                Shape::Null => {}
                Shape::Int => ints = true,
                Shape::Float => floats = true,
                Shape::Bool => bools = true,
                Shape::Str => strs = true,
                _ => return None,
            }
        }
    }
    match [ints || floats, bools, strs].iter().filter(|k| **k).count() {
        0 => Some(Scalar::Null),
        1 if floats => Some(Scalar::Float),
        1 if ints => Some(Scalar::Int),
        1 if bools => Some(Scalar::Bool),
        1 => Some(Scalar::Str),
        _ => None,
    }
}

// ----------------------------------------------------------------------------- arrays

/// The values of one column, dense, as an Arrow array of `ty`; `None` when a value does not
/// fit (the column then falls back to JSON text).
fn build(rows: usize, values: &[(u32, &str)], ty: ColType) -> Option<ArrayRef> {
    fn dense<T: Copy>(
        rows: usize,
        values: &[(u32, &str)],
        f: impl Fn(&str) -> Option<T>,
    ) -> Option<Vec<Option<T>>> {
        let mut out = vec![None; rows];
        for (row, t) in values {
            if *t != "null" {
                out[*row as usize] = Some(f(t)?);
            }
        }
        Some(out)
    }
    let array: ArrayRef = match ty {
        ColType::Null => {
            if values.iter().any(|(_, t)| *t != "null") {
                return None;
            }
            Arc::new(NullArray::new(rows))
        }
        ColType::Int => Arc::new(Int64Array::from(dense(rows, values, |t| {
            t.parse::<i64>().ok()
        })?)),
        ColType::Float => Arc::new(Float64Array::from(dense(rows, values, |t| {
            matches!(shape(t), Shape::Int | Shape::Float | Shape::BigInt)
                .then(|| t.parse::<f64>().ok())
                .flatten()
        })?)),
        ColType::Bool => Arc::new(BooleanArray::from(dense(rows, values, |t| match t {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })?)),
        ColType::DateTime => {
            let zoned = false;
            Arc::new(
                TimestampMicrosecondArray::from(dense(rows, values, |t| {
                    datetime_micros(&json_str(t)?, zoned)
                })?)
                .with_timezone(UTC),
            )
        }
        ColType::Date => Arc::new(Date32Array::from(dense(rows, values, |t| {
            date_days(&json_str(t)?)
        })?)),
        ColType::Str => {
            let mut b = StringBuilder::with_capacity(rows, values.len() * 16);
            let mut next = 0usize;
            for (row, t) in values {
                while next < *row as usize {
                    b.append_null();
                    next += 1;
                }
                if *t == "null" {
                    b.append_null();
                } else {
                    b.append_value(json_str(t)?);
                }
                next += 1;
            }
            while next < rows {
                b.append_null();
                next += 1;
            }
            Arc::new(b.finish())
        }
        ColType::Json => {
            let mut dense: Vec<Option<&str>> = vec![None; rows];
            for (row, t) in values {
                if *t != "null" {
                    dense[*row as usize] = Some(t);
                }
            }
            Arc::new(StringArray::from(dense))
        }
        ColType::List(s) => build_list(rows, values, s)?,
    };
    Some(array)
}

fn build_list(rows: usize, values: &[(u32, &str)], s: Scalar) -> Option<ArrayRef> {
    let mut dense: Vec<Option<Vec<&RawValue>>> = vec![None; rows];
    for (row, t) in values {
        if *t != "null" {
            dense[*row as usize] = Some(serde_json::from_str::<Vec<&RawValue>>(t).ok()?);
        }
    }
    macro_rules! list {
        ($builder:expr, |$b:ident, $v:ident| $append:expr) => {{
            let mut lb = ListBuilder::new($builder);
            for items in &dense {
                match items {
                    None => lb.append_null(),
                    Some(items) => {
                        for item in items {
                            let $v = item.get();
                            let $b = lb.values();
                            if $v == "null" {
                                $b.append_null();
                            } else {
                                $append;
                            }
                        }
                        lb.append(true);
                    }
                }
            }
            Arc::new(lb.finish()) as ArrayRef
        }};
    }
    Some(match s {
        Scalar::Int => list!(Int64Builder::new(), |b, v| b.append_value(v.parse().ok()?)),
        Scalar::Float => list!(Float64Builder::new(), |b, v| b
            .append_value(v.parse().ok()?)),
        Scalar::Bool => list!(BooleanBuilder::new(), |b, v| b.append_value(v == "true")),
        Scalar::Str => list!(StringBuilder::new(), |b, v| b.append_value(json_str(v)?)),
        // Lists that held nothing (or only nulls).
        Scalar::Null => list!(NullBuilder::new(), |b, _v| b.append_null()),
    })
}

/// The records (each a JSON object's text) as one Arrow record batch, by the rules of this
/// module; `declared` gives the types of the columns it names (the others are inferred).
///
/// Records of the common shape take one pass ([`fast::record_batch`]: each value straight
/// into its column, declared columns typed as they are read); anything it does not take on
/// (a value that does not fit its declared type, a column that is also a parent, a key
/// repeated in a record, ...) is left to the general decoder, whose result is the reference.
pub fn record_batch<S: AsRef<str> + Sync + ?Sized>(
    records: &[&S],
    declared: Option<&[(String, ColType)]>,
) -> Result<RecordBatch, NotAnObject> {
    match fast::record_batch(records, declared) {
        Some(batch) => Ok(batch),
        None => general_record_batch(records, declared),
    }
}

/// A column of JSON texts as an Arrow array of its declared type, or else of the type
/// inferred from its values; JSON text (and the field metadata that says so) when a value
/// does not fit.
fn raw_column(
    name: &str,
    rows: usize,
    values: &[(u32, &str)],
    declared: Option<ColType>,
) -> (Field, ArrayRef) {
    let ty = declared.unwrap_or_else(|| infer(values));
    let (ty, array) = match build(rows, values, ty) {
        Some(a) => (ty, a),
        None => (
            ColType::Json,
            build(rows, values, ColType::Json).expect("JSON text always fits"),
        ),
    };
    let mut field = Field::new(name, ty.data_type(), true);
    if ty == ColType::Json {
        field = field.with_metadata([(FALLBACK_KEY.to_string(), FALLBACK_JSON.to_string())].into());
    }
    (field, array)
}

/// `f` of every item, in order; on two threads when `parallel` (the columns are independent).
fn map_columns<T: Sync>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> (Field, ArrayRef) + Sync,
) -> Vec<(Field, ArrayRef)> {
    if !parallel || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let (a, b) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let second = scope.spawn(|| b.iter().map(&f).collect::<Vec<_>>());
        let mut first: Vec<_> = a.iter().map(&f).collect();
        match second.join() {
            Ok(rest) => first.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        first
    })
}

/// The batch of `rows` rows of these columns.
fn batch_of(rows: usize, built: Vec<(Field, ArrayRef)>) -> RecordBatch {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = built.into_iter().unzip();
    let schema = Arc::new(Schema::new(fields));
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema, arrays, &options)
        .expect("every column is as long as the list and of its field's type")
}

/// [`record_batch`] by the general decoder alone: every record flattened to its leaves' JSON
/// texts ([`Columns::flatten`]), then each column typed and built.
pub fn general_record_batch<S: AsRef<str> + Sync + ?Sized>(
    records: &[&S],
    declared: Option<&[(String, ColType)]>,
) -> Result<RecordBatch, NotAnObject> {
    let mut cols = Columns::flatten(records)?;
    let declared_types: HashMap<&str, ColType> = match declared {
        Some(d) => {
            cols.add_declared(d);
            d.iter().map(|(n, t)| (n.as_str(), *t)).collect()
        }
        None => HashMap::new(),
    };
    let rows = cols.rows;
    let all: Vec<_> = cols.names.iter().zip(&cols.values).collect();
    let values: usize = cols.values.iter().map(Vec::len).sum();
    let built = map_columns(&all, values >= PARALLEL_VALUES, |(name, values)| {
        raw_column(
            name,
            rows,
            values,
            declared_types.get(name.as_str()).copied(),
        )
    });
    Ok(batch_of(rows, built))
}

/// Every record of a list endpoint as one Arrow record batch, built when the last page has
/// come (a long list on two threads: see [`Columns::flatten`]); the types hold for every
/// record, as [`record_batch`] infers them from all of them.
pub async fn pull(
    client: &super::Client,
    path: &str,
    query: &[(String, String)],
    company_id: Option<i64>,
    declared: Option<&[(String, ColType)]>,
) -> super::Result<Vec<RecordBatch>> {
    let records = client.paginate(path, query, company_id).await?;
    let texts: Vec<&str> = records.iter().map(|r| r.get()).collect();
    let batch = record_batch(&texts, declared)
        .map_err(|e| super::Error::Decode(format!("as_arrow: {e}")))?;
    Ok(vec![batch])
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int64Type, TimestampMicrosecondType};
    use arrow_array::Array;

    fn batch(records: &[&str]) -> RecordBatch {
        record_batch(records, None).unwrap()
    }

    fn col<'b>(b: &'b RecordBatch, name: &str) -> &'b ArrayRef {
        b.column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn names(b: &RecordBatch) -> Vec<String> {
        b.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn is_fallback(b: &RecordBatch, name: &str) -> bool {
        let schema = b.schema();
        let f = schema.field_with_name(name).unwrap();
        f.metadata().get(FALLBACK_KEY).map(String::as_str) == Some(FALLBACK_JSON)
    }

    #[test]
    fn nested_objects_flatten_in_first_seen_order_and_null_parents_go() {
        let b = batch(&[
            r#"{"id": 1, "a": {"b": {"c": "deep", "d": 1}, "e": [1, 2]}, "tags": ["x"], "v": {"id": 9}}"#,
            r#"{"id": 2, "a": {"b": {"c": "deeper"}}, "tags": [], "v": null, "empty": {}, "late": true}"#,
        ]);
        assert_eq!(
            names(&b),
            ["id", "a.b.c", "a.b.d", "a.e", "tags", "v.id", "late"]
        );
        assert_eq!(b.num_rows(), 2);
        let v = col(&b, "v.id").as_primitive::<Int64Type>();
        assert_eq!(v.value(0), 9);
        assert!(v.is_null(1));
        let late = col(&b, "late").as_boolean();
        assert!(late.is_null(0) && late.value(1));
        let tags = col(&b, "tags").as_list::<i32>();
        assert_eq!(tags.value(0).as_string::<i32>().value(0), "x");
        assert_eq!(tags.value(1).len(), 0);
        assert!(!tags.is_null(1), "an empty list is a list, not a null");
    }

    #[test]
    fn ids_beyond_2_53_are_exact_and_beyond_64_bits_kept_as_text() {
        let b = batch(&[
            r#"{"id": 9223372036854775807, "big": 18446744073709551616}"#,
            r#"{"id": 9007199254740993, "big": 1}"#,
        ]);
        let id = col(&b, "id").as_primitive::<Int64Type>();
        assert_eq!(id.value(0), i64::MAX);
        assert_eq!(id.value(1), 9_007_199_254_740_993);
        assert!(is_fallback(&b, "big"));
        assert_eq!(
            col(&b, "big").as_string::<i32>().value(0),
            "18446744073709551616"
        );
    }

    #[test]
    fn datetimes_with_zones_become_utc_micros_and_other_strings_stay() {
        let b = batch(&[
            r#"{"at": "2016-01-04T15:30:00Z", "local": "2016-01-04T17:30:00.250+02:00", "day": "2016-01-04", "naive": "2016-01-04T15:30:00", "frac": "2016-01-04T15:30:00.1234567-0500"}"#,
            r#"{"at": null, "local": "2016-01-04T10:00:00-05:00", "day": null, "naive": null}"#,
        ]);
        let at = col(&b, "at").as_primitive::<TimestampMicrosecondType>();
        assert_eq!(at.value(0), 1_451_921_400_000_000);
        assert!(at.is_null(1));
        assert_eq!(
            b.schema().field_with_name("at").unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        let local = col(&b, "local").as_primitive::<TimestampMicrosecondType>();
        assert_eq!(local.value(0), 1_451_921_400_250_000);
        assert_eq!(local.value(1), 1_451_919_600_000_000);
        let frac = col(&b, "frac").as_primitive::<TimestampMicrosecondType>();
        assert_eq!(frac.value(0), 1_451_939_400_123_456);
        assert_eq!(col(&b, "day").data_type(), &DataType::Utf8);
        assert_eq!(col(&b, "naive").data_type(), &DataType::Utf8);
    }

    #[test]
    fn mixed_columns_fall_back_to_json_text_and_say_so() {
        let b = batch(&[
            r#"{"x": 1, "users": [{"id": 7}], "u": "caf\u00e9 \ud83c\udfd7"}"#,
            r#"{"x": "1", "users": [], "u": "ok"}"#,
            r#"{"x": null}"#,
        ]);
        assert!(is_fallback(&b, "x"));
        let x = col(&b, "x").as_string::<i32>();
        assert_eq!(x.value(0), "1");
        assert_eq!(x.value(1), "\"1\"");
        assert!(x.is_null(2));
        assert!(
            is_fallback(&b, "users"),
            "lists of objects are kept as JSON"
        );
        assert!(!is_fallback(&b, "u"));
        assert_eq!(col(&b, "u").as_string::<i32>().value(0), "café 🏗");
    }

    #[test]
    fn numbers_bools_and_lists_take_one_type() {
        let b = batch(&[
            r#"{"f": 1, "b": true, "l": [1, 2.5], "n": null, "e": [], "s": ["a", null]}"#,
            r#"{"f": 2.5e0, "b": false, "l": null, "n": null, "e": [], "s": []}"#,
        ]);
        assert_eq!(col(&b, "f").data_type(), &DataType::Float64);
        assert_eq!(col(&b, "b").data_type(), &DataType::Boolean);
        assert_eq!(col(&b, "n").data_type(), &DataType::Null);
        assert_eq!(
            col(&b, "l").data_type(),
            &ColType::List(Scalar::Float).data_type()
        );
        assert_eq!(
            col(&b, "e").data_type(),
            &ColType::List(Scalar::Null).data_type()
        );
        let s = col(&b, "s").as_list::<i32>();
        assert!(s.value(0).is_null(1));
    }

    #[test]
    fn declared_types_hold_for_missing_columns_and_misfits_fall_back() {
        let declared = vec![
            ("id".to_string(), ColType::Int),
            ("due".to_string(), ColType::Date),
            ("at".to_string(), ColType::DateTime),
            ("never".to_string(), ColType::Float),
            ("odd".to_string(), ColType::Int),
        ];
        let b = record_batch(
            &[
                r#"{"id": 1, "due": "2024-02-29", "at": "2024-05-01T12:30:00", "odd": "x"}"#,
                r#"{"id": 2, "due": null}"#,
            ],
            Some(&declared),
        )
        .unwrap();
        assert_eq!(names(&b), ["id", "due", "at", "odd", "never"]);
        assert_eq!(col(&b, "due").data_type(), &DataType::Date32);
        assert_eq!(
            col(&b, "due")
                .as_primitive::<arrow_array::types::Date32Type>()
                .value(0),
            19_782
        );
        // Declared date-times read a value without a zone as UTC, like the typed attributes.
        assert_eq!(
            col(&b, "at")
                .as_primitive::<TimestampMicrosecondType>()
                .value(0),
            1_714_566_600_000_000
        );
        assert_eq!(col(&b, "never").data_type(), &DataType::Float64);
        assert_eq!(col(&b, "never").null_count(), 2);
        assert!(is_fallback(&b, "odd"));
    }

    #[test]
    fn declarations_of_the_type_table_expand_nested_records() {
        let t = crate::core::records::type_by_class("Rfi").expect("Rfi is declared");
        let cols = declared_columns(t);
        assert!(cols.iter().any(|(n, t)| n == "id" && *t == ColType::Int));
        assert!(
            cols.iter().any(|(n, _)| n.contains(SEP)),
            "nested records expand"
        );
    }

    #[test]
    fn zero_records_and_zero_columns() {
        let b = batch(&[]);
        assert_eq!((b.num_rows(), b.num_columns()), (0, 0));
        let b = batch(&["{}", "{}"]);
        assert_eq!((b.num_rows(), b.num_columns()), (2, 0));
    }

    #[test]
    fn a_long_list_read_in_two_halves_keeps_first_seen_order_and_rows() {
        let n = 2 * PARALLEL_ROWS + 1;
        let mut recs: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id": {i}, "c": null}}"#))
            .collect();
        recs[n - 1] = r#"{"id": -1, "late": "x", "c": {"id": 5}}"#.to_string();
        let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
        let b = record_batch(&texts, None).unwrap();
        assert_eq!(names(&b), ["id", "late", "c.id"]);
        assert_eq!(b.num_rows(), n);
        let id = col(&b, "id").as_primitive::<Int64Type>();
        assert!((0..n - 1).all(|i| id.value(i) == i as i64));
        assert_eq!(id.value(n - 1), -1);
        let late = col(&b, "late").as_string::<i32>();
        assert_eq!((late.null_count(), late.value(n - 1)), (n - 1, "x"));
        recs[PARALLEL_ROWS + 3] = "[]".to_string();
        let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
        assert_eq!(
            record_batch(&texts, None).unwrap_err(),
            NotAnObject {
                index: PARALLEL_ROWS + 3
            }
        );
    }

    #[test]
    fn ten_thousand_columns() {
        let rec = format!(
            "{{{}}}",
            (0..10_000)
                .map(|i| format!("\"c{i}\": {i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let b = batch(&[rec.as_str(), "{\"c9999\": null}"]);
        assert_eq!(b.num_columns(), 10_000);
        let last = col(&b, "c9999").as_primitive::<Int64Type>();
        assert_eq!(last.value(0), 9_999);
        assert!(last.is_null(1));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_non_objects_are_refused() {
        let b = batch(&[r#"{"a": 1, "a": 2}"#]);
        assert_eq!(col(&b, "a").as_primitive::<Int64Type>().value(0), 2);
        assert_eq!(
            record_batch(&["{}", "[1]"], None).unwrap_err(),
            NotAnObject { index: 1 }
        );
        assert_eq!(
            record_batch(&["7"], None).unwrap_err(),
            NotAnObject { index: 0 }
        );
    }

    /// Awkward records: every kind of value, nulls in nested objects, escapes in keys and
    /// values, ids beyond 2^53 and 64 bits, date-times with offsets and fractions, dates,
    /// empty lists and objects, unicode, a field whose kind changes, columns first seen late.
    fn awkward(i: usize) -> String {
        let company = match i % 5 {
            0 => r#"{"id": 9007199254740993, "name": "Acme \"Builders\""}"#.to_string(),
            1 => r#"{"id": 2, "name": null}"#.to_string(),
            2 => "{}".to_string(),
            3 => r#"{"name": "caf\u00e9 \ud83c\udfd7", "id": 3}"#.to_string(),
            _ => r#"{"id": 4, "deep": {"er": {"est": [1, 2]}}}"#.to_string(),
        };
        let at = match i % 4 {
            0 => r#""2016-01-04T15:30:00Z""#,
            1 => r#""2016-01-04T17:30:00.250+02:00""#,
            2 => "null",
            _ => r#""2016-01-04T10:00:00.1234567-0500""#,
        };
        let extra = match i % 7 {
            0 => r#", "tags": ["a", "b\n"], "x\u0041": 1"#.to_string(),
            1 => r#", "tags": [], "n": null"#.to_string(),
            3 => format!(r#", "late{}": {}"#, i % 3, i),
            5 => r#", "mixed": "1", "list_of_objects": [{"a": 1}]"#.to_string(),
            6 => r#", "mixed": 1, "list_of_objects": []"#.to_string(),
            _ => String::new(),
        };
        format!(
            r#"{{ "id": {}, "name": "project {i}", "latitude": {}, "active": {}, "due": {}, "created_at": {at}, "company": {company}{extra} }}"#,
            9_223_372_036_854_775_000i64 + (i % 500) as i64,
            if i.is_multiple_of(3) {
                "34.5".to_string()
            } else {
                format!("{}", i % 90)
            },
            if i.is_multiple_of(2) { "true" } else { "false" },
            if i.is_multiple_of(6) {
                "null"
            } else {
                r#""2024-02-29""#
            },
        )
    }

    fn awkward_declared() -> Vec<(String, ColType)> {
        [
            ("id", ColType::Int),
            ("name", ColType::Str),
            ("latitude", ColType::Float),
            ("active", ColType::Bool),
            ("due", ColType::Date),
            ("created_at", ColType::DateTime),
            ("company.id", ColType::Int),
            ("company.name", ColType::Str),
            ("tags", ColType::List(Scalar::Str)),
            ("never", ColType::Float),
        ]
        .iter()
        .map(|(n, t)| (n.to_string(), *t))
        .collect()
    }

    /// The one-pass decoder gives what the general decoder gives, or leaves it to it.
    fn same_as_general(records: &[&str], declared: Option<&[(String, ColType)]>) -> bool {
        let general = general_record_batch(records, declared);
        match fast::record_batch(records, declared) {
            Some(fast) => {
                assert_eq!(Ok(fast), general);
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_one_pass_equals_the_general_decoder_on_awkward_records() {
        let declared = awkward_declared();
        for n in [0, 1, 2, 7, 100, 2 * PARALLEL_ROWS + 3] {
            let recs: Vec<String> = (0..n).map(awkward).collect();
            let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
            assert!(
                same_as_general(&texts, Some(&declared)),
                "{n} records, declared"
            );
            assert!(same_as_general(&texts, None), "{n} records, inferred");
        }
    }

    #[test]
    fn two_threads_give_what_one_gives_on_awkward_records() {
        let declared = awkward_declared();
        for n in [2, 3, 35, 2 * PARALLEL_ROWS + 3] {
            let recs: Vec<String> = (0..n).map(awkward).collect();
            let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
            for declared in [Some(declared.as_slice()), None] {
                let one = fast::record_batch_split(&texts, declared, false);
                let two = fast::record_batch_split(&texts, declared, true);
                assert!(one.is_some(), "{n} records");
                assert_eq!(one, two, "{n} records");
            }
        }
    }

    #[test]
    fn the_two_halves_equal_one_pass_over_the_whole_list() {
        // Columns seen in one half only, typed and raw, and declared columns no record has.
        let n = 2 * PARALLEL_ROWS + 1;
        let recs: Vec<String> = (0..n)
            .map(|i| {
                if i < n / 2 {
                    format!(r#"{{"id": {i}, "first": "{i}"}}"#)
                } else {
                    format!(
                        r#"{{"second": {i}, "id": {i}, "name": "n{i}", "company": {{"id": 1}}}}"#
                    )
                }
            })
            .collect();
        let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
        let declared = awkward_declared();
        let whole = record_batch(&texts, Some(&declared)).unwrap();
        assert!(same_as_general(&texts, Some(&declared)));
        // The same records read in pieces below the two-thread size, one batch each: every
        // column's values in order.
        let small = record_batch(&texts[..PARALLEL_ROWS - 1], Some(&declared)).unwrap();
        assert_eq!(names(&whole)[..3], ["id", "first", "second"]);
        let id = col(&whole, "id").as_primitive::<Int64Type>();
        assert!((0..n).all(|i| id.value(i) == i as i64));
        let first = col(&whole, "first").as_string::<i32>();
        assert_eq!(first.null_count(), n - n / 2);
        assert_eq!(first.value(n / 2 - 1), (n / 2 - 1).to_string());
        let name = col(&whole, "name").as_string::<i32>();
        assert_eq!((name.null_count(), name.value(n - 1)), (n / 2, "n8192"));
        assert_eq!(small.num_rows(), PARALLEL_ROWS - 1);
        assert_eq!(
            col(&small, "name").null_count(),
            PARALLEL_ROWS - 1,
            "a declared column no record of the piece has"
        );
    }

    #[test]
    fn what_the_one_pass_does_not_take_on_goes_to_the_general_decoder() {
        let declared = awkward_declared();
        for recs in [
            // A value that does not fit its declared type: the column falls back to JSON.
            &[r#"{"id": 1}"#, r#"{"id": "2"}"#][..],
            &[r#"{"latitude": true}"#],
            &[r#"{"due": "2024-02-30"}"#],
            &[r#"{"created_at": "yesterday"}"#],
            &[r#"{"id": 18446744073709551616}"#],
            // A key repeated in one record: its last value.
            &[r#"{"id": 1, "id": 2}"#],
            // A parent column beside its children.
            &[r#"{"company": null}"#, r#"{"company": {"id": 1}}"#],
            &[r#"{"company": 5}"#, r#"{"company": {"id": 1}}"#],
            // Not objects, or not JSON.
            &["[1]"],
            &["7"],
            &[r#"{"id": 1"#],
            &[r#"{"id": 01}"#],
            &[r#"{"id": 1,}"#],
            &["{\"name\": \"tab\there\"}"],
            &[r#"{"name": "\x"}"#],
            &[" \u{a0}{}"],
        ] {
            assert!(!same_as_general(recs, Some(&declared)), "{recs:?}");
            let _ = same_as_general(recs, None);
            assert_eq!(
                record_batch(recs, Some(&declared)),
                general_record_batch(recs, Some(&declared)),
                "{recs:?}"
            );
        }
        // Nesting deeper than the scanner follows.
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(!same_as_general(&[deep.as_str()], None));
        let deep = format!("{}{}", "{\"a\": ".repeat(200), "}".repeat(200));
        assert!(!same_as_general(&[deep.as_str()], None));
    }

    #[test]
    fn whitespace_and_trailing_text_are_read_as_the_general_decoder_reads_them() {
        for recs in [
            &[" {\n\t\"id\" :\r 1 , \"s\" : [ 1 , 2 ] , \"o\" : { } } "][..],
            &[r#"{"id": 1} trailing"#],
            &[r#"{"a.b": 1, "a": {"c": 2}}"#],
            &[r#"{"\u0061": 1, "b\"": "x\u0000y"}"#],
        ] {
            assert!(same_as_general(recs, None), "{recs:?}");
        }
    }

    #[test]
    fn strings_of_every_length_with_an_escape_or_a_control_character_anywhere() {
        // The scanner reads plain runs of strings eight bytes at a time: an escape, a quote
        // or a control character at any offset, next to multi-byte characters.
        let declared = vec![("s".to_string(), ColType::Str)];
        for len in 0..24 {
            for at in 0..=len {
                let plain: String = (0..len)
                    .map(|i| if i % 5 == 4 { 'é' } else { 'a' })
                    .collect();
                let cut = plain.char_indices().nth(at).map_or(plain.len(), |(i, _)| i);
                let (head, tail) = plain.split_at(cut);
                for mark in ["\\\"", "\\\\", "\\u00e9", "\\n"] {
                    let rec = format!(r#"{{"s": "{head}{mark}{tail}", "n": 1}}"#);
                    assert!(same_as_general(&[rec.as_str()], Some(&declared)), "{rec}");
                }
                let rec = format!("{{\"s\": \"{head}\u{1}{tail}\", \"n\": 1}}");
                assert!(
                    !same_as_general(&[rec.as_str()], Some(&declared)),
                    "{rec:?}"
                );
                assert!(general_record_batch(&[rec.as_str()], None).is_err());
            }
            let rec = format!(r#"{{"s": "{}", "n": 1}}"#, "é".repeat(len));
            assert!(same_as_general(&[rec.as_str()], Some(&declared)));
        }
    }

    /// Property: on any records the server could send (objects of a few recurring keys whose
    /// values are any JSON: nested objects, lists, date-times, dates, unicode and escapes,
    /// integers beyond 64 bits), the one pass gives what the general decoder gives, declared
    /// or inferred, on one thread or two; any text at all gives a table or an error, never a
    /// panic.
    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                (0..1000i64).prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                "[ -~]{0,12}".prop_map(Value::from),
                "\\PC{0,6}".prop_map(Value::from),
                Just(Value::from("2024-05-01T12:30:00.250+02:00")),
                Just(Value::from("2016-01-04T15:30:00Z")),
                Just(Value::from("2024-02-29")),
                Just(Value::from("a \"quoted\" \\ line\nbreak")),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(
                        prop::sample::select(vec!["id", "name", "x"]),
                        inner,
                        0..3
                    )
                    .prop_map(|m| Value::Object(
                        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )),
                ]
            })
        }

        fn record() -> impl Strategy<Value = String> {
            let keys = prop::sample::select(vec![
                "id",
                "name",
                "latitude",
                "active",
                "due",
                "created_at",
                "company",
                "tags",
                "x",
            ]);
            (
                prop::collection::vec((keys, value()), 0..6),
                any::<bool>(),
                prop::option::of(any::<u64>()),
            )
                .prop_map(|(fields, spaced, big)| {
                    let mut text = String::from("{");
                    for (i, (k, v)) in fields.iter().enumerate() {
                        if i > 0 {
                            text.push(',');
                        }
                        let v = if spaced {
                            serde_json::to_string_pretty(v)
                        } else {
                            serde_json::to_string(v)
                        };
                        text.push_str(&format!("\"{k}\":{}", v.unwrap_or_default()));
                    }
                    if let Some(b) = big {
                        // An integer beyond 64 bits, where a record may hold one.
                        let comma = if fields.is_empty() { "" } else { "," };
                        text.push_str(&format!("{comma}\"big\":{b}{b}"));
                    }
                    text.push('}');
                    text
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn the_one_pass_equals_the_general_decoder(
                recs in prop::collection::vec(record(), 0..12)
            ) {
                let texts: Vec<&str> = recs.iter().map(String::as_str).collect();
                let declared = awkward_declared();
                for declared in [Some(declared.as_slice()), None] {
                    let general = general_record_batch(&texts, declared);
                    let one = fast::record_batch_split(&texts, declared, false);
                    let two = fast::record_batch_split(&texts, declared, true);
                    if let Some(one) = &one {
                        prop_assert_eq!(&Ok(one.clone()), &general);
                    }
                    prop_assert_eq!(one, two);
                    prop_assert_eq!(record_batch(&texts, declared), general);
                }
            }

            #[test]
            fn any_text_gives_a_table_or_an_error(
                texts in prop::collection::vec("\\PC{0,40}|\\{[ -~]{0,40}", 0..6)
            ) {
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                let declared = awkward_declared();
                let _ = record_batch(&texts, Some(&declared));
                let _ = record_batch(&texts, None);
                let _ = fast::record_batch(&texts, None);
            }
        }
    }
}
