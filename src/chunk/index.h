/* Private to src/chunk/: the chunk index handle shared by the dispatcher
 * (index.c) and the per-type readers (btree1_chunk.c, single.c, farray.c,
 * earray.c, bt2_chunk.c). */
#ifndef C5_CHUNK_INDEX_H
#define C5_CHUNK_INDEX_H
#include "chunk.h"

/* Index type numbers: the layout v4 "chunk indexing type", 0 for the v1
 * B-tree of layout versions 1-3. */
enum { C5_CIDX_BTREE1 = 0, C5_CIDX_SINGLE = 1, C5_CIDX_IMPLICIT = 2, C5_CIDX_FARRAY = 3,
       C5_CIDX_EARRAY = 4, C5_CIDX_BTREE2 = 5 };

typedef struct c5_cidx_ops {
    const char *name;
    int (*open)(c5_chunk_index *ix);
    void (*close)(c5_chunk_index *ix);
    int (*lookup)(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out);
    int (*iterate)(c5_chunk_index *ix, c5_chunk_cb cb, void *ud);
} c5_cidx_ops;

/* A verified metadata block kept for later lookups (see c5_cidx_block). */
typedef struct c5_cidx_blk {
    uint64_t addr;          /* C5_UNDEF: free slot */
    uint64_t len;
    uint8_t *buf;
} c5_cidx_blk;

struct c5_chunk_index {
    c5_file *f;
    const c5_layout *l;
    const c5_chunk_geom *g;
    const c5_cidx_ops *ops;
    int type;
    int rank;
    uint64_t grid[C5_MAX_RANK];     /* chunks per dimension, current extent */
    uint64_t max_grid[C5_MAX_RANK]; /* chunks per dimension, maximum extent;
                                       UINT64_MAX where unlimited */
    uint64_t ngrid;                 /* product of grid */
    unsigned size_len;              /* bytes of a filtered chunk's size field */
    void *st;                       /* the index type's state */
    /* verified blocks, open addressing by address */
    c5_cidx_blk *blk;
    size_t nblk, blk_cap;
    uint64_t blk_bytes;             /* bytes held, capped by max_alloc */
};

extern const c5_cidx_ops c5_cidx_btree1_ops, c5_cidx_single_ops, c5_cidx_implicit_ops,
    c5_cidx_farray_ops, c5_cidx_earray_ops, c5_cidx_btree2_ops;

/* Read the len-byte block at addr whose last 4 bytes are the lookup3
 * checksum of the rest, verify it and keep it for the life of the handle.
 * *out stays valid until the handle is closed. A block met again at the
 * same address with a different length is corrupt. */
int c5_cidx_block(c5_chunk_index *ix, uint64_t addr, uint64_t len, const char *what,
                  const uint8_t **out);

/* Linear index of scaled coordinates in a grid whose dimensions are taken
 * in the order perm[0..rank) (slowest first); grid sizes dims[] (the first
 * in perm order may be UINT64_MAX: it is never multiplied). Returns
 * C5_ENOTFOUND when a coordinate lies outside the grid, C5_ELIMIT when the
 * index does not fit 64 bits. */
int c5_cidx_linear(int rank, const int *perm, const uint64_t *dims, const uint64_t *scaled,
                   uint64_t *out);
/* The inverse: scaled coordinates of linear index idx. Fails (C5_ENOTFOUND)
 * when idx lies past the grid. */
int c5_cidx_unlinear(int rank, const int *perm, const uint64_t *dims, uint64_t idx,
                     uint64_t *scaled);

/* Decode one fixed/extensible array element at p: an address, and for
 * filtered chunks a size of ix->size_len bytes and a filter mask. Returns
 * 0 when the chunk is allocated, C5_ENOTFOUND when the address is
 * undefined. */
int c5_cidx_elem(const c5_chunk_index *ix, const uint8_t *p, int filtered, c5_chunk_rec *rec);

/* The filtered chunk size width libhdf5 uses for a chunk of this many
 * bytes: 1 + (floor(log2(bytes)) + 8) / 8, at most 8. */
unsigned c5_cidx_size_len(uint64_t chunk_bytes);

/* Checks shared by the fixed and extensible array headers: signature seen,
 * version 0, a client ID (0 plain, 1 filtered) that matches the dataset,
 * and an element size that fits it. Sets ix->size_len for filtered
 * elements and *filtered. */
int c5_cidx_array_header(c5_chunk_index *ix, uint64_t addr, const char *what, bool sig,
                         unsigned ver, unsigned cid, unsigned esize, bool *filtered);

/* Order of scaled coordinates: slowest dimension first. */
int c5_cidx_cmp_scaled(int rank, const uint64_t *a, const uint64_t *b);

/* A table of chunk records sorted by scaled coordinates, for the B-tree
 * indexes, which are read whole on first use. Entries are packed as
 * (addr, size, mask, scaled[rank]) words. */
typedef struct c5_cidx_table {
    uint64_t *v;
    size_t n, cap;
    int loaded;
} c5_cidx_table;
int c5_cidx_table_add(c5_chunk_index *ix, c5_cidx_table *t, const c5_chunk_rec *rec);
/* Sort when needed; duplicates are corrupt. Marks the table loaded. */
int c5_cidx_table_finish(c5_chunk_index *ix, c5_cidx_table *t);
int c5_cidx_table_find(const c5_chunk_index *ix, const c5_cidx_table *t, const uint64_t *scaled,
                       c5_chunk_rec *out);
int c5_cidx_table_iterate(const c5_chunk_index *ix, const c5_cidx_table *t, c5_chunk_cb cb,
                          void *ud);
void c5_cidx_table_free(c5_chunk_index *ix, c5_cidx_table *t);

#endif
