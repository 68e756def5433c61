#!/bin/sh
# End-to-end test of the write API: $B/writetest writes files in both formats
# (and reads them back through cfive), tests/write_check.py verifies them
# with h5py, h5dump must read every written file, and, when node and
# tests/node_modules/h5wasm are installed and tests/h5wasm_check.mjs exists,
# h5wasm (libhdf5 2.0) must read them too. Builds nothing.
# Usage: tests/write_roundtrip.sh [BUILD_DIR]   (run from the repository root)
# Set WRITE_KEEP=1 to keep the output directory (its path is printed).
B=${1:-build}
PY=/usr/bin/python3
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}
# external raw data files live beside their HDF5 file
export HDF5_EXTFILE_PREFIX='${ORIGIN}'
# Debian's LZF plugin does not link liblzf: preload it for h5dump
LZF_PRELOAD=
for l in /usr/lib/x86_64-linux-gnu/liblzf.so.1 /usr/lib/liblzf.so.1; do
    [ -f "$l" ] && LZF_PRELOAD=$l && break
done
if [ ! -x "$B/writetest" ]; then
    echo "write: $B/writetest is not built"
    exit 1
fi
T=$(mktemp -d)
if [ -n "$WRITE_KEEP" ]; then
    echo "write: output kept in $T"
else
    trap 'rm -rf "$T"' EXIT
fi
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

# 1. write + cfive read-back, one section at a time (a crash stays local)
for sec in $("$B/writetest" --list); do
    if "$B/writetest" "$T" "$sec" 2>"$T/.err_$sec"; then
        ok
    else
        ko "writetest $sec (exit $?):"
        sed 's/^/    /' "$T/.err_$sec" | head -40
    fi
    rm -f "$T/.err_$sec"
done

# 2. h5py
out=$($PY tests/write_check.py "$T" 2>&1)
summary=$(printf '%s\n' "$out" | tail -n 1)
printf '%s\n' "$out" | grep -v '^write_check: ' | sed 's/^/    /'
p=$(printf '%s\n' "$summary" | sed -n 's/^write_check: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
m=$(printf '%s\n' "$summary" | sed -n 's/^write_check: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$p" ]; then
    ko "write_check.py did not finish: $summary"
else
    pass=$((pass + p))
    fail=$((fail + m))
fi

# 3. h5dump reads every written file. rank32c_*.h5: header only, since
# h5dump 1.10.8 dies (SIGFPE) printing any rank-32 chunked dataset.
files=$(find "$T" -name '*.h5' | sort)
for f in $files; do
    case $f in */rank32c_*) hdr=-H ;; *) hdr= ;; esac
    if LD_PRELOAD=$LZF_PRELOAD h5dump $hdr "$f" >/dev/null 2>"$T/.dump_err"; then
        ok
        continue
    fi
    # name the datasets that fail, and libhdf5's innermost error
    why=$(LD_PRELOAD=$LZF_PRELOAD h5dump $hdr --enable-error-stack "$f" 2>&1 >/dev/null |
        grep '#[0-9]' | tail -n 1 | sed 's/^ *//')
    bad=$(h5ls -r "$f" 2>/dev/null | sed -n 's/^\(.*[^ ]\)  *Dataset .*/\1/p' |
        while read -r d; do
            LD_PRELOAD=$LZF_PRELOAD h5dump $hdr -d "$d" "$f" >/dev/null 2>&1 || printf '%s ' "$d"
        done)
    ko "h5dump ${f#"$T"/}: $(grep -m1 -i 'error' "$T/.dump_err") [datasets: ${bad:-none}] [$why]"
done
rm -f "$T/.dump_err"

# 4. h5dump names the committed type of a dataset
for fmt in compat latest; do
    f=$T/types_$fmt.h5
    if [ -f "$f" ] && h5dump -d /cmt_ds "$f" 2>/dev/null | grep -q 'DATATYPE  *"/types/ctype"'; then
        ok
    else
        ko "h5dump -d /cmt_ds types_$fmt.h5 does not print DATATYPE \"/types/ctype\""
    fi
done

# 5. h5wasm (libhdf5 2.0), when installed: the file must open and every
# value must read, except what h5wasm itself lacks (plugin filters, float16).
if command -v node >/dev/null 2>&1 && [ -d tests/node_modules/h5wasm ] &&
    [ -f tests/h5wasm_check.mjs ]; then
    for f in $files; do
        if ! node tests/h5wasm_check.mjs "$f" >"$T/.wasm_out" 2>"$T/.wasm_err"; then
            ko "h5wasm ${f#"$T"/}: $(head -c 300 "$T/.wasm_err" | tr '\n' ' ')"
            continue
        fi
        errs=$($PY -c '
import json, sys
out = []
def walk(x, where):
    if isinstance(x, dict):
        e = x.get("error")
        if isinstance(e, str) and "not in h5wasm" not in e and "Float16 not supported" not in e:
            out.append("%s: %s" % (where or "/", e))
        for k, v in x.items():
            walk(v, (where + "/" + k if where else k) if k != "error" else where)
    elif isinstance(x, list):
        for v in x:
            walk(v, where)
walk(json.load(open(sys.argv[1])).get("objects", {}), "")
print("; ".join(out[:5]) + (" (%d in all)" % len(out) if len(out) > 5 else ""))
' "$T/.wasm_out" 2>&1)
        if [ -z "$errs" ]; then
            ok
        else
            ko "h5wasm ${f#"$T"/}: $errs"
        fi
    done
    rm -f "$T/.wasm_out" "$T/.wasm_err"
else
    echo "write: h5wasm check skipped (needs node, tests/node_modules/h5wasm, tests/h5wasm_check.mjs)"
fi

echo "write: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
