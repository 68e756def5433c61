/* Conversion of elements from a memory datatype to a file datatype: the
 * write direction of convert.c.
 *
 * For types without variable-length data or memory-form references the
 * memory form and the file form are the same bytes, so convert.c's
 * conversions (which go from a "file form" to a "memory form") serve both
 * directions and this file only delegates. What differs is handled here:
 *
 *   memory form                      file form (spec III.E, IV.A.2.d)
 *   char*  (vlen string, NULL ok)    4 length in bytes | global heap ID
 *   c5_vl  (vlen sequence)           4 element count   | global heap ID
 *   uint64_t (C5_NATIVE_OBJREF)      address, offset width, rest zero
 *
 *   global heap ID: collection address (offset width), 4 object index.
 *
 * A heap object holds the string bytes, or the sequence's elements already
 * converted to the file form of the base type (nested sequences become
 * heap objects first). Null elements (a NULL char*, a c5_vl with len 0 or
 * p NULL) are written as libhdf5 writes them: length 0 and an all-zero
 * heap ID. An empty but non-NULL string gets a heap object of 0 bytes, as
 * libhdf5 stores it.
 *
 * Like convert.c the walk goes over the type tree once per call and each
 * leaf handles all n elements, strided by the enclosing element sizes. */
#include "dwrite.h"
#include "format/gheap.h"
#include "format/stabw.h"

#define BLK 256

typedef struct wctx {
    c5_file *f;
    unsigned osz;
} wctx;

static int wconv(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                 size_t is, uint8_t *out, size_t os, size_t n);

static const char *class_name(c5_typeclass k)
{
    static const char *names[] = {"integer", "float",    "time",      "string",
                                  "bitfield", "opaque",  "compound",  "reference",
                                  "enum",    "vlen",     "array"};
    return (unsigned)k <= C5_CLASS_ARRAY ? names[k] : "unknown";
}

static int no_conv(const wctx *c, const c5_type *m, const c5_type *ft)
{
    return c5_fail(c->f, C5_ETYPE, C5_UNDEF,
                   "no conversion from memory %s (%zu bytes) to file %s (%zu bytes)",
                   class_name(m->cls), m->size, class_name(ft->cls), ft->size);
}

/* Does t (anywhere in its tree) have a memory form that differs from its
 * file form? */
static int special(const c5_type *t)
{
    if (!t)
        return 0;
    switch (t->cls) {
    case C5_CLASS_VLEN:
        return 1;
    case C5_CLASS_REFERENCE:
        return t->native_objref;
    case C5_CLASS_ARRAY:
        return special(t->base);
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < t->nmemb; i++)
            if (special(t->memb[i].type))
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* Compound members of the file type that the memory type lacks would be
 * left untouched by convert.c: they must not carry stale bytes. */
static int missing_members(const c5_type *m, const c5_type *ft)
{
    if (ft->cls == C5_CLASS_ARRAY)
        return m->cls == C5_CLASS_ARRAY && missing_members(m->base, ft->base);
    if (ft->cls != C5_CLASS_COMPOUND || m->cls != C5_CLASS_COMPOUND)
        return 0;
    for (int j = 0; j < ft->nmemb; j++) {
        int found = 0;
        for (int i = 0; i < m->nmemb && !found; i++)
            if (strcmp(m->memb[i].name, ft->memb[j].name) == 0)
                found = 1 + missing_members(m->memb[i].type, ft->memb[j].type);
        if (found != 1)
            return 1;
    }
    return 0;
}

/* Types whose two forms agree: convert.c does the work, through small
 * contiguous blocks when the elements are strided. */
static int delegate(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                    size_t is, uint8_t *out, size_t os, size_t n)
{
    if (is == m->size && os == ft->size)
        return c5_convert(c->f, m, ft, in, out, n);
    uint8_t *ti = malloc(BLK * m->size), *to = malloc(BLK * ft->size);
    int rc = 0;
    if (!ti || !to)
        rc = c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "type conversion: out of memory");
    for (size_t done = 0; done < n && !rc;) {
        size_t k = n - done < BLK ? n - done : BLK;
        for (size_t i = 0; i < k; i++)
            memcpy(ti + i * m->size, in + (done + i) * is, m->size);
        memset(to, 0, k * ft->size);
        rc = c5_convert(c->f, m, ft, ti, to, k);
        for (size_t i = 0; i < k && !rc; i++)
            memcpy(out + (done + i) * os, to + i * ft->size, ft->size);
        done += k;
    }
    free(ti);
    free(to);
    return rc;
}

/* ---- variable-length data --------------------------------------------------- */

static int vl_check(const wctx *c, const c5_type *ft)
{
    if (!c->f || !c->f->writable)
        return c5_fail(c->f, C5_EINVAL, C5_UNDEF,
                       "variable-length data can only be written to a writable file");
    if (ft->size < 8 + (size_t)c->osz || !ft->base || ft->base->size == 0)
        return c5_fail(c->f, C5_ETYPE, C5_UNDEF,
                       "variable-length file type of %zu bytes cannot hold a heap ID", ft->size);
    return 0;
}

/* Store `count` items (nbytes bytes) and write the element's file form. A
 * NULL data pointer writes the null element. */
static int vl_put(const wctx *c, uint8_t *o, size_t osize, uint64_t count, const void *data,
                  size_t nbytes)
{
    memset(o, 0, osize);
    if (!data)
        return 0;
    if (count > UINT32_MAX)
        return c5_fail(c->f, C5_ELIMIT, C5_UNDEF,
                       "variable-length element of %llu items exceeds the 32-bit length field",
                       (unsigned long long)count);
    uint64_t coll;
    uint32_t idx;
    int rc = c5_gheap_put(c->f, data, nbytes, &coll, &idx);
    if (rc)
        return rc;
    c5_put_le(o, count, 4);
    c5_put_le(o + 4, coll, c->osz);
    c5_put_le(o + 4 + c->osz, idx, 4);
    return 0;
}

static size_t fixed_len(const uint8_t *s, size_t size, c5_strpad pad)
{
    const uint8_t *z = memchr(s, 0, size);
    size_t len = z ? (size_t)(z - s) : size;
    if (pad == C5_STR_SPACEPAD)
        while (len > 0 && s[len - 1] == ' ')
            len--;
    return len;
}

static void put_fixed(uint8_t *o, size_t size, c5_strpad pad, const char *s, size_t len)
{
    size_t cap = pad == C5_STR_NULLTERM && size > 0 ? size - 1 : size;
    size_t k = len < cap ? len : cap;
    if (k)
        memcpy(o, s, k);
    memset(o + k, pad == C5_STR_SPACEPAD ? ' ' : 0, size - k);
}

static int is_vlstr(const c5_type *t) { return t->cls == C5_CLASS_VLEN && t->vlen_string; }

/* Strings: char* or fixed in memory, to a vlen or fixed string in the file
 * (fixed to fixed is convert.c's). */
static int conv_string(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                       size_t is, uint8_t *out, size_t os, size_t n)
{
    int rc = 0;
    if (is_vlstr(ft) && (rc = vl_check(c, ft)))
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *s;
        size_t len;
        static const char empty[1] = {0};
        if (is_vlstr(m)) {
            memcpy(&s, in + i * is, sizeof s);
            len = s ? strlen(s) : 0;
        } else {
            s = (const char *)(in + i * is);
            len = fixed_len(in + i * is, m->size, m->strpad);
            if (!len)
                s = empty; /* an empty string, not a null one */
        }
        if (is_vlstr(ft))
            rc = vl_put(c, out + i * os, ft->size, len, s, len);
        else
            put_fixed(out + i * os, ft->size, ft->strpad, s, len);
    }
    return rc;
}

static int conv_vlseq(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                      size_t is, uint8_t *out, size_t os, size_t n)
{
    int rc = vl_check(c, ft);
    if (rc)
        return rc;
    if (!m->base)
        return no_conv(c, m, ft);
    size_t msz = c5_type_mem_size(m->base), fsz = ft->base->size;
    uint8_t *tmp = NULL;
    size_t tcap = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        c5_vl vl;
        memcpy(&vl, in + i * is, sizeof vl);
        if (vl.len == 0 || !vl.p) { /* libhdf5's "null sequence" */
            rc = vl_put(c, out + i * os, ft->size, 0, NULL, 0);
            continue;
        }
        uint64_t bytes;
        if (c5_mul_ovf(vl.len, fsz, &bytes) || bytes > SIZE_MAX / 2) {
            rc = c5_fail(c->f, C5_ELIMIT, C5_UNDEF, "variable-length element too large");
            break;
        }
        if (bytes > tcap) {
            uint8_t *t = realloc(tmp, (size_t)bytes);
            if (!t) {
                rc = c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "variable-length conversion: out of memory");
                break;
            }
            tmp = t;
            tcap = (size_t)bytes;
        }
        memset(tmp, 0, (size_t)bytes);
        rc = wconv(c, m->base, ft->base, vl.p, msz, tmp, fsz, vl.len);
        if (!rc)
            rc = vl_put(c, out + i * os, ft->size, vl.len, tmp, (size_t)bytes);
    }
    free(tmp);
    return rc;
}

/* ---- references, compounds, arrays -------------------------------------------- */

static int conv_ref(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                    size_t is, uint8_t *out, size_t os, size_t n)
{
    if (m->cls != C5_CLASS_REFERENCE || m->reftype != ft->reftype || ft->native_objref)
        return no_conv(c, m, ft);
    if (!m->native_objref) { /* memory form = file form */
        if (m->size != ft->size)
            return no_conv(c, m, ft);
        for (size_t i = 0; i < n; i++)
            memcpy(out + i * os, in + i * is, ft->size);
        return 0;
    }
    if (ft->size < c->osz)
        return no_conv(c, m, ft);
    uint64_t lim = c->osz >= 8 ? UINT64_MAX : (1ull << (8 * c->osz)) - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t a;
        memcpy(&a, in + i * is, sizeof a);
        if (a == C5_UNDEF)
            a = lim; /* the undefined address at the file's width */
        else if (a >= lim)
            return c5_fail(c->f, C5_EINVAL, C5_UNDEF,
                           "object reference to address %llu does not fit %u-byte offsets",
                           (unsigned long long)a, c->osz);
        uint8_t *o = out + i * os;
        memset(o, 0, ft->size);
        c5_put_le(o, a, c->osz);
    }
    return 0;
}

static int conv_compound(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                         size_t is, uint8_t *out, size_t os, size_t n)
{
    if (m->cls != C5_CLASS_COMPOUND)
        return no_conv(c, m, ft);
    for (size_t i = 0; i < n; i++)
        memset(out + i * os, 0, ft->size);
    for (int j = 0; j < ft->nmemb; j++) {
        const c5_member *fm = &ft->memb[j], *mm = NULL;
        if (j < m->nmemb && strcmp(m->memb[j].name, fm->name) == 0)
            mm = &m->memb[j];
        else
            for (int i = 0; i < m->nmemb && !mm; i++)
                if (strcmp(m->memb[i].name, fm->name) == 0)
                    mm = &m->memb[i];
        if (!mm)
            continue;
        size_t msz = c5_type_mem_size(mm->type);
        if (mm->offset > m->size || msz > m->size - mm->offset || fm->offset > ft->size ||
            fm->type->size > ft->size - fm->offset)
            return c5_fail(c->f, C5_ETYPE, C5_UNDEF,
                           "compound member \"%s\" does not fit its compound", fm->name);
        int rc = wconv(c, mm->type, fm->type, in + mm->offset, is, out + fm->offset, os, n);
        if (rc)
            return rc;
    }
    return 0;
}

static int conv_array(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                      size_t is, uint8_t *out, size_t os, size_t n)
{
    if (m->cls != C5_CLASS_ARRAY || m->rank != ft->rank || !m->base || !ft->base)
        return no_conv(c, m, ft);
    uint64_t cnt = 1;
    for (int d = 0; d < ft->rank; d++) {
        if (m->dims[d] != ft->dims[d])
            return no_conv(c, m, ft);
        if (c5_mul_ovf(cnt, ft->dims[d], &cnt))
            return no_conv(c, m, ft);
    }
    size_t mb = c5_type_mem_size(m->base), fb = ft->base->size;
    uint64_t mt, fl;
    if (cnt == 0 || c5_mul_ovf(cnt, mb, &mt) || mt > c5_type_mem_size(m) ||
        c5_mul_ovf(cnt, fb, &fl) || fl > ft->size)
        return no_conv(c, m, ft);
    uint64_t all;
    if (is == mt && os == fl && !c5_mul_ovf(n, cnt, &all) && all <= SIZE_MAX)
        return wconv(c, m->base, ft->base, in, mb, out, fb, (size_t)all);
    for (size_t i = 0; i < n; i++) {
        int rc = wconv(c, m->base, ft->base, in + i * is, mb, out + i * os, fb, (size_t)cnt);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- dispatch --------------------------------------------------------------------- */

static int wconv(const wctx *c, const c5_type *m, const c5_type *ft, const uint8_t *in,
                 size_t is, uint8_t *out, size_t os, size_t n)
{
    if (n == 0)
        return 0;
    if (!special(m) && !special(ft)) {
        if (missing_members(m, ft))
            for (size_t i = 0; i < n; i++)
                memset(out + i * os, 0, ft->size);
        return delegate(c, m, ft, in, is, out, os, n);
    }
    if (ft->native_vlstr || ft->native_objref)
        return c5_fail(c->f, C5_ETYPE, C5_UNDEF, "a memory-only type cannot be a file type");
    switch (ft->cls) {
    case C5_CLASS_VLEN:
        if (ft->vlen_string) {
            if (m->cls != C5_CLASS_STRING && !is_vlstr(m))
                return no_conv(c, m, ft);
            return conv_string(c, m, ft, in, is, out, os, n);
        }
        if (m->cls != C5_CLASS_VLEN || m->vlen_string)
            return no_conv(c, m, ft);
        return conv_vlseq(c, m, ft, in, is, out, os, n);
    case C5_CLASS_STRING:
        if (!is_vlstr(m))
            return no_conv(c, m, ft);
        return conv_string(c, m, ft, in, is, out, os, n);
    case C5_CLASS_REFERENCE:
        return conv_ref(c, m, ft, in, is, out, os, n);
    case C5_CLASS_COMPOUND:
        return conv_compound(c, m, ft, in, is, out, os, n);
    case C5_CLASS_ARRAY:
        return conv_array(c, m, ft, in, is, out, os, n);
    default:
        return no_conv(c, m, ft);
    }
}

int c5_convert_to_file(c5_file *f, const c5_type *mem, const c5_type *file, const void *in,
                       void *out, size_t n)
{
    if (!file || (n && (!in || !out)))
        return C5_EINVAL;
    uint64_t tot;
    if (c5_mul_ovf(n, file->size, &tot) || tot > SIZE_MAX)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "conversion of %zu elements overflows", n);
    if (!mem) {
        if (n)
            memcpy(out, in, (size_t)tot);
        return 0;
    }
    size_t is = c5_type_mem_size(mem);
    if (c5_mul_ovf(n, is, &tot) || tot > SIZE_MAX)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "conversion of %zu elements overflows", n);
    wctx c = {f, f && f->osz ? f->osz : 8};
    return wconv(&c, mem, file, in, is, out, file->size, n);
}

/* ---- region references --------------------------------------------------------------
 *
 * A dataset region reference (file and memory form alike, 12 bytes) is a
 * global heap ID: collection address (offset width) and 4-byte object
 * index, zero padded. The heap object holds
 *
 *   0  O  address of the referenced object's header
 *   O  .  the selection, serialised as the dataspace selection encoding
 *         (spec "Dataspace Selection": 4-byte type, then per type)
 *
 * An all-zero (or undefined) collection address is the null reference. */

#define REGREF_SIZE 12

int c5_regref_read(c5_file *f, const void *ref, uint64_t *obj, void **sel, size_t *sel_len)
{
    if (!f || !ref || !obj || !sel || !sel_len)
        return C5_EINVAL;
    *sel = NULL;
    *sel_len = 0;
    *obj = C5_UNDEF;
    int rc;
    /* the heap object may still be waiting for the flush */
    if (f->writable && (rc = c5_w_sync(f)))
        return rc;
    unsigned osz = f->osz;
    const uint8_t *p = ref;
    uint64_t coll = c5_le(p, osz);
    uint32_t idx = (uint32_t)c5_le(p + osz, 4);
    uint64_t undef = osz >= 8 ? UINT64_MAX : (1ull << (8 * osz)) - 1;
    if (coll == 0 || coll == undef)
        return c5_fail(f, C5_ENOTFOUND, C5_UNDEF, "null region reference");
    uint8_t *data;
    size_t n;
    if ((rc = c5_gheap_read(f, coll, idx, &data, &n)))
        return rc;
    if (n < osz) {
        c5_free(f, data);
        return c5_fail(f, C5_ECORRUPT, coll,
                       "region reference heap object %u of %zu bytes has no object address", idx,
                       n);
    }
    uint64_t a = c5_le(data, osz);
    uint8_t *s = malloc(n - osz ? n - osz : 1);
    if (!s) {
        c5_free(f, data);
        return c5_fail(f, C5_ENOMEM, coll, "out of memory");
    }
    memcpy(s, data + osz, n - osz);
    c5_free(f, data);
    *obj = a == undef ? C5_UNDEF : a;
    *sel = s;
    *sel_len = n - osz;
    return 0;
}

int c5_regref_make(c5_file *f, void *ref_out, uint64_t obj, const void *sel, size_t sel_len)
{
    if (!f || !ref_out || (!sel && sel_len))
        return C5_EINVAL;
    if (!f->writable)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "region references need a writable file");
    unsigned osz = f->osz;
    if (osz + 4 > REGREF_SIZE || sel_len > SIZE_MAX - osz)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "region reference does not fit");
    uint64_t lim = osz >= 8 ? UINT64_MAX : (1ull << (8 * osz)) - 1;
    if (obj != C5_UNDEF && obj >= lim)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "object address %llu does not fit the file",
                       (unsigned long long)obj);
    uint8_t *buf = c5_malloc(f, osz + sel_len);
    if (!buf)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    c5_put_le(buf, obj == C5_UNDEF ? lim : obj, osz);
    if (sel_len)
        memcpy(buf + osz, sel, sel_len);
    uint64_t coll;
    uint32_t idx;
    int rc = c5_gheap_put(f, buf, osz + sel_len, &coll, &idx);
    c5_free(f, buf);
    if (rc)
        return rc;
    uint8_t *o = ref_out;
    memset(o, 0, REGREF_SIZE);
    c5_put_le(o, coll, osz);
    c5_put_le(o + osz, idx, 4);
    return 0;
}
