/* Writable files: the open modes, the registry of objects with pending
 * changes, object header encoding, and the ordered flush (data, structures
 * built aside, headers, superblock last).
 *
 * Object header layouts written here (spec IV.A.1):
 * Version 1: 16-byte prefix {1 version=1, 1 reserved, 2 number of messages,
 *   4 reference count, 4 chunk 0 size, 4 padding}, then messages {2 type,
 *   2 size, 1 flags, 3 reserved, body padded to 8}; unused space is NIL
 *   messages. A continuation chunk is messages only.
 * Version 2: "OHDR", 1 version=2, 1 flags, [16 times], [2+2 attribute phase
 *   change], 1/2/4/8 chunk 0 size, messages {1 type, 2 size, 1 flags,
 *   [2 creation order]}, a gap shorter than a message prefix, 4 checksum.
 *   A continuation chunk is "OCHK", messages, gap, checksum.
 * An object's header never moves (its address is its identity): a header
 * that outgrows chunk 0 keeps what fits there and continues in a new
 * block written aside; the old continuation blocks are given back. */
#include "write.h"
#include "format/encode.h"
#include "format/stabw.h"
#include "format/densew.h"
#include "chunk/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- POSIX read/write I/O --------------------------------------------- */

static int rw_read(void *ctx, uint64_t off, void *buf, size_t n)
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

static int rw_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    int fd = (int)(intptr_t)ctx;
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return errno == ENOSPC ? C5_ENOSPC : C5_EIO;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static int rw_size(void *ctx, uint64_t *out)
{
    struct stat st;
    if (fstat((int)(intptr_t)ctx, &st) != 0)
        return C5_EIO;
    *out = (uint64_t)st.st_size;
    return 0;
}

static int rw_truncate(void *ctx, uint64_t size)
{
    return ftruncate((int)(intptr_t)ctx, (off_t)size) == 0 ? 0 : C5_EIO;
}

static int rw_sync(void *ctx) { return fsync((int)(intptr_t)ctx) == 0 ? 0 : C5_EIO; }
static void rw_close(void *ctx) { close((int)(intptr_t)ctx); }

static int io_open_rw(c5_io *io, const char *path, int oflags)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | oflags, 0666);
    if (fd < 0)
        return errno == ENOENT ? C5_ENOTFOUND : errno == EEXIST ? C5_EEXIST : C5_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return C5_EIO;
    }
    memset(io, 0, sizeof *io);
    io->ctx = (void *)(intptr_t)fd;
    io->read_at = rw_read;
    io->write_at = rw_write;
    io->size = rw_size;
    io->truncate = rw_truncate;
    io->sync = rw_sync;
    io->close = rw_close;
    return 0;
}

/* ---- the registry ------------------------------------------------------ */

static size_t slot_of(const struct c5_wstate *w, uint64_t addr)
{
    uint64_t h = addr * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (w->cap - 1);
}

static c5_wobj *reg_find(const c5_file *f, uint64_t addr)
{
    const struct c5_wstate *w = f->w;
    if (!w->cap)
        return NULL;
    for (size_t i = slot_of(w, addr);; i = (i + 1) & (w->cap - 1)) {
        if (!w->obj[i])
            return NULL;
        if (w->obj[i]->addr == addr)
            return w->obj[i];
    }
}

static int reg_add(c5_file *f, c5_wobj *o)
{
    struct c5_wstate *w = f->w;
    if ((w->nobj + 1) * 2 > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        c5_wobj **nv = c5_calloc(f, cap, sizeof *nv);
        if (!nv)
            return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
        c5_wobj **old = w->obj;
        size_t ocap = w->cap;
        w->obj = nv;
        w->cap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i]) {
                size_t j = slot_of(w, old[i]->addr);
                while (nv[j])
                    j = (j + 1) & (cap - 1);
                nv[j] = old[i];
            }
        c5_free(f, old);
    }
    size_t j = slot_of(w, o->addr);
    while (w->obj[j])
        j = (j + 1) & (w->cap - 1);
    w->obj[j] = o;
    w->nobj++;
    return 0;
}

static void wobj_free(c5_file *f, c5_wobj *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->msgs.n; i++)
        c5_free(f, ((c5_wmsg *)o->msgs.v)[i].data);
    c5_vec_free(f, &o->msgs);
    c5_vec_free(f, &o->conts);
    for (size_t i = 0; i < o->links.n; i++)
        c5_linkrec_free(f, (c5_linkrec *)o->links.v + i);
    c5_vec_free(f, &o->links);
    for (size_t i = 0; i < o->attrs.n; i++) {
        c5_wattr *a = (c5_wattr *)o->attrs.v + i;
        c5_free(f, a->name);
        c5_free(f, a->data);
    }
    c5_vec_free(f, &o->attrs);
    if (o->ds) {
        c5_wdset_free(f, o->ds);
        c5_free(f, o->ds);
    }
    c5_free(f, o);
}

void c5_wobj_touch(c5_file *f, c5_wobj *o)
{
    o->dirty = 1;
    f->w->dirty = 1;
}

c5_wmsg *c5_wobj_find_msg(c5_wobj *o, uint16_t type)
{
    for (size_t i = 0; i < o->msgs.n; i++) {
        c5_wmsg *m = (c5_wmsg *)o->msgs.v + i;
        if (m->type == type)
            return m;
    }
    return NULL;
}

int c5_wobj_add_msg(c5_file *f, c5_wobj *o, uint16_t type, uint8_t flags, const void *data,
                    size_t size)
{
    if (size > 65535)
        return c5_fail(f, C5_ELIMIT, o->addr,
                       "object header message of %zu bytes (at most 65535)", size);
    c5_wmsg m = {type, flags, 0, size, c5_malloc(f, size ? size : 1)};
    if (!m.data)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    if (size)
        memcpy(m.data, data, size);
    int rc = c5_vec_push(f, &o->msgs, &m);
    if (rc) {
        c5_free(f, m.data);
        return rc;
    }
    c5_wobj_touch(f, o);
    return 0;
}

int c5_wobj_set_msg(c5_file *f, c5_wobj *o, uint16_t type, uint8_t flags, const void *data,
                    size_t size)
{
    c5_wmsg *m = c5_wobj_find_msg(o, type);
    if (!m)
        return c5_wobj_add_msg(f, o, type, flags, data, size);
    if (size > 65535)
        return c5_fail(f, C5_ELIMIT, o->addr,
                       "object header message of %zu bytes (at most 65535)", size);
    uint8_t *nd = c5_malloc(f, size ? size : 1);
    if (!nd)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    if (size)
        memcpy(nd, data, size);
    c5_free(f, m->data);
    m->data = nd;
    m->size = size;
    m->flags = flags;
    c5_wobj_touch(f, o);
    return 0;
}

void c5_wobj_del_msg(c5_file *f, c5_wobj *o, uint16_t type)
{
    c5_wmsg *v = o->msgs.v;
    size_t k = 0;
    for (size_t i = 0; i < o->msgs.n; i++) {
        if (v[i].type == type)
            c5_free(f, v[i].data);
        else
            v[k++] = v[i];
    }
    o->msgs.n = k;
}

/* ---- loading an existing object --------------------------------------- */

typedef struct attr_load {
    c5_file *f;
    c5_wobj *o;
} attr_load;

static int load_attr(void *ud, const uint8_t *p, size_t n, uint64_t addr, int64_t corder)
{
    attr_load *al = ud;
    c5_attrmsg am;
    int rc = c5_attrmsg_decode(al->f, p, n, addr, &am);
    if (rc)
        return rc;
    c5_wattr a = {c5_strdup(al->f, am.name), corder, 0, n, c5_malloc(al->f, n ? n : 1)};
    c5_attrmsg_free(al->f, &am);
    if (!a.name || !a.data) {
        c5_free(al->f, a.name);
        c5_free(al->f, a.data);
        return c5_fail(al->f, C5_ENOMEM, addr, "out of memory");
    }
    memcpy(a.data, p, n);
    if ((rc = c5_vec_push(al->f, &al->o->attrs, &a))) {
        c5_free(al->f, a.name);
        c5_free(al->f, a.data);
        return rc;
    }
    if (al->o->attr_track && corder >= al->o->attr_next_corder)
        al->o->attr_next_corder = corder + 1;
    return 0;
}

static int wobj_load(c5_file *f, uint64_t addr, c5_wobj **out)
{
    c5_object *ro;
    int rc = c5_object_new(&ro, f, addr);
    if (rc)
        return rc;
    c5_ohdr *oh = ro->oh;
    c5_wobj *o = c5_calloc(f, 1, sizeof *o);
    if (!o) {
        c5_object_close(ro);
        return c5_fail(f, C5_ENOMEM, addr, "out of memory");
    }
    o->addr = addr;
    o->kind = ro->kind;
    o->version = oh->version;
    o->ohflags = oh->flags;
    o->msgs.esz = sizeof(c5_wmsg);
    o->conts.esz = 2 * sizeof(uint64_t);
    o->links.esz = sizeof(c5_linkrec);
    o->attrs.esz = sizeof(c5_wattr);
    o->refcount = 1;
    o->max_compact = 8;
    o->min_dense = 6;
    o->chunk0_size = oh->extent[1];
    for (size_t i = 1; i < oh->nchunks && !rc; i++)
        rc = c5_vec_push(f, &o->conts, oh->extent + 2 * i);
    if (!rc && oh->version == 1) {
        uint8_t pre[16];
        if (!(rc = c5_read(f, addr, pre, 16, "object header")))
            o->refcount = (int)c5_le(pre + 4, 4);
    } else if (!rc) {
        const uint8_t *p = oh->chunks[0] + 6;
        if (oh->flags & 0x20) {
            memcpy(o->times, p, 16);
            p += 16;
        }
        if (oh->flags & 0x10) {
            o->max_compact = (uint16_t)c5_le(p, 2);
            o->min_dense = (uint16_t)c5_le(p + 2, 2);
        }
    }
    for (size_t i = 0; i < oh->nmsg && !rc; i++) {
        const c5_msg *m = &oh->msg[i];
        c5_mbody b;
        switch (m->type) {
        case C5_MSG_NIL: case C5_MSG_CONT: case C5_MSG_LINK: case C5_MSG_ATTR:
            continue;
        case C5_MSG_REFCOUNT:
            if (m->size >= 5)
                o->refcount = (int)c5_le(m->data + 1, 4);
            continue;
        case C5_MSG_LINFO: {
            c5_linfo li;
            if ((rc = c5_msg_body(f, m, &b)))
                break;
            if (!(rc = c5_linfo_decode(f, &b, &li))) {
                o->track_corder = li.track_corder;
                o->index_corder = li.index_corder;
                o->gstyle = li.fheap != C5_UNDEF ? C5_GSTYLE_DENSE : C5_GSTYLE_COMPACT;
            }
            c5_mbody_free(f, &b);
            break; /* kept: rewritten when the links change */
        }
        case C5_MSG_AINFO: {
            c5_ainfo ai;
            if ((rc = c5_msg_body(f, m, &b)))
                break;
            if (!(rc = c5_ainfo_decode(f, &b, &ai))) {
                o->has_ainfo = 1;
                o->attr_track = ai.track_corder;
                o->attr_index = ai.index_corder;
                o->attr_dense = ai.fheap != C5_UNDEF;
            }
            c5_mbody_free(f, &b);
            break; /* kept: rewritten when the attributes change */
        }
        case C5_MSG_STAB:
            o->gstyle = C5_GSTYLE_STAB;
            if (m->size >= (size_t)f->osz * 2) {
                o->stab_btree = c5_le(m->data, f->osz);
                o->stab_heap = c5_le(m->data + f->osz, f->osz);
            }
            break;
        }
        if (rc)
            break;
        c5_wmsg w = {m->type, m->flags, m->corder, m->size, c5_malloc(f, m->size ? m->size : 1)};
        if (!w.data) {
            rc = c5_fail(f, C5_ENOMEM, addr, "out of memory");
            break;
        }
        memcpy(w.data, m->data, m->size);
        if ((rc = c5_vec_push(f, &o->msgs, &w)))
            c5_free(f, w.data);
    }
    if (!rc && o->kind == C5_OBJ_GROUP) {
        if (o->gstyle == C5_GSTYLE_NONE)
            o->gstyle = C5_GSTYLE_COMPACT;
        if (!(rc = c5_group_load(ro))) {
            /* take the reader's table (sorted by name) */
            o->links = ro->links;
            memset(&ro->links, 0, sizeof ro->links);
            ro->links.esz = sizeof(c5_linkrec);
            for (size_t i = 0; i < o->links.n; i++) {
                c5_linkrec *l = (c5_linkrec *)o->links.v + i;
                if (l->has_corder && l->corder >= o->next_corder)
                    o->next_corder = l->corder + 1;
            }
        }
    }
    if (!rc) {
        attr_load al = {f, o};
        rc = c5_attr_each(ro, load_attr, &al);
    }
    c5_object_close(ro);
    if (rc) {
        wobj_free(f, o);
        return rc;
    }
    *out = o;
    return 0;
}

int c5_wobj_get(c5_file *f, uint64_t addr, c5_wobj **out)
{
    if (!f->writable)
        return c5_fail(f, C5_EINVAL, addr, "file is not open for writing");
    c5_wobj *o = reg_find(f, addr);
    if (!o) {
        int rc = wobj_load(f, addr, &o);
        if (rc)
            return rc;
        if ((rc = reg_add(f, o))) {
            wobj_free(f, o);
            return rc;
        }
    }
    *out = o;
    return 0;
}

/* A new, empty object. With cap > 0 its header gets cap bytes of chunk 0
 * now (c5_wobj_place): its address is its identity from then on. */
int c5_wobj_new(c5_file *f, c5_objkind kind, int version, size_t cap, c5_wobj **out)
{
    c5_wobj *o = c5_calloc(f, 1, sizeof *o);
    if (!o)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "out of memory");
    o->kind = kind;
    o->version = version;
    o->addr = C5_UNDEF;
    o->msgs.esz = sizeof(c5_wmsg);
    o->conts.esz = 2 * sizeof(uint64_t);
    o->links.esz = sizeof(c5_linkrec);
    o->attrs.esz = sizeof(c5_wattr);
    o->refcount = 1;
    o->max_compact = 8;
    o->min_dense = 6;
    o->dirty = 1;
    f->w->dirty = 1;
    int rc = cap ? c5_wobj_place(f, o, cap) : 0;
    if (rc) {
        wobj_free(f, o);
        return rc;
    }
    *out = o;
    return 0;
}

int c5_wobj_place(c5_file *f, c5_wobj *o, size_t cap)
{
    cap = (cap + 7) & ~(size_t)7;
    if (cap < 24)
        cap = 24;
    o->chunk0_size = cap;
    uint64_t total = 16 + cap;
    if (o->version == 2) {
        /* prefix with a chunk-size field wide enough for cap */
        unsigned w = cap < 256 ? 1 : cap < 65536 ? 2 : 4;
        o->ohflags = (uint8_t)((o->ohflags & ~3u) | (w == 1 ? 0 : w == 2 ? 1 : 2));
        total = 6 + (o->ohflags & 0x20 ? 16 : 0) + (o->ohflags & 0x10 ? 4 : 0) + w + cap + 4;
    }
    int rc = c5_space_alloc(f, total, &o->addr);
    if (!rc)
        rc = reg_add(f, o);
    if (rc)
        o->addr = C5_UNDEF;
    return rc;
}

void c5_wobj_discard(c5_file *f, c5_wobj *o)
{
    if (o && o->addr == C5_UNDEF)
        wobj_free(f, o);
}

/* ---- header encoding --------------------------------------------------- */

typedef struct hmsg {
    uint16_t type;
    uint8_t flags;
    uint16_t corder;
    size_t size;
    const uint8_t *data;
} hmsg;

static size_t pfx_len(const c5_wobj *o)
{
    return o->version == 1 ? 8 : (o->ohflags & 0x04) ? 6 : 4;
}

static size_t msg_len(const c5_wobj *o, size_t size)
{
    return o->version == 1 ? 8 + ((size + 7) & ~(size_t)7) : pfx_len(o) + size;
}

static void put_msg(c5_wr *w, const c5_wobj *o, const hmsg *m)
{
    if (o->version == 1) {
        size_t padded = (m->size + 7) & ~(size_t)7;
        c5_wr_u16(w, m->type);
        c5_wr_u16(w, padded);
        c5_wr_u8(w, m->flags);
        c5_wr_zero(w, 3);
        c5_wr_bytes(w, m->data, m->size);
        c5_wr_zero(w, padded - m->size);
    } else {
        c5_wr_u8(w, m->type);
        c5_wr_u16(w, m->size);
        c5_wr_u8(w, m->flags);
        if (o->ohflags & 0x04)
            c5_wr_u16(w, m->corder);
        c5_wr_bytes(w, m->data, m->size);
    }
}

/* Fill `room` bytes with NIL messages (v1: room is a multiple of 8; v2: a
 * gap shorter than a prefix is left as zeros). Returns messages added. */
static int put_pad(c5_wr *w, const c5_wobj *o, size_t room)
{
    size_t pl = pfx_len(o);
    if (room < pl) {
        c5_wr_zero(w, room);
        return 0;
    }
    size_t body = room - pl;
    if (body > 65535) { /* several NIL messages */
        int k = 0;
        while (room >= pl) {
            size_t b = room - pl > 65528 ? 65528 : room - pl;
            k += put_pad(w, o, pl + b);
            room -= pl + b;
        }
        c5_wr_zero(w, room);
        return k;
    }
    if (o->version == 1) {
        c5_wr_u16(w, 0);
        c5_wr_u16(w, body);
        c5_wr_zero(w, 4 + body);
    } else {
        c5_wr_u8(w, 0);
        c5_wr_u16(w, body);
        c5_wr_zero(w, pl - 3 + body);
    }
    return 1;
}

static int write_header(c5_file *f, c5_wobj *o, const hmsg *m, size_t n)
{
    size_t cap = (size_t)o->chunk0_size;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        /* the size field has 16 bits (v1: after padding to 8): refuse
         * rather than write a header that cannot be parsed */
        if (m[i].size > (o->version == 1 ? 65528u : 65535u))
            return c5_fail(f, C5_ELIMIT, o->addr,
                           "object header message of type %u has %zu bytes (at most %u)",
                           (unsigned)m[i].type, m[i].size, o->version == 1 ? 65528u : 65535u);
        total += msg_len(o, m[i].size);
    }
    size_t contlen = msg_len(o, (size_t)f->osz + f->lsz);
    size_t split = n; /* messages [0, split) go to chunk 0 */
    size_t used = 0;
    if (total > cap) {
        split = 0;
        while (split < n && used + msg_len(o, m[split].size) + contlen <= cap)
            used += msg_len(o, m[split++].size);
        if (used + contlen > cap)
            return c5_fail(f, C5_EUNSUPPORTED, o->addr,
                           "object header chunk 0 too small for a continuation message");
    }
    /* the continuation block, built aside first */
    uint64_t caddr = C5_UNDEF, clen = 0;
    int nmsgs = 0;
    c5_wr cw;
    c5_wr_init(&cw, f);
    if (split < n) {
        if (o->version == 2)
            c5_wr_sig(&cw, "OCHK");
        for (size_t i = split; i < n; i++, nmsgs++)
            put_msg(&cw, o, &m[i]);
        if (o->version == 2)
            c5_wr_sum(&cw, 0);
        clen = cw.n;
        int rc = cw.err ? cw.err : c5_space_alloc(f, clen, &caddr);
        if (!rc)
            rc = c5_write(f, caddr, cw.buf, cw.n);
        c5_wr_free(&cw);
        if (rc)
            return rc;
    }
    /* give back the old continuation blocks (after this commit) */
    for (size_t i = 0; i < o->conts.n; i++) {
        uint64_t *e = (uint64_t *)o->conts.v + 2 * i;
        c5_space_free(f, e[0], e[1]);
    }
    o->conts.n = 0;
    if (caddr != C5_UNDEF) {
        uint64_t e[2] = {caddr, clen};
        int rc = c5_vec_push(f, &o->conts, e);
        if (rc)
            return rc;
    }
    c5_wr w;
    c5_wr_init(&w, f);
    size_t start;
    if (o->version == 1) {
        c5_wr_zero(&w, 16);
        start = w.n;
    } else {
        c5_wr_sig(&w, "OHDR");
        c5_wr_u8(&w, 2);
        c5_wr_u8(&w, o->ohflags);
        if (o->ohflags & 0x20)
            c5_wr_bytes(&w, o->times, 16);
        if (o->ohflags & 0x10) {
            c5_wr_u16(&w, o->max_compact);
            c5_wr_u16(&w, o->min_dense);
        }
        c5_wr_uint(&w, cap, 1u << (o->ohflags & 3));
        start = w.n;
    }
    for (size_t i = 0; i < split; i++, nmsgs++)
        put_msg(&w, o, &m[i]);
    if (caddr != C5_UNDEF) {
        uint8_t cb[16];
        c5_put_le(cb, caddr, f->osz);
        c5_put_le(cb + f->osz, clen, f->lsz);
        hmsg cm = {C5_MSG_CONT, 0, 0, (size_t)f->osz + f->lsz, cb};
        put_msg(&w, o, &cm);
        nmsgs++;
    }
    nmsgs += put_pad(&w, o, cap - (w.n - start));
    if (o->version == 1) {
        c5_wr_patch(&w, 0, 1, 1);
        c5_wr_patch(&w, 2, (uint64_t)nmsgs, 2);
        c5_wr_patch(&w, 4, (uint64_t)o->refcount, 4);
        c5_wr_patch(&w, 8, cap, 4);
    } else {
        c5_wr_sum(&w, 0);
    }
    int rc = w.err;
    if (!rc && w.n - start - (o->version == 2 ? 4 : 0) != cap)
        rc = c5_fail(f, C5_EINVAL, o->addr, "object header encoding: size mismatch");
    if (!rc)
        rc = c5_write(f, o->addr, w.buf, w.n);
    c5_wr_free(&w);
    return rc;
}

/* ---- group and attribute storage -------------------------------------- */

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const c5_stab_ent *)a)->name, ((const c5_stab_ent *)b)->name);
}

static bool stab_capable(const c5_linkrec *l)
{
    return (l->type == C5_LINK_HARD || l->type == C5_LINK_SOFT) && l->cset == 0 &&
           !l->has_corder;
}

/* Encode the link messages of a group into `bufs` (one allocation each). */
static int encode_links(c5_file *f, c5_wobj *o, uint8_t ***bufs, size_t **lens)
{
    size_t n = o->links.n;
    *bufs = c5_calloc(f, n ? n : 1, sizeof **bufs);
    *lens = c5_calloc(f, n ? n : 1, sizeof **lens);
    if (!*bufs || !*lens)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    for (size_t i = 0; i < n; i++) {
        c5_wr w;
        c5_wr_init(&w, f);
        int rc = c5_link_encode(&w, (c5_linkrec *)o->links.v + i, o->track_corder);
        if (!rc)
            rc = w.err;
        if (rc) {
            c5_wr_free(&w);
            return rc;
        }
        (*bufs)[i] = c5_wr_take(&w, &(*lens)[i]);
    }
    return 0;
}

static void free_bufs(c5_file *f, uint8_t **bufs, size_t *lens, size_t n)
{
    if (bufs)
        for (size_t i = 0; i < n; i++)
            c5_free(f, bufs[i]);
    c5_free(f, bufs);
    c5_free(f, lens);
}

static int group_flush(c5_file *f, c5_wobj *o)
{
    if (!o->links_dirty)
        return 0;
    size_t n = o->links.n;
    int rc = 0;
    if (o->gstyle == C5_GSTYLE_STAB) {
        for (size_t i = 0; i < n; i++)
            if (!stab_capable((c5_linkrec *)o->links.v + i)) {
                /* libhdf5 turns a symbol-table group into a link-message
                 * group when a link needs what a symbol table cannot hold */
                o->gstyle = C5_GSTYLE_COMPACT;
                c5_wobj_del_msg(f, o, C5_MSG_STAB);
                if (!c5_wobj_find_msg(o, C5_MSG_GINFO)) {
                    c5_wr w;
                    c5_wr_init(&w, f);
                    c5_ginfo_encode(&w);
                    rc = w.err ? w.err : c5_wobj_add_msg(f, o, C5_MSG_GINFO, 0, w.buf, w.n);
                    c5_wr_free(&w);
                    if (rc)
                        return rc;
                }
                break;
            }
    }
    if (o->gstyle == C5_GSTYLE_STAB) {
        c5_stab_ent *e = c5_calloc(f, n ? n : 1, sizeof *e);
        if (!e)
            return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const c5_linkrec *l = (c5_linkrec *)o->links.v + i;
            e[i].name = l->name;
            e[i].addr = l->type == C5_LINK_HARD ? l->addr : C5_UNDEF;
            e[i].soft = l->type == C5_LINK_SOFT ? l->target : NULL;
            /* no cached symbol table for child groups: their storage may
             * move later in this very flush, and readers do not need it */
        }
        qsort(e, n, sizeof *e, cmp_ent);
        uint64_t bt, hp;
        rc = c5_stab_write(f, e, n, &bt, &hp);
        c5_free(f, e);
        if (rc)
            return rc;
        o->stab_btree = bt;
        o->stab_heap = hp;
        c5_wr w;
        c5_wr_init(&w, f);
        c5_stab_msg_encode(&w, bt, hp);
        rc = w.err ? w.err : c5_wobj_set_msg(f, o, C5_MSG_STAB, 0, w.buf, w.n);
        c5_wr_free(&w);
        o->links_dirty = 0;
        return rc;
    }
    /* link messages: compact up to max_compact links, dense above (only
     * where the header can say so: v2 headers or link-info groups). A
     * link message too large for an object header message (its size
     * field has 16 bits; v1 headers also pad it to 8) forces dense
     * storage, as in libhdf5 (H5G_obj_insert, H5G__obj_remove_update). */
    uint8_t **bufs = NULL;
    size_t *lens = NULL;
    int big = 0;
    if ((rc = encode_links(f, o, &bufs, &lens))) {
        free_bufs(f, bufs, lens, n);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (lens[i] > (o->version == 1 ? 65528u : 65535u))
            big = 1;
    if (o->gstyle == C5_GSTYLE_COMPACT && (n > 8 || big))
        o->gstyle = C5_GSTYLE_DENSE;
    else if (o->gstyle == C5_GSTYLE_DENSE && n < 6 && !big)
        o->gstyle = C5_GSTYLE_COMPACT;
    c5_linfo li = {o->track_corder, o->index_corder, C5_UNDEF, C5_UNDEF, C5_UNDEF};
    if (o->gstyle == C5_GSTYLE_DENSE) {
        c5_dense_rec *r = c5_calloc(f, n, sizeof *r);
        if (!r)
            rc = c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            const c5_linkrec *l = (c5_linkrec *)o->links.v + i;
            r[i].name = l->name;
            r[i].msg = bufs[i];
            r[i].len = lens[i];
            r[i].corder = l->corder;
        }
        if (!rc)
            rc = c5_dense_links_write(f, r, n, o->index_corder, &li.fheap, &li.name_bt2,
                                      &li.corder_bt2);
        c5_free(f, r);
    }
    free_bufs(f, bufs, lens, n);
    if (rc)
        return rc;
    c5_wr w;
    c5_wr_init(&w, f);
    c5_linfo_encode_v(&w, &li, o->next_corder);
    rc = w.err ? w.err : c5_wobj_set_msg(f, o, C5_MSG_LINFO, 0, w.buf, w.n);
    c5_wr_free(&w);
    o->links_dirty = 0;
    return rc;
}

static int attrs_flush(c5_file *f, c5_wobj *o)
{
    if (!o->attrs_dirty)
        return 0;
    size_t n = o->attrs.n;
    int big = 0; /* a message over 64 KiB fits only dense storage */
    for (size_t i = 0; i < n; i++)
        if (((c5_wattr *)o->attrs.v)[i].size > (o->version == 1 ? 65528u : 65535u))
            big = 1;
    if (big && o->version == 1) {
        /* Only a version 2 header can point at dense attribute storage
         * (libhdf5 copies such objects the same way into files of the
         * compatible format). A v2 prefix of the same chunk 0 size fits
         * in the v1 header's space: 6 + width + 4 <= 16. */
        uint64_t cap = o->chunk0_size;
        o->version = 2;
        o->ohflags = (uint8_t)(cap < 256 ? 0 : cap < 65536 ? 1 : 2);
        o->has_ainfo = 1;
    }
    o->attr_dense = o->version == 2 &&
                    (big || n > o->max_compact || (o->attr_dense && n >= o->min_dense));
    c5_ainfo ai = {o->attr_track, o->attr_index, C5_UNDEF, C5_UNDEF, C5_UNDEF};
    int rc = 0;
    if (o->attr_dense) {
        c5_dense_rec *r = c5_calloc(f, n, sizeof *r);
        if (!r)
            return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const c5_wattr *a = (c5_wattr *)o->attrs.v + i;
            r[i].name = a->name;
            r[i].msg = a->data;
            r[i].len = a->size;
            r[i].corder = a->corder;
            r[i].msgflags = a->msgflags;
        }
        rc = c5_dense_attrs_write(f, r, n, o->attr_index, &ai.fheap, &ai.name_bt2,
                                  &ai.corder_bt2);
        c5_free(f, r);
        if (rc)
            return rc;
    }
    if (o->attr_dense || o->has_ainfo || o->attr_track) {
        o->has_ainfo = 1;
        c5_wr w;
        c5_wr_init(&w, f);
        c5_ainfo_encode_v(&w, &ai,
                          (unsigned)o->attr_next_corder);
        rc = w.err ? w.err : c5_wobj_set_msg(f, o, C5_MSG_AINFO, 0, w.buf, w.n);
        c5_wr_free(&w);
    }
    o->attrs_dirty = 0;
    return rc;
}

/* Compose the header's messages and write it. */
static int obj_write(c5_file *f, c5_wobj *o)
{
    size_t cap = o->msgs.n + o->links.n + o->attrs.n + 2;
    hmsg *m = c5_calloc(f, cap, sizeof *m);
    if (!m)
        return c5_fail(f, C5_ENOMEM, o->addr, "out of memory");
    size_t n = 0;
    uint8_t **lb = NULL;
    size_t *ll = NULL;
    int rc = 0;
    uint8_t rcbuf[5];
    for (size_t i = 0; i < o->msgs.n; i++) {
        const c5_wmsg *w = (c5_wmsg *)o->msgs.v + i;
        m[n++] = (hmsg){w->type, w->flags, w->corder, w->size, w->data};
    }
    if (o->version == 2 && o->refcount > 1) {
        rcbuf[0] = 0;
        c5_put_le(rcbuf + 1, (uint64_t)o->refcount, 4);
        m[n++] = (hmsg){C5_MSG_REFCOUNT, 0, 0, 5, rcbuf};
    }
    if (o->kind == C5_OBJ_GROUP && o->gstyle == C5_GSTYLE_COMPACT) {
        if ((rc = encode_links(f, o, &lb, &ll)))
            goto out;
        for (size_t i = 0; i < o->links.n; i++)
            m[n++] = (hmsg){C5_MSG_LINK, 0, 0, ll[i], lb[i]};
    }
    if (!o->attr_dense)
        for (size_t i = 0; i < o->attrs.n; i++) {
            const c5_wattr *a = (c5_wattr *)o->attrs.v + i;
            if (a->size > 65535) {
                rc = c5_fail(f, C5_ELIMIT, o->addr,
                             "attribute \"%s\" of %zu bytes does not fit an object header "
                             "(at most 65535 bytes; use the latest format for dense storage)",
                             a->name, a->size);
                goto out;
            }
            m[n++] = (hmsg){C5_MSG_ATTR, a->msgflags, (uint16_t)a->corder, a->size, a->data};
        }
    rc = write_header(f, o, m, n);
out:
    free_bufs(f, lb, ll, o->kind == C5_OBJ_GROUP ? o->links.n : 0);
    c5_free(f, m);
    return rc;
}

/* ---- the superblock ----------------------------------------------------- */

static const uint8_t SIG[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

/* Build the superblock of a new file (patched at each flush). */
static int sb_create(c5_file *f)
{
    c5_wr w;
    c5_wr_init(&w, f);
    c5_wr_bytes(&w, SIG, 8);
    if (f->sb_version == 0) {
        c5_wr_u8(&w, 0);
        c5_wr_u8(&w, 0); /* free-space version */
        c5_wr_u8(&w, 0); /* root group symbol table entry version */
        c5_wr_u8(&w, 0);
        c5_wr_u8(&w, 0); /* shared header message format version */
        c5_wr_u8(&w, f->osz);
        c5_wr_u8(&w, f->lsz);
        c5_wr_u8(&w, 0);
        c5_wr_u16(&w, f->sym_leaf_k);
        c5_wr_u16(&w, f->btree_k);
        c5_wr_u32(&w, 0);
        c5_wr_addr(&w, f->base); /* base address: absolute */
        c5_wr_addr(&w, C5_UNDEF);
        c5_wr_addr(&w, 0);       /* end of file: patched */
        c5_wr_addr(&w, C5_UNDEF);
        /* root group symbol table entry */
        c5_wr_addr(&w, 0);
        c5_wr_addr(&w, f->root_addr);
        c5_wr_u32(&w, 0);        /* cache type: patched */
        c5_wr_u32(&w, 0);
        c5_wr_zero(&w, 16);
    } else {
        c5_wr_u8(&w, 3);
        c5_wr_u8(&w, f->osz);
        c5_wr_u8(&w, f->lsz);
        c5_wr_u8(&w, 0);
        c5_wr_addr(&w, f->base);
        c5_wr_addr(&w, C5_UNDEF);
        c5_wr_addr(&w, 0);
        c5_wr_addr(&w, f->root_addr);
        c5_wr_u32(&w, 0);
    }
    if (w.err)
        return w.err;
    f->w->sb = c5_wr_take(&w, &f->w->sb_len);
    return f->w->sb ? 0 : C5_ENOMEM;
}

/* Keep the superblock as read, to patch and rewrite. */
static int sb_load(c5_file *f)
{
    size_t len;
    switch (f->sb_version) {
    case 0: len = 24 + 4 * (size_t)f->osz + 2 * (size_t)f->osz + 24; break;
    case 1: len = 28 + 4 * (size_t)f->osz + 2 * (size_t)f->osz + 24; break;
    default: len = 12 + 4 * (size_t)f->osz + 4; break;
    }
    uint8_t *b = c5_malloc(f, len);
    if (!b)
        return C5_ENOMEM;
    if (f->io.read_at(f->io.ctx, f->base, b, len) < 0) {
        c5_free(f, b);
        return c5_fail(f, C5_EIO, 0, "cannot read superblock");
    }
    f->w->sb = b;
    f->w->sb_len = len;
    return 0;
}

static int sb_write(c5_file *f)
{
    uint8_t *b = f->w->sb;
    unsigned O = f->osz;
    uint64_t eof = f->base + f->eoa;
    if (f->sb_version <= 1) {
        size_t at = f->sb_version == 0 ? 24 : 28;
        c5_put_le(b + at + 2 * O, eof, O);
        size_t ent = at + 4 * O;
        c5_put_le(b + ent + O, f->root_addr, O);
        c5_wobj *r = reg_find(f, f->root_addr);
        if (r && r->gstyle == C5_GSTYLE_STAB && r->stab_btree) {
            c5_put_le(b + ent + 2 * O, 1, 4);
            c5_put_le(b + ent + 2 * O + 8, r->stab_btree, O);
            c5_put_le(b + ent + 3 * O + 8, r->stab_heap, O);
        } else if (r && r->gstyle != C5_GSTYLE_STAB) {
            c5_put_le(b + ent + 2 * O, 0, 4);
            memset(b + ent + 2 * O + 8, 0, 16);
        }
    } else {
        b[11] = 0; /* consistency flags: closed cleanly */
        c5_put_le(b + 12 + 2 * O, eof, O);
        c5_put_le(b + 12 + 3 * O, f->root_addr, O);
        c5_put_le(b + 12 + 4 * O, c5_lookup3(b, 12 + 4 * O, 0), 4);
    }
    if (f->io.write_at(f->io.ctx, f->base, b, f->w->sb_len) < 0)
        return c5_fail(f, C5_EIO, 0, "superblock write failed");
    f->eof_addr = eof;
    return 0;
}

/* ---- flush -------------------------------------------------------------- */

/* After a flush, objects with nothing pending are dropped from memory
 * (they load again from the file when next changed), so a writer that
 * flushes now and then holds only what changed since. */
static void evict_clean(c5_file *f)
{
    struct c5_wstate *w = f->w;
    c5_wobj **keep = w->nobj ? c5_malloc(f, w->nobj * sizeof *keep) : NULL;
    if (!keep)
        return; /* nothing to do, or no memory: keep everything */
    size_t n = 0;
    for (size_t i = 0; i < w->cap; i++) {
        c5_wobj *o = w->obj[i];
        if (!o)
            continue;
        w->obj[i] = NULL;
        bool busy = o->dirty || o->links_dirty || o->attrs_dirty ||
                    (o->ds && (o->ds->dirty || o->ds->npending));
        if (busy)
            keep[n++] = o;
        else
            wobj_free(f, o);
    }
    w->nobj = 0;
    for (size_t i = 0; i < n; i++)
        reg_add(f, keep[i]); /* fits: the table held them all before */
    c5_free(f, keep);
}

static int flush(c5_file *f)
{
    struct c5_wstate *w = f->w;
    int rc = 0;
    /* 1. raw data and chunk indexes (datasets set their layout messages) */
    for (size_t i = 0; i < w->cap && !rc; i++) {
        c5_wobj *o = w->obj[i];
        if (o && o->ds && (o->dirty || o->ds->dirty || o->ds->npending))
            rc = c5_wdset_flush(f, o);
    }
    /* 2. variable-length data */
    if (!rc)
        rc = c5_gheap_flush(f);
    /* 3. structures built aside, then headers (children before parents
     * does not matter: every structure is complete before it is named) */
    for (size_t i = 0; i < w->cap && !rc; i++) {
        c5_wobj *o = w->obj[i];
        if (o && o->kind == C5_OBJ_GROUP && o->links_dirty)
            rc = group_flush(f, o);
    }
    for (size_t i = 0; i < w->cap && !rc; i++) {
        c5_wobj *o = w->obj[i];
        if (o && o->attrs_dirty)
            rc = attrs_flush(f, o);
    }
    for (size_t i = 0; i < w->cap && !rc; i++) {
        c5_wobj *o = w->obj[i];
        if (o && o->dirty) {
            if (!(rc = obj_write(f, o)))
                o->dirty = 0;
        }
    }
    /* 4. the file reaches the allocation end (space allocated but never
     * written, like unused array pages, must exist: libhdf5 refuses a file
     * shorter than its end-of-file address), then the superblock last,
     * behind barriers when durable */
    if (!rc && f->phys_size < f->base + f->eoa) {
        if (!f->io.truncate || f->io.truncate(f->io.ctx, f->base + f->eoa) < 0) {
            uint8_t z = 0;
            rc = c5_write(f, f->eoa - 1, &z, 1);
        } else {
            f->phys_size = f->base + f->eoa;
        }
    }
    if (!rc && f->opts.durable && f->io.sync && f->io.sync(f->io.ctx) < 0)
        rc = c5_fail(f, C5_EIO, C5_UNDEF, "fsync failed");
    if (!rc)
        rc = sb_write(f);
    if (!rc && f->opts.durable && f->io.sync && f->io.sync(f->io.ctx) < 0)
        rc = c5_fail(f, C5_EIO, C5_UNDEF, "fsync failed");
    if (!rc) {
        w->dirty = 0;
        w->gen++;
        evict_clean(f);
        if (f->ccache) { /* rewritten chunks: drop decoded copies */
            uint64_t b = f->opts.chunk_cache_bytes ? f->opts.chunk_cache_bytes : 64ull << 20;
            c5_ccache_set_budget(f, f->ccache, 0);
            c5_ccache_set_budget(f, f->ccache, b);
        }
    }
    return rc;
}

int c5_w_sync(c5_file *f)
{
    if (!f->writable || !f->w || !f->w->dirty)
        return 0;
    return flush(f);
}

int c5_file_flush(c5_file *f)
{
    if (!f)
        return C5_EINVAL;
    if (!f->writable)
        return 0;
    int rc = flush(f);
    if (!rc && f->io.sync && f->io.sync(f->io.ctx) < 0)
        rc = c5_fail(f, C5_EIO, C5_UNDEF, "fsync failed");
    return rc;
}

/* Called by the last release of a writable file. */
int c5_w_close(c5_file *f)
{
    if (!f->writable || !f->w)
        return 0;
    int rc = f->w->dirty ? flush(f) : 0;
    if (!rc && f->io.truncate) {
        uint64_t end = f->base + f->eoa;
        if (f->phys_size != end && f->io.truncate(f->io.ctx, end) < 0)
            rc = c5_fail(f, C5_EIO, C5_UNDEF, "truncate failed");
        else
            f->phys_size = end;
    }
    return rc;
}

void c5_w_free(c5_file *f)
{
    struct c5_wstate *w = f->w;
    if (!w)
        return;
    c5_gheap_wfree(f);
    for (size_t i = 0; i < w->cap; i++)
        wobj_free(f, w->obj[i]);
    c5_free(f, w->obj);
    c5_free(f, w->sb);
    c5_free(f, w->namebuf);
    c5_free(f, w);
    f->w = NULL;
}

/* ---- opening for writing ---------------------------------------------- */

static int make_writable(c5_file *f)
{
    if (f->mdci)
        return c5_fail(f, C5_EUNSUPPORTED, C5_UNDEF,
                       "files with a metadata cache image cannot be opened for writing");
    f->w = c5_calloc(f, 1, sizeof *f->w);
    if (!f->w)
        return C5_ENOMEM;
    f->writable = 1;
    f->format = f->sb_version >= 2 ? C5_FORMAT_LATEST : C5_FORMAT_COMPATIBLE;
    if (f->opts.size >= offsetof(c5_open_opts, format) + sizeof(int) && f->opts.format)
        f->format = f->opts.format;
    /* allocate past both the recorded end and the physical end */
    uint64_t rel = f->eof_addr >= f->base ? f->eof_addr - f->base : f->eof_addr;
    uint64_t phys = f->phys_size > f->base ? f->phys_size - f->base : 0;
    f->eoa = rel > phys ? rel : phys;
    return sb_load(f);
}

int c5_file_open_common(c5_file **out, const c5_io *io, const c5_open_opts *opts,
                        const char *path, int create);

static int create_file(c5_file **out, const char *path, int oflags, const c5_open_opts *opts)
{
    uint64_t ub = opts && opts->size >= offsetof(c5_open_opts, userblock) + 8 ? opts->userblock : 0;
    if (ub && (ub < 512 || (ub & (ub - 1))))
        return C5_EINVAL;
    c5_io io;
    int rc = io_open_rw(&io, path, O_CREAT | oflags);
    if (rc)
        return rc;
    c5_file *f;
    if ((rc = c5_file_open_common(&f, &io, opts, path, 1)))
        return rc;
    f->w = c5_calloc(f, 1, sizeof *f->w);
    if (!f->w) {
        c5_file_close(f);
        return C5_ENOMEM;
    }
    f->writable = 1;
    f->format = opts && opts->size >= offsetof(c5_open_opts, format) + sizeof(int)
                    ? opts->format : C5_FORMAT_COMPATIBLE;
    f->osz = f->lsz = 8;
    f->sb_version = f->format == C5_FORMAT_LATEST ? 3 : 0;
    f->sym_leaf_k = 4;
    f->btree_k = 16;
    f->chunk_k = 32;
    f->base = ub;
    f->ext_addr = C5_UNDEF;
    f->eoa = f->sb_version == 0 ? 96 : 48;
    if (ub && (rc = c5_write(f, 0, "", 0)) == 0) {
        /* the user block is the caller's: zeros until they write it */
        uint8_t *z = c5_calloc(f, 1, (size_t)ub);
        if (!z)
            rc = C5_ENOMEM;
        else if (f->io.write_at(f->io.ctx, 0, z, (size_t)ub) < 0)
            rc = C5_EIO;
        c5_free(f, z);
    }
    c5_wobj *root = NULL;
    unsigned rflags = opts && opts->size >= offsetof(c5_open_opts, root_flags) + sizeof(unsigned)
                          ? opts->root_flags : 0;
    if (!rc)
        rc = c5_wgroup_new(f, rflags & C5_CREATE_TRACK_ORDER, &root);
    if (!rc) {
        f->root_addr = root->addr;
        rc = sb_create(f);
    }
    if (!rc)
        rc = flush(f);
    if (rc) {
        c5_file_close(f);
        return rc;
    }
    *out = f;
    return 0;
}

int c5_file_open_mode(c5_file **out, const char *path, const char *mode,
                      const c5_open_opts *opts)
{
    if (!out || !path || !mode)
        return C5_EINVAL;
    *out = NULL;
    if (!strcmp(mode, "r"))
        return c5_file_open(out, path, opts);
    if (!strcmp(mode, "w"))
        return create_file(out, path, O_TRUNC, opts);
    if (!strcmp(mode, "w-") || !strcmp(mode, "x"))
        return create_file(out, path, O_EXCL, opts);
    if (strcmp(mode, "r+") && strcmp(mode, "a"))
        return C5_EINVAL;
    c5_io io;
    int rc = io_open_rw(&io, path, 0);
    if (rc == C5_ENOTFOUND && !strcmp(mode, "a"))
        return create_file(out, path, O_EXCL, opts);
    if (rc)
        return rc;
    c5_file *f;
    if ((rc = c5_file_open_common(&f, &io, opts, path, 0)))
        return rc;
    if ((rc = make_writable(f))) {
        c5_file_close(f);
        return rc;
    }
    *out = f;
    return 0;
}
