//! Sample files ingested exactly as expected: the public P25V01 sample (three FCTU
//! signalements with transport wrappers and non-norm rubrics) and the hand-written
//! `sample_hand.dsn` (see tests/fixtures/dsn/README.md for its content).

use engagement::date::Date;
use engagement::dsn::{self, PseudoKey, ReadOptions};
use engagement::model::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dsn")
        .join(name)
}

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd(y, m, dd).unwrap()
}

fn strict(key: PseudoKey) -> ReadOptions {
    let mut o = ReadOptions::new(key);
    o.strict = true;
    o
}

#[test]
fn public_p25_sample() {
    let ing = dsn::read(
        &[fixture("sample_dsn_P25V01.dsn")],
        &strict(PseudoKey::demo()),
    )
    .unwrap();
    let r = &ing.report;
    assert!(r.reconciles() && r.demo_key);
    assert_eq!((r.declarations_read, r.declarations_rejected), (3, 0));
    assert_eq!(r.declarations_by_nature.get("07"), Some(&3));
    assert_eq!(r.norm_versions.get("P25V01"), Some(&3));
    assert_eq!(r.rubrics_read, 443);
    assert_eq!(r.wrapper_rubrics, 20);
    assert_eq!(r.unknown_rubrics.get("S10.G00.95.900"), Some(&3));
    assert_eq!(r.unknown_rubrics.get("S20.G00.96.902"), Some(&3));
    assert_eq!(
        r.warnings.get("nir_layout"),
        Some(&3),
        "test NIR 1234567890123"
    );
    let ds = &ing.dataset;
    assert_eq!(ds.establishments.len(), 3);
    assert_eq!(ds.persons.len(), 1, "one NIR in all three signalements");
    let ends: Vec<(u64, Option<u16>, Option<Date>, u8)> = ds
        .contracts
        .iter()
        .map(|c| (c.siret % 100_000, c.end_reason, c.actual_end, c.nature))
        .collect();
    assert_eq!(
        ends,
        vec![
            (13, Some(43), Some(d(2025, 12, 18)), nature::CDI),
            (22, Some(91), Some(d(2025, 12, 18)), nature::CDI),
            (33, Some(31), Some(d(2025, 12, 23)), nature::CDD),
        ]
    );
    let cdd = &ds.contracts[2];
    assert_eq!(cdd.planned_end, Some(d(2025, 12, 23)));
    assert_eq!(cdd.cdd_reason, Some(2));
    // Stoppages: two sick leaves and one paternity leave, keyed by the day after 60.002.
    let st: Vec<(Date, Option<Date>, u8)> = ds
        .stoppages
        .iter()
        .map(|s| (s.start, s.end, s.reason))
        .collect();
    assert_eq!(
        st,
        vec![
            (
                d(2025, 10, 10),
                Some(d(2025, 11, 3)),
                stoppage_reason::PATERNITE
            ),
            (
                d(2025, 9, 9),
                Some(d(2025, 11, 27)),
                stoppage_reason::MALADIE
            ),
            (
                d(2025, 11, 28),
                Some(d(2025, 12, 18)),
                stoppage_reason::MALADIE
            ),
        ]
    );
}

#[test]
fn hand_written_sample() {
    let key = PseudoKey::new(b"hand-sample-key-0123456789").unwrap();
    let ing = dsn::read(&[fixture("sample_hand.dsn")], &strict(key.clone())).unwrap();
    let r = &ing.report;
    assert!(r.reconciles());
    assert_eq!(r.declarations_read, 5);
    assert_eq!(
        r.declarations_applied, 4,
        "the type 03 replaces the first monthly DSN"
    );
    assert_eq!(r.declarations_superseded, 1);
    assert_eq!(r.wrapper_rubrics, 7);
    assert_eq!(r.unknown_rubrics.get("S10.G00.95.900"), Some(&5));
    assert_eq!(r.unknown_rubrics.get("S21.G00.30.901"), Some(&2));
    assert_eq!(r.unknown_rubrics.get("S20.G00.96.902"), Some(&3));
    let ds = &ing.dataset;
    assert_eq!(ds.coverage.start, d(2024, 1, 1));
    assert_eq!(ds.coverage.end, d(2024, 1, 31));
    assert_eq!(ds.establishments.len(), 1);
    let e = &ds.establishments[0];
    assert_eq!(e.siret, 111_222_333 * 100_000 + 15);
    assert_eq!(
        e.name, "Boulangerie Élan",
        "émetteur = establishment, Latin-1 decoded"
    );
    assert_eq!((e.naf.as_str(), e.departement.as_str()), ("1071C", "69"));
    // The person only in the replaced declaration is gone; no double counting.
    assert_eq!(ds.persons.len(), 3);
    let pid = |nir: &str| key.person_id(nir.as_bytes());
    assert!(ds
        .persons
        .iter()
        .all(|p| p.person_id != pid("2801075111222")));
    let p2 = ds
        .persons
        .iter()
        .find(|p| p.person_id == pid("2900269123789"))
        .unwrap();
    assert_eq!(
        (p2.sex, p2.birth_date),
        (2, d(1990, 2, 1)),
        "unknown day 99"
    );
    let p3 = ds
        .persons
        .iter()
        .find(|p| p.person_id == pid("1750313456001"))
        .unwrap();
    assert!(p3.boeth, "BOETH declared in the replacing declaration");

    assert_eq!(ds.contracts.len(), 3);
    let by = |nir: &str| {
        ds.contracts
            .iter()
            .find(|c| c.person_id == pid(nir))
            .unwrap()
    };
    let c1 = by("1850175123456");
    assert_eq!(c1.nature, nature::CDD);
    assert_eq!(
        (c1.actual_end, c1.end_reason),
        (Some(d(2024, 3, 31)), Some(31))
    );
    assert_eq!(c1.planned_end, Some(d(2024, 3, 31)));
    assert_eq!(c1.pcs.as_str(), "684a");
    assert_eq!(c1.cdd_reason, Some(2));
    let c2 = by("2900269123789");
    assert_eq!(
        (c2.actual_end, c2.end_reason),
        (Some(d(2024, 2, 29)), Some(91))
    );
    // Part time in January, full time in the later FCTU: the latest declaration wins.
    assert_eq!(c2.working_time, working_time::FULL_TIME);
    let c3 = by("1750313456001");
    assert_eq!(
        (c3.actual_end, c3.end_reason),
        (Some(d(2024, 2, 15)), Some(43))
    );
    assert_eq!(c3.boeth, Some(1));
    assert_eq!(
        c3.contract_id,
        dsn::contract_id(e.siret, pid("1750313456001"), "CDI0003", d(2019, 9, 1))
    );
    // The accident du travail, declared in both the original and the replacement: once.
    assert_eq!(ds.stoppages.len(), 1);
    let s = ds.stoppages[0];
    assert_eq!(s.reason, stoppage_reason::ACCIDENT_TRAVAIL);
    assert_eq!((s.start, s.end), (d(2024, 1, 15), Some(d(2024, 1, 31))));
    assert_eq!(s.contract_id, c2.contract_id);
    // History: c1 starts in 2024 with nothing earlier in the corpus for that person.
    assert!(c1.no_prior_employment);
}

#[test]
fn gzip_input_reads_the_same() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(fixture("sample_hand.dsn")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/hand.dsn.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("README.md"), "not a DSN file").unwrap();
    let key = PseudoKey::new(b"hand-sample-key-0123456789").unwrap();
    let a = dsn::read(&[dir.path().to_path_buf()], &strict(key.clone())).unwrap();
    let b = dsn::read(&[fixture("sample_hand.dsn")], &strict(key)).unwrap();
    assert_eq!(a.dataset, b.dataset);
    assert_eq!(a.report.files, 1, "README.md is not picked up");
}

#[test]
fn nir_never_in_outputs() {
    let key = PseudoKey::new(b"hand-sample-key-0123456789").unwrap();
    let ing = dsn::read(&[fixture("sample_hand.dsn")], &ReadOptions::new(key)).unwrap();
    let text = format!(
        "{}{:?}",
        serde_json::to_string(&ing.report).unwrap(),
        ing.dataset
    );
    for nir in ["1850175123456", "2900269123789", "1750313456001"] {
        assert!(!text.contains(nir));
    }
}

/// Builds an envoi from `sample_hand.dsn`'s first FCTU (Paul Martin's CDD) with another
/// nature, type and final blocks, and its S90 total recomputed.
fn variant(nature: &str, dtype: &str, constitution: &str, tail: &[&str]) -> String {
    let raw: String = std::fs::read(fixture("sample_hand.dsn"))
        .unwrap()
        .iter()
        .map(|&b| b as char)
        .collect();
    let lines: Vec<&str> = raw.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("S10.G00.00.001"))
        .collect();
    let envoi = &lines[starts[2]..starts[3]];
    let mut out: Vec<String> = Vec::new();
    for l in envoi {
        if l.starts_with("S21.G00.62") || l.starts_with("S21.G00.63") || l.starts_with("S90") {
            continue;
        }
        let l = match &l[..14] {
            "S20.G00.05.001" => format!("S20.G00.05.001,'{nature}'"),
            "S20.G00.05.002" => format!("S20.G00.05.002,'{dtype}'"),
            "S20.G00.05.007" => format!("S20.G00.05.007,'{constitution}'"),
            _ => l.to_string(),
        };
        out.push(l);
    }
    out.extend(tail.iter().map(|s| s.to_string()));
    let n = out.len() + 2;
    out.push(format!("S90.G00.90.001,'{n}'"));
    out.push("S90.G00.90.002,'1'".into());
    out.join("\n") + "\n"
}

#[test]
fn signalements_arret_reprise_and_cancellation() {
    let arret = variant(
        "04",
        "01",
        "20012024",
        &[
            "S21.G00.60.001,'06'",
            "S21.G00.60.002,'18012024'",
            "S21.G00.60.003,'28022024'",
            "S21.G00.60.012,'18012024'",
        ],
    );
    let reprise = variant(
        "05",
        "01",
        "13022024",
        &[
            "S21.G00.60.001,'06'",
            "S21.G00.60.002,'18012024'",
            "S21.G00.60.010,'12022024'",
            "S21.G00.60.011,'01'",
        ],
    );
    // An FCTU, then its cancellation (type 04, same establishment, month and person).
    let fctu = variant(
        "07",
        "01",
        "02042024",
        &["S21.G00.62.001,'31032024'", "S21.G00.62.002,'059'"],
    );
    let cancel = variant("07", "04", "03042024", &[]);
    let text = arret + &reprise + &fctu + &cancel;
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let mut o = ReadOptions::new(PseudoKey::demo());
    o.strict = true;
    let ing = dsn::read_bytes("signalements.dsn", &bytes, &o).unwrap();
    let r = &ing.report;
    assert_eq!((r.declarations_read, r.declarations_applied), (4, 2));
    assert_eq!(
        r.declarations_superseded, 2,
        "the FCTU and the cancelling declaration"
    );
    let ds = &ing.dataset;
    assert_eq!(ds.contracts.len(), 1);
    assert_eq!(
        ds.contracts[0].actual_end, None,
        "the cancelled FCTU ends nothing"
    );
    assert_eq!(ds.stoppages.len(), 1);
    let s = ds.stoppages[0];
    assert_eq!(s.reason, stoppage_reason::ACCIDENT_TRAVAIL);
    assert_eq!((s.start, s.end), (d(2024, 1, 19), Some(d(2024, 2, 12))));
}
