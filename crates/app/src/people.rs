//! People use-cases: a person's profile and identifiers (edited by themselves, by staff, or by a
//! practice manager for a colleague), directory visibility and staff locks, the society's
//! directory defaults, and the member portal's automatic-renewal switch and level changes.

use std::collections::BTreeMap;

use chapterhouse_core::membership::{self, StatusInput};
use chapterhouse_core::npi;
use chapterhouse_core::people::{
    self, DirectoryField, MONTHS, Profession, Viewer, Visibility, is_valid_birth_day,
};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{LevelId, PersonId};
use chapterhouse_store::{
    Address, FieldChoice, Licence, NewAudit, Profile, ProfileFields, Scoped, ScopedTx, StoreError,
};
use jiff::civil::Date;

use crate::accounts::CurrentUser;
use crate::{Actor, App, AppError, AppResult};

/// What self-service and delegates are told about an NPI someone else holds: never whose it is.
pub const NPI_TAKEN: &str = "An account already exists with that NPI — sign in or contact us.";
/// Most licence rows one form takes.
pub const MAX_LICENCES: usize = 20;
/// NPPES records up to 15 taxonomy codes per provider.
pub const MAX_TAXONOMIES: usize = 15;

/// Who is editing a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    /// The person themselves, from the portal.
    Own,
    /// A practice manager acting for a colleague linked to a practice they manage.
    Delegate { manager: PersonId },
    /// The society's staff: every field, and visibility locks.
    Staff,
}

impl Editor {
    fn as_str(self) -> &'static str {
        match self {
            Editor::Own => "self",
            Editor::Delegate { .. } => "delegate",
            Editor::Staff => "staff",
        }
    }
}

/// The profile form as posted. Licence rows (`licence_N_state`, `licence_N_number`,
/// `licence_N_expires`), visibility choices (`vis_FIELD`) and staff locks (`lock_FIELD`) arrive
/// in `extra`, so the form can carry any number of them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub credentials: String,
    #[serde(default)]
    pub profession: String,
    #[serde(default)]
    pub npi: String,
    #[serde(default)]
    pub specialty: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub abim_id: String,
    #[serde(default)]
    pub nabp_eprofile_id: String,
    #[serde(default)]
    pub birth_month: String,
    #[serde(default)]
    pub birth_day: String,
    #[serde(default)]
    pub taxonomy_primary: String,
    /// Further codes, separated by commas or spaces.
    #[serde(default)]
    pub taxonomy_other: String,
    #[serde(default)]
    pub practice_line1: String,
    #[serde(default)]
    pub practice_line2: String,
    #[serde(default)]
    pub practice_city: String,
    #[serde(default)]
    pub practice_state: String,
    #[serde(default)]
    pub practice_postal_code: String,
    #[serde(default)]
    pub home_line1: String,
    #[serde(default)]
    pub home_line2: String,
    #[serde(default)]
    pub home_city: String,
    #[serde(default)]
    pub home_state: String,
    #[serde(default)]
    pub home_postal_code: String,
    #[serde(flatten, default)]
    pub extra: BTreeMap<String, String>,
}

/// One licence row as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LicenceInput {
    pub index: usize,
    pub state: String,
    pub number: String,
    pub expires: String,
}

impl LicenceInput {
    fn is_blank(&self) -> bool {
        self.state.trim().is_empty()
            && self.number.trim().is_empty()
            && self.expires.trim().is_empty()
    }
}

impl ProfileForm {
    /// The form filled from a stored profile and the person's visibility as it now resolves.
    pub fn from_profile(
        profile: &Profile,
        choices: &[FieldChoice],
        defaults: &[(DirectoryField, Visibility)],
    ) -> ProfileForm {
        let f = &profile.fields;
        let (first, last) = if f.first_name.is_empty() && f.last_name.is_empty() {
            people::split_display_name(&f.display_name)
        } else {
            (f.first_name.clone(), f.last_name.clone())
        };
        let mut extra = BTreeMap::new();
        for (i, l) in f.licences.iter().enumerate() {
            extra.insert(format!("licence_{i}_state"), l.state.clone());
            extra.insert(format!("licence_{i}_number"), l.number.clone());
            extra.insert(
                format!("licence_{i}_expires"),
                l.expires_on.clone().unwrap_or_default(),
            );
        }
        for field in DirectoryField::ALL {
            let choice = choices.iter().find(|c| c.field == field);
            let v = effective(field, choice, defaults);
            extra.insert(format!("vis_{}", field.as_str()), v.as_str().to_string());
            if choice.is_some_and(|c| c.locked) {
                extra.insert(format!("lock_{}", field.as_str()), "on".into());
            }
        }
        ProfileForm {
            first_name: first,
            last_name: last,
            credentials: f.credentials.clone(),
            profession: f.profession.clone(),
            npi: f.npi.clone().unwrap_or_default(),
            specialty: f.specialty.clone(),
            phone: f.phone.clone(),
            abim_id: f.abim_id.clone(),
            nabp_eprofile_id: f.nabp_eprofile_id.clone(),
            birth_month: f.birth_month.map(|m| m.to_string()).unwrap_or_default(),
            birth_day: f.birth_day.map(|d| d.to_string()).unwrap_or_default(),
            taxonomy_primary: f.primary_taxonomy.clone().unwrap_or_default(),
            taxonomy_other: f.other_taxonomies.join(", "),
            practice_line1: f.practice_address.line1.clone(),
            practice_line2: f.practice_address.line2.clone(),
            practice_city: f.practice_address.city.clone(),
            practice_state: f.practice_address.state.clone(),
            practice_postal_code: f.practice_address.postal_code.clone(),
            home_line1: f.home_address.line1.clone(),
            home_line2: f.home_address.line2.clone(),
            home_city: f.home_address.city.clone(),
            home_state: f.home_address.state.clone(),
            home_postal_code: f.home_address.postal_code.clone(),
            extra,
        }
    }

    /// The licence rows typed, in order of their numbers (blank rows included).
    pub fn licence_rows(&self) -> Vec<LicenceInput> {
        let mut rows: BTreeMap<usize, LicenceInput> = BTreeMap::new();
        for (key, value) in &self.extra {
            let Some(rest) = key.strip_prefix("licence_") else {
                continue;
            };
            let Some((index, part)) = rest.split_once('_') else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if index >= 1000 {
                continue;
            }
            let row = rows.entry(index).or_insert_with(|| LicenceInput {
                index,
                ..Default::default()
            });
            match part {
                "state" => row.state = value.clone(),
                "number" => row.number = value.clone(),
                "expires" => row.expires = value.clone(),
                _ => {}
            }
        }
        rows.into_values().collect()
    }

    /// The chosen visibility for a field, as posted (None when the field was not in the form,
    /// as for a locked field whose radio buttons are disabled).
    pub fn visibility(&self, field: DirectoryField) -> Option<&str> {
        self.extra
            .get(&format!("vis_{}", field.as_str()))
            .map(String::as_str)
    }

    /// Whether staff ticked "lock" for a field.
    pub fn locked(&self, field: DirectoryField) -> bool {
        self.extra.contains_key(&format!("lock_{}", field.as_str()))
    }

    /// Check every field and produce what the store writes. Each problem names its field.
    pub fn validate(&self) -> Result<ProfileFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = |value: &str, field: &str, max: usize, label: &str, errors: &mut FieldErrors| {
            let t = value.trim().to_string();
            if t.chars().count() > max {
                errors.add(field, format!("Keep {label} under {max} characters."));
            }
            t
        };
        let first_name = text(
            &self.first_name,
            "first_name",
            100,
            "the first name",
            &mut errors,
        );
        let last_name = text(
            &self.last_name,
            "last_name",
            100,
            "the last name",
            &mut errors,
        );
        errors.check(
            last_name.is_empty(),
            "last_name",
            "Enter a last name (family name).",
        );
        let credentials = text(
            &self.credentials,
            "credentials",
            60,
            "the credentials",
            &mut errors,
        );
        let specialty = text(
            &self.specialty,
            "specialty",
            100,
            "the specialty",
            &mut errors,
        );
        let profession = Profession::parse(self.profession.trim());
        errors.check(profession.is_none(), "profession", "Choose a profession.");

        let npi = match self.npi.trim() {
            "" => None,
            typed => {
                let n = npi::normalize(typed);
                errors.check(
                    n.is_none(),
                    "npi",
                    "An NPI is 10 digits and the last one is a check digit. Check it against your NPPES record.",
                );
                n
            }
        };
        let phone = match self.phone.trim() {
            "" => String::new(),
            typed => people::normalize_phone(typed).unwrap_or_else(|| {
                errors.add(
                    "phone",
                    "Enter a phone number with its area code, like (603) 555-0142.",
                );
                String::new()
            }),
        };
        let abim_id = match self.abim_id.trim() {
            "" => String::new(),
            typed => people::normalize_abim_id(typed).unwrap_or_else(|| {
                errors.add("abim_id", "An ABIM id is 6 digits.");
                String::new()
            }),
        };
        let nabp = match self.nabp_eprofile_id.trim() {
            "" => String::new(),
            typed => people::normalize_nabp_id(typed).unwrap_or_else(|| {
                errors.add(
                    "nabp_eprofile_id",
                    "A NABP e-Profile id is a number of up to 7 digits.",
                );
                String::new()
            }),
        };

        let (birth_month, birth_day) = self.birth(&mut errors);

        let mut codes = Vec::new();
        let has_primary = !self.taxonomy_primary.trim().is_empty();
        for (i, typed) in std::iter::once(self.taxonomy_primary.as_str())
            .chain(self.taxonomy_other.split([',', ' ', ';', '\n', '\r', '\t']))
            .filter(|s| !s.trim().is_empty())
            .enumerate()
        {
            let field = if i == 0 && has_primary {
                "taxonomy_primary"
            } else {
                "taxonomy_other"
            };
            match people::taxonomy_problem(typed) {
                Some(problem) => errors.add(field, problem),
                None => {
                    let code = people::normalize_taxonomy(typed).unwrap_or_default();
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
        }
        errors.check(
            codes.len() > MAX_TAXONOMIES,
            "taxonomy_other",
            "List at most 15 taxonomy codes, as NPPES does.",
        );
        let mut codes = codes.into_iter();
        // The first code is the primary one (the first "other" code when no primary is given).
        let primary_taxonomy = codes.next();
        let other_taxonomies: Vec<String> = codes.collect();

        let practice_address = self.address(
            "practice",
            [
                &self.practice_line1,
                &self.practice_line2,
                &self.practice_city,
                &self.practice_state,
                &self.practice_postal_code,
            ],
            &mut errors,
        );
        let home_address = self.address(
            "home",
            [
                &self.home_line1,
                &self.home_line2,
                &self.home_city,
                &self.home_state,
                &self.home_postal_code,
            ],
            &mut errors,
        );
        let licences = self.licences(&mut errors);

        errors.into_result()?;
        let display_name = if first_name.is_empty() {
            last_name.clone()
        } else {
            format!("{first_name} {last_name}")
        };
        Ok(ProfileFields {
            display_name,
            first_name,
            last_name,
            credentials,
            profession: profession.unwrap_or(Profession::Other).as_str().to_string(),
            npi,
            specialty,
            phone,
            abim_id,
            nabp_eprofile_id: nabp,
            birth_month,
            birth_day,
            primary_taxonomy,
            other_taxonomies,
            licences,
            practice_address,
            home_address,
        })
    }

    fn birth(&self, errors: &mut FieldErrors) -> (Option<i64>, Option<i64>) {
        let month = self.birth_month.trim();
        let day = self.birth_day.trim();
        match (month.is_empty(), day.is_empty()) {
            (true, true) => (None, None),
            (false, true) => {
                errors.add(
                    "birth_day",
                    "Enter the day of the month you were born, or clear the month.",
                );
                (None, None)
            }
            (true, false) => {
                errors.add(
                    "birth_month",
                    "Choose the month you were born, or clear the day.",
                );
                (None, None)
            }
            (false, false) => {
                let m = month.parse::<i8>().ok().filter(|m| (1..=12).contains(m));
                let d = day.parse::<i8>().ok().filter(|d| (1..=31).contains(d));
                match (m, d) {
                    (None, _) => {
                        errors.add("birth_month", "Choose a month from the list.");
                        (None, None)
                    }
                    (_, None) => {
                        errors.add("birth_day", "Enter the day as a number from 1 to 31.");
                        (None, None)
                    }
                    (Some(m), Some(d)) if !is_valid_birth_day(m, d) => {
                        errors.add(
                            "birth_day",
                            format!("{} has no day {d}.", MONTHS[(m - 1) as usize]),
                        );
                        (None, None)
                    }
                    (Some(m), Some(d)) => (Some(i64::from(m)), Some(i64::from(d))),
                }
            }
        }
    }

    fn address(&self, kind: &str, parts: [&String; 5], errors: &mut FieldErrors) -> Address {
        let [line1, line2, city, state, postal] = parts.map(|s| s.trim().to_string());
        let address = Address {
            line1,
            line2,
            city,
            state: state.to_ascii_uppercase(),
            postal_code: postal,
        };
        if address.is_empty() {
            return address;
        }
        let which = if kind == "home" { "home" } else { "practice" };
        for (value, field, what) in [
            (&address.line1, "line1", "street address"),
            (&address.city, "city", "city"),
            (&address.state, "state", "state"),
            (&address.postal_code, "postal_code", "ZIP code"),
        ] {
            errors.check(
                value.is_empty(),
                &format!("{kind}_{field}"),
                &format!("Enter the {which} address's {what}, or clear the whole address."),
            );
        }
        for (value, field) in [
            (&address.line1, "line1"),
            (&address.line2, "line2"),
            (&address.city, "city"),
        ] {
            errors.check(
                value.chars().count() > 200,
                &format!("{kind}_{field}"),
                "Keep each address line under 200 characters.",
            );
        }
        errors.check(
            !address.state.is_empty() && people::normalize_state(&address.state).is_none(),
            &format!("{kind}_state"),
            "Choose a US state or territory.",
        );
        errors.check(
            !address.postal_code.is_empty()
                && people::normalize_postal_code(&address.postal_code).is_none(),
            &format!("{kind}_postal_code"),
            "Enter a 5-digit ZIP code, like 03301 or 03301-1234.",
        );
        address
    }

    fn licences(&self, errors: &mut FieldErrors) -> Vec<Licence> {
        let rows: Vec<LicenceInput> = self
            .licence_rows()
            .into_iter()
            .filter(|r| !r.is_blank())
            .collect();
        if rows.len() > MAX_LICENCES {
            errors.add("licences", "List at most 20 licences.");
            return Vec::new();
        }
        let mut out: Vec<Licence> = Vec::new();
        for row in rows {
            let field = |part: &str| format!("licence_{}_{part}", row.index);
            let state = people::normalize_state(&row.state);
            errors.check(
                state.is_none(),
                &field("state"),
                "Choose the state that issued the licence.",
            );
            let number = row.number.trim().to_string();
            let number_ok = !number.is_empty()
                && number.chars().count() <= 30
                && number
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ' ' | '/'));
            errors.check(
                !number_ok,
                &field("number"),
                "Enter the licence number as it is printed (letters, digits and dashes, up to 30).",
            );
            let expires = match row.expires.trim() {
                "" => None,
                typed => match typed.parse::<Date>() {
                    Ok(d) => Some(d.to_string()),
                    Err(_) => {
                        errors.add(
                            &field("expires"),
                            "Enter the expiry date as YYYY-MM-DD, like 2027-06-30, or leave it empty.",
                        );
                        None
                    }
                },
            };
            if let Some(state) = state {
                let licence = Licence {
                    state: state.to_string(),
                    number: number.to_ascii_uppercase(),
                    expires_on: expires,
                };
                if out
                    .iter()
                    .any(|l| l.state == licence.state && l.number == licence.number)
                {
                    errors.add(&field("number"), "This licence is listed twice.");
                } else {
                    out.push(licence);
                }
            }
        }
        out
    }
}

/// A field's visibility as it resolves now for a person.
pub fn effective(
    field: DirectoryField,
    choice: Option<&FieldChoice>,
    defaults: &[(DirectoryField, Visibility)],
) -> Visibility {
    people::resolve(
        field,
        choice.map(|c| c.visibility),
        society_default(field, defaults),
    )
}

fn society_default(
    field: DirectoryField,
    defaults: &[(DirectoryField, Visibility)],
) -> Option<Visibility> {
    defaults.iter().find(|(f, _)| *f == field).map(|(_, v)| *v)
}

/// A change to a person's visibility rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Put(DirectoryField, Visibility, bool),
    Clear(DirectoryField),
}

/// What to write for the choices posted. A choice equal to the society's default leaves no row,
/// so later changes to the default reach the many members who never chose. Members and
/// delegates cannot change a locked field: a different choice for it is refused, not ignored.
fn plan_visibility(
    posted: &[(DirectoryField, Option<&str>, bool)],
    current: &[FieldChoice],
    defaults: &[(DirectoryField, Visibility)],
    editor: Editor,
) -> Result<Vec<Change>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut changes = Vec::new();
    for &(field, chosen, lock) in posted {
        let name = format!("vis_{}", field.as_str());
        let row = current.iter().find(|c| c.field == field);
        let chosen = match chosen {
            None => None,
            Some(text) => match Visibility::parse(text) {
                Some(v) => Some(v),
                None => {
                    errors.add(
                        &name,
                        format!("Choose who sees your {}.", field.label().to_lowercase()),
                    );
                    continue;
                }
            },
        };
        let default = people::resolve(field, None, society_default(field, defaults));
        if editor != Editor::Staff {
            match (row, chosen) {
                (Some(r), Some(v)) if r.locked && v != r.visibility => errors.add(
                    &name,
                    format!(
                        "The society has set who sees the {}; contact the office to change it.",
                        field.label().to_lowercase()
                    ),
                ),
                (Some(r), _) if r.locked => {}
                (_, None) => {}
                (Some(_), Some(v)) if v == default => changes.push(Change::Clear(field)),
                (None, Some(v)) if v == default => {}
                (Some(r), Some(v)) if r.visibility == v => {}
                (_, Some(v)) => changes.push(Change::Put(field, v, false)),
            }
            continue;
        }
        let target = chosen.unwrap_or_else(|| effective(field, row, defaults));
        let unchanged = row.is_some_and(|r| r.visibility == target && r.locked == lock);
        if unchanged {
            continue;
        }
        if !lock && target == default {
            if row.is_some() {
                changes.push(Change::Clear(field));
            }
        } else {
            changes.push(Change::Put(field, target, lock));
        }
    }
    errors.into_result()?;
    Ok(changes)
}

async fn apply_visibility(
    tx: &mut ScopedTx,
    person: PersonId,
    changes: &[Change],
) -> AppResult<()> {
    for change in changes {
        match *change {
            Change::Put(field, v, locked) => {
                tx.put_field_visibility(person, field, v, locked).await?
            }
            Change::Clear(field) => tx.clear_field_visibility(person, field).await?,
        }
    }
    Ok(())
}

fn describe(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| match c {
            Change::Put(f, v, true) => format!("{}: {} (locked)", f.as_str(), v.as_str()),
            Change::Put(f, v, false) => format!("{}: {}", f.as_str(), v.as_str()),
            Change::Clear(f) => format!("{}: society default", f.as_str()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The person a delegate may act for, or NotFound (never Forbidden: whether the person exists
/// is not the delegate's business).
async fn check_editor(scoped: &Scoped, person: PersonId, editor: Editor) -> AppResult<()> {
    if let Editor::Delegate { manager } = editor
        && (manager == person || !scoped.manages_colleague(manager, person).await?)
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Whether `editor` may open `person`'s profile form (for the web layer's 404).
pub async fn may_edit(scoped: &Scoped, person: PersonId, editor: Editor) -> AppResult<bool> {
    match check_editor(scoped, person, editor).await {
        Ok(()) => Ok(scoped.profile(person).await?.is_some()),
        Err(AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

fn npi_taken(editor: Editor, holder: &str) -> AppError {
    match editor {
        Editor::Staff => AppError::field(
            "npi",
            &format!(
                "{holder} already has this NPI. If they are the same person, merge the two records."
            ),
        ),
        _ => AppError::field("npi", NPI_TAKEN),
    }
}

/// Save a profile form: details, identifiers and the directory visibility choices, in one
/// transaction with one audit entry.
pub async fn update_profile(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    editor: Editor,
    form: &ProfileForm,
    actor: &Actor,
) -> AppResult<()> {
    check_editor(scoped, person, editor).await?;
    let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let current = scoped.field_choices(person).await?;
    let defaults = scoped.directory_defaults().await?;
    let posted: Vec<_> = DirectoryField::ALL
        .into_iter()
        .map(|f| (f, form.visibility(f), form.locked(f)))
        .collect();
    let fields = form.validate();
    let changes = plan_visibility(&posted, &current, &defaults, editor);
    let (fields, changes) = match (fields, changes) {
        (Ok(f), Ok(c)) => (f, c),
        (f, c) => {
            let mut errors = f.err().unwrap_or_default();
            errors.0.extend(c.err().unwrap_or_default().0);
            return Err(AppError::Invalid(errors));
        }
    };
    if let Some(npi) = &fields.npi
        && profile.fields.npi.as_ref() != Some(npi)
        && let Some((holder, name)) = scoped.person_by_npi(npi).await?
        && holder != person
    {
        return Err(npi_taken(editor, &name));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.update_profile(person, &fields, now).await {
        Err(StoreError::Conflict(what)) if what == "npi" => {
            return Err(npi_taken(editor, "Another person"));
        }
        other => other?,
    }
    apply_visibility(&mut tx, person, &changes).await?;
    let detail = if changes.is_empty() {
        editor.as_str().to_string()
    } else {
        format!("{}; directory: {}", editor.as_str(), describe(&changes))
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "profile.updated",
            subject: &person.to_string(),
            detail: &detail,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Change only directory visibility choices. A locked field is refused for members and
/// delegates, with the field named.
pub async fn set_visibility(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    editor: Editor,
    choices: &[(DirectoryField, Visibility)],
    actor: &Actor,
) -> AppResult<()> {
    check_editor(scoped, person, editor).await?;
    scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let current = scoped.field_choices(person).await?;
    let defaults = scoped.directory_defaults().await?;
    let posted: Vec<_> = choices
        .iter()
        .map(|(f, v)| {
            let locked =
                editor == Editor::Staff && current.iter().any(|c| c.field == *f && c.locked);
            (*f, Some(v.as_str()), locked)
        })
        .collect();
    let changes = plan_visibility(&posted, &current, &defaults, editor)?;
    if changes.is_empty() {
        return Ok(());
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    apply_visibility(&mut tx, person, &changes).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "directory.visibility",
            subject: &person.to_string(),
            detail: &format!("{}; {}", editor.as_str(), describe(&changes)),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff fix (or free) who sees one of a person's fields. A locked field keeps `visibility`
/// until staff unlock it; unlocking keeps it as the person's choice.
pub async fn lock_visibility(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    field: DirectoryField,
    visibility: Visibility,
    locked: bool,
    actor: &Actor,
) -> AppResult<()> {
    scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.put_field_visibility(person, field, visibility, locked)
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if locked {
                "directory.locked"
            } else {
                "directory.unlocked"
            },
            subject: &person.to_string(),
            detail: &format!("{}: {}", field.as_str(), visibility.as_str()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The society's directory defaults form: `vis_FIELD` for each field.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct DefaultsForm {
    #[serde(flatten, default)]
    pub choices: BTreeMap<String, String>,
}

impl DefaultsForm {
    pub fn from_defaults(defaults: &[(DirectoryField, Visibility)]) -> DefaultsForm {
        DefaultsForm {
            choices: DirectoryField::ALL
                .into_iter()
                .map(|f| {
                    let v = people::resolve(f, None, society_default(f, defaults));
                    (format!("vis_{}", f.as_str()), v.as_str().to_string())
                })
                .collect(),
        }
    }

    pub fn get(&self, field: DirectoryField) -> &str {
        self.choices
            .get(&format!("vis_{}", field.as_str()))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Set the society's default visibility for every field.
pub async fn set_directory_defaults(
    app: &App,
    scoped: &Scoped,
    form: &DefaultsForm,
    actor: &Actor,
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    let mut chosen = Vec::new();
    for field in DirectoryField::ALL {
        match Visibility::parse(form.get(field)) {
            Some(v) => chosen.push((field, v)),
            None => errors.add(
                &format!("vis_{}", field.as_str()),
                format!(
                    "Choose who sees {} by default.",
                    field.label().to_lowercase()
                ),
            ),
        }
    }
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    for (field, v) in &chosen {
        tx.put_directory_default(*field, *v).await?;
    }
    let detail = chosen
        .iter()
        .map(|(f, v)| format!("{}: {}", f.as_str(), v.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "directory.defaults",
            subject: "directory",
            detail: &detail,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person a signed-in user is.
pub fn person_of(user: &CurrentUser) -> PersonId {
    PersonId(user.account.person_id)
}

/// How a signed-in user (or an anonymous visitor) views the directory.
pub async fn viewer(scoped: &Scoped, user: Option<&CurrentUser>) -> AppResult<Viewer> {
    let Some(user) = user else {
        return Ok(Viewer::Public);
    };
    let is_staff = user.role().satisfies(chapterhouse_core::Role::Staff);
    if is_staff {
        return Ok(Viewer::Staff);
    }
    let status = scoped
        .portal_membership(person_of(user))
        .await?
        .and_then(|m| chapterhouse_store::parse_status(&m.status));
    Ok(Viewer::for_person(false, status))
}

/// Switch automatic renewal on or off for a person's membership. Allowed only where the level
/// offers it; the payment method is attached when the member next pays by card or bank.
pub async fn set_auto_renew(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    on: bool,
    actor: &Actor,
) -> AppResult<bool> {
    let m = scoped
        .portal_membership(person)
        .await?
        .ok_or(AppError::NotFound)?;
    if on && m.paid_by_practice.is_some() {
        return Err(AppError::field(
            "auto_renew",
            "Your practice pays your dues, so there is nothing for you to renew automatically.",
        ));
    }
    if on && !m.auto_renew_allowed {
        return Err(AppError::field(
            "auto_renew",
            &format!(
                "Automatic renewal isn't offered for the {} level.",
                m.level_name
            ),
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let changed = tx.switch_auto_renewal(m.id, on, now).await?;
    if changed {
        tx.audit(
            NewAudit {
                actor: actor.account,
                action: if on {
                    "membership.auto_renew_on"
                } else {
                    "membership.auto_renew_off"
                },
                subject: &m.id.to_string(),
                detail: &m.level_name,
                ip: &actor.ip,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Move a person's membership to a level the society allows changing to. It takes effect at
/// once (the status is recomputed with the new level's grace period); the next renewal is
/// priced at the new level. Returns the new level's name.
pub async fn change_level(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    to: &str,
    actor: &Actor,
) -> AppResult<String> {
    let m = scoped
        .portal_membership(person)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = scoped.level_changes_from(m.level_id).await?;
    let target = to
        .trim()
        .parse::<LevelId>()
        .ok()
        .and_then(|id| allowed.into_iter().find(|l| l.id == id));
    let Some(target) = target else {
        return Err(AppError::field(
            "level",
            "That change of level isn't offered. Choose one of the levels listed, or contact the society's office.",
        ));
    };
    let level = scoped.level(target.id).await?.ok_or(AppError::NotFound)?;
    let mut state = scoped
        .membership_state(m.id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.grace_days = u16::try_from(level.grace_days).unwrap_or(u16::MAX);
    let today = crate::membership::today(app, scoped);
    let status = membership::status(&StatusInput {
        today,
        terms: &state.terms,
        application: state.application,
        cancelled_on: state.cancelled_on,
        suspended: state.suspended,
        override_status: state.override_status,
        practice_status: None,
        grace_days: state.grace_days,
    });
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.set_membership_level(m.id, target.id).await?;
    // A seat's status follows its practice; the practice work recomputes it.
    if m.paid_by_practice.is_none() && status != state.status {
        tx.set_membership_status(m.id, status, today).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "membership.level_changed",
            subject: &m.id.to_string(),
            detail: &format!("{} → {}", m.level_name, target.name),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(target.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProfileForm {
        ProfileForm {
            first_name: "Ada".into(),
            last_name: "Okafor".into(),
            profession: "physician".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut f = form();
        f.last_name = " ".into();
        f.npi = "1234567891".into();
        f.phone = "555".into();
        f.abim_id = "12345".into();
        f.nabp_eprofile_id = "12345678".into();
        f.birth_month = "4".into();
        f.birth_day = "31".into();
        f.taxonomy_primary = "207RX0202".into();
        f.taxonomy_other = "261QX0200X".into();
        f.practice_city = "Concord".into();
        f.practice_state = "ZZ".into();
        f.extra.insert("licence_0_state".into(), "NH".into());
        f.extra
            .insert("licence_0_expires".into(), "next year".into());
        let errors = f.validate().unwrap_err();
        for field in [
            "last_name",
            "npi",
            "phone",
            "abim_id",
            "nabp_eprofile_id",
            "birth_day",
            "taxonomy_primary",
            "taxonomy_other",
            "practice_line1",
            "practice_state",
            "practice_postal_code",
            "licence_0_number",
            "licence_0_expires",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        assert_eq!(errors.get("birth_day"), Some("April has no day 31."));
        assert!(
            errors
                .get("taxonomy_other")
                .unwrap()
                .contains("organisations")
        );
    }

    #[test]
    fn a_good_form_normalises() {
        let mut f = form();
        f.npi = "123-456-7893".into();
        f.birth_month = "2".into();
        f.birth_day = "29".into();
        f.taxonomy_other = "207rh0003x, 207RX0202X".into();
        f.practice_line1 = "1 Main St".into();
        f.practice_city = "Concord".into();
        f.practice_state = "nh".into();
        f.practice_postal_code = "03301".into();
        f.extra.insert("licence_3_state".into(), "nh".into());
        f.extra.insert("licence_3_number".into(), "md-123".into());
        f.extra.insert("licence_5_state".into(), String::new());
        let fields = f.validate().unwrap();
        assert_eq!(fields.npi.as_deref(), Some("1234567893"));
        assert_eq!(fields.display_name, "Ada Okafor");
        assert_eq!((fields.birth_month, fields.birth_day), (Some(2), Some(29)));
        assert_eq!(fields.primary_taxonomy.as_deref(), Some("207RH0003X"));
        assert_eq!(fields.other_taxonomies, vec!["207RX0202X"]);
        assert_eq!(fields.practice_address.state, "NH");
        assert_eq!(
            fields.licences,
            vec![Licence {
                state: "NH".into(),
                number: "MD-123".into(),
                expires_on: None
            }]
        );
    }

    #[test]
    fn visibility_plans_follow_defaults_and_locks() {
        use DirectoryField as F;
        use Visibility as V;
        let locked = FieldChoice {
            field: F::Phone,
            visibility: V::Private,
            locked: true,
        };
        let mine = FieldChoice {
            field: F::Email,
            visibility: V::Public,
            locked: false,
        };
        let current = [locked, mine];
        let defaults = [(F::Email, V::Members)];
        // Choosing the default clears the person's row; an unchanged locked choice is fine.
        let plan = plan_visibility(
            &[
                (F::Phone, Some("private"), false),
                (F::Email, Some("members"), false),
                (F::Npi, Some("private"), false),
                (F::Specialty, Some("members"), false),
            ],
            &current,
            &defaults,
            Editor::Own,
        )
        .unwrap();
        assert_eq!(
            plan,
            vec![
                Change::Clear(F::Email),
                Change::Put(F::Specialty, V::Members, false)
            ]
        );
        // A member cannot change a locked field.
        let refused = plan_visibility(
            &[(F::Phone, Some("public"), false)],
            &current,
            &defaults,
            Editor::Own,
        )
        .unwrap_err();
        assert!(
            refused
                .get("vis_phone")
                .unwrap()
                .contains("The society has set")
        );
        // Staff can, and can lock and unlock.
        let plan = plan_visibility(
            &[
                (F::Phone, Some("public"), false),
                (F::Npi, Some("private"), true),
            ],
            &current,
            &defaults,
            Editor::Staff,
        )
        .unwrap();
        assert_eq!(
            plan,
            vec![
                Change::Put(F::Phone, V::Public, false),
                Change::Put(F::Npi, V::Private, true)
            ]
        );
        assert!(
            plan_visibility(&[(F::Npi, Some("world"), false)], &[], &[], Editor::Own)
                .unwrap_err()
                .get("vis_npi")
                .is_some()
        );
    }
}
