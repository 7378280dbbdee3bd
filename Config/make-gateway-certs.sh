#!/usr/bin/env bash
# Makes a throwaway PKI for the lookup gateway in DIR (default Config/gateway): a CA, the
# server's certificate for 127.0.0.1/localhost, client certificates for the demo systems,
# one client certificate the gateway knows nothing of ("stranger") and one from another CA
# ("rogue"). Loopback and tests only: never use these keys for anything else.
set -euo pipefail
dir=${1:-"$(dirname "$0")/gateway"}
mkdir -p "$dir"
cd "$dir"
if [ -f ca.pem ] && [ -f server.pem ] && [ -z "${FORCE:-}" ]; then exit 0; fi
umask 077
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -subj "/O=udtraek demo/CN=udtraek demo CA" -days 30 2>/dev/null
openssl req -x509 "${ec[@]}" -keyout rogue-ca.key -out rogue-ca.pem -subj "/CN=rogue CA" -days 30 2>/dev/null
sign() { # name subject ca extensions
  openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 30 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server "/CN=localhost" ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
for c in sag-kbh esdh-aarhus stranger; do
  sign "$c" "/O=udtraek demo/CN=$c" ca "extendedKeyUsage=clientAuth"
done
sign rogue "/O=udtraek demo/CN=sag-kbh" rogue-ca "extendedKeyUsage=clientAuth"
chmod 600 ./*.key
