-- The rest of membership: people's professional identifiers and directory visibility, practices
-- and their seats, level rules, committees, custom fields, notes, invoices and payments, payment
-- provider settings and webhooks, and the daily run's notices.
--
-- SQLite's ALTER TABLE cannot add a composite foreign key, so every new link from an existing
-- table to another tenant row lives in a side table keyed by that row (membership_seat,
-- auto_renewal, level_transition, level_billing); the database still refuses cross-society links.
-- Dates are ISO 'YYYY-MM-DD' text in the society's zone; instants are BIGINT microseconds;
-- money is BIGINT cents.

-- People: names, credentials and professional identifiers. All optional; NPI unique per society.
ALTER TABLE person ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
-- As the person writes them: 'MD, PhD', 'NP', 'PharmD, BCOP'.
ALTER TABLE person ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
-- physician, fellow, nurse_practitioner, physician_assistant, pharmacist, nurse, administrator, other
ALTER TABLE person ADD COLUMN profession TEXT NOT NULL DEFAULT 'other';
ALTER TABLE person ADD COLUMN npi TEXT;
ALTER TABLE person ADD COLUMN specialty TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN abim_id TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN nabp_eprofile_id TEXT NOT NULL DEFAULT '';
-- Private; accreditation reports (PARS) ask for them.
ALTER TABLE person ADD COLUMN birth_month BIGINT CHECK (birth_month IS NULL OR birth_month BETWEEN 1 AND 12);
ALTER TABLE person ADD COLUMN birth_day BIGINT CHECK (birth_day IS NULL OR birth_day BETWEEN 1 AND 31);
-- The id the society's previous system gave this person (CSV import matches on it).
ALTER TABLE person ADD COLUMN external_id TEXT;
-- Set when a person is anonymised on request: their row stays for the ledger, emptied.
ALTER TABLE person ADD COLUMN anonymised_at BIGINT;
ALTER TABLE person ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX person_npi ON person (society_id, npi) WHERE npi IS NOT NULL;
CREATE UNIQUE INDEX person_external_id ON person (society_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX person_name ON person (society_id, last_name, first_name);

-- NUCC taxonomy codes (e.g. 207RX0202X Medical Oncology); one may be primary.
CREATE TABLE person_taxonomy (
    society_id UUID NOT NULL,
    person_id UUID NOT NULL,
    code TEXT NOT NULL,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (society_id, person_id, code),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);
CREATE INDEX person_taxonomy_code ON person_taxonomy (society_id, code);

CREATE TABLE person_licence (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    person_id UUID NOT NULL,
    state TEXT NOT NULL,
    number TEXT NOT NULL,
    expires_on TEXT,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, person_id, state, number),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);

CREATE TABLE person_address (
    society_id UUID NOT NULL,
    person_id UUID NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('home', 'practice')),
    line1 TEXT NOT NULL DEFAULT '',
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT 'US',
    PRIMARY KEY (society_id, person_id, kind),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);
CREATE INDEX person_address_state ON person_address (society_id, state);

-- Directory visibility. A field with no row here uses the society's default
-- (directory_default), and with no default there, 'private'.
CREATE TABLE directory_default (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'members', 'private')),
    PRIMARY KEY (society_id, field)
);

CREATE TABLE person_field_visibility (
    society_id UUID NOT NULL,
    person_id UUID NOT NULL,
    field TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'members', 'private')),
    -- Staff locked it: the member cannot change it from the portal.
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (society_id, person_id, field),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);

CREATE TABLE person_note (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    person_id UUID NOT NULL,
    body TEXT NOT NULL,
    author_account_id UUID,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, author_account_id) REFERENCES account (society_id, id)
);
CREATE INDEX person_note_person ON person_note (society_id, person_id, created_at);

-- Staff's own fields (licence number, ABIM id, home address… whatever they track).
CREATE TABLE custom_field (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'choice', 'yes_no')),
    -- For 'choice': one option per line.
    choices TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, name)
);

CREATE TABLE custom_field_value (
    society_id UUID NOT NULL,
    field_id UUID NOT NULL,
    person_id UUID NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (society_id, field_id, person_id),
    FOREIGN KEY (society_id, field_id) REFERENCES custom_field (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);

-- Committees and groups, with roles (chair…) and term dates.
CREATE TABLE committee (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'committee' CHECK (kind IN ('committee', 'group')),
    description TEXT NOT NULL DEFAULT '',
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, name)
);

CREATE TABLE committee_member (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    committee_id UUID NOT NULL,
    person_id UUID NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    start_on TEXT,
    end_on TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, committee_id) REFERENCES committee (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);
CREATE INDEX committee_member_person ON committee_member (society_id, person_id);
CREATE INDEX committee_member_committee ON committee_member (society_id, committee_id);

-- Revenue accounts: every invoice line names one (QuickBooks' product/service on export).
CREATE TABLE revenue_account (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, code)
);

-- Level rules beyond migration 0002.
ALTER TABLE membership_level ADD COLUMN seat_limit BIGINT CHECK (seat_limit IS NULL OR seat_limit > 0);
-- FALSE for retired, honorary, complimentary: staff assign them; Join does not offer them.
ALTER TABLE membership_level ADD COLUMN public_join BOOLEAN NOT NULL DEFAULT TRUE;
-- Comma-separated professions that may apply; empty: anyone.
ALTER TABLE membership_level ADD COLUMN professions TEXT NOT NULL DEFAULT '';
-- Days relative to the term's end on which a reminder goes out: positive before, negative after.
ALTER TABLE membership_level ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '60,30,7,-7';
ALTER TABLE membership_level ADD COLUMN auto_renew_allowed BOOLEAN NOT NULL DEFAULT TRUE;
-- Share of dues not deductible because of lobbying (IRC 6033(e)), in basis points (2500 = 25%).
ALTER TABLE membership_level ADD COLUMN nondeductible_bp BIGINT NOT NULL DEFAULT 0
    CHECK (nondeductible_bp BETWEEN 0 AND 10000);

-- Practice levels: a rate per profession (fellows free, NPs/PAs less…). A profession with no
-- row pays the level's fee_cents.
CREATE TABLE level_rate (
    society_id UUID NOT NULL,
    level_id UUID NOT NULL,
    profession TEXT NOT NULL,
    fee_cents BIGINT NOT NULL CHECK (fee_cents >= 0),
    PRIMARY KEY (society_id, level_id, profession),
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id) ON DELETE CASCADE
);

-- Which level changes a member may make from the portal.
CREATE TABLE level_change (
    society_id UUID NOT NULL,
    from_level_id UUID NOT NULL,
    to_level_id UUID NOT NULL,
    PRIMARY KEY (society_id, from_level_id, to_level_id),
    FOREIGN KEY (society_id, from_level_id) REFERENCES membership_level (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, to_level_id) REFERENCES membership_level (society_id, id) ON DELETE CASCADE
);

-- A fellow becomes early-career on 30 June: every member of level_id moves to to_level_id on
-- that month/day each year (the daily run does it once per member per year).
CREATE TABLE level_transition (
    society_id UUID NOT NULL,
    level_id UUID NOT NULL,
    to_level_id UUID NOT NULL,
    month BIGINT NOT NULL CHECK (month BETWEEN 1 AND 12),
    day BIGINT NOT NULL CHECK (day BETWEEN 1 AND 31),
    PRIMARY KEY (society_id, level_id),
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, to_level_id) REFERENCES membership_level (society_id, id)
);

-- The revenue account a level's dues are booked to.
CREATE TABLE level_billing (
    society_id UUID NOT NULL,
    level_id UUID NOT NULL,
    revenue_account_id UUID NOT NULL,
    PRIMARY KEY (society_id, level_id),
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, revenue_account_id) REFERENCES revenue_account (society_id, id)
);

-- Practices (groups): a level with seats, a key contact and a billing contact (may differ),
-- a PO number for their invoices, and one shared renewal date (their terms).
CREATE TABLE practice (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    name TEXT NOT NULL,
    npi TEXT,
    phone TEXT NOT NULL DEFAULT '',
    line1 TEXT NOT NULL DEFAULT '',
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    level_id UUID,
    key_contact_id UUID,
    billing_contact_id UUID,
    billing_email TEXT NOT NULL DEFAULT '',
    po_number TEXT NOT NULL DEFAULT '',
    joined_on TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'grace', 'lapsed', 'suspended', 'cancelled')),
    status_since TEXT,
    external_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, name),
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id),
    FOREIGN KEY (society_id, key_contact_id) REFERENCES person (society_id, id),
    FOREIGN KEY (society_id, billing_contact_id) REFERENCES person (society_id, id)
);

CREATE TABLE practice_term (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    practice_id UUID NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, practice_id, start_on),
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id) ON DELETE CASCADE
);

-- Who works at a practice; managers act for the practice's clinicians as delegates.
CREATE TABLE practice_link (
    society_id UUID NOT NULL,
    practice_id UUID NOT NULL,
    person_id UUID NOT NULL,
    is_manager BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, practice_id, person_id),
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);
CREATE INDEX practice_link_person ON practice_link (society_id, person_id);

-- A membership whose dues the practice pays (a seat). Its status follows the practice's.
CREATE TABLE membership_seat (
    society_id UUID NOT NULL,
    membership_id UUID NOT NULL,
    practice_id UUID NOT NULL,
    -- Set when the seat was added mid-term: the prorated amount goes on the next invoice.
    added_on TEXT NOT NULL,
    billed_through TEXT,
    PRIMARY KEY (society_id, membership_id),
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id) ON DELETE CASCADE
);
CREATE INDEX membership_seat_practice ON membership_seat (society_id, practice_id);

-- Gapless document numbers: one counter per society and document kind, bumped in the
-- transaction that writes the document (a rolled-back document gives its number back).
CREATE TABLE document_counter (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'payment', 'refund', 'credit_memo')),
    last_number BIGINT NOT NULL,
    PRIMARY KEY (society_id, kind)
);

-- Invoices are immutable once written: corrections are credit memos, money back is a refund.
CREATE TABLE invoice (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    number BIGINT NOT NULL,
    person_id UUID,
    practice_id UUID,
    -- Copied at issue so the document never changes when the person or practice does.
    bill_to_name TEXT NOT NULL,
    bill_to_email TEXT NOT NULL DEFAULT '',
    bill_to_address TEXT NOT NULL DEFAULT '',
    po_number TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    -- The lobbying share of dues printed on the invoice (IRC 6033(e)).
    nondeductible_cents BIGINT NOT NULL DEFAULT 0,
    memo TEXT NOT NULL DEFAULT '',
    -- 'dues' (a membership's term), 'practice_dues', 'seat_proration', 'other'.
    purpose TEXT NOT NULL DEFAULT 'other',
    -- For dues: paying this invoice adds this term to this membership (or practice).
    membership_id UUID,
    term_start TEXT,
    term_end TEXT,
    -- Renewal invoices from the daily run: one per membership and term.
    dedup_key TEXT,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, number),
    UNIQUE (society_id, dedup_key),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id),
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id),
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id),
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);
CREATE INDEX invoice_person ON invoice (society_id, person_id);
CREATE INDEX invoice_practice ON invoice (society_id, practice_id);
CREATE INDEX invoice_issued ON invoice (society_id, issued_on);

CREATE TABLE invoice_line (
    society_id UUID NOT NULL,
    invoice_id UUID NOT NULL,
    line_no BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL DEFAULT 1,
    unit_cents BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    revenue_account_id UUID NOT NULL,
    -- For a practice's invoice: the clinician this line covers.
    person_id UUID,
    PRIMARY KEY (society_id, invoice_id, line_no),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, revenue_account_id) REFERENCES revenue_account (society_id, id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id)
);

CREATE TABLE payment (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    number BIGINT NOT NULL,
    invoice_id UUID NOT NULL,
    received_on TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('card', 'ach', 'check', 'bank_transfer', 'cash', 'other')),
    -- Check number, or the provider's payment id (one provider payment is recorded once).
    reference TEXT NOT NULL DEFAULT '',
    provider_ref TEXT,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, number),
    UNIQUE (society_id, provider_ref),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id),
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);
CREATE INDEX payment_invoice ON payment (society_id, invoice_id);
CREATE INDEX payment_received ON payment (society_id, received_on);

CREATE TABLE refund (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    number BIGINT NOT NULL,
    payment_id UUID NOT NULL,
    refunded_on TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reason TEXT NOT NULL,
    provider_ref TEXT,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, number),
    FOREIGN KEY (society_id, payment_id) REFERENCES payment (society_id, id),
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);

CREATE TABLE credit_memo (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    number BIGINT NOT NULL,
    invoice_id UUID NOT NULL,
    issued_on TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, number),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id),
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);

-- The society's card processor (Stripe): keys encrypted with the deployment's key.
CREATE TABLE payment_settings (
    society_id UUID PRIMARY KEY REFERENCES society (id) ON DELETE CASCADE,
    publishable_key TEXT NOT NULL,
    secret_key_enc BYTEA NOT NULL,
    webhook_secret_enc BYTEA NOT NULL,
    -- Where the API lives; Stripe's own unless a test points it at the stand-in.
    api_base TEXT NOT NULL DEFAULT 'https://api.stripe.com',
    updated_at BIGINT NOT NULL
);

-- A saved card or bank account at the processor, for automatic renewal.
CREATE TABLE payment_method (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    person_id UUID,
    practice_id UUID,
    provider_customer_id TEXT NOT NULL,
    provider_method_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('card', 'us_bank_account')),
    -- 'Visa •••• 4242', 'STRIPE TEST BANK •••• 6789'
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, provider_method_id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id) ON DELETE CASCADE
);

-- Automatic renewal is on for a membership while it has a row here.
CREATE TABLE auto_renewal (
    society_id UUID NOT NULL,
    membership_id UUID NOT NULL,
    payment_method_id UUID,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, membership_id),
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, payment_method_id) REFERENCES payment_method (society_id, id)
);

-- A Checkout Session we created, so its completion can be matched to the invoice and amount.
CREATE TABLE checkout_session (
    society_id UUID NOT NULL,
    provider_session_id TEXT NOT NULL,
    invoice_id UUID NOT NULL,
    amount_cents BIGINT NOT NULL,
    save_method BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (society_id, provider_session_id),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id)
);

-- Automatic-renewal charges and their retries.
CREATE TABLE charge_attempt (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    invoice_id UUID NOT NULL,
    attempt_no BIGINT NOT NULL,
    attempted_on TEXT NOT NULL,
    provider_ref TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'failed')),
    failure_message TEXT NOT NULL DEFAULT '',
    next_attempt_on TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    -- Two daily runs at once make one charge.
    UNIQUE (society_id, invoice_id, attempt_no),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id)
);

-- Every processor event id we acted on (each is processed once), and every webhook we refused
-- (bad signature, amount mismatch…), for staff to see.
CREATE TABLE webhook_event (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    provider_event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, provider_event_id)
);

CREATE TABLE webhook_rejection (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    received_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- The first few hundred bytes, for diagnosis; never trusted.
    excerpt TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (society_id, id)
);

-- Reminders and other membership notices, exactly once per step: the daily run inserts the row
-- and enqueues the mail in one transaction, so a repeated or crashed run sends nothing twice.
CREATE TABLE membership_notice (
    society_id UUID NOT NULL,
    membership_id UUID NOT NULL,
    kind TEXT NOT NULL,
    -- The term end the notice is about (a reminder step is per term).
    for_end_on TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, membership_id, kind, for_end_on),
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id) ON DELETE CASCADE
);

-- Import runs, so staff see what an import did (and a re-import of the same file is a no-op).
CREATE TABLE import_run (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);
