//! Mail as jobs: a use-case enqueues an [`EmailJob`] in its own transaction; the worker sends it.
//! The sender name and address, and the postal-address footer, are the society's.

use chapterhouse_core::Timestamp;
use chapterhouse_mail::OutgoingMail;
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

pub async fn enqueue_email(tx: &mut ScopedTx, email: &EmailJob, now: Timestamp) -> AppResult<()> {
    let payload = serde_json::to_string(email).map_err(anyhow::Error::from)?;
    tx.enqueue(
        &NewJob {
            kind: SEND_EMAIL,
            payload,
            run_at: now,
            dedup_key: None,
            max_attempts: 8,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The message as sent: the society's name and sender address, its postal address at the foot.
pub fn outgoing(society: &Society, email: &EmailJob) -> OutgoingMail {
    let from_address = if society.sender_address.is_empty() {
        society.email.clone()
    } else {
        society.sender_address.clone()
    };
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
    }
}
