/* Object header message bodies (spec IV.A.2): dataspace, layout, fill
 * value, external file list, link, link info, attribute info, attribute.
 *
 * Dataspace (IV.A.2.b)  v1: 1 version, 1 rank, 1 flags, 1 reserved,
 *   4 reserved, rank x L dims, [rank x L max dims if flags & 1],
 *   [rank x L permutation if flags & 2];  v2: 1 version, 1 rank, 1 flags,
 *   1 type (0 scalar, 1 simple, 2 null), dims, [max dims].
 * Layout (IV.A.2.i)  v1/v2: 1 version, 1 dimensionality, 1 class,
 *   5 reserved, [O address unless compact], dims x 4 bytes (chunked: the
 *   last is the element size), [4 size + data if compact];
 *   v3/v4: 1 version, 1 class, then per class: compact 2 size + data;
 *   contiguous O address + L size; chunked v3: 1 dimensionality, O address,
 *   dims x 4; chunked v4: 1 flags, 1 dimensionality, 1 dim width,
 *   dims x width, 1 index type, index info, O address.
 * Fill value (IV.A.2.f)  v1/v2: 1 version, 1 alloc time, 1 write time,
 *   1 defined, [4 size + value when defined]; v3: 1 version,
 *   1 flags (alloc time bits 0-1, write time 2-3, undefined 4, have value 5),
 *   [4 size + value].  Old fill value (IV.A.2.e): 4 size + value.
 * External file list (IV.A.2.h): 1 version, 3 reserved, 2 allocated slots,
 *   2 used slots, O heap address, slots of (L name offset, L offset, L size).
 * Link (IV.A.2.g): 1 version, 1 flags, [1 type if flags & 8],
 *   [8 creation order if flags & 4], [1 charset if flags & 0x10],
 *   (1 << (flags & 3)) bytes name length, name, link info by type.
 * Link info (IV.A.2.c) / attribute info (IV.A.2.v): 1 version, 1 flags,
 *   [8 (links) or 2 (attributes) max creation index if flags & 1],
 *   O fractal heap, O name index B-tree, [O creation order index if flags & 2].
 * Attribute (IV.A.2.m): v1: 1 version, 1 reserved, 2 name size, 2 type size,
 *   2 space size, name/type/space each padded to 8, data; v2: 1 version,
 *   1 flags, sizes, unpadded; v3: adds 1 charset after the sizes.
 */
#include "format.h"
#include "../type.h"

int c5_space_decode(c5_file *f, const c5_mbody *b, c5_space *out)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "dataspace message");
    memset(out, 0, sizeof *out);
    int ver = c5_rd_u8(&r);
    int rank = c5_rd_u8(&r);
    int flags = c5_rd_u8(&r);
    int type = 1;
    if (ver == 1) {
        c5_rd_skip(&r, 5);
        type = rank == 0 ? C5_SPACE_SCALAR : C5_SPACE_SIMPLE;
    } else if (ver == 2) {
        type = c5_rd_u8(&r);
    } else {
        return c5_fail(f, C5_ECORRUPT, b->addr, "dataspace message: version %d", ver);
    }
    if (r.err)
        return r.err;
    if (rank > C5_MAX_RANK)
        return c5_fail(f, C5_ECORRUPT, b->addr, "dataspace message: rank %d", rank);
    if ((type == 0 || type == 2) && rank != 0)
        return c5_fail(f, C5_ECORRUPT, b->addr, "dataspace message: %s with rank %d",
                       type ? "null" : "scalar", rank);
    if (type == 0) {
        out->cls = C5_SPACE_SCALAR;
        return 0;
    }
    if (type == 2) {
        out->cls = C5_SPACE_NULL;
        return 0;
    }
    if (type != 1)
        return c5_fail(f, C5_ECORRUPT, b->addr, "dataspace message: type %d", type);
    out->cls = C5_SPACE_SIMPLE;
    out->rank = rank;
    for (int i = 0; i < rank; i++)
        out->dims[i] = c5_rd_len(&r);
    for (int i = 0; i < rank; i++)
        out->maxdims[i] = (flags & 1) ? c5_rd_len(&r) : out->dims[i];
    if (r.err)
        return r.err;
    for (int i = 0; i < rank; i++)
        if (out->dims[i] == C5_UNDEF)
            return c5_fail(f, C5_ECORRUPT, b->addr, "dataspace message: undefined dimension");
    return 0;
}

int c5_layout_decode(c5_file *f, const c5_mbody *b, c5_layout *out)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "layout message");
    memset(out, 0, sizeof *out);
    out->addr = C5_UNDEF;
    int ver = out->version = c5_rd_u8(&r);
    if (ver == 1 || ver == 2) {
        int nd = c5_rd_u8(&r);
        out->cls = c5_rd_u8(&r);
        c5_rd_skip(&r, 5);
        if (nd < 1 || nd > C5_MAX_RANK + 1)
            return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: dimensionality %d", nd);
        if (out->cls != C5_LAYOUT_COMPACT)
            out->addr = c5_rd_addr(&r);
        out->ndims = nd;
        for (int i = 0; i < nd; i++)
            out->chunk[i] = c5_rd_u32(&r);
        if (out->cls == C5_LAYOUT_CHUNKED) {
            /* The last dimension is the element size; the separate element
             * size field the spec lists is not written by any libhdf5. */
        } else if (out->cls == C5_LAYOUT_COMPACT) {
            out->size = c5_rd_u32(&r);
            out->compact = c5_rd_bytes(&r, (size_t)out->size);
        } else if (out->cls == C5_LAYOUT_CONTIG) {
            out->size = C5_UNDEF; /* computed from the dataspace by the caller */
        }
    } else if (ver == 3 || ver == 4) {
        out->cls = c5_rd_u8(&r);
        switch (out->cls) {
        case C5_LAYOUT_COMPACT:
            out->size = c5_rd_u16(&r);
            out->compact = c5_rd_bytes(&r, (size_t)out->size);
            break;
        case C5_LAYOUT_CONTIG:
            out->addr = c5_rd_addr(&r);
            out->size = c5_rd_len(&r);
            break;
        case C5_LAYOUT_CHUNKED:
            if (ver == 3) {
                out->ndims = c5_rd_u8(&r);
                if (out->ndims < 2 || out->ndims > C5_MAX_RANK + 1)
                    return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: dimensionality %d",
                                   out->ndims);
                out->addr = c5_rd_addr(&r);
                for (int i = 0; i < out->ndims; i++)
                    out->chunk[i] = c5_rd_u32(&r);
                out->index_type = 0;
            } else {
                out->flags = c5_rd_u8(&r);
                out->ndims = c5_rd_u8(&r);
                unsigned w = c5_rd_u8(&r);
                if (out->ndims < 2 || out->ndims > C5_MAX_RANK + 1 || w < 1 || w > 8)
                    return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: bad chunk dims");
                for (int i = 0; i < out->ndims; i++)
                    out->chunk[i] = c5_rd_uint(&r, w);
                out->index_type = c5_rd_u8(&r);
                /* Index-specific fields are decoded by the chunk layer; the
                 * address is the last field. */
                out->idx_info = r.p;
                switch (out->index_type) {
                case 1: if (out->flags & 2) c5_rd_skip(&r, (size_t)f->lsz + 4); break;
                case 2: break;
                case 3: c5_rd_skip(&r, 1); break;
                case 4: c5_rd_skip(&r, 5); break;
                case 5: c5_rd_skip(&r, 6); break;
                default:
                    return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: chunk index type %d",
                                   out->index_type);
                }
                out->idx_info_len = (size_t)(r.p - out->idx_info);
                out->addr = c5_rd_addr(&r);
            }
            break;
        case C5_LAYOUT_VIRTUAL:
            if (ver != 4)
                return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: virtual in v3");
            out->addr = c5_rd_addr(&r);
            break;
        default:
            return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: class %d", out->cls);
        }
    } else {
        return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: version %d", ver);
    }
    if (r.err)
        return r.err;
    if (out->cls > C5_LAYOUT_CHUNKED && ver < 4)
        return c5_fail(f, C5_ECORRUPT, b->addr, "layout message: class %d", out->cls);
    return 0;
}

int c5_fill_decode(c5_file *f, const c5_mbody *b, int old, c5_fill *out)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "fill value message");
    memset(out, 0, sizeof *out);
    if (old) {
        out->size = c5_rd_u32(&r);
        out->value = c5_rd_bytes(&r, out->size);
        out->defined = out->size > 0;
        return r.err;
    }
    int ver = c5_rd_u8(&r);
    if (ver == 1 || ver == 2) {
        out->alloc_time = c5_rd_u8(&r);
        out->write_time = c5_rd_u8(&r);
        int defined = c5_rd_u8(&r);
        if (defined) { /* size and value follow only when defined */
            out->size = c5_rd_u32(&r);
            out->value = c5_rd_bytes(&r, out->size);
        }
        out->defined = defined && out->size > 0;
    } else if (ver == 3) {
        int flags = c5_rd_u8(&r);
        out->alloc_time = flags & 3;
        out->write_time = (flags >> 2) & 3;
        if (flags & 0x20) {
            out->size = c5_rd_u32(&r);
            out->value = c5_rd_bytes(&r, out->size);
            out->defined = out->size > 0;
        }
    } else {
        return c5_fail(f, C5_ECORRUPT, b->addr, "fill value message: version %d", ver);
    }
    return r.err;
}

int c5_efl_decode(c5_file *f, const c5_mbody *b, c5_efl *out)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "external file list message");
    memset(out, 0, sizeof *out);
    int ver = c5_rd_u8(&r);
    c5_rd_skip(&r, 3);
    (void)c5_rd_u16(&r);
    unsigned used = c5_rd_u16(&r);
    uint64_t heap = c5_rd_addr(&r);
    if (r.err)
        return r.err;
    if (ver != 1)
        return c5_fail(f, C5_ECORRUPT, b->addr, "external file list: version %d", ver);
    if ((uint64_t)used * 3 * f->lsz > c5_rd_left(&r))
        return c5_fail(f, C5_ECORRUPT, b->addr, "external file list: %u slots overrun", used);
    c5_lheap h;
    int rc = c5_lheap_load(f, heap, &h);
    if (rc)
        return rc;
    out->slot = c5_calloc(f, used ? used : 1, sizeof *out->slot);
    if (!out->slot) {
        c5_lheap_free(f, &h);
        return c5_fail(f, C5_ENOMEM, b->addr, "out of memory");
    }
    for (unsigned i = 0; i < used && !rc; i++) {
        uint64_t noff = c5_rd_len(&r);
        out->slot[i].offset = c5_rd_len(&r);
        out->slot[i].size = c5_rd_len(&r);
        const char *name;
        rc = c5_lheap_str(f, &h, noff, &name);
        if (!rc && !(out->slot[i].name = c5_strdup(f, name)))
            rc = c5_fail(f, C5_ENOMEM, b->addr, "out of memory");
        out->n = i + 1;
    }
    c5_lheap_free(f, &h);
    if (rc)
        c5_efl_free(f, out);
    return rc;
}

void c5_efl_free(c5_file *f, c5_efl *e)
{
    for (size_t i = 0; i < e->n; i++)
        c5_free(f, e->slot[i].name);
    c5_free(f, e->slot);
    memset(e, 0, sizeof *e);
}

static char *take_str(c5_rd *r, size_t n)
{
    const uint8_t *s = c5_rd_bytes(r, n);
    if (!s)
        return NULL;
    char *d = c5_strndup(r->f, (const char *)s, n);
    if (!d) {
        r->err = c5_fail(r->f, C5_ENOMEM, C5_UNDEF, "out of memory");
    } else if (strlen(d) != n) {
        /* embedded NUL: keep what precedes it, as libhdf5 effectively does */
    }
    return d;
}

int c5_link_decode(c5_file *f, const uint8_t *p, size_t n, uint64_t addr, c5_linkrec *out)
{
    c5_rd r;
    c5_rd_init(&r, f, p, n, addr, "link message");
    memset(out, 0, sizeof *out);
    out->addr = C5_UNDEF;
    int ver = c5_rd_u8(&r);
    int flags = c5_rd_u8(&r);
    if (r.err)
        return r.err;
    if (ver != 1)
        return c5_fail(f, C5_ECORRUPT, addr, "link message: version %d", ver);
    out->type = (flags & 0x08) ? c5_rd_u8(&r) : C5_LINK_HARD;
    if (flags & 0x04) {
        out->corder = (int64_t)c5_rd_u64(&r);
        out->has_corder = 1;
    }
    out->cset = (flags & 0x10) ? c5_rd_u8(&r) : 0;
    uint64_t nlen = c5_rd_uint(&r, 1u << (flags & 3));
    if (r.err)
        return r.err;
    if (nlen == 0 || nlen > c5_rd_left(&r))
        return c5_fail(f, C5_ECORRUPT, addr, "link message: name length %llu",
                       (unsigned long long)nlen);
    out->name = take_str(&r, (size_t)nlen);
    if (out->type == C5_LINK_HARD) {
        out->addr = c5_rd_addr(&r);
    } else if (out->type == C5_LINK_SOFT) {
        size_t l = c5_rd_u16(&r);
        out->target = take_str(&r, l);
    } else {
        size_t l = c5_rd_u16(&r);
        const uint8_t *d = c5_rd_bytes(&r, l);
        if (d && out->type != C5_LINK_EXTERNAL) {
            /* a user-defined link's value: opaque bytes */
            if (!(out->target = c5_malloc(f, l + 1)))
                r.err = c5_fail(f, C5_ENOMEM, addr, "out of memory");
            else {
                memcpy(out->target, d, l);
                out->target[l] = 0;
                out->udlen = l;
            }
        } else if (d && out->type == C5_LINK_EXTERNAL) {
            /* 1 byte version/flags, file name NUL, object path NUL */
            const uint8_t *e = d + l;
            const uint8_t *fn = d + 1;
            const uint8_t *z = l > 1 ? memchr(fn, 0, (size_t)(e - fn)) : NULL;
            if (!z) {
                c5_linkrec_free(f, out);
                return c5_fail(f, C5_ECORRUPT, addr, "external link: malformed target");
            }
            const uint8_t *op = z + 1;
            const uint8_t *z2 = op < e ? memchr(op, 0, (size_t)(e - op)) : NULL;
            out->target_file = c5_strndup(f, (const char *)fn, (size_t)(z - fn));
            out->target = c5_strndup(f, (const char *)op, z2 ? (size_t)(z2 - op) : (size_t)(e - op));
            if (!out->target_file || !out->target)
                r.err = c5_fail(f, C5_ENOMEM, addr, "out of memory");
        }
    }
    if (!r.err && (!out->name || (out->type == C5_LINK_SOFT && !out->target)))
        r.err = C5_ECORRUPT;
    if (r.err) {
        c5_linkrec_free(f, out);
        return r.err;
    }
    return 0;
}

void c5_linkrec_free(c5_file *f, c5_linkrec *l)
{
    c5_free(f, l->name);
    c5_free(f, l->target);
    c5_free(f, l->target_file);
    memset(l, 0, sizeof *l);
}

static int info_decode(c5_file *f, const c5_mbody *b, size_t cwidth, const char *what, int *track,
                       int *index, uint64_t *heap, uint64_t *name, uint64_t *corder)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, what);
    int ver = c5_rd_u8(&r);
    int flags = c5_rd_u8(&r);
    if (!r.err && ver != 0)
        return c5_fail(f, C5_ECORRUPT, b->addr, "%s: version %d", what, ver);
    *track = flags & 1;
    *index = (flags >> 1) & 1;
    if (flags & 1)
        c5_rd_skip(&r, cwidth);
    *heap = c5_rd_addr(&r);
    *name = c5_rd_addr(&r);
    *corder = (flags & 2) ? c5_rd_addr(&r) : C5_UNDEF;
    return r.err;
}

int c5_linfo_decode(c5_file *f, const c5_mbody *b, c5_linfo *o)
{
    return info_decode(f, b, 8, "link info message", &o->track_corder, &o->index_corder, &o->fheap,
                       &o->name_bt2, &o->corder_bt2);
}

int c5_ainfo_decode(c5_file *f, const c5_mbody *b, c5_ainfo *o)
{
    return info_decode(f, b, 2, "attribute info message", &o->track_corder, &o->index_corder,
                       &o->fheap, &o->name_bt2, &o->corder_bt2);
}

int c5_type_from_body(c5_file *f, const c5_mbody *b, c5_type **out)
{
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "datatype message");
    int rc = c5_type_decode(f, &r, out);
    if (!rc) {
        (*out)->committed = b->committed;
        (*out)->cfile = f;
    }
    return rc;
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

int c5_attrmsg_decode(c5_file *f, const uint8_t *p, size_t n, uint64_t addr, c5_attrmsg *out)
{
    c5_rd r;
    c5_rd_init(&r, f, p, n, addr, "attribute message");
    memset(out, 0, sizeof *out);
    int ver = c5_rd_u8(&r);
    int flags = c5_rd_u8(&r);
    size_t nsz = c5_rd_u16(&r), tsz = c5_rd_u16(&r), ssz = c5_rd_u16(&r);
    if (r.err)
        return r.err;
    if (ver < 1 || ver > 3)
        return c5_fail(f, C5_ECORRUPT, addr, "attribute message: version %d", ver);
    if (ver == 3)
        out->cset = c5_rd_u8(&r);
    size_t pn = ver == 1 ? pad8(nsz) : nsz, pt = ver == 1 ? pad8(tsz) : tsz,
           ps = ver == 1 ? pad8(ssz) : ssz;
    c5_rd rn = c5_rd_sub(&r, pn), rt = c5_rd_sub(&r, pt), rs = c5_rd_sub(&r, ps);
    if (r.err)
        return r.err;
    if (nsz == 0)
        return c5_fail(f, C5_ECORRUPT, addr, "attribute message: empty name");
    const uint8_t *nm = c5_rd_bytes(&rn, nsz);
    size_t nl = nm ? strnlen((const char *)nm, nsz) : 0;
    out->name = c5_strndup(f, (const char *)nm, nl);
    if (!out->name)
        return c5_fail(f, C5_ENOMEM, addr, "out of memory");
    int rc;
    c5_mbody tb = {rt.p, tsz, c5_rd_pos(&rt), NULL, C5_UNDEF}, sb = {rs.p, ssz, c5_rd_pos(&rs),
                                                                     NULL, C5_UNDEF};
    if (flags & 1) {
        c5_mbody rb;
        if ((rc = c5_shared_resolve(f, C5_MSG_DATATYPE, tb.p, tb.n, tb.addr, 0, &rb)))
            goto fail;
        rc = c5_type_from_body(f, &rb, &out->type);
        c5_mbody_free(f, &rb);
    } else {
        rc = c5_type_from_body(f, &tb, &out->type);
    }
    if (rc)
        goto fail;
    if (flags & 2) {
        c5_mbody rb;
        if ((rc = c5_shared_resolve(f, C5_MSG_DATASPACE, sb.p, sb.n, sb.addr, 0, &rb)))
            goto fail;
        rc = c5_space_decode(f, &rb, &out->space);
        c5_mbody_free(f, &rb);
    } else {
        rc = c5_space_decode(f, &sb, &out->space);
    }
    if (rc)
        goto fail;
    out->data = r.p;
    out->data_size = c5_rd_left(&r);
    return 0;
fail:
    c5_attrmsg_free(f, out);
    return rc;
}

void c5_attrmsg_free(c5_file *f, c5_attrmsg *a)
{
    c5_free(f, a->name);
    if (a->type)
        c5_type_close(a->type);
    memset(a, 0, sizeof *a);
}
