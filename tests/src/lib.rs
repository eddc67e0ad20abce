//! Shared harness for IOASID Lab's cross-crate and browser tests.
//!
//! Cross-crate tests live under `tests/tests/` and run with `cargo test --workspace`.
//! The browser end-to-end tests (targets named `e2e` or `e2e_*`) need the `e2e` feature, the
//! release build in `dist/`, Chromium and chromedriver; `scripts/test` runs them. Their
//! harness is [`browser`] (with the feature) and [`static_server`].

use std::path::PathBuf;

#[cfg(feature = "e2e")]
pub mod browser;
pub mod static_server;
/// Helpers for the visualizer's end-to-end tests (`tests/ui_*.rs`).
#[cfg(feature = "e2e")]
pub mod ui;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// Where screenshots go: `target/screenshots/` under the workspace root.
pub fn screenshot_dir() -> PathBuf {
    workspace_root().join("target").join("screenshots")
}

/// The built static site: `$IOASID_DIST` when set, else `dist/` under the workspace root.
pub fn dist_dir() -> PathBuf {
    match std::env::var_os("IOASID_DIST") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join("dist"),
    }
}
