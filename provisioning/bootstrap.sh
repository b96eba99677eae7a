#!/bin/sh
# Turn this Debian 12 machine into a kiosk (or a desk server) by running the playbook
# locally. Idempotent: run it again after changing the inventory.
#   provisioning/bootstrap.sh [--check] [--inventory FILE]
# --check shows what would change without changing anything.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
inventory="$here/inventory.yml"
check=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check="--check --diff" ;;
        --inventory) inventory="$2"; shift ;;
        *) echo "usage: $0 [--check] [--inventory FILE]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
[ -f "$inventory" ] || { echo "no inventory at $inventory (copy inventory.example.yml)" >&2; exit 1; }
# This machine runs Ansible, so it also fills the kiosk's wheelhouse: it builds what PyPI
# has as source only (pycups) into a wheel, with a compiler and the headers.
missing=""
command -v ansible-playbook >/dev/null || missing="ansible-core"
for package in python3-venv gcc python3-dev libcups2-dev; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
# This machine is the inventory host named like it (or "localhost").
limit=$(hostname)
grep -q "^ *$limit:" "$inventory" || limit=localhost
# shellcheck disable=SC2086
exec ansible-playbook -i "$inventory" -c local --limit "$limit" $check "$here/site.yml"
