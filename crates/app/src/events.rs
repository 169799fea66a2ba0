//! Events: staff create and edit events (Markdown description rendered and sanitised at save
//! time, as pages are), publish and unpublish them, and keep their sessions, registration types
//! and registration questions. Times are typed in the society's zone and stored as local text
//! plus the derived UTC instant (`core::events`). Saving a published event's time or place
//! raises its calendar SEQUENCE. Also: how a signed-in person stands for events (member, level,
//! staff), and the `.ics` files built from stored events (`core::calendar`), which registration
//! confirmations attach too.

use chapterhouse_core::calendar::{self, CalendarEvent};
use chapterhouse_core::events::{
    self as rules, Audience, CancelPolicy, EventKind, GuestPolicy, QuestionKind, Standing,
};
use chapterhouse_core::markdown;
use chapterhouse_core::money::Cents;
use chapterhouse_core::text::{is_valid_slug, slugify};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{
    EventId, EventSessionId, LevelId, RegistrationQuestionId, RegistrationTypeId, Timestamp,
};
use chapterhouse_store::{
    Event, EventFields, EventSession, Listing, NewAudit, QuestionFields, RegistrationType,
    RegistrationTypeFields, Removal, Scoped, SessionFields, StoreError,
};

use crate::accounts::CurrentUser;
use crate::{Actor, App, AppError, AppResult, LinkSettings};

pub const MAX_DESCRIPTION_CHARS: usize = 100_000;
/// The largest capacity or cap staff may enter.
const MAX_SEATS: i64 = 1_000_000;

fn checkbox(value: &Option<String>) -> bool {
    value.is_some()
}

/// An optional whole number within a range; empty is None.
fn optional_count(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    max: i64,
    message: &str,
) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace(',', "").parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            errors.add(field, message);
            None
        }
    }
}

/// A local date-time typed in `zone`, as (local, instant); problems go to `field`.
fn local_time(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    zone: &str,
    what: &str,
) -> Option<(jiff::civil::DateTime, Timestamp)> {
    let Some(local) = rules::parse_local(text) else {
        errors.add(
            field,
            format!("Enter the {what} as a date and time, like 2026-11-21 18:00."),
        );
        return None;
    };
    match rules::to_instant(local, zone) {
        Ok(at) => Some((local, at)),
        Err(problem) => {
            errors.add(field, problem.message());
            None
        }
    }
}

/// An optional local date-time (a type's window); empty is None.
fn optional_local_time(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    zone: &str,
    what: &str,
) -> Option<Timestamp> {
    if text.trim().is_empty() {
        return None;
    }
    local_time(errors, field, text, zone, what).map(|(_, at)| at)
}

fn is_web_link(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace)
}

// ---------------------------------------------------------------------------------------------
// Events.

/// What the event form posts.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct EventForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub members_only: Option<String>,
    /// Local date-time in the society's zone: "2026-11-21T18:00".
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub location_name: String,
    #[serde(default)]
    pub location_address: String,
    /// Sent to registrants; never shown on the public pages.
    #[serde(default)]
    pub online_url: String,
    /// Empty: no event-wide limit.
    #[serde(default)]
    pub capacity: String,
}

impl EventForm {
    /// The form showing an event as stored.
    pub fn from_event(e: &Event) -> EventForm {
        EventForm {
            title: e.title.clone(),
            slug: e.slug.clone(),
            summary: e.summary.clone(),
            description: e.description_md.clone(),
            kind: e.kind.clone(),
            members_only: e.members_only.then(|| "on".into()),
            starts: e.starts_local.clone(),
            ends: e.ends_local.clone(),
            location_name: e.location_name.clone(),
            location_address: e.location_address.clone(),
            online_url: e.online_url.clone(),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    /// Validate and convert, with times read in `zone`.
    pub fn to_fields(&self, zone: &str) -> Result<EventFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim();
        errors.check(title.is_empty(), "title", "Give the event a title.");
        errors.check(
            title.chars().count() > 200,
            "title",
            "Keep the title under 200 characters.",
        );
        let slug = if self.slug.trim().is_empty() {
            slugify(title)
        } else {
            self.slug.trim().to_lowercase()
        };
        if !title.is_empty() && !is_valid_slug(&slug) {
            errors.add(
                "slug",
                "Use lowercase letters, digits and hyphens, like \"annual-meeting-2027\".",
            );
        }
        errors.check(
            self.summary.chars().count() > 300,
            "summary",
            "Keep the summary under 300 characters.",
        );
        errors.check(
            self.description.chars().count() > MAX_DESCRIPTION_CHARS,
            "description",
            "The description is too long: keep it under 100,000 characters.",
        );
        let kind = EventKind::parse(self.kind.trim()).unwrap_or_else(|| {
            errors.add("kind", "Choose meeting, webinar or series.");
            EventKind::Meeting
        });
        let starts = local_time(&mut errors, "starts", &self.starts, zone, "start");
        let ends = local_time(&mut errors, "ends", &self.ends, zone, "end");
        if let (Some((s, _)), Some((e, _))) = (starts, ends)
            && let Err((field, message)) = rules::check_event_span(s, e)
        {
            errors.add(field, message);
        }
        let location_name = self.location_name.trim();
        let online_url = self.online_url.trim();
        errors.check(
            location_name.chars().count() > 200,
            "location_name",
            "Keep the place's name under 200 characters.",
        );
        errors.check(
            self.location_address.chars().count() > 500,
            "location_address",
            "Keep the address under 500 characters.",
        );
        if !online_url.is_empty() && !is_web_link(online_url) {
            errors.add("online_url", "Enter the full link, starting with https://.");
        }
        if kind == EventKind::Meeting && location_name.is_empty() && online_url.is_empty() {
            errors.add(
                "location_name",
                "Say where the meeting is held, or give an online link.",
            );
        }
        let capacity = optional_count(
            &mut errors,
            "capacity",
            &self.capacity,
            MAX_SEATS,
            "Enter the number of seats as a whole number, or leave it empty for no limit.",
        );
        errors.into_result()?;
        let ((starts_local, starts_at), (ends_local, ends_at)) =
            (starts.expect("checked"), ends.expect("checked"));
        Ok(EventFields {
            slug,
            title: title.to_string(),
            summary: self.summary.trim().to_string(),
            description_html: markdown::render(&self.description),
            description_md: self.description.clone(),
            kind: kind.as_str().to_string(),
            members_only: checkbox(&self.members_only),
            time_zone: zone.to_string(),
            starts_local: rules::format_local(starts_local),
            ends_local: rules::format_local(ends_local),
            starts_at,
            ends_at,
            location_name: location_name.to_string(),
            location_address: self.location_address.trim().to_string(),
            online_url: online_url.to_string(),
            capacity,
        })
    }
}

fn slug_taken() -> AppError {
    AppError::field(
        "slug",
        "Another event already uses that address. Choose another.",
    )
}

/// Create a draft event in the society's zone.
pub async fn create_event(
    app: &App,
    scoped: &Scoped,
    form: &EventForm,
    actor: &Actor,
) -> AppResult<EventId> {
    let fields = form.to_fields(&scoped.society().time_zone)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_event(&fields, now).await {
        Err(StoreError::Conflict(_)) => return Err(slug_taken()),
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.created",
            subject: &fields.slug,
            detail: &fields.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What saving an event did to its calendar entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventSaved {
    pub sequence: i64,
    /// A published event's time or place changed (its SEQUENCE went up): registrants' calendar
    /// entries are out of date.
    pub rescheduled: bool,
}

/// Save an event's details. Times are read in the zone the event was created in. The capacity
/// cannot go below the seats already taken, and the dates cannot move away from a session.
pub async fn save_event(
    app: &App,
    scoped: &Scoped,
    id: EventId,
    form: &EventForm,
    actor: &Actor,
) -> AppResult<EventSaved> {
    let existing = scoped.event(id).await?.ok_or(AppError::NotFound)?;
    let fields = form.to_fields(&existing.time_zone)?;
    let mut errors = FieldErrors::new();
    if let Some(capacity) = fields.capacity
        && capacity < existing.taken
    {
        errors.add(
            "capacity",
            format!(
                "{} seats are already taken: the capacity cannot be lower.",
                existing.taken
            ),
        );
    }
    let (new_start, new_end) = (
        rules::parse_local(&fields.starts_local).expect("formatted"),
        rules::parse_local(&fields.ends_local).expect("formatted"),
    );
    for s in scoped.event_sessions(id).await? {
        let (Some(start), Some(end)) = (
            rules::parse_local(&s.starts_local),
            rules::parse_local(&s.ends_local),
        ) else {
            continue;
        };
        if rules::check_session_span(new_start, new_end, start, end).is_err() {
            errors.add(
                "starts",
                format!(
                    "The session “{}” on {} would fall outside the new dates: move or remove it first.",
                    s.title,
                    rules::short_date(start.date())
                ),
            );
            break;
        }
    }
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let sequence = match tx.update_event(id, &fields, now).await {
        Err(StoreError::Conflict(_)) => return Err(slug_taken()),
        other => other?.ok_or(AppError::NotFound)?,
    };
    let rescheduled = sequence > existing.sequence;
    if rescheduled {
        // Registrants are told by a job (with an updated calendar invitation), not here.
        crate::cancellations::enqueue_change_notice(&mut tx, &existing, sequence, now).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if rescheduled {
                "event.rescheduled"
            } else {
                "event.saved"
            },
            subject: &fields.slug,
            detail: &if rescheduled {
                format!(
                    "{}: {} – {}, {}",
                    fields.title,
                    fields.starts_local,
                    fields.ends_local,
                    place_words(&fields.location_name, &fields.online_url)
                )
            } else {
                fields.title.clone()
            },
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(EventSaved {
        sequence,
        rescheduled,
    })
}

/// Publish a draft: it appears on the events page, in the calendar feed, and takes
/// registrations.
pub async fn publish_event(
    app: &App,
    scoped: &Scoped,
    id: EventId,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(id).await?.ok_or(AppError::NotFound)?;
    if event.status != "draft" {
        return Err(AppError::field("status", "The event is not a draft."));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.publish_event(id, now).await? {
        return Err(AppError::Stale);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.published",
            subject: &event.slug,
            detail: &event.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Take a published event back to draft: only while nobody has registered (after that, an
/// event is cancelled, and its registrants told).
pub async fn unpublish_event(
    app: &App,
    scoped: &Scoped,
    id: EventId,
    actor: &Actor,
) -> AppResult<()> {
    let event = scoped.event(id).await?.ok_or(AppError::NotFound)?;
    if event.status != "published" {
        return Err(AppError::field("status", "The event is not published."));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.unpublish_event(id, now).await? {
        return Err(AppError::field(
            "status",
            "People have registered for this event, so it cannot go back to draft.",
        ));
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.unpublished",
            subject: &event.slug,
            detail: &event.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Hynes Convention Center", or "Online".
pub fn place_words(location_name: &str, online_url: &str) -> String {
    if !location_name.is_empty() {
        location_name.to_string()
    } else if !online_url.is_empty() {
        "Online".into()
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions.

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub room: String,
}

impl SessionForm {
    pub fn from_session(s: &EventSession) -> SessionForm {
        SessionForm {
            title: s.title.clone(),
            description: s.description.clone(),
            starts: s.starts_local.clone(),
            ends: s.ends_local.clone(),
            room: s.room.clone(),
        }
    }

    /// Validate within the event's days and zone.
    pub fn to_fields(&self, event: &Event) -> Result<SessionFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim();
        errors.check(title.is_empty(), "title", "Give the session a title.");
        errors.check(
            title.chars().count() > 200,
            "title",
            "Keep the title under 200 characters.",
        );
        errors.check(
            self.description.chars().count() > 5_000,
            "description",
            "Keep the description under 5,000 characters.",
        );
        errors.check(
            self.room.trim().chars().count() > 120,
            "room",
            "Keep the room under 120 characters.",
        );
        let zone = &event.time_zone;
        let starts = local_time(&mut errors, "starts", &self.starts, zone, "start");
        let ends = local_time(&mut errors, "ends", &self.ends, zone, "end");
        if let (Some((s, _)), Some((e, _))) = (starts, ends)
            && let (Some(event_start), Some(event_end)) = (
                rules::parse_local(&event.starts_local),
                rules::parse_local(&event.ends_local),
            )
            && let Err((field, message)) = rules::check_session_span(event_start, event_end, s, e)
        {
            errors.add(field, message);
        }
        errors.into_result()?;
        let ((starts_local, starts_at), (ends_local, ends_at)) =
            (starts.expect("checked"), ends.expect("checked"));
        Ok(SessionFields {
            title: title.to_string(),
            description: self.description.trim().to_string(),
            starts_local: rules::format_local(starts_local),
            ends_local: rules::format_local(ends_local),
            starts_at,
            ends_at,
            room: self.room.trim().to_string(),
        })
    }
}

pub async fn add_session(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    form: &SessionForm,
    actor: &Actor,
) -> AppResult<EventSessionId> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let fields = form.to_fields(&e)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = tx.insert_event_session(event, &fields).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.session_added",
            subject: &e.slug,
            detail: &fields.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn save_session(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    id: EventSessionId,
    form: &SessionForm,
    actor: &Actor,
) -> AppResult<()> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let fields = form.to_fields(&e)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.update_event_session(event, id, &fields).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.session_saved",
            subject: &e.slug,
            detail: &fields.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_session(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    id: EventSessionId,
    actor: &Actor,
) -> AppResult<()> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let session = scoped
        .event_session(event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.delete_event_session(event, id).await? {
        Removal::Removed => {}
        Removal::NotFound => return Err(AppError::NotFound),
        Removal::InUse => {
            return Err(AppError::field(
                "session",
                "Attendance or credit is recorded for this session, so it cannot be removed.",
            ));
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.session_removed",
            subject: &e.slug,
            detail: &session.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Registration types.

/// The registration type form. Built from the posted pairs, because the level boxes repeat a
/// name (`level=<id>&level=<id>`).
#[derive(Clone, Debug, Default)]
pub struct TypeForm {
    pub name: String,
    pub description: String,
    /// Dollars as typed.
    pub price: String,
    /// Empty: members pay the price.
    pub member_price: String,
    pub audience: String,
    /// Level ids ticked (for audience "levels").
    pub levels: Vec<String>,
    /// Local date-times in the event's zone; empty: no limit.
    pub opens: String,
    pub closes: String,
    pub access_code: String,
    pub cap: String,
    pub guests: String,
    pub max_guests: String,
    pub complimentary: bool,
    pub industry: bool,
    pub cancel_policy: String,
    pub cancel_until_hours: String,
    pub position: String,
}

fn dollars(c: i64) -> String {
    let c = Cents(c);
    if c.0 % 100 == 0 {
        (c.0 / 100).to_string()
    } else {
        format!("{}.{:02}", c.0 / 100, c.0 % 100)
    }
}

impl TypeForm {
    /// A new type's defaults.
    pub fn new_type() -> TypeForm {
        TypeForm {
            audience: Audience::Anyone.as_str().into(),
            guests: GuestPolicy::None.as_str().into(),
            cancel_policy: CancelPolicy::Refund.as_str().into(),
            cancel_until_hours: "48".into(),
            ..Default::default()
        }
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> TypeForm {
        let mut form = TypeForm::default();
        for (key, value) in pairs {
            let value = value.clone();
            match key.as_str() {
                "name" => form.name = value,
                "description" => form.description = value,
                "price" => form.price = value,
                "member_price" => form.member_price = value,
                "audience" => form.audience = value,
                "level" => form.levels.push(value),
                "opens" => form.opens = value,
                "closes" => form.closes = value,
                "access_code" => form.access_code = value,
                "cap" => form.cap = value,
                "guests" => form.guests = value,
                "max_guests" => form.max_guests = value,
                "complimentary" => form.complimentary = true,
                "industry" => form.industry = true,
                "cancel_policy" => form.cancel_policy = value,
                "cancel_until_hours" => form.cancel_until_hours = value,
                "position" => form.position = value,
                _ => {}
            }
        }
        form
    }

    /// The form showing a type as stored, with its window in the event's zone.
    pub fn from_type(t: &RegistrationType, zone: &str) -> TypeForm {
        let local = |at: Option<i64>| {
            at.map(|at| rules::format_local(rules::local_of(Timestamp(at), zone)))
                .unwrap_or_default()
        };
        TypeForm {
            name: t.name.clone(),
            description: t.description.clone(),
            price: dollars(t.price_cents),
            member_price: t.member_price_cents.map(dollars).unwrap_or_default(),
            audience: t.audience.clone(),
            levels: t.levels.iter().map(|l| l.to_string()).collect(),
            opens: local(t.opens_at),
            closes: local(t.closes_at),
            access_code: t.access_code.clone().unwrap_or_default(),
            cap: t.cap.map(|c| c.to_string()).unwrap_or_default(),
            guests: t.guests.clone(),
            max_guests: if t.max_guests > 0 {
                t.max_guests.to_string()
            } else {
                String::new()
            },
            complimentary: t.complimentary,
            industry: t.is_industry,
            cancel_policy: t.cancel_policy.clone(),
            cancel_until_hours: t.cancel_until_hours.to_string(),
            position: t.position.to_string(),
        }
    }

    pub fn has_level(&self, id: &str) -> bool {
        self.levels.iter().any(|l| l == id)
    }

    /// Validate: `levels` are the society's levels, `zone` the event's.
    pub fn to_fields(
        &self,
        zone: &str,
        levels: &[LevelId],
    ) -> Result<RegistrationTypeFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        errors.check(
            name.is_empty(),
            "name",
            "Name the registration type, like “Member physician”.",
        );
        errors.check(
            name.chars().count() > 120,
            "name",
            "Keep the name under 120 characters.",
        );
        errors.check(
            self.description.chars().count() > 2_000,
            "description",
            "Keep the description under 2,000 characters.",
        );
        let price = match Cents::parse(&self.price) {
            Some(c) if c.0 >= 0 => c,
            _ if self.price.trim().is_empty() => {
                errors.add("price", "Enter the price in dollars; 0 for free.");
                Cents::ZERO
            }
            _ => {
                errors.add("price", "Enter the price in dollars, like 350 or 349.50.");
                Cents::ZERO
            }
        };
        let member_price = if self.member_price.trim().is_empty() {
            None
        } else {
            match Cents::parse(&self.member_price) {
                Some(c) if c.0 >= 0 => Some(c),
                _ => {
                    errors.add(
                        "member_price",
                        "Enter the member price in dollars, or leave it empty if members pay the same.",
                    );
                    None
                }
            }
        };
        if let Some(m) = member_price
            && m > price
        {
            errors.add(
                "member_price",
                "The member price should not be more than the price.",
            );
        }
        if self.complimentary && (price.0 > 0 || member_price.is_some_and(|m| m.0 > 0)) {
            errors.add(
                "price",
                "A complimentary type has no charge: set the price to 0.",
            );
        }
        let audience = Audience::parse(self.audience.trim()).unwrap_or_else(|| {
            errors.add("audience", "Choose who may register with this type.");
            Audience::Anyone
        });
        let mut chosen = Vec::new();
        for raw in &self.levels {
            match raw.parse::<LevelId>() {
                Ok(id) if levels.contains(&id) => {
                    if !chosen.contains(&id) {
                        chosen.push(id);
                    }
                }
                _ => errors.add("levels", "Choose levels from the list."),
            }
        }
        if audience == Audience::Levels && chosen.is_empty() {
            errors.add(
                "levels",
                "Tick at least one level, or choose another audience.",
            );
        }
        if audience != Audience::Levels {
            chosen.clear();
        }
        let opens_at = optional_local_time(&mut errors, "opens", &self.opens, zone, "opening time");
        let closes_at =
            optional_local_time(&mut errors, "closes", &self.closes, zone, "closing time");
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c <= o
        {
            errors.add("closes", "Registration must close after it opens.");
        }
        let code = self.access_code.trim();
        if !code.is_empty()
            && (code.chars().count() > 40
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            errors.add(
                "access_code",
                "Use up to 40 letters, digits and hyphens for the code.",
            );
        }
        let cap = optional_count(
            &mut errors,
            "cap",
            &self.cap,
            MAX_SEATS,
            "Enter the seats for this type as a whole number, or leave it empty for no limit of its own.",
        );
        let guests = GuestPolicy::parse(self.guests.trim()).unwrap_or_else(|| {
            errors.add("guests", "Choose whether registrants may bring guests.");
            GuestPolicy::None
        });
        let max_guests = if guests == GuestPolicy::None {
            0
        } else {
            match self.max_guests.trim().parse::<i64>() {
                Ok(n) if (1..=20).contains(&n) => n,
                _ => {
                    errors.add(
                        "max_guests",
                        "Enter how many guests each registrant may bring, from 1 to 20.",
                    );
                    0
                }
            }
        };
        let cancel_policy = CancelPolicy::parse(self.cancel_policy.trim()).unwrap_or_else(|| {
            errors.add(
                "cancel_policy",
                "Choose what happens when a registrant cancels.",
            );
            CancelPolicy::Refund
        });
        let cancel_until_hours = if self.cancel_until_hours.trim().is_empty() {
            48
        } else {
            match self.cancel_until_hours.trim().parse::<i64>() {
                Ok(n) if (0..=8_760).contains(&n) => n,
                _ => {
                    errors.add(
                        "cancel_until_hours",
                        "Enter the hours before the start, from 0 to 8760.",
                    );
                    48
                }
            }
        };
        let position = optional_count(
            &mut errors,
            "position",
            &self.position,
            10_000,
            "Enter a whole number from 0 to 10000.",
        );
        errors.into_result()?;
        Ok(RegistrationTypeFields {
            name: name.to_string(),
            description: self.description.trim().to_string(),
            price_cents: price.0,
            member_price_cents: member_price.map(|m| m.0),
            audience: audience.as_str().to_string(),
            levels: chosen,
            opens_at,
            closes_at,
            access_code: (!code.is_empty()).then(|| code.to_string()),
            cap,
            guests: guests.as_str().to_string(),
            max_guests,
            complimentary: self.complimentary,
            is_industry: self.industry,
            cancel_policy: cancel_policy.as_str().to_string(),
            cancel_until_hours,
            position,
        })
    }
}

async fn level_ids(scoped: &Scoped) -> AppResult<Vec<LevelId>> {
    Ok(scoped.levels().await?.into_iter().map(|l| l.id).collect())
}

pub async fn add_type(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    form: &TypeForm,
    actor: &Actor,
) -> AppResult<RegistrationTypeId> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let fields = form.to_fields(&e.time_zone, &level_ids(scoped).await?)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = tx.insert_registration_type(event, &fields, now).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.type_added",
            subject: &e.slug,
            detail: &type_detail(&fields),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn type_detail(f: &RegistrationTypeFields) -> String {
    let mut detail = format!("{}: {}", f.name, Cents(f.price_cents));
    if let Some(m) = f.member_price_cents {
        detail.push_str(&format!(", members {}", Cents(m)));
    }
    if let Some(cap) = f.cap {
        detail.push_str(&format!(", cap {cap}"));
    }
    detail
}

pub async fn save_type(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    id: RegistrationTypeId,
    form: &TypeForm,
    actor: &Actor,
) -> AppResult<()> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let existing = scoped
        .registration_type(event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fields = form.to_fields(&e.time_zone, &level_ids(scoped).await?)?;
    if let Some(cap) = fields.cap
        && cap < existing.taken
    {
        return Err(AppError::field(
            "cap",
            &format!(
                "{} seats of this type are already taken: the limit cannot be lower.",
                existing.taken
            ),
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.update_registration_type(event, id, &fields).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.type_saved",
            subject: &e.slug,
            detail: &type_detail(&fields),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_type(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    id: RegistrationTypeId,
    actor: &Actor,
) -> AppResult<()> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let ty = scoped
        .registration_type(event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.delete_registration_type(event, id).await? {
        Removal::Removed => {}
        Removal::NotFound => return Err(AppError::NotFound),
        Removal::InUse => {
            return Err(AppError::field(
                "type",
                "People have registered with this type, so it cannot be removed: close its registration window instead.",
            ));
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.type_removed",
            subject: &e.slug,
            detail: &ty.name,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Questions.

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub kind: String,
    /// For a choice: one option per line.
    #[serde(default)]
    pub choices: String,
    #[serde(default)]
    pub required: Option<String>,
    /// A registration type's id, or empty: asked of everyone.
    #[serde(default)]
    pub registration_type: String,
}

impl QuestionForm {
    pub fn to_fields(&self, types: &[RegistrationTypeId]) -> Result<QuestionFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let label = self.label.trim();
        errors.check(label.is_empty(), "label", "Write the question.");
        errors.check(
            label.chars().count() > 300,
            "label",
            "Keep the question under 300 characters.",
        );
        let kind = QuestionKind::parse(self.kind.trim()).unwrap_or_else(|| {
            errors.add("kind", "Choose the kind of answer.");
            QuestionKind::Text
        });
        let choices: Vec<&str> = self
            .choices
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if kind == QuestionKind::Choice && choices.len() < 2 {
            errors.add("choices", "List at least two choices, one per line.");
        }
        errors.check(
            choices.iter().any(|c| c.chars().count() > 200),
            "choices",
            "Keep each choice under 200 characters.",
        );
        let registration_type = if self.registration_type.trim().is_empty() {
            None
        } else {
            match self.registration_type.trim().parse::<RegistrationTypeId>() {
                Ok(id) if types.contains(&id) => Some(id),
                _ => {
                    errors.add(
                        "registration_type",
                        "Choose one of this event's registration types, or everyone.",
                    );
                    None
                }
            }
        };
        errors.into_result()?;
        Ok(QuestionFields {
            registration_type,
            label: label.to_string(),
            kind: kind.as_str().to_string(),
            choices: if kind == QuestionKind::Choice {
                choices.join("\n")
            } else {
                String::new()
            },
            required: checkbox(&self.required),
        })
    }
}

pub async fn add_question(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    form: &QuestionForm,
    actor: &Actor,
) -> AppResult<RegistrationQuestionId> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let types: Vec<_> = scoped
        .registration_types(event)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let fields = form.to_fields(&types)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = tx.insert_question(event, &fields).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.question_added",
            subject: &e.slug,
            detail: &fields.label,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_question(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    id: RegistrationQuestionId,
    actor: &Actor,
) -> AppResult<()> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let question = scoped
        .registration_questions(event)
        .await?
        .into_iter()
        .find(|q| q.id == id)
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.delete_question(event, id).await? {
        Removal::Removed => {}
        Removal::NotFound => return Err(AppError::NotFound),
        Removal::InUse => {
            return Err(AppError::field(
                "question",
                "Registrants have answered this question, so it cannot be removed.",
            ));
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.question_removed",
            subject: &e.slug,
            detail: &question.label,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Viewers and calendars.

/// How a signed-in person (or an anonymous visitor) stands for events: staff, and whether they
/// are a member with privileges (active or in grace) and at which level.
pub async fn standing(scoped: &Scoped, user: Option<&CurrentUser>) -> AppResult<Standing> {
    let Some(user) = user else {
        return Ok(Standing::default());
    };
    let as_person =
        crate::registrations::standing_of_person(scoped, crate::people::person_of(user)).await?;
    Ok(Standing {
        is_staff: user.role().satisfies(chapterhouse_core::Role::Staff),
        ..as_person
    })
}

/// Which events a list shows this viewer.
pub fn listing_for(viewer: Standing) -> Listing {
    Listing {
        members_only: viewer.is_member || viewer.is_staff,
        cancelled: false,
    }
}

/// Which events the events page's upcoming list shows this viewer: cancelled ones too, marked
/// as such, so a registrant looking for a cancelled event finds it and why.
pub fn upcoming_listing_for(viewer: Standing) -> Listing {
    Listing {
        cancelled: true,
        ..listing_for(viewer)
    }
}

/// An event's public address.
pub fn event_url(links: &LinkSettings, scoped: &Scoped, event: &Event) -> String {
    format!("{}/events/{}", links.base_url(scoped.society()), event.slug)
}

/// The calendar entry of a stored event. The UID is `{event id}@{primary host}`, so it stays
/// the same across edits; the online link is left out (it goes to registrants only).
pub fn calendar_event(links: &LinkSettings, scoped: &Scoped, e: &Event) -> CalendarEvent {
    let url = event_url(links, scoped, e);
    let mut location = e.location_name.clone();
    let address = e
        .location_address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    if !address.is_empty() {
        if !location.is_empty() {
            location.push_str(", ");
        }
        location.push_str(&address);
    }
    if location.is_empty() && !e.online_url.is_empty() {
        location = "Online".into();
    }
    let about = if e.summary.is_empty() {
        markdown::plain_summary(&e.description_md, 500)
    } else {
        e.summary.clone()
    };
    let description = if about.is_empty() {
        url.clone()
    } else {
        format!("{about}\n\n{url}")
    };
    let parse = |text: &str, at: i64| {
        rules::parse_local(text).unwrap_or_else(|| rules::local_of(Timestamp(at), &e.time_zone))
    };
    CalendarEvent {
        uid: format!("{}@{}", e.id, scoped.society().primary_host),
        sequence: e.sequence,
        zone: e.time_zone.clone(),
        starts_local: parse(&e.starts_local, e.starts_at),
        ends_local: parse(&e.ends_local, e.ends_at),
        starts_at: Timestamp(e.starts_at),
        ends_at: Timestamp(e.ends_at),
        summary: e.title.clone(),
        description,
        location,
        url,
        cancelled: e.status == "cancelled",
        last_modified: Timestamp(e.updated_at),
    }
}

/// One event's `.ics` file.
pub fn event_ics(app: &App, scoped: &Scoped, event: &Event) -> String {
    calendar::calendar(
        None,
        &[calendar_event(&app.links, scoped, event)],
        app.now(),
    )
}

/// How many events the subscribable feed lists.
pub const FEED_LIMIT: i64 = 200;

/// The subscribable feed: upcoming public events, including cancelled ones (so a subscriber's
/// calendar withdraws them). Members-only events are left out: a feed is fetched without a
/// session.
pub async fn feed_ics(app: &App, scoped: &Scoped) -> AppResult<String> {
    let now = app.now();
    let events = scoped
        .events_upcoming(
            now,
            FEED_LIMIT,
            Listing {
                members_only: false,
                cancelled: true,
            },
        )
        .await?;
    let entries: Vec<_> = events
        .iter()
        .map(|e| calendar_event(&app.links, scoped, e))
        .collect();
    let name = format!("{} events", scoped.society().short_name);
    Ok(calendar::calendar(Some(&name), &entries, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> EventForm {
        EventForm {
            title: "Annual Meeting 2027".into(),
            kind: "meeting".into(),
            starts: "2027-04-17T08:00".into(),
            ends: "2027-04-17T17:00".into(),
            location_name: "Hynes Convention Center".into(),
            description: "Join **us**.<script>alert(1)</script>".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_event_form_becomes_fields_with_the_instant_and_safe_html() {
        let f = form().to_fields("America/New_York").unwrap();
        assert_eq!(f.slug, "annual-meeting-2027");
        assert_eq!(f.starts_local, "2027-04-17T08:00");
        // 8 am EDT is noon UTC.
        assert_eq!(
            f.starts_at,
            Timestamp::from_jiff("2027-04-17T12:00:00Z".parse().unwrap())
        );
        assert!(f.description_html.contains("<strong>us</strong>"));
        assert!(!f.description_html.contains("<script>"));
        assert_eq!(f.capacity, None);
    }

    #[test]
    fn each_problem_names_its_field() {
        let bad = EventForm {
            title: String::new(),
            kind: "party".into(),
            starts: "next Tuesday".into(),
            ends: "2027-03-14T02:30".into(),
            location_name: String::new(),
            online_url: "zoom.us/j/1".into(),
            capacity: "-3".into(),
            ..Default::default()
        };
        let errors = bad.to_fields("America/New_York").unwrap_err();
        assert_eq!(errors.get("title"), Some("Give the event a title."));
        assert_eq!(
            errors.get("kind"),
            Some("Choose meeting, webinar or series.")
        );
        assert!(
            errors
                .get("starts")
                .unwrap()
                .contains("like 2026-11-21 18:00")
        );
        assert!(errors.get("ends").unwrap().contains("does not exist"));
        assert!(errors.get("online_url").unwrap().contains("https://"));
        assert!(errors.get("capacity").is_some());
        let mut backwards = form();
        backwards.ends = "2027-04-17T07:00".into();
        assert_eq!(
            backwards
                .to_fields("America/New_York")
                .unwrap_err()
                .get("ends"),
            Some("The end must be after the start.")
        );
        let mut nowhere = form();
        nowhere.location_name.clear();
        assert!(
            nowhere
                .to_fields("America/New_York")
                .unwrap_err()
                .get("location_name")
                .is_some()
        );
        nowhere.kind = "webinar".into();
        assert!(nowhere.to_fields("America/New_York").is_ok());
    }

    #[test]
    fn type_form_rules() {
        let fellows = LevelId::new();
        let levels = [fellows];
        let mut t = TypeForm::new_type();
        t.name = "Member physician".into();
        t.price = "350".into();
        t.member_price = "250.50".into();
        t.cap = "40".into();
        let f = t.to_fields("America/New_York", &levels).unwrap();
        assert_eq!(
            (f.price_cents, f.member_price_cents, f.cap),
            (35_000, Some(25_050), Some(40))
        );
        assert_eq!(
            TypeForm::from_type(
                &RegistrationType {
                    id: RegistrationTypeId::new(),
                    event_id: EventId::new(),
                    name: f.name.clone(),
                    description: String::new(),
                    price_cents: f.price_cents,
                    member_price_cents: f.member_price_cents,
                    audience: f.audience.clone(),
                    opens_at: None,
                    closes_at: None,
                    access_code: None,
                    cap: f.cap,
                    taken: 0,
                    guests: f.guests.clone(),
                    max_guests: 0,
                    complimentary: false,
                    is_industry: false,
                    cancel_policy: f.cancel_policy.clone(),
                    cancel_until_hours: 48,
                    position: 1,
                    created_at: 0,
                    levels: vec![],
                },
                "America/New_York"
            )
            .member_price,
            "250.50"
        );

        let mut bad = TypeForm::new_type();
        bad.member_price = "500".into();
        bad.price = "400".into();
        bad.audience = "levels".into();
        bad.guests = "count".into();
        bad.opens = "2027-04-10T09:00".into();
        bad.closes = "2027-04-01T09:00".into();
        bad.access_code = "no spaces".into();
        bad.levels = vec![LevelId::new().to_string()];
        let errors = bad.to_fields("America/New_York", &levels).unwrap_err();
        for field in [
            "name",
            "member_price",
            "levels",
            "max_guests",
            "closes",
            "access_code",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        let mut comp = TypeForm::new_type();
        comp.name = "Faculty".into();
        comp.price = "10".into();
        comp.complimentary = true;
        assert!(
            comp.to_fields("UTC", &levels)
                .unwrap_err()
                .get("price")
                .is_some()
        );
        comp.price = "0".into();
        assert!(comp.to_fields("UTC", &levels).unwrap().complimentary);
    }

    #[test]
    fn question_form_rules() {
        let ty = RegistrationTypeId::new();
        let q = QuestionForm {
            label: "Dietary needs".into(),
            kind: "choice".into(),
            choices: "None\n\nVegetarian\n Vegan ".into(),
            registration_type: ty.to_string(),
            ..Default::default()
        };
        let f = q.to_fields(&[ty]).unwrap();
        assert_eq!(f.choices, "None\nVegetarian\nVegan");
        assert_eq!(f.registration_type, Some(ty));
        let errors = QuestionForm {
            kind: "choice".into(),
            choices: "Only one".into(),
            registration_type: RegistrationTypeId::new().to_string(),
            ..Default::default()
        }
        .to_fields(&[ty])
        .unwrap_err();
        for field in ["label", "choices", "registration_type"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
