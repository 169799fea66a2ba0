-- Faculty removal: a speaker who withdrew keeps their row (agreement, materials, disclosure and
-- its review stay for the accreditation file) with the time they were removed. Removed faculty
-- are left off the event's page, learner-facing disclosures and staff's working list; the
-- joint-provider export lists them marked withdrawn. Their link stops working.
ALTER TABLE event_faculty ADD COLUMN removed_at BIGINT;
