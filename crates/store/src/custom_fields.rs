//! Staff's own fields on people and each person's values. Values are text in the canonical form
//! `core::custom_fields::normalize_value` gives; an empty value is no row at all.

use chapterhouse_core::custom_fields::{FieldKind, parse_choices};
use chapterhouse_core::{CustomFieldId, PersonId, Timestamp};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomField {
    #[sqlx(try_from = "Uuid")]
    pub id: CustomFieldId,
    pub name: String,
    pub kind: String,
    pub choices: String,
    pub sort_order: i64,
    pub archived: bool,
}

impl CustomField {
    pub fn field_kind(&self) -> FieldKind {
        FieldKind::parse(&self.kind).unwrap_or(FieldKind::Text)
    }

    pub fn choice_list(&self) -> Vec<String> {
        parse_choices(&self.choices)
    }
}

/// Who a custom-field page is about.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomFieldsPerson {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub display_name: String,
    pub email: String,
}

impl Scoped {
    /// Every field, archived ones last, then in staff's order.
    pub async fn custom_fields(&self) -> StoreResult<Vec<CustomField>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name, kind, choices, sort_order, archived FROM custom_field \
             WHERE society_id = $1 ORDER BY archived, sort_order, name"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// One person's values, by field.
    pub async fn custom_field_values(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<(CustomFieldId, String)>> {
        let rows: Vec<(Uuid, String)> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT field_id, value FROM custom_field_value WHERE society_id = $1 AND person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(f, v)| (CustomFieldId(f), v))
            .collect())
    }

    pub async fn person_for_custom_fields(
        &self,
        person: PersonId,
    ) -> StoreResult<Option<CustomFieldsPerson>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, display_name, email FROM person WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }
}

impl ScopedTx {
    /// A new field after the existing ones. A name already in use is `Conflict("name")`.
    pub async fn insert_custom_field(
        &mut self,
        name: &str,
        kind: FieldKind,
        choices: &[String],
        now: Timestamp,
    ) -> StoreResult<CustomFieldId> {
        let id = CustomFieldId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO custom_field (society_id, id, name, kind, choices, sort_order, created_at) \
             VALUES ($1, $2, $3, $4, $5, \
               (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM custom_field WHERE society_id = $1), $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(name)
        .bind(kind.as_str())
        .bind(choices.join("\n"))
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(id)
    }

    /// Set (or with `None`, remove) one value. Returns whether anything changed.
    pub async fn set_custom_field_value(
        &mut self,
        field: CustomFieldId,
        person: PersonId,
        value: Option<&str>,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = match value {
            Some(value) => exec!(self.tx.conn(), |c| {
                sqlx::query(
                "INSERT INTO custom_field_value (society_id, field_id, person_id, value) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (society_id, field_id, person_id) DO UPDATE SET value = excluded.value \
                 WHERE custom_field_value.value <> excluded.value"
            )
            .bind(society)
            .bind(field.0)
            .bind(person.0)
            .bind(value)
            .execute(c)
            .await
            })?,
            None => exec!(self.tx.conn(), |c| {
                sqlx::query(
                "DELETE FROM custom_field_value WHERE society_id = $1 AND field_id = $2 AND person_id = $3"
            )
            .bind(society)
            .bind(field.0)
            .bind(person.0)
            .execute(c)
            .await
            })?,
        };
        Ok(n > 0)
    }

    /// Record that a person's details changed.
    pub async fn touch_person(&mut self, person: PersonId, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET updated_at = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }
}
