//! Loopback stand-ins for mirrors, in-process: one that answers what the test says and records every
//! request, one that accepts connections and never answers, one that streams forever. No Notice code runs in
//! them, so they misbehave exactly as told.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a [`FakeMirror`] answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with the body and this ETag; 304 when `If-None-Match` matches it.
    Document {
        /// The body.
        body: Vec<u8>,
        /// The ETag, quotes included.
        etag: String,
    },
    /// 200 with the body and no caching headers, as a plain static host serves a file.
    Bytes(Vec<u8>),
    /// A status (e.g. 503) with an optional `Retry-After`.
    Status {
        /// The HTTP status.
        code: u16,
        /// The `Retry-After` value.
        retry_after: Option<String>,
    },
    /// A request for `path` gets a redirect (301, 302, 303, 307 or 308) to `location`, sent as it is; any
    /// other path gets 200 with `body`.
    Moved {
        /// The path that is redirected (e.g. `/v1/feed.json`).
        path: String,
        /// The HTTP status.
        code: u16,
        /// The `Location` header.
        location: String,
        /// What other paths serve.
        body: Vec<u8>,
    },
}

/// A mirror on 127.0.0.1 that answers every request with its current [`Answer`] and records the request
/// heads; it stops accepting connections when dropped.
#[derive(Debug)]
pub struct FakeMirror {
    addr: SocketAddr,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeMirror {
    /// Serves `body` with the ETag `"etag-1"`, honouring `If-None-Match`.
    pub fn serving(body: Vec<u8>) -> Self {
        Self::answering(Answer::Document {
            body,
            etag: "\"etag-1\"".to_owned(),
        })
    }

    /// Answers `answer` on a free port.
    pub fn answering(answer: Answer) -> Self {
        Self::bind("127.0.0.1:0", answer)
    }

    /// Answers `answer` on `address`, e.g. the address of a server the test just killed.
    ///
    /// # Panics
    /// When `address` cannot be bound.
    pub fn bind(address: &str, answer: Answer) -> Self {
        let listener = TcpListener::bind(address).unwrap_or_else(|e| panic!("bind {address}: {e}"));
        let addr = listener.local_addr().expect("bound address");
        let answer = Arc::new(Mutex::new(answer));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, r, s) = (answer.clone(), requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (a, r) = (a.clone(), r.clone());
                std::thread::spawn(move || serve_one(stream, &a, &r));
            }
        });
        Self {
            addr,
            answer,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT/v1/feed.json`, the URL a client is configured with.
    pub fn url(&self) -> String {
        format!("http://{}/v1/feed.json", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves a new body under a new ETag.
    pub fn set_body(&self, body: Vec<u8>) {
        static NEXT: AtomicUsize = AtomicUsize::new(2);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.set_answer(Answer::Document {
            body,
            etag: format!("\"etag-{n}\""),
        });
    }

    /// Answers `answer` from now on.
    pub fn set_answer(&self, answer: Answer) {
        *lock(&self.answer) = answer;
    }

    /// Raw request heads received so far (request line and headers).
    pub fn requests(&self) -> Vec<String> {
        lock(&self.requests).clone()
    }
}

impl Drop for FakeMirror {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_head(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    String::from_utf8(head).ok()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn ok(extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn serve_one(mut stream: TcpStream, answer: &Mutex<Answer>, requests: &Mutex<Vec<String>>) {
    let Some(head) = read_head(&mut stream) else {
        return;
    };
    lock(requests).push(head.clone());
    let answer = lock(answer).clone();
    let response = match answer {
        Answer::Document { body, etag } => {
            if header(&head, "if-none-match") == Some(etag.as_str()) {
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
                    .into_bytes()
            } else {
                ok(
                    &format!("ETag: {etag}\r\nSet-Cookie: tracker=abc123\r\n"),
                    &body,
                )
            }
        }
        Answer::Bytes(body) => ok("", &body),
        Answer::Status { code, retry_after } => {
            let retry = retry_after
                .map(|r| format!("Retry-After: {r}\r\n"))
                .unwrap_or_default();
            format!(
                "HTTP/1.1 {code} Unavailable\r\n{retry}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes()
        }
        Answer::Moved {
            path,
            code,
            location,
            body,
        } => {
            let requested = head.split(' ').nth(1).unwrap_or_default();
            if requested == path {
                format!(
                    "HTTP/1.1 {code} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .into_bytes()
            } else {
                ok("", &body)
            }
        }
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
}

/// A mirror that accepts connections and never answers (a hung load balancer). Connections stay open while
/// it lives.
#[derive(Debug)]
pub struct BlackHole {
    url: String,
    accepted: Arc<AtomicUsize>,
}

impl BlackHole {
    /// Listens on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let url = format!(
            "http://{}/v1/feed.json",
            listener.local_addr().expect("bound address")
        );
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                // Keep the connection open and silent.
                held.push(stream);
            }
        });
        Self { url, accepted }
    }

    /// Its feed URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// How many connections it accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A feed URL whose port refuses connections (see [`closed_port_url`](crate::closed_port_url)).
pub fn refusing() -> String {
    format!("{}/v1/feed.json", crate::http::closed_port_url())
}

/// The feed URL of a mirror that answers 200 and then streams spaces forever (no `Content-Length`).
pub fn endless() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let url = format!(
        "http://{}/v1/feed.json",
        listener.local_addr().expect("bound address")
    );
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if read_head(&mut stream).is_none() {
                    return;
                }
                let head =
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
                if stream.write_all(head).is_err() {
                    return;
                }
                let chunk = [b' '; 16 * 1024];
                while stream.write_all(&chunk).is_ok() {}
            });
        }
    });
    url
}
