-- Stripe, beyond migration 0003: what each automatic-renewal charge was for (so a webhook's
-- amount can be checked against it), where a Checkout Session stands (bank payments take days),
-- and setup-mode sessions through which members add a card or bank account without paying.

ALTER TABLE charge_attempt ADD COLUMN amount_cents BIGINT;
-- The saved method charged ('pm_…'), for the member's email and staff.
ALTER TABLE charge_attempt ADD COLUMN provider_method_id TEXT;
CREATE INDEX charge_attempt_provider_ref ON charge_attempt (society_id, provider_ref);

-- 'open', then 'processing' (a bank payment on its way), 'paid' or 'failed'.
ALTER TABLE checkout_session ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE checkout_session ADD COLUMN provider_payment_ref TEXT;

CREATE TABLE setup_session (
    society_id BLOB NOT NULL,
    provider_session_id TEXT NOT NULL,
    person_id BLOB NOT NULL,
    -- Automatic renewal of this membership switches to the new method.
    membership_id BLOB,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (society_id, provider_session_id),
    FOREIGN KEY (society_id, person_id) REFERENCES person (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, membership_id) REFERENCES membership (society_id, id) ON DELETE CASCADE
);

CREATE INDEX webhook_event_received ON webhook_event (society_id, received_at);
CREATE INDEX webhook_rejection_received ON webhook_rejection (society_id, received_at);
