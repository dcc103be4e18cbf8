//! Serving connections: HTTP/1.1 with a time-out on reading a request's
//! headers (a slow or stalled client is disconnected instead of holding a
//! connection for ever; axum's own `serve` sets none). The body's own
//! time-out is a layer of the router ([`super::router`]).

use std::future::Future;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::{App, router};

/// Serve `app` on `listener` until `shutdown` completes. Connections still
/// open then are left to finish on their own.
pub async fn serve(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let read_timeout = app.config.read_timeout;
    let router = router(app);
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
            () = &mut shutdown => return,
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
}
