//! Playback speeds.

/// A playback speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Speed {
    pub label: &'static str,
    /// Time between two steps of the shortest text; a longer step's reading time is
    /// scaled by the same factor (1× is 1200 ms).
    pub delay_ms: u32,
}

impl Speed {
    /// The time a step that takes `read_ms` to read at 1× stays at this speed.
    pub fn scale(&self, read_ms: u32) -> u32 {
        let scaled = u64::from(read_ms) * u64::from(self.delay_ms) / 1200;
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speed_scales_the_reading_time() {
        let at = |label: &str| SPEEDS.iter().find(|s| s.label == label).copied().unwrap();
        assert_eq!(SPEEDS[DEFAULT_SPEED].label, "1×");
        assert_eq!(at("1×").scale(12_000), 12_000);
        assert_eq!(at("2×").scale(12_000), 6_000);
        assert_eq!(at("0.5×").scale(12_000), 24_000);
        assert_eq!(at("50×").scale(1_200), 24);
    }
}
