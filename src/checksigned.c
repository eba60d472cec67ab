/* src/checksigned.c - signed zones whose stored rows are not rectified. See
 * include/drover/checksigned.h. One statement finds the signed zones; each
 * is then read whole and compared (src/rectifydb.c's dry run), so the cost
 * is one zone read per signed zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/checksigned.h"
#include "drover/db.h"
#include "drover/rectifydb.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "banned.h"

static const char SIGNED_SQL[] =
	"SELECT d.id, d.name FROM domains d"
	" WHERE EXISTS (SELECT 1 FROM cryptokeys k WHERE k.domain_id = d.id AND k.active)"
	" AND NOT EXISTS (SELECT 1 FROM domainmetadata m WHERE m.domain_id = d.id"
	"  AND m.kind = 'PRESIGNED' AND m.content IN ('1', 'yes'))"
	" AND ($1::text[] IS NULL OR d.name = ANY($1::text[]))"
	" ORDER BY d.name";

void dr_signed_findings_free(struct dr_signed_finding *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].zone);
	free(f);
}

int dr_checksigned_run(PGconn *conn, const char *const *only, size_t nonly, bool repair,
		       void (*each)(void *ud, const char *zone), void *ud,
		       struct dr_signed_finding **out, size_t *n, size_t *nsigned,
		       struct dr_error *err)
{
	struct dr_signed_finding *list = NULL;
	struct dr_sbuf names;
	const char *p[1] = { NULL };
	PGresult *res = NULL;
	size_t count = 0;
	int rc, rows;

	*out = NULL;
	*n = *nsigned = 0;
	dr_sbuf_init(&names);
	if (nonly) {
		for (size_t i = 0; i < nonly; i++)
			dr_pgarray_add(&names, only[i]);
		p[0] = dr_pgarray_end(&names);
	}
	rc = dr_db_exec(conn, SIGNED_SQL, 1, p, &res, err);
	dr_sbuf_release(&names);
	if (rc)
		return rc;
	rows = PQntuples(res);
	list = dr_xcalloc((size_t)rows + 1, sizeof(*list));
	for (int r = 0; r < rows && !rc; r++) {
		const char *zone = PQgetvalue(res, r, 1);
		long long id = atoll(PQgetvalue(res, r, 0)), differ = 0, after = 0;

		if (each)
			each(ud, zone);
		rc = dr_rectifydb_zone_differs(conn, id, &differ, err);
		if (rc || differ == 0)
			continue;
		list[count].zone = dr_xstrdup(zone);
		list[count].differ = differ;
		if (repair) { /* a transaction of its own, under the writers' zone lock */
			long long changed;

			rc = dr_zone_rectify(conn, zone, &changed, err);
			if (!rc)
				rc = dr_rectifydb_zone_differs(conn, id, &after, err);
			list[count].repaired = !rc && after == 0;
		}
		count++;
	}
	*nsigned = (size_t)rows;
	PQclear(res);
	if (rc) {
		dr_signed_findings_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return 0;
}
