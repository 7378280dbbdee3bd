#!/usr/bin/env bash
# make console: the operator console on the demo's data, for a person with a browser.
#
# Runs `udtraek demo --keep-running` (a private sshd on the configuration's loopback port,
# the configuration applied, a CPR file delivered, the agreement lifecycle), makes once a
# platform user "Console" with the role operator, gives it a personal token valid for one
# day, prints where to open the console and the token to sign in with, then runs
# `udtraek serve` in the foreground. Ctrl-C (or SIGTERM) stops serve and the demo's sshd.
#
# Settings (environment), for trying it beside another checkout or a running demo:
#   BIN     the udtraek binary (default .build/debug/udtraek)
#   CONFIG  the configuration file or directory (default Config)
#   STATE   the state directory (default Spool)
# The console's address is the configuration's api.listen (http://127.0.0.1:8480 in Config/).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/debug/udtraek}
CONFIG=${CONFIG:-Config}
STATE=${STATE:-Spool}
say() { printf 'console: %s\n' "$*"; }
fail() { printf 'console: %s\n' "$*" >&2; exit 1; }

[ -x "$BIN" ] || fail "no $BIN: build it first (make build)"
config_file=$CONFIG
[ -d "$config_file" ] && config_file=$config_file/udtraek.yaml
[ -f "$config_file" ] || fail "no configuration at $CONFIG"
state=(--config "$CONFIG" --state "$STATE")
# serve refuses to start without the operator token api.tokens names: a random one unless one
# is given (nobody needs it here; the console's user signs in with its personal token).
if [ -z "${UDTRAEK_API_TOKEN:-}" ]; then
  UDTRAEK_API_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  export UDTRAEK_API_TOKEN
fi
pid_file=$STATE/demo-sshd/sshd.pid

# The demo's sshd: the one this run starts, and one an earlier run left (only when the pid
# file still names an sshd: a reused pid is someone else's process).
stop_sshd() {
  local pid
  pid=$(cat "$pid_file" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q sshd; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}
stop_sshd

serve_pid=
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  stop_sshd
  say "stopped serve and the demo's sshd"
}
trap cleanup EXIT

"$BIN" demo "${state[@]}" --keep-running

# The platform's user "Console" (role operator), made once; a new token each time.
user=$("$BIN" users list "${state[@]}" --organisation platform --json | /usr/bin/python3 -c '
import json, sys
users = json.load(sys.stdin)
users = users.get("users", users) if isinstance(users, dict) else users
print(next((str(u["id"]) for u in users if u.get("name") == "Console" and "operator" in u.get("roles", [])), ""))')
if [ -z "$user" ]; then
  user=$("$BIN" users add "${state[@]}" --organisation platform --name Console --role operator --json |
    /usr/bin/python3 -c 'import json, sys; u = json.load(sys.stdin); u = u[0] if isinstance(u, list) else u; print(u["id"])')
  say "made the platform's user Console (operator), id $user"
fi
token=$("$BIN" users token create "${state[@]}" --user "$user" --name console --expires-in-days 1 --json |
  /usr/bin/python3 -c 'import json, sys; t = json.load(sys.stdin); t = t[0] if isinstance(t, list) else t; print(t["token"])')

listen=$(sed -nE 's/^  listen: *([0-9.]+:[0-9]+)[[:space:]]*$/\1/p' "$config_file" | head -1)
echo
say "Open http://${listen:-127.0.0.1:8480}/console and sign in with: $token"
say "(the token is valid for a day; Ctrl-C stops serve and the demo's sshd)"
echo

# serve in the background of this shell, so that Ctrl-C and SIGTERM reach it through the trap
# below (a background job of a script ignores SIGINT itself) and the sshd is stopped after it.
"$BIN" serve "${state[@]}" &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null || true' INT TERM
status=0
while kill -0 "$serve_pid" 2>/dev/null; do
  wait "$serve_pid" && status=0 || status=$?
done
trap - INT TERM
exit "$status"
