/* Open-and-walk: visit everything reachable in a file through the public
 * API only (include/cfive.h), so that the fuzzer, the corpus replayer and
 * the mutation test drive every decoding path the same way. Every API error
 * is counted and ignored: on hostile input errors are the expected outcome;
 * crashes, hangs and leaks are what the walk exists to expose. */
#ifndef C5_FUZZ_WALK_H
#define C5_FUZZ_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "cfive.h"

typedef struct c5walk_limits {
    int max_depth;            /* group nesting (0 = 32) */
    uint64_t max_objects;     /* objects opened per walk (0 = 10000) */
    uint64_t max_links;       /* links remembered per group (0 = 10000) */
    uint64_t max_lookups;     /* links per group also looked up and opened
                                 by name; the rest open by address, so big
                                 groups do not cost n lookups (0 = 256) */
    uint64_t max_attrs;       /* attributes per object (0 = 1000) */
    uint64_t max_data_bytes;  /* per dataset / attribute read (0 = 16 MiB) */
    uint64_t max_refs;        /* references resolved per read (0 = 64) */
    int follow_external;      /* 0: never open external links (fuzzing) */
    int verbose;              /* print each API error to stderr */
    /* Called with 1 before and 0 after each raw data read (dataset or
     * attribute), so an I/O recorder can tell raw data from metadata.
     * Optional. */
    void (*data_phase)(void *ud, int in_data);
    void *ud;
} c5walk_limits;

typedef struct c5walk_stats {
    uint64_t objects, groups, datasets, datatypes;
    uint64_t links, hard, soft, external, udlinks;
    uint64_t attrs, types, refs;
    uint64_t reads_ok;        /* successful dataset/attribute reads */
    uint64_t bytes;           /* bytes delivered by successful reads */
    uint64_t errors;          /* API calls that returned an error */
    uint64_t truncated;       /* walks cut short by a limit */
} c5walk_stats;

/* Walk f from "/". lim may be NULL (defaults); st is zeroed first and may
 * be NULL. Returns 0, or the error from opening the root group (other
 * errors are only counted). Leaves nothing open. */
int c5walk_file(c5_file *f, const c5walk_limits *lim, c5walk_stats *st);

#endif
