/* libFuzzer harness for the n-bit decoder (src/filters/nbit.c).
 * Input: u8 count, count x u32 client values (little-endian), then the
 * packed chunk. The chunk size is what the client values claim, when it
 * is at most 1 MiB. Seeds: fuzz/seeds/nbit/. */
#include "core/internal.h"
#include "filters/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t cd[255];
    if (size < 1)
        return 0;
    size_t ncd = data[0];
    if (size < 1 + 4 * ncd)
        return 0;
    for (size_t i = 0; i < ncd; i++)
        cd[i] = (uint32_t)c5_le(data + 1 + 4 * i, 4);
    const uint8_t *in = data + 1 + 4 * ncd;
    size_t n = size - 1 - 4 * ncd;
    uint64_t chunk = ncd >= 5 ? (uint64_t)cd[2] * cd[4] : 0;
    if (chunk > (1u << 20))
        return 0;
    c5_pfilter flt = {.id = 5, .ncd = ncd, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = ncd >= 5 ? cd[4] : 1, .chunk_bytes = chunk,
                         .chunk_addr = C5_UNDEF};
    uint8_t *out = NULL;
    size_t outn = 0;
    if (c5_filter_nbit(&flt, &ctx, in, n, &out, &outn) == 0) {
        if (chunk && outn != chunk && outn != n)
            __builtin_trap();
        free(out);
    } else if (out) {
        __builtin_trap();
    }
    return 0;
}
