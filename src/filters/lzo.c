/* LZO filter (HDF5 filter 305, PyTables' H5Zlzo). PyTables compresses each
 * chunk with LZO1X-1 and stores the raw LZO1X stream (it ends with the
 * LZO1X end-of-stream instruction). Client data: compression level,
 * PyTables object version, object type; none is needed to decode.
 *
 * PyTables before 0.8 (2003) appended a trailer, kept here for those files:
 *   offset   size  field
 *   0        n-8   LZO1X stream
 *   n-8      4     Adler-32 of the decoded bytes (writer's byte order)
 *   n-4      4     decoded size (writer's byte order)
 * A plain decode of such a chunk fails (input not consumed), so the
 * trailer form is tried only then, and accepted only when both fields
 * match. Decoding needs liblzo2 (C5_HAVE_LZO). */
#include "core/internal.h"

#include "filters/filter.h"

#ifdef C5_HAVE_LZO
#include <lzo/lzo1x.h>
#endif

/* Decoded output may exceed the chunk size by the few bytes a later filter
 * in the pipeline (fletcher32) appended before this one ran. */
#define LZO_SLACK 64

#ifdef C5_HAVE_LZO
static int u32_matches(const uint8_t *p, uint32_t v)
{
    uint32_t le = (uint32_t)c5_le(p, 4);
    uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return le == v || be == v;
}
#endif

int c5_filter_lzo(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                  uint8_t **out, size_t *outn)
{
    (void)flt;
    *out = NULL;
    *outn = 0;
#ifdef C5_HAVE_LZO
    c5_file *f = ctx->f;
    uint64_t at = ctx->chunk_addr;
    uint64_t cap;
    if (c5_add_ovf(ctx->chunk_bytes, LZO_SLACK, &cap) || cap > SIZE_MAX)
        return c5_fail(f, C5_ELIMIT, at, "lzo chunk: chunk size %llu too large",
                       (unsigned long long)ctx->chunk_bytes);
    uint8_t *buf = NULL;
    int rc = c5_alloc_checked(f, cap, at, "lzo chunk output", (void **)&buf);
    if (rc != 0)
        return rc;
    lzo_uint got = (lzo_uint)cap;
    int st = lzo1x_decompress_safe(in, (lzo_uint)n, buf, &got, NULL);
    if (st != LZO_E_OK && n >= 8) {
        lzo_uint got2 = (lzo_uint)cap;
        int st2 = lzo1x_decompress_safe(in, (lzo_uint)(n - 8), buf, &got2, NULL);
        if (st2 == LZO_E_OK && got2 <= UINT32_MAX && u32_matches(in + n - 4, (uint32_t)got2) &&
            u32_matches(in + n - 8, (uint32_t)lzo_adler32(lzo_adler32(0, NULL, 0), buf, got2))) {
            st = LZO_E_OK;
            got = got2;
        }
    }
    if (st != LZO_E_OK) {
        c5_free(f, buf);
        return c5_fail(f, C5_ECORRUPT, at, "lzo chunk: %s (liblzo2 error %d)",
                       st == LZO_E_OUTPUT_OVERRUN ? "decodes to more than the chunk size"
                       : st == LZO_E_INPUT_OVERRUN ? "stream truncated"
                                                   : "corrupt stream",
                       st);
    }
    *out = buf;
    *outn = (size_t)got;
    return 0;
#else
    (void)in;
    (void)n;
    return c5_fail(ctx->f, C5_ENOFILTER, ctx->chunk_addr,
                   "lzo filter (305): cfive was built without liblzo2");
#endif
}

/* ---- write side (needs liblzo2) ------------------------------------------------
 * PyTables' lzo_deflate: LZO1X-1 into n + n / 8 + 128 + 3 bytes, no trailer
 * (PyTables 0.8 and later), and a failure when the result is not smaller
 * than the chunk: the optional filter then leaves it raw. */
int c5_filter_lzo_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                      size_t n, uint8_t **out, size_t *outn)
{
    (void)flt;
    *out = NULL;
    *outn = 0;
#ifdef C5_HAVE_LZO
    c5_file *f = ctx->f;
    if (n == 0)
        return C5_ERANGE;
    if (n > SIZE_MAX / 2)
        return C5_ELIMIT;
    size_t cap = n + n / 8 + 128 + 3;
    uint8_t *buf = c5_malloc(f, cap);
    void *work = c5_malloc(f, LZO1X_1_MEM_COMPRESS);
    int rc = buf && work ? 0 : C5_ENOMEM;
    lzo_uint got = (lzo_uint)cap;
    /* lzo_init only checks the library's build; it keeps no state. */
    if (!rc && (lzo_init() != LZO_E_OK ||
                lzo1x_1_compress(in, (lzo_uint)n, buf, &got, work) != LZO_E_OK))
        rc = C5_EINVAL;
    if (!rc && got >= n)
        rc = C5_ERANGE;
    c5_free(f, work);
    if (rc) {
        c5_free(f, buf);
        return rc;
    }
    uint8_t *shrunk = c5_realloc(f, buf, got);
    *out = shrunk ? shrunk : buf;
    *outn = (size_t)got;
    return 0;
#else
    (void)ctx;
    (void)in;
    (void)n;
    return C5_ENOFILTER;
#endif
}
