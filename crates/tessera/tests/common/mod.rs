//! Helpers shared by the binary's test files.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

pub fn acme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json")
}

pub fn tessera(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
    c.arg("--data-dir").arg(dir);
    for var in [
        "TESSERA_CONFIG",
        "TESSERA_DATA_DIR",
        "TESSERA_DATABASE_URL",
        "TESSERA_LISTEN",
        "TESSERA_PUBLIC_URL",
        "TESSERA_REDIS_URL",
        "TESSERA_MASTER_KEY_FILE",
    ] {
        c.env_remove(var);
    }
    c
}

/// A `tessera serve` child process whose stdout is read line by line; killed on drop.
pub struct Serve {
    pub child: Child,
    lines: Receiver<String>,
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serve {
    pub fn start(cmd: &mut Command) -> Self {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Serve { child, lines, stderr }
    }

    /// The first line containing `needle`.
    pub fn line(&self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(20)) {
                Ok(l) if l.contains(needle) => return l,
                Ok(_) => {}
                Err(e) => panic!("no line with {needle:?}: {e}"),
            }
        }
    }

    /// `http(s)://ADDR` from the "listening on" line.
    pub fn public_url(&self) -> String {
        let l = self.line("listening on");
        l.split("public URL ").nth(1).unwrap().trim_end_matches(')').to_owned()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// `127.0.0.1:PORT` from the "listening on" line.
    pub fn listen_addr(&self) -> String {
        let l = self.line("listening on");
        l.split("listening on ").nth(1).unwrap().split(' ').next().unwrap().to_owned()
    }
}
