/* Opening and releasing files. */
#include "write.h"
#include "chunk/cache.h"
#include "format/mdci.h"

#include <unistd.h>

#include <stdio.h>

int c5_file_open_common(c5_file **out, const c5_io *io, const c5_open_opts *opts,
                        const char *path, int create)
{
    *out = NULL;
    if (!io || !io->read_at || !io->size)
        return C5_EINVAL;
    c5_file *f = NULL;
    c5_alloc_fn af = opts && opts->size >= offsetof(c5_open_opts, alloc_ctx) + sizeof(void *)
                         ? opts->alloc
                         : NULL;
    void *actx = af ? opts->alloc_ctx : NULL;
    f = af ? af(actx, NULL, sizeof *f) : malloc(sizeof *f);
    if (!f) {
        if (io->close)
            io->close(io->ctx);
        return C5_ENOMEM;
    }
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->errmu, NULL);
    f->io = *io;
    f->refs = 1;
    f->opts.size = sizeof f->opts;
    if (opts) {
        size_t n = opts->size < sizeof f->opts ? opts->size : sizeof f->opts;
        memcpy(&f->opts, opts, n);
        f->opts.size = sizeof f->opts;
    }
    int rc = 0;
    if (path && !(f->path = c5_strdup(f, path)))
        rc = C5_ENOMEM;
    if (!rc && f->io.size(f->io.ctx, &f->phys_size) < 0)
        rc = c5_fail(f, C5_EIO, C5_UNDEF, "cannot determine file size");
    if (!rc && !create)
        rc = c5_superblock_read(f);
    if (!rc && !create)
        rc = c5_mdci_load(f);
    if (!rc) {
        uint64_t budget = f->opts.chunk_cache_bytes ? f->opts.chunk_cache_bytes : 64ull << 20;
        if (c5_ccache_new(f, budget, &f->ccache))
            rc = C5_ENOMEM;
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        f->nthreads = f->opts.nthreads > 0 ? f->opts.nthreads : ncpu > 0 ? (int)ncpu : 1;
    }
    if (rc) {
        /* keep the message visible to the caller only through the return
         * code; the handle is not returned */
        c5_file_release(f);
        return rc;
    }
    *out = f;
    return 0;
}

int c5_file_open(c5_file **out, const char *path, const c5_open_opts *opts)
{
    if (!out || !path)
        return C5_EINVAL;
    c5_io io;
    int rc = c5_io_posix(&io, path);
    if (rc)
        return rc;
    return c5_file_open_common(out, &io, opts, path, 0);
}

int c5_file_open_mem(c5_file **out, const void *buf, size_t n, const c5_open_opts *opts)
{
    if (!out || (!buf && n))
        return C5_EINVAL;
    c5_io io;
    int rc = c5_io_mem(&io, buf, n);
    if (rc)
        return rc;
    return c5_file_open_common(out, &io, opts, NULL, 0);
}

int c5_file_open_io(c5_file **out, const c5_io *io, const c5_open_opts *opts)
{
    if (!out)
        return C5_EINVAL;
    return c5_file_open_common(out, io, opts, NULL, 0);
}

void c5_file_retain(c5_file *f) { f->refs++; }

void c5_file_release(c5_file *f)
{
    if (!f || --f->refs > 0)
        return;
    while (f->ext) {
        struct c5_extfile *e = f->ext;
        f->ext = e->next;
        c5_file_release(e->f);
        c5_free(f, e->name);
        c5_free(f, e);
    }
    c5_w_close(f); /* no-op unless writable and still dirty */
    c5_w_free(f);
    c5_mdci_free(f);
    c5_ccache_free(f, f->ccache);
    if (f->io.close)
        f->io.close(f->io.ctx);
    c5_free(f, f->path);
    c5_free(f, f->sohm);
    pthread_mutex_destroy(&f->errmu);
    c5_alloc_fn af = f->opts.alloc;
    if (af)
        af(f->opts.alloc_ctx, f, 0);
    else
        free(f);
}

int c5_file_close(c5_file *f)
{
    if (!f || f->closed)
        return 0;
    f->closed = 1;
    int rc = c5_w_close(f);
    c5_file_release(f);
    return rc;
}

int c5_file_set_chunk_cache(c5_file *f, uint64_t bytes)
{
    if (!f || !f->ccache)
        return C5_EINVAL;
    c5_ccache_set_budget(f, f->ccache, bytes);
    return 0;
}

int c5_file_get_info(const c5_file *f, c5_file_info *out)
{
    if (!f || !out || out->size < sizeof *out)
        return C5_EINVAL;
    out->superblock_version = f->sb_version;
    out->offset_size = f->osz;
    out->length_size = f->lsz;
    out->userblock_size = f->base;
    out->eof = f->eof_addr;
    out->root_addr = f->root_addr;
    return 0;
}

char *c5_path_beside(c5_file *f, const char *name)
{
    const char *slash = f->path && name[0] != '/' ? strrchr(f->path, '/') : NULL;
    if (!slash)
        return NULL;
    size_t dl = (size_t)(slash - f->path) + 1;
    char *p = c5_malloc(f, dl + strlen(name) + 1);
    if (p) {
        memcpy(p, f->path, dl);
        strcpy(p + dl, name);
    }
    return p;
}

/* External link targets: an absolute name is used as is; a relative one is
 * tried beside the linking file first, then relative to the working
 * directory, as libhdf5 does when no prefix is configured. */
int c5_file_external(c5_file *f, const char *name, c5_file **out)
{
    for (struct c5_extfile *e = f->ext; e; e = e->next)
        if (strcmp(e->name, name) == 0) {
            *out = e->f;
            return 0;
        }
    c5_file *x = NULL;
    int rc = C5_ENOTFOUND;
    if (!c5_external_allowed(f))
        return c5_fail(f, C5_EINVAL, C5_UNDEF,
                       "external file \"%s\": this file may not open other files", name);
    char *p = name[0] != '/' ? c5_path_beside(f, name) : NULL;
    if (p) {
        rc = c5_file_open(&x, p, &f->opts);
        c5_free(f, p);
    }
    if (rc)
        rc = c5_file_open(&x, name, &f->opts);
    if (rc)
        return c5_fail(f, rc, C5_UNDEF, "unable to open external file \"%s\"", name);
    struct c5_extfile *e = c5_calloc(f, 1, sizeof *e);
    if (!e || !(e->name = c5_strdup(f, name))) {
        c5_free(f, e);
        c5_file_close(x);
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    e->f = x;
    e->next = f->ext;
    f->ext = e;
    *out = x;
    return 0;
}
