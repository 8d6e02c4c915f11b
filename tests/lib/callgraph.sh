#!/bin/sh
# callgraph.sh: the file-level graph of a set of object files (who calls
# or uses whose global symbols, read with nm), or with -i of source files
# (who includes whom, read from #include "..." lines). One line per file:
# "FILE -> FILE FILE ...", or "FILE -> (leaf)". -v adds the symbols of
# each edge. Exits 1 when the graph has a cycle (found by tsort, whose
# loop is printed), 2 on a usage or nm error. Only POSIX tools, nm and
# tsort.
#
# usage: callgraph.sh [-v] OBJ...       e.g. build/core/ssh-*.o
#        callgraph.sh -i [-v] SOURCE...   e.g. core/ssh*.[ch]
mode=nm
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-i) mode=include; shift ;;
	-v) verbose=1; shift ;;
	--) shift; break ;;
	-*) echo "usage: $0 [-i] [-v] FILE..." >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-i] [-v] FILE..." >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/callgraph.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# node name: the base name; objects lose ".o" and automake's per-target
# prefix (libfoo_a-), so "core/libopsicle_a-ssh-pool.o" is "ssh-pool"
node() {
	_n=$(basename "$1")
	case $mode in nm) _n=${_n%.o}; _n=${_n#*_a-} ;; esac
	printf '%s\n' "$_n"
}

# $tmp/syms: "D FILE SYMBOL" for what FILE defines, "U FILE SYMBOL" for
# what it needs from elsewhere
: >"$tmp/syms"
for f in "$@"; do
	n=$(node "$f")
	echo "N $n -" >>"$tmp/syms"
	if [ $mode = nm ]; then
		nm -P "$f" >"$tmp/nm" 2>"$tmp/err" || {
			cat "$tmp/err" >&2; exit 2; }
		awk -v f="$n" '
		$2 == "U" { print "U", f, $1; next }
		$2 ~ /^[TDRBCGSVW]$/ { print "D", f, $1 }' "$tmp/nm" \
		    >>"$tmp/syms"
	else
		echo "D $n $n" >>"$tmp/syms"
		sed -n 's/^[ 	]*#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' \
		    "$f" | while read -r h; do
			echo "U $n $(basename "$h")"
		done >>"$tmp/syms"
	fi
done

# $tmp/edges: "FROM TO SYMBOL", FROM != TO, TO one of the given files
awk '
$1 == "N" { nodes[$2] = 1; next }
$1 == "D" { def[$3] = $2; next }
$1 == "U" { n++; uf[n] = $2; us[n] = $3 }
END {
	for (i = 1; i <= n; i++)
		if ((us[i] in def) && def[us[i]] != uf[i])
			print uf[i], def[us[i]], us[i]
}' "$tmp/syms" | sort -u >"$tmp/edges"

awk '$1 == "N" { print $2 }' "$tmp/syms" | sort -u >"$tmp/nodes"
while read -r n; do
	to=$(awk -v f="$n" '$1 == f { print $2 }' "$tmp/edges" | sort -u |
	    tr '\n' ' ')
	printf '%s -> %s\n' "$n" "${to:-(leaf)}" | sed 's/ *$//'
	if [ $verbose = 1 ]; then
		awk -v f="$n" '$1 == f { print "\t" $2 ": " $3 }' "$tmp/edges"
	fi
done <"$tmp/nodes"

# a cycle anywhere makes tsort fail and name the loop
{ awk '{ print $1, $2 }' "$tmp/edges"; awk '{ print $1, $1 }' "$tmp/nodes"; } |
    tsort >/dev/null 2>"$tmp/loop"
if [ -s "$tmp/loop" ]; then
	# the first loop tsort names (it reports one per edge it breaks)
	echo "CYCLE:" $(awk '/input contains a loop/ { if (seen++) exit;
	    next } { sub(/^tsort: /, ""); print }' "$tmp/loop")
	exit 1
fi
echo "no cycle among $(wc -l <"$tmp/nodes" | tr -d ' ') files"
exit 0
