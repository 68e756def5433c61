/* Scale-offset filter (filter ID 6), decode side.
 *
 * Spec: IV.A.2.l "Data Storage - Filter Pipeline Message" names the
 * filter; parameters and stream follow libhdf5's H5Zscaleoffset.c (User's
 * Guide, "Using the Scale-offset Filter").
 *
 * Client data values: exactly 20, all 32-bit:
 *
 *   index  field
 *   0      scale type: 0 float D-scaling, 1 float E-scaling (never
 *          implemented by libhdf5, refused), 2 integer
 *   1      scale factor: decimal digits D for floats (may be negative),
 *          minimum bits for integers (0 = computed per chunk)
 *   2      number of elements in a chunk
 *   3      class: 0 integer, 1 floating point
 *   4      element size in bytes (integers 1, 2, 4, 8; floats 4, 8)
 *   5      sign: 0 unsigned, 1 two's complement (decoding is modular
 *          arithmetic and does not need it)
 *   6      byte order: 0 little-endian, 1 big-endian
 *   7      fill value defined: 0 no, 1 yes
 *   8..9   fill value: the value as a native number, least significant
 *          32 bits first (values above 9 are unused)
 *
 * Stored chunk:
 *
 *   offset  size  field
 *   0       4     minbits, little-endian
 *   4       1     size of minval in bytes (8; only the first 8 are read)
 *   5       8     minval, little-endian (integers: the minimum, sign-
 *                 extended; floats: the bits of the minimum)
 *   13      8     zero
 *   21      ...   nelem values of minbits bits each, most significant bit
 *                 first, no alignment between values
 *
 * minbits equal to the element width: the elements follow verbatim in
 * little-endian order (libhdf5 writes them in the writer's native order;
 * every writer in practice is little-endian). Otherwise a value v decodes
 * as: integers: fill value if the fill value is defined and v is all ones
 * (2^minbits - 1), else minval + v modulo 2^(8*size); floats: fill value
 * under the same condition, else v / 10^D + min computed in the
 * element's own precision, exactly as libhdf5 does. The result is stored
 * in the dataset's byte order. */
#include "core/internal.h"
#include "filters/filter.h"

#include <stdio.h>

#define SO_NPARMS 20
#define SO_HEADER 21

static int so_bad(const c5_filter_ctx *ctx, const char *why)
{
    return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr, "scale-offset filter: %s", why);
}

/* Next k (<= 32) bits, most significant first; *short_input on overrun. */
typedef struct so_bits {
    const uint8_t *p;
    size_t n, pos;
    uint64_t acc;
    unsigned have;
} so_bits;

static inline uint32_t so_get(so_bits *b, unsigned k)
{
    while (b->have < k) {
        b->acc = (b->acc << 8) | b->p[b->pos++]; /* caller checked the length */
        b->have += 8;
    }
    b->have -= k;
    return (uint32_t)((b->acc >> b->have) & ((UINT64_C(1) << k) - 1));
}

/* 10^D, correctly rounded like pow(10, D) / powf(10, D) on an IEEE system;
 * strtod/strtof round correctly and keep the filter free of libm. */
static double so_pow10(int d)
{
    /* The two exponents in -400..400 where glibc's pow is one ulp off the
     * correctly rounded value; libhdf5 decodes with pow. */
    if (d == 23)
        return 1.0000000000000001e+23;
    if (d == 210)
        return 1.0000000000000001e+210;
    char s[16];
    snprintf(s, sizeof s, "1e%d", d);
    return strtod(s, NULL);
}

static float so_pow10f(int d)
{
    char s[16];
    snprintf(s, sizeof s, "1e%d", d);
    return strtof(s, NULL);
}

static void so_store(uint8_t *e, unsigned size, int be, uint64_t v)
{
    for (unsigned i = 0; i < size; i++)
        e[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

int c5_filter_scaleoffset(const c5_filter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                          size_t n, uint8_t **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    const uint32_t *cd = flt->cd;
    if (flt->ncd != SO_NPARMS || !cd)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "scale-offset filter: %zu parameters, expected %d", flt->ncd, SO_NPARMS);
    uint32_t stype = cd[0], nelem = cd[2], cls = cd[3], size = cd[4], order = cd[6];
    int32_t factor = (int32_t)cd[1];
    int filavail = cd[7] == 1;
    if (order > 1)
        return so_bad(ctx, "bad byte order");
    if (cls == 0) {
        if (stype != 2)
            return so_bad(ctx, "integer data with a floating-point scale type");
        if (size != 1 && size != 2 && size != 4 && size != 8)
            return so_bad(ctx, "unsupported integer size");
        if (factor < 0)
            factor = 0;
    } else if (cls == 1) {
        if (stype == 1)
            return c5_fail(ctx->f, C5_EUNSUPPORTED, ctx->chunk_addr,
                           "scale-offset filter: E-scaling is not defined");
        if (stype != 0)
            return so_bad(ctx, "floating-point data with an integer scale type");
        if (size != 4 && size != 8)
            return so_bad(ctx, "unsupported floating-point size");
    } else {
        return so_bad(ctx, "unknown datatype class");
    }
    unsigned width = size * 8;

    if (cls == 0) {
        if ((uint32_t)factor > width)
            return so_bad(ctx, "minimum bits exceed the element width");
        if ((uint32_t)factor == width) { /* libhdf5 stores such chunks untouched */
            uint8_t *o = NULL;
            int rc =
                c5_alloc_checked(ctx->f, n, ctx->chunk_addr, "scale-offset chunk", (void **)&o);
            if (rc)
                return rc;
            if (n)
                memcpy(o, in, n);
            *out = o;
            *outn = n;
            return 0;
        }
    }

    uint64_t total;
    if (c5_mul_ovf(nelem, size, &total))
        return so_bad(ctx, "chunk too large");
    if (ctx->chunk_bytes && total != ctx->chunk_bytes)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "scale-offset filter: %u elements of %u bytes do not make a chunk of "
                       "%llu bytes",
                       nelem, size, (unsigned long long)ctx->chunk_bytes);
    if (n < SO_HEADER)
        return so_bad(ctx, "chunk shorter than its header");
    uint32_t minbits = (uint32_t)c5_le(in, 4);
    unsigned mvsize = in[4] < 8 ? in[4] : 8;
    uint64_t minval = c5_le(in + 5, mvsize);
    if (minbits > width)
        return so_bad(ctx, "minimum bits exceed the element width");
    uint64_t need_bits;
    if (c5_mul_ovf(nelem, minbits, &need_bits) || (need_bits + 7) / 8 > n - SO_HEADER)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "scale-offset filter: %zu bytes hold fewer than %u values of %u bits", n,
                       nelem, minbits);

    uint8_t *o = NULL;
    int rc = c5_alloc_checked(ctx->f, total, ctx->chunk_addr, "scale-offset chunk", (void **)&o);
    if (rc)
        return rc;
    int be = order == 1;
    const uint8_t *src = in + SO_HEADER;

    if (minbits == width) {
        for (uint32_t i = 0; i < nelem; i++)
            so_store(o + (size_t)i * size, size, be, c5_le(src + (size_t)i * size, size));
        *out = o;
        *outn = (size_t)total;
        return 0;
    }

    /* minbits < width <= 64 from here on. */
    uint64_t allones = (UINT64_C(1) << minbits) - 1;
    uint64_t fill = (uint64_t)cd[8] | (uint64_t)cd[9] << 32;
    uint64_t wmask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    so_bits b = {.p = src, .n = n - SO_HEADER};
    float p10f = 1, minf = 0, fillf = 0;
    double p10 = 1, mind = 0, filld = 0;
    if (cls == 1) {
        if (size == 4) {
            uint32_t u = (uint32_t)minval, fu = (uint32_t)fill;
            memcpy(&minf, &u, 4);
            memcpy(&fillf, &fu, 4);
            p10f = so_pow10f(factor);
        } else {
            memcpy(&mind, &minval, 8);
            memcpy(&filld, &fill, 8);
            p10 = so_pow10(factor);
        }
    }
    for (uint32_t i = 0; i < nelem; i++) {
        uint64_t v = 0;
        if (minbits > 32) {
            v = (uint64_t)so_get(&b, minbits - 32) << 32;
            v |= so_get(&b, 32);
        } else {
            v = so_get(&b, minbits);
        }
        uint64_t r;
        if (filavail && v == allones) {
            r = fill;
        } else if (cls == 0) {
            r = v + minval;
        } else if (size == 4) {
            /* v < 2^31: libhdf5 reads it back as a signed int and divides
             * in single precision. */
            float x = (float)(int32_t)v / p10f + minf;
            uint32_t u;
            memcpy(&u, &x, 4);
            r = u;
        } else {
            double x = (double)(int64_t)v / p10 + mind;
            memcpy(&r, &x, 8);
        }
        so_store(o + (size_t)i * size, size, be, r & wmask);
    }
    *out = o;
    *outn = (size_t)total;
    return 0;
}
