/* Decoded-chunk cache: open hashing on (owner, key) with an LRU list. */
#include "cache.h"

#include <pthread.h>

typedef struct entry {
    uint64_t owner, key;
    uint8_t *buf;
    size_t n;
    struct entry *hnext;            /* hash chain */
    struct entry *prev, *next;      /* LRU list, most recent first */
} entry;

struct c5_ccache {
    pthread_mutex_t mu;
    uint64_t budget, used;
    size_t nentries, nbuckets;
    entry **bucket;
    entry *head, *tail;
};

static size_t hash(uint64_t owner, uint64_t key, size_t nb)
{
    uint64_t h = owner * 0x9e3779b97f4a7c15ull ^ (key + 0x632be59bd9b4e019ull);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (size_t)h & (nb - 1);
}

int c5_ccache_new(c5_file *f, uint64_t budget, c5_ccache **out)
{
    c5_ccache *c = c5_calloc(f, 1, sizeof *c);
    if (!c)
        return C5_ENOMEM;
    c->nbuckets = 1024;
    c->bucket = c5_calloc(f, c->nbuckets, sizeof *c->bucket);
    if (!c->bucket) {
        c5_free(f, c);
        return C5_ENOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->budget = budget;
    *out = c;
    return 0;
}

static void unlink_lru(c5_ccache *c, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(c5_ccache *c, entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void drop(c5_file *f, c5_ccache *c, entry *e)
{
    entry **pp = &c->bucket[hash(e->owner, e->key, c->nbuckets)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    unlink_lru(c, e);
    c->used -= e->n;
    c->nentries--;
    c5_free(f, e->buf);
    c5_free(f, e);
}

static void evict(c5_file *f, c5_ccache *c)
{
    while (c->used > c->budget && c->tail)
        drop(f, c, c->tail);
}

void c5_ccache_free(c5_file *f, c5_ccache *c)
{
    if (!c)
        return;
    while (c->head)
        drop(f, c, c->head);
    pthread_mutex_destroy(&c->mu);
    c5_free(f, c->bucket);
    c5_free(f, c);
}

int c5_ccache_use(c5_ccache *c, uint64_t owner, uint64_t key,
                  void (*use)(void *ud, const uint8_t *bytes, size_t n), void *ud)
{
    int rc = C5_ENOTFOUND;
    pthread_mutex_lock(&c->mu);
    for (entry *e = c->bucket[hash(owner, key, c->nbuckets)]; e; e = e->hnext) {
        if (e->owner == owner && e->key == key) {
            unlink_lru(c, e);
            push_front(c, e);
            use(ud, e->buf, e->n);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* Keep chains short when many small chunks are cached: double the table
 * when entries outnumber buckets twice over (a failed allocation keeps the
 * old table, which stays correct, only slower). */
static void grow(c5_file *f, c5_ccache *c)
{
    if (c->nentries <= 2 * c->nbuckets)
        return;
    size_t nb = c->nbuckets * 2;
    entry **nt = c5_calloc(f, nb, sizeof *nt);
    if (!nt)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry *e = c->bucket[i];
        while (e) {
            entry *next = e->hnext;
            size_t h = hash(e->owner, e->key, nb);
            e->hnext = nt[h];
            nt[h] = e;
            e = next;
        }
    }
    c5_free(f, c->bucket);
    c->bucket = nt;
    c->nbuckets = nb;
}

void c5_ccache_put(c5_file *f, c5_ccache *c, uint64_t owner, uint64_t key, uint8_t *buf,
                   size_t n)
{
    if (n > c->budget) {
        c5_free(f, buf);
        return;
    }
    entry *e = c5_calloc(f, 1, sizeof *e);
    if (!e) {
        c5_free(f, buf);
        return;
    }
    e->owner = owner;
    e->key = key;
    e->buf = buf;
    e->n = n;
    pthread_mutex_lock(&c->mu);
    size_t h = hash(owner, key, c->nbuckets);
    for (entry *o = c->bucket[h]; o; o = o->hnext) {
        if (o->owner == owner && o->key == key) { /* raced: keep the first */
            pthread_mutex_unlock(&c->mu);
            c5_free(f, buf);
            c5_free(f, e);
            return;
        }
    }
    e->hnext = c->bucket[h];
    c->bucket[h] = e;
    push_front(c, e);
    c->used += n;
    c->nentries++;
    evict(f, c);
    grow(f, c);
    pthread_mutex_unlock(&c->mu);
}

void c5_ccache_set_budget(c5_file *f, c5_ccache *c, uint64_t budget)
{
    pthread_mutex_lock(&c->mu);
    c->budget = budget;
    evict(f, c);
    pthread_mutex_unlock(&c->mu);
}
