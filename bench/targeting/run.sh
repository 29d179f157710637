#!/bin/sh
# Targeting benchmark: the realistic program (eligibility, score, benefit) in
# CEL over N synthetic households (about 4.8 persons each) on all cores,
# against the same program hand-written in Go over the same records, in the
# same process.
#
#   bench/targeting/run.sh             # 1,000,000 households
#   N=200000 bench/targeting/run.sh
#   INTERPRETED=1 bench/targeting/run.sh   # also time CEL's interpreter alone
#
# Prints evaluation seconds of each, the ratio CEL / hand-written and the
# process's peak resident memory (households, decisions and evaluation).
set -eu
cd "$(dirname "$0")/../.."
N=${N:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/rule.test" ./internal/program/rule/
pattern='^(BenchmarkEvaluateAll|BenchmarkHandWritten)$'
if [ "${INTERPRETED:-}" = 1 ]; then
	pattern='^(BenchmarkEvaluateAll|BenchmarkEvaluateAllInterpreted|BenchmarkHandWritten)$'
fi
/usr/bin/time -v -o "$tmp/time" "$tmp/rule.test" -test.run '^$' -test.bench "$pattern" \
	-test.benchtime=1x -households="$N" | tee "$tmp/out"

awk -v rss="$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/time")" '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "s/run") secs[name] = $i
			if ($(i+1) == "households") hh = $i
			if ($(i+1) == "persons") persons = $i
		}
	}
	END {
		cel = secs["BenchmarkEvaluateAll"]; hand = secs["BenchmarkHandWritten"]
		printf "households            %d (%d persons)\n", hh, persons
		printf "CEL evaluation        %.3f s\n", cel
		if ("BenchmarkEvaluateAllInterpreted" in secs)
			printf "CEL interpreter only  %.3f s (%.1fx hand-written)\n", secs["BenchmarkEvaluateAllInterpreted"], secs["BenchmarkEvaluateAllInterpreted"] / hand
		printf "hand-written Go       %.3f s\n", hand
		printf "ratio CEL/hand        %.1fx\n", cel / hand
		printf "peak RSS              %.0f MiB\n", rss / 1024
	}' "$tmp/out"
