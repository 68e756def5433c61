/* Virtual datasets: the mapping list (spec III.F "Global Heap Block for
 * Virtual Datasets", IV.A.2.i Data Layout message version 4, class 3) and
 * the dataset extent libhdf5 derives from it.
 *
 * Layout message body, virtual class:
 *   0     1  version (4)
 *   1     1  layout class (3)
 *   2     O  global heap collection address (undefined: no mappings)
 *   2+O   4  object index in that collection
 *
 * The heap object (the "VDS global heap block"):
 *   0     1  version (0)
 *   1     L  number of entries
 *   then per entry:
 *         n  source file name, NUL-terminated ("." = this file)
 *         n  source dataset name, NUL-terminated
 *         n  source selection (serialized, below)
 *         n  virtual selection (serialized, below)
 *   end-4 4  checksum: lookup3 of every byte before it; the entries must
 *            end exactly at the checksum
 * In both names "%b" stands for a block number and "%%" for "%"; any other
 * '%' sequence is invalid (libhdf5 refuses the dataset).
 *
 * Serialized selection (libhdf5 H5S_select_serialize; the spec describes
 * it with dataset region references). All integers little-endian:
 *   0     4  type: 0 none, 1 points, 2 hyperslab, 3 all
 *   4     4  version
 *   none, all (v1):  4 reserved, 4 length
 *   points v1:       4 reserved, 4 length, 4 rank, 4 count, coordinates u32
 *   points v2:       1 integer size (2/4/8), 4 rank, count, coordinates
 *   hyperslab v1:    4 reserved, 4 length, 4 rank, 4 block count, then per
 *                    block rank starts and rank ends (u32)
 *   hyperslab v2:    1 flags (bit 0: regular), 4 length, 4 rank, then
 *                    regular: per dimension start, stride, count, block u64
 *                    else: u64 block count, blocks as in v1 with u64
 *   hyperslab v3:    1 flags, 1 integer size (2/4/8), 4 rank, then as v2
 *                    with integers of that size
 *   In regular hyperslabs a count or block of all ones (at the integer
 *   size) means unlimited.
 *
 * The extent: libhdf5 (H5D__virtual_set_extent_unlim, view "last
 * available") sizes each unlimited dimension to the largest extent any
 * mapping reaches with what its source holds now: for a mapping whose source
 * selection is unlimited too, the virtual selection is clipped to as many
 * slices as the source selection has inside the source's current extent;
 * for a "printf" mapping (limited source, %b in a name) block k of the
 * virtual selection exists while source k does, counting from 0 and
 * stopping at the first missing one. A dimension no unlimited mapping
 * touches keeps its stored size, and none shrinks below what the limited
 * mappings cover. */
#include "vds.h"

#include "format/gheap.h"

#include <stdio.h>

#define VDS_MIN_ENTRY 34        /* two empty names + two 16-byte selections */
#define VDS_MAX_PRINTF (1u << 20) /* source files probed for one mapping */

enum { SEL_NONE = 0, SEL_POINTS = 1, SEL_HYPER = 2, SEL_ALL = 3 };

typedef c5_vsel vsel;

typedef struct vds {
    c5_file *f;
    c5_space *space;
    uint64_t heap;               /* collection address, for messages */
    uint64_t mind[C5_MAX_RANK];  /* what the limited selections need */
    uint64_t newd[C5_MAX_RANK];  /* largest clip per unlimited dimension */
    bool has[C5_MAX_RANK];
    bool any_unlim;
    c5_vds_visit visit;          /* mode VISIT: called per mapping */
    void *ctx;
} vds;

enum { CHECK, SIZE, VISIT };

static int bad(vds *v, const char *msg, size_t entry)
{
    return c5_fail(v->f, C5_ECORRUPT, v->heap, "virtual dataset mapping %zu: %s", entry, msg);
}

/* ---- selections ------------------------------------------------------- */

static uint64_t rd_int(c5_rd *r, unsigned enc, bool unlim_ok)
{
    uint64_t x = c5_rd_uint(r, enc);
    uint64_t ones = enc == 8 ? UINT64_MAX : (1ull << (8 * enc)) - 1;
    return unlim_ok && x == ones ? C5_UNLIMITED : x;
}

/* libhdf5's H5S_select_hyperslab checks, in its order: overlapping blocks
 * are an error, a zero count or block makes the selection empty, and at
 * most one dimension may be unlimited, by count or by block, not both. */
static int regular_check(vds *v, vsel *s, size_t e)
{
    s->unlim = -1;
    for (unsigned u = 0; u < s->rank; u++) {
        if (s->count[u] > 1 && s->stride[u] < s->block[u])
            return bad(v, "hyperslab blocks overlap", e);
        if (s->count[u] == 0 || s->block[u] == 0) {
            s->type = SEL_NONE;
            return 0;
        }
        if (s->count[u] == C5_UNLIMITED || s->block[u] == C5_UNLIMITED) {
            if (s->unlim >= 0)
                return bad(v, "more than one unlimited dimension in a selection", e);
            if (s->count[u] == s->block[u])
                return bad(v, "hyperslab count and block both unlimited", e);
            s->unlim = (int)u;
        }
    }
    s->nenu = 1;
    for (unsigned u = 0; u < s->rank; u++) {
        if ((int)u == s->unlim)
            continue;
        uint64_t span, n;
        if (c5_mul_ovf(s->stride[u], s->count[u] - 1, &span) ||
            c5_add_ovf(span, s->block[u] - 1, &span) || c5_add_ovf(s->start[u], span, &s->hi[u]) ||
            c5_mul_ovf(s->count[u], s->block[u], &n) || c5_mul_ovf(s->nenu, n, &s->nenu))
            return bad(v, "hyperslab exceeds 64-bit coordinates", e);
    }
    return 0;
}

/* Corner `hi` (0: first index, 1: last) of block i in dimension u of a
 * block list of `rank` dimensions with enc-byte integers. */
static uint64_t corner(const uint8_t *list, unsigned rank, unsigned enc, uint64_t i, unsigned u,
                       int hi)
{
    c5_rd r;
    size_t at = (size_t)((i * 2 * rank + (unsigned)hi * rank + u) * enc);
    c5_rd_init(&r, NULL, list + at, enc, C5_UNDEF, NULL);
    return c5_rd_uint(&r, enc);
}

bool c5_vds_blocks_regular(const uint8_t *list, uint64_t nb, unsigned rank, unsigned enc,
                           uint64_t *start, uint64_t *stride, uint64_t *count, uint64_t *block)
{
    uint64_t P = 1;
    if (nb == 0)
        return false;
    for (unsigned u = rank; u-- > 0;) {
        uint64_t st = corner(list, rank, enc, 0, u, 0);
        uint64_t b = corner(list, rank, enc, 0, u, 1) - st + 1, c = 1, str = 1;
        if (P < nb && corner(list, rank, enc, P, u, 0) > st) {
            str = corner(list, rank, enc, P, u, 0) - st;
            while (c < nb / P && corner(list, rank, enc, c * P, u, 0) == st + c * str)
                c++;
        }
        start[u] = st;
        stride[u] = str;
        count[u] = c;
        block[u] = b;
        P *= c;
    }
    if (P != nb)
        return false;
    for (uint64_t i = 0; i < nb; i++) {
        uint64_t t = i;
        for (unsigned u = rank; u-- > 0;) {
            uint64_t lo = start[u] + (t % count[u]) * stride[u];
            t /= count[u];
            if (corner(list, rank, enc, i, u, 0) != lo ||
                corner(list, rank, enc, i, u, 1) != lo + block[u] - 1)
                return false;
        }
    }
    return true;
}

static int hyper_decode(vds *v, c5_rd *r, uint32_t ver, vsel *s, size_t e)
{
    unsigned enc = 4;
    unsigned flags = 0;
    if (ver < 1 || ver > 3)
        return bad(v, "unknown hyperslab selection version", e);
    if (ver >= 2) {
        flags = c5_rd_u8(r);
        if (ver >= 3)
            enc = c5_rd_u8(r);
        else {
            c5_rd_skip(r, 4);
            enc = 8;
        }
    } else {
        c5_rd_skip(r, 8);
    }
    s->rank = c5_rd_u32(r);
    if (r->err)
        return r->err;
    if (flags & ~1u)
        return bad(v, "unknown hyperslab selection flags", e);
    if (enc != 2 && enc != 4 && enc != 8)
        return bad(v, "bad integer size in hyperslab selection", e);
    if (s->rank == 0 || s->rank > C5_MAX_RANK)
        return bad(v, "bad hyperslab selection rank", e);
    s->type = SEL_HYPER;
    s->nblocks = 0;
    if (flags & 1) {
        for (unsigned u = 0; u < s->rank; u++) {
            s->start[u] = rd_int(r, enc, false);
            s->stride[u] = rd_int(r, enc, false);
            s->count[u] = rd_int(r, enc, true);
            s->block[u] = rd_int(r, enc, true);
        }
        return r->err ? r->err : regular_check(v, s, e);
    }
    /* A list of blocks, each given by its first and last index. */
    s->unlim = -1;
    uint64_t nblocks = c5_rd_uint(r, enc), need;
    if (r->err)
        return r->err;
    if (c5_mul_ovf(nblocks, 2ull * s->rank * enc, &need) || need > c5_rd_left(r))
        return bad(v, "hyperslab block list longer than the mapping block", e);
    if (nblocks == 0) {
        /* libhdf5 starts from a new dataspace, which selects everything,
         * and adds nothing to it */
        s->type = SEL_ALL;
        return 0;
    }
    uint64_t lo[C5_MAX_RANK];
    s->nblocks = nblocks;
    const uint8_t *list = r->p;
    for (uint64_t b = 0; b < nblocks; b++) {
        for (unsigned u = 0; u < s->rank; u++)
            lo[u] = c5_rd_uint(r, enc);
        if (b == 0)
            memcpy(s->start, lo, sizeof lo);
        for (unsigned u = 0; u < s->rank; u++) {
            uint64_t end = c5_rd_uint(r, enc);
            if (end < lo[u] || end - lo[u] >= UINT64_MAX - 1)
                return bad(v, "hyperslab block ends before it starts", e);
            if (b == 0 || end > s->hi[u])
                s->hi[u] = end;
        }
    }
    if (r->err)
        return r->err;
    /* libhdf5 writes every hyperslab without an unlimited dimension as a
     * list of blocks, even one made with start/stride/count/block */
    if (!c5_vds_blocks_regular(list, nblocks, s->rank, enc, s->start, s->stride, s->count,
                               s->block))
        return 0;
    s->nblocks = 0;
    return regular_check(v, s, e);
}

static int sel_decode(vds *v, c5_rd *r, vsel *s, size_t e)
{
    memset(s, 0, sizeof *s);
    s->unlim = -1;
    uint32_t type = c5_rd_u32(r);
    uint32_t ver = c5_rd_u32(r);
    if (r->err)
        return r->err;
    switch (type) {
    case SEL_NONE:
    case SEL_ALL:
        if (ver != 1)
            return bad(v, "unknown selection version", e);
        c5_rd_skip(r, 8);
        s->type = (int)type;
        return r->err;
    case SEL_POINTS:
        /* libhdf5 refuses point selections in mappings */
        return bad(v, "point selection", e);
    case SEL_HYPER:
        return hyper_decode(v, r, ver, s, e);
    default:
        return bad(v, "unknown selection type", e);
    }
}

/* ---- source names ------------------------------------------------------ */

/* Count the %b in name; -1 for a '%' followed by anything but 'b' or '%'. */
static long name_subs(const char *name)
{
    long n = 0;
    for (const char *p = strchr(name, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] == 'b')
            n++;
        else if (p[1] != '%')
            return -1;
    }
    return n;
}

/* The name with %b replaced by k and %% by %. Allocated with c5_malloc. */
char *c5_vds_name(c5_file *f, const char *name, long nsubs, uint64_t k)
{
    char num[24];
    int nl = snprintf(num, sizeof num, "%llu", (unsigned long long)k);
    uint64_t len;
    if (c5_mul_ovf((uint64_t)nsubs, (uint64_t)nl, &len) || c5_add_ovf(len, strlen(name) + 1, &len) ||
        len > SIZE_MAX)
        return NULL;
    char *out = c5_malloc(f, (size_t)len), *q = out;
    if (!out)
        return NULL;
    for (const char *p = name; *p; p++) {
        if (p[0] == '%' && p[1] == 'b') {
            memcpy(q, num, (size_t)nl);
            q += nl;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            *q++ = '%';
            p++;
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    return out;
}

/* ---- opening sources ----------------------------------------------------- */

/* Where libhdf5 looks for a source file (H5F_prefix_open_file), less the
 * HDF5_VDS_PREFIX environment variable and the access-list prefix: an
 * absolute name as given, else by its last component; then in the folder
 * of the virtual dataset's file; then as given. */
int c5_vds_file_open(c5_file *f, const char *name, c5_file **out)
{
    *out = NULL;
    if (!c5_external_allowed(f))
        return C5_ENOTFOUND;
    if (name[0] == '/') {
        if (c5_file_open(out, name, &f->opts) == 0)
            return 0;
        name = strrchr(name, '/') + 1;
    }
    char *p = c5_path_beside(f, name);
    if (p) {
        int rc = c5_file_open(out, p, &f->opts);
        c5_free(f, p);
        if (rc == 0)
            return rc;
    }
    return c5_file_open(out, name, &f->opts);
}

int c5_vds_source_open(c5_file *f, const char *file, const char *dset, c5_file **xf,
                       c5_object **o)
{
    *xf = NULL;
    *o = NULL;
    /* A missing source is not an error: keep the caller's last message. */
    char saved[sizeof f->errmsg];
    memcpy(saved, f->errmsg, sizeof saved);
    int rc = 0;
    if (strcmp(file, ".") == 0)
        *xf = f;
    else
        rc = c5_vds_file_open(f, file, xf);
    if (!rc && (rc = c5_object_open(o, *xf, dset)) == 0 && c5_object_kind(*o) == C5_OBJ_DATASET)
        return 1;
    c5_object_close(*o);
    *o = NULL;
    if (*xf && *xf != f)
        c5_file_close(*xf);
    *xf = NULL;
    memcpy(f->errmsg, saved, sizeof saved);
    return rc == C5_ENOMEM ? rc : 0;
}

/* The current dataspace of source dataset `dset` in file `file`. Returns 1
 * when found, 0 when the file or dataset is missing or unreadable (libhdf5
 * then clears its error stack and treats the mapping as empty), or
 * C5_ENOMEM. The source's own dataspace message is read as stored: libhdf5
 * does not re-derive the extent of a virtual source either. */
static int source_space(vds *v, const char *file, const char *dset, c5_space *out)
{
    c5_file *x;
    c5_object *src;
    int rc = c5_vds_source_open(v->f, file, dset, &x, &src);
    if (rc <= 0)
        return rc;
    char saved[sizeof v->f->errmsg];
    memcpy(saved, v->f->errmsg, sizeof saved);
    c5_mbody b;
    size_t pos = 0;
    int found = 0;
    rc = c5_ohdr_find(x, src->oh, C5_MSG_DATASPACE, &pos, &b);
    if (rc == 0) {
        rc = c5_space_decode(x, &b, out);
        c5_mbody_free(x, &b);
        found = rc == 0;
    }
    c5_object_close(src);
    if (x != v->f)
        c5_file_close(x);
    memcpy(v->f->errmsg, saved, sizeof saved);
    return rc == C5_ENOMEM ? rc : found;
}

/* ---- clipping (libhdf5 H5S_hyper_get_clip_extent_match) -------------------- */

/* Slices the source selection has in its unlimited dimension inside a
 * source extent of `size` there. */
uint64_t c5_vds_slices(const c5_vsel *s, uint64_t size)
{
    unsigned d = (unsigned)s->unlim;
    uint64_t st = s->start[d], str = s->stride[d], b = s->block[d];
    if (st >= size)
        return 0;
    uint64_t avail = size - st;
    if (b == C5_UNLIMITED || b == str)
        return avail;
    /* an unlimited count of blocks strictly apart (stride > block >= 1) */
    uint64_t c = (avail - 1) / str + 1;
    if (c == 1)
        return b; /* libhdf5 counts a lone first block whole, even when cut */
    uint64_t rem = avail - str * (c - 1);
    return b * (c - 1) + (b < rem ? b : rem);
}

/* Extent of the unlimited dimension that gives the virtual selection n
 * slices, ending at the last selected slice ("last available"). */
static int virtual_clip(vds *v, const vsel *s, uint64_t n, uint64_t *out, size_t e)
{
    unsigned d = (unsigned)s->unlim;
    uint64_t st = s->start[d], str = s->stride[d], b = s->block[d], k, x;
    if (n == 0) {
        *out = 0;
        return 0;
    }
    if (b == C5_UNLIMITED || b == str) {
        if (c5_add_ovf(st, n, out))
            return bad(v, "virtual extent exceeds 64 bits", e);
        return 0;
    }
    k = n / b;
    uint64_t rem = n - k * b;
    if (rem)
        x = k;
    else
        x = k - 1, rem = b;
    if (c5_mul_ovf(x, str, &x) || c5_add_ovf(x, st, &x) || c5_add_ovf(x, rem, out))
        return bad(v, "virtual extent exceeds 64 bits", e);
    return 0;
}

/* ---- one mapping ------------------------------------------------------------ */

static void grow(vds *v, unsigned d, uint64_t clip)
{
    if (!v->has[d] || clip > v->newd[d])
        v->newd[d] = clip;
    v->has[d] = true;
}

/* The extent the mapping's unlimited virtual dimension reaches now. */
static int mapping_clip(vds *v, const char *file, const char *dset, const vsel *src,
                        const vsel *vir, long fsubs, long dsubs, size_t e)
{
    c5_file *f = v->f;
    c5_space sp;
    int rc;
    uint64_t clip = 0;
    if (src->unlim >= 0) {
        char *fn = c5_vds_name(f, file, fsubs, 0), *dn = c5_vds_name(f, dset, dsubs, 0);
        rc = fn && dn ? source_space(v, fn, dn, &sp) : C5_ENOMEM;
        c5_free(f, fn);
        c5_free(f, dn);
        if (rc < 0)
            return c5_fail(f, rc, v->heap, "out of memory");
        /* a source whose rank does not fit its selection cannot be matched */
        if (rc == 1 && sp.cls == C5_SPACE_SIMPLE && (unsigned)sp.rank == src->rank &&
            (rc = virtual_clip(v, vir, c5_vds_slices(src, sp.dims[src->unlim]), &clip, e)))
            return rc;
    } else {
        /* printf mapping: block k of the virtual selection comes from source
         * k, for k = 0, 1, ... while the sources exist */
        unsigned d = (unsigned)vir->unlim;
        if (vir->count[d] != C5_UNLIMITED)
            return bad(v, "printf mapping with an unlimited block", e);
        uint64_t k = 0;
        for (; k < VDS_MAX_PRINTF; k++) {
            char *fn = c5_vds_name(f, file, fsubs, k), *dn = c5_vds_name(f, dset, dsubs, k);
            rc = fn && dn ? source_space(v, fn, dn, &sp) : C5_ENOMEM;
            c5_free(f, fn);
            c5_free(f, dn);
            if (rc < 0)
                return c5_fail(f, rc, v->heap, "out of memory");
            if (rc == 0)
                break;
        }
        if (k > 0 && (c5_mul_ovf(k - 1, vir->stride[d], &clip) ||
                      c5_add_ovf(clip, vir->start[d], &clip) ||
                      c5_add_ovf(clip, vir->block[d], &clip)))
            return bad(v, "virtual extent exceeds 64 bits", e);
    }
    grow(v, (unsigned)vir->unlim, clip);
    return 0;
}

/* Decode and check one entry; then, by mode, note what its limited
 * selections need (CHECK), size its unlimited dimension (SIZE) or hand it
 * to the visitor (VISIT). */
static int mapping(vds *v, c5_rd *r, size_t e, int mode)
{
    const char *name[2];
    for (int i = 0; i < 2; i++) {
        const uint8_t *p = r->p;
        const uint8_t *nul = memchr(p, 0, c5_rd_left(r));
        if (!nul)
            return bad(v, "unterminated source name", e);
        name[i] = (const char *)p;
        c5_rd_skip(r, (size_t)(nul - p) + 1);
    }
    vsel src, vir;
    int rc;
    if ((rc = sel_decode(v, r, &src, e)) || (rc = sel_decode(v, r, &vir, e)))
        return rc;
    long fsubs = name_subs(name[0]), dsubs = name_subs(name[1]);
    if (fsubs < 0 || dsubs < 0)
        return bad(v, "invalid format specifier in a source name", e);
    if (vir.type == SEL_HYPER && vir.rank != (unsigned)v->space->rank)
        return bad(v, "virtual selection rank differs from the dataset's", e);
    bool vunlim = vir.type == SEL_HYPER && vir.unlim >= 0;
    bool sunlim = src.type == SEL_HYPER && src.unlim >= 0;
    /* libhdf5 H5D_virtual_check_mapping_pre/post */
    if (vunlim && sunlim && vir.nenu != src.nenu)
        return bad(v, "source and virtual selections differ outside the unlimited dimension", e);
    if (vunlim && !sunlim && fsubs == 0 && dsubs == 0)
        return bad(v, "unlimited virtual selection with a limited source and no %b", e);
    if (!(vunlim && !sunlim) && (fsubs > 0 || dsubs > 0))
        return bad(v, "%b in a source name of a mapping that is not printf-style", e);
    if (mode == VISIT)
        return v->visit(v->ctx, name[0], name[1], &src, &vir, fsubs, dsubs);
    if (mode == CHECK) {
        if (vir.type == SEL_HYPER)
            for (unsigned u = 0; u < vir.rank; u++)
                if ((int)u != vir.unlim && vir.hi[u] >= v->mind[u])
                    v->mind[u] = vir.hi[u] + 1;
        v->any_unlim |= vunlim;
        return 0;
    }
    return vunlim ? mapping_clip(v, name[0], name[1], &src, &vir, fsubs, dsubs, e) : 0;
}

static int mappings(vds *v, const uint8_t *blk, size_t n, int mode)
{
    c5_rd r;
    c5_rd_init(&r, v->f, blk, n - 4, C5_UNDEF, "virtual dataset mapping block");
    uint8_t ver = c5_rd_u8(&r);
    uint64_t nent = c5_rd_len(&r);
    if (r.err)
        return r.err;
    if (ver != 0)
        return c5_fail(v->f, C5_EUNSUPPORTED, v->heap,
                       "virtual dataset mapping block: version %u", (unsigned)ver);
    if (nent > c5_rd_left(&r) / VDS_MIN_ENTRY)
        return c5_fail(v->f, C5_ECORRUPT, v->heap,
                       "virtual dataset mapping block: %llu entries in %zu bytes",
                       (unsigned long long)nent, c5_rd_left(&r));
    for (size_t e = 0; e < (size_t)nent; e++) {
        int rc = mapping(v, &r, e, mode);
        if (rc)
            return rc;
    }
    if (c5_rd_left(&r))
        return c5_fail(v->f, C5_ECORRUPT, v->heap,
                       "virtual dataset mapping block: %zu bytes after the entries",
                       c5_rd_left(&r));
    return 0;
}

int c5_vds_extent_block(c5_file *f, const uint8_t *blk, size_t n, uint64_t addr, c5_space *space)
{
    if (!f || !space || (!blk && n))
        return C5_EINVAL;
    if (space->cls != C5_SPACE_SIMPLE)
        return 0; /* nothing to size */
    vds v = {.f = f, .space = space, .heap = addr};
    int rc;
    if (n < 1u + f->lsz + 4u)
        return c5_fail(f, C5_ECORRUPT, addr, "virtual dataset mapping block: %zu bytes", n);
    if ((rc = c5_check_sum(f, blk, n - 4, addr, "virtual dataset mapping block")) ||
        (rc = mappings(&v, blk, n, CHECK)))
        return rc;
    /* libhdf5 refuses to open a dataset too small for its limited mappings */
    for (int i = 0; i < space->rank; i++)
        if (space->dims[i] < v.mind[i])
            return c5_fail(f, C5_ECORRUPT, addr,
                           "virtual dataset dimension %d (%llu) smaller than its mappings (%llu)",
                           i, (unsigned long long)space->dims[i], (unsigned long long)v.mind[i]);
    if (!v.any_unlim)
        return 0;
    if ((rc = mappings(&v, blk, n, SIZE)))
        return rc;
    for (int i = 0; i < space->rank; i++) {
        if (!v.has[i])
            continue;
        uint64_t d = v.newd[i] < v.mind[i] ? v.mind[i] : v.newd[i];
        /* libhdf5 cannot grow past a limited maximum (H5Dget_space fails);
         * keep the stored size rather than fail the whole dataset */
        if (space->maxdims[i] == C5_UNLIMITED || d <= space->maxdims[i])
            space->dims[i] = d;
    }
    return 0;
}

/* The mapping block of o, read from the global heap (*blk NULL when the
 * dataset has no mappings). */
static int load_block(c5_object *o, uint8_t **blk, size_t *n, uint64_t *heap)
{
    c5_file *f = o->f;
    const c5_mbody *lb = &o->layout_body;
    c5_rd r;
    c5_rd_init(&r, f, lb->p, lb->n, lb->addr, "layout message");
    uint8_t ver = c5_rd_u8(&r), cls = c5_rd_u8(&r);
    *heap = c5_rd_addr(&r);
    uint32_t idx = c5_rd_u32(&r);
    *blk = NULL;
    *n = 0;
    if (r.err)
        return r.err;
    if (ver != 4 || cls != C5_LAYOUT_VIRTUAL)
        return c5_fail(f, C5_EINVAL, lb->addr, "layout message: not a virtual layout");
    if (*heap == C5_UNDEF)
        return 0;
    return c5_gheap_read(f, *heap, idx, blk, n);
}

int c5_vds_extent(c5_object *o, c5_space *space)
{
    if (!o || !space)
        return C5_EINVAL;
    if (space->cls != C5_SPACE_SIMPLE)
        return 0; /* nothing to size */
    uint8_t *blk;
    size_t n;
    uint64_t heap;
    int rc = load_block(o, &blk, &n, &heap);
    if (rc || !blk)
        return rc;
    rc = c5_vds_extent_block(o->f, blk, n, heap, space);
    c5_free(o->f, blk);
    return rc;
}

int c5_vds_mappings(c5_object *o, c5_vds_visit fn, void *ctx)
{
    if (!o || !fn)
        return C5_EINVAL;
    c5_file *f = o->f;
    uint8_t *blk;
    size_t n;
    vds v = {.f = f, .space = &o->space, .visit = fn, .ctx = ctx};
    int rc = load_block(o, &blk, &n, &v.heap);
    if (rc || !blk)
        return rc;
    if (n < 1u + f->lsz + 4u)
        rc = c5_fail(f, C5_ECORRUPT, v.heap, "virtual dataset mapping block: %zu bytes", n);
    else if (!(rc = c5_check_sum(f, blk, n - 4, v.heap, "virtual dataset mapping block")))
        rc = mappings(&v, blk, n, VISIT);
    c5_free(f, blk);
    return rc;
}
