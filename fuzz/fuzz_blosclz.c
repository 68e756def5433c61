/* libFuzzer harness for the built-in BloscLZ decoder (src/filters/
 * blosclz.c): the input is one raw BloscLZ stream, decoded into 64 KiB and
 * again into a buffer exactly as large as the first result (which must
 * give the same bytes) and one byte smaller (which must fail).
 * Seeds: fuzz/seeds/blosclz/. */
#include "core/internal.h"
#include "filters/lzcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CAP = 1 << 16 };
    static uint8_t a[CAP], b[CAP];
    size_t an = 0, bn = 0;
    if (c5_blosclz_decode(data, size, a, CAP, &an) != 0)
        return 0;
    if (an > CAP)
        __builtin_trap();
    if (c5_blosclz_decode(data, size, b, an, &bn) != 0 || bn != an || memcmp(a, b, an) != 0)
        __builtin_trap();
    if (an > 0 && c5_blosclz_decode(data, size, b, an - 1, &bn) == 0)
        __builtin_trap();
    return 0;
}
