//! Use-case tests. Like the store tests they run on SQLite by default and on PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use common::{Fixture, fixture, outbox_texts, run_jobs, society, society_form};

use chapterhouse_app::accounts::{self, NewAccountInput};
use chapterhouse_app::mail::EmailJob;
use chapterhouse_app::pages::{self, PageForm};
use chapterhouse_app::societies::{self};
use chapterhouse_app::{Actor, AppError, demo};
use chapterhouse_core::Role;

#[tokio::test]
async fn demo_seeding_is_idempotent_and_refuses_real_databases() {
    let f = fixture().await;
    let logins = demo::seed(&f.app).await.unwrap();
    assert_eq!(f.app.store.societies().await.unwrap().len(), 3);
    assert!(
        logins
            .iter()
            .any(|l| l.role == "owner" && l.url == "https://localhost")
    );
    let first = f
        .app
        .store
        .society_by_slug(demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&first);
    assert!(scoped.page_by_slug("about").await.unwrap().is_some());
    assert!(scoped.menu().await.unwrap().len() >= 5);
    // The membership societies have levels and members in several statuses.
    // Committees with a chair.
    let today = chapterhouse_app::membership::today(&f.app, &scoped);
    let committees = scoped.committees(today).await.unwrap();
    assert_eq!(committees.len(), 4);
    let seats = scoped.committee_seats(committees[0].id).await.unwrap();
    assert!(seats.iter().any(|s| s.role == "chair"));
    // Five individual levels, honorary and practice; 240 generated individual members, the
    // member who signs in to try the portal, and the practices' clinicians.
    assert_eq!(scoped.levels().await.unwrap().len(), 7);
    let practices = scoped.practices().await.unwrap();
    assert_eq!(practices.len(), 20);
    let seats: i64 = practices.iter().map(|p| p.seats).sum();
    for status in ["active", "grace", "lapsed"] {
        assert!(
            practices.iter().any(|p| p.status == status),
            "a demo practice is {status}"
        );
    }
    let members = scoped
        .members(&chapterhouse_store::MemberFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(members.len() as i64, 241 + seats);
    for status in ["active", "grace", "lapsed", "pending"] {
        assert!(
            members.iter().any(|m| m.status == status),
            "a demo member is {status}"
        );
    }
    // The first society's own *.localhost name redirects to plain localhost.
    let alias = f
        .app
        .store
        .society_by_host(demo::SOCIETIES[0].host)
        .await
        .unwrap()
        .unwrap();
    assert!(!alias.is_primary);

    // Events: upcoming ones (the annual meeting with its sessions, a series, a webinar, a
    // twelve-seat workshop, a members-only dinner) and one that is over.
    let now = f.app.now();
    let public = chapterhouse_store::Listing::default();
    let upcoming = scoped.events_upcoming(now, 50, public).await.unwrap();
    let kinds: Vec<_> = upcoming.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"series") && kinds.contains(&"webinar"),
        "{kinds:?}"
    );
    let annual = upcoming
        .iter()
        .find(|e| e.title.starts_with("GSCO Annual Meeting"))
        .expect("an annual meeting");
    assert!(annual.sessions >= 8 && annual.public_types >= 5);
    assert!(upcoming.iter().any(|e| e.capacity == Some(12)));
    assert!(!upcoming.iter().any(|e| e.members_only));
    assert_eq!(scoped.events_past(now, 50, public).await.unwrap().len(), 1);
    // Seven events, and a cancelled advocacy day whose two registrations are cancelled.
    assert_eq!(scoped.staff_events().await.unwrap().len(), 8);
    let cancelled = scoped
        .event_by_slug("advocacy-day-at-the-statehouse")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.status, "cancelled");
    assert!(!cancelled.cancel_reason.is_empty());
    let regs = scoped
        .event_registrations(cancelled.id, &Default::default())
        .await
        .unwrap();
    assert_eq!(regs.len(), 2);
    assert!(regs.iter().all(|r| r.status == "cancelled"));

    // Registrations: the annual meeting's are paid and confirmed, the demo member's at the
    // member price; the breakfast is full with three on its waitlist.
    let regs = scoped
        .event_registrations(annual.id, &Default::default())
        .await
        .unwrap();
    assert!(regs.len() >= 7, "{}", regs.len());
    assert!(regs.iter().all(|r| r.status == "confirmed"));
    let mine = regs
        .iter()
        .find(|r| r.email == "member@gsco.example")
        .expect("the demo member is registered");
    assert!(mine.member_price && mine.price_cents == 32_500);
    let mine = scoped.registration(mine.id).await.unwrap().unwrap();
    let invoice = scoped
        .invoice(mine.invoice().expect("an invoice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice.amounts.balance().0, 0, "paid");
    let breakfast = upcoming
        .iter()
        .find(|e| e.title == "Breakfast with the visiting professor")
        .expect("a full event");
    let regs = scoped
        .event_registrations(breakfast.id, &Default::default())
        .await
        .unwrap();
    let count = |s: &str| regs.iter().filter(|r| r.status == s).count();
    assert_eq!((count("confirmed"), count("waitlisted")), (8, 3));

    demo::seed(&f.app).await.unwrap();
    assert_eq!(
        f.app.store.societies().await.unwrap().len(),
        3,
        "a second run adds nothing"
    );
    assert_eq!(scoped.staff_events().await.unwrap().len(), 8);
    let signed = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        demo::SOCIETIES[0].staff[0].email,
        demo::DEMO_PASSWORD,
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(signed.account.role(), Role::Owner);

    let g = fixture().await;
    society(&g, "real").await;
    let refused = demo::seed(&g.app).await.unwrap_err();
    assert!(
        refused.to_string().contains("real societies")
            || format!("{refused:?}").contains("real societies")
    );
}

#[tokio::test]
async fn creating_societies_validates_and_refuses_taken_hosts() {
    let f = fixture().await;
    let mut bad = society_form("alpha");
    bad.host = "https://alpha.test/".into();
    bad.time_zone = "Nowhere/Place".into();
    bad.owner_email = "not an email".into();
    let Err(AppError::Invalid(errors)) =
        societies::create_society(&f.app, &bad, &Actor::default()).await
    else {
        panic!("expected errors")
    };
    assert!(
        errors.get("host").is_some()
            && errors.get("time_zone").is_some()
            && errors.get("owner_email").is_some()
    );

    society(&f, "alpha").await;
    let mut same_host = society_form("beta");
    same_host.host = "ALPHA.test".into();
    let Err(AppError::Invalid(errors)) =
        societies::create_society(&f.app, &same_host, &Actor::default()).await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("host"),
        Some("Another society already uses that host name.")
    );
    // Nothing half-created.
    assert!(f.app.store.society_by_slug("beta").await.unwrap().is_none());
}

#[tokio::test]
async fn owner_without_password_gets_a_link_on_the_new_host() {
    let f = fixture().await;
    let mut form = society_form("alpha");
    form.owner_password = String::new();
    societies::create_society(&f.app, &form, &Actor::default())
        .await
        .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("https://alpha.test/password-reset/"),
        "{}",
        mail[0]
    );
}

#[tokio::test]
async fn password_sign_in_rules() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let actor = Actor::anonymous("192.0.2.1");
    let ok = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        " Owner@Alpha.test",
        "owner password 1",
        &actor,
    )
    .await
    .unwrap();
    assert!(!ok.mfa_pending);
    let user = accounts::current_user(&f.app, &scoped, &ok.session_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.account.email, "owner@alpha.test");

    let Err(AppError::Invalid(e)) =
        accounts::sign_in_with_password(&f.app, &scoped, "owner@alpha.test", "nope", &actor).await
    else {
        panic!()
    };
    assert_eq!(e.get("email"), Some(accounts::BAD_CREDENTIALS));
    let Err(AppError::Invalid(e2)) =
        accounts::sign_in_with_password(&f.app, &scoped, "ghost@alpha.test", "nope", &actor).await
    else {
        panic!()
    };
    assert_eq!(e, e2, "the same words whether or not the account exists");

    // Sessions expire.
    f.clock.advance_seconds(accounts::SESSION_DAYS * 86_400 + 1);
    assert!(
        accounts::current_user(&f.app, &scoped, &ok.session_token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn sign_in_links_are_mailed_from_the_society_and_work_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    accounts::request_sign_in_link(&f.app, &scoped, "owner@alpha.test", &Actor::default())
        .await
        .unwrap();
    accounts::request_sign_in_link(&f.app, &scoped, "ghost@alpha.test", &Actor::default())
        .await
        .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(mail.len(), 1, "no mail for an unknown address");
    assert!(
        mail[0].contains("From: \"alpha oncology society\" <office@alpha.test>"),
        "{}",
        mail[0]
    );
    let start = mail[0].find("https://alpha.test/sign-in/link/").unwrap();
    let token = mail[0][start..]
        .split_whitespace()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let token = token.replace("=\r", "").replace('=', "");
    let signed = accounts::sign_in_with_link(&f.app, &scoped, &token, &Actor::default()).await;
    if let Ok(signed) = signed {
        assert_eq!(signed.account.email, "owner@alpha.test");
        assert!(
            accounts::sign_in_with_link(&f.app, &scoped, &token, &Actor::default())
                .await
                .is_err(),
            "single use"
        );
    } else {
        panic!("link from the mail did not sign in: {token}");
    }
}

#[tokio::test]
async fn pages_are_sanitised_versioned_and_keep_their_old_address() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let form = PageForm {
        title: "About Us".into(),
        body: "Hi <script>x()</script>".into(),
        published: Some("on".into()),
        ..Default::default()
    };
    let id = pages::create_page(&f.app, &scoped, &form, &Actor::default())
        .await
        .unwrap();
    let page = scoped.page_by_id(id).await.unwrap().unwrap();
    assert_eq!(page.slug, "about-us");
    assert!(!page.body_html.contains("<script"));

    let renamed = PageForm {
        slug: "about".into(),
        version: "1".into(),
        ..form.clone()
    };
    pages::save_page(&f.app, &scoped, id, &renamed, &Actor::default())
        .await
        .unwrap();
    assert_eq!(
        scoped.redirect_for("/about-us").await.unwrap().as_deref(),
        Some("/about")
    );
    let stale = pages::save_page(&f.app, &scoped, id, &renamed, &Actor::default())
        .await
        .unwrap_err();
    assert!(matches!(stale, AppError::Stale));

    let dup = pages::create_page(
        &f.app,
        &scoped,
        &PageForm {
            slug: "about".into(),
            ..form.clone()
        },
        &Actor::default(),
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = dup else {
        panic!()
    };
    assert!(errors.get("slug").unwrap().contains("Another page"));
}

#[tokio::test]
async fn invitation_upgrades_an_existing_member_and_works_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "dr@alpha.test".into(),
            display_name: "Dr A".into(),
            role: Role::Member,
            is_operator: false,
            password: None,
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        "owner@alpha.test",
        "owner password 1",
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner = accounts::current_user(&f.app, &scoped, &owner.session_token)
        .await
        .unwrap()
        .unwrap();
    accounts::invite(
        &f.app,
        &scoped,
        &owner,
        "dr@alpha.test",
        "Dr A",
        Role::Staff,
        &Actor::default(),
    )
    .await
    .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    let start = mail[0].find("https://alpha.test/invitations/").unwrap();
    let token: String = mail[0][start..]
        .split_whitespace()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let signed = accounts::accept_invitation(
        &f.app,
        &scoped,
        &token,
        "new staff password",
        "new staff password",
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(signed.account.role(), Role::Staff);
    assert!(
        accounts::accept_invitation(
            &f.app,
            &scoped,
            &token,
            "new staff password",
            "new staff password",
            &Actor::default()
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn worker_sends_mail_and_fails_unknown_jobs_for_good() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let mut tx = scoped.begin().await.unwrap();
    chapterhouse_app::mail::enqueue_email(
        &mut tx,
        &EmailJob {
            to: "x@y.test".into(),
            subject: "Hello".into(),
            text: "Body".into(),
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.enqueue(
        &chapterhouse_store::NewJob {
            kind: "no_such_kind",
            payload: "{}".into(),
            run_at: f.app.now(),
            dedup_key: None,
            max_attempts: 5,
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    run_jobs(&f).await;
    assert!(outbox_texts(&f)[0].contains("Subject: Hello"));
    let failed = scoped.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("unknown job kind")
    );
}

#[tokio::test]
async fn a_use_case_that_fails_leaves_no_side_effects() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    // An invitation to a role above the inviter's is refused, and no mail is queued.
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "staff@alpha.test".into(),
            display_name: "S".into(),
            role: Role::Staff,
            is_operator: false,
            password: Some("staff password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let staff = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        "staff@alpha.test",
        "staff password 1",
        &Actor::default(),
    )
    .await
    .unwrap();
    let staff = accounts::current_user(&f.app, &scoped, &staff.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        accounts::invite(
            &f.app,
            &scoped,
            &staff,
            "x@alpha.test",
            "X",
            Role::Owner,
            &Actor::default()
        )
        .await
        .is_err()
    );
    assert_eq!(f.app.store.job_counts().await.unwrap(), (0, 0));
}

mod membership {
    use super::*;
    use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
    use chapterhouse_core::membership::Status;
    use chapterhouse_core::money::Cents;

    fn level_form(name: &str) -> LevelForm {
        LevelForm {
            name: name.into(),
            fee: "400".into(),
            period: "1-year".into(),
            fixed_day: "01-01".into(),
            grace_days: "30".into(),
            prorate: Some("on".into()),
            ..Default::default()
        }
    }

    async fn member(
        f: &Fixture,
        scoped: &chapterhouse_store::Scoped,
        level: chapterhouse_core::LevelId,
        email: &str,
        paid: bool,
    ) -> m::AddedMember {
        m::add_member(
            &f.app,
            scoped,
            &MemberForm {
                display_name: "Dr Ada Oncologist".into(),
                email: email.into(),
                level: level.to_string(),
                joined_on: String::new(),
                paid: paid.then(|| "on".into()),
            },
            &Actor::default(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_members_list_pages_by_name_both_ways_within_its_filter() {
        use chapterhouse_store::{MemberFilter, PageFrom};
        let f = fixture().await;
        let a = society(&f, "alpha").await;
        let sa = f.app.scoped(&a);
        let level = m::create_level(&f.app, &sa, &level_form("Active"), &Actor::default())
            .await
            .unwrap();
        // Two Sam Lees: the email decides their order.
        for (name, email) in [
            ("Sam Lee", "sam.b@alpha.test"),
            ("Bea Lee", "bea@alpha.test"),
            ("Cy Moss", "cy@alpha.test"),
            ("Sam Lee", "sam.a@alpha.test"),
            ("Al Lee", "al@alpha.test"),
            ("Dee Ray", "dee@alpha.test"),
            ("Eve Lee", "eve@alpha.test"),
        ] {
            m::add_member(
                &f.app,
                &sa,
                &MemberForm {
                    display_name: name.into(),
                    email: email.into(),
                    level: level.to_string(),
                    joined_on: String::new(),
                    paid: Some("on".into()),
                },
                &Actor::default(),
            )
            .await
            .unwrap();
        }
        let list = |filter: MemberFilter| {
            let sa = sa.clone();
            async move {
                sa.members(&filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.email, r.id))
                    .collect::<Vec<_>>()
            }
        };
        let emails = |rows: &[(String, chapterhouse_core::MembershipId)]| {
            rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()
        };
        let page = |limit, page| MemberFilter {
            limit,
            page,
            ..Default::default()
        };
        let one = list(page(3, None)).await;
        assert_eq!(
            emails(&one),
            ["al@alpha.test", "bea@alpha.test", "cy@alpha.test"]
        );
        let two = list(page(3, Some(PageFrom::After(one[2].1)))).await;
        assert_eq!(
            emails(&two),
            ["dee@alpha.test", "eve@alpha.test", "sam.a@alpha.test"]
        );
        let three = list(page(3, Some(PageFrom::After(two[2].1)))).await;
        assert_eq!(emails(&three), ["sam.b@alpha.test"]);
        // Back from the last page: the three rows just before it, still in name order.
        let back = list(page(3, Some(PageFrom::Before(three[0].1)))).await;
        assert_eq!(back, two);
        let back = list(page(3, Some(PageFrom::Before(two[0].1)))).await;
        assert_eq!(back, one);
        assert!(
            list(page(3, Some(PageFrom::Before(one[0].1))))
                .await
                .is_empty()
        );

        // Within a filter (a search, any case): the Lees, two at a time.
        let lees = |page| MemberFilter {
            search: Some("LEE".into()),
            limit: 2,
            page,
            ..Default::default()
        };
        let one = list(lees(None)).await;
        assert_eq!(emails(&one), ["al@alpha.test", "bea@alpha.test"]);
        let two = list(lees(Some(PageFrom::After(one[1].1)))).await;
        assert_eq!(emails(&two), ["eve@alpha.test", "sam.a@alpha.test"]);
        let three = list(lees(Some(PageFrom::After(two[1].1)))).await;
        assert_eq!(emails(&three), ["sam.b@alpha.test"]);
        assert_eq!(list(lees(Some(PageFrom::Before(three[0].1)))).await, two);
        // An email search in capitals finds the lowercased address on both backends.
        let found = list(MemberFilter {
            search: Some("SAM.A@ALPHA".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(emails(&found), ["sam.a@alpha.test"]);

        // "Renewal due": every term ends on 31 December; a renewal moves Bea's to 2027.
        let due = |page| MemberFilter {
            term_end_between: Some((
                jiff::civil::date(2026, 11, 21),
                jiff::civil::date(2026, 12, 31),
            )),
            limit: 3,
            page,
            ..Default::default()
        };
        let bea = found_id(&sa, "bea").await;
        assert_eq!(list(due(None)).await.len(), 3);
        m::renew(&f.app, &sa, bea, "2026-12-31", &Actor::default())
            .await
            .unwrap();
        let rows = sa.members(&MemberFilter::default()).await.unwrap();
        let row = rows.iter().find(|r| r.id == bea).unwrap();
        assert_eq!(row.term_end.as_deref(), Some("2027-12-31"));
        let one = list(due(None)).await;
        assert_eq!(
            emails(&one),
            ["al@alpha.test", "cy@alpha.test", "dee@alpha.test"]
        );
        let two = list(due(Some(PageFrom::After(one[2].1)))).await;
        assert_eq!(
            emails(&two),
            ["eve@alpha.test", "sam.a@alpha.test", "sam.b@alpha.test"]
        );
    }

    async fn found_id(
        scoped: &chapterhouse_store::Scoped,
        search: &str,
    ) -> chapterhouse_core::MembershipId {
        scoped
            .members(&chapterhouse_store::MemberFilter {
                search: Some(search.into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .remove(0)
            .id
    }

    #[tokio::test]
    async fn levels_validate_and_names_are_unique() {
        let f = fixture().await;
        let s = society(&f, "alpha").await;
        let scoped = f.app.scoped(&s);
        let bad = LevelForm {
            name: String::new(),
            fee: "abc".into(),
            period: "weekly".into(),
            fixed_day: "02-30".into(),
            grace_days: "-1".into(),
            prorate: None,
            ..Default::default()
        };
        let Err(AppError::Invalid(errors)) =
            m::create_level(&f.app, &scoped, &bad, &Actor::default()).await
        else {
            panic!()
        };
        for field in ["name", "fee", "period", "fixed_day", "grace_days"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let no_fixed_day = LevelForm {
            fixed_day: String::new(),
            ..level_form("Anniversary")
        };
        let Err(AppError::Invalid(errors)) =
            m::create_level(&f.app, &scoped, &no_fixed_day, &Actor::default()).await
        else {
            panic!()
        };
        assert!(
            errors.get("prorate").is_some(),
            "proration needs a fixed renewal day"
        );
        m::create_level(
            &f.app,
            &scoped,
            &level_form("Active physician"),
            &Actor::default(),
        )
        .await
        .unwrap();
        let Err(AppError::Invalid(errors)) = m::create_level(
            &f.app,
            &scoped,
            &level_form("Active physician"),
            &Actor::default(),
        )
        .await
        else {
            panic!()
        };
        assert_eq!(
            errors.get("name"),
            Some("Another level already has that name.")
        );
    }

    #[tokio::test]
    async fn a_member_moves_through_active_grace_and_lapsed_and_renewing_restores_them() {
        let f = fixture().await;
        let s = society(&f, "alpha").await; // America/New_York; the clock is 2026-11-21
        let scoped = f.app.scoped(&s);
        let level = m::create_level(
            &f.app,
            &scoped,
            &level_form("Active physician"),
            &Actor::default(),
        )
        .await
        .unwrap();
        let added = member(&f, &scoped, level, "ada@alpha.test", true).await;
        assert_eq!(added.status, Status::Active);
        assert_eq!(added.first_term.end.unwrap().to_string(), "2026-12-31");
        assert_eq!(
            added.first_term_fee,
            Cents(6_667),
            "November and December: 2/12 of $400 = $66.666…, half-up"
        );

        assert_eq!(
            m::refresh_statuses(&f.app, &scoped).await.unwrap(),
            0,
            "nothing changes on the day of joining"
        );
        // 05:00 UTC on 1 January 2027 is midnight in New York: grace begins.
        f.clock.set(chapterhouse_core::Timestamp::from_jiff(
            "2027-01-01T05:00:00Z".parse().unwrap(),
        ));
        assert_eq!(m::refresh_statuses(&f.app, &scoped).await.unwrap(), 1);
        assert_eq!(
            m::refresh_statuses(&f.app, &scoped).await.unwrap(),
            0,
            "a repeated run changes nothing"
        );
        let rows = scoped.members(&Default::default()).await.unwrap();
        assert_eq!(
            (rows[0].status.as_str(), rows[0].status_since.as_str()),
            ("grace", "2027-01-01")
        );
        f.clock.advance_seconds(30 * 86_400);
        m::refresh_statuses(&f.app, &scoped).await.unwrap();
        assert_eq!(
            scoped.members(&Default::default()).await.unwrap()[0].status,
            "lapsed"
        );

        // Renewing after the lapse starts a fresh term today (31 January) to the next 31 December.
        let term = m::renew(&f.app, &scoped, added.id, "2026-12-31", &Actor::default())
            .await
            .unwrap();
        assert_eq!(
            (term.start.to_string(), term.end.unwrap().to_string()),
            ("2027-01-31".into(), "2027-12-31".into())
        );
        let rows = scoped.members(&Default::default()).await.unwrap();
        assert_eq!(rows[0].status, "active");
        assert_eq!(rows[0].term_end.as_deref(), Some("2027-12-31"));
        // The same form submitted again (it still says "paid through 2026-12-31") adds nothing.
        let again = m::renew(&f.app, &scoped, added.id, "2026-12-31", &Actor::default())
            .await
            .unwrap();
        assert_eq!(again, term);
        assert_eq!(
            scoped
                .membership_state(added.id)
                .await
                .unwrap()
                .unwrap()
                .terms
                .len(),
            2
        );
        // Renewing early from the new page continues from the last term.
        let next = m::renew(&f.app, &scoped, added.id, "2027-12-31", &Actor::default())
            .await
            .unwrap();
        assert_eq!(next.start.to_string(), "2028-01-01");
        assert_eq!(
            scoped
                .membership_state(added.id)
                .await
                .unwrap()
                .unwrap()
                .terms
                .len(),
            3
        );
    }

    #[tokio::test]
    async fn renewing_in_grace_continues_without_a_gap() {
        let f = fixture().await;
        let s = society(&f, "alpha").await;
        let scoped = f.app.scoped(&s);
        let level = m::create_level(
            &f.app,
            &scoped,
            &LevelForm {
                fixed_day: String::new(),
                prorate: None,
                ..level_form("Fellow")
            },
            &Actor::default(),
        )
        .await
        .unwrap();
        let added = member(&f, &scoped, level, "fellow@alpha.test", true).await;
        assert_eq!(
            added.first_term.end.unwrap().to_string(),
            "2027-11-20",
            "anniversary: a full year"
        );
        assert_eq!(added.first_term_fee, Cents(40_000));
        f.clock.advance_seconds(370 * 86_400);
        m::refresh_statuses(&f.app, &scoped).await.unwrap();
        assert_eq!(
            scoped.members(&Default::default()).await.unwrap()[0].status,
            "grace"
        );
        let term = m::renew(&f.app, &scoped, added.id, "2027-11-20", &Actor::default())
            .await
            .unwrap();
        assert_eq!(term.start.to_string(), "2027-11-21");
        assert_eq!(
            scoped.members(&Default::default()).await.unwrap()[0].status,
            "active"
        );
    }

    #[tokio::test]
    async fn applications_wait_and_other_societies_levels_are_refused() {
        let f = fixture().await;
        let a = society(&f, "alpha").await;
        let b = society(&f, "beta").await;
        let sa = f.app.scoped(&a);
        let sb = f.app.scoped(&b);
        let approval = LevelForm {
            approval_required: Some("on".into()),
            ..level_form("Pharmacist")
        };
        let level_a = m::create_level(&f.app, &sa, &approval, &Actor::default())
            .await
            .unwrap();
        assert_eq!(
            member(&f, &sa, level_a, "rx@alpha.test", false)
                .await
                .status,
            Status::Pending
        );

        let Err(AppError::Invalid(errors)) = m::add_member(
            &f.app,
            &sb,
            &MemberForm {
                display_name: "X".into(),
                email: "x@beta.test".into(),
                level: level_a.to_string(),
                joined_on: String::new(),
                paid: Some("on".into()),
            },
            &Actor::default(),
        )
        .await
        else {
            panic!("another society's level must not be usable")
        };
        assert_eq!(errors.get("level"), Some("Choose a membership level."));
        let filter = chapterhouse_store::MemberFilter {
            status: Some(Status::Pending),
            ..Default::default()
        };
        assert_eq!(sa.members(&filter).await.unwrap().len(), 1);
        assert!(sb.members(&Default::default()).await.unwrap().is_empty());
        let dup = m::add_member(
            &f.app,
            &sa,
            &MemberForm {
                display_name: "Again".into(),
                email: "RX@alpha.test".into(),
                level: level_a.to_string(),
                joined_on: String::new(),
                paid: None,
            },
            &Actor::default(),
        )
        .await;
        assert!(
            matches!(dup, Err(AppError::Invalid(e)) if e.get("email").unwrap().contains("already has a membership"))
        );
    }
}

#[path = "app/staff_records.rs"]
mod staff_records;
