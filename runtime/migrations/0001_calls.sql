-- One row per finished call: its summary in columns for filtering and
-- retention, and the whole record as `GET /api/calls/{id}` returns it
-- (summary, trace, transcripts) as JSONB, so new trace fields need no
-- migration.
CREATE TABLE calls (
    call_id     TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    status      TEXT NOT NULL,
    -- Milliseconds since the epoch, as the store keeps them.
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    -- The outbox mark of the version written: a row is only replaced by a
    -- newer version of the call (see runtime/src/store/outbox.rs).
    mark        BIGINT NOT NULL,
    detail      JSONB NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX calls_by_start ON calls (started_at DESC, call_id DESC);
CREATE INDEX calls_by_flow ON calls (flow, started_at DESC);
