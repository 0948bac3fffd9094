-- Rulesets managed in production (review workspace /rules, `callqa rules activate`): every saved version of
-- the ruleset YAML, and the append-only history of activations. The active ruleset is the one named by the
-- latest activation; an activation with ruleset_id NULL goes back to the shipped file
-- (rules/service-norms.ruleset.yaml). With no activation at all the shipped file is used too.
-- Saved versions are never changed or removed (reports name them by version), nor are activations.
CREATE FUNCTION ruleset_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

CREATE TABLE rulesets (
  id        bigserial PRIMARY KEY,
  version   text NOT NULL UNIQUE,          -- the YAML's `version:`, recorded in reports as rulesetVersion
  yaml      text NOT NULL,
  saved_by  text NOT NULL,                 -- user name (web) or cli:<os user>
  saved_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER rulesets_no_change BEFORE UPDATE OR DELETE ON rulesets
  FOR EACH ROW EXECUTE FUNCTION ruleset_history_append_only();

CREATE TABLE ruleset_activations (
  id            bigserial PRIMARY KEY,
  ruleset_id    bigint REFERENCES rulesets (id),   -- NULL: the shipped file
  activated_by  text NOT NULL,
  activated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER ruleset_activations_no_change BEFORE UPDATE OR DELETE ON ruleset_activations
  FOR EACH ROW EXECUTE FUNCTION ruleset_history_append_only();
