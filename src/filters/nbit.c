/* N-Bit filter (filter ID 5), decode side.
 *
 * Spec: IV.A.2.l "Data Storage - Filter Pipeline Message" lists the
 * filter; the parameter layout and the packing are those of libhdf5's
 * H5Znbit.c (the User's Guide "Using the N-bit Filter" describes them).
 *
 * Client data values (all 32-bit), written by libhdf5 when the dataset is
 * created, describe the datatype as a pre-order tree:
 *
 *   index  value
 *   0      number of client values (must equal the count in the message)
 *   1      1 = nothing to do (every field has full precision): data stored
 *          as is
 *   2      number of elements in a chunk
 *   3..    the datatype node of one element:
 *
 *   atomic   (integer, float)  1, size, order (0 LE, 1 BE), precision, offset
 *   array                      2, total size, base node
 *   compound                   3, size, nmembers,
 *                              then per member: byte offset, member node
 *                              (a member node's class is followed by its
 *                              size, as above)
 *   no-op    (anything else)   4, size            bytes copied verbatim
 *
 * The packed stream is one bit string, most significant bit first, with
 * no alignment between elements: for every element, the fields in tree
 * order; an atomic field contributes its `precision` significant bits
 * (bit `offset` upwards of the value in its byte order), most significant
 * first; a no-op field contributes its bytes in memory order. Padding bits
 * of atomic fields decode as 0.
 *
 * libhdf5 walks the parameter array with one quirk that its encoder and
 * decoder share, so files depend on it: after an array whose base type is
 * an array or a compound, the walk resumes at the start of that base node
 * instead of after it. The walk below reproduces that exactly. */
#include "core/internal.h"
#include "filters/filter.h"

enum { NB_ATOMIC = 1, NB_ARRAY = 2, NB_COMPOUND = 3, NB_NOOP = 4 };

/* Work bounds for the parameter walk, far above any real datatype. */
#define NB_MAX_OPS (1 << 20)
#define NB_MAX_VISITS (1 << 24)

/* One field of an element (or a run of equal fields: an array of an
 * atomic type), compiled from the parameter tree. */
typedef struct nb_op {
    uint32_t dst;   /* byte offset within the element */
    uint32_t size;  /* bytes */
    uint32_t count; /* repetitions, `size` bytes apart */
    uint32_t prec;  /* atomic: significant bits; 0 marks a no-op field */
    uint32_t off;   /* atomic: bit offset of the least significant bit */
    uint8_t be;     /* atomic: big-endian */
} nb_op;

typedef struct nb_compiler {
    const c5_filter_ctx *ctx;
    const uint32_t *cd;
    size_t ncd;
    uint64_t elem;     /* element size */
    nb_op *ops;
    size_t nops, cap;
    uint64_t visits, max_visits;
    int err;
} nb_compiler;

static int nb_bad(nb_compiler *c, const char *why)
{
    if (!c->err)
        c->err = c5_fail(c->ctx->f, C5_ECORRUPT, c->ctx->chunk_addr, "n-bit filter: %s", why);
    return c->err;
}

static uint32_t nb_cd(nb_compiler *c, size_t i)
{
    if (i >= c->ncd) {
        nb_bad(c, "parameters end inside the datatype description");
        return 0;
    }
    return c->cd[i];
}

static int nb_emit(nb_compiler *c, uint64_t dst, uint32_t size, uint32_t count, uint32_t order,
                   uint32_t prec, uint32_t off, int atomic)
{
    if (c->err)
        return c->err;
    if (size == 0)
        return nb_bad(c, "field of size 0");
    if (count == 0)
        return 0;
    if (dst + (uint64_t)size * count > c->elem)
        return nb_bad(c, "field lies outside the element");
    if (atomic) {
        if (order > 1)
            return nb_bad(c, "bad byte order");
        if (size > 1024) /* keeps bit positions in 32 bits; real types are <= 16 */
            return nb_bad(c, "atomic field too wide");
        /* A field's bits must lie inside it; precision 0 has no meaning. */
        if (prec == 0 || (uint64_t)prec + off > (uint64_t)size * 8)
            return nb_bad(c, "invalid precision/offset");
    }
    /* Well-formed trees give disjoint fields of at least one byte. */
    if (c->nops >= c->elem)
        return nb_bad(c, "more fields than bytes in the element");
    if (c->nops >= NB_MAX_OPS)
        return c->err = c5_fail(c->ctx->f, C5_ELIMIT, c->ctx->chunk_addr,
                                "n-bit filter: datatype has more than %d fields", NB_MAX_OPS);
    if (c->nops == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        nb_op *n = c5_realloc(c->ctx->f, c->ops, nc * sizeof *n);
        if (!n)
            return c->err = c5_fail(c->ctx->f, C5_ENOMEM, c->ctx->chunk_addr,
                                    "n-bit filter: out of memory");
        c->ops = n;
        c->cap = nc;
    }
    nb_op *o = &c->ops[c->nops++];
    o->dst = (uint32_t)dst;
    o->size = size;
    o->count = count;
    o->prec = atomic ? prec : 0;
    o->off = atomic ? off : 0;
    o->be = atomic ? (uint8_t)order : 0;
    return 0;
}

static int nb_compound(nb_compiler *c, uint64_t base, size_t *idx, int depth);

/* Bounds the walk: depth, and total node visits (an array of empty
 * compounds would otherwise loop without emitting anything). */
static int nb_enter(nb_compiler *c, int depth)
{
    if (c->err)
        return c->err;
    if (depth > C5_MAX_DEPTH)
        return nb_bad(c, "datatype nested too deeply");
    if (++c->visits > c->max_visits)
        return nb_bad(c, "datatype description too large for the element");
    return 0;
}

/* *idx points at the array's total size (its class was consumed). */
static int nb_array(nb_compiler *c, uint64_t base, size_t *idx, int depth)
{
    if (nb_enter(c, depth))
        return c->err;
    uint32_t total = nb_cd(c, (*idx)++);
    uint32_t cls = nb_cd(c, (*idx)++);
    if (c->err)
        return c->err;
    if (base + total > c->elem)
        return nb_bad(c, "array lies outside the element");
    switch (cls) {
    case NB_ATOMIC: {
        uint32_t size = nb_cd(c, (*idx)++);
        uint32_t order = nb_cd(c, (*idx)++);
        uint32_t prec = nb_cd(c, (*idx)++);
        uint32_t off = nb_cd(c, (*idx)++);
        if (c->err)
            return c->err;
        if (size == 0)
            return nb_bad(c, "array base of size 0");
        return nb_emit(c, base, size, total / size, order, prec, off, 1);
    }
    case NB_ARRAY:
    case NB_COMPOUND: {
        uint32_t bsize = nb_cd(c, *idx);
        if (c->err)
            return c->err;
        if (bsize == 0)
            return nb_bad(c, "array base of size 0");
        size_t begin = *idx;
        for (uint32_t i = 0; i < total / bsize; i++) {
            int rc = cls == NB_ARRAY ? nb_array(c, base + (uint64_t)i * bsize, idx, depth + 1)
                                     : nb_compound(c, base + (uint64_t)i * bsize, idx, depth + 1);
            if (rc)
                return rc;
            *idx = begin; /* libhdf5's walk, see the header comment */
        }
        return 0;
    }
    case NB_NOOP:
        (*idx)++;
        return total ? nb_emit(c, base, total, 1, 0, 0, 0, 0) : 0;
    default:
        return nb_bad(c, "unknown datatype class in array");
    }
}

/* *idx points at the compound's size (its class was consumed). */
static int nb_compound(nb_compiler *c, uint64_t base, size_t *idx, int depth)
{
    if (nb_enter(c, depth))
        return c->err;
    uint32_t size = nb_cd(c, (*idx)++);
    uint32_t nmemb = nb_cd(c, (*idx)++);
    if (c->err)
        return c->err;
    if (base + size > c->elem)
        return nb_bad(c, "compound lies outside the element");
    uint64_t used = 0;
    for (uint32_t m = 0; m < nmemb; m++) {
        uint32_t moff = nb_cd(c, (*idx)++);
        uint32_t cls = nb_cd(c, (*idx)++);
        uint32_t msize = nb_cd(c, *idx);
        if (c->err)
            return c->err;
        used += msize;
        if (used > size)
            return nb_bad(c, "compound members overflow the compound size");
        if ((uint64_t)moff + msize > size)
            return nb_bad(c, "compound member lies outside the compound");
        switch (cls) {
        case NB_ATOMIC: {
            (*idx)++;
            uint32_t order = nb_cd(c, (*idx)++);
            uint32_t prec = nb_cd(c, (*idx)++);
            uint32_t off = nb_cd(c, (*idx)++);
            if (c->err || nb_emit(c, base + moff, msize, 1, order, prec, off, 1))
                return c->err;
            break;
        }
        case NB_ARRAY:
            if (nb_array(c, base + moff, idx, depth + 1))
                return c->err;
            break;
        case NB_COMPOUND:
            if (nb_compound(c, base + moff, idx, depth + 1))
                return c->err;
            break;
        case NB_NOOP:
            (*idx)++;
            if (msize && nb_emit(c, base + moff, msize, 1, 0, 0, 0, 0))
                return c->err;
            break;
        default:
            return nb_bad(c, "unknown datatype class in compound");
        }
    }
    return 0;
}

/* ---- the packed bit stream --------------------------------------------- */

typedef struct nb_bits {
    const uint8_t *p;
    size_t n, pos;
    uint64_t acc;  /* low `have` bits are unread */
    unsigned have;
    int short_input;
} nb_bits;

/* Next k (<= 32) bits, most significant first. */
static inline uint32_t nb_get(nb_bits *b, unsigned k)
{
    while (b->have < k) {
        if (b->pos >= b->n) {
            b->short_input = 1;
            return 0;
        }
        b->acc = (b->acc << 8) | b->p[b->pos++];
        b->have += 8;
    }
    b->have -= k;
    return (uint32_t)((b->acc >> b->have) & ((UINT64_C(1) << k) - 1));
}

static void nb_atomic(uint8_t *e, const nb_op *o, nb_bits *b)
{
    unsigned lo = o->off, hi = o->off + o->prec; /* significant bits [lo, hi) */
    if (o->size <= 8) {
        uint64_t v;
        if (o->prec > 32) {
            v = (uint64_t)nb_get(b, o->prec - 32) << 32;
            v |= nb_get(b, 32);
        } else {
            v = nb_get(b, o->prec);
        }
        v <<= lo;
        for (unsigned s = 0; s < o->size; s++)
            e[o->be ? o->size - 1 - s : s] = (uint8_t)(v >> (8 * s));
        return;
    }
    /* Wider fields (e.g. long double): one byte of significance at a
     * time, most significant first, as the stream holds them. */
    for (unsigned s = (hi - 1) / 8 + 1; s-- > lo / 8;) {
        unsigned blo = s * 8 > lo ? s * 8 : lo;
        unsigned bhi = s * 8 + 8 < hi ? s * 8 + 8 : hi;
        uint32_t v = nb_get(b, bhi - blo);
        e[o->be ? o->size - 1 - s : s] = (uint8_t)(v << (blo - s * 8));
    }
}

int c5_filter_nbit(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                   uint8_t **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    const uint32_t *cd = flt->cd;
    size_t ncd = flt->ncd;
    if (ncd < 2 || !cd || cd[0] != ncd)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "n-bit filter: parameter count %zu does not match the parameters", ncd);
    if (cd[1]) { /* full precision everywhere: stored as is */
        uint8_t *o = NULL;
        int rc = c5_alloc_checked(ctx->f, n, ctx->chunk_addr, "n-bit chunk", (void **)&o);
        if (rc)
            return rc;
        if (n)
            memcpy(o, in, n);
        *out = o;
        *outn = n;
        return 0;
    }
    if (ncd < 5)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr, "n-bit filter: too few parameters");
    uint32_t nelem = cd[2], cls = cd[3], esize = cd[4];
    uint64_t total;
    if (esize == 0 || c5_mul_ovf(nelem, esize, &total))
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr, "n-bit filter: bad element size");
    if (ctx->chunk_bytes && total != ctx->chunk_bytes)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "n-bit filter: %u elements of %u bytes do not make a chunk of %llu bytes",
                       nelem, esize, (unsigned long long)ctx->chunk_bytes);

    /* Nothing to decode; this also keeps the walk below bounded by the
     * size of its output. */
    if (total == 0) {
        *out = c5_malloc(ctx->f, 1);
        return *out ? 0 : c5_fail(ctx->f, C5_ENOMEM, ctx->chunk_addr, "n-bit: out of memory");
    }

    nb_compiler c = {.ctx = ctx, .cd = cd, .ncd = ncd, .elem = esize};
    c.max_visits = 4 * (uint64_t)esize + 4 * (uint64_t)ncd + 64;
    if (c.max_visits > NB_MAX_VISITS)
        c.max_visits = NB_MAX_VISITS;
    size_t idx = 4;
    switch (cls) {
    case NB_ATOMIC:
        if (ncd < 8)
            nb_bad(&c, "too few parameters");
        else
            nb_emit(&c, 0, cd[4], 1, cd[5], cd[6], cd[7], 1);
        break;
    case NB_ARRAY:
        nb_array(&c, 0, &idx, 0);
        break;
    case NB_COMPOUND:
        nb_compound(&c, 0, &idx, 0);
        break;
    default:
        nb_bad(&c, "unknown datatype class");
    }
    if (c.err) {
        c5_free(ctx->f, c.ops);
        return c.err;
    }

    uint8_t *o = NULL;
    int rc = c5_alloc_checked(ctx->f, total, ctx->chunk_addr, "n-bit chunk", (void **)&o);
    if (rc) {
        c5_free(ctx->f, c.ops);
        return rc;
    }
    memset(o, 0, (size_t)total);
    nb_bits b = {.p = in, .n = n};
    for (uint32_t i = 0; i < nelem && !b.short_input; i++) {
        uint8_t *e = o + (size_t)i * esize;
        for (size_t k = 0; k < c.nops; k++) {
            const nb_op *op = &c.ops[k];
            uint8_t *f = e + op->dst;
            if (op->prec) {
                for (uint32_t r = 0; r < op->count; r++, f += op->size)
                    nb_atomic(f, op, &b);
            } else {
                for (uint32_t j = 0; j < op->size; j++)
                    f[j] = (uint8_t)nb_get(&b, 8);
            }
        }
    }
    c5_free(ctx->f, c.ops);
    if (b.short_input) {
        c5_free(ctx->f, o);
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "n-bit filter: packed data (%zu bytes) ends before %u elements", n, nelem);
    }
    *out = o;
    *outn = (size_t)total;
    return 0;
}
