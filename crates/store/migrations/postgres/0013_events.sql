-- Events and accredited education: events and their sessions, registration types with their
-- seat counters, registrations (holds, waitlist offers, guests, answers), attendance (check-in and
-- imported webinar reports), faculty with agreements, materials and disclosures, education
-- activities with credit types, evaluations and credit claims.
--
-- A future event's start and end are kept as the society's local date-time text
-- ('YYYY-MM-DDTHH:MM') plus the IANA zone they were entered in, with the UTC instants derived and
-- stored for sorting and calendars. Credits are BIGINT hundredths (1.25 credits = 125) so every
-- credit type's step fits; AMA PRA claims are further held to 0.25 steps by the rules in `core`.
-- Seats: `event.taken` and `registration_type.taken` are the only stored counters; a
-- registration takes `seats` (itself plus its guests) from both, in one transaction that updates
-- the event row before the type row.

CREATE TABLE event (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    -- Markdown as staff wrote it and the sanitised HTML rendered at save time.
    description_md TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    -- 'meeting', 'webinar', 'series' (a regularly scheduled series such as a tumor board).
    kind TEXT NOT NULL DEFAULT 'meeting',
    -- 'draft', 'published', 'cancelled'.
    status TEXT NOT NULL DEFAULT 'draft',
    members_only BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone TEXT NOT NULL,
    starts_local TEXT NOT NULL,
    ends_local TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    location_name TEXT NOT NULL DEFAULT '',
    location_address TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    -- NULL: no event-wide limit (each type may still have its own).
    capacity BIGINT CHECK (capacity IS NULL OR capacity >= 0),
    taken BIGINT NOT NULL DEFAULT 0 CHECK (taken >= 0),
    -- Minutes a registration awaiting card payment keeps its seat.
    hold_minutes BIGINT NOT NULL DEFAULT 30,
    -- Hours a waitlist offer stays open.
    offer_hours BIGINT NOT NULL DEFAULT 48,
    -- iCalendar SEQUENCE: raised on every change registrants are told about.
    sequence BIGINT NOT NULL DEFAULT 0,
    revenue_account_id UUID,
    cancelled_at BIGINT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, slug),
    CHECK (taken <= capacity OR capacity IS NULL),
    FOREIGN KEY (society_id, revenue_account_id) REFERENCES revenue_account (society_id, id)
);
CREATE INDEX event_starts ON event (society_id, status, starts_at);

CREATE TABLE event_session (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_local TEXT NOT NULL,
    ends_local TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE
);
CREATE INDEX event_session_event ON event_session (society_id, event_id, starts_at);

CREATE TABLE registration_type (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_cents BIGINT NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
    -- NULL: members pay the same as everyone.
    member_price_cents BIGINT CHECK (member_price_cents IS NULL OR member_price_cents >= 0),
    -- 'anyone', 'members' (any active member), 'levels' (the levels in registration_type_level).
    audience TEXT NOT NULL DEFAULT 'anyone',
    opens_at BIGINT,
    closes_at BIGINT,
    -- Registrants must enter this code (compared case-insensitively); NULL: no code.
    access_code TEXT,
    cap BIGINT CHECK (cap IS NULL OR cap >= 0),
    taken BIGINT NOT NULL DEFAULT 0 CHECK (taken >= 0),
    -- 'none', 'count' (a number of unnamed guests), 'details' (each guest's name and email).
    guests TEXT NOT NULL DEFAULT 'none',
    max_guests BIGINT NOT NULL DEFAULT 0 CHECK (max_guests >= 0),
    -- Faculty and staff: no charge, hidden from the public list of types.
    complimentary BOOLEAN NOT NULL DEFAULT FALSE,
    -- Industry and exhibitor representatives: never counted or reported as learners.
    is_industry BOOLEAN NOT NULL DEFAULT FALSE,
    -- Self-cancellation: 'none', 'refund', 'credit'; allowed until this many hours before start.
    cancel_policy TEXT NOT NULL DEFAULT 'refund',
    cancel_until_hours BIGINT NOT NULL DEFAULT 48,
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    CHECK (taken <= cap OR cap IS NULL),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE
);
CREATE INDEX registration_type_event ON registration_type (society_id, event_id, position);

CREATE TABLE registration_type_level (
    society_id UUID NOT NULL,
    registration_type_id UUID NOT NULL,
    level_id UUID NOT NULL,
    PRIMARY KEY (society_id, registration_type_id, level_id),
    FOREIGN KEY (society_id, registration_type_id) REFERENCES registration_type (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id)
);

CREATE TABLE registration_question (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    -- NULL: asked of every type.
    registration_type_id UUID,
    label TEXT NOT NULL,
    -- 'text', 'choice', 'checkbox'.
    kind TEXT NOT NULL DEFAULT 'text',
    -- For 'choice': one option per line.
    choices TEXT NOT NULL DEFAULT '',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, registration_type_id) REFERENCES registration_type (society_id, id) ON DELETE CASCADE
);

CREATE TABLE registration (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    registration_type_id UUID NOT NULL,
    person_id UUID NOT NULL,
    -- Copied at registration for badges and lists.
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- 'held' (awaiting card payment until hold_expires_at), 'confirmed', 'waitlisted',
    -- 'offered' (a freed seat offered until offer_expires_at), 'cancelled', 'expired'.
    status TEXT NOT NULL,
    -- Itself plus its guests; what it takes from the counters while held, offered or confirmed.
    seats BIGINT NOT NULL DEFAULT 1 CHECK (seats >= 1),
    price_cents BIGINT NOT NULL DEFAULT 0,
    member_price BOOLEAN NOT NULL DEFAULT FALSE,
    invoice_id UUID,
    hold_expires_at BIGINT,
    waitlisted_at BIGINT,
    offer_expires_at BIGINT,
    checked_in_at BIGINT,
    checked_in_by UUID,
    cancelled_at BIGINT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    -- The form's one-time token: a double submit finds the first registration.
    submit_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, submit_key),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id),
    FOREIGN KEY (society_id, registration_type_id) REFERENCES registration_type (society_id, id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id)
);
-- One live registration per person and event.
CREATE UNIQUE INDEX registration_live ON registration (society_id, event_id, person_id)
    WHERE status IN ('held', 'confirmed', 'waitlisted', 'offered');
CREATE INDEX registration_event ON registration (society_id, event_id, status, created_at);
CREATE INDEX registration_person ON registration (society_id, person_id);
CREATE INDEX registration_expiry ON registration (society_id, status, hold_expires_at);

CREATE TABLE registration_guest (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    registration_id UUID NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    checked_in_at BIGINT,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, registration_id) REFERENCES registration (society_id, id) ON DELETE CASCADE
);

CREATE TABLE registration_answer (
    society_id UUID NOT NULL,
    registration_id UUID NOT NULL,
    question_id UUID NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (society_id, registration_id, question_id),
    FOREIGN KEY (society_id, registration_id) REFERENCES registration (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, question_id) REFERENCES registration_question (society_id, id) ON DELETE CASCADE
);

-- A webinar platform's attendance report as staff uploaded it.
CREATE TABLE attendance_import (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    session_id UUID,
    filename TEXT NOT NULL,
    min_minutes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    people_matched BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE
);

-- Who attended what: one row per person and event, or per person and session for a series.
-- `session_key` is the session's id as text, or '' for the whole event (NULLs are never equal in
-- a unique index, so the empty string stands for "no session").
CREATE TABLE attendance (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    session_id UUID,
    session_key TEXT NOT NULL DEFAULT '',
    person_id UUID NOT NULL,
    registration_id UUID,
    minutes BIGINT NOT NULL DEFAULT 0,
    attended BOOLEAN NOT NULL,
    -- 'checkin', 'import', 'staff'.
    source TEXT NOT NULL,
    import_id UUID,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, event_id, session_key, person_id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id),
    FOREIGN KEY (society_id, registration_id) REFERENCES registration (society_id, id),
    FOREIGN KEY (society_id, import_id) REFERENCES attendance_import (society_id, id)
);
CREATE INDEX attendance_person ON attendance (society_id, person_id);

-- Speakers, moderators and planners of an event (everyone who controls content), invited by email.
CREATE TABLE event_faculty (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID NOT NULL,
    person_id UUID NOT NULL,
    -- 'speaker', 'moderator', 'planner', 'reviewer'.
    role TEXT NOT NULL DEFAULT 'speaker',
    invited_at BIGINT NOT NULL,
    agreement_accepted_at BIGINT,
    -- The agreement text as accepted, so a later edit does not change what was agreed to.
    agreement_text TEXT NOT NULL DEFAULT '',
    cv_blob_id UUID,
    slides_blob_id UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, event_id, person_id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id),
    FOREIGN KEY (society_id, cv_blob_id) REFERENCES blob (society_id, id),
    FOREIGN KEY (society_id, slides_blob_id) REFERENCES blob (society_id, id)
);

CREATE TABLE session_faculty (
    society_id UUID NOT NULL,
    session_id UUID NOT NULL,
    faculty_id UUID NOT NULL,
    PRIMARY KEY (society_id, session_id, faculty_id),
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, faculty_id) REFERENCES event_faculty (society_id, id) ON DELETE CASCADE
);

-- A financial-relationship disclosure (ACCME Standards for Integrity and Independence): the
-- relationships with ineligible companies in the last 24 months, as submitted by link.
CREATE TABLE disclosure (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    faculty_id UUID NOT NULL,
    submitted_at BIGINT NOT NULL,
    has_relationships BOOLEAN NOT NULL,
    attested BOOLEAN NOT NULL,
    -- Planner review: NULL until reviewed.
    reviewed_at BIGINT,
    reviewed_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, faculty_id),
    FOREIGN KEY (society_id, faculty_id) REFERENCES event_faculty (society_id, id) ON DELETE CASCADE
);

CREATE TABLE disclosure_relationship (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    disclosure_id UUID NOT NULL,
    company TEXT NOT NULL,
    -- 'consulting', 'speakers_bureau', 'research', 'advisory_board', 'stock', 'employment', 'other'.
    nature TEXT NOT NULL,
    has_ended BOOLEAN NOT NULL DEFAULT FALSE,
    -- Planner's decision: NULL until reviewed.
    relevant BOOLEAN,
    mitigation TEXT NOT NULL DEFAULT '',
    mitigated_at BIGINT,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, disclosure_id) REFERENCES disclosure (society_id, id) ON DELETE CASCADE
);

-- An education activity: one per accredited event, or standalone enduring material (event NULL).
CREATE TABLE activity (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    event_id UUID,
    title TEXT NOT NULL,
    -- PARS activity types: 'live' (course), 'rss', 'enduring', 'internet_live', 'internet_enduring'.
    activity_type TEXT NOT NULL DEFAULT 'live',
    -- When the society is not itself accredited, the accredited partner's name.
    joint_provider TEXT NOT NULL DEFAULT '',
    accreditation_statement TEXT NOT NULL DEFAULT '',
    designation_statement TEXT NOT NULL DEFAULT '',
    other_statements TEXT NOT NULL DEFAULT '',
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    commercial_support_cents BIGINT NOT NULL DEFAULT 0,
    commercial_supporters TEXT NOT NULL DEFAULT '',
    -- ACPE universal activity number for pharmacy CE.
    acpe_uan TEXT NOT NULL DEFAULT '',
    claim_deadline TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX activity_event ON activity (society_id, event_id) WHERE event_id IS NOT NULL;

-- Credit types offered and their maxima, for the whole activity (session_key '') or a session.
CREATE TABLE activity_credit (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    activity_id UUID NOT NULL,
    session_id UUID,
    session_key TEXT NOT NULL DEFAULT '',
    -- 'ama_pra_1', 'abim_moc', 'nursing', 'pharmacy', 'participation'.
    credit_type TEXT NOT NULL,
    max_hundredths BIGINT NOT NULL CHECK (max_hundredths >= 0),
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, activity_id, session_key, credit_type),
    FOREIGN KEY (society_id, activity_id) REFERENCES activity (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE
);

CREATE TABLE evaluation_question (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    activity_id UUID NOT NULL,
    prompt TEXT NOT NULL,
    -- 'scale' (1 to 5), 'text'.
    kind TEXT NOT NULL DEFAULT 'scale',
    required BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, activity_id) REFERENCES activity (society_id, id) ON DELETE CASCADE
);

CREATE TABLE evaluation (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    activity_id UUID NOT NULL,
    person_id UUID NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, activity_id, person_id),
    FOREIGN KEY (society_id, activity_id) REFERENCES activity (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id)
);

CREATE TABLE evaluation_answer (
    society_id UUID NOT NULL,
    evaluation_id UUID NOT NULL,
    question_id UUID NOT NULL,
    scale BIGINT CHECK (scale IS NULL OR scale BETWEEN 1 AND 5),
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (society_id, evaluation_id, question_id),
    FOREIGN KEY (society_id, evaluation_id) REFERENCES evaluation (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, question_id) REFERENCES evaluation_question (society_id, id) ON DELETE CASCADE
);

-- A learner's claim: one per activity (or session), person and credit type.
CREATE TABLE credit_claim (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    activity_id UUID NOT NULL,
    session_id UUID,
    session_key TEXT NOT NULL DEFAULT '',
    person_id UUID NOT NULL,
    credit_type TEXT NOT NULL,
    amount_hundredths BIGINT NOT NULL CHECK (amount_hundredths > 0),
    completed_on TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, activity_id, session_key, person_id, credit_type),
    FOREIGN KEY (society_id, activity_id) REFERENCES activity (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id)
);
CREATE INDEX credit_claim_person ON credit_claim (society_id, person_id, completed_on);
