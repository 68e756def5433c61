/* cfive dump in text form: what `h5dump [OPTIONS] FILE` (libhdf5 1.10.8)
 * prints, byte for byte, apart from the DATA blocks (tools/dump_data.c)
 * and the -p / -B blocks (tools/dump_props.c).
 *
 * The output is h5dump's DDL:
 *
 *   HDF5 "file.h5" {
 *   GROUP "/" {
 *      DATATYPE "#1234" ...            committed types no link names (root only)
 *      COMMENT "..."                   object comment message, if any
 *      ATTRIBUTE "a" { DATATYPE, DATASPACE, DATA }      sorted by name
 *      DATASET "d" { COMMENT, DATATYPE, DATASPACE, -p blocks, DATA, ATTRIBUTEs }
 *      GROUP "g" { ... }               links in name order, depth first
 *      DATATYPE "t" <type>; + ATTRIBUTEs
 *      SOFTLINK "s" { LINKTARGET "..." }
 *      EXTERNAL_LINK "e" { TARGETFILE, TARGETPATH, target object dumped
 *                          two levels deeper }
 *      USERDEFINED_LINK "u" { LINKCLASS n }
 *      GROUP "again" { HARDLINK "/first/path" }   object met before
 *   }
 *   }
 *
 * Indentation is 3 spaces per level ("indent" / "u" below: the root group
 * line is level 0). Every function here and in the other dump_*.c files
 * prints whole lines: it starts at the beginning of a line and ends each
 * line with '\n' (h5dump ends lines lazily, before the next one, which
 * comes to the same bytes). The one exception is c5dump_type, which
 * continues the caller's line and leaves its last line open, as h5dump's
 * type printer leaves its last piece in the caller's buffer. h5dump counts
 * one indentation level more than it prints when it decides whether text
 * still fits in the width; the wrapping here copies that.
 *
 * Errors go to stderr as h5dump words them ("h5dump error: ..."), with
 * exit status 1. c5dump_data sets the status itself for unreadable data.
 * While objects of an externally linked file are dumped, x->f is that
 * file (attribute data is read from it).
 *
 * "Seen before" follows h5dump exactly: before dumping, the file is walked
 * once the way h5trav_visit walks it (links in name order, depth first, a
 * group with several links entered once) and every group, dataset and
 * named datatype is recorded with the first path that reaches it, plus the
 * committed types datasets use that no link names ("#<address>"). While
 * dumping, an object whose header reference count is above 1 (or any
 * object inside an externally linked file) is printed in full the first
 * time and as HARDLINK "<recorded path>" afterwards.
 *
 * Datatypes print as h5tools_print_datatype does: predefined names when the
 * type equals one (all fields compared, as H5Tequal does), otherwise a
 * description ("16-bit little-endian floating-point 16-bit precision"),
 * committed types as their recorded path in quotes. Its line breaking is
 * reproduced: pieces of a type that continue a line ("DATATYPE "t" " then
 * "H5T_COMPOUND {") move to a new line when they would pass the width.
 *
 * Options handled here (parsed by tools/dump.c into c5dump_opts):
 * -H, -A (only_attr == -1 stands for "-A 0": no attributes), -n (contents
 * 1, or 2 for "-n 1": with attributes), -B, -p (through dump_props.c), -w
 * (65535 for -w 0), and the selections -d/-g/-a/-t plus 'l' (-l, soft
 * links), with h5dump's error texts and exit status 1. A -d with a subset
 * is checked as handle_datasets checks it (tools/dump_subset.c) before
 * anything of the dataset prints.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "object.h" /* struct c5_object: object header (reference count, comment) */
#include "type.h"   /* struct c5_type: precision, padding, string pad/cset, tag */

/* Nesting bounds: group recursion (the walk recurses on the C stack; cycles
 * are cut by the tables) and datatype nesting. */
#define DUMP_MAX_DEPTH 2048
#define DUMP_MAX_TYPE_DEPTH 64
#define COLS_DEFAULT 80
/* h5dump 1.10.8 (Debian) names its source files in some error texts */
#define DDL_SRC "../../../../../tools/src/h5dump/h5dump_ddl.c"
#define MAIN_SRC "../../../../../tools/src/h5dump/h5dump.c"

/* ---- small utilities ---------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        c5dump_oom();
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        c5dump_oom();
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = xmalloc(n + 1);
    memcpy(d, s ? s : "", n + 1);
    return d;
}

typedef c5sb sbuf;

/* h5dump's error_msg(): on stderr, after what stdout has so far. */
static void errmsg(c5dump_ctx *x, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void errmsg(c5dump_ctx *x, const char *fmt, ...)
{
    va_list ap;
    fflush(x->out);
    fputs("h5dump error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void c5dump_indent(c5dump_ctx *x, int indent)
{
    for (int i = 0; i < indent; i++)
        fputs("   ", x->out);
}

/* One whole line at indent level u. */
static void line(c5dump_ctx *x, int u, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void line(c5dump_ctx *x, int u, const char *fmt, ...)
{
    va_list ap;
    c5dump_indent(x, u);
    va_start(ap, fmt);
    vfprintf(x->out, fmt, ap);
    va_end(ap);
    fputc('\n', x->out);
}

/* A line h5dump starts with an explicit prefix and then renders as a
 * continuation of it (dump_dataset's first and last lines): when it would
 * pass the width, the prefix stays alone on a line of blanks. */
static void pline(c5dump_ctx *x, int u, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void pline(c5dump_ctx *x, int u, const char *fmt, ...)
{
    char tmp[256], *s = tmp;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof tmp) {
        s = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* h5dump counts one indentation level more than it prints, and
     * nothing at all at the outermost level (its indentation string is
     * never formatted there): a line at u 0 is never preceded so */
    if (u > 0 && (size_t)(u + 1) * 3 + (size_t)n + 1 > (size_t)x->width) {
        c5dump_indent(x, u);
        fputc('\n', x->out);
    }
    c5dump_indent(x, u);
    fputs(s, x->out);
    fputc('\n', x->out);
    if (s != tmp)
        free(s);
}

/* ---- the element renderer -------------------------------------------------
 * h5tools_render_element for header text: an element starts a new line
 * when need_prefix is set; otherwise it continues the current line, unless
 * it would then pass the width (with room for one separator character), in
 * which case it starts a new line too. */
typedef struct ren {
    c5dump_ctx *x;
    int level;       /* indent level of a new line */
    int need_prefix;
    int open;        /* a line is started and not yet ended */
    size_t col;      /* current column */
    int glued;       /* the next element belongs to the caller's line:
                        never moved to a new one */
    sbuf buf;        /* the element being built */
} ren;

static void ren_init(ren *r, c5dump_ctx *x, int level)
{
    memset(r, 0, sizeof *r);
    r->x = x;
    r->level = level;
    r->need_prefix = 1;
}

/* Terminates the current line and starts a new one at r->level
 * (h5tools_simple_prefix). */
static void ren_prefix(ren *r)
{
    if (r->open)
        fputc('\n', r->x->out);
    c5dump_indent(r->x, r->level);
    /* h5dump counts one indentation level more than it prints */
    r->col = (size_t)(r->level + 1) * 3;
    r->open = 1;
    r->need_prefix = 0;
}

static void ren_emit(ren *r)
{
    size_t len = r->buf.n;
    if (len == 0)
        return;
    if (!r->need_prefix && r->open && !r->glued && r->col + len + 1 > (size_t)r->x->width)
        r->need_prefix = 1;
    r->glued = 0;
    if (r->need_prefix || !r->open)
        ren_prefix(r);
    fwrite(r->buf.p, 1, len, r->x->out);
    r->col += len;
}

static void ren_end(ren *r)
{
    if (r->open)
        fputc('\n', r->x->out);
    r->open = 0;
    r->col = 0;
    free(r->buf.p);
    r->buf.p = NULL;
    r->buf.n = r->buf.cap = 0;
}

/* ---- object tables ---------------------------------------------------------
 * h5dump's group/dataset/type tables of one file: address -> first path,
 * whether it was displayed, and (types) whether a link names it. Entries
 * keep insertion order (unnamed types print in that order); a second
 * entry for an address is never added (h5dump's search finds the first). */
typedef struct tabent {
    uint64_t addr;
    char *path;
    int displayed;
    int recorded;
} tabent;

typedef struct table {
    tabent *v;
    size_t n, cap;
    size_t *slot; /* open addressing: index + 1, 0 = empty */
    size_t nslot;
} table;

static size_t tab_hash(uint64_t a, size_t nslot)
{
    return (size_t)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (nslot - 1);
}

static tabent *tab_find(table *t, uint64_t addr)
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
    tabent *e = tab_find(t, addr);
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
        t->v = xrealloc(t->v, t->cap * sizeof *t->v);
    }
    e = &t->v[t->n++];
    e->addr = addr;
    e->path = xstrdup(path);
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

/* The tables of one file, identified as libhdf5 identifies open files
 * (device and inode; the handle itself for files without a path). */
typedef struct tabset {
    c5_file *f;
    int have_id;
    dev_t dev;
    ino_t ino;
    int ok;
    table groups, dsets, types;
} tabset;

typedef struct dstate {
    c5dump_ctx *x;
    const c5dump_opts *o;
    int display_data;      /* dataset DATA blocks */
    int display_attr_data; /* attribute DATA blocks */
    int include_attrs;
    tabset **sets;         /* [0] is the file named on the command line */
    size_t nsets;
    tabset *cur;           /* tables of the file being dumped */
    int hit_elink;         /* inside an externally linked file */
    int unnamed;           /* the main file has committed types no link names */
} dstate;

/* ---- object header facts ---------------------------------------------------- */

/* The object's hard-link count as libhdf5 reports it (H5Oget_info rc): the
 * v1 header prefix field, or a v2 header's reference count message (1 when
 * absent). */
static uint32_t obj_refcount(c5_object *o)
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

/* The object comment (H5Oget_comment), malloc'd, or NULL when there is
 * none or it is empty. */
static char *obj_comment(c5_object *o)
{
    if (!o || !o->oh)
        return NULL;
    size_t pos = 0;
    c5_mbody body;
    if (c5_ohdr_find(o->f, o->oh, C5_MSG_COMMENT, &pos, &body) != 0)
        return NULL;
    const uint8_t *z = memchr(body.p, 0, body.n);
    size_t n = z ? (size_t)(z - body.p) : body.n;
    char *s = NULL;
    if (n) {
        s = xmalloc(n + 1);
        memcpy(s, body.p, n);
        s[n] = '\0';
    }
    c5_mbody_free(o->f, &body);
    return s;
}

static void dump_comment(c5dump_ctx *x, c5_object *o, int u)
{
    char *c = obj_comment(o);
    if (c)
        line(x, u, "COMMENT \"%s\"", c);
    free(c);
}

/* ---- links of a group ----------------------------------------------------- */

typedef struct lnk {
    char *name;
    int type;
    uint64_t addr;
    char *target;
    char *target_file;
} lnk;

typedef struct lnklist {
    lnk *v;
    size_t n, cap;
} lnklist;

static int collect_link(void *ud, const c5_link *l)
{
    lnklist *ll = ud;
    if (ll->n == ll->cap) {
        ll->cap = ll->cap ? ll->cap * 2 : 16;
        ll->v = xrealloc(ll->v, ll->cap * sizeof *ll->v);
    }
    lnk *d = &ll->v[ll->n++];
    d->name = xstrdup(l->name);
    d->type = l->type;
    d->addr = l->addr;
    d->target = l->target ? xstrdup(l->target) : NULL;
    d->target_file = l->target_file ? xstrdup(l->target_file) : NULL;
    return 0;
}

static void lnklist_free(lnklist *ll)
{
    for (size_t i = 0; i < ll->n; i++) {
        free(ll->v[i].name);
        free(ll->v[i].target);
        free(ll->v[i].target_file);
    }
    free(ll->v);
    memset(ll, 0, sizeof *ll);
}

/* Attribute names sorted as H5Aiterate2 (name index, increasing) gives them. */
typedef struct namelist {
    char **v;
    size_t n, cap;
} namelist;

static int collect_name(void *ud, const char *name)
{
    namelist *nl = ud;
    if (nl->n == nl->cap) {
        nl->cap = nl->cap ? nl->cap * 2 : 16;
        nl->v = xrealloc(nl->v, nl->cap * sizeof *nl->v);
    }
    nl->v[nl->n++] = xstrdup(name);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void namelist_free(namelist *nl)
{
    for (size_t i = 0; i < nl->n; i++)
        free(nl->v[i]);
    free(nl->v);
    memset(nl, 0, sizeof *nl);
}

/* Sorted attribute names of o; -1 when they cannot be listed. */
static int attr_names(c5_object *o, namelist *nl)
{
    memset(nl, 0, sizeof *nl);
    if (c5_attr_iterate(o, collect_name, nl) != 0) {
        namelist_free(nl);
        return -1;
    }
    if (nl->n > 1)
        qsort(nl->v, nl->n, sizeof *nl->v, cmp_names);
    return 0;
}

/* ---- traversal (h5trav_visit) ---------------------------------------------
 * Links in name order, depth first, paths absolute. An object with more
 * than one link is remembered with its first path: later visits pass that
 * path as `already`, and a group met again is not entered again. */
typedef struct trav {
    dstate *st;
    c5_file *f;
    table seen;
    int (*obj)(struct trav *t, const char *path, c5_object *o, const char *already);
    void (*lnk)(struct trav *t, const char *path, const lnk *l);
    void *ud;
    int failed;
} trav;

static char *join_path(const char *base, const char *name)
{
    size_t lb = strlen(base), ln = strlen(name);
    int slash = lb == 0 || base[lb - 1] != '/';
    char *p = xmalloc(lb + (size_t)slash + ln + 1);
    memcpy(p, base, lb);
    if (slash)
        p[lb] = '/';
    memcpy(p + lb + (size_t)slash, name, ln + 1);
    return p;
}

static void trav_group(trav *t, c5_object *g, const char *base, int depth)
{
    lnklist ll = {0};
    if (depth > DUMP_MAX_DEPTH || c5_group_iterate(g, C5_ORDER_NAME, collect_link, &ll) != 0) {
        lnklist_free(&ll);
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
                if (obj_refcount(child) > 1) {
                    tabent *e = tab_find(&t->seen, l->addr);
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
    lnklist_free(&ll);
}

/* Visits the root group, then everything below it. */
static int trav_file(trav *t)
{
    c5_object *root = NULL;
    if (c5_object_open(&root, t->f, "/") != 0)
        return -1;
    if (t->obj && t->obj(t, "/", root, NULL) < 0)
        t->failed = 1;
    if (obj_refcount(root) > 1)
        tab_add(&t->seen, c5_object_addr(root), "/", 1);
    if (!t->failed)
        trav_group(t, root, "/", 0);
    c5_object_close(root);
    tab_free(&t->seen);
    return t->failed ? -1 : 0;
}

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
        if (ta != UINT64_MAX && !tab_find(&ts->types, ta))
            tab_add(&ts->types, ta, path, 0);
        c5_type_close(ty);
        break;
    }
    case C5_OBJ_DATATYPE: {
        tabent *e = tab_find(&ts->types, addr);
        if (!e) {
            tab_add(&ts->types, addr, path, 1);
        } else {
            /* a dataset met first used it: now it has a name */
            free(e->path);
            e->path = xstrdup(path);
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
static tabset *tables_for(dstate *st, c5_file *f)
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
    ts->ok = trav_file(&t) == 0;
    st->sets = xrealloc(st->sets, (st->nsets + 1) * sizeof *st->sets);
    st->sets[st->nsets++] = ts;
    return ts->ok ? ts : NULL;
}

static void tables_free(dstate *st)
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

/* ---- datatypes ---------------------------------------------------------------
 * Equality with the predefined types compares every field, as H5Tequal. */
static int std_atomic(const c5_type *t)
{
    size_t s = t->size;
    return (s == 1 || s == 2 || s == 4 || s == 8) && t->precision == s * 8 && t->bit_offset == 0 &&
           t->lo_pad == 0 && t->hi_pad == 0 && (t->order == C5_ORDER_LE || t->order == C5_ORDER_BE);
}

static const char *le_be(const c5_type *t) { return t->order == C5_ORDER_BE ? "BE" : "LE"; }

/* H5T_IEEE_F32/F64 (LE or BE) or H5T_VAX_F32/F64 layouts. */
static int float_layout(const c5_type *t, int vax)
{
    int w = t->size == 4 ? 0 : t->size == 8 ? 1 : -1;
    if (w < 0 || t->precision != t->size * 8 || t->bit_offset || t->lo_pad || t->hi_pad ||
        t->int_pad || t->mant_norm != 2)
        return 0;
    static const unsigned sign[2] = {31, 63}, epos[2] = {23, 52}, esz[2] = {8, 11},
                          msz[2] = {23, 52};
    static const uint32_t bias[2][2] = {{127, 1023}, {129, 1025}};
    return t->sign_loc == sign[w] && t->exp_loc == epos[w] && t->exp_size == esz[w] &&
           t->mant_loc == 0 && t->mant_size == msz[w] && t->exp_bias == bias[vax][w];
}

static const char *order_words(const c5_type *t)
{
    if (t->size <= 1)
        return "";
    switch (t->order) {
    case C5_ORDER_LE: return " little-endian";
    case C5_ORDER_BE: return " big-endian";
    case C5_ORDER_VAX: return " mixed-endian";
    default: return " unknown-byte-order";
    }
}

/* An enum member value as the base integer converted to (unsigned) long
 * long, as h5tools_print_enum gets it with H5Tconvert. */
static void enum_value(sbuf *b, const c5_type *base, const uint8_t *v)
{
    size_t n = base ? base->size : 0;
    if (!v || n == 0 || n > 8 || base->cls != C5_CLASS_INTEGER) {
        c5sb_puts(b, "0x");
        for (size_t j = 0; v && j < n; j++)
            c5sb_printf(b, "%02x", v[j]);
        return;
    }
    uint64_t raw = 0;
    for (size_t j = 0; j < n; j++) {
        size_t k = base->order == C5_ORDER_BE ? j : n - 1 - j;
        raw = raw << 8 | v[k];
    }
    unsigned prec = base->precision ? base->precision : (unsigned)(n * 8);
    if (base->bit_offset < 64)
        raw >>= base->bit_offset;
    if (prec < 64)
        raw &= (UINT64_C(1) << prec) - 1;
    if (base->is_signed) {
        if (prec < 64 && prec > 0 && ((raw >> (prec - 1)) & 1))
            raw |= ~UINT64_C(0) << prec;
        c5sb_printf(b, "%" PRId64, (int64_t)raw);
    } else {
        c5sb_printf(b, "%" PRIu64, raw);
    }
}

/* h5tools_print_datatype: appends t to r->buf, rendering the lines it
 * completes; what is left in r->buf is the last piece, for the caller to
 * finish and render. `search`: print a committed type as its name. */
static void ptype(dstate *st, ren *r, const c5_type *t, int search, int depth)
{
    sbuf *b = &r->buf;
    if (!t || depth > DUMP_MAX_TYPE_DEPTH) {
        c5sb_puts(b, "unknown datatype");
        return;
    }
    uint64_t committed = c5_type_committed(t);
    if (search && committed != UINT64_MAX) {
        tabent *e = st && st->cur ? tab_find(&st->cur->types, committed) : NULL;
        if (!e) {
            errmsg(r->x, "unknown committed type.\n");
            r->x->status = 1;
        } else if (!e->recorded) {
            c5sb_printf(b, "\"/#%" PRIu64 "\"", committed);
        } else {
            c5sb_printf(b, "\"%s\"", e->path);
        }
        return;
    }
    switch (t->cls) {
    case C5_CLASS_INTEGER:
        if (std_atomic(t))
            c5sb_printf(b, "H5T_STD_%c%zu%s", t->is_signed ? 'I' : 'U', t->size * 8, le_be(t));
        else
            c5sb_printf(b, "%zu-bit%s%s integer %u-bit precision", t->size * 8, order_words(t),
                      t->is_signed ? "" : " unsigned", (unsigned)t->precision);
        break;
    case C5_CLASS_FLOAT:
        if ((t->order == C5_ORDER_LE || t->order == C5_ORDER_BE) && float_layout(t, 0))
            c5sb_printf(b, "H5T_IEEE_F%zu%s", t->size * 8, le_be(t));
        else if (t->order == C5_ORDER_VAX && float_layout(t, 1))
            c5sb_printf(b, "H5T_VAX_F%zu", t->size * 8);
        else
            c5sb_printf(b, "%zu-bit%s floating-point %u-bit precision", t->size * 8, order_words(t),
                      (unsigned)t->precision);
        break;
    case C5_CLASS_TIME:
        c5sb_puts(b, "H5T_TIME: not yet implemented");
        break;
    case C5_CLASS_BITFIELD:
        if (std_atomic(t))
            c5sb_printf(b, "H5T_STD_B%zu%s", t->size * 8, le_be(t));
        else
            c5sb_puts(b, "undefined bitfield");
        break;
    case C5_CLASS_OPAQUE:
        c5sb_puts(b, "H5T_OPAQUE {");
        ren_emit(r);
        r->level++;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_printf(b, "OPAQUE_TAG \"%s\";", t->tag ? t->tag : "");
        ren_emit(r);
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_COMPOUND:
        c5sb_puts(b, "H5T_COMPOUND {");
        ren_emit(r);
        r->level++;
        for (int i = 0; i < t->nmemb; i++) {
            r->need_prefix = 1;
            c5sb_reset(b);
            ptype(st, r, t->memb[i].type, 1, depth + 1);
            c5sb_printf(b, " \"%s\";", t->memb[i].name ? t->memb[i].name : "");
            ren_emit(r);
        }
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_REFERENCE:
        c5sb_puts(b, "H5T_REFERENCE");
        if (t->reftype == C5_REF_REGION)
            c5sb_puts(b, " { H5T_STD_REF_DSETREG }");
        else if (t->reftype == C5_REF_OBJECT)
            c5sb_puts(b, " { H5T_STD_REF_OBJECT }");
        else
            c5sb_puts(b, " { UNDEFINED }");
        break;
    case C5_CLASS_ENUM:
        c5sb_puts(b, "H5T_ENUM {");
        ren_emit(r);
        r->level++;
        r->need_prefix = 1;
        c5sb_reset(b);
        ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, ";");
        ren_emit(r);
        for (int i = 0; i < t->nmemb; i++) {
            const char *name = t->memb[i].name ? t->memb[i].name : "";
            int nchars = (int)strlen(name);
            r->need_prefix = 1;
            ren_prefix(r);
            c5sb_reset(b);
            c5sb_printf(b, "\"%s\"%*s ", name, nchars < 16 ? 16 - nchars : 0, "");
            enum_value(b, t->base, t->memb[i].value);
            c5sb_puts(b, ";");
            ren_emit(r);
        }
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_STRING:
    case C5_CLASS_VLEN:
        if (t->cls == C5_CLASS_STRING || t->vlen_string) {
            static const char *const pads[] = {"H5T_STR_NULLTERM;", "H5T_STR_NULLPAD;",
                                               "H5T_STR_SPACEPAD;"};
            static const char *const csets[] = {"H5T_CSET_ASCII;", "H5T_CSET_UTF8;"};
            c5sb_puts(b, "H5T_STRING {");
            ren_emit(r);
            r->level++;
            r->need_prefix = 1;
            c5sb_reset(b);
            if (t->cls == C5_CLASS_VLEN)
                c5sb_puts(b, "STRSIZE H5T_VARIABLE;");
            else
                c5sb_printf(b, "STRSIZE %d;", (int)t->size);
            ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_printf(b, "STRPAD %s",
                      (unsigned)t->strpad < 3 ? pads[t->strpad] : "H5T_STR_UNKNOWN;");
            ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_printf(b, "CSET %s", (unsigned)t->cset < 2 ? csets[t->cset] : "H5T_CSET_UNKNOWN;");
            ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            /* H5T_C_S1 with this size, pad and cset equals every string
             * type libhdf5 decodes, so the Fortran spelling never shows. */
            c5sb_puts(b, "CTYPE H5T_C_S1;");
            ren_emit(r);
            r->level--;
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_puts(b, "}");
            break;
        }
        c5sb_puts(b, "H5T_VLEN { ");
        ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_ARRAY:
        c5sb_puts(b, "H5T_ARRAY { ");
        for (int i = 0; i < t->rank; i++)
            c5sb_printf(b, "[%" PRIu64 "]", t->dims[i]);
        c5sb_puts(b, " ");
        ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, " }");
        break;
    default:
        c5sb_puts(b, "unknown datatype");
        break;
    }
}

void c5dump_type(c5dump_ctx *x, const c5_type *t, int indent)
{
    ren r;
    ren_init(&r, x, indent);
    /* h5dump renders "DATATYPE  " and the type's first piece as one
     * element: that piece stays on the caller's line */
    r.need_prefix = 0;
    r.open = 1;
    r.glued = 1;
    r.col = (size_t)(indent + 1) * 3;
    ptype(x->seen, &r, t, 1, 0);
    ren_emit(&r);
    /* The caller ends the line. */
    free(r.buf.p);
}

/* DATATYPE line(s) of a dataset or attribute (h5tools_dump_datatype). */
static void dump_type_block(dstate *st, const c5_type *t, int u)
{
    ren r;
    ren_init(&r, st->x, u);
    c5sb_puts(&r.buf, "DATATYPE  ");
    ptype(st, &r, t, 1, 0);
    ren_emit(&r);
    ren_end(&r);
}

static void dump_space_line(c5dump_ctx *x, const c5_space *sp, int u)
{
    sbuf b = {0};
    c5sb_puts(&b, "DATASPACE  ");
    switch (sp->cls) {
    case C5_SPACE_SCALAR:
        c5sb_puts(&b, "SCALAR");
        break;
    case C5_SPACE_NULL:
        c5sb_puts(&b, "NULL");
        break;
    case C5_SPACE_SIMPLE: {
        int rank = sp->rank < 0 ? 0 : sp->rank > C5_MAX_RANK ? C5_MAX_RANK : sp->rank;
        c5sb_puts(&b, "SIMPLE { ( ");
        for (int i = 0; i < rank; i++)
            c5sb_printf(&b, "%s%" PRIu64, i ? ", " : "", sp->dims[i]);
        c5sb_puts(&b, " ) / ( ");
        for (int i = 0; i < rank; i++) {
            if (sp->maxdims[i] == C5_UNLIMITED)
                c5sb_printf(&b, "%sH5S_UNLIMITED", i ? ", " : "");
            else
                c5sb_printf(&b, "%s%" PRIu64, i ? ", " : "", sp->maxdims[i]);
        }
        c5sb_puts(&b, " ) }");
        break;
    }
    default:
        c5sb_puts(&b, "{ unknown dataspace }\n");
        break;
    }
    line(x, u, "%s", b.p);
    free(b.p);
}

/* ---- objects ------------------------------------------------------------------ */

/* h5dump 1.10 prints the data of a reference type it does not know (the
 * revised references of HDF5 1.12) with its indentation raised one level
 * and never lowered again: the object's closing brace comes out one level
 * deeper. */
static int leaks_level(const c5_type *t)
{
    return t && t->cls == C5_CLASS_REFERENCE && t->reftype != C5_REF_OBJECT &&
           t->reftype != C5_REF_REGION;
}

static void dump_group(dstate *st, c5_object *g, const char *name, int u, int depth);

static void dump_attr(dstate *st, c5_object *o, const char *name, int u)
{
    c5dump_ctx *x = st->x;
    c5_attr *a = NULL;
    c5_type *t = NULL;
    c5_space sp;
    int close_u = u;
    line(x, u, "ATTRIBUTE \"%s\" {", name);
    if (c5_attr_open(&a, o, name) != 0 || c5_attr_type(&t, a) != 0 || c5_attr_space(&sp, a) != 0) {
        errmsg(x, "unable to open attribute \"%s\"\n", name);
        x->status = 1;
    } else {
        dump_type_block(st, t, u + 1);
        dump_space_line(x, &sp, u + 1);
        if (st->display_data || st->display_attr_data) {
            /* the attribute's own file (objects behind external links) */
            c5_file *old_f = x->f;
            x->f = c5_object_file(o);
            fflush(x->out);
            c5dump_data(x, NULL, a, u + 1, NULL);
            x->f = old_f;
            if (leaks_level(t))
                close_u = u + 1;
        }
    }
    c5_type_close(t);
    c5_attr_close(a);
    line(x, close_u, "}");
}

/* attr_iteration: the attributes of o sorted by name, at level u. */
static void dump_attrs(dstate *st, c5_object *o, int u)
{
    if (!st->include_attrs || !o)
        return;
    namelist nl;
    if (attr_names(o, &nl) != 0) {
        errmsg(st->x, "error getting attribute information\n");
        st->x->status = 1;
        return;
    }
    for (size_t i = 0; i < nl.n; i++)
        dump_attr(st, o, nl.v[i], u);
    namelist_free(&nl);
}

/* dump_named_datatype: `tobj` is the committed type's object header (for
 * its reference count and attributes), t its type. */
static void dump_named_type(dstate *st, c5_object *tobj, const c5_type *t, const char *name, int u)
{
    c5dump_ctx *x = st->x;
    ren r;
    ren_init(&r, x, u);
    c5sb_printf(&r.buf, "DATATYPE \"%s\" ", name);
    ren_emit(&r);
    if (tobj && (obj_refcount(tobj) > 1 || st->hit_elink)) {
        tabent *e = st->cur ? tab_find(&st->cur->types, c5_object_addr(tobj)) : NULL;
        if (!e) {
            ren_end(&r);
            errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 696);
            x->status = 1;
            return;
        }
        if (e->displayed) {
            c5sb_reset(&r.buf);
            c5sb_printf(&r.buf, "HARDLINK \"%s\"", e->path);
            ren_emit(&r);
            ren_end(&r);
            return;
        }
        e->displayed = 1;
    }
    c5sb_reset(&r.buf);
    ptype(st, &r, t, 0, 0);
    if (t && t->cls != C5_CLASS_COMPOUND)
        c5sb_puts(&r.buf, ";");
    ren_emit(&r);
    ren_end(&r);
    dump_attrs(st, tobj, u + 1);
}

/* The committed types datasets use that no link names, as DATATYPE
 * "#<address>" blocks (dump_group of "/"). */
static void dump_unnamed_types(dstate *st, int u)
{
    tabset *ts = st->cur;
    if (!ts)
        return;
    for (size_t i = 0; i < ts->types.n; i++) {
        if (ts->types.v[i].recorded)
            continue;
        uint64_t addr = ts->types.v[i].addr;
        c5_object *ds = NULL, *tobj = NULL;
        c5_type *t = NULL;
        if (c5_object_open(&ds, ts->f, ts->types.v[i].path) == 0 && c5_object_type(&t, ds) == 0) {
            char name[32];
            snprintf(name, sizeof name, "#%" PRIu64, addr);
            if (c5_object_open_addr(&tobj, ts->f, addr) != 0)
                tobj = NULL;
            dump_named_type(st, tobj, t, name, u);
        }
        c5_type_close(t);
        c5_object_close(tobj);
        c5_object_close(ds);
    }
}

/* dump_dataset. The type and space have been checked to decode; ss is the
 * subset of a -d (checked) or NULL. */
static void dump_dataset(dstate *st, c5_object *ds, const char *name, int u,
                         const c5dump_subset *ss)
{
    c5dump_ctx *x = st->x;
    c5_type *t = NULL;
    c5_space sp;
    int close_u = u;
    pline(x, u, "DATASET \"%s\" {", name);
    dump_comment(x, ds, u); /* h5dump prints it before indenting */
    if (c5_object_type(&t, ds) == 0 && c5_dataset_space(&sp, ds) == 0) {
        dump_type_block(st, t, u + 1);
        dump_space_line(x, &sp, u + 1);
        if (st->o->props) {
            fflush(x->out);
            c5dump_props(x, ds, u + 1);
        }
        if (st->display_data) {
            if (t->cls == C5_CLASS_TIME) {
                pline(x, u + 2, "DATA{ not yet implemented.}");
            } else {
                fflush(x->out);
                /* it sets x->status itself when h5dump would fail */
                c5dump_data(x, ds, NULL, u + 1, ss);
                if (leaks_level(t))
                    close_u = u + 1;
            }
        }
    }
    c5_type_close(t);
    dump_attrs(st, ds, u + 1);
    pline(x, close_u, "}");
}

/* ---- the header of `h5dump -d PATH -b` ------------------------------------- */

struct c5dump_bhead {
    c5dump_opts o;
    c5dump_ctx x;
    dstate st;
};

c5dump_bhead *c5dump_bhead_open(c5_file *f)
{
    c5dump_bhead *h = calloc(1, sizeof *h);
    if (!h)
        c5dump_oom();
    h->x.o = &h->o;
    h->x.out = stdout;
    h->x.f = f;
    h->x.width = COLS_DEFAULT;
    h->x.seen = &h->st;
    h->st.x = &h->x;
    h->st.o = &h->o;
    /* the tables name committed datatypes by path, as h5dump's do */
    h->st.cur = tables_for(&h->st, f);
    return h;
}

void c5dump_bhead_print(c5dump_bhead *h, c5_object *ds, const char *path, const c5_type *t,
                        const c5_space *sp)
{
    pline(&h->x, 0, "DATASET \"%s\" {", path);
    dump_comment(&h->x, ds, 0);
    dump_type_block(&h->st, t, 1);
    dump_space_line(&h->x, sp, 1);
}

void c5dump_bhead_close(c5dump_bhead *h)
{
    if (!h)
        return;
    tables_free(&h->st);
    free(h);
}

/* Whether a dataset opens as H5Dopen2 needs: datatype and dataspace. */
static int dataset_opens(c5_object *ds)
{
    c5_type *t = NULL;
    c5_space sp;
    int ok = c5_object_type(&t, ds) == 0 && c5_dataset_space(&sp, ds) == 0;
    c5_type_close(t);
    return ok;
}

/* A dataset reached by a link in a group walk (dump_all_cb). Returns -1
 * where h5dump's callback fails, which ends the group's link iteration. */
static int walk_dataset(dstate *st, c5_object *ds, const char *name, int u)
{
    c5dump_ctx *x = st->x;
    if (!dataset_opens(ds)) {
        errmsg(x, "unable to dump dataset \"%s\"\n", name);
        x->status = 1;
        return -1;
    }
    if (obj_refcount(ds) > 1 || st->hit_elink) {
        tabent *e = st->cur ? tab_find(&st->cur->dsets, c5_object_addr(ds)) : NULL;
        if (!e) {
            line(x, u + 1, "DATASET \"%s\" {", name);
            errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 276);
            line(x, u + 1, "}");
            x->status = 1;
            return -1;
        }
        if (e->displayed) {
            line(x, u, "DATASET \"%s\" {", name);
            line(x, u + 1, "HARDLINK \"%s\"", e->path);
            line(x, u, "}");
            return 0;
        }
        e->displayed = 1;
    }
    dump_dataset(st, ds, name, u, NULL);
    return 0;
}

static int walk_named_type(dstate *st, c5_object *o, const char *name, int u)
{
    c5_type *t = NULL;
    if (c5_object_type(&t, o) != 0) {
        errmsg(st->x, "unable to dump datatype \"%s\"\n", name);
        st->x->status = 1;
        return -1;
    }
    dump_named_type(st, o, t, name, u);
    c5_type_close(t);
    return 0;
}

/* handle_datasets for an object already open: a dataset named on the
 * command line (u 0) or reached through an external link. */
static void handle_dataset_obj(dstate *st, c5_object *ds, const char *name, int u,
                               c5dump_subset *ss)
{
    c5dump_ctx *x = st->x;
    if (ss) {
        /* h5dump checks the subset before anything of the dataset prints */
        char msg[320];
        int rc = c5dump_subset_prepare(ss, ds, st->display_data, msg, sizeof msg);
        if (rc == -1) {
            errmsg(x, "%s", msg);
            x->status = 1;
            return;
        }
        if (rc) {
            fflush(x->out);
            fprintf(stderr, "cfive dump: dataset \"%s\": %s", name, msg);
            x->status = 1;
            return;
        }
    }
    if (obj_refcount(ds) > 1 || st->hit_elink) {
        tabent *e = st->cur ? tab_find(&st->cur->dsets, c5_object_addr(ds)) : NULL;
        if (!e) {
            x->status = 1;
            return;
        }
        if (e->displayed) {
            line(x, u, "DATASET \"%s\" {", name);
            line(x, u + 1, "HARDLINK \"%s\"", e->path);
            line(x, u, "}");
            return;
        }
        e->displayed = 1;
    }
    dump_dataset(st, ds, name, u, ss);
}

/* dump_extlink: dumps the target of external link `linkname` of g (the
 * link block being at level u) unless it cannot be opened or lies in the
 * file named on the command line. Failures are silent, as in h5dump. */
static void dump_extlink(dstate *st, c5_object *g, const char *linkname, const char *objname, int u,
                         int depth)
{
    c5_object *o = NULL;
    if (c5_object_open_at(&o, g, linkname) != 0)
        return;
    tabset *ts = tables_for(st, c5_object_file(o));
    if (ts && ts != st->sets[0]) {
        tabset *old = st->cur;
        int old_hit = st->hit_elink;
        c5_file *old_f = st->x->f;
        st->cur = ts;
        st->hit_elink = 1;
        st->x->f = c5_object_file(o); /* the file attribute data is read from */
        switch (c5_object_kind(o)) {
        case C5_OBJ_GROUP:
            dump_group(st, o, objname, u + 2, depth + 1);
            break;
        case C5_OBJ_DATASET:
            if (dataset_opens(o))
                handle_dataset_obj(st, o, objname, u + 2, NULL);
            break;
        case C5_OBJ_DATATYPE: {
            c5_type *t = NULL;
            if (c5_object_type(&t, o) == 0)
                dump_named_type(st, o, t, objname, u + 2);
            c5_type_close(t);
            break;
        }
        }
        st->cur = old;
        st->hit_elink = old_hit;
        st->x->f = old_f;
    }
    c5_object_close(o);
}

/* One link of group g (dump_all_cb), at level u. Returns -1 where
 * h5dump's callback fails: the group's remaining links are then skipped,
 * as H5Literate2 stops. */
static int dump_link(dstate *st, c5_object *g, const lnk *l, int u, int depth)
{
    c5dump_ctx *x = st->x;
    int rc = 0;
    switch (l->type) {
    case C5_LINK_HARD: {
        c5_object *child = NULL;
        if (c5_object_open_addr(&child, c5_object_file(g), l->addr) != 0) {
            errmsg(x, "unable to get object information for \"%s\"\n", l->name);
            x->status = 1;
            return -1;
        }
        switch (c5_object_kind(child)) {
        case C5_OBJ_GROUP:
            dump_group(st, child, l->name, u, depth + 1);
            break;
        case C5_OBJ_DATASET:
            rc = walk_dataset(st, child, l->name, u);
            break;
        case C5_OBJ_DATATYPE:
            rc = walk_named_type(st, child, l->name, u);
            break;
        default:
            errmsg(x, "unknown object \"%s\"\n", l->name);
            x->status = 1;
            rc = -1;
            break;
        }
        c5_object_close(child);
        break;
    }
    case C5_LINK_SOFT:
        line(x, u, "SOFTLINK \"%s\" {", l->name);
        line(x, u + 1, "LINKTARGET \"%s\"", l->target ? l->target : "");
        line(x, u, "}");
        break;
    case C5_LINK_EXTERNAL:
        line(x, u, "EXTERNAL_LINK \"%s\" {", l->name);
        line(x, u + 1, "TARGETFILE \"%s\"", l->target_file ? l->target_file : "");
        line(x, u + 1, "TARGETPATH \"%s\"", l->target ? l->target : "");
        dump_extlink(st, g, l->name, l->target ? l->target : "", u, depth);
        line(x, u, "}");
        break;
    default:
        line(x, u, "USERDEFINED_LINK \"%s\" {", l->name);
        line(x, u + 1, "LINKCLASS %d", l->type);
        line(x, u, "}");
        break;
    }
    return rc;
}

/* dump_group: GROUP "name" { ... } at level u. */
static void dump_group(dstate *st, c5_object *g, const char *name, int u, int depth)
{
    c5dump_ctx *x = st->x;
    line(x, u, "GROUP \"%s\" {", name);
    if (strcmp(name, "/") == 0 && st->unnamed)
        dump_unnamed_types(st, u + 1);
    dump_comment(x, g, u + 1);
    int contents = 1;
    if (obj_refcount(g) > 1 || st->hit_elink) {
        tabent *e = st->cur ? tab_find(&st->cur->groups, c5_object_addr(g)) : NULL;
        if (!e) {
            errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 859);
            x->status = 1;
            contents = 0;
        } else if (e->displayed) {
            line(x, u + 1, "HARDLINK \"%s\"", e->path);
            contents = 0;
        } else {
            e->displayed = 1;
        }
    }
    if (contents && depth > DUMP_MAX_DEPTH) {
        errmsg(x, "group \"%s\" is nested too deeply\n", name);
        x->status = 1;
        contents = 0;
    }
    if (contents) {
        dump_attrs(st, g, u + 1);
        lnklist ll = {0};
        /* h5dump ignores a failed link iteration (H5Literate2's result). */
        c5_group_iterate(g, C5_ORDER_NAME, collect_link, &ll);
        for (size_t i = 0; i < ll.n; i++)
            if (dump_link(st, g, &ll.v[i], u + 1, depth) < 0)
                break;
        lnklist_free(&ll);
    }
    line(x, u, "}");
}

/* ---- -n: FILE_CONTENTS (h5trav_print) ----------------------------------------- */

static int contents_obj(trav *t, const char *path, c5_object *o, const char *already)
{
    FILE *out = t->st->x->out;
    const char *kind = "unknown object type";
    switch (c5_object_kind(o)) {
    case C5_OBJ_GROUP: kind = "group"; break;
    case C5_OBJ_DATASET: kind = "dataset"; break;
    case C5_OBJ_DATATYPE: kind = "datatype"; break;
    }
    fprintf(out, " %-10s %s", kind, path);
    if (already) {
        fprintf(out, " -> %s\n", already);
        return 0;
    }
    fputc('\n', out);
    if (t->st->o->contents > 1) {
        namelist nl;
        if (attr_names(o, &nl) == 0) {
            int root = strcmp(path, "/") == 0;
            for (size_t i = 0; i < nl.n; i++)
                fprintf(out, " %-10s %s%s%s\n", "attribute", path, root ? "" : "/", nl.v[i]);
            namelist_free(&nl);
        }
    }
    return 0;
}

static void contents_lnk(trav *t, const char *path, const lnk *l)
{
    FILE *out = t->st->x->out;
    if (l->type == C5_LINK_SOFT)
        fprintf(out, " %-10s %s -> %s\n", "link", path, l->target ? l->target : "");
    else if (l->type == C5_LINK_EXTERNAL)
        fprintf(out, " %-10s %s -> %s %s\n", "ext link", path, l->target_file ? l->target_file : "",
                l->target ? l->target : "");
    else
        fprintf(out, " %-10s %s -> ???\n", "unknown type of UD link", path);
}

static void dump_contents(dstate *st)
{
    FILE *out = st->x->out;
    fputs("FILE_CONTENTS {\n", out);
    tabset *ts = st->sets[0];
    for (size_t i = 0; i < ts->types.n; i++)
        if (!ts->types.v[i].recorded)
            fprintf(out, " %-10s /#%" PRIu64 "\n", "datatype", ts->types.v[i].addr);
    trav t;
    memset(&t, 0, sizeof t);
    t.st = st;
    t.f = ts->f;
    t.obj = contents_obj;
    t.lnk = contents_lnk;
    trav_file(&t);
    fputs(" }\n", out);
}

/* ---- command-line selections ---------------------------------------------------- */

/* The path as the library takes it: without repeated or trailing slashes. */
static char *norm_path(const char *path)
{
    char *p = xstrdup(path);
    size_t j = 0;
    for (size_t i = 0; path[i]; i++) {
        if (path[i] == '/' && j > 0 && p[j - 1] == '/')
            continue;
        p[j++] = path[i];
    }
    while (j > 1 && p[j - 1] == '/')
        j--;
    p[j] = '\0';
    if (!p[0]) {
        free(p);
        p = xstrdup("/");
    }
    return p;
}

static int open_path(c5_object **out, c5_file *f, const char *path)
{
    char *p = norm_path(path);
    int rc = c5_object_open(out, f, p);
    free(p);
    if (rc)
        *out = NULL;
    return rc;
}

typedef struct link_copy {
    int found;
    int type;
    char *target, *target_file;
} link_copy;

static int copy_link(void *ud, const c5_link *l)
{
    link_copy *c = ud;
    c->found = 1;
    c->type = l->type;
    c->target = l->target ? xstrdup(l->target) : NULL;
    c->target_file = l->target_file ? xstrdup(l->target_file) : NULL;
    return 0;
}

/* handle_links: a path that is no dataset (or -l). */
static void handle_links(dstate *st, c5_file *f, const char *path)
{
    c5dump_ctx *x = st->x;
    link_copy lk = {0, 0, NULL, NULL};
    char *p = norm_path(path);
    c5_object *root = NULL;
    int is_root = strcmp(p, "/") == 0;
    int found = is_root;
    if (!is_root && c5_object_open(&root, f, "/") == 0 &&
        c5_link_lookup(root, p, copy_link, &lk) == 0 && lk.found)
        found = 1;
    if (!found) {
        errmsg(x, "unable to get link info from \"%s\"\n", path);
        x->status = 1;
    } else if (is_root || lk.type == C5_LINK_HARD) {
        errmsg(x, "\"%s\" is a hard link\n", path);
        x->status = 1;
    } else if (lk.type == C5_LINK_SOFT) {
        line(x, 0, "SOFTLINK \"%s\" {", path);
        line(x, 1, "LINKTARGET \"%s\"", lk.target ? lk.target : "");
        line(x, 0, "}");
    } else if (lk.type == C5_LINK_EXTERNAL) {
        line(x, 0, "EXTERNAL_LINK \"%s\" {", path);
        line(x, 1, "TARGETFILE \"%s\"", lk.target_file ? lk.target_file : "");
        line(x, 1, "TARGETPATH \"%s\"", lk.target ? lk.target : "");
        line(x, 0, "}");
    } else {
        line(x, 0, "USERDEFINED_LINK \"%s\" {", path);
        line(x, 1, "LINKCLASS %d", lk.type);
        line(x, 0, "}");
    }
    c5_object_close(root);
    free(lk.target);
    free(lk.target_file);
    free(p);
}

static void handle_dataset(dstate *st, c5_file *f, const char *path, c5dump_subset *ss)
{
    c5_object *o = NULL;
    if (open_path(&o, f, path) != 0 || c5_object_kind(o) != C5_OBJ_DATASET || !dataset_opens(o)) {
        c5_object_close(o);
        handle_links(st, f, path);
        return;
    }
    handle_dataset_obj(st, o, path, 0, ss);
    c5_object_close(o);
}

static void handle_group(dstate *st, c5_file *f, const char *path)
{
    c5dump_ctx *x = st->x;
    c5_object *o = NULL;
    if (open_path(&o, f, path) != 0 || c5_object_kind(o) != C5_OBJ_GROUP) {
        c5_object_close(o);
        line(x, 0, "GROUP \"%s\" {", path);
        errmsg(x, "unable to open group \"%s\"\n", path);
        line(x, 1, "}");
        x->status = 1;
        return;
    }
    dump_group(st, o, path, 0, 0);
    c5_object_close(o);
}

/* "a\/b" -> "a/b" (attribute names with slashes on the command line). */
static char *unescape_slashes(const char *s)
{
    char *d = xstrdup(s), *q = d;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == '/')
            continue;
        *q++ = *s;
    }
    *q = '\0';
    return d;
}

static void handle_attribute(dstate *st, c5_file *f, const char *arg)
{
    c5dump_ctx *x = st->x;
    long j = (long)strlen(arg) - 1;
    while (j >= 0 && !(arg[j] == '/' && (j == 0 || arg[j - 1] != '\\')))
        j--;
    char *obj = j < 0 ? xstrdup("/") : xmalloc((size_t)j + 2);
    if (j >= 0) {
        memcpy(obj, arg, (size_t)j + 1);
        obj[j + 1] = '\0';
    }
    char *name = unescape_slashes(arg + j + 1);
    c5_object *o = NULL;
    if (open_path(&o, f, obj) != 0) {
        line(x, 0, "ATTRIBUTE \"%s\" {", arg);
        errmsg(x, "unable to open object \"%s\"\n", obj);
        line(x, 0, "}");
        x->status = 1;
    } else {
        dump_attr(st, o, name, 0);
    }
    c5_object_close(o);
    free(obj);
    free(name);
}

static void handle_datatype(dstate *st, c5_file *f, const char *path)
{
    c5dump_ctx *x = st->x;
    c5_object *o = NULL;
    c5_type *t = NULL;
    if (open_path(&o, f, path) == 0 && c5_object_kind(o) == C5_OBJ_DATATYPE &&
        c5_object_type(&t, o) == 0) {
        dump_named_type(st, o, t, path, 0);
        c5_type_close(t);
        c5_object_close(o);
        return;
    }
    c5_type_close(t);
    c5_object_close(o);
    /* "/#<address>": a committed type no link names */
    tabset *ts = st->sets[0];
    for (size_t i = 0; i < ts->types.n; i++) {
        char name[40];
        if (ts->types.v[i].recorded)
            continue;
        snprintf(name, sizeof name, "/#%" PRIu64, ts->types.v[i].addr);
        if (strcmp(name, path) != 0)
            continue;
        c5_object *ds = NULL, *tobj = NULL;
        if (c5_object_open(&ds, f, ts->types.v[i].path) == 0 && c5_object_type(&t, ds) == 0) {
            if (c5_object_open_addr(&tobj, f, ts->types.v[i].addr) != 0)
                tobj = NULL;
            dump_named_type(st, tobj, t, path, 0);
        }
        c5_type_close(t);
        c5_object_close(tobj);
        c5_object_close(ds);
        return;
    }
    line(x, 0, "DATATYPE \"%s\" ", path);
    c5dump_indent(x, 1);
    fputc('\n', x->out);
    errmsg(x, "unable to open datatype \"%s\"\n", path);
    x->status = 1;
}

/* ---- the whole dump ------------------------------------------------------------ */

int c5dump_text(const c5dump_opts *o)
{
    c5dump_ctx x;
    memset(&x, 0, sizeof x);
    x.o = o;
    x.out = stdout;
    x.width = o->width > 0 ? o->width : COLS_DEFAULT;

    c5_file *f = NULL;
    if (c5_file_open(&f, o->file, NULL) != 0) {
        errmsg(&x, "unable to open file \"%s\"\n", o->file);
        return 1;
    }
    x.f = f;

    dstate st;
    memset(&st, 0, sizeof st);
    st.x = &x;
    st.o = o;
    st.display_data = !o->header_only && !(o->only_attr > 0);
    st.display_attr_data = !o->header_only;
    st.include_attrs = o->only_attr >= 0;
    x.seen = &st;

    /* h5dump builds the tables before printing anything and gives up when
     * that walk fails. */
    st.cur = tables_for(&st, f);
    if (!st.cur) {
        errmsg(&x, "internal error (file %s:line %d)\n", MAIN_SRC, 1430);
        tables_free(&st);
        c5_file_close(f);
        return 1;
    }
    for (size_t i = 0; i < st.cur->types.n; i++)
        if (!st.cur->types.v[i].recorded)
            st.unnamed = 1;

    fprintf(x.out, "HDF5 \"%s\" {\n", o->file);
    if (o->contents) {
        dump_contents(&st);
    } else {
        if (o->superblock) {
            fflush(x.out);
            c5dump_superblock(&x, 0);
        }
        if (o->nsel == 0) {
            c5_object *root = NULL;
            if (c5_object_open(&root, f, "/") != 0) {
                errmsg(&x, "unable to open root group\n");
                x.status = 1;
            } else {
                dump_group(&st, root, "/", 0, 0);
            }
            c5_object_close(root);
        } else {
            for (int i = 0; i < o->nsel; i++) {
                const char *p = o->sel_path[i];
                switch (o->sel_kind[i]) {
                case 'd': handle_dataset(&st, f, p, o->sel_subset[i]); break;
                case 'g': handle_group(&st, f, p); break;
                case 'a': handle_attribute(&st, f, p); break;
                case 't': handle_datatype(&st, f, p); break;
                case 'l': handle_links(&st, f, p); break;
                default: break;
                }
            }
        }
    }
    fputs("}\n", x.out);
    fflush(x.out);
    tables_free(&st);
    c5_file_close(f);
    return x.status;
}
