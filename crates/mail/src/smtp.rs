//! Sending through an SMTP relay with lettre.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::dkim::DkimSigner;
use crate::message::build;
use crate::{MailError, OutgoingMail, SmtpConfig, SmtpTls};

/// An SMTP relay plus the optional DKIM key; cheap to clone (one shared allocation).
///
/// Without lettre's `pool` feature every send opens its own connection, which keeps a failed
/// transaction from affecting the next message.
#[derive(Clone)]
pub struct SmtpMailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    dkim: Option<DkimSigner>,
    relay: String,
    deadline: Duration,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("relay", &self.inner.relay)
            .field("dkim", &self.inner.dkim.is_some())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Checks the configuration (including the DKIM key) and prepares the transport; no
    /// connection is made until the first send.
    pub fn new(cfg: &SmtpConfig) -> anyhow::Result<SmtpMailer> {
        if cfg.host.trim().is_empty() {
            bail!("smtp.host is empty");
        }
        if cfg.port == 0 {
            bail!("smtp.port must not be 0");
        }
        if cfg.timeout_secs == 0 {
            bail!("smtp.timeout_secs must be at least 1");
        }
        let host = cfg.host.trim();
        let builder = match cfg.tls {
            // lettre calls this "dangerous" because nothing is encrypted; right for a relay on
            // loopback or a private network.
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .with_context(|| format!("cannot set up STARTTLS for {host}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .with_context(|| format!("cannot set up TLS for {host}"))?,
        };
        let deadline = Duration::from_secs(cfg.timeout_secs);
        let mut builder = builder.port(cfg.port).timeout(Some(deadline));

        match (&cfg.username, &cfg.password) {
            (Some(username), Some(password)) => {
                if cfg.tls == SmtpTls::None && !is_loopback(host) {
                    tracing::warn!(
                        host,
                        "SMTP credentials will be sent unencrypted; set smtp.tls to starttls or tls"
                    );
                }
                builder = builder.credentials(Credentials::new(
                    username.clone(),
                    password.expose().to_owned(),
                ));
            }
            (Some(_), None) => bail!("smtp.username is set but smtp.password is not"),
            (None, Some(_)) => bail!("smtp.password is set but smtp.username is not"),
            (None, None) => {}
        }

        let dkim = cfg.dkim.as_ref().map(DkimSigner::new).transpose()?;

        Ok(SmtpMailer {
            inner: Arc::new(Inner {
                transport: builder.build(),
                dkim,
                relay: format!("{host}:{}", cfg.port),
                deadline,
            }),
        })
    }

    /// Builds, signs and sends one message.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let inner = &*self.inner;
        let built = build(mail)?;
        let mut message = built.message;
        if let Some(dkim) = &inner.dkim {
            dkim.sign(&mut message, built.signed_headers)?;
        }
        // lettre's tokio transport applies its timeout to connecting only, so a relay that
        // accepts and then stalls would hold a worker forever: bound the whole exchange.
        tokio::time::timeout(inner.deadline, inner.transport.send(message))
            .await
            .map_err(|_| {
                MailError::Transient(format!(
                    "SMTP relay {} did not complete within {:?}",
                    inner.relay, inner.deadline
                ))
            })?
            .map_err(|e| MailError::from_smtp(&e))?;
        tracing::debug!(relay = %inner.relay, message_id = %built.id, "mail sent");
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DkimConfig, Secret};

    fn config() -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
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
        std::fs::read_to_string(&path).expect(&path)
    }

    fn dkim(key: &str) -> DkimConfig {
        DkimConfig {
            domain: "gsco.example".into(),
            selector: "ch2025".into(),
            private_key_pem: Secret::new(key),
        }
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("localhost") && is_loopback("127.0.0.1") && is_loopback("[::1]"));
        assert!(!is_loopback("smtp.example") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn tls_modes_build() {
        for tls in [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls] {
            let cfg = SmtpConfig {
                host: "smtp.example".into(),
                tls,
                ..config()
            };
            SmtpMailer::new(&cfg).expect("transport");
        }
    }

    #[test]
    fn credentials_need_both_halves() {
        let cfg = SmtpConfig {
            username: Some("office".into()),
            ..config()
        };
        assert!(SmtpMailer::new(&cfg).is_err());
        let cfg = SmtpConfig {
            password: Some(Secret::new("hunter2")),
            ..config()
        };
        let err = SmtpMailer::new(&cfg).expect_err("password without username");
        assert!(!format!("{err:#}").contains("hunter2"));
    }

    #[test]
    fn accepts_every_supported_key_form() {
        for name in [
            "dkim-rsa-pkcs1.pem",
            "dkim-rsa-pkcs8.pem",
            "dkim-ed25519.pem",
        ] {
            let cfg = SmtpConfig {
                dkim: Some(dkim(&fixture(name))),
                ..config()
            };
            SmtpMailer::new(&cfg).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
        // lettre's native Ed25519 form, the base64 of the seed.
        let cfg = SmtpConfig {
            dkim: Some(dkim("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")),
            ..config()
        };
        SmtpMailer::new(&cfg).expect("base64 seed");
    }

    #[test]
    fn bad_keys_fail_at_start_up() {
        let pkcs1 = fixture("dkim-rsa-pkcs1.pem");
        let truncated = &pkcs1[..pkcs1.len() / 2];
        for (key, why) in [
            ("", "empty"),
            ("not a key", "garbage"),
            (truncated, "truncated"),
            (&fixture("rsa-512-too-small.pem"), "too small"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted",
            ),
        ] {
            let cfg = SmtpConfig {
                dkim: Some(dkim(key)),
                ..config()
            };
            let err = SmtpMailer::new(&cfg).expect_err(why);
            let text = format!("{err:#}");
            assert!(text.contains("dkim"), "{why}: {text}");
            // The message names the problem, never the key material.
            assert!(!text.contains("MII"), "{why}: {text}");
        }
        let cfg = SmtpConfig {
            dkim: Some(DkimConfig {
                selector: "bad selector; x=y".into(),
                ..dkim(&pkcs1)
            }),
            ..config()
        };
        assert!(SmtpMailer::new(&cfg).is_err());
    }

    #[test]
    fn dkim_signature_names_domain_and_selector() {
        for name in ["dkim-rsa-pkcs8.pem", "dkim-ed25519.pem"] {
            let signer = DkimSigner::new(&dkim(&fixture(name))).expect("signer");
            let mut mail = crate::message::tests::sample();
            mail.headers = vec![(
                "List-Unsubscribe".into(),
                "<https://gsco.example/u/t>".into(),
            )];
            let built = build(&mail).expect("build");
            let mut message = built.message;
            signer
                .sign(&mut message, built.signed_headers)
                .expect("sign");
            let text = String::from_utf8(message.formatted()).expect("utf-8");
            let (head, _) = text.split_once("\r\n\r\n").expect("head");
            let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
            let sig = unfolded
                .split("\r\n")
                .find_map(|l| l.strip_prefix("DKIM-Signature: "))
                .unwrap_or_else(|| panic!("{name}: no DKIM-Signature in\n{head}"));
            let tags: Vec<&str> = sig.split(';').map(str::trim).collect();
            assert!(tags.contains(&"d=gsco.example"), "{sig}");
            assert!(tags.contains(&"s=ch2025"), "{sig}");
            assert!(tags.contains(&"c=relaxed/relaxed"), "{sig}");
            let alg = if name.contains("rsa") {
                "a=rsa-sha256"
            } else {
                "a=ed25519-sha256"
            };
            assert!(tags.contains(&alg), "{sig}");
            let h = tags
                .iter()
                .find_map(|t| t.strip_prefix("h="))
                .expect("h= tag");
            for covered in [
                "from",
                "to",
                "subject",
                "date",
                "message-id",
                "list-unsubscribe",
            ] {
                assert!(h.split(':').any(|n| n == covered), "{covered} not in h={h}");
            }
        }
    }
}
