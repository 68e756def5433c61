/* The two chunk indexes that need no index structure (spec Appendix C,
 * VII.A "The Single Chunk Index" and VII.B "The Implicit Index").
 *
 * Single chunk: the layout address is the chunk itself. When layout flag
 * bit 1 (SINGLE_INDEX_WITH_FILTER) is set the index-specific information
 * holds the stored size and the filter mask:
 *   0  L  size of the filtered chunk
 *   L  4  filter mask
 * otherwise the chunk is stored at its full size.
 *
 * Implicit: the layout address is the first of an array of chunks, one per
 * chunk of the maximum extent, allocated when the dataset is created
 * (never filtered):
 *   chunk address = base + linear index * chunk bytes
 * where the linear index runs over the grid of the maximum dimensions,
 * the last dimension fastest.
 */
#include "index.h"

/* ---- single chunk ------------------------------------------------------- */

typedef struct single_st {
    c5_chunk_rec rec;
    int present;
} single_st;

static int single_open(c5_chunk_index *ix)
{
    c5_file *f = ix->f;
    const c5_layout *l = ix->l;
    single_st *st = c5_calloc(f, 1, sizeof *st);
    if (!st)
        return c5_fail(f, C5_ENOMEM, l->addr, "single chunk index: out of memory");
    ix->st = st;
    /* The index only fits a dataset made of one chunk. */
    for (int i = 0; i < ix->rank; i++)
        if (ix->grid[i] > 1)
            return c5_fail(f, C5_ECORRUPT, l->addr,
                           "single chunk index for a dataset of several chunks");
    st->rec.addr = l->addr;
    st->rec.size = ix->g->chunk_bytes;
    if (l->flags & 2) {
        c5_rd r;
        c5_rd_init(&r, f, l->idx_info, l->idx_info_len, C5_UNDEF, "single chunk index");
        st->rec.size = c5_rd_len(&r);
        st->rec.filter_mask = c5_rd_u32(&r);
        if (c5_rd_status(&r))
            return r.err;
        if (!ix->g->filtered)
            return c5_fail(f, C5_ECORRUPT, l->addr,
                           "single chunk index: filtered chunk in a dataset without filters");
    }
    st->present = l->addr != C5_UNDEF;
    if (st->present && st->rec.size == C5_UNDEF)
        return c5_fail(f, C5_ECORRUPT, l->addr, "single chunk index: undefined chunk size");
    return 0;
}

static void single_close(c5_chunk_index *ix)
{
    c5_free(ix->f, ix->st);
}

static int single_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    const single_st *st = ix->st;
    for (int i = 0; i < ix->rank; i++)
        if (scaled[i] != 0)
            return C5_ENOTFOUND;
    if (!st->present)
        return C5_ENOTFOUND;
    *out = st->rec;
    return 0;
}

static int single_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    const single_st *st = ix->st;
    if (!st->present)
        return 0;
    c5_chunk_rec rec = st->rec;
    return cb(ud, &rec);
}

const c5_cidx_ops c5_cidx_single_ops = {"single chunk", single_open, single_close,
                                        single_lookup, single_iterate};

/* ---- implicit ----------------------------------------------------------- */

static int implicit_open(c5_chunk_index *ix)
{
    c5_file *f = ix->f;
    const c5_layout *l = ix->l;
    if (ix->g->filtered)
        return c5_fail(f, C5_ECORRUPT, l->addr, "implicit chunk index with filters");
    uint64_t n = 1;
    for (int i = 0; i < ix->rank; i++) {
        if (ix->max_grid[i] == UINT64_MAX)
            return c5_fail(f, C5_ECORRUPT, l->addr,
                           "implicit chunk index for a dataset with an unlimited dimension");
        if (c5_mul_ovf(n, ix->max_grid[i], &n))
            return c5_fail(f, C5_ECORRUPT, l->addr, "implicit chunk index: too many chunks");
    }
    if (l->addr == C5_UNDEF)
        return 0;
    /* The whole array must lie inside the address space; where it lies
     * past the end of the file, reading the chunk reports it. */
    uint64_t bytes, end;
    if (c5_mul_ovf(n, ix->g->chunk_bytes, &bytes) || c5_add_ovf(l->addr, bytes, &end))
        return c5_fail(f, C5_ECORRUPT, l->addr, "implicit chunk index: chunk array overflows");
    return 0;
}

static void implicit_close(c5_chunk_index *ix)
{
    (void)ix;
}

static int implicit_rec(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    uint64_t idx;
    int rc = c5_cidx_linear(ix->rank, NULL, ix->max_grid, scaled, &idx);
    if (rc)
        return rc == C5_ENOTFOUND ? rc : c5_fail(ix->f, rc, ix->l->addr, "implicit chunk index: overflow");
    /* implicit_open checked that the whole array fits in 64 bits */
    out->addr = ix->l->addr + idx * ix->g->chunk_bytes;
    out->size = ix->g->chunk_bytes;
    out->filter_mask = 0;
    return 0;
}

static int implicit_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    if (ix->l->addr == C5_UNDEF)
        return C5_ENOTFOUND;
    return implicit_rec(ix, scaled, out);
}

/* Every chunk of the current extent exists once the array is allocated. */
static int implicit_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    if (ix->l->addr == C5_UNDEF || ix->ngrid == 0)
        return 0;
    c5_chunk_rec rec;
    memset(&rec, 0, sizeof rec);
    for (;;) {
        int rc = implicit_rec(ix, rec.scaled, &rec);
        if (rc == 0)
            rc = cb(ud, &rec);
        if (rc)
            return rc;
        int d = ix->rank - 1;
        while (d >= 0 && ++rec.scaled[d] == ix->grid[d])
            rec.scaled[d--] = 0;
        if (d < 0)
            return 0;
    }
}

const c5_cidx_ops c5_cidx_implicit_ops = {"implicit", implicit_open, implicit_close,
                                          implicit_lookup, implicit_iterate};
