/* A main() for the decoder fuzz harnesses so `make check` can replay their
 * seed corpora without libFuzzer: each argument is a file whose bytes are
 * passed to LLVMFuzzerTestOneInput once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t k;
        while (buf && (k = fread(buf + n, 1, cap - n, fp)) > 0) {
            n += k;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap *= 2);
                if (!nb) {
                    free(buf);
                    buf = NULL;
                }
                buf = nb;
            }
        }
        fclose(fp);
        if (!buf)
            return 2;
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    return 0;
}
