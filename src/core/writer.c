/* The encoder cursor, raw writes and space allocation: what every writing
 * layer uses. */
#include "internal.h"

void c5_wr_init(c5_wr *w, c5_file *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->osz = f && f->osz ? f->osz : 8;
    w->lsz = f && f->lsz ? f->lsz : 8;
}

void c5_wr_free(c5_wr *w)
{
    c5_free(w->f, w->buf);
    w->buf = NULL;
    w->n = w->cap = 0;
}

uint8_t *c5_wr_take(c5_wr *w, size_t *n)
{
    if (w->err) {
        c5_wr_free(w);
        return NULL;
    }
    uint8_t *b = w->buf;
    if (!b && !(b = c5_malloc(w->f, 1))) {
        w->err = C5_ENOMEM;
        return NULL;
    }
    *n = w->n;
    w->buf = NULL;
    w->n = w->cap = 0;
    return b;
}

uint8_t *c5_wr_space(c5_wr *w, size_t n)
{
    if (w->err)
        return NULL;
    if (n > w->cap - w->n) {
        size_t cap = w->cap ? w->cap : 64;
        while (cap - w->n < n) {
            if (cap > SIZE_MAX / 2) {
                w->err = C5_ENOMEM;
                return NULL;
            }
            cap *= 2;
        }
        uint8_t *b = c5_realloc(w->f, w->buf, cap);
        if (!b) {
            w->err = C5_ENOMEM;
            return NULL;
        }
        w->buf = b;
        w->cap = cap;
    }
    uint8_t *p = w->buf + w->n;
    memset(p, 0, n);
    w->n += n;
    return p;
}

void c5_wr_uint(c5_wr *w, uint64_t v, unsigned nbytes)
{
    uint8_t *p = c5_wr_space(w, nbytes);
    if (p)
        c5_put_le(p, v, nbytes);
}
void c5_wr_u8(c5_wr *w, uint64_t v) { c5_wr_uint(w, v, 1); }
void c5_wr_u16(c5_wr *w, uint64_t v) { c5_wr_uint(w, v, 2); }
void c5_wr_u32(c5_wr *w, uint64_t v) { c5_wr_uint(w, v, 4); }
void c5_wr_u64(c5_wr *w, uint64_t v) { c5_wr_uint(w, v, 8); }
void c5_wr_addr(c5_wr *w, uint64_t a) { c5_wr_uint(w, a, w->osz); }
void c5_wr_len(c5_wr *w, uint64_t v) { c5_wr_uint(w, v, w->lsz); }
void c5_wr_zero(c5_wr *w, size_t n) { c5_wr_space(w, n); }

void c5_wr_bytes(c5_wr *w, const void *src, size_t n)
{
    uint8_t *p = c5_wr_space(w, n);
    if (p && n)
        memcpy(p, src, n);
}

void c5_wr_sig(c5_wr *w, const char sig[4]) { c5_wr_bytes(w, sig, 4); }

void c5_wr_sum(c5_wr *w, size_t from)
{
    if (w->err || from > w->n)
        return;
    uint32_t s = c5_lookup3(w->buf + from, w->n - from, 0);
    c5_wr_u32(w, s);
}

void c5_wr_patch(c5_wr *w, size_t off, uint64_t v, unsigned nbytes)
{
    if (w->err || off > w->n || nbytes > w->n - off)
        return;
    c5_put_le(w->buf + off, v, nbytes);
}

int c5_write(c5_file *f, uint64_t addr, const void *buf, size_t n)
{
    if (!f->writable || !f->io.write_at)
        return c5_fail(f, C5_EINVAL, addr, "file is not open for writing");
    uint64_t off, end;
    if (c5_add_ovf(addr, f->base, &off) || c5_add_ovf(off, n, &end))
        return c5_fail(f, C5_EINVAL, addr, "write beyond the addressable range");
    if (n && f->io.write_at(f->io.ctx, off, buf, n) < 0)
        return c5_fail(f, C5_EIO, addr, "write of %zu bytes failed", n);
    if (end > f->phys_size)
        f->phys_size = end;
    return 0;
}

int c5_space_alloc(c5_file *f, uint64_t size, uint64_t *addr)
{
    if (!size)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "zero-size allocation");
    uint64_t end;
    uint64_t lim = f->osz >= 8 ? UINT64_MAX - 1 : (1ull << (8 * f->osz)) - 2;
    if (c5_add_ovf(f->eoa, size, &end) || end > lim)
        return c5_fail(f, C5_ENOSPC, f->eoa, "file address space exhausted");
    *addr = f->eoa;
    f->eoa = end;
    return 0;
}

void c5_space_free(c5_file *f, uint64_t addr, uint64_t size)
{
    if (addr != C5_UNDEF && size && addr + size == f->eoa)
        f->eoa = addr;
}
