/* The LZ4 (32004), Blosc (32001), bzip2 (307) and LZO (305) decoders and
 * the built-in LZ4 and BloscLZ block decoders: stored chunks written by
 * PyTables, h5py's plugins and c-blosc (tests/fixtures/chunk/codecs, made
 * by gen_codecs.py there) decode to the bytes the writer was given;
 * hand-built streams pin down each instruction; malformed containers fail
 * cleanly. */
#include "core/internal.h"

#include "unit.h"

#include "filters/filter.h"
#include "filters/lzcodec.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#ifdef C5_HAVE_LZ4
#include <lz4.h>
#include <lz4hc.h>
#endif
#ifdef C5_HAVE_LZO
#include <lzo/lzo1x.h>
#endif

/* ---- helpers ---------------------------------------------------------- */

/* The byte patterns of gen_codecs.py. */
static void pattern(const char *kind, uint8_t *out, size_t n)
{
    if (strcmp(kind, "smooth") == 0) {
        for (size_t i = 0; i < n; i++) {
            double v = (double)(i / 8) * 0.125;
            uint64_t bits;
            memcpy(&bits, &v, 8);
            out[i] = (uint8_t)(bits >> (8 * (i % 8)));
        }
    } else if (strcmp(kind, "ints") == 0) {
        for (size_t i = 0; i < n; i++) {
            uint32_t v = (uint32_t)(((i / 4) * 7919) % 1000);
            out[i] = (uint8_t)(v >> (8 * (i % 4)));
        }
    } else if (strcmp(kind, "noise") == 0 || strcmp(kind, "mixed") == 0) {
        uint32_t x = 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            out[i] = (uint8_t)(x >> 16);
        }
        if (kind[0] == 'm')
            for (size_t i = 0; i < n; i += 97)
                for (size_t k = i; k < i + 40 && k < n; k++)
                    out[k] = 7;
    } else {
        ck_abort_msg("unknown pattern %s", kind);
    }
}

static const char *fixture_dir(void)
{
    static char dir[1024];
    const char *cand[] = {getenv("C5_CODEC_FIXTURES"), "tests/fixtures/chunk/codecs",
                          "../tests/fixtures/chunk/codecs", "../../tests/fixtures/chunk/codecs"};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        if (!cand[i])
            continue;
        snprintf(dir, sizeof dir, "%s/gen_codecs.py", cand[i]);
        if (access(dir, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%s", cand[i]);
            return dir;
        }
    }
    ck_abort_msg("codec fixtures not found (set C5_CODEC_FIXTURES)");
    return NULL;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    ck_assert(b != NULL);
    ck_assert(fread(b, 1, (size_t)sz, fp) == (size_t)sz);
    fclose(fp);
    *n = (size_t)sz;
    return b;
}

typedef int (*decode_fn)(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                         uint8_t **, size_t *);

static int run(decode_fn fn, const uint8_t *in, size_t n, uint64_t chunk_bytes, uint8_t **out,
               size_t *outn)
{
    c5_pfilter flt = {0};
    c5_filter_ctx ctx = {0};
    ctx.chunk_bytes = chunk_bytes;
    ctx.chunk_addr = 4096;
    *out = NULL;
    *outn = 0;
    int rc = fn(&flt, &ctx, in, n, out, outn);
    if (rc != 0)
        ck_assert_ptr_null(*out);
    return rc;
}

/* Which decoder a fixture needs, and whether this build has it. */
static decode_fn fixture_decoder(const char *name, int *available)
{
    *available = 1;
    if (strncmp(name, "blosc_", 6) == 0) {
#ifndef C5_HAVE_ZSTD
        if (strstr(name, "zstd"))
            *available = 0;
#endif
        return c5_filter_blosc;
    }
    if (strncmp(name, "lz4_", 4) == 0)
        return c5_filter_lz4;
    if (strncmp(name, "lzo_", 4) == 0) {
#ifndef C5_HAVE_LZO
        *available = 0;
#endif
        return c5_filter_lzo;
    }
    if (strncmp(name, "bzip2_", 6) == 0) {
#ifndef C5_HAVE_BZIP2
        *available = 0;
#endif
        return c5_filter_bzip2;
    }
    return NULL;
}

/* Parses "<codec>_<what>_<pattern>_<nbytes>.bin". */
static int parse_name(const char *name, char *kind, size_t kcap, size_t *nbytes)
{
    size_t l = strlen(name);
    if (l < 5 || strcmp(name + l - 4, ".bin") != 0)
        return 0;
    const char *u2 = NULL, *u1 = NULL;
    for (const char *p = name; *p; p++)
        if (*p == '_') {
            u2 = u1;
            u1 = p;
        }
    if (!u1 || !u2 || (size_t)(u1 - u2 - 1) >= kcap)
        return 0;
    memcpy(kind, u2 + 1, (size_t)(u1 - u2 - 1));
    kind[u1 - u2 - 1] = 0;
    *nbytes = strtoul(u1 + 1, NULL, 10);
    return 1;
}

typedef struct fixture {
    char name[256];
    decode_fn fn;
    int available;
    uint8_t *in;
    size_t n;
    uint8_t *expect;
    size_t nbytes;
} fixture;

static size_t load_fixtures(fixture *fx, size_t cap)
{
    const char *dir = fixture_dir();
    DIR *d = opendir(dir);
    ck_assert(d != NULL);
    size_t k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && k < cap) {
        char kind[32];
        size_t nbytes;
        if (!parse_name(e->d_name, kind, sizeof kind, &nbytes))
            continue;
        fixture *x = &fx[k];
        snprintf(x->name, sizeof x->name, "%s", e->d_name);
        x->fn = fixture_decoder(x->name, &x->available);
        ck_assert_msg(x->fn != NULL, "fixture %s: unknown codec", x->name);
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        x->in = slurp(path, &x->n);
        x->nbytes = nbytes;
        x->expect = malloc(nbytes + 1);
        pattern(kind, x->expect, nbytes);
        k++;
    }
    closedir(d);
    return k;
}

static void free_fixtures(fixture *fx, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        free(fx[i].in);
        free(fx[i].expect);
    }
}

/* ---- stored chunks from real writers ----------------------------------- */

START_TEST(test_filters_codecs_fixtures_decode_to_written_bytes)
{
    fixture fx[64];
    size_t k = load_fixtures(fx, 64);
    ck_assert_uint_ge(k, 27);
    for (size_t i = 0; i < k; i++) {
        uint8_t *out;
        size_t outn;
        int rc = run(fx[i].fn, fx[i].in, fx[i].n, fx[i].nbytes, &out, &outn);
        if (!fx[i].available) {
            ck_assert_msg(rc == C5_ENOFILTER, "%s: rc %d, want C5_ENOFILTER", fx[i].name, rc);
            continue;
        }
        ck_assert_msg(rc == 0, "%s: rc %d", fx[i].name, rc);
        ck_assert_msg(outn == fx[i].nbytes, "%s: %zu bytes, want %zu", fx[i].name, outn,
                      fx[i].nbytes);
        ck_assert_msg(memcmp(out, fx[i].expect, outn) == 0, "%s: wrong bytes", fx[i].name);
        free(out);
    }
    free_fixtures(fx, k);
}
END_TEST

/* Every prefix of every fixture, and every single-byte corruption of the
 * small ones, must fail cleanly or decode within the chunk size. */
START_TEST(test_filters_codecs_fixtures_truncated_or_flipped_never_overrun)
{
    fixture fx[64];
    size_t k = load_fixtures(fx, 64);
    for (size_t i = 0; i < k; i++) {
        if (!fx[i].available)
            continue;
        size_t step = fx[i].n > 2000 ? 7 : 1;
        for (size_t cut = 0; cut < fx[i].n; cut += step) {
            uint8_t *copy = malloc(cut + 1);
            memcpy(copy, fx[i].in, cut);
            uint8_t *out;
            size_t outn;
            int rc = run(fx[i].fn, copy, cut, fx[i].nbytes, &out, &outn);
            if (rc == 0) {
                ck_assert_uint_le(outn, fx[i].nbytes + 64);
                free(out);
            }
            free(copy);
        }
        if (fx[i].n > 1200)
            continue;
        uint8_t *copy = malloc(fx[i].n);
        for (size_t pos = 0; pos < fx[i].n; pos++) {
            for (unsigned v = 0; v < 3; v++) {
                memcpy(copy, fx[i].in, fx[i].n);
                copy[pos] = v == 0 ? (uint8_t)(copy[pos] ^ 0x80) : v == 1 ? 0xff : 0;
                uint8_t *out;
                size_t outn;
                if (run(fx[i].fn, copy, fx[i].n, fx[i].nbytes, &out, &outn) == 0) {
                    ck_assert_uint_le(outn, fx[i].nbytes + 64);
                    free(out);
                }
            }
        }
        free(copy);
    }
    free_fixtures(fx, k);
}
END_TEST

/* ---- built-in LZ4 block decoder --------------------------------------- */

static int lz4(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    return c5_lz4_block_decode(in, n, out, cap, outn);
}

START_TEST(test_filters_codecs_lz4_block_instructions)
{
    uint8_t out[600];
    size_t outn;
    /* literals only */
    const uint8_t lit[] = {0x30, 'a', 'b', 'c'};
    ck_assert_int_eq(lz4(lit, sizeof lit, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 3);
    ck_assert(memcmp(out, "abc", 3) == 0);
    /* "ab" then a match of 4+2 at distance 2 (overlapping run), then "z" */
    const uint8_t run2[] = {0x22, 'a', 'b', 2, 0, 0x10, 'z'};
    ck_assert_int_eq(lz4(run2, sizeof run2, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 9);
    ck_assert(memcmp(out, "abababab" "z", 9) == 0);
    /* literal length 15 + 255 + 3 = 273, match length 4 + 15 + 200 = 219 */
    uint8_t big[300] = {0xff, 255, 3};
    size_t p = 3;
    for (int i = 0; i < 273; i++)
        big[p++] = (uint8_t)i;
    big[p++] = 1;
    big[p++] = 0;
    big[p++] = 200;
    big[p++] = 0x00; /* final empty literal sequence */
    ck_assert_int_eq(lz4(big, p, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 273 + 219);
    for (int i = 0; i < 219; i++)
        ck_assert_uint_eq(out[273 + i], (uint8_t)272);
    /* output one byte short */
    ck_assert_int_eq(lz4(big, p, out, 273 + 218, &outn), C5_ECORRUPT);
    /* offset 0, offset past the start, truncated literals/offset, a match
     * ending the block, an unterminated length */
    const uint8_t off0[] = {0x10, 'a', 0, 0, 0x00};
    const uint8_t far[] = {0x10, 'a', 2, 0, 0x00};
    const uint8_t shortlit[] = {0x50, 'a', 'b'};
    const uint8_t shortoff[] = {0x10, 'a', 1};
    const uint8_t endmatch[] = {0x10, 'a', 1, 0};
    const uint8_t openlen[] = {0xf0, 255, 255};
    ck_assert_int_eq(lz4(off0, sizeof off0, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(far, sizeof far, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(shortlit, sizeof shortlit, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(shortoff, sizeof shortoff, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(endmatch, sizeof endmatch, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(openlen, sizeof openlen, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(lz4(lit, 0, out, sizeof out, &outn), C5_ECORRUPT);
}
END_TEST

#ifdef C5_HAVE_LZ4
/* The built-in decoder agrees with liblz4's encoders. */
START_TEST(test_filters_codecs_lz4_block_matches_liblz4)
{
    enum { N = 70000 };
    uint8_t *src = malloc(N), *cmp = malloc(LZ4_compressBound(N)), *out = malloc(N);
    const char *kinds[] = {"smooth", "ints", "mixed", "noise"};
    for (int k = 0; k < 4; k++) {
        pattern(kinds[k], src, N);
        for (int hc = 0; hc < 2; hc++) {
            int c = hc ? LZ4_compress_HC((char *)src, (char *)cmp, N, LZ4_compressBound(N), 9)
                       : LZ4_compress_default((char *)src, (char *)cmp, N, LZ4_compressBound(N));
            ck_assert_int_gt(c, 0);
            size_t outn;
            ck_assert_int_eq(c5_lz4_block_decode(cmp, (size_t)c, out, N, &outn), 0);
            ck_assert_uint_eq(outn, N);
            ck_assert(memcmp(out, src, N) == 0);
            ck_assert_int_eq(c5_lz4_block_decode(cmp, (size_t)c, out, N - 1, &outn),
                             C5_ECORRUPT);
        }
    }
    free(src);
    free(cmp);
    free(out);
}
END_TEST
#endif

/* ---- 32004 framing ---------------------------------------------------- */

static size_t put_be(uint8_t *p, uint64_t v, unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        p[i] = (uint8_t)(v >> (8 * (k - 1 - i)));
    return k;
}

START_TEST(test_filters_codecs_lz4_filter_framing_and_limits)
{
    /* blocks of 30: one stored raw, one LZ4 ('x', a run of 20 more, then
     * 9 literals, as liblz4 requires blocks to end) */
    const char *raw = "0123456789abcdefghijklmnopqrst";
    uint8_t c[128];
    size_t p = 0;
    p += put_be(c + p, 59, 8);
    p += put_be(c + p, 30, 4);
    p += put_be(c + p, 30, 4);
    memcpy(c + p, raw, 30);
    p += 30;
    const uint8_t blk[] = {0x1f, 'x', 1, 0, 1, 0x90, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'};
    p += put_be(c + p, sizeof blk, 4);
    memcpy(c + p, blk, sizeof blk);
    p += sizeof blk;
    uint8_t *out;
    size_t outn;
    /* the last block holds 29 bytes but this LZ4 block makes 30 */
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 59, &out, &outn), C5_ECORRUPT);
    put_be(c, 60, 8);
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 60, &out, &outn), 0);
    ck_assert_uint_eq(outn, 60);
    ck_assert(memcmp(out, raw, 30) == 0);
    ck_assert(memcmp(out + 30, "xxxxxxxxxxxxxxxxxxxxxabcdefghi", 30) == 0);
    free(out);
    /* total above the chunk size (plus slack) */
    put_be(c, 60 + 65, 8);
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 60, &out, &outn), C5_ECORRUPT);
    /* missing block */
    put_be(c, 61, 8);
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 61, &out, &outn), C5_ECORRUPT);
    /* block size 0 with data */
    put_be(c, 60, 8);
    put_be(c + 8, 0, 4);
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 60, &out, &outn), C5_ECORRUPT);
    /* empty chunk */
    uint8_t e[12] = {0};
    ck_assert_int_eq(run(c5_filter_lz4, e, 12, 0, &out, &outn), 0);
    ck_assert_uint_eq(outn, 0);
    free(out);
    ck_assert_int_eq(run(c5_filter_lz4, e, 11, 0, &out, &outn), C5_ECORRUPT);
    /* a huge claimed size is refused before any allocation */
    put_be(c, UINT64_MAX, 8);
    ck_assert_int_eq(run(c5_filter_lz4, c, p, 1u << 20, &out, &outn), C5_ECORRUPT);
}
END_TEST

/* ---- built-in BloscLZ ------------------------------------------------- */

START_TEST(test_filters_codecs_blosclz_instructions)
{
    static uint8_t out[20000];
    size_t outn;
    /* the first control byte's top bits are ignored: 0xe2 = literal run 3 */
    const uint8_t lit[] = {0xe2, 'a', 'b', 'c'};
    ck_assert_int_eq(c5_blosclz_decode(lit, sizeof lit, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 3);
    /* match: len field 1 -> 0 + 3 bytes, distance (0 << 8) + 1 + 1 = 2 */
    const uint8_t near[] = {0x01, 'a', 'b', 0x20, 1, 0x00, 'z'};
    ck_assert_int_eq(c5_blosclz_decode(near, sizeof near, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 6);
    ck_assert(memcmp(out, "ababaz", 6) == 0);
    /* run: distance 1, length 7-1 + 255 + 4 + 3 = 268 */
    const uint8_t runs[] = {0x00, 'q', 0xe0, 255, 4, 0};
    ck_assert_int_eq(c5_blosclz_decode(runs, sizeof runs, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 1 + 268);
    for (size_t i = 0; i < outn; i++)
        ck_assert_uint_eq(out[i], 'q');
    /* distance with high bits: (2 << 8) + 9 + 1 = 522 */
    uint8_t mid[600];
    size_t p = 0, want = 0;
    for (int r = 0; r < 17; r++) { /* 17 literal runs of 32 = 544 bytes */
        mid[p++] = 31;
        for (int i = 0; i < 32; i++)
            mid[p++] = (uint8_t)(r * 32 + i);
    }
    want = 544;
    mid[p++] = (1 << 5) | 2; /* len 0 -> 3 bytes, hi 2 */
    mid[p++] = 9;
    ck_assert_int_eq(c5_blosclz_decode(mid, p, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, want + 3);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(out[want + (size_t)i], out[want - 522 + (size_t)i]);
    /* far match: 0x3f, 255, then 16-bit E: distance E + 8192 */
    static uint8_t farc[12000];
    p = 0;
    for (int r = 0; r < 300; r++) { /* 9600 bytes of literals */
        farc[p++] = 31;
        for (int i = 0; i < 32; i++)
            farc[p++] = (uint8_t)((r * 7 + i * 13) & 0xff);
    }
    farc[p++] = (2 << 5) | 31;
    farc[p++] = 255;
    farc[p++] = 0x01;
    farc[p++] = 0x02; /* distance 258 + 8192 = 8450 */
    farc[p++] = 0;
    farc[p++] = '!';
    ck_assert_int_eq(c5_blosclz_decode(farc, p, out, sizeof out, &outn), 0);
    ck_assert_uint_eq(outn, 9600 + 4 + 1);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(out[9600 + (size_t)i], out[9600 - 8450 + (size_t)i]);
    ck_assert_uint_eq(out[9604], '!');
    /* distance beyond the output, truncated literal, truncated far match,
     * output too small */
    const uint8_t bad1[] = {0x00, 'a', 0x20, 5};
    const uint8_t bad2[] = {0x05, 'a', 'b'};
    const uint8_t bad3[] = {0x00, 'a', 0x3f, 255, 1};
    const uint8_t bad4[] = {0x00, 'a', 0x20};
    ck_assert_int_eq(c5_blosclz_decode(bad1, sizeof bad1, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_blosclz_decode(bad2, sizeof bad2, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_blosclz_decode(bad3, sizeof bad3, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_blosclz_decode(bad4, sizeof bad4, out, sizeof out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_blosclz_decode(runs, sizeof runs, out, 100, &outn), C5_ECORRUPT);
}
END_TEST

/* ---- Blosc container -------------------------------------------------- */

/* A container with one block whose splits are stored verbatim, so that
 * only the unshuffle step runs. */
static size_t blosc_verbatim(uint8_t *c, unsigned flags, unsigned ts, const uint8_t *blk,
                             size_t n, size_t nsplits)
{
    size_t p = 0;
    c[p++] = 2;
    c[p++] = 1;
    c[p++] = (uint8_t)flags;
    c[p++] = (uint8_t)ts;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 4; i++)
            c[p++] = (uint8_t)(n >> (8 * i));
    p += 4; /* cbytes later */
    uint32_t start = 20;
    for (int i = 0; i < 4; i++)
        c[p++] = (uint8_t)(start >> (8 * i));
    for (size_t s = 0; s < nsplits; s++) {
        size_t l = n / nsplits;
        for (int i = 0; i < 4; i++)
            c[p++] = (uint8_t)(l >> (8 * i));
        memcpy(c + p, blk + s * l, l);
        p += l;
    }
    for (int i = 0; i < 4; i++)
        c[12 + i] = (uint8_t)(p >> (8 * i));
    return p;
}

START_TEST(test_filters_codecs_blosc_unshuffles_by_definition)
{
    static uint8_t data[4096 + 5], shuf[4096 + 5], c[8192];
    pattern("mixed", data, sizeof data);
    const unsigned sizes[] = {2, 3, 4, 8, 16, 24};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        unsigned ts = sizes[si];
        const size_t lens[] = {1000, 1024, 2053, 3075, 4101};
        for (size_t li = 0; li < 5; li++) {
            size_t n = lens[li];
            size_t ne = n / ts;
            /* byte shuffle: plane j holds byte j of every element */
            for (size_t i = 0; i < ne; i++)
                for (size_t j = 0; j < ts; j++)
                    shuf[j * ne + i] = data[i * ts + j];
            memcpy(shuf + ne * ts, data + ne * ts, n - ne * ts);
            size_t cn = blosc_verbatim(c, 0x01 | 0x10, ts, shuf, n, 1);
            uint8_t *out;
            size_t outn;
            ck_assert_int_eq(run(c5_filter_blosc, c, cn, n, &out, &outn), 0);
            ck_assert_uint_eq(outn, n);
            ck_assert_msg(memcmp(out, data, n) == 0, "byte unshuffle ts %u n %zu", ts, n);
            free(out);
            /* bit shuffle: plane j*8+b holds bit b of byte j of every
             * element; whole-block copy when ne is not a multiple of 8 */
            memset(shuf, 0, n);
            if (ne % 8 == 0) {
                for (size_t i = 0; i < ne; i++)
                    for (size_t j = 0; j < ts; j++)
                        for (unsigned b = 0; b < 8; b++)
                            if (data[i * ts + j] >> b & 1) {
                                size_t bit = (j * 8 + b) * ne + i;
                                shuf[bit / 8] |= (uint8_t)(1u << (bit % 8));
                            }
                memcpy(shuf + ne * ts, data + ne * ts, n - ne * ts);
            } else {
                memcpy(shuf, data, n);
            }
            cn = blosc_verbatim(c, 0x04 | 0x10, ts, shuf, n, 1);
            ck_assert_int_eq(run(c5_filter_blosc, c, cn, n, &out, &outn), 0);
            ck_assert_msg(memcmp(out, data, n) == 0, "bit unshuffle ts %u n %zu", ts, n);
            free(out);
        }
    }
}
END_TEST

START_TEST(test_filters_codecs_blosc_rejects_bad_headers)
{
    static uint8_t data[2048], c[4096], b[4096];
    pattern("ints", data, sizeof data);
    size_t cn = blosc_verbatim(c, 0x10, 4, data, sizeof data, 1);
    uint8_t *out;
    size_t outn;
    ck_assert_int_eq(run(c5_filter_blosc, c, cn, sizeof data, &out, &outn), 0);
    ck_assert(memcmp(out, data, sizeof data) == 0);
    free(out);
    /* 4 splits when the flag does not forbid splitting */
    size_t cn4 = blosc_verbatim(b, 0x00, 4, data, sizeof data, 4);
    ck_assert_int_eq(run(c5_filter_blosc, b, cn4, sizeof data, &out, &outn), 0);
    ck_assert(memcmp(out, data, sizeof data) == 0);
    free(out);
    struct {
        size_t off;
        uint8_t val;
        int want;
    } cases[] = {
        {0, 3, C5_EUNSUPPORTED},  /* Blosc2 container */
        {0, 0, C5_EUNSUPPORTED},
        {2, 0x18, C5_ECORRUPT},   /* reserved flag */
        {2, 0x50, C5_ENOFILTER},  /* snappy */
        {2, 0xb0, C5_ECORRUPT},   /* codec 5 */
        {3, 0, C5_ECORRUPT},      /* typesize 0 */
        {7, 1, C5_ECORRUPT},      /* nbytes far above the chunk size */
        {8, 0, C5_ECORRUPT},      /* blocksize 0 (nbytes 2048 has low byte 0) */
        {13, 0x7f, C5_ECORRUPT},  /* cbytes above the stored size */
        {19, 0x7f, C5_ECORRUPT},  /* block start past the end */
        {20, 0xff, C5_ECORRUPT},  /* split size past the end */
        {21, 0x07, C5_ECORRUPT},  /* split not verbatim: BloscLZ junk */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, c, cn);
        if (cases[i].off == 8) {
            memset(b + 8, 0, 4);
        } else {
            b[cases[i].off] = cases[i].val;
        }
        ck_assert_msg(run(c5_filter_blosc, b, cn, sizeof data, &out, &outn) == cases[i].want,
                      "case %zu", i);
    }
    /* short header, and a decoded size one byte above chunk size + slack */
    ck_assert_int_eq(run(c5_filter_blosc, c, 15, sizeof data, &out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(run(c5_filter_blosc, c, cn, sizeof data - 65, &out, &outn), C5_ECORRUPT);
    /* many tiny blocks claimed by a short container: bstarts do not fit */
    memcpy(b, c, cn);
    b[8] = 1;
    b[9] = 0;
    ck_assert_int_eq(run(c5_filter_blosc, b, cn, sizeof data, &out, &outn), C5_ECORRUPT);
    /* verbatim container whose cbytes disagree with nbytes */
    memcpy(b, c, 16);
    b[2] = 0x02;
    memcpy(b + 16, data, sizeof data);
    for (int i = 0; i < 4; i++)
        b[12 + i] = (uint8_t)((sizeof data + 16) >> (8 * i));
    ck_assert_int_eq(run(c5_filter_blosc, b, sizeof data + 16, sizeof data, &out, &outn), 0);
    ck_assert(memcmp(out, data, sizeof data) == 0);
    free(out);
    b[12] ^= 1;
    ck_assert_int_eq(run(c5_filter_blosc, b, sizeof data + 16, sizeof data, &out, &outn),
                     C5_ECORRUPT);
    /* empty container */
    memset(b, 0, 16);
    b[0] = 2;
    b[12] = 16;
    ck_assert_int_eq(run(c5_filter_blosc, b, 16, 0, &out, &outn), 0);
    ck_assert_uint_eq(outn, 0);
    free(out);
}
END_TEST

/* ---- bzip2 and LZO ---------------------------------------------------- */

START_TEST(test_filters_codecs_bzip2_lzo_fail_cleanly)
{
    const uint8_t junk[] = "BZh9 this is not a bzip2 stream at all";
    uint8_t *out;
    size_t outn;
#ifdef C5_HAVE_BZIP2
    ck_assert_int_eq(run(c5_filter_bzip2, junk, sizeof junk, 100, &out, &outn), C5_ECORRUPT);
#else
    ck_assert_int_eq(run(c5_filter_bzip2, junk, sizeof junk, 100, &out, &outn), C5_ENOFILTER);
#endif
#ifdef C5_HAVE_LZO
    ck_assert_int_eq(run(c5_filter_lzo, junk, sizeof junk, 100, &out, &outn), C5_ECORRUPT);
#else
    ck_assert_int_eq(run(c5_filter_lzo, junk, sizeof junk, 100, &out, &outn), C5_ENOFILTER);
#endif
}
END_TEST

#ifdef C5_HAVE_LZO
/* PyTables before 0.8 appended the Adler-32 and the size of the decoded
 * bytes; the checksum is verified. */
START_TEST(test_filters_codecs_lzo_old_pytables_trailer)
{
    enum { N = 5000 };
    static uint8_t src[N], c[N + N / 8 + 128 + 8], wrk[LZO1X_1_MEM_COMPRESS];
    pattern("mixed", src, N);
    lzo_uint cl = sizeof c;
    ck_assert_int_eq(lzo1x_1_compress(src, N, c, &cl, wrk), LZO_E_OK);
    uint32_t ad = (uint32_t)lzo_adler32(lzo_adler32(0, NULL, 0), src, N);
    for (int i = 0; i < 4; i++) {
        c[cl + (size_t)i] = (uint8_t)(ad >> (8 * i));
        c[cl + 4 + (size_t)i] = (uint8_t)((uint32_t)N >> (8 * i));
    }
    uint8_t *out;
    size_t outn;
    ck_assert_int_eq(run(c5_filter_lzo, c, cl, N, &out, &outn), 0);
    ck_assert(outn == N && memcmp(out, src, N) == 0);
    free(out);
    ck_assert_int_eq(run(c5_filter_lzo, c, cl + 8, N, &out, &outn), 0);
    ck_assert(outn == N && memcmp(out, src, N) == 0);
    free(out);
    c[cl] ^= 1;
    ck_assert_int_eq(run(c5_filter_lzo, c, cl + 8, N, &out, &outn), C5_ECORRUPT);
    /* output larger than the chunk */
    ck_assert_int_eq(run(c5_filter_lzo, c, cl, N - 65, &out, &outn), C5_ECORRUPT);
}
END_TEST
#endif

static Suite *suite(void)
{
    Suite *s = suite_create("filters_codecs");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_filters_codecs_fixtures_decode_to_written_bytes);
    tcase_add_test(tc, test_filters_codecs_fixtures_truncated_or_flipped_never_overrun);
    tcase_add_test(tc, test_filters_codecs_lz4_block_instructions);
#ifdef C5_HAVE_LZ4
    tcase_add_test(tc, test_filters_codecs_lz4_block_matches_liblz4);
#endif
    tcase_add_test(tc, test_filters_codecs_lz4_filter_framing_and_limits);
    tcase_add_test(tc, test_filters_codecs_blosclz_instructions);
    tcase_add_test(tc, test_filters_codecs_blosc_unshuffles_by_definition);
    tcase_add_test(tc, test_filters_codecs_blosc_rejects_bad_headers);
    tcase_add_test(tc, test_filters_codecs_bzip2_lzo_fail_cleanly);
#ifdef C5_HAVE_LZO
    tcase_add_test(tc, test_filters_codecs_lzo_old_pytables_trailer);
#endif
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
