//! Practices that pay for their clinicians: creating and editing a practice (contacts, billing
//! contact, PO number), recording its paid terms, the people linked to it and its seats, and
//! what it owes, and its renewal invoice. The amounts are computed by `chapterhouse_core::practice`;
//! [`issue_renewal_invoice`] turns the [`PracticeCharge`]s into the practice's dues invoice.

use chapterhouse_core::joining::practice_renewal_key;
use chapterhouse_core::level_rules::{self, Profession, RateTable};
use chapterhouse_core::membership::{self, Status, StatusInput, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::practice::{self as rules, PracticeCharge, Seat};
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{InvoiceId, LevelId, MembershipId, PersonId, PracticeId, npi};
use chapterhouse_store::{
    Level, NewAudit, Practice, PracticeFields, Scoped, ScopedTx, SeatRow, StoreError,
};
use jiff::civil::Date;

use crate::billing;
use crate::mail::{EmailJob, enqueue_email};
use crate::membership::{level_anchor, level_period, membership_status, today};
use crate::{Actor, App, AppError, AppResult};

/// The practice form as staff fill it in.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct PracticeForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub npi: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub postal_code: String,
    /// A practice level's id, or empty.
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub key_contact_name: String,
    #[serde(default)]
    pub key_contact_email: String,
    /// Empty: the key contact also handles billing.
    #[serde(default)]
    pub billing_contact_name: String,
    #[serde(default)]
    pub billing_contact_email: String,
    /// An accounts-payable mailbox; the practice's dues reminders go here when set.
    #[serde(default)]
    pub billing_email: String,
    #[serde(default)]
    pub po_number: String,
}

/// A contact as typed: name and normalised email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

/// A validated practice form; contacts are found or created by email when saving.
#[derive(Clone, Debug)]
pub struct ValidPractice {
    pub fields: PracticeFields,
    pub key_contact: Option<Contact>,
    pub billing_contact: Option<Contact>,
}

fn contact(
    errors: &mut FieldErrors,
    name: &str,
    email: &str,
    prefix: &str,
    who: &str,
) -> Option<Contact> {
    let name = name.trim();
    let email = normalize_email(email);
    if name.is_empty() && email.is_empty() {
        return None;
    }
    errors.check(
        name.is_empty(),
        &format!("{prefix}_name"),
        &format!("Enter the {who}'s name, or clear the email too."),
    );
    errors.check(
        !looks_like_email(&email),
        &format!("{prefix}_email"),
        &format!("Enter the {who}'s email address, like name@example.org."),
    );
    errors.check(
        name.chars().count() > 200,
        &format!("{prefix}_name"),
        "Keep the name under 200 characters.",
    );
    Some(Contact {
        name: name.to_string(),
        email,
    })
}

impl PracticeForm {
    /// Check the form; `levels` are the society's levels (only practice levels may be chosen).
    pub fn validate(&self, levels: &[Level]) -> Result<ValidPractice, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        errors.check(name.is_empty(), "name", "Enter the practice's name.");
        errors.check(
            name.chars().count() > 200,
            "name",
            "Keep the name under 200 characters.",
        );
        let npi = match self.npi.trim() {
            "" => None,
            text => {
                let normalized = npi::normalize(text);
                errors.check(
                    normalized.is_none(),
                    "npi",
                    "Enter the practice's 10-digit organisational NPI; this one's check digit does not match (look for a mistyped digit), or leave it empty.",
                );
                normalized
            }
        };
        let state = match self.state.trim() {
            "" => String::new(),
            text => rules::normalize_state(text).unwrap_or_else(|| {
                errors.add("state", "Enter the state as two letters, like TX.");
                String::new()
            }),
        };
        errors.check(
            !self.postal_code.trim().is_empty() && !rules::is_valid_zip(&self.postal_code),
            "postal_code",
            "Enter a ZIP code of 5 digits, or 5+4 like 78701-1234.",
        );
        let level = match self.level.trim() {
            "" => None,
            text => {
                let found = text.parse::<LevelId>().ok().and_then(|id| {
                    levels
                        .iter()
                        .find(|l| l.id == id && l.for_practices && !l.archived)
                });
                errors.check(
                    found.is_none(),
                    "level",
                    "Choose a practice level from the list.",
                );
                found.map(|l| l.id)
            }
        };
        let key_contact = contact(
            &mut errors,
            &self.key_contact_name,
            &self.key_contact_email,
            "key_contact",
            "key contact",
        );
        let billing_contact = contact(
            &mut errors,
            &self.billing_contact_name,
            &self.billing_contact_email,
            "billing_contact",
            "billing contact",
        );
        let billing_email = normalize_email(&self.billing_email);
        errors.check(
            !billing_email.is_empty() && !looks_like_email(&billing_email),
            "billing_email",
            "Enter an email address like ap@practice.example, or leave it empty.",
        );
        for (field, value, max) in [
            ("phone", &self.phone, 40),
            ("line1", &self.line1, 200),
            ("line2", &self.line2, 200),
            ("city", &self.city, 100),
            ("po_number", &self.po_number, 60),
        ] {
            errors.check(
                value.trim().chars().count() > max,
                field,
                "That is too long.",
            );
        }
        errors.into_result()?;
        Ok(ValidPractice {
            fields: PracticeFields {
                name: name.to_string(),
                npi,
                phone: self.phone.trim().to_string(),
                line1: self.line1.trim().to_string(),
                line2: self.line2.trim().to_string(),
                city: self.city.trim().to_string(),
                state,
                postal_code: self.postal_code.trim().to_string(),
                level,
                key_contact: None,
                billing_contact: None,
                billing_email,
                po_number: self.po_number.trim().to_string(),
            },
            key_contact,
            billing_contact,
        })
    }

    /// The form showing a practice as stored.
    pub async fn from_practice(scoped: &Scoped, practice: &Practice) -> AppResult<PracticeForm> {
        let brief = |id: Option<PersonId>| async move {
            match id {
                Some(id) => scoped.person_brief(id).await,
                None => Ok(None),
            }
        };
        let key = brief(practice.key_contact()).await?.unwrap_or_default();
        let billing = brief(practice.billing_contact()).await?.unwrap_or_default();
        Ok(PracticeForm {
            name: practice.name.clone(),
            npi: practice.npi.clone().unwrap_or_default(),
            phone: practice.phone.clone(),
            line1: practice.line1.clone(),
            line2: practice.line2.clone(),
            city: practice.city.clone(),
            state: practice.state.clone(),
            postal_code: practice.postal_code.clone(),
            level: practice.level().map(|l| l.to_string()).unwrap_or_default(),
            key_contact_name: key.0,
            key_contact_email: key.1,
            billing_contact_name: billing.0,
            billing_contact_email: billing.1,
            billing_email: practice.billing_email.clone(),
            po_number: practice.po_number.clone(),
        })
    }
}

/// The person with this email, or a new one.
async fn find_or_create_person(
    tx: &mut ScopedTx,
    scoped: &Scoped,
    name: &str,
    email: &str,
    now: chapterhouse_core::Timestamp,
) -> AppResult<PersonId> {
    if let Some(id) = scoped.person_by_email(email).await? {
        return Ok(id);
    }
    Ok(tx.insert_person(email, name, now).await?)
}

/// Find or create the contacts and set them on the fields; link both to the practice (the key
/// contact as a manager).
async fn save_contacts(
    tx: &mut ScopedTx,
    scoped: &Scoped,
    valid: &mut ValidPractice,
    now: chapterhouse_core::Timestamp,
) -> AppResult<()> {
    if let Some(c) = &valid.key_contact {
        valid.fields.key_contact =
            Some(find_or_create_person(tx, scoped, &c.name, &c.email, now).await?);
    }
    if let Some(c) = &valid.billing_contact {
        valid.fields.billing_contact =
            Some(find_or_create_person(tx, scoped, &c.name, &c.email, now).await?);
    }
    Ok(())
}

pub(crate) async fn link_contacts(
    tx: &mut ScopedTx,
    practice: PracticeId,
    fields: &PracticeFields,
    now: chapterhouse_core::Timestamp,
) -> AppResult<()> {
    if let Some(key) = fields.key_contact {
        tx.link_practice_person(practice, key, true, now).await?;
    }
    if let Some(billing) = fields.billing_contact {
        tx.link_practice_person(practice, billing, false, now)
            .await?;
    }
    Ok(())
}

fn name_taken() -> AppError {
    AppError::field("name", "Another practice already has that name.")
}

pub async fn create_practice(
    app: &App,
    scoped: &Scoped,
    form: &PracticeForm,
    actor: &Actor,
) -> AppResult<PracticeId> {
    let mut valid = form.validate(&scoped.levels().await?)?;
    let now = app.now();
    let today = today(app, scoped);
    let mut tx = scoped.begin().await?;
    save_contacts(&mut tx, scoped, &mut valid, now).await?;
    let id = match tx.insert_practice(&valid.fields, today, now).await {
        Err(StoreError::Conflict(_)) => return Err(name_taken()),
        other => other?,
    };
    link_contacts(&mut tx, id, &valid.fields, now).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "practice.created",
            subject: &valid.fields.name,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_practice(
    app: &App,
    scoped: &Scoped,
    id: PracticeId,
    form: &PracticeForm,
    actor: &Actor,
) -> AppResult<()> {
    scoped.practice(id).await?.ok_or(AppError::NotFound)?;
    let mut valid = form.validate(&scoped.levels().await?)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    save_contacts(&mut tx, scoped, &mut valid, now).await?;
    match tx.update_practice(id, &valid.fields).await {
        Err(StoreError::Conflict(_)) => return Err(name_taken()),
        Ok(false) => return Err(AppError::NotFound),
        other => {
            other?;
        }
    }
    link_contacts(&mut tx, id, &valid.fields, now).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "practice.updated",
            subject: &valid.fields.name,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn practice_level(scoped: &Scoped, practice: &Practice) -> AppResult<Option<Level>> {
    match practice.level() {
        Some(id) => Ok(scoped.level(id).await?),
        None => Ok(None),
    }
}

/// Store a practice's new status and move its seats with it, in the caller's transaction.
async fn write_practice_status(
    tx: &mut ScopedTx,
    scoped: &Scoped,
    practice: PracticeId,
    status: Status,
    today: Date,
) -> AppResult<()> {
    tx.set_practice_status(practice, status, today).await?;
    for seat in scoped.practice_seats(practice).await? {
        if let Some(mut state) = scoped.membership_state(seat.membership_id).await? {
            state.practice_status = Some(status);
            tx.set_membership_status(seat.membership_id, membership_status(&state, today), today)
                .await?;
        }
    }
    Ok(())
}

/// Record a paid practice term: the next term continues from the latest (early or in grace), or
/// starts afresh after a lapse. `seen_paid_through` works as for a member's renewal: a form
/// submitted twice adds one term.
pub async fn record_term(
    app: &App,
    scoped: &Scoped,
    id: PracticeId,
    seen_paid_through: &str,
    actor: &Actor,
) -> AppResult<Term> {
    let practice = scoped.practice(id).await?.ok_or(AppError::NotFound)?;
    let Some(level) = practice_level(scoped, &practice).await? else {
        return Err(AppError::field(
            "level",
            "Choose the practice's level before recording a paid term.",
        ));
    };
    let today = today(app, scoped);
    let terms = scoped.practice_terms(id).await?;
    let latest = rules::latest_term(&terms);
    let paid_through = latest
        .and_then(|t| t.end)
        .map(|d| d.to_string())
        .unwrap_or_default();
    if let Some(latest) = latest
        && paid_through != seen_paid_through.trim()
    {
        return Ok(latest);
    }
    let grace = u16::try_from(level.grace_days).unwrap_or(u16::MAX);
    let term = rules::renewal_term(
        &terms,
        today,
        grace,
        level_period(&level),
        level_anchor(&level),
    )
    .ok_or_else(|| AppError::field("renew", "This practice's level never needs renewing."))?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !add_paid_term_in(&mut tx, scoped, id, term, today, now).await? {
        return Ok(term);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "practice.term_recorded",
            subject: &practice.name,
            detail: &format!(
                "{} to {}",
                term.start,
                term.end.map(|d| d.to_string()).unwrap_or_default()
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(term)
}

/// Add a paid term to the practice in the caller's transaction (staff recording it, or its dues
/// invoice paid in full), then store the practice's recomputed status and move every seat's
/// status with it. A term with that start already there adds nothing: returns whether it was
/// new.
pub(crate) async fn add_paid_term_in(
    tx: &mut ScopedTx,
    scoped: &Scoped,
    practice: PracticeId,
    term: Term,
    today: Date,
    now: chapterhouse_core::Timestamp,
) -> AppResult<bool> {
    if !tx.insert_practice_term_once(practice, &term, now).await? {
        return Ok(false);
    }
    // Read through the transaction: it sees the term just added.
    if let Some(state) = tx.practice_state(practice).await? {
        let status = rules::practice_status(today, &state.terms, state.grace_days);
        write_practice_status(tx, scoped, practice, status, today).await?;
    }
    Ok(true)
}

/// What renewing a practice costs now: the term it buys, each seat at its profession's rate for
/// that term, and the colleagues added during the current term and not yet invoiced, prorated.
#[derive(Clone, Debug)]
pub struct PracticeQuote {
    pub term: Term,
    pub annual: Vec<PracticeCharge>,
    pub pending: Vec<PracticeCharge>,
    /// The current term's end: the prorated lines run through it.
    pub current_end: Option<Date>,
    pub level: Level,
}

impl PracticeQuote {
    pub fn total(&self) -> Cents {
        Cents(rules::total(&self.annual).0 + rules::total(&self.pending).0)
    }
}

/// The practice's renewal quote, or why it cannot be renewed now, in plain words.
pub async fn renewal_quote(
    app: &App,
    scoped: &Scoped,
    practice: &Practice,
) -> AppResult<Result<PracticeQuote, String>> {
    let status = practice.status();
    if matches!(status, Status::Suspended | Status::Cancelled) {
        return Ok(Err(format!(
            "{}'s membership is {} and can't be renewed online. Please contact the society's office.",
            practice.name,
            status.as_str()
        )));
    }
    let Some(level) = practice_level(scoped, practice).await? else {
        return Ok(Err(format!(
            "{} has no membership level yet, so there is nothing to renew. Please contact the society's office.",
            practice.name
        )));
    };
    let today = today(app, scoped);
    let period = level_period(&level);
    let terms = scoped.practice_terms(practice.id).await?;
    let grace = u16::try_from(level.grace_days).unwrap_or(u16::MAX);
    let Some(term) = rules::renewal_term(&terms, today, grace, period, level_anchor(&level)) else {
        return Ok(Err(format!(
            "The {} level never needs renewing.",
            level.name
        )));
    };
    let seats = seats(scoped, practice.id).await?;
    let rates = rate_table(scoped, &level).await?;
    let annual = rules::annual_charges(&seats, &rates);
    // Colleagues added during the term being continued; after a lapse the new term starts
    // afresh and covers everyone in full.
    let current = rules::latest_term(&terms)
        .filter(|_| rules::practice_status(today, &terms, grace).has_privileges());
    let pending = current
        .map(|t| rules::pending_charges(&seats, &rates, &t, period))
        .unwrap_or_default();
    if annual.is_empty() && pending.is_empty() {
        return Ok(Err(format!(
            "{} has no colleagues on its membership yet, so there is nothing to invoice. Add colleagues first.",
            practice.name
        )));
    }
    Ok(Ok(PracticeQuote {
        term,
        annual,
        pending,
        current_end: current.and_then(|t| t.end),
        level,
    }))
}

/// The invoice a quote becomes (also shown on the renewal page before it is issued).
pub async fn quoted_invoice(
    scoped: &Scoped,
    practice: PracticeId,
    quote: &PracticeQuote,
    today: Date,
) -> AppResult<billing::NewInvoice> {
    let rules = scoped
        .level_rules(quote.level.id)
        .await?
        .unwrap_or_default();
    let account = scoped.level_revenue_account(quote.level.id).await?;
    Ok(billing::practice_dues_invoice(
        practice,
        &quote.level.name,
        &quote.annual,
        &quote.pending,
        quote.current_end,
        quote.term,
        account,
        rules.nondeductible_bp,
        Some(practice_renewal_key(practice, quote.term.start)),
        today,
    ))
}

/// A practice's renewal invoice, issued now or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PracticeInvoice {
    pub invoice: InvoiceId,
    pub term: Term,
    /// False: it had been issued before (the daily run, or an earlier visit).
    pub new: bool,
}

/// Issue the practice's dues invoice for its next term: a line per seat (name, profession, rate;
/// fellows at no charge) and a prorated line per colleague added during the current term,
/// billed to the practice (its billing contact, billing email and PO number copied onto it);
/// then, in the same transaction, the seats are marked billed through the new term's end. Keyed
/// per practice and term ([`practice_renewal_key`]), so a repeat issues nothing and returns the
/// invoice issued before. The practice's row is locked while the seats are read, so a colleague
/// added meanwhile is either on the invoice or not marked billed.
///
/// `expected_start`: the term start a page showed; if the next term is another by now (the
/// practice was renewed meanwhile), nothing is issued and the `term_start` field says so.
/// `email`: mail the invoice (new or not: they asked for it) to the billing contact with this
/// introduction and a link to pay it.
pub async fn issue_renewal_invoice(
    app: &App,
    scoped: &Scoped,
    practice: PracticeId,
    expected_start: Option<Date>,
    email: Option<&str>,
    actor: &Actor,
) -> AppResult<PracticeInvoice> {
    let mut tx = scoped.begin().await?;
    let issued =
        issue_renewal_invoice_in(app, scoped, &mut tx, practice, expected_start, email, actor)
            .await?;
    tx.commit().await?;
    Ok(issued)
}

/// [`issue_renewal_invoice`] in the caller's transaction (the daily run issues a batch of
/// practices' invoices per transaction). An `Invalid` or `NotFound` answer has written nothing,
/// so the transaction stays usable for the next practice.
pub async fn issue_renewal_invoice_in(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    practice: PracticeId,
    expected_start: Option<Date>,
    email: Option<&str>,
    actor: &Actor,
) -> AppResult<PracticeInvoice> {
    let today = today(app, scoped);
    let now = app.now();
    if !tx.lock_practice(practice).await? {
        return Err(AppError::NotFound);
    }
    let p = scoped.practice(practice).await?.ok_or(AppError::NotFound)?;
    let quote = renewal_quote(app, scoped, &p)
        .await?
        .map_err(|why| AppError::field("practice", &why))?;
    if expected_start.is_some_and(|start| start != quote.term.start) {
        return Err(AppError::field(
            "term_start",
            "This practice was renewed meanwhile, so the term shown has changed. Check the new term below before paying.",
        ));
    }
    let invoice = quoted_invoice(scoped, practice, &quote, today).await?;
    let (id, new) =
        billing::issue_practice_dues_in(tx, now, actor, invoice, quote.term, today).await?;
    if new && let Some(end) = quote.term.end {
        tx.mark_seats_billed(practice, end).await?;
    }
    if let Some(intro) = email {
        let issued = tx.invoice(id).await?.ok_or(AppError::NotFound)?;
        if !issued.bill_to_email.is_empty() {
            let base = app.links.base_url(scoped.society());
            let intro = format!(
                "{intro}\n\nSee the invoice and pay it online, or how to pay by check:\n{base}/account/renew?practice={practice}"
            );
            enqueue_email(
                tx,
                &crate::join::invoice_email(app, scoped, &issued, &intro),
                now,
            )
            .await?;
        }
    }
    Ok(PracticeInvoice {
        invoice: id,
        term: quote.term,
        new,
    })
}

/// A colleague as a practice manager (or staff) adds them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ColleagueForm {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub profession: String,
    #[serde(default)]
    pub credentials: String,
    /// Staff only: link without a seat (an administrator who manages but is not covered).
    #[serde(default)]
    pub no_seat: Option<String>,
    /// Staff only: the colleague also manages the practice.
    #[serde(default)]
    pub manager: Option<String>,
}

struct ValidColleague {
    first_name: String,
    last_name: String,
    email: String,
    profession: Profession,
    credentials: String,
}

impl ColleagueForm {
    fn validate(&self) -> Result<ValidColleague, FieldErrors> {
        let mut errors = FieldErrors::new();
        let first = self.first_name.trim();
        let last = self.last_name.trim();
        let email = normalize_email(&self.email);
        errors.check(
            first.is_empty(),
            "first_name",
            "Enter the colleague's first name.",
        );
        errors.check(
            last.is_empty(),
            "last_name",
            "Enter the colleague's last name.",
        );
        errors.check(
            first.chars().count() > 100 || last.chars().count() > 100,
            "last_name",
            "Keep each name under 100 characters.",
        );
        errors.check(
            !looks_like_email(&email),
            "email",
            "Enter the colleague's email address, like name@example.org.",
        );
        let profession = Profession::parse(&self.profession);
        errors.check(
            profession.is_none(),
            "profession",
            "Choose the colleague's profession.",
        );
        errors.check(
            self.credentials.trim().chars().count() > 100,
            "credentials",
            "Keep the credentials under 100 characters, like MD, PhD.",
        );
        errors.into_result()?;
        Ok(ValidColleague {
            first_name: first.to_string(),
            last_name: last.to_string(),
            email,
            profession: profession.unwrap_or(Profession::Other),
            credentials: self.credentials.trim().to_string(),
        })
    }
}

/// What adding a colleague did and what it costs.
#[derive(Clone, Debug)]
pub struct AddedColleague {
    pub person: PersonId,
    /// None when staff linked them without a seat.
    pub membership: Option<MembershipId>,
    /// None when staff linked them without a seat.
    pub charge: Option<PracticeCharge>,
}

impl AddedColleague {
    /// "Added. $116.67 (prorated for 4 months) will be on the practice's next invoice."
    pub fn message(&self) -> String {
        match &self.charge {
            None => "Added, without a seat: the practice does not pay for their membership.".into(),
            Some(c) if c.amount == Cents::ZERO => {
                "Added at no charge: their profession's rate is free, so nothing is added to the practice's invoice.".into()
            }
            Some(c) => match c.months {
                Some(m) => format!(
                    "Added. {} (prorated for {m} month{}) will be on the practice's next invoice.",
                    c.amount,
                    if m == 1 { "" } else { "s" }
                ),
                None => format!(
                    "Added. {} will be on the practice's next invoice.",
                    c.amount
                ),
            },
        }
    }
}

/// The level's rates per profession.
pub async fn rate_table(scoped: &Scoped, level: &Level) -> AppResult<RateTable> {
    let rates = scoped
        .level_rates(level.id)
        .await?
        .into_iter()
        .filter_map(|(p, c)| Profession::parse(&p).map(|p| (p, Cents(c))))
        .collect();
    Ok(RateTable {
        fee: Cents(level.fee_cents),
        rates,
    })
}

fn seat_of(row: &SeatRow) -> AppResult<Seat> {
    let parse = |text: &str| {
        text.parse::<Date>()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored date {text:?}: {e}")))
    };
    Ok(Seat {
        membership: row.membership_id,
        person: row.person_id,
        name: row.display_name.clone(),
        profession: Profession::from_stored(&row.profession),
        added_on: parse(&row.added_on)?,
        billed_through: row.billed_through.as_deref().map(parse).transpose()?,
    })
}

/// The practice's seats as the charge rules see them.
pub async fn seats(scoped: &Scoped, practice: PracticeId) -> AppResult<Vec<Seat>> {
    scoped
        .practice_seats(practice)
        .await?
        .iter()
        .map(seat_of)
        .collect()
}

/// The practice's renewal amount: every seat at its full rate (empty without a level).
pub async fn annual_charges(
    scoped: &Scoped,
    practice: PracticeId,
) -> AppResult<Vec<PracticeCharge>> {
    let p = scoped.practice(practice).await?.ok_or(AppError::NotFound)?;
    let Some(level) = practice_level(scoped, &p).await? else {
        return Ok(Vec::new());
    };
    Ok(rules::annual_charges(
        &seats(scoped, practice).await?,
        &rate_table(scoped, &level).await?,
    ))
}

/// Colleagues added during the practice's current term and not yet invoiced through its end,
/// each prorated: what the practice's next invoice must add. After invoicing, the billing code
/// calls `ScopedTx::mark_seats_billed(practice, term_end)`.
pub async fn pending_charges(
    app: &App,
    scoped: &Scoped,
    practice: PracticeId,
) -> AppResult<Vec<PracticeCharge>> {
    let p = scoped.practice(practice).await?.ok_or(AppError::NotFound)?;
    let Some(level) = practice_level(scoped, &p).await? else {
        return Ok(Vec::new());
    };
    let terms = scoped.practice_terms(practice).await?;
    let Some(term) = rules::current_term(&terms, today(app, scoped)) else {
        return Ok(Vec::new());
    };
    Ok(rules::pending_charges(
        &seats(scoped, practice).await?,
        &rate_table(scoped, &level).await?,
        &term,
        level_period(&level),
    ))
}

/// Staff add someone to a practice: a seat (unless `no_seat`), optionally as a manager.
pub async fn add_colleague(
    app: &App,
    scoped: &Scoped,
    practice: PracticeId,
    form: &ColleagueForm,
    actor: &Actor,
) -> AppResult<AddedColleague> {
    add(
        app,
        scoped,
        practice,
        form,
        form.no_seat.is_none(),
        form.manager.is_some(),
        actor,
    )
    .await
}

/// A practice manager adds a colleague: always a seat, never a manager.
pub async fn add_colleague_as_manager(
    app: &App,
    scoped: &Scoped,
    manager: PersonId,
    practice: PracticeId,
    form: &ColleagueForm,
    actor: &Actor,
) -> AppResult<AddedColleague> {
    require_manager(scoped, manager, practice).await?;
    add(app, scoped, practice, form, true, false, actor).await
}

async fn require_manager(scoped: &Scoped, person: PersonId, practice: PracticeId) -> AppResult<()> {
    if scoped
        .managed_practices(person)
        .await?
        .iter()
        .any(|(id, _)| *id == practice)
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

async fn add(
    app: &App,
    scoped: &Scoped,
    practice_id: PracticeId,
    form: &ColleagueForm,
    seat: bool,
    manager: bool,
    actor: &Actor,
) -> AppResult<AddedColleague> {
    let valid = form.validate()?;
    let practice = scoped
        .practice(practice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let level = practice_level(scoped, &practice).await?;
    let existing_person = scoped.person_by_email(&valid.email).await?;
    let existing_membership = match existing_person {
        Some(p) => scoped.person_membership(p).await?,
        None => None,
    };
    let today = today(app, scoped);
    let now = app.now();
    let display_name = format!("{} {}", valid.first_name, valid.last_name);

    let mut seat_plan = None;
    if seat {
        let Some(level) = level else {
            return Err(AppError::field(
                "colleague",
                "The practice has no membership level yet, so it cannot cover anyone. Contact the society's office.",
            ));
        };
        let level_rules = scoped.level_rules(level.id).await?.unwrap_or_default();
        let allowed = level_rules::parse_professions(&level_rules.professions);
        if !level_rules::may_apply(&allowed, valid.profession) {
            return Err(AppError::field(
                "profession",
                &format!(
                    "The practice's membership does not cover this profession ({}).",
                    valid.profession.label()
                ),
            ));
        }
        if let Some(m) = existing_membership
            && let Some(paying) = scoped.seat_practice(m).await?
        {
            return Err(AppError::field(
                "email",
                if paying == practice_id {
                    "This colleague is already covered by the practice."
                } else {
                    "This person's dues are already paid by another practice. Contact the society's office to move them."
                },
            ));
        }
        // An existing person keeps the profession they (or staff) recorded.
        let profession = match existing_person {
            Some(p) => scoped
                .person_profession(p)
                .await?
                .map(|s| Profession::from_stored(&s))
                .filter(|p| *p != Profession::Other)
                .unwrap_or(valid.profession),
            None => valid.profession,
        };
        let rates = rate_table(scoped, &level).await?;
        let rate = rates.rate_for(profession);
        let terms = scoped.practice_terms(practice_id).await?;
        let (amount, months) = match rules::current_term(&terms, today) {
            Some(term) => {
                rules::seat_charge_for_rest_of_term(rate, today, &term, level_period(&level))
            }
            None => (rate, None),
        };
        seat_plan = Some((
            level,
            level_rules.seat_limit,
            profession,
            rate,
            amount,
            months,
        ));
    }

    let mut tx = scoped.begin().await?;
    if !tx.lock_practice(practice_id).await? {
        return Err(AppError::NotFound);
    }
    let person = match existing_person {
        Some(p) => p,
        None => tx.insert_person(&valid.email, &display_name, now).await?,
    };
    tx.fill_person_details(
        person,
        &valid.first_name,
        &valid.last_name,
        &valid.credentials,
        valid.profession.as_str(),
        now,
    )
    .await?;
    tx.link_practice_person(practice_id, person, manager, now)
        .await?;
    let mut added = AddedColleague {
        person,
        membership: existing_membership,
        charge: None,
    };
    if let Some((level, limit, profession, rate, amount, months)) = seat_plan {
        let used = tx.count_seats(practice_id).await?;
        if !rules::seat_available(used, limit) {
            return Err(AppError::field(
                "colleague",
                &rules::seat_limit_message(limit.unwrap_or(used)),
            ));
        }
        let practice_status = Some(practice.status());
        let membership = match existing_membership {
            Some(m) => m,
            None => {
                let status = membership::status(&StatusInput {
                    today,
                    terms: &[],
                    application: None,
                    cancelled_on: None,
                    suspended: false,
                    override_status: None,
                    practice_status,
                    grace_days: u16::try_from(level.grace_days).unwrap_or(u16::MAX),
                });
                tx.insert_membership(person, level.id, today, status, None, now)
                    .await?
            }
        };
        match tx
            .insert_practice_seat(membership, practice_id, today)
            .await
        {
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::field(
                    "email",
                    "This colleague is already covered by a practice.",
                ));
            }
            other => other?,
        }
        if existing_membership.is_some()
            && let Some(mut state) = scoped.membership_state(membership).await?
        {
            state.practice_status = practice_status;
            tx.set_membership_status(membership, membership_status(&state, today), today)
                .await?;
        }
        added.membership = Some(membership);
        added.charge = Some(PracticeCharge {
            membership,
            person,
            name: display_name.clone(),
            profession,
            rate,
            months,
            amount,
        });
        enqueue_email(
            &mut tx,
            &EmailJob {
                to: valid.email.clone(),
                subject: format!("{} pays your {} membership", practice.name, scoped.society().name),
                text: format!(
                    "Hello {display_name},\n\n{} has added you to its group membership of {}. Your dues are paid by your practice, so you will not receive dues reminders; your practice's billing contact will.\n\nIf you did not expect this, reply to this email.",
                    practice.name,
                    scoped.society().name
                ),
            },
            now,
        )
        .await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "practice.colleague_added",
            subject: &practice.name,
            detail: &valid.email,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Staff remove a seat (the person stays linked if they manage the practice).
pub async fn remove_colleague(
    app: &App,
    scoped: &Scoped,
    practice: PracticeId,
    membership: MembershipId,
    actor: &Actor,
) -> AppResult<()> {
    remove(app, scoped, practice, membership, actor).await
}

/// A manager removes a colleague's seat; not their own (the office does that).
pub async fn remove_colleague_as_manager(
    app: &App,
    scoped: &Scoped,
    manager: PersonId,
    practice: PracticeId,
    membership: MembershipId,
    actor: &Actor,
) -> AppResult<()> {
    require_manager(scoped, manager, practice).await?;
    if scoped.person_membership(manager).await? == Some(membership) {
        return Err(AppError::field(
            "colleague",
            "You cannot remove yourself. Contact the society's office.",
        ));
    }
    remove(app, scoped, practice, membership, actor).await
}

async fn remove(
    app: &App,
    scoped: &Scoped,
    practice_id: PracticeId,
    membership: MembershipId,
    actor: &Actor,
) -> AppResult<()> {
    let practice = scoped
        .practice(practice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = scoped
        .practice_people(practice_id)
        .await?
        .into_iter()
        .find(|p| p.membership() == Some(membership) && p.has_seat())
        .ok_or(AppError::NotFound)?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.delete_seat(practice_id, membership).await? {
        return Err(AppError::NotFound);
    }
    if !person.is_manager {
        tx.unlink_practice_person(practice_id, person.person_id)
            .await?;
    }
    // Their membership now stands on its own terms.
    if let Some(mut state) = scoped.membership_state(membership).await? {
        state.practice_status = None;
        tx.set_membership_status(membership, membership_status(&state, today), today)
            .await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "practice.colleague_removed",
            subject: &practice.name,
            detail: &person.email,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff make a linked person a manager of the practice, or not.
pub async fn set_manager(
    app: &App,
    scoped: &Scoped,
    practice: PracticeId,
    person: PersonId,
    is_manager: bool,
    actor: &Actor,
) -> AppResult<()> {
    let p = scoped.practice(practice).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx
        .set_practice_manager(practice, person, is_manager)
        .await?
    {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if is_manager {
                "practice.manager_added"
            } else {
                "practice.manager_removed"
            },
            subject: &p.name,
            detail: &person.to_string(),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
