//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the kind every
//! authenticator app reads from an `otpauth://` link.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::time::Timestamp;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new 160-bit secret, base32 without padding.
pub fn generate_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    base32_encode(&bytes)
}

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The time step an instant falls in.
pub fn step_at(now: Timestamp) -> i64 {
    now.0.div_euclid(1_000_000).div_euclid(STEP_SECONDS)
}

/// The code for a given step.
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// Check a code typed by the user, allowing one step of clock drift either way. Returns the step
/// that matched so the caller can refuse a replay of the same step (`last_used_step`).
pub fn verify(
    secret_base32: &str,
    code: &str,
    now: Timestamp,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secret = base32_decode(secret_base32)?;
    let current = step_at(now);
    (current - 1..=current + 1)
        .filter(|step| last_used_step.is_none_or(|last| *step > last))
        .find(|step| {
            let expected = code_for_step(&secret, *step);
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
        })
}

/// The `otpauth://` URI an authenticator app imports.
pub fn provisioning_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        secret_base32,
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; codes truncated to six digits.
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (seconds, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let step = step_at(Timestamp(seconds * 1_000_000));
            assert_eq!(code_for_step(secret, step), expected, "at {seconds}");
        }
    }

    #[test]
    fn verify_allows_drift_and_refuses_replay() {
        let secret = base32_encode(b"12345678901234567890");
        let now = Timestamp(1_111_111_109 * 1_000_000);
        let step = verify(&secret, "081 804", now, None).expect("valid code");
        assert_eq!(
            verify(&secret, "081804", now.plus_seconds(30), None),
            Some(step)
        );
        assert_eq!(verify(&secret, "081804", now.plus_seconds(90), None), None);
        assert_eq!(verify(&secret, "081804", now, Some(step)), None);
        assert_eq!(verify(&secret, "12345", now, None), None);
    }

    #[test]
    fn base32_round_trip() {
        let bytes = b"any bytes at all!";
        assert_eq!(base32_decode(&base32_encode(bytes)).unwrap(), bytes);
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert!(
            provisioning_uri("GSCO", "a@b.org", "ABC")
                .starts_with("otpauth://totp/GSCO:a%40b.org?")
        );
    }
}
