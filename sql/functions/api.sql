-- sql/functions/api.sql - the SQL API for billing systems: functions in
-- schema drover that the drover_provisioner role may call, and nothing
-- else. Each is SECURITY DEFINER (it runs as the drover owner, who may
-- write the PowerDNS tables) and hands its arguments to the drover_api
-- extension, which runs drover's own C code: the same names, records,
-- zone rules and storage form as the CLI, and the same errors, raised with
-- a SQLSTATE (22023 bad input, P0002 not found, 42710 already exists) and
-- the field named in the detail. Without the extension (a managed
-- PostgreSQL that cannot load it) every function says so.

CREATE OR REPLACE FUNCTION drover.api_require() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'drover_api') THEN
		RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
			MESSAGE = 'the drover SQL API needs the drover_api extension',
			HINT = 'install it on the database server (make install-pgext) and run drover init again';
	END IF;
END $$;

-- Create a zone, from a template when one is named; vars is a JSON object
-- of the template's variables, {"ip": "192.0.2.10", "mx": "mail.example.net."}.
CREATE OR REPLACE FUNCTION drover.zone_create(zone text, template text DEFAULT NULL,
	vars jsonb DEFAULT NULL, account text DEFAULT NULL, ns text[] DEFAULT NULL,
	kind text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	var_list text[];
	bad text;
BEGIN
	PERFORM drover.api_require();
	IF vars IS NOT NULL AND jsonb_typeof(vars) <> 'object' THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', COLUMN = 'vars',
			MESSAGE = 'vars: expected a JSON object such as {"ip": "192.0.2.10"}, got '
				|| jsonb_typeof(vars);
	END IF;
	SELECT k INTO bad FROM jsonb_object_keys(coalesce(vars, '{}')) k
		WHERE k !~ '^[a-z0-9_]{1,32}$' LIMIT 1;
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', COLUMN = 'vars',
			MESSAGE = format('variable name %L: expected at most 32 of a-z 0-9 _', bad);
	END IF;
	SELECT array_agg(e.key || '=' || coalesce(e.value, '') ORDER BY e.key) INTO var_list
		FROM jsonb_each_text(coalesce(vars, '{}')) e;
	RETURN drover_api.zone_create(zone, template, var_list, account, ns, kind);
END $$;

-- Replace one rrset (all its records, one TTL); returns how many it holds.
CREATE OR REPLACE FUNCTION drover.rrset_replace(zone text, name text, type text, ttl integer,
	contents text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	RETURN drover_api.rrset_replace(zone, name, type, ttl, contents);
END $$;

-- Delete one rrset; returns how many records went.
CREATE OR REPLACE FUNCTION drover.rrset_delete(zone text, name text, type text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	RETURN drover_api.rrset_delete(zone, name, type);
END $$;

CREATE OR REPLACE FUNCTION drover.zone_delete(zone text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	PERFORM drover_api.zone_delete(zone);
END $$;

-- Recompute auth, ordername and empty non-terminals of a zone as
-- `pdnsutil rectify-zone` would, DNSSEC-aware: for rows a billing system
-- wrote with raw SQL. Returns how many rows changed.
CREATE OR REPLACE FUNCTION drover.zone_rectify(zone text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	RETURN drover_api.zone_rectify(zone);
END $$;

-- Move every A/AAAA record (and with include_spf the ip4:/ip6: mechanisms)
-- from old_ip to new_ip; one row per record changed (or, dry_run, that
-- would change).
CREATE OR REPLACE FUNCTION drover.repoint(old_ip text, new_ip text, zone_glob text DEFAULT NULL,
	include_spf boolean DEFAULT false, dry_run boolean DEFAULT false)
	RETURNS TABLE (zone text, name text, type text, old_content text, new_content text,
		removed boolean)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	RETURN QUERY SELECT r.* FROM drover_api.repoint(old_ip, new_ip, zone_glob, include_spf,
		dry_run) r;
END $$;

-- The storage form drover would write for one record, or its error.
CREATE OR REPLACE FUNCTION drover.check_record(zone text, name text, type text, content text,
	OUT stored_type text, OUT stored_content text, OUT prio integer)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	PERFORM drover.api_require();
	SELECT c.stored_type, c.stored_content, c.prio INTO stored_type, stored_content, prio
		FROM drover_api.check_record(zone, name, type, content) c;
END $$;

-- `drover init` calls this: the provisioner role, when it exists, may use
-- schema drover and call the functions above.
CREATE OR REPLACE FUNCTION drover.grant_provisioner() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'drover_provisioner') THEN
		RETURN false;
	END IF;
	GRANT USAGE ON SCHEMA drover TO drover_provisioner;
	GRANT EXECUTE ON FUNCTION
		drover.zone_create(text, text, jsonb, text, text[], text),
		drover.rrset_replace(text, text, text, integer, text[]),
		drover.rrset_delete(text, text, text),
		drover.zone_delete(text),
		drover.zone_rectify(text),
		drover.repoint(text, text, text, boolean, boolean),
		drover.check_record(text, text, text, text)
		TO drover_provisioner;
	RETURN true;
END $$;

REVOKE ALL ON FUNCTION
	drover.api_require(),
	drover.zone_create(text, text, jsonb, text, text[], text),
	drover.rrset_replace(text, text, text, integer, text[]),
	drover.rrset_delete(text, text, text),
	drover.zone_delete(text),
	drover.zone_rectify(text),
	drover.repoint(text, text, text, boolean, boolean),
	drover.check_record(text, text, text, text),
	drover.grant_provisioner()
	FROM PUBLIC;
