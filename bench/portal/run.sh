#!/bin/sh
# Portal statistics: the refresh (aggregate a registry of 1,000,000 persons
# into the cube, then protect every table of the statistics page) against
# the bare aggregation as baseline, measured in the same run, and one page
# request served from the cached cube with its p99.
#
#   bench/portal/run.sh            # 10 iterations each
#   BENCHTIME=50x bench/portal/run.sh
set -eu
cd "$(dirname "$0")/../.."
out=$(go test -run '^$' -bench 'Portal' -benchtime "${BENCHTIME:-10x}" -count 1 ./internal/disclosure/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
/^BenchmarkPortalAggregate-/        { base = $3 }
/^BenchmarkPortalAggregateProtect-/ { prot = $3 }
/^BenchmarkPortalPage-/             { page = $3; for (i = 4; i <= NF; i++) if ($(i+1) == "p99-µs") p99 = $i }
END {
	printf "\nrefresh (aggregate 1,000,000 persons + protect 5 tables): %.1f ms, %.2fx the bare aggregation (%.1f ms)\n", prot/1e6, prot/base, base/1e6
	printf "page from the cached cube: %.3f ms mean, p99 %.3f ms (target: p99 < 200 ms)\n", page/1e6, p99/1e3
}'
