-- Read paths behind the events pages and the staff registrant list at scale (issue 4).

-- The events lists pick their page in date order before the per-event counts run
-- (upcoming: soonest first; past: latest first).
CREATE INDEX event_calendar ON event (society_id, starts_at, title);
-- "Is a published event coming up?" (every page's menu): one index seek.
CREATE INDEX event_ends ON event (society_id, status, ends_at);
-- An event's registrants by name without sorting the list (the expressions match the query's
-- ORDER BY in `Scoped::event_registrations`).
CREATE INDEX registration_event_name ON registration
    (society_id, event_id, LOWER(last_name), LOWER(first_name), created_at);
