/* Version 1 B-trees (spec III.A.1), used by symbol-table groups (node
 * type 0) and layout v1-v3 chunk indexes (node type 1).
 *
 *   0 4 "TREE"  4 1 node type  5 1 node level  6 2 entries used
 *   8 O left sibling  O right sibling
 *   then key 0, child 0, key 1, child 1, ..., key N (entries used = N)
 * Keys: type 0, a heap offset (L bytes); type 1, 4 chunk size, 4 filter
 * mask, (rank + 1) x 8 chunk offsets.
 */
#include "../format/format.h"

typedef struct bt1_walk {
    c5_file *f;
    int type;
    size_t keylen;
    c5_bt1_cb cb;
    void *ud;
    c5_addrset seen;
} bt1_walk;

static int visit(bt1_walk *w, uint64_t addr, int depth, int expect_level)
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
    if (memcmp(hdr, "TREE", 4) != 0)
        return c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree node: bad signature");
    if (hdr[4] != w->type)
        return c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree node: type %d, expected %d", hdr[4],
                       w->type);
    int level = hdr[5];
    if (expect_level >= 0 && level != expect_level)
        return c5_fail(f, C5_ECORRUPT, addr, "v1 B-tree node: level %d, expected %d", level,
                       expect_level);
    size_t n = c5_le(hdr + 6, 2);
    uint64_t body = (uint64_t)n * (w->keylen + f->osz) + w->keylen;
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, addr + 8 + 2 * (uint64_t)f->osz, body, "v1 B-tree node", &buf)))
        return rc;
    const uint8_t *p = buf;
    for (size_t i = 0; i < n && !rc; i++) {
        const uint8_t *key = p;
        uint64_t child = c5_le(p + w->keylen, f->osz);
        p += w->keylen + f->osz;
        if (level == 0)
            rc = w->cb(w->ud, key, w->keylen, child);
        else
            rc = visit(w, child, depth + 1, level - 1);
    }
    c5_free(f, buf);
    return rc;
}

int c5_bt1_iterate(c5_file *f, uint64_t addr, int node_type, size_t keylen, c5_bt1_cb cb,
                   void *ud)
{
    if (addr == C5_UNDEF)
        return 0;
    bt1_walk w = {f, node_type, keylen, cb, ud, {0}};
    int rc = visit(&w, addr, 0, -1);
    c5_addrset_free(f, &w.seen);
    return rc;
}
