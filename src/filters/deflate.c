/* The deflate filter (ID 1, H5Z_FILTER_DEFLATE): each chunk is one zlib
 * stream (RFC 1950). Client data: cd[0] = compression level (not needed to
 * decode).
 *
 * Three engines give the same bytes: libdeflate (fastest, preferred), zlib,
 * and the built-in inflater (inflate.c) for builds with neither. Like
 * libhdf5, bytes after the end of the stream are ignored, and the output may
 * exceed the expected chunk size (the buffer then grows). */
#include "core/internal.h"

#include "filter.h"

#ifdef C5_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef C5_HAVE_ZLIB
#include <limits.h>
#include <zlib.h>
#endif

#ifdef C5_HAVE_LIBDEFLATE
static int inflate_libdeflate(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return C5_ENOMEM;
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(d, in, n, out, cap, &got);
    libdeflate_free_decompressor(d);
    switch (r) {
    case LIBDEFLATE_SUCCESS: *outn = got; return 0;
    case LIBDEFLATE_INSUFFICIENT_SPACE: return C5_ERANGE;
    default: return C5_ECORRUPT;
    }
}
#endif

#ifdef C5_HAVE_ZLIB
static int inflate_zlib(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return C5_ENOMEM;
    const uint8_t *ip = in;
    uint8_t *op = out;
    size_t in_left = n, out_left = cap;
    /* zlib refuses a NULL next_out even with no room: give it a byte. */
    uint8_t spare;
    z.next_out = out ? out : &spare;
    int rc;
    for (;;) {
        /* avail_in/out are unsigned int: feed large buffers in pieces. */
        if (z.avail_in == 0 && in_left) {
            z.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            z.next_in = (Bytef *)(uintptr_t)ip;
            ip += z.avail_in;
            in_left -= z.avail_in;
        }
        if (z.avail_out == 0 && out_left) {
            z.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
            z.next_out = op;
            op += z.avail_out;
            out_left -= z.avail_out;
        }
        int zr = inflate(&z, Z_SYNC_FLUSH);
        if (zr == Z_STREAM_END) {
            rc = 0;
            break;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR) {
            if ((z.avail_out == 0 && out_left) || (z.avail_in == 0 && in_left))
                continue;
            /* No progress possible: either the output is full or the input
             * ended before the stream did. */
            rc = z.avail_out == 0 ? C5_ERANGE : C5_ECORRUPT;
            break;
        }
        rc = zr == Z_MEM_ERROR ? C5_ENOMEM : C5_ECORRUPT;
        break;
    }
    *outn = cap - out_left - z.avail_out;
    inflateEnd(&z);
    return rc;
}
#endif

int c5_zlib_inflate(c5_inflate_engine_t engine, const uint8_t *in, size_t n, uint8_t *out,
                    size_t cap, size_t *outn)
{
    *outn = 0;
    if (engine == C5_INFLATE_AUTO) {
#if defined(C5_HAVE_LIBDEFLATE)
        engine = C5_INFLATE_LIBDEFLATE;
#elif defined(C5_HAVE_ZLIB)
        engine = C5_INFLATE_ZLIB;
#else
        engine = C5_INFLATE_BUILTIN;
#endif
    }
    switch (engine) {
    case C5_INFLATE_BUILTIN: return c5_inflate_builtin(in, n, out, cap, outn);
#ifdef C5_HAVE_LIBDEFLATE
    case C5_INFLATE_LIBDEFLATE: return inflate_libdeflate(in, n, out, cap, outn);
#endif
#ifdef C5_HAVE_ZLIB
    case C5_INFLATE_ZLIB: return inflate_zlib(in, n, out, cap, outn);
#endif
    default: return C5_ENOFILTER; /* that engine is not compiled in */
    }
}

int c5_filter_deflate(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                      size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    uint64_t cap = ctx->chunk_bytes;
    if (cap == 0)
        cap = (uint64_t)n * 4 + 64;
    uint64_t limit = f && f->opts.max_alloc ? f->opts.max_alloc : (1ull << 30);
    if (cap > limit)
        cap = limit;
    for (;;) {
        void *buf;
        int rc = c5_alloc_checked(f, cap, ctx->chunk_addr, "deflate output", &buf);
        if (rc)
            return rc;
        size_t got = 0;
        rc = c5_zlib_inflate(C5_INFLATE_AUTO, in, n, buf, (size_t)cap, &got);
        if (rc == 0) {
            *out = buf;
            *outn = got;
            return 0;
        }
        c5_free(f, buf);
        if (rc != C5_ERANGE)
            return c5_fail(f, rc, ctx->chunk_addr, "deflate: %s in a compressed chunk of %zu bytes",
                           rc == C5_ECORRUPT ? "malformed zlib stream" : c5_strerror(rc), n);
        /* The data inflates past the expected size: grow, as libhdf5 does. */
        if (cap >= limit)
            return c5_fail(f, C5_ELIMIT, ctx->chunk_addr,
                           "deflate: chunk of %zu bytes inflates past max_alloc %llu", n,
                           (unsigned long long)limit);
        cap = cap > limit / 2 ? limit : cap * 2;
    }
}
