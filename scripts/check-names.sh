#!/bin/sh
# scripts/check-names.sh [ROOT] - no two functions of the program share a
# name: a static function (file-local) may not be named like a static of
# another file nor like a function another module exports, so that grep
# and tags find one definition for a name. Reads the definitions in lib/
# job/ runner/ runner/train/ render/ and main.c in the project's style
# (the return type on its own line, the name at the start of the next).
#
# Prints each clash on stderr as
#	NAME: defined in FILE:LINE and FILE:LINE
# and exits 1 when there is any; prints nothing and exits 0 otherwise.
# POSIX sh, find, sort and awk only.
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
files=$(find lib job runner render -type f -name '*.c' 2>/dev/null |
	LC_ALL=C sort)
[ -f main.c ] && files="$files main.c"

# $files unquoted: the names are ours, without spaces.
exec awk '
FNR == 1 { prev = "" }
# a definition: the return type alone on the line before, "name(" here,
# and no ";" at the end of the line (a prototype) unless it continues
/^[a-z_][a-z_0-9]*\(/ && prev ~ /^(static )?[A-Za-z_][A-Za-z_0-9 ]*[A-Za-z_0-9*]$/ &&
    prev !~ /^(return|else|if|while|for|do)/ {
	name = $0
	sub(/\(.*/, "", name)
	if (!(name SUBSEP FILENAME in seen)) {
		seen[name, FILENAME] = 1
		n[name]++
		where[name] = where[name] (n[name] > 1 ? " and " : "") \
			FILENAME ":" FNR
	}
}
{ prev = $0 }
END {
	bad = 0
	for (name in n)
		if (n[name] > 1) {
			printf "%s: defined in %s\n", name, where[name] \
				>"/dev/stderr"
			bad = 1
		}
	exit bad
}' $files
