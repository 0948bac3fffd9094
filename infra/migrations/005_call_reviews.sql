-- Decisions on a flagged call as a whole, for calls flagged without any finding to decide on (e.g. no agent
-- speech was recognised, so the rules could not check the call): a quality officer listens and records
-- whether the call has a problem. Append-only like review_decisions (same trigger function).
CREATE TABLE call_reviews (
  id            bigserial PRIMARY KEY,
  recording_id  text NOT NULL REFERENCES reports (recording_id),
  decision      text NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'comment')),  -- confirmed: a problem
  reason        text,
  comment       text,
  reviewer      text NOT NULL,
  decided_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_reviews_recording_idx ON call_reviews (recording_id, decided_at DESC);
CREATE TRIGGER call_reviews_no_change BEFORE UPDATE OR DELETE ON call_reviews
  FOR EACH ROW EXECUTE FUNCTION review_decisions_append_only();
