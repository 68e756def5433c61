/* Allocation through the file's allocator, with the max_alloc cap for sizes
 * that come from file data. */
#include "internal.h"

static void *do_alloc(c5_file *f, void *p, size_t n)
{
    if (f && f->opts.alloc)
        return f->opts.alloc(f->opts.alloc_ctx, p, n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

void *c5_malloc(c5_file *f, size_t n) { return do_alloc(f, NULL, n ? n : 1); }

void *c5_calloc(c5_file *f, size_t n, size_t m)
{
    uint64_t t;
    if (c5_mul_ovf(n, m, &t) || t > SIZE_MAX)
        return NULL;
    void *p = c5_malloc(f, (size_t)t);
    if (p)
        memset(p, 0, (size_t)t);
    return p;
}

void *c5_realloc(c5_file *f, void *p, size_t n) { return do_alloc(f, p, n ? n : 1); }

void c5_free(c5_file *f, void *p)
{
    if (p)
        do_alloc(f, p, 0);
}

char *c5_strndup(c5_file *f, const char *s, size_t n)
{
    char *d = c5_malloc(f, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

char *c5_strdup(c5_file *f, const char *s) { return c5_strndup(f, s, strlen(s)); }

int c5_alloc_checked(c5_file *f, uint64_t n, uint64_t addr, const char *what, void **out)
{
    uint64_t cap = f && f->opts.max_alloc ? f->opts.max_alloc : (1ull << 30);
    *out = NULL;
    if (n > cap || n > SIZE_MAX)
        return c5_fail(f, C5_ELIMIT, addr, "%s needs %llu bytes, above max_alloc %llu", what,
                       (unsigned long long)n, (unsigned long long)cap);
    *out = c5_malloc(f, (size_t)n);
    if (!*out)
        return c5_fail(f, C5_ENOMEM, addr, "%s: cannot allocate %llu bytes", what,
                       (unsigned long long)n);
    return 0;
}

int c5_vec_push(c5_file *f, c5_vec *vec, const void *elem)
{
    if (vec->n == vec->cap) {
        size_t nc = vec->cap ? vec->cap * 2 : 8;
        uint64_t bytes;
        if (c5_mul_ovf(nc, vec->esz, &bytes) || bytes > SIZE_MAX)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "array too large");
        void *nv = c5_realloc(f, vec->v, (size_t)bytes);
        if (!nv)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory growing array");
        vec->v = nv;
        vec->cap = nc;
    }
    memcpy((char *)vec->v + vec->n * vec->esz, elem, vec->esz);
    vec->n++;
    return 0;
}

void c5_vec_free(c5_file *f, c5_vec *vec)
{
    c5_free(f, vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

/* Open addressing over a power-of-two table; C5_UNDEF marks empty slots
 * (an undefined address is never visited). */
static size_t slot_of(uint64_t addr, size_t cap)
{
    addr ^= addr >> 33;
    addr *= 0xff51afd7ed558ccdull;
    addr ^= addr >> 33;
    return (size_t)addr & (cap - 1);
}

static void insert(uint64_t *a, size_t cap, uint64_t addr)
{
    size_t i = slot_of(addr, cap);
    while (a[i] != C5_UNDEF)
        i = (i + 1) & (cap - 1);
    a[i] = addr;
}

int c5_addrset_add(c5_file *f, c5_addrset *s, uint64_t addr)
{
    if (s->cap) {
        for (size_t i = slot_of(addr, s->cap); s->a[i] != C5_UNDEF; i = (i + 1) & (s->cap - 1))
            if (s->a[i] == addr)
                return 1;
    }
    if (addr == C5_UNDEF)
        return 0;
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        uint64_t *na = c5_malloc(f, nc * sizeof *na);
        if (!na)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
        for (size_t i = 0; i < nc; i++)
            na[i] = C5_UNDEF;
        for (size_t i = 0; i < s->cap; i++)
            if (s->a[i] != C5_UNDEF)
                insert(na, nc, s->a[i]);
        c5_free(f, s->a);
        s->a = na;
        s->cap = nc;
    }
    insert(s->a, s->cap, addr);
    s->n++;
    return 0;
}

void c5_addrset_free(c5_file *f, c5_addrset *s)
{
    c5_free(f, s->a);
    s->a = NULL;
    s->n = s->cap = 0;
}
