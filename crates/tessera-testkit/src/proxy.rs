//! A TCP proxy on 127.0.0.1 that a test can cut and restore, to make a dependency (PostgreSQL, Redis)
//! unreachable for one server without disturbing anything else that uses it.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct CuttableProxy {
    pub addr: SocketAddr,
    up: watch::Sender<bool>,
    _task: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    /// Forwards 127.0.0.1:PORT (an ephemeral port) to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let (up, watch_up) = watch::channel(true);
        let watch_up = Arc::new(watch_up);
        let task = tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else { continue };
                if !*watch_up.borrow() {
                    drop(inbound);
                    continue;
                }
                let mut cut = (*watch_up).clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(target).await else { return };
                    let (mut a, mut b) = (inbound, outbound);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut a, &mut b) => {}
                        _ = cut.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { addr, up, _task: task }
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        let _ = self.up.send(false);
    }

    pub fn restore(&self) {
        let _ = self.up.send(true);
    }
}
