/* LZ4 filter (HDF5 registered filter 32004, the HDF Group "H5Zlz4" plugin
 * that h5py's hdf5plugin, Debian's hdf5-filter-plugin and the Dectris /
 * nexusformat plugins share) and a built-in LZ4 block decoder.
 *
 * Stored chunk (all integers big-endian):
 *   offset  size  field
 *   0       8     total decoded size of the chunk (orig)
 *   8       4     block size B (decoded bytes per block; the plugin clamps
 *                 it to orig, and the last block holds the remainder)
 *   12      ...   per block, in order:
 *                   4   stored size C of this block
 *                   C   the block: a raw LZ4 block (LZ4 "block format", no
 *                       frame header), or the decoded bytes verbatim when
 *                       C equals the block's decoded size (the plugin
 *                       stores incompressible blocks raw)
 *
 * LZ4 block format (lz4 repository, doc/lz4_Block_format.md): a sequence of
 *   token        1 byte: high nibble literal length L, low nibble match
 *                length M - 4
 *   L extension  when L == 15: bytes added to L until one is not 255
 *   literals     L bytes
 *   -- the last sequence stops here --
 *   offset       2 bytes little-endian, 1..65535, back from the output end
 *   M extension  when the low nibble is 15: bytes added until not 255
 * The match copies M bytes from offset back; it may overlap the bytes it
 * produces (a run). */
#include "core/internal.h"

#include "filters/filter.h"
#include "filters/lzcodec.h"

#include <limits.h>

#ifdef C5_HAVE_LZ4
#include <lz4.h>
#endif

/* Decoded output may exceed the chunk size by the few bytes a later filter
 * in the pipeline (fletcher32) appended before this one ran. */
#define LZ4_SLACK 64

/* Reads an LZ4 length extension: bytes are added to *len until one is not
 * 255. Fails when the input runs out or the length passes limit (no
 * legal length can, so this also stops overflow). */
static int lz4_more_len(const uint8_t *in, size_t n, size_t *pos, size_t *len, size_t limit)
{
    for (;;) {
        if (*pos >= n)
            return C5_ECORRUPT;
        uint8_t b = in[(*pos)++];
        *len += b;
        if (*len > limit)
            return C5_ECORRUPT;
        if (b != 255)
            return 0;
    }
}

int c5_lz4_block_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    size_t ip = 0, op = 0;
    *outn = 0;
    if (n == 0)
        return C5_ECORRUPT; /* a block holds at least one token */
    for (;;) {
        uint8_t tok = in[ip++];
        size_t lit = tok >> 4;
        if (lit == 15 && lz4_more_len(in, n, &ip, &lit, n) != 0)
            return C5_ECORRUPT;
        if (lit > n - ip || lit > cap - op)
            return C5_ECORRUPT;
        memcpy(out + op, in + ip, lit);
        ip += lit;
        op += lit;
        if (ip == n)
            break; /* the last sequence has no match */
        if (n - ip < 2)
            return C5_ECORRUPT;
        size_t dist = (size_t)in[ip] | (size_t)in[ip + 1] << 8;
        ip += 2;
        if (dist == 0 || dist > op)
            return C5_ECORRUPT;
        size_t mlen = tok & 15;
        if (mlen == 15 && lz4_more_len(in, n, &ip, &mlen, cap) != 0)
            return C5_ECORRUPT;
        mlen += 4;
        if (mlen > cap - op)
            return C5_ECORRUPT;
        const uint8_t *ref = out + op - dist;
        uint8_t *dst = out + op;
        if (dist >= mlen) {
            memcpy(dst, ref, mlen);
        } else {
            /* Overlapping copy: bytes produced feed later bytes. */
            for (size_t i = 0; i < mlen; i++)
                dst[i] = ref[i];
        }
        op += mlen;
        if (ip >= n)
            return C5_ECORRUPT; /* a match is never the end of a block */
    }
    *outn = op;
    return 0;
}

int c5_lz4_block_exact(const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
#ifdef C5_HAVE_LZ4
    if (n > INT_MAX || want > INT_MAX)
        return C5_ECORRUPT; /* liblz4 blocks are limited to int sizes */
    int got = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)want);
    return got >= 0 && (size_t)got == want ? 0 : C5_ECORRUPT;
#else
    size_t got;
    if (c5_lz4_block_decode(in, n, out, want, &got) != 0 || got != want)
        return C5_ECORRUPT;
    return 0;
#endif
}

static uint64_t be_u(const uint8_t *p, unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++)
        v = v << 8 | p[i];
    return v;
}

int c5_filter_lz4(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                  uint8_t **out, size_t *outn)
{
    (void)flt;
    c5_file *f = ctx->f;
    uint64_t at = ctx->chunk_addr;
    *out = NULL;
    *outn = 0;
    if (n < 12)
        return c5_fail(f, C5_ECORRUPT, at, "lz4 chunk: %zu bytes, shorter than its 12-byte header",
                       n);
    uint64_t orig = be_u(in, 8);
    uint64_t bsize = be_u(in + 8, 4);
    uint64_t cap;
    if (c5_add_ovf(ctx->chunk_bytes, LZ4_SLACK, &cap))
        cap = UINT64_MAX;
    if (orig > cap)
        return c5_fail(f, C5_ECORRUPT, at,
                       "lz4 chunk: decoded size %llu exceeds the chunk size %llu",
                       (unsigned long long)orig, (unsigned long long)ctx->chunk_bytes);
    if (bsize > orig)
        bsize = orig; /* as the plugin does */
    if (bsize == 0 && orig > 0)
        return c5_fail(f, C5_ECORRUPT, at, "lz4 chunk: block size 0");

    uint8_t *buf = NULL;
    int rc = c5_alloc_checked(f, orig, at, "lz4 chunk output", (void **)&buf);
    if (rc != 0)
        return rc;

    size_t ip = 12;
    uint64_t done = 0;
    uint64_t blk = 0;
    while (done < orig) {
        size_t want = (size_t)(orig - done < bsize ? orig - done : bsize);
        if (n - ip < 4) {
            rc = c5_fail(f, C5_ECORRUPT, at, "lz4 chunk: block %llu header past the end",
                         (unsigned long long)blk);
            goto fail;
        }
        size_t csize = (size_t)be_u(in + ip, 4);
        ip += 4;
        if (csize > n - ip) {
            rc = c5_fail(f, C5_ECORRUPT, at,
                         "lz4 chunk: block %llu stored size %zu runs past the chunk end",
                         (unsigned long long)blk, csize);
            goto fail;
        }
        if (csize == want) {
            memcpy(buf + done, in + ip, want);
        } else if (c5_lz4_block_exact(in + ip, csize, buf + done, want) != 0) {
            rc = c5_fail(f, C5_ECORRUPT, at,
                         "lz4 chunk: block %llu (%zu bytes) does not decode to %zu bytes",
                         (unsigned long long)blk, csize, want);
            goto fail;
        }
        ip += csize;
        done += want;
        blk++;
    }
    *out = buf;
    *outn = (size_t)orig;
    return 0;
fail:
    c5_free(f, buf);
    return rc;
}

/* ---- write side ----------------------------------------------------------
 * As the plugin writes it: blocks of cd[0] bytes (1 GiB when absent or 0,
 * clamped to the chunk), each stored raw when LZ4 does not make it
 * smaller. The chunk may grow by the 12 + 4 * blocks bytes of framing;
 * chunks above 2 GiB fail, as in the plugin. liblz4 compresses when the
 * build has it, else the built-in block compressor. */
static void put_be(uint8_t *p, uint64_t v, unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        p[i] = (uint8_t)(v >> (8 * (k - 1 - i)));
}

int c5_filter_lz4_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                      size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    if (n > INT32_MAX)
        return C5_ELIMIT;
    size_t bsize = flt->ncd > 0 && flt->cd && flt->cd[0] > 0 ? flt->cd[0] : (size_t)1 << 30;
    if (bsize > n)
        bsize = n;
    size_t nblocks = n ? (n - 1) / bsize + 1 : 0;
    size_t cap = 12 + nblocks * 4 + n;
    uint8_t *buf = c5_malloc(f, cap);
#ifndef C5_HAVE_LZ4
    void *work = c5_malloc(f, C5_LZ_WORK);
    if (!work) {
        c5_free(f, buf);
        return C5_ENOMEM;
    }
#endif
    if (!buf) {
#ifndef C5_HAVE_LZ4
        c5_free(f, work);
#endif
        return C5_ENOMEM;
    }
    put_be(buf, n, 8);
    put_be(buf + 8, bsize, 4);
    size_t op = 12;
    for (size_t b = 0; b < nblocks; b++) {
        size_t at = b * bsize, len = n - at < bsize ? n - at : bsize;
        /* Room for one byte less than the block: anything longer is
         * stored raw. */
#ifdef C5_HAVE_LZ4
        int got = len > 1 ? LZ4_compress_default((const char *)in + at, (char *)buf + op + 4,
                                                 (int)len, (int)(len - 1))
                          : 0;
        size_t csize = got > 0 ? (size_t)got : 0;
#else
        size_t csize = len > 1 ? c5_lz4_block_compress(in + at, len, buf + op + 4, len - 1, work)
                               : 0;
#endif
        if (!csize) {
            memcpy(buf + op + 4, in + at, len);
            csize = len;
        }
        put_be(buf + op, csize, 4);
        op += 4 + csize;
    }
#ifndef C5_HAVE_LZ4
    c5_free(f, work);
#endif
    uint8_t *shrunk = c5_realloc(f, buf, op);
    *out = shrunk ? shrunk : buf;
    *outn = op;
    return 0;
}
