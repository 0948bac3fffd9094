-- The file name a recording had before `callqa process` uploaded it under a content key (local/<sha-256>.ext):
-- `status` and the operations page show it beside the key, so an operator finds the file that failed.
-- NULL for recordings listed from a bucket under their own names.
ALTER TABLE recordings ADD COLUMN original_name text;
