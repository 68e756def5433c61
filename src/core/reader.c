/* The bounded little-endian reader every decoder goes through. */
#include "internal.h"

void c5_rd_init(c5_rd *r, c5_file *f, const void *buf, size_t n, uint64_t addr,
                const char *what)
{
    r->start = r->p = buf;
    r->end = r->p + n;
    r->addr = addr;
    r->f = f;
    r->osz = f ? f->osz : 8;
    r->lsz = f ? f->lsz : 8;
    r->err = 0;
    r->what = what;
}

static const uint8_t *take(c5_rd *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        if (!r->err) {
            r->err = C5_ECORRUPT;
            c5_fail(r->f, C5_ECORRUPT, c5_rd_pos(r), "%s: truncated (need %zu bytes, %zu left)",
                    r->what ? r->what : "structure", n, (size_t)(r->end - r->p));
        }
        r->p = r->end;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

uint64_t c5_rd_uint(c5_rd *r, unsigned n)
{
    const uint8_t *q = take(r, n);
    return q ? c5_le(q, n) : 0;
}

uint8_t c5_rd_u8(c5_rd *r) { return (uint8_t)c5_rd_uint(r, 1); }
uint16_t c5_rd_u16(c5_rd *r) { return (uint16_t)c5_rd_uint(r, 2); }
uint32_t c5_rd_u32(c5_rd *r) { return (uint32_t)c5_rd_uint(r, 4); }
uint64_t c5_rd_u64(c5_rd *r) { return c5_rd_uint(r, 8); }

static uint64_t widen(uint64_t v, unsigned n)
{
    if (n < 8 && v == (1ull << (8 * n)) - 1)
        return C5_UNDEF;
    return v;
}

uint64_t c5_rd_addr(c5_rd *r) { return widen(c5_rd_uint(r, r->osz), r->osz); }
uint64_t c5_rd_len(c5_rd *r) { return widen(c5_rd_uint(r, r->lsz), r->lsz); }

const uint8_t *c5_rd_bytes(c5_rd *r, size_t n) { return take(r, n); }
void c5_rd_skip(c5_rd *r, size_t n) { (void)take(r, n); }

bool c5_rd_sig(c5_rd *r, const char sig[4])
{
    uint64_t at = c5_rd_pos(r);
    const uint8_t *q = take(r, 4);
    if (!q)
        return false;
    if (memcmp(q, sig, 4) != 0) {
        r->err = C5_ECORRUPT;
        c5_fail(r->f, C5_ECORRUPT, at, "%s: bad signature, expected \"%.4s\"",
                r->what ? r->what : "structure", sig);
        return false;
    }
    return true;
}

c5_rd c5_rd_sub(c5_rd *r, size_t n)
{
    c5_rd s = *r;
    const uint8_t *q = take(r, n);
    s.err = r->err;
    s.start = s.p = q ? q : r->end;
    s.end = q ? q + n : r->end;
    s.addr = q && r->addr != C5_UNDEF ? r->addr + (uint64_t)(q - r->start) : C5_UNDEF;
    return s;
}

int c5_rd_status(c5_rd *r) { return r->err; }
