//! `engagement list --format html`: the counsellors' page from score outputs, end to end.

use engagement::config::Experiment;
use engagement::reference::Reference;
use std::path::Path;
use std::process::Command;

#[test]
fn counsellor_page_from_the_cli_is_self_contained() {
    let r = Reference::load();
    let text = "[experiment]\nname = \"t\"\nseed = 3\n[territory]\ndepartements = [\"35\"]\n\
                [generator]\nestablishments = 600\nyears = 2\n";
    let exp = Experiment::from_toml(text, Path::new("t.toml"), &r).unwrap();
    let s = engagement::synth::generate(&exp, &r, false).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    engagement::tables::write_dataset(&s.dataset, &data, engagement::tables::Format::Parquet)
        .unwrap();
    let exe = env!("CARGO_BIN_EXE_engagement");
    let scores = tmp.path().join("scores");
    let o = Command::new(exe)
        .args(["-q", "score", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&scores)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = tmp.path().join("list.html");
    let o = Command::new(exe)
        .args(["list", "--format", "html", "--scores"])
        .arg(&scores)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    engagement::report::check::well_formed(&html).unwrap();
    assert!(engagement::report::check::external_references(&html).is_empty());
    assert!(html.contains("lang=\"fr\""), "French by default");
    // A bad zone is a clear error, not an empty page.
    let o = Command::new(exe)
        .args([
            "list",
            "--format",
            "html",
            "--zone",
            "Atlantide",
            "--scores",
        ])
        .arg(&scores)
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && msg.contains("unknown zone"), "{msg}");
}
