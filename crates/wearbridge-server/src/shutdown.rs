//! Worker tasks and their shutdown: [`WorkerSet`] runs them, [`ShutdownSignal`] tells them
//! to stop. A leaf module (it knows no feature), so every feature's worker loop can take a
//! signal without importing the place that starts the workers.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

/// Tells a worker that the process is stopping.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Resolves once shutdown has been requested (immediately if it already was).
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which also means "stop".
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }

    /// Whether shutdown has been requested.
    pub fn is_shutting_down(&self) -> bool {
        *self.0.borrow()
    }
}

/// The running workers.
#[derive(Debug)]
pub struct WorkerSet {
    stop: watch::Sender<bool>,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
}

impl Default for WorkerSet {
    fn default() -> Self {
        WorkerSet::new()
    }
}

impl WorkerSet {
    pub fn new() -> WorkerSet {
        let (stop, _) = watch::channel(false);
        WorkerSet {
            stop,
            tasks: JoinSet::new(),
        }
    }

    /// Starts a worker task; `name` appears in logs.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, worker: F)
    where
        F: FnOnce(ShutdownSignal) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let signal = ShutdownSignal(self.stop.subscribe());
        let task = worker(signal);
        self.tasks.spawn(async move { (name, task.await) });
        tracing::info!(worker.name = name, "worker started");
    }

    /// How many workers were started and have not finished.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Signals every worker to stop and waits up to `grace` for them; stragglers are
    /// aborted (their leases expire and another node resumes their work).
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.send_replace(true);
        let drained = tokio::time::timeout(grace, async {
            while let Some(joined) = self.tasks.join_next().await {
                log_exit(joined);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = self.tasks.len(),
                "workers did not stop in time; aborting"
            );
            self.tasks.abort_all();
        }
    }
}

fn log_exit(joined: Result<(&'static str, anyhow::Result<()>), tokio::task::JoinError>) {
    match joined {
        Ok((name, Ok(()))) => tracing::info!(worker.name = name, "worker stopped"),
        Ok((name, Err(error))) => {
            tracing::error!(
                worker.name = name,
                error = format!("{error:#}"),
                "worker failed"
            );
        }
        Err(error) => tracing::error!(error = %error, "worker panicked or was cancelled"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn shutdown_stops_a_looping_worker() {
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let mut workers = WorkerSet::new();
        workers.spawn("looper", |mut shutdown| async move {
            loop {
                tokio::select! {
                    () = shutdown.wait() => break,
                    () = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
            flag.store(true, Ordering::SeqCst);
            Ok(())
        });
        assert_eq!(workers.len(), 1);
        workers.shutdown(Duration::from_secs(5)).await;
        assert!(stopped.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_stuck_worker_is_aborted_after_the_grace_period() {
        let mut workers = WorkerSet::new();
        workers.spawn("stuck", |_shutdown| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        // Without the abort this would wait for the hour-long sleep.
        workers.shutdown(Duration::from_millis(50)).await;
    }
}
