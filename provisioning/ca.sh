#!/bin/bash
# The region's certificates and passwords, made from the inventory and kept up to date.
#
#   provisioning/ca.sh --inventory FILE [--dir DIR] [--vault FILE] [--vault-password-file FILE]
#                      [--broker-name NAME]... [--desk-name NAME]... [--ca-name TEXT]
#
# In DIR (default: secrets/ beside the inventory; private keys 0600):
#   ca.key, ca.pem          the region's CA, self-signed for 10 years (kiosk_broker_ca, desk_tls_ca)
#   broker.key, broker.pem  Mosquitto's certificate on the desk servers (desk_tls_key, desk_tls_cert)
#   desk.key, desk.pem      the desk's web certificate, for the HTTPS proxy in front of it
# and in the vault (default group_vars/all/vault.yml beside the inventory, which Ansible reads
# itself), encrypted with ansible-vault: broker_passwords (each kiosk by kiosk_id, each desk
# as desk-<its first site>, desk-enrol where a desk has desk_enrolment) and desk_admin_passwords (each desk host's first administrator).
#
# Run it again after changing the inventory: what is there and still right stays byte for
# byte. A new kiosk or desk gets its password, no other changes; a certificate is issued
# again when it ends within 30 days, its names changed, or the CA is no longer its issuer.
# Names: every desk host and kiosk_broker_host for the broker, every desk host for the desk,
# and those given here; a name that is an address becomes an IP name. A new vault password
# file (default DIR/vault-password) is made when none is there: keep it out of the repository.
set -euo pipefail
usage() {
    echo "usage: $0 --inventory FILE [--dir DIR] [--vault FILE] [--vault-password-file FILE]" \
         "[--broker-name NAME]... [--desk-name NAME]... [--ca-name TEXT]" >&2
    exit 2
}
inventory="" dir="" vault="" password_file="" ca_name="Kiosk fleet CA"
extra_names=()
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case "$1" in
        --inventory) inventory=$2 ;;
        --dir) dir=$2 ;;
        --vault) vault=$2 ;;
        --vault-password-file) password_file=$2 ;;
        --broker-name) extra_names+=("broker=$2") ;;
        --desk-name) extra_names+=("desk=$2") ;;
        --ca-name) ca_name=$2 ;;
        *) usage ;;
    esac
    shift 2
done
[ -n "$inventory" ] || usage
[ -f "$inventory" ] || { echo "no inventory at $inventory" >&2; exit 1; }
for program in openssl ansible-inventory ansible-vault; do
    command -v "$program" >/dev/null \
        || { echo "$program is missing (apt-get install openssl ansible-core)" >&2; exit 1; }
done
beside=$(cd "$(dirname "$inventory")" && pwd)
dir=${dir:-$beside/secrets}
vault=${vault:-$beside/group_vars/all/vault.yml}
password_file=${password_file:-$dir/vault-password}
renew_s=$((30 * 24 * 3600))
mkdir -p "$(dirname "$vault")"
umask 077
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Ansible's own Python (it has PyYAML): reads the inventory and the vault, in memory only.
read -r -a python <<< "$(sed -n '1s/^#![[:space:]]*//p' "$(command -v ansible-vault)")"
helper() {  # helper MODE [ARG...]; see HELPER below
    "${python[@]}" -c "$HELPER" "$@"
}
HELPER='
import ipaddress, json, secrets, string, sys, yaml

def san(name):
    name = name.strip()
    try:
        return "IP:" + ipaddress.ip_address(name).compressed
    except ValueError:
        return "DNS:" + name.lower()

mode = sys.argv[1]
if mode == "plan":  # the inventory (JSON) -> the accounts and names it needs
    data = json.load(sys.stdin)
    hostvars = data.get("_meta", {}).get("hostvars", {})
    def members(group):
        hosts = list(data.get(group, {}).get("hosts", []))
        for child in data.get(group, {}).get("children", []):
            hosts += members(child)
        return sorted(set(hosts))
    def value(host, name):  # as the inventory writes it: ansible-inventory templates nothing
        found = hostvars[host].get(name)
        if not found or "{" in str(found):
            sys.exit(f"{host}: {name} must be given as it is (not empty, not a template) for ca.sh")
        return found
    names = {"broker": set(), "desk": set()}
    for host in members("kiosks"):
        if "kiosk_id" not in hostvars[host]:  # the one image: enrolled on the desk, no account here
            continue
        print("account broker_passwords " + str(value(host, "kiosk_id")))
        if hostvars[host].get("kiosk_broker_host"):
            names["broker"].add(san(value(host, "kiosk_broker_host")))
    for host in members("desks"):
        print("account broker_passwords desk-" + str(value(host, "desk_sites")[0]))
        print("account desk_admin_passwords " + host)
        if hostvars[host].get("desk_enrolment"):  # the account that makes the accounts of enrolled kiosks
            print("account broker_passwords desk-enrol")
        names["broker"].add(san(host))
        names["desk"].add(san(host))
    for given in sys.argv[2:]:
        which, _, name = given.partition("=")
        names[which].add(san(name))
    for which in names:
        print(which + " " + ",".join(sorted(names[which])))
elif mode == "sans":  # openssl x509 -ext subjectAltName -> the same form as "plan"
    text = sys.stdin.read().split("\n", 1)[-1]
    entries = [entry.strip() for entry in text.replace("\n", ",").split(",") if entry.strip()]
    print(",".join(sorted(san(e[len("IP Address:"):]) if e.startswith("IP Address:") else
                          "DNS:" + e[4:].lower() for e in entries)))
elif mode == "vault":  # the vault (YAML) and wanted accounts -> the vault with the missing ones, or exit 3
    vault = yaml.safe_load(sys.stdin.read()) or {}
    added = []
    for wanted in sys.argv[2:]:
        table, name = wanted.split(" ", 1)
        accounts = vault.setdefault(table, {}) or {}
        vault[table] = accounts
        if name not in accounts:  # letters and digits: nothing a shell or mosquitto_passwd reads as more
            accounts[name] = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
            added.append(name)
    if not added:
        sys.exit(3)
    print("added a password for " + ", ".join(added), file=sys.stderr)
    print("# Made by provisioning/ca.sh from the inventory; run it again to add accounts. broker_passwords:")
    print("# kiosks by kiosk_id, desks as desk-<first site>; desk_admin_passwords: by desk host.")
    print(yaml.safe_dump(vault, default_flow_style=False, sort_keys=True), end="")
'

vault_args=()
[ -f "$vault" ] && vault_args=(--vault-password-file "$password_file")
plan=$(ansible-inventory -i "$inventory" "${vault_args[@]}" --list | helper plan "${extra_names[@]}")
accounts=() broker_names="" desk_names=""
while read -r kind rest; do
    case "$kind" in
        account) accounts+=("$rest") ;;
        broker) broker_names=$rest ;;
        desk) desk_names=$rest ;;
    esac
done <<< "$plan"

cat > "$work/openssl.cnf" <<'CONF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::KIOSK_CA_SANS
CONF
export KIOSK_CA_SANS=""

new_key() {  # new_key FILE: an EC P-256 key (TLS clients and browsers all take it), if none is there
    [ -s "$1" ] || { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; echo "made $1"; }
}
pairs() {  # pairs KEY CERT: the certificate is this key's
    [ "$(openssl pkey -in "$1" -pubout)" = "$(openssl x509 -in "$2" -noout -pubkey)" ]
}
lasts() {  # lasts CERT: it does not end within 30 days
    openssl x509 -in "$1" -noout -checkend "$renew_s" >/dev/null
}

new_key "$dir/ca.key"
if ! [ -s "$dir/ca.pem" ] || ! pairs "$dir/ca.key" "$dir/ca.pem" || ! lasts "$dir/ca.pem"; then
    # Same key, same name: certificates it issued stay valid under the new one.
    again=""
    [ -s "$dir/ca.pem" ] && again=": provision the kiosks and desks again, they must have the new one"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=$ca_name" -days 3650 -config "$work/openssl.cnf" \
        -extensions ca -out "$work/ca.pem"
    chmod 0644 "$work/ca.pem"
    mv "$work/ca.pem" "$dir/ca.pem"
    echo "issued $dir/ca.pem ($ca_name, 10 years)$again"
fi

issue() {  # issue NAME SANS: NAME.key and NAME.pem, signed by the CA, for these names
    local key=$dir/$1.key cert=$dir/$1.pem
    [ -n "$2" ] || { echo "no names for $1's certificate: add a host to group desks or give --$1-name" >&2; exit 1; }
    new_key "$key"
    if [ -s "$cert" ] && pairs "$key" "$cert" && lasts "$cert" \
        && openssl verify -CAfile "$dir/ca.pem" "$cert" >/dev/null 2>&1 \
        && [ "$(openssl x509 -in "$cert" -noout -ext subjectAltName | helper sans)" = "$2" ]; then
        return
    fi
    local cn=${2%%,*}
    KIOSK_CA_SANS=$2 openssl req -new -key "$key" -subj "/CN=${cn#*:}" -config "$work/openssl.cnf" \
        | KIOSK_CA_SANS=$2 openssl x509 -req -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
            -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$work/openssl.cnf" -extensions server \
            -out "$work/$1.pem" 2> "$work/openssl.log" || { cat "$work/openssl.log" >&2; exit 1; }
    chmod 0644 "$work/$1.pem"
    mv "$work/$1.pem" "$cert"
    echo "issued $cert for $2 (825 days)"
}
issue broker "$broker_names"
issue desk "$desk_names"

if ! [ -s "$password_file" ]; then
    openssl rand -base64 32 > "$password_file"
    echo "made a new vault password in $password_file: keep it safe, and out of the repository"
fi
current=""
[ -f "$vault" ] && current=$(ansible-vault decrypt --vault-password-file "$password_file" --output - "$vault")
status=0
updated=$(helper vault "${accounts[@]}" <<< "$current") || status=$?
if [ "$status" -eq 0 ]; then
    ansible-vault encrypt --vault-password-file "$password_file" --output "$work/vault.yml" - <<< "$updated" 2>/dev/null
    mv "$work/vault.yml" "$vault"
    echo "wrote $vault"
elif [ "$status" -ne 3 ]; then
    exit "$status"
fi
