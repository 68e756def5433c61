#!/usr/bin/env bash
# `cfive ls -r` must print byte for byte what `h5ls -r` prints.
#
#   B=build tests/conformance_ls.sh [FILE...]
#
# Files: tests/fixtures/*.h5, tests/fixtures/gen/*.h5 (generated first when
# /usr/bin/python3 has h5py) and the HDF5 1.14.0 test files in
# ../shared/testfiles/hdf5-1.14.0 beside the repository (or
# /work/shared/...). A file counts only where h5ls exits 0 within 20 s.
# A few cases also name an object (h5ls FILE/OBJ vs cfive ls FILE OBJ), a
# missing one included; those compare stdout and exit status.
# tests/ls_known_failures.txt lists case names (a file's base name, or
# "NAME:/OBJ" for object cases) allowed to fail: they print XFAIL.
# Ends with the line "N passed, M failed"; exits non-zero when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
cfive=$B/cfive
PY=/usr/bin/python3
if [ ! -x "$cfive" ]; then
    echo "conformance_ls: $cfive not built" >&2
    exit 2
fi
if ! command -v h5ls >/dev/null; then
    echo "conformance_ls: h5ls not installed (apt-get install hdf5-tools)" >&2
    exit 2
fi

gen=$root/tests/fixtures/gen
if [ -x "$PY" ] && "$PY" -c 'import h5py, tables, netCDF4' 2>/dev/null; then
    (
        command -v flock >/dev/null && flock 9
        if [ ! -f "$gen/.stamp" ] || [ "$root/tests/gen_fixtures.py" -nt "$gen/.stamp" ]; then
            rm -rf "$gen" && "$PY" "$root/tests/gen_fixtures.py" "$gen" && touch "$gen/.stamp"
        fi
    ) 9>"$B/.fixtures.lock" || echo "conformance_ls: fixture generation failed" >&2
fi

shared=
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
for d in "$top/../shared" "$root/../shared" /work/shared; do
    if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
        shared=$d/testfiles/hdf5-1.14.0
        break
    fi
done

declare -A xfail=()
if [ -f "$root/tests/ls_known_failures.txt" ]; then
    while read -r name _; do
        case $name in '' | '#'*) continue ;; esac
        xfail[$name]=1
    done <"$root/tests/ls_known_failures.txt"
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=("$root"/tests/fixtures/*.h5)
    [ -d "$gen" ] && files+=("$gen"/*.h5)
    [ -n "$shared" ] && files+=("$shared"/*.h5)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 xf=0 skipped=0

# report NAME STATUS: count a case, printing a diff head on failure
report() {
    local name=$1 ok=$2 what=$3
    if [ "$ok" = 1 ]; then
        [ -n "${xfail[$name]:-}" ] && echo "XPASS $name (remove it from tests/ls_known_failures.txt)"
        pass=$((pass + 1))
    elif [ -n "${xfail[$name]:-}" ]; then
        echo "XFAIL $name"
        xf=$((xf + 1))
    else
        echo "FAIL $name ($what)"
        diff -u "$tmp/exp" "$tmp/act" | sed -n '3,12p' | sed 's/^/    /'
        [ -s "$tmp/act.err" ] && head -n 3 "$tmp/act.err" | sed 's/^/    stderr: /'
        fail=$((fail + 1))
    fi
}

for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if ! timeout 20 h5ls -r "$f" >"$tmp/exp" 2>/dev/null; then
        skipped=$((skipped + 1))
        continue
    fi
    timeout 20 "$cfive" ls -r "$f" >"$tmp/act" 2>"$tmp/act.err"
    rc=$?
    if [ $rc -eq 0 ] && cmp -s "$tmp/exp" "$tmp/act"; then
        report "$name" 1 ""
    else
        report "$name" 0 "cfive exit $rc"
    fi
done

# Object arguments: h5ls takes FILE/OBJ, cfive takes FILE OBJ.
if [ $# -eq 0 ]; then
    fx=$root/tests/fixtures
    for c in "links.h5 /g1" "links.h5 /g1/d1" "links.h5 /nosuch" "links_latest.h5 /ordered" \
        "types.h5 /num" "types_latest.h5 /compound/nested" "links.h5 /soft_to_group"; do
        read -r cf co <<<"$c"
        [ -f "$fx/$cf" ] || continue
        timeout 20 h5ls -r "$fx/$cf$co" >"$tmp/exp" 2>/dev/null
        erc=$?
        timeout 20 "$cfive" ls -r "$fx/$cf" "$co" >"$tmp/act" 2>"$tmp/act.err"
        rc=$?
        if [ $rc -eq $erc ] && cmp -s "$tmp/exp" "$tmp/act"; then
            report "$cf:$co" 1 ""
        else
            report "$cf:$co" 0 "h5ls exit $erc, cfive exit $rc"
        fi
    done
fi

echo "($skipped files skipped: h5ls failed on them; $xf expected failures)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
