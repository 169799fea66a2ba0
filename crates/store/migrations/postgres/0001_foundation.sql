-- Foundation: societies and their hosts, people and accounts, sessions, sign-in tokens,
-- invitations, audit log, content pages, redirects, jobs, blobs, rate limits.
-- Tenant-owned tables have society_id, a unique (society_id, id), and composite foreign keys.

CREATE TABLE society (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    tagline TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    sender_address TEXT NOT NULL DEFAULT '',
    primary_color TEXT NOT NULL DEFAULT '#1d4e89',
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    require_owner_mfa BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE society_host (
    host TEXT PRIMARY KEY,
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    is_primary BOOLEAN NOT NULL
);
CREATE INDEX society_host_society ON society_host (society_id);
CREATE UNIQUE INDEX society_host_one_primary ON society_host (society_id) WHERE is_primary;

CREATE TABLE person (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, email)
);

CREATE TABLE account (
    society_id UUID NOT NULL,
    id UUID NOT NULL,
    person_id UUID NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'staff', 'admin', 'owner')),
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT,
    email_verified_at BIGINT,
    totp_secret TEXT,
    totp_last_step BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, person_id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE
);

CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    society_id UUID NOT NULL,
    account_id UUID NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    authenticated_at BIGINT NOT NULL,
    mfa_pending BOOLEAN NOT NULL DEFAULT FALSE,
    FOREIGN KEY (society_id, account_id) REFERENCES account (society_id, id) ON DELETE CASCADE
);
CREATE INDEX session_account ON session (society_id, account_id);

CREATE TABLE login_token (
    token_hash TEXT PRIMARY KEY,
    society_id UUID NOT NULL,
    account_id UUID NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'password_reset', 'verify_email')),
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (society_id, account_id) REFERENCES account (society_id, id) ON DELETE CASCADE
);
CREATE INDEX login_token_account ON login_token (society_id, account_id);

CREATE TABLE invitation (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'staff', 'admin', 'owner')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by UUID NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    FOREIGN KEY (society_id, invited_by) REFERENCES account (society_id, id)
);

CREATE TABLE audit_log (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    at BIGINT NOT NULL,
    actor_account_id UUID,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (society_id, id)
);
CREATE INDEX audit_log_at ON audit_log (society_id, at);

CREATE TABLE page (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    menu_label TEXT,
    menu_order BIGINT NOT NULL DEFAULT 0,
    published BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by UUID,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, slug),
    FOREIGN KEY (society_id, updated_by) REFERENCES account (society_id, id)
);

CREATE TABLE redirect (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    from_path TEXT NOT NULL,
    to_path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id),
    UNIQUE (society_id, from_path)
);

CREATE TABLE job (
    id UUID PRIMARY KEY,
    society_id UUID REFERENCES society (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 8,
    locked_until BIGINT,
    locked_by TEXT,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    last_error TEXT,
    dedup_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX job_due ON job (state, run_at);
CREATE INDEX job_society ON job (society_id, state);

CREATE TABLE blob (
    society_id UUID NOT NULL REFERENCES society (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, id)
);

CREATE TABLE rate_limit (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
