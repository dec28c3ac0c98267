#!/bin/sh
# scripts/slurm-local.sh - a private one-node Slurm cluster for the tests:
# munged, slurmctld and slurmd on this machine, every file of theirs under
# one folder, so that a test can start its own cluster in its throwaway
# directory and stop it again, and two clusters (or a system Slurm and
# munge) never meet.
#
#	sh scripts/slurm-local.sh start DIR	start it (or see that it runs)
#	sh scripts/slurm-local.sh stop DIR	cancel its jobs, stop it
#	sh scripts/slurm-local.sh status DIR	one line per daemon, and the node
#	eval "$(sh scripts/slurm-local.sh env DIR)"	point sbatch & co at it
#	sh scripts/slurm-local.sh procs DIR	its processes: "PID NAME" a line
#
# DIR holds slurm.conf, munge.key, munge.sock, state/ (slurmctld's
# StateSaveLocation), spool/ (SlurmdSpoolDir) and each daemon's .pid and
# .log. The Slurm commands find the cluster through SLURM_CONF (`env`
# prints it); munge through AuthInfo=socket= in slurm.conf. Nothing
# outside DIR is written: no /etc/slurm, no /etc/munge, no /run/munge.
# What cannot be private: the two TCP ports (free ones are picked at each
# start and written into slurm.conf), and the daemons run as root. munged
# runs with --force because it refuses a socket in a folder that not
# everyone can reach (a test's mktemp -d folder is mode 700); only root
# needs to reach it here.
#
# The node is this host, named `hostname -s` at 127.0.0.1, with partition
# `debug`. SLURM_LOCAL_CPUS=N gives it N CPUs whatever the machine has
# (config_overrides), so that tests can run N jobs side by side on a small
# machine; SLURM_LOCAL_MEM=MB its memory (default 80% of MemTotal).
# Memory is consumable (CR_Core_Memory): a job without --mem gets
# memory/CPUs, one asking for more than the node has is refused by sbatch,
# and one that uses more than its --mem is killed (jobacct_gather/linux
# with OverMemoryKill, polled every second; task/none, no cgroups). Made
# for quick tests: SlurmdTimeout=5 and MessageTimeout=5 (a stopped slurmd
# makes the node NOT_RESPONDING in about 10 s, DOWN in about 20 s),
# cred_expire=10 (how long a requeued job waits before it starts again),
# KillWait=5 (SIGTERM to SIGKILL), the scheduler every second, and
# MinJobAge=3600 (there is no accounting: a finished job is known to
# squeue and scontrol for an hour).
#
# `start` runs twice harmlessly, and after a crash: stale pid files are
# ignored (a pid counts only while its process is this cluster's), and
# state/ is kept, so slurmctld comes back with its jobs as last saved and
# slurmd with the job steps that outlived it. It waits (SLURM_LOCAL_WAIT,
# default 30 s) until sinfo says the node is up; on failure it prints the
# logs' tails. `stop` cancels the jobs, stops slurmd, slurmctld and munged
# by their pid files, kills what is left (a slurmstepd outlives its slurmd,
# and so does its job; a crashed slurmctld leaves its slurmscriptd) and
# waits until each is gone. A process is the cluster's when it runs with
# SLURM_CONF=DIR/slurm.conf and is one of the daemons, or is a job (see
# ours() below), or was started by one of those.
#
# Exit status: 0 done (status: all up), 1 failed (status: something is
# down), 2 usage, 77 Slurm cannot run here (not root, or slurm-wlm or
# munge not installed; scripts/deps.sh installs them): a test skips.
set -u
PATH=$PATH:/usr/sbin:/sbin
me=slurm-local

die() { echo "$me: $*" >&2; exit 1; }
usage() { echo "usage: $me start|stop|status|env|procs DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd=$1
case $2 in
/*) dir=$2 ;;
*) dir=$(pwd)/$2 ;;
esac
conf=$dir/slurm.conf

# can_run: 77 with the reason when this machine cannot run the cluster
can_run() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$me: cannot start Slurm: slurmd must run as root" \
			"(it starts jobs as their users)" >&2
		exit 77
	fi
	for _p in munged mungekey slurmctld slurmd sbatch squeue sinfo \
		scontrol scancel; do
		command -v $_p >/dev/null 2>&1 && continue
		echo "$me: cannot start Slurm: $_p not found" \
			"(apt-get install slurm-wlm munge, or sh scripts/deps.sh)" >&2
		exit 77
	done
}

# live NAME: the pid in DIR/NAME.pid when that process still runs and is
# this cluster's; else fails (a pid file left by a crash may name another
# process by now)
live() {
	[ -f "$dir/$1.pid" ] || return 1
	_pid=$(cat "$dir/$1.pid" 2>/dev/null)
	case $_pid in '' | *[!0-9]*) return 1 ;; esac
	ours "$_pid" || return 1
	echo "$_pid"
}

# ours PID: the process is one of this cluster's. Its daemons (and
# slurmctld's slurmscriptd, and each job's slurmstepd, which keep only
# SLURM_CONF of their environment) run with SLURM_CONF=DIR/slurm.conf;
# so do its jobs (sbatch passes on the environment, and they have
# SLURM_JOB_ID), but not the shell that typed sbatch.
ours() {
	zombie "$1" && return 1
	_comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
	{ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null |
		awk -v conf="SLURM_CONF=$conf" -v comm="$_comm" '
		$0 == conf { ours = 1 }
		/^SLURM_JOB_ID=/ { job = 1 }
		END {
			daemon = comm ~ /^(munged|slurmctld|slurmscriptd|slurmd|slurmstepd)$/
			exit !(ours && (daemon || job))
		}'
}

# procs: this cluster's processes, and all that they started, one
# "PID NAME" a line
procs() {
	_roots=""
	# one grep over every environment first: reading each is slow
	# shellcheck disable=SC2013
	for _e in $(grep -lzxF "SLURM_CONF=$conf" /proc/[0-9]*/environ \
		2>/dev/null); do
		_p=${_e#/proc/}
		_p=${_p%/environ}
		ours "$_p" && _roots="$_roots $_p"
	done
	[ -n "$_roots" ] || return 0
	ps -e -o pid= -o ppid= -o stat= -o comm= | awk -v roots="$_roots" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) s[r[i]] = 1 }
		$3 !~ /^Z/ { parent[$1] = $2; name[$1] = $4 }
		END {
			do {
				more = 0
				for (p in parent)
					if (!(p in s) && (parent[p] in s)) { s[p] = 1; more = 1 }
			} while (more)
			for (p in s) if (p in parent) print p, name[p]
		}'
}

# zombie PID: the process has ended, and no one has reaped it yet
zombie() {
	grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# free_port: a TCP port no one listens on now
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# write_conf: slurm.conf for this host, with two free ports
write_conf() {
	_host=$(hostname -s)
	_ncpu=$(getconf _NPROCESSORS_ONLN)
	_cpus=${SLURM_LOCAL_CPUS:-$_ncpu}
	_mem=${SLURM_LOCAL_MEM:-$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' \
		/proc/meminfo)}
	_ctld=$(free_port) && _slurmd=$(free_port) || return 1
	while [ "$_slurmd" = "$_ctld" ]; do _slurmd=$(free_port); done
	_over=""
	[ "$_cpus" = "$_ncpu" ] || _over="SlurmdParameters=config_overrides"
	cat >"$conf.tmp" <<EOF || return 1
# written by scripts/slurm-local.sh start; rewritten at each start
ClusterName=spoolboard
SlurmctldHost=$_host(127.0.0.1)
SlurmctldPort=$_ctld
SlurmdPort=$_slurmd
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((_mem / _cpus))
MpiDefault=none
ReturnToService=2
SlurmdTimeout=5
MessageTimeout=5
MinJobAge=3600
KillWait=5
SchedulerParameters=sched_interval=1,bf_interval=1
$_over
NodeName=$_host NodeAddr=127.0.0.1 CPUs=$_cpus RealMemory=$_mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
	mv "$conf.tmp" "$conf"
}

# tails: the end of each log, for a start that failed
tails() {
	for _l in munged slurmctld slurmd; do
		[ -f "$dir/$_l.log" ] || continue
		echo "--- $dir/$_l.log" >&2
		tail -n 15 "$dir/$_l.log" >&2
	done
}

# node_state: the node's state as sinfo has it (idle, alloc, down*, ...)
node_state() {
	SLURM_CONF=$conf sinfo -h -o %t 2>/dev/null | head -n 1
}

# wait_gone PID...: wait up to 10 s for each to end, then SIGKILL
wait_gone() {
	for _p in "$@"; do
		_n=100
		while kill -0 "$_p" 2>/dev/null && [ $_n -gt 0 ]; do
			zombie "$_p" && break
			sleep 0.1
			_n=$((_n - 1))
		done
		[ $_n -gt 0 ] || kill -KILL "$_p" 2>/dev/null
	done
}

# steps_left: whether a job step of this cluster still runs
steps_left() {
	procs | awk '$2 == "slurmstepd" { found = 1 } END { exit !found }'
}

start() {
	can_run
	mkdir -p "$dir/state" "$dir/spool" || die "cannot make '$dir'"
	# the daemons know the cluster by it, and so does ours()
	export SLURM_CONF="$conf"
	if ! live munged >/dev/null; then
		rm -f "$dir/munged.pid" "$dir/munge.sock" "$dir/munge.sock.lock"
		if [ ! -s "$dir/munge.key" ]; then
			mungekey -c -k "$dir/munge.key" ||
				die "cannot make '$dir/munge.key'"
		fi
		munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" \
			--pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
			--seed-file="$dir/munged.seed" || { tails; die "munged failed"; }
	fi
	_c=$(live slurmctld) || _c=""
	_d=$(live slurmd) || _d=""
	if [ -z "$_c" ] && [ -z "$_d" ]; then
		# ports are only chosen while no daemon uses the old ones
		write_conf || die "cannot write '$conf'"
	elif [ -z "$_c" ] || [ -z "$_d" ]; then
		# one of them is gone: it comes back on the same ports
		[ -f "$conf" ] || die "'$conf' is missing"
	fi
	if [ -z "$_c" ]; then
		rm -f "$dir/slurmctld.pid"
		slurmctld -f "$conf" || { tails; die "slurmctld failed"; }
	fi
	if [ -z "$_d" ]; then
		rm -f "$dir/slurmd.pid"
		slurmd -f "$conf" || { tails; die "slurmd failed"; }
	fi
	_n=$(( ${SLURM_LOCAL_WAIT:-30} * 10 ))
	while :; do
		case $(node_state) in
		idle | alloc | mix | comp) break ;;
		esac
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			echo "$me: the node is not up after ${SLURM_LOCAL_WAIT:-30} s" \
				"(sinfo: $(node_state))" >&2
			tails
			exit 1
		fi
		sleep 0.1
	done
	echo "$me: up: SLURM_CONF=$conf"
}

stop() {
	# the jobs first, while slurmctld and slurmd can still end them
	if live slurmctld >/dev/null && live slurmd >/dev/null; then
		SLURM_CONF=$conf scancel --user=root --quiet 2>/dev/null
		_n=100
		while steps_left && [ $_n -gt 0 ]; do
			sleep 0.1
			_n=$((_n - 1))
		done
	fi
	_pids=""
	for _d in slurmd slurmctld munged; do
		_p=$(live $_d) || continue
		kill -TERM "$_p" 2>/dev/null
		_pids="$_pids $_p"
	done
	# shellcheck disable=SC2086
	wait_gone $_pids
	# a slurmstepd outlives its slurmd, and so does its job; a crashed
	# slurmctld leaves its slurmscriptd
	_left=$(procs | cut -d " " -f 1)
	if [ -n "$_left" ]; then
		# shellcheck disable=SC2086
		kill -KILL $_left 2>/dev/null
		# shellcheck disable=SC2086
		wait_gone $_left
	fi
	rm -f "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"
	echo "$me: stopped"
}

status() {
	_rc=0
	for _d in munged slurmctld slurmd; do
		if _p=$(live $_d); then
			echo "$_d: up (pid $_p)"
		else
			echo "$_d: down"
			_rc=1
		fi
	done
	_s=$(node_state)
	echo "node: ${_s:-unknown}"
	case $_s in idle | alloc | mix | comp) ;; *) _rc=1 ;; esac
	return $_rc
}

case $cmd in
start) start ;;
stop) stop ;;
status) status ;;
procs) procs ;;
env)
	printf "SLURM_CONF='%s'; export SLURM_CONF\n" "$conf"
	;;
*) usage ;;
esac
