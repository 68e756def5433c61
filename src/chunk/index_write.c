/* Writing chunk indexes: the choice of index type and the dispatcher, plus
 * the two indexes without a structure of their own (spec IV.A.2.i "Data
 * Layout Message", Appendix C VII.A "The Single Chunk Index" and VII.B
 * "The Implicit Index"; readers in single.c).
 *
 * The layout v4 index-specific fields (the bytes between the index type
 * and the index address of the message):
 *   type 1 single chunk   filtered only (flags bit 1):
 *                           0 L size of the filtered chunk   L 4 filter mask
 *   type 2 implicit       none
 *   type 3 fixed array    0 1 page bits
 *   type 4 extensible     0 1 max elements bits   1 1 index block elements
 *          array          2 1 super block min data block pointers
 *                         3 1 data block min elements
 *                         4 1 data block page bits
 *   type 5 v2 B-tree      0 4 node size   4 1 split %   5 1 merge %
 * (written by the v2 B-tree writer).
 */
#include "index.h"
#include "chunkw.h"

/* The v1 and v2 B-tree chunk writers live with their B-trees. Their
 * headers are included when present so that a signature change is caught
 * here; the prototypes below are what this dispatcher was written against. */
#if defined(__has_include)
#if __has_include("../format/stabw.h")
#include "../format/stabw.h"
#endif
#if __has_include("../format/densew.h")
#include "../format/densew.h"
#endif
#endif
int c5_bt1_chunk_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                       uint64_t *addr);
int c5_bt2_chunk_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                       uint64_t *addr, uint8_t *idx_info, size_t *info_len);

/* ---- the choice ------------------------------------------------------------ */

int c5_chunk_index_choose(const c5_chunk_geom *g, int filtered, int alloc_early)
{
    if (!g || g->rank < 1 || g->rank > C5_MAX_RANK)
        return C5_EINVAL;
    int unlim = 0, single = 1;
    for (int i = 0; i < g->rank; i++) {
        if (g->maxdims[i] == C5_UNLIMITED)
            unlim++;
        if (g->dims[i] != g->maxdims[i] || g->dims[i] != g->chunk[i])
            single = 0;
    }
    if (unlim == 1)
        return C5_CIDX_EARRAY;
    if (unlim > 1)
        return C5_CIDX_BTREE2;
    if (single)
        return C5_CIDX_SINGLE;
    /* Early allocation writes every chunk at creation, so their addresses
     * can be computed; a filter would make chunk sizes vary. */
    if (!filtered && alloc_early)
        return C5_CIDX_IMPLICIT;
    return C5_CIDX_FARRAY;
}

/* ---- shared by the writers ------------------------------------------------- */

int c5_cidx_wgeom_init(c5_file *f, const c5_chunk_geom *g, c5_cidx_wgeom *wg)
{
    memset(wg, 0, sizeof *wg);
    if (!g || g->rank < 1 || g->rank > C5_MAX_RANK)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index writer: bad rank");
    if (f->osz < 2 || f->osz > 8 || f->lsz < 2 || f->lsz > 8)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index writer: bad offset/length widths");
    wg->rank = g->rank;
    uint64_t bytes = g->elem_size;
    for (int i = 0; i < g->rank; i++) {
        uint64_t c = g->chunk[i];
        if (c == 0 || c5_mul_ovf(bytes, c, &bytes))
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index writer: bad chunk dimension %d", i);
        if (g->maxdims[i] == C5_UNLIMITED)
            wg->max_grid[i] = UINT64_MAX;
        else if (g->maxdims[i] < g->dims[i])
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "chunk index writer: dimension %d exceeds its maximum", i);
        else
            wg->max_grid[i] = g->maxdims[i] / c + (g->maxdims[i] % c != 0);
    }
    if (bytes == 0 || bytes != g->chunk_bytes)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "chunk index writer: chunk of %llu bytes, geometry says %llu",
                       (unsigned long long)bytes, (unsigned long long)g->chunk_bytes);
    wg->filtered = g->filtered != 0;
    wg->size_len = c5_cidx_size_len(g->chunk_bytes);
    wg->esize = f->osz + (wg->filtered ? wg->size_len + 4 : 0);
    return 0;
}

int c5_cidx_check_recs(c5_file *f, const c5_chunk_geom *g, const c5_cidx_wgeom *wg,
                       const c5_chunk_rec *recs, size_t n, const char *what)
{
    uint64_t addr_lim = f->osz >= 8 ? UINT64_MAX : (1ull << (8 * f->osz)) - 1;
    uint64_t size_lim = wg->size_len >= 8 ? UINT64_MAX : (1ull << (8 * wg->size_len)) - 1;
    for (size_t i = 0; i < n; i++) {
        const c5_chunk_rec *r = &recs[i];
        if (r->addr == C5_UNDEF || r->addr >= addr_lim)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: chunk %zu has no address", what, i);
        for (int d = 0; d < wg->rank; d++)
            if (wg->max_grid[d] != UINT64_MAX && r->scaled[d] >= wg->max_grid[d])
                return c5_fail(f, C5_EINVAL, r->addr,
                               "%s: chunk %zu lies outside the maximum extent", what, i);
        if (i && c5_cidx_cmp_scaled(wg->rank, recs[i - 1].scaled, r->scaled) >= 0)
            return c5_fail(f, C5_EINVAL, r->addr, "%s: chunks not sorted or repeated at %zu", what,
                           i);
        if (wg->filtered) {
            if (r->size == 0 || r->size > size_lim)
                return c5_fail(f, C5_EINVAL, r->addr, "%s: chunk size %llu does not fit %u bytes",
                               what, (unsigned long long)r->size, wg->size_len);
        } else if (r->size != g->chunk_bytes || r->filter_mask != 0) {
            return c5_fail(f, C5_EINVAL, r->addr,
                           "%s: unfiltered chunk of %llu bytes (mask %u), expected %llu", what,
                           (unsigned long long)r->size, (unsigned)r->filter_mask,
                           (unsigned long long)g->chunk_bytes);
        }
    }
    return 0;
}

void c5_cidx_put_elem(const c5_file *f, const c5_cidx_wgeom *wg, uint8_t *p,
                      const c5_chunk_rec *rec)
{
    /* all ones truncated to the offset width is the undefined address */
    c5_put_le(p, rec ? rec->addr : C5_UNDEF, f->osz);
    if (wg->filtered) {
        c5_put_le(p + f->osz, rec ? rec->size : 0, wg->size_len);
        c5_put_le(p + f->osz + wg->size_len, rec ? rec->filter_mask : 0, 4);
    }
}

/* ---- single chunk and implicit --------------------------------------------- */

static int single_write(c5_file *f, const c5_chunk_geom *g, const c5_cidx_wgeom *wg,
                        const c5_chunk_rec *recs, size_t n, c5_cidx_out *out)
{
    for (int i = 0; i < g->rank; i++)
        if (g->dims[i] > g->chunk[i] || wg->max_grid[i] != 1)
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "single chunk index for a dataset of several chunks");
    if (n > 1)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "single chunk index: %zu chunks", n);
    out->addr = n ? recs[0].addr : C5_UNDEF;
    if (wg->filtered) {
        /* libhdf5 sets the flag (and a zero size) as soon as the dataset
         * has filters, before any chunk exists */
        out->flags = 2;
        c5_put_le(out->info, n ? recs[0].size : 0, f->lsz);
        c5_put_le(out->info + f->lsz, n ? recs[0].filter_mask : 0, 4);
        out->info_len = (size_t)f->lsz + 4;
    }
    return 0;
}

static int implicit_write(c5_file *f, const c5_chunk_geom *g, const c5_cidx_wgeom *wg,
                          const c5_chunk_rec *recs, size_t n, c5_cidx_out *out)
{
    if (wg->filtered)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "implicit chunk index with filters");
    uint64_t total = 1;
    for (int i = 0; i < wg->rank; i++)
        if (wg->max_grid[i] == UINT64_MAX || c5_mul_ovf(total, wg->max_grid[i], &total))
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "implicit chunk index needs a fixed maximum extent");
    uint64_t bytes;
    if (c5_mul_ovf(total, g->chunk_bytes, &bytes))
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "implicit chunk index: chunk array overflows");
    if (n == 0) {
        out->addr = C5_UNDEF;
        return 0;
    }
    /* The chunks were laid out by linear index over the max-dims grid:
     * every record must sit where the reader will compute it. */
    uint64_t idx, base = C5_UNDEF;
    for (size_t i = 0; i < n; i++) {
        int rc = c5_cidx_linear(wg->rank, NULL, wg->max_grid, recs[i].scaled, &idx);
        if (rc)
            return c5_fail(f, C5_EINVAL, recs[i].addr, "implicit chunk index: chunk %zu off grid",
                           i);
        uint64_t off = idx * g->chunk_bytes; /* < bytes: no overflow */
        if (i == 0) {
            if (recs[0].addr < off)
                return c5_fail(f, C5_EINVAL, recs[0].addr,
                               "implicit chunk index: chunk 0 before the array start");
            base = recs[0].addr - off;
            uint64_t end;
            if (c5_add_ovf(base, bytes, &end))
                return c5_fail(f, C5_EINVAL, base, "implicit chunk index: array overflows");
        } else if (recs[i].addr != base + off) {
            return c5_fail(f, C5_EINVAL, recs[i].addr,
                           "implicit chunk index: chunk %zu not at its place in the array", i);
        }
    }
    out->addr = base;
    return 0;
}

/* ---- dispatcher ------------------------------------------------------------ */

int c5_chunk_index_write(c5_file *f, int type, const c5_chunk_geom *g, const c5_chunk_rec *recs,
                         size_t n, c5_cidx_out *out)
{
    if (!f || !g || !out || (n && !recs))
        return C5_EINVAL;
    memset(out, 0, sizeof *out);
    out->addr = C5_UNDEF;
    if (!f->writable)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index writer: file is read-only");
    c5_cidx_wgeom wg;
    int rc = c5_cidx_wgeom_init(f, g, &wg);
    if (rc)
        return rc;
    if (type == C5_CIDX_BTREE1)
        wg.size_len = 4; /* the v1 B-tree key's chunk size field */
    if ((rc = c5_cidx_check_recs(f, g, &wg, recs, n, "chunk index writer")))
        return rc;
    switch (type) {
    case C5_CIDX_BTREE1:
        return c5_bt1_chunk_write(f, g, recs, n, &out->addr);
    case C5_CIDX_SINGLE:
        return single_write(f, g, &wg, recs, n, out);
    case C5_CIDX_IMPLICIT:
        return implicit_write(f, g, &wg, recs, n, out);
    case C5_CIDX_FARRAY:
        out->info[0] = C5_FA_PAGE_BITS;
        out->info_len = 1;
        return c5_farray_write(f, g, recs, n, C5_FA_PAGE_BITS, &out->addr);
    case C5_CIDX_EARRAY: {
        const c5_ea_cparam cp = C5_EA_CPARAM_DEFAULT;
        out->info[0] = cp.max_bits;
        out->info[1] = cp.iblk_elmts;
        out->info[2] = cp.sblk_min_ptrs;
        out->info[3] = cp.dblk_min_elmts;
        out->info[4] = cp.page_bits;
        out->info_len = 5;
        return c5_earray_write(f, g, recs, n, &cp, &out->addr);
    }
    case C5_CIDX_BTREE2: {
        size_t len = 0;
        rc = c5_bt2_chunk_write(f, g, recs, n, &out->addr, out->info, &len);
        if (!rc && len > sizeof out->info)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "v2 B-tree chunk index: %zu info bytes", len);
        out->info_len = len;
        return rc;
    }
    default:
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index writer: unknown index type %d", type);
    }
}
