//! Creating societies (operator work): the society, its primary host and its first owner, in one
//! transaction.

use chapterhouse_core::signing::{random_token, token_hash};
use chapterhouse_core::text::{
    is_valid_host, is_valid_slug, looks_like_email, normalize_email, normalize_host,
};
use chapterhouse_core::time::is_known_zone;
use chapterhouse_core::validate::{FieldErrors, password_problem};
use chapterhouse_core::{Role, SocietyId, UserId};
use chapterhouse_store::{
    NewAccount, NewAudit, NewSociety, Society, StoreError, create_society as store_create_society,
};

use crate::mail::{EmailJob, enqueue_email};
use crate::{Actor, App, AppError, AppResult, passwords};

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct NewSocietyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub owner_email: String,
    /// Empty: the owner is emailed an invitation to choose one.
    #[serde(default)]
    pub owner_password: String,
}

impl NewSocietyForm {
    pub fn validate(&self) -> Result<NewSociety, FieldErrors> {
        let mut errors = FieldErrors::new();
        let host = normalize_host(&self.host);
        let email = normalize_email(&self.email);
        errors.check(
            self.name.trim().is_empty(),
            "name",
            "Enter the society's name.",
        );
        errors.check(
            self.short_name.trim().is_empty(),
            "short_name",
            "Enter a short name or acronym, like GSCO.",
        );
        errors.check(
            !is_valid_slug(self.slug.trim()),
            "slug",
            "Use lowercase letters, digits and hyphens, like \"gsco\".",
        );
        errors.check(
            !is_valid_host(&host),
            "host",
            "Enter a host name like www.society.org (no https://, no path).",
        );
        errors.check(
            !is_known_zone(self.time_zone.trim()),
            "time_zone",
            "Choose a time zone such as America/Chicago.",
        );
        errors.check(
            !looks_like_email(&email),
            "email",
            "Enter the society's contact email, like office@society.org.",
        );
        errors.check(
            self.owner_name.trim().is_empty(),
            "owner_name",
            "Enter the first owner's name.",
        );
        errors.check(
            !looks_like_email(&self.owner_email),
            "owner_email",
            "Enter the first owner's email address.",
        );
        if !self.owner_password.is_empty()
            && let Some(problem) = password_problem(&self.owner_password)
        {
            errors.add("owner_password", problem);
        }
        errors.into_result()?;
        Ok(NewSociety {
            slug: self.slug.trim().to_string(),
            name: self.name.trim().to_string(),
            short_name: self.short_name.trim().to_string(),
            primary_host: host,
            time_zone: self.time_zone.trim().to_string(),
            tagline: String::new(),
            postal_address: self.postal_address.trim().to_string(),
            phone: self.phone.trim().to_string(),
            email: email.clone(),
            sender_address: email,
            primary_color: "#1d4e89".into(),
            is_demo: false,
        })
    }
}

/// Create a society with its first owner. With no password given, the owner gets an emailed
/// link to choose one.
pub async fn create_society(
    app: &App,
    form: &NewSocietyForm,
    actor: &Actor,
) -> AppResult<(Society, UserId)> {
    let new = form.validate()?;
    create_society_with(
        app,
        &new,
        &form.owner_name,
        &form.owner_email,
        Some(&form.owner_password)
            .filter(|p| !p.is_empty())
            .map(String::as_str),
        actor,
    )
    .await
}

pub async fn create_society_with(
    app: &App,
    new: &NewSociety,
    owner_name: &str,
    owner_email: &str,
    owner_password: Option<&str>,
    actor: &Actor,
) -> AppResult<(Society, UserId)> {
    let now = app.now();
    let password_hash = owner_password.map(passwords::hash).transpose()?;
    let tx = app.store.begin().await?;
    let mut tx = match store_create_society(tx, new, now).await {
        Err(StoreError::Conflict(what)) if what == "host" => {
            return Err(AppError::field(
                "host",
                "Another society already uses that host name.",
            ));
        }
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "slug",
                "Another society already uses that short address.",
            ));
        }
        other => other?,
    };
    let owner_email = normalize_email(owner_email);
    let owner = tx
        .insert_account(
            &NewAccount {
                email: owner_email.clone(),
                display_name: owner_name.trim().to_string(),
                role: Role::Owner,
                is_operator: false,
                password_hash: password_hash.clone(),
                email_verified: password_hash.is_some(),
            },
            now,
        )
        .await?;
    tx.audit(
        NewAudit {
            actor: None,
            action: "society.created",
            subject: &new.slug,
            detail: &actor.ip,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    let society_id: SocietyId = tx.society_id();
    if password_hash.is_none() {
        // The owner chooses a password through a reset link valid for a week.
        let token = random_token();
        tx.insert_login_token(
            &token_hash(&token),
            owner,
            chapterhouse_store::TokenPurpose::PasswordReset,
            now,
            now.plus_seconds(7 * 86_400),
        )
        .await?;
        let link = format!(
            "{}://{}{}/password-reset/{token}",
            app.links.scheme, new.primary_host, app.links.port_suffix
        );
        enqueue_email(
            &mut tx,
            &EmailJob {
                to: owner_email.clone(),
                subject: format!("Your {} website is ready", new.short_name),
                text: format!("Hello {},\n\nA website for {} has been set up with you as its owner.\nChoose your password here (the link works for 7 days):\n\n{link}", owner_name.trim(), new.name),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let society = app
        .store
        .society_by_id(society_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((society, owner))
}
