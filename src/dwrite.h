/* Dataset writing helpers beyond the prototypes in write.h: memory -> file
 * datatype conversion (convert_write.c). */
#ifndef C5_DWRITE_H
#define C5_DWRITE_H
#include "write.h"

/* Convert n elements laid out in `mem`'s memory form (c5_type_mem_size
 * bytes each: char* for variable-length strings, c5_vl for sequences,
 * uint64_t addresses for C5_NATIVE_OBJREF) into `file`'s file form
 * (file->size bytes each). Variable-length data is stored as new global
 * heap objects of f (c5_gheap_put), so f must be writable when either type
 * holds variable-length data; the caller's memory is only read. mem NULL
 * copies bytes unchanged. Compound members the memory type lacks are
 * written as zero bytes (a null heap ID for variable-length members).
 * Heap objects stored before a failure stay allocated (unreferenced). */
int c5_convert_to_file(c5_file *f, const c5_type *mem, const c5_type *file, const void *in,
                       void *out, size_t n);

#endif
