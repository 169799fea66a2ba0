//! An event's faculty (speakers, moderators, planners, reviewers): who they are, the sessions
//! they take part in, the agreement they accepted, their slides and CV (blobs), and their
//! financial-relationship disclosure with the planner's review of each relationship.

use chapterhouse_core::{
    BlobId, DisclosureId, EventId, EventSessionId, FacultyId, PersonId, RelationshipId, Timestamp,
    UserId,
};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

/// A faculty member with their person and the state of their disclosure.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Faculty {
    #[sqlx(try_from = "Uuid")]
    pub id: FacultyId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub credentials: String,
    pub email: String,
    /// 'speaker', 'moderator', 'planner', 'reviewer'.
    pub role: String,
    pub invited_at: i64,
    pub agreement_accepted_at: Option<i64>,
    pub agreement_text: String,
    pub cv_blob_id: Option<Uuid>,
    pub slides_blob_id: Option<Uuid>,
    pub disclosure_id: Option<Uuid>,
    pub submitted_at: Option<i64>,
    pub has_relationships: Option<bool>,
    pub attested: Option<bool>,
    pub reviewed_at: Option<i64>,
    /// When staff removed them (a speaker who withdrew); their records stay.
    pub removed_at: Option<i64>,
}

impl Faculty {
    /// "Ada Lee, MD".
    pub fn name_with_credentials(&self) -> String {
        if self.credentials.trim().is_empty() {
            self.display_name.clone()
        } else {
            format!("{}, {}", self.display_name, self.credentials.trim())
        }
    }

    pub fn disclosure(&self) -> Option<DisclosureId> {
        self.disclosure_id.map(DisclosureId)
    }

    pub fn slides(&self) -> Option<BlobId> {
        self.slides_blob_id.map(BlobId)
    }

    pub fn cv(&self) -> Option<BlobId> {
        self.cv_blob_id.map(BlobId)
    }
}

/// A disclosed relationship with the planner's decision.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DisclosedRelationship {
    #[sqlx(try_from = "Uuid")]
    pub id: RelationshipId,
    #[sqlx(try_from = "Uuid")]
    pub faculty_id: FacultyId,
    pub company: String,
    pub nature: String,
    pub has_ended: bool,
    pub relevant: Option<bool>,
    pub mitigation: String,
    pub mitigated_at: Option<i64>,
    pub position: i64,
}

/// A relationship to store with a new disclosure.
#[derive(Clone, Debug)]
pub struct NewRelationship<'a> {
    pub company: &'a str,
    pub nature: &'a str,
    pub has_ended: bool,
}

/// Which of a faculty member's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialSlot {
    Slides,
    Cv,
}

macro_rules! faculty_select {
    ($rest:literal) => {
        concat!(
            "SELECT f.id, f.event_id, f.person_id, p.display_name, p.credentials, p.email, f.role, \
             f.invited_at, f.agreement_accepted_at, f.agreement_text, f.cv_blob_id, \
             f.slides_blob_id, d.id AS disclosure_id, d.submitted_at, d.has_relationships, \
             d.attested, d.reviewed_at, f.removed_at \
             FROM event_faculty f \
             JOIN person p ON p.society_id = f.society_id AND p.id = f.person_id \
             LEFT JOIN disclosure d ON d.society_id = f.society_id AND d.faculty_id = f.id ",
            $rest
        )
    };
}

impl Scoped {
    /// An event's faculty, by name, including anyone removed (`removed_at` says who).
    pub async fn event_faculty(&self, event: EventId) -> StoreResult<Vec<Faculty>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(faculty_select!(
            "WHERE f.society_id = $1 AND f.event_id = $2 ORDER BY p.display_name, f.id"
        ))
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn faculty_member(&self, id: FacultyId) -> StoreResult<Option<Faculty>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(faculty_select!(
            "WHERE f.society_id = $1 AND f.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// A person's faculty row on an event, current or removed.
    pub async fn faculty_of_person(
        &self,
        event: EventId,
        person: PersonId,
    ) -> StoreResult<Option<Faculty>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(faculty_select!(
            "WHERE f.society_id = $1 AND f.event_id = $2 AND f.person_id = $3"
        ))
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// (faculty, session) pairs of an event.
    pub async fn faculty_sessions(
        &self,
        event: EventId,
    ) -> StoreResult<Vec<(FacultyId, EventSessionId)>> {
        let rows: Vec<(Uuid, Uuid)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT sf.faculty_id, sf.session_id FROM session_faculty sf \
             JOIN event_faculty f ON f.society_id = sf.society_id AND f.id = sf.faculty_id \
             WHERE sf.society_id = $1 AND f.event_id = $2"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(f, s)| (FacultyId(f), EventSessionId(s)))
            .collect())
    }

    /// Every disclosed relationship of an event's faculty, in the order they were listed.
    pub async fn event_relationships(
        &self,
        event: EventId,
    ) -> StoreResult<Vec<DisclosedRelationship>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT r.id, d.faculty_id, r.company, r.nature, r.has_ended, r.relevant, \
             r.mitigation, r.mitigated_at, r.position \
             FROM disclosure_relationship r \
             JOIN disclosure d ON d.society_id = r.society_id AND d.id = r.disclosure_id \
             JOIN event_faculty f ON f.society_id = d.society_id AND f.id = d.faculty_id \
             WHERE r.society_id = $1 AND f.event_id = $2 ORDER BY r.position, r.id"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }

    /// One faculty member's relationships, in the order they were listed.
    pub async fn faculty_relationships(
        &self,
        faculty: FacultyId,
    ) -> StoreResult<Vec<DisclosedRelationship>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT r.id, d.faculty_id, r.company, r.nature, r.has_ended, r.relevant, \
             r.mitigation, r.mitigated_at, r.position \
             FROM disclosure_relationship r \
             JOIN disclosure d ON d.society_id = r.society_id AND d.id = r.disclosure_id \
             WHERE r.society_id = $1 AND d.faculty_id = $2 ORDER BY r.position, r.id"
        )
        .bind(self.society.id.0)
        .bind(faculty.0)
        .fetch_all(c)
        .await)?)
    }

    /// The agreement staff wrote for an event's faculty ('' when they did not); None when there
    /// is no such event.
    pub async fn speaker_agreement(&self, event: EventId) -> StoreResult<Option<String>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT speaker_agreement FROM event WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_optional(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Add someone to an event's faculty. Someone already on it is `Conflict("email")`.
    pub async fn insert_faculty(
        &mut self,
        event: EventId,
        person: PersonId,
        role: &str,
        now: Timestamp,
    ) -> StoreResult<FacultyId> {
        let id = FacultyId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO event_faculty (society_id, id, event_id, person_id, role, invited_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(event.0)
        .bind(person.0)
        .bind(role)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("email"))?;
        Ok(id)
    }

    /// Remove a faculty member from their event (a speaker who withdrew): the row and its
    /// agreement, materials and disclosure stay, marked with the time; their session
    /// assignments go. False when there is no such current faculty member.
    pub async fn remove_faculty(&mut self, id: FacultyId, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_faculty SET removed_at = $3 \
             WHERE society_id = $1 AND id = $2 AND removed_at IS NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        if n != 1 {
            return Ok(false);
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM session_faculty WHERE society_id = $1 AND faculty_id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(true)
    }

    /// Put a removed faculty member back (invited again): the row, with what they had
    /// recorded, is current again from `now`.
    pub async fn restore_faculty(&mut self, id: FacultyId, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_faculty SET removed_at = NULL, invited_at = $3 \
             WHERE society_id = $1 AND id = $2 AND removed_at IS NOT NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Record that the invitation was sent again.
    pub async fn touch_faculty_invited(
        &mut self,
        id: FacultyId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_faculty SET invited_at = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Change a faculty member's role and sessions (replacing the sessions they had). The
    /// sessions must belong to the faculty member's event (the caller checks).
    pub async fn set_faculty_role_and_sessions(
        &mut self,
        id: FacultyId,
        role: &str,
        sessions: &[EventSessionId],
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_faculty SET role = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(role)
        .execute(c)
        .await)?;
        if n != 1 {
            return Ok(false);
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM session_faculty WHERE society_id = $1 AND faculty_id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        for session in sessions {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO session_faculty (society_id, session_id, faculty_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            )
            .bind(society)
            .bind(session.0)
            .bind(id.0)
            .execute(c)
            .await)?;
        }
        Ok(true)
    }

    /// Accept the agreement with the text shown. Accepting again keeps the first acceptance;
    /// returns whether this call recorded it.
    pub async fn accept_faculty_agreement(
        &mut self,
        id: FacultyId,
        text: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_faculty SET agreement_accepted_at = $3, agreement_text = $4 \
             WHERE society_id = $1 AND id = $2 AND agreement_accepted_at IS NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .bind(text)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Point a faculty member's slides or CV at a new blob and delete the file it replaces.
    pub async fn set_faculty_material(
        &mut self,
        id: FacultyId,
        slot: MaterialSlot,
        blob: BlobId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let old: Option<Option<Uuid>> = match slot {
            MaterialSlot::Slides => on!(self.tx.conn(), |c| sqlx::query_scalar(
                "SELECT slides_blob_id FROM event_faculty WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(id.0)
            .fetch_optional(c)
            .await)?,
            MaterialSlot::Cv => on!(self.tx.conn(), |c| sqlx::query_scalar(
                "SELECT cv_blob_id FROM event_faculty WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(id.0)
            .fetch_optional(c)
            .await)?,
        };
        let Some(old) = old else {
            return Ok(false);
        };
        match slot {
            MaterialSlot::Slides => exec!(self.tx.conn(), |c| sqlx::query(
                "UPDATE event_faculty SET slides_blob_id = $3 WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(id.0)
            .bind(blob.0)
            .execute(c)
            .await)?,
            MaterialSlot::Cv => exec!(self.tx.conn(), |c| sqlx::query(
                "UPDATE event_faculty SET cv_blob_id = $3 WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(id.0)
            .bind(blob.0)
            .execute(c)
            .await)?,
        };
        if let Some(old) = old {
            exec!(self.tx.conn(), |c| sqlx::query(
                "DELETE FROM blob WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(old)
            .execute(c)
            .await)?;
        }
        Ok(true)
    }

    /// Replace a faculty member's disclosure (and so its review) with a new one.
    pub async fn replace_disclosure(
        &mut self,
        faculty: FacultyId,
        attested: bool,
        relationships: &[NewRelationship<'_>],
        now: Timestamp,
    ) -> StoreResult<DisclosureId> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM disclosure WHERE society_id = $1 AND faculty_id = $2"
        )
        .bind(society)
        .bind(faculty.0)
        .execute(c)
        .await)?;
        let id = DisclosureId::new();
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO disclosure (society_id, id, faculty_id, submitted_at, has_relationships, \
             attested) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(faculty.0)
        .bind(now.0)
        .bind(!relationships.is_empty())
        .bind(attested)
        .execute(c)
        .await)?;
        for (position, r) in relationships.iter().enumerate() {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO disclosure_relationship (society_id, id, disclosure_id, company, \
                 nature, has_ended, position) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )
            .bind(society)
            .bind(RelationshipId::new().0)
            .bind(id.0)
            .bind(r.company)
            .bind(r.nature)
            .bind(r.has_ended)
            .bind(position as i64)
            .execute(c)
            .await)?;
        }
        Ok(id)
    }

    /// Record a planner's decision on one relationship of a disclosure.
    pub async fn decide_relationship(
        &mut self,
        disclosure: DisclosureId,
        relationship: RelationshipId,
        relevant: bool,
        mitigation: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let mitigated_at = relevant.then_some(now.0);
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE disclosure_relationship SET relevant = $4, mitigation = $5, mitigated_at = $6 \
             WHERE society_id = $1 AND disclosure_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(disclosure.0)
        .bind(relationship.0)
        .bind(relevant)
        .bind(mitigation)
        .bind(mitigated_at)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// Sign a disclosure off as reviewed, if it is still the one the planner read.
    pub async fn mark_disclosure_reviewed(
        &mut self,
        disclosure: DisclosureId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE disclosure SET reviewed_at = $3, reviewed_by = $4 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(disclosure.0)
        .bind(now.0)
        .bind(by.map(|u| u.0))
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Save the agreement text for an event's faculty ('' for the default).
    pub async fn set_speaker_agreement(&mut self, event: EventId, text: &str) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event SET speaker_agreement = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(event.0)
        .bind(text)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }
}
