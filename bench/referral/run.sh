#!/usr/bin/env bash
# Referral follow-up benchmark, the figure issue 16 asks for: Due (the
# feed of the worker's inbox) for 5,000 open case ids holding 20,000
# referrals and 20,000 plan actions, on SQLite and PostgreSQL: p50 and p99
# of one call (target p99 < 100 ms), and p99 against a baseline measured in
# the same run (reading as many rows of the same table through the driver).
#
# Usage: bench/referral/run.sh
# Environment:
#   TADAMUN_TEST_POSTGRES  PostgreSQL URL (default the local server; "" for SQLite only)
#   N                      calls measured per engine (default 200)
set -euo pipefail

cd "$(dirname "$0")/../.."
export TADAMUN_TEST_POSTGRES="${TADAMUN_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
N="${N:-200}"
go test -run '^$' -bench '^BenchmarkDue$' -benchtime "${N}x" ./internal/casework/referral/
