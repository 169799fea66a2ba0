//! Outgoing email for Chapterhouse.
//!
//! The app builds an [`OutgoingMail`] and a job hands it to a [`Mailer`]: either an SMTP relay
//! (optionally DKIM-signing every message) or, in development, a [`FileOutbox`] directory of
//! `.eml` files. Failures come back as [`MailError`], split into permanent and transient so the
//! job worker knows whether to retry.

mod config;
mod dkim;
mod error;
mod message;
mod outbox;
mod secret;
mod smtp;

use std::path::PathBuf;

pub use config::{DkimConfig, SmtpConfig, SmtpTls};
pub use error::MailError;
pub use message::{Attachment, OutgoingMail, validate_header};
pub use outbox::FileOutbox;
pub use secret::Secret;
pub use smtp::SmtpMailer;

/// Where outgoing mail goes; chosen once at start-up and cloned into every worker.
#[derive(Clone, Debug)]
pub enum Mailer {
    Smtp(SmtpMailer),
    FileOutbox(FileOutbox),
}

impl Mailer {
    /// An SMTP relay. Fails on an invalid configuration, including an unreadable DKIM key, so
    /// that mistakes surface at start-up; does not connect yet.
    pub fn smtp(cfg: &SmtpConfig) -> anyhow::Result<Mailer> {
        Ok(Mailer::Smtp(SmtpMailer::new(cfg)?))
    }

    /// A directory of `.eml` files, created if missing.
    pub fn file_outbox(dir: impl Into<PathBuf>) -> anyhow::Result<Mailer> {
        Ok(Mailer::FileOutbox(FileOutbox::new(dir)?))
    }

    /// Sends one message (every message gets its own Message-ID and Date).
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(mail).await,
            Mailer::FileOutbox(outbox) => outbox.send(mail).await.map(drop),
        }
    }
}
