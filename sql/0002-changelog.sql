-- sql/0002-changelog.sql - the change log (outbox): one entry per zone per
-- transaction that changed the zone, written by the capture triggers of
-- sql/functions/capture.sql, read later by the daemon through its cursors.
-- Owns drover.changes, drover.zone_serials and drover.capture_key. The triggers and functions
-- that fill them live in the function file (re-applied when they change);
-- the reader, the cursors and pruning are not here.
--
-- Reader rule: only entries with txid < pg_snapshot_xmin(pg_current_snapshot())
-- are final (no transaction that could still add a lower txid is running),
-- read in (txid, id) order; a cursor is the pair (txid, id). Ids come from a
-- sequence at insert time, so id order alone is not commit order.

CREATE TABLE drover.changes (
	-- the writing transaction; with zone_id, the key (one entry per zone
	-- per transaction: INSERT ... ON CONFLICT merges into it)
	txid        XID8 NOT NULL DEFAULT pg_current_xact_id(),
	zone_id     INT NOT NULL,           -- domains.id; no foreign key: an entry outlives its zone
	id          BIGINT GENERATED ALWAYS AS IDENTITY, -- order within a transaction
	zone_name   TEXT NOT NULL,          -- domains.name, without the trailing dot;
	                                    -- for a deleted zone the name it had
	what        TEXT[] NOT NULL         -- what changed, sorted, no duplicates
		CHECK (cardinality(what) > 0 AND what <@ ARRAY['comments', 'keys', 'metadata',
			'records', 'zone_created', 'zone_deleted', 'zone_settings']),
	prev_name   TEXT,                   -- the zone's earlier name when it was renamed
	prev_serial BIGINT,                 -- SOA serial before the transaction, when known
	serial      BIGINT,                 -- SOA serial at commit; NULL: no SOA is served
	                                    -- (see note)
	serial_by   TEXT                    -- how serial came to be, see sql/functions/capture.sql
		CHECK (serial_by IN ('DEFAULT', 'INCREASE', 'EPOCH', 'OFF', 'transaction',
			'secondary')),
	note        TEXT,                   -- why there is no serial, or what was odd
	soa_written BOOLEAN NOT NULL DEFAULT false, -- the transaction wrote an SOA row
	sealed_at   TIMESTAMPTZ,            -- when the commit-time step ran (NULL before)
	PRIMARY KEY (txid, zone_id)
) WITH (
	-- every entry is updated once at commit (serial, note): leave room on
	-- the page so that update is HOT (no key column changes)
	fillfactor = 80,
	-- a queue: small, but every row is inserted, updated once and deleted
	-- once pruned. Fixed thresholds, not fractions of the table's size, so
	-- vacuum keeps pace whether 100 or 10 million entries wait.
	autovacuum_vacuum_scale_factor = 0,
	autovacuum_vacuum_threshold = 10000,
	autovacuum_vacuum_insert_scale_factor = 0,
	autovacuum_vacuum_insert_threshold = 100000,
	autovacuum_analyze_scale_factor = 0,
	autovacuum_analyze_threshold = 10000,
	autovacuum_vacuum_cost_delay = 0
);
REVOKE ALL ON drover.changes FROM PUBLIC;

COMMENT ON TABLE drover.changes IS
	'drover change log: one entry per zone per transaction (see sql/0002-changelog.sql)';

-- The highest serial drover sealed per zone: the floor every later serial
-- of the zone must exceed, whatever the SOA rows say (writers racing on one
-- zone, such as two PowerDNS API PATCHes at once, can leave several SOA
-- rows computed from stale reads). Its row lock queues the commit-time
-- step of one zone's writers. Kept apart from the log, which is pruned.
CREATE TABLE drover.zone_serials (
	zone_id  INT PRIMARY KEY,       -- domains.id
	serial   BIGINT NOT NULL,       -- 0 before the first sealed serial
	txid     XID8 NOT NULL DEFAULT pg_current_xact_id() -- the last sealing transaction
) WITH (fillfactor = 50);
REVOKE ALL ON drover.zone_serials FROM PUBLIC;

-- A random key the serial bump sets in a transaction-local setting while it
-- rewrites an SOA row, so the capture triggers skip that one statement. A
-- client cannot forge it (only the owner reads this table), so setting the
-- same setting by hand does not switch capture off.
CREATE TABLE drover.capture_key (
	one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
	key TEXT NOT NULL DEFAULT md5(gen_random_uuid()::text || clock_timestamp()::text)
);
INSERT INTO drover.capture_key DEFAULT VALUES;
REVOKE ALL ON drover.capture_key FROM PUBLIC;
