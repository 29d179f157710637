#!/usr/bin/env bash
# Login page and dashboard throughput and p99 latency, with the server on
# one core and wrk (Debian's package) on the other, over loopback. The
# baseline is /healthz (a handler that writes "ok") through the same
# middleware in the same run, since this machine is shared and noisy.
#
#   bench/web/run.sh [seconds per endpoint, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/tadamun" ./cmd/tadamun
port=$((20000 + RANDOM % 20000))
GOMAXPROCS=1 taskset -c 0 "$tmp/tadamun" --db "$tmp/bench.db" --audit-key "$tmp/key" serve --demo --addr "127.0.0.1:$port" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
jar="$tmp/jar"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -H 'Sec-Fetch-Site: same-origin' -o /dev/null \
  --data-urlencode "csrf=$csrf" --data-urlencode username=jo.admin --data-urlencode password=tadamun-demo "http://127.0.0.1:$port/login"
session=$(awk '$6=="tdm_session"{print $7}' "$jar")
[ -n "$session" ] || { echo "login failed" >&2; exit 1; }
run() { # name path [cookie]
  local out
  if [ -n "${3:-}" ]; then
    out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" --latency -H "Cookie: tdm_session=$3" "http://127.0.0.1:$port$2")
  else
    out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" --latency "http://127.0.0.1:$port$2")
  fi
  local rps p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $5}')
  printf '%-22s %10s req/s   p99 %8s   %s\n' "$1" "$rps" "$p99" "${non2xx:+non-2xx: $non2xx}"
  echo "$rps" > "$tmp/$1.rps"
}
echo "server: GOMAXPROCS=1 on core 0; wrk: 1 thread, 16 connections, ${secs}s each, on core 1"
run healthz /healthz
run login-page /login
run dashboard / "$session"
base=$(cat "$tmp/healthz.rps")
for n in login-page dashboard; do
  awk -v a="$(cat "$tmp/$n.rps")" -v b="$base" -v n="$n" 'BEGIN{printf "%-22s %.2fx of /healthz throughput\n", n, a/b}'
done
