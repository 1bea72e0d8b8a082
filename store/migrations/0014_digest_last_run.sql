-- last_run: when a scheduled digest last ran (recorded or not), so that an
-- @every schedule resumes from it after a restart instead of starting its
-- interval over. Unix milliseconds (UTC); NULL until it runs.
ALTER TABLE digest_state ADD COLUMN last_run INTEGER;
