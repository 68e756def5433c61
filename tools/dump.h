/* cfive dump in text form (h5dump without -b): the pieces shared by
 * tools/dump.c (options, -b export), tools/dump_text.c (walking the file:
 * groups, datasets, named datatypes, attributes, links, datatypes and
 * dataspaces), tools/dump_data.c (DATA blocks: every value format and
 * h5dump's line wrapping) and tools/dump_props.c (-p storage properties,
 * -B superblock). The goal is byte-identical output to h5dump 1.10.8. */
#ifndef CFIVE_DUMP_H
#define CFIVE_DUMP_H

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
} c5dump_opts;

/* Output state while dumping one file. */
typedef struct c5dump_ctx {
    const c5dump_opts *o;
    FILE *out;
    c5_file *f;
    int width;            /* effective line width */
    int status;           /* exit status so far (h5dump: 0, or 1 after an error) */
    void *seen;           /* visited objects for HARDLINK (dump_text.c) */
} c5dump_ctx;

/* dump_text.c: the whole text dump; returns the exit status. */
int c5dump_text(const c5dump_opts *o);

/* dump_text.c: a datatype as h5dump prints it after "DATATYPE " (or
 * nested inside compound/array/vlen blocks) at indent level `indent`
 * (3 spaces each). Named types print as their path. */
void c5dump_type(c5dump_ctx *x, const c5_type *t, int indent);

/* dump_data.c: the "DATA {" ... "}" block of a dataset (ds) or attribute
 * (a) at indent level `indent`, reading in bounded slabs. Exactly one of
 * ds and a is non-NULL. Returns 0, or -1 after printing h5dump's error
 * text for unreadable data. */
int c5dump_data(c5dump_ctx *x, c5_object *ds, c5_attr *a, int indent);

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

#endif
