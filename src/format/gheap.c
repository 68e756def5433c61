/* Global heap collections (spec III.E).
 *
 *   0 4 "GCOL"  4 1 version (1)  5 3 reserved  8 L collection size
 *   objects: 2 heap object index (0 = free space), 2 reference count,
 *            4 reserved, L object size, data padded to a multiple of 8
 * libhdf5 rounds the collection header and each object header up to a
 * multiple of 8 bytes (16 either way when lengths are 4 or 8 bytes). */
#include "gheap.h"

int c5_gheap_read(c5_file *f, uint64_t coll, uint32_t index, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    uint8_t hdr[16];
    size_t hl = (8 + (size_t)f->lsz + 7) & ~(size_t)7;
    int rc = c5_read(f, coll, hdr, hl, "global heap collection");
    if (rc)
        return rc;
    if (memcmp(hdr, "GCOL", 4) != 0)
        return c5_fail(f, C5_ECORRUPT, coll, "global heap collection: bad signature");
    uint64_t size = c5_le(hdr + 8, f->lsz);
    if (size < hl)
        return c5_fail(f, C5_ECORRUPT, coll, "global heap collection: size %llu",
                       (unsigned long long)size);
    /* libhdf5 may record a collection size past the end of a file's last
     * collection; clamp to what exists. */
    uint64_t avail = c5_file_end(f) - coll;
    if (size > avail)
        size = avail;
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, coll, size, "global heap collection", &buf)))
        return rc;
    c5_rd r;
    c5_rd_init(&r, f, buf + hl, (size_t)size - hl, coll + hl, "global heap object");
    rc = c5_fail(f, C5_ECORRUPT, coll, "global heap: object %u not found", index);
    while (c5_rd_left(&r) >= ((8 + (size_t)f->lsz + 7) & ~(size_t)7)) {
        uint32_t idx = c5_rd_u16(&r);
        c5_rd_skip(&r, 6);
        uint64_t osz = c5_rd_len(&r);
        c5_rd_skip(&r, (8 - ((8 + (size_t)f->lsz) & 7)) & 7);
        if (idx == 0)
            break; /* free space runs to the end */
        if (osz > c5_rd_left(&r))
            break;
        const uint8_t *d = c5_rd_bytes(&r, (size_t)osz);
        if (idx == index) {
            *out = c5_malloc(f, (size_t)osz);
            if (!*out) {
                rc = c5_fail(f, C5_ENOMEM, coll, "out of memory");
            } else {
                memcpy(*out, d, (size_t)osz);
                *n = (size_t)osz;
                rc = 0;
            }
            break;
        }
        size_t pad = (8 - (osz & 7)) & 7;
        c5_rd_skip(&r, pad < c5_rd_left(&r) ? pad : c5_rd_left(&r));
    }
    c5_free(f, buf);
    return rc;
}
