//! Labels actually awarded, and how they compare with the labels the score computes.
//!
//! Columns: `siret`, `level` (0–3, or a name: `engagee`, `tres_engagee`, `exemplaire`,
//! accents and case ignored; 0 = `aucun`/`none`), `from` (first day the label is held) and
//! `to` (last day, empty while still held). An establishment holds, on a date, the level of
//! the row whose interval contains it, and no label (level 0) when no row does.
//!
//! Rows are set aside ([`RejectReason`]) for a malformed or unknown SIRET, a malformed level
//! or date, `to` before `from`, a `from` after the extraction date, or an interval that
//! overlaps one already kept for the same SIRET (exact repeats are `duplicate`).
//!
//! [`compare`] sets the awarded level at the end of each scored period against the computed
//! level of every establishment whose score is calculable then: exact agreement, agreement on
//! "labelled or not", Cohen's kappa on both, the confusion table and the two kinds of flip
//! (awarded but not computed, computed but not awarded).

use super::input::{parse_date, parse_siret, InputError, InputFile, Location, Reconciliation};
use super::input::{Reject, RejectReason};
use crate::date::Date;
use crate::score::ScoreOutput;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One kept row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardedLabel {
    pub siret: u64,
    /// 0 none, 1 engagée, 2 très engagée, 3 exemplaire.
    pub level: u8,
    pub from: Date,
    /// Last day held (`None`: still held at the extraction date).
    pub to: Option<Date>,
    pub location: Location,
}

impl AwardedLabel {
    fn holds(&self, d: Date) -> bool {
        self.from <= d && self.to.is_none_or(|t| d <= t)
    }
    fn overlaps(&self, o: &AwardedLabel) -> bool {
        self.from <= o.to.unwrap_or(Date(i32::MAX)) && o.from <= self.to.unwrap_or(Date(i32::MAX))
    }
}

/// The awarded labels as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardedLabels {
    /// Kept rows by SIRET, each list sorted by `from`.
    pub by_siret: BTreeMap<u64, Vec<AwardedLabel>>,
    pub rejects: Vec<Reject>,
    pub reconciliation: Reconciliation,
}

impl AwardedLabels {
    /// The awarded level held on a date (0 when no label is held).
    pub fn level_at(&self, siret: u64, d: Date) -> u8 {
        self.by_siret
            .get(&siret)
            .and_then(|v| v.iter().find(|l| l.holds(d)))
            .map_or(0, |l| l.level)
    }

    /// The earliest `from`.
    pub fn first_from(&self) -> Option<Date> {
        self.by_siret.values().flatten().map(|l| l.from).min()
    }
}

/// The columns of an awarded-labels file.
pub const COLUMNS: [&str; 4] = ["siret", "level", "from", "to"];

/// Parses a level: a digit 0–3 or a label name.
pub fn parse_level(s: &str) -> Option<u8> {
    let folded: String = s
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' => 'e',
            ' ' | '-' => '_',
            c => c,
        })
        .collect();
    match folded.as_str() {
        "0" | "aucun" | "none" | "sans_label" | "no_label" => Some(0),
        "1" | "engagee" => Some(1),
        "2" | "tres_engagee" => Some(2),
        "3" | "exemplaire" => Some(3),
        _ => None,
    }
}

/// Reads and validates an awarded-labels file.
///
/// # Errors
/// Unreadable file, a missing or unknown column, no usable row.
pub fn read(
    path: &Path,
    known: impl Fn(u64) -> bool,
    extraction: Date,
) -> Result<AwardedLabels, InputError> {
    parse(&InputFile::read(path)?, known, extraction)
}

/// [`read`] on a table already in memory.
///
/// # Errors
/// A missing or unknown column, no usable row.
pub fn parse(
    f: &InputFile,
    known: impl Fn(u64) -> bool,
    extraction: Date,
) -> Result<AwardedLabels, InputError> {
    f.only(&COLUMNS)?;
    let cols = [
        f.require("siret")?,
        f.require("level")?,
        f.require("from")?,
        f.column("to").unwrap_or(&[]),
    ];
    let mut by_siret: BTreeMap<u64, Vec<AwardedLabel>> = BTreeMap::new();
    let mut rejects = Vec::new();
    let mut kept = 0;
    for i in 0..f.rows() {
        let l = match row(f, i, &cols, &known, extraction) {
            Ok(l) => l,
            Err(r) => {
                rejects.push(r);
                continue;
            }
        };
        let list = by_siret.entry(l.siret).or_default();
        if let Some(o) = list.iter().find(|o| o.overlaps(&l)) {
            let same = o.from == l.from && o.to == l.to && o.level == l.level;
            rejects.push(f.reject(
                i,
                "from",
                if same {
                    RejectReason::Duplicate
                } else {
                    RejectReason::Overlap
                },
                Some(&l.from.to_string()),
                Some(format!("overlaps the label kept on {}", o.location)),
            ));
            continue;
        }
        list.push(l);
        list.sort_by_key(|x| x.from);
        kept += 1;
    }
    if kept == 0 {
        return Err(f.nothing_kept(&rejects));
    }
    let reconciliation = Reconciliation::of(kept, &rejects);
    Ok(AwardedLabels {
        by_siret,
        rejects,
        reconciliation,
    })
}

fn row(
    f: &InputFile,
    i: usize,
    cols: &[&[Option<String>]; 4],
    known: &impl Fn(u64) -> bool,
    extraction: Date,
) -> Result<AwardedLabel, Reject> {
    let rej = |field: &str, reason, value: Option<&str>| f.reject(i, field, reason, value, None);
    let get = |k: usize, field: &str| {
        cols[k][i]
            .as_deref()
            .ok_or_else(|| rej(field, RejectReason::MissingValue, None))
    };
    let s = get(0, "siret")?;
    let siret =
        parse_siret(s).ok_or_else(|| rej("siret", RejectReason::MalformedSiret, Some(s)))?;
    let lv = get(1, "level")?;
    let level =
        parse_level(lv).ok_or_else(|| rej("level", RejectReason::MalformedLevel, Some(lv)))?;
    let fs = get(2, "from")?;
    let from = parse_date(fs).ok_or_else(|| rej("from", RejectReason::MalformedDate, Some(fs)))?;
    let to = match cols[3].get(i).and_then(|v| v.as_deref()) {
        None => None,
        Some(t) => {
            Some(parse_date(t).ok_or_else(|| rej("to", RejectReason::MalformedDate, Some(t)))?)
        }
    };
    if !known(siret) {
        return Err(rej("siret", RejectReason::UnknownSiret, Some(s)));
    }
    if to.is_some_and(|t| t < from) {
        return Err(rej(
            "to",
            RejectReason::EmptyInterval,
            cols[3][i].as_deref(),
        ));
    }
    if from > extraction {
        return Err(f.reject(
            i,
            "from",
            RejectReason::AfterExtraction,
            Some(fs),
            Some(format!("the DSN ends on {extraction}")),
        ));
    }
    Ok(AwardedLabel {
        siret,
        level,
        from,
        to,
        location: f.location(i),
    })
}

/// Awarded vs computed labels at one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodAgreement {
    /// Period label, e.g. `2025T4`.
    pub period: String,
    /// Establishments with a calculable score in the period.
    pub n: u64,
    /// Same level.
    pub agreement: f64,
    /// Same "labelled or not".
    pub agreement_labelled: f64,
    /// Cohen's kappa on the four levels (`None` when chance agreement is 1).
    pub kappa: Option<f64>,
    /// Cohen's kappa on "labelled or not".
    pub kappa_labelled: Option<f64>,
    /// Labelled by the award.
    pub labelled_awarded: u64,
    /// Labelled by the score.
    pub labelled_computed: u64,
    /// Flip: awarded a label the score does not give.
    pub awarded_not_computed: u64,
    /// Flip: the score gives a label that was not awarded.
    pub computed_not_awarded: u64,
    /// Holding an awarded label while their score is not calculable (not in `n`).
    pub awarded_not_calculable: u64,
    /// Counts by awarded level (rows) and computed level (columns), levels 0–3.
    pub confusion: [[u64; 4]; 4],
}

/// The comparison over the periods the awarded labels cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelComparison {
    /// One row per scored period ending on or after the first award, oldest first.
    pub periods: Vec<PeriodAgreement>,
}

impl LabelComparison {
    /// The latest period compared.
    pub fn reference(&self) -> Option<&PeriodAgreement> {
        self.periods.last()
    }
}

/// Cohen's kappa of a square table: (p_o − p_e) / (1 − p_e).
pub fn cohen_kappa<const K: usize>(t: &[[u64; K]; K]) -> Option<f64> {
    let n: u64 = t.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let po = (0..K).map(|i| t[i][i] as f64).sum::<f64>() / n;
    let pe = (0..K)
        .map(|i| {
            let row: u64 = t[i].iter().sum();
            let col: u64 = t.iter().map(|r| r[i]).sum();
            row as f64 * col as f64
        })
        .sum::<f64>()
        / (n * n);
    (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
}

/// Compares awarded with computed labels at every scored period ending on or after the
/// first award.
pub fn compare(awarded: &AwardedLabels, scores: &ScoreOutput) -> LabelComparison {
    let first = awarded.first_from().unwrap_or(Date(i32::MAX));
    let mut periods = Vec::new();
    for p in scores.periods().iter().filter(|p| p.end >= first) {
        let mut confusion = [[0u64; 4]; 4];
        let mut not_calc = 0;
        for s in scores.scores.iter().filter(|s| s.period == p.index) {
            let a = awarded.level_at(s.siret, p.end);
            match s.label {
                Some(c) => confusion[usize::from(a.min(3))][usize::from(c.min(3))] += 1,
                None if a > 0 => not_calc += 1,
                None => {}
            }
        }
        periods.push(agreement(&p.label, confusion, not_calc));
    }
    LabelComparison { periods }
}

fn agreement(period: &str, confusion: [[u64; 4]; 4], not_calc: u64) -> PeriodAgreement {
    let n: u64 = confusion.iter().flatten().sum();
    let mut binary = [[0u64; 2]; 2];
    for (a, row) in confusion.iter().enumerate() {
        for (c, &k) in row.iter().enumerate() {
            binary[usize::from(a > 0)][usize::from(c > 0)] += k;
        }
    }
    let share = |k: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    PeriodAgreement {
        period: period.to_string(),
        n,
        agreement: share((0..4).map(|i| confusion[i][i]).sum()),
        agreement_labelled: share(binary[0][0] + binary[1][1]),
        kappa: cohen_kappa(&confusion),
        kappa_labelled: cohen_kappa(&binary),
        labelled_awarded: binary[1][0] + binary[1][1],
        labelled_computed: binary[0][1] + binary[1][1],
        awarded_not_computed: binary[1][0],
        computed_not_awarded: binary[0][1],
        awarded_not_calculable: not_calc,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[[&str; 4]]) -> InputFile {
        let col = |k: usize| {
            rows.iter()
                .map(|r| Some(r[k].to_string()).filter(|s| !s.is_empty()))
                .collect()
        };
        InputFile::from_columns(
            Path::new("awarded.csv"),
            COLUMNS
                .iter()
                .enumerate()
                .map(|(k, c)| (c.to_string(), col(k)))
                .collect(),
        )
    }

    #[test]
    fn levels_by_digit_or_name() {
        assert_eq!(parse_level("Très engagée"), Some(2));
        assert_eq!(parse_level("tres-engagee"), Some(2));
        assert_eq!(parse_level("EXEMPLAIRE"), Some(3));
        assert_eq!(parse_level("0"), Some(0));
        assert_eq!(parse_level("4"), None);
        assert_eq!(parse_level("gold"), None);
    }

    #[test]
    fn bad_rows_are_rejected_and_intervals_answer_level_at() {
        let ext = Date::from_ymd(2025, 12, 31).unwrap();
        let f = file(&[
            ["11111111100011", "1", "2024-01-01", "2024-06-30"],
            ["11111111100011", "exemplaire", "2024-07-01", ""],
            ["11111111100011", "2", "2024-06-01", "2024-08-01"], // overlap
            ["11111111100011", "1", "2024-01-01", "2024-06-30"], // duplicate
            ["22222222200022", "5", "2024-01-01", ""],           // level
            ["22222222200022", "1", "2024-01-01", "2023-01-01"], // empty interval
            ["22222222200022", "1", "2026-01-01", ""],           // after extraction
            ["33333333300033", "1", "2024-01-01", ""],           // unknown
            ["22222222200022", "1", "01/13/2024", ""],           // malformed date
        ]);
        let known = |s: u64| s != 33_333_333_300_033;
        let a = parse(&f, known, ext).unwrap();
        assert!(a.reconciliation.balances());
        assert_eq!((a.reconciliation.kept, a.reconciliation.rejected), (2, 7));
        use RejectReason::*;
        let reasons: Vec<_> = a.rejects.iter().map(|r| r.reason).collect();
        assert_eq!(
            reasons,
            vec![
                Overlap,
                Duplicate,
                MalformedLevel,
                EmptyInterval,
                AfterExtraction,
                UnknownSiret,
                MalformedDate
            ]
        );
        let d = |y, m, dd| Date::from_ymd(y, m, dd).unwrap();
        assert_eq!(a.level_at(11_111_111_100_011, d(2023, 12, 31)), 0);
        assert_eq!(a.level_at(11_111_111_100_011, d(2024, 6, 30)), 1);
        assert_eq!(a.level_at(11_111_111_100_011, d(2025, 6, 30)), 3);
        assert_eq!(a.level_at(22_222_222_200_022, d(2025, 6, 30)), 0);
    }

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // Classic example: 50 items, po = 0.7, pe = 0.5 → kappa = 0.4.
        let t = [[20, 5], [10, 15]];
        assert!((cohen_kappa(&t).unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(cohen_kappa(&[[3, 0], [0, 0]]), None);
        assert_eq!(cohen_kappa(&[[0u64; 2]; 2]), None);
        let p = agreement(
            "2025T4",
            [[5, 1, 0, 0], [2, 3, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]],
            1,
        );
        assert_eq!(
            (p.n, p.awarded_not_computed, p.computed_not_awarded),
            (12, 2, 1)
        );
        assert!((p.agreement - 9.0 / 12.0).abs() < 1e-12);
        assert!((p.agreement_labelled - 9.0 / 12.0).abs() < 1e-12);
        assert_eq!(p.labelled_awarded, 6);
    }
}
