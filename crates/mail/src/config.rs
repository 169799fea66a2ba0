//! Configuration of the SMTP relay and DKIM signing, as read from the config file.

use serde::{Deserialize, Serialize};

use crate::Secret;

/// How to reach the SMTP relay.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Relay host name; also the name checked against the TLS certificate.
    pub host: String,
    pub port: u16,
    /// When set, authenticate (PLAIN or LOGIN) with `password`.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// Sign outgoing messages when set.
    #[serde(default)]
    pub dkim: Option<DkimConfig>,
    /// Deadline in seconds for sending one message, from connecting to the relay's final reply.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    60
}

/// Transport security towards the relay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text; meant for a relay on loopback or a private network (the default).
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS, which is then required (usually port 587).
    StartTls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

/// DKIM signing key and where its public half is published (`<selector>._domainkey.<domain>`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    /// The signing domain (`d=`); should be, or be a parent of, the From domain for DMARC.
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// An RSA key as PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM, or an
    /// Ed25519 key as PKCS#8 PEM or as the base64 of its 32-byte seed.
    pub private_key_pem: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserializes_with_defaults() {
        let cfg: SmtpConfig =
            serde_json::from_str(r#"{"host":"127.0.0.1","port":25}"#).expect("config");
        assert_eq!(cfg.tls, SmtpTls::None);
        assert_eq!(cfg.timeout_secs, 60);
        assert!(cfg.username.is_none() && cfg.password.is_none() && cfg.dkim.is_none());
    }

    #[test]
    fn tls_modes_are_lowercase() {
        for (text, mode) in [
            ("none", SmtpTls::None),
            ("starttls", SmtpTls::StartTls),
            ("tls", SmtpTls::Tls),
        ] {
            let json = format!(r#"{{"host":"smtp.example","port":587,"tls":"{text}"}}"#);
            let cfg: SmtpConfig = serde_json::from_str(&json).expect("config");
            assert_eq!(cfg.tls, mode);
            assert_eq!(
                serde_json::to_value(mode).expect("serialize"),
                serde_json::Value::String(text.to_owned())
            );
        }
    }

    #[test]
    fn debug_hides_password_and_key() {
        let cfg = SmtpConfig {
            host: "smtp.example".into(),
            port: 587,
            username: Some("office".into()),
            password: Some(Secret::new("hunter2")),
            tls: SmtpTls::StartTls,
            dkim: Some(DkimConfig {
                domain: "gsco.example".into(),
                selector: "mail".into(),
                private_key_pem: Secret::new("-----BEGIN PRIVATE KEY-----"),
            }),
            timeout_secs: 10,
        };
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("hunter2"));
        assert!(!debug.contains("BEGIN"));
    }
}
