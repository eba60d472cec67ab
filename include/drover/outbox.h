/* include/drover/outbox.h - reading the change log (drover.changes) for one
 * server: the statement that fetches the next batch after a cursor (only
 * entries of transactions older than every running one, in (txid, id)
 * order, so a transaction that commits late is never skipped), and the
 * coalescing of a batch into one change per zone. No I/O of its own: the
 * daemon runs the statement on its connection. */
#ifndef DROVER_OUTBOX_H
#define DROVER_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

/* $1 cursor txid, $2 cursor id, $3 limit. Columns: txid, id, zone_id,
 * zone_name, what (text[] as text), serial, domains.type (NULL: the zone is
 * gone). */
extern const char DR_OUTBOX_BATCH_SQL[];

/* Start server $1 at the head of the log (the newest final entry, or
 * ("0", 0) when the log is empty), keeping a cursor another daemon wrote
 * first. Columns: txid, id of the cursor. */
extern const char DR_OUTBOX_START_SQL[];

struct dr_zone_change {
	char *zone;         /* storage form, no trailing dot */
	long long zone_id;
	bool created;       /* a zone_created entry is in the batch */
	bool deleted;       /* the zone no longer exists */
	bool primary;       /* domains.type is MASTER */
	bool has_serial;
	uint32_t serial;    /* the latest committed serial in the batch */
};

struct dr_batch {
	char last_txid[24]; /* position of the batch's last entry */
	long long last_id;
	size_t nentries;
	struct dr_zone_change *zones; /* one per zone, in order of last appearance */
	size_t nzones;
};

/* Coalesce the rows of DR_OUTBOX_BATCH_SQL. Release with dr_batch_release. */
void dr_batch_from_result(struct dr_batch *b, const PGresult *res);
void dr_batch_release(struct dr_batch *b);

#endif
