//! Faculty of an event: staff invite speakers, moderators, planners and reviewers by email and
//! assign them to sessions; each invitation mails a signed link to the speaker's own page
//! (`/speakers/{token}`, no sign-in), where they accept the speaker agreement, upload slides and
//! CV (checked by content and size, `core::disclosure`) and submit their financial-relationship
//! disclosure. A planner then marks each relationship relevant or not, records how relevant
//! ones were mitigated, and signs the disclosure off; only then does the event's page show it to
//! learners. [`event_disclosures`] is the list every reader uses (the public page, the staff
//! page, and through [`joint_provider_disclosures`] the joint-provider export).

use chapterhouse_core::disclosure::{
    self as rules, Decision, Disclosed, FacultyRole, LearnerDisclosure, Material, Nature, Progress,
    ReviewInput, RowInput,
};
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{EventId, EventSessionId, FacultyId, Timestamp};
use chapterhouse_store::{
    Blob, DisclosedRelationship, Event, EventSession, Faculty, MaterialSlot, NewAudit,
    NewRelationship, Scoped, StoreError,
};

use crate::education::exports::{FacultyDisclosure, Relationship, role_cell};
use crate::mail::{EmailJob, enqueue_email, enqueue_email_once};
use crate::{Actor, App, AppError, AppResult};

/// How long a speaker's link keeps working from the day it was mailed.
pub const LINK_DAYS: i64 = 365;
/// Rows the disclosure form starts with, and how many "Add more rows" adds.
pub const ROWS_AT_A_TIME: usize = 3;
const MAX_NAME_CHARS: usize = 200;
const MAX_AGREEMENT_CHARS: usize = 20_000;
const SIGNING_PURPOSE: &str = "speaker";

// ---------------------------------------------------------------------------------------------
// Links.

/// The token of a faculty member's page: their id and a signature bound to the society and id.
pub fn speaker_token(app: &App, scoped: &Scoped, faculty: FacultyId) -> String {
    let signature = app.signer.sign(
        SIGNING_PURPOSE,
        &[&scoped.society_id().to_string(), &faculty.to_string()],
        app.now().plus_seconds(LINK_DAYS * 86_400),
    );
    format!("{faculty}.{signature}")
}

/// The full address of a faculty member's page, on the society's primary host.
pub fn speaker_link(app: &App, scoped: &Scoped, faculty: FacultyId) -> String {
    format!(
        "{}/speakers/{}",
        app.links.base_url(scoped.society()),
        speaker_token(app, scoped, faculty)
    )
}

/// The faculty member a token is for. A malformed, forged, expired or other society's token,
/// or one for someone removed from the faculty, is `NotFound` (the speaker's page tells the
/// removed apart through [`link_holder`]).
pub async fn faculty_by_token(app: &App, scoped: &Scoped, token: &str) -> AppResult<Faculty> {
    link_holder(app, scoped, token)
        .await?
        .filter(|f| f.removed_at.is_none())
        .ok_or(AppError::NotFound)
}

/// Whom a genuine link was mailed to, removed from the faculty or not; `None` for a
/// genuine link whose faculty row is gone, `NotFound` for a bad link.
pub async fn link_holder(app: &App, scoped: &Scoped, token: &str) -> AppResult<Option<Faculty>> {
    let (id, signature) = token.trim().split_once('.').ok_or(AppError::NotFound)?;
    let id: FacultyId = id.parse().map_err(|_| AppError::NotFound)?;
    app.signer
        .verify(
            SIGNING_PURPOSE,
            &[&scoped.society_id().to_string(), &id.to_string()],
            signature,
            app.now(),
        )
        .map_err(|_| AppError::NotFound)?;
    Ok(scoped.faculty_member(id).await?)
}

fn invitation_email(
    app: &App,
    scoped: &Scoped,
    event: &Event,
    faculty: FacultyId,
    name: &str,
    email: &str,
    role: FacultyRole,
) -> EmailJob {
    let society = scoped.society();
    let when = chapterhouse_core::events::when_words(
        Timestamp(event.starts_at),
        Timestamp(event.ends_at),
        &event.time_zone,
    );
    EmailJob {
        to: email.to_string(),
        subject: format!(
            "{}: your invitation as {}",
            event.title,
            role.label().to_lowercase()
        ),
        text: format!(
            "Hello {name},\n\n{} invites you to take part in {} ({when}) as {}.\n\n\
             On your own page you can accept the speaker agreement, upload your slides and CV, \
             and complete your financial-relationship disclosure, which accredited education \
             requires of everyone who controls content. No password is needed:\n\n{}\n\n\
             Keep this link to yourself; it works for {LINK_DAYS} days. If you have questions, \
             reply to this message.",
            society.name,
            event.title,
            role.label().to_lowercase(),
            speaker_link(app, scoped, faculty),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Staff: invitations and assignments.

/// The invitation form, read from the posted pairs (the session boxes repeat a name).
#[derive(Clone, Debug, Default)]
pub struct InviteForm {
    pub email: String,
    /// Needed only when nobody has the email yet.
    pub name: String,
    pub role: String,
    pub sessions: Vec<String>,
}

impl InviteForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> InviteForm {
        let mut form = InviteForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "email" => form.email = v.clone(),
                "name" => form.name = v.clone(),
                "role" => form.role = v.clone(),
                "session" => form.sessions.push(v.clone()),
                _ => {}
            }
        }
        form
    }

    pub fn has_session(&self, id: &str) -> bool {
        self.sessions.iter().any(|s| s == id)
    }
}

/// The chosen sessions, each one of the event's.
fn chosen_sessions(
    errors: &mut FieldErrors,
    posted: &[String],
    sessions: &[EventSession],
) -> Vec<EventSessionId> {
    let mut chosen = Vec::new();
    for raw in posted {
        match sessions.iter().find(|s| s.id.to_string() == raw.trim()) {
            Some(s) if !chosen.contains(&s.id) => chosen.push(s.id),
            Some(_) => {}
            None => {
                errors.add("sessions", "Choose sessions of this event only.");
                break;
            }
        }
    }
    chosen
}

fn role_of(errors: &mut FieldErrors, raw: &str) -> FacultyRole {
    FacultyRole::parse(raw.trim()).unwrap_or_else(|| {
        errors.add("role", "Choose a role.");
        FacultyRole::Speaker
    })
}

/// Invite someone to an event's faculty: an existing person by email, or a new person with
/// the name given. The invitation mail (with the speaker's link) is queued in the same
/// transaction.
pub async fn invite(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    form: &InviteForm,
    actor: &Actor,
) -> AppResult<FacultyId> {
    let event = scoped.event(event_id).await?.ok_or(AppError::NotFound)?;
    let sessions = scoped.event_sessions(event_id).await?;
    let mut errors = FieldErrors::new();
    let email = normalize_email(&form.email);
    if !looks_like_email(&email) {
        errors.add(
            "email",
            "Enter the person's email address, like name@example.org.",
        );
    }
    let role = role_of(&mut errors, &form.role);
    let chosen = chosen_sessions(&mut errors, &form.sessions, &sessions);
    let name = form.name.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        errors.add("name", "Shorten the name to 200 characters.");
    }
    let existing = if errors.is_empty() {
        scoped.person_by_email(&email).await?
    } else {
        None
    };
    if errors.is_empty() && existing.is_none() && name.is_empty() {
        errors.add(
            "name",
            "Nobody here has that email address yet: enter the person's name to add them.",
        );
    }
    errors.into_result()?;
    // Someone removed earlier (a speaker who withdrew) is put back, with what they recorded.
    let withdrawn = match existing {
        Some(p) => scoped
            .faculty_of_person(event_id, p)
            .await?
            .filter(|f| f.removed_at.is_some()),
        None => None,
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let person = match existing {
        Some(p) => p,
        None => match tx.insert_person(&email, name, now).await {
            Err(StoreError::Conflict(_)) => return Err(AppError::Stale),
            other => other?,
        },
    };
    let id = match &withdrawn {
        Some(f) => {
            if !tx.restore_faculty(f.id, now).await? {
                return Err(AppError::Stale);
            }
            f.id
        }
        None => match tx
            .insert_faculty(event_id, person, role.as_str(), now)
            .await
        {
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::field(
                    "email",
                    "That person is already on this event's faculty. Resend their invitation from the list instead.",
                ));
            }
            other => other?,
        },
    };
    tx.set_faculty_role_and_sessions(id, role.as_str(), &chosen)
        .await?;
    let display = match existing {
        Some(_) => scoped
            .person_file(person)
            .await?
            .map(|p| p.display_name)
            .unwrap_or_default(),
        None => name.to_string(),
    };
    enqueue_email(
        &mut tx,
        &invitation_email(app, scoped, &event, id, &display, &email, role),
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if withdrawn.is_some() {
                "faculty.reinstated"
            } else {
                "faculty.invited"
            },
            subject: &email,
            detail: &format!("{} as {}", event.title, role.label().to_lowercase()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The current faculty member of this event, or `NotFound` (also for someone removed).
pub async fn member_of(scoped: &Scoped, event: EventId, faculty: FacultyId) -> AppResult<Faculty> {
    let f = record_of(scoped, event, faculty).await?;
    if f.removed_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(f)
}

/// The faculty member of this event, current or removed (staff read a removed person's
/// record and materials for the accreditation file), or `NotFound`.
pub async fn record_of(scoped: &Scoped, event: EventId, faculty: FacultyId) -> AppResult<Faculty> {
    scoped
        .faculty_member(faculty)
        .await?
        .filter(|f| f.event_id == event)
        .ok_or(AppError::NotFound)
}

/// Remove someone from the event's faculty (a speaker who withdrew). Their agreement,
/// materials and disclosure with its review are kept for the accreditation file; they leave
/// the event's page, learner-facing disclosures and their sessions, and their link stops
/// working. Inviting them again puts them back.
pub async fn remove(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    faculty: FacultyId,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(event_id).await?.ok_or(AppError::NotFound)?;
    let f = member_of(scoped, event_id, faculty).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.remove_faculty(faculty, now).await? {
        return Err(AppError::Stale);
    }
    let kept: Vec<&str> = [
        (f.agreement_accepted_at.is_some(), "agreement"),
        (f.slides_blob_id.is_some(), "slides"),
        (f.cv_blob_id.is_some(), "CV"),
        (f.submitted_at.is_some(), "disclosure"),
    ]
    .into_iter()
    .filter_map(|(has, what)| has.then_some(what))
    .collect();
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.removed",
            subject: &f.email,
            detail: &format!(
                "{}; kept: {}",
                event.title,
                if kept.is_empty() {
                    "nothing recorded".to_string()
                } else {
                    kept.join(", ")
                }
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Mail the invitation again, with a fresh link.
pub async fn resend_invitation(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    faculty: FacultyId,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(event_id).await?.ok_or(AppError::NotFound)?;
    let f = member_of(scoped, event_id, faculty).await?;
    let role = FacultyRole::parse(&f.role).unwrap_or(FacultyRole::Speaker);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.touch_faculty_invited(faculty, now).await?;
    enqueue_email(
        &mut tx,
        &invitation_email(
            app,
            scoped,
            &event,
            faculty,
            &f.display_name,
            &f.email,
            role,
        ),
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.reinvited",
            subject: &f.email,
            detail: &event.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Change a faculty member's role and sessions.
pub async fn save_assignment(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    faculty: FacultyId,
    form: &InviteForm,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(event_id).await?.ok_or(AppError::NotFound)?;
    let f = member_of(scoped, event_id, faculty).await?;
    let sessions = scoped.event_sessions(event_id).await?;
    let mut errors = FieldErrors::new();
    let role = role_of(&mut errors, &form.role);
    let chosen = chosen_sessions(&mut errors, &form.sessions, &sessions);
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx
        .set_faculty_role_and_sessions(faculty, role.as_str(), &chosen)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let titles: Vec<&str> = sessions
        .iter()
        .filter(|s| chosen.contains(&s.id))
        .map(|s| s.title.as_str())
        .collect();
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.assigned",
            subject: &f.email,
            detail: &format!(
                "{}: {}; sessions: {}",
                event.title,
                role.label(),
                if titles.is_empty() {
                    "none".to_string()
                } else {
                    titles.join(", ")
                }
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The agreement faculty of an event are asked to accept: staff's text, or the default.
pub async fn agreement_text(scoped: &Scoped, event: EventId) -> AppResult<String> {
    let text = scoped
        .speaker_agreement(event)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(if text.trim().is_empty() {
        rules::DEFAULT_AGREEMENT.to_string()
    } else {
        text
    })
}

/// Save the event's speaker agreement; empty returns to the default. Agreements already
/// accepted keep the text that was accepted.
pub async fn save_agreement(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    text: &str,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(event_id).await?.ok_or(AppError::NotFound)?;
    let text = text.trim().replace("\r\n", "\n");
    if text.chars().count() > MAX_AGREEMENT_CHARS {
        return Err(AppError::field(
            "agreement",
            "Shorten the agreement to 20,000 characters.",
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.set_speaker_agreement(event_id, &text).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.agreement_saved",
            subject: &event.slug,
            detail: if text.is_empty() { "default" } else { "custom" },
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The speaker's page.

/// Accept the agreement as it reads now; the text is stored with the acceptance. Accepting
/// twice keeps the first.
pub async fn accept_agreement(
    app: &App,
    scoped: &Scoped,
    token: &str,
    actor: &Actor,
) -> AppResult<()> {
    let f = faculty_by_token(app, scoped, token).await?;
    let text = agreement_text(scoped, f.event_id).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if tx.accept_faculty_agreement(f.id, &text, now).await? {
        tx.audit(
            NewAudit {
                actor: actor.account,
                action: "faculty.agreement_accepted",
                subject: &f.email,
                detail: &f.event_id.to_string(),
                ip: &actor.ip,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Store an uploaded file as the faculty member's slides or CV, replacing the earlier one.
/// The type is read from the content; the size is capped per kind. Problems are on the
/// field named after the material (`slides`, `cv`).
pub async fn upload_material(
    app: &App,
    scoped: &Scoped,
    token: &str,
    material: Material,
    data: &[u8],
    actor: &Actor,
) -> AppResult<()> {
    let f = faculty_by_token(app, scoped, token).await?;
    let file_type = rules::check_material(material, data)
        .map_err(|m| AppError::field(material.as_str(), &m))?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let blob = tx.insert_blob(file_type.content_type(), data, now).await?;
    let slot = match material {
        Material::Slides => MaterialSlot::Slides,
        Material::Cv => MaterialSlot::Cv,
    };
    if !tx.set_faculty_material(f.id, slot, blob).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.material_uploaded",
            subject: &f.email,
            detail: &format!(
                "{} ({}, {} bytes)",
                material.label(),
                file_type.extension(),
                data.len()
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The disclosure form as posted: `answer` ("none" or "some"), rows `r1_company`,
/// `r1_nature`, `r1_ended`, … (`rows` says how many the page showed, so spare rows stay), and
/// `attest`.
#[derive(Clone, Debug, Default)]
pub struct DisclosureForm {
    pub answer: String,
    pub rows: Vec<RowInput>,
    pub attest: bool,
}

impl DisclosureForm {
    pub fn blank() -> DisclosureForm {
        DisclosureForm {
            rows: vec![RowInput::default(); ROWS_AT_A_TIME],
            ..Default::default()
        }
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> DisclosureForm {
        let mut form = DisclosureForm::default();
        let mut shown = 0;
        for (key, value) in pairs {
            match key.as_str() {
                "answer" => form.answer = value.clone(),
                "attest" => form.attest = true,
                "rows" => {
                    shown = value
                        .trim()
                        .parse::<usize>()
                        .unwrap_or(0)
                        .min(rules::MAX_RELATIONSHIPS)
                }
                other => {
                    let Some((n, field)) = row_field(other) else {
                        continue;
                    };
                    if form.rows.len() < n {
                        form.rows.resize(n, RowInput::default());
                    }
                    let row = &mut form.rows[n - 1];
                    match field {
                        "company" => row.company = value.clone(),
                        "nature" => row.nature = value.clone(),
                        "ended" => row.ended = true,
                        _ => {}
                    }
                }
            }
        }
        let rows = form
            .rows
            .len()
            .max(shown)
            .clamp(ROWS_AT_A_TIME, rules::MAX_RELATIONSHIPS);
        form.rows.resize(rows, RowInput::default());
        form
    }

    /// What "Add more rows" does.
    pub fn add_rows(&mut self) {
        let rows = (self.rows.len() + ROWS_AT_A_TIME).min(rules::MAX_RELATIONSHIPS);
        self.rows.resize(rows, RowInput::default());
    }

    /// The form filled from a stored disclosure, with spare rows after.
    pub fn from_stored(f: &Faculty, relationships: &[DisclosedRelationship]) -> DisclosureForm {
        let mut form = DisclosureForm::blank();
        if f.submitted_at.is_none() {
            return form;
        }
        form.answer = if relationships.is_empty() {
            "none".into()
        } else {
            "some".into()
        };
        form.rows = relationships
            .iter()
            .map(|r| RowInput {
                company: r.company.clone(),
                nature: r.nature.clone(),
                ended: r.has_ended,
            })
            .collect();
        form.add_rows();
        form
    }
}

/// `r12_company` → (12, "company").
fn row_field(key: &str) -> Option<(usize, &str)> {
    let rest = key.strip_prefix('r')?;
    let (n, field) = rest.split_once('_')?;
    let n: usize = n.parse().ok()?;
    (1..=rules::MAX_RELATIONSHIPS)
        .contains(&n)
        .then_some((n, field))
}

/// Submit (or replace) the disclosure. A new submission clears any earlier review: the
/// planner reviews what was disclosed last.
pub async fn submit_disclosure(
    app: &App,
    scoped: &Scoped,
    token: &str,
    form: &DisclosureForm,
    actor: &Actor,
) -> AppResult<()> {
    let f = faculty_by_token(app, scoped, token).await?;
    let valid = rules::check_disclosure(form.answer.trim(), &form.rows, form.attest)?;
    let natures: Vec<&'static str> = valid.iter().map(|r| r.nature.as_str()).collect();
    let rows: Vec<NewRelationship<'_>> = valid
        .iter()
        .zip(&natures)
        .map(|(r, nature)| NewRelationship {
            company: &r.company,
            nature,
            has_ended: r.ended,
        })
        .collect();
    let event = scoped.event(f.event_id).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let disclosure = tx.replace_disclosure(f.id, form.attest, &rows, now).await?;
    if let Some(email) = review_request(app, scoped, &event, &f, &valid) {
        enqueue_email_once(
            &mut tx,
            &email,
            &[],
            format!("disclosure_review:{disclosure}"),
            now,
        )
        .await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if f.submitted_at.is_some() {
                "faculty.disclosure_replaced"
            } else {
                "faculty.disclosure_submitted"
            },
            subject: &f.email,
            detail: &if valid.is_empty() {
                "no financial relationships".to_string()
            } else {
                valid
                    .iter()
                    .map(|r| format!("{} ({})", r.company, r.nature.label()))
                    .collect::<Vec<_>>()
                    .join("; ")
            },
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The mail telling the society's planners (its contact address: events have no planner
/// field, and faculty planners cannot reach staff pages) that a disclosure awaits review;
/// `None` when the society has no contact address.
fn review_request(
    app: &App,
    scoped: &Scoped,
    event: &Event,
    f: &Faculty,
    relationships: &[rules::ValidRelationship],
) -> Option<EmailJob> {
    let society = scoped.society();
    if society.email.trim().is_empty() {
        return None;
    }
    let name = f.name_with_credentials();
    let role = FacultyRole::label_of(&f.role).to_lowercase();
    let verb = if f.submitted_at.is_some() {
        "updated"
    } else {
        "submitted"
    };
    let what = if relationships.is_empty() {
        "They have no financial relationships with ineligible companies to disclose. Nothing          needs mitigation: sign the disclosure off so learners see it."
            .to_string()
    } else {
        format!(
            "They disclosed {} financial relationship{} with ineligible companies: {}. Decide              for each whether it is relevant to the content they control; every relevant one              needs its mitigation recorded before the activity.",
            relationships.len(),
            if relationships.len() == 1 { "" } else { "s" },
            relationships
                .iter()
                .map(|r| format!("{} ({})", r.company, r.nature.label().to_lowercase()))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    Some(EmailJob {
        to: society.email.clone(),
        subject: format!("{}: disclosure from {name} to review", event.title),
        text: format!(
            "{name} ({role}) {verb} their financial-relationship disclosure for {}.\n\n{what}\n\n\
             Review it (staff sign-in):\n{}/staff/events/{}/faculty/{}#review\n\n\
             Learners see this person's disclosure on the event's page once it is reviewed.",
            event.title,
            app.links.base_url(society),
            event.id,
            f.id,
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Planner review and downloads.

/// The review form: the disclosure the planner read (a newer submission makes the review
/// stale) and a decision per relationship (`x1_relevant` "yes"/"no", `x1_mitigation`, …, in
/// the order the relationships are listed).
#[derive(Clone, Debug, Default)]
pub struct ReviewForm {
    pub disclosure: String,
    pub decisions: Vec<ReviewInput>,
}

impl ReviewForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> ReviewForm {
        let mut form = ReviewForm::default();
        for (key, value) in pairs {
            if key == "disclosure" {
                form.disclosure = value.clone();
                continue;
            }
            let Some(rest) = key.strip_prefix('x') else {
                continue;
            };
            let Some((n, field)) = rest.split_once('_') else {
                continue;
            };
            let Ok(n) = n.parse::<usize>() else {
                continue;
            };
            if n == 0 || n > rules::MAX_RELATIONSHIPS {
                continue;
            }
            if form.decisions.len() < n {
                form.decisions.resize(n, ReviewInput::default());
            }
            match field {
                "relevant" => form.decisions[n - 1].relevant = value.clone(),
                "mitigation" => form.decisions[n - 1].mitigation = value.clone(),
                _ => {}
            }
        }
        form
    }

    /// The form filled from what is stored.
    pub fn from_stored(f: &Faculty, relationships: &[DisclosedRelationship]) -> ReviewForm {
        ReviewForm {
            disclosure: f.disclosure_id.map(|d| d.to_string()).unwrap_or_default(),
            decisions: relationships
                .iter()
                .map(|r| ReviewInput {
                    relevant: match r.relevant {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    mitigation: r.mitigation.clone(),
                })
                .collect(),
        }
    }
}

/// Record the planner's decisions and sign the disclosure off as reviewed. Every relationship
/// needs a decision, and every relevant one its mitigation. A disclosure replaced since the
/// page was shown is `Stale`.
pub async fn review(
    app: &App,
    scoped: &Scoped,
    event_id: EventId,
    faculty: FacultyId,
    form: &ReviewForm,
    actor: &Actor,
) -> AppResult<()> {
    let f = member_of(scoped, event_id, faculty).await?;
    let Some(disclosure) = f.disclosure() else {
        return Err(AppError::field(
            "review",
            "There is no disclosure to review yet: it is submitted through the speaker's link.",
        ));
    };
    if form.disclosure.trim() != disclosure.to_string() {
        return Err(AppError::Stale);
    }
    let relationships = scoped.faculty_relationships(faculty).await?;
    let companies: Vec<&str> = relationships.iter().map(|r| r.company.as_str()).collect();
    let decisions: Vec<Decision> = rules::check_review(&companies, &form.decisions)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    for (r, d) in relationships.iter().zip(&decisions) {
        if !tx
            .decide_relationship(disclosure, r.id, d.relevant, &d.mitigation, now)
            .await?
        {
            return Err(AppError::Stale);
        }
    }
    if !tx
        .mark_disclosure_reviewed(disclosure, actor.account, now)
        .await?
    {
        return Err(AppError::Stale);
    }
    let detail: Vec<String> = relationships
        .iter()
        .zip(&decisions)
        .map(|(r, d)| {
            if d.relevant {
                format!("{}: relevant, mitigated: {}", r.company, d.mitigation)
            } else {
                format!("{}: not relevant", r.company)
            }
        })
        .collect();
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "faculty.disclosure_reviewed",
            subject: &f.email,
            detail: &if detail.is_empty() {
                "no financial relationships".to_string()
            } else {
                detail.join("; ")
            },
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A faculty member's slides or CV (also of someone removed: the accreditation file keeps
/// them), for staff of the event's society, with a file name.
pub async fn material(
    scoped: &Scoped,
    event_id: EventId,
    faculty: FacultyId,
    material: Material,
) -> AppResult<(Blob, String)> {
    let f = record_of(scoped, event_id, faculty).await?;
    file_of(scoped, &f, material).await
}

/// The speaker's own slides or CV, through their link.
pub async fn own_material(
    app: &App,
    scoped: &Scoped,
    token: &str,
    material: Material,
) -> AppResult<(Blob, String)> {
    let f = faculty_by_token(app, scoped, token).await?;
    file_of(scoped, &f, material).await
}

async fn file_of(scoped: &Scoped, f: &Faculty, material: Material) -> AppResult<(Blob, String)> {
    let blob_id = match material {
        Material::Slides => f.slides(),
        Material::Cv => f.cv(),
    }
    .ok_or(AppError::NotFound)?;
    let blob = scoped.blob(blob_id).await?.ok_or(AppError::NotFound)?;
    let extension = rules::FileType::from_content_type(&blob.content_type)
        .map(|t| t.extension())
        .unwrap_or("bin");
    let base: String = f
        .display_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = format!(
        "{}-{}.{extension}",
        base.trim_matches('-'),
        material.as_str()
    );
    Ok((blob, name))
}

// ---------------------------------------------------------------------------------------------
// Who is on the faculty, and what learners see.

/// One faculty member with their sessions, progress and disclosure.
#[derive(Clone, Debug)]
pub struct FacultyEntry {
    pub faculty: Faculty,
    /// "Ada Lee, MD".
    pub name: String,
    pub role: FacultyRole,
    /// The sessions they take part in, in agenda order.
    pub sessions: Vec<EventSession>,
    pub progress: Progress,
    pub relationships: Vec<DisclosedRelationship>,
    pub learner: LearnerDisclosure,
}

impl FacultyEntry {
    /// The sentence learners read (or "disclosure pending" for staff).
    pub fn sentence(&self) -> String {
        self.learner.sentence(&self.name)
    }
}

/// Everyone currently on an event's faculty with their sessions, progress and disclosure, by
/// name (removed faculty are left out). The public page shows those whose disclosure is final
/// ([`LearnerDisclosure::is_final`]).
pub async fn event_disclosures(scoped: &Scoped, event: EventId) -> AppResult<Vec<FacultyEntry>> {
    let mut all = faculty_entries(scoped, event).await?;
    all.retain(|e| e.faculty.removed_at.is_none());
    Ok(all)
}

/// Those removed from an event's faculty (withdrew), by name, with what they recorded.
pub async fn removed_faculty(scoped: &Scoped, event: EventId) -> AppResult<Vec<FacultyEntry>> {
    let mut all = faculty_entries(scoped, event).await?;
    all.retain(|e| e.faculty.removed_at.is_some());
    Ok(all)
}

/// The faculty still owing learners a final disclosure (not submitted, or not reviewed), by
/// name: what staff must chase before the activity starts.
pub async fn missing_disclosures(scoped: &Scoped, event: EventId) -> AppResult<Vec<FacultyEntry>> {
    let mut all = event_disclosures(scoped, event).await?;
    all.retain(|e| !e.learner.is_final());
    Ok(all)
}

/// Everyone who was ever on an event's faculty, removed or not.
async fn faculty_entries(scoped: &Scoped, event: EventId) -> AppResult<Vec<FacultyEntry>> {
    let faculty = scoped.event_faculty(event).await?;
    if faculty.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = scoped.event_sessions(event).await?;
    let links = scoped.faculty_sessions(event).await?;
    let relationships = scoped.event_relationships(event).await?;
    Ok(faculty
        .into_iter()
        .map(|f| {
            let mine: Vec<EventSession> = sessions
                .iter()
                .filter(|s| links.iter().any(|(fid, sid)| *fid == f.id && *sid == s.id))
                .cloned()
                .collect();
            let rels: Vec<DisclosedRelationship> = relationships
                .iter()
                .filter(|r| r.faculty_id == f.id)
                .cloned()
                .collect();
            let disclosed: Vec<Disclosed> = rels
                .iter()
                .map(|r| Disclosed {
                    company: r.company.clone(),
                    nature: Nature::label_of(&r.nature),
                    relevant: r.relevant,
                })
                .collect();
            let progress = Progress {
                agreement_accepted: f.agreement_accepted_at.is_some(),
                slides: f.slides_blob_id.is_some(),
                cv: f.cv_blob_id.is_some(),
                disclosure_submitted: f.submitted_at.is_some(),
                reviewed: f.reviewed_at.is_some(),
            };
            let learner =
                LearnerDisclosure::of(progress.disclosure_submitted, progress.reviewed, &disclosed);
            FacultyEntry {
                name: f.name_with_credentials(),
                role: FacultyRole::parse(&f.role).unwrap_or(FacultyRole::Speaker),
                sessions: mine,
                progress,
                relationships: rels,
                learner,
                faculty: f,
            }
        })
        .collect())
}

/// The faculty's disclosures in the joint-provider package's shape (`disclosures.csv`), dates
/// in the society's zone; someone removed is listed with their role marked withdrawn.
pub async fn joint_provider_disclosures(
    scoped: &Scoped,
    event: EventId,
) -> AppResult<Vec<FacultyDisclosure>> {
    let zone = scoped.society().time_zone.clone();
    let day = |at: Option<i64>| at.map(|t| Timestamp(t).local_date(&zone));
    Ok(faculty_entries(scoped, event)
        .await?
        .into_iter()
        .map(|e| FacultyDisclosure {
            name: e.name.clone(),
            role: role_cell(e.role.label(), day(e.faculty.removed_at)),
            submitted_on: day(e.faculty.submitted_at),
            attested: e.faculty.attested.unwrap_or(false),
            reviewed_on: day(e.faculty.reviewed_at),
            relationships: e
                .relationships
                .iter()
                .map(|r| Relationship {
                    company: r.company.clone(),
                    nature: Nature::label_of(&r.nature),
                    has_ended: r.has_ended,
                    relevant: r.relevant,
                    mitigation: r.mitigation.clone(),
                    mitigated_on: day(r.mitigated_at),
                })
                .collect(),
        })
        .collect())
}
