//! Accredited education: credit types, who may claim which, the claim rules, live credit from
//! minutes and the AMA designation statement. Pure functions; the use-cases gather the facts
//! (attendance, evaluation, existing claims, the society's local date) and ask these.
//!
//! Amounts are [`Credits`], hundredths of a credit (the `*_hundredths` columns of migration 0013).
//! Every credit type is claimed in steps of 0.25: the AMA requires quarter credits for AMA PRA
//! Category 1 Credit™, and we hold the others to the same step so a learner claiming several types
//! for one activity claims the same kind of number for each (ANCC contact hours, ACPE contact
//! hours and ABIM MOC points all accept quarters). [`CreditType::step`] is the one place to change
//! that for a type.

use std::fmt;

use jiff::civil::Date;

use crate::people::Profession;

/// An amount of credit in hundredths (1.25 credits = 125).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Credits(pub i64);

/// What a form says when an amount is not a number of credits.
pub const CREDITS_FORMAT_MESSAGE: &str = "Enter a number of credits such as 1.25.";

impl Credits {
    pub const ZERO: Credits = Credits(0);

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// "6", "6.5", "6.25", "-1", " .75 " (no more than two decimals that are not zero; no
    /// thousands separators). Anything else is `None`.
    pub fn parse(text: &str) -> Option<Credits> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
            || whole.len() > 9
        {
            return None;
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let hundredths: i64 = format!("{fraction:0<2}").parse().ok()?;
        let value = whole * 100 + hundredths;
        Some(Credits(if negative { -value } else { value }))
    }

    /// The shortest form with at least one decimal, as designation statements write it:
    /// "1.0", "6.5", "6.25".
    pub fn short(self) -> String {
        let full = self.to_string();
        match full.strip_suffix('0') {
            Some(trimmed) if !trimmed.ends_with('.') => trimmed.to_string(),
            _ => full,
        }
    }
}

/// Two decimals: "6.25", "1.00", "0.50".
impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::ops::Add for Credits {
    type Output = Credits;
    fn add(self, other: Credits) -> Credits {
        Credits(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Credits {
    fn sum<I: Iterator<Item = Credits>>(iter: I) -> Credits {
        iter.fold(Credits::ZERO, |a, b| a + b)
    }
}

/// The kinds of credit an activity may offer (stored as `credit_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CreditType {
    AmaPra1,
    AbimMoc,
    Nursing,
    Pharmacy,
    Participation,
}

impl CreditType {
    pub const ALL: [CreditType; 5] = [
        CreditType::AmaPra1,
        CreditType::AbimMoc,
        CreditType::Nursing,
        CreditType::Pharmacy,
        CreditType::Participation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CreditType::AmaPra1 => "ama_pra_1",
            CreditType::AbimMoc => "abim_moc",
            CreditType::Nursing => "nursing",
            CreditType::Pharmacy => "pharmacy",
            CreditType::Participation => "participation",
        }
    }

    pub fn parse(text: &str) -> Option<CreditType> {
        CreditType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            CreditType::AmaPra1 => "AMA PRA Category 1 Credit™",
            CreditType::AbimMoc => "ABIM MOC points",
            CreditType::Nursing => "Nursing contact hours",
            CreditType::Pharmacy => "Pharmacy CE (ACPE)",
            CreditType::Participation => "Certificate of participation",
        }
    }

    /// How an amount of this type reads on a certificate or transcript: "6.25 AMA PRA
    /// Category 1 Credits™", "1.00 ABIM MOC point", "6.25 hours of participation".
    pub fn amount_text(self, amount: Credits) -> String {
        let one = amount == Credits(100);
        let unit = match (self, one) {
            (CreditType::AmaPra1, true) => "AMA PRA Category 1 Credit™",
            (CreditType::AmaPra1, false) => "AMA PRA Category 1 Credits™",
            (CreditType::AbimMoc, true) => "ABIM MOC point",
            (CreditType::AbimMoc, false) => "ABIM MOC points",
            (CreditType::Nursing, true) => "nursing contact hour",
            (CreditType::Nursing, false) => "nursing contact hours",
            (CreditType::Pharmacy, true) => "ACPE contact hour",
            (CreditType::Pharmacy, false) => "ACPE contact hours",
            (CreditType::Participation, true) => "hour of participation",
            (CreditType::Participation, false) => "hours of participation",
        };
        format!("{amount} {unit}")
    }

    /// The smallest step a claim of this type moves in (see the module documentation).
    pub fn step(self) -> Credits {
        Credits(25)
    }

    /// The credit a profession claims by default: physicians and fellows AMA PRA Category 1,
    /// nurse practitioners and nurses nursing contact hours, pharmacists pharmacy CE, everyone
    /// else a certificate of participation.
    pub fn for_profession(profession: Profession) -> CreditType {
        match profession {
            Profession::Physician | Profession::Fellow => CreditType::AmaPra1,
            Profession::NursePractitioner | Profession::Nurse => CreditType::Nursing,
            Profession::Pharmacist => CreditType::Pharmacy,
            Profession::PhysicianAssistant | Profession::Administrator | Profession::Other => {
                CreditType::Participation
            }
        }
    }
}

/// PARS activity types (stored as `activity.activity_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityType {
    Live,
    Rss,
    Enduring,
    InternetLive,
    InternetEnduring,
}

impl ActivityType {
    pub const ALL: [ActivityType; 5] = [
        ActivityType::Live,
        ActivityType::Rss,
        ActivityType::Enduring,
        ActivityType::InternetLive,
        ActivityType::InternetEnduring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityType::Live => "live",
            ActivityType::Rss => "rss",
            ActivityType::Enduring => "enduring",
            ActivityType::InternetLive => "internet_live",
            ActivityType::InternetEnduring => "internet_enduring",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityType> {
        ActivityType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The name PARS uses for the type.
    pub fn pars_label(self) -> &'static str {
        match self {
            ActivityType::Live => "Course",
            ActivityType::Rss => "Regularly Scheduled Series",
            ActivityType::Enduring => "Enduring Material",
            ActivityType::InternetLive => "Internet Live Course",
            ActivityType::InternetEnduring => "Internet Enduring Material",
        }
    }

    /// The learning format named in the designation statement.
    pub fn learning_format(self) -> &'static str {
        match self {
            ActivityType::Live | ActivityType::Rss | ActivityType::InternetLive => "live activity",
            ActivityType::Enduring | ActivityType::InternetEnduring => "enduring material",
        }
    }
}

/// The AMA designation statement in its required form. `provider` is the accredited provider
/// that designates the activity (for a joint-provided activity, the accredited partner).
pub fn designation_statement(
    provider: &str,
    activity_type: ActivityType,
    maximum: Credits,
) -> String {
    let credit = if maximum == Credits(100) {
        "Credit™"
    } else {
        "Credits™"
    };
    format!(
        "{} designates this {} for a maximum of {} AMA PRA Category 1 {credit}. Physicians \
         should claim only the credit commensurate with the extent of their participation in \
         the activity.",
        provider.trim(),
        activity_type.learning_format(),
        maximum.short(),
    )
}

/// The ACCME accreditation statement, for staff to start from: directly provided, or through
/// joint providership with a society that is not accredited.
pub fn accreditation_statement(accredited_provider: &str, joint_with: Option<&str>) -> String {
    let accredited = accredited_provider.trim();
    match joint_with.map(str::trim).filter(|s| !s.is_empty()) {
        None => format!(
            "{accredited} is accredited by the Accreditation Council for Continuing Medical \
             Education (ACCME) to provide continuing medical education for physicians."
        ),
        Some(partner) => format!(
            "This activity has been planned and implemented in accordance with the \
             accreditation requirements and policies of the Accreditation Council for Continuing \
             Medical Education (ACCME) through the joint providership of {accredited} and \
             {partner}. {accredited} is accredited by the ACCME to provide continuing medical \
             education for physicians."
        ),
    }
}

/// Credit for minutes present at a live activity: 60 minutes make one credit, rounded down to
/// the quarter (15 minutes).
pub fn credits_for_minutes(minutes: i64) -> Credits {
    Credits(minutes.max(0) / 15 * 25)
}

/// What a learner is offered to claim for minutes present: the minutes' credit, never above
/// the designated maximum.
pub fn suggested_claim(minutes: i64, maximum: Credits) -> Credits {
    credits_for_minutes(minutes).min(maximum)
}

/// What the rules need to know about the learner.
#[derive(Clone, Copy, Debug)]
pub struct Learner<'a> {
    pub profession: Profession,
    pub abim_id: &'a str,
    pub nabp_eprofile_id: &'a str,
    pub birth_month: Option<i8>,
    pub birth_day: Option<i8>,
}

/// Whether a claim is for the whole activity or one of its sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Activity,
    Session,
}

impl Scope {
    fn noun(self) -> &'static str {
        match self {
            Scope::Activity => "activity",
            Scope::Session => "session",
        }
    }
}

/// Why a claim is refused. Each reads as a sentence for the learner ([`fmt::Display`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimError {
    DeadlinePassed {
        deadline: Date,
    },
    NotOffered {
        credit_type: CreditType,
        scope: Scope,
    },
    NotForProfession {
        credit_type: CreditType,
        /// What the learner can claim instead, when the activity offers it.
        instead: Option<CreditType>,
    },
    NeedsAbimId,
    NeedsPharmacyDetails,
    NotAttended,
    EvaluationPending,
    NotPositive,
    OffStep {
        step: Credits,
    },
    AboveMaximum {
        maximum: Credits,
        scope: Scope,
    },
    /// The learner's claims of this type across the activity (its sessions, or the whole
    /// activity and its sessions) would pass the activity's maximum.
    AboveActivityTotal {
        maximum: Credits,
        remaining: Credits,
    },
}

impl ClaimError {
    /// The form field the message belongs next to ("" for the form as a whole).
    pub fn field(&self) -> &'static str {
        match self {
            ClaimError::NotPositive
            | ClaimError::OffStep { .. }
            | ClaimError::AboveMaximum { .. }
            | ClaimError::AboveActivityTotal { .. } => "amount",
            ClaimError::NotOffered { .. } | ClaimError::NotForProfession { .. } => "credit_type",
            _ => "",
        }
    }
}

/// "a certificate of participation", "AMA PRA Category 1 Credit™"…: a type as an object.
fn claim_noun(credit_type: CreditType) -> &'static str {
    match credit_type {
        CreditType::AmaPra1 => "AMA PRA Category 1 Credit™",
        CreditType::AbimMoc => "ABIM MOC points",
        CreditType::Nursing => "nursing contact hours",
        CreditType::Pharmacy => "pharmacy CE (ACPE)",
        CreditType::Participation => "a certificate of participation",
    }
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::DeadlinePassed { deadline } => write!(
                f,
                "The deadline to claim credit for this activity was {}.",
                deadline.strftime("%B %-d, %Y")
            ),
            ClaimError::NotOffered { credit_type, scope } => write!(
                f,
                "This {} does not offer {}.",
                scope.noun(),
                claim_noun(*credit_type)
            ),
            ClaimError::NotForProfession {
                credit_type,
                instead,
            } => {
                f.write_str(match credit_type {
                    CreditType::AmaPra1 => "AMA PRA Category 1 Credit™ is for physicians.",
                    CreditType::AbimMoc => "ABIM MOC points are for physicians.",
                    CreditType::Nursing => {
                        "Nursing contact hours are for nurses and nurse practitioners."
                    }
                    CreditType::Pharmacy => "Pharmacy CE (ACPE) is for pharmacists.",
                    CreditType::Participation => {
                        "A certificate of participation is for learners who cannot claim \
                         professional credit for this activity."
                    }
                })?;
                if let Some(instead) = instead {
                    write!(f, " You can claim {} instead.", claim_noun(*instead))?;
                }
                Ok(())
            }
            ClaimError::NeedsAbimId => {
                f.write_str("Add your ABIM ID to your profile to claim ABIM MOC points.")
            }
            ClaimError::NeedsPharmacyDetails => f.write_str(
                "Add your NABP e-Profile ID and your birth month and day to your profile to \
                 claim pharmacy credit.",
            ),
            ClaimError::NotAttended => f.write_str(
                "Your attendance has not been recorded, so you cannot claim credit yet.",
            ),
            ClaimError::EvaluationPending => f.write_str("Complete the evaluation first."),
            ClaimError::NotPositive => f.write_str("Enter an amount greater than zero."),
            ClaimError::OffStep { step } => {
                write!(f, "Credits are claimed in steps of {step}.")
            }
            ClaimError::AboveMaximum { maximum, scope } => write!(
                f,
                "You can claim at most {maximum} credits for this {}.",
                scope.noun()
            ),
            ClaimError::AboveActivityTotal { maximum, remaining } => {
                if remaining.0 <= 0 {
                    write!(
                        f,
                        "You have already claimed the {maximum} credits designated for this \
                         activity."
                    )
                } else {
                    write!(
                        f,
                        "This activity is designated for at most {maximum} credits in all; with \
                         your other claims you can claim at most {remaining} more."
                    )
                }
            }
        }
    }
}

impl std::error::Error for ClaimError {}

/// Whether `learner` may claim `credit_type` where the activity offers `offered` (the types it
/// offers anywhere, activity or sessions):
/// - AMA PRA Category 1: physicians and fellows;
/// - ABIM MOC: physicians and fellows with an ABIM id;
/// - nursing contact hours: nurse practitioners and nurses;
/// - pharmacy CE: pharmacists with an NABP e-Profile id and birth month and day;
/// - a certificate of participation: everyone else, and anyone whose own credit the activity
///   does not offer (a nurse at an activity with no nursing credit).
pub fn eligibility(
    learner: &Learner<'_>,
    credit_type: CreditType,
    offered: &[CreditType],
) -> Result<(), ClaimError> {
    let own = CreditType::for_profession(learner.profession);
    let own_offered = offered.contains(&own);
    let instead = |wanted: CreditType| {
        if own != wanted && own_offered {
            Some(own)
        } else if !own_offered && offered.contains(&CreditType::Participation) {
            Some(CreditType::Participation)
        } else {
            None
        }
    };
    let refuse = |wanted: CreditType| ClaimError::NotForProfession {
        credit_type: wanted,
        instead: instead(wanted),
    };
    match credit_type {
        CreditType::AmaPra1 | CreditType::Nursing | CreditType::Pharmacy if own != credit_type => {
            Err(refuse(credit_type))
        }
        CreditType::AbimMoc if own != CreditType::AmaPra1 => Err(refuse(credit_type)),
        CreditType::AbimMoc if learner.abim_id.trim().is_empty() => Err(ClaimError::NeedsAbimId),
        CreditType::Pharmacy
            if learner.nabp_eprofile_id.trim().is_empty()
                || learner.birth_month.is_none()
                || learner.birth_day.is_none() =>
        {
            Err(ClaimError::NeedsPharmacyDetails)
        }
        CreditType::Participation if own != CreditType::Participation && own_offered => {
            Err(refuse(credit_type))
        }
        _ => Ok(()),
    }
}

/// The types `learner` may claim among those offered, in [`CreditType::ALL`] order.
pub fn claimable_types(learner: &Learner<'_>, offered: &[CreditType]) -> Vec<CreditType> {
    CreditType::ALL
        .into_iter()
        .filter(|t| offered.contains(t) && eligibility(learner, *t, offered).is_ok())
        .collect()
}

/// Everything a claim is judged on.
#[derive(Clone, Debug)]
pub struct ClaimCheck<'a> {
    pub learner: Learner<'a>,
    pub credit_type: CreditType,
    pub amount: Credits,
    pub scope: Scope,
    /// The types the activity offers anywhere (for who may claim what).
    pub offered: &'a [CreditType],
    /// The designated maximum of this type for this scope; `None` when the scope does not
    /// offer the type.
    pub maximum: Option<Credits>,
    /// For a session claim, the activity-wide maximum of the type, if the activity has one.
    /// (For an activity claim, `maximum` is that.)
    pub activity_maximum: Option<Credits>,
    /// The learner's other claims of this type in the same activity (other sessions, or the
    /// whole-activity claim), not counting the claim being replaced.
    pub other_claims: Credits,
    pub attended: bool,
    pub evaluation_required: bool,
    pub evaluation_submitted: bool,
    pub claim_deadline: Option<Date>,
    /// The society's local date.
    pub today: Date,
}

/// Judge a claim. Checked in the order a learner can act on: the deadline, what they may claim
/// at all, attendance, the evaluation (always needed for ABIM MOC points, which are earned
/// with an evaluation), then the amount: above zero, on the step, within this scope's maximum,
/// and within the activity's maximum together with their other claims.
pub fn check_claim(c: &ClaimCheck<'_>) -> Result<(), ClaimError> {
    if let Some(deadline) = c.claim_deadline
        && c.today > deadline
    {
        return Err(ClaimError::DeadlinePassed { deadline });
    }
    let Some(maximum) = c.maximum else {
        return Err(ClaimError::NotOffered {
            credit_type: c.credit_type,
            scope: c.scope,
        });
    };
    eligibility(&c.learner, c.credit_type, c.offered)?;
    if !c.attended {
        return Err(ClaimError::NotAttended);
    }
    let evaluation_needed = c.evaluation_required || c.credit_type == CreditType::AbimMoc;
    if evaluation_needed && !c.evaluation_submitted {
        return Err(ClaimError::EvaluationPending);
    }
    if c.amount.0 <= 0 {
        return Err(ClaimError::NotPositive);
    }
    let step = c.credit_type.step();
    if c.amount.0 % step.0 != 0 {
        return Err(ClaimError::OffStep { step });
    }
    if c.amount > maximum {
        return Err(ClaimError::AboveMaximum {
            maximum,
            scope: c.scope,
        });
    }
    let activity_maximum = match c.scope {
        Scope::Activity => Some(maximum),
        Scope::Session => c.activity_maximum,
    };
    if let Some(total) = activity_maximum
        && c.amount + c.other_claims > total
    {
        return Err(ClaimError::AboveActivityTotal {
            maximum: total,
            remaining: Credits((total.0 - c.other_claims.0).max(0)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn credits_parse_and_print() {
        for (text, hundredths) in [
            ("6", 600),
            ("6.5", 650),
            ("6.25", 625),
            (" 0.75 ", 75),
            (".5", 50),
            ("1.250", 125),
            ("-1", -100),
            ("0", 0),
        ] {
            assert_eq!(Credits::parse(text), Some(Credits(hundredths)), "{text}");
        }
        for bad in [
            "",
            ".",
            "1.125",
            "1,5",
            "abc",
            "1.2.3",
            "1e3",
            "--1",
            "+1",
            "9999999999",
        ] {
            assert_eq!(Credits::parse(bad), None, "{bad}");
        }
        assert_eq!(Credits(625).to_string(), "6.25");
        assert_eq!(Credits(100).to_string(), "1.00");
        assert_eq!(Credits(50).to_string(), "0.50");
        assert_eq!(Credits(-25).to_string(), "-0.25");
        assert_eq!(Credits(100).short(), "1.0");
        assert_eq!(Credits(650).short(), "6.5");
        assert_eq!(Credits(625).short(), "6.25");
        assert_eq!(Credits(1200).short(), "12.0");
        assert_eq!(
            [Credits(25), Credits(150)].into_iter().sum::<Credits>(),
            Credits(175)
        );
    }

    #[test]
    fn credit_types_round_trip_with_labels() {
        for t in CreditType::ALL {
            assert_eq!(CreditType::parse(t.as_str()), Some(t));
        }
        assert_eq!(CreditType::parse("AMA"), None);
        assert_eq!(CreditType::AmaPra1.label(), "AMA PRA Category 1 Credit™");
        assert_eq!(CreditType::AbimMoc.label(), "ABIM MOC points");
        assert_eq!(CreditType::Nursing.label(), "Nursing contact hours");
        assert_eq!(CreditType::Pharmacy.label(), "Pharmacy CE (ACPE)");
        assert_eq!(
            CreditType::Participation.label(),
            "Certificate of participation"
        );
        assert_eq!(
            CreditType::AmaPra1.amount_text(Credits(625)),
            "6.25 AMA PRA Category 1 Credits™"
        );
        assert_eq!(
            CreditType::AmaPra1.amount_text(Credits(100)),
            "1.00 AMA PRA Category 1 Credit™"
        );
        assert_eq!(
            CreditType::Participation.amount_text(Credits(150)),
            "1.50 hours of participation"
        );
        for t in ActivityType::ALL {
            assert_eq!(ActivityType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn live_credit_is_an_hour_a_credit_rounded_down_to_the_quarter() {
        for (minutes, hundredths) in [
            (0, 0),
            (14, 0),
            (15, 25),
            (29, 25),
            (44, 50),
            (45, 75),
            (59, 75),
            (60, 100),
            (61, 100),
            (89, 125),
            (90, 150),
            (375, 625),
            (-5, 0),
        ] {
            assert_eq!(
                credits_for_minutes(minutes),
                Credits(hundredths),
                "{minutes}"
            );
        }
        assert_eq!(suggested_claim(400, Credits(625)), Credits(625));
        assert_eq!(suggested_claim(50, Credits(625)), Credits(75));
    }

    #[test]
    fn designation_statement_has_the_required_form() {
        assert_eq!(
            designation_statement(
                "The Northeast Oncology Society",
                ActivityType::Live,
                Credits(625)
            ),
            "The Northeast Oncology Society designates this live activity for a maximum of \
             6.25 AMA PRA Category 1 Credits™. Physicians should claim only the credit \
             commensurate with the extent of their participation in the activity."
        );
        let one = designation_statement("Partner CME", ActivityType::Rss, Credits(100));
        assert!(
            one.starts_with(
                "Partner CME designates this live activity for a maximum of 1.0 AMA PRA \
                 Category 1 Credit™. "
            ),
            "{one}"
        );
        assert!(
            designation_statement("X", ActivityType::InternetEnduring, Credits(150)).contains(
                "this enduring material for a maximum of 1.5 AMA PRA Category 1 Credits™."
            )
        );
        let joint = accreditation_statement("Partner CME", Some("The Northeast Oncology Society"));
        assert!(joint.contains(
            "through the joint providership of Partner CME and The Northeast Oncology Society."
        ));
        assert!(
            accreditation_statement("Partner CME", Some(" "))
                .starts_with("Partner CME is accredited")
        );
    }

    fn learner(profession: Profession) -> Learner<'static> {
        Learner {
            profession,
            abim_id: "",
            nabp_eprofile_id: "",
            birth_month: None,
            birth_day: None,
        }
    }

    #[test]
    fn who_may_claim_what() {
        use CreditType::*;
        use Profession as P;
        let all = CreditType::ALL;
        let md = learner(P::Physician);
        let md_abim = Learner {
            abim_id: "123456",
            ..md
        };
        let pharmacist = learner(P::Pharmacist);
        let pharmacist_ready = Learner {
            nabp_eprofile_id: "1234567",
            birth_month: Some(2),
            birth_day: Some(29),
            ..pharmacist
        };
        let cases: Vec<(Learner<'_>, &[CreditType], Vec<CreditType>)> = vec![
            (md, &all, vec![AmaPra1]),
            (md_abim, &all, vec![AmaPra1, AbimMoc]),
            (learner(P::Fellow), &all, vec![AmaPra1]),
            (learner(P::NursePractitioner), &all, vec![Nursing]),
            (learner(P::Nurse), &all, vec![Nursing]),
            (pharmacist, &all, vec![]),
            (pharmacist_ready, &all, vec![Pharmacy]),
            (learner(P::PhysicianAssistant), &all, vec![Participation]),
            (learner(P::Administrator), &all, vec![Participation]),
            (learner(P::Other), &all, vec![Participation]),
            // ABIM MOC only where the activity offers it.
            (md_abim, &[AmaPra1, Participation], vec![AmaPra1]),
            // A nurse at an activity without nursing credit gets participation.
            (
                learner(P::Nurse),
                &[AmaPra1, Participation],
                vec![Participation],
            ),
            // Nothing to claim where nothing fits.
            (learner(P::Nurse), &[AmaPra1], vec![]),
        ];
        for (l, offered, expected) in cases {
            assert_eq!(
                claimable_types(&l, offered),
                expected,
                "{:?} {offered:?}",
                l.profession
            );
        }
    }

    #[test]
    fn refusals_say_why_in_plain_words() {
        use CreditType::*;
        let all = CreditType::ALL;
        let nurse = learner(Profession::Nurse);
        assert_eq!(
            eligibility(&nurse, AmaPra1, &all).unwrap_err().to_string(),
            "AMA PRA Category 1 Credit™ is for physicians. You can claim nursing contact hours instead."
        );
        assert_eq!(
            eligibility(&nurse, AmaPra1, &[AmaPra1, Participation])
                .unwrap_err()
                .to_string(),
            "AMA PRA Category 1 Credit™ is for physicians. You can claim a certificate of participation instead."
        );
        assert_eq!(
            eligibility(&learner(Profession::Physician), Participation, &all)
                .unwrap_err()
                .to_string(),
            "A certificate of participation is for learners who cannot claim professional credit for this activity. You can claim AMA PRA Category 1 Credit™ instead."
        );
        assert_eq!(
            eligibility(&learner(Profession::Other), Pharmacy, &[Pharmacy])
                .unwrap_err()
                .to_string(),
            "Pharmacy CE (ACPE) is for pharmacists."
        );
        assert_eq!(
            eligibility(&learner(Profession::Physician), AbimMoc, &all),
            Err(ClaimError::NeedsAbimId)
        );
        assert_eq!(
            eligibility(&learner(Profession::Pharmacist), Pharmacy, &all),
            Err(ClaimError::NeedsPharmacyDetails)
        );
        assert_eq!(
            eligibility(&learner(Profession::Nurse), AbimMoc, &all)
                .unwrap_err()
                .to_string(),
            "ABIM MOC points are for physicians. You can claim nursing contact hours instead."
        );
    }

    fn physician() -> Learner<'static> {
        Learner {
            abim_id: "123456",
            ..learner(Profession::Physician)
        }
    }

    const OFFERED: [CreditType; 2] = [CreditType::AmaPra1, CreditType::AbimMoc];

    /// A claim that passes every rule: 6.25 of 6.25 AMA credits, attended, evaluated, on time.
    fn good() -> ClaimCheck<'static> {
        ClaimCheck {
            learner: physician(),
            credit_type: CreditType::AmaPra1,
            amount: Credits(625),
            scope: Scope::Activity,
            offered: &OFFERED,
            maximum: Some(Credits(625)),
            activity_maximum: None,
            other_claims: Credits::ZERO,
            attended: true,
            evaluation_required: true,
            evaluation_submitted: true,
            claim_deadline: Some(date(2026, 12, 31)),
            today: date(2026, 12, 31),
        }
    }

    #[test]
    fn claim_rules() {
        type Change = fn(&mut ClaimCheck<'static>);
        let cases: Vec<(&str, Change, Result<(), &str>)> = vec![
            ("all good, on the deadline day", |_| {}, Ok(())),
            ("a quarter", |c| c.amount = Credits(25), Ok(())),
            (
                "zero",
                |c| c.amount = Credits(0),
                Err("Enter an amount greater than zero."),
            ),
            (
                "negative",
                |c| c.amount = Credits(-25),
                Err("Enter an amount greater than zero."),
            ),
            (
                "off the step",
                |c| c.amount = Credits(610),
                Err("Credits are claimed in steps of 0.25."),
            ),
            (
                "one step above the maximum",
                |c| c.amount = Credits(650),
                Err("You can claim at most 6.25 credits for this activity."),
            ),
            (
                "the day after the deadline",
                |c| c.today = date(2027, 1, 1),
                Err("The deadline to claim credit for this activity was December 31, 2026."),
            ),
            (
                "no deadline",
                |c| {
                    c.claim_deadline = None;
                    c.today = date(2030, 1, 1);
                },
                Ok(()),
            ),
            (
                "not attended",
                |c| c.attended = false,
                Err("Your attendance has not been recorded, so you cannot claim credit yet."),
            ),
            (
                "evaluation required, not submitted",
                |c| c.evaluation_submitted = false,
                Err("Complete the evaluation first."),
            ),
            (
                "evaluation not required",
                |c| {
                    c.evaluation_required = false;
                    c.evaluation_submitted = false;
                },
                Ok(()),
            ),
            (
                "MOC always needs the evaluation",
                |c| {
                    c.credit_type = CreditType::AbimMoc;
                    c.evaluation_required = false;
                    c.evaluation_submitted = false;
                },
                Err("Complete the evaluation first."),
            ),
            (
                "type not offered here",
                |c| c.maximum = None,
                Err("This activity does not offer AMA PRA Category 1 Credit™."),
            ),
            (
                "profession",
                |c| c.learner.profession = Profession::Nurse,
                Err("AMA PRA Category 1 Credit™ is for physicians."),
            ),
            // Sessions: each session's maximum, and the activity's for all of them together.
            (
                "a session within both maxima",
                |c| {
                    c.scope = Scope::Session;
                    c.maximum = Some(Credits(150));
                    c.amount = Credits(150);
                    c.activity_maximum = Some(Credits(625));
                    c.other_claims = Credits(475);
                },
                Ok(()),
            ),
            (
                "a session above its own maximum",
                |c| {
                    c.scope = Scope::Session;
                    c.maximum = Some(Credits(150));
                    c.amount = Credits(175);
                },
                Err("You can claim at most 1.50 credits for this session."),
            ),
            (
                "sessions together above the activity",
                |c| {
                    c.scope = Scope::Session;
                    c.maximum = Some(Credits(150));
                    c.amount = Credits(150);
                    c.activity_maximum = Some(Credits(625));
                    c.other_claims = Credits(500);
                },
                Err(
                    "This activity is designated for at most 6.25 credits in all; with your other claims you can claim at most 1.25 more.",
                ),
            ),
            (
                "the activity already claimed in full",
                |c| {
                    c.scope = Scope::Session;
                    c.maximum = Some(Credits(150));
                    c.amount = Credits(25);
                    c.activity_maximum = Some(Credits(625));
                    c.other_claims = Credits(625);
                },
                Err("You have already claimed the 6.25 credits designated for this activity."),
            ),
            (
                "a session without an activity-wide maximum",
                |c| {
                    c.scope = Scope::Session;
                    c.maximum = Some(Credits(150));
                    c.amount = Credits(150);
                    c.activity_maximum = None;
                    c.other_claims = Credits(5000);
                },
                Ok(()),
            ),
            (
                "a whole-activity claim on top of session claims",
                |c| {
                    c.amount = Credits(300);
                    c.other_claims = Credits(400);
                },
                Err(
                    "This activity is designated for at most 6.25 credits in all; with your other claims you can claim at most 2.25 more.",
                ),
            ),
        ];
        for (name, change, expected) in cases {
            let mut check = good();
            change(&mut check);
            let got = check_claim(&check).map_err(|e| e.to_string());
            match (&got, expected) {
                (Ok(()), Ok(())) => {}
                (Err(message), Err(start)) if message.starts_with(start) => {}
                _ => panic!("{name}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn refusals_are_distinct_and_name_their_field() {
        let mut check = good();
        check.amount = Credits(10);
        let off_step = check_claim(&check).unwrap_err();
        assert_eq!(off_step, ClaimError::OffStep { step: Credits(25) });
        assert_eq!(off_step.field(), "amount");
        check.maximum = None;
        assert_eq!(check_claim(&check).unwrap_err().field(), "credit_type");
        check.maximum = Some(Credits(625));
        check.attended = false;
        assert_eq!(check_claim(&check).unwrap_err().field(), "");
        // The deadline outranks everything else: nothing else can be fixed after it.
        check.today = date(2027, 2, 1);
        assert!(matches!(
            check_claim(&check),
            Err(ClaimError::DeadlinePassed { .. })
        ));
    }
}
