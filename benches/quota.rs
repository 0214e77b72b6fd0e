//! Quota ledger costs on a loaded ledger (45/min + 1,500/h calls, 10 min/h + 3 h/day run
//! time, a day of traffic held): admission decisions per second when there is room, when a
//! call window binds, and when a run-time window binds (the bisection path); the status
//! bar snapshot; and the shared store's read-only and locked read-merge-write paths.
//! Run: `cargo bench --bench quota`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kqlhunt::backend::BackendKind;
use kqlhunt::quota::{Admission, Clock, FakeClock, Ledger, Limits, Store};

const S: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

/// A day of steady traffic: a call every 2.9 s running 0.3 s (≈1,240 calls in the last
/// hour, ≈29,800 run spans in the last day), all windows below their limits.
fn loaded(t0: Instant) -> (Ledger, Instant) {
    let mut l = Ledger::new(Limits::for_backend(BackendKind::Graph));
    let mut t = t0;
    let end = t0 + S(86_400);
    while t < end {
        l.record_call(t, t + MS(300), Some(MS(300)));
        t += MS(2_900);
    }
    (l, t)
}

fn admission(c: &mut Criterion) {
    let t0 = Instant::now();
    let (room, now) = loaded(t0);
    assert_eq!(room.admit(now), Admission::Now);

    let mut calls_bind = room.clone();
    for i in 0..44 {
        calls_bind.record_call(now + MS(i * 10), now + MS(i * 10 + 5), None);
    }
    let later = now + MS(500);
    assert!(matches!(calls_bind.admit(later), Admission::At(_)));

    let mut run_binds = room.clone();
    run_binds.record_call(now, now + S(240), None);
    let run_now = now + S(240);
    assert!(matches!(run_binds.admit(run_now), Admission::At(_)));

    let mut g = c.benchmark_group("quota_admit");
    g.throughput(Throughput::Elements(1));
    g.bench_function("room", |b| b.iter(|| black_box(room.admit(black_box(now)))));
    g.bench_function("call_window_full", |b| {
        b.iter(|| black_box(calls_bind.admit(black_box(later))))
    });
    g.bench_function("run_window_full", |b| {
        b.iter(|| black_box(run_binds.admit(black_box(run_now))))
    });
    g.finish();

    let mut g = c.benchmark_group("quota_ledger");
    g.bench_function("snapshot", |b| {
        b.iter(|| black_box(room.snapshot(black_box(now))))
    });
    g.bench_function("begin_end_call", |b| {
        let mut l = room.clone();
        let mut t = now;
        b.iter(|| {
            t += MS(2_900);
            let tk = l.begin_call(t);
            l.end_call(&tk, t + MS(300), Some(MS(300)));
        })
    });
    g.finish();
}

fn store(c: &mut Criterion) {
    let root = std::env::temp_dir().join(format!("kqlhunt-bench-quota-{}", std::process::id()));
    let path = root.join("quota").join("bench-graph.json");
    let clock = FakeClock::new();
    let mut s = Store::open_at(
        path,
        BackendKind::Graph,
        Limits::for_backend(BackendKind::Graph),
        clock.clone(),
    );
    // An hour of traffic in the file (≈1,240 calls).
    for _ in 0..1_240 {
        let tk = s.begin_call(clock.now()).expect("room");
        clock.advance(MS(300));
        s.end_call(&tk, clock.now(), None);
        clock.advance(MS(2_600));
    }
    let mut g = c.benchmark_group("quota_store");
    g.sample_size(20);
    g.bench_function("admit_unchanged_file", |b| {
        b.iter(|| black_box(s.admit(clock.now())))
    });
    g.bench_function("begin_end_call_locked", |b| {
        b.iter(|| {
            clock.advance(MS(2_900));
            let tk = s.begin_call(clock.now()).expect("room");
            s.end_call(&tk, clock.now() + MS(300), None);
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(root);
}

criterion_group!(benches, admission, store);
criterion_main!(benches);
