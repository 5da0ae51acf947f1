//! Experiment files: a raw TOML document, validated into an [`Experiment`] plan.
//!
//! Parsing happens in two stages, as in ripgrep and linfa: serde reads a raw struct with
//! `deny_unknown_fields` (so a typo is an error, never a silently ignored key), then
//! `validate` checks every value against its allowed range and returns the plan that the
//! stages run on. Every error names the key path (`generator.establishments`) and the
//! allowed values. Each stage owns its section: `score`, `exposure`, `retention`.

mod data;
mod generator;
mod pilot;
pub use data::{DataSource, RawData};
pub use generator::{GeneratorParams, RawGenerator};
pub use pilot::{CohortPlan, PilotPlan, RegisterPlan, DEFAULT_RETURN_HORIZONS};

use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use crate::params::{check_f64, check_int, ConfigError};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    pub seed: i64,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerritory {
    /// Département codes, e.g. ["35", "22"] (optional with `data.source = "tables"`).
    #[serde(default)]
    pub departements: Vec<String>,
    /// Optional commune → zone table overriding the default zone (INSEE's ZE2020 zone of the
    /// commune, shipped in `data/reference/communes_ze2020.csv`); see [`read_zone_file`].
    #[serde(default)]
    pub zone_file: Option<PathBuf>,
}

/// The experiment file as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    pub experiment: RawMeta,
    #[serde(default, skip_serializing_if = "RawData::is_default")]
    pub data: RawData,
    #[serde(default)]
    pub territory: RawTerritory,
    #[serde(default)]
    pub generator: RawGenerator,
    #[serde(default)]
    pub score: crate::score::RawScoreParams,
    #[serde(default)]
    pub exposure: crate::exposure::RawExposureDesign,
    #[serde(default)]
    pub retention: crate::retention::RawRetentionDesign,
    #[serde(default)]
    pub report: RawReport,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// "fr" (default) or "en".
    #[serde(default)]
    pub lang: Option<String>,
    /// Contact line printed on employer sheets (who to write to, to ask or contest), at most
    /// 200 characters on one line.
    #[serde(default)]
    pub contact: Option<String>,
}

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl std::str::FromStr for Lang {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            _ => Err(ConfigError::invalid(
                "report.lang",
                format!("got {s:?}, allowed \"fr\" or \"en\""),
            )),
        }
    }
}

/// The territory, resolved against the shipped reference data.
#[derive(Debug, Clone, Serialize)]
pub struct Territory {
    pub departements: Vec<String>,
    /// commune → zone overrides from `territory.zone_file` (empty: the default zones).
    pub zones: std::collections::BTreeMap<String, String>,
}

impl Territory {
    /// The employment zone of a commune: the override of `territory.zone_file` if it lists the
    /// commune, else its ZE2020 zone, else (outside the zonage) its département.
    pub fn zone_of(&self, reference: &Reference, commune: &str, departement: &str) -> String {
        self.zones
            .get(commune)
            .map(String::as_str)
            .or_else(|| reference.default_zone(commune))
            .unwrap_or(departement)
            .to_string()
    }
}

/// A validated experiment plan.
#[derive(Debug, Clone, Serialize)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Generated data, or workbench tables.
    pub data: DataSource,
    /// The evaluator's files of a real pilot (none on generated data).
    pub pilot: PilotPlan,
    pub territory: Territory,
    pub generator: GeneratorParams,
    pub score: crate::score::ScoreParams,
    pub exposure: crate::exposure::ExposureDesign,
    pub retention: crate::retention::RetentionDesign,
    pub lang: Lang,
    /// SHA-256 of the canonical (re-serialised raw) experiment.
    pub hash: String,
    /// The raw document, kept for the manifest and for reruns.
    pub raw: RawExperiment,
}

impl Experiment {
    /// Reads and validates an experiment file.
    pub fn from_file(path: &Path, reference: &Reference) -> Result<Experiment, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path, reference)
    }

    /// Parses TOML text; `path` is only used in messages and to resolve relative files.
    pub fn from_toml(
        text: &str,
        path: &Path,
        reference: &Reference,
    ) -> Result<Experiment, ConfigError> {
        let raw: RawExperiment = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        raw.validate(path.parent().unwrap_or(Path::new(".")), reference)
    }
}

impl RawExperiment {
    pub fn validate(self, base: &Path, reference: &Reference) -> Result<Experiment, ConfigError> {
        let name = self.experiment.name.trim().to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError::invalid(
                "experiment.name",
                format!("got {name:?}, allowed a non-empty name of letters, digits, '-' and '_'"),
            ));
        }
        let seed = check_int("experiment.seed", self.experiment.seed, 0, i64::MAX)? as u64;
        let data = self.data.validate(base)?;
        if !data.is_synthetic() {
            self.check_tables_only()?;
        }
        let pilot = PilotPlan::validate(&self, base, !data.is_synthetic())?;
        if self.territory.departements.is_empty() && data.is_synthetic() {
            return Err(ConfigError::invalid(
                "territory.departements",
                "got an empty list, allowed one or more département codes such as \"35\"",
            ));
        }
        let mut departements = Vec::new();
        for (i, d) in self.territory.departements.iter().enumerate() {
            if !reference.departements.contains_key(d.as_str()) {
                return Err(ConfigError::invalid(
                    format!("territory.departements[{i}]"),
                    format!("unknown département code {d:?}; allowed codes are those of data/reference/departements.csv, e.g. \"01\", \"2A\", \"75\", \"971\""),
                ));
            }
            if departements.contains(d) {
                return Err(ConfigError::invalid(
                    format!("territory.departements[{i}]"),
                    format!("département {d:?} is listed twice"),
                ));
            }
            departements.push(d.clone());
        }
        let zones = match &self.territory.zone_file {
            None => Default::default(),
            Some(p) => read_zone_file(&base.join(p))?,
        };
        let generator = self.generator.validate()?;
        let score = self.score.validate()?;
        let exposure = self.exposure.validate(&generator)?;
        let retention = self.retention.validate()?;
        let lang = match &self.report.lang {
            None => Lang::Fr,
            Some(s) => s.parse()?,
        };
        if let Some(c) = &self.report.contact {
            if c.chars().count() > 200 || c.chars().any(char::is_control) {
                return Err(ConfigError::invalid(
                    "report.contact",
                    "one line of at most 200 characters".to_string(),
                ));
            }
        }
        let canonical = serde_json::to_string(&self).expect("raw experiment serialises");
        let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
        Ok(Experiment {
            name,
            description: self.experiment.description.clone(),
            seed,
            data,
            pilot,
            territory: Territory {
                departements,
                zones,
            },
            generator,
            score,
            exposure,
            retention,
            lang,
            hash,
            raw: self,
        })
    }
}

impl RawExperiment {
    /// With `data.source = "tables"`, refuses what only generated data can use.
    fn check_tables_only(&self) -> Result<(), ConfigError> {
        let given = serde_json::to_value(&self.generator).ok()
            != serde_json::to_value(RawGenerator::default()).ok();
        if given {
            return Err(ConfigError::invalid(
                "generator",
                "[generator] describes generated data; with data.source = \"tables\" nothing is generated: remove the section",
            ));
        }
        if self.territory.zone_file.is_some() {
            return Err(ConfigError::invalid(
                "territory.zone_file",
                "applies to generated data; ingested tables carry their own zones",
            ));
        }
        Ok(())
    }
}

/// Reads `territory.zone_file`, a CSV file (UTF-8, comma- or semicolon-separated, header
/// row) in one of two layouts, chosen by its header:
///
/// - INSEE's *zonage en zones d'emploi 2020* composition communale (sheet
///   `Composition_communale` of `ZE2020_au_01-01-YYYY.xlsx`, saved as CSV from its header
///   row): the columns `CODGEO` (commune) and `ZE2020` (zone) are read, wherever they are,
///   and the others ignored;
/// - otherwise exactly two columns, commune INSEE code then zone code (any header names),
///   the layout of the shipped `data/reference/communes_ze2020.csv`.
///
/// Listed communes take the file's zone; the others keep their default zone.
pub fn read_zone_file(
    path: &Path,
) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let bad = |line: usize, msg: String| {
        ConfigError::invalid(
            "territory.zone_file",
            format!("{}:{line}: {msg}", path.display()),
        )
    };
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(bad(1, "empty file, expected a header row".into()));
    };
    let delim = if header.matches(';').count() > header.matches(',').count() {
        ';'
    } else {
        ','
    };
    let names: Vec<String> = crate::reference::split_csv_with(header, delim)
        .iter()
        .map(|h| h.trim().to_ascii_uppercase())
        .collect();
    let col = |n: &str| names.iter().position(|h| h == n);
    let (ci, zi, width) = match (col("CODGEO"), col("ZE2020")) {
        (Some(c), Some(z)) => (c, z, None),
        _ => (0, 1, Some(2)),
    };
    let mut out = std::collections::BTreeMap::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f = crate::reference::split_csv_with(line, delim);
        let (c, z) = match (f.get(ci), f.get(zi)) {
            (Some(c), Some(z)) if width.is_none_or(|w| f.len() == w) => (c.trim(), z.trim()),
            _ if width.is_some() => {
                return Err(bad(i + 1, format!("expected `commune,zone`, got {line:?}")))
            }
            _ => return Err(bad(i + 1, format!("missing CODGEO or ZE2020 in {line:?}"))),
        };
        if c.is_empty() || z.is_empty() {
            let field = if c.is_empty() { "commune" } else { "zone" };
            return Err(bad(i + 1, format!("empty {field} in {line:?}")));
        }
        out.insert(c.to_string(), z.to_string());
    }
    Ok(out)
}

/// Names the key path (`section.key`) and line of a TOML error, in plain words.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e
        .message()
        .replace("expected i64", "expected an integer")
        .replace("expected f64", "expected a number");
    let Some(span) = e.span() else {
        return msg;
    };
    let before = &text[..span.start.min(text.len())];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
    let section = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    match (section, key) {
        (Some(s), Some(k)) => format!("line {line_no}, key `{s}.{k}`: {msg}"),
        (None, Some(k)) => format!("line {line_no}, key `{k}`: {msg}"),
        (Some(s), None) => format!("line {line_no}, in [{s}]: {msg}"),
        (None, None) => format!("line {line_no}: {msg}"),
    }
}
