/* Encoders for object header message bodies and datatypes: the exact
 * inverses of the decoders in messages.c, dtype.c and ohdr.c (shared
 * message references), producing what libhdf5 1.10 writes.
 *
 * Every encoder appends to a c5_wr (offsets and lengths in the writer's
 * widths) and returns 0 or a C5_E* code recorded with c5_fail(w->f, ...).
 * On failure the writer may hold a partial message: discard it. Messages
 * are encoded unpadded; the object header writer adds the 8-byte alignment
 * of version 1 headers. Nothing here allocates beyond the writer's buffer
 * (and a small per-type scratch array), and nothing is retained. */
#ifndef C5_ENCODE_H
#define C5_ENCODE_H
#include "format.h"
#include "../type.h"

/* ---- datatypes (dtype_encode.c) ----------------------------------------
 *
 * libhdf5 gives every node of a datatype its own encoding version: 1 for
 * atomic types (3 for VAX floats; the revised references of HDF5 1.12
 * get 1 as libhdf5 1.12 wrote them, not the 4 of libhdf5 1.14, so that
 * libhdf5 1.10 can still open what holds them),
 * at least 2 for arrays, a compound at least the highest of its members
 * (raising, when a member arrives with a higher version, the compounds,
 * arrays and enums already inside it), a vlen its base's. The file's lower
 * format bound (1 for compatible files, 3 for libver "latest" in libhdf5
 * 1.10) then raises compounds, arrays and enums (and vlens with their base)
 * when it exceeds the top node's version; integers, floats, strings and
 * the other atomic classes stay version 1. cfive computes those versions
 * as libhdf5 does for a type built bottom-up with members inserted in
 * order (which is how h5py and PyTables build them). */

/* Version of the top node of t's datatype message: latest=0 for the
 * compatible format, 1 for the latest format. 0 when t cannot be encoded
 * (incomplete or too deeply nested). */
int c5_type_msg_version(const c5_type *t, int latest);

/* Full datatype encoding (spec IV.A.2.d) of t with the format lower bound
 * `version` (1..4; see above: the top node's version may come out higher
 * when t needs it, or lower for atomic types and vlens of them). Compound
 * members and base types are encoded recursively. Memory-only types
 * (native object references, native vlen strings) are refused
 * (C5_EINVAL), as are fields a message cannot hold. */
int c5_type_encode(c5_wr *w, const c5_type *t, int version);

/* The same encoding, but each node takes the version its counterpart has
 * in orig[0..n) (an existing encoding of an equal type, e.g. the message
 * being rewritten in place), so the result is byte-identical to orig when
 * t was decoded from it. Nodes orig does not cover use the rule above. A
 * version-1 compound whose member is an array of rank <= 4 gets the
 * member-dimension form of HDF5 1.4. */
int c5_type_encode_as(c5_wr *w, const c5_type *t, const uint8_t *orig, size_t n);

/* Shared message reference to a committed datatype's object header
 * (spec IV.A.2 "Shared Message" version 2, type 2): what libhdf5 writes for
 * a committed type in both formats. */
int c5_shared_encode(c5_wr *w, uint64_t oh_addr);

/* Body of a datatype message of a dataset or attribute: a shared
 * reference to t->committed when that is defined (*shared = 1: the caller
 * sets message flag 0x02, plus 0x01 "constant" as libhdf5 does for every
 * datatype message of a dataset, and increments the committed type's
 * reference count); otherwise the full encoding (*shared = 0). */
int c5_type_msg_encode(c5_wr *w, const c5_type *t, int latest, int *shared);

/* ---- other messages (msg_encode.c) ---------------------------------- */

/* Dataspace message: version 1 for the compatible format (but 2 for null
 * dataspaces, which version 1 cannot express, as libhdf5 does), 2 for the
 * latest; maximum dimensions always present for simple dataspaces (libhdf5
 * 1.8+ keeps them even when equal to the dimensions). */
int c5_space_encode(c5_wr *w, const c5_space *s, int latest);
/* Explicit version (1 or 2) and presence of the maximum dimensions. */
int c5_space_encode_v(c5_wr *w, const c5_space *s, int version, int has_max);

/* Fill value message (type 5): version 2 (compatible) or 3 (latest).
 * alloc_time: 1 early, 2 late, 3 incremental; fill_time: 0 on allocation,
 * 1 never, 2 if set. defined: 0 when the user undefined the fill value,
 * else 1; value/size: the user's value (size > 0), or size 0 for the
 * default (zeros). */
int c5_fill_encode(c5_wr *w, int latest, int alloc_time, int fill_time, int defined,
                   const void *value, size_t size);
/* Explicit version (1, 2 or 3). */
int c5_fill_encode_v(c5_wr *w, int version, int alloc_time, int fill_time, int defined,
                     const void *value, size_t size);
/* Old fill value message (type 4): size + value. */
int c5_fill_old_encode(c5_wr *w, const void *value, size_t size);

/* Layout message, version l->version: 3 (compact, contiguous, chunked
 * with a v1 B-tree index: ndims = rank + 1, last = element size) or 4
 * (chunked: dimensions in the fewest bytes that hold the largest, the
 * index-specific fields copied from l->idx_info/idx_info_len). Compact
 * data comes from l->compact/l->size. Virtual layouts are refused
 * (C5_EUNSUPPORTED): c5_layout does not carry their heap index. */
int c5_layout_encode(c5_wr *w, const c5_layout *l);

/* Link message (type 6): hard, soft, external (l->target_file +
 * l->target) or other user-defined types (l->target's bytes, if any, as
 * the link value). Creation order stored when store_corder. */
int c5_link_encode(c5_wr *w, const c5_linkrec *l, int store_corder);

/* Link info message (type 2); addresses are C5_UNDEF for compact
 * storage. When li->track_corder, the message stores the next creation
 * order to give (libhdf5's "maximum creation index": one past the highest
 * given so far, 0 when none): c5_linfo_encode stores 0, which is right
 * only for a group that never had a link; pass the value to
 * c5_linfo_encode_v otherwise. */
int c5_linfo_encode(c5_wr *w, const c5_linfo *li);
int c5_linfo_encode_v(c5_wr *w, const c5_linfo *li, int64_t next_corder);
/* Group info message (type 10) with libhdf5's defaults: version 0, flags
 * 0 (no phase change values, no estimates). */
int c5_ginfo_encode(c5_wr *w);
/* Group info with non-default values: max_compact/min_dense stored when
 * phase is set, est_entries/est_name_len when est is set. */
int c5_ginfo_encode_ex(c5_wr *w, int phase, unsigned max_compact, unsigned min_dense, int est,
                       unsigned est_entries, unsigned est_name_len);
/* Attribute info message (type 21), with the next attribute creation
 * order (16 bits) when ai->track_corder, as for link info. */
int c5_ainfo_encode(c5_wr *w, const c5_ainfo *ai);
int c5_ainfo_encode_v(c5_wr *w, const c5_ainfo *ai, unsigned next_corder);

/* Attribute message (type 12). latest=0: version 1 (name, datatype and
 * dataspace each padded to 8), 2 when the type is committed (shared; flag
 * bit 0), 3 when the name is UTF-8; latest=1: version 3. The datatype as
 * c5_type_msg_encode, the dataspace as c5_space_encode, then the data: n
 * must equal the element count times the type size (variable-length data
 * already in file form: global heap IDs). The header message itself is
 * not shared: its message flags stay 0. */
int c5_attr_encode(c5_wr *w, const char *name, int cset, const c5_type *t, const c5_space *s,
                   const void *data, size_t n, int latest);
/* Re-encode like the existing attribute message orig[0..on): same
 * attribute version, datatype node versions, dataspace version and
 * maximum-dimension flag (for rewriting a value in place). */
int c5_attr_encode_as(c5_wr *w, const uint8_t *orig, size_t on, const char *name, int cset,
                      const c5_type *t, const c5_space *s, const void *data, size_t n);

/* Symbol table message (type 17): v1 B-tree and local heap addresses. */
int c5_stab_msg_encode(c5_wr *w, uint64_t btree, uint64_t heap);
/* Continuation message (type 16). */
int c5_cont_encode(c5_wr *w, uint64_t addr, uint64_t size);
/* Modification time message (type 18), version 1. */
int c5_mtime_encode(c5_wr *w, uint32_t secs);

#endif
