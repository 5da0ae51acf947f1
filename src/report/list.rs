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
const MIN_CUT: [usize; 3] = [14, 12, 16];

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
        i18n::size_band(r.size_band, lang).to_string(),
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

/// Renders the list as an aligned text table at most `width` columns wide (`None`: no limit).
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
    let mut body: Vec<[String; 9]> = rows.iter().map(|r| cells(r, lang)).collect();
    let mut w = head.clone().map(|h| h.chars().count());
    for c in &body {
        for (k, v) in c.iter().enumerate() {
            w[k] = w[k].max(v.chars().count());
        }
    }
    if let Some(max) = width {
        // Shrink the cuttable columns (name, commune, strengths), widest first.
        let cuttable = [1usize, 2, 7];
        while w.iter().sum::<usize>() + 2 * (w.len() - 1) > max {
            let Some((i, k)) = cuttable
                .iter()
                .enumerate()
                .filter(|(i, &k)| w[k] > MIN_CUT[*i])
                .max_by_key(|(_, &k)| w[k])
                .map(|(i, &k)| (i, k))
            else {
                break;
            };
            let _ = i;
            w[k] -= 1;
        }
        for c in body.iter_mut() {
            for &k in &cuttable {
                c[k] = cut(&c[k], w[k]);
            }
        }
    }
    let line = |v: &[String]| {
        v.iter()
            .enumerate()
            .map(|(k, s)| format!("{s}{}", " ".repeat(w[k].saturating_sub(s.chars().count()))))
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
