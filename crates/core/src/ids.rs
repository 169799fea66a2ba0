//! Typed identifiers. Every identifier is a UUID (v7, so they sort by creation time); the newtypes
//! keep a society id from being passed where a page id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self { Self(Uuid::now_v7()) }
        }
        impl Default for $name {
            fn default() -> Self { Self::new() }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self { Self(id) }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Uuid::parse_str(s).map(Self) }
        }
    )*};
}

id_type!(
    SocietyId,
    UserId,
    PageId,
    SessionId,
    JobId,
    AuditId,
    RedirectId,
    BlobId,
    InvitationId,
    PersonId,
    LevelId,
    MembershipId,
    TermId,
    PracticeId,
    PracticeTermId,
    LicenceId,
    NoteId,
    CustomFieldId,
    CommitteeId,
    CommitteeMemberId,
    RevenueAccountId,
    InvoiceId,
    PaymentId,
    RefundId,
    CreditMemoId,
    PaymentMethodId,
    ChargeAttemptId,
    WebhookRejectionId,
    ImportRunId,
    EventId,
    EventSessionId,
    RegistrationTypeId,
    RegistrationQuestionId,
    RegistrationId,
    RegistrationGuestId,
);

// Attendance and accredited education.
id_type!(
    AttendanceId,
    AttendanceImportId,
    ActivityId,
    ActivityCreditId,
    EvaluationQuestionId,
    EvaluationId,
    CreditClaimId,
);
