/* Virtual datasets: extents of the HDF5 1.14 test files (what h5ls prints),
 * mapping blocks built here against the corpus source files (every
 * selection encoding, printf names, missing sources, clipping), and
 * malformed blocks; reads of tests/fixtures/vds.h5 (h5py: every mapping
 * kind; whole reads are compared with h5py by tests/api_vs_h5py.sh): known
 * values, every hyperslab and point read equal to the whole read, type
 * conversion, variable-length strings, and sources that loop back. */
#include "core/internal.h"

#include "unit.h"

#include "vds.h"

#include <stdio.h>
#include <unistd.h>

#define UNL C5_UNLIMITED

/* ---- helpers ---------------------------------------------------------- */


static c5_file *open_corpus(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", unit_corpus_dir(), name);
    c5_file *f = NULL;
    ck_assert_msg(c5_file_open(&f, path, NULL) == 0, "cannot open %s", path);
    return f;
}

/* A mapping block under construction. */
typedef struct blk {
    uint8_t b[8192];
    size_t n;
} blk;

static void put(blk *k, uint64_t v, unsigned w)
{
    ck_assert(k->n + w <= sizeof k->b);
    for (unsigned i = 0; i < w; i++)
        k->b[k->n++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

static void put_str(blk *k, const char *s)
{
    size_t l = strlen(s) + 1;
    ck_assert(k->n + l <= sizeof k->b);
    memcpy(k->b + k->n, s, l);
    k->n += l;
}

static void begin(blk *k, uint64_t nent)
{
    k->n = 0;
    put(k, 0, 1);
    put(k, nent, 8);
}

static void finish(blk *k)
{
    put(k, c5_lookup3(k->b, k->n, 0), 4);
}

static void sel_simple(blk *k, uint32_t type)
{
    put(k, type, 4);
    put(k, 1, 4);
    put(k, 0, 8);
}

/* Regular hyperslab, d[u] = {start, stride, count, block}; version 2
 * (8-byte integers) or 3 with integers of enc bytes. */
static void sel_reg(blk *k, int ver, unsigned enc, int rank, uint64_t d[][4])
{
    put(k, 2, 4);
    put(k, (uint64_t)ver, 4);
    put(k, 1, 1);
    if (ver == 2) {
        put(k, 0, 4);
        enc = 8;
    } else {
        put(k, enc, 1);
    }
    put(k, (uint64_t)rank, 4);
    for (int u = 0; u < rank; u++)
        for (int j = 0; j < 4; j++)
            put(k, d[u][j] == UNL ? UINT64_MAX : d[u][j], enc);
}

/* Block list: nb blocks, each rank starts then rank ends. */
static void sel_irr(blk *k, int ver, unsigned enc, int rank, uint64_t nb, const uint64_t *se)
{
    put(k, 2, 4);
    put(k, (uint64_t)ver, 4);
    if (ver == 1) {
        put(k, 0, 8);
        enc = 4;
    } else if (ver == 2) {
        put(k, 0, 1);
        put(k, 0, 4);
        enc = 8;
    } else {
        put(k, 0, 1);
        put(k, enc, 1);
    }
    put(k, (uint64_t)rank, 4);
    put(k, nb, ver == 1 ? 4 : enc);
    for (uint64_t i = 0; i < nb * 2 * (uint64_t)rank; i++)
        put(k, se[i], enc);
}

static c5_space space3(uint64_t d0, uint64_t d1, uint64_t d2)
{
    c5_space s;
    memset(&s, 0, sizeof s);
    s.cls = C5_SPACE_SIMPLE;
    s.rank = 3;
    s.dims[0] = d0;
    s.dims[1] = d1;
    s.dims[2] = d2;
    s.maxdims[0] = UNL;
    s.maxdims[1] = d1;
    s.maxdims[2] = d2;
    return s;
}

/* Run a block against a {d0, 18, 8} space of 1_vds.h5's file (sources
 * 1_a.h5 ... hold /source_dset of {5/Inf, 2 or 4, 8}). Returns the code;
 * *out gets dims[0]. */
static int run(const blk *k, uint64_t d0, uint64_t *out)
{
    c5_file *f = open_corpus("1_vds.h5");
    ck_assert_int_eq(f->lsz, 8);
    c5_space s = space3(d0, 18, 8);
    int rc = c5_vds_extent_block(f, k->b, k->n, 0, &s);
    if (out)
        *out = s.dims[0];
    ck_assert_uint_eq(s.dims[1], 18);
    ck_assert_uint_eq(s.dims[2], 8);
    c5_file_close(f);
    return rc;
}

static uint64_t run_ok(const blk *k, uint64_t d0)
{
    uint64_t d = 0;
    int rc = run(k, d0, &d);
    ck_assert_msg(rc == 0, "rc %d", rc);
    return d;
}

/* One mapping onto /source_dset of `file`: source rows given by s0, virtual
 * rows by v0, both over 2 x 8 of the other dimensions. */
static void one_mapping(blk *k, const char *file, const uint64_t s0[4], const uint64_t v0[4])
{
    uint64_t sd[3][4] = {{s0[0], s0[1], s0[2], s0[3]}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t vd[3][4] = {{v0[0], v0[1], v0[2], v0[3]}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    begin(k, 1);
    put_str(k, file);
    put_str(k, "/source_dset");
    sel_reg(k, 2, 8, 3, sd);
    sel_reg(k, 2, 8, 3, vd);
    finish(k);
}

/* ---- the test files ------------------------------------------------------- */

static const struct {
    const char *file, *dset;
    uint64_t dims[3];
} corpus[] = {
    {"1_vds.h5", "vds_dset", {5, 18, 8}},
    {"2_vds.h5", "vds_dset", {6, 8, 14}},
    {"3_1_vds.h5", "vds_dset", {5, 25, 8}},
    {"3_2_vds.h5", "vds_dset", {6, 13, 19}},
    {"4_vds.h5", "vds_dset", {9, 4, 4}},
    {"5_vds.h5", "vds_dset", {9, 4, 4}},
    {"vds-eiger.h5", "VDS-Eiger", {5, 10, 10}},
    {"vds-percival-unlim-maxmin.h5", "VDS-Percival-unlim-maxmin", {32, 10, 10}},
};

START_TEST(test_vds_extent_corpus_matches_h5ls)
{
    c5_file *f = open_corpus(corpus[_i].file);
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, corpus[_i].dset), 0);
    c5_space s;
    ck_assert_int_eq(c5_dataset_space(&s, o), 0);
    int rc = c5_vds_extent(o, &s);
    ck_assert_msg(rc == 0, "%s: %s", corpus[_i].file, c5_errmsg(f));
    ck_assert_int_eq(s.rank, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(s.dims[i], corpus[_i].dims[i]);
    ck_assert(s.maxdims[0] == UNL);
    c5_object_close(o);
    c5_file_close(f);
}
END_TEST

START_TEST(test_vds_extent_rejects_non_virtual_layout)
{
    c5_file *f = open_corpus("1_a.h5");
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, "/source_dset"), 0);
    c5_space s;
    ck_assert_int_eq(c5_dataset_space(&s, o), 0);
    ck_assert_int_eq(c5_vds_extent(o, &s), C5_EINVAL);
    c5_object_close(o);
    c5_file_close(f);
}
END_TEST

/* ---- clipping ------------------------------------------------------------- */

START_TEST(test_vds_extent_unlimited_block_follows_source)
{
    blk k;
    one_mapping(&k, "1_a.h5", (uint64_t[]){0, 1, 1, UNL}, (uint64_t[]){3, 1, 1, UNL});
    ck_assert_uint_eq(run_ok(&k, 1), 8); /* 3 + 5 source rows */
    one_mapping(&k, "1_a.h5", (uint64_t[]){2, 1, 1, UNL}, (uint64_t[]){0, 1, 1, UNL});
    ck_assert_uint_eq(run_ok(&k, 1), 3); /* rows 2..4 of the source */
    one_mapping(&k, "1_a.h5", (uint64_t[]){7, 1, 1, UNL}, (uint64_t[]){4, 1, 1, UNL});
    ck_assert_uint_eq(run_ok(&k, 9), 0); /* source too short: empty */
}
END_TEST

START_TEST(test_vds_extent_strided_blocks_clip_like_libhdf5)
{
    blk k;
    /* 5 source rows -> 5 one-row blocks 4 apart: last row 1 + 4*4 */
    one_mapping(&k, "1_a.h5", (uint64_t[]){0, 1, UNL, 1}, (uint64_t[]){1, 4, UNL, 1});
    ck_assert_uint_eq(run_ok(&k, 1), 18);
    /* source blocks rows 1-2 and 4(-5 cut): 3 slices; virtual blocks of 2
     * five apart: rows 0-1 and 5 */
    one_mapping(&k, "1_a.h5", (uint64_t[]){1, 3, UNL, 2}, (uint64_t[]){0, 5, UNL, 2});
    ck_assert_uint_eq(run_ok(&k, 1), 6);
    /* a lone first block cut by the extent counts whole in libhdf5 */
    one_mapping(&k, "1_a.h5", (uint64_t[]){4, 5, UNL, 3}, (uint64_t[]){0, 7, UNL, 3});
    ck_assert_uint_eq(run_ok(&k, 1), 3);
    /* unlimited count on one side, unlimited block on the other */
    one_mapping(&k, "1_a.h5", (uint64_t[]){0, 1, 1, UNL}, (uint64_t[]){2, 3, UNL, 2});
    ck_assert_uint_eq(run_ok(&k, 1), 2 + 2 * 3 + 1);
}
END_TEST

START_TEST(test_vds_extent_max_over_mappings_and_min_dims)
{
    blk k;
    uint64_t sd[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t v1[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t v2[3][4] = {{6, 1, 1, UNL}, {2, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t lim[3][4] = {{0, 1, 1, 12}, {4, 1, 1, 1}, {0, 1, 1, 1}};
    uint64_t lsrc[3][4] = {{0, 1, 1, 12}, {0, 1, 1, 1}, {0, 1, 1, 1}};
    begin(&k, 3);
    put_str(&k, "1_a.h5");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, v1);
    put_str(&k, "1_c.h5");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, v2);
    put_str(&k, "never_opened.h5");
    put_str(&k, "/x");
    sel_reg(&k, 2, 8, 3, lsrc);
    sel_reg(&k, 2, 8, 3, lim);
    finish(&k);
    ck_assert_uint_eq(run_ok(&k, 12), 12); /* 5 and 11, but 12 rows are mapped */
    ck_assert_int_eq(run(&k, 11, NULL), C5_ECORRUPT); /* stored extent too small */

    /* without the limited mapping the largest unlimited one wins */
    begin(&k, 2);
    put_str(&k, "1_a.h5");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, v1);
    put_str(&k, "1_c.h5");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, v2);
    finish(&k);
    ck_assert_uint_eq(run_ok(&k, 100), 11);
}
END_TEST

START_TEST(test_vds_extent_missing_source_is_empty)
{
    blk k;
    one_mapping(&k, "nothere.h5", (uint64_t[]){0, 1, 1, UNL}, (uint64_t[]){3, 1, 1, UNL});
    ck_assert_uint_eq(run_ok(&k, 40), 0);
    /* the file exists but not the dataset */
    uint64_t sd[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    begin(&k, 1);
    put_str(&k, "1_a.h5");
    put_str(&k, "/nothere");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, sd);
    finish(&k);
    ck_assert_uint_eq(run_ok(&k, 40), 0);
    /* an absolute name that does not exist falls back to its last part */
    char abs[64];
    snprintf(abs, sizeof abs, "/nonexistent-%d/1_a.h5", (int)getpid());
    one_mapping(&k, abs, (uint64_t[]){0, 1, 1, UNL}, (uint64_t[]){1, 1, 1, UNL});
    ck_assert_uint_eq(run_ok(&k, 40), 6);
}
END_TEST

START_TEST(test_vds_extent_same_file_source)
{
    /* "." is the virtual dataset's own file (here 1_a.h5, 5 rows) */
    c5_file *f = open_corpus("1_a.h5");
    blk k;
    uint64_t sd[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t vd[3][4] = {{2, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    begin(&k, 1);
    put_str(&k, ".");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, sd);
    sel_reg(&k, 2, 8, 3, vd);
    finish(&k);
    c5_space s = space3(1, 2, 8);
    ck_assert_int_eq(c5_vds_extent_block(f, k.b, k.n, 0, &s), 0);
    ck_assert_uint_eq(s.dims[0], 7);
    /* a virtual source counts with its stored extent (1_vds.h5 stores 0
     * rows): libhdf5 does not re-derive it either, and nothing recurses */
    c5_file_close(f);
    f = open_corpus("1_vds.h5");
    uint64_t sd2[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 18}, {0, 1, 1, 8}};
    uint64_t vd2[3][4] = {{2, 1, 1, UNL}, {0, 1, 1, 18}, {0, 1, 1, 8}};
    begin(&k, 1);
    put_str(&k, ".");
    put_str(&k, "/vds_dset");
    sel_reg(&k, 2, 8, 3, sd2);
    sel_reg(&k, 2, 8, 3, vd2);
    finish(&k);
    s = space3(1, 18, 8);
    ck_assert_int_eq(c5_vds_extent_block(f, k.b, k.n, 0, &s), 0);
    ck_assert_uint_eq(s.dims[0], 0); /* no slices: no extent, whatever the start */
    c5_file_close(f);
}
END_TEST

START_TEST(test_vds_extent_printf_names_stop_at_first_missing)
{
    c5_file *f = open_corpus("4_vds.h5");
    uint64_t vd[3][4] = {{1, 3, UNL, 3}, {0, 1, 1, 4}, {0, 1, 1, 4}};
    const struct {
        const char *file, *dset;
        uint64_t want;
    } cases[] = {
        {"4_%b.h5", "/source_dset", 1 + 2 * 3 + 3}, /* 4_0 .. 4_2 exist */
        {"4_%b.h5", "/source_%b", 0},
        {"4%%_%b.h5", "/source_dset", 0}, /* "4%_0.h5" */
        {".", "/vds_dset%b", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blk k;
        begin(&k, 1);
        put_str(&k, cases[i].file);
        put_str(&k, cases[i].dset);
        sel_simple(&k, 3);
        sel_reg(&k, 2, 8, 3, vd);
        finish(&k);
        c5_space s = space3(9, 4, 4);
        ck_assert_int_eq(c5_vds_extent_block(f, k.b, k.n, 0, &s), 0);
        ck_assert_uint_eq(s.dims[0], cases[i].want);
    }
    c5_file_close(f);
}
END_TEST

/* ---- encodings ------------------------------------------------------------ */

START_TEST(test_vds_extent_every_hyperslab_encoding)
{
    uint64_t sd[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t vd[3][4] = {{3, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    unsigned encs[] = {2, 4, 8};
    for (size_t i = 0; i < 3; i++) {
        blk k;
        begin(&k, 1);
        put_str(&k, "1_a.h5");
        put_str(&k, "/source_dset");
        sel_reg(&k, 3, encs[i], 3, sd);
        sel_reg(&k, 3, encs[i], 3, vd);
        finish(&k);
        ck_assert_uint_eq(run_ok(&k, 1), 8);
    }
    /* block lists in versions 1, 2 and 3 bound the limited extent */
    const uint64_t blocks[] = {0, 2, 0, 3, 3, 7, /* second block: */ 5, 0, 0, 12, 1, 0};
    int vers[] = {1, 2, 3, 3};
    unsigned venc[] = {4, 8, 2, 8};
    for (size_t i = 0; i < 4; i++) {
        blk k;
        begin(&k, 1);
        put_str(&k, "1_a.h5");
        put_str(&k, "/source_dset");
        sel_irr(&k, vers[i], venc[i], 3, 2, blocks);
        sel_irr(&k, vers[i], venc[i], 3, 2, blocks);
        finish(&k);
        ck_assert_uint_eq(run_ok(&k, 13), 13);
        ck_assert_int_eq(run(&k, 12, NULL), C5_ECORRUPT);
    }
    /* an empty block list leaves libhdf5's default "all" selection; none
     * and all selections set no minimum */
    blk k;
    begin(&k, 2);
    put_str(&k, "a.h5");
    put_str(&k, "b");
    sel_irr(&k, 1, 4, 3, 0, NULL);
    sel_irr(&k, 1, 4, 3, 0, NULL);
    put_str(&k, "a.h5");
    put_str(&k, "b");
    sel_simple(&k, 0);
    sel_simple(&k, 0);
    finish(&k);
    ck_assert_uint_eq(run_ok(&k, 0), 0);
    /* a zero count makes the selection empty */
    uint64_t z[3][4] = {{0, 1, 1, UNL}, {0, 1, 0, 2}, {0, 1, 1, 8}};
    begin(&k, 1);
    put_str(&k, "1_a.h5");
    put_str(&k, "/source_dset");
    sel_reg(&k, 2, 8, 3, z);
    sel_reg(&k, 2, 8, 3, z);
    finish(&k);
    ck_assert_uint_eq(run_ok(&k, 4), 4);
}
END_TEST

/* ---- malformed blocks ------------------------------------------------------- */

typedef void (*builder)(blk *k);

static void b_good(blk *k)
{
    one_mapping(k, "1_a.h5", (uint64_t[]){0, 1, 1, UNL}, (uint64_t[]){3, 1, 1, UNL});
}
static void b_version(blk *k)
{
    b_good(k);
    k->b[0] = 1;
    k->n -= 4;
    finish(k);
}
static void b_checksum(blk *k)
{
    b_good(k);
    k->b[20] ^= 1;
}
static void b_short(blk *k)
{
    k->n = 0;
    put(k, 0, 1);
    put(k, 0, 4);
    finish(k);
}
static void b_too_many(blk *k)
{
    b_good(k);
    k->n -= 4;
    k->b[1] = 0xff;
    k->b[8] = 0x7f;
    finish(k);
}
static void b_trailing(blk *k)
{
    b_good(k);
    k->n -= 4;
    put(k, 0, 3);
    finish(k);
}
static void b_unterminated(blk *k)
{
    begin(k, 1);
    for (int i = 0; i < 40; i++)
        put(k, 'a', 1);
    finish(k);
}
static void b_points(blk *k)
{
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    put(k, 1, 4);
    put(k, 1, 4);
    put(k, 0, 8);
    put(k, 3, 4);
    put(k, 1, 4);
    put(k, 0, 12);
    sel_simple(k, 3);
    finish(k);
}
static void map2(blk *k, uint64_t s[][4], uint64_t v[][4], const char *file)
{
    begin(k, 1);
    put_str(k, file);
    put_str(k, "/source_dset");
    sel_reg(k, 2, 8, 3, s);
    sel_reg(k, 2, 8, 3, v);
    finish(k);
}
static void b_overlap(blk *k)
{
    uint64_t d[3][4] = {{0, 1, 2, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, d, d, "1_a.h5");
}
static void b_two_unlimited(blk *k)
{
    uint64_t d[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, UNL}, {0, 1, 1, 8}};
    map2(k, d, d, "1_a.h5");
}
static void b_both_unlimited(blk *k)
{
    uint64_t d[3][4] = {{0, UNL, UNL, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, d, d, "1_a.h5");
}
static void b_bad_format(blk *k)
{
    uint64_t d[3][4] = {{0, 1, 1, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, d, d, "1_%d.h5");
}
static void b_printf_limited(blk *k)
{
    uint64_t d[3][4] = {{0, 1, 1, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, d, d, "1_%b.h5");
}
static void b_no_printf(blk *k)
{
    uint64_t s[3][4] = {{0, 1, 1, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t v[3][4] = {{0, 2, UNL, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, s, v, "1_a.h5");
}
static void b_printf_block(blk *k)
{
    uint64_t s[3][4] = {{0, 1, 1, 2}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t v[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, s, v, "1_%b.h5");
}
static void b_nenu(blk *k)
{
    uint64_t s[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t v[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 4}, {0, 1, 1, 8}};
    map2(k, s, v, "1_a.h5");
}
static void b_rank(blk *k)
{
    uint64_t d[2][4] = {{0, 1, 1, UNL}, {0, 1, 1, 16}};
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_reg(k, 2, 8, 2, d);
    sel_reg(k, 2, 8, 2, d);
    finish(k);
}
static void b_end_before_start(blk *k)
{
    const uint64_t bl[] = {3, 0, 0, 2, 1, 7};
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_irr(k, 1, 4, 3, 1, bl);
    sel_irr(k, 1, 4, 3, 1, bl);
    finish(k);
}
static void b_long_list(blk *k)
{
    const uint64_t bl[] = {0, 0, 0, 2, 1, 7};
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_irr(k, 2, 8, 3, 1, bl);
    k->b[k->n - 48 - 8] = 0xff; /* block count low byte */
    k->b[k->n - 48 - 1] = 0x10; /* and a high one */
    sel_irr(k, 2, 8, 3, 1, bl);
    finish(k);
}
static void b_hyper_version(blk *k)
{
    b_good(k);
    k->n -= 4;
    k->b[1 + 8 + 7 + 13 + 4] = 4; /* source selection version */
    finish(k);
}
static void b_enc_size(blk *k)
{
    uint64_t d[3][4] = {{0, 1, 1, UNL}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_reg(k, 3, 3, 3, d);
    sel_reg(k, 3, 8, 3, d);
    finish(k);
}
static void b_rank0(blk *k)
{
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_irr(k, 2, 8, 0, 1000, NULL);
    sel_simple(k, 3);
    finish(k);
}
static void b_rank33(blk *k)
{
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    put(k, 2, 4);
    put(k, 2, 4);
    put(k, 1, 1);
    put(k, 0, 4);
    put(k, 33, 4);
    put(k, 0, 33 * 32);
    sel_simple(k, 3);
    finish(k);
}
static void b_sel_type(blk *k)
{
    begin(k, 1);
    put_str(k, "1_a.h5");
    put_str(k, "/source_dset");
    sel_simple(k, 4);
    sel_simple(k, 3);
    finish(k);
}
static void b_overflow(blk *k)
{
    uint64_t d[3][4] = {{UINT64_MAX - 3, 1, 1, 8}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    map2(k, d, d, "1_a.h5");
}

static const struct {
    const char *name;
    builder build;
    int want;
} bad_blocks[] = {
    {"version", b_version, C5_EUNSUPPORTED},
    {"checksum", b_checksum, C5_ECORRUPT},
    {"short", b_short, C5_ECORRUPT},
    {"too many entries", b_too_many, C5_ECORRUPT},
    {"trailing bytes", b_trailing, C5_ECORRUPT},
    {"unterminated name", b_unterminated, C5_ECORRUPT},
    {"point selection", b_points, C5_ECORRUPT},
    {"overlapping blocks", b_overlap, C5_ECORRUPT},
    {"two unlimited dimensions", b_two_unlimited, C5_ECORRUPT},
    {"count and block unlimited", b_both_unlimited, C5_ECORRUPT},
    {"bad format specifier", b_bad_format, C5_ECORRUPT},
    {"%b with limited selections", b_printf_limited, C5_ECORRUPT},
    {"unlimited virtual without %b", b_no_printf, C5_ECORRUPT},
    {"printf with unlimited block", b_printf_block, C5_ECORRUPT},
    {"element counts differ", b_nenu, C5_ECORRUPT},
    {"rank mismatch", b_rank, C5_ECORRUPT},
    {"block ends before start", b_end_before_start, C5_ECORRUPT},
    {"block list too long", b_long_list, C5_ECORRUPT},
    {"hyperslab version", b_hyper_version, C5_ECORRUPT},
    {"integer size", b_enc_size, C5_ECORRUPT},
    {"rank 0", b_rank0, C5_ECORRUPT},
    {"rank 33", b_rank33, C5_ECORRUPT},
    {"selection type", b_sel_type, C5_ECORRUPT},
    {"coordinates overflow", b_overflow, C5_ECORRUPT},
};

START_TEST(test_vds_extent_malformed_block_fails_cleanly)
{
    blk k;
    memset(&k, 0, sizeof k);
    bad_blocks[_i].build(&k);
    uint64_t d = 0;
    int rc = run(&k, 5, &d);
    ck_assert_msg(rc == bad_blocks[_i].want, "%s: rc %d", bad_blocks[_i].name, rc);
    b_good(&k);
    ck_assert_uint_eq(run_ok(&k, 5), 8);
}
END_TEST

START_TEST(test_vds_extent_random_damage_never_crashes)
{
    c5_file *f = open_corpus("1_vds.h5");
    blk good, k;
    uint64_t sd[3][4] = {{0, 1, UNL, 1}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    uint64_t vd[3][4] = {{1, 4, UNL, 1}, {0, 1, 1, 2}, {0, 1, 1, 8}};
    const uint64_t bl[] = {0, 2, 0, 3, 3, 7};
    begin(&good, 2);
    put_str(&good, "1_a.h5");
    put_str(&good, "/source_dset");
    sel_reg(&good, 2, 8, 3, sd);
    sel_reg(&good, 3, 4, 3, vd);
    put_str(&good, "1_b.h5");
    put_str(&good, "/source_dset");
    sel_irr(&good, 1, 4, 3, 1, bl);
    sel_irr(&good, 3, 2, 3, 1, bl);
    finish(&good);
    size_t body = good.n - 4;
    int ok = 0, failed = 0;
    const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x25, 0x62, 0x7f, 0x80, 0xfe, 0xff};
    for (size_t i = 0; i < body; i++) {
        for (size_t j = 0; j < sizeof vals; j++) {
            k = good;
            k.b[i] = vals[j];
            k.n = body;
            finish(&k);
            c5_space s = space3(5, 18, 8);
            int rc = c5_vds_extent_block(f, k.b, k.n, 0, &s);
            ck_assert_int_le(rc, 0);
            if (rc)
                failed++;
            else
                ok++;
        }
    }
    for (size_t len = 0; len < body; len++) {
        k = good;
        k.n = len;
        finish(&k);
        c5_space s = space3(5, 18, 8);
        ck_assert_int_lt(c5_vds_extent_block(f, k.b, k.n, 0, &s), 0);
        ck_assert_int_lt(c5_vds_extent_block(f, k.b, len, 0, &s), 0);
    }
    ck_assert_int_gt(ok, 0);
    ck_assert_int_gt(failed, 0);
    c5_file_close(f);
}
END_TEST


/* ---- reads ------------------------------------------------------------- */

static const char *fixture(const char *name)
{
    static char p[512];
    const char *dirs[] = {"tests/fixtures", "../tests/fixtures", "/work/main/tests/fixtures"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dirs[i], name);
        if (access(p, R_OK) == 0)
            return p;
    }
    ck_abort_msg("fixture %s not found", name);
    return NULL;
}

typedef struct whole {
    c5_object *o;
    c5_space sp;
    size_t esz;
    uint64_t n;
    uint8_t *buf;
} whole;

static void whole_read(c5_file *f, const char *name, whole *w)
{
    ck_assert_int_eq(c5_object_open(&w->o, f, name), 0);
    ck_assert_int_eq(c5_dataset_space(&w->sp, w->o), 0);
    c5_type *t = NULL;
    ck_assert_int_eq(c5_object_type(&t, w->o), 0);
    w->esz = c5_type_size(t);
    c5_type_close(t);
    w->n = 1;
    for (int i = 0; i < w->sp.rank; i++)
        w->n *= w->sp.dims[i];
    w->buf = malloc(w->n * w->esz + 1);
    ck_assert_ptr_nonnull(w->buf);
    ck_assert_msg(c5_dataset_read(w->o, NULL, NULL, w->buf, w->n * w->esz) == 0, "%s: %s", name,
                  c5_errmsg(f));
}

static int32_t i32_at(const whole *w, uint64_t i)
{
    int32_t v;
    memcpy(&v, w->buf + i * 4, 4);
    return v;
}

START_TEST(test_vds_read_known_values)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, fixture("vds.h5"), NULL), 0);
    whole w;
    /* later mappings win; unmapped elements hold the fill value */
    whole_read(f, "overlap", &w);
    const int32_t ov[12] = {1, 2, 3, 100, 101, 102, 103, 104, 42, 42, 42, 42};
    ck_assert_uint_eq(w.n, 12);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(i32_at(&w, (uint64_t)i), ov[i]);
    c5_object_close(w.o);
    free(w.buf);
    /* int16 sources of both byte orders; a missing source file is fill */
    whole_read(f, "stack", &w);
    for (uint64_t i = 0; i < 60; i++) {
        ck_assert_int_eq(i32_at(&w, i), (int32_t)i);
        ck_assert_int_eq(i32_at(&w, 60 + i), -3 * (int32_t)i);
        ck_assert_int_eq(i32_at(&w, 120 + i), -1);
    }
    c5_object_close(w.o);
    free(w.buf);
    /* a 1-D source of another dataset in the same file, seen as 6 x 10 */
    whole_read(f, "reshape", &w);
    for (uint64_t i = 0; i < 60; i++)
        ck_assert_int_eq(i32_at(&w, i), 7 * (int32_t)i);
    c5_object_close(w.o);
    free(w.buf);
    /* unlimited mappings: 7 + 5 interleaved rows, the gap at row 11 */
    whole_read(f, "unlim", &w);
    ck_assert_uint_eq(w.sp.dims[0], 13);
    ck_assert_int_eq(i32_at(&w, 4 * 3 + 1), -5);
    ck_assert_int_eq(i32_at(&w, 4 * 11), -99);
    ck_assert_int_eq(i32_at(&w, 4 * 12 + 3), 27);
    c5_object_close(w.o);
    free(w.buf);
    /* printf: blocks of 2 rows from p0, p1, p2 with one fill row between
     * (big-endian int16 on file) */
    whole_read(f, "printf", &w);
    ck_assert_uint_eq(w.sp.dims[0], 8);
    int16_t row2 = (int16_t)((w.buf[12] << 8) | w.buf[13]);
    int16_t last = (int16_t)((w.buf[8 * 6 - 2] << 8) | w.buf[8 * 6 - 1]);
    ck_assert_int_eq(row2, -5);
    ck_assert_int_eq(last, 25);
    c5_object_close(w.o);
    free(w.buf);
    c5_file_close(f);
}
END_TEST

static uint32_t vrng = 777;
static uint64_t vrnd(uint64_t n)
{
    vrng ^= vrng << 13;
    vrng ^= vrng >> 17;
    vrng ^= vrng << 5;
    return n ? vrng % n : 0;
}

static const char *read_dsets[] = {"stack",       "interleave", "reshape", "overlap", "unlim",
                                   "all_missing", "printf",     "blocks",  "compound"};

/* Random hyperslabs and points of each dataset equal the whole read. */
START_TEST(test_vds_read_selections_match_whole_read)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, fixture("vds.h5"), NULL), 0);
    whole w;
    whole_read(f, read_dsets[_i], &w);
    int rank = w.sp.rank;
    size_t cap = (w.n > 40 ? w.n : 40) * w.esz;
    uint8_t *got = malloc(cap), *want = malloc(cap);
    for (int round = 0; round < 400; round++) {
        uint64_t st[C5_MAX_RANK], sd[C5_MAX_RANK], ct[C5_MAX_RANK], bk[C5_MAX_RANK];
        uint64_t nsel = 1;
        for (int i = 0; i < rank; i++) {
            uint64_t d = w.sp.dims[i];
            bk[i] = 1 + vrnd(d < 3 ? d : 3);
            sd[i] = bk[i] + vrnd(3);
            ct[i] = 1 + vrnd(4);
            while (ct[i] > 1 && (ct[i] - 1) * sd[i] + bk[i] > d)
                ct[i]--;
            uint64_t span = (ct[i] - 1) * sd[i] + bk[i];
            st[i] = vrnd(d - span + 1);
            nsel *= ct[i] * bk[i];
        }
        /* expected: walk the selection in C order */
        uint64_t idx[C5_MAX_RANK] = {0}, ext[C5_MAX_RANK];
        for (int i = 0; i < rank; i++)
            ext[i] = ct[i] * bk[i];
        for (uint64_t e = 0; e < nsel; e++) {
            uint64_t lin = 0;
            for (int i = 0; i < rank; i++)
                lin = lin * w.sp.dims[i] + st[i] + idx[i] / bk[i] * sd[i] + idx[i] % bk[i];
            memcpy(want + e * w.esz, w.buf + lin * w.esz, w.esz);
            for (int i = rank - 1; i >= 0 && ++idx[i] == ext[i]; i--)
                idx[i] = 0;
        }
        c5_hyperslab h = {.rank = rank, .start = st, .stride = sd, .count = ct, .block = bk};
        memset(got, 0xa5, cap);
        ck_assert_msg(c5_dataset_read(w.o, NULL, &h, got, nsel * w.esz) == 0, "%s: %s",
                      read_dsets[_i], c5_errmsg(f));
        ck_assert_msg(memcmp(got, want, nsel * w.esz) == 0, "%s round %d", read_dsets[_i], round);
    }
    uint64_t pts[40 * C5_MAX_RANK];
    for (int p = 0; p < 40; p++)
        for (int i = 0; i < rank; i++)
            pts[p * rank + i] = vrnd(w.sp.dims[i]);
    ck_assert_int_eq(c5_dataset_read_points(w.o, NULL, 40, pts, got, 40 * w.esz), 0);
    for (int p = 0; p < 40; p++) {
        uint64_t lin = 0;
        for (int i = 0; i < rank; i++)
            lin = lin * w.sp.dims[i] + pts[p * rank + i];
        ck_assert(memcmp(got + p * w.esz, w.buf + lin * w.esz, w.esz) == 0);
    }
    free(got);
    free(want);
    free(w.buf);
    c5_object_close(w.o);
    c5_file_close(f);
}
END_TEST

START_TEST(test_vds_read_converts_and_reads_strings)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, fixture("vds.h5"), NULL), 0);
    whole w;
    whole_read(f, "stack", &w);
    c5_type *dbl = NULL;
    ck_assert_int_eq(c5_type_native(&dbl, C5_NATIVE_DOUBLE), 0);
    double *d = malloc(w.n * sizeof *d);
    ck_assert_int_eq(c5_dataset_read(w.o, dbl, NULL, d, w.n * sizeof *d), 0);
    for (uint64_t i = 0; i < w.n; i++)
        ck_assert(d[i] == (double)i32_at(&w, i));
    free(d);
    c5_type_close(dbl);
    c5_object_close(w.o);
    free(w.buf);

    c5_object *o = NULL;
    c5_type *t = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, "strings"), 0);
    ck_assert_int_eq(c5_object_type(&t, o), 0);
    char *s[4] = {0}, raw[64];
    ck_assert_int_eq(c5_dataset_read(o, t, NULL, s, sizeof s), 0);
    const char *want[4] = {"one", "two", "", "four-four"};
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(s[i], want[i]);
    c5_reclaim(t, s, 4);
    /* the file form would point into the sources' heaps */
    ck_assert_int_eq(c5_dataset_read(o, NULL, NULL, raw, sizeof raw), C5_EUNSUPPORTED);
    uint64_t st = 3, ct = 1;
    c5_hyperslab h = {.rank = 1, .start = &st, .count = &ct};
    ck_assert_int_eq(c5_dataset_read(o, t, &h, s, sizeof s), 0);
    ck_assert_str_eq(s[0], "four-four");
    c5_reclaim(t, s, 1);
    c5_type_close(t);
    c5_object_close(o);
    c5_file_close(f);
}
END_TEST

/* Sources that lead back to the dataset: libhdf5 overflows its stack;
 * cfive stops at a nesting limit with an error. */
START_TEST(test_vds_read_source_loop_fails_cleanly)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, fixture("vds/loop.h5"), NULL), 0);
    const char *names[] = {"loop", "ping", "pong"};
    for (int i = 0; i < 3; i++) {
        c5_object *o = NULL;
        int32_t v[4];
        ck_assert_int_eq(c5_object_open(&o, f, names[i]), 0);
        ck_assert_int_eq(c5_dataset_read(o, NULL, NULL, v, sizeof v), C5_ECORRUPT);
        ck_assert_ptr_nonnull(strstr(c5_errmsg(f), "nested"));
        c5_object_close(o);
    }
    c5_file_close(f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vds");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_vds_extent_corpus_matches_h5ls, 0,
                        (int)(sizeof corpus / sizeof corpus[0]));
    tcase_add_test(tc, test_vds_extent_rejects_non_virtual_layout);
    tcase_add_test(tc, test_vds_extent_unlimited_block_follows_source);
    tcase_add_test(tc, test_vds_extent_strided_blocks_clip_like_libhdf5);
    tcase_add_test(tc, test_vds_extent_max_over_mappings_and_min_dims);
    tcase_add_test(tc, test_vds_extent_missing_source_is_empty);
    tcase_add_test(tc, test_vds_extent_same_file_source);
    tcase_add_test(tc, test_vds_extent_printf_names_stop_at_first_missing);
    tcase_add_test(tc, test_vds_extent_every_hyperslab_encoding);
    tcase_add_loop_test(tc, test_vds_extent_malformed_block_fails_cleanly, 0,
                        (int)(sizeof bad_blocks / sizeof bad_blocks[0]));
    tcase_add_test(tc, test_vds_extent_random_damage_never_crashes);
    tcase_add_test(tc, test_vds_read_known_values);
    tcase_add_loop_test(tc, test_vds_read_selections_match_whole_read, 0,
                        (int)(sizeof read_dsets / sizeof read_dsets[0]));
    tcase_add_test(tc, test_vds_read_converts_and_reads_strings);
    tcase_add_test(tc, test_vds_read_source_loop_fails_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
