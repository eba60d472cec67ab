-- sql/0001-registry.sql - drover's own schema: the migration record, and
-- the registry of PowerDNS workers. Secrets (API keys, control-channel
-- secrets) live in a table of their own that only the owner role reads, so
-- every daemon of a high-availability pair has them and nobody else does.

CREATE SCHEMA drover;
REVOKE ALL ON SCHEMA drover FROM PUBLIC;

-- One row per applied migration file (sql/NNNN-*.sql).
CREATE TABLE drover.schema_version (
	version    INT PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Small facts about the installed schema, e.g. the digest of the function
-- files last applied (sql/functions/), so `init` only rewrites them when
-- they changed.
CREATE TABLE drover.schema_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE drover.servers (
	id              SERIAL PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE
		CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	api_url         TEXT NOT NULL CHECK (api_url ~ '^https?://'),
	dns_address     TEXT NOT NULL,
	control_address TEXT,
	notify          BOOLEAN NOT NULL DEFAULT false,
	enabled         BOOLEAN NOT NULL DEFAULT true,
	pdns_version    TEXT,
	probed_at       TIMESTAMPTZ,
	created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE drover.server_secrets (
	server_id      INT PRIMARY KEY REFERENCES drover.servers (id) ON DELETE CASCADE,
	api_key        TEXT NOT NULL,
	control_secret TEXT
);
REVOKE ALL ON drover.server_secrets FROM PUBLIC;
