-- A recording whose object was replaced (new ETag) is a new version; a failed older version is then
-- `superseded`: kept for the record, no longer listed as failed or retried.
ALTER TABLE recordings DROP CONSTRAINT recordings_status_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_status_check
  CHECK (status IN ('queued', 'preparing', 'transcribing', 'analyzing', 'reported', 'failed', 'superseded'));
