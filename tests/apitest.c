/* apitest: print everything in one HDF5 file through the public cfive API,
 * in the canonical text form of tests/h5py_dump.py (whose docstring defines
 * it), so that tests/api_vs_h5py.sh can diff the two line by line.
 *
 * Usage: apitest [-s SKIPFILE] FILE
 *   SKIPFILE lists "<escaped dataset path> <reason>" lines; those datasets
 *   print "  SKIP <reason>" instead of their values. (The API has no layout
 *   query yet, so the runner derives the list from the h5py dump.)
 *
 * Values are read through conversion where the API can express the memory
 * type: integers as host-order integers of the same size and signedness,
 * float/double as native, fixed strings as NULLPAD strings, vlen strings as
 * char*, object references as native addresses, compounds as a memory
 * compound rebuilt member by member by name. Types the API cannot build
 * (enum, array, opaque, bitfield, half floats, region references) are read
 * in their file form (a copy of the file type) and decoded here; vlen
 * sequences are read as c5_vl with file-form elements.
 *
 * Only include/cfive.h is used. */
#include "cfive.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 100

/* ---- small utilities ------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "apitest: out of memory\n");
        exit(3);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "apitest: out of memory\n");
        exit(3);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(sb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_esc(sb *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c < 0x21 || c > 0x7e || c == '\\' || c == '"')
            sb_printf(b, "\\x%02x", c);
        else {
            char ch = (char)c;
            sb_add(b, &ch, 1);
        }
    }
}

static void sb_escs(sb *b, const char *s) { sb_esc(b, (const unsigned char *)s, strlen(s)); }

static void sb_strval(sb *b, const unsigned char *s, size_t n)
{
    sb_puts(b, "\"");
    sb_esc(b, s, n);
    sb_puts(b, "\"");
}

static void sb_double(sb *b, double x)
{
    if (isnan(x))
        sb_puts(b, "nan");
    else if (isinf(x))
        sb_puts(b, x > 0 ? "inf" : "-inf");
    else
        sb_printf(b, "%.17g", x);
}

static c5_byteorder host_order(void)
{
    uint16_t x = 1;
    unsigned char c;
    memcpy(&c, &x, 1);
    return c ? C5_ORDER_LE : C5_ORDER_BE;
}

/* ---- global state of one run ----------------------------------------- */

static c5_file *F;
static int g_offset_size = 8;

typedef struct seen {
    uint64_t addr;
    char *path;
} seen;
static seen *g_seen;
static size_t g_nseen, g_capseen;

static const char *seen_find(uint64_t addr)
{
    for (size_t i = 0; i < g_nseen; i++)
        if (g_seen[i].addr == addr)
            return g_seen[i].path;
    return NULL;
}

static void seen_add(uint64_t addr, const char *path)
{
    if (g_nseen == g_capseen) {
        g_capseen = g_capseen ? g_capseen * 2 : 64;
        g_seen = xrealloc(g_seen, g_capseen * sizeof *g_seen);
    }
    g_seen[g_nseen].addr = addr;
    g_seen[g_nseen].path = xstrdup(path);
    g_nseen++;
}

static void seen_clear(void)
{
    for (size_t i = 0; i < g_nseen; i++)
        free(g_seen[i].path);
    g_nseen = 0;
}

/* The first-path table of pass 1, kept for naming reference targets. */
static seen *g_first;
static size_t g_nfirst;

static const char *first_path(uint64_t addr)
{
    for (size_t i = 0; i < g_nfirst; i++)
        if (g_first[i].addr == addr)
            return g_first[i].path;
    return NULL;
}

typedef struct skip {
    char *path, *reason;
} skip;
static skip *g_skip;
static size_t g_nskip;

static void load_skips(const char *fn)
{
    FILE *fp = fopen(fn, "r");
    if (!fp) {
        perror(fn);
        exit(2);
    }
    char line[8192];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        char *sp = strchr(line, ' ');
        if (!sp || line[0] != '/')
            continue;
        *sp = 0;
        g_skip = xrealloc(g_skip, (g_nskip + 1) * sizeof *g_skip);
        g_skip[g_nskip].path = xstrdup(line);
        g_skip[g_nskip].reason = xstrdup(sp + 1);
        g_nskip++;
    }
    fclose(fp);
}

static const char *skip_reason(const char *escpath)
{
    for (size_t i = 0; i < g_nskip; i++)
        if (strcmp(g_skip[i].path, escpath) == 0)
            return g_skip[i].reason;
    return NULL;
}

/* ---- integers from bytes --------------------------------------------- */

static uint64_t get_uint(const unsigned char *p, size_t n, c5_byteorder o)
{
    uint64_t v = 0;
    if (n > 8)
        n = 8;
    for (size_t i = 0; i < n; i++) {
        size_t k = o == C5_ORDER_BE ? i : n - 1 - i;
        v = (v << 8) | p[k];
    }
    return v;
}

static void sb_int(sb *b, const unsigned char *p, size_t n, c5_byteorder o, int is_signed)
{
    uint64_t v = get_uint(p, n, o);
    if (is_signed && n < 8 && n > 0 && (v >> (n * 8 - 1)) & 1)
        v |= ~(uint64_t)0 << (n * 8);
    if (is_signed)
        sb_printf(b, "%lld", (long long)(int64_t)v);
    else
        sb_printf(b, "%llu", (unsigned long long)v);
}

/* x * 2^e without libm (the test links without -lm). */
static double scale2(double x, int e)
{
    for (; e > 0; e--)
        x *= 2.0;
    for (; e < 0; e++)
        x *= 0.5;
    return x;
}

static double half_to_double(uint16_t h)
{
    int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = scale2((double)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = scale2((double)(m | 0x400), e - 25);
    return sign ? -v : v;
}

/* ---- type spelling --------------------------------------------------- */

static const char *ord(const c5_type *t) { return c5_type_order(t) == C5_ORDER_BE ? "be" : "le"; }

static int is_objref(const c5_type *t) { return c5_type_size(t) == (size_t)g_offset_size; }

typedef struct enm {
    long long v;
    const char *name;
} enm;

static int enm_cmp(const void *a, const void *b)
{
    const enm *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return strcmp(x->name, y->name);
}

static long long enum_value(const c5_type *t, int i)
{
    const c5_type *base = c5_type_base(t);
    const unsigned char *p = c5_type_enum_value(t, i);
    if (!base || !p)
        return 0;
    size_t n = c5_type_size(base);
    uint64_t v = get_uint(p, n, c5_type_order(base));
    if (c5_type_is_signed(base) && n < 8 && (v >> (n * 8 - 1)) & 1)
        v |= ~(uint64_t)0 << (n * 8);
    return (long long)(int64_t)v;
}

static int has_vlen(const c5_type *t)
{
    if (!t)
        return 0;
    if (c5_type_is_vlstring(t))
        return 1;
    switch (c5_type_class(t)) {
    case C5_CLASS_VLEN:
        return 1;
    case C5_CLASS_ARRAY:
        return has_vlen(c5_type_base(t));
    case C5_CLASS_COMPOUND:
        for (int i = 0; i < c5_type_nmembers(t); i++)
            if (has_vlen(c5_type_member_type(t, i)))
                return 1;
        return 0;
    default:
        return 0;
    }
}

static void spell(sb *b, const c5_type *t)
{
    if (!t) {
        sb_puts(b, "?null");
        return;
    }
    size_t n = c5_type_size(t);
    if (c5_type_is_vlstring(t)) {
        sb_puts(b, "vlstr");
        return;
    }
    switch (c5_type_class(t)) {
    case C5_CLASS_INTEGER:
        sb_printf(b, "%c%zu%s", c5_type_is_signed(t) ? 'i' : 'u', n * 8, ord(t));
        return;
    case C5_CLASS_FLOAT:
        sb_printf(b, "f%zu%s", n * 8, ord(t));
        return;
    case C5_CLASS_TIME:
        sb_printf(b, "time%zu%s", n * 8, ord(t));
        return;
    case C5_CLASS_BITFIELD:
        sb_printf(b, "b%zu%s", n * 8, ord(t));
        return;
    case C5_CLASS_STRING:
        sb_printf(b, "str%zu", n);
        return;
    case C5_CLASS_OPAQUE:
        sb_printf(b, "opaque%zu", n);
        return;
    case C5_CLASS_REFERENCE:
        sb_puts(b, is_objref(t) ? "objref" : "regref");
        return;
    case C5_CLASS_VLEN:
        sb_puts(b, "vlen(");
        spell(b, c5_type_base(t));
        sb_puts(b, ")");
        return;
    case C5_CLASS_ARRAY: {
        uint64_t dims[C5_MAX_RANK];
        int r = c5_type_array_dims(t, dims, C5_MAX_RANK);
        sb_puts(b, "array[");
        for (int i = 0; i < r && i < C5_MAX_RANK; i++)
            sb_printf(b, "%s%llu", i ? "," : "", (unsigned long long)dims[i]);
        sb_puts(b, "](");
        spell(b, c5_type_base(t));
        sb_puts(b, ")");
        return;
    }
    case C5_CLASS_ENUM: {
        int nm = c5_type_nmembers(t);
        enm *e = xmalloc((size_t)(nm > 0 ? nm : 1) * sizeof *e);
        for (int i = 0; i < nm; i++) {
            e[i].v = enum_value(t, i);
            e[i].name = c5_type_member_name(t, i);
            if (!e[i].name)
                e[i].name = "?";
        }
        if (nm > 0)
            qsort(e, (size_t)nm, sizeof *e, enm_cmp);
        sb_puts(b, "enum(");
        spell(b, c5_type_base(t));
        sb_puts(b, "){");
        for (int i = 0; i < nm; i++) {
            if (i)
                sb_puts(b, ",");
            sb_escs(b, e[i].name);
            sb_printf(b, "=%lld", e[i].v);
        }
        sb_puts(b, "}");
        free(e);
        return;
    }
    case C5_CLASS_COMPOUND: {
        /* libhdf5 reports types holding variable-length data in their
         * memory layout, so their sizes and offsets are not compared. */
        int nm = c5_type_nmembers(t), vl = has_vlen(t);
        if (vl)
            sb_puts(b, "compound{");
        else
            sb_printf(b, "compound%zu{", n);
        for (int i = 0; i < nm; i++) {
            const char *name = c5_type_member_name(t, i);
            if (i)
                sb_puts(b, ",");
            sb_escs(b, name ? name : "?");
            if (vl)
                sb_puts(b, ":");
            else
                sb_printf(b, "@%zu:", c5_type_member_offset(t, i));
            spell(b, c5_type_member_type(t, i));
        }
        sb_puts(b, "}");
        return;
    }
    }
    sb_printf(b, "class%d", (int)c5_type_class(t));
}

static void spell_space(sb *b, const c5_space *s, int with_max)
{
    if (s->cls == C5_SPACE_SCALAR) {
        sb_puts(b, "scalar");
        return;
    }
    if (s->cls == C5_SPACE_NULL) {
        sb_puts(b, "null");
        return;
    }
    sb_puts(b, "(");
    for (int i = 0; i < s->rank; i++)
        sb_printf(b, "%s%llu", i ? "," : "", (unsigned long long)s->dims[i]);
    sb_puts(b, ")");
    if (with_max) {
        sb_puts(b, " max(");
        for (int i = 0; i < s->rank; i++) {
            if (i)
                sb_puts(b, ",");
            if (s->maxdims[i] == C5_UNLIMITED)
                sb_puts(b, "U");
            else
                sb_printf(b, "%llu", (unsigned long long)s->maxdims[i]);
        }
        sb_puts(b, ")");
    }
}

/* ---- references ------------------------------------------------------- */

static void sb_objref(sb *b, uint64_t addr)
{
    uint64_t undef = g_offset_size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (g_offset_size * 8)) - 1;
    if (addr == 0 || addr == undef || addr == ~(uint64_t)0) {
        sb_puts(b, "NULLREF");
        return;
    }
    c5_object *o = NULL;
    if (c5_object_open_addr(&o, F, addr) != 0) {
        sb_puts(b, "BADREF");
        return;
    }
    uint64_t a = c5_object_addr(o);
    c5_object_close(o);
    const char *p = first_path(a);
    if (p)
        sb_escs(b, p);
    else
        sb_printf(b, "UNREACHED@%llu", (unsigned long long)a);
}

/* ---- values in file form ------------------------------------------------ */

static void cut_string(sb *b, const unsigned char *p, size_t n, int strip_spaces)
{
    size_t len = 0;
    while (len < n && p[len])
        len++;
    if (strip_spaces)
        while (len > 0 && p[len - 1] == ' ')
            len--;
    sb_strval(b, p, len);
}

/* Decode one element of file type t from its stored bytes. */
static void raw_val(sb *b, const c5_type *t, const unsigned char *p)
{
    size_t n = c5_type_size(t);
    if (c5_type_is_vlstring(t)) {
        sb_puts(b, "?vlstr");
        return;
    }
    switch (c5_type_class(t)) {
    case C5_CLASS_INTEGER:
        sb_int(b, p, n, c5_type_order(t), c5_type_is_signed(t));
        return;
    case C5_CLASS_BITFIELD:
    case C5_CLASS_TIME:
        sb_int(b, p, n, c5_type_order(t), 0);
        return;
    case C5_CLASS_ENUM: {
        const c5_type *base = c5_type_base(t);
        if (!base) {
            sb_puts(b, "?enum");
            return;
        }
        raw_val(b, base, p);
        return;
    }
    case C5_CLASS_FLOAT: {
        uint64_t v = get_uint(p, n, c5_type_order(t));
        if (n == 2)
            sb_double(b, half_to_double((uint16_t)v));
        else if (n == 4) {
            uint32_t u = (uint32_t)v;
            float x;
            memcpy(&x, &u, 4);
            sb_double(b, x);
        } else if (n == 8) {
            double x;
            memcpy(&x, &v, 8);
            sb_double(b, x);
        } else
            sb_printf(b, "?float%zu", n);
        return;
    }
    case C5_CLASS_STRING:
        /* The API does not say the padding: treat trailing spaces as pad. */
        cut_string(b, p, n, 1);
        return;
    case C5_CLASS_OPAQUE:
        sb_puts(b, "0x");
        for (size_t i = 0; i < n; i++)
            sb_printf(b, "%02x", p[i]);
        return;
    case C5_CLASS_REFERENCE:
        if (is_objref(t))
            sb_objref(b, get_uint(p, n, C5_ORDER_LE));
        else {
            size_t i = 0;
            while (i < n && !p[i])
                i++;
            sb_puts(b, i == n ? "NULLREF" : "REGREF");
        }
        return;
    case C5_CLASS_ARRAY: {
        uint64_t dims[C5_MAX_RANK];
        int r = c5_type_array_dims(t, dims, C5_MAX_RANK);
        const c5_type *base = c5_type_base(t);
        uint64_t cnt = 1;
        for (int i = 0; i < r && i < C5_MAX_RANK; i++)
            cnt *= dims[i];
        size_t bs = base ? c5_type_size(base) : 0;
        if (!base || bs == 0 || cnt * bs > n) {
            sb_puts(b, "?array");
            return;
        }
        sb_puts(b, "[");
        for (uint64_t i = 0; i < cnt; i++) {
            if (i)
                sb_puts(b, ", ");
            raw_val(b, base, p + i * bs);
        }
        sb_puts(b, "]");
        return;
    }
    case C5_CLASS_COMPOUND: {
        int nm = c5_type_nmembers(t);
        sb_puts(b, "{");
        for (int i = 0; i < nm; i++) {
            const char *name = c5_type_member_name(t, i);
            const c5_type *mt = c5_type_member_type(t, i);
            size_t off = c5_type_member_offset(t, i);
            if (i)
                sb_puts(b, ", ");
            sb_escs(b, name ? name : "?");
            sb_puts(b, ": ");
            if (!mt || off + c5_type_size(mt) > n)
                sb_puts(b, "?member");
            else
                raw_val(b, mt, p + off);
        }
        sb_puts(b, "}");
        return;
    }
    case C5_CLASS_VLEN:
        sb_puts(b, "?vlen");
        return;
    }
    sb_puts(b, "?class");
}

/* ---- memory plans: the memory type a read converts into ------------------ */

enum { PK_INT, PK_F32, PK_F64, PK_STR, PK_VLSTR, PK_OBJREF, PK_VLEN, PK_COMPOUND, PK_RAW };

typedef struct plan {
    int kind;
    const c5_type *ft; /* file type, borrowed */
    c5_type *mt;       /* memory type, owned */
    size_t size, align;
    int n;
    struct plan *m; /* compound members */
    size_t *off;
} plan;

static void plan_free(plan *p)
{
    for (int i = 0; i < p->n; i++)
        plan_free(&p->m[i]);
    free(p->m);
    free(p->off);
    c5_type_close(p->mt);
    memset(p, 0, sizeof *p);
}

/* Build the memory plan of file type ft. utf8 picks the character set of
 * the memory strings (tried after ASCII when the library refuses). */
static int plan_build(plan *p, const c5_type *ft, int utf8)
{
    memset(p, 0, sizeof *p);
    p->ft = ft;
    size_t n = c5_type_size(ft);
    int rc;
    if (c5_type_is_vlstring(ft)) {
        p->kind = PK_VLSTR;
        p->size = p->align = sizeof(char *);
        return c5_type_native(&p->mt, C5_NATIVE_VLSTRING);
    }
    switch (c5_type_class(ft)) {
    case C5_CLASS_INTEGER:
        if (n == 1 || n == 2 || n == 4 || n == 8) {
            p->kind = PK_INT;
            p->size = p->align = n;
            return c5_type_integer(&p->mt, n, c5_type_is_signed(ft), host_order());
        }
        break;
    case C5_CLASS_FLOAT:
        if (n == 4 || n == 8) {
            p->kind = n == 4 ? PK_F32 : PK_F64;
            p->size = p->align = n;
            return c5_type_native(&p->mt, n == 4 ? C5_NATIVE_FLOAT : C5_NATIVE_DOUBLE);
        }
        break;
    case C5_CLASS_STRING:
        p->kind = PK_STR;
        p->size = n;
        p->align = 1;
        return c5_type_string(&p->mt, n, C5_STR_NULLPAD, utf8 ? C5_CSET_UTF8 : C5_CSET_ASCII);
    case C5_CLASS_REFERENCE:
        if (is_objref(ft)) {
            p->kind = PK_OBJREF;
            p->size = p->align = sizeof(uint64_t);
            return c5_type_native(&p->mt, C5_NATIVE_OBJREF);
        }
        break;
    case C5_CLASS_VLEN:
        p->kind = PK_VLEN;
        p->size = sizeof(c5_vl);
        p->align = sizeof(void *);
        return c5_type_copy(&p->mt, ft);
    case C5_CLASS_COMPOUND: {
        int nm = c5_type_nmembers(ft);
        if (nm < 0)
            return nm;
        p->kind = PK_COMPOUND;
        p->n = nm;
        p->m = calloc((size_t)(nm ? nm : 1), sizeof *p->m);
        p->off = calloc((size_t)(nm ? nm : 1), sizeof *p->off);
        if (!p->m || !p->off)
            return C5_ENOMEM;
        size_t off = 0, al = 1;
        for (int i = 0; i < nm; i++) {
            const c5_type *mt = c5_type_member_type(ft, i);
            if (!mt)
                return C5_EINVAL;
            rc = plan_build(&p->m[i], mt, utf8);
            if (rc)
                return rc;
            size_t a = p->m[i].align;
            off = (off + a - 1) / a * a;
            p->off[i] = off;
            off += p->m[i].size;
            if (a > al)
                al = a;
        }
        off = (off + al - 1) / al * al;
        p->size = off ? off : 1;
        p->align = al;
        rc = c5_type_compound(&p->mt, p->size);
        if (rc)
            return rc;
        for (int i = 0; i < nm; i++) {
            rc = c5_type_insert(p->mt, c5_type_member_name(ft, i), p->off[i], p->m[i].mt);
            if (rc)
                return rc;
        }
        return 0;
    }
    default:
        break;
    }
    /* enum, array, opaque, bitfield, time, half float, region reference:
     * no memory constructor in the API, read the file form */
    p->kind = PK_RAW;
    p->size = n;
    p->align = 1;
    return c5_type_copy(&p->mt, ft);
}

static void plan_val(sb *b, const plan *p, const unsigned char *e)
{
    switch (p->kind) {
    case PK_INT:
        sb_int(b, e, p->size, host_order(), c5_type_is_signed(p->ft));
        return;
    case PK_F32: {
        float x;
        memcpy(&x, e, 4);
        sb_double(b, x);
        return;
    }
    case PK_F64: {
        double x;
        memcpy(&x, e, 8);
        sb_double(b, x);
        return;
    }
    case PK_STR:
        cut_string(b, e, p->size, 0);
        return;
    case PK_VLSTR: {
        char *s;
        memcpy(&s, e, sizeof s);
        if (s)
            sb_strval(b, (const unsigned char *)s, strlen(s));
        else
            sb_puts(b, "\"\"");
        return;
    }
    case PK_OBJREF: {
        uint64_t a;
        memcpy(&a, e, 8);
        sb_objref(b, a);
        return;
    }
    case PK_VLEN: {
        c5_vl vl;
        memcpy(&vl, e, sizeof vl);
        const c5_type *base = c5_type_base(p->ft);
        size_t bs = base ? c5_type_size(base) : 0;
        if (!base || has_vlen(base) || (vl.len && (!vl.p || !bs))) {
            sb_puts(b, "?vlen");
            return;
        }
        sb_puts(b, "[");
        for (size_t i = 0; i < vl.len; i++) {
            if (i)
                sb_puts(b, ", ");
            raw_val(b, base, (const unsigned char *)vl.p + i * bs);
        }
        sb_puts(b, "]");
        return;
    }
    case PK_COMPOUND:
        sb_puts(b, "{");
        for (int i = 0; i < p->n; i++) {
            const char *name = c5_type_member_name(p->ft, i);
            if (i)
                sb_puts(b, ", ");
            sb_escs(b, name ? name : "?");
            sb_puts(b, ": ");
            plan_val(b, &p->m[i], e + p->off[i]);
        }
        sb_puts(b, "}");
        return;
    case PK_RAW:
        raw_val(b, p->ft, e);
        return;
    }
}

/* ---- reading and printing values ------------------------------------------ */

typedef int (*read_fn)(void *obj, const c5_type *mem, void *buf, size_t cap);

static int read_ds(void *o, const c5_type *mem, void *buf, size_t cap)
{
    return c5_dataset_read(o, mem, NULL, buf, cap);
}

static int read_attr(void *a, const c5_type *mem, void *buf, size_t cap)
{
    return c5_attr_read(a, mem, buf, cap);
}

static void print_values(void *obj, read_fn rd, const c5_type *ft, const c5_space *s)
{
    if (s->cls == C5_SPACE_NULL)
        return;
    uint64_t nelem = 1;
    for (int i = 0; s->cls == C5_SPACE_SIMPLE && i < s->rank; i++)
        nelem *= s->dims[i];
    if (nelem == 0)
        return;
    if (nelem > ((uint64_t)1 << 28)) {
        printf("  ERROR too many elements\n");
        return;
    }
    int rc = C5_ETYPE, tried_raw = 0;
    plan p;
    memset(&p, 0, sizeof p);
    unsigned char *buf = NULL;
    /* conversion with ASCII memory strings, then UTF-8, then the raw file form */
    for (int attempt = 0; attempt < 3 && rc == C5_ETYPE; attempt++) {
        plan_free(&p);
        free(buf);
        buf = NULL;
        if (attempt < 2) {
            rc = plan_build(&p, ft, attempt);
            if (rc)
                continue;
        } else {
            if (has_vlen(ft))
                break;
            memset(&p, 0, sizeof p);
            p.kind = PK_RAW;
            p.ft = ft;
            p.size = c5_type_size(ft);
            tried_raw = 1;
        }
        size_t cap = (size_t)nelem * p.size;
        buf = calloc(cap ? cap : 1, 1);
        if (!buf) {
            rc = C5_ENOMEM;
            break;
        }
        rc = rd(obj, tried_raw ? NULL : p.mt, buf, cap);
    }
    if (rc) {
        printf("  ERROR %s: %s\n", c5_strerror(rc), c5_errmsg(F));
    } else {
        sb b = {0};
        for (uint64_t i = 0; i < nelem; i++) {
            b.n = 0;
            sb_printf(&b, "  [%llu] ", (unsigned long long)i);
            plan_val(&b, &p, buf + i * p.size);
            printf("%s\n", b.p);
        }
        free(b.p);
        if (p.mt)
            c5_reclaim(p.mt, buf, (size_t)nelem);
    }
    free(buf);
    plan_free(&p);
}

/* ---- attributes ------------------------------------------------------------ */

typedef struct names {
    char **v;
    size_t n;
} names;

static int name_cb(void *ud, const char *name)
{
    names *ns = ud;
    ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
    ns->v[ns->n++] = xstrdup(name);
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_attrs(c5_object *o, const char *path)
{
    names ns = {0};
    int rc = c5_attr_iterate(o, name_cb, &ns);
    if (rc) {
        sb b = {0};
        sb_escs(&b, path);
        printf("ATTRS %s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
        free(b.p);
    }
    if (ns.n)
        qsort(ns.v, ns.n, sizeof *ns.v, str_cmp);
    for (size_t i = 0; i < ns.n; i++) {
        sb b = {0};
        sb_puts(&b, "ATTR ");
        sb_escs(&b, path);
        sb_puts(&b, " ");
        sb_escs(&b, ns.v[i]);
        c5_attr *a = NULL;
        c5_type *t = NULL;
        c5_space s;
        memset(&s, 0, sizeof s);
        if ((rc = c5_attr_open(&a, o, ns.v[i])) || (rc = c5_attr_type(&t, a)) ||
            (rc = c5_attr_space(&s, a))) {
            printf("%s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
        } else {
            sb_puts(&b, " ");
            spell(&b, t);
            sb_puts(&b, " ");
            spell_space(&b, &s, 0);
            printf("%s\n", b.p);
            print_values(a, read_attr, t, &s);
        }
        c5_type_close(t);
        c5_attr_close(a);
        free(b.p);
        free(ns.v[i]);
    }
    free(ns.v);
}

/* ---- objects and the walk -------------------------------------------------- */

static void print_object(c5_object *o, const char *path)
{
    sb b = {0};
    c5_objkind k = c5_object_kind(o);
    int rc;
    if (k == C5_OBJ_GROUP) {
        sb_puts(&b, "GROUP ");
        sb_escs(&b, path);
        printf("%s\n", b.p);
        print_attrs(o, path);
    } else if (k == C5_OBJ_DATATYPE) {
        c5_type *t = NULL;
        sb_puts(&b, "DATATYPE ");
        sb_escs(&b, path);
        if ((rc = c5_object_type(&t, o)))
            printf("%s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
        else {
            sb_puts(&b, " ");
            spell(&b, t);
            printf("%s\n", b.p);
        }
        c5_type_close(t);
        print_attrs(o, path);
    } else {
        c5_type *t = NULL;
        c5_space s;
        memset(&s, 0, sizeof s);
        sb_puts(&b, "DATASET ");
        sb_escs(&b, path);
        if ((rc = c5_object_type(&t, o)) || (rc = c5_dataset_space(&s, o))) {
            printf("%s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
            print_attrs(o, path);
        } else {
            sb_puts(&b, " ");
            spell(&b, t);
            sb_puts(&b, " ");
            spell_space(&b, &s, 1);
            printf("%s\n", b.p);
            print_attrs(o, path);
            sb e = {0};
            sb_escs(&e, path);
            const char *why = skip_reason(e.p);
            free(e.p);
            if (why)
                printf("  SKIP %s\n", why);
            else
                print_values(o, read_ds, t, &s);
        }
        c5_type_close(t);
    }
    free(b.p);
}

typedef struct lnk {
    char *name;
    int type;
    uint64_t addr;
    char *target, *tfile;
} lnk;

typedef struct lnks {
    lnk *v;
    size_t n;
} lnks;

static int link_cb(void *ud, const c5_link *l)
{
    lnks *ls = ud;
    ls->v = xrealloc(ls->v, (ls->n + 1) * sizeof *ls->v);
    lnk *x = &ls->v[ls->n++];
    x->name = xstrdup(l->name ? l->name : "");
    x->type = l->type;
    x->addr = l->addr;
    x->target = xstrdup(l->target ? l->target : "");
    x->tfile = xstrdup(l->target_file ? l->target_file : "");
    return 0;
}

static int lnk_cmp(const void *a, const void *b)
{
    return strcmp(((const lnk *)a)->name, ((const lnk *)b)->name);
}

static char *join(const char *path, const char *name)
{
    size_t a = strlen(path), n = strlen(name);
    char *p = xmalloc(a + n + 2);
    if (strcmp(path, "/") == 0)
        a = 0;
    memcpy(p, path, a);
    p[a] = '/';
    memcpy(p + a + 1, name, n + 1);
    return p;
}

/* Depth-first walk in name order. print = 0 only records first paths. */
static void walk(c5_object *g, const char *path, int print, int depth)
{
    lnks ls = {0};
    int rc = c5_group_iterate(g, C5_ORDER_NAME, link_cb, &ls);
    if (rc && print) {
        sb b = {0};
        sb_escs(&b, path);
        printf("LINKS %s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
        free(b.p);
    }
    if (ls.n)
        qsort(ls.v, ls.n, sizeof *ls.v, lnk_cmp);
    for (size_t i = 0; i < ls.n; i++) {
        lnk *l = &ls.v[i];
        char *p = join(path, l->name);
        sb b = {0};
        if (l->type == C5_LINK_SOFT) {
            if (print) {
                sb_puts(&b, "SOFTLINK ");
                sb_escs(&b, p);
                sb_puts(&b, " -> ");
                sb_escs(&b, l->target);
                printf("%s\n", b.p);
            }
        } else if (l->type == C5_LINK_EXTERNAL) {
            if (print) {
                sb_puts(&b, "EXTLINK ");
                sb_escs(&b, p);
                sb_puts(&b, " -> ");
                sb_escs(&b, l->tfile);
                sb_puts(&b, ":");
                sb_escs(&b, l->target);
                printf("%s\n", b.p);
            }
        } else if (l->type != C5_LINK_HARD) {
            if (print) {
                sb_puts(&b, "UDLINK ");
                sb_escs(&b, p);
                printf("%s %d\n", b.p, l->type);
            }
        } else {
            /* Pass 2 opens by name (the path lookup is under test too); in
             * big groups only a sample, so the run stays short. */
            c5_object *o = NULL;
            if (print && (ls.n <= 256 || i % 50 == 0))
                rc = c5_object_open_at(&o, g, l->name);
            else
                rc = c5_object_open_addr(&o, F, l->addr);
            uint64_t addr = rc ? l->addr : c5_object_addr(o);
            const char *again = seen_find(addr);
            if (rc) {
                if (print) {
                    sb_puts(&b, "OBJECT ");
                    sb_escs(&b, p);
                    printf("%s ERROR %s: %s\n", b.p, c5_strerror(rc), c5_errmsg(F));
                }
            } else if (again) {
                if (print) {
                    sb_puts(&b, "HARDLINK ");
                    sb_escs(&b, p);
                    sb_puts(&b, " = ");
                    sb_escs(&b, again);
                    printf("%s\n", b.p);
                }
            } else {
                if (addr != l->addr && print) {
                    sb_escs(&b, p);
                    printf("MISMATCH %s link address %llu, object address %llu\n", b.p,
                           (unsigned long long)l->addr, (unsigned long long)addr);
                }
                seen_add(addr, p);
                if (print)
                    print_object(o, p);
                if (c5_object_kind(o) == C5_OBJ_GROUP) {
                    if (depth < MAX_DEPTH)
                        walk(o, p, print, depth + 1);
                    else if (print)
                        printf("DEPTH LIMIT\n");
                }
            }
            c5_object_close(o);
        }
        free(b.p);
        free(p);
        free(l->name);
        free(l->target);
        free(l->tfile);
    }
    free(ls.v);
}

int main(int argc, char **argv)
{
    const char *skipfile = NULL, *fn = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            skipfile = argv[++i];
        else if (!fn)
            fn = argv[i];
        else
            fn = NULL, i = argc;
    }
    if (!fn) {
        fprintf(stderr, "usage: apitest [-s SKIPFILE] FILE\n");
        return 2;
    }
    if (skipfile)
        load_skips(skipfile);
    int rc = c5_file_open(&F, fn, NULL);
    if (rc) {
        printf("OPEN ERROR %s\n", c5_strerror(rc));
        return 1;
    }
    c5_file_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    if (c5_file_get_info(F, &info) == 0 && info.offset_size > 0 && info.offset_size <= 8)
        g_offset_size = info.offset_size;
    c5_object *root = NULL;
    rc = c5_object_open(&root, F, "/");
    if (rc) {
        printf("ROOT ERROR %s: %s\n", c5_strerror(rc), c5_errmsg(F));
        c5_file_close(F);
        return 1;
    }
    uint64_t ra = c5_object_addr(root);
    /* pass 1: the first path of every object, to name reference targets */
    seen_add(ra, "/");
    walk(root, "/", 0, 0);
    g_first = g_seen;
    g_nfirst = g_nseen;
    g_seen = NULL;
    g_nseen = g_capseen = 0;
    /* pass 2: print */
    printf("GROUP /\n");
    print_attrs(root, "/");
    seen_add(ra, "/");
    walk(root, "/", 1, 0);
    seen_clear();
    free(g_seen);
    for (size_t i = 0; i < g_nfirst; i++)
        free(g_first[i].path);
    free(g_first);
    for (size_t i = 0; i < g_nskip; i++) {
        free(g_skip[i].path);
        free(g_skip[i].reason);
    }
    free(g_skip);
    c5_object_close(root);
    c5_file_close(F);
    return 0;
}
