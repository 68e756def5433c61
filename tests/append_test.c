/* Append rows one at a time to datasets of existing files (tests/append.sh):
 *   append_test FILE PATH KIND N
 * KIND: table (PyTables Table rows {id int32, x float64, name S8}: id=i,
 * x=i*0.5, name "r<i>"), earray (rows [i, i+1, i+2] float64), vec (float64
 * i*1.5), mat (int32 rows [4i, 4i+1, 4i+2, 4i+3]). Each append resizes by
 * one row and writes it. Rows already present continue the sequence. */
#include <cfive.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(c5_file *f, const char *what, int rc)
{
    fprintf(stderr, "append_test: %s: %s (%s)\n", what, c5_strerror(rc), c5_errmsg(f));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: append_test FILE PATH table|earray|vec|mat N\n");
        return 2;
    }
    const char *kind = argv[3];
    long n = atol(argv[4]);
    c5_file *f;
    int rc = c5_file_open_mode(&f, argv[1], "r+", NULL);
    if (rc)
        return fail(NULL, "open", rc);
    c5_object *ds;
    if ((rc = c5_object_open(&ds, f, argv[2])))
        return fail(f, "open dataset", rc);
    c5_space sp;
    if ((rc = c5_dataset_space(&sp, ds)))
        return fail(f, "space", rc);
    c5_type *ft;
    if ((rc = c5_object_type(&ft, ds)))
        return fail(f, "type", rc);
    size_t esz = c5_type_size(ft);
    uint64_t rowlen = 1;
    for (int d = 1; d < sp.rank; d++)
        rowlen *= sp.dims[d];
    uint8_t *row = calloc(rowlen, esz);
    uint64_t start[C5_MAX_RANK] = {0}, count[C5_MAX_RANK];
    for (int d = 0; d < sp.rank; d++)
        count[d] = sp.dims[d];
    count[0] = 1;
    for (long k = 0; k < n; k++) {
        uint64_t i = sp.dims[0];
        memset(row, 0, rowlen * esz);
        if (!strcmp(kind, "table")) {
            int32_t id = (int32_t)i;
            double x = (double)i * 0.5;
            for (int m = 0; m < c5_type_nmembers(ft); m++) {
                const char *mn = c5_type_member_name(ft, m);
                size_t off = c5_type_member_offset(ft, m);
                if (!strcmp(mn, "id"))
                    memcpy(row + off, &id, 4);
                else if (!strcmp(mn, "x"))
                    memcpy(row + off, &x, 8);
                else if (!strcmp(mn, "name"))
                    snprintf((char *)row + off, 9, "r%llu", (unsigned long long)i);
            }
        } else if (!strcmp(kind, "earray")) {
            for (int c = 0; c < 3; c++) {
                double v = (double)(i + (uint64_t)c);
                memcpy(row + 8 * c, &v, 8);
            }
        } else if (!strcmp(kind, "vec")) {
            double v = (double)i * 1.5;
            memcpy(row, &v, 8);
        } else {
            for (int c = 0; c < 4; c++) {
                int32_t v = (int32_t)(4 * i + (uint64_t)c);
                memcpy(row + 4 * c, &v, 4);
            }
        }
        sp.dims[0]++;
        if ((rc = c5_dataset_resize(ds, sp.dims)))
            return fail(f, "resize", rc);
        start[0] = i;
        c5_hyperslab h = {sp.rank, start, NULL, count, NULL};
        if ((rc = c5_dataset_write(ds, NULL, &h, row, rowlen * esz)))
            return fail(f, "write", rc);
    }
    /* PyTables keeps the row count of a Table in NROWS as well */
    if (!strcmp(kind, "table")) {
        c5_attr *a;
        if (c5_attr_open(&a, ds, "NROWS") == 0) {
            c5_type *at;
            c5_space as;
            c5_attr_type(&at, a);
            c5_attr_space(&as, a);
            c5_attr_close(a);
            int64_t nr = (int64_t)sp.dims[0];
            c5_type *mt;
            c5_type_native(&mt, C5_NATIVE_INT64);
            if ((rc = c5_attr_write(ds, "NROWS", at, &as, mt, &nr, sizeof nr)))
                return fail(f, "NROWS", rc);
            c5_type_close(mt);
            c5_type_close(at);
        }
    }
    free(row);
    c5_type_close(ft);
    c5_object_close(ds);
    if ((rc = c5_file_close(f)))
        return fail(NULL, "close", rc);
    return 0;
}
