//! The public events pages: the list (upcoming, then past), an event's page (description,
//! agenda, registration types with the viewer's prices), the event's `.ics` and the
//! subscribable feed. Members-only events are listed to members and staff only; anyone else
//! opening one gets a "members only" page (403) naming nothing about it but that. Drafts are
//! visible to staff only (404 for everyone else).

use askama::Template;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chapterhouse_app::events::{
    self as usecases, listing_for, place_words, standing, upcoming_listing_for,
};
use chapterhouse_app::registrations;
use chapterhouse_core::Timestamp;
use chapterhouse_core::events::{
    self as rules, EventAccess, EventKind, EventStatus, Standing, TypeState, TypesLeft,
};
use chapterhouse_core::money::Cents;
use chapterhouse_store::{Event, Level};

use crate::ctx::{Chrome, Ctx};
use crate::error::{WebError, WebResult};
use crate::views::{ok, render};

/// How many past events the list shows.
const PAST_LIMIT: i64 = 20;
const UPCOMING_LIMIT: i64 = 100;

/// An event in a list (the events page, the home page).
pub struct EventCard {
    pub href: String,
    pub title: String,
    pub summary: String,
    pub when: String,
    pub place: String,
    pub kind: String,
    /// "12 seats left", "Full — join the waitlist"; empty when there is nothing to register for.
    pub seats: String,
    pub members_only: bool,
    pub cancelled: bool,
}

fn kind_label(kind: &str) -> &'static str {
    match EventKind::parse(kind) {
        Some(EventKind::Meeting) | None => "Meeting",
        Some(EventKind::Webinar) => "Webinar",
        Some(EventKind::Series) => "Series",
    }
}

fn status_of(e: &Event) -> EventStatus {
    EventStatus::parse(&e.status).unwrap_or(EventStatus::Draft)
}

fn kind_of(e: &Event) -> EventKind {
    EventKind::parse(&e.kind).unwrap_or(EventKind::Meeting)
}

/// When registration closes unless a type says otherwise.
fn closes_at(e: &Event) -> Timestamp {
    rules::registration_closes_at(kind_of(e), Timestamp(e.starts_at), Timestamp(e.ends_at))
}

pub fn card(e: &Event, now: Timestamp) -> EventCard {
    let open = status_of(e) == EventStatus::Published && now < closes_at(e);
    let seats = rules::event_seats(
        open,
        e.capacity,
        e.taken,
        TypesLeft {
            types: e.public_types,
            uncapped: e.uncapped_types,
            left: e.types_left,
        },
    );
    EventCard {
        href: format!("/events/{}", e.slug),
        title: e.title.clone(),
        summary: e.summary.clone(),
        when: rules::when_words(Timestamp(e.starts_at), Timestamp(e.ends_at), &e.time_zone),
        place: place_words(&e.location_name, &e.online_url),
        kind: kind_label(&e.kind).to_string(),
        seats: seats.map(|s| s.words()).unwrap_or_default(),
        members_only: e.members_only,
        cancelled: status_of(e) == EventStatus::Cancelled,
    }
}

/// The next few events for the home page, as the viewer may see them.
pub async fn upcoming_cards(ctx: &Ctx, limit: i64) -> Result<Vec<EventCard>, WebError> {
    let viewer = standing(&ctx.scoped, ctx.user.as_ref()).await?;
    let now = ctx.now();
    Ok(ctx
        .scoped
        .events_upcoming(now, limit, listing_for(viewer))
        .await?
        .iter()
        .map(|e| card(e, now))
        .collect())
}

#[derive(Template)]
#[template(path = "events/list.html")]
pub struct ListView {
    pub chrome: Chrome,
    pub upcoming: Vec<EventCard>,
    pub past: Vec<EventCard>,
    pub zone: String,
}

pub async fn list(ctx: Ctx) -> WebResult {
    let viewer = standing(&ctx.scoped, ctx.user.as_ref()).await?;
    let now = ctx.now();
    let upcoming = ctx
        .scoped
        .events_upcoming(now, UPCOMING_LIMIT, upcoming_listing_for(viewer))
        .await?
        .iter()
        .map(|e| card(e, now))
        .collect();
    let past = ctx
        .scoped
        .events_past(now, PAST_LIMIT, listing_for(viewer))
        .await?
        .iter()
        .map(|e| card(e, now))
        .collect();
    let response = ok(&ListView {
        zone: ctx.society().time_zone.clone(),
        chrome: ctx.chrome(None).await?,
        upcoming,
        past,
    })?;
    Ok(ctx.cacheable_for_anonymous(response))
}

/// One session on the agenda.
pub struct AgendaLine {
    pub when: String,
    pub title: String,
    pub room: String,
    pub description: String,
}

/// One registration type as this viewer sees it.
pub struct TypeLine {
    pub id: String,
    pub name: String,
    pub description: String,
    /// "$350.00", "Free", "$250.00 (member price)".
    pub price: String,
    /// For a non-member: "Members pay $250.00."
    pub member_offer: String,
    /// Seats, or why registration is not possible.
    pub status: String,
    /// Register (or join the waitlist): the link and its words; empty when neither applies.
    pub href: String,
    pub action: String,
    /// Members only and the viewer is not one: offer sign-in and joining.
    pub members_only: bool,
    pub needs_code: bool,
    pub complimentary: bool,
    pub industry: bool,
}

#[derive(Template)]
#[template(path = "events/show.html")]
pub struct ShowView {
    pub chrome: Chrome,
    pub title: String,
    pub summary: String,
    pub description_html: String,
    pub when: String,
    pub kind: String,
    pub location_name: String,
    pub address_lines: Vec<String>,
    pub online: bool,
    pub is_draft: bool,
    pub cancelled: bool,
    pub cancel_reason: String,
    pub members_only: bool,
    pub seats: String,
    pub agenda: Vec<AgendaLine>,
    pub types: Vec<TypeLine>,
    pub calendar_href: String,
    /// Where registering starts (built by registration): `?type=…` and, for a code-protected
    /// type, `&code=…`.
    pub register_action: String,
    pub signed_in: bool,
    pub sign_in_href: String,
    pub staff_href: String,
    /// Faculty with their sessions and disclosures (`speakers::event_faculty_lines`).
    pub faculty: Vec<crate::speakers::FacultyLine>,
    /// The education activity's statements and credit, when the event has one.
    pub education: Option<crate::education::EducationInfo>,
}

#[derive(Template)]
#[template(path = "events/members_only.html")]
pub struct MembersOnlyView {
    pub chrome: Chrome,
    pub signed_in: bool,
    pub sign_in_href: String,
}

fn sign_in_href(path: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/sign-in?next={next}")
}

/// A price as the event pages show it: "Free" for nothing.
pub(crate) fn price_words(c: Cents) -> String {
    if c.0 == 0 {
        "Free".into()
    } else {
        c.to_string()
    }
}

/// The event a slug names, if this viewer may see it; otherwise the response to give.
async fn visible_event(
    ctx: &Ctx,
    slug: &str,
) -> Result<Result<(Event, Standing), Response>, WebError> {
    let event = ctx
        .scoped
        .event_by_slug(slug)
        .await?
        .ok_or(WebError::NotFound)?;
    let viewer = standing(&ctx.scoped, ctx.user.as_ref()).await?;
    match rules::event_access(status_of(&event), event.members_only, viewer) {
        EventAccess::Show => Ok(Ok((event, viewer))),
        EventAccess::NotFound => Err(WebError::NotFound),
        EventAccess::MembersOnly => Ok(Err(render(
            StatusCode::FORBIDDEN,
            &MembersOnlyView {
                chrome: ctx.chrome(None).await?,
                signed_in: ctx.user.is_some(),
                sign_in_href: sign_in_href(ctx.uri.path()),
            },
        )?)),
    }
}

fn type_lines(
    e: &Event,
    types: &[chapterhouse_store::RegistrationType],
    levels: &[Level],
    viewer: Standing,
    now: Timestamp,
) -> Vec<TypeLine> {
    let event_terms = registrations::event_terms(e);
    let zone = &e.time_zone;
    types
        .iter()
        .filter_map(|t| {
            let offer = rules::offer(viewer, event_terms, &registrations::type_terms(t), now)?;
            let register = format!("/events/{}/register?type={}", e.slug, t.id);
            let (status, href, action) = match offer.state {
                TypeState::Open => (offer.seats.words(), register, "Register"),
                TypeState::Full => (offer.seats.words(), register, "Join the waitlist"),
                TypeState::Closed => (offer.seats.words(), String::new(), ""),
                TypeState::NotYetOpen(at) => {
                    let local = rules::local_of(at, zone);
                    (
                        format!(
                            "Registration opens {}, {}",
                            rules::short_date(local.date()),
                            rules::clock_words(local.time())
                        ),
                        String::new(),
                        "",
                    )
                }
                TypeState::MembersOnly => ("Members only".into(), String::new(), ""),
                TypeState::OtherLevels => {
                    let names: Vec<&str> = levels
                        .iter()
                        .filter(|l| t.levels.contains(&l.id))
                        .map(|l| l.name.as_str())
                        .collect();
                    (
                        format!("For members at these levels: {}", names.join(", ")),
                        String::new(),
                        "",
                    )
                }
            };
            Some(TypeLine {
                id: t.id.to_string(),
                name: t.name.clone(),
                description: t.description.clone(),
                price: if offer.member_rate {
                    format!("{} (member price)", price_words(offer.price))
                } else {
                    price_words(offer.price)
                },
                member_offer: offer
                    .member_price_offer
                    .map(|m| format!("Members pay {}.", price_words(m)))
                    .unwrap_or_default(),
                status,
                href,
                action: action.to_string(),
                members_only: offer.state == TypeState::MembersOnly,
                needs_code: offer.needs_code,
                complimentary: offer.complimentary,
                industry: t.is_industry,
            })
        })
        .collect()
}

pub async fn show(ctx: Ctx, Path(slug): Path<String>) -> WebResult {
    let (event, viewer) = match visible_event(&ctx, &slug).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    let now = ctx.now();
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let zone = &event.time_zone;
    let several_days = rules::local_of(Timestamp(event.starts_at), zone).date()
        != rules::local_of(Timestamp(event.ends_at), zone).date();
    let agenda = sessions
        .iter()
        .map(|s| AgendaLine {
            when: rules::session_words(
                Timestamp(s.starts_at),
                Timestamp(s.ends_at),
                zone,
                several_days,
            ),
            title: s.title.clone(),
            room: s.room.clone(),
            description: s.description.clone(),
        })
        .collect();
    let types = ctx.scoped.registration_types(event.id).await?;
    let levels = if types.iter().any(|t| !t.levels.is_empty()) {
        ctx.scoped.levels().await?
    } else {
        Vec::new()
    };
    let types = type_lines(&event, &types, &levels, viewer, now);
    let seats = card(&event, now).seats;
    let faculty = crate::speakers::event_faculty_lines(&ctx, event.id, viewer.is_staff).await?;
    let education = crate::education::event_education(&ctx, event.id).await?;
    let response = ok(&ShowView {
        faculty,
        chrome: ctx.chrome(None).await?,
        title: event.title.clone(),
        summary: event.summary.clone(),
        description_html: event.description_html.clone(),
        when: rules::when_words(Timestamp(event.starts_at), Timestamp(event.ends_at), zone),
        kind: kind_label(&event.kind).to_string(),
        location_name: event.location_name.clone(),
        address_lines: event
            .location_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        online: !event.online_url.is_empty() || kind_of(&event) == EventKind::Webinar,
        is_draft: status_of(&event) == EventStatus::Draft,
        cancelled: status_of(&event) == EventStatus::Cancelled,
        cancel_reason: event.cancel_reason.clone(),
        members_only: event.members_only,
        seats,
        agenda,
        types,
        calendar_href: format!("/events/{}/calendar.ics", event.slug),
        register_action: format!("/events/{}/register", event.slug),
        signed_in: ctx.user.is_some(),
        sign_in_href: sign_in_href(ctx.uri.path()),
        staff_href: if viewer.is_staff {
            format!("/staff/events/{}", event.id)
        } else {
            String::new()
        },
        education,
    })?;
    // Only a published or cancelled event reaches here for an anonymous visitor (a draft is a
    // 404, a members-only event a 403 page).
    Ok(ctx.cacheable_for_anonymous(response))
}

fn ics_response(body: String, filename: Option<&str>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(name) = filename
        && let Ok(value) = format!("attachment; filename=\"{name}.ics\"").parse()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// One event's calendar file, for whoever may see the event's page.
pub async fn calendar(ctx: Ctx, Path(slug): Path<String>) -> WebResult {
    let event = match visible_event(&ctx, &slug).await? {
        Ok((event, _)) => event,
        Err(_) => return Err(WebError::NotFound),
    };
    Ok(ics_response(
        usecases::event_ics(&ctx.app, &ctx.scoped, &event),
        Some(&event.slug),
    ))
}

/// The subscribable feed of upcoming public events.
pub async fn feed(ctx: Ctx) -> WebResult {
    Ok(ics_response(
        usecases::feed_ics(&ctx.app, &ctx.scoped).await?,
        None,
    ))
}
