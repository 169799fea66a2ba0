//! DKIM signing on top of lettre's signer, which reads only PKCS#1 RSA PEM and a base64
//! Ed25519 seed: keys in PKCS#8 PEM (what `openssl genpkey` writes) are converted at start-up.

use anyhow::{Context, bail};
use base64::Engine;
use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig as LettreDkimConfig,
    DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

use crate::{DkimConfig, MailError, Secret};

/// RFC 8301: verifiers must not accept RSA keys shorter than this.
const MIN_RSA_BITS: usize = 1024;

/// A validated signing key in the form lettre accepts.
pub(crate) struct DkimSigner {
    domain: String,
    selector: String,
    algorithm: DkimSigningAlgorithm,
    /// PKCS#1 PEM for RSA, base64 seed for Ed25519.
    key: Secret,
}

impl DkimSigner {
    /// Parses and checks the key so that a bad key stops start-up rather than every send.
    pub(crate) fn new(cfg: &DkimConfig) -> anyhow::Result<DkimSigner> {
        let is_dns_name = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        };
        if !is_dns_name(&cfg.domain) {
            bail!("dkim.domain {:?} is not a domain name", cfg.domain);
        }
        if !is_dns_name(&cfg.selector) {
            bail!("dkim.selector {:?} is not a valid selector", cfg.selector);
        }
        let (algorithm, key) = convert_key(cfg.private_key_pem.expose().trim())
            .context("dkim.private_key_pem is not a usable DKIM key")?;
        // lettre's own parse is the one used when signing; run it once now.
        DkimSigningKey::new(key.expose(), algorithm)
            .map_err(|e| anyhow::anyhow!("dkim.private_key_pem: {e}"))?;
        Ok(DkimSigner {
            domain: cfg.domain.clone(),
            selector: cfg.selector.clone(),
            algorithm,
            key,
        })
    }

    /// Adds a `DKIM-Signature` (relaxed/relaxed) covering `headers`.
    ///
    /// lettre's config owns its key and is not `Clone`, so it is rebuilt per message; the list
    /// of signed headers differs per message anyway (only headers present are listed, plus the
    /// caller's extra headers such as List-Unsubscribe, which RFC 8058 requires to be signed).
    pub(crate) fn sign(
        &self,
        message: &mut Message,
        headers: Vec<HeaderName>,
    ) -> Result<(), MailError> {
        let key = DkimSigningKey::new(self.key.expose(), self.algorithm)
            // Checked at start-up, so this is a bug rather than a reason to drop the message.
            .map_err(|e| MailError::Transient(format!("DKIM key rejected: {e}")))?;
        let config = LettreDkimConfig::new(
            self.selector.clone(),
            self.domain.clone(),
            key,
            headers,
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        );
        message.sign(&config);
        Ok(())
    }
}

/// Accepts PKCS#1 RSA PEM, PKCS#8 PEM (RSA or Ed25519) or a bare base64 Ed25519 seed.
fn convert_key(text: &str) -> anyhow::Result<(DkimSigningAlgorithm, Secret)> {
    if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        let key = <RsaPrivateKey as rsa::pkcs1::DecodeRsaPrivateKey>::from_pkcs1_pem(text)
            .context("cannot read the PKCS#1 RSA key")?;
        check_rsa_size(&key)?;
        return Ok((DkimSigningAlgorithm::Rsa, Secret::new(text)));
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        bail!("the key is encrypted; store it unencrypted (openssl pkcs8 -nocrypt)");
    }
    if text.contains("-----BEGIN PRIVATE KEY-----") {
        if let Ok(key) = RsaPrivateKey::from_pkcs8_pem(text) {
            check_rsa_size(&key)?;
            let pkcs1 = key
                .to_pkcs1_pem(LineEnding::LF)
                .context("cannot re-encode the RSA key")?;
            return Ok((DkimSigningAlgorithm::Rsa, Secret::new(pkcs1.as_str())));
        }
        if let Ok(key) =
            <ed25519_dalek::SigningKey as ed25519_dalek::pkcs8::DecodePrivateKey>::from_pkcs8_pem(
                text,
            )
        {
            let seed = base64::engine::general_purpose::STANDARD.encode(key.to_bytes());
            return Ok((DkimSigningAlgorithm::Ed25519, Secret::new(seed)));
        }
        bail!("the PKCS#8 key is neither RSA nor Ed25519");
    }
    if text.contains("-----BEGIN") {
        bail!("expected a PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)");
    }
    // Otherwise it may be lettre's native Ed25519 form: the base64 of the 32-byte seed.
    match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(seed) if seed.len() == 32 => Ok((DkimSigningAlgorithm::Ed25519, Secret::new(text))),
        _ => bail!("expected a PEM private key or the base64 of a 32-byte Ed25519 seed"),
    }
}

fn check_rsa_size(key: &RsaPrivateKey) -> anyhow::Result<()> {
    let bits = key.size() * 8;
    if bits < MIN_RSA_BITS {
        bail!("the RSA key has {bits} bits; DKIM needs at least {MIN_RSA_BITS} (use 2048)");
    }
    Ok(())
}
