/* Chunk index of data layout versions 1-3: a version 1 B-tree of node type
 * 1 (spec III.A.1 "Version 1 B-trees", and IV.A.2.i for the layout).
 *
 * Keys (node type 1), rank + 1 = layout dimensionality:
 *   0  4            stored chunk size in bytes
 *   4  4            filter mask (bit i: filter i skipped)
 *   8  (rank+1) x 8 chunk offset in elements per dimension, the last 0
 * Leaf children are chunk addresses; key i describes child i.
 *
 * The tree is read once, on first use, into a table sorted by scaled
 * coordinates: lookups are then a binary search without I/O, and a whole
 * dataset read walks the tree once instead of once per chunk.
 */
#include "index.h"

typedef struct bt1_st {
    c5_cidx_table tab;
} bt1_st;

static size_t keylen(const c5_chunk_index *ix)
{
    return 8 + 8 * (size_t)(ix->rank + 1);
}

static int bt1_open(c5_chunk_index *ix)
{
    bt1_st *st = c5_calloc(ix->f, 1, sizeof *st);
    if (!st)
        return c5_fail(ix->f, C5_ENOMEM, ix->l->addr, "chunk B-tree: out of memory");
    ix->st = st;
    return 0;
}

static void bt1_close(c5_chunk_index *ix)
{
    bt1_st *st = ix->st;
    if (st)
        c5_cidx_table_free(ix, &st->tab);
    c5_free(ix->f, st);
}

/* Decode one leaf entry into a record. */
static int decode(c5_chunk_index *ix, const uint8_t *key, uint64_t child, c5_chunk_rec *rec)
{
    c5_file *f = ix->f;
    if (child == C5_UNDEF || (f->osz < 8 && child == (1ull << (8 * f->osz)) - 1))
        return c5_fail(f, C5_ECORRUPT, ix->l->addr, "chunk B-tree: undefined chunk address");
    rec->addr = child;
    rec->size = c5_le(key, 4);
    rec->filter_mask = (uint32_t)c5_le(key + 4, 4);
    for (int i = 0; i < ix->rank; i++) {
        uint64_t off = c5_le(key + 8 + 8 * (size_t)i, 8);
        if (off % ix->g->chunk[i] != 0)
            return c5_fail(f, C5_ECORRUPT, child,
                           "chunk B-tree: chunk offset %llu not a multiple of the chunk size",
                           (unsigned long long)off);
        rec->scaled[i] = off / ix->g->chunk[i];
    }
    if (c5_le(key + 8 + 8 * (size_t)ix->rank, 8) != 0)
        return c5_fail(f, C5_ECORRUPT, child, "chunk B-tree: nonzero element-size offset");
    return 0;
}

typedef struct bt1_walk {
    c5_chunk_index *ix;
    c5_chunk_cb cb;
    void *ud;
} bt1_walk;

static int walk_cb(void *ud, const uint8_t *key, size_t len, uint64_t child)
{
    bt1_walk *w = ud;
    (void)len;
    c5_chunk_rec rec;
    memset(&rec, 0, sizeof rec);
    int rc = decode(w->ix, key, child, &rec);
    return rc ? rc : w->cb(w->ud, &rec);
}

static int load_cb(void *ud, const c5_chunk_rec *rec)
{
    c5_chunk_index *ix = ud;
    return c5_cidx_table_add(ix, &((bt1_st *)ix->st)->tab, rec);
}

static int load(c5_chunk_index *ix)
{
    bt1_st *st = ix->st;
    if (st->tab.loaded)
        return 0;
    bt1_walk w = {ix, load_cb, ix};
    int rc = c5_bt1_iterate(ix->f, ix->l->addr, 1, keylen(ix), walk_cb, &w);
    if (rc == 0)
        rc = c5_cidx_table_finish(ix, &st->tab);
    if (rc)
        c5_cidx_table_free(ix, &st->tab);
    return rc;
}

static int bt1_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    if (ix->l->addr == C5_UNDEF)
        return C5_ENOTFOUND;
    int rc = load(ix);
    return rc ? rc : c5_cidx_table_find(ix, &((bt1_st *)ix->st)->tab, scaled, out);
}

static int bt1_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    bt1_st *st = ix->st;
    if (ix->l->addr == C5_UNDEF)
        return 0;
    if (st->tab.loaded)
        return c5_cidx_table_iterate(ix, &st->tab, cb, ud);
    bt1_walk w = {ix, cb, ud};
    return c5_bt1_iterate(ix->f, ix->l->addr, 1, keylen(ix), walk_cb, &w);
}

const c5_cidx_ops c5_cidx_btree1_ops = {"v1 B-tree", bt1_open, bt1_close, bt1_lookup,
                                        bt1_iterate};
