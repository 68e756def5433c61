/* Datatype message (spec IV.A.2.d "The Datatype Message"), versions 1-4,
 * classes 0-10.
 *
 * Every datatype message starts with the same 8 bytes:
 *   0   1  class (bits 0-3) and version (bits 4-7)
 *   1   3  class bit field, bits 0-23 (meaning depends on the class)
 *   4   4  size of one element in bytes
 *   8   .  properties (depend on the class):
 *
 * class             bit field                         properties
 * 0 fixed-point     0 byte order, 1 lo pad,           2 bit offset, 2 precision
 *                   2 hi pad, 3 signed
 * 1 floating-point  0+6 byte order (6 set: VAX),      2 bit offset, 2 precision,
 *                   1-3 lo/hi/internal pad,           1 exponent location,
 *                   4-5 mantissa normalization,       1 exponent size,
 *                   8-15 sign bit location            1 mantissa location,
 *                                                     1 mantissa size, 4 bias
 * 2 time            0 byte order                      2 precision
 * 3 string          0-3 padding, 4-7 character set    none
 * 4 bitfield        0 byte order, 1-2 lo/hi pad       2 bit offset, 2 precision
 * 5 opaque          0-7 tag length                    tag, NUL padded (the
 *                                                     length is the padded one)
 * 6 compound        0-15 member count                 per member:
 *     v1: name NUL-padded to 8, offset 4, dimensionality 1, reserved 3,
 *         permutation 4, reserved 4, 4 dimension sizes of 4, member type
 *     v2: name NUL-padded to 8, offset 4, member type
 *     v3: name (not padded), offset in the fewest bytes that hold the
 *         compound size, member type
 * 7 reference       0-3 type (0 object, 1 region; 2-4  none
 *                   revised object/region/attribute),
 *                   4-7 revised encoding version
 * 8 enumeration     0-15 member count                 base type, names
 *                                                     (padded to 8 before v3),
 *                                                     values (base size each)
 * 9 variable-length 0-3 sequence/string, 4-7 padding, base type
 *                   8-11 character set
 * 10 array          none                              v2: rank 1, reserved 3,
 *                                                     dims 4 each, permutation
 *                                                     4 each, base type;
 *                                                     v3: rank 1, dims 4 each,
 *                                                     base type
 *
 * Types nest (compound members, enum/array/vlen bases): recursion is
 * bounded by C5_TYPE_MAX_DEPTH and every count is checked against the bytes
 * left in the message before anything is allocated. Types are plain-malloc'd
 * because they outlive the file. */
#include "../type.h"

#define C5_TYPE_MAX_DEPTH 32

static int bad(c5_rd *r, const char *why)
{
    if (!r->err)
        r->err = C5_ECORRUPT;
    return c5_fail(r->f, C5_ECORRUPT, c5_rd_pos(r), "datatype message: %s", why);
}

static c5_type *new_type(c5_typeclass cls)
{
    c5_type *t = calloc(1, sizeof *t);
    if (t) {
        t->cls = cls;
        t->order = C5_ORDER_NONE;
        t->committed = C5_UNDEF;
    }
    return t;
}

/* A NUL-terminated name; before v3 it occupies a multiple of 8 bytes. */
static int read_name(c5_rd *r, int padded, char **out)
{
    size_t left = c5_rd_left(r);
    const uint8_t *p = r->p;
    const uint8_t *z = memchr(p, 0, left);
    if (!z)
        return bad(r, "member name is not NUL-terminated");
    size_t len = (size_t)(z - p);
    size_t used = len + 1;
    if (padded)
        used = (used + 7) & ~(size_t)7;
    if (used > left)
        return bad(r, "member name padding runs past the message");
    char *s = malloc(len + 1);
    if (!s)
        return C5_ENOMEM;
    memcpy(s, p, len);
    s[len] = 0;
    c5_rd_skip(r, used);
    *out = s;
    return 0;
}


static int decode_rec(c5_rd *r, int depth, c5_type **out);

/* Wrap a v1 compound member that carries its own dimensions into an array
 * type, which is how later versions express the same thing. */
static int wrap_array(c5_rd *r, c5_type **mt, int ndims, const uint32_t *dims)
{
    c5_type *a = new_type(C5_CLASS_ARRAY);
    if (!a)
        return C5_ENOMEM;
    uint64_t count = 1;
    for (int d = 0; d < ndims; d++) {
        a->dims[d] = dims[d];
        if (c5_mul_ovf(count, dims[d], &count)) {
            free(a);
            return bad(r, "compound member array is too large");
        }
    }
    uint64_t sz;
    if (c5_mul_ovf(count, (*mt)->size, &sz) || sz > UINT32_MAX || sz == 0) {
        free(a);
        return bad(r, "compound member array size is invalid");
    }
    a->rank = ndims;
    a->size = (size_t)sz;
    a->base = *mt;
    *mt = a;
    return 0;
}

static int decode_compound(c5_rd *r, int version, uint32_t flags, int depth, c5_type *t)
{
    unsigned nmemb = flags & 0xffff;
    /* Each member takes at least 10 bytes (name, offset, type header), so a
     * count the message cannot hold is rejected before allocating. */
    if ((size_t)nmemb * 10 > c5_rd_left(r))
        return bad(r, "compound member count exceeds the message size");
    if (nmemb == 0) /* libhdf5 refuses memberless compounds too */
        return bad(r, "compound with no members");
    {
        t->memb = calloc(nmemb, sizeof *t->memb);
        if (!t->memb)
            return C5_ENOMEM;
    }
    unsigned offbytes = 1;
    for (uint64_t s = t->size; s > 0xff; s >>= 8)
        offbytes++;
    for (unsigned i = 0; i < nmemb; i++) {
        c5_member *m = &t->memb[i];
        int rc = read_name(r, version < 3, &m->name);
        if (rc)
            return rc;
        t->nmemb = (int)i + 1; /* a failure frees what was read so far */
        m->offset = (size_t)(version < 3 ? c5_rd_u32(r) : c5_rd_uint(r, offbytes));
        int ndims = 0;
        uint32_t dims[4] = {0, 0, 0, 0};
        if (version == 1) {
            ndims = c5_rd_u8(r);
            c5_rd_skip(r, 3 + 4 + 4); /* reserved, permutation, reserved */
            for (int d = 0; d < 4; d++)
                dims[d] = c5_rd_u32(r);
            if (ndims > 4)
                return bad(r, "compound member has more than 4 dimensions");
        }
        if (r->err)
            return r->err;
        rc = decode_rec(r, depth + 1, &m->type);
        if (rc)
            return rc;
        if (ndims > 0 && (rc = wrap_array(r, &m->type, ndims, dims)) != 0)
            return rc;
        uint64_t end;
        if (c5_add_ovf(m->offset, m->type->size, &end) || end > t->size)
            return bad(r, "compound member lies outside the compound");
    }
    return 0;
}

static int decode_enum(c5_rd *r, int version, uint32_t flags, int depth, c5_type *t)
{
    unsigned nmemb = flags & 0xffff;
    int rc = decode_rec(r, depth + 1, &t->base);
    if (rc)
        return rc;
    if (t->base->cls != C5_CLASS_INTEGER)
        return bad(r, "enumeration base type is not an integer");
    if (t->base->size != t->size)
        return bad(r, "enumeration size differs from its base type");
    t->order = t->base->order;
    uint64_t vbytes;
    /* Each name takes at least one byte besides its value. */
    if (c5_mul_ovf(nmemb, (uint64_t)t->size + 1, &vbytes) || vbytes > c5_rd_left(r))
        return bad(r, "enumeration member count exceeds the message size");
    if (nmemb) {
        t->memb = calloc(nmemb, sizeof *t->memb);
        if (!t->memb)
            return C5_ENOMEM;
    }
    for (unsigned i = 0; i < nmemb; i++) {
        if ((rc = read_name(r, version < 3, &t->memb[i].name)) != 0)
            return rc;
        t->nmemb = (int)i + 1;
    }
    for (unsigned i = 0; i < nmemb; i++) {
        const uint8_t *v = c5_rd_bytes(r, t->size);
        if (!v)
            return r->err;
        t->memb[i].value = malloc(t->size);
        if (!t->memb[i].value)
            return C5_ENOMEM;
        memcpy(t->memb[i].value, v, t->size);
    }
    return 0;
}

static int decode_array(c5_rd *r, int version, int depth, c5_type *t)
{
    int rank = c5_rd_u8(r);
    if (r->err)
        return r->err;
    if (rank < 1 || rank > C5_MAX_RANK)
        return bad(r, "array rank out of range");
    if (version < 3)
        c5_rd_skip(r, 3);
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) {
        t->dims[d] = c5_rd_u32(r);
        if (c5_mul_ovf(count, t->dims[d], &count))
            return bad(r, "array element count overflows");
    }
    if (version < 3)
        c5_rd_skip(r, 4 * (size_t)rank); /* permutation indices, never used */
    if (r->err)
        return r->err;
    t->rank = rank;
    int rc = decode_rec(r, depth + 1, &t->base);
    if (rc)
        return rc;
    uint64_t sz;
    if (c5_mul_ovf(count, t->base->size, &sz) || sz != t->size)
        return bad(r, "array size differs from its dimensions times the base size");
    return 0;
}

/* Bit fields of fixed-point, bitfield and float types must lie inside the
 * element, or conversion would read outside it. */
static int check_bits(c5_rd *r, const c5_type *t)
{
    uint64_t bits = (uint64_t)t->size * 8;
    if (t->precision == 0 || (uint64_t)t->bit_offset + t->precision > bits)
        return bad(r, "bit offset and precision do not fit the element size");
    return 0;
}

static int decode_float(c5_rd *r, uint32_t flags, c5_type *t)
{
    int b0 = flags & 1, b6 = (flags >> 6) & 1;
    if (b6 && !b0)
        return bad(r, "reserved floating-point byte order");
    t->order = b6 ? C5_ORDER_VAX : b0 ? C5_ORDER_BE : C5_ORDER_LE;
    t->lo_pad = (flags >> 1) & 1;
    t->hi_pad = (flags >> 2) & 1;
    t->int_pad = (flags >> 3) & 1;
    t->mant_norm = (flags >> 4) & 3;
    if (t->mant_norm == 3)
        return bad(r, "reserved mantissa normalization");
    t->sign_loc = (flags >> 8) & 0xff;
    t->bit_offset = c5_rd_u16(r);
    t->precision = c5_rd_u16(r);
    t->exp_loc = c5_rd_u8(r);
    t->exp_size = c5_rd_u8(r);
    t->mant_loc = c5_rd_u8(r);
    t->mant_size = c5_rd_u8(r);
    t->exp_bias = c5_rd_u32(r);
    if (r->err)
        return r->err;
    int rc = check_bits(r, t);
    if (rc)
        return rc;
    uint64_t bits = (uint64_t)t->size * 8;
    if (t->sign_loc >= bits || t->exp_size == 0 || t->mant_size == 0 ||
        (uint64_t)t->exp_loc + t->exp_size > bits || (uint64_t)t->mant_loc + t->mant_size > bits)
        return bad(r, "floating-point fields do not fit the element size");
    if (t->order == C5_ORDER_VAX && (t->size & 1))
        return bad(r, "VAX byte order needs an even element size");
    return 0;
}

static int decode_rec(c5_rd *r, int depth, c5_type **out)
{
    *out = NULL;
    if (depth > C5_TYPE_MAX_DEPTH)
        return bad(r, "datatypes nested too deeply");
    uint8_t cv = c5_rd_u8(r);
    uint32_t flags = (uint32_t)c5_rd_uint(r, 3);
    uint32_t size = c5_rd_u32(r);
    if (r->err)
        return r->err;
    int version = cv >> 4, cls = cv & 0x0f;
    if (version < 1 || version > 4)
        return bad(r, "unknown datatype message version");
    if (cls > C5_CLASS_ARRAY)
        return bad(r, "unknown datatype class");
    if (size == 0)
        return bad(r, "datatype size is zero");
    c5_type *t = new_type((c5_typeclass)cls);
    if (!t)
        return c5_fail(r->f, C5_ENOMEM, C5_UNDEF, "datatype: out of memory");
    t->size = size;
    int rc = 0;
    switch (cls) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_BITFIELD:
        t->order = (flags & 1) ? C5_ORDER_BE : C5_ORDER_LE;
        t->lo_pad = (flags >> 1) & 1;
        t->hi_pad = (flags >> 2) & 1;
        t->is_signed = cls == C5_CLASS_INTEGER && ((flags >> 3) & 1);
        t->bit_offset = c5_rd_u16(r);
        t->precision = c5_rd_u16(r);
        rc = r->err ? r->err : check_bits(r, t);
        break;
    case C5_CLASS_FLOAT:
        rc = decode_float(r, flags, t);
        break;
    case C5_CLASS_TIME:
        t->order = (flags & 1) ? C5_ORDER_BE : C5_ORDER_LE;
        t->precision = c5_rd_u16(r);
        rc = r->err;
        break;
    case C5_CLASS_STRING:
        t->strpad = (c5_strpad)(flags & 0x0f);
        t->cset = (c5_cset)((flags >> 4) & 0x0f);
        break;
    case C5_CLASS_OPAQUE: {
        size_t taglen = flags & 0xff;
        const uint8_t *tag = c5_rd_bytes(r, taglen);
        if (!tag) {
            rc = r->err;
            break;
        }
        const uint8_t *z = memchr(tag, 0, taglen);
        size_t n = z ? (size_t)(z - tag) : taglen;
        t->tag = malloc(n + 1);
        if (!t->tag) {
            rc = C5_ENOMEM;
            break;
        }
        memcpy(t->tag, tag, n);
        t->tag[n] = 0;
        break;
    }
    case C5_CLASS_COMPOUND:
        rc = decode_compound(r, version, flags, depth, t);
        break;
    case C5_CLASS_REFERENCE:
        /* 2-4 are the revised references (object, region, attribute) of
         * HDF5 1.12; libhdf5 writes them with message version 1 too. */
        t->reftype = (c5_reftype)(flags & 0x0f);
        if ((flags & 0x0f) > 4)
            rc = bad(r, "unknown reference type");
        break;
    case C5_CLASS_ENUM:
        rc = decode_enum(r, version, flags, depth, t);
        break;
    case C5_CLASS_VLEN:
        t->vlen_string = (flags & 0x0f) == 1;
        if ((flags & 0x0f) > 1) {
            rc = bad(r, "unknown variable-length type");
            break;
        }
        t->strpad = (c5_strpad)((flags >> 4) & 0x0f);
        t->cset = (c5_cset)((flags >> 8) & 0x0f);
        rc = decode_rec(r, depth + 1, &t->base);
        break;
    case C5_CLASS_ARRAY:
        rc = decode_array(r, version, depth, t);
        break;
    }
    if (!rc && r->err)
        rc = r->err;
    if (rc) {
        c5_type_close(t);
        if (rc == C5_ENOMEM)
            c5_fail(r->f, C5_ENOMEM, C5_UNDEF, "datatype: out of memory");
        return rc;
    }
    *out = t;
    return 0;
}

int c5_type_decode(c5_file *f, c5_rd *r, c5_type **out)
{
    (void)f;
    return decode_rec(r, 0, out);
}
