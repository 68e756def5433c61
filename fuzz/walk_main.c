/* walk [-q] [-v] FILE...: open each file by path and again from its bytes in
 * memory, walk everything reachable (fuzz/walk.c) and print what was seen.
 * Open and walk errors are normal for malformed files and are only
 * reported; the exit status is 0 unless the process crashes (the corpus
 * replayer relies on that), or 2 for bad usage / unreadable input files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

static void print_stats(const char *path, const char *how, int rc, c5_file *f,
                        const c5walk_stats *st)
{
    if (rc) {
        printf("%s [%s]: open/walk failed: %s%s%s\n", path, how, c5_strerror(rc),
               f ? ": " : "", f ? c5_errmsg(f) : "");
        return;
    }
    printf("%s [%s]: objects %llu (groups %llu, datasets %llu, datatypes %llu), links %llu "
           "(hard %llu, soft %llu, external %llu, other %llu), attrs %llu, types %llu, refs %llu, "
           "reads %llu (%llu bytes), errors %llu, limited %llu\n",
           path, how, (unsigned long long)st->objects, (unsigned long long)st->groups,
           (unsigned long long)st->datasets, (unsigned long long)st->datatypes,
           (unsigned long long)st->links, (unsigned long long)st->hard,
           (unsigned long long)st->soft, (unsigned long long)st->external,
           (unsigned long long)st->udlinks, (unsigned long long)st->attrs,
           (unsigned long long)st->types, (unsigned long long)st->refs,
           (unsigned long long)st->reads_ok, (unsigned long long)st->bytes,
           (unsigned long long)st->errors, (unsigned long long)st->truncated);
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
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return NULL;
    }
    *n = len;
    return buf;
}

int main(int argc, char **argv)
{
    int quiet = 0, verbose = 0, i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else
            i = argc; /* usage */
    }
    if (i >= argc) {
        fprintf(stderr, "usage: walk [-q] [-v] FILE...\n"
                        "  -q  print nothing but failures to open\n"
                        "  -v  print every API error met during the walk\n");
        return 2;
    }
    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.max_alloc = 256u << 20;
    for (; i < argc; i++) {
        const char *path = argv[i];
        c5walk_stats st;
        c5walk_limits lim;
        memset(&lim, 0, sizeof lim);
        lim.verbose = verbose;

        /* by path: external links may be followed, they resolve next to
         * the file */
        c5_file *f = NULL;
        lim.follow_external = 1;
        int rc = c5_file_open(&f, path, &opts);
        if (rc == 0)
            rc = c5walk_file(f, &lim, &st);
        if (!quiet)
            print_stats(path, "path", rc, f, &st);
        c5_file_close(f);

        /* from memory: no path, so no external links */
        size_t n = 0;
        unsigned char *buf = slurp(path, &n);
        if (!buf) {
            fprintf(stderr, "%s: cannot read\n", path);
            status = 2;
            continue;
        }
        f = NULL;
        lim.follow_external = 0;
        rc = c5_file_open_mem(&f, buf, n, &opts);
        if (rc == 0)
            rc = c5walk_file(f, &lim, &st);
        if (!quiet)
            print_stats(path, "mem", rc, f, &st);
        c5_file_close(f);
        /* again with checksums ignored, as the recovery tools will open
         * files: the parsers must stand on their own bounds checks */
        opts.flags = C5_OPEN_IGNORE_CHECKSUMS;
        f = NULL;
        rc = c5_file_open_mem(&f, buf, n, &opts);
        if (rc == 0)
            rc = c5walk_file(f, &lim, &st);
        if (!quiet)
            print_stats(path, "mem-nocsum", rc, f, &st);
        c5_file_close(f);
        opts.flags = 0;
        free(buf);
    }
    return status;
}
