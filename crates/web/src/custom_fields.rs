//! Staff pages for custom fields: the society's list of fields (and adding one), and the inputs
//! for one person's values (shown and saved on the person page, `staff_people`).

use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::custom_fields::{self, CustomFieldForm, input_name};
use chapterhouse_core::PersonId;
use chapterhouse_core::custom_fields::FieldKind;
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::views::{form_status, render};

/// A field as the list shows it.
pub struct FieldRow {
    pub name: String,
    pub kind: String,
    pub choices: String,
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "staff/custom_fields.html")]
pub struct CustomFieldsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub fields: Vec<FieldRow>,
    pub form: CustomFieldForm,
    pub kinds: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct CustomFieldPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: CustomFieldForm,
}

async fn list_view(ctx: &Ctx, errors: FieldErrors, form: CustomFieldForm) -> WebResult {
    let fields = ctx
        .scoped
        .custom_fields()
        .await?
        .into_iter()
        .map(|f| FieldRow {
            kind: f.field_kind().label().to_string(),
            choices: f.choice_list().join(", "),
            archived: f.archived,
            name: f.name,
        })
        .collect();
    let kinds = FieldKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label().to_string()))
        .collect();
    render(
        form_status(&errors),
        &CustomFieldsView {
            chrome: ctx.chrome(None).await?,
            errors,
            fields,
            form,
            kinds,
        },
    )
}

pub async fn list(RequireRole { ctx, .. }: Staff) -> WebResult {
    let form = CustomFieldForm {
        kind: "text".into(),
        ..Default::default()
    };
    list_view(&ctx, FieldErrors::new(), form).await
}

pub async fn create(
    RequireRole { ctx, .. }: Staff,
    Form(post): Form<CustomFieldPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match custom_fields::create_custom_field(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to("/staff/custom-fields").into_response()),
        Err(AppError::Invalid(errors)) => list_view(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

/// One input on a person's custom-field form.
pub struct ValueInput {
    /// The input's name and the id suffix (`f-<name>`).
    pub name: String,
    pub label: String,
    /// `text`, `select`.
    pub control: &'static str,
    pub hint: &'static str,
    pub value: String,
    /// For selects: (value, label), the first being "no value".
    pub options: Vec<(String, String)>,
    pub inputmode: &'static str,
}

/// One input per field of the society (archived ones left out): the stored value, or on a form
/// that came back with a problem, what was typed.
pub(crate) async fn value_inputs(
    ctx: &Ctx,
    person: PersonId,
    typed: Option<&[(String, String)]>,
) -> Result<Vec<ValueInput>, WebError> {
    let stored = ctx.scoped.custom_field_values(person).await?;
    Ok(ctx
        .scoped
        .custom_fields()
        .await?
        .into_iter()
        .filter(|f| !f.archived)
        .map(|f| {
            let name = input_name(f.id);
            let value = match typed {
                Some(typed) => typed
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                None => stored
                    .iter()
                    .find(|(id, _)| *id == f.id)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            };
            let kind = f.field_kind();
            let none = (String::new(), "—".to_string());
            let (control, hint, options, inputmode) = match kind {
                FieldKind::Text => ("text", "", vec![], ""),
                FieldKind::Number => ("text", "A number, like 12 or 3.5.", vec![], "decimal"),
                FieldKind::Date => ("text", "A date like 2024-01-31.", vec![], ""),
                FieldKind::Choice => (
                    "select",
                    "",
                    std::iter::once(none)
                        .chain(f.choice_list().into_iter().map(|c| (c.clone(), c)))
                        .collect(),
                    "",
                ),
                FieldKind::YesNo => (
                    "select",
                    "",
                    vec![
                        none,
                        ("yes".into(), "Yes".into()),
                        ("no".into(), "No".into()),
                    ],
                    "",
                ),
            };
            ValueInput {
                name,
                label: f.name,
                control,
                hint,
                value,
                options,
                inputmode,
            }
        })
        .collect())
}

/// The values are edited in the person page's custom fields section; this older address
/// leads there (404 for anyone not in this society).
pub async fn person_form(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let id: PersonId = id.parse().map_err(|_| WebError::NotFound)?;
    ctx.scoped
        .person_for_custom_fields(id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&format!("/staff/people/{id}#custom-fields")).into_response())
}
