/* Shared by the check suites: the public API, libcheck, and where the HDF5
 * 1.14 test files are (C5_TESTFILES, else ../shared beside the repository,
 * else the developer machines' /work/shared). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfive.h"

static inline const char *unit_corpus_dir(void)
{
    static char dir[1024];
    const char *cand[] = {getenv("C5_TESTFILES"), "../shared/testfiles/hdf5-1.14.0",
                          "/work/shared/testfiles/hdf5-1.14.0"};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        if (!cand[i])
            continue;
        snprintf(dir, sizeof dir, "%s/tdset.h5", cand[i]);
        if (access(dir, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%s", cand[i]);
            return dir;
        }
    }
    ck_abort_msg("HDF5 1.14 test files not found (set C5_TESTFILES)");
    return NULL;
}

/* Path of one corpus file (a few rotating static buffers). */
static inline const char *unit_corpus(const char *name)
{
    static char buf[4][1200];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, sizeof buf[0], "%s/%s", unit_corpus_dir(), name);
    return p;
}
