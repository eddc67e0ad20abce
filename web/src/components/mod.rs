//! The components, one per file. Panels take what they show as props (shared values
//! compared by identity, so they re-render only when it changes); the controls read the
//! app's context and dispatch actions.
pub mod allocators;
pub mod code_pane;
pub mod drop_zone;
pub mod fault_path;
pub mod hazard_ledger;
pub mod icons;
pub mod id_detail;
pub mod id_overview;
pub mod id_space;
pub mod import_export;
pub mod lesson_picker;
pub mod narration;
pub mod notice_bar;
pub mod pager;
pub mod player;
pub mod processes;
pub mod profile_bar;
pub mod progress_bar;
pub mod question;
pub mod readers;
pub mod sandbox;
pub mod search_path;
pub mod sets;
pub mod sources;
pub mod theme_picker;
pub mod timeline;
