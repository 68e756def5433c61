/* Objects: opening by address and by path (following hard, soft and
 * external links), and their kind. */
#include "write.h"

int c5_object_new(c5_object **out, c5_file *f, uint64_t addr)
{
    *out = NULL;
    c5_object *o = c5_calloc(f, 1, sizeof *o);
    if (!o)
        return c5_fail(f, C5_ENOMEM, addr, "out of memory");
    o->f = f;
    o->addr = addr;
    o->efl.n = 0;
    int rc = c5_ohdr_load(f, addr, &o->oh);
    if (rc) {
        c5_free(f, o);
        return rc;
    }
    int has_layout = 0, has_type = 0, is_group = 0;
    for (size_t i = 0; i < o->oh->nmsg; i++) {
        switch (o->oh->msg[i].type) {
        case C5_MSG_STAB: case C5_MSG_LINFO: case C5_MSG_LINK: case C5_MSG_GINFO:
            is_group = 1;
            break;
        case C5_MSG_LAYOUT: has_layout = 1; break;
        case C5_MSG_DATATYPE: has_type = 1; break;
        }
    }
    c5_file_retain(f);
    o->gen = f->w ? f->w->gen : 0;
    if (has_layout) {
        o->kind = C5_OBJ_DATASET; /* described lazily: see c5_dataset_load */
    } else if (is_group) {
        o->kind = C5_OBJ_GROUP;
    } else if (has_type) {
        o->kind = C5_OBJ_DATATYPE;
    } else {
        rc = c5_fail(f, C5_EUNSUPPORTED, addr, "object header %llu: unknown object type",
                     (unsigned long long)addr);
    }
    if (rc) {
        c5_object_close(o);
        return rc;
    }
    *out = o;
    return 0;
}

int c5_object_wnew(c5_object **out, c5_file *f, uint64_t addr, c5_objkind kind)
{
    *out = NULL;
    c5_object *o = c5_calloc(f, 1, sizeof *o);
    if (!o)
        return c5_fail(f, C5_ENOMEM, addr, "out of memory");
    o->f = f;
    o->addr = addr;
    o->kind = kind;
    o->gen = f->w ? f->w->gen - 1 : 0; /* stale: loads on first read */
    c5_file_retain(f);
    *out = o;
    return 0;
}

int c5_object_sync(c5_object *o)
{
    c5_file *f = o->f;
    if (!f->writable)
        return 0;
    int rc = c5_w_sync(f);
    if (rc || (o->gen == f->w->gen && o->oh))
        return rc;
    /* the file changed under this handle: reload what it caches */
    if (o->kind == C5_OBJ_DATASET)
        c5_dataset_fini(o);
    o->ds_state = 0;
    for (size_t i = 0; i < o->links.n; i++)
        c5_linkrec_free(f, (c5_linkrec *)o->links.v + i);
    c5_vec_free(f, &o->links);
    o->links_loaded = 0;
    c5_ohdr_free(f, o->oh);
    o->oh = NULL;
    if ((rc = c5_ohdr_load(f, o->addr, &o->oh)))
        return rc;
    o->gen = f->w->gen;
    return 0;
}

void c5_object_close(c5_object *o)
{
    if (!o)
        return;
    c5_file *f = o->f;
    if (o->kind == C5_OBJ_DATASET)
        c5_dataset_fini(o);
    for (size_t i = 0; i < o->links.n; i++)
        c5_linkrec_free(f, (c5_linkrec *)o->links.v + i);
    c5_vec_free(f, &o->links);
    c5_ohdr_free(f, o->oh);
    c5_free(f, o);
    c5_file_release(f);
}

int c5_object_comment(c5_object *o, char **out)
{
    if (!o || !out)
        return C5_EINVAL;
    *out = NULL;
    int rc = c5_object_sync(o);
    if (rc)
        return rc;
    size_t pos = 0;
    c5_mbody b;
    rc = c5_ohdr_find(o->f, o->oh, C5_MSG_COMMENT, &pos, &b);
    if (rc == C5_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    size_t n = 0;
    while (n < b.n && b.p[n])
        n++;
    if ((*out = malloc(n + 1))) {
        memcpy(*out, b.p, n);
        (*out)[n] = 0;
    }
    c5_mbody_free(o->f, &b);
    return *out ? 0 : C5_ENOMEM;
}

c5_objkind c5_object_kind(const c5_object *o) { return o->kind; }
uint64_t c5_object_addr(const c5_object *o) { return o->addr; }
c5_file *c5_object_file(const c5_object *o) { return o->f; }

int c5_object_open_addr(c5_object **out, c5_file *f, uint64_t addr)
{
    if (!out || !f)
        return C5_EINVAL;
    int rc = c5_w_sync(f);
    return rc ? rc : c5_object_new(out, f, addr);
}

/* Resolve path from group `base` (not consumed). `stop_last` leaves the
 * last component unresolved and returns its link through *last (pointing
 * into the returned parent's link table). */
/* Resolve path from group `base` (not consumed). With `last` non-NULL the
 * last component is not followed: its link is copied to *last and the
 * parent group returned. */
static int walk(c5_object *base, const char *path, int hops, c5_object **out, c5_linkrec *last)
{
    c5_file *f = base->f;
    if (hops > C5_MAX_LINK_HOPS)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "too many soft/external link hops resolving \"%s\"",
                       path);
    c5_object *cur = NULL;
    int rc = c5_object_new(&cur, f, path[0] == '/' ? f->root_addr : base->addr);
    if (rc)
        return rc;
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *rest = p + n;
        while (*rest == '/')
            rest++;
        if (n == 1 && p[0] == '.') {
            p = rest;
            continue;
        }
        if (cur->kind != C5_OBJ_GROUP) {
            rc = c5_fail(cur->f, C5_ENOTFOUND, cur->addr, "\"%s\": a component is not a group",
                         path);
            break;
        }
        /* link names have no length limit (tlonglinks.h5 has 66,000-byte
         * ones): short ones on the stack, others on the heap */
        char sbuf[256], *name = n < sizeof sbuf ? sbuf : c5_malloc(cur->f, n + 1);
        if (!name) {
            rc = c5_fail(cur->f, C5_ENOMEM, C5_UNDEF, "out of memory");
            break;
        }
        memcpy(name, p, n);
        name[n] = 0;
        c5_linkrec l;
        rc = c5_group_lookup(cur, name, &l);
        if (rc == C5_ENOTFOUND)
            c5_fail(cur->f, rc, C5_UNDEF, "\"%s\": no link \"%s\"", path, name);
        if (name != sbuf)
            c5_free(cur->f, name);
        if (rc)
            break;
        if (!*rest && last) {
            *last = l;
            *out = cur;
            return 0;
        }
        c5_object *next = NULL;
        if (l.type == C5_LINK_HARD) {
            rc = c5_object_new(&next, cur->f, l.addr);
        } else if (l.type == C5_LINK_SOFT) {
            rc = walk(cur, l.target, hops + 1, &next, NULL);
        } else if (l.type == C5_LINK_EXTERNAL) {
            c5_file *x = NULL;
            rc = c5_file_external(cur->f, l.target_file, &x);
            if (!rc) {
                c5_object *xroot;
                if (!(rc = c5_object_new(&xroot, x, x->root_addr))) {
                    rc = walk(xroot, l.target, hops + 1, &next, NULL);
                    c5_object_close(xroot);
                }
            }
            if (rc && rc != C5_ENOMEM)
                rc = c5_fail(cur->f, rc, C5_UNDEF, "external link \"%s\" -> %s//%s: %s", l.name ? l.name : "",
                             l.target_file, l.target, x ? c5_errmsg(x) : "cannot open file");
        } else {
            rc = c5_fail(cur->f, C5_EUNSUPPORTED, C5_UNDEF, "user-defined link type %d", l.type);
        }
        c5_linkrec_free(cur->f, &l);
        if (rc)
            break;
        c5_object_close(cur);
        cur = next;
        p = rest;
    }
    if (!rc && last) /* the path named the group itself: no last link */
        rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\" names no link", path);
    if (rc) {
        c5_object_close(cur);
        return rc;
    }
    *out = cur;
    return 0;
}

int c5_object_open_at(c5_object **out, c5_object *base, const char *path)
{
    if (!out || !base || !path)
        return C5_EINVAL;
    *out = NULL;
    int rc = c5_object_sync(base);
    if (rc)
        return rc;
    return walk(base, path, 0, out, NULL);
}

int c5_object_open(c5_object **out, c5_file *f, const char *path)
{
    if (!out || !f || !path)
        return C5_EINVAL;
    *out = NULL;
    c5_object *root;
    int rc = c5_w_sync(f);
    if (rc)
        return rc;
    rc = c5_object_new(&root, f, f->root_addr);
    if (rc)
        return rc;
    rc = walk(root, path, 0, out, NULL);
    c5_object_close(root);
    return rc;
}

int c5_link_lookup(c5_object *base, const char *path, c5_link_cb cb, void *ud)
{
    if (!base || !path || !cb)
        return C5_EINVAL;
    c5_object *parent;
    c5_linkrec l;
    int rc = c5_object_sync(base);
    if (rc)
        return rc;
    rc = walk(base, path, 0, &parent, &l);
    if (rc)
        return rc;
    c5_link pub = {l.name, l.type, l.addr, l.target, l.target_file, l.corder, l.has_corder,
                   l.cset, l.udlen};
    rc = cb(ud, &pub);
    c5_linkrec_free(parent->f, &l);
    c5_object_close(parent);
    return rc;
}
