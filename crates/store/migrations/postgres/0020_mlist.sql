-- The staff members list at scale (issue 3).

-- The practice-address state filter: its people (and its count) from the index alone, without
-- reading each address row for its kind.
CREATE INDEX person_address_kind_state ON person_address (society_id, kind, state, person_id);

-- A membership's latest term end (the largest end_on; NULL with no dated term), kept by the
-- trigger below on every write of a term, whichever code writes it (a row is rewritten only
-- when its value changes): the members list filters "renewal due within N days" on it through
-- an index, and both planners have statistics on it (a correlated MAX over the terms has none).
ALTER TABLE membership ADD COLUMN latest_term_end TEXT;
UPDATE membership SET latest_term_end = (SELECT MAX(t.end_on) FROM membership_term t
    WHERE t.society_id = membership.society_id AND t.membership_id = membership.id);
CREATE INDEX membership_latest_term_end ON membership (society_id, latest_term_end);

CREATE FUNCTION membership_latest_term_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE membership SET latest_term_end = (SELECT MAX(t.end_on) FROM membership_term t
            WHERE t.society_id = OLD.society_id AND t.membership_id = OLD.membership_id)
        WHERE society_id = OLD.society_id AND id = OLD.membership_id
            AND latest_term_end IS DISTINCT FROM (SELECT MAX(t.end_on) FROM membership_term t
                WHERE t.society_id = OLD.society_id AND t.membership_id = OLD.membership_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE membership SET latest_term_end = (SELECT MAX(t.end_on) FROM membership_term t
            WHERE t.society_id = NEW.society_id AND t.membership_id = NEW.membership_id)
        WHERE society_id = NEW.society_id AND id = NEW.membership_id
            AND latest_term_end IS DISTINCT FROM (SELECT MAX(t.end_on) FROM membership_term t
                WHERE t.society_id = NEW.society_id AND t.membership_id = NEW.membership_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER membership_term_latest_end
    AFTER INSERT OR DELETE OR UPDATE OF membership_id, end_on ON membership_term
    FOR EACH ROW EXECUTE FUNCTION membership_latest_term_end();
