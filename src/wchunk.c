/* The chunk write-back buffer (wchunk.h): two hash tables over one
 * dataset's chunks. Pending chunks are chained in buckets (a power of two,
 * doubled past one chunk per bucket) and kept in an LRU list, newest
 * first, so eviction takes the oldest. Stored chunks (d->chunks, a
 * vector) are found through an open-addressing table of record indexes,
 * rebuilt lazily whenever records move or it fills past half. */
#include "wchunk.h"

uint64_t c5_wc_hash(int rank, const uint64_t *s)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < rank; i++) {
        h ^= s[i] + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
        h *= 0xbf58476d1ce4e5b9ull;
    }
    return h ^ (h >> 31);
}

c5_wchunk *c5_wc_get(c5_file *f, c5_wdset *d)
{
    if (!d->pending) {
        d->pending = c5_calloc(f, 1, sizeof *d->pending);
        if (d->pending)
            d->pending->implicit_base = C5_UNDEF;
        else
            c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    return d->pending;
}

static void rslot_insert(c5_wchunk *w, const c5_wdset *d, size_t i)
{
    size_t s = (size_t)c5_wc_hash(d->geom->rank, c5_wc_recs(d)[i].scaled) & (w->rcap - 1);
    while (w->rslot[s])
        s = (s + 1) & (w->rcap - 1);
    w->rslot[s] = i + 1;
}

static int rslot_build(c5_file *f, c5_wdset *d)
{
    c5_wchunk *w = d->pending;
    size_t cap = 16;
    while (cap / 2 < d->chunks.n + 1) {
        if (cap > SIZE_MAX / 4 / sizeof(size_t))
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "too many chunks");
        cap *= 2;
    }
    if (cap != w->rcap) {
        size_t *s = c5_realloc(f, w->rslot, cap * sizeof *s);
        if (!s)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
        w->rslot = s;
        w->rcap = cap;
    }
    memset(w->rslot, 0, w->rcap * sizeof *w->rslot);
    for (size_t i = 0; i < d->chunks.n; i++)
        rslot_insert(w, d, i);
    w->rvalid = 1;
    return 0;
}

/* 1 and *at = its index when the chunk is stored, 0 when not, <0 on error. */
int c5_wc_rec_find(c5_file *f, c5_wdset *d, const uint64_t *scaled, size_t *at)
{
    c5_wchunk *w = c5_wc_get(f, d);
    if (!w)
        return C5_ENOMEM;
    if (d->chunks.n == 0)
        return 0;
    int rc;
    if (!w->rvalid && (rc = rslot_build(f, d)))
        return rc;
    int rank = d->geom->rank;
    size_t s = (size_t)c5_wc_hash(rank, scaled) & (w->rcap - 1);
    for (; w->rslot[s]; s = (s + 1) & (w->rcap - 1)) {
        size_t i = w->rslot[s] - 1;
        if (memcmp(c5_wc_recs(d)[i].scaled, scaled, sizeof(uint64_t) * (size_t)rank) == 0) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

int c5_wc_rec_add(c5_file *f, c5_wdset *d, const c5_chunk_rec *r)
{
    c5_wchunk *w = c5_wc_get(f, d);
    if (!w)
        return C5_ENOMEM;
    if (!d->chunks.esz)
        d->chunks.esz = sizeof(c5_chunk_rec);
    int rc = c5_vec_push(f, &d->chunks, r);
    if (rc)
        return rc;
    size_t n = d->chunks.n;
    if (n == 1)
        d->chunks_sorted = 1;
    else if (d->chunks_sorted &&
             c5_cidx_cmp_scaled(d->geom->rank, c5_wc_recs(d)[n - 2].scaled, r->scaled) >= 0)
        d->chunks_sorted = 0;
    if (w->rvalid) {
        if (n + 1 > w->rcap / 2)
            w->rvalid = 0; /* rebuilt bigger at the next lookup */
        else
            rslot_insert(w, d, n - 1);
    }
    return 0;
}

void c5_wc_rec_remove(c5_wdset *d, size_t i)
{
    size_t last = d->chunks.n - 1;
    if (i != last) {
        c5_wc_recs(d)[i] = c5_wc_recs(d)[last];
        d->chunks_sorted = 0;
    }
    d->chunks.n--;
    if (d->pending)
        d->pending->rvalid = 0;
}

c5_pend *c5_wc_pend_find(const c5_wchunk *w, int rank, const uint64_t *s, uint64_t h)
{
    if (!w || !w->nbucket)
        return NULL;
    for (c5_pend *p = w->bucket[h & (w->nbucket - 1)]; p; p = p->hnext)
        if (p->hash == h && memcmp(p->scaled, s, sizeof(uint64_t) * (size_t)rank) == 0)
            return p;
    return NULL;
}

void c5_wc_lru_unlink(c5_wchunk *w, c5_pend *p)
{
    if (p->newer)
        p->newer->older = p->older;
    else
        w->newest = p->older;
    if (p->older)
        p->older->newer = p->newer;
    else
        w->oldest = p->newer;
    p->newer = p->older = NULL;
}

void c5_wc_lru_push(c5_wchunk *w, c5_pend *p)
{
    p->newer = NULL;
    p->older = w->newest;
    if (w->newest)
        w->newest->newer = p;
    w->newest = p;
    if (!w->oldest)
        w->oldest = p;
}

static int pend_rehash(c5_file *f, c5_wchunk *w, size_t nb)
{
    c5_pend **nt = c5_calloc(f, nb, sizeof *nt);
    if (!nt)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    for (size_t i = 0; i < w->nbucket; i++)
        for (c5_pend *p = w->bucket[i], *next; p; p = next) {
            next = p->hnext;
            p->hnext = nt[p->hash & (nb - 1)];
            nt[p->hash & (nb - 1)] = p;
        }
    c5_free(f, w->bucket);
    w->bucket = nt;
    w->nbucket = nb;
    return 0;
}

/* Add a pending chunk owning buf (on success only). */
int c5_wc_pend_add(c5_file *f, c5_wdset *d, const uint64_t *scaled, uint64_t h, uint8_t *buf,
                    c5_pend **out)
{
    c5_wchunk *w = c5_wc_get(f, d);
    if (!w)
        return C5_ENOMEM;
    if (d->npending + 1 > w->nbucket) {
        size_t nb = w->nbucket ? w->nbucket * 2 : 64;
        if (nb < w->nbucket)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "too many pending chunks");
        int rc = pend_rehash(f, w, nb);
        if (rc)
            return rc;
    }
    int rank = d->geom->rank;
    c5_pend *p = c5_malloc(f, sizeof *p + sizeof(uint64_t) * (size_t)rank);
    if (!p)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    memset(p, 0, sizeof *p);
    p->rank = rank;
    memcpy(p->scaled, scaled, sizeof(uint64_t) * (size_t)rank);
    p->hash = h;
    p->buf = buf;
    p->hnext = w->bucket[h & (w->nbucket - 1)];
    w->bucket[h & (w->nbucket - 1)] = p;
    c5_wc_lru_push(w, p);
    d->npending++;
    d->pending_bytes += d->geom->chunk_bytes;
    *out = p;
    return 0;
}

void c5_wc_pend_remove(c5_file *f, c5_wdset *d, c5_pend *p)
{
    c5_wchunk *w = d->pending;
    c5_pend **pp = &w->bucket[p->hash & (w->nbucket - 1)];
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
    c5_wc_lru_unlink(w, p);
    d->npending--;
    d->pending_bytes -= d->geom->chunk_bytes;
    c5_free(f, p->buf);
    c5_free(f, p);
}
