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

int c5_filter_shuffle(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
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

/* ---- write side ----------------------------------------------------------
 * The inverse transposition: byte j of element i goes to plane j at i. */
#define SHUFFLE_FIXED(S)                                                                       \
    static void shuffle_##S(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem) \
    {                                                                                          \
        for (size_t i = 0; i < nelem; i++)                                                     \
            for (size_t j = 0; j < (S); j++)                                                   \
                dst[j * nelem + i] = src[i * (S) + j];                                         \
    }
SHUFFLE_FIXED(2)
#ifndef __SSE2__
SHUFFLE_FIXED(4)
SHUFFLE_FIXED(8)
#else
/* 16 elements per step: a 16 x S byte matrix transposed with unpack
 * instructions. Each round of unpacking two registers' low and high
 * halves interleaves them; log2(16) = 4 rounds turn rows into columns. */
static inline void transpose_rounds(__m128i *v, int nreg, int rounds)
{
    __m128i t[8];
    for (int r = 0; r < rounds; r++) {
        int h = nreg / 2;
        for (int k = 0; k < h; k++) {
            t[2 * k] = _mm_unpacklo_epi8(v[k], v[k + h]);
            t[2 * k + 1] = _mm_unpackhi_epi8(v[k], v[k + h]);
        }
        for (int k = 0; k < nreg; k++)
            v[k] = t[k];
    }
}

static void shuffle_4(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem)
{
    size_t i = 0;
    for (; i + 16 <= nelem; i += 16) {
        /* 4 registers of 4 elements each; after 4 rounds of pairing (k,
         * k+2) register j holds byte j of all 16 elements. */
        __m128i v[4];
        for (int k = 0; k < 4; k++)
            v[k] = _mm_loadu_si128((const __m128i *)(src + i * 4 + 16 * (size_t)k));
        transpose_rounds(v, 4, 4);
        for (int j = 0; j < 4; j++)
            _mm_storeu_si128((__m128i *)(dst + (size_t)j * nelem + i), v[j]);
    }
    for (; i < nelem; i++)
        for (size_t j = 0; j < 4; j++)
            dst[j * nelem + i] = src[i * 4 + j];
}

static void shuffle_8(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem)
{
    size_t i = 0;
    for (; i + 16 <= nelem; i += 16) {
        __m128i v[8];
        for (int k = 0; k < 8; k++)
            v[k] = _mm_loadu_si128((const __m128i *)(src + i * 8 + 16 * (size_t)k));
        transpose_rounds(v, 8, 4);
        for (int j = 0; j < 8; j++)
            _mm_storeu_si128((__m128i *)(dst + (size_t)j * nelem + i), v[j]);
    }
    for (; i < nelem; i++)
        for (size_t j = 0; j < 8; j++)
            dst[j * nelem + i] = src[i * 8 + j];
}
#endif

static void shuffle_any(uint8_t *restrict dst, const uint8_t *restrict src, size_t nelem, size_t s)
{
    for (size_t j = 0; j < s; j++) {
        uint8_t *plane = dst + j * nelem;
        const uint8_t *p = src + j;
        for (size_t i = 0; i < nelem; i++, p += s)
            plane[i] = *p;
    }
}

void c5_byte_shuffle(uint8_t *restrict dst, const uint8_t *restrict src, size_t n, size_t s)
{
    size_t nelem = s ? n / s : 0;
    if (s <= 1 || nelem <= 1) {
        if (n)
            memcpy(dst, src, n);
        return;
    }
    switch (s) {
    case 2: shuffle_2(dst, src, nelem); break;
    case 4: shuffle_4(dst, src, nelem); break;
    case 8: shuffle_8(dst, src, nelem); break;
    default: shuffle_any(dst, src, nelem, s); break;
    }
    size_t done = nelem * s;
    if (n > done)
        memcpy(dst + done, src + done, n - done);
}

/* libhdf5 (H5Z__filter_shuffle) leaves the chunk as is for an element size
 * of 1 or a single element: never a failure. */
int c5_filter_shuffle_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                          size_t n, uint8_t **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    if (flt->ncd < 1 || !flt->cd || flt->cd[0] == 0)
        return C5_EINVAL;
    uint8_t *dst = c5_malloc(ctx->f, n);
    if (!dst)
        return C5_ENOMEM;
    c5_byte_shuffle(dst, in, n, flt->cd[0]);
    *out = dst;
    *outn = n;
    return 0;
}
