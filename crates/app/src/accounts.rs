//! Accounts: sign-in (password or emailed single-use link), MFA, sign-out, password reset, email
//! verification, re-authentication before sensitive changes, and staff invitations.
//!
//! Messages never say whether an account exists, and unknown emails cost the same time as known
//! ones. Rate limits slow guessing without locking the real owner out: the emailed link always
//! works.

use chapterhouse_core::signing::{random_token, token_hash};
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::{FieldErrors, password_problem};
use chapterhouse_core::{Role, Timestamp, UserId, totp};
use chapterhouse_store::{
    Account, NewAccount, NewAudit, Scoped, ScopedTx, SessionRow, Society, StoreError, TokenPurpose,
};

use crate::mail::{EmailJob, enqueue_email};
use crate::{Actor, App, AppError, AppResult, passwords};

pub const SESSION_DAYS: i64 = 14;
/// How recently a password (or MFA code) must have been given before changing email, password
/// or MFA.
pub const REAUTH_SECONDS: i64 = 10 * 60;
const LINK_MINUTES: i64 = 20;
const RESET_MINUTES: i64 = 60;
const VERIFY_HOURS: i64 = 48;
const INVITE_DAYS: i64 = 14;
const RATE_WINDOW_SECONDS: i64 = 15 * 60;
const MAX_PER_EMAIL: i64 = 10;
const MAX_PER_IP: i64 = 50;
const MAX_LINKS_PER_EMAIL: i64 = 5;
/// Sessions are touched at most this often, so browsing is not a stream of writes.
const SEEN_EVERY_SECONDS: i64 = 5 * 60;

pub const BAD_CREDENTIALS: &str = "That email and password don't match an account here. Check both, or use \"Email me a sign-in link\".";
pub const BAD_LINK: &str =
    "This link has expired or has already been used. Request a new one below.";

/// A new session: the cookie value to set, and whether an MFA code is still owed.
#[derive(Debug)]
pub struct SignedIn {
    pub session_token: String,
    pub account: Account,
    pub mfa_pending: bool,
}

/// A signed-in visitor, as the web layer sees them.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub account: Account,
    pub session: SessionRow,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.account.id
    }

    pub fn role(&self) -> Role {
        self.account.role()
    }

    pub fn recently_authenticated(&self, now: Timestamp) -> bool {
        now.seconds_since(Timestamp(self.session.authenticated_at)) <= REAUTH_SECONDS
    }
}

fn window(now: Timestamp) -> i64 {
    (now.0 / 1_000_000).div_euclid(RATE_WINDOW_SECONDS)
}

async fn audit(
    tx: &mut ScopedTx,
    actor: &Actor,
    who: Option<UserId>,
    action: &str,
    subject: &str,
    now: Timestamp,
) -> AppResult<()> {
    tx.audit(
        NewAudit {
            actor: actor.account.or(who),
            action,
            subject,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn start_session(
    tx: &mut ScopedTx,
    account: &Account,
    now: Timestamp,
) -> AppResult<(String, bool)> {
    let token = random_token();
    let mfa_pending = account.has_mfa();
    tx.insert_session(
        &token_hash(&token),
        account.id,
        now,
        now.plus_seconds(SESSION_DAYS * 86_400),
        mfa_pending,
    )
    .await?;
    Ok((token, mfa_pending))
}

pub async fn sign_in_with_password(
    app: &App,
    scoped: &Scoped,
    email: &str,
    password: &str,
    actor: &Actor,
) -> AppResult<SignedIn> {
    let now = app.now();
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    errors.check(email.is_empty(), "email", "Enter your email address.");
    errors.check(password.is_empty(), "password", "Enter your password.");
    errors.into_result()?;

    let per_email = scoped
        .hit_rate_limit(&format!("signin:email:{email}"), window(now))
        .await?;
    let per_ip = scoped
        .hit_rate_limit(&format!("signin:ip:{}", actor.ip), window(now))
        .await?;
    if per_email > MAX_PER_EMAIL || per_ip > MAX_PER_IP {
        return Err(AppError::RateLimited);
    }

    let account = scoped.account_by_email(&email).await?;
    let verified = match &account {
        Some(a) if a.disabled_at.is_none() => match &a.password_hash {
            Some(hash) => passwords::verify(password, hash),
            None => {
                passwords::verify_dummy(password);
                false
            }
        },
        _ => {
            passwords::verify_dummy(password);
            false
        }
    };
    let mut tx = scoped.begin().await?;
    let Some(account) = account.filter(|_| verified) else {
        audit(&mut tx, actor, None, "sign_in.failed", &email, now).await?;
        tx.commit().await?;
        return Err(AppError::field("email", BAD_CREDENTIALS));
    };
    let (session_token, mfa_pending) = start_session(&mut tx, &account, now).await?;
    audit(
        &mut tx,
        actor,
        Some(account.id),
        "sign_in.password",
        &account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn {
        session_token,
        account,
        mfa_pending,
    })
}

/// What differs between the emailed single-use links (sign-in, password reset).
struct LinkMail {
    purpose: TokenPurpose,
    minutes: i64,
    /// Path on the society's site the token is appended to.
    path: &'static str,
    audit_action: &'static str,
    subject: fn(&Society) -> String,
    /// The message, given the person's name, the society and the link.
    text: fn(&str, &Society, &str) -> String,
}

/// Email a single-use link to an account. Answers the same whether or not the account exists,
/// and stops sending (silently) after a few links per address per window.
async fn mail_link(
    app: &App,
    scoped: &Scoped,
    email: &str,
    actor: &Actor,
    spec: LinkMail,
) -> AppResult<()> {
    let now = app.now();
    let email = normalize_email(email);
    if !looks_like_email(&email) {
        return Err(AppError::field(
            "email",
            "Enter an email address like name@example.org.",
        ));
    }
    let bucket = format!("{}:email:{email}", spec.purpose.as_str());
    let sent = scoped.hit_rate_limit(&bucket, window(now)).await?;
    let Some(account) = scoped
        .account_by_email(&email)
        .await?
        .filter(|a| a.disabled_at.is_none())
    else {
        return Ok(());
    };
    if sent > MAX_LINKS_PER_EMAIL {
        return Ok(());
    }
    let token = random_token();
    let mut tx = scoped.begin().await?;
    tx.insert_login_token(
        &token_hash(&token),
        account.id,
        spec.purpose,
        now,
        now.plus_seconds(spec.minutes * 60),
    )
    .await?;
    let society = scoped.society();
    let link = format!("{}{}{token}", app.links.base_url(society), spec.path);
    let email_job = EmailJob {
        to: account.email.clone(),
        subject: (spec.subject)(society),
        text: (spec.text)(&account.display_name, society, &link),
    };
    enqueue_email(&mut tx, &email_job, now).await?;
    audit(
        &mut tx,
        actor,
        Some(account.id),
        spec.audit_action,
        &account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Email a single-use sign-in link.
pub async fn request_sign_in_link(
    app: &App,
    scoped: &Scoped,
    email: &str,
    actor: &Actor,
) -> AppResult<()> {
    let spec = LinkMail {
        purpose: TokenPurpose::SignIn,
        minutes: LINK_MINUTES,
        path: "/sign-in/link/",
        audit_action: "sign_in.link_requested",
        subject: |society| format!("Your sign-in link for {}", society.short_name),
        text: |name, society, link| {
            format!(
                "Hello {name},\n\nUse this link to sign in to {}. It works once, within {LINK_MINUTES} minutes:\n\n{link}\n\nIf you did not ask for it, you can ignore this email.",
                society.name
            )
        },
    };
    mail_link(app, scoped, email, actor, spec).await
}

pub async fn sign_in_with_link(
    app: &App,
    scoped: &Scoped,
    token: &str,
    actor: &Actor,
) -> AppResult<SignedIn> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let Some(account_id) = tx
        .consume_login_token(&token_hash(token), TokenPurpose::SignIn, now)
        .await?
    else {
        return Err(AppError::field("email", BAD_LINK));
    };
    // Following a link sent to the address proves it is theirs.
    tx.mark_email_verified(account_id, now).await?;
    tx.commit().await?;
    let account = scoped
        .account_by_id(account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if account.disabled_at.is_some() {
        return Err(AppError::field("email", BAD_LINK));
    }
    let mut tx = scoped.begin().await?;
    let (session_token, mfa_pending) = start_session(&mut tx, &account, now).await?;
    audit(
        &mut tx,
        actor,
        Some(account.id),
        "sign_in.link",
        &account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn {
        session_token,
        account,
        mfa_pending,
    })
}

/// The signed-in user for a session cookie, or None for a missing, expired or foreign session.
pub async fn current_user(
    app: &App,
    scoped: &Scoped,
    session_token: &str,
) -> AppResult<Option<CurrentUser>> {
    let now = app.now();
    let hash = token_hash(session_token);
    let Some(session) = scoped.session(&hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= now.0 {
        return Ok(None);
    }
    let Some(account) = scoped.account_by_id(session.account_id).await? else {
        return Ok(None);
    };
    if account.disabled_at.is_some() {
        return Ok(None);
    }
    if now.seconds_since(Timestamp(session.last_seen_at)) > SEEN_EVERY_SECONDS {
        let mut tx = scoped.begin().await?;
        tx.touch_session_seen(&hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some(CurrentUser { account, session }))
}

pub async fn sign_out(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.delete_session(&user.session.id_hash).await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "sign_out",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Check a TOTP code: for the second step of sign-in, or to re-authenticate.
pub async fn verify_mfa(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    code: &str,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let secret = user
        .account
        .totp_secret
        .as_deref()
        .ok_or(AppError::Forbidden)?;
    let per_account = scoped
        .hit_rate_limit(&format!("mfa:{}", user.id()), window(now))
        .await?;
    if per_account > MAX_PER_EMAIL {
        return Err(AppError::RateLimited);
    }
    let mut tx = scoped.begin().await?;
    let step = totp::verify(secret, code, now, user.account.totp_last_step);
    let accepted = match step {
        Some(step) => tx.advance_totp_step(user.id(), step).await?,
        None => false,
    };
    if !accepted {
        audit(
            &mut tx,
            actor,
            Some(user.id()),
            "mfa.failed",
            &user.account.email,
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the 6-digit code your authenticator app shows now.",
        ));
    }
    tx.touch_session_auth(&user.session.id_hash, now).await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "mfa.passed",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Confirm the password again before a sensitive change.
pub async fn reauthenticate(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    password: &str,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let per_account = scoped
        .hit_rate_limit(&format!("reauth:{}", user.id()), window(now))
        .await?;
    if per_account > MAX_PER_EMAIL {
        return Err(AppError::RateLimited);
    }
    let ok = user
        .account
        .password_hash
        .as_deref()
        .is_some_and(|h| passwords::verify(password, h));
    let mut tx = scoped.begin().await?;
    if !ok {
        audit(
            &mut tx,
            actor,
            Some(user.id()),
            "reauth.failed",
            &user.account.email,
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field("password", "That password is not right."));
    }
    tx.touch_session_auth(&user.session.id_hash, now).await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "reauth",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn require_recent_auth(app: &App, user: &CurrentUser) -> AppResult<()> {
    if user.recently_authenticated(app.now()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn change_password(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    new_password: &str,
    confirm: &str,
    actor: &Actor,
) -> AppResult<()> {
    require_recent_auth(app, user)?;
    let mut errors = FieldErrors::new();
    if let Some(problem) = password_problem(new_password) {
        errors.add("new_password", problem);
    }
    errors.check(
        new_password != confirm,
        "confirm_password",
        "The two passwords differ. Type the same password twice.",
    );
    errors.into_result()?;
    let now = app.now();
    let hash = passwords::hash(new_password)?;
    let mut tx = scoped.begin().await?;
    tx.set_password_hash(user.id(), &hash).await?;
    tx.delete_other_sessions(user.id(), Some(&user.session.id_hash))
        .await?;
    enqueue_email(
        &mut tx,
        &EmailJob {
            to: user.account.email.clone(),
            subject: "Your password was changed".into(),
            text: format!("Hello {},\n\nThe password of your {} account was just changed. If this was not you, reset your password now and tell us.", user.account.display_name, scoped.society().name),
        },
        now,
    )
    .await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "password.changed",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_email(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    new_email: &str,
    actor: &Actor,
) -> AppResult<()> {
    require_recent_auth(app, user)?;
    let email = normalize_email(new_email);
    if !looks_like_email(&email) {
        return Err(AppError::field(
            "email",
            "Enter an email address like name@example.org.",
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.set_email(user.id(), &email).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "email",
                "That address can't be used. Choose another, or contact the office.",
            ));
        }
        other => other?,
    }
    enqueue_email(
        &mut tx,
        &EmailJob {
            to: user.account.email.clone(),
            subject: "Your email address was changed".into(),
            text: format!("Hello {},\n\nThe email address of your {} account was changed to {email}. If this was not you, contact the office at once.", user.account.display_name, scoped.society().name),
        },
        now,
    )
    .await?;
    send_verification_in(
        app,
        scoped,
        &mut tx,
        user.id(),
        &email,
        &user.account.display_name,
    )
    .await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "email.changed",
        &email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn send_verification_in(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    account: UserId,
    email: &str,
    name: &str,
) -> AppResult<()> {
    let now = app.now();
    let token = random_token();
    tx.insert_login_token(
        &token_hash(&token),
        account,
        TokenPurpose::VerifyEmail,
        now,
        now.plus_seconds(VERIFY_HOURS * 3600),
    )
    .await?;
    let link = format!(
        "{}/verify-email/{token}",
        app.links.base_url(scoped.society())
    );
    enqueue_email(
        tx,
        &EmailJob {
            to: email.to_string(),
            subject: format!("Confirm your email address for {}", scoped.society().short_name),
            text: format!("Hello {name},\n\nPlease confirm this is your email address by opening this link within {VERIFY_HOURS} hours:\n\n{link}"),
        },
        now,
    )
    .await
}

pub async fn send_verification(app: &App, scoped: &Scoped, user: &CurrentUser) -> AppResult<()> {
    let mut tx = scoped.begin().await?;
    send_verification_in(
        app,
        scoped,
        &mut tx,
        user.id(),
        &user.account.email,
        &user.account.display_name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn verify_email(app: &App, scoped: &Scoped, token: &str, actor: &Actor) -> AppResult<()> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let Some(account) = tx
        .consume_login_token(&token_hash(token), TokenPurpose::VerifyEmail, now)
        .await?
    else {
        return Err(AppError::field("token", BAD_LINK));
    };
    tx.mark_email_verified(account, now).await?;
    audit(&mut tx, actor, Some(account), "email.verified", "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Email a password-reset link.
pub async fn request_password_reset(
    app: &App,
    scoped: &Scoped,
    email: &str,
    actor: &Actor,
) -> AppResult<()> {
    let spec = LinkMail {
        purpose: TokenPurpose::PasswordReset,
        minutes: RESET_MINUTES,
        path: "/password-reset/",
        audit_action: "password.reset_requested",
        subject: |society| format!("Reset your {} password", society.short_name),
        text: |name, _, link| {
            format!(
                "Hello {name},\n\nTo choose a new password, open this link within {RESET_MINUTES} minutes:\n\n{link}\n\nIf you did not ask for this, ignore this email; your password stays as it is."
            )
        },
    };
    mail_link(app, scoped, email, actor, spec).await
}

pub async fn reset_password(
    app: &App,
    scoped: &Scoped,
    token: &str,
    new_password: &str,
    confirm: &str,
    actor: &Actor,
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    if let Some(problem) = password_problem(new_password) {
        errors.add("new_password", problem);
    }
    errors.check(
        new_password != confirm,
        "confirm_password",
        "The two passwords differ. Type the same password twice.",
    );
    errors.into_result()?;
    let now = app.now();
    let hash = passwords::hash(new_password)?;
    let mut tx = scoped.begin().await?;
    let Some(account) = tx
        .consume_login_token(&token_hash(token), TokenPurpose::PasswordReset, now)
        .await?
    else {
        return Err(AppError::field("new_password", BAD_LINK));
    };
    tx.set_password_hash(account, &hash).await?;
    tx.mark_email_verified(account, now).await?;
    // Whoever knew the old password is signed out everywhere.
    tx.delete_other_sessions(account, None).await?;
    audit(&mut tx, actor, Some(account), "password.reset", "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Start MFA set-up: a fresh secret, carried in the form with a signature until confirmed, so an
/// abandoned set-up leaves nothing behind.
pub fn new_totp_setup(app: &App, user: &CurrentUser) -> (String, String) {
    let secret = totp::generate_secret();
    let proof = app.signer.sign(
        "totp_setup",
        &[&user.id().to_string(), &secret],
        app.now().plus_seconds(900),
    );
    (secret, proof)
}

pub async fn enable_totp(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    secret: &str,
    proof: &str,
    code: &str,
    actor: &Actor,
) -> AppResult<()> {
    require_recent_auth(app, user)?;
    let now = app.now();
    app.signer
        .verify("totp_setup", &[&user.id().to_string(), secret], proof, now)
        .map_err(|_| AppError::field("code", "This set-up has expired. Start again."))?;
    let Some(step) = totp::verify(secret, code, now, None) else {
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the 6-digit code your authenticator app shows now.",
        ));
    };
    let mut tx = scoped.begin().await?;
    tx.set_totp(user.id(), Some(secret), Some(step)).await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "mfa.enabled",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn disable_totp(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    actor: &Actor,
) -> AppResult<()> {
    require_recent_auth(app, user)?;
    if user.role() == Role::Owner && scoped.society().require_owner_mfa {
        return Err(AppError::field(
            "code",
            "Owners of this society must keep two-step sign-in on.",
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.set_totp(user.id(), None, None).await?;
    audit(
        &mut tx,
        actor,
        Some(user.id()),
        "mfa.disabled",
        &user.account.email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turn the society's rule "owners must use two-step sign-in" on or off. Only an owner may, and
/// only one who uses it already, so nobody locks the owners out by accident.
pub async fn set_owner_mfa_rule(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    required: bool,
    actor: &Actor,
) -> AppResult<()> {
    if user.role() != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if required && !user.account.has_mfa() {
        return Err(AppError::field(
            "require_owner_mfa",
            "Turn on two-step sign-in for your own account first.",
        ));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.set_require_owner_mfa(required).await?;
    let action = if required {
        "society.owner_mfa_required"
    } else {
        "society.owner_mfa_optional"
    };
    audit(&mut tx, actor, Some(user.id()), action, "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether this user must set up MFA before doing staff work.
pub fn must_set_up_mfa(scoped: &Scoped, user: &CurrentUser) -> bool {
    scoped.society().require_owner_mfa && user.role() == Role::Owner && !user.account.has_mfa()
}

/// Invite someone to the staff; they choose their password from the emailed link.
pub async fn invite(
    app: &App,
    scoped: &Scoped,
    inviter: &CurrentUser,
    email: &str,
    name: &str,
    role: Role,
    actor: &Actor,
) -> AppResult<()> {
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    errors.check(
        !looks_like_email(&email),
        "email",
        "Enter an email address like name@example.org.",
    );
    errors.check(
        name.trim().is_empty(),
        "display_name",
        "Enter the person's name.",
    );
    errors.check(
        !inviter.role().may_grant(role),
        "role",
        "You can only invite people to a role up to your own.",
    );
    errors.into_result()?;
    let now = app.now();
    let token = random_token();
    let mut tx = scoped.begin().await?;
    tx.insert_invitation(
        &email,
        name.trim(),
        role,
        &token_hash(&token),
        inviter.id(),
        now,
        now.plus_seconds(INVITE_DAYS * 86_400),
    )
    .await?;
    let link = format!(
        "{}/invitations/{token}",
        app.links.base_url(scoped.society())
    );
    enqueue_email(
        &mut tx,
        &EmailJob {
            to: email.clone(),
            subject: format!("{} invites you to {}", inviter.account.display_name, scoped.society().name),
            text: format!("Hello {},\n\n{} has invited you to join the {} team on its website as {}.\nOpen this link within {INVITE_DAYS} days to choose your password:\n\n{link}", name.trim(), inviter.account.display_name, scoped.society().name, role.label()),
        },
        now,
    )
    .await?;
    audit(
        &mut tx,
        actor,
        Some(inviter.id()),
        "invitation.sent",
        &email,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn accept_invitation(
    app: &App,
    scoped: &Scoped,
    token: &str,
    password: &str,
    confirm: &str,
    actor: &Actor,
) -> AppResult<SignedIn> {
    let now = app.now();
    let invitation = scoped
        .invitation_by_token(&token_hash(token))
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now.0)
        .ok_or_else(|| AppError::field("new_password", BAD_LINK))?;
    let mut errors = FieldErrors::new();
    if let Some(problem) = password_problem(password) {
        errors.add("new_password", problem);
    }
    errors.check(
        password != confirm,
        "confirm_password",
        "The two passwords differ. Type the same password twice.",
    );
    errors.into_result()?;
    let hash = passwords::hash(password)?;
    let existing = scoped.account_by_email(&invitation.email).await?;
    let mut tx = scoped.begin().await?;
    tx.accept_invitation(invitation.id, now)
        .await
        .map_err(|_| AppError::field("new_password", BAD_LINK))?;
    let account_id = match existing {
        Some(account) => {
            tx.set_password_hash(account.id, &hash).await?;
            if account.role() < invitation.role() {
                tx.set_role(account.id, invitation.role()).await?;
            }
            tx.mark_email_verified(account.id, now).await?;
            account.id
        }
        None => {
            tx.insert_account(
                &NewAccount {
                    email: invitation.email.clone(),
                    display_name: invitation.display_name.clone(),
                    role: invitation.role(),
                    is_operator: false,
                    password_hash: Some(hash),
                    email_verified: true,
                },
                now,
            )
            .await?
        }
    };
    audit(
        &mut tx,
        actor,
        Some(account_id),
        "invitation.accepted",
        &invitation.email,
        now,
    )
    .await?;
    tx.commit().await?;
    let account = scoped
        .account_by_id(account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = scoped.begin().await?;
    let (session_token, mfa_pending) = start_session(&mut tx, &account, now).await?;
    tx.commit().await?;
    Ok(SignedIn {
        session_token,
        account,
        mfa_pending,
    })
}

/// Create an account directly (the `admin create-user` command and demo data).
pub async fn create_account(
    app: &App,
    scoped: &Scoped,
    new: NewAccountInput,
    actor: &Actor,
) -> AppResult<UserId> {
    let email = normalize_email(&new.email);
    let mut errors = FieldErrors::new();
    errors.check(
        !looks_like_email(&email),
        "email",
        "Enter an email address like name@example.org.",
    );
    errors.check(
        new.display_name.trim().is_empty(),
        "display_name",
        "Enter the person's name.",
    );
    if let Some(password) = &new.password
        && let Some(problem) = password_problem(password)
    {
        errors.add("password", problem);
    }
    errors.into_result()?;
    let password_hash = new.password.as_deref().map(passwords::hash).transpose()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = insert_account_checked(
        &mut tx,
        &NewAccount {
            email: email.clone(),
            display_name: new.display_name.trim().to_string(),
            role: new.role,
            is_operator: new.is_operator,
            password_hash,
            email_verified: true,
        },
        now,
    )
    .await?;
    audit(&mut tx, actor, None, "account.created", &email, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert_account_checked(
    tx: &mut ScopedTx,
    new: &NewAccount,
    now: Timestamp,
) -> AppResult<UserId> {
    match tx.insert_account(new, now).await {
        Err(StoreError::Conflict(_)) => Err(AppError::field(
            "email",
            "An account with that email already exists.",
        )),
        other => Ok(other?),
    }
}

#[derive(Clone, Debug)]
pub struct NewAccountInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_operator: bool,
    pub password: Option<String>,
}
