//! Joining online. The public Join page offers the society's public levels, each with its price
//! for the first term (prorated where the level prorates, so the amount is shown before payment)
//! and whether staff approve applications. [`apply`] writes the person with their identifiers,
//! their member account (unverified, with the confirmation link mailed), the membership (an
//! application pending where the level needs approval) and the first dues invoice in one
//! transaction; then it sends the payer to the hosted payment page, or emails the invoice. A free
//! level without approval is active at once.
//!
//! Join safety: an email or NPI the society already knows is answered with [`ACCOUNT_EXISTS`]
//! alone, never saying which of the two matched or whose record holds it. The password is hashed
//! and both look-ups made before that answer, so it costs what a new join costs up to the writes.
//!
//! The practice typed on the form links the person to the society's practice of exactly that name
//! (ignoring case), as a clinician there, not its manager; any other name is kept as a note on the
//! person's staff page, so staff can add the practice and link them.

use chapterhouse_core::joining::{self, AfterJoin, PayBy, Quote};
use chapterhouse_core::membership::{self, Application, StatusInput};
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::Profession;
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::{FieldErrors, password_problem};
use chapterhouse_core::{InvoiceId, LevelId, MembershipId, PersonId, Role, Timestamp, UserId};
use chapterhouse_store::{
    DuesBasis, Invoice, Level, LevelRules, LevelWithRules, NewAccount, NewAudit, ProfileFields,
    Scoped, ScopedTx, StoreError,
};
use jiff::civil::Date;
use serde::Deserialize;

use crate::billing::{self, NewInvoice};
use crate::mail::{EmailJob, enqueue_email};
use crate::membership::{describe_renewal, level_anchor, level_period, today};
use crate::people::ProfileForm;
use crate::{Actor, App, AppError, AppResult, accounts, passwords, payments};

/// The only answer to a join whose email or NPI is already known.
pub const ACCOUNT_EXISTS: &str = "An account already exists — sign in or contact us.";
/// Joins per client address in a 15-minute window: each one mails a stranger's address.
const JOINS_PER_IP: i64 = 10;
const RATE_WINDOW_SECONDS: i64 = 15 * 60;
/// How long the link to the page after joining keeps working.
const THANKS_DAYS: i64 = 14;
/// An invoice asked for instead of paying online is due in this many days.
pub(crate) const INVOICE_DUE_DAYS: i64 = 30;
const MAX_PRACTICE_CHARS: usize = 200;

/// The Join form as posted. Every field defaults to empty, so a missing one is a message.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub credentials: String,
    #[serde(default)]
    pub profession: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub npi: String,
    #[serde(default)]
    pub specialty: String,
    #[serde(default)]
    pub practice: String,
    /// Optional: without one, they sign in with an emailed link.
    #[serde(default)]
    pub password: String,
    /// `PayBy::as_str`: "card", "ach" or "invoice".
    #[serde(default)]
    pub pay: String,
    /// Keep the card or bank account for automatic renewal (where the level allows it).
    #[serde(default)]
    pub auto_renew: Option<String>,
}

/// A level as the Join page offers it.
#[derive(Clone, Debug)]
pub struct JoinLevel {
    pub level: Level,
    pub rules: LevelRules,
    /// The first term and its price for someone joining today.
    pub quote: Quote,
    /// "Every year, on 1 January".
    pub renews: String,
    /// "Physician or Fellow in training"; None when open to anyone.
    pub open_to: Option<String>,
}

impl JoinLevel {
    pub fn id(&self) -> LevelId {
        self.level.id
    }

    pub fn name(&self) -> &str {
        &self.level.name
    }

    pub fn approval_required(&self) -> bool {
        self.level.approval_required
    }
}

/// What the Join page shows.
#[derive(Clone, Debug)]
pub struct JoinPage {
    pub levels: Vec<JoinLevel>,
    /// Card and bank payments are set up: without them only "send me an invoice" is offered.
    pub online_payment: bool,
    /// A practice level is offered too (`/join/practice`).
    pub practice_join: bool,
}

impl JoinPage {
    pub fn level(&self, id: &str) -> Option<&JoinLevel> {
        let id = id.trim().parse::<LevelId>().ok()?;
        self.levels.iter().find(|l| l.id() == id)
    }

    /// The ways to pay the page offers.
    pub fn pay_choices(&self) -> Vec<PayBy> {
        if self.online_payment {
            PayBy::ALL.to_vec()
        } else {
            vec![PayBy::Invoice]
        }
    }
}

pub async fn join_page(app: &App, scoped: &Scoped) -> AppResult<JoinPage> {
    let today = today(app, scoped);
    let levels = scoped
        .join_levels()
        .await?
        .into_iter()
        .map(|LevelWithRules { level, rules }| JoinLevel {
            quote: joining::first_term_quote(
                today,
                Cents(level.fee_cents),
                level_period(&level),
                level_anchor(&level),
                level.prorate,
            ),
            renews: describe_renewal(&level),
            open_to: joining::open_to_words(&rules.professions),
            level,
            rules,
        })
        .collect();
    Ok(JoinPage {
        levels,
        online_payment: scoped.payment_settings().await?.is_some(),
        practice_join: !scoped.join_practice_levels().await?.is_empty(),
    })
}

/// A join form that passed every check.
struct Valid {
    level: JoinLevel,
    fields: ProfileFields,
    email: String,
    password: Option<String>,
    pay: PayBy,
    auto_renew: bool,
    practice: String,
}

fn validate(form: &JoinForm, page: &JoinPage) -> Result<Valid, FieldErrors> {
    let profile = ProfileForm {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        credentials: form.credentials.clone(),
        profession: form.profession.clone(),
        npi: form.npi.clone(),
        specialty: form.specialty.clone(),
        ..Default::default()
    };
    let fields = profile.validate();
    let mut errors = fields.as_ref().err().cloned().unwrap_or_default();
    errors.check(
        form.first_name.trim().is_empty(),
        "first_name",
        "Enter your first name (given name).",
    );
    let profession = Profession::parse(form.profession.trim());
    if let Some(profession) = profession
        && form.npi.trim().is_empty()
        && joining::npi_required(profession)
    {
        errors.add(
            "npi",
            format!(
                "Enter your 10-digit NPI: every {} has one. You can look it up in the NPPES registry.",
                profession.label().to_lowercase()
            ),
        );
    }
    let email = normalize_email(&form.email);
    errors.check(
        !looks_like_email(&email),
        "email",
        "Enter your email address, like name@example.org.",
    );
    let practice = form.practice.trim().to_string();
    errors.check(
        practice.chars().count() > MAX_PRACTICE_CHARS,
        "practice",
        "Keep the practice name under 200 characters.",
    );
    let password = Some(form.password.as_str()).filter(|p| !p.is_empty());
    if let Some(problem) = password.and_then(password_problem) {
        errors.add("password", problem);
    }
    let level = page.level(&form.level);
    match (level, profession) {
        (None, _) => errors.add("level", "Choose a membership level."),
        (Some(level), Some(profession))
            if !joining::open_to(&level.rules.professions, profession) =>
        {
            errors.add(
                "level",
                format!(
                    "The {} level is for: {}. Choose another level, or check your profession.",
                    level.name(),
                    level.open_to.clone().unwrap_or_default()
                ),
            )
        }
        _ => {}
    }
    let free = level.is_some_and(|l| l.quote.is_free());
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
            errors.add("pay", "Choose how you would like to pay.");
            None
        }
    };
    errors.into_result()?;
    let (Ok(fields), Some(level), Some(pay)) = (fields, level, pay) else {
        return Err(FieldErrors::new());
    };
    Ok(Valid {
        auto_renew: form.auto_renew.is_some() && level.rules.auto_renew_allowed && pay.is_online(),
        level: level.clone(),
        fields,
        email,
        password: password.map(str::to_string),
        pay,
        practice,
    })
}

/// What a join did.
#[derive(Clone, Debug)]
pub struct Joined {
    pub membership: MembershipId,
    pub person: PersonId,
    pub account: UserId,
    /// The first dues invoice (None for a free level).
    pub invoice: Option<InvoiceId>,
    /// Send the payer here to pay on the processor's hosted page.
    pub checkout_url: Option<String>,
    /// The page that says what happens next (path and signed query).
    pub thanks_path: String,
}

#[derive(Clone, Debug)]
pub enum JoinOutcome {
    Joined(Box<Joined>),
    /// The email or NPI is already known: answer [`ACCOUNT_EXISTS`] and nothing else.
    AccountExists,
}

fn rate_window(now: Timestamp) -> i64 {
    (now.0 / 1_000_000).div_euclid(RATE_WINDOW_SECONDS)
}

/// Count a join from the client's address (individual and practice joins share the count);
/// too many in the window is [`AppError::RateLimited`].
pub(crate) async fn check_rate_limit(
    scoped: &Scoped,
    actor: &Actor,
    now: Timestamp,
) -> AppResult<()> {
    let hits = scoped
        .hit_rate_limit(&format!("join:ip:{}", actor.ip), rate_window(now))
        .await?;
    if hits > JOINS_PER_IP {
        return Err(AppError::RateLimited);
    }
    Ok(())
}

/// Join: validate, then write the person, account, membership and first invoice in one
/// transaction, then start the hosted payment (or email the invoice).
pub async fn apply(
    app: &App,
    scoped: &Scoped,
    form: &JoinForm,
    actor: &Actor,
) -> AppResult<JoinOutcome> {
    let page = join_page(app, scoped).await?;
    let valid = validate(form, &page)?;
    let now = app.now();
    check_rate_limit(scoped, actor, now).await?;
    // The work every join does before it can know whether it is new: the password's hash, and
    // both look-ups whatever the first one found.
    let password_hash = valid.password.as_deref().map(passwords::hash).transpose()?;
    let by_email = scoped.person_by_email(&valid.email).await?;
    let by_npi = match &valid.fields.npi {
        Some(npi) => scoped.person_by_npi(npi).await?,
        None => None,
    };
    if by_email.is_some() || by_npi.is_some() {
        tracing::info!(society = %scoped.society().slug, "join refused: the email or NPI is already known");
        return Ok(JoinOutcome::AccountExists);
    }

    let level = &valid.level;
    let practice = match valid.practice.as_str() {
        "" => None,
        name => scoped.practice_named(name).await?,
    };
    let revenue_account = scoped.level_revenue_account(level.id()).await?;
    let today = today(app, scoped);
    let quote = level.quote;
    let approval = level.approval_required();
    let application = approval.then_some(Application::Pending);
    let free_now = quote.is_free() && !approval;
    let terms = if free_now { vec![quote.term] } else { vec![] };
    let status = membership::status(&StatusInput {
        today,
        terms: &terms,
        application,
        cancelled_on: None,
        suspended: false,
        override_status: None,
        practice_status: None,
        grace_days: u16::try_from(level.level.grace_days).unwrap_or(u16::MAX),
    });

    let mut tx = scoped.begin().await?;
    let account = match tx
        .insert_account(
            &NewAccount {
                email: valid.email.clone(),
                display_name: valid.fields.display_name.clone(),
                role: Role::Member,
                is_operator: false,
                password_hash,
                email_verified: false,
            },
            now,
        )
        .await
    {
        // Someone joined with this email a moment ago: the same answer, nothing written.
        Err(StoreError::Conflict(_)) => return Ok(JoinOutcome::AccountExists),
        other => other?,
    };
    let person = tx
        .person_of_account(account)
        .await?
        .ok_or(AppError::NotFound)?;
    match tx.update_profile(person, &valid.fields, now).await {
        Err(StoreError::Conflict(what)) if what == "npi" => return Ok(JoinOutcome::AccountExists),
        other => other?,
    }
    match practice {
        Some(practice) => {
            tx.link_practice_person(practice, person, false, now)
                .await?
        }
        None if !valid.practice.is_empty() => {
            tx.insert_person_note(
                person,
                &format!(
                    "When joining they gave their practice as \"{}\". No practice of that name is on record: add it and link them if it should be.",
                    valid.practice
                ),
                None,
                now,
            )
            .await?;
        }
        None => {}
    }
    let membership = tx
        .insert_membership(person, level.id(), today, status, application, now)
        .await?;
    if free_now {
        tx.insert_term(membership, level.id(), &quote.term, now)
            .await?;
    }
    let invoice = if quote.is_free() {
        None
    } else {
        let basis = DuesBasis {
            membership,
            person,
            level_id: level.id(),
            level_name: level.name().to_string(),
            fee: quote.full_fee,
            nondeductible_bp: level.rules.nondeductible_bp,
            revenue_account,
        };
        let mut new = billing::dues_invoice(
            &basis,
            quote.term,
            quote.amount,
            Some(joining::join_key(membership)),
            today,
        );
        if valid.pay == PayBy::Invoice {
            new.due_on = due_in_days(today, INVOICE_DUE_DAYS);
        }
        Some(issue(&mut tx, now, actor, new, today).await?)
    };
    accounts::send_verification_in(
        app,
        scoped,
        &mut tx,
        account,
        &valid.email,
        &valid.fields.display_name,
    )
    .await?;
    if let Some(invoice) = invoice
        && valid.pay == PayBy::Invoice
    {
        let issued = tx.invoice(invoice).await?.ok_or(AppError::NotFound)?;
        let intro = format!(
            "Thank you for applying to join {} as a member at the {} level. Here is the invoice for your first dues.{}",
            scoped.society().name,
            level.name(),
            if approval {
                " The society's staff review each application for this level; we will write to you when they have."
            } else {
                " Your membership begins as soon as it is paid."
            }
        );
        enqueue_email(&mut tx, &invoice_email(app, scoped, &issued, &intro), now).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account.or(Some(account)),
            action: "member.joined",
            subject: &valid.email,
            detail: &format!(
                "{}; {}{}",
                level.name(),
                if quote.is_free() {
                    "free"
                } else {
                    valid.pay.label()
                },
                if approval {
                    "; application pending"
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

    let thanks_path = thanks_path(app, scoped, membership);
    let checkout_url = match (invoice, valid.pay.method_type()) {
        (Some(invoice), Some(method)) => {
            let base = app.links.base_url(scoped.society());
            match payments::start_checkout_offering(
                app,
                scoped,
                invoice,
                quote.amount,
                &valid.email,
                valid.auto_renew,
                &[method],
                None,
                &format!("{base}{thanks_path}"),
                &format!("{base}{thanks_path}&left=1"),
            )
            .await
            {
                Ok(url) => Some(url),
                Err(error) => {
                    // Everything else is saved: the invoice goes by email instead, and the page
                    // after joining says so.
                    tracing::warn!(
                        ?error,
                        "checkout for a new member could not start; emailing the invoice"
                    );
                    email_invoice(
                        app,
                        scoped,
                        invoice,
                        "We could not open the card payment page just now, so here is the invoice for your first dues. Nothing was charged.",
                    )
                    .await?;
                    None
                }
            }
        }
        _ => None,
    };
    Ok(JoinOutcome::Joined(Box::new(Joined {
        membership,
        person,
        account,
        invoice,
        checkout_url,
        thanks_path,
    })))
}

/// Issue an invoice in the caller's transaction (billing validates and numbers it).
pub(crate) async fn issue(
    tx: &mut ScopedTx,
    now: Timestamp,
    actor: &Actor,
    invoice: NewInvoice,
    today: Date,
) -> AppResult<InvoiceId> {
    billing::issue_invoice_in(tx, now, actor, invoice, today).await
}

pub(crate) fn due_in_days(today: Date, days: i64) -> Date {
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(today)
}

/// "November 21, 2026".
fn long_date(date: Date) -> String {
    date.strftime("%B %-d, %Y").to_string()
}

/// The email that carries an invoice: what is owed, by when, and how to pay it (online when
/// signed in, or by check).
pub(crate) fn invoice_email(
    app: &App,
    scoped: &Scoped,
    invoice: &Invoice,
    intro: &str,
) -> EmailJob {
    let society = scoped.society();
    let base = app.links.base_url(society);
    let number = invoice.display_number();
    let lobbying = if invoice.nondeductible.0 > 0 {
        format!(
            "\n{}\n",
            chapterhouse_core::billing::nondeductible_notice(invoice.nondeductible)
        )
    } else {
        String::new()
    };
    let check = if society.postal_address.trim().is_empty() {
        String::new()
    } else {
        format!(
            "\n\nOr send a check payable to {}, writing {number} on it, to:\n{}",
            society.name,
            society.postal_address.trim()
        )
    };
    let greeting = if invoice.bill_to_name.trim().is_empty() {
        "Hello,".to_string()
    } else {
        format!("Dear {},", invoice.bill_to_name.trim())
    };
    EmailJob {
        to: invoice.bill_to_email.clone(),
        subject: format!("Invoice {number} from {}", society.short_name),
        text: format!(
            "{greeting}\n\n{intro}\n\nInvoice {number} for {} is due on {}.\n{lobbying}\nTo pay it online by card or bank account, or to download it, sign in and open your invoices:\n{base}/account/invoices\n(No password? Choose \"Email me a sign-in link\" on the sign-in page.){check}\n",
            invoice.amounts.total,
            long_date(invoice.due_on),
        ),
    }
}

/// Email an invoice in a transaction of its own.
pub(crate) async fn email_invoice(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    intro: &str,
) -> AppResult<()> {
    let Some(found) = scoped.invoice(invoice).await? else {
        return Ok(());
    };
    if found.bill_to_email.is_empty() {
        return Ok(());
    }
    let mut tx = scoped.begin().await?;
    enqueue_email(
        &mut tx,
        &invoice_email(app, scoped, &found, intro),
        app.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The page after joining, with a signed token: only the joiner's browser (it came from this
/// answer, or from the hosted payment page's return) can open it.
pub fn thanks_path(app: &App, scoped: &Scoped, membership: MembershipId) -> String {
    let token = app.signer.sign(
        "join_thanks",
        &[&scoped.society_id().to_string(), &membership.to_string()],
        app.now().plus_seconds(THANKS_DAYS * 86_400),
    );
    format!("/join/thanks?m={membership}&t={token}")
}

/// What the page after joining shows.
#[derive(Clone, Debug)]
pub struct Thanks {
    pub after: AfterJoin,
    pub level_name: String,
    pub invoice_number: Option<String>,
    pub amount: Option<Cents>,
    /// They came back from the hosted page without paying (and no payment has arrived).
    pub left_unpaid: bool,
    /// Staff have still to decide the application.
    pub application_pending: bool,
    /// Where the invoice was sent, when not to the person reading the page (a practice's
    /// billing contact).
    pub invoice_to: Option<String>,
}

/// Where a new member stands, for the page after joining. A missing, wrong or expired token is
/// `NotFound`.
pub async fn thanks(
    app: &App,
    scoped: &Scoped,
    membership: &str,
    token: &str,
    left_checkout: bool,
) -> AppResult<Thanks> {
    let id: MembershipId = membership.trim().parse().map_err(|_| AppError::NotFound)?;
    app.signer
        .verify(
            "join_thanks",
            &[&scoped.society_id().to_string(), &id.to_string()],
            token,
            app.now(),
        )
        .map_err(|_| AppError::NotFound)?;
    let state = scoped
        .membership_state(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = scoped
        .person_of_membership(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let level_name = match scoped.membership_level_id(id).await? {
        Some(level) => scoped
            .level(level)
            .await?
            .map(|l| l.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let key = joining::join_key(id);
    let invoice = scoped
        .invoices_for_person(person)
        .await?
        .into_iter()
        .find(|i| i.dedup_key.as_deref() == Some(key.as_str()));
    let checkout = match &invoice {
        Some(invoice) => scoped.latest_checkout_status(invoice.id).await?,
        None => None,
    };
    let paid = invoice.as_ref().map(|i| i.amounts.balance().0 <= 0);
    let after = joining::after_join(
        state.status.has_privileges(),
        state.application == Some(Application::Pending),
        paid,
        checkout.as_deref(),
    );
    Ok(Thanks {
        application_pending: state.application == Some(Application::Pending),
        left_unpaid: left_checkout && after == AfterJoin::ConfirmingPayment,
        after,
        level_name,
        invoice_number: invoice.as_ref().map(Invoice::display_number),
        amount: invoice.as_ref().map(|i| i.amounts.total),
        invoice_to: None,
    })
}
