#!/usr/bin/env bash
# Printing decision letters through headless Chromium: 1,000 letters in one
# PDF (seconds, pages, PDF size, peak resident memory of the browser's
# processes and peak Go heap), and one letter per PDF (seconds per letter,
# reusing the browser and its tab), to compare with 1,000 × one.
#
#   bench/print/run.sh
#
# Needs Chromium (apt-get install -y chromium). The machine is shared: run
# it when it is quiet, and read the two figures from the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null ||
  { echo "no Chromium: apt-get install -y chromium" >&2; exit 1; }
TADAMUN_BROWSER_TESTS=1 go test -run '^$' -bench 'BenchmarkPrintLetters1000|BenchmarkPrintLettersChunked' -benchtime 1x -timeout 20m ./internal/printer/
TADAMUN_BROWSER_TESTS=1 go test -run '^$' -bench 'BenchmarkPrintOneLetter' -benchtime 20x -timeout 10m ./internal/printer/
