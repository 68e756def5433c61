#!/usr/bin/python3
"""Write the benchmark file for bench/read_bench: a 512 MiB float64 dataset,
chunked, gzip level 6 + shuffle, as h5py writes it by default (superblock v0,
layout v3, v1 B-tree chunk index); and bench_vds.h5, a virtual dataset over
it (write_vds).

The data is semi-compressible on purpose: smooth functions plus noise,
rounded to 3 decimals, so the deflate stage has real work to do (about 2.5:1)
instead of collapsing runs of zeros.

The file is written only when it is not already there (or with --force), so
repeated `make -C bench run` calls skip the minute it takes to compress.

usage: gen_bench.py [DIR]          (default /tmp/cfive-bench)
"""
import os
import sys

import h5py
import numpy as np

ROWS, COLS = 8192, 8192           # 8192 * 8192 * 8 B = 512 MiB
CHUNKS = (64, 1024)               # 512 KiB per chunk, 1024 chunks
NAME = "bench_f64_gzip6_shuffle.h5"
DSET = "data"


def block(r0, r1):
    """Rows r0..r1-1 of the dataset: deterministic for a given row range."""
    i = np.arange(r0, r1, dtype=np.float64)[:, None]
    j = np.arange(COLS, dtype=np.float64)[None, :]
    smooth = 100.0 * np.sin(i / 311.0) * np.cos(j / 173.0) + 0.01 * (i - j)
    rng = np.random.default_rng(12345 + r0)
    noise = rng.normal(0.0, 0.5, size=(r1 - r0, COLS))
    return np.round(smooth + noise, 3)


VDS_NAME = "bench_vds.h5"


def write_vds(outdir):
    """bench_vds.h5: /vds, the bench dataset with its column halves swapped
    through two mappings (every virtual row reads two runs of 4096 values
    from chunked, compressed storage)."""
    path = os.path.join(outdir, VDS_NAME)
    if os.path.exists(path):
        return
    half = COLS // 2
    lay = h5py.VirtualLayout((ROWS, COLS), "<f8")
    src = h5py.VirtualSource(NAME, DSET, (ROWS, COLS))
    lay[:, :half] = src[:, half:]
    lay[:, half:] = src[:, :half]
    with h5py.File(path + ".part", "w") as f:
        f.create_virtual_dataset("vds", lay)
    os.replace(path + ".part", path)


def main(argv):
    force = "--force" in argv
    args = [a for a in argv[1:] if a != "--force"]
    outdir = args[0] if args else "/tmp/cfive-bench"
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, NAME)
    write_vds(outdir)
    if os.path.exists(path) and not force:
        print(f"{path}: already there")
        return 0
    tmp = path + ".part"
    with h5py.File(tmp, "w") as f:
        d = f.create_dataset(DSET, shape=(ROWS, COLS), dtype="<f8",
                             chunks=CHUNKS, compression="gzip",
                             compression_opts=6, shuffle=True)
        step = CHUNKS[0] * 4
        for r0 in range(0, ROWS, step):
            r1 = min(ROWS, r0 + step)
            d[r0:r1, :] = block(r0, r1)
    # Publish under the final name only once complete, so an interrupted run
    # never leaves a truncated file that later runs would trust.
    os.replace(tmp, path)
    size = os.path.getsize(path)
    print(f"{path}: {ROWS}x{COLS} float64, chunks {CHUNKS}, gzip6+shuffle, "
          f"{size / 2**20:.1f} MiB on disk (ratio {ROWS * COLS * 8 / size:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
