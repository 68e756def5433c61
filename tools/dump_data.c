/* cfive dump, text form: the DATA blocks (h5dump's data rendering).
 *
 * h5dump 1.10.8 prints values through a small line engine whose quirks are
 * visible in its output, so this file reproduces the engine rather than
 * just the value formats:
 *
 *   element text   every element is rendered into a string first (numbers,
 *                  strings, "{ ... }" compounds with embedded newlines,
 *                  "[ ... ]" arrays, "( ... )" sequences, references),
 *                  then followed by "," unless it is the very last one.
 *   sections       a string may hold optional break points (byte 0x01, used
 *                  between the coordinates of region references); each
 *                  piece is placed separately.
 *   wrapping       a piece that would pass the width (80, or -w) starts a
 *                  new line; so does the first element of each row of the
 *                  last dimension, and an element that only fits on a line
 *                  of its own. Pieces are otherwise separated by one space.
 *   prefixes       a new line starts with the indentation and "(i,j): "
 *                  (the index of its first element), or without the index
 *                  under -y. With indices on, h5dump prints one indentation
 *                  level less than it counts, so its lines wrap three
 *                  columns early: the column count kept here copies that.
 *   strip mining   datasets are read in slabs of 32 MiB of their native
 *                  type, as h5dump does; a slab boundary restarts its row
 *                  counter (visible only when one row exceeds a slab).
 *
 * Value formats follow h5dump's conversion to native types: integers by
 * precision, floats to float/double/long double by size ("%g", "%Lg"),
 * bitfields to native byte order shown as hex bytes, enums by name (or hex
 * when no name matches), opaque and time as hex bytes, strings with
 * non-printing bytes as \ooo octal (of the sign-extended char: UTF-8 bytes
 * show as \37777777703), object references as "DATASET 1400 "/path"",
 * region references as "DATASET "/path"". Top-level reference datasets are
 * printed one reference per line: object references followed by the DATA
 * of the dataset they name, region references by a block with the
 * selection (REGION_TYPE BLOCK/POINT), the dataset's type and dataspace.
 *
 * Data is read as raw file bytes (no conversion in the library) and decoded
 * here; variable-length data is fetched from the global heap element by
 * element, so only one slab is held in memory at a time. */
#include "core/internal.h"
#include "object.h"
#include "format/gheap.h"
#include "dump.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>

#define COLS_DEFAULT 80
#define INDENT "   "
#define SM_BYTES (32u * 1024u * 1024u) /* h5dump's strip-mine budget */
#ifndef READ_ONCE /* overridable so a test build can force small pieces */
#define READ_ONCE (64u * 1024u * 1024u) /* a strip mine read in one go */
#endif
#define READ_PIECE (4u * 1024u * 1024u) /* else pieces of about this */
#define MAX_NEST 64                    /* type nesting while printing */
#define MAX_REF_DEPTH 8                /* object reference -> data -> reference */
#define BREAK "\001"                   /* h5dump's optional line break */

/* ---- growable strings ------------------------------------------------------- */

typedef c5sb sb;

static void sb_indent(sb *b, int level)
{
    for (int i = 0; i < level; i++)
        c5sb_puts(b, INDENT);
}

/* ---- the line engine (h5dump's render_element / simple_prefix) ------------ */

enum { IDX_NONE, IDX_POS, IDX_QUOTE };

/* What h5dump keeps in its format record that varies between our uses. */
typedef struct rfmt {
    int pindex;            /* print indentation before the prefix, one level
                              short, and count it as if it were complete */
    int idx;               /* prefix text: none, "(i,j): ", or a quote (-r) */
    int line_pre;          /* later lines repeat the prefix text (pindex) */
    const char *elmt_suf1; /* after each element but the last */
    const char *elmt_suf2; /* between elements on a line */
    const char *line_suf;  /* at the end of each line */
    int arr_linebreak;     /* new line at each row of the last dimension */
    int line_multi_new;    /* an element that fits only alone starts a line */
    size_t ncols;
} rfmt;

/* What h5dump keeps in its context record. */
typedef struct rctx {
    int level;             /* indentation level */
    int need_prefix;
    size_t cur_column, prev_prefix_len;
    uint64_t cur_elmt;     /* elements on the current line */
    int prev_multiline;
    int continuation;      /* strip mines printed so far */
    uint64_t size_last_dim;
    int ndims;
    uint64_t dims[C5_MAX_RANK];
    uint64_t sm_pos;       /* first element of the current strip mine */
} rctx;

typedef struct dd {
    c5dump_ctx *x;
    FILE *out;
    int depth;             /* object reference nesting */
    int err;               /* reading failed somewhere */
    const c5dump_subset *ss; /* -d subset: datasets print only it */
    sb el;                 /* element text */
    sb tmp;
} dd;

static size_t count_cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if ((unsigned char)*s >= ' ')
            n++;
    return n;
}

static void put_indent(dd *d, int level)
{
    for (int i = 0; i < level; i++)
        fputs(INDENT, d->out);
}

static void index_text(sb *b, const rctx *c, uint64_t elmtno)
{
    c5sb_puts(b, "(");
    if (c->ndims > 0) {
        uint64_t acc[C5_MAX_RANK];
        acc[c->ndims - 1] = 1;
        for (int i = c->ndims - 1; i > 0; i--)
            acc[i - 1] = acc[i] * c->dims[i];
        for (int i = 0; i < c->ndims; i++) {
            uint64_t pos = acc[i] ? elmtno / acc[i] : 0;
            elmtno -= pos * acc[i];
            c5sb_printf(b, "%s%" PRIu64, i ? "," : "", pos);
        }
    } else {
        c5sb_printf(b, "%" PRIu64, elmtno);
    }
    c5sb_puts(b, "): ");
}

/* End the current line (if any) and start a new one with its prefix. */
static void prefix(dd *d, rctx *c, const rfmt *f, uint64_t elmtno, int secnum)
{
    if (!c->need_prefix)
        return;
    if (c->cur_column) {
        fputs(f->line_suf, d->out);
        fputc('\n', d->out);
    }
    c5sb_reset(&d->tmp);
    if (f->idx == IDX_POS)
        index_text(&d->tmp, c, elmtno);
    else if (f->idx == IDX_QUOTE)
        c5sb_puts(&d->tmp, "\"");
    /* the first line and continued sections always show the prefix text,
     * other lines only when it is repeated on every line */
    int show = (elmtno == 0 && secnum == 0) || secnum || f->line_pre;
    size_t plen = show ? d->tmp.n : 0;
    int level = c->level > 0 ? c->level : 0;
    size_t cols;
    if (f->pindex) {
        put_indent(d, level - 1);
        if (show)
            fputs(d->tmp.p, d->out);
        cols = plen + (level - 1 >= 1 ? 3u * (size_t)level : 0);
    } else {
        if (show)
            fputs(d->tmp.p, d->out);
        put_indent(d, level);
        cols = plen + 3u * (size_t)level;
    }
    c->cur_column = c->prev_prefix_len = cols;
    c->cur_elmt = 0;
    c->need_prefix = 0;
}

/* Place one rendered element (s) on the output. local is the element's
 * index within the current call, counter the row counter. Returns 0 when
 * a row of the last dimension ended here (the caller restarts counter). */
static int render(dd *d, rctx *c, const rfmt *f, char *s, uint64_t local, uint64_t counter)
{
    int dim_break = 1;
    size_t s2 = strlen(f->elmt_suf2), ls = strlen(f->line_suf);
    size_t ncs = count_cols(s);
    if (f->line_multi_new && c->cur_column + ncs + s2 + ls > f->ncols) {
        if (c->prev_multiline)
            c->need_prefix = 1;
        else if (c->prev_prefix_len + ncs + s2 + ls <= f->ncols)
            c->need_prefix = 1;
    }
    if (f->arr_linebreak && c->cur_elmt) {
        if (c->size_last_dim && c->cur_elmt % c->size_last_dim == 0)
            c->need_prefix = 1;
        if (counter == c->size_last_dim) {
            c->need_prefix = 1;
            dim_break = 0;
        }
    }
    if (f->line_multi_new && c->prev_multiline && c->cur_column + ncs + s2 + ls > f->ncols)
        c->need_prefix = 1;
    int multiline = 0, secnum = 0;
    char *p = s;
    for (;;) {
        while (*p == BREAK[0])
            p++;
        if (!*p)
            break;
        char *e = p;
        while (*e && *e != BREAK[0])
            e++;
        int last = !*e;
        *e = '\0';
        size_t len = (size_t)(e - p);
        if (c->cur_column + len + s2 + ls > f->ncols)
            c->need_prefix = 1;
        if (c->need_prefix) {
            if (secnum)
                multiline++;
            prefix(d, c, f, c->sm_pos + local, secnum);
        } else if ((local || c->continuation) && secnum == 0) {
            fputs(f->elmt_suf2, d->out);
            c->cur_column += s2;
        }
        fwrite(p, 1, len, d->out);
        c->cur_column += len;
        secnum++;
        if (last)
            break;
        p = e + 1;
    }
    c->prev_multiline = multiline;
    return dim_break;
}

/* A line of its own (DATA {, headers of references) at c->level. */
static void line(dd *d, rctx *c, const rfmt *f, const char *text)
{
    c->need_prefix = 1;
    c5sb_reset(&d->el);
    c5sb_puts(&d->el, text);
    render(d, c, f, d->el.p, 0, 0);
}

/* The closing brace of a DATA block: h5dump starts the line itself and
 * then renders the brace, so a brace that does not fit after the
 * indentation leaves a line of blanks behind. */
static void close_line(dd *d, rctx *c, const rfmt *f)
{
    c->need_prefix = 1;
    prefix(d, c, f, 0, 0);
    c5sb_reset(&d->el);
    c5sb_puts(&d->el, "}");
    render(d, c, f, d->el.p, 0, 0);
}

/* ---- numbers -------------------------------------------------------------- */

/* Element bytes -> little-endian order (VAX: 16-bit little-endian words,
 * most significant word first). n <= 64. */
static void to_le(const c5_type *t, const uint8_t *s, uint8_t *le, size_t n)
{
    if (t->order == C5_ORDER_BE)
        for (size_t k = 0; k < n; k++)
            le[k] = s[n - 1 - k];
    else if (t->order == C5_ORDER_VAX && n % 2 == 0)
        for (size_t k = 0; k + 1 < n; k += 2) {
            le[k] = s[n - 2 - k];
            le[k + 1] = s[n - 1 - k];
        }
    else
        memcpy(le, s, n);
}

static uint64_t bits(const uint8_t *b, size_t nbytes, unsigned pos, unsigned len)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < len && k < 64; k++) {
        unsigned q = pos + k;
        if (q / 8 < nbytes && (b[q / 8] >> (q % 8)) & 1)
            v |= 1ull << k;
    }
    return v;
}

/* An integer as h5dump's native conversion gives it: the precision bits at
 * the bit offset, sign-extended; values beyond 64 bits saturate. */
static void int_value(const c5_type *t, const uint8_t *p, int *neg, uint64_t *u)
{
    uint8_t le[64];
    size_t n = t->size > sizeof le ? sizeof le : t->size;
    to_le(t, p, le, n);
    unsigned prec = t->precision ? t->precision : (unsigned)(8 * n);
    unsigned off = t->bit_offset;
    *neg = 0;
    *u = 0;
    if (prec == 0)
        return;
    if (prec <= 64) {
        uint64_t v = bits(le, n, off, prec);
        if (t->is_signed && prec < 64 && (v >> (prec - 1)) & 1)
            v |= ~0ull << prec;
        *neg = t->is_signed && (int64_t)v < 0;
        *u = v;
        return;
    }
    /* wider than any native integer */
    int sign = t->is_signed && (int)bits(le, n, off + prec - 1, 1);
    uint64_t lo = bits(le, n, off, 64);
    int high = 0; /* any bit above the low 64 differs from the sign */
    for (unsigned k = 64; k < prec - (t->is_signed ? 1u : 0u); k++)
        if ((int)bits(le, n, off + k, 1) != sign)
            high = 1;
    if (!t->is_signed) {
        *u = high ? UINT64_MAX : lo;
        return;
    }
    if (sign) {
        *neg = 1;
        *u = (high || !(lo >> 63)) ? (uint64_t)INT64_MIN : lo;
    } else {
        *u = (high || (lo >> 63)) ? (uint64_t)INT64_MAX : lo;
    }
}

static void put_int(sb *b, const c5_type *t, const uint8_t *p)
{
    int neg;
    uint64_t u;
    int_value(t, p, &neg, &u);
    if (t->is_signed)
        c5sb_printf(b, "%" PRId64, (int64_t)u);
    else
        c5sb_printf(b, "%" PRIu64, u);
}

/* Native size h5dump converts an integer (or enum base, bitfield) to. */
static size_t native_int_size(const c5_type *t)
{
    unsigned prec = t->precision ? t->precision : (unsigned)(8 * t->size);
    return prec <= 8 ? 1 : prec <= 16 ? 2 : prec <= 32 ? 4 : 8;
}

/* A float of any layout the datatype message describes, exactly when its
 * mantissa has at most 64 bits. */
static long double float_value(const c5_type *t, const uint8_t *p)
{
    uint8_t le[64];
    size_t n = t->size > sizeof le ? sizeof le : t->size;
    to_le(t, p, le, n);
    int sign = (int)bits(le, n, t->sign_loc, 1);
    unsigned es = t->exp_size, ms = t->mant_size;
    uint64_t e = es ? bits(le, n, t->exp_loc, es > 63 ? 63 : es) : 0;
    uint64_t emax = es >= 64 ? UINT64_MAX : (1ull << es) - 1;
    unsigned keep = ms > 64 ? 64 : ms, drop = ms - keep;
    uint64_t m = bits(le, n, t->mant_loc + drop, keep);
    int implied = t->mant_norm == 2;
    long double v;
    if (t->order != C5_ORDER_VAX && es && e == emax) {
        uint64_t frac = implied || keep == 0 ? m : m & ~(1ull << (keep - 1));
        v = frac ? (long double)NAN : (long double)INFINITY;
        return sign ? -v : v;
    }
    if (t->order == C5_ORDER_VAX && e == 0)
        return sign ? -0.0L : 0.0L;
    long double frac = ldexpl((long double)m, -(int)keep);
    long double mant;
    int64_t ex;
    /* without an implied bit the mantissa's top bit is the units digit
     * (x87 extended), as libhdf5 reads "msb set" and "none" alike */
    if (e == 0) { /* denormal: no implied bit */
        ex = 1 - (int64_t)t->exp_bias;
        mant = implied ? frac : frac * 2;
    } else {
        ex = (int64_t)e - (int64_t)t->exp_bias;
        mant = implied ? 1.0L + frac : frac * 2;
    }
    if (ex > 100000)
        ex = 100000;
    if (ex < -100000)
        ex = -100000;
    v = ldexpl(mant, (int)ex);
    return sign ? -v : v;
}

static int is_ieee(const c5_type *t, size_t size)
{
    if (t->size != size || (t->order != C5_ORDER_LE && t->order != C5_ORDER_BE))
        return 0;
    if (size == 4)
        return t->sign_loc == 31 && t->exp_loc == 23 && t->exp_size == 8 &&
               t->mant_loc == 0 && t->mant_size == 23 && t->exp_bias == 127 &&
               t->mant_norm == 2;
    return t->sign_loc == 63 && t->exp_loc == 52 && t->exp_size == 11 && t->mant_loc == 0 &&
           t->mant_size == 52 && t->exp_bias == 1023 && t->mant_norm == 2;
}

static void put_float(sb *b, const c5_type *t, const uint8_t *p)
{
    uint8_t le[8];
    if (is_ieee(t, 4)) {
        float f;
        to_le(t, p, le, 4);
        memcpy(&f, le, 4);
        c5sb_printf(b, "%g", (double)f);
    } else if (is_ieee(t, 8)) {
        double v;
        to_le(t, p, le, 8);
        memcpy(&v, le, 8);
        c5sb_printf(b, "%g", v);
    } else if (t->size <= 4) { /* h5dump converts to the native type of that size */
        c5sb_printf(b, "%g", (double)(float)float_value(t, p));
    } else if (t->size <= 8) {
        c5sb_printf(b, "%g", (double)float_value(t, p));
    } else {
        c5sb_printf(b, "%Lg", float_value(t, p));
    }
}

/* Bytes as h5dump prints untyped data: 0xNN for one byte, else NN:NN:... */
static void put_hex(sb *b, const uint8_t *p, size_t n)
{
    if (n == 1) {
        c5sb_printf(b, "0x%02x", p[0]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        c5sb_printf(b, "%s%02x", i ? ":" : "", p[i]);
}

/* A bitfield converted to the native bitfield of its precision: the
 * precision bits moved to bit 0, bytes in host (little-endian) order. */
static void put_bitfield(sb *b, const c5_type *t, const uint8_t *p)
{
    uint8_t le[64], out[8];
    size_t n = t->size > sizeof le ? sizeof le : t->size;
    to_le(t, p, le, n);
    unsigned prec = t->precision ? t->precision : (unsigned)(8 * n);
    size_t ns = native_int_size(t);
    uint64_t v = bits(le, n, t->bit_offset, prec > 64 ? 64 : prec);
    for (size_t i = 0; i < ns; i++)
        out[i] = (uint8_t)(v >> (8 * i));
    put_hex(b, out, ns);
}

/* ---- strings ---------------------------------------------------------------- */

/* One character the way h5dump prints it without -e: quotes and
 * backslashes as they are, newline and carriage return followed by eleven
 * spaces, other non-printing bytes as \ooo of the (signed) char. */
static void put_char(sb *b, char ch)
{
    switch (ch) {
    case '\n':
        c5sb_puts(b, "\n           ");
        return;
    case '\r':
        c5sb_puts(b, "\r           ");
        return;
    case '"':
    case '\\':
    case '\b':
    case '\f':
    case '\t':
        c5sb_putn(b, &ch, 1);
        return;
    default:
        if (isprint((unsigned char)ch) && (unsigned char)ch < 0x80)
            c5sb_putn(b, &ch, 1);
        else
            c5sb_printf(b, "\\%03o", (unsigned)(int)ch);
    }
}

/* h5dump's string loop: stop at the size, or at a NUL when null-terminated
 * (NUL-padded and space-padded strings show their padding). */
static void put_string(sb *b, const char *s, size_t size, int pad)
{
    size_t i;
    int quoted = 0;
    for (i = 0; i < size && (s[i] || pad != C5_STR_NULLTERM); i++) {
        if (!quoted) {
            c5sb_puts(b, "\"");
            quoted = 1;
        }
        put_char(b, s[i]);
    }
    if (quoted)
        c5sb_puts(b, "\"");
    if (i == 0)
        c5sb_puts(b, "\"\"");
}

/* Enum names are escaped C-style (h5tools_escape). */
static void put_escaped_name(sb *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '\'': c5sb_puts(b, "\\'"); break;
        case '"': c5sb_puts(b, "\\\""); break;
        case '\\': c5sb_puts(b, "\\\\"); break;
        case '?': c5sb_puts(b, "\\?"); break;
        case '\a': c5sb_puts(b, "\\a"); break;
        case '\b': c5sb_puts(b, "\\b"); break;
        case '\f': c5sb_puts(b, "\\f"); break;
        case '\n': c5sb_puts(b, "\\n"); break;
        case '\r': c5sb_puts(b, "\\r"); break;
        case '\t': c5sb_puts(b, "\\t"); break;
        case '\v': c5sb_puts(b, "\\v"); break;
        default:
            if (c < 0x80 && isprint(c))
                c5sb_putn(b, (const char *)&c, 1);
            else
                c5sb_printf(b, "\\%03o", c);
        }
    }
}


static const char *kind_word(int kind)
{
    switch (kind) {
    case C5_OBJ_GROUP: return "GROUP";
    case C5_OBJ_DATASET: return "DATASET";
    case C5_OBJ_DATATYPE: return "DATATYPE";
    default: return "UNKNOWN";
    }
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* ---- element text (h5dump's h5tools_str_sprint) --------------------------- */

typedef struct vctx {
    dd *d;
    c5_file *f;
    int level;      /* ctx->indent_level while formatting */
    int next_arr;   /* h5dump's static is_next_arry_elmt */
    int ascii;      /* -r: one-byte integers as characters */
    int err;        /* a variable-length fetch failed */
    int mem;        /* elements in memory form (c5_vl, char *), not file */
} vctx;

/* Bytes of one element of t in the buffers being printed. */
static size_t el_size(const vctx *v, const c5_type *t)
{
    return v->mem ? c5_type_mem_size(t) : t->size;
}

static void put_value(vctx *v, sb *b, const c5_type *t, const uint8_t *p, int nest);

/* A variable-length element: count, then the global heap ID. *data is
 * NULL for a null or empty element; free with c5_free(f, ...). */
static int vl_get(vctx *v, const uint8_t *p, size_t esz, int *isnull, uint32_t *count,
                  uint8_t **data)
{
    unsigned osz = v->f->osz;
    *data = NULL;
    if (v->mem) { /* a c5_vl: copy it, to be freed as heap objects are */
        c5_vl vl;
        memcpy(&vl, p, sizeof vl);
        uint64_t need;
        *isnull = !vl.p;
        *count = vl.p ? (uint32_t)vl.len : 0;
        if (!*count)
            return 0;
        if (vl.len > UINT32_MAX || c5_mul_ovf(vl.len, esz, &need) || need > SIZE_MAX ||
            !(*data = c5_malloc(v->f, (size_t)need)))
            return C5_ENOMEM;
        memcpy(*data, vl.p, (size_t)need);
        return 0;
    }
    *count = (uint32_t)c5_le(p, 4);
    uint64_t addr = c5_le(p + 4, osz);
    uint32_t idx = (uint32_t)c5_le(p + 4 + osz, 4);
    uint64_t undef = osz >= 8 ? UINT64_MAX : (1ull << (8 * osz)) - 1;
    *isnull = addr == 0;
    if (*count == 0 || addr == 0 || addr == undef) {
        *count = 0;
        return 0;
    }
    size_t n;
    int rc = c5_gheap_read(v->f, addr, idx, data, &n);
    if (rc)
        return rc;
    uint64_t need;
    if (c5_mul_ovf(*count, esz, &need) || need > n) {
        c5_free(v->f, *data);
        *data = NULL;
        return C5_ECORRUPT;
    }
    return 0;
}

static void put_ref(vctx *v, sb *b, const c5_type *t, const uint8_t *p)
{
    unsigned osz = v->f->osz;
    if (t->reftype == C5_REF_OBJECT) {
        size_t n = t->size < osz ? t->size : osz;
        if (all_zero(p, t->size)) {
            c5sb_puts(b, "NULL");
            return;
        }
        uint64_t addr = c5_le(p, n);
        int kind;
        const char *path = c5dump_obj_name(v->d->x, v->f, addr, &kind);
        c5sb_printf(b, "%s %" PRIu64 " \"%s\"", kind_word(kind), addr, path ? path : "");
        return;
    }
    if (t->reftype == C5_REF_REGION) {
        if (all_zero(p, t->size)) {
            c5sb_puts(b, "NULL");
            return;
        }
        uint64_t obj;
        void *sel = NULL;
        size_t sl;
        const char *path = NULL;
        int kind;
        if (c5_regref_read(v->f, p, &obj, &sel, &sl) == 0)
            path = c5dump_obj_name(v->d->x, v->f, obj, &kind);
        free(sel);
        c5sb_printf(b, "DATASET \"%s\"", path ? path : "");
        return;
    }
    /* the revised references of HDF5 1.12 are beyond h5dump 1.10 */
    put_hex(b, p, t->size);
}

static void put_compound(vctx *v, sb *b, const c5_type *t, const uint8_t *p, int nest)
{
    c5sb_puts(b, "{");
    v->level++;
    for (int j = 0; j < t->nmemb; j++) {
        c5sb_puts(b, j ? ",\n" : "\n");
        sb_indent(b, v->level);
        const c5_member *m = &t->memb[j];
        if (m->offset <= t->size && m->type && m->type->size <= t->size - m->offset)
            put_value(v, b, m->type, p + m->offset, nest + 1);
    }
    v->level--;
    c5sb_puts(b, "\n");
    sb_indent(b, v->level);
    c5sb_puts(b, "}");
}

static void put_array(vctx *v, sb *b, const c5_type *t, const uint8_t *p, int nest)
{
    const c5_type *bt = t->base;
    uint64_t n = 1;
    size_t bsz = bt ? el_size(v, bt) : 0;
    for (int k = 0; k < t->rank; k++)
        n *= t->dims[k];
    if (!bt || bsz == 0 || t->rank < 1 || n * bsz > el_size(v, t))
        n = 0;
    uint64_t last = t->rank >= 1 && t->dims[t->rank - 1] ? t->dims[t->rank - 1] : 1;
    c5sb_puts(b, "[ ");
    v->level++;
    for (uint64_t i = 0; i < n; i++) {
        if (i) {
            c5sb_puts(b, ",");
            if (i % last == 0) {
                c5sb_puts(b, "\n");
                sb_indent(b, v->level);
            } else if (v->next_arr) {
                /* the element before was (or ended with) an array */
                v->next_arr = 0;
                c5sb_puts(b, "\n ");
                sb_indent(b, v->level);
            } else {
                c5sb_puts(b, " ");
            }
        }
        v->next_arr = 0;
        put_value(v, b, bt, p + i * bsz, nest + 1);
    }
    v->level--;
    c5sb_puts(b, " ]");
    v->next_arr = 1;
}

static void put_vlen(vctx *v, sb *b, const c5_type *t, const uint8_t *p, int nest)
{
    if (t->vlen_string && v->mem) { /* a C string */
        const char *str;
        memcpy(&str, p, sizeof str);
        if (!str)
            c5sb_puts(b, "NULL");
        else
            put_string(b, str, strlen(str), t->strpad);
        return;
    }
    if (t->vlen_string) {
        int isnull;
        uint32_t cnt;
        uint8_t *data;
        size_t esz = t->base && t->base->size ? t->base->size : 1;
        if (vl_get(v, p, esz, &isnull, &cnt, &data)) {
            v->err = 1;
            return;
        }
        if (isnull) {
            c5sb_puts(b, "NULL");
            return;
        }
        /* libhdf5 hands out a C string: it ends at the first NUL */
        size_t len = (size_t)cnt * esz, k = 0;
        while (k < len && data[k])
            k++;
        put_string(b, data ? (const char *)data : "", k, t->strpad);
        c5_free(v->f, data);
        return;
    }
    const c5_type *bt = t->base;
    int isnull;
    uint32_t cnt;
    uint8_t *data;
    size_t bsz = bt ? el_size(v, bt) : 0;
    c5sb_puts(b, "(");
    if (!bt || bsz == 0 || vl_get(v, p, bsz, &isnull, &cnt, &data)) {
        v->err = 1;
        c5sb_puts(b, ")");
        return;
    }
    for (uint32_t i = 0; i < cnt; i++) {
        if (i)
            c5sb_puts(b, ", ");
        v->level++;
        put_value(v, b, bt, data + (size_t)i * bsz, nest + 1);
        v->level--;
    }
    c5_free(v->f, data);
    c5sb_puts(b, ")");
}

static void put_enum(vctx *v, sb *b, const c5_type *t, const uint8_t *p)
{
    const c5_type *bt = t->base;
    if (!bt) {
        put_hex(b, p, t->size);
        return;
    }
    int neg, mneg;
    uint64_t u, mu;
    int_value(bt, p, &neg, &u);
    for (int i = 0; i < t->nmemb; i++) {
        if (!t->memb[i].value)
            continue;
        int_value(bt, t->memb[i].value, &mneg, &mu);
        if (mu == u) {
            put_escaped_name(b, t->memb[i].name);
            return;
        }
    }
    /* no name: h5dump prints the native value's bytes in hex. When the
     * file's enum already is the native one, libhdf5 reads it unchanged;
     * otherwise its enum conversion fills values it cannot map with 0xff */
    uint8_t out[8];
    size_t ns = native_int_size(bt);
    int native = bt->size == ns && bt->order == C5_ORDER_LE && bt->bit_offset == 0 &&
                 (bt->precision == 0 || bt->precision == 8 * bt->size);
    for (size_t i = 0; i < ns; i++)
        out[i] = native ? (uint8_t)(u >> (8 * i)) : 0xff;
    put_hex(b, out, ns);
    (void)v;
}

static void put_value(vctx *v, sb *b, const c5_type *t, const uint8_t *p, int nest)
{
    if (nest > MAX_NEST) {
        v->err = 1;
        return;
    }
    switch (t->cls) {
    case C5_CLASS_INTEGER:
        if (v->ascii && t->size == 1)
            put_char(b, (char)p[0]);
        else
            put_int(b, t, p);
        break;
    case C5_CLASS_FLOAT:
        put_float(b, t, p);
        break;
    case C5_CLASS_STRING:
        put_string(b, (const char *)p, t->size, t->strpad);
        break;
    case C5_CLASS_BITFIELD:
        put_bitfield(b, t, p);
        break;
    case C5_CLASS_TIME:
    case C5_CLASS_OPAQUE:
        put_hex(b, p, t->size);
        break;
    case C5_CLASS_COMPOUND:
        put_compound(v, b, t, p, nest);
        break;
    case C5_CLASS_REFERENCE:
        put_ref(v, b, t, p);
        break;
    case C5_CLASS_ENUM:
        put_enum(v, b, t, p);
        break;
    case C5_CLASS_VLEN:
        put_vlen(v, b, t, p, nest);
        break;
    case C5_CLASS_ARRAY:
        put_array(v, b, t, p, nest);
        break;
    default:
        c5sb_puts(b, "invalid datatype");
    }
}

/* Bytes one element takes in h5dump's native memory type: it decides the
 * strip-mine size, hence where row counting restarts. */
static size_t native_size(const c5_type *t, size_t *align, int nest)
{
    size_t a = 1, s;
    if (nest > MAX_NEST) {
        *align = 1;
        return t->size;
    }
    switch (t->cls) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_BITFIELD:
        s = a = native_int_size(t);
        break;
    case C5_CLASS_ENUM:
        s = t->base ? native_size(t->base, &a, nest + 1) : t->size;
        break;
    case C5_CLASS_FLOAT:
        s = a = t->size <= 4 ? 4 : t->size <= 8 ? 8 : 16;
        break;
    case C5_CLASS_VLEN:
        s = t->vlen_string ? sizeof(char *) : sizeof(c5_vl);
        a = sizeof(void *);
        break;
    case C5_CLASS_REFERENCE:
        s = t->reftype == C5_REF_REGION ? 12 : 8;
        a = t->reftype == C5_REF_REGION ? 1 : 8;
        break;
    case C5_CLASS_ARRAY: {
        uint64_t n = 1;
        for (int k = 0; k < t->rank; k++)
            n *= t->dims[k];
        s = t->base ? (size_t)n * native_size(t->base, &a, nest + 1) : t->size;
        break;
    }
    case C5_CLASS_COMPOUND: {
        size_t off = 0, ma = 1;
        for (int j = 0; j < t->nmemb; j++) {
            size_t ma2 = 1;
            size_t ms = t->memb[j].type ? native_size(t->memb[j].type, &ma2, nest + 1) : 0;
            if (ma2 > 1 && off % ma2)
                off += ma2 - off % ma2;
            off += ms;
            if (ma2 > ma)
                ma = ma2;
        }
        if (ma > 1 && off % ma)
            off += ma - off % ma;
        s = off ? off : t->size;
        a = ma;
        break;
    }
    default:
        s = t->size;
    }
    *align = a;
    return s ? s : 1;
}

/* ---- dataspaces and region references ------------------------------------ */

static void space_text(sb *b, const c5_space *sp)
{
    if (sp->cls == C5_SPACE_SCALAR) {
        c5sb_puts(b, "SCALAR");
        return;
    }
    if (sp->cls == C5_SPACE_NULL) {
        c5sb_puts(b, "NULL");
        return;
    }
    c5sb_puts(b, "SIMPLE { ( ");
    for (int i = 0; i < sp->rank; i++)
        c5sb_printf(b, "%s%" PRIu64, i ? ", " : "", sp->dims[i]);
    c5sb_puts(b, " ) / ( ");
    for (int i = 0; i < sp->rank; i++) {
        if (sp->maxdims[i] == C5_UNLIMITED)
            c5sb_printf(b, "%sH5S_UNLIMITED", i ? ", " : "");
        else
            c5sb_printf(b, "%s%" PRIu64, i ? ", " : "", sp->maxdims[i]);
    }
    c5sb_puts(b, " ) }");
}


/* ---- reading ------------------------------------------------------------------ */

typedef struct src {
    c5_object *ds;  /* dataset, or */
    c5_attr *a;     /* attribute */
    c5_file *f;     /* the file holding the data (global heap) */
    c5_type *t;
    c5_space sp;
    uint8_t *abuf;  /* attributes: all elements */
    int mem;        /* read converted to t's memory form */
} src;

/* Elements [start, start+count) of a C-order run that the caller
 * guarantees is a hyperslab (h5dump's strip mines are). */
static int read_slab(src *s, const uint64_t *off, const uint64_t *size, uint8_t *buf, size_t cap)
{
    c5_hyperslab h = {.rank = s->sp.rank, .start = off, .count = size};
    return c5_dataset_read(s->ds, s->mem ? s->t : NULL, s->sp.rank ? &h : NULL, buf, cap);
}

/* ---- the DATA block ------------------------------------------------------------ */

static void init_fmt(rfmt *f, const c5dump_ctx *x, int pindex)
{
    memset(f, 0, sizeof *f);
    f->pindex = pindex;
    f->idx = pindex ? IDX_POS : IDX_NONE;
    f->line_pre = pindex;
    f->elmt_suf1 = ",";
    f->elmt_suf2 = " ";
    f->line_suf = "";
    f->arr_linebreak = 1;
    f->line_multi_new = 1;
    f->ncols = x->width > 0 ? (size_t)x->width : COLS_DEFAULT;
}

/* h5dump's format for the frame lines (DATA {, }, references): its
 * indentation rule is the index one, without index text. */
static void frame_fmt(rfmt *f, const c5dump_ctx *x)
{
    init_fmt(f, x, 1);
    f->idx = IDX_NONE;
    f->line_pre = 0;
}

static int data_block(dd *d, c5_object *ds, c5_attr *a, c5_file *f, int level);

/* Print n elements (h5dump's dump_simple_data). */
static void simple_data(dd *d, rctx *c, const rfmt *f, vctx *v, const c5_type *t,
                        const uint8_t *buf, uint64_t n, int last_call)
{
    uint64_t counter = 0;
    for (uint64_t i = 0; i < n; i++, c->cur_elmt++, counter++) {
        c5sb_reset(&d->el);
        v->level = c->level;
        put_value(v, &d->el, t, buf + i * t->size, 0);
        if (i + 1 < n || !last_call)
            c5sb_puts(&d->el, f->elmt_suf1);
        if (!render(d, c, f, d->el.p, i, counter))
            counter = 0;
    }
}

/* All values of a dataset or attribute with a non-reference type. */
static int values(dd *d, src *s, rctx *c, rfmt *f, vctx *v)
{
    uint64_t total = 1;
    c->ndims = s->sp.cls == C5_SPACE_SIMPLE ? s->sp.rank : 0;
    for (int i = 0; i < c->ndims; i++) {
        c->dims[i] = s->sp.dims[i];
        total *= s->sp.dims[i];
    }
    c->size_last_dim = c->ndims ? s->sp.dims[c->ndims - 1] : 0;
    if (s->sp.cls == C5_SPACE_NULL || total == 0)
        return 0;
    size_t esz = el_size(v, s->t);
    if (s->a) { /* attributes: one call with everything */
        c->sm_pos = 0;
        simple_data(d, c, f, v, s->t, s->abuf, total, 1);
        return 0;
    }
    /* strip mines: per dimension, from the last, as many as fit in 32 MiB
     * of the native type */
    size_t al;
    uint64_t nat = native_size(s->t, &al, 0), smb = nat, sm[C5_MAX_RANK];
    for (int i = c->ndims; i > 0; i--) {
        uint64_t k = SM_BYTES / smb;
        if (k == 0)
            k = 1;
        sm[i - 1] = s->sp.dims[i - 1] < k ? s->sp.dims[i - 1] : k;
        smb *= sm[i - 1];
    }
    uint64_t off[C5_MAX_RANK] = {0}, hs[C5_MAX_RANK];
    int rc = 0;
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (uint64_t done = 0; done < total;) {
        uint64_t nel = 1;
        for (int i = 0; i < c->ndims; i++) {
            hs[i] = s->sp.dims[i] - off[i] < sm[i] ? s->sp.dims[i] - off[i] : sm[i];
            nel *= hs[i];
        }
        c->sm_pos = done;
        int last = done + nel >= total;
        /* h5dump reads a whole strip mine before printing it, so a read
         * error prints nothing of it; so do we, up to READ_ONCE bytes.
         * Larger ones (types much wider on file than in memory) are read
         * in pieces cut along the first dimension wider than one (the
         * pieces are consecutive runs of elements). */
        int sd = 0;
        while (sd < c->ndims - 1 && hs[sd] == 1)
            sd++;
        uint64_t sdn = c->ndims ? hs[sd] : 1;
        uint64_t per = nel / sdn; /* elements per index of dimension sd */
        uint64_t step = nel * esz <= READ_ONCE      ? sdn
                        : per * esz >= READ_PIECE ? 1
                                                  : READ_PIECE / (per * esz);
        /* h5dump's row counter restarts with each strip mine */
        uint64_t local = 0, rowc = 0;
        for (uint64_t pos = 0; pos < sdn;) {
            uint64_t take = sdn - pos < step ? sdn - pos : step;
            uint64_t po[C5_MAX_RANK], ps[C5_MAX_RANK], bytes;
            for (int i = 0; i < c->ndims; i++) {
                po[i] = off[i];
                ps[i] = hs[i];
            }
            if (c->ndims) {
                po[sd] = off[sd] + pos;
                ps[sd] = take;
            }
            uint64_t pn = per * take;
            if (c5_mul_ovf(pn, esz, &bytes) || bytes > SIZE_MAX) {
                rc = -1;
                break;
            }
            if (bytes > cap) {
                uint8_t *nb = realloc(buf, (size_t)bytes);
                if (!nb)
                    c5dump_oom();
                buf = nb;
                cap = (size_t)bytes;
            }
            if (read_slab(s, po, ps, buf, cap) != 0) {
                /* h5dump reports the failure and goes on with the next
                 * strip mine */
                rc = -1;
                break;
            }
            for (uint64_t i = 0; i < pn; i++, local++, c->cur_elmt++, rowc++) {
                c5sb_reset(&d->el);
                v->level = c->level;
                put_value(v, &d->el, s->t, buf + i * esz, 0);
                if (local + 1 < nel || !last)
                    c5sb_puts(&d->el, f->elmt_suf1);
                if (!render(d, c, f, d->el.p, local, rowc))
                    rowc = 0;
            }
            if (s->mem)
                c5_reclaim(s->t, buf, (size_t)pn);
            pos += take;
        }
        done += nel;
        for (int i = c->ndims, carry = 1; i > 0 && carry; --i) {
            off[i - 1] += hs[i - 1];
            if (off[i - 1] == s->sp.dims[i - 1])
                off[i - 1] = 0;
            else
                carry = 0;
        }
        c->continuation++;
    }
    free(buf);
    return rc;
}

/* The values of a subset (h5tools_dump_simple_subset): row by row, each
 * row starting a line whose index is that of its first element. Rows are
 * read in pieces of at most READ_ONCE bytes. */
static int subset_values(dd *d, src *s, rctx *c, rfmt *f, vctx *v)
{
    c->ndims = s->sp.cls == C5_SPACE_SIMPLE ? s->sp.rank : 0;
    for (int i = 0; i < c->ndims; i++)
        c->dims[i] = s->sp.dims[i];
    c->size_last_dim = c->ndims ? s->sp.dims[c->ndims - 1] : 0;
    if (s->sp.cls == C5_SPACE_NULL)
        return 0;
    c5dump_rows it;
    char msg[256];
    if (c5dump_rows_init(&it, d->ss, &s->sp, msg, sizeof msg) != 0) {
        /* checked before the dataset's header; here for referenced ones */
        fflush(d->out);
        fprintf(stderr, "cfive dump: %s", msg);
        d->x->status = 1;
        return 0;
    }
    size_t esz = el_size(v, s->t);
    uint64_t max = READ_ONCE / (esz ? esz : 1);
    uint8_t *buf = NULL;
    size_t cap = 0;
    int ev;
    while ((ev = c5dump_rows_next(&it)) != C5DUMP_ROW_END) {
        if (ev != C5DUMP_ROW_DATA) {
            c5dump_diag_event(d->x->o->diag, ev, it.mult);
            continue;
        }
        c->sm_pos = it.sm_pos;
        c->need_prefix = 1;
        c5dump_pieces pc;
        c5dump_pieces_init(&pc, &it, max);
        c5_hyperslab h;
        uint64_t pn, local = 0, rowc = 0, bytes;
        int failed = 0;
        while (!failed && c5dump_pieces_next(&pc, &h, &pn)) {
            if (c5_mul_ovf(pn, esz, &bytes) || bytes > SIZE_MAX)
                c5dump_oom();
            if (bytes > cap) {
                uint8_t *nb = realloc(buf, (size_t)bytes);
                if (!nb)
                    c5dump_oom();
                buf = nb;
                cap = (size_t)bytes;
            }
            if (c5_dataset_read(s->ds, s->mem ? s->t : NULL, &h, buf, cap) != 0) {
                /* h5dump's H5Dread fails: the print call ends, silently */
                failed = 1;
                break;
            }
            for (uint64_t i = 0; i < pn; i++, local++, c->cur_elmt++, rowc++) {
                c5sb_reset(&d->el);
                v->level = c->level;
                put_value(v, &d->el, s->t, buf + i * esz, 0);
                if (local + 1 < it.npoints || !it.last)
                    c5sb_puts(&d->el, f->elmt_suf1);
                if (!render(d, c, f, d->el.p, local, rowc))
                    rowc = 0;
            }
            if (s->mem)
                c5_reclaim(s->t, buf, (size_t)pn);
        }
        if (failed) {
            c5dump_rows_fail(&it);
            c5dump_diag_event(d->x->o->diag, C5DUMP_ROW_READFAIL, 1);
            continue;
        }
        c->continuation++;
    }
    free(buf);
    return 0;
}

/* h5dump's SUBSET header (h5tools_dump_subsetting_header) at c->level,
 * leaving c->level one deeper for the DATA block inside it. ndims < 0:
 * not a dataset (empty lists). -1 (nothing printed) when a value cannot
 * be known. */
static int subset_open(dd *d, rctx *c, const rfmt *f, int ndims)
{
    c5sb b = {0};
    for (int w = 0; w < 4; w++) {
        c5sb_reset(&b);
        if (c5dump_subset_text(&b, d->ss, w, ndims) != 0) {
            free(b.p);
            return -1;
        }
    }
    line(d, c, f, "SUBSET {");
    c->level++;
    for (int w = 0; w < 4; w++) {
        c5sb_reset(&b);
        c5dump_subset_text(&b, d->ss, w, ndims);
        line(d, c, f, b.p);
    }
    free(b.p);
    return 0;
}

/* One region reference at the top level: the block under its line. */
static void region_block(dd *d, rctx *c, const rfmt *f, c5_file *file, const uint8_t *ref,
                         uint64_t i)
{
    uint64_t obj;
    void *selb = NULL;
    size_t sl;
    if (c5_regref_read(file, ref, &obj, &selb, &sl) != 0)
        return;
    c5dump_region rg;
    c5_object *o = NULL;
    if (c5dump_region_decode(selb, sl, &rg) != 0 ||
        (rg.type != C5DUMP_SEL_POINTS && rg.type != C5DUMP_SEL_HYPER) ||
        c5_object_open_addr(&o, file, obj) != 0 || c5_object_kind(o) != C5_OBJ_DATASET) {
        free(selb);
        free(rg.c);
        c5_object_close(o);
        return;
    }
    free(selb);
    rfmt nf = *f; /* references are laid out at 80 columns whatever -w says */
    nf.ncols = COLS_DEFAULT;
    int pts = rg.type == C5DUMP_SEL_POINTS;
    c5sb_reset(&d->el);
    c5sb_puts(&d->el, pts ? "{" : " {");
    render(d, c, &nf, d->el.p, i, 0);
    c->level++;
    c->need_prefix = 1;
    c5sb_reset(&d->el);
    c5sb_puts(&d->el, pts ? "REGION_TYPE POINT  " : "REGION_TYPE BLOCK  ");
    for (uint64_t k = 0; k < rg.n; k++) {
        if (k)
            c5sb_puts(&d->el, "," BREAK " ");
        if (pts) {
            for (unsigned u = 0; u < rg.rank; u++)
                c5sb_printf(&d->el, "%s%" PRIu64, u ? "," : "(", rg.c[k * rg.rank + u]);
            c5sb_puts(&d->el, ")");
        } else {
            for (unsigned u = 0; u < rg.rank; u++)
                c5sb_printf(&d->el, "%s%" PRIu64, u ? "," : "(", rg.c[k * 2 * rg.rank + u]);
            for (unsigned u = 0; u < rg.rank; u++)
                c5sb_printf(&d->el, "%s%" PRIu64, u ? "," : ")-(",
                          rg.c[k * 2 * rg.rank + rg.rank + u]);
            c5sb_puts(&d->el, ")");
        }
    }
    render(d, c, &nf, d->el.p, i, 0);
    free(rg.c);
    /* the dataset's type and dataspace: the type printer writes straight
     * to the output, so end the line first */
    c5_type *t = NULL;
    c5_space sp;
    if (c5_object_type(&t, o) == 0) {
        c->need_prefix = 1;
        c5sb_reset(&d->el);
        c5sb_puts(&d->el, "DATATYPE  ");
        render(d, c, &nf, d->el.p, i, 0);
        fflush(d->out);
        c5dump_type(d->x, t, c->level - 1);
        c->cur_column += 1; /* the type text is never empty */
        c5_type_close(t);
    }
    if (c5_dataset_space(&sp, o) == 0) {
        c->need_prefix = 1;
        c5sb_reset(&d->el);
        c5sb_puts(&d->el, "DATASPACE  ");
        space_text(&d->el, &sp);
        render(d, c, &nf, d->el.p, i, 0);
    }
    c5_object_close(o);
    c->level--;
    line(d, c, &nf, "}");
}

/* Attributes are read whole (h5dump does too). */
static int attr_load(src *s)
{
    if (!s->a || s->sp.cls == C5_SPACE_NULL)
        return 0;
    uint64_t total = 1, bytes;
    for (int i = 0; s->sp.cls == C5_SPACE_SIMPLE && i < s->sp.rank; i++)
        total *= s->sp.dims[i];
    if (c5_mul_ovf(total, s->t->size, &bytes) || bytes > SIZE_MAX)
        return -1;
    s->abuf = malloc(bytes ? (size_t)bytes : 1);
    if (!s->abuf)
        c5dump_oom();
    if (bytes && c5_attr_read(s->a, NULL, s->abuf, (size_t)bytes) != 0)
        return -1;
    return 0;
}

/* A dataset or attribute of references at the top level. */
static int ref_values(dd *d, src *s, rctx *c, const rfmt *frame)
{
    uint64_t total = 1;
    if (s->sp.cls == C5_SPACE_NULL)
        total = 0;
    for (int i = 0; s->sp.cls == C5_SPACE_SIMPLE && i < s->sp.rank; i++)
        total *= s->sp.dims[i];
    size_t esz = s->t->size;
    uint8_t *buf = NULL;
    int rc = 0;
    /* h5dump gives up silently (exit status unchanged) when references
     * cannot be read */
    if (total) {
        uint64_t bytes;
        if (c5_mul_ovf(total, esz, &bytes) || bytes > SIZE_MAX)
            return 0;
        if (s->a) {
            if (attr_load(s) != 0)
                return 0;
            buf = s->abuf;
        } else {
            buf = malloc((size_t)bytes);
            if (!buf)
                c5dump_oom();
            if (c5_dataset_read(s->ds, NULL, NULL, buf, (size_t)bytes) != 0) {
                free(buf);
                return 0;
            }
        }
    }
    rfmt nf = *frame;
    nf.ncols = COLS_DEFAULT;
    vctx v = {.d = d, .f = s->f};
    for (uint64_t i = 0; i < total; i++, c->cur_elmt++) {
        const uint8_t *p = buf + i * esz;
        c->need_prefix = 1;
        c5sb_reset(&d->el);
        v.level = c->level;
        put_ref(&v, &d->el, s->t, p);
        render(d, c, &nf, d->el.p, i, total);
        if (all_zero(p, esz))
            continue;
        if (s->t->reftype == C5_REF_OBJECT) {
            uint64_t addr = c5_le(p, esz < s->f->osz ? esz : s->f->osz);
            c5_object *o = NULL;
            if (c5_object_open_addr(&o, s->f, addr) != 0)
                continue;
            c->level++;
            if (c5_object_kind(o) == C5_OBJ_DATASET && d->depth < MAX_REF_DEPTH) {
                d->depth++;
                c->cur_column = 0; /* the block starts on a line of its own */
                fputc('\n', d->out);
                if (data_block(d, o, NULL, s->f, c->level) < 0)
                    rc = -1;
                c->cur_column = 1; /* its last line is still open */
                d->depth--;
            } else {
                int sub = d->ss && subset_open(d, c, frame, -1) == 0;
                line(d, c, frame, "DATA {");
                close_line(d, c, frame);
                if (sub) {
                    c->level--;
                    close_line(d, c, frame);
                }
            }
            c->level--;
            c5_object_close(o);
        } else {
            region_block(d, c, &nf, s->f, p, i);
        }
    }
    if (!s->a)
        free(buf);
    return rc;
}

/* The DATA block at ctx level `level` (printed one level less). Returns
 * 0, -1 after a read error (message printed), or 1 when h5dump leaves its
 * indentation one level deeper (references it does not know). The output
 * ends with an unterminated line. */
static int data_block(dd *d, c5_object *ds, c5_attr *a, c5_file *file, int level)
{
    rfmt frame;
    frame_fmt(&frame, d->x);
    rctx ctx = {.level = level};
    src s = {.ds = ds, .a = a, .f = file};
    int rc = 0, gone = 0, sub = 0;
    if (ds) {
        if (c5_object_type(&s.t, ds) || c5_dataset_space(&s.sp, ds))
            gone = 1;
    } else if (c5_attr_type(&s.t, a) || c5_attr_space(&s.sp, a)) {
        gone = 1;
    }
    if (ds && d->ss) {
        int nd = gone ? -1 : s.sp.cls == C5_SPACE_SIMPLE ? s.sp.rank : 0;
        if (subset_open(d, &ctx, &frame, nd) == 0) {
            sub = 1;
        } else {
            fflush(d->out);
            fprintf(stderr, "cfive dump: cannot print the subset of a referenced dataset: "
                            "h5dump 1.10.8 reads past its lists there\n");
            d->x->status = 1;
            line(d, &ctx, &frame, "DATA {");
            goto close;
        }
    }
    line(d, &ctx, &frame, "DATA {");
    if (gone) {
        rc = -1;
        goto close;
    }
    if (s.t->cls == C5_CLASS_REFERENCE) {
        ctx.level++;
        if (s.t->reftype != C5_REF_OBJECT && s.t->reftype != C5_REF_REGION) {
            /* h5dump 1.10 skips references it does not know and forgets to
             * step back out */
            rc = 1;
        } else {
            rctx dc = ctx;
            dc.need_prefix = 1;
            if (ref_values(d, &s, &dc, &frame) < 0)
                rc = -1;
            ctx.level--;
        }
    } else {
        rctx dc = ctx;
        rfmt vf;
        init_fmt(&vf, d->x, !d->x->o->noindex);
        /* A virtual dataset's variable-length data lives in the heaps of
         * its sources: read it converted to memory form. */
        s.mem = ds && c5_dataset_load(ds) == 0 && ds->layout.cls == C5_LAYOUT_VIRTUAL &&
                c5_type_has_vlen(s.t);
        vctx v = {.d = d, .f = file, .mem = s.mem};
        int str = d->x->o->string && s.t->cls == C5_CLASS_INTEGER && s.t->size == 1;
        if (str) {
            /* -r: one quoted string; each row of the last dimension on a
             * line of its own */
            vf.idx = IDX_QUOTE;
            dc.level++;
            dc.need_prefix = 1;
            prefix(d, &dc, &vf, 0, 0);
            vf.elmt_suf1 = "";
            vf.elmt_suf2 = "";
            vf.line_suf = "\"";
            v.ascii = 1;
        } else {
            dc.need_prefix = 1;
        }
        if (sub) {
            if (subset_values(d, &s, &dc, &vf, &v) < 0 || v.err)
                rc = -1;
        } else if (attr_load(&s) != 0 || values(d, &s, &dc, &vf, &v) < 0 || v.err) {
            rc = -1;
        }
        if (str) {
            dc.need_prefix = 0;
            vf.arr_linebreak = 0;
            vf.idx = IDX_NONE;
            vf.line_multi_new = 0;
            vf.line_suf = "";
            c5sb_reset(&d->el);
            c5sb_puts(&d->el, "\"");
            render(d, &dc, &vf, d->el.p, 0, 0);
        }
    }
close:
    if (rc < 0) {
        fflush(d->out);
        fprintf(stderr, "h5dump error: unable to print data\n");
        d->x->status = 1;
    }
    close_line(d, &ctx, &frame);
    if (sub) {
        ctx.level--;
        close_line(d, &ctx, &frame);
    }
    free(s.abuf);
    c5_type_close(s.t);
    return rc;
}

int c5dump_data(c5dump_ctx *x, c5_object *ds, c5_attr *a, int indent,
                const struct c5dump_subset *ss)
{
    if (!x || (!ds == !a))
        return -1;
    dd d = {.x = x, .out = x->out ? x->out : stdout, .ss = ds ? ss : NULL};
    c5_file *f = ds ? c5_object_file(ds) : x->f;
    /* h5dump counts the DATA line's level one above where it prints it */
    int rc = data_block(&d, ds, a, f, indent + 1);
    fputc('\n', d.out);
    free(d.el.p);
    free(d.tmp.p);
    return rc;
}
