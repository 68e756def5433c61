/* Jenkins lookup3 "hashlittle", the checksum of every HDF5 checksummed
 * structure (spec: "Appendix ... Checksums"). Written from the published
 * algorithm description: 12-byte blocks mixed into three 32-bit lanes, the
 * tail zero-padded, then a final avalanche. Bytes are assembled explicitly,
 * so the result is independent of host byte order and alignment. */
#include "internal.h"

#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static void mix(uint32_t *a, uint32_t *b, uint32_t *c)
{
    *a -= *c; *a ^= ROT(*c, 4);  *c += *b;
    *b -= *a; *b ^= ROT(*a, 6);  *a += *c;
    *c -= *b; *c ^= ROT(*b, 8);  *b += *a;
    *a -= *c; *a ^= ROT(*c, 16); *c += *b;
    *b -= *a; *b ^= ROT(*a, 19); *a += *c;
    *c -= *b; *c ^= ROT(*b, 4);  *b += *a;
}

static void final(uint32_t *a, uint32_t *b, uint32_t *c)
{
    *c ^= *b; *c -= ROT(*b, 14);
    *a ^= *c; *a -= ROT(*c, 11);
    *b ^= *a; *b -= ROT(*a, 25);
    *c ^= *b; *c -= ROT(*b, 16);
    *a ^= *c; *a -= ROT(*c, 4);
    *b ^= *a; *b -= ROT(*a, 14);
    *c ^= *b; *c -= ROT(*b, 24);
}

static uint32_t word(const uint8_t *k, size_t avail)
{
    uint32_t w = 0;
    for (size_t i = 0; i < 4 && i < avail; i++)
        w |= (uint32_t)k[i] << (8 * i);
    return w;
}

uint32_t c5_lookup3(const void *data, size_t n, uint32_t init)
{
    const uint8_t *k = data;
    uint32_t a, b, c;
    a = b = c = 0xdeadbeefu + (uint32_t)n + init;
    while (n > 12) {
        a += word(k, 4);
        b += word(k + 4, 4);
        c += word(k + 8, 4);
        mix(&a, &b, &c);
        n -= 12;
        k += 12;
    }
    if (n == 0)
        return c;
    a += word(k, n);
    b += n > 4 ? word(k + 4, n - 4) : 0;
    c += n > 8 ? word(k + 8, n - 8) : 0;
    final(&a, &b, &c);
    return c;
}

int c5_check_sum(c5_file *f, const uint8_t *buf, size_t n, uint64_t addr, const char *what)
{
    uint32_t want = (uint32_t)c5_le(buf + n, 4);
    uint32_t got = c5_lookup3(buf, n, 0);
    if (want == got)
        return 0;
    int code = c5_fail(f, C5_ECORRUPT, addr, "%s: checksum mismatch (stored %08x, computed %08x)",
                       what, want, got);
    if (f && (f->opts.flags & C5_OPEN_IGNORE_CHECKSUMS))
        return 0;
    return code;
}
