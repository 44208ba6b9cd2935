//! A webhook receiver for `notice watch`: a plain HTTP server on 127.0.0.1 that keeps every POSTed body
//! (by path, so one receiver can stand in for several webhooks) and answers 204.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One message received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path, e.g. `/json`.
    pub path: String,
    /// The body, parsed as JSON (`Null` when it is not JSON).
    pub body: serde_json::Value,
}

/// A running receiver; its thread ends with the test process.
#[derive(Debug, Clone)]
pub struct WebhookReceiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl WebhookReceiver {
    /// A receiver on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound.
    pub fn start() -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a webhook receiver");
        let addr = listener.local_addr().expect("bound address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(message) = read(stream) {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push(message);
                }
            }
        });
        WebhookReceiver { addr, received }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The bodies received on `path`.
    pub fn bodies(&self, path: &str) -> Vec<serde_json::Value> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| r.body)
            .collect()
    }
}

fn read(mut stream: TcpStream) -> Option<Received> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let path = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let end = data.len().min(head_end + length);
    let body = serde_json::from_slice(&data[head_end..end]).unwrap_or(serde_json::Value::Null);
    let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
    Some(Received { path, body })
}
