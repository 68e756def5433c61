/* Chunk indexes behind one interface (spec IV.A.2.i "Data Layout Message"
 * and Appendix C): the v1 B-tree of layout versions 1-3, and the layout v4
 * index types single chunk (1), implicit (2), fixed array (3), extensible
 * array (4) and v2 B-tree (5). */
#ifndef C5_CHUNK_H
#define C5_CHUNK_H
#include "../format/format.h"

/* Everything an index needs to know about its dataset. Filled by the
 * dataset layer from the dataspace, datatype and layout messages. */
typedef struct c5_chunk_geom {
    int rank;                        /* dataset rank (layout ndims - 1) */
    uint64_t dims[C5_MAX_RANK];      /* current dataset dims */
    uint64_t maxdims[C5_MAX_RANK];   /* max dims (C5_UNLIMITED allowed) */
    uint64_t chunk[C5_MAX_RANK];     /* chunk dims in elements */
    size_t elem_size;                /* dataset element size in bytes */
    uint64_t chunk_bytes;            /* product(chunk) * elem_size */
    int filtered;                    /* the dataset has a filter pipeline */
} c5_chunk_geom;

/* One stored chunk. */
typedef struct c5_chunk_rec {
    uint64_t addr;                   /* file address of the stored bytes */
    uint64_t size;                   /* stored (possibly filtered) size */
    uint32_t filter_mask;            /* bit i set: filter i was skipped */
    uint64_t scaled[C5_MAX_RANK];    /* chunk coordinates (offset / chunk dim) */
} c5_chunk_rec;

typedef struct c5_chunk_index c5_chunk_index;

/* Open the chunk index described by layout (which must be chunked) for a
 * dataset with geometry g. The handle borrows f, layout and g (they must
 * outlive it). Parsing is lazy where it can be; nothing is cached globally. */
int c5_chunk_index_open(c5_file *f, const c5_layout *layout, const c5_chunk_geom *g,
                        c5_chunk_index **out);
void c5_chunk_index_close(c5_chunk_index *ix);

/* Find the chunk with the given scaled coordinates. C5_ENOTFOUND (with no
 * error message recorded) when that chunk is not allocated. */
int c5_chunk_lookup(c5_chunk_index *ix, const uint64_t *scaled, c5_chunk_rec *out);

/* Visit every allocated chunk (order unspecified). Return nonzero from cb
 * to stop; that value is returned. */
typedef int (*c5_chunk_cb)(void *ud, const c5_chunk_rec *rec);
int c5_chunk_iterate(c5_chunk_index *ix, c5_chunk_cb cb, void *ud);

#endif
