//! The use-case error. The web layer maps each variant to a status and a page; internals are
//! logged there and never shown.

use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input has problems a person can fix; each names its field.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Someone else changed the thing meanwhile.
    #[error("changed by someone else")]
    Stale,
    #[error("too many attempts")]
    RateLimited,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn field(field: &str, message: &str) -> AppError {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Invalid(errors)
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Stale => AppError::Stale,
            other => AppError::Internal(other.into()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
