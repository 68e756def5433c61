#!/usr/bin/python3
"""Write the HDF5 fixture files cfive's reader tests run against.

Usage: /usr/bin/python3 tests/gen_fixtures.py [--small] OUTDIR

The files come from h5py, PyTables and netCDF4 (libhdf5 1.10.8 on Debian 12),
most of them twice: the default ("earliest") format and libver="latest", since
the two produce different on-disk structures for the same content (symbol
tables vs link messages, v1 vs v2 object headers, layout v3 vs v4, ...).
All data is deterministic (fixed seeds), so two runs write equivalent files.

--small writes only the subset committed in tests/fixtures/ (no big link
group), plus expected/NAME.txt, the tests/h5py_dump.py output of each file,
so the reader tests can run on machines without Python; keep that subset
under 1 MB in total.

Layout of the output (every name ends in .h5 so the test runners find it):
  types[_latest]       every datatype as a dataset and as an attribute
  layouts[_latest]     compact, contiguous, external (EFL), unallocated with
                       fill value, scalar, null dataspace, chunked unlimited
  links[_latest]       nested/track_order groups, soft, dangling, external
                       and repeated hard links, many attributes
  biggroup[_latest]    a group with 5000 links (dense storage under latest)
  userblock512, userblock4096[_latest]
  sohm_list, sohm_btree  shared object header messages (list / B-tree index)
  pytables             Table, EArray, CArray, VLArray, Array, filenode
  netcdf4              dimensions, variables, attributes, a subgroup
  ext_target           target of the external links in links*.h5
External data for layouts*.h5 lives in ext_*.bin beside them; readers resolve
those names relative to the fixture folder (run from inside it).
"""
import ctypes
import os
import sys

import h5py
import numpy as np
import tables


def rng(seed):
    return np.random.default_rng(seed)


def strtype(size, pad, cset):
    t = h5py.h5t.C_S1.copy()
    t.set_size(size)
    t.set_strpad(pad)
    t.set_cset(cset)
    return t


def lowlevel_dataset(parent, name, tid, shape, raw, mtype=None):
    """Create a dataset with an exact HDF5 type and write raw memory bytes."""
    space = h5py.h5s.create_simple(shape) if shape else h5py.h5s.create(h5py.h5s.SCALAR)
    dsid = h5py.h5d.create(parent.id, name.encode(), tid, space)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(raw), mtype=mtype or tid)
    return dsid


def lowlevel_attr(obj, name, tid, shape, raw, mtype=None):
    space = h5py.h5s.create_simple(shape) if shape else h5py.h5s.create(h5py.h5s.SCALAR)
    aid = h5py.h5a.create(obj.id, name.encode(), tid, space)
    aid.write(np.ascontiguousarray(raw), mtype=mtype or tid)
    return aid


def padded(strings, size, padbyte):
    out = bytearray()
    for s in strings:
        b = s.encode('utf-8') if isinstance(s, str) else s
        out += b[:size] + bytes([padbyte]) * (size - len(b[:size]))
    return np.frombuffer(bytes(out), dtype='u1')


# ---------------------------------------------------------------- types
NUMERIC = ['i1', 'u1'] + [e + k + str(n) for e in '<>' for k in 'iu' for n in (2, 4, 8)] \
    + [e + 'f' + str(n) for e in '<>' for n in (2, 4, 8)]
# 1-byte big-endian integers only exist as explicit HDF5 types.


def numeric_data(code, seed, n=7):
    dt = np.dtype(code)
    if dt.kind == 'f':
        v = rng(seed).standard_normal(n).astype(dt)
        v[0] = 0.0
        v[1] = -1.5
        v[2] = np.inf if n > 4 else v[2]
        v[3] = np.finfo(dt).tiny  # smallest normal
        v[4] = np.nan if n > 5 else v[4]
        return v
    info = np.iinfo(dt)
    v = rng(seed).integers(info.min, info.max, n, dtype=dt.newbyteorder('='), endpoint=True)
    v[0], v[1] = info.min, info.max
    return v.astype(dt)


COMPOUND = np.dtype([('a', '<i4'),
                     ('b', [('x', '<f8'), ('y', 'S3')]),
                     ('c', '<i2', (2, 3)),
                     ('d', '>u8'),
                     ('e', '<f4', (2,))])


def compound_data(seed, n=4):
    r = rng(seed)
    v = np.zeros(n, COMPOUND)
    v['a'] = r.integers(-1000, 1000, n)
    v['b']['x'] = r.standard_normal(n)
    v['b']['y'] = [b'ab', b'xyz', b'', b'q'][:n]
    v['c'] = r.integers(-300, 300, (n, 2, 3))
    v['d'] = r.integers(0, 2**63, n, dtype=np.uint64)
    v['e'] = r.standard_normal((n, 2))
    return v


def write_types(path, libver):
    f = h5py.File(path, 'w', libver=libver)
    d = f.create_group('num')
    a = f.create_group('attrs')
    for i, code in enumerate(NUMERIC):
        name = code.replace('<', 'le_').replace('>', 'be_')
        data = numeric_data(code, 100 + i)
        d.create_dataset(name, data=data)
        a.attrs[name] = data
    # 1-byte big-endian integers (numpy cannot say it; HDF5 can)
    for name, tid in (('be_i1', h5py.h5t.STD_I8BE), ('be_u1', h5py.h5t.STD_U8BE)):
        raw = np.array([0, 1, 127, 128, 255], dtype='u1')
        lowlevel_dataset(d, name, tid, (5,), raw, mtype=tid)
        lowlevel_attr(a, name, tid, (5,), raw, mtype=tid)
    # scalar numerics
    d.create_dataset('scalar_f8', data=np.float64(3.141592653589793))
    d.create_dataset('scalar_i4', data=np.int32(-42))
    a.attrs['scalar_f8'] = np.float64(2.718281828459045)
    a.attrs['scalar_i4'] = np.int32(7)
    a.attrs['scalar_be_u2'] = np.array(513, dtype='>u2')
    a.attrs['shape2d'] = np.arange(12, dtype='<i2').reshape(3, 4)

    s = f.create_group('str')
    words = ['', 'a', 'hello', 'ten chars!', 'x y']
    uwords = ['', 'é', 'grüß', 'Ω≈ç', 'abc']
    for pad, pname in ((h5py.h5t.STR_NULLPAD, 'nullpad'), (h5py.h5t.STR_NULLTERM, 'nullterm'),
                       (h5py.h5t.STR_SPACEPAD, 'spacepad')):
        for cset, cname, ws in ((h5py.h5t.CSET_ASCII, 'ascii', words),
                                (h5py.h5t.CSET_UTF8, 'utf8', uwords)):
            size = 10
            padbyte = 0x20 if pad == h5py.h5t.STR_SPACEPAD else 0
            # NULLTERM keeps room for the terminator.
            ws2 = [w.encode()[:size - 1] if pad == h5py.h5t.STR_NULLTERM else w.encode() for w in ws]
            raw = padded(ws2, size, padbyte)
            tid = strtype(size, pad, cset)
            lowlevel_dataset(s, 'fixed_%s_%s' % (pname, cname), tid, (len(ws),), raw)
            lowlevel_attr(a, 'fixed_%s_%s' % (pname, cname), tid, (len(ws),), raw)
    s.create_dataset('fixed_S6', data=np.array([b'abc', b'', b'sixsix'], dtype='S6'))
    s.create_dataset('scalar_S2', data=np.bytes_(b'hi'))
    vs = h5py.string_dtype('utf-8')
    s.create_dataset('vlen_utf8', data=np.array(['', 'one', 'two words', 'ünïcødé', 'x' * 40],
                                                dtype=object), dtype=vs)
    s.create_dataset('vlen_ascii', data=np.array([b'abc', b'', b'defg'], dtype=object),
                     dtype=h5py.string_dtype('ascii'))
    s.create_dataset('vlen_scalar', data='scalar string', dtype=vs)
    a.attrs.create('vlen_utf8', np.array(['α', 'beta', ''], dtype=object), dtype=vs)
    a.attrs['str_scalar'] = 'plain str attribute'
    a.attrs['bytes_scalar'] = np.bytes_(b'bytes attr')

    v = f.create_group('vlen')
    vi = h5py.vlen_dtype(np.dtype('<i4'))
    dv = v.create_dataset('vlen_i4', (4,), dtype=vi)
    dv[0] = np.array([1, 2, 3], 'i4')
    dv[1] = np.array([], 'i4')
    dv[2] = np.array([-7], 'i4')
    dv[3] = np.arange(20, dtype='i4')
    vd = h5py.vlen_dtype(np.dtype('>f8'))
    dv = v.create_dataset('vlen_be_f8', (2,), dtype=vd)
    dv[0] = np.array([0.5, -2.25], '>f8')
    dv[1] = np.array([1e300], '>f8')
    a.attrs.create('vlen_u2', [np.array([1, 2], 'u2'), np.array([65535], 'u2')],
                   dtype=h5py.vlen_dtype(np.dtype('<u2')))

    c = f.create_group('compound')
    c.create_dataset('nested', data=compound_data(7))
    c.create_dataset('complex', data=np.array([1 + 2j, -0.5j], dtype='<c16'))
    cvl = np.dtype([('id', '<i8'), ('name', h5py.string_dtype('utf-8')),
                    ('vals', h5py.vlen_dtype(np.dtype('<i2')))])
    x = np.zeros(3, cvl)
    x['id'] = [1, 2, 3]
    x['name'] = ['one', '', 'three']
    x['vals'] = [np.array([1, 2], 'i2'), np.array([], 'i2'), np.array([3], 'i2')]
    c.create_dataset('with_vlen', data=x)
    c.create_dataset('scalar', data=compound_data(8, 1)[0])
    a.attrs['compound'] = compound_data(9, 2)

    e = f.create_group('enum')
    ed = h5py.enum_dtype({'RED': 0, 'GREEN': 1, 'BLUE': 42}, basetype='i1')
    e.create_dataset('color', data=np.array([0, 1, 42, 0], dtype='i1'), dtype=ed)
    ed2 = h5py.enum_dtype({'LOW': -5, 'HIGH': 70000}, basetype='>i4')
    e.create_dataset('be_i4', data=np.array([-5, 70000], dtype='>i4'), dtype=ed2)
    e.create_dataset('bool', data=np.array([True, False, True]))
    a.attrs.create('enum', np.array([42, 1], 'i1'), dtype=ed)
    a.attrs['bool'] = np.bool_(True)

    ar = f.create_group('array')
    at = h5py.h5t.array_create(h5py.h5t.STD_I32LE, (2, 3))
    lowlevel_dataset(ar, 'i4_2x3', at, (3,), np.arange(18, dtype='<i4'))
    at2 = h5py.h5t.array_create(h5py.h5t.IEEE_F64BE, (4,))
    lowlevel_dataset(ar, 'be_f8_4', at2, (2,), np.linspace(-1, 1, 8).astype('>f8'))
    lowlevel_attr(a, 'array_i4_2x3', at, (1,), np.arange(6, dtype='<i4'))

    o = f.create_group('opaque')
    o.create_dataset('v8', data=np.frombuffer(bytes(range(40)), dtype='V8'))
    ot = h5py.h5t.create(h5py.h5t.OPAQUE, 5)
    ot.set_tag(b'my tag')
    lowlevel_dataset(o, 'tagged5', ot, (3,), np.frombuffer(b'abcde\x00\x01\x02\x03\x04\xff' * 1 + b'\xfe\xfd\xfc\xfb', 'u1'))
    a.attrs['opaque'] = np.frombuffer(b'\x01\x02\x03\x04', dtype='V4')[0]

    b = f.create_group('bitfield')
    for name, tid, raw in (('b8le', h5py.h5t.STD_B8LE, np.array([0, 1, 0x80, 0xff], 'u1')),
                           ('b16be', h5py.h5t.STD_B16BE, np.array([1, 0x1234, 0xffff], '>u2')),
                           ('b32le', h5py.h5t.STD_B32LE, np.array([0xdeadbeef, 0], '<u4')),
                           ('b64be', h5py.h5t.STD_B64BE, np.array([2**64 - 1, 5], '>u8'))):
        lowlevel_dataset(b, name, tid, (len(raw),), raw.view('u1'), mtype=tid)
    lowlevel_attr(a, 'bitfield', h5py.h5t.STD_B16LE, (2,), np.array([3, 0x8000], '<u2').view('u1'),
                  mtype=h5py.h5t.STD_B16LE)

    # committed (named) datatypes, used by datasets and an attribute
    t = f.create_group('named')
    t['t_i2be'] = np.dtype('>i2')
    t['t_compound'] = np.dtype([('u', '<u4'), ('v', '<f4')])
    t['t_enum'] = h5py.enum_dtype({'A': 1, 'B': 2}, basetype='u1')
    t.create_dataset('uses_i2be', data=np.array([1, -2, 300], '>i2'), dtype=t['t_i2be'])
    t.create_dataset('uses_compound', data=np.array([(1, 0.5), (2, 1.5)], dtype=t['t_compound'].dtype),
                     dtype=t['t_compound'])
    t.create_dataset('uses_enum', data=np.array([1, 2, 2], 'u1'), dtype=t['t_enum'])
    t['t_i2be'].attrs['note'] = 'attribute on a committed type'
    t.attrs.create('typed_attr', np.array([7, 8], '>i2'), dtype=t['t_i2be'])

    # references
    r = f.create_group('refs')
    target = r.create_dataset('target', data=np.arange(10, dtype='<i4'))
    g = r.create_group('target_group')
    rd = r.create_dataset('objrefs', (4,), dtype=h5py.ref_dtype)
    rd[0] = target.ref
    rd[1] = g.ref
    rd[2] = f.ref
    rd[3] = h5py.Reference()  # null
    r.create_dataset('objref_scalar', data=target.ref, dtype=h5py.ref_dtype)
    rr = r.create_dataset('regrefs', (3,), dtype=h5py.regionref_dtype)
    rr[0] = target.regionref[2:5]
    rr[1] = target.regionref[[1, 3, 8]]
    r.attrs.create('objref_attr', [g.ref, target.ref], dtype=h5py.ref_dtype)
    rcd = np.dtype([('ref', h5py.ref_dtype), ('n', '<i4')])
    rc = r.create_dataset('compound_ref', (2,), dtype=rcd)
    rc[0] = (target.ref, 5)
    rc[1] = (g.ref, 6)

    # empty (NULL dataspace) attributes and dataset
    a.attrs['empty_f4'] = h5py.Empty('<f4')
    a.attrs['empty_str'] = h5py.Empty('S4')
    f.create_dataset('empty_dataset', data=h5py.Empty('<i8'))
    f.close()


# -------------------------------------------------------------- layouts
def write_layouts(path, libver, outdir, tag):
    f = h5py.File(path, 'w', libver=libver)
    # compact
    for name, data in (('compact_i4', np.arange(-5, 20, dtype='<i4')),
                       ('compact_be_f8', np.linspace(0, 1, 9).astype('>f8').reshape(3, 3)),
                       ('compact_scalar', np.array(99, '<u2'))):
        tid = h5py.h5t.py_create(data.dtype)
        space = h5py.h5s.create_simple(data.shape) if data.shape else h5py.h5s.create(h5py.h5s.SCALAR)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        dsid = h5py.h5d.create(f.id, name.encode(), tid, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))
    f.create_dataset('contig_2d', data=np.arange(60, dtype='<i8').reshape(6, 10))
    f.create_dataset('contig_be_u4', data=numeric_data('>u4', 5, 33))
    f.create_dataset('contig_scalar', data=np.float32(1.25))
    # contiguous dataset never written: storage unallocated, reads give fill
    f.create_dataset('unalloc_fill', (3, 4), dtype='<i4', fillvalue=-7)
    f.create_dataset('unalloc_nofill', (5,), dtype='<f8')
    f.create_dataset('unalloc_fill_be_f4', (4,), dtype='>f4', fillvalue=2.5)
    cfill = np.array((1, 2.5), dtype=[('p', '<i2'), ('q', '<f8')])
    f.create_dataset('unalloc_fill_compound', (2,), dtype=cfill.dtype, fillvalue=cfill)
    f.create_dataset('written_with_fill', data=np.arange(4, dtype='<i2'), fillvalue=9)
    # external storage: two segments in two files, the second at an offset
    e1, e2 = 'ext_%s_a.bin' % tag, 'ext_%s_b.bin' % tag
    for fn in (e1, e2):
        if os.path.exists(os.path.join(outdir, fn)):
            os.remove(os.path.join(outdir, fn))
    cwd = os.getcwd()
    os.chdir(outdir)  # libhdf5 1.10 resolves external file names from the cwd
    try:
        data = np.arange(20, dtype='<i4')
        with open(e2, 'wb') as fp:
            fp.write(b'HEADER--')  # 8 bytes skipped by the offset below
        ds = f.create_dataset('external', data=None, shape=(20,), dtype='<i4',
                              external=[(e1, 0, 40), (e2, 8, 40)])
        ds[...] = data
        ds2 = f.create_dataset('external_be_f8', shape=(4,), dtype='>f8',
                               external=[(e1, 40, h5py.h5f.UNLIMITED)])
        ds2[...] = np.array([1.5, -2.0, 1e-300, 6.02e23])
    finally:
        os.chdir(cwd)
    # chunked (skipped by the value dumps, but walked and listed)
    f.create_dataset('chunked_unlimited', data=np.arange(10, dtype='<i4'), maxshape=(None,),
                     chunks=(4,))
    f.create_dataset('chunked_fixed', data=np.arange(12, dtype='<i2').reshape(3, 4), chunks=(2, 2))
    f.create_dataset('null_space', data=h5py.Empty('<f8'))
    f.create_dataset('scalar_str', data=np.bytes_(b'scalar'))
    f.create_dataset('zero_size', shape=(0,), dtype='<i4')
    f.create_dataset('maxshape_fixed', data=np.arange(3, dtype='<u1'), maxshape=(10,))
    f.close()


# ----------------------------------------------------- links and groups
def write_links(path, libver, bigattr):
    f = h5py.File(path, 'w', libver=libver)
    g = f.create_group('g1')
    g2 = g.create_group('g2')
    g3 = g2.create_group('g3')
    g3.create_dataset('deep', data=np.arange(3, dtype='<i4'))
    g.create_dataset('d1', data=np.array([1.0, 2.0]))
    t = f.create_group('ordered', track_order=True)
    for name in ('zeta', 'alpha', 'mid', 'beta'):
        t.create_group(name)
    t.create_dataset('0data', data=np.int8(1))
    t.attrs['z_attr'] = 1
    t.attrs['a_attr'] = 2
    f['soft'] = h5py.SoftLink('/g1/d1')
    f['soft_to_group'] = h5py.SoftLink('/g1/g2')
    f['dangling'] = h5py.SoftLink('/no/such/object')
    f['ext'] = h5py.ExternalLink('ext_target.h5', '/data')
    f['ext_group'] = h5py.ExternalLink('ext_target.h5', '/grp')
    f['ext_missing'] = h5py.ExternalLink('no_such_file.h5', '/x')
    f['hard_again'] = g['d1']
    g3['up'] = g          # a cycle through hard links
    f['g1/g2/hard_too'] = g['d1']
    f.create_group('empty_group')
    f.create_group('name with spaces').create_dataset('.dot', data=np.int16(5))
    f.create_group('ünïcode').attrs['ö'] = 1
    many9 = f.create_group('attrs9')
    for i in range(9):
        many9.attrs['a%d' % i] = np.int32(i)
    many20 = f.create_group('attrs20')
    for i in range(20):
        many20.attrs['attr_%02d' % (19 - i)] = np.arange(i + 1, dtype='<i2')
    many20.attrs['str'] = 'twenty plus one'
    if bigattr:
        f.create_group('bigattr').attrs['big'] = np.arange(8200, dtype='<f8')  # 65600 B > 64 KiB
    f.attrs['root_attr'] = 'on the root group'
    f.close()


def write_ext_target(path):
    with h5py.File(path, 'w') as f:
        f.create_dataset('data', data=np.arange(5, dtype='<i4'))
        f.create_group('grp').create_dataset('inner', data=np.float64(0.5))


def write_biggroup(path, libver, n=5000):
    with h5py.File(path, 'w', libver=libver) as f:
        g = f.create_group('big')
        for i in range(n):
            if i % 500 == 0:
                g.create_dataset('d%05d' % i, data=np.int32(i))
            else:
                g.create_group('g%05d' % i)
        f.create_group('small').create_dataset('x', data=np.arange(3, dtype='<u2'))


def write_userblock(path, size, libver):
    with h5py.File(path, 'w', userblock_size=size, libver=libver) as f:
        f.create_dataset('data', data=np.arange(8, dtype='<i4'))
        f.create_group('g').attrs['x'] = 'userblock %d' % size
    with open(path, 'r+b') as fp:
        fp.write(b'cfive test user block: ignore me\n')


# ------------------------------------------------------------- SOHM
def write_sohm(path, ndatasets):
    lib = ctypes.CDLL('libhdf5_serial.so.103')
    lib.H5Pset_shared_mesg_nindexes.argtypes = [ctypes.c_int64, ctypes.c_uint]
    lib.H5Pset_shared_mesg_index.argtypes = [ctypes.c_int64, ctypes.c_uint, ctypes.c_uint,
                                             ctypes.c_uint]
    # H5O_SHMESG_SDSPACE_FLAG 2, DTYPE 8, FILL 32, PLINE 2048, ATTR 4096
    # (1 << message type)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if lib.H5Pset_shared_mesg_nindexes(fcpl.id, 2) < 0:
        raise RuntimeError('H5Pset_shared_mesg_nindexes')
    if lib.H5Pset_shared_mesg_index(fcpl.id, 0, 8 | 2, 1) < 0:
        raise RuntimeError('H5Pset_shared_mesg_index')
    if lib.H5Pset_shared_mesg_index(fcpl.id, 1, 4096 | 32, 1) < 0:
        raise RuntimeError('H5Pset_shared_mesg_index')
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    f = h5py.File(fid)
    cdt = np.dtype([('x', '<i4'), ('y', '>f8'), ('name', 'S8')])
    for i in range(ndatasets):
        d = f.create_dataset('d%03d' % i, data=np.array([(i, i / 2, b'n%d' % i)] * 3, cdt))
        d.attrs['units'] = np.bytes_(b'meters')
        d.attrs['scale'] = np.float64(1.5)
        if i % 3 == 0:
            d.attrs['own'] = np.int64(i)
    g = f.create_group('grp')
    g.create_dataset('same_type', data=np.zeros(3, cdt))
    g.attrs['units'] = np.bytes_(b'meters')
    f.close()


def write_sohm_dense(path):
    """Shared attributes in dense storage (latest format, 12 attributes per
    object): the name index records point into the shared-message heap."""
    lib = ctypes.CDLL('libhdf5_serial.so.103')
    lib.H5Pset_shared_mesg_nindexes.argtypes = [ctypes.c_int64, ctypes.c_uint]
    lib.H5Pset_shared_mesg_index.argtypes = [ctypes.c_int64, ctypes.c_uint, ctypes.c_uint,
                                             ctypes.c_uint]
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if (lib.H5Pset_shared_mesg_nindexes(fcpl.id, 1) < 0 or
            lib.H5Pset_shared_mesg_index(fcpl.id, 0, 4096, 16) < 0):
        raise RuntimeError('H5Pset_shared_mesg_*')
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    f = h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))
    g = f.create_group('g')
    d = f.create_dataset('d', data=np.arange(4, dtype='<i2'))
    def attr(obj, name, value):
        # h5py's attrs[...] creates under a temporary name and renames,
        # which unshares the message: create it in place instead
        value = np.asarray(value)
        a = h5py.h5a.create(obj.id, name.encode(), h5py.h5t.py_create(value.dtype),
                            h5py.h5s.create_simple(value.shape))
        a.write(value)
        a.close()
    for k in range(12):
        attr(g, 'a%02d' % k, np.arange(10, dtype='<i4') + k)
        attr(d, 'same%02d' % k, np.arange(10, dtype='<i4'))  # one shared copy
        attr(d, 's%02d' % k, np.array([b'units of %d' % k]))
    f.close()


# ------------------------------------------------------------ PyTables
def write_pytables(path):
    import tables
    from tables.nodes import filenode

    class Row(tables.IsDescription):
        idx = tables.Int32Col(pos=0)
        val = tables.Float64Col(pos=1)
        name = tables.StringCol(8, pos=2)
        vec = tables.Int16Col(shape=(3,), pos=3)

    r = rng(11)
    with tables.open_file(path, 'w', title='cfive fixture') as h:
        grp = h.create_group('/', 'grp', 'a group')
        tbl = h.create_table(grp, 'table', Row, 'a table', chunkshape=(4,))
        row = tbl.row
        for i in range(10):
            row['idx'] = i
            row['val'] = float(r.standard_normal())
            row['name'] = ('row%d' % i).encode()
            row['vec'] = [i, -i, 2 * i]
            row.append()
        tbl.flush()
        h.create_array('/', 'array', np.arange(24, dtype='<f4').reshape(4, 6), 'an array')
        h.create_array('/', 'array_scalar', np.int64(17))
        h.create_array('/', 'array_str', np.array([b'abc', b'de'], 'S3'))
        ea = h.create_earray('/', 'earray', tables.Int16Atom(), (0, 3), 'an earray',
                             chunkshape=(2, 3))
        ea.append(np.arange(15, dtype='<i2').reshape(5, 3))
        ca = h.create_carray('/', 'carray', tables.Float64Atom(), (5, 5), 'a carray',
                             chunkshape=(5, 5))
        ca[...] = np.eye(5)
        vl = h.create_vlarray('/', 'vlarray', tables.Int32Atom(), 'a vlarray', chunkshape=(4,))
        vl.append([1, 2, 3])
        vl.append([])
        vl.append([4])
        vs = h.create_vlarray('/', 'vlstring', tables.VLStringAtom(), 'a vlstring',
                             chunkshape=(4,))
        vs.append('hello')
        vs.append('world')
        fn = filenode.new_node(h, where='/', name='filenode', expectedsize=256)
        fn.write(b'file node contents\n' * 10)
        fn.close()
        grp._v_attrs.user_attr = np.int32(5)
        grp._v_attrs.user_str = 'pytables attr'


# ------------------------------------------------------------ netCDF4
def write_netcdf4(path):
    import netCDF4
    ds = netCDF4.Dataset(path, 'w', format='NETCDF4')
    ds.title = 'cfive fixture'
    ds.createDimension('time', None)
    ds.createDimension('lat', 3)
    ds.createDimension('lon', 4)
    t = ds.createVariable('time', 'f8', ('time',))
    t.units = 'hours since 2000-01-01'
    t[:] = [0.0, 1.0]
    lat = ds.createVariable('lat', 'f4', ('lat',), contiguous=True)
    lat[:] = [10.0, 20.0, 30.0]
    lon = ds.createVariable('lon', 'f4', ('lon',), contiguous=True)
    lon[:] = [-1.0, 0.0, 1.0, 2.0]
    v = ds.createVariable('temp', 'i2', ('lat', 'lon'), contiguous=True, fill_value=-999)
    v[:] = np.arange(12).reshape(3, 4)
    v.long_name = 'temperature'
    w = ds.createVariable('wind', 'f4', ('time', 'lat'))
    w[:] = np.ones((2, 3))
    sub = ds.createGroup('sub')
    sub.createDimension('n', 2)
    sv = sub.createVariable('sv', 'i4', ('n',), contiguous=True)
    sv[:] = [7, 8]
    sub.note = 'subgroup'
    ds.close()


def write_chunked(path, libver, small):
    """Chunked datasets under every index type (v1 B-tree in the default
    format; single, implicit, fixed array, extensible array and v2 B-tree
    under latest) with the filters h5py writes itself."""
    r = rng(31)
    n = 20 if small else 300
    a = np.round(np.sin(np.arange(n * 37).reshape(n, 37) / 50.0) * 100 + r.standard_normal((n, 37)), 3)
    i = r.integers(-1000, 1000, (n, 33)).astype('<i4')
    with h5py.File(path, 'w', libver=libver) as f:
        for lvl in ((1, 9) if small else range(1, 10)):
            f.create_dataset('gzip%d' % lvl, data=a, chunks=(16, 10), compression='gzip',
                             compression_opts=lvl)
        f.create_dataset('gzip_shuffle', data=a, chunks=(16, 10), compression='gzip', shuffle=True)
        f.create_dataset('gzip_shuffle_fletcher', data=a, chunks=(16, 10), compression='gzip',
                         shuffle=True, fletcher32=True)
        f.create_dataset('fletcher', data=i, chunks=(16, 10), fletcher32=True)
        f.create_dataset('lzf', data=i, chunks=(16, 10), compression='lzf')
        f.create_dataset('scaleoffset_int', data=i, chunks=(16, 10), scaleoffset=0)
        f.create_dataset('scaleoffset_float', data=a, chunks=(16, 10), scaleoffset=3)
        f.create_dataset('be_int', data=i.astype('>i4'), chunks=(7, 8), compression='gzip')
        f.create_dataset('edges', data=i, chunks=(7, 8))
        d = f.create_dataset('resized', data=i, chunks=(7, 8), maxshape=(None, 33),
                             compression='gzip')
        d.resize((n + 25, 33))
        d = f.create_dataset('shrunk', data=i, chunks=(7, 8), maxshape=(None, None))
        d.resize((n // 2, 20))
        f.create_dataset('single', data=i, chunks=i.shape, compression='gzip')
        f.create_dataset('single_plain', data=i, chunks=i.shape)
        sp = (20, 30) if small else (200, 300)
        d = f.create_dataset('sparse', shape=sp, chunks=(4, 6), dtype='<f8', fillvalue=-7.5)
        d[5:9, 11:19] = 3
        f.create_dataset('extensible', data=np.arange(n * (5 if small else 100), dtype='<i2'),
                         chunks=(3,), maxshape=(None,))
        f.create_dataset('compound', data=np.array([(k, k * .5) for k in range(n)],
                         dtype=[('x', '<i4'), ('y', '<f8')]), chunks=(8,), compression='gzip')
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((7, 8))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        sid = h5py.h5s.create_simple(i.shape)
        did = h5py.h5d.create(f.id, b'implicit', h5py.h5t.STD_I32LE, sid, dcpl=dcpl)
        did.write(h5py.h5s.ALL, h5py.h5s.ALL, i)


def write_pytables_filters(path):
    """PyTables CArray/EArray/Table through its codecs (those h5py can read
    back through the Debian filter plugins)."""
    r = rng(32)
    a = np.round(r.standard_normal((200, 50)), 2)
    with tables.open_file(path, 'w') as t:
        for comp in ('blosc:blosclz', 'blosc:lz4', 'blosc:lz4hc', 'blosc:zlib', 'blosc:zstd',
                     'zlib', 'bzip2'):
            for sh in ((0, 1, 2) if comp.startswith('blosc') else (0, 1)):
                flt = tables.Filters(complevel=5, complib=comp, shuffle=(sh == 1),
                                     bitshuffle=(sh == 2))
                name = '%s_%d' % (comp.replace(':', '_'), sh)
                t.create_carray('/', 'c_' + name, obj=a, filters=flt, chunkshape=(32, 25))
                e = t.create_earray('/', 'e_' + name, atom=tables.Int32Atom(), shape=(0, 7),
                                    filters=flt)
                e.append(np.arange(700, dtype='i4').reshape(100, 7))


def write_vds(out):
    """Virtual datasets (vds.h5) over sources in vds_src.h5 and in vds.h5
    itself: stacked and interleaved sources, a source of another rank and
    type, overlapping mappings (the later wins), unlimited mappings, a
    printf mapping ("%b" in the source dataset name, gaps between blocks),
    missing sources (fill value), variable-length strings and compounds."""
    L = h5py.h5s.UNLIMITED
    cwd = os.getcwd()
    os.chdir(out)  # mappings name their sources relative to vds.h5
    try:
        with h5py.File('vds_src.h5', 'w') as s:
            s['a'] = np.arange(60, dtype='<i2').reshape(6, 10)
            s['b'] = (np.arange(60, dtype='>i2') * -3).reshape(6, 10)
            s['f'] = np.linspace(0, 1, 120).reshape(6, 20)
            s['g'] = np.linspace(5, 9, 120).reshape(6, 20)
            s['ov1'] = np.arange(1, 7, dtype='<i4')
            s['ov2'] = np.arange(100, 105, dtype='<i4')
            s.create_dataset('grow', data=np.arange(28, dtype='<i4').reshape(7, 4), maxshape=(None, 4))
            s.create_dataset('grow2', data=-np.arange(20, dtype='<i4').reshape(5, 4), maxshape=(None, 4))
            for k in range(3):
                s['p%d' % k] = (np.arange(6, dtype='<i2') + 10 * k).reshape(2, 3)
            s['blk'] = np.arange(48, dtype='<u1').reshape(6, 8)
            s.create_dataset('s', data=['one', 'two', '', 'four-four'], dtype=h5py.string_dtype())
            ct = np.dtype([('x', '<i4'), ('y', '<f8')])
            s['c'] = np.array([(k, k / 4) for k in range(5)], dtype=ct)
        with h5py.File('vds.h5', 'w') as f:
            f['plain'] = np.arange(60, dtype='<i4') * 7

            lay = h5py.VirtualLayout((3, 6, 10), '<i4')
            lay[0] = h5py.VirtualSource('vds_src.h5', 'a', (6, 10))
            lay[1] = h5py.VirtualSource('vds_src.h5', 'b', (6, 10))
            lay[2] = h5py.VirtualSource('vds_missing.h5', 'a', (6, 10))
            f.create_virtual_dataset('stack', lay, fillvalue=-1)

            lay = h5py.VirtualLayout((12, 20), '<f8')
            lay[0::2] = h5py.VirtualSource('vds_src.h5', 'f', (6, 20))
            lay[1::2] = h5py.VirtualSource('vds_src.h5', 'g', (6, 20))
            f.create_virtual_dataset('interleave', lay)

            lay = h5py.VirtualLayout((6, 10), '<i4')
            lay[:, :] = h5py.VirtualSource('.', 'plain', (60,))
            f.create_virtual_dataset('reshape', lay)

            lay = h5py.VirtualLayout((12,), '<i4')
            lay[0:6] = h5py.VirtualSource('vds_src.h5', 'ov1', (6,))
            lay[3:8] = h5py.VirtualSource('vds_src.h5', 'ov2', (5,))
            f.create_virtual_dataset('overlap', lay, fillvalue=42)

            lay = h5py.VirtualLayout((3, 5), '<f4')
            lay[:, :] = h5py.VirtualSource('vds_gone.h5', 'x', (3, 5))
            f.create_virtual_dataset('all_missing', lay, fillvalue=7.5)

            lay = h5py.VirtualLayout((4,), h5py.string_dtype())
            lay[:] = h5py.VirtualSource('vds_src.h5', 's', (4,))
            f.create_virtual_dataset('strings', lay)
            lay = h5py.VirtualLayout((5,), ct)
            lay[:] = h5py.VirtualSource('vds_src.h5', 'c', (5,))
            f.create_virtual_dataset('compound', lay)

            def virtual(name, shape, maxshape, tid, maps, fill=None):
                dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                if fill is not None:
                    dcpl.set_fill_value(np.array(fill, dtype=h5py.h5t.py_create(tid).dtype))
                vsp = h5py.h5s.create_simple(shape, maxshape)
                for vsel, src, sel in maps:
                    vsp.select_hyperslab(*vsel)
                    ssp = h5py.h5s.create_simple(*sel[0])
                    if sel[1]:
                        ssp.select_hyperslab(*sel[1])
                    dcpl.set_virtual(vsp, src[0].encode(), src[1].encode(), ssp)
                h5py.h5d.create(f.id, name.encode(), tid, vsp, dcpl=dcpl).close()

            # rows of 'grow' as they come; odd rows of 'grow2' in between
            virtual('unlim', (0, 4), (L, 4), h5py.h5t.STD_I32LE, [
                (((0, 0), (L, 1), (2, 1), (1, 4)), ('vds_src.h5', 'grow'),
                 (((7, 4), (L, 4)), ((0, 0), (1, 1), (1, 1), (L, 4)))),
                (((1, 0), (L, 1), (2, 1), (1, 4)), ('vds_src.h5', 'grow2'),
                 (((5, 4), (L, 4)), ((0, 0), (1, 1), (1, 1), (L, 4))))], fill=-99)
            # block k (2 rows, 3 apart) from dataset p<k>
            virtual('printf', (0, 3), (L, 3), h5py.h5t.STD_I16BE, [
                (((0, 0), (L, 1), (3, 1), (2, 3)), ('vds_src.h5', 'p%b'), (((2, 3),), None))],
                fill=-5)
            # a blocked strided virtual selection from a whole source
            virtual('blocks', (10, 12), None, h5py.h5t.STD_U16LE, [
                (((1, 0), (2, 2), (4, 5), (3, 4)), ('vds_src.h5', 'blk'), (((6, 8),), None))],
                fill=9)
    finally:
        os.chdir(cwd)


def write_expected(out):
    """The h5py view of each committed fixture, for machines without h5py."""
    import subprocess
    exp = os.path.join(out, 'expected')
    os.makedirs(exp, exist_ok=True)
    dump = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'h5py_dump.py')
    for name in sorted(os.listdir(out)):
        if name.endswith('.h5'):
            with open(os.path.join(exp, name[:-3] + '.txt'), 'wb') as fp:
                env = dict(os.environ)
                env.setdefault('HDF5_PLUGIN_PATH', '/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins')
                subprocess.run([sys.executable, dump, '--chunked', name], cwd=out, stdout=fp,
                               check=True, env=env)


def main(argv):
    small = '--small' in argv
    args = [a for a in argv if not a.startswith('--')]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    out = os.path.abspath(args[0])
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    for libver, sfx in (('earliest', ''), ('latest', '_latest')):
        write_types(p('types%s.h5' % sfx), libver)
        write_layouts(p('layouts%s.h5' % sfx), libver, out, libver)
        write_links(p('links%s.h5' % sfx), libver, bigattr=(libver == 'latest'))
    write_ext_target(p('ext_target.h5'))
    write_userblock(p('userblock512.h5'), 512, 'earliest')
    write_userblock(p('userblock4096_latest.h5'), 4096, 'latest')
    write_sohm(p('sohm_list.h5'), 8)
    write_sohm_dense(p('sohm_dense.h5'))
    write_pytables(p('pytables.h5'))
    write_netcdf4(p('netcdf4.h5'))
    write_chunked(p('chunked.h5'), 'earliest', small)
    write_chunked(p('chunked_latest.h5'), 'latest', small)
    write_vds(out)
    if small:
        write_expected(out)
    else:
        write_userblock(p('userblock4096.h5'), 4096, 'earliest')
        write_sohm(p('sohm_btree.h5'), 80)
        write_biggroup(p('biggroup.h5'), 'earliest')
        write_biggroup(p('biggroup_latest.h5'), 'latest')
        write_pytables_filters(p('pytables_filters.h5'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
