/* Writing version 1 B-trees (spec III.A.1) from complete, sorted input, and
 * the chunk index of layout versions 1-3 built on them (node type 1).
 *
 *   0 4 "TREE"  4 1 node type  5 1 node level  6 2 entries used
 *   8 O left sibling  O right sibling   (undefined address at the ends)
 *   then key 0, child 0, key 1, child 1, ..., child 2K-1, key 2K
 * A node always occupies its full size (2K children, 2K + 1 keys): libhdf5
 * reads it whole. Unused entries are zero.
 *
 * Key i and key i + 1 bound child i; adjacent nodes share their boundary
 * key (node j's last key is node j + 1's first), which is what libhdf5's
 * splits produce, so the tree built here is one libhdf5 could have built
 * and can keep inserting into. Keys of upper levels are leaf keys: node j
 * of level l + 1 takes the first key of each child and the last key of its
 * last child, so the builder only tracks indexes into the caller's keys.
 *
 * Chunk keys (node type 1), rank + 1 = layout dimensionality:
 *   0  4            stored chunk size in bytes
 *   4  4            filter mask
 *   8  (rank+1) x 8 chunk offset in elements per dimension; the last is
 *                   the element-size dimension, 0 for a chunk
 * The right-most key is what libhdf5's H5D__btree_new_node writes for the
 * last chunk inserted: size 0, mask 0, and the scaled coordinates plus one
 * in every dimension, the element-size one included (so its last offset is
 * the element size). Keys compare as vectors of scaled coordinates.
 */
#include "../format/stabw.h"

uint64_t c5_bt1_node_size(const c5_file *f, size_t keylen, unsigned k)
{
    uint64_t twok = 2 * (uint64_t)k;
    return 8 + 2 * (uint64_t)f->osz + twok * f->osz + (twok + 1) * keylen;
}

static int check_k(c5_file *f, unsigned k, const char *what)
{
    /* The entries-used field is 16 bits wide. */
    if (k == 0 || 2 * (uint64_t)k > 0xffff)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: B-tree K %u out of range", what, k);
    return 0;
}

int c5_bt1_build(c5_file *f, int node_type, size_t keylen, unsigned k, size_t n,
                 const uint8_t *keys, const uint64_t *child, uint64_t *root)
{
    int rc = check_k(f, k, "v1 B-tree");
    if (rc)
        return rc;
    size_t cap = 2 * (size_t)k;
    /* Node counts per level, leaves first. */
    size_t cnt[C5_MAX_DEPTH];
    int nlev = 0;
    size_t items = n;
    do {
        if (nlev == C5_MAX_DEPTH)
            return c5_fail(f, C5_ELIMIT, C5_UNDEF, "v1 B-tree: too many levels");
        size_t m = items ? (items - 1) / cap + 1 : 1;
        cnt[nlev++] = m;
        items = m;
    } while (items > 1);
    uint64_t nodes = 0;
    for (int l = 0; l < nlev; l++)
        nodes += cnt[l];
    uint64_t nsz = c5_bt1_node_size(f, keylen, k), total;
    if (c5_mul_ovf(nodes, nsz, &total) || nsz > SIZE_MAX)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "v1 B-tree: too large");
    /* kidx: key indexes of the current level (items + 1); kids: children. */
    size_t *kidx = c5_malloc(f, (n + 1) * sizeof *kidx);
    uint64_t *kids = c5_malloc(f, (n ? n : 1) * sizeof *kids);
    c5_wr w;
    c5_wr_init(&w, f);
    uint64_t base = C5_UNDEF;
    if (!kidx || !kids) {
        rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "v1 B-tree: out of memory");
        goto done;
    }
    if ((rc = c5_space_alloc(f, total, &base)))
        goto done;
    /* Root first, then each level below it: first[l] is the index of
     * level l's first node within the allocation. */
    uint64_t first[C5_MAX_DEPTH];
    uint64_t at = 0;
    for (int l = nlev - 1; l >= 0; l--) {
        first[l] = at;
        at += cnt[l];
    }
    for (size_t i = 0; i <= n; i++)
        kidx[i] = i;
    if (n)
        memcpy(kids, child, n * sizeof *kids);
    items = n;
    for (int l = 0; l < nlev && !rc; l++) {
        size_t m = cnt[l];
        for (size_t j = 0; j < m && !rc; j++) {
            size_t a = (size_t)((uint64_t)items * j / m);
            size_t b = (size_t)((uint64_t)items * (j + 1) / m);
            w.n = 0;
            c5_wr_sig(&w, "TREE");
            c5_wr_u8(&w, (uint64_t)node_type);
            c5_wr_u8(&w, (uint64_t)l);
            c5_wr_u16(&w, b - a);
            c5_wr_addr(&w, j ? base + (first[l] + j - 1) * nsz : C5_UNDEF);
            c5_wr_addr(&w, j + 1 < m ? base + (first[l] + j + 1) * nsz : C5_UNDEF);
            for (size_t i = a; i < b; i++) {
                c5_wr_bytes(&w, keys + kidx[i] * keylen, keylen);
                c5_wr_addr(&w, kids[i]);
            }
            c5_wr_bytes(&w, keys + kidx[b] * keylen, keylen);
            if (!w.err && w.n < nsz)
                c5_wr_zero(&w, (size_t)nsz - w.n);
            if (w.err)
                rc = c5_fail(f, w.err, C5_UNDEF, "v1 B-tree: out of memory");
            else
                rc = c5_write(f, base + (first[l] + j) * nsz, w.buf, w.n);
        }
        if (l == nlev - 1)
            break;
        /* The level above: node j's first key, the last node's last key,
         * and the nodes just written as children. Done in place: index j
         * only reads positions >= j (items > m here). */
        for (size_t j = 0; j < m; j++) {
            kidx[j] = kidx[(size_t)((uint64_t)items * j / m)];
            kids[j] = base + (first[l] + j) * nsz;
        }
        kidx[m] = kidx[items];
        items = m;
    }
    if (!rc)
        *root = base;
    else if (base != C5_UNDEF)
        c5_space_free(f, base, total);
done:
    c5_wr_free(&w);
    c5_free(f, kidx);
    c5_free(f, kids);
    return rc;
}

/* ---- freeing ----------------------------------------------------------- */

/* The extents of a tree are gathered first and given back from the
 * highest address down, so that space at the allocation end is released
 * whatever order the tree's nodes were laid out in. */
typedef struct extent {
    uint64_t addr, size;
} extent;

typedef struct free_walk {
    c5_file *f;
    int type;
    size_t keylen;
    uint64_t nsz, leaf_child_size;
    c5_addrset seen;
    c5_vec *ext;
} free_walk;

static int add_extent(c5_file *f, c5_vec *v, uint64_t addr, uint64_t size)
{
    extent e = {addr, size};
    return c5_vec_push(f, v, &e) ? c5_fail(f, C5_ENOMEM, addr, "out of memory") : 0;
}

static int walk_node(free_walk *w, uint64_t addr, int depth)
{
    c5_file *f = w->f;
    if (depth > C5_MAX_DEPTH)
        return c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree: too deep");
    int dup = c5_addrset_add(f, &w->seen, addr);
    if (dup)
        return dup < 0 ? dup : c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree: node visited twice");
    uint8_t hdr[8];
    int rc = c5_read(f, addr, hdr, 8, "v1 B-tree node");
    if (rc)
        return rc;
    if (memcmp(hdr, "TREE", 4) != 0 || hdr[4] != w->type)
        return c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree node: bad signature or type");
    int level = hdr[5];
    size_t n = c5_le(hdr + 6, 2);
    uint64_t body = (uint64_t)n * (w->keylen + f->osz) + w->keylen;
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, addr + 8 + 2 * (uint64_t)f->osz, body, "v1 B-tree node", &buf)))
        return rc;
    rc = add_extent(f, w->ext, addr, w->nsz);
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t c = c5_le(buf + w->keylen + i * (w->keylen + f->osz), f->osz);
        if (level > 0)
            rc = walk_node(w, c, depth + 1);
        else if (w->leaf_child_size)
            rc = add_extent(f, w->ext, c, w->leaf_child_size);
    }
    c5_free(f, buf);
    return rc;
}

int c5_bt1_extents(c5_file *f, uint64_t addr, int node_type, size_t keylen, unsigned k,
                   uint64_t leaf_child_size, c5_vec *ext)
{
    if (addr == C5_UNDEF)
        return 0;
    free_walk w = {f, node_type, keylen, c5_bt1_node_size(f, keylen, k), leaf_child_size, {0},
                   ext};
    int rc = walk_node(&w, addr, 0);
    c5_addrset_free(f, &w.seen);
    return rc;
}

static int ext_cmp(const void *a, const void *b)
{
    const extent *x = a, *y = b;
    return x->addr < y->addr ? 1 : x->addr > y->addr ? -1 : 0;
}

void c5_extents_free(c5_file *f, c5_vec *ext)
{
    if (ext->n)
        qsort(ext->v, ext->n, sizeof(extent), ext_cmp);
    const extent *e = ext->v;
    for (size_t i = 0; i < ext->n; i++)
        c5_space_free(f, e[i].addr, e[i].size);
    c5_vec_free(f, ext);
}

int c5_bt1_free(c5_file *f, uint64_t addr, int node_type, size_t keylen, unsigned k,
                uint64_t leaf_child_size)
{
    c5_vec ext = {NULL, 0, 0, sizeof(extent)};
    int rc = c5_bt1_extents(f, addr, node_type, keylen, k, leaf_child_size, &ext);
    if (rc)
        c5_vec_free(f, &ext);
    else
        c5_extents_free(f, &ext);
    return rc;
}

/* ---- chunk index ------------------------------------------------------- */

static int chunk_geom_check(c5_file *f, const c5_chunk_geom *g)
{
    if (g->rank < 1 || g->rank > C5_MAX_RANK)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk B-tree: rank %d", g->rank);
    for (int d = 0; d < g->rank; d++)
        if (g->chunk[d] == 0 || g->chunk[d] > UINT32_MAX)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk B-tree: chunk dimension %d is %llu",
                           d, (unsigned long long)g->chunk[d]);
    if (g->elem_size == 0 || g->elem_size > UINT32_MAX)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk B-tree: element size %zu", g->elem_size);
    return 0;
}

/* Encode one key: size, mask, then per dimension scaled * chunk (scaled
 * has rank + 1 entries, the last for the element-size dimension). */
static int chunk_key(c5_file *f, const c5_chunk_geom *g, uint64_t size, uint32_t mask,
                     const uint64_t *scaled, uint8_t *p)
{
    c5_put_le(p, size, 4);
    c5_put_le(p + 4, mask, 4);
    for (int d = 0; d <= g->rank; d++) {
        uint64_t dim = d < g->rank ? g->chunk[d] : g->elem_size, off;
        if (c5_mul_ovf(scaled[d], dim, &off))
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk B-tree: chunk offset overflows");
        c5_put_le(p + 8 + 8 * (size_t)d, off, 8);
    }
    return 0;
}

static int scaled_cmp(int rank, const uint64_t *a, const uint64_t *b)
{
    for (int d = 0; d < rank; d++)
        if (a[d] != b[d])
            return a[d] < b[d] ? -1 : 1;
    return 0;
}

int c5_bt1_chunk_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                       uint64_t *addr)
{
    int rc = chunk_geom_check(f, g);
    if (rc || (rc = check_k(f, f->chunk_k, "chunk B-tree")))
        return rc;
    size_t keylen = 8 + 8 * ((size_t)g->rank + 1);
    if (n > (SIZE_MAX / keylen) - 1)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "chunk B-tree: too many chunks");
    uint8_t *keys = c5_calloc(f, n + 1, keylen);
    uint64_t *kids = c5_malloc(f, (n ? n : 1) * sizeof *kids);
    if (!keys || !kids) {
        rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "chunk B-tree: out of memory");
        goto done;
    }
    uint64_t sc[C5_MAX_RANK + 1];
    for (size_t i = 0; i < n && !rc; i++) {
        const c5_chunk_rec *r = &recs[i];
        if (r->addr == C5_UNDEF || r->size == 0 || r->size > UINT32_MAX) {
            rc = c5_fail(f, C5_EINVAL, r->addr,
                         "chunk B-tree: chunk %zu has no address or a size of %llu", i,
                         (unsigned long long)r->size);
            break;
        }
        if (i && scaled_cmp(g->rank, recs[i - 1].scaled, r->scaled) >= 0) {
            rc = c5_fail(f, C5_EINVAL, r->addr, "chunk B-tree: chunks not sorted at %zu", i);
            break;
        }
        memcpy(sc, r->scaled, (size_t)g->rank * sizeof *sc);
        sc[g->rank] = 0;
        rc = chunk_key(f, g, r->size, r->filter_mask, sc, keys + i * keylen);
        kids[i] = r->addr;
    }
    if (!rc && n) {
        /* Right-most key: one past the last chunk in every dimension. */
        for (int d = 0; d < g->rank; d++)
            if (c5_add_ovf(recs[n - 1].scaled[d], 1, &sc[d]))
                rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk B-tree: chunk offset overflows");
        sc[g->rank] = 1;
        if (!rc)
            rc = chunk_key(f, g, 0, 0, sc, keys + n * keylen);
    }
    if (!rc)
        rc = c5_bt1_build(f, 1, keylen, f->chunk_k, n, keys, kids, addr);
done:
    c5_free(f, keys);
    c5_free(f, kids);
    return rc;
}

int c5_bt1_chunk_free(c5_file *f, const c5_chunk_geom *g, uint64_t addr)
{
    int rc = chunk_geom_check(f, g);
    if (rc)
        return rc;
    return c5_bt1_free(f, addr, 1, 8 + 8 * ((size_t)g->rank + 1), f->chunk_k, 0);
}
