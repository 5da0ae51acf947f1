//! `run` on real data (`[data] source = "tables"`): the tables written by `engagement
//! ingest`, the evaluator's exposure register, awarded labels and linked job-seeker cohort.
//!
//! Nothing is generated and no truth is known: the report carries the scores over time, the
//! exposure evaluation on the register's assignment, the awarded labels against the computed
//! ones and the cohort's return to work and retention, with no truth column and no simulated
//! policy comparison. Each evaluator file is checked against the DSN; its rejected rows go to
//! `rejects/<file>.csv` in the run folder (position, field and reason, never a value), and
//! its counts (read = kept + rejected) to the data section. Like a synthetic run, it writes
//! example employer sheets and the counsellors' page.

use super::{real_sections as sections, RunOptions, RunOutcome};
use crate::config::{Experiment, Lang};
use crate::date::Date;
use crate::model::Dataset;
use crate::output::AtomicDir;
use crate::pilot::awarded::{self, AwardedLabels};
use crate::pilot::cohort::{self, Cohort, CohortWindow};
use crate::pilot::evaluate::{self, EvaluationOptions, ExposureEvaluation};
use crate::pilot::followup::{self, CohortStudy, FollowUpOptions, LabelSource};
use crate::pilot::input::{self, Reconciliation, Reject};
use crate::pilot::{panel, register};
use crate::provenance::{self, Manifest, Timer};
use crate::reference::Reference;
use crate::report::results::{self as r, InputCount, PilotInput, RunResults};
use crate::score::ScoreOutput;
use crate::tables;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// Multiplier-bootstrap and randomisation draws of the exposure evaluation (as the
/// synthetic study).
const DRAWS: usize = 499;

/// A run already set up by [`super::run`]: its experiment, folder and clock.
pub struct Started<'a> {
    pub opts: &'a RunOptions,
    pub exp: &'a Experiment,
    pub reference: &'a Reference,
    pub out: AtomicDir,
    /// The research folder (per-SIRET outputs, not for publication).
    pub research: AtomicDir,
    pub run_id: String,
    pub lang: Lang,
    pub t0: std::time::Instant,
}

/// The evaluator's files, read and checked against the DSN and the scores.
#[derive(Default)]
struct PilotInputs {
    register: Option<register::Register>,
    awarded: Option<AwardedLabels>,
    cohort: Option<Cohort>,
}

impl PilotInputs {
    fn counts(&self) -> Vec<InputCount> {
        let count = |input, r: &Reconciliation| InputCount {
            input,
            read: r.read,
            kept: r.kept,
            rejected: r.rejected,
        };
        let mut v = Vec::new();
        if let Some(x) = &self.register {
            v.push(count(PilotInput::Register, &x.reconciliation));
        }
        if let Some(x) = &self.awarded {
            v.push(count(PilotInput::Awarded, &x.reconciliation));
        }
        if let Some(x) = &self.cohort {
            v.push(count(PilotInput::Cohort, &x.reconciliation));
        }
        v
    }

    fn rejects(&self) -> Vec<(&'static str, &[Reject])> {
        let mut v: Vec<(&'static str, &[Reject])> = Vec::new();
        if let Some(x) = &self.register {
            v.push(("register", &x.rejects));
        }
        if let Some(x) = &self.awarded {
            v.push(("awarded", &x.rejects));
        }
        if let Some(x) = &self.cohort {
            v.push(("cohort", &x.rejects));
        }
        v
    }
}

/// The censoring date of the cohort: the experiment's, else the end of the data.
fn extraction(exp: &Experiment, ds: &Dataset) -> anyhow::Result<Date> {
    let end = ds.coverage.end;
    match exp.pilot.cohort.as_ref().and_then(|c| c.extraction_date) {
        Some(d) if d > end => {
            bail!("retention.extraction_date {d} is after the end of the data ({end})")
        }
        Some(d) => Ok(d),
        None => Ok(end),
    }
}

/// Reads the register, awarded labels and cohort the experiment names.
fn read_inputs(
    exp: &Experiment,
    ds: &Dataset,
    scores: &ScoreOutput,
) -> anyhow::Result<PilotInputs> {
    let periods = scores.periods();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        bail!("the tables give no scored period");
    };
    let sirets: std::collections::HashSet<u64> =
        ds.establishments.iter().map(|e| e.siret).collect();
    let known = |s: u64| sirets.contains(&s);
    let extraction = extraction(exp, ds)?;
    let mut inputs = PilotInputs::default();
    if let Some(plan) = &exp.pilot.register {
        let window = register::Window {
            after: first.end,
            until: last.end,
        };
        inputs.register = Some(register::read(
            &plan.path,
            |s| scores.establishment(s).is_some(),
            window,
        )?);
    }
    if let Some(path) = &exp.pilot.awarded {
        inputs.awarded = Some(awarded::read(path, known, extraction)?);
    }
    if let Some(plan) = &exp.pilot.cohort {
        let window = CohortWindow {
            coverage_start: ds.coverage.start,
            extraction,
        };
        inputs.cohort = Some(cohort::read(&plan.path, known, window)?);
    }
    Ok(inputs)
}

/// The exposure evaluation on the register's assignment.
fn exposure(
    exp: &Experiment,
    scores: &ScoreOutput,
    reg: &register::Register,
) -> anyhow::Result<ExposureEvaluation> {
    let plan = exp
        .pilot
        .register
        .as_ref()
        .context("no exposure.register")?;
    let p = panel::build(scores, reg, plan.eligible)
        .with_context(|| format!("register {}", plan.path.display()))?;
    let opts = EvaluationOptions {
        draws: DRAWS,
        seed: exp.seed,
    };
    evaluate::evaluate(&p, reg.has_arm, opts)
        .with_context(|| format!("exposure evaluation on {}", plan.path.display()))
}

/// The cohort's return to work and retention, grouped by awarded or computed labels.
fn cohort_study(
    exp: &Experiment,
    ds: &Dataset,
    scores: &ScoreOutput,
    inputs: &PilotInputs,
) -> anyhow::Result<Option<CohortStudy>> {
    let (Some(plan), Some(c)) = (&exp.pilot.cohort, &inputs.cohort) else {
        return Ok(None);
    };
    let opts = FollowUpOptions {
        extraction: extraction(exp, ds)?,
        hire_window_days: plan.hire_window_days,
        return_horizons: plan.return_horizons.clone(),
        retention_horizons: exp.retention.horizons.clone(),
        ipw_bootstrap: exp.retention.ipw_bootstrap,
        // The retention stream of the synthetic run: a synthetic pilot gets its IPW
        // bootstrap draws.
        seed: crate::retention::sim::stream_seed(exp.seed),
    };
    let study = match (plan.label_source, &inputs.awarded) {
        (LabelSource::Awarded, Some(a)) => followup::follow_up(
            c,
            ds,
            |s, d| Some(a.level_at(s, d) >= 1),
            LabelSource::Awarded,
            &opts,
        ),
        _ => followup::follow_up(
            c,
            ds,
            followup::computed_labels(scores),
            LabelSource::Computed,
            &opts,
        ),
    };
    Ok(Some(study))
}

/// The tables, the evaluator's files and the experiment, fingerprinted.
fn manifest(s: &Started, data_dir: &Path) -> anyhow::Result<Manifest> {
    let mut m = super::build_manifest(s.opts, s.exp, data_dir, false)?;
    let data = provenance::fingerprint_dir(data_dir)
        .with_context(|| format!("tables {}", data_dir.display()))?;
    m.data_fingerprint = provenance::combine(&data);
    m.inputs.extend(data.into_iter().map(|mut f| {
        f.path = data_dir.join(&f.path).display().to_string();
        f
    }));
    let p = &s.exp.pilot;
    let files = [
        p.register.as_ref().map(|x| x.path.clone()),
        p.awarded.clone(),
        p.cohort.as_ref().map(|x| x.path.clone()),
    ];
    for f in files.into_iter().flatten() {
        m.inputs
            .push(provenance::fingerprint_file(&f).with_context(|| format!("{}", f.display()))?);
    }
    Ok(m)
}

/// Writes the published score tables, the per-SIRET research tables and the rejects of
/// every evaluator file.
fn write_tables(
    scores: &ScoreOutput,
    inputs: &PilotInputs,
    dir: &Path,
    research: &Path,
) -> anyhow::Result<()> {
    crate::score::io::write_published(scores, &dir.join("tables"))?;
    crate::score::io::write_research(scores, research)?;
    for (name, rejects) in inputs.rejects() {
        input::write_rejects(&dir.join("rejects").join(format!("{name}.csv")), rejects)?;
    }
    Ok(())
}

/// Example employer sheets and the counsellors' page, as a synthetic run writes them: the
/// sheets at the exposure baseline (one of a registered exposed employer among them), or at
/// the last scored period without a register.
fn sheets(
    exp: &Experiment,
    reference: &Reference,
    scores: &ScoreOutput,
    inputs: &PilotInputs,
    evaluation: Option<&ExposureEvaluation>,
    lang: Lang,
) -> anyhow::Result<(super::ExampleSheets, String)> {
    let exposed: Vec<u64> = inputs
        .register
        .as_ref()
        .map(|r| r.exposures().into_keys().collect())
        .unwrap_or_default();
    let baseline = match evaluation {
        Some(ev) => ev.baseline_period.clone(),
        None => scores
            .periods()
            .last()
            .map(|p| p.label.clone())
            .context("the tables give no scored period")?,
    };
    super::example_sheets(exp, reference, scores, &exposed, &baseline, lang)
}

/// Runs the report of a real pilot from the tables in `data_dir`.
pub fn run(s: Started, data_dir: &Path) -> anyhow::Result<RunOutcome> {
    let (exp, reference) = (s.exp, s.reference);
    let mut timer = Timer::default();
    let ds = timer.stage("data", || {
        tables::read_dataset(data_dir).with_context(|| format!("tables {}", data_dir.display()))
    })?;
    let scores = timer.stage("score", || crate::score::run(&ds, &exp.score, reference))?;
    let inputs = timer.stage("inputs", || read_inputs(exp, &ds, &scores))?;
    let evaluation = timer.stage("exposure", || {
        inputs
            .register
            .as_ref()
            .map(|reg| exposure(exp, &scores, reg))
            .transpose()
    })?;
    timer.stage("tables", || {
        write_tables(&scores, &inputs, s.out.path(), s.research.path())
    })?;
    let study = timer.stage("retention", || cohort_study(exp, &ds, &scores, &inputs))?;
    let (sheet_files, counsellor_html) = timer.stage("sheets", || {
        sheets(
            s.exp,
            reference,
            &scores,
            &inputs,
            evaluation.as_ref(),
            s.lang,
        )
    })?;
    let mut manifest = manifest(&s, data_dir)?;
    let until = extraction(exp, &ds)?;
    let mut score = crate::report::from_score::score_section(&scores, reference, 3);
    if let Some(a) = &inputs.awarded {
        score.awarded = sections::awarded(&awarded::compare(a, &scores));
    }
    let results = RunResults {
        schema_version: crate::report::RESULTS_SCHEMA_VERSION,
        manifest: Some(super::sections::manifest_section(&manifest, &s.run_id)),
        data: Some(sections::data_section(&ds, inputs.counts())),
        score: Some(score),
        exposure: evaluation.as_ref().map(|ev| {
            let mut x = sections::exposure_section(ev);
            x.example_sheets = sheet_files.1.clone();
            x
        }),
        retention: study
            .as_ref()
            .map(|st| sections::retention_section(st, until)),
        methods: Some(sections::methods_section(
            evaluation.as_ref(),
            study.as_ref(),
        )),
        validity: None,
    };
    timer.stage("report", || -> anyhow::Result<()> {
        let mut files = crate::report::render_run_files(&results, s.lang)?;
        files.push(crate::report::results_file(&results)?);
        files.extend(sheet_files.0);
        files.push((
            PathBuf::from("counsellors.html"),
            counsellor_html.into_bytes(),
        ));
        Ok(s.out.write_all(&files)?)
    })?;
    manifest.stages = timer.into_stages();
    manifest.total_seconds = s.t0.elapsed().as_secs_f64();
    tables::write_text(
        &s.out.path().join("manifest.json"),
        &serde_json::to_string_pretty(&manifest)?,
    )?;
    // The published folder first, as in the synthetic run.
    let dir = s.out.commit()?;
    s.research.commit()?;
    Ok(RunOutcome {
        dir,
        results,
        manifest,
    })
}

/// The run folder's rejects file of an evaluator file (`register`, `awarded`, `cohort`).
pub fn rejects_path(run_dir: &Path, name: &str) -> PathBuf {
    run_dir.join("rejects").join(format!("{name}.csv"))
}

/// The data section's source: ingested declarations, or tables written by `generate`.
pub fn data_source(ds: &Dataset) -> r::DataSource {
    match ds.coverage.source {
        crate::model::Source::Ingested => r::DataSource::Dsn,
        crate::model::Source::Synthetic => r::DataSource::Synthetic,
    }
}
