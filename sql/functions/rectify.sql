-- sql/functions/rectify.sql - drover.rectify_zone(zone_id): set the fields
-- PowerDNS reads with gpgsql-dnssec=yes as `pdnsutil rectify-zone` does for a
-- zone without DNSSEC: `auth` false for the NS records at a delegation and
-- for everything below one (the DS at a delegation stays authoritative), an
-- empty non-terminal row (type NULL) for every name between a record and the
-- apex that holds no record, and `ordername` NULL. Set-based; touches only
-- rows whose value changes. Returns the number of rows written. The writer
-- calls it in the same transaction as every change; anyone writing raw SQL
-- may call it too.

CREATE OR REPLACE FUNCTION drover.rectify_zone(p_zone_id int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	v_apex text;
	v_rows int;
	v_changed int := 0;
BEGIN
	SELECT name INTO v_apex FROM domains WHERE id = p_zone_id;
	IF v_apex IS NULL THEN
		RETURN 0;
	END IF;

	-- empty non-terminals: ancestors of record names, strictly below the
	-- apex, that hold no record; stale ones go, missing ones come
	WITH RECURSIVE named AS (
		SELECT DISTINCT name FROM records
		WHERE domain_id = p_zone_id AND type IS NOT NULL
	), up(name) AS (
		SELECT substr(n.name, strpos(n.name, '.') + 1) FROM named n
		WHERE length(n.name) > length(v_apex)
		UNION
		SELECT substr(u.name, strpos(u.name, '.') + 1) FROM up u
		WHERE length(u.name) > length(v_apex)
	), need AS (
		SELECT u.name FROM up u
		WHERE length(u.name) > length(v_apex)
		  AND NOT EXISTS (SELECT 1 FROM named n WHERE n.name = u.name)
	), gone AS (
		DELETE FROM records r
		WHERE r.domain_id = p_zone_id AND r.type IS NULL
		  AND NOT EXISTS (SELECT 1 FROM need e WHERE e.name = r.name)
		RETURNING 1
	), added AS (
		INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled,
		                     ordername, auth)
		SELECT p_zone_id, e.name, NULL, NULL, NULL, NULL, false, NULL, true
		FROM need e
		WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.domain_id = p_zone_id
		                  AND r.type IS NULL AND r.name = e.name)
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM added) INTO v_rows;
	v_changed := v_changed + v_rows;

	-- auth: false at and below each delegation (NS below the apex), but for
	-- the DS at the delegation itself
	WITH cuts AS (
		SELECT DISTINCT name FROM records
		WHERE domain_id = p_zone_id AND type = 'NS' AND name <> v_apex
	), want AS (
		SELECT r.id, NOT EXISTS (
			SELECT 1 FROM cuts c
			WHERE (r.name = c.name AND r.type IS DISTINCT FROM 'DS')
			   OR right(r.name, length(c.name) + 1) = '.' || c.name
		) AS auth
		FROM records r WHERE r.domain_id = p_zone_id
	)
	UPDATE records r SET auth = w.auth
	FROM want w
	WHERE r.id = w.id AND r.auth IS DISTINCT FROM w.auth;
	GET DIAGNOSTICS v_rows = ROW_COUNT;
	v_changed := v_changed + v_rows;

	UPDATE records SET ordername = NULL
	WHERE domain_id = p_zone_id AND ordername IS NOT NULL;
	GET DIAGNOSTICS v_rows = ROW_COUNT;
	RETURN v_changed + v_rows;
END
$$;
