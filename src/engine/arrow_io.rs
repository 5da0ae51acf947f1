//! Arrow record batches ↔ the crate's typed rows ([`Contract`], [`Person`], [`Stoppage`],
//! [`IndicatorRow`]).
//!
//! Decoding accepts the workbench tables as written by [`crate::tables`] (codes as
//! zero-padded strings, SIRETs as 14-character strings) and the engine's own compact
//! schemas (codes as integers): every column is cast to the type the row needs, and a value
//! that does not cast is an error naming the table, the column and the value. Nothing here
//! panics on a bad file.

use crate::columns::{contracts as cc, persons as pc, stoppages as sc};
use crate::date::Date;
use crate::indicators::{Criterion, HireFacts, IndicatorRow, PersonInfo, N_OCC};
use crate::model::{Contract, Pcs, Person, Stoppage};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, StringArray, UInt16Array,
    UInt32Array, UInt64Array, UInt8Array,
};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Schema, SchemaRef, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::{DataFusionError, Result};
use std::sync::{Arc, OnceLock};

/// Name of the shuffle key column added in front of every co-group input.
pub const KEY: &str = "__key";

fn value_error(table: &str, column: &str, msg: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("{table} table: column `{column}`: {msg}"))
}

/// Typed access to the columns of one batch of a named table.
pub struct Cols<'a> {
    batch: &'a RecordBatch,
    table: &'static str,
}

impl<'a> Cols<'a> {
    pub fn new(batch: &'a RecordBatch, table: &'static str) -> Self {
        Cols { batch, table }
    }

    fn raw(&self, name: &str) -> Result<Option<&'a ArrayRef>> {
        Ok(self.batch.column_by_name(name))
    }

    fn cast_opt(&self, name: &str, ty: &DataType) -> Result<Option<ArrayRef>> {
        let Some(a) = self.raw(name)? else {
            return Ok(None);
        };
        if a.data_type() == ty {
            return Ok(Some(a.clone()));
        }
        let opts = CastOptions {
            safe: false,
            ..Default::default()
        };
        // Strings of any flavour go through plain UTF-8 first.
        let a = match a.data_type() {
            DataType::Utf8View | DataType::LargeUtf8 => {
                cast_with_options(a, &DataType::Utf8, &opts)
                    .map_err(|e| value_error(self.table, name, e))?
            }
            _ => a.clone(),
        };
        let a = if matches!(a.data_type(), DataType::Utf8) && !matches!(ty, DataType::Utf8) {
            // Surrounding blanks (CSV extracts) are not part of a code.
            let s = a.as_string::<i32>();
            if s.iter().flatten().any(|v| v.trim() != v) {
                let trimmed: StringArray = s.iter().map(|v| v.map(str::trim)).collect();
                Arc::new(trimmed) as ArrayRef
            } else {
                a
            }
        } else {
            a
        };
        cast_with_options(&a, ty, &opts)
            .map(Some)
            .map_err(|e| value_error(self.table, name, e))
    }

    fn cast(&self, name: &str, ty: &DataType) -> Result<ArrayRef> {
        self.cast_opt(name, ty)?
            .ok_or_else(|| value_error(self.table, name, "missing column"))
    }

    fn required(&self, name: &str, a: ArrayRef) -> Result<ArrayRef> {
        if a.null_count() > 0 {
            return Err(value_error(self.table, name, "missing value"));
        }
        Ok(a)
    }

    pub fn u64s(&self, name: &str) -> Result<UInt64Array> {
        let a = self.required(name, self.cast(name, &DataType::UInt64)?)?;
        Ok(a.as_primitive::<UInt64Type>().clone())
    }
    fn u8s(&self, name: &str) -> Result<UInt8Array> {
        Ok(self
            .cast(name, &DataType::UInt8)?
            .as_primitive::<UInt8Type>()
            .clone())
    }
    fn u16s(&self, name: &str) -> Result<UInt16Array> {
        Ok(self
            .cast(name, &DataType::UInt16)?
            .as_primitive::<UInt16Type>()
            .clone())
    }
    fn dates(&self, name: &str) -> Result<Date32Array> {
        Ok(self
            .cast(name, &DataType::Date32)?
            .as_primitive::<Date32Type>()
            .clone())
    }
    fn bools_opt(&self, name: &str) -> Result<Option<BooleanArray>> {
        Ok(self
            .cast_opt(name, &DataType::Boolean)?
            .map(|a| a.as_boolean().clone()))
    }
    fn strings(&self, name: &str) -> Result<StringArray> {
        Ok(self.cast(name, &DataType::Utf8)?.as_string::<i32>().clone())
    }
}

fn opt<T>(a: &datafusion::arrow::array::PrimitiveArray<T>, i: usize) -> Option<T::Native>
where
    T: datafusion::arrow::datatypes::ArrowPrimitiveType,
{
    a.is_valid(i).then(|| a.value(i))
}

fn req<T>(
    a: &datafusion::arrow::array::PrimitiveArray<T>,
    i: usize,
    table: &str,
    col: &str,
) -> Result<T::Native>
where
    T: datafusion::arrow::datatypes::ArrowPrimitiveType,
{
    opt(a, i).ok_or_else(|| value_error(table, col, format!("missing value at row {}", i + 1)))
}

fn flag(a: &Option<BooleanArray>, i: usize, table: &str, col: &str) -> Result<bool> {
    match a {
        // History columns are absent from contracts whose history is not derived yet.
        None => Ok(false),
        Some(a) if a.is_valid(i) => Ok(a.value(i)),
        Some(_) => Err(value_error(
            table,
            col,
            format!("missing value at row {}", i + 1),
        )),
    }
}

/// The rows of a contracts batch (workbench table or the engine's facts schema).
pub fn contracts(batch: &RecordBatch) -> Result<Vec<Contract>> {
    const T: &str = "contracts";
    let c = Cols::new(batch, T);
    let id = c.u64s(cc::CONTRACT_ID)?;
    let person = c.u64s(cc::PERSON_ID)?;
    let siret = c.u64s(cc::SIRET)?;
    let start = c.dates(cc::START)?;
    let planned = c.dates(cc::PLANNED_END)?;
    let actual = c.dates(cc::ACTUAL_END)?;
    let reason = c.u16s(cc::END_REASON)?;
    let nature = c.u8s(cc::NATURE)?;
    let scheme = c.u8s(cc::SCHEME)?;
    let iae = c.u8s(cc::IAE)?;
    let wt = c.u8s(cc::WORKING_TIME)?;
    let pcs = c.strings(cc::PCS)?;
    let cdd_reason = c.u8s(cc::CDD_REASON)?;
    let boeth = c.u8s(cc::BOETH)?;
    let conv = c.dates(cc::CONVERTED_TO_CDI)?;
    let no_prior = c.bools_opt(cc::NO_PRIOR_EMPLOYMENT)?;
    let months = c
        .cast_opt(cc::MONTHS_SINCE_PREV, &DataType::UInt16)?
        .map(|a| a.as_primitive::<UInt16Type>().clone());
    let sick = c.bools_opt(cc::PRIOR_LONG_SICK_LEAVE)?;
    let prior_iae = c.bools_opt(cc::PRIOR_IAE_OR_SUBSIDISED)?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let p = pcs
            .is_valid(i)
            .then(|| pcs.value(i))
            .ok_or_else(|| value_error(T, cc::PCS, format!("missing value at row {}", i + 1)))?;
        out.push(Contract {
            contract_id: id.value(i),
            person_id: person.value(i),
            siret: siret.value(i),
            start: Date(req(&start, i, T, cc::START)?),
            planned_end: opt(&planned, i).map(Date),
            actual_end: opt(&actual, i).map(Date),
            end_reason: opt(&reason, i),
            nature: req(&nature, i, T, cc::NATURE)?,
            scheme: req(&scheme, i, T, cc::SCHEME)?,
            iae: opt(&iae, i),
            working_time: req(&wt, i, T, cc::WORKING_TIME)?,
            pcs: Pcs::new(p)
                .ok_or_else(|| value_error(T, cc::PCS, format!("not a PCS-ESE code: {p:?}")))?,
            cdd_reason: opt(&cdd_reason, i),
            boeth: opt(&boeth, i),
            converted_to_cdi: opt(&conv, i).map(Date),
            no_prior_employment: flag(&no_prior, i, T, cc::NO_PRIOR_EMPLOYMENT)?,
            months_since_prev: months.as_ref().and_then(|m| opt(m, i)),
            prior_long_sick_leave: flag(&sick, i, T, cc::PRIOR_LONG_SICK_LEAVE)?,
            prior_iae_or_subsidised: flag(&prior_iae, i, T, cc::PRIOR_IAE_OR_SUBSIDISED)?,
        });
    }
    Ok(out)
}

/// The rows of a persons batch.
pub fn persons(batch: &RecordBatch) -> Result<Vec<Person>> {
    const T: &str = "persons";
    let c = Cols::new(batch, T);
    let id = c.u64s(pc::PERSON_ID)?;
    let sex = c.u8s(pc::SEX)?;
    let birth = c.dates(pc::BIRTH_DATE)?;
    let boeth = c.bools_opt(pc::BOETH)?;
    (0..batch.num_rows())
        .map(|i| {
            Ok(Person {
                person_id: id.value(i),
                sex: req(&sex, i, T, pc::SEX)?,
                birth_date: Date(req(&birth, i, T, pc::BIRTH_DATE)?),
                boeth: flag(&boeth, i, T, pc::BOETH)?,
            })
        })
        .collect()
}

/// The rows of a stoppages batch.
pub fn stoppages(batch: &RecordBatch) -> Result<Vec<Stoppage>> {
    const T: &str = "stoppages";
    let c = Cols::new(batch, T);
    let person = c.u64s(sc::PERSON_ID)?;
    let siret = c.u64s(sc::SIRET)?;
    let contract = c.u64s(sc::CONTRACT_ID)?;
    let start = c.dates(sc::START)?;
    let end = c.dates(sc::END)?;
    let reason = c.u8s(sc::REASON)?;
    (0..batch.num_rows())
        .map(|i| {
            Ok(Stoppage {
                person_id: person.value(i),
                siret: siret.value(i),
                contract_id: contract.value(i),
                start: Date(req(&start, i, T, sc::START)?),
                end: opt(&end, i).map(Date),
                reason: req(&reason, i, T, sc::REASON)?,
            })
        })
        .collect()
}

/// The shuffle key of each row (the `__key` column).
pub fn keys(batch: &RecordBatch) -> Result<UInt64Array> {
    Cols::new(batch, "shuffle").u64s(KEY)
}

const FIRST_OCC: &str = "first_in_occupation";
const REHIRE: &str = "rehire";
const SEX: &str = "sex";
const BIRTH: &str = "birth_date";

fn contract_fields() -> Vec<Field> {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    vec![
        f(cc::CONTRACT_ID, DataType::UInt64, false),
        f(cc::PERSON_ID, DataType::UInt64, false),
        f(cc::SIRET, DataType::UInt64, false),
        f(cc::START, DataType::Date32, false),
        f(cc::PLANNED_END, DataType::Date32, true),
        f(cc::ACTUAL_END, DataType::Date32, true),
        f(cc::END_REASON, DataType::UInt16, true),
        f(cc::NATURE, DataType::UInt8, false),
        f(cc::SCHEME, DataType::UInt8, false),
        f(cc::IAE, DataType::UInt8, true),
        f(cc::WORKING_TIME, DataType::UInt8, false),
        f(cc::PCS, DataType::Utf8, false),
        f(cc::CDD_REASON, DataType::UInt8, true),
        f(cc::BOETH, DataType::UInt8, true),
        f(cc::CONVERTED_TO_CDI, DataType::Date32, true),
        f(cc::NO_PRIOR_EMPLOYMENT, DataType::Boolean, false),
        f(cc::MONTHS_SINCE_PREV, DataType::UInt16, true),
        f(cc::PRIOR_LONG_SICK_LEAVE, DataType::Boolean, false),
        f(cc::PRIOR_IAE_OR_SUBSIDISED, DataType::Boolean, false),
    ]
}

/// Compact schema of contracts inside the engine (codes as integers).
pub fn contract_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| Arc::new(Schema::new(contract_fields())))
        .clone()
}

/// Contracts with the person pass's outputs ([`HireFacts`]).
pub fn facts_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let mut f = contract_fields();
        f.push(Field::new(FIRST_OCC, DataType::Boolean, false));
        f.push(Field::new(REHIRE, DataType::Boolean, false));
        f.push(Field::new(SEX, DataType::UInt8, true));
        f.push(Field::new(BIRTH, DataType::Date32, true));
        Arc::new(Schema::new(f))
    })
    .clone()
}

fn contract_columns(rows: &[&Contract]) -> Vec<ArrayRef> {
    fn col<T, A>(rows: &[&Contract], f: impl Fn(&Contract) -> T) -> ArrayRef
    where
        A: Array + FromIterator<T> + 'static,
    {
        Arc::new(rows.iter().map(|c| f(c)).collect::<A>())
    }
    let d = |x: Option<Date>| x.map(|d| d.0);
    vec![
        col::<_, UInt64Array>(rows, |c| Some(c.contract_id)),
        col::<_, UInt64Array>(rows, |c| Some(c.person_id)),
        col::<_, UInt64Array>(rows, |c| Some(c.siret)),
        col::<_, Date32Array>(rows, |c| Some(c.start.0)),
        col::<_, Date32Array>(rows, |c| d(c.planned_end)),
        col::<_, Date32Array>(rows, |c| d(c.actual_end)),
        col::<_, UInt16Array>(rows, |c| c.end_reason),
        col::<_, UInt8Array>(rows, |c| Some(c.nature)),
        col::<_, UInt8Array>(rows, |c| Some(c.scheme)),
        col::<_, UInt8Array>(rows, |c| c.iae),
        col::<_, UInt8Array>(rows, |c| Some(c.working_time)),
        Arc::new(
            rows.iter()
                .map(|c| Some(c.pcs.as_str()))
                .collect::<StringArray>(),
        ),
        col::<_, UInt8Array>(rows, |c| c.cdd_reason),
        col::<_, UInt8Array>(rows, |c| c.boeth),
        col::<_, Date32Array>(rows, |c| d(c.converted_to_cdi)),
        col::<_, BooleanArray>(rows, |c| Some(c.no_prior_employment)),
        col::<_, UInt16Array>(rows, |c| c.months_since_prev),
        col::<_, BooleanArray>(rows, |c| Some(c.prior_long_sick_leave)),
        col::<_, BooleanArray>(rows, |c| Some(c.prior_iae_or_subsidised)),
    ]
}

/// A batch of the compact contract schema.
pub fn encode_contracts(rows: &[Contract]) -> Result<RecordBatch> {
    let refs: Vec<&Contract> = rows.iter().collect();
    Ok(RecordBatch::try_new(
        contract_schema(),
        contract_columns(&refs),
    )?)
}

/// A batch of the facts schema.
pub fn encode_facts(rows: &[(Contract, HireFacts)]) -> Result<RecordBatch> {
    let refs: Vec<&Contract> = rows.iter().map(|r| &r.0).collect();
    let mut cols = contract_columns(&refs);
    cols.push(Arc::new(
        rows.iter()
            .map(|r| Some(r.1.first_in_occupation))
            .collect::<BooleanArray>(),
    ));
    cols.push(Arc::new(
        rows.iter()
            .map(|r| Some(r.1.rehire))
            .collect::<BooleanArray>(),
    ));
    cols.push(Arc::new(
        rows.iter()
            .map(|r| r.1.person.map(|p| p.sex))
            .collect::<UInt8Array>(),
    ));
    cols.push(Arc::new(
        rows.iter()
            .map(|r| r.1.person.map(|p| p.birth.0))
            .collect::<Date32Array>(),
    ));
    Ok(RecordBatch::try_new(facts_schema(), cols)?)
}

/// The rows of a facts batch.
pub fn facts(batch: &RecordBatch) -> Result<Vec<(Contract, HireFacts)>> {
    const T: &str = "contract facts";
    let contracts = contracts(batch)?;
    let c = Cols::new(batch, T);
    let first = c.bools_opt(FIRST_OCC)?;
    let rehire = c.bools_opt(REHIRE)?;
    let sex = c.u8s(SEX)?;
    let birth = c.dates(BIRTH)?;
    contracts
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let person = match (opt(&sex, i), opt(&birth, i)) {
                (Some(sex), Some(b)) => Some(PersonInfo {
                    sex,
                    birth: Date(b),
                }),
                _ => None,
            };
            Ok((
                k,
                HireFacts {
                    first_in_occupation: flag(&first, i, T, FIRST_OCC)?,
                    rehire: flag(&rehire, i, T, REHIRE)?,
                    person,
                },
            ))
        })
        .collect()
}

/// Schema of indicator rows: counts as in [`IndicatorRow`], share arrays flattened as
/// `num_<slot>_<occupation>` and `den_<denominator>_<occupation>`.
pub fn indicator_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let u = |n: String| Field::new(n, DataType::UInt32, false);
        let f = |n: &str| Field::new(n, DataType::Float64, false);
        let mut v = vec![
            Field::new("siret", DataType::UInt64, false),
            u("period".into()),
            f("headcount"),
            f("fte"),
            u("hires".into()),
            u("new_hires".into()),
            u("part_time_hires".into()),
            u("exits".into()),
        ];
        for s in 0..Criterion::N_SHARE {
            for o in 0..N_OCC {
                v.push(u(format!("num_{s}_{o}")));
            }
        }
        for d in 0..4 {
            for o in 0..N_OCC {
                v.push(u(format!("den_{d}_{o}")));
            }
        }
        v.push(u("cdd_completed".into()));
        v.push(f("cdd_days_sum"));
        v.push(f("cdd_days_sumsq"));
        v.push(Field::new("cdd_days_median", DataType::Float64, true));
        v.push(u("internships".into()));
        v.push(u("at_mp".into()));
        v.push(u("sensitive_any".into()));
        Arc::new(Schema::new(v))
    })
    .clone()
}

/// A batch of indicator rows.
pub fn encode_indicators(rows: &[IndicatorRow]) -> Result<RecordBatch> {
    let u = |f: &dyn Fn(&IndicatorRow) -> u32| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<UInt32Array>())
    };
    let fl = |f: &dyn Fn(&IndicatorRow) -> f64| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Float64Array>())
    };
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.siret).collect::<UInt64Array>()),
        u(&|r| r.period),
        fl(&|r| r.headcount),
        fl(&|r| r.fte),
        u(&|r| r.hires),
        u(&|r| r.new_hires),
        u(&|r| r.part_time_hires),
        u(&|r| r.exits),
    ];
    for s in 0..Criterion::N_SHARE {
        for o in 0..N_OCC {
            cols.push(u(&|r| r.share_num[s][o]));
        }
    }
    for d in 0..4 {
        for o in 0..N_OCC {
            cols.push(u(&|r| r.share_den[d][o]));
        }
    }
    cols.push(u(&|r| r.cdd_completed));
    cols.push(fl(&|r| r.cdd_days_sum));
    cols.push(fl(&|r| r.cdd_days_sumsq));
    cols.push(Arc::new(
        rows.iter()
            .map(|r| r.cdd_days_median)
            .collect::<Float64Array>(),
    ));
    cols.push(u(&|r| r.internships));
    cols.push(u(&|r| r.at_mp));
    cols.push(u(&|r| r.sensitive_any));
    Ok(RecordBatch::try_new(indicator_schema(), cols)?)
}

/// The rows of an indicator batch (columns by position, as [`indicator_schema`]).
pub fn indicators(batch: &RecordBatch) -> Result<Vec<IndicatorRow>> {
    if batch.schema().fields() != indicator_schema().fields() {
        return Err(DataFusionError::Execution(
            "indicator batch does not have the engine's indicator schema".into(),
        ));
    }
    let u = |k: usize| batch.column(k).as_primitive::<UInt32Type>();
    let f = |k: usize| batch.column(k).as_primitive::<Float64Type>();
    let siret = batch.column(0).as_primitive::<UInt64Type>();
    let base = 8;
    let den0 = base + Criterion::N_SHARE * N_OCC;
    let tail = den0 + 4 * N_OCC;
    let median = f(tail + 3);
    let rows = (0..batch.num_rows())
        .map(|i| {
            let mut share_num = [[0u32; N_OCC]; Criterion::N_SHARE];
            for (s, row) in share_num.iter_mut().enumerate() {
                for (o, v) in row.iter_mut().enumerate() {
                    *v = u(base + s * N_OCC + o).value(i);
                }
            }
            let mut share_den = [[0u32; N_OCC]; 4];
            for (d, row) in share_den.iter_mut().enumerate() {
                for (o, v) in row.iter_mut().enumerate() {
                    *v = u(den0 + d * N_OCC + o).value(i);
                }
            }
            IndicatorRow {
                siret: siret.value(i),
                period: u(1).value(i),
                headcount: f(2).value(i),
                fte: f(3).value(i),
                hires: u(4).value(i),
                new_hires: u(5).value(i),
                part_time_hires: u(6).value(i),
                exits: u(7).value(i),
                share_num,
                share_den,
                cdd_completed: u(tail).value(i),
                cdd_days_sum: f(tail + 1).value(i),
                cdd_days_sumsq: f(tail + 2).value(i),
                cdd_days_median: median.is_valid(i).then(|| median.value(i)),
                internships: u(tail + 4).value(i),
                at_mp: u(tail + 5).value(i),
                sensitive_any: u(tail + 6).value(i),
            }
        })
        .collect();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{end_reason, nature, scheme, working_time};

    fn contract(id: u64) -> Contract {
        Contract {
            contract_id: id,
            person_id: 7,
            siret: 12345678900011,
            start: Date(19000),
            planned_end: Some(Date(19010)),
            actual_end: None,
            end_reason: Some(end_reason::FIN_CDD),
            nature: nature::CDD,
            scheme: scheme::NONE,
            iae: Some(2),
            working_time: working_time::FULL_TIME,
            pcs: Pcs::new("561b").unwrap(),
            cdd_reason: None,
            boeth: Some(1),
            converted_to_cdi: None,
            no_prior_employment: true,
            months_since_prev: Some(14),
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: true,
        }
    }

    #[test]
    fn facts_round_trip() {
        let rows = vec![
            (
                contract(1),
                HireFacts {
                    first_in_occupation: true,
                    rehire: false,
                    person: Some(PersonInfo {
                        sex: 2,
                        birth: Date(-3000),
                    }),
                },
            ),
            (
                contract(2),
                HireFacts {
                    first_in_occupation: false,
                    rehire: true,
                    person: None,
                },
            ),
        ];
        let b = encode_facts(&rows).unwrap();
        assert_eq!(facts(&b).unwrap(), rows);
    }

    #[test]
    fn indicator_rows_round_trip() {
        // Every field distinct and non-zero, so a column left out or read from the wrong
        // position cannot go unnoticed.
        let mut k = 0u32;
        let mut next = || {
            k += 1;
            k
        };
        let mut r = IndicatorRow {
            siret: 33_012_345_600_017,
            period: 4,
            headcount: next() as f64 + 0.25,
            fte: next() as f64 + 0.5,
            hires: next(),
            new_hires: next(),
            part_time_hires: next(),
            exits: next(),
            share_num: [[0; N_OCC]; Criterion::N_SHARE],
            share_den: [[0; N_OCC]; 4],
            sensitive_any: next(),
            cdd_completed: next(),
            cdd_days_sum: next() as f64,
            cdd_days_sumsq: next() as f64,
            cdd_days_median: None,
            internships: next(),
            at_mp: next(),
        };
        for row in r.share_num.iter_mut().chain(r.share_den.iter_mut()) {
            for v in row.iter_mut() {
                *v = next();
            }
        }
        let mut s = r.clone();
        s.siret += 1;
        s.cdd_days_median = Some(12.5);
        let rows = vec![r, s];
        assert_eq!(
            indicators(&encode_indicators(&rows).unwrap()).unwrap(),
            rows
        );
    }

    #[test]
    fn table_strings_decode_and_bad_codes_are_named() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::UInt64, false),
            Field::new("sex", DataType::Utf8, false),
            Field::new("birth_date", DataType::Date32, false),
            Field::new("boeth", DataType::Boolean, false),
        ]));
        let mk = |sex: &str| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(UInt64Array::from(vec![3])),
                    Arc::new(StringArray::from(vec![sex])),
                    Arc::new(Date32Array::from(vec![100])),
                    Arc::new(BooleanArray::from(vec![true])),
                ],
            )
            .unwrap()
        };
        let p = persons(&mk("02")).unwrap();
        assert_eq!(p[0].sex, 2);
        assert!(p[0].boeth);
        let e = persons(&mk("femme")).unwrap_err().to_string();
        assert!(e.contains("persons table") && e.contains("`sex`"), "{e}");
    }
}
