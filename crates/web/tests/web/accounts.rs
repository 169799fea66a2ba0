//! Accounts: password and link sign-in, sign-out, resets, verification, MFA, re-authentication,
//! invitations, rate limits and CSRF.

use axum::http::StatusCode;
use chapterhouse_core::{Role, totp};

use crate::common::{PASSWORD, TestApp, link_in, path_of};

#[tokio::test]
async fn password_sign_in_and_sign_out() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");

    let wrong = browser.sign_in("owner@gsco.test", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("don&#39;t match an account")
            || wrong.body.contains("don't match an account"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains(r#"value="owner@gsco.test""#),
        "the email typed is kept"
    );
    assert!(browser.cookie.is_none());

    let ok = browser.sign_in("OWNER@gsco.test ", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/staff", "staff land on their dashboard");
    let dashboard = browser.get("/staff").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Staff dashboard"));

    let out = browser.post("/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie.is_none());
    let after = browser.get("/staff").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/sign-in?next="));
}

#[tokio::test]
async fn unknown_and_known_emails_get_the_same_answers() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    let unknown = browser.sign_in("nobody@gsco.test", PASSWORD).await;
    let known = browser.sign_in("owner@gsco.test", "wrong password!").await;
    assert_eq!(unknown.status, known.status);
    let message = |body: &str| {
        body.split("error-summary")
            .nth(1)
            .map(|s| s[..200.min(s.len())].to_string())
    };
    assert_eq!(message(&unknown.body), message(&known.body));

    let link_unknown = browser
        .post("/sign-in/link", &[("email", "nobody@gsco.test")])
        .await;
    let link_known = browser
        .post("/sign-in/link", &[("email", "owner@gsco.test")])
        .await;
    assert_eq!(link_unknown.status, link_known.status);
    assert!(
        link_unknown
            .body
            .contains("If nobody@gsco.test has an account here")
    );
}

#[tokio::test]
async fn emailed_sign_in_link_works_once() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.get("/sign-in").await;
    browser
        .post("/sign-in/link", &[("email", "owner@gsco.test")])
        .await;
    let mail = t.deliver_mail(1).await;
    assert_eq!(mail[0].rcpt_to, vec!["owner@gsco.test".to_string()]);
    assert!(mail[0].header("From").unwrap().contains("office@gsco.test"));
    // The link is built from the society's primary host, not the request's.
    let link = link_in(&mail[0], "https://gsco.test/sign-in/link/");
    assert!(
        mail[0].body_text().contains("100 Main Street"),
        "postal address in the footer"
    );

    let path = path_of(&link);
    let confirm = browser.get(&path).await;
    assert_eq!(
        confirm.status,
        StatusCode::OK,
        "GET only shows a button: mail scanners can't use the link up"
    );
    let signed_in = browser.post(&path, &[]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie.is_some());

    let mut other = t.client("gsco.test");
    other.get(&path).await;
    let replay = other.post(&path, &[]).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replay.body.contains("expired or has already been used"));
    assert!(other.cookie.is_none());
}

#[tokio::test]
async fn password_reset_by_email() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.get("/password-reset").await;
    browser
        .post("/password-reset", &[("email", "owner@gsco.test")])
        .await;
    let mail = t.deliver_mail(1).await;
    let path = path_of(&link_in(&mail[0], "https://gsco.test/password-reset/"));

    browser.get(&path).await;
    let mismatch = browser
        .post(
            &path,
            &[
                ("new_password", "a brand new password"),
                ("confirm_password", "different one!!"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("The two passwords differ"));
    let short = browser
        .post(
            &path,
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert!(short.body.contains("at least 10 characters"));
    let done = browser
        .post(
            &path,
            &[
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    assert_eq!(
        browser.sign_in("owner@gsco.test", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        browser
            .sign_in("owner@gsco.test", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // The link is spent.
    let mut again = t.client("gsco.test");
    again.get(&path).await;
    let reuse = again
        .post(
            &path,
            &[
                ("new_password", "yet another password"),
                ("confirm_password", "yet another password"),
            ],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    for _ in 0..10 {
        assert_eq!(
            browser
                .sign_in("owner@gsco.test", "wrong password!")
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let limited = browser.sign_in("owner@gsco.test", PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // The emailed link still works: a guesser cannot lock the owner out.
    browser
        .post("/sign-in/link", &[("email", "owner@gsco.test")])
        .await;
    assert_eq!(t.deliver_mail(1).await.len(), 1);
    // After the window passes, passwords are accepted again.
    t.clock.advance_seconds(16 * 60);
    assert_eq!(
        browser.sign_in("owner@gsco.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    let body =
        crate::common::serde_urlencoded(&[("email", "owner@gsco.test"), ("password", PASSWORD)]);
    let missing = browser.post_raw("/sign-in", body.clone()).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let forged = browser
        .post_raw("/sign-in", format!("{body}&csrf=forged"))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(browser.cookie.is_none());

    // A token minted for another society is refused here.
    t.society("beta").await;
    let mut beta = t.client("beta.test");
    beta.get("/sign-in").await;
    let beta_token = beta.csrf.clone().unwrap();
    let crossed = browser
        .post_raw("/sign-in", format!("{body}&csrf={beta_token}"))
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn mfa_setup_sign_in_and_replay() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.sign_in("owner@gsco.test", PASSWORD).await;
    let setup = browser.get("/account/mfa").await;
    assert_eq!(
        setup.status,
        StatusCode::OK,
        "just signed in counts as recent authentication"
    );
    let secret = regex_lite::Regex::new(r#"name="secret" value="([A-Z2-7]+)""#)
        .unwrap()
        .captures(&setup.body)
        .unwrap()[1]
        .to_string();
    let proof = regex_lite::Regex::new(r#"name="proof" value="([^"]+)""#)
        .unwrap()
        .captures(&setup.body)
        .unwrap()[1]
        .to_string();
    let code = |at: chapterhouse_core::Timestamp| {
        totp::code_for_step(&totp::base32_decode(&secret).unwrap(), totp::step_at(at))
    };

    let wrong = browser
        .post(
            "/account/mfa",
            &[("secret", &secret), ("proof", &proof), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let now_code = code(t.app.now());
    let on = browser
        .post(
            "/account/mfa",
            &[("secret", &secret), ("proof", &proof), ("code", &now_code)],
        )
        .await;
    assert!(on.body.contains("Two-step sign-in is on"), "{}", on.body);
    browser.post("/sign-out", &[]).await;

    t.clock.advance_seconds(60);
    let mut next = t.client("gsco.test");
    let first = next.sign_in("owner@gsco.test", PASSWORD).await;
    assert!(
        first.location().starts_with("/sign-in/mfa"),
        "{}",
        first.location()
    );
    assert_eq!(
        next.get("/staff").await.status,
        StatusCode::SEE_OTHER,
        "no staff pages before the code"
    );
    next.get("/sign-in/mfa").await;
    let fresh_code = code(t.app.now());
    let passed = next.post("/sign-in/mfa", &[("code", &fresh_code)]).await;
    assert_eq!(passed.status, StatusCode::SEE_OTHER);
    assert_eq!(next.get("/staff").await.status, StatusCode::OK);

    // The same code cannot be used twice.
    let mut thief = t.client("gsco.test");
    thief.sign_in("owner@gsco.test", PASSWORD).await;
    thief.get("/sign-in/mfa").await;
    let replay = thief.post("/sign-in/mfa", &[("code", &fresh_code)]).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn owners_must_set_up_mfa_when_the_society_requires_it() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_account(&society, "second-owner@gsco.test", Role::Owner)
        .await;
    let mut owner = t.client("gsco.test");
    owner.sign_in("owner@gsco.test", PASSWORD).await;
    owner.get("/staff/team").await;
    let refused = owner
        .post("/staff/team/owner-mfa", &[("require_owner_mfa", "on")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Turn on two-step sign-in for your own account first.")
    );

    // Set up MFA, then require it for every owner.
    let setup = owner.get("/account/mfa").await;
    let secret = regex_lite::Regex::new(r#"name="secret" value="([A-Z2-7]+)""#)
        .unwrap()
        .captures(&setup.body)
        .unwrap()[1]
        .to_string();
    let proof = regex_lite::Regex::new(r#"name="proof" value="([^"]+)""#)
        .unwrap()
        .captures(&setup.body)
        .unwrap()[1]
        .to_string();
    let code = totp::code_for_step(
        &totp::base32_decode(&secret).unwrap(),
        totp::step_at(t.app.now()),
    );
    owner
        .post(
            "/account/mfa",
            &[("secret", &secret), ("proof", &proof), ("code", &code)],
        )
        .await;
    owner.get("/staff/team").await;
    assert_eq!(
        owner
            .post("/staff/team/owner-mfa", &[("require_owner_mfa", "on")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        owner
            .get("/staff/team")
            .await
            .body
            .contains(r#"name="require_owner_mfa" type="checkbox" checked"#)
    );

    // The other owner is sent to set it up before any staff page.
    let mut second = t.client("gsco.test");
    second.sign_in("second-owner@gsco.test", PASSWORD).await;
    let staff = second.get("/staff").await;
    assert_eq!(staff.status, StatusCode::SEE_OTHER);
    assert_eq!(staff.location(), "/account/mfa");
    let page = second.get("/account/mfa").await;
    assert!(
        page.body
            .contains("asks its owners to use two-step sign-in")
    );
}

#[tokio::test]
async fn sensitive_changes_need_recent_password() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.sign_in("owner@gsco.test", PASSWORD).await;
    t.clock.advance_seconds(11 * 60);
    let stale = browser.get("/account/password").await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    assert!(stale.location().starts_with("/account/confirm"));
    browser.get("/account/confirm?next=/account/password").await;
    let wrong = browser
        .post(
            "/account/confirm",
            &[
                ("password", "nope nope nope"),
                ("next", "/account/password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let right = browser
        .post(
            "/account/confirm",
            &[("password", PASSWORD), ("next", "/account/password")],
        )
        .await;
    assert_eq!(right.location(), "/account/password");
    browser.get("/account/password").await;
    let changed = browser
        .post(
            "/account/password",
            &[
                ("new_password", "another good password"),
                ("confirm_password", "another good password"),
            ],
        )
        .await;
    assert!(changed.body.contains("Password changed"));
    let mail = t.deliver_mail(1).await;
    assert_eq!(mail[0].subject(), "Your password was changed");

    browser.get("/account/email").await;
    let email = browser
        .post("/account/email", &[("email", "new-owner@gsco.test")])
        .await;
    assert!(
        email.body.contains("Check your new address"),
        "{}",
        email.body
    );
    let mail = t.deliver_mail(3).await;
    let confirm = mail
        .iter()
        .find(|m| m.rcpt_to == vec!["new-owner@gsco.test".to_string()])
        .expect("verification to the new address");
    assert!(
        mail.iter()
            .any(|m| m.rcpt_to == vec!["owner@gsco.test".to_string()]
                && m.subject().contains("email address was changed"))
    );
    let path = path_of(&link_in(confirm, "https://gsco.test/verify-email/"));
    browser.get(&path).await;
    assert!(
        browser
            .post(&path, &[])
            .await
            .body
            .contains("Email address confirmed")
    );
    assert!(browser.get("/account").await.body.contains("confirmed"));
}

#[tokio::test]
async fn staff_invitation_creates_an_account_with_the_role() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut owner = t.client("gsco.test");
    owner.sign_in("owner@gsco.test", PASSWORD).await;
    owner.get("/staff/team").await;
    let bad = owner
        .post(
            "/staff/team/invite",
            &[
                ("display_name", ""),
                ("email", "not-an-email"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter the person") && bad.body.contains(r#"value="not-an-email""#));
    let sent = owner
        .post(
            "/staff/team/invite",
            &[
                ("display_name", "Pat Planner"),
                ("email", "pat@gsco.test"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let mail = t.deliver_mail(1).await;
    let path = path_of(&link_in(&mail[0], "https://gsco.test/invitations/"));

    let mut pat = t.client("gsco.test");
    pat.get(&path).await;
    let accepted = pat
        .post(
            &path,
            &[
                ("new_password", "pat's own password"),
                ("confirm_password", "pat's own password"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(pat.get("/staff").await.status, StatusCode::OK);
    let team = owner.get("/staff/team").await;
    assert!(team.body.contains("Pat Planner"));

    // A staff member cannot invite.
    pat.get("/staff/team").await;
    assert_eq!(
        pat.post(
            "/staff/team/invite",
            &[
                ("display_name", "X"),
                ("email", "x@gsco.test"),
                ("role", "owner")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn members_cannot_reach_staff_pages() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_account(&society, "member@gsco.test", Role::Member)
        .await;
    let mut member = t.client("gsco.test");
    let signed = member.sign_in("member@gsco.test", PASSWORD).await;
    assert_eq!(signed.location(), "/");
    assert_eq!(member.get("/staff").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        member.get("/staff/pages").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(member.get("/operator").await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn audit_log_records_sign_ins_and_changes() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.sign_in("owner@gsco.test", "wrong password!").await;
    browser.sign_in("owner@gsco.test", PASSWORD).await;
    let audit = browser.get("/staff/audit").await;
    assert!(
        audit.body.contains("sign_in.failed") && audit.body.contains("sign_in.password"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("society.created"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_apply_per_client_not_per_proxy() {
    let t = TestApp::with_config(chapterhouse_web::WebConfig {
        trust_forwarded_for: true,
        ..Default::default()
    })
    .await;
    t.society("gsco").await;
    let mut browser = t.client("gsco.test");
    browser.sign_in("owner@gsco.test", PASSWORD).await;
    let audit = browser.get("/staff/audit").await;
    // Without the header the address is unknown in-process; the audit shows no forged value.
    assert!(!audit.body.contains("203.0.113.7"));
    let request = axum::http::Request::builder()
        .method("GET")
        .uri("/sign-in")
        .header("host", "gsco.test")
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.7")
        .body(axum::body::Body::empty())
        .unwrap();
    let mut proxied = t.client("gsco.test");
    let page = proxied.send(request).await;
    let token = page.csrf().unwrap();
    let body = crate::common::serde_urlencoded(&[
        ("csrf", token.as_str()),
        ("email", "owner@gsco.test"),
        ("password", "wrong password!"),
    ]);
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/sign-in")
        .header("host", "gsco.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.7")
        .body(axum::body::Body::from(body))
        .unwrap();
    proxied.send(request).await;
    let audit = browser.get("/staff/audit").await;
    assert!(
        audit.body.contains("203.0.113.7"),
        "the failed attempt is recorded against the proxy's last hop"
    );
}
