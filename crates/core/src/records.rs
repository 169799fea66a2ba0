//! Rules for staff work on a person's record: deciding applications, suspensions and status
//! overrides (each with a reason), merging duplicate people, and erasing a person on request.
//! Pure functions; the use-cases in `chapterhouse-app::records` apply them in one transaction.

use jiff::civil::Date;
use uuid::Uuid;

use crate::membership::Term;
use crate::money::Cents;
use crate::text::normalize_email;

/// Longest reason for a suspension, reinstatement or override.
pub const MAX_REASON_CHARS: usize = 500;
/// Longest staff note.
pub const MAX_NOTE_CHARS: usize = 5_000;
/// Longest message sent to an applicant with a decision.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// A required reason: what is wrong with it, in plain words, or None when it will do.
pub fn reason_problem(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.is_empty() {
        Some("Give a reason: it is kept with the change and shown on the person's page.")
    } else if text.chars().count() > MAX_REASON_CHARS {
        Some("Keep the reason under 500 characters.")
    } else {
        None
    }
}

/// A staff note's body.
pub fn note_problem(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.is_empty() {
        Some("Write the note before adding it.")
    } else if text.chars().count() > MAX_NOTE_CHARS {
        Some("Keep a note under 5,000 characters; split a longer one in two.")
    } else {
        None
    }
}

/// An optional message to an applicant.
pub fn message_problem(text: &str) -> Option<&'static str> {
    (text.trim().chars().count() > MAX_MESSAGE_CHARS)
        .then_some("Keep the message under 2,000 characters.")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// What approving an application does to the membership.
///
/// Approval is a decision about the person, not a payment. So:
/// - dues already paid (the applicant paid when applying: a term exists): the membership becomes
///   active by the ordinary status rules;
/// - a free level (the first term costs nothing): approval grants the first term at once;
/// - otherwise the member stays **pending until the dues are paid**; the payment of the dues
///   invoice adds the term, and the status rules then make them active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalEffect {
    AlreadyPaid,
    GrantFreeTerm,
    AwaitPayment,
}

pub fn approval_effect(first_term_fee: Cents, has_paid_term: bool) -> ApprovalEffect {
    if has_paid_term {
        ApprovalEffect::AlreadyPaid
    } else if first_term_fee.0 <= 0 {
        ApprovalEffect::GrantFreeTerm
    } else {
        ApprovalEffect::AwaitPayment
    }
}

/// Whose row wins when two records are merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The person staff chose to keep.
    Kept,
    /// The duplicate, which is deleted after its rows move.
    Duplicate,
}

/// How two people's memberships combine when they are merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipMerge {
    /// The membership that remains (None: neither person had one).
    pub survivor: Option<Side>,
    /// The other membership's terms that move to the survivor (they overlap none of its terms).
    pub moved_terms: Vec<Term>,
    /// The other membership's terms that are dropped because they overlap the survivor's.
    pub dropped_terms: Vec<Term>,
}

/// Whether two terms share at least one day (`end` None never ends).
pub fn terms_overlap(a: &Term, b: &Term) -> bool {
    let a_end = a.end.unwrap_or(Date::MAX);
    let b_end = b.end.unwrap_or(Date::MAX);
    a.start <= b_end && b.start <= a_end
}

/// The sort key of a membership's latest term: its end (a term that never ends is latest of
/// all), then its start. A membership with no terms sorts before any with one.
fn latest_key(terms: &[Term]) -> Option<(Date, Date)> {
    terms
        .iter()
        .map(|t| (t.end.unwrap_or(Date::MAX), t.start))
        .max()
}

/// Plan how the memberships of a kept person and a duplicate combine.
///
/// When both have one, the membership with the later latest term survives (the kept person's on
/// a tie), and the other's terms move to it only when they overlap none of the survivor's terms
/// (or of terms already moved): a person is never paid up twice for the same day.
pub fn plan_membership_merge(kept: Option<&[Term]>, duplicate: Option<&[Term]>) -> MembershipMerge {
    let (survivor, survivor_terms, other_terms) = match (kept, duplicate) {
        (None, None) => {
            return MembershipMerge {
                survivor: None,
                moved_terms: Vec::new(),
                dropped_terms: Vec::new(),
            };
        }
        (Some(_), None) => (Side::Kept, &[][..], &[][..]),
        (None, Some(_)) => (Side::Duplicate, &[][..], &[][..]),
        (Some(k), Some(d)) => {
            if latest_key(d) > latest_key(k) {
                (Side::Duplicate, d, k)
            } else {
                (Side::Kept, k, d)
            }
        }
    };
    let mut taken: Vec<Term> = survivor_terms.to_vec();
    let mut others: Vec<Term> = other_terms.to_vec();
    others.sort_by_key(|t| t.start);
    let mut moved = Vec::new();
    let mut dropped = Vec::new();
    for term in others {
        if taken
            .iter()
            .any(|t| terms_overlap(t, &term) || t.start == term.start)
        {
            dropped.push(term);
        } else {
            taken.push(term);
            moved.push(term);
        }
    }
    MembershipMerge {
        survivor: Some(survivor),
        moved_terms: moved,
        dropped_terms: dropped,
    }
}

/// How a person is erased on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// No invoices or payments name them: the person and everything of theirs is deleted.
    Delete,
    /// Invoices or payments are a legal record and stay: the person row stays, emptied of
    /// personal data, so the documents still point somewhere.
    Anonymise,
}

pub fn erasure_for(has_financial_records: bool) -> Erasure {
    if has_financial_records {
        Erasure::Anonymise
    } else {
        Erasure::Delete
    }
}

/// The name an anonymised person is shown under.
pub const ANONYMISED_NAME: &str = "Anonymised member";

/// A unique address that can never receive mail (`.invalid` is reserved, RFC 2606).
pub fn anonymised_email(id: Uuid) -> String {
    format!("anonymised-{}@invalid", id.simple())
}

/// Erasure is confirmed by typing the person's email address (case and spaces ignored).
pub fn erasure_confirmed(typed: &str, email: &str) -> bool {
    let typed = normalize_email(typed);
    !typed.is_empty() && typed == normalize_email(email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::{Application, Status, StatusInput, status};
    use jiff::civil::date;

    fn term(start: Date, end: Option<Date>) -> Term {
        Term { start, end }
    }

    #[test]
    fn reasons_notes_and_messages_are_checked() {
        assert!(reason_problem("   ").is_some());
        assert!(reason_problem(&"x".repeat(501)).is_some());
        assert_eq!(reason_problem("Dues dispute settled by phone"), None);
        assert!(note_problem("").is_some());
        assert_eq!(note_problem("Called about the meeting"), None);
        assert_eq!(message_problem(""), None, "a message is optional");
        assert!(message_problem(&"x".repeat(2_001)).is_some());
    }

    #[test]
    fn approving_unpaid_dues_leaves_the_member_pending_until_payment() {
        let today = date(2026, 11, 21);
        let input = |terms: &[Term]| -> Status {
            status(&StatusInput {
                today,
                terms,
                application: Some(Application::Approved),
                cancelled_on: None,
                suspended: false,
                override_status: None,
                practice_status: None,
                grace_days: 30,
            })
        };
        assert_eq!(
            approval_effect(Cents(35_000), false),
            ApprovalEffect::AwaitPayment
        );
        assert_eq!(input(&[]), Status::Pending, "approved but unpaid: pending");
        let paid = [term(today, Some(date(2027, 11, 20)))];
        assert_eq!(
            approval_effect(Cents(35_000), true),
            ApprovalEffect::AlreadyPaid
        );
        assert_eq!(input(&paid), Status::Active, "approved and paid: active");
        assert_eq!(
            approval_effect(Cents(0), false),
            ApprovalEffect::GrantFreeTerm
        );
        let rejected = status(&StatusInput {
            today,
            terms: &paid,
            application: Some(Application::Rejected),
            cancelled_on: None,
            suspended: false,
            override_status: None,
            practice_status: None,
            grace_days: 30,
        });
        assert_eq!(rejected, Status::Cancelled);
    }

    #[test]
    fn overlap_counts_shared_days_and_open_ends() {
        let y2025 = term(date(2025, 1, 1), Some(date(2025, 12, 31)));
        let y2026 = term(date(2026, 1, 1), Some(date(2026, 12, 31)));
        let mid = term(date(2025, 12, 31), Some(date(2026, 6, 30)));
        let forever = term(date(2030, 1, 1), None);
        assert!(!terms_overlap(&y2025, &y2026), "back to back is no overlap");
        assert!(terms_overlap(&y2025, &mid) && terms_overlap(&mid, &y2026));
        assert!(terms_overlap(
            &forever,
            &term(date(2040, 1, 1), Some(date(2040, 2, 1)))
        ));
        assert!(!terms_overlap(&forever, &y2026));
    }

    #[test]
    fn merging_keeps_the_later_membership_and_moves_only_non_overlapping_terms() {
        let d = date;
        let k = [
            term(d(2024, 1, 1), Some(d(2024, 12, 31))),
            term(d(2025, 1, 1), Some(d(2025, 12, 31))),
        ];
        // The duplicate renewed later (through 2026) and also paid a half-year in 2025.
        let dup = [
            term(d(2023, 1, 1), Some(d(2023, 12, 31))),
            term(d(2025, 7, 1), Some(d(2025, 12, 31))),
            term(d(2026, 1, 1), Some(d(2026, 12, 31))),
        ];
        let plan = plan_membership_merge(Some(&k), Some(&dup));
        assert_eq!(plan.survivor, Some(Side::Duplicate), "later term wins");
        assert_eq!(
            plan.moved_terms,
            vec![k[0]],
            "2024 overlaps nothing of the survivor's"
        );
        assert_eq!(
            plan.dropped_terms,
            vec![k[1]],
            "2025 overlaps the half-year"
        );

        let plan = plan_membership_merge(Some(&dup), Some(&k));
        assert_eq!(plan.survivor, Some(Side::Kept));
        assert_eq!(plan.moved_terms, vec![k[0]]);

        // A tie keeps the kept person's; identical terms are dropped, never doubled.
        let plan = plan_membership_merge(Some(&k), Some(&k));
        assert_eq!(plan.survivor, Some(Side::Kept));
        assert!(plan.moved_terms.is_empty());
        assert_eq!(plan.dropped_terms.len(), 2);

        // A lifetime term is the latest of all; a membership with no terms loses to any.
        let life = [term(d(2010, 1, 1), None)];
        assert_eq!(
            plan_membership_merge(Some(&k), Some(&life)).survivor,
            Some(Side::Duplicate)
        );
        let none: [Term; 0] = [];
        let plan = plan_membership_merge(Some(&none), Some(&k));
        assert_eq!(plan.survivor, Some(Side::Duplicate));
        assert!(plan.moved_terms.is_empty() && plan.dropped_terms.is_empty());
        let plan = plan_membership_merge(Some(&k), Some(&none));
        assert_eq!(plan.survivor, Some(Side::Kept));

        // Only one of them has a membership: that one stays, whole.
        assert_eq!(
            plan_membership_merge(None, Some(&dup)).survivor,
            Some(Side::Duplicate)
        );
        assert_eq!(
            plan_membership_merge(Some(&k), None).survivor,
            Some(Side::Kept)
        );
        assert_eq!(plan_membership_merge(None, None).survivor, None);
    }

    #[test]
    fn erasure_deletes_unless_there_are_financial_records() {
        assert_eq!(erasure_for(false), Erasure::Delete);
        assert_eq!(erasure_for(true), Erasure::Anonymise);
        let id = Uuid::nil();
        assert_eq!(
            anonymised_email(id),
            "anonymised-00000000000000000000000000000000@invalid"
        );
        assert!(erasure_confirmed(" Ada@Example.org ", "ada@example.org"));
        assert!(!erasure_confirmed("ada@example.com", "ada@example.org"));
        assert!(!erasure_confirmed("", ""), "typing nothing never confirms");
    }
}
