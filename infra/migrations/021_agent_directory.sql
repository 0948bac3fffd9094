-- The agent directory: who an agent id is (name, team or line), imported from the centre's staff list as
-- CSV (`callqa agents import FILE`). Statistics and the review workspace show agents by name with the id
-- beside it; ids stay the key everywhere (reports keep the id the recording's metadata gave).
CREATE TABLE agents (
  agent_id     text PRIMARY KEY CHECK (length(agent_id) BETWEEN 1 AND 100),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  team         text NOT NULL DEFAULT '',
  imported_at  timestamptz NOT NULL DEFAULT now()
);
