/* Path resolution (src/object.c walk): link names of any length (the
 * 66,560- and 66,561-byte names of tlonglinks.h5), "." and repeated or
 * trailing slashes, and clean errors for missing links and for paths
 * through a dataset. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static int first_name(void *ud, const c5_link *l)
{
    *(char **)ud = strdup(l->name);
    return 1;
}

START_TEST(test_paths_long_link_names)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, unit_corpus("tlonglinks.h5"), NULL), 0);
    /* the file holds /<66,560 x 'a'...> nested once more: find the names
     * through the group listing rather than assuming them */
    c5_object *root = NULL, *o = NULL;
    ck_assert_int_eq(c5_object_open(&root, f, "/"), 0);
    char *name = NULL;
    ck_assert_int_eq(c5_group_iterate(root, C5_ORDER_NAME, first_name, &name), 1);
    ck_assert_ptr_nonnull(name);
    size_t len = strlen(name);
    ck_assert_uint_gt(len, 60000);
    char *path = malloc(2 * len + 8);
    path[0] = '/';
    memcpy(path + 1, name, len + 1);
    ck_assert_msg(c5_object_open(&o, f, path) == 0, "%s", c5_errmsg(f));
    ck_assert_int_eq(c5_object_kind(o), C5_OBJ_GROUP);
    c5_object_close(o);
    /* with "." and doubled slashes in between */
    memcpy(path, "//./", 4);
    memcpy(path + 4, name, len + 1);
    ck_assert_int_eq(c5_object_open(&o, f, path), 0);
    c5_object_close(o);
    /* one byte short: a clean "not found" */
    path[4 + len - 1] = 0;
    ck_assert_int_eq(c5_object_open(&o, f, path), C5_ENOTFOUND);
    ck_assert_ptr_null(o);
    free(path);
    free(name);
    c5_object_close(root);
    c5_file_close(f);
}
END_TEST

START_TEST(test_paths_errors)
{
    c5_file *f = NULL;
    c5_object *o = NULL;
    ck_assert_int_eq(c5_file_open(&f, unit_corpus("tdset.h5"), NULL), 0);
    ck_assert_int_eq(c5_object_open(&o, f, "/dset1/"), 0);
    c5_object_close(o);
    ck_assert_int_eq(c5_object_open(&o, f, "/dset1/x"), C5_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(c5_errmsg(f), "not a group"));
    ck_assert_int_eq(c5_object_open(&o, f, "/nope"), C5_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(c5_errmsg(f), "no link \"nope\""));
    c5_file_close(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paths");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paths_long_link_names);
    tcase_add_test(tc, test_paths_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
