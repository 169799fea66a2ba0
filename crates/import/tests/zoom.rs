//! Zoom reports in their real layouts (files under `tests/data/`), and a fuzz-style run over
//! random and mangled bytes.

use chapterhouse_import::zoom::{Attendee, Layout, ProblemKind, ZoomReport, read_report};
use chapterhouse_import::{Encoding, attended};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn boston() -> TimeZone {
    TimeZone::get("America/New_York").unwrap()
}

fn read(name: &str) -> ZoomReport {
    read_report(data(name).as_slice(), &boston())
}

fn by_email<'a>(report: &'a ZoomReport, email: &str) -> &'a Attendee {
    report
        .attendees
        .iter()
        .find(|a| a.email.as_deref() == Some(email))
        .unwrap_or_else(|| panic!("{email} not among {:#?}", report.attendees))
}

fn by_name<'a>(report: &'a ZoomReport, name: &str) -> &'a Attendee {
    report
        .attendees
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{name} not among {:#?}", report.attendees))
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn meeting_participants_export_merges_rejoins_and_reports_bad_rows_by_line() {
    let r = read("participants_meeting.csv");
    assert_eq!(r.layout, Layout::Participants);
    assert_eq!(r.encoding, Encoding::Utf8);
    assert!(!r.windows_1252);
    assert_eq!(r.rows_read, 29, "every table row, blank lines aside");
    assert_eq!(r.attendees.len(), 22);

    // Dropped and rejoined: 32:55 + 28:31 = 61:26.
    let amara = by_email(&r, "aokafor@bostonmed.org");
    assert_eq!((amara.minutes, amara.rows), (61, 2));
    assert_eq!(
        amara.first_join,
        at("2026-11-18T22:58:10Z"),
        "6:58 pm Boston"
    );
    assert_eq!(amara.last_leave, at("2026-11-19T00:02:11Z"));

    // A phone joined while the laptop stayed on (email in other case): counted once.
    let wei = by_email(&r, "wchen@mgh-onc.org");
    assert_eq!(
        (wei.name.as_str(), wei.minutes, wei.rows),
        ("Wei Chen", 61, 2)
    );

    // Overlapping rejoin: 6:08 to 7:01.
    assert_eq!(by_email(&r, "gkim@mgh-onc.org").minutes, 53);

    // The same person without an email on the second row joins the emailed one.
    let marcus = by_email(&r, "marcus.bell@baystate.org");
    assert_eq!((marcus.minutes, marcus.rows), (55, 2));

    // Quoted comma in a name, email lowercased, no email at all, a dial-in number.
    assert_eq!(by_name(&r, "Nguyen, Thi Minh").minutes, 58);
    assert_eq!(by_email(&r, "j.smith@mercy.org").name, "John Smith");
    let rosa = by_name(&r, "Rosa Delgado");
    assert_eq!((rosa.email.as_deref(), rosa.minutes), (None, 50));
    assert_eq!(by_name(&r, "+1 617 555 0142").minutes, 40);

    // Whole minutes rounded down; a missing leave time falls back to the duration.
    assert_eq!(by_email(&r, "mlin@beverlyhospital.org").minutes, 1);
    assert_eq!(by_email(&r, "icosta@steward.org").minutes, 40);

    let problems: Vec<(u64, &ProblemKind)> = r.problems.iter().map(|p| (p.line, &p.kind)).collect();
    assert_eq!(
        problems,
        vec![
            (
                29,
                &ProblemKind::BadTime {
                    column: "leave time".into(),
                    value: "11/18/2026 25:61:00 PM".into()
                }
            ),
            (30, &ProblemKind::LeaveBeforeJoin),
            (34, &ProblemKind::MissingJoinTime),
        ]
    );
    assert_eq!(
        r.problems[0].to_string(),
        "Line 29: The leave time “11/18/2026 25:61:00 PM” is not a date and time (such as 11/18/2026 06:02:13 PM)."
    );
    assert!(
        r.attendees
            .iter()
            .all(|a| a.email.as_deref() != Some("sadeyemi@bmc.org"))
    );

    // Ordered by first join: the host opened the meeting.
    assert_eq!(r.attendees[0].email.as_deref(), Some("education@neos.org"));
    assert_eq!(r.attendees[0].minutes, 73);

    // With a 45-minute minimum, the short stays are out.
    let short: Vec<&str> = r
        .attendees
        .iter()
        .filter(|a| !attended(a.minutes, 45))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        short,
        vec![
            "David Levin",
            "+1 617 555 0142",
            "Mei Lin",
            "Isabel Costa",
            "Priya Raman"
        ]
    );
}

#[test]
fn excel_unicode_text_is_utf16_and_tab_delimited() {
    let r = read("participants_excel_unicode.txt");
    assert_eq!(r.encoding, Encoding::Utf16Le);
    assert_eq!(r.layout, Layout::Participants);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.rows_read, 22);
    assert_eq!(r.attendees.len(), 20);
    assert_eq!(
        by_email(&r, "lnowak@umassmemorial.org").name,
        "Łukasz Nowak"
    );
    assert_eq!(
        by_email(&r, "chenwei@fudan-cancer.cn").name,
        "陈伟 (Wei Chen)"
    );
    let zoe = by_email(&r, "zmartin@neos.org");
    assert_eq!(
        (zoe.name.as_str(), zoe.minutes, zoe.rows),
        ("Zoë Martin", 58, 2)
    );
    assert_eq!(by_email(&r, "ecarter@mainehealth.org").minutes, 49);
    assert_eq!(by_name(&r, "Sophie Laurent").email, None);
    // Excel's re-save keeps only hours and minutes.
    assert_eq!(
        by_email(&r, "lnowak@umassmemorial.org").first_join,
        at("2026-11-18T23:00:00Z")
    );
}

#[test]
fn windows_1252_names_are_read() {
    let r = read("participants_1252.csv");
    assert!(r.windows_1252);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.attendees.len(), 18);
    let jose = by_email(&r, "jalvarez@bmc.org");
    assert_eq!((jose.name.as_str(), jose.minutes), ("José Álvarez", 60));
    let jurgen = by_email(&r, "jmueller@dfci.harvard.edu");
    assert_eq!(
        (jurgen.name.as_str(), jurgen.minutes),
        ("Jürgen Müller", 55)
    );
    assert_eq!(by_email(&r, "sobrien@mercy.org").name, "O’Brien, Siobhán");
    assert_eq!(by_email(&r, "sangstrom@lahey.org").name, "Søren Ångström");
    assert_eq!(by_name(&r, "Renée Dupont").minutes, 50);
}

#[test]
fn webinar_attendee_report_skips_summary_hosts_panelists_and_no_shows() {
    let r = read("webinar_attendee_report.csv");
    assert_eq!(r.layout, Layout::AttendeeReport);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.host_rows_skipped, 3);
    assert_eq!(r.not_attended_rows, 3);
    assert_eq!(r.rows_read, 30);
    assert_eq!(r.attendees.len(), 23);
    assert!(
        r.attendees
            .iter()
            .all(|a| a.email.as_deref() != Some("education@neos.org")
                && a.email.as_deref() != Some("sreyes@mgh-onc.org")
                && a.email.as_deref() != Some("cdunn@mainehealth.org")),
        "host, panelist-only and no-show are not attendees"
    );
    // A panelist who also joined as an attendee is counted for the attendee row only.
    assert_eq!(by_email(&r, "hpark@dfci.harvard.edu").minutes, 10);
    assert_eq!(by_email(&r, "ralvarez@lahey.org").minutes, 59);
    let ibrahim = by_email(&r, "ikhalil@cooley-dickinson.org");
    assert_eq!((ibrahim.minutes, ibrahim.rows), (50, 3));
    // The second row's email is in capitals and lies inside the first.
    let aisha = by_email(&r, "abello@bmc.org");
    assert_eq!((aisha.minutes, aisha.rows), (59, 2));
    assert_eq!(
        by_email(&r, "knakamura@tuftsmedicine.org").name,
        "Dr. K. Nakamura (Kenji Nakamura)"
    );
    assert_eq!(by_name(&r, "Dev Mehta").email, None);
    assert_eq!(by_email(&r, "tsingh@mgh-onc.org").minutes, 40);
    assert_eq!(
        by_email(&r, "mchu@bostonmed.org").first_join,
        at("2026-11-18T22:59:02Z")
    );
}

#[test]
fn the_account_zone_decides_the_instant() {
    let r = read_report(
        data("participants_meeting.csv").as_slice(),
        &TimeZone::get("America/Los_Angeles").unwrap(),
    );
    assert_eq!(
        by_email(&r, "aokafor@bostonmed.org").first_join,
        at("2026-11-19T01:58:10Z")
    );
}

#[test]
fn a_file_without_a_participant_table_says_so() {
    let r = read_report(&b"Meeting ID,Topic\r\n1,x\r\n"[..], &boston());
    assert_eq!(r.layout, Layout::Unknown);
    assert!(r.attendees.is_empty());
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].kind, ProblemKind::NoTable);
    assert!(read_report(&b""[..], &boston()).problems[0].kind == ProblemKind::NoTable);
}

#[test]
fn rows_without_name_or_email_are_problems() {
    let file = "Name (Original Name),User Email,Join Time,Leave Time\n\
                ,,11/18/2026 06:00:00 PM,11/18/2026 07:00:00 PM\n\
                Ann,,bad,11/18/2026 07:00:00 PM\n";
    let r = read_report(file.as_bytes(), &boston());
    let kinds: Vec<_> = r
        .problems
        .iter()
        .map(|p| (p.line, p.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (2, ProblemKind::NoNameOrEmail),
            (
                3,
                ProblemKind::BadTime {
                    column: "join time".into(),
                    value: "bad".into()
                }
            )
        ]
    );
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check_invariants(r: &ZoomReport) {
    for a in &r.attendees {
        assert!(a.minutes >= 0);
        assert!(a.first_join <= a.last_leave);
        let span = a.last_leave.as_second() - a.first_join.as_second();
        assert!(a.minutes * 60 <= span, "{a:?}");
        assert!(a.rows >= 1);
        if let Some(e) = &a.email {
            assert_eq!(e, &e.to_lowercase());
        }
    }
}

#[test]
fn never_panics_on_random_or_mangled_input() {
    let zone = boston();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seeds: Vec<Vec<u8>> = [
        "participants_meeting.csv",
        "participants_excel_unicode.txt",
        "participants_1252.csv",
        "webinar_attendee_report.csv",
    ]
    .iter()
    .map(|n| data(n))
    .collect();
    let nasty: &[&[u8]] = &[
        b"\"",
        b",",
        b"\t",
        b"\r",
        b"\n",
        b"\0",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xef\xbb\xbf",
        b"--",
        b"99999999999",
        b"12/31/9999 11:59:59 PM",
        b"01/01/0001 12:00:00 AM",
        b"Join Time",
        b"Attendee Details",
        b"\xd8\x00",
        b"\xed\xa0\x80",
    ];
    for round in 0..3000 {
        let bytes: Vec<u8> = match round % 3 {
            // Pure noise, biased towards the characters a CSV reader cares about.
            0 => (0..rng.below(600))
                .map(|_| match rng.below(4) {
                    0 => b",\"\r\n\t"[rng.below(5)],
                    _ => rng.next() as u8,
                })
                .collect(),
            // A real file with bytes flipped, pieces inserted and an arbitrary cut.
            _ => {
                let mut b = seeds[rng.below(seeds.len())].clone();
                for _ in 0..rng.below(12) {
                    let at = rng.below(b.len());
                    if rng.below(2) == 0 {
                        b[at] = rng.next() as u8;
                    } else {
                        let piece = nasty[rng.below(nasty.len())];
                        b.splice(at..at, piece.iter().copied());
                    }
                }
                let cut = rng.below(b.len() + 1);
                b.truncate(cut.max(b.len() / 2));
                b
            }
        };
        let report = read_report(bytes.as_slice(), &zone);
        check_invariants(&report);
    }
    // One enormous field and a very wide row.
    let mut big = b"Name,User Email,Join Time,Leave Time\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 2_000_000));
    big.extend_from_slice(b",a@b.c,11/18/2026 06:00:00 PM,12/31/9999 11:59:59 PM\n");
    big.extend(std::iter::repeat_n(b',', 100_000));
    check_invariants(&read_report(big.as_slice(), &zone));
}
