#!/usr/bin/env bash
# make bench-gateway: person lookups through the gateway (mTLS, keep-alive) against a bare
# Hummingbird endpoint with the same TLS setup, in one run; then the large population
# stream's MB/s. Loopback only; the load client shares the machine's cores with the server.
# Env: BENCH_SECONDS (30), BENCH_CONNECTIONS (32), BENCH_PERSONS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Config/make-gateway-certs.sh Config/gateway
.build/release/udtraek bench gateway --certs Config/gateway \
  --seconds "${BENCH_SECONDS:-30}" --connections "${BENCH_CONNECTIONS:-32}" --persons "${BENCH_PERSONS:-100000}" 2> >(grep -v "Waiting on child channel\|Server shutdown error" >&2)
