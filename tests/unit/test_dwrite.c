/* Dataset writing: the public type constructors, memory -> file type
 * conversion, region references, and (section B) datasets written end to
 * end through c5_file_open_mode / c5_dataset_create / c5_dataset_write and
 * read back with the read path after reopening the file. */
#include "core/internal.h"

#include "unit.h"

#include "dwrite.h"
#include "type.h"

#include <dirent.h>
#include <stdio.h>

/* ---- helpers ------------------------------------------------------------ */

static c5_type *native(c5_native k)
{
    c5_type *t;
    ck_assert_int_eq(c5_type_native(&t, k), 0);
    return t;
}

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int k;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/c5dwXXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    }
    char *p = buf[k++ & 3];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

#define OK(f, x)                                                                              \
    do {                                                                                      \
        int rc_ = (x);                                                                        \
        ck_assert_msg(rc_ == 0, "%s -> %d (%s)", #x, rc_, (f) ? c5_errmsg(f) : "");           \
    } while (0)

static c5_file *create_file(const char *name, int format, uint64_t cache)
{
    c5_open_opts oo;
    memset(&oo, 0, sizeof oo);
    oo.size = sizeof oo;
    oo.format = format;
    oo.chunk_cache_bytes = cache;
    c5_file *f = NULL;
    int rc = c5_file_open_mode(&f, tmp_path(name), "w", &oo);
    ck_assert_msg(rc == 0, "create %s: %d", name, rc);
    return f;
}

static c5_file *reopen(const char *name)
{
    c5_file *f = NULL;
    int rc = c5_file_open(&f, tmp_path(name), NULL);
    ck_assert_msg(rc == 0, "reopen %s: %d", name, rc);
    return f;
}

static c5_space simple(int rank, const uint64_t *dims, const uint64_t *maxdims)
{
    c5_space s;
    memset(&s, 0, sizeof s);
    s.cls = C5_SPACE_SIMPLE;
    s.rank = rank;
    for (int i = 0; i < rank; i++) {
        s.dims[i] = dims[i];
        s.maxdims[i] = maxdims ? maxdims[i] : dims[i];
    }
    return s;
}

static void read_i32(c5_file *f, const char *path, int32_t *out, size_t n)
{
    c5_object *d;
    OK(f, c5_object_open(&d, f, path));
    c5_type *t = native(C5_NATIVE_INT32);
    OK(f, c5_dataset_read(d, t, NULL, out, n * sizeof *out));
    c5_type_close(t);
    c5_object_close(d);
}

static c5_hyperslab slab(int rank, const uint64_t *start, const uint64_t *count)
{
    c5_hyperslab h = {rank, start, NULL, count, NULL};
    return h;
}

/* ==== section A: no file creation needed ================================== */

START_TEST(test_dwrite_type_constructors_build_valid_types)
{
    c5_type *i16 = native(C5_NATIVE_INT16), *t = NULL;
    /* enum: names and values unique, value bytes of the base */
    ck_assert_int_eq(c5_type_enum(&t, i16), 0);
    int16_t v = 1;
    ck_assert_int_eq(c5_type_enum_insert(t, "ONE", &v), 0);
    v = 2;
    ck_assert_int_eq(c5_type_enum_insert(t, "TWO", &v), 0);
    ck_assert_int_eq(c5_type_enum_insert(t, "ONE", &v), C5_EEXIST);
    v = 1;
    ck_assert_int_eq(c5_type_enum_insert(t, "UNO", &v), C5_EEXIST);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_ENUM);
    ck_assert_uint_eq(c5_type_size(t), 2);
    ck_assert_int_eq(c5_type_nmembers(t), 2);
    ck_assert_str_eq(c5_type_member_name(t, 1), "TWO");
    ck_assert_int_eq(*(const int16_t *)c5_type_enum_value(t, 1), 2);
    c5_type *cp = NULL;
    ck_assert_int_eq(c5_type_copy(&cp, t), 0);
    ck_assert(c5_type_equal(cp, t));
    c5_type_close(cp);
    c5_type_close(t);
    c5_type *f32 = native(C5_NATIVE_FLOAT);
    ck_assert_int_eq(c5_type_enum(&t, f32), C5_EINVAL);
    ck_assert_ptr_null(t);

    /* array */
    uint64_t dims[2] = {3, 4};
    ck_assert_int_eq(c5_type_array(&t, f32, 2, dims), 0);
    ck_assert_uint_eq(c5_type_size(t), 48);
    uint64_t got[2];
    ck_assert_int_eq(c5_type_array_dims(t, got, 2), 2);
    ck_assert(got[0] == 3 && got[1] == 4);
    c5_type_close(t);
    uint64_t zero[1] = {0};
    ck_assert_int_eq(c5_type_array(&t, f32, 1, zero), C5_EINVAL);
    ck_assert_int_eq(c5_type_array(&t, f32, 0, dims), C5_EINVAL);

    /* vlen sequence and vlen string: 16-byte file elements, memory c5_vl
     * and char* */
    ck_assert_int_eq(c5_type_vlen(&t, i16), 0);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_VLEN);
    ck_assert_uint_eq(c5_type_size(t), 16);
    ck_assert_uint_eq(c5_type_mem_size(t), sizeof(c5_vl));
    ck_assert(!c5_type_is_vlstring(t));
    c5_type_close(t);
    ck_assert_int_eq(c5_type_string(&t, C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8), 0);
    ck_assert(c5_type_is_vlstring(t));
    ck_assert_uint_eq(c5_type_size(t), 16);
    ck_assert_uint_eq(c5_type_mem_size(t), sizeof(char *));
    ck_assert_int_eq(c5_type_class(c5_type_base(t)), C5_CLASS_INTEGER);
    ck_assert_uint_eq(c5_type_size(c5_type_base(t)), 1);
    c5_type_close(t);
    ck_assert_int_eq(c5_type_string(&t, 0, C5_STR_NULLTERM, C5_CSET_UTF8), C5_EINVAL);

    /* opaque, bitfield, references */
    ck_assert_int_eq(c5_type_opaque(&t, 7, "blob"), 0);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_OPAQUE);
    ck_assert_uint_eq(c5_type_size(t), 7);
    c5_type_close(t);
    char longtag[300];
    memset(longtag, 'x', sizeof longtag - 1);
    longtag[299] = 0;
    ck_assert_int_eq(c5_type_opaque(&t, 7, longtag), C5_EINVAL);
    ck_assert_int_eq(c5_type_bitfield(&t, 2, C5_ORDER_BE), 0);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_BITFIELD);
    ck_assert_int_eq(c5_type_order(t), C5_ORDER_BE);
    c5_type_close(t);
    ck_assert_int_eq(c5_type_bitfield(&t, 9, C5_ORDER_LE), C5_EINVAL);
    ck_assert_int_eq(c5_type_reference(&t, C5_REF_OBJECT), 0);
    ck_assert_uint_eq(c5_type_size(t), 8);
    ck_assert_uint_eq(c5_type_committed(t), UINT64_MAX);
    c5_type_close(t);
    ck_assert_int_eq(c5_type_reference(&t, C5_REF_REGION), 0);
    ck_assert_uint_eq(c5_type_size(t), 12);
    c5_type_close(t);
    c5_type_close(f32);
    c5_type_close(i16);
}
END_TEST

/* The constructed vlen string equals what the decoder makes of h5py's
 * variable-length str type (so a memory type built with the API reads and
 * writes such datasets without conversion surprises). */
START_TEST(test_dwrite_type_vlstring_matches_decoded_h5py_type)
{
    /* class 9 v1, string, nullterm, UTF-8, size 16, base u8 */
    static const uint8_t msg[] = {0x19, 0x01, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00,
                                  0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x08, 0x00};
    c5_rd r;
    c5_rd_init(&r, NULL, msg, sizeof msg, C5_UNDEF, "datatype message");
    c5_type *dec = NULL, *t = NULL;
    ck_assert_int_eq(c5_type_decode(NULL, &r, &dec), 0);
    ck_assert_int_eq(c5_type_string(&t, C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8), 0);
    ck_assert(c5_type_equal(dec, t));
    ck_assert(c5_type_equal(dec->base, t->base));
    c5_type_close(dec);
    c5_type_close(t);
}
END_TEST

START_TEST(test_dwrite_convert_numeric_compound_enum_array)
{
    /* int32 native -> float64 big-endian */
    c5_type *i32 = native(C5_NATIVE_INT32), *be = NULL;
    ck_assert_int_eq(c5_type_float(&be, 8, C5_ORDER_BE), 0);
    int32_t in[3] = {-7, 0, 1 << 30};
    uint8_t out[24];
    ck_assert_int_eq(c5_convert_to_file(NULL, i32, be, in, out, 3), 0);
    for (int k = 0; k < 3; k++) {
        uint64_t bits = 0;
        for (int b = 0; b < 8; b++)
            bits = bits << 8 | out[8 * k + b];
        double d;
        memcpy(&d, &bits, 8);
        ck_assert(d == (double)in[k]);
    }
    /* mem NULL: bytes unchanged */
    uint8_t raw[8] = {1, 2, 3, 4, 5, 6, 7, 8}, cp[8];
    ck_assert_int_eq(c5_convert_to_file(NULL, NULL, be, raw, cp, 1), 0);
    ck_assert_mem_eq(raw, cp, 8);

    /* compound: memory {b: int32, a: double} -> file {a: float BE, c: int16,
     * b: int64}; c is absent in memory and must come out zero */
    c5_type *dbl = native(C5_NATIVE_DOUBLE), *i16 = native(C5_NATIVE_INT16);
    c5_type *i64 = native(C5_NATIVE_INT64), *fbe = NULL, *mc = NULL, *fc = NULL;
    ck_assert_int_eq(c5_type_float(&fbe, 4, C5_ORDER_BE), 0);
    ck_assert_int_eq(c5_type_compound(&mc, 16), 0);
    ck_assert_int_eq(c5_type_insert(mc, "b", 0, i32), 0);
    ck_assert_int_eq(c5_type_insert(mc, "a", 8, dbl), 0);
    ck_assert_int_eq(c5_type_compound(&fc, 14), 0);
    ck_assert_int_eq(c5_type_insert(fc, "a", 0, fbe), 0);
    ck_assert_int_eq(c5_type_insert(fc, "c", 4, i16), 0);
    ck_assert_int_eq(c5_type_insert(fc, "b", 6, i64), 0);
    struct {
        int32_t b;
        int32_t pad;
        double a;
    } m[2] = {{5, 0, 1.5}, {-9, 0, -2.25}};
    uint8_t fo[28];
    memset(fo, 0xAB, sizeof fo);
    ck_assert_int_eq(c5_convert_to_file(NULL, mc, fc, m, fo, 2), 0);
    for (int k = 0; k < 2; k++) {
        const uint8_t *e = fo + 14 * k;
        uint32_t fb = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
        float fa;
        memcpy(&fa, &fb, 4);
        ck_assert(fa == (float)m[k].a);
        ck_assert(e[4] == 0 && e[5] == 0);
        int64_t b64;
        memcpy(&b64, e + 6, 8);
        ck_assert_int_eq(b64, m[k].b);
    }

    /* enum to enum by name: memory values differ from file values */
    c5_type *u8 = native(C5_NATIVE_UINT8), *me = NULL, *fe = NULL;
    ck_assert_int_eq(c5_type_enum(&me, u8), 0);
    ck_assert_int_eq(c5_type_enum(&fe, u8), 0);
    uint8_t val = 0;
    ck_assert_int_eq(c5_type_enum_insert(me, "RED", &val), 0);
    val = 1;
    ck_assert_int_eq(c5_type_enum_insert(me, "GREEN", &val), 0);
    val = 10;
    ck_assert_int_eq(c5_type_enum_insert(fe, "GREEN", &val), 0);
    val = 20;
    ck_assert_int_eq(c5_type_enum_insert(fe, "RED", &val), 0);
    uint8_t ein[3] = {1, 0, 1}, eout[3];
    ck_assert_int_eq(c5_convert_to_file(NULL, me, fe, ein, eout, 3), 0);
    ck_assert(eout[0] == 10 && eout[1] == 20 && eout[2] == 10);

    /* array of int32 -> array of int16 BE */
    c5_type *i16be = NULL, *ma = NULL, *fa = NULL;
    ck_assert_int_eq(c5_type_integer(&i16be, 2, 1, C5_ORDER_BE), 0);
    uint64_t ad[1] = {3};
    ck_assert_int_eq(c5_type_array(&ma, i32, 1, ad), 0);
    ck_assert_int_eq(c5_type_array(&fa, i16be, 1, ad), 0);
    int32_t ain[6] = {1, -2, 3, 40000, -40000, 6};
    uint8_t aout[12];
    ck_assert_int_eq(c5_convert_to_file(NULL, ma, fa, ain, aout, 2), 0);
    int16_t expect[6] = {1, -2, 3, 32767, -32768, 6}; /* saturated as libhdf5 */
    for (int k = 0; k < 6; k++)
        ck_assert_int_eq((int16_t)(aout[2 * k] << 8 | aout[2 * k + 1]), expect[k]);

    /* no conversion between unrelated classes */
    c5_type *str = NULL;
    ck_assert_int_eq(c5_type_string(&str, 4, C5_STR_NULLPAD, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_convert_to_file(NULL, i32, str, in, out, 1), C5_ETYPE);

    c5_type *all[] = {i32, be, dbl, i16, i64, fbe, mc, fc, u8, me, fe, i16be, ma, fa, str};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        c5_type_close(all[k]);
}
END_TEST

START_TEST(test_dwrite_convert_strings_and_references_without_heap)
{
    /* char* -> fixed strings of each padding; NULL is the empty string */
    c5_type *vs = native(C5_NATIVE_VLSTRING), *nt = NULL, *sp = NULL;
    ck_assert_int_eq(c5_type_string(&nt, 4, C5_STR_NULLTERM, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&sp, 4, C5_STR_SPACEPAD, C5_CSET_ASCII), 0);
    const char *s[3] = {"ab", "abcdef", NULL};
    uint8_t o[12];
    ck_assert_int_eq(c5_convert_to_file(NULL, vs, nt, s, o, 3), 0);
    ck_assert_mem_eq(o, "ab\0\0abc\0\0\0\0\0", 12);
    ck_assert_int_eq(c5_convert_to_file(NULL, vs, sp, s, o, 3), 0);
    ck_assert_mem_eq(o, "ab  abcd    ", 12);

    /* native object references: uint64 addresses, undefined -> all ones */
    c5_type *mr = native(C5_NATIVE_OBJREF), *fr = NULL, *rr = NULL;
    ck_assert_int_eq(c5_type_reference(&fr, C5_REF_OBJECT), 0);
    uint64_t a[2] = {0x1234, UINT64_MAX};
    uint8_t ro[16];
    ck_assert_int_eq(c5_convert_to_file(NULL, mr, fr, a, ro, 2), 0);
    ck_assert(ro[0] == 0x34 && ro[1] == 0x12 && ro[2] == 0 && ro[7] == 0);
    for (int k = 8; k < 16; k++)
        ck_assert(ro[k] == 0xff);
    /* region references are copied; object to region is refused */
    ck_assert_int_eq(c5_type_reference(&rr, C5_REF_REGION), 0);
    uint8_t rin[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, rout[12];
    ck_assert_int_eq(c5_convert_to_file(NULL, rr, rr, rin, rout, 1), 0);
    ck_assert_mem_eq(rin, rout, 12);
    ck_assert_int_eq(c5_convert_to_file(NULL, mr, rr, a, rout, 1), C5_ETYPE);

    /* variable-length file types need a writable file for the heap */
    c5_type *fvs = NULL;
    ck_assert_int_eq(c5_type_string(&fvs, C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8), 0);
    uint8_t vo[16];
    ck_assert_int_eq(c5_convert_to_file(NULL, vs, fvs, s, vo, 1), C5_EINVAL);
    c5_file *f;
    ck_assert_int_eq(c5_file_open(&f, unit_corpus("tdset.h5"), NULL), 0);
    ck_assert_int_eq(c5_convert_to_file(f, vs, fvs, s, vo, 1), C5_EINVAL);
    ck_assert(strstr(c5_errmsg(f), "writable") != NULL);
    c5_file_close(f);

    c5_type *all[] = {vs, nt, sp, mr, fr, rr, fvs};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        c5_type_close(all[k]);
}
END_TEST

/* tdatareg.h5: Dataset1 holds a block and a point region of Dataset2,
 * then two null references. */
START_TEST(test_dwrite_regref_read_corpus_block_and_points)
{
    c5_file *f;
    ck_assert_int_eq(c5_file_open(&f, unit_corpus("tdatareg.h5"), NULL), 0);
    c5_object *d1, *d2;
    OK(f, c5_object_open(&d1, f, "Dataset1"));
    OK(f, c5_object_open(&d2, f, "Dataset2"));
    uint8_t refs[48];
    OK(f, c5_dataset_read(d1, NULL, NULL, refs, sizeof refs));
    uint64_t obj;
    void *sel;
    size_t n;
    OK(f, c5_regref_read(f, refs, &obj, &sel, &n));
    ck_assert_uint_eq(obj, c5_object_addr(d2));
    /* hyperslab selection v1: type 2, version 1, rank 2, one block
     * (2,2)-(7,7) */
    const uint8_t *p = sel;
    ck_assert_uint_eq(n, 40);
    ck_assert_uint_eq(c5_le(p, 4), 2);
    ck_assert_uint_eq(c5_le(p + 4, 4), 1);
    ck_assert_uint_eq(c5_le(p + 16, 4), 2);
    ck_assert_uint_eq(c5_le(p + 20, 4), 1);
    ck_assert_uint_eq(c5_le(p + 24, 4), 2);
    ck_assert_uint_eq(c5_le(p + 32, 4), 7);
    free(sel);
    OK(f, c5_regref_read(f, refs + 12, &obj, &sel, &n));
    p = sel;
    ck_assert_uint_eq(obj, c5_object_addr(d2));
    ck_assert_uint_eq(c5_le(p, 4), 1);       /* points */
    ck_assert_uint_eq(c5_le(p + 20, 4), 10); /* ten of them */
    ck_assert_uint_eq(c5_le(p + 24, 4), 6);  /* the first is (6,9) */
    ck_assert_uint_eq(c5_le(p + 28, 4), 9);
    free(sel);
    ck_assert_int_eq(c5_regref_read(f, refs + 24, &obj, &sel, &n), C5_ENOTFOUND);
    ck_assert_ptr_null(sel);
    /* making one needs a writable file */
    ck_assert_int_eq(c5_regref_make(f, refs, obj, "x", 1), C5_EINVAL);
    c5_object_close(d1);
    c5_object_close(d2);
    c5_file_close(f);
}
END_TEST

/* ==== section B: end to end (needs the file writer) ======================= */

static void contiguous_case(int format)
{
    const char *name = format ? "contig_latest.h5" : "contig.h5";
    c5_file *f = create_file(name, format, 0);
    c5_type *i32 = native(C5_NATIVE_INT32), *i16 = native(C5_NATIVE_INT16);
    uint64_t dims[2] = {6, 5};
    c5_space sp = simple(2, dims, NULL);
    c5_object *d;
    OK(f, c5_dataset_create(&d, f, "plain", i32, &sp, NULL));
    int16_t src[6] = {1, 2, 3, 4, 5, 6};
    uint64_t st[2] = {1, 1}, ct[2] = {2, 3};
    c5_hyperslab h = slab(2, st, ct);
    /* a short buffer is refused */
    ck_assert_int_eq(c5_dataset_write(d, i16, &h, src, 11), C5_ERANGE);
    OK(f, c5_dataset_write(d, i16, &h, src, sizeof src));
    c5_object_close(d);
    int32_t fill = -5;
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.fill = &fill;
    OK(f, c5_dataset_create(&d, f, "filled", i32, &sp, &o));
    /* strided columns: blocks of 1 every 2 */
    uint64_t s2[2] = {0, 0}, str2[2] = {1, 2}, c2[2] = {6, 3}, b2[2] = {1, 1};
    c5_hyperslab h2 = {2, s2, str2, c2, b2};
    int32_t cols[18];
    for (int k = 0; k < 18; k++)
        cols[k] = 100 + k;
    OK(f, c5_dataset_write(d, NULL, &h2, cols, sizeof cols));
    c5_object_close(d);
    /* early allocation with a fill value, never written */
    o.alloc_time = C5_ALLOC_EARLY;
    OK(f, c5_dataset_create(&d, f, "early", i32, &sp, &o));
    c5_object_close(d);
    /* compact */
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.storage = C5_STORAGE_COMPACT;
    OK(f, c5_dataset_create(&d, f, "compact", i32, &sp, &o));
    OK(f, c5_dataset_write(d, i16, &h, src, sizeof src));
    c5_object_close(d);
    OK(f, c5_file_close(f));

    f = reopen(name);
    int32_t got[30];
    read_i32(f, "plain", got, 30);
    for (int r = 0; r < 6; r++)
        for (int c = 0; c < 5; c++) {
            int in = r >= 1 && r < 3 && c >= 1 && c < 4;
            ck_assert_int_eq(got[r * 5 + c], in ? src[(r - 1) * 3 + c - 1] : 0);
        }
    read_i32(f, "compact", got, 30);
    for (int r = 0; r < 6; r++)
        for (int c = 0; c < 5; c++) {
            int in = r >= 1 && r < 3 && c >= 1 && c < 4;
            ck_assert_int_eq(got[r * 5 + c], in ? src[(r - 1) * 3 + c - 1] : 0);
        }
    read_i32(f, "filled", got, 30);
    for (int r = 0; r < 6; r++)
        for (int c = 0; c < 5; c++)
            ck_assert_int_eq(got[r * 5 + c], c % 2 ? -5 : 100 + r * 3 + c / 2);
    read_i32(f, "early", got, 30);
    for (int k = 0; k < 30; k++)
        ck_assert_int_eq(got[k], -5);
    c5_dataset_opts back;
    c5_object *e;
    OK(f, c5_object_open(&e, f, "compact"));
    OK(f, c5_dataset_get_opts(&back, e));
    ck_assert_int_eq(back.storage, C5_STORAGE_COMPACT);
    c5_object_close(e);
    c5_file_close(f);
    c5_type_close(i32);
    c5_type_close(i16);
}

START_TEST(test_dwrite_contiguous_compact_partial_writes_and_fill)
{
    contiguous_case(C5_FORMAT_COMPATIBLE);
    contiguous_case(C5_FORMAT_LATEST);
}
END_TEST

/* Chunked datasets through every index the two formats use: v1 B-tree
 * (compatible), single chunk, implicit (early), fixed array, extensible
 * array, v2 B-tree (latest). Writes go across chunk edges, a second write
 * after a flush merges into stored (filtered) chunks, unwritten chunks read
 * as the fill value. */
static void chunked_case(int format, const char *dsname, int rank, const uint64_t *dims,
                         const uint64_t *maxdims, const uint64_t *chunk, int filters, int early)
{
    char fname[64];
    snprintf(fname, sizeof fname, "chunk_%d_%s.h5", format, dsname);
    c5_file *f = create_file(fname, format, 0);
    c5_type *i32 = native(C5_NATIVE_INT32);
    c5_space sp = simple(rank, dims, maxdims);
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.chunk_rank = rank;
    for (int i = 0; i < rank; i++)
        o.chunk[i] = chunk[i];
    int32_t fill = 7;
    o.fill = &fill;
    if (early)
        o.alloc_time = C5_ALLOC_EARLY;
    if (filters) {
        o.nfilters = 3;
        o.filters[0].id = C5_FILTER_SHUFFLE;
        o.filters[1].id = C5_FILTER_DEFLATE;
        o.filters[1].ncd = 1;
        o.filters[1].cd[0] = 5;
        o.filters[2].id = C5_FILTER_FLETCHER32;
    }
    c5_object *d;
    int rc = c5_dataset_create(&d, f, dsname, i32, &sp, &o);
    ck_assert_msg(rc == 0, "%s (filters %d): create -> %d (%s)", dsname, filters, rc,
                  c5_errmsg(f));
    uint64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    int32_t *want = malloc(n * sizeof *want), *buf = malloc(n * sizeof *buf);
    ck_assert_ptr_nonnull(want);
    for (uint64_t k = 0; k < n; k++)
        want[k] = 7;
    /* 1: the first half of dimension 0 (all of the others) */
    uint64_t st[C5_MAX_RANK] = {0}, ct[C5_MAX_RANK];
    for (int i = 0; i < rank; i++)
        ct[i] = dims[i];
    ct[0] = (dims[0] + 1) / 2;
    uint64_t m = n / dims[0] * ct[0];
    for (uint64_t k = 0; k < m; k++)
        buf[k] = (int32_t)(k * 3 + 1);
    c5_hyperslab h = slab(rank, st, ct);
    OK(f, c5_dataset_write(d, i32, &h, buf, m * sizeof *buf));
    for (uint64_t k = 0; k < m; k++)
        want[k] = buf[k];
    /* a read through the writable handle flushes first */
    OK(f, c5_dataset_read(d, i32, NULL, buf, n * sizeof *buf));
    for (uint64_t k = 0; k < n; k++)
        ck_assert_int_eq(buf[k], want[k]);
    /* 2: one element in the middle of every chunk row of dimension 0,
     * merged into stored chunks */
    if (dims[0] > 1) {
        uint64_t s2[C5_MAX_RANK] = {0}, c2[C5_MAX_RANK];
        for (int i = 0; i < rank; i++)
            c2[i] = 1;
        s2[0] = dims[0] / 2 - (dims[0] > 2);
        c2[0] = 2;
        int32_t two[2] = {-1, -2};
        c5_hyperslab h2 = slab(rank, s2, c2);
        OK(f, c5_dataset_write(d, i32, &h2, two, sizeof two));
        uint64_t stride0 = n / dims[0];
        want[s2[0] * stride0] = -1;
        want[(s2[0] + 1) * stride0] = -2;
    }
    c5_object_close(d);
    OK(f, c5_file_close(f));

    f = reopen(fname);
    OK(f, c5_object_open(&d, f, dsname));
    memset(buf, 0, n * sizeof *buf);
    OK(f, c5_dataset_read(d, i32, NULL, buf, n * sizeof *buf));
    for (uint64_t k = 0; k < n; k++)
        ck_assert_msg(buf[k] == want[k], "%s element %llu: %d, want %d", dsname,
                      (unsigned long long)k, buf[k], want[k]);
    c5_dataset_opts back;
    OK(f, c5_dataset_get_opts(&back, d));
    ck_assert_int_eq(back.storage, C5_STORAGE_CHUNKED);
    ck_assert_int_eq(back.nfilters, filters ? 3 : 0);
    c5_object_close(d);
    c5_file_close(f);
    free(want);
    free(buf);
    c5_type_close(i32);
}

START_TEST(test_dwrite_chunked_every_index_type_round_trips)
{
    uint64_t d2[2] = {10, 7}, c2[2] = {4, 3}, u2[2] = {C5_UNLIMITED, 7},
             uu[2] = {C5_UNLIMITED, C5_UNLIMITED};
    uint64_t d1[1] = {1000}, c1[1] = {64};
    for (int flt = 0; flt < 2; flt++) {
        chunked_case(C5_FORMAT_COMPATIBLE, "btree1", 2, d2, NULL, c2, flt, 0);
        chunked_case(C5_FORMAT_COMPATIBLE, "btree1_1d", 1, d1, NULL, c1, flt, 0);
        chunked_case(C5_FORMAT_LATEST, "farray", 2, d2, NULL, c2, flt, 0);
        chunked_case(C5_FORMAT_LATEST, "earray", 2, d2, u2, c2, flt, 0);
        chunked_case(C5_FORMAT_LATEST, "btree2", 2, d2, uu, c2, flt, 0);
        chunked_case(C5_FORMAT_COMPATIBLE, "btree1_early", 2, d2, NULL, c2, flt, 1);
    }
    chunked_case(C5_FORMAT_LATEST, "implicit", 2, d2, NULL, c2, 0, 1);
}
END_TEST

/* The single-chunk index, plain and filtered (filtered: layout flag bit 1
 * and the chunk's size and filter mask in the layout message). */
START_TEST(test_dwrite_chunked_single_chunk_index)
{
    uint64_t one[2] = {4, 3};
    chunked_case(C5_FORMAT_LATEST, "single", 2, one, NULL, one, 0, 0);
    chunked_case(C5_FORMAT_LATEST, "single", 2, one, NULL, one, 1, 0);
}
END_TEST

/* Appending one element per call to an unlimited dataset, with a chunk
 * buffer budget of a few chunks so that chunks are written out while the
 * writes go on. */
START_TEST(test_dwrite_append_one_by_one_with_small_budget)
{
    for (int format = 0; format < 2; format++) {
        const char *name = format ? "append_latest.h5" : "append.h5";
        c5_file *f = create_file(name, format, 4096);
        c5_type *i32 = native(C5_NATIVE_INT32);
        uint64_t zero[1] = {0}, unl[1] = {C5_UNLIMITED};
        c5_space sp = simple(1, zero, unl);
        c5_dataset_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.chunk_rank = 1;
        o.chunk[0] = 100;
        o.nfilters = 1;
        o.filters[0].id = C5_FILTER_DEFLATE;
        c5_object *d;
        OK(f, c5_dataset_create(&d, f, "log", i32, &sp, &o));
        const int N = 5000;
        for (int i = 0; i < N; i++) {
            uint64_t nd[1] = {(uint64_t)i + 1}, s[1] = {(uint64_t)i}, c[1] = {1};
            OK(f, c5_dataset_resize(d, nd));
            c5_hyperslab h = slab(1, s, c);
            int32_t v = i * 7;
            OK(f, c5_dataset_write(d, NULL, &h, &v, sizeof v));
            if (i == N / 2) /* a flush part way: chunk 25 is then re-read */
                OK(f, c5_file_flush(f));
        }
        c5_object_close(d);
        OK(f, c5_file_close(f));
        f = reopen(name);
        int32_t *got = malloc(N * sizeof *got);
        read_i32(f, "log", got, (size_t)N);
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(got[i], i * 7);
        free(got);
        c5_file_close(f);
        c5_type_close(i32);
    }
}
END_TEST

/* One write much larger than the chunk buffer budget streams its chunks
 * out as it goes; a second write across them merges with what is stored. */
START_TEST(test_dwrite_large_write_streams_through_small_budget)
{
    c5_file *f = create_file("stream.h5", C5_FORMAT_LATEST, 16 << 10);
    c5_type *i32 = native(C5_NATIVE_INT32), *dbl = native(C5_NATIVE_DOUBLE);
    uint64_t dims[2] = {256, 256};
    c5_space sp = simple(2, dims, NULL);
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.chunk_rank = 2;
    o.chunk[0] = o.chunk[1] = 16;
    o.nfilters = 2;
    o.filters[0].id = C5_FILTER_SHUFFLE;
    o.filters[1].id = C5_FILTER_DEFLATE;
    c5_object *d;
    OK(f, c5_dataset_create(&d, f, "big", dbl, &sp, &o));
    int32_t *v = malloc(256 * 256 * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (int k = 0; k < 256 * 256; k++)
        v[k] = k;
    OK(f, c5_dataset_write(d, i32, NULL, v, 256 * 256 * sizeof *v));
    /* a diagonal band of 8x200 blocks, strided */
    uint64_t st[2] = {3, 5}, str[2] = {32, 1}, ct[2] = {8, 200}, bl[2] = {2, 1};
    c5_hyperslab h = {2, st, str, ct, bl};
    int32_t band[16 * 200];
    for (int k = 0; k < 16 * 200; k++)
        band[k] = -k;
    OK(f, c5_dataset_write(d, i32, &h, band, sizeof band));
    c5_object_close(d);
    OK(f, c5_file_close(f));
    f = reopen("stream.h5");
    read_i32(f, "big", v, 256 * 256);
    for (int y = 0; y < 256; y++)
        for (int x = 0; x < 256; x++) {
            int in = y >= 3 && (y - 3) % 32 < 2 && (y - 3) / 32 < 8 && x >= 5 && x < 205;
            int row = ((y - 3) / 32) * 2 + (y - 3) % 32;
            int want = in ? -(row * 200 + x - 5) : y * 256 + x;
            ck_assert_msg(v[y * 256 + x] == want, "(%d,%d): %d want %d", y, x, v[y * 256 + x],
                          want);
        }
    free(v);
    c5_file_close(f);
    c5_type_close(i32);
    c5_type_close(dbl);
}
END_TEST

/* The implicit index (latest format, early allocation, fixed max dims
 * larger than the dims): one block over the max extent, chunks written in
 * place; shrinking refills the cut part, growing shows fill. And late
 * allocation: every chunk exists once one was written. */
START_TEST(test_dwrite_implicit_resize_and_late_allocation)
{
    c5_file *f = create_file("implicit_late.h5", C5_FORMAT_LATEST, 0);
    c5_type *i32 = native(C5_NATIVE_INT32);
    uint64_t dims[2] = {6, 7}, maxd[2] = {10, 9};
    c5_space sp = simple(2, dims, maxd);
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.chunk_rank = 2;
    o.chunk[0] = o.chunk[1] = 4;
    o.alloc_time = C5_ALLOC_EARLY;
    int32_t fill = 3;
    o.fill = &fill;
    c5_object *d;
    OK(f, c5_dataset_create(&d, f, "impl", i32, &sp, &o));
    int32_t v[42];
    for (int k = 0; k < 42; k++)
        v[k] = k;
    OK(f, c5_dataset_write(d, NULL, NULL, v, sizeof v));
    uint64_t small[2] = {5, 5}, big[2] = {10, 9};
    OK(f, c5_dataset_resize(d, small));
    OK(f, c5_file_flush(f));
    OK(f, c5_dataset_resize(d, big));
    uint64_t st[2] = {9, 8}, ct[2] = {1, 1};
    c5_hyperslab h = slab(2, st, ct);
    int32_t last = 99;
    OK(f, c5_dataset_write(d, NULL, &h, &last, sizeof last));
    c5_object_close(d);
    o.alloc_time = C5_ALLOC_LATE;
    o.fill = NULL;
    c5_space sp2 = simple(2, dims, NULL);
    OK(f, c5_dataset_create(&d, f, "late", i32, &sp2, &o));
    uint64_t s0[2] = {0, 0};
    h = slab(2, s0, ct);
    OK(f, c5_dataset_write(d, NULL, &h, &last, sizeof last));
    c5_object_close(d);
    OK(f, c5_file_close(f));
    f = reopen("implicit_late.h5");
    int32_t got[90];
    read_i32(f, "impl", got, 90);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 9; x++) {
            int want = y < 5 && x < 5 ? y * 7 + x : y == 9 && x == 8 ? 99 : 3;
            ck_assert_msg(got[y * 9 + x] == want, "(%d,%d) = %d", y, x, got[y * 9 + x]);
        }
    read_i32(f, "late", got, 42);
    for (int k = 0; k < 42; k++)
        ck_assert_int_eq(got[k], k ? 0 : 99);
    c5_file_close(f);
    c5_type_close(i32);
}
END_TEST

/* Shrinking drops whole chunks and resets the cut part of edge chunks to
 * the fill value, so growing again shows fill there, not old data. */
START_TEST(test_dwrite_resize_shrink_then_grow_shows_fill)
{
    for (int format = 0; format < 2; format++) {
        const char *name = format ? "resize_latest.h5" : "resize.h5";
        c5_file *f = create_file(name, format, 0);
        c5_type *i32 = native(C5_NATIVE_INT32);
        uint64_t dims[2] = {8, 8}, maxd[2] = {C5_UNLIMITED, C5_UNLIMITED};
        c5_space sp = simple(2, dims, maxd);
        c5_dataset_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.chunk_rank = 2;
        o.chunk[0] = o.chunk[1] = 3;
        int32_t fill = -1;
        o.fill = &fill;
        c5_object *d;
        OK(f, c5_dataset_create(&d, f, "r", i32, &sp, &o));
        int32_t all[64];
        for (int k = 0; k < 64; k++)
            all[k] = k;
        OK(f, c5_dataset_write(d, NULL, NULL, all, sizeof all));
        OK(f, c5_file_flush(f)); /* chunks stored before the shrink */
        uint64_t small[2] = {4, 2};
        OK(f, c5_dataset_resize(d, small));
        uint64_t big[2] = {9, 9};
        OK(f, c5_dataset_resize(d, big));
        c5_object_close(d);
        OK(f, c5_file_close(f));
        f = reopen(name);
        c5_object *r;
        OK(f, c5_object_open(&r, f, "r"));
        c5_space got_sp;
        OK(f, c5_dataset_space(&got_sp, r));
        ck_assert(got_sp.dims[0] == 9 && got_sp.dims[1] == 9);
        c5_object_close(r);
        int32_t got[81];
        read_i32(f, "r", got, 81);
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 9; x++)
                ck_assert_msg(got[y * 9 + x] == (y < 4 && x < 2 ? y * 8 + x : -1),
                              "(%d,%d) = %d", y, x, got[y * 9 + x]);
        c5_file_close(f);
        c5_type_close(i32);
    }
}
END_TEST

/* Variable-length strings and sequences, a compound holding one, and
 * object references, read back through the read path. */
START_TEST(test_dwrite_vlen_strings_sequences_and_references)
{
    for (int format = 0; format < 2; format++) {
        const char *name = format ? "vlen_latest.h5" : "vlen.h5";
        c5_file *f = create_file(name, format, 0);
        c5_type *vs = NULL, *i16 = native(C5_NATIVE_INT16), *seq = NULL, *cmp = NULL;
        c5_type *i32 = native(C5_NATIVE_INT32);
        OK(f, c5_type_string(&vs, C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8));
        OK(f, c5_type_vlen(&seq, i16));
        uint64_t four[1] = {4};
        c5_space sp = simple(1, four, NULL);
        c5_object *d;
        OK(f, c5_dataset_create(&d, f, "s", vs, &sp, NULL));
        const char *strs[4] = {"alpha", "", NULL, "gr\xc3\xbc\xc3\x9f"};
        OK(f, c5_dataset_write(d, vs, NULL, strs, sizeof strs));
        uint64_t target = c5_object_addr(d);
        c5_object_close(d);
        /* the file type holds int16, memory gives int32 */
        c5_type *mseq = NULL;
        OK(f, c5_type_vlen(&mseq, i32));
        OK(f, c5_dataset_create(&d, f, "q", seq, &sp, NULL));
        int32_t a[3] = {1, 2, 3}, b[1] = {-4};
        c5_vl vl[4] = {{3, a}, {0, NULL}, {1, b}, {0, a}};
        OK(f, c5_dataset_write(d, mseq, NULL, vl, sizeof vl));
        c5_object_close(d);
        /* compound {id int32, name vlen str}: the file form takes 24 bytes
         * (16-byte heap reference), the memory form 16 (char*) */
        c5_type *mcmp = NULL;
        OK(f, c5_type_compound(&cmp, 24));
        OK(f, c5_type_insert(cmp, "id", 0, i32));
        OK(f, c5_type_insert(cmp, "name", 8, vs));
        OK(f, c5_type_compound(&mcmp, 16));
        OK(f, c5_type_insert(mcmp, "id", 0, i32));
        OK(f, c5_type_insert(mcmp, "name", 8, vs));
        struct {
            int32_t id, pad;
            const char *name;
        } rows[4] = {{1, 0, "one"}, {2, 0, "two"}, {3, 0, NULL}, {4, 0, "four"}};
        OK(f, c5_dataset_create(&d, f, "c", cmp, &sp, NULL));
        OK(f, c5_dataset_write(d, mcmp, NULL, rows, sizeof rows));
        c5_object_close(d);
        /* a sequence of strings, and an array of two strings */
        c5_type *vvs = NULL, *arr = NULL;
        OK(f, c5_type_vlen(&vvs, vs));
        uint64_t two[1] = {2};
        OK(f, c5_type_array(&arr, vs, 1, two));
        const char *w0[2] = {"x", "yy"}, *w1[1] = {"zzz"};
        c5_vl wv[4] = {{2, w0}, {1, w1}, {0, NULL}, {1, w1}};
        OK(f, c5_dataset_create(&d, f, "vv", vvs, &sp, NULL));
        OK(f, c5_dataset_write(d, vvs, NULL, wv, sizeof wv));
        c5_object_close(d);
        const char *pairs[8] = {"a", "b", NULL, "d", "e", "", "g", "h"};
        OK(f, c5_dataset_create(&d, f, "arr", arr, &sp, NULL));
        OK(f, c5_dataset_write(d, arr, NULL, pairs, sizeof pairs));
        c5_object_close(d);
        /* object references */
        c5_type *ref = NULL, *nref = native(C5_NATIVE_OBJREF);
        OK(f, c5_type_reference(&ref, C5_REF_OBJECT));
        OK(f, c5_dataset_create(&d, f, "refs", ref, &sp, NULL));
        uint64_t addrs[4] = {target, target, UINT64_MAX, target};
        OK(f, c5_dataset_write(d, nref, NULL, addrs, sizeof addrs));
        c5_object_close(d);
        OK(f, c5_file_close(f));

        f = reopen(name);
        char *gs[4];
        c5_type *mvs = native(C5_NATIVE_VLSTRING);
        OK(f, c5_object_open(&d, f, "s"));
        OK(f, c5_dataset_read(d, mvs, NULL, gs, sizeof gs));
        ck_assert_str_eq(gs[0], "alpha");
        ck_assert_str_eq(gs[1], "");
        ck_assert_ptr_null(gs[2]); /* NULL stays NULL, as in libhdf5 */
        ck_assert_str_eq(gs[3], strs[3]);
        c5_reclaim(mvs, gs, 4);
        ck_assert_uint_eq(c5_object_addr(d), target);
        c5_object_close(d);
        c5_vl gv[4];
        OK(f, c5_object_open(&d, f, "q"));
        OK(f, c5_dataset_read(d, mseq, NULL, gv, sizeof gv));
        ck_assert_uint_eq(gv[0].len, 3);
        ck_assert_int_eq(((int32_t *)gv[0].p)[2], 3);
        ck_assert_uint_eq(gv[1].len, 0);
        ck_assert_uint_eq(gv[2].len, 1);
        ck_assert_int_eq(((int32_t *)gv[2].p)[0], -4);
        ck_assert_uint_eq(gv[3].len, 0);
        c5_reclaim(mseq, gv, 4);
        c5_object_close(d);
        OK(f, c5_object_open(&d, f, "c"));
        struct {
            int32_t id, pad;
            char *name;
        } grow[4];
        OK(f, c5_dataset_read(d, mcmp, NULL, grow, sizeof grow));
        ck_assert_int_eq(grow[3].id, 4);
        ck_assert_str_eq(grow[1].name, "two");
        ck_assert_ptr_null(grow[2].name);
        ck_assert_str_eq(grow[3].name, "four");
        c5_reclaim(mcmp, grow, 4);
        c5_object_close(d);
        c5_vl gw[4];
        OK(f, c5_object_open(&d, f, "vv"));
        OK(f, c5_dataset_read(d, vvs, NULL, gw, sizeof gw));
        ck_assert_uint_eq(gw[0].len, 2);
        ck_assert_str_eq(((char **)gw[0].p)[1], "yy");
        ck_assert_str_eq(((char **)gw[3].p)[0], "zzz");
        ck_assert_uint_eq(gw[2].len, 0);
        c5_reclaim(vvs, gw, 4);
        c5_object_close(d);
        char *gp[8];
        OK(f, c5_object_open(&d, f, "arr"));
        OK(f, c5_dataset_read(d, arr, NULL, gp, sizeof gp));
        ck_assert_str_eq(gp[0], "a");
        ck_assert_ptr_null(gp[2]);
        ck_assert_str_eq(gp[5], "");
        ck_assert_str_eq(gp[7], "h");
        c5_reclaim(arr, gp, 4);
        c5_object_close(d);
        uint64_t ga[4];
        OK(f, c5_object_open(&d, f, "refs"));
        OK(f, c5_dataset_read(d, nref, NULL, ga, sizeof ga));
        ck_assert_uint_eq(ga[0], target);
        ck_assert_uint_eq(ga[2], UINT64_MAX);
        c5_object_close(d);
        c5_file_close(f);
        c5_type *all[] = {vs, i16, seq, cmp, mcmp, i32, mseq, ref, nref, mvs, vvs, arr};
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            c5_type_close(all[k]);
    }
}
END_TEST

/* A region reference made in a writable file reads back (heap object
 * still pending: the read flushes first, then after reopening). */
START_TEST(test_dwrite_regref_make_then_read)
{
    c5_file *f = create_file("regref.h5", C5_FORMAT_COMPATIBLE, 0);
    c5_type *u8 = native(C5_NATIVE_UINT8), *rt = NULL;
    uint64_t dims[2] = {10, 10};
    c5_space sp = simple(2, dims, NULL);
    c5_object *d;
    OK(f, c5_dataset_create(&d, f, "data", u8, &sp, NULL));
    uint8_t vals[100];
    for (int k = 0; k < 100; k++)
        vals[k] = (uint8_t)k;
    OK(f, c5_dataset_write(d, NULL, NULL, vals, sizeof vals));
    uint64_t target = c5_object_addr(d);
    c5_object_close(d);
    /* block (2,2)-(7,7) as the hyperslab selection v1 encoding */
    uint8_t sel[40];
    uint32_t words[10] = {2, 1, 0, 24, 2, 1, 2, 2, 7, 7};
    for (int k = 0; k < 10; k++)
        c5_put_le(sel + 4 * k, words[k], 4);
    /* and block (0,0)-(1,9) */
    uint8_t all[40];
    uint32_t words2[10] = {2, 1, 0, 24, 2, 1, 0, 0, 1, 9};
    for (int k = 0; k < 10; k++)
        c5_put_le(all + 4 * k, words2[k], 4);
    uint8_t refs[24];
    OK(f, c5_regref_make(f, refs, target, sel, sizeof sel));
    OK(f, c5_regref_make(f, refs + 12, target, all, sizeof all));
    uint64_t obj;
    void *s;
    size_t n;
    OK(f, c5_regref_read(f, refs, &obj, &s, &n));
    ck_assert_uint_eq(obj, target);
    ck_assert_uint_eq(n, sizeof sel);
    ck_assert_mem_eq(s, sel, sizeof sel);
    free(s);
    uint64_t two[1] = {2};
    c5_space rsp = simple(1, two, NULL);
    OK(f, c5_type_reference(&rt, C5_REF_REGION));
    OK(f, c5_dataset_create(&d, f, "refs", rt, &rsp, NULL));
    OK(f, c5_dataset_write(d, NULL, NULL, refs, sizeof refs));
    c5_object_close(d);
    OK(f, c5_file_close(f));
    f = reopen("regref.h5");
    uint8_t back[24];
    OK(f, c5_object_open(&d, f, "refs"));
    OK(f, c5_dataset_read(d, NULL, NULL, back, sizeof back));
    c5_object_close(d);
    OK(f, c5_regref_read(f, back + 12, &obj, &s, &n));
    ck_assert_uint_eq(obj, target);
    ck_assert_uint_eq(n, sizeof all);
    ck_assert_mem_eq(s, all, sizeof all);
    free(s);
    c5_file_close(f);
    c5_type_close(u8);
    c5_type_close(rt);
}
END_TEST

/* Modifying a dataset of an existing file opened "r+": a chunked filtered
 * one (stored chunks re-read, decoded, merged, rewritten) and a contiguous
 * one (written in place). */
START_TEST(test_dwrite_modify_existing_file_r_plus)
{
    for (int format = 0; format < 2; format++) {
        const char *name = format ? "rplus_latest.h5" : "rplus.h5";
        c5_file *f = create_file(name, format, 0);
        c5_type *i32 = native(C5_NATIVE_INT32);
        uint64_t dims[1] = {50}, unl[1] = {C5_UNLIMITED};
        c5_space sp = simple(1, dims, unl);
        c5_dataset_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.chunk_rank = 1;
        o.chunk[0] = 16;
        o.nfilters = 1;
        o.filters[0].id = C5_FILTER_DEFLATE;
        c5_object *d;
        OK(f, c5_dataset_create(&d, f, "chunked", i32, &sp, &o));
        int32_t v[50];
        for (int k = 0; k < 50; k++)
            v[k] = k;
        OK(f, c5_dataset_write(d, NULL, NULL, v, sizeof v));
        c5_object_close(d);
        c5_space sc = simple(1, dims, NULL);
        OK(f, c5_dataset_create(&d, f, "contig", i32, &sc, NULL));
        OK(f, c5_dataset_write(d, NULL, NULL, v, sizeof v));
        c5_object_close(d);
        OK(f, c5_file_close(f));

        f = NULL;
        OK(f, c5_file_open_mode(&f, tmp_path(name), "r+", NULL));
        uint64_t s[1] = {10}, c[1] = {20};
        c5_hyperslab h = slab(1, s, c);
        int32_t neg[20];
        for (int k = 0; k < 20; k++)
            neg[k] = -k;
        OK(f, c5_object_open(&d, f, "chunked"));
        OK(f, c5_dataset_write(d, NULL, &h, neg, sizeof neg));
        uint64_t nd[1] = {60};
        OK(f, c5_dataset_resize(d, nd));
        c5_object_close(d);
        OK(f, c5_object_open(&d, f, "contig"));
        OK(f, c5_dataset_write(d, NULL, &h, neg, sizeof neg));
        c5_object_close(d);
        OK(f, c5_file_close(f));

        f = reopen(name);
        int32_t got[60];
        read_i32(f, "chunked", got, 60);
        for (int k = 0; k < 60; k++)
            ck_assert_int_eq(got[k], k >= 50 ? 0 : k >= 10 && k < 30 ? -(k - 10) : k);
        read_i32(f, "contig", got, 50);
        for (int k = 0; k < 50; k++)
            ck_assert_int_eq(got[k], k >= 10 && k < 30 ? -(k - 10) : k);
        c5_file_close(f);
        c5_type_close(i32);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dwrite");
    TCase *tc = tcase_create("convert");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dwrite_type_constructors_build_valid_types);
    tcase_add_test(tc, test_dwrite_type_vlstring_matches_decoded_h5py_type);
    tcase_add_test(tc, test_dwrite_convert_numeric_compound_enum_array);
    tcase_add_test(tc, test_dwrite_convert_strings_and_references_without_heap);
    tcase_add_test(tc, test_dwrite_regref_read_corpus_block_and_points);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("end_to_end");
    tcase_set_timeout(e2e, 120);
    tcase_add_test(e2e, test_dwrite_contiguous_compact_partial_writes_and_fill);
    tcase_add_test(e2e, test_dwrite_chunked_every_index_type_round_trips);
    tcase_add_test(e2e, test_dwrite_chunked_single_chunk_index);
    tcase_add_test(e2e, test_dwrite_append_one_by_one_with_small_budget);
    tcase_add_test(e2e, test_dwrite_large_write_streams_through_small_budget);
    tcase_add_test(e2e, test_dwrite_resize_shrink_then_grow_shows_fill);
    tcase_add_test(e2e, test_dwrite_implicit_resize_and_late_allocation);
    tcase_add_test(e2e, test_dwrite_vlen_strings_sequences_and_references);
    tcase_add_test(e2e, test_dwrite_regref_make_then_read);
    tcase_add_test(e2e, test_dwrite_modify_existing_file_r_plus);
    suite_add_tcase(s, e2e);
    return s;
}

/* Remove the written files, unless a test failed (then they are kept for
 * a look with h5dump). */
static void cleanup(int failed)
{
    if (!tmpdir[0])
        return;
    if (failed) {
        fprintf(stderr, "test_dwrite: files kept in %s\n", tmpdir);
        return;
    }
    DIR *dir = opendir(tmpdir);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)))
            if (e->d_name[0] != '.')
                unlink(tmp_path(e->d_name));
        closedir(dir);
    }
    rmdir(tmpdir);
}

int main(void)
{
    /* made here, so that forked tests share it */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/c5dwXXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    cleanup(failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
