-- Findings as rows, so quality officers can decide on each one and statistics can count them, and the
-- reviewers' decisions, kept as an append-only history.

ALTER TABLE reports ADD COLUMN line text;                  -- phone line / department, from call metadata
ALTER TABLE reports ADD COLUMN review_status text NOT NULL DEFAULT 'none'
  CHECK (review_status IN ('none', 'pending', 'confirmed', 'dismissed'));  -- none: not flagged; 待复核 / 已确认 / 已驳回
ALTER TABLE reports ADD COLUMN reviewed_score smallint CHECK (reviewed_score BETWEEN 0 AND 100);  -- score after decisions
CREATE INDEX reports_agent_idx ON reports (agent_id, started_at);
CREATE INDEX reports_line_idx ON reports (line, started_at);
CREATE INDEX reports_review_idx ON reports (review_status, started_at DESC);

CREATE TABLE findings (
  id               bigserial PRIMARY KEY,
  recording_id     text NOT NULL REFERENCES reports (recording_id) ON DELETE CASCADE,
  ruleset_version  text NOT NULL,
  rule_id          text NOT NULL,
  ordinal          smallint NOT NULL,      -- position in the rule's findings in the report JSON
  phrase_id        text,                   -- B01…B15 for banned_phrase
  start_sec        real NOT NULL,
  end_sec          real NOT NULL,
  speaker          text NOT NULL,
  text             text NOT NULL,
  confidence       real,
  needs_review     boolean NOT NULL DEFAULT false,
  UNIQUE (recording_id, ruleset_version, rule_id, ordinal)
);
CREATE INDEX findings_rule_idx ON findings (rule_id, phrase_id);

CREATE TABLE review_decisions (
  id            bigserial PRIMARY KEY,
  finding_id    bigint NOT NULL REFERENCES findings (id),
  decision      text NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'comment')),
  reason        text,                      -- why dismissed
  comment       text,
  reviewer      text NOT NULL,             -- user name
  decided_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_decisions_finding_idx ON review_decisions (finding_id, decided_at DESC);

-- History is append-only: a later decision never erases an earlier one.
CREATE FUNCTION review_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'review_decisions is append-only';
END $$;
CREATE TRIGGER review_decisions_no_change BEFORE UPDATE OR DELETE ON review_decisions
  FOR EACH ROW EXECUTE FUNCTION review_decisions_append_only();
