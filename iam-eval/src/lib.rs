//! IAM policy evaluation (being built: see issue 4).
