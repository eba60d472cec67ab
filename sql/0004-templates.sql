-- sql/0004-templates.sql - zone templates: named sets of records that
-- `drover zone create --template T` (and drover.zone_create() in SQL)
-- writes into a new zone, with {variables} filled in at that moment.
-- Owners are relative to the zone ("@" is the apex); a NULL ttl takes the
-- zone's default. Content is checked when the template is used, after the
-- variables are filled in, by the same validator as every other write.

CREATE TABLE drover.templates (
	name        TEXT PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
	description TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE drover.template_records (
	template TEXT NOT NULL REFERENCES drover.templates (name)
		ON DELETE CASCADE ON UPDATE CASCADE,
	position INT NOT NULL,
	owner    TEXT NOT NULL,
	type     TEXT NOT NULL,
	ttl      INT CHECK (ttl >= 0),
	content  TEXT NOT NULL,
	PRIMARY KEY (template, position)
);
