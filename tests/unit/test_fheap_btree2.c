/* Fractal heap and v2 B-tree: real files from the HDF5 1.14 test suite,
 * hand-built heaps, and malformed inputs. Structures are found by scanning
 * for their signatures, so no object-header code is involved. */
#include "core/internal.h"

#include "unit.h"

#include "btree/btree2.h"
#include "format/fheap.h"

#include <stdio.h>


/* ---- helpers ---------------------------------------------------------- */

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

/* A bare c5_file over a memory image: 8-byte offsets and lengths, base 0. */
static void file_mem(c5_file *f, const uint8_t *buf, size_t n, unsigned flags)
{
    memset(f, 0, sizeof *f);
    ck_assert_int_eq(c5_io_mem(&f->io, buf, n), 0);
    ck_assert_int_eq(f->io.size(f->io.ctx, &f->phys_size), 0);
    f->osz = f->lsz = 8;
    f->opts.flags = flags;
}

static void file_posix(c5_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    ck_assert_int_eq(c5_io_posix(&f->io, path), 0);
    ck_assert_int_eq(f->io.size(f->io.ctx, &f->phys_size), 0);
    f->osz = f->lsz = 8;
}

static void file_done(c5_file *f)
{
    if (f->io.close)
        f->io.close(f->io.ctx);
}

static long find_sig(const uint8_t *b, size_t n, const char *sig, size_t from)
{
    for (size_t i = from; i + 4 <= n; i++)
        if (memcmp(b + i, sig, 4) == 0)
            return (long)i;
    return -1;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Name inside a heap object: a link message (record types 5, 6) or an
 * attribute message (8, 9). Returns the name length or -1. */
static int object_name(const uint8_t *o, size_t n, int type, char *out, size_t cap)
{
    size_t p, len;
    if (type == 5 || type == 6) {
        if (n < 2 || o[0] != 1)
            return -1;
        unsigned fl = o[1];
        p = 2 + ((fl & 8) ? 1 : 0) + ((fl & 4) ? 8 : 0) + ((fl & 16) ? 1 : 0);
        unsigned ls = 1u << (fl & 3);
        if (p + ls > n)
            return -1;
        len = (size_t)c5_le(o + p, ls);
        p += ls;
    } else {
        if (n < 9 || o[0] < 1 || o[0] > 3)
            return -1;
        len = (size_t)c5_le(o + 2, 2); /* includes the terminating NUL */
        p = o[0] == 3 ? 9 : 8;
        if (len == 0)
            return -1;
        len--;
    }
    if (p + len > n || len + 1 > cap)
        return -1;
    memcpy(out, o + p, len);
    out[len] = 0;
    return (int)len;
}

typedef struct walk_ctx {
    c5_fheap *h;
    int type;
    int n, ok, huge;
    int stop_after; /* 0: never */
    char first[256];
    const char *want; /* a name that must appear */
    int seen_want;
} walk_ctx;

/* Reads every record's object; for name indexes checks the stored hash. */
static int walk_cb(void *ud, const uint8_t *rec, size_t len)
{
    walk_ctx *c = ud;
    const uint8_t *id;
    uint32_t hash = 0;
    bool has_hash = false;
    switch (c->type) {
    case 5: hash = (uint32_t)c5_le(rec, 4); has_hash = true; id = rec + 4; break;
    case 6: id = rec + 8; break;
    case 8: hash = (uint32_t)c5_le(rec + 13, 4); has_hash = true; id = rec; break;
    default: id = rec; break;
    }
    ck_assert_uint_ge(len, (size_t)(id - rec) + 7);
    uint8_t *o = NULL;
    size_t n = 0;
    c->n++;
    int rc = c5_fheap_read(c->h, id, c5_fheap_id_len(c->h), &o, &n);
    if (rc == 0) {
        char name[256];
        int nl = object_name(o, n, c->type, name, sizeof name);
        if (nl >= 0 && (!has_hash || c5_lookup3(name, (size_t)nl, 0) == hash)) {
            c->ok++;
            if (c->ok == 1)
                snprintf(c->first, sizeof c->first, "%s", name);
            if (c->want && strcmp(name, c->want) == 0)
                c->seen_want = 1;
        }
        if (((id[0] >> 4) & 3) == 1)
            c->huge++;
        c5_free(NULL, o);
    }
    if (c->stop_after && c->n == c->stop_after)
        return 42;
    return 0;
}

/* ---- real files ------------------------------------------------------- */

static const struct {
    const char *file;
    int type;  /* B-tree record type */
    int count; /* records (h5ls / h5dump agree) */
    const char *name;
} corpus[] = {
    {"h5copytst.h5", 5, 13, "compressed"},
    {"h5diff_danglelinks1.h5", 5, 10, "soft_link1"},
    {"h5diff_grp_recurse1.h5", 5, 12, "elink_grp2"},
    {"h5diff_types.h5", 5, 9, "ext_link"},
    {"h5repack_objs.h5", 5, 40, "enum3D"}, /* root indirect block + 2 direct */
    {"test_ld.h5", 5, 11, "DSET_NOMAX"},
    {"tfcontents1.h5", 5, 11, "udlink"},
    {"tattr4_be.h5", 8, 9, "attr5"},
};

/* One heap and one B-tree per file: iterate the index, read every object,
 * and check each decoded name against the hash stored in its record. */
START_TEST(test_fheap_btree2_corpus_names_match_hashes)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", unit_corpus_dir(), corpus[_i].file);
    size_t n;
    uint8_t *b = slurp(path, &n);
    long fh = find_sig(b, n, "FRHP", 0), bt = find_sig(b, n, "BTHD", 0);
    ck_assert(fh >= 0 && bt >= 0);
    ck_assert_int_eq(find_sig(b, n, "FRHP", (size_t)fh + 1), -1);

    c5_file f;
    file_posix(&f, path);
    walk_ctx c = {.type = corpus[_i].type, .want = corpus[_i].name};
    ck_assert_int_eq(c5_fheap_open(&f, (uint64_t)fh, &c.h), 0);
    ck_assert_uint_eq(c5_fheap_id_len(c.h), corpus[_i].type == 5 ? 7 : 8);
    int type = -1;
    int rc = c5_bt2_iterate(&f, (uint64_t)bt, &type, walk_cb, &c);
    ck_assert_msg(rc == 0, "%s: %s", corpus[_i].file, c5_errmsg(&f));
    ck_assert_int_eq(type, corpus[_i].type);
    ck_assert_int_eq(c.n, corpus[_i].count);
    ck_assert_int_eq(c.ok, corpus[_i].count);
    ck_assert_msg(c.seen_want, "%s: name %s not found", corpus[_i].file, corpus[_i].name);

    /* A callback's nonzero return stops the walk and comes back as is. */
    walk_ctx s = {.h = c.h, .type = corpus[_i].type, .stop_after = 3};
    ck_assert_int_eq(c5_bt2_iterate(&f, (uint64_t)bt, NULL, walk_cb, &s), 42);
    ck_assert_int_eq(s.n, 3);

    c5_fheap_close(c.h);
    file_done(&f);
    free(b);
}
END_TEST

/* Shared-message index (type 7): the heap holds a 2-D dataspace message. */
START_TEST(test_fheap_btree2_sohm_record_reads_message)
{
    const char *path = unit_corpus("h5stat_tsohm.h5");
    size_t n;
    uint8_t *b = slurp(path, &n);
    long fh = find_sig(b, n, "FRHP", 0), bt = find_sig(b, n, "BTHD", 0);
    ck_assert(fh >= 0 && bt >= 0);
    c5_file f;
    file_posix(&f, path);
    walk_ctx c = {.type = 7};
    ck_assert_int_eq(c5_fheap_open(&f, (uint64_t)fh, &c.h), 0);
    int type = -1;
    ck_assert_int_eq(c5_bt2_iterate(&f, (uint64_t)bt, &type, walk_cb, &c), 0);
    ck_assert_int_eq(type, 7);
    ck_assert_int_eq(c.n, 1);
    /* Record: location 0 (in heap), hash, refcount, heap ID at byte 9. */
    long rec = find_sig(b, n, "BTLF", 0);
    ck_assert(rec >= 0);
    const uint8_t *r = b + rec + 6;
    ck_assert_uint_eq(r[0], 0);
    uint8_t *o;
    size_t on;
    ck_assert_int_eq(c5_fheap_read(c.h, r + 9, 8, &o, &on), 0);
    ck_assert_uint_eq(on, 40);   /* dataspace v1, rank 2, max dims */
    ck_assert_uint_eq(o[0], 1);  /* version */
    ck_assert_uint_eq(o[1], 2);  /* rank */
    ck_assert_uint_eq(c5_le(o + 8, 8), 5);
    ck_assert_uint_eq(c5_le(o + 16, 8), 2);
    ck_assert_uint_eq(c5_le(o + 24, 8), UINT64_MAX); /* unlimited */
    c5_free(NULL, o);
    c5_fheap_close(c.h);
    file_done(&f);
    free(b);
}
END_TEST

/* ---- hand-built heaps ------------------------------------------------- */

/* Image layout: header at 0, root direct block (512 bytes) at 512, a huge
 * object at 2048. Width 4, start block 512, max direct 64 KiB, 32-bit heap:
 * 4-byte block offsets, 2-byte lengths in managed IDs. */
enum { IMG = 4096, HDR = 0, DBLK = 512, HUGE_AT = 2048, HUGE_N = 300 };
static const char obj_text[] = "hello, fractal heap";

static size_t build_header(uint8_t *img, uint16_t id_len, uint16_t filter_len, uint16_t width)
{
    uint8_t *p = img + HDR;
    memcpy(p, "FRHP", 4);
    p[4] = 0;
    put_le(p + 5, id_len, 2);
    put_le(p + 7, filter_len, 2);
    p[9] = 2; /* checksummed direct blocks */
    put_le(p + 10, 4096, 4);
    size_t at = 14;
    put_le(p + at, 0, 8), at += 8;          /* next huge ID */
    put_le(p + at, UINT64_MAX, 8), at += 8; /* huge B-tree */
    put_le(p + at, 0, 8), at += 8;          /* free space */
    put_le(p + at, UINT64_MAX, 8), at += 8; /* free-space manager */
    put_le(p + at, 512, 8), at += 8;        /* managed space */
    put_le(p + at, 512, 8), at += 8;        /* allocated */
    put_le(p + at, 512, 8), at += 8;        /* iterator */
    put_le(p + at, 1, 8), at += 8;          /* managed objects */
    for (int i = 0; i < 4; i++)
        put_le(p + at, 0, 8), at += 8;      /* huge/tiny sizes and counts */
    put_le(p + at, width, 2), at += 2;
    put_le(p + at, 512, 8), at += 8;        /* start block */
    put_le(p + at, 65536, 8), at += 8;      /* max direct */
    put_le(p + at, 32, 2), at += 2;         /* max heap bits */
    put_le(p + at, 1, 2), at += 2;          /* starting root rows */
    put_le(p + at, DBLK, 8), at += 8;       /* root block */
    put_le(p + at, 0, 2), at += 2;          /* root is a direct block */
    if (filter_len) {
        put_le(p + at, 400, 8), at += 8;
        put_le(p + at, 0, 4), at += 4;
        memset(p + at, 0xAB, filter_len), at += filter_len;
    }
    put_le(p + at, c5_lookup3(p, at, 0), 4);
    return at + 4;
}

static void build_dblock(uint8_t *img)
{
    uint8_t *d = img + DBLK;
    memset(d, 0, 512);
    memcpy(d, "FHDB", 4);
    d[4] = 0;
    put_le(d + 5, HDR, 8);
    put_le(d + 13, 0, 4);                      /* block offset */
    memcpy(d + 21, obj_text, sizeof obj_text); /* first object after prefix */
    put_le(d + 17, c5_lookup3(d, 512, 0), 4);  /* checksum field was zero */
}

static void build_image(uint8_t *img, uint16_t id_len, uint16_t filter_len)
{
    memset(img, 0, IMG);
    build_header(img, id_len, filter_len, 4);
    build_dblock(img);
    for (int i = 0; i < HUGE_N; i++)
        img[HUGE_AT + i] = (uint8_t)(i * 7);
}

static void managed_id(uint8_t *id, uint32_t off, uint16_t len)
{
    id[0] = 0x00;
    put_le(id + 1, off, 4);
    put_le(id + 5, len, 2);
}

START_TEST(test_fheap_btree2_root_direct_block_reads_object)
{
    static uint8_t img[IMG];
    build_image(img, 7, 0);
    c5_file f;
    file_mem(&f, img, IMG, 0);
    c5_fheap *h;
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), 0);
    uint8_t id[7], *o;
    size_t n;
    managed_id(id, 21, sizeof obj_text);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), 0);
    ck_assert_uint_eq(n, sizeof obj_text);
    ck_assert_str_eq((char *)o, obj_text);
    c5_free(&f, o);
    /* Again from the cached block. */
    managed_id(id, 28, 5);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), 0);
    ck_assert_int_eq(memcmp(o, "fracta", 5), 0);
    c5_free(&f, o);

    /* Lengths and offsets are checked against the block and heap. */
    managed_id(id, 500, 20);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_ECORRUPT);
    ck_assert_ptr_null(o);
    managed_id(id, 3, 4); /* inside the block prefix */
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_ECORRUPT);
    managed_id(id, 600, 4); /* past the managed space */
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_ECORRUPT);
    managed_id(id, 21, 0);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_ECORRUPT);
    ck_assert_int_eq(c5_fheap_read(h, id, 6, &o, &n), C5_ECORRUPT); /* short ID */

    /* Tiny (normal form: length - 1 in the low nibble). */
    uint8_t tiny[7] = {0x20 | 3, 'a', 'b', 'c', 'd', 0, 0};
    ck_assert_int_eq(c5_fheap_read(h, tiny, 7, &o, &n), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(memcmp(o, "abcd", 4), 0);
    c5_free(&f, o);
    tiny[0] = 0x20 | 9; /* 10 bytes cannot fit in a 7-byte ID */
    ck_assert_int_eq(c5_fheap_read(h, tiny, 7, &o, &n), C5_ECORRUPT);
    tiny[0] = 0x30; /* type 3 does not exist */
    ck_assert_int_eq(c5_fheap_read(h, tiny, 7, &o, &n), C5_ECORRUPT);
    tiny[0] = 0x60; /* ID version 1 */
    ck_assert_int_eq(c5_fheap_read(h, tiny, 7, &o, &n), C5_EUNSUPPORTED);
    /* Huge in a 7-byte ID is B-tree indexed, and this heap has no B-tree. */
    uint8_t huge[7] = {0x10, 1, 0, 0, 0, 0, 0};
    ck_assert_int_eq(c5_fheap_read(h, huge, 7, &o, &n), C5_ECORRUPT);
    c5_fheap_close(h);
    file_done(&f);
}
END_TEST

START_TEST(test_fheap_btree2_wide_ids_extended_tiny_and_direct_huge)
{
    static uint8_t img[IMG];
    build_image(img, 20, 0);
    c5_file f;
    file_mem(&f, img, IMG, 0);
    c5_fheap *h;
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), 0);
    ck_assert_uint_eq(c5_fheap_id_len(h), 20);
    uint8_t id[20] = {0}, *o;
    size_t n;
    /* Extended tiny: 12-bit length - 1 across the nibble and next byte. */
    id[0] = 0x20;
    id[1] = 17; /* 18 bytes */
    for (int i = 0; i < 18; i++)
        id[2 + i] = (uint8_t)('A' + i);
    ck_assert_int_eq(c5_fheap_read(h, id, 20, &o, &n), 0);
    ck_assert_uint_eq(n, 18);
    ck_assert_uint_eq(o[17], 'A' + 17);
    c5_free(&f, o);
    id[1] = 18; /* 19 bytes do not fit */
    ck_assert_int_eq(c5_fheap_read(h, id, 20, &o, &n), C5_ECORRUPT);
    /* Directly accessed huge object: address and length in the ID. */
    memset(id, 0, sizeof id);
    id[0] = 0x10;
    put_le(id + 1, HUGE_AT, 8);
    put_le(id + 9, HUGE_N, 8);
    ck_assert_int_eq(c5_fheap_read(h, id, 20, &o, &n), 0);
    ck_assert_uint_eq(n, HUGE_N);
    ck_assert_uint_eq(o[HUGE_N - 1], (uint8_t)((HUGE_N - 1) * 7));
    c5_free(&f, o);
    put_le(id + 9, IMG, 8); /* runs past the end of the file */
    ck_assert_int_eq(c5_fheap_read(h, id, 20, &o, &n), C5_ECORRUPT);
    ck_assert_ptr_null(o);
    c5_fheap_close(h);
    file_done(&f);
}
END_TEST

/* Filter information is parsed; objects needing the pipeline say so. */
START_TEST(test_fheap_btree2_filtered_heap_is_unsupported_for_blocks)
{
    static uint8_t img[IMG];
    build_image(img, 7, 24);
    c5_file f;
    file_mem(&f, img, IMG, 0);
    c5_fheap *h;
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), 0);
    uint8_t id[7], *o;
    size_t n;
    managed_id(id, 21, 5);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(c5_errmsg(&f), "filtered"));
    uint8_t tiny[7] = {0x21, 'o', 'k', 0, 0, 0, 0};
    ck_assert_int_eq(c5_fheap_read(h, tiny, 7, &o, &n), 0);
    ck_assert_uint_eq(n, 2);
    c5_free(&f, o);
    c5_fheap_close(h);
    file_done(&f);
}
END_TEST

/* ---- malformed input -------------------------------------------------- */

START_TEST(test_fheap_btree2_bad_header_fails_cleanly)
{
    static uint8_t img[IMG];
    c5_file f;
    c5_fheap *h = NULL;
    uint8_t id[7], *o;
    size_t n;

    /* Any flipped header byte: the checksum (or the signature) catches it. */
    for (size_t i = 0; i < 146; i++) {
        build_image(img, 7, 0);
        img[HDR + i] ^= 0x5A;
        file_mem(&f, img, IMG, 0);
        ck_assert_int_lt(c5_fheap_open(&f, HDR, &h), 0);
        ck_assert_ptr_null(h);
        ck_assert(c5_errmsg(&f)[0] != 0);
        file_done(&f);
    }
    /* Truncated file: the header runs off the end. */
    build_image(img, 7, 0);
    for (size_t len = 0; len < 146; len += 5) {
        file_mem(&f, img, len, 0);
        ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), C5_ECORRUPT);
        file_done(&f);
    }
    /* Self-consistent but impossible geometry: width 3. */
    build_image(img, 7, 0);
    build_header(img, 7, 0, 3);
    file_mem(&f, img, IMG, 0);
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), C5_ECORRUPT);
    file_done(&f);
    /* A corrupted direct block is caught by its checksum. */
    build_image(img, 7, 0);
    img[DBLK + 30] ^= 1;
    file_mem(&f, img, IMG, 0);
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), 0);
    managed_id(id, 21, 5);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), C5_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(c5_errmsg(&f), "checksum"));
    c5_fheap_close(h);
    file_done(&f);
    /* ... unless the caller asked to read past checksum errors. */
    file_mem(&f, img, IMG, C5_OPEN_IGNORE_CHECKSUMS);
    ck_assert_int_eq(c5_fheap_open(&f, HDR, &h), 0);
    ck_assert_int_eq(c5_fheap_read(h, id, 7, &o, &n), 0);
    c5_free(&f, o);
    c5_fheap_close(h);
    file_done(&f);
}
END_TEST

/* Header fields that B-tree code trusts are range-checked. */
START_TEST(test_fheap_btree2_bad_btree_header_fails_cleanly)
{
    size_t n;
    uint8_t *orig = slurp(unit_corpus("h5repack_objs.h5"), &n);
    uint8_t *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    long bt = find_sig(orig, n, "BTHD", 0);
    ck_assert(bt >= 0);
    const size_t hsz = 16 + 8 + 2 + 8; /* before the checksum */
    static const struct { size_t off; unsigned width; uint64_t val; int rc; } cases[] = {
        {4, 1, 1, C5_EUNSUPPORTED},           /* version */
        {6, 4, 8, C5_ECORRUPT},               /* node size below one record */
        {10, 2, 0, C5_ECORRUPT},              /* record size 0 */
        {12, 2, 200, C5_ELIMIT},              /* depth */
        {12, 2, 1, C5_ECORRUPT},              /* leaf read as internal node */
        {16 + 8, 2, 500, C5_ECORRUPT},        /* root record count too big */
        {16 + 8 + 2, 8, 41, C5_ECORRUPT},     /* total disagrees with nodes */
        {16 + 8 + 2, 8, 3, C5_ECORRUPT},      /* total smaller than nodes */
        {16, 8, 1u << 20, C5_ECORRUPT},       /* root not a node */
        {16, 8, UINT64_MAX - 1, C5_ECORRUPT}, /* root outside the file */
    };
    c5_file f;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, orig, n);
        put_le(b + bt + cases[i].off, cases[i].val, cases[i].width);
        put_le(b + bt + hsz, c5_lookup3(b + bt, hsz, 0), 4);
        file_mem(&f, b, n, 0);
        walk_ctx c = {.type = -1};
        ck_assert_int_eq(c5_fheap_open(&f, (uint64_t)find_sig(b, n, "FRHP", 0), &c.h), 0);
        int rc = c5_bt2_iterate(&f, (uint64_t)bt, NULL, walk_cb, &c);
        ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d (%s)", i, rc, c5_errmsg(&f));
        c5_fheap_close(c.h);
        file_done(&f);
    }
    /* An empty tree has no records and no root. */
    memcpy(b, orig, n);
    put_le(b + bt + 16, UINT64_MAX, 8);
    put_le(b + bt + 24, 0, 2);
    put_le(b + bt + 26, 0, 8);
    put_le(b + bt + hsz, c5_lookup3(b + bt, hsz, 0), 4);
    file_mem(&f, b, n, 0);
    walk_ctx e = {.type = 5};
    ck_assert_int_eq(c5_bt2_iterate(&f, (uint64_t)bt, NULL, walk_cb, &e), 0);
    ck_assert_int_eq(e.n, 0);
    /* A bad checksum is reported. */
    b[bt + 20] ^= 1;
    ck_assert_int_eq(c5_bt2_iterate(&f, (uint64_t)bt, NULL, walk_cb, &e), C5_ECORRUPT);
    file_done(&f);
    free(b);
    free(orig);
}
END_TEST

/* Random byte damage over the heap and B-tree of a real file, with
 * checksums ignored so the damage reaches the parsers: every call must
 * return a code (never crash, hang or leak; run under sanitizers). */
START_TEST(test_fheap_btree2_random_damage_never_crashes)
{
    size_t n;
    uint8_t *orig = slurp(unit_corpus("h5repack_objs.h5"), &n);
    uint8_t *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    long fh = find_sig(orig, n, "FRHP", 0), bt = find_sig(orig, n, "BTHD", 0);
    long lo = fh < bt ? fh : bt;
    /* Structures of this file lie within a few KiB after the first one. */
    size_t span = 6000;
    if ((size_t)lo + span > n)
        span = n - (size_t)lo;
    uint32_t seed = 12345;
    int ok = 0, failed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(b, orig, n);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (size_t)lo + (seed >> 8) % span;
            seed = seed * 1103515245u + 12345u;
            b[at] = (uint8_t)(seed >> 16);
        }
        c5_file f;
        file_mem(&f, b, n, iter % 2 ? C5_OPEN_IGNORE_CHECKSUMS : 0);
        walk_ctx c = {.type = 5};
        int rc = c5_fheap_open(&f, (uint64_t)fh, &c.h);
        if (rc == 0) {
            rc = c5_bt2_iterate(&f, (uint64_t)bt, NULL, walk_cb, &c);
            c5_fheap_close(c.h);
        }
        ck_assert_int_le(rc, 0);
        if (rc == 0)
            ok++;
        else
            failed++;
        file_done(&f);
    }
    ck_assert_int_gt(failed, 0);
    ck_assert_int_gt(ok, 0);
    free(b);
    free(orig);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fheap_btree2");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fheap_btree2_corpus_names_match_hashes, 0,
                        (int)(sizeof corpus / sizeof corpus[0]));
    tcase_add_test(tc, test_fheap_btree2_sohm_record_reads_message);
    tcase_add_test(tc, test_fheap_btree2_root_direct_block_reads_object);
    tcase_add_test(tc, test_fheap_btree2_wide_ids_extended_tiny_and_direct_huge);
    tcase_add_test(tc, test_fheap_btree2_filtered_heap_is_unsupported_for_blocks);
    tcase_add_test(tc, test_fheap_btree2_bad_header_fails_cleanly);
    tcase_add_test(tc, test_fheap_btree2_bad_btree_header_fails_cleanly);
    tcase_add_test(tc, test_fheap_btree2_random_damage_never_crashes);
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
