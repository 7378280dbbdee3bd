#!/usr/bin/env bash
# make bench-subscription: one business day's CPR subscription files over the national
# register: BENCH_SYSTEMS (100) systems each following BENCH_PNRS (10000) PNRs, the first
# BENCH_FOLLOWERS (10) also their whole municipality, produced by the real runner (agreement
# check, filters from SQLite, gzip, SHA-256, fsync, outbox commit) in a process of its own,
# against one municipality change extract (København, the largest) of the same day, run the
# same way. Prints the time, the peak memory and the ratio.
# Env: BENCH_PERSONS (6000000).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/udtraek
PERSONS=${BENCH_PERSONS:-6000000}
work=$(mktemp -d /tmp/udtraek-bench-subscription.XXXXXX)
trap 'rm -rf "$work"' EXIT
field() { sed -E "s/.*\"$1\": \"?([^,\"}]+)\"?.*/\1/"; }

echo "setting up $PERSONS persons, ${BENCH_SYSTEMS:-100} systems x ${BENCH_PNRS:-10000} PNRs (not timed) ..."
$BIN bench subscription-setup --state "$work/state" --persons "$PERSONS" --systems "${BENCH_SYSTEMS:-100}" \
  --pnrs "${BENCH_PNRS:-10000}" --municipality-followers "${BENCH_FOLLOWERS:-10}" >/dev/null
day=$($BIN bench subscription-day --state "$work/state" | tee "$work/subs.json" | field date)
subs=$(cat "$work/subs.json")
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/change.rss" $BIN extract run kbh-aendringer --date "$day" --state "$work/state" --config "$work/state/udtraek.yaml" --no-deliver --rerun >/dev/null 2>"$work/change.err" || { cat "$work/change.err"; exit 1; }
end=$(date +%s.%N)
# What the process holds before it produces anything (runtime, Foundation, NIO, SQLite).
/usr/bin/time -f "%M" -o "$work/base.rss" $BIN extract list --state "$work/state" --config "$work/state/udtraek.yaml" >/dev/null
python3 - "$subs" "$start" "$end" "$(cat "$work/change.rss")" "$(cat "$work/base.rss")" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); change = float(sys.argv[3]) - float(sys.argv[2]); rss = int(sys.argv[4]); base = int(sys.argv[5])
print(f"day {s['date']}: {s['files']} subscription files, {s['persons']} persons, {s['file_bytes']/1e3:.1f} kB")
print(f"{'':28} {'seconds':>8} {'peak MB':>8}")
print(f"{'all subscription files':28} {s['seconds']:8.2f} {s['max_rss_kib']/1024:8.1f}")
print(f"{'one change extract (0101)':28} {change:8.2f} {rss/1024:8.1f}")
print(f"{'process baseline (extract list)':28} {'':>8} {base/1024:8.1f}")
print(f"above the baseline: subscriptions {(s['max_rss_kib']-base)/1024:.1f} MB, change extract {(rss-base)/1024:.1f} MB")
print(f"subscriptions / one change extract: {s['seconds']/change:.2f}; per file {s['seconds']/max(1,s['files'])*1000:.0f} ms")
print(f"targets: well under 60 s ({'ok' if s['seconds'] < 60 else 'MISSED'}), under 64 MB ({'ok' if s['max_rss_kib'] < 64*1024 else 'MISSED'})")
PY
