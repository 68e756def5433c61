/* Version 2 B-tree chunk index writer (layout v4 index type 5), built aside
 * in fresh space from the dataset's complete chunk list.
 * Spec: Appendix C, IV.A.2.i (layout message v4) and III.A.2 record types
 * 10 and 11. Reader: src/chunk/bt2_chunk.c.
 *
 * Type 10 record, unfiltered chunks:
 *   0  O        chunk address
 *   O  rank x 8 scaled offsets (offset / chunk dimension), slowest first
 * Type 11 record, filtered chunks:
 *   0    O        chunk address
 *   O    N        stored chunk size, N = c5_cidx_size_len(chunk bytes):
 *                 one byte more than the unfiltered size needs, as libhdf5
 *                 sizes it (H5Dbtree2.c), at most 8
 *   O+N  4        filter mask
 *   +4   rank x 8 scaled offsets
 * Records are ordered by scaled offsets compared dimension by dimension
 * from the slowest (libhdf5's H5VM_vector_cmp_u). The tree uses libhdf5's
 * chunk-index parameters: 2048-byte nodes, split 100%, merge 40%, which
 * the layout message repeats in its index fields:
 *   0  4  node size    4  1  split percent    5  1  merge percent
 */
#include "index.h"

#include "../format/densew.h"

typedef struct sref {
    const c5_chunk_rec *r;
    int rank;
} sref;

static int cmp_sref(const void *a, const void *b)
{
    const sref *x = a, *y = b;
    return c5_cidx_cmp_scaled(x->rank, x->r->scaled, y->r->scaled);
}

int c5_bt2_chunk_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                       uint64_t *addr, uint8_t *idx_info, size_t *info_len)
{
    const char *what = "chunk v2 B-tree writer";
    if (!f || !g || !addr || !idx_info || !info_len || (n && !recs))
        return C5_EINVAL;
    *addr = C5_UNDEF;
    if (g->rank < 1 || g->rank > C5_MAX_RANK)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: rank %d", what, g->rank);
    const int filtered = g->filtered != 0;
    const unsigned size_len = filtered ? c5_cidx_size_len(g->chunk_bytes) : 0;
    const size_t rec_size = (size_t)f->osz + (filtered ? size_len + 4u : 0u) + 8u * (size_t)g->rank;
    if (n > SIZE_MAX / (rec_size + sizeof(sref)))
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "%s: too many chunks", what);

    sref *order = c5_malloc(f, (n ? n : 1) * sizeof *order);
    uint8_t *buf = c5_malloc(f, (n ? n : 1) * rec_size);
    int rc = 0;
    if (!order || !buf)
        rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "%s: out of memory", what);
    for (size_t i = 0; i < n && !rc; i++) {
        const c5_chunk_rec *r = &recs[i];
        if (r->addr == C5_UNDEF)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: chunk %zu has no address", what, i);
        else if (filtered && (r->size == 0 || (size_len < 8 && r->size >> (8 * size_len))))
            rc = c5_fail(f, C5_EINVAL, r->addr,
                         "%s: stored chunk size %llu does not fit the %u-byte field", what,
                         (unsigned long long)r->size, size_len);
        order[i] = (sref){r, g->rank};
    }
    if (!rc && n > 1) {
        qsort(order, n, sizeof *order, cmp_sref);
        for (size_t i = 1; i < n && !rc; i++)
            if (cmp_sref(&order[i - 1], &order[i]) == 0)
                rc = c5_fail(f, C5_EINVAL, order[i].r->addr, "%s: two chunks at the same offset",
                             what);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const c5_chunk_rec *r = order[i].r;
        uint8_t *p = buf + i * rec_size;
        c5_put_le(p, r->addr, f->osz);
        p += f->osz;
        if (filtered) {
            c5_put_le(p, r->size, size_len);
            c5_put_le(p + size_len, r->filter_mask, 4);
            p += size_len + 4;
        }
        for (int d = 0; d < g->rank; d++)
            c5_put_le(p + 8 * (size_t)d, r->scaled[d], 8);
    }
    if (!rc)
        rc = c5_bt2_write(f, filtered ? 11 : 10, rec_size, buf, n, C5_BT2_CHUNK_NODE_SIZE,
                          C5_BT2_SPLIT_PCT, C5_BT2_MERGE_PCT, addr);
    c5_free(f, order);
    c5_free(f, buf);
    if (rc)
        return rc;
    c5_put_le(idx_info, C5_BT2_CHUNK_NODE_SIZE, 4);
    idx_info[4] = C5_BT2_SPLIT_PCT;
    idx_info[5] = C5_BT2_MERGE_PCT;
    *info_len = 6;
    return 0;
}
