/* Virtual datasets (VDS): mapping decode and the extent libhdf5 reports. */
#ifndef C5_VDS_H
#define C5_VDS_H
#include "object.h"

/* A decoded mapping selection (libhdf5's serialized form, as in a region
 * reference). Regular hyperslabs keep their parameters, with C5_UNLIMITED
 * for an unlimited count or block; a list of blocks keeps its first block's
 * corner in start and the last index selected per dimension in hi. */
typedef struct c5_vsel {
    int type;                    /* 0 none, 1 points, 2 hyperslab, 3 all */
    unsigned rank;
    int unlim;                   /* unlimited dimension, -1 if none */
    uint64_t nblocks;            /* 0: regular, else blocks in the list */
    uint64_t start[C5_MAX_RANK], stride[C5_MAX_RANK];
    uint64_t count[C5_MAX_RANK], block[C5_MAX_RANK];
    uint64_t hi[C5_MAX_RANK];    /* hyperslabs: last index selected */
    uint64_t nenu;               /* regular: elements outside unlim */
} c5_vsel;

enum { C5_VSEL_NONE = 0, C5_VSEL_POINTS = 1, C5_VSEL_HYPER = 2, C5_VSEL_ALL = 3 };

/* Decode the mappings of the virtual dataset o (o->layout_body must hold
 * its layout message) and set the current size of space's unlimited
 * dimensions the way libhdf5 does under its default view
 * (H5D_VDS_LAST_AVAILABLE, printf gap 0): each mapping with an unlimited
 * virtual selection contributes the extent its source dataset fills today,
 * and the largest contribution wins. Source files are opened read-only and
 * closed again before returning; a missing source file or dataset
 * contributes 0, as in libhdf5. Other dimensions keep their stored size.
 * Returns 0, or C5_ECORRUPT when the mapping block is malformed or violates
 * the rules libhdf5 enforces when it opens the dataset (the dataset then
 * cannot be opened by libhdf5 either). Not thread-safe on o. */
int c5_vds_extent(c5_object *o, c5_space *space);

/* The same from the mapping block itself (the global heap object, checksum
 * included); f resolves source names ("." is f itself, relative names start
 * from f's folder); addr is only quoted in error messages. */
int c5_vds_extent_block(c5_file *f, const uint8_t *blk, size_t n, uint64_t addr,
                        c5_space *space);

/* Called for each mapping in order: source file and dataset names (with
 * fsubs/dsubs "%b" substitutions), source and virtual selections. A
 * nonzero return stops the walk and is returned. */
typedef int (*c5_vds_visit)(void *ctx, const char *file, const char *dset, const c5_vsel *src,
                            const c5_vsel *vir, long fsubs, long dsubs);

/* Decode and check o's mapping block and visit each mapping. 0 when the
 * dataset has none. */
int c5_vds_mappings(c5_object *o, c5_vds_visit fn, void *ctx);

/* Whether a hyperslab's list of nb blocks (serialized: per block rank
 * first then rank last indices, enc-byte little-endian integers, the
 * caller having checked the length) is a regular grid of equal blocks in C
 * order, as libhdf5 writes regular hyperslabs; if so, its parameters (the
 * stride of a dimension with one block is 1, as libhdf5 reports it). */
bool c5_vds_blocks_regular(const uint8_t *list, uint64_t nb, unsigned rank, unsigned enc,
                           uint64_t *start, uint64_t *stride, uint64_t *count, uint64_t *block);

/* A source name with %b replaced by k and %% by % (c5_malloc'd; NULL when
 * out of memory). */
char *c5_vds_name(c5_file *f, const char *name, long nsubs, uint64_t k);

/* Open source file `name` as libhdf5 looks for it (absolute, then beside
 * f, then as given). C5_ENOTFOUND when external files are not allowed. */
int c5_vds_file_open(c5_file *f, const char *name, c5_file **out);

/* Open source dataset `dset` of source file `file` ("." is f): 1 with *xf
 * (f itself or a file to close) and *o (not yet loaded), 0 when either is
 * missing or not a dataset (f's last message kept, as libhdf5 treats such
 * a mapping as empty), or C5_ENOMEM. */
int c5_vds_source_open(c5_file *f, const char *file, const char *dset, c5_file **xf,
                       c5_object **o);

/* Slices a regular selection with an unlimited dimension selects there
 * below an extent of `size`. */
uint64_t c5_vds_slices(const c5_vsel *s, uint64_t size);

/* Read sel of virtual dataset ds (layout loaded, extent derived) into buf
 * as nsel elements of mem (NULL: ds's file type; refused for types holding
 * variable-length data), msz bytes each: the fill value where no mapping
 * or no source provides data, else what the sources hold, later mappings
 * winning where they overlap (libhdf5's view "last available"). */
int c5_vds_read(c5_object *ds, const c5_type *mem, const c5_sel *sel, uint8_t *buf, size_t msz);

/* The same for npoints points (coords: npoints x rank, inside the extent),
 * each source opened once per mapping. */
int c5_vds_read_points(c5_object *ds, const c5_type *mem, size_t npoints, const uint64_t *coords,
                       uint8_t *buf, size_t msz);

#endif
