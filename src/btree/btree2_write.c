/* Version 2 B-tree writer: a whole tree from sorted records, in fresh space.
 * Spec: III.A.2 "Disk Format: Level 1A2 - Version 2 B-trees". The reader,
 * src/btree/btree2.c, is the exact inverse.
 *
 * Header ("BTHD"), checksummed:
 *   off  size  field
 *   0    4     signature "BTHD"
 *   4    1     version (0)
 *   5    1     type (record layout, 1..11)
 *   6    4     node size (bytes, every node)
 *   10   2     record size
 *   12   2     depth (0: the root is a leaf)
 *   14   1     split percent
 *   15   1     merge percent
 *   16   O     root node address (undefined when the tree is empty)
 *   +O   2     number of records in the root node
 *   +2   L     total number of records in the tree
 *   +L   4     checksum
 *
 * Internal node ("BTIN"): signature, version 0, type, n records, n+1 child
 * pointers (address O, records in the child node w bytes, and when the
 * node is more than one level above the leaves the records under the
 * child in c bytes), checksum. Leaf ("BTLF"): signature, version 0, type,
 * n records, checksum. The record count of a node lives in its parent's
 * pointer (or the header), so the checksum follows the used bytes and the
 * rest of the node_size bytes is zero slack, which libhdf5 reads with the
 * node (nodes are allocated at their full size).
 *
 * Field widths are libhdf5's (see btree2.c): leaf max = (node_size - 10) /
 * R; w = bytes for leaf max at every level; ptr(u) = O + w + (u > 1 ?
 * c(u-1) : 0); max(u) = (node_size - 10 - ptr(u)) / (R + ptr(u)); cum(0) =
 * leaf max, cum(u) = (max(u) + 1) cum(u-1) + max(u); c(u) = bytes for
 * cum(u); "bytes for x" = floor(log2 x) / 8 + 1.
 *
 * Shape: the smallest depth whose cum(depth) holds every record. A node
 * at level u holding m records (its own and those below) gets the fewest
 * children that can hold them, k = ceil((m + 1) / (cum(u-1) + 1)) and at
 * least 2, and the m - (k - 1) records below it are spread evenly over the
 * children, so every node is about equally full and libhdf5's later inserts
 * and removals (split at 100%, merge at 40%) start from balanced nodes.
 * All nodes and the header go into one allocation: the header first, then
 * the nodes in depth-first order.
 */
#include "../core/internal.h"

#include "../format/densew.h"

#define BT2_PREFIX 10u /* signature + version + type + checksum */

typedef struct wlevel {
    uint64_t max_nrec;
    uint64_t cum_max;
    unsigned cum_size;
} wlevel;

typedef struct bt2w {
    c5_file *f;
    uint16_t type;
    size_t rec_size;
    const uint8_t *recs;
    uint32_t node_size;
    unsigned nrec_size;
    unsigned depth;
    wlevel lv[C5_MAX_DEPTH + 1];
    uint8_t *buf;       /* node images, node_size bytes each (NULL: count only) */
    uint64_t base;      /* file address of node slot 0 */
    uint64_t nodes;     /* slots handed out so far */
} bt2w;

static unsigned enc_size(uint64_t x)
{
    unsigned bits = 0;
    while (x >>= 1)
        bits++;
    return bits / 8 + 1;
}

/* Per-level limits up to the depth that holds n records. */
static int plan(bt2w *t, uint64_t n)
{
    c5_file *f = t->f;
    uint64_t leaf_max = (t->node_size - BT2_PREFIX) / t->rec_size;
    if (leaf_max == 0)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "v2 B-tree writer: node size %u cannot hold one %zu-byte record",
                       (unsigned)t->node_size, t->rec_size);
    t->nrec_size = enc_size(leaf_max);
    t->lv[0].max_nrec = leaf_max;
    t->lv[0].cum_max = leaf_max;
    t->lv[0].cum_size = 0;
    t->depth = 0;
    while (t->lv[t->depth].cum_max < n) {
        unsigned u = t->depth + 1;
        if (u > C5_MAX_DEPTH)
            return c5_fail(f, C5_ELIMIT, C5_UNDEF, "v2 B-tree writer: tree deeper than %d levels",
                           C5_MAX_DEPTH);
        uint64_t ptr = (uint64_t)f->osz + t->nrec_size + (u > 1 ? t->lv[u - 1].cum_size : 0);
        uint64_t over = BT2_PREFIX + ptr;
        uint64_t m = t->node_size > over ? (t->node_size - over) / (t->rec_size + ptr) : 0;
        if (m == 0)
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "v2 B-tree writer: node size %u leaves no room for records at level %u",
                           (unsigned)t->node_size, u);
        uint64_t cum, tmp;
        if (c5_mul_ovf(m + 1, t->lv[u - 1].cum_max, &tmp) || c5_add_ovf(tmp, m, &cum))
            cum = UINT64_MAX;
        t->lv[u].max_nrec = m;
        t->lv[u].cum_max = cum;
        t->lv[u].cum_size = enc_size(cum);
        t->depth = u;
    }
    return 0;
}

/* Lay out the subtree at `level` holding records [lo, lo + m). *addr and
 * *nrec receive the node's address and its own record count. With t->buf
 * NULL only the nodes are counted. */
static int build(bt2w *t, unsigned level, uint64_t lo, uint64_t m, uint64_t *addr, uint64_t *nrec)
{
    c5_file *f = t->f;
    uint64_t slot = t->nodes++;
    uint8_t *node = t->buf ? t->buf + slot * t->node_size : NULL;
    const size_t R = t->rec_size;
    *addr = t->base + slot * t->node_size;

    if (level == 0) {
        *nrec = m;
        if (node) {
            memcpy(node, "BTLF", 4);
            node[4] = 0;
            node[5] = (uint8_t)t->type;
            memcpy(node + 6, t->recs + lo * R, (size_t)m * R);
            size_t used = 6 + (size_t)m * R;
            c5_put_le(node + used, c5_lookup3(node, used, 0), 4);
        }
        return 0;
    }

    const uint64_t cmax = t->lv[level - 1].cum_max;
    /* k = ceil((m + 1) / (cmax + 1)) = floor(m / (cmax + 1)) + 1 */
    uint64_t k = cmax == UINT64_MAX ? 1 : m / (cmax + 1) + 1;
    if (k < 2)
        k = 2;
    if (k - 1 > t->lv[level].max_nrec || m < 2 * k - 1)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "v2 B-tree writer: %llu records cannot form a level-%u node",
                       (unsigned long long)m, level);
    const uint64_t below = m - (k - 1), base = below / k, extra = below % k;
    const unsigned csz = level > 1 ? t->lv[level - 1].cum_size : 0;
    const size_t ptr = (size_t)f->osz + t->nrec_size + csz;
    const size_t ptr_off = 6 + (size_t)(k - 1) * R;
    uint64_t at = lo;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t cm = base + (i < extra ? 1 : 0), caddr, cn;
        int rc = build(t, level - 1, at, cm, &caddr, &cn);
        if (rc)
            return rc;
        if (node) {
            uint8_t *p = node + ptr_off + (size_t)i * ptr;
            c5_put_le(p, caddr, f->osz);
            c5_put_le(p + f->osz, cn, t->nrec_size);
            if (csz)
                c5_put_le(p + f->osz + t->nrec_size, cm, csz);
        }
        at += cm;
        if (i + 1 < k) {
            if (node)
                memcpy(node + 6 + (size_t)i * R, t->recs + at * R, R);
            at++;
        }
    }
    *nrec = k - 1;
    if (node) {
        memcpy(node, "BTIN", 4);
        node[4] = 0;
        node[5] = (uint8_t)t->type;
        size_t used = ptr_off + (size_t)k * ptr;
        c5_put_le(node + used, c5_lookup3(node, used, 0), 4);
    }
    return 0;
}

int c5_bt2_write(c5_file *f, uint16_t type, size_t rec_size, const uint8_t *recs, size_t n,
                 uint32_t node_size, uint8_t split_pct, uint8_t merge_pct, uint64_t *addr)
{
    if (!f || !addr || (n && !recs))
        return C5_EINVAL;
    *addr = C5_UNDEF;
    if (type > 255 || rec_size == 0 || rec_size > 0xFFFF || node_size <= BT2_PREFIX)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "v2 B-tree writer: type %u, %zu-byte records, %u-byte nodes", (unsigned)type,
                       rec_size, (unsigned)node_size);
    if (split_pct == 0)
        split_pct = C5_BT2_SPLIT_PCT;
    if (merge_pct == 0)
        merge_pct = C5_BT2_MERGE_PCT;

    bt2w *t = c5_calloc(f, 1, sizeof *t);
    if (!t)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "v2 B-tree writer: out of memory");
    t->f = f;
    t->type = type;
    t->rec_size = rec_size;
    t->recs = recs;
    t->node_size = node_size;
    int rc = plan(t, n);

    /* Dry run: count the nodes so one allocation holds them all. */
    uint64_t root = C5_UNDEF, root_nrec = 0;
    if (!rc && n) {
        rc = build(t, t->depth, 0, n, &root, &root_nrec);
        if (!rc && root_nrec > 0xFFFF)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                         "v2 B-tree writer: %llu records in the root node (the header holds 16 bits)",
                         (unsigned long long)root_nrec);
    }
    const size_t hsize = 16 + (size_t)f->osz + 2 + f->lsz + 4;
    uint64_t body = 0, total = 0, hdr = C5_UNDEF;
    if (!rc && (c5_mul_ovf(t->nodes, node_size, &body) || c5_add_ovf(body, hsize, &total) ||
                total > SIZE_MAX))
        rc = c5_fail(f, C5_ELIMIT, C5_UNDEF, "v2 B-tree writer: tree too large");
    if (!rc)
        rc = c5_space_alloc(f, total, &hdr);
    if (!rc && n) {
        if (!(t->buf = c5_calloc(f, 1, (size_t)body)))
            rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "v2 B-tree writer: out of memory");
        if (!rc) {
            t->base = hdr + hsize;
            t->nodes = 0;
            rc = build(t, t->depth, 0, n, &root, &root_nrec);
        }
        if (!rc)
            rc = c5_write(f, t->base, t->buf, (size_t)body);
    }
    if (!rc) {
        c5_wr w;
        c5_wr_init(&w, f);
        c5_wr_sig(&w, "BTHD");
        c5_wr_u8(&w, 0);
        c5_wr_u8(&w, type);
        c5_wr_u32(&w, node_size);
        c5_wr_u16(&w, rec_size);
        c5_wr_u16(&w, n ? t->depth : 0);
        c5_wr_u8(&w, split_pct);
        c5_wr_u8(&w, merge_pct);
        c5_wr_addr(&w, n ? root : C5_UNDEF);
        c5_wr_u16(&w, n ? root_nrec : 0);
        c5_wr_len(&w, n);
        c5_wr_sum(&w, 0);
        if (w.err)
            rc = c5_fail(f, w.err, hdr, "v2 B-tree writer: cannot encode the header");
        else
            rc = c5_write(f, hdr, w.buf, w.n);
        c5_wr_free(&w);
    }
    if (!rc)
        *addr = hdr;
    else if (hdr != C5_UNDEF)
        c5_space_free(f, hdr, total);
    c5_free(f, t->buf);
    c5_free(f, t);
    return rc;
}
