-- Core tables of ARCHITECTURE.md. Later changes go in new, higher-numbered files.

CREATE TABLE ingestion_runs (
    id                bigserial PRIMARY KEY,
    dag_run_id        text,
    source_uri        text NOT NULL,
    source_generation text,
    source_checksum   text,
    rows_total        integer NOT NULL DEFAULT 0 CHECK (rows_total >= 0),
    rows_loaded       integer NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
    rows_rejected     integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    status            text NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'succeeded', 'failed')),
    error             text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
-- One successful load per object generation makes re-runs idempotent.
CREATE UNIQUE INDEX ingestion_runs_source_done
    ON ingestion_runs (source_uri, source_generation) WHERE status = 'succeeded';

CREATE TABLE passengers (
    passenger_id     integer PRIMARY KEY CHECK (passenger_id > 0),
    survived         smallint CHECK (survived IN (0, 1)),
    pclass           smallint NOT NULL CHECK (pclass BETWEEN 1 AND 3),
    name             text NOT NULL,
    sex              text NOT NULL CHECK (sex IN ('male', 'female')),
    age              double precision CHECK (age >= 0 AND age <= 120),
    sibsp            smallint NOT NULL CHECK (sibsp >= 0),
    parch            smallint NOT NULL CHECK (parch >= 0),
    ticket           text NOT NULL,
    fare             double precision CHECK (fare >= 0),
    cabin            text,
    embarked         char(1) CHECK (embarked IN ('C', 'Q', 'S')),
    ingestion_run_id bigint REFERENCES ingestion_runs (id),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rejected_rows (
    id               bigserial PRIMARY KEY,
    ingestion_run_id bigint NOT NULL REFERENCES ingestion_runs (id) ON DELETE CASCADE,
    line_number      integer NOT NULL,
    raw              text NOT NULL,
    reason           text NOT NULL
);
CREATE INDEX rejected_rows_run ON rejected_rows (ingestion_run_id);

CREATE TABLE model_versions (
    version              integer PRIMARY KEY,
    created_at           timestamptz NOT NULL DEFAULT now(),
    algorithm            text NOT NULL,
    params               jsonb NOT NULL DEFAULT '{}',
    metrics              jsonb NOT NULL DEFAULT '{}',
    feature_view         text NOT NULL,
    feature_view_version integer NOT NULL,
    training_rows        integer NOT NULL,
    ingestion_run_id     bigint REFERENCES ingestion_runs (id),
    artifact_uri         text NOT NULL,
    artifact_sha256      text NOT NULL,
    status               text NOT NULL DEFAULT 'candidate'
                         CHECK (status IN ('candidate', 'production', 'archived')),
    status_reason        text,
    promoted_at          timestamptz
);
-- At most one production model at any time.
CREATE UNIQUE INDEX model_versions_one_production
    ON model_versions (status) WHERE status = 'production';

CREATE TABLE drift_events (
    id            bigserial PRIMARY KEY,
    checked_at    timestamptz NOT NULL DEFAULT now(),
    model_version integer,
    window_size   integer NOT NULL,
    detector      text NOT NULL,
    p_values      jsonb NOT NULL,
    threshold     double precision NOT NULL,
    is_drift      boolean NOT NULL
);
CREATE INDEX drift_events_checked_at ON drift_events (checked_at DESC);

CREATE TABLE prediction_log (
    id            uuid PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    model_version integer,
    features      jsonb NOT NULL,
    probability   double precision NOT NULL,
    source        text NOT NULL
);
CREATE INDEX prediction_log_created_at ON prediction_log (created_at DESC);
