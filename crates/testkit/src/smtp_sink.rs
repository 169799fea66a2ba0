//! A real SMTP server on loopback that keeps every message it receives, so tests can send mail
//! through the production SMTP code path and then read what arrived.
//!
//! It speaks just enough ESMTP for lettre (no TLS, no AUTH) and can be told to reject the next
//! recipient with a chosen reply code to exercise permanent and transient failures. Only `std`,
//! `tokio` and `anyhow` are used, so the file can also be included with `#[path]` by crates that
//! cannot depend on the test kit.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// One message as accepted by the sink.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// Reverse path from `MAIL FROM` (empty for the null sender `<>`).
    pub mail_from: String,
    /// Forward paths from the accepted `RCPT TO` commands.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted (CRLF line endings kept), dot-unstuffed.
    pub data: String,
}

impl ReceivedMail {
    /// The first header with this name (case-insensitive), unfolded and trimmed, still
    /// transfer-encoded (RFC 2047 words are left as sent; see [`Self::decoded_header`]).
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_entity(&self.data);
        parse_headers(head)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// Every header with this name, in order (e.g. several `Received` or `DKIM-Signature`).
    pub fn headers(&self, name: &str) -> Vec<String> {
        let (head, _) = split_entity(&self.data);
        parse_headers(head)
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
            .collect()
    }

    /// Like [`Self::header`], with RFC 2047 encoded words (`=?utf-8?b?...?=`) decoded.
    pub fn decoded_header(&self, name: &str) -> Option<String> {
        self.header(name).map(|value| decode_encoded_words(&value))
    }

    /// The decoded subject, or the empty string when there is none.
    pub fn subject(&self) -> String {
        self.decoded_header("Subject").unwrap_or_default()
    }

    /// The first `text/plain` part (searching nested multiparts, skipping attachments), with
    /// quoted-printable or base64 undone, decoded as UTF-8, line endings turned into `\n` and
    /// trailing line breaks removed. Empty when the message has no text part.
    pub fn body_text(&self) -> String {
        text_plain(&self.data, 0)
            .map(|text| text.replace("\r\n", "\n").trim_end_matches('\n').to_owned())
            .unwrap_or_default()
    }
}

/// A running sink; the server and its connections stop when this is dropped.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

struct Shared {
    received: Mutex<Vec<ReceivedMail>>,
    /// Reply codes for the next `RCPT TO` commands, oldest first.
    rejections: Mutex<VecDeque<u16>>,
    /// Number of messages received, for `wait_for` to watch.
    count: watch::Sender<usize>,
}

impl fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSink")
            .field("port", &self.port)
            .field("received", &lock(&self.shared.received).len())
            .finish()
    }
}

impl SmtpSink {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub async fn start() -> anyhow::Result<SmtpSink> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            rejections: Mutex::new(VecDeque::new()),
            count: watch::Sender::new(0),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(SmtpSink {
            port,
            shared,
            server,
        })
    }

    /// The port to point the SMTP client at (host `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        lock(&self.shared.received).clone()
    }

    /// Waits until at least `count` messages have arrived and returns them all; on timeout the
    /// error lists what did arrive.
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<ReceivedMail>> {
        let mut arrived = self.shared.count.subscribe();
        let waited = tokio::time::timeout(timeout, arrived.wait_for(|n| *n >= count)).await;
        if let Ok(Ok(_)) = waited {
            return Ok(self.received());
        }
        let received = self.received();
        let list = received
            .iter()
            .map(|m| {
                format!(
                    "\n  from <{}> to {:?}: {:?}",
                    m.mail_from,
                    m.rcpt_to,
                    m.subject()
                )
            })
            .collect::<String>();
        anyhow::bail!(
            "SMTP sink: expected {count} message(s) within {timeout:?}, got {}:{list}",
            received.len()
        )
    }

    /// Answers the next `RCPT TO` (on any connection) with `code`, e.g. 550 for a permanent or
    /// 451 for a transient failure. Calls queue up: each one affects one more recipient.
    pub fn reject_next(&self, code: u16) {
        lock(&self.shared.rejections).push_back(code);
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Dropping the accept task drops its JoinSet, which aborts every open connection.
        self.server.abort();
    }
}

/// A poisoned lock only means another test thread panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(session(stream, Arc::clone(&shared)));
                }
                // E.g. too many open files: back off instead of spinning, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished sessions so the set does not grow over a long test.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The state of the mail transaction between `MAIL FROM` and the end of `DATA`.
struct Transaction {
    mail_from: String,
    rcpt_to: Vec<String>,
}

/// One SMTP session. I/O errors just end it: the client went away.
async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 localhost ESMTP Chapterhouse test sink\r\n")
        .await?;

    let mut greeted = false;
    let mut transaction: Option<Transaction> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let (verb, arg) = command.split_once(' ').unwrap_or((command, ""));
        let arg = arg.trim();

        let reply: Cow<'static, str> = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                greeted = true;
                transaction = None;
                "250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n".into()
            }
            "HELO" => {
                greeted = true;
                transaction = None;
                "250 localhost\r\n".into()
            }
            "MAIL" if !greeted => "503 5.5.1 Send EHLO first\r\n".into(),
            "MAIL" if transaction.is_some() => "503 5.5.1 Nested MAIL command\r\n".into(),
            "MAIL" => match parse_path(arg, "FROM:") {
                Some(mail_from) => {
                    transaction = Some(Transaction {
                        mail_from,
                        rcpt_to: Vec::new(),
                    });
                    "250 2.1.0 OK\r\n".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" => match (&mut transaction, parse_path(arg, "TO:")) {
                (None, _) => "503 5.5.1 Need MAIL before RCPT\r\n".into(),
                (Some(_), None) => "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into(),
                (Some(tx), Some(rcpt)) => {
                    let rejection = lock(&shared.rejections).pop_front();
                    match rejection {
                        Some(code) => rejection_reply(code).into(),
                        None => {
                            tx.rcpt_to.push(rcpt);
                            "250 2.1.5 OK\r\n".into()
                        }
                    }
                }
            },
            "DATA" => match transaction.take() {
                Some(tx) if !tx.rcpt_to.is_empty() => {
                    writer
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let data = read_data(&mut reader).await?;
                    let mut received = lock(&shared.received);
                    received.push(ReceivedMail {
                        mail_from: tx.mail_from,
                        rcpt_to: tx.rcpt_to,
                        data,
                    });
                    let count = received.len();
                    drop(received);
                    shared.count.send_replace(count);
                    format!("250 2.0.0 OK queued as {count}\r\n").into()
                }
                Some(tx) => {
                    transaction = Some(tx);
                    "554 5.5.1 No valid recipients\r\n".into()
                }
                None => "503 5.5.1 Need MAIL and RCPT before DATA\r\n".into(),
            },
            "RSET" => {
                transaction = None;
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "VRFY" => "252 2.5.0 Cannot VRFY user\r\n".into(),
            "QUIT" => {
                writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "" => "500 5.5.2 Empty command\r\n".into(),
            _ => "502 5.5.1 Command not implemented\r\n".into(),
        };
        writer.write_all(reply.as_bytes()).await?;
    }
}

/// Extracts the address from `FROM:<a@b> BODY=8BITMIME` or `TO:<a@b>` (keyword case-insensitive).
fn parse_path(arg: &str, keyword: &str) -> Option<String> {
    let prefix = arg.get(..keyword.len())?;
    if !prefix.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start().strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

fn rejection_reply(code: u16) -> String {
    match code {
        400..=499 => format!("{code} 4.0.0 Try again later (test sink)\r\n"),
        500..=599 => format!("{code} 5.0.0 Recipient rejected (test sink)\r\n"),
        _ => format!("{code} Test sink reply\r\n"),
    }
}

/// Reads message lines up to the lone `.` line, removing the dot added by dot-stuffing.
async fn read_data<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(String::from_utf8_lossy(&data).into_owned());
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

/// Splits an entity (a message or a MIME part) at the first empty line.
fn split_entity(raw: &str) -> (&str, &str) {
    if let Some(body) = raw.strip_prefix("\r\n").or_else(|| raw.strip_prefix('\n')) {
        return ("", body);
    }
    if let Some(i) = raw.find("\r\n\r\n") {
        (&raw[..i], &raw[i + 4..])
    } else if let Some(i) = raw.find("\n\n") {
        (&raw[..i], &raw[i + 2..])
    } else {
        (raw, "")
    }
}

/// Header fields in order, names as written, values unfolded and trimmed.
fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            // Unfolding removes only the line break; the whitespace stays.
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.to_owned()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_owned();
    }
    headers
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// `text/plain; charset="utf-8"` into the lowercased type and its parameters (names lowercased,
/// quotes removed).
fn parse_content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    let mime = pieces[0].trim().to_ascii_lowercase();
    let params = pieces[1..]
        .iter()
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_ascii_lowercase(), v.to_owned())
        })
        .collect();
    (mime, params)
}

/// The decoded text of the first `text/plain` entity in `raw`, depth-first.
fn text_plain(raw: &str, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let (head, body) = split_entity(raw);
    let headers = parse_headers(head);
    // RFC 2045: no Content-Type means text/plain; charset=us-ascii.
    let (mime, params) =
        parse_content_type(find_header(&headers, "Content-Type").unwrap_or("text/plain"));
    if mime.starts_with("multipart/") {
        let (_, boundary) = params.iter().find(|(k, _)| k == "boundary")?;
        return split_multipart(body, boundary)
            .into_iter()
            .find_map(|part| text_plain(part, depth + 1));
    }
    let attachment = find_header(&headers, "Content-Disposition").is_some_and(|d| {
        d.trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment")
    });
    if mime != "text/plain" || attachment {
        return None;
    }
    let encoding = find_header(&headers, "Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => decode_base64(body),
        _ => body.as_bytes().to_vec(),
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The body parts between `--boundary` delimiter lines, up to `--boundary--`. The line break
/// before a delimiter belongs to the delimiter (RFC 2046), so it is not part of the body part.
fn split_multipart<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut part_start: Option<usize> = None;
    let mut pos = 0;
    for line in body.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let trimmed = line.trim_end_matches(['\r', '\n', ' ', '\t']);
        if trimmed != delimiter && trimmed != close {
            continue;
        }
        if let Some(start) = part_start {
            let before = &body[start..line_start];
            let before = before
                .strip_suffix("\r\n")
                .or_else(|| before.strip_suffix('\n'))
                .unwrap_or(before);
            parts.push(before);
        }
        if trimmed == close {
            break;
        }
        part_start = Some(pos);
    }
    parts
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// Undoes `=XX` escapes; `_` is a space when `underscore_is_space` (RFC 2047 "Q" encoding).
fn decode_escapes(text: &str, underscore_is_space: bool, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b'_' if underscore_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
}

/// RFC 2045 quoted-printable: soft line breaks (`=` at the end of a line) join lines, trailing
/// whitespace added in transit is dropped, hard line breaks become CRLF.
fn decode_quoted_printable(body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_end_matches([' ', '\t']);
        let (content, soft_break) = match line.strip_suffix('=') {
            Some(content) => (content, true),
            None => (line, false),
        };
        decode_escapes(content, false, &mut out);
        if !soft_break && lines.peek().is_some() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Standard base64, ignoring line breaks and anything else outside the alphabet.
fn decode_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Decodes RFC 2047 encoded words. Adjacent words (separated only by whitespace) are joined
/// before UTF-8 decoding, since an encoder may split a character across them.
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        match parse_encoded_word(&rest[start..]) {
            Some((bytes, len)) => {
                let gap = &rest[..start];
                if pending.is_empty() || !gap.trim_matches([' ', '\t']).is_empty() {
                    out.push_str(&String::from_utf8_lossy(&pending));
                    pending.clear();
                    out.push_str(gap);
                }
                pending.extend_from_slice(&bytes);
                rest = &rest[start + len..];
            }
            None => {
                out.push_str(&String::from_utf8_lossy(&pending));
                pending.clear();
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    out.push_str(rest);
    out
}

/// Parses `=?charset?B|Q?text?=` at the start of `s`: the text as UTF-8 bytes, and the length
/// of the word.
fn parse_encoded_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, after) = inner.split_once('?')?;
    let (encoding, after) = after.split_once('?')?;
    let end = after.find("?=")?;
    let text = &after[..end];
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    if charset.is_empty() || charset.contains(char::is_whitespace) || text.contains(' ') {
        return None;
    }
    let mut bytes = Vec::new();
    match encoding {
        "B" | "b" => bytes = decode_base64(text),
        "Q" | "q" => decode_escapes(text, true, &mut bytes),
        _ => return None,
    }
    // RFC 2231 allows `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset);
    if charset.eq_ignore_ascii_case("iso-8859-1") || charset.eq_ignore_ascii_case("latin1") {
        bytes = bytes
            .iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .into_bytes();
    }
    Some((bytes, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(data: &str) -> ReceivedMail {
        ReceivedMail {
            mail_from: "a@example.org".into(),
            rcpt_to: vec!["b@example.org".into()],
            data: data.into(),
        }
    }

    #[test]
    fn headers_are_unfolded_and_case_insensitive() {
        let m = mail("Subject: a long\r\n\tsubject\r\nX-A: 1\r\n\r\nbody\r\n");
        assert_eq!(m.header("subject").as_deref(), Some("a long\tsubject"));
        assert_eq!(m.header("x-a").as_deref(), Some("1"));
        assert_eq!(m.header("missing"), None);
        assert_eq!(m.body_text(), "body");
    }

    #[test]
    fn encoded_words() {
        assert_eq!(
            decode_encoded_words("=?utf-8?b?Q2Fmw6k=?= =?utf-8?q?_=E2=80=94_=C3=BCber?="),
            "Café — über"
        );
        assert_eq!(decode_encoded_words("plain =?bogus"), "plain =?bogus");
        assert_eq!(
            decode_encoded_words("=?ISO-8859-1?Q?Caf=E9?= ok"),
            "Café ok"
        );
        // A character split across two words.
        assert_eq!(
            decode_encoded_words("=?utf-8?b?ww==?= =?utf-8?b?qQ==?="),
            "é"
        );
    }

    #[test]
    fn quoted_printable_and_base64() {
        assert_eq!(
            decode_quoted_printable("Caf=C3=A9 =\r\nlong  \r\nnext=3D"),
            "Café long\r\nnext=".as_bytes()
        );
        assert_eq!(decode_base64("Q2Fm\r\nw6k="), "Café".as_bytes());
    }

    #[test]
    fn multipart_text_part() {
        let data = "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
                    preamble\r\n--outer\r\n\
                    Content-Type: multipart/alternative;\r\n boundary=inner\r\n\r\n\
                    --inner\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n\
                    --inner\r\nContent-Type: text/plain; charset=utf-8\r\n\
                    Content-Transfer-Encoding: base64\r\n\r\nQ2Fmw6kK\r\n--inner--\r\n\
                    --outer--\r\n";
        assert_eq!(mail(data).body_text(), "Café");
    }
}
