/* cfive dump: what references point at, as h5dump 1.10.8 (through
 * libhdf5) names and lists it. Used by tools/dump_data.c.
 *
 *   object names   H5Rget_name: libhdf5 visits the file depth first from
 *                  the root (each link, then the group it leads to) and
 *                  reports the first path that reaches the object's
 *                  address. The table is built once per file and dump.
 *   region         the selection stored in a region reference's global
 *                  heap object (the bytes after the object address):
 *                  points in stored order, or hyperslab blocks in the
 *                  order libhdf5 lists them from its span trees.
 */
#include "core/internal.h"
#include "dump.h"

#include <inttypes.h>

#define MAX_SEL_BLOCKS 1000000 /* blocks listed for one region reference */
#define MAX_WALK_DEPTH 1000    /* group depth when naming objects */

/* ---- object names (H5Rget_name) ------------------------------------------ */

/* libhdf5 names a referenced object by visiting the file depth first from
 * the root (each link, then the group it leads to) and taking the first
 * path that reaches the object's address. The table is built once per
 * file and kept for the rest of the dump. */
typedef struct pent {
    uint64_t addr;
    char *path;
    int kind;
} pent;

typedef struct pmap {
    c5_file *f;            /* the map's key: file, dump and superblock */
    const c5dump_ctx *x;
    uint64_t root, eof;
    pent *v;
    size_t n, cap;
} pmap;

#define PMAP_FILES 8
static pmap g_pmaps[PMAP_FILES];

typedef struct lk {
    char *name;
    uint64_t addr;
} lk;

typedef struct lkv {
    lk *v;
    size_t n, cap;
} lkv;

static int collect_link(void *ud, const c5_link *l)
{
    lkv *v = ud;
    if (l->type != C5_LINK_HARD)
        return 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        lk *p = realloc(v->v, cap * sizeof *p);
        if (!p)
            c5dump_oom();
        v->v = p;
        v->cap = cap;
    }
    char *s = strdup(l->name);
    if (!s)
        c5dump_oom();
    v->v[v->n].name = s;
    v->v[v->n].addr = l->addr;
    v->n++;
    return 0;
}

static pent *pmap_find(pmap *m, uint64_t addr)
{
    /* linear while building; the table is sorted afterwards */
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].addr == addr)
            return &m->v[i];
    return NULL;
}

static void pmap_add(pmap *m, uint64_t addr, const char *path, int kind)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        pent *p = realloc(m->v, cap * sizeof *p);
        if (!p)
            c5dump_oom();
        m->v = p;
        m->cap = cap;
    }
    char *s = strdup(path);
    if (!s)
        c5dump_oom();
    m->v[m->n].addr = addr;
    m->v[m->n].path = s;
    m->v[m->n].kind = kind;
    m->n++;
}

static void pmap_walk(pmap *m, c5_object *g, const char *gpath, int depth)
{
    if (depth > MAX_WALK_DEPTH)
        return;
    lkv v = {0};
    c5_group_iterate(g, C5_ORDER_NAME, collect_link, &v);
    c5sb path = {0};
    for (size_t i = 0; i < v.n; i++) {
        c5sb_reset(&path);
        c5sb_puts(&path, gpath);
        if (strcmp(gpath, "/") != 0)
            c5sb_puts(&path, "/");
        c5sb_puts(&path, v.v[i].name);
        if (pmap_find(m, v.v[i].addr))
            continue; /* seen: a second path, and groups are visited once */
        c5_object *o = NULL;
        int kind = -1;
        if (c5_object_open_addr(&o, m->f, v.v[i].addr) == 0)
            kind = (int)c5_object_kind(o);
        pmap_add(m, v.v[i].addr, path.p, kind);
        if (o && kind == C5_OBJ_GROUP)
            pmap_walk(m, o, path.p, depth + 1);
        c5_object_close(o);
    }
    for (size_t i = 0; i < v.n; i++)
        free(v.v[i].name);
    free(v.v);
    free(path.p);
}

static int pent_cmp(const void *a, const void *b)
{
    const pent *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static pmap *pmap_get(const c5dump_ctx *x, c5_file *f)
{
    pmap *free_slot = NULL;
    c5_file_info fi = {.size = sizeof fi};
    if (c5_file_get_info(f, &fi) != 0)
        fi.root_addr = fi.eof = C5_UNDEF;
    for (int i = 0; i < PMAP_FILES; i++) {
        if (g_pmaps[i].f == f && g_pmaps[i].x == x && g_pmaps[i].root == fi.root_addr &&
            g_pmaps[i].eof == fi.eof)
            return &g_pmaps[i];
        if (g_pmaps[i].x != x || !g_pmaps[i].f) {
            /* a map of an earlier dump (or an empty slot): reuse it */
            for (size_t k = 0; k < g_pmaps[i].n; k++)
                free(g_pmaps[i].v[k].path);
            free(g_pmaps[i].v);
            memset(&g_pmaps[i], 0, sizeof g_pmaps[i]);
            if (!free_slot)
                free_slot = &g_pmaps[i];
        }
    }
    pmap *m = free_slot ? free_slot : &g_pmaps[0];
    if (!free_slot) {
        for (size_t k = 0; k < m->n; k++)
            free(m->v[k].path);
        free(m->v);
        memset(m, 0, sizeof *m);
    }
    m->f = f;
    m->x = x;
    m->root = fi.root_addr;
    m->eof = fi.eof;
    if (fi.root_addr != C5_UNDEF)
        pmap_add(m, fi.root_addr, "/", C5_OBJ_GROUP);
    c5_object *root = NULL;
    if (c5_object_open(&root, f, "/") == 0) {
        pmap_walk(m, root, "/", 0);
        c5_object_close(root);
    }
    qsort(m->v, m->n, sizeof *m->v, pent_cmp);
    return m;
}

const char *c5dump_obj_name(const c5dump_ctx *x, c5_file *f, uint64_t addr, int *kind)
{
    pmap *m = pmap_get(x, f);
    pent key = {.addr = addr};
    pent *e = m->n ? bsearch(&key, m->v, m->n, sizeof *m->v, pent_cmp) : NULL;
    if (e) {
        *kind = e->kind;
        return e->path;
    }
    c5_object *o = NULL;
    *kind = -1;
    if (c5_object_open_addr(&o, f, addr) == 0) {
        *kind = (int)c5_object_kind(o);
        c5_object_close(o);
    }
    return NULL;
}

/* ---- region selections ---------------------------------------------------- */


static uint64_t rd_n(c5_rd *r, unsigned enc)
{
    return enc == 2 ? c5_rd_u16(r) : enc == 4 ? c5_rd_u32(r) : c5_rd_u64(r);
}

/* Canonical block list of a union of blocks over dimensions dim..rank-1:
 * libhdf5 keeps hyperslabs as span trees, which merge adjacent spans whose
 * lower dimensions select the same, and lists blocks from them. out gets
 * blocks as lo[rank-dim] then hi[rank-dim]. */
typedef struct blist {
    uint64_t *v; /* per block: 2 * w values */
    size_t n, cap, w;
} blist;

static int bl_push(blist *l, const uint64_t *lo, const uint64_t *hi)
{
    if (l->n >= MAX_SEL_BLOCKS)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        uint64_t *p = realloc(l->v, cap * 2 * l->w * sizeof *p);
        if (!p)
            c5dump_oom();
        l->v = p;
        l->cap = cap;
    }
    memcpy(l->v + l->n * 2 * l->w, lo, l->w * sizeof *lo);
    memcpy(l->v + l->n * 2 * l->w + l->w, hi, l->w * sizeof *hi);
    l->n++;
    return 0;
}

static int u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int bl_equal(const blist *a, const blist *b)
{
    return a->n == b->n && a->w == b->w &&
           (a->n == 0 || memcmp(a->v, b->v, a->n * 2 * a->w * sizeof *a->v) == 0);
}

/* blocks: nb blocks of the full rank (lo[rank], hi[rank]); idx selects the
 * ones taking part. */
static int canon(const uint64_t *blocks, unsigned rank, const size_t *idx, size_t nb,
                 unsigned dim, blist *out)
{
    out->w = rank - dim;
    uint64_t *cuts = malloc(2 * nb * sizeof *cuts);
    size_t *sub = malloc(nb * sizeof *sub);
    if (!cuts || !sub)
        c5dump_oom();
    size_t nc = 0;
    for (size_t i = 0; i < nb; i++) {
        const uint64_t *bk = blocks + idx[i] * 2 * rank;
        cuts[nc++] = bk[dim];
        cuts[nc++] = bk[rank + dim] + 1;
    }
    qsort(cuts, nc, sizeof *cuts, u64cmp);
    size_t u = 0;
    for (size_t i = 0; i < nc; i++)
        if (!u || cuts[i] != cuts[u - 1])
            cuts[u++] = cuts[i];
    /* spans of this dimension with their lower-dimension block lists */
    uint64_t plo = 0, phi = 0;
    blist prev = {0};
    int have = 0, rc = 0;
    uint64_t lo[C5_MAX_RANK], hi[C5_MAX_RANK];
    for (size_t k = 0; k + 1 < u && !rc; k++) {
        uint64_t a = cuts[k], z = cuts[k + 1] - 1;
        size_t ns = 0;
        for (size_t i = 0; i < nb; i++) {
            const uint64_t *bk = blocks + idx[i] * 2 * rank;
            if (bk[dim] <= a && bk[rank + dim] >= z)
                sub[ns++] = idx[i];
        }
        blist cur = {0};
        if (ns && dim + 1 < rank)
            rc = canon(blocks, rank, sub, ns, dim + 1, &cur);
        int merge = have && ns && phi + 1 == a &&
                    (dim + 1 == rank || bl_equal(&prev, &cur));
        if (merge) {
            phi = z;
            free(cur.v);
            continue;
        }
        /* flush the previous span */
        if (have) {
            lo[0] = plo;
            hi[0] = phi;
            if (dim + 1 == rank)
                rc = bl_push(out, lo, hi);
            else
                for (size_t j = 0; j < prev.n && !rc; j++) {
                    memcpy(lo + 1, prev.v + j * 2 * prev.w, prev.w * sizeof *lo);
                    memcpy(hi + 1, prev.v + j * 2 * prev.w + prev.w, prev.w * sizeof *hi);
                    rc = bl_push(out, lo, hi);
                }
            free(prev.v);
            memset(&prev, 0, sizeof prev);
            have = 0;
        }
        if (ns) {
            have = 1;
            plo = a;
            phi = z;
            prev = cur;
        } else {
            free(cur.v);
        }
    }
    if (have && !rc) {
        lo[0] = plo;
        hi[0] = phi;
        if (dim + 1 == rank)
            rc = bl_push(out, lo, hi);
        else
            for (size_t j = 0; j < prev.n && !rc; j++) {
                memcpy(lo + 1, prev.v + j * 2 * prev.w, prev.w * sizeof *lo);
                memcpy(hi + 1, prev.v + j * 2 * prev.w + prev.w, prev.w * sizeof *hi);
                rc = bl_push(out, lo, hi);
            }
    }
    free(prev.v);
    free(cuts);
    free(sub);
    return rc;
}

int c5dump_region_decode(const uint8_t *p, size_t n, c5dump_region *rg)
{
    memset(rg, 0, sizeof *rg);
    c5_rd r;
    c5_rd_init(&r, NULL, p, n, C5_UNDEF, "region reference selection");
    uint32_t type = c5_rd_u32(&r), ver = c5_rd_u32(&r);
    if (r.err)
        return -1;
    rg->type = (int)type;
    if (type == C5DUMP_SEL_NONE || type == C5DUMP_SEL_ALL)
        return 0;
    if (type == C5DUMP_SEL_POINTS) {
        unsigned enc = 4;
        if (ver == 1)
            c5_rd_skip(&r, 8);
        else if (ver == 2)
            enc = c5_rd_u8(&r);
        else
            return -1;
        rg->rank = c5_rd_u32(&r);
        if (r.err || rg->rank < 1 || rg->rank > C5_MAX_RANK || (enc != 2 && enc != 4 && enc != 8))
            return -1;
        uint64_t np = rd_n(&r, enc), need;
        if (r.err || c5_mul_ovf(np, (uint64_t)rg->rank * enc, &need) || need > c5_rd_left(&r) ||
            np > MAX_SEL_BLOCKS)
            return -1;
        rg->n = np;
        rg->c = malloc((size_t)(np * rg->rank) * sizeof *rg->c + 1);
        if (!rg->c)
            c5dump_oom();
        for (uint64_t i = 0; i < np * rg->rank; i++)
            rg->c[i] = rd_n(&r, enc);
        return r.err ? -1 : 0;
    }
    if (type != C5DUMP_SEL_HYPER || ver < 1 || ver > 3)
        return -1;
    unsigned enc = 4, flags = 0;
    if (ver == 1) {
        c5_rd_skip(&r, 8);
    } else {
        flags = c5_rd_u8(&r);
        if (ver == 3) {
            enc = c5_rd_u8(&r);
        } else {
            c5_rd_skip(&r, 4);
            enc = 8;
        }
    }
    rg->rank = c5_rd_u32(&r);
    unsigned rank = rg->rank;
    if (r.err || rank < 1 || rank > C5_MAX_RANK || (enc != 2 && enc != 4 && enc != 8))
        return -1;
    uint64_t *blocks = NULL;
    size_t nb = 0;
    if (flags & 1) {
        /* regular: libhdf5 first folds blocks that touch (stride == block)
         * into one, then lists the blocks in C order */
        uint64_t st[C5_MAX_RANK], sd[C5_MAX_RANK], ct[C5_MAX_RANK], bk[C5_MAX_RANK];
        uint64_t total = 1;
        for (unsigned u = 0; u < rank; u++) {
            st[u] = rd_n(&r, enc);
            sd[u] = rd_n(&r, enc);
            ct[u] = rd_n(&r, enc);
            bk[u] = rd_n(&r, enc);
            if (ct[u] == 0 || bk[u] == 0)
                return -1;
            if (sd[u] == bk[u] && ct[u] > 1) {
                if (c5_mul_ovf(bk[u], ct[u], &bk[u]))
                    return -1;
                ct[u] = 1;
            }
            if (c5_mul_ovf(total, ct[u], &total) || total > MAX_SEL_BLOCKS)
                return -1;
        }
        if (r.err)
            return -1;
        rg->n = total;
        rg->c = malloc((size_t)total * 2 * rank * sizeof *rg->c);
        if (!rg->c)
            c5dump_oom();
        uint64_t ix[C5_MAX_RANK] = {0};
        for (uint64_t b = 0; b < total; b++) {
            for (unsigned u = 0; u < rank; u++) {
                uint64_t lo = st[u] + ix[u] * sd[u];
                rg->c[b * 2 * rank + u] = lo;
                rg->c[b * 2 * rank + rank + u] = lo + bk[u] - 1;
            }
            for (unsigned u = rank; u-- > 0;) {
                if (++ix[u] < ct[u])
                    break;
                ix[u] = 0;
            }
        }
        return 0;
    }
    uint64_t cnt = ver == 1 ? c5_rd_u32(&r) : rd_n(&r, enc), need;
    if (r.err || c5_mul_ovf(cnt, 2ull * rank * enc, &need) || need > c5_rd_left(&r) ||
        cnt > MAX_SEL_BLOCKS)
        return -1;
    nb = (size_t)cnt;
    blocks = malloc(nb * 2 * rank * sizeof *blocks + 1);
    size_t *idx = malloc(nb * sizeof *idx + 1);
    if (!blocks || !idx)
        c5dump_oom();
    for (size_t i = 0; i < nb * 2 * rank; i++)
        blocks[i] = rd_n(&r, enc);
    int bad = r.err != 0;
    for (size_t i = 0; i < nb && !bad; i++) {
        idx[i] = i;
        for (unsigned u = 0; u < rank; u++)
            if (blocks[i * 2 * rank + rank + u] < blocks[i * 2 * rank + u])
                bad = 1;
    }
    blist out = {0};
    if (!bad && nb)
        bad = canon(blocks, rank, idx, nb, 0, &out) != 0;
    free(blocks);
    free(idx);
    if (bad) {
        free(out.v);
        return -1;
    }
    rg->n = out.n;
    rg->c = out.v;
    return 0;
}
