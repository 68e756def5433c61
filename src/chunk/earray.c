/* Extensible array chunk index (spec Appendix C, VII.D "The Extensible
 * Array Index"), used when exactly one dimension is unlimited.
 *
 * Element i is the chunk whose scaled coordinates linearise to i with the
 * unlimited dimension moved first (slowest) and the others in order,
 * over the grid of the maximum dimensions ("swizzled" order in libhdf5).
 *
 * Header "EAHD" (checksummed):
 *   0  4 signature   4 1 version (0)   5 1 client id (0 plain, 1 filtered)
 *   6  1 element size                  7 1 max elements bits (B)
 *   8  1 index block elements (I)      9 1 data block min elements (M)
 *   10 1 super block min data block pointers (P)
 *   11 1 data block page elements bits
 *   12 6 x L statistics (super blocks, their size, data blocks, their
 *        size, max index set, elements realised)
 *   .. O index block address          .. 4 checksum
 * Index block "EAIB": sig, version, client, header address (O), I elements,
 *   2(P-1) data block addresses, (S - 2 log2 P) super block addresses, sum.
 * Super block "EASB": sig, version, client, header address, block offset
 *   (ceil(B/8) bytes), page bitmaps (one per data block, when its data
 *   blocks are paged), data block addresses, checksum.
 * Data block "EADB": sig, version, client, header address, block offset,
 *   elements and checksum; when paged only the checksum, then the pages
 *   (page elements x element size + checksum each) follow the block.
 *
 * Super block k (k = 0 .. S-1, S = 1 + B - log2 M) has 2^floor(k/2) data
 * blocks of M * 2^ceil(k/2) elements; elements past the I in the index
 * block fill super blocks in order. The first 2 log2 P super blocks have
 * no block of their own: their data block addresses sit in the index
 * block. Elements as in the fixed array (address [, size, mask]).
 */
#include "index.h"

#define EA_MAX_SBLKS 64

typedef struct ea_sblk {
    uint64_t ndblks;       /* data blocks */
    uint64_t dblk_n;       /* elements per data block */
    uint64_t start;        /* first element (after the index block's) */
    uint64_t start_dblk;   /* index of its first data block, overall */
} ea_sblk;

typedef struct ea_st {
    uint64_t hdr_addr;
    bool filtered;
    unsigned esize;
    unsigned max_bits, iblk_n, dblk_min, sblk_min_ptrs, page_bits;
    unsigned arr_off;      /* bytes of a block offset */
    unsigned nsblks;       /* super blocks in all */
    unsigned ib_sblks;     /* super blocks whose data blocks the index block holds */
    uint64_t ib_ndblk;     /* data block addresses in the index block */
    uint64_t page_n;
    uint64_t iblk;         /* index block address or C5_UNDEF */
    int perm[C5_MAX_RANK]; /* dimension order, unlimited first */
    ea_sblk sb[EA_MAX_SBLKS];
    const uint8_t *ib;     /* verified index block */
} ea_st;

static unsigned log2_exact(uint64_t v)
{
    unsigned r = 0;
    while (v > 1) {
        v >>= 1;
        r++;
    }
    return r;
}

static int ea_open(c5_chunk_index *ix)
{
    c5_file *f = ix->f;
    const char *what = "extensible array header";
    uint64_t addr = ix->l->addr;
    ea_st *st = c5_calloc(f, 1, sizeof *st);
    if (!st)
        return c5_fail(f, C5_ENOMEM, addr, "%s: out of memory", what);
    ix->st = st;
    st->hdr_addr = addr;
    st->iblk = C5_UNDEF;
    int unlim = -1;
    for (int i = 0; i < ix->rank; i++) {
        if (ix->max_grid[i] != UINT64_MAX)
            continue;
        if (unlim >= 0)
            return c5_fail(f, C5_ECORRUPT, addr,
                           "extensible array index for several unlimited dimensions");
        unlim = i;
    }
    if (unlim < 0)
        return c5_fail(f, C5_ECORRUPT, addr,
                       "extensible array index for a dataset without an unlimited dimension");
    st->perm[0] = unlim;
    for (int i = 0, k = 1; i < ix->rank; i++)
        if (i != unlim)
            st->perm[k++] = i;
    if (addr == C5_UNDEF)
        return 0;

    const uint8_t *b;
    uint64_t hlen = 12 + 6 * (uint64_t)f->lsz + f->osz + 4;
    int rc = c5_cidx_block(ix, addr, hlen, what, &b);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, b, (size_t)hlen - 4, addr, what);
    bool sig = c5_rd_sig(&r, "EAHD");
    unsigned ver = c5_rd_u8(&r), cid = c5_rd_u8(&r);
    st->esize = c5_rd_u8(&r);
    st->max_bits = c5_rd_u8(&r);
    st->iblk_n = c5_rd_u8(&r);
    st->dblk_min = c5_rd_u8(&r);
    st->sblk_min_ptrs = c5_rd_u8(&r);
    st->page_bits = c5_rd_u8(&r);
    c5_rd_skip(&r, 6 * (size_t)f->lsz); /* statistics: nothing to trust */
    st->iblk = c5_rd_addr(&r);
    if ((rc = c5_rd_status(&r)))
        return rc;
    if ((rc = c5_cidx_array_header(ix, addr, what, sig, ver, cid, st->esize, &st->filtered)))
        return rc;
    /* Powers of two make the super block layout exact; the bounds keep
     * every count below 2^63. */
    unsigned lgm = log2_exact(st->dblk_min), lgp = log2_exact(st->sblk_min_ptrs);
    if (st->dblk_min == 0 || (1u << lgm) != st->dblk_min || st->sblk_min_ptrs == 0 ||
        (1u << lgp) != st->sblk_min_ptrs || st->max_bits == 0 || st->max_bits > 62 ||
        lgm > st->max_bits || st->page_bits == 0 || st->page_bits > 32)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: bad creation parameters", what);
    st->nsblks = 1 + st->max_bits - lgm;
    st->ib_sblks = 2 * lgp;
    if (st->nsblks > EA_MAX_SBLKS || st->ib_sblks > st->nsblks)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: bad creation parameters", what);
    st->ib_ndblk = 2 * ((uint64_t)st->sblk_min_ptrs - 1);
    st->arr_off = (st->max_bits + 7) / 8;
    st->page_n = 1ull << st->page_bits;
    uint64_t start = 0, start_dblk = 0;
    for (unsigned k = 0; k < st->nsblks; k++) {
        st->sb[k].ndblks = 1ull << (k / 2);
        st->sb[k].dblk_n = (uint64_t)st->dblk_min << ((k + 1) / 2);
        st->sb[k].start = start;
        st->sb[k].start_dblk = start_dblk;
        start += st->sb[k].ndblks * st->sb[k].dblk_n;
        start_dblk += st->sb[k].ndblks;
    }
    return 0;
}

static void ea_close(c5_chunk_index *ix)
{
    c5_free(ix->f, ix->st);
}

/* Check the common prefix of an index, super or data block. */
static int ea_prefix(c5_chunk_index *ix, ea_st *st, const uint8_t *b, uint64_t addr,
                     const char *sigstr, const char *what)
{
    c5_rd r;
    c5_rd_init(&r, ix->f, b, 6 + ix->f->osz, addr, what);
    bool sig = c5_rd_sig(&r, sigstr);
    unsigned ver = c5_rd_u8(&r), cid = c5_rd_u8(&r);
    uint64_t owner = c5_rd_addr(&r);
    int rc = c5_rd_status(&r);
    if (rc)
        return rc;
    if (!sig || ver != 0 || (int)cid != st->filtered || owner != st->hdr_addr)
        return c5_fail(ix->f, C5_ECORRUPT, addr, "%s: bad signature, version, client or owner",
                       what);
    return 0;
}

static int ea_iblock(c5_chunk_index *ix, ea_st *st)
{
    if (st->ib)
        return 0;
    c5_file *f = ix->f;
    const char *what = "extensible array index block";
    uint64_t len = 6 + (uint64_t)f->osz + (uint64_t)st->iblk_n * st->esize +
                   (st->ib_ndblk + (st->nsblks - st->ib_sblks)) * f->osz + 4;
    const uint8_t *b;
    int rc = c5_cidx_block(ix, st->iblk, len, what, &b);
    if (rc || (rc = ea_prefix(ix, st, b, st->iblk, "EAIB", what)))
        return rc;
    st->ib = b;
    return 0;
}

static uint64_t get_addr(const c5_file *f, const uint8_t *p)
{
    uint64_t a = c5_le(p, f->osz);
    if (f->osz < 8 && a == (1ull << (8 * f->osz)) - 1)
        a = C5_UNDEF;
    return a;
}

/* Bytes of a super block's page bitmap per data block (0: not paged). */
static uint64_t sb_pages(const ea_st *st, unsigned k)
{
    return st->sb[k].dblk_n > st->page_n ? st->sb[k].dblk_n / st->page_n : 0;
}

/* A super block: returns its bytes; *bitmap and *addrs point into it. */
static int ea_sblock(c5_chunk_index *ix, ea_st *st, unsigned k, uint64_t addr,
                     const uint8_t **bitmap, const uint8_t **addrs)
{
    c5_file *f = ix->f;
    const char *what = "extensible array super block";
    uint64_t np = sb_pages(st, k);
    uint64_t bm = np ? st->sb[k].ndblks * ((np + 7) / 8) : 0;
    uint64_t hdr = 6 + (uint64_t)f->osz + st->arr_off;
    uint64_t len = hdr + bm + st->sb[k].ndblks * f->osz + 4;
    const uint8_t *b;
    int rc = c5_cidx_block(ix, addr, len, what, &b);
    if (rc || (rc = ea_prefix(ix, st, b, addr, "EASB", what)))
        return rc;
    *bitmap = b + hdr;
    *addrs = b + hdr + bm;
    return 0;
}

/* Elements of an unpaged data block of n elements. */
static int ea_dblock(c5_chunk_index *ix, ea_st *st, uint64_t addr, uint64_t n,
                     const uint8_t **elems)
{
    c5_file *f = ix->f;
    const char *what = "extensible array data block";
    uint64_t hdr = 6 + (uint64_t)f->osz + st->arr_off;
    uint64_t len = hdr + n * st->esize + 4; /* n < 2^62, esize < 256: no overflow */
    if (n > (1ull << 40))
        return c5_fail(f, C5_ECORRUPT, addr, "%s: too large", what);
    const uint8_t *b;
    int rc = c5_cidx_block(ix, addr, len, what, &b);
    if (rc || (rc = ea_prefix(ix, st, b, addr, "EADB", what)))
        return rc;
    *elems = b + hdr;
    return 0;
}

/* Page pg of the paged data block at addr. */
static int ea_page(c5_chunk_index *ix, ea_st *st, uint64_t dblk, uint64_t pg, const uint8_t **elems)
{
    c5_file *f = ix->f;
    uint64_t full = st->page_n * st->esize + 4;
    uint64_t off, a;
    if (c5_mul_ovf(pg, full, &off) ||
        c5_add_ovf(off, dblk + 6 + f->osz + st->arr_off + 4, &a))
        return c5_fail(f, C5_ECORRUPT, dblk, "extensible array data block page: overflow");
    return c5_cidx_block(ix, a, full, "extensible array data block page", elems);
}

static int bit_set(const uint8_t *bm, uint64_t i)
{
    return (bm[i / 8] >> (7 - i % 8)) & 1;
}

/* Pointer to element i, or NULL with *rc 0 when it was never allocated. */
static const uint8_t *ea_elem_ptr(c5_chunk_index *ix, ea_st *st, uint64_t i, int *rc)
{
    c5_file *f = ix->f;
    *rc = 0;
    if (st->iblk == C5_UNDEF)
        return NULL;
    if ((*rc = ea_iblock(ix, st)))
        return NULL;
    const uint8_t *ib = st->ib + 6 + f->osz;
    if (i < st->iblk_n)
        return ib + i * st->esize;
    uint64_t j = i - st->iblk_n;
    unsigned k = log2_exact(j / st->dblk_min + 1);
    if (k >= st->nsblks)
        return NULL;
    uint64_t e = j - st->sb[k].start;
    uint64_t n = st->sb[k].dblk_n;
    const uint8_t *dptrs = ib + (uint64_t)st->iblk_n * st->esize;
    if (k < st->ib_sblks) {
        uint64_t a = get_addr(f, dptrs + (st->sb[k].start_dblk + e / n) * f->osz);
        if (a == C5_UNDEF)
            return NULL;
        if (sb_pages(st, k)) {
            /* libhdf5 never pages these: there is no bitmap to consult */
            *rc = c5_fail(f, C5_EUNSUPPORTED, a, "extensible array: paged data block in the index block");
            return NULL;
        }
        const uint8_t *el;
        if ((*rc = ea_dblock(ix, st, a, n, &el)))
            return NULL;
        return el + (e % n) * st->esize;
    }
    uint64_t sa = get_addr(f, dptrs + (st->ib_ndblk + (k - st->ib_sblks)) * f->osz);
    if (sa == C5_UNDEF)
        return NULL;
    const uint8_t *bm, *addrs;
    if ((*rc = ea_sblock(ix, st, k, sa, &bm, &addrs)))
        return NULL;
    uint64_t d = e / n;
    uint64_t da = get_addr(f, addrs + d * f->osz);
    if (da == C5_UNDEF)
        return NULL;
    e %= n;
    uint64_t np = sb_pages(st, k);
    const uint8_t *el;
    if (!np) {
        if ((*rc = ea_dblock(ix, st, da, n, &el)))
            return NULL;
        return el + e * st->esize;
    }
    uint64_t pg = e / st->page_n;
    /* libhdf5 numbers the page bits across the super block's bitmaps */
    if (!bit_set(bm, d * np + pg))
        return NULL;
    if ((*rc = ea_page(ix, st, da, pg, &el)))
        return NULL;
    return el + (e % st->page_n) * st->esize;
}

static int ea_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    ea_st *st = ix->st;
    if (st->iblk == C5_UNDEF)
        return C5_ENOTFOUND;
    uint64_t i;
    int rc = c5_cidx_linear(ix->rank, st->perm, ix->max_grid, scaled, &i);
    if (rc) /* outside the grid, or past 2^64 elements: cannot be stored */
        return C5_ENOTFOUND;
    const uint8_t *p = ea_elem_ptr(ix, st, i, &rc);
    if (!p)
        return rc ? rc : C5_ENOTFOUND;
    return c5_cidx_elem(ix, p, st->filtered, out);
}

typedef struct ea_iter {
    c5_chunk_index *ix;
    ea_st *st;
    c5_chunk_cb cb;
    void *ud;
    c5_chunk_rec rec;
} ea_iter;

/* Report elements [0, n) at p, the first being element index base. */
static int ea_emit(ea_iter *it, const uint8_t *p, uint64_t n, uint64_t base)
{
    for (uint64_t i = 0; i < n; i++) {
        if (c5_cidx_elem(it->ix, p + i * it->st->esize, it->st->filtered, &it->rec) != 0)
            continue;
        /* An element past the fixed dimensions' grid cannot be addressed
         * by any chunk: the index is corrupt. */
        if (c5_cidx_unlinear(it->ix->rank, it->st->perm, it->ix->max_grid, base + i,
                             it->rec.scaled))
            return c5_fail(it->ix->f, C5_ECORRUPT, it->st->hdr_addr,
                           "extensible array: element %llu outside the chunk grid",
                           (unsigned long long)(base + i));
        int rc = it->cb(it->ud, &it->rec);
        if (rc)
            return rc;
    }
    return 0;
}

static int ea_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    ea_st *st = ix->st;
    c5_file *f = ix->f;
    if (st->iblk == C5_UNDEF)
        return 0;
    int rc = ea_iblock(ix, st);
    if (rc)
        return rc;
    ea_iter it = {ix, st, cb, ud, {0}};
    const uint8_t *ib = st->ib + 6 + f->osz;
    if ((rc = ea_emit(&it, ib, st->iblk_n, 0)))
        return rc;
    const uint8_t *dptrs = ib + (uint64_t)st->iblk_n * st->esize;
    for (unsigned k = 0; k < st->nsblks; k++) {
        uint64_t n = st->sb[k].dblk_n;
        uint64_t base = st->iblk_n + st->sb[k].start;
        uint64_t np = sb_pages(st, k);
        const uint8_t *bm = NULL, *addrs;
        if (k < st->ib_sblks) {
            addrs = dptrs + st->sb[k].start_dblk * f->osz;
            if (np) {
                for (uint64_t d = 0; d < st->sb[k].ndblks; d++)
                    if (get_addr(f, addrs + d * f->osz) != C5_UNDEF)
                        return c5_fail(f, C5_EUNSUPPORTED, st->iblk,
                                       "extensible array: paged data block in the index block");
                continue;
            }
        } else {
            uint64_t sa = get_addr(f, dptrs + (st->ib_ndblk + (k - st->ib_sblks)) * f->osz);
            if (sa == C5_UNDEF)
                continue;
            if ((rc = ea_sblock(ix, st, k, sa, &bm, &addrs)))
                return rc;
        }
        for (uint64_t d = 0; d < st->sb[k].ndblks; d++) {
            uint64_t da = get_addr(f, addrs + d * f->osz);
            if (da == C5_UNDEF)
                continue;
            const uint8_t *el;
            if (!np) {
                if ((rc = ea_dblock(ix, st, da, n, &el)) ||
                    (rc = ea_emit(&it, el, n, base + d * n)))
                    return rc;
                continue;
            }
            for (uint64_t pg = 0; pg < np; pg++) {
                if (!bit_set(bm, d * np + pg))
                    continue;
                if ((rc = ea_page(ix, st, da, pg, &el)) ||
                    (rc = ea_emit(&it, el, st->page_n, base + d * n + pg * st->page_n)))
                    return rc;
            }
        }
    }
    return 0;
}

const c5_cidx_ops c5_cidx_earray_ops = {"extensible array", ea_open, ea_close, ea_lookup,
                                        ea_iterate};
