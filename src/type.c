/* Datatype handles: construction of memory types, queries, copies,
 * comparison and freeing of variable-length results.
 *
 * Types are plain-malloc'd trees (compound members, enum values, array and
 * vlen bases) that own every node below them. A handle is immutable once
 * built (c5_type_insert only adds to a compound still being built), so
 * threads may share it read-only. */
#include "type.h"

static c5_byteorder host_order(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b ? C5_ORDER_LE : C5_ORDER_BE;
}

static c5_type *new_type(c5_typeclass cls, size_t size)
{
    c5_type *t = calloc(1, sizeof *t);
    if (t) {
        t->cls = cls;
        t->size = size;
        t->order = C5_ORDER_NONE;
        t->committed = C5_UNDEF;
    }
    return t;
}

static void set_int(c5_type *t, int is_signed, c5_byteorder order)
{
    t->is_signed = is_signed;
    t->order = order;
    t->bit_offset = 0;
    t->precision = (uint16_t)(t->size * 8);
}

/* IEEE 754 binary16/32/64 layouts. */
static void set_ieee(c5_type *t, c5_byteorder order)
{
    t->order = order;
    t->bit_offset = 0;
    t->precision = (uint16_t)(t->size * 8);
    t->mant_norm = 2;
    t->mant_loc = 0;
    switch (t->size) {
    case 2:
        t->sign_loc = 15, t->exp_loc = 10, t->exp_size = 5, t->mant_size = 10, t->exp_bias = 15;
        break;
    case 4:
        t->sign_loc = 31, t->exp_loc = 23, t->exp_size = 8, t->mant_size = 23, t->exp_bias = 127;
        break;
    default:
        t->sign_loc = 63, t->exp_loc = 52, t->exp_size = 11, t->mant_size = 52, t->exp_bias = 1023;
        break;
    }
}

int c5_type_native(c5_type **out, c5_native which)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    c5_byteorder ho = host_order();
    switch (which) {
    case C5_NATIVE_INT8: case C5_NATIVE_UINT8: case C5_NATIVE_INT16: case C5_NATIVE_UINT16:
    case C5_NATIVE_INT32: case C5_NATIVE_UINT32: case C5_NATIVE_INT64: case C5_NATIVE_UINT64:
        return c5_type_integer(out, (size_t)1 << ((int)which / 2), !((int)which & 1), ho);
    case C5_NATIVE_FLOAT:
        return c5_type_float(out, 4, ho);
    case C5_NATIVE_DOUBLE:
        return c5_type_float(out, 8, ho);
    case C5_NATIVE_OBJREF: {
        c5_type *t = new_type(C5_CLASS_REFERENCE, sizeof(uint64_t));
        if (!t)
            return C5_ENOMEM;
        t->reftype = C5_REF_OBJECT;
        t->native_objref = 1;
        *out = t;
        return 0;
    }
    case C5_NATIVE_VLSTRING: {
        c5_type *t = new_type(C5_CLASS_VLEN, sizeof(char *));
        if (!t)
            return C5_ENOMEM;
        int rc = c5_type_integer(&t->base, 1, 0, ho);
        if (rc) {
            free(t);
            return rc;
        }
        t->vlen_string = 1;
        t->native_vlstr = 1;
        t->strpad = C5_STR_NULLTERM;
        t->cset = C5_CSET_UTF8;
        *out = t;
        return 0;
    }
    }
    return C5_EINVAL;
}

int c5_type_integer(c5_type **out, size_t size, int is_signed, c5_byteorder order)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (size < 1 || size > 8 || (order != C5_ORDER_LE && order != C5_ORDER_BE))
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_INTEGER, size);
    if (!t)
        return C5_ENOMEM;
    set_int(t, is_signed != 0, order);
    *out = t;
    return 0;
}

int c5_type_float(c5_type **out, size_t size, c5_byteorder order)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if ((size != 2 && size != 4 && size != 8) || (order != C5_ORDER_LE && order != C5_ORDER_BE))
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_FLOAT, size);
    if (!t)
        return C5_ENOMEM;
    set_ieee(t, order);
    *out = t;
    return 0;
}

/* File size of a variable-length element: 4-byte length, then a global
 * heap ID (collection address, 4-byte object index). Types are built
 * independently of any file, so this assumes the 8-byte addresses every
 * writer uses by default; a file with other widths re-sizes it when the
 * type is stored. */
#define VLEN_DISK_SIZE (4 + 8 + 4)

/* A variable-length string is a vlen of unsigned bytes (libhdf5 makes the
 * base its native unsigned char); its memory form is char*. */
static int vlen_string(c5_type **out, c5_strpad pad, c5_cset cset)
{
    c5_type *t = new_type(C5_CLASS_VLEN, VLEN_DISK_SIZE);
    if (!t)
        return C5_ENOMEM;
    int rc = c5_type_integer(&t->base, 1, 0, C5_ORDER_LE);
    if (rc) {
        free(t);
        return rc;
    }
    t->vlen_string = 1;
    t->strpad = pad;
    t->cset = cset;
    *out = t;
    return 0;
}

int c5_type_string(c5_type **out, size_t size, c5_strpad pad, c5_cset cset)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if ((unsigned)pad > C5_STR_SPACEPAD || (unsigned)cset > C5_CSET_UTF8)
        return C5_EINVAL;
    if (size == C5_VARIABLE)
        return vlen_string(out, pad, cset);
    if (size < 1 || size > UINT32_MAX)
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_STRING, size);
    if (!t)
        return C5_ENOMEM;
    t->strpad = pad;
    t->cset = cset;
    *out = t;
    return 0;
}

int c5_type_compound(c5_type **out, size_t size)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (size < 1 || size > UINT32_MAX)
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_COMPOUND, size);
    if (!t)
        return C5_ENOMEM;
    *out = t;
    return 0;
}

int c5_type_insert(c5_type *c, const char *name, size_t offset, const c5_type *member)
{
    if (!c || !name || !*name || !member || c->cls != C5_CLASS_COMPOUND)
        return C5_EINVAL;
    size_t msz = c5_type_mem_size(member);
    if (offset > c->size || msz > c->size - offset)
        return C5_EINVAL;
    for (int i = 0; i < c->nmemb; i++)
        if (strcmp(c->memb[i].name, name) == 0)
            return C5_EEXIST;
    if (c->nmemb >= 0xffff)
        return C5_ELIMIT;
    c5_member *m = realloc(c->memb, (size_t)(c->nmemb + 1) * sizeof *m);
    if (!m)
        return C5_ENOMEM;
    c->memb = m;
    c5_member *nm = &m[c->nmemb];
    memset(nm, 0, sizeof *nm);
    nm->name = strdup(name);
    nm->type = c5_type_dup(member);
    if (!nm->name || !nm->type) {
        free(nm->name);
        c5_type_close(nm->type);
        return C5_ENOMEM;
    }
    nm->offset = offset;
    c->nmemb++;
    return 0;
}

int c5_type_copy(c5_type **out, const c5_type *t)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (!t)
        return C5_EINVAL;
    *out = c5_type_dup(t);
    return *out ? 0 : C5_ENOMEM;
}

void c5_type_close(c5_type *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nmemb; i++) {
        free(t->memb[i].name);
        c5_type_close(t->memb[i].type);
        free(t->memb[i].value);
    }
    free(t->memb);
    c5_type_close(t->base);
    free(t->tag);
    free(t);
}

c5_type *c5_type_dup(const c5_type *t)
{
    if (!t)
        return NULL;
    c5_type *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    *d = *t;
    d->memb = NULL;
    d->nmemb = 0;
    d->base = NULL;
    d->tag = NULL;
    if (t->tag && !(d->tag = strdup(t->tag)))
        goto fail;
    if (t->base && !(d->base = c5_type_dup(t->base)))
        goto fail;
    if (t->nmemb > 0) {
        d->memb = calloc((size_t)t->nmemb, sizeof *d->memb);
        if (!d->memb)
            goto fail;
        for (int i = 0; i < t->nmemb; i++) {
            const c5_member *s = &t->memb[i];
            c5_member *m = &d->memb[i];
            d->nmemb = i + 1;
            m->offset = s->offset;
            if (s->name && !(m->name = strdup(s->name)))
                goto fail;
            if (s->type && !(m->type = c5_type_dup(s->type)))
                goto fail;
            if (s->value) {
                size_t vs = t->base ? t->base->size : t->size;
                if (!(m->value = malloc(vs)))
                    goto fail;
                memcpy(m->value, s->value, vs);
            }
        }
    }
    return d;
fail:
    c5_type_close(d);
    return NULL;
}

int c5_type_equal(const c5_type *a, const c5_type *b)
{
    if (a == b)
        return 1;
    if (!a || !b)
        return 0;
    if (a->cls != b->cls || a->size != b->size || a->native_objref != b->native_objref ||
        a->native_vlstr != b->native_vlstr)
        return 0;
    switch (a->cls) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_BITFIELD:
        return a->order == b->order && a->is_signed == b->is_signed &&
               a->bit_offset == b->bit_offset && a->precision == b->precision &&
               a->lo_pad == b->lo_pad && a->hi_pad == b->hi_pad;
    case C5_CLASS_FLOAT:
        return a->order == b->order && a->bit_offset == b->bit_offset &&
               a->precision == b->precision && a->sign_loc == b->sign_loc &&
               a->exp_loc == b->exp_loc && a->exp_size == b->exp_size &&
               a->mant_loc == b->mant_loc && a->mant_size == b->mant_size &&
               a->mant_norm == b->mant_norm && a->exp_bias == b->exp_bias &&
               a->lo_pad == b->lo_pad && a->hi_pad == b->hi_pad && a->int_pad == b->int_pad;
    case C5_CLASS_TIME:
        return a->order == b->order && a->precision == b->precision;
    case C5_CLASS_STRING:
        return a->strpad == b->strpad && a->cset == b->cset;
    case C5_CLASS_OPAQUE:
        return strcmp(a->tag ? a->tag : "", b->tag ? b->tag : "") == 0;
    case C5_CLASS_REFERENCE:
        return a->reftype == b->reftype;
    case C5_CLASS_COMPOUND:
        if (a->nmemb != b->nmemb)
            return 0;
        for (int i = 0; i < a->nmemb; i++)
            if (a->memb[i].offset != b->memb[i].offset ||
                strcmp(a->memb[i].name, b->memb[i].name) != 0 ||
                !c5_type_equal(a->memb[i].type, b->memb[i].type))
                return 0;
        return 1;
    case C5_CLASS_ENUM:
        if (a->nmemb != b->nmemb || !c5_type_equal(a->base, b->base))
            return 0;
        for (int i = 0; i < a->nmemb; i++)
            if (strcmp(a->memb[i].name, b->memb[i].name) != 0 ||
                memcmp(a->memb[i].value, b->memb[i].value, a->base->size) != 0)
                return 0;
        return 1;
    case C5_CLASS_VLEN:
        return a->vlen_string == b->vlen_string &&
               (a->vlen_string ? a->strpad == b->strpad && a->cset == b->cset
                               : c5_type_equal(a->base, b->base));
    case C5_CLASS_ARRAY:
        if (a->rank != b->rank)
            return 0;
        for (int i = 0; i < a->rank; i++)
            if (a->dims[i] != b->dims[i])
                return 0;
        return c5_type_equal(a->base, b->base);
    }
    return 0;
}

int c5_type_has_vlen(const c5_type *t)
{
    if (!t)
        return 0;
    switch (t->cls) {
    case C5_CLASS_VLEN:
        return 1;
    case C5_CLASS_ARRAY:
        return c5_type_has_vlen(t->base);
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < t->nmemb; i++)
            if (c5_type_has_vlen(t->memb[i].type))
                return 1;
        return 0;
    default:
        return 0;
    }
}

static uint64_t array_count(const c5_type *t)
{
    uint64_t c = 1;
    for (int i = 0; i < t->rank; i++)
        if (c5_mul_ovf(c, t->dims[i], &c))
            return UINT64_MAX;
    return c;
}

size_t c5_type_mem_size(const c5_type *t)
{
    if (!t)
        return 0;
    switch (t->cls) {
    case C5_CLASS_VLEN:
        return t->vlen_string ? sizeof(char *) : sizeof(c5_vl);
    case C5_CLASS_ARRAY: {
        uint64_t n;
        if (c5_mul_ovf(array_count(t), c5_type_mem_size(t->base), &n) || n > SIZE_MAX)
            return SIZE_MAX;
        return (size_t)n;
    }
    default:
        /* Compounds keep their declared size: a memory compound is laid out
         * by its builder, who chose offsets for the member memory sizes. */
        return t->size;
    }
}

/* ---- constructors for writing ------------------------------------------ */

int c5_type_enum(c5_type **out, const c5_type *base)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    /* The datatype message holds enum values as integers of the base type. */
    if (!base || base->cls != C5_CLASS_INTEGER || base->size < 1 || base->size > 8)
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_ENUM, base->size);
    if (!t)
        return C5_ENOMEM;
    if (!(t->base = c5_type_dup(base))) {
        free(t);
        return C5_ENOMEM;
    }
    t->base->committed = C5_UNDEF;
    t->order = base->order;
    *out = t;
    return 0;
}

int c5_type_enum_insert(c5_type *t, const char *name, const void *value)
{
    if (!t || t->cls != C5_CLASS_ENUM || !t->base || !name || !*name || !value)
        return C5_EINVAL;
    size_t vs = t->base->size;
    /* libhdf5 refuses both a repeated name and a repeated value: either
     * would make the name <-> value mapping ambiguous. */
    for (int i = 0; i < t->nmemb; i++)
        if (strcmp(t->memb[i].name, name) == 0 || memcmp(t->memb[i].value, value, vs) == 0)
            return C5_EEXIST;
    if (t->nmemb >= 0xffff)
        return C5_ELIMIT;
    c5_member *m = realloc(t->memb, (size_t)(t->nmemb + 1) * sizeof *m);
    if (!m)
        return C5_ENOMEM;
    t->memb = m;
    c5_member *nm = &m[t->nmemb];
    memset(nm, 0, sizeof *nm);
    nm->name = strdup(name);
    nm->value = malloc(vs);
    if (!nm->name || !nm->value) {
        free(nm->name);
        free(nm->value);
        return C5_ENOMEM;
    }
    memcpy(nm->value, value, vs);
    t->nmemb++;
    return 0;
}

int c5_type_array(c5_type **out, const c5_type *base, int rank, const uint64_t *dims)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (!base || !dims || rank < 1 || rank > C5_MAX_RANK || base->size == 0)
        return C5_EINVAL;
    /* Dimensions and the element size are 4-byte fields of the message. */
    uint64_t n = base->size;
    for (int i = 0; i < rank; i++)
        if (dims[i] == 0 || dims[i] > UINT32_MAX || c5_mul_ovf(n, dims[i], &n) || n > UINT32_MAX)
            return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_ARRAY, (size_t)n);
    if (!t)
        return C5_ENOMEM;
    if (!(t->base = c5_type_dup(base))) {
        free(t);
        return C5_ENOMEM;
    }
    t->base->committed = C5_UNDEF;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
    if (c5_type_mem_size(t) == SIZE_MAX) {
        c5_type_close(t);
        return C5_EINVAL;
    }
    *out = t;
    return 0;
}

int c5_type_vlen(c5_type **out, const c5_type *base)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (!base || base->size == 0 || base->native_vlstr || base->native_objref)
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_VLEN, VLEN_DISK_SIZE);
    if (!t)
        return C5_ENOMEM;
    if (!(t->base = c5_type_dup(base))) {
        free(t);
        return C5_ENOMEM;
    }
    t->base->committed = C5_UNDEF;
    *out = t;
    return 0;
}

int c5_type_opaque(c5_type **out, size_t size, const char *tag)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (!tag)
        tag = "";
    /* The message stores the tag padded to a multiple of 8 and that padded
     * length in one byte: 248 is the longest tag that round-trips. */
    if (size < 1 || size > UINT32_MAX || strlen(tag) > 248)
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_OPAQUE, size);
    if (!t)
        return C5_ENOMEM;
    if (!(t->tag = strdup(tag))) {
        free(t);
        return C5_ENOMEM;
    }
    *out = t;
    return 0;
}

int c5_type_bitfield(c5_type **out, size_t size, c5_byteorder order)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    if (size < 1 || size > 8 || (order != C5_ORDER_LE && order != C5_ORDER_BE))
        return C5_EINVAL;
    c5_type *t = new_type(C5_CLASS_BITFIELD, size);
    if (!t)
        return C5_ENOMEM;
    set_int(t, 0, order);
    *out = t;
    return 0;
}

int c5_type_reference(c5_type **out, c5_reftype which)
{
    if (!out)
        return C5_EINVAL;
    *out = NULL;
    /* Sizes as libhdf5's H5T_STD_REF_OBJ (an address) and
     * H5T_STD_REF_DSETREG (a global heap ID: address + 4-byte index). */
    size_t size;
    switch (which) {
    case C5_REF_OBJECT: size = 8; break;
    case C5_REF_REGION: size = 12; break;
    default: return C5_EINVAL;
    }
    c5_type *t = new_type(C5_CLASS_REFERENCE, size);
    if (!t)
        return C5_ENOMEM;
    t->reftype = which;
    *out = t;
    return 0;
}

uint64_t c5_type_committed(const c5_type *t) { return t ? t->committed : UINT64_MAX; }

/* ---- queries ----------------------------------------------------------- */

c5_typeclass c5_type_class(const c5_type *t) { return t ? t->cls : (c5_typeclass)C5_EINVAL; }
size_t c5_type_size(const c5_type *t) { return t ? t->size : 0; }
c5_byteorder c5_type_order(const c5_type *t) { return t ? t->order : C5_ORDER_NONE; }
int c5_type_is_signed(const c5_type *t)
{
    if (!t)
        return 0;
    return t->cls == C5_CLASS_ENUM ? c5_type_is_signed(t->base) : t->is_signed;
}
int c5_type_is_vlstring(const c5_type *t)
{
    return t && t->cls == C5_CLASS_VLEN && t->vlen_string;
}

int c5_type_nmembers(const c5_type *t)
{
    if (!t)
        return C5_EINVAL;
    return t->cls == C5_CLASS_COMPOUND || t->cls == C5_CLASS_ENUM ? t->nmemb : 0;
}

static const c5_member *member(const c5_type *t, int i)
{
    if (!t || (t->cls != C5_CLASS_COMPOUND && t->cls != C5_CLASS_ENUM) || i < 0 || i >= t->nmemb)
        return NULL;
    return &t->memb[i];
}

const char *c5_type_member_name(const c5_type *t, int i)
{
    const c5_member *m = member(t, i);
    return m ? m->name : NULL;
}

size_t c5_type_member_offset(const c5_type *t, int i)
{
    const c5_member *m = member(t, i);
    return m ? m->offset : 0;
}

const c5_type *c5_type_member_type(const c5_type *t, int i)
{
    const c5_member *m = member(t, i);
    return m ? m->type : NULL;
}

const c5_type *c5_type_base(const c5_type *t) { return t ? t->base : NULL; }

const void *c5_type_enum_value(const c5_type *t, int i)
{
    const c5_member *m = member(t, i);
    return m && t->cls == C5_CLASS_ENUM ? m->value : NULL;
}

int c5_type_array_dims(const c5_type *t, uint64_t *dims, int maxrank)
{
    if (!t || t->cls != C5_CLASS_ARRAY || (maxrank > 0 && !dims))
        return C5_EINVAL;
    for (int i = 0; i < t->rank && i < maxrank; i++)
        dims[i] = t->dims[i];
    return t->rank;
}

/* ---- variable-length memory ---------------------------------------------- */

void c5_reclaim_strided(const c5_type *t, void *buf, size_t stride, size_t n)
{
    if (!t || !buf || !c5_type_has_vlen(t))
        return;
    uint8_t *p = buf;
    switch (t->cls) {
    case C5_CLASS_VLEN:
        for (size_t i = 0; i < n; i++, p += stride) {
            if (t->vlen_string) {
                char *s;
                memcpy(&s, p, sizeof s);
                free(s);
                s = NULL;
                memcpy(p, &s, sizeof s);
            } else {
                c5_vl v;
                memcpy(&v, p, sizeof v);
                if (v.p)
                    c5_reclaim_strided(t->base, v.p, c5_type_mem_size(t->base), v.len);
                free(v.p);
                memset(p, 0, sizeof v);
            }
        }
        break;
    case C5_CLASS_COMPOUND:
        for (int m = 0; m < t->nmemb; m++)
            c5_reclaim_strided(t->memb[m].type, p + t->memb[m].offset, stride, n);
        break;
    case C5_CLASS_ARRAY: {
        size_t bsz = c5_type_mem_size(t->base);
        size_t cnt = (size_t)array_count(t);
        if (stride == cnt * bsz)
            c5_reclaim_strided(t->base, p, bsz, n * cnt);
        else
            for (size_t i = 0; i < n; i++, p += stride)
                c5_reclaim_strided(t->base, p, bsz, cnt);
        break;
    }
    default:
        break;
    }
}

void c5_reclaim(const c5_type *mem, void *buf, size_t n)
{
    c5_reclaim_strided(mem, buf, c5_type_mem_size(mem), n);
}
