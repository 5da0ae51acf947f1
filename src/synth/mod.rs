//! The calibrated synthetic DSN generator (issue #2).
