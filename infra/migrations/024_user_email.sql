-- An account's e-mail address (optional): an agent is told by e-mail when an appeal of theirs is decided
-- (web/appeal-notifications.ts, when SMTP is configured).
ALTER TABLE users ADD COLUMN email text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$');
