//! Configuration: built-in defaults, then a TOML file, then `CHAPTERHOUSE_*` variables and
//! `DATABASE_URL`. Nothing needs configuring to try it. Secrets print as `***`.

use std::path::{Path, PathBuf};

use chapterhouse_mail::{Secret, SmtpConfig, SmtpTls};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<Secret>,
    pub secret_key: Option<Secret>,
    pub public_scheme: String,
    pub public_port: Option<u16>,
    pub https: bool,
    /// Behind a reverse proxy: take the client address (for rate limits) from X-Forwarded-For.
    pub trust_forwarded_for: bool,
    pub log_format: String,
    pub max_body_bytes: usize,
    /// Seconds a worker's claim on a job lasts; a job whose worker died runs again after this.
    pub job_lock_seconds: i64,
    pub mail: MailConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// "outbox" writes .eml files under the data directory; "smtp" sends.
    pub mode: String,
    pub smtp: Option<SmtpConfig>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            mode: "outbox".into(),
            smtp: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("chapterhouse-data"),
            database_url: None,
            secret_key: None,
            public_scheme: "http".into(),
            public_port: None,
            https: false,
            trust_forwarded_for: false,
            log_format: "text".into(),
            max_body_bytes: 1024 * 1024,
            job_lock_seconds: 300,
            mail: MailConfig::default(),
        }
    }
}

pub const DEFAULT_TOML: &str = r#"# Chapterhouse configuration. Every setting is optional; environment variables override the file.

# Address and port to listen on.                              (CHAPTERHOUSE_LISTEN)
listen = "127.0.0.1:8080"

# Where the embedded SQLite database, the generated secret key and the development mail outbox
# live.                                                        (CHAPTERHOUSE_DATA_DIR)
data_dir = "chapterhouse-data"

# PostgreSQL instead of the embedded SQLite file, e.g. "postgres://chapterhouse@db/chapterhouse".
# With several nodes, give every node the same database_url and secret_key.   (DATABASE_URL)
# database_url = "postgres://user:password@host/database"

# Key that signs form tokens and links. When unset, one is generated into data_dir/secret.key.
#                                                              (CHAPTERHOUSE_SECRET_KEY)
# secret_key = "at least 32 random characters"

# How links in emails are written: scheme and, when not 80/443, the port. The host is always
# the society's primary host name.               (CHAPTERHOUSE_PUBLIC_SCHEME, CHAPTERHOUSE_PUBLIC_PORT)
public_scheme = "http"
# public_port = 8080

# Set when served over HTTPS (behind a TLS proxy): secure cookies and HSTS.   (CHAPTERHOUSE_HTTPS)
https = false

# Behind a reverse proxy that sets X-Forwarded-For: rate-limit per client, not per proxy.
# Leave false when clients connect directly (they could forge the header).
#                                                              (CHAPTERHOUSE_TRUST_FORWARDED_FOR)
trust_forwarded_for = false

# "text" for people, "json" for log collectors.                 (CHAPTERHOUSE_LOG_FORMAT)
log_format = "text"

# Largest request body accepted, in bytes; larger ones get 413.  (CHAPTERHOUSE_MAX_BODY_BYTES)
max_body_bytes = 1048576

# How long a worker's claim on a job lasts. A job whose worker died is run again after this.
#                                                              (CHAPTERHOUSE_JOB_LOCK_SECONDS)
job_lock_seconds = 300

[mail]
# "outbox": write each message as a .eml file in data_dir/outbox (development).
# "smtp": send through the server below.                        (CHAPTERHOUSE_MAIL_MODE)
mode = "outbox"

# [mail.smtp]
# host = "smtp.example.org"                                     (CHAPTERHOUSE_SMTP_HOST)
# port = 587                                                    (CHAPTERHOUSE_SMTP_PORT)
# tls = "starttls"          # "none", "starttls" or "tls"       (CHAPTERHOUSE_SMTP_TLS)
# username = "mailer"                                           (CHAPTERHOUSE_SMTP_USERNAME)
# password = "secret"                                           (CHAPTERHOUSE_SMTP_PASSWORD)
# timeout_secs = 30
# [mail.smtp.dkim]          # sign outgoing mail when set
# domain = "society.org"
# selector = "chapterhouse"
# private_key_pem = "-----BEGIN PRIVATE KEY-----\n..."
"#;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Load from `path` (when given, it must exist) and the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("cannot read the configuration file {}: {e}", path.display())
                })?;
                toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "the configuration file {} is not valid: {e}",
                        path.display()
                    )
                })?
            }
            None => Config::default(),
        };
        config.apply_env()?;
        Ok(config)
    }

    fn apply_env(&mut self) -> anyhow::Result<()> {
        if let Some(v) = env("CHAPTERHOUSE_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env("CHAPTERHOUSE_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = env("DATABASE_URL") {
            self.database_url = Some(Secret::new(v));
        }
        if let Some(v) = env("CHAPTERHOUSE_SECRET_KEY") {
            self.secret_key = Some(Secret::new(v));
        }
        if let Some(v) = env("CHAPTERHOUSE_PUBLIC_SCHEME") {
            self.public_scheme = v;
        }
        if let Some(v) = env("CHAPTERHOUSE_PUBLIC_PORT") {
            self.public_port =
                Some(v.parse().map_err(|_| {
                    anyhow::anyhow!("CHAPTERHOUSE_PUBLIC_PORT must be a port number")
                })?);
        }
        if let Some(v) = env("CHAPTERHOUSE_HTTPS") {
            self.https = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("CHAPTERHOUSE_TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("CHAPTERHOUSE_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = env("CHAPTERHOUSE_MAX_BODY_BYTES") {
            self.max_body_bytes = v.parse().map_err(|_| {
                anyhow::anyhow!("CHAPTERHOUSE_MAX_BODY_BYTES must be a number of bytes")
            })?;
        }
        if let Some(v) = env("CHAPTERHOUSE_JOB_LOCK_SECONDS") {
            self.job_lock_seconds = v.parse().map_err(|_| {
                anyhow::anyhow!("CHAPTERHOUSE_JOB_LOCK_SECONDS must be a number of seconds")
            })?;
        }
        if let Some(v) = env("CHAPTERHOUSE_MAIL_MODE") {
            self.mail.mode = v;
        }
        if let Some(host) = env("CHAPTERHOUSE_SMTP_HOST") {
            let mut smtp = self.mail.smtp.clone().unwrap_or_else(|| SmtpConfig {
                host: host.clone(),
                port: 25,
                username: None,
                password: None,
                tls: SmtpTls::None,
                dkim: None,
                timeout_secs: 30,
            });
            smtp.host = host;
            self.mail.smtp = Some(smtp);
        }
        if let Some(smtp) = self.mail.smtp.as_mut() {
            if let Some(v) = env("CHAPTERHOUSE_SMTP_PORT") {
                smtp.port = v
                    .parse()
                    .map_err(|_| anyhow::anyhow!("CHAPTERHOUSE_SMTP_PORT must be a port number"))?;
            }
            if let Some(v) = env("CHAPTERHOUSE_SMTP_USERNAME") {
                smtp.username = Some(v);
            }
            if let Some(v) = env("CHAPTERHOUSE_SMTP_PASSWORD") {
                smtp.password = Some(Secret::new(v));
            }
            if let Some(v) = env("CHAPTERHOUSE_SMTP_TLS") {
                smtp.tls = match v.as_str() {
                    "none" => SmtpTls::None,
                    "starttls" => SmtpTls::StartTls,
                    "tls" => SmtpTls::Tls,
                    _ => anyhow::bail!(
                        "CHAPTERHOUSE_SMTP_TLS must be none, starttls or tls, not {v:?}"
                    ),
                };
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_string(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("chapterhouse.db").display()
            ),
        }
    }

    /// ":8080" when links need the port, "" for the scheme's default port.
    pub fn port_suffix(&self) -> String {
        let port = self.public_port.or_else(|| {
            self.listen
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse().ok())
        });
        match (self.public_scheme.as_str(), port) {
            (_, None) | ("http", Some(80)) | ("https", Some(443)) => String::new(),
            (_, Some(port)) => format!(":{port}"),
        }
    }

    /// The configured key, or one generated once into the data directory.
    pub fn secret_key(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(key) = &self.secret_key {
            if key.expose().len() < 32 {
                anyhow::bail!("secret_key must be at least 32 characters");
            }
            return Ok(key.expose().as_bytes().to_vec());
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            return Ok(existing.trim().as_bytes().to_vec());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let bytes: [u8; 32] = rand::random();
        let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, bytes);
        write_private(&path, &key)?;
        Ok(key.into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_file_parses_and_matches_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_TOML).unwrap();
        assert_eq!(parsed.listen, Config::default().listen);
        assert_eq!(parsed.mail.mode, "outbox");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let config = Config {
            database_url: Some(Secret::new("postgres://u:hunter2@db/x")),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn port_suffix_follows_listen_unless_set() {
        let mut config = Config::default();
        assert_eq!(config.port_suffix(), ":8080");
        config.public_port = Some(443);
        config.public_scheme = "https".into();
        assert_eq!(config.port_suffix(), "");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("listne = \"x\"").is_err());
    }
}
