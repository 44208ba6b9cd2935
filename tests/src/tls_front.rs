//! The TLS front of the deploy kit (`deploy/nginx/notice.conf`), run by Debian's nginx on 127.0.0.1 in front
//! of a test server, with a private CA and a server certificate made by the test.
//!
//! The kit's file is used as it is, with only what a deployment changes rewritten: the listen addresses
//! (a free port on 127.0.0.1 instead of 443 and 80), the certificate paths, and the upstream address. nginx
//! runs in the foreground as one process (`master_process off`), with its temporary files in the test's
//! directory. It prints nothing when ready, so the harness polls the port with a deadline.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use crate::http::is_listening;
use crate::poll::try_poll_until;
use crate::process::{START_TIMEOUT, kill};

/// The deploy kit's nginx configuration.
const KIT_CONFIG: &str = include_str!("../../deploy/nginx/notice.conf");

/// A private certificate authority and a certificate it issued for `localhost` and 127.0.0.1, as PEM files.
#[derive(Debug)]
pub struct TestPki {
    dir: TempDir,
}

impl TestPki {
    /// Makes a new CA and server certificate.
    ///
    /// # Panics
    /// When the certificates cannot be made or written.
    pub fn new() -> TestPki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let dir = tempfile::tempdir().expect("certificate directory");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.distinguished_name
            .push(DnType::CommonName, "Notice test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("self-signed CA");
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let mut server =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server parameters");
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        let write = |name: &str, text: String| {
            std::fs::write(dir.path().join(name), text).expect("write a certificate file");
        };
        write("ca.pem", ca_cert.pem());
        write("fullchain.pem", server_cert.pem());
        write("privkey.pem", server_key.serialize_pem());
        TestPki { dir }
    }

    /// The CA certificate: what `--ca-cert` / `NOTICE_CA_CERT` and the client's configuration take.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server certificate (issued by the CA).
    pub fn server_cert(&self) -> PathBuf {
        self.dir.path().join("fullchain.pem")
    }

    /// The server certificate's private key.
    pub fn server_key(&self) -> PathBuf {
        self.dir.path().join("privkey.pem")
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// nginx with the deploy kit's configuration in front of `upstream`; stopped when dropped.
#[derive(Debug)]
pub struct TlsFront {
    child: Option<Child>,
    https: SocketAddr,
    http: SocketAddr,
    _dir: TempDir,
}

impl TlsFront {
    /// Starts nginx in front of the plain-HTTP server at `upstream`, serving `pki`'s server certificate.
    ///
    /// # Panics
    /// When nginx is not installed, the configuration does not load, or it does not listen in time.
    pub fn start(upstream: SocketAddr, pki: &TestPki) -> TlsFront {
        let dir = tempfile::tempdir().expect("nginx directory");
        let https = free_port();
        let http = free_port();
        let site = site_config(upstream, https, http, pki);
        std::fs::write(dir.path().join("notice.conf"), site).expect("write the site configuration");
        let main = main_config(dir.path());
        let main_path = dir.path().join("nginx.conf");
        std::fs::write(&main_path, main).expect("write nginx.conf");
        let mut child = Command::new(nginx())
            .arg("-c")
            .arg(&main_path)
            .arg("-p")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nginx: {e}"));
        let url = format!("http://{https}");
        let ready = try_poll_until(START_TIMEOUT, || {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("nginx exited at start ({status}); its messages are above");
            }
            is_listening(&url).then_some(())
        });
        if ready.is_none() {
            kill(&mut Some(child));
            panic!("nginx did not listen on {https} within {START_TIMEOUT:?}");
        }
        TlsFront {
            child: Some(child),
            https,
            http,
            _dir: dir,
        }
    }

    /// `https://localhost:PORT`: the name the certificate is for.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.https.port())
    }

    /// `http://127.0.0.1:PORT`: the plain-HTTP side, which only redirects.
    pub fn plain_url(&self) -> String {
        format!("http://{}", self.http)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// The kit's site configuration with a deployment's changes: listen addresses, certificates, upstream.
fn site_config(upstream: SocketAddr, https: SocketAddr, http: SocketAddr, pki: &TestPki) -> String {
    let mut out = String::new();
    for line in KIT_CONFIG.lines() {
        let trimmed = line.trim();
        // IPv6 listeners: loopback tests listen on 127.0.0.1 only.
        if trimmed.starts_with("listen [::]") {
            continue;
        }
        let replaced = if trimmed.starts_with("listen 443 ") {
            line.replace("listen 443 ", &format!("listen {https} "))
        } else if trimmed == "listen 80;" {
            line.replace("listen 80;", &format!("listen {http};"))
        } else if trimmed.starts_with("ssl_certificate ") {
            format!("    ssl_certificate     {};", pki.server_cert().display())
        } else if trimmed.starts_with("ssl_certificate_key ") {
            format!("    ssl_certificate_key {};", pki.server_key().display())
        } else if trimmed == "server 127.0.0.1:8080;" {
            format!("    server {upstream};")
        } else {
            line.to_owned()
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    for expected in [https.to_string(), http.to_string(), upstream.to_string()] {
        assert!(
            out.contains(&expected),
            "deploy/nginx/notice.conf changed shape: {expected} was not put in\n{out}"
        );
    }
    out
}

/// A main nginx.conf for one foreground process whose files all live in `dir`.
fn main_config(dir: &Path) -> String {
    let dir = dir.display();
    format!(
        "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log stderr warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n  \
         fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n  \
         include {dir}/notice.conf;\n}}\n"
    )
}

/// A port on 127.0.0.1 that was free a moment ago (nginx cannot report a port it chose itself).
fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
}

/// nginx: on `PATH` or where Debian puts it.
fn nginx() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx is not installed (the TLS front test runs Debian's): apt-get install nginx"
            )
        })
}
