/* Chunk indexes: every index type on fixtures made by h5py (see
 * tests/fixtures/chunk/gen.py, whose element values follow
 * value(i) = (i * 7 + 3) % 251 over the C-order element index), on files
 * of the HDF5 1.14 test suite, and on corrupted images. */
#include "object.h"

#include "unit.h"

#include "chunk/chunk.h"

#include <stdio.h>
#ifdef C5_HAVE_ZLIB
#include <zlib.h>
#endif

#define MAXCH 4096

static const char *fixture_dir(void)
{
    static const char *cand[] = {"tests/fixtures/chunk", "../tests/fixtures/chunk",
                                 "/work/main/tests/fixtures/chunk"};
    for (size_t i = 0; i < sizeof cand / sizeof *cand; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/chunk_v4.h5", cand[i]);
        FILE *fp = fopen(p, "rb");
        if (fp) {
            fclose(fp);
            return cand[i];
        }
    }
    return cand[0];
}


static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    ck_assert(len > 0);
    rewind(fp);
    uint8_t *b = malloc((size_t)len);
    ck_assert(b != NULL);
    ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

/* An open dataset with its index. */
typedef struct ds {
    c5_file *f;
    c5_object *o;
    c5_chunk_geom g;
    c5_chunk_index *ix;
} ds;

/* Fill the geometry the way the dataset layer does. */
static int ds_geom(ds *d)
{
    c5_object *o = d->o;
    int rc = c5_dataset_load(o);
    if (rc)
        return rc;
    if (o->layout.cls != C5_LAYOUT_CHUNKED)
        return C5_EINVAL;
    memset(&d->g, 0, sizeof d->g);
    d->g.rank = o->space.rank;
    d->g.elem_size = o->type->size;
    d->g.chunk_bytes = d->g.elem_size;
    for (int i = 0; i < d->g.rank; i++) {
        d->g.dims[i] = o->space.dims[i];
        d->g.maxdims[i] = o->space.maxdims[i];
        d->g.chunk[i] = o->layout.chunk[i];
        d->g.chunk_bytes *= d->g.chunk[i];
    }
    size_t pos = 0;
    c5_mbody b;
    d->g.filtered = c5_ohdr_find(d->f, o->oh, C5_MSG_PIPELINE, &pos, &b) == 0;
    if (d->g.filtered)
        c5_mbody_free(d->f, &b);
    return 0;
}

/* Open dataset `path` of f and its index; returns the index open code. */
static int ds_open(ds *d, c5_file *f, const char *path)
{
    memset(d, 0, sizeof *d);
    d->f = f;
    int rc = c5_object_open(&d->o, f, path);
    if (rc)
        return rc;
    if ((rc = ds_geom(d)))
        return rc;
    return c5_chunk_index_open(f, &d->o->layout, &d->g, &d->ix);
}

static void ds_close(ds *d)
{
    c5_chunk_index_close(d->ix);
    c5_object_close(d->o);
}

typedef struct coll {
    c5_chunk_rec r[MAXCH];
    size_t n;
} coll;

static int collect(void *ud, const c5_chunk_rec *rec)
{
    coll *c = ud;
    ck_assert_uint_lt(c->n, MAXCH);
    c->r[c->n++] = *rec;
    return 0;
}

static uint64_t expect_value(uint64_t i)
{
    return (i * 7 + 3) % 251;
}

/* The stored bytes of a chunk, unfiltered; NULL when they cannot be
 * decoded here (a filter other than deflate, or no zlib). */
static uint8_t *chunk_bytes(ds *d, const c5_chunk_rec *r)
{
    uint8_t *raw = malloc(r->size ? r->size : 1);
    ck_assert(raw != NULL);
    ck_assert_int_eq(c5_read(d->f, r->addr, raw, r->size, "chunk"), 0);
    if (!d->g.filtered) {
        ck_assert_uint_eq(r->size, d->g.chunk_bytes);
        return raw;
    }
#ifdef C5_HAVE_ZLIB
    uint8_t *out = malloc(d->g.chunk_bytes);
    uLongf n = (uLongf)d->g.chunk_bytes;
    ck_assert_int_eq(uncompress(out, &n, raw, (uLong)r->size), Z_OK);
    ck_assert_uint_eq(n, d->g.chunk_bytes);
    free(raw);
    return out;
#else
    free(raw);
    return NULL;
#endif
}

/* Every in-bounds element of the chunk follows the fixture formula. */
static void check_content(ds *d, const c5_chunk_rec *r)
{
    uint8_t *b = chunk_bytes(d, r);
    if (!b)
        return;
    const c5_chunk_geom *g = &d->g;
    uint64_t n = g->chunk_bytes / g->elem_size;
    for (uint64_t q = 0; q < n; q++) {
        uint64_t t = q, c[C5_MAX_RANK], lin = 0;
        int in = 1;
        for (int k = g->rank - 1; k >= 0; k--) {
            c[k] = t % g->chunk[k];
            t /= g->chunk[k];
        }
        for (int k = 0; k < g->rank; k++) {
            uint64_t x = r->scaled[k] * g->chunk[k] + c[k];
            in &= x < g->dims[k];
            lin = lin * g->dims[k] + x;
        }
        if (!in)
            continue;
        uint64_t v = c5_le(b + q * g->elem_size, (unsigned)g->elem_size);
        ck_assert_msg(v == expect_value(lin), "chunk %llu/%llu element %llu: %llu, expected %llu",
                      (unsigned long long)r->scaled[0], (unsigned long long)r->scaled[1],
                      (unsigned long long)q, (unsigned long long)v,
                      (unsigned long long)expect_value(lin));
    }
    free(b);
}

/* Iterate, check each chunk is found by lookup with the same record, that
 * every other chunk of the grid is absent, and (optionally) contents. */
static void check_index(ds *d, size_t want, int content)
{
    static coll c;
    c.n = 0;
    ck_assert_int_eq(c5_chunk_iterate(d->ix, collect, &c), 0);
    ck_assert_uint_eq(c.n, want);
    for (size_t i = 0; i < c.n; i++) {
        c5_chunk_rec r;
        ck_assert_int_eq(c5_chunk_lookup(d->ix, c.r[i].scaled, &r), 0);
        ck_assert_uint_eq(r.addr, c.r[i].addr);
        ck_assert_uint_eq(r.size, c.r[i].size);
        ck_assert_uint_eq(r.filter_mask, c.r[i].filter_mask);
        for (size_t j = 0; j < i; j++)
            ck_assert(memcmp(c.r[j].scaled, c.r[i].scaled, sizeof c.r[i].scaled) != 0);
        if (content)
            check_content(d, &c.r[i]);
    }
    /* walk the grid: chunks not iterated are not found (a dataset that
     * shrank may keep chunks past its extent: those are not walked) */
    uint64_t grid[C5_MAX_RANK], total = 1;
    for (int k = 0; k < d->g.rank; k++) {
        grid[k] = (d->g.dims[k] + d->g.chunk[k] - 1) / d->g.chunk[k];
        total *= grid[k];
    }
    size_t inside = 0;
    for (size_t i = 0; i < c.n; i++) {
        int in = 1;
        for (int k = 0; k < d->g.rank; k++)
            in &= c.r[i].scaled[k] < grid[k];
        inside += in;
    }
    size_t found = 0;
    for (uint64_t q = 0; q < total; q++) {
        uint64_t sc[C5_MAX_RANK] = {0}, t = q;
        for (int k = d->g.rank - 1; k >= 0; k--) {
            sc[k] = t % grid[k];
            t /= grid[k];
        }
        c5_chunk_rec r;
        int rc = c5_chunk_lookup(d->ix, sc, &r);
        ck_assert_msg(rc == 0 || rc == C5_ENOTFOUND, "lookup: %d", rc);
        found += rc == 0;
    }
    ck_assert_uint_eq(found, inside);
}

static c5_file *open_fixture(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", fixture_dir(), name);
    c5_file *f;
    ck_assert_int_eq(c5_file_open(&f, p, NULL), 0);
    return f;
}

static void fixture_case(const char *file, const char *path, int type, size_t want)
{
    c5_file *f = open_fixture(file);
    ds d;
    int rc = ds_open(&d, f, path);
    ck_assert_msg(rc == 0, "%s %s: %d %s", file, path, rc, c5_errmsg(f));
    ck_assert_int_eq(d.o->layout.version < 4 ? 0 : d.o->layout.index_type, type);
    check_index(&d, want, 1);
    ds_close(&d);
    c5_file_close(f);
}

START_TEST(test_chunk_single_finds_the_one_chunk)
{
    fixture_case("chunk_v4.h5", "single", 1, 1);
    fixture_case("chunk_v4.h5", "single_gz", 1, 1);
    fixture_case("chunk_v4.h5", "single_empty", 1, 0);
}
END_TEST

START_TEST(test_chunk_implicit_computes_addresses)
{
    fixture_case("chunk_v4.h5", "implicit", 2, 12);
    fixture_case("chunk_v4.h5", "implicit_max", 2, 12);
}
END_TEST

START_TEST(test_chunk_farray_plain_filtered_paged)
{
    fixture_case("chunk_v4.h5", "fa", 3, 12);
    fixture_case("chunk_v4.h5", "fa_gz", 3, 12);
    fixture_case("chunk_v4.h5", "fa_paged", 3, 1100);
    fixture_case("chunk_v4.h5", "fa_paged_sparse_gz", 3, 2);
}
END_TEST

START_TEST(test_chunk_earray_blocks_and_swizzle)
{
    fixture_case("chunk_v4.h5", "ea", 4, 12);
    fixture_case("chunk_v4.h5", "ea_gz", 4, 12);
    fixture_case("chunk_v4.h5", "ea_dim1", 4, 12);
    fixture_case("chunk_v4.h5", "ea_sblock", 4, 300);
    fixture_case("chunk_v4.h5", "ea_sblock_gz", 4, 300);
}
END_TEST

START_TEST(test_chunk_earray_paged_sparse)
{
    fixture_case("chunk_ea_paged.h5", "ea_paged_sparse_gz", 4, 5);
}
END_TEST

START_TEST(test_chunk_btree2_records)
{
    fixture_case("chunk_v4.h5", "bt2", 5, 150);
    fixture_case("chunk_v4.h5", "bt2_gz", 5, 12);
}
END_TEST

START_TEST(test_chunk_btree1_layout_v3)
{
    fixture_case("chunk_v1.h5", "v1", 0, 12);
    fixture_case("chunk_v1.h5", "v1_gz", 0, 12);
    fixture_case("chunk_v1.h5", "v1_big", 0, 150);
    fixture_case("chunk_v1.h5", "v1_sparse", 0, 1);
}
END_TEST

/* Files of the HDF5 test suite: counts from h5py's get_num_chunks. */
static void corpus_case(const char *file, const char *path, int type, size_t want)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", unit_corpus_dir(), file);
    c5_file *f;
    ck_assert_msg(c5_file_open(&f, p, NULL) == 0, "open %s", p);
    ds d;
    int rc = ds_open(&d, f, path);
    ck_assert_msg(rc == 0, "%s %s: %d %s", file, path, rc, c5_errmsg(f));
    ck_assert_int_eq(d.o->layout.version < 4 ? 0 : d.o->layout.index_type, type);
    check_index(&d, want, 0);
    ds_close(&d);
    c5_file_close(f);
}

START_TEST(test_chunk_corpus_every_index_type)
{
    corpus_case("tdset_idx.h5", "/dset_fixed", 3, 8);
    corpus_case("tdset_idx.h5", "/dset_filter", 3, 8);
    corpus_case("h5copytst.h5", "/compressed", 3, 3);
    corpus_case("h5fc_non_v3.h5", "/GROUP/DSET_EA", 4, 4);
    corpus_case("h5fc_non_v3.h5", "/GROUP/DSET_BT2", 5, 4);
    corpus_case("h5fc_ext1_i.h5", "/DSET_NONE", 2, 4);
    corpus_case("h5fc_ext1_i.h5", "/DSET_NDATA_BT2", 5, 0);
    corpus_case("h5clear_mdc_image.h5", "/DSET", 3, 100);
    corpus_case("tdset2.h5", "/dset1", 0, 8);
    corpus_case("deflate.h5", "/Dataset1", 0, 8);
}
END_TEST

/* ---- malformed input ---------------------------------------------------- */

/* Flip one byte at every occurrence of sig (+ off) in a copy of the
 * fixture, then open `path` and walk its index: it must fail cleanly. */
static int corrupt_run(const char *file, const char *path, const char *sig, size_t off,
                       uint8_t xor)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", fixture_dir(), file);
    size_t n;
    uint8_t *img = slurp(p, &n);
    int hits = 0;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(img + i, sig, 4) == 0 && i + off < n) {
            img[i + off] ^= xor;
            hits++;
        }
    ck_assert_msg(hits > 0, "no %s in %s", sig, file);
    c5_file *f;
    ck_assert_int_eq(c5_file_open_mem(&f, img, n, NULL), 0);
    ds d;
    int rc = ds_open(&d, f, path);
    if (rc == 0) {
        static coll c;
        c.n = 0;
        rc = c5_chunk_iterate(d.ix, collect, &c);
        uint64_t sc[C5_MAX_RANK] = {0};
        c5_chunk_rec r;
        int rc2 = c5_chunk_lookup(d.ix, sc, &r);
        if (rc == 0)
            rc = rc2 == C5_ENOTFOUND ? 0 : rc2;
    }
    if (rc)
        ck_assert_msg(strlen(c5_errmsg(f)) > 0, "error without a message");
    ds_close(&d);
    c5_file_close(f);
    free(img);
    return rc;
}

START_TEST(test_chunk_corrupt_blocks_fail_checksums)
{
    /* a byte inside each structure, past its signature */
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "fa_paged", "FAHD", 7, 0x01), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "fa_paged", "FADB", 6, 0x40), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "ea_sblock", "EAHD", 8, 0x01), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "ea_sblock", "EAIB", 20, 0x10), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "ea_sblock", "EASB", 20, 0x10), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "ea_sblock", "EADB", 20, 0x10), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "bt2", "BTHD", 7, 0x01), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_v4.h5", "bt2", "BTLF", 9, 0x01), C5_ECORRUPT);
    ck_assert_int_eq(corrupt_run("chunk_ea_paged.h5", "ea_paged_sparse_gz", "EASB", 30, 0x01),
                     C5_ECORRUPT);
}
END_TEST

START_TEST(test_chunk_corrupt_btree1_fails_cleanly)
{
    /* wrong node type, then a level that does not descend */
    ck_assert_int_eq(corrupt_run("chunk_v1.h5", "v1_big", "TREE", 4, 0x02), C5_ECORRUPT);
    int rc = corrupt_run("chunk_v1.h5", "v1_big", "TREE", 5, 0x03);
    ck_assert(rc == C5_ECORRUPT || rc == 0);
    /* entries used inflated: the node reads past its keys or the file */
    rc = corrupt_run("chunk_v1.h5", "v1_big", "TREE", 7, 0x7f);
    ck_assert(rc < 0);
}
END_TEST

START_TEST(test_chunk_geometry_mismatch_is_refused)
{
    c5_file *f = open_fixture("chunk_v4.h5");
    ds d;
    ck_assert_int_eq(ds_open(&d, f, "fa_gz"), 0);
    c5_chunk_index_close(d.ix);
    d.ix = NULL;
    /* a pipeline the index disagrees with */
    c5_chunk_geom g = d.g;
    g.filtered = 0;
    c5_chunk_index *ix = NULL;
    ck_assert_int_eq(c5_chunk_index_open(f, &d.o->layout, &g, &ix), C5_ECORRUPT);
    ck_assert_ptr_null(ix);
    /* wrong rank, wrong chunk size */
    g = d.g;
    g.rank = 1;
    ck_assert_int_eq(c5_chunk_index_open(f, &d.o->layout, &g, &ix), C5_ECORRUPT);
    g = d.g;
    g.chunk_bytes += 1;
    ck_assert_int_eq(c5_chunk_index_open(f, &d.o->layout, &g, &ix), C5_ECORRUPT);
    /* an unlimited dimension under a fixed array */
    g = d.g;
    g.maxdims[0] = C5_UNLIMITED;
    ck_assert_int_eq(c5_chunk_index_open(f, &d.o->layout, &g, &ix), C5_ECORRUPT);
    ds_close(&d);
    /* lookups outside the grid are simply absent */
    ck_assert_int_eq(ds_open(&d, f, "fa"), 0);
    uint64_t far[C5_MAX_RANK] = {1000, 0};
    c5_chunk_rec r;
    ck_assert_int_eq(c5_chunk_lookup(d.ix, far, &r), C5_ENOTFOUND);
    ds_close(&d);
    c5_file_close(f);
}
END_TEST

static int stop_at_two(void *ud, const c5_chunk_rec *rec)
{
    (void)rec;
    return ++*(int *)ud == 2 ? 42 : 0;
}

START_TEST(test_chunk_iterate_stops_on_nonzero)
{
    static const char *paths[] = {"fa", "ea", "bt2", "implicit"};
    c5_file *f = open_fixture("chunk_v4.h5");
    for (size_t i = 0; i < 4; i++) {
        ds d;
        ck_assert_int_eq(ds_open(&d, f, paths[i]), 0);
        int n = 0;
        ck_assert_int_eq(c5_chunk_iterate(d.ix, stop_at_two, &n), 42);
        ck_assert_int_eq(n, 2);
        ds_close(&d);
    }
    c5_file_close(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chunk");
    TCase *tc = tcase_create("chunk");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_chunk_single_finds_the_one_chunk);
    tcase_add_test(tc, test_chunk_implicit_computes_addresses);
    tcase_add_test(tc, test_chunk_farray_plain_filtered_paged);
    tcase_add_test(tc, test_chunk_earray_blocks_and_swizzle);
    tcase_add_test(tc, test_chunk_earray_paged_sparse);
    tcase_add_test(tc, test_chunk_btree2_records);
    tcase_add_test(tc, test_chunk_btree1_layout_v3);
    tcase_add_test(tc, test_chunk_corpus_every_index_type);
    tcase_add_test(tc, test_chunk_corrupt_blocks_fail_checksums);
    tcase_add_test(tc, test_chunk_corrupt_btree1_fails_cleanly);
    tcase_add_test(tc, test_chunk_geometry_mismatch_is_refused);
    tcase_add_test(tc, test_chunk_iterate_stops_on_nonzero);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
