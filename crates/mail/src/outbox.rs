//! Development transport: every message becomes an `.eml` file a developer can open.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::io::AsyncWriteExt;

use crate::message::build;
use crate::{MailError, OutgoingMail};

/// Writes each message, exactly as it would go over SMTP, to `<dir>/<utc-time>-<uuid>.eml`.
#[derive(Clone, Debug)]
pub struct FileOutbox {
    dir: PathBuf,
}

impl FileOutbox {
    /// Uses `dir`, creating it if needed.
    pub fn new(dir: impl Into<PathBuf>) -> anyhow::Result<FileOutbox> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create mail outbox {}", dir.display()))?;
        Ok(FileOutbox { dir })
    }

    /// The directory messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the message and returns the path of the new file.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<PathBuf, MailError> {
        let built = build(mail)?;
        // Sortable by time, no `:` (valid on every file system), unique by the UUID.
        let name = format!(
            "{}-{}.eml",
            built.at.strftime("%Y%m%dT%H%M%S%.6fZ"),
            built.id
        );
        let path = self.dir.join(&name);
        // A reader (a developer's `ls`, a test polling the directory) must never see half a
        // message: write a hidden temporary file, flush it to disk, then rename it into place.
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let result = write_file(&tmp, &built.message.formatted()).await;
        let result = match result {
            Ok(()) => tokio::fs::rename(&tmp, &path).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            // Best effort: the error that matters is the one above.
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(MailError::Transient(format!(
                "cannot write {}: {e}",
                path.display()
            )));
        }
        tracing::info!(path = %path.display(), "mail written to outbox");
        Ok(path)
    }
}

async fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::sample;

    #[tokio::test]
    async fn writes_a_parsable_eml_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = FileOutbox::new(dir.path().join("outbox")).expect("outbox");
        let mut mail = sample();
        mail.subject = "Sign-in link for the annual meeting".into();
        let path = outbox.send(&mail).await.expect("send");

        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(name.ends_with(".eml"), "{name}");
        assert_eq!(
            name.len(),
            "20250101T000000.000000Z-".len() + 36 + ".eml".len()
        );
        let entries: Vec<_> = std::fs::read_dir(outbox.dir())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(entries.len(), 1, "no temporary file is left behind");

        let text = std::fs::read_to_string(&path).expect("read");
        let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
        let subject = head
            .split("\r\n")
            .find_map(|line| line.strip_prefix("Subject: "))
            .expect("Subject header");
        assert_eq!(subject, mail.subject);
        assert!(head.contains("\r\nMessage-ID: <"));
        assert!(head.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(head.contains("Content-Transfer-Encoding: 7bit"));
        assert_eq!(body.trim_end(), mail.text_body);
    }

    #[tokio::test]
    async fn invalid_mail_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = FileOutbox::new(dir.path()).expect("outbox");
        let mut mail = sample();
        mail.to = "nobody".into();
        assert!(outbox.send(&mail).await.expect_err("bad to").is_permanent());
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
