//! The `run` pipeline: data → calibration → score → exposure → retention → report.
//!
//! It is the only place (with `commands`) that reads and writes files. Data are generated
//! from the experiment, or reused from `data/cache/` when a dataset with the same
//! fingerprint (crate version, generator parameters, territory, seed) exists. Every run
//! writes two folders atomically:
//! - `reports/<experiment>/<run-id>/`, what may be published (the folder policy teams
//!   receive): the report, `results.json` (every published number, no timings, byte-identical
//!   for the same config and seed), `manifest.json`, the aggregate tables under statistical
//!   secrecy in `tables/`, the counsellors' page and example employer sheets;
//! - `reports/<experiment>/research/<run-id>/`, outside it and marked not for publication:
//!   the establishment-level outputs (indicators, scores, explanations, per-SIRET scores for
//!   `compare`, the exposure truth, and under `exposed/` the same score tables for the exposed
//!   world the exposure is evaluated on), see [`crate::score::io`].

use crate::config::Experiment;
use crate::output::AtomicDir;
use crate::provenance::{self, Manifest, Timer};
use crate::reference::Reference;
pub mod data;
pub mod figures;
pub mod pilot;
pub mod real;
pub mod real_sections;
pub mod retention;
pub mod sections;

use crate::report::RunResults;
use crate::synth::{self, calibration::Calibration, Synthetic};
use crate::tables;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub experiment_path: PathBuf,
    pub reports_root: PathBuf,
    pub cache_root: PathBuf,
    pub run_id: Option<String>,
    pub lang: Option<crate::config::Lang>,
    pub use_cache: bool,
    pub progress: bool,
    pub command: Vec<String>,
}

/// Identity of the generated data: everything that changes the generator's output
/// (including the generator's own source code).
pub fn data_fingerprint(exp: &Experiment) -> String {
    let key = serde_json::json!({
        "crate_version": env!("CARGO_PKG_VERSION"),
        "generator_code": synth::code_fingerprint(),
        "seed": exp.seed,
        "territory": exp.territory,
        "generator": exp.generator,
    });
    hex::encode(Sha256::digest(key.to_string().as_bytes()))
}

/// Generates the experiment's data, or loads it from the cache.
pub fn load_or_generate(
    exp: &Experiment,
    reference: &Reference,
    cache_root: &Path,
    use_cache: bool,
    progress: bool,
) -> anyhow::Result<(Synthetic, Calibration, bool, PathBuf)> {
    let fp = data_fingerprint(exp);
    let dir = cache_root.join(format!("{}-{}", exp.name, &fp[..12]));
    let stamp = dir.join("fingerprint.txt");
    if use_cache && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == fp) {
        let dataset =
            tables::read_dataset(&dir).with_context(|| format!("cached data {}", dir.display()))?;
        let truth = synth::read_truth(&dir.join("truth"))?;
        // Measured again rather than parsed back from `calibration.json`: a JSON float
        // round trip may move the last digit, and a rerun must be byte-identical to the
        // first run. The tables themselves round-trip exactly.
        let calibration = synth::calibration::check(&dataset, &exp.generator, reference);
        return Ok((Synthetic { dataset, truth }, calibration, true, dir));
    }
    let s = synth::generate(exp, reference, progress)?;
    let calibration = synth::calibration::check(&s.dataset, &exp.generator, reference);
    if use_cache {
        let out = AtomicDir::create(&dir, true)?;
        data::write_synthetic(
            &s,
            &calibration,
            out.path(),
            data::DataFormat::Parquet,
            tables::Layout::Single,
        )?;
        tables::write_text(&out.path().join("fingerprint.txt"), &fp)?;
        out.commit()?;
    }
    Ok((s, calibration, false, dir))
}

/// Where a run was written.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub results: RunResults,
    pub manifest: Manifest,
}

/// SIRETs of example sheets at `period`: an exposed (calculable, unlabelled) employer, a
/// non-calculable one, a gated one and one at the top level, when the run has them.
fn example_sirets(scores: &crate::score::ScoreOutput, exposed: &[u64], period: u32) -> Vec<u64> {
    let mut exposed = exposed.to_vec();
    exposed.sort_unstable();
    let at = |f: &dyn Fn(&crate::score::ScoreRow) -> bool| {
        scores
            .scores
            .iter()
            .find(|s| s.period == period && f(s))
            .map(|s| s.siret)
    };
    [
        exposed.first().copied(),
        at(&|s| s.non_calculable.is_some()),
        at(&|s| s.gated_by.is_some()),
        at(&|s| s.label == Some(3)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Example sheet files and their links.
pub(crate) type ExampleSheets = (
    Vec<crate::report::ReportFile>,
    Vec<crate::report::results::SheetLink>,
);

/// What exposed employers received: example sheets at the `baseline` period (anonymised in
/// the report folder; `exposed` are the SIRETs sent their results) and the counsellors'
/// page. Synthetic and real runs alike.
pub(crate) fn example_sheets(
    exp: &Experiment,
    reference: &Reference,
    scores: &crate::score::ScoreOutput,
    exposed: &[u64],
    baseline: &str,
    lang: crate::config::Lang,
) -> anyhow::Result<(ExampleSheets, String)> {
    let period = scores.period_index(Some(baseline))?;
    let contact = exp.raw.report.contact.as_deref();
    let sheets: Vec<_> = example_sirets(scores, exposed, period)
        .into_iter()
        .filter_map(|s| {
            crate::report::from_score::feedback_data(scores, reference, s, Some(baseline), contact)
                .ok()
        })
        .collect();
    let rows = crate::score::list::build_list(scores, reference, &Default::default())?;
    let page_rows = crate::report::from_score::counsellor_rows(scores, reference, &rows, None)?;
    Ok((
        crate::report::feedback::example_sheet_files(&sheets, lang),
        crate::report::counsellor_page(&page_rows, lang),
    ))
}

/// Runs every stage of an experiment and writes its report folder.
pub fn run(opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let t0 = std::time::Instant::now();
    let reference = Reference::load();
    let exp = data::load_experiment(&opts.experiment_path, &reference)?;
    anyhow::ensure!(
        !crate::national::is_national(&exp),
        "experiment {}: {} establishments are more than `run` holds in memory ({} at most); \
         generate and score it out of core: `engagement generate -e {} -o DIR`, then \
         `engagement score --data DIR -e {} -o OUT --engine engine` (build with --features engine)",
        exp.name,
        exp.generator.establishments,
        crate::national::NATIONAL_THRESHOLD,
        opts.experiment_path.display(),
        opts.experiment_path.display()
    );
    let lang = opts.lang.unwrap_or(exp.lang);
    let run_id = opts
        .run_id
        .clone()
        .unwrap_or_else(|| exp.hash[..12].to_string());
    crate::output::check_component("run id", &run_id)?;
    if run_id == crate::score::io::RESEARCH {
        anyhow::bail!(
            "--run-id {run_id:?} is reserved for the research folder; choose another run id"
        );
    }
    let out_dir = opts.reports_root.join(&exp.name).join(&run_id);
    let research_dir = crate::score::io::research_dir(&out_dir);
    for d in [&out_dir, &research_dir] {
        crate::output::guard_replace(d, &[&opts.experiment_path, &opts.cache_root])?;
    }
    let out = AtomicDir::create(&out_dir, true)?;
    let research = AtomicDir::create(&research_dir, true)?;
    if let crate::config::DataSource::Tables { path } = &exp.data {
        let started = real::Started {
            opts,
            exp: &exp,
            reference: &reference,
            out,
            research,
            run_id,
            lang,
            t0,
        };
        return real::run(started, path);
    }
    let mut timer = Timer::default();

    let (synthetic, calibration, cached, data_dir) = timer.stage("data", || {
        load_or_generate(
            &exp,
            &reference,
            &opts.cache_root,
            opts.use_cache,
            opts.progress,
        )
    })?;
    crate::output::crash_point("run-after-data");
    let scores = timer.stage("score", || {
        crate::score::run(&synthetic.dataset, &exp.score, &reference)
    })?;
    crate::output::crash_point("run-after-score");
    let exposure = timer.stage("exposure", || {
        crate::exposure::study::run(&exp, &reference, &synthetic, &scores)
    })?;
    crate::output::crash_point("run-after-exposure");
    let validity = timer.stage("validity", || {
        let w = crate::validity::Weighting::standard(&exp.score);
        crate::validity::validate(&scores, &synthetic.truth, &w)
    });

    timer.stage("tables", || {
        write_tables(
            &scores,
            &exposure,
            &out.path().join("tables"),
            research.path(),
        )
    })?;
    crate::output::crash_point("run-after-tables");

    let mut manifest = build_manifest(opts, &exp, &data_dir, cached)?;
    crate::feed::write_run_feed(
        &scores,
        &out.path().join("tables"),
        Some(manifest.experiment_hash.clone()),
        Some(manifest.data_fingerprint.clone()),
        &reference,
    )?;

    let retention_out = timer.stage("retention", || {
        retention::retention_stage(&exp, &reference, &synthetic, &scores)
    })?;
    crate::output::crash_point("run-after-retention");
    let (sheet_files, counsellor_html) = timer.stage("sheets", || {
        let exposed: Vec<u64> = exposure
            .assignments
            .iter()
            .filter(|a| a.exposed_from.is_some())
            .map(|a| a.siret)
            .collect();
        let baseline = &exposure.baseline_period;
        example_sheets(&exp, &reference, &scores, &exposed, baseline, lang)
    })?;
    crate::output::crash_point("run-after-sheets");
    let mut exposure_section = sections::exposure_section(&exposure, None);
    exposure_section.example_sheets = sheet_files.1;
    let results = RunResults {
        schema_version: crate::report::RESULTS_SCHEMA_VERSION,
        manifest: Some(sections::manifest_section(&manifest, &run_id)),
        data: Some(sections::data_section(
            &synthetic.dataset,
            &exp,
            &calibration,
        )),
        score: Some(crate::report::from_score::score_section(
            &scores, &reference, 3,
        )),
        exposure: Some(exposure_section),
        retention: Some(retention_out.section),
        methods: Some(sections::methods_section(Some(&exposure))),
        validity: Some(sections::validity_section(&validity)),
    };
    timer.stage("report", || -> anyhow::Result<()> {
        let mut files = crate::report::render_run_files(&results, lang)?;
        files.push(crate::report::results_file(&results)?);
        files.extend(sheet_files.0);
        files.push((
            PathBuf::from("counsellors.html"),
            counsellor_html.into_bytes(),
        ));
        Ok(out.write_all(&files)?)
    })?;
    crate::output::crash_point("run-after-report");
    manifest.stages = timer.into_stages();
    manifest.total_seconds = t0.elapsed().as_secs_f64();
    tables::write_text(
        &out.path().join("manifest.json"),
        &serde_json::to_string_pretty(&manifest)?,
    )?;
    crate::output::crash_point("run-before-commit");
    // The published folder first: a crash in between leaves the previous research folder,
    // which the next run replaces.
    let dir = out.commit()?;
    research.commit()?;
    Ok(RunOutcome {
        dir,
        results,
        manifest,
    })
}

/// Subfolder of a synthetic run's research folder holding the exposed world's scores.
pub const EXPOSED: &str = "exposed";

/// The score tables and the exposure truth, as CSV and Parquet, into `tables`; the
/// establishment-level tables of both worlds into `research`.
fn write_tables(
    scores: &crate::score::ScoreOutput,
    exposure: &crate::exposure::study::ExposureStudy,
    tables: &Path,
    research: &Path,
) -> anyhow::Result<()> {
    crate::score::io::write_published(scores, tables)?;
    crate::score::io::write_research(scores, research)?;
    // The exposed world's scores, on which the exposure is evaluated: what a synthetic
    // pilot's DSN (`generate --pilot`) scores to.
    if let Some(exposed) = &exposure.exposed_scores {
        crate::score::io::write_research(exposed, &research.join(EXPOSED))?;
    }
    let mut truth = crate::exposure::study::truth_df(exposure)?;
    for f in [tables::Format::Csv, tables::Format::Parquet] {
        let path = research.join(format!("exposure_truth.{}", f.extension()));
        tables::write_df(&mut truth, &path, f)?;
    }
    Ok(())
}

/// The run's provenance: experiment, seed, code version and input fingerprints (the cached
/// dataset's files when the cache is used, the data fingerprint otherwise).
fn build_manifest(
    opts: &RunOptions,
    exp: &Experiment,
    data_dir: &Path,
    cached: bool,
) -> anyhow::Result<Manifest> {
    let mut inputs = vec![provenance::fingerprint_file(&opts.experiment_path)?];
    let data_fps = if opts.use_cache {
        provenance::fingerprint_dir(data_dir)?
    } else {
        Vec::new()
    };
    let data_fingerprint = if data_fps.is_empty() {
        data_fingerprint(exp)
    } else {
        provenance::combine(&data_fps)
    };
    inputs.extend(data_fps.into_iter().map(|mut f| {
        f.path = data_dir.join(&f.path).display().to_string();
        f
    }));
    Ok(Manifest {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: provenance::git_commit(),
        command: opts.command.clone(),
        rerun: format!(
            "cargo run --release -- run {}",
            opts.experiment_path.display()
        ),
        experiment_name: exp.name.clone(),
        experiment_path: opts.experiment_path.display().to_string(),
        experiment_hash: exp.hash.clone(),
        seed: exp.seed,
        data_fingerprint,
        data_cached: cached,
        inputs,
        demo: false,
        stages: Vec::new(),
        total_seconds: 0.0,
    })
}
