#!/bin/sh
# Install the Debian packages spoolboard builds against, but only those that
# pkg-config (or, for libcsv, the header) cannot find. Does nothing when all
# are present. Uses sudo when not root.
set -e
missing=""
need() { missing="$missing $1"; }
command -v pkg-config >/dev/null 2>&1 || need pkg-config
command -v cc >/dev/null 2>&1 || need gcc
command -v make >/dev/null 2>&1 || need make
pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
pc libarchive || need libarchive-dev
pc libpcre2-8 || need libpcre2-dev
pc jansson || need libjansson-dev
pc libzstd || need libzstd-dev
[ -f /usr/include/csv.h ] || need libcsv-dev
command -v zstd >/dev/null 2>&1 || need zstd
command -v python3 >/dev/null 2>&1 || need python3
# make fuzz: clang with libFuzzer (libclang-rt) and OpenMP (libomp-dev)
command -v clang >/dev/null 2>&1 || need "clang libclang-rt-dev libomp-dev"
# used by the tests only
command -v rsync >/dev/null 2>&1 || need rsync
command -v tidy >/dev/null 2>&1 || need tidy
# the browser test (t3100) skips itself without chromium, so a failed
# install of it is a warning, not an error
browser=""
command -v chromium >/dev/null 2>&1 ||
	command -v chromium-browser >/dev/null 2>&1 || browser="chromium"
# the Slurm tests (t6NNN) start a private one-node cluster
# (scripts/slurm-local.sh) and skip themselves without Slurm, so a failed
# install of it is a warning too; the daemons are in /usr/sbin, which a
# user's PATH may lack
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
slurm=""
have slurmctld && have slurmd && have sbatch || slurm=" slurm-wlm"
have munged || slurm="$slurm munge"
[ -z "$missing$browser$slurm" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "spoolboard: installing missing packages:$missing" >&2
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing
fi
# an optional install: a failure is a warning naming the tests it skips
updated="$missing"
optional() { # packages, what they are for
	[ -n "$1" ] || return 0
	echo "spoolboard: installing $1 for $2" >&2
	# shellcheck disable=SC2086
	{ [ -n "$updated" ] || $sudo apt-get update -qq; } && updated=1 &&
	$sudo apt-get install -y -qq --no-install-recommends $1 ||
	echo "spoolboard: warning: could not install $1;" \
		"$2 will be skipped" >&2
}
optional "$browser" "the browser tests"
optional "${slurm# }" "the Slurm tests"
