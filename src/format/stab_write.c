/* Writing a symbol-table group's storage (spec III.C, III.D, III.A.1): the
 * inverse of symtab.c, from the group's complete, sorted link list.
 *
 * Local heap (one allocation: header, then the data segment right after
 * it, as libhdf5 creates heaps):
 *   0 4 "HEAP"  4 1 version (0)  5 3 reserved
 *   8 L data segment size   L offset of the first free block   O data address
 *   header padded to a multiple of 8; then the data segment:
 *   offset 0 holds "" (the B-tree's left-most key), then each link's name
 *   and, for soft links, its value, NUL-terminated and padded to 8 bytes.
 *   The unused tail becomes one free block {L next (1 = none), L size}
 *   when it can hold those 2L bytes; the free-list head is then its offset,
 *   else 1, which is what libhdf5 writes for "no free block" (the spec says
 *   the undefined address; libhdf5 rejects neither, but only 1 is what it
 *   produces).
 *
 * Symbol table node, full size (2 * group leaf K entries; libhdf5 reads
 * it whole), unused entries zero:
 *   0 4 "SNOD"  4 1 version (1)  5 1 reserved  6 2 number of symbols
 *   entries: L name offset (heap)  O object header address  4 cache type
 *            4 reserved  16 scratch pad
 *   Cache type 1: scratch = O B-tree address, O heap address (subgroups).
 *   Cache type 2 (soft link): object header address undefined, scratch =
 *   4-byte heap offset of the link value (libhdf5's H5G__ent_convert).
 *
 * B-tree (node type 0, K = group internal node K) over the symbol-table
 * nodes: a child holds the names in (key i, key i + 1]; key 0 is the
 * offset of "" and key i + 1 the offset of child i's last name.
 */
#include "stabw.h"

#define HEAP_MIN_DATA(f) (8 + 4 * 16 + 2 * (uint64_t)(f)->lsz)

static uint64_t align8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

static int stab_check(c5_file *f, const c5_stab_ent *ents, size_t n)
{
    if (f->sym_leaf_k == 0 || 2 * (uint64_t)f->sym_leaf_k > 0xffff)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "symbol table: group leaf K %u out of range",
                       f->sym_leaf_k);
    for (size_t i = 0; i < n; i++) {
        if (!ents[i].name || !ents[i].name[0])
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "symbol table: entry %zu has no name", i);
        if (i && strcmp(ents[i - 1].name, ents[i].name) >= 0)
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "symbol table: names not sorted or repeated at \"%s\"", ents[i].name);
        /* Only hard and soft links fit in a symbol table: libhdf5 turns a
         * group with an external or user-defined link into link messages. */
        if (!ents[i].soft && ents[i].addr == C5_UNDEF)
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "symbol table: \"%s\" is neither a hard nor a soft link",
                           ents[i].name);
        if (!ents[i].soft && ents[i].cache_type > 1)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "symbol table: cache type %u for \"%s\"",
                           ents[i].cache_type, ents[i].name);
    }
    return 0;
}

/* Write the heap; name_off[i] and val_off[i] (soft links) receive the
 * offsets of the strings of entry i. */
static int heap_write(c5_file *f, const c5_stab_ent *ents, size_t n, uint64_t *name_off,
                      uint64_t *val_off, uint64_t *heap, uint64_t *heap_size)
{
    uint64_t off = 8; /* "" padded */
    for (size_t i = 0; i < n; i++) {
        name_off[i] = off;
        off += align8(strlen(ents[i].name) + 1);
        if (ents[i].soft) {
            val_off[i] = off;
            off += align8(strlen(ents[i].soft) + 1);
            /* The soft link value's offset is a 4-byte scratch field. */
            if (val_off[i] > UINT32_MAX)
                return c5_fail(f, C5_ELIMIT, C5_UNDEF,
                               "symbol table: local heap too large for soft link \"%s\"",
                               ents[i].name);
        }
    }
    uint64_t used = off, size = used, free_head = 1;
    uint64_t lsz_max = f->lsz >= 8 ? UINT64_MAX : (1ull << (8 * f->lsz)) - 1;
    /* libhdf5 sizes a new group's heap for four short names plus a free
     * block; leave that room so small groups grow without moving it. */
    if (used < HEAP_MIN_DATA(f) && HEAP_MIN_DATA(f) - used >= 2 * (uint64_t)f->lsz) {
        size = HEAP_MIN_DATA(f);
        free_head = used;
    }
    if (size > lsz_max || size > SIZE_MAX / 2)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "symbol table: local heap too large");
    uint64_t hdr = align8(8 + 2 * (uint64_t)f->lsz + f->osz), addr;
    int rc = c5_space_alloc(f, hdr + size, &addr);
    if (rc)
        return rc;
    c5_wr w;
    c5_wr_init(&w, f);
    c5_wr_sig(&w, "HEAP");
    c5_wr_u8(&w, 0);
    c5_wr_zero(&w, 3);
    c5_wr_len(&w, size);
    c5_wr_len(&w, free_head);
    c5_wr_addr(&w, addr + hdr);
    c5_wr_zero(&w, (size_t)(hdr - w.n));
    c5_wr_zero(&w, 8);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(ents[i].name) + 1;
        c5_wr_bytes(&w, ents[i].name, l);
        c5_wr_zero(&w, (size_t)(align8(l) - l));
        if (ents[i].soft) {
            l = strlen(ents[i].soft) + 1;
            c5_wr_bytes(&w, ents[i].soft, l);
            c5_wr_zero(&w, (size_t)(align8(l) - l));
        }
    }
    if (size > used) {
        c5_wr_len(&w, 1); /* last free block */
        c5_wr_len(&w, size - used);
        c5_wr_zero(&w, (size_t)(size - used - 2 * (uint64_t)f->lsz));
    }
    if (w.err)
        rc = c5_fail(f, w.err, C5_UNDEF, "symbol table: out of memory");
    else
        rc = c5_write(f, addr, w.buf, w.n);
    c5_wr_free(&w);
    if (!rc) {
        *heap = addr;
        *heap_size = hdr + size;
    } else {
        c5_space_free(f, addr, hdr + size);
    }
    return rc;
}

int c5_stab_write(c5_file *f, const c5_stab_ent *ents, size_t n, uint64_t *btree, uint64_t *heap)
{
    int rc = stab_check(f, ents, n);
    if (rc)
        return rc;
    size_t per = 2 * (size_t)f->sym_leaf_k;
    size_t nsnod = n ? (n - 1) / per + 1 : 0;
    size_t esz = (size_t)f->lsz + f->osz + 24;
    uint64_t snsz = 8 + (uint64_t)per * esz;
    uint64_t *name_off = c5_malloc(f, (n ? n : 1) * sizeof *name_off);
    uint64_t *val_off = c5_calloc(f, n ? n : 1, sizeof *val_off);
    uint64_t *snod = c5_malloc(f, (nsnod ? nsnod : 1) * sizeof *snod);
    uint8_t *keys = c5_calloc(f, nsnod + 1, f->lsz);
    c5_wr w;
    c5_wr_init(&w, f);
    if (!name_off || !val_off || !snod || !keys) {
        rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "symbol table: out of memory");
        goto done;
    }
    uint64_t haddr = C5_UNDEF, hsize = 0, base = C5_UNDEF, total = 0;
    if ((rc = heap_write(f, ents, n, name_off, val_off, &haddr, &hsize)))
        goto done;
    if (nsnod) {
        if (c5_mul_ovf(nsnod, snsz, &total))
            rc = c5_fail(f, C5_ELIMIT, C5_UNDEF, "symbol table: too large");
        else
            rc = c5_space_alloc(f, total, &base);
    }
    /* Symbol-table nodes, filled evenly; key 0 stays 0 (""). */
    for (size_t j = 0; j < nsnod && !rc; j++) {
        size_t a = (size_t)((uint64_t)n * j / nsnod), b = (size_t)((uint64_t)n * (j + 1) / nsnod);
        w.n = 0;
        c5_wr_sig(&w, "SNOD");
        c5_wr_u8(&w, 1);
        c5_wr_u8(&w, 0);
        c5_wr_u16(&w, b - a);
        for (size_t i = a; i < b; i++) {
            const c5_stab_ent *e = &ents[i];
            c5_wr_len(&w, name_off[i]);
            if (e->soft) {
                c5_wr_addr(&w, C5_UNDEF);
                c5_wr_u32(&w, 2);
                c5_wr_u32(&w, 0);
                c5_wr_u32(&w, val_off[i]);
                c5_wr_zero(&w, 12);
            } else {
                c5_wr_addr(&w, e->addr);
                c5_wr_u32(&w, e->cache_type);
                c5_wr_u32(&w, 0);
                if (e->cache_type == 1)
                    c5_wr_bytes(&w, e->scratch, 16);
                else
                    c5_wr_zero(&w, 16);
            }
        }
        c5_wr_zero(&w, (size_t)(snsz - w.n));
        snod[j] = base + j * snsz;
        c5_put_le(keys + (j + 1) * f->lsz, name_off[b - 1], f->lsz);
        if (w.err)
            rc = c5_fail(f, w.err, C5_UNDEF, "symbol table: out of memory");
        else
            rc = c5_write(f, snod[j], w.buf, w.n);
    }
    if (!rc)
        rc = c5_bt1_build(f, 0, f->lsz, f->btree_k, nsnod, keys, snod, btree);
    if (!rc) {
        *heap = haddr;
    } else {
        /* nothing points at the pieces written: give them back */
        if (base != C5_UNDEF)
            c5_space_free(f, base, total);
        c5_space_free(f, haddr, hsize);
    }
done:
    c5_wr_free(&w);
    c5_free(f, name_off);
    c5_free(f, val_off);
    c5_free(f, snod);
    c5_free(f, keys);
    return rc;
}

int c5_stab_free(c5_file *f, uint64_t btree, uint64_t heap)
{
    uint64_t snsz = 8 + 2 * (uint64_t)f->sym_leaf_k * ((uint64_t)f->lsz + f->osz + 24);
    c5_vec ext = {NULL, 0, 0, 2 * sizeof(uint64_t)};
    int rc = c5_bt1_extents(f, btree, 0, f->lsz, f->btree_k, snsz, &ext);
    if (!rc && heap != C5_UNDEF) {
        uint8_t hdr[32];
        size_t hl = 8 + 2 * (size_t)f->lsz + f->osz;
        if ((rc = c5_read(f, heap, hdr, hl, "local heap")) == 0 && memcmp(hdr, "HEAP", 4) != 0)
            rc = c5_fail(f, C5_ECORRUPT, heap, "local heap: bad signature");
        if (!rc) {
            uint64_t size = c5_le(hdr + 8, f->lsz);
            uint64_t daddr = c5_le(hdr + 8 + 2 * (size_t)f->lsz, f->osz);
            uint64_t hsz = align8(hl);
            uint64_t e[2][2] = {{heap, hsz}, {daddr, size}};
            if (daddr == heap + hsz) {
                e[0][1] = hsz + size;
                e[1][1] = 0;
            }
            for (int i = 0; i < 2 && !rc; i++)
                if (e[i][1] && c5_vec_push(f, &ext, e[i]))
                    rc = c5_fail(f, C5_ENOMEM, heap, "out of memory");
        }
    }
    if (rc)
        c5_vec_free(f, &ext);
    else
        c5_extents_free(f, &ext);
    return rc;
}
