#!/usr/bin/python3
"""Print everything h5py can read in one HDF5 file, in a canonical text form.

Usage: /usr/bin/python3 tests/h5py_dump.py [--chunked] FILE

tests/apitest.c prints the same form through the cfive API; the two outputs
are compared line by line by tests/api_vs_h5py.sh. Run it from the file's
folder when the file has external storage (libhdf5 resolves EFL names from
the current directory).

The canonical form (one item per line, nothing depends on the library):
  GROUP <path>
  DATASET <path> <type> <shape>
  DATATYPE <path> <type>
  HARDLINK <path> = <first path of the same object>
  SOFTLINK <path> -> <target>
  EXTLINK <path> -> <file>:<object path>
  ATTR <object path> <name> <type> <shape>      (after its object, by name)
    [i] <value>                                  (one per element, C order)
    SKIP chunked                                 (dataset values not dumped)
Links are walked depth first, names in byte order; an object reached again
by another hard link is printed as HARDLINK and not descended into.
Names and paths: bytes outside '!'..'~', and '\\' and '"', become \\xHH.
Types: i32le u8be f16le b16be (bitfield) time32le str10 (fixed) vlstr
  opaque5 objref regref vlen(T) array[2,3](T) enum(T){A=1,B=2} (members
  by value, then name)
  compound24{a@0:i32le,b@8:f64be} (compound{a:i32le,b:vlstr} without size
  and offsets when variable-length data is inside).  String padding and
  character set are not spelled (the API has no getter for them).
Shapes: scalar, null, or (3,4) followed, for datasets, by max(U,4) (U =
  unlimited).
Values: integers, enums and bitfields in decimal; floats as %.17g with nan,
  inf, -inf; strings as "escaped bytes" (fixed strings end at the first NUL;
  space-padded ones lose trailing spaces); vlen and array as [a, b]; compound
  as {name: value, ...} in member order; opaque as 0x + hex; object
  references as the first path of their target or NULLREF; region
  references as REGREF or NULLREF.
"""
import sys

import h5py
import numpy as np

h5t = h5py.h5t


def esc(b):
    if isinstance(b, str):
        b = b.encode('utf-8', 'surrogateescape')
    out = []
    for c in b:
        if c < 0x21 or c > 0x7e or c in (0x5c, 0x22):
            out.append('\\x%02x' % c)
        else:
            out.append(chr(c))
    return ''.join(out)


def sval(b):
    if isinstance(b, str):
        b = b.encode('utf-8', 'surrogateescape')
    return '"' + esc(b) + '"'


def fval(x):
    x = float(x)
    if x != x:
        return 'nan'
    if x == float('inf'):
        return 'inf'
    if x == float('-inf'):
        return '-inf'
    return '%.17g' % x


def order(tid):
    return 'be' if tid.get_order() == h5t.ORDER_BE else 'le'


def is_objref(tid):
    return tid.equal(h5t.STD_REF_OBJ)


def has_vlen(tid):
    c = tid.get_class()
    if c == h5t.VLEN or (c == h5t.STRING and tid.is_variable_str()):
        return True
    if c == h5t.ARRAY:
        return has_vlen(tid.get_super())
    if c == h5t.COMPOUND:
        return any(has_vlen(tid.get_member_type(i)) for i in range(tid.get_nmembers()))
    return False


def spell(tid):
    c = tid.get_class()
    n = tid.get_size()
    if c == h5t.INTEGER:
        return '%s%d%s' % ('i' if tid.get_sign() == h5t.SGN_2 else 'u', n * 8, order(tid))
    if c == h5t.FLOAT:
        return 'f%d%s' % (n * 8, order(tid))
    if c == h5t.TIME:
        return 'time%d%s' % (n * 8, order(tid))
    if c == h5t.BITFIELD:
        return 'b%d%s' % (n * 8, order(tid))
    if c == h5t.STRING:
        return 'vlstr' if tid.is_variable_str() else 'str%d' % n
    if c == h5t.OPAQUE:
        return 'opaque%d' % n
    if c == h5t.REFERENCE:
        return 'objref' if is_objref(tid) else 'regref'
    if c == h5t.VLEN:
        return 'vlen(%s)' % spell(tid.get_super())
    if c == h5t.ARRAY:
        return 'array[%s](%s)' % (','.join(str(d) for d in tid.get_array_dims()),
                                  spell(tid.get_super()))
    if c == h5t.ENUM:
        # by value then name: libhdf5 may reorder enum members in memory
        mem = ','.join('%s=%d' % (esc(n), v) for v, n in
                       sorted((tid.get_member_value(i), tid.get_member_name(i))
                              for i in range(tid.get_nmembers())))
        return 'enum(%s){%s}' % (spell(tid.get_super()), mem)
    if c == h5t.COMPOUND:
        # H5Dget_type/H5Aget_type give types holding variable-length data
        # in their memory layout: leave such sizes and offsets out.
        if has_vlen(tid):
            return 'compound{%s}' % ','.join(
                '%s:%s' % (esc(tid.get_member_name(i)), spell(tid.get_member_type(i)))
                for i in range(tid.get_nmembers()))
        mem = ','.join('%s@%d:%s' % (esc(tid.get_member_name(i)), tid.get_member_offset(i),
                                     spell(tid.get_member_type(i)))
                       for i in range(tid.get_nmembers()))
        return 'compound%d{%s}' % (n, mem)
    return 'class%d' % c


def cut_fixed(b, tid):
    b = bytes(b)
    if tid.get_strpad() == h5t.STR_SPACEPAD:
        b = b.rstrip(b' ')
    i = b.find(b'\0')
    return b if i < 0 else b[:i]


class Dumper:
    def __init__(self, f):
        self.f = f
        self.first = {}  # object address -> first path in the walk

    # ---- values decoded by h5py/libhdf5 -------------------------------
    def ref(self, tid, v):
        if not v:
            return 'NULLREF'
        if not is_objref(tid):
            return 'REGREF'
        try:
            addr = h5py.h5o.get_info(self.f[v].id).addr
        except Exception:
            return 'BADREF'
        return esc(self.first.get(addr, 'UNREACHED@%d' % addr))

    def val(self, tid, v):
        c = tid.get_class()
        if c in (h5t.INTEGER, h5t.BITFIELD, h5t.ENUM, h5t.TIME):
            return str(int(v))
        if c == h5t.FLOAT:
            return fval(v)
        if c == h5t.STRING:
            if tid.is_variable_str():
                return sval(b'' if v is None else v)
            return sval(cut_fixed(v, tid))
        if c == h5t.OPAQUE:
            return '0x' + bytes(np.asarray(v).tobytes()).hex()
        if c == h5t.REFERENCE:
            return self.ref(tid, v)
        if c == h5t.VLEN:
            base = tid.get_super()
            x = np.asarray(v).reshape(-1)
            # h5py 3.7 hands back sequences of big-endian numbers with their
            # bytes unswapped but labelled native: reinterpret them.
            if base.get_class() in (h5t.INTEGER, h5t.FLOAT) and order(base) == 'be' \
                    and x.dtype.itemsize > 1 and x.dtype.byteorder in ('=', '<'):
                x = x.view(x.dtype.newbyteorder('>'))
            return '[' + ', '.join(self.val(base, y) for y in x) + ']'
        if c == h5t.ARRAY:
            base = tid.get_super()
            return '[' + ', '.join(self.val(base, x) for x in np.asarray(v).reshape(-1)) + ']'
        if c == h5t.COMPOUND:
            parts = []
            for i in range(tid.get_nmembers()):
                name = tid.get_member_name(i)
                parts.append('%s: %s' % (esc(name), self.val(tid.get_member_type(i),
                                                             v[name.decode('utf-8')])))
            return '{' + ', '.join(parts) + '}'
        return '?class%d' % c

    # ---- values decoded here from the file's own bytes (fallback) ------
    def raw(self, tid, b):
        c = tid.get_class()
        n = tid.get_size()
        if c in (h5t.INTEGER, h5t.BITFIELD, h5t.TIME):
            signed = c == h5t.INTEGER and tid.get_sign() == h5t.SGN_2
            return str(int.from_bytes(b[:n], 'big' if order(tid) == 'be' else 'little',
                                      signed=signed))
        if c == h5t.ENUM:
            return self.raw(tid.get_super(), b)
        if c == h5t.FLOAT:
            code = {2: 'f2', 4: 'f4', 8: 'f8'}.get(n)
            if code is None:
                return '?float%d' % n
            dt = np.dtype(('>' if order(tid) == 'be' else '<') + code)
            return fval(np.frombuffer(bytes(b[:n]), dt)[0])
        if c == h5t.STRING and not tid.is_variable_str():
            return sval(cut_fixed(b[:n], tid))
        if c == h5t.OPAQUE:
            return '0x' + bytes(b[:n]).hex()
        if c == h5t.ARRAY:
            base = tid.get_super()
            bs = base.get_size()
            cnt = int(np.prod(tid.get_array_dims()))
            return '[' + ', '.join(self.raw(base, b[i * bs:(i + 1) * bs]) for i in range(cnt)) + ']'
        if c == h5t.COMPOUND:
            parts = []
            for i in range(tid.get_nmembers()):
                o = tid.get_member_offset(i)
                parts.append('%s: %s' % (esc(tid.get_member_name(i)),
                                         self.raw(tid.get_member_type(i), b[o:])))
            return '{' + ', '.join(parts) + '}'
        raise ValueError('cannot decode class %d from raw bytes' % c)

    # ---- printing ------------------------------------------------------
    @staticmethod
    def shape(space, with_max):
        k = space.get_simple_extent_type()
        if k == h5py.h5s.SCALAR:
            return 'scalar'
        if k == h5py.h5s.NULL:
            return 'null'
        dims = space.get_simple_extent_dims()
        s = '(' + ','.join(str(d) for d in dims) + ')'
        if with_max:
            mx = space.get_simple_extent_dims(True)
            s += ' max(' + ','.join('U' if m == h5py.h5s.UNLIMITED else str(m) for m in mx) + ')'
        return s

    def values(self, tid, space, read_hl, read_raw):
        k = space.get_simple_extent_type()
        if k == h5py.h5s.NULL:
            return
        dims = space.get_simple_extent_dims() if k == h5py.h5s.SIMPLE else ()
        nelem = int(np.prod(dims)) if dims else 1
        if nelem == 0:
            return
        lines = None
        try:
            v = read_hl()
            if isinstance(v, (str, bytes)) or not isinstance(v, (np.ndarray, np.generic)):
                one = np.empty(1, object)
                one[0] = v
                flat = one
            else:
                v = np.asarray(v)
                flat = v.reshape((nelem,) + v.shape[len(dims):])
            lines = [self.val(tid, flat[i]) for i in range(nelem)]
        except Exception as e:  # libhdf5 has no conversion for this type
            try:
                buf = read_raw(nelem)
                sz = tid.get_size()
                lines = [self.raw(tid, buf[i * sz:(i + 1) * sz]) for i in range(nelem)]
            except Exception as e2:
                print('  ERROR %s / %s' % (type(e).__name__, type(e2).__name__))
                return
        for i, s in enumerate(lines):
            print('  [%d] %s' % (i, s))

    def attrs(self, obj, path):
        names = sorted((n.encode('utf-8', 'surrogateescape') for n in obj.attrs.keys()))
        for bname in names:
            aid = h5py.h5a.open(obj.id, bname)
            tid = aid.get_type()
            space = aid.get_space()
            print('ATTR %s %s %s %s' % (esc(path), esc(bname), spell(tid),
                                        self.shape(space, False)))
            name = bname.decode('utf-8', 'surrogateescape')

            def hl(obj=obj, name=name):
                return obj.attrs[name]

            def rawread(n, aid=aid, tid=tid):
                buf = np.zeros(n * tid.get_size(), 'u1')
                aid.read(buf, mtype=tid)
                return buf.tobytes()
            self.values(tid, space, hl, rawread)

    def dataset(self, ds, path, chunked):
        tid = ds.id.get_type()
        space = ds.id.get_space()
        print('DATASET %s %s %s' % (esc(path), spell(tid), self.shape(space, True)))
        self.attrs(ds, path)
        layout = ds.id.get_create_plist().get_layout()
        if layout == h5py.h5d.CHUNKED and not chunked:
            print('  SKIP chunked')
            return

        def rawread(n):
            buf = np.zeros(n * tid.get_size(), 'u1')
            ds.id.read(h5py.h5s.ALL, h5py.h5s.ALL, buf, mtype=tid)
            return buf.tobytes()
        self.values(tid, space, lambda: ds[()], rawread)

    def walk(self, group, path, visit):
        names = sorted(n.encode('utf-8', 'surrogateescape') for n in group.keys())
        for bname in names:
            name = bname.decode('utf-8', 'surrogateescape')
            p = (path if path != '/' else '') + '/' + name
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                visit('soft', p, link)
            elif isinstance(link, h5py.ExternalLink):
                visit('ext', p, link)
            else:
                obj = group[name]
                addr = h5py.h5o.get_info(obj.id).addr
                if addr in self.seen:
                    visit('again', p, self.seen[addr])
                    continue
                self.seen[addr] = p
                visit('obj', p, obj)
                if isinstance(obj, h5py.Group):
                    self.walk(obj, p, visit)

    def run(self, chunked):
        root = self.f['/']
        rootaddr = h5py.h5o.get_info(root.id).addr
        # pass 1: first path of every object, so references can be named
        self.seen = {rootaddr: '/'}
        self.walk(root, '/', lambda *a: None)
        self.first = dict(self.seen)

        def visit(kind, p, x):
            if kind == 'soft':
                print('SOFTLINK %s -> %s' % (esc(p), esc(x.path)))
            elif kind == 'ext':
                print('EXTLINK %s -> %s:%s' % (esc(p), esc(x.filename), esc(x.path)))
            elif kind == 'again':
                print('HARDLINK %s = %s' % (esc(p), esc(x)))
            elif isinstance(x, h5py.Group):
                print('GROUP %s' % esc(p))
                self.attrs(x, p)
            elif isinstance(x, h5py.Dataset):
                self.dataset(x, p, chunked)
            else:
                print('DATATYPE %s %s' % (esc(p), spell(x.id)))
                self.attrs(x, p)
        print('GROUP /')
        self.attrs(root, '/')
        self.seen = {rootaddr: '/'}
        self.walk(root, '/', visit)


def main(argv):
    chunked = '--chunked' in argv
    args = [a for a in argv if not a.startswith('--')]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    with h5py.File(args[0], 'r') as f:
        Dumper(f).run(chunked)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
