//! Text encodings of files people export from other systems and re-save in Excel.
//!
//! [`Transcode`] turns a byte stream into UTF-8 as it is read: a UTF-8 byte-order mark is
//! dropped; UTF-16 (little- or big-endian, with a byte-order mark, or without one when the first
//! characters are plainly ASCII in UTF-16) is converted; anything else passes through unchanged.
//! A file that is neither UTF-8 nor UTF-16 is almost always Windows-1252 (Excel's "CSV" on a US
//! Windows machine), which cannot be told apart from UTF-8 by its first bytes, so callers decode
//! each field with [`field_text`]: valid UTF-8 as is, anything else as Windows-1252.

use std::io::{self, Read};

use encoding_rs::{Decoder, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// The encoding a file turned out to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (possibly with Windows-1252 fields, see
    /// [`field_text`]).
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16 (little-endian)",
            Encoding::Utf16Be => "UTF-16 (big-endian)",
        }
    }
}

/// A reader yielding UTF-8, whatever the source's encoding (see the module documentation).
pub struct Transcode<R> {
    inner: R,
    encoding: Encoding,
    decoder: Option<Decoder>,
    /// Bytes read from `inner` and not yet decoded.
    input: Vec<u8>,
    input_start: usize,
    /// Decoded (or passed-through) bytes not yet handed out.
    output: Vec<u8>,
    output_start: usize,
    inner_done: bool,
    /// The decoder has seen the end of the input (it must not be called again).
    finished: bool,
}

const CHUNK: usize = 16 * 1024;

impl<R: Read> Transcode<R> {
    /// Sniff the encoding from the first bytes (reading at most four) and wrap `inner`.
    pub fn new(mut inner: R) -> io::Result<Transcode<R>> {
        let mut head = Vec::with_capacity(4);
        let mut inner_done = false;
        while head.len() < 4 {
            let mut byte = [0u8; 4];
            let want = 4 - head.len();
            match inner.read(&mut byte[..want]) {
                Ok(0) => {
                    inner_done = true;
                    break;
                }
                Ok(n) => head.extend_from_slice(&byte[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        let (encoding, skip) = sniff(&head);
        let decoder = match encoding {
            Encoding::Utf8 => None,
            Encoding::Utf16Le => Some(UTF_16LE.new_decoder_without_bom_handling()),
            Encoding::Utf16Be => Some(UTF_16BE.new_decoder_without_bom_handling()),
        };
        Ok(Transcode {
            inner,
            encoding,
            decoder,
            input: head[skip..].to_vec(),
            input_start: 0,
            output: Vec::new(),
            output_start: 0,
            inner_done,
            finished: false,
        })
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Refill `output`; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        self.output.clear();
        self.output_start = 0;
        loop {
            if self.finished {
                return Ok(false);
            }
            if self.input_start == self.input.len() && !self.inner_done {
                self.input.clear();
                self.input_start = 0;
                self.input.resize(CHUNK, 0);
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            self.input.clear();
                            return Err(e);
                        }
                    }
                };
                self.input.truncate(n);
                if n == 0 {
                    self.inner_done = true;
                }
            }
            let pending = &self.input[self.input_start..];
            match self.decoder.as_mut() {
                None => {
                    self.output.extend_from_slice(pending);
                    self.input_start = self.input.len();
                }
                Some(decoder) => {
                    let room = decoder
                        .max_utf8_buffer_length(pending.len())
                        .unwrap_or(CHUNK * 3)
                        .max(16);
                    self.output.resize(room, 0);
                    let last = self.inner_done;
                    let (result, read, written, _) =
                        decoder.decode_to_utf8(pending, &mut self.output, last);
                    self.output.truncate(written);
                    self.input_start += read;
                    if last && result == encoding_rs::CoderResult::InputEmpty {
                        self.finished = true;
                        return Ok(!self.output.is_empty());
                    }
                }
            }
            if !self.output.is_empty() {
                return Ok(true);
            }
            if self.inner_done && self.input_start == self.input.len() {
                return Ok(false);
            }
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.output_start == self.output.len() && !self.fill()? {
            return Ok(0);
        }
        let available = &self.output[self.output_start..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.output_start += n;
        Ok(n)
    }
}

/// The encoding and the length of its byte-order mark, from a file's first (up to four) bytes.
fn sniff(head: &[u8]) -> (Encoding, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        // No mark, but two ASCII characters in UTF-16 ("Na", "Me", "At"…).
        [a, 0, b, 0] if *a != 0 && *b != 0 => (Encoding::Utf16Le, 0),
        [0, a, 0, b] if *a != 0 && *b != 0 => (Encoding::Utf16Be, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// A field's text: UTF-8 when it is valid UTF-8, otherwise read as Windows-1252. The second
/// value says whether the Windows-1252 reading was used.
pub fn field_text(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), false),
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (Encoding, String) {
        let mut reader = Transcode::new(bytes).unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        (reader.encoding(), out)
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn utf8_bom_is_dropped_and_text_passes_through() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFName,Email\r\n"),
            (Encoding::Utf8, "Name,Email\r\n".into())
        );
        assert_eq!(decode(b"ab"), (Encoding::Utf8, "ab".into()));
        assert_eq!(decode(b""), (Encoding::Utf8, String::new()));
    }

    #[test]
    fn utf16_is_converted_with_or_without_a_mark() {
        let text = "Name (Original Name)\tUser Email\r\nJosé Ñúñez 😀\tj@x.org\r\n";
        assert_eq!(
            decode(&utf16le(text, true)),
            (Encoding::Utf16Le, text.into())
        );
        assert_eq!(
            decode(&utf16le(text, false)),
            (Encoding::Utf16Le, text.into())
        );
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(decode(&be), (Encoding::Utf16Be, text.into()));
    }

    #[test]
    fn utf16_survives_reads_split_at_any_byte() {
        // A reader that hands out one byte at a time splits surrogate pairs and code units.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.split_first() {
                    Some((b, rest)) if !buf.is_empty() => {
                        buf[0] = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let text = "Zoë 😀 Łukasz\r\n".repeat(50);
        let bytes = utf16le(&text, true);
        let mut reader = Transcode::new(OneByte(&bytes)).unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn odd_trailing_byte_of_utf16_becomes_a_replacement_character() {
        let mut bytes = utf16le("Hi", true);
        bytes.push(0x41);
        assert_eq!(decode(&bytes).1, "Hi\u{FFFD}");
    }

    #[test]
    fn fields_fall_back_to_windows_1252() {
        assert_eq!(field_text(b"Jos\xe9"), ("José".into(), true));
        assert_eq!(
            field_text(b"M\xfcller \x96 \x93x\x94"),
            ("Müller – “x”".into(), true)
        );
        assert_eq!(field_text("José".as_bytes()), ("José".into(), false));
    }
}
