/* Built-in LZ77-family block decompressors shared by the LZ4 (32004) and
 * Blosc (32001) filters. They are always compiled, even when liblz4 is
 * present, so that builds without optional libraries read the same files
 * and so that tests and fuzzers can compare them with the library. */
#ifndef C5_LZCODEC_H
#define C5_LZCODEC_H
#include <stddef.h>
#include <stdint.h>

/* Decode one raw LZ4 block (the LZ4 block format, no frame) of n bytes
 * into out (cap bytes). The whole input must be consumed. *outn receives
 * the bytes produced. Returns 0 or C5_ECORRUPT (malformed block, output
 * larger than cap, match before the start of the output). Never reads
 * outside in[0..n) nor writes outside out[0..cap). */
int c5_lz4_block_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn);

/* Decode one BloscLZ stream (the codec 0 of Blosc). Same contract as
 * c5_lz4_block_decode. */
int c5_blosclz_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn);

/* Decode a raw LZ4 block whose decoded size is known to be exactly want
 * bytes, with liblz4 when the build has it, else with the built-in
 * decoder. Returns 0 or C5_ECORRUPT. */
int c5_lz4_block_exact(const uint8_t *in, size_t n, uint8_t *out, size_t want);

#endif
