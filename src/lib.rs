//! `engagement`: a research and evaluation workbench for inclusive hiring in France.
//!
//! Pipeline stages, one module each (see README.md):
//! `synth`/`dsn` → [`model::Dataset`] → `indicators` → `score` → `exposure` → `estimate`
//! → `retention` → `report`. Only `pipeline` and `commands` read and write files.

pub mod cli;
pub mod columns;
pub mod commands;
pub mod config;
pub mod date;
pub mod dsn;
#[cfg(feature = "engine")]
pub mod engine;
pub mod estimate;
pub mod exposure;
pub mod feed;
pub mod history;
pub mod indicators;
pub mod model;
pub mod national;
pub mod output;
pub mod params;
pub mod pilot;
pub mod pipeline;
pub mod provenance;
pub mod reference;
pub mod report;
pub mod retention;
pub mod score;
#[cfg(feature = "serve")]
pub mod serve;
pub mod stats;
pub mod synth;
pub mod tables;
pub mod text;
pub mod validity;
