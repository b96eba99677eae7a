#!/usr/bin/env bash
# Install the Debian packages listed in tools/debian-packages.txt that are missing.
# Quiet and quick when everything is there, so 'make test' and 'make demo' can always call it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(grep -vE '^\s*(#|$)' "$here/debian-packages.txt")
missing=()
for line in "${wanted[@]}"; do
    # "package command:NAME": NAME on the PATH already does what the package is for.
    read -r package satisfied <<<"$line"
    if [[ "${satisfied:-}" == command:* ]] && command -v "${satisfied#command:}" >/dev/null; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list finds nothing: refresh it once before installing.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
