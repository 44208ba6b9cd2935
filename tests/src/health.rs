//! A health endpoint the test controls, for `notice watch`: a plain HTTP server on 127.0.0.1 that answers
//! 200, answers another status, stops answering (accepts and says nothing), or refuses connections
//! (nothing listens on its port), and can follow a script of statuses to flap.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::poll::poll_until;

/// How the endpoint behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// `200 ok`.
    Up,
    /// This status (e.g. 500), body `down`.
    Status(u16),
    /// Accepts connections and never answers.
    Silent,
    /// Nothing listens: connections are refused.
    Refusing,
    /// These statuses, one per request, over and over (a flapping service).
    Script(Vec<u16>),
}

/// A controllable health endpoint; stops when dropped.
#[derive(Debug)]
pub struct HealthEndpoint {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Option<Server>,
}

#[derive(Debug)]
struct Shared {
    behaviour: Mutex<Behaviour>,
    requests: AtomicUsize,
}

#[derive(Debug)]
struct Server {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl HealthEndpoint {
    /// An endpoint on a free port of 127.0.0.1 that answers 200.
    ///
    /// # Panics
    /// When no port can be bound.
    pub fn start() -> HealthEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a health endpoint");
        let addr = listener.local_addr().expect("bound address");
        let shared = Arc::new(Shared {
            behaviour: Mutex::new(Behaviour::Up),
            requests: AtomicUsize::new(0),
        });
        let server = Some(serve(listener, shared.clone()));
        HealthEndpoint {
            addr,
            shared,
            server,
        }
    }

    /// `http://127.0.0.1:PORT/health`.
    pub fn url(&self) -> String {
        format!("http://{}/health", self.addr)
    }

    /// `127.0.0.1:PORT`, for a TCP check.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests answered (or held) so far.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Changes how it behaves from the next connection on. Refusing closes the port; anything else opens
    /// it again (on the same port).
    ///
    /// # Panics
    /// When the port cannot be bound again within the deadline.
    pub fn set(&mut self, behaviour: Behaviour) {
        let refusing = behaviour == Behaviour::Refusing;
        *self
            .shared
            .behaviour
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = behaviour;
        match (refusing, self.server.is_some()) {
            (true, true) => self.close(),
            (false, false) => {
                let listener = poll_until(
                    "the health endpoint's port to be free again",
                    Duration::from_secs(10),
                    || TcpListener::bind(self.addr).ok(),
                );
                self.server = Some(serve(listener, self.shared.clone()));
            }
            _ => {}
        }
    }

    fn close(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop.store(true, Ordering::SeqCst);
            let _ = server.thread.join();
        }
    }
}

impl Drop for HealthEndpoint {
    fn drop(&mut self) {
        self.close();
    }
}

fn serve(listener: TcpListener, shared: Arc<Shared>) -> Server {
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = stop.clone();
    // Non-blocking accept, so the thread sees `stop` and the listener (the port) closes with it.
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let thread = std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        while !thread_stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    if let Some(stream) = answer(stream, &shared) {
                        held.push(stream);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
            let silent = matches!(
                *shared.behaviour.lock().unwrap_or_else(|e| e.into_inner()),
                Behaviour::Silent
            );
            if !silent {
                // Whoever was kept waiting gets a closed connection now.
                held.clear();
            }
        }
    });
    Server { stop, thread }
}

/// Answers one request; returns the stream to hold when silent.
fn answer(mut stream: TcpStream, shared: &Shared) -> Option<TcpStream> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let count = shared.requests.fetch_add(1, Ordering::SeqCst);
    let status = match &*shared.behaviour.lock().unwrap_or_else(|e| e.into_inner()) {
        Behaviour::Up => 200,
        Behaviour::Status(status) => *status,
        Behaviour::Silent => return Some(stream),
        // Only until the port is closed.
        Behaviour::Refusing => 503,
        Behaviour::Script(statuses) if statuses.is_empty() => 200,
        Behaviour::Script(statuses) => statuses[count % statuses.len()],
    };
    let body = if status == 200 { "ok" } else { "down" };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    None
}
