/* On-disk structures of the format layer: superblock, object headers and
 * their messages, local heap, symbol-table nodes. */
#ifndef C5_FORMAT_H
#define C5_FORMAT_H
#include "../core/internal.h"

/* Message type numbers (spec IV.A.2). */
enum {
    C5_MSG_NIL = 0x00, C5_MSG_DATASPACE = 0x01, C5_MSG_LINFO = 0x02, C5_MSG_DATATYPE = 0x03,
    C5_MSG_FILL_OLD = 0x04, C5_MSG_FILL = 0x05, C5_MSG_LINK = 0x06, C5_MSG_EFL = 0x07,
    C5_MSG_LAYOUT = 0x08, C5_MSG_BOGUS = 0x09, C5_MSG_GINFO = 0x0A, C5_MSG_PIPELINE = 0x0B,
    C5_MSG_ATTR = 0x0C, C5_MSG_COMMENT = 0x0D, C5_MSG_MTIME_OLD = 0x0E, C5_MSG_SOHM = 0x0F,
    C5_MSG_CONT = 0x10, C5_MSG_STAB = 0x11, C5_MSG_MTIME = 0x12, C5_MSG_BTREEK = 0x13,
    C5_MSG_DRVINFO = 0x14, C5_MSG_AINFO = 0x15, C5_MSG_REFCOUNT = 0x16, C5_MSG_FSINFO = 0x17,
    C5_MSG_MDCI = 0x18
};

/* ---- superblock (superblock.c) ---------------------------------------- */
int c5_superblock_read(c5_file *f);

/* ---- object headers (ohdr.c) ------------------------------------------ */
typedef struct c5_msg {
    uint16_t type;
    uint8_t flags;
    size_t size;
    const uint8_t *data;   /* points into the header's chunk buffers */
    uint64_t addr;         /* file address of the message body */
    uint16_t corder;
} c5_msg;

typedef struct c5_ohdr {
    uint64_t addr;
    int version;
    uint8_t flags;
    size_t nmsg;
    c5_msg *msg;
    size_t nchunks;
    uint8_t **chunks;
    uint64_t *extent;      /* per chunk {address, length}: chunk 0's message
                              area, continuation blocks whole */
} c5_ohdr;

int c5_ohdr_load(c5_file *f, uint64_t addr, c5_ohdr **out);
void c5_ohdr_free(c5_file *f, c5_ohdr *oh);

/* A message body ready to decode: shared messages resolved. `own` is set
 * when the bytes were allocated for the caller (free with c5_free). */
typedef struct c5_mbody {
    const uint8_t *p;
    size_t n;
    uint64_t addr;
    uint8_t *own;
    uint64_t committed;    /* header address of a committed datatype, else C5_UNDEF */
} c5_mbody;

/* Find the next message of `type` at index >= *pos; on success *pos is
 * advanced past it. Returns C5_ENOTFOUND when there is none. */
int c5_ohdr_find(c5_file *f, const c5_ohdr *oh, uint16_t type, size_t *pos, c5_mbody *out);
/* Resolve a raw message (possibly shared) into its body. */
int c5_msg_body(c5_file *f, const c5_msg *m, c5_mbody *out);
/* Resolve a shared-message reference encoding (spec IV.A.2 "Shared Message")
 * of message type `type`. */
int c5_shared_resolve(c5_file *f, uint16_t type, const uint8_t *p, size_t n, uint64_t addr,
                      int depth, c5_mbody *out);
void c5_mbody_free(c5_file *f, c5_mbody *b);

/* ---- messages (messages.c) -------------------------------------------- */
int c5_space_decode(c5_file *f, const c5_mbody *b, c5_space *out);

typedef enum { C5_LAYOUT_COMPACT = 0, C5_LAYOUT_CONTIG = 1, C5_LAYOUT_CHUNKED = 2,
               C5_LAYOUT_VIRTUAL = 3 } c5_layout_class;
typedef struct c5_layout {
    int version;
    c5_layout_class cls;
    uint64_t addr;          /* contiguous data / chunk index address */
    uint64_t size;          /* contiguous size; compact size */
    const uint8_t *compact; /* compact data (points into the message body) */
    int ndims;              /* chunked: rank + 1 (last = element size) */
    uint64_t chunk[C5_MAX_RANK + 1];
    int index_type;         /* v4 chunk index type (0 for the v1 B-tree of layout <= 3) */
    uint8_t flags;          /* v4 chunked flags (bit 0: no filters on a single
                               partial edge chunk; bit 1: single chunk filtered) */
    const uint8_t *idx_info; /* v4: the index-type-specific fields (points into
                                the message body) */
    size_t idx_info_len;
} c5_layout;
int c5_layout_decode(c5_file *f, const c5_mbody *b, c5_layout *out);

typedef struct c5_fill {
    int defined;            /* a value is stored */
    uint8_t alloc_time, write_time;
    size_t size;
    const uint8_t *value;   /* points into the message body */
} c5_fill;
int c5_fill_decode(c5_file *f, const c5_mbody *b, int old, c5_fill *out);

typedef struct c5_efl_slot { char *name; uint64_t offset, size; } c5_efl_slot;
typedef struct c5_efl { size_t n; c5_efl_slot *slot; } c5_efl;
int c5_efl_decode(c5_file *f, const c5_mbody *b, c5_efl *out);
void c5_efl_free(c5_file *f, c5_efl *e);

/* A decoded link. Strings are allocated with c5_malloc(f). */
typedef struct c5_linkrec {
    char *name;
    int type;
    uint64_t addr;
    char *target;
    char *target_file;
    int64_t corder;
    int has_corder;
    int cset;
    size_t udlen;          /* user-defined links: bytes of the value held
                              in target (NUL-terminated copy) */
} c5_linkrec;
int c5_link_decode(c5_file *f, const uint8_t *p, size_t n, uint64_t addr, c5_linkrec *out);
void c5_linkrec_free(c5_file *f, c5_linkrec *l);

typedef struct c5_linfo {
    int track_corder, index_corder;
    uint64_t fheap, name_bt2, corder_bt2;
} c5_linfo;
int c5_linfo_decode(c5_file *f, const c5_mbody *b, c5_linfo *out);

typedef struct c5_ainfo {
    int track_corder, index_corder;
    uint64_t fheap, name_bt2, corder_bt2;
} c5_ainfo;
int c5_ainfo_decode(c5_file *f, const c5_mbody *b, c5_ainfo *out);

/* An attribute message decoded: name, type, space, and data bytes. */
typedef struct c5_attrmsg {
    char *name;
    c5_type *type;
    c5_space space;
    const uint8_t *data;
    size_t data_size;
    int cset;
} c5_attrmsg;
/* Decode an attribute message body (bytes must stay alive as long as
 * out->data is used). */
int c5_attrmsg_decode(c5_file *f, const uint8_t *p, size_t n, uint64_t addr, c5_attrmsg *out);
void c5_attrmsg_free(c5_file *f, c5_attrmsg *a);

/* Decode the datatype message of an object header (resolving committed
 * types). */
int c5_type_from_body(c5_file *f, const c5_mbody *b, c5_type **out);

/* ---- local heap, symbol tables (symtab.c) ------------------------------ */
typedef struct c5_lheap {
    uint64_t addr;
    uint8_t *data;
    size_t size;
} c5_lheap;
int c5_lheap_load(c5_file *f, uint64_t addr, c5_lheap *out);
void c5_lheap_free(c5_file *f, c5_lheap *h);
/* NUL-terminated string at offset, bounded by the heap. */
int c5_lheap_str(c5_file *f, const c5_lheap *h, uint64_t off, const char **out);

/* Callback per symbol-table entry: name, object header address, cache
 * type and the 16 scratch bytes. */
typedef int (*c5_stab_cb)(void *ud, const char *name, uint64_t addr, uint32_t cache,
                          const uint8_t *scratch);
/* Iterate the entries of a symbol-table group (v1 B-tree + SNOD nodes) in
 * B-tree order (which is name order). */
int c5_stab_iterate(c5_file *f, uint64_t btree, const c5_lheap *heap, c5_stab_cb cb, void *ud);

/* ---- v1 B-tree (btree/btree1.c) ----------------------------------------- */
/* Visit every child pointer of leaf (level 0) nodes of a v1 B-tree of the
 * given node type, with the key bytes before it. */
typedef int (*c5_bt1_cb)(void *ud, const uint8_t *key, size_t keylen, uint64_t child);
int c5_bt1_iterate(c5_file *f, uint64_t addr, int node_type, size_t keylen, c5_bt1_cb cb,
                   void *ud);

#endif
