//! Failed authentications, limited per client IP with a token bucket: each
//! failure takes one token, tokens come back at `capacity` per `window`.
//! A client whose bucket is empty is refused (429) before its token is even
//! looked up, so guessing stays slow; requests that authenticate take
//! nothing. The map is bounded: when full, buckets that have refilled (they
//! carry no information) are dropped, and if none has, the fullest one.
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clients tracked at most.
const MAX_CLIENTS: usize = 10_000;

/// Keyed by client IP by default; the login page also keys one by address.
pub struct AuthLimiter<K = IpAddr> {
    capacity: f64,
    window: Duration,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq + Clone> AuthLimiter<K> {
    pub fn new(capacity: u32, window: Duration) -> Self {
        Self {
            capacity: f64::from(capacity.max(1)),
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn per_second(&self) -> f64 {
        self.capacity / self.window.as_secs_f64().max(0.001)
    }

    fn refilled(&self, b: Bucket, now: Instant) -> Bucket {
        let gained = now.saturating_duration_since(b.at).as_secs_f64() * self.per_second();
        Bucket {
            tokens: (b.tokens + gained).min(self.capacity),
            at: now,
        }
    }

    /// `Err(seconds)` when `ip` has no failures left: wait that long.
    pub fn check(&self, ip: K, now: Instant) -> Result<(), u64> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(&ip).map(|b| self.refilled(*b, now)) {
            Some(b) if b.tokens < 1.0 => {
                let wait = (1.0 - b.tokens) / self.per_second();
                Err(wait.ceil().max(1.0) as u64)
            }
            _ => Ok(()),
        }
    }

    /// Records one failed authentication from `ip`.
    pub fn failed(&self, ip: K, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&ip) {
            self.evict(&mut buckets, now);
        }
        let full = Bucket {
            tokens: self.capacity,
            at: now,
        };
        let b = buckets.get(&ip).map_or(full, |b| self.refilled(*b, now));
        buckets.insert(
            ip,
            Bucket {
                tokens: (b.tokens - 1.0).max(0.0),
                at: now,
            },
        );
    }

    fn evict(&self, buckets: &mut HashMap<K, Bucket>, now: Instant) {
        buckets.retain(|_, b| self.refilled(*b, now).tokens < self.capacity);
        if buckets.len() >= MAX_CLIENTS {
            let fullest = buckets
                .iter()
                .max_by(|a, b| a.1.tokens.total_cmp(&b.1.tokens))
                .map(|(ip, _)| ip.clone());
            if let Some(ip) = fullest {
                buckets.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_capacity_wait_and_other_clients_are_untouched() {
        let limiter: AuthLimiter = AuthLimiter::new(3, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(a, t0), Ok(()));
            limiter.failed(a, t0);
        }
        assert_eq!(limiter.check(a, t0), Err(20), "one token per 20 s");
        assert_eq!(limiter.check(b, t0), Ok(()));
        assert_eq!(limiter.check(a, t0 + Duration::from_secs(21)), Ok(()));
        assert!(limiter.check(a, t0 + Duration::from_secs(19)).is_err());
    }

    #[test]
    fn the_map_stays_bounded() {
        let limiter: AuthLimiter = AuthLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        for n in 0..(MAX_CLIENTS as u32 + 50) {
            limiter.failed(IpAddr::from(n.to_be_bytes()), t0);
        }
        let len = limiter.buckets.lock().unwrap().len();
        assert!(len <= MAX_CLIENTS, "{len}");
    }
}
