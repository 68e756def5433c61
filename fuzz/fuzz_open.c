/* libFuzzer harness: open the input bytes as an HDF5 image in memory and
 * walk everything reachable (fuzz/walk.c). Limits keep one execution fast
 * and allocation-bounded: max_alloc 64 MiB in the library, 64 KiB per read
 * and 2000 objects in the walk. External links are never followed (their
 * names are attacker-chosen paths). Each input is walked twice: with
 * checksums verified and with checksums ignored.
 * Build: make fuzz; see fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void open_and_walk(const uint8_t *data, size_t size, unsigned flags)
{
    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.flags = flags;
    opts.max_alloc = 64u << 20;

    c5_file *f = NULL;
    if (c5_file_open_mem(&f, data, size, &opts) != 0) {
        c5_file_close(f);
        return;
    }
    c5walk_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_depth = 16;
    lim.max_objects = 2000;
    lim.max_links = 2000;
    lim.max_attrs = 200;
    lim.max_data_bytes = 64u << 10;
    lim.max_refs = 16;
    lim.follow_external = 0;
    c5walk_stats st;
    (void)c5walk_file(f, &lim, &st);
    c5_file_close(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* once as a reader would, once with checksums ignored (as recovery
     * tools open files): without that, most mutations of checksummed
     * structures stop at the checksum and never reach the parsers */
    open_and_walk(data, size, 0);
    open_and_walk(data, size, C5_OPEN_IGNORE_CHECKSUMS);
    return 0;
}
