#!/usr/bin/env bash
# make_test_certs.sh DIR - certificates for the TLS tests and benchmarks, made
# with the openssl command line at test time (EC P-256, fast to make):
#   ca.pem             a certificate authority the tests trust
#   server.pem/.key    localhost and 127.0.0.1, signed by ca.pem, valid now
#   expired.pem/.key   the same names, signed by ca.pem, expired in 2020
#   other_ca.pem       an authority that signed none of them
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
ca_ext=(-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj /CN=lyng-test-ca "${ca_ext[@]}" 2>/dev/null
openssl req -x509 "${ec[@]}" -keyout other_ca.key -out other_ca.pem -days 2 -subj /CN=lyng-other-ca "${ca_ext[@]}" 2>/dev/null
cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
CNF
: > index.txt
echo 01 > serial
leaf() { # name, then openssl ca's validity options
    local name=$1
    shift
    openssl req -new "${ec[@]}" -keyout "$name.key" -out "$name.csr" -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
    openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
}
leaf server -days 2
leaf expired -startdate 20200101000000Z -enddate 20200102000000Z
