#!/usr/bin/env bash
# File-transfer (routing) benchmark: one sender system drops OUT/payload.bin plus its trigger
# in its SFTP folder on a private sshd on 127.0.0.1, and `udtraek serve --once` routes it to
# three recipient systems (read once over SFTP into STATE/transfers/, delivered to each
# recipient's IN/payload.bin + IN/payload.bin.metadata, receipt written to the sender's OUT/).
# The peer, in the same rounds: OpenSSH's `sftp` (batch mode) getting the sender's file with
# the sender's key and putting it into each recipient's IN/ with that recipient's key.
#
# Prints the wall seconds of each (process start to exit; the peer's four sftp processes
# together), the medians, MB/s (10^6 bytes of the file per wall second: one file read once
# and delivered three times), the ratio ours/peer of the times, and our peak RSS.
# Builds nothing: `make bench-routing` builds the release binary first.
#
# Not like for like in one respect: udtraek fsyncs its copy in STATE/transfers/ and has the
# server fsync every delivered file (fsync@openssh.com) before it verifies and renames it;
# the peer's plain `get` and `put` do not. One unmeasured round goes first: on a VM the first
# gigabyte written into fresh page-cache pages is much slower than later ones, which would
# penalise whoever runs first. Each of our rounds gets a fresh state directory (a
# SendersFileId is routed once) and a trigger with a new SendersFileId.
#
# Environment:
#   BENCH_RUNS   rounds of each (default 3)
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

die() { echo "bench-routing: $*" >&2; exit 1; }
[[ -x $bin ]] || die "$bin not found: run \`swift build -c release\` (make bench-routing does)"
[[ -x $sshd ]] || die "$sshd not found: install openssh-server (make deps)"
command -v sftp >/dev/null || die "sftp not found: install openssh-client (make deps)"
command -v sha256sum >/dev/null || die "sha256sum not found: install coreutils"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d /tmp/udtraek-bench-routing.XXXXXX)
sshd_pid=""
cleanup() {
    if [[ -n $sshd_pid ]]; then kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true; fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

user=$(id -un)
sender=afsender
recipients=(modtager1 modtager2 modtager3)
systems=("$sender" "${recipients[@]}")
infref=urn:bench:data
inboxes=$work/inboxes
out=$inboxes/$sender/OUT
mkdir -p "$work/keys" "$work/config"
for s in "${systems[@]}"; do mkdir -p "$inboxes/$s/IN" "$inboxes/$s/OUT"; done

# A free port on 127.0.0.1 (bound and released).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
       || echo $((20000 + RANDOM % 20000)))

echo "== preparing: ${size_mb} MiB test file, keys for ${systems[*]}, private sshd on 127.0.0.1:$port"
file=$work/payload.bin
# Random bytes (incompressible, like gzip extracts), generated fast and left in the page cache.
head -c $((size_mb * 1024 * 1024)) /dev/urandom > "$file"
bytes=$(stat -c %s "$file")
sha=$(sha256sum "$file" | awk '{print $1}')

ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$work/ssh_host_ed25519_key"
chmod 600 "$work/ssh_host_ed25519_key"
: > "$work/authorized_keys"
for s in "${systems[@]}"; do
    ssh-keygen -q -t ed25519 -N '' -C "bench-$s" -f "$work/keys/$s"
    chmod 600 "$work/keys/$s"
    # Each key is bound to its own system's root, which holds IN/ and OUT/.
    echo "restrict,command=\"internal-sftp -d $inboxes/$s\" $(cat "$work/keys/$s.pub")" >> "$work/authorized_keys"
done

# Mirrors UdtraekTesting/LocalSSHD.swift (and bench-sftp.sh).
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

fingerprint=$(ssh-keygen -lf "$work/ssh_host_ed25519_key.pub" -E sha256 | awk '{print $2}')
[[ $fingerprint == SHA256:* ]] || die "could not read the host-key fingerprint"

uuid() { cat /proc/sys/kernel/random/uuid; }
inbox_line() {
    printf '    inbox: { host: 127.0.0.1, port: %s, user: %s, private_key: %s, host_key_fingerprints: ["%s"]%s }\n' \
        "$port" "$user" "$work/keys/$1" "$fingerprint" "$2"
}
{
    echo 'municipalities:'
    echo '  - { code: "0751", name: Aarhus }'
    echo 'systems:'
    echo "  - name: $sender"
    inbox_line "$sender" ""
    echo '    sender: { path: OUT, poll_interval: 1s }'
    for r in "${recipients[@]}"; do
        echo "  - name: $r"
        inbox_line "$r" ", existing_target: replace"
    done
    echo 'agreements:'
    for r in "${recipients[@]}"; do
        echo "  - { uuid: $(uuid), system: $r, municipality: \"0751\", service: file-transfer, sender: $sender, infref: \"$infref\", state: approved }"
    done
} > "$work/config/udtraek.yaml"
cfg=$work/config/udtraek.yaml

# Runs a command under GNU time -v, its output and errors to LOG; prints "seconds peak-kB",
# or shows LOG and fails when the command fails.
timed() {
    local log=$1; shift
    if ! /usr/bin/time -v -o "$work/time.out" "$@" > "$log" 2>&1; then
        cat "$log" >&2
        return 1
    fi
    awk '/Elapsed \(wall clock\) time/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
         /Maximum resident set size/ { rss = $NF }
         END { printf "%.2f %d\n", wall, rss }' "$work/time.out"
}
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", (s > 0 ? b / s / 1e6 : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# The sender's file and its trigger (a new SendersFileId each time), put straight into the
# sender's folder: it is the local sshd's directory.
drop_file() {
    cp "$file" "$out/payload.bin"
    cat > "$out/payload.bin.trigger" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<ns2:Trigger xmlns:ns2="http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types">
<FileDescriptor>
<FileName>payload.bin</FileName>
<SizeInBytes>$bytes</SizeInBytes>
<Sender>$sender</Sender>
<SendersFileId>$(uuid)</SendersFileId>
$(for r in "${recipients[@]}"; do echo "<Recipients>$r</Recipients>"; done)
</FileDescriptor>
<FileContentDescriptor><SFTPDynamicRoutingInfo><InfRef>$infref</InfRef></SFTPDynamicRoutingInfo></FileContentDescriptor>
</ns2:Trigger>
EOF
}

# Echoes "seconds peak-kB" for one `udtraek serve --once` routing the file to the three
# recipients in a fresh state directory; checks every delivery and the receipt, then removes
# them (and the state directory with its copy in transfers/).
ours_round() {
    local k=$1 state=$work/state-$1 t r
    "$bin" config apply --config "$cfg" --state "$state" > "$work/apply-$k.log" 2>&1 \
        || { cat "$work/apply-$k.log" >&2; die "udtraek config apply failed"; }
    drop_file
    t=$(timed "$work/ours-$k.log" "$bin" serve --once --config "$cfg" --state "$state" --log-level "${BENCH_LOG_LEVEL:-notice}") \
        || die "udtraek serve --once failed (log above)"
    for r in "${recipients[@]}"; do
        [[ -f $inboxes/$r/IN/payload.bin ]] || { cat "$work/ours-$k.log" >&2; die "$r: IN/payload.bin was not delivered"; }
        [[ $(sha256sum "$inboxes/$r/IN/payload.bin" | awk '{print $1}') == "$sha" ]] || die "$r: IN/payload.bin differs from the sender's file"
        [[ -f $inboxes/$r/IN/payload.bin.metadata ]] || die "$r: IN/payload.bin.metadata is missing"
    done
    [[ ! -e $out/payload.bin ]] || { cat "$work/ours-$k.log" >&2; die "the sender's OUT/payload.bin was not removed"; }
    [[ ! -e $out/payload.bin.trigger ]] || die "the sender's OUT/payload.bin.trigger was not removed"
    [[ -f $out/payload.bin.sftpreceipt ]] || { cat "$work/ours-$k.log" >&2; die "no OUT/payload.bin.sftpreceipt"; }
    grep -q '<Status>delivered</Status>' "$out/payload.bin.sftpreceipt" \
        || { cat "$out/payload.bin.sftpreceipt" >&2; die "the receipt does not say <Status>delivered</Status>"; }
    cp "$out/payload.bin.sftpreceipt" "$work/receipt-$k.xml"
    rm -f "$out/payload.bin.sftpreceipt"
    for r in "${recipients[@]}"; do rm -f "$inboxes/$r/IN/payload.bin" "$inboxes/$r/IN/payload.bin.metadata"; done
    rm -rf "$state"
    echo "$t"
}

# The peer: sftp gets the sender's file with the sender's key, then puts it into each
# recipient's IN/ with that recipient's key; one script, timed as a whole.
sftp_opts=(-q -P "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
# Two variants: plain `get`/`put` (nothing flushed to disk), and `get -f`/`put -f`, which
# fsync the local copy and have the server fsync each upload, as udtraek does (the
# like-for-like comparison: on a VM, flushing 4 GiB is a good part of the time).
for variant in plain fsync; do
    flag=""; [[ $variant == fsync ]] && flag="-f "
    printf 'get %sOUT/payload.bin %s\n' "$flag" "$work/peer.bin" > "$work/get-$variant.batch"
    printf 'put %s%s IN/peer.bin\n' "$flag" "$work/peer.bin" > "$work/put-$variant.batch"
    {
        echo 'set -euo pipefail'
        printf 'sftp %s -b %q -i %q %q\n' "${sftp_opts[*]}" "$work/get-$variant.batch" "$work/keys/$sender" "$user@127.0.0.1"
        for r in "${recipients[@]}"; do
            printf 'sftp %s -b %q -i %q %q\n' "${sftp_opts[*]}" "$work/put-$variant.batch" "$work/keys/$r" "$user@127.0.0.1"
        done
    } > "$work/peer-$variant.sh"
done

# Echoes the wall seconds of one peer round (variant plain or fsync); checks the copies and removes them.
peer_round() {
    local k=$1 variant=$2 t secs r
    cp "$file" "$out/payload.bin"
    t=$(timed "$work/peer-$variant-$k.log" bash "$work/peer-$variant.sh") || die "sftp failed (log above)"
    read -r secs _ <<< "$t"
    for r in "${recipients[@]}"; do
        [[ $(stat -c %s "$inboxes/$r/IN/peer.bin" 2>/dev/null) == "$bytes" ]] || die "$r: the peer's IN/peer.bin is missing or has the wrong size"
        rm -f "$inboxes/$r/IN/peer.bin"
    done
    rm -f "$work/peer.bin" "$out/payload.bin"
    echo "$secs"
}

echo "== warm-up round (not measured)"
ours_round 0 > /dev/null
peer_round 0 plain > /dev/null
peer_round 0 fsync > /dev/null

ours_secs=(); peer_secs=(); peerf_secs=(); ours_rss=()
printf '\n%-6s %10s %10s %12s %10s %10s %12s %14s\n' run "ours s" "peer s" "peer -f s" "ours MB/s" "peer MB/s" "peer -f MB/s" "ours peak RSS"
for k in $(seq "$runs"); do
    read -r secs rss <<< "$(ours_round "$k")"
    theirs=$(peer_round "$k" plain)
    theirs_f=$(peer_round "$k" fsync)
    ours_secs+=("$secs"); peer_secs+=("$theirs"); peerf_secs+=("$theirs_f"); ours_rss+=("$rss")
    printf '%-6s %10s %10s %12s %10s %10s %12s %11s MiB\n' "$k" "$secs" "$theirs" "$theirs_f" "$(mbps "$secs")" "$(mbps "$theirs")" \
        "$(mbps "$theirs_f")" "$(mib "$rss")"
done

m_ours=$(median "${ours_secs[@]}")
m_peer=$(median "${peer_secs[@]}")
m_peerf=$(median "${peerf_secs[@]}")
peak=$(printf '%s\n' "${ours_rss[@]}" | sort -g | tail -1)
printf '%-6s %10s %10s %12s %10s %10s %12s %11s MiB (max)\n' median "$m_ours" "$m_peer" "$m_peerf" "$(mbps "$m_ours")" "$(mbps "$m_peer")" \
    "$(mbps "$m_peerf")" "$(mib "$peak")"

routed=$(grep -o 'file transfer: .*' "$work/ours-1.log" | head -1 || true)
echo
echo "file: $bytes bytes (${size_mb} MiB), from $sender to ${#recipients[@]} recipients; $runs rounds after one warm-up round"
echo "seconds: wall clock, process start to exit (peer: 1 sftp get + ${#recipients[@]} sftp put); MB/s = file bytes / 10^6 / seconds"
echo "ratio ours/peer (median seconds; above 1 = ours slower): plain get/put $(ratio "$m_ours" "$m_peer"), get -f/put -f $(ratio "$m_ours" "$m_peerf")"
echo "ours: ${routed:-(not logged)}; fsyncs its spool copy and every delivered file, as get -f/put -f do; plain get/put flush nothing"
echo "summary: ${size_mb} MiB to ${#recipients[@]} recipients: ours $m_ours s ($(mbps "$m_ours") MB/s), sftp $m_peer s plain / $m_peerf s with -f, ratio $(ratio "$m_ours" "$m_peer") / $(ratio "$m_ours" "$m_peerf"), our peak RSS $(mib "$peak") MiB"
