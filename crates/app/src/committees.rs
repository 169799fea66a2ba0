//! Committees and groups: create them, seat people on them (found by email or name) in a role
//! with term dates, and end a seat.

use chapterhouse_core::committees::{self, CommitteeKind};
use chapterhouse_core::text::normalize_email;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{CommitteeId, CommitteeMemberId, PersonId};
use chapterhouse_store::{CommitteeFields, NewAudit, NewSeat, PersonMatch, Scoped, StoreError};

use crate::membership::today;
use crate::{Actor, App, AppError, AppResult};

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CommitteeForm {
    #[serde(default)]
    pub name: String,
    /// "committee" or "group".
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
}

/// Seat someone on a committee.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SeatForm {
    /// An email address or (part of) a name.
    #[serde(default)]
    pub who: String,
    /// Set when staff picked one of several people matching `who`.
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub start_on: String,
    #[serde(default)]
    pub end_on: String,
}

pub async fn create_committee(
    app: &App,
    scoped: &Scoped,
    form: &CommitteeForm,
    actor: &Actor,
) -> AppResult<CommitteeId> {
    let mut errors = FieldErrors::new();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    errors.check(
        name.is_empty(),
        "name",
        "Give it a name, like \"Advocacy Committee\".",
    );
    errors.check(
        name.chars().count() > 120,
        "name",
        "Keep the name under 120 characters.",
    );
    let kind = CommitteeKind::parse(&form.kind);
    errors.check(
        kind.is_none(),
        "kind",
        "Choose whether this is a committee or a group.",
    );
    errors.check(
        form.description.trim().chars().count() > 2_000,
        "description",
        "Keep the description under 2,000 characters.",
    );
    errors.into_result()?;
    let fields = CommitteeFields {
        name,
        kind: kind.unwrap_or(CommitteeKind::Committee).as_str().into(),
        description: form.description.trim().to_string(),
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_committee(&fields, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "name",
                "A committee or group already has that name.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "committee.created",
            subject: &id.to_string(),
            detail: &fields.name,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The message when several people match what was typed; the page then lists them to choose.
pub const SEVERAL_MATCH: &str = "Several people match. Choose one below.";

/// People who match what was typed in a seat form, for staff to choose among (at most 20).
pub async fn candidates(scoped: &Scoped, who: &str) -> AppResult<Vec<PersonMatch>> {
    if who.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    Ok(scoped.find_people(who, None, 20).await?)
}

/// The person a seat form names: the one picked from a list, else an exact email, else the only
/// person whose name or email contains the text.
async fn resolve_person(scoped: &Scoped, form: &SeatForm) -> AppResult<Result<PersonId, String>> {
    if let Ok(id) = form.person_id.trim().parse::<PersonId>()
        && scoped.person_file(id).await?.is_some()
    {
        return Ok(Ok(id));
    }
    let who = form.who.trim();
    if who.is_empty() {
        return Ok(Err("Enter the person's email address or name.".into()));
    }
    if let Some(id) = scoped.person_by_email(&normalize_email(who)).await? {
        return Ok(Ok(id));
    }
    if who.chars().count() < 2 {
        return Ok(Err("Type at least two letters of the name.".into()));
    }
    let found = scoped.find_people(who, None, 2).await?;
    Ok(match found.as_slice() {
        [only] => Ok(only.id),
        [] => Err(format!(
            "No one in your records matches \u{201c}{who}\u{201d}. Check the spelling, or add them as a member first."
        )),
        _ => Err(SEVERAL_MATCH.into()),
    })
}

pub async fn add_seat(
    app: &App,
    scoped: &Scoped,
    committee: CommitteeId,
    form: &SeatForm,
    actor: &Actor,
) -> AppResult<CommitteeMemberId> {
    let today = today(app, scoped);
    let committee = scoped
        .committee(committee, today)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let person = resolve_person(scoped, form).await?;
    if let Err(problem) = &person {
        errors.add("who", problem.clone());
    }
    let role = committees::normalise_role(&form.role);
    if let Err(problem) = role {
        errors.add("role", problem);
    }
    let start = committees::parse_optional_date(&form.start_on);
    if let Err(problem) = start {
        errors.add("start_on", problem);
    }
    let end = committees::parse_optional_date(&form.end_on);
    if let Err(problem) = end {
        errors.add("end_on", problem);
    }
    if let (Ok(start), Ok(end)) = (start, end)
        && let Some(problem) = committees::dates_problem(start, end)
    {
        errors.add("end_on", problem);
    }
    errors.into_result()?;
    let (Ok(person), Ok(role), Ok(start_on), Ok(end_on)) = (person, role, start, end) else {
        return Err(AppError::NotFound);
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = tx
        .insert_seat(
            &NewSeat {
                committee: committee.id,
                person,
                role: &role,
                start_on,
                end_on,
            },
            now,
        )
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "committee.member_added",
            subject: &person.to_string(),
            detail: &format!("{} as {role}", committee.name),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// End a seat on `end_on` (empty: today).
pub async fn end_seat(
    app: &App,
    scoped: &Scoped,
    committee: CommitteeId,
    seat: CommitteeMemberId,
    end_on: &str,
    actor: &Actor,
) -> AppResult<()> {
    let today = today(app, scoped);
    let found = scoped
        .committee_seat(committee, seat)
        .await?
        .ok_or(AppError::NotFound)?;
    let end = match committees::parse_optional_date(end_on) {
        Ok(day) => day.unwrap_or(today),
        Err(problem) => return Err(AppError::field("end_on", problem)),
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.end_seat(committee, seat, end).await? {
        return Err(AppError::field(
            "end_on",
            "That seat has already ended by then, or starts after that date.",
        ));
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "committee.member_ended",
            subject: &found.person_id.to_string(),
            detail: &format!("{} as {} until {end}", found.committee_name, found.role),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
