/* Per-file cache of decoded chunks with a byte budget (LRU). Thread-safe:
 * one mutex guards the table; cached bytes are only touched under it. */
#ifndef C5_CACHE_H
#define C5_CACHE_H
#include "../core/internal.h"

typedef struct c5_ccache c5_ccache;

int c5_ccache_new(c5_file *f, uint64_t budget, c5_ccache **out);
void c5_ccache_free(c5_file *f, c5_ccache *c);
/* If (owner, key) is cached, call use(ud, bytes, n) under the lock and
 * return 0; else C5_ENOTFOUND. */
int c5_ccache_use(c5_ccache *c, uint64_t owner, uint64_t key,
                  void (*use)(void *ud, const uint8_t *bytes, size_t n), void *ud);
/* Insert a decoded chunk; the cache takes ownership of buf (allocated with
 * c5_malloc(f)) and may free it at once when it exceeds the budget. */
void c5_ccache_put(c5_file *f, c5_ccache *c, uint64_t owner, uint64_t key, uint8_t *buf,
                   size_t n);
void c5_ccache_set_budget(c5_file *f, c5_ccache *c, uint64_t budget);

#endif
