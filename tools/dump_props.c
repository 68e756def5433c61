/* cfive dump, text form: the blocks h5dump 1.10.8 prints for -p (dataset
 * creation properties) and -B (superblock), byte for byte.
 *
 * -p, after a dataset's DATASPACE line, at the dataset's indent + 1:
 *
 *   STORAGE_LAYOUT {
 *      CONTIGUOUS                        | CHUNKED ( c0, c1 )
 *      SIZE n                            |    SIZE n [(r.rrr:1 COMPRESSION)]
 *      OFFSET a                          | COMPACT
 *   or CONTIGUOUS + EXTERNAL {           |    SIZE n
 *         FILENAME name SIZE n OFFSET o  | MAPPING i { VIRTUAL {sel} SOURCE {
 *      }                                 |    FILE "f" DATASET "d" sel } }
 *   }
 *   FILTERS {                 (not for virtual datasets)
 *      NONE | COMPRESSION DEFLATE { LEVEL l } | PREPROCESSING SHUFFLE |
 *      CHECKSUM FLETCHER32 | COMPRESSION SZIP { ... } | COMPRESSION NBIT |
 *      COMPRESSION SCALEOFFSET { MIN BITS m } |
 *      USER_DEFINED_FILTER { FILTER_ID id [COMMENT name] [PARAMS { v ... }] }
 *   }
 *   FILLVALUE {
 *      FILL_TIME H5D_FILL_TIME_{IFSET,ALLOC,NEVER}
 *      VALUE  H5D_FILL_VALUE_{DEFAULT,UNDEFINED} | the value
 *   }
 *   ALLOCATION_TIME {         (not for virtual datasets)
 *      H5D_ALLOC_TIME_{EARLY,LATE,INCR}
 *   }
 *
 * What libhdf5 reports, and so what h5dump prints, is derived from the
 * object header the way H5D__open_oid does it, not from what cfive would
 * write: SIZE is H5Dget_storage_size (chunked: the stored bytes of every
 * allocated chunk; contiguous: the data size once allocated, else 0), OFFSET
 * is H5Dget_offset (the data address plus the user block size, computed even
 * for the undefined address, so an unallocated dataset in a file with a
 * 512-byte user block shows 511), the fill value status comes from the new
 * fill value message, else from the old one (allocation time late), else
 * from the layout (compact early, contiguous late, chunked and virtual
 * incremental), and a fill value is printed converted to the native type
 * the way h5tools_str_sprint prints it (compounds across lines).
 *
 * -B, after the `HDF5 "file" {` line: SUPER_BLOCK { ... USER_BLOCK { ... } }
 * with the B-tree K values from the superblock (v0/v1) or the B-tree 'K'
 * message of the superblock extension (v2/v3), and the file space strategy
 * from its file space info message (defaults otherwise).
 *
 * Every block is printed as whole lines ("indent text\n"), 3 spaces per
 * level: h5dump renders each of these lines separately, and none of them
 * holds an optional line break, so the line width never splits them.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "object.h"
#include "type.h"
#include "vds.h"
#include "chunk/chunk.h"
#include "filters/filter.h"
#include "format/gheap.h"

/* Nesting bound for fill values (compounds of arrays of compounds...). */
#define PROPS_MAX_DEPTH 32
/* Array and sequence elements printed in one fill value at most. */
#define PROPS_MAX_ELEMS 65536

/* ---- output helpers ------------------------------------------------------ */

static void line(c5dump_ctx *x, int indent, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void line(c5dump_ctx *x, int indent, const char *fmt, ...)
{
    for (int i = 0; i < indent; i++)
        fputs("   ", x->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(x->out, fmt, ap);
    va_end(ap);
    fputc('\n', x->out);
}

/* A line whose text may be empty: h5dump renders nothing at all for an
 * empty string (not even the indentation). */
static void line_opt(c5dump_ctx *x, int indent, const char *text)
{
    if (text[0])
        line(x, indent, "%s", text);
}

/* A growing string (a fill value can span lines). */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int err;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->err)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->err = 1;
            return;
        }
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap <= b->n + (size_t)k)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->err = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static void sb_indent(sbuf *b, int level)
{
    for (int i = 0; i < level; i++)
        sb_add(b, "   ");
}

/* ---- fill values, the way h5tools_str_sprint prints them ----------------- */

typedef struct fmt {
    c5_file *f;
    sbuf *b;
    int next_array_elem; /* h5tools' static is_next_arry_elmt: set when an
                            array was just closed, so the next element of an
                            enclosing array starts a new line */
} fmt;

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Bytes of a fixed-size value in native (little-endian) order, as
 * H5Tget_native_type would give them. */
static void native_bytes(const c5_type *t, const uint8_t *p, uint8_t *out)
{
    size_t n = t->size;
    for (size_t i = 0; i < n; i++)
        out[i] = t->order == C5_ORDER_BE ? p[n - 1 - i] : p[i];
}

static void fmt_hex(fmt *m, const uint8_t *p, size_t n)
{
    if (n == 1) {
        sb_add(m->b, "0x%02x", p[0]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        sb_add(m->b, "%s%02x", i ? ":" : "", p[i]);
}

/* One character of a string, as h5tools_print_char does with escapes off
 * (h5dump's default): quotes and backslashes stay, a line feed or carriage
 * return is followed by 11 spaces, other unprintable bytes become \ooo of
 * the (signed) char. */
static void fmt_char(fmt *m, char ch)
{
    switch (ch) {
    case '\n':
        sb_add(m->b, "\n           ");
        break;
    case '\r':
        sb_add(m->b, "\r           ");
        break;
    case '"':
    case '\\':
    case '\b':
    case '\f':
    case '\t':
        sb_add(m->b, "%c", ch);
        break;
    default:
        if (ch >= 0 && isprint((unsigned char)ch))
            sb_add(m->b, "%c", ch);
        else
            sb_add(m->b, "\\%03o", (unsigned)(int)ch);
        break;
    }
}

static void fmt_string(fmt *m, const char *s, size_t size, c5_strpad pad)
{
    size_t i;
    int quoted = 0;
    for (i = 0; i < size && (s[i] || pad != C5_STR_NULLTERM); i++) {
        if (!quoted) {
            sb_add(m->b, "%s\"", i ? " " : "");
            quoted = 1;
        }
        fmt_char(m, s[i]);
    }
    if (quoted)
        sb_add(m->b, "\"");
    if (i == 0)
        sb_add(m->b, "\"\"");
}

static int fmt_value(fmt *m, const c5_type *t, const uint8_t *p, int level, int depth);

static int fmt_number(fmt *m, const c5_type *t, const uint8_t *p)
{
    c5_type *nt = NULL;
    int rc;
    if (t->cls == C5_CLASS_FLOAT) {
        double d;
        if ((rc = c5_type_native(&nt, C5_NATIVE_DOUBLE)) ||
            (rc = c5_convert(m->f, t, nt, p, &d, 1))) {
            c5_type_close(nt);
            return rc;
        }
        sb_add(m->b, "%g", d);
    } else if (t->is_signed) {
        int64_t v;
        if ((rc = c5_type_native(&nt, C5_NATIVE_INT64)) ||
            (rc = c5_convert(m->f, t, nt, p, &v, 1))) {
            c5_type_close(nt);
            return rc;
        }
        sb_add(m->b, "%" PRId64, v);
    } else {
        uint64_t v;
        if ((rc = c5_type_native(&nt, C5_NATIVE_UINT64)) ||
            (rc = c5_convert(m->f, t, nt, p, &v, 1))) {
            c5_type_close(nt);
            return rc;
        }
        sb_add(m->b, "%" PRIu64, v);
    }
    c5_type_close(nt);
    return 0;
}

static int fmt_compound(fmt *m, const c5_type *t, const uint8_t *p, int level, int depth)
{
    sb_add(m->b, "{");
    for (int j = 0; j < t->nmemb; j++) {
        const c5_member *mb = &t->memb[j];
        if (mb->offset > t->size || mb->type->size > t->size - mb->offset)
            return C5_ECORRUPT;
        sb_add(m->b, j ? ",\n" : "\n");
        sb_indent(m->b, level + 1);
        int rc = fmt_value(m, mb->type, p + mb->offset, level + 1, depth + 1);
        if (rc)
            return rc;
    }
    sb_add(m->b, "\n");
    sb_indent(m->b, level);
    sb_add(m->b, "}");
    return 0;
}

static int fmt_array(fmt *m, const c5_type *t, const uint8_t *p, int level, int depth)
{
    const c5_type *bt = t->base;
    uint64_t n = 1;
    for (int k = 0; k < t->rank; k++)
        if (c5_mul_ovf(n, t->dims[k], &n))
            return C5_ECORRUPT;
    if (!bt || t->rank < 1 || n > PROPS_MAX_ELEMS || (bt->size && n > t->size / bt->size))
        return C5_ECORRUPT;
    uint64_t last = t->dims[t->rank - 1];
    sb_add(m->b, "[ ");
    for (uint64_t i = 0; i < n; i++) {
        if (i) {
            sb_add(m->b, ",");
            if (last && i % last == 0) {
                sb_add(m->b, "\n");
                sb_indent(m->b, level + 1);
            } else if (m->next_array_elem) {
                m->next_array_elem = 0;
                sb_add(m->b, "\n ");
                sb_indent(m->b, level + 1);
            } else {
                sb_add(m->b, " ");
            }
        }
        m->next_array_elem = 0;
        int rc = fmt_value(m, bt, p + i * bt->size, level + 1, depth + 1);
        if (rc)
            return rc;
    }
    sb_add(m->b, " ]");
    m->next_array_elem = 1;
    return 0;
}

/* Variable-length data: fetched through the library's conversion (which
 * reads the global heap), then printed from memory form. Only sequences of
 * fixed-size elements, whose memory form is their file form. */
static int fmt_vlen(fmt *m, const c5_type *t, const uint8_t *p, int level, int depth)
{
    int rc;
    if (t->vlen_string) {
        c5_type *nt = NULL;
        char *s = NULL;
        if ((rc = c5_type_native(&nt, C5_NATIVE_VLSTRING)) ||
            (rc = c5_convert(m->f, t, nt, p, &s, 1))) {
            c5_type_close(nt);
            return rc;
        }
        if (!s)
            sb_add(m->b, "NULL");
        else
            fmt_string(m, s, strlen(s), t->strpad);
        c5_reclaim(nt, &s, 1);
        c5_type_close(nt);
        return 0;
    }
    const c5_type *bt = t->base;
    if (!bt || c5_type_has_vlen(bt))
        return C5_EUNSUPPORTED;
    c5_type *vt = NULL;
    c5_vl vl = {0, NULL};
    if ((rc = c5_type_vlen(&vt, bt)) || (rc = c5_convert(m->f, t, vt, p, &vl, 1))) {
        c5_type_close(vt);
        return rc;
    }
    sb_add(m->b, "(");
    for (size_t i = 0; i < vl.len && i < PROPS_MAX_ELEMS && !rc; i++) {
        if (i)
            sb_add(m->b, ", ");
        rc = fmt_value(m, bt, (const uint8_t *)vl.p + i * bt->size, level + 1, depth + 1);
    }
    sb_add(m->b, ")");
    c5_reclaim(vt, &vl, 1);
    c5_type_close(vt);
    return rc;
}

static int fmt_value(fmt *m, const c5_type *t, const uint8_t *p, int level, int depth)
{
    if (depth > PROPS_MAX_DEPTH)
        return C5_ELIMIT;
    switch (t->cls) {
    case C5_CLASS_INTEGER:
    case C5_CLASS_FLOAT:
        return fmt_number(m, t, p);
    case C5_CLASS_STRING:
        fmt_string(m, (const char *)p, t->size, t->strpad);
        return 0;
    case C5_CLASS_COMPOUND:
        return fmt_compound(m, t, p, level, depth);
    case C5_CLASS_ARRAY:
        return fmt_array(m, t, p, level, depth);
    case C5_CLASS_VLEN:
        return fmt_vlen(m, t, p, level, depth);
    case C5_CLASS_ENUM: {
        const c5_type *bt = t->base;
        if (!bt || bt->size != t->size || t->size > 16)
            return C5_ECORRUPT;
        for (int j = 0; j < t->nmemb; j++)
            if (t->memb[j].value && memcmp(t->memb[j].value, p, t->size) == 0) {
                sb_add(m->b, "%s", t->memb[j].name);
                return 0;
            }
        /* libhdf5's enum conversion to the native type turns a value
         * without a name into all one bits */
        uint8_t nb[16];
        memset(nb, 0xff, sizeof nb);
        fmt_hex(m, nb, t->size);
        return 0;
    }
    case C5_CLASS_REFERENCE:
        if (all_zero(p, t->size)) {
            sb_add(m->b, "NULL");
            return 0;
        }
        return C5_EUNSUPPORTED;
    case C5_CLASS_BITFIELD:
    case C5_CLASS_TIME: {
        uint8_t nb[16];
        if (t->size > sizeof nb) {
            fmt_hex(m, p, t->size);
            return 0;
        }
        native_bytes(t, p, nb);
        fmt_hex(m, nb, t->size);
        return 0;
    }
    case C5_CLASS_OPAQUE:
    default:
        fmt_hex(m, p, t->size);
        return 0;
    }
}

/* ---- fill value status, as libhdf5 derives it at dataset open ------------- */

enum { FV_UNDEFINED, FV_DEFAULT, FV_USER };

typedef struct fillinfo {
    int status;              /* FV_* */
    int alloc_time;          /* H5D_alloc_time_t: 1 early, 2 late, 3 incr */
    int fill_time;           /* H5D_fill_time_t: 0 alloc, 1 never, 2 ifset */
    const uint8_t *value;    /* FV_USER: fill bytes (into the message body) */
    size_t size;
} fillinfo;

/* Fill value message layouts (spec IV.A.2.e and IV.A.2.f):
 *   old (type 4):  0 size (4), 4 value
 *   new v1, v2:    0 version, 1 alloc time, 2 fill time, 3 defined,
 *                  4 size (4, signed; only when defined), 8 value
 *   new v3:        0 version, 1 flags (bits 0-1 alloc time, 2-3 fill time,
 *                  4 undefined, 5 value present), 2 size (4), 6 value */
static void fill_info(c5_object *ds, fillinfo *fi, c5_mbody *body)
{
    c5_file *f = ds->f;
    memset(fi, 0, sizeof *fi);
    memset(body, 0, sizeof *body);
    fi->fill_time = 2;
    size_t pos = 0;
    if (c5_ohdr_find(f, ds->oh, C5_MSG_FILL, &pos, body) == 0) {
        const uint8_t *p = body->p;
        size_t n = body->n;
        fi->status = FV_DEFAULT;
        if (n >= 1 && (p[0] == 1 || p[0] == 2) && n >= 4) {
            fi->alloc_time = p[1];
            fi->fill_time = p[2];
            if (!p[3]) {
                fi->status = FV_UNDEFINED;
            } else if (n >= 8) {
                int32_t sz = (int32_t)((uint32_t)p[4] | (uint32_t)p[5] << 8 |
                                       (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24);
                if (sz > 0 && (size_t)sz <= n - 8) {
                    fi->status = FV_USER;
                    fi->value = p + 8;
                    fi->size = (size_t)sz;
                }
            }
        } else if (n >= 2 && p[0] == 3) {
            fi->alloc_time = p[1] & 3;
            fi->fill_time = (p[1] >> 2) & 3;
            if (p[1] & 0x10) {
                fi->status = FV_UNDEFINED;
            } else if ((p[1] & 0x20) && n >= 6) {
                uint32_t sz = (uint32_t)p[2] | (uint32_t)p[3] << 8 | (uint32_t)p[4] << 16 |
                              (uint32_t)p[5] << 24;
                if (sz > 0 && sz <= n - 6) {
                    fi->status = FV_USER;
                    fi->value = p + 6;
                    fi->size = sz;
                }
            }
        }
        return;
    }
    c5_mbody_free(f, body);
    memset(body, 0, sizeof *body);
    pos = 0;
    fi->status = FV_UNDEFINED;
    if (c5_ohdr_find(f, ds->oh, C5_MSG_FILL_OLD, &pos, body) == 0) {
        fi->alloc_time = 2;
        if (body->n >= 4) {
            uint32_t sz = (uint32_t)body->p[0] | (uint32_t)body->p[1] << 8 |
                          (uint32_t)body->p[2] << 16 | (uint32_t)body->p[3] << 24;
            if (sz > 0 && sz <= body->n - 4) {
                fi->status = FV_USER;
                fi->value = body->p + 4;
                fi->size = sz;
            }
        }
        return;
    }
    c5_mbody_free(f, body);
    memset(body, 0, sizeof *body);
    switch (ds->layout.cls) {
    case C5_LAYOUT_COMPACT: fi->alloc_time = 1; break;
    case C5_LAYOUT_CONTIG: fi->alloc_time = 2; break;
    default: fi->alloc_time = 3; break;
    }
}

/* ---- storage ------------------------------------------------------------- */

static int sum_chunk(void *ud, const c5_chunk_rec *rec)
{
    uint64_t *total = ud;
    *total += rec->size;
    return 0;
}

/* H5Dget_storage_size of a chunked dataset: the bytes of every allocated
 * chunk. 0 when the index cannot be read (h5dump prints what the library
 * returns, which is 0 on failure). */
static uint64_t chunked_size(c5_object *ds, int filtered)
{
    c5_file *f = ds->f;
    const c5_layout *l = &ds->layout;
    if (ds->space.cls != C5_SPACE_SIMPLE || l->ndims != ds->space.rank + 1 ||
        l->addr == C5_UNDEF)
        return 0;
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = ds->space.rank;
    g.elem_size = ds->type->size;
    uint64_t bytes = g.elem_size;
    for (int i = 0; i < g.rank; i++) {
        g.dims[i] = ds->space.dims[i];
        g.maxdims[i] = ds->space.maxdims[i];
        g.chunk[i] = l->chunk[i];
        if (g.chunk[i] == 0 || c5_mul_ovf(bytes, g.chunk[i], &bytes))
            return 0;
    }
    g.chunk_bytes = bytes;
    g.filtered = filtered;
    c5_chunk_index *ix = NULL;
    uint64_t total = 0;
    if (c5_chunk_index_open(f, l, &g, &ix) == 0) {
        if (c5_chunk_iterate(ix, sum_chunk, &total))
            total = 0;
        c5_chunk_index_close(ix);
    }
    return total;
}

static uint64_t nelem(const c5_space *sp)
{
    if (sp->cls == C5_SPACE_NULL)
        return 0;
    uint64_t n = 1;
    for (int i = 0; i < sp->rank; i++)
        if (c5_mul_ovf(n, sp->dims[i], &n))
            return UINT64_MAX;
    return n;
}

/* H5Tget_size of the type H5Dget_type returns: libhdf5 1.10 moves it to
 * memory (H5T_set_loc), where a variable-length string takes sizeof(char *)
 * and a sequence sizeof(hvl_t); arrays scale with their element and a
 * compound grows or shrinks by its members' changes. This size decides the
 * compression ratio h5dump prints. */
static int64_t h5_mem_size(const c5_type *t, int depth)
{
    if (depth > PROPS_MAX_DEPTH)
        return (int64_t)t->size;
    switch (t->cls) {
    case C5_CLASS_VLEN:
        return t->vlen_string ? (int64_t)sizeof(char *) : 2 * (int64_t)sizeof(void *);
    case C5_CLASS_ARRAY: {
        if (!t->base || !t->base->size)
            return (int64_t)t->size;
        int64_t bs = h5_mem_size(t->base, depth + 1);
        if (bs == (int64_t)t->base->size)
            return (int64_t)t->size;
        return (int64_t)(t->size / t->base->size) * bs;
    }
    case C5_CLASS_COMPOUND: {
        int64_t size = (int64_t)t->size;
        for (int i = 0; i < t->nmemb; i++) {
            const c5_type *mt = t->memb[i].type;
            size += h5_mem_size(mt, depth + 1) - (int64_t)mt->size;
        }
        return size;
    }
    default:
        return (int64_t)t->size;
    }
}

/* ---- virtual dataset mappings ---------------------------------------------- */

/* One serialized selection (the encoding src/vds.c documents). */
typedef struct vsel {
    int kind;                    /* 0 none, 1 all, 2 regular, 3 block list */
    unsigned rank, enc;
    uint64_t v[4][C5_MAX_RANK];  /* regular: start, stride, count, block */
    uint64_t nblocks;            /* block list: count, and where it starts */
    c5_rd blocks;
} vsel;

static int decode_selection(c5_rd *r, vsel *s)
{
    memset(s, 0, sizeof *s);
    uint32_t type = c5_rd_u32(r), ver = c5_rd_u32(r);
    if (r->err)
        return r->err;
    if (type == 0 || type == 3) {
        c5_rd_skip(r, 8);
        s->kind = type == 0 ? 0 : 1;
        return r->err;
    }
    if (type != 2 || ver < 1 || ver > 3)
        return C5_EUNSUPPORTED;
    unsigned enc = 4, flags = 0;
    if (ver >= 2) {
        flags = c5_rd_u8(r);
        if (ver == 3) {
            enc = c5_rd_u8(r);
        } else {
            c5_rd_skip(r, 4);
            enc = 8;
        }
    } else {
        c5_rd_skip(r, 8);
    }
    uint32_t rank = c5_rd_u32(r);
    if (r->err)
        return r->err;
    if ((enc != 2 && enc != 4 && enc != 8) || rank == 0 || rank > C5_MAX_RANK)
        return C5_ECORRUPT;
    s->rank = rank;
    s->enc = enc;
    uint64_t ones = enc == 8 ? UINT64_MAX : (1ull << (8 * enc)) - 1;
    if (flags & 1) {
        s->kind = 2;
        for (unsigned u = 0; u < rank; u++)
            for (int k = 0; k < 4; k++) {
                s->v[k][u] = c5_rd_uint(r, enc);
                if (k >= 2 && s->v[k][u] == ones)
                    s->v[k][u] = C5_UNLIMITED;
            }
        return r->err;
    }
    uint64_t nblocks = c5_rd_uint(r, enc), need;
    if (r->err)
        return r->err;
    if (c5_mul_ovf(nblocks, 2ull * rank * enc, &need) || need > c5_rd_left(r))
        return C5_ECORRUPT;
    if (nblocks == 0) {
        /* libhdf5 starts from a new dataspace (all selected) and adds nothing */
        s->kind = 1;
        return 0;
    }
    /* libhdf5 rebuilds a grid of equal blocks into a regular hyperslab */
    if (c5_vds_blocks_regular(r->p, nblocks, rank, enc, s->v[0], s->v[1], s->v[2], s->v[3])) {
        s->kind = 2;
        c5_rd_skip(r, (size_t)need);
        return r->err;
    }
    s->kind = 3;
    s->nblocks = nblocks;
    s->blocks = *r;
    c5_rd_skip(r, (size_t)need);
    return r->err;
}

/* As h5tools_print_virtual_selection prints it. */
static void print_selection(c5dump_ctx *x, const vsel *s, int indent)
{
    if (s->kind == 0 || s->kind == 1) {
        line(x, indent, "%s", s->kind == 0 ? "SELECTION NONE" : "SELECTION ALL");
        return;
    }
    if (s->kind == 3) {
        /* SELECTION IRREGULAR_HYPERSLAB { then the blocks (s)-(e), ... */
        c5_rd r = s->blocks;
        line(x, indent, "SELECTION IRREGULAR_HYPERSLAB { ");
        for (int i = 0; i <= indent; i++)
            fputs("   ", x->out);
        for (uint64_t b = 0; b < s->nblocks; b++) {
            uint64_t lo[C5_MAX_RANK], hi[C5_MAX_RANK];
            for (unsigned u = 0; u < s->rank; u++)
                lo[u] = c5_rd_uint(&r, s->enc);
            for (unsigned u = 0; u < s->rank; u++)
                hi[u] = c5_rd_uint(&r, s->enc);
            fputs(b ? ", " : "", x->out);
            for (unsigned u = 0; u < s->rank; u++)
                fprintf(x->out, "%s%" PRIu64, u ? "," : "(", lo[u]);
            for (unsigned u = 0; u < s->rank; u++)
                fprintf(x->out, "%s%" PRIu64, u ? "," : ")-(", hi[u]);
            fputs(")", x->out);
        }
        fputc('\n', x->out);
        line(x, indent, "}");
        return;
    }
    static const char *const label[4] = {"START", "STRIDE", "COUNT", "BLOCK"};
    line(x, indent, "SELECTION REGULAR_HYPERSLAB { ");
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i <= indent; i++)
            fputs("   ", x->out);
        fprintf(x->out, "%s ", label[k]);
        for (unsigned u = 0; u < s->rank; u++) {
            fputs(u ? "," : "(", x->out);
            if (k >= 2 && s->v[k][u] == C5_UNLIMITED)
                fputs("H5S_UNLIMITED", x->out);
            else
                fprintf(x->out, "%" PRIu64, s->v[k][u]);
        }
        fputs(")\n", x->out);
    }
    line(x, indent, "}");
}

/* The mapping block: version (1), entry count (length size), then per entry
 * source file name, source dataset name, source selection, virtual
 * selection; a checksum closes it. Each mapping prints its virtual
 * selection first. */
static void print_virtual(c5dump_ctx *x, c5_object *ds, int indent)
{
    c5_file *f = ds->f;
    c5_rd r;
    const c5_mbody *lb = &ds->layout_body;
    c5_rd_init(&r, f, lb->p, lb->n, lb->addr, "layout message");
    c5_rd_skip(&r, 2);
    uint64_t heap = c5_rd_addr(&r);
    uint32_t idx = c5_rd_u32(&r);
    if (r.err || heap == C5_UNDEF)
        return;
    uint8_t *blk = NULL;
    size_t n = 0;
    if (c5_gheap_read(f, heap, idx, &blk, &n) || n < 5u + f->lsz) {
        c5_free(f, blk);
        return;
    }
    c5_rd_init(&r, f, blk, n - 4, C5_UNDEF, "virtual dataset mapping block");
    c5_rd_skip(&r, 1);
    uint64_t nent = c5_rd_len(&r);
    for (uint64_t e = 0; e < nent && !r.err && c5_rd_left(&r); e++) {
        const char *name[2];
        int ok = 1;
        for (int i = 0; i < 2 && ok; i++) {
            const uint8_t *nul = memchr(r.p, 0, c5_rd_left(&r));
            if (!nul) {
                ok = 0;
                break;
            }
            name[i] = (const char *)r.p;
            c5_rd_skip(&r, (size_t)(nul - r.p) + 1);
        }
        vsel src, vir;
        if (!ok || decode_selection(&r, &src) || decode_selection(&r, &vir))
            break;
        line(x, indent, "MAPPING %" PRIu64 " { ", e);
        line(x, indent + 1, "VIRTUAL {");
        print_selection(x, &vir, indent + 2);
        line(x, indent + 1, "}");
        line(x, indent + 1, "SOURCE {");
        line(x, indent + 2, "FILE \"%s\"", name[0]);
        line(x, indent + 2, "DATASET \"%s\"", name[1]);
        print_selection(x, &src, indent + 2);
        line(x, indent + 1, "}");
        line(x, indent, "}");
    }
    c5_free(f, blk);
}

/* ---- -p ------------------------------------------------------------------ */

static const char *alloc_name(int a)
{
    switch (a) {
    case 1: return "H5D_ALLOC_TIME_EARLY";
    case 2: return "H5D_ALLOC_TIME_LATE";
    case 3: return "H5D_ALLOC_TIME_INCR";
    default: return ""; /* h5dump prints nothing (its assert is off) */
    }
}

static const char *fill_time_name(int t)
{
    switch (t) {
    case 0: return "H5D_FILL_TIME_ALLOC";
    case 1: return "H5D_FILL_TIME_NEVER";
    case 2: return "H5D_FILL_TIME_IFSET";
    default: return "";
    }
}

static void print_filters(c5dump_ctx *x, const c5_pipeline *pl, int indent)
{
    line(x, indent, "FILTERS {");
    if (pl->n == 0)
        line(x, indent + 1, "NONE");
    for (int i = 0; i < pl->n; i++) {
        const c5_pfilter *fl = &pl->f[i];
        /* h5dump prints client data with %d: values above INT_MAX come out
         * negative, and missing ones as whatever its buffer held (0 here). */
        int cd0 = fl->ncd > 0 ? (int)fl->cd[0] : 0;
        int cd1 = fl->ncd > 1 ? (int)fl->cd[1] : 0;
        switch (fl->id) {
        case C5_FILTER_DEFLATE:
            line(x, indent + 1, "COMPRESSION DEFLATE { LEVEL %d }", cd0);
            break;
        case C5_FILTER_SHUFFLE:
            line(x, indent + 1, "PREPROCESSING SHUFFLE");
            break;
        case C5_FILTER_FLETCHER32:
            line(x, indent + 1, "CHECKSUM FLETCHER32");
            break;
        case C5_FILTER_SZIP: {
            /* H5_SZIP_* option mask bits */
            unsigned mask = (unsigned)cd0;
            line(x, indent + 1, "COMPRESSION SZIP {");
            line(x, indent + 2, "PIXELS_PER_BLOCK %d", cd1);
            line_opt(x, indent + 2, mask & 2 ? "MODE HARDWARE" : mask & 1 ? "MODE K13" : "");
            line_opt(x, indent + 2,
                     mask & 4 ? "CODING ENTROPY" : mask & 32 ? "CODING NEAREST NEIGHBOUR" : "");
            line_opt(x, indent + 2,
                     mask & 8 ? "BYTE_ORDER LSB" : mask & 16 ? "BYTE_ORDER MSB" : "");
            if (mask & 128)
                line(x, indent + 2, "HEADER RAW");
            line(x, indent + 1, "}");
            break;
        }
        case C5_FILTER_NBIT:
            line(x, indent + 1, "COMPRESSION NBIT");
            break;
        case C5_FILTER_SCALEOFFSET:
            line(x, indent + 1, "COMPRESSION SCALEOFFSET { MIN BITS %d }", cd0);
            break;
        default:
            line(x, indent + 1, "USER_DEFINED_FILTER {");
            line(x, indent + 2, "FILTER_ID %d", (int)fl->id);
            if (fl->name && fl->name[0])
                line(x, indent + 2, "COMMENT %s", fl->name);
            if (fl->ncd) {
                for (int k = 0; k < indent + 2; k++)
                    fputs("   ", x->out);
                fputs("PARAMS { ", x->out);
                for (size_t j = 0; j < fl->ncd; j++)
                    fprintf(x->out, "%d ", (int)fl->cd[j]);
                fputs("}\n", x->out);
            }
            line(x, indent + 1, "}");
            break;
        }
    }
    line(x, indent, "}");
}

static void print_fill(c5dump_ctx *x, c5_object *ds, int indent)
{
    c5_file *f = ds->f;
    fillinfo fi;
    c5_mbody body;
    fill_info(ds, &fi, &body);
    line(x, indent, "FILLVALUE {");
    line(x, indent + 1, "FILL_TIME %s", fill_time_name(fi.fill_time));
    if (fi.status == FV_USER && fi.size >= ds->type->size) {
        sbuf b = {0};
        fmt m = {.f = f, .b = &b};
        int rc = fmt_value(&m, ds->type, fi.value, indent + 1, 0);
        if (rc == 0 && !b.err)
            line(x, indent + 1, "VALUE  %s", b.s ? b.s : "");
        else
            line(x, indent + 1, "VALUE  H5D_FILL_VALUE_DEFAULT");
        free(b.s);
    } else {
        line(x, indent + 1, "VALUE  %s",
             fi.status == FV_UNDEFINED ? "H5D_FILL_VALUE_UNDEFINED" : "H5D_FILL_VALUE_DEFAULT");
    }
    line(x, indent, "}");
    if (ds->layout.cls != C5_LAYOUT_VIRTUAL) {
        line(x, indent, "ALLOCATION_TIME {");
        line_opt(x, indent + 1, alloc_name(fi.alloc_time));
        line(x, indent, "}");
    }
    c5_mbody_free(f, &body);
}

void c5dump_props(c5dump_ctx *x, c5_object *ds, int indent)
{
    c5_dataset_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    /* loads (and for writable files syncs) the dataset description */
    if (!x || !ds || c5_dataset_get_opts(&opts, ds) || !ds->type)
        return;
    c5_file *f = ds->f;
    const c5_layout *l = &ds->layout;

    /* The pipeline as libhdf5 keeps it in the creation property list:
     * whatever the layout, with every client data value. */
    c5_pipeline pl;
    memset(&pl, 0, sizeof pl);
    size_t pos = 0;
    c5_mbody b;
    if (c5_ohdr_find(f, ds->oh, C5_MSG_PIPELINE, &pos, &b) == 0) {
        if (c5_pipeline_decode(f, &b, &pl))
            memset(&pl, 0, sizeof pl);
        c5_mbody_free(f, &b);
    }

    line(x, indent, "STORAGE_LAYOUT {");
    switch (l->cls) {
    case C5_LAYOUT_CHUNKED: {
        int rank = l->ndims - 1;
        for (int i = 0; i <= indent; i++)
            fputs("   ", x->out);
        fprintf(x->out, "CHUNKED ( %" PRIu64, rank > 0 ? l->chunk[0] : 0);
        for (int i = 1; i < rank; i++)
            fprintf(x->out, ", %" PRIu64, l->chunk[i]);
        fputs(" )\n", x->out);
        uint64_t size = chunked_size(ds, pl.n > 0);
        if (pl.n && ds->space.cls == C5_SPACE_SIMPLE && ds->space.rank > 0) {
            /* compression ratio = uncompressed size / stored size */
            double ratio = 0;
            if (size)
                ratio = (double)nelem(&ds->space) * (double)h5_mem_size(ds->type, 0) /
                        (double)size;
            line(x, indent + 1, "SIZE %" PRIu64 " (%.3f:1 COMPRESSION)", size, ratio);
        } else {
            line(x, indent + 1, "SIZE %" PRIu64, size);
        }
        break;
    }
    case C5_LAYOUT_COMPACT:
        line(x, indent + 1, "COMPACT");
        line(x, indent + 1, "SIZE %" PRIu64, l->size);
        break;
    case C5_LAYOUT_CONTIG:
        line(x, indent + 1, "CONTIGUOUS");
        if (ds->efl.n) {
            line(x, indent + 1, "EXTERNAL {");
            for (size_t i = 0; i < ds->efl.n; i++) {
                const c5_efl_slot *s = &ds->efl.slot[i];
                line(x, indent + 2, "FILENAME %s SIZE %" PRIu64 " OFFSET %lld",
                     s->name ? s->name : "", s->size, (long long)s->offset);
            }
            line(x, indent + 1, "}");
        } else {
            uint64_t size = 0;
            if (l->addr != C5_UNDEF) {
                if (l->version >= 3) {
                    size = l->size;
                } else {
                    uint64_t n = nelem(&ds->space);
                    if (n == UINT64_MAX || c5_mul_ovf(n, ds->type->size, &size))
                        size = 0;
                }
            }
            line(x, indent + 1, "SIZE %" PRIu64, size);
            /* H5Dget_offset adds the user block size even to the undefined
             * address (unsigned wrap-around, as libhdf5 computes it) */
            line(x, indent + 1, "OFFSET %" PRIu64, l->addr + f->base);
        }
        break;
    case C5_LAYOUT_VIRTUAL:
        print_virtual(x, ds, indent + 1);
        break;
    default:
        line(x, indent, "Unknown layout");
        break;
    }
    line(x, indent, "}");

    if (l->cls != C5_LAYOUT_VIRTUAL)
        print_filters(x, &pl, indent);
    c5_pipeline_free(f, &pl);
    print_fill(x, ds, indent);
}

/* ---- -B ------------------------------------------------------------------ */

void c5dump_superblock(c5dump_ctx *x, int indent)
{
    c5_file *f = x->f;
    c5_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.size = sizeof fi;
    if (c5_file_get_info(f, &fi))
        return;
    unsigned sym_ik = f->btree_k, sym_lk = f->sym_leaf_k, istore_k = f->chunk_k;
    const char *strategy = "H5F_FSPACE_STRATEGY_FSM_AGGR";
    int persist = 0;
    uint64_t threshold = 1, page = 4096;

    /* Superblock v2/v3 keep the B-tree K values and the file space
     * settings in messages of the superblock extension. */
    if (f->sb_version >= 2 && f->ext_addr != C5_UNDEF) {
        c5_ohdr *ext = NULL;
        if (c5_ohdr_load(f, f->ext_addr, &ext) == 0) {
            size_t pos = 0;
            c5_mbody b;
            /* B-tree 'K' values: version, chunk index K, group internal K,
             * group leaf K (2 bytes each) */
            if (c5_ohdr_find(f, ext, C5_MSG_BTREEK, &pos, &b) == 0) {
                c5_rd r;
                c5_rd_init(&r, f, b.p, b.n, b.addr, "B-tree K values message");
                c5_rd_skip(&r, 1);
                unsigned ck = c5_rd_u16(&r), gik = c5_rd_u16(&r), glk = c5_rd_u16(&r);
                if (!r.err) {
                    istore_k = ck;
                    sym_ik = gik;
                    sym_lk = glk;
                }
                c5_mbody_free(f, &b);
            }
            /* File space info v1: strategy, persist, threshold, page
             * size, ... Version 0 messages (written by 1.10.0 pre-releases)
             * are ignored by libhdf5 1.10.8, which reports the defaults for
             * them whatever they hold. */
            pos = 0;
            if (c5_ohdr_find(f, ext, C5_MSG_FSINFO, &pos, &b) == 0) {
                c5_rd r;
                c5_rd_init(&r, f, b.p, b.n, b.addr, "file space info message");
                unsigned ver = c5_rd_u8(&r);
                unsigned st = c5_rd_u8(&r);
                int ps = c5_rd_u8(&r);
                uint64_t th = c5_rd_len(&r), pg = c5_rd_len(&r);
                if (!r.err && ver >= 1) {
                    static const char *const names[] = {
                        "H5F_FSPACE_STRATEGY_FSM_AGGR", "H5F_FSPACE_STRATEGY_PAGE",
                        "H5F_FSPACE_STRATEGY_AGGR", "H5F_FSPACE_STRATEGY_NONE"};
                    strategy = st < 4 ? names[st] : "Unknown strategy";
                    persist = ps != 0;
                    threshold = th;
                    page = pg;
                }
                c5_mbody_free(f, &b);
            }
            c5_ohdr_free(f, ext);
        }
    }

    line(x, indent, "SUPER_BLOCK {");
    line(x, indent + 1, "SUPERBLOCK_VERSION %d", fi.superblock_version);
    /* free-space, symbol-table and shared-header versions: the constants
     * H5Fget_info2 reports */
    line(x, indent + 1, "FREELIST_VERSION 0");
    line(x, indent + 1, "SYMBOLTABLE_VERSION 0");
    line(x, indent + 1, "OBJECTHEADER_VERSION 0");
    line(x, indent + 1, "OFFSET_SIZE %d", fi.offset_size);
    line(x, indent + 1, "LENGTH_SIZE %d", fi.length_size);
    line(x, indent + 1, "BTREE_RANK %u", sym_ik);
    line(x, indent + 1, "BTREE_LEAF %d", (int)sym_lk);
    line(x, indent + 1, "ISTORE_K %u", istore_k);
    line(x, indent + 1, "FILE_SPACE_STRATEGY %s", strategy);
    line(x, indent + 1, "FREE_SPACE_PERSIST %s", persist ? "TRUE" : "FALSE");
    line(x, indent + 1, "FREE_SPACE_SECTION_THRESHOLD %" PRIu64, threshold);
    line(x, indent + 1, "FILE_SPACE_PAGE_SIZE %" PRIu64, page);
    line(x, indent + 1, "USER_BLOCK {");
    line(x, indent + 2, "USERBLOCK_SIZE %" PRIu64, fi.userblock_size);
    line(x, indent + 1, "}");
    line(x, indent, "}");
}
