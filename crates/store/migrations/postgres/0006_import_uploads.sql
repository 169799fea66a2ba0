-- Member-list uploads waiting for their mapping and dry run: the file itself is a blob; this
-- row names it and marks it as an import upload, so the import pages open only those blobs.
CREATE TABLE import_upload (
    society_id UUID NOT NULL,
    blob_id UUID NOT NULL,
    file_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID,
    PRIMARY KEY (society_id, blob_id),
    FOREIGN KEY (society_id, blob_id) REFERENCES blob (society_id, id) ON DELETE CASCADE,
    FOREIGN KEY (society_id, created_by) REFERENCES account (society_id, id)
);
CREATE INDEX import_upload_created ON import_upload (society_id, created_at);
CREATE INDEX import_run_created ON import_run (society_id, created_at);

-- A person's custom field values, for the person's page and the export.
CREATE INDEX custom_field_value_person ON custom_field_value (society_id, person_id);
