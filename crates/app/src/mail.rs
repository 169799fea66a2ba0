//! Mail as jobs: a use-case enqueues an [`EmailJob`] in its own transaction; the worker sends it.
//! The sender name and address, and the postal-address footer, are the society's.

use chapterhouse_core::Timestamp;
use chapterhouse_mail::{Attachment, OutgoingMail};
use chapterhouse_store::{NewJob, ScopedTx, Society};
use serde::{Deserialize, Serialize};

use crate::AppResult;

pub const SEND_EMAIL: &str = "send_email";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmailJob {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// A file attached to an email job (stored base64 in the job's JSON payload).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobAttachment {
    pub filename: String,
    pub content_type: String,
    /// Standard base64.
    pub data_base64: String,
}

impl JobAttachment {
    pub fn new(filename: &str, content_type: &str, data: &[u8]) -> JobAttachment {
        use base64::Engine;
        JobAttachment {
            filename: filename.into(),
            content_type: content_type.into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(data),
        }
    }
}

/// The send job's payload: an [`EmailJob`] and, optionally, attachments. Payloads written
/// before attachments existed read as having none.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmailPayload {
    #[serde(flatten)]
    pub email: EmailJob,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<JobAttachment>,
}

pub async fn enqueue_email(tx: &mut ScopedTx, email: &EmailJob, now: Timestamp) -> AppResult<()> {
    enqueue_email_with(tx, email, &[], now).await
}

/// [`enqueue_email`] for many mails at once (the daily run's reminders): one statement per few
/// thousand.
pub async fn enqueue_emails(
    tx: &mut ScopedTx,
    emails: &[EmailJob],
    now: Timestamp,
) -> AppResult<()> {
    let mut jobs = Vec::with_capacity(emails.len());
    for email in emails {
        let payload = serde_json::to_string(&EmailPayload {
            email: email.clone(),
            attachments: Vec::new(),
        })
        .map_err(anyhow::Error::from)?;
        jobs.push(NewJob {
            kind: SEND_EMAIL,
            payload,
            run_at: now,
            dedup_key: None,
            max_attempts: 8,
        });
    }
    tx.enqueue_many(&jobs, now).await?;
    Ok(())
}

/// [`enqueue_email`] with files attached.
pub async fn enqueue_email_with(
    tx: &mut ScopedTx,
    email: &EmailJob,
    attachments: &[JobAttachment],
    now: Timestamp,
) -> AppResult<()> {
    enqueue(tx, email, attachments, None, now).await?;
    Ok(())
}

/// [`enqueue_email_with`] once per `key`: a repeated job run finds the key taken and enqueues
/// nothing. Returns whether this call enqueued the mail.
pub async fn enqueue_email_once(
    tx: &mut ScopedTx,
    email: &EmailJob,
    attachments: &[JobAttachment],
    key: String,
    now: Timestamp,
) -> AppResult<bool> {
    enqueue(tx, email, attachments, Some(key), now).await
}

async fn enqueue(
    tx: &mut ScopedTx,
    email: &EmailJob,
    attachments: &[JobAttachment],
    dedup_key: Option<String>,
    now: Timestamp,
) -> AppResult<bool> {
    let payload = serde_json::to_string(&EmailPayload {
        email: email.clone(),
        attachments: attachments.to_vec(),
    })
    .map_err(anyhow::Error::from)?;
    Ok(tx
        .enqueue(
            &NewJob {
                kind: SEND_EMAIL,
                payload,
                run_at: now,
                dedup_key,
                max_attempts: 8,
            },
            now,
        )
        .await?)
}

/// The address the society's mail comes from: its sender address, else its contact email.
pub fn sender_address(society: &Society) -> String {
    if society.sender_address.is_empty() {
        society.email.clone()
    } else {
        society.sender_address.clone()
    }
}

/// The message as sent: the society's name and sender address, its postal address at the foot.
pub fn outgoing(society: &Society, email: &EmailJob) -> OutgoingMail {
    let from_address = sender_address(society);
    let mut text = email.text.trim_end().to_string();
    text.push_str("\n\n-- \n");
    text.push_str(&society.name);
    if !society.postal_address.is_empty() {
        text.push('\n');
        text.push_str(&society.postal_address);
    }
    text.push('\n');
    OutgoingMail {
        from_name: society.name.clone(),
        from_address,
        reply_to: (!society.email.is_empty()).then(|| society.email.clone()),
        to: email.to.clone(),
        subject: email.subject.clone(),
        text_body: text,
        html_body: None,
        headers: Vec::new(),
        attachments: Vec::new(),
    }
}

/// The message a send job's payload describes, attachments decoded.
pub fn outgoing_payload(society: &Society, payload: &EmailPayload) -> OutgoingMail {
    use base64::Engine;
    let mut mail = outgoing(society, &payload.email);
    mail.attachments = payload
        .attachments
        .iter()
        .map(|a| Attachment {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            data: base64::engine::general_purpose::STANDARD
                .decode(&a.data_base64)
                .unwrap_or_default(),
        })
        .collect();
    mail
}
