#!/usr/bin/env bash
# `cfive dump -d PATH -b LE|BE -o OUT FILE` must write the bytes h5dump
# writes (integer, float and bitfield datasets), and, for the types h5dump
# -b does not export (float16, odd-sized integers, enum, compound, array,
# fixed strings, opaque), the bytes h5py reads, every numeric field in the
# requested byte order.
#
#   B=build tests/dump_b.sh [FILE...]
#
# Files: tests/fixtures/*.h5, tests/fixtures/gen/*.h5 and the HDF5 1.14.0
# test files in ../shared/testfiles/hdf5-1.14.0 beside the repository (or
# /work/shared/...). Datasets are listed with h5py (with h5ls for files
# h5py cannot open: there only h5dump's classes are checked). A dataset
# counts only where the reference succeeds (h5dump exits 0 within 20 s, or
# h5py reads it); datasets over 64 MiB are skipped. For h5dump's classes
# stdout must match too. Variable-length and reference datasets must be
# refused cleanly (exit 1, message, no crash). A few option and error
# cases compare stdout, stderr and exit status with h5dump.
# Ends with the line "N passed, M failed"; exits non-zero when M > 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
cfive=$B/cfive
PY=/usr/bin/python3
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}
MAXBYTES=$((64 << 20))

if [ ! -x "$cfive" ]; then
    echo "dump_b: $cfive not built" >&2
    exit 2
fi
if ! command -v h5dump >/dev/null; then
    echo "dump_b: h5dump not installed (apt-get install hdf5-tools)" >&2
    exit 2
fi

shared=
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
for d in "$top/../shared" "$root/../shared" /work/shared; do
    if [ -d "$d/testfiles/hdf5-1.14.0" ]; then
        shared=$d/testfiles/hdf5-1.14.0
        break
    fi
done

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=("$root"/tests/fixtures/*.h5)
    [ -d "$root/tests/fixtures/gen" ] && files+=("$root"/tests/fixtures/gen/*.h5)
    [ -n "$shared" ] && files+=("$shared"/*.h5)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The manifest: one line per dataset, "KIND<TAB>FILE<TAB>PATH<TAB>ID".
# KIND: hd (h5dump exports it), py (compare with $tmp/exp/ID.le / ID.be
# from h5py), no (variable-length or reference: cfive must refuse),
# auto (listed by h5ls: check only if h5dump writes bytes for it).
cat >"$tmp/manifest.py" <<'EOF'
import os, re, subprocess, sys
out_dir, maxbytes = sys.argv[1], int(sys.argv[2])
files = sys.argv[3:]
try:
    import numpy as np, h5py
    from h5py import h5t
except Exception:
    h5py = None
os.makedirs(out_dir, exist_ok=True)
ids = [0]

def emit(kind, f, path, data=None):
    if '\t' in path or '\n' in path:
        return
    i = ids[0]; ids[0] += 1
    if data is not None:
        for tag, arr in data.items():
            with open(os.path.join(out_dir, '%d.%s' % (i, tag)), 'wb') as fh:
                fh.write(arr)
    print('%s\t%s\t%s\t%d' % (kind, f, path, i))

def has_var(t):
    c = t.get_class()
    if c in (h5t.VLEN, h5t.REFERENCE):
        return True
    if c == h5t.STRING:
        return t.is_variable_str()
    if c == h5t.COMPOUND:
        return any(has_var(t.get_member_type(j)) for j in range(t.get_nmembers()))
    if c in (h5t.ARRAY, h5t.ENUM):
        return has_var(t.get_super())
    return False

def h5dump_kind(t):
    c, s = t.get_class(), t.get_size()
    return (c in (h5t.INTEGER, h5t.BITFIELD) and s in (1, 2, 4, 8)) or \
           (c == h5t.FLOAT and s in (4, 8))

def field_mask(dt, base, mask):
    # Bytes that belong to some field: padding between compound members is
    # whatever the writer left there, and h5py does not copy it.
    if dt.fields:
        for fdt, off in (v[:2] for v in dt.fields.values()):
            field_mask(fdt, base + off, mask)
    elif dt.subdtype:
        bdt, shape = dt.subdtype
        for i in range(int(np.prod(shape))):
            field_mask(bdt, base + i * bdt.itemsize, mask)
    else:
        mask[base:base + dt.itemsize] = b'\xff' * dt.itemsize

def has_string(t):
    c = t.get_class()
    if c == h5t.STRING:
        return True
    if c == h5t.COMPOUND:
        return any(has_string(t.get_member_type(j)) for j in range(t.get_nmembers()))
    if c == h5t.ARRAY:
        return has_string(t.get_super())
    return False

def expected(ds, t):
    # h5py's reading, numeric fields in each byte order, plus the mask of
    # the bytes to compare. Types holding strings are read with the file
    # type itself (no conversion; numpy swaps the numbers): h5py would
    # turn space padding into null padding and clear what follows a
    # terminator, where cfive keeps the stored bytes.
    dt = ds.dtype
    if dt.itemsize != t.get_size():
        return None          # h5py widened it (e.g. 12-byte long double)
    arr = np.zeros(ds.shape, dtype=dt)
    if ds.size:
        if has_string(t):
            ds.id.read(h5py.h5s.ALL, h5py.h5s.ALL, arr, mtype=t)
        else:
            ds.read_direct(arr)
    mask = bytearray(dt.itemsize)
    field_mask(dt, 0, mask)
    return {'le': arr.astype(dt.newbyteorder('<')).tobytes(),
            'be': arr.astype(dt.newbyteorder('>')).tobytes(),
            'mask': bytes(mask)}

def via_h5py(f):
    try:
        h = h5py.File(f, 'r')
    except Exception:
        return False
    seen = []
    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        path = '/' + name
        try:
            t = obj.id.get_type()
            n = obj.id.get_space().get_simple_extent_npoints()
            if n * t.get_size() > maxbytes:
                return
            if has_var(t):
                emit('no', f, path)
            elif h5dump_kind(t):
                emit('hd', f, path)
            else:
                try:
                    data = expected(obj, t)
                except Exception:
                    data = None
                if data is not None:
                    emit('py', f, path, data)
        except Exception:
            emit('auto', f, path)
    try:
        h.visititems(visit)
    except Exception:
        pass
    h.close()
    return True

def unescape(s):
    return re.sub(r'\\([0-7]{3}|.)', lambda m: chr(int(m.group(1), 8)) if len(m.group(1)) == 3
                  else m.group(1), s)

def via_h5ls(f):
    try:
        r = subprocess.run(['h5ls', '-r', f], capture_output=True, timeout=20)
    except Exception:
        return
    for line in r.stdout.decode('latin-1').splitlines():
        m = re.match(r'^((?:[^ \\]|\\.)+) +Dataset \{', line)
        if m and 'same as' not in line:
            emit('auto', f, unescape(m.group(1)))

for f in files:
    if not (h5py and via_h5py(f)):
        via_h5ls(f)
EOF
"$PY" "$tmp/manifest.py" "$tmp/exp" "$MAXBYTES" "${files[@]}" >"$tmp/manifest" 2>/dev/null

pass=0 fail=0 skipped=0 warned=0 xfailed=0
mkdir -p "$tmp/got"

# Known differences from h5dump, "FILE<TAB>PATH<TAB>FORM" (FILE by base
# name) with the reason after a second tab. libhdf5 converts an integer
# with fewer precision bits than its size to big-endian without
# sign-extending it (-4 in 3 bits comes out as 4); cfive sign-extends, as
# libhdf5 itself does for the little-endian conversion.
declare -A known=(
    ["tfilters.h5	/nbit	BE"]=1
    ["h5stat_filters.h5	/nbit	BE"]=1
)

failed() {
    echo "FAIL $1"
    fail=$((fail + 1))
}

# hd_one FILE FORM [auto] PATH: one dataset, h5dump's bytes and stdout vs
# cfive's. Bytes decide; a stdout difference is a warning (h5dump names
# committed types and prints precisions the public API does not expose).
hd_one() {
    local f=$1 form=$2 auto=$3 p=$4
    rm -f "$tmp/a.bin" "$tmp/b.bin"
    if ! timeout 20 h5dump -d "$p" -b "$form" -o "$tmp/a.bin" "$f" >"$tmp/a.txt" 2>/dev/null; then
        skipped=$((skipped + 1))
        return
    fi
    if [ -n "$auto" ]; then
        # Listed by h5ls only: h5dump's classes are those it writes bytes
        # for, object references excepted (h5dump writes their targets).
        if [ ! -s "$tmp/a.bin" ] || grep -q '^   DATATYPE  H5T_REFERENCE' "$tmp/a.txt"; then
            skipped=$((skipped + 1))
            return
        fi
    fi
    timeout 20 "$cfive" dump -d "$p" -b "$form" -o "$tmp/b.bin" "$f" >"$tmp/b.txt" 2>"$tmp/b.err"
    local rc=$?
    if [ $rc -ne 0 ] && grep -q 'virtual datasets are not supported' "$tmp/b.err"; then
        echo "XFAIL $f $p -b $form (the library does not read virtual datasets yet)"
        xfailed=$((xfailed + 1))
    elif [ $rc -ne 0 ]; then
        failed "$f $p -b $form: cfive exit $rc: $(head -c 300 "$tmp/b.err")"
    elif ! cmp -s "$tmp/a.bin" "$tmp/b.bin"; then
        if [ -n "${known[$(basename "$f")	$p	$form]:-}" ]; then
            echo "XFAIL $f $p -b $form (libhdf5 conversion difference)"
            xfailed=$((xfailed + 1))
            return
        fi
        failed "$f $p -b $form: bytes differ ($(stat -c %s "$tmp/a.bin") vs $(stat -c %s "$tmp/b.bin") bytes; $(cmp "$tmp/a.bin" "$tmp/b.bin" 2>&1 | head -n 1))"
    else
        if ! cmp -s "$tmp/a.txt" "$tmp/b.txt"; then
            echo "WARN $f $p -b $form: stdout differs: $(diff "$tmp/a.txt" "$tmp/b.txt" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
            warned=$((warned + 1))
        fi
        pass=$((pass + 1))
    fi
}

# hd_file FILE FORM PATH...: all of a file's datasets in one h5dump and
# one cfive run (both write them one after the other); only when the two
# disagree is each dataset compared on its own.
hd_file() {
    local f=$1 form=$2
    shift 2
    local args=() p
    for p in "$@"; do args+=(-d "$p"); done
    rm -f "$tmp/a.bin" "$tmp/b.bin"
    if timeout 60 h5dump "${args[@]}" -b "$form" -o "$tmp/a.bin" "$f" >"$tmp/a.txt" 2>/dev/null &&
        timeout 60 "$cfive" dump "${args[@]}" -b "$form" -o "$tmp/b.bin" "$f" >"$tmp/b.txt" 2>/dev/null &&
        cmp -s "$tmp/a.bin" "$tmp/b.bin" && cmp -s "$tmp/a.txt" "$tmp/b.txt"; then
        pass=$((pass + $#))
        return
    fi
    for p in "$@"; do hd_one "$f" "$form" "" "$p"; done
}

# py_one FILE PATH ID FORM: cfive's bytes, compared with h5py's afterwards
# in one Python run.
py_one() {
    local f=$1 p=$2 id=$3 form=$4 tag
    tag=$(echo "$form" | tr 'A-Z' 'a-z')
    timeout 20 "$cfive" dump -d "$p" -b "$form" -o "$tmp/got/$id.$tag" "$f" >/dev/null 2>"$tmp/b.err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        failed "$f $p -b $form: cfive exit $rc: $(head -c 300 "$tmp/b.err")"
        rm -f "$tmp/got/$id.$tag"
    else
        printf '%s\t%s\t%s\t%s\n' "$id" "$tag" "$f" "$p" >>"$tmp/pylist"
    fi
}

# no_one FILE PATH: refused with status 1 and a message.
no_one() {
    timeout 20 "$cfive" dump -d "$2" -b LE -o "$tmp/b.bin" "$1" >/dev/null 2>"$tmp/b.err"
    local rc=$?
    if [ $rc -eq 1 ] && grep -q 'not supported' "$tmp/b.err"; then
        pass=$((pass + 1))
    else
        failed "$1 $2: variable-length/reference data not refused cleanly (exit $rc)"
    fi
}

flush_file() {
    [ -n "$cur" ] || return 0
    if [ ${#hd[@]} -gt 0 ]; then
        hd_file "$cur" LE "${hd[@]}"
        hd_file "$cur" BE "${hd[@]}"
    fi
    hd=()
}

: >"$tmp/pylist"
cur= hd=()
while IFS=$'\t' read -r kind f p id; do
    [ "$f" = "$cur" ] || { flush_file; cur=$f; }
    case $kind in
    hd) hd+=("$p") ;;
    auto) hd_one "$f" LE auto "$p" ;;
    py)
        py_one "$f" "$p" "$id" LE
        py_one "$f" "$p" "$id" BE
        ;;
    no) no_one "$f" "$p" ;;
    esac
done <"$tmp/manifest"
flush_file

if [ -s "$tmp/pylist" ]; then
    "$PY" - "$tmp" >"$tmp/pyres" <<'EOF'
import sys
tmp = sys.argv[1]
ok = 0
for line in open(tmp + '/pylist'):
    i, tag, f, p = line.rstrip('\n').split('\t')
    exp = open('%s/exp/%s.%s' % (tmp, i, tag), 'rb').read()
    mask = open('%s/exp/%s.mask' % (tmp, i), 'rb').read()
    got = open('%s/got/%s.%s' % (tmp, i, tag), 'rb').read()
    bad = len(exp) != len(got)
    at = -1
    if not bad and exp != got:
        n = len(mask)
        for k in range(len(exp)):
            if mask[k % n] and exp[k] != got[k]:
                bad, at = True, k
                break
    if bad:
        print('FAIL %s %s -b %s: bytes differ from h5py (%d vs %d bytes, first at %d)'
              % (f, p, tag.upper(), len(exp), len(got), at))
    else:
        ok += 1
print('OK %d' % ok)
EOF
    grep '^FAIL' "$tmp/pyres"
    pass=$((pass + $(sed -n 's/^OK //p' "$tmp/pyres")))
    fail=$((fail + $(grep -c '^FAIL' "$tmp/pyres")))
fi

# Options and failures: stdout, stderr, exit status and the output file
# against h5dump itself.
fx=$root/tests/fixtures
if [ $# -eq 0 ] && [ -f "$fx/types.h5" ] && [ -f "$fx/links.h5" ]; then
    cmdcase() {
        local name=$1
        shift
        rm -f "$tmp/a.bin" "$tmp/b.bin"
        (cd "$tmp" && timeout 20 h5dump "$@" >a.txt 2>a.err)
        local erc=$?
        [ -f "$tmp/a.bin" ] && mv "$tmp/a.bin" "$tmp/a.keep" || rm -f "$tmp/a.keep"
        (cd "$tmp" && timeout 20 "$cfive" dump "$@" >b.txt 2>b.err)
        local rc=$?
        [ -f "$tmp/a.bin" ] && mv "$tmp/a.bin" "$tmp/b.keep" || rm -f "$tmp/b.keep"
        if [ $rc -eq $erc ] && cmp -s "$tmp/a.txt" "$tmp/b.txt" && cmp -s "$tmp/a.err" "$tmp/b.err" &&
            { [ ! -f "$tmp/a.keep" ] && [ ! -f "$tmp/b.keep" ] || cmp -s "$tmp/a.keep" "$tmp/b.keep"; }; then
            pass=$((pass + 1))
        else
            failed "case $name (h5dump exit $erc, cfive exit $rc)"
            diff "$tmp/a.txt" "$tmp/b.txt" | head -n 4 | sed 's/^/    /'
            diff "$tmp/a.err" "$tmp/b.err" | head -n 4 | sed 's/^/    /'
        fi
    }
    T=$fx/types.h5 L=$fx/links.h5
    cmdcase default-native -d /num/be_i8 -b -o a.bin "$T"
    cmdcase native -d /num/be_f4 -b NATIVE -o a.bin "$T"
    cmdcase file-form -d /num/be_u2 -b FILE -o a.bin "$T"
    cmdcase two-datasets -d /num/be_i2 -d /num/le_f8 -b LE -o a.bin "$T"
    cmdcase missing-object -d /num/be_i2 -d /nosuch -d /num/le_u4 -b LE -o a.bin "$T"
    cmdcase missing-file -d /x -b LE -o a.bin "$tmp/no_such_file.h5"
    cmdcase group -d /num -b LE -o a.bin "$T"
    cmdcase relative-path -d num/le_i4 -b BE -o a.bin "$T"
    cmdcase scalar -d /num/scalar_f8 -b BE -o a.bin "$T"
    cmdcase null-space -d /empty_dataset -b LE -o a.bin "$T"
    cmdcase no-output -d /num/le_i4 -b LE "$T"
    cmdcase soft-link -d /soft -b LE -o a.bin "$L"
    cmdcase dangling-link -d /dangling -b LE -o a.bin "$L"
    cmdcase soft-to-group -d /soft_to_group -b LE -o a.bin "$L"
    cmdcase external-link -d /ext -b LE -o a.bin "$L"
    cmdcase external-group -d /ext_group -b LE -o a.bin "$L"
fi

echo "($skipped skipped: h5dump failed or exports nothing for them; $xfailed expected failures; $warned stdout differences)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
