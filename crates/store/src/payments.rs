//! Card and bank payments through the society's processor (Stripe): its encrypted settings,
//! Checkout Sessions we created, saved payment methods and automatic renewal, automatic-renewal
//! charge attempts, and the webhook log (events acted on once, rejections kept for staff).
//!
//! Replays and races are settled by the database: an event id, a charge attempt number and a
//! processor method id are unique per society, and the writes here use `ON CONFLICT DO NOTHING`
//! so a duplicate changes nothing (and, on PostgreSQL, does not abort the transaction).

use chapterhouse_core::{
    ChargeAttemptId, InvoiceId, MembershipId, PaymentMethodId, PersonId, PracticeId, Timestamp,
    WebhookRejectionId,
};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

/// The processor settings as stored: the two secrets are ciphertext (the app holds the key).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentSettingsRow {
    pub publishable_key: String,
    pub secret_key_enc: Vec<u8>,
    pub webhook_secret_enc: Vec<u8>,
    pub api_base: String,
    pub updated_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckoutSessionRow {
    pub provider_session_id: String,
    #[sqlx(try_from = "Uuid")]
    pub invoice_id: InvoiceId,
    pub amount_cents: i64,
    pub save_method: bool,
    /// 'open', 'processing', 'paid', 'failed'.
    pub status: String,
    pub provider_payment_ref: Option<String>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SetupSessionRow {
    pub provider_session_id: String,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub membership_id: Option<Uuid>,
    pub completed_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentMethodRow {
    #[sqlx(try_from = "Uuid")]
    pub id: PaymentMethodId,
    pub person_id: Option<Uuid>,
    pub practice_id: Option<Uuid>,
    pub provider_customer_id: String,
    pub provider_method_id: String,
    /// 'card' or 'us_bank_account'.
    pub kind: String,
    pub label: String,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewPaymentMethod<'a> {
    pub person: Option<PersonId>,
    pub practice: Option<PracticeId>,
    pub provider_customer_id: &'a str,
    pub provider_method_id: &'a str,
    pub kind: &'a str,
    pub label: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChargeAttemptRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ChargeAttemptId,
    #[sqlx(try_from = "Uuid")]
    pub invoice_id: InvoiceId,
    pub attempt_no: i64,
    pub attempted_on: String,
    pub provider_ref: Option<String>,
    pub provider_method_id: Option<String>,
    /// 'pending', 'succeeded', 'failed'.
    pub outcome: String,
    pub failure_message: String,
    pub next_attempt_on: Option<String>,
    pub amount_cents: Option<i64>,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewChargeAttempt<'a> {
    pub invoice: InvoiceId,
    pub attempt_no: i64,
    pub attempted_on: Date,
    pub amount_cents: i64,
    pub provider_method_id: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookEventRow {
    pub provider_event_id: String,
    pub event_type: String,
    pub outcome: String,
    pub received_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRejectionRow {
    pub received_at: i64,
    pub reason: String,
    pub excerpt: String,
}

impl Scoped {
    pub async fn payment_settings(&self) -> StoreResult<Option<PaymentSettingsRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT publishable_key, secret_key_enc, webhook_secret_enc, api_base, updated_at \
             FROM payment_settings WHERE society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn checkout_session(
        &self,
        provider_id: &str,
    ) -> StoreResult<Option<CheckoutSessionRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT provider_session_id, invoice_id, amount_cents, save_method, status, \
             provider_payment_ref, created_at, completed_at \
             FROM checkout_session WHERE society_id = $1 AND provider_session_id = $2"
        )
        .bind(self.society.id.0)
        .bind(provider_id)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn setup_session(&self, provider_id: &str) -> StoreResult<Option<SetupSessionRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT provider_session_id, person_id, membership_id, completed_at \
             FROM setup_session WHERE society_id = $1 AND provider_session_id = $2"
        )
        .bind(self.society.id.0)
        .bind(provider_id)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn webhook_event_seen(&self, event_id: &str) -> StoreResult<bool> {
        let found: Option<i64> = on!(self.db.reader(), |c| {
            sqlx::query_scalar(
            "SELECT received_at FROM webhook_event WHERE society_id = $1 AND provider_event_id = $2"
        )
        .bind(self.society.id.0)
        .bind(event_id)
        .fetch_optional(c)
        .await
        })?;
        Ok(found.is_some())
    }

    pub async fn recent_webhook_events(&self, limit: i64) -> StoreResult<Vec<WebhookEventRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT provider_event_id, event_type, outcome, received_at FROM webhook_event \
             WHERE society_id = $1 ORDER BY received_at DESC, provider_event_id LIMIT $2"
        )
        .bind(self.society.id.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    pub async fn recent_webhook_rejections(
        &self,
        limit: i64,
    ) -> StoreResult<Vec<WebhookRejectionRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT received_at, reason, excerpt FROM webhook_rejection \
             WHERE society_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2"
        )
        .bind(self.society.id.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// How many rejections were logged at or after `since` (to stop a flood filling the log).
    pub async fn webhook_rejections_since(&self, since: Timestamp) -> StoreResult<i64> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_rejection WHERE society_id = $1 AND received_at >= $2"
        )
        .bind(self.society.id.0)
        .bind(since.0)
        .fetch_one(c)
        .await)?)
    }

    /// An invoice's automatic-renewal charge attempts, first to last.
    pub async fn charge_attempts(&self, invoice: InvoiceId) -> StoreResult<Vec<ChargeAttemptRow>> {
        let sql = const_format_attempts::BY_INVOICE;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(invoice.0)
            .fetch_all(c)
            .await)?)
    }

    pub async fn charge_attempt(
        &self,
        id: ChargeAttemptId,
    ) -> StoreResult<Option<ChargeAttemptRow>> {
        let sql = const_format_attempts::BY_ID;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(id.0)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn charge_attempt_by_provider_ref(
        &self,
        provider_ref: &str,
    ) -> StoreResult<Option<ChargeAttemptRow>> {
        let sql = const_format_attempts::BY_PROVIDER_REF;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(provider_ref)
            .fetch_optional(c)
            .await)?)
    }

    /// Invoices whose latest attempt failed and whose retry is due on or before `today`.
    pub async fn charge_retries_due(&self, today: Date) -> StoreResult<Vec<ChargeAttemptRow>> {
        let sql = const_format_attempts::RETRIES_DUE;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(today.to_string())
            .fetch_all(c)
            .await)?)
    }

    pub async fn payment_method(
        &self,
        id: PaymentMethodId,
    ) -> StoreResult<Option<PaymentMethodRow>> {
        let sql = const_format_methods::BY_ID;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(id.0)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn payment_methods_of_person(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<PaymentMethodRow>> {
        let sql = const_format_methods::BY_PERSON;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(person.0)
            .fetch_all(c)
            .await)?)
    }

    pub async fn payment_method_by_provider(
        &self,
        provider_method_id: &str,
    ) -> StoreResult<Option<PaymentMethodRow>> {
        let sql = const_format_methods::BY_PROVIDER;
        Ok(on!(self.db.reader(), |c| sqlx::query_as(sql)
            .bind(self.society.id.0)
            .bind(provider_method_id)
            .fetch_optional(c)
            .await)?)
    }

    /// The membership's automatic renewal: `None` when off, `Some(method)` when on (the method
    /// is `None` when the saved one was removed).
    pub async fn auto_renewal(
        &self,
        membership: MembershipId,
    ) -> StoreResult<Option<Option<PaymentMethodId>>> {
        let row: Option<(Option<Uuid>,)> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT payment_method_id FROM auto_renewal WHERE society_id = $1 AND membership_id = $2"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_optional(c)
        .await
        })?;
        Ok(row.map(|(m,)| m.map(PaymentMethodId)))
    }

    /// The membership a person holds (one per person), if any.
    pub async fn membership_of_person(
        &self,
        person: PersonId,
    ) -> StoreResult<Option<MembershipId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM membership WHERE society_id = $1 AND person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(MembershipId))
    }
}

/// Statement texts built from the shared column lists (sqlx wants `&'static str`).
mod const_format_attempts {
    macro_rules! attempts {
        ($tail:literal) => {
            concat!(
                "SELECT id, invoice_id, attempt_no, attempted_on, provider_ref, \
                 provider_method_id, outcome, failure_message, next_attempt_on, amount_cents, \
                 created_at FROM charge_attempt ",
                $tail
            )
        };
    }
    pub const BY_INVOICE: &str =
        attempts!("WHERE society_id = $1 AND invoice_id = $2 ORDER BY attempt_no");
    pub const BY_ID: &str = attempts!("WHERE society_id = $1 AND id = $2");
    pub const BY_PROVIDER_REF: &str = attempts!("WHERE society_id = $1 AND provider_ref = $2");
    pub const RETRIES_DUE: &str = attempts!(
        "a WHERE society_id = $1 AND outcome = 'failed' AND next_attempt_on IS NOT NULL \
         AND next_attempt_on <= $2 AND NOT EXISTS (SELECT 1 FROM charge_attempt b \
           WHERE b.society_id = a.society_id AND b.invoice_id = a.invoice_id \
           AND b.attempt_no > a.attempt_no) ORDER BY next_attempt_on, attempt_no"
    );
}

mod const_format_methods {
    macro_rules! methods {
        ($tail:literal) => {
            concat!(
                "SELECT id, person_id, practice_id, provider_customer_id, provider_method_id, \
                 kind, label, created_at FROM payment_method ",
                $tail
            )
        };
    }
    pub const BY_ID: &str = methods!("WHERE society_id = $1 AND id = $2");
    pub const BY_PERSON: &str =
        methods!("WHERE society_id = $1 AND person_id = $2 ORDER BY created_at DESC, id");
    pub const BY_PROVIDER: &str = methods!("WHERE society_id = $1 AND provider_method_id = $2");
}

impl ScopedTx {
    pub async fn upsert_payment_settings(
        &mut self,
        publishable_key: &str,
        secret_key_enc: &[u8],
        webhook_secret_enc: &[u8],
        api_base: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO payment_settings (society_id, publishable_key, secret_key_enc, \
             webhook_secret_enc, api_base, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (society_id) DO UPDATE SET publishable_key = excluded.publishable_key, \
             secret_key_enc = excluded.secret_key_enc, \
             webhook_secret_enc = excluded.webhook_secret_enc, api_base = excluded.api_base, \
             updated_at = excluded.updated_at"
        )
        .bind(society)
        .bind(publishable_key)
        .bind(secret_key_enc)
        .bind(webhook_secret_enc)
        .bind(api_base)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Point the society's API calls somewhere else (a test stand-in). `false` without settings.
    pub async fn set_payment_api_base(&mut self, api_base: &str) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE payment_settings SET api_base = $2 WHERE society_id = $1"
        )
        .bind(society)
        .bind(api_base)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Record an event id as acted on. `false` when it already was (a replay): the caller
    /// must then roll back whatever else it wrote.
    pub async fn insert_webhook_event(
        &mut self,
        event_id: &str,
        event_type: &str,
        outcome: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO webhook_event (society_id, provider_event_id, event_type, outcome, \
             received_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (society_id, provider_event_id) DO NOTHING"
        )
        .bind(society)
        .bind(event_id)
        .bind(event_type)
        .bind(outcome)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn insert_webhook_rejection(
        &mut self,
        reason: &str,
        excerpt: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO webhook_rejection (society_id, id, received_at, reason, excerpt) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(WebhookRejectionId::new().0)
        .bind(now.0)
        .bind(reason)
        .bind(excerpt)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn insert_checkout_session(
        &mut self,
        provider_id: &str,
        invoice: InvoiceId,
        amount_cents: i64,
        save_method: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO checkout_session (society_id, provider_session_id, invoice_id, \
             amount_cents, save_method, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(provider_id)
        .bind(invoice.0)
        .bind(amount_cents)
        .bind(save_method)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Move a session on, only from one of the statuses in `from` (so a late or repeated event
    /// cannot move a paid session back). Returns whether it moved.
    pub async fn set_checkout_session_status(
        &mut self,
        provider_id: &str,
        from: [&str; 2],
        to: &str,
        payment_ref: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE checkout_session SET status = $3, \
             provider_payment_ref = COALESCE($4, provider_payment_ref), \
             completed_at = COALESCE(completed_at, $5) \
             WHERE society_id = $1 AND provider_session_id = $2 AND status IN ($6, $7)"
        )
        .bind(society)
        .bind(provider_id)
        .bind(to)
        .bind(payment_ref)
        .bind(now.0)
        .bind(from[0])
        .bind(from[1])
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn insert_setup_session(
        &mut self,
        provider_id: &str,
        person: PersonId,
        membership: Option<MembershipId>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO setup_session (society_id, provider_session_id, person_id, \
             membership_id, created_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(provider_id)
        .bind(person.0)
        .bind(membership.map(|m| m.0))
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn complete_setup_session(
        &mut self,
        provider_id: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE setup_session SET completed_at = $3 \
             WHERE society_id = $1 AND provider_session_id = $2 AND completed_at IS NULL"
        )
        .bind(society)
        .bind(provider_id)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Save a method (or find it saved already); returns its id.
    pub async fn upsert_payment_method(
        &mut self,
        method: &NewPaymentMethod<'_>,
        now: Timestamp,
    ) -> StoreResult<PaymentMethodId> {
        let society = self.society_id.0;
        let id = PaymentMethodId::new();
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO payment_method (society_id, id, person_id, practice_id, \
             provider_customer_id, provider_method_id, kind, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (society_id, provider_method_id) DO UPDATE SET label = excluded.label"
        )
        .bind(society)
        .bind(id.0)
        .bind(method.person.map(|p| p.0))
        .bind(method.practice.map(|p| p.0))
        .bind(method.provider_customer_id)
        .bind(method.provider_method_id)
        .bind(method.kind)
        .bind(method.label)
        .bind(now.0)
        .execute(c)
        .await)?;
        let sql = const_format_methods::BY_PROVIDER;
        let row: PaymentMethodRow = on!(self.tx.conn(), |c| sqlx::query_as(sql)
            .bind(society)
            .bind(method.provider_method_id)
            .fetch_one(c)
            .await)?;
        Ok(row.id)
    }

    /// Turn automatic renewal on for a membership, charging `method`.
    pub async fn set_auto_renewal(
        &mut self,
        membership: MembershipId,
        method: Option<PaymentMethodId>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO auto_renewal (society_id, membership_id, payment_method_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (society_id, membership_id) \
             DO UPDATE SET payment_method_id = excluded.payment_method_id"
        )
        .bind(society)
        .bind(membership.0)
        .bind(method.map(|m| m.0))
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Remove a person's saved method. Automatic renewal that used it stays on without a method
    /// (the renewal is then invoiced by email). Returns whether a row went.
    pub async fn delete_payment_method(
        &mut self,
        id: PaymentMethodId,
        person: PersonId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE auto_renewal SET payment_method_id = NULL WHERE society_id = $1 \
             AND payment_method_id = $2 AND EXISTS (SELECT 1 FROM payment_method m \
               WHERE m.society_id = $1 AND m.id = $2 AND m.person_id = $3)"
        )
        .bind(society)
        .bind(id.0)
        .bind(person.0)
        .execute(c)
        .await)?;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM payment_method WHERE society_id = $1 AND id = $2 AND person_id = $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(person.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Claim attempt `attempt_no` of an invoice's charge. `None` when that attempt already
    /// exists (another run is making it): the caller must not charge.
    pub async fn insert_charge_attempt(
        &mut self,
        attempt: &NewChargeAttempt<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<ChargeAttemptId>> {
        let society = self.society_id.0;
        let id = ChargeAttemptId::new();
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO charge_attempt (society_id, id, invoice_id, attempt_no, attempted_on, \
             outcome, amount_cents, provider_method_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) \
             ON CONFLICT (society_id, invoice_id, attempt_no) DO NOTHING"
        )
        .bind(society)
        .bind(id.0)
        .bind(attempt.invoice.0)
        .bind(attempt.attempt_no)
        .bind(attempt.attempted_on.to_string())
        .bind(attempt.amount_cents)
        .bind(attempt.provider_method_id)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok((n == 1).then_some(id))
    }

    pub async fn set_charge_provider_ref(
        &mut self,
        id: ChargeAttemptId,
        provider_ref: &str,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE charge_attempt SET provider_ref = $3 \
             WHERE society_id = $1 AND id = $2 AND provider_ref IS NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(provider_ref)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A pending attempt failed; `false` when it was no longer pending (already settled).
    pub async fn fail_charge_attempt(
        &mut self,
        id: ChargeAttemptId,
        message: &str,
        next_attempt_on: Option<Date>,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE charge_attempt SET outcome = 'failed', failure_message = $3, \
             next_attempt_on = $4 WHERE society_id = $1 AND id = $2 AND outcome = 'pending'"
        )
        .bind(society)
        .bind(id.0)
        .bind(message)
        .bind(next_attempt_on.map(|d| d.to_string()))
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// A pending attempt succeeded; `false` when it was no longer pending.
    pub async fn succeed_charge_attempt(&mut self, id: ChargeAttemptId) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE charge_attempt SET outcome = 'succeeded', next_attempt_on = NULL \
             WHERE society_id = $1 AND id = $2 AND outcome = 'pending'"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }
}
