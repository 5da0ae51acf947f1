//! The data section: what was simulated or ingested, and calibration targets against the
//! realised values.

use super::{cap, table, Ctx};
use crate::config::Lang;
use crate::report::doc::{Align, Block};
use crate::report::i18n::{self, Msg};
use crate::report::results::{CalibrationRow, DataSection, DataSource, InputCount, PilotInput};

fn description(c: &Ctx, d: &DataSection) -> Option<String> {
    let (years, burn) = (d.years?, d.burn_in_months?);
    let deps = d.departements.join(", ");
    Some(match c.lang {
        Lang::Fr => format!(
            "Données DSN synthétiques calibrées : {} établissements des départements {deps}, {years} années observées après {burn} mois de rodage.",
            c.int(d.n_establishments)
        ),
        Lang::En => format!(
            "Calibrated synthetic DSN data: {} establishments in départements {deps}, {years} observed years after a {burn}-month burn-in.",
            c.int(d.n_establishments)
        ),
    })
}

pub(super) fn blocks(c: &Ctx, d: &DataSection) -> Vec<Block> {
    let mut b = vec![Block::para(c.t(Msg::DataIntro))];
    if d.source == DataSource::Synthetic {
        b.extend(description(c, d).map(Block::para));
    }
    let cap1 = |m: Msg| i18n::capitalised(&c.t(m));
    b.push(Block::Table(table(
        vec![
            (c.t(Msg::ColVariable), Align::Left),
            (c.t(Msg::ColValue), Align::Right),
        ],
        vec![
            vec![c.t(Msg::Source), i18n::source_name(d.source, c.lang).into()],
            vec![
                c.t(Msg::Period),
                format!("{} – {}", d.period_start, d.period_end),
            ],
            vec![c.t(Msg::Departements), d.departements.join(", ")],
            vec![cap1(Msg::Establishments), c.int(d.n_establishments)],
            vec![cap1(Msg::Persons), c.int(d.n_persons)],
            vec![cap1(Msg::Contracts), c.int(d.n_contracts)],
            vec![cap1(Msg::Stoppages), c.int(d.n_stoppages)],
        ],
    )));
    if !d.inputs.is_empty() {
        b.push(Block::Table(cap(
            inputs_table(c, &d.inputs),
            c.t(Msg::PilotInputs),
        )));
    }
    if !d.calibration.is_empty() {
        let mut t = cap(calibration_table(c, &d.calibration), c.t(Msg::CalibTable));
        t.notes.push(c.t(Msg::CalibNote));
        b.push(Block::Table(t));
    }
    b
}

fn calibration_table(c: &Ctx, rows: &[CalibrationRow]) -> crate::report::doc::Table {
    table(
        vec![
            ("Id".into(), Align::Left),
            (c.t(Msg::ColVariable), Align::Left),
            (c.t(Msg::ColUnit), Align::Left),
            (c.t(Msg::ColTarget), Align::Right),
            (c.t(Msg::ColRealised), Align::Right),
            (c.t(Msg::ColTolerance), Align::Right),
            (c.t(Msg::ColStatus), Align::Left),
        ],
        rows.iter()
            .map(|k| {
                let status = match k.tolerance {
                    Some(tol) if (k.realised - k.target).abs() <= tol => c.t(Msg::Within),
                    Some(_) => c.t(Msg::Outside),
                    None => String::new(),
                };
                vec![
                    k.id.clone(),
                    i18n::calibration_name(&k.key, c.lang),
                    i18n::calibration_unit(&k.key, c.lang).into(),
                    c.n(k.target, 2),
                    c.n(k.realised, 2),
                    k.tolerance.map(|t| c.n(t, 2)).unwrap_or_default(),
                    status,
                ]
            })
            .collect(),
    )
}

fn inputs_table(c: &Ctx, rows: &[InputCount]) -> crate::report::doc::Table {
    table(
        vec![
            (c.t(Msg::ColFile), Align::Left),
            (c.t(Msg::ColRead), Align::Right),
            (c.t(Msg::ColKept), Align::Right),
            (c.t(Msg::ColRejected), Align::Right),
        ],
        rows.iter()
            .map(|r| {
                let name = match r.input {
                    PilotInput::Register => Msg::InputRegister,
                    PilotInput::Awarded => Msg::InputAwarded,
                    PilotInput::Cohort => Msg::InputCohort,
                };
                vec![
                    i18n::capitalised(&c.t(name)),
                    c.int(r.read),
                    c.int(r.kept),
                    c.int(r.rejected),
                ]
            })
            .collect(),
    )
}
