/* Writing the extensible array chunk index (spec Appendix C, VII.D "The
 * Extensible Array Index"; reader in earray.c), used when exactly one
 * dimension is unlimited. Element i is the chunk whose scaled coordinates
 * linearise to i with the unlimited dimension moved first and the others
 * in order, over the max-dims chunk grid.
 *
 * Header "EAHD" (12 + 6 L + O + 4 bytes):
 *   0  4 signature   4 1 version (0)   5 1 client id (0 plain, 1 filtered)
 *   6  1 element size                  7 1 max elements bits (B)
 *   8  1 index block elements (I)      9 1 data block min elements (M)
 *   10 1 super block min data block pointers (P)
 *   11 1 data block page bits
 *   12 L super blocks created          .. L their total size
 *   .. L data blocks created           .. L their total size
 *   .. L max index set + 1             .. L elements realised (I plus the
 *                                           elements of every data block)
 *   .. O index block address           .. 4 checksum
 * Index block "EAIB": sig, version, client, header address (O), I
 *   elements, 2(P-1) data block addresses, S - 2 log2 P super block
 *   addresses, checksum.
 * Super block "EASB": sig, version, client, header address, block offset
 *   (ceil(B/8) bytes: the index of its first element after the index
 *   block's), page-init bitmaps (ceil(pages/8) bytes per data block, when
 *   its data blocks are paged; bit d * pages + page counts from the most
 *   significant bit of the first byte), data block addresses, checksum.
 * Data block "EADB": sig, version, client, header address, block offset,
 *   then elements and checksum; paged (more than 2^page bits elements):
 *   only the checksum, and the pages follow it (2^page bits elements +
 *   checksum each).
 *
 * Super block k (0 .. S-1, S = 1 + B - log2 M) has 2^floor(k/2) data blocks
 * of M 2^ceil(k/2) elements; the data blocks of the first 2 log2 P super
 * blocks are named by the index block directly. libhdf5 creates each block
 * (and page) when the first element in it is set; this writer creates
 * exactly the blocks that hold a chunk, so the statistics match what
 * libhdf5 would have counted after writing the same chunks.
 *
 * A data block named by the index block records as its block offset
 * start(k) + (index of the block among the index block's) x its elements,
 * which is what libhdf5 writes there (the field is never checked); data
 * blocks of super blocks record start(k) + d x elements.
 */
#include "index.h"
#include "chunkw.h"

#define EA_MAX_SBLKS 64
#define EA_RUN_BYTES (1u << 20)

typedef struct ea_w {
    c5_file *f;
    c5_cidx_wgeom wg;
    const c5_chunk_rec *recs;
    const uint64_t *ord;   /* pairs (element index, record number), sorted */
    size_t n, j;           /* records; next one to place */
    unsigned es, osz, arr_off;
    uint64_t hdr_addr;
    uint64_t page_n;
    uint8_t cid;
    uint64_t sb_ndblks[EA_MAX_SBLKS], sb_dblk_n[EA_MAX_SBLKS], sb_start[EA_MAX_SBLKS],
        sb_start_dblk[EA_MAX_SBLKS];
    /* statistics */
    uint64_t nsblks_made, sblk_bytes, ndblks_made, dblk_bytes, realised;
    c5_wr run;             /* consecutive pages waiting to be written */
    uint64_t run_addr;
} ea_w;

static unsigned log2_floor(uint64_t v)
{
    unsigned r = 0;
    while (v > 1) {
        v >>= 1;
        r++;
    }
    return r;
}

static int cmp_pair(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t cur_idx(const ea_w *s)
{
    return s->ord[2 * s->j];
}

static const c5_chunk_rec *cur_rec(const ea_w *s)
{
    return &s->recs[s->ord[2 * s->j + 1]];
}

/* Common block prefix: signature, version, client [, header address]. */
static void put_prefix(ea_w *s, c5_wr *w, const char *sig, bool owner)
{
    c5_wr_sig(w, sig);
    c5_wr_u8(w, 0);
    c5_wr_u8(w, s->cid);
    if (owner)
        c5_wr_addr(w, s->hdr_addr);
}

static int wr_done(ea_w *s, c5_wr *w, uint64_t addr, const char *what)
{
    int rc = w->err ? c5_fail(s->f, C5_ENOMEM, addr, "%s: out of memory", what)
                    : c5_write(s->f, addr, w->buf, w->n);
    c5_wr_free(w);
    return rc;
}

static int run_flush(ea_w *s)
{
    if (s->run.err)
        return c5_fail(s->f, C5_ENOMEM, s->run_addr, "extensible array page: out of memory");
    int rc = s->run.n ? c5_write(s->f, s->run_addr, s->run.buf, s->run.n) : 0;
    s->run.n = 0;
    return rc;
}

/* Elements [base, base + cnt) at el: fill, then the records that fall in
 * the range (the next ones in order). */
static void put_elems(ea_w *s, uint8_t *el, uint64_t base, uint64_t cnt)
{
    for (uint64_t e = 0; e < cnt; e++)
        c5_cidx_put_elem(s->f, &s->wg, el + e * s->es, NULL);
    /* unsigned: an index below base wraps and stops the loop */
    while (s->j < s->n && cur_idx(s) - base < cnt) {
        c5_cidx_put_elem(s->f, &s->wg, el + (cur_idx(s) - base) * s->es, cur_rec(s));
        s->j++;
    }
}

/* Write the data block of cnt elements whose first element has index
 * base, holding the next records; *daddr receives its address. For a
 * paged block, bm is its super block's bitmap and bit0 the bit of its
 * first page. */
static int dblock_write(ea_w *s, uint64_t block_off, uint64_t base, uint64_t cnt, uint8_t *bm,
                        uint64_t bit0, uint64_t *daddr)
{
    c5_file *f = s->f;
    const char *what = "extensible array data block";
    const uint64_t np = cnt > s->page_n ? cnt / s->page_n : 0;
    const uint64_t hdr = 6 + (uint64_t)s->osz + s->arr_off;
    /* cnt <= M 2^ceil(k/2) < 2^39 (M < 256, k < 64): no overflow */
    const uint64_t size = hdr + 4 + cnt * s->es + np * 4;
    int rc = c5_space_alloc(f, size, daddr);
    if (rc)
        return rc;
    s->ndblks_made++;
    s->dblk_bytes += size;
    s->realised += cnt;

    c5_wr w;
    c5_wr_init(&w, f);
    put_prefix(s, &w, "EADB", true);
    c5_wr_uint(&w, block_off, s->arr_off);
    if (!np) {
        uint8_t *el = c5_wr_space(&w, (size_t)(cnt * s->es));
        if (el)
            put_elems(s, el, base, cnt);
    }
    c5_wr_sum(&w, 0);
    if ((rc = wr_done(s, &w, *daddr, what)) || !np)
        return rc;

    const uint64_t full = s->page_n * s->es + 4;
    const uint64_t pages_at = *daddr + hdr + 4;
    uint64_t next_page = UINT64_MAX;
    while (s->j < s->n && cur_idx(s) - base < cnt) {
        uint64_t pg = (cur_idx(s) - base) / s->page_n;
        if (pg != next_page || s->run.n >= EA_RUN_BYTES) {
            if ((rc = run_flush(s)))
                return rc;
            s->run_addr = pages_at + pg * full;
        }
        size_t from = s->run.n;
        uint8_t *el = c5_wr_space(&s->run, (size_t)(s->page_n * s->es));
        if (!el)
            return run_flush(s);
        put_elems(s, el, base + pg * s->page_n, s->page_n);
        c5_wr_sum(&s->run, from);
        uint64_t bit = bit0 + pg;
        bm[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
        next_page = pg + 1;
    }
    return run_flush(s);
}

/* Super block k with the data blocks holding the next records; *saddr
 * receives its address. */
static int sblock_write(ea_w *s, unsigned k, uint64_t iblk_n, uint64_t *saddr)
{
    c5_file *f = s->f;
    const uint64_t nd = s->sb_ndblks[k], dn = s->sb_dblk_n[k];
    const uint64_t np = dn > s->page_n ? dn / s->page_n : 0;
    const uint64_t pis = np ? (np + 7) / 8 : 0;
    const uint64_t hdr = 6 + (uint64_t)s->osz + s->arr_off;
    const uint64_t size = hdr + nd * pis + nd * s->osz + 4;
    int rc = c5_space_alloc(f, size, saddr);
    if (rc)
        return rc;
    s->nsblks_made++;
    s->sblk_bytes += size;

    c5_wr w;
    c5_wr_init(&w, f);
    put_prefix(s, &w, "EASB", true);
    c5_wr_uint(&w, s->sb_start[k], s->arr_off);
    c5_wr_space(&w, (size_t)(nd * pis));
    uint8_t *dp = c5_wr_space(&w, (size_t)(nd * s->osz));
    if (!dp) {
        c5_wr_free(&w);
        return c5_fail(f, C5_ENOMEM, *saddr, "extensible array super block: out of memory");
    }
    for (uint64_t d = 0; d < nd; d++)
        c5_put_le(dp + d * s->osz, C5_UNDEF, s->osz);
    const uint64_t first = iblk_n + s->sb_start[k];
    while (s->j < s->n && cur_idx(s) - first < nd * dn) {
        uint64_t d = (cur_idx(s) - first) / dn, da;
        /* w.buf is stable: nothing more is appended until the checksum */
        uint8_t *bm = w.buf + hdr;
        if ((rc = dblock_write(s, s->sb_start[k] + d * dn, first + d * dn, dn, bm, d * np, &da))) {
            c5_wr_free(&w);
            return rc;
        }
        c5_put_le(w.buf + hdr + nd * pis + d * s->osz, da, s->osz);
    }
    c5_wr_sum(&w, 0);
    return wr_done(s, &w, *saddr, "extensible array super block");
}

int c5_earray_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                    const c5_ea_cparam *cp, uint64_t *addr)
{
    const char *what = "extensible array writer";
    *addr = C5_UNDEF;
    ea_w s;
    memset(&s, 0, sizeof s);
    s.f = f;
    int rc = c5_cidx_wgeom_init(f, g, &s.wg);
    if (rc || (rc = c5_cidx_check_recs(f, g, &s.wg, recs, n, what)))
        return rc;
    int perm[C5_MAX_RANK], unlim = -1;
    for (int i = 0; i < s.wg.rank; i++) {
        if (s.wg.max_grid[i] != UINT64_MAX)
            continue;
        if (unlim >= 0)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: several unlimited dimensions", what);
        unlim = i;
    }
    if (unlim < 0)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: no unlimited dimension", what);
    perm[0] = unlim;
    for (int i = 0, k = 1; i < s.wg.rank; i++)
        if (i != unlim)
            perm[k++] = i;

    /* The creation parameters must give the layout the reader expects:
     * powers of two, at most 2^62 elements, and no paged data block among
     * those the index block names (libhdf5 cannot page them). */
    if (!cp)
        return C5_EINVAL;
    unsigned lgm = log2_floor(cp->dblk_min_elmts), lgp = log2_floor(cp->sblk_min_ptrs);
    if (cp->dblk_min_elmts == 0 || (1u << lgm) != cp->dblk_min_elmts || cp->sblk_min_ptrs == 0 ||
        (1u << lgp) != cp->sblk_min_ptrs || cp->max_bits == 0 || cp->max_bits > 62 ||
        lgm > cp->max_bits || cp->page_bits == 0 || cp->page_bits > 32)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: bad creation parameters", what);
    const unsigned nsblks = 1 + cp->max_bits - lgm, ib_sblks = 2 * lgp;
    if (nsblks > EA_MAX_SBLKS || ib_sblks > nsblks)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: bad creation parameters", what);
    s.page_n = 1ull << cp->page_bits;
    uint64_t start = 0, start_dblk = 0;
    for (unsigned k = 0; k < nsblks; k++) {
        s.sb_ndblks[k] = 1ull << (k / 2);
        s.sb_dblk_n[k] = (uint64_t)cp->dblk_min_elmts << ((k + 1) / 2);
        s.sb_start[k] = start;
        s.sb_start_dblk[k] = start_dblk;
        start += s.sb_ndblks[k] * s.sb_dblk_n[k];
        start_dblk += s.sb_ndblks[k];
        if (k < ib_sblks && s.sb_dblk_n[k] > s.page_n)
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "%s: creation parameters page the index block's data blocks", what);
    }
    const uint64_t iblk_n = cp->iblk_elmts, capacity = iblk_n + start;
    const uint64_t ib_ndblk = 2 * ((uint64_t)cp->sblk_min_ptrs - 1);
    const uint64_t ib_nsblk = nsblks - ib_sblks;
    if (n == 0)
        return 0;

    /* element index of every record, in element order */
    if (n > SIZE_MAX / (2 * sizeof(uint64_t)))
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "%s: too many chunks", what);
    uint64_t *ord = c5_malloc(f, n * 2 * sizeof *ord);
    if (!ord)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "%s: out of memory", what);
    for (size_t i = 0; i < n; i++) {
        uint64_t idx;
        if (c5_cidx_linear(s.wg.rank, perm, s.wg.max_grid, recs[i].scaled, &idx) ||
            idx >= capacity) {
            c5_free(f, ord);
            return c5_fail(f, C5_ELIMIT, recs[i].addr,
                           "%s: chunk %zu lies past the array's %llu elements", what, i,
                           (unsigned long long)capacity);
        }
        ord[2 * i] = idx;
        ord[2 * i + 1] = i;
    }
    qsort(ord, n, 2 * sizeof *ord, cmp_pair);
    s.recs = recs;
    s.ord = ord;
    s.n = n;
    s.osz = f->osz;
    s.es = s.wg.esize;
    s.arr_off = (cp->max_bits + 7u) / 8u;
    s.cid = (uint8_t)s.wg.filtered;
    c5_wr_init(&s.run, f);

    /* libhdf5's order: header, index block, then blocks as they fill */
    const uint64_t hlen = 12 + 6 * (uint64_t)f->lsz + f->osz + 4;
    const uint64_t ib_off = 6 + (uint64_t)f->osz; /* elements start */
    const uint64_t ib_dp = ib_off + iblk_n * s.es;  /* data block addresses */
    const uint64_t ib_sp = ib_dp + ib_ndblk * f->osz; /* super block addresses */
    const uint64_t iblen = ib_sp + ib_nsblk * f->osz + 4;
    uint64_t iaddr = C5_UNDEF;
    c5_wr ib;
    c5_wr_init(&ib, f);
    if ((rc = c5_space_alloc(f, hlen, &s.hdr_addr)) || (rc = c5_space_alloc(f, iblen, &iaddr)))
        goto done;
    s.realised = iblk_n;
    put_prefix(&s, &ib, "EAIB", true);
    uint8_t *ie = c5_wr_space(&ib, (size_t)(iblen - 4 - ib_off));
    if (!ie) {
        rc = c5_fail(f, C5_ENOMEM, iaddr, "%s: out of memory", what);
        goto done;
    }
    put_elems(&s, ie, 0, iblk_n);
    for (uint64_t a = ib_dp; a < iblen - 4; a += f->osz)
        c5_put_le(ib.buf + a, C5_UNDEF, f->osz);

    while (s.j < n) {
        uint64_t j = cur_idx(&s) - iblk_n;
        unsigned k = log2_floor(j / cp->dblk_min_elmts + 1);
        if (k < ib_sblks) {
            uint64_t dn = s.sb_dblk_n[k];
            uint64_t d = (j - s.sb_start[k]) / dn;
            uint64_t di = s.sb_start_dblk[k] + d, da;
            if ((rc = dblock_write(&s, s.sb_start[k] + di * dn, iblk_n + s.sb_start[k] + d * dn, dn,
                                   NULL, 0, &da)))
                goto done;
            c5_put_le(ib.buf + ib_dp + di * f->osz, da, f->osz);
        } else {
            uint64_t sa;
            if ((rc = sblock_write(&s, k, iblk_n, &sa)))
                goto done;
            c5_put_le(ib.buf + ib_sp + (k - ib_sblks) * f->osz, sa, f->osz);
        }
    }
    c5_wr_sum(&ib, 0);
    if ((rc = wr_done(&s, &ib, iaddr, "extensible array index block")))
        goto done;

    c5_wr w;
    c5_wr_init(&w, f);
    put_prefix(&s, &w, "EAHD", false);
    c5_wr_u8(&w, s.es);
    c5_wr_u8(&w, cp->max_bits);
    c5_wr_u8(&w, cp->iblk_elmts);
    c5_wr_u8(&w, cp->dblk_min_elmts);
    c5_wr_u8(&w, cp->sblk_min_ptrs);
    c5_wr_u8(&w, cp->page_bits);
    c5_wr_len(&w, s.nsblks_made);
    c5_wr_len(&w, s.sblk_bytes);
    c5_wr_len(&w, s.ndblks_made);
    c5_wr_len(&w, s.dblk_bytes);
    c5_wr_len(&w, ord[2 * (n - 1)] + 1);
    c5_wr_len(&w, s.realised);
    c5_wr_addr(&w, iaddr);
    c5_wr_sum(&w, 0);
    if ((rc = wr_done(&s, &w, s.hdr_addr, "extensible array header")))
        goto done;
    *addr = s.hdr_addr;
done:
    c5_wr_free(&ib);
    c5_wr_free(&s.run);
    c5_free(f, ord);
    return rc;
}
