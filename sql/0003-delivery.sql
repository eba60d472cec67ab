-- sql/0003-delivery.sql - what `drover run` keeps in the database so that
-- any daemon (and `drover status`) sees it: a cursor per server into the
-- change log, each server's health, and which daemon leads. A cursor is
-- the pair (txid, id) of the last entry that server serves; it moves only
-- after the server answers the entry's serial over DNS. No cursor: the
-- server is new, or was disabled; the daemon purges it whole and starts
-- it at the head of the log.

CREATE INDEX changes_order ON drover.changes (txid, id);

CREATE TABLE drover.cursors (
	server_id  INT PRIMARY KEY REFERENCES drover.servers (id) ON DELETE CASCADE,
	txid       XID8 NOT NULL,
	id         BIGINT NOT NULL,
	moved_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE drover.server_health (
	server_id     INT PRIMARY KEY REFERENCES drover.servers (id) ON DELETE CASCADE,
	state         TEXT NOT NULL CHECK (state IN ('healthy', 'failing', 'down')),
	last_error    TEXT,
	last_error_at TIMESTAMPTZ,
	last_ok_at    TIMESTAMPTZ,
	updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row: the daemon holding the leader lock, and when it last said so.
CREATE TABLE drover.leader (
	one          BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
	holder       TEXT NOT NULL,
	since        TIMESTAMPTZ NOT NULL,
	heartbeat_at TIMESTAMPTZ NOT NULL
);
