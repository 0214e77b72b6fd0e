//! The quota ledger: a pure state machine over injected `Instant`s that decides when the
//! next query may go out so that kqlhunt never provokes a 429 itself.
//!
//! **Windows.** Sliding, not fixed buckets. A call enters the call windows the moment it
//! is admitted (so concurrent queries and other processes see it at once) and stays in
//! them, counted as "now", for as long as it is in flight; once it has ended it counts
//! from the moment its answer arrived. The service counts a call somewhere between our
//! send and its answer, so a call sent one window after the previous call's *answer* is a
//! full window after the service counted that call, however long the token fetch, the
//! connection or the query took: the windows stay sound without guessing the latency.
//! (Counting from the send, the margin would have to cover the latency; a call in flight
//! for longer than its timeout counts as ended then.) Run-time windows sum the overlap of each call's run span with the window. A run
//! span is `[end − run, end]` where `run` is the service's own figure (`Stats.ExecutionTime`)
//! when it gives one and the elapsed time otherwise; a call still in flight counts
//! `[start, now]`, capped at the per-query timeout (after that the service has stopped it).
//! A sliding window never admits more than a fixed bucket of the same length would, so
//! this is safe whichever way the service counts.
//!
//! **Safety margin.** Every window is treated as `skew` (default 1 s) longer than
//! configured, and closed at both ends, for what counting from the answer cannot see: a
//! cancelled request whose bytes reach the service after we gave up on it, or a service
//! that books a call just after answering it. Every wait a 429 announces is lengthened by
//! `skew` too. Of each call limit `N` we hold back `N·headroom` calls rounded to the
//! nearest (headroom 2%: 44 of 45 per minute, 1,470 of 1,500 per hour, all 10 of 10: a
//! whole call would be 10% there), always leaving at least one; headroom 0 uses every call. The held-back call no longer covers latency (the answer
//! stamp does); it covers calls the ledger cannot count: another tool using the same app
//! registration, or the service booking the request a 401 made us repeat. A run-time budget `B` is used up to
//! `B·(1 − headroom)`, and a new query needs room for a `reserve`: the mean run time of the
//! last 16 queries (1 s before any), at most a tenth of the budget.
//!
//! **Admission.** `admit(now)` is `Now` when every window has room and no 429 wait is
//! running; `At(t)` with the earliest `t` at which that holds if nothing else happens (ask
//! again then, or sooner when a call ends); `Refused(why)` when a window allows nothing at
//! all (a limit or budget of 0), or when the wait would be longer than `horizon` (default
//! 15 min): the analyst is told when the quota frees up instead of a query sitting in a
//! queue for an hour. `Refused` describes the present; a later `admit` may say `Now`.
//!
//! **Throttling.** `throttled(now, retry_after, body)` blocks until the longest announced
//! wait (+ skew) or, when the 429 says nothing about time, an exponential backoff with
//! jitter from the ledger's seeded generator. A "maximum allowed N per hh:mm:ss" lowers the
//! matching call limit to `N` (or adds the window when it was unknown).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use super::limits::{CallWindow, Limits, MAX_WINDOW, RunWindow, short_duration, window_label};
use super::throttle::{self, SplitMix64, Throttle};
use super::{QuotaDetails, QuotaSnapshot, ThrottleDetail, WindowDetail, WindowUsage};

/// Nanoseconds relative to the ledger's origin; negative is before it. Internal times are
/// ticks so that records older than the machine's boot (read from the shared file) can
/// still be represented, which `Instant` cannot promise.
pub(super) type Tick = i64;

pub(super) fn ns(d: Duration) -> Tick {
    d.as_nanos().min(i64::MAX as u128) as i64
}

fn dur(t: Tick) -> Duration {
    Duration::from_nanos(t.max(0) as u64)
}

/// The longest window a 429 can teach.
const MAX_LEARNED_WINDOW: Duration = Duration::from_secs(86_400);
/// How many recent run times the reserve averages.
const RESERVE_SAMPLES: usize = 16;
/// The reserve before any query has finished.
const DEFAULT_RESERVE: Duration = Duration::from_secs(1);

/// Identifies one call across processes (random per call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// A call that was counted when it started; hand it back to `end_call`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTicket {
    pub id: CallId,
    pub start: Instant,
}

/// Whether a query may be sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Admission {
    /// Send it now.
    Now,
    /// Not before this instant; ask again then (or when a call ends).
    At(Instant),
    /// Do not queue it: tell the analyst why.
    Refused(Refusal),
}

/// The budget that holds a query back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limiter {
    Calls(CallWindow),
    RunTime(RunWindow),
    /// A wait a 429 imposed.
    Throttled,
}

impl fmt::Display for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limiter::Calls(w) => w.fmt(f),
            Limiter::RunTime(w) => w.fmt(f),
            Limiter::Throttled => f.write_str("the service's throttling"),
        }
    }
}

/// Why a query is refused rather than queued.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// A window allows nothing (a limit or budget of 0, or a budget used up by headroom).
    NoBudget { limiter: Limiter },
    /// The quota frees up only after the horizon.
    Exhausted {
        limiter: Limiter,
        wait: Duration,
        at: Instant,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoBudget { limiter } => write!(
                f,
                "the quota allows no queries ({limiter}); raise it in the profile's [quota] table"
            ),
            Refusal::Exhausted {
                limiter: Limiter::Throttled,
                wait,
                ..
            } => write!(
                f,
                "the service is throttling the tenant for another {}; run the query again then",
                short_duration(*wait)
            ),
            Refusal::Exhausted { limiter, wait, .. } => write!(
                f,
                "the tenant's quota ({limiter}) is spent for another {}; run the query again then",
                short_duration(*wait)
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// What `throttled` made of a 429.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottleOutcome {
    /// How long the ledger now blocks (announced wait + skew, or the backoff).
    pub wait: Duration,
    pub until: Instant,
    /// Whether the wait came from the response (false: exponential backoff).
    pub announced: bool,
    /// A call limit learned from "maximum allowed N per …".
    pub learned: Option<CallWindow>,
    pub info: Throttle,
}

/// The most recent 429, for a details popup.
#[derive(Clone, Debug, PartialEq)]
pub struct LastThrottle {
    pub(super) at: Tick,
    /// The body, control characters escaped, at most `throttle::MAX_BODY_CHARS` characters.
    pub body: String,
    pub wait: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Span {
    id: CallId,
    a: Tick,
    b: Tick,
    /// Wrapping running sum of span lengths up to and including this one.
    cum: u64,
}

/// One call as the store persists it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Record {
    pub id: CallId,
    /// When it was sent (dropped once older than every call window).
    pub start: Option<Tick>,
    /// Its run span, once finished.
    pub span: Option<(Tick, Tick)>,
    pub in_flight: bool,
}

/// The ledger state shared between processes.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Shared {
    pub records: Vec<Record>,
    pub blocked_until: Option<Tick>,
    pub strikes: u32,
    pub last_429: Option<Tick>,
    pub learned: Vec<CallWindow>,
    pub last_throttle: Option<LastThrottle>,
}

/// The quota state of one backend in one tenant.
#[derive(Clone, Debug)]
pub struct Ledger {
    limits: Limits,
    backend: String,
    /// Limits learned from 429 bodies, at most one per window length.
    learned: Vec<CallWindow>,
    /// Configured and learned call windows merged: the stricter limit per length.
    calls: Vec<CallWindow>,
    origin: Instant,
    /// Call starts, sorted.
    starts: VecDeque<(Tick, CallId)>,
    /// Finished run spans, sorted by end.
    spans: VecDeque<Span>,
    /// `cum` of the last span popped from the front.
    cum_base: u64,
    /// The longest span held (never shrinks until a rebuild).
    dmax: Tick,
    in_flight: Vec<(CallId, Tick)>,
    blocked_until: Option<Tick>,
    strikes: u32,
    last_429: Option<Tick>,
    last_throttle: Option<LastThrottle>,
    rng: SplitMix64,
    session_calls: u64,
}

impl Ledger {
    /// A fresh ledger with a fixed jitter seed (tests); the app uses `with_seed`.
    pub fn new(limits: Limits) -> Ledger {
        Ledger::with_seed(limits, 0x6b71_6c68_756e_7421)
    }

    /// A fresh ledger whose jitter and call ids come from `seed`: give each process its own.
    pub fn with_seed(limits: Limits, seed: u64) -> Ledger {
        let mut ledger = Ledger {
            limits,
            backend: String::new(),
            learned: Vec::new(),
            calls: Vec::new(),
            origin: Instant::now(),
            starts: VecDeque::new(),
            spans: VecDeque::new(),
            cum_base: 0,
            dmax: 0,
            in_flight: Vec::new(),
            blocked_until: None,
            strikes: 0,
            last_429: None,
            last_throttle: None,
            rng: SplitMix64(seed),
            session_calls: 0,
        };
        ledger.merge_call_windows();
        ledger
    }

    /// Name the backend in snapshots.
    pub fn set_backend(&mut self, name: &str) {
        self.backend = name.to_string();
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The call windows in force: configured ones, lowered or extended by 429s.
    pub fn call_windows(&self) -> &[CallWindow] {
        &self.calls
    }

    /// Limits learned from 429 bodies.
    pub fn learned(&self) -> &[CallWindow] {
        &self.learned
    }

    pub fn last_throttle(&self) -> Option<&LastThrottle> {
        self.last_throttle.as_ref()
    }

    /// Calls this ledger itself started (not those of other processes).
    pub fn session_calls(&self) -> u64 {
        self.session_calls
    }

    /// Until when a 429 blocks every call, if it still does at `now`.
    pub fn blocked_until(&self, now: Instant) -> Option<Instant> {
        let t = self.tick(now);
        self.blocked_until
            .filter(|&b| b > t)
            .map(|b| self.instant(b))
    }

    /// The calls this ledger counts that are still running.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    // ---- time -----------------------------------------------------------------------

    pub(super) fn tick(&self, i: Instant) -> Tick {
        if i >= self.origin {
            ns(i - self.origin)
        } else {
            -ns(self.origin - i)
        }
    }

    pub(super) fn instant(&self, t: Tick) -> Instant {
        let r = if t >= 0 {
            self.origin.checked_add(dur(t))
        } else {
            self.origin.checked_sub(dur(t.saturating_neg()))
        };
        r.unwrap_or(self.origin)
    }

    fn skew(&self) -> Tick {
        ns(self.limits.safety.skew.min(MAX_WINDOW))
    }

    fn headroom(&self) -> f64 {
        let h = self.limits.safety.headroom;
        if h.is_finite() {
            h.clamp(0.0, 0.99)
        } else {
            0.0
        }
    }

    fn call_len(&self, w: &CallWindow) -> Tick {
        ns(w.window.min(MAX_WINDOW)) + self.skew()
    }

    fn run_len(&self, w: &RunWindow) -> Tick {
        ns(w.window.min(MAX_WINDOW)) + self.skew()
    }

    fn timeout(&self) -> Tick {
        ns(self.limits.query_timeout.min(MAX_WINDOW))
    }

    /// Calls of `w` we allow ourselves: never the last one, always at least one.
    pub fn usable_calls(&self, w: &CallWindow) -> u32 {
        usable_calls(w.limit, self.headroom())
    }

    fn usable_budget(&self, w: &RunWindow) -> Tick {
        ns(w.budget.min(MAX_WINDOW).mul_f64(1.0 - self.headroom()))
    }

    // ---- admission ------------------------------------------------------------------

    /// May a query be sent at `now`? See the module comment for the policy.
    pub fn admit(&self, now: Instant) -> Admission {
        if !self.limits.metered {
            return Admission::Now;
        }
        let t = self.tick(now);
        for w in &self.calls {
            if self.usable_calls(w) == 0 {
                let limiter = Limiter::Calls(*w);
                return Admission::Refused(Refusal::NoBudget { limiter });
            }
        }
        for w in &self.limits.run_time {
            if self.usable_budget(w) <= 0 {
                let limiter = Limiter::RunTime(*w);
                return Admission::Refused(Refusal::NoBudget { limiter });
            }
        }
        let mut at = t;
        let mut limiter = Limiter::Throttled;
        if let Some(b) = self.blocked_until.filter(|&b| b > t) {
            at = b;
        }
        for w in &self.calls {
            let free = self.call_free_at(w, t);
            if free > at {
                (at, limiter) = (free, Limiter::Calls(*w));
            }
        }
        for w in &self.limits.run_time {
            let free = self.run_free_at(w, t);
            if free > at {
                (at, limiter) = (free, Limiter::RunTime(*w));
            }
        }
        if at <= t {
            return Admission::Now;
        }
        let wait = dur(at - t);
        if wait > self.limits.safety.horizon {
            Admission::Refused(Refusal::Exhausted {
                limiter,
                wait,
                at: self.instant(at),
            })
        } else {
            Admission::At(self.instant(at))
        }
    }

    /// (index of the first mark inside the window ending at `t`, how many calls are
    /// inside). Calls in flight count however old their mark, until their timeout.
    fn calls_in(&self, t: Tick, len: Tick) -> (usize, usize) {
        let cutoff = t.saturating_sub(len);
        let i0 = self.starts.partition_point(|&(s, _)| s < cutoff);
        let timeout = self.timeout();
        let old_flying = self
            .in_flight
            .iter()
            .filter(|&&(_, s)| s < cutoff && s.saturating_add(timeout) >= cutoff)
            .count();
        (i0, self.starts.len() - i0 + old_flying)
    }

    /// When the `n`-th (1-based) of the calls in the window ending at `t` leaves it: a
    /// finished call `len` after its answer, a call in flight `len` after its timeout at
    /// the latest (the worker asks again as soon as it really ends).
    fn nth_leave(&self, t: Tick, len: Tick, n: usize) -> Option<Tick> {
        let cutoff = t.saturating_sub(len);
        let timeout = self.timeout();
        let leave = |mark: Tick| mark.saturating_add(len).saturating_add(1);
        let mut flying: Vec<Tick> = self
            .in_flight
            .iter()
            .map(|&(_, s)| s.saturating_add(timeout))
            .filter(|&d| d >= cutoff)
            .map(leave)
            .collect();
        flying.sort_unstable();
        let is_flying = |id: CallId| self.in_flight.iter().any(|&(f, _)| f == id);
        let i0 = self.starts.partition_point(|&(s, _)| s < cutoff);
        let mut finished = self
            .starts
            .range(i0..)
            .filter(|&&(_, id)| !is_flying(id))
            .map(|&(s, _)| leave(s))
            .peekable();
        let mut flying = flying.into_iter().peekable();
        let mut found = None;
        for _ in 0..n {
            found = match (finished.peek(), flying.peek()) {
                (Some(&a), Some(&b)) if b < a => flying.next(),
                (Some(_), _) => finished.next(),
                (None, Some(_)) => flying.next(),
                (None, None) => None,
            };
        }
        found
    }

    fn call_free_at(&self, w: &CallWindow, t: Tick) -> Tick {
        let len = self.call_len(w);
        let usable = self.usable_calls(w) as usize;
        let (_, count) = self.calls_in(t, len);
        if count < usable {
            return t;
        }
        // The oldest `count - usable + 1` calls must leave the (closed) window.
        self.nth_leave(t, len, count + 1 - usable).unwrap_or(t)
    }

    fn run_free_at(&self, w: &RunWindow, t: Tick) -> Tick {
        let len = self.run_len(w);
        let budget = self.usable_budget(w);
        let reserve = self.reserve(budget);
        let flying = self.in_flight_used(t, len);
        let target = budget - reserve - flying;
        if self.finished_used(t, len) <= target {
            return t;
        }
        if target < 0 {
            // Running queries alone fill the window: wait until the first of them must
            // have ended (the worker asks again as soon as one really does).
            let timeout = self.timeout();
            return self
                .in_flight
                .iter()
                .map(|&(_, s)| s.saturating_add(timeout))
                .filter(|&d| d > t)
                .min()
                .unwrap_or(t.saturating_add(ns(DEFAULT_RESERVE)));
        }
        // Finished spans only slide out: find the first instant they fit, by bisection.
        let last_end = self.spans.back().map_or(t, |s| s.b.max(t));
        let (mut lo, mut hi) = (t, last_end.saturating_add(len).saturating_add(1));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.finished_used(mid, len) <= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// Run time of finished calls inside the closed window `[t − len, t]`.
    fn finished_used(&self, t: Tick, len: Tick) -> Tick {
        let n = self.spans.len();
        let cutoff = t.saturating_sub(len);
        let i0 = self.spans.partition_point(|s| s.b < cutoff);
        if i0 == n {
            return 0;
        }
        let before = if i0 == 0 {
            self.cum_base
        } else {
            self.spans[i0 - 1].cum
        };
        let mut total = self.spans[n - 1].cum.wrapping_sub(before) as i64;
        let mut fix = |s: &Span| {
            total += overlap(s.a, s.b, cutoff, t) - (s.b - s.a);
        };
        // Spans that may start before the cutoff: their end is within `dmax` of it.
        let edge = cutoff.saturating_add(self.dmax);
        let mut j = i0;
        while j < n && self.spans[j].b <= edge {
            fix(&self.spans[j]);
            j += 1;
        }
        // Spans that end after `t` (only when asked about the past).
        let mut k = n;
        while k > j && self.spans[k - 1].b > t {
            fix(&self.spans[k - 1]);
            k -= 1;
        }
        total.max(0)
    }

    fn in_flight_used(&self, t: Tick, len: Tick) -> Tick {
        let cutoff = t.saturating_sub(len);
        let timeout = self.timeout();
        self.in_flight
            .iter()
            .map(|&(_, s)| overlap(s, t.min(s.saturating_add(timeout)), cutoff, t))
            .sum()
    }

    fn reserve(&self, budget: Tick) -> Tick {
        let (mut sum, mut n) = (0i64, 0i64);
        for s in self.spans.iter().rev().take(RESERVE_SAMPLES) {
            sum = sum.saturating_add(s.b - s.a);
            n += 1;
        }
        let mean = if n == 0 { ns(DEFAULT_RESERVE) } else { sum / n };
        mean.min(budget / 10)
    }

    // ---- recording ------------------------------------------------------------------

    /// Count a call that is being sent now; end it with `end_call`. Call this right after
    /// `admit` said `Now` (the `Store` does both under one lock).
    pub fn begin_call(&mut self, now: Instant) -> CallTicket {
        let id = CallId(self.rng.next_u64());
        let t = self.tick(now);
        self.insert_start(t, id);
        self.in_flight.push((id, t));
        self.session_calls += 1;
        self.prune(t);
        CallTicket { id, start: now }
    }

    /// A begun call ended at `end` (whatever its outcome, 429s included: pass
    /// `Some(Duration::ZERO)` for a call that did not run). `service_runtime` is the
    /// service's own figure (`Stats.ExecutionTime`); without it the elapsed time counts.
    pub fn end_call(
        &mut self,
        ticket: &CallTicket,
        end: Instant,
        service_runtime: Option<Duration>,
    ) {
        let before = self.in_flight.len();
        self.in_flight.retain(|&(id, _)| id != ticket.id);
        if before == self.in_flight.len() && self.spans.iter().any(|s| s.id == ticket.id) {
            return; // ended twice
        }
        let (s, e) = (self.tick(ticket.start), self.tick(end));
        // From now on the call counts from its answer.
        if let Some(i) = self.starts.iter().position(|&(_, id)| id == ticket.id) {
            self.starts.remove(i);
        }
        self.insert_start(e.max(s), ticket.id);
        self.add_span(ticket.id, s, e, service_runtime);
        // Prune by the start: `end` may be reported ahead of the clock others ask with.
        self.prune(s);
    }

    /// Record a whole call at once (sent at `start`, answered at `end`) that was not begun
    /// with `begin_call`.
    pub fn record_call(
        &mut self,
        start: Instant,
        end: Instant,
        service_runtime: Option<Duration>,
    ) -> CallId {
        let id = CallId(self.rng.next_u64());
        let (s, e) = (self.tick(start), self.tick(end));
        self.insert_start(e.max(s), id);
        self.add_span(id, s, e, service_runtime);
        self.session_calls += 1;
        self.prune(s);
        id
    }

    /// The service answered 429 at `now`. `retry_after` is the parsed header (see
    /// `throttle::parse_retry_after`), `body` the raw response body.
    pub fn throttled(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
        body: &str,
    ) -> ThrottleOutcome {
        let t = self.tick(now);
        let info = throttle::interpret(retry_after, body);
        let safety = self.limits.safety;
        let recent = ns(safety.backoff_cap.min(MAX_WINDOW)).saturating_mul(2);
        self.strikes = match self.last_429 {
            Some(last) if t.saturating_sub(last) <= recent => self.strikes.saturating_add(1),
            _ => 1,
        };
        let (wait, announced) = match info.announced_wait() {
            Some(w) => (w.min(MAX_WINDOW) + safety.skew.min(MAX_WINDOW), true),
            None => (
                throttle::backoff(
                    self.strikes,
                    safety.backoff,
                    safety.backoff_cap,
                    &mut self.rng,
                ),
                false,
            ),
        };
        let until = t.saturating_add(ns(wait));
        self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
        let learned = info.max_allowed.and_then(|w| self.learn(w));
        self.last_429 = Some(t);
        self.last_throttle = Some(LastThrottle {
            at: t,
            body: throttle::escaped_body(body),
            wait,
        });
        ThrottleOutcome {
            wait,
            until: self.instant(until),
            announced,
            learned,
            info,
        }
    }

    /// Adopt a limit a 429 stated, if it is stricter than (or unknown to) ours. A limit of
    /// 0 or a window longer than a day is not believed: a garbled body must not lock the
    /// analyst out for good (the file would keep it).
    fn learn(&mut self, w: CallWindow) -> Option<CallWindow> {
        if w.limit == 0 || w.window.is_zero() || w.window > MAX_LEARNED_WINDOW {
            return None;
        }
        if let Some(current) = self.calls.iter().find(|c| c.window == w.window)
            && current.limit <= w.limit
        {
            return None;
        }
        self.learned.retain(|l| l.window != w.window);
        self.learned.push(w);
        self.merge_call_windows();
        Some(w)
    }

    fn merge_call_windows(&mut self) {
        let mut calls: Vec<CallWindow> = Vec::new();
        let configured = self.limits.calls.iter();
        for w in configured
            .chain(self.learned.iter())
            .filter(|_| self.limits.metered)
        {
            match calls.iter_mut().find(|c| c.window == w.window) {
                Some(c) => c.limit = c.limit.min(w.limit),
                None => calls.push(*w),
            }
        }
        self.calls = calls;
    }

    fn insert_start(&mut self, t: Tick, id: CallId) {
        let at = self.starts.partition_point(|&(s, _)| s <= t);
        self.starts.insert(at, (t, id));
    }

    fn add_span(&mut self, id: CallId, start: Tick, end: Tick, runtime: Option<Duration>) {
        let b = end.max(start);
        let d = match runtime {
            Some(r) => ns(r.min(MAX_WINDOW)),
            None => b - start,
        };
        let span = Span {
            id,
            a: b.saturating_sub(d),
            b,
            cum: 0,
        };
        self.dmax = self.dmax.max(d);
        let at = self.spans.partition_point(|s| s.b <= b);
        self.spans.insert(at, span);
        self.recum(at);
    }

    /// Recompute running sums from index `from`.
    fn recum(&mut self, from: usize) {
        let mut cum = if from == 0 {
            self.cum_base
        } else {
            self.spans[from - 1].cum
        };
        for s in self.spans.iter_mut().skip(from) {
            cum = cum.wrapping_add((s.b - s.a) as u64);
            s.cum = cum;
        }
    }

    /// Forget what no window can see any more at `t`.
    fn prune(&mut self, t: Tick) {
        let call_keep = self
            .calls
            .iter()
            .map(|w| self.call_len(w))
            .max()
            .unwrap_or(0);
        let run_keep = self
            .limits
            .run_time
            .iter()
            .map(|w| self.run_len(w))
            .max()
            .unwrap_or(0);
        let call_cutoff = t.saturating_sub(call_keep);
        while self.starts.front().is_some_and(|&(s, _)| s < call_cutoff) {
            self.starts.pop_front();
        }
        let run_cutoff = t.saturating_sub(run_keep);
        while let Some(front) = self.spans.front().copied() {
            if front.b >= run_cutoff {
                break;
            }
            self.cum_base = front.cum;
            self.spans.pop_front();
        }
        let timeout = self.timeout();
        let keep = run_cutoff.min(call_cutoff);
        self.in_flight
            .retain(|&(_, s)| s.saturating_add(timeout) >= keep);
        if self.blocked_until.is_some_and(|b| b <= t) {
            self.blocked_until = None;
        }
    }

    // ---- the status bar -------------------------------------------------------------

    /// Usage of every window at `now`, for the status bar.
    pub fn snapshot(&self, now: Instant) -> QuotaSnapshot {
        let mut snap = QuotaSnapshot::unmetered(&self.backend);
        snap.session_calls = self.session_calls;
        if !self.limits.metered {
            return snap;
        }
        snap.metered = true;
        let t = self.tick(now);
        for w in &self.calls {
            let (_, count) = self.calls_in(t, self.call_len(w));
            snap.windows.push(WindowUsage {
                label: format!("calls/{}", window_label(w.window)),
                used: count as f64,
                limit: self.usable_calls(w) as f64,
                is_time: false,
            });
        }
        for w in &self.limits.run_time {
            let len = self.run_len(w);
            let used = self.finished_used(t, len) + self.in_flight_used(t, len);
            snap.windows.push(WindowUsage {
                label: format!("run/{}", window_label(w.window)),
                used: dur(used).as_secs_f64(),
                limit: dur(self.usable_budget(w)).as_secs_f64(),
                is_time: true,
            });
        }
        snap.throttled_for = self.blocked_until.filter(|&b| b > t).map(|b| dur(b - t));
        snap
    }

    /// Everything the ledger knows at `now`, for the details popup (`queued`,
    /// `shared_file` and `warning` are for the worker and the store to fill in).
    pub fn details(&self, now: Instant) -> QuotaDetails {
        let t = self.tick(now);
        let later = |at: Tick| (at > t).then(|| dur(at - t));
        let mut d = QuotaDetails {
            backend: self.backend.clone(),
            metered: self.limits.metered,
            in_flight: self.in_flight.len(),
            session_calls: self.session_calls,
            throttled_for: self.blocked_until.and_then(later),
            last_throttle: self.last_throttle.as_ref().map(|l| ThrottleDetail {
                body: l.body.clone(),
                ago: dur(t - l.at),
                wait: l.wait,
            }),
            query_timeout: self.limits.query_timeout,
            max_rows: self.limits.max_rows,
            lookback: self.limits.lookback,
            skew: self.limits.safety.skew,
            headroom: self.headroom(),
            ..QuotaDetails::default()
        };
        if !self.limits.metered {
            return d;
        }
        for w in &self.calls {
            let len = self.call_len(w);
            let (_, count) = self.calls_in(t, len);
            d.windows.push(WindowDetail {
                label: format!("calls per {}", window_label(w.window)),
                is_time: false,
                used: count as f64,
                usable: self.usable_calls(w) as f64,
                limit: w.limit as f64,
                learned: self.learned.contains(w),
                frees_in: self.nth_leave(t, len, 1).and_then(later),
                blocks_for: later(self.call_free_at(w, t)),
            });
        }
        for w in &self.limits.run_time {
            let len = self.run_len(w);
            let used = self.finished_used(t, len) + self.in_flight_used(t, len);
            let cutoff = t.saturating_sub(len);
            let oldest = self
                .spans
                .iter()
                .filter(|s| s.b >= cutoff)
                .map(|s| s.a.max(cutoff))
                .chain(self.in_flight.iter().map(|&(_, s)| s.max(cutoff)))
                .min();
            d.windows.push(WindowDetail {
                label: format!("run time per {}", window_label(w.window)),
                is_time: true,
                used: dur(used).as_secs_f64(),
                usable: dur(self.usable_budget(w)).as_secs_f64(),
                limit: w.budget.as_secs_f64(),
                learned: false,
                frees_in: oldest
                    .filter(|_| used > 0)
                    .map(|a| a.saturating_add(len))
                    .and_then(later),
                blocks_for: later(self.run_free_at(w, t)),
            });
        }
        d
    }

    // ---- sharing between processes (store.rs) --------------------------------------

    pub(super) fn export(&self) -> Shared {
        let mut records: HashMap<CallId, Record> = HashMap::new();
        let blank = |id| Record {
            id,
            start: None,
            span: None,
            in_flight: false,
        };
        for &(s, id) in &self.starts {
            records.entry(id).or_insert_with(|| blank(id)).start = Some(s);
        }
        for &(id, s) in &self.in_flight {
            let r = records.entry(id).or_insert_with(|| blank(id));
            r.start = Some(s);
            r.in_flight = true;
        }
        for sp in &self.spans {
            records.entry(sp.id).or_insert_with(|| blank(sp.id)).span = Some((sp.a, sp.b));
        }
        let mut records: Vec<Record> = records.into_values().collect();
        records.sort_by_key(|r| (r.start.or(r.span.map(|s| s.0)), r.id));
        Shared {
            records,
            blocked_until: self.blocked_until,
            strikes: self.strikes,
            last_429: self.last_429,
            learned: self.learned.clone(),
            last_throttle: self.last_throttle.clone(),
        }
    }

    /// Merge another process's view into ours (union of calls; the later, longer or
    /// stricter of everything else), then forget what is out of every window at `t`.
    pub(super) fn absorb(&mut self, other: Shared, t: Tick) {
        let mine = self.export();
        let mut merged: HashMap<CallId, Record> =
            mine.records.into_iter().map(|r| (r.id, r)).collect();
        for r in other.records {
            match merged.get_mut(&r.id) {
                None => {
                    merged.insert(r.id, r);
                }
                Some(m) => {
                    // A copy that saw the call end knows its answer mark; a copy that
                    // still has it in flight is stale.
                    m.start = match (m.start, r.start) {
                        (Some(a), Some(b)) if m.in_flight == r.in_flight => Some(a.min(b)),
                        (Some(_), Some(b)) if m.in_flight => Some(b),
                        (a, b) => a.or(b),
                    };
                    m.span = match (m.span, r.span) {
                        (Some(x), Some(y)) => Some(if y.1 - y.0 > x.1 - x.0 { y } else { x }),
                        (x, y) => x.or(y),
                    };
                    m.in_flight = m.span.is_none() && m.in_flight && r.in_flight;
                }
            }
        }
        self.blocked_until = mine.blocked_until.max(other.blocked_until);
        self.strikes = mine.strikes.max(other.strikes);
        self.last_429 = mine.last_429.max(other.last_429);
        self.last_throttle = match (mine.last_throttle, other.last_throttle) {
            (Some(a), Some(b)) => Some(if b.at > a.at { b } else { a }),
            (a, b) => a.or(b),
        };
        for w in other.learned {
            if w.limit == 0 || w.window.is_zero() || w.window > MAX_LEARNED_WINDOW {
                continue;
            }
            match self.learned.iter_mut().find(|l| l.window == w.window) {
                Some(l) => l.limit = l.limit.min(w.limit),
                None => self.learned.push(w),
            }
        }
        self.merge_call_windows();
        self.rebuild(merged.into_values());
        self.prune(t);
    }

    fn rebuild(&mut self, records: impl Iterator<Item = Record>) {
        self.starts.clear();
        self.spans.clear();
        self.in_flight.clear();
        self.cum_base = 0;
        self.dmax = 0;
        for r in records {
            if let Some(s) = r.start {
                self.starts.push_back((s, r.id));
            }
            if let Some((a, b)) = r.span {
                let (a, b) = (a.min(b), b);
                self.dmax = self.dmax.max(b - a);
                self.spans.push_back(Span {
                    id: r.id,
                    a,
                    b,
                    cum: 0,
                });
            } else if let (true, Some(s)) = (r.in_flight, r.start) {
                self.in_flight.push((r.id, s));
            }
        }
        self.starts.make_contiguous().sort_unstable();
        self.spans
            .make_contiguous()
            .sort_unstable_by_key(|s| (s.b, s.id));
        self.recum(0);
    }
}

/// Calls of a limit we allow ourselves: `limit − round(limit·headroom)`, at least one (and
/// none of a limit of 0). Rounded to the nearest call, so 2% holds back one of 45 but none
/// of 10, where a whole call would be 10% of the budget. Headroom 0 uses the whole limit.
pub fn usable_calls(limit: u32, headroom: f64) -> u32 {
    if limit == 0 {
        return 0;
    }
    let spare = (limit as f64 * headroom).round() as u32;
    limit.saturating_sub(spare).max(1)
}

/// Length of `[a, b] ∩ [lo, hi]`.
fn overlap(a: Tick, b: Tick, lo: Tick, hi: Tick) -> Tick {
    (b.min(hi) - a.max(lo)).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendKind;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn graph() -> Limits {
        Limits::for_backend(BackendKind::Graph)
    }

    fn only_calls(limit: u32, window: u64) -> Limits {
        let mut l = graph();
        l.calls = vec![CallWindow {
            limit,
            window: S(window),
        }];
        l.run_time.clear();
        l
    }

    /// One run-time budget of `budget` s per `window` s, no call limits, no safety margins.
    fn only_run_time(budget: u64, window: u64) -> Limits {
        let mut l = graph();
        l.calls.clear();
        l.run_time = vec![RunWindow {
            budget: S(budget),
            window: S(window),
        }];
        l.safety.headroom = 0.0;
        l.safety.skew = Duration::ZERO;
        l
    }

    #[test]
    fn usable_calls_hold_back_the_headroom() {
        assert_eq!(usable_calls(45, 0.02), 44);
        assert_eq!(usable_calls(1500, 0.02), 1470);
        assert_eq!(usable_calls(10, 0.02), 10, "a whole call would be 10%");
        assert_eq!(usable_calls(25, 0.02), 24);
        assert_eq!(usable_calls(2, 0.02), 2);
        assert_eq!(usable_calls(1, 0.02), 1);
        assert_eq!(usable_calls(0, 0.02), 0);
        assert_eq!(usable_calls(100, 0.0), 100, "headroom 0 uses every call");
        assert_eq!(usable_calls(u32::MAX, 0.5), u32::MAX / 2);
    }

    #[test]
    fn a_finished_call_counts_from_its_answer_and_a_running_one_holds_its_slot() {
        let t0 = Instant::now();
        let mut limits = only_calls(1, 60);
        limits.safety.skew = Duration::ZERO;
        let mut l = Ledger::new(limits);
        // Sent at 0, answered at 20: the service counted it somewhere in [0, 20], so the
        // next call waits until 60 s after the answer, not after the send.
        let a = l.begin_call(t0);
        l.end_call(&a, t0 + S(20), None);
        assert_eq!(l.admit(t0 + S(61)), Admission::At(t0 + S(80) + ns_dur(1)));
        assert_eq!(l.admit(t0 + S(81)), Admission::Now);
        // A call still running after a whole window keeps its slot until it ends.
        let b = l.begin_call(t0 + S(81));
        assert!(matches!(l.admit(t0 + S(200)), Admission::At(_)));
        l.end_call(&b, t0 + S(200), None);
        assert_eq!(l.admit(t0 + S(250)), Admission::At(t0 + S(260) + ns_dur(1)));
        // Snapshots and details agree.
        assert_eq!(l.snapshot(t0 + S(250)).windows[0].used, 1.0);
        assert_eq!(
            l.details(t0 + S(250)).windows[0].frees_in,
            Some(S(10) + ns_dur(1))
        );
    }

    fn ns_dur(n: u64) -> Duration {
        Duration::from_nanos(n)
    }

    #[test]
    fn a_fresh_ledger_admits_and_a_full_window_waits_for_its_oldest_call() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_calls(5, 10));
        for i in 0..5 {
            assert_eq!(l.admit(t0 + S(i)), Admission::Now);
            l.record_call(t0 + S(i) - S(1).min(S(i)), t0 + S(i), None);
        }
        // Five of five used: the next waits for the oldest answer (at 0) to leave.
        let now = t0 + S(4);
        let free = t0 + S(10) + S(1) + Duration::from_nanos(1);
        assert_eq!(l.admit(now), Admission::At(free));
        assert_eq!(l.admit(free), Admission::Now);
        assert_eq!(
            l.admit(free - Duration::from_nanos(1)),
            Admission::At(free),
            "closed window: a call exactly window+skew old still counts"
        );
    }

    #[test]
    fn an_end_reported_ahead_of_the_clock_forgets_nothing() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_calls(3, 60));
        l.record_call(t0, t0, None);
        let tk = l.begin_call(t0 + S(30));
        l.end_call(&tk, t0 + S(300), None);
        l.record_call(t0 + S(31), t0 + S(32), None);
        // At 40 all three calls are inside the minute.
        assert!(matches!(l.admit(t0 + S(40)), Admission::At(_)));
    }

    #[test]
    fn zero_limits_are_refused_and_local_is_unmetered() {
        let t0 = Instant::now();
        let l = Ledger::new(only_calls(0, 60));
        assert!(matches!(
            l.admit(t0),
            Admission::Refused(Refusal::NoBudget { .. })
        ));
        let mut limits = graph();
        limits.run_time[0].budget = Duration::ZERO;
        let l = Ledger::new(limits);
        let Admission::Refused(why) = l.admit(t0) else {
            panic!("admitted")
        };
        assert!(why.to_string().contains("allows no queries"), "{why}");
        let mut local = Ledger::new(Limits::for_backend(BackendKind::Local));
        for _ in 0..1000 {
            local.record_call(t0, t0, None);
        }
        assert_eq!(local.admit(t0), Admission::Now);
        let snap = local.snapshot(t0);
        assert!(!snap.metered && snap.windows.is_empty());
    }

    #[test]
    fn a_wait_beyond_the_horizon_is_refused_with_when() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_calls(3, 3600));
        for _ in 0..3 {
            l.record_call(t0, t0, None);
        }
        let Admission::Refused(why) = l.admit(t0 + S(60)) else {
            panic!("not refused")
        };
        let Refusal::Exhausted { wait, limiter, .. } = &why else {
            panic!("{why:?}")
        };
        assert_eq!(*wait, S(3600 + 1 - 60) + Duration::from_nanos(1));
        assert!(matches!(limiter, Limiter::Calls(_)));
        assert!(
            why.to_string().contains("is spent for another 59m2s"),
            "{why}"
        );
    }

    #[test]
    fn in_flight_calls_count_at_once() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_calls(2, 60));
        let a = l.begin_call(t0);
        let _b = l.begin_call(t0);
        assert!(matches!(l.admit(t0), Admission::At(_)));
        l.end_call(&a, t0 + S(5), Some(S(2)));
        l.end_call(&a, t0 + S(6), Some(S(2)));
        assert_eq!(l.in_flight(), 1);
        assert!(
            matches!(l.admit(t0 + S(6)), Admission::At(_)),
            "ending frees no call"
        );
        assert_eq!(l.session_calls(), 2);
    }

    #[test]
    fn run_time_windows_sum_overlaps_and_prefer_the_service_figure() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_run_time(100, 60));
        // 30 s elapsed but the service says it ran 20 s.
        l.record_call(t0, t0 + S(30), Some(S(20)));
        // 40 s elapsed, no figure: 40 s.
        l.record_call(t0 + S(30), t0 + S(70), None);
        let used = |l: &Ledger, at: u64| l.snapshot(t0 + S(at)).windows[0].used;
        assert_eq!(used(&l, 70), 20.0 + 40.0);
        // At 80 the window is [20, 80]: span [10,30] overlaps 10 s, [30,70] all 40.
        assert_eq!(used(&l, 80), 50.0);
        assert_eq!(used(&l, 200), 0.0);
        // In flight: counted up to now, capped at the query timeout (3 min).
        let tk = l.begin_call(t0 + S(300));
        assert_eq!(used(&l, 310), 10.0);
        assert_eq!(l.snapshot(t0 + S(600)).windows[0].used, 0.0);
        assert_eq!(used(&l, 300 + 180 + 30), 30.0, "capped at the timeout");
        l.end_call(&tk, t0 + S(320), Some(S(15)));
        assert_eq!(used(&l, 320), 15.0);
    }

    #[test]
    fn run_time_admission_waits_until_spans_slide_out() {
        let t0 = Instant::now();
        let mut l = Ledger::new(only_run_time(30, 60));
        l.record_call(t0, t0 + S(20), None);
        // used 20 + reserve min(mean 20, budget/10 = 3) = 23 ≤ 30.
        assert_eq!(l.admit(t0 + S(20)), Admission::Now);
        l.record_call(t0 + S(20), t0 + S(30), None);
        // used 30 + 3 > 30. For t in [60, 80]: (80 − t) + 10 ≤ 27 ⇔ t ≥ 63.
        assert_eq!(l.admit(t0 + S(30)), Admission::At(t0 + S(63)));
        assert_eq!(l.admit(t0 + S(63)), Admission::Now);
        // A call in flight grows as the old spans slide out: 27 + 3 still fits at 90 …
        let tk = l.begin_call(t0 + S(63));
        for at in [70, 80, 85, 90] {
            assert_eq!(l.admit(t0 + S(at)), Admission::Now, "at {at}");
        }
        // … but not at 91, and only its end (at the latest, the query timeout) frees room.
        assert_eq!(l.admit(t0 + S(91)), Admission::At(t0 + S(63 + 180)));
        l.end_call(&tk, t0 + S(92), Some(S(20)));
        // Finished span [72, 92] → 20 + reserve 3 ≤ 30.
        assert_eq!(l.admit(t0 + S(92)), Admission::Now);
    }

    #[test]
    fn throttled_blocks_for_the_announced_wait_plus_skew() {
        let t0 = Instant::now();
        let mut l = Ledger::new(graph());
        let out = l.throttled(
            t0,
            Some(S(10)),
            r#"{"error":{"code":"TooManyRequests","message":"Please retry again later."}}"#,
        );
        assert!(out.announced);
        assert_eq!(out.wait, S(11));
        assert_eq!(l.admit(t0 + S(5)), Admission::At(t0 + S(11)));
        assert_eq!(l.admit(t0 + S(11)), Admission::Now);
        assert_eq!(l.snapshot(t0 + S(5)).throttled_for, Some(S(6)));
        assert!(l.last_throttle().unwrap().body.contains("TooManyRequests"));
    }

    #[test]
    fn cpu_429_blocks_until_then_and_long_ones_are_refused() {
        let t0 = Instant::now();
        let mut l = Ledger::new(graph());
        l.throttled(
            t0,
            None,
            "You have exceeded processing resources allocated to this tenant. You can run queries again in 00:07:12.",
        );
        assert_eq!(l.admit(t0), Admission::At(t0 + S(433)));
        l.throttled(t0, None, "You can run queries again in 01:00:00.");
        let Admission::Refused(why) = l.admit(t0) else {
            panic!("not refused")
        };
        assert!(
            why.to_string()
                .contains("throttling the tenant for another 1h1s"),
            "{why}"
        );
    }

    #[test]
    fn a_429_teaches_a_stricter_or_new_call_limit() {
        let t0 = Instant::now();
        let mut l = Ledger::new(graph());
        let body = |n: u32, w: &str| {
            format!(
                r#"{{"error":{{"code":"429","message":"API calls quota exceeded! maximum allowed {n} per {w}","target":"x"}}}}"#
            )
        };
        let out = l.throttled(t0, None, &body(30, "00:01:00"));
        assert_eq!(
            out.learned,
            Some(CallWindow {
                limit: 30,
                window: S(60)
            })
        );
        assert!(!out.announced);
        assert!(l.call_windows().contains(&CallWindow {
            limit: 30,
            window: S(60)
        }));
        // Not stricter: ignored.
        assert_eq!(l.throttled(t0, None, &body(45, "00:01:00")).learned, None);
        // Unknown window: added.
        let out = l.throttled(t0, None, &body(5000, "1.00:00:00"));
        assert_eq!(
            out.learned,
            Some(CallWindow {
                limit: 5000,
                window: S(86_400)
            })
        );
        assert_eq!(l.call_windows().len(), 3);
        assert_eq!(l.snapshot(t0).windows[2].label, "calls/d");
        // Not believed: a limit of 0, a window over a day.
        assert_eq!(l.throttled(t0, None, &body(0, "00:01:00")).learned, None);
        assert_eq!(l.throttled(t0, None, &body(1, "2.00:00:00")).learned, None);
        assert_eq!(l.call_windows().len(), 3);
    }

    #[test]
    fn silent_429s_back_off_exponentially_with_jitter() {
        let t0 = Instant::now();
        let mut l = Ledger::new(graph());
        let mut waits = Vec::new();
        let mut now = t0;
        for _ in 0..12 {
            let out = l.throttled(now, None, "");
            assert!(!out.announced);
            waits.push(out.wait);
            now = out.until;
        }
        for (k, w) in waits.iter().enumerate() {
            let nominal = S(2).saturating_mul(1 << k).min(S(300));
            assert!(
                *w >= nominal / 2 && *w <= nominal,
                "strike {} waited {w:?}",
                k + 1
            );
        }
        // A quiet spell resets the count.
        let out = l.throttled(now + S(3600), None, "");
        assert!(out.wait <= S(2));
    }

    #[test]
    fn snapshot_shows_every_window() {
        let t0 = Instant::now();
        let mut l = Ledger::new(graph());
        l.set_backend("graph");
        l.record_call(t0, t0 + S(4), Some(S(3)));
        let s = l.snapshot(t0 + S(4));
        assert_eq!(s.backend, "graph");
        assert!(s.metered);
        let labels: Vec<&str> = s.windows.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(labels, ["calls/min", "calls/h", "run/h", "run/d"]);
        // The figure shown is what the ledger will use: one call and 2% of the run time
        // are held back.
        assert_eq!((s.windows[0].used, s.windows[0].limit), (1.0, 44.0));
        assert_eq!((s.windows[2].used, s.windows[2].limit), (3.0, 588.0));
        assert!(s.windows[2].is_time && !s.windows[0].is_time);
        assert_eq!(s.session_calls, 1);
        assert_eq!(s.throttled_for, None);
    }

    #[test]
    fn export_and_absorb_round_trip_and_union() {
        let t0 = Instant::now();
        let mut a = Ledger::with_seed(graph(), 1);
        let mut b = Ledger::with_seed(graph(), 2);
        a.record_call(t0, t0 + S(2), None);
        let tk = a.begin_call(t0 + S(3));
        b.record_call(t0 + S(1), t0 + S(5), Some(S(1)));
        b.throttled(t0 + S(5), Some(S(20)), "x");
        // Different origins: go through instants, as the store does through wall time.
        let shift = b.tick(t0) - a.tick(t0);
        let mut shared = a.export();
        for r in &mut shared.records {
            r.start = r.start.map(|s| s + shift);
            r.span = r.span.map(|(x, y)| (x + shift, y + shift));
        }
        b.absorb(shared, b.tick(t0 + S(6)));
        let s = b.snapshot(t0 + S(6));
        assert_eq!(s.windows[0].used, 3.0);
        assert_eq!(s.windows[2].used, 2.0 + 1.0 + 3.0);
        a.end_call(&tk, t0 + S(7), None);
        let mut again = a.export();
        for r in &mut again.records {
            r.start = r.start.map(|s| s + shift);
            r.span = r.span.map(|(x, y)| (x + shift, y + shift));
        }
        b.absorb(again, b.tick(t0 + S(7)));
        assert_eq!(b.in_flight(), 0);
        assert_eq!(b.snapshot(t0 + S(7)).windows[2].used, 2.0 + 1.0 + 4.0);
        assert!(b.blocked_until(t0 + S(7)).is_some());
    }
}
