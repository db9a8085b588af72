#!/bin/sh
# Install fragsim's missing Debian build dependencies. As root: apt-get
# installs them. Otherwise: print the exact command and fail.
pkgs="gcc make pkg-config libyaml-dev libjansson-dev libcriterion-dev zlib1g-dev libzstd-dev libtracecmd-dev libtracefs-dev libtraceevent-dev zstd gzip"
# Optional tools: fragsim plot renders through gnuplot, and the test suite
# runs a batch's job list through GNU parallel. Installed as root like the
# rest; without them the build and tests work (plots and that test skipped).
optional="gnuplot-nox parallel"
missing=""
missing_opt=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	for p in $optional; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing_opt="$missing_opt $p"
	done
else
	# not Debian: trust pkg-config
	pkg-config --exists yaml-0.1 jansson criterion zlib libzstd libtracecmd 2>/dev/null && exit 0
	echo "fragsim: cannot find libyaml, jansson, criterion, zlib, libzstd and libtracecmd with pkg-config; install them" >&2
	exit 1
fi
[ -z "$missing$missing_opt" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$missing" ]; then
		echo "fragsim: installing missing build dependencies:$missing" >&2
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2 || exit 1
	fi
	if [ -n "$missing_opt" ]; then
		echo "fragsim: installing optional tools (plots, parallel test):$missing_opt" >&2
		{ [ -n "$missing" ] || apt-get update -qq; } &&
			apt-get install -y -qq --no-install-recommends $missing_opt >&2 ||
			echo "fragsim: warning: could not install$missing_opt; fragsim plot and the GNU parallel test will be skipped" >&2
	fi
	exit 0
fi
if [ -n "$missing_opt" ]; then
	echo "fragsim: optional tools missing:$missing_opt (fragsim plot needs gnuplot; install with: sudo apt-get install -y$missing_opt)" >&2
fi
if [ -n "$missing" ]; then
	echo "fragsim: missing build dependencies:$missing" >&2
	echo "fragsim: install them with:  sudo apt-get install -y$missing$missing_opt" >&2
	exit 1
fi
exit 0
