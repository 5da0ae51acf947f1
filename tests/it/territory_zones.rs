//! Employment zones: the shipped ZE2020 zoning is the default, and `territory.zone_file`
//! overrides it in both of its layouts (two columns, or INSEE's composition communale).

use engagement::config::Experiment;
use engagement::reference::Reference;
use engagement::synth;

const BASE: &str = r#"
[experiment]
name = "zones"
seed = 7
[territory]
departements = ["35"]
[generator]
establishments = 300
start_year = 2023
years = 2
burn_in_months = 12
"#;

/// An experiment in a fresh folder holding `zones.csv` with `zone_csv`.
fn experiment_with(zone_csv: Option<&str>, tag: &str) -> Result<Experiment, String> {
    let dir = std::env::temp_dir().join(format!("engagement-zones-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut toml = BASE.to_string();
    if let Some(csv) = zone_csv {
        std::fs::write(dir.join("zones.csv"), csv).unwrap();
        toml = toml.replace("[generator]", "zone_file = \"zones.csv\"\n[generator]");
    }
    let e = Experiment::from_toml(&toml, &dir.join("e.toml"), &Reference::load());
    std::fs::remove_dir_all(&dir).ok();
    e.map_err(|e| e.to_string())
}

#[test]
fn default_zone_is_the_communes_ze2020_zone() {
    let r = Reference::load();
    let e = experiment_with(None, "default").unwrap();
    assert!(e.territory.zones.is_empty());
    let s = synth::generate(&e, &r, false).unwrap();
    for est in &s.dataset.establishments {
        let expected = r.communes[&est.commune].zone.clone().unwrap();
        assert_eq!(est.zone, expected, "{}", est.commune);
    }
    let zones: std::collections::BTreeSet<_> =
        s.dataset.establishments.iter().map(|e| &e.zone).collect();
    // Ille-et-Vilaine spans Rennes, Saint-Malo, Fougères, Vitré, Redon and others.
    assert!(zones.len() >= 5, "{zones:?}");
    assert!(zones.iter().any(|z| z.as_str() == "5315"));
}

#[test]
fn zone_file_overrides_listed_communes_only() {
    let r = Reference::load();
    // Rennes and its neighbour Cesson-Sévigné in a custom zone; the rest keep ZE2020.
    let e = experiment_with(
        Some("commune,zone\n35238,BASSIN-R\n35051,BASSIN-R\n"),
        "two",
    )
    .unwrap();
    assert_eq!(e.territory.zones.len(), 2);
    assert_eq!(e.territory.zone_of(&r, "35238", "35"), "BASSIN-R");
    assert_eq!(e.territory.zone_of(&r, "35288", "35"), "5317"); // Saint-Malo
                                                                // Outside the zonage the département is the zone.
    assert_eq!(e.territory.zone_of(&r, "98801", "988"), "988");
    let s = synth::generate(&e, &r, false).unwrap();
    let mut custom = 0;
    for est in &s.dataset.establishments {
        if ["35238", "35051"].contains(&est.commune.as_str()) {
            assert_eq!(est.zone, "BASSIN-R");
            custom += 1;
        } else {
            assert_eq!(Some(est.zone.as_str()), r.default_zone(&est.commune));
        }
    }
    // Rennes holds a sixth of the département's population: it draws establishments.
    assert!(custom > 10, "{custom}");
}

#[test]
fn zone_file_reads_insee_composition_communale() {
    let r = Reference::load();
    // The sheet Composition_communale saved as CSV, semicolon-separated, with a BOM.
    let csv = "\u{feff}CODGEO;LIBGEO;ZE2020;LIBZE2020;ZE2020_PARTIE_REG;DEP;REG\n\
               35238;Rennes;9999;Test zone;;35;53\n\
               35288;\"Saint-Malo\";8888;Autre;;35;53\n";
    let e = experiment_with(Some(csv), "insee").unwrap();
    assert_eq!(e.territory.zones.len(), 2);
    assert_eq!(e.territory.zone_of(&r, "35238", "35"), "9999");
    assert_eq!(e.territory.zone_of(&r, "35288", "35"), "8888");
    assert_eq!(e.territory.zone_of(&r, "35115", "35"), "5305"); // Fougères: default
}

#[test]
fn bad_zone_file_names_file_line_and_field() {
    let m = experiment_with(Some("commune,zone\n35238,5315\n35288\n"), "bad").unwrap_err();
    assert!(
        m.contains("territory.zone_file") && m.contains("zones.csv:3"),
        "{m}"
    );
    let m = experiment_with(Some("commune,zone\n35238,\n"), "empty").unwrap_err();
    assert!(m.contains("zones.csv:2") && m.contains("empty zone"), "{m}");
    let m = experiment_with(Some("CODGEO,ZE2020\n35238\n"), "insee-bad").unwrap_err();
    assert!(
        m.contains("zones.csv:2") && m.contains("CODGEO or ZE2020"),
        "{m}"
    );
    let m = experiment_with(Some(""), "void").unwrap_err();
    assert!(m.contains("zones.csv:1") && m.contains("header"), "{m}");
}
