//! The quota file shared between kqlhunt processes: two (or more) `Store` handles on one
//! file stand in for tmux panes. They must spend one budget between them, stop together
//! on a 429, and never both take the last call, even when racing on real threads.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use kqlhunt::backend::BackendKind;
use kqlhunt::config::Paths;
use kqlhunt::quota::ledger::usable_calls;
use kqlhunt::quota::throttle::SplitMix64;
use kqlhunt::quota::{Admission, CallWindow, Clock, FakeClock, Limits, Store, SystemClock};

const S: fn(u64) -> Duration = Duration::from_secs;

struct TempRoot(PathBuf);

impl TempRoot {
    fn new(name: &str) -> TempRoot {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "kqlhunt-quota-{name}-{}-{nanos}",
            std::process::id()
        ));
        TempRoot(root)
    }

    fn path(&self) -> PathBuf {
        Store::path_for(
            &Paths::under(&self.0),
            "contoso.onmicrosoft.com",
            BackendKind::Graph,
        )
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn limits(per_minute: u32) -> Limits {
    let mut l = Limits::for_backend(BackendKind::Graph);
    l.calls = vec![CallWindow {
        limit: per_minute,
        window: S(60),
    }];
    l
}

#[test]
fn two_handles_share_one_budget() {
    let root = TempRoot::new("share");
    let clock = FakeClock::new();
    let open = || Store::open_at(root.path(), BackendKind::Graph, limits(45), clock.clone());
    let (mut a, mut b) = (open(), open());
    // Pane A spends 30 calls.
    for _ in 0..30 {
        let t = a.begin_call(clock.now()).expect("A admitted");
        a.end_call(&t, clock.now(), Some(Duration::from_millis(100)));
    }
    // Pane B sees them: it gets only what is left (44 usable of 45).
    let mut b_calls = 0;
    while let Ok(t) = b.begin_call(clock.now()) {
        b.end_call(&t, clock.now(), None);
        b_calls += 1;
        assert!(b_calls <= 45, "B never stops");
    }
    assert_eq!(b_calls, 44 - 30);
    assert!(matches!(a.admit(clock.now()), Admission::At(_)));
    let snap = b.snapshot(clock.now());
    assert_eq!(snap.windows[0].used, 44.0);
    assert_eq!(snap.session_calls, 14, "session counts are per process");
    // A minute (and the skew) later both may go again.
    clock.advance(S(62));
    assert_eq!(a.admit(clock.now()), Admission::Now);
    assert_eq!(b.admit(clock.now()), Admission::Now);
    assert_eq!(a.warning(), None);
    assert_eq!(b.warning(), None);
}

#[test]
fn a_429_seen_by_one_stops_all() {
    let root = TempRoot::new("429");
    let clock = FakeClock::new();
    let open = || Store::open_at(root.path(), BackendKind::Graph, limits(45), clock.clone());
    let (mut a, mut b, mut c) = (open(), open(), open());
    let t = a.begin_call(clock.now()).unwrap();
    a.end_call(&t, clock.now(), Some(Duration::ZERO));
    let out = a.throttled(
        clock.now(),
        None,
        r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 10 per 00:01:00 You can send requests again in 20 seconds.","target":"x"}}"#,
    );
    assert_eq!(out.wait, S(21));
    for s in [&mut b, &mut c] {
        assert_eq!(s.admit(clock.now()), Admission::At(out.until));
        assert!(s.begin_call(clock.now()).is_err());
        assert_eq!(s.snapshot(clock.now()).throttled_for, Some(S(21)));
        // The learned limit reached every pane too.
        assert!(s.ledger().call_windows().contains(&CallWindow {
            limit: 10,
            window: S(60)
        }));
        assert!(
            s.ledger()
                .last_throttle()
                .unwrap()
                .body
                .contains("maximum allowed 10")
        );
    }
    clock.advance(S(21));
    assert!(b.begin_call(clock.now()).is_ok());
    // The usable ones of the learned 10, one spent by A and one by B.
    let mut more = 0;
    while c.begin_call(clock.now()).is_ok() {
        more += 1;
    }
    assert_eq!(more, usable_calls(10, 0.02) as usize - 2);
}

#[test]
fn random_traffic_from_two_panes_never_exceeds_a_window() {
    for seed in 0..8u64 {
        let root = TempRoot::new("random");
        let clock = FakeClock::new();
        let mut stores: Vec<_> = (0..2)
            .map(|_| Store::open_at(root.path(), BackendKind::Graph, limits(12), clock.clone()))
            .collect();
        let mut rng = SplitMix64(seed);
        let mut sends = Vec::new();
        let start = clock.now();
        while clock.now() - start < S(15 * 60) {
            let who = (rng.next_u64() % 2) as usize;
            if let Ok(t) = stores[who].begin_call(clock.now()) {
                sends.push(clock.now() - start);
                let run = Duration::from_millis(rng.next_u64() % 2000);
                stores[who].end_call(&t, clock.now() + run, None);
            }
            clock.advance(Duration::from_millis(rng.next_u64() % 4000));
        }
        let mut lo = 0;
        for hi in 0..sends.len() {
            while sends[lo] + S(60) < sends[hi] {
                lo += 1;
            }
            assert!(
                hi + 1 - lo <= usable_calls(12, 0.02) as usize,
                "seed {seed}: {} calls in a minute",
                hi + 1 - lo
            );
        }
        assert!(sends.len() > 100, "seed {seed}: only {} calls", sends.len());
    }
}

/// Real threads, real clock, real locks: 4 "processes" race for 20 calls an hour; together
/// they get exactly the usable ones.
#[test]
fn racing_threads_never_take_the_same_last_call() {
    let root = TempRoot::new("race");
    let path = root.path();
    let threads = 4;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut l = limits(20);
                l.calls[0].window = S(3600);
                let mut store = Store::open_at(path, BackendKind::Graph, l, SystemClock);
                barrier.wait();
                let mut got = 0;
                for _ in 0..20 {
                    if let Ok(t) = store.begin_call(SystemClock.now()) {
                        got += 1;
                        store.end_call(&t, SystemClock.now(), None);
                    }
                }
                assert_eq!(store.warning(), None);
                got
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, usable_calls(20, 0.02) as usize);
}

#[test]
fn the_file_holds_wall_clock_times() {
    let root = TempRoot::new("wall");
    let wall = SystemTime::UNIX_EPOCH + S(1_700_000_000);
    let clock = FakeClock::starting_at(wall);
    let mut s = Store::open_at(root.path(), BackendKind::Graph, limits(45), clock.clone());
    clock.advance(S(10));
    s.record_call(clock.now(), clock.now() + S(3), None);
    let text = std::fs::read_to_string(root.path()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    // A finished call sits in the call windows at its answer.
    assert_eq!(v["calls"][0]["start"], 1_700_000_013_000_000_000i64);
    assert_eq!(
        v["calls"][0]["ran"],
        serde_json::json!([1_700_000_010_000_000_000i64, 1_700_000_013_000_000_000i64])
    );
    // A second clock whose Instants are unrelated but whose wall time agrees reads the
    // same call at the same wall-clock moment.
    let other = FakeClock::starting_at(wall + S(20));
    let mut t = Store::open_at(root.path(), BackendKind::Graph, limits(45), other.clone());
    let snap = t.snapshot(other.now());
    assert_eq!(snap.windows[0].used, 1.0);
    assert_eq!(snap.windows[2].used, 3.0);
    other.advance(S(52));
    assert_eq!(
        t.snapshot(other.now()).windows[0].used,
        1.0,
        "still in at 72 s"
    );
    other.advance(S(3));
    assert_eq!(
        t.snapshot(other.now()).windows[0].used,
        0.0,
        "out at 13 + 60 + 1 s"
    );
}
