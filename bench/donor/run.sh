#!/usr/bin/env bash
# Donor keys benchmark (issue 17 item 1): fund.Donors.EachKeys over 200,000
# donors, the stream the bank matcher reads once per import, on SQLite and
# PostgreSQL; beside it a baseline reading the same donors' id and name key
# in one plain query, so the figure reads as a ratio.
#
# Usage: bench/donor/run.sh
# Environment:
#   TADAMUN_TEST_POSTGRES  PostgreSQL URL (default the local server; "" for SQLite only)
#   N                      streams measured per engine (default 5)
set -euo pipefail

cd "$(dirname "$0")/../.."
export TADAMUN_TEST_POSTGRES="${TADAMUN_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
N="${N:-5}"
go test -run '^$' -bench '^BenchmarkEachKeys$' -benchtime "${N}x" -benchmem ./internal/fund/donor/
