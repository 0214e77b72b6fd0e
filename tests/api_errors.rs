//! Every way a hunting call fails, through `Backend::run` against the loopback fake: the
//! service's own 400/401/403/429/5xx bodies become the right `RunError`, with the
//! service's message, a position when it names one, the wait from `Retry-After` or the
//! message, and the permission each backend needs.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kqlhunt::api::HttpOptions;
use kqlhunt::api::error::DEFAULT_THROTTLE_WAIT;
use kqlhunt::auth::{Secret, StaticToken};
use kqlhunt::backend::RunError;
use support::*;

async fn fake() -> FakeHandle {
    FakeService::start(FakeConfig::default()).await
}

async fn fails(api: Api, fake: &FakeHandle, reply: Reply) -> RunError {
    fake.set_next_response(reply);
    run(&backend(api, fake), "DeviceEvents\n| where Foo == 1")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn kql_errors_carry_the_service_message_and_position() {
    let f = fake().await;
    for api in Api::ALL {
        let e = fails(api, &f, Reply::Semantic).await;
        assert!(
            matches!(&e, RunError::Semantic { message, at: None }
                if message.contains("Failed to resolve table or column expression named 'EmailAttachmentInfoX'")),
            "{api:?}: {e:?}"
        );
        let e = fails(
            api,
            &f,
            Reply::Syntax {
                line: 1,
                position: 2,
            },
        )
        .await;
        assert!(
            matches!(&e, RunError::Syntax { message, .. } if message.contains("SYN0002")),
            "{e:?}"
        );
        assert_eq!(e.position(), Some("DeviceEvents\n| ".len()));
    }
}

#[tokio::test]
async fn preempted_timeouts_and_too_large() {
    let f = fake().await;
    for api in Api::ALL {
        let e = fails(api, &f, Reply::Preempted).await;
        assert!(
            matches!(&e, RunError::Timeout(m) if m.contains("preempted")),
            "{e:?}"
        );
        for status in [400, 408, 504] {
            let e = fails(api, &f, Reply::Timeout(status)).await;
            assert!(
                matches!(&e, RunError::Timeout(m) if m.contains("timeout period")),
                "{status}: {e:?}"
            );
        }
        let e = fails(api, &f, Reply::TooLarge).await;
        assert!(
            matches!(&e, RunError::TooLarge(m) if m.contains("allowed result size")),
            "{e:?}"
        );
    }
    // The size cap of the fake itself: a result over it is refused the same way.
    f.configure(|c| c.size_cap = 1000);
    let e = run(&backend(Api::Mde, &f), "DeviceEvents | take 100")
        .await
        .unwrap_err();
    assert!(matches!(e, RunError::TooLarge(_)), "{e:?}");
}

#[tokio::test]
async fn server_errors_with_empty_bodies() {
    let f = fake().await;
    let e = fails(Api::Graph, &f, Reply::UnknownError(500)).await;
    assert!(
        matches!(&e, RunError::Server { status: 500, message } if message.contains("UnknownError") && message.contains("retry")),
        "{e:?}"
    );
    let e = fails(Api::Graph, &f, Reply::UnknownError(504)).await;
    assert!(matches!(e, RunError::Server { status: 504, .. }), "{e:?}");
    let e = fails(Api::Defender, &f, Reply::Empty(504)).await;
    assert!(matches!(e, RunError::Server { status: 504, .. }), "{e:?}");
    let e = fails(Api::Mde, &f, Reply::Empty(502)).await;
    assert!(matches!(e, RunError::Server { status: 502, .. }), "{e:?}");
    let e = fails(Api::Graph, &f, Reply::Unavailable(Some(7))).await;
    assert!(
        matches!(&e, RunError::Server { status: 503, message } if message.contains("retry in 7.0 s")),
        "{e:?}"
    );
}

#[tokio::test]
async fn throttling_bodies_and_retry_after() {
    let f = fake().await;
    let cases = [
        (
            Api::Mde,
            Throttle::PerMinute(45),
            "maximum allowed 45 per 00:01:00",
        ),
        (
            Api::Mde,
            Throttle::Hourly(1500),
            "maximum allowed 1500 per 01:00:00",
        ),
        (
            Api::Defender,
            Throttle::AgainIn { max: 30, secs: 8 },
            "again in 8 seconds",
        ),
        (
            Api::Defender,
            Throttle::Cpu(Duration::from_secs(432)),
            "again in 00:07:12",
        ),
        (Api::Graph, Throttle::Graph, "TooManyRequests"),
    ];
    for (api, t, text) in cases {
        for (mode, expect_header) in [
            (RetryAfter::Seconds(10), Some(Duration::from_secs(10))),
            (
                RetryAfter::Fractional(2.128),
                Some(Duration::from_millis(2128)),
            ),
            (RetryAfter::Absent, None),
        ] {
            f.configure(|c| c.retry_after = mode);
            let e = fails(api, &f, Reply::Throttle(t.clone())).await;
            let RunError::Throttled { wait, message } = &e else {
                panic!("{api:?} {t:?}: {e:?}");
            };
            assert!(message.contains(text), "the body is kept: {message}");
            assert!(message.starts_with("{\"error\""), "verbatim: {message}");
            let from_message = match &t {
                Throttle::AgainIn { secs, .. } => Some(Duration::from_secs(*secs)),
                Throttle::Cpu(d) => Some(*d),
                _ => None,
            };
            let expected = expect_header
                .or(from_message)
                .unwrap_or(DEFAULT_THROTTLE_WAIT);
            assert_eq!(*wait, expected, "{api:?} {t:?} {mode:?}");
        }
    }
}

#[tokio::test]
async fn sliding_window_call_limits() {
    let f = FakeService::start(FakeConfig {
        call_limits: vec![CallLimit::per_minute(2), CallLimit::per_hour(100)],
        retry_after: RetryAfter::UntilFree,
        ..FakeConfig::default()
    })
    .await;
    let mde = backend(Api::Mde, &f);
    run(&mde, "T").await.unwrap();
    run(&mde, "T").await.unwrap();
    let e = run(&mde, "T").await.unwrap_err();
    let RunError::Throttled { wait, message } = &e else {
        panic!("{e:?}")
    };
    assert!(
        message.contains("maximum allowed 2 per 00:01:00"),
        "{message}"
    );
    assert!(
        *wait > Duration::from_secs(50) && *wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    // The quota is per tenant: Graph is throttled too, in its own envelope.
    let e = run(&backend(Api::Graph, &f), "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Throttled { message, .. } if message.contains("TooManyRequests")),
        "{e:?}"
    );
    f.reset_quota();
    run(&mde, "T").await.unwrap();
}

#[tokio::test]
async fn the_cpu_budget_runs_out_for_the_cycle() {
    let f = FakeService::start(FakeConfig {
        cpu_per_query: Duration::from_secs(60),
        cpu_budget: Some(Duration::from_secs(120)),
        ..FakeConfig::default()
    })
    .await;
    let b = backend(Api::Defender, &f);
    run(&b, "T").await.unwrap();
    run(&b, "T").await.unwrap();
    let e = run(&b, "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Throttled { message, .. } if message.contains("exceeded processing resources")),
        "{e:?}"
    );
}

#[tokio::test]
async fn forbidden_names_the_permission_per_backend() {
    let f = fake().await;
    for (api, perm) in [
        (Api::Graph, "ThreatHunting.Read.All"),
        (Api::Defender, "AdvancedHunting.Read"),
        (Api::Mde, "AdvancedQuery.Read"),
    ] {
        let e = fails(api, &f, Reply::Forbidden).await;
        assert!(
            matches!(&e, RunError::Forbidden(m) if m.contains(perm)),
            "{e:?}"
        );
        // A token without the role: the fake refuses, the message names the permission.
        let tokens = Arc::new(StaticToken(Secret::new(jwt(
            api.audience(),
            &["Other.Read"],
            3600,
        ))));
        let b = backend_with(api, &f, tokens, &HttpOptions::default());
        let e = run(&b, "T").await.unwrap_err();
        assert!(
            matches!(&e, RunError::Forbidden(m) if m.contains(perm)),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn a_token_for_another_audience_is_explained() {
    let f = fake().await;
    let tokens = Arc::new(StaticToken(Secret::new(token_for(Api::Graph))));
    let b = backend_with(Api::Mde, &f, tokens, &HttpOptions::default());
    let e = run(&b, "T").await.unwrap_err();
    let RunError::Forbidden(m) = &e else {
        panic!("{e:?}")
    };
    assert!(
        m.contains("token is for https://graph.microsoft.com"),
        "{m}"
    );
    assert!(
        m.contains("https://api.securitycenter.microsoft.com"),
        "{m}"
    );
    assert!(!m.contains("eyJ"), "no token text in messages: {m}");
}

#[tokio::test]
async fn retired_legacy_endpoints_point_to_graph() {
    let f = fake().await;
    for api in [Api::Defender, Api::Mde] {
        let e = fails(api, &f, Reply::Retired).await;
        assert!(
            matches!(&e, RunError::Server { status: 410, message } if message.contains("graph") && message.contains("retir")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn control_characters_in_messages_are_escaped() {
    let f = fake().await;
    let e = fails(
        Api::Defender,
        &f,
        Reply::Raw {
            status: 400,
            headers: vec![],
            body: r#"{"error":{"code":"BadRequest","message":"bad \u001b]52;c;AAAA\u0007 name\u202e"}}"#
                .into(),
        },
    )
    .await;
    let text = e.to_string();
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(text.contains("\\x1b]52"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
}

#[tokio::test]
async fn malformed_success_bodies_are_clear_errors() {
    let f = fake().await;
    for body in [
        "<html>gateway</html>",
        "{}",
        r#"{"Schema":[{"Name":"a"}],"Results":{}}"#,
    ] {
        let e = fails(
            Api::Mde,
            &f,
            Reply::Raw {
                status: 200,
                headers: vec![],
                body: body.into(),
            },
        )
        .await;
        assert!(
            matches!(&e, RunError::Server { status: 200, message } if message.contains("not a hunting result")),
            "{body}: {e:?}"
        );
    }
    let e = fails(
        Api::Mde,
        &f,
        Reply::Raw {
            status: 200,
            headers: vec![],
            body: r#"{"Schema":[{"Name":"a","Type":"String"}],"Results":[{"a":"x"}"#.into(),
        },
    )
    .await;
    assert!(matches!(e, RunError::Network(_)), "{e:?}");
}

#[tokio::test]
async fn the_fake_checks_request_bodies_like_the_service() {
    // Straight HTTP, to pin the fake's own contract for the other engineers who reuse it.
    let f = fake().await;
    let http = reqwest::Client::new();
    let post = |api: Api, body: &'static str| {
        http.post(format!("{}{}", f.base_url(), api.path()))
            .bearer_auth(token_for(api))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = post(Api::Defender, r#"{"query":"T"}"#).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("InvalidRequestBody"));
    let r = post(Api::Mde, r#"{"Other":"T"}"#).await.unwrap();
    assert!(r.text().await.unwrap().contains("MissingRequiredParameter"));
    let r = post(Api::Graph, r#"{"query":"T | take 1"}"#).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "Graph accepts lower-case query");
    let r = post(Api::Graph, r#"{"Query":"T","Timespan":"last week"}"#)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .post(format!("{}{}", f.base_url(), Api::Graph.path()))
        .body(r#"{"Query":"T"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("InvalidAuthenticationToken")
    );
}
