/* Small pieces shared by the cfive dump modules: the growable string every
 * line is built in, and the out-of-memory exit (h5dump's wording). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

void c5dump_oom(void)
{
    fflush(stdout);
    fprintf(stderr, "h5dump error: out of memory\n");
    exit(1);
}

void c5sb_putn(c5sb *b, const char *s, size_t n)
{
    if (n > SIZE_MAX - b->n - 1)
        c5dump_oom();
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap = cap > SIZE_MAX / 2 ? b->n + n + 1 : cap * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            c5dump_oom();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void c5sb_puts(c5sb *b, const char *s) { c5sb_putn(b, s, strlen(s)); }

void c5sb_printf(c5sb *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        c5sb_putn(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        c5dump_oom();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    c5sb_putn(b, big, (size_t)n);
    free(big);
}

void c5sb_reset(c5sb *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
    else
        c5sb_putn(b, "", 0); /* always a valid string */
}
