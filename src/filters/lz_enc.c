/* Built-in LZ77 compressors for the formats whose decoders live in lzf.c,
 * lz4.c and blosclz.c: LZF (h5py's filter 32000), the LZ4 block format
 * (filter 32004 and Blosc codec 1) and BloscLZ (Blosc codec 0). All three
 * are greedy single-pass coders over a hash table of recent positions;
 * they differ only in how a literal run and a match are written:
 *
 *   LZF      literal run: c = L - 1 (L 1..32), then L bytes
 *            match: length M 3..264, distance D 1..8192:
 *              c = (min(M - 2, 7) << 5) | (D - 1) >> 8,
 *              [M - 9 when M - 2 >= 7], (D - 1) & 255
 *   BloscLZ  literal run as LZF (the first instruction must be one: its top
 *            bits are masked by decoders); match: M >= 3,
 *              c = (min(M - 2, 7) << 5) | H, [M - 9 as bytes of 255 and a
 *              last byte < 255, when M >= 9], then for D <= 8191:
 *              H = (D - 1) >> 8, byte (D - 1) & 255; for 8192 <= D <= 73727
 *              (far): H = 31, byte 255, then D - 8192 big-endian (2 bytes).
 *            c-blosc's decoder ignores a match that ends the stream, so the
 *            stream always ends with literals.
 *   LZ4      sequences: token (literal count << 4 | (M - 4)), count
 *            extension bytes (255s and a last byte < 255) past 15,
 *            literals, distance 1..65535 little-endian (2), match
 *            extension past 15; the last sequence is literals only. The
 *            block rules of the LZ4 format hold: the last 5 bytes are
 *            literals and no match starts in the last 12 bytes.
 *
 * Each returns the compressed size, or 0 when the output would exceed cap
 * (callers store the data uncompressed then). `work` is scratch memory of
 * C5_LZ_WORK bytes, so the functions themselves allocate nothing and are
 * safe to call from several threads with distinct workspaces. */
#include "core/internal.h"

#include "filters/filter.h"

#define HLOG 14
#define HSIZE (1u << HLOG)

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint32_t hash4(uint32_t v) { return (v * 2654435761u) >> (32 - HLOG); }
static inline uint32_t hash3(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HLOG);
}

static inline size_t common(const uint8_t *a, const uint8_t *b, size_t max)
{
    size_t k = 0;
    while (k + 8 <= max) {
        uint64_t x, y;
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return k + (size_t)(__builtin_ctzll(x ^ y) >> 3);
#else
            break;
#endif
        }
        k += 8;
    }
    while (k < max && a[k] == b[k])
        k++;
    return k;
}

/* After a match only its last two positions are indexed, not those inside
 * it: inside a run they would all point one byte back, and the table would
 * forget where the run started -- the candidate that finds the next period
 * of periodic data (the planes of shuffled data are full of both). */
static inline void index_tail3(uint32_t *tab, const uint8_t *in, size_t n, size_t end)
{
    for (size_t q = end - 2; q < end; q++)
        if (q + 3 <= n)
            tab[hash3(in + q)] = (uint32_t)q;
}

static inline void index_tail4(uint32_t *tab, const uint8_t *in, size_t n, size_t end)
{
    for (size_t q = end - 2; q < end; q++)
        if (q + 4 <= n)
            tab[hash4(rd32(in + q))] = (uint32_t)q;
}

/* ---- LZF / BloscLZ: literal runs of up to 32 ------------------------------ */

typedef struct lzout {
    uint8_t *p, *end;
    int full;
} lzout;

static inline void put(lzout *o, uint8_t b)
{
    if (o->p < o->end)
        *o->p++ = b;
    else
        o->full = 1;
}

/* Literal runs of in[from, to) in pieces of at most 32. */
static void lit_runs(lzout *o, const uint8_t *from, const uint8_t *to)
{
    while (from < to && !o->full) {
        size_t k = (size_t)(to - from) > 32 ? 32 : (size_t)(to - from);
        if ((size_t)(o->end - o->p) < k + 1) {
            o->full = 1;
            return;
        }
        *o->p++ = (uint8_t)(k - 1);
        memcpy(o->p, from, k);
        o->p += k;
        from += k;
    }
}

size_t c5_lzf_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, void *work)
{
    uint32_t *tab = work;
    memset(tab, 0xff, HSIZE * sizeof *tab);
    lzout o = {out, out + cap, 0};
    size_t ip = 0, lit = 0;
    if (n == 0)
        return 0;
    while (ip + 3 <= n && !o.full) {
        uint32_t h = hash3(in + ip);
        uint32_t cand = tab[h];
        tab[h] = (uint32_t)ip;
        size_t dist = ip - (size_t)cand;
        if (cand != UINT32_MAX && dist >= 1 && dist <= 8192 && in[cand] == in[ip] &&
            in[cand + 1] == in[ip + 1] && in[cand + 2] == in[ip + 2]) {
            size_t max = n - ip < 264 ? n - ip : 264;
            size_t m = 3 + common(in + cand + 3, in + ip + 3, max - 3);
            lit_runs(&o, in + lit, in + ip);
            size_t len = m - 2, off = dist - 1;
            if (len < 7) {
                put(&o, (uint8_t)(len << 5 | off >> 8));
            } else {
                put(&o, (uint8_t)(7 << 5 | off >> 8));
                put(&o, (uint8_t)(len - 7));
            }
            put(&o, (uint8_t)off);
            size_t end = ip + m;
            index_tail3(tab, in, n, end);
            ip = end;
            lit = ip;
        } else {
            ip++;
        }
    }
    lit_runs(&o, in + lit, in + n);
    return o.full ? 0 : (size_t)(o.p - out);
}

#define BLZ_NEAR 8191u
#define BLZ_FAR (8192u + 65535u)

size_t c5_blosclz_compress(int level, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                           void *work)
{
    uint32_t *tab = work;
    memset(tab, 0xff, HSIZE * sizeof *tab);
    lzout o = {out, out + cap, 0};
    size_t ip = 1, lit = 0; /* the first byte is always a literal */
    if (n == 0)
        return 0;
    /* Lower levels skip ahead faster through data that does not match. */
    unsigned skip_shift = level >= 7 ? 7 : level >= 4 ? 6 : 5;
    size_t misses = 0;
    /* A match must leave at least one literal after it. */
    while (n >= 5 && ip + 4 <= n - 1 && !o.full) {
        uint32_t h = hash4(rd32(in + ip));
        uint32_t cand = tab[h];
        tab[h] = (uint32_t)ip;
        size_t dist = ip - (size_t)cand;
        if (cand == UINT32_MAX || dist > BLZ_FAR || rd32(in + cand) != rd32(in + ip)) {
            ip += 1 + (misses++ >> skip_shift);
            continue;
        }
        misses = 0;
        size_t max = n - 1 - ip;
        size_t m = 4 + common(in + cand + 4, in + ip + 4, max - 4);
        if (dist > BLZ_NEAR && m < 5) {
            ip++;
            continue; /* a far match of 4 costs as much as the literals */
        }
        lit_runs(&o, in + lit, in + ip);
        size_t lcode = m - 2 < 7 ? m - 2 : 7;
        unsigned hi = dist > BLZ_NEAR ? 31u : (unsigned)((dist - 1) >> 8);
        put(&o, (uint8_t)(lcode << 5 | hi));
        if (lcode == 7) {
            size_t ext = m - 9;
            for (; ext >= 255; ext -= 255)
                put(&o, 255);
            put(&o, (uint8_t)ext);
        }
        if (dist > BLZ_NEAR) {
            size_t e = dist - 8192;
            put(&o, 255);
            put(&o, (uint8_t)(e >> 8));
            put(&o, (uint8_t)e);
        } else {
            put(&o, (uint8_t)(dist - 1));
        }
        size_t end = ip + m;
        index_tail4(tab, in, n, end);
        ip = end;
        lit = ip;
    }
    lit_runs(&o, in + lit, in + n);
    return o.full ? 0 : (size_t)(o.p - out);
}

/* ---- LZ4 block ----------------------------------------------------------- */

#define LZ4_MINMATCH 4
#define LZ4_LASTLITERALS 5
#define LZ4_MFLIMIT 12
#define LZ4_MAXDIST 65535u

static void lz4_len(lzout *o, size_t v)
{
    for (; v >= 255; v -= 255)
        put(o, 255);
    put(o, (uint8_t)v);
}

static void lz4_sequence(lzout *o, const uint8_t *lit, size_t nlit, size_t m, size_t dist)
{
    size_t ml = m ? m - LZ4_MINMATCH : 0;
    put(o, (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (m ? (ml < 15 ? ml : 15) : 0)));
    if (nlit >= 15)
        lz4_len(o, nlit - 15);
    if (o->full || (size_t)(o->end - o->p) < nlit) {
        o->full = 1;
        return;
    }
    memcpy(o->p, lit, nlit);
    o->p += nlit;
    if (!m)
        return;
    put(o, (uint8_t)dist);
    put(o, (uint8_t)(dist >> 8));
    if (ml >= 15)
        lz4_len(o, ml - 15);
}

size_t c5_lz4_block_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, void *work)
{
    uint32_t *tab = work;
    memset(tab, 0xff, HSIZE * sizeof *tab);
    lzout o = {out, out + cap, 0};
    size_t ip = 0, lit = 0, misses = 0;
    if (n >= LZ4_MFLIMIT + 1) {
        size_t last_start = n - LZ4_MFLIMIT;      /* matches start at or before */
        size_t match_end = n - LZ4_LASTLITERALS; /* and end at or before */
        while (ip <= last_start && !o.full) {
            uint32_t h = hash4(rd32(in + ip));
            uint32_t cand = tab[h];
            tab[h] = (uint32_t)ip;
            size_t dist = ip - (size_t)cand;
            if (cand == UINT32_MAX || dist > LZ4_MAXDIST || rd32(in + cand) != rd32(in + ip)) {
                ip += 1 + (misses++ >> 6);
                continue;
            }
            misses = 0;
            /* Extend backwards over literals that also match. */
            while (ip > lit && cand > 0 && in[ip - 1] == in[cand - 1]) {
                ip--;
                cand--;
            }
            size_t m = LZ4_MINMATCH + common(in + cand + 4, in + ip + 4, match_end - ip - 4);
            lz4_sequence(&o, in + lit, ip - lit, m, dist);
            size_t end = ip + m;
            index_tail4(tab, in, n, end);
            ip = end;
            lit = ip;
        }
    }
    if (!o.full)
        lz4_sequence(&o, in + lit, n - lit, 0, 0);
    return o.full ? 0 : (size_t)(o.p - out);
}
