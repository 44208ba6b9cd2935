//! Team notifications: every watchdog action (and, with `publishes = true`, every new feed version by
//! anyone) is POSTed to the configured webhooks, so people learn what the phones show while they are still
//! being paged.
//!
//! Bodies: generic JSON `{"event", "check", "notice_id", "message", "at"}`, or `{"text": "…"}` for Slack and
//! Mattermost incoming webhooks. Deliveries run on their own thread behind a bounded queue, each with a
//! deadline: a webhook that is slow, down or full never blocks or crashes the watchdog; its failures are
//! logged (by host: webhook URLs are often secrets) and counted.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use notice_types::Timestamp;
use serde::Serialize;
use ureq::Agent;
use ureq::http::Request;

use crate::watch::config::{Webhook, WebhookFormat};
use crate::watch::metrics::Metrics;

/// Messages waiting for delivery at most; beyond this new ones are dropped (and logged).
const QUEUE: usize = 256;

/// What happened, for the log and the webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `raised`, `reopened`, `recovered`, `resolved`, `released`, `adopted`, `failed`, `published`.
    pub event: &'static str,
    /// The check concerned (none for `published`).
    pub check: Option<String>,
    /// The notice concerned.
    pub notice_id: Option<String>,
    /// What happened, in one sentence a person reads.
    pub message: String,
    /// When.
    pub at: Timestamp,
}

impl Message {
    /// Whether only webhooks with `publishes = true` get it.
    fn is_publish(&self) -> bool {
        self.event == "published"
    }

    fn body(&self, format: WebhookFormat) -> Vec<u8> {
        let value = match format {
            WebhookFormat::Json => serde_json::json!({
                "event": self.event,
                "check": self.check,
                "notice_id": self.notice_id,
                "message": self.message,
                "at": self.at,
            }),
            WebhookFormat::Slack => {
                serde_json::json!({ "text": format!("notice watch: {}", self.message) })
            }
        };
        // A `Value` of strings always serializes.
        serde_json::to_vec(&value).unwrap_or_default()
    }
}

/// Sends messages to the webhooks, off the caller's thread.
#[derive(Clone)]
pub struct Notifier {
    queue: Option<SyncSender<Message>>,
    metrics: Arc<Metrics>,
}

/// The delivery thread; [`Delivery::finish`] waits for what is queued, up to a deadline.
pub struct Delivery {
    thread: Option<JoinHandle<()>>,
}

impl Notifier {
    /// A notifier for `webhooks` and its delivery thread; with `dry_run` nothing is sent (only logged).
    pub fn start(webhooks: Vec<Webhook>, metrics: Arc<Metrics>, dry_run: bool) -> (Self, Delivery) {
        if webhooks.is_empty() || dry_run {
            return (
                Self {
                    queue: None,
                    metrics,
                },
                Delivery { thread: None },
            );
        }
        let (queue, receiver) = mpsc::sync_channel(QUEUE);
        let thread_metrics = metrics.clone();
        let thread = std::thread::Builder::new()
            .name("webhooks".to_owned())
            .spawn(move || deliver(&webhooks, &receiver, &thread_metrics))
            .map_err(|e| tracing::error!(error = %e, "cannot start the webhook thread; webhooks are off"))
            .ok();
        (
            Self {
                queue: thread.as_ref().map(|_| queue),
                metrics,
            },
            Delivery { thread },
        )
    }

    /// Queues `message` for every webhook that takes it. Never blocks.
    pub fn send(&self, message: Message) {
        let Some(queue) = &self.queue else { return };
        match queue.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(message)) => {
                self.metrics.webhook("dropped");
                tracing::warn!(
                    event = message.event,
                    "webhook queue full (webhooks too slow?); message dropped"
                );
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

impl Delivery {
    /// Waits until queued messages are delivered (once every sender is gone), at most `deadline`.
    pub fn finish(mut self, deadline: Duration) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        let (done, wait) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = thread.join();
            let _ = done.send(());
        });
        if wait.recv_timeout(deadline).is_err() {
            tracing::warn!("webhooks still being delivered at exit; left behind");
        }
    }
}

fn deliver(webhooks: &[Webhook], receiver: &Receiver<Message>, metrics: &Metrics) {
    let agents: Vec<Agent> = webhooks
        .iter()
        .map(|w| {
            Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(w.timeout))
                .max_redirects(0)
                .user_agent(format!("notice-watch/{}", env!("CARGO_PKG_VERSION")))
                .build()
                .into()
        })
        .collect();
    // Ends when every sender is dropped (the watchdog stopping).
    for message in receiver {
        for (webhook, agent) in webhooks.iter().zip(&agents) {
            if message.is_publish() && !webhook.publishes {
                continue;
            }
            let result = Request::post(webhook.url.as_str())
                .header("content-type", "application/json")
                .body(message.body(webhook.format))
                .map_err(|e| e.to_string())
                .and_then(|request| agent.run(request).map_err(|e| crate::http::describe(&e)));
            match result {
                Ok(response) if response.status().is_success() => {
                    metrics.webhook("sent");
                    tracing::debug!(webhook = %webhook.shown(), event = message.event, "webhook sent");
                }
                Ok(response) => {
                    metrics.webhook("failed");
                    tracing::warn!(
                        webhook = %webhook.shown(),
                        event = message.event,
                        status = response.status().as_u16(),
                        "webhook refused the message"
                    );
                }
                Err(error) => {
                    metrics.webhook("failed");
                    tracing::warn!(webhook = %webhook.shown(), event = message.event, %error, "webhook unreachable");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bodies_have_the_documented_shapes() {
        let message = Message {
            event: "raised",
            check: Some("keyshare".to_owned()),
            notice_id: Some("watch-keyshare-20261123-1".to_owned()),
            message: "keyshare fails".to_owned(),
            at: Timestamp::from_unix(0),
        };
        let json: serde_json::Value =
            serde_json::from_slice(&message.body(WebhookFormat::Json)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"event": "raised", "check": "keyshare", "notice_id": "watch-keyshare-20261123-1", "message": "keyshare fails", "at": "1970-01-01T00:00:00Z"})
        );
        let slack: serde_json::Value =
            serde_json::from_slice(&message.body(WebhookFormat::Slack)).unwrap();
        assert_eq!(
            slack,
            serde_json::json!({"text": "notice watch: keyshare fails"})
        );
    }
}
