//! HTTPS_PROXY and NO_PROXY reach the hunting client: a request to a remote host goes
//! through the proxy (seen here as a CONNECT on a loopback listener), a host listed in
//! NO_PROXY does not. One test in its own binary, because it sets process environment.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kqlhunt::api::{HttpOptions, HuntingBackend};
use kqlhunt::auth::{Secret, StaticToken};
use kqlhunt::backend::{Backend, RunError, RunRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn proxies_from_the_environment_are_honoured() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let proxy = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            log.lock()
                .unwrap()
                .push(head.lines().next().unwrap_or("").to_string());
            let _ = sock
                .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    // SAFETY: this binary has one test, and no other thread reads the environment yet.
    unsafe {
        std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{port}"));
        std::env::set_var("NO_PROXY", "127.0.0.2");
        std::env::remove_var("https_proxy");
        std::env::remove_var("no_proxy");
        std::env::remove_var("ALL_PROXY");
        std::env::remove_var("all_proxy");
    }
    let tokens = Arc::new(StaticToken(Secret::new("t")));
    let options = HttpOptions {
        timeout: Some(Duration::from_secs(10)),
        ..HttpOptions::default()
    };
    let request = RunRequest::new("T");

    let via_proxy =
        HuntingBackend::graph("https://graph.example.test", tokens.clone(), &options).unwrap();
    let e = via_proxy
        .run(&request, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(e, RunError::Network(_)), "{e:?}");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["CONNECT graph.example.test:443 HTTP/1.1"]
    );

    let direct = HuntingBackend::graph("https://127.0.0.2:9", tokens, &options).unwrap();
    let e = direct
        .run(&request, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(e, RunError::Network(_)), "{e:?}");
    assert_eq!(seen.lock().unwrap().len(), 1, "NO_PROXY host went direct");
    proxy.abort();
}
