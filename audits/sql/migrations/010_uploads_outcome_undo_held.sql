-- Issue 9 / 15 (pipeline): what became of each upload in words, undo, and held rows by payer name.
-- outcome: loaded | loaded with rows held | nothing loaded (held) | nothing loaded | duplicate | undone
-- (uploads.status stays loaded | duplicate, and becomes undone when the upload is undone).
ALTER TABLE uploads ADD COLUMN outcome VARCHAR;
ALTER TABLE uploads ADD COLUMN undone_at TIMESTAMP;
ALTER TABLE uploads ADD COLUMN undone_by VARCHAR;
-- A row held for an unknown payer keeps the payer as written (the name `payers confirm` takes) and,
-- for claim lines, the date of service as read (the audit month it would belong to).
ALTER TABLE rejected_rows ADD COLUMN held_payer VARCHAR;
ALTER TABLE rejected_rows ADD COLUMN service_date DATE;
-- An upload of held rows loaded again: the upload they were held in.
ALTER TABLE uploads ADD COLUMN reload_of INTEGER;
