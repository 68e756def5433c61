/* Writing global heap collections (spec III.E), the inverse of gheap.c.
 *
 *   0 4 "GCOL"  4 1 version (1)  5 3 reserved  8 L collection size
 *   (header padded to a multiple of 8)
 *   objects 1..N, in index order, no gaps:
 *     2 heap object index  2 reference count (0, as libhdf5 writes)
 *     4 reserved  L object size  data padded to a multiple of 8
 *   object 0, the free space, at the end: the same header with index 0 and
 *     as size all the remaining bytes including that header; left out when
 *     fewer bytes than a header remain (libhdf5 then implies it).
 *
 * A collection is at least 4096 bytes (libhdf5's minimum; it reads that
 * much first), more when its first object needs it. Its space is allocated
 * when it is started, so the address handed out with each object is final.
 * Objects accumulate in memory; a full collection is written and dropped.
 *
 * Continuing a collection after a flush appends objects where the free
 * space object starts. That header is live: libhdf5 walks the objects in
 * sequence and relies on it to reach the end (a zero-size free object
 * would even stop its walk from advancing). So the appended bytes are
 * written first, all inside the old free space where nothing reads them,
 * and the 16-byte header that links them in comes last, after a sync in
 * durable mode: a crash leaves either the old or the new collection.
 */
#include "stabw.h"
#include "../write.h"

struct c5_gheapw {
    uint64_t addr;      /* current collection or C5_UNDEF */
    size_t size;        /* its size */
    uint8_t *buf;       /* its image (size bytes) */
    size_t used;        /* header + objects */
    size_t written;     /* bytes of `used` on disk (0: nothing written yet) */
    uint32_t nobj;      /* objects in it (the last index) */
};

#define GH_MIN 4096
#define GH_MAXIDX 0xffff

static size_t align8(size_t v) { return (v + 7) & ~(size_t)7; }
static size_t gh_hdr(const c5_file *f) { return align8(8 + (size_t)f->lsz); }

/* Encode the free space object after the last object, if it fits. */
static void gh_free_obj(c5_file *f, struct c5_gheapw *g)
{
    size_t left = g->size - g->used;
    if (left < gh_hdr(f))
        return;
    uint8_t *p = g->buf + g->used;
    memset(p, 0, 8);
    c5_put_le(p + 8, left, f->lsz);
}

static int gh_write(c5_file *f, struct c5_gheapw *g)
{
    if (g->used == g->written)
        return 0;
    int rc;
    if (g->written == 0) {
        rc = c5_write(f, g->addr, g->buf, g->size);
    } else {
        /* The old free object header is at `written`: write what follows it
         * first, then the header itself (see the top of the file). */
        size_t oh = gh_hdr(f);
        size_t end = g->size - g->used >= oh ? g->used + oh : g->used;
        size_t tail = g->written + oh;
        rc = 0;
        if (end > tail)
            rc = c5_write(f, g->addr + tail, g->buf + tail, end - tail);
        if (!rc && f->opts.durable && f->io.sync && f->io.sync(f->io.ctx) < 0)
            rc = c5_fail(f, C5_EIO, g->addr, "global heap: sync failed");
        if (!rc)
            rc = c5_write(f, g->addr + g->written, g->buf + g->written, oh);
    }
    if (!rc)
        g->written = g->used;
    return rc;
}

/* Write and forget the current collection. */
static int gh_close(c5_file *f, struct c5_gheapw *g)
{
    int rc = 0;
    if (g->addr != C5_UNDEF)
        rc = gh_write(f, g);
    c5_free(f, g->buf);
    g->buf = NULL;
    g->addr = C5_UNDEF;
    g->size = g->used = g->written = 0;
    g->nobj = 0;
    return rc;
}

static int gh_start(c5_file *f, struct c5_gheapw *g, size_t need)
{
    size_t hdr = gh_hdr(f), size;
    if (need > SIZE_MAX - hdr - 8)
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "global heap: object too large");
    size = align8(hdr + need);
    if (size < GH_MIN)
        size = GH_MIN;
    if (f->lsz < 8 && (uint64_t)size >= (1ull << (8 * f->lsz)))
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "global heap: object too large for the file");
    uint8_t *buf = c5_calloc(f, 1, size);
    if (!buf)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "global heap: out of memory");
    uint64_t addr;
    int rc = c5_space_alloc(f, size, &addr);
    if (rc) {
        c5_free(f, buf);
        return rc;
    }
    memcpy(buf, "GCOL", 4);
    buf[4] = 1;
    c5_put_le(buf + 8, size, f->lsz);
    g->addr = addr;
    g->size = size;
    g->buf = buf;
    g->used = hdr;
    g->written = 0;
    g->nobj = 0;
    gh_free_obj(f, g);
    return 0;
}

static int gh_state(c5_file *f, struct c5_gheapw **out)
{
    if (!f->writable || !f->w)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "global heap: file is not open for writing");
    if (!f->w->gheap) {
        struct c5_gheapw *g = c5_calloc(f, 1, sizeof *g);
        if (!g)
            return c5_fail(f, C5_ENOMEM, C5_UNDEF, "global heap: out of memory");
        g->addr = C5_UNDEF;
        f->w->gheap = g;
    }
    *out = f->w->gheap;
    return 0;
}

int c5_gheap_put(c5_file *f, const void *data, size_t n, uint64_t *coll, uint32_t *index)
{
    struct c5_gheapw *g = NULL;
    int rc = gh_state(f, &g);
    if (rc)
        return rc;
    if (n && !data)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "global heap: no data");
    size_t oh = gh_hdr(f);
    if (n > SIZE_MAX - oh - 8 || (f->lsz < 8 && (uint64_t)n >= (1ull << (8 * f->lsz))))
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "global heap: object of %zu bytes too large", n);
    size_t need = oh + align8(n);
    if (g->addr == C5_UNDEF || g->nobj >= GH_MAXIDX || g->size - g->used < need) {
        if ((rc = gh_close(f, g)) || (rc = gh_start(f, g, need)))
            return rc;
    }
    uint8_t *p = g->buf + g->used;
    memset(p, 0, need);
    c5_put_le(p, ++g->nobj, 2);
    c5_put_le(p + 8, n, f->lsz);
    if (n)
        memcpy(p + oh, data, n);
    g->used += need;
    gh_free_obj(f, g);
    *coll = g->addr;
    *index = g->nobj;
    /* A full collection is final: write it now and free the memory. */
    if (g->size - g->used < oh + 8 || g->nobj >= GH_MAXIDX)
        rc = gh_close(f, g);
    return rc;
}

int c5_gheap_flush(c5_file *f)
{
    struct c5_gheapw *g = f->w ? f->w->gheap : NULL;
    if (!g || g->addr == C5_UNDEF)
        return 0;
    return gh_write(f, g);
}

void c5_gheap_wfree(c5_file *f)
{
    struct c5_gheapw *g = f->w ? f->w->gheap : NULL;
    if (!g)
        return;
    c5_free(f, g->buf);
    c5_free(f, g);
    f->w->gheap = NULL;
}
