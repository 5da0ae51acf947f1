//! The bad-input corpus (tests/fixtures/dsn/bad/, table in its README.md): each file yields
//! its documented error with file, line, rubric and reason; lenient mode rejects only the
//! offending declaration and the counts reconcile; strict mode stops with the same error.
//! Random byte mutations of a DSN file never panic.

use engagement::dsn::{self, PseudoKey, ReadOptions, Reason};
use proptest::prelude::*;
use std::path::PathBuf;

fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dsn/bad")
        .join(name)
}

fn opts(strict: bool) -> ReadOptions {
    let mut o = ReadOptions::new(PseudoKey::demo());
    o.strict = strict;
    o
}

/// (file, reason, line, rubric, declarations rejected, declarations ingested)
type Case = (&'static str, Reason, u64, Option<&'static str>, u64, u64);
const EXPECTED: &[Case] = &[
    (
        "no_comma.dsn",
        Reason::MalformedLine,
        49,
        Some("S21.G00.40.007"),
        1,
        1,
    ),
    (
        "missing_quotes.dsn",
        Reason::MalformedLine,
        49,
        Some("S21.G00.40.007"),
        1,
        1,
    ),
    (
        "impossible_date.dsn",
        Reason::InvalidDate,
        54,
        Some("S21.G00.62.001"),
        1,
        1,
    ),
    (
        "wrong_length.dsn",
        Reason::InvalidLength,
        28,
        Some("S21.G00.06.001"),
        1,
        1,
    ),
    (
        "not_in_enumeration.dsn",
        Reason::NotInEnumeration,
        55,
        Some("S21.G00.62.002"),
        1,
        1,
    ),
    (
        "orphan_block.dsn",
        Reason::OrphanBlock,
        40,
        Some("S21.G00.40.001"),
        1,
        1,
    ),
    (
        "cardinality.dsn",
        Reason::Cardinality,
        57,
        Some("S21.G00.62.001"),
        1,
        1,
    ),
    (
        "duplicate_nir.dsn",
        Reason::DuplicatePerson,
        57,
        Some("S21.G00.30.001"),
        1,
        1,
    ),
    (
        "invalid_encoding.dsn",
        Reason::InvalidEncoding,
        48,
        Some("S21.G00.40.006"),
        1,
        1,
    ),
    ("truncated.dsn", Reason::Truncated, 104, None, 1, 1),
];

#[test]
fn each_bad_file_gives_its_error() {
    for &(name, reason, line, rubric, rejected, ingested) in EXPECTED {
        let ing = dsn::read(&[bad(name)], &opts(false)).unwrap();
        let r = &ing.report;
        assert!(r.reconciles(), "{name}");
        assert_eq!(
            (r.declarations_rejected, r.declarations_ingested),
            (rejected, ingested),
            "{name}"
        );
        let p = &ing.rejects[0].problem;
        println!("{name}: {p}");
        assert_eq!(p.reason, reason, "{name}: {p}");
        assert_eq!(p.rubric.as_deref(), rubric, "{name}: {p}");
        if line > 0 {
            assert_eq!(p.line, line, "{name}: {p}");
        }
        assert!(p.file.ends_with(name));
        assert_eq!(r.rejects_by_reason.get(reason.as_str()), Some(&1));
        let text = String::from_utf8_lossy(&ing.rejects[0].text);
        assert!(!text.contains("1850175123456"), "{name}: NIR not redacted");
        assert!(!p.detail.contains("1850175123456"));
        // Strict mode stops on the same problem.
        match dsn::read(&[bad(name)], &opts(true)) {
            Err(dsn::DsnError::Invalid(q)) => assert_eq!(q.reason, reason, "{name}"),
            other => panic!("{name}: strict mode gave {other:?}"),
        }
    }
}

#[test]
fn empty_file_is_a_file_problem() {
    let ing = dsn::read(&[bad("empty.dsn")], &opts(false)).unwrap();
    assert_eq!(ing.report.declarations_read, 0);
    assert_eq!(ing.report.file_problems.len(), 1);
    assert_eq!(ing.report.file_problems[0].reason, Reason::EmptyFile);
    assert!(dsn::read(&[bad("empty.dsn")], &opts(true)).is_err());
}

#[test]
fn whole_corpus_reconciles() {
    let ing = dsn::read(&[bad("")], &opts(false)).unwrap();
    let r = &ing.report;
    assert!(r.reconciles());
    assert_eq!(r.files, 11);
    assert_eq!(r.declarations_rejected, 10);
    assert_eq!(r.declarations_read, 20);
    assert_eq!(r.rejects_by_reason.values().sum::<u64>(), 10);
}

#[test]
fn later_norm_unknown_codes_are_warnings() {
    let raw = std::fs::read(bad("not_in_enumeration.dsn")).unwrap();
    let text = String::from_utf8(
        raw.iter()
            .map(|&b| b as char)
            .collect::<String>()
            .into_bytes(),
    )
    .unwrap()
    .replace("'P24V01'", "'P26V01'");
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let ing = dsn::read_bytes("p26.dsn", &bytes, &opts(true)).unwrap();
    assert_eq!(ing.report.declarations_rejected, 0);
    assert_eq!(ing.report.unknown_codes.get("S21.G00.62.002"), Some(&1));
    assert_eq!(ing.report.norm_versions.get("P26V01"), Some(&2));
}

/// Two envois: one declaration with a duplicate NIR, one valid.
fn base_file() -> Vec<u8> {
    std::fs::read(bad("duplicate_nir.dsn")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn mutations_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = base_file();
        for (at, byte, op) in edits {
            let n = data.len();
            let i = at.index(n.max(1));
            match op {
                0 if n > 0 => data[i.min(n - 1)] = byte,
                1 => data.insert(i.min(n), byte),
                _ if n > 0 => {
                    data.remove(i.min(n - 1));
                }
                _ => {}
            }
        }
        if cut.index(4) == 0 {
            let n = cut.index(data.len().max(1));
            data.truncate(n);
        }
        for strict in [false, true] {
            if let Ok(ing) = dsn::read_bytes("mutated.dsn", &data, &opts(strict)) {
                prop_assert!(ing.report.reconciles());
            }
        }
    }
}

#[test]
fn huge_numbers_in_a_header_do_not_overflow() {
    let text: String = base_file().iter().map(|&b| b as char).collect();
    let text = text.replacen(
        "S10.G00.01.001,'111222333'",
        "S10.G00.01.001,'18446744073709551615'",
        1,
    );
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let ing = dsn::read_bytes("huge.dsn", &bytes, &opts(false)).unwrap();
    assert!(ing.report.reconciles());
    assert_eq!(ing.report.declarations_rejected, 1);
}
