//! The process is stopping: long-lived answers (the console's live streams)
//! end when it begins, so a graceful shutdown waits only for turns in flight.

use std::sync::Arc;

use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(watch::channel(false).0))
    }
}

impl Shutdown {
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once [`Shutdown::begin`] was called (at once if it was already).
    pub async fn begun(&self) {
        self.clone().begun_owned().await
    }

    /// [`Shutdown::begun`] as a future that owns what it waits on, for streams.
    pub async fn begun_owned(self) {
        let mut stopping = self.0.subscribe();
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_before_and_after_the_signal_are_released() {
        let shutdown = Shutdown::default();
        let early = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.begun().await }
        });
        tokio::task::yield_now().await;
        assert!(!early.is_finished());
        shutdown.begin();
        early.await.unwrap();
        shutdown.begun().await;
    }
}
