-- Membership: levels, each person's membership, and one term row per paid period.
-- Dates are ISO 'YYYY-MM-DD' text in the society's time zone.

CREATE TABLE membership_level (
    society_id BLOB NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    for_practices BOOLEAN NOT NULL DEFAULT FALSE,
    fee_cents BIGINT NOT NULL CHECK (fee_cents >= 0),
    -- NULL: the one term never ends (lifetime, honorary).
    period_months BIGINT CHECK (period_months IS NULL OR period_months > 0),
    -- Both NULL: terms renew on each member's anniversary.
    fixed_month BIGINT,
    fixed_day BIGINT,
    grace_days BIGINT NOT NULL DEFAULT 30 CHECK (grace_days >= 0),
    approval_required BOOLEAN NOT NULL DEFAULT FALSE,
    prorate BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order BIGINT NOT NULL DEFAULT 0,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, name),
    CHECK ((fixed_month IS NULL) = (fixed_day IS NULL))
);

CREATE TABLE membership (
    society_id BLOB NOT NULL,
    id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    level_id BLOB NOT NULL,
    joined_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'grace', 'lapsed', 'suspended', 'cancelled')),
    status_since TEXT NOT NULL,
    application TEXT CHECK (application IN ('pending', 'approved', 'rejected')),
    cancelled_on TEXT,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    override_status TEXT CHECK (override_status IN ('pending', 'active', 'grace', 'lapsed', 'suspended', 'cancelled')),
    override_reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, person_id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id)
);
CREATE INDEX membership_by_status ON membership (society_id, status, level_id);

CREATE TABLE membership_term (
    society_id BLOB NOT NULL,
    id BLOB NOT NULL,
    membership_id BLOB NOT NULL,
    level_id BLOB NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    -- Two renewals submitted at once produce one term.
    UNIQUE (society_id, membership_id, start_on),
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, level_id) REFERENCES membership_level (society_id, id)
);
