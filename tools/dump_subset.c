/* cfive dump: dataset subsets, as h5dump 1.10.8 takes and walks them.
 *
 *   h5dump -d PATH -s START -S STRIDE -c COUNT -k BLOCK FILE
 *   h5dump -d "PATH[START;STRIDE;COUNT;BLOCK]" FILE
 *
 * Lists: h5dump reads every run of decimal digits as one number, parsed
 * by strtoull with base 0 ("010" is 8, "0x10" is 16 and then 10), up to
 * the end, a ';' or a ']'; anything else separates. A list without digits
 * counts as not given. Lists not given default, when the dataset is met,
 * to 0 (START) or 1 (the others) in every dimension.
 *
 * Checks (handle_datasets), after the dataset opens: a list longer than
 * the rank ("number of start dims (3) exceed dataset dims (2)"), and
 * COUNT > 1 with STRIDE < BLOCK in a dimension ("wrong subset selection;
 * blocks overlap"). A list shorter than the rank is not refused: h5dump
 * reads past it. Its lists live in calloc'd blocks, and glibc clears the
 * whole usable block (an odd number of 8-byte words, at least 3), so the
 * entries just past a short list read as 0; cfive reproduces that, and
 * refuses (a clear message, exit status 1) where h5dump would read beyond
 * the block, where its value is whatever the heap holds.
 *
 * The walk (h5tools_display_simple_subset / print_simple_subset): the data
 * is printed one "row" at a time, a row being the selection with one index
 * of the second-to-last dimension (the row dimension; the only dimension
 * of 1-D data, which is one row) and everything in the last one. Each row
 * starts a new line whose index prefix is the row's lowest coordinate;
 * later lines of a wrapped row count elements on from it as if they were
 * consecutive. The dimensions before the row dimension are walked by an
 * outer loop, one print call per START + n * STRIDE, whose BLOCK (and only
 * it) is read within each row call. The last row of each print call has
 * no "," after its last element. A row that selects nothing, has a zero
 * stride or lies outside the extent ends its print call silently (exit
 * status 0); under -E h5dump reports it, libhdf5's error stack at once
 * and its own entries (the first 32) when it exits, as c5dump_diag does.
 *
 * References are the exception: a dataset of references is printed whole,
 * under the SUBSET header, and the datasets they point to are printed with
 * the same subset (the lists as resolved for the outer dataset).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h" /* c5_add_ovf, c5_mul_ovf */
#include "dump.h"

/* Error stacks printed at most this many times for one event under -E. */
#define DIAG_MAX_STACKS 1000
#define DIAG_SLOTS 32 /* libhdf5's H5E_NSLOTS: entries an error stack keeps */

static const char *const list_names[4] = {"start", "stride", "count", "block"};
static const char *const list_words[4] = {"START", "STRIDE", "COUNT", "BLOCK"};

/* ---- lists -------------------------------------------------------------- */

void c5dump_list_parse(c5dump_list *l, const char *s)
{
    memset(l, 0, sizeof *l);
    if (!s || !*s || *s == ';')
        return;
    unsigned runs = 0;
    int in_digits = 0;
    for (const char *p = s; *p && *p != ';' && *p != ']'; p++) {
        int dig = *p >= '0' && *p <= '9';
        if (dig && !in_digits)
            runs++;
        in_digits = dig;
    }
    if (runs == 0)
        return;
    unsigned i = 0;
    for (const char *p = s; i < runs && *p && *p != ';' && *p != ']'; p++) {
        if (*p < '0' || *p > '9')
            continue;
        uint64_t v = (uint64_t)strtoull(p, NULL, 0);
        if (i < C5_MAX_RANK)
            l->v[i] = v;
        i++;
        while (*p >= '0' && *p <= '9')
            p++;
        if (!*p)
            break;
    }
    l->len = runs;
    l->set = 1;
}

int c5dump_subset_compact(c5dump_subset *s, char *path)
{
    char *b = strrchr(path, '[');
    if (!b)
        return 0;
    *b++ = '\0';
    memset(s, 0, sizeof *s);
    for (int w = 0; w < 4; w++) {
        if (w) {
            while (*b && *b != ';')
                b++;
            if (*b)
                b++;
        }
        c5dump_list_parse(&s->l[w], b);
    }
    return 1;
}

/* Words of h5dump's calloc'd block for a list of len values: glibc clears
 * the usable size of the chunk, an odd number of words and at least 3. */
static unsigned cleared_words(unsigned len)
{
    unsigned w = len | 1u;
    return w < 3 ? 3 : w;
}

/* Entry i of a list as h5dump reads it; -1 where that is not knowable
 * (past the cleared block, or a list h5dump has no memory for). */
static int list_at(const c5dump_list *l, int i, uint64_t *v)
{
    if (!l->set || i < 0)
        return -1;
    if ((unsigned)i < l->len)
        *v = i < C5_MAX_RANK ? l->v[i] : 0;
    else if ((unsigned)i < cleared_words(l->len))
        *v = 0;
    else
        return -1;
    return 0;
}

static int unknowable(char *msg, size_t n, int w, unsigned len, int rank)
{
    snprintf(msg, n,
             "the %s list has %u value%s for %d dimensions: h5dump 1.10.8 reads past the list "
             "there and prints whatever memory holds, which cfive cannot reproduce\n",
             list_words[w], len, len == 1 ? "" : "s", rank);
    return -1;
}

int c5dump_subset_check(c5dump_subset *s, int ndims, char *msg, size_t n)
{
    static const uint64_t dflt[4] = {0, 1, 1, 1};
    unsigned nd = ndims > 0 ? (unsigned)ndims : 0;
    for (int w = 0; w < 4; w++) {
        c5dump_list *l = &s->l[w];
        if (l->set)
            continue;
        l->len = nd;
        l->set = nd > 0;
        for (unsigned i = 0; i < nd && i < C5_MAX_RANK; i++)
            l->v[i] = dflt[w];
    }
    for (int w = 0; w < 4; w++)
        if (s->l[w].len > nd) {
            snprintf(msg, n, "number of %s dims (%u) exceed dataset dims (%u)\n", list_names[w],
                     s->l[w].len, nd);
            return -1;
        }
    for (int i = 0; i < (int)nd; i++) {
        uint64_t c, st, b;
        if (list_at(&s->l[2], i, &c) != 0)
            return unknowable(msg, n, 2, s->l[2].len, (int)nd) - 1;
        if (c <= 1)
            continue;
        if (list_at(&s->l[1], i, &st) != 0)
            return unknowable(msg, n, 1, s->l[1].len, (int)nd) - 1;
        if (list_at(&s->l[3], i, &b) != 0)
            return unknowable(msg, n, 3, s->l[3].len, (int)nd) - 1;
        if (st < b) {
            snprintf(msg, n, "wrong subset selection; blocks overlap\n");
            return -1;
        }
    }
    return 0;
}

int c5dump_subset_text(c5sb *b, const c5dump_subset *s, int w, int ndims)
{
    const c5dump_list *l = &s->l[w];
    c5sb_printf(b, "%s ( ", list_words[w]);
    for (int i = 0; i < ndims; i++) {
        uint64_t v;
        if (list_at(l, i, &v) != 0)
            return -1;
        c5sb_printf(b, "%s%" PRIu64, i ? ", " : "", v);
    }
    c5sb_puts(b, " );");
    return 0;
}

/* ---- the walk ------------------------------------------------------------ */

int c5dump_rows_init(c5dump_rows *it, const c5dump_subset *s, const c5_space *sp, char *msg,
                     size_t n)
{
    memset(it, 0, sizeof *it);
    if (sp->cls == C5_SPACE_SCALAR || sp->rank < 1) {
        snprintf(msg, n, "h5dump 1.10.8 crashes on a subset of a scalar dataset\n");
        return -1;
    }
    int r = sp->rank;
    it->rank = r;
    for (int i = 0; i < r; i++) {
        it->dims[i] = sp->dims[i];
        for (int w = 0; w < 4; w++)
            if (list_at(&s->l[w], i, &it->lst[w][i]) != 0)
                return unknowable(msg, n, w, s->l[w].len, r);
    }
    const uint64_t *S = it->lst[0], *T = it->lst[1], *C = it->lst[2], *K = it->lst[3];
    int last = r - 1, row = r == 1 ? 0 : r - 2;
    it->row_dim = row;
    /* the row dimension advances by one index at a time within a block */
    it->row_stride = r > 1 && K[row] > 1 ? 1 : T[row];
    /* print calls and rows per call; h5dump's counts would wrap past
     * 2^64 where these products overflow */
    it->calls = 1;
    it->rows_per_call = 1;
    for (int i = 0; i < r - 2; i++)
        if (c5_mul_ovf(it->calls, C[i], &it->calls))
            goto wraps;
    if (r > 1 && c5_mul_ovf(C[row], K[row], &it->rows_per_call))
        goto wraps;
    /* every print call fails alike on a zero stride or an empty selection
     * (H5Sselect_hyperslab's checks, then npoints == 0) */
    int zero_stride = it->row_stride == 0 || T[last] == 0, empty = C[last] == 0 || K[last] == 0;
    for (int i = 0; i < r - 2; i++) {
        zero_stride |= T[i] == 0;
        empty |= K[i] == 0;
    }
    it->konst = zero_stride ? C5DUMP_ROW_STRIDE0 : empty ? C5DUMP_ROW_EMPTY : 0;
    if (it->konst)
        return 0;
    /* h5dump sizes its strip mine from the extent before it reads a row,
     * dividing by the bytes of the dimensions after each one */
    for (int i = 1; i < r; i++)
        if (it->dims[i] == 0 && it->calls && it->rows_per_call) {
            snprintf(msg, n,
                     "h5dump 1.10.8 crashes (division by zero) on a subset of a dataset with an "
                     "empty dimension\n");
            return -1;
        }
    /* where libhdf5 would wrap coordinates past 2^64 and read elements in
     * an order of its own, refuse */
    uint64_t hi, np = 1;
    if (S[last] < it->dims[last] &&
        (c5_mul_ovf(C[last] - 1, T[last], &hi) || c5_add_ovf(hi, S[last], &hi) ||
         c5_add_ovf(hi, K[last] - 1, &hi)))
        goto wraps;
    for (int i = 0; i < r - 2; i++) {
        if (c5_mul_ovf(C[i], T[i], &hi) || c5_add_ovf(hi, S[i], &hi))
            goto wraps;
        if (c5_mul_ovf(np, K[i], &np))
            goto wraps;
    }
    if (c5_mul_ovf(C[last], K[last], &hi) || c5_mul_ovf(np, hi, &np))
        goto wraps;
    it->npoints = np;
    return 0;
wraps:
    snprintf(msg, n,
             "subset coordinates pass 2^64: h5dump 1.10.8 wraps them around, which cfive does "
             "not reproduce\n");
    return -1;
}

int c5dump_subset_prepare(c5dump_subset *s, c5_object *ds, int display, char *msg, size_t n)
{
    c5_space sp;
    if (c5_dataset_space(&sp, ds) != 0) {
        snprintf(msg, n, "its dataspace cannot be read\n");
        return -2;
    }
    int nd = sp.cls == C5_SPACE_SIMPLE ? sp.rank : 0;
    int rc = c5dump_subset_check(s, nd, msg, n);
    if (rc || !display)
        return rc;
    /* references print whole: the lists show in the header only */
    c5_type *t = NULL;
    int ref = c5_object_type(&t, ds) == 0 && c5_type_class(t) == C5_CLASS_REFERENCE;
    c5_type_close(t);
    if (ref) {
        c5sb b = {0};
        for (int w = 0; w < 4 && rc == 0; w++)
            if (c5dump_subset_text(&b, s, w, nd) != 0)
                rc = unknowable(msg, n, w, s->l[w].len, nd) - 1;
        free(b.p);
        return rc;
    }
    c5dump_rows it;
    if (sp.cls != C5_SPACE_NULL && c5dump_rows_init(&it, s, &sp, msg, n) != 0)
        return -2;
    return 0;
}

/* Moves the outer walk (the dimensions before the row dimension) on by
 * one print call. */
static void next_call(c5dump_rows *it)
{
    for (int i = it->rank - 3; i >= 0; i--) {
        if (++it->n[i] < it->lst[2][i])
            break;
        it->n[i] = 0;
    }
    it->calls--;
    it->in_call = 0;
}

int c5dump_rows_next(c5dump_rows *it)
{
    const uint64_t *S = it->lst[0], *T = it->lst[1], *C = it->lst[2], *K = it->lst[3];
    int r = it->rank, row = it->row_dim, last = r - 1;
    it->mult = 1;
    for (;;) {
        if (!it->in_call) {
            if (it->calls == 0 || it->rows_per_call == 0)
                return C5DUMP_ROW_END;
            if (it->konst) {
                it->mult = it->calls;
                it->calls = 0;
                return it->konst;
            }
            /* an outer index outside the extent fails every call until
             * that index moves on */
            for (int j = 0; j < r - 2; j++) {
                uint64_t pos = S[j] + it->n[j] * T[j], end;
                if (!c5_add_ovf(pos, K[j], &end) && end <= it->dims[j])
                    continue;
                uint64_t rest = 1, done = 0; /* <= calls: no overflow */
                for (int i = j + 1; i < r - 2; i++) {
                    rest *= C[i];
                    done = done * C[i] + it->n[i];
                }
                uint64_t m = rest - done;
                if (m > it->calls)
                    m = it->calls;
                for (int i = j + 1; i < r - 2; i++)
                    it->n[i] = C[i] - 1;
                next_call(it);
                it->calls -= m - 1;
                it->mult = m;
                return C5DUMP_ROW_OUTSIDE;
            }
            it->in_call = 1;
            it->rows_left = it->rows_per_call;
            it->row_counter = 0;
            it->row_pos = S[row];
        }
        if (it->rows_left == 0) {
            next_call(it);
            continue;
        }
        if (r > 1 && K[row] > 1 && it->row_counter == K[row] && T[row] > K[row]) {
            it->row_pos += T[row] - K[row];
            it->row_counter = 0;
        }
        it->row_counter++;
        for (int i = 0; i < r - 2; i++) {
            it->start[i] = S[i] + it->n[i] * T[i];
            it->stride[i] = T[i];
            it->count[i] = 1;
            it->block[i] = K[i];
        }
        if (r > 1) {
            it->start[row] = it->row_pos;
            it->stride[row] = it->row_stride;
            it->count[row] = it->block[row] = 1;
        }
        it->start[last] = S[last];
        it->stride[last] = T[last];
        it->count[last] = C[last];
        it->block[last] = K[last];
        it->last = it->rows_left == 1;
        it->row_pos += it->row_stride;
        it->rows_left--;
        /* libhdf5 refuses to read a selection outside the extent; the
         * coordinates cannot wrap here (c5dump_rows_init) */
        uint64_t hi = S[last] + (C[last] - 1) * T[last] + K[last] - 1;
        if (it->start[row] >= it->dims[row] || S[last] >= it->dims[last] ||
            hi >= it->dims[last]) {
            it->rows_left = 0;
            return C5DUMP_ROW_OUTSIDE;
        }
        uint64_t pos = 0;
        for (int i = 0; i < r; i++)
            pos = pos * it->dims[i] + it->start[i];
        it->sm_pos = pos;
        return C5DUMP_ROW_DATA;
    }
}

void c5dump_rows_fail(c5dump_rows *it) { it->rows_left = 0; }

/* ---- reading a row in bounded pieces ------------------------------------- */

void c5dump_pieces_init(c5dump_pieces *p, const c5dump_rows *it, uint64_t max)
{
    memset(p, 0, sizeof *p);
    int r = it->rank;
    p->rank = r;
    p->max = max ? max : 1;
    for (int i = 0; i < r; i++) {
        p->s[i] = it->start[i];
        p->t[i] = it->stride[i];
        p->c[i] = it->count[i];
        p->k[i] = it->block[i];
        p->e[i] = it->count[i] * it->block[i]; /* no overflow: npoints fits */
    }
    /* whole dimensions from `full` on fit in a piece; before it, one
     * selected index at a time; full == r: the last dimension in parts */
    uint64_t inner = 1;
    p->full = r;
    while (p->full > 0 && p->e[p->full - 1] <= p->max / inner) {
        inner *= p->e[p->full - 1];
        p->full--;
    }
}

int c5dump_pieces_next(c5dump_pieces *p, c5_hyperslab *h, uint64_t *nel)
{
    int r = p->rank, f = p->full, split = f == r;
    int lead = split ? r - 1 : f; /* dimensions walked one index at a time */
    if (p->done)
        return 0;
    for (int i = 0; i < lead; i++) {
        uint64_t j = p->idx[i];
        p->ps[i] = p->s[i] + (j / p->k[i]) * p->t[i] + j % p->k[i];
        p->pt[i] = 1;
        p->pc[i] = p->pk[i] = 1;
    }
    uint64_t n = 1;
    for (int i = lead; i < r; i++) {
        p->ps[i] = p->s[i];
        p->pt[i] = p->t[i];
        p->pc[i] = p->c[i];
        p->pk[i] = p->k[i];
    }
    int carry = 1;
    if (split) {
        /* a part of the last dimension: whole blocks, or part of one */
        int d = r - 1;
        uint64_t at = p->part, k = p->k[d];
        if (k <= p->max) {
            uint64_t b = at / k, m = p->max / k;
            if (m > p->c[d] - b)
                m = p->c[d] - b;
            p->ps[d] = p->s[d] + b * p->t[d];
            p->pc[d] = m;
            n = m * k;
        } else {
            uint64_t b = at / k, off = at % k, len = k - off < p->max ? k - off : p->max;
            p->ps[d] = p->s[d] + b * p->t[d] + off;
            p->pt[d] = 1;
            p->pc[d] = 1;
            p->pk[d] = len;
            n = len;
        }
        p->part += n;
        if (p->part < p->e[d])
            carry = 0;
        else
            p->part = 0;
    } else {
        for (int i = lead; i < r; i++)
            n *= p->e[i];
    }
    if (carry) {
        int i = lead - 1;
        for (; i >= 0; i--) {
            if (++p->idx[i] < p->e[i])
                break;
            p->idx[i] = 0;
        }
        if (i < 0)
            p->done = 1;
    }
    h->rank = r;
    h->start = p->ps;
    h->stride = p->pt;
    h->count = p->pc;
    h->block = p->pk;
    *nel = n;
    return 1;
}

/* ---- -E: what h5dump reports ---------------------------------------------- */

static const struct {
    int line;
    const char *what;
} tools_err[] = {
    [C5DUMP_ROW_STRIDE0] = {1313, "H5Sselect_hyperslab failed"},
    [C5DUMP_ROW_EMPTY] = {1391, "nothing to print"},
    [C5DUMP_ROW_OUTSIDE] = {1349, "H5Dread failed"},
    [C5DUMP_ROW_READFAIL] = {1349, "H5Dread failed"},
};

static void lib_stack(int ev)
{
    fputs("HDF5-DIAG: Error detected in HDF5 (1.10.8) thread 1:\n", stderr);
    if (ev == C5DUMP_ROW_STRIDE0) {
        fputs("  #000: ../../../src/H5Shyper.c line 10071 in H5Sselect_hyperslab(): invalid "
              "stride==0 value\n"
              "    major: Invalid arguments to routine\n"
              "    minor: Bad value\n",
              stderr);
    } else {
        fputs("  #000: ../../../src/H5Dio.c line 173 in H5Dread(): could not get a validated "
              "dataspace from file_space_id\n"
              "    major: Invalid arguments to routine\n"
              "    minor: Bad value\n"
              "  #001: ../../../src/H5S.c line 243 in H5S_get_validated_dataspace(): selection "
              "+ offset not within extent\n"
              "    major: Dataspace\n"
              "    minor: Out of range\n",
              stderr);
    }
}

void c5dump_diag_event(c5dump_diag *g, int ev, uint64_t mult)
{
    if (!g || !g->on || ev <= C5DUMP_ROW_DATA || ev > C5DUMP_ROW_READFAIL)
        return;
    fflush(stdout);
    if (ev == C5DUMP_ROW_STRIDE0 || ev == C5DUMP_ROW_OUTSIDE) {
        uint64_t k = mult < DIAG_MAX_STACKS ? mult : DIAG_MAX_STACKS;
        for (uint64_t i = 0; i < k; i++)
            lib_stack(ev);
        if (mult > k)
            fprintf(stderr,
                    "cfive dump: %" PRIu64 " more identical HDF5-DIAG error stacks not printed\n",
                    mult - k);
    }
    for (uint64_t i = 0; i < mult && g->n < DIAG_SLOTS; i++)
        g->ev[g->n++] = (unsigned char)ev;
}

void c5dump_diag_print(c5dump_diag *g)
{
    if (!g || !g->on || g->n == 0)
        return;
    fflush(stdout);
    fputs("H5tools-DIAG: Error detected in HDF5:tools (1.10.8) thread 1:\n", stderr);
    for (unsigned i = 0; i < g->n; i++) {
        int ev = g->ev[g->n - 1 - i];
        fprintf(stderr,
                "  #%03u: ../../../../tools/lib/h5tools_dump.c line %d in "
                "h5tools_print_simple_subset(): %s\n"
                "    major: Failure in tools library\n"
                "    minor: error in function\n",
                i, tools_err[ev].line, tools_err[ev].what);
    }
    g->n = 0;
}
