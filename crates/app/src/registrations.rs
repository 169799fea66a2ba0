//! Registering for events: the public form (signed-in members at the member price, visitors
//! who give their name and email), staff entering someone (complimentary faculty types
//! included), seats, holds for card payment, the waitlist and its offers, and the mail.
//!
//! Seats follow the architecture: in ONE transaction the event's counter is updated first and
//! the type's second, each only if its limit allows (`store::registrations`); without a seat
//! the registration joins the waitlist. Free types confirm at once; paid ones are `held` until
//! `hold_expires_at` with an invoice (the event's revenue account) and Stripe Checkout, and the
//! verified payment confirms them in the transaction that records it ([`invoice_paid_in`]).
//!
//! Jobs drive the clock: a hold's expiry job frees its seats when it lapses unpaid; a freed seat
//! is offered to the oldest waitlisted registration that fits (its seats are taken for the
//! offer) with an emailed, signed link; an offer's expiry job passes the seat on. A payment that
//! arrives after its hold lapsed takes a seat if one is free, and is otherwise refunded
//! ([`settle_late_payment`]): never a charge without a seat, never a seat without a record.

use std::collections::HashMap;

use base64::Engine;
use chapterhouse_core::events::{
    self as event_rules, Audience, EventKind, EventStatus, EventTerms, GuestPolicy, QuestionKind,
    Standing, TypeTerms,
};
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::Profession;
use chapterhouse_core::registration::{self as rules, Entry, Guest, OfferState, RegStatus};
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{
    EventId, InvoiceId, PaymentId, PersonId, RegistrationId, RegistrationTypeId, Timestamp,
};
use chapterhouse_store::{
    Event, NewAudit, NewJob, NewRegistration, Registration, RegistrationQuestion, RegistrationType,
    Scoped, ScopedTx, StoreError,
};

use crate::accounts::CurrentUser;
use crate::billing::{self, BillTo, NewInvoice, NewLine};
use crate::export::csv_text;
use crate::mail::{EmailJob, JobAttachment, enqueue_email, enqueue_email_with};
use crate::membership::today;
use crate::{Actor, App, AppError, AppResult, payments};

pub const HOLD_EXPIRY: &str = "registration_hold_expiry";
pub const OFFER_EXPIRY: &str = "registration_offer_expiry";
/// Registration posts per client address in a 15-minute window.
const REGISTRATIONS_PER_IP: i64 = 30;
const RATE_WINDOW_SECONDS: i64 = 15 * 60;
/// How long after an event a registration's link keeps working.
const LINK_DAYS_AFTER: i64 = 180;
/// Waitlisted registrations looked at for each freed seat.
const OFFER_SCAN: i64 = 50;
const MEETING_ACCOUNT_CODE: &str = "4100";
const MEETING_ACCOUNT_NAME: &str = "Meeting registrations";
/// Rows of guest details a form shows at most.
pub const GUEST_ROWS: usize = 10;

// ---------------------------------------------------------------------------------------------
// The form.

/// What the registration form posts. Built from the posted pairs, because questions
/// (`q_{id}`) and guest rows (`guest_name_{n}`, `guest_email_{n}`) vary by event.
#[derive(Clone, Debug, Default)]
pub struct RegisterForm {
    pub registration_type: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profession: String,
    pub access_code: String,
    pub guest_count: String,
    pub guests: Vec<Guest>,
    /// (`q_{question id}`, value).
    pub answers: Vec<(String, String)>,
    /// The form's one-time token: a second submit of the same form finds the first
    /// registration.
    pub submit_key: String,
}

impl RegisterForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> RegisterForm {
        let mut f = RegisterForm::default();
        let mut guests: Vec<Guest> = vec![Guest::default(); GUEST_ROWS];
        for (k, v) in pairs {
            match k.as_str() {
                "type" | "registration_type" => f.registration_type = v.clone(),
                "first_name" => f.first_name = v.clone(),
                "last_name" => f.last_name = v.clone(),
                "email" => f.email = v.clone(),
                "profession" => f.profession = v.clone(),
                "access_code" => f.access_code = v.clone(),
                "guest_count" => f.guest_count = v.clone(),
                "submit_key" => f.submit_key = v.clone(),
                _ if k.starts_with("q_") => f.answers.push((k.clone(), v.clone())),
                _ => {
                    let row = |prefix: &str| {
                        k.strip_prefix(prefix)
                            .and_then(|n| n.parse::<usize>().ok())
                            .filter(|n| (1..=GUEST_ROWS).contains(n))
                    };
                    if let Some(n) = row("guest_name_") {
                        guests[n - 1].name = v.clone();
                    } else if let Some(n) = row("guest_email_") {
                        guests[n - 1].email = v.clone();
                    }
                }
            }
        }
        while guests
            .last()
            .is_some_and(|g| g.name.is_empty() && g.email.is_empty())
        {
            guests.pop();
        }
        f.guests = guests;
        f
    }

    pub fn answer(&self, field: &str) -> &str {
        self.answers
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn guest(&self, n: usize) -> Guest {
        self.guests.get(n - 1).cloned().unwrap_or_default()
    }
}

/// A fresh one-time token for a form.
pub fn new_submit_key() -> String {
    chapterhouse_core::signing::random_token()
}

/// Who is registering.
#[derive(Clone, Copy, Debug)]
pub enum Who<'a> {
    /// A signed-in person registering themselves: their own record and standing.
    SignedIn(&'a CurrentUser),
    /// Someone not signed in: the form's name, email and profession; a person the society
    /// already knows by that email is reused (the answer is the same either way).
    Visitor,
    /// Staff entering a registration for someone (by the form's email); complimentary types
    /// and types behind a code are open to them.
    Staff(&'a CurrentUser),
}

/// What a registration attempt came to.
#[derive(Clone, Debug)]
pub enum Registered {
    New {
        id: RegistrationId,
        status: RegStatus,
        /// Pay here (Stripe Checkout) to confirm a held registration.
        checkout_url: Option<String>,
        /// The registration's page with its signed link.
        page: String,
    },
    /// A registration for this person and event exists already (or this form was submitted
    /// before). `page` is None for a visitor, who is not shown someone's registration: the
    /// details are emailed to its address instead.
    Existing {
        id: RegistrationId,
        page: Option<String>,
    },
}

fn status_of(e: &Event) -> EventStatus {
    EventStatus::parse(&e.status).unwrap_or(EventStatus::Draft)
}

fn closes_at(e: &Event) -> Timestamp {
    event_rules::registration_closes_at(
        EventKind::parse(&e.kind).unwrap_or(EventKind::Meeting),
        Timestamp(e.starts_at),
        Timestamp(e.ends_at),
    )
}

/// What the registration rules need of an event (`core::events::offer`).
pub fn event_terms(e: &Event) -> EventTerms {
    EventTerms {
        status: status_of(e),
        closes_at: closes_at(e),
        seats_left: event_rules::remaining(e.capacity, e.taken),
    }
}

/// What the registration rules need of a registration type.
pub fn type_terms(t: &RegistrationType) -> TypeTerms<'_> {
    TypeTerms {
        price: Cents(t.price_cents),
        member_price: t.member_price_cents.map(Cents),
        audience: Audience::parse(&t.audience).unwrap_or(Audience::Anyone),
        levels: &t.levels,
        opens_at: t.opens_at.map(Timestamp),
        closes_at: t.closes_at.map(Timestamp),
        has_code: t.access_code.is_some(),
        cap: t.cap,
        taken: t.taken,
        complimentary: t.complimentary,
    }
}

/// The questions a type asks, for the rules.
pub fn questions_for(
    questions: &[RegistrationQuestion],
    ty: RegistrationTypeId,
) -> Vec<(RegistrationQuestion, rules::Question)> {
    questions
        .iter()
        .filter(|q| q.type_id().is_none_or(|t| t == ty))
        .map(|q| {
            (
                q.clone(),
                rules::Question {
                    field: format!("q_{}", q.id),
                    label: q.label.clone(),
                    kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
                    choices: q
                        .choices
                        .lines()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                    required: q.required,
                },
            )
        })
        .collect()
}

/// How a person (not necessarily signed in) stands for events: a member with privileges and
/// their level.
pub async fn standing_of_person(scoped: &Scoped, person: PersonId) -> AppResult<Standing> {
    let membership = scoped.portal_membership(person).await?;
    let is_member = membership
        .as_ref()
        .and_then(|m| chapterhouse_store::parse_status(&m.status))
        .is_some_and(|s| s.has_privileges());
    Ok(Standing {
        is_staff: false,
        is_member,
        level: membership.filter(|_| is_member).map(|m| m.level_id),
    })
}

/// The registrant's own details as typed (visitors and staff entries).
struct Details {
    first_name: String,
    last_name: String,
    email: String,
    profession: String,
}

fn check_details(form: &RegisterForm, errors: &mut FieldErrors) -> Details {
    let first_name = form.first_name.trim().to_string();
    let last_name = form.last_name.trim().to_string();
    let email = normalize_email(&form.email);
    errors.check(
        first_name.is_empty(),
        "first_name",
        "Enter the first name (given name).",
    );
    errors.check(
        last_name.is_empty(),
        "last_name",
        "Enter the last name (family name).",
    );
    errors.check(
        first_name.chars().count() > 100 || last_name.chars().count() > 100,
        "last_name",
        "Keep each name under 100 characters.",
    );
    errors.check(
        !looks_like_email(&email),
        "email",
        "Enter an email address, like name@example.org.",
    );
    let profession = match form.profession.trim() {
        "" => "other".to_string(),
        p => match Profession::parse(p) {
            Some(p) => p.as_str().to_string(),
            None => {
                errors.add("profession", "Choose a profession from the list.");
                "other".into()
            }
        },
    };
    Details {
        first_name,
        last_name,
        email,
        profession,
    }
}

async fn check_rate_limit(scoped: &Scoped, actor: &Actor, now: Timestamp) -> AppResult<()> {
    let window = (now.0 / 1_000_000).div_euclid(RATE_WINDOW_SECONDS);
    let hits = scoped
        .hit_rate_limit(&format!("register:ip:{}", actor.ip), window)
        .await?;
    if hits > REGISTRATIONS_PER_IP {
        return Err(AppError::RateLimited);
    }
    Ok(())
}

/// Register for an event with the form's type. Refusals come back as field messages
/// ([`AppError::Invalid`]) with the reason in words; a full type puts the registration on the
/// waitlist.
pub async fn register(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    form: &RegisterForm,
    who: Who<'_>,
    actor: &Actor,
) -> AppResult<Registered> {
    let now = app.now();
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let types = scoped.registration_types(event).await?;
    let questions = scoped.registration_questions(event).await?;
    let mut errors = FieldErrors::new();

    // Who, and how they stand.
    let (person, details, standing) = match who {
        Who::SignedIn(user) => {
            let person = crate::people::person_of(user);
            let standing = crate::events::standing(scoped, Some(user)).await?;
            (Some(person), None, standing)
        }
        Who::Visitor => {
            let details = check_details(form, &mut errors);
            let person = if errors.get("email").is_none() {
                scoped.person_by_email(&details.email).await?
            } else {
                None
            };
            // A visitor is judged as a visitor: the member price and members' types are for
            // members who sign in.
            (person, Some(details), Standing::default())
        }
        Who::Staff(_) => {
            let details = check_details(form, &mut errors);
            let person = if errors.get("email").is_none() {
                scoped.person_by_email(&details.email).await?
            } else {
                None
            };
            let mut standing = match person {
                Some(p) => standing_of_person(scoped, p).await?,
                None => Standing::default(),
            };
            standing.is_staff = true;
            (person, Some(details), standing)
        }
    };
    if e.members_only && !standing.is_member && !standing.is_staff {
        errors.add(
            "type",
            "This event is for members. Sign in if you are one, or join the society first.",
        );
    }
    let ty = form
        .registration_type
        .trim()
        .parse::<RegistrationTypeId>()
        .ok()
        .and_then(|id| types.iter().find(|t| t.id == id));
    let Some(ty) = ty else {
        errors.add("type", "Choose a registration type.");
        return Err(errors.into());
    };
    let asked = questions_for(&questions, ty.id);
    let rule_questions: Vec<rules::Question> = asked.iter().map(|(_, q)| q.clone()).collect();
    let entry = Entry {
        access_code: form.access_code.clone(),
        guest_count: form.guest_count.clone(),
        guests: form.guests.clone(),
        answers: form.answers.clone(),
    };
    let checked = rules::check(
        rules::Registrant { standing },
        event_terms(&e),
        Timestamp(e.starts_at),
        &rules::TypeRules {
            terms: type_terms(ty),
            access_code: ty.access_code.as_deref(),
            guests: GuestPolicy::parse(&ty.guests).unwrap_or(GuestPolicy::None),
            max_guests: ty.max_guests,
            time_zone: &e.time_zone,
        },
        &rule_questions,
        &entry,
        now,
    );
    let checked = match checked {
        Ok(c) if errors.is_empty() => c,
        Ok(_) => return Err(errors.into()),
        Err(more) => {
            for (field, message) in more.0 {
                if errors.get(&field).is_none() {
                    errors.add(&field, message);
                }
            }
            return Err(errors.into());
        }
    };
    if !matches!(who, Who::Staff(_)) {
        check_rate_limit(scoped, actor, now).await?;
    }
    let submit_key = Some(form.submit_key.trim()).filter(|k| !k.is_empty() && k.len() <= 100);
    let existing_page = |r: &Registration| match who {
        Who::Visitor => None,
        _ => Some(registration_path(app, scoped, r)),
    };
    if let Some(key) = submit_key
        && let Some(found) = scoped.registration_by_submit_key(key).await?
    {
        return Ok(Registered::Existing {
            page: existing_page(&found),
            id: found.id,
        });
    }
    if let Some(person) = person
        && let Some(found) = scoped.live_registration(event, person).await?
    {
        if matches!(who, Who::Visitor) {
            resend_details(app, scoped, &found).await?;
        }
        return Ok(Registered::Existing {
            page: existing_page(&found),
            id: found.id,
        });
    }

    // The person: the signed-in one, the one known by email, or a new record.
    let person = match person {
        Some(p) => p,
        None => {
            let d = details.as_ref().ok_or(AppError::NotFound)?;
            create_person(scoped, d, now).await?
        }
    };
    let (first_name, last_name, email) = match &details {
        Some(d) => (d.first_name.clone(), d.last_name.clone(), d.email.clone()),
        None => {
            let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
            (
                profile.fields.first_name.clone(),
                profile.fields.last_name.clone(),
                profile.email.clone(),
            )
        }
    };

    let member = standing.is_member
        || (matches!(who, Who::Visitor) && standing_of_person(scoped, person).await?.is_member);
    let mut tx = scoped.begin().await?;
    let got = tx.take_seats(event, ty.id, checked.seats).await?;
    let status = rules::initial_status(checked.price, got);
    let hold_expires =
        (status == RegStatus::Held).then(|| now.plus_seconds(e.hold_minutes.max(1) * 60));
    let inserted = tx
        .insert_registration(
            &NewRegistration {
                event,
                registration_type: ty.id,
                person,
                first_name: &first_name,
                last_name: &last_name,
                email: &email,
                status: status.as_str(),
                seats: checked.seats,
                price_cents: checked.price.0,
                member_price: checked.member_rate,
                hold_expires_at: hold_expires,
                submit_key,
            },
            now,
        )
        .await;
    let id = match inserted {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            // A twin submit or a second tab got there first: nothing of ours is kept.
            drop(tx);
            let found = match submit_key {
                Some(key) => scoped.registration_by_submit_key(key).await?,
                None => None,
            };
            let found = match found {
                Some(f) => Some(f),
                None => scoped.live_registration(event, person).await?,
            };
            let found = found.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("registration conflict without a row"))
            })?;
            return Ok(Registered::Existing {
                page: existing_page(&found),
                id: found.id,
            });
        }
        Err(other) => return Err(other.into()),
    };
    for (i, g) in checked.guests.iter().enumerate() {
        tx.insert_registration_guest(id, &g.name, &g.email, i as i64 + 1)
            .await?;
    }
    for (field, value) in &checked.answers {
        if let Some((q, _)) = asked.iter().find(|(_, rq)| rq.field == *field) {
            tx.insert_registration_answer(id, q.id, value).await?;
        }
    }
    let reg = tx.registration_in(id).await?.ok_or(AppError::NotFound)?;
    match status {
        RegStatus::Held => {
            hold_for_payment(app, scoped, &mut tx, &e, &reg, actor, now).await?;
        }
        RegStatus::Confirmed => {
            send_confirmation(app, scoped, &mut tx, &e, &reg, member, now).await?;
        }
        _ => {
            send_waitlisted(app, scoped, &mut tx, &e, &reg, now).await?;
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.created",
            subject: &e.slug,
            detail: &format!(
                "{} <{}>: {}, {}{}",
                reg.name(),
                reg.email,
                ty.name,
                status.label(),
                if matches!(who, Who::Staff(_)) {
                    " (entered by staff)"
                } else {
                    ""
                }
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;

    let checkout_url = if status == RegStatus::Held && !matches!(who, Who::Staff(_)) {
        start_payment(app, scoped, id).await.ok().flatten()
    } else {
        None
    };
    Ok(Registered::New {
        id,
        status,
        checkout_url,
        page: registration_path(app, scoped, &reg),
    })
}

async fn create_person(scoped: &Scoped, d: &Details, now: Timestamp) -> AppResult<PersonId> {
    let mut tx = scoped.begin().await?;
    let display = format!("{} {}", d.first_name, d.last_name);
    match tx.insert_person(&d.email, display.trim(), now).await {
        Ok(person) => {
            tx.set_person_names(person, &d.first_name, &d.last_name, &d.profession)
                .await?;
            tx.commit().await?;
            Ok(person)
        }
        Err(StoreError::Conflict(_)) => {
            drop(tx);
            scoped
                .person_by_email(&d.email)
                .await?
                .ok_or(AppError::NotFound)
        }
        Err(other) => Err(other.into()),
    }
}

/// Hold a registration's seats for payment: its invoice (the event's revenue account), linked
/// to it, and the job that frees the seats if the hold lapses unpaid.
async fn hold_for_payment(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    e: &Event,
    reg: &Registration,
    actor: &Actor,
    now: Timestamp,
) -> AppResult<()> {
    let day = today(app, scoped);
    let account = match tx.event_revenue_account_in(e.id).await? {
        Some(a) => a,
        None => {
            tx.ensure_revenue_account(MEETING_ACCOUNT_CODE, MEETING_ACCOUNT_NAME, now)
                .await?
        }
    };
    if reg.invoice().is_none() {
        let id = billing::issue_invoice_in(
            tx,
            now,
            actor,
            NewInvoice {
                bill_to: BillTo::Person(reg.person_id),
                lines: vec![NewLine {
                    description: format!("{}: {}", e.title, reg.type_name),
                    quantity: 1,
                    unit: Cents(reg.price_cents),
                    revenue_account: Some(account),
                    person: None,
                }],
                due_on: day,
                po_number: String::new(),
                memo: format!("Registration for {} ({}).", e.title, reg.name()),
                purpose: "registration",
                dues_term: None,
                dedup_key: Some(format!("registration:{}", reg.id)),
                nondeductible: Cents::ZERO,
            },
            day,
        )
        .await?;
        tx.set_registration_invoice(reg.id, id, now).await?;
    }
    let expires = reg
        .hold_expires_at
        .map(Timestamp)
        .unwrap_or_else(|| now.plus_seconds(e.hold_minutes.max(1) * 60));
    tx.enqueue(
        &NewJob {
            kind: HOLD_EXPIRY,
            payload: serde_json::json!({ "registration": reg.id }).to_string(),
            run_at: expires,
            dedup_key: Some(format!("{HOLD_EXPIRY}:{}:{}", reg.id, expires.0)),
            max_attempts: 10,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Open Stripe Checkout for a held registration's invoice; None when online payment is not set
/// up or nothing is owed.
pub async fn start_payment(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
) -> AppResult<Option<String>> {
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    if RegStatus::parse(&reg.status) != Some(RegStatus::Held) {
        return Ok(None);
    }
    let Some(invoice) = reg.invoice() else {
        return Ok(None);
    };
    if scoped.payment_settings().await?.is_none() {
        return Ok(None);
    }
    let due = scoped.invoice(invoice).await?.ok_or(AppError::NotFound)?;
    let balance = due.amounts.balance();
    if balance.0 <= 0 {
        return Ok(None);
    }
    let base = app.links.base_url(scoped.society());
    let page = registration_path(app, scoped, &reg);
    let sep = if page.contains('?') { '&' } else { '?' };
    let url = payments::start_checkout_offering(
        app,
        scoped,
        invoice,
        balance,
        &reg.email,
        false,
        &["card"],
        // The hosted page closes when the hold ends (within what Stripe allows).
        reg.hold_expires_at.map(Timestamp),
        &format!("{base}{page}{sep}paid=1"),
        &format!("{base}{page}"),
    )
    .await?;
    Ok(Some(url))
}

// ---------------------------------------------------------------------------------------------
// Links.

fn link_expiry(reg: &Registration) -> Timestamp {
    Timestamp(reg.event_starts_at).plus_seconds(LINK_DAYS_AFTER * 86_400 + 366 * 86_400)
}

fn sign_fields(scoped: &Scoped, id: RegistrationId) -> [String; 2] {
    [scoped.society_id().to_string(), id.to_string()]
}

/// The registration's page with a signed token, for mail and for the browser that made it.
pub fn registration_path(app: &App, scoped: &Scoped, reg: &Registration) -> String {
    let [s, r] = sign_fields(scoped, reg.id);
    let token = app.signer.sign("registration", &[&s, &r], link_expiry(reg));
    format!("/registrations/{}?t={token}", reg.id)
}

/// Whether a registration page token is good for this registration.
pub fn verify_registration_token(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    token: &str,
) -> bool {
    let [s, r] = sign_fields(scoped, id);
    app.signer
        .verify("registration", &[&s, &r], token, app.now())
        .is_ok()
}

/// The signed check-in link a registration's QR code encodes: `{base}/checkin/{token}`, where
/// the token is `{registration id}.{signature}` (society and registration bound).
pub fn checkin_link(app: &App, scoped: &Scoped, reg: &Registration) -> String {
    let [s, r] = sign_fields(scoped, reg.id);
    let sig = app.signer.sign("checkin", &[&s, &r], link_expiry(reg));
    format!(
        "{}/checkin/{}.{sig}",
        app.links.base_url(scoped.society()),
        reg.id
    )
}

/// The registration a check-in token (the last path segment of [`checkin_link`], or the whole
/// link) names, if its signature holds for this society.
pub fn verify_checkin_link(app: &App, scoped: &Scoped, token: &str) -> Option<RegistrationId> {
    let token = token.rsplit('/').next().unwrap_or(token).trim();
    let (id, sig) = token.split_once('.')?;
    let id: RegistrationId = id.parse().ok()?;
    let [s, r] = sign_fields(scoped, id);
    app.signer
        .verify("checkin", &[&s, &r], sig, app.now())
        .ok()?;
    Some(id)
}

fn offer_token(app: &App, scoped: &Scoped, reg: &Registration) -> String {
    let [s, r] = sign_fields(scoped, reg.id);
    app.signer.sign("offer", &[&s, &r], link_expiry(reg))
}

/// The link in an offer email.
pub fn offer_path(app: &App, scoped: &Scoped, reg: &Registration) -> String {
    format!(
        "/registrations/{}/offer?t={}",
        reg.id,
        offer_token(app, scoped, reg)
    )
}

fn verify_offer_token(app: &App, scoped: &Scoped, id: RegistrationId, token: &str) -> bool {
    let [s, r] = sign_fields(scoped, id);
    app.signer
        .verify("offer", &[&s, &r], token, app.now())
        .is_ok()
}

/// A PNG of a QR code for `text`.
pub fn qr_png(text: &str) -> AppResult<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(240, 240)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(out.into_inner())
}

/// The QR code as a `data:` URL, for the registration page.
pub fn qr_data_url(text: &str) -> AppResult<String> {
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(qr_png(text)?)
    ))
}

// ---------------------------------------------------------------------------------------------
// Mail.

fn when_words(e: &Event) -> String {
    event_rules::when_words(Timestamp(e.starts_at), Timestamp(e.ends_at), &e.time_zone)
}

fn join_line(app: &App, scoped: &Scoped, member: bool) -> String {
    if member {
        String::new()
    } else {
        format!(
            "\n\nNot a member of {}? Members pay less for meetings like this one. Join at {}/join\n",
            scoped.society().short_name,
            app.links.base_url(scoped.society())
        )
    }
}

/// The confirmation, with the calendar invitation and the check-in QR code attached. `member`:
/// the registrant is a member (non-members are offered membership). Reads nothing outside `tx`.
async fn send_confirmation(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    e: &Event,
    reg: &Registration,
    member: bool,
    now: Timestamp,
) -> AppResult<()> {
    let society = scoped.society();
    let base = app.links.base_url(society);
    let checkin = checkin_link(app, scoped, reg);
    let invite = crate::calendar::invitation(app, scoped, e, reg, now);
    let qr = qr_png(&checkin)?;
    let guests = if reg.seats > 1 {
        format!(
            " (you and {} guest{})",
            reg.seats - 1,
            if reg.seats == 2 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let online = if e.online_url.is_empty() {
        String::new()
    } else {
        format!("\nJoin online: {}\n", e.online_url)
    };
    let place = crate::events::place_words(&e.location_name, &e.online_url);
    let text = format!(
        "Dear {},\n\nYou are registered for {}{guests}.\n\nWhen: {}\nWhere: {place}\nRegistration: {}\n{online}\nAt the door, show the QR code attached to this email (or open {checkin}).\nThe attached invite.ics adds the event to your calendar.\n\nYour registration: {base}{}{}",
        reg.name(),
        e.title,
        when_words(e),
        reg.type_name,
        registration_path(app, scoped, reg),
        join_line(app, scoped, member),
    );
    enqueue_email_with(
        tx,
        &EmailJob {
            to: reg.email.clone(),
            subject: format!("You're registered: {}", e.title),
            text,
        },
        &[
            invite,
            JobAttachment::new("checkin-qr.png", "image/png", &qr),
        ],
        now,
    )
    .await
}

async fn send_waitlisted(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    e: &Event,
    reg: &Registration,
    now: Timestamp,
) -> AppResult<()> {
    let base = app.links.base_url(scoped.society());
    enqueue_email(
        tx,
        &EmailJob {
            to: reg.email.clone(),
            subject: format!("You're on the waitlist: {}", e.title),
            text: format!(
                "Dear {},\n\n{} is full, so you are on the waitlist ({}). If a seat comes free we will email you an offer; it stays open for {} hours, so please watch for it.\n\nYour registration: {base}{}\n",
                reg.name(),
                e.title,
                reg.type_name,
                e.offer_hours,
                registration_path(app, scoped, reg),
            ),
        },
        now,
    )
    .await
}

/// A visitor tried to register again: the registration's link goes to its own address.
async fn resend_details(app: &App, scoped: &Scoped, reg: &Registration) -> AppResult<()> {
    let base = app.links.base_url(scoped.society());
    let now = app.now();
    let mut tx = scoped.begin().await?;
    enqueue_email(
        &mut tx,
        &EmailJob {
            to: reg.email.clone(),
            subject: format!("Your registration: {}", reg.event_title),
            text: format!(
                "Hello,\n\nSomeone (probably you) tried to register this address for {} again. You are already registered ({}: {}).\n\nYour registration: {base}{}\n",
                reg.event_title,
                reg.type_name,
                RegStatus::label_of(&reg.status),
                registration_path(app, scoped, reg),
            ),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Payment.

/// What a paid invoice did to its registration (called by billing inside the transaction that
/// records the payment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaidOutcome {
    /// No registration is waiting on this invoice.
    NotARegistration,
    Confirmed(RegistrationId),
    /// Already confirmed (a replay).
    AlreadyConfirmed(RegistrationId),
    /// The hold lapsed and no seat is free: the payment must be refunded.
    NoSeat(RegistrationId),
}

/// The invoice of a registration was paid in full: a held registration is confirmed (its
/// seats are already taken); one whose hold lapsed takes seats again if the counters allow,
/// and otherwise is left expired with a note, for [`settle_late_payment`] to refund.
pub async fn invoice_paid_in(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    invoice: InvoiceId,
    now: Timestamp,
) -> AppResult<PaidOutcome> {
    let Some(reg) = tx.registration_of_invoice(invoice).await? else {
        return Ok(PaidOutcome::NotARegistration);
    };
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    let confirmed = match status {
        RegStatus::Confirmed => return Ok(PaidOutcome::AlreadyConfirmed(reg.id)),
        RegStatus::Held | RegStatus::Offered => {
            tx.move_registration(reg.id, status.as_str(), "confirmed", None, None, now)
                .await?
        }
        RegStatus::Expired | RegStatus::Waitlisted | RegStatus::Cancelled => {
            let takes = status != RegStatus::Cancelled
                && tx
                    .take_seats(reg.event_id, reg.registration_type_id, reg.seats)
                    .await?;
            if takes {
                tx.move_registration(reg.id, status.as_str(), "confirmed", None, None, now)
                    .await?
            } else {
                if status == RegStatus::Waitlisted {
                    // Paid but still waiting: keep its place, refund (it can pay again when
                    // offered a seat).
                    tx.move_registration(reg.id, "waitlisted", "expired", None, None, now)
                        .await?;
                }
                tx.set_registration_note(
                    reg.id,
                    "Payment arrived after the hold expired and no seat was free; refunded.",
                    now,
                )
                .await?;
                let e = tx.event_in(reg.event_id).await?.ok_or(AppError::NotFound)?;
                enqueue_email(
                    tx,
                    &EmailJob {
                        to: reg.email.clone(),
                        subject: format!("Your payment for {} is being refunded", e.title),
                        text: format!(
                            "Dear {},\n\nYour payment for {} arrived after the time we could hold your seat, and the event has filled since. We are sorry: we are refunding the payment in full, and you are not registered.\n\nIf you would still like to come, register again from {}/events/{} to join the waitlist.\n",
                            reg.name(),
                            e.title,
                            app.links.base_url(scoped.society()),
                            e.slug,
                        ),
                    },
                    now,
                )
                .await?;
                return Ok(PaidOutcome::NoSeat(reg.id));
            }
        }
    };
    if !confirmed {
        return Ok(PaidOutcome::NotARegistration);
    }
    let e = tx.event_in(reg.event_id).await?.ok_or(AppError::NotFound)?;
    let reg = tx
        .registration_in(reg.id)
        .await?
        .ok_or(AppError::NotFound)?;
    send_confirmation(app, scoped, tx, &e, &reg, reg.member_price, now).await?;
    tx.audit(
        NewAudit {
            actor: None,
            action: "registration.paid",
            subject: &e.slug,
            detail: &format!("{} <{}>: confirmed", reg.name(), reg.email),
            ip: "",
        },
        now,
    )
    .await?;
    Ok(PaidOutcome::Confirmed(reg.id))
}

/// After a verified payment is recorded: if it paid for a registration that could not get a
/// seat, refund it in full (once: the refund's reference is keyed on the payment).
pub async fn settle_late_payment(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    payment: PaymentId,
) -> AppResult<bool> {
    let mut tx = scoped.begin().await?;
    let reg = tx.registration_of_invoice(invoice).await?;
    drop(tx);
    let Some(reg) = reg else {
        return Ok(false);
    };
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    if status.takes_seats() {
        return Ok(false);
    }
    let Some(detail) = scoped.invoice_detail(invoice).await? else {
        return Ok(false);
    };
    let Some(paid) = detail.payments.iter().find(|p| p.id == payment) else {
        return Ok(false);
    };
    let refundable = paid.refundable();
    if refundable.0 <= 0 {
        return Ok(false);
    }
    // Through the card processor as well as the ledger: the money goes back, not only the record.
    crate::payments::refund_to_payer(
        app,
        scoped,
        &Actor::default(),
        payment,
        refundable,
        format!(
            "Paid after the seat hold for registration at {} expired and no seat was free.",
            reg.event_title
        ),
        &format!("registration-refund:{payment}"),
    )
    .await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Holds, offers and the waitlist.

/// The hold-expiry job: a registration still held past its expiry gives its seats back, and
/// freed seats are offered to the waitlist.
pub async fn expire_hold(app: &App, scoped: &Scoped, id: RegistrationId) -> AppResult<bool> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let Some(reg) = tx.registration_in(id).await? else {
        return Ok(false);
    };
    let due = reg.hold_expires_at.is_some_and(|t| Timestamp(t) <= now);
    if reg.status != "held" || !due {
        return Ok(false);
    }
    if !tx
        .move_registration(id, "held", "expired", None, None, now)
        .await?
    {
        return Ok(false);
    }
    tx.release_seats(reg.event_id, reg.registration_type_id, reg.seats)
        .await?;
    tx.set_registration_note(id, "The seat hold expired before payment arrived.", now)
        .await?;
    void_lapsed_invoice_in(
        &mut tx,
        &reg,
        "The seat hold expired before payment arrived.",
        "the hold-expiry job",
        now,
    )
    .await?;
    let e = tx.event_in(reg.event_id).await?.ok_or(AppError::NotFound)?;
    enqueue_email(
        &mut tx,
        &EmailJob {
            to: reg.email.clone(),
            subject: format!("Your seat hold for {} has ended", e.title),
            text: format!(
                "Dear {},\n\nWe held a seat at {} for you for {} minutes, but payment did not arrive in time, so the seat has been released. Nothing was charged.\n\nTo register again: {}/events/{}\n",
                reg.name(),
                e.title,
                e.hold_minutes,
                app.links.base_url(scoped.society()),
                e.slug
            ),
        },
        now,
    )
    .await?;
    offer_freed_seats_in(app, scoped, &mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// A lapsed hold or offer gave its seats back, so nothing is owed for them: the registration's
/// unpaid invoice, if it has one, is voided in the caller's transaction (the one that frees the
/// seats). A payment that still arrives goes through [`invoice_paid_in`] (a free seat lifts the
/// void). Part paid by staff meanwhile, it is not voided: the office settles it.
async fn void_lapsed_invoice_in(
    tx: &mut ScopedTx,
    reg: &Registration,
    reason: &str,
    by: &str,
    now: Timestamp,
) -> AppResult<()> {
    let Some(invoice) = reg.invoice() else {
        return Ok(());
    };
    match billing::void_invoice_in(tx, &Actor::default(), invoice, reason, by, now).await {
        Ok(_) | Err(AppError::Invalid(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The offer-expiry job: an offer not accepted in time lapses, its seats go back, and the next
/// person is offered them.
pub async fn expire_offer(app: &App, scoped: &Scoped, id: RegistrationId) -> AppResult<bool> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let Some(reg) = tx.registration_in(id).await? else {
        return Ok(false);
    };
    let due = reg.offer_expires_at.is_some_and(|t| Timestamp(t) <= now);
    if reg.status != "offered" || !due {
        return Ok(false);
    }
    if !tx
        .move_registration(
            id,
            "offered",
            "expired",
            None,
            reg.offer_expires_at.map(Timestamp),
            now,
        )
        .await?
    {
        return Ok(false);
    }
    tx.release_seats(reg.event_id, reg.registration_type_id, reg.seats)
        .await?;
    tx.set_registration_note(id, "The waitlist offer was not accepted in time.", now)
        .await?;
    void_lapsed_invoice_in(
        &mut tx,
        &reg,
        "The waitlist offer was not accepted in time.",
        "the offer-expiry job",
        now,
    )
    .await?;
    let e = tx.event_in(reg.event_id).await?.ok_or(AppError::NotFound)?;
    offer_freed_seats_in(app, scoped, &mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Offer whatever seats are free to the waitlist, oldest first: each registration that fits
/// takes its seats (so nobody else can), moves to `offered` until `now + offer_hours`, is
/// emailed a signed link, and gets an expiry job. Returns how many were offered.
pub async fn offer_freed_seats_in(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    e: &Event,
    now: Timestamp,
) -> AppResult<usize> {
    if status_of(e) != EventStatus::Published || now >= closes_at(e) {
        return Ok(0);
    }
    let waiting = tx.waitlisted_in(e.id, OFFER_SCAN).await?;
    let mut offered = 0;
    let expires = now.plus_seconds(e.offer_hours.max(1) * 3600);
    for reg in waiting {
        if !tx
            .take_seats(e.id, reg.registration_type_id, reg.seats)
            .await?
        {
            continue;
        }
        tx.move_registration(reg.id, "waitlisted", "offered", None, Some(expires), now)
            .await?;
        let link = format!(
            "{}{}",
            app.links.base_url(scoped.society()),
            offer_path(app, scoped, &reg)
        );
        let pay = if reg.price_cents > 0 {
            format!(
                " Accepting holds the seat for {} minutes while you pay {}.",
                e.hold_minutes,
                Cents(reg.price_cents)
            )
        } else {
            String::new()
        };
        enqueue_email(
            tx,
            &EmailJob {
                to: reg.email.clone(),
                subject: format!("A seat is free for you: {}", e.title),
                text: format!(
                    "Dear {},\n\nA seat has come free at {} ({}), and it is yours if you want it. The offer is open until {}.{pay}\n\nAccept it here: {link}\n\nIf you no longer need it, do nothing: the seat goes to the next person when the offer ends.\n",
                    reg.name(),
                    e.title,
                    reg.type_name,
                    expires.display_in(&e.time_zone),
                ),
            },
            now,
        )
        .await?;
        tx.enqueue(
            &NewJob {
                kind: OFFER_EXPIRY,
                payload: serde_json::json!({ "registration": reg.id }).to_string(),
                run_at: expires,
                dedup_key: Some(format!("{OFFER_EXPIRY}:{}:{}", reg.id, expires.0)),
                max_attempts: 10,
            },
            now,
        )
        .await?;
        offered += 1;
    }
    Ok(offered)
}

/// What a waitlist offer link shows.
#[derive(Clone, Debug)]
pub struct OfferView {
    pub registration: Registration,
    pub state: OfferState,
    pub expires_at: Option<Timestamp>,
    /// The registration's own page.
    pub page: String,
}

/// Read an offer through its signed link; a wrong token is `NotFound`.
pub async fn offer_view(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    token: &str,
) -> AppResult<OfferView> {
    if !verify_offer_token(app, scoped, id, token) {
        return Err(AppError::NotFound);
    }
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    let expires_at = reg.offer_expires_at.map(Timestamp);
    Ok(OfferView {
        state: rules::offer_state(status, expires_at, app.now()),
        expires_at,
        page: registration_path(app, scoped, &reg),
        registration: reg,
    })
}

/// Accept an offer: a free seat is confirmed at once; a paid one is held for payment (with a
/// checkout URL when payment is set up). A lapsed or used offer answers its [`OfferState`].
pub async fn accept_offer(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    token: &str,
    actor: &Actor,
) -> AppResult<Result<Option<String>, OfferState>> {
    let view = offer_view(app, scoped, id, token).await?;
    if view.state != OfferState::Open {
        return Ok(Err(view.state));
    }
    let now = app.now();
    let reg = view.registration;
    let e = scoped
        .event(reg.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let next = rules::accepted_status(Cents(reg.price_cents));
    let member = standing_of_person(scoped, reg.person_id).await?.is_member;
    let mut tx = scoped.begin().await?;
    let hold = (next == RegStatus::Held).then(|| now.plus_seconds(e.hold_minutes.max(1) * 60));
    if !tx
        .move_registration(id, "offered", next.as_str(), hold, None, now)
        .await?
    {
        return Ok(Err(OfferState::Used));
    }
    let reg = tx.registration_in(id).await?.ok_or(AppError::NotFound)?;
    match next {
        RegStatus::Held => hold_for_payment(app, scoped, &mut tx, &e, &reg, actor, now).await?,
        _ => send_confirmation(app, scoped, &mut tx, &e, &reg, member, now).await?,
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.offer_accepted",
            subject: &e.slug,
            detail: &format!("{} <{}>: {}", reg.name(), reg.email, next.label()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if next == RegStatus::Held {
        Ok(Ok(start_payment(app, scoped, id).await.ok().flatten()))
    } else {
        Ok(Ok(None))
    }
}

/// The job payload of the hold and offer expiry jobs.
#[derive(serde::Deserialize)]
pub struct ExpiryPayload {
    pub registration: RegistrationId,
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Who may open a registration's page: its owner signed in, staff, or a good token.
pub async fn page_access(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    user: Option<&CurrentUser>,
    token: Option<&str>,
) -> AppResult<Registration> {
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    let owner = user.is_some_and(|u| crate::people::person_of(u) == reg.person_id);
    let staff = user.is_some_and(|u| u.role().satisfies(chapterhouse_core::Role::Staff));
    let signed = token.is_some_and(|t| verify_registration_token(app, scoped, id, t));
    if owner || staff || signed {
        Ok(reg)
    } else {
        Err(AppError::NotFound)
    }
}

/// The registrant list as CSV (spreadsheet-safe cells).
pub async fn registrants_csv(scoped: &Scoped, event: EventId) -> AppResult<String> {
    use chapterhouse_core::spreadsheet::text_cell;
    scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let regs = scoped
        .event_registrations(event, &Default::default())
        .await?;
    let types = scoped.registration_types(event).await?;
    let mut guests: HashMap<RegistrationId, Vec<String>> = HashMap::new();
    for (id, g) in scoped.event_guests(event).await? {
        guests.entry(id).or_default().push(if g.email.is_empty() {
            g.name
        } else {
            format!("{} <{}>", g.name, g.email)
        });
    }
    let mut rows = Vec::with_capacity(regs.len());
    for r in regs {
        let guests = guests.remove(&r.id).unwrap_or_default();
        let text = |t: &str| text_cell(t).into_owned();
        rows.push([
            text(&r.last_name),
            text(&r.first_name),
            text(&r.email),
            text(r.type_name(&types)),
            RegStatus::label_of(&r.status).to_string(),
            r.seats.to_string(),
            format!("{}.{:02}", r.price_cents / 100, r.price_cents % 100),
            if r.member_price { "yes" } else { "no" }.to_string(),
            Timestamp(r.created_at)
                .to_jiff()
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            text(&guests.join("; ")),
        ]);
    }
    Ok(csv_text(REGISTRANTS_HEADER, rows, true))
}

const REGISTRANTS_HEADER: [&str; 10] = [
    "Last name",
    "First name",
    "Email",
    "Type",
    "Status",
    "Seats",
    "Price",
    "Member price",
    "Registered (UTC)",
    "Guests",
];
