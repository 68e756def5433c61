/* libFuzzer harness for the szip decoders (src/filters/szip.c).
 * Input: u8 count, count x u32 client values (little-endian), u32 chunk
 * size (capped at 1 MiB), then the stored chunk (4-byte decoded size +
 * CCSDS 121.0-B stream). Runs the built-in decoder and, when built with
 * C5_HAVE_LIBAEC (-lsz -laec), libaec's too. With -DFUZZ_SZIP_DIFF both
 * must agree whenever both succeed; expect reports on streams no encoder
 * writes (split blocks longer than their uncoded form near the end of the
 * input), which libaec's fast path decodes as if the data ended there.
 * Seeds: fuzz/seeds/szip/. */
#include "core/internal.h"
#include "filters/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t cd[255];
    if (size < 1)
        return 0;
    size_t ncd = data[0];
    if (size < 5 + 4 * ncd)
        return 0;
    for (size_t i = 0; i < ncd; i++)
        cd[i] = (uint32_t)c5_le(data + 1 + 4 * i, 4);
    uint64_t chunk = c5_le(data + 1 + 4 * ncd, 4) & 0xFFFFF;
    const uint8_t *in = data + 5 + 4 * ncd;
    size_t n = size - 5 - 4 * ncd;
    c5_pfilter flt = {.id = 4, .ncd = ncd, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = chunk ? chunk : 1,
                         .chunk_addr = C5_UNDEF};
    uint8_t *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    int ra = c5_filter_szip_builtin(&flt, &ctx, in, n, &a, &an);
    if (ra == 0 && an > ctx.chunk_bytes + 64)
        __builtin_trap();
    if (ra != 0 && a)
        __builtin_trap();
#ifdef C5_HAVE_LIBAEC
    int rb = c5_filter_szip(&flt, &ctx, in, n, &b, &bn);
    if (rb == 0 && bn > ctx.chunk_bytes + 64)
        __builtin_trap();
#ifdef FUZZ_SZIP_DIFF
    if (ra == 0 && rb == 0 && (an != bn || memcmp(a, b, an) != 0))
        __builtin_trap();
#endif
#endif
    free(a);
    free(b);
    (void)bn;
    return 0;
}
