//! Serving connections: HTTP/1.1 with a time-out on reading a request's
//! headers (a slow or stalled client is disconnected instead of holding a
//! connection for ever; axum's own `serve` sets none). The body's own
//! time-out is a layer of the router ([`super::router`]).

use std::future::Future;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::{App, router};

/// Serve `app` on `listener` until `shutdown` completes; then stop
/// accepting, let every connection finish the request in flight (idle
/// keep-alive connections close), and return when they have.
pub async fn serve(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let read_timeout = app.config.read_timeout;
    let router = router(app);
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
            // Reap finished connections so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop.clone();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let stopped = async move {
                // The guard is dropped here, before anything else is awaited.
                let _ = stop.wait_for(|stopping| *stopping).await.map(|_| ());
            };
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stopped => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    while connections.join_next().await.is_some() {}
}
