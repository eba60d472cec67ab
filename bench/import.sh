#!/bin/bash
# bench/import.sh - write throughput of `drover zone import --dir`: ZONES
# zone files of RECORDS records each (default 10,000 x 100 = 1,000,000
# records; QUICK=1: 1,000 x 100) generated into a temporary folder, then
# imported into a fresh harness database and timed from the outside; then,
# in the same run, what a user would otherwise use: the same rows by a raw
# COPY with drover's triggers off (the upper bound) and on (the cost of
# capture), and SUBSET zones (default 100) through the pdns API (POST
# zones) and through `pdnsutil load-zone`, each extrapolated to the full
# size. Prints one JSON line.
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
DROVER=$DROVER_BUILDDIR/drover
. "$srcdir/t/lib/harness.sh"
if [ -n "${QUICK:-}" ]; then ZONES=${ZONES:-1000}; else ZONES=${ZONES:-10000}; fi
RECORDS=${RECORDS:-100}
SUBSET=${SUBSET:-100}

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

# raw COPY of the very rows drover wrote, into the emptied table
cols="domain_id, name, type, content, ttl, prio, disabled, ordername, auth"
harness_psql -q -c "\\copy (SELECT $cols FROM records) TO '$HARNESS_DIR/records.copy'"
copy_secs() { # on|off - seconds for one COPY of every row
	harness_psql -q -c "TRUNCATE records" \
		-c "ALTER TABLE records $([ "$1" = off ] && echo DISABLE || echo ENABLE) TRIGGER USER"
	local a b
	a=$(date +%s.%N)
	harness_psql -q -c "\\copy records ($cols) FROM '$HARNESS_DIR/records.copy'"
	b=$(date +%s.%N)
	echo "$b - $a" | bc -l
}
copy_off=$(copy_secs off)
copy_on=$(copy_secs on)

# SUBSET zones through the pdns API, one POST per zone
api_secs=$(python3 - "$dir" "$SUBSET" "$W1_API" "$W1_API_KEYFILE" <<'PY'
import json, os, sys, time, urllib.request
folder, subset, api, keyfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
key = open(keyfile).read().strip()
files = sorted(os.listdir(folder))[:subset]
start = time.time()
for i, f in enumerate(files):
    zone = "api%d.import.bench." % i
    sets = {}
    for line in open(os.path.join(folder, f)):
        if line.startswith("$"):
            continue
        owner, rtype, data = line.split(None, 2)
        name = zone if owner == "@" else owner + "." + zone
        data = data.strip()
        if rtype in ("NS", "MX", "SOA"):  # relative names in the data
            data = " ".join(w if w.isdigit() else w + "." + zone for w in data.split())
        sets.setdefault((name, rtype), []).append({"content": data, "disabled": False})
    body = {"name": zone, "kind": "Native", "nameservers": [],
            "rrsets": [{"name": k[0], "type": k[1], "ttl": 3600, "records": v}
                       for k, v in sets.items()]}
    req = urllib.request.Request(api + "/api/v1/servers/localhost/zones", method="POST",
                                 data=json.dumps(body).encode(),
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
print("%.3f" % (time.time() - start))
PY
)

# SUBSET zones through pdnsutil load-zone, one process per zone
a=$(date +%s.%N)
i=0
for f in $(ls "$dir" | head -n "$SUBSET"); do
	/usr/bin/pdnsutil --config-dir="$W1_DIR" load-zone "pu$i.import.bench" "$dir/$f" >/dev/null 2>&1 || break
	i=$((i + 1))
done
b=$(date +%s.%N)
pu_secs=$(echo "$b - $a" | bc -l)
pu_zones=$i

rate() { echo "$1 / $2" | bc -l; }
printf '{"row": "import", "zones": %d, "records": %d, "seconds": %.2f, "records_per_s": %.0f, "exit": %d, ' \
	"$ZONES" "$n" "$secs" "$(rate "$n" "$secs")" "$rc"
printf '"copy_triggers_off_s": %.2f, "copy_triggers_on_s": %.2f, ' "$copy_off" "$copy_on"
printf '"api_subset_zones": %d, "api_subset_s": %.2f, "api_records_per_s": %.0f, ' \
	"$SUBSET" "${api_secs:-0}" "$(rate $((SUBSET * RECORDS)) "${api_secs:-1}")"
printf '"pdnsutil_subset_zones": %d, "pdnsutil_subset_s": %.2f, "pdnsutil_records_per_s": %.0f}\n' \
	"$pu_zones" "$pu_secs" "$(rate $((pu_zones * RECORDS)) "$pu_secs")"
[ "$rc" -eq 0 ] && [ "$n" -eq $((ZONES * RECORDS)) ]
