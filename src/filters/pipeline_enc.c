/* The filter pipeline, write side: the public filter list turned into the
 * pipeline of a new dataset (libhdf5's "set local" step completing each
 * filter's client data), the forward pipeline run on each chunk, and the
 * filter pipeline message (spec IV.A.2.l, type 0x000B) encoded.
 *
 * Message layout: see pipeline.c (the decoder this inverts). Version 1:
 *   0  1  version            1  1  number of filters     2  6  reserved
 *   per filter: 2 id, 2 name length (with its NUL, padded to a multiple
 *   of 8), 2 flags, 2 number of client values, the name NUL-padded, 4 per
 *   client value, 4 zero bytes after an odd number of values.
 * Version 2: no reserved bytes; name length and name only for IDs >= 256,
 * not padded; no client-data padding.
 *
 * libhdf5 writes the name a filter was registered with when the pipeline
 * has none (H5O__pline_encode); set_local does the same here so version 1
 * messages read as libhdf5's do ("deflate", "lzf", ...). */
#include "core/internal.h"

#include "filter.h"

static const struct {
    uint16_t id;
    const char *name; /* the name libhdf5 or the plugin registers */
    c5_filter_encode_fn fn;
} encoders[] = {
    {1, "deflate", c5_filter_deflate_enc},
    {2, "shuffle", c5_filter_shuffle_enc},
    {3, "fletcher32", c5_filter_fletcher32_enc},
    {4, "szip", NULL},
    {5, "nbit", NULL},
    {6, "scaleoffset", c5_filter_scaleoffset_enc},
#ifdef C5_HAVE_LZO
    {305, "lzo", c5_filter_lzo_enc},
#else
    {305, "lzo", NULL},
#endif
#ifdef C5_HAVE_BZIP2
    {307, "HDF5 bzip2 filter; see http://www.hdfgroup.org/services/contributions.html",
     c5_filter_bzip2_enc},
#else
    {307, "HDF5 bzip2 filter; see http://www.hdfgroup.org/services/contributions.html", NULL},
#endif
    {32000, "lzf", c5_filter_lzf_enc},
    {32001, "blosc", c5_filter_blosc_enc},
    {32004, "HDF5 lz4 filter; see http://www.hdfgroup.org/services/contributions.html",
     c5_filter_lz4_enc},
};

static int find_enc(unsigned id)
{
    for (size_t i = 0; i < sizeof encoders / sizeof encoders[0]; i++)
        if (encoders[i].id == id)
            return (int)i;
    return -1;
}

int c5_filter_can_encode(unsigned id)
{
    int k = find_enc(id);
    return k >= 0 && encoders[k].fn != NULL;
}

static const char *filter_label(const c5_pfilter *flt)
{
    if (flt->name && flt->name[0])
        return flt->name;
    int k = find_enc(flt->id);
    return k >= 0 ? encoders[k].name : "unknown";
}

/* ---- public <-> internal ------------------------------------------------- */

int c5_pipeline_from_public(c5_file *f, const c5_filter *in, int n, c5_pipeline *out)
{
    memset(out, 0, sizeof *out);
    if (n < 0 || n > C5_MAX_FILTERS || (n > 0 && !in))
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline: %d filters (0..%d allowed)", n,
                       C5_MAX_FILTERS);
    for (int i = 0; i < n; i++) {
        const c5_filter *src = &in[i];
        c5_pfilter *dst = &out->f[i];
        int rc = 0;
        if (src->id == 0 || src->id > 65535)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "filter %d: id %u is not a filter id (1..65535)",
                         i, src->id);
        else if (src->flags & ~1u)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                         "filter %d (id %u): flags 0x%x (only bit 0, optional, is defined)", i,
                         src->id, src->flags);
        else if (src->ncd > C5_MAX_CD)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                         "filter %d (id %u): %zu client data values (at most %d)", i, src->id,
                         src->ncd, C5_MAX_CD);
        else if (!memchr(src->name, 0, sizeof src->name))
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "filter %d (id %u): name not NUL-terminated", i,
                         src->id);
        if (rc) {
            c5_pipeline_free(f, out);
            return rc;
        }
        out->n = i + 1;
        dst->id = (uint16_t)src->id;
        dst->flags = (uint16_t)src->flags;
        dst->ncd = src->ncd;
        if (src->ncd) {
            dst->cd = c5_malloc(f, src->ncd * sizeof *dst->cd);
            if (!dst->cd)
                goto nomem;
            for (size_t k = 0; k < src->ncd; k++)
                dst->cd[k] = src->cd[k];
        }
        if (src->name[0] && !(dst->name = c5_strdup(f, src->name)))
            goto nomem;
    }
    return 0;
nomem:
    c5_pipeline_free(f, out);
    return c5_fail(f, C5_ENOMEM, C5_UNDEF, "filter pipeline: out of memory");
}

void c5_pipeline_to_public(const c5_pipeline *p, c5_filter *out, int *n)
{
    int nf = p ? p->n : 0;
    if (nf > C5_MAX_FILTERS)
        nf = C5_MAX_FILTERS;
    for (int i = 0; i < nf; i++) {
        const c5_pfilter *src = &p->f[i];
        c5_filter *dst = &out[i];
        memset(dst, 0, sizeof *dst);
        dst->id = src->id;
        dst->flags = src->flags;
        dst->ncd = src->ncd < C5_MAX_CD ? src->ncd : C5_MAX_CD;
        for (size_t k = 0; k < dst->ncd; k++)
            dst->cd[k] = src->cd[k];
        if (src->name) {
            size_t len = strlen(src->name);
            if (len > sizeof dst->name - 1)
                len = sizeof dst->name - 1;
            memcpy(dst->name, src->name, len);
        }
    }
    *n = nf;
}

/* ---- set local ------------------------------------------------------------ */

/* Replace flt's client data by ncd values from cd. */
static int set_cd(c5_file *f, c5_pfilter *flt, const uint32_t *cd, size_t ncd)
{
    uint32_t *nc = NULL;
    if (ncd) {
        nc = c5_malloc(f, ncd * sizeof *nc);
        if (!nc)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "filter pipeline: out of memory");
        memcpy(nc, cd, ncd * sizeof *nc);
    }
    c5_free(f, flt->cd);
    flt->cd = nc;
    flt->ncd = ncd;
    return 0;
}

/* Copy of flt's values into cd[0..max), zero-filled; returns the count. */
static size_t get_cd(const c5_pfilter *flt, uint32_t *cd, size_t max)
{
    memset(cd, 0, max * sizeof *cd);
    size_t k = flt->ncd < max ? flt->ncd : max;
    for (size_t i = 0; i < k; i++)
        cd[i] = flt->cd[i];
    return flt->ncd;
}

#define SO_NPARMS 20

/* Scale-offset local parameters (libhdf5 H5Z__set_local_scaleoffset).
 * *why is set when cfive cannot encode the result. */
static int local_scaleoffset(c5_file *f, c5_pfilter *flt, const c5_type *type, uint64_t nelem,
                             const void *fill, const char **why)
{
    uint32_t cd[SO_NPARMS];
    size_t given = get_cd(flt, cd, 2);
    memset(cd + 2, 0, sizeof cd - 2 * sizeof *cd);
    c5_typeclass cls = c5_type_class(type);
    /* No values given: the class's own scaling with a computed minimum
     * (what H5Pset_scaleoffset(dcpl, H5Z_SO_INT or H5Z_SO_FLOAT_DSCALE,
     * 0) would store). */
    if (given == 0)
        cd[0] = cls == C5_CLASS_INTEGER ? 2 : 0;
    size_t size = c5_type_size(type);
    c5_byteorder order = c5_type_order(type);
    if (cls != C5_CLASS_INTEGER && cls != C5_CLASS_FLOAT)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "scale-offset filter: datatype class not supported (integers and "
                       "floating point only)");
    if (order != C5_ORDER_LE && order != C5_ORDER_BE)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "scale-offset filter: bad datatype byte order");
    if (nelem > UINT32_MAX)
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "scale-offset filter: %llu elements in a chunk (at most 2^32 - 1)",
                       (unsigned long long)nelem);
    int isint = cls == C5_CLASS_INTEGER;
    if (isint ? (size != 1 && size != 2 && size != 4 && size != 8) : (size != 4 && size != 8))
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "scale-offset filter: no C type of %zu bytes for this datatype", size);
    cd[2] = (uint32_t)nelem;
    cd[3] = isint ? 0 : 1;
    cd[4] = (uint32_t)size;
    cd[5] = isint && c5_type_is_signed(type) ? 1 : 0;
    cd[6] = order == C5_ORDER_BE ? 1 : 0;
    cd[7] = 1; /* libhdf5's default fill value (zero) counts as defined */
    if (fill) {
        /* The value as a native number, 4 bytes a client value. */
        const uint8_t *p = fill;
        uint64_t v = 0;
        for (size_t i = 0; i < size; i++)
            v |= (uint64_t)p[order == C5_ORDER_BE ? size - 1 - i : i] << (8 * i);
        cd[8] = (uint32_t)v;
        if (size > 4)
            cd[9] = (uint32_t)(v >> 32);
    }
    if (!isint && cd[0] != 0)
        *why = "floating-point data needs scale type 0 (D-scaling; E-scaling was never "
               "implemented)";
    else if (isint && cd[0] != 2)
        *why = "integer data needs scale type 2 (integer scaling)";
    else if (isint && (int32_t)cd[1] > (int32_t)(size * 8))
        *why = "minimum bits exceed the integer width";
    return set_cd(f, flt, cd, SO_NPARMS);
}

int c5_pipeline_set_local_fill(c5_file *f, c5_pipeline *p, const c5_type *type, int rank,
                               const uint64_t *chunk, const void *fill)
{
    if (!p || p->n == 0)
        return 0;
    if (!type || rank < 0 || rank > C5_MAX_RANK || (rank > 0 && !chunk))
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline: no datatype or chunk dims");
    size_t tsize = c5_type_size(type);
    uint64_t nelem = 1, cbytes;
    for (int i = 0; i < rank; i++)
        if (chunk[i] == 0 || c5_mul_ovf(nelem, chunk[i], &nelem))
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline: bad chunk dims");
    if (tsize == 0 || c5_mul_ovf(nelem, tsize, &cbytes))
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline: chunk size overflows");
    for (int i = 0; i < p->n && i < C5_MAX_FILTERS; i++) {
        c5_pfilter *flt = &p->f[i];
        const char *why = NULL;
        uint32_t cd[8];
        int rc = 0;
        switch (flt->id) {
        case C5_FILTER_DEFLATE:
            if (flt->ncd == 0) {
                cd[0] = 6;
                rc = set_cd(f, flt, cd, 1);
            }
            if (!rc && (flt->ncd != 1 || flt->cd[0] > 9))
                why = "deflate takes one value, a level 0..9";
            break;
        case C5_FILTER_SHUFFLE:
            cd[0] = (uint32_t)tsize;
            if (tsize > UINT32_MAX)
                why = "element size too large";
            rc = set_cd(f, flt, cd, 1);
            break;
        case C5_FILTER_FLETCHER32:
            break;
        case C5_FILTER_SCALEOFFSET:
            rc = local_scaleoffset(f, flt, type, nelem, fill, &why);
            break;
        case C5_FILTER_LZF: {
            /* h5py's lzf_set_local: three slots at least (up to eight kept),
             * revision and LZF version filled in when zero. */
            size_t k = get_cd(flt, cd, 8);
            k = k < 3 ? 3 : k > 8 ? 8 : k;
            if (!cd[0])
                cd[0] = 4;
            if (!cd[1])
                cd[1] = 0x0105;
            cd[2] = (uint32_t)cbytes;
            rc = set_cd(f, flt, cd, k);
            break;
        }
        case C5_FILTER_BLOSC: {
            /* hdf5-blosc's blosc_set_local. */
            size_t k = get_cd(flt, cd, 8);
            k = k < 4 ? 4 : k > 8 ? 8 : k;
            const c5_type *base = type;
            if (c5_type_class(type) == C5_CLASS_ARRAY && c5_type_base(type))
                base = c5_type_base(type);
            size_t bts = c5_type_size(base);
            cd[0] = 2; /* filter revision */
            cd[1] = 2; /* Blosc container format */
            cd[2] = bts > 255 ? 1 : (uint32_t)bts;
            cd[3] = (uint32_t)cbytes;
            rc = set_cd(f, flt, cd, k);
            if (!rc && ((k >= 5 && cd[4] > 9) || (k >= 6 && cd[5] > 2)))
                why = "blosc level must be 0..9 and shuffle 0..2";
            else if (!rc && k >= 7 && !c5_blosc_codec_ok((int)cd[6]))
                why = "this Blosc compressor is not available in cfive";
            break;
        }
        case C5_FILTER_LZ4:
            break;
        default:
            if (!c5_filter_can_encode(flt->id))
                why = "cfive has no encoder for it";
            break;
        }
        if (rc)
            return rc;
        if (!why && !c5_filter_can_encode(flt->id))
            why = "cfive has no encoder for it";
        if (why && !(flt->flags & 1))
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "filter %u (%s) cannot be written: %s (an optional filter would be "
                           "skipped)",
                           flt->id, filter_label(flt), why);
        int k = find_enc(flt->id);
        if (!flt->name && k >= 0 && !(flt->name = c5_strdup(f, encoders[k].name)))
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "filter pipeline: out of memory");
    }
    return 0;
}

int c5_pipeline_set_local(c5_file *f, c5_pipeline *p, const c5_type *type, int rank,
                          const uint64_t *chunk)
{
    return c5_pipeline_set_local_fill(f, p, type, rank, chunk, NULL);
}

/* ---- the forward pipeline ------------------------------------------------- */

static const char *enc_reason(int rc)
{
    switch (rc) {
    case C5_ERANGE: return "its output would not be smaller than its input";
    case C5_EINVAL: return "its client data are not usable";
    case C5_ENOFILTER: return "cfive cannot encode it";
    case C5_EUNSUPPORTED: return "not supported for this data";
    case C5_ELIMIT: return "the chunk is too large for it";
    case C5_ENOMEM: return "out of memory";
    default: return c5_strerror(rc);
    }
}

int c5_pipeline_encode(const c5_pipeline *p, const c5_filter_ctx *ctx, const uint8_t *in,
                       size_t n, uint8_t **out, size_t *outn, uint32_t *mask)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    *mask = 0;
    uint8_t *owned = NULL;
    const uint8_t *cur = in;
    size_t curn = n;
    int nf = p ? p->n : 0;
    if (nf > C5_MAX_FILTERS)
        nf = C5_MAX_FILTERS;
    for (int i = 0; i < nf; i++) {
        const c5_pfilter *flt = &p->f[i];
        int k = find_enc(flt->id);
        uint8_t *o = NULL;
        size_t on = 0;
        int rc = k >= 0 && encoders[k].fn ? encoders[k].fn(flt, ctx, cur, curn, &o, &on)
                                          : C5_ENOFILTER;
        if (rc) {
            c5_free(f, o);
            if (flt->flags & 1) {
                /* libhdf5: an optional filter that fails is skipped for
                 * this chunk and recorded in its filter mask. */
                *mask |= 1u << i;
                continue;
            }
            c5_free(f, owned);
            return c5_fail(f, rc, ctx->chunk_addr,
                           "filter %u (%s) failed on a chunk of %zu bytes: %s", flt->id,
                           filter_label(flt), curn, enc_reason(rc));
        }
        c5_free(f, owned);
        owned = o;
        cur = o;
        curn = on;
    }
    if (!owned) {
        owned = c5_malloc(f, n);
        if (!owned)
            return c5_fail(f, C5_ENOMEM, ctx->chunk_addr, "filter pipeline: out of memory");
        if (n)
            memcpy(owned, in, n);
    }
    *out = owned;
    *outn = curn;
    return 0;
}

/* ---- the message ------------------------------------------------------------ */

int c5_pipeline_msg_encode(c5_wr *w, const c5_pipeline *p, int version)
{
    c5_file *f = w->f;
    int nf = p ? p->n : 0;
    if (version != 1 && version != 2)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline message: version %d", version);
    if (nf < 0 || nf > C5_MAX_FILTERS)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "filter pipeline message: %d filters", nf);
    c5_wr_u8(w, (uint64_t)version);
    c5_wr_u8(w, (uint64_t)nf);
    if (version == 1)
        c5_wr_zero(w, 6);
    for (int i = 0; i < nf; i++) {
        const c5_pfilter *flt = &p->f[i];
        if (flt->ncd > 65535 || (flt->ncd && !flt->cd))
            return c5_fail(f, C5_EINVAL, C5_UNDEF,
                           "filter pipeline message: filter %u has %zu client values", flt->id,
                           flt->ncd);
        c5_wr_u16(w, flt->id);
        size_t nl = 0, stored = 0;
        if (version == 1 || flt->id >= 256) {
            nl = flt->name ? strlen(flt->name) + 1 : 0;
            stored = version == 1 ? (nl + 7) / 8 * 8 : nl;
            if (stored > 65535)
                return c5_fail(f, C5_EINVAL, C5_UNDEF,
                               "filter pipeline message: filter %u name too long", flt->id);
            c5_wr_u16(w, stored);
        }
        c5_wr_u16(w, flt->flags);
        c5_wr_u16(w, flt->ncd);
        if (nl) {
            c5_wr_bytes(w, flt->name, nl);
            c5_wr_zero(w, stored - nl);
        }
        for (size_t k = 0; k < flt->ncd; k++)
            c5_wr_u32(w, flt->cd[k]);
        if (version == 1 && (flt->ncd & 1))
            c5_wr_u32(w, 0);
    }
    if (w->err)
        return c5_fail(f, w->err, C5_UNDEF, "filter pipeline message: %s", c5_strerror(w->err));
    return 0;
}
