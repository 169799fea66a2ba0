//! The isolation harness. Society A is seeded with canary strings and live ids and tokens; every
//! recorded route is walked as society B's anonymous visitor, member and staff owner, with A's
//! ids and tokens substituted. The test fails on any canary in a response, on any change to A's
//! rows, and on any recorded route that has no fixture here.
//!
//! Adding a route: add a line to `fixtures` giving the path(s) to request (with A's ids) and the
//! form fields to post.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chapterhouse_core::signing::token_hash;
use chapterhouse_core::{Role, Timestamp};
use chapterhouse_store::{NewJob, TokenPurpose};
use chapterhouse_web::route_table;

use crate::common::{Client, PASSWORD, TestApp};

const CANARIES: &[&str] = &[
    "canary-a-colleague",
    "canary-a-manager",
    "CANARY-A-SEATS",
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
    "CANARY-A-SPECIALTY",
    "CANARY-A-PRACTICE",
    "603 555 0199",
    "CANARYAPUBLISHABLE",
    "CANARY-A-WEBHOOK",
    "CANARY-A-EVENT",
    "CANARY-A-CARD",
    "CANARY-A-ACCOUNT",
    "CANARY-A-INVOICE",
    "CANARY-A-CHECK",
    "CANARY-A-COMMITTEE",
    "CANARY-A-NOTE",
    "canary-a-applicant",
    "CANARY-A-APPLY",
    "CANARY-A-FIELD",
    "canary-a-value",
    "canary-a-upload",
    "canary-a-joiner",
];

struct SeedA {
    practice_id: String,
    seat_membership_id: String,
    manager_person_id: String,
    level_id: String,
    membership_id: String,
    person_id: String,
    applicant_id: String,
    application_id: String,
    committee_id: String,
    seat_id: String,
    page_id: String,
    redirect_id: String,
    job_id: String,
    sign_in_token: &'static str,
    reset_token: &'static str,
    verify_token: &'static str,
    invite_token: &'static str,
    payment_method_id: String,
    billing: crate::billing::SeedBilling,
    field_input: String,
    upload_id: String,
    import_run_id: String,
    join: crate::join::SeedJoin,
    /// The page after A's practice joined, signed for A.
    practice_thanks: String,
    events: crate::events::SeedEvents,
    speakers: crate::speakers::SeedSpeakers,
    education: crate::education::SeedEducation,
    cancellations: crate::cancellations::SeedCancellations,
    checkin: crate::checkin::SeedCheckin,
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
    let person_id = seed_a_people(t, &scoped, level_id).await;
    let payment_method_id =
        crate::payments::seed_a_payments(t, &a, "canary-a-member@alpha.test").await;
    let billing =
        crate::billing::seed_billing(&t.app, &scoped, &t.db.db, "canary-a-member@alpha.test").await;
    // A person page with a note, a committee with a chair, and a pending application.
    let person = scoped
        .person_of_membership(added.id)
        .await
        .unwrap()
        .unwrap();
    chapterhouse_app::records::add_note(
        &t.app,
        &scoped,
        person,
        "CANARY-A-NOTE about the member",
        &Default::default(),
    )
    .await
    .unwrap();
    let committee_id = chapterhouse_app::committees::create_committee(
        &t.app,
        &scoped,
        &chapterhouse_app::committees::CommitteeForm {
            name: "CANARY-A-COMMITTEE".into(),
            kind: "committee".into(),
            description: String::new(),
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let seat_id = chapterhouse_app::committees::add_seat(
        &t.app,
        &scoped,
        committee_id,
        &chapterhouse_app::committees::SeatForm {
            who: "canary-a-member@alpha.test".into(),
            role: "chair".into(),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let apply_level = chapterhouse_app::membership::create_level(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::LevelForm {
            name: "CANARY-A-APPLY".into(),
            fee: "200".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            approval_required: Some("on".into()),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let application = chapterhouse_app::membership::add_member(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::MemberForm {
            display_name: "canary-a-applicant".into(),
            email: "canary-a-applicant@alpha.test".into(),
            level: apply_level.to_string(),
            joined_on: String::new(),
            paid: None,
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let applicant = scoped
        .person_of_membership(application.id)
        .await
        .unwrap()
        .unwrap();
    let (_import_person, field_input, upload_id, import_run_id) = seed_a_import(t, &scoped).await;
    let join = crate::join::seed_join(t, &scoped, level_id).await;
    let (practice_id, seat_membership_id, manager_person_id) = seed_a_practice(t, &a).await;
    let practice_thanks =
        chapterhouse_app::join_practice::thanks_path(&t.app, &scoped, practice_id.parse().unwrap());
    let events = crate::events::seed_events(t, &scoped, level_id).await;
    let speakers = crate::speakers::seed_speakers(t, &scoped).await;
    let education =
        crate::education::seed_education(t, &scoped, events.event_id.parse().unwrap(), person_id)
            .await;
    let cancellations = crate::cancellations::seed_cancellations(t, &scoped).await;
    let checkin = crate::checkin::seed_checkin(t, &scoped, &events.event_id).await;
    SeedA {
        speakers,
        education,
        cancellations,
        checkin,
        practice_thanks,
        events,
        practice_id,
        seat_membership_id,
        manager_person_id,
        join,
        payment_method_id,
        billing,
        field_input,
        upload_id,
        import_run_id,
        level_id: level_id.to_string(),
        membership_id: added.id.to_string(),
        person_id: person_id.to_string(),
        applicant_id: applicant.to_string(),
        application_id: application.id.to_string(),
        committee_id: committee_id.to_string(),
        seat_id: seat_id.to_string(),
        page_id,
        redirect_id,
        job_id: claimed[0].id.to_string(),
        sign_in_token: "a-sign-in",
        reset_token: "a-reset",
        verify_token: "a-verify",
        invite_token: "a-invite",
    }
}

/// A's member gets a public profile with canaries, a practice managed by A's owner, a level
/// they may change to, and a society default; B must neither see nor change any of it.
async fn seed_a_people(
    t: &TestApp,
    scoped: &chapterhouse_store::Scoped,
    level_id: chapterhouse_core::LevelId,
) -> chapterhouse_core::PersonId {
    use chapterhouse_app::people::{self, Editor, ProfileForm};
    let person = scoped
        .person_by_email("canary-a-member@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let owner = scoped
        .person_by_email("owner@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let mut form = ProfileForm {
        first_name: "Canary".into(),
        last_name: "canary-a-member".into(),
        credentials: "MD".into(),
        profession: "physician".into(),
        npi: "1234567893".into(),
        specialty: "CANARY-A-SPECIALTY".into(),
        phone: "603 555 0199".into(),
        ..Default::default()
    };
    form.extra.insert("vis_phone".into(), "public".into());
    form.extra.insert("vis_npi".into(), "public".into());
    people::update_profile(
        &t.app,
        scoped,
        person,
        Editor::Staff,
        &form,
        &Default::default(),
    )
    .await
    .unwrap();
    let now = t.app.now();
    let mut tx = scoped.begin().await.unwrap();
    let practice = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "CANARY-A-PRACTICE".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            now,
        )
        .await
        .unwrap();
    tx.link_practice_person(practice, owner, true, now)
        .await
        .unwrap();
    tx.link_practice_person(practice, person, false, now)
        .await
        .unwrap();
    tx.set_level_changes(level_id, &[level_id]).await.unwrap();
    tx.put_directory_default(
        chapterhouse_core::people::DirectoryField::Email,
        chapterhouse_core::people::Visibility::Private,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    person
}

/// A's custom field and value, an uploaded member list and an import run.
async fn seed_a_import(
    t: &TestApp,
    scoped: &chapterhouse_store::Scoped,
) -> (String, String, String, String) {
    use chapterhouse_app::import::{self, ImportOutcome, NoProgress};
    let actor = Default::default();
    let field = chapterhouse_app::custom_fields::create_custom_field(
        &t.app,
        scoped,
        &chapterhouse_app::custom_fields::CustomFieldForm {
            name: "CANARY-A-FIELD".into(),
            kind: "text".into(),
            choices: String::new(),
        },
        &actor,
    )
    .await
    .unwrap();
    let person = scoped
        .person_by_email("canary-a-member@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let input = chapterhouse_app::custom_fields::input_name(field);
    chapterhouse_app::custom_fields::save_person_values(
        &t.app,
        scoped,
        person,
        &[(input.clone(), "canary-a-value".into())],
        &actor,
    )
    .await
    .unwrap();
    let file = b"Email,First name,Last name\ncanary-a-upload@alpha.test,canary-a-upload,Person\n";
    let upload = import::upload(&t.app, scoped, "canary-a-upload.csv", file, &actor)
        .await
        .unwrap();
    let ImportOutcome::Imported(run) = import::import(
        &t.app,
        scoped,
        "canary-a-upload.csv",
        file,
        &[],
        &actor,
        &NoProgress,
    )
    .await
    .unwrap() else {
        panic!("A's import was refused");
    };
    (
        person.to_string(),
        input,
        upload.to_string(),
        run.run.to_string(),
    )
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
            name: "CANARY-A-SEATS practice".into(),
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
    let person = scoped
        .person_by_email("canary-a-member@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let profile = scoped.profile(person).await.unwrap().map(|p| p.fields);
    let choices = scoped.field_choices(person).await.unwrap();
    let defaults = scoped.directory_defaults().await.unwrap();
    let portal = scoped
        .portal_membership(person)
        .await
        .unwrap()
        .map(|m| (m.level_name, m.status, m.auto_renew_on));
    let payments = crate::payments::snapshot_a_payments(t, &a, "canary-a-member@alpha.test").await;
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
    let billing = crate::billing::snapshot_billing(&scoped).await;
    let events = crate::events::snapshot_events(&scoped).await;
    let speakers = crate::speakers::snapshot_speakers(&scoped).await;
    let education = crate::education::snapshot_education(&scoped).await;
    let cancellations = crate::cancellations::snapshot_cancellations(&scoped).await;
    let events = format!(
        "{events}\n{}",
        crate::checkin::snapshot_checkin(&scoped).await
    );
    // People, their notes, membership state, applications and committee seats.
    let mut people = Vec::new();
    for m in scoped.members(&Default::default()).await.unwrap() {
        let file = scoped.person_file(m.person_id).await.unwrap().unwrap();
        let membership = scoped
            .membership_file_of(m.person_id)
            .await
            .unwrap()
            .unwrap();
        let notes: Vec<_> = scoped
            .person_notes(m.person_id)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        let seats: Vec<_> = scoped
            .person_seats(m.person_id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.committee_name, s.role, s.end_on))
            .collect();
        people.push(format!(
            "{} {} {:?} {:?} {} {:?} {} {:?} {:?}",
            file.display_name,
            file.email,
            file.anonymised_at,
            membership.application,
            membership.suspended,
            membership.override_status,
            membership.status,
            notes,
            seats
        ));
    }
    let committees: Vec<_> = scoped
        .committees(chapterhouse_app::membership::today(&t.app, &scoped))
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.current_members))
        .collect();
    let custom = (
        scoped
            .custom_fields()
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect::<Vec<_>>(),
        scoped.custom_field_values(person).await.unwrap(),
        scoped.import_runs(10).await.unwrap().len(),
        // Uploads waiting for their import (B can neither import nor discard A's).
        chapterhouse_testkit::sql::scalar(
            &t.db.db,
            "SELECT COUNT(*) FROM import_upload WHERE society_id = $1",
            &[a.id.0.into()],
        )
        .await,
        // Every person (updated_at is never negative).
        scoped.people_updated_since(Timestamp(0)).await.unwrap(),
    );
    format!(
        "{billing}\n{events}\n{speakers}\n{education}\n{cancellations}\n{custom:?}\n{people:?}\n{committees:?}\n{members:?}\n{levels:?}\n{pages:?}\n{redirects:?}\n{jobs:?}\n{accounts:?}\n{invitations}\n{tokens:?}\n{profile:?}\n{choices:?}\n{defaults:?}\n{portal:?}\n{payments}\n{practices:?}\n{rules:?}"
    )
}

/// Form field names are `&'static str`; A's custom-field input name is made one (a few bytes
/// once per test run).
fn field_input_leak(name: &str) -> &'static str {
    Box::leak(name.to_string().into_boxed_str())
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
        "/staff/settings/payments",
        "/staff/payments/webhooks",
        "/account/payment-method",
        "/operator",
        "/account/membership",
        "/account/profile",
        "/staff/directory",
        "/staff/custom-fields",
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
    get(
        "/directory",
        vec![
            "/directory".into(),
            "/directory?name=canary".into(),
            "/directory?specialty=canary".into(),
        ],
    );
    get(
        "/directory/{person_id}",
        vec![format!("/directory/{}", a.person_id)],
    );
    get(
        "/account/practice/people/{person_id}/profile",
        vec![format!("/account/practice/people/{}/profile", a.person_id)],
    );
    get(
        "/staff/people/{person_id}/profile",
        vec![format!("/staff/people/{}/profile", a.person_id)],
    );
    get(
        "/staff/people/{id}",
        vec![
            format!("/staff/people/{}", a.person_id),
            format!("/staff/people/{}", a.applicant_id),
        ],
    );
    get(
        "/staff/people/{id}/merge",
        vec![
            format!("/staff/people/{}/merge", a.person_id),
            format!("/staff/people/{}/merge?q=canary", a.person_id),
            format!(
                "/staff/people/{}/merge?duplicate={}",
                a.person_id, a.applicant_id
            ),
        ],
    );
    get(
        "/staff/people/{id}/erase",
        vec![format!("/staff/people/{}/erase", a.person_id)],
    );
    get("/staff/applications", vec!["/staff/applications".into()]);
    get("/staff/committees", vec!["/staff/committees".into()]);
    get(
        "/staff/committees/{id}",
        vec![format!("/staff/committees/{}", a.committee_id)],
    );
    get(
        "/staff/members.csv",
        vec![
            "/staff/members.csv".into(),
            "/staff/members.csv?q=canary&status=active".into(),
        ],
    );
    get(
        "/staff/people/{person_id}/custom-fields",
        vec![format!("/staff/people/{}/custom-fields", a.person_id)],
    );
    get(
        "/staff/import",
        vec![
            "/staff/import".into(),
            format!("/staff/import?run={}", a.import_run_id),
        ],
    );
    get(
        "/staff/import/{blob_id}",
        vec![
            format!("/staff/import/{}", a.upload_id),
            format!("/staff/import/{}?col_0=email", a.upload_id),
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
    let profile_fields = || {
        vec![
            ("last_name", "B was here".to_string()),
            ("profession", "physician".to_string()),
            ("npi", "1234567893".to_string()),
            ("vis_phone", "private".to_string()),
            ("lock_phone", "on".to_string()),
        ]
    };
    post(
        "/account/profile",
        vec![("/account/profile".into(), profile_fields())],
    );
    post(
        "/account/practice/people/{person_id}/profile",
        vec![(
            format!("/account/practice/people/{}/profile", a.person_id),
            profile_fields(),
        )],
    );
    post(
        "/staff/people/{person_id}/profile",
        vec![(
            format!("/staff/people/{}/profile", a.person_id),
            profile_fields(),
        )],
    );
    post(
        "/account/membership/auto-renew",
        vec![(
            "/account/membership/auto-renew".into(),
            vec![("auto_renew", "on".into())],
        )],
    );
    post(
        "/account/membership/level",
        vec![(
            "/account/membership/level".into(),
            vec![("level", a.level_id.clone())],
        )],
    );
    post(
        "/staff/directory",
        vec![(
            "/staff/directory".into(),
            vec![
                ("vis_email", "public".into()),
                ("vis_phone", "public".into()),
            ],
        )],
    );
    let person = |suffix: &str| format!("/staff/people/{}/{suffix}", a.person_id);
    post(
        "/staff/people/{id}/notes",
        vec![(person("notes"), vec![("body", "B was here".into())])],
    );
    post(
        "/staff/people/{id}/suspend",
        vec![(person("suspend"), vec![("suspend_reason", "B".into())])],
    );
    post(
        "/staff/people/{id}/reinstate",
        vec![(person("reinstate"), vec![("reinstate_reason", "B".into())])],
    );
    post(
        "/staff/people/{id}/override",
        vec![(
            person("override"),
            vec![
                ("override_status", "cancelled".into()),
                ("override_reason", "B".into()),
            ],
        )],
    );
    post(
        "/staff/people/{id}/override/clear",
        vec![(person("override/clear"), vec![])],
    );
    post(
        "/staff/people/{id}/merge",
        vec![(person("merge"), vec![("duplicate", a.applicant_id.clone())])],
    );
    post(
        "/staff/people/{id}/erase",
        vec![(
            person("erase"),
            vec![("confirm_email", "canary-a-member@alpha.test".into())],
        )],
    );
    for (pattern, action) in [
        ("/staff/applications/{id}/approve", "approve"),
        ("/staff/applications/{id}/reject", "reject"),
    ] {
        post(
            pattern,
            vec![(
                format!("/staff/applications/{}/{action}", a.application_id),
                vec![("message", "B".into())],
            )],
        );
    }
    post(
        "/staff/committees",
        vec![(
            "/staff/committees".into(),
            vec![
                ("name", "B's committee".into()),
                ("kind", "committee".into()),
            ],
        )],
    );
    post(
        "/staff/committees/{id}/members",
        vec![(
            format!("/staff/committees/{}/members", a.committee_id),
            vec![
                ("who", "canary-a-member@alpha.test".into()),
                ("person_id", a.person_id.clone()),
                ("role", "chair".into()),
            ],
        )],
    );
    post(
        "/staff/committees/{id}/members/{seat}/end",
        vec![(
            format!(
                "/staff/committees/{}/members/{}/end",
                a.committee_id, a.seat_id
            ),
            vec![("end_on", String::new())],
        )],
    );
    post(
        "/staff/custom-fields",
        vec![(
            "/staff/custom-fields".into(),
            vec![("name", "CANARY-A-FIELD".into()), ("kind", "text".into())],
        )],
    );
    post(
        "/staff/people/{person_id}/custom-fields",
        vec![(
            format!("/staff/people/{}/custom-fields", a.person_id),
            vec![(field_input_leak(&a.field_input), "B was here".into())],
        )],
    );
    post(
        "/staff/import",
        vec![(
            "/staff/import".into(),
            vec![("file", "Email\nb@beta.test\n".into())],
        )],
    );
    post(
        "/staff/import/{blob_id}/apply",
        vec![(
            format!("/staff/import/{}/apply", a.upload_id),
            vec![("col_0", "email".into())],
        )],
    );
    post(
        "/staff/import/{blob_id}/discard",
        vec![(format!("/staff/import/{}/discard", a.upload_id), vec![])],
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
        "/account/payment-method/add",
        vec![("/account/payment-method/add".into(), vec![])],
    );
    post(
        "/account/payment-method/{id}/remove",
        vec![(
            format!("/account/payment-method/{}/remove", a.payment_method_id),
            vec![],
        )],
    );
    post(
        "/staff/settings/payments",
        vec![(
            "/staff/settings/payments".into(),
            vec![
                ("publishable_key", "pk_test_51BWasHere".into()),
                ("secret_key", "sk_test_51BWasHere".into()),
                ("webhook_secret", "whsec_BWasHere1".into()),
            ],
        )],
    );
    // Form fields rather than a signed event: B's host checks B's secret whatever is sent (a
    // webhook signed with A's secret sent to B's host is tests/web/payments.rs's first test).
    post(
        "/webhooks/stripe",
        vec![(
            "/webhooks/stripe".into(),
            vec![
                ("id", "evt_sent_by_b".into()),
                ("type", "checkout.session.completed".into()),
            ],
        )],
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
    crate::billing::isolation_fixtures(&mut f, &a.billing);
    crate::join::isolation_fixtures(&mut f, &a.join, &a.level_id, &a.membership_id);
    // A's practice's renewal, by id, as B's visitors.
    if let Some(cases) = f.get_mut(&("GET", "/account/renew")) {
        cases.push((format!("/account/renew?practice={}", a.practice_id), vec![]));
    }
    if let Some(cases) = f.get_mut(&("POST", "/account/renew")) {
        cases.push((
            "/account/renew".into(),
            vec![
                ("practice", a.practice_id.clone()),
                ("term_start", "2027-11-21".into()),
                ("pay", "invoice".into()),
            ],
        ));
    }
    crate::join_practice::isolation_fixtures(&mut f, &a.practice_thanks, &a.level_id);
    crate::events::isolation_fixtures(&mut f, &a.events);
    crate::speakers::isolation_fixtures(&mut f, &a.speakers);
    crate::education::isolation_fixtures(
        &mut f,
        &a.education,
        &a.events.event_id,
        &a.events.session_id,
        &a.person_id,
    );
    crate::cancellations::isolation_fixtures(&mut f, &a.cancellations);
    crate::checkin::isolation_fixtures(&mut f, &a.checkin);
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
                for canary in CANARIES
                    .iter()
                    .chain(crate::events::CANARIES)
                    .chain(crate::speakers::CANARIES)
                    .chain(crate::education::CANARIES)
                    .chain(crate::checkin::CANARIES)
                {
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

    // A's registration is not found on B's host, by id or even with A's signed link.
    for (who, template) in &users {
        let mut client = template.clone();
        for path in [
            format!("/registrations/{}", a.events.registration_id),
            a.events.registration_page.clone(),
        ] {
            let response = client.get(&path).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{who} {path}");
        }
    }

    // And the canaries are really there to find: A's own visitors see them.
    let mut a_visitor = t.client("alpha.test");
    assert!(
        a_visitor
            .get("/canary-a-slug")
            .await
            .body
            .contains("CANARY-A-BODY")
    );
    let event = a_visitor
        .get(&format!("/events/{}", a.events.slug))
        .await
        .body;
    assert!(event.contains("CANARY-A-EVTITLE") && event.contains("CANARY-A-EVSESSION"));
    let registration = a_visitor.get(&a.events.registration_page).await;
    assert_eq!(registration.status, StatusCode::OK);
    assert!(registration.body.contains("CANARY-A-REGNAME"));
    let directory = a_visitor.get("/directory?specialty=canary").await.body;
    assert!(directory.contains("CANARY-A-SPECIALTY") && directory.contains("603 555 0199"));
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
