//! NEODeS (DSN) reader and writer, driven by the P24V01 norm tables (issue #3).
