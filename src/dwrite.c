/* Dataset data on the write side: writing selections of compact,
 * contiguous and chunked datasets, the chunk write-back buffer, changing
 * the dims of chunked datasets, and the flush that publishes chunks, the
 * chunk index and the layout message.
 *
 * What each storage does with a write (libhdf5's behaviour, which readers
 * of the files expect):
 *
 *   storage     data goes to                   allocated
 *   compact     the layout message (in memory)  with the header
 *   contiguous  the file, run by run, at once   first write (late), or
 *                                               first flush (early)
 *   chunked     per-chunk buffers ("pending"),  chunk by chunk when written
 *               encoded and written at flush    out (incremental); every
 *               or when they exceed a budget    chunk at first flush (early)
 *                                               or once one exists (late)
 *
 * Storage allocated but not written reads as the fill value: contiguous
 * space gets the fill value written over it when one is defined or the
 * fill time is "alloc"; new chunks start as the fill value. Chunks are
 * always stored full-size, edge chunks included, and the part of an edge
 * chunk outside the dataspace holds the fill value (a shrink restores
 * that), so that growing the dataset later shows fill there.
 *
 * Pending chunks live in a hash table keyed by their scaled coordinates
 * (c5_wchunk below) with an LRU list; a second hash table finds stored
 * chunks among d->chunks. Appending an element therefore costs a hash
 * lookup and a copy: no index work and no chunk re-read until the chunk
 * leaves the buffer. A chunk written again goes to fresh space, and the
 * space it had is given back (c5_space_free), except with the implicit
 * index, whose chunks sit at fixed places in one block. */
#include "dwrite.h"
#include "wchunk.h"
#include "chunk/chunkw.h"
#include "chunk/index.h"
#include "format/densew.h"
#include "format/encode.h"

#define DEFAULT_BUDGET (64ull << 20)
#define FILL_PIECE ((size_t)1 << 20)
#define WRITE_BATCH 64

/* d->fill_time holds the fill value message's encoding (what is written to
 * the file and what libhdf5 acts on), not the public C5_FILL_* values. */
enum { FILL_TIME_ALLOC = 0, FILL_TIME_NEVER = 1, FILL_TIME_IFSET = 2 };

/* ---- geometry and fill ------------------------------------------------------------ */

static uint64_t nelem_of(const c5_space *sp)
{
    if (sp->cls == C5_SPACE_NULL)
        return 0;
    uint64_t n = 1;
    for (int i = 0; i < sp->rank; i++)
        if (c5_mul_ovf(n, sp->dims[i], &n))
            return UINT64_MAX;
    return n;
}

static uint64_t grid_of(uint64_t dim, uint64_t chunk) { return dim / chunk + (dim % chunk != 0); }

/* Does the chunk reach past dims (a partial edge chunk of that extent)? */
static int edge_in(const c5_wdset *d, const uint64_t *scaled, const uint64_t *dims)
{
    for (int i = 0; i < d->geom->rank; i++)
        if ((scaled[i] + 1) * d->geom->chunk[i] > dims[i])
            return 1;
    return 0;
}

static int partial_edge(const c5_wdset *d, const uint64_t *scaled)
{
    return edge_in(d, scaled, d->geom->dims);
}

/* Chunks stored without the pipeline: all of them when there is none,
 * partial edge chunks when the layout says so (v4 flag bit 0). */
static int unfiltered(const c5_wdset *d, const uint64_t *scaled)
{
    return d->pipe->n == 0 || ((d->layout_flags & 1) && partial_edge(d, scaled));
}

/* n elements of the fill value (zeros when none is defined). */
static void fill_elems(const c5_wdset *d, uint8_t *dst, uint64_t n)
{
    size_t esz = d->esz, total = (size_t)(n * esz);
    if (!d->fill || !total) {
        memset(dst, 0, total);
        return;
    }
    memcpy(dst, d->fill, esz);
    for (size_t have = esz; have < total;) { /* doubling copies */
        size_t k = have < total - have ? have : total - have;
        memcpy(dst + have, dst, k);
        have += k;
    }
}

static int fill_is_zero(const c5_wdset *d)
{
    if (!d->fill)
        return 1;
    for (size_t i = 0; i < d->esz; i++)
        if (d->fill[i])
            return 0;
    return 1;
}

/* The allocation time in effect: libhdf5's default per layout. */
static int alloc_time(const c5_wdset *d)
{
    if (d->alloc_time != C5_ALLOC_DEFAULT)
        return d->alloc_time;
    return d->storage == C5_STORAGE_COMPACT      ? C5_ALLOC_EARLY
           : d->storage == C5_STORAGE_CONTIGUOUS ? C5_ALLOC_LATE
                                                 : C5_ALLOC_INCR;
}

/* Fill [addr, addr + size) with the fill value. New space past the end of
 * a POSIX file needs only its last byte written when the value is zero:
 * the hole reads as zeros. */
static int write_fill(c5_file *f, const c5_wdset *d, uint64_t addr, uint64_t size)
{
    if (!size)
        return 0;
    if (fill_is_zero(d) && f->path && addr + f->base >= f->phys_size) {
        static const uint8_t zero = 0;
        return c5_write(f, addr + size - 1, &zero, 1);
    }
    size_t esz = d->esz;
    size_t piece = esz >= FILL_PIECE ? esz : FILL_PIECE / esz * esz;
    if (piece > size)
        piece = (size_t)size;
    uint8_t *buf = c5_malloc(f, piece);
    if (!buf)
        return c5_fail(f, C5_ENOMEM, addr, "out of memory");
    fill_elems(d, buf, piece / esz);
    int rc = 0;
    for (uint64_t off = 0; off < size && !rc; off += piece) {
        size_t k = size - off < piece ? (size_t)(size - off) : piece;
        rc = c5_write(f, addr + off, buf, k);
    }
    c5_free(f, buf);
    return rc;
}

/* ---- header messages --------------------------------------------------------------- */

static int put_msg(c5_file *f, c5_wobj *o, uint16_t type, c5_wr *w, int rc)
{
    size_t n = 0;
    uint8_t *data = rc || w->err ? NULL : c5_wr_take(w, &n);
    if (!data) {
        c5_wr_free(w);
        return rc ? rc : w->err ? w->err : C5_ENOMEM;
    }
    c5_wmsg *old = c5_wobj_find_msg(o, type);
    /* A rewritten message is stored in the header itself, never shared. */
    uint8_t flags = old ? (uint8_t)(old->flags & ~0x02) : 0;
    rc = c5_wobj_set_msg(f, o, type, flags, data, n);
    c5_free(f, data);
    return rc;
}

static int put_layout(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    c5_layout l;
    memset(&l, 0, sizeof l);
    l.version = d->layout_version ? d->layout_version : 3;
    l.addr = C5_UNDEF;
    switch (d->storage) {
    case C5_STORAGE_COMPACT:
        l.cls = C5_LAYOUT_COMPACT;
        l.size = d->compact_size;
        l.compact = d->compact;
        break;
    case C5_STORAGE_CONTIGUOUS:
        l.cls = C5_LAYOUT_CONTIG;
        l.addr = d->addr;
        l.size = d->addr == C5_UNDEF ? nelem_of(&d->space) * d->esz : d->size;
        break;
    case C5_STORAGE_CHUNKED:
        l.cls = C5_LAYOUT_CHUNKED;
        l.addr = d->index_addr;
        l.ndims = d->geom->rank + 1;
        for (int i = 0; i < d->geom->rank; i++)
            l.chunk[i] = d->geom->chunk[i];
        l.chunk[d->geom->rank] = d->esz;
        l.index_type = d->cidx_type;
        l.flags = d->layout_flags;
        l.idx_info = d->idx_info;
        l.idx_info_len = d->idx_info_len;
        break;
    default:
        return c5_fail(f, C5_EINVAL, o->addr, "dataset storage %d cannot be written",
                       d->storage);
    }
    c5_wr w;
    c5_wr_init(&w, f);
    int rc = c5_layout_encode(&w, &l);
    return put_msg(f, o, C5_MSG_LAYOUT, &w, rc);
}

static int put_space(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    c5_wmsg *m = c5_wobj_find_msg(o, C5_MSG_DATASPACE);
    /* Keep the message version the dataset has (2 from latest-format
     * writers, 1 otherwise). */
    int latest = m ? m->size > 0 && m->data[0] >= 2 : f->format == C5_FORMAT_LATEST;
    c5_wr w;
    c5_wr_init(&w, f);
    int rc = c5_space_encode(&w, &d->space, latest);
    return put_msg(f, o, C5_MSG_DATASPACE, &w, rc);
}

/* ---- selections ---------------------------------------------------------------------- */

/* The selection must lie inside the dataspace (the caller normalised it). */
static int sel_check(c5_file *f, const c5_wdset *d, const c5_sel *sel)
{
    if (sel->rank != d->space.rank)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "selection rank %d, dataset rank %d", sel->rank,
                       d->space.rank);
    for (int i = 0; i < sel->rank; i++) {
        uint64_t last, span;
        if (!sel->count[i])
            continue;
        if (!sel->stride[i] || !sel->block[i] ||
            c5_mul_ovf(sel->count[i] - 1, sel->stride[i], &last) ||
            c5_add_ovf(last, sel->block[i], &span) || c5_add_ovf(span, sel->start[i], &span) ||
            span > d->space.dims[i])
            return c5_fail(f, C5_ERANGE, C5_UNDEF, "selection exceeds the dataspace in "
                           "dimension %d", i);
    }
    return 0;
}

/* Runs of consecutive elements of a selection over a row-major array of
 * the dataspace's dims: fn(ud, first element, count, source bytes). The
 * source is the selection's elements in C order. */
typedef int (*run_fn)(void *ud, uint64_t elem, uint64_t n, const uint8_t *src);

static int linear_runs(const c5_wdset *d, const c5_sel *sel, const uint8_t *src, run_fn fn,
                       void *ud)
{
    const uint64_t *dims = d->space.dims;
    int rank = sel->rank;
    size_t esz = d->esz;
    if (rank == 0)
        return fn(ud, 0, 1, src);
    uint64_t idx[C5_MAX_RANK] = {0}, ext[C5_MAX_RANK];
    for (int i = 0; i < rank; i++)
        ext[i] = sel->count[i] * sel->block[i];
    int L = rank - 1;
    int merged = sel->count[L] == 1 || sel->stride[L] == sel->block[L];
    for (;;) {
        uint64_t base = 0;
        for (int i = 0; i < L; i++) {
            uint64_t c = sel->start[i] + (idx[i] / sel->block[i]) * sel->stride[i] +
                         idx[i] % sel->block[i];
            base = base * dims[i] + c;
        }
        base *= dims[L];
        int rc = 0;
        if (merged) {
            rc = fn(ud, base + sel->start[L], ext[L], src);
            src += ext[L] * esz;
        } else {
            for (uint64_t c = 0; c < sel->count[L] && !rc; c++) {
                rc = fn(ud, base + sel->start[L] + c * sel->stride[L], sel->block[L], src);
                src += sel->block[L] * esz;
            }
        }
        if (rc)
            return rc;
        int k = L - 1;
        while (k >= 0 && ++idx[k] == ext[k])
            idx[k--] = 0;
        if (k < 0)
            return 0;
    }
}

/* ---- compact ---------------------------------------------------------------------------- */

static int compact_init(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    if (d->compact)
        return 0;
    uint64_t n = nelem_of(&d->space), bytes;
    /* The compact layout message stores the size in 2 bytes. */
    if (n == UINT64_MAX || c5_mul_ovf(n, d->esz, &bytes) || bytes > 0xffff)
        return c5_fail(f, C5_ELIMIT, o->addr, "compact dataset larger than 64 KiB");
    d->compact = c5_malloc(f, bytes ? (size_t)bytes : 1);
    if (!d->compact)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    fill_elems(d, d->compact, n);
    d->compact_size = (size_t)bytes;
    d->dirty = 1;
    return 0;
}

typedef struct cpt {
    c5_wdset *d;
} cpt;

static int compact_run(void *ud, uint64_t elem, uint64_t n, const uint8_t *src)
{
    c5_wdset *d = ((cpt *)ud)->d;
    uint64_t off = elem * d->esz, len = n * d->esz;
    if (off > d->compact_size || len > d->compact_size - off)
        return C5_ECORRUPT;
    memcpy(d->compact + off, src, (size_t)len);
    return 0;
}

static int write_compact(c5_file *f, c5_wobj *o, c5_wdset *d, const c5_sel *sel,
                         const uint8_t *src)
{
    int rc = compact_init(f, o, d);
    if (rc)
        return rc;
    cpt c = {d};
    if ((rc = linear_runs(d, sel, src, compact_run, &c)))
        return rc == C5_ECORRUPT
                   ? c5_fail(f, rc, o->addr, "compact data shorter than the dataset")
                   : rc;
    d->dirty = 1;
    return put_layout(f, o, d);
}

/* ---- contiguous ------------------------------------------------------------------------ */

/* Allocate the data of a contiguous dataset. `covered`: the caller is about
 * to write every element, so no fill is needed. */
static int contig_alloc(c5_file *f, c5_wobj *o, c5_wdset *d, int covered)
{
    uint64_t n = nelem_of(&d->space), total;
    if (n == UINT64_MAX || c5_mul_ovf(n, d->esz, &total))
        return c5_fail(f, C5_ELIMIT, o->addr, "dataset size overflows");
    if (!total)
        return 0;
    uint64_t addr;
    int rc = c5_space_alloc(f, total, &addr);
    if (rc)
        return rc;
    if (!covered) {
        int fill = d->fill_time == FILL_TIME_ALLOC ||
                   (d->fill_time == FILL_TIME_IFSET && d->fill_defined);
        if (fill) {
            rc = write_fill(f, d, addr, total);
        } else if (addr + total + f->base > f->phys_size) {
            /* No fill written (libhdf5 leaves such space as it is), but the
             * file must reach the end of the data for readers. */
            static const uint8_t zero = 0;
            rc = c5_write(f, addr + total - 1, &zero, 1);
        }
        if (rc)
            return rc;
    }
    d->addr = addr;
    d->size = total;
    d->dirty = 1;
    return 0;
}

typedef struct cw {
    c5_file *f;
    uint64_t base, limit;
    size_t esz;
    uint64_t start, n;
    const uint8_t *src;
} cw;

static int cw_flush(cw *c)
{
    if (!c->n)
        return 0;
    uint64_t off = c->start * c->esz, len = c->n * c->esz;
    c->n = 0;
    if (off > c->limit || len > c->limit - off)
        return c5_fail(c->f, C5_ECORRUPT, c->base, "contiguous storage shorter than the dataset");
    return c5_write(c->f, c->base + off, c->src, (size_t)len);
}

/* Runs that continue each other in the file (whole rows of a block)
 * become one write. */
static int cw_run(void *ud, uint64_t elem, uint64_t n, const uint8_t *src)
{
    cw *c = ud;
    if (c->n && elem == c->start + c->n && src == c->src + c->n * c->esz) {
        c->n += n;
        return 0;
    }
    int rc = cw_flush(c);
    c->start = elem;
    c->n = n;
    c->src = src;
    return rc;
}

static int write_contig(c5_file *f, c5_wobj *o, c5_wdset *d, const c5_sel *sel,
                        const uint8_t *src)
{
    int rc;
    if (d->addr == C5_UNDEF) {
        if ((rc = contig_alloc(f, o, d, sel->nsel == nelem_of(&d->space))))
            return rc;
        if ((rc = put_layout(f, o, d)))
            return rc;
        c5_wobj_touch(f, o);
    }
    cw c = {f, d->addr, d->size, d->esz, 0, 0, NULL};
    rc = linear_runs(d, sel, src, cw_run, &c);
    if (!rc)
        rc = cw_flush(&c);
    return rc;
}

/* ---- chunked: reading a stored chunk back -------------------------------------------- */

/* Read n stored bytes. A chunk written out since the last flush lies past
 * the end-of-file address the superblock still records, which c5_read
 * holds reads to; such space (below the allocation end) is read through
 * the I/O layer directly. */
static int read_stored(c5_file *f, uint64_t addr, uint64_t n, uint8_t **out)
{
    uint64_t end;
    if (c5_add_ovf(addr, n, &end) || end <= c5_file_end(f) || end > f->eoa)
        return c5_read_alloc(f, addr, n, "chunk", out);
    int rc = c5_alloc_checked(f, n ? n : 1, addr, "chunk", (void **)out);
    if (rc)
        return rc;
    if (n && f->io.read_at(f->io.ctx, addr + f->base, *out, (size_t)n) < 0) {
        c5_free(f, *out);
        *out = NULL;
        return c5_fail(f, C5_EIO, addr, "read of chunk (%llu bytes) failed",
                       (unsigned long long)n);
    }
    return 0;
}

static int load_chunk(c5_file *f, c5_wdset *d, const c5_chunk_rec *rec, uint8_t **out)
{
    uint64_t want = d->geom->chunk_bytes;
    uint8_t *raw;
    int rc;
    *out = NULL;
    if (unfiltered(d, rec->scaled)) {
        if (rec->size < want)
            return c5_fail(f, C5_ECORRUPT, rec->addr, "chunk of %llu bytes, expected %llu",
                           (unsigned long long)rec->size, (unsigned long long)want);
        return read_stored(f, rec->addr, want, out);
    }
    if ((rc = read_stored(f, rec->addr, rec->size, &raw)))
        return rc;
    c5_filter_ctx ctx = {f, d->type, d->esz, want, rec->addr};
    size_t outn;
    if ((rc = c5_pipeline_apply(d->pipe, rec->filter_mask, &ctx, raw, (size_t)rec->size, out,
                                &outn)))
        return rc;
    if (outn != want) {
        c5_free(f, *out);
        *out = NULL;
        return c5_fail(f, C5_ECORRUPT, rec->addr, "chunk decodes to %zu bytes, expected %llu",
                       outn, (unsigned long long)want);
    }
    return 0;
}

/* The pending buffer of a chunk not pending yet: the stored chunk, or the
 * fill value; nothing to read when the write covers the whole chunk. */
static int pend_open(c5_file *f, c5_wdset *d, const uint64_t *scaled, uint64_t h, int covered,
                     c5_pend **out)
{
    size_t at;
    int found = c5_wc_rec_find(f, d, scaled, &at);
    if (found < 0)
        return found;
    uint8_t *buf = NULL;
    int rc = 0;
    if (found && !covered) {
        rc = load_chunk(f, d, &c5_wc_recs(d)[at], &buf);
    } else {
        buf = c5_malloc(f, (size_t)d->geom->chunk_bytes);
        if (!buf)
            rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
        else if (!covered || partial_edge(d, scaled))
            fill_elems(d, buf, d->geom->chunk_bytes / d->esz);
    }
    if (!rc && (rc = c5_wc_pend_add(f, d, scaled, h, buf, out)))
        c5_free(f, buf);
    return rc;
}

/* ---- chunked: storing chunks --------------------------------------------------------- */

/* Linear index over the chunk grid of the maximum dims: the implicit
 * index's order. */
static uint64_t implicit_linear(const c5_wdset *d, const uint64_t *scaled)
{
    uint64_t lin = 0;
    for (int i = 0; i < d->geom->rank; i++)
        lin = lin * grid_of(d->geom->maxdims[i], d->geom->chunk[i]) + scaled[i];
    return lin;
}

/* Odometer over the chunk grid of the current dims. */
static int grid_next(const c5_wdset *d, uint64_t *sc)
{
    for (int i = d->geom->rank - 1; i >= 0; i--) {
        if (++sc[i] < grid_of(d->geom->dims[i], d->geom->chunk[i]))
            return 1;
        sc[i] = 0;
    }
    return 0;
}

static int grid_empty(const c5_wdset *d)
{
    for (int i = 0; i < d->geom->rank; i++)
        if (d->geom->dims[i] == 0)
            return 1;
    return 0;
}

static uint64_t grid_count(const c5_wdset *d)
{
    uint64_t n = 1;
    for (int i = 0; i < d->geom->rank; i++)
        if (c5_mul_ovf(n, grid_of(d->geom->dims[i], d->geom->chunk[i]), &n))
            return UINT64_MAX;
    return n;
}

/* The implicit index keeps every chunk of the maximum extent in one block,
 * in linear order: allocate it (filled) on first need, and give every
 * chunk of the current extent its record. */
static int implicit_block(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    c5_wchunk *w = c5_wc_get(f, d);
    if (!w)
        return C5_ENOMEM;
    int rank = d->geom->rank, rc;
    uint64_t zero[C5_MAX_RANK] = {0};
    uint64_t cb = d->geom->chunk_bytes;
    if (d->pipe->n)
        return c5_fail(f, C5_EUNSUPPORTED, o->addr, "implicit chunk index with filters");
    if (w->implicit_base == C5_UNDEF) {
        size_t at;
        int found = c5_wc_rec_find(f, d, zero, &at);
        if (found < 0)
            return found;
        if (found) {
            w->implicit_base = c5_wc_recs(d)[at].addr;
        } else {
            uint64_t n = 1, bytes;
            for (int i = 0; i < rank; i++)
                if (d->geom->maxdims[i] == C5_UNLIMITED ||
                    c5_mul_ovf(n, grid_of(d->geom->maxdims[i], d->geom->chunk[i]), &n))
                    return c5_fail(f, C5_EINVAL, o->addr,
                                   "implicit chunk index needs fixed maximum dims");
            if (c5_mul_ovf(n, cb, &bytes))
                return c5_fail(f, C5_ELIMIT, o->addr, "dataset size overflows");
            if (!bytes)
                return 0;
            uint64_t base;
            if ((rc = c5_space_alloc(f, bytes, &base)) || (rc = write_fill(f, d, base, bytes)))
                return rc;
            w->implicit_base = base;
            d->dirty = 1;
        }
    }
    if (grid_empty(d) || d->chunks.n >= grid_count(d))
        return 0;
    uint64_t sc[C5_MAX_RANK] = {0};
    do {
        size_t at;
        int found = c5_wc_rec_find(f, d, sc, &at);
        if (found < 0)
            return found;
        if (!found) {
            c5_chunk_rec r;
            memset(&r, 0, sizeof r);
            r.addr = w->implicit_base + implicit_linear(d, sc) * cb;
            r.size = cb;
            memcpy(r.scaled, sc, sizeof(uint64_t) * (size_t)rank);
            if ((rc = c5_wc_rec_add(f, d, &r)))
                return rc;
            d->dirty = 1;
        }
    } while (grid_next(d, sc));
    return 0;
}

/* Store one encoded chunk: fresh space (the old extent is given back), or
 * its fixed place in the implicit block. */
static int store_chunk(c5_file *f, c5_wobj *o, c5_wdset *d, const uint64_t *scaled,
                       const uint8_t *bytes, size_t n, uint32_t mask)
{
    int rc;
    size_t at;
    if (d->cidx_type == C5_CIDX_IMPLICIT) {
        if ((rc = implicit_block(f, o, d)))
            return rc;
        uint64_t addr = d->pending->implicit_base + implicit_linear(d, scaled) * d->geom->chunk_bytes;
        d->dirty = 1;
        return c5_write(f, addr, bytes, n);
    }
    int found = c5_wc_rec_find(f, d, scaled, &at);
    if (found < 0)
        return found;
    uint64_t addr;
    if (!n)
        return c5_fail(f, C5_EINVAL, o->addr, "filter pipeline produced an empty chunk");
    if ((rc = c5_space_alloc(f, n, &addr)) || (rc = c5_write(f, addr, bytes, n)))
        return rc;
    d->dirty = 1;
    if (found) {
        c5_chunk_rec *r = &c5_wc_recs(d)[at];
        uint64_t oa = r->addr, os = r->size;
        r->addr = addr;
        r->size = n;
        r->filter_mask = mask;
        c5_space_free(f, oa, os);
        return 0;
    }
    c5_chunk_rec r;
    memset(&r, 0, sizeof r);
    r.addr = addr;
    r.size = n;
    r.filter_mask = mask;
    memcpy(r.scaled, scaled, sizeof(uint64_t) * (size_t)d->geom->rank);
    return c5_wc_rec_add(f, d, &r);
}

typedef struct enc_job {
    c5_pend *p;
    uint8_t *out;
    size_t outn;
    uint32_t mask;
    int rc;
} enc_job;

typedef struct enc_run {
    c5_file *f;
    c5_wdset *d;
    enc_job *jobs;
} enc_run;

/* Runs on pool threads: touches only its job, the read-only pipeline and
 * geometry, and c5_malloc. */
static void encode_job(void *ud, size_t i)
{
    enc_run *e = ud;
    enc_job *j = &e->jobs[i];
    c5_wdset *d = e->d;
    if (unfiltered(d, j->p->scaled)) {
        j->out = j->p->buf;
        j->outn = (size_t)d->geom->chunk_bytes;
        j->mask = 0;
        return;
    }
    c5_filter_ctx ctx = {e->f, d->type, d->esz, d->geom->chunk_bytes, C5_UNDEF};
    j->rc = c5_pipeline_encode(d->pipe, &ctx, j->p->buf, (size_t)d->geom->chunk_bytes, &j->out,
                               &j->outn, &j->mask);
}

static int cmp_pend(const void *a, const void *b)
{
    const c5_pend *x = *(c5_pend *const *)a, *y = *(c5_pend *const *)b;
    return c5_cidx_cmp_scaled(x->rank, x->scaled, y->scaled);
}

/* Encode k pending chunks in parallel, then store them in chunk order and
 * drop them from the table. On failure the chunks not stored stay pending. */
static int write_out(c5_file *f, c5_wobj *o, c5_wdset *d, c5_pend **ps, size_t k)
{
    if (!k)
        return 0;
    qsort(ps, k, sizeof *ps, cmp_pend);
    enc_job *jobs = c5_calloc(f, k < WRITE_BATCH ? k : WRITE_BATCH, sizeof *jobs);
    if (!jobs)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    int rc = 0;
    int nt = f->nthreads > 0 ? f->nthreads : 1;
    for (size_t done = 0; done < k && !rc;) {
        size_t b = k - done < WRITE_BATCH ? k - done : WRITE_BATCH;
        for (size_t i = 0; i < b; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].p = ps[done + i];
        }
        enc_run e = {f, d, jobs};
        if (b > 1 && nt > 1 && d->pipe->n)
            c5_parallel_for(nt, b, encode_job, &e);
        else
            for (size_t i = 0; i < b; i++)
                encode_job(&e, i);
        for (size_t i = 0; i < b; i++) {
            enc_job *j = &jobs[i];
            if (!rc && j->rc)
                rc = j->rc;
            if (!rc)
                rc = store_chunk(f, o, d, j->p->scaled, j->out, j->outn, j->mask);
            if (j->out && j->out != j->p->buf)
                c5_free(f, j->out);
            if (!rc)
                c5_wc_pend_remove(f, d, j->p);
        }
        done += b;
    }
    c5_free(f, jobs);
    return rc;
}

/* Write out the oldest chunks when the buffer exceeds its budget (the
 * file's chunk cache budget), down to three quarters of it so that a
 * steady stream writes in batches. The newest chunk always stays, even
 * when it alone exceeds the budget: appending to it must not re-read and
 * re-encode it on every call. */
static int evict(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    uint64_t budget = f->opts.chunk_cache_bytes ? f->opts.chunk_cache_bytes : DEFAULT_BUDGET;
    if (d->pending_bytes <= budget || !d->pending)
        return 0;
    uint64_t target = budget / 4 * 3, bytes = d->pending_bytes;
    size_t k = 0;
    for (c5_pend *p = d->pending->oldest; p && p != d->pending->newest && bytes > target;
         p = p->newer) {
        k++;
        bytes -= d->geom->chunk_bytes;
    }
    if (!k)
        return 0;
    c5_pend **ps = c5_malloc(f, k * sizeof *ps);
    if (!ps)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    size_t i = 0;
    for (c5_pend *p = d->pending->oldest; i < k; p = p->newer)
        ps[i++] = p;
    int rc = write_out(f, o, d, ps, k);
    c5_free(f, ps);
    return rc;
}

static int write_all_pending(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    if (!d->npending)
        return 0;
    c5_pend **ps = c5_malloc(f, d->npending * sizeof *ps);
    if (!ps)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    size_t k = 0;
    for (c5_pend *p = d->pending->oldest; p; p = p->newer)
        ps[k++] = p;
    int rc = write_out(f, o, d, ps, k);
    c5_free(f, ps);
    return rc;
}

/* Early allocation (and late, once a chunk exists): every chunk of the
 * current extent is stored; the missing ones get the fill value, encoded
 * once. */
static int alloc_all(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    if (d->cidx_type == C5_CIDX_IMPLICIT)
        return implicit_block(f, o, d);
    if (grid_empty(d) || d->chunks.n >= grid_count(d))
        return 0;
    size_t cb = (size_t)d->geom->chunk_bytes;
    uint8_t *fillc = c5_malloc(f, cb), *enc = NULL;
    if (!fillc)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    fill_elems(d, fillc, cb / d->esz);
    size_t encn = cb;
    uint32_t mask = 0;
    int rc = 0;
    if (d->pipe->n) {
        c5_filter_ctx ctx = {f, d->type, d->esz, cb, C5_UNDEF};
        rc = c5_pipeline_encode(d->pipe, &ctx, fillc, cb, &enc, &encn, &mask);
    }
    uint64_t sc[C5_MAX_RANK] = {0};
    do {
        size_t at;
        int found = rc ? rc : c5_wc_rec_find(f, d, sc, &at);
        if (found < 0) {
            rc = found;
            break;
        }
        if (found)
            continue;
        if (enc && !unfiltered(d, sc))
            rc = store_chunk(f, o, d, sc, enc, encn, mask);
        else
            rc = store_chunk(f, o, d, sc, fillc, cb, 0);
    } while (!rc && grid_next(d, sc));
    c5_free(f, enc);
    c5_free(f, fillc);
    return rc;
}

/* ---- chunked: writing a selection ----------------------------------------------------- */

typedef struct scat {
    const c5_wdset *d;
    const c5_sel *sel;
    uint64_t sstride[C5_MAX_RANK];   /* selection-buffer stride per dimension */
    uint64_t cstride[C5_MAX_RANK];   /* chunk stride per dimension */
    uint64_t *cin[C5_MAX_RANK];      /* selected coordinates inside the chunk */
    uint64_t *sidx[C5_MAX_RANK];     /* their index along the selection */
    size_t m[C5_MAX_RANK];
} scat;

/* Selected coordinates of dimension k inside chunk `scaled`. */
static size_t dim_list(scat *sc, int k, uint64_t scaled)
{
    const c5_sel *s = sc->sel;
    uint64_t chunk = sc->d->geom->chunk[k];
    uint64_t cs = scaled * chunk, ce = cs + chunk;
    if (ce > sc->d->geom->dims[k])
        ce = sc->d->geom->dims[k];
    uint64_t lo = cs > s->start[k] ? cs : s->start[k];
    size_t m = 0;
    if (s->stride[k] == s->block[k]) { /* blocks touch: one range */
        uint64_t end = s->start[k] + s->count[k] * s->block[k];
        for (uint64_t x = lo; x < ce && x < end; x++, m++) {
            sc->cin[k][m] = x - cs;
            sc->sidx[k][m] = x - s->start[k];
        }
        return m;
    }
    for (uint64_t x = lo; x < ce; x++) {
        uint64_t rel = x - s->start[k];
        uint64_t bi = rel / s->stride[k], within = rel % s->stride[k];
        if (bi >= s->count[k])
            break;
        if (within >= s->block[k]) { /* skip to the next block */
            x = s->start[k] + (bi + 1) * s->stride[k] - 1;
            continue;
        }
        sc->cin[k][m] = x - cs;
        sc->sidx[k][m] = bi * s->block[k] + within;
        m++;
    }
    return m;
}

/* Copy the selected elements of one chunk from the source into it. */
static void scatter(const scat *sc, uint8_t *chunk, const uint8_t *src)
{
    int L = sc->sel->rank - 1;
    size_t esz = sc->d->esz;
    size_t idx[C5_MAX_RANK] = {0};
    for (;;) {
        uint64_t so = 0, co = 0;
        for (int k = 0; k < L; k++) {
            so += sc->sidx[k][idx[k]] * sc->sstride[k];
            co += sc->cin[k][idx[k]] * sc->cstride[k];
        }
        for (size_t i = 0; i < sc->m[L];) {
            size_t r = 1; /* a run of consecutive coordinates and indices */
            while (i + r < sc->m[L] && sc->cin[L][i + r] == sc->cin[L][i] + r &&
                   sc->sidx[L][i + r] == sc->sidx[L][i] + r)
                r++;
            memcpy(chunk + (co + sc->cin[L][i]) * esz, src + (so + sc->sidx[L][i]) * esz,
                   r * esz);
            i += r;
        }
        int k = L - 1;
        while (k >= 0 && ++idx[k] == sc->m[k])
            idx[k--] = 0;
        if (k < 0)
            return;
    }
}

static int write_chunked(c5_file *f, c5_wobj *o, c5_wdset *d, const c5_sel *sel,
                         const uint8_t *src)
{
    int rank = d->geom->rank;
    if (rank < 1 || rank != sel->rank || !d->geom->chunk_bytes ||
        d->geom->chunk_bytes % d->esz)
        return c5_fail(f, C5_EINVAL, o->addr, "chunked dataset geometry is incomplete");
    if (!c5_wc_get(f, d))
        return C5_ENOMEM;
    scat sc;
    memset(&sc, 0, sizeof sc);
    sc.d = d;
    sc.sel = sel;
    uint64_t lo[C5_MAX_RANK], hi[C5_MAX_RANK], cap[C5_MAX_RANK];
    uint64_t ss = 1, cs = 1, total = 0;
    for (int k = rank - 1; k >= 0; k--) {
        uint64_t ext = sel->count[k] * sel->block[k];
        sc.sstride[k] = ss;
        sc.cstride[k] = cs;
        ss *= ext;
        cs *= d->geom->chunk[k];
        uint64_t last = sel->start[k] + (sel->count[k] - 1) * sel->stride[k] + sel->block[k] - 1;
        lo[k] = sel->start[k] / d->geom->chunk[k];
        hi[k] = last / d->geom->chunk[k];
        /* at most this many selected coordinates fall in one chunk */
        cap[k] = ext < d->geom->chunk[k] ? ext : d->geom->chunk[k];
        total += cap[k];
    }
    uint64_t *lists;
    int rc = c5_alloc_checked(f, 2 * total * sizeof(uint64_t), o->addr, "chunk selection",
                              (void **)&lists);
    if (rc)
        return rc;
    uint64_t *p = lists;
    for (int k = 0; k < rank; k++) {
        sc.cin[k] = p;
        p += cap[k];
        sc.sidx[k] = p;
        p += cap[k];
    }
    uint64_t at[C5_MAX_RANK];
    memcpy(at, lo, sizeof(uint64_t) * (size_t)rank);
    for (;;) {
        int empty = 0;
        for (int k = 0; k < rank && !empty; k++)
            empty = (sc.m[k] = dim_list(&sc, k, at[k])) == 0;
        if (!empty) {
            int covered = 1;
            for (int k = 0; k < rank && covered; k++) {
                uint64_t c0 = at[k] * d->geom->chunk[k], c1 = c0 + d->geom->chunk[k];
                if (c1 > d->geom->dims[k])
                    c1 = d->geom->dims[k];
                covered = sc.m[k] == c1 - c0;
            }
            uint64_t h = c5_wc_hash(rank, at);
            c5_pend *pc = c5_wc_pend_find(d->pending, rank, at, h);
            if (pc) {
                c5_wc_lru_unlink(d->pending, pc);
                c5_wc_lru_push(d->pending, pc);
            } else if ((rc = pend_open(f, d, at, h, covered, &pc))) {
                break;
            }
            scatter(&sc, pc->buf, src);
            /* chunks done with are written out as the write goes, so a
             * large write holds at most the budget in chunk buffers */
            if ((rc = evict(f, o, d)))
                break;
        }
        int k = rank - 1;
        while (k >= 0 && at[k] == hi[k]) {
            at[k] = lo[k];
            k--;
        }
        if (k < 0)
            break;
        at[k]++;
    }
    c5_free(f, lists);
    return rc;
}

/* ---- the entry points -------------------------------------------------------------------- */

int c5_wdset_write(c5_file *f, c5_wobj *o, const c5_type *mem, const c5_sel *sel,
                   const void *buf, size_t len)
{
    if (!f || !o || !o->ds || !sel)
        return C5_EINVAL;
    c5_wdset *d = o->ds;
    if (!d->esz || !d->type)
        return c5_fail(f, C5_EINVAL, o->addr, "dataset has no datatype");
    int rc = sel_check(f, d, sel);
    if (rc)
        return rc;
    if (d->space.cls == C5_SPACE_NULL || sel->nsel == 0)
        return 0;
    size_t msz = mem ? c5_type_mem_size(mem) : d->esz;
    uint64_t need, fbytes;
    if (c5_mul_ovf(sel->nsel, msz, &need) || need > len)
        return c5_fail(f, C5_ERANGE, C5_UNDEF, "buffer of %zu bytes too small for %llu elements",
                       len, (unsigned long long)sel->nsel);
    if (!buf)
        return C5_EINVAL;
    if (c5_mul_ovf(sel->nsel, d->esz, &fbytes) || fbytes > SIZE_MAX)
        return c5_fail(f, C5_ERANGE, C5_UNDEF, "selection too large");
    const uint8_t *src = buf;
    uint8_t *tmp = NULL;
    /* A memory type laid out like the file type is written as it is;
     * variable-length data always goes through the global heap. */
    if (mem && !(c5_type_equal(mem, d->type) && !c5_type_has_vlen(mem))) {
        if (!(tmp = c5_malloc(f, fbytes ? (size_t)fbytes : 1)))
            return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
        memset(tmp, 0, (size_t)fbytes);
        if ((rc = c5_convert_to_file(f, mem, d->type, buf, tmp, (size_t)sel->nsel))) {
            c5_free(f, tmp);
            return rc;
        }
        src = tmp;
    }
    switch (d->storage) {
    case C5_STORAGE_COMPACT:
        rc = write_compact(f, o, d, sel, src);
        break;
    case C5_STORAGE_CONTIGUOUS:
        rc = write_contig(f, o, d, sel, src);
        break;
    case C5_STORAGE_CHUNKED:
        rc = write_chunked(f, o, d, sel, src);
        if (!rc)
            c5_wobj_touch(f, o); /* pending chunks: the flush must visit it */
        break;
    default:
        rc = c5_fail(f, C5_EUNSUPPORTED, o->addr, "writing this dataset storage");
    }
    c5_free(f, tmp);
    return rc;
}

/* Sort the chunk records (the index writers want scaled-coordinate order). */
typedef struct rsort {
    const c5_chunk_rec *r;
    int rank;
} rsort;

static int cmp_rsort(const void *a, const void *b)
{
    const rsort *x = a, *y = b;
    return c5_cidx_cmp_scaled(x->rank, x->r->scaled, y->r->scaled);
}

static int sort_recs(c5_file *f, c5_wdset *d)
{
    size_t n = d->chunks.n;
    if (d->chunks_sorted || n < 2) {
        d->chunks_sorted = 1;
        return 0;
    }
    rsort *t = c5_malloc(f, n * sizeof *t);
    c5_chunk_rec *out = c5_malloc(f, n * sizeof *out);
    if (!t || !out) {
        c5_free(f, t);
        c5_free(f, out);
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        t[i].r = &c5_wc_recs(d)[i];
        t[i].rank = d->geom->rank;
    }
    qsort(t, n, sizeof *t, cmp_rsort);
    for (size_t i = 0; i < n; i++)
        out[i] = *t[i].r;
    memcpy(d->chunks.v, out, n * sizeof *out);
    c5_free(f, t);
    c5_free(f, out);
    d->chunks_sorted = 1;
    if (d->pending)
        d->pending->rvalid = 0;
    return 0;
}

/* No chunk stored: libhdf5 leaves the index address undefined (it creates
 * the index with the first chunk) but still writes the index parameters
 * it would use into the layout message. The array, single and implicit
 * writers produce those without writing anything for n == 0; the B-trees
 * would write an empty tree, so their parameters are set here. */
static int empty_index(c5_file *f, c5_wdset *d)
{
    d->index_addr = C5_UNDEF;
    if (d->layout_version < 4 || d->cidx_type == C5_CIDX_BTREE1)
        return 0;
    if (d->cidx_type == C5_CIDX_BTREE2) {
        c5_put_le(d->idx_info, C5_BT2_CHUNK_NODE_SIZE, 4);
        d->idx_info[4] = C5_BT2_SPLIT_PCT;
        d->idx_info[5] = C5_BT2_MERGE_PCT;
        d->idx_info_len = 6;
        return 0;
    }
    c5_cidx_out out;
    memset(&out, 0, sizeof out);
    int rc = c5_chunk_index_write(f, d->cidx_type, d->geom, NULL, 0, &out);
    if (rc)
        return rc;
    if (out.info_len > sizeof d->idx_info)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "chunk index information too long");
    if (out.info_len) {
        memcpy(d->idx_info, out.info, out.info_len);
        d->idx_info_len = out.info_len;
    }
    d->layout_flags = (uint8_t)((d->layout_flags & 1) | (out.flags & ~1u));
    return 0;
}

static int flush_chunked(c5_file *f, c5_wobj *o, c5_wdset *d)
{
    int at = alloc_time(d), rc = 0;
    if (d->cidx_type == C5_CIDX_IMPLICIT && (at == C5_ALLOC_EARLY || d->npending))
        rc = implicit_block(f, o, d);
    if (!rc)
        rc = write_all_pending(f, o, d);
    if (!rc && (at == C5_ALLOC_EARLY || (at == C5_ALLOC_LATE && d->chunks.n)))
        rc = alloc_all(f, o, d);
    if (rc)
        return rc;
    if (d->dirty) {
        if ((rc = sort_recs(f, d)))
            return rc;
        d->geom->elem_size = d->esz;
        d->geom->filtered = d->pipe->n > 0;
        if (d->chunks.n) {
            c5_cidx_out out;
            memset(&out, 0, sizeof out);
            if ((rc = c5_chunk_index_write(f, d->cidx_type, d->geom, c5_wc_recs(d), d->chunks.n,
                                           &out)))
                return rc;
            d->index_addr = out.addr;
            /* bit 0 (edge chunks unfiltered) is the dataset's; the index
             * writer decides the rest (bit 1: single chunk filtered) */
            d->layout_flags = (uint8_t)((d->layout_flags & 1) | (out.flags & ~1u));
            if (out.info_len > sizeof d->idx_info)
                return c5_fail(f, C5_EINVAL, o->addr, "chunk index information too long");
            if (out.info_len) {
                memcpy(d->idx_info, out.info, out.info_len);
                d->idx_info_len = out.info_len;
            }
        } else {
            rc = empty_index(f, d);
            if (rc)
                return rc;
        }
    }
    if (d->dirty || !c5_wobj_find_msg(o, C5_MSG_LAYOUT))
        rc = put_layout(f, o, d);
    return rc;
}

int c5_wdset_flush(c5_file *f, c5_wobj *o)
{
    if (!f || !o)
        return C5_EINVAL;
    c5_wdset *d = o->ds;
    if (!d)
        return 0;
    int rc = 0;
    switch (d->storage) {
    case C5_STORAGE_COMPACT:
        rc = compact_init(f, o, d);
        if (!rc && (d->dirty || !c5_wobj_find_msg(o, C5_MSG_LAYOUT)))
            rc = put_layout(f, o, d);
        break;
    case C5_STORAGE_CONTIGUOUS:
        if (d->addr == C5_UNDEF && alloc_time(d) == C5_ALLOC_EARLY)
            rc = contig_alloc(f, o, d, 0);
        if (!rc && (d->dirty || !c5_wobj_find_msg(o, C5_MSG_LAYOUT)))
            rc = put_layout(f, o, d);
        break;
    case C5_STORAGE_CHUNKED:
        rc = flush_chunked(f, o, d);
        break;
    default:
        return 0;
    }
    if (!rc)
        d->dirty = 0;
    return rc;
}

/* ---- resize ------------------------------------------------------------------------------- */

static int chunk_outside(const c5_wdset *d, const uint64_t *scaled, const uint64_t *dims)
{
    for (int i = 0; i < d->geom->rank; i++)
        if (scaled[i] * d->geom->chunk[i] >= dims[i])
            return 1;
    return 0;
}

/* Inside the new extent but cut by a dimension that shrinks. */
static int chunk_cut(const c5_wdset *d, const uint64_t *scaled, const uint64_t *dims)
{
    for (int i = 0; i < d->geom->rank; i++)
        if (dims[i] < d->geom->dims[i] && (scaled[i] + 1) * d->geom->chunk[i] > dims[i])
            return 1;
    return 0;
}

/* Set the elements of a chunk that lie outside dims to the fill value. */
static void clear_outside(const c5_wdset *d, uint8_t *buf, const uint64_t *scaled,
                          const uint64_t *dims)
{
    int L = d->geom->rank - 1;
    const uint64_t *ch = d->geom->chunk;
    uint64_t row = ch[L], base_l = scaled[L] * ch[L];
    uint64_t keep = dims[L] > base_l ? dims[L] - base_l : 0;
    uint64_t idx[C5_MAX_RANK] = {0};
    for (uint64_t off = 0;; off += row) {
        int out = 0;
        for (int k = 0; k < L && !out; k++)
            out = scaled[k] * ch[k] + idx[k] >= dims[k];
        if (out)
            fill_elems(d, buf + off * d->esz, row);
        else if (keep < row)
            fill_elems(d, buf + (off + keep) * d->esz, row - keep);
        int k = L - 1;
        while (k >= 0 && ++idx[k] == ch[k])
            idx[k--] = 0;
        if (k < 0)
            return;
    }
}

/* Shrinking: chunks wholly outside the new extent go (their space is given
 * back); chunks cut by it have the part outside reset to the fill value,
 * as libhdf5 does, so that a later grow shows fill there. */
static int prune(c5_file *f, c5_wobj *o, c5_wdset *d, const uint64_t *dims)
{
    int rank = d->geom->rank, rc;
    int implicit = d->cidx_type == C5_CIDX_IMPLICIT;
    if (!c5_wc_get(f, d))
        return C5_ENOMEM;
    /* 1: stored chunks cut by the new extent become pending (their
     * records stay until written). */
    for (size_t i = 0; i < d->chunks.n; i++) {
        const uint64_t *s = c5_wc_recs(d)[i].scaled;
        if ((!chunk_outside(d, s, dims) && chunk_cut(d, s, dims)) ||
            (implicit && chunk_outside(d, s, dims))) {
            uint64_t h = c5_wc_hash(rank, s);
            c5_pend *p;
            if (!c5_wc_pend_find(d->pending, rank, s, h) &&
                (rc = pend_open(f, d, s, h, implicit && chunk_outside(d, s, dims), &p)))
                return rc;
        }
    }
    /* 2: records wholly outside. The implicit block keeps its chunks in
     * place (refilled through step 3); other indexes drop them. */
    for (size_t i = d->chunks.n; i-- > 0;) {
        c5_chunk_rec *r = &c5_wc_recs(d)[i];
        if (!chunk_outside(d, r->scaled, dims))
            continue;
        if (!implicit)
            c5_space_free(f, r->addr, r->size);
        c5_wc_rec_remove(d, i);
    }
    /* 3: pending chunks. */
    for (c5_pend *p = d->pending->oldest, *next; p; p = next) {
        next = p->newer;
        if (chunk_outside(d, p->scaled, dims)) {
            if (implicit)
                fill_elems(d, p->buf, d->geom->chunk_bytes / d->esz);
            else
                c5_wc_pend_remove(f, d, p);
        } else if (chunk_cut(d, p->scaled, dims)) {
            clear_outside(d, p->buf, p->scaled, dims);
        }
    }
    return 0;
}

/* With "partial edge chunks unfiltered" (layout v4 flag bit 0) a chunk
 * that becomes or stops being a partial edge chunk changes its encoding:
 * load those now (decoded under the old dims) so that they are written
 * again under the new ones, as libhdf5 does. */
static int edge_flip(c5_file *f, c5_wdset *d, const uint64_t *dims)
{
    if (!(d->layout_flags & 1) || !d->pipe->n)
        return 0;
    int rank = d->geom->rank, rc;
    for (size_t i = 0; i < d->chunks.n; i++) {
        const uint64_t *s = c5_wc_recs(d)[i].scaled;
        if (chunk_outside(d, s, dims) || edge_in(d, s, d->geom->dims) == edge_in(d, s, dims))
            continue;
        uint64_t h = c5_wc_hash(rank, s);
        c5_pend *p;
        if (!c5_wc_pend_find(d->pending, rank, s, h) && (rc = pend_open(f, d, s, h, 0, &p)))
            return rc;
    }
    return 0;
}

int c5_wdset_resize(c5_file *f, c5_wobj *o, const uint64_t *dims)
{
    if (!f || !o || !o->ds || !dims)
        return C5_EINVAL;
    c5_wdset *d = o->ds;
    if (d->storage != C5_STORAGE_CHUNKED || d->space.cls != C5_SPACE_SIMPLE)
        return c5_fail(f, C5_EINVAL, o->addr, "only chunked datasets can change their dims");
    int rank = d->space.rank, shrink = 0, same = 1;
    for (int i = 0; i < rank; i++) {
        if (d->space.maxdims[i] != C5_UNLIMITED && dims[i] > d->space.maxdims[i])
            return c5_fail(f, C5_EINVAL, o->addr,
                           "dimension %d: %llu exceeds the maximum %llu", i,
                           (unsigned long long)dims[i],
                           (unsigned long long)d->space.maxdims[i]);
        if (dims[i] == C5_UNLIMITED)
            return c5_fail(f, C5_EINVAL, o->addr, "dimension %d: size out of range", i);
        shrink |= dims[i] < d->space.dims[i];
        same &= dims[i] == d->space.dims[i];
    }
    if (same)
        return 0;
    int rc;
    if (shrink && (rc = prune(f, o, d, dims)))
        return rc;
    if ((rc = edge_flip(f, d, dims)))
        return rc;
    for (int i = 0; i < rank; i++)
        d->space.dims[i] = d->geom->dims[i] = dims[i];
    d->dirty = 1;
    if ((rc = put_space(f, o, d)))
        return rc;
    c5_wobj_touch(f, o);
    return 0;
}

typedef struct chunked_block {
    c5_chunk_geom geom; /* first: the block's address is geom's */
    c5_pipeline pipe;
} chunked_block;

int c5_wdset_chunked(c5_file *f, c5_wdset *d)
{
    if (d->geom)
        return 0;
    chunked_block *b = c5_calloc(f, 1, sizeof *b);
    if (!b)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    d->geom = &b->geom;
    d->pipe = &b->pipe;
    return 0;
}

void c5_wdset_free(c5_file *f, c5_wdset *d)
{
    if (!d)
        return;
    c5_wchunk *w = d->pending;
    if (w) {
        while (w->oldest)
            c5_wc_pend_remove(f, d, w->oldest);
        c5_free(f, w->bucket);
        c5_free(f, w->rslot);
        c5_free(f, w);
        d->pending = NULL;
    }
    c5_vec_free(f, &d->chunks);
    c5_free(f, d->compact);
    c5_free(f, d->fill);
    c5_type_close(d->type);
    if (d->pipe)
        c5_pipeline_free(f, d->pipe);
    c5_free(f, d->geom); /* the block holding both */
    d->geom = NULL;
    d->pipe = NULL;
    d->type = NULL;
    d->compact = d->fill = NULL;
}
