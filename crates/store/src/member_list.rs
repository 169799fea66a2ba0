//! What the members list's filters offer: the society's practices, specialties, committees and
//! practice-address states.

use chapterhouse_core::{CommitteeId, PracticeId};
use uuid::Uuid;

use crate::{Scoped, StoreResult, on};

#[derive(Clone, Debug, Default)]
pub struct MemberFilterChoices {
    pub practices: Vec<(PracticeId, String)>,
    pub specialties: Vec<String>,
    pub committees: Vec<(CommitteeId, String)>,
    pub states: Vec<String>,
}

impl Scoped {
    pub async fn member_filter_choices(&self) -> StoreResult<MemberFilterChoices> {
        let society = self.society.id.0;
        let practices: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name FROM practice WHERE society_id = $1 ORDER BY name"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let specialties: Vec<String> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT DISTINCT specialty FROM person WHERE society_id = $1 AND specialty <> '' \
             ORDER BY specialty"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let committees: Vec<(Uuid, String)> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT id, name FROM committee WHERE society_id = $1 AND NOT archived ORDER BY name"
        )
        .bind(society)
        .fetch_all(c)
        .await
        })?;
        let states: Vec<String> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT DISTINCT state FROM person_address WHERE society_id = $1 \
             AND kind = 'practice' AND state <> '' ORDER BY state"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        Ok(MemberFilterChoices {
            practices: practices
                .into_iter()
                .map(|(id, name)| (PracticeId(id), name))
                .collect(),
            specialties,
            committees: committees
                .into_iter()
                .map(|(id, name)| (CommitteeId(id), name))
                .collect(),
            states,
        })
    }
}
