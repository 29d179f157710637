#!/usr/bin/env bash
# Job matching benchmarks (issue 18, internal/employment/match), on
# generated data of the stated size (see the package's bench_test.go: a
# skills list of 150 codes used with a long tail, 12 governorates × 8
# districts × 10 localities, one seeker in eight needing accommodations):
#   - one vacancy ranked against 500,000 seekers, the best 50 explained
#     (target: well under 1 s), with the ratio against a plain loop that
#     only reads the same 500,000 seekers from the index, measured in the
#     same run; and the index's first build (size and time);
#   - one seeker ranked against 5,000 open vacancies;
#   - the nightly run, 5,000 vacancies × 500,000 seekers, top 50 kept per
#     vacancy, on SQLite, once: wall time, Go heap peak, peak RSS.
#
# Usage: bench/employment/run.sh
# Environment:
#   COUNT     runs of the ranking benchmarks (default 3)
#   NIGHTLY   0 to skip the nightly run (default 1)
#   SCALE     divide the nightly run's sizes by this (default 1)
set -euo pipefail

cd "$(dirname "$0")/../.."
COUNT="${COUNT:-3}"
NIGHTLY="${NIGHTLY:-1}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "building the match test binary…" >&2
go test -c -o "$tmp/match.test" ./internal/employment/match

echo "ranking: one vacancy × 500,000 seekers and its baseline, one seeker × 5,000 vacancies ($COUNT runs)…" >&2
"$tmp/match.test" -test.run '^$' -test.bench '^Benchmark(ForVacancy500k|BaselineRead500k|ForSeeker5k)$' \
	-test.benchtime=20x -test.count="$COUNT" -test.timeout=30m | tee "$tmp/rank.txt" >&2
"$tmp/match.test" -test.run '^$' -test.bench '^BenchmarkIndexBuild500k$' -test.benchtime=1x -test.timeout=30m | tee "$tmp/build.txt" >&2

# mean FILE BENCH: mean ns/op of BENCH's lines.
mean() { awk -v b="$2" '$1 ~ "^Benchmark"b"(-[0-9]+)?$" { s += $3; n++ } END { if (n) printf "%.0f", s / n }' "$1"; }
metric() { awk -v b="$2" -v u="$3" '$1 ~ "^Benchmark"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$1" | tail -1; }

fv=$(mean "$tmp/rank.txt" ForVacancy500k)
base=$(mean "$tmp/rank.txt" BaselineRead500k)
fs=$(mean "$tmp/rank.txt" ForSeeker5k)
build=$(mean "$tmp/build.txt" IndexBuild500k)
mib=$(metric "$tmp/build.txt" IndexBuild500k MiB-index)

echo
echo "== job matching (internal/employment/match), $(nproc) cores =="
printf "one vacancy × 500,000 seekers (top 50 explained): %.1f ms/op\n" "$(echo "$fv / 1000000" | bc -l)"
printf "  baseline, a loop reading the same seekers:      %.1f ms/op  → ratio %.2f×\n" "$(echo "$base / 1000000" | bc -l)" "$(echo "$fv / $base" | bc -l)"
printf "  the index's first build (500,000 generated seekers read): %.2f s, %s MiB\n" "$(echo "$build / 1000000000" | bc -l)" "$mib"
printf "one seeker × 5,000 open vacancies (top 20 explained): %.2f ms/op\n" "$(echo "$fs / 1000000" | bc -l)"

if [[ "$NIGHTLY" == "1" ]]; then
	echo "nightly run: 5,000 vacancies × 500,000 seekers on SQLite, once…" >&2
	cmd=(env TADAMUN_BENCH_NIGHTLY=1 TADAMUN_BENCH_NIGHTLY_SCALE="${SCALE:-1}" "$tmp/match.test" -test.run '^$' -test.bench '^BenchmarkNightly$' -test.benchtime=1x -test.timeout=60m)
	if [[ -x /usr/bin/time ]]; then
		/usr/bin/time -v -o "$tmp/time.txt" "${cmd[@]}" | tee "$tmp/nightly.txt" >&2
		rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tmp/time.txt")
	else
		"${cmd[@]}" | tee "$tmp/nightly.txt" >&2
		rss=""
	fi
	nt=$(mean "$tmp/nightly.txt" Nightly)
	printf "nightly run (scale 1/%s): %.1f s wall, %s rows kept, Go heap peak %s MiB" "${SCALE:-1}" "$(echo "$nt / 1000000000" | bc -l)" \
		"$(metric "$tmp/nightly.txt" Nightly rows)" "$(metric "$tmp/nightly.txt" Nightly MiB-peak-heap)"
	if [[ -n "$rss" ]]; then
		printf ", peak RSS %.0f MiB" "$(echo "$rss / 1024" | bc -l)"
	fi
	printf ", %s workers\n" "$(metric "$tmp/nightly.txt" Nightly workers)"
fi
