#!/usr/bin/env bash
# Crafts-market storefront search, the figure issue 18 asks for:
#   search over 100,000 products from 20,000 shops, p99 under 100 ms on
#   SQLite and PostgreSQL, against a same-run baseline (one product read by
#   its primary key).
#
# The benchmark writes the products in bulk (Arabic names and descriptions
# from a vocabulary of crafts, twelve governorates, five categories), loads
# the in-memory index once (its time is printed), then runs the storefront's
# query mix — one word, a spelling variant, a prefix, two words with an
# area, a price range sorted by price, a category, the newest page, deeper
# pages — and reports each query's p50 and p99.
#
# Usage: bench/market/run.sh
# Environment:
#   TADAMUN_TEST_POSTGRES   PostgreSQL URL (default the local server; "" for SQLite only)
#   TADAMUN_BENCH_MARKET_N  products (default 100000; shops are a fifth)
#   QUERIES                 queries per engine (default 2000)
set -euo pipefail

cd "$(dirname "$0")/../.."
export TADAMUN_TEST_POSTGRES="${TADAMUN_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export TADAMUN_BENCH_MARKET_N="${TADAMUN_BENCH_MARKET_N:-100000}"
QUERIES="${QUERIES:-2000}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "building the market test binary…" >&2
go test -c -o "$tmp/market.test" ./internal/market
echo "writing $TADAMUN_BENCH_MARKET_N products per engine, then $QUERIES queries…" >&2
"$tmp/market.test" -test.run '^$' -test.bench '^BenchmarkMarket$' -test.benchtime="${QUERIES}x" -test.timeout=60m -test.v | tee "$tmp/out.txt" >&2

# metric BENCH UNIT: the value before UNIT on BENCH's line.
metric() {
	awk -v b="$1" -v u="$2" '
		$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) { print $i; exit } }' "$tmp/out.txt"
}

echo
echo "Storefront search, $TADAMUN_BENCH_MARKET_N products over $((TADAMUN_BENCH_MARKET_N / 5)) shops, $QUERIES queries per engine"
printf '%-10s %9s %9s %11s %10s %10s %13s %10s\n' engine "p50 ms" "p99 ms" "CPU ms/q" "pk p50 ms" "pk p99 ms" "p99 ÷ pk p99" "target"
for e in sqlite postgres; do
	p50=$(metric "BenchmarkMarket/$e/search" p50-ms)
	[[ -z "$p50" ]] && continue
	p99=$(metric "BenchmarkMarket/$e/search" p99-ms)
	cpu=$(metric "BenchmarkMarket/$e/search" cpu-ms/op)
	k50=$(metric "BenchmarkMarket/$e/pk" p50-ms)
	k99=$(metric "BenchmarkMarket/$e/pk" p99-ms)
	ratio=$(awk -v a="$p99" -v b="$k99" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "-" }')
	ok=$(awk -v a="$p99" 'BEGIN { print (a < 100) ? "met" : "MISSED" }')
	printf '%-10s %9s %9s %11s %10s %10s %13s %10s\n' "$e" "$p50" "$p99" "$cpu" "$k50" "$k99" "$ratio" "$ok (<100)"
done
grep -h 'index loaded\|wrote\|query {' "$tmp/out.txt" | sed 's/^ *bench_test.go:[0-9]*: /  /; s/ MemberID:0//; s/ Governorate: / /; s/ CategoryID:0//; s/ ShopID:0//; s/ MinPrice:0//; s/ MaxPrice:0//; s/ Sort: / /; s/ Offset:0//; s/ Limit:0//' || true
echo "(CPU ms/q: the process's CPU time per query, all threads; the machine's other load shows in the wall-clock percentiles, not in it)"
