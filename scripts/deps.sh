#!/bin/sh
# Install the Debian packages spoolboard builds against, but only those that
# pkg-config (or, for libcsv, the header) cannot find. Does nothing when all
# are present. Uses sudo when not root. With --bench (make bench), also
# what the benchmarks compare against, when missing: hugo (bench-render's
# reference) and python3-torch (bench-train's); a failed install of them
# is a warning, and the bench prints no reference then.
set -e
bench=""
[ "${1:-}" = "--bench" ] && bench=1
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
refs=""
if [ -n "$bench" ]; then
	command -v hugo >/dev/null 2>&1 || refs="hugo"
	py=python3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	$py -c 'import torch' 2>/dev/null || refs="$refs python3-torch"
fi
[ -z "$missing$browser$slurm$refs" ] && exit 0

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
optional "${refs# }" "the benchmarks' references (Hugo, PyTorch)"
