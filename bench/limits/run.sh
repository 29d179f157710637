#!/usr/bin/env bash
# Upload limits, the figure of issue 12 item 2: the peak memory of a
# refused zip bomb (target: under 200 MB), next to the baseline of
# importing the small valid template, in the same run.
#
# Builds the binary, writes the workbooks with bench/limits/gen (the
# template; one inline cell of 1 GiB of "A", about 1 MB compressed; the
# same with a part that lies about its size; 500 MiB of rows; 400 MiB of
# shared strings), creates a
# SQLite database with member JO, and runs `tadamun import --dry-run` on
# each under /usr/bin/time -v, one process each: the peak RSS is the
# process's VmHWM. Then the in-process benchmark BenchmarkRefuseZipBomb
# (peak live heap sampled every millisecond) for the same files.
#
# Usage: bench/limits/run.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "building…" >&2
go build -o "$tmp/tadamun" ./cmd/tadamun
go run ./bench/limits/gen -out "$tmp" >&2
db="$tmp/limits.db"
"$tmp/tadamun" --db "$db" --audit-key "$tmp/audit.key" member create --code JO --name-ar الأردن --name-en Jordan --currency JOD --timezone Asia/Amman --calling-code 962 >&2

printf '\n%-16s %9s %-9s %9s %12s\n' workbook file-KiB result seconds peak-RSS-MiB
for f in template cell-1GB lying-1GB rows-500MB shared-400MB; do
	set +e
	/usr/bin/time -v -o "$tmp/$f.time" "$tmp/tadamun" --db "$db" --audit-key "$tmp/audit.key" --lang en \
		import --member JO --dry-run --quiet "$tmp/$f.xlsx" >"$tmp/$f.out" 2>&1
	rc=$?
	set -e
	result=imported
	if (( rc != 0 )); then
		result=refused
	fi
	rss=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tmp/$f.time")
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$tmp/$f.time")
	printf '%-16s %9d %-9s %9s %12s\n' "$f" "$(( $(stat -c %s "$tmp/$f.xlsx") / 1024 ))" "$result" "$secs" "$rss"
	if [[ $result == refused ]]; then
		sed 's/^/    /' "$tmp/$f.out" | head -3
	fi
done

echo
echo "in-process peak live heap (BenchmarkRefuseZipBomb, sampled every millisecond):"
go test -run '^$' -bench '^BenchmarkRefuseZipBomb$' -benchtime=1x -count=1 ./internal/registry |
	awk '/^BenchmarkRefuseZipBomb/ { for (i = 2; i < NF; i++) if ($(i+1) == "peak-heap-MiB") printf "  %-40s %8s MiB\n", $1, $i }'
