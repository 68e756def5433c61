/* The write side of the filter pipeline: every encoder's output decodes
 * back to its input through the existing decoders (c5_pipeline_apply, the
 * inflate engines, zlib, liblz4), for random, structured and incompressible
 * data and for edge sizes (0, 1, 2 bytes, odd tails); deflate with each
 * engine forced; libhdf5's optional-filter rule (a failing optional filter
 * is skipped and masked, a mandatory one fails the chunk); the "set local"
 * client data and the pipeline message compared byte for byte with
 * messages libhdf5 wrote into the h5py and PyTables fixtures; and the
 * forward pipeline run from several threads at once. */
#include "core/internal.h"

#include "unit.h"

#include "filters/filter.h"
#include "filters/lzcodec.h"

#include <stdio.h>
#ifdef C5_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef C5_HAVE_LZ4
#include <lz4.h>
#endif

/* ---- data ------------------------------------------------------------------ */

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

enum { K_RANDOM, K_ZERO, K_RAMP, K_TEXT, K_FLOATS, K_FAR, K_NKINDS };

/* n bytes of one kind of data: incompressible, constant, slowly varying
 * integers, text, smooth doubles, and runs repeating 10000..70000 bytes
 * back (BloscLZ far matches, LZ4's 64 KiB window). */
static void fill_kind(uint8_t *p, size_t n, int kind, unsigned seed)
{
    rng_state = seed * 2654435761u + 1;
    static const char words[] = "filter pipeline chunk deflate shuffle fletcher blosc lz4 ";
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case K_RANDOM: p[i] = (uint8_t)rnd(); break;
        case K_ZERO: p[i] = 0; break;
        case K_RAMP: p[i] = (uint8_t)((i / 4) * 3 / 7); break;
        case K_TEXT: p[i] = (uint8_t)words[(i * 7 + (rnd() % 16 == 0)) % (sizeof words - 1)]; break;
        case K_FLOATS:
            if (i % 8 == 0) {
                double v = 1000.0 + (double)(i / 8) * 0.25;
                uint8_t b[8];
                memcpy(b, &v, 8);
                for (size_t k = 0; k < 8 && i + k < n; k++)
                    p[i + k] = b[k];
            }
            break;
        case K_FAR: p[i] = i < 10000 ? (uint8_t)rnd() : p[i - (i < 40000 ? 10000 : 30000)]; break;
        }
    }
    if (kind == K_FAR)
        for (size_t i = 20000; i + 50 < n; i += 997)
            p[i] ^= 0x5a; /* breaks the runs into many matches */
}

static const size_t sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 100, 127, 128, 129, 1000, 4095,
                               65535, 65536, 65537, 100003, 300000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static c5_filter_ctx mkctx(size_t esz, uint64_t chunk_bytes)
{
    c5_filter_ctx c;
    memset(&c, 0, sizeof c);
    c.f = NULL;
    c.elem_size = esz;
    c.chunk_bytes = chunk_bytes;
    c.chunk_addr = C5_UNDEF;
    return c;
}

/* A one-filter pipeline owning copies of cd (free with pipe_free). */
static void pipe1(c5_pipeline *p, unsigned id, unsigned flags, size_t ncd, const unsigned *cd)
{
    c5_filter pf;
    memset(&pf, 0, sizeof pf);
    pf.id = id;
    pf.flags = flags;
    pf.ncd = ncd;
    for (size_t i = 0; i < ncd; i++)
        pf.cd[i] = cd[i];
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &pf, 1, p), 0);
}

/* Encode with p, then decode with c5_pipeline_apply; returns the stored
 * size and the mask. The round trip must give the input back. */
static size_t roundtrip(const c5_pipeline *p, size_t esz, const uint8_t *in, size_t n,
                        uint32_t *mask_out)
{
    c5_filter_ctx ctx = mkctx(esz, n);
    uint8_t *enc = NULL, *dec = NULL;
    size_t encn = 0, decn = 0;
    uint32_t mask = 0;
    ck_assert_int_eq(c5_pipeline_encode(p, &ctx, in, n, &enc, &encn, &mask), 0);
    ck_assert(enc != NULL);
    ck_assert_int_eq(c5_pipeline_apply(p, mask, &ctx, enc, encn, &dec, &decn), 0);
    ck_assert_uint_eq(decn, n);
    ck_assert(n == 0 || memcmp(dec, in, n) == 0);
    c5_free(NULL, dec);
    if (mask_out)
        *mask_out = mask;
    return encn;
}

/* ---- deflate ---------------------------------------------------------------- */

static const c5_inflate_engine_t engines[] = {C5_INFLATE_BUILTIN, C5_INFLATE_ZLIB,
                                              C5_INFLATE_LIBDEFLATE};

START_TEST(test_filter_encode_deflate_every_engine_every_level_roundtrips)
{
    int tried = 0;
    for (size_t e = 0; e < 3; e++) {
        for (int kind = 0; kind < K_NKINDS; kind++) {
            for (size_t si = 0; si < NSIZES; si++) {
                size_t n = sizes[si];
                uint8_t *in = malloc(n + 1);
                fill_kind(in, n, kind, (unsigned)(si * 7 + kind));
                size_t cap = n + n / 1000 + 64;
                uint8_t *z = malloc(cap), *back = malloc(n + 1);
                for (int level = 0; level <= 9; level++) {
                    if ((n > 70000 && level != 1 && level != 9) || (n > 5000 && level % 2))
                        continue; /* keep the run short */
                    size_t zn = 0;
                    int rc = c5_zlib_deflate(NULL, engines[e], level, in, n, z, cap, &zn);
                    if (rc == C5_ENOFILTER)
                        break; /* engine not in this build */
                    ck_assert_msg(rc == 0, "engine %zu level %d kind %d n %zu: %d", e, level,
                                  kind, n, rc);
                    tried++;
                    /* Every inflate engine of the build reads it. */
                    for (size_t d = 0; d < 3; d++) {
                        size_t got = 0;
                        int r = c5_zlib_inflate(engines[d], z, zn, back, n + 1, &got);
                        if (r == C5_ENOFILTER)
                            continue;
                        ck_assert_msg(r == 0 && got == n && memcmp(back, in, n) == 0,
                                      "engine %zu level %d kind %d n %zu read by %zu: %d", e,
                                      level, kind, n, d, r);
                    }
                    /* Incompressible data grows by a few bytes only: within
                     * libhdf5's room for the deflate filter. */
                    if (kind == K_RANDOM)
                        ck_assert_uint_le(zn, n + (n + 999) / 1000 + 12);
                }
                free(in);
                free(z);
                free(back);
            }
        }
    }
    ck_assert_int_gt(tried, 0);
}
END_TEST

START_TEST(test_filter_encode_deflate_builtin_compresses_and_reports_short_room)
{
    size_t n = 200000;
    uint8_t *in = malloc(n), *z = malloc(n + 100);
    fill_kind(in, n, K_TEXT, 3);
    size_t zn[10];
    for (int level = 1; level <= 9; level++) {
        ck_assert_int_eq(c5_deflate_builtin(NULL, level, in, n, z, n + 100, &zn[level]), 0);
        ck_assert_uint_lt(zn[level], n / 4);
    }
    /* Higher levels search harder: level 9 is not worse than level 1. */
    ck_assert_uint_le(zn[9], zn[1]);
    /* Too little room: C5_ERANGE, never an overrun. */
    ck_assert_int_eq(c5_deflate_builtin(NULL, 6, in, n, z, zn[6] - 1, &zn[0]), C5_ERANGE);
    ck_assert_int_eq(c5_deflate_builtin(NULL, 6, in, n, z, 3, &zn[0]), C5_ERANGE);
    ck_assert_int_eq(c5_deflate_builtin(NULL, 10, in, n, z, n, &zn[0]), C5_EINVAL);
    /* The zlib header says what zlib would: FLEVEL 2 at level 6, 3 at 9. */
    ck_assert_int_eq(c5_deflate_builtin(NULL, 6, in, 100, z, n, &zn[0]), 0);
    ck_assert_int_eq(z[0], 0x78);
    ck_assert_int_eq(z[1], 0x9c);
    ck_assert_int_eq(c5_deflate_builtin(NULL, 9, in, 100, z, n, &zn[0]), 0);
    ck_assert_int_eq(z[1], 0xda);
    ck_assert_int_eq(c5_deflate_builtin(NULL, 1, in, 100, z, n, &zn[0]), 0);
    ck_assert_int_eq(z[1], 0x01);
    free(in);
    free(z);
}
END_TEST

START_TEST(test_filter_encode_deflate_filter_like_libhdf5)
{
    c5_pipeline p;
    unsigned lvl = 4;
    pipe1(&p, C5_FILTER_DEFLATE, 1, 1, &lvl);
    for (int kind = 0; kind < K_NKINDS; kind++)
        for (size_t si = 0; si < NSIZES; si++) {
            size_t n = sizes[si];
            uint8_t *in = malloc(n + 1);
            fill_kind(in, n, kind, (unsigned)si);
            uint32_t mask = 9;
            size_t sz = roundtrip(&p, 1, in, n, &mask);
            /* libhdf5's room is ceil(n * 1.001) + 12: deflate never fails
             * on these, incompressible data included. */
            ck_assert_uint_eq(mask, 0);
            ck_assert_uint_le(sz, n + (n + 999) / 1000 + 12);
            if (kind == K_ZERO && n >= 1000)
                ck_assert_uint_lt(sz, n / 10);
            free(in);
        }
    /* A level libhdf5 refuses: the optional filter is skipped. */
    c5_pipeline_free(NULL, &p);
    lvl = 11;
    pipe1(&p, C5_FILTER_DEFLATE, 1, 1, &lvl);
    uint8_t d[64] = {0};
    uint32_t mask = 0;
    ck_assert_uint_eq(roundtrip(&p, 1, d, sizeof d, &mask), sizeof d);
    ck_assert_uint_eq(mask, 1);
    c5_pipeline_free(NULL, &p);
}
END_TEST

/* ---- shuffle, fletcher32 ---------------------------------------------------- */

START_TEST(test_filter_encode_shuffle_matches_definition_every_size)
{
    for (size_t s = 1; s <= 19; s++) {
        for (size_t nel = 0; nel <= 70; nel += (nel < 20 ? 1 : 7)) {
            for (size_t tail = 0; tail < 3; tail++) {
                size_t n = nel * s + (tail < s ? tail : 0);
                uint8_t *in = malloc(n + 1), *out = malloc(n + 1);
                fill_kind(in, n, K_RANDOM, (unsigned)(s * 1000 + nel));
                c5_byte_shuffle(out, in, n, s);
                size_t ne = n / s;
                for (size_t i = 0; i < n; i++) {
                    size_t want = (s > 1 && ne > 1 && i < ne * s) ? in[(i % ne) * s + i / ne]
                                                                   : in[i];
                    ck_assert_msg(out[i] == want, "s %zu n %zu byte %zu", s, n, i);
                }
                c5_pipeline p;
                unsigned cd = (unsigned)s;
                pipe1(&p, C5_FILTER_SHUFFLE, 1, 1, &cd);
                uint32_t mask = 1;
                ck_assert_uint_eq(roundtrip(&p, s, in, n, &mask), n);
                ck_assert_uint_eq(mask, 0);
                c5_pipeline_free(NULL, &p);
                free(in);
                free(out);
            }
        }
    }
}
END_TEST

START_TEST(test_filter_encode_fletcher32_appends_libhdf5_checksum)
{
    /* h5py chunk of 77 uint8 values i % 251 ends with this checksum (see
     * test_filters_core's committed vector). */
    uint8_t d[77];
    for (int i = 0; i < 77; i++)
        d[i] = (uint8_t)(i % 251);
    c5_pipeline p;
    pipe1(&p, C5_FILTER_FLETCHER32, 0, 0, NULL);
    c5_filter_ctx ctx = mkctx(1, 77);
    uint8_t *enc;
    size_t encn;
    uint32_t mask;
    ck_assert_int_eq(c5_pipeline_encode(&p, &ctx, d, 77, &enc, &encn, &mask), 0);
    ck_assert_uint_eq(encn, 81);
    ck_assert(memcmp(enc, d, 77) == 0);
    ck_assert_uint_eq(c5_le(enc + 77, 4), c5_fletcher32(d, 77));
    /* A flipped byte no longer verifies. */
    enc[5] ^= 1;
    uint8_t *dec;
    size_t decn;
    ck_assert_int_eq(c5_pipeline_apply(&p, 0, &ctx, enc, encn, &dec, &decn), C5_ECORRUPT);
    for (size_t si = 0; si < NSIZES; si++) {
        uint8_t *in = malloc(sizes[si] + 1);
        fill_kind(in, sizes[si], K_RANDOM, (unsigned)si);
        ck_assert_uint_eq(roundtrip(&p, 1, in, sizes[si], &mask), sizes[si] + 4);
        ck_assert_uint_eq(mask, 0);
        free(in);
    }
    c5_pipeline_free(NULL, &p);
}
END_TEST

/* ---- LZF, LZ4, BloscLZ ------------------------------------------------------- */

START_TEST(test_filter_encode_lz_compressors_roundtrip)
{
    void *work = malloc(C5_LZ_WORK);
    for (int kind = 0; kind < K_NKINDS; kind++)
        for (size_t si = 0; si < NSIZES; si++) {
            size_t n = sizes[si], cap = n + n / 16 + 64;
            uint8_t *in = malloc(n + 1), *z = malloc(cap), *back = malloc(n + 64);
            fill_kind(in, n, kind, (unsigned)(si + 100 * kind));
            size_t got;
            /* LZF */
            size_t zn = c5_lzf_compress(in, n, z, cap, work);
            ck_assert(n == 0 ? zn == 0 : zn > 0);
            if (zn) {
                c5_pipeline p;
                pipe1(&p, C5_FILTER_LZF, 1, 0, NULL);
                c5_filter_ctx ctx = mkctx(1, n);
                uint8_t *copy = malloc(zn), *dec;
                memcpy(copy, z, zn);
                ck_assert_int_eq(c5_pipeline_apply(&p, 0, &ctx, copy, zn, &dec, &got), 0);
                ck_assert(got == n && memcmp(dec, in, n) == 0);
                c5_free(NULL, dec);
                c5_pipeline_free(NULL, &p);
                if (kind == K_ZERO && n >= 1000)
                    ck_assert_uint_lt(zn, n / 20);
                if (zn > 1)
                    ck_assert_uint_eq(c5_lzf_compress(in, n, z, zn - 1, work), 0);
            }
            /* LZ4 block: our decoder, and liblz4's */
            zn = c5_lz4_block_compress(in, n, z, cap, work);
            ck_assert_uint_gt(zn, 0);
            ck_assert_int_eq(c5_lz4_block_decode(z, zn, back, n + 64, &got), 0);
            ck_assert(got == n && memcmp(back, in, n) == 0);
#ifdef C5_HAVE_LZ4
            ck_assert_int_eq(LZ4_decompress_safe((const char *)z, (char *)back, (int)zn, (int)n),
                             (int)n);
            ck_assert(memcmp(back, in, n) == 0);
#endif
            if (kind == K_FAR && n >= 100000)
                ck_assert_uint_lt(zn, n / 2);
            /* BloscLZ at a few levels */
            for (int level = 1; level <= 9; level += 4) {
                zn = c5_blosclz_compress(level, in, n, z, cap, work);
                ck_assert(n == 0 ? zn == 0 : zn > 0);
                if (!zn)
                    continue;
                ck_assert_int_eq(z[0] >> 5, 0); /* starts with literals */
                ck_assert_int_eq(c5_blosclz_decode(z, zn, back, n + 64, &got), 0);
                ck_assert(got == n && memcmp(back, in, n) == 0);
                if (kind == K_FAR && n >= 100000)
                    ck_assert_uint_lt(zn, n / 2); /* far matches were used */
            }
            free(in);
            free(z);
            free(back);
        }
    free(work);
}
END_TEST

START_TEST(test_filter_encode_lzf_filter_skips_what_it_cannot_shrink)
{
    c5_pipeline opt, mand;
    pipe1(&opt, C5_FILTER_LZF, 1, 0, NULL);
    pipe1(&mand, C5_FILTER_LZF, 0, 0, NULL);
    uint8_t *in = malloc(5000);
    fill_kind(in, 5000, K_RANDOM, 1);
    uint32_t mask = 0;
    ck_assert_uint_eq(roundtrip(&opt, 1, in, 5000, &mask), 5000);
    ck_assert_uint_eq(mask, 1);
    /* The same chunk under a mandatory filter fails, as in libhdf5. */
    c5_filter_ctx ctx = mkctx(1, 5000);
    uint8_t *enc = NULL;
    size_t encn;
    ck_assert_int_eq(c5_pipeline_encode(&mand, &ctx, in, 5000, &enc, &encn, &mask), C5_ERANGE);
    ck_assert(enc == NULL);
    /* Empty and one-byte chunks: skipped too (liblzf cannot shrink them). */
    ck_assert_uint_eq(roundtrip(&opt, 1, in, 0, &mask), 0);
    ck_assert_uint_eq(mask, 1);
    ck_assert_uint_eq(roundtrip(&opt, 1, in, 1, &mask), 1);
    ck_assert_uint_eq(mask, 1);
    fill_kind(in, 5000, K_TEXT, 1);
    ck_assert_uint_lt(roundtrip(&opt, 1, in, 5000, &mask), 2500);
    ck_assert_uint_eq(mask, 0);
    c5_pipeline_free(NULL, &opt);
    c5_pipeline_free(NULL, &mand);
    free(in);
}
END_TEST

START_TEST(test_filter_encode_lz4_filter_framing_and_blocks)
{
    const unsigned bsizes[] = {0, 1, 7, 100, 4096, 65536};
    for (size_t b = 0; b < sizeof bsizes / sizeof bsizes[0]; b++)
        for (int kind = 0; kind < K_NKINDS; kind++)
            for (size_t si = 0; si < NSIZES; si++) {
                size_t n = sizes[si];
                if (bsizes[b] && bsizes[b] < 100 && n > 5000)
                    continue;
                c5_pipeline p;
                pipe1(&p, C5_FILTER_LZ4, 1, bsizes[b] ? 1 : 0, &bsizes[b]);
                uint8_t *in = malloc(n + 1);
                fill_kind(in, n, kind, (unsigned)si);
                uint32_t mask = 7;
                size_t sz = roundtrip(&p, 1, in, n, &mask);
                ck_assert_uint_eq(mask, 0);
                size_t bs = bsizes[b] ? bsizes[b] : (size_t)1 << 30;
                if (bs > n)
                    bs = n;
                size_t nb = n ? (n - 1) / bs + 1 : 0;
                ck_assert_uint_le(sz, 12 + 4 * nb + n);
                free(in);
                c5_pipeline_free(NULL, &p);
            }
    /* Header fields, big-endian: total size, block size, first block. */
    c5_pipeline p;
    unsigned bs = 1000;
    pipe1(&p, C5_FILTER_LZ4, 1, 1, &bs);
    uint8_t in[2500] = {0};
    c5_filter_ctx ctx = mkctx(1, sizeof in);
    uint8_t *enc;
    size_t encn;
    uint32_t mask;
    ck_assert_int_eq(c5_pipeline_encode(&p, &ctx, in, sizeof in, &enc, &encn, &mask), 0);
    ck_assert_uint_eq(enc[6], 2500 >> 8);
    ck_assert_uint_eq(enc[7], 2500 & 255);
    ck_assert_uint_eq(enc[10], 1000 >> 8);
    ck_assert_uint_eq(enc[11], 1000 & 255);
    ck_assert_uint_lt(enc[12] << 24 | enc[13] << 16 | enc[14] << 8 | enc[15], 1000);
    c5_free(NULL, enc);
    c5_pipeline_free(NULL, &p);
}
END_TEST

/* ---- blosc ------------------------------------------------------------------ */

START_TEST(test_filter_encode_blosc_containers_decode)
{
    const int codecs[] = {0, 1, 2, 4, 5};
    const size_t tss[] = {1, 2, 4, 8, 3, 16, 17};
    const int levels[] = {0, 1, 5, 9};
    const size_t bsizes[] = {0, 100, 127, 128, 1000, 65536 + 13, 300000};
    int made = 0;
    for (size_t c = 0; c < 5; c++) {
        if (!c5_blosc_codec_ok(codecs[c]))
            continue;
        for (size_t t = 0; t < 7; t++)
            for (int sh = 0; sh <= 2; sh++)
                for (size_t l = 0; l < 4; l++)
                    for (size_t si = 0; si < 7; si++)
                        for (int kind = K_RANDOM; kind <= K_FLOATS; kind += 2) {
                            size_t n = bsizes[si];
                            if ((n > 5000 && (levels[l] == 1 || t % 2 || kind == K_RANDOM)) ||
                                (codecs[c] == 5 && levels[l] == 9 && t))
                                continue; /* keep the run short (zstd 22 is slow) */
                            size_t cap = n + 16;
                            uint8_t *in = malloc(n + 1), *z = malloc(cap);
                            fill_kind(in, n, kind, (unsigned)(si + t));
                            size_t zn = 0;
                            int rc = c5_blosc_compress(levels[l], sh, tss[t], codecs[c], in, n,
                                                       z, cap, &zn);
                            ck_assert_msg(rc == 0, "codec %d ts %zu sh %d lvl %d n %zu: %d",
                                          codecs[c], tss[t], sh, levels[l], n, rc);
                            ck_assert_uint_le(zn, n + 16);
                            ck_assert_uint_eq(c5_le(z + 12, 4), zn);
                            ck_assert_uint_eq(c5_le(z + 4, 4), n);
                            if (levels[l] == 0 || n < 128)
                                ck_assert_int_ne(z[2] & 2, 0); /* verbatim */
                            if (kind == K_FLOATS && n >= 1000 && levels[l] >= 5)
                                ck_assert_uint_lt(zn, n >= 65536 ? n * 3 / 4 : n);
                            c5_pfilter flt;
                            memset(&flt, 0, sizeof flt);
                            flt.id = C5_FILTER_BLOSC;
                            c5_filter_ctx ctx = mkctx(1, n);
                            uint8_t *dec = NULL;
                            size_t decn = 0;
                            ck_assert_int_eq(c5_filter_blosc(&flt, &ctx, z, zn, &dec, &decn), 0);
                            ck_assert(decn == n && memcmp(dec, in, n) == 0);
                            c5_free(NULL, dec);
                            made++;
                            free(in);
                            free(z);
                        }
    }
    ck_assert_int_gt(made, 100);
}
END_TEST

START_TEST(test_filter_encode_blosc_filter_plugin_rules)
{
    /* {4 set by set_local, level, shuffle, codec} through the pipeline. */
    unsigned cd[7] = {2, 2, 8, 0, 5, 1, 0};
    size_t n = 6400;
    cd[3] = (unsigned)n;
    uint8_t *in = malloc(n);
    fill_kind(in, n, K_FLOATS, 2);
    for (unsigned codec = 0; codec <= 5; codec++) {
        if (!c5_blosc_codec_ok((int)codec))
            continue;
        for (unsigned sh = 0; sh <= 2; sh++) {
            cd[5] = sh;
            cd[6] = codec;
            c5_pipeline p;
            pipe1(&p, C5_FILTER_BLOSC, 1, 7, cd);
            uint32_t mask = 5;
            ck_assert_uint_lt(roundtrip(&p, 8, in, n, &mask), n);
            ck_assert_uint_eq(mask, 0);
            c5_pipeline_free(NULL, &p);
        }
    }
    /* Only the 4 reserved values: level 5, byte shuffle, blosclz. */
    c5_pipeline p;
    pipe1(&p, C5_FILTER_BLOSC, 1, 4, cd);
    uint32_t mask = 5;
    ck_assert_uint_lt(roundtrip(&p, 8, in, n, &mask), n);
    ck_assert_uint_eq(mask, 0);
    /* What c-blosc cannot shrink within the chunk size fails: the
     * optional filter leaves the chunk raw. So do chunks under 128 bytes. */
    fill_kind(in, n, K_RANDOM, 2);
    ck_assert_uint_eq(roundtrip(&p, 8, in, n, &mask), n);
    ck_assert_uint_eq(mask, 1);
    ck_assert_uint_eq(roundtrip(&p, 8, in, 100, &mask), 100);
    ck_assert_uint_eq(mask, 1);
    c5_pipeline_free(NULL, &p);
    /* Level 0 is a verbatim container: never fits, always skipped. */
    cd[4] = 0;
    pipe1(&p, C5_FILTER_BLOSC, 1, 7, cd);
    fill_kind(in, n, K_ZERO, 2);
    ck_assert_uint_eq(roundtrip(&p, 8, in, n, &mask), n);
    ck_assert_uint_eq(mask, 1);
    c5_pipeline_free(NULL, &p);
    free(in);
}
END_TEST

/* ---- bzip2, LZO (library-backed) ------------------------------------------------ */

START_TEST(test_filter_encode_bzip2_lzo_roundtrip_or_skip)
{
    unsigned blk = 3, lz[3] = {1, 10, 1};
    c5_pipeline pb, pl;
    pipe1(&pb, C5_FILTER_BZIP2, 1, 1, &blk);
    pipe1(&pl, C5_FILTER_LZO, 1, 3, lz);
    for (int kind = 0; kind < K_NKINDS; kind++)
        for (size_t si = 0; si < NSIZES; si += 2) {
            size_t n = sizes[si];
            uint8_t *in = malloc(n + 1);
            fill_kind(in, n, kind, (unsigned)si);
            uint32_t mb = 7, ml = 7;
            size_t szb = roundtrip(&pb, 1, in, n, &mb);
            size_t szl = roundtrip(&pl, 1, in, n, &ml);
#ifdef C5_HAVE_BZIP2
            ck_assert_uint_eq(mb, 0); /* bzip2 never fails for size */
            if (kind == K_ZERO && n >= 1000)
                ck_assert_uint_lt(szb, n / 10);
#else
            ck_assert_uint_eq(mb, 1); /* no libbz2: optional, skipped */
            ck_assert_uint_eq(szb, n);
#endif
#ifdef C5_HAVE_LZO
            /* LZO fails (skipped) unless the chunk shrinks. */
            ck_assert(ml == 0 ? szl < n : (ml == 1 && szl == n));
            if (kind == K_ZERO && n >= 1000)
                ck_assert_uint_eq(ml, 0);
#else
            ck_assert_uint_eq(ml, 1);
            ck_assert_uint_eq(szl, n);
#endif
            free(in);
        }
    c5_pipeline_free(NULL, &pb);
    c5_pipeline_free(NULL, &pl);
#ifdef C5_HAVE_BZIP2
    ck_assert_int_eq(c5_filter_can_encode(C5_FILTER_BZIP2), 1);
#endif
#ifdef C5_HAVE_LZO
    ck_assert_int_eq(c5_filter_can_encode(C5_FILTER_LZO), 1);
#endif
}
END_TEST

/* ---- scale-offset ------------------------------------------------------------ */

static void so_store(uint8_t *e, size_t size, int be, uint64_t v)
{
    for (size_t i = 0; i < size; i++)
        e[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

START_TEST(test_filter_encode_scaleoffset_integers_roundtrip)
{
    const size_t isz[] = {1, 2, 4, 8};
    int cases = 0;
    for (size_t zi = 0; zi < 4; zi++)
        for (int sgn = 0; sgn <= 1; sgn++)
            for (int be = 0; be <= 1; be++)
                for (int dist = 0; dist < 6; dist++)
                    for (int minbits = 0; minbits <= 3; minbits += 3) {
                        size_t size = isz[zi];
                        c5_type *t;
                        ck_assert_int_eq(
                            c5_type_integer(&t, size, sgn, be ? C5_ORDER_BE : C5_ORDER_LE), 0);
                        uint64_t chunk[2] = {13, 7};
                        size_t nel = 91, n = nel * size;
                        /* Given minimum bits: enough for the values (fewer
                         * would wrap them, as in libhdf5). */
                        unsigned given =
                            dist == 2 || dist == 5 || (dist == 1 && !sgn) ? (unsigned)size * 8 : 7;
                        unsigned cd[2] = {2, minbits ? given : 0};
                        c5_pipeline p;
                        pipe1(&p, C5_FILTER_SCALEOFFSET, 1, 2, cd);
                        /* A fill value of 5 in half the cases. */
                        uint8_t fillb[8];
                        so_store(fillb, size, be, 5);
                        ck_assert_int_eq(c5_pipeline_set_local_fill(NULL, &p, t, 2, chunk,
                                                                    dist % 2 ? fillb : NULL),
                                         0);
                        ck_assert_uint_eq(p.f[0].ncd, 20);
                        ck_assert_uint_eq(p.f[0].cd[2], nel);
                        ck_assert_uint_eq(p.f[0].cd[4], size);
                        ck_assert_uint_eq(p.f[0].cd[5], (unsigned)sgn);
                        ck_assert_uint_eq(p.f[0].cd[6], (unsigned)be);
                        ck_assert_uint_eq(p.f[0].cd[7], 1);
                        ck_assert_uint_eq(p.f[0].cd[8], dist % 2 ? 5 : 0);
                        uint8_t *in = malloc(n);
                        rng_state = (uint32_t)(dist * 77 + zi + 1);
                        for (size_t i = 0; i < nel; i++) {
                            uint64_t v;
                            switch (dist) {
                            case 0: v = 100 + rnd() % 20; break;           /* narrow */
                            case 1: v = (uint64_t)(int64_t)-(int)(rnd() % 50); break;
                            case 2: v = (uint64_t)rnd() << 32 | rnd(); break; /* full range */
                            case 3: v = i % 3 ? 5 : 7; break;          /* fill values */
                            case 4: v = 42; break;                     /* constant */
                            default: v = i & 1 ? 0 : ~(uint64_t)0; break; /* extremes */
                            }
                            so_store(in + i * size, size, be, v);
                        }
                        uint32_t mask = 9;
                        size_t sz = roundtrip(&p, size, in, n, &mask);
                        ck_assert_uint_eq(mask, 0);
                        if (dist == 0 && minbits == 0 && size >= 2)
                            ck_assert_uint_lt(sz, n / 2 + 22);
                        c5_pipeline_free(NULL, &p);
                        c5_type_close(t);
                        free(in);
                        cases++;
                    }
    ck_assert_int_gt(cases, 0);
}
END_TEST

START_TEST(test_filter_encode_scaleoffset_floats_keep_d_digits)
{
    for (int dsz = 4; dsz <= 8; dsz += 4)
        for (int be = 0; be <= 1; be++)
            for (int D = 0; D <= 4; D += 2)
                for (int fillset = 0; fillset <= 1; fillset++) {
                    c5_type *t;
                    ck_assert_int_eq(c5_type_float(&t, (size_t)dsz, be ? C5_ORDER_BE : C5_ORDER_LE),
                                     0);
                    uint64_t chunk = 200;
                    unsigned cd[2] = {0, (unsigned)D};
                    c5_pipeline p;
                    pipe1(&p, C5_FILTER_SCALEOFFSET, 1, 2, cd);
                    uint8_t fillb[8];
                    double fv = 2.5;
                    float ff = 2.5f;
                    uint64_t bits = 0;
                    if (dsz == 4)
                        memcpy(&bits, &ff, 4);
                    else
                        memcpy(&bits, &fv, 8);
                    so_store(fillb, (size_t)dsz, be, bits);
                    ck_assert_int_eq(c5_pipeline_set_local_fill(NULL, &p, t, 1, &chunk,
                                                                fillset ? fillb : NULL),
                                     0);
                    ck_assert_uint_eq(p.f[0].cd[3], 1);
                    ck_assert_uint_eq(p.f[0].cd[8], (uint32_t)(fillset ? bits : 0));
                    double vals[200];
                    uint8_t in[1600];
                    rng_state = (uint32_t)(D + 7 * dsz + be + 1);
                    for (int i = 0; i < 200; i++) {
                        /* values in 10..20 with D digits; some fill values */
                        vals[i] = i % 17 == 0 ? 2.5 : 10.0 + (double)(rnd() % 100000) / 10000.0;
                        if (dsz == 4) {
                            float x = (float)vals[i];
                            memcpy(&bits, &x, 4);
                        } else {
                            memcpy(&bits, &vals[i], 8);
                        }
                        so_store(in + i * dsz, (size_t)dsz, be, bits);
                    }
                    c5_filter_ctx ctx = mkctx((size_t)dsz, 200 * (uint64_t)dsz);
                    uint8_t *enc, *dec;
                    size_t encn, decn;
                    uint32_t mask;
                    ck_assert_int_eq(
                        c5_pipeline_encode(&p, &ctx, in, 200 * (size_t)dsz, &enc, &encn, &mask), 0);
                    ck_assert_uint_eq(mask, 0);
                    ck_assert_uint_lt(encn, 200 * (size_t)dsz);
                    ck_assert_int_eq(c5_pipeline_apply(&p, mask, &ctx, enc, encn, &dec, &decn), 0);
                    ck_assert_uint_eq(decn, 200 * (size_t)dsz);
                    double tol = 0.5000001;
                    for (int k = 0; k < D; k++)
                        tol /= 10;
                    for (int i = 0; i < 200; i++) {
                        uint64_t b = 0;
                        for (int k = 0; k < dsz; k++)
                            b |= (uint64_t)dec[i * dsz + (be ? dsz - 1 - k : k)] << (8 * k);
                        double got;
                        if (dsz == 4) {
                            float x;
                            uint32_t u = (uint32_t)b;
                            memcpy(&x, &u, 4);
                            got = x;
                        } else {
                            memcpy(&got, &b, 8);
                        }
                        double err = got - vals[i];
                        ck_assert_msg(err < tol + 1e-5 && err > -tol - 1e-5,
                                      "size %d D %d value %g decoded %g", dsz, D, vals[i], got);
                    }
                    c5_free(NULL, dec);
                    c5_pipeline_free(NULL, &p);
                    c5_type_close(t);
                }
}
END_TEST

START_TEST(test_filter_encode_scaleoffset_stream_layout)
{
    /* uint16 values 1000..1009 with the default fill value: span 10, plus
     * the fill code: 4 bits each, minimum 1000. */
    c5_type *t;
    ck_assert_int_eq(c5_type_integer(&t, 2, 0, C5_ORDER_LE), 0);
    c5_pipeline p;
    unsigned cd[2] = {2, 0};
    pipe1(&p, C5_FILTER_SCALEOFFSET, 1, 2, cd);
    uint64_t chunk = 10;
    ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, t, 1, &chunk), 0);
    uint8_t in[20];
    for (int i = 0; i < 10; i++)
        so_store(in + 2 * i, 2, 0, 1000 + (uint64_t)i);
    c5_filter_ctx ctx = mkctx(2, 20);
    uint8_t *enc;
    size_t encn;
    uint32_t mask;
    ck_assert_int_eq(c5_pipeline_encode(&p, &ctx, in, 20, &enc, &encn, &mask), 0);
    ck_assert_uint_eq(encn, 21 + 20 * 4 / 16 + 1);
    ck_assert_uint_eq(c5_le(enc, 4), 4);
    ck_assert_uint_eq(enc[4], 8);
    ck_assert_uint_eq(c5_le(enc + 5, 8), 1000);
    ck_assert_uint_eq(enc[21], 0x01);
    ck_assert_uint_eq(enc[22], 0x23);
    ck_assert_uint_eq(enc[25], 0x89);
    c5_free(NULL, enc);
    /* Minimum bits equal to the width: the chunk is stored untouched. */
    c5_pipeline_free(NULL, &p);
    cd[1] = 16;
    pipe1(&p, C5_FILTER_SCALEOFFSET, 1, 2, cd);
    ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, t, 1, &chunk), 0);
    ck_assert_int_eq(c5_pipeline_encode(&p, &ctx, in, 20, &enc, &encn, &mask), 0);
    ck_assert_uint_eq(encn, 20);
    ck_assert(memcmp(enc, in, 20) == 0);
    c5_free(NULL, enc);
    c5_pipeline_free(NULL, &p);
    c5_type_close(t);
}
END_TEST

/* ---- set local, messages ---------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz);
    ck_assert(fread(b, 1, (size_t)sz, fp) == (size_t)sz);
    fclose(fp);
    *n = (size_t)sz;
    return b;
}

/* Build the pipeline from public filters, set it up for the type and
 * chunk, encode the message, and find those exact bytes in the file. */
static void expect_in_file(const char *path, int version, const c5_filter *pf, int nf,
                           const c5_type *t, int rank, const uint64_t *chunk)
{
    c5_pipeline p;
    ck_assert_int_eq(c5_pipeline_from_public(NULL, pf, nf, &p), 0);
    ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, t, rank, chunk), 0);
    c5_wr w;
    c5_wr_init(&w, NULL);
    ck_assert_int_eq(c5_pipeline_msg_encode(&w, &p, version), 0);
    size_t mn, fn;
    uint8_t *m = c5_wr_take(&w, &mn);
    uint8_t *fb = slurp(path, &fn);
    ck_assert_msg(memmem(fb, fn, m, mn) != NULL, "%s: v%d message of %zu bytes not found", path,
                  version, mn);
    /* And it decodes back to the same pipeline. */
    c5_mbody b = {m, mn, C5_UNDEF, NULL, C5_UNDEF};
    c5_pipeline q;
    ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &q), 0);
    ck_assert_int_eq(q.n, p.n);
    for (int i = 0; i < p.n; i++) {
        ck_assert_uint_eq(q.f[i].id, p.f[i].id);
        ck_assert_uint_eq(q.f[i].ncd, p.f[i].ncd);
        ck_assert(p.f[i].ncd == 0 || memcmp(q.f[i].cd, p.f[i].cd, p.f[i].ncd * 4) == 0);
    }
    c5_pipeline_free(NULL, &q);
    c5_pipeline_free(NULL, &p);
    free(m);
    free(fb);
}

static c5_filter pubf(unsigned id, unsigned flags, size_t ncd, const unsigned *cd)
{
    c5_filter f;
    memset(&f, 0, sizeof f);
    f.id = id;
    f.flags = flags;
    f.ncd = ncd;
    for (size_t i = 0; i < ncd; i++)
        f.cd[i] = cd[i];
    return f;
}

START_TEST(test_filter_encode_messages_match_libhdf5_bytes)
{
    c5_type *i32, *f64;
    ck_assert_int_eq(c5_type_integer(&i32, 4, 1, C5_ORDER_LE), 0);
    ck_assert_int_eq(c5_type_float(&f64, 8, C5_ORDER_LE), 0);
    uint64_t ch[2] = {16, 10};
    unsigned lvl = 4, so[2] = {2, 0};
    c5_filter sdf[3] = {pubf(C5_FILTER_SHUFFLE, 1, 0, NULL), pubf(C5_FILTER_DEFLATE, 1, 1, &lvl),
                        pubf(C5_FILTER_FLETCHER32, 0, 0, NULL)};
    c5_filter lzf = pubf(C5_FILTER_LZF, 1, 0, NULL);
    c5_filter soi = pubf(C5_FILTER_SCALEOFFSET, 1, 2, so);
    const char *files[2] = {"tests/fixtures/chunked.h5", "tests/fixtures/chunked_latest.h5"};
    for (int v = 1; v <= 2; v++) {
        expect_in_file(files[v - 1], v, sdf, 3, f64, 2, ch);
        expect_in_file(files[v - 1], v, &lzf, 1, i32, 2, ch);
        expect_in_file(files[v - 1], v, &soi, 1, i32, 2, ch);
    }
    /* PyTables: blosc (level 5, shuffle 1, blosclz) on float64 (32, 25). */
    unsigned bl[7] = {0, 0, 0, 0, 5, 1, 0};
    c5_filter blosc = pubf(C5_FILTER_BLOSC, 1, 7, bl);
    uint64_t ch2[2] = {32, 25};
    expect_in_file("tests/fixtures/gen/pytables_filters.h5", 1, &blosc, 1, f64, 2, ch2);
    c5_type_close(i32);
    c5_type_close(f64);
}
END_TEST

START_TEST(test_filter_encode_message_versions_roundtrip)
{
    unsigned cd3[3] = {7, 8, 9};
    c5_filter pf[4] = {pubf(300, 0, 3, cd3), pubf(C5_FILTER_DEFLATE, 1, 1, cd3),
                       pubf(40000, 1, 0, NULL), pubf(C5_FILTER_SHUFFLE, 0, 2, cd3)};
    strcpy(pf[0].name, "a name of 20 chars!");
    strcpy(pf[1].name, "gz");
    c5_pipeline p;
    ck_assert_int_eq(c5_pipeline_from_public(NULL, pf, 4, &p), 0);
    for (int v = 1; v <= 2; v++) {
        c5_wr w;
        c5_wr_init(&w, NULL);
        ck_assert_int_eq(c5_pipeline_msg_encode(&w, &p, v), 0);
        size_t mn;
        uint8_t *m = c5_wr_take(&w, &mn);
        /* v1: 8 + (8 + 24 + 16) + (8 + 8 + 8) + 8 + (8 + 8); v2: no
         * reserved bytes, no padding, names only for ids >= 256. */
        ck_assert_uint_eq(mn, v == 1 ? 8 + 48 + 24 + 8 + 16 : 2 + (8 + 20 + 12) + (6 + 4) + 8 +
                                                               (6 + 8));
        c5_mbody b = {m, mn, C5_UNDEF, NULL, C5_UNDEF};
        c5_pipeline q;
        ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &q), 0);
        ck_assert_int_eq(q.n, 4);
        ck_assert_str_eq(q.f[0].name, "a name of 20 chars!");
        if (v == 1)
            ck_assert_str_eq(q.f[1].name, "gz");
        else
            ck_assert(q.f[1].name == NULL);
        ck_assert(q.f[2].name == NULL);
        for (int i = 0; i < 4; i++) {
            ck_assert_uint_eq(q.f[i].id, p.f[i].id);
            ck_assert_uint_eq(q.f[i].flags, p.f[i].flags);
            ck_assert_uint_eq(q.f[i].ncd, p.f[i].ncd);
            for (size_t k = 0; k < p.f[i].ncd; k++)
                ck_assert_uint_eq(q.f[i].cd[k], p.f[i].cd[k]);
        }
        c5_pipeline_free(NULL, &q);
        free(m);
    }
    c5_wr w;
    c5_wr_init(&w, NULL);
    ck_assert_int_eq(c5_pipeline_msg_encode(&w, &p, 3), C5_EINVAL);
    c5_wr_free(&w);
    /* Back to the public form. */
    c5_filter back[C5_MAX_FILTERS];
    int nb = 0;
    c5_pipeline_to_public(&p, back, &nb);
    ck_assert_int_eq(nb, 4);
    ck_assert(memcmp(&back[0], &pf[0], sizeof pf[0]) == 0);
    ck_assert(memcmp(&back[3], &pf[3], sizeof pf[3]) == 0);
    c5_pipeline_free(NULL, &p);
    /* Truncation: 20 client values and a 70-character name. */
    c5_pipeline big;
    memset(&big, 0, sizeof big);
    big.n = 1;
    big.f[0].id = 32004;
    big.f[0].ncd = 20;
    uint32_t many[20];
    for (int i = 0; i < 20; i++)
        many[i] = (uint32_t)i;
    big.f[0].cd = many;
    char longname[71];
    memset(longname, 'x', 70);
    longname[70] = 0;
    big.f[0].name = longname;
    c5_pipeline_to_public(&big, back, &nb);
    ck_assert_uint_eq(back[0].ncd, C5_MAX_CD);
    ck_assert_uint_eq(back[0].cd[15], 15);
    ck_assert_uint_eq(strlen(back[0].name), 63);
}
END_TEST

START_TEST(test_filter_encode_public_list_and_set_local_rejections)
{
    c5_pipeline p;
    c5_filter bad = pubf(0, 0, 0, NULL);
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, 1, &p), C5_EINVAL);
    bad = pubf(70000, 0, 0, NULL);
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, 1, &p), C5_EINVAL);
    bad = pubf(1, 2, 0, NULL);
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, 1, &p), C5_EINVAL);
    bad = pubf(1, 0, 0, NULL);
    bad.ncd = C5_MAX_CD + 1;
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, 1, &p), C5_EINVAL);
    bad = pubf(1, 0, 0, NULL);
    memset(bad.name, 'a', sizeof bad.name);
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, 1, &p), C5_EINVAL);
    ck_assert_int_eq(c5_pipeline_from_public(NULL, &bad, C5_MAX_FILTERS + 1, &p), C5_EINVAL);

    c5_type *i16, *f32, *cmp;
    ck_assert_int_eq(c5_type_integer(&i16, 2, 1, C5_ORDER_LE), 0);
    ck_assert_int_eq(c5_type_float(&f32, 4, C5_ORDER_LE), 0);
    ck_assert_int_eq(c5_type_compound(&cmp, 8), 0);
    ck_assert_int_eq(c5_type_insert(cmp, "a", 0, f32), 0);
    uint64_t ch = 100;
    struct {
        unsigned id, flags;
        const c5_type *t;
        int want;
    } cases[] = {
        {C5_FILTER_SZIP, 0, i16, C5_EINVAL},        {C5_FILTER_SZIP, 1, i16, 0},
        {C5_FILTER_NBIT, 0, i16, C5_EINVAL},        {12345, 0, i16, C5_EINVAL},
        {12345, 1, i16, 0},                         {C5_FILTER_SCALEOFFSET, 0, f32, 0},
        {C5_FILTER_SCALEOFFSET, 1, f32, 0},         {C5_FILTER_SCALEOFFSET, 1, cmp, C5_EINVAL},
        {C5_FILTER_SCALEOFFSET, 0, i16, 0},         {C5_FILTER_DEFLATE, 0, cmp, 0},
        {C5_FILTER_SHUFFLE, 0, cmp, 0},             {C5_FILTER_LZF, 0, cmp, 0},
        {C5_FILTER_BLOSC, 0, cmp, 0},               {C5_FILTER_LZ4, 0, cmp, 0},
        {C5_FILTER_FLETCHER32, 0, cmp, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c5_filter pf = pubf(cases[i].id, cases[i].flags, 0, NULL);
        ck_assert_int_eq(c5_pipeline_from_public(NULL, &pf, 1, &p), 0);
        ck_assert_msg(c5_pipeline_set_local(NULL, &p, cases[i].t, 1, &ch) == cases[i].want,
                      "case %zu", i);
        c5_pipeline_free(NULL, &p);
    }
    /* Defaults filled in: deflate level 6, shuffle size, lzf and blosc
     * slots, names. */
    c5_filter four[4] = {pubf(C5_FILTER_SHUFFLE, 1, 0, NULL), pubf(C5_FILTER_DEFLATE, 1, 0, NULL),
                         pubf(C5_FILTER_LZF, 1, 0, NULL), pubf(C5_FILTER_BLOSC, 1, 0, NULL)};
    ck_assert_int_eq(c5_pipeline_from_public(NULL, four, 4, &p), 0);
    ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, cmp, 1, &ch), 0);
    ck_assert_uint_eq(p.f[0].ncd, 1);
    ck_assert_uint_eq(p.f[0].cd[0], 8);
    ck_assert_str_eq(p.f[0].name, "shuffle");
    ck_assert_uint_eq(p.f[1].cd[0], 6);
    ck_assert_uint_eq(p.f[2].ncd, 3);
    ck_assert_uint_eq(p.f[2].cd[0], 4);
    ck_assert_uint_eq(p.f[2].cd[1], 0x105);
    ck_assert_uint_eq(p.f[2].cd[2], 800);
    ck_assert_uint_eq(p.f[3].ncd, 4);
    ck_assert_uint_eq(p.f[3].cd[2], 8);
    ck_assert_uint_eq(p.f[3].cd[3], 800);
    ck_assert_str_eq(p.f[3].name, "blosc");
    c5_pipeline_free(NULL, &p);
    /* An optional filter cfive lacks is skipped on every chunk. */
    c5_filter two[2] = {pubf(C5_FILTER_NBIT, 1, 0, NULL), pubf(C5_FILTER_FLETCHER32, 0, 0, NULL)};
    ck_assert_int_eq(c5_pipeline_from_public(NULL, two, 2, &p), 0);
    ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, i16, 1, &ch), 0);
    uint8_t d[200] = {1, 2, 3};
    uint32_t mask = 0;
    ck_assert_uint_eq(roundtrip(&p, 2, d, sizeof d, &mask), sizeof d + 4);
    ck_assert_uint_eq(mask, 1);
    c5_pipeline_free(NULL, &p);
    c5_type_close(i16);
    c5_type_close(f32);
    c5_type_close(cmp);
    ck_assert_int_eq(c5_filter_can_encode(C5_FILTER_DEFLATE), 1);
    ck_assert_int_eq(c5_filter_can_encode(C5_FILTER_BLOSC), 1);
    ck_assert_int_eq(c5_filter_can_encode(C5_FILTER_SZIP), 0);
    ck_assert_int_eq(c5_filter_can_encode(999), 0);
}
END_TEST

/* ---- the whole pipeline, several threads ---------------------------------------- */

typedef struct par {
    const c5_pipeline *p;
    uint8_t *data;
    size_t chunk;
    int failed;
} par;

static void par_job(void *ud, size_t i)
{
    par *w = ud;
    const uint8_t *in = w->data + i * w->chunk;
    c5_filter_ctx ctx = mkctx(8, w->chunk);
    uint8_t *enc = NULL, *dec = NULL;
    size_t encn, decn;
    uint32_t mask;
    if (c5_pipeline_encode(w->p, &ctx, in, w->chunk, &enc, &encn, &mask) != 0 ||
        c5_pipeline_apply(w->p, mask, &ctx, enc, encn, &dec, &decn) != 0 || decn != w->chunk ||
        memcmp(dec, in, decn) != 0)
        w->failed = 1;
    c5_free(NULL, dec);
}

START_TEST(test_filter_encode_pipelines_concurrent_chunks)
{
    c5_type *f64;
    ck_assert_int_eq(c5_type_float(&f64, 8, C5_ORDER_LE), 0);
    uint64_t ch = 4096;
    unsigned lvl = 6, bl[7] = {0, 0, 0, 0, 5, 2, 1};
    c5_filter chains[4][3] = {
        {pubf(C5_FILTER_SHUFFLE, 1, 0, NULL), pubf(C5_FILTER_DEFLATE, 1, 1, &lvl),
         pubf(C5_FILTER_FLETCHER32, 0, 0, NULL)},
        {pubf(C5_FILTER_SHUFFLE, 1, 0, NULL), pubf(C5_FILTER_LZF, 1, 0, NULL),
         pubf(C5_FILTER_FLETCHER32, 0, 0, NULL)},
        {pubf(C5_FILTER_BLOSC, 1, 7, bl), pubf(C5_FILTER_LZ4, 1, 0, NULL),
         pubf(C5_FILTER_FLETCHER32, 0, 0, NULL)},
        {pubf(C5_FILTER_SHUFFLE, 1, 0, NULL), pubf(C5_FILTER_BLOSC, 1, 0, NULL),
         pubf(C5_FILTER_DEFLATE, 1, 1, &lvl)},
    };
    size_t nchunks = 48, chunk = 4096 * 8;
    uint8_t *data = malloc(nchunks * chunk);
    for (size_t i = 0; i < nchunks; i++)
        fill_kind(data + i * chunk, chunk, (int)(i % K_NKINDS), (unsigned)i);
    for (int c = 0; c < 4; c++) {
        c5_pipeline p;
        ck_assert_int_eq(c5_pipeline_from_public(NULL, chains[c], 3, &p), 0);
        ck_assert_int_eq(c5_pipeline_set_local(NULL, &p, f64, 1, &ch), 0);
        par w = {&p, data, chunk, 0};
        c5_parallel_for(8, nchunks, par_job, &w);
        ck_assert_int_eq(w.failed, 0);
        c5_pipeline_free(NULL, &p);
    }
    free(data);
    c5_type_close(f64);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("filter_encode");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_filter_encode_deflate_every_engine_every_level_roundtrips);
    tcase_add_test(tc, test_filter_encode_deflate_builtin_compresses_and_reports_short_room);
    tcase_add_test(tc, test_filter_encode_deflate_filter_like_libhdf5);
    tcase_add_test(tc, test_filter_encode_shuffle_matches_definition_every_size);
    tcase_add_test(tc, test_filter_encode_fletcher32_appends_libhdf5_checksum);
    tcase_add_test(tc, test_filter_encode_lz_compressors_roundtrip);
    tcase_add_test(tc, test_filter_encode_lzf_filter_skips_what_it_cannot_shrink);
    tcase_add_test(tc, test_filter_encode_lz4_filter_framing_and_blocks);
    tcase_add_test(tc, test_filter_encode_blosc_containers_decode);
    tcase_add_test(tc, test_filter_encode_blosc_filter_plugin_rules);
    tcase_add_test(tc, test_filter_encode_bzip2_lzo_roundtrip_or_skip);
    tcase_add_test(tc, test_filter_encode_scaleoffset_integers_roundtrip);
    tcase_add_test(tc, test_filter_encode_scaleoffset_floats_keep_d_digits);
    tcase_add_test(tc, test_filter_encode_scaleoffset_stream_layout);
    tcase_add_test(tc, test_filter_encode_messages_match_libhdf5_bytes);
    tcase_add_test(tc, test_filter_encode_message_versions_roundtrip);
    tcase_add_test(tc, test_filter_encode_public_list_and_set_local_rejections);
    tcase_add_test(tc, test_filter_encode_pipelines_concurrent_chunks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
