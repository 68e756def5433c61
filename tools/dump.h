/* cfive dump in text form (h5dump without -b): the pieces shared by
 * tools/dump.c (options, -b export), tools/dump_text.c (walking the file:
 * groups, datasets, named datatypes, attributes, links; with
 * tools/dump_type.c for datatypes and dataspaces and tools/dump_walk.c for
 * the objects seen before, sharing tools/dump_text.h), tools/dump_data.c
 * (DATA blocks: every value format and h5dump's line wrapping),
 * tools/dump_refs.c (what references point at), tools/dump_subset.c
 * (dataset subsets: -s/-S/-c/-k, PATH[...]) and tools/dump_props.c (-p
 * storage properties, -B superblock). The goal is byte-identical output
 * to h5dump 1.10.8. */
#ifndef CFIVE_DUMP_H
#define CFIVE_DUMP_H

#include <stdint.h>
#include <stdio.h>
#include "cfive.h"

#define C5DUMP_MAX_SEL 256

typedef struct c5dump_opts {
    const char *file;
    int header_only;      /* -H: no DATA blocks */
    int only_attr;        /* -A: header plus attribute data, no dataset data */
    int props;            /* -p: STORAGE_LAYOUT, FILTERS, FILLVALUE, ALLOCATION_TIME */
    int superblock;       /* -B: SUPER_BLOCK block (and USER_BLOCK) */
    int contents;         /* -n: list of contents instead of a dump */
    int noindex;          /* -y: no "(i,j): " prefixes */
    int string;           /* -r: print 1-byte integer arrays as strings */
    int width;            /* -w N: line width (0 = h5dump default, 80) */
    /* -d/-g/-a/-t paths in command-line order; kind 'd', 'g', 'a', 't' */
    int nsel;
    char sel_kind[C5DUMP_MAX_SEL];
    const char *sel_path[C5DUMP_MAX_SEL];
    struct c5dump_subset *sel_subset[C5DUMP_MAX_SEL]; /* -d: its subset, or NULL */
    struct c5dump_diag *diag; /* -E reports (NULL: none) */
} c5dump_opts;

/* Output state while dumping one file. */
typedef struct c5dump_ctx {
    const c5dump_opts *o;
    FILE *out;
    c5_file *f;
    int width;            /* effective line width */
    int status;           /* exit status so far (h5dump: 0, or 1 after an error) */
    void *seen;           /* visited objects for HARDLINK (dump_text.h: dstate) */
} c5dump_ctx;

/* dump_text.c: the whole text dump; returns the exit status. */
int c5dump_text(const c5dump_opts *o);

/* dump_type.c: a datatype as h5dump prints it after "DATATYPE " (or
 * nested inside compound/array/vlen blocks) at indent level `indent`
 * (3 spaces each). Named types print as their path. */
void c5dump_type(c5dump_ctx *x, const c5_type *t, int indent);

/* dump_data.c: the "DATA {" ... "}" block of a dataset (ds) or attribute
 * (a) at indent level `indent`, reading in bounded slabs. Exactly one of
 * ds and a is non-NULL. A dataset with a subset ss (checked with
 * c5dump_subset_check) prints h5dump's SUBSET block around its DATA. Returns
 * 0, or -1 after printing h5dump's error text for unreadable data. */
int c5dump_data(c5dump_ctx *x, c5_object *ds, c5_attr *a, int indent,
                const struct c5dump_subset *ss);

/* dump_text.c: the header `h5dump -d PATH -b` prints for each dataset
 * (DATASET line, COMMENT, DATATYPE spelled as in text dumps, named types by
 * path, DATASPACE) on stdout; open once per file (it walks the file to
 * name committed datatypes, as h5dump does). */
typedef struct c5dump_bhead c5dump_bhead;
c5dump_bhead *c5dump_bhead_open(c5_file *f);
void c5dump_bhead_print(c5dump_bhead *h, c5_object *ds, const char *path, const c5_type *t,
                        const c5_space *sp);
void c5dump_bhead_close(c5dump_bhead *h);

/* dump_props.c: the -p blocks of a dataset (STORAGE_LAYOUT, FILTERS,
 * FILLVALUE, ALLOCATION_TIME) at indent level `indent`. */
void c5dump_props(c5dump_ctx *x, c5_object *ds, int indent);
/* dump_props.c: the SUPER_BLOCK block for -B (and USER_BLOCK). */
void c5dump_superblock(c5dump_ctx *x, int indent);

/* dump_refs.c: the path libhdf5 reports for the object at addr in f
 * (H5Rget_name; NULL when no link reaches it) and the object's kind
 * (-1 when it cannot be opened). The table behind it is built once per
 * file and dump and lives until the next dump. */
const char *c5dump_obj_name(const c5dump_ctx *x, c5_file *f, uint64_t addr, int *kind);

/* dump_refs.c: a region reference's selection (the bytes after the object
 * address in its global heap object), decoded as libhdf5 lists it: points
 * in stored order, or blocks (first and last index per dimension) in span
 * tree order. c is malloc'd (free it). Returns 0, or -1 when malformed. */
enum { C5DUMP_SEL_NONE = 0, C5DUMP_SEL_POINTS = 1, C5DUMP_SEL_HYPER = 2, C5DUMP_SEL_ALL = 3 };
typedef struct c5dump_region {
    int type;
    unsigned rank;
    uint64_t n;  /* points or blocks */
    uint64_t *c; /* points: n * rank; blocks: n * 2 * rank */
} c5dump_region;
int c5dump_region_decode(const uint8_t *p, size_t n, c5dump_region *rg);

/* dump_util.c: a growable, always NUL-terminated string, and the
 * out-of-memory exit (h5dump's message, status 1). */
typedef struct c5sb {
    char *p;
    size_t n, cap;
} c5sb;
void c5sb_putn(c5sb *b, const char *s, size_t n);
void c5sb_puts(c5sb *b, const char *s);
void c5sb_printf(c5sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void c5sb_reset(c5sb *b);
void c5dump_oom(void)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* Indentation: h5dump indents 3 spaces per level. */
void c5dump_indent(c5dump_ctx *x, int indent);

/* ---- dataset subsets (dump_subset.c) ------------------------------------
 * h5dump's struct subset_t: START, STRIDE, COUNT and BLOCK as given with a
 * -d (-s/-S/-c/-k, or "PATH[START;STRIDE;COUNT;BLOCK]"). */
typedef struct c5dump_list {
    int set;                  /* h5dump has the list (given, or defaulted) */
    unsigned len;             /* values in it (may pass C5_MAX_RANK) */
    uint64_t v[C5_MAX_RANK];  /* the first values */
} c5dump_list;
typedef struct c5dump_subset {
    c5dump_list l[4];         /* start, stride, count, block */
} c5dump_subset;

/* One list as h5dump's parse_hsize_list reads it (replacing l). */
void c5dump_list_parse(c5dump_list *l, const char *s);
/* "PATH[...]": cuts path at its last '[' and parses the lists after it
 * into s. Returns 1, or 0 (s untouched) when path has no '['. */
int c5dump_subset_compact(c5dump_subset *s, char *path);
/* What handle_datasets does with the subset of a dataset of rank ndims
 * (0 for scalar and null): fills the lists not given with the defaults
 * (kept in s, as h5dump keeps them) and checks it. Returns 0; -1 with
 * h5dump's error text in msg (without "h5dump error: "); or -2 with the
 * reason cfive cannot reproduce what h5dump does. */
int c5dump_subset_check(c5dump_subset *s, int ndims, char *msg, size_t n);
/* All of the above for the subset s of dataset ds, before anything of
 * it prints, and (display: its data is to be printed) whether cfive can
 * print what h5dump prints (see c5dump_rows_init). Returns 0, -1 (h5dump's
 * error text in msg) or -2 (why cfive refuses, in msg). */
int c5dump_subset_prepare(c5dump_subset *s, c5_object *ds, int display, char *msg, size_t n);
/* The SUBSET header line of list w (0..3), "START ( 1, 2 );", for an
 * object of rank ndims (< 0: not a dataset). -1 when a value cannot be
 * known (see c5dump_rows_init). */
int c5dump_subset_text(c5sb *b, const c5dump_subset *s, int w, int ndims);

/* The rows h5dump prints a subset in, one by one (see dump_subset.c). */
enum {
    C5DUMP_ROW_END = 0,
    C5DUMP_ROW_DATA,     /* a row to read and print */
    C5DUMP_ROW_STRIDE0,  /* print calls end: a zero stride (mult of them) */
    C5DUMP_ROW_EMPTY,    /* print calls end: nothing selected */
    C5DUMP_ROW_OUTSIDE,  /* print calls end: the row lies outside the extent */
    C5DUMP_ROW_READFAIL  /* the caller's read failed (for c5dump_diag_event) */
};
typedef struct c5dump_rows {
    /* the current row (after C5DUMP_ROW_DATA): a hyperslab of rank dims */
    int rank;
    uint64_t start[C5_MAX_RANK], stride[C5_MAX_RANK], count[C5_MAX_RANK], block[C5_MAX_RANK];
    uint64_t npoints; /* its elements */
    uint64_t sm_pos;  /* C-order index of its first element */
    int last;         /* the last row of its print call: no "," at its end */
    uint64_t mult;    /* how many print calls a failure event stands for */
    /* private */
    uint64_t dims[C5_MAX_RANK], lst[4][C5_MAX_RANK], n[C5_MAX_RANK];
    uint64_t calls, rows_per_call, rows_left, row_counter, row_pos, row_stride;
    int row_dim, in_call, konst;
} c5dump_rows;
/* Starts the walk over a simple dataspace (rank >= 1). Returns -1 with
 * the reason in msg where cfive cannot reproduce h5dump (a scalar space,
 * lists h5dump reads past, coordinates wrapping past 2^64). */
int c5dump_rows_init(c5dump_rows *it, const c5dump_subset *s, const c5_space *sp, char *msg,
                     size_t n);
/* The next event: C5DUMP_ROW_END, C5DUMP_ROW_DATA or a failure. */
int c5dump_rows_next(c5dump_rows *it);
/* Reading the current row failed: its print call ends, as in h5dump. */
void c5dump_rows_fail(c5dump_rows *it);

/* The current row in pieces of at most max elements (at least one), each
 * a hyperslab whose elements are the next ones of the row in C order. */
typedef struct c5dump_pieces {
    int rank, full, done;
    uint64_t max, part;
    uint64_t s[C5_MAX_RANK], t[C5_MAX_RANK], c[C5_MAX_RANK], k[C5_MAX_RANK], e[C5_MAX_RANK];
    uint64_t idx[C5_MAX_RANK];
    uint64_t ps[C5_MAX_RANK], pt[C5_MAX_RANK], pc[C5_MAX_RANK], pk[C5_MAX_RANK];
} c5dump_pieces;
void c5dump_pieces_init(c5dump_pieces *p, const c5dump_rows *it, uint64_t max);
/* 1 with the next piece in h (pointing into p) and its element count, or
 * 0 when the row is done. */
int c5dump_pieces_next(c5dump_pieces *p, c5_hyperslab *h, uint64_t *nel);

/* -E: h5dump's error reports for subset rows that end a print call:
 * libhdf5's stack at once, the tools' own stack (its first 32 entries,
 * newest first) at exit. */
typedef struct c5dump_diag {
    int on;
    unsigned n;
    unsigned char ev[32];
} c5dump_diag;
void c5dump_diag_event(c5dump_diag *g, int ev, uint64_t mult);
void c5dump_diag_print(c5dump_diag *g);

#endif
