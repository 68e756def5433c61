/* The deflate filter (ID 1), write side: each chunk becomes one zlib
 * stream (RFC 1950) holding DEFLATE data (RFC 1951) at the level in cd[0].
 *
 * zlib stream:
 *   offset  size  field
 *   0       1     CMF 0x78: method 8 (deflate), 32 KiB window
 *   1       1     FLG: FLEVEL (bits 6-7, informational, as zlib sets it
 *                 from the level), FCHECK (CMF * 256 + FLG multiple of 31)
 *   2       var   DEFLATE blocks, the last with BFINAL set
 *   end     4     Adler-32 of the uncompressed bytes, big-endian
 *
 * As in libhdf5 (H5Z__filter_deflate) the output may exceed the input by a
 * little: the filter fails only past ceil(n * 1.001) + 12 bytes, and the
 * filter is optional, so such a chunk is then stored as is with its mask
 * bit set.
 *
 * Three engines give valid streams (the bytes differ between them):
 * libdeflate, zlib, and the built-in deflater below, for builds with
 * neither. The built-in one is a classic LZ77 + Huffman coder:
 *   - matches of 3..258 bytes up to 32 KiB back, found through hash chains
 *     of 3-byte prefixes; greedy at levels 1-3, one-step lazy from level 4
 *     (a match is deferred when the next position has a longer one);
 *   - symbols are gathered in blocks of up to BLOCK_SYMS; each block is
 *     written as whichever of stored, fixed Huffman or dynamic Huffman is
 *     smallest, so incompressible data grows by 5 bytes per 64 KiB only;
 *   - dynamic codes are Huffman codes limited to 15 bits (7 for the code-
 *     length code) and always complete (inflaters, zlib's included, refuse
 *     incomplete codes), with at least two symbols each;
 *   - level 0 writes stored blocks only. */
#include "core/internal.h"

#include "filter.h"

#ifdef C5_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef C5_HAVE_ZLIB
#include <zlib.h>
#endif

/* ---- tables of RFC 1951 section 3.2.5 ---------------------------------- */

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t clen_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

#define MIN_MATCH 3
#define MAX_MATCH 258
#define WSIZE 32768u
#define WMASK (WSIZE - 1)
#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define BLOCK_SYMS 16384
#define STORED_MAX 65535u
#define NIL UINT32_MAX

/* Search effort per level: hash-chain steps, the match length that ends a
 * search early ("nice"), and whether matching is lazy. */
static const struct {
    uint16_t chain, nice;
    uint8_t lazy;
} level_cfg[10] = {
    {0, 0, 0},      {4, 16, 0},     {8, 32, 0},     {16, 64, 0},    {16, 32, 1},
    {32, 64, 1},    {64, 128, 1},   {128, 192, 1},  {512, 258, 1},  {2048, 258, 1},
};

/* ---- bit output (LSB first) ------------------------------------------- */

typedef struct bitw {
    uint8_t *out;
    size_t cap, pos;
    uint64_t acc;
    unsigned nacc;
    int full; /* something did not fit in cap */
} bitw;

static inline void bw_bytes(bitw *b, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        if (b->pos < b->cap)
            b->out[b->pos] = (uint8_t)b->acc;
        else
            b->full = 1;
        b->pos++;
        b->acc >>= 8;
    }
}

/* n <= 32 bits. */
static inline void bw_put(bitw *b, uint32_t bits, unsigned n)
{
    b->acc |= (uint64_t)bits << b->nacc;
    b->nacc += n;
    if (b->nacc >= 32) {
        bw_bytes(b, 4);
        b->nacc -= 32;
    }
}

/* Pad to a byte boundary with zero bits and write out what is held. */
static void bw_align(bitw *b)
{
    unsigned k = (b->nacc + 7) / 8;
    bw_bytes(b, k);
    b->acc = 0;
    b->nacc = 0;
}

static void bw_raw(bitw *b, const uint8_t *p, size_t n)
{
    /* caller aligned first */
    if (b->pos <= b->cap && n <= b->cap - b->pos)
        memcpy(b->out + b->pos, p, n);
    else
        b->full = 1;
    b->pos += n;
}

/* ---- Huffman code construction ----------------------------------------- */

/* Code lengths (<= limit) of a complete prefix code for the nsym
 * frequencies: a Huffman code whose too-long codes are cut to the limit,
 * then lengthened elsewhere (rarest symbols first) until the Kraft sum
 * fits, and shortened back until the code is complete. Fewer than two used
 * symbols get dummy partners, so every code has two codewords at least. */
static void huff_lengths(const uint32_t *freq_in, unsigned nsym, unsigned limit, uint8_t *len)
{
    uint32_t freq[288];
    uint16_t sym[288];
    unsigned m = 0;
    memcpy(freq, freq_in, nsym * sizeof *freq);
    memset(len, 0, nsym);
    for (unsigned i = 0; i < nsym; i++)
        if (freq[i])
            m++;
    for (unsigned i = 0; m < 2 && i < nsym; i++)
        if (!freq[i]) {
            freq[i] = 1;
            m++;
        }
    m = 0;
    for (unsigned i = 0; i < nsym; i++)
        if (freq[i])
            sym[m++] = (uint16_t)i;
    /* Insertion sort by frequency, then symbol: m <= 288. */
    for (unsigned i = 1; i < m; i++) {
        uint16_t s = sym[i];
        unsigned j = i;
        while (j > 0 && freq[sym[j - 1]] > freq[s]) {
            sym[j] = sym[j - 1];
            j--;
        }
        sym[j] = s;
    }
    /* Two-queue Huffman: leaves 0..m-1 (sorted), internal nodes m..2m-2
     * created in non-decreasing weight order. */
    uint64_t w[2 * 288];
    uint16_t parent[2 * 288];
    uint8_t depth[2 * 288];
    for (unsigned i = 0; i < m; i++)
        w[i] = freq[sym[i]];
    unsigned li = 0, ii = m, next = m;
    while (next < 2 * m - 1) {
        unsigned pick[2];
        for (int k = 0; k < 2; k++) {
            if (li < m && (ii >= next || w[li] <= w[ii]))
                pick[k] = li++;
            else
                pick[k] = ii++;
        }
        w[next] = w[pick[0]] + w[pick[1]];
        parent[pick[0]] = parent[pick[1]] = (uint16_t)next;
        next++;
    }
    depth[2 * m - 2] = 0;
    for (unsigned i = 2 * m - 2; i-- > 0;) {
        unsigned d = depth[parent[i]] + 1u;
        depth[i] = (uint8_t)(d > 255 ? 255 : d);
    }
    uint32_t kraft = 0, target = 1u << limit;
    for (unsigned i = 0; i < m; i++) {
        unsigned d = depth[i] > limit ? limit : depth[i];
        len[sym[i]] = (uint8_t)d;
        kraft += 1u << (limit - d);
    }
    /* Over-subscribed after the cut: lengthen the rarest of the longest
     * codes still below the limit. */
    while (kraft > target) {
        int best = -1;
        for (unsigned i = 0; i < m; i++) {
            unsigned s = sym[i];
            if (len[s] < limit && (best < 0 || len[s] > len[best] ||
                                   (len[s] == len[best] && freq[s] < freq[best])))
                best = (int)s;
        }
        kraft -= 1u << (limit - len[best] - 1);
        len[best]++;
    }
    /* Incomplete: shorten the most frequent of the longest codes (each step
     * adds the smallest term, which divides what is missing). */
    while (kraft < target) {
        int best = -1;
        for (unsigned i = 0; i < m; i++) {
            unsigned s = sym[i];
            if (len[s] > 1 && (1u << (limit - len[s])) <= target - kraft &&
                (best < 0 || len[s] > len[best] || (len[s] == len[best] && freq[s] > freq[best])))
                best = (int)s;
        }
        if (best < 0)
            break; /* cannot happen: the longest code always fits */
        kraft += 1u << (limit - len[best]);
        len[best]--;
    }
}

/* Canonical codes (RFC 1951 3.2.2), bit-reversed for LSB-first output. */
static void huff_codes(const uint8_t *len, unsigned nsym, uint16_t *code)
{
    unsigned count[16] = {0}, next[16];
    for (unsigned i = 0; i < nsym; i++)
        count[len[i]]++;
    count[0] = 0;
    unsigned c = 0;
    for (unsigned b = 1; b < 16; b++) {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (unsigned i = 0; i < nsym; i++) {
        unsigned l = len[i];
        if (!l) {
            code[i] = 0;
            continue;
        }
        unsigned v = next[l]++, r = 0;
        for (unsigned k = 0; k < l; k++, v >>= 1)
            r = (r << 1) | (v & 1);
        code[i] = (uint16_t)r;
    }
}

/* ---- the deflater state ------------------------------------------------ */

typedef struct dstate {
    const uint8_t *in;
    size_t n;
    uint32_t *head;           /* HASH_SIZE: latest position of each hash */
    uint32_t *prev;           /* WSIZE: previous position with the same hash */
    uint16_t *s_len;          /* per symbol: literal byte, or match length */
    uint16_t *s_dist;         /* per symbol: 0 literal, else distance */
    size_t nsym;
    size_t block_start;       /* input offset of the block's first byte */
    size_t emitted;           /* input bytes covered by the symbols so far */
    size_t pend_start, pend_len; /* stored blocks not written yet */
    uint32_t freq_ll[286], freq_d[30];
    uint8_t lcode[MAX_MATCH + 1]; /* length -> length code index 0..28 */
    uint8_t dcode_lo[256];        /* distance - 1 < 256 -> code */
    uint8_t dcode_hi[256];        /* (distance - 1) >> 7 -> code */
    bitw bw;
} dstate;

static void tables_init(dstate *s)
{
    for (unsigned c = 0; c < 29; c++) {
        unsigned top = c == 28 ? 258 : (unsigned)len_base[c] + (1u << len_extra[c]) - 1;
        for (unsigned l = len_base[c]; l <= top && l <= MAX_MATCH; l++)
            s->lcode[l] = (uint8_t)c;
    }
    s->lcode[258] = 28; /* 258 has its own code, not 227 + 31 */
    for (unsigned c = 0; c < 30; c++) {
        unsigned lo = dist_base[c] - 1u, hi = lo + (1u << dist_extra[c]);
        for (unsigned d = lo; d < hi; d++) {
            if (d < 256)
                s->dcode_lo[d] = (uint8_t)c;
            else
                s->dcode_hi[d >> 7] = (uint8_t)c;
        }
    }
}

static inline unsigned dcode(const dstate *s, unsigned dist)
{
    unsigned d = dist - 1;
    return d < 256 ? s->dcode_lo[d] : s->dcode_hi[d >> 7];
}

static inline void emit_lit(dstate *s, uint8_t c)
{
    s->s_len[s->nsym] = c;
    s->s_dist[s->nsym] = 0;
    s->nsym++;
    s->freq_ll[c]++;
    s->emitted++;
}

static inline void emit_match(dstate *s, unsigned len, unsigned dist)
{
    s->s_len[s->nsym] = (uint16_t)len;
    s->s_dist[s->nsym] = (uint16_t)dist;
    s->nsym++;
    s->freq_ll[257 + s->lcode[len]]++;
    s->freq_d[dcode(s, dist)]++;
    s->emitted += len;
}

/* Stored blocks for in[from, from + len): pieces of at most 65535 bytes. */
static void write_stored(bitw *b, const uint8_t *p, size_t len, int final)
{
    do {
        size_t k = len > STORED_MAX ? STORED_MAX : len;
        len -= k;
        bw_put(b, (final && len == 0) ? 1u : 0u, 3); /* BFINAL, BTYPE 00 */
        bw_align(b);
        uint8_t hdr[4] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)~k, (uint8_t)(~k >> 8)};
        bw_raw(b, hdr, 4);
        bw_raw(b, p, k);
        p += k;
    } while (len);
}

static uint64_t stored_cost(unsigned nacc, size_t len)
{
    uint64_t bits = 0;
    do {
        size_t k = len > STORED_MAX ? STORED_MAX : len;
        len -= k;
        unsigned used = (nacc + 3) % 8;
        bits += 3 + (used ? 8 - used : 0) + 32 + 8 * (uint64_t)k;
        nacc = 0;
    } while (len);
    return bits;
}

static void write_symbols(dstate *s, const uint8_t *ll_len, const uint16_t *ll_code,
                          const uint8_t *d_len, const uint16_t *d_code)
{
    bitw *b = &s->bw;
    for (size_t i = 0; i < s->nsym; i++) {
        unsigned l = s->s_len[i], dist = s->s_dist[i];
        if (!dist) {
            bw_put(b, ll_code[l], ll_len[l]);
            continue;
        }
        unsigned lc = s->lcode[l];
        bw_put(b, ll_code[257 + lc], ll_len[257 + lc]);
        if (len_extra[lc])
            bw_put(b, l - len_base[lc], len_extra[lc]);
        unsigned dc = dcode(s, dist);
        bw_put(b, d_code[dc], d_len[dc]);
        if (dist_extra[dc])
            bw_put(b, dist - dist_base[dc], dist_extra[dc]);
    }
    bw_put(b, ll_code[256], ll_len[256]);
}

/* Bits of the symbols (and end of block) under the given lengths. */
static uint64_t symbol_cost(const dstate *s, const uint8_t *ll_len, const uint8_t *d_len)
{
    uint64_t bits = 0;
    for (unsigned i = 0; i < 286; i++) {
        uint64_t extra = i >= 257 ? len_extra[i - 257] : 0;
        bits += (uint64_t)s->freq_ll[i] * (ll_len[i] + extra);
    }
    for (unsigned i = 0; i < 30; i++)
        bits += (uint64_t)s->freq_d[i] * (d_len[i] + dist_extra[i]);
    return bits;
}

/* Run-length coding of the code lengths (RFC 1951 3.2.7) into symbols
 * 0..18 with their extra bits; returns the count. */
static unsigned rle_lengths(const uint8_t *lens, unsigned n, uint8_t *sym, uint8_t *extra)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n;) {
        unsigned v = lens[i], run = 1;
        while (i + run < n && lens[i + run] == v)
            run++;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                unsigned r = run > 138 ? 138 : run;
                sym[k] = 18;
                extra[k++] = (uint8_t)(r - 11);
                run -= r;
            }
            if (run >= 3) {
                sym[k] = 17;
                extra[k++] = (uint8_t)(run - 3);
                run = 0;
            }
        } else {
            sym[k] = (uint8_t)v;
            extra[k++] = 0;
            run--;
            while (run >= 3) {
                unsigned r = run > 6 ? 6 : run;
                sym[k] = 16;
                extra[k++] = (uint8_t)(r - 3);
                run -= r;
            }
        }
        while (run--) {
            sym[k] = (uint8_t)v;
            extra[k++] = 0;
        }
    }
    return k;
}

static const uint8_t clen_extra_bits[19] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 0, 0, 2, 3, 7};

static void flush_pending(dstate *s, int final)
{
    if (!s->pend_len && !final)
        return;
    write_stored(&s->bw, s->in + s->pend_start, s->pend_len, final);
    s->pend_len = 0;
}

/* Write the current block as the cheapest of stored, fixed, dynamic. */
static void flush_block(dstate *s, int final)
{
    bitw *b = &s->bw;
    s->freq_ll[256] = 1;

    uint8_t ll_len[286], d_len[30];
    huff_lengths(s->freq_ll, 286, 15, ll_len);
    huff_lengths(s->freq_d, 30, 15, d_len);
    unsigned hlit = 286, hdist = 30;
    while (hlit > 257 && !ll_len[hlit - 1])
        hlit--;
    while (hdist > 1 && !d_len[hdist - 1])
        hdist--;
    uint8_t all[286 + 30], rsym[286 + 30], rext[286 + 30];
    memcpy(all, ll_len, hlit);
    memcpy(all + hlit, d_len, hdist);
    unsigned nr = rle_lengths(all, hlit + hdist, rsym, rext);
    uint32_t cfreq[19] = {0};
    for (unsigned i = 0; i < nr; i++)
        cfreq[rsym[i]]++;
    uint8_t c_len[19];
    huff_lengths(cfreq, 19, 7, c_len);
    unsigned hclen = 19;
    while (hclen > 4 && !c_len[clen_order[hclen - 1]])
        hclen--;
    uint64_t dyn = 3 + 14 + 3 * (uint64_t)hclen + symbol_cost(s, ll_len, d_len);
    for (unsigned i = 0; i < 19; i++)
        dyn += (uint64_t)cfreq[i] * (c_len[i] + clen_extra_bits[i]);

    /* The fixed code is defined over 288 symbols: 286 and 287 shape the
     * canonical codes even though they never occur. */
    uint8_t f_ll[288], f_d[30];
    for (unsigned i = 0; i < 288; i++)
        f_ll[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    memset(f_d, 5, sizeof f_d);
    uint64_t fixed = 3 + symbol_cost(s, f_ll, f_d);
    size_t blen = s->emitted - s->block_start;
    /* Joining pending stored data: only the bytes (and any piece header
     * that crossing a 64 KiB boundary adds) count. */
    uint64_t stored = s->pend_len ? stored_cost(0, s->pend_len + blen) - stored_cost(0, s->pend_len)
                                  : stored_cost(b->nacc, blen);

    if (stored <= fixed && stored <= dyn) {
        /* Held back: a following stored block joins it, so incompressible
         * data costs 5 bytes per 64 KiB, not per block of symbols. */
        if (!s->pend_len)
            s->pend_start = s->block_start;
        s->pend_len += blen;
        if (final)
            flush_pending(s, 1);
    } else if (fixed <= dyn) {
        flush_pending(s, 0);
        uint16_t f_llc[288], f_dc[30];
        huff_codes(f_ll, 288, f_llc);
        huff_codes(f_d, 30, f_dc);
        bw_put(b, (final ? 1u : 0u) | (1u << 1), 3);
        write_symbols(s, f_ll, f_llc, f_d, f_dc);
    } else {
        flush_pending(s, 0);
        uint16_t ll_code[286], d_code[30], c_code[19];
        huff_codes(ll_len, 286, ll_code);
        huff_codes(d_len, 30, d_code);
        huff_codes(c_len, 19, c_code);
        bw_put(b, (final ? 1u : 0u) | (2u << 1), 3);
        bw_put(b, hlit - 257, 5);
        bw_put(b, hdist - 1, 5);
        bw_put(b, hclen - 4, 4);
        for (unsigned i = 0; i < hclen; i++)
            bw_put(b, c_len[clen_order[i]], 3);
        for (unsigned i = 0; i < nr; i++) {
            bw_put(b, c_code[rsym[i]], c_len[rsym[i]]);
            if (clen_extra_bits[rsym[i]])
                bw_put(b, rext[i], clen_extra_bits[rsym[i]]);
        }
        write_symbols(s, ll_len, ll_code, d_len, d_code);
    }
    s->nsym = 0;
    s->block_start = s->emitted;
    memset(s->freq_ll, 0, sizeof s->freq_ll);
    memset(s->freq_d, 0, sizeof s->freq_d);
}

static inline uint32_t hash3(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static inline void insert(dstate *s, size_t pos)
{
    uint32_t h = hash3(s->in + pos);
    s->prev[pos & WMASK] = s->head[h];
    s->head[h] = (uint32_t)pos;
}

/* Bytes in common at a and b, up to max. */
static inline unsigned match_len(const uint8_t *a, const uint8_t *b, unsigned max)
{
    unsigned k = 0;
    while (k + 8 <= max) {
        uint64_t x, y;
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return k + (unsigned)(__builtin_ctzll(x ^ y) >> 3);
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

/* Longest match for pos longer than `better` (0 if none), *dist set. */
static unsigned longest(const dstate *s, size_t pos, unsigned chain, unsigned nice,
                        unsigned better, unsigned *dist)
{
    const uint8_t *cur = s->in + pos;
    size_t avail = s->n - pos;
    unsigned max = avail < MAX_MATCH ? (unsigned)avail : MAX_MATCH;
    unsigned best = better < MIN_MATCH - 1 ? MIN_MATCH - 1 : better;
    if (best >= max)
        return 0;
    unsigned found = 0;
    uint32_t cand = s->head[hash3(cur)];
    while (cand != NIL && cand < pos && pos - cand <= WSIZE && chain--) {
        const uint8_t *c = s->in + cand;
        if (c[best] == cur[best] && c[0] == cur[0] && c[1] == cur[1]) {
            unsigned l = match_len(c, cur, max);
            if (l > best) {
                best = l;
                found = l;
                *dist = (unsigned)(pos - cand);
                if (l >= nice || l == max)
                    break;
            }
        }
        cand = s->prev[cand & WMASK];
    }
    return found;
}

static void lz77(dstate *s, int level)
{
    unsigned chain = level_cfg[level].chain, nice = level_cfg[level].nice;
    int lazy = level_cfg[level].lazy;
    const uint8_t *in = s->in;
    size_t n = s->n, pos = 0;
    int have_prev = 0;
    unsigned prev_len = 0, prev_dist = 0;
    while (pos < n) {
        unsigned len = 0, dist = 0;
        if (n - pos >= MIN_MATCH) {
            if (!(have_prev && prev_len >= nice)) {
                /* Search less hard when the deferred match is already good. */
                unsigned ch = have_prev && prev_len >= 32 ? (chain >> 2) + 1 : chain;
                len = longest(s, pos, ch, nice, lazy && have_prev ? prev_len : 0, &dist);
            }
            insert(s, pos);
        }
        if (!lazy) {
            if (len >= MIN_MATCH) {
                emit_match(s, len, dist);
                size_t end = pos + len;
                for (size_t q = pos + 1; q < end && n - q >= MIN_MATCH; q++)
                    insert(s, q);
                pos = end;
            } else {
                emit_lit(s, in[pos]);
                pos++;
            }
        } else if (have_prev && prev_len >= MIN_MATCH && len <= prev_len) {
            /* The match found one byte back is at least as long: take it. */
            emit_match(s, prev_len, prev_dist);
            size_t end = pos - 1 + prev_len;
            for (size_t q = pos + 1; q < end && n - q >= MIN_MATCH; q++)
                insert(s, q);
            pos = end;
            have_prev = 0;
        } else {
            if (have_prev)
                emit_lit(s, in[pos - 1]);
            have_prev = 1;
            prev_len = len;
            prev_dist = dist;
            pos++;
        }
        if (s->nsym >= BLOCK_SYMS - 2) {
            flush_block(s, 0);
            if (s->bw.full)
                return;
        }
    }
    if (have_prev)
        emit_lit(s, in[n - 1]);
}

static uint32_t adler32_of(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    while (n) {
        size_t k = n > 5552 ? 5552 : n;
        n -= k;
        while (k--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}

int c5_deflate_builtin(c5_file *f, int level, const uint8_t *in, size_t n, uint8_t *out,
                       size_t cap, size_t *outn)
{
    *outn = 0;
    if (level < 0 || level > 9)
        return C5_EINVAL;
    if (n >= NIL)
        return C5_ELIMIT; /* positions are 32-bit; HDF5 chunks are < 4 GiB */
    if (cap < 6)
        return C5_ERANGE;
    dstate *s = c5_calloc(f, 1, sizeof *s);
    if (!s)
        return C5_ENOMEM;
    s->in = in;
    s->n = n;
    s->bw.out = out;
    s->bw.cap = cap;
    int rc = 0;
    unsigned flevel = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
    unsigned flg = flevel << 6;
    flg |= 31 - ((0x78u * 256 + flg) % 31);
    bw_put(&s->bw, 0x78u | flg << 8, 16);
    if (level == 0) {
        write_stored(&s->bw, in, n, 1);
    } else {
        tables_init(s);
        s->head = c5_malloc(f, HASH_SIZE * sizeof *s->head);
        s->prev = c5_malloc(f, WSIZE * sizeof *s->prev);
        s->s_len = c5_malloc(f, BLOCK_SYMS * sizeof *s->s_len);
        s->s_dist = c5_malloc(f, BLOCK_SYMS * sizeof *s->s_dist);
        if (!s->head || !s->prev || !s->s_len || !s->s_dist) {
            rc = C5_ENOMEM;
            goto done;
        }
        memset(s->head, 0xff, HASH_SIZE * sizeof *s->head);
        lz77(s, level);
        if (!s->bw.full)
            flush_block(s, 1);
    }
    bw_align(&s->bw);
    uint32_t a = adler32_of(in, n);
    uint8_t tail[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    bw_raw(&s->bw, tail, 4);
    if (s->bw.full)
        rc = C5_ERANGE;
    else
        *outn = s->bw.pos;
done:
    c5_free(f, s->head);
    c5_free(f, s->prev);
    c5_free(f, s->s_len);
    c5_free(f, s->s_dist);
    c5_free(f, s);
    return rc;
}

/* ---- engines ----------------------------------------------------------- */

#ifdef C5_HAVE_LIBDEFLATE
static int deflate_libdeflate(int level, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                              size_t *outn)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (!c)
        return C5_ENOMEM;
    size_t got = libdeflate_zlib_compress(c, in, n, out, cap);
    int rc = got ? 0 : C5_ERANGE;
    if (!got) {
        /* libdeflate wants some slack past the end of what it writes and
         * gives up on buffers that would hold the result exactly: retry
         * with its full bound, so that it fails only where zlib would. */
        size_t bound = libdeflate_zlib_compress_bound(c, n);
        uint8_t *tmp = bound > cap ? malloc(bound) : NULL;
        if (bound > cap && !tmp)
            rc = C5_ENOMEM;
        else if (tmp && (got = libdeflate_zlib_compress(c, in, n, tmp, bound)) != 0 && got <= cap) {
            memcpy(out, tmp, got);
            rc = 0;
        }
        free(tmp);
    }
    libdeflate_free_compressor(c);
    if (rc)
        return rc;
    *outn = got;
    return 0;
}
#endif

#ifdef C5_HAVE_ZLIB
static int deflate_zlib(int level, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                        size_t *outn)
{
    uLongf got = (uLongf)cap;
    if ((size_t)got != cap || (size_t)(uLong)n != n)
        return C5_ELIMIT;
    int zr = compress2(out, &got, in, (uLong)n, level);
    if (zr == Z_BUF_ERROR)
        return C5_ERANGE;
    if (zr == Z_MEM_ERROR)
        return C5_ENOMEM;
    if (zr != Z_OK)
        return C5_EINVAL;
    *outn = (size_t)got;
    return 0;
}
#endif

int c5_zlib_deflate(c5_file *f, c5_inflate_engine_t engine, int level, const uint8_t *in,
                    size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    *outn = 0;
    if (level < 0 || level > 9)
        return C5_EINVAL;
    if (engine == C5_INFLATE_AUTO) {
#if defined(C5_HAVE_LIBDEFLATE)
        engine = C5_INFLATE_LIBDEFLATE;
#elif defined(C5_HAVE_ZLIB)
        engine = C5_INFLATE_ZLIB;
#else
        engine = C5_INFLATE_BUILTIN;
#endif
    }
    switch (engine) {
    case C5_INFLATE_BUILTIN: return c5_deflate_builtin(f, level, in, n, out, cap, outn);
#ifdef C5_HAVE_LIBDEFLATE
    case C5_INFLATE_LIBDEFLATE: return deflate_libdeflate(level, in, n, out, cap, outn);
#endif
#ifdef C5_HAVE_ZLIB
    case C5_INFLATE_ZLIB: return deflate_zlib(level, in, n, out, cap, outn);
#endif
    default: return C5_ENOFILTER;
    }
}

int c5_filter_deflate_enc(const c5_pfilter *flt, const c5_filter_ctx *ctx, const uint8_t *in,
                          size_t n, uint8_t **out, size_t *outn)
{
    c5_file *f = ctx->f;
    *out = NULL;
    *outn = 0;
    /* libhdf5 refuses anything but exactly one value, a level 0..9. */
    if (flt->ncd != 1 || !flt->cd || flt->cd[0] > 9)
        return C5_EINVAL;
    /* libhdf5's output room: ceil(n * 1.001) + 12. */
    uint64_t cap = (uint64_t)n + ((uint64_t)n + 999) / 1000 + 12;
    if (cap > SIZE_MAX)
        return C5_ELIMIT;
    uint8_t *buf = c5_malloc(f, (size_t)cap);
    if (!buf)
        return C5_ENOMEM;
    size_t got = 0;
    int rc = c5_zlib_deflate(f, C5_INFLATE_AUTO, (int)flt->cd[0], in, n, buf, (size_t)cap, &got);
    if (rc) {
        c5_free(f, buf);
        return rc;
    }
    uint8_t *shrunk = c5_realloc(f, buf, got);
    *out = shrunk ? shrunk : buf;
    *outn = got;
    return 0;
}
