#!/usr/bin/env bash
# make bench-gateway: person lookups through the gateway (mTLS, keep-alive) against a bare
# Hummingbird endpoint with the same TLS setup, in one run; then the large population
# stream's MB/s. Loopback only; the load client shares the machine's cores with the server.
# Then the same at the national size (6 million persons): lookups, searches and the
# population stream, each printed against its class.
# Env: BENCH_SECONDS (30), BENCH_CONNECTIONS (32), BENCH_PERSONS (100000), BENCH_NATIONAL_SECONDS (10),
# BENCH_NATIONAL=0 skips the national run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Config/make-gateway-certs.sh Config/gateway
.build/release/udtraek bench gateway --certs Config/gateway \
  --seconds "${BENCH_SECONDS:-30}" --connections "${BENCH_CONNECTIONS:-32}" --persons "${BENCH_PERSONS:-100000}" 2> >(grep -v "Waiting on child channel\|Server shutdown error" >&2)
if [ "${BENCH_NATIONAL:-1}" != 0 ]; then
  echo
  echo "=== the national register: 6,000,000 persons ==="
  .build/release/udtraek bench gateway --certs Config/gateway \
    --seconds "${BENCH_NATIONAL_SECONDS:-10}" --connections "${BENCH_CONNECTIONS:-32}" --persons 6000000 2> >(grep -v "Waiting on child channel\|Server shutdown error" >&2)
fi
