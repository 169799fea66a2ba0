//! Renewing from the portal, and paying an open invoice online.
//!
//! A member (or a practice manager, for a colleague at a practice they manage, whose own
//! membership the practice does not pay for) sees the next term and its price, then pays it on
//! the hosted payment page or asks for the invoice by email. A practice's billing contact or
//! manager sees the practice's renewal invoice (`?practice=…`; issued by the daily run or on
//! submit, [`crate::practices::issue_renewal_invoice`]) and pays it the same ways or by check;
//! paying it adds the practice's term, and every seat follows. The renewal invoice's dedup key is
//! `renew:<membership>:<term start>`, so two submits (or the portal and the daily run) issue one
//! invoice; the form carries the term start it showed, so a page sent again after the renewal
//! was paid buys nothing. Paying twice cannot add two terms: a term is added when a dues invoice
//! becomes paid in full, and no hosted payment is started for an invoice with nothing owed.

use chapterhouse_core::billing::DocumentKind;
use chapterhouse_core::joining::{self, PayBy, Quote};
use chapterhouse_core::membership::Status;
use chapterhouse_core::membership::Term;
use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{InvoiceId, MembershipId, PersonId, PracticeId};
use chapterhouse_store::{InvoiceDetail, LevelWithRules, Practice, Scoped, parse_status};
use serde::Deserialize;

use crate::accounts::CurrentUser;
use crate::billing;
use crate::join::{email_invoice, invoice_email, issue};
use crate::mail::enqueue_email;
use crate::membership::{level_anchor, level_period, today};
use crate::people::person_of;
use crate::{Actor, App, AppError, AppResult, payments, practices};

/// A renewal the signed-in person may pay now.
#[derive(Clone, Debug)]
pub struct RenewalPage {
    pub membership: MembershipId,
    pub person: PersonId,
    /// Their own membership (false: a colleague's, renewed by their practice manager).
    pub own: bool,
    pub member_name: String,
    pub level_name: String,
    pub status: Status,
    /// The next term and its price.
    pub quote: Quote,
    /// The level allows automatic renewal (offered only for one's own membership).
    pub auto_renew_allowed: bool,
    pub auto_renew_on: bool,
    /// Card and bank payments are set up.
    pub online_payment: bool,
}

impl RenewalPage {
    pub fn pay_choices(&self) -> Vec<PayBy> {
        if self.online_payment {
            PayBy::ALL.to_vec()
        } else {
            vec![PayBy::Invoice]
        }
    }

    /// Offer the "renew automatically" box.
    pub fn offer_auto_renew(&self) -> bool {
        self.own && self.auto_renew_allowed && self.online_payment && !self.auto_renew_on
    }
}

#[derive(Clone, Debug)]
pub enum Renewal {
    Ready(Box<RenewalPage>),
    /// Nothing to renew now; the text says why, in plain words.
    NotNow(String),
}

/// Whose membership `membership` is, if the signed-in person may renew it: their own, or a
/// colleague's at a practice they manage. Anything else is `NotFound`.
async fn access(
    scoped: &Scoped,
    user: &CurrentUser,
    membership: &str,
) -> AppResult<(MembershipId, PersonId, bool)> {
    let id: MembershipId = membership.trim().parse().map_err(|_| AppError::NotFound)?;
    let person = scoped
        .person_of_membership(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = person_of(user);
    if person == me {
        return Ok((id, person, true));
    }
    if scoped.manages_colleague(me, person).await? {
        return Ok((id, person, false));
    }
    Err(AppError::NotFound)
}

/// The renewal page's content for `membership` (`?membership=<id>`; empty: the person's own).
pub async fn renewal(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    membership: &str,
) -> AppResult<Renewal> {
    let membership = if membership.trim().is_empty() {
        match scoped.membership_of_person(person_of(user)).await? {
            Some(own) => own.to_string(),
            None => {
                return Ok(Renewal::NotNow(format!(
                    "You don't have a membership with {} to renew. To become a member, use Join.",
                    scoped.society().name
                )));
            }
        }
    } else {
        membership.to_string()
    };
    let (id, person, own) = access(scoped, user, &membership).await?;
    let portal = scoped
        .portal_membership(person)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = scoped
        .profile(person)
        .await?
        .map(|p| p.fields.display_name)
        .unwrap_or_default();
    let whose = if own {
        "Your membership".to_string()
    } else {
        format!("{name}'s membership")
    };
    if let Some(practice) = &portal.paid_by_practice {
        return Ok(Renewal::NotNow(format!(
            "{whose} is paid by the practice, {practice}: it renews with the practice's own invoice, so there is nothing to renew here."
        )));
    }
    let status = parse_status(&portal.status).unwrap_or(Status::Pending);
    match status {
        Status::Active | Status::Grace | Status::Lapsed => {}
        Status::Pending => {
            return Ok(Renewal::NotNow(format!(
                "{whose} hasn't started yet: {} Open invoices can be paid from the invoices page.",
                if portal.application.as_deref() == Some("pending") {
                    "the society's staff are reviewing the application."
                } else {
                    "it begins when the first dues are paid."
                }
            )));
        }
        Status::Suspended | Status::Cancelled => {
            return Ok(Renewal::NotNow(format!(
                "{whose} is {} and can't be renewed online. Please contact the society's office.",
                status.as_str()
            )));
        }
    }
    let LevelWithRules { level, rules } = scoped
        .join_level(portal.level_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let level = &level;
    let state = scoped
        .membership_state(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(quote) = joining::renewal_quote(
        &state.terms,
        status.has_privileges(),
        today(app, scoped),
        Cents(level.fee_cents),
        level_period(level),
        level_anchor(level),
        level.prorate,
    ) else {
        return Ok(Renewal::NotNow(format!(
            "The {} level never needs renewing.",
            level.name
        )));
    };
    Ok(Renewal::Ready(Box::new(RenewalPage {
        membership: id,
        person,
        own,
        member_name: name,
        level_name: level.name.clone(),
        status,
        quote,
        auto_renew_allowed: rules.auto_renew_allowed,
        auto_renew_on: portal.auto_renew_on,
        online_payment: scoped.payment_settings().await?.is_some(),
    })))
}

/// The renewal form as posted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RenewForm {
    #[serde(default)]
    pub membership: String,
    /// A practice's renewal instead of a membership's.
    #[serde(default)]
    pub practice: String,
    /// The start of the term the page showed (ISO date).
    #[serde(default)]
    pub term_start: String,
    #[serde(default)]
    pub pay: String,
    #[serde(default)]
    pub auto_renew: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenewOutcome {
    /// Send the payer here.
    Checkout(String),
    /// The invoice was emailed to the member.
    InvoiceEmailed { number: String },
}

/// Renew: issue (or find) the renewal invoice, then start the hosted payment or email it. A form
/// naming a practice renews the practice ([`renew_practice`]).
pub async fn renew(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    form: &RenewForm,
    actor: &Actor,
) -> AppResult<RenewOutcome> {
    if !form.practice.trim().is_empty() {
        return renew_practice(app, scoped, user, form, actor).await;
    }
    let page = match renewal(app, scoped, user, &form.membership).await? {
        Renewal::Ready(page) => page,
        Renewal::NotNow(reason) => return Err(AppError::field("membership", &reason)),
    };
    let mut errors = FieldErrors::new();
    errors.check(
        form.term_start.trim() != page.quote.term.start.to_string(),
        "term_start",
        "This membership was renewed meanwhile, so the term shown has changed. Check the new term below before paying.",
    );
    let pay = PayBy::parse(&form.pay).filter(|p| page.pay_choices().contains(p));
    errors.check(pay.is_none(), "pay", "Choose how you would like to pay.");
    errors.into_result()?;
    let Some(pay) = pay else {
        return Err(AppError::NotFound);
    };
    let basis = scoped
        .dues_basis(page.membership)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today(app, scoped);
    let now = app.now();
    let key = joining::renewal_key(page.membership, page.quote.term.start);
    let invoice =
        billing::dues_invoice(&basis, page.quote.term, page.quote.amount, Some(key), today);
    let mut tx = scoped.begin().await?;
    let id = issue(&mut tx, now, actor, invoice, today).await?;
    let issued = tx.invoice(id).await?.ok_or(AppError::NotFound)?;
    if pay == PayBy::Invoice && !issued.bill_to_email.is_empty() {
        let intro = format!(
            "Thank you for renewing your {} membership of {}. Here is the invoice for the term from {} to {}.",
            page.level_name,
            scoped.society().name,
            page.quote.term.start.strftime("%B %-d, %Y"),
            page.quote
                .term
                .end
                .map(|d| d.strftime("%B %-d, %Y").to_string())
                .unwrap_or_else(|| "no end date".into()),
        );
        enqueue_email(&mut tx, &invoice_email(app, scoped, &issued, &intro), now).await?;
    }
    tx.commit().await?;
    let number = DocumentKind::Invoice.display(issued.number);
    let Some(method) = pay.method_type() else {
        return Ok(RenewOutcome::InvoiceEmailed { number });
    };
    let balance = issued.amounts.balance();
    if balance.0 <= 0 {
        return Err(AppError::field(
            "pay",
            &format!(
                "Invoice {number} for this renewal is already paid: there is nothing more to pay."
            ),
        ));
    }
    let base = app.links.base_url(scoped.society());
    let save = form.auto_renew.is_some() && page.offer_auto_renew();
    match payments::start_checkout_offering(
        app,
        scoped,
        id,
        balance,
        &user.account.email,
        save,
        &[method],
        None,
        &format!("{base}/account/membership?done=payment"),
        &format!("{base}/account/renew?membership={}", page.membership),
    )
    .await
    {
        Ok(url) => Ok(RenewOutcome::Checkout(url)),
        Err(AppError::Invalid(errors)) => Err(AppError::Invalid(errors)),
        Err(error) => {
            tracing::warn!(
                ?error,
                "checkout for a renewal could not start; emailing the invoice"
            );
            email_invoice(
                app,
                scoped,
                id,
                "We could not open the card payment page just now, so here is the invoice for your renewal. Nothing was charged.",
            )
            .await?;
            Ok(RenewOutcome::InvoiceEmailed { number })
        }
    }
}

/// A practice's renewal as its billing contact or a manager sees it.
#[derive(Clone, Debug)]
pub struct PracticeRenewalPage {
    pub practice: PracticeId,
    pub name: String,
    pub level_name: String,
    pub status: Status,
    pub paid_through: Option<jiff::civil::Date>,
    /// The term the renewal buys.
    pub term: Term,
    /// The renewal invoice, when issued (the daily run issues it by the first reminder).
    pub invoice: Option<InvoiceDetail>,
    /// The invoice's lines, as issued or as they will be: (description, amount).
    pub lines: Vec<(String, Cents)>,
    pub total: Cents,
    /// What is still owed (the total until the invoice is issued).
    pub balance: Cents,
    pub po_number: String,
    /// Card and bank payments are set up.
    pub online_payment: bool,
}

impl PracticeRenewalPage {
    pub fn pay_choices(&self) -> Vec<PayBy> {
        if self.online_payment {
            PayBy::ALL.to_vec()
        } else {
            vec![PayBy::Invoice]
        }
    }

    pub fn invoice_number(&self) -> Option<String> {
        self.invoice.as_ref().map(|d| d.invoice.display_number())
    }
}

#[derive(Clone, Debug)]
pub enum PracticeRenewal {
    Ready(Box<PracticeRenewalPage>),
    /// Nothing to renew now; the text says why, in plain words.
    NotNow(String),
}

/// The practice `practice` names, if the signed-in person is its billing contact or one of its
/// managers; anything else (another practice, another society's, not an id) is `NotFound`.
async fn practice_access(
    scoped: &Scoped,
    user: &CurrentUser,
    practice: &str,
) -> AppResult<Practice> {
    let id: PracticeId = practice.trim().parse().map_err(|_| AppError::NotFound)?;
    let found = scoped.practice(id).await?.ok_or(AppError::NotFound)?;
    let me = person_of(user);
    if found.billing_contact() == Some(me)
        || scoped
            .managed_practices(me)
            .await?
            .iter()
            .any(|(managed, _)| *managed == id)
    {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// The practice renewal page's content (`/account/renew?practice=<id>`): the renewal invoice
/// for the practice's next term if it has been issued, else the lines it will have.
pub async fn practice_renewal(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    practice: &str,
) -> AppResult<PracticeRenewal> {
    let p = practice_access(scoped, user, practice).await?;
    let quote = match practices::renewal_quote(app, scoped, &p).await? {
        Ok(quote) => quote,
        Err(why) => return Ok(PracticeRenewal::NotNow(why)),
    };
    let key = joining::practice_renewal_key(p.id, quote.term.start);
    let invoice = match scoped.invoice_by_dedup_key(&key).await? {
        Some(id) => scoped.invoice_detail(id).await?,
        None => None,
    };
    let (lines, total, balance, po_number) = match &invoice {
        Some(detail) => (
            detail
                .lines
                .iter()
                .map(|l| (l.description.clone(), l.amount))
                .collect(),
            detail.invoice.amounts.total,
            detail.invoice.amounts.balance(),
            detail.invoice.po_number.clone(),
        ),
        None => {
            let planned =
                practices::quoted_invoice(scoped, p.id, &quote, today(app, scoped)).await?;
            let lines: Vec<(String, Cents)> = planned
                .lines
                .iter()
                .map(|l| (l.description.clone(), l.unit))
                .collect();
            let total = Cents(lines.iter().map(|(_, c)| c.0).sum());
            (lines, total, total, p.po_number.clone())
        }
    };
    let paid_through =
        chapterhouse_core::practice::latest_term(&scoped.practice_terms(p.id).await?)
            .and_then(|t| t.end);
    Ok(PracticeRenewal::Ready(Box::new(PracticeRenewalPage {
        practice: p.id,
        name: p.name.clone(),
        level_name: quote.level.name.clone(),
        status: p.status(),
        paid_through,
        term: quote.term,
        invoice,
        lines,
        total,
        balance,
        po_number,
        online_payment: scoped.payment_settings().await?.is_some(),
    })))
}

/// Renew a practice: issue (or find) its renewal invoice for the term the page showed, then
/// start the hosted payment for what it still owes, or email the invoice to the billing contact.
/// Two submits at once find one invoice; a page sent again after the practice renewed buys
/// nothing (the term it showed is not the next one any more).
pub async fn renew_practice(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    form: &RenewForm,
    actor: &Actor,
) -> AppResult<RenewOutcome> {
    let page = match practice_renewal(app, scoped, user, &form.practice).await? {
        PracticeRenewal::Ready(page) => page,
        PracticeRenewal::NotNow(reason) => return Err(AppError::field("practice", &reason)),
    };
    let mut errors = FieldErrors::new();
    let seen: Option<jiff::civil::Date> = form.term_start.trim().parse().ok();
    errors.check(
        seen != Some(page.term.start),
        "term_start",
        "This practice was renewed meanwhile, so the term shown has changed. Check the new term below before paying.",
    );
    let pay = PayBy::parse(&form.pay).filter(|p| page.pay_choices().contains(p));
    errors.check(pay.is_none(), "pay", "Choose how you would like to pay.");
    errors.into_result()?;
    let Some(pay) = pay else {
        return Err(AppError::NotFound);
    };
    let intro = format!(
        "Here is the invoice for {}'s group membership of {}, for {}.",
        page.name,
        scoped.society().name,
        term_words(&page.term),
    );
    let issued = practices::issue_renewal_invoice(
        app,
        scoped,
        page.practice,
        seen,
        (pay == PayBy::Invoice).then_some(intro.as_str()),
        actor,
    )
    .await?;
    let invoice = scoped
        .invoice(issued.invoice)
        .await?
        .ok_or(AppError::NotFound)?;
    let number = invoice.display_number();
    let Some(method) = pay.method_type() else {
        return Ok(RenewOutcome::InvoiceEmailed { number });
    };
    let balance = invoice.amounts.balance();
    if balance.0 <= 0 {
        return Err(AppError::field(
            "pay",
            &format!(
                "Invoice {number} for this renewal is already paid: there is nothing more to pay."
            ),
        ));
    }
    let base = app.links.base_url(scoped.society());
    match payments::start_checkout_offering(
        app,
        scoped,
        invoice.id,
        balance,
        &user.account.email,
        false,
        &[method],
        None,
        &format!("{base}/account/invoices?paying={}", invoice.id),
        &format!("{base}/account/renew?practice={}", page.practice),
    )
    .await
    {
        Ok(url) => Ok(RenewOutcome::Checkout(url)),
        Err(AppError::Invalid(errors)) => Err(AppError::Invalid(errors)),
        Err(error) => {
            tracing::warn!(
                ?error,
                "checkout for a practice renewal could not start; emailing the invoice"
            );
            email_invoice(
                app,
                scoped,
                invoice.id,
                "We could not open the card payment page just now, so here is the invoice for the practice's renewal. Nothing was charged.",
            )
            .await?;
            Ok(RenewOutcome::InvoiceEmailed { number })
        }
    }
}

/// "January 1, 2027 to December 31, 2027".
fn term_words(term: &Term) -> String {
    match term.end {
        Some(end) => format!(
            "{} to {}",
            term.start.strftime("%B %-d, %Y"),
            end.strftime("%B %-d, %Y")
        ),
        None => format!("from {}", term.start.strftime("%B %-d, %Y")),
    }
}

/// Pay an open invoice billed to the signed-in person (or a practice they manage) on the hosted
/// payment page. Another invoice is `NotFound`; a paid one is refused with a message, and no
/// payment is started for it.
pub async fn pay_invoice(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    invoice: &str,
) -> AppResult<String> {
    let id: InvoiceId = invoice.trim().parse().map_err(|_| AppError::NotFound)?;
    if !scoped.invoice_visible_to(id, person_of(user)).await? {
        return Err(AppError::NotFound);
    }
    let due = scoped.invoice(id).await?.ok_or(AppError::NotFound)?;
    if due.amounts.voided {
        return Err(AppError::field(
            "pay",
            &format!(
                "Invoice {} was cancelled: there is nothing to pay on it.",
                due.display_number()
            ),
        ));
    }
    let balance = due.amounts.balance();
    if balance.0 <= 0 {
        return Err(AppError::field(
            "pay",
            &format!(
                "Invoice {} is already paid: there is nothing left to pay.",
                due.display_number()
            ),
        ));
    }
    let base = app.links.base_url(scoped.society());
    payments::start_checkout(
        app,
        scoped,
        id,
        balance,
        &user.account.email,
        false,
        &format!("{base}/account/invoices?paying={id}"),
        &format!("{base}/account/invoices"),
    )
    .await
}
