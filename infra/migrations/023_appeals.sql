-- Appeals (申诉, issue 12): agents get accounts of their own (role `agent`, 坐席, linked to their agent id)
-- that see only their own calls, and may appeal a confirmed finding once. A supervisor upholds or overturns
-- the appeal; an overturn is a `dismissed` decision appended to review_decisions (so the finding stops
-- deducting and the statistics count it dismissed), every step is also appended there as a comment.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('officer', 'supervisor', 'admin', 'agent'));
ALTER TABLE users ADD COLUMN agent_id text;
ALTER TABLE users ADD CONSTRAINT users_agent_has_id CHECK (role <> 'agent' OR agent_id IS NOT NULL);

CREATE TABLE appeals (
  id            bigserial PRIMARY KEY,
  finding_id    bigint NOT NULL UNIQUE REFERENCES findings (id),  -- once per finding
  recording_id  text NOT NULL REFERENCES reports (recording_id),
  appellant     text NOT NULL,
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'upheld', 'overturned')),
  decided_by    text,
  decision_note text,
  decided_at    timestamptz
);
CREATE INDEX appeals_pending_idx ON appeals (created_at) WHERE status = 'pending';
