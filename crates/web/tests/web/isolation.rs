//! The isolation harness. Society A is seeded with canary strings and live ids and tokens; every
//! recorded route is walked as society B's anonymous visitor, member and staff owner, with A's
//! ids and tokens substituted. The test fails on any canary in a response, on any change to A's
//! rows, and on any recorded route that has no fixture here.
//!
//! Adding a route: add a line to `fixtures` giving the path(s) to request (with A's ids) and the
//! form fields to post.

use std::collections::BTreeMap;

use chapterhouse_core::signing::token_hash;
use chapterhouse_core::{Role, Timestamp};
use chapterhouse_store::{NewJob, TokenPurpose};
use chapterhouse_web::route_table;

use crate::common::{Client, PASSWORD, TestApp};

const CANARIES: &[&str] = &[
    "CANARY-A-LEVEL",
    "canary-a-member",
    "CANARY-A-NAME",
    "CANARY-A-TITLE",
    "CANARY-A-BODY",
    "canary-a-slug",
    "canary-a-old",
    "CANARY-A-JOB",
    "canary-a-invitee",
    "canary-a-owner",
    "CANARY-A-PRACTICE",
    "canary-a-colleague",
    "canary-a-manager",
];

struct SeedA {
    level_id: String,
    membership_id: String,
    practice_id: String,
    seat_membership_id: String,
    manager_person_id: String,
    page_id: String,
    redirect_id: String,
    job_id: String,
    sign_in_token: &'static str,
    reset_token: &'static str,
    verify_token: &'static str,
    invite_token: &'static str,
}

async fn seed_a(t: &TestApp) -> SeedA {
    let form = chapterhouse_app::societies::NewSocietyForm {
        name: "CANARY-A-NAME Society".into(),
        short_name: "CANA".into(),
        slug: "alpha".into(),
        host: "alpha.test".into(),
        time_zone: "America/Chicago".into(),
        email: "office@alpha.test".into(),
        postal_address: "1 Alpha Way".into(),
        phone: String::new(),
        owner_name: "canary-a-owner".into(),
        owner_email: "owner@alpha.test".into(),
        owner_password: PASSWORD.into(),
    };
    let (a, owner) =
        chapterhouse_app::societies::create_society(&t.app, &form, &Default::default())
            .await
            .unwrap();
    t.add_page(&a, "home", "CANARY-A-TITLE home", "CANARY-A-BODY home")
        .await;
    t.add_page(&a, "canary-a-slug", "CANARY-A-TITLE", "CANARY-A-BODY")
        .await;
    let scoped = t.app.scoped(&a);
    let page_id = scoped
        .page_by_slug("canary-a-slug")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let redirect_id = chapterhouse_app::redirects::add_redirect(
        &t.app,
        &scoped,
        "/canary-a-old",
        "/canary-a-slug",
        &Default::default(),
    )
    .await
    .unwrap()
    .to_string();
    let now = t.app.now();
    let mut tx = scoped.begin().await.unwrap();
    for (token, purpose) in [
        ("a-sign-in", TokenPurpose::SignIn),
        ("a-reset", TokenPurpose::PasswordReset),
        ("a-verify", TokenPurpose::VerifyEmail),
    ] {
        tx.insert_login_token(
            &token_hash(token),
            owner,
            purpose,
            now,
            now.plus_seconds(3600),
        )
        .await
        .unwrap();
    }
    tx.insert_invitation(
        "canary-a-invitee@alpha.test",
        "canary-a-invitee",
        Role::Admin,
        &token_hash("a-invite"),
        owner,
        now,
        now.plus_seconds(3600),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t.app
        .store
        .enqueue(
            Some(a.id),
            &NewJob {
                kind: "send_email",
                payload: "{\"to\":\"x\",\"subject\":\"CANARY-A-JOB\",\"text\":\"\"}".into(),
                run_at: now,
                dedup_key: None,
                max_attempts: 1,
            },
            now,
        )
        .await
        .unwrap();
    let claimed = t
        .app
        .store
        .claim_jobs("isolation", now, now.plus_seconds(60), 10)
        .await
        .unwrap();
    t.app
        .store
        .fail_job(claimed[0].id, "CANARY-A-JOB failed", now, None)
        .await
        .unwrap();
    let level_id = chapterhouse_app::membership::create_level(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::LevelForm {
            name: "CANARY-A-LEVEL".into(),
            fee: "300".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let added = chapterhouse_app::membership::add_member(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::MemberForm {
            display_name: "canary-a-member".into(),
            email: "canary-a-member@alpha.test".into(),
            level: level_id.to_string(),
            joined_on: String::new(),
            paid: Some("on".into()),
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let (practice_id, seat_membership_id, manager_person_id) = seed_a_practice(t, &a).await;
    SeedA {
        level_id: level_id.to_string(),
        membership_id: added.id.to_string(),
        practice_id,
        seat_membership_id,
        manager_person_id,
        page_id,
        redirect_id,
        job_id: claimed[0].id.to_string(),
        sign_in_token: "a-sign-in",
        reset_token: "a-reset",
        verify_token: "a-verify",
        invite_token: "a-invite",
    }
}

/// A's practice level, a practice with a manager (who has an account) and one seat.
async fn seed_a_practice(t: &TestApp, a: &chapterhouse_store::Society) -> (String, String, String) {
    let scoped = t.app.scoped(a);
    t.add_account(a, "canary-a-manager@alpha.test", Role::Member)
        .await;
    let level = chapterhouse_app::membership::create_level(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::LevelForm {
            name: "CANARY-A-LEVEL practice".into(),
            fee: "400".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            for_practices: Some("on".into()),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let practice = chapterhouse_app::practices::create_practice(
        &t.app,
        &scoped,
        &chapterhouse_app::practices::PracticeForm {
            name: "CANARY-A-PRACTICE".into(),
            level: level.to_string(),
            key_contact_name: "canary-a-manager".into(),
            key_contact_email: "canary-a-manager@alpha.test".into(),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    chapterhouse_app::practices::record_term(&t.app, &scoped, practice, "", &Default::default())
        .await
        .unwrap();
    let added = chapterhouse_app::practices::add_colleague(
        &t.app,
        &scoped,
        practice,
        &chapterhouse_app::practices::ColleagueForm {
            first_name: "canary-a-colleague".into(),
            last_name: "Colleague".into(),
            email: "canary-a-colleague@alpha.test".into(),
            profession: "physician".into(),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let manager = scoped
        .person_by_email("canary-a-manager@alpha.test")
        .await
        .unwrap()
        .unwrap();
    (
        practice.to_string(),
        added.membership.unwrap().to_string(),
        manager.to_string(),
    )
}

/// Everything of A's that B must not change.
async fn snapshot_a(t: &TestApp) -> String {
    let a = t.app.store.society_by_slug("alpha").await.unwrap().unwrap();
    let scoped = t.app.scoped(&a);
    let pages: Vec<_> = scoped
        .pages()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.slug, p.title, p.body_markdown, p.version, p.published))
        .collect();
    let redirects: Vec<_> = scoped
        .redirects()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.from_path, r.to_path))
        .collect();
    let jobs: Vec<_> = scoped
        .failed_jobs()
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.id, j.attempts))
        .collect();
    let accounts: Vec<_> = scoped
        .staff_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.role().as_str(), a.email, a.password_hash, a.totp_secret))
        .collect();
    let invitations = scoped
        .pending_invitations(Timestamp(0))
        .await
        .unwrap()
        .len();
    let tokens: Vec<i64> = {
        let mut out = Vec::new();
        for (token, purpose) in [
            ("a-sign-in", TokenPurpose::SignIn),
            ("a-reset", TokenPurpose::PasswordReset),
            ("a-verify", TokenPurpose::VerifyEmail),
        ] {
            // Consuming inside a transaction we roll back tells whether the token is still live.
            let mut tx = scoped.begin().await.unwrap();
            out.push(
                tx.consume_login_token(&token_hash(token), purpose, t.app.now())
                    .await
                    .unwrap()
                    .is_some() as i64,
            );
            drop(tx);
        }
        out
    };
    let members: Vec<_> = scoped
        .members(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.email, m.status, m.term_end))
        .collect();
    let levels: Vec<_> = scoped
        .levels()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    let mut practices = Vec::new();
    for p in scoped.practices().await.unwrap() {
        let people: Vec<_> = scoped
            .practice_people(p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|x| (x.email, x.is_manager, x.seat_added_on, x.membership_status))
            .collect();
        let detail = scoped.practice(p.id).await.unwrap().unwrap();
        practices.push(format!(
            "{} {} {} {:?} {} {} {:?}",
            p.name, p.status, p.seats, p.term_end, detail.po_number, detail.state, people
        ));
    }
    let mut rules = Vec::new();
    for l in scoped.levels().await.unwrap() {
        rules.push(format!(
            "{} {} {:?} {:?} {:?} {:?}",
            l.name,
            l.fee_cents,
            scoped.level_rules(l.id).await.unwrap(),
            scoped.level_rates(l.id).await.unwrap(),
            scoped.level_changes(l.id).await.unwrap(),
            scoped.level_transition(l.id).await.unwrap()
        ));
    }
    format!(
        "{members:?}\n{levels:?}\n{pages:?}\n{redirects:?}\n{jobs:?}\n{accounts:?}\n{invitations}\n{tokens:?}\n{practices:?}\n{rules:?}"
    )
}

/// A request: the concrete path and the form fields to post.
type Case = (String, Vec<(&'static str, String)>);
/// (method, route pattern) → the requests that exercise it.
type Fixtures = BTreeMap<(&'static str, &'static str), Vec<Case>>;

/// Requests to make for each recorded route: (path with A's ids, form fields for a POST).
fn fixtures(a: &SeedA) -> Fixtures {
    let mut f: Fixtures = BTreeMap::new();
    let mut get = |path: &'static str, concrete: Vec<String>| {
        f.insert(
            ("GET", path),
            concrete.into_iter().map(|p| (p, vec![])).collect(),
        );
    };
    get("/healthz", vec!["/healthz".into()]);
    get("/readyz", vec!["/readyz".into()]);
    get("/metrics", vec!["/metrics".into()]);
    get("/assets/site.css", vec!["/assets/site.css".into()]);
    get("/assets/editor.js", vec!["/assets/editor.js".into()]);
    get("/assets/brand.css", vec!["/assets/brand.css".into()]);
    get("/", vec!["/".into()]);
    get(
        "/{slug}",
        vec![
            "/canary-a-slug".into(),
            "/canary-a-old".into(),
            "/home".into(),
        ],
    );
    get("/sign-in", vec!["/sign-in".into()]);
    get(
        "/sign-in/link/{token}",
        vec![format!("/sign-in/link/{}", a.sign_in_token)],
    );
    get("/sign-in/mfa", vec!["/sign-in/mfa".into()]);
    get("/password-reset", vec!["/password-reset".into()]);
    get(
        "/password-reset/{token}",
        vec![format!("/password-reset/{}", a.reset_token)],
    );
    get(
        "/verify-email/{token}",
        vec![format!("/verify-email/{}", a.verify_token)],
    );
    get(
        "/invitations/{token}",
        vec![format!("/invitations/{}", a.invite_token)],
    );
    for path in [
        "/account",
        "/account/confirm",
        "/account/password",
        "/account/email",
        "/account/mfa",
        "/staff",
        "/staff/pages",
        "/staff/pages/new",
        "/staff/levels",
        "/staff/members",
        "/staff/members/new",
        "/staff/redirects",
        "/staff/team",
        "/staff/jobs",
        "/staff/audit",
        "/operator",
    ] {
        get(path, vec![path.to_string()]);
    }
    get(
        "/staff/pages/{id}",
        vec![format!("/staff/pages/{}", a.page_id)],
    );
    get(
        "/staff/levels/{id}",
        vec![format!("/staff/levels/{}", a.level_id)],
    );
    get("/staff/practices", vec!["/staff/practices".into()]);
    get("/staff/practices/new", vec!["/staff/practices/new".into()]);
    get(
        "/staff/practices/{id}",
        vec![format!("/staff/practices/{}", a.practice_id)],
    );
    get(
        "/account/practice",
        vec![
            "/account/practice".into(),
            format!("/account/practice?practice={}", a.practice_id),
        ],
    );

    let new_password = |s: &str| {
        vec![
            ("new_password", s.to_string()),
            ("confirm_password", s.to_string()),
        ]
    };
    let page_fields = |version: &str| {
        vec![
            ("title", "B was here".to_string()),
            ("slug", "canary-a-slug".to_string()),
            ("body", "B".to_string()),
            ("version", version.to_string()),
            ("action", "save".to_string()),
            ("published", "on".to_string()),
        ]
    };
    let mut post = |path: &'static str, concrete: Vec<(String, Vec<(&'static str, String)>)>| {
        f.insert(("POST", path), concrete);
    };
    post(
        "/sign-in",
        vec![(
            "/sign-in".into(),
            vec![
                ("email", "owner@alpha.test".into()),
                ("password", PASSWORD.into()),
            ],
        )],
    );
    post(
        "/sign-in/link",
        vec![(
            "/sign-in/link".into(),
            vec![("email", "owner@alpha.test".into())],
        )],
    );
    post(
        "/sign-in/link/{token}",
        vec![(format!("/sign-in/link/{}", a.sign_in_token), vec![])],
    );
    post(
        "/sign-in/mfa",
        vec![("/sign-in/mfa".into(), vec![("code", "123456".into())])],
    );
    post("/sign-out", vec![("/sign-out".into(), vec![])]);
    post(
        "/password-reset",
        vec![(
            "/password-reset".into(),
            vec![("email", "owner@alpha.test".into())],
        )],
    );
    post(
        "/password-reset/{token}",
        vec![(
            format!("/password-reset/{}", a.reset_token),
            new_password("b took over a"),
        )],
    );
    post(
        "/verify-email/{token}",
        vec![(format!("/verify-email/{}", a.verify_token), vec![])],
    );
    post(
        "/invitations/{token}",
        vec![(
            format!("/invitations/{}", a.invite_token),
            new_password("b took over a"),
        )],
    );
    post(
        "/account/confirm",
        vec![(
            "/account/confirm".into(),
            vec![("password", PASSWORD.into()), ("next", "/account".into())],
        )],
    );
    post(
        "/account/password",
        vec![("/account/password".into(), new_password("b changed this"))],
    );
    post(
        "/account/email",
        vec![(
            "/account/email".into(),
            vec![("email", "owner@alpha.test".into())],
        )],
    );
    post(
        "/account/mfa",
        vec![(
            "/account/mfa".into(),
            vec![
                ("secret", "AAAA".into()),
                ("proof", "x".into()),
                ("code", "123456".into()),
            ],
        )],
    );
    post(
        "/account/mfa/disable",
        vec![("/account/mfa/disable".into(), vec![])],
    );
    post("/account/verify", vec![("/account/verify".into(), vec![])]);
    post(
        "/staff/pages/new",
        vec![("/staff/pages/new".into(), page_fields("0"))],
    );
    post(
        "/staff/pages/{id}",
        vec![(format!("/staff/pages/{}", a.page_id), page_fields("1"))],
    );
    post(
        "/staff/pages/{id}/delete",
        vec![(format!("/staff/pages/{}/delete", a.page_id), vec![])],
    );
    post(
        "/staff/levels",
        vec![(
            "/staff/levels".into(),
            vec![
                ("name", "CANARY-A-LEVEL".into()),
                ("fee", "1".into()),
                ("period", "1-year".into()),
            ],
        )],
    );
    post(
        "/staff/members/new",
        vec![(
            "/staff/members/new".into(),
            vec![
                ("display_name", "B's member".into()),
                ("email", "canary-a-member@alpha.test".into()),
                ("level", a.level_id.clone()),
                ("paid", "on".into()),
            ],
        )],
    );
    post(
        "/staff/members/{id}/renew",
        vec![(
            format!("/staff/members/{}/renew", a.membership_id),
            vec![("paid_through", String::new())],
        )],
    );
    post(
        "/staff/levels/{id}",
        vec![(
            format!("/staff/levels/{}", a.level_id),
            vec![
                ("name", "B renamed A's level".into()),
                ("fee", "1".into()),
                ("period", "1-year".into()),
                ("reminder_days", "1".into()),
            ],
        )],
    );
    let colleague = |practice: &str| {
        vec![
            ("practice", practice.to_string()),
            ("first_name", "B".to_string()),
            ("last_name", "Intruder".to_string()),
            ("email", "b-intruder@beta.test".to_string()),
            ("profession", "physician".to_string()),
        ]
    };
    post(
        "/staff/practices/new",
        vec![(
            "/staff/practices/new".into(),
            vec![
                ("name", "B's practice".into()),
                ("level", a.level_id.clone()),
                ("key_contact_name", "B".into()),
                ("key_contact_email", "canary-a-manager@alpha.test".into()),
            ],
        )],
    );
    post(
        "/staff/practices/{id}",
        vec![(
            format!("/staff/practices/{}", a.practice_id),
            vec![
                ("name", "B renamed A's practice".into()),
                ("po_number", "B".into()),
            ],
        )],
    );
    post(
        "/staff/practices/{id}/renew",
        vec![(
            format!("/staff/practices/{}/renew", a.practice_id),
            vec![("paid_through", String::new())],
        )],
    );
    post(
        "/staff/practices/{id}/colleagues",
        vec![(
            format!("/staff/practices/{}/colleagues", a.practice_id),
            colleague(&a.practice_id),
        )],
    );
    post(
        "/staff/practices/{id}/colleagues/{membership}/remove",
        vec![(
            format!(
                "/staff/practices/{}/colleagues/{}/remove",
                a.practice_id, a.seat_membership_id
            ),
            vec![],
        )],
    );
    post(
        "/staff/practices/{id}/people/{person}/manager",
        vec![(
            format!(
                "/staff/practices/{}/people/{}/manager",
                a.practice_id, a.manager_person_id
            ),
            vec![("manager", "no".into())],
        )],
    );
    post(
        "/account/practice/colleagues",
        vec![(
            "/account/practice/colleagues".into(),
            colleague(&a.practice_id),
        )],
    );
    post(
        "/account/practice/colleagues/{membership}/remove",
        vec![(
            format!(
                "/account/practice/colleagues/{}/remove",
                a.seat_membership_id
            ),
            vec![("practice", a.practice_id.clone())],
        )],
    );
    post(
        "/staff/preview",
        vec![("/staff/preview".into(), vec![("body", "x".into())])],
    );
    post(
        "/staff/redirects",
        vec![(
            "/staff/redirects".into(),
            vec![
                ("from_path", "/canary-a-old".into()),
                ("to_path", "/b".into()),
            ],
        )],
    );
    post(
        "/staff/redirects/{id}/delete",
        vec![(format!("/staff/redirects/{}/delete", a.redirect_id), vec![])],
    );
    post(
        "/staff/team/invite",
        vec![(
            "/staff/team/invite".into(),
            vec![
                ("display_name", "B".into()),
                ("email", "owner@alpha.test".into()),
                ("role", "owner".into()),
            ],
        )],
    );
    post(
        "/staff/team/owner-mfa",
        vec![(
            "/staff/team/owner-mfa".into(),
            vec![("require_owner_mfa", "on".into())],
        )],
    );
    post(
        "/staff/jobs/{id}/retry",
        vec![(format!("/staff/jobs/{}/retry", a.job_id), vec![])],
    );
    post(
        "/operator/societies",
        vec![(
            "/operator/societies".into(),
            vec![
                ("name", "X".into()),
                ("short_name", "X".into()),
                ("slug", "x".into()),
                ("host", "alpha.test".into()),
                ("time_zone", "UTC".into()),
                ("email", "x@x.test".into()),
                ("owner_name", "X".into()),
                ("owner_email", "x@x.test".into()),
            ],
        )],
    );
    f
}

async fn b_users(t: &TestApp) -> Vec<(&'static str, Client)> {
    let b = t.society("beta").await;
    t.add_page(&b, "home", "Beta home", "Beta").await;
    t.add_account(&b, "member@beta.test", Role::Member).await;
    let anonymous = t.client("beta.test");
    let mut member = t.client("beta.test");
    member.sign_in("member@beta.test", PASSWORD).await;
    let mut staff = t.client("beta.test");
    staff.sign_in("owner@beta.test", PASSWORD).await;
    vec![
        ("anonymous", anonymous),
        ("member", member),
        ("staff", staff),
    ]
}

#[tokio::test]
async fn every_route_is_walked_as_another_societys_users_without_leaks() {
    let t = TestApp::new().await;
    let a = seed_a(&t).await;
    let users = b_users(&t).await;
    let before = snapshot_a(&t).await;
    let fixtures = fixtures(&a);

    let missing: Vec<_> = route_table()
        .into_iter()
        .filter(|r| !fixtures.contains_key(&(r.method, r.path)))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an isolation fixture (add them to tests/web/isolation.rs): {missing:?}"
    );

    let mut leaks = Vec::new();
    let mut requests = 0;
    for (who, template) in &users {
        for ((method, pattern), cases) in &fixtures {
            for (path, fields) in cases {
                // A fresh copy per request, so a sign-out does not end the walk early.
                let mut client = template.clone();
                client.get("/sign-in").await;
                let response = if *method == "GET" {
                    client.get(path).await
                } else {
                    let pairs: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    client.post(path, &pairs).await
                };
                requests += 1;
                assert!(
                    response.status.as_u16() < 500,
                    "{who} {method} {path} gave {}",
                    response.status
                );
                for canary in CANARIES {
                    // A form that shows back what was typed is not a leak.
                    let typed = fields.iter().any(|(_, v)| v.contains(canary));
                    if !typed
                        && (response.body.contains(canary) || response.location().contains(canary))
                    {
                        if std::env::var("ISOLATION_DEBUG").is_ok() {
                            eprintln!(
                                "---- {who} {method} {path}
{}",
                                response.body
                            );
                        }
                        leaks.push(format!("{who} {method} {pattern} ({path}) showed {canary}"));
                    }
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "society A's data reached society B:\n{}",
        leaks.join("\n")
    );
    assert!(requests > 150, "the walk made {requests} requests");
    assert_eq!(
        snapshot_a(&t).await,
        before,
        "society B changed society A's rows"
    );

    // And the canaries are really there to find: A's own visitors see them.
    let mut a_visitor = t.client("alpha.test");
    assert!(
        a_visitor
            .get("/canary-a-slug")
            .await
            .body
            .contains("CANARY-A-BODY")
    );
}

#[tokio::test]
async fn mail_for_one_society_carries_only_its_own_host_and_name() {
    let t = TestApp::new().await;
    seed_a(&t).await;
    let users = b_users(&t).await;
    let mut anonymous = users.into_iter().next().unwrap().1;
    anonymous
        .post("/sign-in/link", &[("email", "owner@beta.test")])
        .await;
    // A's seeding sent its colleague a welcome; B's is the one to owner@beta.test.
    let mail = t.deliver_mail(2).await;
    let b_mail = mail
        .iter()
        .find(|m| m.rcpt_to.iter().any(|r| r == "owner@beta.test"))
        .expect("B's sign-in mail");
    let text = b_mail.body_text();
    assert!(text.contains("https://beta.test/sign-in/link/"));
    for canary in CANARIES {
        assert!(
            !text.contains(canary) && !b_mail.data.contains(canary),
            "{canary} in B's mail"
        );
    }
}
