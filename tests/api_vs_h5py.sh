#!/usr/bin/env bash
# Compare everything the cfive API reads from each fixture with what h5py
# reads, in the canonical text form of tests/h5py_dump.py.
#
#   B=build tests/api_vs_h5py.sh [FILE...]
#
# Fixtures: tests/fixtures/*.h5 always (compared with the committed
# tests/fixtures/expected/NAME.txt when h5py is missing, else with a live
# h5py dump), plus tests/fixtures/gen/*.h5 when /usr/bin/python3 has h5py
# (generated on first use, regenerated when tests/gen_fixtures.py changes).
# Both dumps run inside the fixture's folder so relative external storage
# names resolve the same way. tests/api_known_failures.txt (optional) lists
# fixture names allowed to fail, one per line, "# reason" after the name.
# CFIVE_NO_H5PY=1 forces the committed-expectations mode.
# Prints a FAIL line with a diff head per failing file and ends with
# "N passed, M failed"; exits non-zero when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
api=$B/apitest
PY=/usr/bin/python3
dump=$root/tests/h5py_dump.py
if [ ! -x "$api" ]; then
    echo "api_vs_h5py: $api not built (make $B/apitest)" >&2
    exit 2
fi

have_h5py=0
if [ -z "${CFIVE_NO_H5PY:-}" ] && [ -x "$PY" ] && "$PY" -c 'import h5py, tables, netCDF4' 2>/dev/null; then
    have_h5py=1
fi

# (Re)generate the full fixture set; serialised against the other runners.
gen=$root/tests/fixtures/gen
if [ $have_h5py = 1 ]; then
    (
        command -v flock >/dev/null && flock 9
        if [ ! -f "$gen/.stamp" ] || [ "$root/tests/gen_fixtures.py" -nt "$gen/.stamp" ]; then
            rm -rf "$gen" && "$PY" "$root/tests/gen_fixtures.py" "$gen" && touch "$gen/.stamp"
        fi
    ) 9>"$B/.fixtures.lock" || { echo "api_vs_h5py: fixture generation failed" >&2; exit 2; }
fi

declare -A xfail=()
if [ -f "$root/tests/api_known_failures.txt" ]; then
    while read -r name _; do
        case $name in '' | '#'*) continue ;; esac
        xfail[$name]=1
    done <"$root/tests/api_known_failures.txt"
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=("$root"/tests/fixtures/*.h5)
    [ $have_h5py = 1 ] && files+=("$gen"/*.h5)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 xf=0
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    dir=$(cd "$(dirname "$f")" && pwd)
    base=$(basename "$f")
    label=${f#"$root"/}
    exp=$tmp/exp act=$tmp/act
    if [ $have_h5py = 1 ]; then
        if ! (cd "$dir" && HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins} timeout 120 "$PY" "$dump" --chunked "$base") >"$exp" 2>"$tmp/err"; then
            echo "FAIL $label: h5py_dump failed: $(head -c 300 "$tmp/err")"
            fail=$((fail + 1))
            continue
        fi
    elif [ -f "$dir/expected/${base%.h5}.txt" ]; then
        cp "$dir/expected/${base%.h5}.txt" "$exp"
    else
        continue
    fi
    # datasets the h5py side did not dump (chunked, virtual)
    awk '/^DATASET /{p=$2} /^  SKIP /{print p, $2}' "$exp" >"$tmp/skip"
    (cd "$dir" && timeout 120 "$api" -s "$tmp/skip" "$base") >"$act" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && cmp -s "$exp" "$act"; then
        if [ -n "${xfail[$base]:-}" ]; then
            echo "XPASS $label (remove it from tests/api_known_failures.txt)"
        fi
        pass=$((pass + 1))
        continue
    fi
    if [ -n "${xfail[$base]:-}" ]; then
        echo "XFAIL $label"
        xf=$((xf + 1))
        continue
    fi
    echo "FAIL $label (apitest exit $rc)"
    [ -s "$tmp/err" ] && head -n 5 "$tmp/err" | sed 's/^/    stderr: /'
    diff -u "$exp" "$act" | sed -n '3,25p' | sed 's/^/    /'
    fail=$((fail + 1))
done
[ $xf -gt 0 ] && echo "($xf expected failures)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
