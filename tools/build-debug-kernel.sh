#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of the bochs-debug tier (KASAN, lockdep, kmemleak,
# UBSAN, DEBUG_LIST, ...) from Debian's linux-source-6.1, the same 6.1
# series as the stock kernel the other tiers boot, and cache it in the
# layout tools/vmtest/vmtest --kernel and the module build take:
#
#   $ALTP2M_CACHE/kernels/debug-<source version>-<config hash>/
#     vmlinuz   the bzImage            build/   KDIR (the O= object tree)
#     root/lib/modules/<release>/      the kernel's own modules (msr, kvm...)
#     src/      the kernel source the object tree refers to
#
# The configuration is Linux's x86_64_defconfig with tools/debug-kernel.config
# merged on top (`make olddefconfig`); the key changes with that file or
# with the source package's version, and a kernel whose key is cached is
# reused as it is. Nothing goes to /boot or /lib/modules.
#
# Usage: tools/build-debug-kernel.sh [--jobs N]
#   --jobs N   make -j (default: the number of CPUs); the build runs
#              under nice -n 10 either way
# Prints the kernel's directory on stdout; progress and the build log's
# tail (on failure) on stderr. The whole log stays in <dir>.log.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ALTP2M_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/altp2m}
pkg=linux-source-6.1
frag=$top/tools/debug-kernel.config
jobs=$(nproc)

while [ $# -gt 0 ]; do
	case $1 in
	--jobs) jobs=$2; shift 2 ;;
	-h|--help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-debug-kernel: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# The version apt would download: the cache key is known without fetching.
candidate() {
	apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p' |
		grep -v '(none)' || true
}
ver=$(candidate)
if [ -z "$ver" ]; then
	$SUDO apt-get update -qq >&2
	ver=$(candidate)
fi
[ -n "$ver" ] || { echo "build-debug-kernel: apt knows no $pkg" >&2; exit 1; }
hash=$(sha256sum "$frag" | cut -c1-12)
dir=$cache/kernels/debug-$ver-$hash

mkdir -p "$cache/kernels"
# One builder per key at a time; a second caller waits and then reuses.
exec 9>"$dir.lock"
flock 9

if [ -e "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

log=$dir.log
t0=$(date +%s)
say() { echo "build-debug-kernel: $* ($(($(date +%s) - t0))s)" >&2; }
fail() {
	echo "build-debug-kernel: $1; the end of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

rm -rf "$dir"
mkdir -p "$dir/deb"
: >"$log"
say "fetching $pkg $ver into $dir"
(cd "$dir/deb" && apt-get download -q "$pkg=$ver" >>"$log" 2>&1) ||
	fail "apt-get download $pkg=$ver failed"
deb=$(ls "$dir"/deb/*.deb)
tarball=$(dpkg-deb -c "$deb" | sed -n 's|.*\(\./usr/src/linux-source-[^/]*\.tar\.xz\)$|\1|p')
[ -n "$tarball" ] || fail "no source tarball in $deb"
mkdir -p "$dir/src"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" | xz -dc |
	tar -x -C "$dir/src" --strip-components=1 || fail "unpacking $deb failed"
rm -rf "$dir/deb"

src=$dir/src obj=$dir/obj
mk() { nice -n 10 make -C "$src" O="$obj" "$@" >>"$log" 2>&1; }
say "configuring (x86_64_defconfig + $(basename "$frag"))"
mkdir -p "$obj"
mk x86_64_defconfig || fail "make x86_64_defconfig failed"
# Later assignments win in Kconfig: the fragment overrides the defconfig.
cat "$frag" >>"$obj/.config"
mk olddefconfig || fail "make olddefconfig failed"
# An option Kconfig dropped (unmet dependency, renamed symbol) would
# silently give a kernel without the check this tier exists for.
bad=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' "$frag" |
	while read -r opt want; do
		got=$(sed -n "s/^$opt=\(.*\)\$/\1/p" "$obj/.config")
		[ -n "$got" ] || got=n
		[ "$got" = "$want" ] || echo "$opt=$got (wanted $want)"
	done)
[ -z "$bad" ] || { printf '%s\n' "$bad" >>"$log"; fail "the configuration lost options: $(echo $bad)"; }

say "building with make -j$jobs under nice (24 CPU-minutes)"
mk -j"$jobs" bzImage modules || fail "the kernel build failed"
mk INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 modules_install ||
	fail "modules_install failed"
krel=$(cat "$obj/include/config/kernel.release")
# Only what an external module build reads stays: the object files of the
# kernel itself are gigabytes nobody needs again (scripts/ and tools/ keep
# theirs: modpost and objtool run from there).
find "$obj" \( -path "$obj/scripts" -o -path "$obj/tools" \) -prune -o \
	-name '*.o' -type f -print0 | xargs -0 rm -f
rm -f "$obj/vmlinux.o"
ln -s obj "$dir/build"
ln -s obj/arch/x86/boot/bzImage "$dir/vmlinuz"
echo "$krel" >"$dir/release"
touch "$dir/.complete"
say "built $krel"
echo "$dir"
