//! A practice joins as a group from the public site (`/join/practice`). The form gives the
//! practice (name, organisational NPI, address, optional PO number), its key contact and billing
//! contact (who may differ), a public practice level, and its clinicians: a repeatable group of
//! rows, each a name, credentials, profession, email and NPI. [`review`] computes the first
//! invoice before anything is written (each clinician at their profession's rate, fellows free,
//! prorated as the level is: `core::practice::join_charges`), and the form carries the total it
//! showed: [`apply`] refuses a total that has changed since, so nobody joins at a price they did
//! not see.
//!
//! [`apply`] is [`crate::join::apply`] for a group. The same join safety: every email (contacts
//! and clinicians), every clinician's NPI, and the practice's name and NPI are looked up, and any
//! the society already knows is answered with [`ACCOUNT_EXISTS`](crate::join::ACCOUNT_EXISTS) alone, writing nothing. Then one
//! transaction writes the key contact's member account (unverified; the confirmation link
//! mailed), the clinicians and billing contact as people, the practice with its links (the key
//! contact manages it), each clinician's membership as a seat the practice pays for, and the
//! practice's first dues invoice to its billing contact (a line per clinician; its seats are
//! marked billed through the term's end, so the next invoice does not charge them again). The
//! practice is pending until that invoice is paid (or, on a level that needs approval, until staff
//! record its first term); a practice whose clinicians are all free on a level without approval
//! gets its first term at once. Card or bank account then goes on to Checkout for the invoice;
//! "send me an invoice" mails it to the billing contact.

use chapterhouse_core::joining::{self, AfterJoin, PayBy};
use chapterhouse_core::level_rules::{Profession, RateTable};
use chapterhouse_core::membership::{self, StatusInput, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::{long_date, split_display_name};
use chapterhouse_core::practice::{self as rules, JoinCharge};
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::{FieldErrors, password_problem};
use chapterhouse_core::{
    InvoiceId, MembershipId, PersonId, PracticeId, Role, UserId, billing::nondeductible_share, npi,
};
use chapterhouse_store::{
    Level, LevelWithRules, NewAccount, NewAudit, ProfileFields, Scoped, ScopedTx, StoreError,
};

use crate::billing::{self, BillTo, NewInvoice, NewLine};
use crate::join::Thanks;
use crate::mail::enqueue_email;
use crate::membership::{describe_renewal, level_anchor, level_period, today};
use crate::people::ProfileForm;
use crate::practices::{Contact, PracticeForm, ValidPractice};
use crate::{Actor, App, AppError, AppResult, accounts, join, passwords, payments};

/// Clinician rows the form starts with, and how many "Add more rows" adds.
pub const ROWS_AT_A_TIME: usize = 5;
/// More rows than this are not read (a practice that large is set up by the office).
pub const MAX_ROWS: usize = 100;
/// How long the link to the page after joining keeps working.
const THANKS_DAYS: i64 = 14;

/// One clinician row as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClinicianRow {
    pub first_name: String,
    pub last_name: String,
    pub credentials: String,
    pub profession: String,
    pub email: String,
    pub npi: String,
}

impl ClinicianRow {
    /// Nothing typed: a spare row, ignored.
    pub fn is_blank(&self) -> bool {
        [
            &self.first_name,
            &self.last_name,
            &self.credentials,
            &self.profession,
            &self.email,
            &self.npi,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

/// The practice Join form as posted: the practice's own fields (the staff practice form's
/// names), the key contact's optional password, how to pay, the clinician rows (`c1_first_name`,
/// `c1_last_name`, `c1_credentials`, `c1_profession`, `c1_email`, `c1_npi`, `c2_…`) and the total
/// the page showed (`seen_total`, in cents).
#[derive(Clone, Debug, Default)]
pub struct PracticeJoinForm {
    pub practice: PracticeForm,
    pub password: String,
    pub pay: String,
    pub clinicians: Vec<ClinicianRow>,
    pub seen_total: String,
}

impl PracticeJoinForm {
    /// An empty form with the first rows.
    pub fn blank() -> PracticeJoinForm {
        PracticeJoinForm {
            clinicians: vec![ClinicianRow::default(); ROWS_AT_A_TIME],
            ..Default::default()
        }
    }

    /// Read the posted pairs. `rows` (the number of rows the page showed) keeps spare rows
    /// spare; a row is never dropped while anything in it is typed.
    pub fn from_pairs(pairs: &[(String, String)]) -> PracticeJoinForm {
        let mut form = PracticeJoinForm::default();
        let mut shown = 0;
        for (key, value) in pairs {
            let value = value.clone();
            let p = &mut form.practice;
            match key.as_str() {
                "name" => p.name = value,
                "npi" => p.npi = value,
                "phone" => p.phone = value,
                "line1" => p.line1 = value,
                "line2" => p.line2 = value,
                "city" => p.city = value,
                "state" => p.state = value,
                "postal_code" => p.postal_code = value,
                "level" => p.level = value,
                "key_contact_name" => p.key_contact_name = value,
                "key_contact_email" => p.key_contact_email = value,
                "billing_contact_name" => p.billing_contact_name = value,
                "billing_contact_email" => p.billing_contact_email = value,
                "po_number" => p.po_number = value,
                "password" => form.password = value,
                "pay" => form.pay = value,
                "seen_total" => form.seen_total = value,
                "rows" => shown = value.trim().parse::<usize>().unwrap_or(0).min(MAX_ROWS),
                other => {
                    let Some((n, field)) = row_field(other) else {
                        continue;
                    };
                    if form.clinicians.len() < n {
                        form.clinicians.resize(n, ClinicianRow::default());
                    }
                    let row = &mut form.clinicians[n - 1];
                    match field {
                        "first_name" => row.first_name = value,
                        "last_name" => row.last_name = value,
                        "credentials" => row.credentials = value,
                        "profession" => row.profession = value,
                        "email" => row.email = value,
                        "npi" => row.npi = value,
                        _ => {}
                    }
                }
            }
        }
        let rows = form
            .clinicians
            .len()
            .max(shown)
            .clamp(ROWS_AT_A_TIME, MAX_ROWS);
        form.clinicians.resize(rows, ClinicianRow::default());
        form
    }

    /// Offer more blank rows (what "Add more rows" does), up to [`MAX_ROWS`].
    pub fn add_rows(&mut self) {
        let rows = (self.clinicians.len() + ROWS_AT_A_TIME).min(MAX_ROWS);
        self.clinicians.resize(rows, ClinicianRow::default());
    }
}

/// `c12_email` → (12, "email"), for rows 1 to [`MAX_ROWS`].
fn row_field(key: &str) -> Option<(usize, &str)> {
    let rest = key.strip_prefix('c')?;
    let (n, field) = rest.split_once('_')?;
    let n: usize = n.parse().ok()?;
    (1..=MAX_ROWS).contains(&n).then_some((n, field))
}

/// A row's field name on the form: `c3_npi`.
pub fn row_key(n: usize, field: &str) -> String {
    format!("c{n}_{field}")
}

/// A practice level as the page offers it.
#[derive(Clone, Debug)]
pub struct PracticeLevel {
    pub rules: LevelWithRules,
    pub rates: RateTable,
    pub seat_limit: Option<i64>,
    /// The first term of a practice joining today.
    pub first_term: Term,
    /// "Every year, from each member's join date".
    pub renews: String,
    /// "Physician or Nurse practitioner"; None when it covers anyone.
    pub open_to: Option<String>,
}

impl PracticeLevel {
    pub fn level(&self) -> &Level {
        &self.rules.level
    }

    pub fn name(&self) -> &str {
        &self.rules.level.name
    }

    /// The rate for each profession the level covers, in the order of [`Profession::ALL`]
    /// (professions without a rate of their own pay the level's fee).
    pub fn rate_list(&self) -> Vec<(Profession, Cents)> {
        let allowed = joining::professions_of(&self.rules.rules.professions);
        Profession::ALL
            .into_iter()
            .filter(|p| allowed.is_empty() || allowed.contains(p))
            .map(|p| (p, self.rates.rate_for(p)))
            .collect()
    }

    /// Whether the first term is prorated (a fixed renewal day on a level that prorates).
    pub fn prorates(&self) -> bool {
        self.rules.level.prorate
            && matches!(
                level_anchor(&self.rules.level),
                membership::RenewalAnchor::FixedDay { .. }
            )
    }
}

/// What the practice Join page offers.
#[derive(Clone, Debug)]
pub struct PracticeJoinPage {
    pub levels: Vec<PracticeLevel>,
    /// Card and bank payments are set up: without them only "send me an invoice" is offered.
    pub online_payment: bool,
}

impl PracticeJoinPage {
    pub fn level(&self, id: &str) -> Option<&PracticeLevel> {
        let id = id.trim().parse().ok()?;
        self.levels.iter().find(|l| l.rules.level.id == id)
    }

    pub fn pay_choices(&self) -> Vec<PayBy> {
        if self.online_payment {
            PayBy::ALL.to_vec()
        } else {
            vec![PayBy::Invoice]
        }
    }
}

pub async fn join_page(app: &App, scoped: &Scoped) -> AppResult<PracticeJoinPage> {
    let today = today(app, scoped);
    let mut levels = Vec::new();
    for rules in scoped.join_practice_levels().await? {
        let level = &rules.level;
        let seat_limit = scoped
            .level_rules(level.id)
            .await?
            .and_then(|r| r.seat_limit);
        levels.push(PracticeLevel {
            rates: crate::practices::rate_table(scoped, level).await?,
            seat_limit,
            first_term: membership::first_term(today, level_period(level), level_anchor(level)),
            renews: describe_renewal(level),
            open_to: joining::open_to_words(&rules.rules.professions),
            rules,
        });
    }
    Ok(PracticeJoinPage {
        levels,
        online_payment: scoped.payment_settings().await?.is_some(),
    })
}

/// The first invoice, as shown before joining.
#[derive(Clone, Debug)]
pub struct Review {
    pub level_name: String,
    pub term: Term,
    /// One per clinician, in the order of the rows.
    pub charges: Vec<JoinCharge>,
    pub total: Cents,
    /// Who the invoice goes to: the billing contact, else the key contact.
    pub bill_to: Contact,
    pub po_number: String,
    pub approval_required: bool,
}

impl Review {
    pub fn is_free(&self) -> bool {
        self.total.0 <= 0
    }
}

/// A clinician row that passed every check.
#[derive(Clone, Debug)]
struct Clinician {
    email: String,
    fields: ProfileFields,
}

/// A practice join form that passed every check.
struct Valid {
    level: PracticeLevel,
    practice: ValidPractice,
    key: Contact,
    /// None: the key contact also handles billing.
    billing: Option<Contact>,
    clinicians: Vec<Clinician>,
    password: Option<String>,
    pay: PayBy,
    review: Review,
}

fn validate(
    form: &PracticeJoinForm,
    page: &PracticeJoinPage,
    today: jiff::civil::Date,
) -> Result<Valid, FieldErrors> {
    let p = &form.practice;
    let offered: Vec<Level> = page.levels.iter().map(|l| l.level().clone()).collect();
    let practice = p.validate(&offered);
    let mut errors = FieldErrors(
        practice
            .as_ref()
            .err()
            .map(|e| e.0.iter().filter(|(f, _)| f != "npi").cloned().collect())
            .unwrap_or_default(),
    );
    match p.npi.trim() {
        "" => errors.add(
            "npi",
            "Enter the practice's 10-digit organisational (type 2) NPI, as on its NPPES record.",
        ),
        typed if npi::normalize(typed).is_none() => errors.add(
            "npi",
            "An NPI is 10 digits and the last one is a check digit: this one does not match. Look for a mistyped digit.",
        ),
        _ => {}
    }
    for (field, value, message) in [
        ("line1", &p.line1, "Enter the practice's street address."),
        ("city", &p.city, "Enter the city."),
        (
            "state",
            &p.state,
            "Enter the state as two letters, like TX.",
        ),
        ("postal_code", &p.postal_code, "Enter the ZIP code."),
    ] {
        if value.trim().is_empty() && errors.get(field).is_none() {
            errors.add(field, message);
        }
    }
    if p.key_contact_name.trim().is_empty() && p.key_contact_email.trim().is_empty() {
        errors.add(
            "key_contact_name",
            "Enter the name of the person we write to about the membership.",
        );
        errors.add(
            "key_contact_email",
            "Enter the key contact's email address, like name@example.org.",
        );
    }
    let level = page.level(&p.level);
    if p.level.trim().is_empty() {
        errors.add("level", "Choose a membership level for the practice.");
    }
    let password = Some(form.password.as_str()).filter(|p| !p.is_empty());
    if let Some(problem) = password.and_then(password_problem) {
        errors.add("password", problem);
    }

    // The clinicians: every row with anything typed, each checked as a member's profile is.
    let mut clinicians = Vec::new();
    let mut seen_emails: Vec<(String, usize)> = Vec::new();
    let mut seen_npis: Vec<(String, usize)> = Vec::new();
    for (i, row) in form.clinicians.iter().enumerate() {
        if row.is_blank() {
            continue;
        }
        let n = i + 1;
        let key = |field: &str| row_key(n, field);
        let profile = ProfileForm {
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            credentials: row.credentials.clone(),
            profession: row.profession.clone(),
            npi: row.npi.clone(),
            ..Default::default()
        };
        let fields = profile.validate();
        if let Err(e) = &fields {
            for (field, message) in &e.0 {
                errors.add(&key(field), message.clone());
            }
        }
        errors.check(
            row.first_name.trim().is_empty(),
            &key("first_name"),
            "Enter the clinician's first name.",
        );
        let email = normalize_email(&row.email);
        if !looks_like_email(&email) {
            errors.add(
                &key("email"),
                "Enter the clinician's email address, like name@example.org.",
            );
        } else if let Some((_, m)) = seen_emails.iter().find(|(e, _)| *e == email) {
            errors.add(
                &key("email"),
                format!("Row {m} has this email too: each clinician needs their own address."),
            );
        } else {
            seen_emails.push((email.clone(), n));
        }
        let profession = Profession::parse(row.profession.trim());
        if let Some(profession) = profession {
            if row.npi.trim().is_empty() && joining::npi_required(profession) {
                errors.add(
                    &key("npi"),
                    format!(
                        "Enter their 10-digit NPI: every {} has one.",
                        profession.label().to_lowercase()
                    ),
                );
            }
            if let Some(level) = level
                && !joining::open_to(&level.rules.rules.professions, profession)
            {
                errors.add(
                    &key("profession"),
                    format!(
                        "The {} level covers: {}.",
                        level.name(),
                        level.open_to.clone().unwrap_or_default()
                    ),
                );
            }
        }
        if let Ok(fields) = fields {
            if let Some(npi) = &fields.npi {
                if let Some((_, m)) = seen_npis.iter().find(|(x, _)| x == npi) {
                    errors.add(
                        &key("npi"),
                        format!("Row {m} has this NPI too: check which clinician it belongs to."),
                    );
                } else {
                    seen_npis.push((npi.clone(), n));
                }
            }
            clinicians.push(Clinician { email, fields });
        }
    }
    let listed = form.clinicians.iter().filter(|r| !r.is_blank()).count();
    if listed == 0 {
        errors.add(
            "clinicians",
            "List at least one clinician the practice pays for.",
        );
    }
    if let Some(level) = level
        && let Some(limit) = level.seat_limit
        && listed as i64 > limit
    {
        errors.add(
            "clinicians",
            rules::join_seat_limit_message(level.name(), limit, listed),
        );
    }
    // The first invoice decides whether there is anything to pay.
    let charged = level.map(|level| {
        let named: Vec<(String, Profession)> = clinicians
            .iter()
            .map(|c| {
                (
                    c.fields.display_name.clone(),
                    Profession::from_stored(&c.fields.profession),
                )
            })
            .collect();
        let lvl = level.level();
        rules::join_charges(
            &named,
            &level.rates,
            today,
            level_period(lvl),
            level_anchor(lvl),
            lvl.prorate,
        )
    });
    let free = charged
        .as_ref()
        .is_some_and(|(_, charges)| rules::join_total(charges).0 <= 0);
    let pay = match PayBy::parse(&form.pay) {
        _ if free => Some(PayBy::Invoice),
        Some(pay) if page.pay_choices().contains(&pay) => Some(pay),
        Some(_) => {
            errors.add(
                "pay",
                "Paying online isn't available yet. Choose \"Send me an invoice\".",
            );
            None
        }
        None => {
            errors.add("pay", "Choose how the practice would like to pay.");
            None
        }
    };
    errors.into_result()?;
    let (Ok(practice), Some(level), Some((term, charges)), Some(pay)) =
        (practice, level, charged, pay)
    else {
        return Err(FieldErrors::new());
    };
    let Some(key) = practice.key_contact.clone() else {
        return Err(FieldErrors::new());
    };
    let billing = practice
        .billing_contact
        .clone()
        .filter(|b| b.email != key.email);
    let total = rules::join_total(&charges);
    let lvl = level.level();
    let review = Review {
        level_name: level.name().to_string(),
        term,
        charges,
        total,
        bill_to: billing.clone().unwrap_or_else(|| key.clone()),
        po_number: practice.fields.po_number.clone(),
        approval_required: lvl.approval_required,
    };
    Ok(Valid {
        level: level.clone(),
        practice,
        key,
        billing,
        clinicians,
        password: password.map(str::to_string),
        pay,
        review,
    })
}

/// The first invoice the form would produce, or each field's problem. Reads only: nothing is
/// looked up by email or NPI here, so reviewing says nothing about who is already known.
pub async fn review(app: &App, scoped: &Scoped, form: &PracticeJoinForm) -> AppResult<Review> {
    let page = join_page(app, scoped).await?;
    Ok(validate(form, &page, today(app, scoped))?.review)
}

/// What a practice join did.
#[derive(Clone, Debug)]
pub struct PracticeJoined {
    pub practice: PracticeId,
    pub key_contact: PersonId,
    pub account: UserId,
    /// The clinicians' memberships, in the order of the rows.
    pub memberships: Vec<MembershipId>,
    /// The first dues invoice (None when every clinician is free).
    pub invoice: Option<InvoiceId>,
    /// Send the payer here to pay on the processor's hosted page.
    pub checkout_url: Option<String>,
    /// The page that says what happens next (path and signed query).
    pub thanks_path: String,
}

#[derive(Clone, Debug)]
pub enum PracticeJoinOutcome {
    Joined(Box<PracticeJoined>),
    /// An email, NPI or the practice is already known: answer [`ACCOUNT_EXISTS`](crate::join::ACCOUNT_EXISTS) only.
    AccountExists,
}

/// The words for a total that changed after the review (or a join without one).
pub const TOTAL_CHANGED: &str =
    "Check the invoice below (it follows what the form says now), then choose Join to confirm it.";

/// "Ada Okafor (Physician): Practice membership, 21 November 2026 to 20 November 2027".
fn line_description(charge: &JoinCharge, level: &str, term: &Term) -> String {
    let period = match term.end {
        Some(end) => format!("{} to {}", long_date(term.start), long_date(end)),
        None => format!("from {}", long_date(term.start)),
    };
    let prorated = match charge.months {
        Some(m) => format!(", prorated for {m} month{}", if m == 1 { "" } else { "s" }),
        None => String::new(),
    };
    format!(
        "{} ({}): {level} membership, {period}{prorated}",
        charge.name,
        charge.profession.label()
    )
}

fn exists<T>(result: Result<T, StoreError>) -> Result<Option<T>, AppError> {
    match result {
        // Someone joined with this email or NPI (or a practice took the name) a moment ago:
        // the same answer, and the transaction is dropped, so nothing is written.
        Err(StoreError::Conflict(_)) => Ok(None),
        other => Ok(Some(other?)),
    }
}

/// Join as a practice: validate, check the total the page showed, refuse anything already
/// known, then write everything in one transaction and start the hosted payment (or email the
/// invoice to the billing contact).
pub async fn apply(
    app: &App,
    scoped: &Scoped,
    form: &PracticeJoinForm,
    actor: &Actor,
) -> AppResult<PracticeJoinOutcome> {
    let page = join_page(app, scoped).await?;
    let today = today(app, scoped);
    let valid = validate(form, &page, today)?;
    if form.seen_total.trim() != valid.review.total.0.to_string() {
        return Err(AppError::field("total", TOTAL_CHANGED));
    }
    let now = app.now();
    join::check_rate_limit(scoped, actor, now).await?;

    // Every look-up, whatever the first one found (and the password's hash), before answering.
    let password_hash = valid.password.as_deref().map(passwords::hash).transpose()?;
    let mut emails: Vec<&str> = vec![valid.key.email.as_str()];
    emails.extend(valid.billing.iter().map(|b| b.email.as_str()));
    emails.extend(valid.clinicians.iter().map(|c| c.email.as_str()));
    let mut known = false;
    for email in emails {
        known |= scoped.person_by_email(email).await?.is_some();
    }
    for clinician in &valid.clinicians {
        if let Some(npi) = &clinician.fields.npi {
            known |= scoped.person_by_npi(npi).await?.is_some();
        }
    }
    if let Some(npi) = &valid.practice.fields.npi {
        known |= scoped.practice_by_npi(npi).await?.is_some();
    }
    known |= scoped
        .practice_named(&valid.practice.fields.name)
        .await?
        .is_some();
    if known {
        tracing::info!(society = %scoped.society().slug, "practice join refused: an email, NPI or the practice is already known");
        return Ok(PracticeJoinOutcome::AccountExists);
    }

    let level = &valid.level;
    let lvl = level.level();
    let review = &valid.review;
    let approval = lvl.approval_required;
    let grace = u16::try_from(lvl.grace_days).unwrap_or(u16::MAX);
    let free_now = review.is_free() && !approval;
    let practice_terms = if free_now { vec![review.term] } else { vec![] };
    let practice_status = rules::practice_status(today, &practice_terms, grace);
    let seat_status = membership::status(&StatusInput {
        today,
        terms: &[],
        application: None,
        cancelled_on: None,
        suspended: false,
        override_status: None,
        practice_status: Some(practice_status),
        grace_days: grace,
    });
    let revenue_account = scoped.level_revenue_account(lvl.id).await?;
    let key_clinician = valid.clinicians.iter().find(|c| c.email == valid.key.email);

    let mut tx = scoped.begin().await?;
    let Some(account) = exists(
        tx.insert_account(
            &NewAccount {
                email: valid.key.email.clone(),
                display_name: key_clinician
                    .map(|c| c.fields.display_name.clone())
                    .unwrap_or_else(|| valid.key.name.clone()),
                role: Role::Member,
                is_operator: false,
                password_hash,
                email_verified: false,
            },
            now,
        )
        .await,
    )?
    else {
        return Ok(PracticeJoinOutcome::AccountExists);
    };
    let key_person = tx
        .person_of_account(account)
        .await?
        .ok_or(AppError::NotFound)?;
    if key_clinician.is_none() {
        name_contact(&mut tx, key_person, &valid.key.name, now).await?;
    }

    let mut people = Vec::with_capacity(valid.clinicians.len());
    for clinician in &valid.clinicians {
        let person = if clinician.email == valid.key.email {
            key_person
        } else {
            let Some(person) = exists(
                tx.insert_person(&clinician.email, &clinician.fields.display_name, now)
                    .await,
            )?
            else {
                return Ok(PracticeJoinOutcome::AccountExists);
            };
            person
        };
        if exists(tx.update_profile(person, &clinician.fields, now).await)?.is_none() {
            return Ok(PracticeJoinOutcome::AccountExists);
        }
        people.push(person);
    }
    let billing_person = match &valid.billing {
        None => None,
        Some(billing) => match valid
            .clinicians
            .iter()
            .position(|c| c.email == billing.email)
        {
            Some(i) => Some(people[i]),
            None => {
                let Some(person) =
                    exists(tx.insert_person(&billing.email, &billing.name, now).await)?
                else {
                    return Ok(PracticeJoinOutcome::AccountExists);
                };
                name_contact(&mut tx, person, &billing.name, now).await?;
                Some(person)
            }
        },
    };

    let mut fields = valid.practice.fields.clone();
    fields.key_contact = Some(key_person);
    fields.billing_contact = billing_person;
    let Some(practice) = exists(tx.insert_practice(&fields, today, now).await)? else {
        return Ok(PracticeJoinOutcome::AccountExists);
    };
    crate::practices::link_contacts(&mut tx, practice, &fields, now).await?;
    if free_now {
        tx.insert_practice_term(practice, &review.term, now).await?;
        tx.set_practice_status(practice, practice_status, today)
            .await?;
    }
    let mut memberships = Vec::with_capacity(people.len());
    for person in &people {
        tx.link_practice_person(practice, *person, false, now)
            .await?;
        let membership = tx
            .insert_membership(*person, lvl.id, today, seat_status, None, now)
            .await?;
        tx.insert_practice_seat(membership, practice, today).await?;
        memberships.push(membership);
    }

    let invoice = if review.is_free() {
        None
    } else {
        let new = NewInvoice {
            bill_to: BillTo::Practice(practice),
            lines: review
                .charges
                .iter()
                .zip(&people)
                .map(|(charge, person)| NewLine {
                    description: line_description(charge, &review.level_name, &review.term),
                    quantity: 1,
                    unit: charge.amount,
                    revenue_account,
                    person: Some(*person),
                })
                .collect(),
            due_on: if valid.pay == PayBy::Invoice {
                join::due_in_days(today, join::INVOICE_DUE_DAYS)
            } else {
                review.term.start.max(today)
            },
            po_number: String::new(),
            memo: String::new(),
            purpose: "practice_dues",
            dues_term: None,
            dedup_key: Some(join_key(practice)),
            nondeductible: nondeductible_share(review.total, level.rules.rules.nondeductible_bp),
        };
        // Paying the invoice adds the practice's first term (and activates every seat), as
        // for renewals; on a level that needs approval, staff record the term instead.
        let id = if approval {
            billing::issue_invoice_in(&mut tx, now, actor, new, today).await?
        } else {
            billing::issue_practice_dues_in(&mut tx, now, actor, new, review.term, today)
                .await?
                .0
        };
        if let Some(end) = review.term.end {
            tx.mark_seats_billed(practice, end).await?;
        }
        Some(id)
    };
    accounts::send_verification_in(
        app,
        scoped,
        &mut tx,
        account,
        &valid.key.email,
        &valid.key.name,
    )
    .await?;
    if let Some(invoice) = invoice
        && valid.pay == PayBy::Invoice
    {
        let issued = tx.invoice(invoice).await?.ok_or(AppError::NotFound)?;
        enqueue_email(
            &mut tx,
            &join::invoice_email(app, scoped, &issued, &invoice_intro(scoped, &valid)),
            now,
        )
        .await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account.or(Some(account)),
            action: "practice.joined",
            subject: &valid.practice.fields.name,
            detail: &format!(
                "{}; {} clinician{}; {}; {}{}",
                level.name(),
                people.len(),
                if people.len() == 1 { "" } else { "s" },
                review.total,
                if review.is_free() {
                    "free"
                } else {
                    valid.pay.label()
                },
                if approval { "; needs approval" } else { "" }
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;

    let thanks_path = thanks_path(app, scoped, practice);
    let checkout_url = match (invoice, valid.pay.method_type()) {
        (Some(invoice), Some(method)) => {
            let base = app.links.base_url(scoped.society());
            match payments::start_checkout_offering(
                app,
                scoped,
                invoice,
                review.total,
                &review.bill_to.email,
                false,
                &[method],
                None,
                &format!("{base}{thanks_path}"),
                &format!("{base}{thanks_path}&left=1"),
            )
            .await
            {
                Ok(url) => Some(url),
                Err(error) => {
                    tracing::warn!(
                        ?error,
                        "checkout for a joining practice could not start; emailing the invoice"
                    );
                    join::email_invoice(
                        app,
                        scoped,
                        invoice,
                        "We could not open the card payment page just now, so here is the invoice for your practice's first dues. Nothing was charged.",
                    )
                    .await?;
                    None
                }
            }
        }
        _ => None,
    };
    Ok(PracticeJoinOutcome::Joined(Box::new(PracticeJoined {
        practice,
        key_contact: key_person,
        account,
        memberships,
        invoice,
        checkout_url,
        thanks_path,
    })))
}

/// A contact who is not one of the clinicians: their name parts, as a person row has them.
async fn name_contact(
    tx: &mut ScopedTx,
    person: PersonId,
    name: &str,
    now: chapterhouse_core::Timestamp,
) -> AppResult<()> {
    let (first, last) = split_display_name(name);
    tx.fill_person_details(person, &first, &last, "", Profession::Other.as_str(), now)
        .await?;
    Ok(())
}

fn invoice_intro(scoped: &Scoped, valid: &Valid) -> String {
    let review = &valid.review;
    format!(
        "Thank you for {} joining {} at the {} level. Here is the invoice for its first dues: {} clinician{}, {}.{}",
        valid.practice.fields.name,
        scoped.society().name,
        review.level_name,
        review.charges.len(),
        if review.charges.len() == 1 { "" } else { "s" },
        match review.term.end {
            Some(end) => format!("{} to {}", long_date(review.term.start), long_date(end)),
            None => format!("from {}", long_date(review.term.start)),
        },
        if review.approval_required {
            " The society's staff review each application for this level; we will write to the practice's key contact when they have."
        } else {
            " The practice's membership begins as soon as it is paid."
        }
    )
}

/// The dedup key of a joining practice's first dues invoice.
pub fn join_key(practice: PracticeId) -> String {
    format!("join-practice:{practice}")
}

/// The page after joining, signed for the society and practice.
pub fn thanks_path(app: &App, scoped: &Scoped, practice: PracticeId) -> String {
    let token = app.signer.sign(
        "practice_join_thanks",
        &[&scoped.society_id().to_string(), &practice.to_string()],
        app.now().plus_seconds(THANKS_DAYS * 86_400),
    );
    format!("/join/practice/thanks?p={practice}&t={token}")
}

/// Where a joining practice stands, in the words of the page after an individual's join. A
/// missing, wrong or expired token is `NotFound`.
pub async fn thanks(
    app: &App,
    scoped: &Scoped,
    practice: &str,
    token: &str,
    left_checkout: bool,
) -> AppResult<Thanks> {
    let id: PracticeId = practice.trim().parse().map_err(|_| AppError::NotFound)?;
    app.signer
        .verify(
            "practice_join_thanks",
            &[&scoped.society_id().to_string(), &id.to_string()],
            token,
            app.now(),
        )
        .map_err(|_| AppError::NotFound)?;
    let practice = scoped.practice(id).await?.ok_or(AppError::NotFound)?;
    let level = match practice.level() {
        Some(level) => scoped.level(level).await?,
        None => None,
    };
    let key = join_key(id);
    let invoice = scoped
        .invoices_for_practice(id)
        .await?
        .into_iter()
        .find(|i| i.dedup_key.as_deref() == Some(key.as_str()));
    let checkout = match &invoice {
        Some(invoice) => scoped.latest_checkout_status(invoice.id).await?,
        None => None,
    };
    let active = practice.status().has_privileges();
    let pending_approval = !active && level.as_ref().is_some_and(|l| l.approval_required);
    let paid = invoice.as_ref().map(|i| i.amounts.balance().0 <= 0);
    let after = joining::after_join(active, pending_approval, paid, checkout.as_deref());
    Ok(Thanks {
        application_pending: pending_approval,
        left_unpaid: left_checkout && after == AfterJoin::ConfirmingPayment,
        after,
        level_name: level.map(|l| l.name).unwrap_or_default(),
        invoice_number: invoice.as_ref().map(|i| i.display_number()),
        amount: invoice.as_ref().map(|i| i.amounts.total),
        invoice_to: invoice.map(|i| i.bill_to_email),
    })
}
