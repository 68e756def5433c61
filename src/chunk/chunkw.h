/* Writing chunk indexes (the write side of chunk.h; spec IV.A.2.i "Data
 * Layout Message" and Appendix C).
 *
 * Every writer here builds a complete index for a complete, sorted list of
 * chunk records in fresh file space (c5_space_alloc + c5_write): nothing
 * live is touched. The caller publishes the result by rewriting the layout
 * message with out->addr, out->flags and out->info, and frees the space of
 * the index it replaces after that commit. Writers are not thread-safe on
 * one file (space allocation is not).
 */
#ifndef C5_CHUNKW_H
#define C5_CHUNKW_H
#include "chunk.h"

/* The layout v4 index type (C5_CIDX_* of index.h) libhdf5 1.10 picks for
 * a chunked dataset (H5D__layout_set_latest_indexing), checked in order:
 *   single chunk      every dim: dims == max dims == chunk dims (one chunk
 *                     covers the dataset and it cannot grow)
 *   extensible array  exactly one unlimited max dim
 *   v2 B-tree         more than one unlimited max dim
 *   implicit          no filters and allocation time early
 *   fixed array       otherwise (no unlimited dim)
 * filtered: the dataset has a filter pipeline; alloc_early: the fill value
 * message's allocation time is "early". Returns C5_EINVAL for a rank
 * outside 1..C5_MAX_RANK. */
int c5_chunk_index_choose(const c5_chunk_geom *g, int filtered, int alloc_early);

/* What the layout v4 message needs from a written index. */
typedef struct c5_cidx_out {
    uint64_t addr;      /* index address; single chunk: the chunk; implicit:
                           the first chunk; C5_UNDEF when nothing is stored */
    uint8_t flags;      /* v4 chunked flags: bit 1 set for a filtered single
                           chunk. Bit 0 (don't filter partial edge chunks)
                           is a creation property: the caller ORs it in. */
    uint8_t info[32];   /* index-type-specific bytes, as libhdf5 encodes them */
    size_t info_len;
} c5_cidx_out;

/* Write the index of `type` (C5_CIDX_*) for chunk records recs[0..n),
 * sorted by scaled coordinates (slowest dimension first, no duplicates),
 * every one inside the maximum extent. g->filtered selects the filtered
 * element encodings; unfiltered chunks must have size g->chunk_bytes and
 * mask 0. Fills *out (see c5_cidx_out):
 *   v1 B-tree (layout v3)  c5_bt1_chunk_write; no info
 *   single chunk           the chunk's address; filtered: size (length
 *                          width) + 4-byte filter mask, flags bit 1
 *   implicit               recs must be the contiguous array the dataset
 *                          writer allocated (base + linear index over the
 *                          max-dims chunk grid * chunk bytes): its base
 *   fixed array            page bits (libhdf5: 10)
 *   extensible array       max bits, index block elements, super block min
 *                          pointers, data block min elements, page bits
 *                          (libhdf5: 32, 4, 4, 16, 10)
 *   v2 B-tree              c5_bt2_chunk_write (node size, split, merge)
 * With n == 0 the array indexes, single and implicit write nothing and
 * give C5_UNDEF (as libhdf5, which creates them with the first chunk).
 * Space written is not freed on failure (it is unreachable and at most
 * leaks until the file is rewritten). */
int c5_chunk_index_write(c5_file *f, int type, const c5_chunk_geom *g, const c5_chunk_rec *recs,
                         size_t n, c5_cidx_out *out);

/* ---- the array indexes with explicit creation parameters ---------------- */

#define C5_FA_PAGE_BITS 10 /* libhdf5: 1024 elements per data block page */

/* Extensible array creation parameters (the layout message's order). */
typedef struct c5_ea_cparam {
    uint8_t max_bits;       /* log2 of the maximum number of elements */
    uint8_t iblk_elmts;     /* elements stored in the index block */
    uint8_t sblk_min_ptrs;  /* min data block pointers of a super block */
    uint8_t dblk_min_elmts; /* min elements of a data block */
    uint8_t page_bits;      /* log2 of the elements of a data block page */
} c5_ea_cparam;
#define C5_EA_CPARAM_DEFAULT {32, 4, 4, 16, 10}

/* Fixed array over the max-dims chunk grid (every max dim fixed). Writes
 * the header and, when n > 0, the data block and its initialised pages;
 * *addr is the header address (C5_UNDEF when n == 0). Pages holding no
 * chunk are left uninitialised (bit clear, bytes not written): the file
 * must still be extended to its allocation end before it is closed. */
int c5_farray_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                    unsigned page_bits, uint64_t *addr);

/* Extensible array over the chunk grid with the single unlimited dim
 * moved first. Creates exactly the blocks (and data block pages) that
 * hold a chunk, with header statistics as libhdf5 keeps them. *addr is the
 * header address (C5_UNDEF when n == 0). Same note on unwritten pages. */
int c5_earray_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                    const c5_ea_cparam *cp, uint64_t *addr);

/* ---- shared by the writers (index_write.c) ------------------------------ */

typedef struct c5_cidx_wgeom {
    int rank;
    uint64_t max_grid[C5_MAX_RANK]; /* chunks per max dim; UINT64_MAX: unlimited */
    unsigned size_len;              /* filtered chunk size width */
    unsigned esize;                 /* array element bytes */
    int filtered;
} c5_cidx_wgeom;
/* Check g (as c5_chunk_index_open does) and derive the grid and widths. */
int c5_cidx_wgeom_init(c5_file *f, const c5_chunk_geom *g, c5_cidx_wgeom *wg);
/* Check that recs are sorted, distinct, inside the max grid, at defined
 * addresses, with sizes the element encoding can hold. */
int c5_cidx_check_recs(c5_file *f, const c5_chunk_geom *g, const c5_cidx_wgeom *wg,
                       const c5_chunk_rec *recs, size_t n, const char *what);
/* Encode the array element of rec at p (esize bytes); rec NULL gives the
 * fill element libhdf5 writes (undefined address, size 0, mask 0). */
void c5_cidx_put_elem(const c5_file *f, const c5_cidx_wgeom *wg, uint8_t *p,
                      const c5_chunk_rec *rec);

#endif
