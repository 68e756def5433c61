/* The shuffle filter (ID 2, H5Z_FILTER_SHUFFLE). Writing regroups the bytes
 * of n elements of size s by significance: all first bytes, then all
 * second bytes, ... so that a compressor sees runs of similar bytes. The
 * n * s bytes of whole elements are shuffled; a tail of (size % s) bytes is
 * stored as is.
 *
 * Client data: cd[0] = element size in bytes (set from the datatype when
 * the dataset is created). A size of 1, or a chunk holding fewer than two
 * elements, leaves the data unchanged. */
#include "core/internal.h"

#include "filter.h"

/* Element sizes the compiler can specialise: the inner loop reads one byte
 * from each of the s planes and writes one element, sequentially. */
#define UNSHUFFLE_FIXED(S)                                                                       \
    static void unshuffle_##S(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem) \
    {                                                                                            \
        for (size_t i = 0; i < nelem; i++)                                                       \
            for (size_t j = 0; j < (S); j++)                                                     \
                dst[i * (S) + j] = src[j * nelem + i];                                           \
    }
UNSHUFFLE_FIXED(2)
UNSHUFFLE_FIXED(4)
UNSHUFFLE_FIXED(8)

static void unshuffle_any(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem,
                          size_t s)
{
    for (size_t j = 0; j < s; j++) {
        const uint8_t *plane = src + j * nelem;
        uint8_t *d = dst + j;
        for (size_t i = 0; i < nelem; i++, d += s)
            *d = plane[i];
    }
}

int c5_filter_shuffle(const c5_filter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                      size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    size_t s = flt->ncd >= 1 ? flt->cd[0] : ctx->elem_size;
    if (s == 0)
        return c5_fail(f, C5_ECORRUPT, ctx->chunk_addr, "shuffle: element size 0 in client data");
    void *buf;
    int rc = c5_alloc_checked(f, n, ctx->chunk_addr, "shuffle output", &buf);
    if (rc)
        return rc;
    uint8_t *dst = buf;
    size_t nelem = n / s;
    if (s == 1 || nelem <= 1) {
        if (n)
            memcpy(dst, in, n);
    } else {
        switch (s) {
        case 2: unshuffle_2(dst, in, nelem); break;
        case 4: unshuffle_4(dst, in, nelem); break;
        case 8: unshuffle_8(dst, in, nelem); break;
        default: unshuffle_any(dst, in, nelem, s); break;
        }
        size_t done = nelem * s;
        if (n > done)
            memcpy(dst + done, in + done, n - done);
    }
    *out = dst;
    *outn = n;
    return 0;
}
