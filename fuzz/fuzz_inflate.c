/* libFuzzer harness for deflate (src/filters/inflate.c, deflate.c): the
 * input is one zlib stream. The built-in inflater must agree with zlib on
 * whether a stream is valid and produce the same bytes; libdeflate, when
 * built in, must produce the same bytes whenever it and the built-in
 * inflater both succeed. A small output buffer exercises the C5_ERANGE
 * paths, and the deflate filter itself runs with a tiny expected chunk
 * size so that it grows its buffer. Seeds: fuzz/seeds/inflate/.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc
 *   -DC5_HAVE_ZLIB -DC5_HAVE_LIBDEFLATE fuzz/fuzz_inflate.c
 *   src/filters/inflate.c src/filters/deflate.c src/core/alloc.c
 *   src/core/error.c -lz -ldeflate */
#include "core/internal.h"
#include "filters/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CAP = 1 << 20 };
    static uint8_t a[CAP], b[CAP], c[CAP];
    size_t an = 0, bn = 0, cn = 0;
    int ra = c5_inflate_builtin(data, size, a, CAP, &an);
    if (an > CAP || (ra != 0 && ra != C5_ECORRUPT && ra != C5_ERANGE && ra != C5_ENOMEM))
        __builtin_trap();
#ifdef C5_HAVE_ZLIB
    int rb = c5_zlib_inflate(C5_INFLATE_ZLIB, data, size, b, CAP, &bn);
    /* Both engines stop at the first error they meet, and which error comes
     * first can differ (a stored block longer than both the input and the
     * output); whether the stream is good cannot. */
    if ((ra == 0) != (rb == 0))
        __builtin_trap();
    if (ra == 0 && (an != bn || memcmp(a, b, an) != 0))
        __builtin_trap();
#else
    (void)b;
    (void)bn;
#endif
#ifdef C5_HAVE_LIBDEFLATE
    int rc = c5_zlib_inflate(C5_INFLATE_LIBDEFLATE, data, size, c, CAP, &cn);
    if (ra == 0 && rc == 0 && (an != cn || memcmp(a, c, an) != 0))
        __builtin_trap();
#else
    (void)c;
    (void)cn;
#endif
    /* A buffer too small for the result: C5_ERANGE, never an overrun. */
    if (ra == 0 && an > 0) {
        size_t small = an / 2, sn = 0;
        uint8_t *s = malloc(small ? small : 1);
        int rs = c5_inflate_builtin(data, size, s, small, &sn);
        if (rs != C5_ERANGE && rs != C5_ECORRUPT)
            __builtin_trap();
        free(s);
    }
    /* The filter (which runs the AUTO engine), growing from a 16-byte guess
     * (64 KiB of input inflates to at most ~66 MB): it succeeds exactly when
     * that engine does with room to spare, with the same bytes. */
    if (size <= 65536) {
        static uint8_t d[CAP];
        size_t dn = 0;
        int rd = c5_zlib_inflate(C5_INFLATE_AUTO, data, size, d, CAP, &dn);
        c5_pfilter flt = {.id = 1};
        c5_filter_ctx ctx = {.elem_size = 1, .chunk_bytes = 16, .chunk_addr = C5_UNDEF};
        uint8_t *out = NULL;
        size_t outn = 0;
        int rf = c5_filter_deflate(&flt, &ctx, data, size, &out, &outn);
        if ((rd == 0 && (rf != 0 || outn != dn || memcmp(out, d, dn) != 0)) ||
            (rd == C5_ECORRUPT && rf == 0) || (rf != 0 && out))
            __builtin_trap();
        free(out);
    }
    return 0;
}
