//! The wall clock, read in one place: seconds for protocol times, milliseconds
//! for receipt times and retry schedules.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds added to the system clock (`votehub serve --clock-offset`): set
/// once at start, so a test or a drill can run a process days ahead and
/// watch deadlines pass (the court's 36 hours, 10 days, terms).
static OFFSET: AtomicI64 = AtomicI64::new(0);

/// Runs this process's clock `seconds` ahead of the system's.
pub fn set_offset(seconds: i64) {
    OFFSET.store(seconds, Ordering::Relaxed);
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + OFFSET.load(Ordering::Relaxed)
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        + OFFSET.load(Ordering::Relaxed) * 1000
}
