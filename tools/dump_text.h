/* cfive dump in text form, private to the three files that print h5dump's
 * DDL (dump.h holds what the other dump modules share):
 *
 *   tools/dump_text.c   the objects: groups, datasets, named datatypes,
 *                       attributes, links; -n, the -d/-g/-a/-t/-l
 *                       selections, the -b header, the whole dump; and
 *                       the small utilities below (allocation, errors)
 *   tools/dump_type.c   header text: the element renderer (h5dump's line
 *                       breaking) and DATATYPE / DATASPACE as h5dump
 *                       prints them
 *   tools/dump_walk.c   "seen before": the object tables of each file,
 *                       filled by a walk the way h5trav_visit walks
 *
 * One dstate lives for one dump (or one -b header series); its tables
 * say, per file, which objects a link reaches first by which path and
 * which of them have been displayed. */
#ifndef CFIVE_DUMP_TEXT_H
#define CFIVE_DUMP_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dump.h"

/* Group nesting bound: the walk and the dump recurse on the C stack
 * (cycles are cut by the tables). */
#define DUMP_MAX_DEPTH 2048

typedef c5sb sbuf;

/* ---- small utilities (dump_text.c) ---------------------------------------
 * Allocation that exits with h5dump's out-of-memory message, and h5dump's
 * error_msg(): "h5dump error: ..." on stderr, after what stdout has so
 * far. */
void *c5dump_xmalloc(size_t n);
void *c5dump_xrealloc(void *p, size_t n);
char *c5dump_xstrdup(const char *s);
void c5dump_errmsg(c5dump_ctx *x, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- object tables (dump_walk.c) -----------------------------------------
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

/* The state of one text dump; c5dump_ctx.seen points at it. */
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

/* The entry for addr, or NULL. */
tabent *c5dump_tab_find(table *t, uint64_t addr);
/* The tables of f (table_list_visited / table_list_add), built on first
 * use; NULL when they cannot be built. */
tabset *c5dump_tables_for(dstate *st, c5_file *f);
/* Frees every file's tables. */
void c5dump_tables_free(dstate *st);

/* The object's hard-link count as libhdf5 reports it (H5Oget_info rc). */
uint32_t c5dump_refcount(c5_object *o);

/* ---- links of a group (dump_walk.c) --------------------------------------- */
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

/* c5_group_iterate callback: appends a copy of l to the lnklist ud. */
int c5dump_collect_link(void *ud, const c5_link *l);
void c5dump_lnklist_free(lnklist *ll);

/* ---- traversal (dump_walk.c) -----------------------------------------------
 * h5trav_visit: links in name order, depth first, paths absolute. An
 * object with more than one link is remembered with its first path: later
 * visits pass that path as `already`, and a group met again is not entered
 * again. obj returning < 0 ends the walk as failed; lnk sees the links
 * that are not hard links. */
typedef struct trav {
    dstate *st;
    c5_file *f;
    table seen;
    int (*obj)(struct trav *t, const char *path, c5_object *o, const char *already);
    void (*lnk)(struct trav *t, const char *path, const lnk *l);
    void *ud;
    int failed;
} trav;

/* Visits the root group of t->f, then everything below it. 0, or -1 when
 * the walk failed. */
int c5dump_trav_file(trav *t);

/* ---- the element renderer (dump_type.c) ------------------------------------
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

void c5dump_ren_init(ren *r, c5dump_ctx *x, int level);
/* Renders the element in r->buf (nothing when it is empty). */
void c5dump_ren_emit(ren *r);
/* Ends the open line and frees the buffer. */
void c5dump_ren_end(ren *r);

/* ---- datatypes and dataspaces (dump_type.c) -------------------------------- */

/* h5tools_print_datatype: appends t to r->buf, rendering the lines it
 * completes; what is left in r->buf is the last piece, for the caller to
 * finish and render. `search`: print a committed type as its name. */
void c5dump_ptype(dstate *st, ren *r, const c5_type *t, int search, int depth);
/* DATATYPE line(s) of a dataset or attribute (h5tools_dump_datatype). */
void c5dump_type_block(dstate *st, const c5_type *t, int u);
/* The DATASPACE line at level u. */
void c5dump_space_line(c5dump_ctx *x, const c5_space *sp, int u);

#endif
