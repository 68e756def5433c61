/* The chunk write-back buffer of a chunked dataset being written
 * (c5_wdset.pending): pending chunk buffers in a hash table keyed by
 * their scaled coordinates, with an LRU list for eviction, and a second
 * hash table finding stored chunks among d->chunks. Used by dwrite.c. */
#ifndef C5_WCHUNK_H
#define C5_WCHUNK_H
#include "write.h"
#include "chunk/index.h"

typedef struct c5_pend {
    struct c5_pend *hnext;           /* hash chain */
    struct c5_pend *newer, *older;   /* LRU list */
    uint64_t hash;
    uint8_t *buf;                 /* chunk_bytes, c5_malloc'd */
    int rank;
    uint64_t scaled[];
} c5_pend;

/* One per chunked dataset being written (d->pending). */
struct c5_wchunk {
    c5_pend **bucket;
    size_t nbucket;               /* power of two (0 before first use) */
    c5_pend *newest, *oldest;
    size_t *rslot;                /* over d->chunks: record index + 1, 0 empty */
    size_t rcap;                  /* power of two */
    int rvalid;                   /* rslot matches d->chunks */
    uint64_t implicit_base;       /* implicit index: block address, or C5_UNDEF */
};

static inline c5_chunk_rec *c5_wc_recs(const c5_wdset *d) { return d->chunks.v; }

/* Hash of a chunk's scaled coordinates (both tables). */
uint64_t c5_wc_hash(int rank, const uint64_t *s);
/* d's table, created on first use (NULL and an error set when out of
 * memory). */
c5_wchunk *c5_wc_get(c5_file *f, c5_wdset *d);
/* Stored chunks: 1 and *at = its index in d->chunks when the chunk is
 * stored, 0 when not, < 0 on error; add a record; remove record i (the
 * last one takes its place). */
int c5_wc_rec_find(c5_file *f, c5_wdset *d, const uint64_t *scaled, size_t *at);
int c5_wc_rec_add(c5_file *f, c5_wdset *d, const c5_chunk_rec *r);
void c5_wc_rec_remove(c5_wdset *d, size_t i);
/* Pending chunks: find by coordinates and hash; add one owning buf (on
 * success only); remove one (freeing its buffer); move within the LRU. */
c5_pend *c5_wc_pend_find(const c5_wchunk *w, int rank, const uint64_t *s, uint64_t h);
int c5_wc_pend_add(c5_file *f, c5_wdset *d, const uint64_t *scaled, uint64_t h, uint8_t *buf,
                   c5_pend **out);
void c5_wc_pend_remove(c5_file *f, c5_wdset *d, c5_pend *p);
void c5_wc_lru_unlink(c5_wchunk *w, c5_pend *p);
void c5_wc_lru_push(c5_wchunk *w, c5_pend *p);

#endif
