-- Issue 10: recording states only move forward, and the reconciler (workers/reconcile.ts) puts right rows
-- whose queue job was lost. `requeue_count`: how often the reconciler queued the recording again (bounded,
-- then the recording fails with reason `stalled`). The partial index serves the reconciler and `status`'s
-- list of rows that are not terminal.
ALTER TABLE recordings ADD COLUMN requeue_count integer NOT NULL DEFAULT 0;
CREATE INDEX recordings_open_idx ON recordings (bucket, updated_at)
  WHERE status IN ('queued', 'preparing', 'transcribing', 'analyzing');
