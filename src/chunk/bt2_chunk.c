/* Version 2 B-tree chunk index (spec Appendix C, VII.E, and III.A.2 record
 * types 10 and 11), used when more than one dimension is unlimited.
 *
 * Type 10 record, unfiltered chunks:
 *   0  O        chunk address
 *   O  rank x 8 scaled offsets (offset / chunk dimension), slowest first
 * Type 11 record, filtered chunks:
 *   0    O        chunk address
 *   O    N        stored chunk size (N from the chunk byte size, see
 *                 c5_cidx_size_len; the record size confirms it)
 *   O+N  4        filter mask
 *   +4   rank x 8 scaled offsets
 * Records are ordered by scaled offsets. The tree (see src/btree/btree2.c)
 * is read once, on first use, into a sorted table.
 */
#include "index.h"

#include "../btree/btree2.h"

typedef struct bt2_st {
    c5_cidx_table tab;
    int filtered;
} bt2_st;

static int bt2c_open(c5_chunk_index *ix)
{
    bt2_st *st = c5_calloc(ix->f, 1, sizeof *st);
    if (!st)
        return c5_fail(ix->f, C5_ENOMEM, ix->l->addr, "chunk v2 B-tree: out of memory");
    ix->st = st;
    st->filtered = ix->g->filtered != 0;
    return 0;
}

static void bt2c_close(c5_chunk_index *ix)
{
    bt2_st *st = ix->st;
    if (st)
        c5_cidx_table_free(ix, &st->tab);
    c5_free(ix->f, st);
}

typedef struct walk {
    c5_chunk_index *ix;
    c5_chunk_cb cb;
    void *ud;
    int checked;   /* record type and size validated */
    int type;      /* set by c5_bt2_iterate before the first record */
} walk;

static int rec_cb(void *ud, const uint8_t *p, size_t len)
{
    walk *w = ud;
    c5_chunk_index *ix = w->ix;
    bt2_st *st = ix->st;
    c5_file *f = ix->f;
    size_t scaled_len = 8 * (size_t)ix->rank;
    if (!w->checked) {
        if (w->type != (st->filtered ? 11 : 10))
            return c5_fail(f, C5_ECORRUPT, ix->l->addr, "chunk v2 B-tree: record type %d",
                           w->type);
        /* The record size fixes the size field's width; accept any width
         * the format allows, as the structure was laid out with it. */
        size_t fixed = f->osz + scaled_len + (st->filtered ? 4 : 0);
        if (st->filtered ? (len < fixed + 1 || len > fixed + 8) : len != fixed)
            return c5_fail(f, C5_ECORRUPT, ix->l->addr,
                           "chunk v2 B-tree: %zu-byte records for rank %d", len, ix->rank);
        if (st->filtered)
            ix->size_len = (unsigned)(len - fixed);
        w->checked = 1;
    }
    c5_chunk_rec rec;
    memset(&rec, 0, sizeof rec);
    if (c5_cidx_elem(ix, p, st->filtered, &rec) != 0)
        return c5_fail(f, C5_ECORRUPT, ix->l->addr, "chunk v2 B-tree: undefined chunk address");
    const uint8_t *s = p + len - scaled_len;
    for (int i = 0; i < ix->rank; i++)
        rec.scaled[i] = c5_le(s + 8 * (size_t)i, 8);
    return w->cb(w->ud, &rec);
}

static int run(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    bt2_st *st = ix->st;
    walk w = {ix, cb, ud, 0, -1};
    int rc = c5_bt2_iterate(ix->f, ix->l->addr, &w.type, rec_cb, &w);
    /* an empty tree of the wrong type is still the wrong structure */
    if (rc == 0 && w.type != (st->filtered ? 11 : 10))
        rc = c5_fail(ix->f, C5_ECORRUPT, ix->l->addr, "chunk v2 B-tree: record type %d", w.type);
    return rc;
}

static int load_cb(void *ud, const c5_chunk_rec *rec)
{
    c5_chunk_index *ix = ud;
    return c5_cidx_table_add(ix, &((bt2_st *)ix->st)->tab, rec);
}

static int load(c5_chunk_index *ix)
{
    bt2_st *st = ix->st;
    if (st->tab.loaded)
        return 0;
    int rc = run(ix, load_cb, ix);
    if (rc == 0)
        rc = c5_cidx_table_finish(ix, &st->tab);
    if (rc)
        c5_cidx_table_free(ix, &st->tab);
    return rc;
}

static int bt2c_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    if (ix->l->addr == C5_UNDEF)
        return C5_ENOTFOUND;
    int rc = load(ix);
    return rc ? rc : c5_cidx_table_find(ix, &((bt2_st *)ix->st)->tab, scaled, out);
}

static int bt2c_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    if (ix->l->addr == C5_UNDEF)
        return 0;
    /* Through the table: it validates the record type before any record
     * is handed out and catches duplicate chunks. */
    int rc = load(ix);
    return rc ? rc : c5_cidx_table_iterate(ix, &((bt2_st *)ix->st)->tab, cb, ud);
}

const c5_cidx_ops c5_cidx_btree2_ops = {"v2 B-tree", bt2c_open, bt2c_close, bt2c_lookup,
                                        bt2c_iterate};
