//! `engagement export`: the feed in JSON Lines, CSV and Parquet carries the API's records,
//! and validates against the shipped JSON Schemas.

use crate::common::{bin, root, scored_fixture};
use engagement::feed::{self, Cell, EmployerRecord};
use serde_json::Value;
use std::path::Path;

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs").join(file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, x: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(x)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn export(format: &str, out: &Path) {
    let (dir, _) = scored_fixture();
    let o = bin()
        .args(["-q", "export", "--format", format, "--scores"])
        .arg(dir)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_shipped_flat_schema_is_current() {
    let path = root().join("docs/feed.flat.schema.json");
    if std::env::var_os("ENGAGEMENT_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&feed::flat_json_schema()).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let shipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        shipped,
        feed::flat_json_schema(),
        "regenerate docs/feed.flat.schema.json from feed::flat_json_schema()"
    );
}

#[test]
fn jsonl_csv_and_parquet_carry_the_same_records_and_validate() {
    let (_, out) = scored_fixture();
    let expected = feed::record::records(out, None).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (jl, csv, pq) = (
        tmp.path().join("feed.jsonl"),
        tmp.path().join("feed.csv"),
        tmp.path().join("feed.parquet"),
    );
    export("jsonl", &jl);
    export("csv", &csv);
    export("parquet", &pq);
    // JSON Lines: one record per line, each valid against docs/feed.schema.json.
    let v = validator("feed.schema.json");
    let text = std::fs::read_to_string(&jl).unwrap();
    let mut from_jsonl: Vec<EmployerRecord> = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let x: Value = serde_json::from_str(line).unwrap();
        assert_valid(&v, &x, &format!("feed.jsonl line {}", k + 1));
        from_jsonl.push(serde_json::from_value(x).unwrap());
    }
    assert_eq!(from_jsonl, expected);
    // CSV: every row, as column → value (empty = null), valid against the flat schema,
    // and read back into the same records.
    let flat = validator("feed.flat.schema.json");
    let cols = feed::columns();
    let mut rdr = csv_rows(&std::fs::read_to_string(&csv).unwrap());
    let head = rdr.remove(0);
    assert_eq!(
        head,
        cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    );
    for (k, row) in rdr.iter().enumerate() {
        let obj = flat_object(&cols, row);
        assert_valid(&flat, &obj, &format!("feed.csv row {}", k + 2));
        let rec = feed::unflatten(&|n| {
            let i = cols.iter().position(|c| c.name == n).unwrap();
            Cell::Text(Some(row[i].clone()).filter(|s| !s.is_empty()))
        })
        .unwrap();
        assert_eq!(rec, expected[k]);
    }
    // Parquet: the same rows again.
    let df = feed::read_flat_parquet(&pq).unwrap();
    assert_eq!(feed::records_of_df(&df, &pq).unwrap(), expected);
}

fn flat_object(cols: &[feed::Column], row: &[String]) -> Value {
    let mut m = serde_json::Map::new();
    for (c, v) in cols.iter().zip(row) {
        let x = if v.is_empty() && c.nullable {
            Value::Null
        } else if v.is_empty() {
            Value::String(String::new())
        } else {
            match c.kind {
                feed::ColumnKind::Text => Value::String(v.clone()),
                _ => serde_json::from_str(v).unwrap_or(Value::String(v.clone())),
            }
        };
        m.insert(c.name.clone(), x);
    }
    Value::Object(m)
}

/// RFC 4180 rows (quoted fields with doubled quotes and embedded commas or newlines).
pub(crate) fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_neutralises_spreadsheet_formulas() {
    let (_, out) = scored_fixture();
    let mut r = feed::record::records(out, None).unwrap().remove(0);
    r.name = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("f.csv");
    feed::write_feed(&[r.clone()], feed::FeedFormat::Csv, &p).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{text}"
    );
    for (s, want) in [
        ("+33", "'+33"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Crêperie", "Crêperie"),
    ] {
        assert_eq!(feed::csv_field(s), want);
    }
}

#[test]
fn export_refuses_to_write_into_the_scores_folder() {
    let (dir, _) = scored_fixture();
    let before = engagement::provenance::fingerprint_dir(dir).unwrap();
    let o = bin()
        .args(["-q", "export", "--format", "csv", "--scores"])
        .arg(dir)
        .arg("--out")
        .arg(dir.join("feed.csv"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(
        before,
        engagement::provenance::fingerprint_dir(dir).unwrap()
    );
}
