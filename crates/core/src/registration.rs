//! Registration as rules: whether a person may register with a type now (each refusal with its
//! reason, in words), what they pay, how many seats they take, the guests and answers they give,
//! and which status a new registration starts in.
//!
//! The seat counters themselves are changed by the store inside the registration transaction;
//! these functions only decide from what was read and typed.

use crate::events::{self, EventTerms, GuestPolicy, QuestionKind, Standing, TypeState, TypeTerms};
use crate::money::Cents;
use crate::text::{looks_like_email, normalize_email};
use crate::time::Timestamp;
use crate::validate::FieldErrors;

/// The most guests anyone may bring, whatever a type says.
pub const MAX_GUESTS: i64 = 20;
const MAX_ANSWER_CHARS: usize = 2000;
const MAX_NAME_CHARS: usize = 200;

/// Where a registration is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegStatus {
    /// Awaiting card payment until its hold expires; its seats are taken.
    Held,
    Confirmed,
    /// No seat: waiting for one to free up.
    Waitlisted,
    /// A freed seat, offered until the offer expires; its seats are taken.
    Offered,
    Cancelled,
    /// A hold or an offer that lapsed.
    Expired,
}

impl RegStatus {
    pub const ALL: [RegStatus; 6] = [
        RegStatus::Confirmed,
        RegStatus::Held,
        RegStatus::Offered,
        RegStatus::Waitlisted,
        RegStatus::Cancelled,
        RegStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegStatus::Held => "held",
            RegStatus::Confirmed => "confirmed",
            RegStatus::Waitlisted => "waitlisted",
            RegStatus::Offered => "offered",
            RegStatus::Cancelled => "cancelled",
            RegStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<RegStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegStatus::Held => "Awaiting payment",
            RegStatus::Confirmed => "Confirmed",
            RegStatus::Waitlisted => "On the waitlist",
            RegStatus::Offered => "Seat offered",
            RegStatus::Cancelled => "Cancelled",
            RegStatus::Expired => "Expired",
        }
    }

    /// The label of a stored status (empty when unknown).
    pub fn label_of(s: &str) -> &'static str {
        Self::parse(s).map(RegStatus::label).unwrap_or("")
    }

    /// Live registrations count against the one-per-person rule.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            RegStatus::Held | RegStatus::Confirmed | RegStatus::Waitlisted | RegStatus::Offered
        )
    }

    /// Statuses that hold seats on the counters.
    pub fn takes_seats(self) -> bool {
        matches!(
            self,
            RegStatus::Held | RegStatus::Confirmed | RegStatus::Offered
        )
    }
}

/// A question as the rules need it.
#[derive(Clone, Debug)]
pub struct Question {
    /// The form field the answer comes in (`q_{id}`).
    pub field: String,
    pub label: String,
    pub kind: QuestionKind,
    /// For choices: the options.
    pub choices: Vec<String>,
    pub required: bool,
}

/// One guest as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guest {
    pub name: String,
    pub email: String,
}

/// What the registrant typed beyond their own details.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub access_code: String,
    /// For a 'count' type.
    pub guest_count: String,
    /// For a 'details' type: every row shown on the form (blank rows are ignored).
    pub guests: Vec<Guest>,
    /// Answers by question field.
    pub answers: Vec<(String, String)>,
}

/// A type's rules beyond those `events::offer` judges.
#[derive(Clone, Copy, Debug)]
pub struct TypeRules<'a> {
    pub terms: TypeTerms<'a>,
    pub access_code: Option<&'a str>,
    pub guests: GuestPolicy,
    pub max_guests: i64,
    /// The zone the event's times are given in (the society's when it was created): refusals
    /// name times in it.
    pub time_zone: &'a str,
}

/// Who is registering and who is entering it.
#[derive(Clone, Copy, Debug)]
pub struct Registrant {
    /// The registrant's own standing (member, level). `is_staff` is set when staff enter the
    /// registration: they may use complimentary types and need no access code.
    pub standing: Standing,
}

/// A registration that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub price: Cents,
    pub member_rate: bool,
    /// Itself plus its guests.
    pub seats: i64,
    pub guests: Vec<Guest>,
    /// (question field, answer) for questions answered (blank answers left out).
    pub answers: Vec<(String, String)>,
    /// No seat is left now: the registration goes on the waitlist (if the counters agree).
    pub full: bool,
}

/// Check a registration against the event, the type and the questions. Every refusal is a
/// message on the field it concerns; refusals about the type itself (closed, members only…)
/// are on `type`, so the form can say so next to the choice.
pub fn check(
    who: Registrant,
    event: EventTerms,
    event_starts: Timestamp,
    ty: &TypeRules<'_>,
    questions: &[Question],
    entry: &Entry,
    now: Timestamp,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(offer) = events::offer(who.standing, event, &ty.terms, now) else {
        errors.add("type", "Choose one of the registration types offered.");
        return Err(errors);
    };
    match offer.state {
        TypeState::Open | TypeState::Full => {}
        TypeState::Closed => {
            let why = match event.status {
                events::EventStatus::Cancelled => "This event was cancelled.",
                events::EventStatus::Draft => "This event is not open for registration.",
                events::EventStatus::Published if now >= event_starts => {
                    "This event has already started, so registration is closed."
                }
                events::EventStatus::Published => "Registration for this type has closed.",
            };
            errors.add("type", why);
        }
        TypeState::NotYetOpen(at) => errors.add(
            "type",
            format!(
                "Registration for this type opens on {}.",
                at.display_in(ty.time_zone)
            ),
        ),
        TypeState::MembersOnly => errors.add(
            "type",
            "This registration type is for members. Sign in if you are one, or join the society first.",
        ),
        TypeState::OtherLevels => errors.add(
            "type",
            "This registration type is for members of other levels. Choose another type.",
        ),
    }
    if let Some(code) = ty.access_code.filter(|c| !c.trim().is_empty())
        && !who.standing.is_staff
    {
        let typed = entry.access_code.trim();
        if typed.is_empty() {
            errors.add("access_code", "Enter the access code you were given.");
        } else if !typed.eq_ignore_ascii_case(code.trim()) {
            errors.add(
                "access_code",
                "That access code is not right. Check it and try again.",
            );
        }
    }
    let guests = check_guests(ty, entry, &mut errors);
    let answers = check_answers(questions, entry, &mut errors);
    errors.into_result()?;
    let seats = 1 + guests.1;
    Ok(Checked {
        price: offer.price,
        member_rate: offer.member_rate,
        seats,
        guests: guests.0,
        answers,
        full: offer.state == TypeState::Full,
    })
}

/// The named guests (for 'details') and how many guests in all.
fn check_guests(ty: &TypeRules<'_>, entry: &Entry, errors: &mut FieldErrors) -> (Vec<Guest>, i64) {
    let max = ty.max_guests.clamp(0, MAX_GUESTS);
    match ty.guests {
        GuestPolicy::None => (vec![], 0),
        GuestPolicy::Count => {
            let text = entry.guest_count.trim();
            if text.is_empty() {
                return (vec![], 0);
            }
            match text.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => (vec![], n),
                _ => {
                    errors.add(
                        "guest_count",
                        format!("Enter a number of guests from 0 to {max}."),
                    );
                    (vec![], 0)
                }
            }
        }
        GuestPolicy::Details => {
            let mut out = Vec::new();
            for (i, g) in entry.guests.iter().enumerate() {
                let n = i + 1;
                let name = g.name.trim();
                let email = normalize_email(&g.email);
                if name.is_empty() && email.is_empty() {
                    continue;
                }
                if name.is_empty() {
                    errors.add(&format!("guest_name_{n}"), "Enter this guest's name.");
                } else if name.chars().count() > MAX_NAME_CHARS {
                    errors.add(
                        &format!("guest_name_{n}"),
                        "Keep the name under 200 characters.",
                    );
                }
                if !looks_like_email(&email) {
                    errors.add(
                        &format!("guest_email_{n}"),
                        "Enter this guest's email address, like name@example.org.",
                    );
                }
                out.push(Guest {
                    name: name.to_string(),
                    email,
                });
            }
            if out.len() as i64 > max {
                errors.add(
                    "guests",
                    format!(
                        "You can bring at most {max} guest{}.",
                        if max == 1 { "" } else { "s" }
                    ),
                );
            }
            let n = out.len() as i64;
            (out, n)
        }
    }
}

fn check_answers(
    questions: &[Question],
    entry: &Entry,
    errors: &mut FieldErrors,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for q in questions {
        let value = entry
            .answers
            .iter()
            .find(|(f, _)| *f == q.field)
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        let value = match q.kind {
            QuestionKind::Checkbox => {
                if value.is_empty() {
                    ""
                } else {
                    "yes"
                }
            }
            _ => value,
        };
        if value.is_empty() {
            if q.required {
                let message = match q.kind {
                    QuestionKind::Checkbox => format!("Tick \"{}\" to continue.", q.label),
                    QuestionKind::Choice => format!("Choose an answer to \"{}\".", q.label),
                    QuestionKind::Text => format!("Answer \"{}\".", q.label),
                };
                errors.add(&q.field, message);
            }
            continue;
        }
        if q.kind == QuestionKind::Choice && !q.choices.iter().any(|c| c == value) {
            errors.add(&q.field, "Choose one of the answers listed.");
            continue;
        }
        if value.chars().count() > MAX_ANSWER_CHARS {
            errors.add(&q.field, "Keep the answer under 2,000 characters.");
            continue;
        }
        out.push((q.field.clone(), value.to_string()));
    }
    out
}

/// The status a new registration starts in: with seats, confirmed when free and held for
/// payment otherwise; without, on the waitlist.
pub fn initial_status(price: Cents, got_seats: bool) -> RegStatus {
    match (got_seats, price.0 > 0) {
        (false, _) => RegStatus::Waitlisted,
        (true, false) => RegStatus::Confirmed,
        (true, true) => RegStatus::Held,
    }
}

/// The status an accepted offer moves to: confirmed when free, held for payment otherwise.
pub fn accepted_status(price: Cents) -> RegStatus {
    if price.0 > 0 {
        RegStatus::Held
    } else {
        RegStatus::Confirmed
    }
}

/// What a waitlist offer's link finds, and the page's words for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferState {
    /// Still open: show the accept button.
    Open,
    /// Accepted already (confirmed or held for payment).
    Used,
    /// Lapsed before it was accepted.
    Lapsed,
    /// The registration was cancelled, or never offered.
    Gone,
}

pub fn offer_state(
    status: RegStatus,
    offer_expires_at: Option<Timestamp>,
    now: Timestamp,
) -> OfferState {
    match status {
        RegStatus::Offered if offer_expires_at.is_some_and(|t| now < t) => OfferState::Open,
        RegStatus::Offered | RegStatus::Expired => OfferState::Lapsed,
        RegStatus::Confirmed | RegStatus::Held => OfferState::Used,
        RegStatus::Waitlisted | RegStatus::Cancelled => OfferState::Gone,
    }
}

impl OfferState {
    pub fn words(self) -> &'static str {
        match self {
            OfferState::Open => "A seat has come free for you. Accept it before the offer ends.",
            OfferState::Used => {
                "You have already accepted this offer. Your registration page below shows where it stands."
            }
            OfferState::Lapsed => {
                "This offer has ended: it was not accepted in time, so the seat went to the next person on the waitlist. You can register again from the event page; if the event is still full you will join the end of the waitlist."
            }
            OfferState::Gone => {
                "This offer is no longer open. Register again from the event page, or contact the society's office."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LevelId;
    use crate::events::{Audience, EventStatus};

    fn ts(s: &str) -> Timestamp {
        Timestamp::from_jiff(s.parse().unwrap())
    }

    fn now() -> Timestamp {
        ts("2026-11-21T15:00:00Z")
    }

    fn event() -> EventTerms {
        EventTerms {
            status: EventStatus::Published,
            closes_at: ts("2026-12-05T13:00:00Z"),
            seats_left: Some(10),
        }
    }

    fn terms(levels: &[LevelId]) -> TypeTerms<'_> {
        TypeTerms {
            price: Cents(35_000),
            member_price: Some(Cents(25_000)),
            audience: Audience::Anyone,
            levels,
            opens_at: None,
            closes_at: None,
            has_code: false,
            cap: Some(5),
            taken: 0,
            complimentary: false,
        }
    }

    fn rules(levels: &[LevelId]) -> TypeRules<'_> {
        TypeRules {
            terms: terms(levels),
            access_code: None,
            guests: GuestPolicy::None,
            max_guests: 0,
            time_zone: "America/Chicago",
        }
    }

    fn member() -> Registrant {
        Registrant {
            standing: Standing {
                is_staff: false,
                is_member: true,
                level: None,
            },
        }
    }

    fn anyone() -> Registrant {
        Registrant {
            standing: Standing::default(),
        }
    }

    fn run(
        who: Registrant,
        ev: EventTerms,
        ty: &TypeRules<'_>,
        qs: &[Question],
        entry: &Entry,
    ) -> Result<Checked, FieldErrors> {
        check(who, ev, ts("2026-12-05T13:00:00Z"), ty, qs, entry, now())
    }

    #[test]
    fn members_pay_the_member_price_and_others_the_price() {
        let ty = rules(&[]);
        let e = Entry::default();
        let m = run(member(), event(), &ty, &[], &e).unwrap();
        assert_eq!((m.price, m.member_rate, m.seats), (Cents(25_000), true, 1));
        let n = run(anyone(), event(), &ty, &[], &e).unwrap();
        assert_eq!((n.price, n.member_rate), (Cents(35_000), false));
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let levels = [LevelId::new()];
        let e = Entry::default();
        let refused = |who, ev, ty: &TypeRules<'_>| run(who, ev, ty, &[], &e).unwrap_err();

        let draft = EventTerms {
            status: EventStatus::Draft,
            ..event()
        };
        assert!(
            refused(anyone(), draft, &rules(&[]))
                .get("type")
                .unwrap()
                .contains("not open")
        );
        let cancelled = EventTerms {
            status: EventStatus::Cancelled,
            ..event()
        };
        assert_eq!(
            refused(anyone(), cancelled, &rules(&[])).get("type"),
            Some("This event was cancelled.")
        );
        let past = EventTerms {
            closes_at: ts("2026-11-01T13:00:00Z"),
            ..event()
        };
        let past_err = check(
            anyone(),
            past,
            ts("2026-11-01T13:00:00Z"),
            &rules(&[]),
            &[],
            &e,
            now(),
        )
        .unwrap_err();
        assert!(past_err.get("type").unwrap().contains("already started"));

        // The opening time is given in the event's zone, not UTC: 14:00 UTC is 08:00 in
        // Chicago, and 09:00 in New York.
        let mut window = rules(&[]);
        window.terms.opens_at = Some(ts("2026-11-25T14:00:00Z"));
        assert_eq!(
            refused(anyone(), event(), &window).get("type"),
            Some("Registration for this type opens on 25 Nov 2026, 08:00 CST.")
        );
        window.time_zone = "America/New_York";
        assert_eq!(
            refused(anyone(), event(), &window).get("type"),
            Some("Registration for this type opens on 25 Nov 2026, 09:00 EST.")
        );
        let mut shut = rules(&[]);
        shut.terms.closes_at = Some(ts("2026-11-20T14:00:00Z"));
        assert_eq!(
            refused(anyone(), event(), &shut).get("type"),
            Some("Registration for this type has closed.")
        );

        let mut members = rules(&[]);
        members.terms.audience = Audience::Members;
        assert!(
            refused(anyone(), event(), &members)
                .get("type")
                .unwrap()
                .contains("for members")
        );
        assert!(run(member(), event(), &members, &[], &e).is_ok());

        let mut lv = rules(&levels);
        lv.terms.audience = Audience::Levels;
        assert!(
            refused(member(), event(), &lv)
                .get("type")
                .unwrap()
                .contains("other levels")
        );
        let at_level = Registrant {
            standing: Standing {
                level: Some(levels[0]),
                ..member().standing
            },
        };
        assert!(run(at_level, event(), &lv, &[], &e).is_ok());

        let mut comp = rules(&[]);
        comp.terms.complimentary = true;
        assert_eq!(
            refused(member(), event(), &comp).get("type"),
            Some("Choose one of the registration types offered.")
        );
        let staff_entry = Registrant {
            standing: Standing {
                is_staff: true,
                ..Standing::default()
            },
        };
        let faculty = run(staff_entry, event(), &comp, &[], &e).unwrap();
        assert_eq!(faculty.price, Cents::ZERO);
    }

    #[test]
    fn the_access_code_ignores_case_and_staff_need_none() {
        let mut ty = rules(&[]);
        ty.terms.has_code = true;
        ty.access_code = Some("Faculty2027");
        let missing = run(anyone(), event(), &ty, &[], &Entry::default()).unwrap_err();
        assert_eq!(
            missing.get("access_code"),
            Some("Enter the access code you were given.")
        );
        let wrong = Entry {
            access_code: "faculty2026".into(),
            ..Default::default()
        };
        assert!(
            run(anyone(), event(), &ty, &[], &wrong)
                .unwrap_err()
                .get("access_code")
                .unwrap()
                .contains("not right")
        );
        let right = Entry {
            access_code: " FACULTY2027 ".into(),
            ..Default::default()
        };
        assert!(run(anyone(), event(), &ty, &[], &right).is_ok());
        let staff = Registrant {
            standing: Standing {
                is_staff: true,
                ..Standing::default()
            },
        };
        assert!(run(staff, event(), &ty, &[], &Entry::default()).is_ok());
    }

    #[test]
    fn guests_by_count_and_by_details() {
        let mut ty = rules(&[]);
        ty.guests = GuestPolicy::Count;
        ty.max_guests = 2;
        let two = Entry {
            guest_count: "2".into(),
            ..Default::default()
        };
        assert_eq!(run(anyone(), event(), &ty, &[], &two).unwrap().seats, 3);
        let three = Entry {
            guest_count: "3".into(),
            ..Default::default()
        };
        assert_eq!(
            run(anyone(), event(), &ty, &[], &three)
                .unwrap_err()
                .get("guest_count"),
            Some("Enter a number of guests from 0 to 2.")
        );

        ty.guests = GuestPolicy::Details;
        ty.max_guests = 1;
        let named = Entry {
            guests: vec![
                Guest {
                    name: "Sam Spouse".into(),
                    email: "Sam@Example.org".into(),
                },
                Guest::default(),
            ],
            ..Default::default()
        };
        let ok = run(anyone(), event(), &ty, &[], &named).unwrap();
        assert_eq!(ok.seats, 2);
        assert_eq!(ok.guests[0].email, "sam@example.org");
        let bad = Entry {
            guests: vec![
                Guest {
                    name: String::new(),
                    email: "x@example.org".into(),
                },
                Guest {
                    name: "B".into(),
                    email: "nope".into(),
                },
            ],
            ..Default::default()
        };
        let errors = run(anyone(), event(), &ty, &[], &bad).unwrap_err();
        for field in ["guest_name_1", "guest_email_2", "guests"] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        // A type without guests ignores whatever was posted.
        ty.guests = GuestPolicy::None;
        assert_eq!(run(anyone(), event(), &ty, &[], &named).unwrap().seats, 1);
    }

    #[test]
    fn required_questions_and_choices() {
        let qs = vec![
            Question {
                field: "q_1".into(),
                label: "Dietary needs".into(),
                kind: QuestionKind::Choice,
                choices: vec!["None".into(), "Vegetarian".into()],
                required: true,
            },
            Question {
                field: "q_2".into(),
                label: "I agree to the code of conduct".into(),
                kind: QuestionKind::Checkbox,
                choices: vec![],
                required: true,
            },
            Question {
                field: "q_3".into(),
                label: "Anything else?".into(),
                kind: QuestionKind::Text,
                choices: vec![],
                required: false,
            },
        ];
        let errors = run(anyone(), event(), &rules(&[]), &qs, &Entry::default()).unwrap_err();
        assert_eq!(
            errors.get("q_1"),
            Some("Choose an answer to \"Dietary needs\".")
        );
        assert!(errors.get("q_2").unwrap().starts_with("Tick"));
        assert!(errors.get("q_3").is_none());
        let odd = Entry {
            answers: vec![
                ("q_1".into(), "Pescatarian".into()),
                ("q_2".into(), "on".into()),
            ],
            ..Default::default()
        };
        assert_eq!(
            run(anyone(), event(), &rules(&[]), &qs, &odd)
                .unwrap_err()
                .get("q_1"),
            Some("Choose one of the answers listed.")
        );
        let good = Entry {
            answers: vec![
                ("q_1".into(), "Vegetarian".into()),
                ("q_2".into(), "on".into()),
            ],
            ..Default::default()
        };
        let ok = run(anyone(), event(), &rules(&[]), &qs, &good).unwrap();
        assert_eq!(
            ok.answers,
            vec![
                ("q_1".to_string(), "Vegetarian".to_string()),
                ("q_2".to_string(), "yes".to_string())
            ]
        );
    }

    #[test]
    fn a_full_type_is_not_a_refusal_but_the_waitlist() {
        let mut ty = rules(&[]);
        ty.terms.taken = 5;
        let checked = run(anyone(), event(), &ty, &[], &Entry::default()).unwrap();
        assert!(checked.full);
        assert_eq!(initial_status(checked.price, false), RegStatus::Waitlisted);
        assert_eq!(initial_status(Cents(100), true), RegStatus::Held);
        assert_eq!(initial_status(Cents::ZERO, true), RegStatus::Confirmed);
        assert_eq!(accepted_status(Cents::ZERO), RegStatus::Confirmed);
        assert_eq!(accepted_status(Cents(1)), RegStatus::Held);
    }

    #[test]
    fn offer_links_say_what_happened() {
        let later = Some(ts("2026-11-23T15:00:00Z"));
        assert_eq!(
            offer_state(RegStatus::Offered, later, now()),
            OfferState::Open
        );
        assert_eq!(
            offer_state(RegStatus::Offered, later, ts("2026-11-24T15:00:00Z")),
            OfferState::Lapsed
        );
        assert_eq!(
            offer_state(RegStatus::Expired, later, now()),
            OfferState::Lapsed
        );
        assert_eq!(
            offer_state(RegStatus::Confirmed, later, now()),
            OfferState::Used
        );
        assert_eq!(
            offer_state(RegStatus::Cancelled, later, now()),
            OfferState::Gone
        );
        for s in RegStatus::ALL {
            assert_eq!(RegStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                s.is_live(),
                !matches!(s, RegStatus::Cancelled | RegStatus::Expired)
            );
        }
    }
}
