//! The real binary as a process: start-up errors, `kill -9` during page saves, and a job whose
//! worker was killed running again after its lock expires.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chapterhouse");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path, port: u16, env: &[(&str, String)]) -> Server {
        let mut command = Command::new(BIN);
        command
            .args([
                "serve",
                "--demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start chapterhouse");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = server.try_request("GET", "/healthz", "", None)
                && r.status == 200
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not start");
    }

    fn kill9(mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    fn try_request(
        &self,
        method: &str,
        path: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n",
            self.port
        );
        if let Some(cookie) = cookie {
            request.push_str(&format!("Cookie: ch_session={cookie}\r\n"));
        }
        if method == "POST" {
            request.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw)?;
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(Reply {
            status,
            head: head.to_string(),
            body: body.to_string(),
        })
    }

    fn request(&self, method: &str, path: &str, body: &str, cookie: Option<&str>) -> Reply {
        self.try_request(method, path, body, cookie)
            .expect("request")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn capture(&self, pattern: &str) -> String {
        regex_lite::Regex::new(pattern)
            .unwrap()
            .captures(&self.body)
            .unwrap_or_else(|| panic!("{pattern} not in {}", self.body))[1]
            .to_string()
    }

    fn session(&self) -> String {
        let start = self.head.find("ch_session=").expect("session cookie") + "ch_session=".len();
        self.head[start..].split(';').next().unwrap().to_string()
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('&', "%26")
                    .replace('+', "%2B")
                    .replace(' ', "+")
                    .replace('=', "%3D")
                    .replace('\n', "%0A")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn sign_in(server: &Server) -> String {
    let page = server.request("GET", "/sign-in", "", None);
    let csrf = page.capture(r#"name="csrf" value="([^"]+)""#);
    let reply = server.request(
        "POST",
        "/sign-in",
        &form(&[
            ("csrf", &csrf),
            ("email", "director@gsco.example"),
            ("password", "chapterhouse-demo"),
        ]),
        None,
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.session()
}

#[test]
fn an_unknown_database_scheme_is_refused_with_one_line() {
    let output = Command::new(BIN)
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://db/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("unsupported database URL scheme"),
        "{stderr}"
    );

    let output = Command::new(BIN)
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot reach the PostgreSQL server"));
}

#[test]
fn config_default_prints_an_annotated_file() {
    let output = Command::new(BIN)
        .args(["config", "default"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("listen = \"127.0.0.1:8080\"") && text.contains("# "));
}

#[test]
fn kill_9_during_page_saves_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port, &[]);
    let cookie = sign_in(&server);
    let pages = server.request("GET", "/staff/pages", "", Some(&cookie));
    let id = pages.capture(r#"<a href="/staff/pages/([0-9a-f-]+)">About Us</a>"#);
    let filler = "lorem ipsum dolor sit amet ".repeat(400);

    let pid = server.child.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    let mut acknowledged: Option<usize> = None;
    let mut attempted = 0;
    for i in 0.. {
        let Ok(edit) = server.try_request("GET", &format!("/staff/pages/{id}"), "", Some(&cookie))
        else {
            break;
        };
        if edit.status != 200 {
            break;
        }
        let csrf = edit.capture(r#"name="csrf" value="([^"]+)""#);
        let version = edit.capture(r#"name="version" value="(\d+)""#);
        let body = format!("BEGIN-{i}\n\n{filler}\n\nEND-{i}");
        attempted = i;
        match server.try_request(
            "POST",
            &format!("/staff/pages/{id}"),
            &form(&[
                ("csrf", &csrf),
                ("title", "About Us"),
                ("slug", "about"),
                ("body", &body),
                ("menu_label", "About Us"),
                ("menu_order", "10"),
                ("published", "on"),
                ("version", &version),
                ("action", "save"),
            ]),
            Some(&cookie),
        ) {
            Ok(reply) if reply.status == 303 => acknowledged = Some(i),
            _ => break,
        }
    }
    killer.join().unwrap();
    let acknowledged = acknowledged.expect("at least one save was acknowledged before the kill");
    std::mem::forget(server); // already killed

    let restarted = Server::start(dir.path(), port, &[]);
    let about = restarted.request("GET", "/about", "", None);
    assert_eq!(about.status, 200);
    let saved: usize = about.capture(r"BEGIN-(\d+)").parse().unwrap();
    assert!(
        saved >= acknowledged && saved <= attempted,
        "saved {saved}, acknowledged {acknowledged}, attempted {attempted}"
    );
    assert!(
        about.body.contains(&format!("END-{saved}")),
        "the page is whole, not half-saved"
    );
    restarted.kill9();
}

#[test]
fn a_job_claimed_by_a_killed_worker_runs_again_after_its_lock_expires() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // An SMTP server that accepts and never answers: the mail job hangs mid-run.
    let hang = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang_port = hang.local_addr().unwrap().port();
    let mail_env = |smtp_port: u16| {
        vec![
            ("CHAPTERHOUSE_MAIL_MODE", "smtp".to_string()),
            ("CHAPTERHOUSE_SMTP_HOST", "127.0.0.1".to_string()),
            ("CHAPTERHOUSE_SMTP_PORT", smtp_port.to_string()),
            ("CHAPTERHOUSE_JOB_LOCK_SECONDS", "3".to_string()),
        ]
    };
    let server = Server::start(dir.path(), port, &mail_env(hang_port));
    let page = server.request("GET", "/sign-in", "", None);
    let csrf = page.capture(r#"name="csrf" value="([^"]+)""#);
    let reply = server.request(
        "POST",
        "/sign-in/link",
        &form(&[("csrf", &csrf), ("email", "director@gsco.example")]),
        None,
    );
    assert_eq!(reply.status, 200);
    hang.set_nonblocking(false).unwrap();
    let (_held, _) = hang.accept().expect("the worker connects to send the mail");
    server.kill9();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sink = runtime
        .block_on(chapterhouse_testkit::SmtpSink::start())
        .unwrap();
    let restarted = Server::start(dir.path(), port, &mail_env(sink.port()));
    // The demo's daily membership run also sends renewal reminders: pick out the sign-in mail.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let sign_in = loop {
        let found = sink
            .received()
            .into_iter()
            .find(|m| m.rcpt_to == vec!["director@gsco.example".to_string()]);
        if let Some(mail) = found {
            break mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job runs again once its lock expires"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        sign_in.subject().contains("sign-in link"),
        "{}",
        sign_in.subject()
    );
    restarted.kill9();
}

#[test]
fn admin_payments_stores_the_stripe_keys_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env("CHAPTERHOUSE_OWNER_PASSWORD", "owner password 1")
            .output()
            .unwrap()
    };
    let created = run(&[
        "admin",
        "create-society",
        "--name",
        "Test Oncology Society",
        "--short-name",
        "TOS",
        "--slug",
        "tos",
        "--host",
        "tos.test",
        "--email",
        "office@tos.test",
        "--owner-name",
        "Olive",
        "--owner-email",
        "owner@tos.test",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let secret = "sk_test_51ProcessTestSecretKey";
    let saved = run(&[
        "admin",
        "payments",
        "--society",
        "tos",
        "--publishable-key",
        "pk_test_51ProcessTest",
        "--secret-key",
        secret,
        "--webhook-secret",
        "whsec_ProcessTestSigning",
    ]);
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    assert!(String::from_utf8_lossy(&saved.stdout).contains("saved the Stripe keys"));
    let mut bytes = std::fs::read(dir.path().join("chapterhouse.db")).unwrap();
    bytes.extend(std::fs::read(dir.path().join("chapterhouse.db-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("pk_test_51ProcessTest"));
    assert!(!text.contains("ProcessTestSecretKey") && !text.contains("ProcessTestSigning"));

    let refused = run(&[
        "admin",
        "payments",
        "--society",
        "tos",
        "--publishable-key",
        "sk_test_51Oops1234",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("pk_live_ or pk_test_"), "{stderr}");
}
