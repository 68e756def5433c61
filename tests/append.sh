#!/bin/sh
# Append 10,000 rows one at a time with cfive to a PyTables Table and
# EArray and to h5py resizable datasets (default and latest formats), then
# check with PyTables, h5py and h5dump. Usage: tests/append.sh [BUILD_DIR]
B=${1:-build}
N=${APPEND_N:-10000}
PY=/usr/bin/python3
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY tests/append_make.py "$T" || { echo "append: cannot make base files"; exit 1; }
pass=0
fail=0
run() { # file path kind initial
    f=$T/$1
    if "$B/append_test" "$f" "$2" "$3" "$N" &&
        $PY tests/append_check.py "$f" "$3" "$2" $(($4 + N)) >/dev/null &&
        h5dump "$f" >/dev/null 2>&1; then
        pass=$((pass + 1))
        echo "PASS $1 $2"
    else
        fail=$((fail + 1))
        echo "FAIL $1 $2"
    fi
}
run pt_default.h5 /table table 3
run pt_default.h5 /earray earray 3
for fmt in default latest; do
    run h5_$fmt.h5 /d vec 3
    run h5_$fmt.h5 /grp/d2 mat 3
done
echo "append: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
