/* Writing the fixed array chunk index (spec Appendix C, VII.C "The Fixed
 * Array Index"; reader in farray.c). One element per chunk of the maximum
 * extent, element i being the chunk whose scaled coordinates linearise to
 * i over the max-dims chunk grid, last dimension fastest.
 *
 * Header "FAHD" (8 + L + O + 4 bytes):
 *   0   4  signature            4  1 version (0)
 *   5   1  client id (0 plain, 1 filtered)
 *   6   1  element size         7  1 page bits
 *   8   L  number of elements (chunks of the maximum extent)
 *   8+L O  data block address
 *   ..  4  checksum of the above
 * Data block "FADB":
 *   0   4  signature, 4 1 version, 5 1 client id, 6 O header address
 *   not paged (elements <= 2^page bits):
 *       elements, checksum of everything before
 *   paged: page-init bitmap (ceil(pages / 8) bytes, page 0 in the most
 *       significant bit of byte 0), checksum of the prefix; then the pages,
 *       back to back: 2^page bits elements + checksum each, the last page
 *       holding the remainder. A page whose bit is clear was never
 *       initialised: its bytes are not read and not written here.
 * Elements: address (O); filtered: address, chunk size (N bytes, see
 * c5_cidx_size_len) and filter mask (4). Unallocated chunks have the
 * undefined address (and size 0, mask 0).
 *
 * libhdf5 creates the header with the dataset's index and the data block
 * with the first chunk; the data block is sized for every page at once.
 */
#include "index.h"
#include "chunkw.h"

/* Writes of consecutive pages are gathered up to this many bytes. */
#define FA_RUN_BYTES (1u << 20)

typedef struct fa_run {
    c5_file *f;
    c5_wr w;
    uint64_t addr; /* file address of w's first byte */
} fa_run;

static int run_flush(fa_run *r)
{
    if (r->w.err)
        return c5_fail(r->f, r->w.err, r->addr, "fixed array data block: out of memory");
    int rc = r->w.n ? c5_write(r->f, r->addr, r->w.buf, r->w.n) : 0;
    r->w.n = 0;
    return rc;
}

int c5_farray_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                    unsigned page_bits, uint64_t *addr)
{
    const char *what = "fixed array writer";
    *addr = C5_UNDEF;
    c5_cidx_wgeom wg;
    int rc = c5_cidx_wgeom_init(f, g, &wg);
    if (rc || (rc = c5_cidx_check_recs(f, g, &wg, recs, n, what)))
        return rc;
    if (page_bits == 0 || page_bits > 32)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: page bits %u", what, page_bits);
    uint64_t nelmts = 1;
    for (int i = 0; i < wg.rank; i++)
        if (wg.max_grid[i] == UINT64_MAX || c5_mul_ovf(nelmts, wg.max_grid[i], &nelmts))
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: dataset has no fixed maximum extent",
                           what);
    if (n == 0)
        return 0;
    if (nelmts == 0)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: empty maximum extent", what);

    const unsigned osz = f->osz, es = wg.esize;
    const uint64_t page_n = 1ull << page_bits;
    const uint64_t npages = nelmts > page_n ? nelmts / page_n + (nelmts % page_n != 0) : 0;
    const uint64_t bm_len = npages ? (npages + 7) / 8 : 0;
    const uint64_t prefix = 6 + (uint64_t)osz + bm_len; /* before the prefix checksum */
    /* size: prefix, checksum, every element, one checksum per page */
    uint64_t dsize, el_bytes;
    if (c5_mul_ovf(nelmts, es, &el_bytes) || c5_add_ovf(prefix + 4, el_bytes, &dsize) ||
        c5_add_ovf(dsize, npages * 4, &dsize))
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "%s: data block too large", what);
    if (!npages && dsize > SIZE_MAX)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "%s: data block too large", what);
    if (bm_len > SIZE_MAX / 2)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "%s: page bitmap too large", what);

    uint64_t haddr, daddr;
    const uint64_t hlen = 8 + (uint64_t)f->lsz + osz + 4;
    if ((rc = c5_space_alloc(f, hlen, &haddr)) || (rc = c5_space_alloc(f, dsize, &daddr)))
        return rc;

    /* header */
    c5_wr w;
    c5_wr_init(&w, f);
    c5_wr_sig(&w, "FAHD");
    c5_wr_u8(&w, 0);
    c5_wr_u8(&w, (uint64_t)wg.filtered);
    c5_wr_u8(&w, es);
    c5_wr_u8(&w, page_bits);
    c5_wr_len(&w, nelmts);
    c5_wr_addr(&w, daddr);
    c5_wr_sum(&w, 0);
    if (w.err) {
        c5_wr_free(&w);
        return c5_fail(f, C5_ENOMEM, haddr, "%s: out of memory", what);
    }
    rc = c5_write(f, haddr, w.buf, w.n);
    c5_wr_free(&w);
    if (rc)
        return rc;

    /* data block prefix (and, unpaged, its elements) */
    c5_wr_init(&w, f);
    c5_wr_sig(&w, "FADB");
    c5_wr_u8(&w, 0);
    c5_wr_u8(&w, (uint64_t)wg.filtered);
    c5_wr_addr(&w, haddr);
    uint8_t *bm = c5_wr_space(&w, (size_t)bm_len);
    size_t i = 0;
    if (!npages) {
        uint8_t *el = c5_wr_space(&w, (size_t)el_bytes);
        if (el) {
            for (uint64_t e = 0; e < nelmts; e++)
                c5_cidx_put_elem(f, &wg, el + e * es, NULL);
            for (; i < n; i++) {
                uint64_t idx;
                c5_cidx_linear(wg.rank, NULL, wg.max_grid, recs[i].scaled, &idx); /* checked */
                c5_cidx_put_elem(f, &wg, el + idx * es, &recs[i]);
            }
        }
    } else if (bm) {
        /* sorted records give increasing linear indexes */
        for (; i < n; i++) {
            uint64_t idx, p;
            c5_cidx_linear(wg.rank, NULL, wg.max_grid, recs[i].scaled, &idx);
            p = idx / page_n;
            bm[p / 8] |= (uint8_t)(0x80u >> (p % 8));
        }
    }
    c5_wr_sum(&w, 0);
    if (w.err) {
        c5_wr_free(&w);
        return c5_fail(f, C5_ENOMEM, daddr, "%s: out of memory", what);
    }
    rc = c5_write(f, daddr, w.buf, w.n);
    c5_wr_free(&w);
    if (rc)
        return rc;
    if (!npages) {
        *addr = haddr;
        return 0;
    }

    /* the pages that hold a chunk, consecutive ones written together */
    const uint64_t full = page_n * es + 4;
    const uint64_t pages_at = daddr + prefix + 4;
    fa_run run = {f, {0}, C5_UNDEF};
    c5_wr_init(&run.w, f);
    uint64_t next_page = UINT64_MAX; /* page that would extend the run */
    for (size_t r = 0; r < n && !rc;) {
        uint64_t idx;
        c5_cidx_linear(wg.rank, NULL, wg.max_grid, recs[r].scaled, &idx);
        uint64_t p = idx / page_n;
        uint64_t nin = p + 1 == npages ? nelmts - p * page_n : page_n;
        if (p != next_page || run.w.n >= FA_RUN_BYTES) {
            if ((rc = run_flush(&run)))
                break;
            run.addr = pages_at + p * full;
        }
        size_t from = run.w.n;
        uint8_t *el = c5_wr_space(&run.w, (size_t)(nin * es));
        if (!el) {
            rc = run_flush(&run);
            break;
        }
        for (uint64_t e = 0; e < nin; e++)
            c5_cidx_put_elem(f, &wg, el + e * es, NULL);
        for (; r < n; r++) {
            c5_cidx_linear(wg.rank, NULL, wg.max_grid, recs[r].scaled, &idx);
            if (idx / page_n != p)
                break;
            c5_cidx_put_elem(f, &wg, el + (idx % page_n) * es, &recs[r]);
        }
        c5_wr_sum(&run.w, from);
        next_page = p + 1;
    }
    if (!rc)
        rc = run_flush(&run);
    c5_wr_free(&run.w);
    if (rc)
        return rc;
    *addr = haddr;
    return 0;
}
