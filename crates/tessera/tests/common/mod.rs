//! Helpers shared by the binary's test files.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
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
        "TESSERA_BOOTSTRAP_ADMIN_USERNAME",
        "TESSERA_BOOTSTRAP_ADMIN_PASSWORD",
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

/// Runs `tessera` with `args` against the data directory `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    tessera(dir).args(args).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    stdout(&o)
}

/// Asserts the command failed with exactly one line on stderr containing `needle`.
pub fn fails_with(dir: &Path, args: &[&str], needle: &str) {
    failed_with(&run(dir, args), &format!("{args:?}"), needle);
}

/// Asserts `o` is a failure with exactly one line on stderr containing `needle`; `what` names the run.
pub fn failed_with(o: &Output, what: &str, needle: &str) {
    assert!(!o.status.success(), "{what} succeeded: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: not one line: {err}");
    assert!(err.contains(needle), "{what}: {err:?} lacks {needle:?}");
}

pub fn secret_from(out: &str) -> String {
    out.lines().find_map(|l| l.strip_prefix("client_secret: ")).expect("secret printed").to_owned()
}

pub fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = tessera(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}
