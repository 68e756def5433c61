/* Datatype message encoder (spec IV.A.2.d): the inverse of dtype.c.
 *
 *   0   1  class (bits 0-3) and version (bits 4-7)
 *   1   3  class bit field
 *   4   4  size of one element in bytes
 *   8   .  properties:
 *
 * class             bit field                         properties
 * 0 fixed-point     0 order, 1 lo pad, 2 hi pad,      2 bit offset, 2 precision
 *                   3 signed
 * 1 floating-point  0+6 order (both set: VAX),        2 bit offset, 2 precision,
 *                   1-3 lo/hi/internal pad,           1 exp location, 1 exp size,
 *                   4-5 normalization, 8-15 sign bit  1 mant location, 1 mant size,
 *                                                     4 exponent bias
 * 2 time            0 order                           2 precision
 * 3 string          0-3 padding, 4-7 charset          none
 * 4 bitfield        0 order, 1-2 lo/hi pad            2 bit offset, 2 precision
 * 5 opaque          0-7 tag length (multiple of 8)    tag, NUL padded
 * 6 compound        0-15 member count                 per member:
 *     v1: name NUL-padded to 8, 4 offset, 1 dimensionality, 3 reserved,
 *         4 permutation, 4 reserved, 4 x 4 dimensions, member type
 *     v2: name NUL-padded to 8, 4 offset, member type
 *     v3: name with its NUL, offset in the fewest bytes holding the size,
 *         member type
 * 7 reference       0-3 type, 4-7 encoding version    none
 *                   (revised references 2-4 only)
 * 8 enumeration     0-15 member count                 base type, names (padded
 *                                                     to 8 before v3), values
 * 9 variable-length 0-3 sequence/string, 4-7 padding, base type
 *                   8-11 charset (strings only)
 * 10 array          none                              rank 1, [v2: 3 reserved],
 *                                                     dims 4 each, [v2: 4 each
 *                                                     permutation 0..rank-1],
 *                                                     base type
 *
 * Each node carries its own version; see encode.h for how libhdf5 picks
 * them. The versions are computed up front into an array indexed by the
 * node's position in a pre-order walk of the type tree, where a node's
 * subtree is the contiguous range that follows it. */
#include "encode.h"

#define C5_TYPE_ENC_MAX_DEPTH 64
#define C5_TYPE_ENC_MAX_NODES 1000000

static int fail(c5_wr *w, int code, const char *why)
{
    if (!w->err)
        w->err = code;
    return c5_fail(w->f, code, C5_UNDEF, "datatype encoding: %s", why);
}

/* ---- node versions ----------------------------------------------------- */

typedef struct vtab {
    uint8_t *ver;       /* per pre-order node */
    uint8_t *cls;
    size_t n;
} vtab;

static int child_count(const c5_type *t)
{
    switch (t->cls) {
    case C5_CLASS_COMPOUND:
        return t->nmemb;
    case C5_CLASS_ENUM:
    case C5_CLASS_VLEN:
    case C5_CLASS_ARRAY:
        return 1;
    default:
        return 0;
    }
}

static const c5_type *child(const c5_type *t, int i)
{
    return t->cls == C5_CLASS_COMPOUND ? t->memb[i].type : t->base;
}

/* Count nodes, checking the tree is complete and not absurdly deep. */
static int count_nodes(c5_wr *w, const c5_type *t, int depth, size_t *n)
{
    if (!t)
        return fail(w, C5_EINVAL, "missing member or base type");
    if (depth > C5_TYPE_ENC_MAX_DEPTH)
        return fail(w, C5_EINVAL, "datatypes nested too deeply");
    if (++*n > C5_TYPE_ENC_MAX_NODES)
        return fail(w, C5_ELIMIT, "too many nested datatypes");
    if (t->cls == C5_CLASS_COMPOUND && t->nmemb > 0 && !t->memb)
        return fail(w, C5_EINVAL, "compound without member table");
    for (int i = 0; i < child_count(t); i++) {
        int rc = count_nodes(w, child(t, i), depth + 1, n);
        if (rc)
            return rc;
    }
    return 0;
}

/* libhdf5's version upgrade over the subtree range [a, b): compounds,
 * arrays and enums rise to v, a vlen to its base's version. Walking the
 * range backwards visits every node after its descendants, as libhdf5's
 * "complex last" traversal does. */
static void upgrade(vtab *vt, size_t a, size_t b, unsigned v)
{
    for (size_t k = b; k-- > a;) {
        switch (vt->cls[k]) {
        case C5_CLASS_COMPOUND:
        case C5_CLASS_ARRAY:
        case C5_CLASS_ENUM:
            if (vt->ver[k] < v)
                vt->ver[k] = (uint8_t)v;
            break;
        case C5_CLASS_VLEN:
            if (k + 1 < b && vt->ver[k] < vt->ver[k + 1])
                vt->ver[k] = vt->ver[k + 1];
            break;
        default:
            break;
        }
    }
}

/* Versions a type gets when built bottom-up; returns the end of the
 * subtree that starts at i. */
static size_t natural(vtab *vt, const c5_type *t, size_t i)
{
    vt->cls[i] = (uint8_t)t->cls;
    size_t end = i + 1;
    switch (t->cls) {
    case C5_CLASS_FLOAT:
        vt->ver[i] = t->order == C5_ORDER_VAX ? 3 : 1;
        break;
    case C5_CLASS_REFERENCE:
        /* Revised references too (libhdf5 1.14 gives them 4, 1.12 wrote
         * 1): libhdf5 1.10 opens a version 1 message, only not the values. */
        vt->ver[i] = 1;
        break;
    case C5_CLASS_ARRAY:
        end = natural(vt, t->base, i + 1);
        vt->ver[i] = vt->ver[i + 1] > 2 ? vt->ver[i + 1] : 2;
        break;
    case C5_CLASS_VLEN:
        end = natural(vt, t->base, i + 1);
        vt->ver[i] = vt->ver[i + 1];
        break;
    case C5_CLASS_ENUM:
        end = natural(vt, t->base, i + 1);
        vt->ver[i] = vt->ver[i + 1] > 1 ? vt->ver[i + 1] : 1;
        break;
    case C5_CLASS_COMPOUND:
        /* Members are inserted one by one; a member with a higher version
         * upgrades the compound and everything inserted so far. */
        vt->ver[i] = 1;
        for (int m = 0; m < t->nmemb; m++) {
            size_t s = end;
            end = natural(vt, t->memb[m].type, s);
            if (vt->ver[s] > vt->ver[i])
                upgrade(vt, i, end, vt->ver[s]);
        }
        break;
    default:
        vt->ver[i] = 1;
        break;
    }
    return end;
}

static int vtab_build(c5_wr *w, const c5_type *t, unsigned bound, vtab *vt)
{
    size_t n = 0;
    int rc = count_nodes(w, t, 0, &n);
    if (rc)
        return rc;
    vt->n = n;
    vt->ver = c5_malloc(w->f, 2 * n);
    if (!vt->ver)
        return fail(w, C5_ENOMEM, "out of memory");
    vt->cls = vt->ver + n;
    natural(vt, t, 0);
    /* The file's lower bound applies only when it exceeds the top node's
     * version (libhdf5's H5T_set_version). */
    if (bound > vt->ver[0])
        upgrade(vt, 0, n, bound);
    return 0;
}

/* ---- encoding ------------------------------------------------------------ */

typedef struct enc {
    c5_wr *w;
    const vtab *vt;
    size_t idx;            /* pre-order index of the next node */
    const uint8_t *orig;   /* encoding to take versions from, or NULL */
    size_t orig_n;
    size_t base;           /* w->n where the top node starts */
} enc;

static int enc_node(enc *e, const c5_type *t);

/* A NUL-terminated name, padded to a multiple of 8 before version 3. */
static void put_name(c5_wr *w, const char *s, int padded)
{
    size_t n = strlen(s) + 1;
    c5_wr_bytes(w, s, n);
    if (padded && (n & 7))
        c5_wr_zero(w, 8 - (n & 7));
}

static unsigned min_bytes(uint64_t v)
{
    unsigned n = 1;
    while (n < 8 && (v >> (8 * n)) != 0)
        n++;
    return n;
}

static int enc_compound(enc *e, const c5_type *t, unsigned v, uint32_t *flags)
{
    c5_wr *w = e->w;
    if (t->nmemb < 1 || t->nmemb > 0xffff)
        return fail(w, C5_EINVAL, "compound member count out of range");
    *flags = (uint32_t)t->nmemb;
    unsigned offbytes = min_bytes(t->size);
    for (int i = 0; i < t->nmemb; i++) {
        const c5_member *m = &t->memb[i];
        if (!m->name || !m->name[0])
            return fail(w, C5_EINVAL, "compound member without a name");
        if ((uint64_t)m->offset + m->type->size > t->size)
            return fail(w, C5_EINVAL, "compound member lies outside the compound");
        put_name(w, m->name, v < 3);
        if (v < 3)
            c5_wr_u32(w, m->offset);
        else
            c5_wr_uint(w, m->offset, offbytes);
        const c5_type *mt = m->type;
        if (v == 1) {
            /* Version 1 members carry their own dimensions: an array member
             * (which only HDF5 1.4 wrote this way) is spelled with them, its
             * element type following; libhdf5 1.10 writes zeros. */
            if (mt->cls == C5_CLASS_ARRAY && mt->rank >= 1 && mt->rank <= 4) {
                uint32_t perm = 0;
                c5_wr_u8(w, (uint64_t)mt->rank);
                c5_wr_zero(w, 3);
                for (int d = 0; d < mt->rank; d++)
                    perm |= (uint32_t)d << (8 * d);
                c5_wr_u32(w, perm);
                c5_wr_zero(w, 4);
                for (int d = 0; d < 4; d++) {
                    uint64_t dim = d < mt->rank ? mt->dims[d] : 0;
                    if (dim > UINT32_MAX)
                        return fail(w, C5_EINVAL, "array dimension exceeds 32 bits");
                    c5_wr_u32(w, dim);
                }
                e->idx++; /* the array node has no encoding of its own */
                mt = mt->base;
            } else {
                c5_wr_zero(w, 28);
            }
        }
        int rc = enc_node(e, mt);
        if (rc)
            return rc;
    }
    return 0;
}

static int enc_enum(enc *e, const c5_type *t, unsigned v, uint32_t *flags)
{
    c5_wr *w = e->w;
    if (t->nmemb < 0 || t->nmemb > 0xffff || (t->nmemb > 0 && !t->memb))
        return fail(w, C5_EINVAL, "enumeration member count out of range");
    if (t->base->cls != C5_CLASS_INTEGER || t->base->size != t->size)
        return fail(w, C5_EINVAL, "enumeration base is not an integer of the same size");
    *flags = (uint32_t)t->nmemb;
    int rc = enc_node(e, t->base);
    if (rc)
        return rc;
    for (int i = 0; i < t->nmemb; i++) {
        if (!t->memb[i].name || !t->memb[i].value)
            return fail(w, C5_EINVAL, "enumeration member without a name or value");
        put_name(w, t->memb[i].name, v < 3);
    }
    for (int i = 0; i < t->nmemb; i++)
        c5_wr_bytes(w, t->memb[i].value, t->size);
    return 0;
}

static int enc_array(enc *e, const c5_type *t, unsigned v)
{
    c5_wr *w = e->w;
    if (v < 2)
        return fail(w, C5_EINVAL, "array datatypes need message version 2 or later");
    if (t->rank < 1 || t->rank > C5_MAX_RANK)
        return fail(w, C5_EINVAL, "array rank out of range");
    c5_wr_u8(w, (uint64_t)t->rank);
    if (v < 3)
        c5_wr_zero(w, 3);
    for (int d = 0; d < t->rank; d++) {
        if (t->dims[d] > UINT32_MAX)
            return fail(w, C5_EINVAL, "array dimension exceeds 32 bits");
        c5_wr_u32(w, t->dims[d]);
    }
    if (v < 3) /* libhdf5 writes the identity permutation, never used */
        for (int d = 0; d < t->rank; d++)
            c5_wr_u32(w, (uint64_t)d);
    return enc_node(e, t->base);
}

/* Bit fields shared by integers and bitfields. */
static int atomic_bits(c5_wr *w, const c5_type *t, uint32_t *flags)
{
    if (t->order != C5_ORDER_LE && t->order != C5_ORDER_BE)
        return fail(w, C5_EINVAL, "byte order cannot be stored for this class");
    if (t->precision == 0 || (uint64_t)t->bit_offset + t->precision > (uint64_t)t->size * 8)
        return fail(w, C5_EINVAL, "bit offset and precision do not fit the element size");
    *flags = (t->order == C5_ORDER_BE ? 1u : 0u) | (t->lo_pad ? 2u : 0u) | (t->hi_pad ? 4u : 0u);
    c5_wr_u16(w, t->bit_offset);
    c5_wr_u16(w, t->precision);
    return 0;
}

static int enc_float(c5_wr *w, const c5_type *t, unsigned v, uint32_t *flags)
{
    uint32_t fl;
    switch (t->order) {
    case C5_ORDER_LE: fl = 0; break;
    case C5_ORDER_BE: fl = 1; break;
    case C5_ORDER_VAX:
        if (v < 3)
            return fail(w, C5_EINVAL, "VAX byte order needs message version 3");
        fl = 0x41;
        break;
    default:
        return fail(w, C5_EINVAL, "floating-point byte order cannot be stored");
    }
    if (t->mant_norm > 2)
        return fail(w, C5_EINVAL, "unknown mantissa normalization");
    uint64_t bits = (uint64_t)t->size * 8;
    if (t->precision == 0 || (uint64_t)t->bit_offset + t->precision > bits ||
        t->sign_loc >= bits || t->exp_size == 0 || t->mant_size == 0 ||
        (uint64_t)t->exp_loc + t->exp_size > bits || (uint64_t)t->mant_loc + t->mant_size > bits)
        return fail(w, C5_EINVAL, "floating-point fields do not fit the element size");
    fl |= (t->lo_pad ? 2u : 0u) | (t->hi_pad ? 4u : 0u) | (t->int_pad ? 8u : 0u);
    fl |= (uint32_t)t->mant_norm << 4;
    fl |= (uint32_t)t->sign_loc << 8;
    *flags = fl;
    c5_wr_u16(w, t->bit_offset);
    c5_wr_u16(w, t->precision);
    c5_wr_u8(w, t->exp_loc);
    c5_wr_u8(w, t->exp_size);
    c5_wr_u8(w, t->mant_loc);
    c5_wr_u8(w, t->mant_size);
    c5_wr_u32(w, t->exp_bias);
    return 0;
}

static int enc_node(enc *e, const c5_type *t)
{
    c5_wr *w = e->w;
    size_t idx = e->idx++;
    size_t hdr = w->n;
    unsigned v = e->vt->ver[idx];
    if (e->orig && hdr - e->base < e->orig_n) {
        unsigned ov = e->orig[hdr - e->base] >> 4;
        if (ov >= 1 && ov <= 4)
            v = ov;
    }
    if (t->native_objref || t->native_vlstr)
        return fail(w, C5_EINVAL, "memory-only type cannot be stored in a file");
    if (t->size == 0 || t->size > UINT32_MAX)
        return fail(w, C5_EINVAL, "datatype size out of range");
    if ((unsigned)t->cls > C5_CLASS_ARRAY)
        return fail(w, C5_EINVAL, "unknown datatype class");
    c5_wr_zero(w, 4); /* class, version and bit field: patched below */
    c5_wr_u32(w, t->size);
    uint32_t flags = 0;
    int rc = 0;
    switch (t->cls) {
    case C5_CLASS_INTEGER:
        rc = atomic_bits(w, t, &flags);
        if (t->is_signed)
            flags |= 8;
        break;
    case C5_CLASS_BITFIELD:
        rc = atomic_bits(w, t, &flags);
        break;
    case C5_CLASS_FLOAT:
        rc = enc_float(w, t, v, &flags);
        break;
    case C5_CLASS_TIME:
        if (t->order != C5_ORDER_LE && t->order != C5_ORDER_BE)
            return fail(w, C5_EINVAL, "time byte order cannot be stored");
        flags = t->order == C5_ORDER_BE;
        c5_wr_u16(w, t->precision);
        break;
    case C5_CLASS_STRING:
        if ((unsigned)t->strpad > 15 || (unsigned)t->cset > 15)
            return fail(w, C5_EINVAL, "string padding or character set out of range");
        flags = (uint32_t)t->strpad | (uint32_t)t->cset << 4;
        break;
    case C5_CLASS_OPAQUE: {
        /* The tag field is NUL-padded to a multiple of 8, not necessarily
         * NUL-terminated; its length lives in one byte. */
        size_t z = t->tag ? strlen(t->tag) : 0;
        size_t aligned = (z + 7) & ~(size_t)7;
        if (aligned > 255)
            return fail(w, C5_EINVAL, "opaque tag longer than 248 bytes");
        flags = (uint32_t)aligned;
        c5_wr_bytes(w, t->tag, z);
        c5_wr_zero(w, aligned - z);
        break;
    }
    case C5_CLASS_COMPOUND:
        rc = enc_compound(e, t, v, &flags);
        break;
    case C5_CLASS_REFERENCE:
        if ((unsigned)t->reftype > 4)
            return fail(w, C5_EINVAL, "unknown reference type");
        flags = (uint32_t)t->reftype;
        if (t->reftype > C5_REF_REGION) /* revised references: encoding version 1 */
            flags |= 1u << 4;
        break;
    case C5_CLASS_ENUM:
        rc = enc_enum(e, t, v, &flags);
        break;
    case C5_CLASS_VLEN:
        if (t->vlen_string) {
            if ((unsigned)t->strpad > 15 || (unsigned)t->cset > 15)
                return fail(w, C5_EINVAL, "string padding or character set out of range");
            flags = 1u | (uint32_t)t->strpad << 4 | (uint32_t)t->cset << 8;
        }
        rc = enc_node(e, t->base);
        break;
    case C5_CLASS_ARRAY:
        rc = enc_array(e, t, v);
        break;
    }
    if (rc)
        return rc;
    if (w->err)
        return fail(w, w->err, "out of memory");
    w->buf[hdr] = (uint8_t)((unsigned)t->cls | v << 4);
    c5_put_le(w->buf + hdr + 1, flags, 3);
    return 0;
}

static int encode(c5_wr *w, const c5_type *t, unsigned bound, const uint8_t *orig, size_t n)
{
    if (w->err)
        return w->err;
    if (!t)
        return fail(w, C5_EINVAL, "no datatype");
    vtab vt;
    int rc = vtab_build(w, t, bound, &vt);
    if (rc)
        return rc;
    enc e = {w, &vt, 0, orig, n, w->n};
    rc = enc_node(&e, t);
    c5_free(w->f, vt.ver);
    return rc;
}

int c5_type_msg_version(const c5_type *t, int latest)
{
    /* A scratch writer only for error reporting and allocation. */
    c5_wr w;
    c5_wr_init(&w, NULL);
    vtab vt;
    if (!t || vtab_build(&w, t, latest ? 3 : 1, &vt))
        return 0;
    int v = vt.ver[0];
    c5_free(NULL, vt.ver);
    return v;
}

int c5_type_encode(c5_wr *w, const c5_type *t, int version)
{
    if (version < 1 || version > 4)
        return fail(w, C5_EINVAL, "unknown datatype message version");
    return encode(w, t, (unsigned)version, NULL, 0);
}

int c5_type_encode_as(c5_wr *w, const c5_type *t, const uint8_t *orig, size_t n)
{
    return encode(w, t, 1, orig, n);
}

int c5_shared_encode(c5_wr *w, uint64_t oh_addr)
{
    if (oh_addr == C5_UNDEF)
        return c5_fail(w->f, C5_EINVAL, C5_UNDEF, "shared message: undefined address");
    c5_wr_u8(w, 2); /* version 2: version 1 is no longer written */
    c5_wr_u8(w, 2); /* committed: the message lives in another object header */
    c5_wr_addr(w, oh_addr);
    return w->err ? c5_fail(w->f, w->err, C5_UNDEF, "shared message: out of memory") : 0;
}

int c5_type_msg_encode(c5_wr *w, const c5_type *t, int latest, int *shared)
{
    *shared = 0;
    if (!t)
        return fail(w, C5_EINVAL, "no datatype");
    if (t->committed != C5_UNDEF) {
        *shared = 1;
        return c5_shared_encode(w, t->committed);
    }
    return c5_type_encode(w, t, latest ? 3 : 1);
}
