//! End-to-end and cross-artifact tests for the whole system; the tests live in `tests/tests/`.
