#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything altp2m needs on a Debian bookworm machine: the
# toolchain, the userspace libraries, the emulators the VM tests boot in,
# the build tier's checkers (sparse; abigail-tools' abidw/abidiff for
# libaltp2m's ABI), DKMS and the Debian packaging tools (make deb,
# tools/check-dkms), and the test kernels (fetched into the project's
# cache, never /boot): the default one and those of tools/kernel-matrix.
#
# Usage: tools/deps.sh [--no-kernel]
# Idempotent: packages already installed are not fetched again, and an
# up-to-date apt index (younger than a day) is reused.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

pkgs="build-essential gcc-12 make pkg-config kmod cpio bc flex bison
dkms debhelper dh-dkms lintian fakeroot
libelf-dev libnl-3-dev libnl-genl-3-dev check sparse dwarves debootstrap zstd
bochs bochsbios bochs-term vgabios busybox-static
isolinux syslinux-common xorriso qemu-system-x86 util-linux procps
xz-utils python3-yaml
libssl-dev abigail-tools file
liblzma-dev zlib1g-dev libzstd-dev acpica-tools"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	stamp=/var/lib/apt/periodic/altp2m-update-stamp
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		$SUDO apt-get update -qq
		$SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
else
	echo "deps: all packages present"
fi

if [ "${1:-}" != "--no-kernel" ]; then
	"$top/tools/fetch-kernel.sh" >/dev/null
	grep -v '^#' "$top/tools/kernel-matrix" |
	while read -r name suite _; do
		"$top/tools/fetch-kernel.sh" --suite "$suite" --no-default \
			--link "$name" >/dev/null
	done
	"$top/tools/fetch-checkpatch.sh" >/dev/null
fi
