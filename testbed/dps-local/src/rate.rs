//! A token bucket: the service's published rate limits (service API operations, device
//! registrations per minute).

use std::time::{Duration, Instant};

pub(crate) struct Bucket {
    per_sec: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// `per_minute` tokens a minute, at most `capacity` saved up (full at the start).
    pub(crate) fn new(per_minute: u32, capacity: u32) -> Bucket {
        Bucket {
            per_sec: f64::from(per_minute.max(1)) / 60.0,
            capacity: f64::from(capacity.max(1)),
            tokens: f64::from(capacity.max(1)),
            last: Instant::now(),
        }
    }

    /// Takes `n` tokens, or says how long until they are there.
    pub(crate) fn take(&mut self, n: u32) -> Result<(), Duration> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_sec)
            .min(self.capacity);
        self.last = now;
        let n = f64::from(n).min(self.capacity);
        if self.tokens >= n {
            self.tokens -= n;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((n - self.tokens) / self.per_sec))
        }
    }
}
