/* Writers of the "new-style" indexed storage (src/btree/btree2_write.c,
 * src/format/fheap_write.c, src/format/dense_write.c,
 * src/chunk/bt2_chunk_write.c).
 *
 * Two kinds of tests:
 * - round trips through cfive's own readers on an in-memory writable file
 *   (v2 B-trees of every depth, fractal heaps with root direct blocks,
 *   indirect blocks nested two levels, huge and tiny objects, 4- and
 *   8-byte offsets), and argument checks;
 * - files made by h5py (/usr/bin/python3) whose dense link storage, dense
 *   attribute storage or v2 B-tree chunk index is rebuilt by the writers
 *   and published by patching the link-info / attribute-info / layout
 *   message in place (plus the header chunk checksum and the superblock's
 *   end-of-file address). Then cfive reads back what it read before,
 *   h5ls -r and h5dump print the same as before, and h5py reads
 *   everything, modifies the structures in mode 'a' (adds, deletes,
 *   rewrites, appends) and reads the result back. These are skipped when
 *   h5py is not installed.
 */
#include "core/internal.h"

#include "unit.h"

#include "btree/btree2.h"
#include "chunk/chunk.h"
#include "format/densew.h"
#include "format/fheap.h"
#include "object.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- an in-memory writable file ------------------------------------------ */

typedef struct mfile {
    uint8_t *p;
    size_t n, cap;
} mfile;

static int m_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    mfile *m = ctx;
    if (off > m->n || n > m->n - off)
        return C5_EIO;
    memcpy(buf, m->p + off, n);
    return 0;
}

static int m_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    mfile *m = ctx;
    if (off + n > m->cap) {
        size_t c = m->cap ? m->cap : 4096;
        while (c < off + n)
            c *= 2;
        uint8_t *p = realloc(m->p, c);
        if (!p)
            return C5_ENOMEM;
        memset(p + m->cap, 0, c - m->cap);
        m->p = p;
        m->cap = c;
    }
    memcpy(m->p + off, buf, n);
    if (off + n > m->n)
        m->n = (size_t)(off + n);
    return 0;
}

static int m_size(void *ctx, uint64_t *out)
{
    *out = ((mfile *)ctx)->n;
    return 0;
}

/* A bare writable file with osz-byte offsets and lengths; allocation
 * starts past a pretend superblock. */
static void mem_open(c5_file *f, mfile *m, unsigned osz)
{
    memset(f, 0, sizeof *f);
    memset(m, 0, sizeof *m);
    f->io.ctx = m;
    f->io.read_at = m_read;
    f->io.write_at = m_write;
    f->io.size = m_size;
    f->osz = f->lsz = (uint8_t)osz;
    f->writable = 1;
    f->eoa = 48;
}

static void mem_close(mfile *m) { free(m->p); }

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- v2 B-trees ----------------------------------------------------------- */

typedef struct seq {
    uint64_t next;
    size_t rs;
    int bad;
} seq;

static uint8_t fill_byte(uint64_t i, size_t k) { return (uint8_t)(i * 31 + k); }

static int seq_cb(void *ud, const uint8_t *rec, size_t len)
{
    seq *s = ud;
    if (len != s->rs || c5_le(rec, 8) != s->next)
        s->bad = 1;
    for (size_t k = 8; k < len && !s->bad; k++)
        if (rec[k] != fill_byte(s->next, k))
            s->bad = 1;
    s->next++;
    return 0;
}

/* Write n records (a big-endian-free counter plus filler) and read them
 * back in order; returns the tree's depth. */
static unsigned bt2_roundtrip(unsigned osz, size_t rs, uint32_t node, size_t n)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, osz);
    uint8_t *recs = malloc(n * rs + 1);
    ck_assert_ptr_nonnull(recs);
    for (size_t i = 0; i < n; i++) {
        put_le(recs + i * rs, i, 8);
        for (size_t k = 8; k < rs; k++)
            recs[i * rs + k] = fill_byte(i, k);
    }
    uint64_t addr;
    ck_assert_msg(c5_bt2_write(&f, 6, rs, recs, n, node, 0, 0, &addr) == 0, "%s", f.errmsg);
    ck_assert_uint_eq(f.eoa, m.n); /* everything allocated was written */
    seq s = {0, rs, 0};
    int type = -1;
    ck_assert_msg(c5_bt2_iterate(&f, addr, &type, seq_cb, &s) == 0, "%s", f.errmsg);
    ck_assert_int_eq(type, 6);
    ck_assert_uint_eq(s.next, n);
    ck_assert_int_eq(s.bad, 0);
    const uint8_t *h = m.p + addr;
    ck_assert_int_eq(memcmp(h, "BTHD", 4), 0);
    ck_assert_uint_eq(c5_le(h + 6, 4), node);
    ck_assert_uint_eq(h[14], 100);
    ck_assert_uint_eq(h[15], 40);
    unsigned depth = (unsigned)c5_le(h + 12, 2);
    if (n == 0)
        ck_assert_uint_eq(c5_le(h + 16, osz), osz == 8 ? UINT64_MAX : (1ull << (8 * osz)) - 1);
    free(recs);
    mem_close(&m);
    return depth;
}

START_TEST(test_dense_write_bt2_depth_is_minimal_at_every_boundary)
{
    /* 12-byte records in 512-byte nodes: 41 per leaf, 23 per level-1
     * node (cum 1007), 21 per level-2 node (cum 22175). */
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 0), 0);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 1), 0);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 41), 0);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 42), 1);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 85), 1);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 1007), 1);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 1008), 2);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 22175), 2);
    ck_assert_uint_eq(bt2_roundtrip(8, 12, 512, 22176), 3);
    /* chunk-index sized nodes, 4-byte offsets */
    ck_assert_uint_eq(bt2_roundtrip(4, 20, 2048, 200000), 2);
    ck_assert_uint_eq(bt2_roundtrip(4, 8, 64, 3000), 5); /* 6, 27, 111, 447, 1791, 7167 */
}
END_TEST

START_TEST(test_dense_write_bt2_rejects_bad_arguments)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    uint8_t rec[600] = {0};
    uint64_t addr;
    /* a node that cannot hold one record */
    ck_assert_int_eq(c5_bt2_write(&f, 5, 600, rec, 1, 512, 0, 0, &addr), C5_EINVAL);
    ck_assert_uint_eq(addr, C5_UNDEF);
    ck_assert_int_eq(c5_bt2_write(&f, 5, 0, rec, 1, 512, 0, 0, &addr), C5_EINVAL);
    ck_assert_int_eq(c5_bt2_write(&f, 300, 8, rec, 1, 512, 0, 0, &addr), C5_EINVAL);
    /* leaves of one record: two records cannot form a valid tree */
    ck_assert_int_eq(c5_bt2_write(&f, 5, 400, rec, 2, 512, 0, 0, &addr), C5_EINVAL);
    ck_assert_int_eq(c5_bt2_write(&f, 5, 400, rec, 1, 512, 0, 0, &addr), 0);
    mem_close(&m);
}
END_TEST

/* ---- fractal heaps ---------------------------------------------------------- */

typedef struct heap_hdr {
    uint64_t next_huge, huge_bt2, free_space, fs, man_size, alloc, iter, nman, huge_size, nhuge,
        tiny_size, ntiny, root;
    unsigned id_len, rows;
} heap_hdr;

static heap_hdr read_hdr(const mfile *m, uint64_t addr, unsigned osz)
{
    const uint8_t *p = m->p + addr;
    heap_hdr h;
    ck_assert_int_eq(memcmp(p, "FRHP", 4), 0);
    h.id_len = (unsigned)c5_le(p + 5, 2);
    p += 14;
    uint64_t *f[] = {&h.next_huge, &h.huge_bt2, &h.free_space, &h.fs, &h.man_size, &h.alloc,
                     &h.iter, &h.nman, &h.huge_size, &h.nhuge, &h.tiny_size, &h.ntiny};
    for (int i = 0; i < 12; i++) {
        *f[i] = c5_le(p, osz);
        p += osz;
    }
    p += 2 + 2 * osz + 2 + 2;
    h.root = c5_le(p, osz);
    h.rows = (unsigned)c5_le(p + osz, 2);
    return h;
}

static size_t len_mixed(size_t i) { return i % 997 == 3 ? 5000 + i % 13 : 20 + (i * 7919) % 281; }
static size_t len_big(size_t i) { return i % 10 == 9 ? 9000 : 3000; }
static size_t len_tiny(size_t i) { return i % 7 == 0 ? 5000 : 1 + i % 120; }
static size_t len_small9(size_t i) { return 30 + i; }

typedef struct heap_case {
    unsigned osz;
    const c5_fheap_params *p;
    size_t n;
    size_t (*len)(size_t i);
} heap_case;

static uint8_t obj_byte(size_t i, size_t k) { return (uint8_t)(i * 131 + k * 7 + (i >> 8)); }

/* Write a heap of n objects, read every one back through the reader;
 * returns the header. */
static heap_hdr heap_roundtrip(const heap_case *hc)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, hc->osz);
    size_t n = hc->n, idl = c5_fheap_params_id_len(hc->p);
    uint8_t **objs = malloc(n * sizeof *objs);
    size_t *lens = malloc(n * sizeof *lens);
    uint8_t *ids = malloc(n * idl + 1);
    ck_assert(objs && lens && ids);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        lens[i] = hc->len(i);
        objs[i] = malloc(lens[i]);
        for (size_t k = 0; k < lens[i]; k++)
            objs[i][k] = obj_byte(i, k);
        total += lens[i];
    }
    uint64_t addr;
    ck_assert_msg(c5_fheap_write(&f, hc->p, n, (const uint8_t *const *)objs, lens, ids, &addr) == 0,
                  "%s", f.errmsg);
    ck_assert_uint_eq(f.eoa, m.n);
    c5_fheap *h;
    ck_assert_msg(c5_fheap_open(&f, addr, &h) == 0, "%s", f.errmsg);
    ck_assert_uint_eq(c5_fheap_id_len(h), idl);
    for (size_t i = 0; i < n; i++) {
        uint8_t *o;
        size_t on;
        ck_assert_msg(c5_fheap_read(h, ids + i * idl, idl, &o, &on) == 0, "object %zu: %s", i,
                      f.errmsg);
        ck_assert_uint_eq(on, lens[i]);
        ck_assert_int_eq(memcmp(o, objs[i], on), 0);
        free(o);
    }
    c5_fheap_close(h);
    heap_hdr hh = read_hdr(&m, addr, hc->osz);
    ck_assert_uint_eq(hh.id_len, idl);
    ck_assert_uint_eq(hh.nman + hh.nhuge + hh.ntiny, n);
    ck_assert_uint_eq(hh.fs, hc->osz == 8 ? UINT64_MAX : (1ull << (8 * hc->osz)) - 1);
    /* what is not huge or tiny is managed, and fits the heap's span */
    ck_assert_uint_le(hh.alloc, hh.man_size);
    ck_assert_uint_le(hh.free_space, hh.man_size);
    ck_assert_uint_le(hh.iter, hh.man_size);
    ck_assert_uint_eq(hh.huge_size + hh.tiny_size <= total, 1);
    for (size_t i = 0; i < n; i++)
        free(objs[i]);
    free(objs);
    free(lens);
    free(ids);
    mem_close(&m);
    return hh;
}

START_TEST(test_dense_write_fheap_root_direct_block)
{
    heap_case hc = {8, &c5_fheap_links_params, 9, len_small9};
    heap_hdr h = heap_roundtrip(&hc);
    ck_assert_uint_eq(h.id_len, 7);
    ck_assert_uint_eq(h.rows, 0);
    ck_assert_uint_eq(h.man_size, 512);
    ck_assert_uint_eq(h.alloc, 512);
    ck_assert_uint_eq(h.iter, 0);
    ck_assert_uint_eq(h.nman, 9);
    /* 512 - 21 bytes of prefix - the objects */
    ck_assert_uint_eq(h.free_space, 512 - 21 - (9 * 30 + 36));
    ck_assert_uint_eq(h.huge_bt2, UINT64_MAX);
}
END_TEST

START_TEST(test_dense_write_fheap_nested_indirect_blocks_and_huge)
{
    /* ~6.4 MB of small objects: the root grows to 16 rows, rows 9-12
     * hold child indirect blocks, and row 12's children have indirect
     * rows of their own. */
    heap_case hc = {8, &c5_fheap_links_params, 40000, len_mixed};
    heap_hdr h = heap_roundtrip(&hc);
    ck_assert_uint_eq(h.rows, 16);
    ck_assert_uint_gt(h.nhuge, 0);
    ck_assert_uint_eq(h.next_huge, h.nhuge);
    ck_assert_uint_ne(h.huge_bt2, UINT64_MAX);
    ck_assert_uint_eq(h.man_size, 2048ull << 15);
}
END_TEST

START_TEST(test_dense_write_fheap_attribute_heap_skips_small_blocks)
{
    /* 3000-byte objects do not fit 1 KiB blocks: rows 0-2 are skipped. */
    heap_case hc = {8, &c5_fheap_attrs_params, 300, len_big};
    heap_hdr h = heap_roundtrip(&hc);
    ck_assert_uint_eq(h.id_len, 8);
    ck_assert_uint_eq(h.nhuge, 30);
    ck_assert_uint_eq(h.nman, 270);
    ck_assert_uint_ge(h.rows, 4);
}
END_TEST

START_TEST(test_dense_write_fheap_tiny_and_direct_huge_objects)
{
    /* 20-byte IDs: tiny objects up to 18 bytes with a two-byte length,
     * huge objects addressed directly (type 3 tree). */
    c5_fheap_params p = c5_fheap_links_params;
    p.id_len = 20;
    heap_case hc = {8, &p, 700, len_tiny};
    heap_hdr h = heap_roundtrip(&hc);
    uint64_t tiny = 0, huge = 0, tiny16 = 0;
    for (size_t i = 0; i < 700; i++) {
        size_t len = len_tiny(i);
        huge += len > 4096;
        tiny += len <= 18;
        tiny16 += i < 200 && len <= 16;
    }
    ck_assert_uint_eq(h.ntiny, tiny);
    ck_assert_uint_eq(h.nhuge, huge);
    ck_assert_uint_eq(h.next_huge, 0); /* direct huge IDs use no keys */
    /* 18-byte IDs: 16-byte tiny objects, one length nibble */
    p.id_len = 18;
    hc.n = 200;
    h = heap_roundtrip(&hc);
    ck_assert_uint_eq(h.ntiny, tiny16);
    /* 4-byte offsets and lengths */
    heap_case h4 = {4, &c5_fheap_links_params, 5000, len_mixed};
    h = heap_roundtrip(&h4);
    ck_assert_uint_gt(h.nhuge, 0);
    heap_case a4 = {4, &c5_fheap_attrs_params, 100, len_big};
    heap_roundtrip(&a4);
}
END_TEST

START_TEST(test_dense_write_fheap_rejects_bad_parameters)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    uint8_t obj[8] = {1};
    const uint8_t *objs[1] = {obj};
    size_t lens[1] = {8};
    uint8_t ids[64];
    uint64_t addr;
    c5_fheap_params p = c5_fheap_links_params;
    p.width = 3;
    ck_assert_int_eq(c5_fheap_write(&f, &p, 1, objs, lens, ids, &addr), C5_EINVAL);
    p = c5_fheap_links_params;
    p.id_len = 5; /* shorter than a managed ID */
    ck_assert_int_eq(c5_fheap_write(&f, &p, 1, objs, lens, ids, &addr), C5_EINVAL);
    p = c5_fheap_links_params;
    p.max_man_size = 65536; /* more than a direct block holds */
    ck_assert_int_eq(c5_fheap_write(&f, &p, 1, objs, lens, ids, &addr), C5_EINVAL);
    lens[0] = 0;
    ck_assert_int_eq(c5_fheap_write(&f, &c5_fheap_links_params, 1, objs, lens, ids, &addr),
                     C5_EINVAL);
    /* an empty heap: no root */
    ck_assert_int_eq(c5_fheap_write(&f, &c5_fheap_links_params, 0, NULL, NULL, NULL, &addr), 0);
    heap_hdr h = read_hdr(&m, addr, 8);
    ck_assert_uint_eq(h.root, UINT64_MAX);
    ck_assert_uint_eq(h.man_size, 0);
    mem_close(&m);
}
END_TEST

/* ---- dense links and attributes, through the readers ------------------- */

typedef struct idx_walk {
    c5_file *f;
    c5_fheap *h;
    int type;
    const c5_dense_rec *recs; /* input, by position */
    size_t n;
    size_t seen;
    uint32_t last_hash;
    char last_name[128];
    int64_t last_corder;
    int bad;
    char why[200];
} idx_walk;

static int idx_bad(idx_walk *w, const char *why)
{
    if (!w->bad)
        snprintf(w->why, sizeof w->why, "record %zu: %s", w->seen, why);
    w->bad = 1;
    return 0;
}

/* Bodies in the in-memory tests are "BODY:<name>" and a NUL, then any
 * padding; find the input record with that name. */
static const c5_dense_rec *by_body(idx_walk *w, const uint8_t *b, size_t n)
{
    const uint8_t *z = n > 5 ? memchr(b, 0, n) : NULL;
    if (!z || memcmp(b, "BODY:", 5) != 0)
        return NULL;
    size_t nl = (size_t)(z - b) - 5;
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->recs[i].name) == nl && memcmp(w->recs[i].name, b + 5, nl) == 0)
            return &w->recs[i];
    return NULL;
}

static int idx_cb(void *ud, const uint8_t *rec, size_t len)
{
    idx_walk *w = ud;
    const int attr = w->type >= 8;
    const size_t idl = attr ? 8 : 7;
    const uint8_t *id = attr ? rec : rec + (w->type == 5 ? 4 : 8);
    const c5_dense_rec *r = NULL;
    if (attr && (rec[8] & 2)) {
        for (size_t i = 0; i < w->n && !r; i++)
            if ((w->recs[i].msgflags & 2) && memcmp(w->recs[i].msg, id, 8) == 0)
                r = &w->recs[i];
    } else {
        uint8_t *b;
        size_t bn;
        if (c5_fheap_read(w->h, id, idl, &b, &bn) != 0)
            return idx_bad(w, "heap object unreadable");
        r = by_body(w, b, bn);
        if (r && (bn != r->len || memcmp(b, r->msg, bn) != 0))
            r = NULL;
        free(b);
    }
    if (!r)
        return idx_bad(w, "record names no input");
    uint32_t hash = c5_lookup3(r->name, strlen(r->name), 0);
    int64_t corder;
    switch (w->type) {
    case 5:
        if (len != 11 || c5_le(rec, 4) != hash)
            return idx_bad(w, "bad type 5 record");
        break;
    case 6:
        if (len != 15 || (int64_t)c5_le(rec, 8) != r->corder)
            return idx_bad(w, "bad type 6 record");
        break;
    case 8:
        if (len != 17 || rec[8] != r->msgflags || (int64_t)c5_le(rec + 9, 4) != r->corder ||
            c5_le(rec + 13, 4) != hash)
            return idx_bad(w, "bad type 8 record");
        break;
    default:
        if (len != 13 || rec[8] != r->msgflags || (int64_t)c5_le(rec + 9, 4) != r->corder)
            return idx_bad(w, "bad type 9 record");
        break;
    }
    if (w->type == 5 || w->type == 8) {
        if (w->seen && (hash < w->last_hash ||
                        (hash == w->last_hash && strcmp(w->last_name, r->name) >= 0)))
            return idx_bad(w, "name index out of order");
        w->last_hash = hash;
        snprintf(w->last_name, sizeof w->last_name, "%s", r->name);
    } else {
        corder = r->corder;
        if (w->seen && corder <= w->last_corder)
            return idx_bad(w, "creation-order index out of order");
        w->last_corder = corder;
    }
    w->seen++;
    return 0;
}

static void walk_index(c5_file *f, uint64_t heap, uint64_t bt2, int type, const c5_dense_rec *recs,
                       size_t n)
{
    idx_walk w = {.f = f, .type = type, .recs = recs, .n = n};
    ck_assert_msg(c5_fheap_open(f, heap, &w.h) == 0, "%s", f->errmsg);
    int got = -1;
    ck_assert_msg(c5_bt2_iterate(f, bt2, &got, idx_cb, &w) == 0, "%s", f->errmsg);
    c5_fheap_close(w.h);
    ck_assert_int_eq(got, type);
    ck_assert_msg(!w.bad, "type %d: %s", type, w.why);
    ck_assert_uint_eq(w.seen, n);
}

/* Two names with the same lookup3 hash, found by brute force (a 32-bit
 * hash collides within ~2^16 names). */
typedef struct hname {
    uint32_t h;
    uint32_t i;
} hname;

static int cmp_hname(const void *a, const void *b)
{
    const hname *x = a, *y = b;
    return x->h != y->h ? (x->h < y->h ? -1 : 1) : (x->i < y->i ? -1 : x->i > y->i);
}

static void find_collision(char *a, char *b, size_t cap)
{
    const uint32_t N = 400000;
    hname *v = malloc(N * sizeof *v);
    ck_assert_ptr_nonnull(v);
    char s[32];
    for (uint32_t i = 0; i < N; i++) {
        snprintf(s, sizeof s, "collide_%u", i);
        v[i] = (hname){c5_lookup3(s, strlen(s), 0), i};
    }
    qsort(v, N, sizeof *v, cmp_hname);
    uint32_t i = 1;
    while (i < N && v[i].h != v[i - 1].h)
        i++;
    ck_assert_msg(i < N, "no lookup3 collision among %u names", N);
    /* put the strcmp-larger name first, so sorting must swap them */
    char x[32], y[32];
    snprintf(x, sizeof x, "collide_%u", v[i - 1].i);
    snprintf(y, sizeof y, "collide_%u", v[i].i);
    snprintf(a, cap, "%s", strcmp(x, y) > 0 ? x : y);
    snprintf(b, cap, "%s", strcmp(x, y) > 0 ? y : x);
    free(v);
}

typedef struct dense_input {
    c5_dense_rec *recs;
    char **names;
    uint8_t **bodies;
    size_t n;
} dense_input;

static void dense_input_free(dense_input *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->names[i]);
        free(d->bodies[i]);
    }
    free(d->recs);
    free(d->names);
    free(d->bodies);
}

/* n records named name_<i> plus a colliding pair at the end; bodies
 * "BODY:<name>" and a NUL; creation orders 3 * (count - i). */
static dense_input make_input(size_t n)
{
    dense_input d = {0};
    d.n = n + 2;
    d.recs = calloc(d.n, sizeof *d.recs);
    d.names = calloc(d.n, sizeof *d.names);
    d.bodies = calloc(d.n, sizeof *d.bodies);
    ck_assert(d.recs && d.names && d.bodies);
    char ca[32], cb[32];
    find_collision(ca, cb, sizeof ca);
    for (size_t i = 0; i < d.n; i++) {
        char nm[64];
        if (i < n)
            snprintf(nm, sizeof nm, "name_%zu", i);
        else
            snprintf(nm, sizeof nm, "%s", i == n ? ca : cb);
        d.names[i] = strdup(nm);
        size_t bl = 6 + strlen(nm);
        d.bodies[i] = calloc(1, bl);
        memcpy(d.bodies[i], "BODY:", 5);
        memcpy(d.bodies[i] + 5, nm, strlen(nm));
        d.recs[i] = (c5_dense_rec){d.names[i], d.bodies[i], bl, (int64_t)(3 * (d.n - i)), 0};
    }
    return d;
}

START_TEST(test_dense_write_links_both_indexes_read_back)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    dense_input d = make_input(3000);
    uint64_t heap, byname, bycorder;
    ck_assert_msg(c5_dense_links_write(&f, d.recs, d.n, 1, &heap, &byname, &bycorder) == 0, "%s",
                  f.errmsg);
    walk_index(&f, heap, byname, 5, d.recs, d.n);
    walk_index(&f, heap, bycorder, 6, d.recs, d.n);
    /* without the creation-order index */
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, 9, 0, &heap, &byname, &bycorder), 0);
    ck_assert_uint_eq(bycorder, C5_UNDEF);
    walk_index(&f, heap, byname, 5, d.recs, 9);
    /* an empty group */
    ck_assert_int_eq(c5_dense_links_write(&f, NULL, 0, 1, &heap, &byname, &bycorder), 0);
    walk_index(&f, heap, byname, 5, NULL, 0);
    walk_index(&f, heap, bycorder, 6, NULL, 0);
    dense_input_free(&d);
    mem_close(&m);
}
END_TEST

START_TEST(test_dense_write_attrs_huge_and_shared_read_back)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    dense_input d = make_input(400);
    /* some bodies become huge objects: padding after the NUL */
    for (size_t i = 0; i < d.n; i += 37) {
        size_t bl = d.recs[i].len, big = 5000 + i;
        uint8_t *b = realloc(d.bodies[i], big);
        ck_assert_ptr_nonnull(b);
        memset(b + bl, 'x', big - bl);
        d.bodies[i] = b;
        d.recs[i].msg = b;
        d.recs[i].len = big;
    }
    /* two shared attributes: their records carry an 8-byte ID from the
     * shared-message heap */
    static const uint8_t sid1[8] = {0, 1, 2, 3, 4, 5, 6, 7}, sid2[8] = {0, 9, 9, 9, 9, 9, 9, 9};
    d.recs[5].msgflags = 2;
    d.recs[5].msg = sid1;
    d.recs[5].len = 8;
    d.recs[6].msgflags = 2;
    d.recs[6].msg = sid2;
    d.recs[6].len = 8;
    d.recs[7].msgflags = 1; /* constant: kept as given */
    uint64_t heap, byname, bycorder;
    ck_assert_msg(c5_dense_attrs_write(&f, d.recs, d.n, 1, &heap, &byname, &bycorder) == 0, "%s",
                  f.errmsg);
    heap_hdr h = read_hdr(&m, heap, 8);
    ck_assert_uint_eq(h.id_len, 8);
    ck_assert_uint_eq(h.nhuge, 11);
    ck_assert_uint_eq(h.nman + h.nhuge, d.n - 2);
    walk_index(&f, heap, byname, 8, d.recs, d.n);
    walk_index(&f, heap, bycorder, 9, d.recs, d.n);
    dense_input_free(&d);
    mem_close(&m);
}
END_TEST

START_TEST(test_dense_write_rejects_duplicates_and_bad_records)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    dense_input d = make_input(10);
    uint64_t a, b, c;
    free(d.names[3]);
    d.names[3] = strdup("name_4");
    d.recs[3].name = d.names[3];
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, d.n, 0, &a, &b, &c), C5_EINVAL);
    ck_assert_uint_eq(a, C5_UNDEF);
    free(d.names[3]);
    d.names[3] = strdup("name_3");
    d.recs[3].name = d.names[3];
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, d.n, 0, &a, &b, &c), 0);
    int64_t keep = d.recs[3].corder;
    d.recs[3].corder = d.recs[4].corder;
    /* equal creation orders only matter when they are indexed */
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, d.n, 1, &a, &b, &c), C5_EINVAL);
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, d.n, 0, &a, &b, &c), 0);
    d.recs[3].corder = keep;
    d.recs[2].corder = (int64_t)1 << 33;
    ck_assert_int_eq(c5_dense_attrs_write(&f, d.recs, d.n, 0, &a, &b, &c), C5_EINVAL);
    ck_assert_int_eq(c5_dense_links_write(&f, d.recs, d.n, 1, &a, &b, &c), 0);
    d.recs[2].corder = 1000;
    d.recs[1].msgflags = 2; /* shared, but the message is not an 8-byte ID */
    ck_assert_int_eq(c5_dense_attrs_write(&f, d.recs, d.n, 0, &a, &b, &c), C5_EINVAL);
    dense_input_free(&d);
    mem_close(&m);
}
END_TEST

/* ---- chunk index, through the reader --------------------------------------- */

typedef struct crec_set {
    c5_chunk_rec *v;
    size_t n, cap;
} crec_set;

static int crec_push(void *ud, const c5_chunk_rec *r)
{
    crec_set *s = ud;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        ck_assert_ptr_nonnull(s->v);
    }
    s->v[s->n++] = *r;
    return 0;
}

static int g_rank;
static int cmp_crec(const void *a, const void *b)
{
    const c5_chunk_rec *x = a, *y = b;
    for (int i = 0; i < g_rank; i++)
        if (x->scaled[i] != y->scaled[i])
            return x->scaled[i] < y->scaled[i] ? -1 : 1;
    return 0;
}

static void chunk_roundtrip(int filtered, size_t n_expect_depth)
{
    c5_file f;
    mfile m;
    mem_open(&f, &m, 8);
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = 3;
    const uint64_t grid[3] = {20, 15, 10}, cd[3] = {4, 3, 5};
    for (int i = 0; i < 3; i++) {
        g.chunk[i] = cd[i];
        g.dims[i] = grid[i] * cd[i] - 1;
        g.maxdims[i] = C5_UNLIMITED;
    }
    g.elem_size = 2;
    g.chunk_bytes = 4 * 3 * 5 * 2;
    g.filtered = filtered;
    /* every chunk of the grid, in a scrambled order */
    size_t n = 3000;
    c5_chunk_rec *recs = calloc(n, sizeof *recs);
    for (size_t k = 0; k < n; k++) {
        size_t i = (k * 1237) % n; /* 1237 is coprime with 3000 */
        recs[k].scaled[0] = i / 150;
        recs[k].scaled[1] = (i / 10) % 15;
        recs[k].scaled[2] = i % 10;
        recs[k].addr = 100000 + 1000 * (uint64_t)i;
        recs[k].size = filtered ? 7 + i % 200 : g.chunk_bytes;
        recs[k].filter_mask = filtered ? (uint32_t)(i % 3) : 0;
    }
    uint64_t addr;
    uint8_t info[8];
    size_t ilen = 0;
    ck_assert_msg(c5_bt2_chunk_write(&f, &g, recs, n, &addr, info, &ilen) == 0, "%s", f.errmsg);
    ck_assert_uint_eq(ilen, 6);
    ck_assert_uint_eq(c5_le(info, 4), 2048);
    ck_assert_uint_eq(info[4], 100);
    ck_assert_uint_eq(info[5], 40);
    ck_assert_uint_eq(c5_le(m.p + addr + 12, 2), n_expect_depth);
    c5_layout l;
    memset(&l, 0, sizeof l);
    l.version = 4;
    l.cls = C5_LAYOUT_CHUNKED;
    l.addr = addr;
    l.ndims = 4;
    for (int i = 0; i < 3; i++)
        l.chunk[i] = cd[i];
    l.chunk[3] = 2;
    l.index_type = 5;
    l.idx_info = info;
    l.idx_info_len = ilen;
    c5_chunk_index *ix;
    ck_assert_msg(c5_chunk_index_open(&f, &l, &g, &ix) == 0, "%s", f.errmsg);
    crec_set got = {0};
    ck_assert_msg(c5_chunk_iterate(ix, crec_push, &got) == 0, "%s", f.errmsg);
    ck_assert_uint_eq(got.n, n);
    g_rank = 3;
    qsort(recs, n, sizeof *recs, cmp_crec);
    qsort(got.v, got.n, sizeof *got.v, cmp_crec);
    for (size_t k = 0; k < n; k++) {
        ck_assert_int_eq(cmp_crec(&recs[k], &got.v[k]), 0);
        ck_assert_uint_eq(recs[k].addr, got.v[k].addr);
        if (filtered) {
            ck_assert_uint_eq(recs[k].size, got.v[k].size);
            ck_assert_uint_eq(recs[k].filter_mask, got.v[k].filter_mask);
        }
    }
    c5_chunk_rec one;
    ck_assert_int_eq(c5_chunk_lookup(ix, recs[1234].scaled, &one), 0);
    ck_assert_uint_eq(one.addr, recs[1234].addr);
    c5_chunk_index_close(ix);
    /* a duplicate chunk is refused; so is a size that does not fit */
    recs[1] = recs[0];
    ck_assert_int_eq(c5_bt2_chunk_write(&f, &g, recs, n, &addr, info, &ilen), C5_EINVAL);
    if (filtered) {
        recs[1].scaled[0] = 999;
        recs[1].size = 1ull << 40;
        ck_assert_int_eq(c5_bt2_chunk_write(&f, &g, recs, n, &addr, info, &ilen), C5_EINVAL);
    }
    free(got.v);
    free(recs);
    mem_close(&m);
}

START_TEST(test_dense_write_chunk_index_reads_back)
{
    /* type 10: 32-byte records, 63 per leaf, 3199 under a level-1 root;
     * type 11: 38-byte records, 53 per leaf, 2375 under a level-1 root */
    chunk_roundtrip(0, 1);
    chunk_roundtrip(1, 2);
}
END_TEST

/* ---- files made by h5py ------------------------------------------------ */

/* The h5py side (run with /usr/bin/python3 in a temporary folder):
 * mklinks/checklinks, mkattrs/checkattrs, mkbulk/checkbulk, mkchunk/checkchunk. */
static const char *const PYCHECK[] = {
    "import sys",
    "import h5py",
    "import numpy as np",
    "",
    "HARD = ['d0', 'd1', 'sub']",
    "HUGE = [False]  # link names too long for managed heap objects",
    "",
    "",
    "def lname(i):",
    "    if HUGE[0] and i % 4 == 2:",
    "        return 'H' * 66000 + '_%d' % i",
    "    if i % 97 == 5:",
    "        return 'L' * 300 + '_%d' % i",
    "    if i % 89 == 7:",
    "        return 'n' + chr(228) + 'me_%d' % i",
    "    return 'link_%05d' % i",
    "",
    "",
    "def add_link(f, g, name, i):",
    "    k = i % 4",
    "    if k == 0:",
    "        g[name] = h5py.SoftLink('/target/%d' % i)",
    "    elif k == 1:",
    "        g[name] = f[HARD[i % 3]]",
    "    elif k == 2:",
    "        g[name] = h5py.ExternalLink('ext_%d.h5' % (i % 5), '/x/%d' % i)",
    "    else:",
    "        g[name] = h5py.SoftLink('/' + 'deep/' * (i % 40) + 'end%d' % i)",
    "",
    "",
    "def check_link(f, g, name, i):",
    "    k = i % 4",
    "    lk = g.get(name, getlink=True)",
    "    if k == 0:",
    "        assert isinstance(lk, h5py.SoftLink) and lk.path == '/target/%d' % i, name",
    "    elif k == 1:",
    "        assert isinstance(lk, h5py.HardLink), name",
    "        assert g[name].id == f[HARD[i % 3]].id, name",
    "    elif k == 2:",
    "        assert isinstance(lk, h5py.ExternalLink), name",
    "        assert lk.filename == 'ext_%d.h5' % (i % 5) and lk.path == '/x/%d' % i, name",
    "    else:",
    "        assert isinstance(lk, h5py.SoftLink), name",
    "        assert lk.path == '/' + 'deep/' * (i % 40) + 'end%d' % i, name",
    "",
    "",
    "def addname(j):",
    "    return 'added_%d' % j + ('h' * 67000 if HUGE[0] and j == 1 else '')",
    "",
    "",
    "def same_order(names, exp, track):",
    "    if track:",
    "        assert names == exp, (names[:4], exp[:4], len(names), len(exp))",
    "    else:",
    "        assert sorted(names) == sorted(exp), (len(names), len(exp))",
    "",
    "",
    "def mklinks(path, n, track):",
    "    with h5py.File(path, 'w', libver='latest') as f:",
    "        f.create_dataset('d0', data=np.arange(3))",
    "        f.create_dataset('d1', data=np.arange(4))",
    "        f.create_group('sub')",
    "        g = f.create_group('g', track_order=track)",
    "        for i in range(n):",
    "            add_link(f, g, lname(i), i)",
    "",
    "",
    "def link_changes(n):",
    "    dele = set([1 % n, n // 2, n - 1])",
    "    if n >= 100:",
    "        dele |= set(range(0, n, 3))",
    "    return sorted(dele), max(3, n // 10)",
    "",
    "",
    "def checklinks(path, n, track):",
    "    with h5py.File(path, 'r') as f:",
    "        g = f['g']",
    "        same_order(list(g.keys()), [lname(i) for i in range(n)], track)",
    "        for i in range(n):",
    "            check_link(f, g, lname(i), i)",
    "    dele, nadd = link_changes(n)",
    "    with h5py.File(path, 'a') as f:",
    "        g = f['g']",
    "        for i in dele:",
    "            del g[lname(i)]",
    "        for j in range(nadd):",
    "            add_link(f, g, addname(j), n + j)",
    "    with h5py.File(path, 'r') as f:",
    "        g = f['g']",
    "        gone = set(dele)",
    "        keep = [i for i in range(n) if i not in gone]",
    "        exp = [lname(i) for i in keep] + [addname(j) for j in range(nadd)]",
    "        same_order(list(g.keys()), exp, track)",
    "        for i in keep:",
    "            check_link(f, g, lname(i), i)",
    "        for j in range(nadd):",
    "            check_link(f, g, addname(j), n + j)",
    "",
    "",
    "def aname(i):",
    "    return 'attr_%03d' % i if i % 13 else 'A' * 200 + '%d' % i",
    "",
    "",
    "def aval(i):",
    "    k = i % 6",
    "    if k == 0:",
    "        return np.arange((i * 37) % 1500 + 1, dtype='f8') * 0.5",
    "    if k == 1:",
    "        return np.bytes_(('value %d' % i).encode())",
    "    if k == 2:",
    "        return np.arange(i % 50 + 1, dtype='i4')",
    "    if k == 3:",
    "        return 'vlen string %d' % i",
    "    if k == 4:",
    "        return np.full(750, i, dtype='i4')",
    "    return np.int64(i)",
    "",
    "",
    "BIG = np.arange(20000, dtype='f4')",
    "",
    "",
    "def same(x, y):",
    "    return np.array_equal(np.asarray(x), np.asarray(y))",
    "",
    "",
    "def mkattrs(path, n, track):",
    "    with h5py.File(path, 'w', libver='latest') as f:",
    "        d = f.create_dataset('d', data=np.arange(10), track_order=track)",
    "        for i in range(n):",
    "            d.attrs[aname(i)] = aval(i)",
    "        d.attrs['zz_big'] = BIG",
    "",
    "",
    "def check_attrs(d, exp, track):",
    "    same_order(list(d.attrs), [k for k, v in exp], track)",
    "    for k, v in exp:",
    "        assert same(d.attrs[k], v), k",
    "",
    "",
    "def checkattrs(path, n, track):",
    "    exp = [(aname(i), aval(i)) for i in range(n)] + [('zz_big', BIG)]",
    "    with h5py.File(path, 'r') as f:",
    "        check_attrs(f['d'], exp, track)",
    "    gone = [aname(2), aname(min(30, n - 1))]",
    "    mod = {aname(4): np.full(750, 7, dtype='i4'), aname(18): aval(18) + 1.0}",
    "    with h5py.File(path, 'a') as f:",
    "        d = f['d']",
    "        for k in gone:",
    "            del d.attrs[k]",
    "        for k, v in mod.items():",
    "            d.attrs.modify(k, v)",
    "        d.attrs[aname(10)] = np.arange(5, dtype='i2')",
    "        d.attrs['new_small'] = np.int32(1)",
    "        d.attrs['new_huge'] = np.arange(3000.0)",
    "        for j in range(40):",
    "            d.attrs['more_%d' % j] = np.arange(j * 20 + 1, dtype='i8')",
    "        for i in range(7, n, 4):",
    "            del d.attrs[aname(i)]",
    "    exp = [(k, mod.get(k, v)) for k, v in exp if k not in gone and k != aname(10)]",
    "    exp += [(aname(10), np.arange(5, dtype='i2')), ('new_small', np.int32(1)),",
    "            ('new_huge', np.arange(3000.0))]",
    "    exp += [('more_%d' % j, np.arange(j * 20 + 1, dtype='i8')) for j in range(40)]",
    "    dropped = set(aname(i) for i in range(7, n, 4))",
    "    exp = [(k, v) for k, v in exp if k not in dropped]",
    "    with h5py.File(path, 'r') as f:",
    "        check_attrs(f['d'], exp, track)",
    "",
    "",
    "def mkbulk(path, n):",
    "    with h5py.File(path, 'w', libver='latest') as f:",
    "        d = f.create_dataset('d', data=np.arange(10))",
    "        for i in range(n):",
    "            d.attrs['b%04d' % i] = np.full(625, i, dtype='i4')",
    "",
    "",
    "def checkbulk(path, n):",
    "    with h5py.File(path, 'r') as f:",
    "        d = f['d']",
    "        assert len(d.attrs) == n",
    "        for i in range(n):",
    "            assert same(d.attrs['b%04d' % i], np.full(625, i, dtype='i4'))",
    "    with h5py.File(path, 'a') as f:",
    "        d = f['d']",
    "        for i in range(n, n + 100):",
    "            d.attrs['b%04d' % i] = np.full(625, i, dtype='i4')",
    "    with h5py.File(path, 'a') as f:",
    "        d = f['d']",
    "        for i in range(0, n + 100, 2):",
    "            del d.attrs['b%04d' % i]",
    "    with h5py.File(path, 'r') as f:",
    "        d = f['d']",
    "        assert len(d.attrs) == (n + 100) // 2",
    "        for i in range(1, n + 100, 2):",
    "            assert same(d.attrs['b%04d' % i], np.full(625, i, dtype='i4'))",
    "",
    "",
    "def cdata(s0, s1, sparse):",
    "    a = ((np.arange(s0 * s1, dtype='i8').reshape(s0, s1) * 7) % 30011).astype('i4')",
    "    if sparse:",
    "        a[s0 // 2:, :] = 0",
    "    return a",
    "",
    "",
    "def mkchunk(path, filtered, s0, s1, c0, c1):",
    "    with h5py.File(path, 'w', libver='latest') as f:",
    "        d = f.create_dataset('d', shape=(s0, s1), dtype='i4', maxshape=(None, None),",
    "                             chunks=(c0, c1), compression='gzip' if filtered else None)",
    "        if filtered:",
    "            d[:s0 // 2, :] = cdata(s0, s1, True)[:s0 // 2, :]",
    "        else:",
    "            d[...] = cdata(s0, s1, False)",
    "",
    "",
    "def checkchunk(path, filtered, s0, s1):",
    "    with h5py.File(path, 'r') as f:",
    "        assert same(f['d'][...], cdata(s0, s1, filtered))",
    "    exp = np.zeros((s0 + 7, s1 + 5), dtype='i4')",
    "    exp[:s0, :s1] = cdata(s0, s1, filtered)",
    "    with h5py.File(path, 'a') as f:",
    "        d = f['d']",
    "        d.resize((s0 + 7, s1 + 5))",
    "        d[s0:, :] = 5",
    "        d[:, s1:] = 6",
    "        d[0:3, 0:3] = -1",
    "    exp[s0:, :] = 5",
    "    exp[:, s1:] = 6",
    "    exp[0:3, 0:3] = -1",
    "    with h5py.File(path, 'r') as f:",
    "        assert same(f['d'][...], exp)",
    "",
    "",
    "def u1(n, k):",
    "    return (np.arange(n) * k % 251).astype('u1')",
    "",
    "",
    "def checkbig(path):",
    "    # written by cfive's object writer (bigfile_write in the C test)",
    "    G, S, T = 'G' * 66000, 'S' * 70000, 'T' * 68000",
    "    with h5py.File(path, 'r') as f:",
    "        assert sorted(f.keys()) == sorted([G, S, 'd', 'edge_big', 'edge_ok', 'small'])",
    "        assert isinstance(f[G], h5py.Group)",
    "        lk = f.get(S, getlink=True)",
    "        assert isinstance(lk, h5py.SoftLink) and lk.path == '/small'",
    "        assert list(f['edge_ok']) == ['k' * 65523]",
    "        assert list(f['edge_big']) == ['k' * 65524]",
    "        assert same(f['d'].attrs['big'], u1(70000, 7))",
    "        sm = f['small'].attrs",
    "        assert sorted(sm) == sorted(['a%d' % i for i in range(10)] + ['huge'])",
    "        for i in range(10):",
    "            assert int(sm['a%d' % i]) == i * 3",
    "        assert same(sm['huge'], u1(90000, 3))",
    "    with h5py.File(path, 'a') as f:",
    "        del f[G]",
    "        f.create_group(T)",
    "        for i in range(10):",
    "            f['n%d' % i] = i",
    "        f['edge_ok'].create_group('m' * 66000)",
    "        f['d'].attrs['big2'] = u1(80000, 5)",
    "        del f['d'].attrs['big']",
    "        f['small'].attrs['huge'] = u1(75000, 11)",
    "        f['small'].attrs['huge3'] = u1(66000, 13)",
    "        del f['small'].attrs['a4']",
    "    with h5py.File(path, 'r') as f:",
    "        assert sorted(f.keys()) == sorted([S, T, 'd', 'edge_big', 'edge_ok', 'small'] +",
    "                                          ['n%d' % i for i in range(10)])",
    "        assert f.get(S, getlink=True).path == '/small'",
    "        assert sorted(f['edge_ok']) == ['k' * 65523, 'm' * 66000]",
    "        assert list(f['d'].attrs) == ['big2'] and same(f['d'].attrs['big2'], u1(80000, 5))",
    "        sm = f['small'].attrs",
    "        assert same(sm['huge'], u1(75000, 11)) and same(sm['huge3'], u1(66000, 13))",
    "        assert 'a4' not in sm and int(sm['a9']) == 27",
    "",
    "",
    "def main():",
    "    cmd, path = sys.argv[1], sys.argv[2]",
    "    a = [int(x) for x in sys.argv[3:]]",
    "    HUGE[0] = cmd.endswith('links') and len(a) > 2 and bool(a[2])",
    "    if cmd == 'mklinks':",
    "        mklinks(path, a[0], bool(a[1]))",
    "    elif cmd == 'checklinks':",
    "        checklinks(path, a[0], bool(a[1]))",
    "    elif cmd == 'mkattrs':",
    "        mkattrs(path, a[0], bool(a[1]))",
    "    elif cmd == 'checkattrs':",
    "        checkattrs(path, a[0], bool(a[1]))",
    "    elif cmd == 'mkbulk':",
    "        mkbulk(path, a[0])",
    "    elif cmd == 'checkbulk':",
    "        checkbulk(path, a[0])",
    "    elif cmd == 'checkbig':",
    "        checkbig(path)",
    "    elif cmd == 'mkchunk':",
    "        mkchunk(path, *a)",
    "    elif cmd == 'checkchunk':",
    "        checkchunk(path, *a)",
    "    else:",
    "        raise SystemExit('unknown command ' + cmd)",
    "",
    "",
    "main()",
    "",
    NULL};

static char g_tmp[256];

static const char *tmpdir(void)
{
    if (!g_tmp[0]) {
        snprintf(g_tmp, sizeof g_tmp, "/tmp/c5_dense_write.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(g_tmp));
        char path[320];
        snprintf(path, sizeof path, "%s/dwcheck.py", g_tmp);
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        for (size_t i = 0; PYCHECK[i]; i++)
            fprintf(fp, "%s\n", PYCHECK[i]);
        fclose(fp);
    }
    return g_tmp;
}

static int have_h5py(void)
{
    static int have = -1;
    if (have < 0)
        have = system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0;
    if (!have)
        fprintf(stderr, "test_dense_write: /usr/bin/python3 with h5py not found, skipped\n");
    return have;
}

static int have_tools(void)
{
    static int have = -1;
    if (have < 0)
        have = system("command -v h5dump >/dev/null 2>&1 && command -v h5ls >/dev/null 2>&1") == 0;
    return have;
}

/* h5wasm (libhdf5 2.0, stricter) through tests/h5wasm_check.mjs, when
 * node and tests/node_modules/h5wasm are there (the suite runs from the
 * repository root). */
static int have_h5wasm(void)
{
    static int have = -1;
    if (have < 0)
        have = access("tests/h5wasm_check.mjs", R_OK) == 0 &&
               system("cd tests && node -e 'import(\"h5wasm/node\").then(()=>process.exit(0),"
                      "()=>process.exit(1))' >/dev/null 2>&1") == 0;
    return have;
}

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "command failed (%d): %s", rc, cmd);
}

static void py(const char *what, const char *path, const char *args)
{
    sh("cd %s && /usr/bin/python3 dwcheck.py %s %s %s", tmpdir(), what, path, args);
}

static char *slurp_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    rewind(fp);
    char *b = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    b[len] = 0;
    fclose(fp);
    return b;
}

/* Keep a copy of a file as h5py made it, for h5wasm to compare with. */
static void keep_orig(const char *name)
{
    if (have_h5wasm())
        sh("cd %s && cp %s orig_%s", tmpdir(), name, name);
}

/* h5wasm reads the rebuilt file as it reads the original. */
static void h5wasm_same(const char *name)
{
    if (have_h5wasm())
        sh("node tests/h5wasm_check.mjs --against %s/orig_%s %s/%s > /dev/null", tmpdir(), name,
           tmpdir(), name);
}

/* Set while files hold names of 64 KiB and more: h5ls -r then prints
 * tens of gigabytes (its output grows far faster than the names), so only
 * h5dump is compared. */
static int g_dump_only;

/* h5ls -r and h5dump of path, saved under tag. */
static void snapshot(const char *path, const char *tag)
{
    if (!have_tools())
        return;
    if (g_dump_only)
        sh("cd %s && echo skipped > %s.ls; h5dump %s > %s.dump 2>&1; true", tmpdir(), tag, path,
           tag);
    else
        sh("cd %s && h5ls -r %s > %s.ls 2>&1; h5dump %s > %s.dump 2>&1; true", tmpdir(), path, tag,
           path, tag);
}

static void same_snapshots(const char *a, const char *b)
{
    if (!have_tools())
        return;
    const char *ext[2] = {"ls", "dump"};
    for (int i = 0; i < 2; i++) {
        char pa[400], pb[400];
        snprintf(pa, sizeof pa, "%s/%s.%s", tmpdir(), a, ext[i]);
        snprintf(pb, sizeof pb, "%s/%s.%s", tmpdir(), b, ext[i]);
        char *x = slurp_text(pa), *y = slurp_text(pb);
        ck_assert_msg(strcmp(x, y) == 0, "h5%s output differs: %s vs %s", i ? "dump" : "ls", pa, pb);
        ck_assert_uint_gt(strlen(x), i || !g_dump_only ? 10 : 0);
        free(x);
        free(y);
    }
}

/* ---- making a read-only c5_file writable -------------------------------- */

typedef struct wio {
    c5_io orig;
    int fd;
} wio;

static int w_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    wio *w = ctx;
    return w->orig.read_at(w->orig.ctx, off, buf, n);
}

static int w_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    wio *w = ctx;
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = pwrite(w->fd, p, n, (off_t)off);
        if (k <= 0)
            return C5_EIO;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static int w_size(void *ctx, uint64_t *out)
{
    struct stat st;
    if (fstat(((wio *)ctx)->fd, &st) != 0)
        return C5_EIO;
    *out = (uint64_t)st.st_size;
    return 0;
}

static void w_close(void *ctx)
{
    wio *w = ctx;
    if (w->orig.close)
        w->orig.close(w->orig.ctx);
    close(w->fd);
    free(w);
}

/* Writes go to a second descriptor; reads still use the reader's. New
 * space starts at the end of the file. */
static void make_writable(c5_file *f, const char *path)
{
    wio *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->orig = f->io;
    w->fd = open(path, O_RDWR);
    ck_assert_int_ge(w->fd, 0);
    f->io = (c5_io){.ctx = w, .read_at = w_read, .write_at = w_write, .size = w_size,
                    .close = w_close};
    f->writable = 1;
    f->eoa = f->phys_size > f->eof_addr ? f->phys_size : f->eof_addr;
}

static void fix_sum(c5_file *f, uint64_t addr, uint64_t n)
{
    uint8_t *b = malloc((size_t)n + 4);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(c5_read(f, addr, b, (size_t)n, "test"), 0);
    put_le(b + n, c5_lookup3(b, (size_t)n, 0), 4);
    ck_assert_int_eq(c5_write(f, addr + n, b + n, 4), 0);
    free(b);
}

/* Overwrite the body of o's first message of `type` (same size) and
 * recompute the checksum of the header chunk holding it. */
static void patch_msg(c5_file *f, c5_object *o, uint16_t type, const uint8_t *body, size_t n)
{
    const c5_ohdr *oh = o->oh;
    const c5_msg *m = NULL;
    for (size_t i = 0; i < oh->nmsg && !m; i++)
        if (oh->msg[i].type == type)
            m = &oh->msg[i];
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->size, n);
    ck_assert_int_eq(c5_write(f, m->addr, body, n), 0);
    ck_assert_int_eq(oh->version, 2); /* h5py latest: checksummed chunks */
    uint8_t pre[40];
    ck_assert_int_eq(c5_read(f, oh->addr, pre, sizeof pre, "test"), 0);
    ck_assert_int_eq(memcmp(pre, "OHDR", 4), 0);
    size_t p = 6;
    if (pre[5] & 0x20)
        p += 16;
    if (pre[5] & 0x10)
        p += 4;
    unsigned w = 1u << (pre[5] & 3);
    uint64_t size0 = c5_le(pre + p, w);
    p += w;
    uint64_t start = oh->addr, end = oh->addr + p + size0;
    if (m->addr < start || m->addr >= end) {
        start = C5_UNDEF;
        for (size_t i = 0; i < oh->nmsg; i++) {
            if (oh->msg[i].type != C5_MSG_CONT)
                continue;
            uint64_t a = c5_le(oh->msg[i].data, f->osz), len = c5_le(oh->msg[i].data + f->osz, f->lsz);
            if (m->addr >= a && m->addr < a + len - 4) {
                start = a;
                end = a + len - 4;
            }
        }
        ck_assert_uint_ne(start, C5_UNDEF);
    }
    fix_sum(f, start, end - start);
}

/* Publish the new end of file in the v2/v3 superblock, then stop
 * writing (the file is closed by the caller). */
static void finish_write(c5_file *f)
{
    uint8_t sb[48];
    const unsigned o = f->osz, n = 12 + 4 * o;
    ck_assert_uint_eq(f->base, 0);
    ck_assert_int_eq(c5_read(f, 0, sb, n + 4, "test"), 0);
    ck_assert(sb[8] == 2 || sb[8] == 3);
    put_le(sb + 12 + 2 * o, f->eoa, o);
    put_le(sb + n, c5_lookup3(sb, n, 0), 4);
    ck_assert_int_eq(c5_write(f, 0, sb, n + 4), 0);
    f->eof_addr = f->eoa;
    f->writable = 0;
}

static c5_file *open_file(const char *path)
{
    c5_file *f;
    ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
    return f;
}

static c5_object *open_obj(c5_file *f, const char *path)
{
    c5_object *o;
    ck_assert_msg(c5_object_open(&o, f, path) == 0, "%s", c5_errmsg(f));
    return o;
}

/* ---- links ------------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

/* Append to t (any length: link names reach 70,000 bytes here). */
static void text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert(k >= 0);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

typedef struct lcopy {
    char *name, *target, *file;
    int type, has_corder, cset;
    uint64_t addr;
    int64_t corder;
} lcopy;

typedef struct lcol {
    lcopy *v;
    size_t n, cap;
    text t;
} lcol;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int link_cb(void *ud, const c5_link *l)
{
    lcol *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        ck_assert_ptr_nonnull(c->v);
    }
    c->v[c->n++] = (lcopy){strdup(l->name), dup_or_null(l->target), dup_or_null(l->target_file),
                           l->type, l->has_corder, l->cset, l->addr, l->corder};
    text_add(&c->t, "%s|%d|%llu|%s|%s|%lld|%d|%d\n", l->name, l->type,
             (unsigned long long)(l->type == C5_LINK_HARD ? l->addr : 0),
             l->target ? l->target : "-", l->target_file ? l->target_file : "-",
             (long long)l->corder, l->has_corder, l->cset);
    return 0;
}

static void lcol_free(lcol *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].target);
        free(c->v[i].file);
    }
    free(c->v);
    free(c->t.s);
}

/* cfive's view of /g: every link in name order, then (when tracked) the
 * names in creation order. */
static char *links_view(const char *path, int track)
{
    c5_file *f = open_file(path);
    c5_object *g = open_obj(f, "/g");
    lcol c = {0};
    ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_NAME, link_cb, &c), 0);
    if (track)
        ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_CREATION, link_cb, &c), 0);
    char *s = c.t.s;
    c.t.s = NULL;
    lcol_free(&c);
    c5_object_close(g);
    c5_file_close(f);
    return s;
}

/* A link message (spec IV.A.2.g) for the link, in buf; returns its size. */
static size_t enc_link(uint8_t *b, const lcopy *l)
{
    size_t nl = strlen(l->name), p = 0;
    unsigned lsz = nl < 256 ? 1 : nl < 65536 ? 2 : 4;
    uint8_t fl = (uint8_t)(lsz == 1 ? 0 : lsz == 2 ? 1 : 2);
    if (l->has_corder)
        fl |= 4;
    if (l->type != C5_LINK_HARD)
        fl |= 8;
    if (l->cset)
        fl |= 16;
    b[p++] = 1;
    b[p++] = fl;
    if (fl & 8)
        b[p++] = (uint8_t)l->type;
    if (fl & 4) {
        put_le(b + p, (uint64_t)l->corder, 8);
        p += 8;
    }
    if (fl & 16)
        b[p++] = (uint8_t)l->cset;
    put_le(b + p, nl, lsz);
    p += lsz;
    memcpy(b + p, l->name, nl);
    p += nl;
    if (l->type == C5_LINK_HARD) {
        put_le(b + p, l->addr, 8);
        p += 8;
    } else if (l->type == C5_LINK_SOFT) {
        size_t tl = strlen(l->target);
        put_le(b + p, tl, 2);
        memcpy(b + p + 2, l->target, tl);
        p += 2 + tl;
    } else {
        size_t a = strlen(l->file) + 1, t = strlen(l->target) + 1;
        put_le(b + p, 1 + a + t, 2);
        b[p + 2] = 0; /* external link version 0, flags 0 */
        memcpy(b + p + 3, l->file, a);
        memcpy(b + p + 3 + a, l->target, t);
        p += 3 + a + t;
    }
    return p;
}

/* Rebuild /g's dense storage from cfive's link table and publish it. */
static void rebuild_links(const char *path, int expect_index)
{
    c5_file *f = open_file(path);
    c5_object *g = open_obj(f, "/g");
    lcol c = {0};
    ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_NAME, link_cb, &c), 0);
    c5_dense_rec *recs = calloc(c.n, sizeof *recs);
    uint8_t **bodies = calloc(c.n, sizeof *bodies);
    for (size_t i = 0; i < c.n; i++) {
        const lcopy *l = &c.v[i];
        bodies[i] = malloc(64 + strlen(l->name) + (l->target ? strlen(l->target) : 0) +
                           (l->file ? strlen(l->file) : 0));
        size_t len = enc_link(bodies[i], l);
        recs[i] = (c5_dense_rec){l->name, bodies[i], len, l->corder, 0};
    }
    /* the link info message says whether creation order is indexed */
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, g->oh, C5_MSG_LINFO, &pos, &b), 0);
    c5_linfo li;
    ck_assert_int_eq(c5_linfo_decode(f, &b, &li), 0);
    ck_assert_int_eq(li.index_corder, expect_index);
    ck_assert_uint_ne(li.fheap, C5_UNDEF);
    uint8_t *body = malloc(b.n);
    memcpy(body, b.p, b.n);
    size_t bn = b.n;
    c5_mbody_free(f, &b);

    make_writable(f, path);
    const uint64_t old_end = f->eoa;
    uint64_t heap, byname, bycorder;
    ck_assert_msg(c5_dense_links_write(f, recs, c.n, li.index_corder, &heap, &byname, &bycorder) == 0,
                  "%s", c5_errmsg(f));
    ck_assert_uint_ge(heap, old_end);
    /* version, flags, [max creation index 8], heap, name index, [corder index] */
    size_t at = 2 + ((body[1] & 1) ? 8 : 0);
    put_le(body + at, heap, f->osz);
    put_le(body + at + f->osz, byname, f->osz);
    if (body[1] & 2)
        put_le(body + at + 2 * f->osz, bycorder, f->osz);
    patch_msg(f, g, C5_MSG_LINFO, body, bn);
    finish_write(f);
    free(body);
    for (size_t i = 0; i < c.n; i++)
        free(bodies[i]);
    free(bodies);
    free(recs);
    lcol_free(&c);
    c5_object_close(g);
    c5_file_close(f);
}

/* Links left after checklinks (link_changes in the script): three
 * deletions, every third link too from 100 links on, and max(3, n / 10)
 * additions. */
static size_t links_after(int n)
{
    size_t gone = 0;
    for (int i = 0; i < n; i++)
        gone += i == 1 % n || i == n / 2 || i == n - 1 || (n >= 100 && i % 3 == 0);
    return (size_t)n - gone + (size_t)(n / 10 > 3 ? n / 10 : 3);
}

/* The link-info message of the group at gpath; *nhuge receives the
 * number of huge objects in its heap (0 without dense storage). */
static c5_linfo group_linfo(const char *path, const char *gpath, uint64_t *nhuge)
{
    c5_file *f = open_file(path);
    c5_object *g = open_obj(f, gpath);
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, g->oh, C5_MSG_LINFO, &pos, &b), 0);
    c5_linfo li;
    ck_assert_int_eq(c5_linfo_decode(f, &b, &li), 0);
    c5_mbody_free(f, &b);
    *nhuge = 0;
    if (li.fheap != C5_UNDEF) {
        /* "FRHP", version, ID length, filter length, flags, max managed
         * size, then 7 length and 2 offset fields before the count */
        const size_t at = 14 + 7 * (size_t)f->lsz + 2 * (size_t)f->osz;
        uint8_t h[128];
        ck_assert_int_eq(c5_read(f, li.fheap, h, at + f->lsz, "test"), 0);
        ck_assert_int_eq(memcmp(h, "FRHP", 4), 0);
        *nhuge = c5_le(h + at, f->lsz);
    }
    c5_object_close(g);
    c5_file_close(f);
    return li;
}

/* huge: names of 66,000 bytes (every 4th link, and one added by h5py),
 * whose link messages are huge heap objects. */
static void links_case(int n, int track, int huge)
{
    if (!have_h5py())
        return;
    char name[64], args[64];
    snprintf(name, sizeof name, "links_%d_%d_%d.h5", n, track, huge);
    snprintf(args, sizeof args, "%d %d %d", n, track, huge);
    char path[400];
    snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
    py("mklinks", name, args);
    keep_orig(name);
    g_dump_only = huge;
    snapshot(name, "before");
    char *before = links_view(path, track);
    rebuild_links(path, track);
    if (huge) {
        uint64_t nh;
        c5_linfo li = group_linfo(path, "/g", &nh);
        ck_assert_uint_ne(li.fheap, C5_UNDEF);
        ck_assert_uint_eq(nh, (uint64_t)(n + 1) / 4);
    }
    snapshot(name, "after");
    same_snapshots("before", "after");
    char *after = links_view(path, track);
    ck_assert_str_eq(before, after);
    h5wasm_same(name);
    /* h5py reads it all, deletes and adds links (B-tree merges and splits,
     * new heap blocks past the iterator offset), reads back */
    py("checklinks", name, args);
    c5_file *f = open_file(path);
    c5_object *g = open_obj(f, "/g");
    lcol c = {0};
    ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_NAME, link_cb, &c), 0);
    ck_assert_uint_eq(c.n, links_after(n));
    lcol_free(&c);
    c5_object_close(g);
    c5_file_close(f);
    free(before);
    free(after);
    g_dump_only = 0;
}

START_TEST(test_dense_write_links_9_h5py_roundtrip) { links_case(9, 0, 0); }
END_TEST
START_TEST(test_dense_write_links_100_tracked_h5py_roundtrip) { links_case(100, 1, 0); }
END_TEST
START_TEST(test_dense_write_links_5000_h5py_roundtrip) { links_case(5000, 0, 0); }
END_TEST
START_TEST(test_dense_write_links_5000_tracked_h5py_roundtrip) { links_case(5000, 1, 0); }
END_TEST
START_TEST(test_dense_write_links_huge_names_h5py_roundtrip)
{
    /* 66,000-byte names: huge heap objects (type 1 tree, 6-byte keys in
     * 7-byte IDs) that libhdf5 reads, deletes from and adds to */
    links_case(12, 0, 1);
    links_case(15, 1, 1);
}
END_TEST

/* ---- cfive's object writer: link messages over 64 KiB ------------------- */

static c5_object *mkgroup(c5_file *f, const char *path)
{
    c5_object *g;
    ck_assert_msg(c5_group_create(&g, f, path, NULL) == 0, "%s: %s", path, c5_errmsg(f));
    return g;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 2);
    ck_assert_ptr_nonnull(s);
    s[0] = '/';
    memset(s + 1, c, n);
    s[n + 1] = 0;
    return s;
}

static void put_u1_attr(c5_object *o, const char *name, size_t n, unsigned k)
{
    c5_type *t;
    ck_assert_int_eq(c5_type_native(&t, C5_NATIVE_UINT8), 0);
    c5_space sp = {.cls = C5_SPACE_SIMPLE, .rank = 1, .dims = {n}, .maxdims = {n}};
    uint8_t *v = malloc(n);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)(i * k % 251);
    ck_assert_int_eq(c5_attr_write(o, name, t, &sp, NULL, v, n), 0);
    free(v);
    c5_type_close(t);
}

/* A latest-format file made with the public API (see checkbig in the
 * script): links whose messages exceed an object header message (65,535
 * bytes) and attributes larger than the heap's 4 KiB managed limit. */
static void bigfile_write(const char *path)
{
    c5_open_opts oo = {.size = sizeof oo, .format = C5_FORMAT_LATEST};
    c5_file *f;
    ck_assert_int_eq(c5_file_open_mode(&f, path, "w", &oo), 0);
    char *G = repeat('G', 66000), *S = repeat('S', 70000);
    char *ok = malloc(65540), *big = malloc(65540);
    ck_assert(ok && big);
    /* hard link message: version, flags, 2-byte name length, name,
     * address: 65,523 name bytes make 65,535 bytes, the most a message
     * holds; one more goes dense */
    char *k1 = repeat('k', 65523), *k2 = repeat('k', 65524);
    snprintf(ok, 65540, "/edge_ok%s", k1);
    snprintf(big, 65540, "/edge_big%s", k2);
    free(k1);
    free(k2);
    c5_object_close(mkgroup(f, G));
    c5_object *small = mkgroup(f, "/small");
    ck_assert_int_eq(c5_link_soft(f, S, "/small", 0), 0);
    c5_object_close(mkgroup(f, "/edge_ok"));
    c5_object_close(mkgroup(f, ok));
    c5_object_close(mkgroup(f, "/edge_big"));
    c5_object_close(mkgroup(f, big));
    c5_type *i32;
    ck_assert_int_eq(c5_type_native(&i32, C5_NATIVE_INT32), 0);
    c5_space sp = {.cls = C5_SPACE_SIMPLE, .rank = 1, .dims = {4}, .maxdims = {4}};
    c5_object *d;
    ck_assert_int_eq(c5_dataset_create(&d, f, "/d", i32, &sp, NULL), 0);
    put_u1_attr(d, "big", 70000, 7);
    c5_space sc = {.cls = C5_SPACE_SCALAR};
    for (int i = 0; i < 10; i++) {
        char an[8];
        int32_t v = i * 3;
        snprintf(an, sizeof an, "a%d", i);
        ck_assert_int_eq(c5_attr_write(small, an, i32, &sc, NULL, &v, sizeof v), 0);
    }
    put_u1_attr(small, "huge", 90000, 3);
    c5_type_close(i32);
    c5_object_close(d);
    c5_object_close(small);
    ck_assert_msg(c5_file_close(f) == 0, "close failed");
    free(G);
    free(S);
    free(ok);
    free(big);
}

START_TEST(test_dense_write_object_writer_links_over_64k_go_dense)
{
    if (!have_h5py())
        return;
    char path[400];
    snprintf(path, sizeof path, "%s/big_links.h5", tmpdir());
    bigfile_write(path);
    /* the root and /edge_big hold their links densely, with huge heap
     * objects; /edge_ok keeps its 65,535-byte link message */
    uint64_t nh;
    ck_assert_uint_ne(group_linfo(path, "/", &nh).fheap, C5_UNDEF);
    ck_assert_uint_eq(nh, 2);
    ck_assert_uint_ne(group_linfo(path, "/edge_big", &nh).fheap, C5_UNDEF);
    ck_assert_uint_eq(nh, 1);
    ck_assert_uint_eq(group_linfo(path, "/edge_ok", &nh).fheap, C5_UNDEF);
    c5_file *f = open_file(path);
    c5_object *g = open_obj(f, "/");
    lcol c = {0};
    ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_NAME, link_cb, &c), 0);
    ck_assert_uint_eq(c.n, 6);
    ck_assert_uint_eq(strlen(c.v[0].name), 66000); /* 'G' sorts first */
    ck_assert_uint_eq(strlen(c.v[1].name), 70000);
    ck_assert_str_eq(c.v[1].target, "/small");
    lcol_free(&c);
    c5_object_close(g);
    c5_file_close(f);
    if (have_tools())
        sh("h5dump %s > %s/big_links.dump 2>&1", path, tmpdir());
    /* libhdf5 reads it all, deletes and adds huge links and attributes */
    py("checkbig", "big_links.h5", "");
    if (have_tools())
        sh("h5dump %s > %s/big_links2.dump 2>&1", path, tmpdir());
    f = open_file(path);
    g = open_obj(f, "/edge_ok");
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(c5_group_iterate(g, C5_ORDER_NAME, link_cb, &c), 0);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_uint_eq(strlen(c.v[1].name), 66000);
    lcol_free(&c);
    c5_object_close(g);
    c5_file_close(f);
}
END_TEST

/* ---- attributes ---------------------------------------------------------------- */

typedef struct araw {
    char *name;
    uint8_t *body;
    size_t n;
    int64_t corder;
    uint8_t flags;
} araw;

typedef struct acol {
    c5_file *f;
    c5_fheap *h;
    araw *v;
    size_t n, cap;
} acol;

/* Type 8 records: heap ID, flags, creation order, hash. */
static int acol_cb(void *ud, const uint8_t *rec, size_t len)
{
    acol *c = ud;
    ck_assert_uint_eq(len, 17);
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        ck_assert_ptr_nonnull(c->v);
    }
    araw a = {0};
    a.flags = rec[8];
    a.corder = (int64_t)c5_le(rec + 9, 4);
    ck_assert_int_eq(a.flags & 2, 0);
    ck_assert_int_eq(c5_fheap_read(c->h, rec, 8, &a.body, &a.n), 0);
    c5_attrmsg am;
    ck_assert_int_eq(c5_attrmsg_decode(c->f, a.body, a.n, C5_UNDEF, &am), 0);
    a.name = strdup(am.name);
    c5_attrmsg_free(c->f, &am);
    ck_assert_uint_eq(c5_le(rec + 13, 4), c5_lookup3(a.name, strlen(a.name), 0));
    c->v[c->n++] = a;
    return 0;
}

typedef struct aview {
    c5_file *f;
    text t;
} aview;

static int aview_body(void *ud, const uint8_t *p, size_t n, uint64_t addr, int64_t corder)
{
    aview *v = ud;
    c5_attrmsg am;
    ck_assert_int_eq(c5_attrmsg_decode(v->f, p, n, addr, &am), 0);
    text_add(&v->t, "%s|%lld|%zu|%08x\n", am.name, (long long)corder, n, c5_lookup3(p, n, 0));
    c5_attrmsg_free(v->f, &am);
    return 0;
}

static int aview_name(void *ud, const char *name)
{
    text_add(&((aview *)ud)->t, "%s\n", name);
    return 0;
}

/* cfive's view of /d's attributes: every message body with its creation
 * order (storage order), then the names as c5_attr_iterate gives them. */
static char *attrs_view(const char *path)
{
    c5_file *f = open_file(path);
    c5_object *d = open_obj(f, "/d");
    aview v = {f, {0}};
    ck_assert_int_eq(c5_attr_each(d, aview_body, &v), 0);
    ck_assert_int_eq(c5_attr_iterate(d, aview_name, &v), 0);
    c5_object_close(d);
    c5_file_close(f);
    return v.t.s;
}

/* Rebuild /d's dense attributes from the raw messages in the old heap and
 * publish them; returns the new heap's root row count. */
static unsigned rebuild_attrs(const char *path, int expect_index, int expect_huge)
{
    c5_file *f = open_file(path);
    c5_object *d = open_obj(f, "/d");
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, d->oh, C5_MSG_AINFO, &pos, &b), 0);
    c5_ainfo ai;
    ck_assert_int_eq(c5_ainfo_decode(f, &b, &ai), 0);
    ck_assert_int_eq(ai.index_corder, expect_index);
    uint8_t *body = malloc(b.n);
    memcpy(body, b.p, b.n);
    size_t bn = b.n;
    c5_mbody_free(f, &b);

    /* the raw attribute messages, as stored in the old heap */
    acol c = {f, NULL, NULL, 0, 0};
    ck_assert_int_eq(c5_fheap_open(f, ai.fheap, &c.h), 0);
    ck_assert_int_eq(c5_bt2_iterate(f, ai.name_bt2, NULL, acol_cb, &c), 0);
    c5_fheap_close(c.h);
    c5_dense_rec *recs = calloc(c.n, sizeof *recs);
    size_t huge = 0;
    for (size_t i = 0; i < c.n; i++) {
        recs[i] = (c5_dense_rec){c.v[i].name, c.v[i].body, c.v[i].n, c.v[i].corder, c.v[i].flags};
        huge += c.v[i].n > 4096;
    }
    ck_assert_int_eq(huge > 0, expect_huge);

    make_writable(f, path);
    uint64_t heap, byname, bycorder;
    ck_assert_msg(c5_dense_attrs_write(f, recs, c.n, ai.index_corder, &heap, &byname, &bycorder) == 0,
                  "%s", c5_errmsg(f));
    /* version, flags, [max creation index 2], heap, name index, [corder index] */
    size_t at = 2 + ((body[1] & 1) ? 2 : 0);
    put_le(body + at, heap, f->osz);
    put_le(body + at + f->osz, byname, f->osz);
    if (body[1] & 2)
        put_le(body + at + 2 * f->osz, bycorder, f->osz);
    patch_msg(f, d, C5_MSG_AINFO, body, bn);
    finish_write(f);
    uint8_t hh[200];
    const size_t hsize = 22 + 12 * (size_t)f->lsz + 3 * (size_t)f->osz; /* rows: its last 2 bytes */
    ck_assert_int_eq(c5_read(f, heap, hh, hsize, "test"), 0);
    unsigned rows = (unsigned)c5_le(hh + hsize - 2, 2);
    for (size_t i = 0; i < c.n; i++) {
        free(c.v[i].name);
        c5_free(f, c.v[i].body);
    }
    free(c.v);
    free(recs);
    free(body);
    c5_object_close(d);
    c5_file_close(f);
    return rows;
}

static void attrs_case(int n, int track)
{
    if (!have_h5py())
        return;
    char name[64], args[64], path[400];
    snprintf(name, sizeof name, "attrs_%d_%d.h5", n, track);
    snprintf(args, sizeof args, "%d %d", n, track);
    snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
    py("mkattrs", name, args);
    keep_orig(name);
    snapshot(name, "abefore");
    char *before = attrs_view(path);
    rebuild_attrs(path, track, 1);
    snapshot(name, "aafter");
    same_snapshots("abefore", "aafter");
    char *after = attrs_view(path);
    ck_assert_str_eq(before, after);
    h5wasm_same(name);
    py("checkattrs", name, args);
    free(attrs_view(path)); /* cfive still reads it after libhdf5's changes */
    free(before);
    free(after);
}

START_TEST(test_dense_write_attrs_bulk_child_indirect_blocks_h5py_roundtrip)
{
    /* 400 attributes of ~2.6 KB: past the 512 KiB of direct rows, so the
     * root has 16 rows and child indirect blocks; h5py then adds 100
     * (new blocks at the iterator, inside a child block) and deletes
     * half of them all. */
    if (!have_h5py())
        return;
    const char *name = "bulk.h5";
    char path[400];
    snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
    py("mkbulk", name, "400");
    keep_orig(name);
    snapshot(name, "bbefore");
    char *before = attrs_view(path);
    ck_assert_uint_eq(rebuild_attrs(path, 0, 0), 16);
    snapshot(name, "bafter");
    same_snapshots("bbefore", "bafter");
    char *after = attrs_view(path);
    ck_assert_str_eq(before, after);
    h5wasm_same(name);
    py("checkbulk", name, "400");
    free(attrs_view(path));
    free(before);
    free(after);
}
END_TEST

START_TEST(test_dense_write_attrs_100_h5py_roundtrip) { attrs_case(100, 0); }
END_TEST
START_TEST(test_dense_write_attrs_100_tracked_h5py_roundtrip) { attrs_case(100, 1); }
END_TEST
START_TEST(test_dense_write_attrs_250_tracked_h5py_roundtrip) { attrs_case(250, 1); }
END_TEST

/* ---- chunk index ----------------------------------------------------------------- */

static int32_t cval(uint64_t i, uint64_t j, uint64_t s0, uint64_t s1, int sparse)
{
    if (sparse && i >= s0 / 2)
        return 0;
    return (int32_t)(((i * s1 + j) * 7) % 30011);
}

static int32_t *read_all(c5_object *d, uint64_t *nelem)
{
    c5_space sp;
    ck_assert_int_eq(c5_dataset_space(&sp, d), 0);
    uint64_t n = 1;
    for (int i = 0; i < sp.rank; i++)
        n *= sp.dims[i];
    int32_t *buf = malloc(n * 4 + 4);
    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(c5_dataset_read(d, NULL, NULL, buf, n * 4) == 0, "%s",
                  c5_errmsg(c5_object_file(d)));
    *nelem = n;
    return buf;
}

static void rebuild_chunks(const char *path, int filtered, int expect_depth)
{
    c5_file *f = open_file(path);
    c5_object *d = open_obj(f, "/d");
    ck_assert_int_eq(c5_dataset_load(d), 0);
    ck_assert_int_eq(d->layout.version, 4);
    ck_assert_int_eq(d->layout.index_type, 5);
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = d->space.rank;
    g.elem_size = c5_type_size(d->type);
    g.chunk_bytes = g.elem_size;
    for (int i = 0; i < g.rank; i++) {
        g.dims[i] = d->space.dims[i];
        g.maxdims[i] = d->space.maxdims[i];
        g.chunk[i] = d->layout.chunk[i];
        g.chunk_bytes *= g.chunk[i];
    }
    size_t pos = 0;
    c5_mbody pb;
    g.filtered = c5_ohdr_find(f, d->oh, C5_MSG_PIPELINE, &pos, &pb) == 0;
    if (g.filtered)
        c5_mbody_free(f, &pb);
    ck_assert_int_eq(g.filtered, filtered);
    c5_chunk_index *ix;
    ck_assert_int_eq(c5_chunk_index_open(f, &d->layout, &g, &ix), 0);
    crec_set s = {0};
    ck_assert_int_eq(c5_chunk_iterate(ix, crec_push, &s), 0);
    c5_chunk_index_close(ix);
    ck_assert_uint_gt(s.n, 0);

    const c5_msg *m = NULL;
    for (size_t i = 0; i < d->oh->nmsg && !m; i++)
        if (d->oh->msg[i].type == C5_MSG_LAYOUT)
            m = &d->oh->msg[i];
    ck_assert_ptr_nonnull(m);
    uint8_t *body = malloc(m->size);
    memcpy(body, m->data, m->size);

    make_writable(f, path);
    uint64_t addr;
    uint8_t info[8];
    size_t ilen;
    ck_assert_msg(c5_bt2_chunk_write(f, &g, s.v, s.n, &addr, info, &ilen) == 0, "%s", c5_errmsg(f));
    /* version 4, class 2, flags, dimensionality, size width, dims, index
     * type, index fields, address */
    ck_assert_uint_eq(body[0], 4);
    ck_assert_uint_eq(body[1], 2);
    size_t at = 5 + (size_t)body[3] * body[4];
    ck_assert_uint_eq(body[at], 5);
    ck_assert_int_eq(memcmp(body + at + 1, info, ilen), 0);
    ck_assert_uint_eq(at + 1 + ilen + f->osz, m->size);
    put_le(body + at + 1 + ilen, addr, f->osz);
    patch_msg(f, d, C5_MSG_LAYOUT, body, m->size);
    finish_write(f);
    free(body);
    free(s.v);
    c5_object_close(d);
    c5_file_close(f);

    /* the new tree's depth */
    f = open_file(path);
    uint8_t hdr[16];
    ck_assert_int_eq(c5_read(f, addr, hdr, 16, "test"), 0);
    ck_assert_int_eq(memcmp(hdr, "BTHD", 4), 0);
    ck_assert_uint_eq(hdr[5], filtered ? 11 : 10);
    ck_assert_uint_eq(c5_le(hdr + 12, 2), (uint64_t)expect_depth);
    c5_file_close(f);
}

static void chunk_case(int filtered, int s0, int s1, int c0, int c1, int depth)
{
    if (!have_h5py())
        return;
    char name[80], args[80], path[400];
    snprintf(name, sizeof name, "chunk_%d_%d_%d.h5", filtered, s0, s1);
    snprintf(args, sizeof args, "%d %d %d %d %d", filtered, s0, s1, c0, c1);
    snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
    py("mkchunk", name, args);
    keep_orig(name);
    snapshot(name, "cbefore");
    c5_file *f = open_file(path);
    c5_object *d = open_obj(f, "/d");
    uint64_t n0;
    int32_t *before = read_all(d, &n0);
    ck_assert_uint_eq(n0, (uint64_t)s0 * s1);
    for (uint64_t k = 0; k < n0; k++)
        ck_assert_int_eq(before[k], cval(k / s1, k % s1, s0, s1, filtered));
    c5_object_close(d);
    c5_file_close(f);

    rebuild_chunks(path, filtered, depth);
    snapshot(name, "cafter");
    same_snapshots("cbefore", "cafter");
    f = open_file(path);
    d = open_obj(f, "/d");
    uint64_t n1;
    int32_t *after = read_all(d, &n1);
    ck_assert_uint_eq(n1, n0);
    ck_assert_int_eq(memcmp(before, after, n0 * 4), 0);
    c5_object_close(d);
    c5_file_close(f);
    h5wasm_same(name);

    /* h5py reads it, grows both dimensions, writes old and new chunks */
    snprintf(args, sizeof args, "%d %d %d", filtered, s0, s1);
    py("checkchunk", name, args);
    f = open_file(path);
    d = open_obj(f, "/d");
    uint64_t n2;
    int32_t *grown = read_all(d, &n2);
    const uint64_t t0 = (uint64_t)s0 + 7, t1 = (uint64_t)s1 + 5;
    ck_assert_uint_eq(n2, t0 * t1);
    for (uint64_t i = 0; i < t0; i++)
        for (uint64_t j = 0; j < t1; j++) {
            int32_t want = i < 3 && j < 3 ? -1
                           : j >= (uint64_t)s1 ? 6
                           : i >= (uint64_t)s0 ? 5
                                                : cval(i, j, s0, s1, filtered);
            ck_assert_int_eq(grown[i * t1 + j], want);
        }
    c5_object_close(d);
    c5_file_close(f);
    free(before);
    free(after);
    free(grown);
}

START_TEST(test_dense_write_chunk_unfiltered_h5py_roundtrip)
{
    /* 10000 chunks of 24-byte type 10 records: depth 2 */
    chunk_case(0, 400, 400, 4, 4, 2);
    chunk_case(0, 5, 6, 4, 4, 0);
}
END_TEST

START_TEST(test_dense_write_chunk_filtered_h5py_roundtrip)
{
    /* gzip, the lower half never written: 300 chunks, depth 1 */
    chunk_case(1, 300, 200, 10, 10, 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dense_write");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, test_dense_write_bt2_depth_is_minimal_at_every_boundary);
    tcase_add_test(tc, test_dense_write_bt2_rejects_bad_arguments);
    tcase_add_test(tc, test_dense_write_fheap_root_direct_block);
    tcase_add_test(tc, test_dense_write_fheap_nested_indirect_blocks_and_huge);
    tcase_add_test(tc, test_dense_write_fheap_attribute_heap_skips_small_blocks);
    tcase_add_test(tc, test_dense_write_fheap_tiny_and_direct_huge_objects);
    tcase_add_test(tc, test_dense_write_fheap_rejects_bad_parameters);
    tcase_add_test(tc, test_dense_write_links_both_indexes_read_back);
    tcase_add_test(tc, test_dense_write_attrs_huge_and_shared_read_back);
    tcase_add_test(tc, test_dense_write_rejects_duplicates_and_bad_records);
    tcase_add_test(tc, test_dense_write_chunk_index_reads_back);
    tcase_add_test(tc, test_dense_write_links_9_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_links_100_tracked_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_links_5000_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_links_5000_tracked_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_links_huge_names_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_object_writer_links_over_64k_go_dense);
    tcase_add_test(tc, test_dense_write_attrs_100_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_attrs_100_tracked_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_attrs_250_tracked_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_attrs_bulk_child_indirect_blocks_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_chunk_unfiltered_h5py_roundtrip);
    tcase_add_test(tc, test_dense_write_chunk_filtered_h5py_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* the work folder stays for a look when a test failed or C5_KEEP_TMP is set */
    if (g_tmp[0] && !failed && !getenv("C5_KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", g_tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", g_tmp);
    }
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
