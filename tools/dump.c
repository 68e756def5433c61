/* cfive dump: h5dump (libhdf5 1.10.8) for cfive. Without -b the file is
 * printed as text, byte for byte as h5dump prints it (tools/dump_text.c and
 * the modules it calls; the options are parsed here, as h5dump parses
 * them). With -b, datasets are exported in binary, as
 *
 *     h5dump -d PATH [-d PATH...] -b [LE|BE|NATIVE|FILE] -o OUT FILE
 *
 * The elements of each dataset are written to OUT in C
 * order, one dataset after the other, and stdout gets the same header
 * h5dump prints at the same time (DATASET, DATATYPE, DATASPACE and an
 * empty DATA block).
 *
 * What is written, by -b form and type class:
 *   integer (1, 2, 4, 8 bytes), float (4, 8 bytes), bitfield:
 *       converted to the standard type of that size in the requested byte
 *       order, exactly what h5dump writes (the library converts values, so
 *       odd precisions and non-IEEE layouts come out as h5dump has them).
 *   everything else of fixed size (float16, odd-sized integers, enum,
 *   compound, array, fixed string, opaque):
 *       h5dump -b LE/BE writes nothing for these; cfive writes the file
 *       type's element layout with every numeric field (compound members
 *       at their file offsets, array elements, an enum's base integer)
 *       in the requested byte order. Strings and opaque bytes are copied.
 *   variable-length data and references:
 *       refused with an error (exit status 1).
 * NATIVE is the host byte order (h5dump would also widen float16 to float
 * and re-align compounds to the C layout; cfive keeps the file layout).
 * FILE writes the stored bytes unchanged. -b without a form is NATIVE.
 *
 * Datasets are streamed in hyperslab slabs of about DUMP_SLAB_BYTES, so
 * memory stays bounded whatever the dataset size.
 *
 * A -d may carry a subset (-s/-S/-c/-k after it, or PATH[...]; see
 * tools/dump_subset.c): the text dump and the binary export then hold the
 * selected elements only, in h5dump's row order.
 *
 * Failures reproduce h5dump's messages and status: an unopenable file
 * ("h5dump error: unable to open file"), a missing object ("unable to get
 * link info from"), a group or named datatype ("is a hard link"); a soft
 * or external link that does not lead to a dataset prints its SOFTLINK /
 * EXTERNAL_LINK block instead. Later -d options are still processed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "tools.h"

/* Bytes read per hyperslab while streaming a dataset (overridable so a
 * test build can force many small slabs). */
#ifndef DUMP_SLAB_BYTES
#define DUMP_SLAB_BYTES ((size_t)16 << 20)
#endif
/* Nesting bound for type walks (compounds of arrays of compounds...). */
#define DUMP_MAX_TYPE_DEPTH 64

typedef enum { BIN_NATIVE, BIN_LE, BIN_BE, BIN_FILE } bin_form;

typedef struct dump_args {
    const char **dsets;
    size_t ndsets;
    int binary;          /* -b seen */
    bin_form form;
    const char *outpath; /* -o */
    const char *file;    /* the file of a binary export */
    char **files;        /* FILE... */
    int nfiles;
    c5dump_opts text;    /* everything else (text mode) */
    int no_compact;      /* -C: '[' is part of dataset names */
    int last_was_dset;   /* h5dump's flag: -s/-S/-c/-k may follow */
    int subset_run;      /* the last option was one of -s/-S/-c/-k */
    c5dump_diag diag;    /* -E */
} dump_args;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cfive dump [OPTIONS] FILE...\n"
            "  Prints FILE as h5dump does (text), or exports datasets in binary with -b.\n"
            "  -h, --help           Print this message and exit\n"
            "  -V, --version        Print the version and exit\n"
            "  -H, --header         Print the header only; no data\n"
            "  -A, --onlyattr       Print the header and the data of attributes only\n"
            "                       (-A 0: everything but attributes)\n"
            "  -p, --properties     Print storage layout, filters and fill value\n"
            "  -B, --superblock     Print the super block\n"
            "  -n, --contents       List the objects (-n 1: with attributes)\n"
            "  -d P, --dataset=P    Print the dataset P (repeatable); P[START;STRIDE;COUNT;BLOCK]\n"
            "                       prints a subset of it\n"
            "  -s L, --start=L      Subset of the -d just before: first index per dimension\n"
            "  -S L, --stride=L     ... step between blocks (default 1)\n"
            "  -c L, --count=L      ... number of blocks (default 1)\n"
            "  -k L, --block=L      ... block size (default 1); L: numbers, comma separated\n"
            "  -C, --no-compact-subset  '[' is part of the -d names that follow\n"
            "  -E, --enable-error-stack Report rows of a subset that print nothing\n"
            "  -g P, --group=P      Print the group P and all members\n"
            "  -a P, --attribute=P  Print the attribute P (escape '/' in its name as '\\/')\n"
            "  -t P, --datatype=P   Print the named datatype P\n"
            "  -l P, --soft-link=P  Print the soft link P\n"
            "  -y, --noindex        No array indices before the data\n"
            "  -r, --string         Print 1-byte integer arrays as ASCII\n"
            "  -w N, --width=N      Columns of output (0: 65535; default 80)\n"
            "  -b B, --binary=B     Binary export of the -d datasets: LE, BE, NATIVE\n"
            "                       (default) or FILE; needs -o\n"
            "  -o F, --output=F     File receiving the binary data\n");
}

static int parse_form(const char *s, bin_form *out)
{
    static const struct { const char *name; bin_form form; } forms[] = {
        {"LE", BIN_LE}, {"BE", BIN_BE}, {"NATIVE", BIN_NATIVE}, {"MEMORY", BIN_NATIVE},
        {"FILE", BIN_FILE}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (strcmp(s, forms[i].name) == 0) {
            *out = forms[i].form;
            return 0;
        }
    return -1;
}

/* h5dump's options: short letter, long name, and whether a value is
 * required (':'), optional ('*', only as the next word, which must not be
 * the last word or start with '-') or absent (' '). */
typedef struct optdef {
    char c;
    const char *name;
    char arg;
} optdef;

static const optdef optdefs[] = {
    {'a', "attribute", ':'}, {'b', "binary", '*'}, {'c', "count", ':'}, {'d', "dataset", ':'},
    {'e', "escape", ' '}, {'f', "filedriver", ':'}, {'g', "group", ':'}, {'h', "help", ' '},
    {'i', "object-ids", ' '}, {'k', "block", ':'}, {'l', "soft-link", ':'}, {'m', "format", ':'},
    {'n', "contents", '*'}, {'o', "output", '*'}, {'p', "properties", ' '}, {'q', "sort_by", ':'},
    {'r', "string", ' '}, {'s', "start", ':'}, {'t', "datatype", ':'}, {'u', "use-dtd", ' '},
    {'v', "vds-view-first-missing", ' '}, {'w', "width", ':'}, {'x', "xml", ' '},
    {'y', "noindex", ' '}, {'z', "sort_order", ':'}, {'A', "onlyattr", '*'},
    {'B', "superblock", ' '}, {'B', "boot-block", ' '}, {'C', "no-compact-subset", ' '},
    {'D', "xml-dtd", ':'}, {'E', "enable-error-stack", '*'}, {'F', "form", ':'},
    {'G', "vds-gap-size", ':'}, {'H', "header", ' '}, {'M', "packed-bits", ':'},
    {'N', "any_path", ':'}, {'O', "ddl", '*'}, {'R', "region", ' '}, {'S', "stride", ':'},
    {'V', "version", ' '}, {'X', "xml-ns", ':'}};

static const optdef *find_short(char c)
{
    for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++)
        if (optdefs[i].c == c)
            return &optdefs[i];
    return NULL;
}

static const optdef *find_long(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++)
        if (strlen(optdefs[i].name) == n && strncmp(optdefs[i].name, name, n) == 0)
            return &optdefs[i];
    return NULL;
}

/* The subset of the last -d (made on first use). */
static c5dump_subset *last_subset(dump_args *a)
{
    c5dump_opts *o = &a->text;
    int i = o->nsel - 1;
    if (!o->sel_subset[i]) {
        o->sel_subset[i] = calloc(1, sizeof *o->sel_subset[i]);
        if (!o->sel_subset[i])
            c5dump_oom();
    }
    return o->sel_subset[i];
}

/* Applies one option. Returns 0 to go on, otherwise 1 + the exit status. */
static int apply_opt(dump_args *a, char c, char *v, const char *spelled)
{
    c5dump_opts *o = &a->text;
    /* h5dump reads -s/-S/-c/-k after a -d in one run; whatever follows
     * the run, they no longer attach to that -d */
    if (a->subset_run && c != 's' && c != 'S' && c != 'c' && c != 'k') {
        a->subset_run = 0;
        a->last_was_dset = 0;
    }
    switch (c) {
    case 's': case 'S': case 'c': case 'k': {
        if (!a->last_was_dset) {
            fprintf(stderr, "h5dump error: option \"-%c\" can only be used after --dataset option\n",
                    c);
            return 2;
        }
        int w = c == 's' ? 0 : c == 'S' ? 1 : c == 'c' ? 2 : 3;
        c5dump_list_parse(&last_subset(a)->l[w], v);
        a->subset_run = 1;
        return 0;
    }
    case 'h':
        usage(stdout);
        return 1;
    case 'V':
        printf("cfive dump: Version %d.%d.%d\n", C5_VERSION_MAJOR, C5_VERSION_MINOR,
               C5_VERSION_PATCH);
        return 1;
    case 'd': case 'g': case 'a': case 't': case 'l':
        if (!v || !v[0])
            goto bad;
        if (o->nsel >= C5DUMP_MAX_SEL) {
            fprintf(stderr, "cfive dump: at most %d objects can be named\n", C5DUMP_MAX_SEL);
            return 2;
        }
        o->sel_kind[o->nsel] = c;
        o->sel_path[o->nsel++] = v;
        a->last_was_dset = c == 'd';
        if (c == 'd' && !a->no_compact && strchr(v, '[')) {
            /* h5dump reads "path[start;stride;count;block]" as a subset
             * of path (unless -C came before) */
            c5dump_subset_compact(last_subset(a), v);
        }
        if (c == 'd')
            a->dsets[a->ndsets++] = v;
        return 0;
    case 'o':
        if (!v || !v[0])
            goto bad;
        a->outpath = v;
        a->last_was_dset = 0;
        return 0;
    case 'b':
        if (a->outpath)
            a->last_was_dset = 0;
        a->binary = 1;
        a->form = BIN_NATIVE;
        if (v && parse_form(v, &a->form) != 0)
            goto bad;
        return 0;
    case 'H':
        o->header_only = 1;
        o->only_attr = 0;
        a->last_was_dset = 0;
        return 0;
    case 'A':
        /* "-A 0" keeps the data and drops the attributes */
        if (v) {
            if (atoi(v) == 0)
                o->only_attr = -1;
        } else {
            o->only_attr = 1;
            o->header_only = 0;
            a->last_was_dset = 0;
        }
        return 0;
    case 'p':
        o->props = 1;
        return 0;
    case 'B':
        o->superblock = 1;
        a->last_was_dset = 0;
        return 0;
    case 'n':
        o->contents = v && atoi(v) > 0 ? 2 : 1;
        a->last_was_dset = 0;
        return 0;
    case 'y':
        o->noindex = 1;
        return 0;
    case 'r':
        o->string = 1;
        return 0;
    case 'w': {
        if (!v)
            goto bad;
        int w = atoi(v);
        o->width = w > 0 ? w : 65535;
        a->last_was_dset = 0;
        return 0;
    }
    case 'C':
        a->no_compact = 1;
        return 0;
    case 'E':
        /* only the reports of subset rows are reproduced (c5dump_diag) */
        a->diag.on = v ? atoi(v) > 0 : 1;
        return 0;
    default:
        fprintf(stderr, "cfive dump: option '%s' is not supported\n", spelled);
        return 2;
    }
bad:
    fprintf(stderr, "cfive dump: bad option '%s'\n", spelled);
    usage(stderr);
    return 2;
}

/* Parses the command line the way h5dump's H5_get_option does (short
 * options may be grouped; long ones are matched whole). Returns 0 to go
 * on, otherwise 1 + the exit status. */
static int parse_args(int argc, char **argv, dump_args *a)
{
    a->dsets = calloc((size_t)argc, sizeof *a->dsets);
    if (!a->dsets) {
        fprintf(stderr, "cfive dump: out of memory\n");
        return 2;
    }
    if (argc <= 1) {
        usage(stdout);
        return 2;
    }
    int i = 1;
    while (i < argc) {
        const char *s = argv[i];
        if (s[0] != '-' || s[1] == '\0')
            break;
        if (strcmp(s, "--") == 0) {
            i++;
            break;
        }
        int st;
        if (s[1] == '-') {
            char *name = argv[i] + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            const optdef *d = find_long(name, n);
            char *v = eq ? eq + 1 : NULL;
            i++;
            if (!d || (d->arg == ' ' && v))
                goto unknown;
            if (d->arg == ':' && !v && i < argc && argv[i][0] != '-')
                v = argv[i++];
            if (d->arg == ':' && !v)
                goto unknown;
            if ((st = apply_opt(a, d->c, v, s)) != 0)
                return st;
            continue;
        }
        /* a group of short options */
        size_t k = 1;
        for (;;) {
            char c = s[k];
            const optdef *d = find_short(c);
            char spelled[3] = {'-', c, '\0'};
            if (!d)
                goto unknown;
            char *v = NULL;
            if (d->arg == ':') {
                if (s[k + 1])
                    v = argv[i] + k + 1;
                else if (i + 1 < argc)
                    v = argv[++i];
                else
                    goto unknown;
                i++;
            } else if (d->arg == '*') {
                /* h5dump ignores a value glued to the letter; cfive takes
                 * a binary form spelled so ("-bLE"), as it always did. */
                if (c == 'b' && s[k + 1])
                    v = argv[i] + k + 1;
                i++;
                if (!v && i + 1 < argc && argv[i][0] != '-')
                    v = argv[i++];
            } else if (s[k + 1]) {
                if ((st = apply_opt(a, c, NULL, spelled)) != 0)
                    return st;
                k++;
                continue;
            } else {
                i++;
            }
            if ((st = apply_opt(a, c, v, spelled)) != 0)
                return st;
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "h5dump error: missing file name\n");
        usage(stdout);
        return 2;
    }
    a->files = argv + i;
    a->nfiles = argc - i;
    a->file = argv[i];
    return 0;
unknown:
    fprintf(stderr, "cfive dump: unknown or incomplete option '%s'\n", argv[i < argc ? i : argc - 1]);
    usage(stdout);
    return 2;
}

/* ---- datatypes ------------------------------------------------------------ */

static c5_byteorder host_order(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b ? C5_ORDER_LE : C5_ORDER_BE;
}

/* Why t cannot be exported as bytes (NULL when it can): variable-length
 * data lives in the global heap and references name file addresses, so
 * neither has a byte layout that means anything outside the file. */
static const char *unexportable(const c5_type *t, int depth)
{
    if (!t || depth > DUMP_MAX_TYPE_DEPTH)
        return "a datatype nested too deeply";
    if (c5_type_is_vlstring(t))
        return "variable-length strings";
    switch (c5_type_class(t)) {
    case C5_CLASS_VLEN:
        return "variable-length data";
    case C5_CLASS_REFERENCE:
        return "references";
    case C5_CLASS_ENUM:
    case C5_CLASS_ARRAY:
        return unexportable(c5_type_base(t), depth + 1);
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < c5_type_nmembers(t); i++) {
            const char *why = unexportable(c5_type_member_type(t, i), depth + 1);
            if (why)
                return why;
        }
        return NULL;
    default:
        return NULL;
    }
}

static uint64_t array_count(const c5_type *t)
{
    uint64_t dims[C5_MAX_RANK];
    int r = c5_type_array_dims(t, dims, C5_MAX_RANK);
    uint64_t n = 1;
    for (int i = 0; i < r; i++)
        n *= dims[i];
    return r < 0 ? 0 : n;
}

/* Bring every numeric field of n elements (stride bytes apart) of type t
 * to byte order want, in place. Strings, opaque bytes and padding stay. */
static void swap_fields(const c5_type *t, uint8_t *p, size_t n, size_t stride,
                        c5_byteorder want, int depth)
{
    if (depth > DUMP_MAX_TYPE_DEPTH)
        return;
    switch (c5_type_class(t)) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_FLOAT:
    case C5_CLASS_BITFIELD:
    case C5_CLASS_TIME: {
        size_t size = c5_type_size(t);
        c5_byteorder o = c5_type_order(t);
        if (size < 2 || o == want || (o != C5_ORDER_LE && o != C5_ORDER_BE))
            return;
        for (size_t e = 0; e < n; e++, p += stride)
            for (size_t lo = 0, hi = size - 1; lo < hi; lo++, hi--) {
                uint8_t x = p[lo];
                p[lo] = p[hi];
                p[hi] = x;
            }
        return;
    }
    case C5_CLASS_ENUM:
        swap_fields(c5_type_base(t), p, n, stride, want, depth + 1);
        return;
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < c5_type_nmembers(t); i++)
            swap_fields(c5_type_member_type(t, i), p + c5_type_member_offset(t, i), n, stride,
                        want, depth + 1);
        return;
    case C5_CLASS_ARRAY: {
        const c5_type *base = c5_type_base(t);
        uint64_t cnt = array_count(t);
        for (size_t e = 0; e < n; e++, p += stride)
            swap_fields(base, p, (size_t)cnt, c5_type_size(base), want, depth + 1);
        return;
    }
    default:
        return;
    }
}

static int std_size(size_t size) { return size == 1 || size == 2 || size == 4 || size == 8; }

/* ---- data ------------------------------------------------------------------ */

typedef struct exporter {
    c5_object *ds;
    const c5_type *ftype;
    const c5_type *mem;  /* conversion done by the library, or NULL */
    int swap;            /* raw bytes, then swap_fields to want */
    c5_byteorder want;
    size_t esz;          /* bytes per element written */
    FILE *out;
    const char *outpath;
    const char *path;
} exporter;

static int write_out(const exporter *x, const void *buf, size_t n)
{
    if (n && fwrite(buf, 1, n, x->out) != n) {
        fprintf(stderr, "cfive dump: %s: %s\n", x->outpath, strerror(errno));
        return -1;
    }
    return 0;
}

/* The file's detailed message when it is about this failure (it starts
 * with the code's name; an older message may still be there otherwise). */
static const char *errtext(const c5_file *f, int rc)
{
    const char *code = c5_strerror(rc), *msg = c5_errmsg(f);
    return msg && strncmp(msg, code, strlen(code)) == 0 ? msg : code;
}

static int read_fail(const exporter *x, int rc)
{
    fprintf(stderr, "cfive dump: unable to read dataset \"%s\": %s\n", x->path,
            errtext(c5_object_file(x->ds), rc));
    return -1;
}

static int read_slab(const exporter *x, const c5_hyperslab *sel, uint8_t *buf, size_t n)
{
    int rc = c5_dataset_read(x->ds, x->mem, sel, buf, n * x->esz);
    if (rc)
        return read_fail(x, rc);
    if (x->swap)
        swap_fields(x->ftype, buf, n, x->esz, x->want, 0);
    return write_out(x, buf, n * x->esz);
}

/* Streams the whole extent in C order. The slab is a run of whole
 * "rows" below dimension k (everything after k fits in the budget), with
 * the dimensions before k walked one index at a time. */
static int export_data(const exporter *x, const c5_space *sp)
{
    if (sp->cls == C5_SPACE_NULL || x->esz == 0)
        return 0;
    if (sp->cls == C5_SPACE_SCALAR || sp->rank == 0) {
        uint8_t *buf = malloc(x->esz);
        if (!buf) {
            fprintf(stderr, "cfive dump: out of memory\n");
            return -1;
        }
        int rc = read_slab(x, NULL, buf, 1);
        free(buf);
        return rc;
    }
    int r = sp->rank;
    for (int d = 0; d < r; d++)
        if (sp->dims[d] == 0)
            return 0;
    /* inner: bytes of one index of dimension k (all later dims whole). */
    size_t inner = x->esz;
    int k = r - 1;
    while (k > 0 && sp->dims[k] <= DUMP_SLAB_BYTES / inner) {
        inner *= (size_t)sp->dims[k];
        k--;
    }
    uint64_t m = DUMP_SLAB_BYTES / inner;
    if (m < 1)
        m = 1;
    if (m > sp->dims[k])
        m = sp->dims[k];
    uint8_t *buf = malloc((size_t)m * inner);
    if (!buf) {
        fprintf(stderr, "cfive dump: out of memory\n");
        return -1;
    }
    uint64_t start[C5_MAX_RANK] = {0}, count[C5_MAX_RANK];
    for (int d = 0; d < r; d++)
        count[d] = d < k ? 1 : sp->dims[d];
    size_t per_index = inner / x->esz;
    int rc = 0;
    for (;;) {
        for (uint64_t j = 0; j < sp->dims[k] && rc == 0; j += m) {
            uint64_t n = sp->dims[k] - j < m ? sp->dims[k] - j : m;
            start[k] = j;
            count[k] = n;
            c5_hyperslab sel = {r, start, NULL, count, NULL};
            rc = read_slab(x, &sel, buf, (size_t)n * per_index);
        }
        if (rc)
            break;
        /* Odometer over the dimensions before k. */
        int d = k - 1;
        while (d >= 0 && ++start[d] == sp->dims[d])
            start[d--] = 0;
        if (d < 0)
            break;
    }
    free(buf);
    return rc;
}

/* Where a binary export goes, and what of the dataset. */
typedef struct bin_target {
    bin_form form;
    FILE *out;
    const char *outpath;
    const c5dump_subset *ss; /* the -d subset (checked), or NULL */
    c5dump_diag *diag;
} bin_target;

/* Streams a subset in h5dump's row order (see tools/dump_subset.c). A row
 * that cannot be read ends its print call silently, as in h5dump. */
static int export_subset(const exporter *x, const c5_space *sp, const bin_target *tg)
{
    if (sp->cls == C5_SPACE_NULL || x->esz == 0)
        return 0;
    c5dump_rows it;
    char msg[256];
    if (c5dump_rows_init(&it, tg->ss, sp, msg, sizeof msg) != 0) {
        fprintf(stderr, "cfive dump: dataset \"%s\": %s", x->path, msg);
        return -1;
    }
    uint64_t max = DUMP_SLAB_BYTES / x->esz;
    if (max < 1)
        max = 1;
    uint8_t *buf = NULL;
    size_t cap = 0;
    int ev, rc = 0;
    while (rc == 0 && (ev = c5dump_rows_next(&it)) != C5DUMP_ROW_END) {
        if (ev != C5DUMP_ROW_DATA) {
            c5dump_diag_event(tg->diag, ev, it.mult);
            continue;
        }
        c5dump_pieces pc;
        c5dump_pieces_init(&pc, &it, max);
        c5_hyperslab h;
        uint64_t n;
        while (rc == 0 && c5dump_pieces_next(&pc, &h, &n)) {
            size_t bytes = (size_t)n * x->esz; /* n * esz <= DUMP_SLAB_BYTES */
            if (bytes > cap) {
                uint8_t *nb = realloc(buf, bytes);
                if (!nb) {
                    fprintf(stderr, "cfive dump: out of memory\n");
                    rc = -1;
                    break;
                }
                buf = nb;
                cap = bytes;
            }
            if (c5_dataset_read(x->ds, x->mem, &h, buf, bytes) != 0) {
                c5dump_rows_fail(&it);
                c5dump_diag_event(tg->diag, C5DUMP_ROW_READFAIL, 1);
                break;
            }
            if (x->swap)
                swap_fields(x->ftype, buf, (size_t)n, x->esz, x->want, 0);
            rc = write_out(x, buf, bytes);
        }
    }
    free(buf);
    return rc;
}

/* Sets up the conversion for one dataset and writes its elements. */
static int export_dataset(c5_object *ds, const char *path, const c5_type *ft, const c5_space *sp,
                          const bin_target *tg)
{
    bin_form form = tg->form;
    exporter x = {ds, ft, NULL, 0, C5_ORDER_LE, c5_type_size(ft), tg->out, tg->outpath, path};
    const char *why = unexportable(ft, 0);
    if (why) {
        fprintf(stderr, "cfive dump: dataset \"%s\": binary export of %s is not supported\n",
                path, why);
        return -1;
    }
    if (form == BIN_FILE)
        return tg->ss ? export_subset(&x, sp, tg) : export_data(&x, sp);
    x.want = form == BIN_LE ? C5_ORDER_LE : form == BIN_BE ? C5_ORDER_BE : host_order();
    c5_type *mem = NULL;
    c5_typeclass cls = c5_type_class(ft);
    int rc = 0;
    /* The types h5dump exports go through the library's conversion to the
     * standard type of the same size, as h5dump's H5Dread does. */
    if (cls == C5_CLASS_INTEGER && std_size(x.esz))
        rc = c5_type_integer(&mem, x.esz, c5_type_is_signed(ft), x.want);
    else if (cls == C5_CLASS_FLOAT && (x.esz == 4 || x.esz == 8))
        rc = c5_type_float(&mem, x.esz, x.want);
    else
        x.swap = 1;
    if (rc) {
        fprintf(stderr, "cfive dump: dataset \"%s\": %s\n", path, c5_strerror(rc));
        return -1;
    }
    x.mem = mem;
    rc = tg->ss ? export_subset(&x, sp, tg) : export_data(&x, sp);
    c5_type_close(mem);
    return rc;
}

/* ---- objects --------------------------------------------------------------- */

typedef struct link_copy {
    int found;
    int type;
    char *target;
    char *target_file;
} link_copy;

static int copy_link(void *ud, const c5_link *l)
{
    link_copy *c = ud;
    c->found = 1;
    c->type = l->type;
    c->target = l->target ? strdup(l->target) : NULL;
    c->target_file = l->target_file ? strdup(l->target_file) : NULL;
    return 0;
}

/* Dumps one -d argument. Returns 0, or 1 for an error h5dump also counts. */
static int dump_one(c5_file *f, c5_object *root, c5dump_bhead *bh, const char *path,
                    c5dump_subset *ss, dump_args *a, FILE *out)
{
    bin_form form = a->form;
    const char *outpath = a->outpath;
    link_copy lk = {0, 0, NULL, NULL};
    /* "/" has no link; h5dump resolves it like any dataset path. */
    int is_root = strspn(path, "/") == strlen(path);
    if (!is_root && (c5_link_lookup(root, path, copy_link, &lk) != 0 || !lk.found)) {
        fprintf(stderr, "h5dump error: unable to get link info from \"%s\"\n", path);
        return 1;
    }
    c5_object *ds = NULL;
    int rc = c5_object_open(&ds, f, path);
    int status = 0;
    if (rc == 0 && c5_object_kind(ds) == C5_OBJ_DATASET) {
        c5_space sp;
        c5_type *ft = NULL;
        rc = c5_dataset_space(&sp, ds);
        if (rc == 0)
            rc = c5_object_type(&ft, ds);
        char msg[320];
        int nd = sp.cls == C5_SPACE_SIMPLE ? sp.rank : 0, chk = 0;
        if (rc == 0 && ss)
            chk = c5dump_subset_prepare(ss, ds, 1, msg, sizeof msg);
        if (rc) {
            fprintf(stderr, "cfive dump: dataset \"%s\": %s\n", path,
                    errtext(c5_object_file(ds), rc));
            status = 1;
        } else if (chk) {
            fflush(stdout);
            fprintf(stderr, chk == -1 ? "h5dump error: %s%s" : "cfive dump: dataset \"%s\": %s",
                    chk == -1 ? "" : path, msg);
            status = 1;
        } else {
            c5dump_bhead_print(bh, ds, path, ft, &sp);
            const char *ind = "   ";
            if (ss) {
                c5sb b = {0};
                fputs("   SUBSET {\n", stdout);
                for (int w = 0; w < 4; w++) {
                    c5sb_reset(&b);
                    c5dump_subset_text(&b, ss, w, nd);
                    printf("      %s\n", b.p);
                }
                free(b.p);
                ind = "      ";
            }
            printf("%sDATA {\n", ind);
            fflush(stdout);
            bin_target tg = {form, out, outpath, ss, &a->diag};
            if (export_dataset(ds, path, ft, &sp, &tg) != 0)
                status = 1;
            printf("%s}\n", ind);
            if (ss)
                fputs("   }\n", stdout);
            fputs("}\n", stdout);
        }
        c5_type_close(ft);
    } else if (lk.type == C5_LINK_SOFT) {
        printf("SOFTLINK \"%s\" {\n   LINKTARGET \"%s\"\n}\n", path, lk.target ? lk.target : "");
    } else if (lk.type == C5_LINK_EXTERNAL) {
        printf("EXTERNAL_LINK \"%s\" {\n   TARGETFILE \"%s\"\n   TARGETPATH \"%s\"\n}\n", path,
               lk.target_file ? lk.target_file : "", lk.target ? lk.target : "");
    } else if (rc == 0) {
        fprintf(stderr, "h5dump error: \"%s\" is a hard link\n", path);
        status = 1;
    } else {
        fprintf(stderr, "cfive dump: unable to open \"%s\": %s\n", path, errtext(f, rc));
        status = 1;
    }
    c5_object_close(ds);
    free(lk.target);
    free(lk.target_file);
    return status;
}

/* Text dump of every file, or the binary export; returns the exit status. */
static int run(dump_args *a)
{
    if (!a->binary) {
        if (a->outpath) {
            fprintf(stderr, "cfive dump: -o is only supported with -b\n");
            return 1;
        }
        /* h5dump dumps each file in turn and stops at one that does not
         * open. */
        int status = 0;
        for (int i = 0; i < a->nfiles; i++) {
            c5_file *probe = NULL;
            int opens = c5_file_open(&probe, a->files[i], NULL) == 0;
            c5_file_close(probe);
            a->text.file = a->files[i];
            status |= c5dump_text(&a->text);
            if (!opens)
                break;
        }
        return status;
    }
    if (!a->outpath) {
        fprintf(stderr, "h5dump error: binary output requires a file name, use -o <filename>\n");
        return 1;
    }
    if (a->ndsets == 0) {
        fprintf(stderr, "cfive dump: name the datasets to export with -d\n");
        return 1;
    }
    /* h5dump creates (truncates) the output before it opens the input. */
    FILE *out = fopen(a->outpath, "wb");
    if (!out) {
        fprintf(stderr, "h5dump error: unable to open output file \"%s\"\n", a->outpath);
        return 1;
    }
    c5_file *f = NULL;
    c5_object *root = NULL;
    if (c5_file_open(&f, a->file, NULL) != 0 || c5_object_open(&root, f, "/") != 0) {
        fprintf(stderr, "h5dump error: unable to open file \"%s\"\n", a->file);
        c5_file_close(f);
        fclose(out);
        return 1;
    }
    int status = 0;
    c5dump_bhead *bh = c5dump_bhead_open(f);
    printf("HDF5 \"%s\" {\n", a->file);
    const c5dump_opts *o = &a->text;
    for (int i = 0; i < o->nsel; i++)
        if (o->sel_kind[i] == 'd')
            status |= dump_one(f, root, bh, o->sel_path[i], o->sel_subset[i], a, out);
    printf("}\n");
    c5dump_bhead_close(bh);
    if (fclose(out) != 0) {
        fprintf(stderr, "cfive dump: %s: %s\n", a->outpath, strerror(errno));
        status = 1;
    }
    c5_object_close(root);
    c5_file_close(f);
    return status;
}

int c5tool_dump(int argc, char **argv)
{
    dump_args a = {0};
    int status = parse_args(argc, argv, &a);
    if (status) {
        status--;
    } else {
        a.text.diag = &a.diag;
        status = run(&a);
        /* h5dump prints its own error stack when it exits (-E) */
        c5dump_diag_print(&a.diag);
    }
    for (int i = 0; i < a.text.nsel; i++)
        free(a.text.sel_subset[i]);
    free(a.dsets);
    return status;
}
