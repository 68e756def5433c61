"""Verify with h5py the files tests/writetest.c writes (tests/write_roundtrip.sh).

Usage: /usr/bin/python3 tests/write_check.py OUTDIR [-v]

This file is the specification of the write test: for every file writetest
makes it states the expected objects, shapes, dtypes, values, attributes and
link kinds. Values come from the deterministic generators below, the same
ones tests/writetest.c implements (keep the two in step):

  seed(name)   = s; for each byte b of name: s = (s*31 + b) % 65521
                 name: the dataset's absolute path, or "path@attr"
  u64(i, s)    = (i*0x9E3779B97F4A7C15 + s*0xD1B54A32D192ED03 + 1) mod 2^64
  ig(b,sg,i,s) = low b bits of u64(i, s), two's complement when sg
  fg(i, s)     = (((i*37 + s*11) mod 401) - 200) / 4      (exact in float16)
  cg(i, s)     = ((i*7919 + s) mod 20001) - 10000
  sg(i, s)     = "v<s>-<i>" followed by (i mod 5) 'x'
  ug(i, s)     = "\u00e9" + sg(i, s) + "\u2202"

The "natural" value of element i (C order over the dataset, or over the
selection for hyperslab writes) is ig(8*size, signed, i, s) for integers and
fg(i, s) for floats.

Prints one line per failed check ("FAIL <file> <check>: <error>") and a last
line "write_check: N passed, M failed"; exit status 1 on any failure. -v
also prints passed checks. Each format's files are <section>_compat.h5 and
<section>_latest.h5."""
import os
import sys
import traceback

os.environ.setdefault("HDF5_PLUGIN_PATH", "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")
# external raw data files (fixtures layouts*.h5) beside their HDF5 file
os.environ.setdefault("HDF5_EXTFILE_PREFIX", "${ORIGIN}")

import numpy as np  # noqa: E402
import h5py  # noqa: E402
from h5py import h5d, h5t, h5p, h5a  # noqa: E402

FORMATS = ("compat", "latest")
M64 = (1 << 64) - 1
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


# ---- generators -----------------------------------------------------------


def seed(name):
    s = 0
    for b in name.encode():
        s = (s * 31 + b) % 65521
    return s


def u64(i, s):
    return (i * 0x9E3779B97F4A7C15 + s * 0xD1B54A32D192ED03 + 1) & M64


def ig(bits, sg, i, s):
    v = u64(i, s) & ((1 << bits) - 1)
    if sg and v >> (bits - 1):
        v -= 1 << bits
    return v


def fg(i, s):
    return (((i * 37 + s * 11) % 401) - 200) / 4


def cg(i, s):
    return ((i * 7919 + s) % 20001) - 10000


def sgen(i, s):
    return "v%d-%d" % (s, i) + "x" * (i % 5)


def ugen(i, s):
    return "\u00e9" + sgen(i, s) + "\u2202"


def natural(dtype, n, name_or_seed, i0=0):
    """n natural values of numpy dtype, seeded by a name (or a seed)."""
    s = seed(name_or_seed) if isinstance(name_or_seed, str) else name_or_seed
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return np.array([fg(i0 + k, s) for k in range(n)], dtype=dt)
    bits = 8 * dt.itemsize
    return np.array([ig(bits, dt.kind == "i", i0 + k, s) for k in range(n)], dtype=dt)


def hyper_coords(start, stride, count, block):
    """Per-dimension index lists of a regular hyperslab (selection order is
    the C order of their outer product)."""
    out = []
    for d in range(len(start)):
        st = stride[d] if stride else 1
        bl = block[d] if block else 1
        out.append([start[d] + c * st + b for c in range(count[d]) for b in range(bl)])
    return out


def hyper_put(arr, start, stride, count, block, values):
    idx = hyper_coords(start, stride, count, block)
    shape = tuple(len(x) for x in idx)
    arr[np.ix_(*idx)] = np.asarray(values).reshape(shape)


# ---- check bookkeeping ----------------------------------------------------


class Checks:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def run(self, label, fn, *args):
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.failed += 1
            tb = traceback.extract_tb(e.__traceback__)
            where = ""
            for fr in reversed(tb):
                if fr.filename == __file__:
                    where = " [write_check.py:%d %s]" % (fr.lineno, fr.line)
                    break
            msg = ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")
            if len(msg) > 400:
                msg = msg[:400] + "..."
            print("FAIL %s: %s%s" % (label, msg, where))
            return False
        self.passed += 1
        if self.verbose:
            print("ok   %s" % label)
        return True


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s%r != expected %r" % (what + ": " if what else "", a, b))


def arr_eq(got, exp, what=""):
    got = np.asarray(got)
    exp = np.asarray(exp)
    if got.shape != exp.shape:
        raise AssertionError("%sshape %r != expected %r" % (what, got.shape, exp.shape))
    if got.dtype.kind == "f":
        ok = np.array_equal(got, exp, equal_nan=True)
    else:
        ok = np.array_equal(got, exp)
    if not ok:
        flat_g, flat_e = got.reshape(-1), exp.reshape(-1)
        bad = [k for k in range(flat_g.size) if not (flat_g[k] == flat_e[k])]
        k = bad[0] if bad else 0
        raise AssertionError(
            "%s%d of %d elements differ; first at flat index %d: %r != expected %r"
            % (what, len(bad), flat_g.size, k, flat_g[k], flat_e[k])
        )


def ds_check(f, path, dtype, shape, expected, maxshape=None, chunks=None, layout=None):
    d = f[path]
    if not isinstance(d, h5py.Dataset):
        raise AssertionError("%s is %s, not a dataset" % (path, type(d).__name__))
    eq(d.dtype, np.dtype(dtype), "dtype")
    eq(d.shape, tuple(shape), "shape")
    if maxshape is not None:
        eq(d.maxshape, tuple(maxshape), "maxshape")
    if chunks is not None:
        eq(d.chunks, tuple(chunks) if chunks else None, "chunks")
    if layout is not None:
        eq(d.id.get_create_plist().get_layout(), layout, "layout")
    arr_eq(d[()], np.asarray(expected, dtype=np.dtype(dtype)).reshape(shape))


def attr_check(obj, name, dtype, shape, expected):
    a = obj.attrs
    if name not in a:
        raise AssertionError("no attribute %r (have %r)" % (name, list(a)))
    aid = a.get_id(name)
    eq(aid.dtype, np.dtype(dtype), "dtype")
    eq(aid.shape, tuple(shape), "shape")
    arr_eq(a[name], np.asarray(expected, dtype=np.dtype(dtype)).reshape(shape))


def link_kind(f, path):
    return f.get(path, getlink=True)


def names_crt_order(g):
    out = []
    g.id.links.iterate(lambda n: out.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
    return out


# object header message types (spec IV.A.2)
MSG_LINFO, MSG_LINK, MSG_GINFO, MSG_ATTR, MSG_STAB, MSG_AINFO = 2, 6, 10, 12, 17, 21


def header(obj):
    """(object header version, set of message types present)"""
    hdr = h5py.h5o.get_info(obj.id).hdr
    return hdr.version, {t for t in range(64) if hdr.mesg.present >> t & 1}


def group_style(g):
    ver, msgs = header(g)
    if MSG_STAB in msgs:
        return "symbol table"
    if MSG_LINFO in msgs:
        return "compact" if MSG_LINK in msgs else "dense" if len(g) else "compact"
    raise AssertionError("%s: neither symbol table nor link info (messages %r)"
                         % (g.name, sorted(msgs)))


def open_file(ck, path):
    holder = []

    def op():
        holder.append(h5py.File(path, "r"))

    if not ck.run("%s open" % os.path.basename(path), op):
        return None
    return holder[0]


# ---- groups ----------------------------------------------------------------


def check_groups(ck, f, label, fmt):
    def styles():
        """compatible: v1 headers and symbol tables; latest: v2 headers,
        link messages up to 8 links, dense storage above"""
        for p, n in (("/n0", 0), ("/n1", 1), ("/n9", 9), ("/n100", 100), ("/n2000", 2000),
                     ("/a", 1), ("/to_big", 20)):
            g = f[p]
            ver, msgs = header(g)
            style = group_style(g)
            if p == "/to_big":
                # creation order tracked: link info even in the compatible format
                eq(style, "dense" if fmt == "latest" else style, p)
                eq(ver, 2, p + " header version (creation order needs v2)")
                continue
            if fmt == "compat":
                eq((ver, style), (1, "symbol table"), p)
            else:
                eq((ver, style), (2, "dense" if n > 8 else "compact"), p)

    def structure():
        eq(sorted(f.keys()), ["a", "n0", "n1", "n100", "n2000", "n9", "to", "to_big", "x"])
        eq(list(f["/a"]), ["b"])
        eq(list(f["/a/b"]), ["c"])
        eq(len(f["/a/b/c"]), 0)
        assert isinstance(f["/a/b/c"], h5py.Group)
        eq(list(f["/x"]), ["y"])
        assert "nope" not in f

    def track_order():
        order = ["zeta", "alpha", "mu", "beta", "omega", "delta"]
        g = f["/to"]
        crt = g.id.get_create_plist().get_link_creation_order()
        assert crt & h5p.CRT_ORDER_TRACKED, "creation order not tracked (%r)" % crt
        eq(names_crt_order(g), order, "creation order")
        eq(list(g), order, "h5py iteration")
        eq(sorted(g), sorted(order))
        big = f["/to_big"]
        exp = ["n%02d" % (19 - k) for k in range(20)]
        eq(names_crt_order(big), exp, "creation order")
        eq(list(big), exp, "h5py iteration")

    def counts():
        for n in (0, 1, 9, 100):
            g = f["/n%d" % n]
            eq(list(g), ["g%04d" % k for k in range(n)], "/n%d" % n)
            for k in range(n):
                assert isinstance(g["g%04d" % k], h5py.Group)

    def many():
        g = f["/n2000"]
        eq(list(g), ["k%04d" % k for k in range(2000)])
        xid = f["/x"].id
        for k in range(2000):
            nm = "k%04d" % k
            lk = g.get(nm, getlink=True)
            if k % 3 == 0:
                assert isinstance(lk, h5py.HardLink), (nm, lk)
                assert isinstance(g[nm], h5py.Group) and len(g[nm]) == 0, nm
            elif k % 3 == 1:
                assert isinstance(lk, h5py.SoftLink) and lk.path == "/x/y", (nm, lk)
                assert g[nm].id == f["/x/y"].id, nm
            else:
                assert isinstance(lk, h5py.HardLink), (nm, lk)
                assert g[nm].id == xid, nm

    for nm, fn in (("structure", structure), ("track_order", track_order), ("counts", counts),
                   ("2000 links", many), ("storage styles", styles)):
        ck.run("%s %s" % (label, nm), fn)


# ---- datasets ---------------------------------------------------------------


def check_datasets(ck, f, label):
    C = h5d.COMPACT
    G = h5d.CONTIGUOUS
    K = h5d.CHUNKED

    def nat(path, dtype, shape, layout=None, chunks=None, maxshape=None):
        n = int(np.prod(shape)) if shape else 1
        ds_check(f, path, dtype, shape, natural(dtype, n, path), maxshape=maxshape,
                 chunks=chunks, layout=layout)

    simple = [
        ("/compact1", "<i4", (10,), C, None, None),
        ("/compact2", "<f8", (3, 4), C, None, None),
        ("/compact3", "<i2", (2, 3, 4), C, None, None),
        ("/contig1", "<i4", (100,), G, None, None),
        ("/contig2", "<i4", (7, 9), G, None, None),
        ("/contig3", "<f8", (3, 4, 5), G, None, None),
        ("/contig4", "<i2", (2, 3, 4, 5), G, None, None),
        ("/default_storage", "<i4", (5,), G, None, None),
        ("/chunk1", "<i2", (100,), K, (16,), None),
        ("/chunk2", "<i4", (7, 9), K, (3, 4), None),
        ("/chunk3", "<f8", (5, 6, 7), K, (2, 4, 3), None),
        ("/chunk4", "<i4", (3, 4, 5, 6), K, (2, 3, 2, 4), None),
        ("/rank32", "<i4", tuple(2 if d % 8 == 0 else 1 for d in range(32)), G, None, None),
        ("/maxd_fixed", "<i4", (10,), K, (4,), (20,)),
        ("/maxd_unlim1", "<i4", (10,), K, (4,), (None,)),
        ("/maxd_unlim2", "<f8", (6, 8), K, (4, 3), (None, None)),
        ("/maxd_mixed", "<i2", (6, 8), K, (4, 3), (None, 8)),
        ("/single", "<i4", (6, 8), K, (6, 8), (6, 8)),
        ("/default_unlim", "<i4", (10,), K, None, (None,)),
        ("/scalar", "<f8", (), None, None, None),
    ]
    for path, dt, shape, lay, chunks, mx in simple:
        ck.run("%s %s" % (label, path), nat, path, dt, shape, lay, chunks, mx)

    def empty():
        ds_check(f, "/empty", "<i4", (0,), [], maxshape=(None,))

    def null():
        d = f["/null"]
        eq(d.shape, None, "shape of a null dataspace")
        eq(d.dtype, np.dtype("<i4"))

    def fill_contig():
        d = f["/fill_contig"]
        eq(d.fillvalue, -5, "fillvalue")
        exp = np.full(20, -5, "<i4")
        exp[5:10] = natural("<i4", 5, "/fill_contig")
        ds_check(f, "/fill_contig", "<i4", (20,), exp)

    def fill_chunk():
        d = f["/fill_chunk"]
        eq(d.fillvalue, 3.5, "fillvalue")
        exp = np.full((20, 20), 3.5)
        exp[0:5, 0:10] = natural("<f8", 50, "/fill_chunk").reshape(5, 10)
        ds_check(f, "/fill_chunk", "<f8", (20, 20), exp, chunks=(5, 5))

    def fill_default():
        ds_check(f, "/fill_default_chunk", "<i4", (10, 10), np.zeros((10, 10)), chunks=(4, 4))
        ds_check(f, "/fill_default_contig", "<i4", (10, 10), np.zeros((10, 10)), layout=G)
        eq(f["/fill_default_chunk"].fillvalue, 0)

    def alloc_early_contig():
        d = f["/alloc_early_contig"]
        pl = d.id.get_create_plist()
        eq(pl.get_alloc_time(), h5d.ALLOC_TIME_EARLY, "alloc time")
        eq(pl.get_fill_time(), h5d.FILL_TIME_ALLOC, "fill time")
        eq(d.id.get_storage_size(), 400, "storage size")
        ds_check(f, "/alloc_early_contig", "<i4", (10, 10), np.full((10, 10), 42), layout=G)

    def alloc_early_chunk():
        d = f["/alloc_early_chunk"]
        eq(d.id.get_create_plist().get_alloc_time(), h5d.ALLOC_TIME_EARLY, "alloc time")
        eq(d.id.get_storage_size(), 9 * 64, "storage size (all 9 chunks)")
        exp = np.full((10, 10), 42, "<i4")
        exp[2:5, 3:6] = natural("<i4", 9, "/alloc_early_chunk").reshape(3, 3)
        ds_check(f, "/alloc_early_chunk", "<i4", (10, 10), exp, chunks=(4, 4))

    def alloc_late_contig():
        d = f["/alloc_late_contig"]
        eq(d.id.get_create_plist().get_alloc_time(), h5d.ALLOC_TIME_LATE, "alloc time")
        eq(d.id.get_storage_size(), 0, "storage size")
        eq(d.fillvalue, 8)
        ds_check(f, "/alloc_late_contig", "<i4", (10, 10), np.full((10, 10), 8))

    def fill_never():
        d = f["/fill_never"]
        eq(d.id.get_create_plist().get_fill_time(), h5d.FILL_TIME_NEVER, "fill time")
        arr_eq(d[0:5], natural("<i4", 5, "/fill_never"))

    def hyper():
        for path, fill, chunks in (("/hyper_contig", 0, None), ("/hyper_chunk", -1, (4, 5))):
            exp = np.full((10, 12), fill, "<i4")
            hyper_put(exp, (1, 2), (3, 4), (3, 2), (2, 3), natural("<i4", 36, path))
            ds_check(f, path, "<i4", (10, 12), exp, chunks=chunks)
        exp = np.zeros(12, "<i2")
        hyper_put(exp, (1,), (4,), (3,), (2,), natural("<i2", 6, "/hyper_compact"))
        ds_check(f, "/hyper_compact", "<i2", (12,), exp, layout=C)

    def conversion():
        for path, dt in (("/conv_i64be", ">i8"), ("/conv_f32", "<f4"),
                         ("/conv_i64be_chunk", ">i8")):
            s = seed(path)
            ds_check(f, path, dt, (3, 5), [cg(i, s) for i in range(15)])
        s = seed("/conv_u8")
        ds_check(f, "/conv_u8", "u1", (3, 5), [(i * 7 + s) % 256 for i in range(15)])
        s = seed("/conv_f64be")
        ds_check(f, "/conv_f64be", ">f8", (3, 5), [fg(i, s) for i in range(15)])
        eq(f["/conv_i64be_chunk"].chunks, (2, 2))

    def resize():
        ds_check(f, "/grow", "<i4", (25,), natural("<i4", 25, "/grow"), maxshape=(None,))
        exp = np.full((6, 7), 9, "<i4")
        exp[:4, :4] = natural("<i4", 16, "/grow2d").reshape(4, 4)
        ds_check(f, "/grow2d", "<i4", (6, 7), exp, maxshape=(None, None))
        ds_check(f, "/shrink", "<i4", (7,), natural("<i4", 20, "/shrink")[:7], maxshape=(20,))
        exp = natural("<i4", 20, "/shrink_grow")[:12].copy()
        exp[6:] = -1
        ds_check(f, "/shrink_grow", "<i4", (12,), exp, maxshape=(20,))

    for nm, fn in (("empty", empty), ("null", null), ("fill_contig", fill_contig),
                   ("fill_chunk", fill_chunk), ("fill_default", fill_default),
                   ("alloc_early_contig", alloc_early_contig),
                   ("alloc_early_chunk", alloc_early_chunk),
                   ("alloc_late_contig", alloc_late_contig), ("fill_never", fill_never),
                   ("hyperslabs", hyper), ("conversion", conversion), ("resize", resize)):
        ck.run("%s %s" % (label, nm), fn)


# ---- types -----------------------------------------------------------------

CMPD = np.dtype([("a", "<i4"), ("b", [("x", "<f8"), ("y", ">i2")]), ("c", "<i4", (3,)),
                 ("d", "S4")])
ENUM16 = {"RED": 0, "GREEN": 1, "BLUE": 7, "NEG": -3}
CTYPE = np.dtype([("x", "<i4"), ("y", ">f4")])


def cmpd_values(n, s):
    a = np.zeros(n, CMPD)
    for i in range(n):
        a[i]["a"] = ig(32, 1, i, s)
        a[i]["b"]["x"] = fg(i, s)
        a[i]["b"]["y"] = ig(16, 1, i, s + 1)
        a[i]["c"] = [ig(32, 1, 3 * i + j, s + 2) for j in range(3)]
        a[i]["d"] = ("c%d" % i).encode()[:4]
    return a


def raw_bytes(d):
    """The dataset's elements in its file type (no conversion)."""
    ft = d.id.get_type()
    buf = np.empty(d.shape, dtype="V%d" % ft.get_size())
    d.id.read(h5py.h5s.ALL, h5py.h5s.ALL, buf, mtype=ft)
    return buf.tobytes()


def check_types(ck, f, label):
    def ints():
        for size in (1, 2, 4, 8):
            for sg in (0, 1):
                for bo in ("le", "be"):
                    path = "/%sint%d%s" % ("" if sg else "u", 8 * size, bo)
                    dt = ("<" if bo == "le" else ">") + ("i" if sg else "u") + str(size)
                    ds_check(f, path, dt, (6,), natural(dt, 6, path))
                    order = f[path].id.get_type().get_order()
                    if size > 1:
                        eq(order, h5t.ORDER_LE if bo == "le" else h5t.ORDER_BE, path + " order")

    def floats():
        for size in (2, 4, 8):
            for bo in ("le", "be"):
                path = "/float%d%s" % (8 * size, bo)
                dt = ("<" if bo == "le" else ">") + "f" + str(size)
                ds_check(f, path, dt, (6,), natural(dt, 6, path))

    def fixed_strings():
        for path, size, pad, cset in (
            ("/str_nullterm", 16, h5t.STR_NULLTERM, h5t.CSET_ASCII),
            ("/str_nullpad", 16, h5t.STR_NULLPAD, h5t.CSET_ASCII),
            ("/str_spacepad", 16, h5t.STR_SPACEPAD, h5t.CSET_ASCII),
            ("/str_utf8", 24, h5t.STR_NULLTERM, h5t.CSET_UTF8),
            ("/str_utf8_nullpad", 24, h5t.STR_NULLPAD, h5t.CSET_UTF8),
        ):
            d = f[path]
            t = d.id.get_type()
            eq(t.get_class(), h5t.STRING, path + " class")
            assert not t.is_variable_str(), path
            eq(t.get_size(), size, path + " size")
            eq(t.get_strpad(), pad, path + " padding")
            eq(t.get_cset(), cset, path + " cset")
            eq(d.shape, (5,), path + " shape")
            s = seed(path)
            gen = ugen if cset == h5t.CSET_UTF8 else sgen
            vals = [gen(i, s).encode() for i in range(5)]
            padc = b" " if pad == h5t.STR_SPACEPAD else b"\0"
            eq(raw_bytes(d), b"".join(v.ljust(size, padc) for v in vals), path + " bytes")
            got = [x.rstrip(b" ") for x in d[()]]
            eq(got, vals, path + " values")

    def vlen_strings():
        for path, shape, cset in (("/vstr_ascii", (5,), h5t.CSET_ASCII),
                                  ("/vstr_utf8", (5,), h5t.CSET_UTF8),
                                  ("/vstr_2d", (2, 3), h5t.CSET_ASCII)):
            d = f[path]
            t = d.id.get_type()
            assert t.is_variable_str(), path + " is not a variable-length string"
            eq(t.get_cset(), cset, path + " cset")
            eq(d.shape, shape, path + " shape")
            s = seed(path)
            gen = ugen if cset == h5t.CSET_UTF8 else sgen
            exp = [gen(i, s) for i in range(int(np.prod(shape)))]
            exp[2] = ""
            eq(list(d.asstr()[()].reshape(-1)), exp, path)

    def compound():
        d = f["/cmpd"]
        eq(d.dtype, CMPD, "dtype")
        arr_eq(d[()], cmpd_values(4, seed("/cmpd")))
        attr_check(f["/g1"], "a_cmpd", CMPD, (2,), cmpd_values(2, seed("/g1@a_cmpd")))

    def enum():
        d = f["/enum16"]
        eq(h5py.check_enum_dtype(d.dtype), ENUM16, "enum members")
        eq(d.dtype, np.dtype("<i2"), "enum base")
        arr_eq(d[()], [[0, 1, 7, -3][i % 4] for i in range(6)])
        a = f["/g1"].attrs
        eq(h5py.check_enum_dtype(a.get_id("a_enum").dtype), ENUM16)
        arr_eq(a["a_enum"], [0, 1, 7])
        ds_check(f, "/bool", "?", (5,), [i % 3 == 0 for i in range(5)])
        eq(a["a_bool"], np.True_, "a_bool")
        eq(a.get_id("a_bool").dtype, np.dtype("?"))

    def array():
        d = f["/arr"]
        eq(d.dtype, np.dtype(("<i4", (2, 3))), "dtype")
        eq(d.shape, (4,))
        arr_eq(d[()], natural("<i4", 24, "/arr").reshape(4, 2, 3))
        a = f["/g1"].attrs
        arr_eq(a["a_arr"], natural("<i4", 6, "/g1@a_arr").reshape(2, 3))

    def opaque():
        d = f["/opaque"]
        t = d.id.get_type()
        eq(t.get_class(), h5t.OPAQUE)
        eq(t.get_tag(), b"cfive:opaque", "tag")
        eq(d.dtype, np.dtype("V6"))
        s = seed("/opaque")
        # h5py cannot convert a tagged opaque type to its untagged one: read
        # in the file type
        eq(raw_bytes(d), bytes(((k * 13 + s) & 255) for k in range(18)))

    def bitfield():
        for path, dt, size in (("/bits16", "<u2", 2), ("/bits32be", ">u4", 4)):
            d = f[path]
            t = d.id.get_type()
            eq(t.get_class(), h5t.BITFIELD, path + " class")
            eq(t.get_size(), size)
            eq(t.get_order(), h5t.ORDER_BE if dt[0] == ">" else h5t.ORDER_LE, path + " order")
            s = seed(path)
            arr_eq(d[()].astype("u8"), [ig(8 * size, 0, i, s) for i in range(6)], path)

    def vlen_seq():
        d = f["/vseq_i32"]
        eq(h5py.check_vlen_dtype(d.dtype), np.dtype("<i4"), "base")
        s = seed("/vseq_i32")
        v = d[()]
        eq(len(v), 5)
        for i in range(5):
            arr_eq(v[i], [ig(32, 1, 10 * i + j, s) for j in range(i)], "element %d: " % i)
        av = f["/g1"].attrs["a_vseq"]
        s = seed("/g1@a_vseq")
        for i in range(3):
            arr_eq(av[i], [ig(32, 1, 10 * i + j, s) for j in range(i + 1)], "attr %d: " % i)

    def vlen_cmpd():
        d = f["/vseq_cmpd"]
        base = np.dtype([("p", "<i2"), ("q", "<f8")])
        eq(h5py.check_vlen_dtype(d.dtype), base, "base")
        s = seed("/vseq_cmpd")
        v = d[()]
        for i in range(4):
            exp = np.array([(ig(16, 1, 10 * i + j, s), fg(10 * i + j, s)) for j in range(i + 1)],
                           dtype=base)
            arr_eq(v[i], exp, "element %d: " % i)

    def objrefs():
        d = f["/refs"]
        eq(h5py.check_ref_dtype(d.dtype), h5py.Reference)
        eq([f[r].name for r in d[()]], ["/", "/g1", "/int32le", "/cmpd"])
        ra = f["/g1"].attrs["ref_attr"]
        eq([f[r].name for r in ra], ["/grid", "/g1"])
        assert f[d[2]].id == f["/int32le"].id

    def regrefs():
        grid = f["/grid"]
        nat = natural("<i4", 48, "/grid").reshape(6, 8)
        arr_eq(grid[()], nat)
        d = f["/regrefs"]
        eq(h5py.check_ref_dtype(d.dtype), h5py.RegionReference)
        r0, r1 = d[()]
        eq(f[r0].name, "/grid")
        eq(f[r1].name, "/grid")
        arr_eq(np.asarray(grid[r0]).reshape(-1), nat[1:3, 2:5].reshape(-1), "hyperslab: ")
        arr_eq(np.asarray(grid[r1]).reshape(-1), [nat[0, 0], nat[5, 7], nat[2, 3]], "points: ")
        ra = f["/g1"].attrs["regref_attr"]
        arr_eq(np.asarray(grid[ra]).reshape(-1), nat[1:3, 2:5].reshape(-1), "attribute: ")

    def attrs_misc():
        g = f["/g1"]
        attr_check(g, "a_i16be", ">i2", (3,), natural(">i2", 3, "/g1@a_i16be"))
        attr_check(g, "a_f32", "<f4", (), natural("<f4", 1, "/g1@a_f32")[0])
        eq(g.attrs["a_str"], sgen(0, seed("/g1@a_str")).encode())
        eq(g.attrs["a_vstr"], "hello \u2202")
        s = seed("/g1@a_vstrv")
        eq(list(g.attrs["a_vstrv"]), [sgen(i, s) for i in range(3)])

    def committed():
        t = f["/types/ctype"]
        assert isinstance(t, h5py.Datatype), type(t)
        eq(t.dtype, CTYPE)
        assert isinstance(f["/types/myint"], h5py.Datatype)
        eq(f["/types/myint"].dtype, np.dtype(">i2"))
        d = f["/cmt_ds"]
        dt = d.id.get_type()
        assert dt.committed(), "dataset /cmt_ds does not use a committed type"
        eq(h5py.h5i.get_name(dt), b"/types/ctype", "named type of /cmt_ds")
        s = seed("/cmt_ds")
        exp = np.array([(ig(32, 1, i, s), fg(i, s)) for i in range(4)], CTYPE)
        arr_eq(d[()], exp)
        at = h5a.open(d.id, b"cmt_attr").get_type()
        assert at.committed(), "attribute cmt_attr does not use a committed type"
        eq(h5py.h5i.get_name(at), b"/types/myint")
        attr_check(d, "cmt_attr", ">i2", (2,), natural(">i2", 2, "/cmt_ds@cmt_attr"))
        rt = h5a.open(f.id, b"root_cmt").get_type()
        assert rt.committed(), "attribute root_cmt does not use a committed type"
        s = seed("/@root_cmt")
        eq(f.attrs["root_cmt"].tolist(), (ig(32, 1, 0, s), fg(0, s)))

    for nm, fn in (("ints", ints), ("floats", floats), ("fixed strings", fixed_strings),
                   ("vlen strings", vlen_strings), ("compound", compound), ("enum/bool", enum),
                   ("array", array), ("opaque", opaque), ("bitfield", bitfield),
                   ("vlen int", vlen_seq), ("vlen compound", vlen_cmpd),
                   ("object refs", objrefs), ("region refs", regrefs),
                   ("attribute types", attrs_misc), ("committed types", committed)):
        ck.run("%s %s" % (label, nm), fn)


# ---- attributes ---------------------------------------------------------------


def check_attrs(ck, f, label, fmt):
    def styles():
        """24 attributes: messages in the header (compatible), dense storage
        (latest); 1 attribute: a message either way"""
        ver, msgs = header(f["/g"])
        if fmt == "compat":
            eq(ver, 1, "header version")
            assert MSG_ATTR in msgs and MSG_AINFO not in msgs, sorted(msgs)
        else:
            eq(ver, 2, "header version")
            assert MSG_AINFO in msgs and MSG_ATTR not in msgs, \
                "not dense: messages %r" % sorted(msgs)
        ver, msgs = header(f["/g2"])
        assert MSG_ATTR in msgs, sorted(msgs)

    def many():
        g = f["/g"]
        for k in range(20):
            nm = "a%02d" % k
            if k == 5:
                assert nm not in g.attrs, "deleted attribute a05 still there"
                continue
            attr_check(g, nm, "<i4", (k + 1,), natural("<i4", k + 1, "/g@" + nm))

    def overwrite():
        g = f["/g"]
        attr_check(g, "ow", "<f8", (2, 2), natural("<f8", 4, "/g@ow"))
        attr_check(g, "same", "<i4", (3,), natural("<i4", 3, "/g@same"))
        attr_check(g, "grow", "<i2", (5,), natural("<i2", 5, "/g@grow"))

    def names_and_null():
        g = f["/g"]
        nm = "temp\u00e9rature_\u2202"
        attr_check(g, nm, "<i4", (), natural("<i4", 1, "/g@" + nm)[0])
        v = g.attrs["nullattr"]
        assert isinstance(v, h5py.Empty), repr(v)
        exp = sorted(["a%02d" % k for k in range(20) if k != 5]
                     + ["ow", "same", "grow", nm, "nullattr"])
        eq(sorted(g.attrs), exp, "attribute names of /g")

    def deleted():
        eq(list(f["/g2"].attrs), ["keep"])
        attr_check(f["/g2"], "keep", "<i4", (2,), natural("<i4", 2, "/g2@keep"))

    def on_dataset():
        d = f["/d"]
        ds_check(f, "/d", "<i4", (5,), natural("<i4", 5, "/d"))
        eq(d.attrs["units"], b"m")
        eq(d.attrs.get_id("units").get_type().get_strpad(), h5t.STR_NULLTERM)
        attr_check(d, "scale", "<f8", (), natural("<f8", 1, "/d@scale")[0])
        eq(f.attrs["title"], "cfive \u2202 attributes")

    def order():
        t = f["/to"]
        crt = t.id.get_create_plist().get_attr_creation_order()
        assert crt & h5p.CRT_ORDER_TRACKED, "attribute creation order not tracked"
        eq(list(t.attrs), ["z", "a", "m"])
        for nm in ("z", "a", "m"):
            attr_check(t, nm, "i1", (), natural("i1", 1, "/to@" + nm)[0])

    def on_type():
        t = f["/t"]
        assert isinstance(t, h5py.Datatype)
        attr_check(t, "on_type", "<i2", (2,), natural("<i2", 2, "/t@on_type"))

    def big():
        b = f["/big_holder"]
        attr_check(b, "big", "<f8", (12800,), natural("<f8", 12800, "/big_holder@big"))
        attr_check(b, "small", "<i4", (1,), natural("<i4", 1, "/big_holder@small"))

    tests = [("20 attributes", many), ("storage styles", styles), ("overwrite", overwrite),
             ("utf8 name/null space", names_and_null), ("delete", deleted),
             ("dataset/root attrs", on_dataset), ("creation order", order),
             ("attribute of a named type", on_type)]
    if fmt == "latest":
        tests.append(("100 KB attribute", big))
    for nm, fn in tests:
        ck.run("%s %s" % (label, nm), fn)


# ---- links -----------------------------------------------------------------


def check_linktarget(ck, f, label):
    ck.run("%s /t/data" % label, ds_check, f, "/t/data", "<i4", (4,),
           natural("<i4", 4, "/t/data"))


def check_links(ck, f, label, fmt):
    tname = "linktarget_%s.h5" % fmt
    data = natural("<i4", 4, "/t/data")

    def hard():
        for p in ("/h1", "/sub/h2", "/g_alias", "/g/d"):
            assert isinstance(link_kind(f, p), h5py.HardLink), (p, link_kind(f, p))
        did = f["/g/d"].id
        assert f["/h1"].id == did, "/h1 is not /g/d"
        assert f["/sub/h2"].id == did, "/sub/h2 is not /g/d"
        assert f["/g_alias"].id == f["/g"].id, "/g_alias is not /g"
        arr_eq(f["/h1"][()], natural("<i4", 5, "/g/d"))
        eq(h5py.h5o.get_info(f["/g/d"].id).rc, 3, "reference count of /g/d")
        eq(h5py.h5o.get_info(f["/g"].id).rc, 2, "reference count of /g")

    def soft():
        for p, t in (("/s1", "/g/d"), ("/s2", "g/d"), ("/dang", "/nowhere"),
                     ("/deep/soft", "/g")):
            lk = link_kind(f, p)
            assert isinstance(lk, h5py.SoftLink), (p, lk)
            eq(lk.path, t, p)
        arr_eq(f["/s1"][()], natural("<i4", 5, "/g/d"))
        arr_eq(f["/s2"][()], natural("<i4", 5, "/g/d"))
        eq(f.get("/dang"), None, "dangling soft link resolves")
        assert f["/deep/soft"].id == f["/g"].id

    def external():
        for p, fn, op in (("/e1", tname, "/t/data"), ("/e2", "missing.h5", "/x"),
                          ("/g/e3", tname, "/t")):
            lk = link_kind(f, p)
            assert isinstance(lk, h5py.ExternalLink), (p, lk)
            eq((lk.filename, lk.path), (fn, op), p)
        arr_eq(f["/e1"][()], data)
        arr_eq(f["/g/e3/data"][()], data)

    def deleted():
        for p in ("/tmp_g", "/tmp_s", "/g/tmp_d"):
            eq(link_kind(f, p), None, p)
        eq(sorted(f["/g"]), ["d", "e3"])
        eq(list(f["/many"]), ["m%02d" % k for k in range(30) if k % 3])
        eq(sorted(f), ["dang", "deep", "e1", "e2", "g", "g_alias", "h1", "many", "s1", "s2",
                       "sub"])

    for nm, fn in (("hard", hard), ("soft", soft), ("external", external),
                   ("delete", deleted)):
        ck.run("%s %s" % (label, nm), fn)


# ---- filters ------------------------------------------------------------------

# name: (int?, [(filter id, h5py-visible check)], ...)
FILTERS = [
    ("/gzip1", True, [1]),
    ("/gzip6", True, [1]),
    ("/gzip9", False, [1]),
    ("/shuffle_gzip", False, [2, 1]),
    ("/fletcher32", True, [3]),
    ("/shuffle_gzip_fletcher32", True, [2, 1, 3]),
    ("/lzf", False, [32000]),
    ("/lz4", True, [32004]),
    ("/blosc_blosclz", False, [32001]),
    ("/blosc_lz4", True, [32001]),
    ("/blosc_noshuffle", True, [32001]),
    ("/scaleoffset_int", True, [6]),
    ("/gzip_fill", True, [1]),
    ("/gzip_unlim", False, [2, 1]),
]
GZIP_LEVEL = {"/gzip1": 1, "/gzip6": 6, "/gzip9": 9, "/shuffle_gzip": 4,
              "/shuffle_gzip_fletcher32": 6, "/gzip_fill": 6, "/gzip_unlim": 6}


# blosc level, shuffle, compressor as writetest sets them
BLOSC_CD = {"/blosc_blosclz": (5, 1, 0), "/blosc_lz4": (5, 1, 1), "/blosc_noshuffle": (9, 0, 0)}


def filter_expected(name, isint):
    s = seed(name)
    gen = cg if isint else fg
    dt = "<i4" if isint else "<f8"
    if name == "/gzip_fill":
        a = np.full((50, 40), 77, dt)
    else:
        a = np.array([gen(i, s) for i in range(2000)], dt).reshape(50, 40)
    a[10:20, 5:30] = np.array([gen(i, s + 1) for i in range(250)], dt).reshape(10, 25)
    if name == "/gzip_unlim":
        a = np.concatenate([a, np.array([fg(i, s + 2) for i in range(400)], dt).reshape(10, 40)])
    return a


def check_filters(ck, f, label):
    def one(name, isint, ids):
        d = f[name]
        pl = d.id.get_create_plist()
        got = [pl.get_filter(k)[0] for k in range(pl.get_nfilters())]
        eq(got, ids, "filter pipeline")
        if name in GZIP_LEVEL:
            eq(d.compression, "gzip")
            eq(d.compression_opts, GZIP_LEVEL[name], "gzip level")
        eq(d.shuffle, 2 in ids, "shuffle")
        eq(d.fletcher32, 3 in ids, "fletcher32")
        eq(d.chunks, (16, 16), "chunks")
        if name == "/gzip_fill":
            eq(d.fillvalue, 77)
        exp = filter_expected(name, isint)
        ds_check(f, name, "<i4" if isint else "<f8", exp.shape, exp)
        if name == "/gzip_unlim":
            eq(d.maxshape, (None, 40))
        # client data as the filters' set_local callbacks complete it
        esz = 4 if isint else 8
        cbytes = 16 * 16 * esz
        exp_cd = {
            2: (esz,),
            32000: (4, 261, cbytes),
            32001: (2, 2, esz, cbytes) + BLOSC_CD.get(name, ()),
            6: (2, 0, 256, 0, 4, 1, 0),
        }
        for k in range(pl.get_nfilters()):
            fid, flags, cd, _ = pl.get_filter(k)
            if fid in exp_cd:
                n = len(exp_cd[fid])
                eq(tuple(cd[:n]), exp_cd[fid], "client data of filter %d" % fid)
            eq(flags & 1, 1 if fid in (32000, 32001, 32004) else 0, "optional flag of %d" % fid)

    for name, isint, ids in FILTERS:
        ck.run("%s %s" % (label, name), one, name, isint, ids)


# ---- user block ------------------------------------------------------------------


def check_userblock(ck, f, label, path):
    def ub():
        eq(f.userblock_size, 512, "userblock_size")
        with open(path, "rb") as fp:
            eq(fp.read(17), b"cfive user block\n")
        ds_check(f, "/g/d", "<i4", (8,), natural("<i4", 8, "/g/d"))
        ds_check(f, "/g/c", "<i4", (8,), natural("<i4", 8, "/g/c"), chunks=(3,))
        attr_check(f, "a", "<i4", (8,), natural("<i4", 8, "/@a"))

    ck.run("%s user block" % label, ub)


# ---- reopen ------------------------------------------------------------------------


def check_reopen(ck, f, label):
    def final():
        ds_check(f, "/g/d", "<i4", (16,), natural("<i4", 16, "/g/d"), maxshape=(None,))
        c = natural("<f8", 6, "/c")
        c[2:4] = natural("<f8", 2, "/c#2")
        ds_check(f, "/c", "<f8", (6,), c)
        attr_check(f, "a1", "<i2", (3,), natural("<i2", 3, "/@a1"))
        attr_check(f, "a2", "<f8", (), natural("<f8", 1, "/@a2")[0])
        attr_check(f, "a3", "i1", (4,), natural("i1", 4, "/@a3"))
        ds_check(f, "/g/d2", "<i2", (8,), natural("<i2", 8, "/g/d2"))
        eq(sorted(f["/g"]), ["d", "d2", "s"])
        eq(link_kind(f, "/g/s").path, "/c")
        assert isinstance(f["/g2/new"], h5py.Group)
        assert isinstance(f["/g3"], h5py.Group)
        eq(list(f["/g"].attrs), [], "attributes of /g")
        eq(sorted(f), ["c", "g", "g2", "g3"])

    ck.run("%s final state" % label, final)


# ---- fixtures ------------------------------------------------------------------------


def ref_key(fobj, r):
    """What a reference points at: object name (and selection for regions)."""
    if not r:
        return None
    o = fobj[r]
    if isinstance(r, h5py.RegionReference):
        return (o.name, np.asarray(o[r]).tobytes())
    return (o.name, h5py.h5o.get_info(o.id).addr)


def same_value(a, b, fa=None, fb=None):
    if fa is not None and isinstance(a, (h5py.Reference, h5py.RegionReference)):
        return ref_key(fa, a) == ref_key(fb, b)
    if isinstance(a, h5py.Empty) or isinstance(b, h5py.Empty):
        return type(a) is type(b) and a.dtype == b.dtype
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    if a.dtype.kind == "O":
        return all(same_value(x, y, fa, fb) if isinstance(x, (np.ndarray, h5py.Reference,
                                                              h5py.RegionReference))
                   else x == y
                   for x, y in zip(a.reshape(-1), b.reshape(-1)))
    if a.dtype.names:
        return a.tobytes() == b.tobytes() or all(
            same_value(a[n], b[n], fa, fb) for n in a.dtype.names)
    return np.array_equal(a, b)


def compare_tree(orig, new):
    """Everything readable in orig reads the same in new (by link walk)."""
    problems = []

    def walk(go, gn, path, depth):
        if depth > 20:
            return
        for k in go.attrs:
            try:
                va = go.attrs[k]
            except Exception:  # noqa: BLE001 - unreadable in the original too
                continue
            try:
                vb = gn.attrs[k]
            except Exception as e:  # noqa: BLE001
                problems.append("%s@%s: %s" % (path, k, e))
                continue
            if not same_value(va, vb, orig, new):
                problems.append("%s@%s differs" % (path, k))
        if not isinstance(go, h5py.Group):
            return
        for name in go:
            p = path.rstrip("/") + "/" + name
            lo = go.get(name, getlink=True)
            ln = gn.get(name, getlink=True)
            if type(lo) is not type(ln):
                problems.append("%s: link %r became %r" % (p, lo, ln))
                continue
            if isinstance(lo, h5py.SoftLink):
                if lo.path != ln.path:
                    problems.append("%s: soft link target changed" % p)
                continue
            if isinstance(lo, h5py.ExternalLink):
                if (lo.filename, lo.path) != (ln.filename, ln.path):
                    problems.append("%s: external link changed" % p)
                continue
            try:
                oo = go[name]
            except Exception:  # noqa: BLE001
                continue
            on = gn[name]
            if type(oo) is not type(on):
                problems.append("%s: %s became %s" % (p, type(oo).__name__, type(on).__name__))
                continue
            if isinstance(oo, h5py.Dataset):
                try:
                    vo = oo[()]
                except Exception:  # noqa: BLE001
                    vo = None
                if vo is not None:
                    try:
                        vn = on[()]
                        if not same_value(vo, vn, orig, new):
                            problems.append("%s: values differ" % p)
                    except Exception as e:  # noqa: BLE001
                        problems.append("%s: %s" % (p, e))
                if oo.dtype != on.dtype or oo.shape != on.shape:
                    problems.append("%s: dtype/shape changed" % p)
            if isinstance(oo, (h5py.Group, h5py.Dataset, h5py.Datatype)):
                walk(oo, on, p, depth + 1)

    walk(orig, new, "/", 0)
    if problems:
        raise AssertionError("%d differences: %s" % (len(problems), "; ".join(problems[:5])))


def check_fixture(ck, path, label):
    orig_path = os.path.join(FIXTURES, os.path.basename(path))

    def additions():
        with h5py.File(path, "r") as f:
            assert isinstance(f["/cfive_added/sub"], h5py.Group)
            ds_check(f, "/cfive_added/data", "<i4", (7,), natural("<i4", 7, "/cfive_added/data"))
            ds_check(f, "/cfive_added/chunked", "<f8", (10,),
                     natural("<f8", 10, "/cfive_added/chunked"), maxshape=(None,), chunks=(4,))
            attr_check(f, "cfive_attr", "<i4", (3,), natural("<i4", 3, "/@cfive_attr"))
            eq(f["/cfive_added"].attrs["note"], "added by cfive")

    def touched():
        with h5py.File(path, "r") as f:
            for name in sorted(f, key=lambda n: n.encode()):
                if name == "cfive_added":
                    continue
                if isinstance(f.get(name, getlink=True), h5py.HardLink) and isinstance(
                        f[name], h5py.Group):
                    p = "/" + name
                    attr_check(f[p], "cfive_touched", "<i4", (2,),
                               natural("<i4", 2, p + "@cfive_touched"))
                    return

    def unchanged():
        with h5py.File(orig_path, "r") as fo, h5py.File(path, "r") as fn:
            compare_tree(fo, fn)
            eq(fo.userblock_size, fn.userblock_size, "userblock_size")

    ck.run("%s additions" % label, additions)
    ck.run("%s attribute on an existing group" % label, touched)
    ck.run("%s original content" % label, unchanged)


# ---- modes ---------------------------------------------------------------------------


def check_modes(ck, outdir, fmt):
    def names(fn, exp):
        with h5py.File(os.path.join(outdir, fn), "r") as f:
            eq(sorted(f), exp, fn)

    ck.run("modes_%s.h5 w" % fmt, names, "modes_%s.h5" % fmt, ["m"])
    ck.run("modes_a_%s.h5 a" % fmt, names, "modes_a_%s.h5" % fmt, ["created", "second"])
    ck.run("modes_trunc_%s.h5 w truncates" % fmt, names, "modes_trunc_%s.h5" % fmt, ["new"])
    ck.run("modes_wx_%s.h5 w-" % fmt, names, "modes_wx_%s.h5" % fmt, ["x"])
    ck.run("modes_x_%s.h5 x" % fmt, names, "modes_x_%s.h5" % fmt, ["x"])

    def missing():
        assert not os.path.exists(os.path.join(outdir, "missing_%s.h5" % fmt))

    ck.run("missing_%s.h5 not created by r+" % fmt, missing)


# ---- driver --------------------------------------------------------------------------

SECTIONS = {
    "groups": check_groups,
    "datasets": check_datasets,
    "types": check_types,
    "attrs": check_attrs,
    "links": check_links,
    "filters": check_filters,
    "userblock": check_userblock,
    "reopen": check_reopen,
}


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    outdir = args[0]
    ck = Checks("-v" in sys.argv[1:])
    for fmt in FORMATS:
        for sec, fn in SECTIONS.items():
            path = os.path.join(outdir, "%s_%s.h5" % (sec, fmt))
            label = os.path.basename(path)
            f = open_file(ck, path)
            if f is None:
                continue
            with f:
                if sec in ("attrs", "links", "groups"):
                    fn(ck, f, label, fmt)
                elif sec == "userblock":
                    fn(ck, f, label, path)
                else:
                    fn(ck, f, label)
        rpath = os.path.join(outdir, "rank32c_%s.h5" % fmt)
        f = open_file(ck, rpath)
        if f is not None:
            with f:
                shape = tuple(2 if d % 8 == 0 else 1 for d in range(32))
                ck.run("%s /rank32c" % os.path.basename(rpath), ds_check, f, "/rank32c", "<i4",
                       shape, natural("<i4", 16, "/rank32c"), None, (1,) * 32, h5d.CHUNKED)
        tpath = os.path.join(outdir, "linktarget_%s.h5" % fmt)
        f = open_file(ck, tpath)
        if f is not None:
            with f:
                check_linktarget(ck, f, os.path.basename(tpath))
        fxdir = os.path.join(outdir, "fx_%s" % fmt)
        fixtures = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".h5"))
        for n in fixtures:
            p = os.path.join(fxdir, n)
            label = "fx_%s/%s" % (fmt, n)
            if not os.path.exists(p):
                ck.run(label, lambda: (_ for _ in ()).throw(AssertionError("not written")))
                continue
            check_fixture(ck, p, label)
        check_modes(ck, outdir, fmt)
    print("write_check: %d passed, %d failed" % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
