//! Records to Arrow for Python: [`ArrowTable`], the columns of a list of records built in Rust
//! (`core::arrow`) and handed out through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`), so pyarrow, polars and duckdb read them without a Python object
//! per value; and the column data `procore._frames` builds pandas DataFrames from.

use arrow_array::cast::AsArray;
use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, RecordBatch, RecordBatchIterator, RecordBatchOptions, StringViewArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyCapsule, PyDate, PyDict, PyList, PyString};
use serde_json::value::RawValue;
use std::sync::Arc;

use super::models::JsonToPy;
use crate::core::arrow::{self as columns, ColType, FALLBACK_JSON, FALLBACK_KEY};
use crate::core::records::{civil_from_days, UtcDateTime, TYPES};

/// The columns of a list of records, as Arrow record batches (one per page, or one for a
/// whole list), all of one schema.
#[pyclass(frozen, module = "procore", name = "ArrowTable")]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ArrowTable { schema, batches }
    }

    pub fn from_batch(batch: RecordBatch) -> Self {
        ArrowTable {
            schema: batch.schema(),
            batches: vec![batch],
        }
    }

    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column `i` as one array (the batches' arrays, when there is one batch).
    fn column(&self, i: usize) -> PyResult<Vec<ArrayRef>> {
        if i >= self.schema.fields().len() {
            return Err(PyIndexError::new_err(format!("no column {i}")));
        }
        Ok(self.batches.iter().map(|b| b.column(i).clone()).collect())
    }
}

fn is_fallback(field: &Field) -> bool {
    field.metadata().get(FALLBACK_KEY).map(String::as_str) == Some(FALLBACK_JSON)
}

#[pymethods]
impl ArrowTable {
    /// The Arrow C stream of the table's record batches (the Arrow PyCapsule interface):
    /// what `pyarrow.table()`, `polars.from_arrow()` / `polars.DataFrame()` and duckdb read.
    /// A requested schema is not applied (the interface lets a producer ignore it).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The Arrow C schema of the table (the Arrow PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| PyTypeError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// Number of rows (records).
    #[getter]
    fn num_rows(&self) -> usize {
        self.rows()
    }

    /// Number of columns.
    #[getter]
    fn num_columns(&self) -> usize {
        self.schema.fields().len()
    }

    /// The column names, in order (`company.id` for nested fields).
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// `{name: arrow type}`, in column order (`int64`, `timestamp[us, tz=UTC]`, ...);
    /// a column kept as JSON text shows as `json`.
    #[getter]
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for f in self.schema.fields() {
            let t = if is_fallback(f) {
                "json".to_string()
            } else {
                type_name(f.data_type())
            };
            out.set_item(f.name(), t)?;
        }
        Ok(out)
    }

    fn __len__(&self) -> usize {
        self.rows()
    }

    /// A pandas DataFrame of the table (`ResultList.to_pandas()`'s columns and types).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        module!(slf.py(), "procore._frames")?.call_method1("to_pandas", (slf,))
    }

    /// A polars DataFrame of the table (`ResultList.to_polars()`'s columns and types).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        module!(slf.py(), "procore._frames")?.call_method1("to_polars", (slf,))
    }

    /// Writes the table to a Parquet file (through pyarrow, or polars when pyarrow is
    /// missing).
    fn to_parquet<'py>(slf: &Bound<'py, Self>, path: &Bound<'py, PyAny>) -> PyResult<()> {
        module!(slf.py(), "procore._frames")?.call_method1("to_parquet", (slf, path))?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "<procore.ArrowTable: {} rows, {} columns>",
            self.rows(),
            self.schema.fields().len()
        )
    }

    /// The table with its string columns (not those kept as JSON text) as string views
    /// (`Utf8View`, pointing into the same string data: nothing copied), which polars keeps
    /// as they are; it copies `Utf8` strings into views of its own. What `to_polars()` reads.
    fn _polars_view(&self) -> ArrowTable {
        let view = |f: &Field| !is_fallback(f) && matches!(f.data_type(), DataType::Utf8);
        let fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .map(|f| {
                if view(f) {
                    f.as_ref().clone().with_data_type(DataType::Utf8View)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let schema = Arc::new(Schema::new_with_metadata(
            fields,
            self.schema.metadata().clone(),
        ));
        let batches = self
            .batches
            .iter()
            .map(|b| {
                let columns: Vec<ArrayRef> = self
                    .schema
                    .fields()
                    .iter()
                    .zip(b.columns())
                    .map(|(f, a)| {
                        if view(f) {
                            Arc::new(StringViewArray::from(a.as_string::<i32>())) as ArrayRef
                        } else {
                            a.clone()
                        }
                    })
                    .collect();
                let options = RecordBatchOptions::new().with_row_count(Some(b.num_rows()));
                RecordBatch::try_new_with_options(schema.clone(), columns, &options)
                    .expect("the same columns, strings as views")
            })
            .collect();
        ArrowTable::new(schema, batches)
    }

    /// Column `i` as a list of Python values (JSON-text columns decoded).
    fn _column<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyList>> {
        let field = self.schema.field(i).clone();
        let fallback = is_fallback(&field);
        let mut out: Vec<Bound<'py, PyAny>> = Vec::with_capacity(self.rows());
        let mut conv = JsonToPy::new(py);
        let none = py.None().into_bound(py);
        for array in self.column(i)? {
            match array.data_type() {
                // The common columns without a per-value dispatch.
                DataType::Utf8 if !fallback => {
                    for v in array.as_string::<i32>() {
                        out.push(match v {
                            Some(s) => PyString::new(py, s).into_any(),
                            None => none.clone(),
                        });
                    }
                }
                DataType::Null => out.extend((0..array.len()).map(|_| none.clone())),
                _ => {
                    for row in 0..array.len() {
                        out.push(value(py, &array, row, &field, &mut conv)?);
                    }
                }
            }
        }
        PyList::new(py, out)
    }

    /// The columns as pandas wants them: `(name, tag, data, nulls)`, with `tag` `"int"` or
    /// `"datetime"` (`data` the int64 values, microseconds for date-times, as bytes; `nulls`
    /// one byte a row, or `None`), `"float"` (float64 bytes, NaN for nulls), or `"values"`
    /// (`data` a list of Python values).
    ///
    /// With `strings_from_arrow`, a string column that holds a value is `(name, "arrow",
    /// None, None)` instead: the caller reads it from the Arrow stream (no Python string
    /// made here).
    #[pyo3(signature = (strings_from_arrow=false))]
    fn _pandas_columns<'py>(
        &self,
        py: Python<'py>,
        strings_from_arrow: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (i, field) in self.schema.fields().iter().enumerate() {
            let arrays = self.column(i)?;
            if strings_from_arrow
                && !is_fallback(field)
                && matches!(field.data_type(), DataType::Utf8)
                && arrays.iter().any(|a| a.null_count() < a.len())
            {
                out.append((field.name(), "arrow", py.None(), py.None()))?;
                continue;
            }
            let numeric = !is_fallback(field)
                && matches!(
                    field.data_type(),
                    DataType::Int64 | DataType::Timestamp(..) | DataType::Float64
                );
            if !numeric {
                let values = self._column(py, i)?;
                out.append((field.name(), "values", values, py.None()))?;
                continue;
            }
            let mut data: Vec<u8> = Vec::with_capacity(self.rows() * 8);
            let mut nulls: Vec<u8> = Vec::new();
            let has_nulls = arrays.iter().any(|a| a.null_count() > 0);
            let tag = match field.data_type() {
                DataType::Float64 => {
                    for a in &arrays {
                        let a = a.as_primitive::<Float64Type>();
                        for row in 0..a.len() {
                            let v = if a.is_null(row) {
                                f64::NAN
                            } else {
                                a.value(row)
                            };
                            data.extend_from_slice(&v.to_ne_bytes());
                        }
                    }
                    "float"
                }
                t => {
                    for a in &arrays {
                        let values: &[i64] = match t {
                            DataType::Int64 => a.as_primitive::<Int64Type>().values(),
                            _ => a.as_primitive::<TimestampMicrosecondType>().values(),
                        };
                        for v in values {
                            data.extend_from_slice(&v.to_ne_bytes());
                        }
                        if has_nulls {
                            nulls.extend((0..a.len()).map(|r| u8::from(a.is_null(r))));
                        }
                    }
                    if matches!(t, DataType::Int64) {
                        "int"
                    } else {
                        "datetime"
                    }
                }
            };
            let nulls = if has_nulls && tag != "float" {
                PyBytes::new(py, &nulls).into_any()
            } else {
                py.None().into_bound(py)
            };
            out.append((field.name(), tag, PyBytes::new(py, &data), nulls))?;
        }
        Ok(out)
    }
}

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Null => "null".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float64 => "double".into(),
        DataType::Boolean => "bool".into(),
        DataType::Utf8 => "string".into(),
        DataType::Date32 => "date32".into(),
        DataType::Timestamp(_, Some(tz)) => format!("timestamp[us, tz={tz}]"),
        DataType::Timestamp(_, None) => "timestamp[us]".into(),
        DataType::List(f) => format!("list<{}>", type_name(f.data_type())),
        other => other.to_string(),
    }
}

/// One value of an array as a Python value.
fn value<'py>(
    py: Python<'py>,
    array: &ArrayRef,
    row: usize,
    field: &Field,
    conv: &mut JsonToPy<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    if array.is_null(row) || matches!(array.data_type(), DataType::Null) {
        return Ok(py.None().into_bound(py));
    }
    Ok(match array.data_type() {
        DataType::Int64 => array
            .as_primitive::<Int64Type>()
            .value(row)
            .into_pyobject(py)?
            .into_any(),
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .value(row)
            .into_pyobject(py)?
            .into_any(),
        DataType::Boolean => PyBool::new(py, array.as_boolean().value(row))
            .to_owned()
            .into_any(),
        DataType::Utf8 => {
            let s = array.as_string::<i32>().value(row);
            if is_fallback(field) {
                let raw: &RawValue = serde_json::from_str(s)
                    .map_err(|e| PyTypeError::new_err(format!("{}: {e}", field.name())))?;
                conv.convert(raw)?
            } else {
                s.into_pyobject(py)?.into_any()
            }
        }
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            let (y, m, d) = civil_from_days(i64::from(days));
            PyDate::new(py, y, m, d)?.into_any()
        }
        DataType::Timestamp(..) => {
            let us = array.as_primitive::<TimestampMicrosecondType>().value(row);
            let t =
                UtcDateTime::from_unix(us.div_euclid(1_000_000), us.rem_euclid(1_000_000) as u32);
            super::records::utc_datetime(py, &t)?
        }
        DataType::List(inner) => {
            let items = array.as_list::<i32>().value(row);
            let out = PyList::empty(py);
            for i in 0..items.len() {
                out.append(value(py, &items, i, inner, conv)?)?;
            }
            out.into_any()
        }
        other => {
            return Err(PyTypeError::new_err(format!(
                "{}: unexpected column type {other}",
                field.name()
            )))
        }
    })
}

// ----------------------------------------------------------------------------- entry points

/// What a list item is, for the columns: its record's JSON text and declared type.
enum Item<'py> {
    Record(Bound<'py, super::records::Record>),
    Project(Bound<'py, super::models::Project>),
    Company(Bound<'py, super::models::Company>),
    Me(Bound<'py, super::models::Me>),
    Text(String),
}

impl Item<'_> {
    fn text(&self) -> &str {
        match self {
            Item::Record(r) => r.get().raw_text(),
            Item::Project(r) => r.get().inner.raw_json(),
            Item::Company(r) => r.get().inner.raw_json(),
            Item::Me(r) => r.get().inner.raw_json(),
            Item::Text(s) => s,
        }
    }

    /// Which declaration applies: a type of the table, a hand-written model, or none.
    fn declared(&self) -> Declared {
        match self {
            Item::Record(r) => Declared::Type(r.get().type_index()),
            Item::Project(_) => Declared::Model("Project"),
            Item::Company(_) => Declared::Model("Company"),
            Item::Me(_) => Declared::Model("Me"),
            Item::Text(_) => Declared::None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Declared {
    None,
    Type(u16),
    Model(&'static str),
}

impl Declared {
    fn columns(self) -> Option<Vec<(String, ColType)>> {
        match self {
            Declared::None => None,
            Declared::Type(t) => TYPES.get(t as usize).map(columns::declared_columns),
            Declared::Model(name) => columns::model_columns(name),
        }
    }
}

fn item<'py>(obj: &Bound<'py, PyAny>, index: usize, what: &str) -> PyResult<Item<'py>> {
    // `is_instance_of` first: a failed cast would build an error for each record.
    if obj.is_instance_of::<super::records::Record>() {
        return Ok(Item::Record(obj.cast::<super::records::Record>()?.clone()));
    }
    if obj.is_instance_of::<super::models::Project>() {
        return Ok(Item::Project(obj.cast::<super::models::Project>()?.clone()));
    }
    if obj.is_instance_of::<super::models::Company>() {
        return Ok(Item::Company(obj.cast::<super::models::Company>()?.clone()));
    }
    if obj.is_instance_of::<super::models::Me>() {
        return Ok(Item::Me(obj.cast::<super::models::Me>()?.clone()));
    }
    let not_a_record = || {
        PyTypeError::new_err(format!(
            "{what} needs records that are dicts or procore models; item {index} is a {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        ))
    };
    let dict = if obj.is_instance_of::<PyDict>() {
        obj.clone()
    } else {
        match obj.call_method0("to_dict") {
            Ok(d) if d.is_instance_of::<PyDict>() => d,
            _ => return Err(not_a_record()),
        }
    };
    match super::convert::to_json(&dict, &format!("{what}: item {index}")) {
        Ok(v) => Ok(Item::Text(v.to_string())),
        // What the strict converter refuses (an integer beyond 64 bits), `json.dumps` writes.
        Err(refused) => match module!(obj.py(), "json")?
            .call_method1("dumps", (&dict,))
            .and_then(|t| t.extract::<String>())
        {
            Ok(text) => Ok(Item::Text(text)),
            Err(_) => Err(refused),
        },
    }
}

/// The records of a list (models or dicts) as an [`ArrowTable`]: one batch, typed by the
/// records' declaration when they all share one, else inferred from every record. `what`
/// names the caller in the `TypeError` for an item that is no record.
#[pyfunction]
#[pyo3(signature = (records, what="to_arrow()"))]
pub fn _records_to_arrow(records: &Bound<'_, PyAny>, what: &str) -> PyResult<ArrowTable> {
    let mut items = Vec::new();
    for (i, obj) in records.try_iter()?.enumerate() {
        items.push(item(&obj?, i, what)?);
    }
    let declared = match items.first().map(Item::declared) {
        Some(d) if items.iter().all(|i| i.declared() == d) => d.columns(),
        _ => None,
    };
    let texts: Vec<&str> = items.iter().map(Item::text).collect();
    let batch = columns::record_batch(&texts, declared.as_deref())
        .map_err(|e| PyTypeError::new_err(format!("{what}: {e}")))?;
    Ok(ArrowTable::from_batch(batch))
}

/// The flattened columns of a list of records (models or dicts) with their values as sent
/// (plain JSON values): `(rows, {name: [value, ...]})`, by the rules the DataFrames follow.
/// What the `procore` command's `csv` and `table` formats print.
#[pyfunction]
#[pyo3(signature = (records, what="--format"))]
pub fn _flat_columns<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<(usize, Bound<'py, PyDict>)> {
    let mut items = Vec::new();
    for (i, obj) in records.try_iter()?.enumerate() {
        items.push(item(&obj?, i, what)?);
    }
    let texts: Vec<&str> = items.iter().map(Item::text).collect();
    let cols = columns::Columns::flatten(&texts)
        .map_err(|e| PyTypeError::new_err(format!("{what}: {e}")))?;
    let out = PyDict::new(py);
    let mut conv = JsonToPy::new(py);
    for (name, values) in cols.names.iter().zip(&cols.values) {
        let list: Vec<Bound<'py, PyAny>> = vec![py.None().into_bound(py); cols.rows];
        let mut list = list;
        for (row, text) in values {
            let raw: &RawValue = serde_json::from_str(text)
                .map_err(|e| PyTypeError::new_err(format!("{name}: {e}")))?;
            list[*row as usize] = conv.convert(raw)?;
        }
        out.set_item(name, PyList::new(py, list)?)?;
    }
    Ok((cols.rows, out))
}

/// Records pulled by the core as an [`ArrowTable`], typed by a hand-written model's
/// declaration (`"Project"`, `"Company"`) or inferred: what a list call with `as_arrow=True`
/// returns (its columns built off the GIL, in the core future).
pub struct Arrow {
    table: Result<ArrowTable, columns::NotAnObject>,
}

impl Arrow {
    /// One page's records (raw JSON) of a hand-written model (`model`: `Project`, ...).
    pub fn new(raws: Vec<Box<RawValue>>, model: Option<&str>) -> Self {
        Self::declared(&raws, model.and_then(columns::model_columns))
    }

    /// The records of a list operation of the catalog, with the columns of its response type
    /// (`type_name`, a name of the type table) declared.
    pub fn of_type(raws: Vec<Box<RawValue>>, type_name: Option<&str>) -> Self {
        let declared = type_name
            .and_then(crate::core::records::lookup)
            .map(columns::declared_columns);
        Self::declared(&raws, declared)
    }

    /// One record batch of `raws`, typed by `declared` where given.
    fn declared(raws: &[Box<RawValue>], declared: Option<Vec<(String, ColType)>>) -> Self {
        let texts: Vec<&str> = raws.iter().map(|r| r.get()).collect();
        Arrow {
            table: columns::record_batch(&texts, declared.as_deref()).map(ArrowTable::from_batch),
        }
    }

    /// Every page of a list endpoint (`core::arrow::pull`).
    pub async fn pull(
        client: &crate::core::Client,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
        model: Option<&str>,
    ) -> crate::core::Result<Self> {
        let declared = model.and_then(columns::model_columns);
        let batches = columns::pull(client, path, query, company_id, declared.as_deref()).await?;
        let schema = batches[0].schema();
        Ok(Arrow {
            table: Ok(ArrowTable::new(schema, batches)),
        })
    }
}

impl<'py> IntoPyObject<'py> for Arrow {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.table {
            Ok(t) => Ok(Bound::new(py, t)?.into_any()),
            Err(e) => Err(super::errors::to_pyerr(
                py,
                crate::core::Error::Decode(format!("as_arrow: {e}")),
            )),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ArrowTable>()?;
    m.add_function(pyo3::wrap_pyfunction!(_records_to_arrow, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(_flat_columns, m)?)?;
    Ok(())
}
