/* Creating and changing objects in a writable file: groups, datasets,
 * committed datatypes, attributes and links. Everything here changes the
 * in-memory state (src/write.h); c5_file_flush writes it. */
#include "write.h"
#include "dwrite.h"
#include "format/encode.h"
#include "chunk/index.h"
#include "chunk/chunkw.h"

/* Headroom left in a new object header's first chunk for attributes added
 * later (more go to a continuation block). */
#define HEADROOM 64

static int need_writable(c5_file *f)
{
    if (!f)
        return C5_EINVAL;
    if (!f->writable)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "file is not open for writing");
    return 0;
}

static int latest(const c5_file *f) { return f->format == C5_FORMAT_LATEST; }

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* ---- links inside a group --------------------------------------------- */

static c5_linkrec *find_link(c5_wobj *g, const char *name, size_t *pos)
{
    size_t lo = 0, hi = g->links.n;
    c5_linkrec *v = g->links.v;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v[mid].name, name);
        if (c == 0) {
            if (pos)
                *pos = mid;
            return &v[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos)
        *pos = lo;
    return NULL;
}

/* Insert l (taking its strings) into g; C5_EEXIST if the name is taken. */
static int add_link(c5_file *f, c5_wobj *g, c5_linkrec *l)
{
    size_t pos;
    if (find_link(g, l->name, &pos)) {
        int rc = c5_fail(f, C5_EEXIST, g->addr, "link \"%s\" already exists", l->name);
        c5_linkrec_free(f, l);
        return rc;
    }
    l->cset = is_ascii(l->name) ? 0 : 1;
    if (g->track_corder) {
        l->has_corder = 1;
        l->corder = g->next_corder++;
    }
    int rc = c5_vec_push(f, &g->links, l);
    if (rc) {
        c5_linkrec_free(f, l);
        return rc;
    }
    c5_linkrec *v = g->links.v;
    c5_linkrec tmp = v[g->links.n - 1];
    memmove(v + pos + 1, v + pos, (g->links.n - 1 - pos) * sizeof *v);
    v[pos] = tmp;
    g->links_dirty = 1;
    c5_wobj_touch(f, g);
    return 0;
}

/* ---- groups -------------------------------------------------------------- */

static int add_encoded(c5_file *f, c5_wobj *o, uint16_t type, c5_wr *w)
{
    int rc = w->err ? w->err : c5_wobj_add_msg(f, o, type, 0, w->buf, w->n);
    c5_wr_free(w);
    return rc;
}

/* Track and index the creation order of o's attributes (v2 header). */
static void track_attrs(c5_file *f, c5_wobj *o)
{
    o->ohflags |= 0x04 | 0x08;
    o->attr_track = o->attr_index = 1;
    o->has_ainfo = 1;
    o->attrs_dirty = 1;
    c5_wobj_touch(f, o);
}

int c5_wgroup_new(c5_file *f, unsigned flags, c5_wobj **out)
{
    int track = (flags & C5_CREATE_TRACK_ORDER) != 0;
    int version = latest(f) || track ? 2 : 1;
    int stab = !latest(f) && !track;
    size_t cap = stab ? 8 + 16 : 2 * (4 + 24) + 8;
    cap += HEADROOM;
    c5_wobj *o;
    int rc = c5_wobj_new(f, C5_OBJ_GROUP, version, cap, &o);
    if (rc)
        return rc;
    if (track) {
        o->track_corder = o->index_corder = 1;
        track_attrs(f, o);
    }
    c5_wr w;
    if (stab) {
        o->gstyle = C5_GSTYLE_STAB;
        c5_wr_init(&w, f);
        c5_stab_msg_encode(&w, C5_UNDEF, C5_UNDEF);
        rc = add_encoded(f, o, C5_MSG_STAB, &w);
    } else {
        o->gstyle = C5_GSTYLE_COMPACT;
        c5_linfo li = {track, track, C5_UNDEF, C5_UNDEF, C5_UNDEF};
        c5_wr_init(&w, f);
        c5_linfo_encode(&w, &li);
        rc = add_encoded(f, o, C5_MSG_LINFO, &w);
        if (!rc) {
            c5_wr_init(&w, f);
            c5_ginfo_encode(&w);
            rc = add_encoded(f, o, C5_MSG_GINFO, &w);
        }
    }
    o->links_dirty = 1;
    *out = o;
    return rc;
}

/* Resolve the parent group of path's last component, creating missing
 * groups when asked. *name points into path. */
static int resolve_parent(c5_file *f, const char *path, unsigned flags, c5_wobj **parent,
                          char **namep)
{
    c5_wobj *cur;
    int rc = c5_wobj_get(f, f->root_addr, &cur);
    if (rc)
        return rc;
    /* the components are copied to a per-file scratch buffer; *namep
     * (the last one) stays valid until the next call */
    size_t need = strlen(path) + 1;
    if (need > f->w->namecap) {
        char *nb = c5_realloc(f, f->w->namebuf, need);
        if (!nb)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
        f->w->namebuf = nb;
        f->w->namecap = need;
    }
    char *name = f->w->namebuf;
    *namep = name;
    const char *p = path;
    int hops = 0;
    for (;;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *rest = p + n;
        while (*rest == '/')
            rest++;
        if (!n)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": empty link name", path);
        memcpy(name, p, n);
        name[n] = 0;
        if (!*rest) {
            *parent = cur;
            return 0;
        }
        if (cur->kind != C5_OBJ_GROUP)
            return c5_fail(f, C5_ENOTFOUND, cur->addr, "\"%s\": a component is not a group",
                           path);
        if (!strcmp(name, ".")) {
            p = rest;
            continue;
        }
        c5_linkrec *l = find_link(cur, name, NULL);
        if (!l) {
            if (!(flags & C5_CREATE_PARENTS))
                return c5_fail(f, C5_ENOTFOUND, C5_UNDEF, "\"%s\": no group \"%s\"", path,
                               name);
            c5_wobj *g;
            if ((rc = c5_wgroup_new(f, flags & C5_CREATE_TRACK_ORDER, &g)))
                return rc;
            c5_linkrec nl = {c5_strdup(f, name), C5_LINK_HARD, g->addr, NULL, NULL, 0, 0, 0, 0};
            if (!nl.name)
                return C5_ENOMEM;
            if ((rc = add_link(f, cur, &nl)))
                return rc;
            cur = g;
        } else if (l->type == C5_LINK_HARD) {
            if ((rc = c5_wobj_get(f, l->addr, &cur)))
                return rc;
        } else if (l->type == C5_LINK_SOFT && ++hops < C5_MAX_LINK_HOPS) {
            /* follow the soft link: resolve its target as a group path */
            c5_wobj *tg;
            if (l->target[0] != '/')
                return c5_fail(f, C5_EUNSUPPORTED, C5_UNDEF,
                               "relative soft link \"%s\" in a creation path", l->target);
            size_t tl = strlen(l->target);
            char *tmp = c5_malloc(f, tl + 3);
            if (!tmp)
                return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
            memcpy(tmp, l->target, tl);
            memcpy(tmp + tl, "/x", 3);
            char *nm;
            rc = resolve_parent(f, tmp, 0, &tg, &nm);
            c5_free(f, tmp);
            if (rc)
                return rc;
            /* the scratch buffer may have moved */
            if (need > f->w->namecap) {
                char *nb = c5_realloc(f, f->w->namebuf, need);
                if (!nb)
                    return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
                f->w->namebuf = nb;
                f->w->namecap = need;
            }
            name = *namep = f->w->namebuf;
            cur = tg;
        } else {
            return c5_fail(f, C5_EUNSUPPORTED, C5_UNDEF,
                           "\"%s\": cannot create through link \"%s\"", path, name);
        }
        p = rest;
    }
}

static int new_handle(c5_object **out, c5_file *f, c5_wobj *o)
{
    if (!out)
        return 0;
    return c5_object_wnew(out, f, o->addr, o->kind);
}

int c5_group_create(c5_object **out, c5_file *f, const char *path, const c5_group_opts *opts)
{
    if (out)
        *out = NULL;
    int rc = need_writable(f);
    if (rc || !path)
        return rc ? rc : C5_EINVAL;
    unsigned flags = opts ? opts->flags : 0;
    c5_wobj *parent, *g;
    char *name;
    if ((rc = resolve_parent(f, path, flags, &parent, &name)))
        return rc;
    if (parent->kind != C5_OBJ_GROUP)
        return c5_fail(f, C5_EINVAL, parent->addr, "\"%s\": parent is not a group", path);
    if (find_link(parent, name, NULL))
        return c5_fail(f, C5_EEXIST, parent->addr, "\"%s\" already exists", path);
    if ((rc = c5_wgroup_new(f, flags, &g)))
        return rc;
    c5_linkrec l = {c5_strdup(f, name), C5_LINK_HARD, g->addr, NULL, NULL, 0, 0, 0, 0};
    if (!l.name)
        return C5_ENOMEM;
    if ((rc = add_link(f, parent, &l)))
        return rc;
    return new_handle(out, f, g);
}

/* ---- links --------------------------------------------------------------- */

static int link_common(c5_file *f, const char *path, unsigned flags, c5_linkrec *l)
{
    int rc = need_writable(f);
    if (rc || !path) {
        c5_linkrec_free(f, l);
        return rc ? rc : C5_EINVAL;
    }
    c5_wobj *parent;
    char *name;
    if ((rc = resolve_parent(f, path, flags, &parent, &name))) {
        c5_linkrec_free(f, l);
        return rc;
    }
    if (parent->kind != C5_OBJ_GROUP) {
        c5_linkrec_free(f, l);
        return c5_fail(f, C5_EINVAL, parent->addr, "\"%s\": parent is not a group", path);
    }
    if (!(l->name = c5_strdup(f, name))) {
        c5_linkrec_free(f, l);
        return C5_ENOMEM;
    }
    return add_link(f, parent, l);
}

int c5_link_hard(c5_file *f, const char *path, c5_object *target, unsigned flags)
{
    if (!target || !f || target->f != f)
        return C5_EINVAL;
    c5_linkrec l = {NULL, C5_LINK_HARD, target->addr, NULL, NULL, 0, 0, 0, 0};
    int rc = link_common(f, path, flags, &l);
    if (rc)
        return rc;
    c5_wobj *o;
    if (!(rc = c5_wobj_get(f, target->addr, &o))) {
        o->refcount++;
        c5_wobj_touch(f, o);
    }
    return rc;
}

int c5_link_soft(c5_file *f, const char *path, const char *target, unsigned flags)
{
    if (!target || !f)
        return C5_EINVAL;
    c5_linkrec l = {NULL, C5_LINK_SOFT, C5_UNDEF, c5_strdup(f, target), NULL, 0, 0, 0, 0};
    if (!l.target)
        return C5_ENOMEM;
    return link_common(f, path, flags, &l);
}

int c5_link_external(c5_file *f, const char *path, const char *file, const char *objpath,
                     unsigned flags)
{
    if (!file || !objpath || !f)
        return C5_EINVAL;
    c5_linkrec l = {NULL, C5_LINK_EXTERNAL, C5_UNDEF, c5_strdup(f, objpath), c5_strdup(f, file),
                    0, 0, 0, 0};
    if (!l.target || !l.target_file) {
        c5_linkrec_free(f, &l);
        return C5_ENOMEM;
    }
    return link_common(f, path, flags, &l);
}

int c5_link_user(c5_file *f, const char *path, int type, const void *data, size_t n,
                 unsigned flags)
{
    if (!f || type <= C5_LINK_EXTERNAL || type > 255 || (n && !data) || n > 65535)
        return C5_EINVAL;
    c5_linkrec l = {NULL, type, C5_UNDEF, c5_malloc(f, n + 1), NULL, 0, 0, 0, n};
    if (!l.target)
        return C5_ENOMEM;
    if (n)
        memcpy(l.target, data, n);
    l.target[n] = 0;
    return link_common(f, path, flags, &l);
}

int c5_object_track_order(c5_object *obj, int *links, int *attrs)
{
    if (!obj)
        return C5_EINVAL;
    int rc = c5_object_sync(obj);
    if (rc)
        return rc;
    c5_file *f = obj->f;
    int l = 0, a = 0;
    size_t pos = 0;
    c5_mbody b;
    if (c5_ohdr_find(f, obj->oh, C5_MSG_LINFO, &pos, &b) == 0) {
        c5_linfo li;
        if (!c5_linfo_decode(f, &b, &li))
            l = li.track_corder;
        c5_mbody_free(f, &b);
    }
    pos = 0;
    if (c5_ohdr_find(f, obj->oh, C5_MSG_AINFO, &pos, &b) == 0) {
        c5_ainfo ai;
        if (!c5_ainfo_decode(f, &b, &ai))
            a = ai.track_corder;
        c5_mbody_free(f, &b);
    }
    if (obj->oh->version == 2 && (obj->oh->flags & 0x04))
        a = 1;
    if (links)
        *links = l;
    if (attrs)
        *attrs = a;
    return 0;
}

int c5_object_set_comment(c5_object *obj, const char *comment)
{
    if (!obj)
        return C5_EINVAL;
    c5_file *f = obj->f;
    int rc = need_writable(f);
    if (rc)
        return rc;
    c5_wobj *o;
    if ((rc = c5_wobj_get(f, obj->addr, &o)))
        return rc;
    if (!comment) {
        if (c5_wobj_find_msg(o, C5_MSG_COMMENT)) {
            c5_wobj_del_msg(f, o, C5_MSG_COMMENT);
            c5_wobj_touch(f, o);
        }
        return 0;
    }
    size_t n = strlen(comment) + 1;
    if (n > 65535)
        return c5_fail(f, C5_ELIMIT, obj->addr, "comment of %zu bytes", n);
    return c5_wobj_set_msg(f, o, C5_MSG_COMMENT, 0, comment, n);
}

int c5_link_delete(c5_file *f, const char *path)
{
    int rc = need_writable(f);
    if (rc || !path)
        return rc ? rc : C5_EINVAL;
    c5_wobj *parent;
    char *name;
    if ((rc = resolve_parent(f, path, 0, &parent, &name)))
        return rc;
    size_t pos;
    c5_linkrec *l = parent->kind == C5_OBJ_GROUP ? find_link(parent, name, &pos) : NULL;
    if (!l)
        return c5_fail(f, C5_ENOTFOUND, C5_UNDEF, "\"%s\": no such link", path);
    if (l->type == C5_LINK_HARD) {
        c5_wobj *o;
        if (!c5_wobj_get(f, l->addr, &o) && o->refcount > 1) {
            o->refcount--;
            c5_wobj_touch(f, o);
        }
    }
    c5_linkrec_free(f, l);
    c5_linkrec *v = parent->links.v;
    memmove(v + pos, v + pos + 1, (parent->links.n - pos - 1) * sizeof *v);
    parent->links.n--;
    parent->links_dirty = 1;
    c5_wobj_touch(f, parent);
    return 0;
}

/* ---- datatypes ----------------------------------------------------------- */

/* The type as this file stores it: a committed type of another file is
 * stored in full. Returns a borrowed or new handle (*tmp to free). */
static const c5_type *local_type(c5_file *f, const c5_type *t, c5_type **tmp)
{
    *tmp = NULL;
    if (t->committed == C5_UNDEF || t->cfile == f)
        return t;
    *tmp = c5_type_dup(t);
    if (*tmp)
        (*tmp)->committed = C5_UNDEF;
    return *tmp;
}

static int type_msg(c5_file *f, c5_wobj *o, const c5_type *t)
{
    c5_type *tmp;
    const c5_type *lt = local_type(f, t, &tmp);
    if (!lt)
        return C5_ENOMEM;
    c5_wr w;
    c5_wr_init(&w, f);
    int shared = 0;
    int rc = c5_type_msg_encode(&w, lt, latest(f), &shared);
    if (!rc)
        rc = w.err ? w.err
                   : c5_wobj_add_msg(f, o, C5_MSG_DATATYPE, shared ? 0x03 : 0x01, w.buf, w.n);
    c5_wr_free(&w);
    c5_type_close(tmp);
    return rc;
}

int c5_type_commit(c5_object **out, c5_file *f, const char *path, const c5_type *t,
                   const c5_group_opts *opts)
{
    if (out)
        *out = NULL;
    int rc = need_writable(f);
    if (rc || !path || !t)
        return rc ? rc : C5_EINVAL;
    if (t->native_vlstr || t->native_objref)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "memory-only types cannot be committed");
    unsigned flags = opts ? opts->flags : 0;
    c5_wobj *parent, *o;
    char *name;
    if ((rc = resolve_parent(f, path, flags, &parent, &name)))
        return rc;
    if (find_link(parent, name, NULL))
        return c5_fail(f, C5_EEXIST, parent->addr, "\"%s\" already exists", path);
    c5_wr w;
    c5_wr_init(&w, f);
    c5_type *full = c5_type_dup(t);
    if (!full)
        return C5_ENOMEM;
    full->committed = C5_UNDEF;
    rc = c5_type_encode(&w, full, c5_type_msg_version(full, latest(f)));
    c5_type_close(full);
    size_t tsz = w.n;
    if (!rc)
        rc = w.err;
    int track = (flags & C5_CREATE_TRACK_ORDER) != 0;
    if (!rc)
        rc = c5_wobj_new(f, C5_OBJ_DATATYPE, latest(f) || track ? 2 : 1, tsz + 8 + HEADROOM, &o);
    if (!rc && track)
        track_attrs(f, o);
    if (!rc)
        rc = c5_wobj_add_msg(f, o, C5_MSG_DATATYPE, 0x01, w.buf, w.n);
    c5_wr_free(&w);
    if (rc)
        return rc;
    c5_linkrec l = {c5_strdup(f, name), C5_LINK_HARD, o->addr, NULL, NULL, 0, 0, 0, 0};
    if (!l.name)
        return C5_ENOMEM;
    if ((rc = add_link(f, parent, &l)))
        return rc;
    return new_handle(out, f, o);
}

/* ---- datasets ------------------------------------------------------------ */

static uint64_t nelem(const c5_space *s)
{
    if (s->cls == C5_SPACE_NULL)
        return 0;
    uint64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        if (c5_mul_ovf(n, s->dims[i], &n))
            return UINT64_MAX;
    return n;
}

static int check_space(c5_file *f, const c5_space *s)
{
    if (s->cls == C5_SPACE_SIMPLE) {
        if (s->rank < 1 || s->rank > C5_MAX_RANK)
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "dataspace rank %d", s->rank);
        for (int i = 0; i < s->rank; i++)
            if (s->maxdims[i] != C5_UNLIMITED && s->maxdims[i] < s->dims[i])
                return c5_fail(f, C5_EINVAL, C5_UNDEF, "max dim %d below its dim", i);
    } else if (s->cls != C5_SPACE_SCALAR && s->cls != C5_SPACE_NULL) {
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "dataspace class %d", s->cls);
    }
    return 0;
}

/* log2 and 2^y without libm (the library links only libc). */
static double lg2(double x)
{
    int e = 0;
    while (x >= 2) {
        x /= 2;
        e++;
    }
    while (x < 1) {
        x *= 2;
        e--;
    }
    double frac = 0, bit = 0.5;
    for (int i = 0; i < 30; i++, bit /= 2) {
        x *= x;
        if (x >= 2) {
            x /= 2;
            frac += bit;
        }
    }
    return e + frac;
}

static double exp2_(double y)
{
    double r = 1;
    while (y >= 1) {
        r *= 2;
        y -= 1;
    }
    while (y < 0) {
        r /= 2;
        y += 1;
    }
    /* 2^y = e^(y ln 2) for y in [0, 1) */
    double t = y * 0.6931471805599453, term = 1, sum = 1;
    for (int k = 1; k < 20; k++) {
        term *= t / k;
        sum += term;
    }
    return r * sum;
}

/* Chunk dims when none are given, by the rule h5py uses: aim at a chunk
 * of 16 KiB scaled by the dataset's size (8 KiB .. 1 MiB), halving the
 * dims in turn from the first; unlimited or zero dims count as 1024. */
static void guess_chunk(const c5_space *sp, size_t esz, c5_dataset_opts *o)
{
    const double base = 16 * 1024, lo = 8 * 1024, hi = 1024 * 1024;
    double dsize = (double)esz;
    uint64_t c[C5_MAX_RANK];
    for (int i = 0; i < sp->rank; i++) {
        c[i] = sp->dims[i] ? sp->dims[i] : 1024;
        if (sp->maxdims[i] == C5_UNLIMITED && !sp->dims[i])
            c[i] = 1024;
        dsize *= (double)c[i];
    }
    double target = base * exp2_(lg2(dsize / (1024.0 * 1024.0)) * 0.30102999566398120);
    if (target > hi)
        target = hi;
    if (target < lo)
        target = lo;
    for (int idx = 0;; idx++) {
        double cb = (double)esz, n = 1;
        for (int i = 0; i < sp->rank; i++) {
            cb *= (double)c[i];
            n *= (double)c[i];
        }
        double dev = cb > target ? (cb - target) / target : (target - cb) / target;
        if ((cb < target || dev < 0.5) && cb < hi)
            break;
        if (n <= 1)
            break;
        int k = idx % sp->rank;
        c[k] = (c[k] + 1) / 2;
    }
    o->chunk_rank = sp->rank;
    for (int i = 0; i < sp->rank; i++)
        o->chunk[i] = c[i];
}

/* Bytes of the layout v4 index-specific fields per index type. */
static size_t idx_info_len(const c5_file *f, int type, int filtered)
{
    switch (type) {
    case C5_CIDX_SINGLE: return filtered ? (size_t)f->lsz + 4 : 0;
    case C5_CIDX_FARRAY: return 1;
    case C5_CIDX_EARRAY: return 5;
    case C5_CIDX_BTREE2: return 6;
    default: return 0;
    }
}

/* Encode and set the layout message of a dataset from its state. */
int c5_wdset_layout_msg(c5_file *f, c5_wobj *o)
{
    c5_wdset *d = o->ds;
    c5_layout l;
    memset(&l, 0, sizeof l);
    l.version = d->layout_version;
    l.addr = C5_UNDEF;
    switch (d->storage) {
    case C5_STORAGE_COMPACT:
        l.cls = C5_LAYOUT_COMPACT;
        l.size = d->compact_size;
        l.compact = d->compact;
        break;
    case C5_STORAGE_CONTIGUOUS:
        l.cls = C5_LAYOUT_CONTIG;
        l.addr = d->addr;
        l.size = d->size;
        break;
    default:
        l.cls = C5_LAYOUT_CHUNKED;
        l.addr = d->index_addr;
        l.ndims = d->geom->rank + 1;
        for (int i = 0; i < d->geom->rank; i++)
            l.chunk[i] = d->geom->chunk[i];
        l.chunk[d->geom->rank] = d->esz;
        l.index_type = d->cidx_type;
        l.flags = d->layout_flags;
        l.idx_info = d->idx_info;
        l.idx_info_len = d->idx_info_len;
        break;
    }
    c5_wr w;
    c5_wr_init(&w, f);
    int rc = c5_layout_encode(&w, &l);
    if (!rc)
        rc = w.err ? w.err : c5_wobj_set_msg(f, o, C5_MSG_LAYOUT, 0, w.buf, w.n);
    c5_wr_free(&w);
    return rc;
}

static int fill_msgs(c5_file *f, c5_wobj *o)
{
    c5_wdset *d = o->ds;
    c5_wr w;
    c5_wr_init(&w, f);
    /* "defined" with no bytes is libhdf5's default fill value (zeros) */
    int rc = c5_fill_encode(&w, latest(f), d->alloc_time, d->fill_time, 1, d->fill,
                            d->fill_defined ? d->esz : 0);
    if (!rc)
        rc = w.err ? w.err : c5_wobj_add_msg(f, o, C5_MSG_FILL, 0x01, w.buf, w.n);
    c5_wr_free(&w);
    if (!rc && !latest(f) && d->fill_defined) {
        c5_wr_init(&w, f);
        rc = c5_fill_old_encode(&w, d->fill, d->esz);
        if (!rc)
            rc = w.err ? w.err : c5_wobj_add_msg(f, o, C5_MSG_FILL_OLD, 0x01, w.buf, w.n);
        c5_wr_free(&w);
    }
    return rc;
}

int c5_dataset_create(c5_object **out, c5_file *f, const char *path, const c5_type *type,
                      const c5_space *space, const c5_dataset_opts *opts)
{
    if (out)
        *out = NULL;
    int rc = need_writable(f);
    if (rc || !path || !type || !space)
        return rc ? rc : C5_EINVAL;
    if ((rc = check_space(f, space)))
        return rc;
    if (type->native_vlstr || type->native_objref || type->size == 0)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": not a file datatype", path);
    c5_dataset_opts dflt, guessed; /* guessed: chunk dims chosen here */
    memset(&dflt, 0, sizeof dflt);
    if (!opts)
        opts = &dflt;
    c5_wobj *parent, *o;
    char *name;
    if ((rc = resolve_parent(f, path, opts->flags, &parent, &name)))
        return rc;
    if (parent->kind != C5_OBJ_GROUP)
        return c5_fail(f, C5_EINVAL, parent->addr, "\"%s\": parent is not a group", path);
    if (find_link(parent, name, NULL))
        return c5_fail(f, C5_EEXIST, parent->addr, "\"%s\" already exists", path);

    c5_wdset *d = c5_calloc(f, 1, sizeof *d);
    if (!d)
        return C5_ENOMEM;
    d->space = *space;
    if (space->cls != C5_SPACE_SIMPLE)
        d->space.rank = 0;
    c5_type *tmp;
    const c5_type *lt = local_type(f, type, &tmp);
    d->type = lt ? (tmp ? tmp : c5_type_dup(lt)) : NULL;
    if (!d->type) {
        c5_free(f, d);
        return C5_ENOMEM;
    }
    d->esz = d->type->size;
    d->addr = d->size = C5_UNDEF;
    d->index_addr = C5_UNDEF;
    d->chunks.esz = sizeof(c5_chunk_rec);
    d->chunks_sorted = 1;
    d->layout_version = latest(f) ? 4 : 3;
    /* public C5_FILL_* (IFSET 0, ALLOC 1, NEVER 2) to the file's encoding
     * (on allocation 0, never 1, if set 2) */
    d->fill_time = opts->fill_time == C5_FILL_ALLOC ? 0 : opts->fill_time == C5_FILL_NEVER ? 1 : 2;
    int storage = opts->storage;
    int growable = 0;
    for (int i = 0; i < d->space.rank; i++)
        if (d->space.maxdims[i] != d->space.dims[i])
            growable = 1;
    if (storage == C5_STORAGE_DEFAULT)
        storage = opts->chunk_rank || growable || opts->nfilters ? C5_STORAGE_CHUNKED
                                                                 : C5_STORAGE_CONTIGUOUS;
    d->storage = storage;
    uint64_t n = nelem(&d->space), bytes;
    if (n == UINT64_MAX || c5_mul_ovf(n, d->esz, &bytes)) {
        rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": dataset too large", path);
        goto fail;
    }
    if (storage != C5_STORAGE_CHUNKED && (growable || opts->nfilters)) {
        rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                     "\"%s\": filters and extendible dims need chunked storage", path);
        goto fail;
    }
    if (storage == C5_STORAGE_COMPACT) {
        if (bytes > 65000) {
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": %llu bytes too large for compact "
                         "storage", path, (unsigned long long)bytes);
            goto fail;
        }
        d->compact_size = (size_t)bytes;
        d->compact = c5_calloc(f, 1, d->compact_size ? d->compact_size : 1);
        if (!d->compact) {
            rc = C5_ENOMEM;
            goto fail;
        }
    } else if (storage == C5_STORAGE_CONTIGUOUS) {
        d->size = bytes;
    } else if (storage == C5_STORAGE_CHUNKED) {
        if (d->space.cls == C5_SPACE_SIMPLE && opts->chunk_rank == 0) {
            guessed = *opts;
            guess_chunk(&d->space, d->esz, &guessed);
            opts = &guessed;
        }
        if (d->space.cls != C5_SPACE_SIMPLE || opts->chunk_rank != d->space.rank) {
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                         "\"%s\": chunked storage needs chunk dims of the dataset's rank", path);
            goto fail;
        }
        if ((rc = c5_wdset_chunked(f, d)))
            goto fail;
        c5_chunk_geom *g = d->geom;
        g->rank = d->space.rank;
        g->elem_size = d->esz;
        uint64_t cb = d->esz;
        for (int i = 0; i < g->rank; i++) {
            g->dims[i] = d->space.dims[i];
            g->maxdims[i] = d->space.maxdims[i];
            g->chunk[i] = opts->chunk[i];
            if (!g->chunk[i] || c5_mul_ovf(cb, g->chunk[i], &cb) ||
                (g->maxdims[i] != C5_UNLIMITED && g->chunk[i] > g->maxdims[i] &&
                 g->maxdims[i] > 0)) {
                rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": invalid chunk dim %d", path, i);
                goto fail;
            }
        }
        if (cb > 0xffffffffull) {
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": chunks are limited to 4 GiB", path);
            goto fail;
        }
        g->chunk_bytes = cb;
        if (opts->nfilters &&
            ((rc = c5_pipeline_from_public(f, opts->filters, opts->nfilters, d->pipe)) ||
             (rc = c5_pipeline_set_local_fill(f, d->pipe, d->type, g->rank, g->chunk,
                                              opts->fill))))
            goto fail;
        g->filtered = d->pipe->n > 0;
    } else {
        rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "\"%s\": storage %d", path, storage);
        goto fail;
    }
    d->alloc_time = opts->alloc_time ? opts->alloc_time
                    : storage == C5_STORAGE_COMPACT ? C5_ALLOC_EARLY
                    : storage == C5_STORAGE_CONTIGUOUS ? C5_ALLOC_LATE : C5_ALLOC_INCR;
    if (storage == C5_STORAGE_COMPACT)
        d->alloc_time = C5_ALLOC_EARLY;
    if (storage == C5_STORAGE_CHUNKED) {
        d->cidx_type = latest(f) ? c5_chunk_index_choose(d->geom, d->pipe->n > 0,
                                                         d->alloc_time == C5_ALLOC_EARLY)
                                 : C5_CIDX_BTREE1;
        /* provisional index fields of the right length (the layout message
         * keeps its size); the index writer fills them at flush */
        d->idx_info_len = idx_info_len(f, d->cidx_type, d->pipe->n > 0);
        if (d->cidx_type == C5_CIDX_SINGLE && d->pipe->n > 0)
            d->layout_flags |= 0x02; /* the single chunk is filtered */
    }
    if (opts->fill) {
        d->fill = c5_malloc(f, d->esz);
        if (!d->fill) {
            rc = C5_ENOMEM;
            goto fail;
        }
        memcpy(d->fill, opts->fill, d->esz);
        d->fill_defined = 1;
    }

    int track = (opts->flags & C5_CREATE_TRACK_ORDER) != 0;
    rc = c5_wobj_new(f, C5_OBJ_DATASET, latest(f) || track ? 2 : 1, 0, &o);
    if (rc)
        goto fail;
    if (track)
        track_attrs(f, o);
    o->ds = d;
    d->dirty = 1;
    c5_wr w;
    c5_wr_init(&w, f);
    c5_space_encode(&w, &d->space, latest(f));
    rc = add_encoded(f, o, C5_MSG_DATASPACE, &w);
    if (!rc)
        rc = type_msg(f, o, d->type);
    if (!rc)
        rc = fill_msgs(f, o);
    if (!rc)
        rc = c5_wdset_layout_msg(f, o);
    if (!rc && d->pipe && d->pipe->n) {
        c5_wr_init(&w, f);
        rc = c5_pipeline_msg_encode(&w, d->pipe, latest(f) ? 2 : 1);
        if (!rc)
            rc = add_encoded(f, o, C5_MSG_PIPELINE, &w);
        else
            c5_wr_free(&w);
    }
    if (rc) {
        c5_wobj_discard(f, o);
        return rc;
    }
    /* size chunk 0 for what is there now, with headroom */
    size_t need = 0;
    for (size_t i = 0; i < o->msgs.n; i++) {
        size_t sz = ((c5_wmsg *)o->msgs.v)[i].size;
        need += o->version == 1 ? 8 + ((sz + 7) & ~(size_t)7) : 4 + sz;
    }
    if ((rc = c5_wobj_place(f, o, need + HEADROOM))) {
        c5_wobj_discard(f, o);
        return rc;
    }
    c5_linkrec l = {c5_strdup(f, name), C5_LINK_HARD, o->addr, NULL, NULL, 0, 0, 0, 0};
    if (!l.name)
        return C5_ENOMEM;
    if ((rc = add_link(f, parent, &l)))
        return rc;
    return new_handle(out, f, o);
fail:
    c5_wdset_free(f, d);
    c5_free(f, d);
    return rc;
}

/* ---- datasets of existing files ----------------------------------------- */

typedef struct rec_ctx {
    c5_file *f;
    c5_vec *v;
} rec_ctx;

static int keep_rec(void *ud, const c5_chunk_rec *r)
{
    rec_ctx *c = ud;
    return c5_vec_push(c->f, c->v, r);
}

static int cmp_rec(const void *a, const void *b, void *rank)
{
    return c5_cidx_cmp_scaled(*(int *)rank, ((const c5_chunk_rec *)a)->scaled,
                              ((const c5_chunk_rec *)b)->scaled);
}

/* Sort chunk records by scaled coordinates (slowest dimension first). */
void c5_chunk_recs_sort(c5_chunk_rec *v, size_t n, int rank)
{
    if (n > 1)
        qsort_r(v, n, sizeof *v, cmp_rec, &rank);
}

/* Build the write state of a dataset that exists in the file. */
static int wdset_load(c5_file *f, c5_wobj *o)
{
    c5_object *ro;
    int rc = c5_object_new(&ro, f, o->addr);
    if (rc)
        return rc;
    if ((rc = c5_dataset_load(ro))) {
        c5_object_close(ro);
        return rc;
    }
    c5_wdset *d = c5_calloc(f, 1, sizeof *d);
    if (!d) {
        c5_object_close(ro);
        return C5_ENOMEM;
    }
    d->space = ro->space;
    d->type = c5_type_dup(ro->type);
    d->esz = ro->type->size;
    d->addr = d->size = d->index_addr = C5_UNDEF;
    d->chunks.esz = sizeof(c5_chunk_rec);
    d->chunks_sorted = 1;
    d->fill_time = ro->fill.write_time;
    d->alloc_time = ro->fill.alloc_time;
    if (ro->fill.defined && ro->fill.size == d->esz && (d->fill = c5_malloc(f, d->esz))) {
        memcpy(d->fill, ro->fill.value, d->esz);
        d->fill_defined = 1;
    }
    const c5_layout *l = &ro->layout;
    d->layout_version = l->version < 3 ? 3 : l->version;
    if (!d->type)
        rc = C5_ENOMEM;
    else if (ro->efl.n)
        rc = c5_fail(f, C5_EUNSUPPORTED, o->addr, "writing to external raw data files");
    else if (l->cls == C5_LAYOUT_COMPACT) {
        d->storage = C5_STORAGE_COMPACT;
        d->compact_size = (size_t)l->size;
        if (!(d->compact = c5_malloc(f, d->compact_size ? d->compact_size : 1)))
            rc = C5_ENOMEM;
        else
            memcpy(d->compact, l->compact, d->compact_size);
    } else if (l->cls == C5_LAYOUT_CONTIG) {
        d->storage = C5_STORAGE_CONTIGUOUS;
        d->addr = l->addr;
        d->size = l->size;
        uint64_t n = nelem(&d->space), bytes;
        if (!c5_mul_ovf(n, d->esz, &bytes) && (d->addr == C5_UNDEF || d->size < bytes))
            d->size = bytes;
    } else if (l->cls == C5_LAYOUT_CHUNKED && (rc = c5_wdset_chunked(f, d)) == 0) {
        d->storage = C5_STORAGE_CHUNKED;
        d->cidx_type = l->version < 4 ? C5_CIDX_BTREE1 : l->index_type;
        d->layout_flags = l->flags;
        d->index_addr = l->addr;
        if (l->idx_info_len && l->idx_info_len <= sizeof d->idx_info) {
            memcpy(d->idx_info, l->idx_info, l->idx_info_len);
            d->idx_info_len = l->idx_info_len;
        }
        c5_chunk_geom *g = d->geom;
        g->rank = d->space.rank;
        g->elem_size = d->esz;
        g->chunk_bytes = d->esz;
        for (int i = 0; i < g->rank; i++) {
            g->dims[i] = d->space.dims[i];
            g->maxdims[i] = d->space.maxdims[i];
            g->chunk[i] = l->chunk[i];
            g->chunk_bytes *= g->chunk[i];
        }
        size_t pos = 0;
        c5_mbody b;
        rc = c5_ohdr_find(f, ro->oh, C5_MSG_PIPELINE, &pos, &b);
        if (rc == 0) {
            rc = c5_pipeline_decode(f, &b, d->pipe);
            c5_mbody_free(f, &b);
        } else if (rc == C5_ENOTFOUND) {
            rc = 0;
        }
        g->filtered = d->pipe->n > 0;
        c5_chunk_index *ix;
        if (!rc && !(rc = c5_chunk_index_open(f, l, g, &ix))) {
            rec_ctx c = {f, &d->chunks};
            rc = c5_chunk_iterate(ix, keep_rec, &c);
            c5_chunk_index_close(ix);
            c5_chunk_recs_sort(d->chunks.v, d->chunks.n, g->rank);
        }
    } else if (!rc) {
        rc = c5_fail(f, C5_EUNSUPPORTED, o->addr, "writing to virtual datasets");
    }
    c5_object_close(ro);
    if (rc) {
        c5_wdset_free(f, d);
        c5_free(f, d);
        return rc;
    }
    o->ds = d;
    return 0;
}

static int dataset_w(c5_object *ds, c5_wobj **out)
{
    if (!ds)
        return C5_EINVAL;
    c5_file *f = ds->f;
    int rc = need_writable(f);
    if (rc)
        return rc;
    if (ds->kind != C5_OBJ_DATASET)
        return c5_fail(f, C5_EINVAL, ds->addr, "not a dataset");
    c5_wobj *o;
    if ((rc = c5_wobj_get(f, ds->addr, &o)))
        return rc;
    if (!o->ds && (rc = wdset_load(f, o)))
        return rc;
    *out = o;
    return 0;
}

int c5_dataset_write(c5_object *ds, const c5_type *mem, const c5_hyperslab *sel, const void *buf,
                     size_t len)
{
    c5_wobj *o;
    int rc = dataset_w(ds, &o);
    if (rc)
        return rc;
    c5_sel s;
    if ((rc = c5_sel_build(ds->f, &o->ds->space, sel, &s)))
        return rc;
    if (!buf && s.nsel)
        return C5_EINVAL;
    rc = c5_wdset_write(ds->f, o, mem, &s, buf, len);
    if (!rc)
        ds->f->w->dirty = 1;
    return rc;
}

int c5_dataset_resize(c5_object *ds, const uint64_t *dims)
{
    c5_wobj *o;
    int rc = dataset_w(ds, &o);
    if (rc || !dims)
        return rc ? rc : C5_EINVAL;
    if (o->ds->storage != C5_STORAGE_CHUNKED)
        return c5_fail(ds->f, C5_EINVAL, ds->addr, "only chunked datasets can be resized");
    for (int i = 0; i < o->ds->space.rank; i++)
        if (o->ds->space.maxdims[i] != C5_UNLIMITED && dims[i] > o->ds->space.maxdims[i])
            return c5_fail(ds->f, C5_EINVAL, ds->addr, "dim %d: %llu exceeds its max dim %llu",
                           i, (unsigned long long)dims[i],
                           (unsigned long long)o->ds->space.maxdims[i]);
    rc = c5_wdset_resize(ds->f, o, dims);
    if (!rc)
        ds->f->w->dirty = 1;
    return rc;
}

int c5_dataset_get_opts(c5_dataset_opts *out, c5_object *ds)
{
    if (!out || !ds || ds->kind != C5_OBJ_DATASET)
        return C5_EINVAL;
    int rc = c5_object_sync(ds);
    if (!rc)
        rc = c5_dataset_load(ds);
    if (rc)
        return rc;
    c5_file *f = ds->f;
    memset(out, 0, sizeof *out);
    out->size = sizeof *out;
    const c5_layout *l = &ds->layout;
    out->storage = l->cls == C5_LAYOUT_COMPACT   ? C5_STORAGE_COMPACT
                   : l->cls == C5_LAYOUT_CONTIG  ? C5_STORAGE_CONTIGUOUS
                   : l->cls == C5_LAYOUT_CHUNKED ? C5_STORAGE_CHUNKED
                                                 : C5_STORAGE_VIRTUAL;
    if (l->cls == C5_LAYOUT_CHUNKED) {
        out->chunk_rank = l->ndims - 1;
        for (int i = 0; i < out->chunk_rank && i < C5_MAX_RANK; i++)
            out->chunk[i] = l->chunk[i];
        size_t pos = 0;
        c5_mbody b;
        rc = c5_ohdr_find(f, ds->oh, C5_MSG_PIPELINE, &pos, &b);
        if (rc == 0) {
            c5_pipeline p;
            if (!(rc = c5_pipeline_decode(f, &b, &p))) {
                c5_pipeline_to_public(&p, out->filters, &out->nfilters);
                c5_pipeline_free(f, &p);
            }
            c5_mbody_free(f, &b);
        } else if (rc == C5_ENOTFOUND) {
            rc = 0;
        }
    }
    if (ds->fill.defined && ds->type && ds->fill.size == ds->type->size)
        out->fill = ds->fill.value;
    out->alloc_time = ds->fill.alloc_time;
    out->fill_time = ds->fill.write_time == 0   ? C5_FILL_ALLOC
                     : ds->fill.write_time == 1 ? C5_FILL_NEVER
                                                : C5_FILL_IFSET;
    /* Without a (new-style) fill value message the times are libhdf5's
     * defaults: fill if set, allocation by layout. */
    size_t fpos = 0;
    c5_mbody fb;
    if (c5_ohdr_find(f, ds->oh, C5_MSG_FILL, &fpos, &fb) == 0) {
        c5_mbody_free(f, &fb);
    } else {
        out->fill_time = C5_FILL_IFSET;
        out->alloc_time = out->storage == C5_STORAGE_COMPACT    ? C5_ALLOC_EARLY
                          : out->storage == C5_STORAGE_CHUNKED ? C5_ALLOC_INCR
                                                               : C5_ALLOC_LATE;
    }
    return rc;
}

/* ---- attributes ----------------------------------------------------------- */

static c5_wattr *find_attr(c5_wobj *o, const char *name, size_t *pos)
{
    for (size_t i = 0; i < o->attrs.n; i++) {
        c5_wattr *a = (c5_wattr *)o->attrs.v + i;
        if (!strcmp(a->name, name)) {
            if (pos)
                *pos = i;
            return a;
        }
    }
    return NULL;
}

int c5_attr_write(c5_object *obj, const char *name, const c5_type *type, const c5_space *space,
                  const c5_type *mem, const void *buf, size_t len)
{
    if (!obj || !name || !*name || !type || !space)
        return C5_EINVAL;
    c5_file *f = obj->f;
    int rc = need_writable(f);
    if (rc)
        return rc;
    if ((rc = check_space(f, space)))
        return rc;
    c5_wobj *o;
    if ((rc = c5_wobj_get(f, obj->addr, &o)))
        return rc;
    c5_type *tmp;
    const c5_type *lt = local_type(f, type, &tmp);
    if (!lt)
        return C5_ENOMEM;
    uint64_t n = nelem(space), bytes;
    if (n == UINT64_MAX || c5_mul_ovf(n, lt->size, &bytes) || bytes > (1ull << 32)) {
        c5_type_close(tmp);
        return c5_fail(f, C5_ELIMIT, obj->addr, "attribute \"%s\" too large", name);
    }
    uint8_t *data = c5_calloc(f, 1, bytes ? (size_t)bytes : 1);
    if (!data) {
        c5_type_close(tmp);
        return C5_ENOMEM;
    }
    size_t need = mem ? c5_type_mem_size(mem) * (size_t)n : (size_t)bytes;
    if (n && (!buf || len < need))
        rc = c5_fail(f, C5_ERANGE, obj->addr, "attribute \"%s\": buffer of %zu bytes, need %zu",
                     name, len, need);
    else if (n && mem)
        rc = c5_convert_to_file(f, mem, lt, buf, data, (size_t)n);
    else if (n)
        memcpy(data, buf, (size_t)bytes);
    c5_wr w;
    c5_wr_init(&w, f);
    if (!rc)
        rc = c5_attr_encode(&w, name, is_ascii(name) ? 0 : 1, lt, space, data, (size_t)bytes,
                            latest(f));
    c5_free(f, data);
    c5_type_close(tmp);
    if (!rc)
        rc = w.err;
    if (rc) {
        c5_wr_free(&w);
        return rc;
    }
    c5_wattr a = {NULL, 0, 0, 0, NULL};
    a.data = c5_wr_take(&w, &a.size);
    c5_wattr *old = find_attr(o, name, NULL);
    if (old) {
        c5_free(f, old->data);
        old->data = a.data;
        old->size = a.size;
    } else {
        a.name = c5_strdup(f, name);
        a.corder = o->attr_next_corder++;
        if (!a.name || (rc = c5_vec_push(f, &o->attrs, &a))) {
            c5_free(f, a.name);
            c5_free(f, a.data);
            return rc ? rc : C5_ENOMEM;
        }
    }
    o->attrs_dirty = 1;
    c5_wobj_touch(f, o);
    return 0;
}

int c5_attr_delete(c5_object *obj, const char *name)
{
    if (!obj || !name)
        return C5_EINVAL;
    c5_file *f = obj->f;
    int rc = need_writable(f);
    if (rc)
        return rc;
    c5_wobj *o;
    if ((rc = c5_wobj_get(f, obj->addr, &o)))
        return rc;
    size_t pos;
    c5_wattr *a = find_attr(o, name, &pos);
    if (!a)
        return c5_fail(f, C5_ENOTFOUND, obj->addr, "no attribute \"%s\"", name);
    c5_free(f, a->name);
    c5_free(f, a->data);
    c5_wattr *v = o->attrs.v;
    memmove(v + pos, v + pos + 1, (o->attrs.n - pos - 1) * sizeof *v);
    o->attrs.n--;
    o->attrs_dirty = 1;
    c5_wobj_touch(f, o);
    return 0;
}
