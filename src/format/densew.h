/* Writers for the "new-style" indexed storage: version 2 B-trees, fractal
 * heaps, and on top of them dense link storage, dense attribute storage and
 * the v2 B-tree chunk index.
 *
 * Every function here builds a complete structure from complete, caller-
 * sorted (or writer-sorted) input in FRESH file space (c5_space_alloc +
 * c5_write) and never touches live metadata: "build aside, publish later".
 * The caller publishes by rewriting the message that points at the result
 * (link info, attribute info or layout message) and frees the structure it
 * replaces. Nothing is cached; the functions are safe to call from one
 * thread per file at a time (they allocate file space).
 */
#ifndef C5_DENSEW_H
#define C5_DENSEW_H
#include "../core/internal.h"

/* ---- version 2 B-trees (src/btree/btree2_write.c) ---------------------- */

/* libhdf5's creation parameters for the trees cfive writes. */
#define C5_BT2_DENSE_NODE_SIZE 512u  /* link and attribute indexes, huge objects */
#define C5_BT2_CHUNK_NODE_SIZE 2048u /* chunk indexes */
#define C5_BT2_SPLIT_PCT 100u
#define C5_BT2_MERGE_PCT 40u

/* Write a v2 B-tree of record type `type` holding n fixed-size records of
 * rec_size bytes each (recs: n * rec_size bytes, already sorted in the
 * tree's key order; the writer does not look inside records). Nodes are
 * node_size bytes; the tree has the smallest depth that holds n records,
 * with records spread evenly over the nodes of each level. split_pct and
 * merge_pct are only stored (0 selects 100 and 40). n == 0 gives a header
 * with an undefined root. *addr receives the header address. */
int c5_bt2_write(c5_file *f, uint16_t type, size_t rec_size, const uint8_t *recs, size_t n,
                 uint32_t node_size, uint8_t split_pct, uint8_t merge_pct, uint64_t *addr);

/* ---- fractal heaps (src/format/fheap_write.c) -------------------------- */

/* Creation parameters of a fractal heap (spec III.G). */
typedef struct c5_fheap_params {
    uint16_t id_len;          /* heap ID bytes; 0: 1 + offset bytes + length bytes */
    uint16_t width;           /* doubling-table columns (power of two) */
    uint64_t start_block;     /* starting block size (power of two) */
    uint64_t max_direct;      /* maximum direct block size (power of two) */
    uint16_t max_heap_bits;   /* log2 of the linear address space */
    uint16_t start_root_rows; /* rows of a new root indirect block */
    uint32_t max_man_size;    /* larger objects are stored as huge objects */
    int checksum_dblocks;     /* direct blocks carry a checksum */
} c5_fheap_params;

/* What libhdf5 uses for dense link storage (H5Gdense.c: 7-byte IDs) and
 * for dense attribute storage (H5Oprivate.h: 8-byte IDs). */
extern const c5_fheap_params c5_fheap_links_params, c5_fheap_attrs_params;

/* Heap ID length the parameters give (the default when id_len is 0). */
size_t c5_fheap_params_id_len(const c5_fheap_params *p);

/* Write a fractal heap holding objs[i] (lens[i] > 0 bytes), i < n. Objects
 * of at most max_man_size bytes go into direct blocks in linear heap order
 * (root direct block when they all fit in one starting block, otherwise a
 * root indirect block whose row count grows as libhdf5 grows it); larger
 * ones become huge objects tracked by a v2 B-tree; objects that fit in the
 * ID become tiny objects, as libhdf5 does. ids receives n IDs of
 * c5_fheap_params_id_len(p) bytes each. No free-space manager is written:
 * libhdf5 starts a new one on its first insertion and leaves the unused
 * tails of the blocks written here alone. *addr receives the header. */
int c5_fheap_write(c5_file *f, const c5_fheap_params *p, size_t n, const uint8_t *const *objs,
                   const size_t *lens, uint8_t *ids, uint64_t *addr);

/* ---- dense links and attributes (src/format/dense_write.c) ------------- */

typedef struct c5_dense_rec {
    const char *name;  /* link / attribute name (NUL-terminated) */
    const uint8_t *msg; /* encoded link or attribute message body */
    size_t len;
    int64_t corder;    /* creation order */
    uint8_t msgflags;  /* attributes: header message flags. With bit 1
                          (shared) set, msg is the 8-byte heap ID of the
                          message in the shared-message heap and nothing is
                          stored in this heap, as libhdf5 does. */
} c5_dense_rec;

/* Dense link storage: a fractal heap with every link message, a v2 B-tree
 * of type 5 (name hash, heap ID; ordered by hash, then name) and, when
 * index_corder, one of type 6 (creation order, heap ID). *corder_bt2 is
 * C5_UNDEF otherwise. Names must be distinct (C5_EINVAL). */
int c5_dense_links_write(c5_file *f, const c5_dense_rec *recs, size_t n, int index_corder,
                         uint64_t *fheap, uint64_t *name_bt2, uint64_t *corder_bt2);

/* Dense attribute storage: the same with v2 B-trees of type 8 (heap ID,
 * message flags, creation order, name hash) and 9 (heap ID, message flags,
 * creation order). Creation orders must fit 32 bits. */
int c5_dense_attrs_write(c5_file *f, const c5_dense_rec *recs, size_t n, int index_corder,
                         uint64_t *fheap, uint64_t *name_bt2, uint64_t *corder_bt2);

/* ---- v2 B-tree chunk index (src/chunk/bt2_chunk_write.c) --------------- */

struct c5_chunk_geom;
struct c5_chunk_rec;

/* The layout v4 chunk index of type 5: a v2 B-tree of record type 10
 * (unfiltered: address, scaled offsets of 8 bytes each) or 11 (filtered:
 * address, chunk size in c5_cidx_size_len(g->chunk_bytes) bytes, filter
 * mask, scaled offsets), ordered by scaled offsets, slowest dimension
 * first. recs need not be sorted; duplicates are C5_EINVAL. idx_info (at
 * least 6 bytes) receives the layout message's index fields (node size,
 * split and merge percent) and *info_len their length. */
int c5_bt2_chunk_write(c5_file *f, const struct c5_chunk_geom *g, const struct c5_chunk_rec *recs,
                       size_t n, uint64_t *addr, uint8_t *idx_info, size_t *info_len);

#endif
