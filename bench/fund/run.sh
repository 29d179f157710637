#!/usr/bin/env bash
# Bank statement benchmark, the figure the issue asks for: 1,000,000 credit
# entries of camt.053 statements (4 files of consecutive weeks) imported and
# matched to 200,000 donors (80% matchable: 40% by reference, 20% by IBAN,
# 20% by name; 20% to suspense), through the plain binary, on SQLite and
# PostgreSQL: seconds and peak RSS (/usr/bin/time -v).
#
# The real thing end to end: the generator's 200,000 donors are first
# loaded through the donor service (`tadamun fund donors import`, timed
# apart), then `tadamun fund import` matches the credits through the donor
# service's keys and records every matched credit through the gift service
# (donation rows, gapless receipt numbers, ledger entry per batch, lots of
# the allocations, the public journal, audit), the rest in suspense.
#
# Usage: bench/fund/run.sh
# Environment:
#   TADAMUN_BENCH_PG   PostgreSQL server URL without a database name
#                      (default postgres://postgres@127.0.0.1:5432; "" for SQLite only)
#   ENTRIES, DONORS, FILES   sizes (default 1000000, 200000, 4)
#   ENGINES            engines to measure (default "sqlite postgres")
set -euo pipefail

cd "$(dirname "$0")/../.."
PG="${TADAMUN_BENCH_PG-postgres://postgres@127.0.0.1:5432}"
ENTRIES="${ENTRIES:-1000000}"
DONORS="${DONORS:-200000}"
FILES="${FILES:-4}"
ENGINES="${ENGINES:-sqlite postgres}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "building tadamun…" >&2
go build -o "$tmp/tadamun" ./cmd/tadamun
go build -o "$tmp/gen" ./bench/fund/gen
echo "generating $ENTRIES entries for $DONORS donors in $FILES files…" >&2
"$tmp/gen" -out "$tmp/data" -donors "$DONORS" -entries "$ENTRIES" -files "$FILES" >/dev/null
du -ch "$tmp"/data/statement-*.xml | tail -1 >&2

# The baseline, measured in the same run: parsing the files alone (the
# same streaming reader, no matching, no database). The machine is shared,
# so the ratio import/parse says more than the seconds.
baseline() {
	/usr/bin/time -f %e -o "$tmp/parse-time.txt" "$tmp/gen" -read "$tmp"/data/statement-*.xml >&2
	cat "$tmp/parse-time.txt"
}

run() { # engine dsn
	local e="$1" dsn="$2"
	"$tmp/tadamun" --db "$dsn" --audit-key "$tmp/audit.key" member create --code JO --name-ar الأردن --name-en Jordan \
		--currency JOD --timezone Asia/Amman >/dev/null 2>&1
	echo "seeding $DONORS donors on $e (tadamun fund donors import)…" >&2
	/usr/bin/time -f '%e %M' -o "$tmp/seed-$e.txt" "$tmp/tadamun" --db "$dsn" --audit-key "$tmp/audit.key" fund donors import --member JO \
		"$tmp/data/donors.tsv" >&2
	local seed
	seed=$(awk '{ printf "%.1f s, peak RSS %d MiB", $1, $2 / 1024 }' "$tmp/seed-$e.txt")
	echo "importing on $e…" >&2
	/usr/bin/time -v -o "$tmp/time-$e.txt" "$tmp/tadamun" --db "$dsn" --audit-key "$tmp/audit.key" fund import --member JO --quiet \
		"$tmp"/data/statement-*.xml >"$tmp/out-$e.txt"
	local secs rss
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$tmp/time-$e.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$tmp/time-$e.txt")
	echo "--- $e" 
	sed -n '/^all /,$p' "$tmp/out-$e.txt"
	local base
	base=$(baseline)
	printf '%-10s %8s entries  %6s donors  %8s s  peak RSS %6s MiB  (%s entries/s; parsing alone %s s, import/parse %s×; seeding the donors %s)\n' "$e" "$ENTRIES" "$DONORS" "$secs" "$rss" \
		"$(awk -v n="$ENTRIES" -v s="$secs" 'BEGIN { printf "%d", n / s }')" "$base" \
		"$(awk -v a="$secs" -v b="$base" 'BEGIN { printf "%.1f", a / b }')" "$seed" | tee -a "$tmp/summary.txt"
}

if [[ " $ENGINES " == *" sqlite "* ]]; then
	run sqlite "$tmp/bench.db"
fi
if [[ -n "$PG" && " $ENGINES " == *" postgres "* ]]; then
	psql "$PG/postgres" -qc 'DROP DATABASE IF EXISTS tadamun_fundbench' -c 'CREATE DATABASE tadamun_fundbench' >/dev/null
	run postgres "$PG/tadamun_fundbench?sslmode=disable"
	psql "$PG/postgres" -qc 'DROP DATABASE IF EXISTS tadamun_fundbench' >/dev/null
fi
echo "=== bank statements: import, match and record donations (camt.053, tadamun fund import, real donor and gift services); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$tmp/summary.txt"
