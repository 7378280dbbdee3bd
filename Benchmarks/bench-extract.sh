#!/usr/bin/env bash
# make bench-extract: the CPR extract pipeline (generate -> parallel gzip -> SHA-256 ->
# fsynced file) against the `gzip` tool compressing the same text from a file, in one run.
# Prints MB/s of text, compressed size, peak memory, and our time over gzip's.
# Env: BENCH_PERSONS (default 1000000), BENCH_NATIONAL=1 also runs the 6-million extract.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/udtraek
PERSONS=${BENCH_PERSONS:-1000000}
work=$(mktemp -d /tmp/udtraek-bench-extract.XXXXXX)
trap 'rm -rf "$work"' EXIT

field() { sed -E "s/.*\"$1\": ([0-9.]+).*/\1/"; }
secs() { python3 -c "import time; print(time.time())"; }

printf "%-22s %-6s %10s %10s %10s %8s %10s %8s\n" extract level "text MB" "file MB" "MB/s" "RSS MB" "gzip MB/s" "ours/gz"
run_case() { # scope level persons
  local scope=$1 level=$2 persons=$3
  local plain ours t0 t1 gz text file secs rss ratio
  plain=$($BIN bench extract --persons "$persons" --municipality "$scope" --level 0 --out "$work/plain-$scope")
  ours=$($BIN bench extract --persons "$persons" --municipality "$scope" --level "$level" --out "$work/gz-$scope-$level")
  text=$(echo "$ours" | field text_bytes); file=$(echo "$ours" | field file_bytes)
  secs=$(echo "$ours" | field seconds); rss=$(echo "$ours" | field max_rss_kib)
  local path; path=$(echo "$plain" | sed -E 's/.*"path": "([^"]+)".*/\1/')
  t0=$(secs); gzip "-$level" -c "$path" > "$work/tool.gz"; t1=$(secs)
  gz=$(python3 -c "print($t1-$t0)")
  python3 - "$scope" "$level" "$text" "$file" "$secs" "$rss" "$gz" <<'PY'
import sys
scope, level, text, file, secs, rss, gz = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
print(f"{'CPR status ' + scope:<22} {level:<6} {text/1e6:10.1f} {file/1e6:10.1f} {text/1e6/secs:10.1f} {rss/1024:8.1f} {text/1e6/gz:10.1f} {secs/gz:8.2f}")
PY
  rm -rf "$work/plain-$scope" "$work/gz-$scope-$level" "$work/tool.gz"
}
for level in 1 6; do
  run_case all "$level" "$PERSONS"
  run_case 0101 "$level" "$PERSONS"
done
if [ "${BENCH_NATIONAL:-0}" = 1 ]; then
  out=$($BIN bench extract --persons 6000000 --municipality all --level 6 --out "$work/national")
  echo "6-million national status extract, level 6: $out"
fi
echo "(ours/gz < 1 means we are faster than the gzip tool; 'MB/s' includes generating the records.)"
