#!/usr/bin/env bash
# One pickup-monitoring pass over many receiver inboxes on a private loopback sshd
# (`udtraek bench monitor`): 1,000 inboxes x 10 files by default. Prints the JSON line of
# each mode: "shared" (one monitoring login for the host, as the platform watches its own
# SFTP server) and, with BENCH_OWN=1, "own" (every receiver's key: one session each).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_BIN:-.build/release/udtraek}
INBOXES=${BENCH_INBOXES:-1000}
FILES=${BENCH_FILES:-10}
echo "pickup monitor: $INBOXES inboxes x $FILES files on 127.0.0.1 ($(nproc) cores)"
"$BIN" bench monitor --inboxes "$INBOXES" --files "$FILES" --mode shared
if [ "${BENCH_OWN:-0}" = 1 ]; then
  "$BIN" bench monitor --inboxes "$INBOXES" --files "$FILES" --mode own
fi
