#!/bin/sh
# Prints the cross-border duplicate figures of issue 19 item 2:
#   quality at 2 x Q persons (default 100,000): precision and recall of the
#   hub's encoded comparison against the planted cross-border pairs and
#   against the pairs the registry's dedup engine finds in the clear, for
#   each hardening (one row per variant and threshold), next to a
#   clear-text baseline with the same blocking;
#   speed at 2 x N persons (default 1,000,000): encoding each member, then
#   the hub's comparison in its own process (wall time, peak memory).
# Usage: bench/crossborder/run.sh [Q] [N]
set -eu
cd "$(dirname "$0")/../.."
Q=${1:-100000}
N=${2:-1000000}
go build -o /tmp/tadamun-crossborder-bench ./bench/crossborder
echo "== quality at 2 x $Q persons"
/tmp/tadamun-crossborder-bench -n "$Q" -thresholds 0.85,0.88,0.90,0.92
echo
echo "== speed at 2 x $N persons (default hardening; encode, then compare in its own process)"
D=$(mktemp -d)
/tmp/tadamun-crossborder-bench -big -n "$N" -dir "$D" -phase encode
/tmp/tadamun-crossborder-bench -big -n "$N" -dir "$D" -phase compare
rm -rf "$D"
