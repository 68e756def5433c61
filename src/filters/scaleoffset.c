/* Scale-offset filter (filter ID 6): decoding, and encoding (at the end).
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

int c5_filter_scaleoffset(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
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

/* ==== write side ===========================================================
 * libhdf5's scale-offset compression (H5Z__filter_scaleoffset with
 * H5Z__scaleoffset_precompress_i and _fd), reproduced byte for byte.
 * Integers:
 *   - factor (cd[1], minimum bits) equal to the width: the chunk is left
 *     as is (no header);
 *   - factor 0: the minimum bits are computed per chunk from the span of
 *     the values, elements equal to the fill value excluded when it is
 *     defined (they are stored as all ones, so the span gets one more
 *     code): minbits = ceil(log2(span + 1)) (+ 1 code with a fill value);
 *     a span within 2 of the type's range gives full width;
 *   - full width from the computation: header, then the elements verbatim
 *     little-endian (the minimum field is then 0, as in libhdf5);
 *   - else each value minus the minimum (modulo the width; the fill value
 *     as all ones) in minbits bits, most significant first, after the
 *     21-byte header; the stored size is 21 + floor(nelem * minbits / 8)
 *     + 1, libhdf5's allocation, one byte more than needed at times.
 * Floating point (D-scaling, factor D = decimal digits kept): each value
 * becomes round(x * 10^D - min * 10^D), computed in the type's own
 * precision as libhdf5 does (float arithmetic for floats), stored as an
 * integer of the same size; minbits = ceil(log2(span + 1)) with span =
 * round(max * 10^D - min * 10^D) + 1 (one more code for a fill value,
 * whose elements -- those within 10^-D of it -- become all ones); a span
 * past 2^31 (floats) or 2^63 (doubles) gives full width, the values then
 * stored verbatim with a zero minimum. The minimum field holds min's bits.
 * Rounding (half away from zero) and powers of ten are computed without
 * libm, correctly rounded like glibc's (see so_pow10). */

/* ceil(log2(v)) for v >= 1; 0 for v <= 1. */
static unsigned so_log2ceil(uint64_t v)
{
    unsigned k = 0;
    uint64_t p = 1;
    while (p < v && k < 64) {
        p <<= 1;
        k++;
    }
    return k;
}

static uint64_t so_load(const uint8_t *e, unsigned size, int be)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)e[be ? size - 1 - i : i] << (8 * i);
    return v;
}

/* round() / roundf(): half away from zero, without libm. Values of 2^52
 * (2^23) and more are integers already; NaN and infinities pass through. */
static double so_round(double x)
{
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0))
        return x;
    double t = (double)(int64_t)x, frac = x - t; /* both exact */
    return frac >= 0.5 ? t + 1 : frac <= -0.5 ? t - 1 : t;
}

static float so_roundf(float x)
{
    if (!(x > -8388608.0f && x < 8388608.0f))
        return x;
    float t = (float)(int32_t)x, frac = x - t;
    return frac >= 0.5f ? t + 1 : frac <= -0.5f ? t - 1 : t;
}

/* lround / llround: the rounded value as a 64-bit integer; out of range
 * and NaN give INT64_MIN, as x86's conversion does (never UB). */
static int64_t so_llround(double x)
{
    double r = so_round(x);
    return r >= -9223372036854775808.0 && r < 9223372036854775808.0 ? (int64_t)r : INT64_MIN;
}

static double so_fabs(double x) { return x < 0 ? -x : x; }
static float so_fabsf(float x) { return x < 0 ? -x : x; }

/* Header, then the codes (low minbits bits each, most significant bit
 * first) or, at full width, the elements verbatim little-endian. */
static int so_output(c5_file *f, const uint8_t *in, uint32_t nelem, unsigned size, int be,
                     unsigned minbits, uint64_t minval, const uint64_t *codes, uint8_t **out,
                     size_t *outn)
{
    unsigned width = size * 8;
    size_t n = (size_t)nelem * size;
    size_t total = SO_HEADER + (minbits == width ? n : (size_t)((uint64_t)n * minbits / width) + 1);
    uint8_t *o = c5_calloc(f, 1, total);
    if (!o)
        return C5_ENOMEM;
    c5_put_le(o, minbits, 4);
    o[4] = 8;
    c5_put_le(o + 5, minval, 8);
    uint8_t *dst = o + SO_HEADER;
    if (minbits == width) {
        for (uint32_t i = 0; i < nelem; i++)
            c5_put_le(dst + (size_t)i * size, so_load(in + (size_t)i * size, size, be), size);
    } else if (minbits > 0) {
        uint64_t acc = 0;
        unsigned nacc = 0;
        size_t pos = 0;
        for (uint32_t i = 0; i < nelem; i++) {
            uint64_t v = codes[i];
            /* at most 32 bits per step keep the accumulator within 64 */
            unsigned left = minbits;
            while (left) {
                unsigned k = left > 32 ? left - 32 : left;
                left -= k;
                acc = (acc << k) | ((v >> left) & ((UINT64_C(1) << k) - 1));
                nacc += k;
                while (nacc >= 8) {
                    nacc -= 8;
                    dst[pos++] = (uint8_t)(acc >> nacc);
                }
            }
        }
        if (nacc)
            dst[pos] = (uint8_t)(acc << (8 - nacc));
    }
    *out = o;
    *outn = total;
    return 0;
}

/* Integers: minimum bits, minimum and codes. */
static void so_prep_int(const uint8_t *in, uint32_t nelem, unsigned size, int be, int is_signed,
                        int filavail, uint64_t fill, unsigned *minbits_io, uint64_t *minval_out,
                        uint64_t *codes)
{
    unsigned width = size * 8, minbits = *minbits_io;
    uint64_t wmask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t sbit = UINT64_C(1) << (width - 1);
    fill &= wmask;
    /* Order-preserving key: signed values compare as unsigned once their
     * sign bit is flipped. */
#define KEY(v) (is_signed ? ((v) ^ sbit) : (v))
    uint64_t min = 0, max = 0, minval = 0;
    int have = 0, full = 0;
    for (uint32_t i = 0; i < nelem; i++) {
        uint64_t v = so_load(in + (size_t)i * size, size, be);
        if (filavail && v == fill)
            continue;
        if (!have || KEY(v) < KEY(min))
            min = v;
        if (!have || KEY(v) > KEY(max))
            max = v;
        have = 1;
    }
#undef KEY
    if (minbits == 0) {
        uint64_t span1 = (max - min) & wmask; /* span - 1 */
        if (span1 > wmask - 2) {
            full = 1;
            minbits = width;
            /* libhdf5 records the minimum only in this one case. */
            if (size == 1 && is_signed && !filavail)
                minval = min;
        } else {
            minbits = so_log2ceil(span1 + 1 + (filavail ? 1 : 0));
        }
    }
    if (!full)
        minval = min;
    if (is_signed && (minval & sbit))
        minval |= ~wmask; /* stored sign-extended to 64 bits */
    if (minbits < width) {
        uint64_t allones = (UINT64_C(1) << minbits) - 1;
        for (uint32_t i = 0; i < nelem; i++) {
            uint64_t v = so_load(in + (size_t)i * size, size, be);
            codes[i] = filavail && v == fill ? allones : ((v - min) & wmask & allones);
        }
    }
    *minbits_io = minbits;
    *minval_out = minval;
}

/* Floating point, D-scaling: minimum bits, minimum and codes. */
static void so_prep_float(const uint8_t *in, uint32_t nelem, unsigned size, int be, int32_t D,
                          int filavail, uint64_t fillbits, unsigned *minbits_out,
                          uint64_t *minval_out, uint64_t *codes)
{
    unsigned width = size * 8, minbits;
    double eps = so_pow10(-D); /* the fill test of the min/max scan: double */
    if (size == 4) {
        float p = so_pow10f(D), peps = so_pow10f(-D), fill = 0, min = 0, max = 0, x;
        uint32_t u = (uint32_t)fillbits;
        memcpy(&fill, &u, 4);
        uint32_t i = 0;
#define ELEM(k) (u = (uint32_t)so_load(in + (size_t)(k) * 4, 4, be), memcpy(&x, &u, 4), x)
        if (filavail) {
            while (i < nelem && so_fabs((double)(ELEM(i) - fill)) < eps)
                i++;
            if (i < nelem)
                min = max = ELEM(i);
            for (; i < nelem; i++) {
                float v = ELEM(i);
                if (so_fabs((double)(v - fill)) < eps)
                    continue;
                if (v > max)
                    max = v;
                if (v < min)
                    min = v;
            }
        } else if (nelem) {
            min = max = ELEM(0);
            for (i = 0; i < nelem; i++) {
                float v = ELEM(i);
                if (v > max)
                    max = v;
                if (v < min)
                    min = v;
            }
        }
        float range = max * p - min * p;
        if (so_roundf(range) > 2147483648.0f) {
            *minbits_out = width; /* verbatim, minimum left 0 */
            *minval_out = 0;
            return;
        }
        uint64_t span = (uint64_t)(so_llround((double)so_roundf(range)) + 1);
        minbits = so_log2ceil(filavail ? span + 1 : span);
        if (minbits != width) {
            uint32_t allones = (uint32_t)((UINT64_C(1) << minbits) - 1);
            for (i = 0; i < nelem; i++) {
                float v = ELEM(i);
                if (filavail && so_fabsf(v - fill) < peps)
                    codes[i] = allones;
                else
                    codes[i] = (uint32_t)(int32_t)so_llround((double)so_roundf(v * p - min * p));
            }
        }
#undef ELEM
        memcpy(&u, &min, 4);
        *minval_out = u;
    } else {
        double p = so_pow10(D), fill = 0, min = 0, max = 0, x;
        uint64_t u = fillbits;
        memcpy(&fill, &u, 8);
        uint32_t i = 0;
#define ELEM(k) (u = so_load(in + (size_t)(k) * 8, 8, be), memcpy(&x, &u, 8), x)
        if (filavail) {
            while (i < nelem && so_fabs(ELEM(i) - fill) < eps)
                i++;
            if (i < nelem)
                min = max = ELEM(i);
            for (; i < nelem; i++) {
                double v = ELEM(i);
                if (so_fabs(v - fill) < eps)
                    continue;
                if (v > max)
                    max = v;
                if (v < min)
                    min = v;
            }
        } else if (nelem) {
            min = max = ELEM(0);
            for (i = 0; i < nelem; i++) {
                double v = ELEM(i);
                if (v > max)
                    max = v;
                if (v < min)
                    min = v;
            }
        }
        double range = max * p - min * p;
        if (so_round(range) > 9223372036854775808.0) {
            *minbits_out = width;
            *minval_out = 0;
            return;
        }
        uint64_t span = (uint64_t)so_llround(range) + 1;
        minbits = so_log2ceil(filavail ? span + 1 : span);
        if (minbits != width) {
            uint64_t allones = (UINT64_C(1) << minbits) - 1;
            for (i = 0; i < nelem; i++) {
                double v = ELEM(i);
                if (filavail && so_fabs(v - fill) < eps)
                    codes[i] = allones;
                else
                    codes[i] = (uint64_t)so_llround(v * p - min * p);
            }
        }
#undef ELEM
        memcpy(&u, &min, 8);
        *minval_out = u;
    }
    *minbits_out = minbits;
}

int c5_filter_scaleoffset_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx,
                              const uint8_t *in, size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    const uint32_t *cd = flt->cd;
    if (flt->ncd != SO_NPARMS || !cd)
        return C5_EINVAL;
    uint32_t stype = cd[0], nelem = cd[2], cls = cd[3], size = cd[4], sign = cd[5],
             order = cd[6];
    int32_t factor = (int32_t)cd[1];
    int filavail = cd[7] == 1;
    uint64_t fill = (uint64_t)cd[8] | (uint64_t)cd[9] << 32;
    if (order > 1 || cls > 1)
        return C5_EINVAL;
    if (cls == 0 ? (stype != 2 || (size != 1 && size != 2 && size != 4 && size != 8))
                 : (size != 4 && size != 8))
        return C5_EINVAL;
    if (cls == 1 && stype != 0)
        return stype == 1 ? C5_EUNSUPPORTED : C5_EINVAL; /* E-scaling: never in libhdf5 */
    unsigned width = size * 8;
    if (cls == 0) {
        if (factor < 0)
            factor = 0;
        if ((uint32_t)factor > width)
            return C5_EINVAL;
        if ((uint32_t)factor == width) { /* libhdf5 leaves such chunks alone */
            uint8_t *o = c5_malloc(f, n);
            if (!o)
                return C5_ENOMEM;
            if (n)
                memcpy(o, in, n);
            *out = o;
            *outn = n;
            return 0;
        }
    }
    if ((uint64_t)nelem * size != n)
        return C5_EINVAL;
    uint64_t *codes = c5_malloc(f, (size_t)nelem * sizeof *codes);
    if (!codes)
        return C5_ENOMEM;
    int be = order == 1;
    unsigned minbits = cls == 0 ? (unsigned)factor : 0;
    uint64_t minval = 0;
    if (cls == 0)
        so_prep_int(in, nelem, size, be, sign == 1, filavail, fill, &minbits, &minval, codes);
    else
        so_prep_float(in, nelem, size, be, factor, filavail, fill, &minbits, &minval, codes);
    int rc = so_output(f, in, nelem, size, be, minbits, minval, codes, out, outn);
    c5_free(f, codes);
    return rc;
}
