#!/usr/bin/env bash
# SFTP upload benchmark: the same file to the same private sshd on 127.0.0.1, with
# `udtraek deliver` and with OpenSSH's `sftp` (batch mode, put), alternating.
#
# Prints MB/s (10^6 bytes per second of wall time, process start to exit) for both, the
# medians, the ratio ours/sftp, our peak RSS, and the cipher and MAC each side negotiated.
# Builds nothing: `make bench-sftp` builds the release binary first.
#
# `udtraek deliver` always asks the server to fsync the file (fsync@openssh.com) before it
# verifies and renames it; plain `put` does not. So sftp runs twice per round: `put` (the
# issue's comparison) and `put -f` (fsync too, the like-for-like one), and both ratios are
# printed. One unmeasured round goes first: on a VM the first gigabyte written into fresh
# page-cache pages is much slower than later ones, which would penalise whoever runs first.
#
# Environment:
#   BENCH_RUNS   runs of each client (default 3)
#   BENCH_MB     file size in MiB (default 1024)
#   BENCH_BIN    the udtraek binary (default .build/release/udtraek)
#   BENCH_KEEP   1 to keep the temporary directory (default: removed on exit)
#
# Traffic goes to 127.0.0.1 only; the sshd is the script's own (never the system's) and
# is stopped on exit.
set -euo pipefail

runs=${BENCH_RUNS:-3}
size_mb=${BENCH_MB:-1024}
bin=${BENCH_BIN:-.build/release/udtraek}
sshd=/usr/sbin/sshd

die() { echo "bench-sftp: $*" >&2; exit 1; }
[[ -x $bin ]] || die "$bin not found: run \`swift build -c release\` (make bench-sftp does)"
[[ -x $sshd ]] || die "$sshd not found: install openssh-server (make deps)"
command -v sftp >/dev/null || die "sftp not found: install openssh-client (make deps)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d /tmp/udtraek-bench-sftp.XXXXXX)
sshd_pid=""
cleanup() {
    if [[ -n $sshd_pid ]]; then kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true; fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

user=$(id -un)
root=$work/inbox
mkdir -p "$root/IN" "$work/keys" "$work/state" "$work/config"

# A free port on 127.0.0.1 (bound and released).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
       || echo $((20000 + RANDOM % 20000)))

echo "== preparing: ${size_mb} MiB test file, keys, private sshd on 127.0.0.1:$port"
file=$work/payload.bin
# Random bytes (incompressible, like gzip extracts), generated fast and left in the page cache.
head -c $((size_mb * 1024 * 1024)) /dev/urandom > "$file"
bytes=$(stat -c %s "$file")
cat "$file" > /dev/null

ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$work/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$work/keys/bench"
chmod 600 "$work/keys/bench" "$work/ssh_host_ed25519_key"
echo "restrict,command=\"internal-sftp -d $root\" $(cat "$work/keys/bench.pub")" > "$work/authorized_keys"

# Mirrors UdtraekTesting/LocalSSHD.swift.
cat > "$work/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $work/ssh_host_ed25519_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
AllowUsers $user
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PubkeyAcceptedAlgorithms +ssh-rsa
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
if [[ $(id -u) == 0 ]]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi
"$sshd" -D -e -f "$work/sshd_config" 2> "$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then break; fi
    kill -0 "$sshd_pid" 2>/dev/null || { cat "$work/sshd.log" >&2; die "sshd exited at start"; }
    sleep 0.05
done

fingerprint=$("$bin" keys fingerprint --host 127.0.0.1 --port "$port" --json | sed -n 's/.*"fingerprint": "\([^"]*\)".*/\1/p')
[[ -n $fingerprint ]] || die "could not read the host-key fingerprint"

cat > "$work/config/udtraek.yaml" <<EOF
platform:
  sender: udtraek-bench
  sender_it_system: 00000000-0000-4000-8000-000000000001
municipalities:
  - { code: "0101", name: København }
systems:
  - name: bench
    uuid: 00000000-0000-4000-8000-000000000002
    description: SFTP benchmark inbox on a private sshd
    inbox:
      host: 127.0.0.1
      port: $port
      user: $user
      path: IN
      private_key: $work/keys/bench
      host_key_fingerprints:
        - $fingerprint
      existing_target: replace
EOF
"$bin" config apply --config "$work/config" --state "$work/state" > /dev/null

printf 'put %s sftp.bin\n' "$file" > "$work/put.batch"
printf 'put -f %s sftp.bin\n' "$file" > "$work/put-f.batch"

# Runs a command under GNU time, its output to /dev/null and its errors to LOG;
# prints "seconds peak-kB", or shows LOG and fails when the command fails.
timed() {
    local log=$1; shift
    if ! /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" > /dev/null 2> "$log"; then
        cat "$log" >&2
        return 1
    fi
    cat "$work/time.out"
}
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", (s > 0 ? b / s / 1e6 : 0) }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The cipher and MAC OpenSSH's client picks against this server (one short connection).
echo pwd > "$work/pwd.batch"
sftp_alg=$(sftp -v -b "$work/pwd.batch" -i "$work/keys/bench" -P "$port" -o StrictHostKeyChecking=no \
               -o UserKnownHostsFile=/dev/null "$user@127.0.0.1" 2>&1 >/dev/null \
           | sed -n 's/.*kex: client->server cipher: \([^ ]*\) MAC: \([^ ]*\).*/cipher \1, MAC \2/p' | head -1)

ours_rates=(); sftp_rates=(); sftpf_rates=(); ours_rss=()
# Echoes MB/s for one upload by `sftp -b BATCH`, checking and removing the copy.
sftp_put() {
    local batch=$1 log=$2 t ssecs
    t=$(timed "$log" sftp -q -b "$batch" -i "$work/keys/bench" -P "$port" \
              -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
              "$user@127.0.0.1") || die "sftp failed"
    read -r ssecs _ <<< "$t"
    [[ $(stat -c %s "$root/sftp.bin") == "$bytes" ]] || die "sftp's copy has the wrong size in the inbox"
    rm -f "$root/sftp.bin"
    mbps "$ssecs"
}
# Echoes "MB/s peak-kB" for one `udtraek deliver`, checking and removing the delivery.
ours_put() {
    local name=$1 log=$2 t secs rss
    t=$(timed "$log" "$bin" deliver "$file" --to bench --name "$name" \
              --config "$work/config" --state "$work/state" --log-level debug) || die "udtraek deliver failed"
    read -r secs rss <<< "$t"
    [[ $(stat -c %s "$root/IN/$name") == "$bytes" ]] || die "$name has the wrong size in the inbox"
    rm -f "$root/IN/$name" "$root/IN/$name.metadata"
    echo "$(mbps "$secs") $rss"
}

echo "== warm-up round (not measured)"
ours_put warm-up "$work/ours-0.log" > /dev/null
sftp_put "$work/put.batch" "$work/sftp-0.log" > /dev/null

printf '\n%-6s %10s %10s %13s %14s\n' run "ours MB/s" "sftp MB/s" "sftp -f MB/s" "ours peak RSS"
for k in $(seq "$runs"); do
    read -r ours rss <<< "$(ours_put "run-$k" "$work/ours-$k.log")"
    theirs=$(sftp_put "$work/put.batch" "$work/sftp-$k.log")
    theirs_f=$(sftp_put "$work/put-f.batch" "$work/sftpf-$k.log")
    ours_rates+=("$ours"); sftp_rates+=("$theirs"); sftpf_rates+=("$theirs_f"); ours_rss+=("$rss")
    printf '%-6s %10s %10s %13s %11s MB\n' "$k" "$ours" "$theirs" "$theirs_f" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
done

m_ours=$(median "${ours_rates[@]}")
m_sftp=$(median "${sftp_rates[@]}")
m_sftpf=$(median "${sftpf_rates[@]}")
peak=$(printf '%s\n' "${ours_rss[@]}" | sort -g | tail -1)
printf '%-6s %10s %10s %13s %11s MB (max)\n' median "$m_ours" "$m_sftp" "$m_sftpf" "$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

ours_alg=$(grep -o 'ssh\.[a-z]*=[^ ]*' "$work/ours-1.log" | sort -u | tr '\n' ' ' || true)
echo
echo "file: $bytes bytes; $runs rounds after one warm-up round; MB/s = 10^6 bytes / wall seconds (process start to exit)"
echo "ratio ours/sftp put (medians):    $(ratio "$m_ours" "$m_sftp")"
echo "ratio ours/sftp put -f (medians): $(ratio "$m_ours" "$m_sftpf")   (both fsync the file on the server)"
echo "ours: ${ours_alg:-(not logged)}"
echo "sftp: $sftp_alg"
