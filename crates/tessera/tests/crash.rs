//! Crash consistency on SQLite: the server is killed with SIGKILL in the middle of a revocation load; after
//! a restart on the same data directory every revocation it acknowledged (200) still holds (RFC 7009 §2.2:
//! the token is invalid "immediately"), and the tokens it never revoked are still good.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

mod common;
use common::{Serve, tessera};

const TOKENS: usize = 300;

fn serve(dir: &std::path::Path) -> (Serve, String) {
    let serve =
        Serve::start(tessera(dir).args(["serve", "--listen", "127.0.0.1:0", "--public-url", "https://tessera.test"]));
    let base = format!("http://{}/realms/shop/protocol/openid-connect", serve.listen_addr());
    (serve, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_revocation_load_loses_no_acknowledged_revocation_rfc7009_2_2() {
    let dir = tempfile::tempdir().unwrap();
    let admin = |args: &[&str]| {
        let out = tessera(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    admin(&["realm", "create", "shop"]);
    let created = admin(&["client", "create", "--realm", "shop", "svc"]);
    let secret = created.lines().find_map(|l| l.strip_prefix("client_secret: ")).unwrap().trim().to_owned();

    let (mut server, base) = serve(dir.path());
    let http = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(TOKENS);
    for _ in 0..TOKENS {
        let body: Value = http
            .post(format!("{base}/token"))
            .basic_auth("svc", Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }

    // Revoke the first two thirds from eight tasks at once; kill the server once a third is acknowledged.
    let to_revoke: Arc<Vec<String>> = Arc::new(tokens[..TOKENS * 2 / 3].to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (to_revoke, next, acknowledged, http, base, secret) =
            (to_revoke.clone(), next.clone(), acknowledged.clone(), http.clone(), base.clone(), secret.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(token) = to_revoke.get(i) else { return };
                let sent = http
                    .post(format!("{base}/revoke"))
                    .basic_auth("svc", Some(&secret))
                    .form(&[("token", token)])
                    .send();
                match sent.await {
                    Ok(r) if r.status() == 200 => acknowledged.lock().unwrap().push(i),
                    _ => return, // the server is gone
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < TOKENS / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acknowledged: Vec<usize> = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= TOKENS / 3);

    let (_restarted, base) = serve(dir.path());
    let active = |token: String| {
        let (http, base, secret) = (http.clone(), base.clone(), secret.clone());
        async move {
            let body: Value = http
                .post(format!("{base}/token/introspect"))
                .basic_auth("svc", Some(&secret))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["active"].as_bool().unwrap()
        }
    };
    let mut lost = Vec::new();
    for &i in &acknowledged {
        if active(tokens[i].clone()).await {
            lost.push(i);
        }
    }
    assert!(lost.is_empty(), "{} of {} acknowledged revocations were lost: {lost:?}", lost.len(), acknowledged.len());
    for token in &tokens[TOKENS * 2 / 3..] {
        assert!(active(token.clone()).await, "a token nobody revoked must survive the crash");
    }
}
