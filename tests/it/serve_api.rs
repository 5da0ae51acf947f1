//! `engagement serve` over HTTP: every endpoint on a free port, responses validated against
//! the OpenAPI document, bad parameters, paging, concurrency, secrecy and read-only use.

use crate::common::{http_get, scored_fixture, HttpResponse};
use engagement::feed::{self, index::Index, load, Citation, EmployerRecord};
use engagement::indicators::CRITERIA;
use engagement::reference::Reference;
use engagement::serve::{self, AppState, Running};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

fn server() -> &'static Running {
    static S: OnceLock<Running> = OnceLock::new();
    S.get_or_init(|| {
        let (dir, _) = scored_fixture();
        let r = Reference::load();
        let index = load::load(dir, &r).unwrap();
        let state = Arc::new(AppState::new(index, r, Some(20261128)));
        serve::spawn(state, "127.0.0.1:0".parse().unwrap(), 2).unwrap()
    })
}

fn get(path: &str) -> HttpResponse {
    http_get(server().addr, path)
}

fn openapi() -> &'static Value {
    static D: OnceLock<Value> = OnceLock::new();
    D.get_or_init(|| {
        let r = get("/api/v1/openapi.json");
        assert_eq!(r.status, 200);
        r.json()
    })
}

/// Validates `body` against the schema the OpenAPI document gives for `path` and `status`.
fn check_against_doc(template: &str, status: u16, body: &Value) {
    let doc = openapi();
    let op = &doc["paths"][template]["get"];
    assert!(op.is_object(), "{template} is not in the OpenAPI document");
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{template}: no JSON schema for status {status}"
    );
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let v = jsonschema::validator_for(&root).expect("the document's schemas compile");
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{template} {status}: {errors:#?}");
}

fn ok_json(path: &str, template: &str) -> Value {
    let r = get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    assert!(r.content_type.starts_with("application/json"), "{path}");
    let v = r.json();
    check_against_doc(template, 200, &v);
    v
}

fn bad(path: &str, template: &str, parameter: &str) {
    let r = get(path);
    assert_eq!(r.status, 400, "{path}: {}", r.body);
    let v = r.json();
    check_against_doc(template, 400, &v);
    assert_eq!(v["parameter"], parameter, "{path}: {v}");
    assert_eq!(v["error"], "bad_parameter");
}

fn items(v: &Value) -> Vec<EmployerRecord> {
    serde_json::from_value(v["items"].clone()).unwrap()
}

#[test]
fn every_endpoint_answers_and_matches_the_openapi_document() {
    let doc = openapi();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let served: BTreeSet<&str> = [
        "/api/v1/employers",
        "/api/v1/employers/{siret}",
        "/api/v1/zones",
        "/api/v1/sectors",
        "/api/v1/meta",
        "/api/v1/openapi.json",
    ]
    .into();
    let documented: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(served, documented);
    let meta = ok_json("/api/v1/meta", "/api/v1/meta");
    let (_, out) = scored_fixture();
    let p = out.period_index(None).unwrap() as usize;
    assert_eq!(meta["period"], out.periods()[p].label);
    assert_eq!(meta["data_fingerprint"], "fixture");
    assert_eq!(meta["experiment_hash"].as_str().unwrap().len(), 64);
    let zones = ok_json("/api/v1/zones", "/api/v1/zones");
    let zones = zones["zones"].as_array().unwrap();
    assert!(
        zones.len() >= 5,
        "Ille-et-Vilaine and Morbihan span several ZE2020"
    );
    assert!(zones
        .iter()
        .any(|z| z["name"] == "Rennes" && z["code"] == "5315"));
    let sectors = ok_json("/api/v1/sectors", "/api/v1/sectors");
    assert!(!sectors["sectors"].as_array().unwrap().is_empty());
    let list = ok_json("/api/v1/employers", "/api/v1/employers");
    let first = &items(&list)[0];
    let one = ok_json(
        &format!("/api/v1/employers/{}", first.siret),
        "/api/v1/employers/{siret}",
    );
    let one: EmployerRecord = serde_json::from_value(one).unwrap();
    assert_eq!(&one, first);
    assert!(!one.history.is_empty() && one.history.last().unwrap().period == one.period);
}

#[test]
fn records_are_exactly_the_published_records() {
    let (_, out) = scored_fixture();
    let records = feed::record::records(out, None).unwrap();
    for r in records.iter().step_by(7) {
        let v = ok_json(
            &format!("/api/v1/employers/{}", r.siret),
            "/api/v1/employers/{siret}",
        );
        let got: EmployerRecord = serde_json::from_value(v).unwrap();
        assert_eq!(&got, r);
    }
}

#[test]
fn the_index_rebuilds_every_record_and_the_score_output_fallback_agrees() {
    let (dir, out) = scored_fixture();
    let r = Reference::load();
    let records = feed::record::records(out, None).unwrap();
    let from_feed = load::load(dir, &r).unwrap();
    assert_eq!(load::locate(dir).unwrap(), load::Source::Feed(dir.clone()));
    let order = from_feed.siret_order();
    assert_eq!(order.len(), records.len());
    for (k, rec) in records.iter().enumerate() {
        assert_eq!(&from_feed.record(order[k]), rec);
    }
    // A folder with the scoring output only (no feed) gives the same records.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.join(engagement::score::io::FULL_OUTPUT),
        tmp.path().join(engagement::score::io::FULL_OUTPUT),
    )
    .unwrap();
    let fallback: Index = load::load(tmp.path(), &r).unwrap();
    let o2 = fallback.siret_order();
    for (k, rec) in records.iter().enumerate() {
        assert_eq!(&fallback.record(o2[k]), rec);
    }
}

/// The records a filter selects, in order.
fn selected(ix: &Index, f: &feed::index::Filter) -> Vec<EmployerRecord> {
    ix.select(f)
        .iter()
        .map(|&i| ix.record(i as usize))
        .collect()
}

#[test]
fn the_prebuilt_index_answers_as_the_feed_does_and_a_stale_or_damaged_one_is_not_used() {
    let (dir, _) = scored_fixture();
    let r = Reference::load();
    let (prebuilt, how) = load::load_reporting(dir, &r).unwrap();
    assert_eq!(how, load::Loaded::Prebuilt);
    // The same feed without its index: built from the feed's columns.
    let tmp = tempfile::tempdir().unwrap();
    for name in [feed::FEED_FILE, feed::META_FILE, feed::index::INDEX_FILE] {
        std::fs::copy(dir.join(name), tmp.path().join(name)).unwrap();
    }
    let index_path = tmp.path().join(feed::index::INDEX_FILE);
    let bytes = std::fs::read(&index_path).unwrap();
    std::fs::remove_file(&index_path).unwrap();
    let (built, how) = load::load_reporting(tmp.path(), &r).unwrap();
    assert!(matches!(how, load::Loaded::FromFeed(ref why) if why.contains("no feed.index")));
    assert_eq!(prebuilt.len(), built.len());
    for i in 0..built.len() {
        assert_eq!(prebuilt.record(i), built.record(i));
    }
    assert_eq!(prebuilt.zones(), built.zones());
    assert_eq!(prebuilt.divisions(), built.divisions());
    assert_eq!(prebuilt.siret_order(), built.siret_order());
    let zone = built.zones()[0].to_string();
    let q = feed::index::fold(&built.record(0).place.commune);
    for f in [
        feed::index::Filter {
            levels: 0b1111,
            ..Default::default()
        },
        feed::index::Filter {
            zone: built.zone_id(&zone),
            levels: 0b1110,
            seed: Some(7),
            ..Default::default()
        },
        feed::index::Filter {
            sector: Some("C".into()),
            levels: 0b1111,
            sizes: 0b0011,
            ..Default::default()
        },
        feed::index::Filter {
            q: Some(q),
            levels: 0b1111,
            ..Default::default()
        },
    ] {
        assert_eq!(selected(&prebuilt, &f), selected(&built, &f), "{f:?}");
    }
    for k in [0, 5, built.len() - 1] {
        let siret: u64 = built.record(k).siret.parse().unwrap();
        assert_eq!(prebuilt.find(siret), Some(k));
    }
    assert_eq!(prebuilt.find(1), None);

    // An index written for another feed: not used.
    std::fs::write(&index_path, &bytes).unwrap();
    assert_eq!(
        load::load_reporting(tmp.path(), &r).unwrap().1,
        load::Loaded::Prebuilt
    );
    let meta = tmp.path().join(feed::META_FILE);
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, text.replace("\"records\"", "\"records\" ")).unwrap();
    let (ix, how) = load::load_reporting(tmp.path(), &r).unwrap();
    assert!(matches!(how, load::Loaded::FromFeed(ref why) if why.contains("does not match")));
    assert_eq!(ix.record(3), built.record(3));
    std::fs::write(&meta, text).unwrap();

    // A damaged index (every way of cutting it short, bytes changed all along it): refused
    // or read, never a panic, and what it holds stays in bounds.
    for cut in [0, 10, 20, 100, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&index_path, &bytes[..cut]).unwrap();
        let how = load::load_reporting(tmp.path(), &r).unwrap().1;
        assert!(
            matches!(how, load::Loaded::FromFeed(ref why) if why.contains("damaged")),
            "{cut}: {how:?}"
        );
    }
    for at in (0..bytes.len()).step_by(2003) {
        let mut bad = bytes.clone();
        bad[at] = 0xfe;
        std::fs::write(&index_path, &bad).unwrap();
        let (ix, _) = load::load_reporting(tmp.path(), &r).unwrap();
        for i in 0..ix.len() {
            let _ = ix.record(i);
        }
        let _ = selected(
            &ix,
            &feed::index::Filter {
                levels: 0b1111,
                ..Default::default()
            },
        );
    }
}

#[test]
fn filters_paging_and_order_are_stable() {
    let all = ok_json(
        "/api/v1/employers?per_page=100&order=score",
        "/api/v1/employers",
    );
    let total = all["total"].as_u64().unwrap() as usize;
    assert!(total > 20, "enough labelled employers to page: {total}");
    // Score order: label, then score, then SIRET.
    let mut whole: Vec<EmployerRecord> = Vec::new();
    let pages = all["pages"].as_u64().unwrap() as usize;
    for p in 1..=pages {
        let v = ok_json(
            &format!("/api/v1/employers?per_page=100&order=score&page={p}"),
            "/api/v1/employers",
        );
        whole.extend(items(&v));
    }
    assert_eq!(whole.len(), total);
    for w in whole.windows(2) {
        let key = |r: &EmployerRecord| (std::cmp::Reverse(r.label), std::cmp::Reverse(r.score));
        assert!(key(&w[0]) <= key(&w[1]));
        if key(&w[0]) == key(&w[1]) {
            assert!(w[0].siret < w[1].siret);
        }
    }
    let sirets: BTreeSet<&str> = whole.iter().map(|r| r.siret.as_str()).collect();
    assert_eq!(sirets.len(), total, "no employer twice across pages");
    // Past the end: an empty page, not an error.
    let past = ok_json(
        &format!("/api/v1/employers?per_page=100&page={}", pages + 1),
        "/api/v1/employers",
    );
    assert_eq!(past["items"].as_array().unwrap().len(), 0);
    assert_eq!(past["total"].as_u64().unwrap() as usize, total);
    // Rotation: same seed → same order; another seed → another order of the same set,
    // labels still best first.
    let a = items(&ok_json(
        "/api/v1/employers?per_page=100&seed=1",
        "/api/v1/employers",
    ));
    let b = items(&ok_json(
        "/api/v1/employers?per_page=100&seed=1",
        "/api/v1/employers",
    ));
    let c = items(&ok_json(
        "/api/v1/employers?per_page=100&seed=2",
        "/api/v1/employers",
    ));
    assert_eq!(a, b);
    assert_ne!(a, c);
    for w in c.windows(2) {
        assert!(w[0].label >= w[1].label);
    }
    // Filters select what they say.
    let rennes = items(&ok_json(
        "/api/v1/employers?zone=Rennes&per_page=100&level=0,1,2,3",
        "/api/v1/employers",
    ));
    assert!(!rennes.is_empty());
    assert!(rennes.iter().all(|r| r.place.zone == "5315"));
    let by_code = ok_json(
        "/api/v1/employers?zone=5315&level=0,1,2,3",
        "/api/v1/employers",
    );
    assert_eq!(by_code["total"].as_u64().unwrap() as usize, {
        let v = ok_json(
            "/api/v1/employers?zone=rennes&level=0,1,2,3",
            "/api/v1/employers",
        );
        v["total"].as_u64().unwrap() as usize
    });
    let top = items(&ok_json(
        "/api/v1/employers?level=3&per_page=100",
        "/api/v1/employers",
    ));
    assert!(top.iter().all(|r| r.label == Some(3)));
    let small = items(&ok_json(
        "/api/v1/employers?size=10-49,50-249&per_page=100",
        "/api/v1/employers",
    ));
    assert!(small
        .iter()
        .all(|r| matches!(r.size_band.as_str(), "10-49" | "50-249")));
    let sec = &whole[0].sector;
    let in_div = items(&ok_json(
        &format!("/api/v1/employers?sector={}&per_page=100", sec.division),
        "/api/v1/employers",
    ));
    assert!(in_div.iter().all(|r| r.sector.division == sec.division));
    let in_section = items(&ok_json(
        &format!(
            "/api/v1/employers?sector={}&per_page=100",
            sec.section.to_lowercase()
        ),
        "/api/v1/employers",
    ));
    assert!(in_section.iter().any(|r| r.siret == whole[0].siret));
    let named = whole.iter().find_map(|r| r.name.clone()).expect("a name");
    let word = named.split_whitespace().next().unwrap().to_uppercase();
    let found = items(&ok_json(
        &format!("/api/v1/employers?q={}&per_page=100", urlenc(&word)),
        "/api/v1/employers",
    ));
    assert!(found.iter().any(|r| r.name.as_deref() == Some(&named)));
    let by_siret = items(&ok_json(
        &format!("/api/v1/employers?q={}", whole[3].siret),
        "/api/v1/employers",
    ));
    assert_eq!(by_siret.len(), 1);
    let none = ok_json("/api/v1/employers?q=zzzqqqxxx", "/api/v1/employers");
    assert_eq!(none["total"], 0);
    assert_eq!(none["pages"], 0);
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn bad_parameters_are_400_naming_the_parameter_and_unknown_siret_is_404() {
    let t = "/api/v1/employers";
    bad("/api/v1/employers?page=0", t, "page");
    bad("/api/v1/employers?page=abc", t, "page");
    bad("/api/v1/employers?per_page=101", t, "per_page");
    bad("/api/v1/employers?per_page=-1", t, "per_page");
    bad("/api/v1/employers?level=4", t, "level");
    bad("/api/v1/employers?level=1,x", t, "level");
    bad("/api/v1/employers?size=1-10", t, "size");
    bad("/api/v1/employers?zone=Atlantide", t, "zone");
    bad("/api/v1/employers?sector=5x", t, "sector");
    bad("/api/v1/employers?order=random", t, "order");
    bad("/api/v1/employers?seed=-3", t, "seed");
    bad("/api/v1/employers?colour=blue", t, "colour");
    bad("/api/v1/employers?page=1&page=2", t, "page");
    bad(&format!("/api/v1/employers?q={}", "a".repeat(101)), t, "q");
    bad("/api/v1/zones?page=2", "/api/v1/zones", "page");
    bad("/api/v1/meta?x=1", "/api/v1/meta", "x");
    bad(
        "/api/v1/employers/123",
        "/api/v1/employers/{siret}",
        "siret",
    );
    let r = get("/api/v1/employers/00000000000000");
    assert_eq!(r.status, 404);
    check_against_doc("/api/v1/employers/{siret}", 404, &r.json());
    let r = get("/api/v1/nothing");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");
}

#[test]
fn concurrent_requests_get_consistent_answers() {
    let expect = get("/api/v1/employers?per_page=50&seed=9").body;
    let threads: Vec<_> = (0..16)
        .map(|k| {
            std::thread::spawn(move || {
                for j in 0..8 {
                    let path = if (k + j) % 2 == 0 {
                        "/api/v1/employers?per_page=50&seed=9".to_string()
                    } else {
                        format!("/api/v1/employers?zone=5315&page={}", j + 1)
                    };
                    let r = get(&path);
                    assert_eq!(r.status, 200, "{path}");
                    if (k + j) % 2 == 0 {
                        assert_eq!(r.body, get("/api/v1/employers?per_page=50&seed=9").body);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no request failed");
    }
    assert_eq!(get("/api/v1/employers?per_page=50&seed=9").body, expect);
}

#[test]
fn nothing_served_breaks_secrecy() {
    let (_, out) = scored_fixture();
    let w = out.indicators.window_months;
    let p = out.period_index(None).unwrap();
    let mut withheld = 0;
    for r in feed::record::records(out, None).unwrap() {
        let siret: u64 = r.siret.parse().unwrap();
        let i = out.row_index(siret, p).unwrap();
        let row = &out.indicators.rows[i];
        for c in CRITERIA.iter().filter(|c| c.is_sensitive()) {
            match r.citation(*c) {
                Some(Citation::Shown(_)) => {
                    let (x, n) = row.counts(*c, w);
                    assert!(x >= 11.0 && n >= 11.0, "{} cites {c:?} on {x}/{n}", r.siret);
                }
                Some(Citation::Withheld) => withheld += 1,
                _ => {}
            }
        }
    }
    assert!(withheld > 0, "the fixture exercises the 11-person rule");
    // No number in a record but levels, rounded scores, weights and the peer group's size.
    let v = get("/api/v1/employers?per_page=100&level=0,1,2,3").json();
    fn numbers(v: &Value, path: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::Number(_) => {
                out.insert(path.to_string());
            }
            Value::Array(a) => a.iter().for_each(|x| numbers(x, &format!("{path}[]"), out)),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| numbers(x, &format!("{path}.{k}"), out)),
            _ => {}
        }
    }
    let mut paths = BTreeSet::new();
    numbers(&v["items"], "", &mut paths);
    let allowed: BTreeSet<String> = [
        "[].version",
        "[].label",
        "[].score",
        "[].score_interval[]",
        "[].history[].label",
        "[].peers.members",
        "[].criteria[].weight",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert!(paths.is_subset(&allowed), "{paths:?}");
    // A peer group's size is published from 3 establishments up.
    for r in feed::record::records(out, None).unwrap() {
        assert!(r.peers.members.is_none_or(|m| m >= 3), "{}", r.siret);
    }
    // Zones and sectors are codes and names, never counts of employers; the only counts in
    // `meta` are the records served (all readable one by one) and the layout version.
    for path in ["/api/v1/zones", "/api/v1/sectors"] {
        let mut p = BTreeSet::new();
        numbers(&get(path).json(), "", &mut p);
        assert!(p.is_empty(), "{path}: {p:?}");
    }
    let mut p = BTreeSet::new();
    let meta = get("/api/v1/meta").json();
    numbers(&meta, "", &mut p);
    let allowed: BTreeSet<String> = [".record_version", ".employers", ".rotation_seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(p.is_subset(&allowed), "{p:?}");
    let records = feed::record::records(out, None).unwrap().len();
    assert_eq!(meta["employers"], records, "meta counts the records served");
}

#[test]
fn the_scores_folder_is_left_byte_identical() {
    let (dir, _) = scored_fixture();
    let before = engagement::provenance::fingerprint_dir(dir).unwrap();
    let r = Reference::load();
    let state = Arc::new(AppState::new(load::load(dir, &r).unwrap(), r, None));
    let s = serve::spawn(state, "127.0.0.1:0".parse().unwrap(), 1).unwrap();
    for p in [
        "/",
        "/?lang=en&zone=5315",
        "/api/v1/employers?page=2",
        "/api/v1/zones",
        "/api/v1/sectors",
        "/api/v1/meta",
        "/api/v1/openapi.json",
        "/api/v1/employers/00000000000000",
    ] {
        http_get(s.addr, p);
    }
    s.stop().unwrap();
    assert_eq!(
        before,
        engagement::provenance::fingerprint_dir(dir).unwrap()
    );
}

#[test]
fn the_page_filters_pages_and_opens_a_detail() {
    let check = |html: &str| {
        engagement::report::check::well_formed(html).unwrap();
        assert!(engagement::report::check::external_references(html).is_empty());
    };
    let fr = get("/");
    assert_eq!(fr.status, 200);
    assert!(fr.content_type.starts_with("text/html"));
    check(&fr.body);
    assert!(fr.body.contains("lang=\"fr\"") && fr.body.contains("Employeurs engagés"));
    assert!(fr.body.contains("id=\"next\""), "paged");
    let en = get("/?lang=en&zone=5315&page=1");
    check(&en.body);
    assert!(en.body.contains("lang=\"en\"") && en.body.contains("Engaged employers"));
    assert!(en.body.contains("<option value=\"5315\" selected>"));
    let api = items(&get("/api/v1/employers?zone=5315").json());
    let first = &api[0];
    let shown = first.name.clone().unwrap_or_else(|| first.siret.clone());
    assert!(en.body.contains(&esc(&shown)), "{shown}");
    // Follow the list's own link to the detail, as a click would.
    let at = format!("href=\"/employers/{}?", first.siret);
    let start = en.body.find(&at).expect("a link to the detail") + "href=\"".len();
    let len = en.body[start..].find('"').unwrap();
    let link = en.body[start..start + len].replace("&amp;", "&");
    assert_eq!(
        link,
        format!("/employers/{}?zone=5315&page=1&lang=en", first.siret)
    );
    let d = get(&link);
    assert_eq!(d.status, 200);
    check(&d.body);
    assert!(d.body.contains("id=\"criteria\"") && d.body.contains("id=\"history\""));
    assert!(
        d.body
            .contains("href=\"/?zone=5315&amp;page=1&amp;lang=en\""),
        "{}",
        d.body
    );
    let missing = get("/employers/00000000000000");
    assert_eq!(missing.status, 404);
    check(&missing.body);
    let bad = get("/?page=0");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("page"));
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn each_served_page_speaks_one_language() {
    use engagement::config::Lang;
    use engagement::report::i18n::foreign_phrases;
    let first = items(&get("/api/v1/employers?per_page=1").json())
        .pop()
        .expect("a labelled employer");
    for (path, other) in [
        ("/".to_string(), Lang::En),
        ("/?lang=en".to_string(), Lang::Fr),
        (format!("/employers/{}", first.siret), Lang::En),
        (format!("/employers/{}?lang=en", first.siret), Lang::Fr),
        ("/employers/00000000000000".to_string(), Lang::En),
    ] {
        let body = get(&path).body;
        let found = foreign_phrases(&body, other, 5);
        assert!(found.is_empty(), "{path} holds {found:?}");
    }
}
