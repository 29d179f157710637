#!/bin/sh
# Realistic-scale benchmark (issue 15, items 15 and 16): a registry whose
# persons arrived in random order (bench/registry/gen -order random, the
# default: a household's persons scattered over the members file, and so
# over the persons table the import fills in file order), imported with
# the command line at two sizes, and a whole targeting run over the larger.
#
#   bench/scale/run.sh                           # 1,000,000 and 4,900,000 persons
#   SMALL=200000 LARGE=1000000 bench/scale/run.sh
#   ORDER=household bench/scale/run.sh           # each household's persons together
#   DIR=/big/disk bench/scale/run.sh             # where the files and databases go
#
# Figures: persons/s of each import (wall, and per CPU second of the
# process: the fairer figure on a shared machine), their ratio (the
# target: the larger import's rate at least 0.7 of the smaller's), peak
# RSS, and `tadamun program run` over the larger registry twice (load,
# evaluate, store, total; the target: a whole run under 30 s on SQLite
# for about a million households).
set -eu
cd "$(dirname "$0")/../.."
SMALL=${SMALL:-1000000}
LARGE=${LARGE:-4900000}
ORDER=${ORDER:-random}
DIR=${DIR:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR"
go build -o "$DIR/tadamun" ./cmd/tadamun
go build -o "$DIR/gen" ./bench/registry/gen

imp() { # $1 persons → one line of figures; leaves the database in $DIR/db-$1
	csv="$DIR/csv-$1" db="$DIR/db-$1"
	mkdir -p "$csv" "$db"
	[ -s "$csv/members.csv" ] || "$DIR/gen" -persons "$1" -order "$ORDER" -out "$csv" 2>/dev/null
	rm -f "$db"/registry.db*
	export TADAMUN_DB="$db/registry.db" TADAMUN_AUDIT_KEY="$db/audit.key"
	"$DIR/tadamun" member create --code JO --name-ar الأردن --name-en Jordan --currency JOD --timezone Asia/Amman >/dev/null 2>&1
	s=$(date +%s.%N)
	/usr/bin/time -f "%U %S %M" -o "$db/time" "$DIR/tadamun" import --quiet --confirm-duplicates \
		--max-rows 10000000 --max-uncompressed-mb 16384 --member JO "$csv/households.csv" "$csv/members.csv" >/dev/null 2>&1
	e=$(date +%s.%N)
	read -r u sy rss <"$db/time"
	echo "$1 $(echo "$e - $s" | bc) $(echo "$u + $sy" | bc) $rss" >"$db/figures"
	awk '{ printf "%9d persons  %8.1f s  %7.0f persons/s  %7.0f persons/CPU-s  peak RSS %5.0f MiB  DB %5.0f MiB\n", $1, $2, $1 / $2, $1 / $3, $4 / 1024, size / 1048576 }' \
		size="$(stat -c %s "$db/registry.db")" "$db/figures"
}

echo "== import, members in $ORDER order (load average $(cut -d' ' -f1-3 /proc/loadavg))"
imp "$SMALL"
imp "$LARGE"
awk 'NR == FNR { s = $1 / $2; sc = $1 / $3; next } { printf "ratio large/small     %.2f (wall)  %.2f (CPU)   target >= 0.70\n", ($1 / $2) / s, ($1 / $3) / sc }' \
	"$DIR/db-$SMALL/figures" "$DIR/db-$LARGE/figures"

echo "== targeting run over the $LARGE-person registry (load average $(cut -d' ' -f1-3 /proc/loadavg))"
export TADAMUN_DB="$DIR/db-$LARGE/registry.db" TADAMUN_AUDIT_KEY="$DIR/db-$LARGE/audit.key"
"$DIR/tadamun" program apply --member JO examples/programs/older-persons.yaml >/dev/null
for day in 01 02; do
	/usr/bin/time -f "%U %S %M" -o "$DIR/time-run" "$DIR/tadamun" program run --quiet --member JO --program CASH-ELDERLY --as-of 2026-06-$day 2>/dev/null | grep -a '^load '
	read -r u sy rss <"$DIR/time-run"
	echo "  CPU $(echo "$u + $sy" | bc) s, peak RSS $((rss / 1024)) MiB"
done
