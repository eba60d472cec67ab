-- sql/ext/drover_api--1.0.sql - the drover_api extension's functions, each
-- a C function of src/pgext/drover_api.c running drover's own writer code.
-- Only the role that created the extension (the drover owner) may call
-- them; `drover init` exposes them to the drover_provisioner role through
-- SECURITY DEFINER functions in schema drover.
\echo Use "CREATE EXTENSION drover_api" to load this file. \quit

CREATE FUNCTION @extschema@.build_id() RETURNS text
	AS 'MODULE_PATHNAME', 'drover_api_build_id' LANGUAGE C STRICT IMMUTABLE;

CREATE FUNCTION @extschema@.check_record(zone text, name text, type text, content text,
	OUT stored_type text, OUT stored_content text, OUT prio integer)
	AS 'MODULE_PATHNAME', 'drover_api_check_record' LANGUAGE C STABLE;

CREATE FUNCTION @extschema@.zone_create(zone text, template text, vars text[], account text,
	ns text[], kind text) RETURNS text
	AS 'MODULE_PATHNAME', 'drover_api_zone_create' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.rrset_replace(zone text, name text, type text, ttl integer,
	contents text[]) RETURNS integer
	AS 'MODULE_PATHNAME', 'drover_api_rrset_replace' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.rrset_delete(zone text, name text, type text) RETURNS integer
	AS 'MODULE_PATHNAME', 'drover_api_rrset_delete' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.zone_delete(zone text) RETURNS void
	AS 'MODULE_PATHNAME', 'drover_api_zone_delete' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.zone_rectify(zone text) RETURNS bigint
	AS 'MODULE_PATHNAME', 'drover_api_zone_rectify' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.repoint(old_ip text, new_ip text, zone_glob text,
	include_spf boolean, dry_run boolean)
	RETURNS TABLE (zone text, name text, type text, old_content text, new_content text,
		removed boolean)
	AS 'MODULE_PATHNAME', 'drover_api_repoint' LANGUAGE C VOLATILE;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO @extowner@;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA @extschema@ TO @extowner@;
