//! HMAC-SHA256 signed, expiring tokens: the stateless CSRF token on forms, and any link whose
//! authority is its signature. A token binds a purpose and caller-chosen fields (society id, session
//! id…), so a token minted for one society or session is refused for another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::time::Timestamp;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token's signature does not match")]
    BadSignature,
}

impl Signer {
    /// `secret` is the deployment's secret key; each purpose gets a derived key so a token for one
    /// use can never be replayed as another.
    pub fn new(secret: &[u8]) -> Signer {
        Signer {
            key: secret.to_vec(),
        }
    }

    fn mac(&self, purpose: &str, fields: &[&str], expires: i64, nonce: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(purpose.as_bytes());
        for field in fields {
            mac.update(&[0]);
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac.update(&[0]);
        mac.update(&expires.to_be_bytes());
        mac.update(nonce);
        mac
    }

    /// A token valid until `expires`.
    pub fn sign(&self, purpose: &str, fields: &[&str], expires: Timestamp) -> String {
        let nonce: [u8; 12] = rand::random();
        let expires_secs = expires.0 / 1_000_000;
        let tag = self
            .mac(purpose, fields, expires_secs, &nonce)
            .finalize()
            .into_bytes();
        let mut raw = Vec::with_capacity(8 + 12 + 32);
        raw.extend_from_slice(&expires_secs.to_be_bytes());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn verify(
        &self,
        purpose: &str,
        fields: &[&str],
        token: &str,
        now: Timestamp,
    ) -> Result<(), TokenError> {
        let raw = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| TokenError::Malformed)?;
        if raw.len() != 8 + 12 + 32 {
            return Err(TokenError::Malformed);
        }
        let expires_secs =
            i64::from_be_bytes(raw[..8].try_into().map_err(|_| TokenError::Malformed)?);
        let nonce = &raw[8..20];
        // Constant-time comparison through the Mac API.
        self.mac(purpose, fields, expires_secs, nonce)
            .verify_slice(&raw[20..])
            .map_err(|_| TokenError::BadSignature)?;
        if now.0 / 1_000_000 > expires_secs {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

/// A random, URL-safe secret of 32 bytes (sign-in links, session ids, invitation links).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What we store instead of a bearer secret, so a database leak does not hand out live links.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

/// Lowercase hex SHA-256 of some bytes (blob content hashes).
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000_000_000);

    #[test]
    fn round_trip_and_binding() {
        let signer = Signer::new(b"secret");
        let token = signer.sign("csrf", &["society-a"], NOW.plus_seconds(60));
        assert_eq!(signer.verify("csrf", &["society-a"], &token, NOW), Ok(()));
        assert_eq!(
            signer.verify("csrf", &["society-b"], &token, NOW),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            signer.verify("checkin", &["society-a"], &token, NOW),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            Signer::new(b"other").verify("csrf", &["society-a"], &token, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn expiry_and_garbage() {
        let signer = Signer::new(b"secret");
        let token = signer.sign("csrf", &[], NOW.plus_seconds(60));
        assert_eq!(
            signer.verify("csrf", &[], &token, NOW.plus_seconds(61)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer.verify("csrf", &[], "not a token", NOW),
            Err(TokenError::Malformed)
        );
        let mut tampered = token.clone();
        tampered.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
        assert!(signer.verify("csrf", &[], &tampered, NOW).is_err());
    }

    #[test]
    fn field_boundaries_matter() {
        let signer = Signer::new(b"secret");
        let token = signer.sign("p", &["ab", "c"], NOW.plus_seconds(60));
        assert!(signer.verify("p", &["a", "bc"], &token, NOW).is_err());
    }

    #[test]
    fn random_tokens_differ_and_hash_stably() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
