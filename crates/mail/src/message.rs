//! Turning an [`OutgoingMail`] into the RFC 5322 message lettre sends.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::MailError;

/// One message to one recipient, as the app hands it to a [`crate::Mailer`].
///
/// Serialisable so the job queue can store it as the payload of a send job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OutgoingMail {
    /// Display name of the sender, e.g. the society's name.
    pub from_name: String,
    /// Sender address; also the envelope sender and the Message-ID domain.
    pub from_address: String,
    /// A single address, optionally with a display name (`Name <a@b>`).
    pub reply_to: Option<String>,
    /// The single recipient address.
    pub to: String,
    pub subject: String,
    pub text_body: String,
    /// When set, the message is `multipart/alternative` with the text and this HTML.
    pub html_body: Option<String>,
    /// Extra headers such as `List-Unsubscribe`; see [`validate_header`] for what is refused.
    pub headers: Vec<(String, String)>,
    /// Files attached after the body (a calendar invitation, a QR code); with any, the message
    /// is `multipart/mixed`.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// One attached file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type, with parameters if any (`text/calendar; method=REQUEST; charset=utf-8`).
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Headers the mailer writes itself. Letting a caller set them would produce duplicates (lettre
/// keeps one value per name) or change the envelope behind the mailer's back.
const RESERVED_HEADERS: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "dkim-signature",
    "return-path",
    "received",
];

/// Checks one extra header: the name must be an RFC 5322 field name (printable ASCII without
/// `:`, at most 76 characters) and not one the mailer sets itself; the value must not contain
/// line breaks or other control characters (header injection).
pub fn validate_header(name: &str, value: &str) -> Result<(), MailError> {
    let name_ok = !name.is_empty()
        && name.len() <= 76
        && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
    if !name_ok {
        return Err(MailError::Permanent(format!(
            "invalid header name {name:?}"
        )));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
    {
        return Err(MailError::Permanent(format!(
            "header {name} is set by the mailer and cannot be given as an extra header"
        )));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(MailError::Permanent(format!(
            "value of header {name} contains a line break or control character"
        )));
    }
    Ok(())
}

/// A message ready to send, with what the transports need to know about it.
#[derive(Debug)]
pub(crate) struct BuiltMessage {
    pub message: Message,
    /// The UUID in the Message-ID, reused for the outbox file name.
    pub id: Uuid,
    /// The instant in the Date header.
    pub at: jiff::Timestamp,
    /// Header names a DKIM signature should cover: the ones that are present and matter.
    pub signed_headers: Vec<HeaderName>,
}

pub(crate) fn build(mail: &OutgoingMail) -> Result<BuiltMessage, MailError> {
    let from_address: lettre::Address = mail.from_address.trim().parse().map_err(|e| {
        MailError::Permanent(format!(
            "invalid sender address {:?}: {e}",
            mail.from_address
        ))
    })?;
    let to: lettre::Address = mail.to.trim().parse().map_err(|e| {
        MailError::Permanent(format!("invalid recipient address {:?}: {e}", mail.to))
    })?;
    let from_name = mail.from_name.trim();
    let from = Mailbox::new(
        (!from_name.is_empty()).then(|| from_name.to_owned()),
        from_address.clone(),
    );

    let id = Uuid::now_v7();
    let at = jiff::Timestamp::now();
    let mut signed_headers = [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
    ]
    .into_iter()
    .map(HeaderName::new_from_ascii_str)
    .collect::<Vec<_>>();

    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(mail.subject.clone())
        .date(SystemTime::from(at))
        .message_id(Some(format!("<{id}@{}>", from_address.domain())));

    if let Some(reply_to) = &mail.reply_to {
        let reply_to: Mailbox = reply_to.trim().parse().map_err(|e| {
            MailError::Permanent(format!("invalid reply-to address {reply_to:?}: {e}"))
        })?;
        builder = builder.reply_to(reply_to);
        signed_headers.push(HeaderName::new_from_ascii_str("Reply-To"));
    }

    for (index, (name, value)) in mail.headers.iter().enumerate() {
        validate_header(name, value)?;
        if mail.headers[..index]
            .iter()
            .any(|(earlier, _)| earlier.eq_ignore_ascii_case(name))
        {
            return Err(MailError::Permanent(format!(
                "header {name} is given twice"
            )));
        }
        let header_name = HeaderName::new_from_ascii(name.clone())
            .map_err(|_| MailError::Permanent(format!("invalid header name {name:?}")))?;
        signed_headers.push(header_name.clone());
        builder = builder.raw_header(HeaderValue::new(header_name, value.clone()));
    }

    // lettre picks 7bit, quoted-printable or base64 per part, so non-ASCII text and long lines
    // are encoded correctly.
    let message = if mail.attachments.is_empty() {
        match &mail.html_body {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                mail.text_body.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(mail.text_body.clone())),
        }
    } else {
        let mut mixed = match &mail.html_body {
            Some(html) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
                mail.text_body.clone(),
                html.clone(),
            )),
            None => MultiPart::mixed().singlepart(SinglePart::plain(mail.text_body.clone())),
        };
        for file in &mail.attachments {
            let content_type = ContentType::parse(&file.content_type).map_err(|e| {
                MailError::Permanent(format!(
                    "invalid attachment type {:?}: {e}",
                    file.content_type
                ))
            })?;
            mixed = mixed.singlepart(
                LettreAttachment::new(file.filename.clone()).body(file.data.clone(), content_type),
            );
        }
        builder.multipart(mixed)
    }
    .map_err(|e| MailError::Permanent(format!("cannot build message: {e}")))?;

    Ok(BuiltMessage {
        message,
        id,
        at,
        signed_headers,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> OutgoingMail {
        OutgoingMail {
            from_name: "Gulf State Society of Clinical Oncology".into(),
            from_address: "office@gsco.example".into(),
            reply_to: None,
            to: "member@example.org".into(),
            subject: "Your sign-in link".into(),
            text_body: "Sign in: https://gsco.example/sign-in/abc".into(),
            html_body: None,
            headers: vec![],
            attachments: vec![],
        }
    }

    fn formatted(mail: &OutgoingMail) -> String {
        let built = build(mail).expect("build");
        String::from_utf8(built.message.formatted()).expect("utf-8")
    }

    #[test]
    fn attachments_make_multipart_mixed() {
        let mut mail = sample();
        mail.attachments.push(Attachment {
            filename: "invite.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=utf-8".into(),
            data: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
        });
        let text = formatted(&mail);
        assert!(text.contains("Content-Type: multipart/mixed;"), "{text}");
        assert!(text.contains("filename=\"invite.ics\""), "{text}");
        assert!(text.contains("text/calendar; method=REQUEST"), "{text}");
        mail.attachments[0].content_type = "not a type".into();
        assert!(build(&mail).is_err());
    }

    #[test]
    fn header_names_are_validated() {
        assert!(validate_header("List-Unsubscribe", "<https://x.example/u>").is_ok());
        assert!(validate_header("X-Tag", "a\tb").is_ok());
        for bad in [
            "",
            "Bad Name",
            "Colon:",
            "Caf\u{e9}",
            "Tab\tName",
            &"X".repeat(77),
        ] {
            let err = validate_header(bad, "v").expect_err(bad);
            assert!(err.is_permanent(), "{bad:?}");
        }
    }

    #[test]
    fn reserved_headers_are_refused() {
        for reserved in [
            "From",
            "bcc",
            "CONTENT-TYPE",
            "Message-Id",
            "DKIM-Signature",
        ] {
            assert!(validate_header(reserved, "x").is_err(), "{reserved}");
        }
    }

    #[test]
    fn header_values_cannot_inject_lines() {
        for bad in ["a\r\nBcc: victim@example.org", "a\nb", "a\rb", "nul\0"] {
            assert!(validate_header("X-Note", bad).is_err(), "{bad:?}");
        }
        let mut mail = sample();
        mail.headers = vec![("X-Note".into(), "ok\r\nBcc: victim@example.org".into())];
        assert!(build(&mail).expect_err("injection").is_permanent());
    }

    #[test]
    fn duplicate_extra_headers_are_refused() {
        let mut mail = sample();
        mail.headers = vec![
            ("List-Id".into(), "<a.example>".into()),
            ("list-id".into(), "<b.example>".into()),
        ];
        assert!(build(&mail).is_err());
    }

    #[test]
    fn bad_addresses_are_permanent() {
        let mut mail = sample();
        mail.to = "not an address".into();
        assert!(build(&mail).expect_err("to").is_permanent());
        let mut mail = sample();
        mail.from_address = "office@".into();
        assert!(build(&mail).expect_err("from").is_permanent());
        let mut mail = sample();
        mail.reply_to = Some("nobody".into());
        assert!(build(&mail).expect_err("reply-to").is_permanent());
    }

    #[test]
    fn message_has_id_date_and_headers() {
        let mut mail = sample();
        mail.reply_to = Some("Membership Desk <members@gsco.example>".into());
        mail.headers = vec![
            (
                "List-Unsubscribe".into(),
                "<https://gsco.example/unsubscribe/t>".into(),
            ),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ];
        let built = build(&mail).expect("build");
        let text = String::from_utf8(built.message.formatted()).expect("utf-8");
        assert!(text.contains(&format!("Message-ID: <{}@gsco.example>\r\n", built.id)));
        assert!(text.contains("\r\nDate: "));
        assert!(
            text.contains("Reply-To: \"Membership Desk\" <members@gsco.example>\r\n"),
            "{text}"
        );
        assert!(text.contains("List-Unsubscribe: <https://gsco.example/unsubscribe/t>\r\n"));
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(text.contains("To: member@example.org\r\n"));
        let names: Vec<&str> = built.signed_headers.iter().map(|h| h.as_ref()).collect();
        assert!(names.contains(&"Reply-To") && names.contains(&"List-Unsubscribe-Post"));
    }

    #[test]
    fn html_makes_multipart_alternative() {
        let mut mail = sample();
        mail.html_body = Some("<p>Sign in</p>".into());
        let text = formatted(&mail);
        assert!(text.contains("Content-Type: multipart/alternative;"));
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(text.contains("Content-Type: text/html; charset=utf-8"));
    }
}
