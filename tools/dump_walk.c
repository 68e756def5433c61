/* cfive dump in text form: which objects have been seen before, decided
 * as h5dump decides it (tools/dump_text.c prints the objects; the types
 * are in tools/dump_text.h).
 *
 * Before dumping, a file is walked once the way h5trav_visit walks it
 * (links in name order, depth first, a group with several links entered
 * once) and every group, dataset and named datatype is recorded with the
 * first path that reaches it, plus the committed types datasets use that
 * no link names ("#<address>"). While dumping, an object whose header
 * reference count is above 1 (or any object inside an externally linked
 * file) is printed in full the first time and as HARDLINK "<recorded
 * path>" afterwards; dump_text.c marks the table entries displayed.
 *
 * Each file gets its own tables, built the first time a dump reaches it
 * (the file on the command line, then files behind external links), and
 * files are told apart as libhdf5 tells open files apart: by device and
 * inode. The same walk, with other callbacks, lists the contents for -n.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dump_text.h"
#include "object.h" /* struct c5_object: object header (reference count) */

/* ---- object tables ---------------------------------------------------------
 * Open addressing on the address; the entries themselves stay in
 * insertion order. */
static size_t tab_hash(uint64_t a, size_t nslot)
{
    return (size_t)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (nslot - 1);
}

tabent *c5dump_tab_find(table *t, uint64_t addr)
{
    if (!t->nslot)
        return NULL;
    for (size_t i = tab_hash(addr, t->nslot);; i = (i + 1) & (t->nslot - 1)) {
        if (!t->slot[i])
            return NULL;
        if (t->v[t->slot[i] - 1].addr == addr)
            return &t->v[t->slot[i] - 1];
    }
}

static tabent *tab_add(table *t, uint64_t addr, const char *path, int recorded)
{
    tabent *e = c5dump_tab_find(t, addr);
    if (e)
        return e;
    if ((t->n + 1) * 2 > t->nslot) {
        size_t ns = t->nslot ? t->nslot * 2 : 64;
        free(t->slot);
        t->slot = calloc(ns, sizeof *t->slot);
        if (!t->slot)
            c5dump_oom();
        t->nslot = ns;
        for (size_t k = 0; k < t->n; k++) {
            size_t i = tab_hash(t->v[k].addr, ns);
            while (t->slot[i])
                i = (i + 1) & (ns - 1);
            t->slot[i] = k + 1;
        }
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->v = c5dump_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    e = &t->v[t->n++];
    e->addr = addr;
    e->path = c5dump_xstrdup(path);
    e->displayed = 0;
    e->recorded = recorded;
    size_t i = tab_hash(addr, t->nslot);
    while (t->slot[i])
        i = (i + 1) & (t->nslot - 1);
    t->slot[i] = t->n;
    return e;
}

static void tab_free(table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].path);
    free(t->v);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ---- object header facts ----------------------------------------------- */

/* The object's hard-link count as libhdf5 reports it (H5Oget_info rc): the
 * v1 header prefix field, or a v2 header's reference count message (1 when
 * absent). */
uint32_t c5dump_refcount(c5_object *o)
{
    c5_ohdr *oh = o ? o->oh : NULL;
    if (!oh)
        return 1;
    if (oh->version == 1) {
        uint8_t b[4];
        if (c5_read(o->f, oh->addr + 4, b, 4, "object header") != 0)
            return 1;
        return (uint32_t)c5_le(b, 4);
    }
    size_t pos = 0;
    c5_mbody body;
    uint32_t rc = 1;
    if (c5_ohdr_find(o->f, oh, C5_MSG_REFCOUNT, &pos, &body) == 0) {
        if (body.n >= 5)
            rc = (uint32_t)c5_le(body.p + 1, 4);
        c5_mbody_free(o->f, &body);
    }
    return rc;
}

/* ---- links of a group ----------------------------------------------------- */

int c5dump_collect_link(void *ud, const c5_link *l)
{
    lnklist *ll = ud;
    if (ll->n == ll->cap) {
        ll->cap = ll->cap ? ll->cap * 2 : 16;
        ll->v = c5dump_xrealloc(ll->v, ll->cap * sizeof *ll->v);
    }
    lnk *d = &ll->v[ll->n++];
    d->name = c5dump_xstrdup(l->name);
    d->type = l->type;
    d->addr = l->addr;
    d->target = l->target ? c5dump_xstrdup(l->target) : NULL;
    d->target_file = l->target_file ? c5dump_xstrdup(l->target_file) : NULL;
    return 0;
}

void c5dump_lnklist_free(lnklist *ll)
{
    for (size_t i = 0; i < ll->n; i++) {
        free(ll->v[i].name);
        free(ll->v[i].target);
        free(ll->v[i].target_file);
    }
    free(ll->v);
    memset(ll, 0, sizeof *ll);
}

/* ---- traversal (h5trav_visit) --------------------------------------------- */

static char *join_path(const char *base, const char *name)
{
    size_t lb = strlen(base), ln = strlen(name);
    int slash = lb == 0 || base[lb - 1] != '/';
    char *p = c5dump_xmalloc(lb + (size_t)slash + ln + 1);
    memcpy(p, base, lb);
    if (slash)
        p[lb] = '/';
    memcpy(p + lb + (size_t)slash, name, ln + 1);
    return p;
}

static void trav_group(trav *t, c5_object *g, const char *base, int depth)
{
    lnklist ll = {0};
    if (depth > DUMP_MAX_DEPTH ||
        c5_group_iterate(g, C5_ORDER_NAME, c5dump_collect_link, &ll) != 0) {
        c5dump_lnklist_free(&ll);
        t->failed = 1;
        return;
    }
    for (size_t i = 0; i < ll.n && !t->failed; i++) {
        const lnk *l = &ll.v[i];
        char *full = join_path(base, l->name);
        if (l->type == C5_LINK_HARD) {
            c5_object *child = NULL;
            if (c5_object_open_addr(&child, t->f, l->addr) != 0) {
                t->failed = 1;
            } else {
                const char *already = NULL;
                if (c5dump_refcount(child) > 1) {
                    tabent *e = c5dump_tab_find(&t->seen, l->addr);
                    if (e)
                        already = e->path;
                    else
                        tab_add(&t->seen, l->addr, full, 1);
                }
                if (t->obj && t->obj(t, full, child, already) < 0)
                    t->failed = 1;
                if (!t->failed && !already && c5_object_kind(child) == C5_OBJ_GROUP)
                    trav_group(t, child, full, depth + 1);
            }
            c5_object_close(child);
        } else if (t->lnk) {
            t->lnk(t, full, l);
        }
        free(full);
    }
    c5dump_lnklist_free(&ll);
}

/* Visits the root group, then everything below it. */
int c5dump_trav_file(trav *t)
{
    c5_object *root = NULL;
    if (c5_object_open(&root, t->f, "/") != 0)
        return -1;
    if (t->obj && t->obj(t, "/", root, NULL) < 0)
        t->failed = 1;
    if (c5dump_refcount(root) > 1)
        tab_add(&t->seen, c5_object_addr(root), "/", 1);
    if (!t->failed)
        trav_group(t, root, "/", 0);
    c5_object_close(root);
    tab_free(&t->seen);
    return t->failed ? -1 : 0;
}

/* ---- the tables of each file ---------------------------------------------- */

/* find_objs_cb: fills one file's tables. */
static int tables_obj(trav *t, const char *path, c5_object *o, const char *already)
{
    tabset *ts = t->ud;
    if (already)
        return 0;
    uint64_t addr = c5_object_addr(o);
    switch (c5_object_kind(o)) {
    case C5_OBJ_GROUP:
        tab_add(&ts->groups, addr, path, 1);
        break;
    case C5_OBJ_DATASET: {
        tab_add(&ts->dsets, addr, path, 1);
        /* h5dump opens every dataset here and gives up on the file when
         * one does not open */
        c5_type *ty = NULL;
        c5_space sp;
        if (c5_object_type(&ty, o) != 0 || c5_dataset_space(&sp, o) != 0) {
            c5_type_close(ty);
            return -1;
        }
        uint64_t ta = c5_type_committed(ty);
        if (ta != UINT64_MAX && !c5dump_tab_find(&ts->types, ta))
            tab_add(&ts->types, ta, path, 0);
        c5_type_close(ty);
        break;
    }
    case C5_OBJ_DATATYPE: {
        tabent *e = c5dump_tab_find(&ts->types, addr);
        if (!e) {
            tab_add(&ts->types, addr, path, 1);
        } else {
            /* a dataset met first used it: now it has a name */
            free(e->path);
            e->path = c5dump_xstrdup(path);
            e->recorded = 1;
        }
        break;
    }
    }
    return 0;
}

static void file_identity(tabset *ts, c5_file *f)
{
    struct stat fst;
    ts->f = f;
    ts->have_id = f && f->path && stat(f->path, &fst) == 0;
    if (ts->have_id) {
        ts->dev = fst.st_dev;
        ts->ino = fst.st_ino;
    }
}

static int same_file(const tabset *ts, c5_file *f)
{
    if (ts->f == f)
        return 1;
    struct stat fst;
    if (!ts->have_id || !f || !f->path || stat(f->path, &fst) != 0)
        return 0;
    return fst.st_dev == ts->dev && fst.st_ino == ts->ino;
}

/* The tables of f (table_list_visited / table_list_add); NULL when they
 * cannot be built. */
tabset *c5dump_tables_for(dstate *st, c5_file *f)
{
    for (size_t i = 0; i < st->nsets; i++)
        if (same_file(st->sets[i], f))
            return st->sets[i]->ok ? st->sets[i] : NULL;
    tabset *ts = calloc(1, sizeof *ts);
    if (!ts)
        c5dump_oom();
    file_identity(ts, f);
    trav t;
    memset(&t, 0, sizeof t);
    t.st = st;
    t.f = f;
    t.obj = tables_obj;
    t.ud = ts;
    ts->ok = c5dump_trav_file(&t) == 0;
    st->sets = c5dump_xrealloc(st->sets, (st->nsets + 1) * sizeof *st->sets);
    st->sets[st->nsets++] = ts;
    return ts->ok ? ts : NULL;
}

void c5dump_tables_free(dstate *st)
{
    for (size_t i = 0; i < st->nsets; i++) {
        tab_free(&st->sets[i]->groups);
        tab_free(&st->sets[i]->dsets);
        tab_free(&st->sets[i]->types);
        free(st->sets[i]);
    }
    free(st->sets);
    st->sets = NULL;
    st->nsets = 0;
}
