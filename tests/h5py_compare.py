#!/usr/bin/python3
"""Compare two HDF5 files with h5py: are they the same tree of the same data?

    /usr/bin/python3 tests/h5py_compare.py [--props] [--max-diffs N] A B

Checked, object by object (objects are identified by the smallest path that
reaches them through hard links, so the two files' addresses never matter):
  - the same links in every group, in the same iteration order (creation
    order where the group tracks it): hard links to objects of the same
    kind, soft links with the same target, external links with the same
    file and path, user-defined links of the same type;
  - the same hard-link sharing: the paths that lead to one object in A lead
    to one object in B;
  - every attribute: the same names in the same order, datatype, dataspace
    and value;
  - every dataset: datatype (class, size, byte order, sign, precision,
    string padding and character set, members, enum values, array dims,
    opaque tag, and which committed datatype it uses), shape, max shape and
    value;
  - values compare bit for bit (floats by their bytes, so NaN and -0.0
    count); object references compare by the object they point to, region
    references by that object and the selection (type, blocks or points).
With --props datasets must also have the same storage properties: layout,
chunk dims, filter pipeline (id, flags, client data), fill value (whether
one is set, and its value), fill time and allocation time.

Exit status 0 when the files match, 1 when they differ (differences on
stdout), 2 on usage errors. External links are never followed.
"""
import sys

import h5py
import numpy as np

h5o, h5t, h5l, h5r, h5s, h5d, h5p = h5py.h5o, h5py.h5t, h5py.h5l, h5py.h5r, h5py.h5s, h5py.h5d, h5py.h5p

KIND = {h5o.TYPE_GROUP: "group", h5o.TYPE_DATASET: "dataset", h5o.TYPE_NAMED_DATATYPE: "datatype"}
# Datasets above this many bytes are compared in slices along dimension 0.
SLICE_BYTES = 256 << 20


def join(parent, name):
    return (parent if parent.endswith(b"/") else parent + b"/") + name


def show(path):
    return path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else str(path)


class Tree:
    """The link structure of one file, walked depth first in name order."""

    def __init__(self, path):
        self.f = h5py.File(path, "r")
        self.links = {}  # path -> link description
        self.order = {}  # group path -> link names in iteration order
        self.addr_of = {}  # path -> object address (hard links)
        self.kind_of = {}  # address -> object kind
        self.first = {}  # address -> first path visited
        self.errors = {}  # path -> error text
        self._walk(self.f.id, b"/", 0)
        self.key = {}  # address -> canonical key (smallest path)
        for p, a in self.addr_of.items():
            if a not in self.key or p < self.key[a]:
                self.key[a] = p

    def close(self):
        self.f.close()

    def _walk(self, gid, path, depth):
        addr = h5o.get_info(gid).addr
        self.addr_of[path] = addr
        self.kind_of[addr] = "group"
        self.first[addr] = path
        if depth > 1000:
            self.errors[path] = "groups nested too deeply"
            return
        names = []
        try:
            gid.links.iterate(names.append, idx_type=h5py.h5.INDEX_NAME)
        except Exception as e:  # noqa: BLE001 - recorded and compared
            self.errors[path] = "links: %s" % e
            return
        self.order[path] = self._iteration_order(gid, names)
        for name in sorted(names):
            p = join(path, name)
            try:
                info = gid.links.get_info(name)
            except Exception as e:  # noqa: BLE001
                self.links[p] = ("error", str(e))
                continue
            if info.type == h5l.TYPE_SOFT:
                self.links[p] = ("soft", gid.links.get_val(name))
                continue
            if info.type == h5l.TYPE_EXTERNAL:
                self.links[p] = ("external",) + tuple(gid.links.get_val(name))
                continue
            if info.type != h5l.TYPE_HARD:
                self.links[p] = ("user-defined", info.type)
                continue
            try:
                oid = h5o.open(gid, name)
                oinfo = h5o.get_info(oid)
            except Exception as e:  # noqa: BLE001
                self.links[p] = ("hard", "unopenable: %s" % e)
                continue
            kind = KIND.get(oinfo.type, "unknown")
            self.links[p] = ("hard", kind)
            a = oinfo.addr
            self.addr_of[p] = a
            if a in self.first:
                continue
            self.kind_of[a] = kind
            self.first[a] = p
            if kind == "group":
                self._walk(oid, p, depth + 1)

    @staticmethod
    def _iteration_order(gid, names):
        """Names in the order h5py iterates them: creation order when the
        group tracks it, name order otherwise."""
        try:
            flags = gid.get_create_plist().get_link_creation_order()
        except Exception:  # noqa: BLE001
            flags = 0
        if flags & h5p.CRT_ORDER_TRACKED:
            out = []
            try:
                gid.links.iterate(out.append, idx_type=h5py.h5.INDEX_CRT_ORDER, order=h5py.h5.ITER_INC)
                return out
            except Exception:  # noqa: BLE001 - tracked but not indexed
                pass
        return sorted(names)

    def canon_addr(self, addr):
        k = self.key.get(addr)
        return ("path", k) if k is not None else ("anonymous", self._anon_kind(addr))

    def _anon_kind(self, addr):
        return self.kind_of.get(addr, "object")

    def ident(self, oid):
        try:
            return self.canon_addr(h5o.get_info(oid).addr)
        except Exception as e:  # noqa: BLE001
            return ("unresolvable", type(e).__name__)


# ---- datatypes ---------------------------------------------------------------


def tdesc(t, tree, depth=0):
    """A comparable description of an HDF5 datatype."""
    if depth > 64:
        return ("too deep",)
    c = t.get_class()
    d = [("class", c), ("size", t.get_size())]
    if c in (h5t.INTEGER, h5t.BITFIELD, h5t.FLOAT):
        d += [("order", t.get_order()), ("precision", t.get_precision()), ("offset", t.get_offset())]
        if c == h5t.INTEGER:
            d.append(("sign", t.get_sign()))
        if c == h5t.FLOAT:
            d += [("fields", tuple(t.get_fields())), ("ebias", t.get_ebias()), ("norm", t.get_norm())]
    elif c == h5t.STRING:
        d += [("variable", t.is_variable_str()), ("cset", t.get_cset()), ("strpad", t.get_strpad())]
    elif c == h5t.OPAQUE:
        d.append(("tag", t.get_tag()))
    elif c == h5t.COMPOUND:
        d.append(("members", tuple(
            (t.get_member_name(i), t.get_member_offset(i), tdesc(t.get_member_type(i), tree, depth + 1))
            for i in range(t.get_nmembers()))))
    elif c == h5t.ENUM:
        d.append(("base", tdesc(t.get_super(), tree, depth + 1)))
        d.append(("members", tuple((t.get_member_name(i), t.get_member_value(i))
                                   for i in range(t.get_nmembers()))))
    elif c == h5t.VLEN:
        d.append(("base", tdesc(t.get_super(), tree, depth + 1)))
    elif c == h5t.ARRAY:
        d += [("dims", tuple(t.get_array_dims())), ("base", tdesc(t.get_super(), tree, depth + 1))]
    if depth == 0 and t.committed():
        d.append(("committed", tree.ident(t)))
    return tuple(d)


# ---- values -----------------------------------------------------------------


def region(ref, tree):
    try:
        sp = h5r.get_region(ref, tree.f.id)
        st = sp.get_select_type()
        if st == h5s.SEL_HYPERSLABS:
            sel = np.asarray(sp.get_select_hyper_blocklist()).tolist()
        elif st == h5s.SEL_POINTS:
            sel = np.asarray(sp.get_select_elem_pointlist()).tolist()
        else:
            sel = None
        return (st, repr(sel), tuple(sp.shape))
    except Exception as e:  # noqa: BLE001
        return ("unreadable region", type(e).__name__)


def canon(v, tree):
    """Values as comparable Python structures (bytes for plain numbers)."""
    if isinstance(v, h5py.Empty):
        return ("empty",)
    if isinstance(v, h5py.RegionReference):
        if not v:
            return ("regref", None)
        try:
            target = tree.ident(tree.f[v].id)
        except Exception as e:  # noqa: BLE001
            target = ("unresolvable", type(e).__name__)
        return ("regref", target, region(v, tree))
    if isinstance(v, h5py.Reference):
        if not v:
            return ("ref", None)
        try:
            return ("ref", tree.ident(tree.f[v].id))
        except Exception as e:  # noqa: BLE001
            return ("ref", ("unresolvable", type(e).__name__))
    if isinstance(v, np.ndarray):
        dt = v.dtype
        if dt.names:
            return ("struct", v.shape, tuple((n, canon(v[n], tree)) for n in dt.names))
        if not dt.hasobject:
            return ("array", v.shape, dt.str, np.ascontiguousarray(v).tobytes())
        return ("objects", v.shape, tuple(canon(x, tree) for x in v.flat))
    if isinstance(v, np.void):
        if v.dtype.names:
            return ("struct", (), tuple((n, canon(v[n], tree)) for n in v.dtype.names))
        return ("opaque", bytes(v))
    if isinstance(v, np.generic):
        return ("scalar", v.dtype.str, v.tobytes())
    if isinstance(v, float):
        return ("float", np.float64(v).tobytes())
    if isinstance(v, (list, tuple)):
        return ("seq", tuple(canon(x, tree) for x in v))
    return (type(v).__name__, v)


def read_dataset(ds):
    """Yields the dataset's value in pieces (one piece unless it is big)."""
    if ds.shape is None:
        yield h5py.Empty(ds.dtype)
        return
    nbytes = ds.size * max(ds.dtype.itemsize, 1)
    if len(ds.shape) == 0 or nbytes <= SLICE_BYTES or ds.shape[0] <= 1:
        yield ds[()]
        return
    step = max(1, int(ds.shape[0] * SLICE_BYTES // nbytes))
    for i in range(0, ds.shape[0], step):
        yield ds[i:i + step]


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - an unreadable value is compared as such
        return ("unreadable", type(e).__name__, str(e).split("\n")[0][:200])


# ---- objects ----------------------------------------------------------------


def attr_names(obj):
    """Attribute names in h5py's iteration order (creation order where
    tracked)."""
    return list(obj.attrs.keys())


def attr_desc(obj, name, tree):
    aid = h5py.h5a.open(obj.id, name.encode("utf-8", "surrogateescape") if isinstance(name, str) else name)
    shape = aid.shape
    t = tdesc(aid.get_type(), tree)
    return ("shape", shape), ("type", t), ("value", attempt(lambda: canon(obj.attrs[name], tree)))


def props(ds, tree):
    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    if layout == h5d.VIRTUAL:
        return ("virtual",)
    out = [("layout", layout)]
    if layout == h5d.CHUNKED:
        out.append(("chunk", tuple(dcpl.get_chunk())))
    filters = []
    for i in range(dcpl.get_nfilters()):
        code, flags, cd, _name = dcpl.get_filter(i)
        filters.append((code, flags, tuple(cd)))
    out.append(("filters", tuple(filters)))
    # A fill value the file sets; "undefined" and "library default" both
    # mean none was set (the difference shows only for unallocated storage,
    # where undefined reads as zeros too).
    user = dcpl.fill_value_defined() == h5d.FILL_VALUE_USER_DEFINED
    out.append(("fill value set", user))
    if user and ds.dtype.hasobject:
        out.append(("fill value", "variable-length: not compared"))  # h5py crashes on it
    elif user:
        out.append(("fill value", attempt(lambda: canon(ds.fillvalue, tree))))
    out.append(("fill time", dcpl.get_fill_time()))
    out.append(("alloc time", dcpl.get_alloc_time()))
    return tuple(out)


class Diff:
    def __init__(self, limit):
        self.n = 0
        self.limit = limit

    def __call__(self, msg):
        self.n += 1
        if self.n <= self.limit:
            print("  " + msg)
        elif self.n == self.limit + 1:
            print("  ...")


def short(x, n=160):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


def compare_objects(A, B, pa, pb, kind, diff, with_props):
    oa, ob = A.f[pa], B.f[pb]
    where = show(pa)
    na, nb = attempt(lambda: attr_names(oa)), attempt(lambda: attr_names(ob))
    if na != nb:
        if isinstance(na, list) and isinstance(nb, list) and sorted(na) == sorted(nb):
            diff("%s: attribute order differs: %s vs %s" % (where, short(na), short(nb)))
        else:
            diff("%s: attributes differ: %s vs %s" % (where, short(na), short(nb)))
    if isinstance(na, list) and isinstance(nb, list):
        for name in na:
            if name not in nb:
                continue
            da = attempt(lambda: attr_desc(oa, name, A))
            db = attempt(lambda: attr_desc(ob, name, B))
            if da != db:
                diff("%s: attribute %r differs: %s vs %s" % (where, name, short(da), short(db)))
    if kind == "datatype":
        ta, tb = tdesc(oa.id, A), tdesc(ob.id, B)
        # A committed type's own identity is its path: already compared.
        ta, tb = ta[:-1] if ta[-1][0] == "committed" else ta, tb[:-1] if tb[-1][0] == "committed" else tb
        if ta != tb:
            diff("%s: datatype differs: %s vs %s" % (where, short(ta), short(tb)))
        return
    if kind != "dataset":
        return
    for what, fa, fb in (("shape", lambda: oa.shape, lambda: ob.shape),
                         ("max shape", lambda: oa.maxshape, lambda: ob.maxshape),
                         ("datatype", lambda: tdesc(oa.id.get_type(), A), lambda: tdesc(ob.id.get_type(), B))):
        va, vb = attempt(fa), attempt(fb)
        if va != vb:
            diff("%s: %s differs: %s vs %s" % (where, what, short(va), short(vb)))
    if with_props:
        va, vb = attempt(lambda: props(oa, A)), attempt(lambda: props(ob, B))
        if va != vb and va != ("virtual",):
            diff("%s: storage properties differ: %s vs %s" % (where, short(va, 300), short(vb, 300)))
    try:
        ia, ib = read_dataset(oa), read_dataset(ob)
        k = 0
        while True:
            xa = attempt(lambda: canon(next(ia), A))
            xb = attempt(lambda: canon(next(ib), B))
            if xa != xb:
                diff("%s: values differ (piece %d): %s vs %s" % (where, k, short(xa), short(xb)))
                break
            if xa[0] == "unreadable":
                break
            k += 1
    except StopIteration:
        pass


def main(argv):
    args = argv[1:]
    with_props, limit = False, 20
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--props":
            with_props = True
        elif a == "--max-diffs" and args:
            limit = int(args.pop(0))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    A, B = Tree(args[0]), Tree(args[1])
    diff = Diff(limit)
    # Links and their order.
    for p in sorted(set(A.links) | set(B.links)):
        la, lb = A.links.get(p), B.links.get(p)
        if la != lb:
            diff("link %s: %s vs %s" % (show(p), short(la), short(lb)))
    for p in sorted(set(A.order) & set(B.order)):
        if A.order[p] != B.order[p]:
            diff("group %s: link order differs: %s vs %s" % (show(p), short(A.order[p]), short(B.order[p])))
    for p in sorted(set(A.errors) | set(B.errors)):
        if A.errors.get(p) != B.errors.get(p):
            diff("%s: %s vs %s" % (show(p), A.errors.get(p), B.errors.get(p)))
    # Sharing: the classes of paths leading to one object.
    def classes(T):
        by = {}
        for p, a in T.addr_of.items():
            by.setdefault(a, set()).add(p)
        return {frozenset(s) for s in by.values()}
    ca, cb = classes(A), classes(B)
    for s in sorted(ca - cb, key=lambda s: min(s)):
        diff("hard-link sharing differs: %s share one object in A only" % short(sorted(map(show, s))))
    for s in sorted(cb - ca, key=lambda s: min(s)):
        diff("hard-link sharing differs: %s share one object in B only" % short(sorted(map(show, s))))
    # Objects, by their first path in the walk (the same in both files when
    # the structure matched).
    nobj = 0
    for a, pa in sorted(A.first.items(), key=lambda x: x[1]):
        bb = B.addr_of.get(pa)
        if bb is None:
            continue
        kind = A.kind_of[a]
        if B.kind_of.get(bb) != kind:
            continue  # reported with the links
        nobj += 1
        compare_objects(A, B, pa, B.first[bb] if B.first.get(bb) == pa else pa, kind, diff, with_props)
    A.close()
    B.close()
    if diff.n:
        print("h5py_compare: %d difference(s)" % diff.n)
        return 1
    print("h5py_compare: equal (%d objects, %d links)" % (nobj, len(A.links)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
