/* cfive dump in text form: the header text of datatypes and dataspaces,
 * as h5dump 1.10.8 prints it after "DATATYPE " and "DATASPACE " (in
 * dataset, attribute and named datatype blocks, and the -b header), with
 * h5dump's line breaking.
 *
 * Datatypes print as h5tools_print_datatype does: predefined names when the
 * type equals one (all fields compared, as H5Tequal does), otherwise a
 * description ("16-bit little-endian floating-point 16-bit precision"),
 * committed types as their recorded path in quotes (the object tables of
 * tools/dump_walk.c name them). Its line breaking is reproduced by the
 * element renderer: pieces of a type that continue a line ("DATATYPE "t" "
 * then "H5T_COMPOUND {") move to a new line when they would pass the
 * width, h5dump counting one indentation level more than it prints.
 * Compound, enum, opaque and string types open blocks one level deeper;
 * vlen and array types nest their base type on the same line.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_text.h"
#include "type.h" /* struct c5_type: precision, padding, string pad/cset, tag */

/* Datatype nesting bound. */
#define DUMP_MAX_TYPE_DEPTH 64

/* ---- the element renderer (h5tools_render_element; see dump_text.h) ------ */

void c5dump_ren_init(ren *r, c5dump_ctx *x, int level)
{
    memset(r, 0, sizeof *r);
    r->x = x;
    r->level = level;
    r->need_prefix = 1;
}

/* Terminates the current line and starts a new one at r->level
 * (h5tools_simple_prefix). */
static void ren_prefix(ren *r)
{
    if (r->open)
        fputc('\n', r->x->out);
    c5dump_indent(r->x, r->level);
    /* h5dump counts one indentation level more than it prints */
    r->col = (size_t)(r->level + 1) * 3;
    r->open = 1;
    r->need_prefix = 0;
}

void c5dump_ren_emit(ren *r)
{
    size_t len = r->buf.n;
    if (len == 0)
        return;
    if (!r->need_prefix && r->open && !r->glued && r->col + len + 1 > (size_t)r->x->width)
        r->need_prefix = 1;
    r->glued = 0;
    if (r->need_prefix || !r->open)
        ren_prefix(r);
    fwrite(r->buf.p, 1, len, r->x->out);
    r->col += len;
}

void c5dump_ren_end(ren *r)
{
    if (r->open)
        fputc('\n', r->x->out);
    r->open = 0;
    r->col = 0;
    free(r->buf.p);
    r->buf.p = NULL;
    r->buf.n = r->buf.cap = 0;
}

/* ---- datatypes ---------------------------------------------------------------
 * Equality with the predefined types compares every field, as H5Tequal. */
static int std_atomic(const c5_type *t)
{
    size_t s = t->size;
    return (s == 1 || s == 2 || s == 4 || s == 8) && t->precision == s * 8 && t->bit_offset == 0 &&
           t->lo_pad == 0 && t->hi_pad == 0 && (t->order == C5_ORDER_LE || t->order == C5_ORDER_BE);
}

static const char *le_be(const c5_type *t) { return t->order == C5_ORDER_BE ? "BE" : "LE"; }

/* H5T_IEEE_F32/F64 (LE or BE) or H5T_VAX_F32/F64 layouts. */
static int float_layout(const c5_type *t, int vax)
{
    int w = t->size == 4 ? 0 : t->size == 8 ? 1 : -1;
    if (w < 0 || t->precision != t->size * 8 || t->bit_offset || t->lo_pad || t->hi_pad ||
        t->int_pad || t->mant_norm != 2)
        return 0;
    static const unsigned sign[2] = {31, 63}, epos[2] = {23, 52}, esz[2] = {8, 11},
                          msz[2] = {23, 52};
    static const uint32_t bias[2][2] = {{127, 1023}, {129, 1025}};
    return t->sign_loc == sign[w] && t->exp_loc == epos[w] && t->exp_size == esz[w] &&
           t->mant_loc == 0 && t->mant_size == msz[w] && t->exp_bias == bias[vax][w];
}

static const char *order_words(const c5_type *t)
{
    if (t->size <= 1)
        return "";
    switch (t->order) {
    case C5_ORDER_LE: return " little-endian";
    case C5_ORDER_BE: return " big-endian";
    case C5_ORDER_VAX: return " mixed-endian";
    default: return " unknown-byte-order";
    }
}

/* An enum member value as the base integer converted to (unsigned) long
 * long, as h5tools_print_enum gets it with H5Tconvert. */
static void enum_value(sbuf *b, const c5_type *base, const uint8_t *v)
{
    size_t n = base ? base->size : 0;
    if (!v || n == 0 || n > 8 || base->cls != C5_CLASS_INTEGER) {
        c5sb_puts(b, "0x");
        for (size_t j = 0; v && j < n; j++)
            c5sb_printf(b, "%02x", v[j]);
        return;
    }
    uint64_t raw = 0;
    for (size_t j = 0; j < n; j++) {
        size_t k = base->order == C5_ORDER_BE ? j : n - 1 - j;
        raw = raw << 8 | v[k];
    }
    unsigned prec = base->precision ? base->precision : (unsigned)(n * 8);
    if (base->bit_offset < 64)
        raw >>= base->bit_offset;
    if (prec < 64)
        raw &= (UINT64_C(1) << prec) - 1;
    if (base->is_signed) {
        if (prec < 64 && prec > 0 && ((raw >> (prec - 1)) & 1))
            raw |= ~UINT64_C(0) << prec;
        c5sb_printf(b, "%" PRId64, (int64_t)raw);
    } else {
        c5sb_printf(b, "%" PRIu64, raw);
    }
}

/* h5tools_print_datatype: appends t to r->buf, rendering the lines it
 * completes; what is left in r->buf is the last piece, for the caller to
 * finish and render. `search`: print a committed type as its name. */
void c5dump_ptype(dstate *st, ren *r, const c5_type *t, int search, int depth)
{
    sbuf *b = &r->buf;
    if (!t || depth > DUMP_MAX_TYPE_DEPTH) {
        c5sb_puts(b, "unknown datatype");
        return;
    }
    uint64_t committed = c5_type_committed(t);
    if (search && committed != UINT64_MAX) {
        tabent *e = st && st->cur ? c5dump_tab_find(&st->cur->types, committed) : NULL;
        if (!e) {
            c5dump_errmsg(r->x, "unknown committed type.\n");
            r->x->status = 1;
        } else if (!e->recorded) {
            c5sb_printf(b, "\"/#%" PRIu64 "\"", committed);
        } else {
            c5sb_printf(b, "\"%s\"", e->path);
        }
        return;
    }
    switch (t->cls) {
    case C5_CLASS_INTEGER:
        if (std_atomic(t))
            c5sb_printf(b, "H5T_STD_%c%zu%s", t->is_signed ? 'I' : 'U', t->size * 8, le_be(t));
        else
            c5sb_printf(b, "%zu-bit%s%s integer %u-bit precision", t->size * 8, order_words(t),
                      t->is_signed ? "" : " unsigned", (unsigned)t->precision);
        break;
    case C5_CLASS_FLOAT:
        if ((t->order == C5_ORDER_LE || t->order == C5_ORDER_BE) && float_layout(t, 0))
            c5sb_printf(b, "H5T_IEEE_F%zu%s", t->size * 8, le_be(t));
        else if (t->order == C5_ORDER_VAX && float_layout(t, 1))
            c5sb_printf(b, "H5T_VAX_F%zu", t->size * 8);
        else
            c5sb_printf(b, "%zu-bit%s floating-point %u-bit precision", t->size * 8, order_words(t),
                      (unsigned)t->precision);
        break;
    case C5_CLASS_TIME:
        c5sb_puts(b, "H5T_TIME: not yet implemented");
        break;
    case C5_CLASS_BITFIELD:
        if (std_atomic(t))
            c5sb_printf(b, "H5T_STD_B%zu%s", t->size * 8, le_be(t));
        else
            c5sb_puts(b, "undefined bitfield");
        break;
    case C5_CLASS_OPAQUE:
        c5sb_puts(b, "H5T_OPAQUE {");
        c5dump_ren_emit(r);
        r->level++;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_printf(b, "OPAQUE_TAG \"%s\";", t->tag ? t->tag : "");
        c5dump_ren_emit(r);
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_COMPOUND:
        c5sb_puts(b, "H5T_COMPOUND {");
        c5dump_ren_emit(r);
        r->level++;
        for (int i = 0; i < t->nmemb; i++) {
            r->need_prefix = 1;
            c5sb_reset(b);
            c5dump_ptype(st, r, t->memb[i].type, 1, depth + 1);
            c5sb_printf(b, " \"%s\";", t->memb[i].name ? t->memb[i].name : "");
            c5dump_ren_emit(r);
        }
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_REFERENCE:
        c5sb_puts(b, "H5T_REFERENCE");
        if (t->reftype == C5_REF_REGION)
            c5sb_puts(b, " { H5T_STD_REF_DSETREG }");
        else if (t->reftype == C5_REF_OBJECT)
            c5sb_puts(b, " { H5T_STD_REF_OBJECT }");
        else
            c5sb_puts(b, " { UNDEFINED }");
        break;
    case C5_CLASS_ENUM:
        c5sb_puts(b, "H5T_ENUM {");
        c5dump_ren_emit(r);
        r->level++;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5dump_ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, ";");
        c5dump_ren_emit(r);
        for (int i = 0; i < t->nmemb; i++) {
            const char *name = t->memb[i].name ? t->memb[i].name : "";
            int nchars = (int)strlen(name);
            r->need_prefix = 1;
            ren_prefix(r);
            c5sb_reset(b);
            c5sb_printf(b, "\"%s\"%*s ", name, nchars < 16 ? 16 - nchars : 0, "");
            enum_value(b, t->base, t->memb[i].value);
            c5sb_puts(b, ";");
            c5dump_ren_emit(r);
        }
        r->level--;
        r->need_prefix = 1;
        c5sb_reset(b);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_STRING:
    case C5_CLASS_VLEN:
        if (t->cls == C5_CLASS_STRING || t->vlen_string) {
            static const char *const pads[] = {"H5T_STR_NULLTERM;", "H5T_STR_NULLPAD;",
                                               "H5T_STR_SPACEPAD;"};
            static const char *const csets[] = {"H5T_CSET_ASCII;", "H5T_CSET_UTF8;"};
            c5sb_puts(b, "H5T_STRING {");
            c5dump_ren_emit(r);
            r->level++;
            r->need_prefix = 1;
            c5sb_reset(b);
            if (t->cls == C5_CLASS_VLEN)
                c5sb_puts(b, "STRSIZE H5T_VARIABLE;");
            else
                c5sb_printf(b, "STRSIZE %d;", (int)t->size);
            c5dump_ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_printf(b, "STRPAD %s",
                      (unsigned)t->strpad < 3 ? pads[t->strpad] : "H5T_STR_UNKNOWN;");
            c5dump_ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_printf(b, "CSET %s", (unsigned)t->cset < 2 ? csets[t->cset] : "H5T_CSET_UNKNOWN;");
            c5dump_ren_emit(r);
            r->need_prefix = 1;
            c5sb_reset(b);
            /* H5T_C_S1 with this size, pad and cset equals every string
             * type libhdf5 decodes, so the Fortran spelling never shows. */
            c5sb_puts(b, "CTYPE H5T_C_S1;");
            c5dump_ren_emit(r);
            r->level--;
            r->need_prefix = 1;
            c5sb_reset(b);
            c5sb_puts(b, "}");
            break;
        }
        c5sb_puts(b, "H5T_VLEN { ");
        c5dump_ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, "}");
        break;
    case C5_CLASS_ARRAY:
        c5sb_puts(b, "H5T_ARRAY { ");
        for (int i = 0; i < t->rank; i++)
            c5sb_printf(b, "[%" PRIu64 "]", t->dims[i]);
        c5sb_puts(b, " ");
        c5dump_ptype(st, r, t->base, 1, depth + 1);
        c5sb_puts(b, " }");
        break;
    default:
        c5sb_puts(b, "unknown datatype");
        break;
    }
}

void c5dump_type(c5dump_ctx *x, const c5_type *t, int indent)
{
    ren r;
    c5dump_ren_init(&r, x, indent);
    /* h5dump renders "DATATYPE  " and the type's first piece as one
     * element: that piece stays on the caller's line */
    r.need_prefix = 0;
    r.open = 1;
    r.glued = 1;
    r.col = (size_t)(indent + 1) * 3;
    c5dump_ptype(x->seen, &r, t, 1, 0);
    c5dump_ren_emit(&r);
    /* The caller ends the line. */
    free(r.buf.p);
}

/* DATATYPE line(s) of a dataset or attribute (h5tools_dump_datatype). */
void c5dump_type_block(dstate *st, const c5_type *t, int u)
{
    ren r;
    c5dump_ren_init(&r, st->x, u);
    c5sb_puts(&r.buf, "DATATYPE  ");
    c5dump_ptype(st, &r, t, 1, 0);
    c5dump_ren_emit(&r);
    c5dump_ren_end(&r);
}

/* ---- dataspaces --------------------------------------------------------------- */

/* The DATASPACE line at level u (h5tools_dump_dataspace). */
void c5dump_space_line(c5dump_ctx *x, const c5_space *sp, int u)
{
    sbuf b = {0};
    c5sb_puts(&b, "DATASPACE  ");
    switch (sp->cls) {
    case C5_SPACE_SCALAR:
        c5sb_puts(&b, "SCALAR");
        break;
    case C5_SPACE_NULL:
        c5sb_puts(&b, "NULL");
        break;
    case C5_SPACE_SIMPLE: {
        int rank = sp->rank < 0 ? 0 : sp->rank > C5_MAX_RANK ? C5_MAX_RANK : sp->rank;
        c5sb_puts(&b, "SIMPLE { ( ");
        for (int i = 0; i < rank; i++)
            c5sb_printf(&b, "%s%" PRIu64, i ? ", " : "", sp->dims[i]);
        c5sb_puts(&b, " ) / ( ");
        for (int i = 0; i < rank; i++) {
            if (sp->maxdims[i] == C5_UNLIMITED)
                c5sb_printf(&b, "%sH5S_UNLIMITED", i ? ", " : "");
            else
                c5sb_printf(&b, "%s%" PRIu64, i ? ", " : "", sp->maxdims[i]);
        }
        c5sb_puts(&b, " ) }");
        break;
    }
    default:
        c5sb_puts(&b, "{ unknown dataspace }\n");
        break;
    }
    c5dump_indent(x, u);
    fputs(b.p, x->out);
    fputc('\n', x->out);
    free(b.p);
}
