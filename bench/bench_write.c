/* bench_write: cfive against libhdf5 writing, in one program, with the same
 * parameters, the same source data and files in the same directory.
 *
 * Workloads (each timed as the best of --runs runs, wall and CPU time
 * minimised separately, from file creation to the return of the file
 * close, fsync not included unless --fsync is given, in which case both
 * libraries pay for it):
 *   1. a 8192 x 8192 float64 dataset (512 MiB), chunks 64 x 1024, shuffle +
 *      gzip level 6, written in slabs of 64 rows from a buffer of smooth
 *      values plus noise rounded to 3 decimals (the recipe of gen_bench.py,
 *      so deflate meets the same kind of data as in read_bench); cfive runs
 *      with 1 thread and with its default (one per core);
 *   2. 100,000 datasets of 10 int32 each, contiguous, 1,000 in each of 100
 *      groups, each written once;
 *   3. 1,000,000 float64 values appended one at a time to a 1-D dataset
 *      with an unlimited max dim and chunks of 1024 elements (what h5py
 *      picks for an extendible float64 vector: 8 KiB): each append is a
 *      resize by one element and a one-element write at the end.
 * Every workload runs in both on-disk styles: the default ("compatible":
 * libhdf5 default property lists, cfive C5_FORMAT_COMPATIBLE) and "latest"
 * (libhdf5 H5Pset_libver_bounds LATEST/LATEST, cfive C5_FORMAT_LATEST).
 *
 * Correctness first: after every cfive run, libhdf5 reads the cfive file
 * back and compares every value with the source (and a checksum of them is
 * printed); libhdf5's own file is checked the same way once.
 *
 * Each run happens in a child process (fork), for three reasons: a crash or
 * a hang of either library (a timeout, --timeout) is reported as a result
 * instead of ending the benchmark; each run starts with fresh library state;
 * and the child's peak memory growth (VmHWM) can be reported per run. The
 * source data is generated once, before the forks, and shared.
 *
 * libhdf5 is linked here only, never into libcfive (cfive exports c5_ names
 * only, so the two live in one process).
 *
 * usage: bench_write [--runs N] [--dir DIR] [--only 1,2,3] [--format
 *        compat|latest|both] [--rows N] [--ndsets N] [--appends N]
 *        [--timeout S] [--fsync] [--keep]
 */
#define _DEFAULT_SOURCE
#include <cfive.h>
#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

/* ---- parameters ---------------------------------------------------------- */

typedef struct params {
    const char *dir;
    int runs, timeout, fsync, keep;
    int only[4];            /* only[w]: run workload w */
    int fmt_compat, fmt_latest;
    uint64_t rows, cols, crows, ccols, slab; /* workload 1 */
    unsigned ngroups, per_group, dlen;       /* workload 2 */
    uint64_t appends, achunk;                /* workload 3 */
} params;

static params P;
static double *g_src; /* workload 1 source: rows x cols, made before the forks */
static long g_ncpu;

/* ---- what a run reports back through the pipe ---------------------------- */

typedef struct result {
    int ok;
    double wall, cpu;     /* seconds */
    double mem_mib;       /* peak RSS growth of the child during the run */
    uint64_t fsize;       /* file size after close */
    uint64_t sum;         /* checksum of the data (verification runs) */
    char msg[600];        /* what failed */
} result;

static void failf(result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    r->ok = 0;
}

/* A cfive call failed: the code's name and the file's detailed message. */
static int c5fail(result *r, const char *what, int rc, const c5_file *f)
{
    failf(r, "%s: %s%s%s", what, c5_strerror(rc), f && *c5_errmsg(f) ? ": " : "",
          f ? c5_errmsg(f) : "");
    return -1;
}

static int h5fail(result *r, const char *what)
{
    failf(r, "libhdf5: %s failed", what);
    return -1;
}

typedef enum { LIB_H5 = 0, LIB_C5 = 1 } libid;

typedef struct job {
    int workload;   /* 1, 2, 3 */
    libid lib;
    int latest;     /* the "latest" format for both libraries */
    int nthreads;   /* cfive: 0 = one per core */
    char path[4096];
} job;

/* ---- small utilities ---------------------------------------------------- */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A fast 64-bit checksum over whole words (the data is 8-byte aligned;
 * a tail shorter than 8 bytes is folded in bytewise). */
static uint64_t checksum(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define SUM_SEED 0xcbf29ce484222325ull

/* splitmix64, for the noise. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s) /* (0, 1] */
{
    return ((double)(next_rand(s) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

/* The recipe of gen_bench.py: 100 sin(i/311) cos(j/173) + 0.01 (i - j) plus
 * Gaussian noise of standard deviation 0.5, rounded to 3 decimals. The noise
 * comes from splitmix64 + Box-Muller here (numpy's generator is not
 * reproduced), so the values differ but their statistics, and so the
 * compression ratio, match. */
static void make_source(double *a, uint64_t rows, uint64_t cols)
{
    double *cj = malloc(cols * sizeof *cj);
    if (!cj) {
        fprintf(stderr, "bench_write: out of memory\n");
        exit(1);
    }
    for (uint64_t j = 0; j < cols; j++)
        cj[j] = cos((double)j / 173.0);
    for (uint64_t i = 0; i < rows; i++) {
        uint64_t s = 12345 + i;
        double si = 100.0 * sin((double)i / 311.0);
        double *row = a + i * cols;
        for (uint64_t j = 0; j < cols; j += 2) {
            double r = sqrt(-2.0 * log(unit(&s))), t = 6.283185307179586 * unit(&s);
            double n0 = 0.5 * r * cos(t), n1 = 0.5 * r * sin(t);
            row[j] = nearbyint((si * cj[j] + 0.01 * ((double)i - (double)j) + n0) * 1000.0) / 1000.0;
            if (j + 1 < cols)
                row[j + 1] = nearbyint((si * cj[j + 1] + 0.01 * ((double)i - (double)(j + 1)) + n1) *
                                       1000.0) / 1000.0;
        }
    }
    free(cj);
}

/* Workload 2's values: dataset k (0-based over all groups) holds
 * k*dlen .. k*dlen+dlen-1. Workload 3's: value i is i/4 + sin(i). */
static double append_value(uint64_t i)
{
    return (double)i * 0.25 + sin((double)i);
}

static void dset_name(char *buf, size_t cap, unsigned g, unsigned d)
{
    snprintf(buf, cap, "/g%03u/d%04u", g, d);
}

static void group_name(char *buf, size_t cap, unsigned g)
{
    snprintf(buf, cap, "/g%03u", g);
}

/* ---- libhdf5 writers ---------------------------------------------------- */

static hid_t h5_create(const job *j)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (j->latest)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(j->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    return f;
}

static int w1_h5(const job *j, result *r)
{
    hid_t f = h5_create(j);
    if (f < 0)
        return h5fail(r, "H5Fcreate");
    hsize_t dims[2] = {P.rows, P.cols}, chunk[2] = {P.crows, P.ccols};
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 6);
    hid_t fs = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "/data", H5T_IEEE_F64LE, fs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    if (d < 0)
        return h5fail(r, "H5Dcreate2");
    hsize_t mdims[2] = {P.slab, P.cols};
    hid_t ms = H5Screate_simple(2, mdims, NULL);
    for (uint64_t r0 = 0; r0 < P.rows; r0 += P.slab) {
        hsize_t start[2] = {r0, 0}, count[2] = {P.slab, P.cols};
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, g_src + r0 * P.cols) < 0)
            return h5fail(r, "H5Dwrite of a row slab");
    }
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    if (H5Fclose(f) < 0)
        return h5fail(r, "H5Fclose");
    return 0;
}

static int w2_h5(const job *j, result *r)
{
    hid_t f = h5_create(j);
    if (f < 0)
        return h5fail(r, "H5Fcreate");
    hsize_t n = P.dlen;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    int32_t *v = malloc(P.dlen * sizeof *v);
    char name[64];
    uint64_t k = 0;
    for (unsigned g = 0; g < P.ngroups; g++) {
        group_name(name, sizeof name, g);
        hid_t gr = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (gr < 0)
            return h5fail(r, "H5Gcreate2");
        for (unsigned d = 0; d < P.per_group; d++, k++) {
            for (unsigned i = 0; i < P.dlen; i++)
                v[i] = (int32_t)(k * P.dlen + i);
            snprintf(name, sizeof name, "d%04u", d);
            hid_t ds = H5Dcreate2(gr, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT);
            if (ds < 0)
                return h5fail(r, "H5Dcreate2");
            if (H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
                return h5fail(r, "H5Dwrite");
            H5Dclose(ds);
        }
        H5Gclose(gr);
    }
    free(v);
    H5Sclose(sp);
    if (H5Fclose(f) < 0)
        return h5fail(r, "H5Fclose");
    return 0;
}

static int w3_h5(const job *j, result *r)
{
    hid_t f = h5_create(j);
    if (f < 0)
        return h5fail(r, "H5Fcreate");
    hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = P.achunk, one = 1;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t sp = H5Screate_simple(1, &zero, &unlim);
    hid_t d = H5Dcreate2(f, "/series", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(sp);
    H5Pclose(dcpl);
    if (d < 0)
        return h5fail(r, "H5Dcreate2");
    hid_t ms = H5Screate_simple(1, &one, NULL);
    for (uint64_t i = 0; i < P.appends; i++) {
        hsize_t n = i + 1, start = i;
        double v = append_value(i);
        if (H5Dset_extent(d, &n) < 0)
            return h5fail(r, "H5Dset_extent");
        hid_t fs = H5Dget_space(d);
        if (fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0 ||
            H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) < 0)
            return h5fail(r, "H5Dwrite of one appended value");
        H5Sclose(fs);
    }
    H5Sclose(ms);
    H5Dclose(d);
    if (H5Fclose(f) < 0)
        return h5fail(r, "H5Fclose");
    return 0;
}

/* ---- cfive writers ------------------------------------------------------- */

static int c5_create(c5_file **f, const job *j, result *r)
{
    c5_open_opts oo;
    memset(&oo, 0, sizeof oo);
    oo.size = sizeof oo;
    oo.nthreads = j->nthreads;
    oo.format = j->latest ? C5_FORMAT_LATEST : C5_FORMAT_COMPATIBLE;
    int rc = c5_file_open_mode(f, j->path, "w", &oo);
    if (rc)
        return c5fail(r, "c5_file_open_mode(\"w\")", rc, NULL);
    return 0;
}

static void dopts_init(c5_dataset_opts *o, int storage)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->storage = storage;
}

static int c5_finish(c5_file *f, result *r)
{
    int rc = c5_file_close(f);
    if (rc) {
        /* the handle is gone: the message cannot be asked for any more */
        failf(r, "c5_file_close: %s", c5_strerror(rc));
        return -1;
    }
    return 0;
}

static int w1_c5(const job *j, result *r)
{
    c5_file *f;
    if (c5_create(&f, j, r))
        return -1;
    c5_type *ft = NULL, *mt = NULL;
    int rc;
    if ((rc = c5_type_float(&ft, 8, C5_ORDER_LE)) || (rc = c5_type_native(&mt, C5_NATIVE_DOUBLE)))
        return c5fail(r, "type", rc, f);
    c5_space sp;
    memset(&sp, 0, sizeof sp);
    sp.cls = C5_SPACE_SIMPLE;
    sp.rank = 2;
    sp.dims[0] = sp.maxdims[0] = P.rows;
    sp.dims[1] = sp.maxdims[1] = P.cols;
    c5_dataset_opts o;
    dopts_init(&o, C5_STORAGE_CHUNKED);
    o.chunk_rank = 2;
    o.chunk[0] = P.crows;
    o.chunk[1] = P.ccols;
    o.nfilters = 2;
    o.filters[0].id = C5_FILTER_SHUFFLE;
    o.filters[1].id = C5_FILTER_DEFLATE;
    o.filters[1].ncd = 1;
    o.filters[1].cd[0] = 6;
    c5_object *ds;
    if ((rc = c5_dataset_create(&ds, f, "/data", ft, &sp, &o)))
        return c5fail(r, "c5_dataset_create", rc, f);
    for (uint64_t r0 = 0; r0 < P.rows; r0 += P.slab) {
        uint64_t start[2] = {r0, 0}, count[2] = {P.slab, P.cols};
        c5_hyperslab sel = {2, start, NULL, count, NULL};
        rc = c5_dataset_write(ds, mt, &sel, g_src + r0 * P.cols,
                              (size_t)(P.slab * P.cols * sizeof(double)));
        if (rc) {
            char what[96];
            snprintf(what, sizeof what, "c5_dataset_write of rows %llu..%llu",
                     (unsigned long long)r0, (unsigned long long)(r0 + P.slab - 1));
            return c5fail(r, what, rc, f);
        }
    }
    c5_object_close(ds);
    c5_type_close(ft);
    c5_type_close(mt);
    return c5_finish(f, r);
}

static int w2_c5(const job *j, result *r)
{
    c5_file *f;
    if (c5_create(&f, j, r))
        return -1;
    c5_type *ft = NULL, *mt = NULL;
    int rc;
    if ((rc = c5_type_integer(&ft, 4, 1, C5_ORDER_LE)) || (rc = c5_type_native(&mt, C5_NATIVE_INT32)))
        return c5fail(r, "type", rc, f);
    c5_space sp;
    memset(&sp, 0, sizeof sp);
    sp.cls = C5_SPACE_SIMPLE;
    sp.rank = 1;
    sp.dims[0] = sp.maxdims[0] = P.dlen;
    c5_dataset_opts o;
    dopts_init(&o, C5_STORAGE_CONTIGUOUS);
    int32_t *v = malloc(P.dlen * sizeof *v);
    char name[64];
    uint64_t k = 0;
    for (unsigned g = 0; g < P.ngroups; g++) {
        group_name(name, sizeof name, g);
        if ((rc = c5_group_create(NULL, f, name, NULL)))
            return c5fail(r, "c5_group_create", rc, f);
        for (unsigned d = 0; d < P.per_group; d++, k++) {
            for (unsigned i = 0; i < P.dlen; i++)
                v[i] = (int32_t)(k * P.dlen + i);
            dset_name(name, sizeof name, g, d);
            c5_object *ds;
            if ((rc = c5_dataset_create(&ds, f, name, ft, &sp, &o))) {
                char what[96];
                snprintf(what, sizeof what, "c5_dataset_create %s (dataset #%llu)", name,
                         (unsigned long long)k);
                return c5fail(r, what, rc, f);
            }
            if ((rc = c5_dataset_write(ds, mt, NULL, v, P.dlen * sizeof *v)))
                return c5fail(r, "c5_dataset_write", rc, f);
            c5_object_close(ds);
        }
    }
    free(v);
    c5_type_close(ft);
    c5_type_close(mt);
    return c5_finish(f, r);
}

static int w3_c5(const job *j, result *r)
{
    c5_file *f;
    if (c5_create(&f, j, r))
        return -1;
    c5_type *ft = NULL, *mt = NULL;
    int rc;
    if ((rc = c5_type_float(&ft, 8, C5_ORDER_LE)) || (rc = c5_type_native(&mt, C5_NATIVE_DOUBLE)))
        return c5fail(r, "type", rc, f);
    c5_space sp;
    memset(&sp, 0, sizeof sp);
    sp.cls = C5_SPACE_SIMPLE;
    sp.rank = 1;
    sp.dims[0] = 0;
    sp.maxdims[0] = C5_UNLIMITED;
    c5_dataset_opts o;
    dopts_init(&o, C5_STORAGE_CHUNKED);
    o.chunk_rank = 1;
    o.chunk[0] = P.achunk;
    c5_object *ds;
    if ((rc = c5_dataset_create(&ds, f, "/series", ft, &sp, &o)))
        return c5fail(r, "c5_dataset_create", rc, f);
    uint64_t one = 1;
    for (uint64_t i = 0; i < P.appends; i++) {
        uint64_t n = i + 1;
        double v = append_value(i);
        if ((rc = c5_dataset_resize(ds, &n))) {
            char what[80];
            snprintf(what, sizeof what, "c5_dataset_resize to %llu", (unsigned long long)n);
            return c5fail(r, what, rc, f);
        }
        c5_hyperslab sel = {1, &i, NULL, &one, NULL};
        if ((rc = c5_dataset_write(ds, mt, &sel, &v, sizeof v))) {
            char what[80];
            snprintf(what, sizeof what, "c5_dataset_write of element %llu", (unsigned long long)i);
            return c5fail(r, what, rc, f);
        }
    }
    c5_object_close(ds);
    c5_type_close(ft);
    c5_type_close(mt);
    return c5_finish(f, r);
}

/* ---- verification: libhdf5 reads a file back ----------------------------- */

static int verify1(const job *j, result *r)
{
    hid_t f = H5Fopen(j->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail(r, "H5Fopen of the written file");
    hid_t d = H5Dopen2(f, "/data", H5P_DEFAULT);
    if (d < 0)
        return h5fail(r, "H5Dopen2 /data");
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    if (H5Sget_simple_extent_ndims(sp) != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 ||
        dims[0] != P.rows || dims[1] != P.cols) {
        failf(r, "/data has the wrong shape (%llu x %llu)", (unsigned long long)dims[0],
              (unsigned long long)dims[1]);
        return -1;
    }
    H5Sclose(sp);
    size_t n = (size_t)(P.rows * P.cols);
    double *buf = malloc(n * sizeof *buf);
    if (!buf) {
        failf(r, "out of memory for the read-back buffer");
        return -1;
    }
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        return h5fail(r, "H5Dread of /data");
    r->sum = checksum(SUM_SEED, buf, n * sizeof *buf);
    if (memcmp(buf, g_src, n * sizeof *buf) != 0) {
        size_t i = 0;
        while (i < n && memcmp(&buf[i], &g_src[i], sizeof *buf) == 0)
            i++;
        failf(r, "read back differs at element [%zu][%zu]: %.17g, written %.17g",
              i / (size_t)P.cols, i % (size_t)P.cols, buf[i], g_src[i]);
        return -1;
    }
    free(buf);
    H5Dclose(d);
    H5Fclose(f);
    return 0;
}

static int verify2(const job *j, result *r)
{
    hid_t f = H5Fopen(j->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail(r, "H5Fopen of the written file");
    H5G_info_t gi;
    if (H5Gget_info(f, &gi) < 0 || gi.nlinks != P.ngroups) {
        failf(r, "the root group has %llu links, expected %u", (unsigned long long)gi.nlinks,
              P.ngroups);
        return -1;
    }
    int32_t *v = malloc(P.dlen * sizeof *v);
    char name[64];
    uint64_t k = 0, h = SUM_SEED;
    for (unsigned g = 0; g < P.ngroups; g++) {
        group_name(name, sizeof name, g);
        if (H5Gget_info_by_name(f, name, &gi, H5P_DEFAULT) < 0 || gi.nlinks != P.per_group) {
            failf(r, "group %s: %llu links, expected %u", name, (unsigned long long)gi.nlinks,
                  P.per_group);
            return -1;
        }
        for (unsigned d = 0; d < P.per_group; d++, k++) {
            dset_name(name, sizeof name, g, d);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            if (ds < 0) {
                failf(r, "libhdf5 cannot open %s", name);
                return -1;
            }
            hid_t sp = H5Dget_space(ds);
            hssize_t npts = H5Sget_simple_extent_npoints(sp);
            H5Sclose(sp);
            if (npts != (hssize_t)P.dlen) {
                failf(r, "%s has %lld elements, expected %u", name, (long long)npts, P.dlen);
                return -1;
            }
            if (H5Dread(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
                failf(r, "libhdf5 cannot read %s", name);
                return -1;
            }
            for (unsigned i = 0; i < P.dlen; i++)
                if (v[i] != (int32_t)(k * P.dlen + i)) {
                    failf(r, "%s[%u] = %d, written %d", name, i, v[i], (int32_t)(k * P.dlen + i));
                    return -1;
                }
            h = checksum(h, v, P.dlen * sizeof *v);
            H5Dclose(ds);
        }
    }
    r->sum = h;
    free(v);
    H5Fclose(f);
    return 0;
}

static int verify3(const job *j, result *r)
{
    hid_t f = H5Fopen(j->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail(r, "H5Fopen of the written file");
    hid_t d = H5Dopen2(f, "/series", H5P_DEFAULT);
    if (d < 0)
        return h5fail(r, "H5Dopen2 /series");
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0, maxn = 0;
    H5Sget_simple_extent_dims(sp, &n, &maxn);
    H5Sclose(sp);
    if (n != P.appends || maxn != H5S_UNLIMITED) {
        failf(r, "/series has %llu elements (max %llu), expected %llu (unlimited)",
              (unsigned long long)n, (unsigned long long)maxn, (unsigned long long)P.appends);
        return -1;
    }
    double *buf = malloc((size_t)n * sizeof *buf);
    if (!buf) {
        failf(r, "out of memory");
        return -1;
    }
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        return h5fail(r, "H5Dread of /series");
    for (uint64_t i = 0; i < n; i++) {
        double want = append_value(i);
        if (memcmp(&buf[i], &want, sizeof want) != 0) {
            failf(r, "/series[%llu] = %.17g, written %.17g", (unsigned long long)i, buf[i], want);
            return -1;
        }
    }
    r->sum = checksum(SUM_SEED, buf, (size_t)n * sizeof *buf);
    free(buf);
    H5Dclose(d);
    H5Fclose(f);
    return 0;
}

/* ---- running one job in a child ----------------------------------------- */

/* Peak-RSS bookkeeping through /proc (Linux): clear_refs "5" resets VmHWM
 * to the current RSS, so the peak growth of this run can be read at its
 * end. Returns kB, or -1 when unavailable. */
static long proc_kb(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, fp))
        if (!strncmp(line, key, kl)) {
            v = strtol(line + kl, NULL, 10);
            break;
        }
    fclose(fp);
    return v;
}

static void reset_hwm(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "5", 1) != 1) {
            /* old kernel: the peak then includes the inherited pages */
        }
        close(fd);
    }
}

static void child_work(const job *j, result *r, int verify)
{
    static int (*const writers[3][2])(const job *, result *) = {
        {w1_h5, w1_c5}, {w2_h5, w2_c5}, {w3_h5, w3_c5}};
    static int (*const verifiers[3])(const job *, result *) = {verify1, verify2, verify3};
    reset_hwm();
    long rss0 = proc_kb("VmRSS:");
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = verify ? verifiers[j->workload - 1](j, r) : writers[j->workload - 1][j->lib](j, r);
    if (!rc && P.fsync && !verify) {
        int fd = open(j->path, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0) {
            failf(r, "fsync: %s", strerror(errno));
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
    }
    r->wall = clock_s(CLOCK_MONOTONIC) - w0;
    r->cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    long hwm = proc_kb("VmHWM:");
    r->mem_mib = (rss0 >= 0 && hwm >= rss0) ? (double)(hwm - rss0) / 1024.0 : -1.0;
    struct stat st;
    r->fsize = stat(j->path, &st) == 0 ? (uint64_t)st.st_size : 0;
    r->ok = rc == 0;
}

static result run_child(const job *j, int verify)
{
    result r;
    memset(&r, 0, sizeof r);
    int pfd[2];
    if (pipe(pfd) != 0) {
        failf(&r, "pipe: %s", strerror(errno));
        return r;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        failf(&r, "fork: %s", strerror(errno));
        return r;
    }
    if (pid == 0) {
        close(pfd[0]);
        if (P.timeout > 0)
            alarm((unsigned)P.timeout);
        child_work(j, &r, verify);
        const char *p = (const char *)&r;
        size_t left = sizeof r;
        while (left) {
            ssize_t w = write(pfd[1], p, left);
            if (w <= 0)
                break;
            p += w;
            left -= (size_t)w;
        }
        _exit(0);
    }
    close(pfd[1]);
    char *p = (char *)&r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(pfd[0], p + got, sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(pfd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof r) {
        memset(&r, 0, sizeof r);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            failf(&r, "timed out after %d s (--timeout)", P.timeout);
        else if (WIFSIGNALED(status))
            failf(&r, "crashed: %s (signal %d)", strsignal(WTERMSIG(status)), WTERMSIG(status));
        else
            failf(&r, "exited with status %d without a result", WEXITSTATUS(status));
    }
    return r;
}

/* ---- measurement -------------------------------------------------------- */

typedef struct meas {
    int ok;
    double wall, cpu, mem_mib; /* best wall, best cpu, largest memory growth */
    uint64_t fsize, sum;
    char msg[700];
} meas;

static const char *lib_name(const job *j, char *buf, size_t cap)
{
    if (j->lib == LIB_H5)
        snprintf(buf, cap, "libhdf5");
    else if (j->nthreads == 1)
        snprintf(buf, cap, "cfive(1 thread)");
    else
        snprintf(buf, cap, "cfive(%ld threads)", g_ncpu);
    return buf;
}

/* Best of P.runs runs of j. cfive's file is read back by libhdf5 after every
 * run; libhdf5's own once (a check of the benchmark itself). */
static meas measure(job *j, const char *label)
{
    meas m;
    memset(&m, 0, sizeof m);
    m.ok = 1;
    m.wall = m.cpu = 1e300;
    char who[40];
    lib_name(j, who, sizeof who);
    for (int run = 0; run < P.runs; run++) {
        unlink(j->path);
        sync(); /* settle the previous run's writeback outside the timing */
        result r = run_child(j, 0);
        if (!r.ok) {
            m.ok = 0;
            snprintf(m.msg, sizeof m.msg, "%s", r.msg);
            /* the file stays, for a look at what went wrong */
            printf("  %-38s %-18s run %d FAILED after %.2f s: %s (file kept: %s)\n", label, who,
                   run + 1, r.wall, r.msg, j->path);
            fflush(stdout);
            return m;
        }
        if (r.wall < m.wall)
            m.wall = r.wall;
        if (r.cpu < m.cpu)
            m.cpu = r.cpu;
        if (r.mem_mib > m.mem_mib)
            m.mem_mib = r.mem_mib;
        m.fsize = r.fsize;
        printf("  %-38s %-18s run %d: %.3f s wall, %.3f s cpu, file %.2f MiB, +%.0f MiB peak RSS",
               label, who, run + 1, r.wall, r.cpu, (double)r.fsize / MIB, r.mem_mib);
        fflush(stdout);
        if (j->lib == LIB_C5 || run == 0) {
            result v = run_child(j, 1);
            if (!v.ok) {
                printf("\n");
                m.ok = 0;
                snprintf(m.msg, sizeof m.msg, "wrote without error, but libhdf5 read-back: %s",
                         v.msg);
                printf("  %-38s %-18s run %d VERIFY FAILED: %s (file kept: %s)\n", label, who,
                       run + 1, v.msg, j->path);
                fflush(stdout);
                return m;
            }
            m.sum = v.sum;
            printf("; read back by libhdf5: equal (checksum %016llx)", (unsigned long long)v.sum);
        }
        printf("\n");
        fflush(stdout);
    }
    if (!P.keep)
        unlink(j->path);
    return m;
}

/* ---- driver -------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_write [--runs N] [--dir DIR] [--only 1,2,3] "
            "[--format compat|latest|both] [--rows N] [--ndsets N] [--appends N] "
            "[--timeout S] [--fsync] [--keep]\n");
    exit(2);
}

static void parse(int argc, char **argv)
{
    P.dir = "/tmp/cfive-bench";
    P.runs = 3;
    P.timeout = 1800;
    P.only[1] = P.only[2] = P.only[3] = 1;
    P.fmt_compat = P.fmt_latest = 1;
    P.rows = P.cols = 8192;
    P.crows = 64;
    P.ccols = 1024;
    P.slab = 64;
    P.ngroups = 100;
    P.per_group = 1000;
    P.dlen = 10;
    P.appends = 1000000;
    P.achunk = 1024;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--runs") && v)
            P.runs = atoi(argv[++i]);
        else if (!strcmp(a, "--dir") && v)
            P.dir = argv[++i];
        else if (!strcmp(a, "--only") && v) {
            P.only[1] = P.only[2] = P.only[3] = 0;
            for (const char *s = argv[++i]; *s; s++)
                if (*s >= '1' && *s <= '3')
                    P.only[*s - '0'] = 1;
        } else if (!strcmp(a, "--format") && v) {
            const char *f = argv[++i];
            P.fmt_compat = !strcmp(f, "compat") || !strcmp(f, "both");
            P.fmt_latest = !strcmp(f, "latest") || !strcmp(f, "both");
            if (!P.fmt_compat && !P.fmt_latest)
                usage();
        } else if (!strcmp(a, "--rows") && v) {
            /* a smaller workload 1 for quick trials: rows x 8192, multiple of 64 */
            P.rows = strtoull(argv[++i], NULL, 10);
            if (P.rows < P.slab || P.rows % P.slab)
                usage();
        } else if (!strcmp(a, "--ndsets") && v) {
            unsigned long n = strtoul(argv[++i], NULL, 10);
            if (n < P.ngroups || n % P.ngroups)
                usage();
            P.per_group = (unsigned)(n / P.ngroups);
        } else if (!strcmp(a, "--appends") && v)
            P.appends = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--timeout") && v)
            P.timeout = atoi(argv[++i]);
        else if (!strcmp(a, "--fsync"))
            P.fsync = 1;
        else if (!strcmp(a, "--keep"))
            P.keep = 1;
        else
            usage();
    }
    if (P.runs < 1 || P.appends < 1)
        usage();
}

/* One row of the final table. */
typedef struct row {
    const char *workload, *format;
    meas h, c;
} row;

static void print_row(const row *w)
{
    char hs[32], cs[32], ratio[32], cpu[32], fs[40], mem[40];
    snprintf(hs, sizeof hs, w->h.ok ? "%.3f" : "FAILED", w->h.wall);
    snprintf(cs, sizeof cs, w->c.ok ? "%.3f" : "FAILED", w->c.wall);
    snprintf(ratio, sizeof ratio, "-");
    snprintf(cpu, sizeof cpu, "-");
    snprintf(fs, sizeof fs, "-");
    snprintf(mem, sizeof mem, "-");
    if (w->h.ok && w->c.ok) {
        snprintf(ratio, sizeof ratio, "%.2f", w->c.wall / w->h.wall);
        snprintf(cpu, sizeof cpu, "%.2f", w->c.cpu / w->h.cpu);
        snprintf(fs, sizeof fs, "%.1f/%.1f", (double)w->h.fsize / MIB, (double)w->c.fsize / MIB);
        snprintf(mem, sizeof mem, "%.0f/%.0f", w->h.mem_mib, w->c.mem_mib);
    }
    printf("%-44s %-10s %9s %9s %6s %6s %13s %11s\n", w->workload, w->format, hs, cs, ratio,
           cpu, fs, mem);
    if (!w->c.ok)
        printf("    cfive: %s\n", w->c.msg);
    if (!w->h.ok)
        printf("    libhdf5: %s\n", w->h.msg);
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    g_ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (g_ncpu < 1)
        g_ncpu = 1;
    if (mkdir(P.dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_write: cannot create %s: %s\n", P.dir, strerror(errno));
        return 1;
    }
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    double load = 0;
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf", &load) != 1)
            load = 0;
        fclose(la);
    }
    printf("bench_write: libhdf5 %u.%u.%u vs cfive %d.%d.%d; %ld cores, load average %.2f; "
           "best of %d runs; files in %s; fsync %s\n",
           maj, min, rel, C5_VERSION_MAJOR, C5_VERSION_MINOR, C5_VERSION_PATCH, g_ncpu, load,
           P.runs, P.dir, P.fsync ? "included (both)" : "not included");
    printf("ratio = cfive/libhdf5 wall time (below 1 = cfive faster); times from file create "
           "to the return of file close\n");

    uint64_t srcsum = 0;
    if (P.only[1]) {
        size_t n = (size_t)(P.rows * P.cols);
        g_src = malloc(n * sizeof *g_src);
        if (!g_src) {
            fprintf(stderr, "bench_write: out of memory for the source data\n");
            return 1;
        }
        double t0 = clock_s(CLOCK_MONOTONIC);
        make_source(g_src, P.rows, P.cols);
        srcsum = checksum(SUM_SEED, g_src, n * sizeof *g_src);
        printf("source for workload 1: %llu x %llu float64 (%.0f MiB), checksum %016llx, made in "
               "%.1f s\n",
               (unsigned long long)P.rows, (unsigned long long)P.cols,
               (double)n * 8 / MIB, (unsigned long long)srcsum, clock_s(CLOCK_MONOTONIC) - t0);
    }
    fflush(stdout);

    char w1label[96], w1label1[96], w2label[96], w3label[96];
    snprintf(w1label1, sizeof w1label1, "1 write %.0f MiB shuf+gzip6, cfive 1 thr",
             (double)(P.rows * P.cols * 8) / MIB);
    snprintf(w1label, sizeof w1label, "1 write %.0f MiB shuf+gzip6, cfive %ld thr",
             (double)(P.rows * P.cols * 8) / MIB, g_ncpu);
    snprintf(w2label, sizeof w2label, "2 create %u int32[%u] dsets, %u groups",
             P.ngroups * P.per_group, P.dlen, P.ngroups);
    snprintf(w3label, sizeof w3label, "3 append %llu f64 singly (chunk %llu)",
             (unsigned long long)P.appends, (unsigned long long)P.achunk);

    row rows[8];
    int nrows = 0;
    for (int latest = 0; latest < 2; latest++) {
        if (latest ? !P.fmt_latest : !P.fmt_compat)
            continue;
        const char *fmt = latest ? "latest" : "compatible";
        const char *tag = latest ? "latest" : "compat";
        printf("\n[%s format]\n", fmt);
        job j;
        memset(&j, 0, sizeof j);
        j.latest = latest;
        if (P.only[1]) {
            j.workload = 1;
            j.lib = LIB_H5;
            snprintf(j.path, sizeof j.path, "%s/w1_h5_%s.h5", P.dir, tag);
            meas h = measure(&j, "1 write 2-D shuffle+gzip6");
            if (h.ok && h.sum != srcsum)
                printf("  warning: libhdf5's own file checksum differs from the source\n");
            j.lib = LIB_C5;
            snprintf(j.path, sizeof j.path, "%s/w1_c5_%s.h5", P.dir, tag);
            j.nthreads = 1;
            meas c1 = measure(&j, "1 write 2-D shuffle+gzip6");
            j.nthreads = 0;
            meas cn = measure(&j, "1 write 2-D shuffle+gzip6");
            printf("  file sizes: libhdf5 %llu bytes (%.1f MiB), cfive %llu bytes (%.1f MiB); "
                   "source checksum %016llx\n",
                   (unsigned long long)h.fsize, (double)h.fsize / MIB,
                   (unsigned long long)cn.fsize, (double)cn.fsize / MIB,
                   (unsigned long long)srcsum);
            rows[nrows++] = (row){w1label1, fmt, h, c1};
            rows[nrows++] = (row){w1label, fmt, h, cn};
        }
        if (P.only[2]) {
            j.workload = 2;
            j.nthreads = 0;
            j.lib = LIB_H5;
            snprintf(j.path, sizeof j.path, "%s/w2_h5_%s.h5", P.dir, tag);
            meas h = measure(&j, "2 many small datasets");
            j.lib = LIB_C5;
            snprintf(j.path, sizeof j.path, "%s/w2_c5_%s.h5", P.dir, tag);
            meas c = measure(&j, "2 many small datasets");
            printf("  file sizes: libhdf5 %.2f MiB, cfive %.2f MiB\n", (double)h.fsize / MIB,
                   (double)c.fsize / MIB);
            rows[nrows++] = (row){w2label, fmt, h, c};
        }
        if (P.only[3]) {
            j.workload = 3;
            j.nthreads = 0;
            j.lib = LIB_H5;
            snprintf(j.path, sizeof j.path, "%s/w3_h5_%s.h5", P.dir, tag);
            meas h = measure(&j, "3 appends one at a time");
            j.lib = LIB_C5;
            snprintf(j.path, sizeof j.path, "%s/w3_c5_%s.h5", P.dir, tag);
            meas c = measure(&j, "3 appends one at a time");
            printf("  file sizes: libhdf5 %.2f MiB, cfive %.2f MiB\n", (double)h.fsize / MIB,
                   (double)c.fsize / MIB);
            rows[nrows++] = (row){w3label, fmt, h, c};
        }
    }

    printf("\n%-44s %-10s %9s %9s %6s %6s %13s %11s\n", "workload", "format", "libhdf5 s",
           "cfive s", "ratio", "cpu", "file MiB h/c", "+RSS MiB h/c");
    for (int i = 0; i < nrows; i++)
        print_row(&rows[i]);
    free(g_src);
    return 0;
}
