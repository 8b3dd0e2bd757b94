#!/usr/bin/env bash
# build-bootable-root.sh OUT PACKAGES RO_ROOT_SCRIPT: the Debian 12 system of the bootable demo master
# (clonefarm master create-demo --bootable; docs/guests.md), made by mmdebstrap in root mode from this
# machine's configured apt sources (/etc/apt/sources.list and /etc/apt/sources.list.d: a proxy or mirror
# comes from there, no host name is written here). OUT must not exist; it is made with three trees:
#   OUT/root   the root file system (0200) with empty /var and /usr mount points
#   OUT/var    /var (0202)
#   OUT/usr    /usr (0203, linked read-only by the clones)
# Besides the packages it adds: /usr/local/sbin/vmcp, a stand-in of s390-tools' vmcp that answers CP's
# QUERY USERID from the SMBIOS serial number QEMU gives the guest (QemuGuestRuntime); the agent's state
# directories on /var; no timers that update or scrub (apt-daily, dpkg-db-backup, e2scrub_all, fstrim):
# the clones' software is updated on the master, whose /usr they link again; and ctrl-alt-del.target as
# poweroff.target, so CP's SIGNAL SHUTDOWN (Ctrl-Alt-Del on QEMU's keyboard) powers the guest off cleanly.
# PACKAGES: comma-separated, added to the minbase variant. Run by BootableMaster (cli), which caches OUT
# under ~/.cache/clonefarm keyed by a digest of the package list and of this script's text.
set -euo pipefail

out="${1:?usage: build-bootable-root.sh OUT PACKAGES RO_ROOT_SCRIPT}"
packages="${2:?usage: build-bootable-root.sh OUT PACKAGES RO_ROOT_SCRIPT}"
ro_root_script="${3:?usage: build-bootable-root.sh OUT PACKAGES RO_ROOT_SCRIPT}"
[ -f "$ro_root_script" ] || { echo "build-bootable-root.sh: $ro_root_script does not exist" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-bootable-root.sh: needs root (mmdebstrap --mode=root)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "build-bootable-root.sh: mmdebstrap is needed: apt-get install mmdebstrap" >&2; exit 2; }
[ ! -e "$out" ] || { echo "build-bootable-root.sh: $out exists" >&2; exit 2; }

# the machine's sources, each file as mmdebstrap takes it (one-line or deb822)
sources=()
[ -s /etc/apt/sources.list ] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list && sources+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { echo "build-bootable-root.sh: no apt sources configured in /etc/apt" >&2; exit 2; }

mkdir -p "$out"
tree="$out/build"

# The initramfs holds only what a clone's boot needs (virtio disks, ext4): smaller and faster to load than
# MODULES=most; and RO_ROOT_SCRIPT, the guest agent's initramfs-tools script of the RO root
# (clonefarm-ro-root.initramfs). Both written before the kernel is installed, so update-initramfs runs once.
mmdebstrap --mode=root --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"' \
    --essential-hook='printf "MODULES=list\nRESUME=none\nCOMPRESS=gzip\n" > "$1/etc/initramfs-tools/conf.d/clonefarm"' \
    --essential-hook='mkdir -p "$1/etc/initramfs-tools/scripts/local-bottom"' \
    --essential-hook="install -m 755 '$ro_root_script' \"\$1/etc/initramfs-tools/scripts/local-bottom/clonefarm-ro-root\"" \
    --essential-hook='printf "#!/bin/sh\n# clonefarm: the modules a clone needs before its root is mounted\n[ \"\$1\" = prereqs ] && exit 0\n. /usr/share/initramfs-tools/hook-functions\nmanual_add_modules virtio_pci virtio_blk ext4\n" > "$1/etc/initramfs-tools/hooks/clonefarm-disks" && chmod 755 "$1/etc/initramfs-tools/hooks/clonefarm-disks"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
    bookworm "$tree" "${sources[@]}"

# vmcp: on z/VM the real one (s390-tools) asks CP; here the hypervisor's answer is the SMBIOS serial number
mkdir -p "$tree/usr/local/sbin"
cat > "$tree/usr/local/sbin/vmcp" <<'VMCP'
#!/bin/sh
# clonefarm: stand-in of s390-tools' vmcp for a guest under QEMU (x86). Answers only CP's QUERY USERID,
# with the SMBIOS system serial number and family that clonefarm's QEMU guest runtime sets to the
# guest's userid and the system's name (-smbios type=1,serial=USERID,family=SYSTEM).
words="$(echo "$*" | tr '[:lower:]' '[:upper:]')"
case "$words" in
    "Q USERID"|"QUERY USERID")
        userid="$(cat /sys/class/dmi/id/product_serial 2>/dev/null)"
        system="$(cat /sys/class/dmi/id/product_family 2>/dev/null)"
        if [ -z "$userid" ]; then
            echo "Error: no userid from the hypervisor (SMBIOS serial number empty)" >&2
            exit 1
        fi
        echo "$userid AT ${system:-QEMU}"
        ;;
    *)
        echo "Error: this vmcp stand-in answers only QUERY USERID, not '$*'" >&2
        exit 1
        ;;
esac
VMCP
chmod 755 "$tree/usr/local/sbin/vmcp"
mkdir -p "$tree/var/lib/clonefarm" "$tree/var/local/etc"
for timer in apt-daily apt-daily-upgrade dpkg-db-backup e2scrub_all fstrim; do
    rm -f "$tree/etc/systemd/system/timers.target.wants/$timer.timer"
done
# SIGNAL SHUTDOWN: Linux on z/VM gets it as a signal-quiesce event and the kernel calls ctrl_alt_del(), so
# systemd starts ctrl-alt-del.target; as z/VM distributions advise, that target powers off (not reboot).
# QemuGuestRuntime signals it with the Ctrl-Alt-Del keys, which reach the same kernel call.
ln -sf /usr/lib/systemd/system/poweroff.target "$tree/etc/systemd/system/ctrl-alt-del.target"

# split: /var and /usr become trees of their own; the root keeps them as empty mount points
mv "$tree" "$out/root"
mv "$out/root/var" "$out/var"
mv "$out/root/usr" "$out/usr"
mkdir "$out/root/var" "$out/root/usr"
chmod 755 "$out/root/var" "$out/root/usr"
