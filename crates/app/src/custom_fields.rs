//! Staff's own fields on people: creating a field, and editing one person's values (each
//! checked for its field's kind; an empty value removes it).

use chapterhouse_core::custom_fields::{
    FieldKind, choices_problem, name_problem, normalize_value, parse_choices,
};
use chapterhouse_core::import::is_known_header;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{CustomFieldId, PersonId};
use chapterhouse_store::{NewAudit, Scoped, StoreError};

use crate::{Actor, App, AppError, AppResult};

/// The new-field form as staff fill it in.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CustomFieldForm {
    #[serde(default)]
    pub name: String,
    /// `text`, `number`, `date`, `choice` or `yes_no`.
    #[serde(default)]
    pub kind: String,
    /// For choice fields: one choice per line.
    #[serde(default)]
    pub choices: String,
}

pub async fn create_custom_field(
    app: &App,
    scoped: &Scoped,
    form: &CustomFieldForm,
    actor: &Actor,
) -> AppResult<CustomFieldId> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    if let Some(problem) = name_problem(name) {
        errors.add("name", problem);
    } else if is_known_header(name) {
        errors.add(
            "name",
            format!(
                "\"{name}\" is already a column of member imports and exports: choose another name."
            ),
        );
    }
    let kind = FieldKind::parse(&form.kind);
    errors.check(
        kind.is_none(),
        "kind",
        "Choose what kind of value the field holds.",
    );
    let choices = match kind {
        Some(FieldKind::Choice) => parse_choices(&form.choices),
        _ => Vec::new(),
    };
    if let Some(kind) = kind
        && let Some(problem) = choices_problem(kind, &choices)
    {
        errors.add("choices", problem);
    }
    errors.into_result()?;
    let kind = kind.ok_or(AppError::NotFound)?;
    // Imports match headers to names without case, so names must differ by more than case.
    let taken = scoped
        .custom_fields()
        .await?
        .iter()
        .any(|f| f.name.to_lowercase() == name.to_lowercase());
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let inserted = if taken {
        Err(StoreError::Conflict("name".into()))
    } else {
        tx.insert_custom_field(name, kind, &choices, now).await
    };
    let id = match inserted {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "name",
                "Another field already has that name.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "custom_field.created",
            subject: name,
            detail: kind.as_str(),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The form name of a field's input (and of its error).
pub fn input_name(field: CustomFieldId) -> String {
    format!("cf_{}", field.0.simple())
}

/// Save one person's values from a form of `(input name, value)` pairs (see [`input_name`]).
/// Fields not in the form keep their values; every value is checked before anything is
/// written. Returns how many values changed.
pub async fn save_person_values(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    form: &[(String, String)],
    actor: &Actor,
) -> AppResult<usize> {
    let person = scoped
        .person_for_custom_fields(person)
        .await?
        .ok_or(AppError::NotFound)?;
    let fields = scoped.custom_fields().await?;
    let mut errors = FieldErrors::new();
    let mut values = Vec::new();
    for field in fields.iter().filter(|f| !f.archived) {
        let name = input_name(field.id);
        let Some((_, raw)) = form.iter().find(|(k, _)| *k == name) else {
            continue;
        };
        match normalize_value(field.field_kind(), &field.choice_list(), raw) {
            Ok(value) => values.push((field.id, value)),
            Err(message) => errors.add(&name, message),
        }
    }
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let mut changed = 0;
    for (field, value) in &values {
        if tx
            .set_custom_field_value(*field, person.id, value.as_deref())
            .await?
        {
            changed += 1;
        }
    }
    if changed > 0 {
        tx.touch_person(person.id, now).await?;
        tx.audit(
            NewAudit {
                actor: actor.account,
                action: "person.custom_fields_saved",
                subject: &person.email,
                detail: &format!("{changed} changed"),
                ip: &actor.ip,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
