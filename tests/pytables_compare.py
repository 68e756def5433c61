#!/usr/bin/python3
"""Compare two PyTables files as PyTables sees them.

    /usr/bin/python3 tests/pytables_compare.py A B

Both files must hold the same nodes (walked from the root), each of the same
PyTables class (Group, Table, EArray, CArray, VLArray, Array, UnImplemented,
...; a filenode, an EArray with NODE_TYPE "file", counts as its own class),
with the same shape, atom / column description and data, and the same
attributes (user and system) with equal values. Links (SoftLink,
ExternalLink) must have the same targets.

Exit status 0 when equal, 1 when not (differences on stdout), 2 on usage
errors. Meant for files whose root has a PYTABLES_FORMAT_VERSION attribute;
`--is-pytables FILE` exits 0 for those and 1 otherwise.
"""
import sys
import warnings

import numpy as np
import tables

warnings.simplefilter("ignore")


def node_class(node):
    cls = node._v_classname if hasattr(node, "_v_classname") else type(node).__name__
    try:
        if cls == "EArray" and node._v_attrs.__contains__("NODE_TYPE") and \
                _text(node._v_attrs.NODE_TYPE) == "file":
            return "filenode"
    except Exception:  # noqa: BLE001
        pass
    return cls


def _text(v):
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode("utf-8", "replace")
    return str(v)


def canon(v):
    """Comparable form of a value read by PyTables (bytes for numbers, so
    NaN and -0.0 compare by their bits)."""
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return ("struct", v.shape, tuple((n, canon(v[n])) for n in v.dtype.names))
        if v.dtype.hasobject:
            return ("objects", v.shape, tuple(canon(x) for x in v.flat))
        return ("array", v.shape, v.dtype.str, np.ascontiguousarray(v).tobytes())
    if isinstance(v, np.void) and v.dtype.names:
        return ("struct", (), tuple((n, canon(v[n])) for n in v.dtype.names))
    if isinstance(v, np.generic):
        return ("scalar", v.dtype.str, v.tobytes())
    if isinstance(v, float):
        return ("float", np.float64(v).tobytes())
    if isinstance(v, (list, tuple)):
        return ("seq", tuple(canon(x) for x in v))
    return (type(v).__name__, v)


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - unreadable values compare as such
        return ("unreadable", type(e).__name__, str(e).split("\n")[0][:200])


def attrs_of(node):
    a = node._v_attrs
    names = sorted(a._v_attrnames)
    return {n: attempt(lambda n=n: canon(getattr(a, n))) for n in names}


def describe(node):
    cls = node_class(node)
    d = {"class": cls}
    if isinstance(node, tables.link.SoftLink):
        d["target"] = node.target
        return d
    if isinstance(node, tables.link.ExternalLink):
        d["target"] = node.target
        return d
    d["attrs"] = attempt(lambda: attrs_of(node))
    if isinstance(node, tables.Leaf):
        d["shape"] = attempt(lambda: tuple(node.shape))
        if isinstance(node, tables.Table):
            d["description"] = attempt(lambda: repr(node.description))
            d["nrows"] = node.nrows
        elif hasattr(node, "atom"):
            d["atom"] = attempt(lambda: repr(node.atom))
        d["data"] = attempt(lambda: canon(node.read()))
    return d


def walk(path):
    out = {}
    with tables.open_file(path, "r") as f:
        for node in f.walk_nodes("/"):
            out[node._v_pathname] = describe(node)
        # walk_nodes skips links' targets but lists the links themselves
        # only through their parent groups: add them.
        for group in f.walk_groups("/"):
            for name, link in group._v_links.items():
                p = link._v_pathname
                if p not in out:
                    out[p] = describe(link)
    return out


def short(x, n=200):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


def main(argv):
    if len(argv) == 3 and argv[1] == "--is-pytables":
        try:
            with tables.open_file(argv[2], "r") as f:
                return 0 if "PYTABLES_FORMAT_VERSION" in f.root._v_attrs._v_attrnames else 1
        except Exception:  # noqa: BLE001
            return 1
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = walk(argv[1]), walk(argv[2])
    diffs = []
    for p in sorted(set(a) | set(b)):
        da, db = a.get(p), b.get(p)
        if da is None or db is None:
            diffs.append("%s: %s vs %s" % (p, da and da["class"], db and db["class"]))
            continue
        for k in sorted(set(da) | set(db)):
            if da.get(k) != db.get(k):
                diffs.append("%s: %s differs: %s vs %s" % (p, k, short(da.get(k)), short(db.get(k))))
    for d in diffs[:20]:
        print("  " + d)
    if diffs:
        print("pytables_compare: %d difference(s)" % len(diffs))
        return 1
    classes = {}
    for d in a.values():
        classes[d["class"]] = classes.get(d["class"], 0) + 1
    print("pytables_compare: equal (%s)" % ", ".join("%d %s" % (n, c) for c, n in sorted(classes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
