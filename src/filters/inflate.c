/* Built-in inflater: a zlib stream (RFC 1950) wrapping DEFLATE data
 * (RFC 1951), decoded without any library so that deflated HDF5 chunks stay
 * readable in a build with neither zlib nor libdeflate.
 *
 * zlib stream (RFC 1950 section 2.2):
 *   offset  size  field
 *   0       1     CMF: bits 0-3 CM (8 = deflate), bits 4-7 CINFO (log2 window - 8, <= 7)
 *   1       1     FLG: bits 0-4 FCHECK ((CMF * 256 + FLG) % 31 == 0),
 *                 bit 5 FDICT (preset dictionary: never written by HDF5 -> error),
 *                 bits 6-7 FLEVEL (informational)
 *   2       var   DEFLATE blocks
 *   end     4     ADLER-32 of the uncompressed data, big-endian
 *
 * DEFLATE (RFC 1951 section 3.2), bits packed LSB first, Huffman codes MSB
 * first:
 *   block header  BFINAL (1 bit), BTYPE (2 bits): 00 stored, 01 fixed
 *                 Huffman, 10 dynamic Huffman, 11 reserved (error)
 *   stored        skip to a byte boundary, LEN (2), NLEN (2) = ~LEN, LEN bytes
 *   fixed         literal/length code lengths 8 (0-143), 9 (144-255),
 *                 7 (256-279), 8 (280-287); 32 distance codes of 5 bits
 *   dynamic       HLIT (5) + 257, HDIST (5) + 1, HCLEN (4) + 4; HCLEN 3-bit
 *                 lengths of the code-length code, in the order 16 17 18 0 8
 *                 7 9 6 10 5 11 4 12 3 13 2 14 1 15; then HLIT + HDIST code
 *                 lengths in that code (0-15 literal, 16 repeat previous 3-6
 *                 times (2 extra bits), 17 zeros 3-10 (3), 18 zeros 11-138 (7))
 *   symbols       0-255 literal, 256 end of block, 257-285 length 3-258 with
 *                 0-5 extra bits, then a distance symbol 0-29 (distance
 *                 1-32768 with 0-13 extra bits)
 *
 * Decoding is table driven: a primary table indexed by the next LBITS
 * (litlen) or DBITS (distance) input bits gives the symbol and its code
 * length at once; longer codes go through a second-level table. The bit
 * buffer is 64 bits wide and refilled with one unaligned load while at
 * least 8 input bytes remain, so one refill covers a whole length/distance
 * pair (at most 15 + 5 + 15 + 13 = 48 bits).
 *
 * Malformed input: every table is validated (over-subscribed or incomplete
 * codes are rejected, except the empty and single-code cases RFC 1951
 * permits for distances, which zlib also accepts), distances are checked
 * against the output produced, and reading past the end of the input is
 * detected. The output never grows past cap: C5_ERANGE then tells the
 * caller to retry with a larger buffer. */
#include "core/internal.h"

#include "filter.h"

/* Table entry (uint32_t):
 *   bits 0-3   bits to consume (code length; for a sub-table link: LBITS/DBITS)
 *   bit  4     literal: value is the byte
 *   bit  5     end of block
 *   bit  6     link to a second-level table at index `value` with `extra` bits
 *   bit  7     invalid code
 *   bits 8-12  extra bits to read after the code (lengths, distances)
 *   bits 16-31 value: literal byte, length base, distance base, table index */
#define E_LIT 0x10u
#define E_END 0x20u
#define E_SUB 0x40u
#define E_BAD 0x80u
#define ENTRY(val, extra, flags) (((uint32_t)(val) << 16) | ((uint32_t)(extra) << 8) | (flags))

#define LBITS 11
#define DBITS 8
#define PBITS 7
/* Second-level tables: at most one per code longer than the primary bits,
 * each at most 2^(15 - primary bits) entries. */
#define LTAB_SIZE ((1u << LBITS) + 288u * (1u << (15 - LBITS)))
#define DTAB_SIZE ((1u << DBITS) + 32u * (1u << (15 - DBITS)))

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

typedef struct infl {
    /* input */
    const uint8_t *in, *in_start, *in_end;
    uint64_t bb;          /* bit buffer: next input bits in the low end */
    unsigned bc;          /* valid bits in bb */
    size_t ovr;           /* zero bytes fed past the end of the input */
    /* output */
    uint8_t *out, *op, *oend;
    /* symbol descriptions, code lengths, tables */
    uint32_t lsym[288], dsym[32], psym[19];
    uint8_t lens[288 + 32];
    uint32_t ltab[LTAB_SIZE], dtab[DTAB_SIZE], ptab[1u << PBITS];
    uint32_t fltab[1u << LBITS], fdtab[1u << DBITS];
    int fixed_ready;
} infl;

/* ---- tables -------------------------------------------------------------- */

static unsigned bitrev(unsigned code, unsigned len)
{
    unsigned r = 0;
    for (unsigned i = 0; i < len; i++, code >>= 1)
        r = (r << 1) | (code & 1u);
    return r;
}

/* Build a decode table for the canonical Huffman code given by lens[0..nsym)
 * (RFC 1951 section 3.2.2). sym[s] is symbol s's entry without its length.
 * allow_incomplete accepts the empty code and a single code of length 1
 * (both legal for distance codes); unused slots then decode as E_BAD.
 * Returns 0, or -1 when the lengths are not a usable prefix code. */
static int build_table(uint32_t *tab, size_t tabsize, unsigned pbits, const uint8_t *lens,
                       unsigned nsym, const uint32_t *sym, int allow_incomplete)
{
    unsigned count[16] = {0}, rem[16], offs[16];
    uint16_t sorted[288];
    unsigned maxlen = 0, ncodes = 0;
    for (unsigned s = 0; s < nsym; s++)
        count[lens[s]]++;
    count[0] = 0;
    int left = 1;
    for (unsigned len = 1; len <= 15; len++) {
        left = (left << 1) - (int)count[len];
        if (left < 0)
            return -1; /* over-subscribed */
        if (count[len])
            maxlen = len;
        ncodes += count[len];
    }
    size_t psize = (size_t)1 << pbits;
    if (left > 0) {
        if (!allow_incomplete || !(ncodes == 0 || (ncodes == 1 && count[1] == 1)))
            return -1;
        for (size_t i = 0; i < psize; i++)
            tab[i] = E_BAD | 1u;
    }
    offs[1] = 0;
    for (unsigned len = 1; len < 15; len++)
        offs[len + 1] = offs[len] + count[len];
    for (unsigned s = 0; s < nsym; s++)
        if (lens[s])
            sorted[offs[lens[s]]++] = (uint16_t)s;
    memcpy(rem, count, sizeof rem);

    unsigned code = 0, idx = 0;
    size_t next_sub = psize, sub_base = 0;
    unsigned sub_bits = 0, cur_prefix = ~0u;
    for (unsigned len = 1; len <= maxlen; len++, code <<= 1) {
        for (unsigned k = 0; k < count[len]; k++, code++) {
            uint32_t e = sym[sorted[idx++]];
            if (len <= pbits) {
                for (size_t i = bitrev(code, len); i < psize; i += (size_t)1 << len)
                    tab[i] = e | len;
            } else {
                unsigned prefix = code >> (len - pbits);
                if (prefix != cur_prefix) {
                    /* A new second-level table: as wide as needed for the
                     * remaining codes that share this prefix to fill it. */
                    unsigned curr = len - pbits;
                    int sl = 1 << curr;
                    while (curr + pbits < maxlen) {
                        sl -= (int)rem[curr + pbits];
                        if (sl <= 0)
                            break;
                        curr++;
                        sl <<= 1;
                    }
                    cur_prefix = prefix;
                    sub_bits = curr;
                    sub_base = next_sub;
                    next_sub += (size_t)1 << sub_bits;
                    if (next_sub > tabsize || sub_base > 0xffffu)
                        return -1;
                    tab[bitrev(prefix, pbits)] = ENTRY(sub_base, sub_bits, E_SUB) | pbits;
                }
                unsigned slen = len - pbits;
                unsigned suffix = code & ((1u << slen) - 1);
                for (size_t i = bitrev(suffix, slen); i < ((size_t)1 << sub_bits);
                     i += (size_t)1 << slen)
                    tab[sub_base + i] = e | slen;
            }
            rem[len]--;
        }
    }
    return 0;
}

static void init_symbols(infl *s)
{
    for (unsigned i = 0; i < 256; i++)
        s->lsym[i] = ENTRY(i, 0, E_LIT);
    s->lsym[256] = E_END;
    for (unsigned i = 0; i < 29; i++)
        s->lsym[257 + i] = ENTRY(len_base[i], len_extra[i], 0);
    s->lsym[286] = s->lsym[287] = E_BAD;
    for (unsigned i = 0; i < 30; i++)
        s->dsym[i] = ENTRY(dist_base[i], dist_extra[i], 0);
    s->dsym[30] = s->dsym[31] = E_BAD;
    for (unsigned i = 0; i < 19; i++)
        s->psym[i] = ENTRY(i, 0, 0);
}

static int build_fixed(infl *s)
{
    uint8_t l[288];
    unsigned i = 0;
    for (; i < 144; i++)
        l[i] = 8;
    for (; i < 256; i++)
        l[i] = 9;
    for (; i < 280; i++)
        l[i] = 7;
    for (; i < 288; i++)
        l[i] = 8;
    if (build_table(s->fltab, 1u << LBITS, LBITS, l, 288, s->lsym, 0) < 0)
        return -1;
    memset(l, 5, 32);
    if (build_table(s->fdtab, 1u << DBITS, DBITS, l, 32, s->dsym, 0) < 0)
        return -1;
    s->fixed_ready = 1;
    return 0;
}

/* ---- bit input ------------------------------------------------------------- */

static inline uint64_t load64le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Top the bit buffer up to at least 56 bits. Past the end of the input it
 * feeds zero bytes, counted in ovr: a stream that consumes them is
 * truncated, which the checks at block and stream ends report; more than 8
 * of them means bits past the end were certainly consumed. Bits above bc
 * in bb always hold the true next input bits (or zeros), so the OR of an
 * overlapping load is harmless. */
#define REFILL()                                                                                 \
    do {                                                                                         \
        if (bc < 56) {                                                                           \
            if (in_end - in >= 8) {                                                              \
                bb |= load64le(in) << bc;                                                        \
                in += (63 - bc) >> 3;                                                            \
                bc |= 56;                                                                        \
            } else {                                                                             \
                while (bc <= 56) {                                                               \
                    if (in < in_end)                                                             \
                        bb |= (uint64_t)*in++ << bc;                                             \
                    else if (++ovr > 8)                                                          \
                        goto truncated;                                                          \
                    bc += 8;                                                                     \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    } while (0)

#define BITS(n) ((unsigned)(bb & ((1ull << (n)) - 1)))
#define DROP(n) (bb >>= (n), bc -= (n))

/* Byte position of the next unread bit, rounded down to a byte boundary
 * after dropping the partial byte. Returns SIZE_MAX when it lies past the
 * real input. */
static size_t align_pos(infl *s)
{
    s->bb >>= s->bc & 7;
    s->bc &= ~7u;
    size_t loaded = (size_t)(s->in - s->in_start) + s->ovr;
    size_t pending = s->bc / 8;
    size_t pos = loaded - pending;
    if (pos > (size_t)(s->in_end - s->in_start))
        return SIZE_MAX;
    s->in = s->in_start + pos;
    s->bb = 0;
    s->bc = 0;
    s->ovr = 0;
    return pos;
}

/* ---- blocks ---------------------------------------------------------------- */

/* Copy a match of len bytes from dist bytes back. Caller checked that dist
 * is within the output produced and len fits before oend. */
static inline uint8_t *copy_match(uint8_t *op, const uint8_t *oend, size_t dist, size_t len)
{
    const uint8_t *src = op - dist;
    uint8_t *end = op + len;
    if ((size_t)(oend - op) >= len + 8) {
        if (dist >= 8) {
            /* Whole words; the overshoot past end stays below oend and is
             * overwritten by what follows. */
            do {
                memcpy(op, src, 8);
                op += 8;
                src += 8;
            } while (op < end);
            return end;
        }
        if (dist == 1) {
            memset(op, *src, len);
            return end;
        }
    }
    while (op < end)
        *op++ = *src++;
    return end;
}

/* Decode the symbols of one Huffman block up to its end-of-block code. */
static int huff_block(infl *s, const uint32_t *lt, const uint32_t *dt)
{
    const uint8_t *in = s->in;
    const uint8_t *const in_end = s->in_end;
    uint64_t bb = s->bb;
    unsigned bc = s->bc;
    size_t ovr = s->ovr;
    uint8_t *op = s->op;
    uint8_t *const out = s->out, *const oend = s->oend;
    int rc = 0;

    for (;;) {
        REFILL();
        uint32_t e = lt[BITS(LBITS)];
        if (e & E_SUB) {
            DROP(LBITS);
            e = lt[(e >> 16) + BITS((e >> 8) & 15)];
        }
        DROP(e & 15);
        if (e & E_LIT) {
            if (op == oend)
                goto full;
            *op++ = (uint8_t)(e >> 16);
            /* A second literal without a refill when the bits are there. */
            if (bc >= 15) {
                e = lt[BITS(LBITS)];
                if ((e & (E_LIT | E_SUB)) == E_LIT) {
                    if (op == oend)
                        goto full;
                    DROP(e & 15);
                    *op++ = (uint8_t)(e >> 16);
                }
            }
            continue;
        }
        if (e & (E_END | E_BAD)) {
            if (e & E_BAD)
                goto bad;
            break;
        }
        unsigned xb = (e >> 8) & 31;
        size_t len = (e >> 16) + BITS(xb);
        DROP(xb);
        e = dt[BITS(DBITS)];
        if (e & E_SUB) {
            DROP(DBITS);
            e = dt[(e >> 16) + BITS((e >> 8) & 15)];
        }
        DROP(e & 15);
        if (e & E_BAD)
            goto bad;
        xb = (e >> 8) & 31;
        size_t dist = (e >> 16) + BITS(xb);
        DROP(xb);
        if (dist > (size_t)(op - out))
            goto bad;
        if (len > (size_t)(oend - op))
            goto full;
        op = copy_match(op, oend, dist, len);
    }
    goto done;
full:
    rc = C5_ERANGE;
    goto done;
truncated:
bad:
    rc = C5_ECORRUPT;
done:
    s->in = in;
    s->bb = bb;
    s->bc = bc;
    s->ovr = ovr;
    s->op = op;
    return rc;
}

/* Read the code lengths of a dynamic block and build its tables. */
static int dynamic_tables(infl *s)
{
    const uint8_t *in = s->in;
    const uint8_t *const in_end = s->in_end;
    uint64_t bb = s->bb;
    unsigned bc = s->bc;
    size_t ovr = s->ovr;
    int rc = C5_ECORRUPT;

    REFILL();
    unsigned hlit = BITS(5) + 257;
    DROP(5);
    unsigned hdist = BITS(5) + 1;
    DROP(5);
    unsigned hclen = BITS(4) + 4;
    DROP(4);
    if (hlit > 286 || hdist > 30)
        goto out;
    uint8_t plens[19] = {0};
    for (unsigned i = 0; i < hclen; i++) {
        REFILL();
        plens[clen_order[i]] = (uint8_t)BITS(3);
        DROP(3);
    }
    if (build_table(s->ptab, 1u << PBITS, PBITS, plens, 19, s->psym, 0) < 0)
        goto out;
    unsigned total = hlit + hdist, n = 0;
    while (n < total) {
        REFILL();
        uint32_t e = s->ptab[BITS(PBITS)];
        if (e & E_BAD)
            goto out;
        DROP(e & 15);
        unsigned sym = e >> 16, rep;
        uint8_t val = 0;
        if (sym < 16) {
            s->lens[n++] = (uint8_t)sym;
            continue;
        } else if (sym == 16) {
            if (n == 0)
                goto out;
            val = s->lens[n - 1];
            rep = 3 + BITS(2);
            DROP(2);
        } else if (sym == 17) {
            rep = 3 + BITS(3);
            DROP(3);
        } else {
            rep = 11 + BITS(7);
            DROP(7);
        }
        if (rep > total - n)
            goto out;
        memset(s->lens + n, val, rep);
        n += rep;
    }
    if (s->lens[256] == 0) /* no end-of-block code */
        goto out;
    if (build_table(s->ltab, LTAB_SIZE, LBITS, s->lens, hlit, s->lsym, 1) < 0)
        goto out;
    if (build_table(s->dtab, DTAB_SIZE, DBITS, s->lens + hlit, hdist, s->dsym, 1) < 0)
        goto out;
    rc = 0;
    goto out;
truncated:
    rc = C5_ECORRUPT;
out:
    s->in = in;
    s->bb = bb;
    s->bc = bc;
    s->ovr = ovr;
    return rc;
}

static int stored_block(infl *s)
{
    size_t pos = align_pos(s);
    size_t avail = (size_t)(s->in_end - s->in_start);
    if (pos == SIZE_MAX || avail - pos < 4)
        return C5_ECORRUPT;
    const uint8_t *p = s->in;
    size_t len = (size_t)p[0] | (size_t)p[1] << 8;
    size_t nlen = (size_t)p[2] | (size_t)p[3] << 8;
    if (len != (~nlen & 0xffffu))
        return C5_ECORRUPT;
    p += 4;
    if ((size_t)(s->in_end - p) < len)
        return C5_ECORRUPT;
    if ((size_t)(s->oend - s->op) < len)
        return C5_ERANGE;
    memcpy(s->op, p, len);
    s->op += len;
    s->in = p + len;
    return 0;
}

/* ---- Adler-32 (RFC 1950 section 8) ----------------------------------------- */

static uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    while (n) {
        /* 5552 is the longest run whose sums cannot overflow 32 bits. */
        size_t k = n < 5552 ? n : 5552;
        n -= k;
        for (; k >= 16; k -= 16, p += 16) {
#define ADL(i) a += p[i], b += a
            ADL(0); ADL(1); ADL(2); ADL(3); ADL(4); ADL(5); ADL(6); ADL(7);
            ADL(8); ADL(9); ADL(10); ADL(11); ADL(12); ADL(13); ADL(14); ADL(15);
#undef ADL
        }
        for (; k; k--) {
            a += *p++;
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
    }
    return (b << 16) | a;
}

/* ---- the stream -------------------------------------------------------------- */

static int run(infl *s)
{
    const uint8_t *in = s->in;
    const uint8_t *const in_end = s->in_end;
    uint64_t bb = s->bb;
    unsigned bc = s->bc;
    size_t ovr = s->ovr;
    int rc = 0;
    unsigned final = 0;

    while (!final) {
        REFILL();
        final = BITS(1);
        unsigned type = (unsigned)(bb >> 1) & 3u;
        DROP(3);
        s->in = in;
        s->bb = bb;
        s->bc = bc;
        s->ovr = ovr;
        if (type == 0)
            rc = stored_block(s);
        else if (type == 1)
            rc = s->fixed_ready || build_fixed(s) == 0 ? huff_block(s, s->fltab, s->fdtab)
                                                       : C5_ECORRUPT;
        else if (type == 2) {
            rc = dynamic_tables(s);
            if (rc == 0)
                rc = huff_block(s, s->ltab, s->dtab);
        } else
            rc = C5_ECORRUPT;
        if (rc)
            return rc;
        in = s->in;
        bb = s->bb;
        bc = s->bc;
        ovr = s->ovr;
        /* Consumed bits beyond the input: the stream is truncated. */
        if (ovr && (size_t)(in - s->in_start) * 8 + ovr * 8 - bc >
                       (size_t)(in_end - s->in_start) * 8)
            return C5_ECORRUPT;
    }
    return 0;
truncated:
    return C5_ECORRUPT;
}

int c5_inflate_builtin(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    *outn = 0;
    if (n < 2 || (!in && n))
        return C5_ECORRUPT;
    unsigned cmf = in[0], flg = in[1];
    if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0 || (flg & 0x20))
        return C5_ECORRUPT;
    uint8_t dummy;
    if (!out) {
        out = &dummy;
        cap = 0;
    }
    infl *s = c5_malloc(NULL, sizeof *s);
    if (!s)
        return C5_ENOMEM;
    s->in_start = in;
    s->in = in + 2;
    s->in_end = in + n;
    s->bb = 0;
    s->bc = 0;
    s->ovr = 0;
    s->out = s->op = out;
    s->oend = out + cap;
    s->fixed_ready = 0;
    init_symbols(s);
    int rc = run(s);
    if (rc == 0) {
        size_t pos = align_pos(s);
        if (pos == SIZE_MAX || n - pos < 4)
            rc = C5_ECORRUPT;
        else {
            const uint8_t *t = in + pos;
            uint32_t want = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
            if (adler32(out, (size_t)(s->op - out)) != want)
                rc = C5_ECORRUPT;
        }
    }
    *outn = (size_t)(s->op - out);
    c5_free(NULL, s);
    return rc;
}
