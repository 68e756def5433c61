/* The revised references of HDF5 1.12 (datatype class 7 version 4, types 2
 * object, 3 dataset region, 4 attribute): decoding an element's file form
 * and making the same reference again in another (writable) file. The
 * layout is in ref2.c. */
#ifndef C5_REF2_H
#define C5_REF2_H
#include "core/internal.h"

enum { C5_REF2_NULL = 0, C5_REF2_OBJECT = 2, C5_REF2_REGION = 3, C5_REF2_ATTR = 4 };
#define C5_REF2_EXTERNAL 0x01u   /* flags bit 0: the object is in another file */
#define C5_REF2_MAX_TOKEN 16     /* libhdf5's largest object token */

/* One decoded reference. Owned by the caller: c5_ref2_clear frees it. */
typedef struct c5_ref2 {
    int type;                 /* C5_REF2_*; C5_REF2_NULL: the null reference */
    unsigned flags;           /* as stored (C5_REF2_EXTERNAL; others kept) */
    unsigned token_size;
    uint8_t token[C5_REF2_MAX_TOKEN]; /* the object token as stored */
    /* The token read as an object header address (little endian; C5_UNDEF
     * when all ones or wider than 8 bytes). c5_ref2_make writes this, at
     * the new file's offset width, for a reference into the same file. */
    uint64_t obj;
    char *file;               /* external file name (NUL-terminated) or NULL */
    /* Everything after the token and the file name, byte for byte as
     * stored, trailing bytes included (a region's selection, an attribute
     * name): a copy keeps it unchanged. malloc'd, NULL when empty. */
    uint8_t *tail;
    size_t tail_len;
    /* Views into tail. Region: the referenced dataspace's rank and its
     * selection (libhdf5's serialized selection, as in a 1.10 region
     * reference). Attribute: the name (not NUL-terminated). */
    uint32_t rank;
    const uint8_t *sel;
    size_t sel_len;
    const char *attr;
    size_t attr_len;
} c5_ref2;

/* The reference type (0-4: C5_REF_OBJECT, C5_REF_REGION, C5_REF2_*) of a
 * reference datatype, -1 for any other class. */
int c5_type_ref_kind(const c5_type *t);

/* Decode the size bytes of one element of a revised reference type read
 * from f (the file form, as c5_dataset_read returns it with the file type
 * as memory type). Reads the global heap object of f that holds the
 * encoding where there is one. On failure *out is left cleared (nothing to
 * free) and the error is recorded on f. */
int c5_ref2_read(c5_file *f, const void *elem, size_t size, c5_ref2 *out);

/* Encode ref as one element of size bytes for the writable file f, as
 * libhdf5 writes it: the null reference as zeros; an object reference into
 * the same file in the element itself; any other in a new global heap
 * object of f. A reference into the same file gets the token ref->obj at
 * f's offset width; an external one keeps its token. ref is only read. */
int c5_ref2_make(c5_file *f, void *elem, size_t size, const c5_ref2 *ref);

/* Free what c5_ref2_read allocated (NULL-safe; leaves *ref cleared). */
void c5_ref2_clear(c5_ref2 *ref);

#endif
