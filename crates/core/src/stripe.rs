//! Stripe's rules as pure functions: the `Stripe-Signature` webhook header (built and checked
//! exactly as Stripe does), the retry schedule for failed automatic-renewal charges, the labels
//! members see for a saved card or bank account, and the shape of API keys.
//!
//! The signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…]`, the HMAC keyed
//! with the endpoint's signing secret (the whole `whsec_…` string) over `"{t}.{raw body}"`. Any
//! matching `v1` is accepted (Stripe sends two while a secret is being rolled); other schemes
//! (`v0`) are ignored; a timestamp more than the tolerance away from now is refused, so a
//! captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use jiff::ToSpan;
use jiff::civil::Date;
use sha2::Sha256;

use crate::validate::FieldErrors;

type HmacSha256 = Hmac<Sha256>;

/// Stripe's default tolerance: five minutes either way.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp")]
    NoTimestamp,
    #[error("the Stripe-Signature header has no v1 signature")]
    NoSignature,
    #[error("no v1 signature matches the body and signing secret")]
    Mismatch,
    #[error("the signature's timestamp is outside the tolerance")]
    OutsideTolerance,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// The hex HMAC Stripe puts in `v1=`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    to_hex(&mac(secret, timestamp, body).finalize().into_bytes())
}

/// The whole header value Stripe would send for `body` at `timestamp`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// Check a `Stripe-Signature` header against the raw body. Returns the signed timestamp.
/// The comparison of each candidate is constant-time.
pub fn verify(
    header: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<i64, SignatureError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => candidates.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::NoTimestamp)?;
    if candidates.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    let expected = mac(secret, timestamp, body);
    let matched = candidates
        .iter()
        .filter_map(|c| from_hex(c))
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if now_unix.abs_diff(timestamp) > tolerance_seconds.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(timestamp)
}

/// Days after the first automatic-renewal charge on which it is tried again after a failure:
/// the first attempt on day 0, retries on days 3, 7 and 14, then the member is emailed an invoice.
/// Stripe lets a Checkout session expire between 30 minutes and 24 hours after it is made.
pub const CHECKOUT_MIN_SECONDS: i64 = 30 * 60;
pub const CHECKOUT_MAX_SECONDS: i64 = 24 * 60 * 60;

/// When a Checkout session made at `now` should expire to end with a seat hold ending at
/// `until` (Unix seconds): the hold's end, brought within Stripe's window (a minute past its
/// shortest, so the request is never refused for the seconds it takes to arrive). A payment
/// in the minutes after a short hold is a late payment, which registration settles.
pub fn checkout_expiry(now: i64, until: i64) -> i64 {
    until.clamp(now + CHECKOUT_MIN_SECONDS + 60, now + CHECKOUT_MAX_SECONDS)
}

pub const RETRY_DAYS: [i64; 4] = [0, 3, 7, 14];

/// When attempt `failed_attempt + 1` is due, after attempt `failed_attempt` (1-based) failed;
/// `None` when the schedule is used up.
pub fn next_attempt_on(first_attempt_on: Date, failed_attempt: i64) -> Option<Date> {
    let index = usize::try_from(failed_attempt).ok()?;
    let days = *RETRY_DAYS.get(index)?;
    first_attempt_on.checked_add(days.days()).ok()
}

/// What a member sees for a saved method: "Visa •••• 4242", "STRIPE TEST BANK •••• 6789".
pub fn card_label(brand: &str, last4: &str) -> String {
    let brand = match brand {
        "visa" => "Visa".to_string(),
        "mastercard" => "Mastercard".to_string(),
        "amex" => "American Express".to_string(),
        "discover" => "Discover".to_string(),
        "diners" => "Diners Club".to_string(),
        "jcb" => "JCB".to_string(),
        "unionpay" => "UnionPay".to_string(),
        "" | "unknown" => "Card".to_string(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    };
    format!("{brand} •••• {}", clean_last4(last4))
}

pub fn bank_label(bank_name: &str, last4: &str) -> String {
    let bank = bank_name.trim();
    let bank = if bank.is_empty() {
        "Bank account"
    } else {
        bank
    };
    format!("{bank} •••• {}", clean_last4(last4))
}

fn clean_last4(last4: &str) -> String {
    last4.chars().filter(char::is_ascii_digit).take(4).collect()
}

/// A saved secret as staff may see it again: the prefix and the last four characters.
pub fn masked(secret: &str) -> String {
    let prefix_end = secret
        .rfind('_')
        .map(|i| i + 1)
        .filter(|i| *i < secret.len())
        .unwrap_or(0);
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{}…{tail}", &secret[..prefix_end])
}

/// Test or live mode, from a key's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
}

fn mode_of(key: &str, kind: &str) -> Option<Mode> {
    let rest = key.strip_prefix(kind)?.strip_prefix('_')?;
    let (mode, body) = rest.split_once('_')?;
    let ok = body.len() >= 8 && body.chars().all(|c| c.is_ascii_alphanumeric());
    match mode {
        "test" if ok => Some(Mode::Test),
        "live" if ok => Some(Mode::Live),
        _ => None,
    }
}

/// Check the three values staff paste from Stripe's dashboard. `None` for a secret means
/// "keep the one already saved" (its mode is `saved_mode`).
pub fn check_keys(
    publishable: &str,
    secret: Option<&str>,
    webhook_secret: Option<&str>,
    saved_mode: Option<Mode>,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let publishable_mode = mode_of(publishable, "pk");
    errors.check(
        publishable_mode.is_none(),
        "publishable_key",
        "Paste the publishable key from Stripe's dashboard (Developers → API keys); it starts with pk_live_ or pk_test_.",
    );
    let secret_mode = match secret {
        Some(secret) => {
            let mode = mode_of(secret, "sk").or_else(|| mode_of(secret, "rk"));
            errors.check(
                mode.is_none(),
                "secret_key",
                "Paste the secret key from the same page; it starts with sk_live_ or sk_test_ (or rk_ for a restricted key).",
            );
            mode
        }
        None => {
            errors.check(
                saved_mode.is_none(),
                "secret_key",
                "Paste the secret key; it starts with sk_live_ or sk_test_.",
            );
            saved_mode
        }
    };
    if let Some(webhook_secret) = webhook_secret {
        let ok = webhook_secret
            .strip_prefix("whsec_")
            .is_some_and(|rest| rest.len() >= 8 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
        errors.check(
            !ok,
            "webhook_secret",
            "Paste the endpoint's signing secret (Developers → Webhooks → your endpoint); it starts with whsec_.",
        );
    } else {
        errors.check(
            saved_mode.is_none(),
            "webhook_secret",
            "Paste the endpoint's signing secret; it starts with whsec_.",
        );
    }
    if let (Some(p), Some(s)) = (publishable_mode, secret_mode)
        && p != s
    {
        errors.add(
            "secret_key",
            "The publishable key and the secret key are from different modes (one test, one live). Use both from the same mode.",
        );
    }
    errors
}

/// Whether a saved secret key is a test-mode key.
pub fn mode_of_secret(secret: &str) -> Option<Mode> {
    mode_of(secret, "sk").or_else(|| mode_of(secret, "rk"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn checkout_expiry_follows_the_hold_within_stripes_window() {
        use super::checkout_expiry;
        let now = 1_700_000_000;
        assert_eq!(checkout_expiry(now, now + 2 * 3600), now + 2 * 3600);
        assert_eq!(checkout_expiry(now, now + 15 * 60), now + 31 * 60);
        assert_eq!(checkout_expiry(now, now + 3 * 86_400), now + 86_400);
    }

    use super::*;

    const SECRET: &str = "whsec_test_secret_for_chapterhouse";
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;
    const T: i64 = 1_763_737_200;
    // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test_secret_for_chapterhouse',
    //   b'1763737200.' + b'{\"id\":\"evt_1\",\"object\":\"event\"}', hashlib.sha256).hexdigest())"
    const KNOWN: &str = "ed268ad784cb930450274d960ecfa5e06286666d7e4f0f91de3069c90e6ee96c";

    #[test]
    fn signature_matches_an_independent_hmac() {
        assert_eq!(signature(SECRET, T, BODY), KNOWN);
        assert_eq!(
            signature_header(SECRET, T, BODY),
            format!("t={T},v1={KNOWN}")
        );
    }

    #[test]
    fn verifies_a_good_header_and_any_matching_v1() {
        let header = format!("t={T},v1={KNOWN}");
        assert_eq!(verify(&header, BODY, SECRET, T + 10, 300), Ok(T));
        // Rolling secrets: one stale v1, one good, plus a v0 Stripe also sends in test mode.
        let rolled = format!("t={T},v1={},v1={KNOWN},v0=abc", "0".repeat(64));
        assert_eq!(verify(&rolled, BODY, SECRET, T, 300), Ok(T));
        // Order and spaces do not matter.
        let spaced = format!(" v1={KNOWN} , t={T} ");
        assert_eq!(verify(&spaced, BODY, SECRET, T, 300), Ok(T));
    }

    #[test]
    fn refuses_changed_bodies_wrong_secrets_and_garbled_headers() {
        let header = format!("t={T},v1={KNOWN}");
        let changed = br#"{"id":"evt_1","object":"event" }"#;
        assert_eq!(
            verify(&header, changed, SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, "whsec_other", T, 300),
            Err(SignatureError::Mismatch)
        );
        // A different timestamp changes what was signed.
        let moved = format!("t={},v1={KNOWN}", T + 1);
        assert_eq!(
            verify(&moved, BODY, SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("", BODY, SECRET, T, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(&format!("v1={KNOWN}"), BODY, SECRET, T, 300),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            verify(&format!("t=abc,v1={KNOWN}"), BODY, SECRET, T, 300),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            verify(&format!("t={T},v0={KNOWN}"), BODY, SECRET, T, 300),
            Err(SignatureError::NoSignature)
        );
        for garbled in ["zz", "é", &KNOWN[..63], "g".repeat(64).as_str()] {
            assert_eq!(
                verify(&format!("t={T},v1={garbled}"), BODY, SECRET, T, 300),
                Err(SignatureError::Mismatch),
                "{garbled}"
            );
        }
        assert_eq!(
            verify("nonsense", BODY, SECRET, T, 300),
            Err(SignatureError::NoTimestamp)
        );
    }

    #[test]
    fn tolerance_is_five_minutes_either_way() {
        let header = format!("t={T},v1={KNOWN}");
        assert!(verify(&header, BODY, SECRET, T + 300, TOLERANCE_SECONDS).is_ok());
        assert!(verify(&header, BODY, SECRET, T - 300, TOLERANCE_SECONDS).is_ok());
        assert_eq!(
            verify(&header, BODY, SECRET, T + 301, TOLERANCE_SECONDS),
            Err(SignatureError::OutsideTolerance)
        );
        assert_eq!(
            verify(&header, BODY, SECRET, T - 301, TOLERANCE_SECONDS),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn retries_on_days_three_seven_and_fourteen_then_stop() {
        let first: Date = "2026-12-30".parse().unwrap();
        assert_eq!(
            next_attempt_on(first, 1),
            Some("2027-01-02".parse().unwrap())
        );
        assert_eq!(
            next_attempt_on(first, 2),
            Some("2027-01-06".parse().unwrap())
        );
        assert_eq!(
            next_attempt_on(first, 3),
            Some("2027-01-13".parse().unwrap())
        );
        assert_eq!(next_attempt_on(first, 4), None);
        assert_eq!(next_attempt_on(first, 0), Some(first));
        assert_eq!(next_attempt_on(first, -1), None);
    }

    #[test]
    fn labels_show_brand_or_bank_and_last_four() {
        assert_eq!(card_label("visa", "4242"), "Visa •••• 4242");
        assert_eq!(card_label("amex", "0005"), "American Express •••• 0005");
        assert_eq!(card_label("elo", "1234"), "Elo •••• 1234");
        assert_eq!(card_label("", "1234"), "Card •••• 1234");
        assert_eq!(
            bank_label("STRIPE TEST BANK", "6789"),
            "STRIPE TEST BANK •••• 6789"
        );
        assert_eq!(bank_label("", "<b>6789</b>99"), "Bank account •••• 6789");
    }

    #[test]
    fn masks_keep_prefix_and_last_four() {
        assert_eq!(masked("sk_test_abcdefgh1234"), "sk_test_…1234");
        assert_eq!(masked("whsec_abcdefgh9876"), "whsec_…9876");
        assert_eq!(masked("abc"), "…abc");
    }

    #[test]
    fn keys_need_their_prefixes_and_one_mode() {
        let good = check_keys(
            "pk_test_abcdefgh",
            Some("sk_test_abcdefgh"),
            Some("whsec_abcdefgh"),
            None,
        );
        assert!(good.is_empty(), "{good}");
        let bad = check_keys("sk_test_abcdefgh", Some("pk_test_x"), Some("secret"), None);
        assert!(bad.get("publishable_key").is_some());
        assert!(bad.get("secret_key").is_some());
        assert!(bad.get("webhook_secret").is_some());
        let mixed = check_keys(
            "pk_live_abcdefgh",
            Some("sk_test_abcdefgh"),
            Some("whsec_abcdefgh"),
            None,
        );
        assert!(mixed.get("secret_key").unwrap().contains("different modes"));
        // Blank secrets keep the saved ones, but only when there are saved ones.
        assert!(check_keys("pk_test_abcdefgh", None, None, Some(Mode::Test)).is_empty());
        let none_saved = check_keys("pk_test_abcdefgh", None, None, None);
        assert!(
            none_saved.get("secret_key").is_some() && none_saved.get("webhook_secret").is_some()
        );
        assert_eq!(mode_of_secret("rk_live_abcdefgh"), Some(Mode::Live));
    }
}
