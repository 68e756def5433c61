/* Reading virtual datasets: each mapping pairs the elements of its virtual
 * selection with those of its source selection in C order (the n-th
 * selected element of one is the n-th of the other, whatever the two
 * shapes), as libhdf5 does under its default view "last available".
 *
 * A read of selection R first stores the fill value in every element, then
 * walks the mappings in order. For each, the virtual selection V (clipped
 * to the current extent when unlimited) and the source selection S (sized
 * to as many elements as V has) are products of one-dimensional sets, so
 * R ∩ V is found one dimension at a time: element by element in the
 * leading dimensions, as runs in the last one. A run is split where the
 * source's coordinates stop being consecutive and read from the source as
 * one row. Source elements outside the source's current extent, and whole
 * sources that are missing, keep the fill value.
 *
 * A "printf" mapping (%b in a name, unlimited count of virtual blocks)
 * reads block k of its virtual selection from source k; only blocks R
 * touches are opened. Work and memory are bounded by the size of R, never
 * by the extents a file declares. */
#include "vds.h"

#include "type.h"

enum { VDS_MAX_DEPTH = 8 }; /* virtual sources of virtual sources */

static _Thread_local int vds_depth;

/* One dimension of a regular selection: n elements, element j at
 * start + (j / block) * stride + j % block (blocks never overlap). */
typedef struct span {
    uint64_t start, stride, block, n;
} span;

/* Elements of R ∩ V in one leading dimension: index in R, index in V. */
typedef struct pair {
    uint64_t r, v;
} pair;

/* A run in the last dimension: len elements from index r of R and v of V. */
typedef struct run {
    uint64_t r, v, len;
} run;

typedef struct rd {
    c5_object *ds;
    c5_file *f;
    const c5_type *mem;          /* type sources are read as */
    const c5_sel *sel;
    uint8_t *buf;
    size_t msz;
    bool vlen;
    span R[C5_MAX_RANK];
    uint64_t rlin[C5_MAX_RANK];  /* C-order weight of each R index */
    /* point reads instead of R: npts coordinates (rank each); the mapping
     * being read considers the norder points listed in order */
    const uint64_t *pts;
    size_t npts, *order, norder;
} rd;

static uint64_t span_pos(const span *s, uint64_t j)
{
    return s->start + (j / s->block) * s->stride + j % s->block;
}

/* Index of coordinate x in s, or false when s does not select x. */
static bool span_idx(const span *s, uint64_t x, uint64_t *j)
{
    if (x < s->start)
        return false;
    uint64_t t = x - s->start, q = t / s->stride, r = t % s->stride;
    if (r >= s->block)
        return false;
    *j = q * s->block + r;
    return *j < s->n;
}

static void span_set(span *s, uint64_t start, uint64_t stride, uint64_t block, uint64_t n)
{
    s->start = start;
    s->block = block ? block : 1;
    s->stride = n <= s->block || stride < s->block ? s->block : stride;
    s->n = n;
}

/* The spans of selection x over a space of extent dims; the unlimited
 * dimension gets `unlim_n` elements. Returns false when x selects nothing
 * or cannot be read this way (C5_EUNSUPPORTED is set in *rc then). */
static bool sel_spans(rd *r, const c5_vsel *x, unsigned rank, const uint64_t *dims,
                      uint64_t unlim_n, span *out, int *rc)
{
    *rc = 0;
    if (x->type == C5_VSEL_ALL) {
        for (unsigned u = 0; u < rank; u++) {
            if (!dims[u])
                return false;
            span_set(&out[u], 0, dims[u], dims[u], dims[u]);
        }
        return true;
    }
    if (x->type != C5_VSEL_HYPER || x->rank != rank)
        return false;
    if (x->nblocks > 1) {
        *rc = c5_fail(r->f, C5_EUNSUPPORTED, r->ds->addr,
                      "virtual dataset mapping with an irregular hyperslab (%llu blocks)",
                      (unsigned long long)x->nblocks);
        return false;
    }
    for (unsigned u = 0; u < rank; u++) {
        if (x->nblocks == 1) {
            uint64_t b = x->hi[u] - x->start[u] + 1;
            span_set(&out[u], x->start[u], b, b, b);
        } else if ((int)u == x->unlim) {
            if (!unlim_n)
                return false;
            uint64_t b = x->block[u] == C5_UNLIMITED ? unlim_n : x->block[u];
            span_set(&out[u], x->start[u], x->stride[u], b, unlim_n);
        } else {
            span_set(&out[u], x->start[u], x->stride[u], x->block[u], x->count[u] * x->block[u]);
        }
    }
    return true;
}

/* ---- R ∩ V ---------------------------------------------------------------- */

static int grow(c5_file *f, void **p, size_t *cap, size_t n, size_t esz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *q = c5_realloc(f, *p, nc * esz);
    if (!q)
        return C5_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

/* Leading dimension: walk R's elements and keep those V selects. */
static int lead_pairs(c5_file *f, const span *R, const span *V, pair **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (uint64_t j = 0; j < R->n; j++) {
        uint64_t v;
        if (!span_idx(V, span_pos(R, j), &v))
            continue;
        if (grow(f, (void **)out, &cap, *n, sizeof **out))
            return C5_ENOMEM;
        (*out)[(*n)++] = (pair){j, v};
    }
    return 0;
}

/* Last dimension: intersect each block of R with the blocks of V. */
static int last_runs(c5_file *f, const span *R, const span *V, run **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    uint64_t vblocks = (V->n + V->block - 1) / V->block;
    for (uint64_t jr = 0; jr < R->n; jr += R->block) {
        uint64_t a = span_pos(R, jr), rlen = R->n - jr < R->block ? R->n - jr : R->block;
        uint64_t q = a < V->start ? 0 : (a - V->start) / V->stride;
        for (; q < vblocks; q++) {
            uint64_t vs = V->start + q * V->stride, jv = q * V->block;
            uint64_t vlen = V->n - jv < V->block ? V->n - jv : V->block;
            if (vs >= a + rlen)
                break;
            uint64_t lo = vs > a ? vs : a, hi = vs + vlen < a + rlen ? vs + vlen : a + rlen;
            if (lo >= hi)
                continue;
            if (grow(f, (void **)out, &cap, *n, sizeof **out))
                return C5_ENOMEM;
            (*out)[(*n)++] = (run){jr + (lo - a), jv + (lo - vs), hi - lo};
        }
    }
    return 0;
}

/* ---- source side ---------------------------------------------------------- */

typedef struct src {
    c5_object *o;
    const char *file, *dset;     /* names, for messages */
    unsigned rank;
    const uint64_t *dims;        /* current extent */
    span S[C5_MAX_RANK];
    uint64_t total;              /* elements S selects (capped) */
} src;

static void reclaim(rd *r, uint8_t *p, uint64_t n)
{
    if (r->vlen)
        c5_reclaim_strided(r->mem, p, r->msz, (size_t)n);
}

/* A failed source read, its message quoted in the virtual dataset's file. */
static int source_err(rd *r, const src *s, int rc)
{
    c5_file *x = s->o->f;
    if (!rc || x == r->f)
        return rc;
    return c5_fail(r->f, rc, r->ds->addr, "virtual dataset source %s:%s: %s", s->file, s->dset,
                   x->errmsg);
}

/* Copy elements k .. k+len-1 of S to output elements o .. o+len-1. */
static int copy_run(rd *r, src *s, uint64_t k, uint64_t o, uint64_t len)
{
    unsigned L = s->rank ? s->rank - 1 : 0;
    while (len && k < s->total) {
        uint8_t *dst = r->buf + o * r->msz;
        if (s->rank == 0) { /* a scalar source: its one element */
            reclaim(r, dst, 1);
            return source_err(r, s, c5_dataset_read(s->o, r->mem, NULL, dst, r->msz));
        }
        uint64_t idx[C5_MAX_RANK], c[C5_MAX_RANK], one[C5_MAX_RANK], t = k;
        for (unsigned u = s->rank; u-- > 0;) {
            idx[u] = t % s->S[u].n;
            t /= s->S[u].n;
            c[u] = span_pos(&s->S[u], idx[u]);
            one[u] = 1;
        }
        uint64_t n = len;
        if (s->total - k < n)
            n = s->total - k;
        if (s->S[L].n - idx[L] < n)
            n = s->S[L].n - idx[L];
        uint64_t inblk = s->S[L].block - idx[L] % s->S[L].block;
        if (inblk < n)
            n = inblk;
        bool inside = true;
        for (unsigned u = 0; u < s->rank; u++)
            inside &= c[u] < s->dims[u];
        if (inside) {
            one[L] = s->dims[L] - c[L] < n ? s->dims[L] - c[L] : n;
            c5_hyperslab h = {.rank = (int)s->rank, .start = c, .count = one};
            reclaim(r, dst, one[L]);
            int rc = c5_dataset_read(s->o, r->mem, &h, dst, (size_t)(one[L] * r->msz));
            if (rc)
                return source_err(r, s, rc);
        }
        k += n;
        o += n;
        len -= n;
    }
    return 0;
}

/* Read what one source provides for virtual selection V (rank of the
 * dataset, finite). */
static int map_source(rd *r, const span *V, src *s)
{
    c5_file *f = r->f;
    int rank = r->sel->rank, L = rank - 1;
    pair *lead[C5_MAX_RANK] = {0};
    size_t nlead[C5_MAX_RANK] = {0};
    run *runs = NULL;
    size_t nruns = 0;
    int rc = 0;
    uint64_t vlin[C5_MAX_RANK];
    for (int i = rank; i-- > 0;)
        vlin[i] = i == L ? 1 : vlin[i + 1] * V[i + 1].n;
    for (int i = 0; i < L && !rc; i++) {
        rc = lead_pairs(f, &r->R[i], &V[i], &lead[i], &nlead[i]);
        if (!rc && !nlead[i])
            goto out;
    }
    if (rc || (rc = last_runs(f, &r->R[L], &V[L], &runs, &nruns)) || !nruns)
        goto out;
    size_t at[C5_MAX_RANK] = {0};
    for (;;) {
        uint64_t ob = 0, vb = 0;
        for (int i = 0; i < L; i++) {
            ob += lead[i][at[i]].r * r->rlin[i];
            vb += lead[i][at[i]].v * vlin[i];
        }
        for (size_t q = 0; q < nruns && !rc; q++)
            rc = copy_run(r, s, vb + runs[q].v, ob + runs[q].r, runs[q].len);
        if (rc)
            break;
        int d = L - 1;
        while (d >= 0 && ++at[d] == nlead[d])
            at[d--] = 0;
        if (d < 0)
            break;
    }
out:
    for (int i = 0; i < rank; i++)
        c5_free(f, lead[i]);
    c5_free(f, runs);
    return rc == C5_ENOMEM ? c5_fail(f, rc, r->ds->addr, "out of memory") : rc;
}

/* Point reads: each listed point V selects is read on its own. */
static int map_points(rd *r, const span *V, src *s)
{
    unsigned rank = (unsigned)r->ds->space.rank;
    uint64_t vlin[C5_MAX_RANK];
    for (unsigned u = rank; u-- > 0;)
        vlin[u] = u == rank - 1 ? 1 : vlin[u + 1] * V[u + 1].n;
    int rc = 0;
    for (size_t q = 0; q < r->norder && !rc; q++) {
        size_t p = r->order[q];
        const uint64_t *c = r->pts + p * rank;
        uint64_t k = 0, j;
        unsigned u = 0;
        for (; u < rank && span_idx(&V[u], c[u], &j); u++)
            k += j * vlin[u];
        if (u == rank)
            rc = copy_run(r, s, k, p, 1);
    }
    return rc;
}

/* Open source `dset` in `file`: 1 and *o when found, 0 when the file or
 * dataset is missing (the mapping then reads as fill), < 0 on errors. */
static int source_open(rd *r, const char *file, const char *dset, c5_file **xf, c5_object **o)
{
    c5_file *f = r->f;
    int rc = c5_vds_source_open(f, file, dset, xf, o);
    if (rc < 0)
        return c5_fail(f, rc, r->ds->addr, "out of memory");
    if (rc == 0)
        return 0;
    char saved[sizeof f->errmsg];
    memcpy(saved, f->errmsg, sizeof saved);
    if (c5_dataset_load(*o) == 0)
        return 1;
    /* a source that does not load reads as missing, as in libhdf5 */
    c5_object_close(*o);
    *o = NULL;
    if (*xf != f)
        c5_file_close(*xf);
    *xf = NULL;
    memcpy(f->errmsg, saved, sizeof saved);
    return 0;
}

/* Read one mapping's source (names already substituted) for V, whose
 * element count is nv. */
static int map_read(rd *r, const char *file, const char *dset, const c5_vsel *sx,
                    const span *V, uint64_t nv)
{
    c5_file *xf;
    src s = {.file = file, .dset = dset};
    int rc = source_open(r, file, dset, &xf, &s.o);
    if (rc <= 0)
        return rc;
    const c5_space *sp = &s.o->space;
    s.rank = sp->cls == C5_SPACE_SIMPLE ? (unsigned)sp->rank : 0;
    s.dims = sp->dims;
    if (sp->cls == C5_SPACE_NULL)
        goto done;
    /* The unlimited source dimension holds what the other dimensions
     * leave of V's elements. */
    uint64_t unlim_n = 0;
    if (sx->type == C5_VSEL_HYPER && sx->unlim >= 0 && sx->nenu)
        unlim_n = nv / sx->nenu;
    bool any;
    if (s.rank == 0) {
        any = sx->type == C5_VSEL_ALL;
        s.total = 1;
    } else {
        any = sel_spans(r, sx, s.rank, sp->dims, unlim_n, s.S, &rc);
        s.total = 1;
        for (unsigned u = 0; any && u < s.rank; u++)
            if (c5_mul_ovf(s.total, s.S[u].n, &s.total))
                s.total = UINT64_MAX;
    }
    if (any && !rc)
        rc = r->pts ? map_points(r, V, &s) : map_source(r, V, &s);
done:
    c5_object_close(s.o);
    if (xf != r->f)
        c5_file_close(xf);
    return rc;
}

static uint64_t span_count(const span *V, unsigned rank)
{
    uint64_t n = 1;
    for (unsigned u = 0; u < rank; u++)
        if (c5_mul_ovf(n, V[u].n, &n))
            return UINT64_MAX;
    return n;
}

typedef struct kp {
    uint64_t k;   /* printf block of the point */
    size_t p;
} kp;

static int cmp_kp(const void *a, const void *b)
{
    const kp *x = a, *y = b;
    return x->k != y->k ? (x->k < y->k ? -1 : 1) : (x->p > y->p) - (x->p < y->p);
}

/* A printf mapping under point reads: the points sorted by the block (so
 * the source) they fall in, each source opened once. */
static int printf_points(rd *r, const char *file, const char *dset, const c5_vsel *sx,
                         const c5_vsel *vx, span *V, long fsubs, long dsubs)
{
    unsigned rank = (unsigned)r->ds->space.rank, d = (unsigned)vx->unlim;
    span Vd = V[d];
    kp *v = c5_malloc(r->f, r->npts * sizeof *v);
    if (!v)
        return c5_fail(r->f, C5_ENOMEM, r->ds->addr, "out of memory");
    size_t n = 0, *all = r->order;
    for (size_t p = 0; p < r->npts; p++) {
        uint64_t jv;
        if (span_idx(&Vd, r->pts[p * rank + d], &jv))
            v[n++] = (kp){jv / Vd.block, p};
    }
    qsort(v, n, sizeof *v, cmp_kp);
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        size_t e = i;
        while (e < n && v[e].k == v[i].k)
            e++;
        uint64_t k = v[i].k, left = Vd.n - k * Vd.block;
        span_set(&V[d], Vd.start + k * Vd.stride, Vd.block, Vd.block,
                 left < Vd.block ? left : Vd.block);
        for (size_t q = i; q < e; q++)
            all[q - i] = v[q].p;
        r->norder = e - i;
        char *fn = c5_vds_name(r->f, file, fsubs, k), *dn = c5_vds_name(r->f, dset, dsubs, k);
        rc = fn && dn ? map_read(r, fn, dn, sx, V, span_count(V, rank))
                      : c5_fail(r->f, C5_ENOMEM, r->ds->addr, "out of memory");
        c5_free(r->f, fn);
        c5_free(r->f, dn);
        i = e;
    }
    /* back to every point, in order, for the next mapping */
    for (size_t p = 0; p < r->npts; p++)
        all[p] = p;
    r->norder = r->npts;
    c5_free(r->f, v);
    return rc;
}

static int visit(void *ctx, const char *file, const char *dset, const c5_vsel *sx,
                 const c5_vsel *vx, long fsubs, long dsubs)
{
    rd *r = ctx;
    const c5_space *sp = &r->ds->space;
    unsigned rank = (unsigned)sp->rank;
    span V[C5_MAX_RANK];
    int rc;
    bool printf_map = vx->type == C5_VSEL_HYPER && vx->unlim >= 0 &&
                      !(sx->type == C5_VSEL_HYPER && sx->unlim >= 0);
    uint64_t unlim_n = vx->type == C5_VSEL_HYPER && vx->unlim >= 0
                           ? c5_vds_slices(vx, sp->dims[vx->unlim])
                           : 0;
    if (!sel_spans(r, vx, rank, sp->dims, unlim_n, V, &rc))
        return rc;
    if (!printf_map)
        return map_read(r, file, dset, sx, V, span_count(V, rank));
    if (r->pts)
        return printf_points(r, file, dset, sx, vx, V, fsubs, dsubs);
    /* Block k of V comes from source k: find the blocks R touches. */
    unsigned d = (unsigned)vx->unlim;
    const span *Rd = &r->R[d];
    span Vd = V[d];
    uint64_t last = UINT64_MAX;
    for (uint64_t j = 0; j < Rd->n && !rc; j++) {
        uint64_t jv;
        if (!span_idx(&Vd, span_pos(Rd, j), &jv) || jv / Vd.block == last)
            continue;
        last = jv / Vd.block;
        uint64_t left = Vd.n - last * Vd.block;
        span_set(&V[d], Vd.start + last * Vd.stride, Vd.block, Vd.block,
                 left < Vd.block ? left : Vd.block);
        char *fn = c5_vds_name(r->f, file, fsubs, last), *dn = c5_vds_name(r->f, dset, dsubs, last);
        rc = fn && dn ? map_read(r, fn, dn, sx, V, span_count(V, rank))
                      : c5_fail(r->f, C5_ENOMEM, r->ds->addr, "out of memory");
        c5_free(r->f, fn);
        c5_free(r->f, dn);
    }
    return rc;
}

/* Every output element gets the fill value, converted to mem. */
static int fill_all(rd *r, uint64_t n)
{
    c5_object *ds = r->ds;
    size_t esz = ds->type->size;
    if (r->mem == ds->type) {
        c5_fill_elems(ds, esz, r->buf, n);
        return 0;
    }
    uint8_t *raw = c5_malloc(r->f, esz);
    if (!raw)
        return C5_ENOMEM;
    c5_fill_elems(ds, esz, raw, 1);
    int rc = 0;
    /* each variable-length element owns its memory: convert one by one */
    for (uint64_t i = 0; i < (r->vlen ? n : 1) && !rc; i++)
        rc = c5_convert(r->f, ds->type, r->mem, raw, r->buf + i * r->msz, 1);
    for (uint64_t i = 1; !r->vlen && !rc && i < n; i++)
        memcpy(r->buf + i * r->msz, r->buf, r->msz);
    c5_free(r->f, raw);
    return rc;
}

int c5_vds_read(c5_object *ds, const c5_type *mem, const c5_sel *sel, uint8_t *buf, size_t msz)
{
    c5_file *f = ds->f;
    rd r = {.ds = ds, .f = f, .mem = mem ? mem : ds->type, .sel = sel, .buf = buf, .msz = msz};
    r.vlen = c5_type_has_vlen(r.mem);
    if (!mem && r.vlen)
        return c5_fail(f, C5_EUNSUPPORTED, ds->addr,
                       "raw read of a virtual dataset holding variable-length data");
    if (sel->nsel == 0)
        return 0;
    int rc = fill_all(&r, sel->nsel);
    if (rc || ds->space.cls != C5_SPACE_SIMPLE || sel->rank == 0)
        return rc;
    for (int i = sel->rank; i-- > 0;) {
        span_set(&r.R[i], sel->start[i], sel->stride[i], sel->block[i],
                 sel->count[i] * sel->block[i]);
        r.rlin[i] = i == sel->rank - 1 ? 1 : r.rlin[i + 1] * r.R[i + 1].n;
    }
    if (vds_depth >= VDS_MAX_DEPTH)
        return c5_fail(f, C5_ECORRUPT, ds->addr,
                       "virtual dataset sources nested more than %d deep", VDS_MAX_DEPTH);
    vds_depth++;
    rc = c5_vds_mappings(ds, visit, &r);
    vds_depth--;
    if (rc && r.vlen)
        c5_reclaim_strided(r.mem, buf, msz, (size_t)sel->nsel);
    return rc;
}

int c5_vds_read_points(c5_object *ds, const c5_type *mem, size_t npoints, const uint64_t *coords,
                       uint8_t *buf, size_t msz)
{
    c5_file *f = ds->f;
    rd r = {.ds = ds, .f = f, .mem = mem ? mem : ds->type, .buf = buf, .msz = msz,
            .pts = coords, .npts = npoints, .norder = npoints};
    r.vlen = c5_type_has_vlen(r.mem);
    if (!mem && r.vlen)
        return c5_fail(f, C5_EUNSUPPORTED, ds->addr,
                       "raw read of a virtual dataset holding variable-length data");
    if (npoints == 0)
        return 0;
    int rc = fill_all(&r, npoints);
    if (rc || ds->space.cls != C5_SPACE_SIMPLE || ds->space.rank == 0)
        return rc;
    if (npoints > SIZE_MAX / sizeof *r.order ||
        !(r.order = c5_malloc(f, npoints * sizeof *r.order)))
        return c5_fail(f, C5_ENOMEM, ds->addr, "out of memory");
    for (size_t p = 0; p < npoints; p++)
        r.order[p] = p;
    if (vds_depth >= VDS_MAX_DEPTH) {
        c5_free(f, r.order);
        return c5_fail(f, C5_ECORRUPT, ds->addr,
                       "virtual dataset sources nested more than %d deep", VDS_MAX_DEPTH);
    }
    vds_depth++;
    rc = c5_vds_mappings(ds, visit, &r);
    vds_depth--;
    c5_free(f, r.order);
    if (rc && r.vlen)
        c5_reclaim_strided(r.mem, buf, msz, npoints);
    return rc;
}
