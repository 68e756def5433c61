/* Datatypes: decoding datatype messages (bytes taken from the HDF5 1.14
 * test files or built by hand from the spec), the public c5_type_* API,
 * and conversion from file types to memory types. */
#include "core/internal.h"

#include "unit.h"

#include "type.h"

#include <stdio.h>

/* ---- helpers ---------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        ck_assert(n < cap);
        unsigned v;
        ck_assert(sscanf(h, "%2x", &v) == 1);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static int decode_bytes(const uint8_t *b, size_t n, c5_type **t, size_t *left)
{
    c5_rd r;
    c5_rd_init(&r, NULL, b, n, C5_UNDEF, "datatype message");
    int rc = c5_type_decode(NULL, &r, t);
    if (left)
        *left = c5_rd_left(&r);
    return rc;
}

/* Decode a hex vector that must be consumed exactly. */
static c5_type *dec(const char *hex)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof b), left = 99;
    c5_type *t = NULL;
    int rc = decode_bytes(b, n, &t, &left);
    ck_assert_msg(rc == 0, "decode failed: %d", rc);
    ck_assert_uint_eq(left, 0);
    return t;
}

static c5_type *native(c5_native k)
{
    c5_type *t;
    ck_assert_int_eq(c5_type_native(&t, k), 0);
    return t;
}

/* ---- vectors ------------------------------------------------------------ */

#define INT32LE "1008000004000000" "00002000"
#define DOUBLE_LE "11203f0008000000" "00004000340b0034ff030000"
/* H5T_VAX_F64 from tvms.h5: bit 6 + bit 0 of the flags, bias 1025. */
#define VAX_F64 "31613f0008000000" "00004000340b003401040000"
/* 80-bit x87 long double in 16 bytes from tldouble.h5 (explicit msb). */
#define LDOUBLE "11004f0010000000" "00005000400f0040ff3f0000"
/* 128-bit big-endian float with 11-bit exponent from t128bit_float.h5. */
#define F128BE "11217f0010000000" "00008000740b0074ff030000"
#define HALF_LE "11200f0002000000" "000010000a05000a0f000000"
/* tarrold.h5 Dataset2: compound v1 whose members f and l carry array dims. */
static const char *CMPD_V1_DIMS =
    "160400002c000000690000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000010080000020000000000100066000000"
    "0000000004000000010000000000000000000000040000000000000000000000"
    "0000000011201f000400000000002000170800177f0000006c00000000000000"
    "1400000001000000000000000000000004000000000000000000000000000000"
    "1008000004000000000020006400000000000000240000000000000000000000"
    "000000000000000000000000000000000000000011203f000800000000004000"
    "340b0034ff030000";
/* tcompound.h5 group1/dset4: compound v1, big-endian int and float. */
static const char *CMPD_V1 =
    "1602000008000000696e74000000000000000000000000000000000000000000"
    "00000000000000000000000000000000100900000400000000002000666c6f61"
    "7400000004000000000000000000000000000000000000000000000000000000"
    "0000000011211f000400000000002000170800177f000000";
/* tstr.h5 comp1: compound v2 of array v2 members (spacepad strings). */
static const char *CMPD_V2_ARRAYS =
    "26020000c0020000696e745f617272617900000000000000000000002a000000400100000200000008000000"
    "0a0000000000000001000000100900000400000000002000737472696e670000400100002a000000800100"
    "0002000000030000000400000000000000010000001302000020000000";
/* Hand-built compound v3 of size 300: names unpadded, 2-byte offsets. */
static const char *CMPD_V3 = "36020000"
                             "2c010000"
                             "6100" "0000" INT32LE
                             "62620000" "01" "11203f000800000000004000340b0034ff030000";
/* tenum.h5 enum_normal (v1, names padded to 8). */
static const char *ENUM_V1 =
    "18050000040000001008000004000000000020005245440000000000475245454e0a677265656e000000"
    "0000424c554520626c75650000000000000057484954452022776869746522000000424c41434b20276"
    "26c61636b270000000000000001000000020000000300000004000000";
/* Hand-built enum v3 over uint8: names unpadded. */
static const char *ENUM_V3 = "38020000" "01000000" "1000000001000000" "00000800"
                             "4e4f00" "59455300" "00" "01";
/* Variable-length string of tvlstr.h5 (file form: 16 bytes). */
static const char *VLSTR = "1911000010000000" "1000000001000000" "00000800";
static const char *VLSEQ_I32 = "1900000010000000" INT32LE;
static const char *OPAQUE = "1518000001000000312d62797465206f70617175652074797065000000000000";
/* topaque.h5: a 16-byte tag with no terminating NUL. */
static const char *OPAQUE_NONUL = "151000006400000074657374206f70617175652074797065";
static const char *ARRAY_V3 = "3a00000018000000" "02" "02000000" "03000000" INT32LE;

/* ---- decoding ------------------------------------------------------------ */

START_TEST(test_type_decode_atomic_fields)
{
    c5_type *t = dec(INT32LE);
    ck_assert_int_eq(t->cls, C5_CLASS_INTEGER);
    ck_assert_uint_eq(t->size, 4);
    ck_assert_int_eq(t->order, C5_ORDER_LE);
    ck_assert_int_eq(t->is_signed, 1);
    ck_assert_uint_eq(t->precision, 32);
    ck_assert(t->committed == C5_UNDEF);
    c5_type_close(t);

    t = dec("1001000002000000" "03000d00"); /* BE unsigned, offset 3, 13 bits */
    ck_assert_int_eq(t->order, C5_ORDER_BE);
    ck_assert_int_eq(t->is_signed, 0);
    ck_assert_uint_eq(t->bit_offset, 3);
    ck_assert_uint_eq(t->precision, 13);
    c5_type_close(t);

    t = dec(DOUBLE_LE);
    ck_assert_int_eq(t->cls, C5_CLASS_FLOAT);
    ck_assert_uint_eq(t->sign_loc, 63);
    ck_assert_uint_eq(t->exp_loc, 52);
    ck_assert_uint_eq(t->exp_size, 11);
    ck_assert_uint_eq(t->mant_size, 52);
    ck_assert_uint_eq(t->mant_norm, 2);
    ck_assert_uint_eq(t->exp_bias, 1023);
    c5_type_close(t);

    t = dec(VAX_F64);
    ck_assert_int_eq(t->order, C5_ORDER_VAX);
    ck_assert_uint_eq(t->exp_bias, 1025);
    c5_type_close(t);

    t = dec(LDOUBLE);
    ck_assert_uint_eq(t->size, 16);
    ck_assert_uint_eq(t->precision, 80);
    ck_assert_uint_eq(t->mant_norm, 0);
    ck_assert_uint_eq(t->sign_loc, 79);
    c5_type_close(t);

    t = dec("1302000020000000"); /* spacepad ASCII[32] */
    ck_assert_int_eq(t->cls, C5_CLASS_STRING);
    ck_assert_int_eq(t->strpad, C5_STR_SPACEPAD);
    c5_type_close(t);
    t = dec("1311000005000000"); /* nullpad UTF-8[5] */
    ck_assert_int_eq(t->strpad, C5_STR_NULLPAD);
    ck_assert_int_eq(t->cset, C5_CSET_UTF8);
    c5_type_close(t);

    t = dec("140000000100000000000800");
    ck_assert_int_eq(t->cls, C5_CLASS_BITFIELD);
    ck_assert_uint_eq(t->precision, 8);
    c5_type_close(t);

    t = dec("1201000008000000" "4000"); /* time, big-endian, 64 bits */
    ck_assert_int_eq(t->cls, C5_CLASS_TIME);
    ck_assert_int_eq(t->order, C5_ORDER_BE);
    c5_type_close(t);

    t = dec(OPAQUE);
    ck_assert_str_eq(t->tag, "1-byte opaque type");
    c5_type_close(t);
    t = dec(OPAQUE_NONUL);
    ck_assert_str_eq(t->tag, "test opaque type");
    ck_assert_uint_eq(t->size, 100);
    c5_type_close(t);

    t = dec("1700000008000000");
    ck_assert_int_eq(t->reftype, C5_REF_OBJECT);
    c5_type_close(t);
    t = dec("170100000c000000");
    ck_assert_int_eq(t->reftype, C5_REF_REGION);
    c5_type_close(t);
    t = dec("1712000012000000"); /* revised object reference (trefer_attr.h5) */
    ck_assert_int_eq((int)t->reftype, 2);
    c5_type_close(t);
}
END_TEST

START_TEST(test_type_decode_compound_versions)
{
    c5_type *t = dec(CMPD_V1);
    ck_assert_int_eq(t->cls, C5_CLASS_COMPOUND);
    ck_assert_int_eq(t->nmemb, 2);
    ck_assert_str_eq(t->memb[0].name, "int");
    ck_assert_str_eq(t->memb[1].name, "float");
    ck_assert_uint_eq(t->memb[1].offset, 4);
    ck_assert_int_eq(t->memb[1].type->order, C5_ORDER_BE);
    c5_type_close(t);

    t = dec(CMPD_V1_DIMS);
    ck_assert_int_eq(t->nmemb, 4);
    const c5_type *f = t->memb[1].type;
    ck_assert_int_eq(f->cls, C5_CLASS_ARRAY);
    ck_assert_int_eq(f->rank, 1);
    ck_assert_uint_eq(f->dims[0], 4);
    ck_assert_uint_eq(f->size, 16);
    ck_assert_int_eq(f->base->cls, C5_CLASS_FLOAT);
    ck_assert_uint_eq(t->memb[3].offset, 36);
    c5_type_close(t);

    t = dec(CMPD_V2_ARRAYS);
    ck_assert_uint_eq(t->size, 704);
    const c5_type *a = t->memb[0].type;
    ck_assert_int_eq(a->rank, 2);
    ck_assert_uint_eq(a->dims[0], 8);
    ck_assert_uint_eq(a->dims[1], 10);
    const c5_type *s = t->memb[1].type;
    ck_assert_uint_eq(t->memb[1].offset, 320);
    ck_assert_int_eq(s->base->strpad, C5_STR_SPACEPAD);
    c5_type_close(t);

    t = dec(CMPD_V3);
    ck_assert_uint_eq(t->size, 300);
    ck_assert_str_eq(t->memb[0].name, "a");
    ck_assert_uint_eq(t->memb[0].offset, 0);
    ck_assert_str_eq(t->memb[1].name, "bb");
    ck_assert_uint_eq(t->memb[1].offset, 256);
    c5_type_close(t);
}
END_TEST

START_TEST(test_type_decode_enum_vlen_array)
{
    c5_type *t = dec(ENUM_V1);
    ck_assert_int_eq(t->cls, C5_CLASS_ENUM);
    ck_assert_int_eq(t->nmemb, 5);
    ck_assert_str_eq(t->memb[1].name, "GREEN\ngreen");
    ck_assert_str_eq(t->memb[4].name, "BLACK 'black'");
    ck_assert_int_eq(t->memb[4].value[0], 4);
    ck_assert_int_eq(t->base->is_signed, 1);
    c5_type_close(t);

    t = dec(ENUM_V3);
    ck_assert_int_eq(t->nmemb, 2);
    ck_assert_str_eq(t->memb[1].name, "YES");
    ck_assert_int_eq(t->memb[1].value[0], 1);
    c5_type_close(t);

    t = dec(VLSTR);
    ck_assert_int_eq(t->cls, C5_CLASS_VLEN);
    ck_assert(t->vlen_string);
    ck_assert_int_eq(t->strpad, C5_STR_NULLPAD);
    ck_assert_int_eq(t->cset, C5_CSET_ASCII);
    ck_assert_int_eq(c5_type_is_vlstring(t), 1);
    c5_type_close(t);

    t = dec(VLSEQ_I32);
    ck_assert(!t->vlen_string);
    ck_assert_int_eq(t->base->cls, C5_CLASS_INTEGER);
    c5_type_close(t);

    t = dec(ARRAY_V3);
    ck_assert_int_eq(t->rank, 2);
    ck_assert_uint_eq(t->dims[1], 3);
    uint64_t dims[4];
    ck_assert_int_eq(c5_type_array_dims(t, dims, 4), 2);
    ck_assert_uint_eq(dims[0], 2);
    c5_type_close(t);
}
END_TEST

static void expect_corrupt(const char *hex, const char *why)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof b);
    c5_type *t = (c5_type *)1;
    int rc = decode_bytes(b, n, &t, NULL);
    ck_assert_msg(rc == C5_ECORRUPT, "%s: rc %d", why, rc);
    ck_assert(t == NULL);
}

START_TEST(test_type_decode_malformed_is_corrupt)
{
    expect_corrupt("0b00000004000000", "class 11");
    expect_corrupt("0000000004000000" "00002000", "version 0");
    expect_corrupt("5000000004000000" "00002000", "version 5");
    expect_corrupt("1000000000000000" "00000000", "size 0");
    expect_corrupt("1000000004000000" "00002100", "precision past the element");
    expect_corrupt("1000000004000000" "00000000", "zero precision");
    expect_corrupt("1140000008000000" "00004000340b0034ff030000", "reserved float order");
    expect_corrupt("1130000008000000" "00004000340b0034ff030000", "reserved normalization");
    expect_corrupt("11203f0008000000" "00004000400b0034ff030000", "exponent past end");
    expect_corrupt("16ff000008000000" "6100000000000000" "00000000", "huge member count");
    expect_corrupt("18ff000004000000" INT32LE "4100000000000000", "huge enum count");
    expect_corrupt("2601000004000000" "6100000000000000" "02000000" INT32LE,
                   "member beyond the compound");
    expect_corrupt("1601000004000000" "6162636465666768696a6b6c", "unterminated name");
    expect_corrupt("3a00000018000000" "00" INT32LE, "array rank 0");
    expect_corrupt("3a00000018000000" "21" INT32LE, "array rank 33");
    expect_corrupt("3a00000014000000" "02" "02000000" "03000000" INT32LE, "array size mismatch");
    expect_corrupt("3a000000ffffffff" "02" "ffffffff" "ffffffff" INT32LE, "array count overflow");
    expect_corrupt("3801000004000000" "1300000004000000" "4100" "00000000", "enum of string");
    expect_corrupt("3801000008000000" INT32LE "4100" "0000000000000000", "enum size mismatch");
    expect_corrupt("1902000010000000" INT32LE, "reserved vlen type");
    expect_corrupt("1705000008000000", "reserved reference type");
}
END_TEST

START_TEST(test_type_decode_deep_nesting_is_corrupt)
{
    /* 40 nested vlen sequences around an int. */
    char hex[2048] = "";
    for (int i = 0; i < 40; i++)
        strcat(hex, "1900000010000000");
    strcat(hex, INT32LE);
    expect_corrupt(hex, "deep nesting");
    /* 20 levels are fine. */
    hex[0] = 0;
    for (int i = 0; i < 20; i++)
        strcat(hex, "1900000010000000");
    strcat(hex, INT32LE);
    c5_type *t = dec(hex);
    c5_type_close(t);
}
END_TEST

START_TEST(test_type_decode_truncated_and_damaged_never_crash)
{
    const char *vecs[] = {INT32LE, DOUBLE_LE, VAX_F64, LDOUBLE, F128BE, HALF_LE,
                          "140000000100000000000800", "1302000020000000",
                          "1201000008000000" "4000", "1700000008000000", "170100000c000000",
                          CMPD_V1_DIMS, CMPD_V1, CMPD_V2_ARRAYS, CMPD_V3, ENUM_V1, ENUM_V3,
                          VLSTR, VLSEQ_I32, OPAQUE, OPAQUE_NONUL, ARRAY_V3};
    c5_type *dbl = native(C5_NATIVE_DOUBLE), *i64 = native(C5_NATIVE_INT64);
    for (size_t v = 0; v < sizeof vecs / sizeof *vecs; v++) {
        uint8_t b[4096], d[4096];
        size_t n = unhex(vecs[v], b, sizeof b);
        for (size_t k = 0; k < n; k++) {
            c5_type *t;
            int rc = decode_bytes(b, k, &t, NULL);
            if (rc == 0) /* a prefix can be a valid, shorter message */
                c5_type_close(t);
            else
                ck_assert_int_eq(rc, C5_ECORRUPT);
        }
        /* Every single-byte damage: decode, then dup/compare/convert. */
        for (size_t k = 0; k < n; k++)
            for (int x = 0; x < 4; x++) {
                static const uint8_t vals[] = {0x00, 0xff, 0x80, 0x21};
                memcpy(d, b, n);
                d[k] = vals[x];
                c5_type *t;
                int rc = decode_bytes(d, n, &t, NULL);
                if (rc) {
                    ck_assert(rc == C5_ECORRUPT || rc == C5_ENOMEM);
                    continue;
                }
                c5_type *u = c5_type_dup(t);
                ck_assert(c5_type_equal(t, u));
                if (t->size <= 1024 && !c5_type_has_vlen(t)) {
                    uint8_t in[1024] = {0}, out[1024];
                    memset(in, 0x5a, sizeof in);
                    ck_assert_int_eq(c5_convert(NULL, t, u, in, out, 1), 0);
                    /* odd numeric layouts must convert or refuse cleanly */
                    rc = c5_convert(NULL, t, dbl, in, out, 1);
                    ck_assert(rc == 0 || rc == C5_ETYPE);
                    rc = c5_convert(NULL, t, i64, in, out, 1);
                    ck_assert(rc == 0 || rc == C5_ETYPE);
                }
                c5_type_close(u);
                c5_type_close(t);
            }
    }
    c5_type_close(dbl);
    c5_type_close(i64);
}
END_TEST

/* ---- public API ------------------------------------------------------------- */

START_TEST(test_type_api_natives_and_constructors)
{
    c5_type *t = native(C5_NATIVE_INT16);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_INTEGER);
    ck_assert_uint_eq(c5_type_size(t), 2);
    ck_assert_int_eq(c5_type_is_signed(t), 1);
    uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    ck_assert_int_eq(c5_type_order(t), first ? C5_ORDER_LE : C5_ORDER_BE);
    c5_type_close(t);
    t = native(C5_NATIVE_UINT64);
    ck_assert_uint_eq(c5_type_size(t), 8);
    ck_assert_int_eq(c5_type_is_signed(t), 0);
    c5_type_close(t);
    t = native(C5_NATIVE_DOUBLE);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_FLOAT);
    ck_assert_uint_eq(t->exp_bias, 1023);
    c5_type_close(t);
    t = native(C5_NATIVE_OBJREF);
    ck_assert_int_eq(c5_type_class(t), C5_CLASS_REFERENCE);
    ck_assert_uint_eq(c5_type_mem_size(t), 8);
    c5_type_close(t);
    t = native(C5_NATIVE_VLSTRING);
    ck_assert_int_eq(c5_type_is_vlstring(t), 1);
    ck_assert_uint_eq(c5_type_mem_size(t), sizeof(char *));
    c5_type_close(t);

    ck_assert_int_eq(c5_type_native(&t, (c5_native)99), C5_EINVAL);
    ck_assert_int_eq(c5_type_integer(&t, 0, 1, C5_ORDER_LE), C5_EINVAL);
    ck_assert_int_eq(c5_type_integer(&t, 4, 1, C5_ORDER_VAX), C5_EINVAL);
    ck_assert_int_eq(c5_type_float(&t, 3, C5_ORDER_LE), C5_EINVAL);
    ck_assert_int_eq(c5_type_string(&t, 0, C5_STR_NULLPAD, C5_CSET_ASCII), C5_EINVAL);
    ck_assert_int_eq(c5_type_float(&t, 2, C5_ORDER_BE), 0);
    ck_assert_uint_eq(t->exp_bias, 15);
    c5_type_close(t);
    c5_type_close(NULL);
}
END_TEST

START_TEST(test_type_api_compound_build_query_copy)
{
    c5_type *c, *i32 = native(C5_NATIVE_INT32), *dbl = native(C5_NATIVE_DOUBLE), *cp;
    ck_assert_int_eq(c5_type_compound(&c, 16), 0);
    ck_assert_int_eq(c5_type_insert(c, "x", 0, i32), 0);
    ck_assert_int_eq(c5_type_insert(c, "y", 8, dbl), 0);
    ck_assert_int_eq(c5_type_insert(c, "x", 4, i32), C5_EEXIST);
    ck_assert_int_eq(c5_type_insert(c, "z", 12, dbl), C5_EINVAL);
    ck_assert_int_eq(c5_type_insert(i32, "z", 0, dbl), C5_EINVAL);
    ck_assert_int_eq(c5_type_nmembers(c), 2);
    ck_assert_str_eq(c5_type_member_name(c, 1), "y");
    ck_assert_uint_eq(c5_type_member_offset(c, 1), 8);
    ck_assert(c5_type_equal(c5_type_member_type(c, 0), i32));
    ck_assert(c5_type_member_name(c, 2) == NULL);
    ck_assert(c5_type_member_type(c, -1) == NULL);
    ck_assert_int_eq(c5_type_copy(&cp, c), 0);
    ck_assert(c5_type_equal(c, cp));
    ck_assert(!c5_type_equal(c, i32));
    c5_type_close(cp);

    c5_type *e = dec(ENUM_V1);
    ck_assert_int_eq(c5_type_nmembers(e), 5);
    ck_assert_int_eq(*(const uint8_t *)c5_type_enum_value(e, 2), 2);
    ck_assert(c5_type_enum_value(c, 0) == NULL);
    ck_assert(c5_type_base(e) != NULL);
    ck_assert_int_eq(c5_type_is_signed(e), 1);
    ck_assert_int_eq(c5_type_array_dims(e, NULL, 0), C5_EINVAL);
    c5_type_close(e);

    c5_type *a = dec(CMPD_V2_ARRAYS);
    ck_assert_uint_eq(c5_type_mem_size(a), 704);
    ck_assert_uint_eq(c5_type_mem_size(a->memb[0].type), 320);
    c5_type *vs = dec("3a00000030000000" "01" "03000000" "1911000010000000" "1000000001000000"
                      "00000800");
    ck_assert_uint_eq(c5_type_mem_size(vs), 3 * sizeof(char *));
    c5_type_close(vs);
    c5_type_close(a);
    c5_type_close(c);
    c5_type_close(i32);
    c5_type_close(dbl);
}
END_TEST

/* ---- numeric conversion ----------------------------------------------------- */

static c5_type *itype(size_t size, int sgn, c5_byteorder o)
{
    c5_type *t;
    ck_assert_int_eq(c5_type_integer(&t, size, sgn, o), 0);
    return t;
}

START_TEST(test_type_convert_integers_widths_orders_saturation)
{
    c5_type *i8 = native(C5_NATIVE_INT8), *u8 = native(C5_NATIVE_UINT8);
    c5_type *i16 = native(C5_NATIVE_INT16), *u32 = native(C5_NATIVE_UINT32);
    c5_type *i64 = native(C5_NATIVE_INT64), *u64 = native(C5_NATIVE_UINT64);
    c5_type *be32 = itype(4, 1, C5_ORDER_BE), *le32 = itype(4, 1, C5_ORDER_LE);
    c5_type *ube16 = itype(2, 0, C5_ORDER_BE);

    int8_t a[4] = {-5, 127, -128, 0};
    int64_t w[4];
    ck_assert_int_eq(c5_convert(NULL, i8, i64, a, w, 4), 0);
    ck_assert(w[0] == -5 && w[1] == 127 && w[2] == -128 && w[3] == 0);

    /* big-endian int32 -> host int64 and -> little-endian int32 (swap) */
    uint8_t be[8] = {0xff, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x02, 0x03};
    ck_assert_int_eq(c5_convert(NULL, be32, i64, be, w, 2), 0);
    ck_assert(w[0] == -2 && w[1] == 0x010203);
    uint8_t le[8];
    ck_assert_int_eq(c5_convert(NULL, be32, le32, be, le, 2), 0);
    ck_assert(le[0] == 0xfe && le[3] == 0xff && le[4] == 0x03 && le[7] == 0x00);

    /* saturation */
    int64_t big[5] = {300, -300, -1, INT64_MAX, INT64_MIN};
    int8_t s8[5];
    uint8_t us8[5];
    ck_assert_int_eq(c5_convert(NULL, i64, i8, big, s8, 5), 0);
    ck_assert(s8[0] == 127 && s8[1] == -128 && s8[2] == -1 && s8[3] == 127 && s8[4] == -128);
    ck_assert_int_eq(c5_convert(NULL, i64, u8, big, us8, 5), 0);
    ck_assert(us8[0] == 255 && us8[1] == 0 && us8[2] == 0 && us8[3] == 255 && us8[4] == 0);
    uint64_t ub[2] = {UINT64_MAX, 40000};
    int16_t s16[2];
    ck_assert_int_eq(c5_convert(NULL, u64, i16, ub, s16, 2), 0);
    ck_assert(s16[0] == 32767 && s16[1] == 32767);
    int64_t neg = -7;
    uint32_t u;
    ck_assert_int_eq(c5_convert(NULL, i64, u32, &neg, &u, 1), 0);
    ck_assert_uint_eq(u, 0);
    uint64_t uu;
    ck_assert_int_eq(c5_convert(NULL, i64, u64, &big[3], &uu, 1), 0);
    ck_assert(uu == (uint64_t)INT64_MAX);

    /* unsigned big-endian 16 -> int8 */
    uint8_t b16[4] = {0x00, 0x7f, 0x01, 0x00};
    ck_assert_int_eq(c5_convert(NULL, ube16, i8, b16, s8, 2), 0);
    ck_assert(s8[0] == 127 && s8[1] == 127);

    /* precision and bit offset: signed 5-bit value at bit 3 of a BE short */
    c5_type *nb = dec("1009000002000000" "03000500");
    /* element 0: bits 3-7 = 0b11011 = -5 (high byte is padding, ignored);
     * element 1: 0b00001 = 1 with the low padding bits set */
    uint8_t nbits[4] = {0xff, 0xd8, 0xff, 0x0f};
    ck_assert_int_eq(c5_convert(NULL, nb, i64, nbits, w, 2), 0);
    ck_assert_int_eq(w[0], -5);
    ck_assert_int_eq(w[1], 1);
    /* and back: host int64 into the 5-bit layout saturates at 15 / -16 */
    int64_t vals[2] = {100, -3};
    uint8_t o[4];
    ck_assert_int_eq(c5_convert(NULL, i64, nb, vals, o, 2), 0);
    ck_assert_uint_eq(o[0], 0);
    ck_assert_uint_eq(o[1], 15 << 3);
    ck_assert_uint_eq(o[3], (uint8_t)((-3 & 0x1f) << 3));

    /* bitfields keep low bits instead of saturating */
    c5_type *bf8 = dec("140000000100000000000800"), *bf16 = dec("140000000200000000001000");
    uint8_t bfo[2];
    uint8_t bfi[4] = {0x34, 0x12, 0xff, 0xff};
    ck_assert_int_eq(c5_convert(NULL, bf16, bf8, bfi, bfo, 2), 0);
    ck_assert(bfo[0] == 0x34 && bfo[1] == 0xff);

    c5_type *ts[] = {i8, u8, i16, u32, i64, u64, be32, le32, ube16, nb, bf8, bf16};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

START_TEST(test_type_convert_floats_half_vax_long_double)
{
    c5_type *flt = native(C5_NATIVE_FLOAT), *dbl = native(C5_NATIVE_DOUBLE);
    c5_type *half = dec(HALF_LE), *vax = dec(VAX_F64), *ld = dec(LDOUBLE), *q = dec(F128BE);
    c5_type *hmem;
    ck_assert_int_eq(c5_type_float(&hmem, 2, C5_ORDER_LE), 0);
    ck_assert(c5_type_equal(hmem, half));

    uint8_t h[] = {0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00,
                   0x00, 0x7c, 0x00, 0x7e, 0x00, 0x80, 0x00, 0x04};
    double d[8];
    float f[8];
    ck_assert_int_eq(c5_convert(NULL, half, dbl, h, d, 8), 0);
    ck_assert(d[0] == 1.0 && d[1] == -2.0 && d[2] == 65504.0);
    ck_assert(d[3] == 1.0 / 16777216.0); /* smallest subnormal, 2^-24 */
    ck_assert(d[4] > 1e308 && d[4] == d[4] * 2);
    ck_assert(d[5] != d[5]);
    uint64_t nz;
    memcpy(&nz, &d[6], 8);
    ck_assert(d[6] == 0.0 && (nz >> 63) == 1); /* negative zero */
    ck_assert(d[7] == 1.0 / 16384.0); /* smallest normal, 2^-14 */
    ck_assert_int_eq(c5_convert(NULL, half, flt, h, f, 3), 0);
    ck_assert(f[0] == 1.0f && f[1] == -2.0f && f[2] == 65504.0f);

    /* double -> half: rounding, overflow to infinity, subnormals */
    double in[6] = {0.1, 65520.0, 65519.0, 1.0 / 16777216.0, 1e-9, -1.5};
    uint16_t ho[6];
    ck_assert_int_eq(c5_convert(NULL, dbl, hmem, in, ho, 6), 0);
    ck_assert_uint_eq(ho[0], 0x2e66);
    ck_assert_uint_eq(ho[1], 0x7c00);
    ck_assert_uint_eq(ho[2], 0x7bff);
    ck_assert_uint_eq(ho[3], 0x0001);
    ck_assert_uint_eq(ho[4], 0x0000);
    ck_assert_uint_eq(ho[5], 0xbe00);

    /* double -> float: overflow becomes infinity; float -> double exact */
    double big[4] = {1e39, -3.5, -3.4028235e38, 3.4028236e38};
    ck_assert_int_eq(c5_convert(NULL, dbl, flt, big, f, 4), 0);
    ck_assert(f[0] > 3.4e38f && f[0] == f[0] * 2 && f[1] == -3.5f);
    ck_assert(f[2] == -3.4028234663852886e38f); /* rounds to -FLT_MAX */
    ck_assert(f[3] > 3.4e38f && f[3] == f[3] * 2); /* past half an ulp: inf */

    /* big-endian float */
    c5_type *fbe;
    ck_assert_int_eq(c5_type_float(&fbe, 4, C5_ORDER_BE), 0);
    uint8_t fb[4] = {0x40, 0x49, 0x0f, 0xdb};
    ck_assert_int_eq(c5_convert(NULL, fbe, dbl, fb, d, 1), 0);
    ck_assert(d[0] > 3.14159 && d[0] < 3.1416);

    /* VAX G-float values from tvms.h5 */
    uint8_t v[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x40, 0, 0, 0, 0, 0, 0,
                   0x20, 0x40, 0, 0,    0,    0,    0,    0,    0x28, 0x40, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(c5_convert(NULL, vax, dbl, v, d, 4), 0);
    ck_assert(d[0] == 0.0 && d[1] == 1.0 && d[2] == 2.0 && d[3] == 3.0);
    /* and back into VAX order */
    uint8_t vb[32];
    ck_assert_int_eq(c5_convert(NULL, dbl, vax, d, vb, 4), 0);
    ck_assert(memcmp(vb, v, 32) == 0);

    /* x87 extended from tldouble.h5: 1, 2, 3 */
    uint8_t l[48];
    unhex("0000000000000080ff3f000000000000"
          "00000000000000800040000000000000"
          "00000000000000c00040000000000000",
          l, sizeof l);
    ck_assert_int_eq(c5_convert(NULL, ld, dbl, l, d, 3), 0);
    ck_assert(d[0] == 1.0 && d[1] == 2.0 && d[2] == 3.0);

    /* 128-bit big-endian float: same exponent as a double, longer mantissa */
    uint8_t qb[16];
    unhex("3ff1f9add3746f66bc6c780d2ea841d0", qb, sizeof qb);
    ck_assert_int_eq(c5_convert(NULL, q, dbl, qb, d, 1), 0);
    uint64_t bits = 0x3ff1f9add3746f66ull;
    double want;
    memcpy(&want, &bits, 8);
    ck_assert(d[0] - want < 1e-15 && want - d[0] < 1e-15);

    c5_type *ts[] = {flt, dbl, half, vax, ld, q, hmem, fbe};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

START_TEST(test_type_convert_float_int_saturation)
{
    c5_type *flt = native(C5_NATIVE_FLOAT), *dbl = native(C5_NATIVE_DOUBLE);
    c5_type *i8 = native(C5_NATIVE_INT8), *u8 = native(C5_NATIVE_UINT8);
    c5_type *i32 = native(C5_NATIVE_INT32), *i64 = native(C5_NATIVE_INT64);
    c5_type *u64 = native(C5_NATIVE_UINT64);
    float fi[6] = {3e9f, -300.0f, 2.9f, -2.9f, 0.0f, 0.0f};
    fi[5] = fi[4] / fi[4]; /* NaN */
    int32_t o32[6];
    int8_t o8[6];
    uint8_t ou8[6];
    ck_assert_int_eq(c5_convert(NULL, flt, i32, fi, o32, 6), 0);
    ck_assert(o32[0] == INT32_MAX && o32[1] == -300 && o32[2] == 2 && o32[3] == -2 &&
              o32[5] == 0);
    ck_assert_int_eq(c5_convert(NULL, flt, i8, fi, o8, 6), 0);
    ck_assert(o8[0] == 127 && o8[1] == -128 && o8[2] == 2 && o8[3] == -2);
    ck_assert_int_eq(c5_convert(NULL, flt, u8, fi, ou8, 6), 0);
    ck_assert(ou8[0] == 255 && ou8[1] == 0 && ou8[2] == 2 && ou8[3] == 0 && ou8[5] == 0);
    double dd[3] = {1e30, -1e30, 9007199254740993.0};
    int64_t o64[3];
    uint64_t ou64[3];
    ck_assert_int_eq(c5_convert(NULL, dbl, i64, dd, o64, 3), 0);
    ck_assert(o64[0] == INT64_MAX && o64[1] == INT64_MIN && o64[2] == 9007199254740992ll);
    ck_assert_int_eq(c5_convert(NULL, dbl, u64, dd, ou64, 2), 0);
    ck_assert(ou64[0] == UINT64_MAX && ou64[1] == 0);
    int64_t ii[2] = {-7, (1ll << 53) + 1};
    double od[2];
    ck_assert_int_eq(c5_convert(NULL, i64, dbl, ii, od, 2), 0);
    ck_assert(od[0] == -7.0 && od[1] == 9007199254740992.0);
    int8_t s = -128;
    float of;
    ck_assert_int_eq(c5_convert(NULL, i8, flt, &s, &of, 1), 0);
    ck_assert(of == -128.0f);
    c5_type *ts[] = {flt, dbl, i8, u8, i32, i64, u64};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

/* ---- structured conversion ---------------------------------------------------- */

START_TEST(test_type_convert_compound_subset_by_name)
{
    /* file: {a int32 LE @0, b double BE @4, c int8 @12} size 13 (v3) */
    c5_type *src = dec("36030000" "0d000000"
                       "6100" "00" INT32LE
                       "6200" "04" "11213f000800000000004000340b0034ff030000"
                       "6300" "0c" "1008000001000000" "00000800");
    /* memory: {c int64 @0, a double @8, extra int32 @16} */
    c5_type *dst, *i64 = native(C5_NATIVE_INT64), *dbl = native(C5_NATIVE_DOUBLE);
    c5_type *i32 = native(C5_NATIVE_INT32);
    ck_assert_int_eq(c5_type_compound(&dst, 24), 0);
    ck_assert_int_eq(c5_type_insert(dst, "c", 0, i64), 0);
    ck_assert_int_eq(c5_type_insert(dst, "a", 8, dbl), 0);
    ck_assert_int_eq(c5_type_insert(dst, "extra", 16, i32), 0);
    uint8_t in[26] = {0};
    for (int e = 0; e < 2; e++) {
        uint8_t *p = in + 13 * e;
        int32_t a = e ? -9 : 77;
        memcpy(p, &a, 4); /* test hosts are little-endian for this vector */
        p[4] = 0x40; /* 2.0 big-endian */
        p[12] = (uint8_t)(e ? -3 : 5);
    }
    struct { int64_t c; double a; int32_t extra; int32_t pad; } out[2];
    out[0].extra = out[1].extra = 12345;
    ck_assert_int_eq(c5_convert(NULL, src, dst, in, out, 2), 0);
    if (c5_type_order(i32) == C5_ORDER_LE) {
        ck_assert(out[0].a == 77.0 && out[1].a == -9.0);
    }
    ck_assert(out[0].c == 5 && out[1].c == -3);
    ck_assert(out[0].extra == 12345 && out[1].extra == 12345);

    /* compound -> identical compound is a copy */
    uint8_t same[26];
    ck_assert_int_eq(c5_convert(NULL, src, src, in, same, 2), 0);
    ck_assert(memcmp(same, in, 26) == 0);
    /* dst NULL is a raw copy */
    memset(same, 0, sizeof same);
    ck_assert_int_eq(c5_convert(NULL, src, NULL, in, same, 2), 0);
    ck_assert(memcmp(same, in, 26) == 0);

    /* impossible pairs */
    c5_type *str = dec("1300000004000000");
    ck_assert_int_eq(c5_convert(NULL, src, i32, in, out, 1), C5_ETYPE);
    ck_assert_int_eq(c5_convert(NULL, str, i32, in, out, 1), C5_ETYPE);
    ck_assert_int_eq(c5_convert(NULL, i32, str, in, out, 1), C5_ETYPE);
    c5_type *a1 = dec(ARRAY_V3), *a2 = dec("3a00000018000000" "02" "03000000" "02000000" INT32LE);
    ck_assert_int_eq(c5_convert(NULL, a1, a2, in, out, 0), 0);
    uint8_t ab[24] = {0};
    ck_assert_int_eq(c5_convert(NULL, a1, a2, ab, out, 1), C5_ETYPE);

    c5_type *ts[] = {src, dst, i64, dbl, i32, str, a1, a2};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

START_TEST(test_type_convert_enum_array_reference)
{
    c5_type *e = dec(ENUM_V1), *i16 = native(C5_NATIVE_INT16);
    int32_t ev[3] = {0, 4, 2};
    int16_t o16[3];
    ck_assert_int_eq(c5_convert(NULL, e, i16, ev, o16, 3), 0);
    ck_assert(o16[0] == 0 && o16[1] == 4 && o16[2] == 2);

    /* enum -> enum maps names: dst has RED=10, BLACK 'black'=20 only */
    c5_type *d = dec("38020000" "01000000" "1000000001000000" "00000800"
                     "52454400" "424c41434b2027626c61636b2700" "0a" "14");
    int32_t ein[4] = {0, 4, 1, 77};
    uint8_t eo[4];
    ck_assert_int_eq(c5_convert(NULL, e, d, ein, eo, 4), 0);
    ck_assert(eo[0] == 10 && eo[1] == 20 && eo[2] == 0xff && eo[3] == 0xff);

    /* array[2][3] of big-endian int16 -> array[2][3] of host int32 */
    c5_type *as = dec("3a0000000c000000" "02" "02000000" "03000000" "1009000002000000" "00001000");
    c5_type *ad = dec(ARRAY_V3);
    uint8_t ain[24];
    for (int k = 0; k < 12; k++)
        ain[2 * k] = 0xff, ain[2 * k + 1] = (uint8_t)(0xff - k); /* -1, -2, ... */
    int32_t aout[12];
    ck_assert_int_eq(c5_convert(NULL, as, ad, ain, aout, 2), 0);
    if (c5_type_order(i16) == C5_ORDER_LE)
        for (int k = 0; k < 12; k++)
            ck_assert_int_eq(aout[k], -1 - k);

    /* object reference: 8-byte address in the file -> uint64 */
    c5_type *ref = dec("1700000008000000"), *nref = native(C5_NATIVE_OBJREF);
    uint8_t rb[16] = {0x20, 0x03, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint64_t ra[2];
    ck_assert_int_eq(c5_convert(NULL, ref, nref, rb, ra, 2), 0);
    ck_assert(ra[0] == 800 && ra[1] == C5_UNDEF);
    c5_type *reg = dec("170100000c000000");
    uint8_t rr[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ro[12];
    ck_assert_int_eq(c5_convert(NULL, reg, reg, rr, ro, 1), 0);
    ck_assert(memcmp(rr, ro, 12) == 0);
    ck_assert_int_eq(c5_convert(NULL, reg, nref, rr, ro, 1), C5_ETYPE);

    c5_type *ts[] = {e, i16, d, as, ad, ref, nref, reg};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

START_TEST(test_type_convert_fixed_strings)
{
    c5_type *nt5, *nt3, *np6, *sp6, *sp4, *nt8;
    ck_assert_int_eq(c5_type_string(&nt5, 5, C5_STR_NULLTERM, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&nt3, 3, C5_STR_NULLTERM, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&np6, 6, C5_STR_NULLPAD, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&sp6, 6, C5_STR_SPACEPAD, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&sp4, 4, C5_STR_SPACEPAD, C5_CSET_ASCII), 0);
    ck_assert_int_eq(c5_type_string(&nt8, 8, C5_STR_NULLTERM, C5_CSET_ASCII), 0);
    char o[16];
    ck_assert_int_eq(c5_convert(NULL, nt5, nt3, "hello", o, 1), 0);
    ck_assert(memcmp(o, "he\0", 3) == 0);
    ck_assert_int_eq(c5_convert(NULL, nt5, sp6, "hi\0\0\0", o, 1), 0);
    ck_assert(memcmp(o, "hi    ", 6) == 0);
    ck_assert_int_eq(c5_convert(NULL, sp4, nt8, "ab  ", o, 1), 0);
    ck_assert(memcmp(o, "ab\0\0\0\0\0\0", 8) == 0);
    ck_assert_int_eq(c5_convert(NULL, sp6, np6, "abcdef", o, 1), 0);
    ck_assert(memcmp(o, "abcdef", 6) == 0);

    c5_type *vs = native(C5_NATIVE_VLSTRING);
    char *ps[2];
    ck_assert_int_eq(c5_convert(NULL, sp4, vs, "ab  xyzw", ps, 2), 0);
    ck_assert_str_eq(ps[0], "ab");
    ck_assert_str_eq(ps[1], "xyzw");
    c5_reclaim(vs, ps, 2);
    ck_assert(ps[0] == NULL && ps[1] == NULL);

    c5_type *ts[] = {nt5, nt3, np6, sp6, sp4, nt8, vs};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
}
END_TEST

/* ---- variable-length data through a global heap -------------------------------- */

/* A memory image with one global heap collection at address 16:
 *   object 1: "hello" (5 bytes)
 *   object 2: int32 LE 1, 2, 3 (12 bytes)
 *   object 3: one nested vlen element {len 2, heap 16, object 4}
 *   object 4: int32 LE 7, 8 */
static uint8_t img[4096 + 16];
static c5_file vf;

static uint8_t *put_obj(uint8_t *p, uint16_t idx, const void *data, uint64_t n)
{
    memset(p, 0, 16);
    p[0] = (uint8_t)idx;
    p[2] = 1;
    for (int k = 0; k < 8; k++)
        p[8 + k] = (uint8_t)(n >> (8 * k));
    memcpy(p + 16, data, (size_t)n);
    return p + 16 + ((n + 7) & ~(uint64_t)7);
}

static void heap_file(void)
{
    memset(img, 0, sizeof img);
    uint8_t *g = img + 16;
    memcpy(g, "GCOL\1\0\0\0", 8);
    uint64_t sz = 4096;
    for (int k = 0; k < 8; k++)
        g[8 + k] = (uint8_t)(sz >> (8 * k));
    uint8_t *p = g + 16;
    p = put_obj(p, 1, "hello", 5);
    const uint8_t ints[12] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
    p = put_obj(p, 2, ints, 12);
    const uint8_t nested[16] = {2, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0};
    p = put_obj(p, 3, nested, 16);
    const uint8_t ints2[8] = {7, 0, 0, 0, 8, 0, 0, 0};
    p = put_obj(p, 4, ints2, 8);
    memset(p, 0, 16); /* free space object 0 */
    memset(&vf, 0, sizeof vf);
    ck_assert_int_eq(c5_io_mem(&vf.io, img, sizeof img), 0);
    ck_assert_int_eq(vf.io.size(vf.io.ctx, &vf.phys_size), 0);
    vf.osz = vf.lsz = 8;
    vf.eof_addr = C5_UNDEF;
}

static void heap_done(void) { vf.io.close(vf.io.ctx); }

static void vl_elem(uint8_t *e, uint32_t len, uint64_t addr, uint32_t idx)
{
    for (int k = 0; k < 4; k++)
        e[k] = (uint8_t)(len >> (8 * k)), e[12 + k] = (uint8_t)(idx >> (8 * k));
    for (int k = 0; k < 8; k++)
        e[4 + k] = (uint8_t)(addr >> (8 * k));
}

START_TEST(test_type_convert_vlen_strings_and_sequences)
{
    heap_file();
    c5_type *fs = dec(VLSTR), *ms = native(C5_NATIVE_VLSTRING);
    uint8_t e[48];
    vl_elem(e, 5, 16, 1);
    vl_elem(e + 16, 0, 0, 0);
    vl_elem(e + 32, 3, 16, 1); /* a prefix of the object */
    char *s[3];
    ck_assert_int_eq(c5_convert(&vf, fs, ms, e, s, 3), 0);
    ck_assert_str_eq(s[0], "hello");
    ck_assert_ptr_null(s[1]); /* no heap object: a NULL string, as libhdf5 reads it */
    ck_assert_str_eq(s[2], "hel");
    c5_reclaim(ms, s, 3);
    /* vlen string -> fixed string */
    c5_type *f8;
    ck_assert_int_eq(c5_type_string(&f8, 4, C5_STR_NULLPAD, C5_CSET_ASCII), 0);
    char fo[4];
    ck_assert_int_eq(c5_convert(&vf, fs, f8, e, fo, 1), 0);
    ck_assert(memcmp(fo, "hell", 4) == 0);

    /* sequence of int32 -> sequence of double */
    c5_type *fq = dec(VLSEQ_I32), *mq = dec(VLSEQ_I32), *dbl = native(C5_NATIVE_DOUBLE);
    c5_type_close(mq->base);
    mq->base = c5_type_dup(dbl);
    vl_elem(e, 3, 16, 2);
    vl_elem(e + 16, 0, C5_UNDEF, 0);
    c5_vl v[2];
    ck_assert_int_eq(c5_convert(&vf, fq, mq, e, v, 2), 0);
    ck_assert_uint_eq(v[0].len, 3);
    ck_assert(((double *)v[0].p)[2] == 3.0);
    ck_assert(v[1].len == 0 && v[1].p == NULL);
    c5_reclaim(mq, v, 2);
    ck_assert(v[0].p == NULL);

    /* nested: vlen of vlen of int32 */
    c5_type *nn = dec("1900000010000000" "1900000010000000" INT32LE);
    vl_elem(e, 1, 16, 3);
    ck_assert_int_eq(c5_convert(&vf, nn, nn, e, v, 1), 0);
    ck_assert_uint_eq(v[0].len, 1);
    c5_vl *inner = v[0].p;
    ck_assert_uint_eq(inner->len, 2);
    ck_assert_int_eq(((int32_t *)inner->p)[1], 8);
    c5_reclaim(nn, v, 1);

    /* compound {i int32, s vlen string} -> {s char* @0, i int32 @8} */
    c5_type *fc = dec("36020000" "14000000" "6900" "00" INT32LE "7300" "04" "1911000010000000"
                      "1000000001000000" "00000800");
    c5_type *mc, *i32 = native(C5_NATIVE_INT32);
    ck_assert_int_eq(c5_type_compound(&mc, 16), 0);
    ck_assert_int_eq(c5_type_insert(mc, "s", 0, ms), 0);
    ck_assert_int_eq(c5_type_insert(mc, "i", 8, i32), 0);
    uint8_t ce[40] = {0};
    ce[0] = 42;
    vl_elem(ce + 4, 5, 16, 1);
    ce[20] = 43;
    vl_elem(ce + 24, 2, 16, 1);
    struct { char *s; int32_t i; } co[2];
    ck_assert_int_eq(c5_convert(&vf, fc, mc, ce, co, 2), 0);
    ck_assert_str_eq(co[0].s, "hello");
    ck_assert_str_eq(co[1].s, "he");
    ck_assert(co[0].i == 42 && co[1].i == 43);
    c5_reclaim(mc, co, 2);
    ck_assert(co[0].s == NULL && co[1].s == NULL);

    /* failures free what was made: element 1 names a missing object,
     * element 2 claims more items than its object holds */
    vl_elem(ce + 24, 2, 16, 9);
    co[0].s = co[1].s = (char *)1;
    ck_assert_int_lt(c5_convert(&vf, fc, mc, ce, co, 2), 0);
    ck_assert(co[0].s == NULL && co[1].s == NULL);
    vl_elem(e, 3, 16, 2);
    vl_elem(e + 16, 4, 16, 2);
    ck_assert_int_eq(c5_convert(&vf, fq, mq, e, v, 2), C5_ECORRUPT);
    ck_assert(v[0].p == NULL && v[1].p == NULL);
    /* a vlen type too small to hold a heap ID */
    c5_type *tiny = dec("1900000008000000" INT32LE);
    ck_assert_int_eq(c5_convert(&vf, tiny, mq, e, v, 1), C5_ECORRUPT);

    c5_type *ts[] = {fs, ms, f8, fq, mq, dbl, nn, fc, mc, i32, tiny};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        c5_type_close(ts[k]);
    heap_done();
}
END_TEST

/* Sanity for the strided block loop: more elements than one block. */
START_TEST(test_type_convert_many_elements_cross_blocks)
{
    c5_type *be = itype(2, 1, C5_ORDER_BE), *dbl = native(C5_NATIVE_DOUBLE);
    enum { N = 1000 };
    static uint8_t in[2 * N];
    static double out[N];
    for (int k = 0; k < N; k++) {
        int16_t v = (int16_t)(k - 500);
        in[2 * k] = (uint8_t)((uint16_t)v >> 8);
        in[2 * k + 1] = (uint8_t)v;
    }
    ck_assert_int_eq(c5_convert(NULL, be, dbl, in, out, N), 0);
    for (int k = 0; k < N; k++)
        ck_assert(out[k] == (double)(k - 500));
    c5_type_close(be);
    c5_type_close(dbl);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("type");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_type_decode_atomic_fields);
    tcase_add_test(tc, test_type_decode_compound_versions);
    tcase_add_test(tc, test_type_decode_enum_vlen_array);
    tcase_add_test(tc, test_type_decode_malformed_is_corrupt);
    tcase_add_test(tc, test_type_decode_deep_nesting_is_corrupt);
    tcase_add_test(tc, test_type_decode_truncated_and_damaged_never_crash);
    tcase_add_test(tc, test_type_api_natives_and_constructors);
    tcase_add_test(tc, test_type_api_compound_build_query_copy);
    tcase_add_test(tc, test_type_convert_integers_widths_orders_saturation);
    tcase_add_test(tc, test_type_convert_floats_half_vax_long_double);
    tcase_add_test(tc, test_type_convert_float_int_saturation);
    tcase_add_test(tc, test_type_convert_compound_subset_by_name);
    tcase_add_test(tc, test_type_convert_enum_array_reference);
    tcase_add_test(tc, test_type_convert_fixed_strings);
    tcase_add_test(tc, test_type_convert_vlen_strings_and_sequences);
    tcase_add_test(tc, test_type_convert_many_elements_cross_blocks);
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
