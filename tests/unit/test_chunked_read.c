/* Chunked reads: hyperslabs and points agree with the whole read, several
 * decode threads give the same bytes as one, and the chunk cache does not
 * change results. Fixtures: tests/fixtures/chunked*.h5 (h5py, every index
 * type and the filters h5py writes). */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static const char *FIXTURES[] = {"tests/fixtures/chunked.h5", "tests/fixtures/chunked_latest.h5"};
static const char *DSETS[] = {"be_int", "edges", "extensible", "fletcher", "gzip1", "gzip9",
                              "gzip_shuffle", "gzip_shuffle_fletcher", "implicit", "lzf",
                              "resized", "scaleoffset_float", "scaleoffset_int", "shrunk",
                              "single", "single_plain", "sparse", "compound"};
#define NDSETS (sizeof DSETS / sizeof DSETS[0])

typedef struct whole {
    c5_space sp;
    size_t esz, n;
    uint8_t *buf;
} whole;

static c5_file *open_with(const char *path, int nthreads, uint64_t cache)
{
    c5_open_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.nthreads = nthreads;
    o.chunk_cache_bytes = cache;
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, path, &o), 0);
    return f;
}

static int read_whole(c5_file *f, const char *name, whole *w)
{
    c5_object *ds;
    int rc = c5_object_open(&ds, f, name);
    if (rc == C5_ENOTFOUND)
        return rc; /* not every fixture has every dataset */
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(c5_dataset_space(&w->sp, ds), 0);
    c5_type *t;
    ck_assert_int_eq(c5_object_type(&t, ds), 0);
    w->esz = c5_type_size(t);
    c5_type_close(t);
    w->n = 1;
    for (int i = 0; i < w->sp.rank; i++)
        w->n *= w->sp.dims[i];
    w->buf = malloc(w->n * w->esz + 1);
    ck_assert_ptr_nonnull(w->buf);
    ck_assert_int_eq(c5_dataset_read(ds, NULL, NULL, w->buf, w->n * w->esz), 0);
    c5_object_close(ds);
    return 0;
}

START_TEST(test_chunked_read_threads_match_single_thread)
{
    for (size_t fi = 0; fi < 2; fi++) {
        c5_file *one = open_with(FIXTURES[fi], 1, 0);
        c5_file *many = open_with(FIXTURES[fi], 4, 1); /* tiny cache: always decode */
        for (size_t d = 0; d < NDSETS; d++) {
            whole a, b;
            if (read_whole(one, DSETS[d], &a))
                continue;
            ck_assert_int_eq(read_whole(many, DSETS[d], &b), 0);
            ck_assert_uint_eq(a.n, b.n);
            ck_assert_msg(memcmp(a.buf, b.buf, a.n * a.esz) == 0, "%s %s", FIXTURES[fi],
                          DSETS[d]);
            free(a.buf);
            free(b.buf);
        }
        c5_file_close(one);
        c5_file_close(many);
    }
}
END_TEST

/* Element of a whole read at coordinates c. */
static const uint8_t *elem(const whole *w, const uint64_t *c)
{
    size_t lin = 0;
    for (int i = 0; i < w->sp.rank; i++)
        lin = lin * w->sp.dims[i] + c[i];
    return w->buf + lin * w->esz;
}

START_TEST(test_chunked_read_hyperslab_and_points_match_whole)
{
    for (size_t fi = 0; fi < 2; fi++) {
        c5_file *f = open_with(FIXTURES[fi], 0, 0);
        for (size_t d = 0; d < NDSETS; d++) {
            whole w;
            if (read_whole(f, DSETS[d], &w))
                continue;
            int rank = w.sp.rank;
            uint64_t start[C5_MAX_RANK], stride[C5_MAX_RANK], count[C5_MAX_RANK],
                block[C5_MAX_RANK];
            size_t nsel = 1;
            for (int i = 0; i < rank; i++) {
                /* a strided selection of 2-wide blocks crossing chunk edges */
                start[i] = w.sp.dims[i] > 3 ? 1 : 0;
                block[i] = w.sp.dims[i] > 3 ? 2 : 1;
                stride[i] = 3;
                count[i] = (w.sp.dims[i] - start[i] - block[i]) / stride[i] + 1;
                nsel *= count[i] * block[i];
            }
            c5_hyperslab h = {rank, start, stride, count, block};
            uint8_t *got = malloc(nsel * w.esz + 1);
            c5_object *ds;
            ck_assert_int_eq(c5_object_open(&ds, f, DSETS[d]), 0);
            ck_assert_int_eq(c5_dataset_read(ds, NULL, &h, got, nsel * w.esz), 0);
            /* walk the selection in C order and compare element by element */
            uint64_t idx[C5_MAX_RANK] = {0}, c[C5_MAX_RANK];
            for (size_t k = 0; k < nsel; k++) {
                for (int i = 0; i < rank; i++)
                    c[i] = start[i] + (idx[i] / block[i]) * stride[i] + idx[i] % block[i];
                ck_assert_msg(memcmp(got + k * w.esz, elem(&w, c), w.esz) == 0,
                              "%s %s element %zu", FIXTURES[fi], DSETS[d], k);
                for (int i = rank - 1; i >= 0; i--) {
                    if (++idx[i] < count[i] * block[i])
                        break;
                    idx[i] = 0;
                }
            }
            /* points: the last element, the first, one in the middle */
            uint64_t pts[3 * C5_MAX_RANK];
            for (int i = 0; i < rank; i++) {
                pts[i] = w.sp.dims[i] - 1;
                pts[rank + i] = 0;
                pts[2 * rank + i] = w.sp.dims[i] / 2;
            }
            uint8_t pbuf[3 * 64];
            ck_assert_uint_le(w.esz, 64);
            ck_assert_int_eq(c5_dataset_read_points(ds, NULL, 3, pts, pbuf, sizeof pbuf), 0);
            for (int p = 0; p < 3; p++)
                ck_assert(memcmp(pbuf + p * w.esz, elem(&w, pts + p * rank), w.esz) == 0);
            /* a point outside the dataspace is refused */
            pts[0] = w.sp.dims[0];
            ck_assert_int_eq(c5_dataset_read_points(ds, NULL, 1, pts, pbuf, sizeof pbuf),
                             C5_ERANGE);
            c5_object_close(ds);
            free(got);
            free(w.buf);
        }
        c5_file_close(f);
    }
}
END_TEST

START_TEST(test_chunked_read_unallocated_chunks_read_fill_value)
{
    c5_file *f = open_with(FIXTURES[1], 0, 0);
    whole w;
    ck_assert_int_eq(read_whole(f, "sparse", &w), 0);
    double v;
    memcpy(&v, w.buf, sizeof v);
    ck_assert(v == -7.5); /* element (0, 0) was never written */
    uint64_t c[2] = {5, 11};
    memcpy(&v, elem(&w, c), sizeof v);
    ck_assert(v == 3.0);
    free(w.buf);
    c5_file_close(f);
}
END_TEST

START_TEST(test_chunked_read_converts_big_endian_to_native)
{
    c5_file *f = open_with(FIXTURES[1], 0, 0);
    whole raw, le;
    ck_assert_int_eq(read_whole(f, "be_int", &raw), 0);
    ck_assert_int_eq(read_whole(f, "edges", &le), 0); /* same values, little-endian */
    c5_object *ds;
    ck_assert_int_eq(c5_object_open(&ds, f, "be_int"), 0);
    c5_type *nat;
    ck_assert_int_eq(c5_type_native(&nat, C5_NATIVE_INT32), 0);
    int32_t *v = malloc(raw.n * 4);
    ck_assert_int_eq(c5_dataset_read(ds, nat, NULL, v, raw.n * 4), 0);
    ck_assert(memcmp(v, le.buf, raw.n * 4) == 0);
    c5_type_close(nat);
    c5_object_close(ds);
    free(v);
    free(raw.buf);
    free(le.buf);
    c5_file_close(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chunked_read");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_chunked_read_threads_match_single_thread);
    tcase_add_test(tc, test_chunked_read_hyperslab_and_points_match_whole);
    tcase_add_test(tc, test_chunked_read_unallocated_chunks_read_fill_value);
    tcase_add_test(tc, test_chunked_read_converts_big_endian_to_native);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
