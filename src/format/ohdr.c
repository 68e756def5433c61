/* Object headers (spec IV.A.1) and shared messages (IV.A.2, "Shared
 * Message"; III.H "Shared Object Header Message Table").
 *
 * Version 1 prefix (16 bytes, messages 8-byte aligned):
 *   0 1 version (1)   1 1 reserved   2 2 number of messages
 *   4 4 object reference count       8 4 object header size   12 4 pad
 *   message: 2 type, 2 size, 1 flags, 3 reserved, body (size bytes)
 * Version 2 prefix:
 *   0 4 "OHDR"  4 1 version (2)  5 1 flags
 *   [16 access/modification/change/birth times if flags & 0x20]
 *   [2 max compact + 2 min dense attributes if flags & 0x10]
 *   1/2/4/8 size of chunk 0 (width 1 << (flags & 3))
 *   messages: 1 type, 2 size, 1 flags, [2 creation order if flags & 4], body
 *   gap (< one message prefix), 4 checksum
 * Continuation chunks ("OCHK" + messages + checksum in v2) are named by
 * continuation messages (0x10: address O, length L).
 */
#include "format.h"
#include "fheap.h"

static int add_msg(c5_file *f, c5_vec *v, uint16_t type, uint8_t flags, size_t size,
                   const uint8_t *data, uint64_t addr, uint16_t corder)
{
    c5_msg m = {type, flags, size, data, addr, corder};
    if (v->n > 1000000)
        return c5_fail(f, C5_ELIMIT, addr, "object header: too many messages");
    return c5_vec_push(f, v, &m);
}

/* Parse messages of one chunk; push continuation targets onto conts. */
static int parse_chunk(c5_file *f, c5_ohdr *oh, c5_vec *msgs, c5_vec *conts, const uint8_t *buf,
                       size_t n, uint64_t addr)
{
    c5_rd r;
    c5_rd_init(&r, f, buf, n, addr, "object header message");
    size_t pfx = oh->version == 1 ? 8 : (oh->flags & 0x04) ? 6 : 4;
    while (c5_rd_left(&r) >= pfx) {
        uint16_t type, corder = 0;
        size_t size;
        uint8_t flags;
        if (oh->version == 1) {
            type = c5_rd_u16(&r);
            size = c5_rd_u16(&r);
            flags = c5_rd_u8(&r);
            c5_rd_skip(&r, 3);
        } else {
            type = c5_rd_u8(&r);
            size = c5_rd_u16(&r);
            flags = c5_rd_u8(&r);
            if (oh->flags & 0x04)
                corder = c5_rd_u16(&r);
        }
        uint64_t maddr = c5_rd_pos(&r);
        if (size > c5_rd_left(&r))
            return c5_fail(f, C5_ECORRUPT, maddr,
                           "object header %llu: message type %u size %zu overruns its chunk",
                           (unsigned long long)oh->addr, type, size);
        const uint8_t *body = c5_rd_bytes(&r, size);
        if (r.err)
            return r.err;
        /* Flag 0x08 (fail if unknown when writing) does not concern readers;
         * 0x80 (always fail if unknown) does. The bogus message (9) exists
         * only in libhdf5 debug builds, so libhdf5 treats it as unknown. */
        if ((flags & 0x80) && (type > C5_MSG_MDCI || type == C5_MSG_BOGUS))
            return c5_fail(f, C5_EUNSUPPORTED, maddr,
                           "object header %llu: unknown message type %u marked fail-if-unknown",
                           (unsigned long long)oh->addr, type);
        if (type == C5_MSG_CONT) {
            c5_rd s;
            c5_rd_init(&s, f, body, size, maddr, "continuation message");
            uint64_t ca[2];
            ca[0] = c5_rd_addr(&s);
            ca[1] = c5_rd_len(&s);
            if (s.err)
                return s.err;
            int rc = c5_vec_push(f, conts, ca);
            if (rc)
                return rc;
        }
        if (type == C5_MSG_REFCOUNT && (oh->version == 1 || size < 5 || body[0] != 0))
            return c5_fail(f, C5_ECORRUPT, maddr,
                           "object header %llu: invalid reference count message",
                           (unsigned long long)oh->addr);
        int rc = add_msg(f, msgs, type, flags, size, body, maddr, corder);
        if (rc)
            return rc;
        if (oh->version == 1 && (size & 7)) /* v1 bodies are 8-byte aligned */
            c5_rd_skip(&r, 8 - (size & 7) <= c5_rd_left(&r) ? 8 - (size & 7) : c5_rd_left(&r));
    }
    return 0;
}

/* Keep a chunk's bytes, and its extent on disk (address and length of the
 * whole block; for chunk 0 the data area) for the writer. */
static int keep_chunk(c5_file *f, c5_ohdr *oh, uint8_t *buf, uint64_t caddr, uint64_t clen)
{
    uint8_t **nc = c5_realloc(f, oh->chunks, (oh->nchunks + 1) * sizeof *nc);
    if (nc)
        oh->chunks = nc;
    uint64_t *ne = nc ? c5_realloc(f, oh->extent, (oh->nchunks + 1) * 2 * sizeof *ne) : NULL;
    if (!ne) {
        c5_free(f, buf);
        return c5_fail(f, C5_ENOMEM, oh->addr, "object header: out of memory");
    }
    oh->extent = ne;
    oh->extent[2 * oh->nchunks] = caddr;
    oh->extent[2 * oh->nchunks + 1] = clen;
    oh->chunks[oh->nchunks++] = buf;
    return 0;
}

int c5_ohdr_load(c5_file *f, uint64_t addr, c5_ohdr **out)
{
    *out = NULL;
    c5_ohdr *oh = c5_calloc(f, 1, sizeof *oh);
    if (!oh)
        return c5_fail(f, C5_ENOMEM, addr, "object header: out of memory");
    oh->addr = addr;
    c5_vec msgs = {.esz = sizeof(c5_msg)}, conts = {.esz = 2 * sizeof(uint64_t)};
    c5_addrset seen = {0};
    uint8_t pre[64];
    int rc;
    uint64_t avail = c5_file_end(f);
    size_t plen = avail > addr && avail - addr < sizeof pre ? (size_t)(avail - addr) : sizeof pre;
    if (addr >= avail) {
        rc = c5_fail(f, C5_ECORRUPT, addr, "object header address %llu beyond end of file",
                     (unsigned long long)addr);
        goto fail;
    }
    if ((rc = c5_read(f, addr, pre, plen, "object header")))
        goto fail;
    c5_addrset_add(f, &seen, addr);
    if (plen >= 4 && memcmp(pre, "OHDR", 4) == 0) {
        c5_rd r;
        c5_rd_init(&r, f, pre, plen, addr, "object header");
        c5_rd_skip(&r, 4);
        oh->version = c5_rd_u8(&r);
        oh->flags = c5_rd_u8(&r);
        if (oh->version != 2) {
            rc = c5_fail(f, C5_EUNSUPPORTED, addr, "object header version %d", oh->version);
            goto fail;
        }
        if (oh->flags & 0x20)
            c5_rd_skip(&r, 16);
        if (oh->flags & 0x10)
            c5_rd_skip(&r, 4);
        uint64_t csize = c5_rd_uint(&r, 1u << (oh->flags & 3));
        if ((rc = r.err))
            goto fail;
        size_t hlen = c5_rd_off(&r);
        uint64_t total;
        if (c5_add_ovf(hlen + 4, csize, &total)) {
            rc = c5_fail(f, C5_ECORRUPT, addr, "object header: chunk size %llu",
                         (unsigned long long)csize);
            goto fail;
        }
        uint8_t *buf;
        if ((rc = c5_read_alloc(f, addr, total, "object header", &buf)))
            goto fail;
        if ((rc = keep_chunk(f, oh, buf, addr + hlen, csize)))
            goto fail;
        if ((rc = c5_check_sum(f, buf, (size_t)(hlen + csize), addr, "object header")))
            goto fail;
        if ((rc = parse_chunk(f, oh, &msgs, &conts, buf + hlen, (size_t)csize, addr + hlen)))
            goto fail;
    } else {
        c5_rd r;
        c5_rd_init(&r, f, pre, plen, addr, "object header");
        oh->version = c5_rd_u8(&r);
        if (oh->version != 1) {
            rc = c5_fail(f, C5_ECORRUPT, addr, "object header: unknown version %d", oh->version);
            goto fail;
        }
        c5_rd_skip(&r, 7);
        uint64_t hsize = c5_rd_u32(&r);
        if ((rc = r.err))
            goto fail;
        uint8_t *buf;
        if ((rc = c5_read_alloc(f, addr + 16, hsize, "object header", &buf)))
            goto fail;
        if ((rc = keep_chunk(f, oh, buf, addr + 16, hsize)))
            goto fail;
        if ((rc = parse_chunk(f, oh, &msgs, &conts, buf, (size_t)hsize, addr + 16)))
            goto fail;
    }
    for (size_t i = 0; i < conts.n; i++) {
        uint64_t *ca = (uint64_t *)conts.v + 2 * i;
        uint64_t caddr = ca[0], clen = ca[1];
        if (i >= C5_MAX_OH_CHUNKS) {
            rc = c5_fail(f, C5_ELIMIT, addr, "object header: too many continuation chunks");
            goto fail;
        }
        if ((rc = c5_addrset_add(f, &seen, caddr)) != 0) {
            if (rc > 0)
                rc = c5_fail(f, C5_ECORRUPT, caddr, "object header %llu: continuation cycle",
                             (unsigned long long)addr);
            goto fail;
        }
        uint8_t *buf;
        if ((rc = c5_read_alloc(f, caddr, clen, "object header continuation", &buf)))
            goto fail;
        if ((rc = keep_chunk(f, oh, buf, caddr, clen)))
            goto fail;
        if (oh->version == 2) {
            if (clen < 8 || memcmp(buf, "OCHK", 4) != 0) {
                rc = c5_fail(f, C5_ECORRUPT, caddr, "object header continuation: bad signature");
                goto fail;
            }
            if ((rc = c5_check_sum(f, buf, (size_t)clen - 4, caddr, "object header continuation")))
                goto fail;
            rc = parse_chunk(f, oh, &msgs, &conts, buf + 4, (size_t)clen - 8, caddr + 4);
        } else {
            rc = parse_chunk(f, oh, &msgs, &conts, buf, (size_t)clen, caddr);
        }
        if (rc)
            goto fail;
    }
    oh->msg = msgs.v;
    oh->nmsg = msgs.n;
    c5_vec_free(f, &conts);
    c5_addrset_free(f, &seen);
    *out = oh;
    return 0;
fail:
    c5_vec_free(f, &msgs);
    c5_vec_free(f, &conts);
    c5_addrset_free(f, &seen);
    c5_ohdr_free(f, oh);
    return rc;
}

void c5_ohdr_free(c5_file *f, c5_ohdr *oh)
{
    if (!oh)
        return;
    for (size_t i = 0; i < oh->nchunks; i++)
        c5_free(f, oh->chunks[i]);
    c5_free(f, oh->chunks);
    c5_free(f, oh->extent);
    c5_free(f, oh->msg);
    c5_free(f, oh);
}

void c5_mbody_free(c5_file *f, c5_mbody *b)
{
    c5_free(f, b->own);
    b->own = NULL;
}

/* ---- shared object header message table -------------------------------
 * Table "SMTB" (III.H): 4 signature, then per index: 1 version, 1 index type, 2 message type
 * flags, 4 minimum message size, 2 list cutoff, 2 B-tree cutoff, 2 number
 * of messages, O index address, O fractal heap address; then checksum. */
#define SOHM_MAX 8
struct c5_sohm {
    int n;
    struct { uint16_t types; uint64_t heap; } idx[SOHM_MAX];
};

static int sohm_load(c5_file *f)
{
    if (f->sohm_loaded)
        return f->sohm ? 0 : c5_fail(f, C5_ECORRUPT, C5_UNDEF, "no shared message table");
    f->sohm_loaded = 1;
    if (f->ext_addr == C5_UNDEF)
        return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "shared message used but no superblock extension");
    c5_ohdr *ext;
    int rc = c5_ohdr_load(f, f->ext_addr, &ext);
    if (rc)
        return rc;
    size_t pos = 0;
    c5_mbody b;
    rc = c5_ohdr_find(f, ext, C5_MSG_SOHM, &pos, &b);
    if (rc) {
        c5_ohdr_free(f, ext);
        return rc;
    }
    c5_rd r;
    c5_rd_init(&r, f, b.p, b.n, b.addr, "shared message table message");
    c5_rd_skip(&r, 1);
    uint64_t taddr = c5_rd_addr(&r);
    unsigned nidx = c5_rd_u8(&r);
    c5_mbody_free(f, &b);
    c5_ohdr_free(f, ext);
    if (r.err)
        return r.err;
    if (nidx == 0 || nidx > SOHM_MAX)
        return c5_fail(f, C5_ECORRUPT, C5_UNDEF, "shared message table: %u indexes", nidx);
    size_t isz = 14 + 2 * (size_t)f->osz;
    uint8_t *buf;
    if ((rc = c5_read_alloc(f, taddr, 4 + nidx * isz + 4, "shared message table", &buf)))
        return rc;
    c5_sohm *s = c5_calloc(f, 1, sizeof *s);
    if (!s) {
        c5_free(f, buf);
        return c5_fail(f, C5_ENOMEM, taddr, "out of memory");
    }
    if ((rc = c5_check_sum(f, buf, 4 + nidx * isz, taddr, "shared message table")) ||
        memcmp(buf, "SMTB", 4) != 0) {
        c5_free(f, buf);
        c5_free(f, s);
        return rc ? rc : c5_fail(f, C5_ECORRUPT, taddr, "shared message table: bad signature");
    }
    c5_rd_init(&r, f, buf + 4, nidx * isz, taddr + 4, "shared message index");
    for (unsigned i = 0; i < nidx; i++) {
        c5_rd_skip(&r, 2);
        s->idx[i].types = c5_rd_u16(&r);
        c5_rd_skip(&r, 10);
        (void)c5_rd_addr(&r);
        s->idx[i].heap = c5_rd_addr(&r);
    }
    s->n = (int)nidx;
    c5_free(f, buf);
    f->sohm = s;
    return 0;
}

/* An index's message type flags hold bit N for message type N. */
static unsigned sohm_flag(uint16_t type) { return type < 16 ? 1u << type : 0; }

int c5_shared_resolve(c5_file *f, uint16_t type, const uint8_t *p, size_t n, uint64_t addr,
                      int depth, c5_mbody *out)
{
    memset(out, 0, sizeof *out);
    out->committed = C5_UNDEF;
    if (depth > 8)
        return c5_fail(f, C5_ECORRUPT, addr, "shared message: reference chain too deep");
    c5_rd r;
    c5_rd_init(&r, f, p, n, addr, "shared message");
    int ver = c5_rd_u8(&r);
    int kind = c5_rd_u8(&r);
    uint64_t oh_addr = C5_UNDEF;
    if (ver == 1) {
        /* Version 1 stores a whole symbol-table entry after 6 reserved
         * bytes (the spec shows a bare address): skip its name offset. */
        c5_rd_skip(&r, 6);
        c5_rd_skip(&r, f->lsz);
        oh_addr = c5_rd_addr(&r);
    } else if (ver == 2) {
        oh_addr = c5_rd_addr(&r);
    } else if (ver == 3) {
        if (kind == 1) { /* in the SOHM fractal heap */
            const uint8_t *id = c5_rd_bytes(&r, 8);
            if (r.err)
                return r.err;
            int rc = sohm_load(f);
            if (rc)
                return rc;
            unsigned want = sohm_flag(type);
            for (int i = 0; i < f->sohm->n; i++) {
                if (!(f->sohm->idx[i].types & want))
                    continue;
                c5_fheap *h;
                if ((rc = c5_fheap_open(f, f->sohm->idx[i].heap, &h)))
                    return rc;
                uint8_t *obj;
                size_t len;
                rc = c5_fheap_read(h, id, 8, &obj, &len);
                c5_fheap_close(h);
                if (rc)
                    return rc;
                out->p = out->own = obj;
                out->n = len;
                return 0;
            }
            return c5_fail(f, C5_ECORRUPT, addr, "shared message: no index for type %u", type);
        }
        oh_addr = c5_rd_addr(&r);
    } else {
        return c5_fail(f, C5_ECORRUPT, addr, "shared message: version %d", ver);
    }
    if (r.err)
        return r.err;
    /* The message lives in another object header (a committed datatype). */
    c5_ohdr *oh;
    int rc = c5_ohdr_load(f, oh_addr, &oh);
    if (rc)
        return rc;
    size_t pos = 0;
    for (; pos < oh->nmsg; pos++)
        if (oh->msg[pos].type == type)
            break;
    if (pos == oh->nmsg) {
        c5_ohdr_free(f, oh);
        return c5_fail(f, C5_ECORRUPT, oh_addr, "shared message: type %u not in target header",
                       type);
    }
    const c5_msg *m = &oh->msg[pos];
    if (m->flags & 0x02) {
        rc = c5_shared_resolve(f, type, m->data, m->size, m->addr, depth + 1, out);
    } else {
        out->own = c5_malloc(f, m->size);
        if (!out->own)
            rc = c5_fail(f, C5_ENOMEM, m->addr, "out of memory");
        else {
            memcpy(out->own, m->data, m->size);
            out->p = out->own;
            out->n = m->size;
            out->addr = m->addr;
        }
    }
    c5_ohdr_free(f, oh);
    if (!rc && type == C5_MSG_DATATYPE && out->committed == C5_UNDEF)
        out->committed = oh_addr;
    return rc;
}

int c5_msg_body(c5_file *f, const c5_msg *m, c5_mbody *out)
{
    if (m->flags & 0x02)
        return c5_shared_resolve(f, m->type, m->data, m->size, m->addr, 0, out);
    out->p = m->data;
    out->n = m->size;
    out->addr = m->addr;
    out->own = NULL;
    out->committed = C5_UNDEF;
    return 0;
}

int c5_ohdr_find(c5_file *f, const c5_ohdr *oh, uint16_t type, size_t *pos, c5_mbody *out)
{
    for (size_t i = *pos; i < oh->nmsg; i++) {
        if (oh->msg[i].type != type)
            continue;
        *pos = i + 1;
        return c5_msg_body(f, &oh->msg[i], out);
    }
    *pos = oh->nmsg;
    return C5_ENOTFOUND;
}
