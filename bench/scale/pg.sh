#!/bin/sh
# A registry of 10,000,000 persons (about 2,000,000 households) on
# PostgreSQL, measured step by step (issue 19, item 4). Each step runs in
# its own process, so that its peak RSS is its own, and prints its figure
# beside a baseline measured in the same run (the machine is shared).
#
#   bench/scale/pg.sh                                  # every step, 10,000,000 persons
#   PERSONS=1000000 bench/scale/pg.sh                  # smaller
#   STEPS="search targeting" KEEP=1 bench/scale/pg.sh  # some steps, on what an earlier run left
#   DIR=/big/disk PG=postgres://user@host:5432 bench/scale/pg.sh
#
# Steps (STEPS, default all, in this order):
#   gen        bench/registry/gen writes households.csv and members.csv (random order)
#   import     `tadamun import` into a new database: persons/s, peak RSS; baseline:
#              COPY of the same members file into a bare table (psql \copy)
#   search     1,000 name searches of the registry benchmark's mix (first+family, three
#              parts, family, Latin, national ID): p50/p99; baseline: a read by primary key
#   targeting  `tadamun program run` of examples/programs/older-persons.yaml over every
#              household, twice: load, evaluate, store, total, peak RSS; baseline: one
#              scan of households and persons in psql
#   dedup      `tadamun dedup` over every person (blocking, scoring, the review queue
#              stored): wall, CPU, peak RSS; baseline: the same scan
#   statistics `tadamun serve`, the public statistics page's first answer (the refresh of
#              the aggregates from the registry) and 200 requests served from them
#   payment    a payment cycle of PAYMENTS (default 2,000,000) entitlements with the bank
#              files (pain.001) and a pain.002 status import, bench/payment's BenchmarkCycle
#              on PostgreSQL (its own database: households streamed from an in-memory
#              program, bank accounts loaded in bulk); baseline: a bulk load of as many rows
#
# DIR (default a new temporary directory, removed unless KEEP=1) holds the
# files, the keys and the figures; the database is DB (default tadamun_scale)
# on PG, dropped and made again by the import step, kept afterwards.
set -eu
cd "$(dirname "$0")/../.."
PERSONS=${PERSONS:-10000000}
PAYMENTS=${PAYMENTS:-2000000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-tadamun_scale}
STEPS=${STEPS:-gen import search targeting dedup statistics payment}
DIR=${DIR:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR"
URL="$PG/$DB?sslmode=disable"
export TADAMUN_DB="$URL" TADAMUN_AUDIT_KEY="$DIR/audit.key" TADAMUN_WHISTLE_KEY="$DIR/whistle.key"
export TADAMUN_CARD_KEY="$DIR/card.key" TADAMUN_CASE_KEY="$DIR/case.key" TADAMUN_DCI_KEY="$DIR/dci.key"
export TADAMUN_PASSWORD=bench-password-long
t="$DIR/tadamun"
psqlc() { psql -X -q -d "$URL" "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# timed NAME CMD…: runs CMD under /usr/bin/time; leaves "wall cpu rssMiB" in $DIR/NAME.time.
timed() {
	n=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$DIR/$n.raw" "$@"
	awk '{ printf "%.1f %.1f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$DIR/$n.raw" >"$DIR/$n.time"
}
# baseline: one plain scan of the registry's two big tables, in seconds.
baseline() {
	s=$(date +%s.%N)
	psqlc -c "SELECT count(*), sum(length(first_name)) FROM persons" -c "SELECT count(*), sum(length(household_ref)) FROM households" >/dev/null
	echo "$(date +%s.%N) - $s" | bc
}
has() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

echo "== building (load $(load))" >&2
go build -o "$t" ./cmd/tadamun
go build -o "$DIR/gen" ./bench/registry/gen

if has gen && [ ! -s "$DIR/members.csv" ]; then
	echo "== generating $PERSONS persons in $DIR (load $(load))" >&2
	"$DIR/gen" -persons "$PERSONS" -out "$DIR" >&2
fi

if has import; then
	echo "== import of $PERSONS persons into $DB (load $(load))" >&2
	dropdb -h "$(echo "$PG" | sed 's|.*@||; s|:.*||')" -U postgres --if-exists "$DB" 2>/dev/null || psql -X -q -d "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB"
	psql -X -q -d "$PG/postgres" -c "CREATE DATABASE $DB"
	rm -f "$DIR/audit.key" "$DIR/audit.key.witness"
	$t member create --code JO --name-ar الأردن --name-en Jordan --currency JOD --timezone Asia/Amman --areas bench/portal/areas-jo.csv >/dev/null
	$t user create --member JO --username maker --name maker --roles program_manager >/dev/null
	$t user create --member JO --username checker --name checker --roles approver >/dev/null
	timed import $t import --confirm-duplicates --max-rows "$PERSONS" --max-uncompressed-mb 16384 \
		--member JO "$DIR/households.csv" "$DIR/members.csv" >"$DIR/import.out"
	tail -3 "$DIR/import.out" >&2
	# The baseline: the same file copied into a bare table, no checks, no keys.
	s=$(date +%s.%N)
	psqlc -c "CREATE UNLOGGED TABLE bench_copy (line text)" -c "\\copy bench_copy FROM '$DIR/members.csv' WITH (FORMAT text, DELIMITER E'\\x01')" -c "DROP TABLE bench_copy"
	base=$(echo "$(date +%s.%N) - $s" | bc)
	read -r w c m <"$DIR/import.time"
	printf 'import     %9d persons  %7.1f s  %7.0f persons/s  %6.0f persons/CPU-s  peak RSS %6.0f MiB  baseline COPY %6.1f s (%.1f×)\n' \
		"$PERSONS" "$w" "$(echo "$PERSONS / $w" | bc -l)" "$(echo "$PERSONS / $c" | bc -l)" "$m" "$base" "$(echo "$w / $base" | bc -l)" | tee "$DIR/figures-import"
	psqlc -c "SELECT pg_size_pretty(pg_database_size('$DB')) AS database_size"
fi

if has search; then
	echo "== name search over $DB (load $(load))" >&2
	go test -c -o "$DIR/registry.test" ./internal/registry
	TADAMUN_BENCH_REGISTRY_DB="$URL" "$DIR/registry.test" -test.run '^$' -test.bench '^BenchmarkSearchExisting$' \
		-test.benchtime=1x -test.v >"$DIR/search.out" 2>&1 || { cat "$DIR/search.out" >&2; exit 1; }
	grep -E 'search (first|family|latin|national)' "$DIR/search.out" | sed 's/^ *//' >&2
	awk '/^BenchmarkSearchExisting/ { for (i = 2; i < NF; i++) v[$(i+1)] = $i }
		END { printf "search     p50 %.1f ms  p99 %.1f ms (target < 50 ms)  baseline read by key p50 %.2f ms  p99 %.2f ms\n", v["search-p50-ms"], v["search-p99-ms"], v["base-p50-ms"], v["base-p99-ms"] }' \
		"$DIR/search.out" | tee "$DIR/figures-search"
fi

if has targeting; then
	echo "== targeting run over every household (load $(load))" >&2
	$t program apply --member JO examples/programs/older-persons.yaml >/dev/null
	base=$(baseline)
	for day in 01 02; do
		timed "targeting-$day" $t program run --quiet --member JO --program CASH-ELDERLY --as-of "2026-06-$day" >"$DIR/targeting-$day.out"
		read -r w c m <"$DIR/targeting-$day.time"
		printf 'targeting  run %s: %s  peak RSS %.0f MiB, CPU %.1f s  baseline scan %.1f s (%.1f×)  target < 180 s, < 4096 MiB\n' \
			"$day" "$(grep -a '^load ' "$DIR/targeting-$day.out")" "$m" "$c" "$base" "$(echo "$w / $base" | bc -l)"
	done | tee "$DIR/figures-targeting"
fi

if has dedup; then
	echo "== dedup over every person (load $(load))" >&2
	base=$(baseline)
	timed dedup $t dedup --member JO --out "$DIR/clusters.csv"
	read -r w c m <"$DIR/dedup.time"
	printf 'dedup      %.1f s wall, %.1f s CPU, peak RSS %.0f MiB, %d persons in groups  baseline scan %.1f s (%.1f×)  target < 300 s, < 4096 MiB\n' \
		"$w" "$c" "$m" "$(($(wc -l <"$DIR/clusters.csv") - 1))" "$base" "$(echo "$w / $base" | bc -l)" | tee "$DIR/figures-dedup"
fi

if has statistics; then
	echo "== public statistics refresh (load $(load))" >&2
	port=${PORT:-8498}
	$t serve --addr "127.0.0.1:$port" >"$DIR/serve.log" 2>&1 &
	srv=$!
	trap 'kill $srv 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
	for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
	rss0=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$srv/status")
	s=$(date +%s.%N)
	while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/portal/statistics?member=JO")" != 200 ]; do sleep 0.5; done
	refresh=$(echo "$(date +%s.%N) - $s" | bc)
	hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$srv/status")
	p99=$(for _ in $(seq 200); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/portal/statistics?member=JO"; done |
		sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int(NR * 0.99)] * 1000 }')
	kill $srv
	base=$(baseline)
	printf 'statistics refresh %.1f s (server RSS %d MiB before, peak %d MiB), page p99 %s ms from the aggregates  baseline scan %.1f s (%.1f×)\n' \
		"$refresh" "$rss0" "$hwm" "$p99" "$base" "$(echo "$refresh / $base" | bc -l)" | tee "$DIR/figures-statistics"
fi

if has payment; then
	echo "== payment cycle of $PAYMENTS entitlements on PostgreSQL (load $(load))" >&2
	go test -c -o "$DIR/payment.test" ./internal/payment
	TADAMUN_TEST_POSTGRES="$PG/test?sslmode=disable" TADAMUN_BENCH_PAYMENT_N="$PAYMENTS" TADAMUN_BENCH_PAYMENT_OUT="$DIR" \
		"$DIR/payment.test" -test.run '^$' -test.bench '^BenchmarkCycle$/^postgres$' -test.benchtime=1x -test.timeout=2h >"$DIR/payment.out" 2>&1 ||
		{ cat "$DIR/payment.out" >&2; exit 1; }
	awk '/^BenchmarkCycle/ { for (i = 2; i < NF; i++) v[$(i+1)] = $i }
		END { printf "payment    compute %.1f s, approve %.1f s, batches %.1f s, pain.001 %.1f s: total %.1f s (target < 300 s); baseline bulk load %.1f s (%.1f×); pain.002 import %.1f s; peak RSS %.0f MiB\n",
			v["compute-s"], v["approve-s"], v["batches-s"], v["pain001-s"], v["total-s"], v["baseline-s"], v["total/baseline"], v["pain002-s"], v["peak-rss-MiB"] }' \
		"$DIR/payment.out" | tee "$DIR/figures-payment"
fi

echo "== figures ($DIR/figures-*; load $(load))"
cat "$DIR"/figures-* 2>/dev/null || true
