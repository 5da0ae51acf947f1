//! The method notes (conventions, this run's notes) and the reproducibility section.

use super::{cap, not_run, table, Ctx};
use crate::report::doc::{Align, Block};
use crate::report::i18n::{self, Msg};
use crate::report::results::{Manifest, MethodsSection};

pub(super) fn blocks(c: &Ctx, m: Option<&MethodsSection>) -> Vec<Block> {
    let mut b = vec![
        Block::para(c.t(Msg::MethodsIntro)),
        Block::warning(c.t(Msg::SunAbrahamTitle), c.t(Msg::SunAbraham)),
        Block::note("Note.", c.t(Msg::MatchingNote)),
    ];
    let Some(m) = m else {
        return b;
    };
    if !m.conventions.is_empty() {
        // Conventions name the reference tools' calls they reproduce: shown as code, the
        // same in every language.
        let mut t = cap(
            table(
                vec![
                    (c.t(Msg::ColTopic), Align::Left),
                    (c.t(Msg::ColConvention), Align::Left),
                ],
                m.conventions
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect(),
            ),
            c.t(Msg::Conventions),
        );
        t.notes.push(c.t(Msg::ConventionsNote));
        b.push(Block::Table(t));
    }
    if !m.notes.is_empty() {
        b.push(Block::Heading(c.t(Msg::Notes)));
        b.push(Block::list(
            m.notes.iter().map(|n| i18n::note_text(n, c.lang)),
        ));
    }
    b
}

pub(super) fn reproducibility(c: &Ctx, m: Option<&Manifest>) -> Vec<Block> {
    let Some(m) = m else {
        return not_run(c);
    };
    let mut b = vec![Block::para(c.t(Msg::ReproIntro))];
    b.push(Block::Code(m.command.clone()));
    b.push(Block::para(c.t(Msg::RerenderIntro)));
    b.push(Block::Code(format!(
        "engagement report reports/{}/{}",
        m.experiment, m.run_id
    )));
    let mut rows = vec![
        vec![c.t(Msg::RunId), m.run_id.clone()],
        vec![c.t(Msg::Experiment), m.experiment.clone()],
        vec![c.t(Msg::ExperimentFile), m.experiment_file.clone()],
        vec![c.t(Msg::Sha), m.experiment_sha256.clone()],
        vec![c.t(Msg::Seed), m.seed.to_string()],
        vec![c.t(Msg::Version), m.crate_version.clone()],
    ];
    if let Some(g) = &m.git_commit {
        rows.push(vec![c.t(Msg::Commit), g.clone()]);
    }
    if !m.created_at.is_empty() {
        rows.push(vec![c.t(Msg::CreatedAt), m.created_at.clone()]);
    }
    b.push(Block::Table(cap(
        table(
            vec![
                (c.t(Msg::ColVariable), Align::Left),
                (c.t(Msg::ColValue), Align::Left),
            ],
            rows,
        ),
        c.t(Msg::Manifest),
    )));
    if !m.inputs.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColFile), Align::Left),
                    ("SHA-256".into(), Align::Left),
                    (c.t(Msg::ColBytes), Align::Right),
                ],
                m.inputs
                    .iter()
                    .map(|i| vec![i.path.clone(), i.sha256.clone(), c.int(i.bytes)])
                    .collect(),
            ),
            c.t(Msg::Inputs),
        )));
    }
    if !m.timings.is_empty() {
        b.push(Block::Table(cap(
            table(
                vec![
                    (c.t(Msg::ColStage), Align::Left),
                    (c.t(Msg::ColSeconds), Align::Right),
                ],
                m.timings
                    .iter()
                    .map(|t| vec![t.stage.clone(), c.n(t.seconds, 2)])
                    .collect(),
            ),
            c.t(Msg::Timings),
        )));
    }
    b
}
