//! Committees and groups, and who sits on them (with a role and term dates). Dates are ISO text
//! in the society's zone; a seat with no end date is open.

use chapterhouse_core::{CommitteeId, CommitteeMemberId, PersonId, Timestamp};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Committee {
    #[sqlx(try_from = "Uuid")]
    pub id: CommitteeId,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub archived: bool,
    /// Seats held on the day asked about.
    pub current_members: i64,
}

#[derive(Clone, Debug)]
pub struct CommitteeFields {
    pub name: String,
    pub kind: String,
    pub description: String,
}

/// One seat: a person on a committee in a role, with its dates.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommitteeSeat {
    #[sqlx(try_from = "Uuid")]
    pub id: CommitteeMemberId,
    #[sqlx(try_from = "Uuid")]
    pub committee_id: CommitteeId,
    pub committee_name: String,
    pub committee_kind: String,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub start_on: Option<String>,
    pub end_on: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewSeat<'a> {
    pub committee: CommitteeId,
    pub person: PersonId,
    pub role: &'a str,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
}

impl Scoped {
    /// Every committee and group, with the number of seats held on `today`.
    pub async fn committees(&self, today: Date) -> StoreResult<Vec<Committee>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT c.id, c.name, c.kind, c.description, c.archived, \
             (SELECT COUNT(*) FROM committee_member s WHERE s.society_id = c.society_id \
               AND s.committee_id = c.id AND (s.start_on IS NULL OR s.start_on <= $2) \
               AND (s.end_on IS NULL OR s.end_on >= $2)) AS current_members \
             FROM committee c WHERE c.society_id = $1 ORDER BY c.archived, c.kind, c.name"
        )
        .bind(self.society.id.0)
        .bind(today.to_string())
        .fetch_all(c)
        .await)?)
    }

    pub async fn committee(&self, id: CommitteeId, today: Date) -> StoreResult<Option<Committee>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT c.id, c.name, c.kind, c.description, c.archived, \
             (SELECT COUNT(*) FROM committee_member s WHERE s.society_id = c.society_id \
               AND s.committee_id = c.id AND (s.start_on IS NULL OR s.start_on <= $3) \
               AND (s.end_on IS NULL OR s.end_on >= $3)) AS current_members \
             FROM committee c WHERE c.society_id = $1 AND c.id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .bind(today.to_string())
        .fetch_optional(c)
        .await)?)
    }

    /// Every seat on a committee, past and present (callers order and split them).
    pub async fn committee_seats(&self, committee: CommitteeId) -> StoreResult<Vec<CommitteeSeat>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT s.id, s.committee_id, c.name AS committee_name, c.kind AS committee_kind, \
             s.person_id, p.display_name, p.email, s.role, s.start_on, s.end_on \
             FROM committee_member s \
             JOIN committee c ON c.society_id = s.society_id AND c.id = s.committee_id \
             JOIN person p ON p.society_id = s.society_id AND p.id = s.person_id \
             WHERE s.society_id = $1 AND s.committee_id = $2 \
             ORDER BY p.display_name, s.start_on"
        )
        .bind(self.society.id.0)
        .bind(committee.0)
        .fetch_all(c)
        .await)?)
    }

    /// One seat of a committee.
    pub async fn committee_seat(
        &self,
        committee: CommitteeId,
        seat: CommitteeMemberId,
    ) -> StoreResult<Option<CommitteeSeat>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT s.id, s.committee_id, c.name AS committee_name, c.kind AS committee_kind, \
             s.person_id, p.display_name, p.email, s.role, s.start_on, s.end_on \
             FROM committee_member s \
             JOIN committee c ON c.society_id = s.society_id AND c.id = s.committee_id \
             JOIN person p ON p.society_id = s.society_id AND p.id = s.person_id \
             WHERE s.society_id = $1 AND s.committee_id = $2 AND s.id = $3"
        )
        .bind(self.society.id.0)
        .bind(committee.0)
        .bind(seat.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Every seat a person holds or held.
    pub async fn person_seats(&self, person: PersonId) -> StoreResult<Vec<CommitteeSeat>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT s.id, s.committee_id, c.name AS committee_name, c.kind AS committee_kind, \
             s.person_id, p.display_name, p.email, s.role, s.start_on, s.end_on \
             FROM committee_member s \
             JOIN committee c ON c.society_id = s.society_id AND c.id = s.committee_id \
             JOIN person p ON p.society_id = s.society_id AND p.id = s.person_id \
             WHERE s.society_id = $1 AND s.person_id = $2 \
             ORDER BY c.name, s.start_on"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// A taken name is `Conflict("name")`.
    pub async fn insert_committee(
        &mut self,
        fields: &CommitteeFields,
        now: Timestamp,
    ) -> StoreResult<CommitteeId> {
        let id = CommitteeId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO committee (society_id, id, name, kind, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.name)
        .bind(&fields.kind)
        .bind(&fields.description)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(id)
    }

    pub async fn insert_seat(
        &mut self,
        seat: &NewSeat<'_>,
        now: Timestamp,
    ) -> StoreResult<CommitteeMemberId> {
        let id = CommitteeMemberId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO committee_member (society_id, id, committee_id, person_id, role, start_on, \
             end_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(society)
        .bind(id.0)
        .bind(seat.committee.0)
        .bind(seat.person.0)
        .bind(seat.role)
        .bind(seat.start_on.map(|d| d.to_string()))
        .bind(seat.end_on.map(|d| d.to_string()))
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(id)
    }

    /// End a seat on `end_on` (the seat must belong to `committee` and still be open then).
    /// False when there was no such open seat: nothing changes.
    pub async fn end_seat(
        &mut self,
        committee: CommitteeId,
        seat: CommitteeMemberId,
        end_on: Date,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE committee_member SET end_on = $4 WHERE society_id = $1 AND committee_id = $2 \
             AND id = $3 AND (end_on IS NULL OR end_on > $4) \
             AND (start_on IS NULL OR start_on <= $4)"
        )
        .bind(society)
        .bind(committee.0)
        .bind(seat.0)
        .bind(end_on.to_string())
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }
}
