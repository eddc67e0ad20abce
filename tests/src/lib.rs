//! Cross-crate and browser tests live under `tests/tests/`.
