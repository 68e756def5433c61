/* bzip2 filter (HDF5 registered filter 307, PyTables' H5Zbzip2 and the
 * HDF Group BZIP2 plugin). The stored chunk is one complete bzip2 stream
 * ("BZh" + block-size digit, blocks, end-of-stream marker and combined
 * CRC), produced by BZ2_bzBuffToBuffCompress; client data holds only the
 * compression level. Decoding needs libbz2 (C5_HAVE_BZIP2). */
#include "core/internal.h"

#include "filters/filter.h"

#include <limits.h>

#ifdef C5_HAVE_BZIP2
#include <bzlib.h>
#endif

/* Decoded output may exceed the chunk size by the few bytes a later filter
 * in the pipeline (fletcher32) appended before this one ran. */
#define BZIP2_SLACK 64

int c5_filter_bzip2(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                    uint8_t **out, size_t *outn)
{
    (void)flt;
    *out = NULL;
    *outn = 0;
#ifdef C5_HAVE_BZIP2
    c5_file *f = ctx->f;
    uint64_t at = ctx->chunk_addr;
    uint64_t cap;
    if (c5_add_ovf(ctx->chunk_bytes, BZIP2_SLACK, &cap) || cap > UINT_MAX)
        return c5_fail(f, C5_ELIMIT, at, "bzip2 chunk: chunk size %llu too large for libbz2",
                       (unsigned long long)ctx->chunk_bytes);
    if (n > UINT_MAX)
        return c5_fail(f, C5_ELIMIT, at, "bzip2 chunk: %zu stored bytes too large for libbz2", n);
    uint8_t *buf = NULL;
    int rc = c5_alloc_checked(f, cap, at, "bzip2 chunk output", (void **)&buf);
    if (rc != 0)
        return rc;
    unsigned int got = (unsigned int)cap;
    /* small = 0: the fast decoder; it needs about 3.5 MB for a 900k block
     * stream whatever the input claims, a fixed bound. */
    int st = BZ2_bzBuffToBuffDecompress((char *)buf, &got, (char *)(uintptr_t)in,
                                        (unsigned int)n, 0, 0);
    if (st != BZ_OK) {
        c5_free(f, buf);
        if (st == BZ_MEM_ERROR)
            return c5_fail(f, C5_ENOMEM, at, "bzip2 chunk: out of memory");
        return c5_fail(f, C5_ECORRUPT, at, "bzip2 chunk: %s (libbz2 error %d)",
                       st == BZ_OUTBUFF_FULL ? "decodes to more than the chunk size"
                       : st == BZ_DATA_ERROR_MAGIC ? "not a bzip2 stream"
                       : st == BZ_UNEXPECTED_EOF ? "stream truncated"
                                                 : "corrupt stream",
                       st);
    }
    *out = buf;
    *outn = got;
    return 0;
#else
    (void)in;
    (void)n;
    return c5_fail(ctx->f, C5_ENOFILTER, ctx->chunk_addr,
                   "bzip2 filter (307): cfive was built without libbz2");
#endif
}

/* ---- write side (needs libbz2) ---------------------------------------------
 * As the plugins compress: one BZ2_bzBuffToBuffCompress call, block size
 * cd[0] (1..9; 9 when absent), output room n + n / 100 + 600 (bzip2's
 * documented worst case, so it never fails for size). */
int c5_filter_bzip2_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                        size_t n, uint8_t **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
#ifdef C5_HAVE_BZIP2
    c5_file *f = ctx->f;
    int block = 9;
    if (flt->ncd > 0 && flt->cd) {
        if (flt->cd[0] < 1 || flt->cd[0] > 9)
            return C5_EINVAL;
        block = (int)flt->cd[0];
    }
    uint64_t cap = (uint64_t)n + n / 100 + 600;
    if (cap > UINT_MAX)
        return C5_ELIMIT;
    uint8_t *buf = c5_malloc(f, (size_t)cap);
    if (!buf)
        return C5_ENOMEM;
    unsigned int got = (unsigned int)cap;
    int st = BZ2_bzBuffToBuffCompress((char *)buf, &got, (char *)(uintptr_t)in, (unsigned int)n,
                                      block, 0, 0);
    if (st != BZ_OK) {
        c5_free(f, buf);
        return st == BZ_MEM_ERROR ? C5_ENOMEM : st == BZ_OUTBUFF_FULL ? C5_ERANGE : C5_EINVAL;
    }
    uint8_t *shrunk = c5_realloc(f, buf, got);
    *out = shrunk ? shrunk : buf;
    *outn = got;
    return 0;
#else
    (void)flt;
    (void)ctx;
    (void)in;
    (void)n;
    return C5_ENOFILTER;
#endif
}
