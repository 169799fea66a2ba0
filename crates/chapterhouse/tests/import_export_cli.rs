//! `chapterhouse import members` and `chapterhouse export members` as processes, against the
//! demo data in a temporary data directory.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_chapterhouse");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("CHAPTERHOUSE_CONFIG")
        .output()
        .expect("run chapterhouse")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

const PROBLEMS: &str = "User ID,First name,Last name,Email,Membership level,Renewal due\n\
    9001,Ana,Abbott,ana.abbott@cli.example,Active physician,2099-01-31\n\
    9002,Ben,Bergstrom,,Active physician,2099-01-31\n\
    9003,Cy,Castillo,cy.castillo@cli.example,Platinum,2099-01-31\n";

/// The date `days` from now (UTC) as YYYY-MM-DD (days-to-civil from H. Hinnant's algorithms).
fn date_in(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let z = now / 86_400 + days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Two members whose yearly terms run from about half a year ago to half a year from now.
fn good_file() -> String {
    let (ana, ben) = (date_in(180), date_in(200));
    format!(
        "User ID,First name,Last name,E-mail address (work),Membership level,Membership status,Renewal due,Group participation\n\
         9001,Ana,Abbott,ana.abbott@cli.example,Active physician,Active,{ana},CLI readers; Thoracic\n\
         9002,Ben,Bergstrom,ben.bergstrom@cli.example,NP, PA or pharmacist,Active,{ben},CLI readers\n"
    )
}

#[test]
fn import_and_export_members_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = run(dir.path(), &["demo"]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));

    // A dry run with problems: non-zero exit, every problem with its line, nothing written.
    std::fs::write(dir.path().join("problems.csv"), PROBLEMS).unwrap();
    let dry = run(
        dir.path(),
        &[
            "import",
            "members",
            "--society",
            "gsco",
            "problems.csv",
            "--dry-run",
        ],
    );
    assert!(!dry.status.success());
    let stderr = text(&dry.stderr);
    assert!(
        stderr.contains("problems.csv: line 3: The email address is missing."),
        "{stderr}"
    );
    assert!(
        stderr.contains("problems.csv: line 4: There is no membership level called \"Platinum\"."),
        "{stderr}"
    );
    assert!(stderr.contains("chapterhouse: 2 problems in problems.csv: nothing was imported"));
    assert!(
        !stderr.contains('\u{1b}'),
        "no progress bar when stderr is not a terminal"
    );

    // An unknown column is mapped on the command line. (The level name has a comma: the
    // unquoted row is refused, naming the line.)
    std::fs::write(dir.path().join("members.csv"), good_file()).unwrap();
    let map = ["--map", "E-mail address (work)=email"];
    let mut args = vec!["import", "members", "--society", "gsco", "members.csv"];
    args.extend(map);
    let refused = run(dir.path(), &args);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr)
            .contains("members.csv: line 3: This row has 9 cells but the header has 8 columns"),
        "{}",
        text(&refused.stderr)
    );
    std::fs::write(
        dir.path().join("members.csv"),
        good_file().replace("NP, PA or pharmacist", "\"NP, PA or pharmacist\""),
    )
    .unwrap();
    let dry = run(dir.path(), &[args.as_slice(), &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains(
        "2 rows would be imported: 2 new, 0 updated, 0 unchanged (dry run: nothing written)"
    ));
    let imported = run(dir.path(), &args);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert_eq!(
        text(&imported.stdout).trim(),
        "members.csv: imported 2 rows: 2 new, 0 updated, 0 unchanged"
    );
    let again = run(dir.path(), &args);
    assert_eq!(
        text(&again.stdout).trim(),
        "members.csv: imported 2 rows: 0 new, 0 updated, 2 unchanged"
    );

    // Export the active members to a file: BOM, the import's headers, the imported rows.
    let exported = run(
        dir.path(),
        &[
            "export",
            "members",
            "--society",
            "gsco",
            "--status",
            "active",
            "-o",
            "active.csv",
        ],
    );
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let csv = std::fs::read_to_string(dir.path().join("active.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}User ID,First name,Last name,Organization,Email,Phone,Membership level,Membership status,Member since,Renewal due,Group participation\r\n"));
    assert!(
        csv.contains(&format!(
            "9001,Ana,Abbott,,ana.abbott@cli.example,,Active physician,Active,{},{},CLI readers; Thoracic\r\n",
            date_in(180 - 364),
            date_in(180)
        )) || csv.contains(&format!(
            "9001,Ana,Abbott,,ana.abbott@cli.example,,Active physician,Active,{},{},CLI readers; Thoracic\r\n",
            date_in(180 - 365),
            date_in(180)
        )),
        "{csv}"
    );
    assert!(
        csv.lines()
            .all(|l| l.contains(",Active,") || l.starts_with('\u{feff}'))
    );
    let stderr = text(&exported.stderr);
    assert!(
        stderr.starts_with("exported ") && stderr.contains(" members to active.csv"),
        "{stderr}"
    );

    // The export imports back without changing anything.
    let round_trip = run(
        dir.path(),
        &["import", "members", "--society", "gsco", "active.csv"],
    );
    assert!(round_trip.status.success(), "{}", text(&round_trip.stderr));
    assert!(
        text(&round_trip.stdout).contains(" 0 new, 0 updated, "),
        "{}",
        text(&round_trip.stdout)
    );

    let unknown = run(dir.path(), &["export", "members", "--society", "nope"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no society has the slug \"nope\""));
}
