#!/usr/bin/env bash
# Installs what the tests and generators need on a Debian machine.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail

packages=(
	libseccomp-dev      # cross-checks and benchmarks against libseccomp (build tag libseccomp)
	pkg-config          # cgo finds libseccomp through it
	gcc                 # cgo
	protobuf-compiler   # regenerating sandbox/nsjailcfg from its .proto
	bubblewrap          # launch-latency baseline in make bench
	uidmap              # newuidmap/newgidmap for the sandbox's id-map tests
	iproute2            # network namespace checks
	python3             # the corpus policies are tested on real workloads
	xz-utils            # the syscall table generator reads the kernel source tarball
)
if [ "${WITH_KERNEL_SOURCE:-0}" = 1 ]; then
	# Inputs of the syscall table generator; the tables name the version
	# they were made from, and the up-to-date check skips another one.
	packages+=(linux-source-6.12)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
