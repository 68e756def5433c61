/* Internal declarations shared by every layer. Included first everywhere. */
#ifndef C5_INTERNAL_H
#define C5_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "cfive.h"

#define C5_UNDEF UINT64_MAX /* undefined address, normalised at decode */

/* ---- checked arithmetic (src/core/arith.c is header-only) ------------- */
static inline bool c5_add_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
    return __builtin_add_overflow(a, b, r);
}
static inline bool c5_mul_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
    return __builtin_mul_overflow(a, b, r);
}

/* ---- the file --------------------------------------------------------- */

typedef struct c5_sohm c5_sohm;

struct c5_file {
    c5_io io;
    int refs;                 /* handle + open objects */
    int closed;               /* user called close */
    uint64_t phys_size;       /* size of the underlying bytes */
    uint64_t base;            /* absolute offset of address 0 */
    uint8_t osz, lsz;         /* offset and length widths */
    int sb_version;
    uint64_t eof_addr;        /* end-of-file address from superblock */
    uint64_t root_addr;       /* root group object header */
    uint64_t ext_addr;        /* superblock extension header or C5_UNDEF */
    unsigned sym_leaf_k, btree_k, chunk_k;
    c5_open_opts opts;
    char *path;               /* for external links; NULL for mem/io */
    c5_sohm *sohm;            /* shared message table, loaded lazily */
    int sohm_loaded;
    struct c5_extfile *ext;   /* external files opened through links */
    struct c5_mdci *mdci;     /* metadata cache image overlay or NULL */
    struct c5_ccache *ccache; /* decoded chunks (src/chunk/cache.c) */
    int nthreads;             /* chunk decode threads */
    pthread_mutex_t errmu;    /* decode threads may fail concurrently */
    /* writing (NULL/0 for read-only files) */
    int writable;
    int format;               /* c5_format of structures cfive creates */
    uint64_t eoa;             /* allocation end: next free address */
    struct c5_wstate *w;      /* pending changes (src/write.h) */
    char errmsg[512];
};

struct c5_extfile {
    struct c5_extfile *next;
    char *name;
    c5_file *f;
};

/* ---- errors (src/core/error.c) ---------------------------------------- */

/* Record a message on f (may be NULL) and return code. addr is the file
 * address of the offending structure (C5_UNDEF for none). */
int c5_fail(c5_file *f, int code, uint64_t addr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- allocation (src/core/alloc.c) ------------------------------------ */

void *c5_malloc(c5_file *f, size_t n);
void *c5_calloc(c5_file *f, size_t n, size_t m);
void *c5_realloc(c5_file *f, void *p, size_t n);
void c5_free(c5_file *f, void *p);
char *c5_strdup(c5_file *f, const char *s);
char *c5_strndup(c5_file *f, const char *s, size_t n);
/* Allocation whose size comes from file data: refuses sizes above
 * max_alloc (C5_ELIMIT) as well as failing allocation (C5_ENOMEM). */
int c5_alloc_checked(c5_file *f, uint64_t n, uint64_t addr, const char *what, void **out);

/* A growable array used by parsers. */
typedef struct c5_vec {
    void *v;
    size_t n, cap, esz;
} c5_vec;
int c5_vec_push(c5_file *f, c5_vec *vec, const void *elem);
void c5_vec_free(c5_file *f, c5_vec *vec);

/* ---- I/O (src/core/io.c) ----------------------------------------------- */

/* Read n bytes at file address addr (relative to the base address). Fails
 * with C5_ECORRUPT naming `what` when the range lies outside the file. */
int c5_read(c5_file *f, uint64_t addr, void *buf, size_t n, const char *what);
/* Allocate and read a metadata block of n bytes. */
int c5_read_alloc(c5_file *f, uint64_t addr, uint64_t n, const char *what, uint8_t **out);
/* First address past the readable file (relative to the base address). */
uint64_t c5_file_end(const c5_file *f);
/* Overlay bytes held in a metadata cache image (src/format/mdci.c) onto a
 * buffer read from addr; returns the bytes patched. */
size_t c5_mdci_patch(const c5_file *f, uint64_t addr, void *buf, size_t n);
int c5_io_posix(c5_io *io, const char *path);
/* Open a regular file for reading without blocking on FIFOs or devices;
 * NULL for anything else. */
FILE *c5_fopen_regular(const char *path);
/* May f open other files (external links, EFL, VDS sources)? */
bool c5_external_allowed(const c5_file *f);
int c5_io_mem(c5_io *io, const void *buf, size_t n);

/* ---- writing (src/core/writer.c) --------------------------------------- */

/* Write n bytes at file address addr (relative to the base address). The
 * physical size grows as needed. */
int c5_write(c5_file *f, uint64_t addr, const void *buf, size_t n);
/* Reserve size bytes of file space; *addr receives its address. Space is
 * taken from the end of the allocated area (free-space reuse comes later;
 * see c5_space_free). size 0 gives C5_EINVAL. */
int c5_space_alloc(c5_file *f, uint64_t size, uint64_t *addr);
/* Give back space that no longer holds live data after the next commit.
 * Space at the allocation end is released at once (the file shrinks at
 * close); other space is only remembered for now. */
void c5_space_free(c5_file *f, uint64_t addr, uint64_t size);

/* A growable little-endian encoder with a sticky error: the mirror of the
 * bounded reader. Offsets and lengths use the widths osz/lsz (from the
 * file; 8 when f is NULL). */
typedef struct c5_wr {
    uint8_t *buf;
    size_t n, cap;
    c5_file *f;
    uint8_t osz, lsz;
    int err;
} c5_wr;
void c5_wr_init(c5_wr *w, c5_file *f);
void c5_wr_free(c5_wr *w);
/* Hand the bytes to the caller (allocated with c5_malloc(w->f)); the
 * writer is left empty. NULL if an error occurred. */
uint8_t *c5_wr_take(c5_wr *w, size_t *n);
void c5_wr_u8(c5_wr *w, uint64_t v);
void c5_wr_u16(c5_wr *w, uint64_t v);
void c5_wr_u32(c5_wr *w, uint64_t v);
void c5_wr_u64(c5_wr *w, uint64_t v);
void c5_wr_uint(c5_wr *w, uint64_t v, unsigned nbytes); /* 1..8 bytes LE */
void c5_wr_addr(c5_wr *w, uint64_t a); /* C5_UNDEF -> all ones */
void c5_wr_len(c5_wr *w, uint64_t v);  /* C5_UNDEF -> all ones */
void c5_wr_bytes(c5_wr *w, const void *p, size_t n);
void c5_wr_zero(c5_wr *w, size_t n);
void c5_wr_sig(c5_wr *w, const char sig[4]);
/* Append n zero bytes and return a pointer to them (NULL on error), valid
 * until the next append. */
uint8_t *c5_wr_space(c5_wr *w, size_t n);
/* Append the lookup3 checksum of bytes [from, n). */
void c5_wr_sum(c5_wr *w, size_t from);
/* Overwrite nbytes at offset off (already written) with v, LE. */
void c5_wr_patch(c5_wr *w, size_t off, uint64_t v, unsigned nbytes);
/* Encode an integer LE into p. */
static inline void c5_put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

/* ---- the bounded reader (src/core/reader.c) ---------------------------- */

/* A cursor over a byte range of file metadata with a sticky error. Every
 * accessor returns 0 past the end and sets err = C5_ECORRUPT. */
typedef struct c5_rd {
    const uint8_t *p, *start, *end;
    uint64_t addr;            /* file address of start (C5_UNDEF if none) */
    c5_file *f;
    uint8_t osz, lsz;
    int err;
    const char *what;         /* structure name for error messages */
} c5_rd;

void c5_rd_init(c5_rd *r, c5_file *f, const void *buf, size_t n, uint64_t addr,
                const char *what);
uint8_t c5_rd_u8(c5_rd *r);
uint16_t c5_rd_u16(c5_rd *r);
uint32_t c5_rd_u32(c5_rd *r);
uint64_t c5_rd_u64(c5_rd *r);
uint64_t c5_rd_uint(c5_rd *r, unsigned nbytes); /* 1..8 bytes LE */
uint64_t c5_rd_addr(c5_rd *r); /* offset-width; all ones -> C5_UNDEF */
uint64_t c5_rd_len(c5_rd *r);  /* length-width; all ones -> C5_UNDEF */
const uint8_t *c5_rd_bytes(c5_rd *r, size_t n); /* NULL (and err) if short */
void c5_rd_skip(c5_rd *r, size_t n);
bool c5_rd_sig(c5_rd *r, const char sig[4]);
/* A sub-reader over the next n bytes; the parent advances past them. */
c5_rd c5_rd_sub(c5_rd *r, size_t n);
static inline size_t c5_rd_left(const c5_rd *r) { return (size_t)(r->end - r->p); }
static inline size_t c5_rd_off(const c5_rd *r) { return (size_t)(r->p - r->start); }
static inline uint64_t c5_rd_pos(const c5_rd *r)
{
    return r->addr == C5_UNDEF ? C5_UNDEF : r->addr + (uint64_t)(r->p - r->start);
}
/* Turn a sticky error into a recorded failure. Returns r->err (0 if ok). */
int c5_rd_status(c5_rd *r);

/* Decode little-endian integers from a byte array (no bounds: caller
 * checked). */
static inline uint64_t c5_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* ---- checksum (src/core/lookup3.c) ------------------------------------ */

uint32_t c5_lookup3(const void *data, size_t n, uint32_t init);
/* Verify the 4-byte checksum stored right after buf[0..n). */
int c5_check_sum(c5_file *f, const uint8_t *buf, size_t n, uint64_t addr, const char *what);

/* ---- parallelism (src/core/pool.c) ------------------------------------ */

/* Call fn(ud, i) for i in [0, n) on up to nthreads threads (1: inline). */
void c5_parallel_for(int nthreads, size_t n, void (*fn)(void *ud, size_t i), void *ud);

/* ---- visit bounds ----------------------------------------------------- */

#define C5_MAX_DEPTH 64          /* tree depth, link traversal nesting */
#define C5_MAX_LINK_HOPS 40      /* soft/external link chain */
#define C5_MAX_OH_CHUNKS 100000  /* object header continuation chunks */

/* A small set of visited addresses to reject cycles. */
typedef struct c5_addrset {
    uint64_t *a;
    size_t n, cap;
} c5_addrset;
/* Returns 1 if addr was already present, 0 if added, <0 on error. */
int c5_addrset_add(c5_file *f, c5_addrset *s, uint64_t addr);
void c5_addrset_free(c5_file *f, c5_addrset *s);

#endif
