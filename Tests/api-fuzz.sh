#!/usr/bin/env bash
# make api-fuzz: schemathesis against a private `udtraek serve` on loopback, checking every
# answer of the admin API against its OpenAPI document (Sources/AdminAPI/OpenAPIDocument.swift,
# served as GET /api/v1/openapi.yaml).
#
# It installs schemathesis from PyPI into .build/api-fuzz-venv (Debian's python3 -m venv) when
# missing, builds udtraek, seeds a temporary state directory from Config/udtraek.yaml (a copy
# with free loopback ports, fresh SSH keys and a throwaway gateway PKI; nothing in Config/ or
# Spool/ is touched), starts serve with a random operator token, waits for /healthz, makes a
# supplier's administrator and a municipality's signatory with personal tokens through the API,
# runs schemathesis as each of the three, stops serve and exits non-zero on any failure. Only
# 127.0.0.1 is contacted.
#
# Settings (environment):
#   API_FUZZ_EXAMPLES  test cases per operation and principal (default 50)
#   API_FUZZ_SECONDS   time bound of the schemathesis runs together (default 600); past it they fail
#   API_FUZZ_SEED      schemathesis seed, to repeat a run
#   API_FUZZ_SCHEMA    a local YAML file to test instead of the served document
#   API_FUZZ_KEEP=1    keep the temporary directory (serve's log, the reports)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

examples=${API_FUZZ_EXAMPLES:-50}
seconds=${API_FUZZ_SECONDS:-600}
venv=$root/.build/api-fuzz-venv
# The CLI used below (run LOCATION, --checks, --max-examples, --exclude-operation-id) is schemathesis 4's.
spec='schemathesis>=4.32,<5'

say() { printf 'api-fuzz: %s\n' "$*"; }
fail() { printf 'api-fuzz: %s\n' "$*" >&2; exit 1; }

# 1. schemathesis in a private venv.
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  say "installing $spec into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" || fail "python3 -m venv failed: install Debian's python3-venv (make deps does)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" || fail "pip could not install $spec"
fi
say "$("$venv/bin/schemathesis" --version)"

# 2. udtraek.
"${SWIFT:-swift}" build --product udtraek
bin=$root/.build/debug/udtraek
[ -x "$bin" ] || fail "no $bin after the build"

# 3. A temporary state seeded from Config/udtraek.yaml.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/udtraek-api-fuzz.XXXXXX")
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$serve_pid" 2>/dev/null || true
  fi
  if [ "${API_FUZZ_KEEP:-}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Two free loopback ports (the admin API's and the lookup gateway's), asked of the kernel.
read -r api_port gateway_port < <(/usr/bin/python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
EOF
)

config=$tmp/udtraek.yaml
# The same file with the ports moved and the synthetic register smaller (every run request
# schemathesis makes is produced by serve's scheduler).
sed -E \
  -e "s/^(  listen: )127\.0\.0\.1:[0-9]+[[:space:]]*\$/\\1127.0.0.1:$api_port/" \
  -e "s/^(  listen: \\{ *host: *127\.0\.0\.1, *port: *)[0-9]+( *\\})/\\1$gateway_port\\2/" \
  -e "s/^(  cpr: \\{ *seed: *[0-9]+, *persons: *)[0-9]+/\\12000/" \
  Config/udtraek.yaml > "$config"
grep -q "listen: 127.0.0.1:$api_port\$" "$config" || fail "Config/udtraek.yaml has no 'api: listen: 127.0.0.1:PORT' line to move to port $api_port"
# The keys the systems name (config apply checks them), fresh and never used.
mkdir -p "$tmp/keys"
for system in $(sed -nE 's/^ *private_key: *keys\/([A-Za-z0-9._-]+) *$/\1/p' "$config"); do
  "$bin" keys generate "$system" --out "$tmp/keys/$system" >/dev/null
done
if grep -q '^gateway:' "$config"; then
  bash Config/make-gateway-certs.sh "$tmp/gateway" >/dev/null
fi
token=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))')
export UDTRAEK_API_TOKEN=$token
state=(--config "$config" --state "$tmp/state")
"$bin" config apply "${state[@]}" > "$tmp/config-apply.log" 2>&1 || { cat "$tmp/config-apply.log" >&2; fail "config apply failed"; }

# 4. serve.
"$bin" serve "${state[@]}" --poll 3600 --grace 10 > "$tmp/serve.log" 2>&1 &
serve_pid=$!
base=http://127.0.0.1:$api_port
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || { tail -20 "$tmp/serve.log" >&2; fail "serve exited before it answered"; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { tail -20 "$tmp/serve.log" >&2; fail "serve did not answer $base/healthz within 30 s"; }
say "serve on $base (state $tmp/state)"

if [ -n "${API_FUZZ_SCHEMA:-}" ]; then
  location=$(realpath "$API_FUZZ_SCHEMA")
  url_args=(--url "$base")
else
  location=$base/api/v1/openapi.yaml
  url_args=()
  status=$(curl -sS -o "$tmp/openapi.yaml" -w '%{http_code}' "$location")
  [ "$status" = 200 ] || fail "GET $location answered $status; the router must serve OpenAPIDocument.yaml there"
fi

# 5. Principals besides the operator, made through the API itself: a supplier's administrator
# (registers systems, requests agreements) and a municipality's signatory (approves and rejects
# them), each with a personal token; a registered system with requested agreements for the
# signatory to decide and a renewed certificate; change orders carried out. So the answers only
# they get, and the shapes only such objects have, are checked against the document too.
api() { # METHOD PATH [JSON] -> the body; fails unless the status is 2xx
  local out status
  out=$(curl -sS -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} -w '\n%{http_code}' "$base$2") || fail "$1 $2: curl failed"
  status=${out##*$'\n'}
  [[ $status == 2?? ]] || fail "setting up: $1 $2 answered $status: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}
field() { /usr/bin/python3 -c 'import json, sys; v = json.load(sys.stdin); [v := v[int(k) if k.isdigit() else k] for k in sys.argv[1].split(".")]; print(v)' "$1"; }
personal_token() { # ORGANISATION NAME ROLES-JSON
  local user
  user=$(api POST /api/v1/users "{\"organisation\": \"$1\", \"name\": \"$2\", \"roles\": $3}" | field id)
  api POST "/api/v1/users/$user/tokens" '{"name": "api-fuzz", "expires_in_days": 1}' | field token
}
municipality=$(sed -nE 's/^ *- *\{ *code: *"([0-9]{4})".*/\1/p' "$config" | head -1)
[ -n "$municipality" ] || fail "Config/udtraek.yaml names no municipality"
ensure_organisation() { # ID JSON: made unless the configuration already has it
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/api/v1/organisations/$1")
  [ "$status" = 200 ] || api POST /api/v1/organisations "$2" >/dev/null
}
ensure_organisation cvr:12345678 '{"kind": "supplier", "cvr": "12345678", "name": "api-fuzz Systemhus", "notice_address": "drift@example.dk"}'
ensure_organisation "kommune:$municipality" "{\"kind\": \"municipality\", \"municipality\": \"$municipality\"}"
supplier_token=$(personal_token cvr:12345678 "api-fuzz supplier" '["admin", "user"]')
signatory_token=$(personal_token "kommune:$municipality" "api-fuzz signatory" '["admin", "signatory"]')
token_of_operator=$token
token=$supplier_token
api POST /api/v1/systems '{"name": "api-fuzz-esdh", "certificate": {"subject": "CN=api-fuzz-esdh,O=api-fuzz"}, "sftp": {"host": "127.0.0.1", "port": 22022, "user": "esdh", "inbox": "IN", "host_key_fingerprints": ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"]}, "notice_address": "drift@example.dk"}' >/dev/null
api POST /api/v1/agreements "{\"system\": \"api-fuzz-esdh\", \"services\": [\"cpr-extract\", \"cpr-lookup\", \"kle-lookup\", \"kle-plan\"], \"municipalities\": [\"$municipality\"], \"note\": \"api-fuzz\"}" >/dev/null
# The supplier renews the system's gateway certificate (with one of the throwaway PKI's).
if [ -f "$tmp/gateway/stranger.pem" ]; then
  pem=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(open(sys.argv[1]).read()))' "$tmp/gateway/stranger.pem")
  api POST /api/v1/systems/api-fuzz-esdh/certificate "{\"certificate\": $pem, \"overlap\": \"7d\", \"reason\": \"api-fuzz\"}" >/dev/null
fi
token=$token_of_operator
# Change orders that are accepted and carried out (and, with no sshd to verify them against,
# rolled back): their answers hold the settings before (`previous`), which schemathesis's own
# orders, nearly all rejected, never reach.
first_system=$(sed -nE 's/^  - name: *([A-Za-z0-9._-]+) *$/\1/p' "$config" | head -1)
api POST /api/v1/changes "{\"system\": \"$first_system\", \"kind\": \"host-key\", \"order_id\": \"API-FUZZ-1\", \"fingerprints\": [\"SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE\", \"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"], \"reason\": \"api-fuzz\"}" >/dev/null
api POST /api/v1/changes "{\"system\": \"$first_system\", \"kind\": \"monitoring\", \"order_id\": \"API-FUZZ-2\", \"collect_within\": \"4h\", \"reason\": \"api-fuzz\"}" >/dev/null
say "principals: the operator token, a supplier's administrator, the signatory of municipality $municipality"

# 6. schemathesis, once for each principal, within one time bound.
seed_args=()
[ -n "${API_FUZZ_SEED:-}" ] && seed_args=(--seed "$API_FUZZ_SEED")
deadline=$((SECONDS + seconds))
say "schemathesis: $examples examples per operation and principal, at most $seconds s in all"
result=0
# The operator goes last: it may disable the others' users and revoke their tokens. Neither
# of the others may revoke its own token here (it would answer 401 from then on); the
# operator's run revokes tokens.
for principal in signatory supplier operator; do
  case $principal in
    operator) bearer=$token_of_operator; excluded=() ;;
    supplier) bearer=$supplier_token; excluded=(--exclude-operation-id revokeToken) ;;
    signatory) bearer=$signatory_token; excluded=(--exclude-operation-id revokeToken) ;;
  esac
  left=$((deadline - SECONDS))
  if [ "$left" -le 0 ]; then say "no time left for the $principal"; result=1; break; fi
  say "--- as the $principal (at most $left s)"
  set +e
  # From the temporary directory: schemathesis keeps a cache (.schemathesis/) where it runs.
  (cd "$tmp" && timeout --signal=INT --kill-after=30 "$left" \
    "$venv/bin/schemathesis" run "$location" "${url_args[@]}" \
      --header "Authorization: Bearer $bearer" \
      "${excluded[@]}" \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
      --max-examples "$examples" \
      --request-timeout 30 \
      --generation-database none \
      --report junit --report-dir "$tmp/report-$principal" \
      --no-color "${seed_args[@]}")
  status=$?
  set -e
  case $status in
    0) ;;
    124|130) say "schemathesis as the $principal did not finish within the time bound"; result=1 ;;
    *) say "schemathesis as the $principal failed ($status)"; result=1 ;;
  esac
done
if ! kill -0 "$serve_pid" 2>/dev/null; then
  tail -20 "$tmp/serve.log" >&2
  say "serve died during the run"
  result=1
fi
if [ "$result" != 0 ]; then
  say "FAILED (serve's log: $tmp/serve.log; run with API_FUZZ_KEEP=1 to keep it)"
else
  say "passed"
fi
exit "$result"
