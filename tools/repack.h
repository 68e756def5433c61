/* cfive repack: what tools/repack.c (the copy) and tools/repack_opts.c
 * (the command line: -f/-l specs and the other options) share. */
#ifndef CFIVE_REPACK_H
#define CFIVE_REPACK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools.h"

/* Memory for one slab of dataset data (memory form). */
#define RP_SLAB_BYTES ((size_t)64 << 20)

/* One -f or -l option. */
typedef struct rp_spec {
    char **objs;        /* object paths without leading '/'; NULL: all */
    size_t nobjs;
    int is_layout;
    /* -f */
    int none;           /* NONE: remove all filters */
    c5_filter filt;
    /* -l */
    int storage;        /* C5_STORAGE_CHUNKED / CONTIGUOUS / COMPACT */
    int rank;
    uint64_t chunk[C5_MAX_RANK];
} rp_spec;

/* How a new dataset was created: pass 2 shapes its slabs by it (asking
 * the new file instead would flush it once per dataset). */
typedef struct rp_dsinfo {
    int chunked;
    int chunk_rank;
    uint64_t chunk[C5_MAX_RANK];
    uint8_t *fill;      /* fill value bytes, or NULL: zeros */
} rp_dsinfo;

/* One object of the new file and where it came from. */
typedef struct rp_entry {
    uint64_t src;       /* header address in IN: the object's identity */
    c5_objkind kind;
    c5_object *obj;     /* the new object, open until the end */
    char *path;         /* the path it was created at (for messages) */
    rp_dsinfo *ds;      /* datasets: how they were created */
} rp_entry;

/* A link of a source group, copied out of the iteration callback. */
typedef struct rp_link {
    char *name;
    int type;
    uint64_t addr;
    char *target, *target_file;
    size_t udlen; /* user-defined links: bytes of the value at target */
} rp_link;

typedef struct rp_links {
    rp_link *v;
    size_t n, cap;
    int oom;
} rp_links;

typedef struct repack {
    const char *in, *out;
    int latest, verbose;
    uint64_t min_comp;
    size_t slab_bytes;
    rp_spec *specs;
    size_t nspecs;
    c5_file *src, *dst;
    rp_entry *ents;
    size_t nents, cap;
    size_t *slots;      /* open addressing by source address: index + 1 */
    size_t nslots;
    unsigned long anon_seq;
    int created;        /* OUT was created (removed again on failure) */
} repack;

/* calloc that exits with a message when memory runs out. */
void *rp_xcalloc(size_t n, size_t size);

/* Parse argv into r (specs allocated; release with rp_free_specs).
 * Returns 0 to go on, else 1 + the exit status (help, usage errors). */
int rp_parse_args(int argc, char **argv, repack *r);
void rp_free_specs(repack *r);

#endif
