//! Scoring benchmarks (run in release by the orchestrator):
//! `cargo test --release --test score_bench -- --ignored --nocapture`.

use engagement::score::bench;

#[test]
#[ignore = "slow: 50k establishments × 5 years"]
fn bench_50k() {
    let r = bench::run(50_000, 5, 20261128).unwrap();
    eprintln!("{}", serde_json::to_string(&r).unwrap());
}

#[test]
#[ignore = "slow: 200k establishments × 5 years (target < 30 s, < 6 GiB)"]
fn bench_200k() {
    let r = bench::run(200_000, 5, 20261128).unwrap();
    eprintln!("{}", serde_json::to_string(&r).unwrap());
}
