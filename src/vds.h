/* Virtual datasets (VDS): mapping decode and the extent libhdf5 reports. */
#ifndef C5_VDS_H
#define C5_VDS_H
#include "object.h"

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

#endif
