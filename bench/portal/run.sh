#!/bin/sh
# Portal statistics: the refresh (aggregate a registry of 1,000,000 persons
# into the cube, then protect every table of the statistics page) against
# the bare aggregation as baseline, measured in the same run, and one page
# request served from the cached cube with its p99.
#
#   bench/portal/run.sh            # 50 iterations each, five rounds
#   BENCHTIME=50x bench/portal/run.sh
#   REGISTRY=1 bench/portal/run.sh             # also part 2 below (about 5 minutes)
#   REGISTRY=1 PERSONS=100000 bench/portal/run.sh
set -eu
cd "$(dirname "$0")/../.."
# Five rounds each, interleaved; the minimum of each is compared, which
# keeps other processes on a shared machine out of the ratio.
out=$(go test -run '^$' -bench 'Portal' -benchtime "${BENCHTIME:-50x}" -count 5 ./internal/disclosure/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
function lo(v, cur) { return (cur == "" || v + 0 < cur + 0) ? v : cur }
/^BenchmarkPortalAggregate-/        { base = lo($3, base) }
/^BenchmarkPortalAggregateProtect-/ { prot = lo($3, prot) }
/^BenchmarkPortalPage-/             { page = lo($3, page); for (i = 4; i <= NF; i++) if ($(i+1) == "p99-µs") p99 = lo($i, p99) }
END {
	printf "\nrefresh (aggregate 1,000,000 persons + protect 5 tables): %.1f ms, %.2fx the bare aggregation (%.1f ms); best of 5\n", prot/1e6, prot/base, base/1e6
	printf "page from the cached cube: %.3f ms mean, p99 %.3f ms (target: p99 < 200 ms); best of 5\n", page/1e6, p99/1e3
}'

# Part 2 (REGISTRY=1): the real thing over a SQLite registry of PERSONS
# persons (default 1,000,000) from bench/registry/gen: import, a targeting
# run of examples/programs/older-persons.yaml with maker-checker enrollment,
# then `tadamun serve` and the public statistics page. The first request
# starts building the aggregates from the registry and the enrollments (the
# refresh, timed until the page answers 200); the next REQUESTS (default 500)
# are served from them, and their p99 is the issue's figure (target: under
# 200 ms).
if [ "${REGISTRY:-}" = 1 ]; then
	PERSONS=${PERSONS:-1000000}
	REQUESTS=${REQUESTS:-500}
	PORT=${PORT:-8497}
	tmp=$(mktemp -d)
	srv=""
	trap '[ -n "$srv" ] && kill "$srv"; rm -rf "$tmp"' EXIT
	go build -o "$tmp/tadamun" ./cmd/tadamun
	go run ./bench/registry/gen -persons "$PERSONS" -out "$tmp" >/dev/null
	export TADAMUN_DB="$tmp/registry.db" TADAMUN_AUDIT_KEY="$tmp/audit.key" TADAMUN_WHISTLE_KEY="$tmp/whistle.key" TADAMUN_PASSWORD=bench-password-long
	t="$tmp/tadamun"
	$t member create --code JO --name-ar الأردن --name-en Jordan --currency JOD --timezone Asia/Amman --areas bench/portal/areas-jo.csv >/dev/null 2>&1
	$t user create --member JO --username maker --name maker --roles program_manager >/dev/null
	$t user create --member JO --username checker --name checker --roles approver >/dev/null
	start=$(date +%s)
	$t import --quiet --member JO "$tmp/households.csv" "$tmp/members.csv" | tail -1
	echo "import: $(( $(date +%s) - start )) s"
	$t program apply --member JO examples/programs/older-persons.yaml >/dev/null
	# Activation is proposed by one person and approved by another.
	ap=$($t program status --member JO --program CASH-ELDERLY --to active --as maker | sed -n 's/.*(approval \([0-9]*\)).*/\1/p')
	$t program approve-version --as checker --approval "$ap" --approve >/dev/null
	run=$($t program run --quiet --member JO --program CASH-ELDERLY | sed -n 's/^run \([0-9]*\) .*/\1/p' | head -1)
	approval=$($t program propose --member JO --program CASH-ELDERLY --as maker --run "$run" --all | sed -n 's/^approval \([0-9]*\):.*/\1/p')
	$t program decide --as checker --approval "$approval" --approve
	$t serve --addr "127.0.0.1:$PORT" >"$tmp/serve.log" 2>&1 &
	srv=$!
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
	# The first request starts the aggregation and answers 503 until it is done.
	start=$(date +%s.%N)
	while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/portal/statistics?member=JO")" != 200 ]; do sleep 0.5; done
	echo "aggregates of $PERSONS persons and the enrollments ready after $(echo "$(date +%s.%N) - $start" | bc) s (the refresh, in the background)"
	for _ in $(seq "$REQUESTS"); do
		curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/portal/statistics?member=JO"
	done | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "served from the aggregates: %d requests, median %.1f ms, p99 %.1f ms (target < 200 ms)\n", NR, v[int((NR+1)/2)] * 1000, v[i] * 1000 }'
	curl -s "http://127.0.0.1:$PORT/portal/statistics.csv?member=JO" | awk -F, '$2 == "grievance.stats_by_sex" && $3 == "total" && $4 == "total" { print "beneficiaries published: " $5 }'
fi
