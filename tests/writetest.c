/* writetest: end-to-end test of cfive's write API (tests/write_roundtrip.sh).
 *
 *   writetest OUTDIR [SECTION...]     run the sections (default: all)
 *   writetest --list                  print the section names
 *
 * Each section writes <section>_compat.h5 and <section>_latest.h5 (one per
 * c5_format; some sections write more files, named below) into OUTDIR, then
 * reads everything back through cfive's own read API twice: through the
 * still-open writable handle, and after closing and reopening read-only.
 * tests/write_check.py then verifies the same files with h5py. The program
 * prints nothing but errors ("writetest: <section>/<format>: ...") and
 * exits 1 when any check failed.
 *
 * DETERMINISTIC GENERATORS (tests/write_check.py implements the same ones;
 * keep the two in step):
 *   seed(name)  = s; for each byte b of name: s = (s*31 + b) % 65521
 *                 name is the dataset's absolute path, or "path@attr" for
 *                 an attribute.
 *   u64(i, s)   = (i*0x9E3779B97F4A7C15 + s*0xD1B54A32D192ED03 + 1) mod 2^64
 *   ig(b,sg,i,s)= low b bits of u64(i, s), two's complement when sg
 *   fg(i, s)    = (((i*37 + s*11) mod 401) - 200) / 4   (exact in float16)
 *   cg(i, s)    = ((i*7919 + s) mod 20001) - 10000      (small integers)
 *   sg(i, s)    = "v<s>-<i>" followed by (i mod 5) 'x'
 *   ug(i, s)    = "\u00e9" + sg(i, s) + "\u2202"        (UTF-8)
 * The "natural" value of element i (C order over the whole dataset, or over
 * the selection for hyperslab writes) is ig(8*size, signed, i, s) for an
 * integer type and fg(i, s) for a float type. What each file holds is
 * listed in tests/write_check.py, which is the specification of the test.
 *
 * Only include/cfive.h is used. */
#include "cfive.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- generators --------------------------------------------------------- */

static uint64_t seed_of(const char *name)
{
    uint64_t s = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        s = (s * 31 + *p) % 65521;
    return s;
}

static uint64_t u64g(uint64_t i, uint64_t s)
{
    return i * 0x9E3779B97F4A7C15ull + s * 0xD1B54A32D192ED03ull + 1;
}

static int64_t ig(int bits, int sgn, uint64_t i, uint64_t s)
{
    uint64_t v = u64g(i, s);
    if (bits < 64) {
        uint64_t m = (1ull << bits) - 1;
        v &= m;
        if (sgn && (v >> (bits - 1)) & 1)
            v |= ~m;
    }
    return (int64_t)v;
}

static double fg(uint64_t i, uint64_t s)
{
    return (double)((int64_t)((i * 37 + s * 11) % 401) - 200) / 4.0;
}

static int32_t cg(uint64_t i, uint64_t s)
{
    return (int32_t)((i * 7919 + s) % 20001) - 10000;
}

static void sgen(char *out, size_t cap, uint64_t i, uint64_t s)
{
    int n = snprintf(out, cap, "v%llu-%llu", (unsigned long long)s, (unsigned long long)i);
    for (uint64_t k = 0; k < i % 5 && (size_t)n + 1 < cap; k++)
        out[n++] = 'x';
    out[n] = 0;
}

static void ugen(char *out, size_t cap, uint64_t i, uint64_t s)
{
    char t[40];
    sgen(t, sizeof t, i, s);
    snprintf(out, cap, "\xc3\xa9%s\xe2\x88\x82", t);
}

/* ---- reporting ---------------------------------------------------------- */

static int nfail;
static const char *g_section = "";
static const char *g_fmt = "";
static const char *g_sub = ""; /* file within the section, when several */
static c5_file *g_file; /* for c5_errmsg in reports */

static void bad(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "writetest: %s/%s%s%s: ", g_section, g_fmt, *g_sub ? ":" : "", g_sub);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    nfail++;
}

/* A call that must succeed. Evaluates to 1 on success. */
static int ok_(int rc, const char *what, int line)
{
    if (rc == 0)
        return 1;
    bad("line %d: %s: %s (%s)", line, what, c5_strerror(rc), g_file ? c5_errmsg(g_file) : "");
    return 0;
}
#define OK(call) ok_((call), #call, __LINE__)

/* A call that must fail with `want` (0: any error). */
static void must_fail_(int rc, int want, const char *what, int line)
{
    if (rc == 0)
        bad("line %d: %s succeeded, expected an error", line, what);
    else if (want && rc != want)
        bad("line %d: %s: got %s, expected %s", line, what, c5_strerror(rc), c5_strerror(want));
}
#define MUST_FAIL(call, want) must_fail_((call), (want), #call, __LINE__)

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "writetest: out of memory\n");
        exit(3);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *p = xcalloc(strlen(s) + 1, 1);
    strcpy(p, s);
    return p;
}

/* ---- byte packing ------------------------------------------------------- */

static void pack_uint(uint8_t *p, uint64_t v, size_t size, c5_byteorder order)
{
    for (size_t k = 0; k < size; k++) {
        uint8_t b = (uint8_t)(v >> (8 * k));
        p[order == C5_ORDER_BE ? size - 1 - k : k] = b;
    }
}

/* IEEE half of v; exact for the generators' values (normal, multiples of
 * 1/4 up to 50 in magnitude). */
static uint16_t half_bits(double v)
{
    if (v == 0)
        return 0;
    uint16_t sign = v < 0 ? 0x8000 : 0;
    double a = v < 0 ? -v : v;
    int e = 0;
    while (a >= 2) {
        a /= 2;
        e++;
    }
    while (a < 1) {
        a *= 2;
        e--;
    }
    uint16_t frac = (uint16_t)((a - 1) * 1024 + 0.5);
    return (uint16_t)(sign | (uint16_t)((e + 15) << 10) | frac);
}

static void pack_float(uint8_t *p, double v, size_t size, c5_byteorder order)
{
    uint64_t bits;
    if (size == 8) {
        memcpy(&bits, &v, 8);
    } else if (size == 4) {
        float f = (float)v;
        uint32_t b32;
        memcpy(&b32, &f, 4);
        bits = b32;
    } else {
        bits = half_bits(v);
    }
    pack_uint(p, bits, size, order);
}

/* Fill n elements of the integer/float type t with the natural generator,
 * starting at element index i0. */
static void gen_natural(uint8_t *buf, const c5_type *t, uint64_t n, uint64_t i0, uint64_t s)
{
    size_t sz = c5_type_size(t);
    c5_byteorder o = c5_type_order(t);
    for (uint64_t k = 0; k < n; k++) {
        if (c5_type_class(t) == C5_CLASS_FLOAT)
            pack_float(buf + k * sz, fg(i0 + k, s), sz, o);
        else
            pack_uint(buf + k * sz, (uint64_t)ig((int)(8 * sz), c5_type_is_signed(t), i0 + k, s),
                      sz, o);
    }
}

/* ---- types and spaces ---------------------------------------------------- */

static c5_type *T_int(size_t size, int sgn, c5_byteorder o)
{
    c5_type *t = NULL;
    if (!OK(c5_type_integer(&t, size, sgn, o)))
        exit(3);
    return t;
}

static c5_type *T_float(size_t size, c5_byteorder o)
{
    c5_type *t = NULL;
    if (!OK(c5_type_float(&t, size, o)))
        exit(3);
    return t;
}

static c5_type *T_native(c5_native which)
{
    c5_type *t = NULL;
    if (!OK(c5_type_native(&t, which)))
        exit(3);
    return t;
}

static c5_type *T_str(size_t size, c5_strpad pad, c5_cset cs)
{
    c5_type *t = NULL;
    if (!OK(c5_type_string(&t, size, pad, cs)))
        exit(3);
    return t;
}

static c5_space S_simple(int rank, const uint64_t *dims, const uint64_t *maxdims)
{
    c5_space s;
    memset(&s, 0, sizeof s);
    s.cls = C5_SPACE_SIMPLE;
    s.rank = rank;
    for (int d = 0; d < rank; d++) {
        s.dims[d] = dims[d];
        s.maxdims[d] = maxdims ? maxdims[d] : dims[d];
    }
    return s;
}

static c5_space S_1d(uint64_t n)
{
    return S_simple(1, &n, NULL);
}

static c5_space S_2d(uint64_t a, uint64_t b)
{
    uint64_t d[2] = {a, b};
    return S_simple(2, d, NULL);
}

static c5_space S_scalar(void)
{
    c5_space s;
    memset(&s, 0, sizeof s);
    s.cls = C5_SPACE_SCALAR;
    return s;
}

static uint64_t S_n(const c5_space *s)
{
    if (s->cls == C5_SPACE_NULL)
        return 0;
    uint64_t n = 1;
    for (int d = 0; d < s->rank; d++)
        n *= s->dims[d];
    return n;
}

static c5_dataset_opts D_opts(int storage)
{
    c5_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.storage = storage;
    return o;
}

static void D_chunk(c5_dataset_opts *o, int rank, const uint64_t *chunk)
{
    o->storage = C5_STORAGE_CHUNKED;
    o->chunk_rank = rank;
    for (int d = 0; d < rank; d++)
        o->chunk[d] = chunk[d];
}

/* lzf, lz4 and blosc are optional, as h5py and PyTables set them: a
 * chunk they cannot shrink is stored unfiltered. */
static void D_filter(c5_dataset_opts *o, unsigned id, size_t ncd, const unsigned *cd)
{
    c5_filter *fl = &o->filters[o->nfilters++];
    memset(fl, 0, sizeof *fl);
    fl->id = id;
    fl->flags = id == C5_FILTER_LZF || id == C5_FILTER_LZ4 || id == C5_FILTER_BLOSC;
    fl->ncd = ncd;
    for (size_t k = 0; k < ncd; k++)
        fl->cd[k] = cd[k];
}

/* ---- expectations: what must read back ------------------------------------ */

enum { E_DATA, E_VSTR, E_VSEQ, E_NOATTR, E_NOLINK, E_LINKS, E_LINK, E_SAME, E_REGREF,
       E_NATTRS, E_ANAMES };

typedef struct expect {
    int kind;
    char *path, *attr, *path2;
    /* E_DATA/E_VSTR/E_VSEQ */
    c5_space space;
    int fclass;          /* expected file type class, size, order (-1: skip) */
    size_t fsize;
    int forder;
    c5_type *mem;        /* read as (NULL: file bytes) */
    uint8_t *bytes;      /* E_DATA: expected, mem form; E_VSEQ: all elements */
    size_t nbytes;
    char **strs;         /* E_VSTR: strings; E_LINKS: names in order */
    size_t n;
    size_t *lens;        /* E_VSEQ lengths; base elements basesz bytes */
    size_t basesz;
    int order;           /* E_LINKS: c5_order */
    int ltype;           /* E_LINK */
    char *target, *tfile;
    uint64_t obj;        /* E_REGREF: referenced object address */
    uint8_t ref[12];
} expect;

static expect *g_exp;
static size_t g_nexp, g_capexp;

static expect *add_exp(int kind, const char *path, const char *attr)
{
    if (g_nexp == g_capexp) {
        g_capexp = g_capexp ? 2 * g_capexp : 64;
        g_exp = realloc(g_exp, g_capexp * sizeof *g_exp);
        if (!g_exp)
            exit(3);
    }
    expect *e = &g_exp[g_nexp++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->path = xstrdup(path);
    e->attr = xstrdup(attr);
    e->fclass = -1;
    return e;
}

static void set_ftype(expect *e, const c5_type *ft)
{
    e->fclass = c5_type_class(ft);
    e->fsize = c5_type_size(ft);
    e->forder = c5_type_order(ft);
}

/* Expect path (or path@attr) to read, through mem (NULL: file bytes), as
 * `bytes`. */
static void exp_data(const char *path, const char *attr, const c5_type *ft, const c5_space *sp,
                     const c5_type *mem, const void *bytes, size_t nbytes)
{
    expect *e = add_exp(E_DATA, path, attr);
    e->space = *sp;
    if (ft)
        set_ftype(e, ft);
    if (mem && !OK(c5_type_copy(&e->mem, mem)))
        exit(3);
    e->bytes = xcalloc(nbytes, 1);
    memcpy(e->bytes, bytes, nbytes);
    e->nbytes = nbytes;
}

static void exp_vstr(const char *path, const char *attr, const c5_type *ft, const c5_space *sp,
                     char *const *strs, size_t n)
{
    expect *e = add_exp(E_VSTR, path, attr);
    e->space = *sp;
    set_ftype(e, ft);
    if (!OK(c5_type_native(&e->mem, C5_NATIVE_VLSTRING)))
        exit(3);
    e->strs = xcalloc(n, sizeof(char *));
    for (size_t k = 0; k < n; k++)
        e->strs[k] = xstrdup(strs[k] ? strs[k] : "");
    e->n = n;
}

static void exp_vseq(const char *path, const char *attr, const c5_type *ft, const c5_space *sp,
                     const c5_vl *v, size_t n, size_t basesz)
{
    expect *e = add_exp(E_VSEQ, path, attr);
    e->space = *sp;
    set_ftype(e, ft);
    if (!OK(c5_type_copy(&e->mem, ft)))
        exit(3);
    e->n = n;
    e->basesz = basesz;
    e->lens = xcalloc(n, sizeof(size_t));
    size_t tot = 0;
    for (size_t k = 0; k < n; k++)
        tot += v[k].len;
    e->bytes = xcalloc(tot * basesz, 1);
    e->nbytes = tot * basesz;
    size_t off = 0;
    for (size_t k = 0; k < n; k++) {
        e->lens[k] = v[k].len;
        if (v[k].len)
            memcpy(e->bytes + off, v[k].p, v[k].len * basesz);
        off += v[k].len * basesz;
    }
}

static void exp_links(const char *path, int order, char *const *names, size_t n)
{
    expect *e = add_exp(E_LINKS, path, NULL);
    e->order = order;
    e->strs = xcalloc(n, sizeof(char *));
    for (size_t k = 0; k < n; k++)
        e->strs[k] = xstrdup(names[k]);
    e->n = n;
}

static void exp_link(const char *path, int ltype, const char *target, const char *tfile)
{
    expect *e = add_exp(E_LINK, path, NULL);
    e->ltype = ltype;
    e->target = xstrdup(target);
    e->tfile = xstrdup(tfile);
}

static void exp_same(const char *a, const char *b)
{
    expect *e = add_exp(E_SAME, a, NULL);
    e->path2 = xstrdup(b);
}

/* Attribute names of path in c5_attr_iterate order. */
static void exp_anames(const char *path, char *const *nm, size_t n)
{
    expect *e = add_exp(E_ANAMES, path, NULL);
    e->strs = xcalloc(n, sizeof(char *));
    for (size_t k = 0; k < n; k++)
        e->strs[k] = xstrdup(nm[k]);
    e->n = n;
}

static void exp_noattr(const char *path, const char *attr)
{
    add_exp(E_NOATTR, path, attr);
}

static void exp_nolink(const char *path)
{
    add_exp(E_NOLINK, path, NULL);
}

static void exp_nattrs(const char *path, size_t n)
{
    expect *e = add_exp(E_NATTRS, path, NULL);
    e->n = n;
}

static void free_exp(expect *e)
{
    free(e->path);
    free(e->attr);
    free(e->path2);
    c5_type_close(e->mem);
    free(e->bytes);
    if (e->strs)
        for (size_t j = 0; j < e->n; j++)
            free(e->strs[j]);
    free(e->strs);
    free(e->lens);
    free(e->target);
    free(e->tfile);
}

/* Forget the last expectation when it is about path. */
static void drop_last_exp(const char *path)
{
    if (g_nexp && !strcmp(g_exp[g_nexp - 1].path, path))
        free_exp(&g_exp[--g_nexp]);
}

static void free_exps(void)
{
    for (size_t k = 0; k < g_nexp; k++)
        free_exp(&g_exp[k]);
    g_nexp = 0;
}

/* ---- verification through the read API ---------------------------------- */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static int collect_cb(void *ud, const c5_link *l)
{
    names *nm = ud;
    if (nm->n == nm->cap) {
        nm->cap = nm->cap ? 2 * nm->cap : 16;
        nm->v = realloc(nm->v, nm->cap * sizeof(char *));
        if (!nm->v)
            exit(3);
    }
    nm->v[nm->n++] = xstrdup(l->name);
    return 0;
}

static int count_attr_cb(void *ud, const char *name)
{
    (void)name;
    (*(size_t *)ud)++;
    return 0;
}

static int collect_attr_cb(void *ud, const char *name)
{
    c5_link l;
    memset(&l, 0, sizeof l);
    l.name = name;
    return collect_cb(ud, &l);
}

typedef struct linfo {
    int found, type;
    char target[1024], tfile[1024];
    uint64_t addr;
} linfo;

static int link_cb(void *ud, const c5_link *l)
{
    linfo *li = ud;
    li->found = 1;
    li->type = l->type;
    li->addr = l->addr;
    snprintf(li->target, sizeof li->target, "%s", l->target ? l->target : "");
    snprintf(li->tfile, sizeof li->tfile, "%s", l->target_file ? l->target_file : "");
    return 0;
}

static int same_space(const c5_space *a, const c5_space *b)
{
    if (a->cls != b->cls)
        return 0;
    if (a->cls != C5_SPACE_SIMPLE)
        return 1;
    if (a->rank != b->rank)
        return 0;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return 0;
    return 1;
}

static void verify_value(c5_file *f, expect *e, const char *when)
{
    c5_object *o = NULL;
    c5_attr *a = NULL;
    c5_type *ft = NULL;
    c5_space sp;
    const char *what = e->attr ? e->attr : "";
    if (!OK(c5_object_open(&o, f, e->path))) {
        bad("%s: %s@%s: cannot open object", when, e->path, what);
        return;
    }
    int rc;
    if (e->attr) {
        if (!OK(c5_attr_open(&a, o, e->attr))) {
            bad("%s: %s@%s: cannot open attribute", when, e->path, what);
            c5_object_close(o);
            return;
        }
        rc = c5_attr_space(&sp, a);
        if (!rc)
            rc = c5_attr_type(&ft, a);
    } else {
        rc = c5_dataset_space(&sp, o);
        if (!rc)
            rc = c5_object_type(&ft, o);
    }
    if (rc) {
        bad("%s: %s@%s: space/type: %s (%s)", when, e->path, what, c5_strerror(rc),
            c5_errmsg(f));
        goto out;
    }
    if (!same_space(&sp, &e->space))
        bad("%s: %s@%s: dataspace class %d rank %d (dim0 %llu), expected class %d rank %d "
            "(dim0 %llu)",
            when, e->path, what, sp.cls, sp.rank, (unsigned long long)sp.dims[0], e->space.cls,
            e->space.rank, (unsigned long long)e->space.dims[0]);
    if (e->fclass >= 0 &&
        ((int)c5_type_class(ft) != e->fclass || c5_type_size(ft) != e->fsize ||
         (e->fclass <= C5_CLASS_FLOAT && (int)c5_type_order(ft) != e->forder)))
        bad("%s: %s@%s: file type class %d size %zu order %d, expected %d %zu %d", when, e->path,
            what, c5_type_class(ft), c5_type_size(ft), c5_type_order(ft), e->fclass, e->fsize,
            e->forder);
    uint64_t n = S_n(&e->space);
    size_t msz = e->mem ? c5_type_mem_size(e->mem) : c5_type_size(ft);
    size_t cap = (size_t)n * msz;
    uint8_t *buf = xcalloc(cap ? cap : 1, 1);
    rc = e->attr ? c5_attr_read(a, e->mem, buf, cap) : c5_dataset_read(o, e->mem, NULL, buf, cap);
    if (rc) {
        bad("%s: read %s@%s: %s (%s)", when, e->path, what, c5_strerror(rc), c5_errmsg(f));
        free(buf);
        goto out;
    }
    if (e->kind == E_DATA) {
        if (cap != e->nbytes)
            bad("%s: %s@%s: %zu bytes read, expected %zu", when, e->path, what, cap, e->nbytes);
        else
            for (size_t k = 0; k < cap; k++)
                if (buf[k] != e->bytes[k]) {
                    bad("%s: %s@%s: byte %zu (element %zu) is 0x%02x, expected 0x%02x", when,
                        e->path, what, k, k / (msz ? msz : 1), buf[k], e->bytes[k]);
                    break;
                }
    } else if (e->kind == E_VSTR) {
        char **sv = (char **)buf;
        for (size_t k = 0; k < e->n && k < n; k++)
            if (strcmp(sv[k] ? sv[k] : "", e->strs[k])) {
                bad("%s: %s@%s: string %zu is \"%s\", expected \"%s\"", when, e->path, what, k,
                    sv[k] ? sv[k] : "(null)", e->strs[k]);
                break;
            }
    } else {
        c5_vl *vv = (c5_vl *)buf;
        size_t off = 0;
        for (size_t k = 0; k < e->n && k < n; k++) {
            if (vv[k].len != e->lens[k]) {
                bad("%s: %s@%s: sequence %zu has %zu elements, expected %zu", when, e->path, what,
                    k, vv[k].len, e->lens[k]);
                break;
            }
            if (e->lens[k] && memcmp(vv[k].p, e->bytes + off, e->lens[k] * e->basesz)) {
                bad("%s: %s@%s: sequence %zu differs", when, e->path, what, k);
                break;
            }
            off += e->lens[k] * e->basesz;
        }
    }
    if (e->mem)
        c5_reclaim(e->mem, buf, (size_t)n);
    free(buf);
out:
    c5_type_close(ft);
    c5_attr_close(a);
    c5_object_close(o);
}

static void verify(c5_file *f, const char *when)
{
    c5_file *saved = g_file;
    g_file = f;
    c5_object *root = NULL;
    if (!OK(c5_object_open(&root, f, "/"))) {
        bad("%s: cannot open the root group", when);
        g_file = saved;
        return;
    }
    for (size_t k = 0; k < g_nexp; k++) {
        expect *e = &g_exp[k];
        switch (e->kind) {
        case E_DATA:
        case E_VSTR:
        case E_VSEQ:
            verify_value(f, e, when);
            break;
        case E_NOATTR: {
            c5_object *o = NULL;
            c5_attr *a = NULL;
            if (OK(c5_object_open(&o, f, e->path))) {
                int rc = c5_attr_open(&a, o, e->attr);
                if (rc != C5_ENOTFOUND)
                    bad("%s: deleted attribute %s@%s: open gave %s, expected %s", when, e->path,
                        e->attr, c5_strerror(rc), c5_strerror(C5_ENOTFOUND));
                c5_attr_close(a);
            }
            c5_object_close(o);
            break;
        }
        case E_NATTRS: {
            c5_object *o = NULL;
            size_t cnt = 0;
            if (OK(c5_object_open(&o, f, e->path)) && OK(c5_attr_iterate(o, count_attr_cb, &cnt)) &&
                cnt != e->n)
                bad("%s: %s has %zu attributes, expected %zu", when, e->path, cnt, e->n);
            c5_object_close(o);
            break;
        }
        case E_ANAMES: {
            c5_object *o = NULL;
            names nm = {0};
            if (OK(c5_object_open(&o, f, e->path)) &&
                OK(c5_attr_iterate(o, collect_attr_cb, &nm))) {
                if (nm.n != e->n)
                    bad("%s: %s has %zu attributes, expected %zu", when, e->path, nm.n, e->n);
                for (size_t j = 0; j < nm.n && j < e->n; j++)
                    if (strcmp(nm.v[j], e->strs[j])) {
                        bad("%s: %s: attribute %zu is \"%s\", expected \"%s\"", when, e->path,
                            j, nm.v[j], e->strs[j]);
                        break;
                    }
            }
            for (size_t j = 0; j < nm.n; j++)
                free(nm.v[j]);
            free(nm.v);
            c5_object_close(o);
            break;
        }
        case E_NOLINK: {
            linfo li = {0};
            int rc = c5_link_lookup(root, e->path, link_cb, &li);
            if (rc != C5_ENOTFOUND || li.found)
                bad("%s: deleted link %s: lookup gave %s", when, e->path, c5_strerror(rc));
            break;
        }
        case E_LINKS: {
            c5_object *g = NULL;
            names nm = {0};
            if (OK(c5_object_open(&g, f, e->path)) &&
                OK(c5_group_iterate(g, (c5_order)e->order, collect_cb, &nm))) {
                if (nm.n != e->n)
                    bad("%s: group %s has %zu links, expected %zu", when, e->path, nm.n, e->n);
                for (size_t j = 0; j < nm.n && j < e->n; j++)
                    if (strcmp(nm.v[j], e->strs[j])) {
                        bad("%s: group %s (%s order): link %zu is \"%s\", expected \"%s\"", when,
                            e->path, e->order ? "creation" : "name", j, nm.v[j], e->strs[j]);
                        break;
                    }
            }
            for (size_t j = 0; j < nm.n; j++)
                free(nm.v[j]);
            free(nm.v);
            c5_object_close(g);
            break;
        }
        case E_LINK: {
            linfo li = {0};
            if (OK(c5_link_lookup(root, e->path, link_cb, &li))) {
                if (!li.found || li.type != e->ltype)
                    bad("%s: link %s: type %d, expected %d", when, e->path, li.type, e->ltype);
                else if (e->target && strcmp(li.target, e->target))
                    bad("%s: link %s: target \"%s\", expected \"%s\"", when, e->path, li.target,
                        e->target);
                else if (e->tfile && strcmp(li.tfile, e->tfile))
                    bad("%s: link %s: file \"%s\", expected \"%s\"", when, e->path, li.tfile,
                        e->tfile);
            }
            break;
        }
        case E_SAME: {
            c5_object *a = NULL, *b = NULL;
            if (OK(c5_object_open(&a, f, e->path)) && OK(c5_object_open(&b, f, e->path2)) &&
                c5_object_addr(a) != c5_object_addr(b))
                bad("%s: %s and %s are different objects (%llu, %llu)", when, e->path, e->path2,
                    (unsigned long long)c5_object_addr(a), (unsigned long long)c5_object_addr(b));
            c5_object_close(a);
            c5_object_close(b);
            break;
        }
        case E_REGREF: {
            /* e->bytes: the selection bytes; e->ref: the reference */
            uint64_t obj = 0;
            void *sel = NULL;
            size_t sl = 0;
            if (OK(c5_regref_read(f, e->ref, &obj, &sel, &sl))) {
                if (obj != e->obj)
                    bad("%s: region reference %s: object %llu, expected %llu", when, e->path,
                        (unsigned long long)obj, (unsigned long long)e->obj);
                if (sl != e->nbytes || memcmp(sel, e->bytes, sl))
                    bad("%s: region reference %s: selection of %zu bytes differs (expected %zu)",
                        when, e->path, sl, e->nbytes);
            }
            free(sel);
            break;
        }
        }
    }
    c5_object_close(root);
    g_file = saved;
}

/* ---- writing helpers ------------------------------------------------------ */

static char g_dir[2048];
static int g_format;

static void fpath(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static c5_open_opts O_opts(int format, uint64_t userblock)
{
    c5_open_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.format = format;
    o.userblock = userblock;
    return o;
}

/* Create <section>_<fmt>.h5 (or `name` when given) with mode "w". */
static c5_file *create_file(const char *name, uint64_t userblock, char *path, size_t cap)
{
    char nm[512];
    if (name)
        snprintf(nm, sizeof nm, "%s", name);
    else
        snprintf(nm, sizeof nm, "%s_%s.h5", g_section, g_fmt);
    fpath(path, cap, nm);
    c5_open_opts o = O_opts(g_format, userblock);
    c5_file *f = NULL;
    g_file = NULL;
    if (!OK(c5_file_open_mode(&f, path, "w", &o)))
        return NULL;
    g_file = f;
    return f;
}

/* Verify through the open handle, close, reopen read-only, verify again. */
static void finish(c5_file *f, const char *path)
{
    verify(f, "open handle");
    int rc = c5_file_close(f);
    g_file = NULL;
    if (rc)
        bad("close %s: %s", path, c5_strerror(rc));
    c5_file *r = NULL;
    if (OK(c5_file_open(&r, path, NULL))) {
        g_file = r;
        verify(r, "reopened");
        c5_file_close(r);
    }
    g_file = NULL;
    free_exps();
}

static c5_object *mkds(c5_file *f, const char *path, const c5_type *t, const c5_space *sp,
                       const c5_dataset_opts *o)
{
    c5_object *ds = NULL;
    int rc = c5_dataset_create(&ds, f, path, t, sp, o);
    if (rc) {
        bad("create dataset %s: %s (%s)", path, c5_strerror(rc), c5_errmsg(f));
        return NULL;
    }
    return ds;
}

static int wr(c5_object *ds, const char *path, const c5_type *mem, const c5_hyperslab *sel,
              const void *buf, size_t len)
{
    if (!ds)
        return -1;
    int rc = c5_dataset_write(ds, mem, sel, buf, len);
    if (rc)
        bad("write %s: %s (%s)", path, c5_strerror(rc), c5_errmsg(c5_object_file(ds)));
    return rc;
}

/* Dataset of an integer/float type filled with its natural values (whole
 * dataset write), with the expectation recorded. */
static c5_object *natural_ds(c5_file *f, const char *path, const c5_type *t, const c5_space *sp,
                             const c5_dataset_opts *o, int keep)
{
    c5_object *ds = mkds(f, path, t, sp, o);
    uint64_t n = S_n(sp);
    size_t sz = c5_type_size(t);
    uint8_t *buf = xcalloc((size_t)n, sz);
    gen_natural(buf, t, n, 0, seed_of(path));
    if (ds && wr(ds, path, NULL, NULL, buf, (size_t)n * sz) == 0)
        exp_data(path, NULL, t, sp, NULL, buf, (size_t)n * sz);
    free(buf);
    if (!keep) {
        c5_object_close(ds);
        ds = NULL;
    }
    return ds;
}

static void attr_natural(c5_object *o, const char *opath, const char *name, const c5_type *t,
                         const c5_space *sp)
{
    char key[1024];
    snprintf(key, sizeof key, "%s@%s", opath, name);
    uint64_t n = S_n(sp);
    size_t sz = c5_type_size(t);
    uint8_t *buf = xcalloc((size_t)n, sz);
    gen_natural(buf, t, n, 0, seed_of(key));
    int rc = o ? c5_attr_write(o, name, t, sp, NULL, buf, (size_t)n * sz) : 0;
    if (!o)
        bad("write attribute %s: skipped, its object did not open", key);
    else if (rc)
        bad("write attribute %s: %s (%s)", key, c5_strerror(rc), g_file ? c5_errmsg(g_file) : "");
    else
        exp_data(opath, name, t, sp, NULL, buf, (size_t)n * sz);
    free(buf);
}

static c5_object *open_obj(c5_file *f, const char *path)
{
    c5_object *o = NULL;
    int rc = c5_object_open(&o, f, path);
    if (rc)
        bad("open %s: %s (%s)", path, c5_strerror(rc), c5_errmsg(f));
    return o;
}

static void mkgroup(c5_file *f, const char *path, unsigned flags)
{
    c5_group_opts go = {sizeof go, flags};
    int rc = c5_group_create(NULL, f, path, &go);
    if (rc)
        bad("create group %s: %s (%s)", path, c5_strerror(rc), c5_errmsg(f));
}

/* ================================================================== */
/* groups: nesting, intermediate creation, track_order, 0..2000 links */

static void sec_groups(void)
{
    char path[4096], p[256];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    mkgroup(f, "/a/b/c", C5_CREATE_PARENTS);
    mkgroup(f, "/x", 0);
    mkgroup(f, "/x/y", 0);
    MUST_FAIL(c5_group_create(NULL, f, "/x", NULL), C5_EEXIST);
    MUST_FAIL(c5_group_create(NULL, f, "/nope/z", NULL), 0);
    {
        char *n1[] = {"b"}, *n2[] = {"c"}, *nr[] = {"a", "n0", "n1", "n100", "n2000", "n9",
                                                   "to", "to_big", "x"};
        exp_links("/a", C5_ORDER_NAME, n1, 1);
        exp_links("/a/b", C5_ORDER_NAME, n2, 1);
        exp_links("/a/b/c", C5_ORDER_NAME, NULL, 0);
        exp_links("/", C5_ORDER_NAME, nr, 9);
    }
    /* track_order: creation order differs from name order */
    static char *order[] = {"zeta", "alpha", "mu", "beta", "omega", "delta"};
    mkgroup(f, "/to", C5_CREATE_TRACK_ORDER);
    for (int k = 0; k < 6; k++) {
        snprintf(p, sizeof p, "/to/%s", order[k]);
        mkgroup(f, p, 0);
    }
    exp_links("/to", C5_ORDER_CREATION, order, 6);
    {
        char *sorted[] = {"alpha", "beta", "delta", "mu", "omega", "zeta"};
        exp_links("/to", C5_ORDER_NAME, sorted, 6);
    }
    /* 20 links created in reverse name order: dense with a creation-order
     * index in the latest format */
    mkgroup(f, "/to_big", C5_CREATE_TRACK_ORDER);
    {
        char *cr[20], *nm[20];
        for (int k = 0; k < 20; k++) {
            char b[32];
            snprintf(b, sizeof b, "n%02d", 19 - k);
            cr[k] = xstrdup(b);
            snprintf(b, sizeof b, "n%02d", k);
            nm[k] = xstrdup(b);
            snprintf(p, sizeof p, "/to_big/%s", cr[k]);
            mkgroup(f, p, 0);
        }
        exp_links("/to_big", C5_ORDER_CREATION, cr, 20);
        exp_links("/to_big", C5_ORDER_NAME, nm, 20);
        for (int k = 0; k < 20; k++) {
            free(cr[k]);
            free(nm[k]);
        }
    }
    /* groups holding 0, 1, 9 and 100 subgroups */
    static const int counts[] = {0, 1, 9, 100};
    for (int c = 0; c < 4; c++) {
        char g[32];
        snprintf(g, sizeof g, "/n%d", counts[c]);
        mkgroup(f, g, 0);
        char **nm = xcalloc((size_t)counts[c] + 1, sizeof(char *));
        for (int k = 0; k < counts[c]; k++) {
            char b[32];
            snprintf(b, sizeof b, "g%04d", k);
            nm[k] = xstrdup(b);
            snprintf(p, sizeof p, "%s/%s", g, b);
            mkgroup(f, p, 0);
        }
        exp_links(g, C5_ORDER_NAME, nm, (size_t)counts[c]);
        for (int k = 0; k < counts[c]; k++)
            free(nm[k]);
        free(nm);
    }
    /* 2000 links: k%3 == 0 a new group, 1 a soft link to /x/y, 2 a hard
     * link to /x */
    mkgroup(f, "/n2000", 0);
    {
        c5_object *x = open_obj(f, "/x");
        char **nm = xcalloc(2000, sizeof(char *));
        for (int k = 0; k < 2000; k++) {
            char b[32];
            snprintf(b, sizeof b, "k%04d", k);
            nm[k] = xstrdup(b);
            snprintf(p, sizeof p, "/n2000/%s", b);
            if (k % 3 == 0)
                mkgroup(f, p, 0);
            else if (k % 3 == 1)
                OK(c5_link_soft(f, p, "/x/y", 0));
            else if (x)
                OK(c5_link_hard(f, p, x, 0));
        }
        exp_links("/n2000", C5_ORDER_NAME, nm, 2000);
        for (int k = 0; k < 2000; k++)
            free(nm[k]);
        free(nm);
        c5_object_close(x);
        exp_link("/n2000/k1999", C5_LINK_SOFT, "/x/y", NULL);
        exp_same("/n2000/k0002", "/x");
        exp_same("/n2000/k1997", "/x");
        exp_same("/n2000/k0001", "/x/y");
    }
    finish(f, path);
}

/* ================================================================== */
/* datasets: layouts, ranks, max dims, fill, hyperslabs, conversion,   */
/* resize                                                               */

/* Expected bytes of a dataset of n elements of type t all `fill` (NULL:
 * zeros), with a hyperslab written with natural values in selection order. */
static void hyper_apply(uint8_t *all, const c5_space *sp, size_t esz, const c5_hyperslab *h,
                        const uint8_t *selbytes)
{
    /* iterate selected coordinates in C order */
    int r = h->rank;
    uint64_t idx[C5_MAX_RANK] = {0}; /* per dim: position in count*block */
    uint64_t tot[C5_MAX_RANK];
    uint64_t nsel = 1;
    for (int d = 0; d < r; d++) {
        tot[d] = h->count[d] * (h->block ? h->block[d] : 1);
        nsel *= tot[d];
    }
    for (uint64_t k = 0; k < nsel; k++) {
        uint64_t lin = 0;
        for (int d = 0; d < r; d++) {
            uint64_t b = h->block ? h->block[d] : 1, st = h->stride ? h->stride[d] : 1;
            uint64_t c = h->start[d] + (idx[d] / b) * st + idx[d] % b;
            lin = lin * sp->dims[d] + c;
        }
        memcpy(all + lin * esz, selbytes + k * esz, esz);
        for (int d = r - 1; d >= 0; d--) {
            if (++idx[d] < tot[d])
                break;
            idx[d] = 0;
        }
    }
}

static void fill_elems(uint8_t *buf, uint64_t n, size_t esz, const void *fill)
{
    for (uint64_t k = 0; k < n; k++) {
        if (fill)
            memcpy(buf + k * esz, fill, esz);
        else
            memset(buf + k * esz, 0, esz);
    }
}

static void sec_datasets(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    c5_type *i16 = T_int(2, 1, C5_ORDER_LE), *i32 = T_int(4, 1, C5_ORDER_LE),
            *f64 = T_float(8, C5_ORDER_LE), *u8 = T_int(1, 0, C5_ORDER_LE);
    c5_dataset_opts o;

    /* compact */
    o = D_opts(C5_STORAGE_COMPACT);
    c5_space s = S_1d(10);
    natural_ds(f, "/compact1", i32, &s, &o, 0);
    s = S_2d(3, 4);
    natural_ds(f, "/compact2", f64, &s, &o, 0);
    {
        uint64_t d3[3] = {2, 3, 4};
        s = S_simple(3, d3, NULL);
        natural_ds(f, "/compact3", i16, &s, &o, 0);
    }
    /* contiguous, rank 1..4 */
    o = D_opts(C5_STORAGE_CONTIGUOUS);
    {
        uint64_t d1[1] = {100}, d2[2] = {7, 9}, d3[3] = {3, 4, 5}, d4[4] = {2, 3, 4, 5};
        s = S_simple(1, d1, NULL);
        natural_ds(f, "/contig1", i32, &s, &o, 0);
        s = S_simple(2, d2, NULL);
        natural_ds(f, "/contig2", i32, &s, &o, 0);
        s = S_simple(3, d3, NULL);
        natural_ds(f, "/contig3", f64, &s, &o, 0);
        s = S_simple(4, d4, NULL);
        natural_ds(f, "/contig4", i16, &s, &o, 0);
    }
    /* default storage (no chunk dims, fixed dims): contiguous */
    {
        c5_dataset_opts od = D_opts(C5_STORAGE_DEFAULT);
        s = S_1d(5);
        natural_ds(f, "/default_storage", i32, &s, &od, 0);
    }
    /* chunked, rank 1..4, with edge chunks */
    {
        uint64_t d1[1] = {100}, c1[1] = {16};
        uint64_t d2[2] = {7, 9}, c2[2] = {3, 4};
        uint64_t d3[3] = {5, 6, 7}, c3[3] = {2, 4, 3};
        uint64_t d4[4] = {3, 4, 5, 6}, c4[4] = {2, 3, 2, 4};
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 1, c1);
        s = S_simple(1, d1, NULL);
        natural_ds(f, "/chunk1", i16, &s, &o, 0);
        D_chunk(&o, 2, c2);
        s = S_simple(2, d2, NULL);
        natural_ds(f, "/chunk2", i32, &s, &o, 0);
        D_chunk(&o, 3, c3);
        s = S_simple(3, d3, NULL);
        natural_ds(f, "/chunk3", f64, &s, &o, 0);
        D_chunk(&o, 4, c4);
        s = S_simple(4, d4, NULL);
        natural_ds(f, "/chunk4", i32, &s, &o, 0);
    }
    /* rank 32: dims 2 where d % 8 == 0, else 1 (16 elements) */
    {
        uint64_t d[32], c[32];
        for (int k = 0; k < 32; k++) {
            d[k] = k % 8 == 0 ? 2 : 1;
            c[k] = 1;
        }
        s = S_simple(32, d, NULL);
        o = D_opts(C5_STORAGE_CONTIGUOUS);
        natural_ds(f, "/rank32", i32, &s, &o, 0);
        (void)c; /* chunked rank 32: its own file, see the end */
    }
    /* max dims: fixed larger, one unlimited, two unlimited, mixed; single
     * chunk */
    {
        uint64_t d1 = 10, m1 = 20, c1 = 4, mu = C5_UNLIMITED;
        uint64_t d2[2] = {6, 8}, mu2[2] = {C5_UNLIMITED, C5_UNLIMITED},
                 mm2[2] = {C5_UNLIMITED, 8}, c2[2] = {4, 3};
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 1, &c1);
        s = S_simple(1, &d1, &m1);
        natural_ds(f, "/maxd_fixed", i32, &s, &o, 0);
        s = S_simple(1, &d1, &mu);
        natural_ds(f, "/maxd_unlim1", i32, &s, &o, 0);
        D_chunk(&o, 2, c2);
        s = S_simple(2, d2, mu2);
        natural_ds(f, "/maxd_unlim2", f64, &s, &o, 0);
        s = S_simple(2, d2, mm2);
        natural_ds(f, "/maxd_mixed", i16, &s, &o, 0);
        uint64_t cs[2] = {6, 8};
        D_chunk(&o, 2, cs);
        s = S_simple(2, d2, NULL);
        natural_ds(f, "/single", i32, &s, &o, 0);
        /* default storage with a max dim above its dim: chunked */
        c5_dataset_opts od = D_opts(C5_STORAGE_DEFAULT);
        s = S_simple(1, &d1, &mu);
        natural_ds(f, "/default_unlim", i32, &s, &od, 0);
        /* zero-sized, unlimited */
        uint64_t z = 0;
        D_chunk(&o, 1, &c1);
        s = S_simple(1, &z, &mu);
        c5_object *ds = mkds(f, "/empty", i32, &s, &o);
        if (ds)
            exp_data("/empty", NULL, i32, &s, NULL, "", 0);
        c5_object_close(ds);
    }
    /* scalar and null dataspaces */
    {
        s = S_scalar();
        o = D_opts(C5_STORAGE_DEFAULT);
        natural_ds(f, "/scalar", f64, &s, &o, 0);
        c5_space sn;
        memset(&sn, 0, sizeof sn);
        sn.cls = C5_SPACE_NULL;
        c5_object *ds = mkds(f, "/null", i32, &sn, &o);
        if (ds)
            exp_data("/null", NULL, i32, &sn, NULL, "", 0);
        c5_object_close(ds);
    }
    /* fill values: partly written datasets */
    {
        int32_t fill = -5;
        o = D_opts(C5_STORAGE_CONTIGUOUS);
        o.fill = &fill;
        s = S_1d(20);
        c5_object *ds = mkds(f, "/fill_contig", i32, &s, &o);
        uint64_t st = 5, cnt = 5;
        c5_hyperslab h = {1, &st, NULL, &cnt, NULL};
        int32_t part[5], all[20];
        gen_natural((uint8_t *)part, i32, 5, 0, seed_of("/fill_contig"));
        fill_elems((uint8_t *)all, 20, 4, &fill);
        hyper_apply((uint8_t *)all, &s, 4, &h, (uint8_t *)part);
        if (wr(ds, "/fill_contig", NULL, &h, part, sizeof part) == 0)
            exp_data("/fill_contig", NULL, i32, &s, NULL, all, sizeof all);
        c5_object_close(ds);
    }
    {
        double fill = 3.5;
        uint64_t c2[2] = {5, 5}, st[2] = {0, 0}, cnt[2] = {5, 10};
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 2, c2);
        o.fill = &fill;
        s = S_2d(20, 20);
        c5_object *ds = mkds(f, "/fill_chunk", f64, &s, &o);
        c5_hyperslab h = {2, st, NULL, cnt, NULL};
        double part[50], *all = xcalloc(400, 8);
        gen_natural((uint8_t *)part, f64, 50, 0, seed_of("/fill_chunk"));
        fill_elems((uint8_t *)all, 400, 8, &fill);
        hyper_apply((uint8_t *)all, &s, 8, &h, (uint8_t *)part);
        if (wr(ds, "/fill_chunk", NULL, &h, part, sizeof part) == 0)
            exp_data("/fill_chunk", NULL, f64, &s, NULL, all, 400 * 8);
        free(all);
        c5_object_close(ds);
    }
    {
        /* no fill value, nothing written: zeros */
        uint64_t c2[2] = {4, 4};
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 2, c2);
        s = S_2d(10, 10);
        c5_object *ds = mkds(f, "/fill_default_chunk", i32, &s, &o);
        uint8_t zero[400] = {0};
        if (ds)
            exp_data("/fill_default_chunk", NULL, i32, &s, NULL, zero, 400);
        c5_object_close(ds);
        o = D_opts(C5_STORAGE_CONTIGUOUS);
        ds = mkds(f, "/fill_default_contig", i32, &s, &o);
        if (ds)
            exp_data("/fill_default_contig", NULL, i32, &s, NULL, zero, 400);
        c5_object_close(ds);
    }
    {
        /* allocation/fill time: early + fill at alloc (contiguous and
         * chunked: implicit index in the latest format), late */
        int32_t fill = 42;
        uint8_t all[400];
        s = S_2d(10, 10);
        fill_elems(all, 100, 4, &fill);
        o = D_opts(C5_STORAGE_CONTIGUOUS);
        o.fill = &fill;
        o.alloc_time = C5_ALLOC_EARLY;
        o.fill_time = C5_FILL_ALLOC;
        c5_object *ds = mkds(f, "/alloc_early_contig", i32, &s, &o);
        if (ds)
            exp_data("/alloc_early_contig", NULL, i32, &s, NULL, all, 400);
        c5_object_close(ds);
        uint64_t c2[2] = {4, 4}, st[2] = {2, 3}, cnt[2] = {3, 3};
        D_chunk(&o, 2, c2);
        ds = mkds(f, "/alloc_early_chunk", i32, &s, &o);
        c5_hyperslab h = {2, st, NULL, cnt, NULL};
        int32_t part[9];
        gen_natural((uint8_t *)part, i32, 9, 0, seed_of("/alloc_early_chunk"));
        hyper_apply(all, &s, 4, &h, (uint8_t *)part);
        if (wr(ds, "/alloc_early_chunk", NULL, &h, part, sizeof part) == 0)
            exp_data("/alloc_early_chunk", NULL, i32, &s, NULL, all, 400);
        c5_object_close(ds);
        int32_t fill8 = 8;
        o = D_opts(C5_STORAGE_CONTIGUOUS);
        o.fill = &fill8;
        o.alloc_time = C5_ALLOC_LATE;
        ds = mkds(f, "/alloc_late_contig", i32, &s, &o);
        fill_elems(all, 100, 4, &fill8);
        if (ds)
            exp_data("/alloc_late_contig", NULL, i32, &s, NULL, all, 400);
        c5_object_close(ds);
        /* fill never: only the written chunk is checked (h5py side) */
        uint64_t c1 = 5, st1 = 0, cn1 = 5;
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 1, &c1);
        o.fill = &fill;
        o.fill_time = C5_FILL_NEVER;
        s = S_1d(20);
        ds = mkds(f, "/fill_never", i32, &s, &o);
        c5_hyperslab h1 = {1, &st1, NULL, &cn1, NULL};
        gen_natural((uint8_t *)part, i32, 5, 0, seed_of("/fill_never"));
        wr(ds, "/fill_never", NULL, &h1, part, 5 * 4);
        c5_object_close(ds);
    }
    /* hyperslab writes with stride and block, contiguous and chunked */
    {
        uint64_t st[2] = {1, 2}, sd[2] = {3, 4}, cn[2] = {3, 2}, bl[2] = {2, 3};
        c5_hyperslab h = {2, st, sd, cn, bl};
        s = S_2d(10, 12);
        int32_t part[36], all[120];
        for (int v = 0; v < 2; v++) {
            const char *nm = v ? "/hyper_chunk" : "/hyper_contig";
            int32_t fill = v ? -1 : 0;
            o = D_opts(C5_STORAGE_CONTIGUOUS);
            if (v) {
                uint64_t c2[2] = {4, 5};
                D_chunk(&o, 2, c2);
                o.fill = &fill;
            }
            c5_object *ds = mkds(f, nm, i32, &s, &o);
            gen_natural((uint8_t *)part, i32, 36, 0, seed_of(nm));
            fill_elems((uint8_t *)all, 120, 4, &fill);
            hyper_apply((uint8_t *)all, &s, 4, &h, (uint8_t *)part);
            if (wr(ds, nm, NULL, &h, part, sizeof part) == 0)
                exp_data(nm, NULL, i32, &s, NULL, all, sizeof all);
            c5_object_close(ds);
        }
        /* compact with stride (1-D): elements 1,2, 5,6, 9,10 of 12 */
        uint64_t s1 = 1, d1 = 4, c1 = 3, b1 = 2;
        c5_hyperslab h1 = {1, &s1, &d1, &c1, &b1};
        s = S_1d(12);
        o = D_opts(C5_STORAGE_COMPACT);
        c5_object *ds = mkds(f, "/hyper_compact", i16, &s, &o);
        int16_t p16[6], a16[12] = {0};
        gen_natural((uint8_t *)p16, i16, 6, 0, seed_of("/hyper_compact"));
        hyper_apply((uint8_t *)a16, &s, 2, &h1, (uint8_t *)p16);
        if (wr(ds, "/hyper_compact", NULL, &h1, p16, sizeof p16) == 0)
            exp_data("/hyper_compact", NULL, i16, &s, NULL, a16, sizeof a16);
        c5_object_close(ds);
    }
    /* memory type conversion: native int32 -> BE int64, float32; native
     * double -> BE float64; int32 -> uint8; values cg (or 0..255) */
    {
        c5_type *ni32 = T_native(C5_NATIVE_INT32), *nd = T_native(C5_NATIVE_DOUBLE);
        c5_type *i64be = T_int(8, 1, C5_ORDER_BE), *f32 = T_float(4, C5_ORDER_LE),
                *f64be = T_float(8, C5_ORDER_BE);
        struct {
            const char *name;
            c5_type *ft;
            int chunked;
        } cv[] = {{"/conv_i64be", i64be, 0}, {"/conv_f32", f32, 0},   {"/conv_u8", u8, 0},
                  {"/conv_i64be_chunk", i64be, 1}, {"/conv_f64be", f64be, 0}};
        s = S_2d(3, 5);
        for (size_t k = 0; k < sizeof cv / sizeof cv[0]; k++) {
            o = D_opts(C5_STORAGE_CONTIGUOUS);
            if (cv[k].chunked) {
                uint64_t c2[2] = {2, 2};
                D_chunk(&o, 2, c2);
            }
            c5_object *ds = mkds(f, cv[k].name, cv[k].ft, &s, &o);
            uint64_t sd = seed_of(cv[k].name);
            int32_t in[15];
            double din[15];
            uint8_t fb[15 * 8];
            size_t fsz = c5_type_size(cv[k].ft);
            for (int i = 0; i < 15; i++) {
                in[i] = cv[k].ft == u8 ? (int32_t)((i * 7 + sd) % 256) : cg((uint64_t)i, sd);
                din[i] = fg((uint64_t)i, sd);
                if (cv[k].ft == f64be)
                    pack_float(fb + i * fsz, din[i], fsz, C5_ORDER_BE);
                else if (c5_type_class(cv[k].ft) == C5_CLASS_FLOAT)
                    pack_float(fb + i * fsz, in[i], fsz, c5_type_order(cv[k].ft));
                else
                    pack_uint(fb + i * fsz, (uint64_t)(int64_t)in[i], fsz,
                              c5_type_order(cv[k].ft));
            }
            int rc = cv[k].ft == f64be ? wr(ds, cv[k].name, nd, NULL, din, sizeof din)
                                       : wr(ds, cv[k].name, ni32, NULL, in, sizeof in);
            if (rc == 0) {
                exp_data(cv[k].name, NULL, cv[k].ft, &s, NULL, fb, 15 * fsz);
                /* and read back converted to the memory type */
                if (cv[k].ft == f64be)
                    exp_data(cv[k].name, NULL, cv[k].ft, &s, nd, din, sizeof din);
                else
                    exp_data(cv[k].name, NULL, cv[k].ft, &s, ni32, in, sizeof in);
            }
            c5_object_close(ds);
        }
        c5_type_close(ni32);
        c5_type_close(nd);
        c5_type_close(i64be);
        c5_type_close(f32);
        c5_type_close(f64be);
    }
    /* resize: grow (write the new part), grow 2-D (new part reads fill),
     * shrink, shrink then grow (the cut region reads fill) */
    {
        uint64_t c1 = 4, mu = C5_UNLIMITED, d = 10;
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 1, &c1);
        s = S_simple(1, &d, &mu);
        c5_object *ds = natural_ds(f, "/grow", i32, &s, &o, 1);
        drop_last_exp("/grow"); /* the final contents differ */
        uint64_t nd = 25;
        int32_t all[25];
        gen_natural((uint8_t *)all, i32, 25, 0, seed_of("/grow"));
        if (ds && OK(c5_dataset_resize(ds, &nd))) {
            uint64_t st = 10, cn = 15;
            c5_hyperslab h = {1, &st, NULL, &cn, NULL};
            if (wr(ds, "/grow", NULL, &h, all + 10, 15 * 4) == 0) {
                s = S_simple(1, &nd, &mu);
                exp_data("/grow", NULL, i32, &s, NULL, all, sizeof all);
            }
        }
        c5_object_close(ds);
    }
    {
        int32_t fill = 9;
        uint64_t c2[2] = {3, 3}, d2[2] = {4, 4}, mu2[2] = {C5_UNLIMITED, C5_UNLIMITED},
                 n2[2] = {6, 7};
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 2, c2);
        o.fill = &fill;
        s = S_simple(2, d2, mu2);
        c5_object *ds = mkds(f, "/grow2d", i32, &s, &o);
        int32_t in[16], all[42];
        gen_natural((uint8_t *)in, i32, 16, 0, seed_of("/grow2d"));
        if (wr(ds, "/grow2d", NULL, NULL, in, sizeof in) == 0 && OK(c5_dataset_resize(ds, n2))) {
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 7; c++)
                    all[r * 7 + c] = r < 4 && c < 4 ? in[r * 4 + c] : fill;
            s = S_simple(2, n2, mu2);
            exp_data("/grow2d", NULL, i32, &s, NULL, all, sizeof all);
        }
        c5_object_close(ds);
    }
    {
        uint64_t c1 = 4, d = 20, nd = 7;
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 1, &c1);
        s = S_simple(1, &d, &d);
        c5_object *ds = mkds(f, "/shrink", i32, &s, &o);
        int32_t in[20];
        gen_natural((uint8_t *)in, i32, 20, 0, seed_of("/shrink"));
        if (wr(ds, "/shrink", NULL, NULL, in, sizeof in) == 0 && OK(c5_dataset_resize(ds, &nd))) {
            s = S_simple(1, &nd, &d);
            exp_data("/shrink", NULL, i32, &s, NULL, in, 7 * 4);
        }
        c5_object_close(ds);
        int32_t fill = -1;
        o.fill = &fill;
        s = S_simple(1, &d, &d);
        ds = mkds(f, "/shrink_grow", i32, &s, &o);
        gen_natural((uint8_t *)in, i32, 20, 0, seed_of("/shrink_grow"));
        uint64_t n6 = 6, n12 = 12;
        if (wr(ds, "/shrink_grow", NULL, NULL, in, sizeof in) == 0 &&
            OK(c5_dataset_resize(ds, &n6)) && OK(c5_dataset_resize(ds, &n12))) {
            for (int k = 6; k < 12; k++)
                in[k] = fill;
            s = S_simple(1, &n12, &d);
            exp_data("/shrink_grow", NULL, i32, &s, NULL, in, 12 * 4);
        }
        c5_object_close(ds);
    }
    /* creation properties read back */
    {
        c5_object *ds = open_obj(f, "/fill_chunk");
        c5_dataset_opts g;
        memset(&g, 0, sizeof g);
        g.size = sizeof g;
        if (ds && OK(c5_dataset_get_opts(&g, ds))) {
            double fv = 0;
            if (g.fill)
                memcpy(&fv, g.fill, 8);
            if (g.storage != C5_STORAGE_CHUNKED || g.chunk_rank != 2 || g.chunk[0] != 5 ||
                g.chunk[1] != 5 || g.nfilters != 0 || !g.fill || fv != 3.5)
                bad("get_opts /fill_chunk: storage %d chunk_rank %d chunk %llu,%llu nfilters %d "
                    "fill %g",
                    g.storage, g.chunk_rank, (unsigned long long)g.chunk[0],
                    (unsigned long long)g.chunk[1], g.nfilters, fv);
        }
        c5_object_close(ds);
        ds = open_obj(f, "/compact1");
        memset(&g, 0, sizeof g);
        g.size = sizeof g;
        if (ds && OK(c5_dataset_get_opts(&g, ds)) && g.storage != C5_STORAGE_COMPACT)
            bad("get_opts /compact1: storage %d, expected compact", g.storage);
        c5_object_close(ds);
        ds = open_obj(f, "/contig2");
        memset(&g, 0, sizeof g);
        g.size = sizeof g;
        if (ds && OK(c5_dataset_get_opts(&g, ds)) && g.storage != C5_STORAGE_CONTIGUOUS)
            bad("get_opts /contig2: storage %d, expected contiguous", g.storage);
        c5_object_close(ds);
    }
    c5_type_close(i16);
    c5_type_close(f64);
    c5_type_close(u8);
    finish(f, path);
    /* chunked rank 32 in rank32c_<fmt>.h5: h5dump 1.10.8 crashes printing
     * the data of any rank-32 chunked dataset (h5py-made too), so the
     * runner dumps that file's header only */
    char nm[64];
    snprintf(nm, sizeof nm, "rank32c_%s.h5", g_fmt);
    g_sub = nm;
    if ((f = create_file(nm, 0, path, sizeof path))) {
        uint64_t d[32], c[32];
        for (int k = 0; k < 32; k++) {
            d[k] = k % 8 == 0 ? 2 : 1;
            c[k] = 1;
        }
        s = S_simple(32, d, NULL);
        o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 32, c);
        natural_ds(f, "/rank32c", i32, &s, &o, 0);
        finish(f, path);
    }
    g_sub = "";
    c5_type_close(i32);
}

/* ================================================================== */
/* types: every datatype class as datasets and attributes              */

static c5_type *T_cmpd_main(void)
{
    /* {a <i4 @0, b {x <f8 @0, y >i2 @8} @4, c <i4[3] @14, d S4 @26}, 30 B */
    c5_type *t = NULL, *b = NULL, *arr = NULL;
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE),
            *i16be = T_int(2, 1, C5_ORDER_BE), *s4 = T_str(4, C5_STR_NULLPAD, C5_CSET_ASCII);
    uint64_t three = 3;
    OK(c5_type_compound(&b, 10));
    OK(c5_type_insert(b, "x", 0, f64));
    OK(c5_type_insert(b, "y", 8, i16be));
    OK(c5_type_array(&arr, i32, 1, &three));
    OK(c5_type_compound(&t, 30));
    OK(c5_type_insert(t, "a", 0, i32));
    OK(c5_type_insert(t, "b", 4, b));
    OK(c5_type_insert(t, "c", 14, arr));
    OK(c5_type_insert(t, "d", 26, s4));
    c5_type_close(b);
    c5_type_close(arr);
    c5_type_close(i32);
    c5_type_close(f64);
    c5_type_close(i16be);
    c5_type_close(s4);
    return t;
}

static void gen_cmpd_main(uint8_t *buf, uint64_t n, uint64_t s)
{
    memset(buf, 0, (size_t)n * 30);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *p = buf + i * 30;
        pack_uint(p, (uint64_t)ig(32, 1, i, s), 4, C5_ORDER_LE);
        pack_float(p + 4, fg(i, s), 8, C5_ORDER_LE);
        pack_uint(p + 12, (uint64_t)ig(16, 1, i, s + 1), 2, C5_ORDER_BE);
        for (uint64_t j = 0; j < 3; j++)
            pack_uint(p + 14 + 4 * j, (uint64_t)ig(32, 1, 3 * i + j, s + 2), 4, C5_ORDER_LE);
        char d[24];
        snprintf(d, sizeof d, "c%llu", (unsigned long long)i);
        memcpy(p + 26, d, strlen(d) < 4 ? strlen(d) : 4);
    }
}

static c5_type *T_enum16(void)
{
    c5_type *b = T_int(2, 1, C5_ORDER_LE), *t = NULL;
    OK(c5_type_enum(&t, b));
    static const char *nm[] = {"RED", "GREEN", "BLUE", "NEG"};
    static const int16_t v[] = {0, 1, 7, -3};
    for (int k = 0; k < 4; k++) {
        uint8_t le[2];
        pack_uint(le, (uint64_t)(int64_t)v[k], 2, C5_ORDER_LE);
        OK(c5_type_enum_insert(t, nm[k], le));
    }
    c5_type_close(b);
    return t;
}

static void gen_enum16(uint8_t *buf, uint64_t n)
{
    static const int16_t v[] = {0, 1, 7, -3};
    for (uint64_t i = 0; i < n; i++)
        pack_uint(buf + 2 * i, (uint64_t)(int64_t)v[i % 4], 2, C5_ORDER_LE);
}

static c5_type *T_bool(void)
{
    c5_type *b = T_int(1, 1, C5_ORDER_LE), *t = NULL;
    uint8_t f = 0, tr = 1;
    OK(c5_type_enum(&t, b));
    OK(c5_type_enum_insert(t, "FALSE", &f));
    OK(c5_type_enum_insert(t, "TRUE", &tr));
    c5_type_close(b);
    return t;
}

static void fixed_str(uint8_t *p, size_t size, const char *s, c5_strpad pad)
{
    memset(p, pad == C5_STR_SPACEPAD ? ' ' : 0, size);
    size_t n = strlen(s);
    memcpy(p, s, n < size ? n : size);
}

/* selection encodings (spec: dataspace selection, version 1) */
static size_t sel_hyper1(uint8_t *p, int rank, const uint32_t *start, const uint32_t *end)
{
    uint32_t v[4 + 2 + 2 * C5_MAX_RANK];
    size_t n = 0;
    v[n++] = 2; /* hyperslab */
    v[n++] = 1; /* version */
    v[n++] = 0; /* reserved */
    v[n++] = (uint32_t)(8 + 8 * rank);
    v[n++] = (uint32_t)rank;
    v[n++] = 1; /* one block */
    for (int d = 0; d < rank; d++)
        v[n++] = start[d];
    for (int d = 0; d < rank; d++)
        v[n++] = end[d];
    for (size_t k = 0; k < n; k++)
        pack_uint(p + 4 * k, v[k], 4, C5_ORDER_LE);
    return 4 * n;
}

static size_t sel_points1(uint8_t *p, int rank, size_t npts, const uint32_t *coords)
{
    size_t n = 0;
    uint32_t hd[6] = {1, 1, 0, (uint32_t)(8 + 4 * rank * npts), (uint32_t)rank, (uint32_t)npts};
    for (int k = 0; k < 6; k++, n++)
        pack_uint(p + 4 * n, hd[k], 4, C5_ORDER_LE);
    for (size_t k = 0; k < npts * (size_t)rank; k++, n++)
        pack_uint(p + 4 * n, coords[k], 4, C5_ORDER_LE);
    return 4 * n;
}

static void make_regref(c5_file *f, const char *what, uint8_t *ref, uint64_t obj,
                        const uint8_t *sel, size_t sl)
{
    memset(ref, 0, 12);
    if (!OK(c5_regref_make(f, ref, obj, sel, sl)))
        return;
    expect *e = add_exp(E_REGREF, what, NULL);
    memcpy(e->ref, ref, 12);
    e->obj = obj;
    e->bytes = xcalloc(sl, 1);
    memcpy(e->bytes, sel, sl);
    e->nbytes = sl;
}

static uint64_t addr_of(c5_file *f, const char *path)
{
    c5_object *o = open_obj(f, path);
    uint64_t a = o ? c5_object_addr(o) : 0;
    c5_object_close(o);
    return a;
}

static void write_attr(c5_object *o, const char *opath, const char *name, const c5_type *t,
                       const c5_space *sp, const c5_type *mem, const void *buf, size_t len)
{
    if (!o) {
        bad("write attribute %s@%s: skipped, its object did not open", opath, name);
        return;
    }
    int rc = c5_attr_write(o, name, t, sp, mem, buf, len);
    if (rc)
        bad("write attribute %s@%s: %s (%s)", opath, name, c5_strerror(rc),
            g_file ? c5_errmsg(g_file) : "");
}

static void sec_types(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    c5_dataset_opts o = D_opts(C5_STORAGE_DEFAULT);
    mkgroup(f, "/g1", 0);
    c5_space s6 = S_1d(6);
    /* integers and floats, every size and byte order */
    static const size_t isz[] = {1, 2, 4, 8}, fsz[] = {2, 4, 8};
    for (int k = 0; k < 4; k++)
        for (int sg = 0; sg < 2; sg++)
            for (int bo = 0; bo < 2; bo++) {
                char nm[64];
                snprintf(nm, sizeof nm, "/%sint%zu%s", sg ? "" : "u", 8 * isz[k], bo ? "be" : "le");
                c5_type *t = T_int(isz[k], sg, bo ? C5_ORDER_BE : C5_ORDER_LE);
                natural_ds(f, nm, t, &s6, &o, 0);
                c5_type_close(t);
            }
    for (int k = 0; k < 3; k++)
        for (int bo = 0; bo < 2; bo++) {
            char nm[64];
            snprintf(nm, sizeof nm, "/float%zu%s", 8 * fsz[k], bo ? "be" : "le");
            c5_type *t = T_float(fsz[k], bo ? C5_ORDER_BE : C5_ORDER_LE);
            natural_ds(f, nm, t, &s6, &o, 0);
            c5_type_close(t);
        }
    /* fixed strings */
    {
        struct {
            const char *name;
            size_t size;
            c5_strpad pad;
            c5_cset cs;
        } fs[] = {{"/str_nullterm", 16, C5_STR_NULLTERM, C5_CSET_ASCII},
                  {"/str_nullpad", 16, C5_STR_NULLPAD, C5_CSET_ASCII},
                  {"/str_spacepad", 16, C5_STR_SPACEPAD, C5_CSET_ASCII},
                  {"/str_utf8", 24, C5_STR_NULLTERM, C5_CSET_UTF8},
                  {"/str_utf8_nullpad", 24, C5_STR_NULLPAD, C5_CSET_UTF8}};
        c5_space s5 = S_1d(5);
        for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
            c5_type *t = T_str(fs[k].size, fs[k].pad, fs[k].cs);
            uint8_t buf[5 * 24];
            uint64_t sd = seed_of(fs[k].name);
            for (uint64_t i = 0; i < 5; i++) {
                char v[64];
                if (fs[k].cs == C5_CSET_UTF8)
                    ugen(v, sizeof v, i, sd);
                else
                    sgen(v, sizeof v, i, sd);
                fixed_str(buf + i * fs[k].size, fs[k].size, v, fs[k].pad);
            }
            c5_object *ds = mkds(f, fs[k].name, t, &s5, &o);
            if (wr(ds, fs[k].name, NULL, NULL, buf, 5 * fs[k].size) == 0)
                exp_data(fs[k].name, NULL, t, &s5, NULL, buf, 5 * fs[k].size);
            c5_object_close(ds);
            c5_type_close(t);
        }
    }
    /* variable-length strings (element 2 empty); 2-D too */
    {
        c5_type *va = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_ASCII),
                *vu = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8),
                *nvs = T_native(C5_NATIVE_VLSTRING);
        char sv[6][64];
        char *ptr[6];
        c5_space s5 = S_1d(5), s23 = S_2d(2, 3);
        struct {
            const char *name;
            c5_type *t, *mem;
            int utf;
            c5_space *sp;
        } vs[] = {{"/vstr_ascii", va, nvs, 0, &s5},
                  {"/vstr_utf8", vu, vu, 1, &s5},
                  {"/vstr_2d", va, va, 0, &s23}};
        for (int k = 0; k < 3; k++) {
            uint64_t sd = seed_of(vs[k].name), n = S_n(vs[k].sp);
            for (uint64_t i = 0; i < n; i++) {
                if (vs[k].utf)
                    ugen(sv[i], 64, i, sd);
                else
                    sgen(sv[i], 64, i, sd);
                if (i == 2)
                    sv[i][0] = 0;
                ptr[i] = sv[i];
            }
            c5_object *ds = mkds(f, vs[k].name, vs[k].t, vs[k].sp, &o);
            if (wr(ds, vs[k].name, vs[k].mem, NULL, ptr, (size_t)n * sizeof(char *)) == 0)
                exp_vstr(vs[k].name, NULL, vs[k].t, vs[k].sp, ptr, (size_t)n);
            c5_object_close(ds);
        }
        /* attributes: scalar and vector */
        c5_object *g = open_obj(f, "/g1");
        const char *hello = "hello \xe2\x88\x82";
        c5_space sc = S_scalar();
        write_attr(g, "/g1", "a_vstr", vu, &sc, nvs, &hello, sizeof hello);
        exp_vstr("/g1", "a_vstr", vu, &sc, (char **)&hello, 1);
        c5_space s3 = S_1d(3);
        uint64_t sd = seed_of("/g1@a_vstrv");
        for (uint64_t i = 0; i < 3; i++) {
            sgen(sv[i], 64, i, sd);
            ptr[i] = sv[i];
        }
        write_attr(g, "/g1", "a_vstrv", va, &s3, va, ptr, 3 * sizeof(char *));
        exp_vstr("/g1", "a_vstrv", va, &s3, ptr, 3);
        c5_object_close(g);
        c5_type_close(va);
        c5_type_close(vu);
        c5_type_close(nvs);
    }
    /* compound (nested, with an array member) */
    c5_type *cm = T_cmpd_main();
    {
        c5_space s4 = S_1d(4);
        uint8_t buf[4 * 30];
        gen_cmpd_main(buf, 4, seed_of("/cmpd"));
        c5_object *ds = mkds(f, "/cmpd", cm, &s4, &o);
        if (wr(ds, "/cmpd", NULL, NULL, buf, sizeof buf) == 0)
            exp_data("/cmpd", NULL, cm, &s4, NULL, buf, sizeof buf);
        c5_object_close(ds);
        c5_object *g = open_obj(f, "/g1");
        c5_space s2 = S_1d(2);
        gen_cmpd_main(buf, 2, seed_of("/g1@a_cmpd"));
        write_attr(g, "/g1", "a_cmpd", cm, &s2, NULL, buf, 60);
        exp_data("/g1", "a_cmpd", cm, &s2, NULL, buf, 60);
        c5_object_close(g);
    }
    /* enum and bool */
    {
        c5_type *e16 = T_enum16(), *bl = T_bool();
        uint8_t buf[12];
        gen_enum16(buf, 6);
        c5_object *ds = mkds(f, "/enum16", e16, &s6, &o);
        if (wr(ds, "/enum16", NULL, NULL, buf, 12) == 0)
            exp_data("/enum16", NULL, e16, &s6, NULL, buf, 12);
        c5_object_close(ds);
        c5_space s5 = S_1d(5), s3 = S_1d(3), sc = S_scalar();
        for (int i = 0; i < 5; i++)
            buf[i] = i % 3 == 0;
        ds = mkds(f, "/bool", bl, &s5, &o);
        if (wr(ds, "/bool", NULL, NULL, buf, 5) == 0)
            exp_data("/bool", NULL, bl, &s5, NULL, buf, 5);
        c5_object_close(ds);
        c5_object *g = open_obj(f, "/g1");
        gen_enum16(buf, 3);
        write_attr(g, "/g1", "a_enum", e16, &s3, NULL, buf, 6);
        exp_data("/g1", "a_enum", e16, &s3, NULL, buf, 6);
        buf[0] = 1;
        write_attr(g, "/g1", "a_bool", bl, &sc, NULL, buf, 1);
        exp_data("/g1", "a_bool", bl, &sc, NULL, buf, 1);
        c5_object_close(g);
        c5_type_close(e16);
        c5_type_close(bl);
    }
    /* array */
    {
        c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *at = NULL;
        uint64_t ad[2] = {2, 3};
        OK(c5_type_array(&at, i32, 2, ad));
        c5_space s4 = S_1d(4), sc = S_scalar();
        uint8_t buf[4 * 24];
        gen_natural(buf, i32, 24, 0, seed_of("/arr"));
        c5_object *ds = at ? mkds(f, "/arr", at, &s4, &o) : NULL;
        if (wr(ds, "/arr", NULL, NULL, buf, sizeof buf) == 0)
            exp_data("/arr", NULL, at, &s4, NULL, buf, sizeof buf);
        c5_object_close(ds);
        c5_object *g = open_obj(f, "/g1");
        gen_natural(buf, i32, 6, 0, seed_of("/g1@a_arr"));
        if (at) {
            write_attr(g, "/g1", "a_arr", at, &sc, NULL, buf, 24);
            exp_data("/g1", "a_arr", at, &sc, NULL, buf, 24);
        }
        c5_object_close(g);
        c5_type_close(at);
        c5_type_close(i32);
    }
    /* opaque with a tag; bitfields */
    {
        c5_type *op = NULL;
        OK(c5_type_opaque(&op, 6, "cfive:opaque"));
        c5_space s3 = S_1d(3);
        uint8_t buf[18];
        uint64_t sd = seed_of("/opaque");
        for (int k = 0; k < 18; k++)
            buf[k] = (uint8_t)((uint64_t)k * 13 + sd);
        c5_object *ds = op ? mkds(f, "/opaque", op, &s3, &o) : NULL;
        if (wr(ds, "/opaque", NULL, NULL, buf, 18) == 0)
            exp_data("/opaque", NULL, op, &s3, NULL, buf, 18);
        c5_object_close(ds);
        c5_type_close(op);
        c5_type *b16 = NULL, *b32 = NULL;
        OK(c5_type_bitfield(&b16, 2, C5_ORDER_LE));
        OK(c5_type_bitfield(&b32, 4, C5_ORDER_BE));
        uint8_t bb[24];
        if (b16) {
            for (uint64_t i = 0; i < 6; i++)
                pack_uint(bb + 2 * i, (uint64_t)ig(16, 0, i, seed_of("/bits16")), 2, C5_ORDER_LE);
            ds = mkds(f, "/bits16", b16, &s6, &o);
            if (wr(ds, "/bits16", NULL, NULL, bb, 12) == 0)
                exp_data("/bits16", NULL, b16, &s6, NULL, bb, 12);
            c5_object_close(ds);
        }
        if (b32) {
            for (uint64_t i = 0; i < 6; i++)
                pack_uint(bb + 4 * i, (uint64_t)ig(32, 0, i, seed_of("/bits32be")), 4,
                          C5_ORDER_BE);
            ds = mkds(f, "/bits32be", b32, &s6, &o);
            if (wr(ds, "/bits32be", NULL, NULL, bb, 24) == 0)
                exp_data("/bits32be", NULL, b32, &s6, NULL, bb, 24);
            c5_object_close(ds);
        }
        c5_type_close(b16);
        c5_type_close(b32);
    }
    /* variable-length sequences of int32 and of a compound; element i of
     * the int sequence has i members ig(32,1,10i+j,s); of the compound i+1
     * members {p: ig(16,1,10i+j,s), q: fg(10i+j,s)} */
    {
        c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *vi = NULL;
        OK(c5_type_vlen(&vi, i32));
        c5_space s5 = S_1d(5);
        c5_vl v[5];
        int32_t data[5][5];
        uint64_t sd = seed_of("/vseq_i32");
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < i; j++)
                data[i][j] = (int32_t)ig(32, 1, (uint64_t)(10 * i + j), sd);
            v[i].len = (size_t)i;
            v[i].p = i ? data[i] : NULL;
        }
        c5_object *ds = vi ? mkds(f, "/vseq_i32", vi, &s5, &o) : NULL;
        if (wr(ds, "/vseq_i32", vi, NULL, v, sizeof v) == 0)
            exp_vseq("/vseq_i32", NULL, vi, &s5, v, 5, 4);
        c5_object_close(ds);
        c5_object *g = open_obj(f, "/g1");
        c5_space s3 = S_1d(3);
        sd = seed_of("/g1@a_vseq");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < i + 1; j++)
                data[i][j] = (int32_t)ig(32, 1, (uint64_t)(10 * i + j), sd);
            v[i].len = (size_t)i + 1;
            v[i].p = data[i];
        }
        if (vi) {
            write_attr(g, "/g1", "a_vseq", vi, &s3, vi, v, 3 * sizeof(c5_vl));
            exp_vseq("/g1", "a_vseq", vi, &s3, v, 3, 4);
        }
        c5_object_close(g);
        c5_type_close(vi);
        c5_type_close(i32);

        c5_type *ct = NULL, *i16 = T_int(2, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE),
                *vc = NULL;
        OK(c5_type_compound(&ct, 10));
        OK(c5_type_insert(ct, "p", 0, i16));
        OK(c5_type_insert(ct, "q", 2, f64));
        OK(c5_type_vlen(&vc, ct));
        uint8_t cd[4][4 * 10];
        c5_space s4 = S_1d(4);
        sd = seed_of("/vseq_cmpd");
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < i + 1; j++) {
                uint64_t idx = (uint64_t)(10 * i + j);
                pack_uint(cd[i] + 10 * j, (uint64_t)ig(16, 1, idx, sd), 2, C5_ORDER_LE);
                pack_float(cd[i] + 10 * j + 2, fg(idx, sd), 8, C5_ORDER_LE);
            }
            v[i].len = (size_t)i + 1;
            v[i].p = cd[i];
        }
        ds = vc ? mkds(f, "/vseq_cmpd", vc, &s4, &o) : NULL;
        if (wr(ds, "/vseq_cmpd", vc, NULL, v, 4 * sizeof(c5_vl)) == 0)
            exp_vseq("/vseq_cmpd", NULL, vc, &s4, v, 4, 10);
        c5_object_close(ds);
        c5_type_close(vc);
        c5_type_close(ct);
        c5_type_close(i16);
        c5_type_close(f64);
    }
    /* object references (dataset and attribute) */
    {
        c5_type *rt = NULL, *nref = T_native(C5_NATIVE_OBJREF);
        OK(c5_type_reference(&rt, C5_REF_OBJECT));
        /* /grid: target of region references */
        c5_type *i32 = T_int(4, 1, C5_ORDER_LE);
        c5_space sg = S_2d(6, 8);
        c5_dataset_opts oc = D_opts(C5_STORAGE_CONTIGUOUS);
        natural_ds(f, "/grid", i32, &sg, &oc, 0);
        c5_type_close(i32);
        c5_file_info fi;
        memset(&fi, 0, sizeof fi);
        fi.size = sizeof fi;
        OK(c5_file_get_info(f, &fi));
        size_t osz = fi.offset_size ? (size_t)fi.offset_size : 8;
        static const char *targets[] = {"/", "/g1", "/int32le", "/cmpd"};
        uint64_t addrs[4];
        uint8_t raw[4 * 8];
        memset(raw, 0, sizeof raw);
        for (int k = 0; k < 4; k++) {
            addrs[k] = addr_of(f, targets[k]);
            pack_uint(raw + 8 * k, addrs[k], osz, C5_ORDER_LE);
        }
        c5_space s4 = S_1d(4), s2 = S_1d(2);
        c5_object *ds = rt ? mkds(f, "/refs", rt, &s4, &o) : NULL;
        if (wr(ds, "/refs", nref, NULL, addrs, sizeof addrs) == 0) {
            exp_data("/refs", NULL, rt, &s4, NULL, raw, sizeof raw);
            exp_data("/refs", NULL, rt, &s4, nref, addrs, sizeof addrs);
        }
        c5_object_close(ds);
        c5_object *g = open_obj(f, "/g1");
        uint64_t a2[2] = {addr_of(f, "/grid"), addr_of(f, "/g1")};
        if (rt) {
            write_attr(g, "/g1", "ref_attr", rt, &s2, nref, a2, sizeof a2);
            exp_data("/g1", "ref_attr", rt, &s2, nref, a2, sizeof a2);
        }
        /* region references: [1:3, 2:5] and points (0,0) (5,7) (2,3) */
        c5_type *rr = NULL;
        OK(c5_type_reference(&rr, C5_REF_REGION));
        uint8_t sel[2][256], refs[2][12];
        uint32_t st[2] = {1, 2}, en[2] = {2, 4}, pts[6] = {0, 0, 5, 7, 2, 3};
        size_t l0 = sel_hyper1(sel[0], 2, st, en), l1 = sel_points1(sel[1], 2, 3, pts);
        uint64_t grid = addr_of(f, "/grid");
        make_regref(f, "/regrefs[0]", refs[0], grid, sel[0], l0);
        make_regref(f, "/regrefs[1]", refs[1], grid, sel[1], l1);
        ds = rr ? mkds(f, "/regrefs", rr, &s2, &o) : NULL;
        if (wr(ds, "/regrefs", NULL, NULL, refs, sizeof refs) == 0)
            exp_data("/regrefs", NULL, rr, &s2, NULL, refs, sizeof refs);
        c5_object_close(ds);
        uint8_t ra[12];
        c5_space sc = S_scalar();
        make_regref(f, "/g1@regref_attr", ra, grid, sel[0], l0);
        if (rr) {
            write_attr(g, "/g1", "regref_attr", rr, &sc, NULL, ra, 12);
            exp_data("/g1", "regref_attr", rr, &sc, NULL, ra, 12);
        }
        c5_object_close(g);
        c5_type_close(rr);
        c5_type_close(rt);
        c5_type_close(nref);
    }
    /* more attribute types on /g1 */
    {
        c5_object *g = open_obj(f, "/g1");
        c5_type *i16be = T_int(2, 1, C5_ORDER_BE), *f32 = T_float(4, C5_ORDER_LE),
                *s16 = T_str(16, C5_STR_NULLTERM, C5_CSET_ASCII);
        c5_space s3 = S_1d(3), sc = S_scalar();
        attr_natural(g, "/g1", "a_i16be", i16be, &s3);
        attr_natural(g, "/g1", "a_f32", f32, &sc);
        uint8_t sb[16];
        char v[64];
        sgen(v, sizeof v, 0, seed_of("/g1@a_str"));
        fixed_str(sb, 16, v, C5_STR_NULLTERM);
        write_attr(g, "/g1", "a_str", s16, &sc, NULL, sb, 16);
        exp_data("/g1", "a_str", s16, &sc, NULL, sb, 16);
        c5_object_close(g);
        c5_type_close(i16be);
        c5_type_close(f32);
        c5_type_close(s16);
    }
    /* committed datatypes used by a dataset and by attributes */
    {
        c5_type *ct = NULL, *i32 = T_int(4, 1, C5_ORDER_LE), *f32be = T_float(4, C5_ORDER_BE),
                *i16be = T_int(2, 1, C5_ORDER_BE);
        OK(c5_type_compound(&ct, 8));
        OK(c5_type_insert(ct, "x", 0, i32));
        OK(c5_type_insert(ct, "y", 4, f32be));
        c5_group_opts go = {sizeof go, C5_CREATE_PARENTS};
        c5_object *to = NULL, *ti = NULL;
        c5_type *cht = NULL, *chi = NULL;
        OK(c5_type_commit(&to, f, "/types/ctype", ct, &go));
        OK(c5_type_commit(&ti, f, "/types/myint", i16be, &go));
        if (to && OK(c5_object_type(&cht, to)) && c5_type_committed(cht) == UINT64_MAX)
            bad("type of /types/ctype is not marked committed");
        if (ti && OK(c5_object_type(&chi, ti)) && c5_type_committed(chi) == UINT64_MAX)
            bad("type of /types/myint is not marked committed");
        if (to && ti && c5_object_kind(to) != C5_OBJ_DATATYPE)
            bad("/types/ctype: kind %d, expected datatype", c5_object_kind(to));
        c5_space s4 = S_1d(4), s2 = S_1d(2), sc = S_scalar();
        uint8_t buf[32];
        uint64_t sd = seed_of("/cmt_ds");
        for (uint64_t i = 0; i < 4; i++) {
            pack_uint(buf + 8 * i, (uint64_t)ig(32, 1, i, sd), 4, C5_ORDER_LE);
            pack_float(buf + 8 * i + 4, fg(i, sd), 4, C5_ORDER_BE);
        }
        c5_object *ds = cht ? mkds(f, "/cmt_ds", cht, &s4, &o) : NULL;
        if (wr(ds, "/cmt_ds", NULL, NULL, buf, 32) == 0)
            exp_data("/cmt_ds", NULL, ct, &s4, NULL, buf, 32);
        if (chi && ds) {
            attr_natural(ds, "/cmt_ds", "cmt_attr", chi, &s2);
        }
        c5_object_close(ds);
        c5_object *root = open_obj(f, "/");
        if (cht && root) {
            sd = seed_of("/@root_cmt");
            pack_uint(buf, (uint64_t)ig(32, 1, 0, sd), 4, C5_ORDER_LE);
            pack_float(buf + 4, fg(0, sd), 4, C5_ORDER_BE);
            write_attr(root, "/", "root_cmt", cht, &sc, NULL, buf, 8);
            exp_data("/", "root_cmt", ct, &sc, NULL, buf, 8);
        }
        c5_object_close(root);
        c5_object_close(to);
        c5_object_close(ti);
        c5_type_close(cht);
        c5_type_close(chi);
        c5_type_close(ct);
        c5_type_close(i32);
        c5_type_close(f32be);
        c5_type_close(i16be);
    }
    c5_type_close(cm);
    finish(f, path);
}

/* ================================================================== */
/* attributes: many (dense), overwrite, delete, large, names, order    */

static void sec_attrs(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE),
            *i16 = T_int(2, 1, C5_ORDER_LE), *i8 = T_int(1, 1, C5_ORDER_LE);
    mkgroup(f, "/g", 0);
    c5_object *g = open_obj(f, "/g");
    /* 20 attributes a00..a19, attribute k an int32 vector of k+1 */
    for (int k = 0; k < 20; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "a%02d", k);
        c5_space sp = S_1d((uint64_t)k + 1);
        attr_natural(g, "/g", nm, i32, &sp);
    }
    /* delete one of the 20 (dense storage in the latest format) */
    if (g && OK(c5_attr_delete(g, "a05"))) {
        for (size_t k = 0; k < g_nexp; k++)
            if (g_exp[k].attr && !strcmp(g_exp[k].attr, "a05")) {
                free_exp(&g_exp[k]);
                memmove(&g_exp[k], &g_exp[k + 1], (g_nexp - k - 1) * sizeof *g_exp);
                g_nexp--;
                break;
            }
        exp_noattr("/g", "a05");
    }
    if (g)
        MUST_FAIL(c5_attr_delete(g, "no_such_attr"), C5_ENOTFOUND);
    /* overwrite with a different type and shape */
    {
        c5_space s3 = S_1d(3), s22 = S_2d(2, 2), sc = S_scalar();
        uint8_t z[64] = {0};
        write_attr(g, "/g", "ow", i32, &s3, NULL, z, 12);
        attr_natural(g, "/g", "ow", f64, &s22); /* the last expectation wins */
        for (size_t k = 0; k + 1 < g_nexp; k++)
            if (g_exp[k].attr && !strcmp(g_exp[k].attr, "ow"))
                bad("internal: duplicate expectation");
        /* same type, new values */
        write_attr(g, "/g", "same", i32, &s3, NULL, z, 12);
        attr_natural(g, "/g", "same", i32, &s3);
        /* scalar to vector */
        write_attr(g, "/g", "grow", i16, &sc, NULL, z, 2);
        c5_space s5 = S_1d(5);
        attr_natural(g, "/g", "grow", i16, &s5);
    }
    /* UTF-8 name; null dataspace */
    {
        c5_space sc = S_scalar();
        attr_natural(g, "/g", "temp\xc3\xa9rature_\xe2\x88\x82", i32, &sc);
        c5_space sn;
        memset(&sn, 0, sizeof sn);
        sn.cls = C5_SPACE_NULL;
        write_attr(g, "/g", "nullattr", i32, &sn, NULL, "", 0);
        exp_data("/g", "nullattr", i32, &sn, NULL, "", 0);
    }
    exp_nattrs("/g", 19 + 5);
    c5_object_close(g);
    /* delete among few (compact) attributes */
    mkgroup(f, "/g2", 0);
    g = open_obj(f, "/g2");
    {
        c5_space s2 = S_1d(2);
        attr_natural(g, "/g2", "del1", i32, &s2);
        drop_last_exp("/g2");
        attr_natural(g, "/g2", "keep", i32, &s2);
        attr_natural(g, "/g2", "del2", i32, &s2);
        drop_last_exp("/g2");
        if (g) {
            OK(c5_attr_delete(g, "del1"));
            OK(c5_attr_delete(g, "del2"));
        }
        exp_noattr("/g2", "del1");
        exp_noattr("/g2", "del2");
        exp_nattrs("/g2", 1);
    }
    c5_object_close(g);
    /* attributes of a dataset, and of the root */
    {
        c5_space s5 = S_1d(5), sc = S_scalar();
        c5_dataset_opts o = D_opts(C5_STORAGE_CONTIGUOUS);
        c5_object *ds = natural_ds(f, "/d", i32, &s5, &o, 1);
        c5_type *s2 = T_str(2, C5_STR_NULLTERM, C5_CSET_ASCII);
        write_attr(ds, "/d", "units", s2, &sc, NULL, "m", 2);
        exp_data("/d", "units", s2, &sc, NULL, "m", 2);
        attr_natural(ds, "/d", "scale", f64, &sc);
        c5_type_close(s2);
        c5_object_close(ds);
        c5_object *root = open_obj(f, "/");
        c5_type *vu = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8);
        const char *title = "cfive \xe2\x88\x82 attributes";
        write_attr(root, "/", "title", vu, &sc, vu, &title, sizeof title);
        exp_vstr("/", "title", vu, &sc, (char **)&title, 1);
        c5_type_close(vu);
        c5_object_close(root);
    }
    /* creation order tracked: iteration follows it */
    {
        mkgroup(f, "/to", C5_CREATE_TRACK_ORDER);
        c5_object *t = open_obj(f, "/to");
        c5_space sc = S_scalar();
        char *order[] = {"z", "a", "m"};
        for (int k = 0; k < 3; k++)
            attr_natural(t, "/to", order[k], i8, &sc);
        exp_anames("/to", order, 3);
        c5_object_close(t);
    }
    /* attribute of a committed datatype */
    {
        c5_object *tt = NULL;
        if (OK(c5_type_commit(&tt, f, "/t", i32, NULL))) {
            c5_space s2 = S_1d(2);
            attr_natural(tt, "/t", "on_type", i16, &s2);
        }
        c5_object_close(tt);
    }
    /* 100 KB attribute: latest format only (dense storage, huge object) */
    if (g_format == C5_FORMAT_LATEST) {
        mkgroup(f, "/big_holder", 0);
        c5_object *b = open_obj(f, "/big_holder");
        c5_space sp = S_1d(12800);
        attr_natural(b, "/big_holder", "big", f64, &sp);
        c5_space s1 = S_1d(1);
        attr_natural(b, "/big_holder", "small", i32, &s1);
        c5_object_close(b);
    }
    c5_type_close(i32);
    c5_type_close(f64);
    c5_type_close(i16);
    c5_type_close(i8);
    finish(f, path);
}

/* ================================================================== */
/* links: hard, soft (dangling), external, delete                      */

static void sec_links(void)
{
    char path[4096], tpath[4096], tname[256];
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE);
    c5_space s4 = S_1d(4), s5 = S_1d(5);
    c5_dataset_opts o = D_opts(C5_STORAGE_CONTIGUOUS);
    /* the external link target file */
    snprintf(tname, sizeof tname, "linktarget_%s.h5", g_fmt);
    g_sub = tname;
    c5_file *t = create_file(tname, 0, tpath, sizeof tpath);
    if (t) {
        mkgroup(t, "/t", 0);
        natural_ds(t, "/t/data", i32, &s4, &o, 0);
        finish(t, tpath);
    }
    g_sub = "";
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f) {
        c5_type_close(i32);
        return;
    }
    mkgroup(f, "/g", 0);
    c5_object *d = natural_ds(f, "/g/d", i32, &s5, &o, 1);
    c5_object *g = open_obj(f, "/g");
    if (d) {
        OK(c5_link_hard(f, "/h1", d, 0));
        OK(c5_link_hard(f, "/sub/h2", d, C5_CREATE_PARENTS));
        MUST_FAIL(c5_link_hard(f, "/h1", d, 0), C5_EEXIST);
    }
    if (g)
        OK(c5_link_hard(f, "/g_alias", g, 0));
    exp_link("/h1", C5_LINK_HARD, NULL, NULL);
    exp_same("/h1", "/g/d");
    exp_same("/sub/h2", "/g/d");
    exp_same("/g_alias", "/g");
    exp_same("/g_alias/d", "/h1");
    OK(c5_link_soft(f, "/s1", "/g/d", 0));
    OK(c5_link_soft(f, "/s2", "g/d", 0));
    OK(c5_link_soft(f, "/dang", "/nowhere", 0));
    OK(c5_link_soft(f, "/deep/soft", "/g", C5_CREATE_PARENTS));
    MUST_FAIL(c5_link_soft(f, "/s1", "/g", 0), C5_EEXIST);
    exp_link("/s1", C5_LINK_SOFT, "/g/d", NULL);
    exp_link("/s2", C5_LINK_SOFT, "g/d", NULL);
    exp_link("/dang", C5_LINK_SOFT, "/nowhere", NULL);
    exp_link("/deep/soft", C5_LINK_SOFT, "/g", NULL);
    exp_same("/s1", "/g/d");
    exp_same("/s2", "/g/d");
    exp_same("/deep/soft/d", "/g/d");
    OK(c5_link_external(f, "/e1", tname, "/t/data", 0));
    OK(c5_link_external(f, "/e2", "missing.h5", "/x", 0));
    OK(c5_link_external(f, "/g/e3", tname, "/t", 0));
    exp_link("/e1", C5_LINK_EXTERNAL, "/t/data", tname);
    exp_link("/e2", C5_LINK_EXTERNAL, "/x", "missing.h5");
    exp_link("/g/e3", C5_LINK_EXTERNAL, "/t", tname);
    {
        /* reading through the external link: /t/data's values */
        int32_t v[4];
        gen_natural((uint8_t *)v, i32, 4, 0, seed_of("/t/data"));
        exp_data("/e1", NULL, i32, &s4, NULL, v, sizeof v);
        exp_data("/g/e3/data", NULL, i32, &s4, NULL, v, sizeof v);
    }
    /* deletions */
    mkgroup(f, "/tmp_g", 0);
    OK(c5_link_soft(f, "/tmp_s", "/g", 0));
    c5_object *td = natural_ds(f, "/g/tmp_d", i32, &s4, &o, 0);
    (void)td;
    drop_last_exp("/g/tmp_d");
    OK(c5_link_delete(f, "/tmp_g"));
    OK(c5_link_delete(f, "/tmp_s"));
    OK(c5_link_delete(f, "/g/tmp_d"));
    MUST_FAIL(c5_link_delete(f, "/tmp_g"), C5_ENOTFOUND);
    MUST_FAIL(c5_link_delete(f, "/no/such"), 0);
    exp_nolink("/tmp_g");
    exp_nolink("/tmp_s");
    exp_nolink("/g/tmp_d");
    {
        char *gl[] = {"d", "e3"};
        exp_links("/g", C5_ORDER_NAME, gl, 2);
    }
    mkgroup(f, "/many", 0);
    {
        char *keep[30];
        size_t nk = 0;
        for (int k = 0; k < 30; k++) {
            char p[64];
            snprintf(p, sizeof p, "/many/m%02d", k);
            mkgroup(f, p, 0);
        }
        for (int k = 0; k < 30; k++) {
            char p[64];
            snprintf(p, sizeof p, "/many/m%02d", k);
            if (k % 3 == 0) {
                OK(c5_link_delete(f, p));
                exp_nolink(p);
            } else {
                keep[nk++] = xstrdup(p + 6);
            }
        }
        exp_links("/many", C5_ORDER_NAME, keep, nk);
        for (size_t k = 0; k < nk; k++)
            free(keep[k]);
    }
    {
        char *rl[] = {"dang", "deep", "e1", "e2", "g", "g_alias", "h1", "many", "s1", "s2",
                      "sub"};
        exp_links("/", C5_ORDER_NAME, rl, 11);
    }
    c5_object_close(d);
    c5_object_close(g);
    c5_type_close(i32);
    finish(f, path);
}

/* ================================================================== */
/* filters                                                             */

/* Base value of element i of a filter test dataset: cg (int32) or fg
 * (float64) with seed(path); the block rows 10..19 x cols 5..29 is then
 * overwritten with seed(path)+1 values in selection order. */
static void filt_values(uint8_t *buf, int isint, uint64_t i, uint64_t n, uint64_t s)
{
    for (uint64_t k = 0; k < n; k++) {
        if (isint) {
            int32_t v = cg(i + k, s);
            memcpy(buf + 4 * k, &v, 4);
        } else {
            double v = fg(i + k, s);
            memcpy(buf + 8 * k, &v, 8);
        }
    }
}

static void sec_filters(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    c5_type *i32 = T_native(C5_NATIVE_INT32), *f64 = T_native(C5_NATIVE_DOUBLE);
    c5_type *fi32 = T_int(4, 1, C5_ORDER_LE), *ff64 = T_float(8, C5_ORDER_LE);
    enum { GZ, SH, FL, LZF, LZ4, BL, SO };
    static const struct {
        const char *name;
        int isint;
        int nf;
        int ids[3];
        unsigned cd[3][7];
        size_t ncd[3];
    } fs[] = {
        {"/gzip1", 1, 1, {GZ}, {{1}}, {1}},
        {"/gzip6", 1, 1, {GZ}, {{6}}, {1}},
        {"/gzip9", 0, 1, {GZ}, {{9}}, {1}},
        {"/shuffle_gzip", 0, 2, {SH, GZ}, {{0}, {4}}, {0, 1}},
        {"/fletcher32", 1, 1, {FL}, {{0}}, {0}},
        {"/shuffle_gzip_fletcher32", 1, 3, {SH, GZ, FL}, {{0}, {6}, {0}}, {0, 1, 0}},
        {"/lzf", 0, 1, {LZF}, {{0}}, {0}},
        {"/lz4", 1, 1, {LZ4}, {{0}}, {0}},
        {"/blosc_blosclz", 0, 1, {BL}, {{0, 0, 0, 0, 5, 1, 0}}, {7}},
        {"/blosc_lz4", 1, 1, {BL}, {{0, 0, 0, 0, 5, 1, 1}}, {7}},
        {"/blosc_noshuffle", 1, 1, {BL}, {{0, 0, 0, 0, 9, 0, 0}}, {7}},
        {"/scaleoffset_int", 1, 1, {SO}, {{2, 0}}, {2}},
        {"/gzip_fill", 1, 1, {GZ}, {{6}}, {1}},
        {"/gzip_unlim", 0, 2, {SH, GZ}, {{0}, {6}}, {0, 1}},
    };
    static const unsigned ids[] = {C5_FILTER_DEFLATE, C5_FILTER_SHUFFLE, C5_FILTER_FLETCHER32,
                                   C5_FILTER_LZF, C5_FILTER_LZ4, C5_FILTER_BLOSC,
                                   C5_FILTER_SCALEOFFSET};
    uint64_t dims[2] = {50, 40}, chunk[2] = {16, 16};
    uint64_t bst[2] = {10, 5}, bcn[2] = {10, 25};
    c5_hyperslab blk = {2, bst, NULL, bcn, NULL};
    for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
        const char *nm = fs[k].name;
        int isint = fs[k].isint;
        size_t esz = isint ? 4 : 8;
        c5_dataset_opts o = D_opts(C5_STORAGE_CHUNKED);
        D_chunk(&o, 2, chunk);
        for (int j = 0; j < fs[k].nf; j++)
            D_filter(&o, ids[fs[k].ids[j]], fs[k].ncd[j], fs[k].cd[j]);
        int unlim = !strcmp(nm, "/gzip_unlim"), fillonly = !strcmp(nm, "/gzip_fill");
        int32_t fill = 77;
        if (fillonly)
            o.fill = &fill;
        uint64_t mx[2] = {unlim ? C5_UNLIMITED : 50, 40};
        c5_space s = S_simple(2, dims, mx);
        c5_object *ds = mkds(f, nm, isint ? fi32 : ff64, &s, &o);
        if (!ds)
            continue;
        uint64_t sd = seed_of(nm);
        uint8_t *all = xcalloc(2000, esz), *part = xcalloc(250, esz);
        int rc = 0;
        if (fillonly)
            fill_elems(all, 2000, 4, &fill);
        else {
            filt_values(all, isint, 0, 2000, sd);
            rc = wr(ds, nm, isint ? i32 : f64, NULL, all, 2000 * esz);
        }
        filt_values(part, isint, 0, 250, sd + 1);
        hyper_apply(all, &s, esz, &blk, part);
        if (!rc)
            rc = wr(ds, nm, isint ? i32 : f64, &blk, part, 250 * esz);
        uint64_t nd[2] = {60, 40};
        if (!rc && unlim) {
            /* grow by 10 rows, written with seed+2 values */
            if (OK(c5_dataset_resize(ds, nd))) {
                uint64_t st[2] = {50, 0}, cn[2] = {10, 40};
                c5_hyperslab h = {2, st, NULL, cn, NULL};
                all = realloc(all, 2400 * esz);
                filt_values(all + 2000 * esz, 0, 0, 400, sd + 2);
                rc = wr(ds, nm, f64, &h, all + 2000 * esz, 400 * esz);
                s = S_simple(2, nd, mx);
            } else
                rc = -1;
        }
        if (!rc)
            exp_data(nm, NULL, isint ? fi32 : ff64, &s, NULL, all, (size_t)S_n(&s) * esz);
        /* the creation properties report the pipeline */
        c5_dataset_opts g;
        memset(&g, 0, sizeof g);
        g.size = sizeof g;
        if (OK(c5_dataset_get_opts(&g, ds))) {
            int same = g.nfilters == fs[k].nf && g.storage == C5_STORAGE_CHUNKED;
            for (int j = 0; same && j < fs[k].nf; j++)
                same = g.filters[j].id == ids[fs[k].ids[j]];
            if (!same)
                bad("get_opts %s: storage %d, %d filters (first id %u), expected %d", nm,
                    g.storage, g.nfilters, g.nfilters ? g.filters[0].id : 0, fs[k].nf);
        }
        free(all);
        free(part);
        c5_object_close(ds);
    }
    c5_type_close(i32);
    c5_type_close(f64);
    c5_type_close(fi32);
    c5_type_close(ff64);
    finish(f, path);
}

/* ================================================================== */
/* user block                                                          */

static void sec_userblock(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 512, path, sizeof path);
    if (!f)
        return;
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE);
    c5_space s = S_1d(8);
    c5_dataset_opts o = D_opts(C5_STORAGE_CONTIGUOUS);
    mkgroup(f, "/g", 0);
    natural_ds(f, "/g/d", i32, &s, &o, 0);
    uint64_t c = 3;
    D_chunk(&o, 1, &c);
    natural_ds(f, "/g/c", i32, &s, &o, 0);
    c5_object *root = open_obj(f, "/");
    attr_natural(root, "/", "a", i32, &s);
    c5_object_close(root);
    finish(f, path);
    /* the user block is the caller's: fill it, the file must still open */
    FILE *fp = fopen(path, "r+b");
    if (!fp) {
        bad("cannot open %s to write its user block", path);
    } else {
        const char *msg = "cfive user block\n";
        fwrite(msg, 1, strlen(msg), fp);
        fclose(fp);
    }
    c5_file *r = NULL;
    if (OK(c5_file_open(&r, path, NULL))) {
        c5_file_info fi;
        memset(&fi, 0, sizeof fi);
        fi.size = sizeof fi;
        if (OK(c5_file_get_info(r, &fi)) && fi.userblock_size != 512)
            bad("userblock_size %llu, expected 512", (unsigned long long)fi.userblock_size);
        c5_object *d = NULL;
        int32_t v[8], e[8];
        gen_natural((uint8_t *)e, i32, 8, 0, seed_of("/g/d"));
        if (OK(c5_object_open(&d, r, "/g/d")) && OK(c5_dataset_read(d, NULL, NULL, v, sizeof v)) &&
            memcmp(v, e, sizeof v))
            bad("/g/d differs after the user block was written");
        c5_object_close(d);
        c5_file_close(r);
    }
    c5_type_close(i32);
}

/* ================================================================== */
/* reopen: a cfive file modified with r+ and then a                    */

/* Register what reopen_<fmt>.h5 holds after `stage` (1 created, 2 after
 * r+, 3 after a). */
static void reopen_expect(int stage)
{
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE),
            *i16 = T_int(2, 1, C5_ORDER_LE), *i8 = T_int(1, 1, C5_ORDER_LE);
    uint64_t n = stage >= 2 ? 16 : 10, mu = C5_UNLIMITED;
    int32_t d[16];
    gen_natural((uint8_t *)d, i32, n, 0, seed_of("/g/d"));
    c5_space s = S_simple(1, &n, &mu);
    exp_data("/g/d", NULL, i32, &s, NULL, d, n * 4);
    double c[6];
    gen_natural((uint8_t *)c, f64, 6, 0, seed_of("/c"));
    if (stage >= 2) /* elements 2, 3 rewritten: fg(0|1, seed("/c#2")) */
        gen_natural((uint8_t *)(c + 2), f64, 2, 0, seed_of("/c#2"));
    s = S_1d(6);
    exp_data("/c", NULL, f64, &s, NULL, c, sizeof c);
    uint8_t a[64];
    if (stage == 1) {
        s = S_1d(2);
        gen_natural(a, i32, 2, 0, seed_of("/@a1"));
        exp_data("/", "a1", i32, &s, NULL, a, 8);
    } else {
        s = S_1d(3); /* a1 overwritten as int16 (3,) */
        gen_natural(a, i16, 3, 0, seed_of("/@a1"));
        exp_data("/", "a1", i16, &s, NULL, a, 6);
        s = S_scalar();
        gen_natural(a, f64, 1, 0, seed_of("/@a2"));
        exp_data("/", "a2", f64, &s, NULL, a, 8);
        s = S_1d(8);
        int16_t d2[8];
        gen_natural((uint8_t *)d2, i16, 8, 0, seed_of("/g/d2"));
        exp_data("/g/d2", NULL, i16, &s, NULL, d2, sizeof d2);
        char *gl[] = {"d", "d2", "s"};
        exp_links("/g", C5_ORDER_NAME, gl, 3);
        exp_links("/g2/new", C5_ORDER_NAME, NULL, 0);
        exp_same("/g/s", "/c");
    }
    if (stage == 2) {
        c5_type *vs = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8);
        char *added = "added";
        s = S_scalar();
        exp_vstr("/g", "ga", vs, &s, &added, 1);
        c5_type_close(vs);
    }
    if (stage == 3) {
        s = S_1d(4);
        gen_natural(a, i8, 4, 0, seed_of("/@a3"));
        exp_data("/", "a3", i8, &s, NULL, a, 4);
        exp_links("/g3", C5_ORDER_NAME, NULL, 0);
        exp_noattr("/g", "ga");
    }
    c5_type_close(i32);
    c5_type_close(f64);
    c5_type_close(i16);
    c5_type_close(i8);
}

static void sec_reopen(void)
{
    char path[4096];
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE),
            *i16 = T_int(2, 1, C5_ORDER_LE), *i8 = T_int(1, 1, C5_ORDER_LE);
    uint64_t n = 10, mu = C5_UNLIMITED, c4 = 4;
    c5_dataset_opts o = D_opts(C5_STORAGE_CHUNKED);
    D_chunk(&o, 1, &c4);
    mkgroup(f, "/g", 0);
    c5_space s = S_simple(1, &n, &mu);
    natural_ds(f, "/g/d", i32, &s, &o, 0);
    s = S_1d(6);
    o = D_opts(C5_STORAGE_CONTIGUOUS);
    natural_ds(f, "/c", f64, &s, &o, 0);
    c5_object *root = open_obj(f, "/");
    s = S_1d(2);
    attr_natural(root, "/", "a1", i32, &s);
    c5_object_close(root);
    free_exps();
    reopen_expect(1);
    finish(f, path);

    /* stage 2: r+ */
    c5_open_opts oo = O_opts(g_format, 0);
    g_sub = "r+";
    if (OK(c5_file_open_mode(&f, path, "r+", &oo))) {
        g_file = f;
        mkgroup(f, "/g2/new", C5_CREATE_PARENTS);
        s = S_1d(8);
        natural_ds(f, "/g/d2", i16, &s, &o, 0);
        root = open_obj(f, "/");
        s = S_1d(3);
        attr_natural(root, "/", "a1", i16, &s);
        s = S_scalar();
        attr_natural(root, "/", "a2", f64, &s);
        c5_object_close(root);
        c5_object *d = open_obj(f, "/g/d");
        uint64_t n16 = 16, st = 10, cn = 6;
        int32_t v[16];
        gen_natural((uint8_t *)v, i32, 16, 0, seed_of("/g/d"));
        c5_hyperslab h = {1, &st, NULL, &cn, NULL};
        if (d && OK(c5_dataset_resize(d, &n16)))
            wr(d, "/g/d", NULL, &h, v + 10, 24);
        c5_object_close(d);
        c5_object *c = open_obj(f, "/c");
        double cv[2];
        gen_natural((uint8_t *)cv, f64, 2, 0, seed_of("/c#2"));
        uint64_t st2 = 2, cn2 = 2;
        c5_hyperslab h2 = {1, &st2, NULL, &cn2, NULL};
        wr(c, "/c", NULL, &h2, cv, sizeof cv);
        c5_object_close(c);
        OK(c5_link_soft(f, "/g/s", "/c", 0));
        c5_object *g = open_obj(f, "/g");
        c5_type *vs = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8);
        const char *added = "added";
        s = S_scalar();
        write_attr(g, "/g", "ga", vs, &s, vs, &added, sizeof added);
        c5_type_close(vs);
        c5_object_close(g);
        free_exps();
        reopen_expect(2);
        finish(f, path);
    }
    /* stage 3: a */
    g_sub = "a";
    if (OK(c5_file_open_mode(&f, path, "a", &oo))) {
        g_file = f;
        root = open_obj(f, "/");
        s = S_1d(4);
        attr_natural(root, "/", "a3", i8, &s);
        c5_object_close(root);
        mkgroup(f, "/g3", 0);
        c5_object *g = open_obj(f, "/g");
        if (g)
            OK(c5_attr_delete(g, "ga"));
        c5_object_close(g);
        free_exps();
        reopen_expect(3);
        finish(f, path);
    }
    g_sub = "";
    c5_type_close(i32);
    c5_type_close(f64);
    c5_type_close(i16);
    c5_type_close(i8);
}

/* ================================================================== */
/* fixtures: copies of h5py/PyTables files modified with r+            */

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    int rc = a && b ? 0 : -1;
    while (!rc && (n = fread(buf, 1, sizeof buf, a)) > 0)
        if (fwrite(buf, 1, n, b) != n)
            rc = -1;
    if (a)
        fclose(a);
    if (b && fclose(b))
        rc = -1;
    return rc;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

#include <dirent.h>

static void sec_fixtures(void)
{
    const char *src = getenv("WRITETEST_FIXTURES");
    if (!src)
        src = "tests/fixtures";
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fx_%s", g_dir, g_fmt);
    mkdir(dir, 0777);
    DIR *dp = opendir(src);
    if (!dp) {
        bad("cannot list %s", src);
        return;
    }
    char *files[256];
    size_t nf = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && nf < 256) {
        if (!ends_with(de->d_name, ".h5") && !ends_with(de->d_name, ".bin"))
            continue;
        char a[8192], b[8192];
        snprintf(a, sizeof a, "%s/%s", src, de->d_name);
        snprintf(b, sizeof b, "%s/%s", dir, de->d_name);
        if (copy_file(a, b))
            bad("cannot copy %s", a);
        else if (ends_with(de->d_name, ".h5"))
            files[nf++] = xstrdup(de->d_name);
    }
    closedir(dp);
    c5_type *i32 = T_int(4, 1, C5_ORDER_LE), *f64 = T_float(8, C5_ORDER_LE);
    for (size_t k = 0; k < nf; k++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        g_sub = files[k];
        c5_open_opts oo = O_opts(g_format, 0);
        c5_file *f = NULL;
        g_file = NULL;
        if (!OK(c5_file_open_mode(&f, path, "r+", &oo)))
            continue;
        g_file = f;
        /* an attribute on an existing group whose links stay unchanged: the
         * first hard link of the root (name order) to a group */
        {
            c5_object *root = open_obj(f, "/");
            names nm = {0};
            if (root)
                OK(c5_group_iterate(root, C5_ORDER_NAME, collect_cb, &nm));
            int done = 0;
            for (size_t j = 0; j < nm.n; j++) {
                linfo li = {0};
                char p[1024];
                snprintf(p, sizeof p, "/%s", nm.v[j]);
                c5_object *o = NULL;
                if (!done && c5_link_lookup(root, p, link_cb, &li) == 0 && li.type == C5_LINK_HARD &&
                    c5_object_open(&o, f, p) == 0 && c5_object_kind(o) == C5_OBJ_GROUP) {
                    c5_space s2 = S_1d(2);
                    attr_natural(o, p, "cfive_touched", i32, &s2);
                    done = 1;
                }
                c5_object_close(o);
                free(nm.v[j]);
            }
            free(nm.v);
            c5_object_close(root);
        }
        mkgroup(f, "/cfive_added/sub", C5_CREATE_PARENTS);
        c5_space s7 = S_1d(7), s3 = S_1d(3), sc = S_scalar();
        c5_dataset_opts o = D_opts(C5_STORAGE_CONTIGUOUS);
        natural_ds(f, "/cfive_added/data", i32, &s7, &o, 0);
        uint64_t n = 10, mu = C5_UNLIMITED, c4 = 4;
        c5_space su = S_simple(1, &n, &mu);
        D_chunk(&o, 1, &c4);
        natural_ds(f, "/cfive_added/chunked", f64, &su, &o, 0);
        c5_object *root = open_obj(f, "/");
        attr_natural(root, "/", "cfive_attr", i32, &s3);
        c5_object_close(root);
        c5_object *g = open_obj(f, "/cfive_added");
        c5_type *vs = T_str(C5_VARIABLE, C5_STR_NULLTERM, C5_CSET_UTF8);
        const char *note = "added by cfive";
        write_attr(g, "/cfive_added", "note", vs, &sc, vs, &note, sizeof note);
        exp_vstr("/cfive_added", "note", vs, &sc, (char **)&note, 1);
        c5_type_close(vs);
        c5_object_close(g);
        exp_links("/cfive_added/sub", C5_ORDER_NAME, NULL, 0);
        finish(f, path);
        free(files[k]);
    }
    g_sub = "";
    c5_type_close(i32);
    c5_type_close(f64);
}

/* ================================================================== */
/* modes                                                               */

static int file_exists(const char *p)
{
    return access(p, F_OK) == 0;
}

static uint8_t *slurp(const char *p, size_t *n)
{
    FILE *fp = fopen(p, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = xcalloc((size_t)sz + 1, 1);
    *n = fread(b, 1, (size_t)sz, fp);
    fclose(fp);
    return b;
}

static void sec_modes(void)
{
    char path[4096], p2[4096], nm[256];
    c5_open_opts oo = O_opts(g_format, 0);
    c5_file *f = create_file(NULL, 0, path, sizeof path);
    if (!f)
        return;
    mkgroup(f, "/m", 0);
    exp_links("/", C5_ORDER_NAME, (char *[]){"m"}, 1);
    finish(f, path);
    c5_file *x = NULL;
    MUST_FAIL(c5_file_open_mode(&x, path, "w-", &oo), C5_EEXIST);
    c5_file_close(x);
    x = NULL;
    MUST_FAIL(c5_file_open_mode(&x, path, "x", &oo), C5_EEXIST);
    c5_file_close(x);
    x = NULL;
    MUST_FAIL(c5_file_open_mode(&x, path, "q", &oo), C5_EINVAL);
    c5_file_close(x);
    /* r+ of a missing file fails and creates nothing */
    snprintf(nm, sizeof nm, "missing_%s.h5", g_fmt);
    fpath(p2, sizeof p2, nm);
    unlink(p2);
    x = NULL;
    MUST_FAIL(c5_file_open_mode(&x, p2, "r+", &oo), 0);
    c5_file_close(x);
    if (file_exists(p2))
        bad("r+ of a missing file created %s", p2);
    /* a read-only handle refuses changes */
    x = NULL;
    if (OK(c5_file_open_mode(&x, path, "r", &oo))) {
        g_file = x;
        MUST_FAIL(c5_group_create(NULL, x, "/nope", NULL), 0);
        c5_object *root = NULL;
        if (OK(c5_object_open(&root, x, "/"))) {
            int32_t v = 1;
            c5_type *i32 = T_int(4, 1, C5_ORDER_LE);
            c5_space sc = S_scalar();
            MUST_FAIL(c5_attr_write(root, "nope", i32, &sc, NULL, &v, 4), 0);
            MUST_FAIL(c5_dataset_create(NULL, x, "/nope_ds", i32, &sc, NULL), 0);
            MUST_FAIL(c5_link_soft(x, "/nope_s", "/m", 0), 0);
            c5_type_close(i32);
        }
        c5_object_close(root);
        c5_file_close(x);
        g_file = NULL;
    }
    /* r+ without changes leaves the file byte-identical */
    {
        size_t n0 = 0, n1 = 0;
        uint8_t *b0 = slurp(path, &n0);
        x = NULL;
        if (OK(c5_file_open_mode(&x, path, "r+", &oo)))
            OK(c5_file_close(x));
        uint8_t *b1 = slurp(path, &n1);
        if (!b0 || !b1 || n0 != n1 || memcmp(b0, b1, n0))
            bad("opening %s r+ and closing it without changes altered the file (%zu -> %zu "
                "bytes)",
                path, n0, n1);
        free(b0);
        free(b1);
    }
    /* a creates, then opens */
    snprintf(nm, sizeof nm, "modes_a_%s.h5", g_fmt);
    fpath(p2, sizeof p2, nm);
    unlink(p2);
    g_sub = nm;
    if (OK(c5_file_open_mode(&f, p2, "a", &oo))) {
        g_file = f;
        mkgroup(f, "/created", 0);
        finish(f, p2);
        if (OK(c5_file_open_mode(&f, p2, "a", &oo))) {
            g_file = f;
            mkgroup(f, "/second", 0);
            exp_links("/", C5_ORDER_NAME, (char *[]){"created", "second"}, 2);
            finish(f, p2);
        }
    }
    /* w truncates an existing file */
    snprintf(nm, sizeof nm, "modes_trunc_%s.h5", g_fmt);
    g_sub = nm;
    if ((f = create_file(nm, 0, p2, sizeof p2))) {
        mkgroup(f, "/old", 0);
        finish(f, p2);
        if ((f = create_file(nm, 0, p2, sizeof p2))) {
            mkgroup(f, "/new", 0);
            exp_links("/", C5_ORDER_NAME, (char *[]){"new"}, 1);
            exp_nolink("/old");
            finish(f, p2);
        }
    }
    /* w- and x create new files */
    static const char *cm[] = {"w-", "x"};
    for (int k = 0; k < 2; k++) {
        snprintf(nm, sizeof nm, "modes_%s_%s.h5", k ? "x" : "wx", g_fmt);
        fpath(p2, sizeof p2, nm);
        unlink(p2);
        g_sub = nm;
        if (OK(c5_file_open_mode(&f, p2, cm[k], &oo))) {
            g_file = f;
            mkgroup(f, "/x", 0);
            exp_links("/", C5_ORDER_NAME, (char *[]){"x"}, 1);
            finish(f, p2);
        }
    }
    g_sub = "";
}

/* ================================================================== */

static const struct {
    const char *name;
    void (*fn)(void);
} sections[] = {
    {"groups", sec_groups},     {"datasets", sec_datasets}, {"types", sec_types},
    {"attrs", sec_attrs},       {"links", sec_links},       {"filters", sec_filters},
    {"userblock", sec_userblock}, {"reopen", sec_reopen},   {"fixtures", sec_fixtures},
    {"modes", sec_modes},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t k = 0; k < NSECTIONS; k++)
            printf("%s\n", sections[k].name);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: writetest OUTDIR [SECTION...] | writetest --list\n");
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
    for (size_t k = 0; k < NSECTIONS; k++) {
        int run = argc == 2;
        for (int a = 2; a < argc && !run; a++)
            run = !strcmp(argv[a], sections[k].name);
        if (!run)
            continue;
        g_section = sections[k].name;
        for (int fm = 0; fm < 2; fm++) {
            g_format = fm ? C5_FORMAT_LATEST : C5_FORMAT_COMPATIBLE;
            g_fmt = fm ? "latest" : "compat";
            g_sub = "";
            sections[k].fn();
            free_exps();
        }
    }
    for (int a = 2; a < argc; a++) {
        int known = 0;
        for (size_t k = 0; k < NSECTIONS; k++)
            known |= !strcmp(argv[a], sections[k].name);
        if (!known) {
            fprintf(stderr, "writetest: unknown section %s\n", argv[a]);
            return 2;
        }
    }
    free(g_exp);
    return nfail ? 1 : 0;
}
