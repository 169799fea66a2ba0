//! The one error type of sending, split by whether a retry can help.

/// Why a message was not sent.
///
/// The job worker retries [`MailError::Transient`] with back-off and gives up at once on
/// [`MailError::Permanent`]. Messages never contain credentials: they are built from addresses,
/// reply codes and I/O errors only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Retrying the same message cannot succeed: an invalid address or header, or a 5xx reply.
    #[error("permanent mail failure: {0}")]
    Permanent(String),
    /// The message may go through later: connection refused, timeout, TLS or I/O trouble, or a
    /// 4xx reply.
    #[error("transient mail failure: {0}")]
    Transient(String),
}

impl MailError {
    /// Whether a later retry of the same message may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }

    /// Whether the message should be given up on.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent(_))
    }

    /// Turns an SMTP client error into a decision.
    ///
    /// Only a 5xx reply is permanent. Everything else (4xx, network, TLS, protocol or client
    /// errors, which are mostly configuration problems on our side) is transient, so a message is
    /// never dropped because the relay was down or misconfigured for a while.
    pub(crate) fn from_smtp(err: &lettre::transport::smtp::Error) -> MailError {
        if err.is_permanent() {
            MailError::Permanent(format!("SMTP server refused the message: {err}"))
        } else if err.is_timeout() {
            MailError::Transient(format!("SMTP timeout: {err}"))
        } else {
            MailError::Transient(format!("SMTP delivery failed: {err}"))
        }
    }
}
