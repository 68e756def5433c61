/* libFuzzer harness for the LZ4 filter (src/filters/lz4.c): the input is
 * one stored chunk in the 32004 framing, decoded with a 1 MiB chunk size.
 * The input is also decoded as one raw LZ4 block by the built-in decoder
 * and, when the build has liblz4, by liblz4: when both accept it they must
 * produce the same bytes. (Each accepts blocks the other refuses: liblz4
 * takes offset 0, which the format calls invalid, as a run of zeros; the
 * built-in decoder does not enforce the end-of-block margins of the LZ4
 * encoder.) Seeds: fuzz/seeds/lz4/. */
#include "core/internal.h"
#include "filters/filter.h"
#include "filters/lzcodec.h"

#ifdef C5_HAVE_LZ4
#include <lz4.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CHUNK = 1 << 20, BLOCK = 1 << 16 };
    c5_pfilter flt = {.id = 32004};
    c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = CHUNK, .chunk_addr = C5_UNDEF};
    uint8_t *out = NULL;
    size_t outn = 0;
    if (c5_filter_lz4(&flt, &ctx, data, size, &out, &outn) == 0) {
        if (outn > CHUNK + 64)
            __builtin_trap();
        free(out);
    } else if (out) {
        __builtin_trap();
    }

    static uint8_t a[BLOCK], b[BLOCK];
    size_t an = 0;
    int rc = c5_lz4_block_decode(data, size, a, BLOCK, &an);
    if (rc == 0 && an > BLOCK)
        __builtin_trap();
#ifdef C5_HAVE_LZ4
    if (size <= BLOCK * 4) {
        int bn = LZ4_decompress_safe((const char *)data, (char *)b, (int)size, BLOCK);
        if (bn >= 0 && rc == 0 && (an != (size_t)bn || memcmp(a, b, an) != 0))
            __builtin_trap();
    }
#else
    (void)b;
#endif
    return 0;
}
