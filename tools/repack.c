/* cfive repack: copy an HDF5 file object by object into a new file, in the
 * spirit of h5repack (libhdf5 1.10/1.14):
 *
 *     cfive repack [--latest] [-f FILT]... [-l LAYT]... [-m M] [-v] IN OUT
 *
 * The new file is created with mode "w" in the compatible format (or the
 * latest one with --latest / -L) and receives every group, dataset,
 * committed datatype, attribute and link of IN reachable from its root:
 *   - hard links keep objects shared: the first link to an object creates
 *     it, every later one becomes c5_link_hard to the same new object;
 *   - soft and external links are copied as they are (never followed);
 *     user-defined links cannot be created through the API and are
 *     reported and left out;
 *   - committed datatypes stay committed, and datasets and attributes of a
 *     committed type refer to the new committed type;
 *   - object references (in data and attributes, also inside compounds,
 *     arrays and sequences) are rewritten to the new addresses, region
 *     references are re-made in the new file with the address remapped;
 *     so are the revised references of HDF5 1.12 (object, region and
 *     attribute), whose encoding is kept byte for byte but for the
 *     address; those into other files are kept whole, and those to a
 *     deleted object keep resolving to nothing (1.10 ones become null);
 *   - each dataset keeps its storage, chunk dims, filters, fill value,
 *     allocation and fill time (c5_dataset_get_opts -> c5_dataset_create)
 *     unless -f/-l say otherwise;
 *   - groups that track link creation order are created tracking it and
 *     their links are made in creation order; attributes are written in
 *     the order c5_attr_iterate gives (creation order where known);
 *   - a user block keeps its size and its bytes.
 *
 * Why two passes: an object reference may point at an object that comes
 * later in the walk. Pass 1 creates the whole structure (groups, datasets
 * without data, committed types, links) depth first in link order; pass 2
 * copies attributes and dataset data, when every new address is known.
 * Objects that no link reaches but that something needs (a dataset's
 * anonymous committed type, the target of an object reference) are
 * created under a temporary root link that is deleted right away, which
 * leaves them anonymous as in the source; a later link to the same object
 * then becomes a hard link to it.
 *
 * Data moves in bounded slabs (default 64 MiB of memory form, --slab=N):
 * whole chunks of the new dataset where it is chunked, so the writer gets
 * each chunk once; runs of C-order rows otherwise. Values are read with
 * the dataset's own type as memory type (variable-length strings as
 * char*, sequences as c5_vl) and written with the same type, so nothing
 * is converted. Chunk-aligned slabs that hold only the fill value are not
 * written, which keeps sparse datasets sparse (as h5repack does for
 * unallocated storage).
 *
 * -f and -l follow h5repack's syntax: "[OBJ,OBJ...:]NAME[=PARAMS]". Without
 * an object list an option applies to every dataset. Filters:
 *   GZIP=N (1-9)  SZIP=N,EC|NN  SHUF  FLET  NBIT  SOFF=N,IN|DS  LZF
 *   UD=ID,FLAG,NCD,V1[,V2...]  NONE (remove all filters)
 * Several -f options build one pipeline in the order given; one naming an
 * object replaces the global ones for that object, and the pipeline
 * replaces the dataset's own filters. As in h5repack, filters are not
 * applied to scalar datasets or datasets smaller than -m bytes; adding
 * filters to a dataset that is not chunked chunks it with its dims capped
 * to about 1 MiB per chunk. Layouts: CHUNK=AxBx..., CONTI, COMPA (a
 * dataset whose data exceeds 64512 bytes stays as it is); CONTI and COMPA
 * drop filters and unlimited max dims. When a dataset cannot be created
 * with the requested properties it is created with its own (a warning).
 *
 * Not copied, for want of API: object comments, user-defined links (a
 * warning names each), creation-order tracking of the root group (a
 * warning) and of attributes where the API does not report it (datasets
 * take C5_CREATE_TRACK_ORDER from c5_dataset_get_opts, groups from
 * whether their links iterate in creation order). 1.10 reference types of
 * sizes other than 8 (object) and 12 (region) bytes are refused.
 *
 * Exit status 0 on success; 1 with a message on stderr on any error, in
 * which case OUT is removed.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strdup, stat */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "repack.h"
#include "ref2.h" /* revised references: no public API yet */

/* Target bytes of a chunk made up for a dataset that gets filters. */
#define RP_CHUNK_BYTES ((uint64_t)1 << 20)
/* Largest data h5repack converts to compact layout (64 KiB less room for
 * the header). */
#define RP_MAX_COMPACT 64512u
/* Group nesting bound: the walk recurses on the C stack. */
#define RP_MAX_DEPTH 4096
/* Nesting bound for datatype walks. */
#define RP_MAX_TYPE_DEPTH 64

void *rp_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "cfive repack: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) {
        fprintf(stderr, "cfive repack: out of memory\n");
        exit(1);
    }
    return p;
}

/* The file's detailed message when it is about this failure (it starts
 * with the code's name; an older message may still be there otherwise). */
static const char *errtext(const c5_file *f, int rc)
{
    const char *code = c5_strerror(rc), *msg = f ? c5_errmsg(f) : NULL;
    return msg && strncmp(msg, code, strlen(code)) == 0 ? msg : code;
}

/* Prints "cfive repack: <what>: <library message>" and returns -1. */
static int fail(const c5_file *f, int rc, const char *fmt, ...)
{
    va_list ap;
    fputs("cfive repack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (rc)
        fprintf(stderr, ": %s", errtext(f, rc));
    fputc('\n', stderr);
    return -1;
}

static void warn(const char *fmt, ...)
{
    va_list ap;
    fputs("cfive repack: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- the object map ------------------------------------------------------- */

static size_t slot_of(uint64_t addr, size_t nslots)
{
    return (size_t)((addr * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (nslots - 1);
}

/* Index of the new object made from source address addr, or SIZE_MAX. */
static size_t lookup(const repack *r, uint64_t addr)
{
    if (!r->nslots)
        return SIZE_MAX;
    for (size_t s = slot_of(addr, r->nslots);; s = (s + 1) & (r->nslots - 1)) {
        size_t v = r->slots[s];
        if (!v)
            return SIZE_MAX;
        if (r->ents[v - 1].src == addr)
            return v - 1;
    }
}

static size_t add_entry(repack *r, uint64_t src, c5_objkind kind, c5_object *obj, const char *path)
{
    if (r->nents == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        rp_entry *e = realloc(r->ents, cap * sizeof *e);
        if (!e) {
            fprintf(stderr, "cfive repack: out of memory\n");
            exit(1);
        }
        r->ents = e;
        r->cap = cap;
    }
    /* Keep the table at most half full. */
    if ((r->nents + 1) * 2 > r->nslots) {
        size_t ns = r->nslots ? r->nslots * 2 : 128;
        size_t *slots = rp_xcalloc(ns, sizeof *slots);
        for (size_t i = 0; i < r->nents; i++) {
            size_t s = slot_of(r->ents[i].src, ns);
            while (slots[s])
                s = (s + 1) & (ns - 1);
            slots[s] = i + 1;
        }
        free(r->slots);
        r->slots = slots;
        r->nslots = ns;
    }
    size_t idx = r->nents++;
    r->ents[idx] = (rp_entry){src, kind, obj, xstrdup(path), NULL};
    size_t s = slot_of(src, r->nslots);
    while (r->slots[s])
        s = (s + 1) & (r->nslots - 1);
    r->slots[s] = idx + 1;
    return idx;
}

static void free_entries(repack *r)
{
    for (size_t i = 0; i < r->nents; i++) {
        c5_object_close(r->ents[i].obj);
        free(r->ents[i].path);
        if (r->ents[i].ds)
            free(r->ents[i].ds->fill);
        free(r->ents[i].ds);
    }
    free(r->ents);
    free(r->slots);
    r->ents = NULL;
    r->slots = NULL;
    r->nents = r->cap = r->nslots = 0;
}

static char *join_path(const char *parent, const char *name)
{
    size_t pl = strlen(parent), nl = strlen(name);
    int slash = pl == 0 || parent[pl - 1] != '/';
    char *p = rp_xcalloc(pl + (size_t)slash + nl + 1, 1);
    memcpy(p, parent, pl);
    if (slash)
        p[pl] = '/';
    memcpy(p + pl + (size_t)slash, name, nl + 1);
    return p;
}

/* ---- datatypes ------------------------------------------------------------ */

static int type_has_refs(const c5_type *t, int depth)
{
    if (!t || depth > RP_MAX_TYPE_DEPTH)
        return 0;
    if (c5_type_is_vlstring(t))
        return 0;
    switch (c5_type_class(t)) {
    case C5_CLASS_REFERENCE:
        return 1;
    case C5_CLASS_ARRAY:
    case C5_CLASS_VLEN:
        return type_has_refs(c5_type_base(t), depth + 1);
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < c5_type_nmembers(t); i++)
            if (type_has_refs(c5_type_member_type(t, i), depth + 1))
                return 1;
        return 0;
    default:
        return 0;
    }
}

static int type_has_vlen(const c5_type *t, int depth)
{
    if (!t || depth > RP_MAX_TYPE_DEPTH)
        return 1;
    if (c5_type_is_vlstring(t))
        return 1;
    switch (c5_type_class(t)) {
    case C5_CLASS_VLEN:
        return 1;
    case C5_CLASS_ARRAY:
        return type_has_vlen(c5_type_base(t), depth + 1);
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < c5_type_nmembers(t); i++)
            if (type_has_vlen(c5_type_member_type(t, i), depth + 1))
                return 1;
        return 0;
    default:
        return 0;
    }
}

static int ensure_object(repack *r, uint64_t addr, size_t *idx, int depth);

/* The file type to give the new dataset or attribute whose source type is
 * st: the new committed type when st is committed (created anonymously
 * when no link has reached it yet), else a transient copy. *out is owned
 * by the caller. */
static int file_type_for(repack *r, const c5_type *st, c5_type **out, const char *what)
{
    *out = NULL;
    uint64_t ca = c5_type_committed(st);
    if (ca == UINT64_MAX) {
        int rc = c5_type_copy(out, st);
        return rc ? fail(NULL, rc, "%s: copying its datatype", what) : 0;
    }
    size_t idx;
    if (ensure_object(r, ca, &idx, 0) != 0)
        return fail(NULL, 0, "%s: its committed datatype (at %#" PRIx64 ") cannot be copied", what,
                    ca);
    if (r->ents[idx].kind != C5_OBJ_DATATYPE)
        return fail(NULL, 0, "%s: its committed datatype address %#" PRIx64
                    " names an object that is no datatype", what, ca);
    int rc = c5_object_type(out, r->ents[idx].obj);
    return rc ? fail(r->dst, rc, "%s: reading back the new committed datatype", what) : 0;
}

/* ---- pass 1: structure ----------------------------------------------------- */

typedef struct name_list {
    char **v;
    size_t n, cap;
    int oom;
} name_list;

static int collect_name(void *ud, const char *name)
{
    name_list *L = ud;
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 16;
        char **v = realloc(L->v, cap * sizeof *v);
        if (!v) {
            L->oom = 1;
            return 1;
        }
        L->v = v;
        L->cap = cap;
    }
    if (!(L->v[L->n] = strdup(name))) {
        L->oom = 1;
        return 1;
    }
    L->n++;
    return 0;
}

static int collect_link(void *ud, const c5_link *l)
{
    rp_links *L = ud;
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 16;
        rp_link *v = realloc(L->v, cap * sizeof *v);
        if (!v) {
            L->oom = 1;
            return 1;
        }
        L->v = v;
        L->cap = cap;
    }
    rp_link *k = &L->v[L->n];
    k->name = strdup(l->name ? l->name : "");
    k->type = l->type;
    k->addr = l->addr;
    k->udlen = l->udlen;
    if (l->udlen && l->target) { /* opaque bytes, NULs included */
        if ((k->target = malloc(l->udlen + 1)))
            memcpy(k->target, l->target, l->udlen + 1);
    } else {
        k->target = l->target ? strdup(l->target) : NULL;
    }
    k->target_file = l->target_file ? strdup(l->target_file) : NULL;
    if (!k->name || (l->target && !k->target) || (l->target_file && !k->target_file)) {
        free(k->name);
        free(k->target);
        free(k->target_file);
        L->oom = 1;
        return 1;
    }
    L->n++;
    return 0;
}

static void free_links(rp_links *L)
{
    for (size_t i = 0; i < L->n; i++) {
        free(L->v[i].name);
        free(L->v[i].target);
        free(L->v[i].target_file);
    }
    free(L->v);
    memset(L, 0, sizeof *L);
}

/* The links of g in creation order when g tracks it (*tracked = 1), else
 * in name order. */
static int read_links(c5_object *g, const char *path, rp_links *L, int *tracked)
{
    *tracked = 0;
    int rc = c5_group_iterate(g, C5_ORDER_CREATION, collect_link, L);
    if (rc == 0 && !L->oom) {
        *tracked = 1;
        return 0;
    }
    if (L->oom) {
        free_links(L);
        return fail(NULL, 0, "out of memory");
    }
    free_links(L);
    if (rc == C5_EINVAL)
        rc = c5_group_iterate(g, C5_ORDER_NAME, collect_link, L);
    if (L->oom) {
        free_links(L);
        return fail(NULL, 0, "out of memory");
    }
    if (rc) {
        free_links(L);
        return fail(c5_object_file(g), rc, "reading the links of group \"%s\"", path);
    }
    return 0;
}

static uint64_t space_nelems(const c5_space *sp)
{
    if (sp->cls == C5_SPACE_NULL)
        return 0;
    if (sp->cls == C5_SPACE_SCALAR || sp->rank == 0)
        return 1;
    uint64_t n = 1;
    for (int d = 0; d < sp->rank; d++) {
        if (sp->dims[d] == 0)
            return 0;
        if (n > UINT64_MAX / sp->dims[d])
            return UINT64_MAX;
        n *= sp->dims[d];
    }
    return n;
}

/* Chunk dims for a dataset that needs chunking only to carry filters: the
 * dims themselves, trimmed from the first dimension on to about
 * RP_CHUNK_BYTES (as h5repack's strip-mine chunk). Never 0. */
static void default_chunk(const c5_space *sp, size_t esz, uint64_t *chunk)
{
    uint64_t bytes = esz ? esz : 1;
    for (int d = sp->rank - 1; d >= 0; d--) {
        uint64_t lim = RP_CHUNK_BYTES / bytes;
        uint64_t c = sp->dims[d] < lim ? sp->dims[d] : lim;
        if (c == 0)
            c = 1;
        if (sp->maxdims[d] != C5_UNLIMITED && c > sp->maxdims[d] && sp->maxdims[d] > 0)
            c = sp->maxdims[d];
        chunk[d] = c;
        bytes = bytes > UINT64_MAX / c ? UINT64_MAX : bytes * c;
    }
}

static int spec_matches(const rp_spec *s, const char *path)
{
    while (*path == '/')
        path++;
    for (size_t i = 0; i < s->nobjs; i++)
        if (strcmp(s->objs[i], path) == 0)
            return 1;
    return 0;
}

/* Applies -f / -l to the creation options of the dataset at path.
 * Returns 1 when something changed. */
static int apply_overrides(repack *r, const char *path, c5_space *sp, size_t esz,
                           c5_dataset_opts *o)
{
    int changed = 0;
    /* A virtual dataset is materialised: its data is copied as stored. */
    if (o->storage == C5_STORAGE_VIRTUAL) {
        int ext = 0;
        for (int d = 0; d < sp->rank; d++)
            ext |= sp->maxdims[d] != sp->dims[d];
        o->nfilters = 0;
        o->storage = ext ? C5_STORAGE_CHUNKED : C5_STORAGE_CONTIGUOUS;
        o->chunk_rank = ext ? sp->rank : 0;
        if (ext)
            default_chunk(sp, esz, o->chunk);
        o->alloc_time = C5_ALLOC_DEFAULT;
        changed = 1;
    }
    const rp_spec *lay = NULL, *glay = NULL;
    int per_obj_filters = 0, any_filters = 0;
    for (size_t i = 0; i < r->nspecs; i++) {
        const rp_spec *s = &r->specs[i];
        if (s->is_layout) {
            if (!s->objs)
                glay = s;
            else if (spec_matches(s, path))
                lay = s;
        } else if (s->objs && spec_matches(s, path)) {
            per_obj_filters = 1;
        } else if (!s->objs) {
            any_filters = 1;
        }
    }
    if (!lay)
        lay = glay;
    any_filters |= per_obj_filters;
    uint64_t nel = space_nelems(sp);
    uint64_t bytes = nel > UINT64_MAX / (esz ? esz : 1) ? UINT64_MAX : nel * esz;

    if (lay) {
        if (lay->storage == C5_STORAGE_CHUNKED) {
            if (sp->cls != C5_SPACE_SIMPLE || lay->rank != sp->rank) {
                warn("%s: chunk rank %d does not match the dataset's rank %d; layout kept", path,
                     lay->rank, sp->cls == C5_SPACE_SIMPLE ? sp->rank : 0);
            } else {
                o->storage = C5_STORAGE_CHUNKED;
                o->chunk_rank = lay->rank;
                for (int d = 0; d < lay->rank; d++)
                    o->chunk[d] = lay->chunk[d];
                o->alloc_time = C5_ALLOC_DEFAULT;
                changed = 1;
            }
        } else if (lay->storage == C5_STORAGE_COMPACT && bytes > RP_MAX_COMPACT) {
            warn("%s: %" PRIu64 " bytes of data do not fit compact layout; layout kept", path,
                 bytes);
            lay = NULL;
        } else {
            o->storage = lay->storage;
            o->chunk_rank = 0;
            o->nfilters = 0;
            o->alloc_time = C5_ALLOC_DEFAULT;
            /* Only chunked storage can grow. */
            for (int d = 0; d < sp->rank; d++)
                sp->maxdims[d] = sp->dims[d];
            changed = 1;
        }
    }
    if (!any_filters || sp->cls != C5_SPACE_SIMPLE || bytes < r->min_comp)
        return changed;
    int n = 0;
    c5_filter f[C5_MAX_FILTERS];
    for (size_t i = 0; i < r->nspecs; i++) {
        const rp_spec *s = &r->specs[i];
        if (s->is_layout || (per_obj_filters ? !spec_matches(s, path) : s->objs != NULL))
            continue;
        if (s->none) {
            n = 0;
            continue;
        }
        if (n == C5_MAX_FILTERS) {
            warn("%s: more than %d filters; the rest are left out", path, C5_MAX_FILTERS);
            break;
        }
        f[n] = s->filt;
        /* Shuffle's one parameter is the element size, as libhdf5 stores it. */
        if (f[n].id == C5_FILTER_SHUFFLE) {
            f[n].ncd = 1;
            f[n].cd[0] = (unsigned)esz;
        }
        n++;
    }
    if (n > 0 && o->storage != C5_STORAGE_CHUNKED) {
        if (lay && lay->storage != C5_STORAGE_CHUNKED) {
            warn("%s: filters need chunked layout; not applied", path);
            return changed;
        }
        o->storage = C5_STORAGE_CHUNKED;
        o->chunk_rank = sp->rank;
        default_chunk(sp, esz, o->chunk);
        o->alloc_time = C5_ALLOC_DEFAULT;
    }
    o->nfilters = n;
    memcpy(o->filters, f, (size_t)n * sizeof *f);
    return 1;
}

static int create_dataset(repack *r, c5_object *so, const char *path, c5_object **no,
                          rp_dsinfo **info)
{
    c5_space sp;
    c5_type *st = NULL, *ft = NULL;
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    int rc = c5_dataset_space(&sp, so);
    if (rc == 0)
        rc = c5_object_type(&st, so);
    if (rc == 0)
        rc = c5_dataset_get_opts(&o, so);
    if (rc) {
        c5_type_close(st);
        return fail(c5_object_file(so), rc, "reading dataset \"%s\"", path);
    }
    if (file_type_for(r, st, &ft, path) != 0) {
        c5_type_close(st);
        return -1;
    }
    o.size = sizeof o;
    int ta = 0;
    c5_object_track_order(so, NULL, &ta);
    o.flags = ta ? C5_CREATE_TRACK_ORDER : 0;
    c5_space want_sp = sp;
    c5_dataset_opts want = o;
    int changed = apply_overrides(r, path, &want_sp, c5_type_size(ft), &want);
    const c5_dataset_opts *used = &want;
    rc = c5_dataset_create(no, r->dst, path, ft, &want_sp, &want);
    if (rc && changed && o.storage != C5_STORAGE_VIRTUAL) {
        warn("%s: cannot be created with the requested layout or filters (%s); "
             "its own are kept", path, errtext(r->dst, rc));
        used = &o;
        rc = c5_dataset_create(no, r->dst, path, ft, &sp, &o);
    }
    if (rc == 0) {
        rp_dsinfo *d = rp_xcalloc(1, sizeof *d);
        d->chunked = used->storage == C5_STORAGE_CHUNKED && used->chunk_rank > 0;
        d->chunk_rank = used->chunk_rank;
        memcpy(d->chunk, used->chunk, sizeof d->chunk);
        size_t fsz = c5_type_size(ft);
        if (used->fill && fsz) {
            d->fill = rp_xcalloc(1, fsz);
            memcpy(d->fill, used->fill, fsz);
        }
        *info = d;
    }
    c5_type_close(st);
    c5_type_close(ft);
    return rc ? fail(r->dst, rc, "creating dataset \"%s\"", path) : 0;
}

static int copy_links(repack *r, const rp_links *L, const char *parent, int depth);

/* C5_CREATE_TRACK_ORDER when the source object tracks attribute (or, for
 * groups, link) creation order. */
static unsigned track_flags(c5_object *so)
{
    int tl = 0, ta = 0;
    if (c5_object_track_order(so, &tl, &ta) != 0)
        return 0;
    return tl || ta ? C5_CREATE_TRACK_ORDER : 0;
}

/* The object's comment, when it has one. */
static int copy_comment(repack *r, c5_object *so, c5_object *no, const char *path)
{
    char *c = NULL;
    int rc = c5_object_comment(so, &c);
    if (rc == 0 && c)
        rc = c5_object_set_comment(no, c);
    free(c);
    return rc ? fail(r->dst, rc, "copying the comment of \"%s\"", path) : 0;
}

/* Creates the new object for source address addr at path (recursing into
 * groups) and records it. */
static int create_object(repack *r, uint64_t addr, const char *path, size_t *idx, int depth)
{
    if (depth > RP_MAX_DEPTH)
        return fail(NULL, 0, "\"%s\": groups nested deeper than %d", path, RP_MAX_DEPTH);
    c5_object *so = NULL, *no = NULL;
    int rc = c5_object_open_addr(&so, r->src, addr);
    if (rc)
        return fail(r->src, rc, "opening \"%s\" (object header at %#" PRIx64 ")", path, addr);
    c5_objkind kind = c5_object_kind(so);
    int ret = 0;
    if (r->verbose)
        printf("%-9s %s\n", kind == C5_OBJ_GROUP ? "group" : kind == C5_OBJ_DATASET ? "dataset"
                                                                                   : "datatype",
               path);
    switch (kind) {
    case C5_OBJ_GROUP: {
        rp_links L = {0};
        int tracked = 0;
        if (read_links(so, path, &L, &tracked) != 0) {
            ret = -1;
            break;
        }
        c5_group_opts go = {sizeof go, tracked ? C5_CREATE_TRACK_ORDER : track_flags(so)};
        rc = c5_group_create(&no, r->dst, path, &go);
        if (rc) {
            free_links(&L);
            ret = fail(r->dst, rc, "creating group \"%s\"", path);
            break;
        }
        /* Recorded before its links are made: a link inside may lead back. */
        *idx = add_entry(r, addr, kind, no, path);
        ret = copy_links(r, &L, path, depth + 1);
        free_links(&L);
        break;
    }
    case C5_OBJ_DATASET: {
        rp_dsinfo *info = NULL;
        ret = create_dataset(r, so, path, &no, &info);
        if (ret == 0) {
            *idx = add_entry(r, addr, kind, no, path);
            r->ents[*idx].ds = info;
        }
        break;
    }
    case C5_OBJ_DATATYPE: {
        c5_type *st = NULL, *tc = NULL;
        rc = c5_object_type(&st, so);
        if (rc == 0)
            rc = c5_type_copy(&tc, st);
        if (rc) {
            ret = fail(r->src, rc, "reading datatype \"%s\"", path);
        } else if ((rc = c5_type_commit(&no, r->dst, path, tc,
                                        &(c5_group_opts){sizeof(c5_group_opts),
                                                         track_flags(so)})) != 0) {
            ret = fail(r->dst, rc, "committing datatype \"%s\"", path);
        } else {
            *idx = add_entry(r, addr, kind, no, path);
        }
        c5_type_close(st);
        c5_type_close(tc);
        break;
    }
    default:
        ret = fail(NULL, 0, "\"%s\": unknown object kind %d", path, (int)kind);
        break;
    }
    if (!ret && no)
        ret = copy_comment(r, so, no, path);
    c5_object_close(so);
    return ret;
}

static int name_taken(void *ud, const c5_link *l)
{
    (void)l;
    *(int *)ud = 1;
    return 0;
}

/* The new object for source address addr; objects no link has reached yet
 * are created under a temporary root link that is removed again, so they
 * stay anonymous (as in the source) until a link reaches them. */
static int ensure_object(repack *r, uint64_t addr, size_t *idx, int depth)
{
    *idx = lookup(r, addr);
    if (*idx != SIZE_MAX)
        return 0;
    c5_object *root = r->ents[0].obj;
    char tmp[64];
    for (;;) {
        int taken = 0;
        snprintf(tmp, sizeof tmp, "/.cfive-repack-anonymous-%lu", ++r->anon_seq);
        int rc = c5_link_lookup(root, tmp, name_taken, &taken);
        if (rc == C5_ENOTFOUND || (rc == 0 && !taken))
            break;
        if (rc)
            return fail(r->dst, rc, "looking up \"%s\"", tmp);
    }
    if (create_object(r, addr, tmp, idx, depth) != 0)
        return -1;
    int rc = c5_link_delete(r->dst, tmp);
    return rc ? fail(r->dst, rc, "removing the temporary link \"%s\"", tmp) : 0;
}

static int copy_links(repack *r, const rp_links *L, const char *parent, int depth)
{
    for (size_t i = 0; i < L->n; i++) {
        const rp_link *k = &L->v[i];
        char *path = join_path(parent, k->name);
        int rc = 0, ret = 0;
        switch (k->type) {
        case C5_LINK_HARD: {
            size_t idx = lookup(r, k->addr);
            if (idx == SIZE_MAX) {
                ret = create_object(r, k->addr, path, &idx, depth);
            } else {
                if (r->verbose)
                    printf("%-9s %s -> %s\n", "hardlink", path, r->ents[idx].path);
                if ((rc = c5_link_hard(r->dst, path, r->ents[idx].obj, 0)) != 0)
                    ret = fail(r->dst, rc, "linking \"%s\" to \"%s\"", path, r->ents[idx].path);
            }
            break;
        }
        case C5_LINK_SOFT:
            if (r->verbose)
                printf("%-9s %s -> %s\n", "softlink", path, k->target ? k->target : "");
            if ((rc = c5_link_soft(r->dst, path, k->target ? k->target : "", 0)) != 0)
                ret = fail(r->dst, rc, "creating soft link \"%s\"", path);
            break;
        case C5_LINK_EXTERNAL:
            if (r->verbose)
                printf("%-9s %s -> %s//%s\n", "extlink", path,
                       k->target_file ? k->target_file : "", k->target ? k->target : "");
            if ((rc = c5_link_external(r->dst, path, k->target_file ? k->target_file : "",
                                       k->target ? k->target : "", 0)) != 0)
                ret = fail(r->dst, rc, "creating external link \"%s\"", path);
            break;
        default:
            if (r->verbose)
                printf("%-9s %s (class %d)\n", "udlink", path, k->type);
            if ((rc = c5_link_user(r->dst, path, k->type, k->target, k->udlen, 0)) != 0)
                ret = fail(r->dst, rc, "creating user-defined link \"%s\"", path);
            break;
        }
        free(path);
        if (ret)
            return ret;
    }
    return 0;
}

/* ---- references ----------------------------------------------------------- */

/* The new address for a source object address taken from an object
 * reference. Null (0 or all ones) stays null; a reference to nothing
 * (a deleted object) becomes `gone` with a warning: 0, the null
 * reference, for 1.10 references; the undefined address for revised ones,
 * which stay references (their type, selection, attribute name) that
 * resolve to nothing, as in the source. */
static int map_addr(repack *r, uint64_t a, uint64_t *out, uint64_t gone, const char *what)
{
    if (a == 0 || a == UINT64_MAX) {
        *out = a;
        return 0;
    }
    size_t idx = lookup(r, a);
    if (idx == SIZE_MAX) {
        c5_object *probe = NULL;
        if (c5_object_open_addr(&probe, r->src, a) != 0) {
            warn("%s: a reference to %#" PRIx64 " names no object; %s", what, a,
                 gone ? "kept as a reference to no object" : "written as a null reference");
            *out = gone;
            return 0;
        }
        c5_object_close(probe);
        if (ensure_object(r, a, &idx, 0) != 0)
            return -1;
    }
    *out = c5_object_addr(r->ents[idx].obj);
    return 0;
}

/* Re-makes in the new file n revised references (HDF5 1.12; size bytes
 * each, stride bytes apart) read from the old one. The referenced object's
 * address is mapped; the rest of the encoding (a region's selection, an
 * attribute's name) is kept as it is, which stays true because the copy
 * keeps dataspaces and attribute names. A reference into another file
 * keeps its address, which names an object there. */
static int remap_ref2(repack *r, uint8_t *p, size_t n, size_t stride, size_t size,
                      const char *what)
{
    for (size_t i = 0; i < n; i++, p += stride) {
        c5_ref2 ref;
        int rc = c5_ref2_read(r->src, p, size, &ref);
        if (rc) {
            warn("%s: unreadable reference (%s); written as a null reference", what,
                 errtext(r->src, rc));
            memset(p, 0, size);
            continue;
        }
        if (ref.type != C5_REF2_NULL && !(ref.flags & C5_REF2_EXTERNAL) &&
            map_addr(r, ref.obj, &ref.obj, C5_UNDEF, what) != 0) {
            c5_ref2_clear(&ref);
            return -1;
        }
        rc = c5_ref2_make(r->dst, p, size, &ref);
        c5_ref2_clear(&ref);
        if (rc)
            return fail(r->dst, rc, "%s: writing a reference", what);
    }
    return 0;
}

/* Rewrites, in place, the references inside n elements of memory type t
 * spaced stride bytes apart. */
static int remap_refs(repack *r, const c5_type *t, uint8_t *p, size_t n, size_t stride,
                      const char *what, int depth)
{
    if (depth > RP_MAX_TYPE_DEPTH || !type_has_refs(t, 0))
        return 0;
    switch (c5_type_class(t)) {
    case C5_CLASS_REFERENCE: {
        size_t size = c5_type_size(t);
        if (c5_type_ref_kind(t) >= C5_REF2_OBJECT)
            return remap_ref2(r, p, n, stride, size, what);
        if (size == 8) {
            for (size_t i = 0; i < n; i++, p += stride) {
                uint64_t a, b;
                memcpy(&a, p, 8);
                if (map_addr(r, a, &b, 0, what) != 0)
                    return -1;
                memcpy(p, &b, 8);
            }
            return 0;
        }
        if (size != 12)
            return fail(NULL, 0, "%s: references of %zu bytes are not supported", what, size);
        static const uint8_t zero[12];
        for (size_t i = 0; i < n; i++, p += stride) {
            if (memcmp(p, zero, 12) == 0)
                continue;
            uint64_t obj, nobj;
            void *sel = NULL;
            size_t sel_len = 0;
            int rc = c5_regref_read(r->src, p, &obj, &sel, &sel_len);
            if (rc) {
                warn("%s: unreadable region reference (%s); written as a null reference", what,
                     errtext(r->src, rc));
                memset(p, 0, 12);
                continue;
            }
            if (map_addr(r, obj, &nobj, 0, what) != 0) {
                free(sel);
                return -1;
            }
            rc = c5_regref_make(r->dst, p, nobj, sel, sel_len);
            free(sel);
            if (rc)
                return fail(r->dst, rc, "%s: writing a region reference", what);
        }
        return 0;
    }
    case C5_CLASS_COMPOUND:
        for (int m = 0; m < c5_type_nmembers(t); m++)
            if (remap_refs(r, c5_type_member_type(t, m), p + c5_type_member_offset(t, m), n,
                           stride, what, depth + 1) != 0)
                return -1;
        return 0;
    case C5_CLASS_ARRAY: {
        const c5_type *base = c5_type_base(t);
        uint64_t dims[C5_MAX_RANK], cnt = 1;
        int rank = c5_type_array_dims(t, dims, C5_MAX_RANK);
        for (int d = 0; d < rank; d++)
            cnt *= dims[d];
        size_t bsz = c5_type_mem_size(base);
        for (size_t i = 0; i < n; i++, p += stride)
            if (remap_refs(r, base, p, (size_t)cnt, bsz, what, depth + 1) != 0)
                return -1;
        return 0;
    }
    case C5_CLASS_VLEN: {
        const c5_type *base = c5_type_base(t);
        size_t bsz = c5_type_mem_size(base);
        for (size_t i = 0; i < n; i++, p += stride) {
            c5_vl v;
            memcpy(&v, p, sizeof v);
            if (v.p && v.len && remap_refs(r, base, v.p, v.len, bsz, what, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* ---- pass 2: attributes and data ------------------------------------------- */

static int copy_attr(repack *r, c5_object *so, c5_object *no, const char *opath,
                     const char *name)
{
    c5_attr *a = NULL;
    c5_space sp;
    c5_type *st = NULL, *ft = NULL, *mem = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    char *what = rp_xcalloc(strlen(opath) + strlen(name) + 32, 1);
    sprintf(what, "attribute \"%s\" of \"%s\"", name, opath);
    int ret = -1;
    int rc = c5_attr_open(&a, so, name);
    if (rc == 0)
        rc = c5_attr_space(&sp, a);
    if (rc == 0)
        rc = c5_attr_type(&st, a);
    if (rc == 0)
        rc = c5_type_copy(&mem, st);
    if (rc) {
        fail(c5_object_file(so), rc, "reading %s", what);
        goto done;
    }
    if (file_type_for(r, st, &ft, what) != 0)
        goto done;
    uint64_t nel = space_nelems(&sp);
    size_t msz = c5_type_mem_size(mem);
    if (msz == 0 || msz == SIZE_MAX || nel > SIZE_MAX / msz) {
        fail(NULL, 0, "%s: too large to copy", what);
        goto done;
    }
    n = (size_t)nel;
    buf = calloc(n ? n : 1, msz);
    if (!buf) {
        fail(NULL, 0, "%s: out of memory", what);
        goto done;
    }
    if (n) {
        if ((rc = c5_attr_read(a, mem, buf, n * msz)) != 0) {
            n = 0; /* nothing allocated to reclaim */
            fail(c5_object_file(so), rc, "reading %s", what);
            goto done;
        }
        if (remap_refs(r, mem, buf, n, msz, what, 0) != 0)
            goto done;
    }
    rc = c5_attr_write(no, name, ft, &sp, mem, n ? buf : NULL, n * msz);
    if (rc) {
        fail(r->dst, rc, "writing %s", what);
        goto done;
    }
    ret = 0;
done:
    if (buf && n)
        c5_reclaim(mem, buf, n);
    free(buf);
    c5_attr_close(a);
    c5_type_close(st);
    c5_type_close(ft);
    c5_type_close(mem);
    free(what);
    return ret;
}

static int copy_attrs(repack *r, c5_object *so, c5_object *no, const char *path)
{
    name_list L = {0};
    int rc = c5_attr_iterate(so, collect_name, &L);
    int ret = 0;
    if (L.oom)
        ret = fail(NULL, 0, "out of memory");
    else if (rc)
        ret = fail(c5_object_file(so), rc, "listing the attributes of \"%s\"", path);
    for (size_t i = 0; i < L.n && ret == 0; i++)
        ret = copy_attr(r, so, no, path, L.v[i]);
    for (size_t i = 0; i < L.n; i++)
        free(L.v[i]);
    free(L.v);
    return ret;
}

/* Slab shape over dims for elements of msz bytes within budget: starts
 * from one chunk (align; 1s when not chunked) and grows from the last
 * dimension on, whole dims first, then whole multiples of the chunk dim,
 * so slabs cover whole chunks and dims after the partial one are whole. */
static int plan_slab(int rank, const uint64_t *dims, uint64_t *align, size_t msz, size_t budget,
                     uint64_t *slab)
{
    int aligned = 1;
    uint64_t bytes = msz;
    for (int d = 0; d < rank; d++) {
        slab[d] = align[d] < dims[d] ? align[d] : dims[d];
        if (slab[d] == 0)
            slab[d] = 1;
        bytes = bytes > UINT64_MAX / slab[d] ? UINT64_MAX : bytes * slab[d];
    }
    if (bytes > budget) {
        /* One chunk alone is over the budget: give up chunk alignment. */
        aligned = 0;
        for (int d = 0; d < rank; d++)
            slab[d] = align[d] = 1;
    }
    for (int d = rank - 1; d >= 0; d--) {
        uint64_t others = msz;
        for (int e = 0; e < rank; e++)
            if (e != d)
                others = others > UINT64_MAX / slab[e] ? UINT64_MAX : others * slab[e];
        uint64_t fit = others > budget ? 0 : budget / others;
        if (fit >= dims[d]) {
            slab[d] = dims[d];
            continue;
        }
        uint64_t m = fit / align[d] * align[d];
        if (m > slab[d])
            slab[d] = m;
        break;
    }
    return aligned;
}

static int all_fill(const uint8_t *buf, size_t n, size_t esz, const uint8_t *fill)
{
    if (!fill) {
        for (size_t i = 0; i < n * esz; i++)
            if (buf[i])
                return 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (memcmp(buf + i * esz, fill, esz) != 0)
            return 0;
    return 1;
}

/* Copies the block at off (dims cnt) of a C-order slab with dims sdims
 * into the dense buffer out. */
static void gather(int rank, const uint64_t *sdims, const uint64_t *off, const uint64_t *cnt,
                   const uint8_t *slab, size_t msz, uint8_t *out)
{
    uint64_t idx[C5_MAX_RANK] = {0};
    size_t run = (size_t)cnt[rank - 1] * msz;
    for (;;) {
        uint64_t lin = 0;
        for (int d = 0; d < rank; d++)
            lin = lin * sdims[d] + off[d] + (d < rank - 1 ? idx[d] : 0);
        memcpy(out, slab + lin * msz, run);
        out += run;
        int d = rank - 2;
        while (d >= 0 && ++idx[d] == cnt[d])
            idx[d--] = 0;
        if (d < 0)
            return;
    }
}

/* Writes the chunks of a chunk-aligned slab (origin start, dims count)
 * that hold something other than the fill value; the rest stay
 * unallocated, as in a sparse source. */
static int write_chunks(repack *r, c5_object *no, const c5_type *mem, int rank,
                        const uint64_t *start, const uint64_t *count, const uint64_t *chunk,
                        const uint8_t *buf, size_t msz, const uint8_t *fill, const char *what)
{
    uint64_t per = 1, whole = 1;
    for (int d = 0; d < rank; d++) {
        per *= chunk[d] < count[d] ? chunk[d] : count[d];
        whole *= count[d];
    }
    if (per == whole) {
        c5_hyperslab sel = {rank, start, NULL, count, NULL};
        int rc = c5_dataset_write(no, mem, &sel, buf, (size_t)whole * msz);
        return rc ? fail(r->dst, rc, "writing %s", what) : 0;
    }
    uint8_t *tmp = malloc((size_t)per * msz);
    if (!tmp)
        return fail(NULL, 0, "%s: out of memory", what);
    uint64_t off[C5_MAX_RANK] = {0}, cnt[C5_MAX_RANK], at[C5_MAX_RANK];
    int ret = 0;
    for (;;) {
        uint64_t n = 1;
        for (int d = 0; d < rank; d++) {
            cnt[d] = count[d] - off[d] < chunk[d] ? count[d] - off[d] : chunk[d];
            at[d] = start[d] + off[d];
            n *= cnt[d];
        }
        gather(rank, count, off, cnt, buf, msz, tmp);
        if (!all_fill(tmp, (size_t)n, msz, fill)) {
            c5_hyperslab sel = {rank, at, NULL, cnt, NULL};
            int rc = c5_dataset_write(no, mem, &sel, tmp, (size_t)n * msz);
            if (rc) {
                ret = fail(r->dst, rc, "writing %s", what);
                break;
            }
        }
        int d = rank - 1;
        while (d >= 0) {
            off[d] += chunk[d];
            if (off[d] < count[d])
                break;
            off[d] = 0;
            d--;
        }
        if (d < 0)
            break;
    }
    free(tmp);
    return ret;
}

static int copy_data(repack *r, c5_object *so, c5_object *no, const rp_dsinfo *info,
                     const char *path)
{
    c5_space sp;
    c5_type *st = NULL, *mem = NULL;
    int rc = c5_dataset_space(&sp, so);
    if (rc == 0)
        rc = c5_object_type(&st, so);
    if (rc == 0)
        rc = c5_type_copy(&mem, st);
    c5_type_close(st);
    if (rc) {
        c5_type_close(mem);
        return fail(c5_object_file(so), rc, "reading dataset \"%s\"", path);
    }
    uint64_t nel = space_nelems(&sp);
    size_t msz = c5_type_mem_size(mem);
    if (nel == 0) {
        c5_type_close(mem);
        return 0;
    }
    if (msz == 0 || msz == SIZE_MAX) {
        c5_type_close(mem);
        return fail(NULL, 0, "dataset \"%s\": element size %zu cannot be copied", path, msz);
    }
    int rank = sp.cls == C5_SPACE_SIMPLE ? sp.rank : 0;
    uint64_t align[C5_MAX_RANK], slab[C5_MAX_RANK], start[C5_MAX_RANK] = {0},
                                                    count[C5_MAX_RANK];
    int chunked = info->chunked && info->chunk_rank == rank && rank > 0;
    for (int d = 0; d < rank; d++)
        align[d] = chunked && info->chunk[d] ? info->chunk[d] : 1;
    size_t budget = r->slab_bytes;
    int aligned = rank ? plan_slab(rank, sp.dims, align, msz, budget, slab) : 0;
    /* Whole chunks that hold only the fill value are left unwritten. */
    int skip_fill = chunked && aligned && !type_has_vlen(mem, 0) && !type_has_refs(mem, 0) &&
                    msz == c5_type_size(mem);
    const uint8_t *fill = info->fill;
    uint64_t per = 1;
    for (int d = 0; d < rank; d++)
        per *= slab[d];
    uint8_t *buf = malloc((size_t)per * msz);
    if (!buf) {
        c5_type_close(mem);
        return fail(NULL, 0, "dataset \"%s\": out of memory for a %zu-byte slab", path,
                    (size_t)per * msz);
    }
    char *what = rp_xcalloc(strlen(path) + 16, 1);
    sprintf(what, "dataset \"%s\"", path);
    int ret = 0;
    for (;;) {
        uint64_t n = 1;
        for (int d = 0; d < rank; d++) {
            count[d] = sp.dims[d] - start[d] < slab[d] ? sp.dims[d] - start[d] : slab[d];
            n *= count[d];
        }
        c5_hyperslab sel = {rank, start, NULL, count, NULL};
        const c5_hyperslab *psel = rank ? &sel : NULL;
        memset(buf, 0, (size_t)n * msz);
        if ((rc = c5_dataset_read(so, mem, psel, buf, (size_t)n * msz)) != 0) {
            ret = fail(c5_object_file(so), rc, "reading %s", what);
            break;
        }
        if (skip_fill) {
            if (!all_fill(buf, (size_t)n, msz, fill))
                ret = write_chunks(r, no, mem, rank, start, count, align, buf, msz, fill, what);
        } else if (remap_refs(r, mem, buf, (size_t)n, msz, what, 0) != 0) {
            ret = -1;
        } else if ((rc = c5_dataset_write(no, mem, psel, buf, (size_t)n * msz)) != 0) {
            ret = fail(r->dst, rc, "writing %s", what);
        }
        c5_reclaim(mem, buf, (size_t)n);
        if (ret)
            break;
        /* Next slab origin, in C order. */
        int d = rank - 1;
        while (d >= 0) {
            start[d] += slab[d];
            if (start[d] < sp.dims[d])
                break;
            start[d] = 0;
            d--;
        }
        if (d < 0)
            break;
    }
    free(what);
    free(buf);
    c5_type_close(mem);
    return ret;
}

static int copy_contents(repack *r, size_t i)
{
    c5_object *so = NULL;
    uint64_t src = r->ents[i].src;
    int rc = c5_object_open_addr(&so, r->src, src);
    if (rc)
        return fail(r->src, rc, "reopening \"%s\"", r->ents[i].path);
    /* Copy what the entry holds now: ensure_object may grow r->ents. */
    c5_object *no = r->ents[i].obj;
    char *path = xstrdup(r->ents[i].path);
    int ret = copy_attrs(r, so, no, path);
    if (ret == 0 && r->ents[i].kind == C5_OBJ_DATASET && r->ents[i].ds)
        ret = copy_data(r, so, no, r->ents[i].ds, path);
    free(path);
    c5_object_close(so);
    return ret;
}

/* ---- the file --------------------------------------------------------------- */

/* Copies the user block's bytes, which the library reserves but leaves
 * empty in a new file. */
static int copy_userblock(const char *in, const char *out, uint64_t size)
{
    FILE *fi = fopen(in, "rb"), *fo = fopen(out, "r+b");
    int ret = 0;
    if (!fi || !fo) {
        ret = fail(NULL, 0, "copying the user block: %s", strerror(errno));
    } else {
        uint8_t buf[4096];
        uint64_t left = size;
        while (left && ret == 0) {
            size_t k = left < sizeof buf ? (size_t)left : sizeof buf;
            if (fread(buf, 1, k, fi) != k || fwrite(buf, 1, k, fo) != k)
                ret = fail(NULL, 0, "copying the user block: %s",
                           ferror(fi) ? "read error" : strerror(errno));
            left -= k;
        }
    }
    if (fi)
        fclose(fi);
    if (fo && fclose(fo) != 0 && ret == 0)
        ret = fail(NULL, 0, "copying the user block: %s", strerror(errno));
    return ret;
}

static int run(repack *r)
{
    c5_object *sroot = NULL, *droot = NULL;
    c5_file_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    int rc = c5_file_open(&r->src, r->in, NULL);
    if (rc)
        return fail(r->src, rc, "cannot open \"%s\"", r->in);
    if ((rc = c5_file_get_info(r->src, &info)) != 0 ||
        (rc = c5_object_open(&sroot, r->src, "/")) != 0)
        return fail(r->src, rc, "\"%s\"", r->in);

    c5_open_opts oo;
    memset(&oo, 0, sizeof oo);
    oo.size = sizeof oo;
    oo.format = r->latest ? C5_FORMAT_LATEST : C5_FORMAT_COMPATIBLE;
    oo.userblock = info.userblock_size;
    oo.root_flags = track_flags(sroot);
    if ((rc = c5_file_open_mode(&r->dst, r->out, "w", &oo)) != 0) {
        c5_object_close(sroot);
        return fail(r->dst, rc, "cannot create \"%s\"", r->out);
    }
    r->created = 1;
    if ((rc = c5_object_open(&droot, r->dst, "/")) != 0) {
        c5_object_close(sroot);
        return fail(r->dst, rc, "opening the root group of \"%s\"", r->out);
    }
    add_entry(r, c5_object_addr(sroot), C5_OBJ_GROUP, droot, "/");

    /* Pass 1: the structure. The root exists already (tracking creation
     * order when the source's does: oo.root_flags), so only its links are
     * made. */
    rp_links L = {0};
    int tracked = 0, ret = read_links(sroot, "/", &L, &tracked);
    if (ret == 0) {
        c5_object *nroot = NULL;
        if ((rc = c5_object_open(&nroot, r->dst, "/")) == 0)
            ret = copy_comment(r, sroot, nroot, "/");
        c5_object_close(nroot);
    }
    if (ret == 0)
        ret = copy_links(r, &L, "/", 1);
    free_links(&L);
    c5_object_close(sroot);

    /* Pass 2: attributes and data, now that every address is known
     * (r->nents may grow while it runs: see ensure_object). */
    for (size_t i = 0; i < r->nents && ret == 0; i++)
        ret = copy_contents(r, i);

    /* Flush with the file still open so a failure keeps its message. */
    if (ret == 0 && (rc = c5_file_flush(r->dst)) != 0)
        ret = fail(r->dst, rc, "writing \"%s\"", r->out);
    free_entries(r);
    rc = c5_file_close(r->dst);
    r->dst = NULL;
    if (rc && ret == 0)
        ret = fail(NULL, rc, "writing \"%s\"", r->out);
    if (ret == 0 && info.userblock_size)
        ret = copy_userblock(r->in, r->out, info.userblock_size);
    return ret;
}

/* 1 when a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int c5tool_repack(int argc, char **argv)
{
    repack r;
    memset(&r, 0, sizeof r);
    int st = rp_parse_args(argc, argv, &r);
    if (st) {
        rp_free_specs(&r);
        return st - 1;
    }
    if (same_file(r.in, r.out)) {
        fprintf(stderr, "cfive repack: input and output are the same file\n");
        rp_free_specs(&r);
        return 1;
    }
    int ret = run(&r);
    free_entries(&r); /* left by run() only on its early failures */
    c5_file_close(r.dst);
    c5_file_close(r.src);
    rp_free_specs(&r);
    if (ret != 0) {
        /* A half-written file must not pass for a copy. */
        if (r.created)
            remove(r.out);
        return 1;
    }
    return 0;
}
