-- Voiding an invoice: the invoice itself is never changed; this row says it is cancelled and
-- nothing is owed on it (when, why, and by whom: a staff member's name or the job that did it,
-- kept as words without a foreign key so merging or erasing a person never trips on it). A void
-- is lifted (`lifted_at`) when a late payment pays the invoice after all.
CREATE TABLE invoice_void (
    society_id UUID NOT NULL,
    invoice_id UUID NOT NULL,
    voided_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    voided_by TEXT NOT NULL,
    lifted_at BIGINT,
    PRIMARY KEY (society_id, invoice_id),
    FOREIGN KEY (society_id, invoice_id) REFERENCES invoice (society_id, id) ON DELETE CASCADE
);
