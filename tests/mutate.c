/* mutate: robustness of open-and-walk against damaged images.
 *
 *   mutate [-v] [-t TRUNCS] [-f FLIPS] [-s SEED] [-T SECONDS] FILE
 *   mutate -c CASE -o OUT [-t TRUNCS] [-s SEED] FILE   (write one mutant)
 *
 * Cases 0..TRUNCS-1 truncate the image to TRUNCS evenly spaced lengths from
 * 0 to the full size. Cases TRUNCS.. flip one byte each (XOR with a nonzero
 * value) at an offset drawn uniformly from the file's metadata bytes. The
 * metadata bytes are learnt from a clean walk through c5_file_open_io whose
 * read_at callback records every (offset, length): reads outside data reads
 * count whole, reads during a dataset/attribute read only when <= 4 KiB (chunk
 * index nodes and global heap collections, not bulk raw data).
 *
 * Every mutant is a fresh exact-size heap copy (so sanitizers see any read
 * past its end), opened with c5_file_open_mem and walked (fuzz/walk.c)
 * twice: with checksums verified, and with C5_OPEN_IGNORE_CHECKSUMS so that
 * flips in checksummed structures reach their parsers.
 * Errors are expected; a crash, a sanitizer report or a case using more than
 * SECONDS of CPU time (or 6x that in wall time: the machine may be busy) is
 * a failure. On failure the case number is printed
 * and, if MUTATE_SAVE names a folder, the mutant is written there. The PRNG
 * is seeded from SEED only, so a case number reproduces the same mutant. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "walk.h"

/* ---- recording I/O ------------------------------------------------------ */

typedef struct range {
    uint64_t off, len;
} range;

typedef struct recorder {
    const unsigned char *buf;
    size_t n;
    int in_data;
    range *r;
    size_t nr, cap;
} recorder;

static int rec_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    recorder *rc = ctx;
    if (off > rc->n || n > rc->n - off)
        return C5_EIO;
    memcpy(buf, rc->buf + off, n);
    if (n == 0 || (rc->in_data && n > 4096))
        return 0;
    if (rc->nr == rc->cap) {
        size_t nc = rc->cap ? rc->cap * 2 : 256;
        range *nrg = realloc(rc->r, nc * sizeof *nrg);
        if (!nrg)
            return 0;
        rc->r = nrg;
        rc->cap = nc;
    }
    rc->r[rc->nr].off = off;
    rc->r[rc->nr].len = n;
    rc->nr++;
    return 0;
}

static int rec_size(void *ctx, uint64_t *out)
{
    *out = ((recorder *)ctx)->n;
    return 0;
}

static void rec_phase(void *ud, int in_data) { ((recorder *)ud)->in_data = in_data; }

static int cmp_range(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Sort and merge overlapping ranges; returns the number of distinct bytes
 * and leaves prefix sums in pre[] (pre[i] = bytes in ranges before i). */
static uint64_t merge_ranges(recorder *rc, uint64_t **pre)
{
    qsort(rc->r, rc->nr, sizeof *rc->r, cmp_range);
    size_t k = 0;
    for (size_t i = 0; i < rc->nr; i++) {
        if (k && rc->r[i].off <= rc->r[k - 1].off + rc->r[k - 1].len) {
            uint64_t e = rc->r[i].off + rc->r[i].len;
            if (e > rc->r[k - 1].off + rc->r[k - 1].len)
                rc->r[k - 1].len = e - rc->r[k - 1].off;
        } else {
            rc->r[k++] = rc->r[i];
        }
    }
    rc->nr = k;
    *pre = malloc((k + 1) * sizeof **pre);
    if (!*pre)
        return 0;
    uint64_t total = 0;
    for (size_t i = 0; i < k; i++) {
        (*pre)[i] = total;
        total += rc->r[i].len;
    }
    (*pre)[k] = total;
    return total;
}

/* ---- failure reporting ------------------------------------------------ */

static const char *g_file;
static long g_case = -1;
static const unsigned char *g_mutant;
static size_t g_mutant_len;
static char g_save[4096];
static unsigned g_timeout = 10;

static void wr(const char *s) { (void)!write(2, s, strlen(s)); }

static void wr_num(long v)
{
    char b[24];
    int i = (int)sizeof b;
    b[--i] = 0;
    if (v == 0)
        b[--i] = '0';
    int neg = v < 0;
    unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;
    while (u && i > 1) {
        b[--i] = (char)('0' + u % 10);
        u /= 10;
    }
    if (neg)
        b[--i] = '-';
    wr(b + i);
}

/* Async-signal-safe: write(2), open, close only. */
static void report_case(const char *what)
{
    wr("mutate: ");
    wr(what);
    wr(" in ");
    wr(g_file ? g_file : "?");
    if (g_case >= 0) {
        wr(" case ");
        wr_num(g_case);
        wr(" (rebuild it with -c CASE -o OUT)");
    } else {
        wr(" outside the cases (clean walk, or leak check at exit)");
    }
    wr("\n");
    if (g_save[0] && g_mutant) {
        int fd = open(g_save, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            size_t done = 0;
            while (done < g_mutant_len) {
                ssize_t k = write(fd, g_mutant + done, g_mutant_len - done);
                if (k <= 0)
                    break;
                done += (size_t)k;
            }
            close(fd);
            wr("mutate: mutant saved to ");
            wr(g_save);
            wr("\n");
        }
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    report_case("HANG (timeout)");
    _exit(3);
}

/* Arm (seconds > 0) or disarm (0) both per-case timers. */
static void arm(unsigned seconds)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = seconds;
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    alarm(seconds * 6);
}

static void on_crash(int sig)
{
    report_case("CRASH (signal)");
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_sanitizer_death(void) { report_case("sanitizer report"); }

/* Present only when linked with a sanitizer runtime. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

/* ---- cases -------------------------------------------------------------- */

static uint64_t g_rng;
static uint64_t rnd(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct tally {
    long cases, opened, walked, errors;
} tally;

static void run_image(const unsigned char *img, size_t n, unsigned flags, tally *t)
{
    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.flags = flags;
    opts.max_alloc = 64u << 20;
    c5walk_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_objects = 2000;
    lim.max_data_bytes = 256u << 10; /* metadata is the target, not bulk data */
    lim.max_refs = 16;
    c5walk_stats st;
    memset(&st, 0, sizeof st);
    c5_file *f = NULL;
    t->cases++;
    if (c5_file_open_mem(&f, img, n, &opts) == 0) {
        t->opened++;
        if (c5walk_file(f, &lim, &st) == 0)
            t->walked++;
        t->errors += (long)st.errors;
    }
    c5_file_close(f);
}

/* Build case `c` into a fresh exact-size buffer. */
static unsigned char *make_case(const unsigned char *img, size_t n, long c, long ntrunc,
                                const range *rg, const uint64_t *pre, size_t nr,
                                uint64_t meta, uint64_t seed, size_t *outn, uint64_t *flip_off)
{
    *flip_off = UINT64_MAX;
    if (c < ntrunc) {
        size_t len = ntrunc > 1 ? (size_t)((uint64_t)n * (uint64_t)c / (uint64_t)(ntrunc - 1))
                                : n;
        unsigned char *m = malloc(len ? len : 1);
        if (m && len)
            memcpy(m, img, len);
        *outn = len;
        return m;
    }
    /* flip k = c - ntrunc: replay the PRNG from the seed */
    long k = c - ntrunc;
    g_rng = seed;
    uint64_t pick = 0, x = 1;
    for (long i = 0; i <= k; i++) {
        pick = meta ? rnd() % meta : rnd() % (n ? n : 1);
        x = rnd() % 255 + 1;
    }
    uint64_t off = pick;
    if (meta) {
        size_t lo = 0, hi = nr; /* last i with pre[i] <= pick */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (pre[mid] <= pick)
                lo = mid;
            else
                hi = mid;
        }
        off = rg[lo].off + (pick - pre[lo]);
    }
    unsigned char *m = malloc(n ? n : 1);
    if (!m)
        return NULL;
    memcpy(m, img, n);
    if (off < n)
        m[off] ^= (unsigned char)x;
    *outn = n;
    *flip_off = off;
    return m;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + len, 1, cap - len, fp);
        len += k;
        if (len < cap)
            break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(fp);
    *n = len;
    return buf;
}

static void usage(void)
{
    fprintf(stderr, "usage: mutate [-v] [-t TRUNCS] [-f FLIPS] [-s SEED] [-T SECONDS] FILE\n"
                    "       mutate -c CASE -o OUT [-t TRUNCS] [-s SEED] FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long ntrunc = 64, nflip = 1000, only = -1;
    uint64_t seed = 1;
    int verbose = 0;
    const char *out = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "vt:f:s:T:c:o:")) != -1) {
        switch (opt) {
        case 'v': verbose = 1; break;
        case 't': ntrunc = atol(optarg); break;
        case 'f': nflip = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'T': g_timeout = (unsigned)atoi(optarg); break;
        case 'c': only = atol(optarg); break;
        case 'o': out = optarg; break;
        default: usage();
        }
    }
    if (optind + 1 != argc || ntrunc < 0 || nflip < 0 || (only >= 0) != (out != NULL))
        usage();
    g_file = argv[optind];
    size_t n = 0;
    unsigned char *img = slurp(g_file, &n);
    if (!img) {
        fprintf(stderr, "mutate: cannot read %s\n", g_file);
        return 2;
    }

    signal(SIGALRM, on_alarm);
    signal(SIGVTALRM, on_alarm);
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(on_sanitizer_death);
    } else {
        signal(SIGSEGV, on_crash);
        signal(SIGBUS, on_crash);
        signal(SIGFPE, on_crash);
        signal(SIGILL, on_crash);
        signal(SIGABRT, on_crash);
    }

    /* clean walk through recording I/O: learn the metadata bytes */
    recorder rc;
    memset(&rc, 0, sizeof rc);
    rc.buf = img;
    rc.n = n;
    c5_io io;
    memset(&io, 0, sizeof io);
    io.ctx = &rc;
    io.read_at = rec_read;
    io.size = rec_size;
    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    c5walk_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.data_phase = rec_phase;
    lim.ud = &rc;
    c5walk_stats clean;
    memset(&clean, 0, sizeof clean);
    c5_file *f = NULL;
    arm(g_timeout);
    int orc = c5_file_open_io(&f, &io, &opts);
    int wrc = orc ? orc : c5walk_file(f, &lim, &clean);
    c5_file_close(f);
    arm(0);
    uint64_t *pre = NULL;
    uint64_t meta = merge_ranges(&rc, &pre);

    const char *save = getenv("MUTATE_SAVE");
    const char *base = strrchr(g_file, '/') ? strrchr(g_file, '/') + 1 : g_file;

    if (only >= 0) {
        size_t mn;
        uint64_t off;
        unsigned char *m = make_case(img, n, only, ntrunc, rc.r, pre, rc.nr, meta, seed, &mn, &off);
        FILE *fp = m ? fopen(out, "wb") : NULL;
        int ok = fp && fwrite(m, 1, mn, fp) == mn;
        if (fp && fclose(fp) != 0)
            ok = 0;
        free(m);
        free(img);
        free(rc.r);
        free(pre);
        if (!ok) {
            fprintf(stderr, "mutate: cannot write %s\n", out);
            return 2;
        }
        if (off != UINT64_MAX)
            printf("case %ld: flip at offset %llu\n", only, (unsigned long long)off);
        else
            printf("case %ld: truncated to %zu bytes\n", only, mn);
        return 0;
    }

    tally tt = {0, 0, 0, 0}, tf = {0, 0, 0, 0}, tt_nc = {0, 0, 0, 0}, tf_nc = {0, 0, 0, 0};
    for (long c = 0; c < ntrunc + nflip; c++) {
        size_t mn;
        uint64_t off;
        unsigned char *m = make_case(img, n, c, ntrunc, rc.r, pre, rc.nr, meta, seed, &mn, &off);
        if (!m)
            continue;
        g_case = c;
        g_mutant = m;
        g_mutant_len = mn;
        if (save)
            snprintf(g_save, sizeof g_save, "%s/mutate-%s-case%ld.h5", save, base, c);
        if (verbose) {
            if (off != UINT64_MAX)
                fprintf(stderr, "case %ld: flip at %llu\n", c, (unsigned long long)off);
            else
                fprintf(stderr, "case %ld: truncate to %zu\n", c, mn);
        }
        arm(g_timeout);
        run_image(m, mn, 0, c < ntrunc ? &tt : &tf);
        run_image(m, mn, C5_OPEN_IGNORE_CHECKSUMS, c < ntrunc ? &tt_nc : &tf_nc);
        arm(0);
        g_mutant = NULL;
        g_case = -1;
        free(m);
    }
    printf("%s: %zu bytes, clean walk %s (%llu objects, %llu errors), %llu metadata bytes "
           "in %zu ranges; truncations %ld (opened %ld/%ld, walked %ld/%ld); flips %ld (opened "
           "%ld/%ld, walked %ld/%ld) [checked/ignored checksums]\n",
           g_file, n, wrc ? c5_strerror(wrc) : "ok", (unsigned long long)clean.objects,
           (unsigned long long)clean.errors, (unsigned long long)meta, rc.nr, tt.cases,
           tt.opened, tt_nc.opened, tt.walked, tt_nc.walked, tf.cases, tf.opened, tf_nc.opened,
           tf.walked, tf_nc.walked);
    free(img);
    free(rc.r);
    free(pre);
    return 0;
}
