//! The app's hooks: keyboard shortcuts, playback timer, URL state, theme (and the system's),
//! chunked runs and file reads (one driver, `chunked`), and file import.
pub(crate) mod chunked;
pub mod use_file_import;
pub mod use_keyboard;
pub mod use_playback;
pub mod use_read_job;
pub mod use_run_job;
pub mod use_select_value;
pub mod use_system_dark;
pub mod use_theme;
pub mod use_url_state;

pub use use_file_import::use_file_import;
pub use use_keyboard::use_keyboard;
pub use use_playback::use_playback;
pub use use_read_job::use_read_job;
pub use use_run_job::use_run_job;
pub use use_select_value::use_select_value;
pub use use_system_dark::use_system_dark;
pub use use_theme::use_theme;
pub use use_url_state::use_url_state;
