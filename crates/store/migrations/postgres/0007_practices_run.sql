-- Practices and the daily run: a practice's reminders (to its billing contact) exactly once per
-- step, like membership_notice for members; and indexes for the members list's filters and the
-- daily run's reminder and transition queries.

CREATE TABLE practice_notice (
    society_id UUID NOT NULL,
    practice_id UUID NOT NULL,
    kind TEXT NOT NULL,
    -- The practice term end the notice is about.
    for_end_on TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, practice_id, kind, for_end_on),
    FOREIGN KEY (society_id, practice_id) REFERENCES practice (society_id, id) ON DELETE CASCADE
);

-- "Renewal due in N days" and the daily run's reminder window look terms up by their end.
CREATE INDEX membership_term_end ON membership_term (society_id, end_on, membership_id);
-- A membership's latest term end (the members list's "paid through", "has it been renewed?").
CREATE INDEX membership_term_member_end ON membership_term (society_id, membership_id, end_on);
CREATE INDEX person_specialty ON person (society_id, specialty);
CREATE INDEX person_display_name ON person (society_id, display_name, email);
CREATE INDEX membership_level_member ON membership (society_id, level_id);
