//! Demo registrations, made through the registration use-cases as people would make them: on
//! the annual meeting, the portal demo member (signed in, at the member price) and a handful of
//! visitors, each paid (the member by card, the others by check) and so confirmed; and the
//! eight-seat breakfast filled, with three people on its waitlist.

use chapterhouse_core::EventId;
use chapterhouse_core::money::Cents;
use chapterhouse_store::Society;

use crate::accounts;
use crate::billing::{self, NewPayment, PaymentMethodKind};
use crate::registrations::{self as reg, RegisterForm, Registered, Who};
use crate::{Actor, App, AppResult};

/// Visitors to the annual meeting: (first, last, type).
const ANNUAL: &[(&str, &str, &str)] = &[
    ("Miriam", "Okafor", "Physician"),
    ("Daniel", "Lindqvist", "Physician"),
    ("Rosa", "Delgado", "NP, PA, pharmacist or nurse"),
    ("Thomas", "Nguyen", "NP, PA, pharmacist or nurse"),
    ("Helen", "Brightwater", "Physician"),
    ("Samuel", "Adeyemi", "NP, PA, pharmacist or nurse"),
];

/// The breakfast's eight guests, then three who find it full.
const BREAKFAST: &[(&str, &str)] = &[
    ("Aisha", "Rahman"),
    ("Brian", "Kowalski"),
    ("Carmen", "Ortiz"),
    ("Derek", "Fontaine"),
    ("Elena", "Petrova"),
    ("Farid", "Haddad"),
    ("Grace", "Whitfield"),
    ("Hiroshi", "Tanaka"),
    ("Jamal", "Carter"),
    ("Nathan", "Brooks"),
    ("Olivia", "Sandoval"),
];

/// The id of the type with this name on an event.
async fn type_named(app: &App, society: &Society, event: EventId, name: &str) -> AppResult<String> {
    let types = app.scoped(society).registration_types(event).await?;
    Ok(types
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.id.to_string())
        .unwrap_or_default())
}

/// Pay a new registration's invoice in full, as the office records a check (or, for the demo
/// member, as the card payment would): the payment confirms it.
async fn pay(
    app: &App,
    society: &Society,
    outcome: &Registered,
    method: PaymentMethodKind,
    reference: String,
) -> AppResult<()> {
    let Registered::New { id, .. } = outcome else {
        return Ok(());
    };
    let scoped = app.scoped(society);
    let Some(r) = scoped.registration(*id).await? else {
        return Ok(());
    };
    let Some(invoice) = r.invoice() else {
        return Ok(());
    };
    billing::record_payment(
        app,
        &scoped,
        &Actor::anonymous("demo"),
        NewPayment {
            invoice,
            amount: Cents(r.price_cents),
            method,
            reference,
            provider_ref: None,
            received_on: crate::membership::today(app, &scoped),
        },
    )
    .await?;
    Ok(())
}

async fn visitor(
    app: &App,
    society: &Society,
    event: EventId,
    ty: &str,
    (first, last): (&str, &str),
    answers: Vec<(String, String)>,
    n: usize,
) -> AppResult<Registered> {
    let domain = society
        .email
        .split_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.org");
    reg::register(
        app,
        &app.scoped(society),
        event,
        &RegisterForm {
            registration_type: ty.to_string(),
            first_name: first.into(),
            last_name: last.into(),
            email: format!(
                "{}.{}@clinic.{domain}",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            answers,
            ..Default::default()
        },
        Who::Visitor,
        // One address per registrant, as separate browsers would be.
        &Actor::anonymous(format!("demo-{event}-{n}")),
    )
    .await
}

pub(super) async fn seed(
    app: &App,
    society: &Society,
    annual: EventId,
    breakfast: EventId,
) -> AppResult<()> {
    let scoped = app.scoped(society);
    let annual_questions = scoped.registration_questions(annual).await?;
    let dietary = annual_questions
        .iter()
        .find(|q| q.label == "Dietary needs")
        .map(|q| (format!("q_{}", q.id), "No restrictions".to_string()));

    // The demo member, signed in, at the member price, paid by card.
    if let Some(email) = super::people::member_email(society) {
        let signed = accounts::sign_in_with_password(
            app,
            &scoped,
            &email,
            super::DEMO_PASSWORD,
            &Actor::anonymous("demo"),
        )
        .await;
        if let Ok(signed) = signed
            && let Some(user) = accounts::current_user(app, &scoped, &signed.session_token).await?
        {
            let physician = type_named(app, society, annual, "Physician").await?;
            let outcome = reg::register(
                app,
                &scoped,
                annual,
                &RegisterForm {
                    registration_type: physician,
                    answers: dietary.iter().cloned().collect(),
                    ..Default::default()
                },
                Who::SignedIn(&user),
                &Actor::anonymous("demo"),
            )
            .await?;
            pay(
                app,
                society,
                &outcome,
                PaymentMethodKind::Card,
                "Card ending 4242".into(),
            )
            .await?;
            accounts::sign_out(app, &scoped, &user, &Actor::anonymous("demo")).await?;
        }
    }

    // Visitors at the list price, paid by check.
    for (n, (first, last, ty)) in ANNUAL.iter().enumerate() {
        let ty = type_named(app, society, annual, ty).await?;
        let answers: Vec<_> = dietary.iter().cloned().collect();
        let outcome = visitor(app, society, annual, &ty, (first, last), answers, n).await?;
        pay(
            app,
            society,
            &outcome,
            PaymentMethodKind::Check,
            format!("Check {}", 2101 + n),
        )
        .await?;
    }

    // The breakfast (free): eight seats taken, then three on the waitlist.
    let attendee = type_named(app, society, breakfast, "Attendee").await?;
    for (n, name) in BREAKFAST.iter().enumerate() {
        visitor(app, society, breakfast, &attendee, *name, Vec::new(), n).await?;
    }
    Ok(())
}
