#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the kernel's checkpatch.pl (with the data files it reads) from
# Debian's linux-source package into $ALTP2M_CACHE/checkpatch/, so kernel
# style is checked by the same script the kernel uses. Prints its path.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# Outside the source tree: kbuild's `make clean` for an external module
# deletes every *.ko below M=, the cached kernel's modules included.
cache=${ALTP2M_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/altp2m}
dir=$cache/checkpatch
pkg=${1:-linux-source-6.1}

if [ ! -e "$dir/.complete" ]; then
	echo "fetch-checkpatch: fetching $pkg" >&2
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download -q "$pkg" >&2)
	src=$(dpkg-deb -c "$dir"/deb/*.deb | sed -n 's|.*\(\./usr/src/linux-source-[^/]*\.tar\.xz\)$|\1|p')
	top_dir=$(basename "$src" .tar.xz)
	dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -xO "$src" | xz -dc |
		tar -x -C "$dir" --strip-components=2 \
			"$top_dir/scripts/checkpatch.pl" \
			"$top_dir/scripts/spelling.txt" \
			"$top_dir/scripts/const_structs.checkpatch"
	rm -rf "$dir/deb"
	touch "$dir/.complete"
fi
echo "$dir/checkpatch.pl"
