/* Other files a file may name (external links, external raw data) are
 * opened only for files opened by path, and never with
 * C5_OPEN_NO_EXTERNAL: a hostile image must not read the filesystem. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    void *b = malloc(*n);
    ck_assert_uint_eq(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

/* Open /ext (an external link) and read /external (external raw data). */
static void probe(c5_file *f, int *link_rc, int *efl_rc)
{
    c5_object *o = NULL;
    *link_rc = c5_object_open(&o, f, "/ext");
    c5_object_close(o);
    o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, "/external"), 0);
    int32_t v[64];
    *efl_rc = c5_dataset_read(o, NULL, NULL, v, sizeof v);
    c5_object_close(o);
}

START_TEST(test_external_follows_from_path_only)
{
    c5_file *f;
    int lrc, erc;
    ck_assert_int_eq(c5_file_open(&f, "tests/fixtures/links.h5", NULL), 0);
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, "/ext"), 0);
    c5_object_close(o);
    c5_file_close(f);

    ck_assert_int_eq(c5_file_open(&f, "tests/fixtures/layouts.h5", NULL), 0);
    probe(f, &lrc, &erc);
    ck_assert_int_eq(erc, 0);
    c5_file_close(f);

    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.flags = C5_OPEN_NO_EXTERNAL;
    ck_assert_int_eq(c5_file_open(&f, "tests/fixtures/links.h5", &opts), 0);
    ck_assert_int_ne(c5_object_open(&o, f, "/ext"), 0);
    c5_file_close(f);
    ck_assert_int_eq(c5_file_open(&f, "tests/fixtures/layouts.h5", &opts), 0);
    probe(f, &lrc, &erc);
    ck_assert_int_ne(erc, 0);
    c5_file_close(f);

    size_t n;
    void *img = slurp("tests/fixtures/links.h5", &n);
    ck_assert_int_eq(c5_file_open_mem(&f, img, n, NULL), 0);
    o = NULL;
    ck_assert_int_ne(c5_object_open(&o, f, "/ext"), 0);
    c5_file_close(f);
    free(img);
}
END_TEST

START_TEST(test_external_refuses_non_regular_files)
{
    c5_file *f = NULL;
    ck_assert_int_ne(c5_file_open(&f, "/dev/null", NULL), 0);
    ck_assert_int_ne(c5_file_open(&f, "tests", NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("external");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_external_follows_from_path_only);
    tcase_add_test(tc, test_external_refuses_non_regular_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
