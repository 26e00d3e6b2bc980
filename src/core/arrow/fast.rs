//! One pass per record: a scanner over the record's JSON text hands each leaf (by its dotted
//! path) to its column, and a declared column turns the value into its type as it is read
//! (no JSON text kept, no second reading). Undeclared columns keep their values' JSON texts
//! and are typed at the end as the general decoder types them ([`super::raw_column`]).
//!
//! It takes on the records of the common shape only. Anything else makes it give up
//! ([`Bail`]) and leave the whole list to the general decoder ([`super::general_record_batch`]),
//! which is the reference of the rules: a value that does not fit its declared type (the
//! column falls back to JSON text), a key repeated in one record, a column that is also the
//! parent of another (`company: null` beside `company.id`), text that is not a JSON object,
//! nesting deeper than [`MAX_DEPTH`].

use std::collections::{HashMap, HashSet};

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Field;

use super::{
    batch_of, date_days, datetime_micros, json_str, map_columns, raw_column, ColType,
    PARALLEL_ROWS, PARALLEL_VALUES, SEP, UTC,
};

/// Something the one pass does not take on: the general decoder decides.
#[derive(Debug)]
pub(super) struct Bail;

type Step<T = ()> = Result<T, Bail>;

/// Deepest nesting of objects and lists the scanner follows (serde_json's own limit).
const MAX_DEPTH: usize = 128;

/// The records as one record batch, or `None` when the general decoder must decide.
pub(super) fn record_batch<S: AsRef<str> + Sync + ?Sized>(
    records: &[&S],
    declared: Option<&[(String, ColType)]>,
) -> Option<RecordBatch> {
    record_batch_split(records, declared, records.len() >= PARALLEL_ROWS)
}

/// [`record_batch`], read in two halves on two threads when `split`.
pub(super) fn record_batch_split<S: AsRef<str> + Sync + ?Sized>(
    records: &[&S],
    declared: Option<&[(String, ColType)]>,
    split: bool,
) -> Option<RecordBatch> {
    let types: HashMap<&str, ColType> = declared
        .map(|d| d.iter().map(|(n, t)| (n.as_str(), *t)).collect())
        .unwrap_or_default();
    // A long list is read in two halves on two threads; the second half's columns are then
    // appended to the first's (its new columns after the first's: first-seen order).
    let part = if split && records.len() >= 2 {
        let (a, b) = records.split_at(records.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| Part::read(b, a.len(), &types));
            let first = Part::read(a, 0, &types);
            match second.join() {
                Ok(second) => (first, second),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        let mut part = first.ok()?;
        part.append(second.ok()?).ok()?;
        part
    } else {
        Part::read(records, 0, &types).ok()?
    };
    part.finish(declared.unwrap_or_default(), &types).ok()
}

/// Where a column's values go: the builder of its declared type, or (undeclared, or a
/// declared list) the values' JSON texts by row.
enum Sink<'a> {
    Raw(Vec<(u32, &'a str)>),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Str(StringBuilder),
    Date(Date32Builder),
    DateTime(TimestampMicrosecondBuilder),
}

impl<'a> Sink<'a> {
    /// A sink for a column of type `ty` (`None`: undeclared), with room for `room` values
    /// of about `width` bytes.
    fn new(ty: Option<ColType>, room: usize, width: usize) -> Sink<'a> {
        match ty {
            Some(ColType::Int) => Sink::Int(Int64Builder::with_capacity(room)),
            Some(ColType::Float) => Sink::Float(Float64Builder::with_capacity(room)),
            Some(ColType::Bool) => Sink::Bool(BooleanBuilder::with_capacity(room)),
            Some(ColType::Str) => Sink::Str(StringBuilder::with_capacity(
                room,
                room.saturating_mul(width),
            )),
            Some(ColType::Date) => Sink::Date(Date32Builder::with_capacity(room)),
            Some(ColType::DateTime) => {
                Sink::DateTime(TimestampMicrosecondBuilder::with_capacity(room).with_timezone(UTC))
            }
            _ => Sink::Raw(Vec::with_capacity(room)),
        }
    }

    /// An empty sink of the same kind.
    fn empty_like(&self) -> Sink<'a> {
        match self {
            Sink::Raw(_) => Sink::Raw(Vec::new()),
            Sink::Int(_) => Sink::new(Some(ColType::Int), 0, 0),
            Sink::Float(_) => Sink::new(Some(ColType::Float), 0, 0),
            Sink::Bool(_) => Sink::new(Some(ColType::Bool), 0, 0),
            Sink::Str(_) => Sink::new(Some(ColType::Str), 0, 0),
            Sink::Date(_) => Sink::new(Some(ColType::Date), 0, 0),
            Sink::DateTime(_) => Sink::new(Some(ColType::DateTime), 0, 0),
        }
    }

    /// Rows it has values (or nulls) for: a typed sink's length (a raw one lists only the
    /// rows it has: `None`).
    fn len(&self) -> Option<usize> {
        Some(match self {
            Sink::Raw(_) => return None,
            Sink::Int(b) => b.len(),
            Sink::Float(b) => b.len(),
            Sink::Bool(b) => b.len(),
            Sink::Str(b) => b.len(),
            Sink::Date(b) => b.len(),
            Sink::DateTime(b) => b.len(),
        })
    }

    /// Nulls up to row `n` (a typed sink).
    fn pad(&mut self, n: usize) {
        let gap = match self.len() {
            Some(len) if len < n => n - len,
            _ => return,
        };
        match self {
            Sink::Raw(_) => {}
            Sink::Int(b) => b.append_nulls(gap),
            Sink::Float(b) => b.append_nulls(gap),
            Sink::Bool(b) => b.append_nulls(gap),
            Sink::Str(b) => b.append_nulls(gap),
            Sink::Date(b) => b.append_nulls(gap),
            Sink::DateTime(b) => b.append_nulls(gap),
        }
    }

    /// The value `text` (JSON; `escaped`: a string with escapes) of row `local` of the part
    /// (`row` in the whole list).
    #[inline]
    fn push(&mut self, local: usize, row: u32, text: &'a str, escaped: bool) -> Step {
        /// Nulls up to `local`, then `null` or the converted value; a key repeated in one
        /// record (the builder already past `local`) cannot take its typed value back.
        macro_rules! put {
            ($b:ident, $value:expr) => {{
                let len = $b.len();
                if len > local {
                    return Err(Bail);
                }
                if len < local {
                    $b.append_nulls(local - len);
                }
                if is_null(text) {
                    $b.append_null();
                } else {
                    let value = $value;
                    $b.append_value(value);
                }
            }};
        }
        // The string a JSON string's text holds (`super::json_str`, without looking for
        // escapes again).
        let string = || -> Step<std::borrow::Cow<'a, str>> {
            if escaped {
                json_str(text).ok_or(Bail)
            } else {
                text.get(1..text.len().saturating_sub(1))
                    .filter(|_| text.len() >= 2 && text.starts_with('"'))
                    .map(std::borrow::Cow::Borrowed)
                    .ok_or(Bail)
            }
        };
        // The conversions of `super::build`, value by value: a value that does not fit
        // makes the general decoder keep the column as JSON text.
        match self {
            Sink::Raw(values) => match values.last_mut() {
                // A key repeated in one record: its last value (as the general decoder).
                Some(last) if last.0 == row => last.1 = text,
                _ => values.push((row, text)),
            },
            Sink::Int(b) => put!(b, text.parse::<i64>().map_err(|_| Bail)?),
            Sink::Float(b) => put!(b, {
                // The scanner checked the JSON: a value starting so is a number.
                if !matches!(text.as_bytes().first(), Some(b'-' | b'0'..=b'9')) {
                    return Err(Bail);
                }
                text.parse::<f64>().map_err(|_| Bail)?
            }),
            Sink::Bool(b) => put!(
                b,
                match text {
                    "true" => true,
                    "false" => false,
                    _ => return Err(Bail),
                }
            ),
            Sink::Str(b) => put!(b, {
                let s = string()?;
                // Offsets are 32-bit: more text than that is the general decoder's to refuse.
                if b.values_slice().len() + s.len() > i32::MAX as usize {
                    return Err(Bail);
                }
                s
            }),
            Sink::Date(b) => put!(b, date_days(&string()?).ok_or(Bail)?),
            Sink::DateTime(b) => put!(b, datetime_micros(&string()?, false).ok_or(Bail)?),
        }
        Ok(())
    }

    /// Appends `other` (the rows after this sink's).
    fn append(&mut self, other: Sink<'a>) -> Step {
        match (self, other) {
            (Sink::Raw(a), Sink::Raw(b)) => a.extend(b),
            (Sink::Int(a), Sink::Int(mut b)) => a.append_array(&b.finish()),
            (Sink::Float(a), Sink::Float(mut b)) => a.append_array(&b.finish()),
            (Sink::Bool(a), Sink::Bool(mut b)) => a.append_array(&b.finish()),
            (Sink::Str(a), Sink::Str(mut b)) => a.append_array(&b.finish()).map_err(|_| Bail)?,
            (Sink::Date(a), Sink::Date(mut b)) => a.append_array(&b.finish()),
            (Sink::DateTime(a), Sink::DateTime(mut b)) => a.append_array(&b.finish()),
            _ => return Err(Bail),
        }
        Ok(())
    }

    /// The column's array (a typed sink) and its type.
    fn finish(&mut self) -> Option<(ColType, ArrayRef)> {
        use std::sync::Arc;
        Some(match self {
            Sink::Raw(_) => return None,
            Sink::Int(b) => (ColType::Int, Arc::new(b.finish())),
            Sink::Float(b) => (ColType::Float, Arc::new(b.finish())),
            Sink::Bool(b) => (ColType::Bool, Arc::new(b.finish())),
            Sink::Str(b) => (ColType::Str, Arc::new(b.finish())),
            Sink::Date(b) => (ColType::Date, Arc::new(b.finish())),
            Sink::DateTime(b) => (ColType::DateTime, Arc::new(b.finish())),
        })
    }
}

/// The columns of a run of records (a whole list, or one half of it).
struct Part<'a, 't> {
    /// Row of the first record in the whole list.
    base: usize,
    rows: usize,
    names: Vec<String>,
    sinks: Vec<Sink<'a>>,
    index: HashMap<String, usize>,
    /// The column of the n-th leaf of the last records, by n (see `Columns::column`).
    by_place: Vec<usize>,
    place: usize,
    /// The first record is being read: its columns get room for every row.
    filling_first: bool,
    /// Values room may still be made for up front, and bytes of string data: bounded by
    /// the records' text (a value takes a few bytes of it), so that a first record of many
    /// columns or long strings cannot make the pass reserve more than its input warrants.
    room_values: usize,
    room_bytes: usize,
    types: &'t HashMap<&'t str, ColType>,
}

impl<'a, 't> Part<'a, 't> {
    fn read<S: AsRef<str> + ?Sized>(
        records: &'a [&'a S],
        base: usize,
        types: &'t HashMap<&'t str, ColType>,
    ) -> Step<Self> {
        let mut part = Part {
            base,
            rows: records.len(),
            names: Vec::new(),
            sinks: Vec::new(),
            index: HashMap::new(),
            by_place: Vec::new(),
            place: 0,
            filling_first: true,
            room_values: 0,
            room_bytes: 0,
            types,
        };
        let bytes: usize = records.iter().map(|r| r.as_ref().len()).sum();
        part.room_values = bytes / 4;
        part.room_bytes = bytes;
        let mut path = String::new();
        for (local, rec) in records.iter().enumerate() {
            let text = rec.as_ref();
            part.place = 0;
            part.filling_first = local == 0;
            let mut scan = Scan {
                text,
                bytes: text.as_bytes(),
                at: 0,
            };
            scan.ws();
            if scan.peek() != Some(b'{') {
                return Err(Bail);
            }
            path.clear();
            part.object(&mut scan, local, &mut path, 0)?;
        }
        let rows = part.rows;
        for sink in &mut part.sinks {
            sink.pad(rows);
        }
        Ok(part)
    }

    /// The object at the scanner (at its `{`): each leaf to its column, nested objects in
    /// turn with their path as prefix.
    fn object(
        &mut self,
        scan: &mut Scan<'a>,
        local: usize,
        path: &mut String,
        depth: usize,
    ) -> Step {
        if depth >= MAX_DEPTH {
            return Err(Bail);
        }
        scan.at += 1;
        scan.ws();
        if scan.eat(b'}') {
            return Ok(());
        }
        let base = path.len();
        loop {
            let (key, escaped) = scan.string()?;
            path.truncate(base);
            push_key(path, key, escaped)?;
            scan.ws();
            if !scan.eat(b':') {
                return Err(Bail);
            }
            scan.ws();
            if scan.peek() == Some(b'{') {
                path.push(SEP);
                self.object(scan, local, path, depth + 1)?;
            } else {
                let start = scan.at;
                let escaped = scan.value(depth + 1)?;
                let text = scan.text.get(start..scan.at).ok_or(Bail)?;
                self.push(path, local, text, escaped)?;
            }
            scan.ws();
            match scan.next() {
                Some(b',') => scan.ws(),
                Some(b'}') => break,
                _ => return Err(Bail),
            }
        }
        path.truncate(base);
        Ok(())
    }

    fn push(&mut self, name: &str, local: usize, text: &'a str, escaped: bool) -> Step {
        let i = self.column(name, text.len());
        let row = u32::try_from(self.base + local).map_err(|_| Bail)?;
        self.sinks[i].push(local, row, text, escaped)
    }

    fn column(&mut self, name: &str, width: usize) -> usize {
        let place = self.place;
        self.place += 1;
        if let Some(&i) = self.by_place.get(place) {
            if same(&self.names[i], name) {
                return i;
            }
        }
        let i = self.lookup(name, width);
        if place < self.by_place.len() {
            self.by_place[place] = i;
        } else if place == self.by_place.len() {
            self.by_place.push(i);
        }
        i
    }

    fn lookup(&mut self, name: &str, width: usize) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        // A column of the first record is most likely in every record: room for all of
        // them at once (not for columns found later, which may be sparse).
        let room = if self.filling_first && self.room_values >= self.rows {
            self.room_values -= self.rows;
            self.rows
        } else {
            0
        };
        let width = (width + 8).min(self.room_bytes / room.max(1));
        self.room_bytes -= room * width;
        self.sinks
            .push(Sink::new(self.types.get(name).copied(), room, width));
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// Appends the part that follows this one.
    fn append(&mut self, next: Part<'a, '_>) -> Step {
        let rows = self.rows;
        for (name, sink) in next.names.into_iter().zip(next.sinks) {
            let i = match self.index.get(&name) {
                Some(&i) => i,
                None => {
                    let mut new = sink.empty_like();
                    new.pad(rows);
                    self.sinks.push(new);
                    self.index.insert(name.clone(), self.names.len());
                    self.names.push(name);
                    self.sinks.len() - 1
                }
            };
            self.sinks[i].append(sink)?;
        }
        self.rows += next.rows;
        let total = self.rows;
        for sink in &mut self.sinks {
            sink.pad(total);
        }
        Ok(())
    }

    /// The record batch: declared columns no record has appended in declaration order, raw
    /// columns typed and built (on two threads when they are many values).
    fn finish(
        mut self,
        declared: &[(String, ColType)],
        types: &HashMap<&str, ColType>,
    ) -> Step<RecordBatch> {
        // A column that is also a parent (`company` beside `company.id`): the general rules
        // (its nulls dropped) decide.
        let mut parents: HashSet<&str> = HashSet::new();
        for name in &self.names {
            for (i, c) in name.char_indices() {
                if c == SEP {
                    parents.insert(&name[..i]);
                }
            }
        }
        if self.names.iter().any(|n| parents.contains(n.as_str())) {
            return Err(Bail);
        }
        for (name, _) in declared {
            if !self.index.contains_key(name) {
                self.index.insert(name.clone(), self.names.len());
                self.names.push(name.clone());
                self.sinks.push(Sink::Raw(Vec::new()));
            }
        }
        let rows = self.rows;
        let mut raw_values = 0usize;
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(&mut self.sinks)
            .map(|(name, sink)| match sink.finish() {
                Some((ty, array)) => Column::Done(Field::new(name, ty.data_type(), true), array),
                None => {
                    let values = match sink {
                        Sink::Raw(values) => values.as_slice(),
                        _ => &[],
                    };
                    raw_values += values.len();
                    Column::Raw(name, values)
                }
            })
            .collect();
        let built = map_columns(&columns, raw_values >= PARALLEL_VALUES, |c| match c {
            Column::Done(field, array) => (field.clone(), array.clone()),
            Column::Raw(name, values) => {
                raw_column(name, rows, values, types.get(name.as_str()).copied())
            }
        });
        Ok(batch_of(rows, built))
    }
}

/// The bytes that end a run of plain characters in a string: `"`, `\` and the control
/// characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A value the scanner read is `null` (the only one starting with `n`).
#[inline]
fn is_null(text: &str) -> bool {
    text.as_bytes().first() == Some(&b'n')
}

/// `a == b`, inline: names are short, a call to `memcmp` costs more than comparing them.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A column of the batch: built (a typed sink), or its values' JSON texts to type and build.
enum Column<'s, 'a> {
    Done(Field, ArrayRef),
    Raw(&'s String, &'s [(u32, &'a str)]),
}

/// A key's text (`"..."`, escapes resolved) after `path`.
fn push_key(path: &mut String, key: &str, escaped: bool) -> Step {
    let inner = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .ok_or(Bail)?;
    if escaped {
        path.push_str(&serde_json::from_str::<String>(key).map_err(|_| Bail)?);
    } else {
        path.push_str(inner);
    }
    Ok(())
}

/// A cursor over one record's JSON text that checks the grammar as it skips values.
struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.at += 1;
        b
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string at the cursor: its text with the quotes, and whether it has escapes.
    fn string(&mut self) -> Step<(&'a str, bool)> {
        let start = self.at;
        if !self.eat(b'"') {
            return Err(Bail);
        }
        let mut escaped = false;
        loop {
            // The run of plain characters first (a control character is none: JSON forbids
            // them in strings).
            self.plain_run();
            match self.next() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match self.next() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            let hex = self.bytes.get(self.at..self.at + 4).ok_or(Bail)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(Bail);
                            }
                            self.at += 4;
                        }
                        _ => return Err(Bail),
                    }
                }
                _ => return Err(Bail),
            }
        }
        Ok((self.text.get(start..self.at).ok_or(Bail)?, escaped))
    }

    /// Skips plain characters of a string (to the next quote, backslash or control
    /// character): eight bytes at a time while there are eight, then byte by byte.
    #[inline]
    fn plain_run(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let x = u64::from_le_bytes(word);
            // A high bit in the lowest byte that is a quote, a backslash or below 0x20 (the
            // bits above the first such byte may be wrong, the lowest is exact); bytes of
            // 0x80 and above (UTF-8) never stop the run.
            let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
            let stop = (zero(x ^ (ONES * u64::from(b'"')))
                | zero(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH))
                & !(x & HIGH);
            if stop != 0 {
                self.at += (stop.trailing_zeros() / 8) as usize;
                return;
            }
            self.at += 8;
        }
        while let Some(&c) = self.bytes.get(self.at) {
            if STOP[c as usize] {
                break;
            }
            self.at += 1;
        }
    }

    /// Skips the value at the cursor, checking it; `true` for a string with escapes.
    fn value(&mut self, depth: usize) -> Step<bool> {
        if depth >= MAX_DEPTH {
            return Err(Bail);
        }
        match self.peek() {
            Some(b'"') => self.string().map(|(_, escaped)| escaped),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| false),
            Some(b't') => self.literal(b"true").map(|_| false),
            Some(b'f') => self.literal(b"false").map(|_| false),
            Some(b'n') => self.literal(b"null").map(|_| false),
            Some(b'[') => {
                self.at += 1;
                self.ws();
                if self.eat(b']') {
                    return Ok(false);
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => self.ws(),
                        Some(b']') => return Ok(false),
                        _ => return Err(Bail),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                self.ws();
                if self.eat(b'}') {
                    return Ok(false);
                }
                loop {
                    self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return Err(Bail);
                    }
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => self.ws(),
                        Some(b'}') => return Ok(false),
                        _ => return Err(Bail),
                    }
                }
            }
            _ => Err(Bail),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// A JSON number: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?
    fn number(&mut self) -> Step {
        self.eat(b'-');
        match self.next() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Bail),
        }
        if self.eat(b'.') {
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Step {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(Bail);
        }
        self.digits();
        Ok(())
    }
}
