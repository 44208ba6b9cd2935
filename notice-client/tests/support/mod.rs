//! Shared test fixtures: a publisher that signs documents in-test with notice-types, and small loopback HTTP
//! servers that misbehave in the ways mirrors do. No test here depends on notice-server.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod examples;

use notice_client::{Config, Timeouts};
use notice_types::{
    Component, FeedId, FeedPayload, LanguageTag, LocalizedText, Notice, NoticeId, PublicKey,
    PublishedDocument, RootPayload, SecretKey, Severity, Status, Timestamp, sign_feed, sign_root,
};

pub const FEED_ID: &str = "yivi-app/test";

/// 2026-07-01T12:00:00Z: the "now" of most tests.
pub fn t0() -> Timestamp {
    Timestamp::parse("2026-07-01T12:00:00Z").unwrap()
}

/// `t0()` plus `minutes`.
pub fn at(minutes: i64) -> Timestamp {
    t0().plus_seconds(minutes * 60)
}

/// Signs roots and feeds like the server or the break-glass CLI would.
pub struct Publisher {
    feed_key: SecretKey,
    root: RootPayload,
    root_envelope: notice_types::Envelope,
}

impl Publisher {
    pub fn new() -> Self {
        Self::for_feed(FEED_ID)
    }

    pub fn for_feed(feed_id: &str) -> Self {
        // Fixed seeds: test keys, deterministic documents.
        let root_key = SecretKey::from_seed(&[7; 32]);
        let feed_key = SecretKey::from_seed(&[9; 32]);
        let root = RootPayload {
            feed_id: FeedId::parse(feed_id).unwrap(),
            version: 1,
            root_keys: vec![root_key.public_key()],
            root_threshold: 1,
            feed_keys: vec![feed_key.public_key()],
            feed_threshold: 1,
            link_hosts: vec!["yivi.app".to_owned()],
        };
        let root_envelope = sign_root(&root, &root, &[&root_key]).unwrap();
        Self {
            feed_key,
            root,
            root_envelope,
        }
    }

    /// The root file the app ships.
    pub fn root_file(&self) -> Vec<u8> {
        serde_json::to_vec(&self.root_envelope).unwrap()
    }

    pub fn feed_key(&self) -> PublicKey {
        self.feed_key.public_key()
    }

    /// A published document: version `version`, issued one minute before `t0()`, valid for a day.
    pub fn document(&self, version: u64, notices: Vec<Notice>) -> Vec<u8> {
        self.document_at(version, at(-1), at(24 * 60), notices)
    }

    pub fn document_at(
        &self,
        version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
        notices: Vec<Notice>,
    ) -> Vec<u8> {
        let feed = FeedPayload {
            feed_id: self.root.feed_id.clone(),
            version,
            issued_at,
            expires_at,
            notices,
            service: None,
        };
        let envelope = sign_feed(&feed, &self.root, &[&self.feed_key]).unwrap();
        PublishedDocument::assemble(vec![self.root_envelope.clone()], envelope).unwrap()
    }
}

fn text(en: &str, nl: &str) -> LocalizedText {
    LocalizedText::from_pairs([
        (LanguageTag::parse("en").unwrap(), en),
        (LanguageTag::parse("nl").unwrap(), nl),
    ])
    .unwrap()
}

/// An ongoing outage of the keyshare server.
pub fn outage(id: &str, revision: u64, dismissible: bool) -> Notice {
    Notice {
        id: NoticeId::parse(id).unwrap(),
        revision,
        severity: Severity::Outage,
        status: Status::Investigating,
        title: text("PIN validation is down", "PIN-controle werkt niet"),
        body: text("We are working on it.", "We werken eraan."),
        components: vec![Component::parse("keyshare").unwrap()],
        platforms: vec![],
        app_versions: None,
        created_at: at(-30),
        updated_at: at(-30),
        show_from: None,
        starts_at: Some(at(-30)),
        ends_at: None,
        dismissible,
        link: Some("https://yivi.app/status".to_owned()),
        updates: vec![],
    }
}

/// Maintenance announced from `show_from`, running `starts_at..ends_at` (minutes relative to `t0()`).
pub fn maintenance(id: &str, show_from: i64, starts_at: i64, ends_at: i64) -> Notice {
    Notice {
        id: NoticeId::parse(id).unwrap(),
        revision: 1,
        severity: Severity::Maintenance,
        status: Status::Scheduled,
        title: text("Planned maintenance", "Gepland onderhoud"),
        body: text(
            "Issuance is unavailable during maintenance.",
            "Uitgifte is niet beschikbaar tijdens onderhoud.",
        ),
        components: vec![Component::parse("issuance").unwrap()],
        platforms: vec![],
        app_versions: None,
        created_at: at(-60),
        updated_at: at(-60),
        show_from: Some(at(show_from)),
        starts_at: Some(at(starts_at)),
        ends_at: Some(at(ends_at)),
        dismissible: true,
        link: None,
        updates: vec![],
    }
}

/// A configuration for `publisher`'s feed with `mirrors`, short timeouts and no minimum interval.
pub fn config(publisher: &Publisher, state_dir: &Path, mirrors: &[String]) -> Config {
    let mut config = Config::new(
        FeedId::parse(FEED_ID).unwrap(),
        publisher.root_file(),
        state_dir,
    );
    config.mirrors = mirrors.to_vec();
    config.context.locales = vec!["nl_NL".to_owned()];
    config.timeouts = Timeouts {
        connect: Duration::from_millis(1000),
        mirror: Duration::from_millis(1500),
        deadline: Duration::from_millis(3000),
        min_refresh_interval: Duration::ZERO,
    };
    config
}

/// Polls `condition` every 10 ms until it holds or 10 s pass.
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What a [`Mirror`] answers.
#[derive(Clone)]
pub enum Answer {
    /// 200 with the body and an ETag; 304 when `If-None-Match` matches.
    Document { body: Vec<u8>, etag: String },
    /// A status (e.g. 503) with an optional `Retry-After`.
    Status {
        code: u16,
        retry_after: Option<String>,
    },
}

/// A well-behaved (or deliberately unavailable) mirror on 127.0.0.1 that records every request.
pub struct Mirror {
    pub url: String,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Mirror {
    /// Serves `body` with an ETag derived from a counter, honouring `If-None-Match`.
    pub fn serving(body: Vec<u8>) -> Self {
        Self::start(Answer::Document {
            body,
            etag: "\"etag-1\"".to_owned(),
        })
    }

    pub fn answering(answer: Answer) -> Self {
        Self::start(answer)
    }

    /// Serves a new body under a new ETag.
    pub fn set_body(&self, body: Vec<u8>) {
        static NEXT: AtomicUsize = AtomicUsize::new(2);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        *self.answer.lock().unwrap() = Answer::Document {
            body,
            etag: format!("\"etag-{n}\""),
        };
    }

    pub fn set_answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    /// Raw request heads received so far (request line and headers).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/feed.json", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new(answer));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (a, r) = (answer.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, r) = (a.clone(), r.clone());
                std::thread::spawn(move || serve_one(stream, &a, &r));
            }
        });
        Self {
            url,
            answer,
            requests,
        }
    }
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

fn serve_one(mut stream: TcpStream, answer: &Mutex<Answer>, requests: &Mutex<Vec<String>>) {
    let Some(head) = read_head(&mut stream) else {
        return;
    };
    requests.lock().unwrap().push(head.clone());
    let answer = answer.lock().unwrap().clone();
    let response = match answer {
        Answer::Document { body, etag } => {
            if header(&head, "if-none-match") == Some(etag.as_str()) {
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
                    .into_bytes()
            } else {
                let mut out = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     ETag: {etag}\r\nSet-Cookie: tracker=abc123\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(&body);
                out
            }
        }
        Answer::Status { code, retry_after } => {
            let retry = retry_after
                .map(|r| format!("Retry-After: {r}\r\n"))
                .unwrap_or_default();
            format!(
                "HTTP/1.1 {code} Unavailable\r\n{retry}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes()
        }
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
}

/// A URL whose port refuses connections: bound, then the listener dropped.
pub fn refusing() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/v1/feed.json")
}

/// A mirror that accepts connections and never answers. Returns the URL and a count of accepted
/// connections.
pub fn black_hole() -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/feed.json", listener.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(0usize));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            *count.lock().unwrap() += 1;
            // Keep the connection open and silent.
            held.push(stream);
        }
    });
    (url, accepted)
}

/// A mirror that answers 200 and then streams spaces forever (no Content-Length). Returns the URL and the
/// number of body bytes it managed to send before the client hung up.
pub fn endless() -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/feed.json", listener.local_addr().unwrap());
    let sent = Arc::new(Mutex::new(0usize));
    let total = sent.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let total = total.clone();
            std::thread::spawn(move || {
                if read_head(&mut stream).is_none() {
                    return;
                }
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
                if stream.write_all(head).is_err() {
                    return;
                }
                let chunk = [b' '; 16 * 1024];
                while stream.write_all(&chunk).is_ok() {
                    *total.lock().unwrap() += chunk.len();
                }
            });
        }
    });
    (url, sent)
}
