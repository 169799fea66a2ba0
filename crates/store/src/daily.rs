//! Reads for the membership daily run that are not about one membership: who is in a reminder
//! window, whose renewal is due to be invoiced, which renewal invoices to charge automatically,
//! and who a yearly transition moves. Each is one query for the whole society.

use chapterhouse_core::{
    InvoiceId, LevelId, MembershipId, PaymentMethodId, PersonId, PracticeId, RevenueAccountId,
};
use jiff::civil::Date;
use uuid::Uuid;

use crate::billing::{address_lines, person_name};
use crate::{BillToDetails, Scoped, StoreResult, on};

/// A membership whose latest term ends inside the reminder window and that may be reminded:
/// active, in grace or lapsed; not cancelled, suspended or overridden by staff; not paid for by
/// a practice; its term has an end.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberReminderCandidate {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "Uuid")]
    pub level_id: LevelId,
    pub level_name: String,
    pub fee_cents: i64,
    pub reminder_days: String,
    pub end_on: String,
}

/// A membership whose renewal the daily run may invoice: active or in grace; not cancelled,
/// suspended or overridden by staff; not paid for by a practice; on a level that renews and has
/// a reminder schedule; with no dues invoice yet for a term after its latest (by the portal, an
/// earlier run or staff). With its latest term, its level's billing and who the invoice goes to.
#[derive(Clone, Debug)]
pub struct RenewalInvoiceCandidate {
    pub membership_id: MembershipId,
    pub person_id: PersonId,
    pub level_id: LevelId,
    pub level_name: String,
    pub fee_cents: i64,
    pub nondeductible_bp: i64,
    /// From `level_billing`; None: the dues default.
    pub revenue_account: Option<RevenueAccountId>,
    pub reminder_days: String,
    pub period_months: i64,
    /// The latest term.
    pub start_on: String,
    pub end_on: String,
    pub bill_to: BillToDetails,
}

/// A practice whose renewal the daily run may invoice: active or in grace, on a level that
/// renews and has a reminder schedule, with no dues invoice yet for a term after its latest;
/// with its latest term's end.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PracticeRenewalCandidate {
    #[sqlx(try_from = "Uuid")]
    pub practice_id: PracticeId,
    pub reminder_days: String,
    pub end_on: String,
}

/// A renewal invoice due for its first automatic charge, and the saved method to charge.
#[derive(Clone, Debug)]
pub struct FirstCharge {
    pub invoice: InvoiceId,
    pub payment_method: PaymentMethodId,
}

#[derive(sqlx::FromRow)]
struct RenewalCandidateRaw {
    membership_id: Uuid,
    person_id: Uuid,
    level_id: Uuid,
    level_name: String,
    fee_cents: i64,
    nondeductible_bp: i64,
    revenue_account_id: Option<Uuid>,
    reminder_days: String,
    period_months: i64,
    start_on: String,
    end_on: String,
    display_name: String,
    first_name: String,
    last_name: String,
    email: String,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
}

/// A member of a level with a yearly transition.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TransitionCandidate {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    pub joined_on: String,
    pub email: String,
}

impl Scoped {
    /// Memberships whose latest term ends after `after` and on or before `through`, that may
    /// be sent a dues reminder.
    pub async fn member_reminder_candidates(
        &self,
        after: Date,
        through: Date,
    ) -> StoreResult<Vec<MemberReminderCandidate>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, p.email, p.display_name, l.id AS level_id, \
             l.name AS level_name, l.fee_cents, l.reminder_days, t.end_on \
             FROM membership_term t \
             JOIN membership m ON m.society_id = t.society_id AND m.id = t.membership_id \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE t.society_id = $1 AND t.end_on > $2 AND t.end_on <= $3 \
               AND m.status IN ('active', 'grace', 'lapsed') AND m.override_status IS NULL \
               AND NOT m.suspended AND m.cancelled_on IS NULL AND l.reminder_days <> '' \
               AND NOT EXISTS (SELECT 1 FROM membership_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.membership_id = t.membership_id \
                   AND (t2.end_on IS NULL OR t2.end_on > t.end_on)) \
               AND NOT EXISTS (SELECT 1 FROM membership_seat s \
                 WHERE s.society_id = m.society_id AND s.membership_id = m.id)"
        )
        .bind(self.society.id.0)
        .bind(after.to_string())
        .bind(through.to_string())
        .fetch_all(c)
        .await)?)
    }

    /// Memberships whose renewal may be invoiced and whose latest term ends after `after` and on
    /// or before `through` (the caller checks each level's schedule). The invoice is looked for
    /// among the person's invoices (indexed), so a run that finds everyone invoiced is cheap.
    pub async fn renewal_invoice_candidates(
        &self,
        after: Date,
        through: Date,
    ) -> StoreResult<Vec<RenewalInvoiceCandidate>> {
        let rows: Vec<RenewalCandidateRaw> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, p.id AS person_id, l.id AS level_id, \
             l.name AS level_name, l.fee_cents, l.nondeductible_bp, b.revenue_account_id, \
             l.reminder_days, l.period_months, t.start_on, t.end_on, p.display_name, \
             p.first_name, p.last_name, p.email, a.line1, a.line2, a.city, a.state, a.postal_code \
             FROM membership_term t \
             JOIN membership m ON m.society_id = t.society_id AND m.id = t.membership_id \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             LEFT JOIN level_billing b ON b.society_id = l.society_id AND b.level_id = l.id \
             LEFT JOIN person_address a ON a.society_id = p.society_id AND a.person_id = p.id \
               AND a.kind = (SELECT MAX(x.kind) FROM person_address x \
                 WHERE x.society_id = p.society_id AND x.person_id = p.id) \
             WHERE t.society_id = $1 AND t.end_on > $2 AND t.end_on <= $3 \
               AND m.status IN ('active', 'grace') AND m.override_status IS NULL \
               AND NOT m.suspended AND m.cancelled_on IS NULL AND l.reminder_days <> '' \
               AND l.period_months IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM membership_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.membership_id = t.membership_id \
                   AND (t2.end_on IS NULL OR t2.end_on > t.end_on)) \
               AND NOT EXISTS (SELECT 1 FROM membership_seat s \
                 WHERE s.society_id = m.society_id AND s.membership_id = m.id) \
               AND NOT EXISTS (SELECT 1 FROM invoice i \
                 WHERE i.society_id = p.society_id AND i.person_id = p.id \
                   AND i.membership_id = m.id AND i.term_start > t.end_on)"
        )
        .bind(self.society.id.0)
        .bind(after.to_string())
        .bind(through.to_string())
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| RenewalInvoiceCandidate {
                membership_id: MembershipId(r.membership_id),
                person_id: PersonId(r.person_id),
                level_id: LevelId(r.level_id),
                level_name: r.level_name,
                fee_cents: r.fee_cents,
                nondeductible_bp: r.nondeductible_bp,
                revenue_account: r.revenue_account_id.map(RevenueAccountId),
                reminder_days: r.reminder_days,
                period_months: r.period_months,
                start_on: r.start_on,
                end_on: r.end_on,
                bill_to: BillToDetails {
                    name: person_name(&r.display_name, &r.first_name, &r.last_name),
                    email: r.email,
                    address: address_lines(
                        r.line1.as_deref().unwrap_or(""),
                        r.line2.as_deref().unwrap_or(""),
                        r.city.as_deref().unwrap_or(""),
                        r.state.as_deref().unwrap_or(""),
                        r.postal_code.as_deref().unwrap_or(""),
                    ),
                    po_number: String::new(),
                },
            })
            .collect())
    }

    /// Practices whose renewal may be invoiced and whose latest term ends after `after` and on or
    /// before `through`.
    pub async fn practice_renewal_candidates(
        &self,
        after: Date,
        through: Date,
    ) -> StoreResult<Vec<PracticeRenewalCandidate>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT pr.id AS practice_id, l.reminder_days, t.end_on \
             FROM practice_term t \
             JOIN practice pr ON pr.society_id = t.society_id AND pr.id = t.practice_id \
             JOIN membership_level l ON l.society_id = pr.society_id AND l.id = pr.level_id \
             WHERE t.society_id = $1 AND t.end_on > $2 AND t.end_on <= $3 \
               AND pr.status IN ('active', 'grace') AND l.reminder_days <> '' \
               AND l.period_months IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM practice_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.practice_id = t.practice_id \
                   AND (t2.end_on IS NULL OR t2.end_on > t.end_on)) \
               AND NOT EXISTS (SELECT 1 FROM invoice i \
                 WHERE i.society_id = pr.society_id AND i.practice_id = pr.id \
                   AND i.purpose = 'practice_dues' AND i.term_start > t.end_on)"
        )
        .bind(self.society.id.0)
        .bind(after.to_string())
        .bind(through.to_string())
        .fetch_all(c)
        .await)?)
    }

    /// Renewal invoices due by `today` for their first automatic charge: the member chose
    /// automatic renewal and has a saved method; the membership is active or in grace (not
    /// cancelled, suspended, overridden or a practice's seat); no charge has been tried on the
    /// invoice yet; and the term it buys follows one the member held and is not already held
    /// (a renewal staff recorded). The charge itself takes only what is still owed; later
    /// attempts are the retries' business.
    pub async fn first_charges_due(&self, today: Date) -> StoreResult<Vec<FirstCharge>> {
        let rows: Vec<(Uuid, Uuid)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT i.id, a.payment_method_id FROM invoice i \
             JOIN membership m ON m.society_id = i.society_id AND m.id = i.membership_id \
             JOIN auto_renewal a ON a.society_id = m.society_id AND a.membership_id = m.id \
             WHERE i.society_id = $1 AND i.purpose = 'dues' AND i.term_start IS NOT NULL \
               AND i.due_on <= $2 AND a.payment_method_id IS NOT NULL \
               AND m.status IN ('active', 'grace') AND m.override_status IS NULL \
               AND NOT m.suspended AND m.cancelled_on IS NULL \
               AND EXISTS (SELECT 1 FROM membership_term t WHERE t.society_id = m.society_id \
                 AND t.membership_id = m.id AND t.end_on < i.term_start) \
               AND NOT EXISTS (SELECT 1 FROM membership_term t WHERE t.society_id = m.society_id \
                 AND t.membership_id = m.id AND t.start_on = i.term_start) \
               AND NOT EXISTS (SELECT 1 FROM membership_seat s \
                 WHERE s.society_id = m.society_id AND s.membership_id = m.id) \
               AND NOT EXISTS (SELECT 1 FROM charge_attempt x \
                 WHERE x.society_id = i.society_id AND x.invoice_id = i.id) \
             ORDER BY i.number"
        )
        .bind(self.society.id.0)
        .bind(today.to_string())
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(invoice, method)| FirstCharge {
                invoice: InvoiceId(invoice),
                payment_method: PaymentMethodId(method),
            })
            .collect())
    }

    /// Members of `level` a transition may move (everyone not cancelled).
    pub async fn transition_candidates(
        &self,
        level: LevelId,
    ) -> StoreResult<Vec<TransitionCandidate>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, m.joined_on, p.email FROM membership m \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             WHERE m.society_id = $1 AND m.level_id = $2 AND m.status <> 'cancelled'"
        )
        .bind(self.society.id.0)
        .bind(level.0)
        .fetch_all(c)
        .await)?)
    }
}

impl crate::Store {
    /// Refresh the query planners' statistics (`ANALYZE`: about a third of a second for 100,000
    /// members on SQLite), so filtered lists start from their most selective filter and the
    /// daily run's joins are planned for the tables' real sizes. PostgreSQL's autovacuum does
    /// this too, but only some time after a large import. Run by the daily maintenance job.
    pub async fn refresh_planner_statistics(&self) -> StoreResult<()> {
        let mut tx = self.db().begin().await?;
        crate::exec!(tx.conn(), |c| sqlx::query("ANALYZE").execute(c).await)?;
        tx.commit().await?;
        Ok(())
    }
}
