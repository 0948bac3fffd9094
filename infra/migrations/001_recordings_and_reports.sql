-- Every recording the pipeline has seen, with where it stands and, when it failed, why.
CREATE TABLE recordings (
  id            text PRIMARY KEY,              -- sha1 of bucket, key and ETag (see workers/job-ids.ts)
  bucket        text NOT NULL,
  object_key    text NOT NULL,
  etag          text NOT NULL,
  size_bytes    bigint NOT NULL,
  call_id       text,
  status        text NOT NULL CHECK (status IN ('queued', 'preparing', 'transcribing', 'analyzing', 'reported', 'failed')),
  failed_stage  text,
  reason_code   text,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket, object_key, etag)
);
CREATE INDEX recordings_status_idx ON recordings (status, updated_at DESC);

-- One summary row per scored call (the full report lives in object storage under report_key).
CREATE TABLE reports (
  recording_id     text PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
  call_id          text NOT NULL,
  agent_id         text,
  started_at       timestamptz,
  duration_sec     real NOT NULL,
  score            smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
  flagged          boolean NOT NULL,
  ruleset_version  text NOT NULL,
  rule_statuses    jsonb NOT NULL,               -- {"opening_greeting": "pass", ...}
  banned_phrases   text[] NOT NULL DEFAULT '{}', -- phrase ids found, e.g. {B01,B06}
  transcript_kind  text,                         -- asr | sidecar
  report_key       text NOT NULL,
  analyzed_at      timestamptz NOT NULL
);
CREATE INDEX reports_started_idx ON reports (started_at);
CREATE INDEX reports_flagged_idx ON reports (flagged, started_at DESC);
