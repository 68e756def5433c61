/* Attributes: compact (attribute messages in the object header) and dense
 * (fractal heap + v2 B-tree name index named by the attribute info
 * message). */
#include "object.h"
#include "btree/btree2.h"
#include "format/fheap.h"

struct c5_attr {
    c5_file *f;
    uint8_t *bytes; /* owned copy of the message body */
    c5_attrmsg msg;
};

/* Visitor over attribute message bodies; the bytes are valid during the
 * call only, so a visitor copies what it keeps. */
typedef c5_attr_visit attr_visit;

typedef struct dense_ctx {
    c5_file *f;
    c5_fheap *heap;
    attr_visit fn;
    void *ud;
} dense_ctx;

/* Name-index records (type 8): 8 heap ID, 1 message flags, 4 creation
 * order, 4 name hash. With the shared flag (0x02) the ID names the message
 * in the file's shared-message heap, not in the object's attribute heap:
 * resolve it as a version 3 shared-message reference of type 1 (heap). */
static int dense_rec(void *ud, const uint8_t *rec, size_t len)
{
    dense_ctx *c = ud;
    if (len < 17)
        return c5_fail(c->f, C5_ECORRUPT, C5_UNDEF, "attribute name index: record too short");
    int64_t corder = (int64_t)c5_le(rec + 9, 4);
    int rc;
    if (rec[8] & 0x02) {
        uint8_t ref[10] = {3, 1};
        memcpy(ref + 2, rec, 8);
        c5_mbody b;
        if ((rc = c5_shared_resolve(c->f, C5_MSG_ATTR, ref, sizeof ref, C5_UNDEF, 0, &b)))
            return rc;
        rc = c->fn(c->ud, b.p, b.n, b.addr, corder);
        c5_mbody_free(c->f, &b);
        return rc;
    }
    uint8_t *obj;
    size_t n;
    if ((rc = c5_fheap_read(c->heap, rec, 8, &obj, &n)))
        return rc;
    rc = c->fn(c->ud, obj, n, C5_UNDEF, corder);
    c5_free(c->f, obj);
    return rc;
}

int c5_attr_each(c5_object *o, attr_visit fn, void *ud)
{
    c5_file *f = o->f;
    int rc = 0;
    int64_t seq = 0;
    for (size_t i = 0; i < o->oh->nmsg && !rc; i++) {
        const c5_msg *m = &o->oh->msg[i];
        if (m->type != C5_MSG_ATTR)
            continue;
        c5_mbody b;
        if ((rc = c5_msg_body(f, m, &b)))
            break;
        /* a v2 header that tracks attribute creation order stores it in
         * each message's prefix; otherwise header order is creation order */
        int64_t co = o->oh->version == 2 && (o->oh->flags & 0x04) ? (int64_t)m->corder : seq;
        seq++;
        rc = fn(ud, b.p, b.n, b.addr, co);
        c5_mbody_free(f, &b);
    }
    size_t pos = 0;
    c5_mbody b;
    if (!rc && c5_ohdr_find(f, o->oh, C5_MSG_AINFO, &pos, &b) == 0) {
        c5_ainfo ai;
        rc = c5_ainfo_decode(f, &b, &ai);
        c5_mbody_free(f, &b);
        if (!rc && ai.fheap != C5_UNDEF && ai.name_bt2 != C5_UNDEF) {
            dense_ctx c = {f, NULL, fn, ud};
            if (!(rc = c5_fheap_open(f, ai.fheap, &c.heap))) {
                rc = c5_bt2_iterate(f, ai.name_bt2, NULL, dense_rec, &c);
                c5_fheap_close(c.heap);
            }
        }
    }
    return rc;
}

typedef struct name_ent {
    char *name;
    int64_t corder;
} name_ent;

typedef struct names_ctx {
    c5_file *f;
    c5_vec v;
} names_ctx;

static int collect_name(void *ud, const uint8_t *p, size_t n, uint64_t addr, int64_t corder)
{
    names_ctx *c = ud;
    c5_attrmsg a;
    int rc = c5_attrmsg_decode(c->f, p, n, addr, &a);
    if (rc)
        return rc;
    name_ent e = {a.name, corder};
    a.name = NULL;
    c5_attrmsg_free(c->f, &a);
    rc = c5_vec_push(c->f, &c->v, &e);
    if (rc)
        c5_free(c->f, e.name);
    return rc;
}

static int cmp_corder(const void *a, const void *b)
{
    const name_ent *x = a, *y = b;
    return x->corder < y->corder ? -1 : x->corder > y->corder;
}

int c5_attr_iterate(c5_object *o, c5_attr_cb cb, void *ud)
{
    if (!o || !cb)
        return C5_EINVAL;
    int src = c5_object_sync(o);
    if (src)
        return src;
    names_ctx c = {o->f, {.esz = sizeof(name_ent)}};
    int rc = c5_attr_each(o, collect_name, &c);
    name_ent *v = c.v.v;
    if (!rc && c.v.n > 1)
        qsort(v, c.v.n, sizeof *v, cmp_corder);
    for (size_t i = 0; i < c.v.n; i++) {
        if (!rc)
            rc = cb(ud, v[i].name);
        c5_free(o->f, v[i].name);
    }
    c5_vec_free(o->f, &c.v);
    return rc;
}

typedef struct find_ctx {
    c5_file *f;
    const char *name;
    c5_attr *found;
} find_ctx;

static int find_attr(void *ud, const uint8_t *p, size_t n, uint64_t addr, int64_t corder)
{
    find_ctx *c = ud;
    (void)corder;
    c5_attrmsg a;
    int rc = c5_attrmsg_decode(c->f, p, n, addr, &a);
    if (rc)
        return rc;
    int match = strcmp(a.name, c->name) == 0;
    c5_attrmsg_free(c->f, &a);
    if (!match)
        return 0;
    c5_attr *at = c5_calloc(c->f, 1, sizeof *at);
    if (!at)
        return c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "out of memory");
    at->f = c->f;
    at->bytes = c5_malloc(c->f, n);
    if (!at->bytes) {
        c5_free(c->f, at);
        return c5_fail(c->f, C5_ENOMEM, C5_UNDEF, "out of memory");
    }
    memcpy(at->bytes, p, n);
    if ((rc = c5_attrmsg_decode(c->f, at->bytes, n, addr, &at->msg))) {
        c5_free(c->f, at->bytes);
        c5_free(c->f, at);
        return rc;
    }
    c->found = at;
    return 1;
}

int c5_attr_open(c5_attr **out, c5_object *o, const char *name)
{
    if (!out || !o || !name)
        return C5_EINVAL;
    *out = NULL;
    int src = c5_object_sync(o);
    if (src)
        return src;
    find_ctx c = {o->f, name, NULL};
    int rc = c5_attr_each(o, find_attr, &c);
    if (rc < 0)
        return rc;
    if (!c.found)
        return c5_fail(o->f, C5_ENOTFOUND, o->addr, "no attribute \"%s\"", name);
    c5_file_retain(o->f);
    *out = c.found;
    return 0;
}

void c5_attr_close(c5_attr *a)
{
    if (!a)
        return;
    c5_file *f = a->f;
    c5_attrmsg_free(f, &a->msg);
    c5_free(f, a->bytes);
    c5_free(f, a);
    c5_file_release(f);
}

int c5_attr_space(c5_space *out, c5_attr *a)
{
    if (!out || !a)
        return C5_EINVAL;
    *out = a->msg.space;
    return 0;
}

int c5_attr_type(c5_type **out, c5_attr *a)
{
    if (!out || !a)
        return C5_EINVAL;
    *out = c5_type_dup(a->msg.type);
    return *out ? 0 : C5_ENOMEM;
}

int c5_attr_read(c5_attr *a, const c5_type *mem, void *buf, size_t cap)
{
    if (!a)
        return C5_EINVAL;
    const c5_space *sp = &a->msg.space;
    uint64_t n = 1;
    if (sp->cls == C5_SPACE_NULL)
        n = 0;
    for (int i = 0; i < sp->rank; i++)
        if (c5_mul_ovf(n, sp->dims[i], &n))
            return c5_fail(a->f, C5_ECORRUPT, C5_UNDEF, "attribute size overflows");
    size_t esz = a->msg.type->size;
    size_t msz = mem ? c5_type_mem_size(mem) : esz;
    uint64_t need, have;
    if (c5_mul_ovf(n, msz, &need) || need > cap)
        return c5_fail(a->f, C5_ERANGE, C5_UNDEF, "buffer too small for attribute \"%s\"",
                       a->msg.name);
    if (c5_mul_ovf(n, esz, &have) || have > a->msg.data_size)
        return c5_fail(a->f, C5_ECORRUPT, C5_UNDEF, "attribute \"%s\": data shorter than its "
                       "dataspace", a->msg.name);
    if (n == 0)
        return 0;
    if (!mem) {
        memcpy(buf, a->msg.data, (size_t)have);
        return 0;
    }
    return c5_convert(a->f, a->msg.type, mem, a->msg.data, buf, (size_t)n);
}
