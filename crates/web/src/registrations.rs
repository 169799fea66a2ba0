//! Registration pages: the form for one event (signed-in people and visitors; a 422 keeps what
//! was typed), the registrant's page (owner signed in, staff, or the signed link from the mail),
//! the waitlist offer link, the member portal's list, and the staff list with counts, search,
//! a status filter, a CSV download and a form to register someone (complimentary types too).

use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::registrations::{self as usecases, RegisterForm, Registered, Who};
use chapterhouse_core::Timestamp;
use chapterhouse_core::events::{self as event_rules, GuestPolicy};
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::Profession;
use chapterhouse_core::registration::{OfferState, RegStatus};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{Event, Registration, RegistrationFilter};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, Staff};
use crate::error::{WebError, WebResult};
use crate::events::price_words;
use crate::forms::{csrf_of, parse_id};
use crate::staff_events::load_event;
use crate::views::{MessageView, ok, render};

/// A question as the form shows it.
pub struct QuestionField {
    pub field: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub value: String,
}

/// A type as the form offers it.
pub struct TypeChoice {
    pub id: String,
    pub name: String,
    pub price: String,
    pub seats: String,
    pub needs_code: bool,
    pub guests: String,
    pub max_guests: i64,
}

#[derive(Template)]
#[template(path = "registrations/form.html")]
pub struct FormView {
    pub chrome: Chrome,
    pub action: String,
    pub event_title: String,
    pub event_href: String,
    pub when: String,
    pub types: Vec<TypeChoice>,
    pub chosen: String,
    pub questions: Vec<QuestionField>,
    pub form: RegisterForm,
    pub errors: FieldErrors,
    pub visitor: bool,
    pub staff_entry: bool,
    pub member_offer: bool,
    /// The chosen type (or the event) is for members and the viewer is not one: sign in or join.
    pub join_offer: bool,
    pub sign_in_href: String,
    pub professions: Vec<(String, String)>,
    pub guest_rows: Vec<(usize, String, String)>,
    pub any_guests: bool,
    pub any_code: bool,
}

async fn event_by_slug(ctx: &Ctx, slug: &str) -> Result<Event, WebError> {
    let e = ctx
        .scoped
        .event_by_slug(slug)
        .await?
        .ok_or(WebError::NotFound)?;
    if e.status == "draft"
        && !ctx
            .user
            .as_ref()
            .is_some_and(|u| u.role().satisfies(chapterhouse_core::Role::Staff))
    {
        return Err(WebError::NotFound);
    }
    Ok(e)
}

/// The form for an event: the types this viewer may use, the questions, guests.
pub(crate) async fn form_view(
    ctx: &Ctx,
    e: &Event,
    form: RegisterForm,
    errors: FieldErrors,
    staff_entry: bool,
) -> WebResult {
    let mut viewer = chapterhouse_app::events::standing(&ctx.scoped, ctx.user.as_ref()).await?;
    if staff_entry {
        viewer.is_staff = true;
    }
    let types = ctx.scoped.registration_types(e.id).await?;
    let questions = ctx.scoped.registration_questions(e.id).await?;
    let now = ctx.now();
    let terms = usecases::event_terms(e);
    let mut member_offer = false;
    let mut members_refused = e.members_only && !viewer.is_member && !viewer.is_staff;
    let choices: Vec<TypeChoice> = types
        .iter()
        .filter_map(|t| {
            let offer = event_rules::offer(viewer, terms, &usecases::type_terms(t), now)?;
            if offer.state == event_rules::TypeState::MembersOnly
                && t.id.to_string() == form.registration_type.trim()
            {
                members_refused = true;
            }
            if !matches!(
                offer.state,
                event_rules::TypeState::Open | event_rules::TypeState::Full
            ) {
                return None;
            }
            member_offer |= offer.member_price_offer.is_some();
            let mut price = price_words(offer.price);
            if offer.member_rate {
                price.push_str(" (member price)");
            } else if let Some(m) = offer.member_price_offer {
                price.push_str(&format!(" ({} for members)", m));
            }
            Some(TypeChoice {
                id: t.id.to_string(),
                name: if t.complimentary {
                    format!("{} (complimentary)", t.name)
                } else {
                    t.name.clone()
                },
                price,
                seats: offer.seats.words(),
                needs_code: t.access_code.is_some() && !staff_entry,
                guests: t.guests.clone(),
                max_guests: t.max_guests,
            })
        })
        .collect();
    let chosen = if form.registration_type.is_empty() {
        choices.first().map(|c| c.id.clone()).unwrap_or_default()
    } else {
        form.registration_type.clone()
    };
    let asked: Vec<QuestionField> = questions
        .iter()
        .filter(|q| {
            q.registration_type_id
                .is_none_or(|t| t.to_string() == chosen)
        })
        .map(|q| {
            let field = format!("q_{}", q.id);
            QuestionField {
                value: form.answer(&field).to_string(),
                field,
                label: q.label.clone(),
                kind: q.kind.clone(),
                choices: q
                    .choices
                    .lines()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                required: q.required,
            }
        })
        .collect();
    let max_rows = choices
        .iter()
        .filter(|c| GuestPolicy::parse(&c.guests) == Some(GuestPolicy::Details))
        .map(|c| c.max_guests)
        .max()
        .unwrap_or(0)
        .clamp(0, usecases::GUEST_ROWS as i64) as usize;
    let guest_rows = (1..=max_rows)
        .map(|n| {
            let g = form.guest(n);
            (n, g.name, g.email)
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut form = form;
    if form.submit_key.is_empty() {
        form.submit_key = usecases::new_submit_key();
    }
    // A paid type answers the form with a redirect to the hosted checkout page.
    let origin = chapterhouse_app::payments::checkout_origin(&ctx.app, &ctx.scoped).await?;
    let response = render(
        status,
        &FormView {
            chrome: ctx.chrome(None).await?,
            action: if staff_entry {
                format!("/staff/events/{}/registrations", e.id)
            } else {
                format!("/events/{}/register", e.slug)
            },
            event_title: e.title.clone(),
            event_href: format!("/events/{}", e.slug),
            when: event_rules::when_words(
                Timestamp(e.starts_at),
                Timestamp(e.ends_at),
                &e.time_zone,
            ),
            any_guests: choices.iter().any(|c| c.guests == "count"),
            any_code: choices.iter().any(|c| c.needs_code),
            types: choices,
            chosen,
            questions: asked,
            visitor: ctx.user.is_none() || staff_entry,
            staff_entry,
            member_offer: member_offer && ctx.user.is_none(),
            join_offer: members_refused && !errors.is_empty() && !staff_entry,
            sign_in_href: format!(
                "/sign-in?next={}",
                form_urlencoded::byte_serialize(format!("/events/{}/register", e.slug).as_bytes())
                    .collect::<String>()
            ),
            professions: Profession::ALL
                .into_iter()
                .map(|p| (p.as_str().to_string(), p.label().to_string()))
                .collect(),
            guest_rows,
            form,
            errors,
        },
    )?;
    Ok(crate::payments::allow_checkout_redirect(
        response,
        origin.as_deref(),
    ))
}

#[derive(Deserialize, Default)]
pub struct TypeQuery {
    #[serde(default, rename = "type")]
    ty: String,
}

pub async fn register_form(
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TypeQuery>,
) -> WebResult {
    let e = event_by_slug(&ctx, &slug).await?;
    let form = RegisterForm {
        registration_type: q.ty,
        ..Default::default()
    };
    form_view(&ctx, &e, form, FieldErrors::new(), false).await
}

fn pairs_of(raw: &RawForm) -> Vec<(String, String)> {
    form_urlencoded::parse(&raw.0).into_owned().collect()
}

pub async fn register(ctx: Ctx, Path(slug): Path<String>, raw: RawForm) -> WebResult {
    let pairs = pairs_of(&raw);
    ctx.check_csrf(csrf_of(&pairs))?;
    let e = event_by_slug(&ctx, &slug).await?;
    let form = RegisterForm::from_pairs(&pairs);
    let who = match &ctx.user {
        Some(user) => Who::SignedIn(user),
        None => Who::Visitor,
    };
    match usecases::register(&ctx.app, &ctx.scoped, e.id, &form, who, &ctx.actor).await {
        Ok(Registered::New {
            checkout_url: Some(url),
            ..
        }) => Ok(Redirect::to(&url).into_response()),
        Ok(Registered::New { page, .. })
        | Ok(Registered::Existing {
            page: Some(page), ..
        }) => Ok(Redirect::to(&page).into_response()),
        Ok(Registered::Existing { page: None, .. }) => ok(&MessageView {
            chrome: ctx.chrome(None).await?,
            heading: "You may already be registered".into(),
            message: format!(
                "This email address already has a registration for {}. We have emailed its details to that address.",
                e.title
            ),
            link_href: format!("/events/{}", e.slug),
            link_text: "Back to the event".into(),
        }),
        Err(AppError::Invalid(errors)) => form_view(&ctx, &e, form, errors, false).await,
        Err(other) => Err(other.into()),
    }
}

/// One registration as pages show it.
pub struct RegLine {
    pub href: String,
    pub name: String,
    pub email: String,
    pub event: String,
    pub event_href: String,
    pub type_name: String,
    pub status: String,
    pub seats: i64,
    pub price: String,
    pub when: String,
}

/// `zone`: the society's, for the event's date.
fn line(r: &Registration, href: String, zone: &str) -> RegLine {
    RegLine {
        href,
        name: r.name(),
        email: r.email.clone(),
        event: r.event_title.clone(),
        event_href: format!("/events/{}", r.event_slug),
        type_name: r.type_name.clone(),
        status: RegStatus::label_of(&r.status).to_string(),
        seats: r.seats,
        price: price_words(Cents(r.price_cents)),
        when: Timestamp(r.event_starts_at)
            .local_date(zone)
            .strftime("%B %-d, %Y")
            .to_string(),
    }
}

#[derive(Template)]
#[template(path = "registrations/show.html")]
pub struct ShowView {
    pub chrome: Chrome,
    pub reg: RegLine,
    pub status_words: String,
    pub held: bool,
    pub confirmed: bool,
    pub pay_action: String,
    pub token: String,
    pub guests: Vec<(String, String)>,
    pub answers: Vec<(String, String)>,
    pub calendar_href: String,
    pub qr: String,
    pub checkin: String,
    pub join_offer: bool,
    /// The registrant's cancel page, while the registration is live.
    pub cancel_href: String,
    /// The number of the registration's invoice when it was voided (the hold lapsed unpaid).
    pub invoice_void: Option<String>,
    pub register_href: String,
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

fn status_words(r: &Registration, zone: &str) -> String {
    match RegStatus::parse(&r.status) {
        Some(RegStatus::Confirmed) => "You are registered. Show the QR code below at the door.".into(),
        Some(RegStatus::Held) => format!(
            "Your seat is held until {} while you pay. Unpaid, it is released then.",
            r.hold_expires_at.map(|t| Timestamp(t).display_in(zone)).unwrap_or_default()
        ),
        Some(RegStatus::Waitlisted) => "The event is full: you are on the waitlist. If a seat comes free we will email you an offer.".into(),
        Some(RegStatus::Offered) => format!(
            "A seat is offered to you until {}: accept it from the link in our email.",
            r.offer_expires_at.map(|t| Timestamp(t).display_in(zone)).unwrap_or_default()
        ),
        Some(RegStatus::Expired) => format!("This registration has ended. {}", r.cancel_reason),
        Some(RegStatus::Cancelled) => "This registration was cancelled.".into(),
        None => String::new(),
    }
}

pub async fn show(ctx: Ctx, Path(id): Path<String>, Query(q): Query<TokenQuery>) -> WebResult {
    let id = parse_id(&id)?;
    let token = Some(q.t.as_str()).filter(|t| !t.is_empty());
    let reg = usecases::page_access(&ctx.app, &ctx.scoped, id, ctx.user.as_ref(), token).await?;
    let e = ctx
        .scoped
        .event(reg.event_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let status = RegStatus::parse(&reg.status);
    let confirmed = status == Some(RegStatus::Confirmed);
    let checkin = if confirmed {
        usecases::checkin_link(&ctx.app, &ctx.scoped, &reg)
    } else {
        String::new()
    };
    let qr = if confirmed {
        usecases::qr_data_url(&checkin)?
    } else {
        String::new()
    };
    let member = usecases::standing_of_person(&ctx.scoped, reg.person_id)
        .await?
        .is_member;
    let invoice_void = match reg.invoice() {
        Some(invoice) => ctx
            .scoped
            .invoice(invoice)
            .await?
            .filter(|i| i.amounts.voided)
            .map(|i| i.display_number()),
        None => None,
    };
    // "Pay now" is answered with a redirect to the hosted checkout page.
    let origin = chapterhouse_app::payments::checkout_origin(&ctx.app, &ctx.scoped).await?;
    let response = ok(&ShowView {
        chrome: ctx.chrome(None).await?,
        status_words: status_words(&reg, &e.time_zone),
        held: status == Some(RegStatus::Held),
        confirmed,
        pay_action: format!("/registrations/{}/pay", reg.id),
        token: q.t.clone(),
        guests: ctx
            .scoped
            .registration_guests(id)
            .await?
            .into_iter()
            .map(|g| (g.name, g.email))
            .collect(),
        answers: ctx
            .scoped
            .registration_answers(id)
            .await?
            .into_iter()
            .map(|a| (a.label, a.value))
            .collect(),
        calendar_href: format!("/events/{}/calendar.ics", e.slug),
        qr,
        checkin,
        join_offer: !member,
        cancel_href: crate::cancellations::cancel_href(&reg, &q.t),
        invoice_void,
        register_href: format!("/events/{}/register", e.slug),
        reg: line(&reg, String::new(), &e.time_zone),
    })?;
    Ok(crate::payments::allow_checkout_redirect(
        response,
        origin.as_deref(),
    ))
}

#[derive(Deserialize)]
pub struct PayPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    t: String,
}

pub async fn pay(ctx: Ctx, Path(id): Path<String>, Form(post): Form<PayPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id = parse_id(&id)?;
    let token = Some(post.t.as_str()).filter(|t| !t.is_empty());
    let reg = usecases::page_access(&ctx.app, &ctx.scoped, id, ctx.user.as_ref(), token).await?;
    match usecases::start_payment(&ctx.app, &ctx.scoped, reg.id).await? {
        Some(url) => Ok(Redirect::to(&url).into_response()),
        None => Ok(
            Redirect::to(&usecases::registration_path(&ctx.app, &ctx.scoped, &reg)).into_response(),
        ),
    }
}

#[derive(Template)]
#[template(path = "registrations/offer.html")]
pub struct OfferView {
    pub chrome: Chrome,
    pub event: String,
    pub open: bool,
    pub words: String,
    pub expires: String,
    pub token: String,
    pub action: String,
    pub page: String,
    pub event_href: String,
}

pub async fn offer(ctx: Ctx, Path(id): Path<String>, Query(q): Query<TokenQuery>) -> WebResult {
    let id = parse_id(&id)?;
    let view = usecases::offer_view(&ctx.app, &ctx.scoped, id, &q.t).await?;
    let zone = &ctx.scoped.society().time_zone;
    let status = if view.state == OfferState::Open {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render(
        status,
        &OfferView {
            chrome: ctx.chrome(None).await?,
            event: view.registration.event_title.clone(),
            open: view.state == OfferState::Open,
            words: view.state.words().to_string(),
            expires: view
                .expires_at
                .map(|t| t.display_in(zone))
                .unwrap_or_default(),
            token: q.t.clone(),
            action: format!("/registrations/{id}/offer"),
            page: view.page.clone(),
            event_href: format!("/events/{}", view.registration.event_slug),
        },
    )
}

pub async fn accept(ctx: Ctx, Path(id): Path<String>, Form(post): Form<PayPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let rid = parse_id(&id)?;
    match usecases::accept_offer(&ctx.app, &ctx.scoped, rid, &post.t, &ctx.actor).await? {
        Ok(Some(url)) => Ok(Redirect::to(&url).into_response()),
        Ok(None) | Err(_) => {
            Ok(Redirect::to(&format!("/registrations/{rid}/offer?t={}", post.t)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "registrations/account.html")]
pub struct AccountView {
    pub chrome: Chrome,
    pub lines: Vec<RegLine>,
}

pub async fn account_list(ctx: Ctx) -> WebResult {
    let user = ctx.require_user()?;
    let person = chapterhouse_app::people::person_of(user);
    let lines = ctx
        .scoped
        .registrations_of_person(person)
        .await?
        .iter()
        .map(|r| {
            line(
                r,
                format!("/registrations/{}", r.id),
                &ctx.scoped.society().time_zone,
            )
        })
        .collect();
    ok(&AccountView {
        chrome: ctx.chrome(None).await?,
        lines,
    })
}

pub struct CountLine {
    pub type_name: String,
    pub confirmed: i64,
    pub held: i64,
    pub offered: i64,
    pub waitlisted: i64,
    pub seats: String,
}

/// A row of the staff registrant list.
pub struct StaffLine {
    pub href: String,
    pub name: String,
    pub email: String,
    pub type_name: String,
    pub status: String,
    pub seats: i64,
    pub price: String,
}

#[derive(Template)]
#[template(path = "registrations/staff.html")]
pub struct StaffView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub counts: Vec<CountLine>,
    pub lines: Vec<StaffLine>,
    pub q: String,
    pub status: String,
    pub statuses: Vec<(String, String)>,
    pub event_seats: String,
}

#[derive(Deserialize, Default)]
pub struct StaffQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
}

pub async fn staff_list(
    Staff { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<StaffQuery>,
) -> WebResult {
    let e = load_event(&ctx, &id).await?;
    let status = RegStatus::parse(q.status.trim())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let regs = ctx
        .scoped
        .event_registrations(
            e.id,
            &RegistrationFilter {
                search: q.q.clone(),
                status: status.clone(),
            },
        )
        .await?;
    let counts = ctx.scoped.registration_counts(e.id).await?;
    let types = ctx.scoped.registration_types(e.id).await?;
    let count = |t, s: &str| {
        counts
            .iter()
            .filter(|c| c.registration_type_id == t && c.status == s)
            .map(|c| c.registrations)
            .sum::<i64>()
    };
    let counts = types
        .iter()
        .map(|t| CountLine {
            type_name: t.name.clone(),
            confirmed: count(t.id, "confirmed"),
            held: count(t.id, "held"),
            offered: count(t.id, "offered"),
            waitlisted: count(t.id, "waitlisted"),
            seats: match t.cap {
                Some(cap) => format!("{} of {cap}", t.taken),
                None => format!("{} (no limit)", t.taken),
            },
        })
        .collect();
    ok(&StaffView {
        chrome: ctx.chrome(None).await?,
        event_id: e.id.to_string(),
        event_title: e.title.clone(),
        counts,
        lines: regs
            .iter()
            .map(|r| StaffLine {
                href: format!("/staff/registrations/{}", r.id),
                name: r.name(),
                email: r.email.clone(),
                type_name: r.type_name(&types).to_string(),
                status: RegStatus::label_of(&r.status).to_string(),
                seats: r.seats,
                price: price_words(Cents(r.price_cents)),
            })
            .collect(),
        q: q.q.clone(),
        status,
        statuses: RegStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect(),
        event_seats: match e.capacity {
            Some(cap) => format!("{} of {cap} seats taken", e.taken),
            None => format!("{} seats taken (no event-wide limit)", e.taken),
        },
    })
}

pub async fn staff_csv(Staff { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let e = load_event(&ctx, &id).await?;
    let csv = usecases::registrants_csv(&ctx.scoped, e.id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-registrants.csv\"", e.slug),
            ),
        ],
        csv,
    )
        .into_response())
}

pub async fn staff_new(Staff { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let e = load_event(&ctx, &id).await?;
    form_view(&ctx, &e, RegisterForm::default(), FieldErrors::new(), true).await
}

pub async fn staff_register(
    Staff { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    raw: RawForm,
) -> WebResult {
    let pairs = pairs_of(&raw);
    ctx.check_csrf(csrf_of(&pairs))?;
    let e = load_event(&ctx, &id).await?;
    let form = RegisterForm::from_pairs(&pairs);
    match usecases::register(
        &ctx.app,
        &ctx.scoped,
        e.id,
        &form,
        Who::Staff(&user),
        &ctx.actor,
    )
    .await
    {
        Ok(Registered::New { id, .. } | Registered::Existing { id, .. }) => {
            Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
        }
        Err(AppError::Invalid(errors)) => form_view(&ctx, &e, form, errors, true).await,
        Err(other) => Err(other.into()),
    }
}
