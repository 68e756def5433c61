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
#ifndef __SSE2__
UNSHUFFLE_FIXED(4)
UNSHUFFLE_FIXED(8)
#else
#include <emmintrin.h>
/* 16 elements per step: load 16 bytes of each plane and transpose them
 * with byte, word and dword interleaves (a 16 x S byte matrix). */
static void unshuffle_4(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem)
{
    size_t i = 0;
    for (; i + 16 <= nelem; i += 16) {
        __m128i a0 = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i a1 = _mm_loadu_si128((const __m128i *)(src + nelem + i));
        __m128i a2 = _mm_loadu_si128((const __m128i *)(src + 2 * nelem + i));
        __m128i a3 = _mm_loadu_si128((const __m128i *)(src + 3 * nelem + i));
        __m128i b0 = _mm_unpacklo_epi8(a0, a1), b1 = _mm_unpackhi_epi8(a0, a1);
        __m128i b2 = _mm_unpacklo_epi8(a2, a3), b3 = _mm_unpackhi_epi8(a2, a3);
        __m128i *d = (__m128i *)(dst + i * 4);
        _mm_storeu_si128(d, _mm_unpacklo_epi16(b0, b2));
        _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(b0, b2));
        _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(b1, b3));
        _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(b1, b3));
    }
    for (; i < nelem; i++)
        for (size_t j = 0; j < 4; j++)
            dst[i * 4 + j] = src[j * nelem + i];
}

static void unshuffle_8(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem)
{
    size_t i = 0;
    for (; i + 16 <= nelem; i += 16) {
        __m128i a[8];
        for (int j = 0; j < 8; j++)
            a[j] = _mm_loadu_si128((const __m128i *)(src + (size_t)j * nelem + i));
        __m128i b0 = _mm_unpacklo_epi8(a[0], a[1]), b1 = _mm_unpackhi_epi8(a[0], a[1]);
        __m128i b2 = _mm_unpacklo_epi8(a[2], a[3]), b3 = _mm_unpackhi_epi8(a[2], a[3]);
        __m128i b4 = _mm_unpacklo_epi8(a[4], a[5]), b5 = _mm_unpackhi_epi8(a[4], a[5]);
        __m128i b6 = _mm_unpacklo_epi8(a[6], a[7]), b7 = _mm_unpackhi_epi8(a[6], a[7]);
        __m128i c0 = _mm_unpacklo_epi16(b0, b2), c1 = _mm_unpackhi_epi16(b0, b2);
        __m128i c2 = _mm_unpacklo_epi16(b1, b3), c3 = _mm_unpackhi_epi16(b1, b3);
        __m128i c4 = _mm_unpacklo_epi16(b4, b6), c5 = _mm_unpackhi_epi16(b4, b6);
        __m128i c6 = _mm_unpacklo_epi16(b5, b7), c7 = _mm_unpackhi_epi16(b5, b7);
        __m128i *d = (__m128i *)(dst + i * 8);
        _mm_storeu_si128(d, _mm_unpacklo_epi32(c0, c4));
        _mm_storeu_si128(d + 1, _mm_unpackhi_epi32(c0, c4));
        _mm_storeu_si128(d + 2, _mm_unpacklo_epi32(c1, c5));
        _mm_storeu_si128(d + 3, _mm_unpackhi_epi32(c1, c5));
        _mm_storeu_si128(d + 4, _mm_unpacklo_epi32(c2, c6));
        _mm_storeu_si128(d + 5, _mm_unpackhi_epi32(c2, c6));
        _mm_storeu_si128(d + 6, _mm_unpacklo_epi32(c3, c7));
        _mm_storeu_si128(d + 7, _mm_unpackhi_epi32(c3, c7));
    }
    for (; i < nelem; i++)
        for (size_t j = 0; j < 8; j++)
            dst[i * 8 + j] = src[j * nelem + i];
}
#endif

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
