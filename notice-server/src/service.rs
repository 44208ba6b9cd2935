//! Running the origin: the HTTP server, the heartbeat beside it, and a graceful stop.

use std::future::Future;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::http::{
    AppState, ConnectionLimits, FeedFastPath, app, serve_connections, serve_metrics_apart,
};
use crate::tasks::{copies, heartbeat};

/// Serves `state` on `listener` until `shutdown` resolves, then stops accepting, lets requests in flight
/// finish and stops the heartbeat and the copy tasks. Before serving, the copies are read and one that is
/// ahead (a break-glass document written while the server was down) is taken in, and a first heartbeat round
/// runs, so a feed that went stale meanwhile is re-signed before anyone fetches it.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match state.reconcile().await {
        Ok(notes) => {
            for note in notes {
                tracing::info!(%note, "copies at start");
            }
        }
        Err(e) => tracing::error!(error = %e, "the copies could not be reconciled at start"),
    }
    if let Err(e) = heartbeat::tick(&state).await {
        tracing::error!(error = %e, "first heartbeat failed; serving the stored feed and retrying");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_rx_metrics = stop_rx.clone();
    let beat = tokio::spawn(heartbeat::run(state.clone(), stopped(stop_rx.clone())));
    let copies = tokio::spawn(copies::run(state.clone(), stopped(stop_rx)));
    let fast = FeedFastPath::new(state.public.clone());
    let limits = ConnectionLimits {
        header_timeout: state.settings().request_timeout,
        shutdown_timeout: state.settings().shutdown_timeout,
    };
    let metrics = match state.settings().metrics_listen {
        Some(address) => Some(
            serve_metrics_apart(
                address,
                state.public.clone(),
                limits,
                stopped(stop_rx_metrics),
            )
            .await?,
        ),
        None => None,
    };
    let result = serve_connections(listener, app(state), fast, limits, shutdown).await;
    let _ = stop_tx.send(true);
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    if let Err(e) = beat.await {
        tracing::error!(error = %e, "heartbeat task ended abnormally");
    }
    // An upload in flight finishes within its own timeouts, which may add up to longer than the operator
    // allowed for stopping: the copies are written again at the next start, so stop on time.
    match tokio::time::timeout(limits.shutdown_timeout, copies).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "copy tasks ended abnormally"),
        Err(_) => tracing::warn!(
            "copy uploads still running after the shutdown timeout; stopping without them (the next start writes the copies)"
        ),
    }
    result
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    // An error means the sender is gone: stop as well.
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and systemd send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
