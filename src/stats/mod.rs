//! Shared numerics: small dense linear algebra, logistic regression, descriptive statistics.
