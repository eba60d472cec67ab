#!/bin/bash
# bench/rectify-cost.sh - what rectify costs one write: `drover rrset
# replace` of one name in a zone of RECORDS records (100,000 by default),
# unsigned, NSEC and NSEC3 (1 iteration, a salt), beside the same command in
# a 10-record zone and in a zone of BASE_RECORDS (10,000); and, as the
# baseline in the same run, the whole-zone PL/pgSQL rectify every write ran
# before rectify moved to C (that function is created here under another
# name from the git history and called on the BASE_RECORDS zone: on the big
# zone it runs for many minutes). Also one whole-zone `drover zone rectify`
# per mode.
# Starts its own PostgreSQL through the test harness (NUM 141, no worker;
# the zones are marked signed by an active key row and NSEC3PARAM metadata,
# which is all rectify reads), prints a table, writes JSON to bench/results/
# (git-ignored). About 2 minutes with the defaults.
# Usage: bench/rectify-cost.sh   (env: RECORDS=100000 BASE_RECORDS=10000 WRITES=50)
set -u
srcdir=${DROVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export DROVER_SRCDIR=$srcdir DROVER_BUILDDIR=${DROVER_BUILDDIR:-$srcdir}
RECORDS=${RECORDS:-100000} BASE_RECORDS=${BASE_RECORDS:-10000} WRITES=${WRITES:-50}
DROVER=$DROVER_BUILDDIR/drover
# shellcheck source=../t/lib/harness.sh
. "$srcdir/t/lib/harness.sh"

harness_start bench-rectify-cost 141 0 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
work=$HARNESS_DIR/bench
mkdir -p "$work"
q() { harness_psql -At -c "$1"; }
now_ms() { _hx_now_ms; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- the zones: RECORDS names in a few subtrees (host$i.s$k, so each write's
# region is one of 100 subtrees of RECORDS/100 names), and a small one
zonefile() { # ZONE COUNT
	printf '$TTL 300\n@ SOA ns1.%s. hostmaster.%s. 1 10800 3600 604800 3600\n@ NS ns1.%s.\n' "$1" "$1" "$1"
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "host%d.s%d A 192.0.2.%d\n", i, i % 100, i % 250 + 1 }'
}
for z in unsigned.bench nsec.bench nsec3.bench; do
	zonefile $z "$RECORDS" >"$work/$z.zone"
	"$DROVER" zone import $z "$work/$z.zone" "${D[@]}" >/dev/null || { echo "import of $z failed"; exit 1; }
done
zonefile small.bench 8 >"$work/small.zone"
"$DROVER" zone import small.bench "$work/small.zone" "${D[@]}" >/dev/null || exit 1
zonefile base.bench "$BASE_RECORDS" >"$work/base.zone"
"$DROVER" zone import base.bench "$work/base.zone" "${D[@]}" >/dev/null || exit 1
harness_psql -q <<'EOF'
INSERT INTO cryptokeys (domain_id, flags, active, published, content)
	SELECT id, 257, true, true, 'bench' FROM domains WHERE name IN ('nsec.bench', 'nsec3.bench');
INSERT INTO domainmetadata (domain_id, kind, content)
	SELECT id, 'NSEC3PARAM', '1 0 1 ab' FROM domains WHERE name = 'nsec3.bench';
EOF

# --- one whole-zone rectify per mode (the signed zones get their ordernames)
declare -A full
for z in unsigned.bench nsec.bench nsec3.bench; do
	t0=$(now_ms)
	"$DROVER" zone rectify $z "${D[@]}" >"$work/rectify-$z.out" || exit 1
	full[$z]=$(($(now_ms) - t0))
done

# --- WRITES single-rrset replaces per zone, alternating, each a new command
declare -A times
for ((i = 0; i < WRITES; i++)); do
	for z in small.bench base.bench unsigned.bench nsec.bench nsec3.bench; do
		t0=$(now_ms)
		"$DROVER" rrset replace $z "new$i.s$((i % 100))" A 300 192.0.2.$((i % 250 + 1)) "${D[@]}" >/dev/null || exit 1
		times[$z]="${times[$z]:-} $(($(now_ms) - t0))"
	done
done

# --- the baseline: the PL/pgSQL whole-zone rectify each write ran before
old=""
if git -C "$srcdir" show 805a062:sql/functions/rectify.sql >"$work/old-rectify.sql" 2>/dev/null; then
	sed -i 's/drover\.rectify_zone/drover.bench_old_rectify_zone/' "$work/old-rectify.sql"
	harness_psql -q -f "$work/old-rectify.sql" >/dev/null
	id=$(q "SELECT id FROM domains WHERE name = 'base.bench'")
	for ((i = 0; i < 3; i++)); do
		t0=$(now_ms)
		q "SET statement_timeout = '300s'; SELECT drover.bench_old_rectify_zone($id)" >/dev/null || exit 1
		old="$old $(($(now_ms) - t0))"
	done
fi

m_small=$(echo "${times[small.bench]}" | median)
m_base=$(echo "${times[base.bench]}" | median)
m_uns=$(echo "${times[unsigned.bench]}" | median)
m_nsec=$(echo "${times[nsec.bench]}" | median)
m_nsec3=$(echo "${times[nsec3.bench]}" | median)
m_old=$(echo "$old" | median)
printf '\n| rrset replace, one name (median of %s, ms) | 10 records | %s records | %s records |\n|---|---|---|---|\n' \
	"$WRITES" "$BASE_RECORDS" "$RECORDS"
printf '| unsigned | %s | %s | %s |\n| NSEC | - | - | %s |\n| NSEC3 (1 iteration, salt) | - | - | %s |\n' \
	"$m_small" "$m_base" "$m_uns" "$m_nsec" "$m_nsec3"
printf '| baseline: the old whole-zone PL/pgSQL rectify alone (median of 3), unsigned | - | %s | - |\n' "${m_old:-n/a}"
printf '\nwhole-zone drover zone rectify (first run, ms): unsigned %s, NSEC %s, NSEC3 %s\n' \
	"${full[unsigned.bench]}" "${full[nsec.bench]}" "${full[nsec3.bench]}"
mkdir -p "$srcdir/bench/results"
jq -n --arg records "$RECORDS" --arg base_records "$BASE_RECORDS" --arg writes "$WRITES" \
	--arg small "$m_small" --arg base "$m_base" --arg uns "$m_uns" \
	--arg nsec "$m_nsec" --arg nsec3 "$m_nsec3" --arg old "${m_old:-}" \
	--arg fu "${full[unsigned.bench]}" --arg fn "${full[nsec.bench]}" --arg f3 "${full[nsec3.bench]}" \
	'{records: $records, base_records: $base_records, writes: $writes, replace_ms: {small: $small,
	  base: $base, unsigned: $uns, nsec: $nsec, nsec3: $nsec3}, old_plpgsql_rectify_base_ms: $old,
	  zone_rectify_ms: {unsigned: $fu, nsec: $fn, nsec3: $f3}}' \
	>"$srcdir/bench/results/rectify-cost-$(date -u +%Y%m%dT%H%M%SZ).json"
harness_stop 0
