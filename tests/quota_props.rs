//! Property tests for the quota ledger: hours of simulated traffic on a fake clock (never
//! a sleep) with random arrivals, parallelism, service run times and 429s. Invariants: a
//! caller that sends only when `admit` says `Now` never puts more calls in any sliding
//! window than the limit (checked against a naive count), never starts a query while a
//! run-time window is spent, and under saturating demand uses ≥ 90% of the allowed rate.
//! The parsers never panic on any input.

use std::time::{Duration, Instant};

use kqlhunt::backend::BackendKind;
use kqlhunt::quota::ledger::usable_calls;
use kqlhunt::quota::limits::{parse_call_window, parse_duration, parse_run_window};
use kqlhunt::quota::throttle::{SplitMix64, interpret};
use kqlhunt::quota::{
    Admission, CallTicket, CallWindow, Ledger, Limits, Preset, Refusal, RunWindow,
    parse_retry_after,
};
use proptest::prelude::*;

const S: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

/// How the simulated analysts behave.
#[derive(Clone, Debug)]
struct Traffic {
    /// Mean time between queries; `None` means there is always one waiting.
    mean_gap: Option<Duration>,
    max_parallel: usize,
    /// Service run time is drawn from [min, max].
    run: (Duration, Duration),
    /// Network latency added to the elapsed time, drawn from [0, max].
    latency: Duration,
    /// Chance that a call comes back 429 instead of a result.
    p429: f64,
    length: Duration,
}

#[derive(Debug, Default)]
struct Outcome {
    /// Send times, in order.
    sends: Vec<Duration>,
    /// Run spans as the service would count them: (from, to).
    spans: Vec<(Duration, Duration)>,
    /// Run time inside each run window at each send (naive count), per window.
    run_at_send: Vec<Vec<Duration>>,
    throttles: usize,
    admits: usize,
}

struct Flying {
    ticket: CallTicket,
    start: Duration,
    end: Duration,
    run: Duration,
    throttled: bool,
}

fn between(rng: &mut SplitMix64, lo: Duration, hi: Duration) -> Duration {
    lo + (hi.saturating_sub(lo)).mul_f64(rng.next_f64())
}

/// Drive a ledger through `traffic`; every send happens only on `Admission::Now`.
fn simulate(limits: &Limits, traffic: &Traffic, seed: u64) -> Outcome {
    let t0 = Instant::now();
    let at = |d: Duration| t0 + d;
    let mut ledger = Ledger::with_seed(limits.clone(), seed);
    let mut rng = SplitMix64(seed ^ 0x5eed);
    let mut out = Outcome {
        run_at_send: vec![Vec::new(); limits.run_time.len()],
        ..Outcome::default()
    };
    let mut now = Duration::ZERO;
    let mut pending = 0u64;
    let mut next_arrival = Duration::ZERO;
    let mut flying: Vec<Flying> = Vec::new();
    let never = traffic.length + S(1);
    while now < traffic.length {
        // Arrivals.
        match traffic.mean_gap {
            None => pending = u64::MAX,
            Some(gap) => {
                while next_arrival <= now {
                    pending += 1;
                    let u = rng.next_f64().max(1e-12);
                    next_arrival += gap.mul_f64(-u.ln()).max(MS(1));
                }
            }
        }
        // Completions.
        let mut i = 0;
        while i < flying.len() {
            if flying[i].end <= now {
                let f = flying.swap_remove(i);
                if f.throttled {
                    ledger.end_call(&f.ticket, at(f.end), Some(Duration::ZERO));
                    out.spans.push((f.end, f.end));
                    let body = match rng.next_u64() % 4 {
                        0 => String::new(),
                        1 => "You can send requests again in 3 seconds.".to_string(),
                        2 => r#"{"error":{"code":"TooManyRequests","message":"Please retry again later."}}"#.to_string(),
                        _ => "You can run queries again in 00:00:20.".to_string(),
                    };
                    let retry = rng
                        .next_u64()
                        .is_multiple_of(2)
                        .then(|| MS(rng.next_u64() % 5000));
                    ledger.throttled(at(f.end), retry, &body);
                    out.throttles += 1;
                    pending = pending.saturating_add(1); // requeued
                } else {
                    // Half the time the service reports its own figure.
                    let (figure, span) = if rng.next_u64().is_multiple_of(2) {
                        (Some(f.run), (f.end - f.run, f.end))
                    } else {
                        (None, (f.start, f.end))
                    };
                    ledger.end_call(&f.ticket, at(f.end), figure);
                    out.spans.push(span);
                }
            } else {
                i += 1;
            }
        }
        // Admission.
        let mut wake = never;
        while pending > 0 && flying.len() < traffic.max_parallel {
            out.admits += 1;
            match ledger.admit(at(now)) {
                Admission::Now => {
                    for (w, window) in limits.run_time.iter().enumerate() {
                        let used = naive_run(
                            &out.spans,
                            &flying,
                            now,
                            window.window,
                            limits.query_timeout,
                        );
                        out.run_at_send[w].push(used);
                    }
                    let ticket = ledger.begin_call(at(now));
                    let run = between(&mut rng, traffic.run.0, traffic.run.1);
                    let end = now + run + between(&mut rng, Duration::ZERO, traffic.latency);
                    let throttled = rng.next_f64() < traffic.p429;
                    flying.push(Flying {
                        ticket,
                        start: now,
                        end: if throttled { now + MS(50) } else { end },
                        run,
                        throttled,
                    });
                    out.sends.push(now);
                    pending -= 1;
                }
                Admission::At(t) => {
                    assert!(t > at(now), "At must lie in the future");
                    wake = wake.min(t - t0);
                    break;
                }
                Admission::Refused(Refusal::Exhausted { at: t, .. }) => {
                    // The analyst is told to come back then, and does.
                    assert!(t > at(now));
                    wake = wake.min(t - t0);
                    break;
                }
                Admission::Refused(why) => panic!("refused: {why}"),
            }
        }
        let next_end = flying.iter().map(|f| f.end).min().unwrap_or(never);
        wake = wake.min(next_end);
        if traffic.mean_gap.is_some() {
            wake = wake.min(next_arrival);
        }
        // A call that takes no time ends now: handle it before moving on.
        assert!(wake > now || next_end == now);
        now = wake;
    }
    out
}

/// Run time inside [now − window, now], counted the slow, obvious way.
fn naive_run(
    spans: &[(Duration, Duration)],
    flying: &[Flying],
    now: Duration,
    window: Duration,
    timeout: Duration,
) -> Duration {
    let lo = now.saturating_sub(window);
    let overlap = |a: Duration, b: Duration| b.min(now).saturating_sub(a.max(lo));
    let done: Duration = spans.iter().map(|&(a, b)| overlap(a, b)).sum();
    let running: Duration = flying
        .iter()
        .filter(|f| !f.throttled)
        .map(|f| overlap(f.start, now.min(f.start + timeout)))
        .sum();
    done + running
}

/// The largest number of sends in any closed window `[s − window, s]`.
fn max_in_window(sends: &[Duration], window: Duration) -> usize {
    let (mut lo, mut best) = (0, 0);
    for (hi, &s) in sends.iter().enumerate() {
        while sends[lo] + window < s {
            lo += 1;
        }
        best = best.max(hi + 1 - lo);
    }
    best
}

fn check_invariants(limits: &Limits, out: &Outcome) -> Result<(), TestCaseError> {
    for w in &limits.calls {
        let most = max_in_window(&out.sends, w.window);
        prop_assert!(
            most <= w.limit as usize,
            "{} sends in a window of {w}",
            most
        );
        prop_assert!(most <= usable_calls(w.limit, limits.safety.headroom) as usize);
    }
    for (i, w) in limits.run_time.iter().enumerate() {
        for used in &out.run_at_send[i] {
            prop_assert!(*used < w.budget, "sent with {used:?} of {w} used");
        }
    }
    Ok(())
}

fn arb_limits() -> impl Strategy<Value = Limits> {
    let call = (1u32..120, 5u64..7200).prop_map(|(limit, secs)| CallWindow {
        limit,
        window: S(secs),
    });
    let run = (5u64..3600, 1u64..20).prop_map(|(window, share)| RunWindow {
        budget: S(window).mul_f64(share as f64 / 20.0),
        window: S(window),
    });
    (
        prop::collection::vec(call, 1..4),
        prop::collection::vec(run, 0..3),
        0u64..3,
        0u32..5,
        30u64..600,
    )
        .prop_map(|(calls, run_time, skew, headroom, timeout)| {
            let mut l = Limits::for_backend(BackendKind::Graph);
            l.calls = calls;
            l.run_time = run_time;
            l.safety.skew = S(skew);
            l.safety.headroom = f64::from(headroom) / 100.0;
            l.query_timeout = S(timeout);
            l
        })
}

fn arb_traffic() -> impl Strategy<Value = Traffic> {
    (
        prop::option::of(100u64..120_000),
        1usize..5,
        0u64..20_000,
        0u64..60_000,
        0u64..800,
        prop::bool::weighted(0.3),
        60u64..4 * 3600,
    )
        .prop_map(
            |(gap, max_parallel, rmin, rspan, latency, with429, length)| Traffic {
                mean_gap: gap.map(MS),
                max_parallel,
                run: (MS(rmin), MS(rmin + rspan)),
                latency: MS(latency),
                p429: if with429 { 0.05 } else { 0.0 },
                length: S(length),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the limits and traffic, no window ever holds more than its limit, and no
    /// query starts while a run-time window is spent.
    #[test]
    fn sending_only_on_now_never_exceeds_a_window(
        limits in arb_limits(),
        traffic in arb_traffic(),
        seed in any::<u64>(),
    ) {
        let out = simulate(&limits, &traffic, seed);
        check_invariants(&limits, &out)?;
    }

    /// Saturating demand on one call window uses ≥ 97% of what the safety margin leaves:
    /// `usable` calls per `window + skew`.
    #[test]
    fn saturating_demand_uses_nearly_all_the_margin_allows(
        limit in 2u32..200,
        window in 5u64..3600,
        parallel in 1usize..4,
        seed in any::<u64>(),
    ) {
        let mut limits = Limits::for_backend(BackendKind::Graph);
        limits.calls = vec![CallWindow { limit, window: S(window) }];
        limits.run_time.clear();
        let traffic = Traffic {
            mean_gap: None,
            max_parallel: parallel,
            run: (MS(1), MS(50)),
            latency: MS(20),
            p429: 0.0,
            length: S(window * 20),
        };
        let out = simulate(&limits, &traffic, seed);
        check_invariants(&limits, &out)?;
        let usable = usable_calls(limit, limits.safety.headroom) as f64;
        let ceiling = usable * traffic.length.as_secs_f64() / (window as f64 + 1.0);
        // With little parallelism and a short window the calls themselves take time.
        let busy = (traffic.length.as_secs_f64() / 0.07) * parallel as f64;
        let expect = ceiling.min(busy);
        prop_assert!(
            out.sends.len() as f64 >= 0.97 * expect,
            "{} sends, expected ≥ 97% of {expect:.0}", out.sends.len()
        );
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,40}", t in "[0-9 :.a-zA-Z/%-]{0,24}") {
        let _ = parse_call_window(&s);
        let _ = parse_run_window(&s);
        let _ = parse_duration(&s);
        let _ = parse_call_window(&t);
        let _ = parse_run_window(&t);
        let _ = parse_duration(&t);
        let _ = parse_retry_after(&t);
        let _ = interpret(None, &s);
        let _ = interpret(None, &format!("maximum allowed {t} again in {t}"));
    }

    #[test]
    fn budgets_round_trip(limit in 0u32..1_000_000, secs in 1u64..(366 * 86_400)) {
        let w = parse_call_window(&format!("{limit} per {secs}s")).unwrap();
        prop_assert_eq!(w, CallWindow { limit, window: S(secs) });
        let w = parse_call_window(&format!("{limit}/{secs}s")).unwrap();
        prop_assert_eq!(w.window, S(secs));
        let r = parse_run_window(&format!("{}s per {secs}s", secs / 2 + 1)).ok();
        prop_assert!(secs / 2 + 1 > secs || r.is_some_and(|r| r.budget == S(secs / 2 + 1)));
    }

    /// Any sequence of operations at any times (including backwards) keeps the ledger sane.
    #[test]
    fn arbitrary_operations_never_panic(
        ops in prop::collection::vec((0u8..5, -100_000i64..100_000, 0u64..1_000_000, 0usize..BODIES.len()), 0..200),
        limits in arb_limits(),
    ) {
        let base = Instant::now() + S(1_000);
        let at = |ms: i64| if ms >= 0 { base + MS(ms as u64) } else { base - MS(ms.unsigned_abs()) };
        let mut l = Ledger::new(limits);
        let mut tickets = Vec::new();
        for (op, t, d, body) in ops {
            match op {
                0 => { let _ = l.admit(at(t)); }
                1 => tickets.push(l.begin_call(at(t))),
                2 => if let Some(tk) = tickets.pop() { l.end_call(&tk, at(t), (d % 2 == 0).then(|| MS(d))); },
                3 => { l.record_call(at(t), at(t) + MS(d), None); }
                _ => { let _ = l.throttled(at(t), (d % 3 == 0).then(|| MS(d)), BODIES[body]); }
            }
            let snap = l.snapshot(at(t));
            for w in &snap.windows {
                prop_assert!(w.used.is_finite() && w.used >= 0.0);
            }
        }
    }
}

/// 429 bodies from hunting-api.md §1.5, §2.5 and §7.9-10, and some that are not.
const BODIES: &[&str] = &[
    r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00","target":"x"}}"#,
    r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 1500 per 01:00:00","target":"x"}}"#,
    r#"{"error":{"code":"429","message":"API calls quota exceeded! Maximum allowed 30 per 00:01:00 for the key Destination+TenantID+AppID. You can send requests again in 8 seconds.","target":"TENANT_ID"}}"#,
    r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 3 per 00:00:10 You can send requests again in 4 seconds.","target":"x"}}"#,
    "You have exceeded processing resources allocated to this tenant. You can run queries again in 00:07:12.",
    r#"{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"code":"429","status":"429"}}}"#,
    "",
    "maximum allowed 0 per 00:00:01",
    "maximum allowed 1 per 365.00:00:00",
    "\u{1b}[2J again in 99999999 seconds",
];

/// The brief's bar: under saturating demand on the documented presets, ≥ 90% of the
/// allowed call rate, for 6 simulated hours each.
#[test]
fn utilisation_on_the_presets() {
    for (preset, floor) in [
        (Preset::Current, 0.90),
        (Preset::Spec15PerMinute, 0.90),
        // 10/min: the 2% headroom rounds to no call here (a whole one would cost 10%);
        // windows count from each answer, so call time and skew cost the rest.
        (Preset::Spec10PerMinute, 0.90),
    ] {
        let mut limits = Limits::preset(preset);
        limits.run_time.clear();
        let traffic = Traffic {
            mean_gap: None,
            max_parallel: 3,
            run: (MS(100), MS(2_000)),
            latency: MS(200),
            p429: 0.0,
            length: S(6 * 3600),
        };
        let out = simulate(&limits, &traffic, 42);
        check_invariants(&limits, &out).unwrap();
        let hours = traffic.length.as_secs_f64() / 3600.0;
        let allowed = limits
            .calls
            .iter()
            .map(|w| w.limit as f64 * traffic.length.as_secs_f64() / w.window.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        let got = out.sends.len() as f64 / allowed;
        eprintln!(
            "{}: {} calls in {hours} h = {:.1}% of {allowed:.0} allowed",
            preset.name(),
            out.sends.len(),
            got * 100.0
        );
        assert!(got >= floor, "{}: {:.3}", preset.name(), got);
    }
}

/// Run-time budgets under saturating demand with long queries: ≥ 85% of the budget is
/// used (headroom 2% and the reserve of one mean query take the rest), never more.
#[test]
fn run_time_utilisation() {
    let mut limits = Limits::preset(Preset::Current);
    limits.calls.clear();
    let traffic = Traffic {
        mean_gap: None,
        max_parallel: 1,
        run: (S(5), S(25)),
        latency: MS(200),
        p429: 0.0,
        length: S(3 * 86_400),
    };
    let out = simulate(&limits, &traffic, 7);
    check_invariants(&limits, &out).unwrap();
    let total: Duration = out.spans.iter().map(|(a, b)| *b - *a).sum();
    let days = 3.0;
    let allowed = limits.run_time[1].budget.as_secs_f64() * days;
    let got = total.as_secs_f64() / allowed;
    eprintln!(
        "run time: {:.0} s of {allowed:.0} s = {:.1}%",
        total.as_secs_f64(),
        got * 100.0
    );
    assert!((0.85..=1.0).contains(&got), "{got}");
}

/// 429s in the traffic never make the ledger overspend, and it keeps working after them.
#[test]
fn throttles_only_delay() {
    let limits = Limits::for_backend(BackendKind::Graph);
    let traffic = Traffic {
        mean_gap: Some(S(2)),
        max_parallel: 2,
        run: (MS(200), S(5)),
        latency: MS(300),
        p429: 0.1,
        length: S(4 * 3600),
    };
    let out = simulate(&limits, &traffic, 3);
    check_invariants(&limits, &out).unwrap();
    assert!(out.throttles > 10, "{}", out.throttles);
    assert!(out.sends.len() > 500, "{}", out.sends.len());
}

/// Calls that take no time at all (a cached answer, a fake service) must not stall the
/// simulation or the ledger.
#[test]
fn instant_calls() {
    let mut limits = Limits::for_backend(BackendKind::Graph);
    limits.calls = vec![CallWindow {
        limit: 22,
        window: S(5),
    }];
    limits.run_time.clear();
    limits.safety.headroom = 0.0;
    limits.safety.skew = Duration::ZERO;
    let traffic = Traffic {
        mean_gap: None,
        max_parallel: 1,
        run: (Duration::ZERO, Duration::ZERO),
        latency: Duration::ZERO,
        p429: 0.0,
        length: S(60),
    };
    let out = simulate(&limits, &traffic, 0);
    check_invariants(&limits, &out).unwrap();
    assert!(out.sends.len() >= 21 * 11, "{}", out.sends.len());
}
