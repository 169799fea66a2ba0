-- Staff record work: why a membership is suspended (shown on the person's page, cleared on
-- reinstatement), and the person's audit history read by subject.
ALTER TABLE membership ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_subject ON audit_log (society_id, subject, at);
