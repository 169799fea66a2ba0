//! Secrets at rest (a society's Stripe secret key and webhook signing secret): ChaCha20-Poly1305
//! under a key derived from the deployment's secret key with SHA-256 over a domain-separation
//! label, so the bytes that sign form tokens are never used as an encryption key themselves.
//!
//! A sealed value is `nonce (12 random bytes) ‖ ciphertext ‖ tag`. The society id and the
//! field's name are bound as associated data, so ciphertext copied into another society's row,
//! or from one field to another, does not decrypt.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chapterhouse_core::SocietyId;
use sha2::{Digest, Sha256};

const LABEL: &[u8] = b"chapterhouse/secrets-at-rest/chacha20poly1305/v1\0";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SecretBox {
    key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (was the deployment's secret key changed?)")]
pub struct OpenError;

impl SecretBox {
    /// Derive the encryption key from the deployment's secret key (`config.secret_key()`).
    pub fn from_deployment_secret(secret: &[u8]) -> SecretBox {
        let mut hasher = Sha256::new();
        hasher.update(LABEL);
        hasher.update(secret);
        SecretBox {
            key: hasher.finalize().into(),
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.key))
    }

    fn aad(society: SocietyId, field: &str) -> Vec<u8> {
        format!("society:{society}\0field:{field}").into_bytes()
    }

    /// Encrypt `plaintext` for `field` of `society`'s row.
    pub fn seal(&self, society: SocietyId, field: &str, plaintext: &str) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = Self::aad(society, field);
        let ciphertext = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("ChaCha20-Poly1305 encryption of a short secret cannot fail");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(
        &self,
        society: SocietyId,
        field: &str,
        sealed: &[u8],
    ) -> Result<String, OpenError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let aad = Self::aad(society, field);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces_bound_to_society_and_field() {
        let boxed = SecretBox::from_deployment_secret(b"a deployment secret of 32+ chars!!");
        let society = SocietyId::new();
        let a = boxed.seal(society, "secret_key", "sk_test_abcdefgh1234");
        let b = boxed.seal(society, "secret_key", "sk_test_abcdefgh1234");
        assert_ne!(a, b, "every sealing uses a new nonce");
        assert!(!String::from_utf8_lossy(&a).contains("abcdefgh"));
        assert_eq!(
            boxed.open(society, "secret_key", &a).unwrap(),
            "sk_test_abcdefgh1234"
        );
        // Another society's row, another field, another deployment key, a flipped bit: refused.
        assert!(boxed.open(SocietyId::new(), "secret_key", &a).is_err());
        assert!(boxed.open(society, "webhook_secret", &a).is_err());
        let other = SecretBox::from_deployment_secret(b"another deployment secret, 32 chars");
        assert!(other.open(society, "secret_key", &a).is_err());
        let mut flipped = a.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(boxed.open(society, "secret_key", &flipped).is_err());
        assert!(boxed.open(society, "secret_key", &a[..10]).is_err());
    }

    #[test]
    fn the_key_is_not_the_signing_secret() {
        let secret = b"a deployment secret of 32+ chars!!";
        let boxed = SecretBox::from_deployment_secret(secret);
        assert_ne!(&boxed.key[..], &secret[..32]);
        assert!(format!("{boxed:?}").contains("***"));
    }
}
