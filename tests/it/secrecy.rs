//! Statistical secrecy over every published file of a run: a run is made with the binary,
//! then every file of its folder (the folder policy teams receive) is checked against the
//! truth kept in its research folder:
//! - every published count of establishments is 0 or at least 3, every count of persons at
//!   least 11, no establishment above 85% of a cell's hires;
//! - no hidden cell can be recovered by subtraction from a published total of its row or
//!   column, and a hidden cell is never shown as 0 (tables, `results.json`, Markdown, HTML,
//!   the histogram figure);
//! - no per-establishment list (no `siret` key or 14-digit number outside the counsellors'
//!   page and the employer sheets, no per-establishment table), no raw person-based share
//!   (values on the rounding grid), no Kaplan–Meier point on fewer than 11 persons at risk.
//!
//! The published records, the list and `compare` are checked on the same run, and so is the
//! feed (`tables/feed.parquet` of the run, and `feed.jsonl` and `feed.csv` exported from it):
//! a feed is a per-establishment publication, so each of its records must be exactly the
//! published record that `score::publish` makes for that establishment (positions only, a
//! sensitive criterion only on at least 11 persons, no raw count or rate), nothing more.

use crate::common::bin;
use engagement::feed::{self, Citation, EmployerRecord};
use engagement::indicators::{Criterion, CRITERIA};
use engagement::score::privacy::{self, MIN_PERSONS, MIN_UNITS};
use engagement::score::publish::{self, FarStatus, Reason};
use engagement::score::{io, Position, ScoreOutput};
use polars::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Runs `engagement run EXP` into `root` and returns the run folder.
fn run(exp: &str, root: &Path) -> PathBuf {
    let o = bin()
        .args(["-q", "run", exp, "--run-id", "secrecy", "--reports"])
        .arg(root.join("reports"))
        .arg("--cache")
        .arg(root.join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let exp_dir = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    exp_dir.join("secrecy")
}

/// What the research outputs say the published cells hold (latest period).
#[derive(Default)]
struct Truth {
    by_section: BTreeMap<String, [u64; 4]>,
    by_zone: BTreeMap<String, [u64; 4]>,
    levels: [u64; 4],
    bins: [u64; 10],
    /// (section, zone) → (establishments, hires, largest hires).
    sector_zone: BTreeMap<(String, String), (u64, u64, u64)>,
}

impl Truth {
    fn of(out: &ScoreOutput) -> Truth {
        let p = out.period_index(None).unwrap();
        let mut t = Truth::default();
        for (i, s) in out.scores.iter().enumerate() {
            let (true, Some(c)) = (s.period == p, s.composite) else {
                continue;
            };
            let e = out.establishment(s.siret).unwrap();
            let l = s.label.unwrap_or(0).min(3) as usize;
            t.by_section.entry(e.section.clone()).or_default()[l] += 1;
            t.by_zone.entry(e.zone.clone()).or_default()[l] += 1;
            t.levels[l] += 1;
            t.bins[((c / 10.0).floor() as usize).min(9)] += 1;
            let h = out.indicators.rows[i].hires as u64;
            let cell = t
                .sector_zone
                .entry((e.section.clone(), e.zone.clone()))
                .or_default();
            cell.0 += 1;
            cell.1 += h;
            cell.2 = cell.2.max(h);
        }
        t
    }
}

/// Collected violations, with where they were found.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn add(&mut self, s: String) {
        self.0.push(s);
    }
    /// A published count of establishments: the truth, and 0 or at least 3.
    fn units(&mut self, at: &str, shown: Option<u64>, truth: u64) {
        match shown {
            Some(n) if n != truth => self.add(format!("{at}: shows {n}, truth {truth}")),
            Some(n) if n > 0 && n < MIN_UNITS => {
                self.add(format!("{at}: a cell of {n} establishments"))
            }
            _ => {}
        }
    }
    /// A line with a published total must not have exactly one hidden cell.
    fn line(&mut self, at: &str, cells: &[Option<u64>], total_published: bool) {
        if total_published && cells.iter().filter(|c| c.is_none()).count() == 1 {
            self.add(format!("{at}: one hidden cell, recoverable from the total"));
        }
    }
}

fn json_count(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// A label row of `results.json`: code, counts (`None` hidden), total, whether the total is
/// published (layouts without a total field: derivable, so taken as published).
type LabelRow = (String, Vec<Option<u64>>, Option<u64>, bool);

/// Label rows of `results.json`; old layouts with a `suppressed` row and no counts read as
/// all hidden.
fn label_rows(v: &Value) -> Vec<LabelRow> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let counts: Vec<Option<u64>> = g["counts"]
                .as_array()
                .map(|a| a.iter().map(json_count).collect())
                .unwrap_or_default();
            let counts = if counts.is_empty() {
                vec![None; 4]
            } else {
                counts
            };
            let code = g["code"].as_str().unwrap_or_default().to_string();
            let published = g.get("total").is_none_or(|t| !t.is_null());
            (code, counts, g["total"].as_u64(), published)
        })
        .collect()
}

fn check_results(f: &mut Findings, r: &Value, t: &Truth) {
    let s = &r["score"];
    if let Some(n) = s["reference_scores"].as_array().filter(|a| !a.is_empty()) {
        f.add(format!("results.json lists {} establishments", n.len()));
    }
    let levels: Vec<Option<u64>> = s["labels_by_level"]
        .as_array()
        .map(|a| a.iter().map(json_count).collect())
        .unwrap_or_default();
    for (l, n) in levels.iter().enumerate() {
        f.units(&format!("labels_by_level[{l}]"), *n, t.levels[l]);
    }
    for (key, truth) in [
        ("labels_by_sector", &t.by_section),
        ("labels_by_zone", &t.by_zone),
    ] {
        let rows = label_rows(&s[key]);
        for (code, counts, total, published) in &rows {
            let tr = truth.get(code).copied().unwrap_or_default();
            for (l, n) in counts.iter().enumerate() {
                f.units(&format!("{key} {code} level {l}"), *n, tr[l]);
            }
            f.units(&format!("{key} {code} total"), *total, tr.iter().sum());
            f.line(&format!("{key} {code}"), counts, *published);
        }
        for (l, lv) in levels.iter().enumerate() {
            let col: Vec<Option<u64>> = rows.iter().map(|r| r.1[l]).collect();
            f.line(&format!("{key} level {l}"), &col, lv.is_some());
        }
    }
    let bins: Vec<Option<u64>> = s["histogram"]["counts"]
        .as_array()
        .map(|a| a.iter().map(json_count).collect())
        .unwrap_or_default();
    for (b, n) in bins.iter().enumerate() {
        if *n == Some(0) && t.bins[b] > 0 {
            f.add(format!(
                "histogram bin {b}: shown as 0, holds {}",
                t.bins[b]
            ));
        } else {
            f.units(&format!("histogram bin {b}"), *n, t.bins[b]);
        }
    }
    f.line("histogram", &bins, true);
    for tr in s["label_transitions"].as_array().into_iter().flatten() {
        if let Some(n) = tr["count"].as_u64().filter(|&n| n < MIN_UNITS) {
            f.add(format!("label transition of {n} establishments"));
        }
    }
    check_examples(f, s);
    check_retention(f, &r["retention"]);
}

/// Example explanations: values on the rounding grid, never raw shares.
fn check_examples(f: &mut Findings, s: &Value) {
    for e in s["examples"].as_array().into_iter().flatten() {
        for c in e["criteria"].as_array().into_iter().flatten() {
            let Some(k) = c["key"].as_str().and_then(Criterion::from_name) else {
                continue;
            };
            for field in ["value", "peer_median"] {
                if let Some(v) = c[field].as_f64() {
                    if !privacy::is_rounded(v, publish::step(k)) {
                        f.add(format!("example {} {field}: raw value {v}", k.name()));
                    }
                }
            }
        }
    }
}

fn check_retention(f: &mut Findings, r: &Value) {
    for key in ["km_by_group", "km_by_policy"] {
        for curve in r[key].as_array().into_iter().flatten() {
            let low = curve["points"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["at_risk"].as_u64().is_some_and(|n| n < MIN_PERSONS))
                .count();
            if low > 0 {
                f.add(format!(
                    "{key}: {low} points on fewer than 11 persons at risk"
                ));
            }
        }
    }
    for c in r["cohorts"].as_array().into_iter().flatten() {
        for k in ["n", "n_hired"] {
            if c[k].as_u64().is_some_and(|n| n < MIN_PERSONS) {
                f.add(format!("retention cohort {k} below 11 persons"));
            }
        }
    }
}

/// Rows of the Markdown and HTML tables, as cell texts.
fn md_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with("| "))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn html_rows(text: &str) -> Vec<Vec<String>> {
    text.split("<tr>")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or_default();
            row.split("<td")
                .skip(1)
                .map(|c| {
                    let c = c.split_once('>').map_or("", |x| x.1);
                    c.split("</td>").next().unwrap_or_default().to_string()
                })
                .collect()
        })
        .collect()
}

/// Rendered label tables show hidden cells as hidden and published ones as published.
fn check_rendered(f: &mut Findings, name: &str, rows: &[Vec<String>], r: &Value) {
    for key in ["labels_by_sector", "labels_by_zone"] {
        for (code, counts, _, _) in label_rows(&r["score"][key]) {
            for row in rows
                .iter()
                .filter(|x| x.len() == 2 + counts.len() && x[0] == code)
            {
                for (l, n) in counts.iter().enumerate() {
                    let cell = row[2 + l].replace(['\u{202f}', '\u{a0}', ' '], "");
                    let shown: Option<u64> = cell.parse().ok();
                    if n.is_none() && shown.is_some() {
                        f.add(format!(
                            "{name} {key} {code} level {l}: hidden cell shown as {cell}"
                        ));
                    }
                }
            }
        }
    }
}

/// Every standalone run of 14 digits (a SIRET) in a text: not part of a longer
/// alphanumeric token nor of a decimal number.
fn sirets(text: &str) -> usize {
    let b = text.as_bytes();
    let word = |k: usize| b[k].is_ascii_alphanumeric() || b[k] == b'.' || b[k] == b'_';
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let j = (i..b.len())
            .find(|&k| !b[k].is_ascii_digit())
            .unwrap_or(b.len());
        let alone = (i == 0 || !word(i - 1)) && (j == b.len() || !word(j));
        n += usize::from(j - i == 14 && alone);
        i = j;
    }
    n
}

/// Text nodes of an SVG equal to `word`.
fn text_nodes(svg: &str, word: &str) -> usize {
    svg.split('>')
        .filter(|s| s.split('<').next().is_some_and(|t| t.trim() == word))
        .count()
}

fn read_table(p: &Path) -> DataFrame {
    if p.extension().is_some_and(|e| e == "parquet") {
        ParquetReader::new(std::fs::File::open(p).unwrap())
            .finish()
            .unwrap()
    } else {
        // Codes stay text (zone codes have leading zeros).
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(p.to_path_buf()))
            .unwrap()
            .finish()
            .unwrap()
    }
}

fn column_u64(df: &DataFrame, name: &str) -> Vec<Option<u64>> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::UInt64).ok())
        .map(|c| {
            let ca = c.as_materialized_series().u64().unwrap().clone();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        })
        .unwrap_or_default()
}

fn column_str(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::String).ok())
        .map(|c| {
            let ca = c.as_materialized_series().str().unwrap().clone();
            (0..ca.len())
                .map(|i| ca.get(i).unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A published table (CSV or Parquet): only aggregate tables, checked against the truth.
fn check_table(f: &mut Findings, p: &Path, t: &Truth) {
    let name = p.file_name().unwrap().to_string_lossy().to_string();
    let stem = p.file_stem().unwrap().to_string_lossy().to_string();
    let df = read_table(p);
    if df.get_column_names().iter().any(|c| c.as_str() == "siret") {
        f.add(format!("{name}: a per-establishment table (siret column)"));
    }
    if !engagement::score::summary_tables::STEMS.contains(&stem.as_str()) {
        f.add(format!("{name}: not a published aggregate table"));
        return;
    }
    let levels = |df: &DataFrame| -> Vec<Vec<Option<u64>>> {
        (0..4)
            .map(|l| column_u64(df, &format!("level_{l}")))
            .collect()
    };
    match stem.as_str() {
        "labels_by_section" | "labels_by_zone" => {
            let truth = if stem == "labels_by_zone" {
                &t.by_zone
            } else {
                &t.by_section
            };
            let (codes, lv, total) = (
                column_str(&df, "code"),
                levels(&df),
                column_u64(&df, "total"),
            );
            for (r, code) in codes.iter().enumerate() {
                let tr = truth.get(code).copied().unwrap_or_default();
                let row: Vec<Option<u64>> = (0..4).map(|l| lv[l][r]).collect();
                for (l, n) in row.iter().enumerate() {
                    f.units(&format!("{name} {code} level {l}"), *n, tr[l]);
                }
                f.line(&format!("{name} {code}"), &row, total[r].is_some());
            }
        }
        "labels_by_sector_zone" => {
            let (sec, zone) = (column_str(&df, "section"), column_str(&df, "zone"));
            let (scored, hires) = (column_u64(&df, "scored"), column_u64(&df, "hires"));
            for r in 0..sec.len() {
                let tr = t
                    .sector_zone
                    .get(&(sec[r].clone(), zone[r].clone()))
                    .copied()
                    .unwrap_or_default();
                let at = format!("{name} {}×{}", sec[r], zone[r]);
                f.units(&at, scored[r], tr.0);
                if let Some(h) = hires[r] {
                    if h < MIN_PERSONS || tr.2 as f64 > privacy::DOMINANCE_SHARE * tr.1 as f64 {
                        f.add(format!("{at}: hires {h} below 11 persons or dominated"));
                    }
                }
            }
        }
        "score_histogram" => {
            let counts = column_u64(&df, "count");
            for (b, n) in counts.iter().enumerate() {
                if *n == Some(0) && t.bins[b] > 0 {
                    f.add(format!("{name} bin {b}: shown as 0, holds {}", t.bins[b]));
                } else {
                    f.units(&format!("{name} bin {b}"), *n, t.bins[b]);
                }
            }
            f.line(&name, &counts, true);
        }
        _ => {
            let cols: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .filter(|c| c.starts_with("level_") || c == "count" || c == "non_calculable")
                .collect();
            for c in cols {
                for n in column_u64(&df, &c).into_iter().flatten() {
                    if n > 0 && n < MIN_UNITS {
                        f.add(format!("{name} {c}: a cell of {n} establishments"));
                    }
                }
            }
        }
    }
}

/// The number a rendered value cell starts with (`45 %`, `1,5 pour 100`, `35 jours`).
fn leading_number(cell: &str) -> Option<f64> {
    let digits: String = cell
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\u{202f}' | '\u{a0}'))
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    digits.replace(',', ".").parse().ok()
}

/// Values on an employer sheet (the employer's own and the peers' median, columns 4 and 5 of
/// its criteria table) are rounded bands: percentages and days on multiples of 5.
fn check_sheet(f: &mut Findings, name: &str, html: &str) {
    for row in html_rows(html).iter().filter(|r| r.len() == 6) {
        for cell in &row[3..5] {
            let Some(v) = leading_number(cell) else {
                continue;
            };
            let banded = cell.contains('%') || cell.contains("jour") || cell.contains("day");
            if banded && !privacy::is_rounded(v, 5.0) {
                f.add(format!(
                    "{name}: {}: value {cell} is not a rounded band",
                    row[0]
                ));
            }
        }
    }
}

/// Every file of the run folder.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// All violations of statistical secrecy in the published run folder `run_dir`.
fn violations(run_dir: &Path) -> Vec<String> {
    let out = io::read_outputs(run_dir).expect("research outputs of the run");
    let truth = Truth::of(&out);
    let mut f = Findings::default();
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("results.json")).unwrap())
            .unwrap();
    check_results(&mut f, &results, &truth);
    for p in files(run_dir) {
        let rel = p.strip_prefix(run_dir).unwrap().display().to_string();
        let ext = p.extension().map(|e| e.to_string_lossy().to_string());
        let is_feed = is_feed_file(&p);
        match ext.as_deref() {
            _ if is_feed => check_feed(&mut f, &rel, &p, &out),
            Some("csv") | Some("parquet") => check_table(&mut f, &p, &truth),
            Some("gz") => f.add(format!("{rel}: full per-establishment output published")),
            _ => {}
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let listed = rel == "counsellors.html" || rel.starts_with("sheets/") || is_feed;
        if rel == "counsellors.html" {
            let emp = text.matches("<details class=\"emp\"").count();
            let far = text.matches("<p class=\"far\">").count();
            if emp != far {
                f.add(format!(
                    "{rel}: pooled block said for {far} of {emp} employers"
                ));
            }
        }
        if !listed && sirets(&text) > 0 {
            f.add(format!("{rel}: {} SIRET-like numbers", sirets(&text)));
        }
        if rel.ends_with(".json") && text.contains("\"siret\"") {
            f.add(format!("{rel}: per-establishment records"));
        }
        match ext.as_deref() {
            Some("md") => check_rendered(&mut f, &rel, &md_rows(&text), &results),
            Some("html") if rel == "index.html" => {
                check_rendered(&mut f, &rel, &html_rows(&text), &results)
            }
            Some("html") if rel.starts_with("sheets/") => check_sheet(&mut f, &rel, &text),
            _ => {}
        }
    }
    let hidden_bins = results["score"]["histogram"]["counts"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|v| v.is_null()).count());
    if let Ok(svg) = std::fs::read_to_string(run_dir.join("figures/score-histogram.svg")) {
        if text_nodes(&svg, "secret") + text_nodes(&svg, "suppressed") < hidden_bins {
            f.add("score histogram: hidden bins not marked as secret".into());
        }
    }
    f.0
}

/// A feed file: `feed.parquet` of a scores folder with its prebuilt index, or an `export` in
/// any format.
fn is_feed_file(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    ["feed.parquet", "feed.index", "feed.csv", "feed.jsonl"].contains(&name.as_ref())
}

/// The records of a feed file, in any of its three formats, or of a feed's prebuilt index.
fn feed_records(p: &Path) -> Result<Vec<EmployerRecord>, String> {
    let ext = p.extension().map(|e| e.to_string_lossy().to_string());
    match ext.as_deref() {
        Some("index") => {
            let dir = p.parent().unwrap();
            let meta =
                std::fs::read_to_string(dir.join(feed::META_FILE)).map_err(|e| e.to_string())?;
            let meta = serde_json::from_str(&meta).map_err(|e| e.to_string())?;
            let r = engagement::reference::Reference::load();
            let ix = feed::index::open_snapshot(dir, meta, &r).map_err(|e| e.to_string())?;
            Ok((0..ix.len()).map(|i| ix.record(i)).collect())
        }
        Some("parquet") => {
            let df = feed::read_flat_parquet(p).map_err(|e| e.to_string())?;
            feed::records_of_df(&df, p).map_err(|e| e.to_string())
        }
        Some("jsonl") => std::fs::read_to_string(p)
            .map_err(|e| e.to_string())?
            .lines()
            .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
            .collect(),
        _ => {
            let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
            let mut rows = crate::feed_export::csv_rows(&text);
            let head = rows.remove(0);
            rows.iter()
                .map(|row| {
                    feed::unflatten(&|n| {
                        let v = head.iter().position(|h| h == n).map(|i| row[i].clone());
                        feed::Cell::Text(v.filter(|s| !s.is_empty()))
                    })
                    .map_err(|(c, m)| format!("{c}: {m}"))
                })
                .collect()
        }
    }
}

/// Every record of a feed is the published record of its establishment, and on its own
/// keeps the rules: no sensitive criterion on fewer than 11 persons, no peer group of fewer
/// than 3 establishments, no key holding a value or a count.
fn check_feed(f: &mut Findings, rel: &str, p: &Path, out: &ScoreOutput) {
    let records = match feed_records(p) {
        Ok(r) => r,
        Err(e) => return f.add(format!("{rel}: unreadable feed: {e}")),
    };
    if records.is_empty() {
        return f.add(format!("{rel}: an empty feed checks nothing"));
    }
    let w = out.indicators.window_months;
    let min = MIN_PERSONS as f64;
    for r in &records {
        let at = format!("{rel} {}", r.siret);
        let row = r.siret.parse().ok().and_then(|siret| {
            let period = out.period_index(Some(&r.period)).ok()?;
            out.row_index(siret, period)
        });
        let Some(i) = row else {
            f.add(format!("{at}: not a scored establishment of {}", r.period));
            continue;
        };
        if *r != feed::record::from_published(publish::record(out, i)) {
            f.add(format!("{at}: differs from the published record"));
        }
        let ind = &out.indicators.rows[i];
        for c in CRITERIA.iter().copied().filter(|c| c.is_sensitive()) {
            if let Some(Citation::Shown(_)) = r.citation(c) {
                let (x, n) = ind.counts(c, w);
                if x < min || n < min {
                    f.add(format!("{at}: {} cited on {x}/{n} persons", c.name()));
                }
            }
        }
        if r.peers.members.is_some_and(|m| u64::from(m) < MIN_UNITS) {
            f.add(format!("{at}: a peer group of fewer than 3 published"));
        }
        let mut keys = Vec::new();
        json_keys(&serde_json::to_value(r).unwrap(), &mut keys);
        for k in ["value", "share", "rate", "count", "hires", "persons"] {
            if keys.iter().any(|x| x == k) {
                f.add(format!("{at}: record key {k}"));
            }
        }
    }
}

fn json_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                json_keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| json_keys(x, out)),
        _ => {}
    }
}

/// Records, sheet figures and the list of the run obey the person rules.
fn check_records(run_dir: &Path) {
    let out = io::read_outputs(run_dir).unwrap();
    let w = out.indicators.window_months;
    let p = out.period_index(None).unwrap();
    let min = MIN_PERSONS as f64;
    let (mut far_shown, mut withheld) = (0, 0);
    for i in (0..out.scores.len()).filter(|&i| out.scores[i].period == p) {
        let rec = publish::record(&out, i);
        let row = &out.indicators.rows[i];
        for v in &rec.criteria {
            let c = v.criterion;
            let shown = !matches!(v.position, Position::Withheld | Position::NotCalculable);
            if c.is_sensitive() && shown {
                let (x, n) = row.counts(c, w);
                assert!(x >= min && n >= min, "{} cited on {x}/{n}", c.name());
            }
            withheld += usize::from(v.position == Position::Withheld);
        }
        if let FarStatus::Shown(_) = rec.far_from_employment.status {
            far_shown += 1;
            assert!(row.sensitive_any as f64 >= min && row.new_hires as f64 >= min);
        }
        for r in &rec.reasons {
            if let Reason::Criterion(c) = r {
                let sub = out.scores[i].subscores[*c as usize].unwrap();
                assert!(sub > 50.0, "{} listed as a strength at {sub}", c.name());
            }
        }
        let mut keys = Vec::new();
        json_keys(&serde_json::to_value(&rec).unwrap(), &mut keys);
        for k in ["value", "share", "count", "hires", "persons"] {
            assert!(!keys.contains(&k.to_string()), "record key {k}");
        }
        if out.scores[i].composite.is_none() {
            continue;
        }
        let fig = publish::sheet_figures(&out, i);
        for c in &fig.criteria {
            for v in [c.own, c.peer_median].into_iter().flatten() {
                assert!(
                    privacy::is_rounded(v, c.step),
                    "{v} not on a {} grid",
                    c.step
                );
            }
            if c.own.is_some() {
                assert!(privacy::can_cite(row, c.criterion, w), "own value cited");
            }
            if c.peer_median.is_some() {
                let g = out.scores[i].peer_group;
                let peers = (0..out.scores.len())
                    .filter(|&j| out.scores[j].period == p && out.scores[j].peer_group == g)
                    .filter(|&j| out.scores[j].subscores[c.criterion as usize].is_some())
                    .count();
                assert!(peers as u64 >= MIN_UNITS, "median over {peers} peers");
            }
        }
    }
    assert!(
        withheld > 0,
        "a real territory has withheld sensitive criteria"
    );
    assert!(far_shown > 0, "the pooled block is shown somewhere");
}

#[test]
fn published_files_of_a_run_keep_statistical_secrecy() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = run("tests/fixtures/score/small.toml", tmp.path());
    // The research folder sits beside the run folder, with its notice.
    let research = io::research_dir(&run_dir);
    assert!(research.join(io::FULL_OUTPUT).is_file());
    assert!(std::fs::read_to_string(research.join("README.md"))
        .unwrap()
        .starts_with("# NOT FOR PUBLICATION"));
    assert!(!run_dir.join("research").exists());
    assert!(
        run_dir.join("tables/feed.parquet").is_file(),
        "the run publishes its feed, which the scan checks"
    );
    let v = violations(&run_dir);
    assert!(v.is_empty(), "{} violations:\n{}", v.len(), v.join("\n"));
    check_records(&run_dir);

    // The feed exported from the run, in the other two formats, holds the same records.
    let out = io::read_outputs(&run_dir).unwrap();
    let mut f = Findings::default();
    for format in ["jsonl", "csv"] {
        let p = tmp.path().join(format!("feed.{format}"));
        let o = bin()
            .args(["-q", "export", "--format", format, "--scores"])
            .arg(&run_dir)
            .arg("--out")
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        check_feed(&mut f, &format!("feed.{format}"), &p, &out);
    }
    assert!(f.0.is_empty(), "{}", f.0.join("\n"));

    // `list` accepts the run folder; its JSON uses the configuration's criterion keys.
    let o = bin()
        .args(["list", "--format", "json", "--all", "--scores"])
        .arg(&run_dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["strengths"].as_array().unwrap())
        .filter_map(|s| s["criterion"].as_str())
        .collect();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| Criterion::from_name(k).is_some()),
        "{keys:?}"
    );

    // `compare` reads the per-SIRET scores from the research folders.
    let cmp = tmp.path().join("cmp");
    let o = bin()
        .args(["-q", "compare"])
        .arg(&run_dir)
        .arg(&run_dir)
        .arg("--out")
        .arg(&cmp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(cmp.join("comparison.json")).unwrap())
            .unwrap();
    assert!(c["n_common"].as_u64().unwrap() > 100);
    assert_eq!(c["n_flips"].as_u64(), Some(0));
}

#[test]
#[ignore = "the default run takes about a minute in the dev profile"]
fn published_files_of_the_default_run_keep_statistical_secrecy() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = run("experiments/baseline.toml", tmp.path());
    let v = violations(&run_dir);
    assert!(v.is_empty(), "{} violations:\n{}", v.len(), v.join("\n"));
    check_records(&run_dir);
}

/// Checks an existing run folder (`SECRECY_RUN_DIR`), e.g. one written by an older version.
#[test]
#[ignore = "set SECRECY_RUN_DIR to a run folder"]
fn published_files_of_a_given_run_keep_statistical_secrecy() {
    let dir = PathBuf::from(std::env::var("SECRECY_RUN_DIR").expect("SECRECY_RUN_DIR"));
    let v = violations(&dir);
    assert!(v.is_empty(), "{} violations:\n{}", v.len(), v.join("\n"));
}

#[test]
fn hidden_histogram_bins_are_drawn_as_secret_not_zero() {
    let axes = engagement::report::figures::Axes {
        x_label: "score".into(),
        y_label: "n".into(),
        lang: engagement::config::Lang::Fr,
        y_decimals: 0,
        x_tick_labels: vec![],
    };
    let edges: Vec<f64> = (0..=4).map(|k| 25.0 * k as f64).collect();
    let svg = engagement::report::figures::histogram(
        &edges,
        &[Some(10), None, Some(40), None],
        "secret",
        &axes,
    )
    .unwrap();
    assert_eq!(text_nodes(&svg, "secret"), 2);
    let none = engagement::report::figures::histogram(
        &edges,
        &[Some(10), Some(0), Some(40), Some(3)],
        "secret",
        &axes,
    )
    .unwrap();
    assert_eq!(text_nodes(&none, "secret"), 0);
}

#[test]
fn siret_detector() {
    assert_eq!(sirets("a 12345678901234 b 123456789012345 c 1234"), 1);
    assert_eq!(sirets("\"12345678901234\""), 1);
    assert_eq!(sirets("44.12169663139954 ab12345678901234"), 0);
}

/// The checker is not blind: tables, `results.json` and rendered pages that break the rules
/// are flagged, one finding per kind of violation.
#[test]
fn checker_flags_violating_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = Truth::default();
    t.by_section.insert("C".into(), [5, 1, 0, 7]);
    t.by_section.insert("F".into(), [4, 4, 3, 3]);
    t.bins[4] = 6;
    let mut f = Findings::default();
    // A cell of 1 establishment published as such; a row with one hidden cell and its total.
    let p = tmp.path().join("labels_by_section.csv");
    std::fs::write(
        &p,
        "code,level_0,level_1,level_2,level_3,total\nC,5,1,0,7,13\nF,4,,3,3,14\n",
    )
    .unwrap();
    check_table(&mut f, &p, &t);
    assert!(f.0.iter().any(|x| x.contains("C level 1")), "{:?}", f.0);
    assert!(f.0.iter().any(|x| x.contains("recoverable")), "{:?}", f.0);
    // A hidden histogram bin written as 0.
    let p = tmp.path().join("score_histogram.csv");
    let mut csv = "from,to,count\n".to_string();
    for b in 0..10 {
        csv.push_str(&format!("{},{},0\n", b * 10, b * 10 + 10));
    }
    std::fs::write(&p, csv).unwrap();
    let n = f.0.len();
    check_table(&mut f, &p, &t);
    assert!(
        f.0[n..].iter().any(|x| x.contains("shown as 0")),
        "{:?}",
        f.0
    );
    // A per-establishment table.
    let p = tmp.path().join("scores.csv");
    std::fs::write(&p, "siret,score\n12345678901234,50\n").unwrap();
    let n = f.0.len();
    check_table(&mut f, &p, &t);
    assert!(
        f.0[n..].iter().any(|x| x.contains("siret column")),
        "{:?}",
        f.0
    );

    // results.json: a label count of 2, a per-SIRET list, a small transition.
    let t = Truth {
        levels: [10, 2, 5, 0],
        ..Default::default()
    };
    let r = serde_json::json!({
        "score": {
            "labels_by_level": [10, 2, 5, 0],
            "reference_scores": [{"siret": "12345678901234"}],
            "label_transitions": [{"from": "none", "to": "engaged", "count": 1}],
        },
        "retention": {"km_by_group": [{"points": [{"at_risk": 4}]}]},
    });
    let mut f = Findings::default();
    check_results(&mut f, &r, &t);
    for want in [
        "labels_by_level[1]",
        "lists 1 establishments",
        "label transition",
        "fewer than 11",
    ] {
        assert!(f.0.iter().any(|x| x.contains(want)), "{want}: {:?}", f.0);
    }

    // A rendered table showing a hidden cell as a number.
    let r = serde_json::json!({"score": {"labels_by_sector": [
        {"code": "C", "counts": [5, null, null, 7], "total": null}
    ]}});
    let mut f = Findings::default();
    let md = "| C | Industrie | 5 | 0 | secret | 7 |\n";
    check_rendered(&mut f, "report.md", &md_rows(md), &r);
    assert_eq!(f.0.len(), 1, "{:?}", f.0);

    // A raw share on a sheet.
    let mut f = Findings::default();
    let html = "<table><tr><td>BOETH</td><td>x</td><td>g</td><td>44 %</td><td>35 %</td><td>10 %</td></tr></table>";
    check_sheet(&mut f, "sheets/example-1.html", html);
    assert_eq!(f.0.len(), 1, "{:?}", f.0);
    assert_eq!(sirets("SIRET 12345678901234"), 1);
}

/// The feed check is not blind: a record that cites a withheld sensitive criterion, shows a
/// peer group of 2, or differs in any way from the published record is flagged.
#[test]
fn checker_flags_feed_records_beyond_the_published_ones() {
    let (_, out) = crate::common::scored_fixture();
    let good = feed::record::records(out, None).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("feed.jsonl");
    feed::write_feed(&good, feed::FeedFormat::Jsonl, &p).unwrap();
    let mut f = Findings::default();
    check_feed(&mut f, "feed.jsonl", &p, out);
    assert!(f.0.is_empty(), "{:?}", f.0);

    let mut bad = good.clone();
    let k = bad
        .iter()
        .position(|r| r.criteria.iter().any(|v| v.citation == Citation::Withheld))
        .expect("a withheld criterion in the fixture");
    for v in bad[k].criteria.iter_mut() {
        if v.citation == Citation::Withheld {
            v.citation = Citation::Shown(engagement::score::Position::WellAbove);
        }
    }
    let m = (0..bad.len()).find(|&j| j != k).unwrap();
    bad[m].peers.members = Some(2);
    let j = (0..bad.len())
        .find(|&j| j != k && j != m && bad[j].score.is_some())
        .unwrap();
    bad[j].score = bad[j].score.map(|s| (s + 1) % 100);
    feed::write_feed(&bad, feed::FeedFormat::Csv, &tmp.path().join("feed.csv")).unwrap();
    let mut f = Findings::default();
    check_feed(&mut f, "feed.csv", &tmp.path().join("feed.csv"), out);
    for want in [
        format!("feed.csv {}: ", bad[k].siret),
        " cited on ".to_string(),
        "fewer than 3".to_string(),
        format!("feed.csv {}: differs", bad[j].siret),
    ] {
        assert!(f.0.iter().any(|x| x.contains(&want)), "{want}: {:?}", f.0);
    }
}
