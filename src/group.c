/* Groups: links in every storage style (symbol table, compact link
 * messages, dense fractal heap + v2 B-tree), iteration and lookup. */
#include "object.h"
#include "btree/btree2.h"
#include "format/fheap.h"

static int push_link(c5_object *g, c5_linkrec *l)
{
    int rc = c5_vec_push(g->f, &g->links, l);
    if (rc)
        c5_linkrec_free(g->f, l);
    return rc;
}

static int stab_entry(void *ud, const char *name, uint64_t addr, uint32_t cache,
                      const uint8_t *scratch)
{
    struct { c5_object *g; const c5_lheap *heap; } *c = ud;
    c5_file *f = c->g->f;
    c5_linkrec l = {0};
    l.addr = addr;
    l.type = C5_LINK_HARD;
    if (cache == 2) {
        const char *val;
        int rc = c5_lheap_str(f, c->heap, c5_le(scratch, 4), &val);
        if (rc)
            return rc;
        l.type = C5_LINK_SOFT;
        l.addr = C5_UNDEF;
        if (!(l.target = c5_strdup(f, val)))
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    if (!(l.name = c5_strdup(f, name))) {
        c5_linkrec_free(f, &l);
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    return push_link(c->g, &l);
}

typedef struct dense_ctx {
    c5_object *g;
    c5_fheap *heap;
} dense_ctx;

/* Name-index records (type 5): 4 hash, heap ID. */
static int dense_link(void *ud, const uint8_t *rec, size_t len)
{
    dense_ctx *c = ud;
    c5_file *f = c->g->f;
    size_t idl = c5_fheap_id_len(c->heap);
    if (len < 4 + idl)
        return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "link name index: record too short");
    uint8_t *obj;
    size_t n;
    int rc = c5_fheap_read(c->heap, rec + 4, idl, &obj, &n);
    if (rc)
        return rc;
    c5_linkrec l;
    rc = c5_link_decode(f, obj, n, C5_UNDEF, &l);
    c5_free(f, obj);
    return rc ? rc : push_link(c->g, &l);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const c5_linkrec *)a)->name, ((const c5_linkrec *)b)->name);
}

int c5_group_load(c5_object *g)
{
    if (g->links_loaded)
        return 0;
    c5_file *f = g->f;
    g->links.esz = sizeof(c5_linkrec);
    int rc = 0;
    size_t pos = 0;
    c5_mbody b;
    if (g->kind != C5_OBJ_GROUP)
        return c5_fail(f, C5_EINVAL, g->addr, "object is not a group");
    if ((rc = c5_ohdr_find(f, g->oh, C5_MSG_STAB, &pos, &b)) == 0) {
        c5_rd r;
        c5_rd_init(&r, f, b.p, b.n, b.addr, "symbol table message");
        uint64_t bt = c5_rd_addr(&r), hp = c5_rd_addr(&r);
        c5_mbody_free(f, &b);
        if ((rc = r.err))
            return rc;
        c5_lheap heap;
        if ((rc = c5_lheap_load(f, hp, &heap)))
            return rc;
        struct { c5_object *g; const c5_lheap *heap; } c = {g, &heap};
        rc = c5_stab_iterate(f, bt, &heap, stab_entry, &c);
        c5_lheap_free(f, &heap);
    } else if (rc == C5_ENOTFOUND) {
        rc = 0;
        for (size_t i = 0; i < g->oh->nmsg && !rc; i++) {
            const c5_msg *m = &g->oh->msg[i];
            if (m->type != C5_MSG_LINK)
                continue;
            c5_linkrec l;
            if (!(rc = c5_link_decode(f, m->data, m->size, m->addr, &l)))
                rc = push_link(g, &l);
        }
        pos = 0;
        if (!rc && c5_ohdr_find(f, g->oh, C5_MSG_LINFO, &pos, &b) == 0) {
            c5_linfo li;
            rc = c5_linfo_decode(f, &b, &li);
            c5_mbody_free(f, &b);
            g->track_corder = li.track_corder;
            if (!rc && li.fheap != C5_UNDEF && li.name_bt2 != C5_UNDEF) {
                dense_ctx c = {g, NULL};
                if (!(rc = c5_fheap_open(f, li.fheap, &c.heap))) {
                    rc = c5_bt2_iterate(f, li.name_bt2, NULL, dense_link, &c);
                    c5_fheap_close(c.heap);
                }
            }
        }
    }
    if (rc) {
        for (size_t i = 0; i < g->links.n; i++)
            c5_linkrec_free(f, (c5_linkrec *)g->links.v + i);
        c5_vec_free(f, &g->links);
        return rc;
    }
    if (g->links.n > 1)
        qsort(g->links.v, g->links.n, sizeof(c5_linkrec), cmp_name);
    g->links_loaded = 1;
    return 0;
}

const c5_linkrec *c5_group_find(const c5_object *g, const char *name)
{
    size_t lo = 0, hi = g->links.n;
    const c5_linkrec *v = g->links.v;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, v[mid].name);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

typedef struct find_ctx {
    dense_ctx d;
    const char *name;
    uint32_t hash;
    c5_linkrec *out;
} find_ctx;

/* Dense name index records are keyed by the lookup3 hash of the name: only
 * records with a matching hash need their heap object read. */
static int dense_find(void *ud, const uint8_t *rec, size_t len)
{
    find_ctx *c = ud;
    c5_file *f = c->d.g->f;
    size_t idl = c5_fheap_id_len(c->d.heap);
    if (len < 4 + idl)
        return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "link name index: record too short");
    if ((uint32_t)c5_le(rec, 4) != c->hash)
        return 0;
    uint8_t *obj;
    size_t n;
    int rc = c5_fheap_read(c->d.heap, rec + 4, idl, &obj, &n);
    if (rc)
        return rc;
    c5_linkrec l;
    rc = c5_link_decode(f, obj, n, C5_UNDEF, &l);
    c5_free(f, obj);
    if (rc)
        return rc;
    if (strcmp(l.name, c->name) != 0) {
        c5_linkrec_free(f, &l);
        return 0;
    }
    *c->out = l;
    return 1;
}

static char *dup_opt(c5_file *f, const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = c5_strdup(f, s);
    if (!d)
        *fail = 1;
    return d;
}

int c5_group_lookup(c5_object *g, const char *name, c5_linkrec *out)
{
    c5_file *f = g->f;
    memset(out, 0, sizeof *out);
    if (g->kind != C5_OBJ_GROUP)
        return c5_fail(f, C5_EINVAL, g->addr, "object is not a group");
    if (!g->links_loaded) {
        size_t pos = 0;
        c5_mbody b;
        if (c5_ohdr_find(f, g->oh, C5_MSG_LINFO, &pos, &b) == 0) {
            c5_linfo li;
            int rc = c5_linfo_decode(f, &b, &li);
            c5_mbody_free(f, &b);
            if (rc)
                return rc;
            if (li.fheap != C5_UNDEF && li.name_bt2 != C5_UNDEF) {
                find_ctx c = {{g, NULL}, name, c5_lookup3(name, strlen(name), 0), out};
                if ((rc = c5_fheap_open(f, li.fheap, &c.d.heap)))
                    return rc;
                rc = c5_bt2_iterate(f, li.name_bt2, NULL, dense_find, &c);
                c5_fheap_close(c.d.heap);
                if (rc < 0)
                    return rc;
                /* a group in dense form keeps every link in the index */
                return rc == 1 ? 0 : C5_ENOTFOUND;
            }
        }
    }
    int rc = c5_group_load(g);
    if (rc)
        return rc;
    const c5_linkrec *l = c5_group_find(g, name);
    if (!l)
        return C5_ENOTFOUND;
    int fail = 0;
    *out = *l;
    out->name = dup_opt(f, l->name, &fail);
    if (l->udlen && l->target) { /* opaque bytes: copy them all */
        if ((out->target = c5_malloc(f, l->udlen + 1)))
            memcpy(out->target, l->target, l->udlen + 1);
        else
            fail = 1;
    } else {
        out->target = dup_opt(f, l->target, &fail);
    }
    out->target_file = dup_opt(f, l->target_file, &fail);
    if (fail) {
        c5_linkrec_free(f, out);
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    return 0;
}

static void to_public(const c5_linkrec *l, c5_link *o)
{
    o->name = l->name;
    o->type = l->type;
    o->addr = l->addr;
    o->target = l->target;
    o->target_file = l->target_file;
    o->corder = l->corder;
    o->has_corder = l->has_corder;
    o->cset = l->cset;
    o->udlen = l->udlen;
}

static int cmp_corder(const void *a, const void *b)
{
    const c5_linkrec *x = *(const c5_linkrec *const *)a, *y = *(const c5_linkrec *const *)b;
    return x->corder < y->corder ? -1 : x->corder > y->corder;
}

int c5_group_iterate(c5_object *g, c5_order order, c5_link_cb cb, void *ud)
{
    if (!g || !cb)
        return C5_EINVAL;
    int rc = c5_object_sync(g);
    if (!rc)
        rc = c5_group_load(g);
    if (rc)
        return rc;
    const c5_linkrec *v = g->links.v;
    if (order == C5_ORDER_CREATION) {
        if (!g->track_corder)
            return c5_fail(g->f, C5_EINVAL, g->addr, "group does not track creation order");
        const c5_linkrec **idx = c5_calloc(g->f, g->links.n ? g->links.n : 1, sizeof *idx);
        if (!idx)
            return c5_fail(g->f, C5_ENOMEM, g->addr, "out of memory");
        for (size_t i = 0; i < g->links.n; i++)
            idx[i] = &v[i];
        qsort(idx, g->links.n, sizeof *idx, cmp_corder);
        for (size_t i = 0; i < g->links.n && !rc; i++) {
            c5_link l;
            to_public(idx[i], &l);
            rc = cb(ud, &l);
        }
        c5_free(g->f, idx);
        return rc;
    }
    for (size_t i = 0; i < g->links.n && !rc; i++) {
        c5_link l;
        to_public(&v[i], &l);
        rc = cb(ud, &l);
    }
    return rc;
}
