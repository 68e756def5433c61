/* Object header message encoders (spec IV.A.2): the inverses of the
 * decoders in messages.c, writing what libhdf5 1.10 writes.
 *
 * Dataspace (IV.A.2.b)  v1: 1 version, 1 rank, 1 flags (bit 0: max dims),
 *   5 reserved, rank x L dims, [rank x L max dims];
 *   v2: 1 version, 1 rank, 1 flags, 1 type (0 scalar, 1 simple, 2 null),
 *   dims, [max dims].
 * Fill value (IV.A.2.f)  v1/v2: 1 version, 1 alloc time, 1 fill time,
 *   1 defined, [4 size + value when defined];
 *   v3: 1 version, 1 flags (alloc time bits 0-1, fill time 2-3, undefined
 *   4, have value 5), [4 size + value when bit 5].
 * Old fill value (IV.A.2.e): 4 size, value.
 * Layout (IV.A.2.i)  v3/v4: 1 version, 1 class; compact: 2 size, data;
 *   contiguous: O address, L size; chunked v3: 1 dimensionality, O
 *   address, dims x 4; chunked v4: 1 flags, 1 dimensionality, 1 dimension
 *   width, dims x width, 1 index type, index fields, O address.
 * Link (IV.A.2.g): 1 version (1), 1 flags (bits 0-1 name length width,
 *   2 creation order, 3 link type, 4 charset), [1 type], [8 creation
 *   order], [1 charset], name length, name, then hard: O address;
 *   soft: 2 length, path; user-defined: 2 length, value (external: 1
 *   version/flags 0, file name NUL, object path NUL).
 * Link info (IV.A.2.c): 1 version (0), 1 flags (0 track, 1 index creation
 *   order), [8 max creation order], O fractal heap, O name index,
 *   [O creation order index].
 * Group info (IV.A.2.j): 1 version (0), 1 flags (0 phase change values,
 *   1 estimates), [2 max compact, 2 min dense], [2 est. entries, 2 est.
 *   name length].
 * Attribute info (IV.A.2.v): as link info with a 2-byte max creation index.
 * Attribute (IV.A.2.m): 1 version, 1 flags (v1 reserved; bit 0 type shared,
 *   bit 1 space shared), 2 name size (with NUL), 2 datatype size, 2
 *   dataspace size, [v3: 1 name charset], name, datatype, dataspace (each
 *   padded to 8 in v1), data.
 * Symbol table (IV.A.2.r): O v1 B-tree, O local heap.
 * Continuation (IV.A.2.q): O address, L length.
 * Modification time (IV.A.2.s): 1 version (1), 3 reserved, 4 seconds.
 */
#include "encode.h"

static int efail(c5_wr *w, int code, const char *what, const char *why)
{
    if (!w->err)
        w->err = code;
    return c5_fail(w->f, code, C5_UNDEF, "%s: %s", what, why);
}

/* Turn the writer's sticky error into a recorded failure. */
static int done(c5_wr *w, const char *what)
{
    return w->err ? c5_fail(w->f, w->err, C5_UNDEF, "%s: out of memory", what) : 0;
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- dataspace ----------------------------------------------------------- */

int c5_space_encode_v(c5_wr *w, const c5_space *s, int version, int has_max)
{
    const char *what = "dataspace message";
    if (version != 1 && version != 2)
        return efail(w, C5_EINVAL, what, "unknown version");
    int rank = s->cls == C5_SPACE_SIMPLE ? s->rank : 0;
    if (s->cls != C5_SPACE_SCALAR && s->cls != C5_SPACE_SIMPLE && s->cls != C5_SPACE_NULL)
        return efail(w, C5_EINVAL, what, "unknown dataspace class");
    if (rank < 0 || rank > C5_MAX_RANK)
        return efail(w, C5_EINVAL, what, "rank out of range");
    if (s->cls == C5_SPACE_NULL && version < 2)
        return efail(w, C5_EINVAL, what, "a null dataspace needs version 2");
    if (s->cls == C5_SPACE_SIMPLE && rank == 0 && version < 2)
        return efail(w, C5_EINVAL, what, "a rank-0 simple dataspace needs version 2");
    has_max = has_max && rank > 0;
    for (int i = 0; i < rank; i++)
        if (s->dims[i] == C5_UNDEF ||
            (has_max && s->maxdims[i] != C5_UNLIMITED && s->maxdims[i] < s->dims[i]))
            return efail(w, C5_EINVAL, what, "dimension exceeds its maximum");
    c5_wr_u8(w, (uint64_t)version);
    c5_wr_u8(w, (uint64_t)rank);
    c5_wr_u8(w, has_max ? 1 : 0);
    if (version == 1)
        c5_wr_zero(w, 5);
    else
        c5_wr_u8(w, (uint64_t)s->cls);
    for (int i = 0; i < rank; i++)
        c5_wr_len(w, s->dims[i]);
    for (int i = 0; has_max && i < rank; i++)
        c5_wr_len(w, s->maxdims[i]); /* unlimited is all ones, as C5_UNDEF */
    return done(w, what);
}

int c5_space_encode(c5_wr *w, const c5_space *s, int latest)
{
    int version = latest || s->cls == C5_SPACE_NULL ? 2 : 1;
    return c5_space_encode_v(w, s, version, s->cls == C5_SPACE_SIMPLE);
}

/* ---- fill values -------------------------------------------------------- */

int c5_fill_encode_v(c5_wr *w, int version, int alloc_time, int fill_time, int defined,
                     const void *value, size_t size)
{
    const char *what = "fill value message";
    if (version < 1 || version > 3)
        return efail(w, C5_EINVAL, what, "unknown version");
    if (alloc_time < 0 || alloc_time > 3 || fill_time < 0 || fill_time > 3)
        return efail(w, C5_EINVAL, what, "allocation or fill time out of range");
    if (size > INT32_MAX || (size && !value))
        return efail(w, C5_EINVAL, what, "bad fill value");
    if (!defined && size)
        return efail(w, C5_EINVAL, what, "an undefined fill value has no bytes");
    c5_wr_u8(w, (uint64_t)version);
    if (version < 3) {
        c5_wr_u8(w, (uint64_t)alloc_time);
        c5_wr_u8(w, (uint64_t)fill_time);
        c5_wr_u8(w, defined ? 1 : 0);
        if (defined) { /* size 0: the default value (zeros) */
            c5_wr_u32(w, size);
            c5_wr_bytes(w, value, size);
        }
    } else {
        unsigned flags = (unsigned)alloc_time | (unsigned)fill_time << 2;
        if (!defined)
            flags |= 0x10;
        else if (size)
            flags |= 0x20;
        c5_wr_u8(w, flags);
        if (size) {
            c5_wr_u32(w, size);
            c5_wr_bytes(w, value, size);
        }
    }
    return done(w, what);
}

int c5_fill_encode(c5_wr *w, int latest, int alloc_time, int fill_time, int defined,
                   const void *value, size_t size)
{
    return c5_fill_encode_v(w, latest ? 3 : 2, alloc_time, fill_time, defined, value, size);
}

int c5_fill_old_encode(c5_wr *w, const void *value, size_t size)
{
    if (size > UINT32_MAX || (size && !value))
        return efail(w, C5_EINVAL, "old fill value message", "bad fill value");
    c5_wr_u32(w, size);
    c5_wr_bytes(w, value, size);
    return done(w, "old fill value message");
}

/* ---- layout ------------------------------------------------------------- */

int c5_layout_encode(c5_wr *w, const c5_layout *l)
{
    const char *what = "layout message";
    if (l->version != 3 && l->version != 4)
        return efail(w, C5_EINVAL, what, "only versions 3 and 4 are written");
    c5_wr_u8(w, (uint64_t)l->version);
    c5_wr_u8(w, (uint64_t)l->cls);
    switch (l->cls) {
    case C5_LAYOUT_COMPACT:
        if (l->size > 0xffff || (l->size && !l->compact))
            return efail(w, C5_EINVAL, what, "compact data larger than 64 KiB");
        c5_wr_u16(w, l->size);
        c5_wr_bytes(w, l->compact, (size_t)l->size);
        break;
    case C5_LAYOUT_CONTIG:
        c5_wr_addr(w, l->addr);
        c5_wr_len(w, l->size);
        break;
    case C5_LAYOUT_CHUNKED:
        if (l->ndims < 2 || l->ndims > C5_MAX_RANK + 1)
            return efail(w, C5_EINVAL, what, "chunk dimensionality out of range");
        if (l->version == 3) {
            c5_wr_u8(w, (uint64_t)l->ndims);
            c5_wr_addr(w, l->addr);
            for (int i = 0; i < l->ndims; i++) {
                if (l->chunk[i] == 0 || l->chunk[i] > UINT32_MAX)
                    return efail(w, C5_EINVAL, what, "chunk dimension out of range");
                c5_wr_u32(w, l->chunk[i]);
            }
        } else {
            /* The dimension width is the fewest bytes holding the largest
             * dimension (element size included), which HDF5 2.0 checks. */
            unsigned width = 1;
            for (int i = 0; i < l->ndims; i++) {
                if (l->chunk[i] == 0)
                    return efail(w, C5_EINVAL, what, "zero chunk dimension");
                while (width < 8 && (l->chunk[i] >> (8 * width)) != 0)
                    width++;
            }
            static const size_t info_len[6] = {0, 0, 0, 1, 5, 6};
            if (l->index_type < 1 || l->index_type > 5)
                return efail(w, C5_EINVAL, what, "unknown chunk index type");
            size_t want = info_len[l->index_type];
            if (l->index_type == 1 && (l->flags & 2))
                want = (size_t)w->lsz + 4; /* filtered single chunk: size, mask */
            if (l->idx_info_len != want || (want && !l->idx_info))
                return efail(w, C5_EINVAL, what, "chunk index fields have the wrong length");
            c5_wr_u8(w, l->flags);
            c5_wr_u8(w, (uint64_t)l->ndims);
            c5_wr_u8(w, width);
            for (int i = 0; i < l->ndims; i++)
                c5_wr_uint(w, l->chunk[i], width);
            c5_wr_u8(w, (uint64_t)l->index_type);
            c5_wr_bytes(w, l->idx_info, l->idx_info_len);
            c5_wr_addr(w, l->addr);
        }
        break;
    case C5_LAYOUT_VIRTUAL:
        return efail(w, C5_EUNSUPPORTED, what, "virtual layouts are not written");
    default:
        return efail(w, C5_EINVAL, what, "unknown layout class");
    }
    return done(w, what);
}

/* ---- links -------------------------------------------------------------- */

int c5_link_encode(c5_wr *w, const c5_linkrec *l, int store_corder)
{
    const char *what = "link message";
    size_t len = l->name ? strlen(l->name) : 0;
    if (len == 0)
        return efail(w, C5_EINVAL, what, "empty link name");
    if (l->type < 0 || l->type > 255 || (l->type > C5_LINK_SOFT && l->type < C5_LINK_EXTERNAL))
        return efail(w, C5_EINVAL, what, "unknown link type");
    if (l->cset < 0 || l->cset > 255)
        return efail(w, C5_EINVAL, what, "character set out of range");
    unsigned flags = len > 0xffffffffu ? 3 : len > 0xffff ? 2 : len > 0xff ? 1 : 0;
    if (store_corder)
        flags |= 0x04;
    if (l->type != C5_LINK_HARD)
        flags |= 0x08;
    if (l->cset != C5_CSET_ASCII)
        flags |= 0x10;
    /* The link value, checked before anything is written. */
    size_t vlen = 0, flen = 0;
    if (l->type == C5_LINK_SOFT) {
        vlen = l->target ? strlen(l->target) : 0;
        if (vlen == 0 || vlen > 0xffff)
            return efail(w, C5_EINVAL, what, "soft link path empty or longer than 65535");
    } else if (l->type == C5_LINK_EXTERNAL) {
        if (!l->target_file || !l->target)
            return efail(w, C5_EINVAL, what, "external link without file or path");
        flen = strlen(l->target_file);
        vlen = 1 + flen + 1 + strlen(l->target) + 1;
        if (vlen > 0xffff)
            return efail(w, C5_EINVAL, what, "external link value longer than 65535");
    } else if (l->type != C5_LINK_HARD) {
        vlen = l->udlen ? l->udlen : l->target ? strlen(l->target) : 0;
        if (vlen > 0xffff)
            return efail(w, C5_EINVAL, what, "link value longer than 65535");
    }
    c5_wr_u8(w, 1);
    c5_wr_u8(w, flags);
    if (flags & 0x08)
        c5_wr_u8(w, (uint64_t)l->type);
    if (store_corder)
        c5_wr_u64(w, (uint64_t)l->corder);
    if (flags & 0x10)
        c5_wr_u8(w, (uint64_t)l->cset);
    c5_wr_uint(w, len, 1u << (flags & 3));
    c5_wr_bytes(w, l->name, len);
    if (l->type == C5_LINK_HARD) {
        if (l->addr == C5_UNDEF)
            return efail(w, C5_EINVAL, what, "hard link to an undefined address");
        c5_wr_addr(w, l->addr);
    } else if (l->type == C5_LINK_EXTERNAL) {
        c5_wr_u16(w, vlen);
        c5_wr_u8(w, 0); /* external link version 0, flags 0 */
        c5_wr_bytes(w, l->target_file, flen + 1);
        c5_wr_bytes(w, l->target, vlen - flen - 2);
    } else {
        c5_wr_u16(w, vlen);
        c5_wr_bytes(w, l->target, vlen);
    }
    return done(w, what);
}

static void info_encode(c5_wr *w, int track, int index, uint64_t maxc, unsigned cwidth,
                        uint64_t heap, uint64_t name, uint64_t corder)
{
    c5_wr_u8(w, 0);
    c5_wr_u8(w, (track ? 1u : 0u) | (index ? 2u : 0u));
    if (track)
        c5_wr_uint(w, maxc, cwidth);
    c5_wr_addr(w, heap);
    c5_wr_addr(w, name);
    if (index)
        c5_wr_addr(w, corder);
}

int c5_linfo_encode_v(c5_wr *w, const c5_linfo *li, int64_t max_corder)
{
    if (li->index_corder && !li->track_corder)
        return efail(w, C5_EINVAL, "link info message", "creation order indexed but not tracked");
    info_encode(w, li->track_corder, li->index_corder, (uint64_t)max_corder, 8, li->fheap,
                li->name_bt2, li->corder_bt2);
    return done(w, "link info message");
}

int c5_ainfo_encode_v(c5_wr *w, const c5_ainfo *ai, unsigned max_corder)
{
    const char *what = "attribute info message";
    if (ai->index_corder && !ai->track_corder)
        return efail(w, C5_EINVAL, what, "creation order indexed but not tracked");
    if (max_corder > 0xffff)
        return efail(w, C5_EINVAL, what, "creation order exceeds 16 bits");
    info_encode(w, ai->track_corder, ai->index_corder, max_corder, 2, ai->fheap, ai->name_bt2,
                ai->corder_bt2);
    return done(w, what);
}

int c5_linfo_encode(c5_wr *w, const c5_linfo *li) { return c5_linfo_encode_v(w, li, 0); }

int c5_ainfo_encode(c5_wr *w, const c5_ainfo *ai) { return c5_ainfo_encode_v(w, ai, 0); }

int c5_ginfo_encode_ex(c5_wr *w, int phase, unsigned max_compact, unsigned min_dense, int est,
                       unsigned est_entries, unsigned est_name_len)
{
    const char *what = "group info message";
    if (max_compact > 0xffff || min_dense > 0xffff || est_entries > 0xffff ||
        est_name_len > 0xffff)
        return efail(w, C5_EINVAL, what, "value exceeds 16 bits");
    c5_wr_u8(w, 0);
    c5_wr_u8(w, (phase ? 1u : 0u) | (est ? 2u : 0u));
    if (phase) {
        c5_wr_u16(w, max_compact);
        c5_wr_u16(w, min_dense);
    }
    if (est) {
        c5_wr_u16(w, est_entries);
        c5_wr_u16(w, est_name_len);
    }
    return done(w, what);
}

int c5_ginfo_encode(c5_wr *w)
{
    /* libhdf5's defaults (8 compact, 6 dense, 4 entries of 8 bytes) are
     * not stored. */
    return c5_ginfo_encode_ex(w, 0, 0, 0, 0, 0, 0);
}

/* ---- attributes ----------------------------------------------------------- */

/* Element count of a dataspace (0 for null). */
static int space_elems(const c5_space *s, uint64_t *n)
{
    *n = s->cls == C5_SPACE_NULL ? 0 : 1;
    for (int i = 0; s->cls == C5_SPACE_SIMPLE && i < s->rank; i++)
        if (c5_mul_ovf(*n, s->dims[i], n))
            return 1;
    return 0;
}

/* The attribute message with explicit choices: orig (may be NULL) gives
 * the datatype node versions; sver/has_max the dataspace encoding. */
static int attr_encode(c5_wr *w, int version, const char *name, int cset, const c5_type *t,
                       const uint8_t *torig, size_t tn, int tbound, const c5_space *s, int sver,
                       int has_max, const void *data, size_t n)
{
    const char *what = "attribute message";
    size_t nlen = name ? strlen(name) + 1 : 0;
    if (nlen < 2 || nlen > 0xffff)
        return efail(w, C5_EINVAL, what, "name empty or longer than 65534 bytes");
    if (!t || !s)
        return efail(w, C5_EINVAL, what, "no datatype or dataspace");
    if (cset < 0 || cset > 255)
        return efail(w, C5_EINVAL, what, "character set out of range");
    int shared = t->committed != C5_UNDEF;
    if (shared && version < 2)
        return efail(w, C5_EINVAL, what, "a committed datatype needs version 2");
    if (cset != C5_CSET_ASCII && version < 3)
        return efail(w, C5_EINVAL, what, "a non-ASCII name needs version 3");
    uint64_t ne, bytes;
    if (space_elems(s, &ne) || c5_mul_ovf(ne, t->size, &bytes) || bytes != n ||
        (n && !data))
        return efail(w, C5_EINVAL, what, "data size differs from the dataspace and type");
    size_t start = w->n;
    c5_wr_u8(w, (uint64_t)version);
    c5_wr_u8(w, version >= 2 && shared ? 1 : 0);
    c5_wr_zero(w, 6); /* sizes, patched below */
    if (version >= 3)
        c5_wr_u8(w, (uint64_t)cset);
    c5_wr_bytes(w, name, nlen);
    if (version == 1)
        c5_wr_zero(w, pad8(nlen) - nlen);
    size_t t0 = w->n;
    int rc = shared ? c5_shared_encode(w, t->committed)
             : torig ? c5_type_encode_as(w, t, torig, tn)
                     : c5_type_encode(w, t, tbound);
    if (rc)
        return rc;
    size_t tsz = w->n - t0;
    if (version == 1)
        c5_wr_zero(w, pad8(tsz) - tsz);
    size_t s0 = w->n;
    if ((rc = c5_space_encode_v(w, s, sver, has_max)))
        return rc;
    size_t ssz = w->n - s0;
    if (version == 1)
        c5_wr_zero(w, pad8(ssz) - ssz);
    if (tsz > 0xffff || ssz > 0xffff)
        return efail(w, C5_EINVAL, what, "datatype or dataspace encoding exceeds 64 KiB");
    c5_wr_bytes(w, data, n);
    c5_wr_patch(w, start + 2, nlen, 2);
    c5_wr_patch(w, start + 4, tsz, 2);
    c5_wr_patch(w, start + 6, ssz, 2);
    return done(w, what);
}

int c5_attr_encode(c5_wr *w, const char *name, int cset, const c5_type *t, const c5_space *s,
                   const void *data, size_t n, int latest)
{
    int version = latest || cset != C5_CSET_ASCII ? 3
                  : t && t->committed != C5_UNDEF  ? 2
                                                   : 1;
    if (!s)
        return efail(w, C5_EINVAL, "attribute message", "no dataspace");
    int sver = latest || s->cls == C5_SPACE_NULL ? 2 : 1;
    return attr_encode(w, version, name, cset, t, NULL, 0, latest ? 3 : 1, s, sver,
                       s->cls == C5_SPACE_SIMPLE, data, n);
}

int c5_attr_encode_as(c5_wr *w, const uint8_t *orig, size_t on, const char *name, int cset,
                      const c5_type *t, const c5_space *s, const void *data, size_t n)
{
    const char *what = "attribute message";
    c5_rd r;
    c5_rd_init(&r, w->f, orig, on, C5_UNDEF, what);
    int version = c5_rd_u8(&r);
    int flags = c5_rd_u8(&r);
    size_t nsz = c5_rd_u16(&r), tsz = c5_rd_u16(&r);
    (void)c5_rd_u16(&r);
    if (version == 3)
        c5_rd_skip(&r, 1);
    c5_rd_skip(&r, version == 1 ? pad8(nsz) : nsz);
    const uint8_t *tp = c5_rd_bytes(&r, tsz);
    if (version == 1)
        c5_rd_skip(&r, pad8(tsz) - tsz);
    const uint8_t *sp = c5_rd_bytes(&r, 3);
    if (r.err || !tp || !sp || version < 1 || version > 3)
        return efail(w, C5_EINVAL, what, "the message to imitate is malformed");
    int sver = sp[0], has_max = sp[2] & 1;
    if ((flags & 2) || (sver != 1 && sver != 2))
        return efail(w, C5_EINVAL, what, "the message to imitate has a shared dataspace");
    return attr_encode(w, version, name, cset, t, tp, tsz, 1, s, sver, has_max, data, n);
}

/* ---- small messages ------------------------------------------------------ */

int c5_stab_msg_encode(c5_wr *w, uint64_t btree, uint64_t heap)
{
    c5_wr_addr(w, btree);
    c5_wr_addr(w, heap);
    return done(w, "symbol table message");
}

int c5_cont_encode(c5_wr *w, uint64_t addr, uint64_t size)
{
    c5_wr_addr(w, addr);
    c5_wr_len(w, size);
    return done(w, "continuation message");
}

int c5_mtime_encode(c5_wr *w, uint32_t secs)
{
    c5_wr_u8(w, 1);
    c5_wr_zero(w, 3);
    c5_wr_u32(w, secs);
    return done(w, "modification time message");
}
