-- Speakers: the agreement staff write for an event's faculty. Empty means the built-in default
-- (`core::disclosure::DEFAULT_AGREEMENT`); what a speaker accepted is copied onto their
-- `event_faculty` row, so a later edit does not change what was agreed to.
ALTER TABLE event ADD COLUMN speaker_agreement TEXT NOT NULL DEFAULT '';
