/* The Fletcher-32 filter (ID 3, H5Z_FILTER_FLETCHER32): an error-detecting
 * checksum appended to each chunk. No client data.
 *
 *   offset   size  field
 *   0        n-4   the data
 *   n-4      4     checksum, little-endian
 *
 * HDF5's variant sums the data as big-endian 16-bit words into two 16-bit
 * accumulators that start at 0 (not 0xffff), folding the carries every 360
 * words; an odd trailing byte counts as the high byte of a last word.
 * Files written before HDF5 1.6.3 on little-endian machines hold the
 * checksum with the bytes of each 16-bit half swapped; libhdf5 accepts both
 * forms and so does cfive. Decoding strips the 4 trailing bytes. */
#include "core/internal.h"

#include "filter.h"

static uint32_t fletcher32(const uint8_t *p, size_t n)
{
    uint32_t s1 = 0, s2 = 0;
    size_t words = n / 2;
    while (words) {
        /* 360 words is the longest run the 32-bit sums survive unfolded. */
        size_t t = words > 360 ? 360 : words;
        words -= t;
        for (size_t i = 0; i < t; i++, p += 2) {
            s1 += ((uint32_t)p[0] << 8) | p[1];
            s2 += s1;
        }
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    if (n & 1) {
        s1 += (uint32_t)p[0] << 8;
        s2 += s1;
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
    return (s2 << 16) | s1;
}

int c5_filter_fletcher32(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                         size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    if (n < 4)
        return c5_fail(f, C5_ECORRUPT, ctx->chunk_addr,
                       "fletcher32: chunk of %zu bytes is shorter than its checksum", n);
    size_t len = n - 4;
    uint32_t stored = (uint32_t)c5_le(in + len, 4);
    uint32_t sum = fletcher32(in, len);
    uint32_t swapped = ((sum & 0x00ff00ffu) << 8) | ((sum >> 8) & 0x00ff00ffu);
    if (stored != sum && stored != swapped) {
        int code = c5_fail(f, C5_ECORRUPT, ctx->chunk_addr,
                           "fletcher32: chunk checksum mismatch (stored %08x, computed %08x)",
                           stored, sum);
        if (!f || !(f->opts.flags & C5_OPEN_IGNORE_CHECKSUMS))
            return code;
    }
    void *buf;
    int rc = c5_alloc_checked(f, len, ctx->chunk_addr, "fletcher32 output", &buf);
    if (rc)
        return rc;
    if (len)
        memcpy(buf, in, len);
    *out = buf;
    *outn = len;
    return 0;
}

/* ---- write side: the checksum appended, little-endian (libhdf5's
 * UINT32ENCODE), never the pre-1.6.3 swapped form. */
uint32_t c5_fletcher32(const uint8_t *p, size_t n) { return fletcher32(p, n); }

int c5_filter_fletcher32_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                             size_t n, uint8_t **out, size_t *outn)
{
    (void)flt;
    *out = NULL;
    *outn = 0;
    if (n > SIZE_MAX - 4)
        return C5_ELIMIT;
    uint8_t *dst = c5_malloc(ctx->f, n + 4);
    if (!dst)
        return C5_ENOMEM;
    if (n)
        memcpy(dst, in, n);
    c5_put_le(dst + n, fletcher32(in, n), 4);
    *out = dst;
    *outn = n + 4;
    return 0;
}
