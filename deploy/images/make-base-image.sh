#!/usr/bin/env bash
# make-base-image.sh OUT.tar [--arch ARCH]: the base image of the clonefarm images, made from Debian's packages
# without a container registry and without a Docker engine, as a tarball in the `docker save` format that
# Jib takes as `tar://OUT.tar` (docs/deploy.md, "Container images").
#
# What is in it: a Debian 12 (bookworm) file system made by mmdebstrap (variant essential) with
#   openjdk-17-jre-headless   the JVM (/usr/bin/java on PATH, JAVA_HOME set)
#   mount, e2fsprogs          losetup, mount, umount, mke2fs: the local z/VM simulation's loop devices
#   ca-certificates           the system's trust store
#   s390-tools, udev          on s390x only: vmcp, chccwdev, cio_ignore, udevadm for a worker on z/VM
# and the user clonefarm (uid and gid 10001, the coordinator image's user) owning /var/lib/clonefarm.
# Manual pages, documentation and translations are left out.
#
# Needs root (mmdebstrap's root mode), mmdebstrap and a Debian mirror (apt's sources; nothing else is
# fetched). ARCH is a Debian architecture (amd64 by default; s390x for z/VM: on another host that needs
# qemu-user-static and binfmt-support, or run it on an s390x Linux guest).
set -euo pipefail

usage="usage: make-base-image.sh OUT.tar [--arch ARCH]"
out="${1:?$usage}"
shift
arch="$(dpkg --print-architecture)"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="${2:?$usage}"; shift 2 ;;
        *) echo "make-base-image.sh: unknown argument $1; $usage" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "make-base-image.sh: needs root (mmdebstrap --mode=root)" >&2
    exit 2
fi
command -v mmdebstrap >/dev/null || { echo "make-base-image.sh: mmdebstrap is needed: apt-get install mmdebstrap" >&2; exit 1; }

packages=openjdk-17-jre-headless,mount,e2fsprogs,ca-certificates
if [ "$arch" = s390x ]; then
    packages="$packages,s390-tools,udev"
fi
uid=10001

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/image"

# update-alternatives writes the java.1.gz link even with /usr/share/man left out: the directory must exist.
mmdebstrap --mode=root --variant=essential --architectures="$arch" --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="echo 'clonefarm:x:$uid:$uid:clonefarm:/var/lib/clonefarm:/usr/sbin/nologin' >> \"\$1/etc/passwd\"" \
    --customize-hook="echo 'clonefarm:x:$uid:' >> \"\$1/etc/group\"" \
    --customize-hook="echo 'clonefarm:!*:0:0:99999:7:::' >> \"\$1/etc/shadow\"" \
    --customize-hook="mkdir -p \"\$1/var/lib/clonefarm\" && chown $uid:$uid \"\$1/var/lib/clonefarm\"" \
    --customize-hook='rm -rf "$1/var/cache/apt/archives"/*.deb "$1/var/lib/apt/lists"/*' \
    bookworm "$work/image/layer.tar"

diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
java_home="/usr/lib/jvm/java-17-openjdk-$arch"
cat > "$work/image/config.json" <<EOF
{
  "architecture": "$arch",
  "os": "linux",
  "created": "1970-01-01T00:00:00Z",
  "config": {
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "JAVA_HOME=$java_home",
      "LANG=C.UTF-8"
    ],
    "WorkingDir": "/"
  },
  "rootfs": { "type": "layers", "diff_ids": [ "$diff_id" ] },
  "history": [ { "created": "1970-01-01T00:00:00Z", "created_by": "deploy/images/make-base-image.sh: mmdebstrap bookworm $packages" } ]
}
EOF
cat > "$work/image/manifest.json" <<EOF
[ { "Config": "config.json", "RepoTags": [ "clonefarm/base:bookworm-$arch" ], "Layers": [ "layer.tar" ] } ]
EOF
mkdir -p "$(dirname "$out")"
tar -C "$work/image" -cf "$out.partial" manifest.json config.json layer.tar
mv "$out.partial" "$out"
echo "make-base-image.sh: $out (clonefarm/base:bookworm-$arch, $(du -h "$out" | cut -f1)); build the images with" \
    "./mvnw -B -Pimages -pl cli -am package -DskipTests -Djib.from.image=tar://$(readlink -f "$out")"
