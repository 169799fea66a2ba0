//! Writes for demo data, tests and benchmarks that have no use-case of their own (a practice
//! address alone, a person's professional details in one statement). Free functions in
//! their own module, so they never collide with the use-case methods later slices add.

use chapterhouse_core::{MembershipId, PersonId, Timestamp};

use crate::{ScopedTx, StoreResult, conflict_on, exec};

/// Set the city and state of a person's practice address.
pub async fn set_practice_address(
    tx: &mut ScopedTx,
    person: PersonId,
    city: &str,
    state: &str,
) -> StoreResult<()> {
    let society = tx.society_id.0;
    exec!(tx.tx.conn(), |c| sqlx::query(
        "INSERT INTO person_address (society_id, person_id, kind, city, state) \
         VALUES ($1, $2, 'practice', $3, $4) ON CONFLICT (society_id, person_id, kind) \
         DO UPDATE SET city = excluded.city, state = excluded.state"
    )
    .bind(society)
    .bind(person.0)
    .bind(city)
    .bind(state)
    .execute(c)
    .await)?;
    Ok(())
}

/// A person with their professional details, in one statement.
#[derive(Clone, Debug, Default)]
pub struct SamplePerson<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub credentials: &'a str,
    pub profession: &'a str,
    pub specialty: &'a str,
    pub npi: Option<&'a str>,
}

pub async fn insert_person(
    tx: &mut ScopedTx,
    person: &SamplePerson<'_>,
    now: Timestamp,
) -> StoreResult<PersonId> {
    let id = PersonId::new();
    let society = tx.society_id.0;
    let display_name = format!("{} {}", person.first_name, person.last_name);
    exec!(tx.tx.conn(), |c| sqlx::query(
        "INSERT INTO person (society_id, id, email, display_name, first_name, last_name, \
         credentials, profession, specialty, npi, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $10, $10)"
    )
    .bind(society)
    .bind(id.0)
    .bind(person.email)
    .bind(display_name.trim())
    .bind(person.first_name)
    .bind(person.last_name)
    .bind(person.credentials)
    .bind(person.profession)
    .bind(person.specialty)
    .bind(now.0)
    .bind(person.npi)
    .execute(c)
    .await)
    .map_err(conflict_on("email"))?;
    Ok(id)
}

/// Overwrite a person's specialty.
pub async fn set_specialty(
    tx: &mut ScopedTx,
    person: PersonId,
    specialty: &str,
) -> StoreResult<()> {
    let society = tx.society_id.0;
    exec!(tx.tx.conn(), |c| sqlx::query(
        "UPDATE person SET specialty = $3 WHERE society_id = $1 AND id = $2"
    )
    .bind(society)
    .bind(person.0)
    .bind(specialty)
    .execute(c)
    .await)?;
    Ok(())
}

/// Suspend a membership or lift the suspension (staff's suspend page comes with a later slice).
pub async fn set_suspended(
    tx: &mut ScopedTx,
    membership: MembershipId,
    suspended: bool,
) -> StoreResult<()> {
    let society = tx.society_id.0;
    exec!(tx.tx.conn(), |c| sqlx::query(
        "UPDATE membership SET suspended = $3 WHERE society_id = $1 AND id = $2"
    )
    .bind(society)
    .bind(membership.0)
    .bind(suspended)
    .execute(c)
    .await)?;
    Ok(())
}
