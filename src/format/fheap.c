/* Fractal heap reader: objects addressed by heap IDs (managed, huge, tiny).
 * Spec: III.G "Disk Format: Level 1G - Fractal Heap"; huge objects are
 * indexed by a v2 B-tree (III.A.2, record types 1..4).
 *
 * Header ("FRHP"), O = offset width, L = length width:
 *   off   size  field
 *   0     4     signature "FRHP"
 *   4     1     version (0)
 *   5     2     heap ID length (bytes)
 *   7     2     I/O filters' encoded length (0: no filters)
 *   9     1     flags (bit 0 huge IDs wrapped, bit 1 direct blocks checksummed)
 *   10    4     maximum size of managed objects
 *   14    L     next huge object ID
 *   ..    O     v2 B-tree address of huge objects
 *   ..    L     free space in managed blocks
 *   ..    O     managed-block free-space manager address
 *   ..    L     managed space in heap (upper bound of the linear space)
 *   ..    L     allocated managed space
 *   ..    L     direct block allocation iterator offset
 *   ..    L     number of managed objects
 *   ..    L     size of huge objects       ..  L  number of huge objects
 *   ..    L     size of tiny objects       ..  L  number of tiny objects
 *   ..    2     table width (columns of the doubling table)
 *   ..    L     starting block size
 *   ..    L     maximum direct block size
 *   ..    2     maximum heap size (log2: bits of the linear address space)
 *   ..    2     starting # of rows in root indirect block
 *   ..    O     root block address (undefined: empty heap)
 *   ..    2     current # of rows in root indirect block (0: root is direct)
 *   ..    L     size of filtered root direct block   } only when the filters'
 *   ..    4     filter mask of root direct block     } encoded length > 0
 *   ..    var   I/O filter information (a filter pipeline message)
 *   ..    4     checksum of everything before it
 *
 * Direct block ("FHDB"): signature 4, version 1, heap header address O,
 *   block offset B, [checksum 4 when flag bit 1], object data. B =
 *   (maximum heap size + 7) / 8. Objects are addressed from the block's
 *   first byte, so the prefix occupies the start of the block's range.
 *   The checksum covers the whole block with its own field zeroed.
 * Indirect block ("FHIB"): signature 4, version 1, heap header address O,
 *   block offset B, K direct entries (address O, [filtered size L, filter
 *   mask 4]), N indirect entries (address O), checksum 4.
 *
 * The doubling table: rows 0 and 1 hold blocks of the starting size, each
 * following row doubles; every row has `width` blocks. Row r > 0 starts at
 * linear offset width * start * 2^(r-1). Rows whose block size is at most
 * the maximum direct block size hold direct blocks (max_dblock_rows =
 * log2(max direct) - log2(start) + 2); larger rows hold indirect blocks.
 * An indirect block covering a span S has log2(S) - log2(start * width) + 1
 * rows (the spec's nrows formula leaves out the width; this is the count
 * that makes the rows add up to S, and what libhdf5 writes); the root has
 * the header's current row count.
 *
 * A c5_fheap caches the last direct block it read: one handle must not be
 * used by two threads at once (open one per thread; they share nothing).
 *
 * Heap IDs: first byte bits 6-7 version (0), bits 4-5 type (0 managed, 1
 * huge, 2 tiny).
 *   managed: offset (B bytes), length (min of the bytes for log2(max
 *            direct block size) and the bytes to encode the maximum managed
 *            object size, as libhdf5 sizes it)
 *   tiny:    length-1 in bits 0-3 (IDs up to 18 bytes) or bits 0-3 plus the
 *            next byte (12-bit, longer IDs), then the data
 *   huge:    address O + length L when they fit in the ID (directly
 *            accessed), otherwise a key of min(ID length - 1, 8) bytes
 *            looked up in the huge-object v2 B-tree (record type 1: address
 *            O, length L, key L).
 */
#include "../core/internal.h"

#include "fheap.h"

#include "../btree/btree2.h"

struct c5_fheap {
    c5_file *f;
    uint64_t addr;
    uint16_t id_len;
    uint16_t filter_len;
    uint8_t flags;
    uint32_t max_man_size;
    uint64_t huge_bt2;
    uint64_t man_size;
    uint16_t width;
    uint64_t start_block;
    uint64_t max_direct;
    uint16_t max_heap_bits;
    uint64_t root_addr;
    uint16_t root_rows;
    uint64_t root_filtered_size;
    uint32_t root_filter_mask;
    uint8_t *filter_info; /* raw pipeline message, filter_len bytes */

    /* derived from the header */
    unsigned off_size;        /* heap offsets in IDs and block headers */
    unsigned len_size;        /* managed object lengths in IDs */
    unsigned first_row_bits;  /* log2(start * width) */
    unsigned max_dblock_rows; /* rows of direct blocks an indirect block may hold */
    unsigned max_root_rows;
    unsigned dblock_prefix;   /* bytes before object data in a direct block */
    bool huge_direct;
    unsigned huge_key_size;

    /* The last direct block read, already verified. Makes walking a dense
     * group or attribute list read each block once. */
    uint64_t cache_addr;
    uint8_t *cache;
    size_t cache_n;
};

#define FH_CHECKSUMMED 0x02u

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static unsigned log2u(uint64_t x)
{
    unsigned b = 0;
    while (x >>= 1)
        b++;
    return b;
}

/* Bytes needed to encode x (at least 1). */
static unsigned enc_size(uint64_t x) { return log2u(x) / 8 + 1; }

/* Size of one block in row r of the doubling table. */
static uint64_t row_block(const c5_fheap *h, unsigned r)
{
    return r == 0 ? h->start_block : h->start_block << (r - 1);
}

/* Linear offset where row r begins, relative to its indirect block. */
static uint64_t row_start(const c5_fheap *h, unsigned r)
{
    if (r == 0)
        return 0;
    /* The end of a full-size root may be 2^64: saturate. */
    if (h->first_row_bits + r - 1 >= 64)
        return UINT64_MAX;
    return ((uint64_t)h->width * h->start_block) << (r - 1);
}

size_t c5_fheap_id_len(const c5_fheap *h) { return h ? h->id_len : 0; }

void c5_fheap_close(c5_fheap *h)
{
    if (!h)
        return;
    c5_file *f = h->f;
    c5_free(f, h->filter_info);
    c5_free(f, h->cache);
    c5_free(f, h);
}

static int check_geometry(c5_fheap *h)
{
    c5_file *f = h->f;
    const char *what = "fractal heap header";
    if (h->id_len == 0)
        return c5_fail(f, C5_ECORRUPT, h->addr, "%s: heap ID length 0", what);
    if (!is_pow2(h->width) || !is_pow2(h->start_block) || !is_pow2(h->max_direct) ||
        h->max_direct < h->start_block)
        return c5_fail(f, C5_ECORRUPT, h->addr,
                       "%s: bad doubling table (width %u, start block %llu, max direct %llu)",
                       what, (unsigned)h->width, (unsigned long long)h->start_block,
                       (unsigned long long)h->max_direct);
    if (h->max_heap_bits == 0 || h->max_heap_bits > 64)
        return c5_fail(f, C5_ECORRUPT, h->addr, "%s: maximum heap size of %u bits", what,
                       (unsigned)h->max_heap_bits);
    h->first_row_bits = log2u(h->start_block) + log2u(h->width);
    if (h->first_row_bits > h->max_heap_bits || log2u(h->max_direct) > h->max_heap_bits)
        return c5_fail(f, C5_ECORRUPT, h->addr,
                       "%s: blocks larger than the %u-bit heap address space", what,
                       (unsigned)h->max_heap_bits);
    h->max_root_rows = h->max_heap_bits - h->first_row_bits + 1;
    h->max_dblock_rows = log2u(h->max_direct) - log2u(h->start_block) + 2;
    if (h->root_rows > h->max_root_rows)
        return c5_fail(f, C5_ECORRUPT, h->addr, "%s: root indirect block has %u rows, at most %u",
                       what, (unsigned)h->root_rows, h->max_root_rows);
    h->off_size = (h->max_heap_bits + 7u) / 8u;
    unsigned a = (log2u(h->max_direct) + 7u) / 8u, b = enc_size(h->max_man_size);
    h->len_size = a < b ? a : b;
    h->dblock_prefix = 4 + 1 + f->osz + h->off_size + ((h->flags & FH_CHECKSUMMED) ? 4 : 0);
    if (h->start_block <= h->dblock_prefix)
        return c5_fail(f, C5_ECORRUPT, h->addr, "%s: starting block size %llu too small", what,
                       (unsigned long long)h->start_block);
    if (h->filter_len > 0) {
        h->huge_direct = h->id_len - 1u >= 2u * f->lsz + f->osz + 4u;
    } else {
        h->huge_direct = h->id_len - 1u >= (unsigned)f->osz + f->lsz;
    }
    h->huge_key_size = h->id_len - 1u < 8u ? h->id_len - 1u : 8u;
    return 0;
}

int c5_fheap_open(c5_file *f, uint64_t addr, c5_fheap **out)
{
    const char *what = "fractal heap header";
    *out = NULL;
    if (!f)
        return C5_EINVAL;
    if (f->osz < 2 || f->osz > 8 || f->lsz < 2 || f->lsz > 8)
        return c5_fail(f, C5_EINVAL, addr, "%s: bad offset/length widths", what);
    const size_t fixed = 22 + 12u * f->lsz + 3u * f->osz;
    uint8_t *buf = NULL;
    /* Peek at the filters' length to learn the full header size. */
    uint8_t peek[9];
    int rc = c5_read(f, addr, peek, sizeof peek, what);
    if (rc)
        return rc;
    if (memcmp(peek, "FRHP", 4) != 0)
        return c5_fail(f, C5_ECORRUPT, addr, "%s: bad signature, expected \"FRHP\"", what);
    uint16_t filter_len = (uint16_t)c5_le(peek + 7, 2);
    size_t total = fixed + (filter_len ? f->lsz + 4u + filter_len : 0u);
    if ((rc = c5_read_alloc(f, addr, total + 4, what, &buf)) != 0)
        return rc;
    if ((rc = c5_check_sum(f, buf, total, addr, what)) != 0) {
        c5_free(f, buf);
        return rc;
    }

    c5_fheap *h = c5_calloc(f, 1, sizeof *h);
    if (!h) {
        c5_free(f, buf);
        return c5_fail(f, C5_ENOMEM, addr, "%s: out of memory", what);
    }
    h->f = f;
    h->addr = addr;
    h->cache_addr = C5_UNDEF;

    c5_rd r;
    c5_rd_init(&r, f, buf, total, addr, what);
    c5_rd_sig(&r, "FRHP");
    unsigned ver = c5_rd_u8(&r);
    h->id_len = c5_rd_u16(&r);
    h->filter_len = c5_rd_u16(&r);
    h->flags = c5_rd_u8(&r);
    h->max_man_size = c5_rd_u32(&r);
    (void)c5_rd_len(&r); /* next huge ID: only for writers */
    h->huge_bt2 = c5_rd_addr(&r);
    (void)c5_rd_len(&r);  /* free space in managed blocks */
    (void)c5_rd_addr(&r); /* free-space manager */
    h->man_size = c5_rd_len(&r);
    c5_rd_skip(&r, 7u * f->lsz); /* allocated space, iterator, object counts and sizes */
    h->width = c5_rd_u16(&r);
    h->start_block = c5_rd_len(&r);
    h->max_direct = c5_rd_len(&r);
    h->max_heap_bits = c5_rd_u16(&r);
    (void)c5_rd_u16(&r); /* starting root rows: the current count is what matters */
    h->root_addr = c5_rd_addr(&r);
    h->root_rows = c5_rd_u16(&r);
    if (h->filter_len) {
        h->root_filtered_size = c5_rd_len(&r);
        h->root_filter_mask = c5_rd_u32(&r);
        const uint8_t *fi = c5_rd_bytes(&r, h->filter_len);
        if (fi) {
            h->filter_info = c5_malloc(f, h->filter_len);
            if (!h->filter_info)
                rc = c5_fail(f, C5_ENOMEM, addr, "%s: out of memory", what);
            else
                memcpy(h->filter_info, fi, h->filter_len);
        }
    }
    c5_free(f, buf);
    if (!rc)
        rc = c5_rd_status(&r);
    if (!rc && ver != 0)
        rc = c5_fail(f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
    if (!rc)
        rc = check_geometry(h);
    if (rc) {
        c5_fheap_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

/* ---- managed objects -------------------------------------------------- */

/* Read, check and cache the direct block at addr covering linear offset
 * boff with size bsize. On success h->cache holds it. */
static int load_dblock(c5_fheap *h, uint64_t addr, uint64_t boff, uint64_t bsize)
{
    c5_file *f = h->f;
    const char *what = "fractal heap direct block";
    if (h->cache && h->cache_addr == addr && h->cache_n == bsize)
        return 0;
    uint8_t *b;
    int rc = c5_read_alloc(f, addr, bsize, what, &b);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, b, (size_t)bsize, addr, what);
    c5_rd_sig(&r, "FHDB");
    unsigned ver = c5_rd_u8(&r);
    uint64_t hdr = c5_rd_addr(&r);
    uint64_t off = c5_rd_uint(&r, h->off_size);
    if ((rc = c5_rd_status(&r)) != 0)
        goto bad;
    if (ver != 0) {
        rc = c5_fail(f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
        goto bad;
    }
    if (hdr != h->addr || off != boff) {
        rc = c5_fail(f, C5_ECORRUPT, addr,
                     "%s: belongs to heap %llu at offset %llu, expected heap %llu offset %llu",
                     what, (unsigned long long)hdr, (unsigned long long)off,
                     (unsigned long long)h->addr, (unsigned long long)boff);
        goto bad;
    }
    if (h->flags & FH_CHECKSUMMED) {
        size_t at = c5_rd_off(&r);
        uint32_t want = (uint32_t)c5_le(b + at, 4);
        memset(b + at, 0, 4);
        uint32_t got = c5_lookup3(b, (size_t)bsize, 0);
        /* Restore it so the cached image is the file's bytes. */
        for (unsigned i = 0; i < 4; i++)
            b[at + i] = (uint8_t)(want >> (8 * i));
        if (want != got) {
            rc = c5_fail(f, C5_ECORRUPT, addr, "%s: checksum mismatch (stored %08x, computed %08x)",
                         what, want, got);
            if (!(f->opts.flags & C5_OPEN_IGNORE_CHECKSUMS))
                goto bad;
            rc = 0;
        }
    }
    c5_free(f, h->cache);
    h->cache = b;
    h->cache_n = (size_t)bsize;
    h->cache_addr = addr;
    return 0;
bad:
    c5_free(f, b);
    return rc;
}

/* Read an indirect block with nrows rows whose range starts at boff. */
static int load_iblock(c5_fheap *h, uint64_t addr, uint64_t boff, unsigned nrows, uint8_t **out,
                       size_t *n)
{
    c5_file *f = h->f;
    const char *what = "fractal heap indirect block";
    unsigned drows = nrows < h->max_dblock_rows ? nrows : h->max_dblock_rows;
    uint64_t k = (uint64_t)drows * h->width;
    uint64_t nn = (uint64_t)(nrows - drows) * h->width;
    uint64_t dent = f->osz + (h->filter_len ? f->lsz + 4u : 0u);
    uint64_t size = 4 + 1 + f->osz + h->off_size + k * dent + nn * f->osz;
    uint8_t *b;
    int rc = c5_read_alloc(f, addr, size + 4, what, &b);
    if (rc)
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, b, (size_t)size, addr, what);
    c5_rd_sig(&r, "FHIB");
    unsigned ver = c5_rd_u8(&r);
    uint64_t hdr = c5_rd_addr(&r);
    uint64_t off = c5_rd_uint(&r, h->off_size);
    if ((rc = c5_rd_status(&r)) == 0) {
        if (ver != 0)
            rc = c5_fail(f, C5_EUNSUPPORTED, addr, "%s: version %u", what, ver);
        else if (hdr != h->addr || off != boff)
            rc = c5_fail(f, C5_ECORRUPT, addr,
                         "%s: belongs to heap %llu at offset %llu, expected heap %llu offset %llu",
                         what, (unsigned long long)hdr, (unsigned long long)off,
                         (unsigned long long)h->addr, (unsigned long long)boff);
        else
            rc = c5_check_sum(f, b, (size_t)size, addr, what);
    }
    if (rc) {
        c5_free(f, b);
        return rc;
    }
    *out = b;
    *n = (size_t)size;
    return 0;
}

/* Find the direct block holding linear offset off: its address, the
 * offset where it starts and its size. */
static int locate(c5_fheap *h, uint64_t off, uint64_t *daddr, uint64_t *dstart, uint64_t *dsize)
{
    c5_file *f = h->f;
    if (h->root_rows == 0) {
        *daddr = h->root_addr;
        *dstart = 0;
        *dsize = h->start_block;
        return 0;
    }
    uint64_t iaddr = h->root_addr, ioff = 0;
    unsigned nrows = h->root_rows;
    uint64_t path[C5_MAX_DEPTH];
    for (unsigned depth = 0;; depth++) {
        if (depth >= C5_MAX_DEPTH)
            return c5_fail(f, C5_ELIMIT, iaddr, "fractal heap: indirect blocks nested too deep");
        for (unsigned i = 0; i < depth; i++)
            if (path[i] == iaddr)
                return c5_fail(f, C5_ECORRUPT, iaddr,
                               "fractal heap: indirect block refers back to an ancestor");
        path[depth] = iaddr;
        uint64_t rel = off - ioff;
        if (rel >= row_start(h, nrows))
            return c5_fail(f, C5_ECORRUPT, iaddr,
                           "fractal heap: offset %llu beyond indirect block range",
                           (unsigned long long)off);
        unsigned row = 0;
        while (row + 1 < nrows && rel >= row_start(h, row + 1))
            row++;
        uint64_t bsz = row_block(h, row);
        uint64_t col = (rel - row_start(h, row)) / bsz;
        uint64_t cstart = ioff + row_start(h, row) + col * bsz;

        uint8_t *b;
        size_t n;
        int rc = load_iblock(h, iaddr, ioff, nrows, &b, &n);
        if (rc)
            return rc;
        const size_t pre = 4 + 1 + f->osz + h->off_size;
        const size_t dent = f->osz + (h->filter_len ? f->lsz + 4u : 0u);
        const unsigned drows = nrows < h->max_dblock_rows ? nrows : h->max_dblock_rows;
        size_t at = row < h->max_dblock_rows
                        ? pre + (size_t)(row * h->width + col) * dent
                        : pre + (size_t)drows * h->width * dent +
                              (size_t)((row - h->max_dblock_rows) * h->width + col) * f->osz;
        c5_rd r;
        c5_rd_init(&r, f, b + at, n - at, iaddr + at, "fractal heap indirect block");
        uint64_t child = c5_rd_addr(&r);
        rc = c5_rd_status(&r);
        c5_free(f, b);
        if (rc)
            return rc;
        if (child == C5_UNDEF)
            return c5_fail(f, C5_ECORRUPT, iaddr,
                           "fractal heap: offset %llu lies in an unallocated block",
                           (unsigned long long)off);
        if (row < h->max_dblock_rows) {
            *daddr = child;
            *dstart = cstart;
            *dsize = bsz;
            return 0;
        }
        /* A child indirect block spans bsz bytes: fewer rows than this
         * one, so the walk always shrinks. */
        unsigned crows = log2u(bsz) - h->first_row_bits + 1;
        if (crows >= nrows)
            return c5_fail(f, C5_ECORRUPT, iaddr, "fractal heap: indirect block does not shrink");
        iaddr = child;
        ioff = cstart;
        nrows = crows;
    }
}

static int read_managed(c5_fheap *h, const uint8_t *id, size_t id_len, uint8_t **out, size_t *n)
{
    c5_file *f = h->f;
    if (id_len < 1u + h->off_size + h->len_size)
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap ID: %zu bytes, managed IDs need %u",
                       id_len, 1u + h->off_size + h->len_size);
    uint64_t off = c5_le(id + 1, h->off_size);
    uint64_t len = c5_le(id + 1 + h->off_size, h->len_size);
    if (h->filter_len)
        return c5_fail(f, C5_EUNSUPPORTED, h->addr,
                       "fractal heap: filtered direct blocks are not supported yet");
    if (h->root_addr == C5_UNDEF)
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap: managed object in an empty heap");
    if (len == 0 || off >= h->man_size || len > h->man_size - off)
        return c5_fail(f, C5_ECORRUPT, h->addr,
                       "fractal heap ID: object at offset %llu, length %llu outside the %llu-byte heap",
                       (unsigned long long)off, (unsigned long long)len,
                       (unsigned long long)h->man_size);
    uint64_t daddr, dstart, dsize;
    int rc = locate(h, off, &daddr, &dstart, &dsize);
    if (rc)
        return rc;
    if (off - dstart >= dsize)
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap: offset outside its direct block");
    rc = load_dblock(h, daddr, dstart, dsize);
    if (rc)
        return rc;
    uint64_t rel = off - dstart;
    if (rel < h->dblock_prefix || len > dsize - rel)
        return c5_fail(f, C5_ECORRUPT, daddr,
                       "fractal heap direct block: object at %llu+%llu outside the %llu-byte block",
                       (unsigned long long)rel, (unsigned long long)len,
                       (unsigned long long)dsize);
    uint8_t *p = c5_malloc(f, (size_t)len);
    if (!p)
        return c5_fail(f, C5_ENOMEM, daddr, "fractal heap: out of memory");
    memcpy(p, h->cache + rel, (size_t)len);
    *out = p;
    *n = (size_t)len;
    return 0;
}

/* ---- huge objects ----------------------------------------------------- */

typedef struct huge_find {
    c5_file *f;
    uint64_t key;
    uint64_t addr, len;
    bool found;
} huge_find;

static int huge_cb(void *ud, const uint8_t *rec, size_t len)
{
    huge_find *q = ud;
    size_t need = (size_t)q->f->osz + 2u * q->f->lsz;
    if (len < need)
        return C5_ECORRUPT;
    uint64_t key = c5_le(rec + q->f->osz + q->f->lsz, q->f->lsz);
    if (key != q->key)
        return 0;
    q->addr = c5_le(rec, q->f->osz);
    q->len = c5_le(rec + q->f->osz, q->f->lsz);
    q->found = true;
    return 1;
}

static int read_huge(c5_fheap *h, const uint8_t *id, size_t id_len, uint8_t **out, size_t *n)
{
    c5_file *f = h->f;
    if (h->filter_len)
        return c5_fail(f, C5_EUNSUPPORTED, h->addr,
                       "fractal heap: filtered huge objects are not supported yet");
    uint64_t addr, len;
    if (h->huge_direct) {
        if (id_len < 1u + f->osz + f->lsz)
            return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap ID: huge ID too short");
        c5_rd r;
        c5_rd_init(&r, f, id + 1, id_len - 1, C5_UNDEF, "fractal heap huge ID");
        addr = c5_rd_addr(&r);
        len = c5_rd_len(&r);
        int rc = c5_rd_status(&r);
        if (rc)
            return rc;
    } else {
        if (id_len < 1u + h->huge_key_size || h->huge_key_size == 0)
            return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap ID: huge ID too short");
        if (h->huge_bt2 == C5_UNDEF)
            return c5_fail(f, C5_ECORRUPT, h->addr,
                           "fractal heap: huge object ID but no huge-object B-tree");
        huge_find q = {.f = f, .key = c5_le(id + 1, h->huge_key_size)};
        int type = -1;
        int rc = c5_bt2_iterate(f, h->huge_bt2, &type, huge_cb, &q);
        if (rc < 0)
            return rc == C5_ECORRUPT && type == 1
                       ? c5_fail(f, rc, h->huge_bt2, "fractal heap: bad huge-object record")
                       : rc;
        if (type != 1)
            return c5_fail(f, C5_ECORRUPT, h->huge_bt2,
                           "fractal heap: huge-object B-tree has type %d, expected 1", type);
        if (!q.found)
            return c5_fail(f, C5_ECORRUPT, h->huge_bt2, "fractal heap: huge object %llu not found",
                           (unsigned long long)q.key);
        addr = q.addr;
        len = q.len;
    }
    if (len == 0 || addr == C5_UNDEF)
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap: bad huge object location");
    uint8_t *p;
    int rc = c5_read_alloc(f, addr, len, "fractal heap huge object", &p);
    if (rc)
        return rc;
    *out = p;
    *n = (size_t)len;
    return 0;
}

/* ---- entry point ------------------------------------------------------ */

int c5_fheap_read(c5_fheap *h, const uint8_t *id, size_t id_len, uint8_t **out, size_t *n)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!h || !id || !out || !n || id_len == 0)
        return C5_EINVAL;
    c5_file *f = h->f;
    if (id_len < h->id_len)
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap ID: %zu bytes, heap uses %u", id_len,
                       (unsigned)h->id_len);
    id_len = h->id_len; /* the ID's form depends on the heap's ID length */
    unsigned ver = id[0] >> 6, type = (id[0] >> 4) & 3u;
    if (ver != 0)
        return c5_fail(f, C5_EUNSUPPORTED, h->addr, "fractal heap ID: version %u", ver);
    switch (type) {
    case 0:
        return read_managed(h, id, id_len, out, n);
    case 1:
        return read_huge(h, id, id_len, out, n);
    case 2: {
        size_t len, skip;
        if (id_len <= 18) {
            len = (size_t)(id[0] & 0x0Fu) + 1;
            skip = 1;
        } else {
            len = ((size_t)(id[0] & 0x0Fu) << 8 | id[1]) + 1;
            skip = 2;
        }
        if (len > id_len - skip)
            return c5_fail(f, C5_ECORRUPT, h->addr,
                           "fractal heap ID: tiny object of %zu bytes in a %zu-byte ID", len, id_len);
        uint8_t *p = c5_malloc(f, len);
        if (!p)
            return c5_fail(f, C5_ENOMEM, h->addr, "fractal heap: out of memory");
        memcpy(p, id + skip, len);
        *out = p;
        *n = len;
        return 0;
    }
    default:
        return c5_fail(f, C5_ECORRUPT, h->addr, "fractal heap ID: unknown type 3");
    }
}
