/* Run n independent jobs on up to nthreads threads (the caller's thread
 * included). Jobs are claimed from an atomic counter, so uneven jobs
 * balance themselves. */
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct pool_run {
    atomic_size_t next;
    size_t n;
    void (*fn)(void *ud, size_t i);
    void *ud;
} pool_run;

static void *worker(void *arg)
{
    pool_run *r = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n)
            break;
        r->fn(r->ud, i);
    }
    return NULL;
}

void c5_parallel_for(int nthreads, size_t n, void (*fn)(void *ud, size_t i), void *ud)
{
    pool_run r;
    atomic_init(&r.next, 0);
    r.n = n;
    r.fn = fn;
    r.ud = ud;
    pthread_t th[64];
    int started = 0;
    if (nthreads > 64)
        nthreads = 64;
    for (int t = 1; t < nthreads && (size_t)t < n; t++)
        if (pthread_create(&th[started], NULL, worker, &r) == 0)
            started++;
    worker(&r);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
}
