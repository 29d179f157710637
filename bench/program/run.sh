#!/bin/sh
# Targeting-run benchmark (issue 4's figure): a whole run of a realistic
# program — eligibility, proxy-means score, benefit, cap — over N households
# (about 4.8 persons each): evaluation with an explanation for every
# household on all cores, ranking, cap, fairness counts, and every decision
# stored (prepared multi-row inserts in one transaction on SQLite, COPY on
# PostgreSQL). In the same process, the same program hand-written in Go over
# the same in-memory records: the evaluation's baseline.
#
#   bench/program/run.sh                 # 1,000,000 households, SQLite
#   N=200000 bench/program/run.sh
#   PG=1 bench/program/run.sh            # also PostgreSQL (TADAMUN_TEST_POSTGRES)
#   REGISTRY=1 bench/program/run.sh      # also the command line over a registry
#                                        # imported from bench/registry/gen, its
#                                        # persons in random order (ORDER=household:
#                                        # each household's persons together)
#
# Wall times swing with whatever else the machine runs; the CPU column
# (getrusage of the process around each part) does not, and is the fairer
# figure on a shared machine.
#
# Part 1 reads households from an in-memory source (the generator), so its
# "load" is the source callback only. Part 2 (REGISTRY=1) runs
# `tadamun program run` on a SQLite registry of about N households: there
# "load" is reading households and persons from the database.
set -eu
cd "$(dirname "$0")/../.."
N=${N:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/program.test" ./internal/program/

report() { # $1 engine, $2 benchmark output, $3 time -v output
	awk -v eng="$1" -v rss="$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$3")" '
		/^BenchmarkRun/ {
			for (i = 2; i < NF; i++) v[$(i+1)] = $i
		}
		END {
			printf "engine                %s\n", eng
			printf "households            %d (%d persons), %d eligible\n", v["households"], v["persons"], v["eligible"]
			printf "                      wall      CPU (process, all cores)\n"
			printf "whole run             %6.2f s\n", v["s/run"]
			printf "  load (source)       %6.2f s\n", v["load-s"]
			printf "  evaluate+explain    %6.2f s  %6.2f s (with loading)\n", v["eval-s"], v["eval-cpu-s"]
			printf "  store decisions     %6.2f s  %6.2f s\n", v["store-s"], v["store-cpu-s"]
			printf "hand-written Go       %6.3f s  %6.3f s\n", v["hand-s"], v["hand-cpu-s"]
			printf "ratio evaluate/hand   %6.1fx   %5.1fx\n", v["eval/hand"], v["eval-cpu-s"] / v["hand-cpu-s"]
			printf "peak RSS              %.0f MiB (includes the %d generated households)\n", rss / 1024, v["households"]
		}' "$2"
}

echo "== part 1: Service.Run over an in-memory source, $N households"
for eng in sqlite ${PG:+postgres}; do
	TADAMUN_BENCH_ENGINE=$eng TADAMUN_BENCH_DIR="$tmp" /usr/bin/time -v -o "$tmp/time-$eng" \
		"$tmp/program.test" -test.run '^$' -test.bench '^BenchmarkRun$' -test.benchtime=1x -households="$N" >"$tmp/out-$eng"
	report "$eng" "$tmp/out-$eng" "$tmp/time-$eng"
	echo
done

echo "== evaluation alone (bench/targeting): CEL without explanations against hand-written"
N=$N sh bench/targeting/run.sh | grep -E 'CEL evaluation|hand-written|ratio'

if [ "${REGISTRY:-}" = 1 ]; then
	echo
	echo "== part 2: tadamun program run over a SQLite registry"
	persons=$((N * 48 / 10))
	go build -o "$tmp/tadamun" ./cmd/tadamun
	go run ./bench/registry/gen -persons "$persons" -order "${ORDER:-random}" -out "$tmp" >/dev/null 2>&1
	export TADAMUN_DB="$tmp/registry.db" TADAMUN_AUDIT_KEY="$tmp/audit.key"
	"$tmp/tadamun" member create --code JO --name-ar الأردن --name-en Jordan --currency JOD --timezone Asia/Amman >/dev/null
	start=$(date +%s)
	"$tmp/tadamun" import --quiet --confirm-duplicates --max-rows 10000000 --max-uncompressed-mb 16384 --member JO "$tmp/households.csv" "$tmp/members.csv" | tail -1
	echo "import took $(( $(date +%s) - start )) s (not part of the run)"
	"$tmp/tadamun" program apply --member JO examples/programs/older-persons.yaml >/dev/null
	/usr/bin/time -v -o "$tmp/time-cli" "$tmp/tadamun" program run --quiet --member JO --program CASH-ELDERLY --as-of 2026-06-01
	awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "peak RSS              %.0f MiB\n", $2 / 1024}' "$tmp/time-cli"
fi
