//! People's profiles and professional identifiers, directory visibility (the person's choices,
//! staff locks, the society's defaults), the directory itself, and what the member portal reads
//! about a person's membership. Rules live in `chapterhouse_core::people`; this module only reads
//! and writes rows.
//!
//! The directory query applies visibility in SQL: a field the viewer may not see comes back as
//! NULL, and searches match only what the viewer can see, so a hidden value never reaches the
//! page model and cannot be found by searching for it either.

use chapterhouse_core::people::{DirectoryField, Visibility};
use chapterhouse_core::{LevelId, LicenceId, MembershipId, PersonId, Timestamp};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

/// A postal address (US). Empty strings where not given.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.line1.is_empty()
            && self.line2.is_empty()
            && self.city.is_empty()
            && self.state.is_empty()
            && self.postal_code.is_empty()
    }
}

/// A state licence to practise.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Licence {
    pub state: String,
    pub number: String,
    /// ISO date.
    pub expires_on: Option<String>,
}

/// Everything a profile form edits. Text fields are stored trimmed; empty means not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileFields {
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub credentials: String,
    /// `core::people::Profession::as_str`.
    pub profession: String,
    pub npi: Option<String>,
    pub specialty: String,
    pub phone: String,
    pub abim_id: String,
    pub nabp_eprofile_id: String,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub primary_taxonomy: Option<String>,
    /// Other taxonomy codes, without the primary one.
    pub other_taxonomies: Vec<String>,
    pub licences: Vec<Licence>,
    pub practice_address: Address,
    pub home_address: Address,
}

/// A person's profile as stored.
#[derive(Clone, Debug)]
pub struct Profile {
    pub id: PersonId,
    pub email: String,
    pub fields: ProfileFields,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: Uuid,
    email: String,
    display_name: String,
    first_name: String,
    last_name: String,
    credentials: String,
    profession: String,
    npi: Option<String>,
    specialty: String,
    phone: String,
    abim_id: String,
    nabp_eprofile_id: String,
    birth_month: Option<i64>,
    birth_day: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    kind: String,
    #[sqlx(flatten)]
    address: Address,
}

/// A person's own choice for one field, and whether staff locked it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldChoice {
    pub field: DirectoryField,
    pub visibility: Visibility,
    pub locked: bool,
}

/// What the directory can search by. Text matches are case-insensitive substrings.
#[derive(Clone, Debug, Default)]
pub struct DirectorySearch {
    /// Matched against the name.
    pub name: Option<String>,
    pub specialty: Option<String>,
    /// Matched against the practice address's city.
    pub city: Option<String>,
    /// A two-letter state code, matched against the practice address.
    pub state: Option<String>,
    /// A taxonomy code any of the person's codes must equal.
    pub taxonomy: Option<String>,
    pub limit: i64,
}

/// One listed member as a viewer may see them: every field the viewer may not see is None.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DirectoryEntry {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub credentials: Option<String>,
    pub specialty: Option<String>,
    pub primary_taxonomy: Option<String>,
    pub practice: Option<String>,
    pub practice_line1: Option<String>,
    pub practice_line2: Option<String>,
    pub practice_city: Option<String>,
    pub practice_state: Option<String>,
    pub practice_postal_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub npi: Option<String>,
    pub home_line1: Option<String>,
    pub home_line2: Option<String>,
    pub home_city: Option<String>,
    pub home_state: Option<String>,
    pub home_postal_code: Option<String>,
    pub abim_id: Option<String>,
    /// Whether the viewer may see the person's taxonomy codes and licences (read separately).
    pub taxonomy_visible: bool,
    pub licences_visible: bool,
}

/// The signed-in person's membership, for the portal.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PortalMembership {
    #[sqlx(try_from = "Uuid")]
    pub id: MembershipId,
    #[sqlx(try_from = "Uuid")]
    pub level_id: LevelId,
    pub level_name: String,
    pub fee_cents: i64,
    pub for_practices: bool,
    pub status: String,
    pub status_since: String,
    pub joined_on: String,
    pub application: Option<String>,
    pub grace_days: i64,
    pub auto_renew_allowed: bool,
    pub auto_renew_on: bool,
    /// The practice paying for this membership's seat, if any.
    pub paid_by_practice: Option<String>,
}

/// One term of a membership's history.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TermHistory {
    pub start_on: String,
    pub end_on: Option<String>,
    pub level_name: String,
}

/// A level a member may change to.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LevelChoice {
    #[sqlx(try_from = "Uuid")]
    pub id: LevelId,
    pub name: String,
    pub fee_cents: i64,
}

/// A clinician linked to a practice the manager manages.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Colleague {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub display_name: String,
    pub practice: String,
}

/// The query behind [`Scoped::directory`] and [`Scoped::directory_entry`].
///
/// Binds: $1 society; $2 'members' when the viewer sees members-only fields (else 'public');
/// $3 'private' when the viewer sees private fields (else 'public'); $4–$14 the built-in
/// defaults of the fields in `DirectoryField::ALL` order; $15 one person or NULL; $16 name
/// pattern; $17 specialty pattern; $18 city pattern; $19 state; $20 taxonomy code; $21 limit.
const DIRECTORY_SQL: &str = "SELECT * FROM (SELECT p.id, p.display_name, p.first_name, p.last_name, \
    CASE WHEN COALESCE(v.credentials, d.credentials, $4) IN ('public', $2, $3) THEN p.credentials END AS credentials, \
    CASE WHEN COALESCE(v.specialty, d.specialty, $5) IN ('public', $2, $3) THEN p.specialty END AS specialty, \
    CASE WHEN COALESCE(v.taxonomy, d.taxonomy, $6) IN ('public', $2, $3) THEN \
      (SELECT MIN(t.code) FROM person_taxonomy t WHERE t.society_id = p.society_id AND t.person_id = p.id AND t.is_primary) \
      END AS primary_taxonomy, \
    CASE WHEN COALESCE(v.practice, d.practice, $7) IN ('public', $2, $3) THEN \
      (SELECT MIN(pr.name) FROM practice_link pl JOIN practice pr ON pr.society_id = pl.society_id AND pr.id = pl.practice_id \
       WHERE pl.society_id = p.society_id AND pl.person_id = p.id) END AS practice, \
    CASE WHEN COALESCE(v.practice_address, d.practice_address, $8) IN ('public', $2, $3) THEN pa.line1 END AS practice_line1, \
    CASE WHEN COALESCE(v.practice_address, d.practice_address, $8) IN ('public', $2, $3) THEN pa.line2 END AS practice_line2, \
    CASE WHEN COALESCE(v.practice_address, d.practice_address, $8) IN ('public', $2, $3) THEN pa.city END AS practice_city, \
    CASE WHEN COALESCE(v.practice_address, d.practice_address, $8) IN ('public', $2, $3) THEN pa.state END AS practice_state, \
    CASE WHEN COALESCE(v.practice_address, d.practice_address, $8) IN ('public', $2, $3) THEN pa.postal_code END AS practice_postal_code, \
    CASE WHEN COALESCE(v.email, d.email, $9) IN ('public', $2, $3) THEN p.email END AS email, \
    CASE WHEN COALESCE(v.phone, d.phone, $10) IN ('public', $2, $3) THEN p.phone END AS phone, \
    CASE WHEN COALESCE(v.npi, d.npi, $11) IN ('public', $2, $3) THEN p.npi END AS npi, \
    CASE WHEN COALESCE(v.home_address, d.home_address, $12) IN ('public', $2, $3) THEN ha.line1 END AS home_line1, \
    CASE WHEN COALESCE(v.home_address, d.home_address, $12) IN ('public', $2, $3) THEN ha.line2 END AS home_line2, \
    CASE WHEN COALESCE(v.home_address, d.home_address, $12) IN ('public', $2, $3) THEN ha.city END AS home_city, \
    CASE WHEN COALESCE(v.home_address, d.home_address, $12) IN ('public', $2, $3) THEN ha.state END AS home_state, \
    CASE WHEN COALESCE(v.home_address, d.home_address, $12) IN ('public', $2, $3) THEN ha.postal_code END AS home_postal_code, \
    CASE WHEN COALESCE(v.abim_id, d.abim_id, $14) IN ('public', $2, $3) THEN p.abim_id END AS abim_id, \
    (COALESCE(v.taxonomy, d.taxonomy, $6) IN ('public', $2, $3)) AS taxonomy_visible, \
    (COALESCE(v.licences, d.licences, $13) IN ('public', $2, $3)) AS licences_visible \
    FROM person p \
    JOIN membership m ON m.society_id = p.society_id AND m.person_id = p.id \
    LEFT JOIN person_address pa ON pa.society_id = p.society_id AND pa.person_id = p.id AND pa.kind = 'practice' \
    LEFT JOIN person_address ha ON ha.society_id = p.society_id AND ha.person_id = p.id AND ha.kind = 'home' \
    LEFT JOIN (SELECT person_id, \
        MAX(CASE WHEN field = 'credentials' THEN visibility END) AS credentials, \
        MAX(CASE WHEN field = 'specialty' THEN visibility END) AS specialty, \
        MAX(CASE WHEN field = 'taxonomy' THEN visibility END) AS taxonomy, \
        MAX(CASE WHEN field = 'practice' THEN visibility END) AS practice, \
        MAX(CASE WHEN field = 'practice_address' THEN visibility END) AS practice_address, \
        MAX(CASE WHEN field = 'email' THEN visibility END) AS email, \
        MAX(CASE WHEN field = 'phone' THEN visibility END) AS phone, \
        MAX(CASE WHEN field = 'npi' THEN visibility END) AS npi, \
        MAX(CASE WHEN field = 'home_address' THEN visibility END) AS home_address, \
        MAX(CASE WHEN field = 'licences' THEN visibility END) AS licences, \
        MAX(CASE WHEN field = 'abim_id' THEN visibility END) AS abim_id \
        FROM person_field_visibility WHERE society_id = $1 GROUP BY person_id) v ON v.person_id = p.id \
    CROSS JOIN (SELECT \
        MAX(CASE WHEN field = 'credentials' THEN visibility END) AS credentials, \
        MAX(CASE WHEN field = 'specialty' THEN visibility END) AS specialty, \
        MAX(CASE WHEN field = 'taxonomy' THEN visibility END) AS taxonomy, \
        MAX(CASE WHEN field = 'practice' THEN visibility END) AS practice, \
        MAX(CASE WHEN field = 'practice_address' THEN visibility END) AS practice_address, \
        MAX(CASE WHEN field = 'email' THEN visibility END) AS email, \
        MAX(CASE WHEN field = 'phone' THEN visibility END) AS phone, \
        MAX(CASE WHEN field = 'npi' THEN visibility END) AS npi, \
        MAX(CASE WHEN field = 'home_address' THEN visibility END) AS home_address, \
        MAX(CASE WHEN field = 'licences' THEN visibility END) AS licences, \
        MAX(CASE WHEN field = 'abim_id' THEN visibility END) AS abim_id \
        FROM directory_default WHERE society_id = $1) d \
    WHERE p.society_id = $1 AND m.status IN ('active', 'grace') AND p.anonymised_at IS NULL \
      AND ($15 IS NULL OR p.id = $15)) x \
    WHERE ($16 IS NULL OR LOWER(x.display_name) LIKE $16 OR LOWER(x.first_name || ' ' || x.last_name) LIKE $16) \
      AND ($17 IS NULL OR LOWER(x.specialty) LIKE $17) \
      AND ($18 IS NULL OR LOWER(x.practice_city) LIKE $18) \
      AND ($19 IS NULL OR x.practice_state = $19) \
      AND ($20 IS NULL OR (x.taxonomy_visible AND EXISTS (SELECT 1 FROM person_taxonomy t2 \
           WHERE t2.society_id = $1 AND t2.person_id = x.id AND t2.code = $20))) \
    ORDER BY LOWER(CASE WHEN x.last_name = '' THEN x.display_name ELSE x.last_name END), \
      LOWER(x.first_name), x.display_name, x.id \
    LIMIT $21";

fn pattern(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.to_lowercase()))
}

impl Scoped {
    /// A person's profile, or None when the person is not this society's.
    pub async fn profile(&self, person: PersonId) -> StoreResult<Option<Profile>> {
        let row: Option<PersonRow> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT id, email, display_name, first_name, last_name, credentials, profession, npi, \
             specialty, phone, abim_id, nabp_eprofile_id, birth_month, birth_day \
             FROM person WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let taxonomies: Vec<(String, bool)> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT code, is_primary FROM person_taxonomy WHERE society_id = $1 AND person_id = $2 \
             ORDER BY is_primary DESC, code"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await
        })?;
        let licences = self.licences(person).await?;
        let addresses: Vec<AddressRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT kind, line1, line2, city, state, postal_code FROM person_address \
             WHERE society_id = $1 AND person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        let address = |kind: &str| {
            addresses
                .iter()
                .find(|a| a.kind == kind)
                .map(|a| a.address.clone())
                .unwrap_or_default()
        };
        Ok(Some(Profile {
            id: PersonId(row.id),
            email: row.email,
            fields: ProfileFields {
                display_name: row.display_name,
                first_name: row.first_name,
                last_name: row.last_name,
                credentials: row.credentials,
                profession: row.profession,
                npi: row.npi,
                specialty: row.specialty,
                phone: row.phone,
                abim_id: row.abim_id,
                nabp_eprofile_id: row.nabp_eprofile_id,
                birth_month: row.birth_month,
                birth_day: row.birth_day,
                primary_taxonomy: taxonomies
                    .iter()
                    .find(|(_, primary)| *primary)
                    .map(|(c, _)| c.clone()),
                other_taxonomies: taxonomies
                    .iter()
                    .filter(|(_, primary)| !primary)
                    .map(|(c, _)| c.clone())
                    .collect(),
                licences,
                practice_address: address("practice"),
                home_address: address("home"),
            },
        }))
    }

    /// A person's licences, by state.
    pub async fn licences(&self, person: PersonId) -> StoreResult<Vec<Licence>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT state, number, expires_on FROM person_licence \
             WHERE society_id = $1 AND person_id = $2 ORDER BY state, number"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// A person's taxonomy codes, the primary one first.
    pub async fn taxonomy_codes(&self, person: PersonId) -> StoreResult<Vec<String>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT code FROM person_taxonomy WHERE society_id = $1 AND person_id = $2 \
             ORDER BY is_primary DESC, code"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// The person holding an NPI, with their name (for staff; members are never told).
    pub async fn person_by_npi(&self, npi: &str) -> StoreResult<Option<(PersonId, String)>> {
        let row: Option<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, display_name FROM person WHERE society_id = $1 AND npi = $2"
        )
        .bind(self.society.id.0)
        .bind(npi)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(|(id, name)| (PersonId(id), name)))
    }

    /// The person's own visibility choices (fields without a row follow the society default).
    pub async fn field_choices(&self, person: PersonId) -> StoreResult<Vec<FieldChoice>> {
        let rows: Vec<(String, String, bool)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT field, visibility, locked FROM person_field_visibility \
             WHERE society_id = $1 AND person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(field, visibility, locked)| {
                Some(FieldChoice {
                    field: DirectoryField::parse(&field)?,
                    visibility: Visibility::parse(&visibility)?,
                    locked,
                })
            })
            .collect())
    }

    /// The society's default per field (fields without a row use the built-in default).
    pub async fn directory_defaults(&self) -> StoreResult<Vec<(DirectoryField, Visibility)>> {
        let rows: Vec<(String, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT field, visibility FROM directory_default WHERE society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(f, v)| Some((DirectoryField::parse(&f)?, Visibility::parse(&v)?)))
            .collect())
    }

    async fn directory_query(
        &self,
        person: Option<PersonId>,
        search: &DirectorySearch,
        widest: Visibility,
    ) -> StoreResult<Vec<DirectoryEntry>> {
        let members = if widest >= Visibility::Members {
            "members"
        } else {
            "public"
        };
        let private = if widest >= Visibility::Private {
            "private"
        } else {
            "public"
        };
        let defaults = DirectoryField::ALL.map(|f| f.builtin_default().as_str());
        let state = search
            .state
            .as_deref()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty());
        let taxonomy = search
            .taxonomy
            .as_deref()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty());
        let limit = if search.limit > 0 { search.limit } else { 200 };
        Ok(on!(self.db.reader(), |c| {
            let mut q = sqlx::query_as(DIRECTORY_SQL)
                .bind(self.society.id.0)
                .bind(members)
                .bind(private);
            for d in defaults {
                q = q.bind(d);
            }
            q.bind(person.map(|p| p.0))
                .bind(pattern(&search.name))
                .bind(pattern(&search.specialty))
                .bind(pattern(&search.city))
                .bind(state.clone())
                .bind(taxonomy.clone())
                .bind(limit)
                .fetch_all(c)
                .await
        })?)
    }

    /// Listed members (membership active or in grace) matching `search`, with only the fields a
    /// viewer who sees up to `widest` may see.
    pub async fn directory(
        &self,
        search: &DirectorySearch,
        widest: Visibility,
    ) -> StoreResult<Vec<DirectoryEntry>> {
        self.directory_query(None, search, widest).await
    }

    /// One listed member as such a viewer sees them; None when the person is not listed.
    pub async fn directory_entry(
        &self,
        person: PersonId,
        widest: Visibility,
    ) -> StoreResult<Option<DirectoryEntry>> {
        Ok(self
            .directory_query(Some(person), &DirectorySearch::default(), widest)
            .await?
            .pop())
    }

    /// A person's membership as the portal shows it.
    pub async fn portal_membership(
        &self,
        person: PersonId,
    ) -> StoreResult<Option<PortalMembership>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT m.id, m.level_id, l.name AS level_name, l.fee_cents, l.for_practices, m.status, \
             m.status_since, m.joined_on, m.application, l.grace_days, l.auto_renew_allowed, \
             EXISTS (SELECT 1 FROM auto_renewal a WHERE a.society_id = m.society_id \
               AND a.membership_id = m.id) AS auto_renew_on, \
             (SELECT MIN(pr.name) FROM membership_seat s JOIN practice pr \
               ON pr.society_id = s.society_id AND pr.id = s.practice_id \
               WHERE s.society_id = m.society_id AND s.membership_id = m.id) AS paid_by_practice \
             FROM membership m \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE m.society_id = $1 AND m.person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await
        })?)
    }

    /// A membership's terms, newest first, with the level each was paid at.
    pub async fn term_history(&self, membership: MembershipId) -> StoreResult<Vec<TermHistory>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT t.start_on, t.end_on, l.name AS level_name FROM membership_term t \
             JOIN membership_level l ON l.society_id = t.society_id AND l.id = t.level_id \
             WHERE t.society_id = $1 AND t.membership_id = $2 ORDER BY t.start_on DESC"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_all(c)
        .await)?)
    }

    /// The levels a member of `from` may change to from the portal (not archived).
    pub async fn level_changes_from(&self, from: LevelId) -> StoreResult<Vec<LevelChoice>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.id, l.name, l.fee_cents FROM level_change c \
             JOIN membership_level l ON l.society_id = c.society_id AND l.id = c.to_level_id \
             WHERE c.society_id = $1 AND c.from_level_id = $2 AND NOT l.archived \
             ORDER BY l.sort_order, l.name"
        )
        .bind(self.society.id.0)
        .bind(from.0)
        .fetch_all(c)
        .await)?)
    }

    /// Whether `manager` manages a practice `colleague` is linked to.
    pub async fn manages_colleague(
        &self,
        manager: PersonId,
        colleague: PersonId,
    ) -> StoreResult<bool> {
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM practice_link mgr \
             JOIN practice_link col ON col.society_id = mgr.society_id \
               AND col.practice_id = mgr.practice_id \
             WHERE mgr.society_id = $1 AND mgr.person_id = $2 AND mgr.is_manager \
               AND col.person_id = $3"
        )
        .bind(self.society.id.0)
        .bind(manager.0)
        .bind(colleague.0)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// The people linked to the practices `manager` manages (not the manager), by name.
    pub async fn managed_colleagues(&self, manager: PersonId) -> StoreResult<Vec<Colleague>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT p.id, p.display_name, MIN(pr.name) AS practice FROM practice_link mgr \
             JOIN practice_link col ON col.society_id = mgr.society_id \
               AND col.practice_id = mgr.practice_id \
             JOIN practice pr ON pr.society_id = col.society_id AND pr.id = col.practice_id \
             JOIN person p ON p.society_id = col.society_id AND p.id = col.person_id \
             WHERE mgr.society_id = $1 AND mgr.person_id = $2 AND mgr.is_manager \
               AND col.person_id <> $2 \
             GROUP BY p.id, p.display_name ORDER BY p.display_name"
        )
        .bind(self.society.id.0)
        .bind(manager.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Write a person's profile: the person row, and their taxonomy codes, licences and
    /// addresses replaced by the given ones. An NPI another person holds is `Conflict("npi")`.
    pub async fn update_profile(
        &mut self,
        person: PersonId,
        fields: &ProfileFields,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET display_name = $3, first_name = $4, last_name = $5, \
             credentials = $6, profession = $7, npi = $8, specialty = $9, phone = $10, \
             abim_id = $11, nabp_eprofile_id = $12, birth_month = $13, birth_day = $14, \
             updated_at = $15 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(&fields.display_name)
        .bind(&fields.first_name)
        .bind(&fields.last_name)
        .bind(&fields.credentials)
        .bind(&fields.profession)
        .bind(&fields.npi)
        .bind(&fields.specialty)
        .bind(&fields.phone)
        .bind(&fields.abim_id)
        .bind(&fields.nabp_eprofile_id)
        .bind(fields.birth_month)
        .bind(fields.birth_day)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("npi"))?;
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM person_taxonomy WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .execute(c)
        .await)?;
        let codes = fields
            .primary_taxonomy
            .iter()
            .map(|c| (c, true))
            .chain(fields.other_taxonomies.iter().map(|c| (c, false)));
        for (code, primary) in codes {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO person_taxonomy (society_id, person_id, code, is_primary) \
                 VALUES ($1, $2, $3, $4)"
            )
            .bind(society)
            .bind(person.0)
            .bind(code)
            .bind(primary)
            .execute(c)
            .await)
            .map_err(conflict_on("taxonomy"))?;
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM person_licence WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .execute(c)
        .await)?;
        for licence in &fields.licences {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO person_licence (society_id, id, person_id, state, number, expires_on) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(society)
            .bind(LicenceId::new().0)
            .bind(person.0)
            .bind(&licence.state)
            .bind(&licence.number)
            .bind(&licence.expires_on)
            .execute(c)
            .await)
            .map_err(conflict_on("licence"))?;
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM person_address WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .execute(c)
        .await)?;
        for (kind, address) in [
            ("practice", &fields.practice_address),
            ("home", &fields.home_address),
        ] {
            if address.is_empty() {
                continue;
            }
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO person_address (society_id, person_id, kind, line1, line2, city, \
                 state, postal_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            )
            .bind(society)
            .bind(person.0)
            .bind(kind)
            .bind(&address.line1)
            .bind(&address.line2)
            .bind(&address.city)
            .bind(&address.state)
            .bind(&address.postal_code)
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    /// Set a person's choice for a field (and whether staff locked it).
    pub async fn put_field_visibility(
        &mut self,
        person: PersonId,
        field: DirectoryField,
        visibility: Visibility,
        locked: bool,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO person_field_visibility (society_id, person_id, field, visibility, locked) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (society_id, person_id, field) \
             DO UPDATE SET visibility = excluded.visibility, locked = excluded.locked"
        )
        .bind(society)
        .bind(person.0)
        .bind(field.as_str())
        .bind(visibility.as_str())
        .bind(locked)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Forget a person's choice for a field: it follows the society's default again.
    pub async fn clear_field_visibility(
        &mut self,
        person: PersonId,
        field: DirectoryField,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM person_field_visibility WHERE society_id = $1 AND person_id = $2 AND field = $3"
        )
        .bind(society)
        .bind(person.0)
        .bind(field.as_str())
        .execute(c)
        .await
        })?;
        Ok(())
    }

    pub async fn put_directory_default(
        &mut self,
        field: DirectoryField,
        visibility: Visibility,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO directory_default (society_id, field, visibility) VALUES ($1, $2, $3) \
             ON CONFLICT (society_id, field) DO UPDATE SET visibility = excluded.visibility"
        )
        .bind(society)
        .bind(field.as_str())
        .bind(visibility.as_str())
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Switch automatic renewal on (a row, without a payment method yet) or off. Returns whether
    /// anything changed.
    pub async fn switch_auto_renewal(
        &mut self,
        membership: MembershipId,
        on: bool,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = if on {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO auto_renewal (society_id, membership_id, created_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (society_id, membership_id) DO NOTHING"
            )
            .bind(society)
            .bind(membership.0)
            .bind(now.0)
            .execute(c)
            .await)?
        } else {
            exec!(self.tx.conn(), |c| sqlx::query(
                "DELETE FROM auto_renewal WHERE society_id = $1 AND membership_id = $2"
            )
            .bind(society)
            .bind(membership.0)
            .execute(c)
            .await)?
        };
        Ok(n > 0)
    }
}
