/* libFuzzer harness for the LZF filter (src/filters/lzf.c): the input is
 * one stored chunk (a plain LZF stream, h5py framing). It is decoded with
 * the size announced in the client data, with a 1-byte announcement (the
 * buffer must grow), and without client data; all three must agree.
 * Seeds: fuzz/seeds/lzf/.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc
 *   fuzz/fuzz_lzf.c src/filters/lzf.c src/core/alloc.c src/core/error.c */
#include "core/internal.h"
#include "filters/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CHUNK = 1 << 20 };
    uint32_t cd[3] = {4, 261, CHUNK};
    c5_pfilter flt = {.id = 32000, .flags = 1, .ncd = 3, .cd = cd};
    c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = CHUNK, .chunk_addr = C5_UNDEF};
    uint8_t *a = NULL, *b = NULL, *c = NULL;
    size_t an = 0, bn = 0, cn = 0;
    int ra = c5_filter_lzf(&flt, &ctx, data, size, &a, &an);
    if ((ra != 0) != (a == NULL) || an > CHUNK)
        __builtin_trap();
    if (ra != 0 && ra != C5_ECORRUPT && ra != C5_ELIMIT)
        __builtin_trap();

    /* A back reference copies at most 264 bytes from 3 input bytes: the
     * output of a short input stays small even when growing. */
    if (size <= 16384) {
        cd[2] = 1;
        int rb = c5_filter_lzf(&flt, &ctx, data, size, &b, &bn);
        flt.ncd = 0;
        ctx.chunk_bytes = 0;
        int rc = c5_filter_lzf(&flt, &ctx, data, size, &c, &cn);
        if (ra == 0 && (rb != 0 || rc != 0 || bn != an || cn != an || memcmp(a, b, an) != 0 ||
                        memcmp(a, c, an) != 0))
            __builtin_trap();
        if (ra == C5_ECORRUPT && (rb == 0 || rc == 0))
            __builtin_trap();
    }
    free(a);
    free(b);
    free(c);
    return 0;
}
