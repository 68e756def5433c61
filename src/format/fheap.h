/* Fractal heap (spec III.G "Fractal Heap"): read objects by heap ID. */
#ifndef C5_FHEAP_H
#define C5_FHEAP_H
#include "../core/internal.h"

typedef struct c5_fheap c5_fheap;

/* Parse the heap header ("FRHP") at addr. The handle borrows f and caches
 * the last direct block read: use one handle from one thread at a time. */
int c5_fheap_open(c5_file *f, uint64_t addr, c5_fheap **out);
void c5_fheap_close(c5_fheap *h);
/* Length in bytes of this heap's object IDs. */
size_t c5_fheap_id_len(const c5_fheap *h);
/* Read the object named by a heap ID (managed, huge or tiny). *out is
 * allocated with c5_malloc(f) and owned by the caller; *n is its size. */
int c5_fheap_read(c5_fheap *h, const uint8_t *id, size_t id_len, uint8_t **out, size_t *n);

#endif
