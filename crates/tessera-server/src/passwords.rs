//! The password verifier the core's sign-in uses: Argon2id (~26 ms of CPU and ~19 MiB each) on the
//! blocking pool, at most one per core at a time, with a bounded queue behind them. Beyond the queue the
//! attempt is refused as busy (503 with `Retry-After`) instead of piling up threads and memory.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tessera_core::password::{hash_password, verify_password};
use tessera_core::ports::{PasswordVerifier, VerifierBusy};
use tokio::sync::Semaphore;

/// How many attempts may wait per running verification.
const QUEUE_PER_WORKER: usize = 32;

#[derive(Debug)]
pub struct Argon2Pool {
    running: Semaphore,
    /// Running and waiting together.
    admitted: AtomicUsize,
    max_admitted: usize,
    workers: usize,
}

impl Argon2Pool {
    /// `workers` verifications at once, `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self { running: Semaphore::new(workers), admitted: AtomicUsize::new(0), max_admitted: workers + queue, workers }
    }

    /// (running, waiting) now, for the metrics.
    pub fn load(&self) -> (usize, usize) {
        let running = self.workers.saturating_sub(self.running.available_permits());
        (running, self.admitted.load(Ordering::Relaxed).saturating_sub(running))
    }

    /// One verification per core, [`QUEUE_PER_WORKER`] waiting per core.
    pub fn sized_to_cores() -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self::new(cores, cores * QUEUE_PER_WORKER)
    }
}

/// Leaves the count however the verification ends (the request may be dropped while waiting).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Argon2Pool {
    /// Runs `work` on the blocking pool once admitted and given a turn.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, VerifierBusy> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(VerifierBusy);
        }
        let _admission = Admission(&self.admitted);
        let Ok(_turn) = self.running.acquire().await else {
            return Err(VerifierBusy);
        };
        Ok(tokio::task::spawn_blocking(work).await.ok())
    }
}

#[async_trait]
impl PasswordVerifier for Argon2Pool {
    async fn verify(&self, password: SecretString, phc: String) -> Result<bool, VerifierBusy> {
        let verified = self.run(move || verify_password(password.expose_secret(), &phc)).await?;
        Ok(verified.unwrap_or(false))
    }

    async fn hash(&self, password: SecretString) -> Result<Option<String>, VerifierBusy> {
        let hashed = self.run(move || hash_password(password.expose_secret()).ok()).await?;
        Ok(hashed.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_queue_an_attempt_is_busy_and_the_queue_drains() {
        let pool = std::sync::Arc::new(Argon2Pool::new(1, 2));
        let hash = tessera_core::password::hash_password("pw").unwrap();
        // Fill every admission slot with attempts that hold their place.
        let held = pool.running.acquire().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..pool.max_admitted {
            let (p, h) = (pool.clone(), hash.clone());
            waiting.push(tokio::spawn(async move { p.verify(SecretString::from("pw"), h).await }));
        }
        while pool.admitted.load(Ordering::SeqCst) < pool.max_admitted {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.verify(SecretString::from("pw"), hash.clone()).await, Err(VerifierBusy));
        drop(held);
        for w in waiting {
            assert_eq!(w.await.unwrap(), Ok(true));
        }
        assert_eq!(pool.admitted.load(Ordering::SeqCst), 0);
        assert_eq!(pool.verify(SecretString::from("nope"), hash).await, Ok(false));
    }
}
