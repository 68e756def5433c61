/* Global heap collections (spec III.E): variable-length data. */
#ifndef C5_GHEAP_H
#define C5_GHEAP_H
#include "../core/internal.h"

/* Read object `index` of the collection at coll_addr. *out is allocated
 * with c5_malloc(f) (NULL with *n == 0 for an empty object). */
int c5_gheap_read(c5_file *f, uint64_t coll_addr, uint32_t index, uint8_t **out, size_t *n);

#endif
