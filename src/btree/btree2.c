/* Version 2 B-trees: in-order iteration over raw records.
 * Spec: III.A.2 "Disk Format: Level 1A2 - Version 2 B-trees".
 *
 * Header ("BTHD"), checksummed:
 *   off  size  field
 *   0    4     signature "BTHD"
 *   4    1     version (0)
 *   5    1     type (1..11, see the spec's record layouts)
 *   6    4     node size (bytes, every node)
 *   10   2     record size
 *   12   2     depth (0: the root is a leaf)
 *   14   1     split percent
 *   15   1     merge percent
 *   16   O     root node address (undefined when the tree is empty)
 *   +O   2     number of records in the root node
 *   +2   L     total number of records in the tree
 *   +L   4     checksum of everything before it
 *
 * Internal node ("BTIN"):
 *   0    4     signature, 4 version (0), 5 type
 *   6    n*R   records 0..n-1
 *   ..   (n+1) child pointers: address (O), number of records in child
 *              (w bytes), total records under child (c bytes; only when
 *              this node is more than one level above the leaves)
 *   ..   4     checksum of everything before it
 * Leaf node ("BTLF"):
 *   0    4     signature, 4 version (0), 5 type
 *   6    n*R   records
 *   ..   4     checksum
 *
 * A node's record count is not stored in the node: it comes from the
 * parent's pointer (or the header for the root), so the checksum sits
 * right after the used part and the rest of the node_size bytes is slack.
 *
 * Field widths (w, c) are derived from the node size, the record size and
 * the node's level, the way libhdf5 writes them:
 *   leaf max   = (node_size - 10) / R             (10 = sig+ver+type+sum)
 *   w          = bytes to encode leaf max (the largest per-node count; used
 *                at every level: the spec's wording suggests a width per
 *                level, but libhdf5 writes this single width)
 *   ptr(u)     = O + w + (u > 1 ? c(u-1) : 0)
 *   max(u)     = (node_size - 10 - ptr(u)) / (R + ptr(u))   for u >= 1
 *   cum(0)     = leaf max; cum(u) = (max(u) + 1) * cum(u-1) + max(u)
 *   c(u)       = bytes to encode cum(u)
 * where "bytes to encode x" is floor(log2(x)) / 8 + 1.
 */
#include "../core/internal.h"

#include "btree2.h"

#define BT2_PREFIX 10u /* signature + version + type + checksum */

typedef struct bt2_level {
    uint64_t max_nrec; /* records a node at this level holds at most */
    uint64_t cum_max;  /* records under a node at this level, at most */
    unsigned cum_size; /* bytes of a "total records" field for a child here */
} bt2_level;

typedef struct bt2 {
    c5_file *f;
    uint64_t addr; /* header address, for messages */
    int type;
    uint32_t node_size;
    uint16_t rec_size;
    uint16_t depth;
    unsigned nrec_size; /* width of "number of records in child" */
    uint64_t total;     /* records the header promises */
    uint64_t seen;      /* records handed out so far */
    uint64_t nodes;     /* nodes visited so far */
    uint64_t *seen_at; /* open-addressing set of visited node addresses */
    size_t seen_cap, seen_n;
    bt2_level lv[C5_MAX_DEPTH + 1];
    c5_bt2_cb cb;
    void *ud;
} bt2;

/* Remember a node address; a second visit means a cycle or a shared
 * subtree, which a tree never has. Linear in the node count, unlike
 * c5_addrset, because chunk indexes can have many thousands of nodes. */
static int visit(bt2 *t, uint64_t addr)
{
    if (2 * (t->seen_n + 1) > t->seen_cap) {
        size_t nc = t->seen_cap ? t->seen_cap * 2 : 64;
        uint64_t *na = c5_malloc(t->f, nc * sizeof *na);
        if (!na)
            return c5_fail(t->f, C5_ENOMEM, t->addr, "v2 B-tree: out of memory");
        memset(na, 0xFF, nc * sizeof *na); /* C5_UNDEF marks a free slot */
        for (size_t i = 0; i < t->seen_cap; i++) {
            uint64_t a = t->seen_at[i];
            if (a == C5_UNDEF)
                continue;
            size_t j = (size_t)((a * 0x9E3779B97F4A7C15ull) >> 7) & (nc - 1);
            while (na[j] != C5_UNDEF)
                j = (j + 1) & (nc - 1);
            na[j] = a;
        }
        c5_free(t->f, t->seen_at);
        t->seen_at = na;
        t->seen_cap = nc;
    }
    size_t j = (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 7) & (t->seen_cap - 1);
    while (t->seen_at[j] != C5_UNDEF) {
        if (t->seen_at[j] == addr)
            return c5_fail(t->f, C5_ECORRUPT, addr,
                           "v2 B-tree: node reached twice (cycle or shared subtree)");
        j = (j + 1) & (t->seen_cap - 1);
    }
    t->seen_at[j] = addr;
    t->seen_n++;
    return 0;
}

static unsigned enc_size(uint64_t x)
{
    unsigned bits = 0;
    while (x >>= 1)
        bits++;
    return bits / 8 + 1;
}

/* Fill in the per-level limits; fails when a level cannot hold a record. */
static int plan_levels(bt2 *t)
{
    uint64_t leaf_max = (t->node_size - BT2_PREFIX) / t->rec_size;
    if (leaf_max == 0)
        return c5_fail(t->f, C5_ECORRUPT, t->addr,
                       "v2 B-tree header: node size %u cannot hold one %u-byte record",
                       (unsigned)t->node_size, (unsigned)t->rec_size);
    t->nrec_size = enc_size(leaf_max);
    t->lv[0].max_nrec = leaf_max;
    t->lv[0].cum_max = leaf_max;
    t->lv[0].cum_size = 0;
    for (unsigned u = 1; u <= t->depth; u++) {
        uint64_t ptr = (uint64_t)t->f->osz + t->nrec_size + (u > 1 ? t->lv[u - 1].cum_size : 0);
        uint64_t over = BT2_PREFIX + ptr;
        if (t->node_size <= over || (t->node_size - over) / (t->rec_size + ptr) == 0)
            return c5_fail(t->f, C5_ECORRUPT, t->addr,
                           "v2 B-tree header: node size %u leaves no room for records at level %u",
                           (unsigned)t->node_size, u);
        uint64_t m = (t->node_size - over) / (t->rec_size + ptr);
        uint64_t cum, tmp;
        /* Saturate: past 2^64 records the count field is simply 8 bytes. */
        if (c5_mul_ovf(m + 1, t->lv[u - 1].cum_max, &tmp) || c5_add_ovf(tmp, m, &cum))
            cum = UINT64_MAX;
        t->lv[u].max_nrec = m;
        t->lv[u].cum_max = cum;
        t->lv[u].cum_size = enc_size(cum);
    }
    return 0;
}

/* Read and verify one node's used bytes: prefix, n records, and (for
 * internal nodes) n+1 child pointers, then the checksum. */
static int read_node(bt2 *t, uint64_t addr, unsigned level, uint64_t nrec, uint8_t **buf,
                     size_t *used)
{
    const bool leaf = level == 0;
    const char *what = leaf ? "v2 B-tree leaf node" : "v2 B-tree internal node";
    if (nrec > t->lv[level].max_nrec)
        return c5_fail(t->f, C5_ECORRUPT, addr, "%s: %llu records, at most %llu fit", what,
                       (unsigned long long)nrec, (unsigned long long)t->lv[level].max_nrec);
    uint64_t n = 6 + nrec * t->rec_size;
    if (!leaf) {
        uint64_t ptr = (uint64_t)t->f->osz + t->nrec_size + (level > 1 ? t->lv[level - 1].cum_size : 0);
        n += (nrec + 1) * ptr;
    }
    /* max_nrec was derived from node_size, so this never exceeds it; the
     * check keeps that promise explicit. */
    if (n + 4 > t->node_size)
        return c5_fail(t->f, C5_ECORRUPT, addr, "%s: contents overflow the node size", what);
    int rc = c5_read_alloc(t->f, addr, n + 4, what, buf);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, t->f, *buf, (size_t)n, addr, what);
    c5_rd_sig(&r, leaf ? "BTLF" : "BTIN");
    unsigned ver = c5_rd_u8(&r);
    unsigned type = c5_rd_u8(&r);
    if ((rc = c5_rd_status(&r)) == 0) {
        if (ver != 0)
            rc = c5_fail(t->f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
        else if ((int)type != t->type)
            rc = c5_fail(t->f, C5_ECORRUPT, addr, "%s: type %u, header says %d", what, type,
                         t->type);
        else
            rc = c5_check_sum(t->f, *buf, (size_t)n, addr, what);
    }
    if (rc) {
        c5_free(t->f, *buf);
        *buf = NULL;
        return rc;
    }
    *used = (size_t)n;
    return 0;
}

/* Walk the subtree at addr (level levels above the leaves, nrec records in
 * the node itself). *count receives the records found under it. */
static int walk(bt2 *t, uint64_t addr, unsigned level, uint64_t nrec, uint64_t *count)
{
    /* Every node holds a record, except possibly an empty root, so the
     * header's total bounds the nodes we may visit. */
    if (++t->nodes > t->total + 1)
        return c5_fail(t->f, C5_ECORRUPT, addr, "v2 B-tree: more nodes than records");
    int rc = visit(t, addr);
    if (rc)
        return rc;

    uint8_t *buf = NULL;
    size_t used = 0;
    rc = read_node(t, addr, level, nrec, &buf, &used);
    if (rc)
        return rc;
    const uint8_t *recs = buf + 6;
    *count = 0;

    if (level == 0) {
        for (uint64_t i = 0; i < nrec; i++) {
            if (++t->seen > t->total) {
                rc = c5_fail(t->f, C5_ECORRUPT, addr,
                             "v2 B-tree: more records than the header's total %llu",
                             (unsigned long long)t->total);
                break;
            }
            rc = t->cb(t->ud, recs + i * t->rec_size, t->rec_size);
            if (rc)
                break;
        }
        *count = nrec;
        c5_free(t->f, buf);
        return rc;
    }

    c5_rd r;
    size_t ptr_off = 6 + (size_t)nrec * t->rec_size;
    c5_rd_init(&r, t->f, buf + ptr_off, used - ptr_off, addr + ptr_off, "v2 B-tree internal node");
    const unsigned csz = level > 1 ? t->lv[level - 1].cum_size : 0;
    for (uint64_t i = 0; i <= nrec && !rc; i++) {
        uint64_t child = c5_rd_addr(&r);
        uint64_t cn = c5_rd_uint(&r, t->nrec_size);
        uint64_t ctotal = csz ? c5_rd_uint(&r, csz) : cn;
        if ((rc = c5_rd_status(&r)) != 0)
            break;
        if (child == C5_UNDEF) {
            rc = c5_fail(t->f, C5_ECORRUPT, addr, "v2 B-tree internal node: undefined child address");
            break;
        }
        if (cn == 0) {
            rc = c5_fail(t->f, C5_ECORRUPT, addr, "v2 B-tree internal node: empty child node");
            break;
        }
        uint64_t got = 0;
        rc = walk(t, child, level - 1, cn, &got);
        if (rc)
            break;
        if (got != ctotal) {
            rc = c5_fail(t->f, C5_ECORRUPT, addr,
                         "v2 B-tree internal node: child holds %llu records, pointer says %llu",
                         (unsigned long long)got, (unsigned long long)ctotal);
            break;
        }
        *count += got;
        if (i < nrec) {
            if (++t->seen > t->total) {
                rc = c5_fail(t->f, C5_ECORRUPT, addr,
                             "v2 B-tree: more records than the header's total %llu",
                             (unsigned long long)t->total);
                break;
            }
            rc = t->cb(t->ud, recs + i * t->rec_size, t->rec_size);
            *count += 1;
        }
    }
    c5_free(t->f, buf);
    return rc;
}

int c5_bt2_iterate(c5_file *f, uint64_t addr, int *type_out, c5_bt2_cb cb, void *ud)
{
    const char *what = "v2 B-tree header";
    if (!f || !cb)
        return C5_EINVAL;
    const size_t hsize = 16 + (size_t)f->osz + 2 + f->lsz + 4;
    uint8_t hbuf[16 + 8 + 2 + 8 + 4];
    if (f->osz < 2 || f->osz > 8 || f->lsz < 2 || f->lsz > 8)
        return c5_fail(f, C5_EINVAL, addr, "%s: bad offset/length widths", what);
    int rc = c5_read(f, addr, hbuf, hsize, what);
    if (rc)
        return rc;
    if ((rc = c5_check_sum(f, hbuf, hsize - 4, addr, what)) != 0)
        return rc;

    bt2 *t = c5_calloc(f, 1, sizeof *t);
    if (!t)
        return c5_fail(f, C5_ENOMEM, addr, "%s: out of memory", what);
    t->f = f;
    t->addr = addr;
    t->cb = cb;
    t->ud = ud;

    c5_rd r;
    c5_rd_init(&r, f, hbuf, hsize - 4, addr, what);
    c5_rd_sig(&r, "BTHD");
    unsigned ver = c5_rd_u8(&r);
    t->type = c5_rd_u8(&r);
    t->node_size = c5_rd_u32(&r);
    t->rec_size = c5_rd_u16(&r);
    t->depth = c5_rd_u16(&r);
    c5_rd_skip(&r, 2); /* split and merge percent: only matter to writers */
    uint64_t root = c5_rd_addr(&r);
    uint64_t root_nrec = c5_rd_u16(&r);
    t->total = c5_rd_len(&r);
    if ((rc = c5_rd_status(&r)) != 0)
        goto out;
    if (type_out)
        *type_out = t->type;
    if (ver != 0) {
        rc = c5_fail(f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
        goto out;
    }
    if (t->rec_size == 0 || t->node_size <= BT2_PREFIX) {
        rc = c5_fail(f, C5_ECORRUPT, addr, "%s: record size %u, node size %u", what,
                     (unsigned)t->rec_size, (unsigned)t->node_size);
        goto out;
    }
    if (t->depth > C5_MAX_DEPTH) {
        rc = c5_fail(f, C5_ELIMIT, addr, "%s: depth %u exceeds %d", what, (unsigned)t->depth,
                     C5_MAX_DEPTH);
        goto out;
    }
    if (root == C5_UNDEF) {
        if (t->total != 0 || root_nrec != 0)
            rc = c5_fail(f, C5_ECORRUPT, addr, "%s: records but no root node", what);
        goto out;
    }
    if (t->total == C5_UNDEF) {
        rc = c5_fail(f, C5_ECORRUPT, addr, "%s: bad total record count", what);
        goto out;
    }
    if ((rc = plan_levels(t)) != 0)
        goto out;
    if (t->depth > 0 && root_nrec == 0) {
        rc = c5_fail(f, C5_ECORRUPT, addr, "%s: empty internal root node", what);
        goto out;
    }
    uint64_t got = 0;
    rc = walk(t, root, t->depth, root_nrec, &got);
    if (rc == 0 && got != t->total)
        rc = c5_fail(f, C5_ECORRUPT, addr, "%s: tree holds %llu records, header says %llu", what,
                     (unsigned long long)got, (unsigned long long)t->total);
out:
    c5_free(f, t->seen_at);
    c5_free(f, t);
    return rc;
}
