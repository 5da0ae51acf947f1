//! Difference-in-differences, event studies, staggered adoption, matching and randomisation inference (issue #5).
