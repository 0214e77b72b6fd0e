//! Time for the quota ledger, injected: `SystemClock` in the app, `FakeClock` in tests and
//! simulations (hours of traffic in milliseconds, never a sleep). The ledger itself only
//! ever sees `Instant`s it is handed; the store also needs the wall-clock time of an
//! `Instant`, because the file shared between processes holds wall-clock timestamps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A source of monotonic time and its mapping to wall-clock time.
pub trait Clock {
    /// The current monotonic time.
    fn now(&self) -> Instant;
    /// The wall-clock time of `at` (by the clock's current idea of the offset between the
    /// two: a wall-clock step between calls moves it, which is what the file should see).
    fn wall(&self, at: Instant) -> SystemTime;
}

/// The real clocks.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self, at: Instant) -> SystemTime {
        let (now, wall) = (Instant::now(), SystemTime::now());
        if at <= now {
            wall.checked_sub(now - at).unwrap_or(SystemTime::UNIX_EPOCH)
        } else {
            wall.checked_add(at - now).unwrap_or(wall)
        }
    }
}

/// A clock that moves only when told to. Clones share the same time, so two `Store`s (two
/// simulated processes) can run on one clock.
#[derive(Clone, Debug)]
pub struct FakeClock {
    base: Instant,
    base_wall: SystemTime,
    offset: Arc<Mutex<Duration>>,
}

impl FakeClock {
    /// A clock starting at the real current time.
    pub fn new() -> Self {
        FakeClock::starting_at(SystemTime::now())
    }

    /// A clock whose wall-clock time starts at `wall`.
    pub fn starting_at(wall: SystemTime) -> Self {
        FakeClock {
            base: Instant::now(),
            base_wall: wall,
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// Time since the clock started.
    pub fn elapsed(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        let now = self.base.checked_add(self.elapsed());
        now.unwrap_or(self.base)
    }

    fn wall(&self, at: Instant) -> SystemTime {
        if at >= self.base {
            let later = self.base_wall.checked_add(at - self.base);
            later.unwrap_or(self.base_wall)
        } else {
            self.base_wall
                .checked_sub(self.base - at)
                .unwrap_or(SystemTime::UNIX_EPOCH)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_moves_only_when_told_and_clones_share_it() {
        let c = FakeClock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1000));
        let d = c.clone();
        let t0 = c.now();
        assert_eq!(c.now(), t0);
        d.advance(Duration::from_secs(5));
        assert_eq!(c.now() - t0, Duration::from_secs(5));
        assert_eq!(
            c.wall(c.now()),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1005)
        );
    }

    #[test]
    fn system_clock_maps_instants_to_wall_time() {
        let c = SystemClock;
        let now = c.now();
        let earlier = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
        let d = c.wall(now).duration_since(c.wall(earlier)).unwrap();
        assert!(d <= Duration::from_millis(1100), "{d:?}");
    }
}
