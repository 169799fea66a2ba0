//! Staff work: editing pages (sanitised, never half-saved, never silently overwritten),
//! redirects, failed jobs, and the operator creating a society.

use axum::http::StatusCode;

use crate::common::{PASSWORD, TestApp};

async fn page_id(t: &TestApp, society: &chapterhouse_store::Society, slug: &str) -> String {
    t.app
        .scoped(society)
        .page_by_slug(slug)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn staff_edit_a_page_and_the_public_sees_it() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_page(&society, "about", "About Us", "Old text").await;
    let id = page_id(&t, &society, "about").await;
    // A visitor views the page first, so it sits in the anonymous page cache.
    let mut visitor = t.client("gsco.test");
    assert!(visitor.get("/about").await.body.contains("Old text"));
    assert!(visitor.get("/about").await.body.contains("Old text"));
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let signed_in_view = staff.get("/about").await;
    assert!(
        signed_in_view.body.contains("Sign out"),
        "signed-in pages are rendered for the person"
    );
    assert!(
        !visitor.get("/about").await.body.contains("Sign out"),
        "and never given to visitors"
    );

    let list = staff.get("/staff/pages").await;
    assert!(
        list.body
            .contains(&format!(r#"<a href="/staff/pages/{id}">About Us</a>"#))
    );
    let edit = staff.get(&format!("/staff/pages/{id}")).await;
    assert!(
        edit.body.contains("Old text")
            && edit.body.contains(r#"<label for="f-body">Content</label>"#)
    );

    let saved = staff
        .post(
            &format!("/staff/pages/{id}"),
            &[
                ("title", "About Us"),
                ("slug", "about"),
                (
                    "body",
                    "New **text** <script>alert(1)</script> [x](javascript:alert(2))",
                ),
                ("menu_label", "About Us"),
                ("menu_order", "1"),
                ("published", "on"),
                ("version", "1"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(
        staff
            .get(&saved.location())
            .await
            .body
            .contains("Page saved.")
    );

    // The visitor who saw the old text in the cache sees the new one at once.
    let public = visitor.get("/about").await;
    assert!(
        public.body.contains("New <strong>text</strong>"),
        "{}",
        public.body
    );
    assert!(
        !public.body.contains("<script>alert"),
        "scripts never reach the page"
    );
    assert!(
        !public.body.contains("javascript:"),
        "javascript links are dropped"
    );
}

#[tokio::test]
async fn a_second_editor_does_not_silently_overwrite_the_first() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_page(&society, "about", "About Us", "Original").await;
    let id = page_id(&t, &society, "about").await;
    let mut first = t.client("gsco.test");
    first.sign_in("owner@gsco.test", PASSWORD).await;
    let fields = |body: &'static str| {
        vec![
            ("title", "About Us"),
            ("slug", "about"),
            ("body", body),
            ("version", "1"),
            ("action", "save"),
            ("published", "on"),
        ]
    };
    assert_eq!(
        first
            .post(&format!("/staff/pages/{id}"), &fields("First edit"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let second = first
        .post(
            &format!("/staff/pages/{id}"),
            &fields("Second edit from a stale form"),
        )
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(second.body.contains("Someone else saved this page"));
    assert!(
        second.body.contains("Second edit from a stale form"),
        "what they typed is kept"
    );
    assert!(
        t.client("gsco.test")
            .get("/about")
            .await
            .body
            .contains("First edit")
    );
}

#[tokio::test]
async fn page_form_errors_keep_the_input_and_preview_without_javascript() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    staff.get("/staff/pages/new").await;
    let bad = staff
        .post(
            "/staff/pages/new",
            &[
                ("title", ""),
                ("slug", "Staff Area!"),
                ("body", "Draft *words*"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Give the page a title."));
    assert!(bad.body.contains("Use lowercase letters"));
    assert!(bad.body.contains("Draft *words*"), "the text typed is kept");

    let preview = staff
        .post(
            "/staff/pages/new",
            &[
                ("title", "Meeting"),
                ("body", "Draft *words*"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Draft <em>words</em>"));

    let live = staff
        .post(
            "/staff/preview",
            &[("body", "## Live <img src=x onerror=alert(1)>")],
        )
        .await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.body.starts_with("<h2>Live"));
    assert!(!live.body.contains("<img"));

    let created = staff
        .post(
            "/staff/pages/new",
            &[
                ("title", "Annual Meeting"),
                ("body", "Join us"),
                ("menu_label", "Meeting"),
                ("published", "on"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let public = t.client("gsco.test").get("/annual-meeting").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public
            .body
            .contains(r#"<a href="/annual-meeting" aria-current="page">Meeting</a>"#),
        "the new page joins the menu"
    );
}

#[tokio::test]
async fn renaming_a_page_keeps_its_old_address_working() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_page(&society, "about", "About Us", "Text").await;
    let id = page_id(&t, &society, "about").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    staff
        .post(
            &format!("/staff/pages/{id}"),
            &[
                ("title", "About Us"),
                ("slug", "who-we-are"),
                ("body", "Text"),
                ("version", "1"),
                ("published", "on"),
                ("action", "save"),
            ],
        )
        .await;
    let old = t.client("gsco.test").get("/about").await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.location(), "/who-we-are");
}

#[tokio::test]
async fn deleting_a_page_asks_first_and_the_home_page_stays() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_page(&society, "home", "Welcome", "Hi").await;
    t.add_page(&society, "old-news", "Old news", "Gone soon")
        .await;
    let id = page_id(&t, &society, "old-news").await;
    let home = page_id(&t, &society, "home").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let ask = staff.post(&format!("/staff/pages/{id}/delete"), &[]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Delete “Old news”?") && ask.body.contains("cannot be undone"));
    assert_eq!(
        t.client("gsco.test").get("/old-news").await.status,
        StatusCode::OK,
        "nothing deleted yet"
    );
    let done = staff
        .post(&format!("/staff/pages/{id}/delete?confirm=yes"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.client("gsco.test").get("/old-news").await.status,
        StatusCode::NOT_FOUND
    );
    let refused = staff
        .post(&format!("/staff/pages/{home}/delete?confirm=yes"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("The home page cannot be deleted."));
}

#[tokio::test]
async fn staff_manage_redirects() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    staff.get("/staff/redirects").await;
    let bad = staff
        .post(
            "/staff/redirects",
            &[
                ("from_path", "about.html"),
                ("to_path", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("starting with /") && bad.body.contains(r#"value="about.html""#));
    assert_eq!(
        staff
            .post(
                "/staff/redirects",
                &[("from_path", "/about.html"), ("to_path", "/about")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let dup = staff
        .post(
            "/staff/redirects",
            &[("from_path", "/about.html/"), ("to_path", "/other")],
        )
        .await;
    assert!(dup.body.contains("already redirects"));
    assert_eq!(
        t.client("gsco.test").get("/about.html").await.location(),
        "/about"
    );
}

#[tokio::test]
async fn failed_jobs_are_listed_and_retried_by_staff() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    // A mail the server refuses for good.
    t.smtp.reject_next(550);
    let mut browser = t.client("gsco.test");
    browser
        .post("/password-reset", &[("email", "owner@gsco.test")])
        .await;
    let worker = chapterhouse_app::jobs::Worker::new(t.app.clone());
    worker.run_once().await.unwrap();
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let jobs = staff.get("/staff/jobs").await;
    assert!(
        jobs.body.contains("send_email") && jobs.body.contains("550"),
        "{}",
        jobs.body
    );
    let failed = t.app.scoped(&society).failed_jobs().await.unwrap();
    let retried = staff
        .post(&format!("/staff/jobs/{}/retry", failed[0].id), &[])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let mail = t.deliver_mail(1).await;
    assert!(mail[0].subject().contains("Reset your GSCO password"));
    assert!(
        staff
            .get("/staff/jobs")
            .await
            .body
            .contains("Nothing has failed")
    );
}

#[tokio::test]
async fn transient_mail_failures_retry_with_backoff() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    t.smtp.reject_next(451);
    let mut browser = t.client("gsco.test");
    browser
        .post("/password-reset", &[("email", "owner@gsco.test")])
        .await;
    let worker = chapterhouse_app::jobs::Worker::new(t.app.clone());
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "not due again until the backoff passes"
    );
    t.clock.advance_seconds(31);
    assert_eq!(t.deliver_mail(1).await.len(), 1);
    let jobs = t.app.store.jobs_of_kind("send_email").await.unwrap();
    assert_eq!((jobs[0].1.as_str(), jobs[0].2), ("done", 2));
}

#[tokio::test]
async fn daily_maintenance_is_scheduled_once_per_local_day() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let worker = chapterhouse_app::jobs::Worker::new(t.app.clone());
    // 15:00 UTC is 09:00 in Chicago: past the 03:00 run time.
    assert_eq!(
        worker.schedule_recurring().await.unwrap(),
        2,
        "membership run and maintenance"
    );
    assert_eq!(
        worker.schedule_recurring().await.unwrap(),
        0,
        "deduplicated by local date"
    );
    t.clock.advance_seconds(24 * 3600);
    assert_eq!(
        worker.schedule_recurring().await.unwrap(),
        2,
        "membership run and maintenance"
    );
}

#[tokio::test]
async fn operator_creates_a_second_society_that_sees_nothing_of_the_first() {
    let t = TestApp::new().await;
    let first = t.society("gsco").await;
    t.add_page(&first, "home", "GSCO home", "First society")
        .await;
    chapterhouse_app::accounts::create_account(
        &t.app,
        &t.app.scoped(&first),
        chapterhouse_app::accounts::NewAccountInput {
            email: "ops@deploy.test".into(),
            display_name: "Ops".into(),
            role: chapterhouse_core::Role::Member,
            is_operator: true,
            password: Some(PASSWORD.into()),
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let mut operator = t.client("gsco.test");
    operator.sign_in("ops@deploy.test", PASSWORD).await;
    let page = operator.get("/operator").await;
    assert_eq!(page.status, StatusCode::OK);
    let bad = operator
        .post(
            "/operator/societies",
            &[
                ("name", "Second"),
                ("host", "bad host"),
                ("time_zone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter a host name") && bad.body.contains("Choose a time zone"));
    let taken = operator
        .post(
            "/operator/societies",
            &[
                ("name", "Second Society"),
                ("short_name", "SS"),
                ("slug", "second"),
                ("host", "gsco.test"),
                ("time_zone", "America/Denver"),
                ("email", "office@second.test"),
                ("owner_name", "Sam Second"),
                ("owner_email", "sam@second.test"),
            ],
        )
        .await;
    assert!(
        taken
            .body
            .contains("Another society already uses that host name"),
        "{}",
        taken.body
    );
    let created = operator
        .post(
            "/operator/societies",
            &[
                ("name", "Second Society"),
                ("short_name", "SS"),
                ("slug", "second"),
                ("host", "second.test"),
                ("time_zone", "America/Denver"),
                ("email", "office@second.test"),
                ("owner_name", "Sam Second"),
                ("owner_email", "sam@second.test"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    // The new owner is emailed a link to choose a password, on the new society's own host.
    let mail = t.deliver_mail(1).await;
    let path = crate::common::path_of(&crate::common::link_in(
        &mail[0],
        "https://second.test/password-reset/",
    ));
    let mut sam = t.client("second.test");
    sam.get(&path).await;
    sam.post(
        &path,
        &[
            ("new_password", "sam's strong password"),
            ("confirm_password", "sam's strong password"),
        ],
    )
    .await;
    assert_eq!(
        sam.sign_in("sam@second.test", "sam's strong password")
            .await
            .location(),
        "/staff"
    );
    let pages = sam.get("/staff/pages").await;
    assert!(!pages.body.contains("GSCO home"));
    // The first society's owner cannot sign in on the second's host.
    assert_eq!(
        t.client("second.test")
            .sign_in("owner@gsco.test", PASSWORD)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // And a session from one host is refused on the other.
    let mut carried = t.client("second.test");
    carried.cookie = operator.cookie.clone();
    assert_eq!(carried.get("/staff").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_add_a_level_and_a_member_and_record_a_renewal() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;

    let empty = staff.get("/staff/members/new").await;
    assert!(
        empty
            .body
            .contains("First <a href=\"/staff/levels\">add a membership level</a>")
    );
    staff.get("/staff/levels").await;
    let bad = staff
        .post(
            "/staff/levels",
            &[
                ("name", "Active physician"),
                ("fee", "three hundred"),
                ("period", "1-year"),
                ("fixed_day", "01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Enter the yearly fee in dollars")
            && bad.body.contains(r#"value="three hundred""#)
    );
    let added = staff
        .post(
            "/staff/levels",
            &[
                ("name", "Active physician"),
                ("fee", "$350"),
                ("period", "1-year"),
                ("fixed_day", "01-01"),
                ("grace_days", "30"),
                ("prorate", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let levels = staff.get("/staff/levels").await;
    assert!(
        levels.body.contains("Active physician")
            && levels.body.contains("$350.00")
            && levels.body.contains("Every year, on 1 January"),
        "{}",
        levels.body
    );

    let form = staff.get("/staff/members/new").await;
    let level = regex_lite::Regex::new(r#"<option value="([0-9a-f-]{36})""#)
        .unwrap()
        .captures(&form.body)
        .unwrap()[1]
        .to_string();
    let missing = staff
        .post(
            "/staff/members/new",
            &[
                ("display_name", ""),
                ("email", "ada@x.test"),
                ("level", &level),
                ("paid", "on"),
            ],
        )
        .await;
    assert!(
        missing.body.contains("Enter the member&#39;s name.")
            || missing.body.contains("Enter the member's name.")
    );
    let ok = staff
        .post(
            "/staff/members/new",
            &[
                ("display_name", "Dr Ada Lovelace"),
                ("email", "ada@x.test"),
                ("level", &level),
                ("paid", "on"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    // Joining on 21 November for a 1 January renewal: two months of $350, prorated.
    assert!(
        ok.body
            .contains("Dr Ada Lovelace added as active through 2026-12-31. First term: $58.33."),
        "{}",
        ok.body
    );

    let list = staff.get("/staff/members?status=active&q=ADA").await;
    assert!(list.body.contains("Dr Ada Lovelace") && list.body.contains("2026-12-31"));
    assert!(
        !staff
            .get("/staff/members?status=lapsed")
            .await
            .body
            .contains("Dr Ada Lovelace")
    );
    let id = regex_lite::Regex::new(r#"/staff/members/([0-9a-f-]{36})/renew"#)
        .unwrap()
        .captures(&list.body)
        .unwrap()[1]
        .to_string();
    let renewed = staff
        .post(
            &format!("/staff/members/{id}/renew"),
            &[("paid_through", "2026-12-31")],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::SEE_OTHER);
    // The same button pressed twice renews once.
    staff
        .post(
            &format!("/staff/members/{id}/renew"),
            &[("paid_through", "2026-12-31")],
        )
        .await;
    let list = staff.get("/staff/members").await;
    assert!(
        list.body.contains("2027-12-31") && !list.body.contains("2028-12-31"),
        "{}",
        list.body
    );
}
