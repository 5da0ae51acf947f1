//! `engagement pseudonymise`: a cohort file keyed by NIR gets the pseudonyms `ingest` gives
//! the same persons, rows that cannot be used are set aside with a reason, counts
//! reconcile, and no NIR is printed or written.

use engagement::dsn::PseudoKey;
use polars::prelude::*;
use std::path::Path;

fn bin() -> std::process::Command {
    let mut c = crate::common::bin();
    c.env_remove("ENGAGEMENT_KEY");
    c
}

const KEY: &str = "cohort-and-dsn-share-this-key-42";

/// NIRs of `sample_hand.dsn`, and the key of one of them (15-character form).
fn cohort_csv() -> String {
    let key = 97 - 1_850_175_123_456u64 % 97;
    format!(
        "nir,oriented_on,agency\n\
         1850175123456{key:02},2024-01-03,35001\n\
         2900269123789,2024-01-10,35002\n\
         1 75 03 13 456 001,2024-02-01,35001\n\
         1850175123456{wrong:02},2024-02-03,35001\n\
         ,2024-02-04,35003\n\
         12345,2024-02-05,35003\n",
        wrong = (key + 1) % 100
    )
}

fn persons_of_ingest(dir: &Path) -> Vec<u64> {
    let (df, _) = engagement::tables::read_table(dir, "persons").unwrap();
    let c = df.column("person_id").unwrap();
    let c = c.cast(&DataType::UInt64).unwrap();
    c.u64().unwrap().into_no_null_iter().collect()
}

#[test]
fn same_person_same_pseudonym_as_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let key_file = tmp.path().join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let ingested = tmp.path().join("ingested");
    let o = bin()
        .args(["ingest", "-q", "--key-file"])
        .arg(&key_file)
        .arg("--out")
        .arg(&ingested)
        .arg(crate::common::fixture("dsn/sample_hand.dsn"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dsn_ids = persons_of_ingest(&ingested);

    let input = tmp.path().join("cohort.csv");
    std::fs::write(&input, cohort_csv()).unwrap();
    let out = tmp.path().join("cohort.parquet");
    let o = bin()
        .args(["pseudonymise", "--key-file"])
        .arg(&key_file)
        .arg("--in")
        .arg(&input)
        .args(["--id", "nir", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    assert!(err.contains("rows: 6 read = 3 kept + 3 rejected"), "{err}");
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["person_id", "oriented_on", "agency"]);
    let ids: Vec<u64> = df
        .column("person_id")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let key = PseudoKey::new(KEY.as_bytes()).unwrap();
    let want: Vec<u64> = ["1850175123456", "2900269123789", "1750313456001"]
        .iter()
        .map(|n| key.person_id(n.as_bytes()))
        .collect();
    assert_eq!(ids, want);
    for id in &ids {
        assert!(
            dsn_ids.contains(id),
            "pseudonym {id} not in the ingested persons"
        );
    }
    // Other columns kept as read (text, leading zeros and all).
    let agency = df.column("agency").unwrap();
    assert_eq!(agency.str().unwrap().get(0), Some("35001"));

    let rejects = std::fs::read_to_string(tmp.path().join("cohort.parquet.rejects.csv")).unwrap();
    assert_eq!(
        rejects,
        "row,reason\n4,invalid_key\n5,missing\n6,invalid_shape\n"
    );
    let everything = [
        err.as_bytes(),
        rejects.as_bytes(),
        &std::fs::read(&out).unwrap(),
    ]
    .concat();
    for nir in [
        "1850175123456",
        "2900269123789",
        "1750313456001",
        "75 03 13",
    ] {
        assert!(
            !everything.windows(nir.len()).any(|w| w == nir.as_bytes()),
            "{nir} leaked"
        );
    }
}

#[test]
fn refuses_without_key_and_guards_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("cohort.csv");
    std::fs::write(&input, cohort_csv()).unwrap();
    let out = tmp.path().join("out.csv");
    let o = bin()
        .args(["pseudonymise", "--in"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("ENGAGEMENT_KEY"));
    assert!(!out.exists());
    // Writing over the input is refused, even with --force.
    let o = bin()
        .args(["pseudonymise", "--demo-key", "--force", "--in"])
        .arg(&input)
        .arg("--out")
        .arg(&input)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(std::fs::read_to_string(&input).unwrap(), cohort_csv());
    // A second column of NIRs would leak: refused, naming the column, not the values.
    let leaky = tmp.path().join("leaky.csv");
    std::fs::write(&leaky, "nir,spouse\n1850175123456,2900269123789\n").unwrap();
    let o = bin()
        .args(["pseudonymise", "--demo-key", "--in"])
        .arg(&leaky)
        .arg("--out")
        .arg(tmp.path().join("leaky.parquet"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("spouse") && !err.contains("2900269123789"),
        "{err}"
    );
    // CSV output with the demo key.
    let o = bin()
        .args(["pseudonymise", "--demo-key", "--in"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("person_id,oriented_on,agency\n"), "{text}");
    assert_eq!(text.lines().count(), 4);
}
