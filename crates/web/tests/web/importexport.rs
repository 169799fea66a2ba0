//! Staff import a member list (upload → mapping and dry run → import), export the members list
//! as CSV, and keep custom fields, through the real router.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::custom_fields::{CustomFieldForm, create_custom_field};
use chapterhouse_app::membership::{LevelForm, create_level};
use chapterhouse_store::Society;

use crate::common::{Client, PASSWORD, TestApp, TestResponse};

const BOUNDARY: &str = "----chapterhouse-test-boundary";

/// POST a `multipart/form-data` upload as a browser does: the CSRF field, then the file.
async fn upload(client: &mut Client, csrf: &str, file_name: &str, data: &[u8]) -> TestResponse {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut request = Request::builder()
        .method("POST")
        .uri("/staff/import")
        .header(header::HOST, &client.host)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, format!("ch_session={cookie}"));
    }
    client.send(request.body(Body::from(body)).unwrap()).await
}

async fn society_with_levels(t: &TestApp) -> Society {
    let society = t.society("gsco").await;
    let scoped = t.app.scoped(&society);
    for name in ["Active physician", "Retired"] {
        create_level(
            &t.app,
            &scoped,
            &LevelForm {
                name: name.into(),
                fee: "350".into(),
                period: if name == "Retired" { "never" } else { "1-year" }.into(),
                grace_days: "30".into(),
                ..Default::default()
            },
            &Actor::default(),
        )
        .await
        .unwrap();
    }
    create_custom_field(
        &t.app,
        &scoped,
        &CustomFieldForm {
            name: "State licence".into(),
            kind: "text".into(),
            choices: String::new(),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    society
}

async fn staff(t: &TestApp) -> Client {
    let mut client = t.client("gsco.test");
    client.sign_in("owner@gsco.test", PASSWORD).await;
    client
}

const FILE: &str = "User ID,First name,Last name,Organization,Mail,Membership level,Renewal due,State licence\n\
    7001,Amara,Okafor,Lakeside Oncology,amara@lakeside.example,Active physician,2027-03-01,=cmd|' /C calc'!A0\n\
    7002,Ben,Castillo,Lakeside Oncology,ben@lakeside.example,Retired,,IL-209-88121\n";

#[tokio::test]
async fn staff_upload_map_check_and_import_a_member_list() {
    let t = TestApp::new().await;
    let society = society_with_levels(&t).await;
    let mut client = staff(&t).await;
    let page = client.get("/staff/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(r#"<label for="f-file">Member list (CSV file)</label>"#)
    );
    let csrf = client.csrf.clone().unwrap();

    // Excel's plain CSV is refused at once, naming the line.
    let windows_1252 = b"Email,First name\nana@example.org,Ana\njose@example.org,Jos\xe9\n";
    let refused = upload(&mut client, &csrf, "members.csv", windows_1252).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Line 3 is not UTF-8 text"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("save it as CSV UTF-8 in Excel"));

    // A form from elsewhere stores nothing.
    let forged = upload(&mut client, "forged", "members.csv", FILE.as_bytes()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let uploaded = upload(&mut client, &csrf, "members.csv", FILE.as_bytes()).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let check_path = uploaded.location();
    assert!(check_path.starts_with("/staff/import/"));

    // "Mail" is not a known header: the dry run says Email is unmapped, and offers a choice.
    let check = client.get(&check_path).await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(
        check.body.contains("No column is mapped to Email"),
        "{}",
        check.body
    );
    assert!(check.body.contains(r#"<label for="map-4">Mail</label>"#));
    assert!(
        check.body.contains("amara@lakeside.example"),
        "an example value"
    );
    assert!(
        !check.body.contains("/apply"),
        "no import button while problems remain"
    );

    // Map it and check again: ready.
    let mapping: Vec<(String, String)> = [
        "user_id",
        "first_name",
        "last_name",
        "organization",
        "email",
        "level",
        "renewal_due",
    ]
    .iter()
    .enumerate()
    .map(|(i, key)| (format!("col_{i}"), key.to_string()))
    .collect();
    let query = mapping
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let ready = client.get(&format!("{check_path}?{query}")).await;
    assert!(
        ready
            .body
            .contains("No problems: 2 rows ready to import — 2 new, 0 updated, 0 unchanged."),
        "{}",
        ready.body
    );
    assert!(
        ready
            .body
            .contains(r#"<option value="email" selected>Email</option>"#)
    );
    assert!(ready.body.contains(r#"name="col_4" value="email""#));
    assert!(
        t.app
            .scoped(&t.app.store.society_by_slug("gsco").await.unwrap().unwrap())
            .person_by_email("amara@lakeside.example")
            .await
            .unwrap()
            .is_none(),
        "the dry run wrote nothing"
    );

    // Import, as the form posts it.
    let mut fields: Vec<(&str, &str)> = mapping
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("col_7", "ignore"));
    let done = client.post(&format!("{check_path}/apply"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let result = client.get(&done.location()).await;
    assert!(
        result
            .body
            .contains("Imported members.csv: 2 rows, 2 new, 0 updated, 0 unchanged."),
        "{}",
        result.body
    );
    let members = client.get("/staff/members").await;
    assert!(members.body.contains("Amara Okafor") && members.body.contains("Ben Castillo"));

    // The file was deleted with the import: pressing Import again (a second tab, a double
    // click) imports nothing and says so.
    assert_eq!(client.get(&check_path).await.status, StatusCode::NOT_FOUND);
    let again = client.post(&format!("{check_path}/apply"), &fields).await;
    assert_eq!(again.location(), "/staff/import?done=gone");
    let result = client.get(&again.location()).await;
    assert!(
        result
            .body
            .contains("That file is no longer waiting to be imported"),
        "{}",
        result.body
    );
    assert_eq!(
        t.app.scoped(&society).import_runs(10).await.unwrap().len(),
        1,
        "imported once"
    );
}

#[tokio::test]
async fn a_file_with_problems_lists_them_all_and_imports_nothing() {
    let t = TestApp::new().await;
    let society = society_with_levels(&t).await;
    let mut client = staff(&t).await;
    client.get("/staff/import").await;
    let csrf = client.csrf.clone().unwrap();
    let file = "Email,First name,Membership level,Renewal due\n\
                ana@example.org,Ana,Active physician,2027-01-31\n\
                ben@example.org,Ben,Gold,2027-01-31\n\
                ANA@example.org,Ana again,Active physician,31/01/2027\n";
    let uploaded = upload(&mut client, &csrf, "problems.csv", file.as_bytes()).await;
    let check = client.get(&uploaded.location()).await;
    assert!(
        check
            .body
            .contains("3 problems in 2 rows: nothing can be imported yet"),
        "{}",
        check.body
    );
    assert!(
        check
            .body
            .contains("<td>3</td><td>There is no membership level called &#34;Gold&#34;."),
        "{}",
        check.body
    );
    assert!(
        check
            .body
            .contains("<td>4</td><td>The email ana@example.org is also on line 2.</td>")
    );
    assert!(
        check
            .body
            .contains("<td>4</td><td>Renewal due &#34;31/01/2027&#34; is not a date")
    );
    // Posting the import anyway re-checks and refuses.
    let refused = client
        .post(&format!("{}/apply", uploaded.location()), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        t.app
            .scoped(&society)
            .person_by_email("ana@example.org")
            .await
            .unwrap()
            .is_none()
    );
    // Staff give up on the file: it is deleted, and nothing was imported.
    assert!(refused.body.contains("Discard this file"));
    let discarded = client
        .post(&format!("{}/discard", uploaded.location()), &[])
        .await;
    assert_eq!(discarded.location(), "/staff/import?done=discarded");
    let page = client.get(&discarded.location()).await;
    assert!(
        page.body
            .contains("The file was discarded. Nothing was imported from it.")
    );
    assert!(page.body.contains("No imports yet."));
    assert_eq!(
        client.get(&uploaded.location()).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_members_export_is_an_excel_safe_csv_with_the_pages_filter() {
    let t = TestApp::new().await;
    society_with_levels(&t).await;
    let mut client = staff(&t).await;
    let scoped = t
        .app
        .scoped(&t.app.store.society_by_slug("gsco").await.unwrap().unwrap());
    let outcome = chapterhouse_app::import::import(
        &t.app,
        &scoped,
        "members.csv",
        FILE.replace(",Mail,", ",Email,").as_bytes(),
        &[],
        &Actor::default(),
        &chapterhouse_app::import::NoProgress,
    )
    .await
    .unwrap();
    assert!(matches!(
        outcome,
        chapterhouse_app::import::ImportOutcome::Imported(_)
    ));

    let members = client.get("/staff/members").await;
    assert!(
        members
            .body
            .contains(r#"formaction="/staff/members.csv">Export CSV</button>"#)
    );
    let export = client.get("/staff/members.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(
        export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"members-2026-11-21.csv\"")
    );
    assert!(
        export
            .body
            .starts_with("\u{feff}User ID,First name,Last name,Organization,Email,")
    );
    assert!(
        export.body.contains(",'=cmd|' /C calc'!A0\r\n"),
        "{}",
        export.body
    );
    assert!(export.body.contains("7002,Ben,Castillo"));
    // The filter of the members page: a search for Ben leaves Amara out.
    let filtered = client.get("/staff/members.csv?q=ben&status=").await;
    assert!(filtered.body.contains("7002,Ben") && !filtered.body.contains("Amara"));
    // Members cannot export.
    t.add_account(
        &t.app.store.society_by_slug("gsco").await.unwrap().unwrap(),
        "member@gsco.test",
        chapterhouse_core::Role::Member,
    )
    .await;
    let mut member = t.client("gsco.test");
    member.sign_in("member@gsco.test", PASSWORD).await;
    assert_eq!(
        member.get("/staff/members.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn staff_add_a_custom_field_and_edit_a_persons_values() {
    let t = TestApp::new().await;
    let society = society_with_levels(&t).await;
    let mut client = staff(&t).await;
    let list = client.get("/staff/custom-fields").await;
    assert!(list.body.contains("State licence"));
    let refused = client
        .post(
            "/staff/custom-fields",
            &[("name", "=Years"), ("kind", "number"), ("choices", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Start the name with a letter or a digit.")
    );
    assert!(
        refused.body.contains(r#"value="=Years""#),
        "the input is kept"
    );
    let created = client
        .post(
            "/staff/custom-fields",
            &[
                ("name", "Years in practice"),
                ("kind", "number"),
                ("choices", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);

    let owner = t
        .app
        .scoped(&society)
        .person_by_email("owner@gsco.test")
        .await
        .unwrap()
        .unwrap();
    // The values are edited on the person's page.
    let path = format!("/staff/people/{owner}/custom-fields");
    let form = client.get(&format!("/staff/people/{owner}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let re = regex_lite::Regex::new(r#"<label for="f-(cf_[0-9a-f]+)">Years in practice</label>"#)
        .unwrap();
    let years = re.captures(&form.body).expect("a labelled input")[1].to_string();
    let licence = regex_lite::Regex::new(r#"<label for="f-(cf_[0-9a-f]+)">State licence</label>"#)
        .unwrap()
        .captures(&form.body)
        .unwrap()[1]
        .to_string();
    let bad = client
        .post(
            &path,
            &[(years.as_str(), "twelve"), (licence.as_str(), "IL-1")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter a number, like 12 or 3.5."));
    assert!(bad.body.contains(r#"value="twelve""#) && bad.body.contains(r#"value="IL-1""#));
    let saved = client
        .post(
            &path,
            &[(years.as_str(), "1,200"), (licence.as_str(), "IL-1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = client.get(&saved.location()).await;
    assert!(page.body.contains("Custom fields saved."));
    assert!(page.body.contains(r#"value="1200""#), "stored in one form");
    // Another society's person is not found here.
    assert_eq!(
        client
            .get(&format!(
                "/staff/people/{}/custom-fields",
                chapterhouse_core::PersonId::new()
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// The `href` of the link with this `rel`, as the browser would follow it.
fn link(body: &str, rel: &str) -> Option<String> {
    regex_lite::Regex::new(&format!(r#"href="([^"]*)" rel="{rel}""#))
        .unwrap()
        .captures(body)
        .map(|c| c[1].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn the_members_list_pages_by_100_keeping_the_filter_and_the_export_has_every_row() {
    let t = TestApp::new().await;
    society_with_levels(&t).await;
    let mut client = staff(&t).await;
    let scoped = t
        .app
        .scoped(&t.app.store.society_by_slug("gsco").await.unwrap().unwrap());
    // 250 members: the odd ones retired (125 of them), listed by name Zed001, Zed003, …
    let mut file = String::from("First name,Last name,Email,Membership level\n");
    for i in 0..250 {
        let level = if i % 2 == 1 {
            "Retired"
        } else {
            "Active physician"
        };
        file.push_str(&format!("Alex,Zed{i:03},zed{i:03}@example.org,{level}\n"));
    }
    let outcome = chapterhouse_app::import::import(
        &t.app,
        &scoped,
        "members.csv",
        file.as_bytes(),
        &[],
        &Actor::default(),
        &chapterhouse_app::import::NoProgress,
    )
    .await
    .unwrap();
    assert!(matches!(
        outcome,
        chapterhouse_app::import::ImportOutcome::Imported(_)
    ));
    let retired = scoped
        .levels()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.name == "Retired")
        .unwrap()
        .id;

    let first = client.get(&format!("/staff/members?level={retired}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("Showing 1–100"), "{}", first.body);
    assert!(first.body.contains("Alex Zed001") && first.body.contains("Alex Zed199"));
    assert!(!first.body.contains("Alex Zed201") && !first.body.contains("Alex Zed002"));
    assert!(link(&first.body, "prev").is_none());
    let next = link(&first.body, "next").expect("a Next link");
    assert!(next.contains(&format!("level={retired}")), "{next}");
    assert!(first.body.contains(">Next 100<"));

    let second = client.get(&next).await;
    assert!(second.body.contains("Showing 101–125"), "{}", second.body);
    assert!(second.body.contains("Alex Zed201") && second.body.contains("Alex Zed249"));
    assert!(!second.body.contains("Alex Zed199") && !second.body.contains("Alex Zed202"));
    assert!(link(&second.body, "next").is_none(), "the last page");
    let previous = link(&second.body, "prev").expect("a Previous link");
    assert!(previous.contains(&format!("level={retired}")));

    let back = client.get(&previous).await;
    assert!(back.body.contains("Showing 1–100"), "{}", back.body);
    assert!(back.body.contains("Alex Zed001") && back.body.contains("Alex Zed199"));
    assert!(!back.body.contains("Alex Zed201"));
    assert!(link(&back.body, "prev").is_none() && link(&back.body, "next").is_some());

    // The export of the filtered list has every matching member, not a page of them.
    let export = client
        .get(&format!("/staff/members.csv?level={retired}"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let rows = export.body.lines().count() - 1;
    assert_eq!(rows, 125, "{}", export.body);
    // The export ignores paging parameters (they are not part of the filter).
    let export = client
        .get(&next.replace("/staff/members?", "/staff/members.csv?"))
        .await;
    assert_eq!(export.body.lines().count() - 1, 125);
}
