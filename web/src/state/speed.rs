//! Playback speeds.

/// A playback speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Speed {
    pub label: &'static str,
    /// Time between two steps.
    pub delay_ms: u32,
}

/// The playback speeds, slowest first.
pub const SPEEDS: [Speed; 6] = [
    Speed {
        label: "0.5×",
        delay_ms: 2400,
    },
    Speed {
        label: "1×",
        delay_ms: 1200,
    },
    Speed {
        label: "2×",
        delay_ms: 600,
    },
    Speed {
        label: "4×",
        delay_ms: 300,
    },
    Speed {
        label: "10×",
        delay_ms: 120,
    },
    Speed {
        label: "50×",
        delay_ms: 24,
    },
];

/// The speed a session starts with.
pub const DEFAULT_SPEED: usize = 1;
