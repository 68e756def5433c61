/* Blosc filter (HDF5 registered filter 32001, the hdf5-blosc plugin that
 * PyTables embeds and Debian ships as hdf5-filter-plugin-blosc-serial).
 * The stored chunk is one Blosc 1 container ("Blosc Chunk Format",
 * c-blosc README_CHUNK_FORMAT.rst). The plugin's client data (filter
 * revision, Blosc version, typesize, chunk bytes, level, shuffle, codec) is
 * informational: everything needed to decode is in the container.
 *
 * Header (integers little-endian):
 *   offset  size  field
 *   0       1     format version (2 for every Blosc 1 release)
 *   1       1     codec format version
 *   2       1     flags: bit 0 byte shuffle, bit 1 stored verbatim
 *                 (memcpyed), bit 2 bit shuffle, bit 3 reserved (0),
 *                 bit 4 blocks not split, bits 5-7 codec: 0 BloscLZ,
 *                 1 LZ4/LZ4HC, 2 Snappy, 3 zlib, 4 Zstd
 *   3       1     typesize (element size the shuffles work on)
 *   4       4     nbytes: decoded size
 *   8       4     blocksize: decoded bytes per block (the last block holds
 *                 the remainder)
 *   12      4     cbytes: size of the whole container, header included
 * Verbatim containers (flag bit 1) hold the nbytes decoded bytes at 16.
 * Otherwise:
 *   16      4*nb  bstarts: offset of each block from the container start
 *   then per block, per split: 4-byte stored size s, then s bytes; a split
 *   whose stored size equals its decoded size is verbatim.
 * A block is split into typesize streams (one per byte of the element)
 * unless flag bit 4 is set, the block is the short last one, typesize is
 * above 16, or the block holds fewer than 128 elements. Each block's
 * decoded bytes are then unshuffled: byte shuffle when flag 0 is set and
 * typesize > 1, else bit shuffle when flag 2 is set and the block holds at
 * least one element. */
#include "core/internal.h"

#include "filters/filter.h"
#include "filters/lzcodec.h"

#ifdef C5_HAVE_ZSTD
#include <zstd.h>
#endif

#define BLOSC_HEADER 16
#define BLOSC_MAX_SPLITS 16
#define BLOSC_MIN_BUFFERSIZE 128
#define BLOSC_SLACK 64 /* see LZ4_SLACK in lz4.c */

enum { F_SHUFFLE = 0x01, F_MEMCPYED = 0x02, F_BITSHUFFLE = 0x04, F_RESERVED = 0x08,
       F_DONT_SPLIT = 0x10 };
enum { CODEC_BLOSCLZ = 0, CODEC_LZ4 = 1, CODEC_SNAPPY = 2, CODEC_ZLIB = 3, CODEC_ZSTD = 4 };

static const char *codec_name(unsigned c)
{
    static const char *names[] = {"blosclz", "lz4", "snappy", "zlib", "zstd"};
    return c < 5 ? names[c] : "unknown";
}

/* Decodes one split stream into exactly want bytes. */
static int split_decode(unsigned codec, const uint8_t *src, size_t cn, uint8_t *dst, size_t want)
{
    size_t got = 0;
    switch (codec) {
    case CODEC_BLOSCLZ:
        if (c5_blosclz_decode(src, cn, dst, want, &got) != 0)
            return C5_ECORRUPT;
        break;
    case CODEC_LZ4:
        return c5_lz4_block_exact(src, cn, dst, want);
    case CODEC_ZLIB:
        /* c-blosc uses zlib's uncompress(): a zlib-wrapped stream. */
        if (c5_zlib_inflate(C5_INFLATE_AUTO, src, cn, dst, want, &got) != 0)
            return C5_ECORRUPT;
        break;
#ifdef C5_HAVE_ZSTD
    case CODEC_ZSTD: {
        size_t r = ZSTD_decompress(dst, want, src, cn);
        if (ZSTD_isError(r))
            return C5_ECORRUPT;
        got = r;
        break;
    }
#endif
    default:
        return C5_ENOFILTER; /* refused before decoding starts */
    }
    return got == want ? 0 : C5_ECORRUPT;
}

static void byte_unshuffle(const uint8_t *src, uint8_t *dst, size_t bsize, size_t ts)
{
    size_t ne = bsize / ts;
    for (size_t j = 0; j < ts; j++) {
        const uint8_t *s = src + j * ne;
        uint8_t *d = dst + j;
        for (size_t i = 0; i < ne; i++)
            d[i * ts] = s[i];
    }
    memcpy(dst + ne * ts, src + ne * ts, bsize - ne * ts);
}

/* Transposes an 8x8 bit matrix held one row per byte: bit m of byte b
 * moves to bit b of byte m. */
static uint64_t transpose8(uint64_t x)
{
    uint64_t t;
    t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAull;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCull;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ull;
    x ^= t ^ (t << 28);
    return x;
}

/* Undo the bitshuffle transposition (bitshuffle's bshuf_trans_bit_elem as
 * c-blosc applies it per block): the shuffled block holds 8 * typesize bit
 * planes of ne / 8 bytes; plane j * 8 + b carries bit b of byte j of every
 * element, element i at bit i % 8 of byte i / 8. Blocks whose element
 * count is not a multiple of 8 are stored unshuffled; bytes past the last
 * whole element are never shuffled. */
static void bit_unshuffle(const uint8_t *src, uint8_t *dst, size_t bsize, size_t ts)
{
    size_t ne = bsize / ts;
    if (ne % 8 != 0) {
        memcpy(dst, src, bsize);
        return;
    }
    size_t row = ne / 8;
    for (size_t j = 0; j < ts; j++) {
        const uint8_t *plane = src + j * 8 * row;
        for (size_t g = 0; g < row; g++) {
            uint64_t x = 0;
            for (unsigned b = 0; b < 8; b++)
                x |= (uint64_t)plane[b * row + g] << (8 * b);
            x = transpose8(x);
            uint8_t *d = dst + g * 8 * ts + j;
            for (unsigned m = 0; m < 8; m++)
                d[m * ts] = (uint8_t)(x >> (8 * m));
        }
    }
    memcpy(dst + ne * ts, src + ne * ts, bsize - ne * ts);
}

int c5_filter_blosc(const c5_filter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
                    uint8_t **out, size_t *outn)
{
    (void)flt;
    c5_file *f = ctx->f;
    uint64_t at = ctx->chunk_addr;
    *out = NULL;
    *outn = 0;
    if (n < BLOSC_HEADER)
        return c5_fail(f, C5_ECORRUPT, at, "blosc chunk: %zu bytes, shorter than its header", n);
    unsigned version = in[0], flags = in[2], ts = in[3];
    uint32_t nbytes = (uint32_t)c5_le(in + 4, 4);
    uint32_t blocksize = (uint32_t)c5_le(in + 8, 4);
    uint32_t cbytes = (uint32_t)c5_le(in + 12, 4);
    unsigned codec = flags >> 5;

    if (version == 0 || version > 2)
        return c5_fail(f, C5_EUNSUPPORTED, at,
                       "blosc chunk: container format version %u (Blosc 1 writes 2)", version);
    if (flags & F_RESERVED)
        return c5_fail(f, C5_ECORRUPT, at, "blosc chunk: reserved flag bit 3 set");
    if (cbytes > n || cbytes < BLOSC_HEADER)
        return c5_fail(f, C5_ECORRUPT, at,
                       "blosc chunk: container size %u does not fit the %zu stored bytes",
                       cbytes, n);
    uint64_t cap;
    if (c5_add_ovf(ctx->chunk_bytes, BLOSC_SLACK, &cap))
        cap = UINT64_MAX;
    if (nbytes > cap || nbytes > INT32_MAX)
        return c5_fail(f, C5_ECORRUPT, at,
                       "blosc chunk: decoded size %u exceeds the chunk size %llu", nbytes,
                       (unsigned long long)ctx->chunk_bytes);
    if (nbytes == 0) {
        *out = c5_malloc(f, 1);
        return *out ? 0 : c5_fail(f, C5_ENOMEM, at, "blosc chunk: out of memory");
    }
    if (ts == 0 || blocksize == 0 || blocksize > INT32_MAX)
        return c5_fail(f, C5_ECORRUPT, at, "blosc chunk: typesize %u, block size %u", ts,
                       blocksize);
    if (flags & F_MEMCPYED) {
        if ((uint64_t)nbytes + BLOSC_HEADER != cbytes)
            return c5_fail(f, C5_ECORRUPT, at,
                           "blosc chunk: verbatim container of %u bytes holds %u", cbytes,
                           nbytes);
    } else if (codec == CODEC_SNAPPY || codec > CODEC_ZSTD
#ifndef C5_HAVE_ZSTD
               || codec == CODEC_ZSTD
#endif
    ) {
        return c5_fail(f, codec > CODEC_ZSTD ? C5_ECORRUPT : C5_ENOFILTER, at,
                       "blosc chunk: codec %u (%s) not available", codec, codec_name(codec));
    }

    uint8_t *buf = NULL, *tmp = NULL;
    int rc = c5_alloc_checked(f, nbytes, at, "blosc chunk output", (void **)&buf);
    if (rc != 0)
        return rc;
    if (flags & F_MEMCPYED) {
        memcpy(buf, in + BLOSC_HEADER, nbytes);
        goto done;
    }

    size_t nblocks = nbytes / blocksize, leftover = nbytes % blocksize;
    if (leftover)
        nblocks++;
    if (nblocks > (cbytes - BLOSC_HEADER) / 4) {
        rc = c5_fail(f, C5_ECORRUPT, at, "blosc chunk: %zu block offsets do not fit in %u bytes",
                     nblocks, cbytes);
        goto fail;
    }
    size_t maxblock = blocksize < nbytes ? blocksize : nbytes;
    if ((flags & (F_SHUFFLE | F_BITSHUFFLE)) &&
        (rc = c5_alloc_checked(f, maxblock, at, "blosc block", (void **)&tmp)) != 0)
        goto fail;

    for (size_t j = 0; j < nblocks; j++) {
        int last = leftover && j == nblocks - 1;
        size_t bsize = last ? leftover : blocksize;
        uint8_t *dst = buf + j * (size_t)blocksize;
        int doshuffle = (flags & F_SHUFFLE) && ts > 1;
        int dobit = !doshuffle && (flags & F_BITSHUFFLE) && bsize >= ts;
        uint8_t *target = doshuffle || dobit ? tmp : dst;
        size_t nsplits = !(flags & F_DONT_SPLIT) && ts <= BLOSC_MAX_SPLITS &&
                                 bsize / ts >= BLOSC_MIN_BUFFERSIZE && !last
                             ? ts
                             : 1;
        if (bsize % nsplits != 0) {
            rc = c5_fail(f, C5_ECORRUPT, at,
                         "blosc chunk: block size %zu is not a multiple of typesize %u", bsize,
                         ts);
            goto fail;
        }
        size_t neblock = bsize / nsplits;
        size_t pos = (size_t)c5_le(in + BLOSC_HEADER + 4 * j, 4);
        for (size_t s = 0; s < nsplits; s++) {
            if (pos > cbytes || cbytes - pos < 4) {
                rc = c5_fail(f, C5_ECORRUPT, at, "blosc chunk: block %zu offset %zu past the end",
                             j, pos);
                goto fail;
            }
            size_t cn = (size_t)c5_le(in + pos, 4);
            pos += 4;
            if (cn > cbytes - pos) {
                rc = c5_fail(f, C5_ECORRUPT, at,
                             "blosc chunk: block %zu split %zu size %zu runs past the end", j, s,
                             cn);
                goto fail;
            }
            if (cn == neblock) {
                memcpy(target + s * neblock, in + pos, neblock);
            } else if ((rc = split_decode(codec, in + pos, cn, target + s * neblock, neblock)) !=
                       0) {
                rc = c5_fail(f, rc, at,
                             "blosc chunk: %s stream of block %zu split %zu (%zu bytes) does "
                             "not decode to %zu bytes",
                             codec_name(codec), j, s, cn, neblock);
                goto fail;
            }
            pos += cn;
        }
        if (doshuffle)
            byte_unshuffle(tmp, dst, bsize, ts);
        else if (dobit)
            bit_unshuffle(tmp, dst, bsize, ts);
    }
done:
    c5_free(f, tmp);
    *out = buf;
    *outn = nbytes;
    return 0;
fail:
    c5_free(f, tmp);
    c5_free(f, buf);
    return rc;
}
