#!/bin/sh
# Hardens a freshly bootstrapped Debian root file system into a sandbox runtime image.
# Runs as mmdebstrap's last --customize-hook; $1 is the root directory being built.
# Leaves: user sandbox (10001:10001, home /tmp), /input /output /workspace owned by it,
# no package manager, no docs/man/info/translations, no compilers, no setuid/setgid bits.
set -eu

root="${1:?usage: harden.sh ROOTFS_DIR}"
if [ ! -d "$root/etc" ] || [ "$(cd "$root" && pwd -P)" = / ]; then
    echo "harden.sh: '$root' is not a root file system under construction" >&2
    exit 1
fi
cd "$root"

echo "harden: adding user sandbox (10001:10001)"
add_line() { # FILE NAME LINE: append LINE unless an entry NAME exists already
    [ -f "$1" ] || return 0
    grep -q "^$2:" "$1" || printf '%s\n' "$3" >> "$1"
}
add_line etc/group sandbox 'sandbox:x:10001:'
add_line etc/gshadow sandbox 'sandbox:!::'
add_line etc/passwd sandbox 'sandbox:x:10001:10001:sandbox:/tmp:/usr/sbin/nologin'
add_line etc/shadow sandbox 'sandbox:!:19000:0:99999:7:::'

echo "harden: creating /input /output /workspace"
mkdir -p input output workspace
chown 10001:10001 input output workspace
chmod 0755 input output workspace

echo "harden: removing the package manager"
rm -f usr/bin/dpkg usr/bin/dpkg-* usr/sbin/dpkg-* usr/bin/apt usr/bin/apt-* usr/lib/apt -r \
    usr/bin/update-alternatives usr/sbin/update-alternatives \
    usr/bin/debconf usr/bin/debconf-* usr/sbin/dpkg-preconfigure usr/sbin/dpkg-reconfigure
rm -rf var/lib/dpkg var/lib/apt var/cache/apt var/cache/debconf var/lib/ucf \
    etc/apt etc/dpkg usr/share/dpkg usr/lib/dpkg usr/share/debconf usr/share/perl5/Debconf \
    usr/share/lintian usr/share/bug usr/share/menu

echo "harden: removing docs, man pages, info pages and translations"
rm -rf usr/share/man usr/share/info usr/share/groff usr/share/linda
find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
if [ -d usr/share/doc ]; then
    # Copyright files stay: they are the licences of what the image ships.
    find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
fi

echo "harden: removing compilers and build tools"
rm -f usr/bin/cc usr/bin/c++ usr/bin/c89 usr/bin/c99 usr/bin/gcc usr/bin/gcc-* usr/bin/g++ usr/bin/g++-* \
    usr/bin/cpp usr/bin/cpp-* usr/bin/*-linux-gnu-gcc* usr/bin/*-linux-gnu-g++* usr/bin/*-linux-gnu-cpp* \
    usr/bin/as usr/bin/ld usr/bin/ld.* usr/bin/make usr/bin/pip usr/bin/pip3 usr/bin/pip3.* usr/bin/npm usr/bin/npx

echo "harden: clearing caches, logs and host-specific files"
rm -rf var/cache/* var/log/* var/tmp/* tmp/* root/.cache
: > etc/machine-id 2>/dev/null || true
rm -f etc/resolv.conf etc/hostname
ln -sf /proc/mounts etc/mtab

echo "harden: stripping setuid/setgid bits"
find . -xdev -perm /6000 \( -type f -o -type d \) -exec chmod ug-s {} +
if [ -n "$(find . -xdev -perm /6000 -print -quit)" ]; then
    echo "harden.sh: setuid/setgid files remain" >&2
    exit 1
fi
