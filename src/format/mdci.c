/* Metadata cache image. Not part of the File Format Specification 3.0: the
 * layout below is the one libhdf5 1.10-1.14 writes when a file is closed
 * with H5Pset_mdc_image_config(generate_image). Such a file keeps some
 * metadata (object headers, chunk index blocks, ...) only in the image
 * block: the bytes at their own addresses may be stale or all zeros, so
 * every metadata read must see the image's copy instead.
 *
 * Cache image message (type 0x18, in the superblock extension only):
 *   0    1  version (0)
 *   1    O  image block address (undefined: no image)
 *   1+O  L  image block length
 *
 * Image block:
 *   0    4  signature "MDCI"
 *   4    1  version (0)
 *   5    1  flags (0x01: adaptive resize status follows the entries;
 *           never written, refused as libhdf5 does)
 *   6    L  image data length (equals the block length)
 *   6+L  4  number of entries (> 0)
 *   ..      entries, each:
 *     0     1  metadata cache client type
 *     1     1  flags (0x01 dirty, 0x02 in LRU, 0x04 flush-dependency
 *              parent, 0x08 flush-dependency child)
 *     2     1  ring            3 1 age
 *     4     2  flush-dependency child count
 *     6     2  dirty flush-dependency child count (<= child count)
 *     8     2  flush-dependency parent count P
 *     10    4  LRU rank (signed; -1 when not in the LRU)
 *     14    O  entry address (defined)
 *     14+O  L  entry length (> 0)
 *     ..  P*O  parent entry addresses
 *     ..       the entry's on-disk image (length bytes)
 *   ..      4  checksum (lookup3) of everything before it: the block's
 *              last 4 bytes
 */
#include "mdci.h"

#include "format.h"

typedef struct mdci_entry {
    uint64_t addr, len;
    const uint8_t *img; /* points into the image block */
} mdci_entry;

struct c5_mdci {
    uint64_t addr, len; /* the image block */
    uint8_t *block;
    size_t n;
    mdci_entry *e;      /* sorted by address, disjoint */
};

#define MSG_MDCI 0x18        /* cache image message type */
#define MDCI_HDR_FIXED 10u  /* signature, version, flags, entry count */
#define MDCI_ENT_FIXED 14u  /* entry fields before address and length */

static int entry_cmp(const void *a, const void *b)
{
    uint64_t x = ((const mdci_entry *)a)->addr, y = ((const mdci_entry *)b)->addr;
    return x < y ? -1 : x > y;
}

static void mdci_destroy(c5_file *f, struct c5_mdci *m)
{
    if (!m)
        return;
    c5_free(f, m->e);
    c5_free(f, m->block);
    c5_free(f, m);
}

void c5_mdci_free(c5_file *f)
{
    if (!f)
        return;
    mdci_destroy(f, f->mdci);
    f->mdci = NULL;
}

/* Read the cache image message of the superblock extension. *addr is
 * C5_UNDEF when there is none. */
static int find_message(c5_file *f, uint64_t *addr, uint64_t *len)
{
    *addr = C5_UNDEF;
    *len = 0;
    c5_ohdr *ext;
    int rc = c5_ohdr_load(f, f->ext_addr, &ext);
    if (rc)
        return rc;
    size_t pos = 0;
    c5_mbody b;
    rc = c5_ohdr_find(f, ext, MSG_MDCI, &pos, &b);
    if (rc == C5_ENOTFOUND) {
        c5_ohdr_free(f, ext);
        return 0;
    }
    if (rc) {
        c5_ohdr_free(f, ext);
        return rc;
    }
    c5_rd r;
    c5_rd_init(&r, f, b.p, b.n, b.addr, "cache image message");
    r.osz = f->osz;
    r.lsz = f->lsz;
    unsigned ver = c5_rd_u8(&r);
    uint64_t a = c5_rd_addr(&r), l = c5_rd_len(&r);
    uint64_t maddr = b.addr;
    c5_mbody_free(f, &b);
    c5_ohdr_free(f, ext);
    if ((rc = c5_rd_status(&r)))
        return rc;
    if (ver != 0)
        return c5_fail(f, C5_EUNSUPPORTED, maddr, "cache image message version %u", ver);
    *addr = a;
    *len = l;
    return 0;
}

/* Decode the entries of the image block into m->e (unsorted). */
static int parse_block(c5_file *f, struct c5_mdci *m)
{
    const uint64_t A = m->addr;
    const size_t blen = (size_t)m->len;
    const size_t hdr = MDCI_HDR_FIXED + f->lsz;
    const size_t ehdr = MDCI_ENT_FIXED + (size_t)f->osz + f->lsz;
    if (blen < hdr + 4)
        return c5_fail(f, C5_ECORRUPT, A, "cache image: block of %zu bytes is too short", blen);
    if (memcmp(m->block, "MDCI", 4) != 0)
        return c5_fail(f, C5_ECORRUPT, A, "cache image: bad signature");
    int rc = c5_check_sum(f, m->block, blen - 4, A, "cache image");
    if (rc)
        return rc;

    c5_rd r;
    c5_rd_init(&r, f, m->block, blen - 4, A, "cache image");
    r.osz = f->osz;
    r.lsz = f->lsz;
    c5_rd_skip(&r, 4);
    unsigned ver = c5_rd_u8(&r);
    unsigned flags = c5_rd_u8(&r);
    uint64_t dlen = c5_rd_uint(&r, f->lsz);
    uint32_t count = c5_rd_u32(&r);
    if ((rc = c5_rd_status(&r)))
        return rc;
    if (ver != 0)
        return c5_fail(f, C5_EUNSUPPORTED, A + 4, "cache image version %u", ver);
    if (flags & 0x01)
        return c5_fail(f, C5_EUNSUPPORTED, A + 5, "cache image: saved resize status");
    if (dlen != m->len)
        return c5_fail(f, C5_ECORRUPT, A + 6,
                       "cache image: data length %llu differs from block length %llu",
                       (unsigned long long)dlen, (unsigned long long)m->len);
    /* Every entry takes its fixed fields plus at least one image byte. */
    if (count == 0 || count > c5_rd_left(&r) / (ehdr + 1))
        return c5_fail(f, C5_ECORRUPT, A + 6 + f->lsz,
                       "cache image: %u entries cannot fit in %zu bytes", count, blen);
    void *mem;
    uint64_t bytes;
    if (c5_mul_ovf(count, sizeof(mdci_entry), &bytes))
        return c5_fail(f, C5_ELIMIT, A, "cache image: too many entries");
    if ((rc = c5_alloc_checked(f, bytes, A, "cache image entries", &mem)))
        return rc;
    m->e = mem;

    uint64_t fend = c5_file_end(f), iend = A + m->len;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = c5_rd_pos(&r);
        c5_rd_skip(&r, 4); /* type, flags, ring, age */
        uint16_t children = c5_rd_u16(&r), dirty = c5_rd_u16(&r), parents = c5_rd_u16(&r);
        c5_rd_skip(&r, 4); /* LRU rank */
        uint64_t ea = c5_rd_addr(&r), el = c5_rd_len(&r);
        for (unsigned p = 0; p < parents && !r.err; p++)
            if (c5_rd_addr(&r) == C5_UNDEF && !r.err)
                return c5_fail(f, C5_ECORRUPT, at,
                               "cache image entry %u: undefined flush-dependency parent", i);
        if ((rc = c5_rd_status(&r)))
            return rc;
        if (dirty > children)
            return c5_fail(f, C5_ECORRUPT, at,
                           "cache image entry %u: %u dirty of %u flush-dependency children", i,
                           dirty, children);
        uint64_t eend;
        if (ea == C5_UNDEF || el == 0 || el == C5_UNDEF || c5_add_ovf(ea, el, &eend))
            return c5_fail(f, C5_ECORRUPT, at, "cache image entry %u: invalid address/length", i);
        if (eend > fend)
            return c5_fail(f, C5_ECORRUPT, at,
                           "cache image entry %u: %llu bytes at address %llu lie outside the file",
                           i, (unsigned long long)el, (unsigned long long)ea);
        if (ea < iend && eend > A)
            return c5_fail(f, C5_ECORRUPT, at, "cache image entry %u overlaps the image block", i);
        if (el > c5_rd_left(&r))
            return c5_fail(f, C5_ECORRUPT, at,
                           "cache image entry %u: image of %llu bytes overruns the block", i,
                           (unsigned long long)el);
        m->e[i].addr = ea;
        m->e[i].len = el;
        m->e[i].img = c5_rd_bytes(&r, (size_t)el);
        if ((rc = c5_rd_status(&r)))
            return rc;
        m->n = i + 1;
    }
    /* Trailing bytes before the checksum are tolerated, as libhdf5 does. */
    qsort(m->e, m->n, sizeof *m->e, entry_cmp);
    for (size_t i = 1; i < m->n; i++)
        if (m->e[i].addr < m->e[i - 1].addr + m->e[i - 1].len)
            return c5_fail(f, C5_ECORRUPT, A,
                           "cache image: entries at %llu and %llu overlap",
                           (unsigned long long)m->e[i - 1].addr,
                           (unsigned long long)m->e[i].addr);
    return 0;
}

int c5_mdci_load_block(c5_file *f, uint64_t addr, uint64_t len)
{
    if (f->mdci)
        return 0;
    if (addr == C5_UNDEF || len == C5_UNDEF || len < MDCI_HDR_FIXED + (uint64_t)f->lsz + 4)
        return c5_fail(f, C5_ECORRUPT, addr, "cache image: invalid block length %llu",
                       (unsigned long long)len);
    struct c5_mdci *m = c5_calloc(f, 1, sizeof *m);
    if (!m)
        return c5_fail(f, C5_ENOMEM, addr, "cache image: out of memory");
    m->addr = addr;
    m->len = len;
    int rc;
    if ((rc = c5_read_alloc(f, addr, len, "cache image", &m->block)) ||
        (rc = parse_block(f, m))) {
        mdci_destroy(f, m);
        return rc;
    }
    f->mdci = m;
    return 0;
}

int c5_mdci_load(c5_file *f)
{
    if (f->mdci || f->sb_version < 2 || f->ext_addr == C5_UNDEF)
        return 0;
    uint64_t addr, len;
    int rc = find_message(f, &addr, &len);
    /* An undefined address means "no image" (libhdf5 uses it in tests). */
    if (rc || addr == C5_UNDEF)
        return rc;
    return c5_mdci_load_block(f, addr, len);
}

/* Index of the last entry starting at or before addr, or n if none. */
static size_t floor_entry(const struct c5_mdci *m, uint64_t addr)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->e[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : m->n;
}

int c5_mdci_lookup(const c5_file *f, uint64_t addr, size_t n, const uint8_t **out)
{
    *out = NULL;
    const struct c5_mdci *m = f ? f->mdci : NULL;
    if (!m || m->n == 0)
        return 0;
    size_t i = floor_entry(m, addr);
    if (i == m->n)
        return 0;
    const mdci_entry *e = &m->e[i];
    uint64_t off = addr - e->addr;
    if (off > e->len || n > e->len - off)
        return 0;
    *out = e->img + off;
    return 1;
}

size_t c5_mdci_patch(const c5_file *f, uint64_t addr, void *buf, size_t n)
{
    const struct c5_mdci *m = f ? f->mdci : NULL;
    uint64_t end;
    if (!m || m->n == 0 || n == 0 || c5_add_ovf(addr, n, &end))
        return 0;
    size_t i = floor_entry(m, addr), done = 0;
    if (i == m->n)
        i = 0;
    else if (m->e[i].addr + m->e[i].len <= addr)
        i++;
    for (; i < m->n && m->e[i].addr < end; i++) {
        const mdci_entry *e = &m->e[i];
        uint64_t lo = e->addr > addr ? e->addr : addr;
        uint64_t hi = e->addr + e->len < end ? e->addr + e->len : end;
        memcpy((uint8_t *)buf + (lo - addr), e->img + (lo - e->addr), (size_t)(hi - lo));
        done += (size_t)(hi - lo);
    }
    return done;
}

size_t c5_mdci_count(const c5_file *f) { return f && f->mdci ? f->mdci->n : 0; }
