#!/bin/sh
# Write a provisioned root (with a kernel and grub-pc-bin inside) to a bootable disk image:
# MBR, one ext4 partition from 1 MiB, GRUB in the MBR gap, the kernel booting that root.
#   provisioning/image/disk.sh ROOT OUT.img SIZE [KERNEL ARGUMENTS]
# Works without partition device nodes (containers, build machines without udev): the
# partition is reached through a loop device at its offset, and GRUB's core image carries
# its own prefix and is written in place instead of probing host devices for one.
set -eu
root=$1 out=$2 size=$3 extra=${4:-}
offset=1048576
for program in sfdisk mkfs.ext4 losetup grub-mkimage; do
    command -v "$program" >/dev/null || { echo "$program is missing (apt-get install fdisk e2fsprogs grub-pc-bin)" >&2; exit 1; }
done
kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "no kernel in $root/boot" >&2; exit 1; }
version=${kernel##*/vmlinuz-}
[ -f "$root/boot/initrd.img-$version" ] || { echo "no initrd for $version in $root/boot" >&2; exit 1; }

work=$(mktemp -d)
part=""
cleanup() {
    mountpoint -q "$work/mnt" && umount "$work/mnt"
    [ -n "$part" ] && losetup -d "$part"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

rm -f "$out"
truncate -s "$size" "$out"
echo 'label: dos
start=2048, type=83, bootable' | sfdisk -q "$out"
uuid=$(cat /proc/sys/kernel/random/uuid)
part=$(losetup --find --show --offset "$offset" "$out")
mkfs.ext4 -q -L kiosk-root -U "$uuid" "$part"
mkdir "$work/mnt"
mount "$part" "$work/mnt"
echo "== copying the root"
tar -C "$root" --one-file-system --numeric-owner --xattrs --acls -cf - \
    --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* --exclude=./run/* --exclude=./tmp/* \
    --exclude=./var/cache/apt/archives/*.deb --exclude=./usr/sbin/policy-rc.d . |
    tar -C "$work/mnt" --numeric-owner --xattrs --acls -xf -
printf 'UUID=%s / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs nosuid,nodev,mode=1777 0 0\n' "$uuid" > "$work/mnt/etc/fstab"

echo "== boot loader"
mkdir -p "$work/mnt/boot/grub"
cat > "$work/mnt/boot/grub/grub.cfg" <<GRUB
set timeout=0
set default=0
menuentry "Kiosk" {
    search --no-floppy --fs-uuid --set=root $uuid
    linux /boot/vmlinuz-$version root=UUID=$uuid ro console=ttyS0,115200 console=tty1 $extra
    initrd /boot/initrd.img-$version
}
GRUB
grub=/usr/lib/grub/i386-pc
mkdir -p "$work/mnt/boot/grub/i386-pc"
cp "$grub"/*.mod "$grub"/*.lst "$work/mnt/boot/grub/i386-pc/"
grub-mkimage -O i386-pc -d "$grub" -o "$work/core.img" -p "(hd0,msdos1)/boot/grub" \
    biosdisk part_msdos ext2 search search_fs_uuid linux normal configfile
umount "$work/mnt"
# What grub-bios-setup does, without its probing of host devices: boot.img in the MBR
# (the partition table kept), core.img in the gap from sector 1. Both images' defaults
# already point there (boot.img: core at sector 1; core.img: the rest from sector 2,
# its length filled in by grub-mkimage).
sectors=$(( ($(stat -c %s "$work/core.img") + 511) / 512 ))
[ "$sectors" -lt 2047 ] || { echo "GRUB's core image ($sectors sectors) does not fit before the partition" >&2; exit 1; }
dd if="$grub/boot.img" of="$out" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$out" bs=512 seek=1 conv=notrunc status=none
echo "== disk image: $out ($size, root UUID $uuid, Linux $version)"
