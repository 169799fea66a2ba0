-- Zoom attendance reports waiting between upload, preview and confirm: the file is a blob; this
-- row names it and ties it to its event, so the attendance import pages open only those blobs
-- (and the member import never opens them). `created_by` is the uploading account, kept without a
-- foreign key like `attendance_import.created_by`, so merging or erasing a person never trips on
-- a short-lived upload.
CREATE TABLE attendance_upload (
    society_id UUID NOT NULL,
    blob_id UUID NOT NULL,
    event_id UUID NOT NULL,
    file_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, blob_id),
    FOREIGN KEY (society_id, blob_id) REFERENCES blob (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, event_id) REFERENCES event (society_id, id) ON DELETE CASCADE
);
CREATE INDEX attendance_upload_created ON attendance_upload (society_id, created_at);
