-- Sampling (抽检, issue 12): a share of the calls the rules did not flag goes to the review queue, so the
-- centre learns what the rules miss. Supervisors set a rate per phone line or per agent (an agent's rate
-- wins over its line's); a drawn call is marked `sampled` and becomes `pending` like a flagged call; the
-- reviewer decides on the whole call (call_reviews) and records each problem the rules missed.
CREATE TABLE sampling_rates (
  scope      text NOT NULL CHECK (scope IN ('line', 'agent')),
  key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
  rate       numeric(6, 5) NOT NULL CHECK (rate >= 0 AND rate <= 1),
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

ALTER TABLE reports ADD COLUMN sampled boolean NOT NULL DEFAULT false;
CREATE INDEX reports_sampled_idx ON reports (sampled) WHERE sampled;

-- Problems a reviewer found in a sampled call that the rules did not report. Append-only.
CREATE TABLE missed_findings (
  id            bigserial PRIMARY KEY,
  recording_id  text NOT NULL REFERENCES reports (recording_id),
  rule_id       text NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 60),
  start_sec     double precision NOT NULL CHECK (start_sec >= 0),
  note          text NOT NULL DEFAULT '',
  reviewer      text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX missed_findings_recording_idx ON missed_findings (recording_id);
CREATE TRIGGER missed_findings_no_change BEFORE UPDATE OR DELETE ON missed_findings
  FOR EACH ROW EXECUTE FUNCTION review_decisions_append_only();
