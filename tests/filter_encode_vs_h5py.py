#!/usr/bin/python3
"""cfive's filter encoders checked against libhdf5 (through h5py and the
filter plugins): for each filter configuration, h5py creates a dataset with
those filters; every chunk is encoded by cfive (tests/filter_encode_tool.c)
and planted with write_direct_chunk (with the filter mask cfive returned);
the file is then read back by h5py, which must give the original data.

Also checked:
  - the client data cfive's set-local step computes equal what libhdf5 and
    the plugins stored for the same dataset;
  - for the deterministic filters (shuffle, fletcher32, integer
    scale-offset, lz4's framing of raw blocks) the encoded chunk is byte
    for byte what libhdf5 itself writes (read_direct_chunk of an h5py-
    written copy).

usage: /usr/bin/python3 tests/filter_encode_vs_h5py.py [TOOL]
  TOOL defaults to $TOOL or build/filter_encode_tool. Needs
  HDF5_PLUGIN_PATH (set below to Debian's plugin directory when unset).
"""
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("HDF5_PLUGIN_PATH", "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

TOOL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TOOL", "build/filter_encode_tool")
TMP = tempfile.mkdtemp(prefix="c5fe")

failures = []
passed = 0


def type_code(dt):
    dt = np.dtype(dt)
    kind = {"i": "i", "u": "u", "f": "f"}[dt.kind]
    return (">" if dt.byteorder == ">" else "") + kind + str(dt.itemsize)


def encode(dt, chunk, engine, filters, raw, fill=None):
    """Run the tool on raw chunk bytes; returns (bytes, mask, cd lists)."""
    inp = os.path.join(TMP, "in.bin")
    out = os.path.join(TMP, "out.bin")
    with open(inp, "wb") as fp:
        fp.write(raw)
    spec = ",".join(
        "%d:%d%s" % (fid, flags, (":" + "/".join(str(v) for v in cd)) if cd else "")
        for fid, flags, cd in filters)
    args = [TOOL, type_code(dt), "x".join(str(c) for c in chunk), engine, spec, inp, out]
    if fill is not None:
        args.append(np.array(fill, dtype=dt).tobytes().hex())
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode == 3:
        return None
    if r.returncode != 0:
        raise RuntimeError("tool failed: %s %s" % (" ".join(args), r.stderr))
    mask = 0
    cds = []
    for line in r.stdout.splitlines():
        w = line.split()
        if w[0] == "mask":
            mask = int(w[1])
        elif w[0] == "cd":
            cds.append([int(v) for v in w[2:]])
    with open(out, "rb") as fp:
        return fp.read(), mask, cds


def chunk_data(dt, chunk, k):
    """Different data per chunk: smooth, random, constant, incompressible."""
    n = int(np.prod(chunk))
    rng = np.random.default_rng(1000 + k)
    dt = np.dtype(dt)
    if dt.kind == "f":
        kinds = [np.linspace(0, 10, n) + 1000.0, rng.normal(size=n) * 1e6, np.full(n, 3.5),
                 rng.random(n)]
        a = kinds[k % 4]
    else:
        info = np.iinfo(dt)
        lo, hi = int(info.min), int(info.max)
        kinds = [np.arange(n) % 50 + max(lo, -20),
                 rng.integers(lo, hi, size=n, endpoint=True, dtype=np.int64 if lo < 0 else np.uint64)
                 if dt.itemsize < 8 else rng.integers(lo, hi, size=n, dtype=dt.newbyteorder("=")),
                 np.full(n, 7),
                 rng.integers(max(lo, -1000), min(hi, 1000), size=n)]
        a = kinds[k % 4]
    return np.asarray(a).astype(dt).reshape(chunk)


def check(name, dt, chunk, nchunks, h5kw, filters, engine="auto", fill=None, exact=False,
          cd_compare=True, lossy=False):
    """One configuration: plant cfive-encoded chunks, read back with h5py.
    lossy: the filter loses data (scale-offset with too few bits given):
    expect what libhdf5 reads back from a file it wrote itself."""
    global passed
    dt = np.dtype(dt)
    shape = (chunk[0] * nchunks,) + tuple(chunk[1:])
    path = os.path.join(TMP, "t.h5")
    # (concatenate returns native order: back to the dataset's own)
    want = np.concatenate([chunk_data(dt, chunk, k) for k in range(nchunks)]).astype(dt)
    try:
        masks = []
        with h5py.File(path, "w") as f:
            kw = dict(h5kw)
            if fill is not None:
                kw["fillvalue"] = fill
            ds = f.create_dataset("d", shape=shape, dtype=dt, chunks=tuple(chunk), **kw)
            plist = ds.id.get_create_plist()
            lib_cd = [list(plist.get_filter(i)[2]) for i in range(plist.get_nfilters())]
            for k in range(nchunks):
                raw = want[k * chunk[0]:(k + 1) * chunk[0]].tobytes()
                res = encode(dt, chunk, engine, filters, raw, fill)
                if res is None:
                    print("skip %s: engine %s not built" % (name, engine))
                    return
                data, mask, cds = res
                masks.append(mask)
                ds.id.write_direct_chunk((k * chunk[0],) + (0,) * (len(chunk) - 1), data,
                                         filter_mask=mask)
            if cd_compare:
                for i, (a, b) in enumerate(zip(lib_cd, cds)):
                    if filters[i][0] == 6:
                        a, b = a[:16], b[:16]  # h5py shows garbage past 16
                    if a != b:
                        raise AssertionError("filter %d cd: libhdf5 %s, cfive %s" % (
                            filters[i][0], a, b))
        with h5py.File(path, "r") as f:
            got = f["d"][...]
        orig = want
        kw = dict(h5kw)
        if fill is not None:
            kw["fillvalue"] = fill
        if lossy:
            path2 = os.path.join(TMP, "ref.h5")
            with h5py.File(path2, "w") as f:
                f.create_dataset("d", data=orig, chunks=tuple(chunk), **kw)
            with h5py.File(path2, "r") as f:
                want = f["d"][...]
        if not np.array_equal(got, want):
            bad = np.argwhere(got != want)[:3]
            raise AssertionError("data differ at %s" % bad.tolist())
        if exact:
            # What libhdf5 writes itself for the same chunks.
            path2 = os.path.join(TMP, "ref.h5")
            with h5py.File(path2, "w") as f:
                f.create_dataset("d", data=orig, chunks=tuple(chunk), **kw)
            with h5py.File(path2, "r") as f, h5py.File(path, "r") as g:
                for k in range(nchunks):
                    off = (k * chunk[0],) + (0,) * (len(chunk) - 1)
                    m1, b1 = f["d"].id.read_direct_chunk(off)
                    m2, b2 = g["d"].id.read_direct_chunk(off)
                    if m1 != m2 or b1 != b2:
                        raise AssertionError("chunk %d: libhdf5 wrote %d bytes mask %d, cfive %d "
                                             "bytes mask %d" % (k, len(b1), m1, len(b2), m2))
        passed += 1
        print("ok   %-44s masks %s" % (name, masks))
    except Exception as e:  # noqa: BLE001
        failures.append((name, str(e)))
        print("FAIL %-44s %s" % (name, e))


def main():
    if not os.path.exists(TOOL):
        sys.exit("no tool at %s (build it: see tests/filter_encode_tool.c)" % TOOL)
    w = subprocess.run([TOOL, "--features"], capture_output=True, text=True).stdout.split()
    feat = dict(zip(w[0::2], (int(v) for v in w[1::2])))
    # With the same liblz4 / libzstd as the plugins, LZ4 chunks and Blosc
    # containers of the lz4, lz4hc and zstd codecs are the plugins' bytes.
    lz4_exact = feat.get("lz4") == 1
    c2 = (16, 10)
    gz = 1
    # deflate, each engine and a few levels; shuffle + deflate; fletcher32
    for eng in ("builtin", "zlib", "libdeflate", "auto"):
        for lvl in (1, 4, 9):
            # zlib is libhdf5's own compressor: same bytes expected.
            check("deflate %d %s" % (lvl, eng), "i4", c2, 4,
                  dict(compression="gzip", compression_opts=lvl), [(gz, 1, [lvl])], engine=eng,
                  exact=eng == "zlib")
        check("shuffle+deflate %s f8" % eng, "f8", c2, 4,
              dict(shuffle=True, compression="gzip", compression_opts=6),
              [(2, 1, []), (gz, 1, [6])], engine=eng, exact=eng == "zlib")
        check("shuffle+deflate+fletcher32 %s >i2" % eng, ">i2", (50, 7), 4,
              dict(shuffle=True, compression="gzip", compression_opts=5, fletcher32=True),
              [(2, 1, []), (gz, 1, [5]), (3, 0, [])], engine=eng)
    check("deflate 0 builtin", "u1", (1000,), 3, dict(compression="gzip", compression_opts=0),
          [(gz, 1, [0])], engine="builtin")
    check("deflate 0 zlib (exact)", "u1", (1000,), 3, dict(compression="gzip", compression_opts=0),
          [(gz, 1, [0])], engine="zlib", exact=True)
    check("shuffle (exact) i8", "i8", (33, 3), 4, dict(shuffle=True), [(2, 1, [])], exact=True)
    check("shuffle (exact) f4", "f4", (100,), 4, dict(shuffle=True), [(2, 1, [])], exact=True)
    check("shuffle (exact) u2 odd", "u2", (7, 3), 4, dict(shuffle=True), [(2, 1, [])], exact=True)
    check("fletcher32 (exact) u1", "u1", (77,), 4, dict(fletcher32=True), [(3, 0, [])],
          exact=True)
    check("fletcher32 (exact) >f8", ">f8", (9, 9), 4, dict(fletcher32=True), [(3, 0, [])],
          exact=True)
    # LZF (h5py's filter): incompressible chunks come back raw with mask 1
    check("lzf i4", "i4", c2, 4, dict(compression="lzf"), [(32000, 1, [])])
    check("shuffle+lzf f8", "f8", (64, 5), 4, dict(shuffle=True, compression="lzf"),
          [(2, 1, []), (32000, 1, [])])
    check("lzf u1 tiny chunks", "u1", (3,), 4, dict(compression="lzf"), [(32000, 1, [])])
    # LZ4 (HDF Group plugin), default and small block sizes
    check("lz4 i4", "i4", c2, 4, dict(compression=32004), [(32004, 1, [])], exact=lz4_exact)
    check("lz4 block 100 f8", "f8", (40, 10), 4, dict(compression=32004, compression_opts=(100,)),
          [(32004, 1, [100])], exact=lz4_exact)
    check("lz4 block 7 u2", "u2", (50,), 4, dict(compression=32004, compression_opts=(7,)),
          [(32004, 1, [7])], exact=lz4_exact)
    # Blosc (hdf5-blosc plugin, c-blosc): codecs x shuffle modes
    for codec, cname in ((0, "blosclz"), (1, "lz4"), (2, "lz4hc"), (4, "zlib"), (5, "zstd")):
        for sh in (0, 1, 2):
            for dt, ch in (("f8", (64, 25)), ("i2", (1000,)), ("u1", (300,))):
                opts = (0, 0, 0, 0, 5, sh, codec)
                exact = (codec in (1, 2) and lz4_exact) or (codec == 5 and feat.get("zstd") == 1)
                check("blosc %s shuffle %d %s" % (cname, sh, dt), dt, ch, 4,
                      dict(compression=32001, compression_opts=opts),
                      [(32001, 1, list(opts))], exact=exact)
    check("blosc level 9 lz4 big chunk", "f4", (200, 100), 3,
          dict(compression=32001, compression_opts=(0, 0, 0, 0, 9, 1, 1)),
          [(32001, 1, [0, 0, 0, 0, 9, 1, 1])], exact=lz4_exact)
    check("blosc level 1 blosclz big chunk", "i8", (300, 100), 3,
          dict(compression=32001, compression_opts=(0, 0, 0, 0, 1, 1, 0)),
          [(32001, 1, [0, 0, 0, 0, 1, 1, 0])])
    check("blosc defaults (4 values)", "f8", (64, 25), 4, dict(compression=32001),
          [(32001, 1, [])])
    check("shuffle+blosc+fletcher32", "i4", (64, 25), 4,
          dict(shuffle=True, compression=32001, compression_opts=(0, 0, 0, 0, 7, 0, 0),
               fletcher32=True),
          [(2, 1, []), (32001, 1, [0, 0, 0, 0, 7, 0, 0]), (3, 0, [])])
    # Integer scale-offset: every integer type, both byte orders, computed
    # and given minimum bits, default and user fill values; byte-exact.
    for dt in ("i1", "u1", "i2", "u2", ">i2", "i4", "u4", ">i4", "i8", "u8", ">u8"):
        check("scaleoffset %s" % dt, dt, (16, 10), 4, dict(scaleoffset=0), [(6, 1, [2, 0])],
              exact=True)
        check("scaleoffset %s fill 7" % dt, dt, (16, 10), 4, dict(scaleoffset=0),
              [(6, 1, [2, 0])], fill=7, exact=True)
        bits = min(np.dtype(dt).itemsize * 8, 12)
        check("scaleoffset %s minbits %d" % (dt, bits), dt, (40,), 4, dict(scaleoffset=bits),
              [(6, 1, [2, bits])], exact=True, lossy=True)
    # Floating point, D-scaling: lossy by design; same bytes as libhdf5.
    for dt in ("f4", "f8", ">f4", ">f8"):
        for d in (0, 2, 3, 5):  # (h5py refuses negative factors)
            check("scaleoffset %s D=%d" % (dt, d), dt, (16, 10), 4, dict(scaleoffset=d),
                  [(6, 1, [0, d & 0xffffffff])], exact=True, lossy=True)
        check("scaleoffset %s D=2 fill 3.5" % dt, dt, (16, 10), 4, dict(scaleoffset=2),
              [(6, 1, [0, 2])], fill=3.5, exact=True, lossy=True)
    check("scaleoffset+deflate i4", "i4", c2, 4,
          dict(scaleoffset=0, compression="gzip", compression_opts=4),
          [(6, 1, [2, 0]), (gz, 1, [4])])
    # bzip2 (Debian's plugin) and LZO (PyTables registers it in this
    # process); the same libbz2 / liblzo2 give the same bytes.
    check("bzip2 f8", "f8", c2, 4, dict(compression=307, compression_opts=(9,)),
          [(307, 1, [9])], exact=feat.get("bzip2") == 1)
    check("bzip2 level 1 i2", "i2", (1000,), 4, dict(compression=307, compression_opts=(1,)),
          [(307, 1, [1])], exact=feat.get("bzip2") == 1)
    try:
        import tables  # noqa: F401  (registers filter 305)
        have_lzo = h5py.h5z.filter_avail(305)
    except ImportError:
        have_lzo = False
    if have_lzo:
        check("lzo f8 (PyTables)", "f8", c2, 4, dict(compression=305, compression_opts=(1, 10, 1)),
              [(305, 1, [1, 10, 1])], exact=feat.get("lzo") == 1)
        check("shuffle+lzo i4 (PyTables)", "i4", (64, 25), 4,
              dict(shuffle=True, compression=305, compression_opts=(5,)),
              [(2, 1, []), (305, 1, [5])], exact=feat.get("lzo") == 1)
    else:
        print("skip lzo: PyTables with LZO not importable")

    print("\n%d passed, %d failed" % (passed, len(failures)))
    for name, why in failures:
        print("  FAIL %s: %s" % (name, why))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
