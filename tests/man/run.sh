#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Man page checks (STYLE.md §11):
#   * every man/*.[0-9] passes `mandoc -Tlint` with no output;
#   * every `.Bd -literal` block in the EXAMPLES section of man/ipsecfw.rules.5 is a complete
#     rule file that `ipsecfw check` accepts.
#
# mandoc looks cross-references up only among installed pages, so an `Xr` to one of our own
# pages is "not found" until `make install`. Such a reference counts as resolved when the page
# is in man/; a reference to an ipsecfw page that is not written yet is printed as a note.
# Any other lint output is a failure.
#
# usage: tests/man/run.sh path/to/ipsecfw
# Prints one line per case and a last line "N passed, N failed"; exits 1 on any failure.

if [ $# -ne 1 ]; then
	echo "usage: $0 path/to/ipsecfw" >&2
	exit 2
fi
case $1 in
*/*) bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
*) bin=$1 ;;
esac
cd "$(dirname "$0")/../.." || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipsecfw-man.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=0

ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1"
	failed=$((failed + 1))
}

# Lint output minus references to our own pages; notes for ipsecfw pages not written yet.
lint_filter() {
	while IFS= read -r line; do
		case $line in
		*"referenced manual not found: Xr "*)
			ref=${line##*: Xr }
			name=${ref%% *}
			sec=${ref#* }
			sec=${sec%% *}
			if [ -f "man/$name.$sec" ]; then
				continue
			fi
			case $name in
			ipsecfw*)
				echo "note: $name($sec) is referenced but man/$name.$sec is not written yet" >&2
				continue
				;;
			esac
			;;
		*"outdated mandoc.db lacks "*" entry, run makewhatis"*)
			# A system page (watch(1), nft(8), ...) that this machine does not have
			# installed: whether it exists depends on the machine, not on our page.
			continue
			;;
		esac
		printf '%s\n' "$line"
	done
}

if ! command -v mandoc >/dev/null 2>&1; then
	fail "mandoc is not installed"
else
	for page in man/*.[0-9]; do
		[ -e "$page" ] || continue
		mandoc -Tlint "$page" 2>&1 | lint_filter >"$tmp/lint"
		if [ -s "$tmp/lint" ]; then
			fail "lint $page"
			cat "$tmp/lint"
		else
			ok "lint $page"
		fi
	done
fi

# Write each literal block of EXAMPLES to $tmp/example-N.rules, roff escapes undone.
awk -v dir="$tmp" '
	/^\.Sh / { inex = ($0 == ".Sh EXAMPLES"); next }
	inex && /^\.Bd -literal/ { n++; f = sprintf("%s/example-%d.rules", dir, n); inbd = 1;
				    printf "" > f; next }
	inbd && /^\.Ed/ { inbd = 0; close(f); next }
	inbd {
		gsub(/\\\(dq/, "\"");
		gsub(/\\&/, "");
		gsub(/\\e/, "\\");
		print >> f
	}
' man/ipsecfw.rules.5

found=0
for ex in "$tmp"/example-*.rules; do
	[ -e "$ex" ] || continue
	found=$((found + 1))
	name="ipsecfw.rules(5) example $(basename "$ex" .rules | sed 's/example-//')"
	if "$bin" check "$ex" >"$tmp/out" 2>"$tmp/err"; then
		ok "$name"
	else
		fail "$name"
		sed "s|$tmp/||" "$tmp/err"
	fi
done
if [ $found -eq 0 ]; then
	fail "no examples found in the EXAMPLES section of man/ipsecfw.rules.5"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
