//! `engagement list` output: the counsellors' rows as a terminal table, CSV or JSON, in the
//! reader's language (the JSON keeps keys: criteria as in the config, labels, positions).
//!
//! The terminal table fits a given width: long columns (name, sector, strengths) are cut
//! with an ellipsis; `--wide` gives every cell in full. CSV cells that a spreadsheet would
//! read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are
//! prefixed with an apostrophe (OWASP's CSV-injection rule), since names come from DSN files.

use super::i18n::{self, Msg};
use crate::config::Lang;
use crate::score::list::ListRow;

/// Narrowest column widths a cut column keeps.
const MIN_CUT: [usize; 3] = [12, 10, 14];

fn strengths_text(r: &ListRow, lang: Lang) -> String {
    r.strengths
        .iter()
        .map(|s| {
            i18n::kv(
                i18n::criterion_name(s.criterion, lang),
                i18n::position_words(s.criterion, s.position, lang),
                lang,
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn cells(r: &ListRow, lang: Lang) -> [String; 9] {
    [
        r.rank.to_string(),
        r.name.clone(),
        r.commune.clone(),
        r.sector_code.clone(),
        r.size_band.as_str().replace('-', "–"),
        i18n::label_name(r.label, lang).to_string(),
        format!("{} [{}–{}]", r.score, r.lower, r.upper),
        strengths_text(r, lang),
        i18n::trend_words(r.trend, lang).to_string(),
    ]
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}

/// Renders the list as an aligned text table at most `width` columns wide (`None`: no
/// limit). Name, commune and strengths are cut with an ellipsis; on a very narrow terminal
/// the trend and then the commune columns are left out.
pub fn render_table(rows: &[ListRow], lang: Lang, width: Option<usize>) -> String {
    let head = [
        Msg::ColRank,
        Msg::ColEstablishment,
        Msg::Commune,
        Msg::Sector,
        Msg::SizeBand,
        Msg::ColLevel,
        Msg::Score,
        Msg::ColStrengths,
        Msg::Trend,
    ]
    .map(|m| m.text(lang).to_string());
    let body: Vec<[String; 9]> = rows.iter().map(|r| cells(r, lang)).collect();
    let mut w = head.clone().map(|h| h.chars().count());
    for c in &body {
        for (k, v) in c.iter().enumerate() {
            w[k] = w[k].max(v.chars().count());
        }
    }
    let mut keep: Vec<usize> = (0..9).collect();
    if let Some(max) = width {
        fit(&mut w, &mut keep, max);
    }
    let line = |v: &[String]| {
        keep.iter()
            .map(|&k| {
                let s = cut(&v[k], w[k]);
                let pad = w[k].saturating_sub(s.chars().count());
                format!("{s}{}", " ".repeat(pad))
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut s = line(&head);
    s.push('\n');
    for c in &body {
        s.push_str(&line(c));
        s.push('\n');
    }
    s
}

/// Shrinks the cuttable columns (name, commune, strengths), widest first, then leaves out
/// trend and commune, until the table fits `max` columns.
fn fit(w: &mut [usize; 9], keep: &mut Vec<usize>, max: usize) {
    let total = |w: &[usize; 9], keep: &[usize]| {
        keep.iter().map(|&k| w[k]).sum::<usize>() + 2 * keep.len().saturating_sub(1)
    };
    let cuttable = [(1usize, MIN_CUT[0]), (2, MIN_CUT[1]), (7, MIN_CUT[2])];
    loop {
        if total(w, keep) <= max {
            return;
        }
        let widest = cuttable
            .iter()
            .filter(|(k, min)| keep.contains(k) && w[*k] > *min)
            .max_by_key(|(k, _)| w[*k]);
        match widest {
            Some(&(k, _)) => w[k] -= 1,
            None => match [8usize, 2].into_iter().find(|k| keep.contains(k)) {
                Some(k) => keep.retain(|&x| x != k),
                None => return,
            },
        }
    }
}

/// One CSV field: RFC 4180 quoting, and a leading apostrophe on anything a spreadsheet
/// would evaluate as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Renders the list as CSV: keys for labels and criteria, words for positions and trends.
pub fn render_csv(rows: &[ListRow], lang: Lang) -> String {
    let mut s = String::from(
        "rank,siret,name,commune,zone,naf,sector,size_band,label,label_name,score,lower,upper,strengths,trend\n",
    );
    for r in rows {
        let strengths = r
            .strengths
            .iter()
            .map(|x| format!("{}={}", x.criterion.name(), x.position.key()))
            .collect::<Vec<_>>()
            .join("; ");
        let fields = [
            r.rank.to_string(),
            r.siret.clone(),
            r.name.clone(),
            r.commune.clone(),
            r.zone.clone(),
            r.naf.clone(),
            r.sector_code.clone(),
            r.size_band.as_str().to_string(),
            r.label.key().to_string(),
            i18n::label_name(r.label, lang).to_string(),
            r.score.to_string(),
            r.lower.to_string(),
            r.upper.to_string(),
            strengths,
            i18n::trend_words(r.trend, lang).to_string(),
        ];
        s.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        s.push('\n');
    }
    s
}

/// Renders the list as JSON (keys, not words: the same in every language).
pub fn render_json(rows: &[ListRow]) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(rows)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+33"), "'+33");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("Crêperie, Rennes"), "\"Crêperie, Rennes\"");
        assert_eq!(csv_field("Boulangerie"), "Boulangerie");
    }
}
