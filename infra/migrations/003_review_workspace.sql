-- The quality officers' review workspace (web/): local accounts, sessions, sign-in attempts, call
-- assignments and the text of each transcript for searching. The review semantics of 002 are unchanged:
-- decisions stay in the append-only review_decisions; reports.review_status / reviewed_score are derived
-- from them by the web app after each decision.

CREATE TABLE users (
  id             serial PRIMARY KEY,
  username       text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._-]{2,64}$'),
  display_name   text NOT NULL,
  role           text NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
  password_hash  text NOT NULL,           -- scrypt$N$r$p$salt(base64)$hash(base64)
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here.
CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,
  user_id      integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Every sign-in attempt (audit, and the per-account lock-out after repeated failures).
CREATE TABLE login_attempts (
  id           bigserial PRIMARY KEY,
  username     text NOT NULL,
  ip           text,
  succeeded    boolean NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_user_idx ON login_attempts (username, at DESC);

-- Which officer reviews a flagged call. One current assignment per call; reassignment overwrites it and
-- is logged in assignment_log.
CREATE TABLE assignments (
  recording_id  text PRIMARY KEY REFERENCES reports (recording_id) ON DELETE CASCADE,
  user_id       integer NOT NULL REFERENCES users (id),
  assigned_by   text NOT NULL,
  assigned_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_user_idx ON assignments (user_id, recording_id);
CREATE TABLE assignment_log (
  id            bigserial PRIMARY KEY,
  recording_id  text NOT NULL,
  user_id       integer REFERENCES users (id),
  assigned_by   text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);

-- The transcript's utterances joined by newlines, written by the analyze stage with the report row, so the
-- queue can search transcripts without reading object storage.
CREATE TABLE transcript_texts (
  recording_id  text PRIMARY KEY REFERENCES reports (recording_id) ON DELETE CASCADE,
  body          text NOT NULL
);

-- The queue's order: flagged first, newest call first (start time, else analysis time), recording id as the
-- tie-breaker; the web app pages through it by keyset (row comparison on these three), never by OFFSET.
CREATE INDEX reports_queue_idx ON reports ((review_status <> 'none') DESC, (coalesce(started_at, analyzed_at)) DESC, recording_id DESC);
CREATE INDEX reports_queue_status_idx ON reports (review_status, (coalesce(started_at, analyzed_at)) DESC, recording_id DESC);
CREATE INDEX reports_score_idx ON reports (score);
CREATE INDEX findings_recording_idx ON findings (recording_id);
