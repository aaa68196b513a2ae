#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a Debian kernel image and its matching kbuild tree into the
# project's cache with apt-get download + dpkg-deb -x. The host's /boot and
# /lib/modules are never touched, and several kernels sit side by side:
#
# ALTP2M_CACHE defaults to ${XDG_CACHE_HOME:-~/.cache}/altp2m.
#
#   $ALTP2M_CACHE/kernels/<release>/vmlinuz      the bootable image
#   $ALTP2M_CACHE/kernels/<release>/build        KDIR for out-of-tree modules
#   $ALTP2M_CACHE/kernels/<release>/root/        everything the packages hold
#   $ALTP2M_CACHE/kernels/default -> <release>   what `make` and the VM tests use
#   $ALTP2M_CACHE/kernels/<release>/toolchain    see below
#
# Usage: tools/fetch-kernel.sh [--suite SUITE] [--no-default] [--link NAME] [META]
#   META   kernel metapackage (default linux-image-amd64)
#   SUITE  Debian suite to take it from (default: the host's apt sources;
#          e.g. bookworm-backports, trixie, sid use a private apt state
#          under the cache so the host's sources stay as they are)
#   NAME   also point kernels/NAME at it (tools/check's matrix names)
# Prints the kernel release on stdout.
#
# Kbuild must run with the gcc that built the kernel (its configuration
# holds that gcc's flags). When the host lacks it (sid's kernels need a
# newer gcc than bookworm's), a minimal root of SUITE with that gcc, pahole
# and sparse is bootstrapped once into $ALTP2M_CACHE/toolchains/ (about
# 600 MB) and linked as <release>/toolchain; tools/kmake builds in it.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# Outside the source tree: kbuild's `make clean` for an external module
# deletes every *.ko below M=, the cached kernel's modules included.
cache=${ALTP2M_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/altp2m}
meta=linux-image-amd64
suite=
set_default=1
link=

while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=$2; shift 2 ;;
	--no-default) set_default=; shift ;;
	--link) link=$2; shift 2 ;;
	-h|--help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) meta=$1; shift ;;
	esac
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

mkdir -p "$cache/kernels"
apt_opts=
if [ -n "$suite" ]; then
	# A private apt state: the suite's index lives in the cache only.
	st=$cache/apt-$suite
	mkdir -p "$st/lists/partial" "$st/archives/partial"
	echo "deb http://deb.debian.org/debian $suite main" >"$st/sources.list"
	apt_opts="-o Dir::Etc::SourceList=$st/sources.list
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$st/lists
		-o Dir::Cache::Archives=$st/archives"
	# shellcheck disable=SC2086
	[ -n "$(find "$st/lists" -name '*Packages*' -mmin -1440 2>/dev/null)" ] ||
		apt-get $apt_opts update -qq >&2
fi

# shellcheck disable=SC2086
resolve() { apt-cache $apt_opts depends "$1" 2>/dev/null |
	sed -n "s/^  Depends: \($2[^ ]*\)$/\1/p" | head -n1; }

img=$(resolve "$meta" linux-image-)
if [ -z "$img" ] && [ -z "$suite" ]; then
	$SUDO apt-get update -qq >&2
	img=$(resolve "$meta" linux-image-)
fi
[ -n "$img" ] || { echo "fetch-kernel: cannot resolve $meta" >&2; exit 1; }
krel=${img#linux-image-}
krel=${krel%-unsigned}
dir=$cache/kernels/$krel

if [ ! -e "$dir/.complete" ]; then
	echo "fetch-kernel: fetching $krel" >&2
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	hdr=linux-headers-$krel
	common=$(resolve "$hdr" linux-headers-)
	kbuild=$(resolve "$hdr" linux-kbuild-)
	[ -n "$common" ] && [ -n "$kbuild" ] ||
		{ echo "fetch-kernel: cannot resolve headers of $krel" >&2; exit 1; }
	# Since 7.x the image package is empty and depends on the kernel
	# (linux-binary-*) and its modules (linux-modules-*).
	split="$(resolve "$img" linux-binary-) $(resolve "$img" linux-modules-)"
	# shellcheck disable=SC2086
	(cd "$dir/debs" && apt-get $apt_opts download -q \
		"$img" "$hdr" "$common" "$kbuild" $split >&2)
	for deb in "$dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dir/debs"
	b=$dir/root/usr/src/$hdr
	# The arch tree includes the common tree by absolute path: point it
	# into the cache instead of the host's /usr/src.
	sed -i -e "s|^include /usr/src/|include $dir/root/usr/src/|" \
		-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$dir/root/usr/src/|" \
		"$b/Makefile"
	ln -s "root/usr/src/$hdr" "$dir/build"
	# Newer kernels ship compressed modules; the test VM's busybox
	# insmod wants them plain, as 6.1 ships them.
	find "$dir/root" -name '*.ko.xz' -exec xz -d {} +
	find "$dir/root" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	# Merged /usr: 7.x packages ship only usr/lib/modules (the image in
	# there too); /lib is usr/lib as on an installed system.
	[ -e "$dir/root/lib" ] || ln -s usr/lib "$dir/root/lib"
	if [ -e "$dir/root/boot/vmlinuz-$krel" ]; then
		ln -s "root/boot/vmlinuz-$krel" "$dir/vmlinuz"
	else
		ln -s "root/usr/lib/modules/$krel/vmlinuz" "$dir/vmlinuz"
	fi
	touch "$dir/.complete"
fi

# The compiler kbuild will call, e.g. x86_64-linux-gnu-gcc-16.
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ ]*\) .*/\1/p' \
	"$dir/build/include/config/auto.conf")
if [ -n "$cc" ] && ! command -v "$cc" >/dev/null && [ ! -e "$dir/toolchain" ]; then
	gccpkg=${cc#x86_64-linux-gnu-}
	tsuite=${suite:-$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)}
	tc=$cache/toolchains/$tsuite-$gccpkg
	if [ ! -e "$tc/.complete" ]; then
		echo "fetch-kernel: $cc is not here: bootstrapping $tsuite's into $tc" >&2
		command -v debootstrap >/dev/null ||
			{ echo "fetch-kernel: needs debootstrap (tools/deps.sh)" >&2; exit 1; }
		rm -rf "$tc"
		mkdir -p "$cache/toolchains"
		$SUDO debootstrap --variant=minbase \
			--include="$gccpkg,make,dwarves,sparse,libc6-dev" \
			"$tsuite" "$tc" http://deb.debian.org/debian >&2
		touch "$tc/.complete"
	fi
	ln -sfn "$tc" "$dir/toolchain"
fi

[ -z "$link" ] || ln -sfn "$krel" "$cache/kernels/$link"
if [ -n "$set_default" ]; then
	ln -sfn "$krel" "$cache/kernels/default"
fi
echo "$krel"
