-- last_run: when a scheduled digest last ran (migrations/0014_digest_last_run.sql).
ALTER TABLE digest_state ADD COLUMN last_run BIGINT;
