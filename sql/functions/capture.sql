-- sql/functions/capture.sql - change capture: triggers on the PowerDNS tables
-- (domains, records, domainmetadata, cryptokeys, comments) that write one
-- entry per zone per transaction into drover.changes, bump each changed
-- zone's SOA serial once at commit, and wake listeners with pg_notify.
--
-- Owns the capture functions and the triggers that call them. Not here: the
-- tables (sql/0002-changelog.sql), reading and pruning the log (the daemon).
--
-- How it works
--  * Statement-level AFTER triggers with transition tables (new_rows,
--    old_rows) group a statement's rows by zone and upsert one entry per
--    zone: INSERT ... ON CONFLICT (txid, zone_id) merges "what changed" into
--    the entry an earlier statement of the same transaction made.
--  * A deferred constraint trigger on drover.changes runs at commit. The
--    first firing in a transaction seals every entry of that transaction in
--    zone_id order (a fixed lock order: two transactions touching the same
--    two zones cannot deadlock on the SOA rows), later firings find their
--    entry sealed and return. Sealing locks the zone's SOA row (SELECT ...
--    FOR UPDATE: waits for a transaction still writing it), then locks the
--    zone's row in drover.zone_serials, so the sealers of one zone run one
--    at a time, each seeing what the one before committed; it reads the
--    serial from the locked SOA row, bumps it by the zone's policy, stores
--    it in the entry and in drover.zone_serials, then sends one
--    pg_notify('drover_changes', '').
--    A transaction in REPEATABLE READ or SERIALIZABLE keeps its snapshot:
--    racing another writer of the zone, it fails to serialize at commit
--    (retry it), as PostgreSQL does for any such update conflict.
--  * "The transaction set the serial itself": the entry keeps the serial of
--    the first SOA row the transaction deleted or updated (prev_serial), and
--    whether it wrote an SOA row (soa_written). At commit the serial is left
--    as the transaction wrote it when it differs from prev_serial, or when
--    the transaction created the SOA (no earlier row: a new zone) - the
--    PowerDNS API's PATCH deletes the SOA row and inserts one with the new
--    serial - provided it is above prev_serial, above any other SOA row of
--    the zone, and above the last serial drover sealed for the zone
--    (drover.zone_serials). Otherwise drover bumps it from the highest of
--    those, so the serial never goes back nor repeats, even when a writer
--    computed it from a stale read (two API PATCHes on one zone at once do:
--    both read the same serial, and the second deletes nothing and inserts
--    a second SOA row; the entry then notes "2 SOA rows", and the sealer
--    deletes the extra enabled SOA rows it can lock, keeping the one that
--    carries the new serial: a zone must have one SOA). To lower a
--    zone's serial on purpose, write it with the triggers disabled and set
--    drover.zone_serials to match.
--  * Policy: domainmetadata SOA-EDIT-API of the zone (kind and value compared
--    case-insensitively). DEFAULT (also when absent, empty or unknown):
--    YYYYMMDD01 (UTC date), or serial + 1 when that is not higher.
--    INCREASE: serial + 1. EPOCH: unix seconds, or serial + 1 when that is not
--    higher. OFF: serial + 1. OFF stops the PowerDNS API from editing the
--    serial; drover still bumps, because every change must show as a new
--    serial (secondaries transfer on it, and the daemon proves delivery by
--    asking each worker for it); + 1 keeps a hand-kept numbering scheme.
--    Serials past 4294967295 wrap (RFC 1982), noted in the entry.
--  * Not bumped, and said so in note (serial NULL unless stated): a deleted
--    zone, a zone without an SOA row, a disabled SOA, an SOA whose serial
--    field is not a number, and secondary zones (domains.type SLAVE or
--    CONSUMER: the serial is the primary's; serial is the stored one).
--  * Not captured: changes to domains.notified_serial and domains.last_check
--    alone (PowerDNS writes them itself: capturing them would loop), rows
--    whose new version equals the old one, and the bump's own UPDATE of the
--    SOA row (recognised by a key from drover.capture_key that the bump sets
--    in a transaction-local setting just before it, and the records trigger
--    clears; a client cannot forge it). TRUNCATE is not captured either
--    (it fires no DELETE trigger); a TRUNCATE of domains only empties
--    drover.zone_serials, since zone ids may then start again.
--  * Rows cascaded away by deleting a zone fire the records (and metadata,
--    keys, comments) triggers after the domains row is gone: those zones
--    are skipped there, and the domains trigger logs zone_deleted with the
--    name from its old_rows. Deleting the records first, then the zone, logs
--    both into the one entry.
--  * Settings read: drover.capture_notify = off skips pg_notify (the daemon
--    then relies on its slow poll; for benchmarks and bulk loads).
--
-- The commit-time functions run with enable_seqscan = off: their lookups are
-- by key, and PL/pgSQL caches a plan made while drover.changes, domains or
-- drover.zone_serials were small; a cached sequential scan over a table a
-- large transaction keeps growing (10,000 new zones at once) costs
-- quadratic time (measured: 48 s instead of 1.4 s for 10,000 zones). All
-- run with jit = off: a plan over a 100,000-row statement, or one costed
-- up by enable_seqscan = off, would otherwise be JIT-compiled on every
-- call (measured: 0.2 s of compiling for a one-row lookup).
--
-- Every function is SECURITY DEFINER or called only from one, owned by the
-- role that runs `drover init`: a role that may write the PowerDNS tables
-- (pdns, a billing system's role) is captured without any right on schema
-- drover. `drover init` pins their search_path to the PowerDNS schema.
--
-- The triggers are created here, not in a migration: the transition table
-- names and events they declare are part of these functions' contract, so
-- both change together whenever this file changes. CREATE OR REPLACE
-- TRIGGER takes a lock that blocks writers only, so re-applying this file
-- never stops the workers from reading. A trigger that a later version
-- renames must be dropped here by its old name.

-- The serial field of SOA content "mname rname serial refresh retry expire
-- minimum"; NULL when it is not a number of at most 10 digits. (No
-- backslash anywhere in this file: sql/embed.sh does not escape it.)
CREATE OR REPLACE FUNCTION drover.soa_serial(content TEXT) RETURNS BIGINT
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (regexp_match(content,
		'^[[:space:]]*[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+([0-9]{1,10})([[:space:]]|$)'
		))[1]::bigint;
END
$$;

-- SOA content with its serial field replaced by serial; content unchanged
-- when it has no numeric serial field.
CREATE OR REPLACE FUNCTION drover.soa_with_serial(content TEXT, serial BIGINT) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	m TEXT[] := regexp_match(content,
		'^([[:space:]]*[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+)[0-9]+(.*)$');
BEGIN
	RETURN coalesce(m[1] || serial::text || m[2], content);
END
$$;

-- Merge zones into this transaction's entries. tag is one of the values of
-- drover.changes.what; the arrays run in parallel, one element per zone
-- (no zone twice; a NULL array counts as all NULLs). PL/pgSQL rather than
-- SQL for its plan cache: `init` pins every function's search_path, and a
-- SQL function with a SET clause is planned again on every call.
CREATE OR REPLACE FUNCTION drover.capture_upsert(tag TEXT, zids INT[], znames TEXT[],
	pnames TEXT[] DEFAULT NULL, pserials BIGINT[] DEFAULT NULL,
	soas BOOLEAN[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
	INSERT INTO drover.changes AS c (zone_id, zone_name, what, prev_name, prev_serial, soa_written)
	SELECT u.zid, u.zname, ARRAY[tag], u.pname, u.pserial, coalesce(u.soa, false)
	FROM unnest(zids, znames, pnames, pserials, soas) AS u(zid, zname, pname, pserial, soa)
	WHERE u.zid IS NOT NULL
	ON CONFLICT (txid, zone_id) DO UPDATE SET
		what = CASE WHEN c.what @> EXCLUDED.what THEN c.what
			ELSE ARRAY(SELECT DISTINCT w FROM unnest(c.what || EXCLUDED.what) AS w ORDER BY w)
			END,
		zone_name = EXCLUDED.zone_name,
		prev_name = coalesce(c.prev_name, EXCLUDED.prev_name),
		-- the first SOA serial the transaction replaced, unless it wrote
		-- the SOA before (then there was none before the transaction)
		prev_serial = CASE WHEN c.prev_serial IS NULL AND NOT c.soa_written
			THEN EXCLUDED.prev_serial ELSE c.prev_serial END,
		soa_written = c.soa_written OR EXCLUDED.soa_written
	-- most statements add nothing new: then the entry is not rewritten
	WHERE NOT c.what @> EXCLUDED.what
		OR c.zone_name <> EXCLUDED.zone_name
		OR (c.prev_name IS NULL AND EXCLUDED.prev_name IS NOT NULL)
		OR (c.prev_serial IS NULL AND NOT c.soa_written AND EXCLUDED.prev_serial IS NOT NULL)
		OR (EXCLUDED.soa_written AND NOT c.soa_written);
END
$$;

-- Trigger function on records: zones with changed rows, the first SOA
-- serial replaced, and whether an SOA row was written.
CREATE OR REPLACE FUNCTION drover.capture_records() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET jit = off AS $$
DECLARE
	zids INT[];
	znames TEXT[];
	prevs BIGINT[];
	soas BOOLEAN[];
BEGIN
	-- The serial bump's own statement: it set drover.capture_bump to the
	-- key only the owner can read; take it back and skip the statement. The
	-- setting is unset (NULL) or '' almost always: test that first.
	IF current_setting('drover.capture_bump', true) <> ''
		AND EXISTS (SELECT 1 FROM drover.capture_key ck
			WHERE ck.key = current_setting('drover.capture_bump', true)) THEN
		PERFORM set_config('drover.capture_bump', '', true);
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(d.id), array_agg(d.name), NULL, array_agg(z.soa)
		INTO zids, znames, prevs, soas
		FROM (SELECT n.domain_id, bool_or(n.type = 'SOA') AS soa
			FROM new_rows n WHERE n.domain_id IS NOT NULL GROUP BY n.domain_id) z
		JOIN domains d ON d.id = z.domain_id;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(d.id), array_agg(d.name), array_agg(z.prev), NULL
		INTO zids, znames, prevs, soas
		FROM (SELECT o.domain_id,
				max(CASE WHEN o.type = 'SOA' THEN drover.soa_serial(o.content) END) AS prev
			FROM old_rows o WHERE o.domain_id IS NOT NULL GROUP BY o.domain_id) z
		JOIN domains d ON d.id = z.domain_id;
	ELSE
		-- rows whose new version differs (a row that changed id counts on
		-- both sides); both the old and the new zone of a moved row changed
		SELECT array_agg(d.id), array_agg(d.name), array_agg(z.prev), array_agg(z.soa)
		INTO zids, znames, prevs, soas
		FROM (SELECT x.zone, max(x.prev) AS prev, bool_or(x.soa) AS soa
			FROM (SELECT o.domain_id AS o_zone, o.type AS o_type, o.content AS o_content,
					n.domain_id AS n_zone, n.type AS n_type
				FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
				WHERE o IS DISTINCT FROM n) ch
			CROSS JOIN LATERAL (VALUES
				(ch.o_zone, CASE WHEN ch.o_type = 'SOA' THEN drover.soa_serial(ch.o_content) END,
					false),
				(ch.n_zone, NULL::bigint, ch.n_type IS NOT DISTINCT FROM 'SOA')) AS x(zone, prev, soa)
			WHERE x.zone IS NOT NULL GROUP BY x.zone) z
		JOIN domains d ON d.id = z.zone;
	END IF;
	IF zids IS NOT NULL THEN
		PERFORM drover.capture_upsert('records', zids, znames, NULL, prevs, soas);
	END IF;
	RETURN NULL;
END
$$;

-- Trigger function on domainmetadata, cryptokeys and comments; TG_ARGV[0]
-- is the tag (metadata, keys, comments).
CREATE OR REPLACE FUNCTION drover.capture_zone_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET jit = off AS $$
DECLARE
	zids INT[];
	znames TEXT[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(d.id), array_agg(d.name) INTO zids, znames
		FROM domains d WHERE d.id IN (SELECT n.domain_id FROM new_rows n);
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(d.id), array_agg(d.name) INTO zids, znames
		FROM domains d WHERE d.id IN (SELECT o.domain_id FROM old_rows o);
	ELSE
		SELECT array_agg(d.id), array_agg(d.name) INTO zids, znames
		FROM domains d WHERE d.id IN (
			SELECT z FROM old_rows o FULL JOIN new_rows n ON n.id = o.id,
				LATERAL (VALUES (o.domain_id), (n.domain_id)) AS v(z)
			WHERE o IS DISTINCT FROM n);
	END IF;
	IF zids IS NOT NULL THEN
		PERFORM drover.capture_upsert(TG_ARGV[0], zids, znames);
	END IF;
	RETURN NULL;
END
$$;

-- Trigger function on domains: created, deleted (with the name it had), and
-- settings changed (any column but notified_serial and last_check).
CREATE OR REPLACE FUNCTION drover.capture_domains() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET jit = off AS $$
DECLARE
	zids INT[];
	znames TEXT[];
	pnames TEXT[];
	tag TEXT;
BEGIN
	IF TG_OP = 'INSERT' THEN
		tag := 'zone_created';
		SELECT array_agg(n.id), array_agg(n.name) INTO zids, znames FROM new_rows n;
	ELSIF TG_OP = 'DELETE' THEN
		tag := 'zone_deleted';
		SELECT array_agg(o.id), array_agg(o.name) INTO zids, znames FROM old_rows o;
	ELSE
		tag := 'zone_settings';
		SELECT array_agg(n.id), array_agg(n.name),
			array_agg(CASE WHEN o.name IS DISTINCT FROM n.name THEN o.name END)
		INTO zids, znames, pnames
		FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE to_jsonb(o) - '{notified_serial,last_check}'::text[]
			IS DISTINCT FROM to_jsonb(n) - '{notified_serial,last_check}'::text[];
	END IF;
	IF zids IS NOT NULL THEN
		PERFORM drover.capture_upsert(tag, zids, znames, pnames);
	END IF;
	RETURN NULL;
END
$$;

-- The commit-time step for one entry: lock the zone's SOA row, decide the
-- serial, write it, record it in the entry (see the header).
CREATE OR REPLACE FUNCTION drover.capture_seal_one(e drover.changes) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off SET jit = off AS $$
DECLARE
	zname TEXT;
	ztype TEXT;
	policy TEXT;
	r RECORD;
	nrows INT := 0;        -- SOA rows
	nenabled INT := 0;     -- enabled SOA rows
	soa_id BIGINT;         -- the row to stamp: the enabled one we hold with the highest serial
	cur BIGINT;            -- its serial
	other BIGINT;          -- the highest serial of the other enabled SOA rows
	high BIGINT;           -- the highest serial sealed before (drover.zone_serials)
	held BIGINT[] := '{}'; -- the enabled SOA rows we hold
	floor_serial BIGINT;   -- the new serial must be above this
	own BOOLEAN;           -- the transaction wrote the serial itself
	nxt BIGINT;
	how TEXT;
	why TEXT;
BEGIN
	SELECT d.name, upper(d.type),
		(SELECT upper(btrim(m.content)) FROM domainmetadata m
			WHERE m.domain_id = d.id AND upper(m.kind) = 'SOA-EDIT-API' ORDER BY m.id LIMIT 1)
	INTO zname, ztype, policy
	FROM domains d WHERE d.id = e.zone_id;
	IF NOT FOUND THEN
		DELETE FROM drover.zone_serials WHERE zone_id = e.zone_id;
		UPDATE drover.changes SET note = 'zone deleted', sealed_at = clock_timestamp()
		WHERE txid = e.txid AND zone_id = e.zone_id;
		RETURN;
	END IF;

	-- Step 1, when the transaction wrote no SOA row (then it holds none):
	-- lock one enabled SOA row, the one with the highest serial, waiting for
	-- a transaction still writing it (it is before us in the queue). One
	-- row only: waiting while holding others could deadlock with a writer
	-- replacing several. When the writer replaced the row (delete + insert,
	-- as the API does), the locked read skips it and the new row is not in
	-- this statement's snapshot: read again (each statement takes a new
	-- snapshot) while there is any.
	FOR i IN 1..100 LOOP
		EXIT WHEN e.soa_written;
		PERFORM 1 FROM records s
		WHERE s.name = zname AND s.type = 'SOA' AND s.domain_id = e.zone_id
			AND NOT coalesce(s.disabled, false)
		ORDER BY drover.soa_serial(s.content) DESC NULLS LAST, s.id DESC
		LIMIT 1 FOR UPDATE;
		EXIT WHEN FOUND;
		PERFORM 1 FROM records s
		WHERE s.name = zname AND s.type = 'SOA' AND s.domain_id = e.zone_id
			AND NOT coalesce(s.disabled, false);
		EXIT WHEN NOT FOUND;
	END LOOP;

	-- Step 2: one sealer per zone at a time, until commit: the zone's row in
	-- drover.zone_serials (created on first use; a second creator waits for
	-- the first to commit). It also holds the highest serial sealed so far.
	-- Row locks on the SOA rows alone do not queue two transactions that
	-- each inserted an SOA row of their own (neither sees the other's row).
	SELECT z.serial INTO high FROM drover.zone_serials z WHERE z.zone_id = e.zone_id FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO drover.zone_serials (zone_id, serial) VALUES (e.zone_id, 0)
		ON CONFLICT (zone_id) DO NOTHING;
		SELECT z.serial INTO high FROM drover.zone_serials z WHERE z.zone_id = e.zone_id FOR UPDATE;
	END IF;

	-- Step 3: every SOA row, read with a new snapshot (it shows what the
	-- sealers before us committed), and whether we hold it: the row locked
	-- in step 1, our own, and those nobody holds (locked now). A row another
	-- transaction holds is one it is replacing; it seals after us (it waits
	-- in step 2), so skip it rather than wait for it (that wait would
	-- deadlock), but keep the serial above it.
	FOR r IN SELECT s.id, drover.soa_serial(s.content) AS serial,
			coalesce(s.disabled, false) AS disabled, l.id IS NOT NULL AS mine
		FROM records s
		LEFT JOIN (SELECT x.id FROM records x
			WHERE x.name = zname AND x.type = 'SOA' AND x.domain_id = e.zone_id
				AND NOT coalesce(x.disabled, false)
			FOR UPDATE SKIP LOCKED) l ON l.id = s.id
		WHERE s.name = zname AND s.type = 'SOA' AND s.domain_id = e.zone_id
		ORDER BY s.id
	LOOP
		nrows := nrows + 1;
		CONTINUE WHEN r.disabled;
		nenabled := nenabled + 1;
		IF r.mine THEN
			held := held || r.id;
			IF soa_id IS NULL OR coalesce(r.serial, -1) >= coalesce(cur, -1) THEN
				other := greatest(other, cur);
				soa_id := r.id;
				cur := r.serial;
				CONTINUE;
			END IF;
		END IF;
		other := greatest(other, r.serial);
	END LOOP;

	-- PowerDNS API writes racing on one zone can leave two SOA rows (each
	-- deletes the row it saw, then inserts its own): say so, keep the serial
	-- above every one of them, and below remove the extra ones we hold.
	IF nrows > 1 THEN
		why := format('%s SOA rows', nrows);
	END IF;
	floor_serial := nullif(greatest(e.prev_serial, other, high), 0);
	own := CASE WHEN e.prev_serial IS NOT NULL THEN cur <> e.prev_serial ELSE e.soa_written END;
	IF nrows = 0 THEN
		why := 'no SOA';
	ELSIF nenabled = 0 THEN
		why := concat_ws('; ', why, 'SOA disabled');
	ELSIF soa_id IS NULL THEN
		why := concat_ws('; ', why, 'SOA row held by a transaction rewriting it, which sets the serial');
	ELSIF cur IS NULL THEN
		why := concat_ws('; ', why, 'SOA serial is not a number');
	ELSIF ztype IN ('SLAVE', 'CONSUMER') THEN
		how := 'secondary';
		nxt := cur;
	ELSIF own AND (floor_serial IS NULL OR cur > floor_serial) THEN
		how := 'transaction';
		nxt := cur;
	ELSE
		IF own THEN
			why := concat_ws('; ', why, format(
				'serial %s set by the transaction is not above %s: bumped', cur, floor_serial));
		END IF;
		IF policy IS NULL OR policy NOT IN ('INCREASE', 'EPOCH', 'OFF') THEN
			policy := 'DEFAULT';
		END IF;
		nxt := greatest(cur, floor_serial) + 1;
		IF policy = 'EPOCH' THEN
			nxt := greatest(floor(extract(epoch FROM clock_timestamp()))::bigint, nxt);
		ELSIF policy = 'DEFAULT' THEN
			nxt := greatest(
				to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD')::bigint * 100 + 1, nxt);
		END IF;
		IF nxt > 4294967295 THEN
			nxt := nxt % 4294967296;
			why := concat_ws('; ', why, 'serial wrapped past 4294967295');
		END IF;
		how := policy;
		-- our own write, not to be captured: see capture_records()
		PERFORM set_config('drover.capture_bump', (SELECT ck.key FROM drover.capture_key ck), true);
		UPDATE records SET content = drover.soa_with_serial(content, nxt) WHERE id = soa_id;
	END IF;
	IF how IN ('DEFAULT', 'INCREASE', 'EPOCH', 'OFF', 'transaction') AND cardinality(held) > 1 THEN
		PERFORM set_config('drover.capture_bump', (SELECT ck.key FROM drover.capture_key ck), true);
		DELETE FROM records WHERE id = ANY (held) AND id <> soa_id;
		why := concat_ws('; ', why, format('removed %s extra SOA rows', cardinality(held) - 1));
	END IF;

	IF how IS NOT NULL AND how <> 'secondary' THEN
		UPDATE drover.zone_serials SET serial = nxt, txid = e.txid WHERE zone_id = e.zone_id;
	END IF;
	UPDATE drover.changes
	SET serial = nxt, serial_by = how, note = why, sealed_at = clock_timestamp(),
		prev_serial = CASE WHEN how IN ('transaction', 'secondary') THEN coalesce(e.prev_serial, other)
			WHEN how IS NOT NULL THEN coalesce(greatest(e.prev_serial, other), cur)
			ELSE e.prev_serial END
	WHERE txid = e.txid AND zone_id = e.zone_id;
END
$$;

-- Deferred constraint trigger function on drover.changes: at commit, seal
-- every unsealed entry of the transaction, then notify once.
CREATE OR REPLACE FUNCTION drover.capture_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET enable_seqscan = off SET jit = off AS $$
DECLARE
	e drover.changes;
	sealed TIMESTAMPTZ;
BEGIN
	SELECT c.sealed_at INTO sealed FROM drover.changes c
	WHERE c.txid = NEW.txid AND c.zone_id = NEW.zone_id;
	IF NOT FOUND OR sealed IS NOT NULL THEN
		RETURN NULL;
	END IF;
	FOR e IN SELECT * FROM drover.changes c
		WHERE c.txid = NEW.txid AND c.sealed_at IS NULL ORDER BY c.zone_id
	LOOP
		PERFORM drover.capture_seal_one(e);
	END LOOP;
	IF coalesce(current_setting('drover.capture_notify', true), '') NOT IN ('off', 'false', '0') THEN
		PERFORM pg_notify('drover_changes', '');
	END IF;
	RETURN NULL;
END
$$;

-- Trigger function on TRUNCATE of domains: every zone is gone, and ids may
-- start again (RESTART IDENTITY), so forget the serial floors; a new zone
-- that gets an old id must not inherit the old zone's serial.
CREATE OR REPLACE FUNCTION drover.capture_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET jit = off AS $$
BEGIN
	DELETE FROM drover.zone_serials;
	RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION drover.soa_serial(TEXT), drover.soa_with_serial(TEXT, BIGINT),
	drover.capture_upsert(TEXT, INT[], TEXT[], TEXT[], BIGINT[], BOOLEAN[]),
	drover.capture_records(), drover.capture_zone_rows(), drover.capture_domains(),
	drover.capture_seal_one(drover.changes), drover.capture_seal(), drover.capture_truncate()
	FROM PUBLIC;

-- The triggers. Statement-level triggers with transition tables take one
-- event each (PostgreSQL allows transition tables only on single-event
-- triggers), hence three per table.
CREATE OR REPLACE TRIGGER drover_capture_ins AFTER INSERT ON records
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_records();
CREATE OR REPLACE TRIGGER drover_capture_upd AFTER UPDATE ON records
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_records();
CREATE OR REPLACE TRIGGER drover_capture_del AFTER DELETE ON records
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_records();

CREATE OR REPLACE TRIGGER drover_capture_ins AFTER INSERT ON domains
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_domains();
CREATE OR REPLACE TRIGGER drover_capture_upd AFTER UPDATE ON domains
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_domains();
CREATE OR REPLACE TRIGGER drover_capture_del AFTER DELETE ON domains
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_domains();
CREATE OR REPLACE TRIGGER drover_capture_truncate AFTER TRUNCATE ON domains
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_truncate();

CREATE OR REPLACE TRIGGER drover_capture_ins AFTER INSERT ON domainmetadata
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('metadata');
CREATE OR REPLACE TRIGGER drover_capture_upd AFTER UPDATE ON domainmetadata
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('metadata');
CREATE OR REPLACE TRIGGER drover_capture_del AFTER DELETE ON domainmetadata
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('metadata');

CREATE OR REPLACE TRIGGER drover_capture_ins AFTER INSERT ON cryptokeys
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('keys');
CREATE OR REPLACE TRIGGER drover_capture_upd AFTER UPDATE ON cryptokeys
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('keys');
CREATE OR REPLACE TRIGGER drover_capture_del AFTER DELETE ON cryptokeys
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('keys');

CREATE OR REPLACE TRIGGER drover_capture_ins AFTER INSERT ON comments
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('comments');
CREATE OR REPLACE TRIGGER drover_capture_upd AFTER UPDATE ON comments
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('comments');
CREATE OR REPLACE TRIGGER drover_capture_del AFTER DELETE ON comments
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION drover.capture_zone_rows('comments');

-- One firing per entry, at commit (or at SET CONSTRAINTS ... IMMEDIATE).
DROP TRIGGER IF EXISTS drover_capture_seal ON drover.changes;
CREATE CONSTRAINT TRIGGER drover_capture_seal AFTER INSERT ON drover.changes
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION drover.capture_seal();
