//! Demo content for three fictional organizations.
//!
//! Every name, address, phone number, email address and person below is
//! invented. Phone numbers use the 555-01xx range reserved for fiction and
//! email addresses use the reserved `.example` top-level domain.

pub struct DemoSociety {
    pub slug: &'static str,
    pub name: &'static str,
    pub short_name: &'static str,
    pub host: &'static str,
    pub time_zone: &'static str,
    pub tagline: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub primary_color: &'static str,
    pub staff: &'static [DemoStaff],
    pub pages: &'static [DemoPage],
}

pub struct DemoStaff {
    pub email: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
}

pub struct DemoPage {
    pub slug: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub menu_label: Option<&'static str>,
    pub body_markdown: &'static str,
}

pub static SOCIETIES: &[DemoSociety] = &[
    // ------------------------------------------------------------------
    // 1. A long-established state society of clinical oncologists.
    // ------------------------------------------------------------------
    DemoSociety {
        slug: "gsco",
        name: "Granite State Society of Clinical Oncology",
        short_name: "GSCO",
        host: "gsco.localhost",
        time_zone: "America/New_York",
        tagline: "Supporting the clinicians who care for New Hampshire's cancer patients since 1974.",
        address: "41 Merrimack Commons Drive, Suite 310\nConcord, NH 03301",
        phone: "(603) 555-0142",
        email: "info@gsco.example",
        primary_color: "#1d4e89",
        staff: &[
            DemoStaff {
                email: "director@gsco.example",
                display_name: "Corinne Ashdown",
                role: "owner",
            },
            DemoStaff {
                email: "education@gsco.example",
                display_name: "Tobias Wrenfield",
                role: "admin",
            },
        ],
        pages: &[
            DemoPage {
                slug: "home",
                title: "Welcome to the Granite State Society of Clinical Oncology",
                summary: "GSCO brings together New Hampshire's oncology clinicians for education, reimbursement support and advocacy.",
                menu_label: Some("Home"),
                body_markdown: r#"## Welcome

The Granite State Society of Clinical Oncology is the professional home for the physicians, advanced practice providers, nurses, pharmacists and practice administrators who care for people with cancer across New Hampshire. For five decades we have helped our members keep up with a fast-moving field, run their practices well and speak with one voice on the policies that affect their patients.

Whether you work in a large hospital program or a small community practice, GSCO is here to make your work a little easier.

## Learn with your colleagues

Our annual meeting, monthly webinars and statewide tumor-board series bring clinicians together to share cases and practical knowledge. See what is coming up on our [education page](/education).

## Get help with coding and payers

Members can call or write to our reimbursement help desk with questions about coding, claim denials and prior authorization. Find out how it works on the [reimbursement page](/reimbursement).

## Speak up for patients

We work with state legislators and regulators on prior authorization reform, oral chemotherapy parity and access to care close to home. Read about our current priorities on the [advocacy page](/advocacy).

## Our partners

Industry and community partners help make our programs possible. Learn about sponsorship tiers and our independence policy on the [sponsors page](/sponsors).

## Questions?

Our small staff is glad to help. [Contact us](/contact) by phone or email, or read more [about the society](/about)."#,
            },
            DemoPage {
                slug: "about",
                title: "About Us",
                summary: "The history, governance and people behind the Granite State Society of Clinical Oncology.",
                menu_label: Some("About Us"),
                body_markdown: r#"## Who we are

The Granite State Society of Clinical Oncology is a nonprofit professional society for clinicians who diagnose and treat cancer in New Hampshire. Our members practice medical oncology, hematology, radiation oncology, surgical oncology and gynecologic oncology, and they are joined by the nurses, pharmacists, advanced practice providers and administrators who make cancer care work day to day.

## Our history

The society began in 1974, when a handful of oncologists from around the state started meeting over dinner to compare notes on difficult cases. At the time, many patients had to travel long distances for specialist care, and the founders wanted to share what they were learning with colleagues in smaller towns.

Over the years those dinners grew into a formal society with bylaws, an elected board and a yearly scientific meeting. In the 1990s we added a reimbursement committee as practices faced more complex billing rules. In the 2000s we began working with the state legislature on insurance coverage for cancer care. Today we serve members in every region of the state.

## How we are governed

GSCO is led by a volunteer board of directors elected by the membership. The board sets the society's priorities and oversees a small professional staff based in Concord. Committees on education, reimbursement and advocacy carry out much of our work, and every member is welcome to join one.

## What we value

- Collegiality across practice settings, large and small
- Practical, unbiased education
- Fair and timely access to care for every patient
- Transparency in our finances and partnerships

Interested in getting involved? Please [get in touch](/contact)."#,
            },
            DemoPage {
                slug: "education",
                title: "Education",
                summary: "GSCO's annual meeting, webinar series and statewide tumor-board series for oncology clinicians.",
                menu_label: Some("Education"),
                body_markdown: r#"## Learning that fits a busy practice

Our education program is planned by practicing clinicians for practicing clinicians. We focus on what is useful on Monday morning: new standards of care, practical management questions and the operational issues that shape how care is delivered.

## Annual meeting

Each fall the society holds a one-day annual meeting that brings together members from across the state. The program usually includes:

- Updates on recent developments in the major tumor types
- Sessions for nurses, pharmacists and advanced practice providers
- A practice-management track on coding, staffing and payer policy
- A poster session for fellows, residents and trainees
- Time to reconnect with colleagues over lunch

## Webinar series

On the second Tuesday of most months we host a one-hour evening webinar. Topics range from managing treatment side effects to survivorship planning and clinical trial enrollment. Recordings are posted to the members' area so you can watch at your own pace.

## Statewide tumor-board series

Four times a year, members present challenging, de-identified cases to a multidisciplinary panel of medical, radiation and surgical oncologists, pathologists and radiologists. The series is held online so clinicians in rural practices can take part without traveling. Members are encouraged to submit cases; no patient-identifying information should ever be included.

## Continuing education credit

Many of our activities offer continuing education credit. Details for each event are shared when registration opens.

## Get involved

Have an idea for a session or want to join the education committee? Write to our education staff through the [contact page](/contact)."#,
            },
            DemoPage {
                slug: "reimbursement",
                title: "Reimbursement Help Desk",
                summary: "Members can ask the GSCO reimbursement help desk about coding, claim denials and payer policy problems.",
                menu_label: Some("Reimbursement"),
                body_markdown: r#"## Help when the paperwork gets in the way

Billing for cancer care is complicated, and rules change often. Our reimbursement help desk gives member practices a place to turn when a claim is denied, a payer policy is unclear or a coding question has no easy answer.

## What we can help with

- Coding questions for office visits, infusion services and drug administration
- Claim denials and underpayments that do not seem to follow a payer's own policy
- Prior authorization delays and requests for peer-to-peer review
- Changes to payer policies that affect oncology practices
- Finding the right contact at a health plan

We cannot give legal advice or submit claims on your behalf, but we can help you understand the rules and decide on next steps.

## How it works

1. Send your question by email or leave a message on the help desk line listed on our [contact page](/contact).
2. Describe the problem, the payer involved and what you have tried so far.
3. A member of our reimbursement team will reply, usually within two business days.

**Please do not send protected health information.** Remove patient names, dates of birth and member numbers before writing to us.

## Tracking payer trends

When several practices report the same problem with the same health plan, we raise it with the plan directly and, where needed, with state regulators. Your questions help us spot patterns and push for fixes that benefit every practice.

## Reimbursement committee

The help desk is supported by a committee of practice managers, billing specialists and physicians. Members interested in serving are welcome to reach out."#,
            },
            DemoPage {
                slug: "advocacy",
                title: "Advocacy",
                summary: "GSCO works with New Hampshire lawmakers and regulators to protect patients' timely access to cancer care.",
                menu_label: Some("Advocacy"),
                body_markdown: r#"## Why we advocate

Decisions made in the State House and by insurance regulators affect every patient our members treat. GSCO brings the clinical perspective to those decisions, so that policy reflects what cancer care actually requires.

## Current priorities

### Prior authorization reform

Prior authorization requirements can delay treatment and take clinicians away from patients. We support reasonable response deadlines for health plans, clear criteria that are available to clinicians in advance, and review of denials by a physician in the same or a similar specialty.

### Oral chemotherapy parity

More cancer treatments are now taken by mouth at home rather than given by infusion in a clinic. We support coverage rules that keep patients' out-of-pocket costs for oral anticancer medicines in line with what they would pay for infused treatment, so that cost does not decide which therapy a patient receives.

### Access to care close to home

We work to protect community oncology services in rural parts of the state and to support the workforce that provides them, including nurses, pharmacists and advanced practice providers.

## How members can help

- Meet with your state representative or senator when they visit your community
- Testify at committee hearings, in person or in writing
- Share stories, with permission and without identifying details, that show how policy affects patients
- Join our advocacy committee

## Advocacy day

Each spring we organize a day at the State House when members meet legislators to discuss our priorities. No experience is needed; we provide briefing materials and pair first-time participants with experienced colleagues.

To learn more or join the advocacy committee, please [contact us](/contact)."#,
            },
            DemoPage {
                slug: "sponsors",
                title: "Our Sponsors",
                summary: "Industry and community sponsors support GSCO programs under a clear independence policy.",
                menu_label: Some("Sponsors"),
                body_markdown: r#"## Thank you to our partners

GSCO's education programs, meetings and member services are supported by membership dues and by organizations that share our interest in high-quality cancer care. We are grateful for their support.

## Sponsorship tiers

We offer annual sponsorship at four levels. Each level includes recognition on this website and at our annual meeting.

- **Platinum partners** receive recognition at all society events during the year, exhibit space in a premium location at the annual meeting, and an invitation to our sponsor roundtable.
- **Gold partners** receive recognition at the annual meeting and webinar series and standard exhibit space at the annual meeting.
- **Silver partners** receive recognition at the annual meeting and a tabletop exhibit.
- **Community partners** are patient-support organizations, nonprofits and local businesses. They receive recognition at the annual meeting and a table in our community resource area.

## Our independence policy

Sponsors never choose speakers, topics or content for our educational activities. Planning committee members and faculty disclose their financial relationships, and any conflicts are resolved before an activity takes place. Sponsor exhibits and promotional activities are kept separate from educational sessions.

Sponsorship does not imply that GSCO endorses any product or service.

## Become a sponsor

If your organization would like to support the society's work, our staff would be happy to send a prospectus with details of each tier and the current year's events. Please reach us through the [contact page](/contact)."#,
            },
            DemoPage {
                slug: "contact",
                title: "Contact Us",
                summary: "How to reach the Granite State Society of Clinical Oncology office by mail, phone or email.",
                menu_label: Some("Contact"),
                body_markdown: r#"## Get in touch

We are a small team and we read every message. Whether you have a question about membership, an upcoming meeting, a reimbursement problem or a policy issue, we are glad to hear from you.

## Our office

The society office is located at 41 Merrimack Commons Drive, Suite 310, Concord, NH 03301. Visitors are welcome, but please call ahead so we can make sure someone is available to meet you.

## Phone and email

You can call us at (603) 555-0142. If we are unable to answer, please leave a message with your name, practice and a good time to return your call, and we will get back to you by the end of the next business day.

For general questions, email info@gsco.example. Questions about the annual meeting, webinars and the tumor-board series can go to education@gsco.example, and our executive director can be reached at director@gsco.example.

## Office hours

The office is open Monday through Thursday from 8:30 a.m. to 4:30 p.m., and Friday from 8:30 a.m. to noon, Eastern time. We are closed on state holidays.

## A note about patient information

Please do not send protected health information by email. If you need help with a specific claim, remove patient names, dates of birth and member numbers before writing to us. The [reimbursement page](/reimbursement) explains how our help desk works.

## Patients and families

GSCO is a professional society for clinicians and does not provide medical care or advice. If you are a patient with a question about your treatment, please contact your own care team."#,
            },
        ],
    },
    // ------------------------------------------------------------------
    // 2. A state oncology society with a mission statement and goals.
    // ------------------------------------------------------------------
    DemoSociety {
        slug: "bsos",
        name: "Beehive State Oncology Society",
        short_name: "BSOS",
        host: "bsos.localhost",
        time_zone: "America/Denver",
        tagline: "Oncologists, hematologists, advanced practice providers and pharmacists working together for Utah's cancer patients.",
        address: "2150 South Canyon Commons Parkway, Suite 204\nSalt Lake City, UT 84106",
        phone: "(801) 555-0117",
        email: "office@bsos.example",
        primary_color: "#7a2048",
        staff: &[
            DemoStaff {
                email: "director@bsos.example",
                display_name: "Lena Marquardt",
                role: "owner",
            },
            DemoStaff {
                email: "membership@bsos.example",
                display_name: "Samuel Okonjo-Reyes",
                role: "staff",
            },
        ],
        pages: &[
            DemoPage {
                slug: "home",
                title: "Welcome to the Beehive State Oncology Society",
                summary: "BSOS is Utah's professional society for the whole oncology and hematology care team.",
                menu_label: Some("Home"),
                body_markdown: r#"## Welcome

The Beehive State Oncology Society brings together the people who care for patients with cancer and blood disorders in Utah. Our members include medical oncologists, hematologists, nurse practitioners, physician assistants and oncology pharmacists, working in academic centers, hospital systems and independent community practices.

We believe patients are best served when the whole care team learns together and speaks together. That is what this society is for.

## About the society

BSOS is a state affiliate of the national clinical oncology society and the national hematology-oncology practice association. Those affiliations connect our members to national policy work and educational resources while we stay focused on the issues that matter here at home. Read more [about us](/about).

## Our mission and goals

Our board has set out a clear mission and a short list of goals that guide everything we do, from our education programs to our work with state policymakers. You can read them on our [mission page](/mission).

## Join us

Membership is open to physicians, advanced practice providers, pharmacists, trainees and others who support cancer care in Utah. Find out which category fits you on the [membership page](/membership).

## Stay in touch

Have a question or an idea for the society? We would love to hear from you. Visit our [contact page](/contact) for our address, phone number, email and office hours."#,
            },
            DemoPage {
                slug: "about",
                title: "About Us",
                summary: "Who the Beehive State Oncology Society is, how it is governed and how it connects to national bodies.",
                menu_label: Some("About Us"),
                body_markdown: r#"## A society for the whole care team

The Beehive State Oncology Society is a nonprofit professional organization for clinicians who care for people with cancer and blood disorders in Utah. From the start, we have welcomed every member of the oncology team, not only physicians. Nurse practitioners, physician assistants and pharmacists serve on our board and committees and help shape our programs.

## Our national affiliations

BSOS is a state affiliate of the national clinical oncology society and the national hematology-oncology practice association. Through these affiliations we:

- Share information on federal policy and payer trends with our members
- Bring national speakers and educational resources to Utah
- Represent the views of Utah clinicians in national discussions
- Coordinate with other state societies on common concerns

We remain an independent organization with our own board, bylaws and priorities.

## How we are governed

The society is led by an elected board of directors that includes physicians, advanced practice providers and a pharmacist. Officers serve two-year terms. A small staff in Salt Lake City manages day-to-day operations, membership and events.

Most of our work happens through volunteer committees:

- **Education**, which plans our annual conference and evening programs
- **Practice and policy**, which follows legislation and payer policy
- **Membership**, which welcomes new members and trainees

## What we do

We host an annual statewide conference, regional evening meetings and online case discussions. We track state legislation and payer policy that affects cancer care, and we help members share what works in their practices.

To learn what guides our work, see our [mission and goals](/mission). To join, visit the [membership page](/membership)."#,
            },
            DemoPage {
                slug: "mission",
                title: "Mission and Goals",
                summary: "The mission statement and goals that guide the Beehive State Oncology Society.",
                menu_label: Some("Mission"),
                body_markdown: r#"## Our mission

The Beehive State Oncology Society exists to advance high-quality, accessible and compassionate care for people in Utah living with cancer and blood disorders, by supporting the education, collaboration and advocacy of the clinicians who care for them.

## Our goals

Our board reviews these goals each year and uses them to set priorities for our programs, committees and budget.

1. **Provide practical education.** Offer accessible, evidence-based educational programs for oncologists, hematologists, advanced practice providers and pharmacists throughout the state.
2. **Support the whole care team.** Recognize and strengthen the roles of every member of the oncology team, and give each profession a voice in the society's leadership.
3. **Protect patient access.** Work with policymakers, health plans and employers so that patients can receive appropriate treatment without unnecessary delays or financial barriers.
4. **Strengthen community practice.** Help practices in rural and underserved parts of the state keep care close to where patients live.
5. **Encourage clinical research.** Raise awareness of clinical trials and help members connect patients with research opportunities.
6. **Build the future workforce.** Mentor fellows, residents, students and early-career clinicians, and encourage them to build their careers in Utah.
7. **Connect with national partners.** Share information and coordinate with our national affiliates and other state societies on issues that affect cancer care.

## Our values

We aim to be collegial, evidence-minded, patient-centered and transparent in everything we do.

## Putting the mission to work

Each committee reports to the board on its progress against these goals. If you would like to help with any of them, we would be glad to hear from you on our [contact page](/contact), or you can [become a member](/membership)."#,
            },
            DemoPage {
                slug: "membership",
                title: "Membership",
                summary: "Who can join the Beehive State Oncology Society and the member categories available.",
                menu_label: Some("Membership"),
                body_markdown: r#"## Who can join

Membership is open to clinicians and professionals who care for people with cancer and blood disorders in Utah, or who support that care. You do not need to work in a particular setting; our members come from academic centers, hospital systems and independent practices in every part of the state.

## Member categories

- **Physician member.** Physicians who practice medical oncology, hematology, or a related cancer specialty in Utah. Physician members may vote and serve as officers.
- **Advanced practice provider member.** Nurse practitioners and physician assistants who care for patients with cancer or blood disorders. APP members may vote and serve on the board.
- **Pharmacist member.** Pharmacists working in oncology or hematology, in infusion centers, specialty pharmacies or hospital settings. Pharmacist members may vote and serve on the board.
- **Trainee member.** Fellows, residents, and students in medicine, nursing, pharmacy or physician assistant programs with an interest in oncology.
- **Affiliate member.** Oncology nurses, practice administrators, financial counselors, research coordinators and others who support cancer care.
- **Emeritus member.** Retired members who wish to stay connected with colleagues and the society's work.

## Member benefits

- Reduced registration for our annual conference and regional programs
- Access to online case discussions and recorded sessions
- Regular updates on state and national policy affecting oncology practice
- Opportunities to serve on committees and the board
- A network of colleagues across the state

## How to apply

To apply, or if you are not sure which category fits you, please write to our membership staff through the [contact page](/contact). We will confirm your category and help you get started. You can also read more about our [mission and goals](/mission)."#,
            },
            DemoPage {
                slug: "contact",
                title: "Contact Us",
                summary: "How to reach the Beehive State Oncology Society office by mail, phone or email.",
                menu_label: Some("Contact"),
                body_markdown: r#"## We would like to hear from you

Whether you are thinking about joining, planning to attend one of our programs or want to raise an issue with the board, our staff are happy to help.

## Mailing address

Our office is at 2150 South Canyon Commons Parkway, Suite 204, Salt Lake City, UT 84106. Please send any mail for the society to this address. If you would like to visit in person, call ahead so we can be sure someone is in.

## Phone

Call the society office at (801) 555-0117. If we miss your call, leave a message with your name and a good number to reach you, and we will return it within one business day.

## Email

For general questions, write to office@bsos.example. Membership questions, including help choosing a member category, can go to membership@bsos.example. To reach our executive director, email director@bsos.example.

## Office hours

The office is staffed Monday through Friday from 9:00 a.m. to 4:00 p.m., Mountain time, except on state and federal holidays. Messages received outside these hours will be answered on the next business day.

## For patients

The Beehive State Oncology Society is an organization for health professionals. We are not able to give medical advice or recommend individual clinicians. If you have questions about your care, please speak with your own care team. If you have a medical emergency, call 911.

## Learn more

New to the society? Start with [about us](/about) and our [mission and goals](/mission)."#,
            },
        ],
    },
    // ------------------------------------------------------------------
    // 3. A hospital cancer center with clinical programs.
    // ------------------------------------------------------------------
    DemoSociety {
        slug: "lindenmere",
        name: "Lindenmere Regional Cancer Center",
        short_name: "LRCC",
        host: "lindenmere.localhost",
        time_zone: "America/Chicago",
        tagline: "Specialist cancer care, close to home, for central Minnesota.",
        address: "Lindenmere Regional Hospital, Pavilion B\n1200 Birchwood Avenue North\nSt. Cloud, MN 56303",
        phone: "(320) 555-0188",
        email: "cancercenter@lindenmere.example",
        primary_color: "#0f5e5a",
        staff: &[
            DemoStaff {
                email: "director@lindenmere.example",
                display_name: "Helen Vasquez-Thorne",
                role: "owner",
            },
            DemoStaff {
                email: "web@lindenmere.example",
                display_name: "Marcus Lindqvist-Adeyemi",
                role: "admin",
            },
        ],
        pages: &[
            DemoPage {
                slug: "home",
                title: "Welcome to Lindenmere Regional Cancer Center",
                summary: "Lindenmere Regional Cancer Center offers team-based cancer care for patients and families in central Minnesota.",
                menu_label: Some("Home"),
                body_markdown: r#"## Welcome

Lindenmere Regional Cancer Center brings together the specialists, nurses and support staff you need in one place, so you can focus on your health and your family. We are part of Lindenmere Regional Hospital and have cared for patients across central Minnesota for many years.

A cancer diagnosis raises many questions. Our teams take the time to explain your options, listen to what matters to you and plan your care together with you.

## Our clinical programs

Our specialists work in teams organized around specific types of cancer, including thoracic, breast, blood cancers and gastrointestinal cancers, with radiation oncology and survivorship care alongside. Each team meets regularly to review new patients together. Learn more about our [clinical programs](/programs).

## For patients and families

Coming for your first visit? Wondering what support is available? Our [patients and families page](/patients) explains what to bring, what to expect and how to reach our social workers, dietitians, financial counselors and other support services.

## Referring clinicians

Physicians and advanced practice providers can refer patients by phone or secure fax. Our referral coordinators will confirm receipt and help schedule an appointment. See our [contact page](/contact) for details.

## About the center

Find out more about our history, our team and our commitment to care that is both expert and personal on the [about page](/about).

## Need help now?

If you are having a medical emergency, call 911. For questions about an upcoming appointment, please [contact us](/contact)."#,
            },
            DemoPage {
                slug: "about",
                title: "About the Center",
                summary: "The history, team and approach to care at Lindenmere Regional Cancer Center.",
                menu_label: Some("About"),
                body_markdown: r#"## Our story

Lindenmere Regional Cancer Center began as a small oncology clinic within Lindenmere Regional Hospital. As the needs of our community grew, so did the center. Today, medical oncology, radiation oncology, infusion services and support programs share one building, Pavilion B, on the hospital campus.

Our goal has always been simple: people in our region should be able to receive thoughtful, well-coordinated cancer care without having to travel far from home.

## Team-based care

Every patient is cared for by a team. Depending on your needs, your team may include:

- Medical oncologists and hematologists
- Radiation oncologists
- Surgeons and other specialists from the hospital
- Oncology nurses and nurse navigators
- Nurse practitioners and physician assistants
- Pharmacists, dietitians and social workers

Our teams meet regularly in multidisciplinary tumor boards to review new diagnoses and complex cases, so that your plan reflects the views of several specialists.

## Research and learning

We take part in selected clinical trials and will talk with you about whether a study may be right for you. Taking part in research is always your choice. Our staff also take part in continuing education to keep up with changes in cancer care.

## Our commitments

We aim to treat every patient with respect, explain things in plain language, involve families as much as patients wish, and make care easier to navigate.

## Learn more

Explore our [clinical programs](/programs), read our guide [for patients and families](/patients), or [contact us](/contact) with any questions."#,
            },
            DemoPage {
                slug: "programs",
                title: "Clinical Programs",
                summary: "Lindenmere's clinical programs, from thoracic and breast oncology to radiation oncology and survivorship.",
                menu_label: Some("Clinical Programs"),
                body_markdown: r#"Each of our clinical programs brings together specialists who focus on a particular group of cancers. Your team will explain your diagnosis, talk through your options and coordinate your care from the first visit onward.

## Thoracic oncology

Our thoracic team cares for people with lung cancer, mesothelioma and other cancers of the chest. Medical oncologists, radiation oncologists, thoracic surgeons, pulmonologists and pathologists review each new patient together. The program also works with the hospital's lung cancer screening service.

## Breast cancer

The breast program offers coordinated care from diagnosis through treatment and follow-up. A nurse navigator helps you schedule visits with surgery, medical oncology and radiation oncology, and can connect you with genetic counseling when appropriate.

## Leukemia and lymphoma

Our hematology team cares for adults with leukemia, lymphoma, myeloma and related blood disorders. The team works closely with the hospital laboratory and pharmacy, and arranges referral to partner transplant centers when that is part of the plan.

## Gastrointestinal cancers

The GI program treats cancers of the esophagus, stomach, pancreas, liver, colon and rectum. Gastroenterologists, surgeons, medical and radiation oncologists and dietitians plan care together, with particular attention to nutrition during treatment.

## Radiation oncology

Our radiation oncology department provides external beam radiation therapy on site. Radiation oncologists, physicists, dosimetrists and therapists plan each course of treatment carefully and see patients weekly while treatment is under way.

## Survivorship

When active treatment ends, our survivorship clinic helps you plan what comes next. You will receive a written summary of your treatment and a follow-up plan, and can meet with staff about fatigue, emotional health, nutrition, exercise and returning to work.

## Referrals and appointments

To make an appointment or refer a patient to any program, please see our [contact page](/contact)."#,
            },
            DemoPage {
                slug: "patients",
                title: "For Patients and Families",
                summary: "What to expect at your first visit to Lindenmere and the support services available to patients and families.",
                menu_label: Some("Patients & Families"),
                body_markdown: r#"## Your first visit

Your first appointment is a chance for your care team to get to know you and for you to ask questions. It may take two hours or more, so please plan accordingly. A member of our staff will call you beforehand to confirm the time and answer any questions.

### What to bring

- A photo ID and your insurance card
- A list of all medicines you take, including vitamins and supplements
- Any records, reports or imaging discs from other clinics, if you have been asked to bring them
- A list of questions you would like to ask
- A family member or friend, if you would like support and a second set of ears

### Finding us

Lindenmere Regional Cancer Center is in Pavilion B on the hospital campus. Free parking is available in the lot beside the main entrance, and staff at the front desk will direct you to check-in.

## Support services

Cancer affects more than the body. Our support services are available to patients and their families at no additional charge.

- **Nurse navigators** help you understand your plan and coordinate appointments.
- **Social workers** offer counseling and help with practical concerns such as transportation and lodging.
- **Financial counselors** can explain your insurance coverage and look into assistance programs.
- **Dietitians** provide advice on eating well before, during and after treatment.
- **Support groups** meet regularly for patients and for caregivers.
- **Spiritual care** is available from the hospital chaplaincy, for people of any faith or none.

Ask any member of your care team to arrange a referral.

## During treatment

Your care team will tell you which symptoms to report right away and how to reach us after hours. If you are having a medical emergency, call 911.

## Questions?

Our staff are here to help. Visit our [contact page](/contact) or learn more about our [clinical programs](/programs)."#,
            },
            DemoPage {
                slug: "contact",
                title: "Contact Us",
                summary: "Address, phone, email and office hours for Lindenmere Regional Cancer Center.",
                menu_label: Some("Contact"),
                body_markdown: r#"## How to reach us

Lindenmere Regional Cancer Center is located in Pavilion B of Lindenmere Regional Hospital, 1200 Birchwood Avenue North, St. Cloud, MN 56303. Enter through the main hospital entrance and follow the signs to Pavilion B, or use the Pavilion B entrance beside the visitor parking lot.

## Phone

To schedule, change or ask about an appointment, call the cancer center at (320) 555-0188. The same number reaches our referral coordinators, who work with physicians and advanced practice providers referring new patients.

If you are already a patient and need to speak with your care team after hours, call the main number and follow the prompts to reach the on-call clinician.

## Email

For general, non-urgent questions, email cancercenter@lindenmere.example. Please do not include personal medical details in email. Questions about your own care are best handled by phone or through your care team.

## Office hours

The cancer center is open Monday through Friday from 7:30 a.m. to 5:30 p.m., Central time. Radiation oncology begins treatments at 7:00 a.m. on weekdays. The center is closed on major holidays; the on-call service remains available.

## In an emergency

If you are having a medical emergency, call 911 or go to the nearest emergency department. Do not use email or this website for urgent concerns.

## Before your visit

Planning your first appointment? Our guide [for patients and families](/patients) explains what to bring and what to expect. You can also read about our [clinical programs](/programs)."#,
            },
        ],
    },
];

pub const DEMO_PASSWORD: &str = "chapterhouse-demo";
