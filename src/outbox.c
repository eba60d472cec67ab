/* src/outbox.c - the change-log reader's statements and the coalescing of a
 * batch into one change per zone. See include/drover/outbox.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/outbox.h"
#include "drover/util.h"
#include "banned.h"

const char DR_OUTBOX_BATCH_SQL[] =
	"SELECT c.txid::text, c.id, c.zone_id, c.zone_name, c.what::text, c.serial, d.type"
	" FROM drover.changes c LEFT JOIN domains d ON d.id = c.zone_id"
	" WHERE (c.txid, c.id) > ($1::xid8, $2::bigint)"
	" AND c.txid < pg_snapshot_xmin(pg_current_snapshot())"
	" ORDER BY c.txid, c.id LIMIT $3";

const char DR_OUTBOX_START_SQL[] =
	"WITH head AS (SELECT txid, id FROM drover.changes"
	"  WHERE txid < pg_snapshot_xmin(pg_current_snapshot())"
	"  ORDER BY txid DESC, id DESC LIMIT 1),"
	" pos AS (SELECT coalesce((SELECT txid FROM head), '0'::xid8) AS txid,"
	"  coalesce((SELECT id FROM head), 0) AS id),"
	" ins AS (INSERT INTO drover.cursors (server_id, txid, id)"
	"  SELECT $1, txid, id FROM pos ON CONFLICT (server_id) DO NOTHING"
	"  RETURNING txid, id)"
	" SELECT txid::text, id FROM ins"
	" UNION ALL SELECT txid::text, id FROM drover.cursors"
	"  WHERE server_id = $1 AND NOT EXISTS (SELECT 1 FROM ins)";

void dr_batch_release(struct dr_batch *b)
{
	for (size_t i = 0; i < b->nzones; i++)
		free(b->zones[i].zone);
	free(b->zones);
	memset(b, 0, sizeof(*b));
}

void dr_batch_from_result(struct dr_batch *b, const PGresult *res)
{
	int rows = PQntuples(res);

	memset(b, 0, sizeof(*b));
	b->zones = dr_xcalloc((size_t)rows + 1, sizeof(*b->zones));
	for (int r = 0; r < rows; r++) {
		long long zid = strtoll(PQgetvalue(res, r, 2), NULL, 10);
		const char *what = PQgetvalue(res, r, 4);
		struct dr_zone_change *z = NULL;

		/* one change per zone: the last entry wins, created sticks */
		for (size_t i = 0; i < b->nzones; i++) {
			if (b->zones[i].zone_id == zid) {
				struct dr_zone_change keep = b->zones[i];

				memmove(&b->zones[i], &b->zones[i + 1],
					(b->nzones - i - 1) * sizeof(*b->zones));
				b->zones[b->nzones - 1] = keep;
				z = &b->zones[b->nzones - 1];
				break;
			}
		}
		if (!z) {
			z = &b->zones[b->nzones++];
			z->zone_id = zid;
			z->zone = dr_xstrdup(PQgetvalue(res, r, 3));
		} else if (strcmp(z->zone, PQgetvalue(res, r, 3))) {
			free(z->zone);
			z->zone = dr_xstrdup(PQgetvalue(res, r, 3));
		}
		if (strstr(what, "zone_created"))
			z->created = true;
		z->deleted = PQgetisnull(res, r, 6);
		z->primary = !z->deleted && !strcmp(PQgetvalue(res, r, 6), "MASTER");
		z->has_serial = !PQgetisnull(res, r, 5);
		z->serial = z->has_serial ? (uint32_t)strtoull(PQgetvalue(res, r, 5), NULL, 10) : 0;
		snprintf(b->last_txid, sizeof(b->last_txid), "%s", PQgetvalue(res, r, 0));
		b->last_id = strtoll(PQgetvalue(res, r, 1), NULL, 10);
		b->nentries++;
	}
}
