#!/bin/sh
# Build a kiosk's root filesystem, and from it a bootable disk image, by running the same
# playbook as on a live machine over a debootstrapped Debian 12 root (Ansible's chroot
# connection). Run as root on Debian 12 with the packages debootstrap, ansible, python3-venv,
# gcc, python3-dev, libcups2-dev and (for the disk) grub-pc-bin, e2fsprogs, fdisk.
#
# The root's Python packages come from a wheelhouse this machine fills from the lock
# (requirements/kiosk.txt; the app_install role): hash-checked wheels, downloaded once into
# /var/tmp/kiosk-build/wheel-cache, and what PyPI has as source only (pycups) built into a
# wheel here, which is what the compiler is for. The root installs them with no index.
#
#   provisioning/image/build.sh --inventory FILE --host NAME [--root DIR] [--out FILE.img]
#                               [--size 8G] [--cache DIR] [--mirror URL] [--kernel-args ARGS]
#                               [--trust-local-cas]
#
# --host    the inventory host (a kiosk) whose variables the image carries
# --root    where the root filesystem is built (default /var/tmp/kiosk-image/NAME); built
#           once, provisioned again on every run (the playbook is idempotent)
# --out     also write a bootable disk image (MBR, one ext4 partition, GRUB, Linux)
# --cache   where downloaded packages are kept between runs (default: the host's apt cache)
# --kernel-args  more kernel arguments for the disk image (e.g. "console=ttyS0,115200")
# --trust-local-cas  the build machine's own CAs (/usr/local/share/ca-certificates) are
#           trusted in the root too: for builds behind a TLS-inspecting proxy
set -eu
here=$(cd "$(dirname "$0")" && pwd)
provisioning=$(dirname "$here")
inventory="" host="" root="" out="" size="8G" trust="" kernel_args=""
cache=/var/cache/apt/archives
mirror=http://deb.debian.org/debian
usage() { echo "usage: $0 --inventory FILE --host NAME [--root DIR] [--out FILE.img] [--size 8G] [--cache DIR] [--mirror URL] [--kernel-args ARGS] [--trust-local-cas]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    if [ "$1" = --trust-local-cas ]; then trust=yes; shift; continue; fi
    [ $# -ge 2 ] || usage
    case "$1" in
        --inventory) inventory=$2 ;;
        --host) host=$2 ;;
        --root) root=$2 ;;
        --out) out=$2 ;;
        --size) size=$2 ;;
        --cache) cache=$2 ;;
        --mirror) mirror=$2 ;;
        --kernel-args) kernel_args=$2 ;;
        *) usage ;;
    esac
    shift 2
done
if [ -z "$inventory" ] || [ -z "$host" ]; then usage; fi
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap and chroot need it)" >&2; exit 1; }
[ -f "$inventory" ] || { echo "no inventory at $inventory" >&2; exit 1; }
for program in debootstrap ansible-playbook; do
    command -v "$program" >/dev/null || { echo "$program is missing (apt-get install debootstrap ansible)" >&2; exit 1; }
done
inventory=$(cd "$(dirname "$inventory")" && pwd)/$(basename "$inventory")
root=${root:-/var/tmp/kiosk-image/$host}
mkdir -p "$cache" "$root"
root=$(cd "$root" && pwd)

mounted=""
cleanup() {
    for point in $mounted; do umount -l "$point" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
bind() {  # bind SOURCE TARGET
    mkdir -p "$2"
    mount --bind "$1" "$2"
    mounted="$2 $mounted"
}

if [ ! -x "$root/usr/bin/python3" ]; then
    echo "== debootstrap: Debian 12 (bookworm) into $root"
    debootstrap --variant=minbase --cache-dir="$cache" \
        --include=systemd,systemd-sysv,dbus,udev,python3,python3-apt,ca-certificates,locales,kmod,iproute2 \
        bookworm "$root" "$mirror"
fi

echo "== preparing the root for provisioning"
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# Packages installed into the root must not start services on the build machine.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
echo "$host" > "$root/etc/hostname"
if [ -n "$trust" ] && [ -n "$(ls /usr/local/share/ca-certificates/ 2>/dev/null)" ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/* "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
fi
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
bind /dev/pts "$root/dev/pts"
bind "$cache" "$root/var/cache/apt/archives"

echo "== provisioning $host through the chroot"
# The host reached through the chroot: a second inventory source overriding the first.
image_inventory=$(mktemp --suffix=.yml)
trap 'cleanup; rm -f "$image_inventory"' EXIT INT TERM
printf 'all:\n  hosts:\n    "%s":\n      ansible_host: "%s"\n      ansible_connection: community.general.chroot\n' \
    "$host" "$root" > "$image_inventory"
ANSIBLE_NOCOLOR=1 ansible-playbook -i "$inventory" -i "$image_inventory" --limit "$host" "$provisioning/site.yml"

if [ -n "$out" ]; then
    echo "== kernel and boot loader"
    chroot "$root" apt-get install -y -qq --no-install-recommends linux-image-amd64 \
        initramfs-tools e2fsprogs >/dev/null
    rm -f "$root/usr/sbin/policy-rc.d"
    cleanup  # the build machine's /proc, /sys, /dev and apt cache stay out of the image
    mounted=""
    "$here/disk.sh" "$root" "$out" "$size" "$kernel_args"
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
fi
echo "== done: root in $root${out:+, disk image $out}"
