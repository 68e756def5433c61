/* Datatypes: the decoded form of a datatype message, and conversion between
 * a file type and a memory type. */
#ifndef C5_TYPE_H
#define C5_TYPE_H
#include "core/internal.h"

typedef struct c5_member {
    char *name;
    size_t offset;        /* compound: byte offset of the member */
    c5_type *type;        /* compound: member type */
    uint8_t *value;       /* enum: value bytes (size of the base type) */
} c5_member;

/* Types are self-contained (plain malloc, no file pointer) so they can
 * outlive the file they came from and be shared read-only by threads. */
struct c5_type {
    c5_typeclass cls;
    size_t size;
    c5_byteorder order;   /* integer, float, time, bitfield; NONE otherwise */
    int is_signed;        /* integer */
    uint16_t bit_offset, precision; /* integer, bitfield, float */
    uint8_t lo_pad, hi_pad;         /* padding bit values (0/1) */
    /* float */
    uint8_t sign_loc, exp_loc, exp_size, mant_loc, mant_size;
    uint8_t mant_norm;    /* 0 none, 1 msb set, 2 msb implied */
    uint8_t int_pad;
    uint32_t exp_bias;
    /* string (and vlen string) */
    c5_strpad strpad;
    c5_cset cset;
    /* compound, enum */
    int nmemb;
    c5_member *memb;
    /* enum base, array element, vlen element */
    c5_type *base;
    /* array */
    int rank;
    uint64_t dims[C5_MAX_RANK];
    /* vlen */
    int vlen_string;      /* 1: variable-length string, 0: sequence */
    /* reference */
    c5_reftype reftype;
    /* opaque */
    char *tag;
    /* memory-only types produced by c5_type_native */
    int native_objref;    /* memory form of an object reference: uint64 */
    int native_vlstr;     /* memory form: char* */
    uint64_t committed;   /* header address if from a committed type, else C5_UNDEF */
    const void *cfile;    /* the c5_file `committed` belongs to (identity only,
                             never dereferenced) */
};

/* Decode a datatype message body (spec IV.A.2.d). f is used for error
 * messages only. The returned type is owned by the caller (c5_type_close). */
int c5_type_decode(c5_file *f, c5_rd *r, c5_type **out);

/* Bytes one element of t occupies in memory when it is the destination of a
 * read (vlen sequences become c5_vl, vlen strings char*). */
size_t c5_type_mem_size(const c5_type *t);

/* Convert n elements laid out in file form of `src` (as stored in the file)
 * into `dst`'s memory form. Variable-length data is fetched from the global
 * heap of f and allocated with malloc. dst == NULL copies bytes unchanged.
 * Returns C5_ETYPE when the classes cannot be converted. */
int c5_convert(c5_file *f, const c5_type *src, const c5_type *dst, const void *in, void *out,
               size_t n);

/* Structural equality: same class, size, layout, members (names, offsets,
 * types, enum values), dimensions and base types. The committed address is
 * ignored. NULL equals only NULL. */
int c5_type_equal(const c5_type *a, const c5_type *b);

/* Deep copy (plain malloc); NULL when out of memory. */
c5_type *c5_type_dup(const c5_type *t);

/* 1 if t holds variable-length data anywhere (so conversion allocates and
 * c5_reclaim has work to do). */
int c5_type_has_vlen(const c5_type *t);

/* c5_reclaim over n elements spaced `stride` bytes apart (compound
 * members, partial results). Freed pointers are reset to NULL. */
void c5_reclaim_strided(const c5_type *t, void *buf, size_t stride, size_t n);

#endif
