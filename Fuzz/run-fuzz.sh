#!/usr/bin/env bash
# Runs the libFuzzer harness (.build-fuzz/debug/UdtraekFuzz, made by `make fuzz-build`) on
# each target named in turn, FUZZ_SECONDS each (default 600), and prints one line of figures
# per target and a summary table. Exits non-zero when any target found a crash.
#
# Per target:  seeds   Fuzz/corpus/<target>/ (committed, read only) and Fuzz/dict/<target>.dict
#              grows   .build-fuzz/corpus/<target>/ (inputs that reached new code)
#              crashes .build-fuzz/crashes/<target>/crash-<sha1> (also leak-, timeout-, oom-)
#              log     .build-fuzz/logs/<target>.log
# Replay a crash without libFuzzer: swift run UdtraekFuzz <target> FILE
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
bin=${FUZZ_BIN:-.build-fuzz/debug/UdtraekFuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config cron invocation-context durations metadata)
[ -x "$bin" ] || { echo "no fuzz harness at $bin: run make fuzz-build first" >&2; exit 2; }

rows=()
total_crashes=0
for t in "${targets[@]}"; do
    [ -d "Fuzz/corpus/$t" ] || { echo "no seed corpus Fuzz/corpus/$t: is '$t' a target?" >&2; exit 2; }
    work=.build-fuzz/corpus/$t crashes=.build-fuzz/crashes/$t log=.build-fuzz/logs/$t.log
    mkdir -p "$work" "$crashes" "$(dirname "$log")"
    before=$(find "$crashes" -type f | wc -l)
    echo "fuzzing $t for ${seconds}s (log $log)"
    # Leak checking is off: the properties are about parsing, and Foundation's caches look
    # like leaks to LeakSanitizer. Each input gets 25 s, generous on a loaded machine.
    # Swift's backtracer is off: under ASan it reports its own stack reads after a trap.
    SWIFT_BACKTRACE=enable=no UDTRAEK_FUZZ_TARGET=$t nice -n 10 "$bin" "$work" "Fuzz/corpus/$t" \
        -dict="Fuzz/dict/$t.dict" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1
    status=$?
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$')
    speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$')
    # After a crash libFuzzer prints no average: the last progress line's rate.
    [ -n "$speed" ] || speed=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    corpus=$(find "$work" -type f | wc -l)
    found=$(( $(find "$crashes" -type f | wc -l) - before ))
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
    total_crashes=$((total_crashes + found))
    line=$(printf '%-20s runs %10s  exec/s %7s  cov %6s  ft %6s  corpus %6s  crashes %s' \
        "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$found")
    echo "$line"
    [ "$found" -eq 0 ] || { grep -m3 -E 'property violated|ERROR|Test unit written' "$log" | sed 's/^/    /'; }
    rows+=("$line")
done

echo
echo "fuzz summary (${seconds}s per target)"
printf '%s\n' "${rows[@]}"
echo "crashes: $total_crashes"
[ "$total_crashes" -eq 0 ]
