-- sql/0006-rectify-in-c.sql - rectify moves out of PL/pgSQL: the fields
-- PowerDNS reads with gpgsql-dnssec=yes (auth, ordername, empty
-- non-terminals) are computed in one place, drover's C library
-- (src/rectify.c), which every write path calls: the CLI, the import, and
-- the SQL API through the drover_api extension. The PL/pgSQL function knew
-- no DNSSEC and set every ordername to NULL, which broke signed zones.
DROP FUNCTION IF EXISTS drover.rectify_zone(int);
