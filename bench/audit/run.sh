#!/usr/bin/env bash
# Audit log benchmarks, the figures the issue asks for:
#   - appending 100,000 records in transactions of 1,000 with audit.Append,
#     as records/s, against plain inserts of the same rows without the tree
#     (target: the tree costs less than 2x), on SQLite and PostgreSQL;
#   - audit.Verify over 1,000,000 records: seconds and peak memory.
#
# Usage: bench/audit/run.sh
# Environment:
#   TADAMUN_TEST_POSTGRES  PostgreSQL URL (default the local server; set it
#                          to "" to measure SQLite only)
#   TADAMUN_BENCH_AUDIT_N  records for Verify (default 1000000)
#   COUNT                  runs of each append benchmark, averaged (default 3)
#   VERIFY_ENGINES         engines for Verify (default "sqlite postgres")
set -euo pipefail

cd "$(dirname "$0")/../.."
export TADAMUN_TEST_POSTGRES="${TADAMUN_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test}"
export TADAMUN_BENCH_AUDIT_N="${TADAMUN_BENCH_AUDIT_N:-1000000}"
COUNT="${COUNT:-3}"
VERIFY_ENGINES="${VERIFY_ENGINES:-sqlite postgres}"
if [[ -z "$TADAMUN_TEST_POSTGRES" ]]; then
	VERIFY_ENGINES=sqlite
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "building the audit test binary…" >&2
go test -c -o "$tmp/audit.test" ./internal/audit

# Append and its baseline, interleaved per engine so both see the same machine.
echo "append: 100,000 records in transactions of 1,000, $COUNT runs each…" >&2
"$tmp/audit.test" -test.run '^$' -test.bench '^Benchmark(Append|PlainInsert)$' \
	-test.benchtime=1x -test.count="$COUNT" -test.timeout=30m | tee "$tmp/append.txt" >&2

# Verify, one process per engine so peak RSS belongs to that engine's run.
# The RSS covers writing the log too; peak-heap-MiB is Verify's alone.
for e in $VERIFY_ENGINES; do
	echo "verify: $TADAMUN_BENCH_AUDIT_N records on $e (writing the log first)…" >&2
	cmd=("$tmp/audit.test" -test.run '^$' -test.bench "^BenchmarkVerify\$/^$e\$" -test.benchtime=1x -test.timeout=60m)
	if [[ -x /usr/bin/time ]]; then
		/usr/bin/time -v -o "$tmp/time-$e.txt" "${cmd[@]}" | tee "$tmp/verify-$e.txt" >&2
	else
		"${cmd[@]}" | tee "$tmp/verify-$e.txt" >&2
	fi
done

# metric FILE BENCH UNIT: mean of the value before UNIT on BENCH's lines.
metric() {
	awk -v b="$2" -v u="$3" '
		$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) { s += $i; n++ } }
		END { if (n) printf "%.0f", s / n; else printf "-" }' "$1"
}
metricf() {
	awk -v b="$2" -v u="$3" '
		$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) { s += $i; n++ } }
		END { if (n) printf "%.2f", s / n; else printf "-" }' "$1"
}

echo
echo "Audit append, 100,000 records in transactions of 1,000 (mean of $COUNT runs)"
printf '%-10s %14s %14s %14s\n' engine "tree rec/s" "plain rec/s" "tree cost"
for e in sqlite postgres; do
	tree=$(metric "$tmp/append.txt" "BenchmarkAppend/$e" records/s)
	plain=$(metric "$tmp/append.txt" "BenchmarkPlainInsert/$e" records/s)
	[[ "$tree" == - ]] && continue
	ratio=$(awk -v t="$tree" -v p="$plain" 'BEGIN { printf "%.2fx", p / t }')
	printf '%-10s %14s %14s %14s\n' "$e" "$tree" "$plain" "$ratio"
done
echo "(tree cost = plain records/s ÷ tree records/s; target below 2x)"

echo
echo "Audit verify, $TADAMUN_BENCH_AUDIT_N records, 4 signed checkpoints"
printf '%-10s %10s %14s %16s %16s\n' engine seconds "records/s" "peak heap MiB" "max RSS MiB"
for e in $VERIFY_ENGINES; do
	f="$tmp/verify-$e.txt"
	rss=-
	if [[ -f "$tmp/time-$e.txt" ]]; then
		rss=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tmp/time-$e.txt")
	fi
	printf '%-10s %10s %14s %16s %16s\n' "$e" \
		"$(metricf "$f" "BenchmarkVerify/$e" s/verify)" \
		"$(metric "$f" "BenchmarkVerify/$e" records/s)" \
		"$(metric "$f" "BenchmarkVerify/$e" peak-heap-MiB)" "$rss"
done
echo "(max RSS: /usr/bin/time -v over the whole process, writing the log included)"
