//! Custom fields, the member-list import and the members export, through the use-cases. Like the
//! other app tests they run on SQLite by default and on PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use chapterhouse_app::custom_fields::{self, CustomFieldForm, input_name};
use chapterhouse_app::export::members_csv;
use chapterhouse_app::import::{self, ImportOutcome, ImportSummary, MapOverride, NoProgress};
use chapterhouse_app::jobs::Worker;
use chapterhouse_app::membership::{self, LevelForm};
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::import::Snapshot;
use chapterhouse_core::membership::Status;
use chapterhouse_core::{CustomFieldId, PersonId};
use chapterhouse_store::{MemberFilter, Scoped};

const MEMBERS: &str = include_str!("data/members.csv");
const WITH_PROBLEMS: &str = include_str!("data/members_with_problems.csv");

/// The common fixture with a society in Chicago that has the levels and custom fields the
/// data files use.
struct Fixture {
    base: common::Fixture,
    scoped: Scoped,
    licence: CustomFieldId,
}

impl std::ops::Deref for Fixture {
    type Target = common::Fixture;

    fn deref(&self) -> &common::Fixture {
        &self.base
    }
}

async fn fixture() -> Fixture {
    let base = common::fixture().await;
    let app = &base.app;
    let (society, _) = societies::create_society(
        app,
        &NewSocietyForm {
            name: "Prairie State Oncology Society".into(),
            time_zone: "America/Chicago".into(),
            ..common::society_form("psos")
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let scoped = app.scoped(&society);
    for (name, fee, period, approval) in [
        ("Active physician", "350", "1-year", false),
        ("NP, PA or pharmacist", "150", "1-year", false),
        ("Fellow in training", "0", "1-year", true),
        ("Retired", "0", "never", false),
    ] {
        membership::create_level(
            app,
            &scoped,
            &LevelForm {
                name: name.into(),
                fee: fee.into(),
                period: period.into(),
                grace_days: "30".into(),
                approval_required: approval.then(|| "on".into()),
                ..Default::default()
            },
            &Actor::default(),
        )
        .await
        .unwrap();
    }
    let licence = custom_fields::create_custom_field(
        app,
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
    custom_fields::create_custom_field(
        app,
        &scoped,
        &CustomFieldForm {
            name: "Tumor board".into(),
            kind: "yes_no".into(),
            choices: String::new(),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    Fixture {
        base,
        scoped,
        licence,
    }
}

async fn import(f: &Fixture, data: &[u8]) -> ImportOutcome {
    import::import(
        &f.app,
        &f.scoped,
        "members.csv",
        data,
        &[],
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap()
}

fn imported(outcome: ImportOutcome) -> ImportSummary {
    match outcome {
        ImportOutcome::Imported(summary) => summary,
        ImportOutcome::Refused(dry) => panic!("refused: {:?}", dry.report.problems),
    }
}

/// Row counts of every table an import writes.
async fn counts(f: &Fixture) -> Vec<(&'static str, usize)> {
    let s: Snapshot = f
        .scoped
        .import_snapshot(jiff::civil::date(2026, 11, 21))
        .await
        .unwrap();
    vec![
        ("people", s.people.len()),
        ("memberships", s.memberships.len()),
        (
            "terms",
            s.memberships.iter().map(|m| m.terms.len()).sum::<usize>(),
        ),
        ("practices", s.practices.len()),
        ("practice links", s.practice_links.len()),
        ("committees", s.committees.len()),
        ("committee members", s.committee_members.len()),
        ("custom values", s.custom_values.len()),
    ]
}

async fn status_of(f: &Fixture, email: &str) -> String {
    f.scoped
        .members(&MemberFilter {
            search: Some(email.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .pop()
        .map(|m| m.status)
        .unwrap_or_else(|| panic!("{email} is not a member"))
}

#[tokio::test]
async fn an_import_writes_people_memberships_practices_groups_and_custom_fields() {
    let f = fixture().await;
    let summary = imported(import(&f, MEMBERS.as_bytes()).await);
    assert_eq!(
        (
            summary.rows_total,
            summary.created,
            summary.updated,
            summary.unchanged
        ),
        (8, 8, 0, 0)
    );
    assert_eq!(
        counts(&f).await,
        vec![
            ("people", 9), // the owner and eight members
            ("memberships", 8),
            ("terms", 7), // the pending fellow has none yet
            ("practices", 3),
            ("practice links", 7),
            ("committees", 4),
            ("committee members", 8),
            ("custom values", 11),
        ]
    );
    for (email, status) in [
        ("amara.okafor@lakeside-onc.example", "active"),
        ("ben.castillo@lakeside-onc.example", "active"),
        ("carmen.delacroix@prairieheme.example", "lapsed"),
        ("daniel.eze@uchicago-fellows.example", "pending"),
        ("elena.fitzgerald@prairieheme.example", "suspended"),
        ("farid.gupta@northshore.example", "grace"),
        ("grace.halvorsen@northshore.example", "active"),
    ] {
        assert_eq!(status_of(&f, email).await, status, "{email}");
    }
    let amara = f
        .scoped
        .members(&MemberFilter {
            search: Some("amara".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(amara.display_name, "Amara Okafor");
    assert_eq!(amara.joined_on, "2015-03-02");
    assert_eq!(amara.term_end.as_deref(), Some("2027-03-01"));
    let runs = f.scoped.import_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].created, runs[0].file_name.as_str()),
        (8, "members.csv")
    );
    let audit = f.scoped.audit_entries(5).await.unwrap();
    assert_eq!(audit[0].action, "members.imported");
    assert_eq!(audit[0].detail, "8 rows: 8 new, 0 updated, 0 unchanged");
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let f = fixture().await;
    imported(import(&f, MEMBERS.as_bytes()).await);
    let before = counts(&f).await;
    f.clock.advance_seconds(3600);
    let second_started = f.app.now();
    let summary = imported(import(&f, MEMBERS.as_bytes()).await);
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (0, 0, 8)
    );
    assert_eq!(counts(&f).await, before);
    assert_eq!(
        f.scoped.people_updated_since(second_started).await.unwrap(),
        0,
        "no person's updated_at moved"
    );
    assert_eq!(f.scoped.import_runs(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_dry_run_lists_every_bad_row_and_nothing_is_written() {
    let f = fixture().await;
    let before = counts(&f).await;
    let dry = import::dry_run(
        &f.app,
        &f.scoped,
        WITH_PROBLEMS.as_bytes(),
        &[],
        &NoProgress,
    )
    .await
    .unwrap();
    let problems: Vec<(u64, String)> = dry
        .report
        .problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (4, "The email address is missing.".to_string()),
            (
                5,
                "\"kavya.kaur(at)northshore.example\" is not an email address.".to_string()
            ),
            (
                6,
                "There is no membership level called \"Platinum\". The levels are: Active physician, Fellow in training, NP, PA or pharmacist, Retired.".to_string()
            ),
            (
                7,
                "Member since \"2024-13-01\" is not a date: write it like 2024-01-31, 01/31/2024 or 31 Jan 2024.".to_string()
            ),
            (
                8,
                "The email jane.roe@lakeside-onc.example is also on line 3.".to_string()
            ),
            (9, "User ID 50010 is also on line 3.".to_string()),
            (10, "Tumor board: Answer yes or no.".to_string()),
        ]
    );
    assert_eq!(dry.report.plan.rows_total, 9);
    // The good rows are counted but not written, by the dry run or by an import attempt.
    assert_eq!(dry.report.plan.created, 2);
    assert_eq!(counts(&f).await, before);
    match import(&f, WITH_PROBLEMS.as_bytes()).await {
        ImportOutcome::Refused(dry) => assert_eq!(dry.report.problems.len(), 7),
        ImportOutcome::Imported(_) => panic!("a file with problems was imported"),
    }
    assert_eq!(counts(&f).await, before);
    assert!(f.scoped.import_runs(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_email_that_belongs_to_another_user_id_is_refused() {
    let f = fixture().await;
    imported(import(&f, MEMBERS.as_bytes()).await);
    let file = "User ID,First name,Last name,Email,Membership level,Renewal due\n\
                60001,Amara,Okafor,AMARA.OKAFOR@lakeside-onc.example,Active physician,2027-03-01\n";
    let ImportOutcome::Refused(dry) = import(&f, file.as_bytes()).await else {
        panic!("imported a second User ID for one email");
    };
    assert_eq!(
        dry.report.problems[0].message,
        "The email amara.okafor@lakeside-onc.example already belongs to User ID 50001, not 60001."
    );
    assert_eq!(dry.report.problems[0].line, 2);
}

#[tokio::test]
async fn a_windows_1252_file_is_refused_naming_the_line() {
    let f = fixture().await;
    let mut data = MEMBERS.replace("Daniel,Eze", "Jos\u{e9},Eze").into_bytes();
    // Excel's plain "CSV": é as the single byte 0xE9.
    let at = data.windows(2).position(|w| w == "é".as_bytes()).unwrap();
    data.splice(at..at + 2, [0xE9]);
    let error = import::import(
        &f.app,
        &f.scoped,
        "members.csv",
        &data,
        &[],
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = error else {
        panic!("{error:?}");
    };
    let message = errors.get("file").unwrap();
    assert!(message.starts_with("Line 5 is not UTF-8 text"), "{message}");
    assert!(message.contains("save it as CSV UTF-8 in Excel"));
    // The upload page refuses it the same way, storing nothing.
    let refused = import::upload(&f.app, &f.scoped, "members.csv", &data, &Actor::default()).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))));
    assert_eq!(counts(&f).await[0], ("people", 1));
}

#[tokio::test]
async fn staff_map_an_unknown_column_to_a_custom_field() {
    let f = fixture().await;
    let file = "Email,Licence #,Membership level,Renewal due\n\
                ana@example.org,TX-1234,Active physician,2027-05-31\n";
    let dry = import::dry_run(&f.app, &f.scoped, file.as_bytes(), &[], &NoProgress)
        .await
        .unwrap();
    assert!(dry.report.is_clean());
    assert_eq!(dry.report.ignored_columns, vec!["Licence #"]);
    let map = [MapOverride::parse("Licence #=State licence").unwrap()];
    let outcome = import::import(
        &f.app,
        &f.scoped,
        "licences.csv",
        file.as_bytes(),
        &map,
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    imported(outcome);
    let person = f
        .scoped
        .person_by_email("ana@example.org")
        .await
        .unwrap()
        .unwrap();
    let values = f.scoped.custom_field_values(person).await.unwrap();
    assert_eq!(values, vec![(f.licence, "TX-1234".to_string())]);
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

async fn person(f: &Fixture, email: &str) -> PersonId {
    f.scoped.person_by_email(email).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_export_is_excel_safe_and_imports_back_without_changes() {
    let f = fixture().await;
    imported(import(&f, MEMBERS.as_bytes()).await);
    // A value that would run a command if Excel took it for a formula.
    let ben = person(&f, "ben.castillo@lakeside-onc.example").await;
    custom_fields::save_person_values(
        &f.app,
        &f.scoped,
        ben,
        &[(input_name(f.licence), "=cmd|' /C calc'!A0".into())],
        &Actor::default(),
    )
    .await
    .unwrap();
    let export = members_csv(
        &f.app,
        &f.scoped,
        &MemberFilter::default(),
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(export.rows, 8);
    assert!(export.bytes.starts_with("\u{feff}".as_bytes()));
    let text = String::from_utf8(export.bytes.clone()).unwrap();
    assert!(
        text.starts_with("\u{feff}User ID,First name,Last name,Organization,Email,Phone,Membership level,Membership status,Member since,Renewal due,Group participation,State licence,Tumor board\r\n"),
        "{text}"
    );
    assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    assert!(text.contains(",'+1 (312) 555-0101,"), "{text}");
    assert!(text.contains(
        "50001,Amara,Okafor,Lakeside Oncology Associates,amara.okafor@lakeside-onc.example,'+1 (312) 555-0101,Active physician,Active,2015-03-02,2027-03-01,Advocacy committee; Thoracic oncology,IL-036-114522,yes\r\n"
    ), "{text}");
    assert!(
        text.contains(",Retired,Active,1998-07-01,,,,no\r\n"),
        "{text}"
    );
    assert!(text.contains(",Suspended,2012-09-10,2027-09-09,GI oncology; Thoracic oncology,"));

    // Round trip: the export imports back and changes nothing.
    let before = counts(&f).await;
    f.clock.advance_seconds(60);
    let since = f.app.now();
    let summary = imported(import(&f, &export.bytes).await);
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (0, 0, 8)
    );
    assert_eq!(counts(&f).await, before);
    assert_eq!(f.scoped.people_updated_since(since).await.unwrap(), 0);
    let ben_values = f.scoped.custom_field_values(ben).await.unwrap();
    assert!(ben_values.contains(&(f.licence, "=cmd|' /C calc'!A0".to_string())));

    // The members page's filter applies: only lapsed members.
    let lapsed = members_csv(
        &f.app,
        &f.scoped,
        &MemberFilter {
            status: Some(Status::Lapsed),
            ..Default::default()
        },
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    let rows = csv_rows(&lapsed.bytes);
    assert_eq!(rows.len(), 2, "header and Carmen");
    assert_eq!(rows[1][0], "50003");
}

#[tokio::test]
async fn members_entered_by_hand_export_with_their_names_and_reimport_unchanged() {
    let f = fixture().await;
    let levels = f.scoped.levels().await.unwrap();
    membership::add_member(
        &f.app,
        &f.scoped,
        &membership::MemberForm {
            display_name: "Dr Rosa Sato".into(),
            email: "rosa.sato@members.example".into(),
            level: levels[0].id.to_string(),
            joined_on: "2026-01-15".into(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let export = members_csv(
        &f.app,
        &f.scoped,
        &MemberFilter::default(),
        &Actor::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    let rows = csv_rows(&export.bytes);
    assert_eq!(&rows[1][..3], &["", "Dr Rosa", "Sato"]);
    let summary = imported(import(&f, &export.bytes).await);
    assert_eq!((summary.created, summary.unchanged), (0, 1));
}

#[tokio::test]
async fn custom_fields_are_created_and_values_checked_per_kind() {
    let f = fixture().await;
    let actor = Actor::default();
    let duplicate = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "state licence".into(),
            kind: "text".into(),
            choices: String::new(),
        },
        &actor,
    )
    .await;
    // Imports match headers without case, so names differing only in case are one name.
    let Err(AppError::Invalid(errors)) = duplicate else {
        panic!("accepted");
    };
    assert_eq!(
        errors.get("name"),
        Some("Another field already has that name.")
    );
    let Err(AppError::Invalid(errors)) = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "=County".into(),
            kind: "choice".into(),
            choices: "Only one".into(),
        },
        &actor,
    )
    .await
    else {
        panic!("accepted");
    };
    assert_eq!(
        errors.get("name"),
        Some("Start the name with a letter or a digit.")
    );
    assert_eq!(
        errors.get("choices"),
        Some("List at least two choices, one per line.")
    );
    let Err(AppError::Invalid(errors)) = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "phone".into(),
            kind: "text".into(),
            choices: String::new(),
        },
        &actor,
    )
    .await
    else {
        panic!("accepted");
    };
    assert_eq!(
        errors.get("name"),
        Some("\"phone\" is already a column of member imports and exports: choose another name.")
    );
    let Err(AppError::Invalid(errors)) = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "County".into(),
            kind: "choice".into(),
            choices: "Only one".into(),
        },
        &actor,
    )
    .await
    else {
        panic!("accepted");
    };
    assert_eq!(
        errors.get("choices"),
        Some("List at least two choices, one per line.")
    );
    let county = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "County".into(),
            kind: "choice".into(),
            choices: "Cook\nDuPage\nLake".into(),
        },
        &actor,
    )
    .await
    .unwrap();
    let years = custom_fields::create_custom_field(
        &f.app,
        &f.scoped,
        &CustomFieldForm {
            name: "Years in practice".into(),
            kind: "number".into(),
            choices: String::new(),
        },
        &actor,
    )
    .await
    .unwrap();

    let owner = person(&f, "owner@psos.test").await;
    let Err(AppError::Invalid(errors)) = custom_fields::save_person_values(
        &f.app,
        &f.scoped,
        owner,
        &[
            (input_name(county), "Kane".into()),
            (input_name(years), "twelve".into()),
            (input_name(f.licence), "IL-1".into()),
        ],
        &actor,
    )
    .await
    else {
        panic!("accepted");
    };
    assert_eq!(
        errors.get(&input_name(county)),
        Some("Choose one of: Cook, DuPage, Lake.")
    );
    assert_eq!(
        errors.get(&input_name(years)),
        Some("Enter a number, like 12 or 3.5.")
    );
    assert!(
        f.scoped
            .custom_field_values(owner)
            .await
            .unwrap()
            .is_empty(),
        "nothing saved while any value is wrong"
    );
    let changed = custom_fields::save_person_values(
        &f.app,
        &f.scoped,
        owner,
        &[
            (input_name(county), "dupage".into()),
            (input_name(years), "12".into()),
            (input_name(f.licence), "IL-1".into()),
        ],
        &actor,
    )
    .await
    .unwrap();
    assert_eq!(changed, 3);
    let mut values = f.scoped.custom_field_values(owner).await.unwrap();
    values.sort();
    let mut expected = vec![
        (county, "DuPage".to_string()),
        (years, "12".to_string()),
        (f.licence, "IL-1".to_string()),
    ];
    expected.sort();
    assert_eq!(values, expected);
    // Emptying a value removes it; saving the same values again changes nothing.
    let changed = custom_fields::save_person_values(
        &f.app,
        &f.scoped,
        owner,
        &[
            (input_name(years), " ".into()),
            (input_name(county), "DuPage".into()),
        ],
        &actor,
    )
    .await
    .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(f.scoped.custom_field_values(owner).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_changed_file_updates_only_what_changed() {
    let f = fixture().await;
    imported(import(&f, MEMBERS.as_bytes()).await);
    f.clock.advance_seconds(86_400);
    let since = f.app.now();
    let changed = MEMBERS
        // Carmen renewed: a new term, lapsed → active.
        .replace(
            "Lapsed,14 Jan 2018,13 Jan 2026",
            "Active,14 Jan 2018,13 Jan 2027",
        )
        // Elena's suspension ended.
        .replace(
            "Active physician,Suspended,2012-09-10",
            "Active physician,Active,2012-09-10",
        )
        // Ben has a new phone number and moved up a level.
        .replace(
            "312-555-0102,\"NP, PA or pharmacist\"",
            "312-555-0199,Active physician",
        );
    let summary = imported(import(&f, changed.as_bytes()).await);
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (0, 3, 5)
    );
    assert_eq!(
        status_of(&f, "carmen.delacroix@prairieheme.example").await,
        "active"
    );
    assert_eq!(
        status_of(&f, "elena.fitzgerald@prairieheme.example").await,
        "active"
    );
    let ben = f
        .scoped
        .members(&MemberFilter {
            search: Some("ben.castillo".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(ben.level_name, "Active physician");
    assert_eq!(ben.status_since, "2026-11-21", "Ben stayed active");
    let carmen = f
        .scoped
        .members(&MemberFilter {
            search: Some("carmen".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(carmen.term_end.as_deref(), Some("2027-01-13"));
    assert_eq!(carmen.status_since, "2026-11-22");
    // Only Ben's person row changed (a phone number); memberships are not people.
    assert_eq!(f.scoped.people_updated_since(since).await.unwrap(), 1);
    // And importing the changed file again is a no-op.
    let again = imported(import(&f, changed.as_bytes()).await);
    assert_eq!((again.updated, again.unchanged), (0, 8));
}

#[tokio::test]
async fn an_import_never_changes_the_email_someone_signs_in_with() {
    let f = fixture().await;
    // The owner signs in as owner@psos.test; the old system knew them as User ID 1.
    let first = "User ID,First name,Last name,Email\n1,Olive,Owner,owner@psos.test\n";
    imported(import(&f, first.as_bytes()).await);
    let moved = "User ID,First name,Last name,Email\n1,Olive,Owner,olive@elsewhere.example\n";
    let ImportOutcome::Refused(dry) = import(&f, moved.as_bytes()).await else {
        panic!("an import changed a sign-in email");
    };
    assert!(
        dry.report.problems[0]
            .message
            .starts_with("User ID 1 signs in as owner@psos.test"),
        "{:?}",
        dry.report.problems
    );
    assert!(
        f.scoped
            .account_by_email("owner@psos.test")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_upload_is_deleted_once_imported_or_discarded_and_after_a_week_otherwise() {
    let f = fixture().await;
    let actor = Actor::default();
    let upload = |name: &'static str, data: &'static str| {
        import::upload(&f.app, &f.scoped, name, data.as_bytes(), &actor)
    };
    let scoped = &f.scoped;
    let waiting = |blob| async move { scoped.import_upload(blob).await.unwrap().is_some() };
    let old = upload("old.csv", MEMBERS).await.unwrap();
    f.clock.advance_seconds(2 * 86_400);
    let recent = upload("recent.csv", MEMBERS).await.unwrap();
    let refused = upload("problems.csv", WITH_PROBLEMS).await.unwrap();
    let applied = upload("members.csv", MEMBERS).await.unwrap();
    let discarded = upload("unwanted.csv", MEMBERS).await.unwrap();

    // Imported: the upload goes in the import's transaction.
    let file = f.scoped.import_upload(applied).await.unwrap().unwrap();
    let summary = imported(
        import::import_upload(&f.app, &f.scoped, &file, &[], &actor, &NoProgress)
            .await
            .unwrap(),
    );
    assert_eq!(summary.created, 8);
    assert!(!waiting(applied).await);
    // Refused: it stays, to be mapped again or discarded.
    let file = f.scoped.import_upload(refused).await.unwrap().unwrap();
    assert!(matches!(
        import::import_upload(&f.app, &f.scoped, &file, &[], &actor, &NoProgress)
            .await
            .unwrap(),
        ImportOutcome::Refused(_)
    ));
    assert!(waiting(refused).await);
    // Discarded by staff; another society cannot discard this one's uploads.
    let other = common::society(&f, "beta").await;
    let other = f.app.scoped(&other);
    assert!(matches!(
        import::discard_upload(&f.app, &other, discarded, &actor).await,
        Err(AppError::NotFound)
    ));
    assert!(waiting(discarded).await);
    import::discard_upload(&f.app, &f.scoped, discarded, &actor)
        .await
        .unwrap();
    assert!(!waiting(discarded).await);
    assert!(matches!(
        import::discard_upload(&f.app, &f.scoped, discarded, &actor).await,
        Err(AppError::NotFound)
    ));

    // Seven days and a minute after the first upload, the daily maintenance deletes it and
    // keeps the ones five days old.
    f.clock.advance_seconds(5 * 86_400 + 60);
    Worker::new(f.app.clone())
        .schedule_recurring()
        .await
        .unwrap();
    common::run_jobs(&f).await;
    assert!(!waiting(old).await, "a week-old upload is deleted");
    assert!(waiting(recent).await && waiting(refused).await);
    assert_eq!(
        f.scoped.import_runs(10).await.unwrap().len(),
        1,
        "only the imported file left a record"
    );
}
