/* Datasets: decoding their description (dataspace, datatype, layout, fill
 * value, external file list) and reading compact, contiguous and external
 * storage through hyperslab and point selections. Chunked storage is read
 * by chunked.c over the indexes in src/chunk/. */
#include "object.h"
#include "vds.h"

#include <stdio.h>

static int dataset_init(c5_object *o)
{
    c5_file *f = o->f;
    c5_mbody b;
    size_t pos = 0;
    int rc = c5_ohdr_find(f, o->oh, C5_MSG_DATASPACE, &pos, &b);
    if (rc)
        return rc == C5_ENOTFOUND ? c5_fail(f, C5_ECORRUPT, o->addr, "dataset without dataspace")
                                  : rc;
    rc = c5_space_decode(f, &b, &o->space);
    c5_mbody_free(f, &b);
    if (rc)
        return rc;
    pos = 0;
    if ((rc = c5_ohdr_find(f, o->oh, C5_MSG_DATATYPE, &pos, &b)))
        return rc == C5_ENOTFOUND ? c5_fail(f, C5_ECORRUPT, o->addr, "dataset without datatype")
                                  : rc;
    rc = c5_type_from_body(f, &b, &o->type);
    c5_mbody_free(f, &b);
    if (rc)
        return rc;
    pos = 0;
    if ((rc = c5_ohdr_find(f, o->oh, C5_MSG_LAYOUT, &pos, &o->layout_body)))
        return rc;
    if ((rc = c5_layout_decode(f, &o->layout_body, &o->layout)))
        return rc;
    /* The stored extent of a virtual dataset is stale: libhdf5 derives it
     * from the source datasets at open. */
    if (o->layout.cls == C5_LAYOUT_VIRTUAL && (rc = c5_vds_extent(o, &o->space)))
        return rc;
    pos = 0;
    rc = c5_ohdr_find(f, o->oh, C5_MSG_FILL, &pos, &o->fill_body);
    int old = 0;
    if (rc == C5_ENOTFOUND) {
        pos = 0;
        rc = c5_ohdr_find(f, o->oh, C5_MSG_FILL_OLD, &pos, &o->fill_body);
        old = 1;
    }
    if (rc == 0)
        rc = c5_fill_decode(f, &o->fill_body, old, &o->fill);
    else if (rc == C5_ENOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    pos = 0;
    rc = c5_ohdr_find(f, o->oh, C5_MSG_EFL, &pos, &b);
    if (rc == 0) {
        rc = c5_efl_decode(f, &b, &o->efl);
        c5_mbody_free(f, &b);
    } else if (rc == C5_ENOTFOUND) {
        rc = 0;
    }
    if (!rc && o->layout.cls == C5_LAYOUT_CHUNKED)
        rc = c5_chunked_init(o);
    return rc;
}

int c5_dataset_load(c5_object *o)
{
    if (o->ds_state == 0) {
        int rc = dataset_init(o);
        o->ds_state = rc ? rc : 1;
    }
    return o->ds_state < 0 ? o->ds_state : 0;
}

void c5_dataset_fini(c5_object *o)
{
    c5_chunked_fini(o);
    c5_mbody_free(o->f, &o->layout_body);
    c5_mbody_free(o->f, &o->fill_body);
    c5_efl_free(o->f, &o->efl);
    if (o->type)
        c5_type_close(o->type);
    o->type = NULL;
}

int c5_dataset_space(c5_space *out, c5_object *ds)
{
    if (!out || !ds || ds->kind != C5_OBJ_DATASET)
        return C5_EINVAL;
    int rc = c5_object_sync(ds);
    if (!rc)
        rc = c5_dataset_load(ds);
    if (!rc)
        *out = ds->space;
    return rc;
}

int c5_object_type(c5_type **out, c5_object *o)
{
    if (!out || !o)
        return C5_EINVAL;
    *out = NULL;
    int src = c5_object_sync(o);
    if (src)
        return src;
    if (o->kind == C5_OBJ_DATASET) {
        int rc = c5_dataset_load(o);
        if (rc)
            return rc;
        *out = c5_type_dup(o->type);
        return *out ? 0 : C5_ENOMEM;
    }
    if (o->kind != C5_OBJ_DATATYPE)
        return c5_fail(o->f, C5_EINVAL, o->addr, "object has no datatype");
    size_t pos = 0;
    c5_mbody b;
    int rc = c5_ohdr_find(o->f, o->oh, C5_MSG_DATATYPE, &pos, &b);
    if (rc)
        return rc;
    rc = c5_type_from_body(o->f, &b, out);
    c5_mbody_free(o->f, &b);
    if (!rc) { /* the named type itself: datasets created with it refer to it */
        (*out)->committed = o->addr;
        (*out)->cfile = o->f;
    }
    return rc;
}

/* ---- storage access: element runs in file layout ------------------------ */

typedef struct storage {
    c5_object *o;
    size_t esz;
    uint64_t nelem;
} storage;

void c5_fill_elems(const c5_object *o, size_t esz, uint8_t *dst, uint64_t n)
{
    if (o->fill.defined && o->fill.size == esz) {
        for (uint64_t i = 0; i < n; i++)
            memcpy(dst + i * esz, o->fill.value, esz);
    } else {
        memset(dst, 0, (size_t)(n * esz));
    }
}

static FILE *efl_open(c5_file *f, const char *name)
{
    FILE *fp = NULL;
    if (!c5_external_allowed(f))
        return NULL;
    char *p = c5_path_beside(f, name);
    if (p) {
        fp = c5_fopen_regular(p);
        c5_free(f, p);
    }
    return fp ? fp : c5_fopen_regular(name);
}

/* External storage: the slots cover the dataset's bytes in order. */
static int efl_read(c5_object *o, uint64_t off, uint8_t *dst, uint64_t len)
{
    c5_file *f = o->f;
    uint64_t slot_start = 0;
    for (size_t i = 0; i < o->efl.n && len; i++) {
        const c5_efl_slot *s = &o->efl.slot[i];
        uint64_t ssize = s->size == C5_UNDEF ? UINT64_MAX - slot_start : s->size;
        if (off >= slot_start + ssize) {
            slot_start += ssize;
            continue;
        }
        uint64_t in = off - slot_start;
        uint64_t k = ssize - in < len ? ssize - in : len;
        FILE *fp = efl_open(f, s->name);
        if (!fp)
            return c5_fail(f, C5_EIO, o->addr, "cannot open external data file \"%s\"", s->name);
        size_t got = 0;
        if (fseeko(fp, (off_t)(s->offset + in), SEEK_SET) == 0)
            got = fread(dst, 1, (size_t)k, fp);
        fclose(fp);
        if (got < k) /* short external files read as zeros */
            memset(dst + got, 0, (size_t)(k - got));
        dst += k;
        off += k;
        len -= k;
        slot_start += ssize;
    }
    if (len)
        return c5_fail(f, C5_ECORRUPT, o->addr, "external file list does not cover the dataset");
    return 0;
}

/* Copy elements [start, start + n) of the dataset, in file layout. */
static int read_run(storage *s, uint64_t start, uint64_t n, uint8_t *dst)
{
    c5_object *o = s->o;
    c5_layout *l = &o->layout;
    uint64_t off = start * s->esz, len = n * s->esz;
    if (o->efl.n)
        return efl_read(o, off, dst, len);
    if (l->cls == C5_LAYOUT_COMPACT) {
        if (off + len > l->size || !l->compact)
            return c5_fail(o->f, C5_ECORRUPT, o->addr, "compact data shorter than the dataset");
        memcpy(dst, l->compact + off, (size_t)len);
        return 0;
    }
    if (l->addr == C5_UNDEF) {
        c5_fill_elems(o, s->esz, dst, n);
        return 0;
    }
    if (l->size != C5_UNDEF && off + len > l->size)
        return c5_fail(o->f, C5_ECORRUPT, o->addr, "contiguous storage shorter than the dataset");
    return c5_read(o->f, l->addr + off, dst, (size_t)len, "contiguous data");
}

static uint64_t nelem_of(const c5_space *sp)
{
    if (sp->cls == C5_SPACE_NULL)
        return 0;
    uint64_t n = 1;
    for (int i = 0; i < sp->rank; i++)
        if (c5_mul_ovf(n, sp->dims[i], &n))
            return UINT64_MAX;
    return n;
}

static int prepare(c5_object *ds, const c5_type *mem, storage *s, size_t *msz,
                   int *skip_convert)
{
    *skip_convert = 0;
    if (!ds || ds->kind != C5_OBJ_DATASET)
        return C5_EINVAL;
    int rc = c5_object_sync(ds);
    if (!rc)
        rc = c5_dataset_load(ds);
    if (rc)
        return rc;
    s->o = ds;
    s->esz = ds->type->size;
    s->nelem = nelem_of(&ds->space);
    *msz = mem ? c5_type_mem_size(mem) : s->esz;
    /* A memory type laid out like the file type needs no conversion: read
     * straight into the caller's buffer. */
    if (mem && !c5_type_has_vlen(ds->type) && c5_type_equal(ds->type, mem))
        *skip_convert = 1;
    if (s->esz == 0)
        return c5_fail(ds->f, C5_ECORRUPT, ds->addr, "datatype of size 0");
    uint64_t total;
    if (s->nelem == UINT64_MAX || c5_mul_ovf(s->nelem, s->esz, &total))
        return c5_fail(ds->f, C5_ECORRUPT, ds->addr, "dataset size overflows");
    return 0;
}

/* Gather selected raw elements into tmp (n elements), then convert. */
static int finish(storage *s, const c5_type *mem, uint8_t *raw, size_t n, void *buf)
{
    if (!mem)
        return 0; /* raw == buf */
    int rc = c5_convert(s->o->f, s->o->type, mem, raw, buf, n);
    return rc;
}

static int alloc_raw(storage *s, const c5_type *mem, void *buf, uint64_t n, uint8_t **raw)
{
    if (!mem) {
        *raw = buf;
        return 0;
    }
    uint64_t bytes;
    if (c5_mul_ovf(n, s->esz, &bytes))
        return C5_ERANGE;
    return c5_alloc_checked(s->o->f, bytes, s->o->addr, "read buffer", (void **)raw);
}

static int make_sel(c5_object *ds, const c5_hyperslab *h, c5_sel *sel)
{
    return c5_sel_build(ds->f, &ds->space, h, sel);
}

/* Validate a hyperslab against the dataspace (NULL selects everything). */
int c5_sel_build(c5_file *f, const c5_space *sp, const c5_hyperslab *h, c5_sel *sel)
{
    int rank = sel->rank = sp->rank;
    sel->nsel = 1;
    if (!h) {
        for (int i = 0; i < rank; i++) {
            sel->start[i] = 0;
            sel->count[i] = 1;
            sel->block[i] = sel->stride[i] = sp->dims[i];
        }
        sel->nsel = nelem_of(sp);
        return 0;
    }
    if (h->rank != rank || (rank && (!h->start || !h->count)))
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "selection rank %d, dataset rank %d", h->rank,
                       rank);
    if (sp->cls == C5_SPACE_NULL)
        return c5_fail(f, C5_EINVAL, C5_UNDEF, "selection on a null dataspace");
    for (int i = 0; i < rank; i++) {
        sel->start[i] = h->start[i];
        sel->count[i] = h->count[i];
        sel->stride[i] = h->stride ? h->stride[i] : 1;
        sel->block[i] = h->block ? h->block[i] : 1;
        uint64_t last, span, n;
        if (sel->stride[i] == 0 || sel->block[i] == 0 ||
            (sel->count[i] > 1 && sel->stride[i] < sel->block[i]))
            return c5_fail(f, C5_EINVAL, C5_UNDEF, "bad hyperslab in dimension %d", i);
        if (sel->count[i] &&
            (c5_mul_ovf(sel->count[i] - 1, sel->stride[i], &last) ||
             c5_add_ovf(last, sel->block[i], &span) || c5_add_ovf(span, sel->start[i], &span) ||
             span > sp->dims[i]))
            return c5_fail(f, C5_ERANGE, C5_UNDEF,
                           "hyperslab exceeds the dataspace in dimension %d", i);
        if (c5_mul_ovf(sel->count[i], sel->block[i], &n) || c5_mul_ovf(sel->nsel, n, &sel->nsel))
            return C5_ERANGE;
        if (sel->count[i] == 1) /* a lone block: its stride does not matter */
            sel->stride[i] = sel->block[i];
    }
    return 0;
}

/* Contiguous, compact and external storage: the last dimension is read as
 * runs of `block` elements (one run when the blocks touch), the others
 * walked with an odometer. */
static int gather_linear(storage *s, const c5_sel *sel, uint8_t *raw)
{
    const c5_space *sp = &s->o->space;
    int rank = sel->rank;
    if (rank == 0)
        return read_run(s, 0, 1, raw);
    uint64_t idx[C5_MAX_RANK] = {0}, ext[C5_MAX_RANK];
    for (int i = 0; i < rank; i++)
        ext[i] = sel->count[i] * sel->block[i];
    int L = rank - 1;
    int merged = sel->count[L] == 1 || sel->stride[L] == sel->block[L];
    uint8_t *dst = raw;
    int rc = 0;
    for (;;) {
        uint64_t base = 0;
        for (int i = 0; i < L; i++) {
            uint64_t c = sel->start[i] + (idx[i] / sel->block[i]) * sel->stride[i] +
                         idx[i] % sel->block[i];
            base = base * sp->dims[i] + c;
        }
        base *= sp->dims[L];
        if (merged) {
            rc = read_run(s, base + sel->start[L], ext[L], dst);
            dst += ext[L] * s->esz;
        } else {
            for (uint64_t c = 0; c < sel->count[L] && !rc; c++) {
                rc = read_run(s, base + sel->start[L] + c * sel->stride[L], sel->block[L], dst);
                dst += sel->block[L] * s->esz;
            }
        }
        if (rc)
            return rc;
        int d = L - 1;
        while (d >= 0 && ++idx[d] == ext[d])
            idx[d--] = 0;
        if (d < 0)
            return 0;
    }
}

int c5_dataset_read(c5_object *ds, const c5_type *mem, const c5_hyperslab *h, void *buf,
                    size_t cap)
{
    storage s;
    size_t msz;
    int same;
    int rc = prepare(ds, mem, &s, &msz, &same);
    if (rc)
        return rc;
    if (same)
        mem = NULL;
    c5_sel sel;
    if ((rc = make_sel(ds, h, &sel)))
        return rc;
    uint64_t need;
    if (c5_mul_ovf(sel.nsel, msz, &need) || need > cap)
        return c5_fail(ds->f, C5_ERANGE, C5_UNDEF, "buffer of %zu bytes too small for %llu",
                       cap, (unsigned long long)need);
    if (sel.nsel == 0)
        return 0;
    if (ds->layout.cls == C5_LAYOUT_VIRTUAL)
        return c5_vds_read(ds, mem, &sel, buf, msz);
    uint8_t *raw;
    if ((rc = alloc_raw(&s, mem, buf, sel.nsel, &raw)))
        return rc;
    if (ds->layout.cls == C5_LAYOUT_CHUNKED)
        rc = c5_chunked_read(ds, &sel, raw);
    else
        rc = gather_linear(&s, &sel, raw);
    if (!rc)
        rc = finish(&s, mem, raw, (size_t)sel.nsel, buf);
    if (raw != buf)
        c5_free(ds->f, raw);
    return rc;
}

int c5_dataset_read_points(c5_object *ds, const c5_type *mem, size_t npoints,
                           const uint64_t *coords, void *buf, size_t cap)
{
    storage s;
    size_t msz;
    int same;
    int rc = prepare(ds, mem, &s, &msz, &same);
    if (rc)
        return rc;
    if (same)
        mem = NULL;
    const c5_space *sp = &ds->space;
    uint64_t need;
    if (c5_mul_ovf(npoints, msz, &need) || need > cap)
        return c5_fail(ds->f, C5_ERANGE, C5_UNDEF, "buffer too small");
    if (npoints && !coords)
        return C5_EINVAL;
    if (npoints && sp->cls == C5_SPACE_NULL)
        return c5_fail(ds->f, C5_EINVAL, C5_UNDEF, "points on a null dataspace");
    uint8_t *raw;
    if (npoints == 0)
        return 0;
    if (ds->layout.cls == C5_LAYOUT_VIRTUAL) {
        for (size_t p = 0; p < npoints; p++)
            for (int i = 0; i < sp->rank; i++)
                if (coords[p * (size_t)sp->rank + (size_t)i] >= sp->dims[i])
                    return c5_fail(ds->f, C5_ERANGE, C5_UNDEF, "point %zu outside the dataspace",
                                   p);
        return c5_vds_read_points(ds, mem, npoints, coords, buf, msz);
    }
    if ((rc = alloc_raw(&s, mem, buf, npoints, &raw)))
        return rc;
    for (size_t p = 0; p < npoints && !rc; p++) {
        for (int i = 0; i < sp->rank; i++)
            if (coords[p * (size_t)sp->rank + (size_t)i] >= sp->dims[i])
                rc = c5_fail(ds->f, C5_ERANGE, C5_UNDEF, "point %zu outside the dataspace", p);
    }
    if (!rc && ds->layout.cls == C5_LAYOUT_CHUNKED)
        rc = c5_chunked_read_points(ds, npoints, coords, raw);
    for (size_t p = 0; p < npoints && !rc && ds->layout.cls != C5_LAYOUT_CHUNKED; p++) {
        uint64_t lin = 0;
        for (int i = 0; i < sp->rank; i++) {
            uint64_t c = coords[p * (size_t)sp->rank + (size_t)i];
            if (c >= sp->dims[i]) {
                rc = c5_fail(ds->f, C5_ERANGE, C5_UNDEF, "point %zu outside the dataspace", p);
                break;
            }
            lin = lin * sp->dims[i] + c;
        }
        if (!rc)
            rc = read_run(&s, lin, 1, raw + p * s.esz);
    }
    if (!rc)
        rc = finish(&s, mem, raw, npoints, buf);
    if (raw != buf)
        c5_free(ds->f, raw);
    return rc;
}
