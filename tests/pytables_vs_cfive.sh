#!/usr/bin/env bash
# PyTables' own codecs read back through cfive: for CArray, EArray and Table
# nodes compressed with zlib, lzo, bzip2 and blosc (blosclz, lz4, lz4hc,
# zlib, zstd; byte and bit shuffle), `cfive dump -b LE` must equal the bytes
# PyTables reads. LZO is covered here only: h5py has no LZO plugin.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
CFIVE=$top/$B/cfive
PY=/usr/bin/python3
if ! "$PY" -c 'import tables' 2>/dev/null; then
    echo "pytables_vs_cfive: PyTables not installed, skipped"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp" <<'PYEOF'
import sys, os, numpy as np, tables
out = sys.argv[1]
rng = np.random.default_rng(7)
a = np.round(rng.standard_normal((300, 40)), 2)
rows = np.zeros(500, dtype=[('x', '<i4'), ('y', '<f8'), ('s', 'S6')])
rows['x'] = np.arange(500); rows['y'] = rows['x'] * .25; rows['s'] = b'row'
cases = []
for comp in ('zlib', 'lzo', 'bzip2', 'blosc:blosclz', 'blosc:lz4', 'blosc:lz4hc',
             'blosc:zlib', 'blosc:zstd'):
    for sh in ((0, 1, 2) if comp.startswith('blosc') else (0, 1)):
        name = '%s_%d' % (comp.replace(':', '_'), sh)
        fn = os.path.join(out, name + '.h5')
        flt = tables.Filters(complevel=5, complib=comp, shuffle=(sh == 1), bitshuffle=(sh == 2))
        with tables.open_file(fn, 'w') as t:
            t.create_carray('/', 'carray', obj=a, filters=flt, chunkshape=(64, 16))
            e = t.create_earray('/', 'earray', atom=tables.Int16Atom(), shape=(0, 9), filters=flt)
            e.append(np.arange(900, dtype='<i2').reshape(100, 9))
            t.create_table('/', 'table', obj=rows, filters=flt, chunkshape=(64,))
        with tables.open_file(fn) as t:
            for node in ('carray', 'earray', 'table'):
                v = t.get_node('/' + node).read()
                le = v.astype(v.dtype.newbyteorder('<')) if v.dtype.names is None else v
                with open(os.path.join(out, '%s.%s.expect' % (name, node)), 'wb') as fp:
                    fp.write(np.ascontiguousarray(le).tobytes())
PYEOF
pass=0 fail=0
for exp in "$tmp"/*.expect; do
    base=${exp%.expect}
    node=${base##*.}
    file=${base%.*}.h5
    if "$CFIVE" dump -d "/$node" -b LE -o "$base.got" "$file" >/dev/null 2>"$tmp/err" &&
        cmp -s "$exp" "$base.got"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$file") /$node: $(head -c 200 "$tmp/err")"
    fi
done
echo "pytables_vs_cfive: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
