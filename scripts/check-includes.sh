#!/bin/sh
# scripts/check-includes.sh [ROOT] - check every #include "..." of the
# program's sources (lib/ job/ runner/ runner/train/ render/ main.c) against
# the rules in docs/HACKING.md:
#
# - floors: a folder includes only the floors below it and itself
#	lib/           lib/
#	job/           lib/ job/
#	runner/train/  lib/ job/ runner/train/
#	render/        lib/ job/ render/
#	runner/        lib/ job/ runner/train/ runner/
#	main.c         anything
# - paths: an include names an existing file by its path from the
#   repository root ("job/config.h", never "config.h" or "../job/config.h");
# - no cycles between modules (X.c + X.h): X depends on Y when X.c or X.h
#   includes Y.h, and no chain of these may lead back to X.
#
# Prints each problem on stderr, as
#	FILE:LINE: includes 'X' (FLOOR may not include FLOOR2)
#	cycle: a -> b -> a
#		FILE:LINE: includes 'b.h'	(each include making an arrow)
# and exits 1 when there is any; prints nothing and exits 0 otherwise
# (2: ROOT has no sources).
# ROOT is the repository root (default: the folder above this script).
# POSIX sh, find, sort and awk only.
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
files=$(find lib job runner render -type f -name '*.[ch]' 2>/dev/null |
	LC_ALL=C sort)
[ -f main.c ] && files="$files main.c"
if [ -z "$files" ]; then
	echo "check-includes: no sources under '$root'" >&2
	exit 2
fi

# $files unquoted: the names are ours, without spaces.
exec awk '
# The floor a path belongs to: "lib/", "job/", "runner/train/", "render/",
# "runner/", "main.c", or "" for anything else.
function floor_of(p,    d) {
	if (p == "main.c")
		return "main.c"
	if (p ~ /^runner\/train\//)
		return "runner/train/"
	d = p
	sub(/\/.*/, "/", d)
	if (d == "lib/" || d == "job/" || d == "render/" || d == "runner/")
		return d
	return ""
}

# The folder of p with its slash ("tests/unit/"), "" at the root.
function dir_of(p) {
	if (index(p, "/") == 0)
		return ""
	sub(/[^\/]*$/, "", p)
	return p
}

# p with "." and ".." components resolved; "" when it climbs above the root.
function normalize(p,    n, i, part, out, k) {
	n = split(p, part, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (part[i] == "" || part[i] == ".")
			continue
		if (part[i] == "..") {
			if (k == 0)
				return ""
			k--
			continue
		}
		out[++k] = part[i]
	}
	p = ""
	for (i = 1; i <= k; i++)
		p = p (i > 1 ? "/" : "") out[i]
	return p
}

# Is p a regular file (from the root)? The sources given as arguments
# are; anything else is asked of test(1) (getline would abort on a folder).
function exists(p) {
	if (p == "" || index(p, "\047") > 0)
		return 0
	if (!(p in present))
		present[p] = (system("test -f \047" p "\047") == 0)
	return present[p]
}

function problem(msg) {
	print msg
	problems++
}

# The module of a source or header: its path without .c or .h.
function module_of(p) {
	sub(/\.[ch]$/, "", p)
	return p
}

function check(file, line, inc,    where, guess, f, t) {
	where = file ":" line ": includes \047" inc "\047"
	if (inc != normalize(inc) || index(inc, "/") == 0 && !exists(inc)) {
		guess = normalize(inc)
		if (guess == inc || !exists(guess))
			guess = normalize(dir_of(file) inc)
		if (exists(guess))
			problem(where " (not a path from the repository" \
			    " root: \047" guess "\047)")
		else
			problem(where " (not a path from the repository root)")
		return
	}
	if (!exists(inc)) {
		problem(where " (no such file from the repository root)")
		return
	}
	f = floor_of(file)
	t = floor_of(inc)
	if (t == "")
		t = dir_of(inc) == "" ? "the root" : dir_of(inc)
	if (f != "main.c" && index(allow[f], " " t " ") == 0) {
		problem(where " (" f " may not include " t ")")
		return
	}
	if (inc ~ /\.h$/)
		depend(module_of(file), module_of(inc), where)
}

# Module from depends on module to; why is the include line that says so
# (all of them are kept, to show where a cycle comes from).
function depend(from, to, why) {
	if (from == to)
		return
	if ((from, to) in edge) {
		edge[from, to] = edge[from, to] "\n\t" why
		return
	}
	edge[from, to] = "\t" why
	adj[from] = adj[from] " " to
	if (!(from in color)) {
		color[from] = 0
		nodes[++nnodes] = from
	}
}

# Depth-first search; an edge back into the path on the stack closes a
# cycle, which is kept from its smallest module so the output is stable.
function dfs(u,    nb, n, i, v) {
	color[u] = 1
	stack[++depth] = u
	n = split(adj[u], nb, " ")
	for (i = 1; i <= n; i++) {
		v = nb[i]
		if (color[v] == 1)
			report_cycle(v)
		else if (color[v] == 0)
			dfs(v)
	}
	depth--
	color[u] = 2
}

function report_cycle(v,    j, k, i, s) {
	for (j = depth; stack[j] != v; j--)
		;
	k = j
	for (i = j + 1; i <= depth; i++)
		if (stack[i] < stack[k])
			k = i
	s = "cycle:"
	for (i = k; i <= depth; i++)
		s = s " " stack[i] " ->"
	for (i = j; i < k; i++)
		s = s " " stack[i] " ->"
	cycles[++ncycles] = s " " stack[k]
}

BEGIN {
	allow["lib/"] = " lib/ "
	allow["job/"] = " lib/ job/ "
	allow["runner/train/"] = " lib/ job/ runner/train/ "
	allow["render/"] = " lib/ job/ render/ "
	allow["runner/"] = " lib/ job/ runner/train/ runner/ "
	for (i = 1; i < ARGC; i++)
		present[ARGV[i]] = 1
	problems = 0
}

/^[ \t]*#[ \t]*include[ \t]*"/ {
	s = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", s)
	q = index(s, "\"")
	if (q > 1)
		check(FILENAME, FNR, substr(s, 1, q - 1))
}

# <...> is for system headers: one of ours that way (found through -I.)
# would slip past the rules above
/^[ \t]*#[ \t]*include[ \t]*<(lib|job|runner|render)\// {
	s = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*</, "", s)
	sub(/>.*/, "", s)
	problem(FILENAME ":" FNR ": includes <" s "> (a header of the" \
	    " project: #include \"" s "\", checked like the others)")
}

END {
	for (i = 1; i <= nnodes; i++)
		if (color[nodes[i]] == 0)
			dfs(nodes[i])
	for (i = 2; i <= ncycles; i++)		# insertion sort: a handful
		for (j = i; j > 1 && cycles[j - 1] > cycles[j]; j--) {
			s = cycles[j]
			cycles[j] = cycles[j - 1]
			cycles[j - 1] = s
		}
	for (i = 1; i <= ncycles; i++) {
		problem(cycles[i])
		n = split(substr(cycles[i], 8), m, " -> ")
		for (j = 1; j < n; j++)
			print edge[m[j], m[j + 1]]
	}
	if (problems > 0) {
		print "check-includes: " problems " problem(s);" \
		    " docs/HACKING.md says what may include what"
		exit 1
	}
}
' $files >&2
