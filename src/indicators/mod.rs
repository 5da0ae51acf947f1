//! Per-establishment, per-period indicators of inclusive hiring (issue #4).
