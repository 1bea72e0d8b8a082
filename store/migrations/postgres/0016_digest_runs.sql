-- digest_runs: one row per tick of a scheduled digest, written in the
-- transaction that records the tick's digest (or, when it had nothing to
-- send, alone). The key makes a tick run once per digest name, whichever
-- of the replicas sharing the database gets there first.
-- digest_state.last_run (migration 0014) is from now on the last tick run,
-- not the clock of the process that ran it. Times are Unix milliseconds
-- (UTC).
CREATE TABLE digest_runs (
    name      TEXT   NOT NULL,  -- the digest's id in the config
    due_at    BIGINT NOT NULL,  -- the tick of the schedule
    ran_at    BIGINT NOT NULL,  -- when it was recorded
    digest_id TEXT,             -- the digest recorded; NULL when there was nothing to send
    PRIMARY KEY (name, due_at)
);
