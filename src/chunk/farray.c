/* Fixed array chunk index (spec Appendix C, VII.C "The Fixed Array Index").
 * One element per chunk of the maximum extent; element i is the chunk whose
 * scaled coordinates linearise to i over the maximum grid (last dimension
 * fastest).
 *
 * Header "FAHD" (checksummed):
 *   0   4  signature          4  1 version (0)     5  1 client id (0 plain,
 *   6   1  element size       7  1 page bits            1 filtered)
 *   8   L  number of elements
 *   8+L O  data block address (undefined: nothing allocated yet)
 *   ..  4  checksum
 * Data block "FADB":
 *   0   4  signature, 4 version, 5 client id, 6 header address (O)
 *   ..     not paged (elements <= 2^page bits): elements, checksum
 *          paged: page bitmap (ceil(pages / 8) bytes, most significant bit
 *          first), checksum; then the pages, back to back, each
 *          page_elements x element size + checksum (the last page holds
 *          the remainder).
 * Elements: address (O) for plain chunks; address, chunk size (N bytes,
 * N from the chunk byte size, see c5_cidx_size_len) and a 4-byte filter
 * mask for filtered chunks. An undefined address is an unallocated chunk.
 */
#include "index.h"

#define FA_MAX_PAGE_BITS 32

typedef struct fa_st {
    uint64_t hdr_addr;
    bool filtered;
    unsigned esize;
    uint64_t nelmts;
    uint64_t dblk;            /* data block address or C5_UNDEF */
    uint64_t page_n;          /* elements per page */
    uint64_t npages;          /* 0: not paged */
    uint64_t prefix;          /* data block bytes before the elements/pages */
    const uint8_t *db;        /* verified data block (cached by the handle) */
} fa_st;

static int fa_open(c5_chunk_index *ix)
{
    c5_file *f = ix->f;
    const char *what = "fixed array header";
    uint64_t addr = ix->l->addr;
    fa_st *st = c5_calloc(f, 1, sizeof *st);
    if (!st)
        return c5_fail(f, C5_ENOMEM, addr, "%s: out of memory", what);
    ix->st = st;
    st->hdr_addr = addr;
    st->dblk = C5_UNDEF;
    if (addr == C5_UNDEF)
        return 0;
    uint64_t max_n = 1;
    for (int i = 0; i < ix->rank; i++)
        if (ix->max_grid[i] == UINT64_MAX || c5_mul_ovf(max_n, ix->max_grid[i], &max_n))
            return c5_fail(f, C5_ECORRUPT, addr, "%s: dataset has no fixed maximum extent", what);

    const uint8_t *b;
    uint64_t hlen = 8 + (uint64_t)f->lsz + f->osz + 4;
    int rc = c5_cidx_block(ix, addr, hlen, what, &b);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, b, (size_t)hlen - 4, addr, what);
    bool sig = c5_rd_sig(&r, "FAHD");
    unsigned ver = c5_rd_u8(&r), cid = c5_rd_u8(&r);
    st->esize = c5_rd_u8(&r);
    unsigned pbits = c5_rd_u8(&r);
    st->nelmts = c5_rd_len(&r);
    st->dblk = c5_rd_addr(&r);
    if ((rc = c5_rd_status(&r)))
        return rc;
    if ((rc = c5_cidx_array_header(ix, addr, what, sig, ver, cid, st->esize, &st->filtered)))
        return rc;
    if (pbits == 0 || pbits > FA_MAX_PAGE_BITS)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: page bits %u", what, pbits);
    if (st->nelmts == C5_UNDEF || st->nelmts < max_n)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: %llu elements for %llu chunks", what,
                       (unsigned long long)st->nelmts, (unsigned long long)max_n);
    st->page_n = 1ull << pbits;
    st->prefix = 6 + (uint64_t)f->osz;
    if (st->nelmts > st->page_n) {
        st->npages = st->nelmts / st->page_n + (st->nelmts % st->page_n != 0);
        st->prefix += (st->npages + 7) / 8;
    }
    return 0;
}

static void fa_close(c5_chunk_index *ix)
{
    c5_free(ix->f, ix->st);
}

/* The data block: its prefix (and bitmap) when paged, else everything. */
static int fa_dblock(c5_chunk_index *ix, fa_st *st)
{
    if (st->db)
        return 0;
    c5_file *f = ix->f;
    const char *what = "fixed array data block";
    uint64_t len = st->prefix + 4;
    if (!st->npages) {
        uint64_t el;
        if (c5_mul_ovf(st->nelmts, st->esize, &el) || c5_add_ovf(len, el, &len))
            return c5_fail(f, C5_ECORRUPT, st->dblk, "%s: too large", what);
    }
    const uint8_t *b;
    int rc = c5_cidx_block(ix, st->dblk, len, what, &b);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, b, 6 + f->osz, st->dblk, what);
    bool sig = c5_rd_sig(&r, "FADB");
    unsigned ver = c5_rd_u8(&r), cid = c5_rd_u8(&r);
    uint64_t owner = c5_rd_addr(&r);
    if ((rc = c5_rd_status(&r)))
        return rc;
    if (!sig || ver != 0 || (int)cid != st->filtered || owner != st->hdr_addr)
        return c5_fail(f, C5_ECORRUPT, st->dblk, "%s: bad signature, version, client or owner",
                       what);
    st->db = b;
    return 0;
}

/* Pointer to element i, or NULL (with *rc 0) when its page is absent. */
static const uint8_t *fa_elem_ptr(c5_chunk_index *ix, fa_st *st, uint64_t i, int *rc)
{
    if ((*rc = fa_dblock(ix, st)))
        return NULL;
    if (!st->npages)
        return st->db + st->prefix + i * st->esize;
    uint64_t p = i / st->page_n;
    if (!(st->db[6 + ix->f->osz + p / 8] & (0x80u >> (p % 8))))
        return NULL;
    uint64_t full = st->page_n * st->esize + 4;
    uint64_t nin = p + 1 == st->npages ? st->nelmts - p * st->page_n : st->page_n;
    /* npages * full bytes fit: nelmts * esize did not overflow in open */
    uint64_t paddr;
    if (c5_mul_ovf(p, full, &paddr) || c5_add_ovf(paddr, st->dblk + st->prefix + 4, &paddr)) {
        *rc = c5_fail(ix->f, C5_ECORRUPT, st->dblk, "fixed array page: address overflow");
        return NULL;
    }
    const uint8_t *pg;
    if ((*rc = c5_cidx_block(ix, paddr, nin * st->esize + 4, "fixed array data block page", &pg)))
        return NULL;
    return pg + (i % st->page_n) * st->esize;
}

static int fa_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out)
{
    fa_st *st = ix->st;
    if (st->dblk == C5_UNDEF)
        return C5_ENOTFOUND;
    uint64_t i;
    int rc = c5_cidx_linear(ix->rank, NULL, ix->max_grid, scaled, &i);
    if (rc)
        return rc == C5_ENOTFOUND ? rc : c5_fail(ix->f, rc, st->hdr_addr, "fixed array: overflow");
    const uint8_t *p = fa_elem_ptr(ix, st, i, &rc);
    if (!p)
        return rc ? rc : C5_ENOTFOUND;
    return c5_cidx_elem(ix, p, st->filtered, out);
}

static int fa_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud)
{
    fa_st *st = ix->st;
    if (st->dblk == C5_UNDEF)
        return 0;
    uint64_t max_n = 1;
    for (int i = 0; i < ix->rank; i++)
        max_n *= ix->max_grid[i]; /* checked in fa_open */
    c5_chunk_rec rec;
    memset(&rec, 0, sizeof rec);
    for (uint64_t i = 0; i < max_n; i++) {
        int rc;
        const uint8_t *p = fa_elem_ptr(ix, st, i, &rc);
        if (!p) {
            if (rc)
                return rc;
            i = (i / st->page_n + 1) * st->page_n - 1; /* skip the absent page */
            continue;
        }
        if (c5_cidx_elem(ix, p, st->filtered, &rec) != 0)
            continue;
        c5_cidx_unlinear(ix->rank, NULL, ix->max_grid, i, rec.scaled);
        if ((rc = cb(ud, &rec)))
            return rc;
    }
    return 0;
}

const c5_cidx_ops c5_cidx_farray_ops = {"fixed array", fa_open, fa_close, fa_lookup, fa_iterate};
