/* cfive dump in text form: what `h5dump [OPTIONS] FILE` (libhdf5 1.10.8)
 * prints, byte for byte: the objects of the file, group by group. Apart
 * from here are the DATA blocks (tools/dump_data.c), the -p / -B blocks
 * (tools/dump_props.c), the DATATYPE and DATASPACE text with h5dump's
 * line breaking (tools/dump_type.c) and the tables of objects seen before
 * (tools/dump_walk.c); tools/dump_text.h holds what these three share.
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
 * "Seen before" follows h5dump exactly: the tables of dump_walk.c record
 * every group, dataset and named datatype with the first path that
 * reaches it, before anything prints. While dumping, an object whose
 * header reference count is above 1 (or any object inside an externally
 * linked file) is printed in full the first time and as HARDLINK
 * "<recorded path>" afterwards: its table entry is marked displayed here.
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

#include "dump_text.h"
#include "object.h" /* struct c5_object: object header (comment) */
#include "type.h"   /* struct c5_type: class, reference type */

#define COLS_DEFAULT 80
/* h5dump 1.10.8 (Debian) names its source files in some error texts */
#define DDL_SRC "../../../../../tools/src/h5dump/h5dump_ddl.c"
#define MAIN_SRC "../../../../../tools/src/h5dump/h5dump.c"

/* ---- small utilities (shared through dump_text.h) ------------------------ */

void *c5dump_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        c5dump_oom();
    return p;
}

void *c5dump_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        c5dump_oom();
    return p;
}

char *c5dump_xstrdup(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = c5dump_xmalloc(n + 1);
    memcpy(d, s ? s : "", n + 1);
    return d;
}

/* h5dump's error_msg(): on stderr, after what stdout has so far. */
void c5dump_errmsg(c5dump_ctx *x, const char *fmt, ...)
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
        s = c5dump_xmalloc((size_t)n + 1);
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

/* ---- object comments and attribute names ------------------------------------ */

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
        s = c5dump_xmalloc(n + 1);
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
        nl->v = c5dump_xrealloc(nl->v, nl->cap * sizeof *nl->v);
    }
    nl->v[nl->n++] = c5dump_xstrdup(name);
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
        c5dump_errmsg(x, "unable to open attribute \"%s\"\n", name);
        x->status = 1;
    } else {
        c5dump_type_block(st, t, u + 1);
        c5dump_space_line(x, &sp, u + 1);
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
        c5dump_errmsg(st->x, "error getting attribute information\n");
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
    c5dump_ren_init(&r, x, u);
    c5sb_printf(&r.buf, "DATATYPE \"%s\" ", name);
    c5dump_ren_emit(&r);
    if (tobj && (c5dump_refcount(tobj) > 1 || st->hit_elink)) {
        tabent *e = st->cur ? c5dump_tab_find(&st->cur->types, c5_object_addr(tobj)) : NULL;
        if (!e) {
            c5dump_ren_end(&r);
            c5dump_errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 696);
            x->status = 1;
            return;
        }
        if (e->displayed) {
            c5sb_reset(&r.buf);
            c5sb_printf(&r.buf, "HARDLINK \"%s\"", e->path);
            c5dump_ren_emit(&r);
            c5dump_ren_end(&r);
            return;
        }
        e->displayed = 1;
    }
    c5sb_reset(&r.buf);
    c5dump_ptype(st, &r, t, 0, 0);
    if (t && t->cls != C5_CLASS_COMPOUND)
        c5sb_puts(&r.buf, ";");
    c5dump_ren_emit(&r);
    c5dump_ren_end(&r);
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
        c5dump_type_block(st, t, u + 1);
        c5dump_space_line(x, &sp, u + 1);
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
    h->st.cur = c5dump_tables_for(&h->st, f);
    return h;
}

void c5dump_bhead_print(c5dump_bhead *h, c5_object *ds, const char *path, const c5_type *t,
                        const c5_space *sp)
{
    pline(&h->x, 0, "DATASET \"%s\" {", path);
    dump_comment(&h->x, ds, 0);
    c5dump_type_block(&h->st, t, 1);
    c5dump_space_line(&h->x, sp, 1);
}

void c5dump_bhead_close(c5dump_bhead *h)
{
    if (!h)
        return;
    c5dump_tables_free(&h->st);
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
        c5dump_errmsg(x, "unable to dump dataset \"%s\"\n", name);
        x->status = 1;
        return -1;
    }
    if (c5dump_refcount(ds) > 1 || st->hit_elink) {
        tabent *e = st->cur ? c5dump_tab_find(&st->cur->dsets, c5_object_addr(ds)) : NULL;
        if (!e) {
            line(x, u + 1, "DATASET \"%s\" {", name);
            c5dump_errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 276);
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
        c5dump_errmsg(st->x, "unable to dump datatype \"%s\"\n", name);
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
            c5dump_errmsg(x, "%s", msg);
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
    if (c5dump_refcount(ds) > 1 || st->hit_elink) {
        tabent *e = st->cur ? c5dump_tab_find(&st->cur->dsets, c5_object_addr(ds)) : NULL;
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
    tabset *ts = c5dump_tables_for(st, c5_object_file(o));
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
            c5dump_errmsg(x, "unable to get object information for \"%s\"\n", l->name);
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
            c5dump_errmsg(x, "unknown object \"%s\"\n", l->name);
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
    if (c5dump_refcount(g) > 1 || st->hit_elink) {
        tabent *e = st->cur ? c5dump_tab_find(&st->cur->groups, c5_object_addr(g)) : NULL;
        if (!e) {
            c5dump_errmsg(x, "internal error (file %s:line %d)\n", DDL_SRC, 859);
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
        c5dump_errmsg(x, "group \"%s\" is nested too deeply\n", name);
        x->status = 1;
        contents = 0;
    }
    if (contents) {
        dump_attrs(st, g, u + 1);
        lnklist ll = {0};
        /* h5dump ignores a failed link iteration (H5Literate2's result). */
        c5_group_iterate(g, C5_ORDER_NAME, c5dump_collect_link, &ll);
        for (size_t i = 0; i < ll.n; i++)
            if (dump_link(st, g, &ll.v[i], u + 1, depth) < 0)
                break;
        c5dump_lnklist_free(&ll);
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
    c5dump_trav_file(&t);
    fputs(" }\n", out);
}

/* ---- command-line selections ---------------------------------------------------- */

/* The path as the library takes it: without repeated or trailing slashes. */
static char *norm_path(const char *path)
{
    char *p = c5dump_xstrdup(path);
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
        p = c5dump_xstrdup("/");
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
    c->target = l->target ? c5dump_xstrdup(l->target) : NULL;
    c->target_file = l->target_file ? c5dump_xstrdup(l->target_file) : NULL;
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
        c5dump_errmsg(x, "unable to get link info from \"%s\"\n", path);
        x->status = 1;
    } else if (is_root || lk.type == C5_LINK_HARD) {
        c5dump_errmsg(x, "\"%s\" is a hard link\n", path);
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
        c5dump_errmsg(x, "unable to open group \"%s\"\n", path);
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
    char *d = c5dump_xstrdup(s), *q = d;
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
    char *obj = j < 0 ? c5dump_xstrdup("/") : c5dump_xmalloc((size_t)j + 2);
    if (j >= 0) {
        memcpy(obj, arg, (size_t)j + 1);
        obj[j + 1] = '\0';
    }
    char *name = unescape_slashes(arg + j + 1);
    c5_object *o = NULL;
    if (open_path(&o, f, obj) != 0) {
        line(x, 0, "ATTRIBUTE \"%s\" {", arg);
        c5dump_errmsg(x, "unable to open object \"%s\"\n", obj);
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
    c5dump_errmsg(x, "unable to open datatype \"%s\"\n", path);
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
        c5dump_errmsg(&x, "unable to open file \"%s\"\n", o->file);
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
    st.cur = c5dump_tables_for(&st, f);
    if (!st.cur) {
        c5dump_errmsg(&x, "internal error (file %s:line %d)\n", MAIN_SRC, 1430);
        c5dump_tables_free(&st);
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
                c5dump_errmsg(&x, "unable to open root group\n");
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
    c5dump_tables_free(&st);
    c5_file_close(f);
    return x.status;
}
