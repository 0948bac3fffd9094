-- The reasons an officer picks from when dismissing a finding (or finding nothing wrong with a whole call),
-- kept by supervisors on the workspace's 驳回理由 page. A reason in use is never deleted, only retired
-- (`active = false`), so past decisions keep their wording (decisions store the text itself).
CREATE TABLE dismiss_reasons (
  id          serial PRIMARY KEY,
  label       text NOT NULL UNIQUE CHECK (length(label) BETWEEN 1 AND 60),
  active      boolean NOT NULL DEFAULT true,
  position    integer NOT NULL DEFAULT 0,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO dismiss_reasons (label, position, created_by) VALUES
  ('语音识别错误', 1, 'migration'),
  ('说话人识别错误', 2, 'migration'),
  ('上下文无不当', 3, 'migration'),
  ('规则误判', 4, 'migration'),
  ('其他（见备注）', 5, 'migration');
