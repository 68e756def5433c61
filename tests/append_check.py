"""Check files after tests/append_test.c appended N rows (see there for the
row values). Usage: append_check.py FILE KIND PATH TOTAL. Run with
/usr/bin/python3."""
import sys
import numpy as np
import h5py

fn, kind, path, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
i = np.arange(total)
if kind in ("table", "earray"):
    import tables
    with tables.open_file(fn, "r") as f:
        node = f.get_node(path)
        if kind == "table":
            assert isinstance(node, tables.Table), type(node)
            assert node.nrows == total, (node.nrows, total)
            rows = node.read()
            assert (rows["id"] == i).all()
            assert (rows["x"] == i * 0.5).all()
            assert (rows["name"] == np.array([b"r%d" % k for k in i])).all()
        else:
            assert isinstance(node, tables.EArray), type(node)
            assert node.nrows == total, (node.nrows, total)
            a = node.read()
            assert (a == i[:, None] + np.arange(3)[None, :]).all()
with h5py.File(fn, "r") as f:
    d = f[path]
    assert d.shape[0] == total, (d.shape, total)
    a = d[...]
    if kind == "vec":
        assert (a == i * 1.5).all()
    elif kind == "mat":
        assert (a == (4 * i)[:, None] + np.arange(4)[None, :]).all()
    elif kind == "earray":
        assert (a == i[:, None] + np.arange(3)[None, :]).all()
    else:
        assert (a["id"] == i).all()
print("ok")
