//! Sends through the real SMTP code path to an in-process SMTP server and checks what arrived.

// The mail crate cannot depend on the test kit (the test kit depends on the app, which depends on
// mail), so the sink's source file is compiled into this test directly.
#[path = "../../testkit/src/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

use std::time::Duration;

use base64::Engine;
use chapterhouse_mail::{DkimConfig, MailError, Mailer, OutgoingMail, Secret, SmtpConfig, SmtpTls};
use sha2::{Digest, Sha256};
use smtp_sink::{ReceivedMail, SmtpSink};

const WAIT: Duration = Duration::from_secs(10);

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        tls: SmtpTls::None,
        dkim: None,
        timeout_secs: 5,
    }
}

fn fixture(name: &str) -> String {
    // Read at run time: a test binary reused from another checkout must not look in that one.
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/tests/fixtures/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn mail(subject: &str, text: &str) -> OutgoingMail {
    OutgoingMail {
        from_name: "Gulf State Society of Clinical Oncology".into(),
        from_address: "office@gsco.example".into(),
        reply_to: Some("members@gsco.example".into()),
        to: "dr.muller@example.org".into(),
        subject: subject.into(),
        text_body: text.into(),
        html_body: None,
        headers: vec![],
        attachments: vec![],
    }
}

/// Non-ASCII, a line far beyond SMTP's 998-octet limit, and lines that need dot-stuffing.
fn tricky_text() -> String {
    let long = "Ré-inscription au congrès annuel ".repeat(40);
    format!("Café — über alles.\n{long}\n.hidden line\n.\nEnd with ✓")
}

#[tokio::test]
async fn plain_message_arrives_intact() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");
    let text = tricky_text();
    mailer
        .send(&mail("Café — über", &text))
        .await
        .expect("send");

    let received = sink.wait_for(1, WAIT).await.expect("mail");
    let m = &received[0];
    assert_eq!(m.mail_from, "office@gsco.example");
    assert_eq!(m.rcpt_to, vec!["dr.muller@example.org".to_owned()]);
    assert_eq!(m.subject(), "Café — über");
    let from = m.decoded_header("From").expect("From");
    assert!(
        from.contains("Gulf State Society of Clinical Oncology")
            && from.ends_with("<office@gsco.example>"),
        "{from}"
    );
    assert_eq!(m.header("To").as_deref(), Some("dr.muller@example.org"));
    assert_eq!(
        m.header("Reply-To").as_deref(),
        Some("members@gsco.example")
    );
    let message_id = m.header("Message-ID").expect("Message-ID");
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@gsco.example>"),
        "{message_id}"
    );
    assert!(m.header("Date").is_some());
    assert_eq!(m.body_text(), text);
    // The long line must have been encoded: no transmitted line exceeds the SMTP limit.
    assert!(m.data.split("\r\n").all(|line| line.len() <= 998));
}

#[tokio::test]
async fn html_message_is_multipart_alternative() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");
    let text = tricky_text();
    let mut outgoing = mail("Your sign-in link", &text);
    outgoing.html_body =
        Some("<p>Café — <a href=\"https://gsco.example/s/abc\">sign in</a></p>".into());
    mailer.send(&outgoing).await.expect("send");

    let m = &sink.wait_for(1, WAIT).await.expect("mail")[0];
    let content_type = m.header("Content-Type").expect("Content-Type");
    assert!(
        content_type.starts_with("multipart/alternative;"),
        "{content_type}"
    );
    assert!(m.data.contains("Content-Type: text/html; charset=utf-8"));
    assert_eq!(m.body_text(), text);
}

#[tokio::test]
async fn extra_headers_arrive() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");
    let mut outgoing = mail("Newsletter", "News");
    outgoing.headers = vec![
        (
            "List-Unsubscribe".into(),
            "<https://gsco.example/unsubscribe/t0k3n>".into(),
        ),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
    ];
    mailer.send(&outgoing).await.expect("send");
    let m = &sink.wait_for(1, WAIT).await.expect("mail")[0];
    assert_eq!(
        m.header("list-unsubscribe").as_deref(),
        Some("<https://gsco.example/unsubscribe/t0k3n>")
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
}

#[tokio::test]
async fn dkim_signed_messages_verify() {
    for (key_file, algorithm) in [
        ("dkim-rsa-pkcs8.pem", "rsa-sha256"),
        ("dkim-rsa-pkcs1.pem", "rsa-sha256"),
        ("dkim-ed25519.pem", "ed25519-sha256"),
    ] {
        let sink = SmtpSink::start().await.expect("sink");
        let pem = fixture(key_file);
        let cfg = SmtpConfig {
            dkim: Some(DkimConfig {
                domain: "gsco.example".into(),
                selector: "ch2025".into(),
                private_key_pem: Secret::new(pem.clone()),
            }),
            ..config(sink.port())
        };
        let mailer = Mailer::smtp(&cfg).expect("mailer");
        let mut outgoing = mail("Café — über", &tricky_text());
        outgoing.html_body = Some("<p>Café</p>".into());
        outgoing.headers = vec![(
            "List-Unsubscribe".into(),
            "<https://gsco.example/unsubscribe/t0k3n>".into(),
        )];
        mailer.send(&outgoing).await.expect("send");

        let m = &sink.wait_for(1, WAIT).await.expect("mail")[0];
        let signature = m.header("DKIM-Signature").expect("DKIM-Signature");
        let tags = dkim_tags(&signature);
        assert_eq!(tag(&tags, "d"), "gsco.example", "{key_file}");
        assert_eq!(tag(&tags, "s"), "ch2025", "{key_file}");
        assert_eq!(tag(&tags, "a"), algorithm, "{key_file}");
        assert_eq!(tag(&tags, "c"), "relaxed/relaxed", "{key_file}");

        let key = VerifyKey::from_pem(&pem);
        verify_dkim(&m.data, &key).unwrap_or_else(|e| panic!("{key_file}: {e}\n{}", m.data));
        // The verifier is not vacuous: a changed body or header fails.
        let tampered = m.data.replacen("\r\n\r\n", "\r\n\r\nX", 1);
        assert!(verify_dkim(&tampered, &key).is_err(), "{key_file}: body");
        let tampered = m.data.replacen("To: dr.muller@", "To: dr.mueller@", 1);
        assert!(verify_dkim(&tampered, &key).is_err(), "{key_file}: header");
    }
}

#[tokio::test]
async fn rejections_are_classified() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");

    sink.reject_next(550);
    let err = mailer.send(&mail("a", "b")).await.expect_err("550");
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("550"), "{err}");

    sink.reject_next(451);
    let err = mailer.send(&mail("a", "b")).await.expect_err("451");
    assert!(matches!(err, MailError::Transient(_)), "{err:?}");

    // The sink and the mailer are fine afterwards.
    mailer.send(&mail("after", "ok")).await.expect("send");
    let received = sink.wait_for(1, WAIT).await.expect("mail");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject(), "after");
}

#[tokio::test]
async fn invalid_recipient_is_permanent_without_connecting() {
    // Nothing listens on this port, so a connection attempt would be a transient error.
    let mailer = Mailer::smtp(&config(closed_port().await)).expect("mailer");
    let mut outgoing = mail("a", "b");
    outgoing.to = "not-an-address".into();
    let err = mailer.send(&outgoing).await.expect_err("bad address");
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn required_tls_never_falls_back_to_plain_text() {
    // The sink offers no STARTTLS and speaks no TLS: both modes must fail (transiently, as a
    // relay misconfiguration) without a message going out in clear text.
    let sink = SmtpSink::start().await.expect("sink");
    for tls in [SmtpTls::StartTls, SmtpTls::Tls] {
        let cfg = SmtpConfig {
            tls,
            ..config(sink.port())
        };
        let mailer = Mailer::smtp(&cfg).expect("mailer");
        let err = mailer.send(&mail("secret", "x")).await.expect_err("no TLS");
        assert!(matches!(err, MailError::Transient(_)), "{tls:?}: {err:?}");
    }
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let mailer = Mailer::smtp(&config(closed_port().await)).expect("mailer");
    let err = mailer.send(&mail("a", "b")).await.expect_err("refused");
    assert!(matches!(err, MailError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn silent_server_times_out_as_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and then say nothing, like a hung relay.
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let cfg = SmtpConfig {
        timeout_secs: 1,
        ..config(port)
    };
    let mailer = Mailer::smtp(&cfg).expect("mailer");
    let started = std::time::Instant::now();
    let err = mailer.send(&mail("a", "b")).await.expect_err("timeout");
    assert!(matches!(err, MailError::Transient(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn concurrent_sends_all_arrive() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");
    let sends = (0..8).map(|i| {
        let mailer = mailer.clone();
        tokio::spawn(async move { mailer.send(&mail(&format!("message {i}"), "hi")).await })
    });
    for send in sends {
        send.await.expect("join").expect("send");
    }
    let received = sink.wait_for(8, WAIT).await.expect("mail");
    let mut subjects: Vec<String> = received.iter().map(ReceivedMail::subject).collect();
    subjects.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("message {i}")).collect();
    assert_eq!(subjects, expected);
}

#[tokio::test]
async fn wait_for_reports_what_arrived() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::smtp(&config(sink.port())).expect("mailer");
    mailer.send(&mail("only one", "x")).await.expect("send");
    let err = sink
        .wait_for(2, Duration::from_millis(200))
        .await
        .expect_err("only one arrived");
    let text = err.to_string();
    assert!(
        text.contains("got 1") && text.contains("only one"),
        "{text}"
    );
}

#[tokio::test]
async fn file_outbox_writes_eml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::file_outbox(dir.path().join("outbox")).expect("outbox");
    mailer
        .send(&mail("Café — über", &tricky_text()))
        .await
        .expect("send");
    let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    // Same parser as for SMTP: the file holds the message exactly as it would be sent.
    let m = ReceivedMail {
        mail_from: String::new(),
        rcpt_to: vec![],
        data: std::fs::read_to_string(&files[0]).expect("read"),
    };
    assert_eq!(m.subject(), "Café — über");
    assert_eq!(m.body_text(), tricky_text());
}

/// A port nothing listens on: bound once to get a free number, then released.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("addr").port()
}

// --- A small DKIM verifier (RFC 6376, relaxed/relaxed), to check the signatures really verify.

enum VerifyKey {
    Rsa(rsa::RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyKey {
    fn from_pem(pem: &str) -> VerifyKey {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs1_pem(pem) {
            return VerifyKey::Rsa(key.to_public_key());
        }
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
            return VerifyKey::Rsa(key.to_public_key());
        }
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).expect("ed25519 key");
        VerifyKey::Ed25519(key.verifying_key())
    }
}

fn dkim_tags(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| {
            let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            (k.trim().to_owned(), v)
        })
        .collect()
}

fn tag<'a>(tags: &'a [(String, String)], name: &str) -> &'a str {
    tags.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name}= tag"))
}

/// Collapses runs of spaces and tabs into one space.
fn compress_wsp(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_wsp = false;
    for c in s.chars() {
        if c == ' ' || c == '\t' {
            in_wsp = true;
        } else {
            if in_wsp {
                out.push(' ');
            }
            in_wsp = false;
            out.push(c);
        }
    }
    if in_wsp {
        out.push(' ');
    }
    out
}

fn relaxed_body(body: &str) -> String {
    let body = body.strip_suffix("\r\n").unwrap_or(body);
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|l| compress_wsp(l).trim_end_matches(' ').to_owned())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

fn relaxed_header(name: &str, value: &str) -> String {
    let value = compress_wsp(&value.replace("\r\n", ""));
    format!(
        "{}:{}",
        name.trim().to_ascii_lowercase(),
        value.trim_matches(' ')
    )
}

fn verify_dkim(raw: &str, key: &VerifyKey) -> Result<(), String> {
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no body")?;
    // (name, raw value with folding kept)
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = fields.last_mut().ok_or("continuation first")?;
            last.1.push_str("\r\n");
            last.1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').ok_or("bad header line")?;
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    let (_, signature) = fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature"))
        .ok_or("no DKIM-Signature")?;
    let tags = dkim_tags(signature);
    let get = |name: &str| {
        tags.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(format!("no {name}="))
    };

    let body_hash = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(relaxed_body(body).as_bytes()));
    if body_hash != get("bh")? {
        return Err("body hash mismatch".into());
    }

    let mut hashed = String::new();
    let mut used = vec![false; fields.len()];
    for name in get("h")?.split(':') {
        // The last unused instance of each named field, per RFC 6376 5.4.2.
        if let Some(i) = (0..fields.len())
            .rev()
            .find(|&i| !used[i] && fields[i].0.trim().eq_ignore_ascii_case(name))
        {
            used[i] = true;
            hashed.push_str(&relaxed_header(&fields[i].0, &fields[i].1));
            hashed.push_str("\r\n");
        }
    }
    let without_b = signature
        .split(';')
        .map(|t| match t.trim_start().strip_prefix("b=") {
            Some(_) => &t[..t.find("b=").unwrap_or(0) + 2],
            None => t,
        })
        .collect::<Vec<_>>()
        .join(";");
    hashed.push_str(&relaxed_header("DKIM-Signature", &without_b));

    let digest = Sha256::digest(hashed.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD
        .decode(get("b")?)
        .map_err(|e| e.to_string())?;
    match key {
        VerifyKey::Rsa(public) => public
            .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
            .map_err(|e| format!("RSA signature: {e}")),
        VerifyKey::Ed25519(public) => {
            let signature =
                ed25519_dalek::Signature::from_slice(&signature).map_err(|e| e.to_string())?;
            public
                .verify_strict(&digest, &signature)
                .map_err(|e| format!("Ed25519 signature: {e}"))
        }
    }
}
