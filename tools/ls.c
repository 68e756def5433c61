/* cfive ls: list the objects of HDF5 files, printing byte for byte what
 * h5ls (libhdf5 1.10.8) prints for the same options.
 *
 * Arguments are `FILE[/OBJECT]`: as in h5ls, the longest prefix of the
 * argument that opens as a file is the file, and the rest (from its slash
 * on) is the object path. cfive also takes `FILE /OBJECT...` (an argument
 * starting with '/' that is no file names an object of the file before
 * it), listed exactly as h5ls lists `FILE/OBJECT`. Several listings make
 * every name carry the file name ("file.h5//g1").
 *
 * One output line per link:
 *   NAME<pad> Group | Type | Dataset {d0, d1/max1, d2/Inf} | Dataset {SCALAR}
 *             Dataset {NULL} | Soft Link {target}
 *             External Link {file//path} | UD Link {cannot follow UD links}
 *             Group, same as /first/path   (object reached again)
 * NAME is escaped (space, quote, backslash, control and non-ASCII bytes)
 * and padded to 24 columns plus one space. Without -r/-f only the last
 * path component is printed. With -r the listing walks depth first in
 * name order, entering each group right after printing it, and entering a
 * group at most once (the "same as" line stands for later visits); links
 * are never followed.
 *
 * What h5ls does on failures is reproduced too: a file that does not open
 * is reported on stderr and the next argument is tried (exit status 1 at
 * the end); an object path that does not resolve prints `**NOT FOUND**`
 * without a newline and ends the program with status 1.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

/* h5ls formats "file/name" into a buffer of this size (truncating). */
#define LS_FULLNAME_BUF 2048
/* Group nesting beyond this is treated as a traversal error (the walk
 * recurses on the C stack; cycles are already cut by the seen table). */
#define LS_MAX_DEPTH 10000

/* ---- output buffer ------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void die_oom(void)
{
    fprintf(stderr, "cfive ls: out of memory\n");
    exit(1);
}

static void sb_reserve(sbuf *sb, size_t extra)
{
    if (extra > SIZE_MAX - sb->len - 1)
        die_oom();
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(sb->p, cap);
    if (!p)
        die_oom();
    sb->p = p;
    sb->cap = cap;
}

static void sb_putn(sbuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_puts(sbuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

static void sb_printf(sbuf *sb, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sb_putn(sb, tmp, (size_t)n);
        return;
    }
    sb_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

static void sb_flush(sbuf *sb)
{
    if (sb->len)
        fwrite(sb->p, 1, sb->len, stdout);
    sb->len = 0;
    if (sb->p)
        sb->p[0] = '\0';
}

/* h5ls escapes names the way its print_string does: C escapes for quote,
 * backslash and the common controls, "\ " for spaces when asked, three-digit
 * octal for any other byte outside printable ASCII (UTF-8 included, as the
 * C locale sees it). Returns the number of columns produced. */
static size_t put_escaped(sbuf *sb, const char *s, int escape_spaces)
{
    size_t n = 0;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case ' ': e = escape_spaces ? "\\ " : " "; break;
        default: break;
        }
        if (e) {
            sb_puts(sb, e);
            n += strlen(e);
        } else if (c >= 0x20 && c < 0x7f) {
            sb_putn(sb, (const char *)&c, 1);
            n++;
        } else {
            sb_printf(sb, "\\%03o", (unsigned)c);
            n += 4;
        }
    }
    return n;
}

/* h5ls passes link values to a printf-style append as the format itself;
 * for any sane value that only collapses "%%". */
static void put_as_format(sbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        if (s[0] == '%' && s[1] == '%')
            s++;
        sb_putn(sb, s, 1);
    }
}

static char *dup_or_null(const char *s);

/* ---- objects already listed ------------------------------------------- */

/* libhdf5 remembers objects with more than one hard link by address and
 * prints later links to them as "same as <first path>". Here every object
 * is remembered, and the link count is consulted only when an object comes
 * round again (see is_shared). Open addressing keyed by header address;
 * the same table also serves as the link-count map (kind = count). */
typedef struct seen_ent {
    uint64_t addr;
    char *path;
    int kind;
    int used;
} seen_ent;

typedef struct seen_tab {
    seen_ent *v;
    size_t cap, n;
} seen_tab;

static size_t seen_slot(const seen_tab *t, uint64_t addr)
{
    uint64_t h = addr * UINT64_C(0x9E3779B97F4A7C15);
    size_t i = (size_t)(h >> 17) & (t->cap - 1);
    while (t->v[i].used && t->v[i].addr != addr)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static const seen_ent *seen_find(const seen_tab *t, uint64_t addr)
{
    if (!t->cap)
        return NULL;
    const seen_ent *e = &t->v[seen_slot(t, addr)];
    return e->used ? e : NULL;
}

/* The entry for addr, created (path NULL, kind 0) if absent. */
static seen_ent *seen_get(seen_tab *t, uint64_t addr)
{
    if ((t->n + 1) * 2 > t->cap) {
        seen_tab bigger = {NULL, t->cap ? t->cap * 2 : 64, t->n};
        bigger.v = calloc(bigger.cap, sizeof *bigger.v);
        if (!bigger.v)
            die_oom();
        for (size_t i = 0; i < t->cap; i++)
            if (t->v[i].used)
                bigger.v[seen_slot(&bigger, t->v[i].addr)] = t->v[i];
        free(t->v);
        *t = bigger;
    }
    seen_ent *e = &t->v[seen_slot(t, addr)];
    if (!e->used) {
        e->addr = addr;
        e->used = 1;
        t->n++;
    }
    return e;
}

static void seen_add(seen_tab *t, uint64_t addr, const char *path, int kind)
{
    seen_ent *e = seen_get(t, addr);
    if (e->path)
        return;
    e->path = dup_or_null(path);
    e->kind = kind;
}

static void seen_clear(seen_tab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i].path);
    free(t->v);
    t->v = NULL;
    t->cap = t->n = 0;
}

/* ---- links of one group ------------------------------------------------- */

typedef struct ls_link {
    char *name;
    int type;
    uint64_t addr;
    char *target;
    char *target_file;
} ls_link;

typedef struct link_list {
    ls_link *v;
    size_t n, cap;
} link_list;

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        die_oom();
    return d;
}

static int collect_cb(void *ud, const c5_link *l)
{
    link_list *ll = ud;
    if (ll->n == ll->cap) {
        size_t cap = ll->cap ? ll->cap * 2 : 16;
        ls_link *v = realloc(ll->v, cap * sizeof *v);
        if (!v)
            die_oom();
        ll->v = v;
        ll->cap = cap;
    }
    ls_link *d = &ll->v[ll->n++];
    d->name = dup_or_null(l->name ? l->name : "");
    d->type = l->type;
    d->addr = l->addr;
    d->target = dup_or_null(l->target);
    d->target_file = dup_or_null(l->target_file);
    return 0;
}

static void link_list_free(link_list *ll)
{
    for (size_t i = 0; i < ll->n; i++) {
        free(ll->v[i].name);
        free(ll->v[i].target);
        free(ll->v[i].target_file);
    }
    free(ll->v);
    ll->v = NULL;
    ll->n = ll->cap = 0;
}

/* ---- listing state ---------------------------------------------------- */

typedef struct ls_opts {
    int recursive;
    int fullname;
    int grp_literal;
    int show_file_name;
    int display_root; /* sticky across arguments, as in h5ls */
} ls_opts;

typedef struct ls_ctx {
    ls_opts *o;
    const char *fname;
    c5_file *f;        /* the file named on the command line */
    c5_file *wf;       /* the file of the group being walked (external links) */
    int from_root;     /* the walk starts at the root group of wf */
    int counted;       /* 0 not yet, 1 link counts in `counts`, -1 unavailable */
    seen_tab counts;   /* hard links per object address in wf */
    size_t base_len;   /* length of the object path given, minus a trailing '/' */
    size_t name_start; /* leading bytes of a path not printed */
    seen_tab seen;
    sbuf out;
    int stop; /* a traversal error ends the walk, as H5Lvisit does */
} ls_ctx;

static const char *kind_name(int kind)
{
    switch (kind) {
    case C5_OBJ_GROUP: return "Group";
    case C5_OBJ_DATASET: return "Dataset";
    case C5_OBJ_DATATYPE: return "Type";
    default: return "";
    }
}

/* The name column: the path less name_start bytes (with "file/" in front
 * when several files are listed), whole with -f/-r, else its last
 * component; padded to 24 columns, then `s` right-aligned in the padding. */
static void print_obj_name(ls_ctx *c, const char *oname, const char *s)
{
    size_t len = strlen(oname);
    const char *rest = oname + (c->name_start < len ? c->name_start : len);
    char fullbuf[LS_FULLNAME_BUF];
    const char *name = rest;
    if (c->o->show_file_name) {
        snprintf(fullbuf, sizeof fullbuf, "%s/%s", c->fname, rest);
        name = fullbuf;
    }
    if (!c->o->fullname) {
        const char *sep = strrchr(name, '/');
        if (sep)
            name = sep + 1;
    }
    size_t n = put_escaped(&c->out, name, 1);
    int width = n < 24 ? (int)(24 - n) : 0;
    sb_printf(&c->out, "%*s ", width, s);
}

static void print_space(ls_ctx *c, c5_object *ds)
{
    c5_space sp;
    sb_puts(&c->out, " {");
    if (c5_dataset_space(&sp, ds) == 0) {
        if (sp.cls == C5_SPACE_SIMPLE) {
            int rank = sp.rank < 0 ? 0 : sp.rank > C5_MAX_RANK ? C5_MAX_RANK : sp.rank;
            for (int i = 0; i < rank; i++) {
                sb_printf(&c->out, "%s%" PRIu64, i ? ", " : "", sp.dims[i]);
                if (sp.maxdims[i] == C5_UNLIMITED)
                    sb_puts(&c->out, "/Inf");
                else if (sp.maxdims[i] != sp.dims[i])
                    sb_printf(&c->out, "/%" PRIu64, sp.maxdims[i]);
            }
        } else if (sp.cls == C5_SPACE_SCALAR) {
            sb_puts(&c->out, "SCALAR");
        } else if (sp.cls == C5_SPACE_NULL) {
            sb_puts(&c->out, "NULL");
        }
    }
    sb_puts(&c->out, "}");
}

/* h5ls opens each object it lists (H5Dopen decodes datatype and dataspace,
 * H5Topen the datatype) and prints "*ERROR*" when that fails. */
static int object_decodes(c5_object *obj, int kind)
{
    c5_type *t = NULL;
    c5_space sp;
    if (kind == C5_OBJ_DATASET && c5_dataset_space(&sp, obj) < 0)
        return 0;
    if (kind == C5_OBJ_DATASET || kind == C5_OBJ_DATATYPE) {
        if (c5_object_type(&t, obj) < 0)
            return 0;
        c5_type_close(t);
    }
    return 1;
}

/* One object line. first_seen: path of an earlier link to the same object. */
static void list_obj(ls_ctx *c, const char *name, c5_object *obj, int kind,
                     const char *first_seen)
{
    print_obj_name(c, name, "");
    sb_puts(&c->out, kind_name(kind));
    if (first_seen) {
        sb_puts(&c->out, ", same as ");
        put_escaped(&c->out, first_seen, 1);
    } else if (obj && !object_decodes(obj, kind)) {
        sb_puts(&c->out, " *ERROR*");
    } else if (kind == C5_OBJ_DATASET && obj) {
        print_space(c, obj);
    }
    sb_puts(&c->out, "\n");
    sb_flush(&c->out);
}

/* One line for a soft, external or user-defined link. */
static void list_lnk(ls_ctx *c, const char *name, int type, const char *target,
                     const char *target_file)
{
    print_obj_name(c, name, "");
    if (type == C5_LINK_SOFT) {
        sb_puts(&c->out, "Soft Link {");
        put_as_format(&c->out, target ? target : "");
        sb_puts(&c->out, "}\n");
    } else if (type == C5_LINK_EXTERNAL) {
        const char *path = target ? target : "";
        sb_puts(&c->out, "External Link {");
        put_as_format(&c->out, target_file ? target_file : "");
        sb_puts(&c->out, "/");
        if (path[0] != '/')
            sb_puts(&c->out, "/");
        put_as_format(&c->out, path);
        sb_puts(&c->out, "}\n");
    } else {
        sb_puts(&c->out, "UD Link {cannot follow UD links}\n");
    }
    sb_flush(&c->out);
}

/* ---- traversal -------------------------------------------------------- */

static char *join3(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *p = malloc(la + ls + lb + 1);
    if (!p)
        die_oom();
    memcpy(p, a, la);
    memcpy(p + la, sep, ls);
    memcpy(p + la + ls, b, lb + 1);
    return p;
}

/* Counts the hard links to every object of wf reachable from its root
 * (the root itself has one implicit reference, as in libhdf5), each group
 * being read once. */
static int count_group(ls_ctx *c, c5_object *g, seen_tab *groups, int depth)
{
    link_list ll = {0};
    if (depth > LS_MAX_DEPTH || c5_group_iterate(g, C5_ORDER_NAME, collect_cb, &ll) < 0) {
        link_list_free(&ll);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < ll.n && rc == 0; i++) {
        const ls_link *l = &ll.v[i];
        if (l->type != C5_LINK_HARD)
            continue;
        seen_get(&c->counts, l->addr)->kind++;
        seen_ent *ge = seen_get(groups, l->addr);
        if (ge->kind)
            continue;
        ge->kind = 1;
        c5_object *child = NULL;
        if (c5_object_open_addr(&child, c->wf, l->addr) < 0) {
            rc = -1;
        } else {
            if (c5_object_kind(child) == C5_OBJ_GROUP)
                rc = count_group(c, child, groups, depth + 1);
            c5_object_close(child);
        }
    }
    link_list_free(&ll);
    return rc;
}

/* Whether libhdf5 would have remembered the object at addr, i.e. whether
 * it has more than one link. Reaching an object a second time proves that,
 * except when the walk starts below the root: then the start group (and
 * what lies under it) can come round again through its only link. Only
 * that case needs the counts, gathered once by a walk of the whole file;
 * if they cannot be had, the object is taken as shared. */
static int is_shared(ls_ctx *c, uint64_t addr)
{
    if (c->from_root)
        return 1;
    if (c->counted == 0) {
        c5_object *root = NULL;
        seen_tab groups = {0};
        c->counted = -1;
        if (c5_object_open(&root, c->wf, "/") == 0) {
            seen_get(&c->counts, c5_object_addr(root))->kind++;
            seen_get(&groups, c5_object_addr(root))->kind = 1;
            if (count_group(c, root, &groups, 0) == 0)
                c->counted = 1;
        }
        c5_object_close(root);
        seen_clear(&groups);
    }
    if (c->counted < 0)
        return 1;
    const seen_ent *e = seen_find(&c->counts, addr);
    return !e || e->kind != 1;
}

/* Lists the links of group g (reached as grp_name + rel) in name order;
 * with -r enters each group not seen before right after its line. */
static void walk_group(ls_ctx *c, c5_object *g, const char *grp_name, const char *rel,
                       int depth)
{
    link_list ll = {0};
    if (depth > LS_MAX_DEPTH) {
        c->stop = 1;
        return;
    }
    int rc = c5_group_iterate(g, C5_ORDER_NAME, collect_cb, &ll);
    size_t blen = strlen(grp_name);
    const char *slash = (blen && grp_name[blen - 1] == '/') ? "" : "/";
    for (size_t i = 0; i < ll.n && !c->stop; i++) {
        const ls_link *l = &ll.v[i];
        char *relpath = rel[0] ? join3(rel, "/", l->name) : dup_or_null(l->name);
        char *full = join3(grp_name, slash, relpath);
        if (l->type == C5_LINK_HARD) {
            const seen_ent *s = seen_find(&c->seen, l->addr);
            if (s && is_shared(c, l->addr)) {
                list_obj(c, full, NULL, s->kind, s->path);
            } else {
                c5_object *child = NULL;
                if (c5_object_open_addr(&child, c->wf, l->addr) < 0) {
                    /* libhdf5 fails to get the object's info and the
                     * whole visit ends there. */
                    c->stop = 1;
                } else {
                    int kind = (int)c5_object_kind(child);
                    seen_add(&c->seen, l->addr, full, kind);
                    list_obj(c, full, child, kind, NULL);
                    if (kind == C5_OBJ_GROUP && c->o->recursive)
                        walk_group(c, child, grp_name, relpath, depth + 1);
                    c5_object_close(child);
                }
            }
        } else {
            list_lnk(c, full, l->type, l->target, l->target_file);
        }
        free(relpath);
        free(full);
    }
    if (rc < 0)
        c->stop = 1;
    link_list_free(&ll);
}

/* The path as the library wants it: no repeated or trailing slashes, and
 * relative to the root group ("" is the root itself). */
static char *normalize_path(const char *path)
{
    char *p = dup_or_null(path);
    size_t j = 0;
    for (size_t i = 0; path[i]; i++) {
        if (path[i] == '/' && (j == 0 || p[j - 1] == '/'))
            continue;
        p[j++] = path[i];
    }
    while (j && p[j - 1] == '/')
        j--;
    p[j] = '\0';
    return p;
}

static int open_path(c5_object **out, ls_ctx *c, const char *path)
{
    char *rel = normalize_path(path);
    int rc = c5_object_open(out, c->f, rel[0] ? rel : "/");
    free(rel);
    return rc;
}

/* Lists the object at oname: a group's members (or the group itself with
 * -g), any other object's own line. */
static int visit_obj(ls_ctx *c, const char *oname)
{
    c5_object *o = NULL;
    if (open_path(&o, c, oname) < 0) {
        print_obj_name(c, oname, "**NOT FOUND**");
        sb_flush(&c->out);
        return -1;
    }
    int kind = (int)c5_object_kind(o);
    if (kind == C5_OBJ_GROUP && !c->o->grp_literal) {
        c5_file_info fi = {.size = sizeof fi};
        c->name_start = c->base_len;
        if (c->o->display_root)
            list_obj(c, oname, o, kind, NULL);
        c->stop = 0;
        c->wf = c5_object_file(o);
        c->from_root = c5_file_get_info(c->wf, &fi) == 0 && fi.root_addr == c5_object_addr(o);
        c->counted = 0;
        seen_add(&c->seen, c5_object_addr(o), oname, kind);
        walk_group(c, o, oname, "", 0);
        seen_clear(&c->seen);
        seen_clear(&c->counts);
    } else {
        list_obj(c, oname, o, kind, NULL);
    }
    c5_object_close(o);
    return 0;
}

typedef struct lookup_ud {
    int found;
    int type;
    char *target;
    char *target_file;
} lookup_ud;

static int lookup_cb(void *ud, const c5_link *l)
{
    lookup_ud *u = ud;
    u->found = 1;
    u->type = l->type;
    u->target = dup_or_null(l->target);
    u->target_file = dup_or_null(l->target_file);
    return 0;
}

/* Finds the link named by oname without following it. */
static int lookup_link(ls_ctx *c, const char *oname, lookup_ud *u)
{
    char *rel = normalize_path(oname);
    int rc = -1;
    c5_object *root = NULL;
    if (rel[0] && c5_object_open(&root, c->f, "/") == 0) {
        rc = c5_link_lookup(root, rel, lookup_cb, u);
        if (rc >= 0 && !u->found)
            rc = -1;
    }
    c5_object_close(root);
    free(rel);
    return rc;
}

/* Splits a FILE[/OBJECT] argument as h5ls does: the whole argument as a
 * file name first, then shorter prefixes ending before each slash, from
 * the right. On success *fname is the file part and *oname the rest from
 * its slash on (NULL when the whole argument is the file). */
static int split_arg(const char *arg, char **fname, char **oname)
{
    char *name = dup_or_null(arg);
    char *split = NULL;
    c5_file *f = NULL;
    while (*name) {
        if (c5_file_open(&f, name, NULL) == 0)
            break;
        f = NULL;
        char *prev = split;
        split = strrchr(name, '/');
        if (prev)
            *prev = '/';
        if (!split)
            break;
        *split = '\0';
    }
    if (!f) {
        free(name);
        return -1;
    }
    c5_file_close(f);
    *oname = NULL;
    if (split) {
        *split = '/';
        *oname = dup_or_null(split);
        *split = '\0';
    }
    *fname = name;
    return 0;
}

/* One listing: what h5ls does for one argument "fname" + oname. */
typedef struct ls_job {
    const char *arg; /* for the error message */
    char *fname;     /* NULL: the argument did not open */
    char *oname;     /* "/path", or NULL for the root group's contents */
} ls_job;

/* Runs one listing. Returns 0, 1 (file did not open: go on, fail at the
 * end) or 2 (object not found: stop now, status 1). */
static int run_job(ls_opts *o, const ls_job *job)
{
    c5_file *f = NULL;
    if (!job->fname || c5_file_open(&f, job->fname, NULL) < 0) {
        fprintf(stderr, "%s: unable to open file\n", job->arg);
        return 1;
    }

    ls_ctx c = {0};
    c.o = o;
    c.f = f;
    c.fname = job->fname;
    char *oname;
    if (job->oname) {
        c.base_len = strlen(job->oname);
        if (c.base_len && job->oname[c.base_len - 1] == '/')
            c.base_len--;
        oname = dup_or_null(job->oname);
        c.name_start = 1;
    } else {
        oname = dup_or_null("/");
        if (o->recursive)
            o->display_root = 1;
        c.base_len = 0;
        c.name_start = 0;
    }

    int ret = 0;
    if (strcmp(oname, "/") != 0) {
        lookup_ud u = {0};
        if (lookup_link(&c, oname, &u) < 0) {
            print_obj_name(&c, oname, "**NOT FOUND**");
            sb_flush(&c.out);
            ret = 2;
        } else if (u.type == C5_LINK_HARD) {
            if (visit_obj(&c, oname) < 0)
                ret = 2;
        } else {
            list_lnk(&c, oname, u.type, u.target, u.target_file);
        }
        free(u.target);
        free(u.target_file);
    } else if (visit_obj(&c, oname) < 0) {
        ret = 2;
    }

    seen_clear(&c.seen);
    seen_clear(&c.counts);
    free(c.out.p);
    free(oname);
    c5_file_close(f);
    return ret;
}

/* Turns the arguments into listings. Besides h5ls's FILE[/OBJECT], cfive
 * takes `FILE /OBJECT...`: an argument starting with '/' that does not
 * open as a file names an object of the last file that opened, and
 * `FILE /A /B` lists exactly what `h5ls FILE/A FILE/B` lists. */
static ls_job *plan_jobs(char **args, int nargs, size_t *njobs)
{
    ls_job *jobs = calloc((size_t)nargs + 1, sizeof *jobs);
    if (!jobs)
        die_oom();
    size_t n = 0;
    long last = -1;     /* job of the last file that opened */
    int last_bare = 0;  /* that job still lists the whole file */
    for (int i = 0; i < nargs; i++) {
        char *fname = NULL, *oname = NULL;
        int opened = split_arg(args[i], &fname, &oname) == 0;
        if (!opened && args[i][0] == '/' && last >= 0) {
            if (last_bare) {
                jobs[last].oname = dup_or_null(args[i]);
                last_bare = 0;
            } else {
                jobs[n].arg = args[i];
                jobs[n].fname = dup_or_null(jobs[last].fname);
                jobs[n].oname = dup_or_null(args[i]);
                n++;
            }
            continue;
        }
        jobs[n].arg = args[i];
        jobs[n].fname = fname;
        jobs[n].oname = oname;
        if (opened) {
            last = (long)n;
            last_bare = oname == NULL;
        }
        n++;
    }
    *njobs = n;
    return jobs;
}

static void free_jobs(ls_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].fname);
        free(jobs[i].oname);
    }
    free(jobs);
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cfive ls [OPTIONS] file[/OBJECT] [/OBJECT...] [file[/[OBJECT]...]\n"
            "  OPTIONS\n"
            "   -h, -?, --help  Print a usage message and exit\n"
            "   -f, --full      Print full path names instead of base names\n"
            "   -g, --group     Show information about a group, not its contents\n"
            "   -r, --recursive List all groups recursively, avoiding cycles\n"
            "   -V, --version   Print version number and exit\n"
            "  Accepted for compatibility with h5ls, without effect on this\n"
            "  listing: -a -e -l -s -S -x -wN --width=N --vfd=DRIVER\n"
            "  --enable-error-stack --address --label --string --simple --hexdump\n"
            "\n"
            "  file/OBJECT\n"
            "    Each argument is an HDF5 file name optionally followed by a slash\n"
            "    and an object name within the file (if no object is given, the\n"
            "    contents of the root group are listed). An argument starting with\n"
            "    a slash that is not a file names an object in the file before it:\n"
            "    `cfive ls f.h5 /a /b` lists what `h5ls f.h5/a f.h5/b` lists.\n");
}

static int unsupported(const char *opt)
{
    fprintf(stderr, "cfive ls: option '%s' is not supported yet\n", opt);
    return 1;
}

/* Parses a width value the way h5ls does: only its validity matters, as
 * the width affects data output alone. */
static int width_ok(const char *s, int allow_zero)
{
    char *end = NULL;
    long w = strtol(s, &end, 0);
    if (end == s || *end)
        return 0;
    return allow_zero ? w >= 0 : w > 0;
}

int c5tool_ls(int argc, char **argv)
{
    ls_opts o = {0};
    int no_dangling = 0, follow = 0;
    int argno;

    for (argno = 1; argno < argc && argv[argno][0] == '-'; argno++) {
        const char *a = argv[argno];
        if (!strcmp(a, "--")) {
            argno++;
            break;
        } else if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--address") || !strcmp(a, "--enable-error-stack") ||
                   !strcmp(a, "--errors") || !strcmp(a, "--label") ||
                   !strcmp(a, "--simple") || !strcmp(a, "--string") ||
                   !strcmp(a, "--hexdump") || !strncmp(a, "--vfd=", 6)) {
            /* no effect on the listing */
        } else if (!strcmp(a, "--data") || !strcmp(a, "--verbose") ||
                   !strcmp(a, "--external")) {
            return unsupported(a);
        } else if (!strcmp(a, "--follow-symlinks")) {
            follow = 1;
        } else if (!strcmp(a, "--no-dangling-links")) {
            no_dangling = 1;
        } else if (!strcmp(a, "--full")) {
            o.fullname = 1;
        } else if (!strcmp(a, "--group")) {
            o.grp_literal = 1;
        } else if (!strcmp(a, "--recursive")) {
            o.recursive = o.fullname = 1;
        } else if (!strncmp(a, "--width=", 8)) {
            if (!width_ok(a + 8, 1)) {
                usage(stdout);
                return 1;
            }
        } else if (!strcmp(a, "--width")) {
            if (argno + 1 >= argc || !width_ok(argv[++argno], 0)) {
                usage(stdout);
                return 1;
            }
        } else if (!strcmp(a, "--version")) {
            printf("cfive ls: Version %d.%d.%d\n", C5_VERSION_MAJOR, C5_VERSION_MINOR,
                   C5_VERSION_PATCH);
            return 0;
        } else if (!strncmp(a, "-w", 2)) {
            const char *s = a + 2;
            if (!*s) {
                if (argno + 1 >= argc) {
                    usage(stdout);
                    return 1;
                }
                s = argv[++argno];
            }
            if (!width_ok(s, 1)) {
                usage(stdout);
                return 1;
            }
        } else if (a[1] != '-') {
            for (const char *s = a + 1; *s; s++) {
                switch (*s) {
                case '?':
                case 'h': usage(stdout); return 0;
                case 'a': case 'e': case 'l': case 'S': case 's': case 'x': break;
                case 'f': o.fullname = 1; break;
                case 'g': o.grp_literal = 1; break;
                case 'r': o.recursive = o.fullname = 1; break;
                case 'V':
                    printf("cfive ls: Version %d.%d.%d\n", C5_VERSION_MAJOR,
                           C5_VERSION_MINOR, C5_VERSION_PATCH);
                    return 0;
                case 'd': return unsupported("-d");
                case 'v': return unsupported("-v");
                case 'E': return unsupported("-E");
                default: usage(stdout); return 1;
                }
            }
        } else {
            usage(stdout);
            return 1;
        }
    }
    if (argno >= argc) {
        usage(stdout);
        return 1;
    }
    if (o.recursive && o.grp_literal) {
        fprintf(stderr,
                "Error: 'recursive' option not compatible with 'group info' option!\n\n");
        usage(stdout);
        return 1;
    }
    if (no_dangling && !follow) {
        fprintf(stderr, "Error: --no-dangling-links must be used along with "
                        "--follow-symlinks option!\n\n");
        usage(stdout);
        return 1;
    }
    if (follow)
        return unsupported("--follow-symlinks");

    size_t njobs = 0;
    ls_job *jobs = plan_jobs(argv + argno, argc - argno, &njobs);
    o.show_file_name = njobs > 1;
    int status = 0;
    for (size_t i = 0; i < njobs; i++) {
        int r = run_job(&o, &jobs[i]);
        if (r == 2) {
            status = 1;
            break;
        }
        if (r)
            status = 1;
    }
    free_jobs(jobs, njobs);
    fflush(stdout);
    return status;
}
