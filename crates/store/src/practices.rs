//! Practices (groups that pay for their clinicians): the practice, its terms and stored status,
//! the people linked to it (managers act for it), and its seats (`membership_seat`: memberships
//! whose dues the practice pays; their status follows the practice's).

use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::{LevelId, MembershipId, PersonId, PracticeId, PracticeTermId, Timestamp};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on, parse_status};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Practice {
    #[sqlx(try_from = "Uuid")]
    pub id: PracticeId,
    pub name: String,
    pub npi: Option<String>,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub level_id: Option<Uuid>,
    pub key_contact_id: Option<Uuid>,
    pub billing_contact_id: Option<Uuid>,
    pub billing_email: String,
    pub po_number: String,
    pub joined_on: Option<String>,
    pub status: String,
    pub status_since: Option<String>,
}

impl Practice {
    pub fn level(&self) -> Option<LevelId> {
        self.level_id.map(LevelId)
    }
    pub fn key_contact(&self) -> Option<PersonId> {
        self.key_contact_id.map(PersonId)
    }
    pub fn billing_contact(&self) -> Option<PersonId> {
        self.billing_contact_id.map(PersonId)
    }
    pub fn status(&self) -> Status {
        parse_status(&self.status).unwrap_or(Status::Pending)
    }
}

/// What staff set on a practice.
#[derive(Clone, Debug, Default)]
pub struct PracticeFields {
    pub name: String,
    pub npi: Option<String>,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub level: Option<LevelId>,
    pub key_contact: Option<PersonId>,
    pub billing_contact: Option<PersonId>,
    pub billing_email: String,
    pub po_number: String,
}

/// A row of the staff practices list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PracticeRow {
    #[sqlx(try_from = "Uuid")]
    pub id: PracticeId,
    pub name: String,
    pub level_name: Option<String>,
    pub status: String,
    pub seats: i64,
    pub seat_limit: Option<i64>,
    pub term_end: Option<String>,
}

/// Someone linked to a practice, with their seat if the practice pays for them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PracticePerson {
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub email: String,
    pub profession: String,
    pub credentials: String,
    pub is_manager: bool,
    /// Their membership, if they have one.
    pub membership_id: Option<Uuid>,
    pub membership_status: Option<String>,
    /// Set when the practice pays for them.
    pub seat_added_on: Option<String>,
    pub seat_billed_through: Option<String>,
}

impl PracticePerson {
    pub fn membership(&self) -> Option<MembershipId> {
        self.membership_id.map(MembershipId)
    }
    pub fn has_seat(&self) -> bool {
        self.seat_added_on.is_some()
    }
}

/// A seat with what its charge depends on.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeatRow {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub profession: String,
    pub added_on: String,
    pub billed_through: Option<String>,
}

/// What the practice status rules need about one practice.
#[derive(Clone, Debug)]
pub struct PracticeState {
    pub id: PracticeId,
    pub status: Status,
    pub grace_days: u16,
    pub terms: Vec<Term>,
}

/// A practice whose latest term ends inside the reminder window.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PracticeReminderCandidate {
    #[sqlx(try_from = "Uuid")]
    pub practice_id: PracticeId,
    pub practice_name: String,
    #[sqlx(try_from = "Uuid")]
    pub level_id: LevelId,
    pub reminder_days: String,
    pub end_on: String,
    pub po_number: String,
    /// The billing email if set, else the billing contact's, else the key contact's ('' if none).
    pub to_email: String,
    pub to_name: String,
}

#[derive(sqlx::FromRow)]
struct PracticeStateRow {
    id: Uuid,
    status: String,
    grace_days: i64,
}

#[derive(sqlx::FromRow)]
struct PracticeTermRow {
    practice_id: Uuid,
    start_on: String,
    end_on: Option<String>,
}

fn parse_date(text: &str) -> StoreResult<Date> {
    text.parse()
        .map_err(|e| StoreError::Config(format!("stored date {text:?} is not a date: {e}")))
}

impl Scoped {
    pub async fn practices(&self) -> StoreResult<Vec<PracticeRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT pr.id, pr.name, l.name AS level_name, pr.status, \
             (SELECT COUNT(*) FROM membership_seat s \
               WHERE s.society_id = pr.society_id AND s.practice_id = pr.id) AS seats, \
             l.seat_limit, \
             (SELECT MAX(t.end_on) FROM practice_term t \
               WHERE t.society_id = pr.society_id AND t.practice_id = pr.id) AS term_end \
             FROM practice pr \
             LEFT JOIN membership_level l ON l.society_id = pr.society_id AND l.id = pr.level_id \
             WHERE pr.society_id = $1 ORDER BY pr.name"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn practice(&self, id: PracticeId) -> StoreResult<Option<Practice>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name, npi, phone, line1, line2, city, state, postal_code, \
             level_id, key_contact_id, billing_contact_id, billing_email, po_number, joined_on, \
             status, status_since FROM practice WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The practice's terms, oldest first.
    pub async fn practice_terms(&self, id: PracticeId) -> StoreResult<Vec<Term>> {
        let rows: Vec<PracticeTermRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT practice_id, start_on, end_on FROM practice_term \
             WHERE society_id = $1 AND practice_id = $2 ORDER BY start_on"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?;
        rows.iter()
            .map(|r| {
                Ok(Term {
                    start: parse_date(&r.start_on)?,
                    end: r.end_on.as_deref().map(parse_date).transpose()?,
                })
            })
            .collect()
    }

    /// Everyone linked to the practice, managers first, then by name.
    pub async fn practice_people(&self, id: PracticeId) -> StoreResult<Vec<PracticePerson>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT p.id AS person_id, p.display_name, p.email, p.profession, p.credentials, \
             k.is_manager, m.id AS membership_id, m.status AS membership_status, \
             s.added_on AS seat_added_on, s.billed_through AS seat_billed_through \
             FROM practice_link k \
             JOIN person p ON p.society_id = k.society_id AND p.id = k.person_id \
             LEFT JOIN membership m ON m.society_id = p.society_id AND m.person_id = p.id \
             LEFT JOIN membership_seat s ON s.society_id = m.society_id AND s.membership_id = m.id \
               AND s.practice_id = k.practice_id \
             WHERE k.society_id = $1 AND k.practice_id = $2 \
             ORDER BY k.is_manager DESC, p.display_name, p.email"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// The practice's seats with each clinician's profession.
    pub async fn practice_seats(&self, id: PracticeId) -> StoreResult<Vec<SeatRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT s.membership_id, p.id AS person_id, p.display_name, p.profession, \
             s.added_on, s.billed_through \
             FROM membership_seat s \
             JOIN membership m ON m.society_id = s.society_id AND m.id = s.membership_id \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             WHERE s.society_id = $1 AND s.practice_id = $2 ORDER BY p.display_name, p.email"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// The practices `person` manages, by name.
    pub async fn managed_practices(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<(PracticeId, String)>> {
        let rows: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT pr.id, pr.name FROM practice_link k \
             JOIN practice pr ON pr.society_id = k.society_id AND pr.id = k.practice_id \
             WHERE k.society_id = $1 AND k.person_id = $2 AND k.is_manager ORDER BY pr.name"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| (PracticeId(id), name))
            .collect())
    }

    /// The practice paying for a membership, if any.
    pub async fn seat_practice(&self, membership: MembershipId) -> StoreResult<Option<PracticeId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| {
            sqlx::query_scalar(
            "SELECT practice_id FROM membership_seat WHERE society_id = $1 AND membership_id = $2"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_optional(c)
        .await
        })?;
        Ok(id.map(PracticeId))
    }

    /// A person's membership, if they have one.
    pub async fn person_membership(&self, person: PersonId) -> StoreResult<Option<MembershipId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM membership WHERE society_id = $1 AND person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(MembershipId))
    }

    /// A person's stored profession.
    pub async fn person_profession(&self, person: PersonId) -> StoreResult<Option<String>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT profession FROM person WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// A person's name and email.
    pub async fn person_brief(&self, person: PersonId) -> StoreResult<Option<(String, String)>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT display_name, email FROM person WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Every practice with its terms, for the daily status run (two queries, grouped here).
    pub async fn practice_states(&self) -> StoreResult<Vec<PracticeState>> {
        let rows: Vec<PracticeStateRow> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT pr.id, pr.status, COALESCE(l.grace_days, 30) AS grace_days FROM practice pr \
             LEFT JOIN membership_level l ON l.society_id = pr.society_id AND l.id = pr.level_id \
             WHERE pr.society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await
        })?;
        let terms: Vec<PracticeTermRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT practice_id, start_on, end_on FROM practice_term WHERE society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?;
        let mut by_practice: std::collections::HashMap<Uuid, Vec<Term>> =
            std::collections::HashMap::new();
        for t in terms {
            by_practice.entry(t.practice_id).or_default().push(Term {
                start: parse_date(&t.start_on)?,
                end: t.end_on.as_deref().map(parse_date).transpose()?,
            });
        }
        Ok(rows
            .into_iter()
            .map(|r| PracticeState {
                id: PracticeId(r.id),
                status: parse_status(&r.status).unwrap_or(Status::Pending),
                grace_days: u16::try_from(r.grace_days).unwrap_or(u16::MAX),
                terms: by_practice.remove(&r.id).unwrap_or_default(),
            })
            .collect())
    }

    /// Practices whose latest term ends after `after` and on or before `through`, that are
    /// neither cancelled nor suspended (the daily run's reminder window).
    pub async fn practice_reminder_candidates(
        &self,
        after: Date,
        through: Date,
    ) -> StoreResult<Vec<PracticeReminderCandidate>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT pr.id AS practice_id, pr.name AS practice_name, l.id AS level_id, \
             l.reminder_days, t.end_on, pr.po_number, \
             COALESCE(NULLIF(pr.billing_email, ''), bc.email, kc.email, '') AS to_email, \
             COALESCE(bc.display_name, kc.display_name, pr.name) AS to_name \
             FROM practice_term t \
             JOIN practice pr ON pr.society_id = t.society_id AND pr.id = t.practice_id \
             JOIN membership_level l ON l.society_id = pr.society_id AND l.id = pr.level_id \
             LEFT JOIN person bc ON bc.society_id = pr.society_id AND bc.id = pr.billing_contact_id \
             LEFT JOIN person kc ON kc.society_id = pr.society_id AND kc.id = pr.key_contact_id \
             WHERE t.society_id = $1 AND t.end_on > $2 AND t.end_on <= $3 \
               AND pr.status IN ('active', 'grace', 'lapsed') \
               AND NOT EXISTS (SELECT 1 FROM practice_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.practice_id = t.practice_id \
                   AND (t2.end_on IS NULL OR t2.end_on > t.end_on))"
        )
        .bind(self.society.id.0)
        .bind(after.to_string())
        .bind(through.to_string())
        .fetch_all(c)
        .await
        })?)
    }
}

impl ScopedTx {
    pub async fn insert_practice(
        &mut self,
        fields: &PracticeFields,
        joined_on: Date,
        now: Timestamp,
    ) -> StoreResult<PracticeId> {
        let id = PracticeId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO practice (society_id, id, name, npi, phone, line1, line2, city, state, \
             postal_code, level_id, key_contact_id, billing_contact_id, billing_email, po_number, \
             joined_on, status, status_since, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             'pending', $16, $17)"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.name)
        .bind(&fields.npi)
        .bind(&fields.phone)
        .bind(&fields.line1)
        .bind(&fields.line2)
        .bind(&fields.city)
        .bind(&fields.state)
        .bind(&fields.postal_code)
        .bind(fields.level.map(|l| l.0))
        .bind(fields.key_contact.map(|p| p.0))
        .bind(fields.billing_contact.map(|p| p.0))
        .bind(&fields.billing_email)
        .bind(&fields.po_number)
        .bind(joined_on.to_string())
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(id)
    }

    /// `Conflict("name")` when another practice has the name.
    pub async fn update_practice(
        &mut self,
        id: PracticeId,
        fields: &PracticeFields,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE practice SET name = $3, npi = $4, phone = $5, line1 = $6, line2 = $7, \
             city = $8, state = $9, postal_code = $10, level_id = $11, key_contact_id = $12, \
             billing_contact_id = $13, billing_email = $14, po_number = $15 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.name)
        .bind(&fields.npi)
        .bind(&fields.phone)
        .bind(&fields.line1)
        .bind(&fields.line2)
        .bind(&fields.city)
        .bind(&fields.state)
        .bind(&fields.postal_code)
        .bind(fields.level.map(|l| l.0))
        .bind(fields.key_contact.map(|p| p.0))
        .bind(fields.billing_contact.map(|p| p.0))
        .bind(&fields.billing_email)
        .bind(&fields.po_number)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(n == 1)
    }

    /// Take the practice's row lock for the rest of the transaction (PostgreSQL; SQLite's
    /// single writer already serialises), so two colleagues added at once cannot both take the
    /// last seat. False when the practice does not exist in this society.
    pub async fn lock_practice(&mut self, id: PracticeId) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE practice SET name = name WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn count_seats(&mut self, practice: PracticeId) -> StoreResult<i64> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM membership_seat WHERE society_id = $1 AND practice_id = $2"
        )
        .bind(society)
        .bind(practice.0)
        .fetch_one(c)
        .await)?)
    }

    /// Add a paid practice term; `Conflict("term")` for a second term with the same start.
    pub async fn insert_practice_term(
        &mut self,
        practice: PracticeId,
        term: &Term,
        now: Timestamp,
    ) -> StoreResult<PracticeTermId> {
        let id = PracticeTermId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO practice_term (society_id, id, practice_id, start_on, end_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(practice.0)
        .bind(term.start.to_string())
        .bind(term.end.map(|d| d.to_string()))
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("term"))?;
        Ok(id)
    }

    /// Add the term a paid practice invoice buys. A term with that start already there (recorded
    /// by staff, or a replay) is kept and nothing is added; returns whether it was new. (Unlike
    /// [`Self::insert_practice_term`] this never trips the unique index, which would abort a
    /// PostgreSQL transaction that has the payment in it.)
    pub async fn insert_practice_term_once(
        &mut self,
        practice: PracticeId,
        term: &Term,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO practice_term (society_id, id, practice_id, start_on, end_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (society_id, practice_id, start_on) DO NOTHING"
        )
        .bind(society)
        .bind(PracticeTermId::new().0)
        .bind(practice.0)
        .bind(term.start.to_string())
        .bind(term.end.map(|d| d.to_string()))
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// One practice's status, grace days and terms, read inside the transaction (so it sees a
    /// term this transaction added).
    pub async fn practice_state(
        &mut self,
        practice: PracticeId,
    ) -> StoreResult<Option<PracticeState>> {
        let society = self.society_id.0;
        let row: Option<PracticeStateRow> = on!(self.tx.conn(), |c| {
            sqlx::query_as(
                "SELECT pr.id, pr.status, COALESCE(l.grace_days, 30) AS grace_days FROM practice pr \
                 LEFT JOIN membership_level l ON l.society_id = pr.society_id AND l.id = pr.level_id \
                 WHERE pr.society_id = $1 AND pr.id = $2",
            )
            .bind(society)
            .bind(practice.0)
            .fetch_optional(c)
            .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let terms: Vec<PracticeTermRow> = on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT practice_id, start_on, end_on FROM practice_term \
             WHERE society_id = $1 AND practice_id = $2 ORDER BY start_on"
        )
        .bind(society)
        .bind(practice.0)
        .fetch_all(c)
        .await)?;
        Ok(Some(PracticeState {
            id: PracticeId(row.id),
            status: parse_status(&row.status).unwrap_or(Status::Pending),
            grace_days: u16::try_from(row.grace_days).unwrap_or(u16::MAX),
            terms: terms
                .iter()
                .map(|t| {
                    Ok(Term {
                        start: parse_date(&t.start_on)?,
                        end: t.end_on.as_deref().map(parse_date).transpose()?,
                    })
                })
                .collect::<StoreResult<_>>()?,
        }))
    }

    /// Store a newly computed practice status; `status_since` moves only when it changes.
    pub async fn set_practice_status(
        &mut self,
        id: PracticeId,
        status: Status,
        today: Date,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE practice SET status = $3, status_since = $4 \
             WHERE society_id = $1 AND id = $2 AND status <> $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(status.as_str())
        .bind(today.to_string())
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Link a person to a practice (nothing if already linked; a manager stays a manager).
    pub async fn link_practice_person(
        &mut self,
        practice: PracticeId,
        person: PersonId,
        is_manager: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO practice_link (society_id, practice_id, person_id, is_manager, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (society_id, practice_id, person_id) \
             DO UPDATE SET is_manager = practice_link.is_manager OR excluded.is_manager"
        )
        .bind(society)
        .bind(practice.0)
        .bind(person.0)
        .bind(is_manager)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Make a linked person a manager or not; false when they are not linked.
    pub async fn set_practice_manager(
        &mut self,
        practice: PracticeId,
        person: PersonId,
        is_manager: bool,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE practice_link SET is_manager = $4 \
             WHERE society_id = $1 AND practice_id = $2 AND person_id = $3"
        )
        .bind(society)
        .bind(practice.0)
        .bind(person.0)
        .bind(is_manager)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn unlink_practice_person(
        &mut self,
        practice: PracticeId,
        person: PersonId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM practice_link WHERE society_id = $1 AND practice_id = $2 AND person_id = $3"
        )
        .bind(society)
        .bind(practice.0)
        .bind(person.0)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// The practice starts paying for a membership. `Conflict("seat")` when a practice already
    /// pays for it.
    pub async fn insert_practice_seat(
        &mut self,
        membership: MembershipId,
        practice: PracticeId,
        added_on: Date,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO membership_seat (society_id, membership_id, practice_id, added_on) \
             VALUES ($1, $2, $3, $4)"
        )
        .bind(society)
        .bind(membership.0)
        .bind(practice.0)
        .bind(added_on.to_string())
        .execute(c)
        .await)
        .map_err(conflict_on("seat"))?;
        Ok(())
    }

    /// The practice stops paying for a membership; false when it did not.
    pub async fn delete_seat(
        &mut self,
        practice: PracticeId,
        membership: MembershipId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM membership_seat WHERE society_id = $1 AND practice_id = $2 \
             AND membership_id = $3"
        )
        .bind(society)
        .bind(practice.0)
        .bind(membership.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// After invoicing: the practice's seats are billed through `through`.
    pub async fn mark_seats_billed(
        &mut self,
        practice: PracticeId,
        through: Date,
    ) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership_seat SET billed_through = $3 WHERE society_id = $1 \
             AND practice_id = $2 AND (billed_through IS NULL OR billed_through < $3)"
        )
        .bind(society)
        .bind(practice.0)
        .bind(through.to_string())
        .execute(c)
        .await)?)
    }

    /// Fill in a person's name parts, credentials and profession where they are still blank
    /// (never overwriting what the person or staff entered).
    pub async fn fill_person_details(
        &mut self,
        person: PersonId,
        first_name: &str,
        last_name: &str,
        credentials: &str,
        profession: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET \
             first_name = CASE WHEN first_name = '' THEN $3 ELSE first_name END, \
             last_name = CASE WHEN last_name = '' THEN $4 ELSE last_name END, \
             credentials = CASE WHEN credentials = '' THEN $5 ELSE credentials END, \
             profession = CASE WHEN profession = 'other' THEN $6 ELSE profession END, \
             updated_at = $7 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(first_name)
        .bind(last_name)
        .bind(credentials)
        .bind(profession)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A membership's level changes (a yearly transition, a level change).
    pub async fn set_membership_level(
        &mut self,
        membership: MembershipId,
        level: LevelId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership SET level_id = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(membership.0)
        .bind(level.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Record a practice notice once: false when it was already recorded (send nothing).
    pub async fn insert_practice_notice(
        &mut self,
        practice: PracticeId,
        kind: &str,
        for_end_on: Date,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO practice_notice (society_id, practice_id, kind, for_end_on, sent_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        )
        .bind(society)
        .bind(practice.0)
        .bind(kind)
        .bind(for_end_on.to_string())
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Record a membership notice once: false when it was already recorded (send nothing).
    pub async fn insert_membership_notice(
        &mut self,
        membership: MembershipId,
        kind: &str,
        for_end_on: Date,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO membership_notice (society_id, membership_id, kind, for_end_on, sent_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        )
        .bind(society)
        .bind(membership.0)
        .bind(kind)
        .bind(for_end_on.to_string())
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// Many notices (membership, kind, term end) with one statement per few thousand, each
    /// recorded once: returns the memberships whose notice is new (a repeated run gets none).
    /// A membership appears at most once in `notices` (one reminder step a day).
    pub async fn insert_membership_notices(
        &mut self,
        notices: &[(MembershipId, String, Date)],
        now: Timestamp,
    ) -> StoreResult<std::collections::HashSet<MembershipId>> {
        let society = self.society_id.0;
        let numbered = self.tx.is_postgres();
        let mut new = std::collections::HashSet::new();
        for chunk in notices.chunks(crate::import::batch_rows(5)) {
            let sql = crate::import::values_sql(
                "INSERT INTO membership_notice (society_id, membership_id, kind, for_end_on, \
                 sent_at)",
                5,
                chunk.len(),
                " ON CONFLICT DO NOTHING RETURNING membership_id",
                numbered,
            );
            let written: Vec<Uuid> = on!(self.tx.conn(), |c| {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
                for (membership, kind, end) in chunk {
                    q = q
                        .bind(society)
                        .bind(membership.0)
                        .bind(kind)
                        .bind(end.to_string())
                        .bind(now.0);
                }
                q.fetch_all(c).await
            })?;
            new.extend(written.into_iter().map(MembershipId));
        }
        Ok(new)
    }
}
