//! Staff work on a person's record: notes; suspending, reinstating and overriding a membership's
//! status (each with a reason); merging a duplicate person into another; erasing a person on
//! request (deleted outright, or anonymised when invoices or payments must stay). The rules are
//! in `core::records`; each use-case writes in one transaction with an audit entry.

use chapterhouse_core::membership::Status;
use chapterhouse_core::records::{self, Erasure, MembershipMerge, Side};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{NoteId, PersonId};
use chapterhouse_store::{
    MembershipFile, MembershipMove, MembershipState, MergeReport, NewAudit, PersonFile,
    PersonRowCounts, Scoped, parse_status,
};

use crate::membership::{membership_status, today};
use crate::{Actor, App, AppError, AppResult};

async fn person(scoped: &Scoped, id: PersonId) -> AppResult<PersonFile> {
    scoped.person_file(id).await?.ok_or(AppError::NotFound)
}

pub async fn add_note(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    body: &str,
    actor: &Actor,
) -> AppResult<NoteId> {
    if let Some(problem) = records::note_problem(body) {
        return Err(AppError::field("body", problem));
    }
    person(scoped, id).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let note = tx
        .insert_person_note(id, body.trim(), actor.account, now)
        .await?;
    // The note's text stays in the note (which erasure removes), not in the audit log.
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "person.note_added",
            subject: &id.to_string(),
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// The person's membership and its stored state, or a plain 404 when they have none.
async fn membership_of(
    scoped: &Scoped,
    id: PersonId,
) -> AppResult<(MembershipFile, MembershipState)> {
    let file = scoped
        .membership_file_of(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = scoped
        .membership_state(file.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((file, state))
}

fn reason(field: &str, text: &str) -> AppResult<String> {
    match records::reason_problem(text) {
        Some(problem) => Err(AppError::field(field, problem)),
        None => Ok(text.trim().to_string()),
    }
}

/// Suspend a membership (its privileges end at once); the reason shows on the person's page.
pub async fn suspend(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    reason_text: &str,
    actor: &Actor,
) -> AppResult<Status> {
    let reason = reason("suspend_reason", reason_text)?;
    let (file, mut state) = membership_of(scoped, id).await?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.set_suspension(file.id, true, &reason).await? {
        return Err(AppError::field(
            "suspend_reason",
            "This membership is already suspended.",
        ));
    }
    state.suspended = true;
    let status = membership_status(&state, today);
    tx.set_membership_status(file.id, status, today).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.suspended",
            subject: &file.id.to_string(),
            detail: &reason,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// Lift a suspension; the status returns to what the terms say.
pub async fn reinstate(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    reason_text: &str,
    actor: &Actor,
) -> AppResult<Status> {
    let reason = reason("reinstate_reason", reason_text)?;
    let (file, mut state) = membership_of(scoped, id).await?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.set_suspension(file.id, false, "").await? {
        return Err(AppError::field(
            "reinstate_reason",
            "This membership is not suspended.",
        ));
    }
    state.suspended = false;
    let status = membership_status(&state, today);
    tx.set_membership_status(file.id, status, today).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.reinstated",
            subject: &file.id.to_string(),
            detail: &reason,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// Set a status by hand, whatever the terms say, until the override is cleared.
pub async fn override_status(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    status_text: &str,
    reason_text: &str,
    actor: &Actor,
) -> AppResult<Status> {
    let mut errors = FieldErrors::new();
    let wanted = parse_status(status_text.trim());
    errors.check(
        wanted.is_none(),
        "override_status",
        "Choose the status to set.",
    );
    if let Some(problem) = records::reason_problem(reason_text) {
        errors.add("override_reason", problem);
    }
    errors.into_result()?;
    let Some(wanted) = wanted else {
        return Err(AppError::NotFound);
    };
    let reason = reason_text.trim();
    let (file, mut state) = membership_of(scoped, id).await?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.set_status_override(file.id, Some(wanted), reason)
        .await?;
    state.override_status = Some(wanted);
    let status = membership_status(&state, today);
    tx.set_membership_status(file.id, status, today).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.status_overridden",
            subject: &file.id.to_string(),
            detail: &format!("{}: {reason}", wanted.as_str()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// Clear an override: the status is computed from the terms again.
pub async fn clear_override(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    actor: &Actor,
) -> AppResult<Status> {
    let (file, mut state) = membership_of(scoped, id).await?;
    let today = today(app, scoped);
    if state.override_status.is_none() {
        return Ok(membership_status(&state, today));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.set_status_override(file.id, None, "").await?;
    state.override_status = None;
    let status = membership_status(&state, today);
    tx.set_membership_status(file.id, status, today).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.override_cleared",
            subject: &file.id.to_string(),
            detail: status.as_str(),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// What merging `duplicate` into `keep` will do, shown before staff confirm; the merge itself
/// recomputes it, so what is shown is what happens.
#[derive(Clone, Debug)]
pub struct MergePreview {
    pub keep: PersonFile,
    pub duplicate: PersonFile,
    pub keep_membership: Option<MembershipFile>,
    pub duplicate_membership: Option<MembershipFile>,
    pub plan: MembershipMerge,
    /// The duplicate's rows, by kind.
    pub counts: PersonRowCounts,
    /// Why the merge cannot go ahead (empty: it can).
    pub blockers: Vec<String>,
    keep_state: Option<MembershipState>,
    duplicate_state: Option<MembershipState>,
}

pub async fn merge_preview(
    scoped: &Scoped,
    keep: PersonId,
    duplicate: PersonId,
) -> AppResult<MergePreview> {
    let keep_person = person(scoped, keep).await?;
    let dup_person = person(scoped, duplicate).await?;
    let keep_membership = scoped.membership_file_of(keep).await?;
    let duplicate_membership = scoped.membership_file_of(duplicate).await?;
    let keep_state = match &keep_membership {
        Some(m) => scoped.membership_state(m.id).await?,
        None => None,
    };
    let duplicate_state = match &duplicate_membership {
        Some(m) => scoped.membership_state(m.id).await?,
        None => None,
    };
    let plan = records::plan_membership_merge(
        keep_state.as_ref().map(|s| s.terms.as_slice()),
        duplicate_state.as_ref().map(|s| s.terms.as_slice()),
    );
    let mut blockers = Vec::new();
    if keep == duplicate {
        blockers.push("A person cannot be merged into themselves.".to_string());
    }
    if dup_person.has_staff_account() {
        blockers.push(
            "The duplicate has a staff account. Open the staff person's own page and merge the other record into it instead."
                .to_string(),
        );
    }
    if dup_person.anonymised_at.is_some() || keep_person.anonymised_at.is_some() {
        blockers.push("Anonymised people cannot be merged.".to_string());
    }
    if keep != duplicate && scoped.live_registration_clash(keep, duplicate).await? {
        blockers.push(
            "Both are registered for the same event. Cancel one of the two registrations first."
                .to_string(),
        );
    }
    Ok(MergePreview {
        counts: scoped.person_row_counts(duplicate).await?,
        keep: keep_person,
        duplicate: dup_person,
        keep_membership,
        duplicate_membership,
        plan,
        blockers,
        keep_state,
        duplicate_state,
    })
}

/// Merge `duplicate` into `keep` in one transaction (see `ScopedTx::merge_person_into`), store
/// the surviving membership's recomputed status, and audit both ids.
pub async fn merge_people(
    app: &App,
    scoped: &Scoped,
    keep: PersonId,
    duplicate: PersonId,
    actor: &Actor,
) -> AppResult<MergeReport> {
    let preview = merge_preview(scoped, keep, duplicate).await?;
    if let Some(blocker) = preview.blockers.first() {
        return Err(AppError::field("duplicate", blocker));
    }
    let today = today(app, scoped);
    let now = app.now();
    let (survivor_state, loser) = match preview.plan.survivor {
        None => (None, None),
        Some(Side::Kept) => (
            preview.keep_state.clone(),
            preview.duplicate_state.as_ref().map(|s| s.id),
        ),
        Some(Side::Duplicate) => (
            preview.duplicate_state.clone(),
            preview.keep_state.as_ref().map(|s| s.id),
        ),
    };
    let movement = survivor_state.as_ref().map(|s| MembershipMove {
        survivor: s.id,
        survivor_from_duplicate: preview.plan.survivor == Some(Side::Duplicate),
        loser,
        move_term_starts: preview.plan.moved_terms.iter().map(|t| t.start).collect(),
    });

    let mut tx = scoped.begin().await?;
    let report = tx
        .merge_person_into(keep, duplicate, movement.as_ref())
        .await?;
    if let Some(mut state) = survivor_state {
        state.terms.extend(preview.plan.moved_terms.iter().copied());
        tx.set_membership_status(state.id, membership_status(&state, today), today)
            .await?;
    }
    let summary = format!(
        "{} rows and {} terms moved{}",
        report.rows_moved,
        report.terms_moved,
        if report.account_moved {
            "; sign-in account handed over"
        } else if report.account_deleted {
            "; duplicate sign-in account deleted"
        } else {
            ""
        }
    );
    for (subject, detail) in [
        (
            keep.to_string(),
            format!("merged duplicate {duplicate} into this person: {summary}"),
        ),
        (duplicate.to_string(), format!("merged into {keep}")),
    ] {
        tx.audit(
            NewAudit {
                actor: actor.account,
                action: "person.merged",
                subject: &subject,
                detail: &detail,
                ip: &actor.ip,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// What erasing a person will do, shown before staff confirm.
#[derive(Clone, Debug)]
pub struct ErasePreview {
    pub person: PersonFile,
    pub membership: Option<MembershipFile>,
    pub counts: PersonRowCounts,
    pub erasure: Erasure,
    /// Why it cannot go ahead, if it cannot.
    pub blocker: Option<String>,
}

pub async fn erase_preview(scoped: &Scoped, id: PersonId) -> AppResult<ErasePreview> {
    let found = person(scoped, id).await?;
    let counts = scoped.person_row_counts(id).await?;
    let erasure = records::erasure_for(counts.has_kept_records());
    let blocker = if found.has_staff_account() {
        Some("This person has a staff account. Staff accounts are not erased here: ask the owner to remove their staff role first.".to_string())
    } else if found.anonymised_at.is_some() {
        Some("This person has already been anonymised: nothing personal remains.".to_string())
    } else {
        None
    };
    Ok(ErasePreview {
        membership: scoped.membership_file_of(id).await?,
        person: found,
        counts,
        erasure,
        blocker,
    })
}

/// Erase a person on request, confirmed by typing their email address. Deleted outright when no
/// invoice or payment names them, else anonymised (see `ScopedTx::anonymise_person`); the audit
/// entry names only their id.
pub async fn erase_person(
    app: &App,
    scoped: &Scoped,
    id: PersonId,
    typed_email: &str,
    actor: &Actor,
) -> AppResult<Erasure> {
    let preview = erase_preview(scoped, id).await?;
    if let Some(blocker) = preview.blocker {
        return Err(AppError::field("confirm_email", &blocker));
    }
    if !records::erasure_confirmed(typed_email, &preview.person.email) {
        return Err(AppError::field(
            "confirm_email",
            "That is not this person's email address. Type it exactly as shown above to confirm.",
        ));
    }
    let today = today(app, scoped);
    let now = app.now();
    let membership = preview.membership.as_ref().map(|m| m.id);
    let mut tx = scoped.begin().await?;
    match preview.erasure {
        Erasure::Delete => {
            tx.delete_person(id, &preview.person.email, membership)
                .await?
        }
        Erasure::Anonymise => {
            tx.anonymise_person(
                id,
                &preview.person.email,
                &records::anonymised_email(id.0),
                membership,
                today,
                now,
            )
            .await?
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: match preview.erasure {
                Erasure::Delete => "person.deleted",
                Erasure::Anonymise => "person.anonymised",
            },
            subject: &id.to_string(),
            detail: "on request",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(preview.erasure)
}
