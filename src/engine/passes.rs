//! What [`super::cogroup::CoGroupExec`] does with the rows of one key: each pass decodes
//! its two inputs into the crate's rows and calls the crate's own per-group code.

use super::arrow_io;
use crate::date::Date;
use crate::history;
use crate::indicators::{self, Calendar, HireFacts, IndicatorRow, Period, PersonInfo};
use crate::model::{stoppage_reason, Contract, Coverage, Dataset, Person, Source, Stoppage};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::Result;
use serde::{Deserialize, Serialize};

/// A per-key computation over two co-partitioned, key-sorted inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "pass", rename_all = "snake_case")]
pub enum Pass {
    /// By person. Input 0: contracts; input 1: persons. Output: every contract with its
    /// [`HireFacts`] (first job in the occupation, rehire, sex and birth date).
    PersonFlags,
    /// By SIRET. Input 0: contract facts; input 1: stoppages. Output: indicator rows.
    Indicators {
        periods: Vec<Period>,
        window_months: u32,
    },
    /// By person. Input 0: contracts; input 1: stoppages. Output: the contracts with their
    /// history at hire ([`history::derive_history`]).
    History,
}

/// A decoded input row.
#[derive(Debug, Clone)]
pub enum Item {
    Contract(Contract),
    Person(Person),
    Stoppage(Stoppage),
    Fact(Contract, HireFacts),
}

/// Output rows waiting to be encoded.
#[derive(Debug)]
pub enum Output {
    Facts(Vec<(Contract, HireFacts)>),
    Indicators(Vec<IndicatorRow>),
    Contracts(Vec<Contract>),
}

impl Output {
    pub fn len(&self) -> usize {
        match self {
            Output::Facts(v) => v.len(),
            Output::Indicators(v) => v.len(),
            Output::Contracts(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Encodes and clears the buffered rows.
    pub fn flush(&mut self) -> Result<RecordBatch> {
        match self {
            Output::Facts(v) => {
                let b = arrow_io::encode_facts(v);
                v.clear();
                b
            }
            Output::Indicators(v) => {
                let b = arrow_io::encode_indicators(v);
                v.clear();
                b
            }
            Output::Contracts(v) => {
                let b = arrow_io::encode_contracts(v);
                v.clear();
                b
            }
        }
    }
}

impl Pass {
    pub fn name(&self) -> &'static str {
        match self {
            Pass::PersonFlags => "person_flags",
            Pass::Indicators { .. } => "indicators",
            Pass::History => "history",
        }
    }

    /// Schema of the pass's output.
    pub fn schema(&self) -> SchemaRef {
        match self {
            Pass::PersonFlags => arrow_io::facts_schema(),
            Pass::Indicators { .. } => arrow_io::indicator_schema(),
            Pass::History => arrow_io::contract_schema(),
        }
    }

    /// State for one execution (the indicator calendar is built once).
    pub fn runner(&self) -> Runner {
        let calendar = match self {
            Pass::Indicators {
                periods,
                window_months,
            } => Some(Calendar::new(periods.clone(), *window_months)),
            _ => None,
        };
        Runner {
            pass: self.clone(),
            calendar,
        }
    }
}

/// A pass ready to run.
pub struct Runner {
    pass: Pass,
    calendar: Option<Calendar>,
}

impl Runner {
    pub fn output(&self) -> Output {
        match self.pass {
            Pass::PersonFlags => Output::Facts(Vec::new()),
            Pass::Indicators { .. } => Output::Indicators(Vec::new()),
            Pass::History => Output::Contracts(Vec::new()),
        }
    }

    /// Decodes a batch of input `input` (0 or 1).
    pub fn decode(&self, input: usize, batch: &RecordBatch) -> Result<Vec<Item>> {
        Ok(match (&self.pass, input) {
            (Pass::PersonFlags | Pass::History, 0) => arrow_io::contracts(batch)?
                .into_iter()
                .map(Item::Contract)
                .collect(),
            (Pass::PersonFlags, _) => arrow_io::persons(batch)?
                .into_iter()
                .map(Item::Person)
                .collect(),
            (Pass::Indicators { .. }, 0) => arrow_io::facts(batch)?
                .into_iter()
                .map(|(c, f)| Item::Fact(c, f))
                .collect(),
            (Pass::Indicators { .. } | Pass::History, _) => arrow_io::stoppages(batch)?
                .into_iter()
                .map(Item::Stoppage)
                .collect(),
        })
    }

    /// Processes the rows of one key.
    pub fn group(&self, key: u64, a: Vec<Item>, b: Vec<Item>, out: &mut Output) {
        match (&self.pass, out) {
            (Pass::PersonFlags, Output::Facts(out)) => person_flags(a, b, out),
            (Pass::Indicators { .. }, Output::Indicators(out)) => {
                if let Some(cal) = &self.calendar {
                    establishment(cal, key, a, b, out);
                }
            }
            (Pass::History, Output::Contracts(out)) => person_history(a, b, out),
            _ => unreachable!("output buffers come from Runner::output"),
        }
    }
}

fn person_flags(a: Vec<Item>, b: Vec<Item>, out: &mut Vec<(Contract, HireFacts)>) {
    let contracts: Vec<Contract> = a
        .into_iter()
        .filter_map(|i| match i {
            Item::Contract(c) => Some(c),
            _ => None,
        })
        .collect();
    // A person listed twice keeps the first row, as the in-memory lookup does.
    let person = b.into_iter().find_map(|i| match i {
        Item::Person(p) => Some(PersonInfo {
            sex: p.sex,
            birth: p.birth_date,
        }),
        _ => None,
    });
    let flags = indicators::person_flags(&contracts);
    out.extend(contracts.into_iter().enumerate().map(|(i, c)| {
        (
            c,
            HireFacts {
                first_in_occupation: flags.first_in_occupation[i],
                rehire: flags.rehire[i],
                person,
            },
        )
    }));
}

fn establishment(
    cal: &Calendar,
    siret: u64,
    a: Vec<Item>,
    b: Vec<Item>,
    out: &mut Vec<IndicatorRow>,
) {
    if cal.periods().is_empty() {
        return;
    }
    let facts: Vec<(Contract, HireFacts)> = a
        .into_iter()
        .filter_map(|i| match i {
            Item::Fact(c, f) => Some((c, f)),
            _ => None,
        })
        .collect();
    let months: Vec<i32> = b
        .into_iter()
        .filter_map(|i| match i {
            Item::Stoppage(s) if stoppage_reason::is_at_mp(s.reason) => Some(s.start.month_index()),
            _ => None,
        })
        .collect();
    let rows =
        indicators::establishment_rows(cal, siret, facts.iter().map(|(c, f)| (c, *f)), &months);
    out.extend(rows);
}

fn person_history(a: Vec<Item>, b: Vec<Item>, out: &mut Vec<Contract>) {
    let mut ds = Dataset {
        // Histories only compare dates between the person's own rows.
        coverage: Coverage {
            start: Date(0),
            end: Date(0),
            source: Source::Ingested,
        },
        establishments: Vec::new(),
        persons: Vec::new(),
        contracts: a
            .into_iter()
            .filter_map(|i| match i {
                Item::Contract(c) => Some(c),
                _ => None,
            })
            .collect(),
        stoppages: b
            .into_iter()
            .filter_map(|i| match i {
                Item::Stoppage(s) => Some(s),
                _ => None,
            })
            .collect(),
    };
    history::derive_history(&mut ds);
    out.extend(ds.contracts);
}
