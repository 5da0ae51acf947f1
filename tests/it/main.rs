//! Integration tests, one binary: each module covers one stage or command.

#[path = "../common/mod.rs"]
mod common;

mod cli_edge;
#[cfg(feature = "cluster")]
mod cluster;
mod config_errors;
mod dsn_bad_input;
mod dsn_cli;
mod dsn_privacy;
mod dsn_roundtrip;
mod dsn_samples;
mod dsn_shards;
mod dsn_walk;
#[cfg(not(feature = "engine"))]
mod engine_default;
#[cfg(feature = "engine")]
mod engine_paths;
mod estimate_cli;
mod estimate_reference;
mod exposure_study;
mod feed_export;
mod layout;
mod list_html;
mod output_safety;
mod pilot_cli;
mod pilot_crosscheck;
mod pilot_exposure;
mod pilot_run;
mod pipeline_retention;
mod pseudonymise_cli;
mod readme_examples;
mod readme_figures;
mod report_compare;
mod report_escaping;
mod report_from_score;
mod report_html;
mod report_inputs;
mod report_language;
mod report_markdown;
mod report_positions;
mod retention_cli;
mod retention_reference;
mod retention_sim;
mod score_engine;
mod score_indicators;
mod score_truth;
mod secrecy;
#[cfg(feature = "serve")]
mod serve_api;
mod synth_generator;
mod territory_zones;
