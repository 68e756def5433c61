/* Error codes and per-file detailed messages. */
#include "internal.h"

#include <stdio.h>

const char *c5_strerror(int code)
{
    switch (code) {
    case C5_OK: return "success";
    case C5_ENOMEM: return "out of memory";
    case C5_EIO: return "I/O error";
    case C5_ECORRUPT: return "corrupt or malformed file";
    case C5_EUNSUPPORTED: return "unsupported feature";
    case C5_ENOFILTER: return "filter not available";
    case C5_ELIMIT: return "limit exceeded";
    case C5_EINVAL: return "invalid argument";
    case C5_ENOTFOUND: return "not found";
    case C5_EEXIST: return "already exists";
    case C5_ENOSPC: return "no space left";
    case C5_ERANGE: return "out of range";
    case C5_ETYPE: return "datatype conversion not possible";
    default: return "unknown error";
    }
}

const char *c5_errmsg(const c5_file *f)
{
    return f ? f->errmsg : "";
}

int c5_fail(c5_file *f, int code, uint64_t addr, const char *fmt, ...)
{
    if (!f)
        return code;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&f->errmu);
    if (addr != C5_UNDEF)
        snprintf(f->errmsg, sizeof f->errmsg, "%s: %s (at file offset %llu)", c5_strerror(code),
                 msg, (unsigned long long)(addr + f->base));
    else
        snprintf(f->errmsg, sizeof f->errmsg, "%s: %s", c5_strerror(code), msg);
    pthread_mutex_unlock(&f->errmu);
    return code;
}
