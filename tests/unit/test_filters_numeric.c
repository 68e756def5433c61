/* The n-bit, scale-offset and szip decoders.
 *
 * tests/fixtures/chunk/numeric/{nbit,scaleoffset,szip}.cases hold chunks
 * taken from the HDF5 1.14 test files and from files h5py/libhdf5 1.10.8
 * wrote (tests/fixtures/chunk/numeric/gen.py rebuilds them): the filter's
 * client data, the bytes the filter receives (later filters of the
 * pipeline already undone), and the chunk libhdf5 reads back, with a mask
 * of the bytes inside the dataset extent. Record layout (little-endian):
 *
 *   "C5FX", u16 filter id, u16 flags, u32 ncd, ncd x u32,
 *   u32 element size, u64 chunk bytes, u32 n, n input bytes,
 *   u32 m, m expected bytes, m mask bytes, u16 k, k name bytes
 */
#include "core/internal.h"

#include "unit.h"

#include "filters/filter.h"

#include <stdio.h>


typedef struct fx_case {
    c5_pfilter flt;
    uint32_t cd[256];
    c5_filter_ctx ctx;
    const uint8_t *in, *exp, *mask;
    uint32_t inl, outl;
    char name[128];
} fx_case;

static uint8_t *slurp(const char *name, size_t *n)
{
    char path[512];
    const char *dirs[] = {getenv("C5_FIXTURES"), "tests/fixtures/chunk/numeric",
                          "../tests/fixtures/chunk/numeric"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        if (!dirs[i])
            continue;
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        FILE *fp = fopen(path, "rb");
        if (!fp)
            continue;
        fseek(fp, 0, SEEK_END);
        long len = ftell(fp);
        rewind(fp);
        uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
        ck_assert(b != NULL);
        ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
        fclose(fp);
        *n = (size_t)len;
        return b;
    }
    ck_abort_msg("fixture %s not found (run from the source tree or set C5_FIXTURES)", name);
    return NULL;
}

/* Parse the record at *p; returns 0 at the end of the buffer. */
static int next_case(const uint8_t **p, const uint8_t *end, fx_case *c)
{
    if (*p >= end)
        return 0;
    const uint8_t *q = *p;
    ck_assert(end - q >= 12 && memcmp(q, "C5FX", 4) == 0);
    memset(c, 0, sizeof *c);
    c->flt.id = (uint16_t)c5_le(q + 4, 2);
    c->flt.flags = (uint16_t)c5_le(q + 6, 2);
    c->flt.ncd = (size_t)c5_le(q + 8, 4);
    ck_assert(c->flt.ncd <= 256);
    q += 12;
    for (size_t i = 0; i < c->flt.ncd; i++)
        c->cd[i] = (uint32_t)c5_le(q + 4 * i, 4);
    c->flt.cd = c->cd;
    q += 4 * c->flt.ncd;
    c->ctx.elem_size = (size_t)c5_le(q, 4);
    c->ctx.chunk_bytes = c5_le(q + 4, 8);
    c->ctx.chunk_addr = C5_UNDEF;
    q += 12;
    c->inl = (uint32_t)c5_le(q, 4);
    c->in = q + 4;
    q += 4 + c->inl;
    c->outl = (uint32_t)c5_le(q, 4);
    c->exp = q + 4;
    c->mask = c->exp + c->outl;
    q += 4 + 2 * (size_t)c->outl;
    unsigned nl = (unsigned)c5_le(q, 2);
    snprintf(c->name, sizeof c->name, "%.*s", (int)nl, (const char *)q + 2);
    q += 2 + nl;
    ck_assert(q <= end);
    *p = q;
    return 1;
}

static int run(const fx_case *c, c5_filter_decode_fn fn, const uint8_t *in, size_t n,
               uint8_t **out, size_t *outn)
{
    return fn(&c->flt, &c->ctx, in, n, out, outn);
}

static void check_matches(const fx_case *c, c5_filter_decode_fn fn)
{
    uint8_t *out = NULL;
    size_t outn = 0;
    int rc = run(c, fn, c->in, c->inl, &out, &outn);
    ck_assert_msg(rc == 0, "%s: decode failed (%d)", c->name, rc);
    ck_assert_msg(outn == c->outl, "%s: %zu bytes, expected %u", c->name, outn, c->outl);
    for (size_t i = 0; i < outn; i++)
        if (c->mask[i] && out[i] != c->exp[i])
            ck_abort_msg("%s: byte %zu is %u, libhdf5 reads %u", c->name, i, out[i], c->exp[i]);
    free(out);
}

static int run_fixture(const char *file, c5_filter_decode_fn fn)
{
    size_t n;
    uint8_t *b = slurp(file, &n);
    const uint8_t *p = b;
    fx_case c;
    int count = 0;
    while (next_case(&p, b + n, &c)) {
        check_matches(&c, fn);
        count++;
    }
    free(b);
    return count;
}

/* Truncations and single-bit flips of every fixture input: each decode
 * either fails cleanly or returns a bounded size (the chunk, the input for
 * pass-through cases, or what a damaged szip header claims, which is
 * capped at the chunk size plus a small header); the sanitizer build
 * catches out-of-bounds access. */
static void abuse_fixture(const char *file, c5_filter_decode_fn fn)
{
    size_t n;
    uint8_t *b = slurp(file, &n);
    const uint8_t *p = b;
    fx_case c;
    uint32_t seed = 12345;
    while (next_case(&p, b + n, &c)) {
        uint8_t *buf = malloc(c.inl ? c.inl : 1);
        ck_assert(buf != NULL);
        size_t step = c.inl / 24 + 1;
        for (size_t len = 0; len < c.inl; len += step) {
            memcpy(buf, c.in, len);
            uint8_t *out = NULL;
            size_t outn = 0;
            int rc = run(&c, fn, buf, len, &out, &outn);
            if (rc == 0)
                ck_assert_msg(outn == c.outl || outn == len, "%s: truncated to %zu gave %zu",
                              c.name, len, outn);
            else
                ck_assert_ptr_null(out);
            free(out);
        }
        for (int k = 0; k < 64 && c.inl; k++) {
            memcpy(buf, c.in, c.inl);
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % c.inl] ^= (uint8_t)(1u << ((seed >> 4) & 7));
            uint8_t *out = NULL;
            size_t outn = 0;
            if (run(&c, fn, buf, c.inl, &out, &outn) == 0)
                ck_assert_msg(outn == c.outl || outn == c.inl || outn <= c.ctx.chunk_bytes + 64,
                              "%s: damaged input gave %zu bytes", c.name, outn);
            free(out);
        }
        free(buf);
    }
    free(b);
}

/* ---- n-bit ------------------------------------------------------------- */

START_TEST(test_filters_numeric_nbit_matches_libhdf5)
{
    ck_assert_int_ge(run_fixture("nbit.cases", c5_filter_nbit), 40);
}
END_TEST

/* Three 12-bit little-endian integers at bit offset 2, packed by hand. */
START_TEST(test_filters_numeric_nbit_atomic_le_by_hand)
{
    uint32_t cd[8] = {8, 0, 3, 1, 2, 0, 12, 2};
    c5_pfilter flt = {.id = 5, .ncd = 8, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 2, .chunk_bytes = 6, .chunk_addr = C5_UNDEF};
    /* values 0xABC, 0x123, 0xFFF -> bits ABC 123 FFF -> bytes AB C1 23 FF F0 */
    const uint8_t in[] = {0xAB, 0xC1, 0x23, 0xFF, 0xF0};
    uint8_t *out = NULL;
    size_t outn = 0;
    ck_assert_int_eq(c5_filter_nbit(&flt, &ctx, in, sizeof in, &out, &outn), 0);
    ck_assert_uint_eq(outn, 6);
    const uint16_t want[3] = {0xABC << 2, 0x123 << 2, 0xFFF << 2};
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(c5_le(out + 2 * i, 2), want[i]);
    free(out);
    /* one byte short of the third value */
    ck_assert_int_eq(c5_filter_nbit(&flt, &ctx, in, 4, &out, &outn), C5_ECORRUPT);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_filters_numeric_nbit_rejects_bad_parameters)
{
    const uint8_t in[16] = {0};
    uint8_t *out = NULL;
    size_t outn = 0;
    c5_filter_ctx ctx = {.elem_size = 4, .chunk_bytes = 8, .chunk_addr = C5_UNDEF};
    struct {
        uint32_t cd[12];
        size_t n;
    } bad[] = {
        {{9, 0, 2, 1, 4, 0, 12, 0}, 8},          /* count does not match */
        {{8, 0, 2, 1, 4, 0, 33, 0}, 8},          /* precision above the size */
        {{8, 0, 2, 1, 4, 0, 30, 3}, 8},          /* precision + offset too big */
        {{8, 0, 2, 1, 4, 0, 0, 0}, 8},           /* precision 0 */
        {{8, 0, 2, 1, 4, 7, 12, 0}, 8},          /* bad byte order */
        {{8, 0, 2, 9, 4, 0, 12, 0}, 8},          /* unknown class */
        {{8, 0, 3, 1, 4, 0, 12, 0}, 8},          /* 3 elements are not a chunk of 8 */
        {{7, 0, 2, 3, 4, 1, 0}, 7},              /* compound ends early */
        {{10, 0, 2, 3, 4, 1, 2, 1, 4, 0}, 10},   /* member outside the compound */
        {{8, 0, 2, 2, 4, 2, 0, 0}, 8},           /* array of size-0 arrays */
        {{5, 0, 2, 4, 4}, 5},                    /* no-op at the top */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        c5_pfilter flt = {.id = 5, .ncd = bad[i].n, .cd = bad[i].cd};
        ck_assert_msg(c5_filter_nbit(&flt, &ctx, in, sizeof in, &out, &outn) == C5_ECORRUPT,
                      "case %zu accepted", i);
        ck_assert_ptr_null(out);
    }
}
END_TEST

START_TEST(test_filters_numeric_nbit_full_precision_passes_through)
{
    uint32_t cd[8] = {8, 1, 2, 1, 4, 0, 32, 0};
    c5_pfilter flt = {.id = 5, .ncd = 8, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 4, .chunk_bytes = 8, .chunk_addr = C5_UNDEF};
    const uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t *out = NULL;
    size_t outn = 0;
    ck_assert_int_eq(c5_filter_nbit(&flt, &ctx, in, 8, &out, &outn), 0);
    ck_assert_uint_eq(outn, 8);
    ck_assert_mem_eq(out, in, 8);
    free(out);
}
END_TEST

START_TEST(test_filters_numeric_nbit_survives_damage)
{
    abuse_fixture("nbit.cases", c5_filter_nbit);
}
END_TEST

/* ---- scale-offset ------------------------------------------------------ */

START_TEST(test_filters_numeric_scaleoffset_matches_libhdf5)
{
    ck_assert_int_ge(run_fixture("scaleoffset.cases", c5_filter_scaleoffset), 100);
}
END_TEST

/* Four big-endian int16 values, minbits 3, minval -5, fill 99 (code 7). */
START_TEST(test_filters_numeric_scaleoffset_int_by_hand)
{
    uint32_t cd[20] = {2, 0, 4, 0, 2, 1, 1, 1, 99};
    c5_pfilter flt = {.id = 6, .ncd = 20, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 2, .chunk_bytes = 8, .chunk_addr = C5_UNDEF};
    uint8_t in[23] = {3, 0, 0, 0, 8};
    uint64_t mv = (uint64_t)-5;
    for (int i = 0; i < 8; i++)
        in[5 + i] = (uint8_t)(mv >> (8 * i));
    /* codes 0, 6, 7, 2 -> 000 110 111 010 -> 0001 1011 1010 .... */
    in[21] = 0x1B;
    in[22] = 0xA0;
    uint8_t *out = NULL;
    size_t outn = 0;
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn), 0);
    ck_assert_uint_eq(outn, 8);
    const int16_t want[4] = {-5, 1, 99, -3};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq((int16_t)(out[2 * i] << 8 | out[2 * i + 1]), want[i]);
    free(out);
    /* the packed values need 12 bits: 21 header bytes + 1 is too short */
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, 22, &out, &outn), C5_ECORRUPT);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_filters_numeric_scaleoffset_rejects_bad_parameters)
{
    uint8_t in[64] = {0};
    uint8_t *out = NULL;
    size_t outn = 0;
    c5_filter_ctx ctx = {.elem_size = 4, .chunk_bytes = 16, .chunk_addr = C5_UNDEF};
    uint32_t good[20] = {2, 0, 4, 0, 4, 1, 0, 0};
    c5_pfilter flt = {.id = 6, .ncd = 20, .cd = good};
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn), 0);
    free(out);
    out = NULL;
    flt.ncd = 7; /* the old 7-value form of h5stat_filters.h5: libhdf5 refuses it too */
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn), C5_ECORRUPT);
    flt.ncd = 20;
    struct {
        unsigned idx;
        uint32_t v;
        int rc;
    } bad[] = {
        {0, 0, C5_ECORRUPT},  /* integer with D-scaling */
        {4, 3, C5_ECORRUPT},  /* 3-byte integers */
        {6, 2, C5_ECORRUPT},  /* byte order */
        {3, 5, C5_ECORRUPT},  /* class */
        {1, 33, C5_ECORRUPT}, /* minbits above the width */
        {2, 5, C5_ECORRUPT},  /* 5 elements are not a 16-byte chunk */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint32_t cd[20];
        memcpy(cd, good, sizeof cd);
        cd[bad[i].idx] = bad[i].v;
        flt.cd = cd;
        ck_assert_msg(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn) == bad[i].rc,
                      "case %zu", i);
        ck_assert_ptr_null(out);
    }
    uint32_t esc[20] = {1, 0, 4, 1, 4, 0, 0, 0};
    flt.cd = esc;
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn),
                     C5_EUNSUPPORTED);
    /* minbits in the chunk header above the width */
    flt.cd = good;
    in[0] = 40;
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, sizeof in, &out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_filter_scaleoffset(&flt, &ctx, in, 20, &out, &outn), C5_ECORRUPT);
}
END_TEST

START_TEST(test_filters_numeric_scaleoffset_survives_damage)
{
    abuse_fixture("scaleoffset.cases", c5_filter_scaleoffset);
}
END_TEST

/* ---- szip ---------------------------------------------------------------- */

START_TEST(test_filters_numeric_szip_matches_libhdf5)
{
    ck_assert_int_ge(run_fixture("szip.cases", c5_filter_szip), 60);
}
END_TEST

START_TEST(test_filters_numeric_szip_builtin_matches_libhdf5)
{
    ck_assert_int_ge(run_fixture("szip.cases", c5_filter_szip_builtin), 60);
}
END_TEST

/* One RSI of two 8-sample blocks of 8-bit data, no preprocessing: an
 * uncoded block, then a split block with k = 1. */
START_TEST(test_filters_numeric_szip_blocks_by_hand)
{
    uint32_t cd[4] = {4 | 8 | 128, 8, 8, 16};
    c5_pfilter flt = {.id = 4, .ncd = 4, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = 16, .chunk_addr = C5_UNDEF};
    /* id 111 + 8 raw bytes 1..8; id 010 (k=1) + FS of 0,1,0,1,2,0,0,3 + low bits 1,0,1,0,1,1,0,1 */
    uint8_t in[4 + 32] = {16, 0, 0, 0};
    size_t bit = 32;
#define PUT(v, k)                                                                   \
    do {                                                                            \
        for (int b_ = (k)-1; b_ >= 0; b_--, bit++)                                  \
            if (((v) >> b_) & 1)                                                    \
                in[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));                        \
    } while (0)
    PUT(7, 3);
    for (int i = 1; i <= 8; i++)
        PUT(i, 8);
    PUT(2, 3);
    const unsigned hi[8] = {0, 1, 0, 1, 2, 0, 0, 3}, lo[8] = {1, 0, 1, 0, 1, 1, 0, 1};
    for (int i = 0; i < 8; i++) {
        PUT(0, hi[i]);
        PUT(1, 1);
    }
    for (int i = 0; i < 8; i++)
        PUT(lo[i], 1);
#undef PUT
    size_t n = (bit + 7) / 8;
    c5_filter_decode_fn fns[2] = {c5_filter_szip, c5_filter_szip_builtin};
    for (int f = 0; f < 2; f++) {
        uint8_t *out = NULL;
        size_t outn = 0;
        ck_assert_int_eq(fns[f](&flt, &ctx, in, n, &out, &outn), 0);
        ck_assert_uint_eq(outn, 16);
        for (int i = 0; i < 8; i++) {
            ck_assert_uint_eq(out[i], i + 1);
            ck_assert_uint_eq(out[8 + i], hi[i] * 2 + lo[i]);
        }
        free(out);
    }
    /* the second block cut short */
    uint8_t *out = NULL;
    size_t outn = 0;
    ck_assert_int_eq(c5_filter_szip_builtin(&flt, &ctx, in, n - 2, &out, &outn), C5_ECORRUPT);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_filters_numeric_szip_rejects_bad_parameters)
{
    uint8_t in[32] = {16, 0, 0, 0};
    uint8_t *out = NULL;
    size_t outn = 0;
    c5_filter_ctx ctx = {.elem_size = 2, .chunk_bytes = 16, .chunk_addr = C5_UNDEF};
    uint32_t bad[][4] = {
        {141, 7, 16, 8},    /* odd pixels per block */
        {141, 0, 16, 8},    /* no pixels per block */
        {141, 66, 16, 8},   /* too many pixels per block */
        {141, 8, 0, 8},     /* 0 bits per pixel */
        {141, 8, 40, 8},    /* 40 bits per pixel */
        {141, 8, 16, 0},    /* empty scanline */
        {141, 8, 16, 7},    /* scanline shorter than a block */
        {141, 2, 16, 258},    /* scanline of 129 blocks */
        {141, 4, 8, 0xFFFFFFFF}, /* scanline size that wraps around */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        c5_pfilter flt = {.id = 4, .ncd = 4, .cd = bad[i]};
        ck_assert_msg(c5_filter_szip(&flt, &ctx, in, sizeof in, &out, &outn) == C5_ECORRUPT,
                      "case %zu accepted", i);
        ck_assert_msg(c5_filter_szip_builtin(&flt, &ctx, in, sizeof in, &out, &outn) ==
                          C5_ECORRUPT,
                      "case %zu accepted", i);
        ck_assert_ptr_null(out);
    }
    uint32_t cd[4] = {141, 8, 16, 8};
    c5_pfilter flt = {.id = 4, .ncd = 4, .cd = cd};
    in[0] = 15; /* not a whole number of 16-bit samples */
    ck_assert_int_eq(c5_filter_szip_builtin(&flt, &ctx, in, sizeof in, &out, &outn), C5_ECORRUPT);
    in[0] = 0;
    in[1] = 1; /* 256 bytes for a 16-byte chunk */
    ck_assert_int_eq(c5_filter_szip_builtin(&flt, &ctx, in, sizeof in, &out, &outn), C5_ECORRUPT);
    ck_assert_int_eq(c5_filter_szip_builtin(&flt, &ctx, in, 3, &out, &outn), C5_ECORRUPT);
    flt.ncd = 3;
    ck_assert_int_eq(c5_filter_szip(&flt, &ctx, in, sizeof in, &out, &outn), C5_ECORRUPT);
}
END_TEST

START_TEST(test_filters_numeric_szip_survives_damage)
{
    abuse_fixture("szip.cases", c5_filter_szip_builtin);
#ifdef C5_HAVE_LIBAEC
    abuse_fixture("szip.cases", c5_filter_szip);
#endif
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("filters_numeric");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_filters_numeric_nbit_matches_libhdf5);
    tcase_add_test(tc, test_filters_numeric_nbit_atomic_le_by_hand);
    tcase_add_test(tc, test_filters_numeric_nbit_rejects_bad_parameters);
    tcase_add_test(tc, test_filters_numeric_nbit_full_precision_passes_through);
    tcase_add_test(tc, test_filters_numeric_nbit_survives_damage);
    tcase_add_test(tc, test_filters_numeric_scaleoffset_matches_libhdf5);
    tcase_add_test(tc, test_filters_numeric_scaleoffset_int_by_hand);
    tcase_add_test(tc, test_filters_numeric_scaleoffset_rejects_bad_parameters);
    tcase_add_test(tc, test_filters_numeric_scaleoffset_survives_damage);
    tcase_add_test(tc, test_filters_numeric_szip_matches_libhdf5);
    tcase_add_test(tc, test_filters_numeric_szip_builtin_matches_libhdf5);
    tcase_add_test(tc, test_filters_numeric_szip_blocks_by_hand);
    tcase_add_test(tc, test_filters_numeric_szip_rejects_bad_parameters);
    tcase_add_test(tc, test_filters_numeric_szip_survives_damage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
