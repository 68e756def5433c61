/* I/O backends: POSIX file descriptors and memory images, plus the bounded
 * metadata read used by every decoder. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int px_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    int fd = (int)(intptr_t)ctx;
    uint8_t *p = buf;
    while (n) {
        ssize_t k = pread(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return C5_EIO;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static int px_size(void *ctx, uint64_t *out)
{
    struct stat st;
    if (fstat((int)(intptr_t)ctx, &st) != 0)
        return C5_EIO;
    *out = (uint64_t)st.st_size;
    return 0;
}

static void px_close(void *ctx) { close((int)(intptr_t)ctx); }

/* Open without blocking (a FIFO would hang the open) and accept only
 * regular files. */
static int open_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? C5_ENOTFOUND : C5_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return C5_EIO;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

FILE *c5_fopen_regular(const char *path)
{
    int fd = open_regular(path);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "rb");
    if (!fp)
        close(fd);
    return fp;
}

bool c5_external_allowed(const c5_file *f)
{
    return f->path && !(f->opts.flags & C5_OPEN_NO_EXTERNAL);
}

int c5_io_posix(c5_io *io, const char *path)
{
    int fd = open_regular(path);
    if (fd < 0)
        return fd;
    memset(io, 0, sizeof *io);
    io->ctx = (void *)(intptr_t)fd;
    io->read_at = px_read;
    io->size = px_size;
    io->close = px_close;
    return 0;
}

typedef struct memimg {
    const uint8_t *p;
    size_t n;
} memimg;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    memimg *m = ctx;
    if (off > m->n || n > m->n - off)
        return C5_EIO;
    memcpy(buf, m->p + off, n);
    return 0;
}

static int mem_size(void *ctx, uint64_t *out)
{
    *out = ((memimg *)ctx)->n;
    return 0;
}

static void mem_close(void *ctx) { free(ctx); }

int c5_io_mem(c5_io *io, const void *buf, size_t n)
{
    memimg *m = malloc(sizeof *m);
    if (!m)
        return C5_ENOMEM;
    m->p = buf;
    m->n = n;
    memset(io, 0, sizeof *io);
    io->ctx = m;
    io->read_at = mem_read;
    io->size = mem_size;
    io->close = mem_close;
    return 0;
}

/* Reads stop at the physical end and at the superblock's end-of-file
 * address, as libhdf5's do: bytes past the EOA do not belong to the file. */
static bool out_of_file(const c5_file *f, uint64_t addr, uint64_t n)
{
    uint64_t abs, endp, rel_end;
    if (addr == C5_UNDEF || c5_add_ovf(addr, f->base, &abs) || c5_add_ovf(abs, n, &endp) ||
        endp > f->phys_size)
        return true;
    rel_end = addr + n;
    return !f->writable && f->eof_addr != C5_UNDEF && f->eof_addr != 0 && rel_end > f->eof_addr;
}

uint64_t c5_file_end(const c5_file *f)
{
    uint64_t end = f->phys_size > f->base ? f->phys_size - f->base : 0;
    /* a writable file's recorded end lags its allocations until the next
     * flush: everything physically there is readable */
    if (!f->writable && f->eof_addr != C5_UNDEF && f->eof_addr != 0 && f->eof_addr < end)
        end = f->eof_addr;
    return end;
}

int c5_read(c5_file *f, uint64_t addr, void *buf, size_t n, const char *what)
{
    uint64_t abs = addr + f->base;
    if (out_of_file(f, addr, n))
        return c5_fail(f, C5_ECORRUPT, addr, "%s: %zu bytes at address %llu lie outside the file",
                       what, n, (unsigned long long)addr);
    if (n == 0)
        return 0;
    int rc = f->io.read_at(f->io.ctx, abs, buf, n);
    if (rc < 0)
        return c5_fail(f, C5_EIO, addr, "%s: read failed", what);
    if (f->mdci)
        c5_mdci_patch(f, addr, buf, n);
    return 0;
}

int c5_read_alloc(c5_file *f, uint64_t addr, uint64_t n, const char *what, uint8_t **out)
{
    *out = NULL;
    if (out_of_file(f, addr, n))
        return c5_fail(f, C5_ECORRUPT, addr, "%s: %llu bytes at address %llu lie outside the file",
                       what, (unsigned long long)n, (unsigned long long)addr);
    void *p;
    int rc = c5_alloc_checked(f, n, addr, what, &p);
    if (rc)
        return rc;
    rc = c5_read(f, addr, p, (size_t)n, what);
    if (rc) {
        c5_free(f, p);
        return rc;
    }
    *out = p;
    return 0;
}
