#!/usr/bin/env bash
# Donation recording benchmarks: RecordManyTx of TADAMUN_BENCH_GIFT_N
# donations (default 1,000,000) in one call — one ledger entry, bulk rows,
# one audit record — against the baseline of RecordTx one donation per
# transaction (N/100 of them), on SQLite and PostgreSQL. Prints ns/op,
# donations/op, and the peak memory of each process.
#
# Usage: bench/gift/run.sh
# Environment:
#   TADAMUN_TEST_POSTGRES  PostgreSQL URL (default the local server; "" for SQLite only)
#   TADAMUN_BENCH_GIFT_N   donations per RecordManyTx call (default 1000000)
set -euo pipefail

cd "$(dirname "$0")/../.."
export TADAMUN_TEST_POSTGRES="${TADAMUN_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export TADAMUN_BENCH_GIFT_N="${TADAMUN_BENCH_GIFT_N:-1000000}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/gift.test" ./internal/fund/gift

for b in RecordMany RecordOneByOne; do
	echo "== Benchmark$b (N=$TADAMUN_BENCH_GIFT_N)" >&2
	/usr/bin/time -v "$tmp/gift.test" -test.run '^$' -test.bench "^Benchmark$b\$" -test.benchtime=1x -test.benchmem -test.timeout=60m \
		2> "$tmp/time.txt" | grep -E '^Benchmark'
	grep -E 'Maximum resident set size|Elapsed' "$tmp/time.txt"
done
