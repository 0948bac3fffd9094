-- Trigram index for the queue's transcript text search (LIKE '%…%'; works on Chinese text with 3 or more
-- characters). pg_trgm ships with PostgreSQL (contrib); creating it needs a role allowed to create
-- extensions (the database owner on PostgreSQL 13+, where pg_trgm is a trusted extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX transcript_texts_body_trgm ON transcript_texts USING gin (body gin_trgm_ops);
