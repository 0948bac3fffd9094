-- The recording id is already derived from (bucket, object_key, etag): a second unique constraint on them
-- only made two concurrent scans of the same night fail with a duplicate-key error instead of meeting in
-- ON CONFLICT (id). Keep a plain index for lookups by object.
ALTER TABLE recordings DROP CONSTRAINT recordings_bucket_object_key_etag_key;
CREATE INDEX recordings_object_idx ON recordings (bucket, object_key);
