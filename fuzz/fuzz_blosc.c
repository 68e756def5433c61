/* libFuzzer harness for the Blosc filter (src/filters/blosc.c, with the
 * BloscLZ, LZ4, zlib and Zstd stream decoders behind it): the input is one
 * stored chunk (a Blosc 1 container), decoded with a 256 KiB chunk size.
 * Seeds: fuzz/seeds/blosc/. */
#include "core/internal.h"
#include "filters/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CHUNK = 1 << 18 };
    c5_pfilter flt = {.id = 32001};
    c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = CHUNK, .chunk_addr = C5_UNDEF};
    uint8_t *out = NULL;
    size_t outn = 0;
    if (c5_filter_blosc(&flt, &ctx, data, size, &out, &outn) == 0) {
        if (outn > CHUNK + 64)
            __builtin_trap();
        free(out);
    } else if (out) {
        __builtin_trap();
    }
    return 0;
}
