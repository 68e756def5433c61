/* The write side's object model: the pending changes of a writable file.
 *
 * A writable file keeps, per object it changed or created, a c5_wobj: the
 * object header's messages as byte strings, and (by kind) the group's link
 * table, the attribute list, and the dataset's storage state. Nothing of
 * that is on disk until c5_file_flush, which writes, in order: chunk and
 * contiguous data (src/dwrite.c), then structures built aside in fresh
 * space (group B-trees and heaps, dense storage, chunk indexes, global
 * heap collections), then object headers (whose addresses never move),
 * then the superblock with the end-of-file address last.
 *
 * Reads through a writable file flush first (c5_w_sync), so the reader
 * code always sees the file as written. */
#ifndef C5_WRITE_H
#define C5_WRITE_H
#include "object.h"
#include "chunk/chunk.h"
#include "filters/filter.h"

/* One header message held in memory. */
typedef struct c5_wmsg {
    uint16_t type;
    uint8_t flags;
    uint16_t corder;
    size_t size;
    uint8_t *data;            /* c5_malloc'd */
} c5_wmsg;

/* An attribute held in memory: its encoded message body. */
typedef struct c5_wattr {
    char *name;
    int64_t corder;
    uint8_t msgflags;         /* header message flags (bit 1: shared type) */
    size_t size;
    uint8_t *data;            /* encoded attribute message body */
} c5_wattr;

/* A pending (not yet written) chunk of a chunked dataset being written. */
typedef struct c5_wchunk c5_wchunk;

/* Dataset storage while writing (src/dwrite.c). */
typedef struct c5_wdset {
    c5_space space;
    c5_type *type;            /* file type (owned) */
    size_t esz;               /* file element size */
    int storage;              /* C5_STORAGE_COMPACT/CONTIGUOUS/CHUNKED */
    c5_pipeline *pipe;        /* chunked: filters (n == 0: none); else NULL */
    uint8_t *fill;            /* fill value (esz bytes) or NULL: zeros */
    int fill_defined, alloc_time, fill_time;
    /* contiguous: data address and size (C5_UNDEF until allocated) */
    uint64_t addr, size;
    /* compact: the data bytes (space size * esz) */
    uint8_t *compact;
    size_t compact_size;
    /* chunked */
    int cidx_type;            /* C5_CIDX_* (src/chunk/index.h) */
    int layout_version;       /* 3 or 4 */
    uint8_t layout_flags;     /* v4 chunked flags */
    c5_chunk_geom *geom;      /* chunked: rank, dims, chunk, ...; else NULL
                                 (with pipe, one c5_wdset_chunked block) */
    c5_vec chunks;            /* c5_chunk_rec: every stored chunk */
    int chunks_sorted;
    c5_wchunk *pending;       /* chunk buffers not yet written (dwrite.c) */
    size_t npending;
    uint64_t pending_bytes;
    uint64_t index_addr;      /* last written index (to free) */
    uint8_t idx_info[32];     /* v4 index-specific layout fields */
    size_t idx_info_len;
    int dirty;                /* layout/index must be rewritten */
} c5_wdset;

typedef enum { C5_GSTYLE_NONE = 0, C5_GSTYLE_STAB = 1, C5_GSTYLE_COMPACT = 2,
               C5_GSTYLE_DENSE = 3 } c5_gstyle;

typedef struct c5_wobj {
    uint64_t addr;            /* header address: the object's identity */
    c5_objkind kind;
    int version;              /* object header version (1 or 2) */
    uint8_t ohflags;          /* v2 header flags */
    uint8_t times[16];        /* v2 times when ohflags & 0x20 */
    uint16_t max_compact, min_dense; /* v2 attribute phase change */
    c5_vec msgs;              /* c5_wmsg: every message except links,
                                 attributes, continuation and NIL */
    uint64_t chunk0_size;     /* data bytes of chunk 0 on disk (0: new) */
    c5_vec conts;             /* uint64_t pairs {addr, size} of continuation
                                 blocks written (freed on rewrite) */
    int refcount;             /* hard links to it (v1 header field) */
    int dirty;                /* header must be rewritten */
    /* groups */
    c5_gstyle gstyle;
    c5_vec links;             /* c5_linkrec, sorted by name */
    int links_dirty;
    int track_corder, index_corder;
    int64_t next_corder;
    uint64_t stab_btree, stab_heap; /* symbol table style: current addresses */
    /* attributes */
    c5_vec attrs;             /* c5_wattr in creation order */
    int attrs_dirty;
    int attr_track, attr_index;
    int has_ainfo;            /* write an attribute-info message */
    int attr_dense;           /* attributes live in dense storage */
    int64_t attr_next_corder;
    /* datasets */
    c5_wdset *ds;
} c5_wobj;

struct c5_wstate {
    c5_wobj **obj;            /* open addressing by header address */
    size_t nobj, cap;
    int dirty;                /* anything pending */
    unsigned gen;             /* bumped by each flush: handles reload */
    uint8_t *sb;              /* superblock bytes as read or created */
    size_t sb_len;
    struct c5_gheapw *gheap;  /* global heap collections being filled */
    char *namebuf;            /* scratch for path components (wobject.c) */
    size_t namecap;
};

/* file_write.c */
/* A new object; with cap > 0 placed at once (see c5_wobj_place). */
int c5_wobj_new(c5_file *f, c5_objkind kind, int version, size_t cap, c5_wobj **out);
/* Give a new object its header address with cap bytes of chunk 0. */
int c5_wobj_place(c5_file *f, c5_wobj *o, size_t cap);
/* Free a new object that was never placed. */
void c5_wobj_discard(c5_file *f, c5_wobj *o);
/* Encode and set the layout message of a dataset from o->ds. */
int c5_wdset_layout_msg(c5_file *f, c5_wobj *o);
/* Flush and truncate at the last release; free the write state. */
int c5_w_close(c5_file *f);
void c5_w_free(c5_file *f);

/* wobject.c */
/* A new empty group in f's format (flags: C5_CREATE_TRACK_ORDER). */
int c5_wgroup_new(c5_file *f, unsigned flags, c5_wobj **out);
/* Flush if a writable file has pending changes (reads call this). */
int c5_w_sync(c5_file *f);
/* The in-memory state of the object at addr, loading it from the file on
 * first use. */
int c5_wobj_get(c5_file *f, uint64_t addr, c5_wobj **out);
void c5_wobj_touch(c5_file *f, c5_wobj *o);
/* Add a header message (data copied). */
int c5_wobj_add_msg(c5_file *f, c5_wobj *o, uint16_t type, uint8_t flags, const void *data,
                    size_t size);
/* Replace the first message of `type` (or add it). */
int c5_wobj_set_msg(c5_file *f, c5_wobj *o, uint16_t type, uint8_t flags, const void *data,
                    size_t size);
c5_wmsg *c5_wobj_find_msg(c5_wobj *o, uint16_t type);
/* Remove every message of `type`. */
void c5_wobj_del_msg(c5_file *f, c5_wobj *o, uint16_t type);

/* Sort chunk records by scaled coordinates (slowest dimension first). */
void c5_chunk_recs_sort(c5_chunk_rec *v, size_t n, int rank);

/* dwrite.c: dataset data */
/* Give a chunked dataset its geometry and pipeline (zeroed), allocated
 * apart so that compact and contiguous datasets do not carry them (most
 * of a c5_wdset's size). */
int c5_wdset_chunked(c5_file *f, c5_wdset *d);
int c5_wdset_write(c5_file *f, c5_wobj *o, const c5_type *mem, const c5_sel *sel,
                   const void *buf, size_t len);
int c5_wdset_resize(c5_file *f, c5_wobj *o, const uint64_t *dims);
/* Write pending chunks, allocate what alloc_time requires, and rewrite the
 * chunk index and layout message when they changed. */
int c5_wdset_flush(c5_file *f, c5_wobj *o);
void c5_wdset_free(c5_file *f, c5_wdset *d);

#endif
