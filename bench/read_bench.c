/* read_bench: cfive against libhdf5 on one chunked, compressed dataset, in
 * one process, same file, same buffers, same coordinates.
 *
 * Workloads (each timed as the best of --runs runs, after a warm-up pass
 * that also checks that both libraries return byte-identical data):
 *   1. the whole dataset into a native double buffer: libhdf5 H5Dread,
 *      cfive with 1 decode thread, cfive with every core;
 *   2. --points random single-element reads (seeded, the same coordinates
 *      for both): libhdf5 H5Sselect_hyperslab + H5Dread of one element,
 *      cfive c5_dataset_read of a one-element hyperslab. Each library runs
 *      with its default chunk cache (libhdf5 1 MiB per dataset, cfive
 *      64 MiB per file); with --equal-cache each also runs with the other's
 *      budget, so the cache size and the decoding speed can be told apart.
 *   --raw adds a whole read by cfive into the file type (mem NULL), which
 *   shows what the memory-type conversion pass costs.
 *
 * Every timed run opens fresh handles (outside the timing), so neither
 * library starts a run with chunks left in its cache by the previous one;
 * the OS page cache is warm for both after the warm-up pass.
 *
 * libhdf5 is linked here only, never into libcfive: the two share no
 * symbols (cfive exports c5_ names only), so both live in one process.
 *
 * A virtual dataset (--dset /vds of bench_vds.h5, run by `make run`) is
 * read the same way; its chunk line then names the mappings.
 *
 * usage: read_bench [--runs N] [--points N] [--seed S] [--dset PATH]
 *                   [--equal-cache] [--raw] [--no-whole] [--no-points] FILE
 */
#define _POSIX_C_SOURCE 200809L
#include <cfive.h>
#include <hdf5.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

/* A measurement: wall-clock time, and the CPU time of the whole process
 * (every thread). On a loaded machine the wall time of a single-threaded
 * run inflates with the competition for cores while its CPU time does not,
 * so both are reported. */
typedef struct tm2 {
    double wall, cpu;
} tm2;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static tm2 start_clock(void)
{
    tm2 t = {clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
    return t;
}

static tm2 stop_clock(tm2 t)
{
    tm2 r = {clock_s(CLOCK_MONOTONIC) - t.wall, clock_s(CLOCK_PROCESS_CPUTIME_ID) - t.cpu};
    return r;
}

static void die(const char *what)
{
    fprintf(stderr, "read_bench: %s\n", what);
    exit(1);
}

static void die_c5(const char *what, int rc, const c5_file *f)
{
    fprintf(stderr, "read_bench: %s: %s%s%s\n", what, c5_strerror(rc), f ? ": " : "",
            f ? c5_errmsg(f) : "");
    exit(1);
}

/* splitmix64: a fixed, seeded sequence, identical for both libraries. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct opts {
    const char *path, *dset;
    int runs;
    size_t points;
    uint64_t seed;
    int equal_cache, whole, random, raw;
} opts;

/* ---- the two libraries behind one small interface ------------------------ */

typedef struct h5 {
    hid_t file, dset, fspace, mspace;
} h5;

/* cache_bytes 0: libhdf5's default (1 MiB, 521 slots, w0 0.75). */
static void h5_open(h5 *h, const opts *o, size_t cache_bytes)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (cache_bytes)
        H5Pset_chunk_cache(dapl, 12421, cache_bytes, 0.75);
    h->file = H5Fopen(o->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (h->file < 0)
        die("H5Fopen failed");
    h->dset = H5Dopen2(h->file, o->dset, dapl);
    H5Pclose(dapl);
    if (h->dset < 0)
        die("H5Dopen2 failed");
    h->fspace = H5Dget_space(h->dset);
    hsize_t one = 1;
    h->mspace = H5Screate_simple(1, &one, NULL);
}

static void h5_close(h5 *h)
{
    H5Sclose(h->mspace);
    H5Sclose(h->fspace);
    H5Dclose(h->dset);
    H5Fclose(h->file);
}

typedef struct c5 {
    c5_file *file;
    c5_object *dset;
    c5_type *dbl;
} c5;

/* nthreads and cache_bytes 0: cfive's defaults (all cores, 64 MiB). */
static void c5_open(c5 *c, const opts *o, int nthreads, uint64_t cache_bytes)
{
    c5_open_opts oo;
    memset(&oo, 0, sizeof oo);
    oo.size = sizeof oo;
    oo.nthreads = nthreads;
    oo.chunk_cache_bytes = cache_bytes;
    int rc = c5_file_open(&c->file, o->path, &oo);
    if (rc)
        die_c5("c5_file_open", rc, NULL);
    if ((rc = c5_object_open(&c->dset, c->file, o->dset)))
        die_c5("c5_object_open", rc, c->file);
    if ((rc = c5_type_native(&c->dbl, C5_NATIVE_DOUBLE)))
        die_c5("c5_type_native", rc, c->file);
}

static void c5_close(c5 *c)
{
    c5_type_close(c->dbl);
    c5_object_close(c->dset);
    c5_file_close(c->file);
}

/* ---- whole-dataset reads ------------------------------------------------- */

static tm2 whole_h5(const opts *o, double *buf)
{
    h5 h;
    h5_open(&h, o, 0);
    tm2 t = start_clock();
    if (H5Dread(h.dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        die("H5Dread of the whole dataset failed");
    t = stop_clock(t);
    h5_close(&h);
    return t;
}

static tm2 whole_c5(const opts *o, int nthreads, int raw, double *buf, size_t bytes)
{
    c5 c;
    c5_open(&c, o, nthreads, 0);
    tm2 t = start_clock();
    int rc = c5_dataset_read(c.dset, raw ? NULL : c.dbl, NULL, buf, bytes);
    t = stop_clock(t);
    if (rc)
        die_c5("c5_dataset_read of the whole dataset", rc, c.file);
    c5_close(&c);
    return t;
}

static void check_same(const double *ref, const double *got, size_t bytes, const char *who)
{
    if (memcmp(ref, got, bytes) != 0) {
        size_t n = bytes / sizeof(double), i = 0;
        while (i < n && memcmp(&ref[i], &got[i], sizeof(double)) == 0)
            i++;
        fprintf(stderr, "read_bench: %s differs from libhdf5 at element %zu (%.17g vs %.17g)\n",
                who, i, ref[i], got[i]);
        exit(1);
    }
}

/* ---- random single-element reads ---------------------------------------- */

static tm2 points_h5(const opts *o, size_t cache, const uint64_t *xy, double *out)
{
    h5 h;
    h5_open(&h, o, cache);
    tm2 t = start_clock();
    for (size_t p = 0; p < o->points; p++) {
        hsize_t start[2] = {xy[2 * p], xy[2 * p + 1]}, count[2] = {1, 1};
        if (H5Sselect_hyperslab(h.fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(h.dset, H5T_NATIVE_DOUBLE, h.mspace, h.fspace, H5P_DEFAULT, &out[p]) < 0)
            die("H5Dread of one element failed");
    }
    t = stop_clock(t);
    h5_close(&h);
    return t;
}

static tm2 points_c5(const opts *o, uint64_t cache, const uint64_t *xy, double *out)
{
    c5 c;
    c5_open(&c, o, 0, cache);
    tm2 t = start_clock();
    for (size_t p = 0; p < o->points; p++) {
        uint64_t count[2] = {1, 1};
        c5_hyperslab sel = {2, &xy[2 * p], NULL, count, NULL};
        int rc = c5_dataset_read(c.dset, c.dbl, &sel, &out[p], sizeof(double));
        if (rc)
            die_c5("c5_dataset_read of one element", rc, c.file);
    }
    t = stop_clock(t);
    c5_close(&c);
    return t;
}

/* ---- driver ------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: read_bench [--runs N] [--points N] [--seed S] [--dset PATH] "
                    "[--equal-cache] [--raw] [--no-whole] [--no-points] FILE\n");
    exit(2);
}

static void parse(opts *o, int argc, char **argv)
{
    o->path = NULL;
    o->dset = "/data";
    o->runs = 3;
    o->points = 10000;
    o->seed = 20240601;
    o->equal_cache = o->raw = 0;
    o->whole = o->random = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--runs") && i + 1 < argc)
            o->runs = atoi(argv[++i]);
        else if (!strcmp(a, "--points") && i + 1 < argc)
            o->points = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--seed") && i + 1 < argc)
            o->seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--dset") && i + 1 < argc)
            o->dset = argv[++i];
        else if (!strcmp(a, "--equal-cache"))
            o->equal_cache = 1;
        else if (!strcmp(a, "--raw"))
            o->raw = 1;
        else if (!strcmp(a, "--no-whole"))
            o->whole = 0;
        else if (!strcmp(a, "--no-points"))
            o->random = 0;
        else if (a[0] == '-' || o->path)
            usage();
        else
            o->path = a;
    }
    if (!o->path || o->runs < 1)
        usage();
}

/* Best of o.runs calls (wall and CPU time minimised separately), each run's
 * result checked against the reference. */
#define BEST(var, call, ref_, got_, nbytes, who)                      \
    do {                                                              \
        var.wall = var.cpu = 1e300;                                   \
        for (int r_ = 0; r_ < o.runs; r_++) {                         \
            tm2 t_ = (call);                                          \
            check_same(ref_, got_, nbytes, who);                      \
            if (t_.wall < var.wall)                                   \
                var.wall = t_.wall;                                   \
            if (t_.cpu < var.cpu)                                     \
                var.cpu = t_.cpu;                                     \
        }                                                             \
    } while (0)

/* Describe the dataset through libhdf5 (so a cfive bug cannot skew what is
 * being measured); dies unless it is a 2-D chunked float dataset. */
static void describe(const opts *o, hsize_t *dims, hsize_t *cdims, char *filters, size_t fcap,
                     hsize_t *stored)
{
    h5 h;
    h5_open(&h, o, 0);
    int rank = H5Sget_simple_extent_ndims(h.fspace);
    hid_t ftype = H5Dget_type(h.dset);
    int is_float = H5Tget_class(ftype) == H5T_FLOAT;
    H5Tclose(ftype);
    if (rank != 2 || !is_float)
        die("the benchmark expects a 2-D floating-point dataset");
    H5Sget_simple_extent_dims(h.fspace, dims, NULL);
    hid_t dcpl = H5Dget_create_plist(h.dset);
    if (H5Pget_layout(dcpl) == H5D_VIRTUAL) {
        size_t nmap = 0;
        H5Pget_virtual_count(dcpl, &nmap);
        snprintf(filters, fcap, "virtual, %zu mappings", nmap);
        cdims[0] = cdims[1] = 0;
        *stored = 0;
        H5Pclose(dcpl);
        h5_close(&h);
        return;
    }
    if (H5Pget_layout(dcpl) != H5D_CHUNKED)
        die("the benchmark expects a chunked or virtual dataset");
    H5Pget_chunk(dcpl, 2, cdims);
    int nfilters = H5Pget_nfilters(dcpl);
    filters[0] = 0;
    for (int i = 0; i < nfilters; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64], one[48];
        H5Z_filter_t id =
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (id == H5Z_FILTER_DEFLATE)
            snprintf(one, sizeof one, "gzip%u", ncd ? cd[0] : 0);
        else if (id == H5Z_FILTER_SHUFFLE)
            snprintf(one, sizeof one, "shuffle");
        else
            snprintf(one, sizeof one, "filter%d", (int)id);
        if (i)
            strncat(filters, "+", fcap - strlen(filters) - 1);
        strncat(filters, one, fcap - strlen(filters) - 1);
    }
    if (!nfilters)
        snprintf(filters, fcap, "no filters");
    H5Pclose(dcpl);
    *stored = H5Dget_storage_size(h.dset);
    h5_close(&h);
}

int main(int argc, char **argv)
{
    opts o;
    parse(&o, argc, argv);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;

    hsize_t dims[2], cdims[2], stored;
    char filters[256];
    describe(&o, dims, cdims, filters, sizeof filters, &stored);
    size_t n = (size_t)(dims[0] * dims[1]);
    size_t bytes = n * sizeof(double);
    double mib = (double)bytes / MIB;
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    double load[3] = {0, 0, 0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = 0;
        fclose(la);
    }
    printf("file %s: %s %llux%llu float64 (%.0f MiB), chunks %llux%llu (%.0f KiB), %s, "
           "%.1f MiB stored\n",
           o.path, o.dset, (unsigned long long)dims[0], (unsigned long long)dims[1], mib,
           (unsigned long long)cdims[0], (unsigned long long)cdims[1],
           (double)(cdims[0] * cdims[1] * sizeof(double)) / 1024.0, filters,
           (double)stored / MIB);
    printf("libhdf5 %u.%u.%u vs cfive %d.%d.%d; %ld cores, load average %.2f; best of %d runs; "
           "ratio = cfive/libhdf5 (lower is better for cfive)\n",
           maj, min, rel, C5_VERSION_MAJOR, C5_VERSION_MINOR, C5_VERSION_PATCH, ncpu, load[0],
           o.runs);
    printf("chunk caches at their defaults: libhdf5 1 MiB per dataset, cfive 64 MiB per file\n");
    fflush(stdout);

    double *ref = malloc(bytes), *buf = malloc(bytes);
    if (!ref || !buf)
        die("out of memory for the read buffers");
    /* Fault the pages in now, so no timed run pays for first touch (a
     * nonzero byte, so the compiler cannot turn malloc+memset into a lazy
     * calloc). */
    memset(ref, 0x5a, bytes);
    memset(buf, 0x5a, bytes);

    /* Warm-up: fills the OS page cache and checks the libraries agree.
     * The reference copy also serves the random-read check. */
    whole_h5(&o, ref);
    whole_c5(&o, 1, 0, buf, bytes);
    check_same(ref, buf, bytes, "cfive (1 thread)");
    whole_c5(&o, 0, 0, buf, bytes);
    check_same(ref, buf, bytes, "cfive (all cores)");

    if (o.whole) {
        tm2 th, t1, tn;
        BEST(th, whole_h5(&o, buf), ref, buf, bytes, "libhdf5");
        BEST(t1, whole_c5(&o, 1, 0, buf, bytes), ref, buf, bytes, "cfive (1 thread)");
        BEST(tn, whole_c5(&o, 0, 0, buf, bytes), ref, buf, bytes, "cfive (all cores)");
        printf("read %.0fMiB %s: libhdf5 %.2f s, cfive(1 thread) %.2f s ratio %.2f, "
               "cfive(%ld threads) %.2f s ratio %.2f\n",
               mib, filters, th.wall, t1.wall, t1.wall / th.wall, ncpu, tn.wall,
               tn.wall / th.wall);
        printf("  cpu time: libhdf5 %.2f s, cfive(1 thread) %.2f s ratio %.2f, "
               "cfive(%ld threads) %.2f s summed over threads\n",
               th.cpu, t1.cpu, t1.cpu / th.cpu, ncpu, tn.cpu);
        printf("  throughput (decoded MiB/s, wall): libhdf5 %.0f, cfive(1 thread) %.0f, "
               "cfive(%ld threads) %.0f\n",
               mib / th.wall, mib / t1.wall, ncpu, mib / tn.wall);
        if (o.raw) {
            tm2 tr;
            BEST(tr, whole_c5(&o, 0, 1, buf, bytes), ref, buf, bytes, "cfive (file type)");
            printf("  cfive(%ld threads) into the file type (mem NULL, no conversion pass): "
                   "%.2f s ratio %.2f\n",
                   ncpu, tr.wall, tr.wall / th.wall);
        }
        fflush(stdout);
    }

    if (o.random && o.points) {
        uint64_t *xy = malloc(o.points * 2 * sizeof *xy);
        double *pref = malloc(o.points * sizeof *pref), *pval = malloc(o.points * sizeof *pval);
        size_t pb = o.points * sizeof(double);
        if (!xy || !pref || !pval)
            die("out of memory for the points");
        uint64_t s = o.seed;
        for (size_t p = 0; p < o.points; p++) {
            xy[2 * p] = next_rand(&s) % dims[0];
            xy[2 * p + 1] = next_rand(&s) % dims[1];
            pref[p] = ref[xy[2 * p] * dims[1] + xy[2 * p + 1]];
        }
        /* warm-up and agreement check, one pass each */
        points_h5(&o, 0, xy, pval);
        check_same(pref, pval, pb, "libhdf5 random reads");
        points_c5(&o, 0, xy, pval);
        check_same(pref, pval, pb, "cfive random reads");

        tm2 th, tc;
        BEST(th, points_h5(&o, 0, xy, pval), pref, pval, pb, "libhdf5 random reads");
        BEST(tc, points_c5(&o, 0, xy, pval), pref, pval, pb, "cfive random reads");
        double k = 1e6 / (double)o.points;
        printf("random %zu single-element reads (default caches): libhdf5 %.2f s "
               "(%.0f us/read), cfive %.2f s (%.0f us/read) ratio %.2f\n",
               o.points, th.wall, th.wall * k, tc.wall, tc.wall * k, tc.wall / th.wall);
        printf("  cpu time: libhdf5 %.2f s, cfive %.2f s ratio %.2f\n", th.cpu, tc.cpu,
               tc.cpu / th.cpu);
        fflush(stdout);
        if (o.equal_cache) {
            tm2 th64, tc1;
            BEST(th64, points_h5(&o, 64u << 20, xy, pval), pref, pval, pb, "libhdf5 (64 MiB)");
            BEST(tc1, points_c5(&o, 1u << 20, xy, pval), pref, pval, pb, "cfive (1 MiB)");
            printf("random %zu reads, both 1 MiB cache: libhdf5 %.2f s, cfive %.2f s ratio %.2f "
                   "(cpu ratio %.2f)\n",
                   o.points, th.wall, tc1.wall, tc1.wall / th.wall, tc1.cpu / th.cpu);
            printf("random %zu reads, both 64 MiB cache: libhdf5 %.2f s, cfive %.2f s ratio %.2f "
                   "(cpu ratio %.2f)\n",
                   o.points, th64.wall, tc.wall, tc.wall / th64.wall, tc.cpu / th64.cpu);
        }
        free(xy);
        free(pref);
        free(pval);
    }
    free(ref);
    free(buf);
    return 0;
}
