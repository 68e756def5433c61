/* SZIP filter (filter ID 4), decode side: CCSDS 121.0-B "Lossless Data
 * Compression" (adaptive Rice coding) as libhdf5 frames it.
 *
 * Spec: IV.A.2.l "Data Storage - Filter Pipeline Message" names the
 * filter; the framing is libhdf5's H5Zszip.c, the sample layout that of
 * the SZIP library (and of libaec's compatible libsz).
 *
 * Client data values (4):
 *
 *   index  field
 *   0      options mask: 1 allow k=13, 2 chip, 4 entropy coding (no
 *          preprocessing), 8 LSB (little-endian samples), 16 MSB
 *          (big-endian samples), 32 nearest neighbour (unit-delay
 *          preprocessing), 128 raw (no SZIP header; always set)
 *   1      pixels per block J (even, <= 32 from libhdf5)
 *   2      bits per pixel n (1..24, 32 or 64)
 *   3      pixels per scanline: one to 128 blocks; a scanline is coded as
 *          ceil(pps/J) blocks, the last one padded (one reference sample
 *          interval)
 *
 * Stored chunk:
 *
 *   offset  size  field
 *   0       4     decoded size in bytes, little-endian
 *   4       ...   CCSDS 121.0-B bit stream, most significant bit first
 *
 * Samples of 32 and 64 bits are coded as bytes, the chunk turned into byte
 * planes first (byte j of every sample, then byte j+1, ...). Samples of
 * 17..24 bits take 4 bytes, 9..16 bits 2 bytes, up to 8 bits 1 byte.
 *
 * The stream is a sequence of reference sample intervals (RSI) of
 * ceil(pps/J) blocks; with preprocessing, the first block of each RSI
 * starts with a raw n-bit reference sample. Every block begins with an
 * option ID of 3 (n <= 8), 4 (n <= 16) or 5 bits:
 *
 *   0         low entropy: one more bit: 0 = zero blocks (a fundamental
 *             sequence gives the run length; 5 means "to the end of the
 *             RSI or of the 64-block segment", larger counts are one
 *             less), 1 = second extension (pairs coded as one FS)
 *   all ones  uncoded: J raw n-bit samples
 *   k+1       split sample: J fundamental sequences (the high bits), then
 *             J k-bit low parts
 *
 * Preprocessing maps prediction residuals to non-negative numbers; the
 * decoder inverts that mapping against the previous sample.
 *
 * Built with C5_HAVE_LIBAEC, c5_filter_szip hands the stream to libaec's
 * libsz after checking the parameters (libsz trusts them; a scanline size
 * that wraps around overflows its buffers), except for padded scanlines;
 * otherwise, and always through c5_filter_szip_builtin, the decoder below
 * runs. Both agree on every stream an encoder writes. */
#include "core/internal.h"
#include "filters/filter.h"

#ifdef C5_HAVE_LIBAEC
#include <szlib.h>
#endif

#define SZ_OPT_MSB 16
#define SZ_OPT_NN 32
#define SZ_MAX_RSI 128 /* blocks per scanline (SZ_MAX_BLOCKS_PER_SCANLINE) */
#define SZ_SE_MAX 90    /* largest second-extension code: 13 pair sums */

typedef struct sz_params {
    unsigned J;        /* samples per block */
    unsigned n;        /* bits per coded sample */
    unsigned bps;      /* bytes per coded sample */
    unsigned rsi;      /* blocks per reference sample interval */
    unsigned pps;      /* samples per scanline */
    unsigned word;     /* 4 or 8 when coded as byte planes, else 0 */
    int msb, pp;
    uint32_t nalloc;   /* decoded bytes */
} sz_params;

static int sz_bad(const c5_filter_ctx *ctx, const char *why)
{
    return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr, "szip filter: %s", why);
}

static int sz_setup(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                    sz_params *p)
{
    const uint32_t *cd = flt->cd;
    if (flt->ncd != 4 || !cd)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "szip filter: %zu parameters, expected 4", flt->ncd);
    uint32_t mask = cd[0], ppb = cd[1], bpp = cd[2], pps = cd[3];
    if (ppb < 2 || ppb > 64 || ppb % 2)
        return sz_bad(ctx, "pixels per block must be even, 2..64");
    if (bpp == 0 || (bpp > 32 && bpp != 64))
        return sz_bad(ctx, "bits per pixel must be 1..32 or 64");
    /* libhdf5 makes a scanline at least one block long (a shorter one
     * would let padding multiply the work) and at most 128 blocks. */
    if (pps < ppb || ((uint64_t)pps + ppb - 1) / ppb > SZ_MAX_RSI)
        return sz_bad(ctx, "pixels per scanline must be 1 to 128 blocks");
    if (n < 4)
        return sz_bad(ctx, "chunk shorter than its header");
    p->J = ppb;
    p->pps = pps;
    p->rsi = (unsigned)(((uint64_t)pps + ppb - 1) / ppb);
    p->word = bpp == 32 || bpp == 64 ? bpp / 8 : 0;
    p->n = p->word ? 8 : bpp;
    p->bps = p->n > 16 ? 4 : p->n > 8 ? 2 : 1;
    p->msb = (mask & SZ_OPT_MSB) != 0;
    p->pp = (mask & SZ_OPT_NN) != 0;
    p->nalloc = (uint32_t)c5_le(in, 4);
    /* Every filter before szip in the pipeline (shuffle, nbit, scale-
     * offset) yields at most a chunk plus a small header. */
    if (ctx->chunk_bytes && p->nalloc > ctx->chunk_bytes + 64)
        return c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                       "szip filter: decoded size %u exceeds the chunk size %llu", p->nalloc,
                       (unsigned long long)ctx->chunk_bytes);
    if (p->nalloc % (p->word ? p->word : p->bps))
        return sz_bad(ctx, "decoded size is not a whole number of samples");
    return 0;
}

/* ---- the bit stream ------------------------------------------------------ */

typedef struct sz_bits {
    const uint8_t *p;
    size_t n, pos;
    uint64_t acc;      /* the low `have` bits are unread */
    unsigned have;
    int eof;           /* ran out of input */
} sz_bits;

static inline void sz_fill(sz_bits *b)
{
    while (b->have <= 56 && b->pos < b->n) {
        b->acc = (b->acc << 8) | b->p[b->pos++];
        b->have += 8;
    }
}

/* Next k (<= 32) bits. */
static inline uint32_t sz_get(sz_bits *b, unsigned k)
{
    if (b->have < k) {
        sz_fill(b);
        if (b->have < k) {
            b->eof = 1;
            return 0;
        }
    }
    b->have -= k;
    return (uint32_t)((b->acc >> b->have) & ((UINT64_C(1) << k) - 1));
}

/* A fundamental sequence: the number of 0 bits before the next 1. */
static inline uint32_t sz_fs(sz_bits *b)
{
    uint64_t fs = 0;
    for (;;) {
        if (b->have == 0) {
            sz_fill(b);
            if (b->have == 0) {
                b->eof = 1;
                return 0;
            }
        }
        uint64_t v = b->acc & (UINT64_MAX >> (64 - b->have));
        if (v == 0) {
            fs += b->have;
            b->have = 0;
            continue;
        }
        unsigned top = 63u - (unsigned)__builtin_clzll(v); /* position of the 1 */
        fs += b->have - 1 - top;
        b->have = top;
        return fs > UINT32_MAX ? UINT32_MAX : (uint32_t)fs;
    }
}

/* ---- decoding -------------------------------------------------------------- */

static void sz_put(uint8_t *o, const sz_params *p, uint32_t v)
{
    switch (p->bps) {
    case 1:
        o[0] = (uint8_t)v;
        break;
    case 2:
        if (p->msb) {
            o[0] = (uint8_t)(v >> 8);
            o[1] = (uint8_t)v;
        } else {
            o[0] = (uint8_t)v;
            o[1] = (uint8_t)(v >> 8);
        }
        break;
    default:
        for (unsigned i = 0; i < 4; i++)
            o[p->msb ? 3 - i : i] = (uint8_t)(v >> (8 * i));
    }
}

/* Write samples s[0..cnt) of one RSI; s[0] is the reference when `first`.
 * Preprocessed samples are residuals against the previous sample x: with
 * theta = min(x, xmax - x), a residual d <= 2*theta is an alternating
 * +/- offset, a larger one is the distance from the nearer bound. */
static void sz_flush(const sz_params *p, const uint32_t *s, size_t cnt, int first, uint32_t *last,
                     uint8_t *o)
{
    size_t i = 0;
    if (!p->pp) {
        for (; i < cnt; i++)
            sz_put(o + i * p->bps, p, s[i]);
        return;
    }
    uint32_t xmax = (uint32_t)((UINT64_C(1) << p->n) - 1);
    uint32_t x = *last;
    if (first && cnt) {
        x = s[0];
        sz_put(o, p, x);
        i = 1;
    }
    uint32_t med = xmax / 2 + 1;
    for (; i < cnt; i++) {
        uint32_t d = s[i];
        uint32_t half = (d >> 1) + (d & 1);
        uint32_t hi = (x & med) ? xmax : 0;   /* x in the upper half */
        if (half <= (hi ^ x))                 /* hi ^ x == theta */
            x += (d & 1) ? ~(d >> 1) : (d >> 1);
        else
            x = hi ^ d;
        sz_put(o + i * p->bps, p, x);
    }
    *last = x;
}

/* Decode up to `cap` samples into o; returns the count produced, or
 * (size_t)-1 on a malformed stream. */
static size_t sz_decode(const sz_params *p, const uint8_t *in, size_t n, uint8_t *o, size_t cap,
                        uint32_t *rs)
{
    sz_bits b = {.p = in, .n = n};
    unsigned idlen = p->n > 16 ? 5 : p->n > 8 ? 4 : 3;
    uint32_t idmax = (1u << idlen) - 1;
    size_t rsi_samples = (size_t)p->rsi * p->J;
    size_t done = 0;
    uint32_t last = 0;

    while (done < cap) {
        size_t used = 0;     /* samples of this RSI decoded so far */
        int stop = 0, bad = 0;
        while (used < rsi_samples && done + used < cap) {
            unsigned ref = p->pp && used == 0;
            uint32_t id = sz_get(&b, idlen);
            if (b.eof) {
                stop = 1;
                break;
            }
            size_t start = used;
            if (id == 0) {
                uint32_t se = sz_get(&b, 1);
                if (ref)
                    rs[used++] = sz_get(&b, p->n);
                if (se) {
                    for (size_t i = ref; i < p->J && !b.eof;) {
                        uint32_t m = sz_fs(&b);
                        if (b.eof)
                            break;
                        if (m > SZ_SE_MAX) {
                            bad = 1;
                            break;
                        }
                        uint32_t beta = 0; /* m = beta*(beta+1)/2 + d1 */
                        while ((beta + 1) * (beta + 2) / 2 <= m)
                            beta++;
                        uint32_t d1 = m - beta * (beta + 1) / 2;
                        if ((i & 1) == 0) {
                            rs[used++] = beta - d1;
                            i++;
                        }
                        rs[used++] = d1;
                        i++;
                    }
                } else {
                    uint32_t zb = sz_fs(&b) + 1;
                    if (b.eof)
                        zb = 0; /* handled after the block */
                    else if (zb == 5) { /* ROS: to the end of the RSI or segment */
                        size_t blk = used / p->J;
                        size_t a = p->rsi - blk, c = 64 - blk % 64;
                        zb = (uint32_t)(a < c ? a : c);
                    } else if (zb > 5) {
                        zb--;
                    }
                    uint64_t zs = zb ? (uint64_t)zb * p->J - ref : 0;
                    if (zs > rsi_samples - used) {
                        bad = 1;
                        break;
                    }
                    memset(rs + used, 0, (size_t)zs * sizeof *rs);
                    used += (size_t)zs;
                }
            } else if (id == idmax) {
                for (unsigned i = 0; i < p->J; i++)
                    rs[used++] = sz_get(&b, p->n);
            } else {
                unsigned k = id - 1;
                if (ref)
                    rs[used++] = sz_get(&b, p->n);
                size_t cnt = p->J - ref;
                /* A sample has n bits: its high part is at most xmax >> k. */
                uint32_t fsmax = (uint32_t)(((UINT64_C(1) << p->n) - 1) >> k);
                for (size_t i = 0; i < cnt; i++) {
                    uint32_t fs = sz_fs(&b);
                    if (fs > fsmax) {
                        bad = 1; /* sz_fs gives 0 at the end of input */
                        break;
                    }
                    rs[used + i] = fs << k;
                }
                if (bad)
                    break;
                if (k)
                    for (size_t i = 0; i < cnt; i++)
                        rs[used + i] += sz_get(&b, k);
                used += cnt;
            }
            if (bad)
                break;
            if (b.eof) { /* the block is incomplete: drop it */
                used = start;
                stop = 1;
                break;
            }
        }
        if (bad)
            return (size_t)-1;
        size_t take = used < cap - done ? used : cap - done;
        sz_flush(p, rs, take, 1, &last, o + done * p->bps);
        done += take;
        if (stop || used < rsi_samples)
            break;
    }
    return done;
}

int c5_filter_szip_builtin(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                           size_t n, uint8_t **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    sz_params p;
    int rc = sz_setup(flt, ctx, in, n, &p);
    if (rc)
        return rc;

    /* Scanlines are coded padded to whole blocks; decode the padded
     * image, then squeeze the padding out. */
    size_t line = (size_t)p.pps * p.bps;             /* bytes of a scanline */
    size_t pline = (size_t)p.rsi * p.J * p.bps;      /* coded (padded) scanline */
    size_t lines = (p.nalloc / p.bps + p.pps - 1) / p.pps;
    uint64_t padded = (uint64_t)lines * pline;
    size_t need = 0; /* coded bytes that cover the last decoded byte */
    if (p.nalloc)
        need = (p.nalloc - 1) / line * pline + (p.nalloc - 1) % line + 1;

    uint8_t *o = NULL, *tmp = NULL;
    uint32_t *rs = NULL;
    rc = c5_alloc_checked(ctx->f, p.nalloc, ctx->chunk_addr, "szip chunk", (void **)&o);
    if (!rc && (padded != p.nalloc || p.word))
        rc = c5_alloc_checked(ctx->f, padded, ctx->chunk_addr, "szip chunk", (void **)&tmp);
    if (!rc) {
        rs = c5_malloc(ctx->f, (size_t)p.rsi * p.J * sizeof *rs);
        if (!rs)
            rc = c5_fail(ctx->f, C5_ENOMEM, ctx->chunk_addr, "szip filter: out of memory");
    }
    if (rc)
        goto fail;

    uint8_t *dst = tmp ? tmp : o;
    size_t got = sz_decode(&p, in + 4, n - 4, dst, (size_t)padded / p.bps, rs);
    if (got == (size_t)-1) {
        rc = sz_bad(ctx, "malformed coded data");
        goto fail;
    }
    if (got * p.bps < need) {
        rc = c5_fail(ctx->f, C5_ECORRUPT, ctx->chunk_addr,
                     "szip filter: coded data ends after %zu of %u bytes", got * p.bps, p.nalloc);
        goto fail;
    }
    if (tmp) {
        if (padded != p.nalloc) /* drop the padding, in place */
            for (size_t l = 1; l < lines; l++)
                memmove(tmp + l * line, tmp + l * pline, line);
        if (p.word) { /* byte planes back to samples */
            size_t cnt = p.nalloc / p.word;
            for (size_t i = 0; i < cnt; i++)
                for (unsigned j = 0; j < p.word; j++)
                    o[i * p.word + j] = tmp[j * cnt + i];
        } else {
            memcpy(o, tmp, p.nalloc);
        }
    }
    c5_free(ctx->f, tmp);
    c5_free(ctx->f, rs);
    *out = o;
    *outn = p.nalloc;
    return 0;
fail:
    c5_free(ctx->f, o);
    c5_free(ctx->f, tmp);
    c5_free(ctx->f, rs);
    return rc;
}

int c5_filter_szip(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                   uint8_t **out, size_t *outn)
{
#ifdef C5_HAVE_LIBAEC
    *out = NULL;
    *outn = 0;
    sz_params p;
    int rc = sz_setup(flt, ctx, in, n, &p); /* libsz trusts its parameters */
    if (rc)
        return rc;
    /* With padded scanlines libsz reports the full size even when the
     * stream ends early, leaving bytes of its scratch buffer unwritten:
     * the built-in decoder checks that case. */
    if (p.pps % p.J)
        return c5_filter_szip_builtin(flt, ctx, in, n, out, outn);
    uint8_t *o = NULL;
    rc = c5_alloc_checked(ctx->f, p.nalloc ? p.nalloc : 1, ctx->chunk_addr, "szip chunk",
                          (void **)&o);
    if (rc)
        return rc;
    SZ_com_t sz = {.options_mask = (int)flt->cd[0],
                   .bits_per_pixel = (int)flt->cd[2],
                   .pixels_per_block = (int)flt->cd[1],
                   .pixels_per_scanline = (int)flt->cd[3]};
    size_t got = p.nalloc;
    if (p.nalloc && (SZ_BufftoBuffDecompress(o, &got, in + 4, n - 4, &sz) != SZ_OK ||
                     got != p.nalloc)) {
        c5_free(ctx->f, o);
        return sz_bad(ctx, "malformed coded data");
    }
    *out = o;
    *outn = p.nalloc;
    return 0;
#else
    return c5_filter_szip_builtin(flt, ctx, in, n, out, outn);
#endif
}
