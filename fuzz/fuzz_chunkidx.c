/* libFuzzer harness for the chunk indexes (src/chunk/): open the input as
 * an HDF5 image in memory, and for each chunked dataset linked from the
 * root group open its index, iterate it and look chunks up. The object
 * layer only supplies the layout and geometry, as src/chunked.c does.
 * Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
 *     -Iinclude -Isrc fuzz/fuzz_chunkidx.c $(ls src/*.c src/core/*.c \
 *     src/format/*.c src/btree/*.c src/chunk/*.c src/filters/*.c) -lpthread
 *   (plus the optional codec libraries the filters were built with)
 * Seeds: fuzz/seeds/chunkidx/ (one small file per index type). */
#include "object.h"
#include "chunk/chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DSETS 32
#define MAX_VISIT 20000

typedef struct names {
    char name[MAX_DSETS][64];
    int n;
} names;

static int link_cb(void *ud, const c5_link *l)
{
    names *nm = ud;
    if (nm->n >= MAX_DSETS)
        return 1;
    if (l->type == 0 && strlen(l->name) < sizeof nm->name[0])
        strcpy(nm->name[nm->n++], l->name);
    return 0;
}

typedef struct visit {
    c5_chunk_index *ix;
    size_t n;
    uint64_t sum;
} visit;

static int rec_cb(void *ud, const c5_chunk_rec *r)
{
    visit *v = ud;
    v->sum += r->addr ^ r->size ^ r->filter_mask;
    /* every iterated chunk must be found again (results may differ only
     * if the index is corrupt, which lookup must then report cleanly) */
    if (v->n < 256) {
        c5_chunk_rec o;
        (void)c5_chunk_lookup(v->ix, r->scaled, &o);
    }
    return ++v->n >= MAX_VISIT ? 1 : 0;
}

static void one(c5_file *f, const char *path)
{
    c5_object *o = NULL;
    if (c5_object_open(&o, f, path) != 0)
        return;
    if (c5_object_kind(o) != C5_OBJ_DATASET || c5_dataset_load(o) != 0 ||
        o->layout.cls != C5_LAYOUT_CHUNKED || o->space.rank < 1 ||
        o->space.rank != o->layout.ndims - 1) {
        c5_object_close(o);
        return;
    }
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = o->space.rank;
    g.elem_size = o->type->size;
    uint64_t bytes = g.elem_size;
    for (int i = 0; i < g.rank; i++) {
        g.dims[i] = o->space.dims[i];
        g.maxdims[i] = o->space.maxdims[i];
        g.chunk[i] = o->layout.chunk[i];
        if (g.chunk[i] == 0 || c5_mul_ovf(bytes, g.chunk[i], &bytes)) {
            c5_object_close(o);
            return;
        }
    }
    g.chunk_bytes = bytes;
    size_t pos = 0;
    c5_mbody b;
    g.filtered = c5_ohdr_find(f, o->oh, C5_MSG_PIPELINE, &pos, &b) == 0;
    if (g.filtered)
        c5_mbody_free(f, &b);
    c5_chunk_index *ix = NULL;
    if (c5_chunk_index_open(f, &o->layout, &g, &ix) == 0) {
        uint64_t sc[C5_MAX_RANK] = {0};
        c5_chunk_rec r;
        (void)c5_chunk_lookup(ix, sc, &r);
        for (int i = 0; i < g.rank; i++)
            sc[i] = g.dims[i] / g.chunk[i];
        (void)c5_chunk_lookup(ix, sc, &r);
        visit v = {ix, 0, 0};
        (void)c5_chunk_iterate(ix, rec_cb, &v);
        c5_chunk_index_close(ix);
    }
    c5_object_close(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c5_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.max_alloc = 64u << 20;
    opts.nthreads = 1;
    /* Checksums stop nearly every mutation at the first block; on odd
     * sizes skip them so the decoders behind them get exercised too. */
    if (size & 1)
        opts.flags = C5_OPEN_IGNORE_CHECKSUMS;
    c5_file *f = NULL;
    if (c5_file_open_mem(&f, data, size, &opts) != 0) {
        c5_file_close(f);
        return 0;
    }
    c5_object *root = NULL;
    names nm;
    nm.n = 0;
    if (c5_object_open(&root, f, "/") == 0) {
        (void)c5_group_iterate(root, C5_ORDER_NAME, link_cb, &nm);
        c5_object_close(root);
    }
    for (int i = 0; i < nm.n; i++)
        one(f, nm.name[i]);
    c5_file_close(f);
    return 0;
}
