#!/bin/sh
# The public fund ledger over ten years of postings (issue 17, figures):
# 5,000,000 two-line entries (10,000,000 ledger lines) of one member,
# bulk inserted through the real ledger tables, their public journal rows
# and rollups written by transparency.RecordTx in the same transactions
# (one audit record per batch, named by each movement for its proof); then
# the portal's /portal/fund through the web server's handler, with varied
# year, period and postings page, p50/p99 over repeated requests, against
# the portal's home page in the same run, as wall time and as the CPU time
# of the request (the machine is shared), and EXPLAIN of every query the
# page makes. Target: p99 under 200 ms.
#
#   bench/fundpublic/run.sh                          # SQLite, 5,000,000 entries
#   ENTRIES=1000000 bench/fundpublic/run.sh
#   PG='postgres://postgres@127.0.0.1:5432/fundbench?sslmode=disable' bench/fundpublic/run.sh
#   DIR=/big/disk KEEP=1 bench/fundpublic/run.sh     # keep the database; a rerun only measures
set -eu
cd "$(dirname "$0")/../.."
ENTRIES=${ENTRIES:-5000000}
REQUESTS=${REQUESTS:-300}
DIR=${DIR:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR"
go build -o "$DIR/fundpublic" ./bench/fundpublic
echo "== SQLite"
"$DIR/fundpublic" -db "$DIR/fund.db" -entries "$ENTRIES" -batch 250000 -requests "$REQUESTS"
if [ -n "${PG:-}" ]; then
	echo "== PostgreSQL"
	"$DIR/fundpublic" -db "$PG" -entries "$ENTRIES" -batch 250000 -requests "$REQUESTS"
fi
