/* Conversion of elements from a file datatype to a memory datatype.
 *
 * The work is organised so that no per-element dispatch happens on the
 * numeric path: a conversion walks the type tree once per call (compound
 * members, array bases) and each leaf runs a tight loop over all n elements,
 * strided by the enclosing element sizes. Numbers go through a small block
 * buffer: a load loop specialised on the source layout fills it with 64-bit
 * integers or doubles, a store loop specialised on the destination empties
 * it. Layouts that only differ in byte order are swapped, identical ones
 * copied.
 *
 * Floating-point values of any layout the datatype message can describe
 * (half, VAX, x87 extended, quad, ...) are unpacked into sign / exponent /
 * 64-bit mantissa and packed again with round-to-nearest-even, in integer
 * arithmetic only (no libm, no undefined casts).
 *
 * Variable-length data (file form: 4-byte element count, then a global heap
 * ID = collection address of offset width + 4-byte object index) becomes
 * malloc'd memory: char* for strings, c5_vl for sequences. On failure every
 * allocation made by the call is freed and the pointers are left NULL. */
#include "type.h"
#include "format/gheap.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_ORDER C5_ORDER_BE
#else
#define HOST_ORDER C5_ORDER_LE
#endif

#define BLK 256
#define MAX_FLOAT_BYTES 64

typedef struct cctx {
    c5_file *f;
    unsigned osz;
} cctx;

static int conv(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                size_t is, uint8_t *out, size_t os, size_t n);

static const char *class_name(c5_typeclass k)
{
    static const char *names[] = {"integer", "float",    "time",      "string",
                                  "bitfield", "opaque",  "compound",  "reference",
                                  "enum",    "vlen",     "array"};
    return (unsigned)k <= C5_CLASS_ARRAY ? names[k] : "unknown";
}

static int no_conv(const cctx *c, const c5_type *src, const c5_type *dst)
{
    return c5_fail(c->f, C5_ETYPE, C5_UNDEF, "no conversion from %s (%zu bytes) to %s (%zu bytes)",
                   class_name(src->cls), src->size, class_name(dst->cls), dst->size);
}

/* ---- raw byte movement ---------------------------------------------------- */

static void copy_strided(const uint8_t *in, size_t is, uint8_t *out, size_t os, size_t n,
                         size_t size)
{
    if (is == size && os == size) {
        memcpy(out, in, n * size);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * os, in + i * is, size);
}

static void swap_strided(const uint8_t *in, size_t is, uint8_t *out, size_t os, size_t n,
                         size_t size)
{
    switch (size) {
    case 2:
        for (size_t i = 0; i < n; i++) {
            uint16_t x;
            memcpy(&x, in + i * is, 2);
            x = __builtin_bswap16(x);
            memcpy(out + i * os, &x, 2);
        }
        return;
    case 4:
        for (size_t i = 0; i < n; i++) {
            uint32_t x;
            memcpy(&x, in + i * is, 4);
            x = __builtin_bswap32(x);
            memcpy(out + i * os, &x, 4);
        }
        return;
    case 8:
        for (size_t i = 0; i < n; i++) {
            uint64_t x;
            memcpy(&x, in + i * is, 8);
            x = __builtin_bswap64(x);
            memcpy(out + i * os, &x, 8);
        }
        return;
    default:
        for (size_t i = 0; i < n; i++) {
            const uint8_t *s = in + i * is;
            uint8_t *d = out + i * os;
            if (s == d) {
                for (size_t k = 0; k < size / 2; k++) {
                    uint8_t t = d[k];
                    d[k] = d[size - 1 - k];
                    d[size - 1 - k] = t;
                }
            } else {
                for (size_t k = 0; k < size; k++)
                    d[k] = s[size - 1 - k];
            }
        }
    }
}

/* Integer of `size` bytes (<= 8) in the given byte order. */
static inline uint64_t get_uint(const uint8_t *p, size_t size, c5_byteorder order)
{
    uint64_t v = 0;
    if (order == C5_ORDER_BE)
        for (size_t k = 0; k < size; k++)
            v = (v << 8) | p[k];
    else
        for (size_t k = size; k-- > 0;)
            v = (v << 8) | p[k];
    return v;
}

static inline void put_uint(uint8_t *p, size_t size, c5_byteorder order, uint64_t v)
{
    if (order == C5_ORDER_BE)
        for (size_t k = size; k-- > 0; v >>= 8)
            p[k] = (uint8_t)v;
    else
        for (size_t k = 0; k < size; k++, v >>= 8)
            p[k] = (uint8_t)v;
}

static inline uint64_t mask_bits(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

/* ---- integers ------------------------------------------------------------- */

static int full_int(const c5_type *t)
{
    return t->bit_offset == 0 && t->precision == t->size * 8 && !t->lo_pad && !t->hi_pad;
}

/* Load n integers as 64-bit values: sign-extended when t is signed. */
static void load_ints(const c5_type *t, const uint8_t *in, size_t is, size_t n, uint64_t *v)
{
    int sgn = t->cls == C5_CLASS_INTEGER && t->is_signed;
    if (t->order == HOST_ORDER && full_int(t)) {
#define LOADT(T)                                                                              \
    for (size_t i = 0; i < n; i++) {                                                          \
        T x;                                                                                  \
        memcpy(&x, in + i * is, sizeof x);                                                    \
        v[i] = (uint64_t)x;                                                                   \
    }                                                                                         \
    return;
        switch (t->size) {
        case 1:
            if (sgn) { LOADT(int8_t) } else { LOADT(uint8_t) }
        case 2:
            if (sgn) { LOADT(int16_t) } else { LOADT(uint16_t) }
        case 4:
            if (sgn) { LOADT(int32_t) } else { LOADT(uint32_t) }
        case 8:
            LOADT(uint64_t)
        default:
            break;
        }
#undef LOADT
    }
    unsigned off = t->bit_offset, prec = t->precision;
    uint64_t m = mask_bits(prec);
    uint64_t sbit = prec >= 1 && prec <= 64 ? 1ull << (prec - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = get_uint(in + i * is, t->size, t->order);
        x = (x >> off) & m;
        if (sgn && prec < 64 && (x & sbit))
            x |= ~m;
        v[i] = x;
    }
}

/* Store n 64-bit values (signed when vsigned) into integers of layout t,
 * saturating to its range like libhdf5's hard conversions; bitfields
 * (wrap) keep the low bits instead. */
static void store_ints(const c5_type *t, const uint64_t *v, int vsigned, int wrap, uint8_t *out,
                       size_t os, size_t n)
{
    unsigned prec = t->precision;
    int dsgn = t->cls == C5_CLASS_INTEGER && t->is_signed;
    uint64_t m = mask_bits(prec);
    uint64_t umax = m;
    int64_t smax = (int64_t)(m >> 1), smin = -smax - 1;
    uint64_t buf[BLK];
    for (size_t i = 0; i < n; i++) {
        uint64_t x = v[i];
        if (!wrap) {
            if (vsigned) {
                int64_t s = (int64_t)x;
                if (dsgn)
                    x = (uint64_t)(s > smax ? smax : s < smin ? smin : s);
                else
                    x = s < 0 ? 0 : (uint64_t)s > umax ? umax : (uint64_t)s;
            } else {
                if (dsgn)
                    x = x > (uint64_t)smax ? (uint64_t)smax : x;
                else
                    x = x > umax ? umax : x;
            }
        }
        buf[i] = x & m;
    }
    if (t->order == HOST_ORDER && full_int(t)) {
#define STORET(T)                                                                             \
    for (size_t i = 0; i < n; i++) {                                                          \
        T x = (T)buf[i];                                                                      \
        memcpy(out + i * os, &x, sizeof x);                                                   \
    }                                                                                         \
    return;
        switch (t->size) {
        case 1: STORET(uint8_t)
        case 2: STORET(uint16_t)
        case 4: STORET(uint32_t)
        case 8: STORET(uint64_t)
        default: break;
        }
#undef STORET
    }
    unsigned off = t->bit_offset;
    uint64_t pads = 0;
    if (t->lo_pad)
        pads |= mask_bits(off);
    if (t->hi_pad)
        pads |= mask_bits((unsigned)t->size * 8) & ~mask_bits(off + prec);
    for (size_t i = 0; i < n; i++)
        put_uint(out + i * os, t->size, t->order, (buf[i] << off) | pads);
}

/* ---- floating point ------------------------------------------------------- */

enum { FP_ZERO, FP_FINITE, FP_INF, FP_NAN };

/* value = mant * 2^e2, mant normalised (bit 63 set) when finite. */
typedef struct fpval {
    int sign, kind;
    int64_t e2;
    uint64_t mant;
} fpval;

static const c5_type IEEE64 = {
    .cls = C5_CLASS_FLOAT, .size = 8, .order = C5_ORDER_LE, .precision = 64,
    .sign_loc = 63, .exp_loc = 52, .exp_size = 11, .mant_loc = 0, .mant_size = 52,
    .mant_norm = 2, .exp_bias = 1023,
};

/* 2, 4 or 8 when t is the IEEE binary16/32/64 layout (either byte order). */
static int ieee_size(const c5_type *t)
{
    if (t->cls != C5_CLASS_FLOAT || (t->order != C5_ORDER_LE && t->order != C5_ORDER_BE) ||
        t->bit_offset != 0 || t->precision != t->size * 8 || t->mant_norm != 2 ||
        t->mant_loc != 0)
        return 0;
    if (t->size == 8 && t->sign_loc == 63 && t->exp_loc == 52 && t->exp_size == 11 &&
        t->mant_size == 52 && t->exp_bias == 1023)
        return 8;
    if (t->size == 4 && t->sign_loc == 31 && t->exp_loc == 23 && t->exp_size == 8 &&
        t->mant_size == 23 && t->exp_bias == 127)
        return 4;
    if (t->size == 2 && t->sign_loc == 15 && t->exp_loc == 10 && t->exp_size == 5 &&
        t->mant_size == 10 && t->exp_bias == 15)
        return 2;
    return 0;
}

/* Layouts the generic float code can handle. */
static int float_ok(const c5_type *t)
{
    return t->size <= MAX_FLOAT_BYTES && t->exp_size <= 32 && t->mant_size >= 1 &&
           (t->order != C5_ORDER_VAX || (t->size % 2) == 0);
}

/* Bit fields of up to 64 bits, a byte at a time. */
static uint64_t get_bits(const uint8_t *b, unsigned pos, unsigned len)
{
    uint64_t v = 0;
    for (unsigned got = 0; got < len;) {
        unsigned q = pos + got, sh = q & 7, take = 8 - sh;
        if (take > len - got)
            take = len - got;
        v |= (uint64_t)((b[q >> 3] >> sh) & ((1u << take) - 1)) << got;
        got += take;
    }
    return v;
}

static void put_bits(uint8_t *b, unsigned pos, unsigned len, uint64_t v)
{
    if (len > 64)
        len = 64;
    for (unsigned done = 0; done < len;) {
        unsigned q = pos + done, sh = q & 7, take = 8 - sh;
        if (take > len - done)
            take = len - done;
        unsigned m = ((1u << take) - 1) << sh;
        b[q >> 3] = (uint8_t)((b[q >> 3] & ~m) | (((unsigned)(v >> done) << sh) & m));
        done += take;
    }
}

/* IEEE binary16 -> double, exactly. */
static double half_to_dbl(uint16_t h)
{
    uint64_t s = (uint64_t)(h >> 15) << 63, e = (h >> 10) & 0x1f, m = h & 0x3ff, bits;
    if (e == 0) {
        double d = (double)m * (1.0 / 16777216.0); /* m * 2^-24 */
        return s ? -d : d;
    }
    if (e == 0x1f)
        bits = s | (0x7ffull << 52) | (m << 42) | (m ? 1ull << 51 : 0);
    else
        bits = s | ((e - 15 + 1023) << 52) | (m << 42);
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* Element bytes -> little-endian order. VAX stores 16-bit little-endian
 * words, most significant word first. */
static void to_le(const c5_type *t, const uint8_t *s, uint8_t *le)
{
    size_t n = t->size;
    if (t->order == C5_ORDER_BE)
        for (size_t k = 0; k < n; k++)
            le[k] = s[n - 1 - k];
    else if (t->order == C5_ORDER_VAX)
        for (size_t k = 0; k + 1 < n; k += 2) {
            le[k] = s[n - 2 - k];
            le[k + 1] = s[n - 1 - k];
        }
    else
        memcpy(le, s, n);
}

static void from_le(const c5_type *t, const uint8_t *le, uint8_t *d)
{
    size_t n = t->size;
    if (t->order == C5_ORDER_BE)
        for (size_t k = 0; k < n; k++)
            d[n - 1 - k] = le[k];
    else if (t->order == C5_ORDER_VAX)
        for (size_t k = 0; k + 1 < n; k += 2) {
            d[n - 2 - k] = le[k];
            d[n - 1 - k] = le[k + 1];
        }
    else
        memcpy(d, le, n);
}

static void unpack(const c5_type *t, const uint8_t *le, fpval *v)
{
    v->sign = (int)get_bits(le, t->sign_loc, 1);
    unsigned es = t->exp_size, ms = t->mant_size;
    uint64_t e = get_bits(le, t->exp_loc, es);
    uint64_t emax = mask_bits(es);
    unsigned mse = ms > 64 ? 64 : ms; /* mantissa bits kept: the top ones */
    unsigned drop = ms - mse;
    uint64_t m = get_bits(le, t->mant_loc + drop, mse);
    int implied = t->mant_norm == 2;
    int64_t bias = (int64_t)t->exp_bias;
    if (t->order != C5_ORDER_VAX && e == emax) {
        uint64_t frac = implied ? m : m & ~(1ull << (mse - 1));
        v->kind = frac ? FP_NAN : FP_INF;
        return;
    }
    if ((e == 0 && m == 0) || (t->order == C5_ORDER_VAX && e == 0)) {
        v->kind = FP_ZERO;
        return;
    }
    int64_t ee = e ? (int64_t)e : 1;
    uint64_t M;
    int64_t E0;
    if (implied) {
        E0 = ee - bias - (int64_t)ms + drop;
        if (e == 0)
            M = m;
        else if (mse < 64)
            M = (1ull << mse) | m;
        else {
            M = (1ull << 63) | (m >> 1);
            E0 += 1;
        }
    } else {
        M = m;
        E0 = ee - bias - ((int64_t)ms - 1) + drop;
    }
    if (M == 0) {
        v->kind = FP_ZERO;
        return;
    }
    int sh = __builtin_clzll(M);
    v->kind = FP_FINITE;
    v->mant = M << sh;
    v->e2 = E0 - sh;
}

/* x >> s rounded to nearest, ties to even. */
static uint64_t round_shift(uint64_t x, int64_t s)
{
    if (s <= 0)
        return x;
    if (s > 64)
        return 0;
    uint64_t r = s == 64 ? 0 : x >> s;
    uint64_t rem = s == 64 ? x : x & ((1ull << s) - 1);
    uint64_t half = 1ull << (s - 1);
    if (rem > half || (rem == half && (r & 1)))
        r++;
    return r;
}

static void pack(const c5_type *t, const fpval *v, uint8_t *le)
{
    memset(le, 0, t->size);
    unsigned es = t->exp_size, ms = t->mant_size;
    unsigned mse = ms > 64 ? 64 : ms;
    unsigned mpos = t->mant_loc + (ms - mse);
    uint64_t emax = mask_bits(es);
    int implied = t->mant_norm == 2;
    int64_t bias = (int64_t)t->exp_bias;
    uint64_t E = 0, m = 0;
    put_bits(le, t->sign_loc, 1, (uint64_t)v->sign);
    switch (v->kind) {
    case FP_ZERO:
        return;
    case FP_INF:
    case FP_NAN:
        E = emax;
        if (v->kind == FP_NAN)
            m = implied ? 1ull << (mse - 1) : mse >= 2 ? 3ull << (mse - 2) : 1;
        else
            m = implied ? 0 : 1ull << (mse - 1);
        break;
    case FP_FINITE: {
        int64_t be = v->e2 + 63 + bias; /* biased exponent of 1.f form */
        if (be >= 1) {
            E = (uint64_t)be;
            if (implied) {
                uint64_t frac = v->mant << 1;
                m = mse == 64 ? frac : round_shift(frac, 64 - mse);
                if (mse < 64 && (m >> mse)) {
                    m = 0;
                    E++;
                }
            } else {
                m = mse == 64 ? v->mant : round_shift(v->mant, 64 - mse);
                if (mse < 64 && (m >> mse)) {
                    m >>= 1;
                    E++;
                }
            }
            if (E >= emax) { /* overflow: infinity */
                E = emax;
                m = implied ? 0 : 1ull << (mse - 1);
            }
        } else {
            /* Subnormal: value = m * 2^(1 - bias - mse + (implied ? 0 : 1)). */
            int64_t sh = -(v->e2 - 1 + bias + (int64_t)mse - (implied ? 0 : 1));
            m = round_shift(v->mant, sh > 65 ? 65 : sh);
            if (implied && mse < 64 && (m >> mse)) {
                m = 0;
                E = 1;
            } else if (!implied && mse < 64 && (m >> mse)) {
                m = mask_bits(mse);
            }
        }
        break;
    }
    }
    put_bits(le, t->exp_loc, es, E);
    put_bits(le, mpos, mse, m);
}

static void dbl_to_fp(double d, fpval *v)
{
    uint64_t bits;
    uint8_t le[8];
    memcpy(&bits, &d, 8);
    for (int k = 0; k < 8; k++)
        le[k] = (uint8_t)(bits >> (8 * k));
    unpack(&IEEE64, le, v);
}

static double fp_to_dbl(const fpval *v)
{
    uint8_t le[8];
    pack(&IEEE64, v, le);
    uint64_t bits = c5_le(le, 8);
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

static void load_flts(const c5_type *t, const uint8_t *in, size_t is, size_t n, double *d)
{
    int k = ieee_size(t);
    if (k == 8 || k == 4) {
        int sw = t->order != HOST_ORDER;
        for (size_t i = 0; i < n; i++) {
            if (k == 8) {
                uint64_t b;
                memcpy(&b, in + i * is, 8);
                if (sw)
                    b = __builtin_bswap64(b);
                memcpy(&d[i], &b, 8);
            } else {
                uint32_t b;
                float f;
                memcpy(&b, in + i * is, 4);
                if (sw)
                    b = __builtin_bswap32(b);
                memcpy(&f, &b, 4);
                d[i] = f;
            }
        }
        return;
    }
    if (k == 2) {
        for (size_t i = 0; i < n; i++)
            d[i] = half_to_dbl((uint16_t)get_uint(in + i * is, 2, t->order));
        return;
    }
    uint8_t le[MAX_FLOAT_BYTES];
    fpval v;
    for (size_t i = 0; i < n; i++) {
        to_le(t, in + i * is, le);
        unpack(t, le, &v);
        d[i] = fp_to_dbl(&v);
    }
}

static void store_flts(const c5_type *t, const double *d, uint8_t *out, size_t os, size_t n)
{
    int k = ieee_size(t);
    int sw = t->order != HOST_ORDER;
    if (k == 8) {
        for (size_t i = 0; i < n; i++) {
            uint64_t b;
            memcpy(&b, &d[i], 8);
            if (sw)
                b = __builtin_bswap64(b);
            memcpy(out + i * os, &b, 8);
        }
        return;
    }
    uint8_t le[MAX_FLOAT_BYTES], tmp[MAX_FLOAT_BYTES];
    fpval v;
    for (size_t i = 0; i < n; i++) {
        double x = d[i];
        if (k == 4) {
            /* The hardware conversion rounds like pack(); only finite values
             * past FLT_MAX (undefined for the C cast) are settled here:
             * below FLT_MAX + half an ulp they round to FLT_MAX. */
            double ax = x < 0 ? -x : x;
            float f;
            if (!(ax > 3.4028234663852886e38))
                f = (float)x; /* in range, infinite or NaN */
            else
                f = ax < 3.4028235677973366e38 ? 3.4028234663852886e38f : __builtin_inff();
            if (x < 0 && ax > 3.4028234663852886e38)
                f = -f;
            uint32_t b;
            memcpy(&b, &f, 4);
            if (sw)
                b = __builtin_bswap32(b);
            memcpy(out + i * os, &b, 4);
            continue;
        }
        dbl_to_fp(x, &v);
        pack(t, &v, le);
        from_le(t, le, tmp);
        memcpy(out + i * os, tmp, t->size);
    }
}

static void ints_to_dbl(const uint64_t *v, int vsigned, double *d, size_t n)
{
    if (vsigned)
        for (size_t i = 0; i < n; i++)
            d[i] = (double)(int64_t)v[i];
    else
        for (size_t i = 0; i < n; i++)
            d[i] = (double)v[i];
}

/* Truncate toward zero and saturate to t's range (NaN becomes 0). */
static void dbl_to_ints(const double *d, const c5_type *t, uint64_t *v, size_t n)
{
    unsigned p = t->precision > 64 ? 64 : t->precision;
    if (t->cls == C5_CLASS_INTEGER && t->is_signed) {
        double lim = (double)(1ull << (p - 1));
        int64_t mx = (int64_t)(mask_bits(p) >> 1), mn = -mx - 1;
        for (size_t i = 0; i < n; i++) {
            double x = d[i];
            int64_t r = x != x ? 0 : x >= lim ? mx : x <= -lim ? mn : (int64_t)x;
            v[i] = (uint64_t)r;
        }
    } else {
        double lim = p == 64 ? 18446744073709551616.0 : (double)(1ull << p);
        uint64_t mx = mask_bits(p);
        for (size_t i = 0; i < n; i++) {
            double x = d[i];
            v[i] = !(x > 0) ? 0 : x >= lim ? mx : (uint64_t)x;
        }
    }
}

/* ---- enums ------------------------------------------------------------------ */

/* Enum to enum maps values through member names, as libhdf5 does; a value
 * with no matching name becomes all-ones bytes. */
static int conv_enum(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                     size_t is, uint8_t *out, size_t os, size_t n)
{
    int ns = src->nmemb;
    uint64_t *sv = malloc(((size_t)ns + 1) * sizeof *sv);
    int *map = malloc(((size_t)ns + 1) * sizeof *map);
    if (!sv || !map) {
        free(sv);
        free(map);
        return c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "enum conversion: out of memory");
    }
    for (int i = 0; i < ns; i++) {
        load_ints(src->base, src->memb[i].value, src->base->size, 1, &sv[i]);
        map[i] = -1;
        for (int j = 0; j < dst->nmemb; j++) {
            int jj = (i + j) % dst->nmemb; /* same position first */
            if (strcmp(src->memb[i].name, dst->memb[jj].name) == 0) {
                map[i] = jj;
                break;
            }
        }
    }
    uint64_t v[BLK];
    int last = 0;
    for (size_t done = 0; done < n;) {
        size_t cnt = n - done < BLK ? n - done : BLK;
        load_ints(src->base, in + done * is, is, cnt, v);
        for (size_t i = 0; i < cnt; i++) {
            int hit = -1;
            if (ns && sv[last] == v[i])
                hit = last;
            else
                for (int k = 0; k < ns; k++)
                    if (sv[k] == v[i]) {
                        hit = last = k;
                        break;
                    }
            uint8_t *o = out + (done + i) * os;
            if (hit >= 0 && map[hit] >= 0)
                memcpy(o, dst->memb[map[hit]].value, dst->size);
            else
                memset(o, 0xff, dst->size);
        }
        done += cnt;
    }
    free(sv);
    free(map);
    return 0;
}

/* ---- numbers ---------------------------------------------------------------- */

static int is_numeric(const c5_type *t)
{
    return t->cls == C5_CLASS_INTEGER || t->cls == C5_CLASS_FLOAT || t->cls == C5_CLASS_BITFIELD ||
           (t->cls == C5_CLASS_ENUM && t->base);
}

static int conv_numeric(const cctx *c, const c5_type *src, const c5_type *dst,
                        const uint8_t *in, size_t is, uint8_t *out, size_t os, size_t n)
{
    if (src->cls == C5_CLASS_ENUM && dst->cls == C5_CLASS_ENUM)
        return conv_enum(c, src, dst, in, is, out, os, n);
    const c5_type *s = src->cls == C5_CLASS_ENUM ? src->base : src;
    const c5_type *d = dst->cls == C5_CLASS_ENUM ? dst->base : dst;
    int sf = s->cls == C5_CLASS_FLOAT, df = d->cls == C5_CLASS_FLOAT;
    if ((sf && d->cls == C5_CLASS_BITFIELD) || (df && s->cls == C5_CLASS_BITFIELD))
        return no_conv(c, src, dst);
    if ((sf ? !float_ok(s) : s->size > 8 || s->precision > 64) ||
        (df ? !float_ok(d) : d->size > 8 || d->precision > 64))
        return no_conv(c, src, dst);
    uint64_t v[BLK];
    double x[BLK];
    int ssg = s->cls == C5_CLASS_INTEGER && s->is_signed;
    int dsg = d->cls == C5_CLASS_INTEGER && d->is_signed;
    int wrap = d->cls == C5_CLASS_BITFIELD;
    for (size_t done = 0; done < n;) {
        size_t cnt = n - done < BLK ? n - done : BLK;
        const uint8_t *ip = in + done * is;
        uint8_t *op = out + done * os;
        if (!sf && !df) {
            load_ints(s, ip, is, cnt, v);
            store_ints(d, v, ssg, wrap, op, os, cnt);
        } else if (sf && df) {
            load_flts(s, ip, is, cnt, x);
            store_flts(d, x, op, os, cnt);
        } else if (!sf) {
            load_ints(s, ip, is, cnt, v);
            ints_to_dbl(v, ssg, x, cnt);
            store_flts(d, x, op, os, cnt);
        } else {
            load_flts(s, ip, is, cnt, x);
            dbl_to_ints(x, d, v, cnt);
            store_ints(d, v, dsg, 0, op, os, cnt);
        }
        done += cnt;
    }
    return 0;
}

/* ---- strings ---------------------------------------------------------------- */

static size_t fixed_len(const uint8_t *s, size_t size, c5_strpad pad)
{
    const uint8_t *z = memchr(s, 0, size);
    size_t len = z ? (size_t)(z - s) : size;
    if (pad == C5_STR_SPACEPAD)
        while (len > 0 && s[len - 1] == ' ')
            len--;
    return len;
}

static void put_fixed(uint8_t *o, size_t size, c5_strpad pad, const uint8_t *s, size_t len)
{
    size_t cap = pad == C5_STR_NULLTERM && size > 0 ? size - 1 : size;
    size_t k = len < cap ? len : cap;
    if (k) /* s may be NULL for an empty variable-length string */
        memcpy(o, s, k);
    memset(o + k, pad == C5_STR_SPACEPAD ? ' ' : 0, size - k);
}

static int put_vlstr(const cctx *c, uint8_t *o, const uint8_t *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "string conversion: out of memory");
    if (len)
        memcpy(p, s, len);
    p[len] = 0;
    memcpy(o, &p, sizeof p);
    return 0;
}

static int is_vlstr(const c5_type *t)
{
    return t->cls == C5_CLASS_VLEN && t->vlen_string;
}

/* Variable-length element in file form -> heap object bytes. *data is NULL
 * (and *count 0) for an empty or null element. */
static int vl_fetch(const cctx *c, const uint8_t *e, size_t esz,
                    uint32_t *count, uint8_t **data, size_t *nbytes)
{
    *data = NULL;
    *nbytes = 0;
    *count = (uint32_t)c5_le(e, 4);
    uint64_t addr = c5_le(e + 4, c->osz);
    uint32_t idx = (uint32_t)c5_le(e + 4 + c->osz, 4);
    if (*count == 0 || addr == 0 || addr == mask_bits(8 * c->osz)) {
        *count = 0;
        return 0;
    }
    if (!c->f)
        return C5_EINVAL;
    int rc = c5_gheap_read(c->f, addr, idx, data, nbytes);
    if (rc)
        return rc;
    uint64_t need;
    if (c5_mul_ovf(*count, esz, &need) || need > *nbytes) {
        c5_free(c->f, *data);
        *data = NULL;
        return c5_fail(c->f, C5_ECORRUPT, addr,
                       "variable-length element of %u items needs more than the %zu-byte "
                       "global heap object %u",
                       *count, *nbytes, idx);
    }
    return 0;
}

static int check_vl_src(const cctx *c, const c5_type *src)
{
    if (src->size < 8 + (size_t)c->osz || !src->base || src->base->size == 0)
        return c5_fail(c->f, C5_ECORRUPT, C5_UNDEF,
                       "variable-length datatype of %zu bytes is too small for a heap ID",
                       src->size);
    return 0;
}

static int conv_string(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                       size_t is, uint8_t *out, size_t os, size_t n)
{
    int rc = 0;
    if (src->cls == C5_CLASS_STRING) {
        for (size_t i = 0; i < n && !rc; i++) {
            const uint8_t *s = in + i * is;
            size_t len = fixed_len(s, src->size, src->strpad);
            if (dst->cls == C5_CLASS_STRING)
                put_fixed(out + i * os, dst->size, dst->strpad, s, len);
            else
                rc = put_vlstr(c, out + i * os, s, len);
        }
        return rc;
    }
    if ((rc = check_vl_src(c, src)) != 0)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t cnt;
        uint8_t *data;
        size_t nb;
        /* libhdf5 stores a NULL string with no heap object (address 0),
         * an empty one as an empty heap object: keep them apart */
        uint64_t haddr = c5_le(in + i * is + 4, c->osz);
        if (dst->cls != C5_CLASS_STRING && (haddr == 0 || haddr == mask_bits(8 * c->osz))) {
            char *null = NULL;
            memcpy(out + i * os, &null, sizeof null);
            continue;
        }
        if ((rc = vl_fetch(c, in + i * is, src->base->size, &cnt, &data, &nb)) != 0)
            break;
        size_t len = (size_t)cnt * src->base->size;
        if (dst->cls == C5_CLASS_STRING)
            put_fixed(out + i * os, dst->size, dst->strpad, data, len);
        else
            rc = put_vlstr(c, out + i * os, data, len);
        c5_free(c->f, data);
    }
    return rc;
}

/* Memory slots of variable-length data start out NULL, so a failure part
 * way can free exactly what was allocated. */
static void zero_slots(const c5_type *t, uint8_t *p, size_t stride, size_t n)
{
    switch (t->cls) {
    case C5_CLASS_VLEN:
        for (size_t i = 0; i < n; i++)
            memset(p + i * stride, 0, c5_type_mem_size(t));
        break;
    case C5_CLASS_COMPOUND:
        for (int m = 0; m < t->nmemb; m++)
            if (c5_type_has_vlen(t->memb[m].type))
                zero_slots(t->memb[m].type, p + t->memb[m].offset, stride, n);
        break;
    case C5_CLASS_ARRAY: {
        size_t bsz = c5_type_mem_size(t->base), cnt = bsz ? c5_type_mem_size(t) / bsz : 0;
        for (size_t i = 0; i < n; i++)
            zero_slots(t->base, p + i * stride, bsz, cnt);
        break;
    }
    default:
        break;
    }
}

static int conv_vlseq(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                      size_t is, uint8_t *out, size_t os, size_t n)
{
    int rc = check_vl_src(c, src);
    if (rc)
        return rc;
    size_t esz = src->base->size, msz = c5_type_mem_size(dst->base);
    int hv = c5_type_has_vlen(dst->base);
    for (size_t i = 0; i < n; i++) {
        uint32_t cnt;
        uint8_t *data;
        size_t nb;
        c5_vl vl = {0, NULL};
        if ((rc = vl_fetch(c, in + i * is, esz, &cnt, &data, &nb)) != 0)
            return rc;
        if (cnt) {
            uint64_t bytes;
            if (c5_mul_ovf(cnt, msz, &bytes) || bytes > SIZE_MAX ||
                !(vl.p = malloc(bytes ? (size_t)bytes : 1))) {
                c5_free(c->f, data);
                return c5_fail(c->f, C5_ENOMEM, C5_UNDEF,
                               "variable-length conversion: out of memory");
            }
            if (hv)
                zero_slots(dst->base, vl.p, msz, cnt);
            vl.len = cnt;
            rc = conv(c, src->base, dst->base, data, esz, vl.p, msz, cnt);
            c5_free(c->f, data);
            if (rc) {
                c5_reclaim_strided(dst->base, vl.p, msz, cnt);
                free(vl.p);
                return rc;
            }
        }
        memcpy(out + i * os, &vl, sizeof vl);
    }
    return 0;
}

/* ---- references, compounds, arrays ------------------------------------------- */

static int conv_ref(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                    size_t is, uint8_t *out, size_t os, size_t n)
{
    if (dst->cls != C5_CLASS_REFERENCE || src->reftype != dst->reftype)
        return no_conv(c, src, dst);
    if (dst->native_objref && !src->native_objref && src->reftype == C5_REF_OBJECT) {
        if (src->size < c->osz)
            return no_conv(c, src, dst);
        uint64_t undef = mask_bits(8 * c->osz);
        for (size_t i = 0; i < n; i++) {
            uint64_t a = c5_le(in + i * is, c->osz);
            if (a == undef)
                a = C5_UNDEF;
            memcpy(out + i * os, &a, sizeof a);
        }
        return 0;
    }
    if (src->native_objref != dst->native_objref || src->size != dst->size)
        return no_conv(c, src, dst);
    copy_strided(in, is, out, os, n, src->size);
    return 0;
}

static int conv_compound(const cctx *c, const c5_type *src, const c5_type *dst,
                         const uint8_t *in, size_t is, uint8_t *out, size_t os, size_t n)
{
    if (dst->cls != C5_CLASS_COMPOUND)
        return no_conv(c, src, dst);
    for (int j = 0; j < dst->nmemb; j++) {
        const c5_member *dm = &dst->memb[j];
        const c5_member *sm = NULL;
        if (j < src->nmemb && strcmp(src->memb[j].name, dm->name) == 0)
            sm = &src->memb[j];
        else
            for (int i = 0; i < src->nmemb; i++)
                if (strcmp(src->memb[i].name, dm->name) == 0) {
                    sm = &src->memb[i];
                    break;
                }
        if (!sm)
            continue; /* left untouched, as libhdf5 does */
        size_t msz = c5_type_mem_size(dm->type);
        if (dm->offset > dst->size || msz > dst->size - dm->offset ||
            sm->offset > src->size || sm->type->size > src->size - sm->offset)
            return c5_fail(c->f, C5_ETYPE, C5_UNDEF,
                           "compound member \"%s\" does not fit its compound", dm->name);
        int rc = conv(c, sm->type, dm->type, in + sm->offset, is, out + dm->offset, os, n);
        if (rc)
            return rc;
    }
    return 0;
}

static int conv_array(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                      size_t is, uint8_t *out, size_t os, size_t n)
{
    if (dst->cls != C5_CLASS_ARRAY || dst->rank != src->rank || !src->base || !dst->base)
        return no_conv(c, src, dst);
    uint64_t cnt = 1;
    for (int d = 0; d < src->rank; d++) {
        if (src->dims[d] != dst->dims[d])
            return no_conv(c, src, dst);
        cnt *= src->dims[d]; /* bounded: equals size / base size */
    }
    size_t sb = src->base->size, db = c5_type_mem_size(dst->base);
    if (cnt == 0 || cnt * sb > src->size || cnt * db > c5_type_mem_size(dst))
        return no_conv(c, src, dst);
    if (is == cnt * sb && os == cnt * db)
        return conv(c, src->base, dst->base, in, sb, out, db, n * (size_t)cnt);
    for (size_t i = 0; i < n; i++) {
        int rc = conv(c, src->base, dst->base, in + i * is, sb, out + i * os, db, (size_t)cnt);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- dispatch ----------------------------------------------------------------- */

static int swappable(const c5_typeclass k)
{
    return k == C5_CLASS_INTEGER || k == C5_CLASS_FLOAT || k == C5_CLASS_BITFIELD ||
           k == C5_CLASS_TIME;
}

static int conv(const cctx *c, const c5_type *src, const c5_type *dst, const uint8_t *in,
                size_t is, uint8_t *out, size_t os, size_t n)
{
    if (n == 0)
        return 0;
    if (c5_type_equal(src, dst) && !c5_type_has_vlen(src)) {
        copy_strided(in, is, out, os, n, src->size);
        return 0;
    }
    if (swappable(src->cls) && src->cls == dst->cls && src->size == dst->size &&
        (src->order == C5_ORDER_LE || src->order == C5_ORDER_BE) &&
        (dst->order == C5_ORDER_LE || dst->order == C5_ORDER_BE) && src->order != dst->order) {
        c5_type tmp = *dst;
        tmp.order = src->order;
        if (c5_type_equal(src, &tmp)) {
            swap_strided(in, is, out, os, n, src->size);
            return 0;
        }
    }
    switch (src->cls) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_FLOAT:
    case C5_CLASS_BITFIELD:
    case C5_CLASS_ENUM:
        if (!is_numeric(src) || !is_numeric(dst))
            return no_conv(c, src, dst);
        return conv_numeric(c, src, dst, in, is, out, os, n);
    case C5_CLASS_TIME:
    case C5_CLASS_OPAQUE:
        if (dst->cls != src->cls || dst->size != src->size)
            return no_conv(c, src, dst);
        if (src->cls == C5_CLASS_TIME && src->order != dst->order)
            swap_strided(in, is, out, os, n, src->size);
        else
            copy_strided(in, is, out, os, n, src->size);
        return 0;
    case C5_CLASS_STRING:
        if (dst->cls != C5_CLASS_STRING && !is_vlstr(dst))
            return no_conv(c, src, dst);
        return conv_string(c, src, dst, in, is, out, os, n);
    case C5_CLASS_VLEN:
        if (src->vlen_string) {
            if (dst->cls != C5_CLASS_STRING && !is_vlstr(dst))
                return no_conv(c, src, dst);
            if (src->native_vlstr) /* char* in memory: only a copy of the pointers */
                return no_conv(c, src, dst);
            return conv_string(c, src, dst, in, is, out, os, n);
        }
        if (dst->cls != C5_CLASS_VLEN || dst->vlen_string || !dst->base)
            return no_conv(c, src, dst);
        return conv_vlseq(c, src, dst, in, is, out, os, n);
    case C5_CLASS_REFERENCE:
        return conv_ref(c, src, dst, in, is, out, os, n);
    case C5_CLASS_COMPOUND:
        return conv_compound(c, src, dst, in, is, out, os, n);
    case C5_CLASS_ARRAY:
        return conv_array(c, src, dst, in, is, out, os, n);
    }
    return no_conv(c, src, dst);
}

int c5_convert(c5_file *f, const c5_type *src, const c5_type *dst, const void *in, void *out,
               size_t n)
{
    if (!src || (n && (!in || !out)))
        return C5_EINVAL;
    uint64_t tot;
    if (!dst) {
        if (c5_mul_ovf(n, src->size, &tot) || tot > SIZE_MAX)
            return C5_EINVAL;
        if (n)
            memcpy(out, in, (size_t)tot);
        return 0;
    }
    size_t os = c5_type_mem_size(dst);
    if (c5_mul_ovf(n, src->size, &tot) || tot > SIZE_MAX || c5_mul_ovf(n, os, &tot) ||
        tot > SIZE_MAX)
        return C5_EINVAL;
    cctx c = {f, f ? f->osz : 8};
    int hv = c5_type_has_vlen(dst);
    if (hv)
        zero_slots(dst, out, os, n);
    int rc = conv(&c, src, dst, in, src->size, out, os, n);
    if (rc && hv)
        c5_reclaim_strided(dst, out, os, n);
    return rc;
}
