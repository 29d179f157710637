#!/bin/sh
# Prints the deduplication figures of issue 6:
#   quality (pairwise precision, recall, F1) on 100,000 generated records,
#   next to two baselines computed in the same run (exact national ID,
#   exact normalized name + birth date), on the ordinary mix and on the
#   hardest mix, with the missed pairs of the hardest by variation and cause;
#   speed on 1,000,000 records: wall time, compared pairs, peak memory;
#   the real-time check of one new registration against those 1,000,000: p50/p99.
# Usage: bench/dedup/run.sh [records-for-quality] [records-for-speed]
set -eu
cd "$(dirname "$0")/../.."
Q=${1:-100000}
N=${2:-1000000}
go build -o /tmp/tadamun-dedup-bench ./bench/dedup
echo "== quality at $Q records"
/tmp/tadamun-dedup-bench -n "$Q"
echo
echo "== quality at $Q records, the hardest mix (typos, day and month swapped, no grandfather, compound names split or joined, Latin only, another household), missed pairs by variation and cause"
/tmp/tadamun-dedup-bench -n "$Q" -hard -missed
echo
echo "== speed at $N records (the Go benchmark: go test -bench Run ./internal/dedup/)"
/tmp/tadamun-dedup-bench -n "$N" -quality=false -checks 5000
