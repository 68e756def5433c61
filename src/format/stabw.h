/* Writers for the compatible-format structures built from complete input:
 * symbol-table group storage (local heap, symbol-table nodes, v1 B-tree of
 * node type 0), the v1 B-tree chunk index (node type 1), and global heap
 * collections. Everything is written to fresh space (c5_space_alloc); the
 * caller publishes it by rewriting the message that points at it (symbol
 * table message, layout message, or a variable-length element). */
#ifndef C5_STABW_H
#define C5_STABW_H
#include "../core/internal.h"
#include "../chunk/chunk.h"

/* ---- symbol-table groups (stab_write.c) -------------------------------- */

/* One link of an old-style group. Hard links: addr, cache_type 0, or 1 with
 * scratch holding the child group's B-tree and local heap addresses (two
 * offset-width little-endian fields, as the caller encodes them). Soft
 * links: soft != NULL (the link value); addr and scratch are ignored. */
typedef struct c5_stab_ent {
    const char *name;
    uint64_t addr;
    uint32_t cache_type;
    uint8_t scratch[16];
    const char *soft;
} c5_stab_ent;

/* Write a symbol-table group's storage for n entries sorted by name
 * (strictly increasing in strcmp order; C5_EINVAL otherwise) and return
 * the B-tree and local heap addresses to put in the symbol table message
 * (and in the parent's cache, for a subgroup). n may be 0: an empty group
 * still gets a heap and an empty root node, as libhdf5 writes.
 *
 * Space: the heap (header + data segment) is one allocation at *heap; the
 * B-tree nodes are one allocation starting at *btree (root first), and the
 * symbol-table nodes a third allocation. c5_stab_free gives all of it back.
 * The entries are only read during the call. */
int c5_stab_write(c5_file *f, const c5_stab_ent *ents, size_t n, uint64_t *btree, uint64_t *heap);

/* Give back (c5_space_free) every node of a symbol-table group's B-tree,
 * its symbol-table nodes and its local heap, wherever they are (works for
 * libhdf5-written groups too). For the caller to use once the group has
 * been republished elsewhere. */
int c5_stab_free(c5_file *f, uint64_t btree, uint64_t heap);

/* ---- v1 B-trees (btree/btree1_write.c) --------------------------------- */

/* Size of a v1 B-tree node with 2k children and keys of keylen bytes:
 * libhdf5 reads nodes at this full size. */
uint64_t c5_bt1_node_size(const c5_file *f, size_t keylen, unsigned k);

/* Build a v1 B-tree of node_type over n level-0 children. keys holds n + 1
 * keys of keylen bytes: key i is the left key of child i, key n the right
 * key of the last child (so key i + 1 is also the right key of child i).
 * Nodes hold up to 2k children, are filled evenly and written at full
 * size, level by level, with sibling pointers; all nodes share one
 * allocation whose first node is the root (*root). n == 0 writes an empty
 * root leaf whose only key is keys[0]. */
int c5_bt1_build(c5_file *f, int node_type, size_t keylen, unsigned k, size_t n,
                 const uint8_t *keys, const uint64_t *child, uint64_t *root);

/* Append {uint64_t addr, size} pairs (a c5_vec with esz 16) for every
 * node of the v1 B-tree at addr and, when leaf_child_size is nonzero, for
 * each level-0 child with that size. */
int c5_bt1_extents(c5_file *f, uint64_t addr, int node_type, size_t keylen, unsigned k,
                   uint64_t leaf_child_size, c5_vec *ext);
/* c5_space_free the extents gathered, highest address first (so that
 * space at the allocation end is released), and empty the vector. */
void c5_extents_free(c5_file *f, c5_vec *ext);
/* Give back the space of every node of the v1 B-tree at addr. When
 * leaf_child_size is nonzero, each level-0 child is freed with that size
 * too (symbol-table nodes); chunk addresses are left alone (pass 0). */
int c5_bt1_free(c5_file *f, uint64_t addr, int node_type, size_t keylen, unsigned k,
                uint64_t leaf_child_size);

/* v1 B-tree chunk index (node type 1, K = f->chunk_k) for n chunk records
 * sorted by scaled coordinates, slowest dimension first (strictly
 * increasing; C5_EINVAL otherwise). Every record needs a defined address
 * and a stored size in 1..2^32-1. The right-most key is the one libhdf5
 * writes for the last chunk it inserts (size 0, offsets one chunk past the
 * last chunk in every dimension, element-size dimension included), so that
 * libhdf5 can append to the tree. n == 0 writes an empty root leaf.
 * *addr = root address (start of the one allocation holding all nodes). */
int c5_bt1_chunk_write(c5_file *f, const c5_chunk_geom *g, const c5_chunk_rec *recs, size_t n,
                       uint64_t *addr);
/* Give back the nodes of a chunk B-tree (not the chunks). */
int c5_bt1_chunk_free(c5_file *f, const c5_chunk_geom *g, uint64_t addr);

/* ---- global heap (gheap_write.c) --------------------------------------- */

/* Store an object of n bytes (n may be 0) in the file's global heap and
 * return its collection address and index (1-based). Objects accumulate in
 * the current collection in memory: its space is allocated when it is
 * started (4096 bytes, or more when the first object needs it), so the
 * address is final at once; it is written when full or at
 * c5_gheap_flush. Needs f->w (the writable file's state). */
int c5_gheap_put(c5_file *f, const void *data, size_t n, uint64_t *coll, uint32_t *index);

/* Write the pending objects of the current collection. The collection
 * stays open for later puts: a later flush writes the new objects into its
 * free space and then, last, the one object header that links them into
 * the collection, so a crash in between leaves the collection as the
 * previous flush wrote it (durable mode syncs in between). */
int c5_gheap_flush(c5_file *f);

/* Drop the in-memory collection state (without writing). */
void c5_gheap_wfree(c5_file *f);

#endif
