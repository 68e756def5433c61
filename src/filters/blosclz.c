/* BloscLZ decompressor: Blosc's built-in codec (compressor code 0 in the
 * Blosc header flags). Written from the format, which is FastLZ's level-2
 * encoding with the first instruction's top three bits reserved.
 *
 * The stream is a sequence of instructions; each starts with a control
 * byte c (the first one masked to its low 5 bits, so it is a literal run):
 *   c < 32      literal run: the next c + 1 bytes are copied to the output
 *   c >= 32     match: L = (c >> 5) - 1, distance high bits H = c & 31
 *                 when L == 6: bytes follow that are added to L until one
 *                 is not 255
 *                 one byte D: distance = (H << 8) + D + 1
 *                 when D == 255 and H == 31 ("far" match): two more bytes
 *                 E (big-endian), distance = E + 8192
 *               then L + 3 bytes are copied from distance bytes back in
 *               the output (they may overlap the bytes being produced).
 * The stream ends when the input is exhausted after an instruction.
 *
 * c-blosc's decoder stops before copying a match that ends the input; its
 * encoder never ends on a match (it always finishes with literals), and the
 * FastLZ decoder it descends from copies it, so we copy it: both agree on
 * every stream an encoder writes. */
#include "core/internal.h"

#include "filters/lzcodec.h"

#define BLOSCLZ_MAX_DISTANCE 8191

int c5_blosclz_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    size_t ip = 0, op = 0;
    *outn = 0;
    if (n == 0)
        return 0;
    unsigned ctrl = in[ip++] & 31u;
    for (;;) {
        if (ctrl >= 32) {
            size_t len = (ctrl >> 5) - 1;
            size_t dist = (size_t)(ctrl & 31u) << 8;
            if (len == 6) {
                uint8_t b;
                do {
                    if (ip >= n)
                        return C5_ECORRUPT;
                    b = in[ip++];
                    len += b;
                    if (len > cap)
                        return C5_ECORRUPT;
                } while (b == 255);
            }
            if (ip >= n)
                return C5_ECORRUPT;
            uint8_t d = in[ip++];
            len += 3;
            if (d == 255 && dist == (31u << 8)) {
                if (n - ip < 2)
                    return C5_ECORRUPT;
                dist = ((size_t)in[ip] << 8 | in[ip + 1]) + BLOSCLZ_MAX_DISTANCE + 1;
                ip += 2;
            } else {
                dist += (size_t)d + 1;
            }
            if (len > cap - op || dist > op)
                return C5_ECORRUPT;
            uint8_t *dst = out + op;
            const uint8_t *ref = dst - dist;
            if (dist == 1) {
                memset(dst, *ref, len);
            } else if (dist >= len) {
                memcpy(dst, ref, len);
            } else {
                for (size_t i = 0; i < len; i++)
                    dst[i] = ref[i];
            }
            op += len;
        } else {
            size_t len = (size_t)ctrl + 1;
            if (len > n - ip || len > cap - op)
                return C5_ECORRUPT;
            memcpy(out + op, in + ip, len);
            ip += len;
            op += len;
        }
        if (ip >= n)
            break;
        ctrl = in[ip++];
    }
    *outn = op;
    return 0;
}
