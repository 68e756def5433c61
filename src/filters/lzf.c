/* The LZF filter (ID 32000), as registered by h5py and PyTables: each chunk
 * is one plain LZF stream (liblzf format, no header).
 *
 * Client data (h5py lzf_filter.c): cd[0] filter revision, cd[1] LZF
 * version, cd[2] chunk size in bytes (0 or absent: unknown). A chunk that
 * LZF could not shrink is stored raw with its filter-mask bit set, so it
 * never reaches this decoder.
 *
 * LZF stream: a sequence of items, each starting with a control byte c:
 *   c < 32        literal run: the next c + 1 bytes are copied
 *   c >= 32       back reference: length L = c >> 5 (if 7, plus the next
 *                 byte), offset D = ((c & 31) << 8) + next byte; copies
 *                 L + 2 bytes from D + 1 bytes back (overlapping allowed) */
#include "core/internal.h"

#include "filter.h"

/* Decompress into out (cap bytes). Returns 0 with *outn set, C5_ERANGE when
 * the output needs more than cap bytes, C5_ECORRUPT for a malformed stream. */
static int lzf_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    const uint8_t *ip = in, *const iend = in + n;
    uint8_t *op = out;
    size_t room = cap;
    while (ip < iend) {
        unsigned c = *ip++;
        if (c < 32) {
            size_t len = (size_t)c + 1;
            if ((size_t)(iend - ip) < len)
                return C5_ECORRUPT;
            if (room < len)
                return C5_ERANGE;
            memcpy(op, ip, len);
            op += len;
            room -= len;
            ip += len;
        } else {
            size_t len = c >> 5;
            if (len == 7) {
                if (ip >= iend)
                    return C5_ECORRUPT;
                len += *ip++;
            }
            if (ip >= iend)
                return C5_ECORRUPT;
            size_t dist = ((size_t)(c & 31) << 8) + *ip++ + 1;
            len += 2;
            if (dist > (size_t)(op - out))
                return C5_ECORRUPT;
            if (room < len)
                return C5_ERANGE;
            const uint8_t *src = op - dist;
            if (dist >= len) {
                memcpy(op, src, len);
                op += len;
            } else {
                for (size_t i = 0; i < len; i++)
                    *op++ = *src++;
            }
            room -= len;
        }
    }
    *outn = (size_t)(op - out);
    return 0;
}

int c5_filter_lzf(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                  uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    if (n == 0)
        return c5_fail(f, C5_ECORRUPT, ctx->chunk_addr, "lzf: empty compressed chunk");
    uint64_t cap = flt->ncd >= 3 && flt->cd[2] ? flt->cd[2] : ctx->chunk_bytes;
    if (cap == 0)
        cap = (uint64_t)n * 4 + 64;
    uint64_t limit = f && f->opts.max_alloc ? f->opts.max_alloc : (1ull << 30);
    if (cap > limit)
        cap = limit;
    for (;;) {
        void *buf;
        int rc = c5_alloc_checked(f, cap, ctx->chunk_addr, "lzf output", &buf);
        if (rc)
            return rc;
        size_t got = 0;
        rc = lzf_decode(in, n, buf, (size_t)cap, &got);
        if (rc == 0) {
            *out = buf;
            *outn = got;
            return 0;
        }
        c5_free(f, buf);
        if (rc != C5_ERANGE)
            return c5_fail(f, rc, ctx->chunk_addr,
                           "lzf: malformed stream in a compressed chunk of %zu bytes", n);
        /* Larger than announced: grow, as h5py's filter does. */
        if (cap >= limit)
            return c5_fail(f, C5_ELIMIT, ctx->chunk_addr,
                           "lzf: chunk of %zu bytes decompresses past max_alloc %llu", n,
                           (unsigned long long)limit);
        cap = cap > limit / 2 ? limit : cap * 2;
    }
}

/* ---- write side ----------------------------------------------------------
 * Like h5py's filter: the output may be at most as long as the input
 * (lzf_compress into a buffer of nbytes); otherwise the filter fails and,
 * being optional, leaves the chunk raw with its mask bit set. An empty
 * chunk fails the same way (liblzf compresses nothing to nothing). */
int c5_filter_lzf_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                      size_t n, uint8_t **out, size_t *outn)
{
    (void)flt;
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    if (n == 0)
        return C5_ERANGE;
    if (n >= UINT32_MAX)
        return C5_ELIMIT;
    uint8_t *buf = c5_malloc(f, n);
    void *work = c5_malloc(f, C5_LZ_WORK);
    size_t got = buf && work ? c5_lzf_compress(in, n, buf, n, work) : 0;
    int rc = !buf || !work ? C5_ENOMEM : got ? 0 : C5_ERANGE;
    c5_free(f, work);
    if (rc) {
        c5_free(f, buf);
        return rc;
    }
    uint8_t *shrunk = c5_realloc(f, buf, got);
    *out = shrunk ? shrunk : buf;
    *outn = got;
    return 0;
}
