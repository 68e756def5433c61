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

int c5_filter_blosc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in, size_t n,
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

/* ==== write side ===========================================================
 * c5_blosc_compress lays a container out as c-blosc 1.x does (blosc.c
 * compute_blocksize, write_compression_header, blosc_c), so its block size,
 * split and memcpy decisions match what c-blosc would write:
 *   - the block size is the whole buffer below 32 KiB; above, 32 KiB
 *     scaled by the level (x1/4 at 0 up to x8 at 6-9) and doubled for the
 *     high-ratio codecs (lz4hc, zlib, zstd; again at level 9); when the
 *     blocks are split, (at most 256 KiB) x typesize, clamped to 64 KiB ..
 *     1 MiB; never above the buffer, and a multiple of typesize;
 *   - blocks are split into typesize streams when the codec is not zstd,
 *     typesize <= 16 and a block holds 128 elements or more (c-blosc's
 *     "forward compatible" split mode); the last, shorter block never is;
 *   - level 0 and buffers under 128 bytes are stored verbatim, as is a
 *     buffer whose compressed form would not fit (when cap allows);
 *   - a split whose compressed form is not smaller is stored raw. */
#ifdef C5_HAVE_LZ4
#include <lz4.h>
#include <lz4hc.h>
#endif

#define BLOSC_L1 (32 * 1024)
#define BLOSC_MAX_TYPESIZE 255

enum { CODE_BLOSCLZ = 0, CODE_LZ4 = 1, CODE_LZ4HC = 2, CODE_SNAPPY = 3, CODE_ZLIB = 4,
       CODE_ZSTD = 5 };

static int hcr_codec(int code) { return code == CODE_LZ4HC || code == CODE_ZLIB || code == CODE_ZSTD; }

static int split_ok(int code, size_t ts, size_t bs)
{
    return code != CODE_ZSTD && ts <= BLOSC_MAX_SPLITS && bs / ts >= BLOSC_MIN_BUFFERSIZE;
}

static size_t blosc_blocksize(int clevel, int code, size_t ts, size_t nbytes)
{
    if (nbytes < ts)
        return 1;
    size_t bs = nbytes;
    if (nbytes >= BLOSC_L1) {
        bs = BLOSC_L1;
        if (hcr_codec(code))
            bs *= 2;
        switch (clevel) {
        case 0: bs /= 4; break;
        case 1: bs /= 2; break;
        case 2: break;
        case 3: bs *= 2; break;
        case 4:
        case 5: bs *= 4; break;
        case 6:
        case 7:
        case 8: bs *= 8; break;
        default:
            bs *= 8;
            if (hcr_codec(code))
                bs *= 2;
            break;
        }
    }
    if (clevel > 0 && split_ok(code, ts, bs)) {
        if (bs > (1u << 18))
            bs = 1u << 18;
        bs *= ts;
        if (bs < (1u << 16))
            bs = 1u << 16;
        if (bs > (1u << 20))
            bs = 1u << 20;
    }
    if (bs > nbytes)
        bs = nbytes;
    if (bs > ts)
        bs = bs / ts * ts;
    return bs;
}

/* Inverse of bit_unshuffle. */
static void bit_shuffle(const uint8_t *src, uint8_t *dst, size_t bsize, size_t ts)
{
    size_t ne = bsize / ts;
    if (ne % 8 != 0) {
        memcpy(dst, src, bsize);
        return;
    }
    size_t row = ne / 8;
    for (size_t j = 0; j < ts; j++) {
        uint8_t *plane = dst + j * 8 * row;
        for (size_t g = 0; g < row; g++) {
            const uint8_t *s = src + g * 8 * ts + j;
            uint64_t x = 0;
            for (unsigned m = 0; m < 8; m++)
                x |= (uint64_t)s[m * ts] << (8 * m);
            x = transpose8(x);
            for (unsigned b = 0; b < 8; b++)
                plane[b * row + g] = (uint8_t)(x >> (8 * b));
        }
    }
    memcpy(dst + ne * ts, src + ne * ts, bsize - ne * ts);
}

/* One split through the codec into at most cap bytes: the size, or 0 when
 * it does not fit (or the codec fails). */
static size_t codec_compress(c5_file *f, int code, int clevel, const uint8_t *src, size_t n,
                             uint8_t *dst, size_t cap, void *work)
{
    if (cap == 0)
        return 0;
    switch (code) {
    case CODE_BLOSCLZ: return c5_blosclz_compress(clevel, src, n, dst, cap, work);
    case CODE_LZ4:
    case CODE_LZ4HC:
#ifdef C5_HAVE_LZ4
    {
        int got = code == CODE_LZ4
                      ? LZ4_compress_fast((const char *)src, (char *)dst, (int)n, (int)cap,
                                          10 - clevel)
                      : LZ4_compress_HC((const char *)src, (char *)dst, (int)n, (int)cap, clevel);
        return got > 0 ? (size_t)got : 0;
    }
#else
        return c5_lz4_block_compress(src, n, dst, cap, work);
#endif
    case CODE_ZLIB: {
        size_t got = 0;
        return c5_zlib_deflate(f, C5_INFLATE_AUTO, clevel, src, n, dst, cap, &got) == 0 ? got : 0;
    }
#ifdef C5_HAVE_ZSTD
    case CODE_ZSTD: {
        int zl = clevel < 9 ? clevel * 2 - 1 : ZSTD_maxCLevel();
        size_t r = ZSTD_compress(dst, cap, src, n, zl);
        return ZSTD_isError(r) ? 0 : r;
    }
#endif
    default: return 0;
    }
}

int c5_blosc_codec_ok(int code)
{
    return code == CODE_BLOSCLZ || code == CODE_LZ4 || code == CODE_LZ4HC || code == CODE_ZLIB
#ifdef C5_HAVE_ZSTD
           || code == CODE_ZSTD
#endif
        ;
}

static int blosc_compress_f(c5_file *f, int clevel, int doshuffle, size_t typesize, int code,
                            const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    *outn = 0;
    if (clevel < 0 || clevel > 9 || doshuffle < 0 || doshuffle > 2 || typesize == 0)
        return C5_EINVAL;
    if (!c5_blosc_codec_ok(code))
        return code >= CODE_BLOSCLZ && code <= CODE_ZSTD ? C5_ENOFILTER : C5_EINVAL;
    if (n > (size_t)INT32_MAX - BLOSC_HEADER)
        return C5_ELIMIT;
    if (cap < BLOSC_HEADER)
        return C5_ERANGE;
    if (typesize > BLOSC_MAX_TYPESIZE)
        typesize = 1;
    size_t maxbytes = cap - BLOSC_HEADER > n ? n + BLOSC_HEADER : cap;
    size_t ts = typesize;
    size_t bs = blosc_blocksize(clevel, code, ts, n);
    size_t nblocks = bs ? n / bs : 0, leftover = bs ? n % bs : 0;
    if (leftover)
        nblocks++;
    static const uint8_t format_of[6] = {0, 1, 1, 2, 3, 4};
    unsigned flags = (unsigned)format_of[code] << 5;
    if (doshuffle == 1)
        flags |= F_SHUFFLE;
    if (doshuffle == 2)
        flags |= F_BITSHUFFLE;
    int dont_split = !split_ok(code, ts, bs);
    if (dont_split)
        flags |= F_DONT_SPLIT;
    out[0] = 2; /* Blosc 1 container format */
    out[1] = 1; /* every codec's format version */
    out[3] = (uint8_t)ts;
    c5_put_le(out + 4, n, 4);
    c5_put_le(out + 8, bs, 4);

    int memcpyed = clevel == 0 || n < BLOSC_MIN_BUFFERSIZE;
    size_t nt = 0;
    int rc = 0;
    uint8_t *tmp = NULL;
    void *work = NULL;
    if (!memcpyed) {
        nt = BLOSC_HEADER + 4 * nblocks;
        if (nt > maxbytes) {
            memcpyed = 1;
        } else {
            tmp = doshuffle ? c5_malloc(f, bs) : NULL;
            work = c5_malloc(f, C5_LZ_WORK);
            if (!work || (doshuffle && !tmp)) {
                rc = C5_ENOMEM;
                goto done;
            }
        }
    }
    for (size_t j = 0; !memcpyed && j < nblocks; j++) {
        int last = leftover && j == nblocks - 1;
        size_t bsize = last ? leftover : bs;
        const uint8_t *src = in + j * bs;
        c5_put_le(out + BLOSC_HEADER + 4 * j, nt, 4);
        if (doshuffle == 1 && ts > 1) {
            c5_byte_shuffle(tmp, src, bsize, ts);
            src = tmp;
        } else if (doshuffle == 2 && bsize >= ts) {
            /* c-blosc bit-shuffles whatever the typesize, 1 included. */
            bit_shuffle(src, tmp, bsize, ts);
            src = tmp;
        }
        size_t nsplits = !dont_split && !last ? ts : 1;
        size_t neblock = bsize / nsplits;
        for (size_t s = 0; s < nsplits; s++) {
            nt += 4;
            if (nt >= maxbytes) {
                memcpyed = 1;
                break;
            }
            size_t maxout = maxbytes - nt < neblock ? maxbytes - nt : neblock;
            size_t cb = codec_compress(f, code, clevel, src + s * neblock, neblock, out + nt, maxout,
                                       work);
            if (cb == 0 || cb >= neblock) {
                if (neblock > maxbytes - nt) {
                    memcpyed = 1; /* not compressible */
                    break;
                }
                memcpy(out + nt, src + s * neblock, neblock);
                cb = neblock;
            }
            c5_put_le(out + nt - 4, cb, 4);
            nt += cb;
        }
    }
    if (memcpyed) {
        if (n + BLOSC_HEADER > maxbytes) {
            rc = C5_ERANGE;
            goto done;
        }
        flags |= F_MEMCPYED;
        if (n)
            memcpy(out + BLOSC_HEADER, in, n);
        nt = BLOSC_HEADER + n;
    }
    out[2] = (uint8_t)flags;
    c5_put_le(out + 12, nt, 4);
    *outn = nt;
done:
    c5_free(f, tmp);
    c5_free(f, work);
    return rc;
}

int c5_blosc_compress(int clevel, int doshuffle, size_t typesize, int codec, const uint8_t *in,
                      size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    return blosc_compress_f(NULL, clevel, doshuffle, typesize, codec, in, n, out, cap, outn);
}

/* The hdf5-blosc plugin: cd[2] typesize, cd[4] level (5), cd[5] shuffle
 * (1), cd[6] compressor code (blosclz), output room exactly the chunk
 * size: a chunk Blosc cannot shrink (or shorter than 128 bytes, or level
 * 0) fails, and the optional filter leaves it raw. */
int c5_filter_blosc_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                        size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    if (flt->ncd < 4 || !flt->cd)
        return C5_EINVAL;
    size_t ts = flt->cd[2];
    int clevel = flt->ncd >= 5 ? (int)flt->cd[4] : 5;
    int shuffle = flt->ncd >= 6 ? (int)flt->cd[5] : 1;
    int code = flt->ncd >= 7 ? (int)flt->cd[6] : CODE_BLOSCLZ;
    if (flt->ncd >= 5 && flt->cd[4] > 9)
        return C5_EINVAL;
    if ((flt->ncd >= 6 && flt->cd[5] > 2) || (flt->ncd >= 7 && flt->cd[6] > 5))
        return C5_EINVAL;
    if (n < BLOSC_HEADER)
        return C5_ERANGE;
    uint8_t *buf = c5_malloc(f, n);
    if (!buf)
        return C5_ENOMEM;
    size_t got = 0;
    int rc = blosc_compress_f(f, clevel, shuffle, ts, code, in, n, buf, n, &got);
    if (rc) {
        c5_free(f, buf);
        return rc;
    }
    uint8_t *shrunk = c5_realloc(f, buf, got);
    *out = shrunk ? shrunk : buf;
    *outn = got;
    return 0;
}
