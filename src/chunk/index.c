/* Chunk index dispatch (spec IV.A.2.i "Data Layout Message" and Appendix
 * C "Types of Indexes for Dataset Chunks").
 *
 *   layout version  index type       reader
 *   1-3             v1 B-tree        btree1_chunk.c
 *   4, type 1       single chunk     single.c
 *   4, type 2       implicit         single.c
 *   4, type 3       fixed array      farray.c
 *   4, type 4       extensible array earray.c
 *   4, type 5       v2 B-tree        bt2_chunk.c
 *
 * The dispatcher checks the geometry once, so the readers can trust rank,
 * grid sizes and chunk size, and keeps the verified metadata blocks the
 * array readers fetch, so repeated lookups cost no I/O. A handle is not
 * safe for concurrent use: callers serialise lookups on it.
 */
#include "index.h"

static const c5_cidx_ops *ops_for(int type)
{
    switch (type) {
    case C5_CIDX_BTREE1: return &c5_cidx_btree1_ops;
    case C5_CIDX_SINGLE: return &c5_cidx_single_ops;
    case C5_CIDX_IMPLICIT: return &c5_cidx_implicit_ops;
    case C5_CIDX_FARRAY: return &c5_cidx_farray_ops;
    case C5_CIDX_EARRAY: return &c5_cidx_earray_ops;
    case C5_CIDX_BTREE2: return &c5_cidx_btree2_ops;
    default: return NULL;
    }
}

unsigned c5_cidx_size_len(uint64_t chunk_bytes)
{
    unsigned lg = 0;
    while (chunk_bytes >>= 1)
        lg++;
    unsigned n = 1 + (lg + 8) / 8;
    return n > 8 ? 8 : n;
}

int c5_chunk_index_open(c5_file *f, const c5_layout *layout, const c5_chunk_geom *g,
                        c5_chunk_index **out)
{
    *out = NULL;
    if (!f || !layout || !g)
        return C5_EINVAL;
    const uint64_t at = layout->addr;
    if (layout->cls != C5_LAYOUT_CHUNKED)
        return c5_fail(f, C5_EINVAL, at, "chunk index: layout is not chunked");
    int type = layout->version < 4 ? C5_CIDX_BTREE1 : layout->index_type;
    const c5_cidx_ops *ops = ops_for(type);
    if (!ops)
        return c5_fail(f, C5_EUNSUPPORTED, at, "chunk index type %d", type);
    if (g->rank < 1 || g->rank > C5_MAX_RANK || g->rank != layout->ndims - 1)
        return c5_fail(f, C5_ECORRUPT, at, "chunk index: rank %d, layout dimensionality %d",
                       g->rank, layout->ndims);
    if (f->osz < 2 || f->osz > 8 || f->lsz < 2 || f->lsz > 8)
        return c5_fail(f, C5_EINVAL, at, "chunk index: bad offset/length widths");

    c5_chunk_index *ix = c5_calloc(f, 1, sizeof *ix);
    if (!ix)
        return c5_fail(f, C5_ENOMEM, at, "chunk index: out of memory");
    ix->f = f;
    ix->l = layout;
    ix->g = g;
    ix->ops = ops;
    ix->type = type;
    ix->rank = g->rank;
    ix->ngrid = 1;
    uint64_t bytes = g->elem_size;
    int rc = 0;
    for (int i = 0; i < g->rank && !rc; i++) {
        uint64_t c = g->chunk[i];
        if (c == 0 || c5_mul_ovf(bytes, c, &bytes)) {
            rc = c5_fail(f, C5_ECORRUPT, at, "chunk index: bad chunk dimension %d", i);
            break;
        }
        ix->grid[i] = g->dims[i] / c + (g->dims[i] % c != 0);
        if (g->maxdims[i] == C5_UNLIMITED)
            ix->max_grid[i] = UINT64_MAX;
        else if (g->maxdims[i] < g->dims[i])
            rc = c5_fail(f, C5_ECORRUPT, at, "chunk index: dimension %d exceeds its maximum", i);
        else
            ix->max_grid[i] = g->maxdims[i] / c + (g->maxdims[i] % c != 0);
        if (!rc && c5_mul_ovf(ix->ngrid, ix->grid[i], &ix->ngrid))
            rc = c5_fail(f, C5_ELIMIT, at, "chunk index: too many chunks");
    }
    if (!rc && bytes != g->chunk_bytes)
        rc = c5_fail(f, C5_ECORRUPT, at, "chunk index: chunk of %llu bytes, geometry says %llu",
                     (unsigned long long)bytes, (unsigned long long)g->chunk_bytes);
    if (!rc) {
        ix->size_len = c5_cidx_size_len(g->chunk_bytes);
        rc = ops->open(ix);
    }
    if (rc) {
        c5_chunk_index_close(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

void c5_chunk_index_close(c5_chunk_index *ix)
{
    if (!ix)
        return;
    c5_file *f = ix->f;
    if (ix->ops && ix->ops->close)
        ix->ops->close(ix);
    for (size_t i = 0; i < ix->blk_cap; i++)
        if (ix->blk[i].addr != C5_UNDEF)
            c5_free(f, ix->blk[i].buf);
    c5_free(f, ix->blk);
    c5_free(f, ix);
}

int c5_chunk_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    if (!ix || !scaled || !out)
        return C5_EINVAL;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < ix->rank; i++) {
        /* Chunks past the maximum extent cannot exist; past the current
         * extent they may (after a shrink) and the index decides. */
        if (ix->max_grid[i] != UINT64_MAX && scaled[i] >= ix->max_grid[i])
            return C5_ENOTFOUND;
        out->scaled[i] = scaled[i];
    }
    return ix->ops->lookup(ix, scaled, out);
}

int c5_chunk_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    if (!ix || !cb)
        return C5_EINVAL;
    return ix->ops->iterate(ix, cb, ud);
}

/* ---- shared helpers ----------------------------------------------------- */

static size_t blk_slot(uint64_t addr, size_t cap)
{
    return (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static int blk_grow(c5_chunk_index *ix)
{
    size_t nc = ix->blk_cap ? ix->blk_cap * 2 : 64;
    c5_cidx_blk *nb = c5_malloc(ix->f, nc * sizeof *nb);
    if (!nb)
        return c5_fail(ix->f, C5_ENOMEM, C5_UNDEF, "chunk index: out of memory");
    for (size_t i = 0; i < nc; i++)
        nb[i].addr = C5_UNDEF;
    for (size_t i = 0; i < ix->blk_cap; i++) {
        if (ix->blk[i].addr == C5_UNDEF)
            continue;
        size_t j = blk_slot(ix->blk[i].addr, nc);
        while (nb[j].addr != C5_UNDEF)
            j = (j + 1) & (nc - 1);
        nb[j] = ix->blk[i];
    }
    c5_free(ix->f, ix->blk);
    ix->blk = nb;
    ix->blk_cap = nc;
    return 0;
}

int c5_cidx_block(c5_chunk_index *ix, uint64_t addr, uint64_t len, const char *what,
                  const uint8_t **out)
{
    c5_file *f = ix->f;
    *out = NULL;
    if (addr == C5_UNDEF || len < 5)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: bad address or size", what);
    if (ix->blk_cap) {
        size_t j = blk_slot(addr, ix->blk_cap);
        while (ix->blk[j].addr != C5_UNDEF) {
            if (ix->blk[j].addr == addr) {
                if (ix->blk[j].len != len)
                    return c5_fail(f, C5_ECORRUPT, addr,
                                   "%s: block shared with another structure", what);
                *out = ix->blk[j].buf;
                return 0;
            }
            j = (j + 1) & (ix->blk_cap - 1);
        }
    }
    /* Everything held is file data, so a budget bounds what a malicious
     * file can make us keep (overlapping blocks could otherwise multiply
     * the file size). */
    uint64_t cap = f->opts.max_alloc ? f->opts.max_alloc : (1ull << 30);
    uint64_t total;
    if (c5_add_ovf(ix->blk_bytes, len, &total) || total > cap)
        return c5_fail(f, C5_ELIMIT, addr, "%s: chunk index metadata exceeds max_alloc", what);
    int rc;
    if (2 * (ix->nblk + 1) > ix->blk_cap && (rc = blk_grow(ix)))
        return rc;
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, addr, len, what, &buf)))
        return rc;
    if ((rc = c5_check_sum(f, buf, (size_t)len - 4, addr, what))) {
        c5_free(f, buf);
        return rc;
    }
    size_t j = blk_slot(addr, ix->blk_cap);
    while (ix->blk[j].addr != C5_UNDEF)
        j = (j + 1) & (ix->blk_cap - 1);
    ix->blk[j].addr = addr;
    ix->blk[j].len = len;
    ix->blk[j].buf = buf;
    ix->nblk++;
    ix->blk_bytes = total;
    *out = buf;
    return 0;
}

int c5_cidx_linear(int rank, const int *perm, const uint64_t *dims, const uint64_t *scaled,
                   uint64_t *out)
{
    uint64_t idx = 0;
    for (int k = 0; k < rank; k++) {
        int d = perm ? perm[k] : k;
        if (scaled[d] >= dims[d])
            return C5_ENOTFOUND;
        /* the slowest dimension is never multiplied: it may be unlimited */
        if (k > 0 && c5_mul_ovf(idx, dims[d], &idx))
            return C5_ELIMIT;
        if (c5_add_ovf(idx, scaled[d], &idx))
            return C5_ELIMIT;
    }
    *out = idx;
    return 0;
}

int c5_cidx_unlinear(int rank, const int *perm, const uint64_t *dims, uint64_t idx,
                     uint64_t *scaled)
{
    for (int k = rank - 1; k >= 1; k--) {
        int d = perm ? perm[k] : k;
        if (dims[d] == 0)
            return C5_ENOTFOUND;
        scaled[d] = idx % dims[d];
        idx /= dims[d];
    }
    int d0 = perm ? perm[0] : 0;
    if (idx >= dims[d0])
        return C5_ENOTFOUND;
    scaled[d0] = idx;
    return 0;
}

int c5_cidx_elem(const c5_chunk_index *ix, const uint8_t *p, int filtered, c5_chunk_rec *rec)
{
    unsigned osz = ix->f->osz;
    uint64_t a = c5_le(p, osz);
    if (osz < 8 && a == (1ull << (8 * osz)) - 1)
        a = C5_UNDEF;
    if (a == C5_UNDEF)
        return C5_ENOTFOUND;
    rec->addr = a;
    if (filtered) {
        rec->size = c5_le(p + osz, ix->size_len);
        rec->filter_mask = (uint32_t)c5_le(p + osz + ix->size_len, 4);
    } else {
        rec->size = ix->g->chunk_bytes;
        rec->filter_mask = 0;
    }
    return 0;
}

int c5_cidx_cmp_scaled(int rank, const uint64_t *a, const uint64_t *b)
{
    for (int i = 0; i < rank; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* ---- record tables ------------------------------------------------------ */

static size_t stride(const c5_chunk_index *ix)
{
    return 3 + (size_t)ix->rank;
}

int c5_cidx_table_add(c5_chunk_index *ix, c5_cidx_table *t, const c5_chunk_rec *rec)
{
    size_t w = stride(ix);
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        void *p;
        int rc = c5_alloc_checked(ix->f, (uint64_t)nc * w * sizeof *t->v, ix->l->addr,
                                  "chunk index table", &p);
        if (rc)
            return rc;
        if (t->n)
            memcpy(p, t->v, t->n * w * sizeof *t->v);
        c5_free(ix->f, t->v);
        t->v = p;
        t->cap = nc;
    }
    uint64_t *e = t->v + t->n++ * w;
    e[0] = rec->addr;
    e[1] = rec->size;
    e[2] = rec->filter_mask;
    memcpy(e + 3, rec->scaled, (size_t)ix->rank * sizeof *e);
    return 0;
}

static void swap_ent(uint64_t *a, uint64_t *b, size_t w)
{
    for (size_t i = 0; i < w; i++) {
        uint64_t x = a[i];
        a[i] = b[i];
        b[i] = x;
    }
}

/* Heap sort: in place, no context-free comparator needed, O(n log n) on
 * any input. */
static void sift(uint64_t *v, size_t w, int rank, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && c5_cidx_cmp_scaled(rank, v + c * w + 3, v + (c + 1) * w + 3) < 0)
            c++;
        if (c5_cidx_cmp_scaled(rank, v + i * w + 3, v + c * w + 3) >= 0)
            return;
        swap_ent(v + i * w, v + c * w, w);
        i = c;
    }
}

int c5_cidx_table_finish(c5_chunk_index *ix, c5_cidx_table *t)
{
    size_t w = stride(ix);
    int rank = ix->rank;
    int ordered = 1;
    for (size_t i = 1; i < t->n && ordered; i++)
        ordered = c5_cidx_cmp_scaled(rank, t->v + (i - 1) * w + 3, t->v + i * w + 3) < 0;
    if (!ordered) {
        for (size_t i = t->n / 2; i-- > 0;)
            sift(t->v, w, rank, i, t->n);
        for (size_t n = t->n; n-- > 1;) {
            swap_ent(t->v, t->v + n * w, w);
            sift(t->v, w, rank, 0, n);
        }
        for (size_t i = 1; i < t->n; i++)
            if (c5_cidx_cmp_scaled(rank, t->v + (i - 1) * w + 3, t->v + i * w + 3) == 0)
                return c5_fail(ix->f, C5_ECORRUPT, ix->l->addr,
                               "chunk index: the same chunk indexed twice");
    }
    t->loaded = 1;
    return 0;
}

static void ent_rec(const c5_chunk_index *ix, const uint64_t *e, c5_chunk_rec *out)
{
    out->addr = e[0];
    out->size = e[1];
    out->filter_mask = (uint32_t)e[2];
    memcpy(out->scaled, e + 3, (size_t)ix->rank * sizeof *e);
}

int c5_cidx_table_find(const c5_chunk_index *ix, const c5_cidx_table *t, const uint64_t *scaled,
                       c5_chunk_rec *out)
{
    size_t w = stride(ix), lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = c5_cidx_cmp_scaled(ix->rank, t->v + mid * w + 3, scaled);
        if (c == 0) {
            ent_rec(ix, t->v + mid * w, out);
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return C5_ENOTFOUND;
}

int c5_cidx_table_iterate(const c5_chunk_index *ix, const c5_cidx_table *t, c5_chunk_cb cb,
                          void *ud)
{
    c5_chunk_rec rec;
    memset(&rec, 0, sizeof rec);
    for (size_t i = 0; i < t->n; i++) {
        ent_rec(ix, t->v + i * stride(ix), &rec);
        int rc = cb(ud, &rec);
        if (rc)
            return rc;
    }
    return 0;
}

void c5_cidx_table_free(c5_chunk_index *ix, c5_cidx_table *t)
{
    c5_free(ix->f, t->v);
    memset(t, 0, sizeof *t);
}

int c5_cidx_array_header(c5_chunk_index *ix, uint64_t addr, const char *what, bool sig,
                         unsigned ver, unsigned cid, unsigned esize, bool *filtered)
{
    c5_file *f = ix->f;
    if (!sig)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: bad signature", what);
    if (ver != 0)
        return c5_fail(f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
    if (cid > 1 || (int)cid != (ix->g->filtered != 0))
        return c5_fail(f, C5_ECORRUPT, addr, "%s: client %u for a %s dataset", what, cid,
                       ix->g->filtered ? "filtered" : "unfiltered");
    *filtered = cid == 1;
    if (*filtered) {
        /* Trust the stored width when it is a possible one: the element
         * size is what the whole structure was laid out with. */
        if (esize < f->osz + 5u || esize > f->osz + 12u)
            return c5_fail(f, C5_ECORRUPT, addr, "%s: element size %u", what, esize);
        ix->size_len = esize - f->osz - 4;
    } else if (esize != f->osz) {
        return c5_fail(f, C5_ECORRUPT, addr, "%s: element size %u", what, esize);
    }
    return 0;
}
