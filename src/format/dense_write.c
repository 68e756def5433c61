/* Dense link and attribute storage writers: a fractal heap holding the
 * messages and v2 B-tree indexes over it, built aside in fresh space.
 * Spec: IV.A.2.c "Link Info Message", IV.A.2.v "Attribute Info Message",
 * III.G (fractal heap) and III.A.2 (v2 B-tree record types 5, 6, 8, 9).
 * Readers: src/group.c and src/attr.c.
 *
 * Records (all little-endian), H = heap ID:
 *   type 5, link name index       0 4 name hash | 4 H(7)
 *   type 6, link creation order   0 8 creation order (signed) | 8 H(7)
 *   type 8, attribute name index  0 H(8) | 8 1 message flags |
 *                                 9 4 creation order | 13 4 name hash
 *   type 9, attribute creation    0 H(8) | 8 1 message flags |
 *           order                 9 4 creation order
 * The name hash is lookup3 of the name bytes (no terminator), seed 0.
 * Name indexes are ordered by hash, then by strcmp of the names (how
 * libhdf5 compares records whose hashes collide); creation-order indexes
 * by creation order. All four use 512-byte nodes, split 100%, merge 40%
 * (H5Gdense.c, H5Adense.c), and the heaps use libhdf5's parameters for
 * links (7-byte IDs) and attributes (8-byte IDs), see fheap_write.c.
 *
 * A shared attribute (message flag bit 1) is not stored in this heap: its
 * record carries the heap ID of the message in the shared-message heap,
 * as libhdf5 stores it.
 */
#include "../core/internal.h"

#include "densew.h"

#define LINK_ID_LEN 7u
#define ATTR_ID_LEN 8u
#define MSG_FLAG_SHARED 0x02u

typedef struct nkey {
    uint32_t hash;
    const char *name;
    size_t i;
} nkey;

static int cmp_nkey(const void *a, const void *b)
{
    const nkey *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return strcmp(x->name, y->name);
}

typedef struct ckey {
    int64_t corder;
    size_t i;
} ckey;

static int cmp_ckey(const void *a, const void *b)
{
    const ckey *x = a, *y = b;
    return x->corder < y->corder ? -1 : x->corder > y->corder;
}

typedef struct dense_job {
    c5_file *f;
    const c5_dense_rec *recs;
    size_t n;
    int attrs;          /* attribute records (else links) */
    unsigned id_len;
    uint8_t *ids;       /* n * id_len */
    nkey *byname;
    ckey *bycorder;
} dense_job;

static void job_free(dense_job *j)
{
    c5_free(j->f, j->ids);
    c5_free(j->f, j->byname);
    c5_free(j->f, j->bycorder);
}

/* Check the input, store the messages in a new heap and fill the IDs. */
static int store(dense_job *j, const c5_fheap_params *p, uint64_t *fheap)
{
    c5_file *f = j->f;
    const char *what = j->attrs ? "dense attribute writer" : "dense link writer";
    if (c5_fheap_params_id_len(p) != j->id_len)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: heap IDs are not %u bytes", what, j->id_len);
    size_t n = j->n, nheap = 0;
    if (n > SIZE_MAX / (sizeof(nkey) + sizeof(ckey) + j->id_len + 2 * sizeof(void *)))
        return c5_fail(f, C5_ELIMIT, C5_UNDEF, "%s: too many records", what);
    j->ids = c5_calloc(f, n ? n : 1, j->id_len);
    j->byname = c5_malloc(f, (n ? n : 1) * sizeof(nkey));
    j->bycorder = c5_malloc(f, (n ? n : 1) * sizeof(ckey));
    const uint8_t **objs = c5_malloc(f, (n ? n : 1) * sizeof *objs);
    size_t *lens = c5_malloc(f, (n ? n : 1) * sizeof *lens);
    size_t *slot = c5_malloc(f, (n ? n : 1) * sizeof *slot);
    int rc = 0;
    if (!j->ids || !j->byname || !j->bycorder || !objs || !lens || !slot)
        rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "%s: out of memory", what);
    for (size_t i = 0; i < n && !rc; i++) {
        const c5_dense_rec *r = &j->recs[i];
        if (!r->name || !r->msg || r->len == 0)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: record %zu has no name or message", what, i);
        else if (j->attrs && (r->corder < 0 || r->corder > (int64_t)UINT32_MAX))
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: creation order %lld of \"%s\" exceeds 32 bits",
                         what, (long long)r->corder, r->name);
        else if (j->attrs && (r->msgflags & MSG_FLAG_SHARED) && r->len != ATTR_ID_LEN)
            rc = c5_fail(f, C5_EINVAL, C5_UNDEF,
                         "%s: shared attribute \"%s\" needs an 8-byte heap ID, got %zu bytes", what,
                         r->name, r->len);
        if (rc)
            break;
        j->byname[i] = (nkey){c5_lookup3(r->name, strlen(r->name), 0), r->name, i};
        j->bycorder[i] = (ckey){r->corder, i};
        if (j->attrs && (r->msgflags & MSG_FLAG_SHARED)) {
            memcpy(j->ids + i * j->id_len, r->msg, ATTR_ID_LEN);
            continue;
        }
        objs[nheap] = r->msg;
        lens[nheap] = r->len;
        slot[nheap++] = i;
    }
    if (!rc && n > 1) {
        qsort(j->byname, n, sizeof(nkey), cmp_nkey);
        for (size_t i = 1; i < n && !rc; i++)
            if (cmp_nkey(&j->byname[i - 1], &j->byname[i]) == 0)
                rc = c5_fail(f, C5_EINVAL, C5_UNDEF, "%s: name \"%s\" appears twice", what,
                             j->byname[i].name);
    }
    if (!rc) {
        /* The heap writes IDs in its input order; route them to records. */
        uint8_t *hid = nheap ? c5_malloc(f, nheap * j->id_len) : NULL;
        if (nheap && !hid)
            rc = c5_fail(f, C5_ENOMEM, C5_UNDEF, "%s: out of memory", what);
        if (!rc)
            rc = c5_fheap_write(f, p, nheap, objs, lens, hid, fheap);
        for (size_t k = 0; k < nheap && !rc; k++)
            memcpy(j->ids + slot[k] * j->id_len, hid + k * j->id_len, j->id_len);
        c5_free(f, hid);
    }
    c5_free(f, objs);
    c5_free(f, lens);
    c5_free(f, slot);
    return rc;
}

/* Sort by creation order; duplicates cannot share an index. */
static int sort_corder(dense_job *j)
{
    if (j->n > 1)
        qsort(j->bycorder, j->n, sizeof(ckey), cmp_ckey);
    for (size_t i = 1; i < j->n; i++)
        if (j->bycorder[i - 1].corder == j->bycorder[i].corder)
            return c5_fail(j->f, C5_EINVAL, C5_UNDEF, "%s: creation order %lld appears twice",
                           j->attrs ? "dense attribute writer" : "dense link writer",
                           (long long)j->bycorder[i].corder);
    return 0;
}

/* Encode the records of one index (name order for types 5 and 8,
 * creation order for 6 and 9) and write the tree. */
static int write_index(dense_job *j, uint16_t type, size_t rec_size, uint64_t *addr)
{
    c5_file *f = j->f;
    uint8_t *buf = c5_malloc(f, (j->n ? j->n : 1) * rec_size);
    if (!buf)
        return c5_fail(f, C5_ENOMEM, C5_UNDEF, "dense storage writer: out of memory");
    for (size_t k = 0; k < j->n; k++) {
        uint8_t *p = buf + k * rec_size;
        size_t i = (type == 5 || type == 8) ? j->byname[k].i : j->bycorder[k].i;
        const c5_dense_rec *r = &j->recs[i];
        const uint8_t *id = j->ids + i * j->id_len;
        switch (type) {
        case 5:
            c5_put_le(p, j->byname[k].hash, 4);
            memcpy(p + 4, id, LINK_ID_LEN);
            break;
        case 6:
            c5_put_le(p, (uint64_t)r->corder, 8);
            memcpy(p + 8, id, LINK_ID_LEN);
            break;
        case 8:
            memcpy(p, id, ATTR_ID_LEN);
            p[8] = r->msgflags;
            c5_put_le(p + 9, (uint64_t)r->corder, 4);
            c5_put_le(p + 13, j->byname[k].hash, 4);
            break;
        default: /* 9 */
            memcpy(p, id, ATTR_ID_LEN);
            p[8] = r->msgflags;
            c5_put_le(p + 9, (uint64_t)r->corder, 4);
            break;
        }
    }
    int rc = c5_bt2_write(f, type, rec_size, buf, j->n, C5_BT2_DENSE_NODE_SIZE, C5_BT2_SPLIT_PCT,
                          C5_BT2_MERGE_PCT, addr);
    c5_free(f, buf);
    return rc;
}

static int dense_write(c5_file *f, const c5_dense_rec *recs, size_t n, int index_corder, int attrs,
                       uint64_t *fheap, uint64_t *name_bt2, uint64_t *corder_bt2)
{
    if (!f || (n && !recs) || !fheap || !name_bt2 || !corder_bt2)
        return C5_EINVAL;
    *fheap = *name_bt2 = *corder_bt2 = C5_UNDEF;
    dense_job j = {.f = f, .recs = recs, .n = n, .attrs = attrs,
                   .id_len = attrs ? ATTR_ID_LEN : LINK_ID_LEN};
    uint64_t heap = C5_UNDEF, byname = C5_UNDEF, bycorder = C5_UNDEF;
    int rc = store(&j, attrs ? &c5_fheap_attrs_params : &c5_fheap_links_params, &heap);
    if (!rc && index_corder)
        rc = sort_corder(&j);
    if (!rc)
        rc = write_index(&j, attrs ? 8 : 5, attrs ? ATTR_ID_LEN + 9 : LINK_ID_LEN + 4, &byname);
    if (!rc && index_corder)
        rc = write_index(&j, attrs ? 9 : 6, attrs ? ATTR_ID_LEN + 5 : LINK_ID_LEN + 8, &bycorder);
    job_free(&j);
    if (rc)
        return rc;
    *fheap = heap;
    *name_bt2 = byname;
    *corder_bt2 = bycorder;
    return 0;
}

int c5_dense_links_write(c5_file *f, const c5_dense_rec *recs, size_t n, int index_corder,
                         uint64_t *fheap, uint64_t *name_bt2, uint64_t *corder_bt2)
{
    return dense_write(f, recs, n, index_corder, 0, fheap, name_bt2, corder_bt2);
}

int c5_dense_attrs_write(c5_file *f, const c5_dense_rec *recs, size_t n, int index_corder,
                         uint64_t *fheap, uint64_t *name_bt2, uint64_t *corder_bt2)
{
    return dense_write(f, recs, n, index_corder, 1, fheap, name_bt2, corder_bt2);
}
