-- sql/0005-check.sql - the last result of the daemon's periodic `drover
-- check` (check-interval), for `drover status`: one row, replaced by the
-- leading daemon after every check. The report is the JSON of `drover
-- check --json`; it holds no secret.

CREATE TABLE drover.check_result (
	one         BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
	holder      TEXT NOT NULL,
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	clean       BOOLEAN NOT NULL,
	summary     TEXT NOT NULL,
	report      JSONB NOT NULL
);
