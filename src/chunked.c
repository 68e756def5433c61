/* Chunked datasets: which chunks a selection touches, fetching them (chunk
 * cache, index lookup, filter pipeline, parallel decode) and copying the
 * selected part of each into the gather buffer. */
#include "object.h"
#include "chunk/cache.h"
#include "chunk/chunk.h"
#include "filters/filter.h"

#include <pthread.h>

typedef struct c5_chunked {
    c5_chunk_geom g;
    c5_pipeline pipe;
    c5_chunk_index *ix;
    pthread_mutex_t mu;      /* the index handle is not thread-safe */
    uint64_t grid[C5_MAX_RANK];
} c5_chunked;

int c5_chunked_init(c5_object *o)
{
    c5_file *f = o->f;
    const c5_layout *l = &o->layout;
    if (o->space.cls != C5_SPACE_SIMPLE || l->ndims != o->space.rank + 1)
        return c5_fail(f, C5_ECORRUPT, o->addr,
                       "chunked layout of dimensionality %d for a dataspace of rank %d",
                       l->ndims, o->space.rank);
    c5_chunked *c = c5_calloc(f, 1, sizeof *c);
    if (!c)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    o->chunked = c;
    pthread_mutex_init(&c->mu, NULL);
    c5_chunk_geom *g = &c->g;
    g->rank = o->space.rank;
    g->elem_size = o->type->size;
    /* Layouts before v4 record the element size as the last chunk
     * dimension; it must agree with the datatype. */
    if (l->version < 4 && l->chunk[g->rank] != g->elem_size)
        return c5_fail(f, C5_ECORRUPT, o->addr, "chunk element size %llu, datatype size %zu",
                       (unsigned long long)l->chunk[g->rank], g->elem_size);
    uint64_t bytes = g->elem_size;
    for (int i = 0; i < g->rank; i++) {
        g->dims[i] = o->space.dims[i];
        g->maxdims[i] = o->space.maxdims[i];
        g->chunk[i] = l->chunk[i];
        if (g->chunk[i] == 0 || c5_mul_ovf(bytes, g->chunk[i], &bytes))
            return c5_fail(f, C5_ECORRUPT, o->addr, "invalid chunk dimensions");
        c->grid[i] = g->dims[i] / g->chunk[i] + (g->dims[i] % g->chunk[i] != 0);
    }
    uint64_t cap = f->opts.max_alloc ? f->opts.max_alloc : (1ull << 30);
    if (bytes > cap)
        return c5_fail(f, C5_ELIMIT, o->addr, "chunk of %llu bytes exceeds the limits",
                       (unsigned long long)bytes);
    g->chunk_bytes = bytes;
    size_t pos = 0;
    c5_mbody b;
    int rc = c5_ohdr_find(f, o->oh, C5_MSG_PIPELINE, &pos, &b);
    if (rc == 0) {
        rc = c5_pipeline_decode(f, &b, &c->pipe);
        c5_mbody_free(f, &b);
        if (rc)
            return rc;
    } else if (rc != C5_ENOTFOUND) {
        return rc;
    }
    g->filtered = c->pipe.n > 0;
    return c5_chunk_index_open(f, l, g, &c->ix);
}

void c5_chunked_fini(c5_object *o)
{
    c5_chunked *c = o->chunked;
    if (!c)
        return;
    c5_chunk_index_close(c->ix);
    c5_pipeline_free(o->f, &c->pipe);
    pthread_mutex_destroy(&c->mu);
    c5_free(o->f, c);
    o->chunked = NULL;
}

static uint64_t chunk_key(const c5_chunked *c, const uint64_t *scaled)
{
    uint64_t k = 0;
    for (int i = 0; i < c->g.rank; i++)
        k = k * (c->grid[i] + 1) + scaled[i];
    return k;
}

static int is_partial_edge(const c5_chunked *c, const uint64_t *scaled)
{
    for (int i = 0; i < c->g.rank; i++)
        if ((scaled[i] + 1) * c->g.chunk[i] > c->g.dims[i])
            return 1;
    return 0;
}

/* One chunk being fetched. */
typedef struct job {
    uint64_t scaled[C5_MAX_RANK];
    uint64_t key;
    int state;          /* 0 cached, 1 unallocated (fill), 2 to decode, 3 decoded */
    c5_chunk_rec rec;
    uint8_t *buf;
    int rc;
} job;

typedef struct fetch {
    c5_object *o;
    job *jobs;
} fetch;

/* Read and unfilter one chunk. Runs on pool threads: it touches only the
 * job, the (read-only) pipeline, and thread-safe I/O. */
static void decode_job(void *ud, size_t i)
{
    fetch *fe = ud;
    c5_object *o = fe->o;
    c5_chunked *c = o->chunked;
    c5_file *f = o->f;
    job *j = &fe->jobs[i];
    if (j->state != 2)
        return;
    uint64_t want = c->g.chunk_bytes;
    int filtered = c->pipe.n > 0 &&
                   !((o->layout.flags & 1) && is_partial_edge(c, j->scaled));
    uint64_t n = j->rec.size;
    if (!filtered) {
        if (n < want) {
            j->rc = c5_fail(f, C5_ECORRUPT, j->rec.addr, "chunk of %llu bytes, expected %llu",
                            (unsigned long long)n, (unsigned long long)want);
            return;
        }
        n = want;
    }
    uint8_t *raw;
    int rc = c5_read_alloc(f, j->rec.addr, n, "chunk", &raw);
    if (rc) {
        j->rc = rc;
        return;
    }
    if (!filtered) {
        j->buf = raw;
        j->state = 3;
        return;
    }
    c5_filter_ctx ctx = {f, o->type, c->g.elem_size, want, j->rec.addr};
    uint8_t *out;
    size_t outn;
    rc = c5_pipeline_apply(&c->pipe, j->rec.filter_mask, &ctx, raw, (size_t)n, &out, &outn);
    if (rc) {
        j->rc = rc;
        return;
    }
    if (outn != want) {
        c5_free(f, out);
        j->rc = c5_fail(f, C5_ECORRUPT, j->rec.addr,
                        "chunk decodes to %zu bytes, expected %llu", outn,
                        (unsigned long long)want);
        return;
    }
    j->buf = out;
    j->state = 3;
}

/* Resolve the chunks of a batch: cache hits, index lookups; then decode
 * the missing ones in parallel. */
static int fetch_batch(c5_object *o, job *jobs, size_t n)
{
    c5_chunked *c = o->chunked;
    c5_file *f = o->f;
    size_t todo = 0;
    pthread_mutex_lock(&c->mu);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        job *j = &jobs[i];
        j->buf = NULL;
        j->rc = 0;
        j->key = chunk_key(c, j->scaled);
        rc = c5_chunk_lookup(c->ix, j->scaled, &j->rec);
        if (rc == C5_ENOTFOUND) {
            j->state = 1;
            rc = 0;
        } else if (rc == 0) {
            j->state = 2;
            todo++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (rc)
        return rc;
    fetch fe = {o, jobs};
    int nt = f->nthreads > 0 ? f->nthreads : 1;
    if (todo > 1 && nt > 1)
        c5_parallel_for(nt, n, decode_job, &fe);
    else
        for (size_t i = 0; i < n; i++)
            decode_job(&fe, i);
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc)
            return jobs[i].rc;
    return 0;
}

/* ---- copying the selected part of a chunk -------------------------------- */

typedef struct copier {
    const c5_chunked *c;
    const c5_sel *sel;
    uint8_t *raw;
    uint64_t sstride[C5_MAX_RANK];   /* output stride per dimension (elements) */
    uint64_t cstride[C5_MAX_RANK];   /* chunk stride per dimension (elements) */
    uint64_t *cin[C5_MAX_RANK];      /* selected coordinates inside the chunk */
    uint64_t *sidx[C5_MAX_RANK];     /* their index along the selection */
    size_t m[C5_MAX_RANK];
} copier;

/* Selected coordinates of dimension d inside chunk `scaled`. */
static size_t dim_list(const copier *cp, int d, uint64_t scaled)
{
    const c5_sel *s = cp->sel;
    uint64_t cs = scaled * cp->c->g.chunk[d];
    uint64_t ce = cs + cp->c->g.chunk[d];
    if (ce > cp->c->g.dims[d])
        ce = cp->c->g.dims[d];
    size_t m = 0;
    uint64_t lo = cs > s->start[d] ? cs : s->start[d];
    if (s->stride[d] == s->block[d]) { /* blocks touch: one range, no division */
        uint64_t end = s->start[d] + s->count[d] * s->block[d];
        for (uint64_t x = lo; x < ce && x < end; x++, m++) {
            cp->cin[d][m] = x - cs;
            cp->sidx[d][m] = x - s->start[d];
        }
        return m;
    }
    for (uint64_t x = lo; x < ce; x++) {
        uint64_t rel = x - s->start[d];
        uint64_t bi = rel / s->stride[d], within = rel % s->stride[d];
        if (bi >= s->count[d])
            break;
        if (within >= s->block[d]) { /* jump to the next block */
            x = s->start[d] + (bi + 1) * s->stride[d] - 1;
            continue;
        }
        cp->cin[d][m] = x - cs;
        cp->sidx[d][m] = bi * s->block[d] + within;
        m++;
    }
    return m;
}

/* Copy from chunk bytes (NULL: fill value) into the output. */
static void copy_chunk(const copier *cp, c5_object *o, const uint8_t *chunk)
{
    int rank = cp->sel->rank, L = rank - 1;
    size_t esz = cp->c->g.elem_size;
    size_t idx[C5_MAX_RANK] = {0};
    for (;;) {
        uint64_t so = 0, co = 0;
        for (int d = 0; d < L; d++) {
            so += cp->sidx[d][idx[d]] * cp->sstride[d];
            co += cp->cin[d][idx[d]] * cp->cstride[d];
        }
        size_t k = 0;
        while (k < cp->m[L]) {
            size_t r = 1; /* run of consecutive coordinates and indices */
            while (k + r < cp->m[L] && cp->cin[L][k + r] == cp->cin[L][k] + r &&
                   cp->sidx[L][k + r] == cp->sidx[L][k] + r)
                r++;
            uint8_t *dst = cp->raw + (so + cp->sidx[L][k]) * esz;
            if (chunk)
                memcpy(dst, chunk + (co + cp->cin[L][k]) * esz, r * esz);
            else
                c5_fill_elems(o, esz, dst, r);
            k += r;
        }
        int d = L - 1;
        while (d >= 0 && ++idx[d] == cp->m[d])
            idx[d--] = 0;
        if (d < 0)
            break;
    }
}

typedef struct use_ctx {
    const copier *cp;
    c5_object *o;
} use_ctx;

static void use_cached(void *ud, const uint8_t *bytes, size_t n)
{
    use_ctx *u = ud;
    (void)n;
    copy_chunk(u->cp, u->o, bytes);
}

#define BATCH 16

int c5_chunked_read(c5_object *o, const c5_sel *sel, uint8_t *raw)
{
    c5_chunked *c = o->chunked;
    c5_file *f = o->f;
    int rank = c->g.rank;
    copier cp = {c, sel, raw, {0}, {0}, {0}, {0}, {0}};
    uint64_t lo[C5_MAX_RANK], hi[C5_MAX_RANK];
    uint64_t ss = 1, cs = 1, total = 0;
    for (int d = rank - 1; d >= 0; d--) {
        cp.sstride[d] = ss;
        cp.cstride[d] = cs;
        ss *= sel->count[d] * sel->block[d];
        cs *= c->g.chunk[d];
        total += c->g.chunk[d];
        if (sel->count[d] == 0)
            return 0;
        uint64_t last = sel->start[d] + (sel->count[d] - 1) * sel->stride[d] + sel->block[d] - 1;
        lo[d] = sel->start[d] / c->g.chunk[d];
        hi[d] = last / c->g.chunk[d];
    }
    uint64_t *lists;
    int rc = c5_alloc_checked(f, 2 * total * sizeof(uint64_t), o->addr, "chunk selection",
                              (void **)&lists);
    if (rc)
        return rc;
    uint64_t *p = lists;
    for (int d = 0; d < rank; d++) {
        cp.cin[d] = p;
        p += c->g.chunk[d];
        cp.sidx[d] = p;
        p += c->g.chunk[d];
    }
    job *jobs = c5_calloc(f, BATCH, sizeof *jobs);
    if (!jobs) {
        c5_free(f, lists);
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    }
    uint64_t sc[C5_MAX_RANK];
    for (int d = 0; d < rank; d++)
        sc[d] = lo[d];
    int done = 0;
    while (!done && !rc) {
        /* collect a batch of chunks that hold selected elements */
        size_t n = 0;
        while (n < BATCH && !done) {
            int empty = 0;
            for (int d = 0; d < rank && !empty; d++)
                empty = dim_list(&cp, d, sc[d]) == 0;
            if (!empty) {
                job *j = &jobs[n];
                memcpy(j->scaled, sc, sizeof(uint64_t) * (size_t)rank);
                use_ctx u = {&cp, o};
                for (int d = 0; d < rank; d++)
                    cp.m[d] = dim_list(&cp, d, sc[d]);
                if (f->ccache && c5_ccache_use(f->ccache, o->addr, chunk_key(c, sc), use_cached,
                                               &u) == 0) {
                    /* served from the cache */
                } else {
                    n++;
                }
            }
            int d = rank - 1;
            while (d >= 0 && sc[d] == hi[d]) {
                sc[d] = lo[d];
                d--;
            }
            if (d < 0)
                done = 1;
            else
                sc[d]++;
        }
        if (n == 0)
            continue;
        rc = fetch_batch(o, jobs, n);
        for (size_t i = 0; i < n; i++) {
            job *j = &jobs[i];
            if (!rc) {
                for (int d = 0; d < rank; d++)
                    cp.m[d] = dim_list(&cp, d, j->scaled[d]);
                copy_chunk(&cp, o, j->state == 3 ? j->buf : NULL);
            }
            if (j->buf) {
                if (!rc && f->ccache)
                    c5_ccache_put(f, f->ccache, o->addr, j->key, j->buf,
                                  (size_t)c->g.chunk_bytes);
                else
                    c5_free(f, j->buf);
                j->buf = NULL;
            }
        }
    }
    c5_free(f, jobs);
    c5_free(f, lists);
    return rc;
}

typedef struct pt_ctx {
    uint8_t *dst;
    size_t off, esz;
} pt_ctx;

static void copy_point(void *ud, const uint8_t *bytes, size_t n)
{
    pt_ctx *p = ud;
    (void)n;
    memcpy(p->dst, bytes + p->off, p->esz);
}

int c5_chunked_read_points(c5_object *o, size_t n, const uint64_t *coords, uint8_t *raw)
{
    c5_chunked *c = o->chunked;
    c5_file *f = o->f;
    int rank = c->g.rank;
    size_t esz = c->g.elem_size;
    for (size_t p = 0; p < n; p++) {
        job j;
        memset(&j, 0, sizeof j);
        uint64_t off = 0;
        for (int d = 0; d < rank; d++) {
            uint64_t x = coords[p * (size_t)rank + (size_t)d];
            j.scaled[d] = x / c->g.chunk[d];
            off = off * c->g.chunk[d] + x % c->g.chunk[d];
        }
        pt_ctx pc = {raw + p * esz, (size_t)off * esz, esz};
        if (f->ccache && c5_ccache_use(f->ccache, o->addr, chunk_key(c, j.scaled), copy_point,
                                       &pc) == 0)
            continue;
        int rc = fetch_batch(o, &j, 1);
        if (rc)
            return rc;
        if (j.state == 3) {
            memcpy(pc.dst, j.buf + pc.off, esz);
            if (f->ccache)
                c5_ccache_put(f, f->ccache, o->addr, j.key, j.buf, (size_t)c->g.chunk_bytes);
            else
                c5_free(f, j.buf);
        } else {
            c5_fill_elems(o, esz, pc.dst, 1);
        }
    }
    return 0;
}
