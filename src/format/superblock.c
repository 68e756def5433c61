/* Superblock (spec II.A "Disk Format: Level 0A - Format Signature and
 * Superblock"), versions 0-3.
 *
 * v0/v1:
 *   0   8  signature \211HDF\r\n\032\n
 *   8   1  superblock version
 *   9   1  free-space storage version     10 1 root group symtab version
 *   11  1  reserved                        12 1 shared header msg version
 *   13  1  size of offsets                 14 1 size of lengths
 *   15  1  reserved
 *   16  2  group leaf node K               18 2 group internal node K
 *   20  4  file consistency flags
 *   24  2  indexed storage internal K (v1 only) + 2 reserved
 *   ..  O  base address, free-space info address, end-of-file address,
 *          driver information block address
 *   ..     root group symbol table entry (link name offset O, object
 *          header address O, cache type 4, reserved 4, scratch 16)
 * v2/v3:
 *   0   8  signature   8 1 version   9 1 size of offsets  10 1 size of lengths
 *   11  1  file consistency flags
 *   12  O  base address, superblock extension address, end-of-file
 *          address, root group object header address
 *   ..  4  checksum (lookup3 over everything before it)
 */
#include "format.h"

static const uint8_t SIG[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static bool valid_width(unsigned w) { return w == 2 || w == 4 || w == 8; }

int c5_superblock_read(c5_file *f)
{
    /* The signature sits at 0 or at a power of two >= 512 (user block). */
    uint64_t at = 0;
    uint8_t buf[256];
    for (;;) {
        if (at + 8 > f->phys_size)
            return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "no HDF5 signature found (not an HDF5 file)");
        if (f->io.read_at(f->io.ctx, at, buf, 8) < 0)
            return c5_fail(f, C5_EIO, C5_UNDEF, "cannot read file header");
        if (memcmp(buf, SIG, 8) == 0)
            break;
        at = at ? at * 2 : 512;
    }
    size_t n = f->phys_size - at < sizeof buf ? (size_t)(f->phys_size - at) : sizeof buf;
    if (f->io.read_at(f->io.ctx, at, buf, n) < 0)
        return c5_fail(f, C5_EIO, C5_UNDEF, "cannot read superblock");
    f->base = at; /* addresses are relative to the superblock's position */

    c5_rd r;
    c5_rd_init(&r, f, buf, n, 0, "superblock");
    c5_rd_skip(&r, 8);
    int ver = c5_rd_u8(&r);
    f->sb_version = ver;
    f->ext_addr = C5_UNDEF;
    if (ver == 0 || ver == 1) {
        c5_rd_skip(&r, 4); /* free-space, root symtab, reserved, shared hdr versions */
        f->osz = c5_rd_u8(&r);
        f->lsz = c5_rd_u8(&r);
        c5_rd_skip(&r, 1);
        if (!valid_width(f->osz) || !valid_width(f->lsz))
            return c5_fail(f, C5_ECORRUPT, 13, "superblock: invalid offset/length size %u/%u",
                           f->osz, f->lsz);
        r.osz = f->osz;
        r.lsz = f->lsz;
        f->sym_leaf_k = c5_rd_u16(&r);
        f->btree_k = c5_rd_u16(&r);
        c5_rd_skip(&r, 4); /* consistency flags */
        f->chunk_k = 32;
        if (ver == 1) {
            f->chunk_k = c5_rd_u16(&r);
            c5_rd_skip(&r, 2);
        }
        (void)c5_rd_addr(&r); /* base address: the signature position wins */
        (void)c5_rd_addr(&r); /* free-space info */
        f->eof_addr = c5_rd_addr(&r);
        (void)c5_rd_addr(&r); /* driver info block */
        (void)c5_rd_addr(&r); /* root entry: link name offset */
        f->root_addr = c5_rd_addr(&r);
        c5_rd_skip(&r, 24);
        if (r.err)
            return r.err;
        if (f->sym_leaf_k == 0 || f->btree_k == 0)
            return c5_fail(f, C5_ECORRUPT, 16, "superblock: zero B-tree K value");
    } else if (ver == 2 || ver == 3) {
        f->osz = c5_rd_u8(&r);
        f->lsz = c5_rd_u8(&r);
        if (!valid_width(f->osz) || !valid_width(f->lsz))
            return c5_fail(f, C5_ECORRUPT, 9, "superblock: invalid offset/length size %u/%u",
                           f->osz, f->lsz);
        r.osz = f->osz;
        r.lsz = f->lsz;
        c5_rd_skip(&r, 1); /* consistency flags */
        (void)c5_rd_addr(&r);
        f->ext_addr = c5_rd_addr(&r);
        f->eof_addr = c5_rd_addr(&r);
        f->root_addr = c5_rd_addr(&r);
        size_t used = c5_rd_off(&r);
        c5_rd_skip(&r, 4);
        if (r.err)
            return r.err;
        int rc = c5_check_sum(f, buf, used, 0, "superblock");
        if (rc)
            return rc;
        f->sym_leaf_k = 4;
        f->btree_k = 16;
        f->chunk_k = 32;
    } else {
        return c5_fail(f, C5_EUNSUPPORTED, 8, "superblock version %d", ver);
    }
    if (f->root_addr == C5_UNDEF)
        return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "superblock: undefined root group address");
    return 0;
}
