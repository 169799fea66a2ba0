-- A guest's check-in at one session of a series (a tumor board: one registration, many
-- sessions). A meeting's guests keep `registration_guest.checked_in_at`, which is for the whole
-- event; at a series each session has its own door, so a guest checked in at one session is not
-- in at the next. The registrant's own per-session check-in is their `attendance` row for the
-- session (source 'checkin'), as before.
CREATE TABLE guest_session_checkin (
    society_id UUID NOT NULL,
    guest_id UUID NOT NULL,
    registration_id UUID NOT NULL,
    session_id UUID NOT NULL,
    checked_in_at BIGINT NOT NULL,
    PRIMARY KEY (society_id, guest_id, session_id),
    FOREIGN KEY (society_id, guest_id) REFERENCES registration_guest (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, registration_id) REFERENCES registration (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, session_id) REFERENCES event_session (society_id, id) ON DELETE CASCADE
);
CREATE INDEX guest_session_checkin_registration
    ON guest_session_checkin (society_id, registration_id, session_id);
