/* Local heaps (spec III.D) and symbol-table nodes (III.C).
 *
 * Local heap header:  4 "HEAP", 1 version (0), 3 reserved, L data segment
 *   size, L offset to head of free list, O address of data segment.
 * Symbol table node:  4 "SNOD", 1 version (1), 1 reserved, 2 number of
 *   symbols, then entries: O link name offset (into the local heap),
 *   O object header address, 4 cache type, 4 reserved, 16 scratch pad.
 *   Cache type 1 carries the B-tree and heap addresses of a subgroup,
 *   cache type 2 the heap offset of a soft link's value.
 */
#include "format.h"

int c5_lheap_load(c5_file *f, uint64_t addr, c5_lheap *out)
{
    memset(out, 0, sizeof *out);
    uint8_t hdr[32];
    size_t hl = 8 + 2 * (size_t)f->lsz + f->osz;
    int rc = c5_read(f, addr, hdr, hl, "local heap");
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, hdr, hl, addr, "local heap");
    if (!c5_rd_sig(&r, "HEAP"))
        return r.err;
    int ver = c5_rd_u8(&r);
    c5_rd_skip(&r, 3);
    uint64_t size = c5_rd_len(&r);
    (void)c5_rd_len(&r);
    uint64_t daddr = c5_rd_addr(&r);
    if (r.err)
        return r.err;
    if (ver != 0)
        return c5_fail(f, C5_ECORRUPT, addr, "local heap: version %d", ver);
    out->addr = addr;
    out->size = (size_t)size;
    rc = c5_read_alloc(f, daddr, size, "local heap data", &out->data);
    return rc;
}

void c5_lheap_free(c5_file *f, c5_lheap *h)
{
    c5_free(f, h->data);
    h->data = NULL;
}

int c5_lheap_str(c5_file *f, const c5_lheap *h, uint64_t off, const char **out)
{
    if (off >= h->size)
        return c5_fail(f, C5_ECORRUPT, h->addr, "local heap: offset %llu beyond data size %zu",
                       (unsigned long long)off, h->size);
    const char *s = (const char *)h->data + off;
    if (!memchr(s, 0, h->size - (size_t)off))
        return c5_fail(f, C5_ECORRUPT, h->addr, "local heap: unterminated string at %llu",
                       (unsigned long long)off);
    *out = s;
    return 0;
}

typedef struct stab_walk {
    const c5_lheap *heap;
    c5_stab_cb cb;
    void *ud;
    c5_addrset seen;
} stab_walk;

typedef struct stab_ctx {
    c5_file *f;
    stab_walk w;
} stab_ctx;

static int snod_read(void *ud, const uint8_t *key, size_t keylen, uint64_t child)
{
    stab_ctx *c = ud;
    c5_file *f = c->f;
    (void)key;
    (void)keylen;
    int dup = c5_addrset_add(f, &c->w.seen, child);
    if (dup < 0)
        return dup;
    if (dup)
        return c5_fail(f, C5_ECORRUPT, child, "symbol table node referenced twice");
    size_t esz = (size_t)f->lsz + f->osz + 24;
    uint8_t hdr[8];
    int rc = c5_read(f, child, hdr, 8, "symbol table node");
    if (rc)
        return rc;
    if (memcmp(hdr, "SNOD", 4) != 0)
        return c5_fail(f, C5_ECORRUPT, child, "symbol table node: bad signature");
    size_t nsym = c5_le(hdr + 6, 2);
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, child, 8 + nsym * esz, "symbol table node", &buf)))
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, buf + 8, nsym * esz, child + 8, "symbol table entry");
    for (size_t i = 0; i < nsym && !rc; i++) {
        uint64_t noff = c5_rd_len(&r); /* a length, as libhdf5 writes it */
        uint64_t oh = c5_rd_addr(&r);
        uint32_t cache = c5_rd_u32(&r);
        c5_rd_skip(&r, 4);
        const uint8_t *scratch = c5_rd_bytes(&r, 16);
        if ((rc = r.err))
            break;
        const char *name;
        if ((rc = c5_lheap_str(f, c->w.heap, noff, &name)))
            break;
        rc = c->w.cb(c->w.ud, name, oh, cache, scratch);
    }
    c5_free(f, buf);
    return rc;
}

int c5_stab_iterate(c5_file *f, uint64_t btree, const c5_lheap *heap, c5_stab_cb cb, void *ud)
{
    stab_ctx c = {f, {heap, cb, ud, {0}}};
    int rc = c5_bt1_iterate(f, btree, 0, f->lsz, snod_read, &c);
    c5_addrset_free(f, &c.w.seen);
    return rc;
}
