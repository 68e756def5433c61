/* Fractal heap writer: a whole heap from a list of objects, in fresh space.
 * Spec: III.G "Disk Format: Level 1G - Fractal Heap"; huge objects are
 * tracked by a v2 B-tree (III.A.2, record types 1 and 3). The reader,
 * src/format/fheap.c, is the inverse; its comment has the field tables.
 *
 * Header ("FRHP"), O = offset width, L = length width:
 *   off   size  field (value written)
 *   0     4     signature "FRHP"
 *   4     1     version 0
 *   5     2     heap ID length
 *   7     2     I/O filters' encoded length: 0 (filters are not written)
 *   9     1     flags: bit 1 when direct blocks are checksummed
 *   10    4     maximum size of managed objects
 *   14    L     next huge object ID: the last ID handed out (IDs start at 1)
 *   ..    O     huge-object v2 B-tree (undefined: no huge objects)
 *   ..    L     free space in managed blocks (see below)
 *   ..    O     free-space manager: undefined
 *   ..    L     managed space: the linear span of the root block
 *   ..    L     allocated managed space: bytes of the direct blocks written
 *   ..    L     direct block allocation iterator: linear offset just past
 *               the last direct block (0 with a root direct block)
 *   ..    L     number of managed objects
 *   ..    L+L   size and number of huge objects
 *   ..    L+L   size and number of tiny objects
 *   ..    2     table width        ..  L  starting block size
 *   ..    L     max direct size    ..  2  maximum heap size (bits)
 *   ..    2     starting # of rows in the root indirect block
 *   ..    O     root block address (undefined: no managed objects)
 *   ..    2     current # of rows in the root indirect block (0: direct)
 *   ..    4     checksum
 * Direct block ("FHDB"): signature, version 0, heap header address O,
 *   block offset B = (max heap bits + 7) / 8 bytes, checksum of the whole
 *   block with its own field zeroed (when flagged), then the objects; the
 *   unused tail is zero. Indirect block ("FHIB"): signature, version 0,
 *   heap header address, block offset, one address per direct-block entry
 *   (rows below the maximum direct block size), one per indirect-block
 *   entry, checksum.
 *
 * Layout. Managed objects are placed in the caller's order into direct
 * blocks taken in linear-address order, the order libhdf5's "next block"
 * iterator allocates them: row 0 and 1 blocks of the starting size, then
 * doubling rows of `width` blocks each; rows whose blocks exceed the
 * maximum direct size hold child indirect blocks, whose own rows start
 * again at the starting size. An object that does not fit the rest of the
 * current block opens the next block; blocks too small to hold it are
 * skipped and stay unallocated (undefined entries), as libhdf5 skips them.
 * When everything fits in the first starting-size block the root is that
 * direct block; otherwise the root is an indirect block whose row count is
 * the starting count doubled until it covers the last block, the way
 * libhdf5 grows it. Child indirect blocks exist where a direct block lies
 * inside their range.
 *
 * Counters follow libhdf5's bookkeeping, which a later writer continues:
 * "free space in managed blocks" counts every direct block slot of the
 * root's span (allocated or not) at its size minus the block prefix, less
 * the managed object bytes; the iterator offset is where libhdf5 will put
 * its next direct block. No free-space manager is written: libhdf5 creates
 * one on its first insertion and then never reuses the tails of the blocks
 * written here (space lost, nothing corrupt).
 *
 * Huge objects (larger than the maximum managed size) are written on
 * their own. With IDs long enough for address + length (no filters) the
 * ID holds them directly and the tree has type 3 records (address, length)
 * ordered by address; otherwise the ID holds a key 1, 2, ... in
 * min(ID length - 1, 8) bytes and the tree has type 1 records (address,
 * length, key in L bytes) ordered by key. Objects that fit in the ID after
 * its flag byte (and length byte for IDs over 18 bytes) are tiny objects.
 */
#include "../core/internal.h"

#include "densew.h"

const c5_fheap_params c5_fheap_links_params = {
    .id_len = 0, .width = 4, .start_block = 512, .max_direct = 65536, .max_heap_bits = 32,
    .start_root_rows = 1, .max_man_size = 4096, .checksum_dblocks = 1};
const c5_fheap_params c5_fheap_attrs_params = {
    .id_len = 0, .width = 4, .start_block = 1024, .max_direct = 65536, .max_heap_bits = 40,
    .start_root_rows = 1, .max_man_size = 4096, .checksum_dblocks = 1};

#define FH_TINY_LEN_SHORT 16u

typedef struct geo {
    c5_file *f;
    const c5_fheap_params *p;
    unsigned off_size, len_size, id_len;
    unsigned first_row_bits;  /* log2(start * width) */
    unsigned max_dblock_rows; /* rows holding direct blocks */
    unsigned max_root_rows;
    uint64_t overhead;        /* direct block prefix */
    unsigned tiny_max;
    bool tiny_ext;
    bool huge_direct;
    unsigned huge_id_size;
    uint64_t hdr_addr;
} geo;

typedef struct dblk {
    uint64_t off, size, addr;
} dblk;

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static unsigned log2u(uint64_t x)
{
    unsigned b = 0;
    while (x >>= 1)
        b++;
    return b;
}

static unsigned enc_size(uint64_t x) { return log2u(x) / 8 + 1; }

static unsigned params_off_size(const c5_fheap_params *p) { return (p->max_heap_bits + 7u) / 8u; }

static unsigned params_len_size(const c5_fheap_params *p)
{
    unsigned a = (log2u(p->max_direct) + 7u) / 8u, b = enc_size(p->max_man_size);
    return a < b ? a : b;
}

size_t c5_fheap_params_id_len(const c5_fheap_params *p)
{
    if (!p)
        return 0;
    return p->id_len ? p->id_len : 1u + params_off_size(p) + params_len_size(p);
}

static int setup(geo *g, c5_file *f, const c5_fheap_params *p)
{
    memset(g, 0, sizeof *g);
    g->f = f;
    g->p = p;
    if (!is_pow2(p->width) || !is_pow2(p->start_block) || !is_pow2(p->max_direct) ||
        p->max_direct < p->start_block || p->max_heap_bits == 0 || p->max_heap_bits > 64 ||
        p->max_man_size == 0 || p->max_man_size > p->max_direct)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "fractal heap writer: bad creation parameters (width %u, start %llu, "
                       "max direct %llu, %u bits, max managed %u)",
                       (unsigned)p->width, (unsigned long long)p->start_block,
                       (unsigned long long)p->max_direct, (unsigned)p->max_heap_bits,
                       (unsigned)p->max_man_size);
    g->off_size = params_off_size(p);
    g->len_size = params_len_size(p);
    g->id_len = (unsigned)c5_fheap_params_id_len(p);
    g->first_row_bits = log2u(p->start_block) + log2u(p->width);
    if (g->first_row_bits > p->max_heap_bits || log2u(p->max_direct) > p->max_heap_bits)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "fractal heap writer: blocks larger than the %u-bit heap", (unsigned)p->max_heap_bits);
    g->max_root_rows = p->max_heap_bits - g->first_row_bits + 1;
    g->max_dblock_rows = log2u(p->max_direct) - log2u(p->start_block) + 2;
    g->overhead = 4 + 1 + (uint64_t)f->osz + g->off_size + (p->checksum_dblocks ? 4 : 0);
    if (g->id_len < 1u + g->off_size + g->len_size || g->id_len > 4097 ||
        p->start_block <= g->overhead || p->max_man_size > p->max_direct - g->overhead)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "fractal heap writer: ID length %u or block sizes do not fit the heap",
                       g->id_len);
    if (g->id_len - 1 <= FH_TINY_LEN_SHORT) {
        g->tiny_max = g->id_len - 1;
        g->tiny_ext = false;
    } else if (g->id_len - 1 == FH_TINY_LEN_SHORT + 1) {
        g->tiny_max = FH_TINY_LEN_SHORT;
        g->tiny_ext = false;
    } else {
        g->tiny_max = g->id_len - 2;
        g->tiny_ext = true;
    }
    g->huge_direct = g->id_len - 1u >= (unsigned)f->osz + f->lsz;
    g->huge_id_size = g->id_len - 1u < 8u ? g->id_len - 1u : 8u;
    return 0;
}

/* Size of one block in row r, and where row r starts inside its indirect
 * block (r may be one past the last row: the block's span). */
static uint64_t row_block(const geo *g, unsigned r)
{
    return r == 0 ? g->p->start_block : g->p->start_block << (r - 1);
}

static bool row_start(const geo *g, unsigned r, uint64_t *out)
{
    if (r == 0) {
        *out = 0;
        return true;
    }
    if (g->first_row_bits + r - 1 >= 64)
        return false;
    *out = ((uint64_t)g->p->width * g->p->start_block) << (r - 1);
    return true;
}

/* Row of an indirect block (starting at offset 0) that contains off. */
static unsigned row_of(const geo *g, uint64_t off)
{
    if (off < ((uint64_t)1 << g->first_row_bits))
        return 0;
    return log2u(off) - g->first_row_bits + 1;
}

/* Rows of a child indirect block spanning bs bytes. */
static unsigned child_rows(const geo *g, uint64_t bs) { return log2u(bs) - g->first_row_bits + 1; }

/* Size of the direct block that starts at linear offset off (off lies on a
 * block boundary). */
static uint64_t dblock_size_at(const geo *g, uint64_t off)
{
    for (;;) {
        unsigned r = row_of(g, off);
        uint64_t bs = row_block(g, r), rs = 0;
        if (r < g->max_dblock_rows)
            return bs;
        (void)row_start(g, r, &rs);
        off = (off - rs) % bs;
    }
}

/* Direct-block capacity (bytes for objects) of an indirect block of nrows
 * rows, counting every slot. */
static uint64_t span_free(const geo *g, unsigned nrows)
{
    uint64_t sum = 0;
    for (unsigned r = 0; r < nrows; r++) {
        uint64_t bs = row_block(g, r);
        uint64_t one = r < g->max_dblock_rows ? bs - g->overhead : span_free(g, child_rows(g, bs));
        sum += one * g->p->width;
    }
    return sum;
}

/* ---- direct blocks ------------------------------------------------------ */

typedef struct placer {
    geo *g;
    c5_vec blocks;   /* dblk, in linear order */
    uint8_t *buf;    /* the open block's image */
    size_t buf_cap;
    uint64_t off, size, used;
    bool open;
    uint64_t man_bytes, man_n;
} placer;

static int close_block(placer *pl)
{
    if (!pl->open)
        return 0;
    geo *g = pl->g;
    pl->open = false;
    if (g->p->checksum_dblocks) {
        size_t at = 5 + (size_t)g->f->osz + g->off_size;
        memset(pl->buf + at, 0, 4);
        c5_put_le(pl->buf + at, c5_lookup3(pl->buf, (size_t)pl->size, 0), 4);
    }
    const dblk *b = (const dblk *)pl->blocks.v + pl->blocks.n - 1;
    return c5_write(g->f, b->addr, pl->buf, (size_t)pl->size);
}

static int open_block(placer *pl, uint64_t off, uint64_t size)
{
    geo *g = pl->g;
    c5_file *f = g->f;
    dblk b = {off, size, C5_UNDEF};
    int rc = c5_space_alloc(f, size, &b.addr);
    if (rc)
        return rc;
    if ((rc = c5_vec_push(f, &pl->blocks, &b)))
        return rc;
    if (size > pl->buf_cap) {
        uint8_t *nb = size <= SIZE_MAX ? c5_realloc(f, pl->buf, (size_t)size) : NULL;
        if (!nb)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "fractal heap writer: out of memory");
        pl->buf = nb;
        pl->buf_cap = (size_t)size;
    }
    memset(pl->buf, 0, (size_t)size);
    memcpy(pl->buf, "FHDB", 4);
    pl->buf[4] = 0;
    c5_put_le(pl->buf + 5, g->hdr_addr, f->osz);
    c5_put_le(pl->buf + 5 + f->osz, off, g->off_size);
    pl->off = off;
    pl->size = size;
    pl->used = g->overhead;
    pl->open = true;
    return 0;
}

/* Put one managed object into the heap; id receives its managed ID. */
static int place(placer *pl, const uint8_t *obj, size_t len, uint8_t *id)
{
    geo *g = pl->g;
    if (!pl->open || len > pl->size - pl->used) {
        uint64_t next = 0;
        if (pl->blocks.n) {
            next = pl->off + pl->size;
            int rc = close_block(pl);
            if (rc)
                return rc;
        }
        uint64_t bs;
        for (;;) {
            /* past the root's largest span: the heap's address space is full */
            if (g->p->max_heap_bits < 64 && next >= ((uint64_t)1 << g->p->max_heap_bits))
                return c5_fail(g->f, C5_ELIMIT, C5_UNDEF,
                               "fractal heap writer: objects exceed the %u-bit heap",
                               (unsigned)g->p->max_heap_bits);
            bs = dblock_size_at(g, next);
            if (bs - g->overhead >= len)
                break;
            if (c5_add_ovf(next, bs, &next))
                return c5_fail(g->f, C5_ELIMIT, C5_UNDEF, "fractal heap writer: heap too large");
        }
        int rc = open_block(pl, next, bs);
        if (rc)
            return rc;
    }
    memcpy(pl->buf + pl->used, obj, len);
    memset(id, 0, g->id_len);
    id[0] = 0x00; /* version 0, managed */
    c5_put_le(id + 1, pl->off + pl->used, g->off_size);
    c5_put_le(id + 1 + g->off_size, len, g->len_size);
    pl->used += len;
    pl->man_bytes += len;
    pl->man_n++;
    return 0;
}

/* ---- indirect blocks --------------------------------------------------- */

/* Write the indirect block covering [boff, boff + span(nrows)) whose direct
 * blocks are blocks[*bi...]; *addr receives its address. */
static int write_iblock(geo *g, const dblk *blocks, size_t nb, size_t *bi, uint64_t boff,
                        unsigned nrows, int depth, uint64_t *addr)
{
    c5_file *f = g->f;
    if (depth >= C5_MAX_DEPTH)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "fractal heap writer: indirect blocks too deep");
    const unsigned W = g->p->width;
    const size_t pre = 5 + (size_t)f->osz + g->off_size;
    const size_t size = pre + (size_t)nrows * W * f->osz;
    uint64_t at;
    int rc = c5_space_alloc(f, size + 4, &at);
    if (rc)
        return rc;
    uint8_t *b = c5_calloc(f, 1, size + 4);
    if (!b)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "fractal heap writer: out of memory");
    memcpy(b, "FHIB", 4);
    b[4] = 0;
    c5_put_le(b + 5, g->hdr_addr, f->osz);
    c5_put_le(b + 5 + f->osz, boff, g->off_size);
    uint8_t *ent = b + pre;
    for (unsigned r = 0; r < nrows && !rc; r++) {
        uint64_t bs = row_block(g, r), rs = 0;
        (void)row_start(g, r, &rs);
        for (unsigned c = 0; c < W && !rc; c++, ent += f->osz) {
            uint64_t eoff = boff + rs + (uint64_t)c * bs, child = C5_UNDEF;
            if (r < g->max_dblock_rows) {
                if (*bi < nb && blocks[*bi].off == eoff)
                    child = blocks[(*bi)++].addr;
            } else if (*bi < nb && blocks[*bi].off < eoff + bs) {
                rc = write_iblock(g, blocks, nb, bi, eoff, child_rows(g, bs), depth + 1, &child);
            }
            /* every direct block lies on an entry boundary of its row */
            if (!rc && *bi < nb && blocks[*bi].off < eoff + bs)
                rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                             "fractal heap writer: direct block at %llu off the doubling table",
                             (unsigned long long)blocks[*bi].off);
            c5_put_le(ent, child, f->osz);
        }
    }
    if (!rc) {
        c5_put_le(b + size, c5_lookup3(b, size, 0), 4);
        rc = c5_write(f, at, b, size + 4);
    }
    c5_free(f, b);
    if (!rc)
        *addr = at;
    return rc;
}

/* ---- huge objects -------------------------------------------------------- */

typedef struct huge_rec {
    uint64_t addr, len, key;
} huge_rec;

static int cmp_huge_addr(const void *a, const void *b)
{
    const huge_rec *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int write_huge_tree(geo *g, huge_rec *h, size_t n, uint64_t *addr)
{
    c5_file *f = g->f;
    const size_t rs = (size_t)f->osz + f->lsz + (g->huge_direct ? 0 : f->lsz);
    uint8_t *recs = c5_malloc(f, n * rs);
    if (!recs)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "fractal heap writer: out of memory");
    /* type 3 is ordered by address, type 1 by key (already ascending) */
    if (g->huge_direct)
        qsort(h, n, sizeof *h, cmp_huge_addr);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = recs + i * rs;
        c5_put_le(p, h[i].addr, f->osz);
        c5_put_le(p + f->osz, h[i].len, f->lsz);
        if (!g->huge_direct)
            c5_put_le(p + f->osz + f->lsz, h[i].key, f->lsz);
    }
    int rc = c5_bt2_write(f, g->huge_direct ? 3 : 1, rs, recs, n, C5_BT2_DENSE_NODE_SIZE,
                          C5_BT2_SPLIT_PCT, C5_BT2_MERGE_PCT, addr);
    c5_free(f, recs);
    return rc;
}

/* ---- entry point --------------------------------------------------------- */

int c5_fheap_write(c5_file *f, const c5_fheap_params *p, size_t n, const uint8_t *const *objs,
                   const size_t *lens, uint8_t *ids, uint64_t *addr)
{
    if (!f || !p || !addr || (n && (!objs || !lens || !ids)))
        return C5_EINVAL;
    *addr = C5_UNDEF;
    geo g;
    int rc = setup(&g, f, p);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (lens[i] == 0 || !objs[i])
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "fractal heap writer: empty object %zu", i);

    const size_t hsize = 22 + 12u * (size_t)f->lsz + 3u * (size_t)f->osz;
    if ((rc = c5_space_alloc(f, hsize + 4, &g.hdr_addr)))
        return rc;

    placer pl = {.g = &g, .blocks = {.esz = sizeof(dblk)}};
    c5_vec huge = {.esz = sizeof(huge_rec)};
    uint64_t huge_bytes = 0, tiny_bytes = 0, tiny_n = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint8_t *id = ids + i * g.id_len;
        size_t len = lens[i];
        if (len > p->max_man_size) {
            huge_rec h = {C5_UNDEF, len, huge.n + 1};
            if (!g.huge_direct && g.huge_id_size < 8 && h.key >= ((uint64_t)1 << (8 * g.huge_id_size)) - 1) {
                rc = c5_fail(f, C5_ELIMIT, C5_UNDEF, "fractal heap writer: too many huge objects");
                break;
            }
            if ((rc = c5_space_alloc(f, len, &h.addr)) || (rc = c5_write(f, h.addr, objs[i], len)) ||
                (rc = c5_vec_push(f, &huge, &h)))
                break;
            memset(id, 0, g.id_len);
            id[0] = 0x10; /* version 0, huge */
            if (g.huge_direct) {
                c5_put_le(id + 1, h.addr, f->osz);
                c5_put_le(id + 1 + f->osz, len, f->lsz);
            } else {
                c5_put_le(id + 1, h.key, g.huge_id_size);
            }
            huge_bytes += len;
        } else if (len <= g.tiny_max) {
            memset(id, 0, g.id_len);
            if (!g.tiny_ext) {
                id[0] = (uint8_t)(0x20 | ((len - 1) & 0x0F));
                memcpy(id + 1, objs[i], len);
            } else {
                id[0] = (uint8_t)(0x20 | (((len - 1) >> 8) & 0x0F));
                id[1] = (uint8_t)((len - 1) & 0xFF);
                memcpy(id + 2, objs[i], len);
            }
            tiny_bytes += len;
            tiny_n++;
        } else {
            rc = place(&pl, objs[i], len, id);
        }
    }
    if (!rc)
        rc = close_block(&pl);

    uint64_t huge_bt2 = C5_UNDEF;
    if (!rc && huge.n)
        rc = write_huge_tree(&g, huge.v, huge.n, &huge_bt2);

    /* The root: none, the single starting-size direct block, or an
     * indirect block grown like libhdf5 grows it. */
    uint64_t root = C5_UNDEF, man_size = 0, iter = 0, alloc = 0, free_space = 0;
    unsigned root_rows = 0;
    const dblk *blocks = pl.blocks.v;
    const size_t nb = pl.blocks.n;
    for (size_t i = 0; i < nb; i++)
        alloc += blocks[i].size;
    if (!rc && nb == 1 && blocks[0].off == 0 && blocks[0].size == p->start_block) {
        root = blocks[0].addr;
        man_size = p->start_block;
        free_space = p->start_block - g.overhead - pl.man_bytes;
    } else if (!rc && nb) {
        const dblk *last = &blocks[nb - 1];
        unsigned need = row_of(&g, last->off) + 1;
        unsigned rows = p->start_root_rows ? p->start_root_rows : g.max_root_rows;
        while (rows < need)
            rows = 2 * rows < g.max_root_rows ? 2 * rows : g.max_root_rows;
        if (need > g.max_root_rows || !row_start(&g, rows, &man_size)) {
            rc = c5_fail(f, C5_ELIMIT, C5_UNDEF, "fractal heap writer: heap too large");
        } else {
            size_t bi = 0;
            root_rows = rows;
            iter = last->off + last->size;
            free_space = span_free(&g, rows) - pl.man_bytes;
            rc = write_iblock(&g, blocks, nb, &bi, 0, rows, 0, &root);
            if (!rc && bi != nb)
                rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                             "fractal heap writer: %zu direct blocks outside the root", nb - bi);
        }
    }

    if (!rc) {
        c5_wr w;
        c5_wr_init(&w, f);
        c5_wr_sig(&w, "FRHP");
        c5_wr_u8(&w, 0);
        c5_wr_u16(&w, g.id_len);
        c5_wr_u16(&w, 0);
        c5_wr_u8(&w, p->checksum_dblocks ? 0x02 : 0x00);
        c5_wr_u32(&w, p->max_man_size);
        c5_wr_len(&w, g.huge_direct ? 0 : huge.n);
        c5_wr_addr(&w, huge_bt2);
        c5_wr_len(&w, free_space);
        c5_wr_addr(&w, C5_UNDEF);
        c5_wr_len(&w, man_size);
        c5_wr_len(&w, alloc);
        c5_wr_len(&w, iter);
        c5_wr_len(&w, pl.man_n);
        c5_wr_len(&w, huge_bytes);
        c5_wr_len(&w, huge.n);
        c5_wr_len(&w, tiny_bytes);
        c5_wr_len(&w, tiny_n);
        c5_wr_u16(&w, p->width);
        c5_wr_len(&w, p->start_block);
        c5_wr_len(&w, p->max_direct);
        c5_wr_u16(&w, p->max_heap_bits);
        c5_wr_u16(&w, p->start_root_rows);
        c5_wr_addr(&w, root);
        c5_wr_u16(&w, root_rows);
        c5_wr_sum(&w, 0);
        if (w.err)
            rc = c5_fail(f, w.err, g.hdr_addr, "fractal heap writer: cannot encode the header");
        else if (w.n != hsize + 4)
            rc = c5_fail(f, C5_EINVAL, g.hdr_addr, "fractal heap writer: header size mismatch");
        else
            rc = c5_write(f, g.hdr_addr, w.buf, w.n);
        c5_wr_free(&w);
    }
    c5_free(f, pl.buf);
    c5_vec_free(f, &pl.blocks);
    c5_vec_free(f, &huge);
    if (!rc)
        *addr = g.hdr_addr;
    return rc;
}
