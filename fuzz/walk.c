/* Open-and-walk over the public API (see walk.h).
 *
 * Order of work for one object: attributes (names by iteration, then each
 * opened, its space and type introspected, its value read raw and
 * converted), then by kind: a group's links by name and by creation order,
 * each hard link opened by name (and by address when the name fails) and
 * walked once per header address; a dataset's space and type, its data
 * (or a leading box of it) read raw, strided and converted, a few points;
 * a named datatype's type. Object references met in data are resolved with
 * c5_object_open_addr and walked like any other object.
 *
 * Everything is bounded by c5walk_limits: nesting depth, objects opened,
 * links and attributes remembered, bytes per read, references resolved.
 * External links are followed only when the caller asks: in the fuzzer the
 * names come from hostile bytes and could reach any path. Soft links are
 * resolved by hand, component by component, so that a soft link through an
 * external link is refused as well. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#endif
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_DEPTH 32
#define DEF_OBJECTS 10000
#define DEF_LINKS 10000
#define DEF_LOOKUPS 256
#define DEF_ATTRS 1000
#define DEF_BYTES (16u << 20)
#define DEF_REFS 64
#define MAX_TYPE_DEPTH 24
#define MAX_SOFT_HOPS 8
#define MAX_PATH_COMPONENTS 64

typedef struct walker {
    c5_file *f;
    c5walk_limits lim;
    c5walk_stats *st;
    /* visited object header addresses: open addressing, `used` marks slots
     * because every address value (even all ones) may come from a file */
    uint64_t *seen;
    unsigned char *used;
    size_t nseen, capseen;
    uint64_t opened;
    volatile uint64_t sink;   /* keeps introspection reads alive */
} walker;

static void walk_object(walker *w, c5_object *o, int depth);
static void visit_addr(walker *w, uint64_t addr, int depth);

/* ---- small helpers ------------------------------------------------------ */

static void fail_at(walker *w, int rc, const char *call, int line)
{
    w->st->errors++;
    const char *m = c5_errmsg(w->f);
    const char *s = c5_strerror(rc);
    w->sink += strlen(m) + strlen(s);
    if (w->lim.verbose)
        fprintf(stderr, "walk: %s:%d: %s: %s\n", call, line, s, m);
}
#define fail(w, rc) fail_at((w), (rc), __func__, __LINE__)

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Returns 1 if addr was seen before, 0 if newly added (or the set cannot
 * grow: then the object-count bound stops the walk). */
static int seen_add(walker *w, uint64_t addr)
{
    if (w->nseen * 2 >= w->capseen) {
        size_t ncap = w->capseen ? w->capseen * 2 : 256;
        uint64_t *ns = calloc(ncap, sizeof *ns);
        unsigned char *nu = calloc(ncap, 1);
        if (!ns || !nu) {
            free(ns);
            free(nu);
            return 0;
        }
        for (size_t i = 0; i < w->capseen; i++) {
            if (!w->used[i])
                continue;
            size_t j = (size_t)mix(w->seen[i]) & (ncap - 1);
            while (nu[j])
                j = (j + 1) & (ncap - 1);
            nu[j] = 1;
            ns[j] = w->seen[i];
        }
        free(w->seen);
        free(w->used);
        w->seen = ns;
        w->used = nu;
        w->capseen = ncap;
    }
    size_t j = (size_t)mix(addr) & (w->capseen - 1);
    while (w->used[j]) {
        if (w->seen[j] == addr)
            return 1;
        j = (j + 1) & (w->capseen - 1);
    }
    w->used[j] = 1;
    w->seen[j] = addr;
    w->nseen++;
    return 0;
}

static int can_open(walker *w)
{
    if (w->opened >= w->lim.max_objects) {
        w->st->truncated++;
        return 0;
    }
    w->opened++;
    return 1;
}

static void phase(walker *w, int in_data)
{
    if (w->lim.data_phase)
        w->lim.data_phase(w->lim.ud, in_data);
}

/* ---- types ------------------------------------------------------------ */

static void walk_type(walker *w, const c5_type *t, int depth)
{
    if (!t)
        return;
    if (depth > MAX_TYPE_DEPTH) {
        w->st->truncated++;
        return;
    }
    w->st->types++;
    c5_typeclass cls = c5_type_class(t);
    size_t size = c5_type_size(t);
    w->sink += (uint64_t)cls + size + (uint64_t)c5_type_order(t) +
               (uint64_t)c5_type_is_signed(t) + (uint64_t)c5_type_is_vlstring(t);
    if (cls == C5_CLASS_COMPOUND || cls == C5_CLASS_ENUM) {
        int n = c5_type_nmembers(t);
        const c5_type *base = c5_type_base(t);
        size_t bsize = base ? c5_type_size(base) : 0;
        for (int i = 0; i < n && i < 100000; i++) {
            const char *name = c5_type_member_name(t, i);
            if (name)
                w->sink += strlen(name);
            if (cls == C5_CLASS_COMPOUND) {
                w->sink += c5_type_member_offset(t, i);
                walk_type(w, c5_type_member_type(t, i), depth + 1);
            } else {
                const unsigned char *v = c5_type_enum_value(t, i);
                for (size_t k = 0; v && k < bsize; k++)
                    w->sink += v[k];
            }
        }
    }
    if (cls == C5_CLASS_ARRAY) {
        uint64_t dims[C5_MAX_RANK];
        int r = c5_type_array_dims(t, dims, C5_MAX_RANK);
        for (int i = 0; i < r && i < C5_MAX_RANK; i++)
            w->sink += dims[i];
    }
    if (cls == C5_CLASS_ENUM || cls == C5_CLASS_ARRAY || cls == C5_CLASS_VLEN)
        walk_type(w, c5_type_base(t), depth + 1);
}

/* A generous upper bound of the bytes one element of t takes in memory, so
 * that buffers are big enough whatever layout the library picks for
 * variable-length members. 0 when it does not fit in 64 bits. */
static uint64_t mem_bound(const c5_type *t, int depth)
{
    if (!t || depth > MAX_TYPE_DEPTH)
        return 0;
    uint64_t size = c5_type_size(t), r = size;
    c5_typeclass cls = c5_type_class(t);
    if (cls == C5_CLASS_VLEN || c5_type_is_vlstring(t))
        return size > 16 ? size : 16;
    if (cls == C5_CLASS_COMPOUND) {
        int n = c5_type_nmembers(t);
        for (int i = 0; i < n; i++) {
            uint64_t m = mem_bound(c5_type_member_type(t, i), depth + 1);
            if (m == 0 && c5_type_size(c5_type_member_type(t, i)) != 0)
                return 0;
            if (__builtin_add_overflow(r, m + 8, &r))
                return 0;
        }
        return r;
    }
    if (cls == C5_CLASS_ARRAY) {
        uint64_t dims[C5_MAX_RANK], prod = 1;
        int rank = c5_type_array_dims(t, dims, C5_MAX_RANK);
        for (int i = 0; i < rank && i < C5_MAX_RANK; i++)
            if (__builtin_mul_overflow(prod, dims[i], &prod))
                return 0;
        uint64_t b = mem_bound(c5_type_base(t), depth + 1), all;
        if (__builtin_mul_overflow(prod, b, &all))
            return 0;
        return all > size ? all : size;
    }
    return size;
}

static c5_type *native(c5_native which)
{
    c5_type *t = NULL;
    if (c5_type_native(&t, which) != 0)
        return NULL;
    return t;
}

static c5_type *copy_type(const c5_type *t)
{
    c5_type *c = NULL;
    if (c5_type_copy(&c, t) != 0)
        return NULL;
    return c;
}

/* A memory type of the same class as the file type t, chosen so that a
 * read exercises conversion: integers widen to 64 bits, floats to double,
 * strings become char*, object references addresses, compounds a native
 * compound of the members (by name, laid out afresh). NULL if none. */
static c5_type *mem_type_for(const c5_type *t, int depth)
{
    if (!t || depth > MAX_TYPE_DEPTH)
        return NULL;
    switch (c5_type_class(t)) {
    case C5_CLASS_INTEGER:
        return native(c5_type_is_signed(t) ? C5_NATIVE_INT64 : C5_NATIVE_UINT64);
    case C5_CLASS_FLOAT:
        return native(C5_NATIVE_DOUBLE);
    case C5_CLASS_STRING:
        return native(C5_NATIVE_VLSTRING);
    case C5_CLASS_REFERENCE:
        return native(C5_NATIVE_OBJREF);
    case C5_CLASS_VLEN:
        return c5_type_is_vlstring(t) ? native(C5_NATIVE_VLSTRING) : copy_type(t);
    case C5_CLASS_COMPOUND: {
        int n = c5_type_nmembers(t);
        if (n <= 0 || n > 4096)
            return copy_type(t);
        c5_type **mt = calloc((size_t)n, sizeof *mt);
        if (!mt)
            return NULL;
        uint64_t total = 0;
        int ok = 1;
        for (int i = 0; i < n && ok; i++) {
            mt[i] = mem_type_for(c5_type_member_type(t, i), depth + 1);
            if (!mt[i])
                continue; /* a subset of the members is fine */
            uint64_t b = mem_bound(mt[i], 0);
            if (b == 0 || b > (1u << 24) || __builtin_add_overflow(total, b, &total))
                ok = 0;
        }
        c5_type *c = NULL;
        if (ok && total > 0 && total <= (1u << 26) && c5_type_compound(&c, (size_t)total) == 0) {
            uint64_t off = 0;
            for (int i = 0; i < n; i++) {
                const char *name = c5_type_member_name(t, i);
                if (!mt[i] || !name)
                    continue;
                (void)c5_type_insert(c, name, (size_t)off, mt[i]);
                off += mem_bound(mt[i], 0);
            }
        }
        for (int i = 0; i < n; i++)
            c5_type_close(mt[i]);
        free(mt);
        return c ? c : copy_type(t);
    }
    default:
        return copy_type(t);
    }
}

/* A second memory type for scalar classes, exercising the other paths of
 * conversion: narrower, opposite byte order, opposite signedness; fixed
 * strings of another size and padding. NULL if none. */
static c5_type *alt_type_for(const c5_type *t)
{
    c5_type *a = NULL;
    int rc;
    switch (c5_type_class(t)) {
    case C5_CLASS_INTEGER:
        rc = c5_type_integer(&a, 2, !c5_type_is_signed(t), C5_ORDER_BE);
        break;
    case C5_CLASS_FLOAT:
        rc = c5_type_float(&a, 4, C5_ORDER_BE);
        break;
    case C5_CLASS_STRING:
    case C5_CLASS_VLEN:
        if (c5_type_class(t) == C5_CLASS_VLEN && !c5_type_is_vlstring(t))
            return NULL;
        rc = c5_type_string(&a, 7, C5_STR_SPACEPAD, C5_CSET_ASCII);
        break;
    default:
        return NULL;
    }
    return rc ? NULL : a;
}

/* ---- data --------------------------------------------------------------- */

static uint64_t space_npoints(const c5_space *sp, int *overflow)
{
    *overflow = 0;
    if (sp->cls == C5_SPACE_NULL)
        return 0;
    if (sp->cls == C5_SPACE_SCALAR || sp->rank <= 0)
        return 1;
    uint64_t n = 1;
    for (int i = 0; i < sp->rank && i < C5_MAX_RANK; i++)
        if (__builtin_mul_overflow(n, sp->dims[i], &n))
            *overflow = 1;
    return *overflow ? UINT64_MAX : n;
}

/* Resolve object references read into refs[0..n). */
static void resolve_refs(walker *w, const uint64_t *refs, uint64_t n, int depth)
{
    uint64_t lim = n < w->lim.max_refs ? n : w->lim.max_refs;
    if (lim < n)
        w->st->truncated++;
    for (uint64_t i = 0; i < lim; i++) {
        w->st->refs++;
        visit_addr(w, refs[i], depth + 1);
    }
}

typedef int (*read_fn)(void *obj, const c5_type *mem, const c5_hyperslab *sel, void *buf,
                       size_t cap);

static int ds_read(void *obj, const c5_type *mem, const c5_hyperslab *sel, void *buf, size_t cap)
{
    return c5_dataset_read(obj, mem, sel, buf, cap);
}

static int at_read(void *obj, const c5_type *mem, const c5_hyperslab *sel, void *buf, size_t cap)
{
    (void)sel;
    return c5_attr_read(obj, mem, buf, cap);
}

/* Read nelem elements (the selection sel, or everything) raw and converted
 * to one or two memory types. */
static void read_value(walker *w, read_fn rd, void *obj, const c5_type *ft,
                       const c5_hyperslab *sel, uint64_t nelem, int depth)
{
    uint64_t esize = c5_type_size(ft), cap;
    if (__builtin_mul_overflow(nelem, esize, &cap) || cap > w->lim.max_data_bytes) {
        w->st->truncated++;
        return;
    }
    unsigned char *buf = malloc(cap ? (size_t)cap : 1);
    if (!buf)
        return;
    phase(w, 1);
    int rc = rd(obj, NULL, sel, buf, (size_t)cap);
    phase(w, 0);
    if (rc) {
        fail(w, rc);
    } else {
        w->st->reads_ok++;
        w->st->bytes += cap;
        for (uint64_t i = 0; i < cap; i += 4096)
            w->sink += buf[i];
    }
    free(buf);

    c5_typeclass cls = c5_type_class(ft);
    c5_type *mems[2] = {mem_type_for(ft, 0), NULL};
    if (cls == C5_CLASS_COMPOUND || cls == C5_CLASS_ARRAY || cls == C5_CLASS_ENUM)
        mems[1] = copy_type(ft); /* identity conversion: fetches vlen parts */
    else
        mems[1] = alt_type_for(ft);
    for (int k = 0; k < 2; k++) {
        c5_type *mem = mems[k];
        if (!mem)
            continue;
        uint64_t mb = mem_bound(mem, 0), mcap;
        if (mb == 0 || __builtin_mul_overflow(nelem, mb, &mcap) ||
            mcap > w->lim.max_data_bytes) {
            w->st->truncated++;
            continue;
        }
        /* zeroed, so that pointers the library did not fill are NULL */
        unsigned char *mbuf = calloc(1, mcap ? (size_t)mcap : 1);
        if (!mbuf)
            continue;
        phase(w, 1);
        rc = rd(obj, mem, sel, mbuf, (size_t)mcap);
        phase(w, 0);
        if (rc) {
            fail(w, rc);
        } else {
            w->st->reads_ok++;
            w->st->bytes += mcap;
            if (c5_type_class(mem) == C5_CLASS_REFERENCE && c5_type_size(mem) == 8 &&
                cls == C5_CLASS_REFERENCE) {
                uint64_t *refs = malloc(nelem ? (size_t)nelem * 8 : 8);
                if (refs) {
                    memcpy(refs, mbuf, (size_t)nelem * 8);
                    resolve_refs(w, refs, nelem, depth);
                    free(refs);
                }
            }
            c5_reclaim(mem, mbuf, (size_t)nelem);
        }
        free(mbuf);
    }
    c5_type_close(mems[0]);
    c5_type_close(mems[1]);
}

static void walk_dataset(walker *w, c5_object *ds, int depth)
{
    c5_space sp;
    c5_type *t = NULL;
    int rc = c5_dataset_space(&sp, ds);
    if (rc) {
        fail(w, rc);
        return;
    }
    rc = c5_object_type(&t, ds);
    if (rc) {
        fail(w, rc);
        return;
    }
    walk_type(w, t, 0);
    uint64_t esize = c5_type_size(t), mb = mem_bound(t, 0);
    if (mb < esize)
        mb = esize;
    int ovf;
    uint64_t n = space_npoints(&sp, &ovf);
    uint64_t budget = mb ? w->lim.max_data_bytes / mb : 0;
    int rank = sp.cls == C5_SPACE_SIMPLE ? sp.rank : 0;
    if (rank < 0 || rank > C5_MAX_RANK) {
        c5_type_close(t);
        return;
    }
    if (!ovf && n <= budget) {
        read_value(w, ds_read, ds, t, NULL, n, depth);
    } else if (rank > 0 && budget > 0) {
        /* the leading box of at most `budget` elements, last dimension
         * fastest, so the read stays within the byte budget */
        uint64_t start[C5_MAX_RANK] = {0}, count[C5_MAX_RANK], left = budget, total = 1;
        for (int d = rank - 1; d >= 0; d--) {
            count[d] = sp.dims[d] < left ? sp.dims[d] : left;
            if (count[d] == 0)
                count[d] = 1;
            left /= count[d];
            total *= count[d];
        }
        c5_hyperslab sel = {rank, start, NULL, count, NULL};
        w->st->truncated++;
        read_value(w, ds_read, ds, t, &sel, total, depth);
    } else {
        w->st->truncated++;
    }

    /* a strided selection and a few points, raw */
    if (rank > 0 && !ovf && n > 0 && esize > 0 && esize <= w->lim.max_data_bytes) {
        uint64_t start[C5_MAX_RANK] = {0}, stride[C5_MAX_RANK], count[C5_MAX_RANK], total = 1;
        uint64_t left = w->lim.max_data_bytes / esize / 4;
        if (left == 0)
            left = 1;
        for (int d = rank - 1; d >= 0; d--) {
            stride[d] = sp.dims[d] > 1 ? 2 : 1;
            uint64_t c = (sp.dims[d] + stride[d] - 1) / stride[d];
            count[d] = c < left ? c : left;
            if (count[d] == 0)
                count[d] = 1;
            left /= count[d];
            total *= count[d];
        }
        c5_hyperslab sel = {rank, start, stride, count, NULL};
        size_t cap = (size_t)(total * esize);
        unsigned char *buf = malloc(cap ? cap : 1);
        if (buf) {
            phase(w, 1);
            rc = c5_dataset_read(ds, NULL, &sel, buf, cap);
            phase(w, 0);
            if (rc)
                fail(w, rc);
            else
                w->st->reads_ok++;

            uint64_t pts[3 * C5_MAX_RANK];
            for (int d = 0; d < rank; d++) {
                pts[d] = 0;
                pts[rank + d] = sp.dims[d] - 1;
                pts[2 * rank + d] = sp.dims[d] / 2;
            }
            if (cap >= 3 * esize) {
                phase(w, 1);
                rc = c5_dataset_read_points(ds, NULL, 3, pts, buf, cap);
                phase(w, 0);
                if (rc)
                    fail(w, rc);
                else
                    w->st->reads_ok++;
            }
            free(buf);
        }
    }
    c5_type_close(t);
}

/* ---- attributes --------------------------------------------------------- */

typedef struct namelist {
    char **v;
    size_t n, cap, max;
    int overflow;
} namelist;

static int collect_name(void *ud, const char *name)
{
    namelist *nl = ud;
    if (nl->n >= nl->max) {
        nl->overflow = 1;
        return 1;
    }
    if (nl->n == nl->cap) {
        size_t nc = nl->cap ? nl->cap * 2 : 16;
        char **nv = realloc(nl->v, nc * sizeof *nv);
        if (!nv)
            return 1;
        nl->v = nv;
        nl->cap = nc;
    }
    char *d = dupstr(name ? name : "");
    if (!d)
        return 1;
    nl->v[nl->n++] = d;
    return 0;
}

static void walk_attrs(walker *w, c5_object *o, int depth)
{
    namelist nl = {NULL, 0, 0, w->lim.max_attrs, 0};
    int rc = c5_attr_iterate(o, collect_name, &nl);
    if (rc < 0)
        fail(w, rc);
    if (nl.overflow)
        w->st->truncated++;
    for (size_t i = 0; i < nl.n; i++) {
        c5_attr *a = NULL;
        w->st->attrs++;
        rc = c5_attr_open(&a, o, nl.v[i]);
        if (rc) {
            fail(w, rc);
            continue;
        }
        c5_space sp;
        c5_type *t = NULL;
        rc = c5_attr_space(&sp, a);
        if (rc)
            fail(w, rc);
        int rc2 = c5_attr_type(&t, a);
        if (rc2)
            fail(w, rc2);
        if (!rc && !rc2) {
            walk_type(w, t, 0);
            int ovf;
            uint64_t n = space_npoints(&sp, &ovf);
            if (ovf)
                w->st->truncated++;
            else
                read_value(w, at_read, a, t, NULL, n, depth);
        }
        c5_type_close(t);
        c5_attr_close(a);
    }
    for (size_t i = 0; i < nl.n; i++)
        free(nl.v[i]);
    free(nl.v);
}

/* ---- links and groups ------------------------------------------------- */

typedef struct lrec {
    char *name, *target, *tfile;
    int type;
    uint64_t addr;
} lrec;

typedef struct linklist {
    lrec *v;
    size_t n, cap, max;
    int overflow;
} linklist;

static int collect_link(void *ud, const c5_link *l)
{
    linklist *ll = ud;
    if (ll->n >= ll->max) {
        ll->overflow = 1;
        return 1;
    }
    if (ll->n == ll->cap) {
        size_t nc = ll->cap ? ll->cap * 2 : 16;
        lrec *nv = realloc(ll->v, nc * sizeof *nv);
        if (!nv)
            return 1;
        ll->v = nv;
        ll->cap = nc;
    }
    lrec *r = &ll->v[ll->n];
    r->name = dupstr(l->name ? l->name : "");
    r->target = dupstr(l->target);
    r->tfile = dupstr(l->target_file);
    r->type = l->type;
    r->addr = l->addr;
    if (!r->name) {
        free(r->target);
        free(r->tfile);
        return 1;
    }
    ll->n++;
    return 0;
}

static void free_links(linklist *ll)
{
    for (size_t i = 0; i < ll->n; i++) {
        free(ll->v[i].name);
        free(ll->v[i].target);
        free(ll->v[i].tfile);
    }
    free(ll->v);
    ll->v = NULL;
    ll->n = ll->cap = 0;
}

typedef struct onelink {
    int found, type;
    uint64_t addr;
    char *target;
} onelink;

static int lookup_cb(void *ud, const c5_link *l)
{
    onelink *o = ud;
    if (o->found)
        return 0;
    o->found = 1;
    o->type = l->type;
    o->addr = l->addr;
    o->target = dupstr(l->target);
    return 0;
}

/* Open path relative to base following hard and soft links only. Each
 * component is looked up first, so an external link anywhere on the way
 * (including behind a soft link) is refused instead of being followed. */
static int open_path_safe(walker *w, c5_object *base, const char *path, int hops,
                          c5_object **out)
{
    *out = NULL;
    if (!path || hops > MAX_SOFT_HOPS)
        return C5_ELIMIT;
    c5_object *cur = NULL;
    int rc;
    if (path[0] == '/')
        rc = c5_object_open(&cur, c5_object_file(base), "/");
    else
        rc = c5_object_open_addr(&cur, c5_object_file(base), c5_object_addr(base));
    if (rc)
        return rc;
    char *copy = dupstr(path);
    if (!copy) {
        c5_object_close(cur);
        return C5_ENOMEM;
    }
    int ncomp = 0;
    char *save = NULL;
    for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        if (strcmp(comp, ".") == 0)
            continue;
        if (++ncomp > MAX_PATH_COMPONENTS) {
            rc = C5_ELIMIT;
            break;
        }
        if (c5_object_kind(cur) != C5_OBJ_GROUP) {
            rc = C5_ENOTFOUND;
            break;
        }
        onelink ol = {0, 0, 0, NULL};
        rc = c5_link_lookup(cur, comp, lookup_cb, &ol);
        if (rc == 0 && !ol.found)
            rc = C5_ENOTFOUND;
        c5_object *next = NULL;
        if (rc == 0) {
            if (ol.type == C5_LINK_HARD)
                rc = c5_object_open_at(&next, cur, comp);
            else if (ol.type == C5_LINK_SOFT)
                rc = open_path_safe(w, cur, ol.target, hops + 1, &next);
            else
                rc = C5_EUNSUPPORTED;
        }
        free(ol.target);
        c5_object_close(cur);
        cur = next;
        if (rc)
            break;
    }
    free(copy);
    if (rc) {
        c5_object_close(cur);
        return rc;
    }
    *out = cur;
    return 0;
}

static int count_cb(void *ud, const c5_link *l)
{
    (void)l;
    (*(uint64_t *)ud)++;
    return 0;
}

static void walk_group(walker *w, c5_object *g, int depth)
{
    linklist ll = {NULL, 0, 0, w->lim.max_links, 0};
    int rc = c5_group_iterate(g, C5_ORDER_NAME, collect_link, &ll);
    if (rc < 0)
        fail(w, rc);
    if (ll.overflow)
        w->st->truncated++;

    /* creation order: only to exercise the index; C5_EINVAL is the normal
     * answer for groups that do not track it */
    linklist lc = {NULL, 0, 0, w->lim.max_links, 0};
    rc = c5_group_iterate(g, C5_ORDER_CREATION, collect_link, &lc);
    if (rc < 0 && rc != C5_EINVAL)
        fail(w, rc);
    w->sink += lc.n;
    free_links(&lc);

    for (size_t i = 0; i < ll.n; i++) {
        lrec *l = &ll.v[i];
        w->st->links++;
        int by_name = i < w->lim.max_lookups;
        if (by_name) {
            uint64_t nfound = 0;
            rc = c5_link_lookup(g, l->name, count_cb, &nfound);
            if (rc < 0)
                fail(w, rc);
        }
        c5_object *o = NULL;
        switch (l->type) {
        case C5_LINK_HARD:
            w->st->hard++;
            if (depth + 1 > w->lim.max_depth) {
                w->st->truncated++;
                break;
            }
            if (seen_add(w, l->addr) || !can_open(w))
                break;
            rc = by_name ? c5_object_open_at(&o, g, l->name) : C5_ENOTFOUND;
            if (rc) {
                if (by_name)
                    fail(w, rc);
                rc = c5_object_open_addr(&o, w->f, l->addr);
                if (rc) {
                    fail(w, rc);
                    break;
                }
            }
            if (c5_object_addr(o) != l->addr)
                (void)seen_add(w, c5_object_addr(o));
            walk_object(w, o, depth + 1);
            c5_object_close(o);
            break;
        case C5_LINK_SOFT:
            w->st->soft++;
            if (w->lim.follow_external)
                rc = c5_object_open_at(&o, g, l->name);
            else
                rc = open_path_safe(w, g, l->target, 0, &o);
            if (rc)
                fail(w, rc);
            else
                w->sink += (uint64_t)c5_object_kind(o) + c5_object_addr(o);
            c5_object_close(o);
            break;
        case C5_LINK_EXTERNAL:
            w->st->external++;
            w->sink += (l->target ? strlen(l->target) : 0) + (l->tfile ? strlen(l->tfile) : 0);
            if (!w->lim.follow_external)
                break;
            rc = c5_object_open_at(&o, g, l->name);
            if (rc)
                fail(w, rc);
            else
                w->sink += (uint64_t)c5_object_kind(o) + c5_object_addr(o) +
                           (c5_object_file(o) != w->f);
            c5_object_close(o);
            break;
        default:
            w->st->udlinks++;
            break;
        }
    }
    free_links(&ll);
}

/* ---- objects -------------------------------------------------------------- */

static void walk_object(walker *w, c5_object *o, int depth)
{
    w->st->objects++;
    /* an object in another file (reached through an external link) is
     * not walked: its addresses mean nothing in this file's visited set */
    if (c5_object_file(o) != w->f)
        return;
    walk_attrs(w, o, depth);
    switch (c5_object_kind(o)) {
    case C5_OBJ_GROUP:
        w->st->groups++;
        walk_group(w, o, depth);
        break;
    case C5_OBJ_DATASET:
        w->st->datasets++;
        walk_dataset(w, o, depth);
        break;
    case C5_OBJ_DATATYPE: {
        w->st->datatypes++;
        c5_type *t = NULL;
        int rc = c5_object_type(&t, o);
        if (rc) {
            fail(w, rc);
        } else {
            walk_type(w, t, 0);
            c5_type *c = copy_type(t);
            walk_type(w, c, 0);
            c5_type_close(c);
            c5_type_close(t);
        }
        break;
    }
    default:
        break;
    }
}

static void visit_addr(walker *w, uint64_t addr, int depth)
{
    if (depth > w->lim.max_depth) {
        w->st->truncated++;
        return;
    }
    if (seen_add(w, addr) || !can_open(w))
        return;
    c5_object *o = NULL;
    int rc = c5_object_open_addr(&o, w->f, addr);
    if (rc) {
        fail(w, rc);
        return;
    }
    walk_object(w, o, depth);
    c5_object_close(o);
}

int c5walk_file(c5_file *f, const c5walk_limits *lim, c5walk_stats *st)
{
    c5walk_stats local;
    walker w;
    memset(&w, 0, sizeof w);
    w.f = f;
    if (lim)
        w.lim = *lim;
    if (w.lim.max_depth <= 0)
        w.lim.max_depth = DEF_DEPTH;
    if (!w.lim.max_objects)
        w.lim.max_objects = DEF_OBJECTS;
    if (!w.lim.max_links)
        w.lim.max_links = DEF_LINKS;
    if (!w.lim.max_lookups)
        w.lim.max_lookups = DEF_LOOKUPS;
    if (!w.lim.max_attrs)
        w.lim.max_attrs = DEF_ATTRS;
    if (!w.lim.max_data_bytes)
        w.lim.max_data_bytes = DEF_BYTES;
    if (!w.lim.max_refs)
        w.lim.max_refs = DEF_REFS;
    w.st = st ? st : &local;
    memset(w.st, 0, sizeof *w.st);

    c5_file_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    int rc = c5_file_get_info(f, &info);
    if (rc)
        fail(&w, rc);

    c5_object *root = NULL;
    rc = c5_object_open(&root, f, "/");
    if (rc) {
        fail(&w, rc);
        return rc;
    }
    w.opened++;
    (void)seen_add(&w, c5_object_addr(root));
    walk_object(&w, root, 0);
    c5_object_close(root);
    free(w.seen);
    free(w.used);
    return 0;
}
