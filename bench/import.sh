#!/bin/bash
# bench/import.sh - write throughput of `drover zone import --dir`: ZONES
# zone files of RECORDS records each (default 10,000 x 100 = 1,000,000
# records; QUICK=1: 1,000 x 100) generated into a temporary folder, then
# imported into a fresh harness database (PostgreSQL only, no worker needed)
# and timed from the outside. Prints one JSON line: zones, records, seconds,
# records per second.
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
DROVER=$DROVER_BUILDDIR/drover
. "$srcdir/t/lib/harness.sh"
if [ -n "${QUICK:-}" ]; then ZONES=${ZONES:-1000}; else ZONES=${ZONES:-10000}; fi
RECORDS=${RECORDS:-100}

harness_start bench-import 619 1 >&2 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
dir=$HARNESS_DIR/zones
mkdir -p "$dir"
# each zone: SOA, 2 NS, MX, 3 glue/host A records, the rest A records
awk -v zones="$ZONES" -v records="$RECORDS" -v dir="$dir" 'BEGIN {
	for (z = 0; z < zones; z++) {
		f = sprintf("%s/z%05d.import.bench", dir, z)
		print "$TTL 3600" > f
		print "@ SOA ns1 hostmaster 2024010101 7200 900 1209600 300" > f
		print "@ NS ns1" > f
		print "@ NS ns2" > f
		print "@ MX 10 mail" > f
		print "ns1 A 192.0.2.1" > f
		print "ns2 A 192.0.2.2" > f
		print "mail A 192.0.2.3" > f
		for (i = 0; i < records - 7; i++)
			printf "h%d A 10.%d.%d.%d\n", i, z % 256, int(i / 256), i % 256 > f
		close(f)
	}
}'
t0=$(date +%s.%N)
"$DROVER" zone import --dir "$dir" "${D[@]}" >"$HARNESS_DIR/import.out" 2>&1
rc=$?
t1=$(date +%s.%N)
n=$(harness_psql -At -c "SELECT count(*) FROM records WHERE type IS NOT NULL")
secs=$(echo "$t1 - $t0" | bc -l)
printf '{"row": "import", "zones": %d, "records": %d, "seconds": %.2f, "records_per_s": %.0f, "exit": %d}\n' \
	"$ZONES" "$n" "$secs" "$(echo "$n / $secs" | bc -l)" "$rc"
[ "$rc" -eq 0 ] && [ "$n" -eq $((ZONES * RECORDS)) ]
