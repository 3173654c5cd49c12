-- A file that breaks the contract (bad header, not UTF-8, binary, too large) is recorded
-- once per object generation as 'refused' and skipped by later runs: retrying cannot fix
-- it, and a corrected upload is a new generation. 'failed' stays for runs that may
-- succeed when retried (a dependency was down).
ALTER TABLE ingestion_runs DROP CONSTRAINT ingestion_runs_status_check;
ALTER TABLE ingestion_runs ADD CONSTRAINT ingestion_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'failed', 'refused'));
-- One refusal per object generation, like one success.
CREATE UNIQUE INDEX ingestion_runs_source_refused
    ON ingestion_runs (source_uri, source_generation) WHERE status = 'refused';
