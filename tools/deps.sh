#!/bin/sh
# Install fragsim's missing Debian build dependencies. As root: apt-get
# installs them. Otherwise: print the exact command and fail.
pkgs="gcc make pkg-config libyaml-dev libjansson-dev libcriterion-dev zlib1g-dev libzstd-dev zstd gzip"
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
else
	# not Debian: trust pkg-config
	pkg-config --exists yaml-0.1 jansson criterion zlib libzstd 2>/dev/null && exit 0
	echo "fragsim: cannot find libyaml, jansson, criterion, zlib and libzstd with pkg-config; install them" >&2
	exit 1
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "fragsim: installing missing build dependencies:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2 || exit 1
else
	echo "fragsim: missing build dependencies:$missing" >&2
	echo "fragsim: install them with:  sudo apt-get install -y$missing" >&2
	exit 1
fi
