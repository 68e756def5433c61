"""Make the base files of the append test (tests/append.sh): a PyTables
Table and EArray, and h5py resizable datasets, in default and latest
formats. Run with /usr/bin/python3. Usage: append_make.py OUTDIR"""
import sys, os
import numpy as np
import h5py
import tables

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class Row(tables.IsDescription):
    id = tables.Int32Col(pos=0)
    x = tables.Float64Col(pos=1)
    name = tables.StringCol(8, pos=2)


for fmt in ("default", "latest"):
    # PyTables has no libver switch; its "latest" variant is written with
    # the HDF5 driver defaults, so only the default format is made for it.
    if fmt == "default":
        with tables.open_file(os.path.join(out, "pt_%s.h5" % fmt), "w") as f:
            t = f.create_table("/", "table", Row, "a table", expectedrows=100)
            r = t.row
            for i in range(3):
                r["id"], r["x"], r["name"] = i, i * 0.5, b"r%d" % i
                r.append()
            t.flush()
            e = f.create_earray("/", "earray", tables.Float64Atom(), (0, 3), "an earray")
            e.append(np.array([[0, 1, 2], [1, 2, 3], [2, 3, 4]], dtype="f8"))
    kw = {"libver": "latest"} if fmt == "latest" else {}
    with h5py.File(os.path.join(out, "h5_%s.h5" % fmt), "w", **kw) as f:
        d = f.create_dataset("d", shape=(3,), maxshape=(None,), dtype="f8", chunks=(1000,))
        d[:] = np.arange(3) * 1.5
        d2 = f.create_dataset("grp/d2", shape=(3, 4), maxshape=(None, 4), dtype="i4",
                              chunks=(16, 4), compression="gzip", shuffle=True)
        d2[:] = np.arange(12).reshape(3, 4)
