/* The filter pipeline message (spec IV.A.2.l "Data Storage - Filter
 * Pipeline Message", type 0x000B) and the reverse pipeline run on each
 * stored chunk.
 *
 * Version 1:
 *   offset  size  field
 *   0       1     version (1)
 *   1       1     number of filters (<= 32)
 *   2       6     reserved
 *   8       var   filter descriptions:
 *                   2  filter ID
 *                   2  name length, including the NUL, padded to a multiple of 8
 *                   2  flags (bit 0: optional)
 *                   2  number of client data values
 *                   var name (NUL-terminated, NUL-padded to the name length)
 *                   4 * n client data values
 *                   4  padding, present when the number of values is odd
 * Version 2: as version 1 without the 6 reserved bytes; the name length
 * field (and the name) exist only for filter IDs >= 256, names are not
 * padded, and client data has no padding.
 *
 * Filters are listed in the order they were applied when writing; reading
 * undoes them last to first. Bit i of a chunk's filter mask set means
 * filter i was not applied to that chunk (an optional filter that failed,
 * or a partial edge chunk). */
#include "core/internal.h"

#include "filter.h"

#include <stdio.h>

static const struct {
    uint16_t id;
    const char *name;
    c5_filter_decode_fn fn;
} filters[] = {
    {1, "deflate", c5_filter_deflate},
    {2, "shuffle", c5_filter_shuffle},
    {3, "fletcher32", c5_filter_fletcher32},
    {4, "szip", c5_filter_szip},
    {5, "nbit", c5_filter_nbit},
    {6, "scaleoffset", c5_filter_scaleoffset},
    {305, "lzo", c5_filter_lzo},
    {307, "bzip2", c5_filter_bzip2},
    {32000, "lzf", c5_filter_lzf},
    {32001, "blosc", c5_filter_blosc},
    {32004, "lz4", c5_filter_lz4},
    /* Known to exist, not built into cfive: named in error messages. */
    {32008, "bitshuffle", NULL},
    {32013, "zfp", NULL},
    {32015, "zstd", NULL},
    {32017, "sz", NULL},
    {32026, "blosc2", NULL},
};

static int find_filter(uint16_t id)
{
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (filters[i].id == id)
            return (int)i;
    return -1;
}

void c5_pipeline_free(c5_file *f, c5_pipeline *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n && i < C5_MAX_FILTERS; i++) {
        c5_free(f, p->f[i].name);
        c5_free(f, p->f[i].cd);
    }
    memset(p, 0, sizeof *p);
}

int c5_pipeline_decode(c5_file *f, const c5_mbody *b, c5_pipeline *out)
{
    memset(out, 0, sizeof *out);
    c5_rd r;
    c5_rd_init(&r, f, b->p, b->n, b->addr, "filter pipeline message");
    unsigned version = c5_rd_u8(&r);
    unsigned nf = c5_rd_u8(&r);
    if (r.err)
        return c5_rd_status(&r);
    if (version != 1 && version != 2)
        return c5_fail(f, C5_ECORRUPT, b->addr, "filter pipeline message: version %u", version);
    if (nf > C5_MAX_FILTERS)
        return c5_fail(f, C5_ECORRUPT, b->addr, "filter pipeline message: %u filters (max %d)",
                       nf, C5_MAX_FILTERS);
    if (version == 1)
        c5_rd_skip(&r, 6);
    int rc = 0;
    for (unsigned i = 0; i < nf && !r.err; i++) {
        c5_pfilter *flt = &out->f[i];
        uint64_t at = c5_rd_pos(&r);
        flt->id = c5_rd_u16(&r);
        unsigned namelen = (version == 1 || flt->id >= 256) ? c5_rd_u16(&r) : 0;
        flt->flags = c5_rd_u16(&r);
        flt->ncd = c5_rd_u16(&r);
        out->n = (int)i + 1;
        if (r.err)
            break;
        if (version == 1 && namelen % 8) {
            rc = c5_fail(f, C5_ECORRUPT, at,
                         "filter pipeline message: filter %u name length %u not a multiple of 8",
                         flt->id, namelen);
            break;
        }
        if (namelen) {
            const uint8_t *nm = c5_rd_bytes(&r, namelen);
            if (!nm)
                break;
            const uint8_t *nul = memchr(nm, 0, namelen);
            if (!nul) {
                rc = c5_fail(f, C5_ECORRUPT, at,
                             "filter pipeline message: filter %u name not NUL-terminated",
                             flt->id);
                break;
            }
            flt->name = c5_strndup(f, (const char *)nm, (size_t)(nul - nm));
            if (!flt->name) {
                rc = c5_fail(f, C5_ENOMEM, at, "filter pipeline message: out of memory");
                break;
            }
        }
        if (flt->ncd) {
            if (c5_rd_left(&r) / 4 < flt->ncd) {
                c5_rd_skip(&r, flt->ncd * 4); /* records the truncation */
                break;
            }
            flt->cd = c5_malloc(f, flt->ncd * sizeof *flt->cd);
            if (!flt->cd) {
                rc = c5_fail(f, C5_ENOMEM, at, "filter pipeline message: out of memory");
                break;
            }
            for (size_t k = 0; k < flt->ncd; k++)
                flt->cd[k] = c5_rd_u32(&r);
            /* The padding of an odd count; tolerated when a writer left it
             * off the last filter. */
            if (version == 1 && (flt->ncd & 1)) {
                size_t pad = c5_rd_left(&r) < 4 ? c5_rd_left(&r) : 4;
                c5_rd_skip(&r, pad);
            }
        }
    }
    if (!rc && r.err)
        rc = c5_rd_status(&r);
    if (rc)
        c5_pipeline_free(f, out);
    return rc;
}

int c5_pipeline_apply(const c5_pipeline *p, uint32_t mask, const c5_filter_ctx *ctx,
                      uint8_t *in, size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    uint8_t *cur = in;
    size_t curn = n;
    *out = NULL;
    *outn = 0;
    int nf = p ? p->n : 0;
    if (nf > C5_MAX_FILTERS)
        nf = C5_MAX_FILTERS;
    for (int i = nf - 1; i >= 0; i--) {
        if (mask & (1u << i))
            continue; /* not applied to this chunk */
        const c5_pfilter *flt = &p->f[i];
        int k = find_filter(flt->id);
        if (k < 0 || !filters[k].fn) {
            /* Like libhdf5, a filter recorded as applied must be undone,
             * optional or not: skipping it would return filtered bytes. */
            const char *name = flt->name && flt->name[0] ? flt->name
                               : k >= 0               ? filters[k].name
                                                      : "unknown";
            c5_free(f, cur);
            return c5_fail(f, C5_ENOFILTER, ctx->chunk_addr,
                           "chunk needs filter %u (%s)%s, which this build of cfive lacks",
                           flt->id, name, (flt->flags & 1) ? ", optional" : "");
        }
        uint8_t *o = NULL;
        size_t on = 0;
        int rc = filters[k].fn(flt, ctx, cur, curn, &o, &on);
        c5_free(f, cur);
        if (rc) {
            c5_free(f, o);
            return rc;
        }
        cur = o;
        curn = on;
    }
    *out = cur;
    *outn = curn;
    return 0;
}
