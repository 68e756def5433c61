/* cfive: a from-scratch implementation of the HDF5 file format.
 *
 * The whole public API. Conventions:
 * - Every function returns int: 0 on success or a negative C5_E* code.
 *   c5_strerror() names a code; c5_errmsg() gives the last detailed message
 *   recorded on a file (what failed, where, at which file offset).
 * - Output parameters come first. Handles are opaque; every *_close is
 *   NULL-safe.
 * - Options are structs whose first member is their size; zero-initialise
 *   and set .size = sizeof(struct).
 * - Thread safety: distinct handles may be used from distinct threads. One
 *   handle must not be used from two threads at once. Objects keep their
 *   file alive: a file closed while objects are open is released when the
 *   last object closes.
 */
#ifndef CFIVE_H
#define CFIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define C5_VERSION_MAJOR 0
#define C5_VERSION_MINOR 1
#define C5_VERSION_PATCH 0

#if defined(__GNUC__)
#define C5_API __attribute__((visibility("default")))
#else
#define C5_API
#endif

/* Error codes (all negative). */
enum {
    C5_OK = 0,
    C5_ENOMEM = -1,       /* allocation failed */
    C5_EIO = -2,          /* the I/O layer failed */
    C5_ECORRUPT = -3,     /* the file violates the format (bad signature, checksum, bounds) */
    C5_EUNSUPPORTED = -4, /* valid HDF5, but a feature cfive does not implement */
    C5_ENOFILTER = -5,    /* a filter the data needs is not available */
    C5_ELIMIT = -6,       /* a configured limit (max_alloc, depth) was exceeded */
    C5_EINVAL = -7,       /* bad argument from the caller */
    C5_ENOTFOUND = -8,    /* no such object, link, attribute */
    C5_EEXIST = -9,       /* already exists */
    C5_ENOSPC = -10,      /* out of space */
    C5_ERANGE = -11,      /* caller buffer too small / selection out of bounds */
    C5_ETYPE = -12        /* no conversion between these datatypes */
};

typedef struct c5_file c5_file;
typedef struct c5_object c5_object;
typedef struct c5_attr c5_attr;
typedef struct c5_type c5_type;

/* ---- errors ---------------------------------------------------------- */

/* Static string naming an error code. Never NULL. */
C5_API const char *c5_strerror(int code);
/* Last detailed message recorded on this file ("" if none). The pointer
 * stays valid until the next call on the file or its close. */
C5_API const char *c5_errmsg(const c5_file *f);

/* ---- opening files ---------------------------------------------------- */

/* Caller-supplied I/O. read_at must fill exactly n bytes or fail (<0).
 * size reports the current byte size. close (optional) is called once when
 * the file is released. Only read_at and size are needed for reading. */
typedef struct c5_io {
    void *ctx;
    int (*read_at)(void *ctx, uint64_t offset, void *buf, size_t n);
    int (*write_at)(void *ctx, uint64_t offset, const void *buf, size_t n);
    int (*size)(void *ctx, uint64_t *out);
    int (*truncate)(void *ctx, uint64_t size);
    int (*sync)(void *ctx);
    void (*close)(void *ctx);
} c5_io;

/* Custom allocator: realloc semantics; n == 0 frees p and returns NULL. */
typedef void *(*c5_alloc_fn)(void *ctx, void *p, size_t n);

enum {
    /* Report checksum mismatches in c5_errmsg but keep reading (for
     * recovery tools). Default: a mismatch is C5_ECORRUPT. */
    C5_OPEN_IGNORE_CHECKSUMS = 1u << 0,
    /* Never open other files: external links, external raw data files and
     * virtual dataset sources fail instead. Files opened from memory or
     * through caller I/O behave so always (a hostile image must not make
     * the library read the local filesystem). */
    C5_OPEN_NO_EXTERNAL = 1u << 1
};

typedef struct c5_open_opts {
    size_t size;             /* sizeof(c5_open_opts) */
    unsigned flags;          /* C5_OPEN_* */
    uint64_t max_alloc;      /* cap on any single allocation driven by file
                                data; 0 = default (1 GiB) */
    c5_alloc_fn alloc;       /* NULL = libc */
    void *alloc_ctx;
    uint64_t chunk_cache_bytes; /* decoded-chunk cache budget; 0 = 64 MiB */
    int nthreads;            /* chunk decode threads; 0 = number of cores,
                                1 = decode on the calling thread only */
    /* Used by c5_file_open_mode when it creates a file: */
    int format;              /* c5_format: C5_FORMAT_COMPATIBLE (default) or
                                C5_FORMAT_LATEST */
    uint64_t userblock;      /* user block bytes: 0, or a power of two >= 512 */
    int durable;             /* fsync around the superblock write of each flush */
    unsigned root_flags;     /* C5_CREATE_TRACK_ORDER: the new root group
                                tracks link and attribute creation order */
} c5_open_opts;

/* The two on-disk styles a new file can take (see DESIGN.md, Writing). */
typedef enum {
    C5_FORMAT_COMPATIBLE = 0, /* superblock v0, object header v1, symbol-table
                                 groups, v1 B-tree chunk index: libhdf5 1.8+ */
    C5_FORMAT_LATEST = 1      /* superblock v3, object header v2, link messages
                                 and dense storage, layout v4 chunk indexes */
} c5_format;

/* Open an HDF5 file read-only. *out owns the file; release with
 * c5_file_close. opts may be NULL. A user block is found automatically. */
C5_API int c5_file_open(c5_file **out, const char *path, const c5_open_opts *opts);
/* Open an in-memory image. The buffer is borrowed: it must outlive the file. */
C5_API int c5_file_open_mem(c5_file **out, const void *buf, size_t n,
                            const c5_open_opts *opts);
/* Open through caller I/O. The io struct is copied; io->ctx is borrowed
 * until io->close is called (at release). */
C5_API int c5_file_open_io(c5_file **out, const c5_io *io, const c5_open_opts *opts);
/* Open with an h5py-style mode:
 *   "r"  read only (as c5_file_open)      "r+" read/write, must exist
 *   "w"  create, truncating any file      "w-" or "x": create, fail (C5_EEXIST)
 *   "a"  read/write if it exists, else create
 * New files take opts->format and opts->userblock. Changes are kept in memory
 * and written by c5_file_flush and c5_file_close; reads through a writable
 * handle flush first, so they see every change made before them. Files
 * opened for writing keep their existing structures' styles (a symbol-table
 * group stays one) and use opts->format only for what they create. */
C5_API int c5_file_open_mode(c5_file **out, const char *path, const char *mode,
                             const c5_open_opts *opts);
/* Write every pending change: data chunks, then metadata, then the
 * superblock (end-of-file address) last. No-op for read-only files. */
C5_API int c5_file_flush(c5_file *f);
/* Release the file handle (NULL-safe). Objects still open keep it alive.
 * For a writable file the last release flushes and truncates free tail
 * space; c5_file_close returns that flush's error. */
C5_API int c5_file_close(c5_file *f);

/* Change the decoded-chunk cache budget (bytes; 0 disables caching). */
C5_API int c5_file_set_chunk_cache(c5_file *f, uint64_t bytes);

typedef struct c5_file_info {
    size_t size;                 /* sizeof(c5_file_info) */
    int superblock_version;
    int offset_size, length_size;
    uint64_t userblock_size;     /* base address of the superblock */
    uint64_t eof;                /* end-of-file address from the superblock */
    uint64_t root_addr;
} c5_file_info;
C5_API int c5_file_get_info(const c5_file *f, c5_file_info *out);

/* ---- objects ---------------------------------------------------------- */

typedef enum { C5_OBJ_GROUP = 0, C5_OBJ_DATASET = 1, C5_OBJ_DATATYPE = 2 } c5_objkind;

/* Open the object at path (absolute, or relative to the root group).
 * Soft and external links are followed; external files are opened relative
 * to the linking file's folder. The object keeps its file open. */
C5_API int c5_object_open(c5_object **out, c5_file *f, const char *path);
/* Open relative to a group object. */
C5_API int c5_object_open_at(c5_object **out, c5_object *base, const char *path);
/* Open an object by header address (e.g. from an object reference). */
C5_API int c5_object_open_addr(c5_object **out, c5_file *f, uint64_t addr);
C5_API void c5_object_close(c5_object *o);
C5_API c5_objkind c5_object_kind(const c5_object *o);
/* Header address: the object's identity within its file. */
C5_API uint64_t c5_object_addr(const c5_object *o);
/* The file the object lives in (differs from the opening file after an
 * external link). Borrowed. */
C5_API c5_file *c5_object_file(const c5_object *o);
/* The object's comment (h5dump's COMMENT): *out is malloc'd, or NULL when
 * the object has none. */
C5_API int c5_object_comment(c5_object *o, char **out);
/* Whether a group tracks the creation order of its links, and an object
 * that of its attributes (h5py/netCDF4 track_order). */
C5_API int c5_object_track_order(c5_object *o, int *links, int *attrs);
/* Set (or with NULL remove) the comment of an object of a writable file. */
C5_API int c5_object_set_comment(c5_object *o, const char *comment);

/* ---- links ------------------------------------------------------------ */

typedef enum { C5_LINK_HARD = 0, C5_LINK_SOFT = 1, C5_LINK_EXTERNAL = 64 } c5_linktype;
typedef enum { C5_ORDER_NAME = 0, C5_ORDER_CREATION = 1 } c5_order;

typedef struct c5_link {
    const char *name;        /* UTF-8 or ASCII, NUL-terminated */
    int type;                /* c5_linktype or a user-defined type >= 64 */
    uint64_t addr;           /* hard: object header address */
    const char *target;      /* soft: path; external: object path */
    const char *target_file; /* external: file name */
    int64_t corder;          /* creation order, if has_corder */
    int has_corder;
    int cset;                /* 0 ASCII, 1 UTF-8 */
    size_t udlen;            /* user-defined (type >= 65): the value is the
                                udlen bytes at target */
} c5_link;

/* Called once per link; strings are valid during the call only. Return
 * nonzero to stop (that value is returned by c5_group_iterate). */
typedef int (*c5_link_cb)(void *ud, const c5_link *link);

/* Iterate the links of a group in increasing name order (byte-wise, as
 * libhdf5 orders them) or in creation order (C5_EINVAL if the group does
 * not track creation order). The link table is loaded on first use and
 * cached in the group handle. */
C5_API int c5_group_iterate(c5_object *group, c5_order order, c5_link_cb cb, void *ud);
/* Look up one link by path without following its last component. */
C5_API int c5_link_lookup(c5_object *base, const char *path, c5_link_cb cb, void *ud);

/* ---- dataspaces ------------------------------------------------------- */

#define C5_MAX_RANK 32
#define C5_UNLIMITED UINT64_MAX
typedef enum { C5_SPACE_SCALAR = 0, C5_SPACE_SIMPLE = 1, C5_SPACE_NULL = 2 } c5_spaceclass;

typedef struct c5_space {
    int cls;                          /* c5_spaceclass */
    int rank;                         /* 0 for scalar and null */
    uint64_t dims[C5_MAX_RANK];
    uint64_t maxdims[C5_MAX_RANK];    /* C5_UNLIMITED for unlimited */
} c5_space;

/* Dataspace of a dataset. */
C5_API int c5_dataset_space(c5_space *out, c5_object *ds);

/* ---- datatypes -------------------------------------------------------- */

typedef enum {
    C5_CLASS_INTEGER = 0, C5_CLASS_FLOAT = 1, C5_CLASS_TIME = 2, C5_CLASS_STRING = 3,
    C5_CLASS_BITFIELD = 4, C5_CLASS_OPAQUE = 5, C5_CLASS_COMPOUND = 6,
    C5_CLASS_REFERENCE = 7, C5_CLASS_ENUM = 8, C5_CLASS_VLEN = 9, C5_CLASS_ARRAY = 10
} c5_typeclass;

typedef enum { C5_ORDER_LE = 0, C5_ORDER_BE = 1, C5_ORDER_VAX = 2, C5_ORDER_NONE = 3 } c5_byteorder;
typedef enum { C5_STR_NULLTERM = 0, C5_STR_NULLPAD = 1, C5_STR_SPACEPAD = 2 } c5_strpad;
typedef enum { C5_CSET_ASCII = 0, C5_CSET_UTF8 = 1 } c5_cset;
typedef enum { C5_REF_OBJECT = 0, C5_REF_REGION = 1 } c5_reftype;

/* Predefined memory types (native byte order). */
typedef enum {
    C5_NATIVE_INT8, C5_NATIVE_UINT8, C5_NATIVE_INT16, C5_NATIVE_UINT16,
    C5_NATIVE_INT32, C5_NATIVE_UINT32, C5_NATIVE_INT64, C5_NATIVE_UINT64,
    C5_NATIVE_FLOAT, C5_NATIVE_DOUBLE,
    C5_NATIVE_OBJREF,   /* object reference as uint64_t address */
    C5_NATIVE_VLSTRING  /* variable-length string as char* (malloc'd) */
} c5_native;

/* Type handles are immutable after construction and may be shared between
 * threads. All constructors return a new handle owned by the caller. */
C5_API int c5_type_native(c5_type **out, c5_native which);
C5_API int c5_type_integer(c5_type **out, size_t size, int is_signed, c5_byteorder order);
C5_API int c5_type_float(c5_type **out, size_t size, c5_byteorder order);
C5_API int c5_type_string(c5_type **out, size_t size, c5_strpad pad, c5_cset cset);
/* Empty compound of the given byte size; add fields with insert. */
C5_API int c5_type_compound(c5_type **out, size_t size);
C5_API int c5_type_insert(c5_type *compound, const char *name, size_t offset,
                          const c5_type *member);
C5_API int c5_type_copy(c5_type **out, const c5_type *t);
C5_API void c5_type_close(c5_type *t);

C5_API c5_typeclass c5_type_class(const c5_type *t);
C5_API size_t c5_type_size(const c5_type *t);
C5_API c5_byteorder c5_type_order(const c5_type *t);
C5_API int c5_type_is_signed(const c5_type *t);
C5_API int c5_type_is_vlstring(const c5_type *t);
/* Compound and enum members; array, vlen and enum base type. */
C5_API int c5_type_nmembers(const c5_type *t);
C5_API const char *c5_type_member_name(const c5_type *t, int i);
C5_API size_t c5_type_member_offset(const c5_type *t, int i);
C5_API const c5_type *c5_type_member_type(const c5_type *t, int i);
C5_API const c5_type *c5_type_base(const c5_type *t);
/* Enum member value, as the base type's bytes (size of the base type). */
C5_API const void *c5_type_enum_value(const c5_type *t, int i);
C5_API int c5_type_array_dims(const c5_type *t, uint64_t *dims, int maxrank);

/* Bytes one element of t occupies in a read buffer: t's size, except that
 * variable-length strings take sizeof(char *) and sequences sizeof(c5_vl)
 * (arrays and compounds built from them accordingly). */
C5_API size_t c5_type_mem_size(const c5_type *t);

/* Datatype of a dataset or named datatype object (new handle). */
C5_API int c5_object_type(c5_type **out, c5_object *o);

/* ---- reading data ----------------------------------------------------- */

/* A hyperslab: per dimension start, stride (NULL = 1), count, block
 * (NULL = 1). Element order in the buffer is C order over the selection. */
typedef struct c5_hyperslab {
    int rank;
    const uint64_t *start, *stride, *count, *block;
} c5_hyperslab;

/* Read (a hyperslab of) a dataset into buf converted to mem (NULL = the
 * file type, bytes unchanged). cap is buf's byte capacity; C5_ERANGE when
 * too small. Variable-length results (vlen strings as char*, sequences as
 * c5_vl) are malloc'd: free with c5_reclaim. */
C5_API int c5_dataset_read(c5_object *ds, const c5_type *mem, const c5_hyperslab *sel,
                           void *buf, size_t cap);
/* Read npoints elements at coords (npoints x rank). */
C5_API int c5_dataset_read_points(c5_object *ds, const c5_type *mem, size_t npoints,
                                  const uint64_t *coords, void *buf, size_t cap);

typedef struct c5_vl { size_t len; void *p; } c5_vl;
/* Free the variable-length memory inside n elements of type mem. */
C5_API void c5_reclaim(const c5_type *mem, void *buf, size_t n);

/* ---- attributes ------------------------------------------------------- */

typedef int (*c5_attr_cb)(void *ud, const char *name);
/* Iterate attribute names in creation order where known, else storage order. */
C5_API int c5_attr_iterate(c5_object *o, c5_attr_cb cb, void *ud);
C5_API int c5_attr_open(c5_attr **out, c5_object *o, const char *name);
C5_API void c5_attr_close(c5_attr *a);
C5_API int c5_attr_space(c5_space *out, c5_attr *a);
C5_API int c5_attr_type(c5_type **out, c5_attr *a);
C5_API int c5_attr_read(c5_attr *a, const c5_type *mem, void *buf, size_t cap);

/* ---- more datatypes (for writing) ------------------------------------ */

#define C5_VARIABLE ((size_t)-1) /* string size: variable-length */
/* c5_type_string(out, C5_VARIABLE, pad, cset) makes a variable-length string
 * (memory form char*). */
C5_API int c5_type_enum(c5_type **out, const c5_type *base);
/* value: base-type bytes (c5_type_size(base) of them). */
C5_API int c5_type_enum_insert(c5_type *t, const char *name, const void *value);
C5_API int c5_type_array(c5_type **out, const c5_type *base, int rank, const uint64_t *dims);
C5_API int c5_type_vlen(c5_type **out, const c5_type *base); /* memory form c5_vl */
C5_API int c5_type_opaque(c5_type **out, size_t size, const char *tag);
C5_API int c5_type_bitfield(c5_type **out, size_t size, c5_byteorder order);
/* C5_REF_OBJECT: 8-byte object address (memory: uint64_t, as C5_NATIVE_OBJREF);
 * C5_REF_REGION: 12-byte global-heap ID (memory form: the file bytes). */
C5_API int c5_type_reference(c5_type **out, c5_reftype which);
/* Committed-type header address of t, or UINT64_MAX when t is transient. */
C5_API uint64_t c5_type_committed(const c5_type *t);

/* ---- creating objects ------------------------------------------------- */

enum {
    C5_CREATE_PARENTS = 1u << 0,    /* create missing intermediate groups */
    C5_CREATE_TRACK_ORDER = 1u << 1 /* track and index creation order of the
                                       group's links and the object's
                                       attributes (h5py track_order=True) */
};

typedef struct c5_group_opts {
    size_t size;             /* sizeof(c5_group_opts) */
    unsigned flags;          /* C5_CREATE_* */
} c5_group_opts;

/* Create a group at path (absolute or relative to the root). out may be
 * NULL. C5_EEXIST if the name is taken. Requires a writable file. */
C5_API int c5_group_create(c5_object **out, c5_file *f, const char *path,
                           const c5_group_opts *opts);

typedef enum {
    C5_STORAGE_DEFAULT = 0,   /* chunked if chunk dims or filters are given or
                                 a max dim exceeds its dim, else contiguous;
                                 chunked without chunk dims picks them as
                                 h5py does */
    C5_STORAGE_COMPACT = 1, C5_STORAGE_CONTIGUOUS = 2, C5_STORAGE_CHUNKED = 3,
    C5_STORAGE_VIRTUAL = 4    /* reported by c5_dataset_get_opts only */
} c5_storage;

/* Filter identifiers (HDF5 registry). */
enum {
    C5_FILTER_DEFLATE = 1, C5_FILTER_SHUFFLE = 2, C5_FILTER_FLETCHER32 = 3,
    C5_FILTER_SZIP = 4, C5_FILTER_NBIT = 5, C5_FILTER_SCALEOFFSET = 6,
    C5_FILTER_LZF = 32000, C5_FILTER_BLOSC = 32001, C5_FILTER_LZ4 = 32004,
    C5_FILTER_BZIP2 = 307, C5_FILTER_LZO = 305
};
#define C5_MAX_FILTERS 32
#define C5_MAX_CD 16

typedef struct c5_filter {
    unsigned id;
    unsigned flags;          /* bit 0: optional (skip when it cannot apply) */
    size_t ncd;
    unsigned cd[C5_MAX_CD];  /* client data as libhdf5 stores it (deflate:
                                level; scale-offset: scale type, factor;
                                blosc: 4 reserved, level, shuffle, codec) */
    char name[64];           /* optional name, stored for IDs >= 256 */
} c5_filter;

enum { C5_ALLOC_DEFAULT = 0, C5_ALLOC_EARLY = 1, C5_ALLOC_LATE = 2, C5_ALLOC_INCR = 3 };
enum { C5_FILL_IFSET = 0, C5_FILL_ALLOC = 1, C5_FILL_NEVER = 2 };

typedef struct c5_dataset_opts {
    size_t size;             /* sizeof(c5_dataset_opts) */
    unsigned flags;          /* C5_CREATE_* */
    int storage;             /* c5_storage */
    int chunk_rank;          /* 0 = no chunk dims given */
    uint64_t chunk[C5_MAX_RANK];
    int nfilters;
    c5_filter filters[C5_MAX_FILTERS];
    const void *fill;        /* fill value in the file type's bytes, or NULL */
    int alloc_time;          /* C5_ALLOC_* (default: as libhdf5 per layout) */
    int fill_time;           /* C5_FILL_* */
} c5_dataset_opts;

/* Create a dataset. type is the file datatype (a committed type of this
 * file is stored as a reference to it); space its dataspace (max dims
 * C5_UNLIMITED allowed for chunked storage). */
C5_API int c5_dataset_create(c5_object **out, c5_file *f, const char *path,
                             const c5_type *type, const c5_space *space,
                             const c5_dataset_opts *opts);
/* Creation properties of an existing dataset: storage, chunk dims,
 * filters, fill value (out->fill points into ds, valid while it is open). */
C5_API int c5_dataset_get_opts(c5_dataset_opts *out, c5_object *ds);
/* Write a hyperslab (NULL = everything) from buf laid out as mem (NULL =
 * the file type's bytes). len is buf's byte size; C5_ERANGE when short.
 * Variable-length memory (char*, c5_vl) is read, never freed. */
C5_API int c5_dataset_write(c5_object *ds, const c5_type *mem, const c5_hyperslab *sel,
                            const void *buf, size_t len);
/* Change the dims of a chunked dataset within its max dims. Shrinking
 * drops the chunks wholly outside; growing reads the fill value there. */
C5_API int c5_dataset_resize(c5_object *ds, const uint64_t *dims);

/* Commit a datatype as a named object at path. out may be NULL. */
C5_API int c5_type_commit(c5_object **out, c5_file *f, const char *path, const c5_type *t,
                          const c5_group_opts *opts);

/* Create or overwrite attribute `name` of o with the given file type and
 * space, written from buf laid out as mem (NULL = type's bytes). */
C5_API int c5_attr_write(c5_object *o, const char *name, const c5_type *type,
                         const c5_space *space, const c5_type *mem, const void *buf,
                         size_t len);
C5_API int c5_attr_delete(c5_object *o, const char *name);

/* Links at path (absolute or relative to the root); C5_EEXIST if taken.
 * flags: C5_CREATE_PARENTS. */
C5_API int c5_link_hard(c5_file *f, const char *path, c5_object *target, unsigned flags);
C5_API int c5_link_soft(c5_file *f, const char *path, const char *target, unsigned flags);
C5_API int c5_link_external(c5_file *f, const char *path, const char *file,
                            const char *objpath, unsigned flags);
/* Region references. A region reference (C5_REF_REGION, 12 bytes in
 * memory as in the file) names a global-heap object holding the referenced
 * object's address and an encoded selection. c5_regref_read returns both
 * (*sel malloc'd, the selection bytes exactly as stored after the
 * address); c5_regref_make stores them in a writable file and fills the
 * 12 bytes of ref_out. */
C5_API int c5_regref_read(c5_file *f, const void *ref, uint64_t *obj, void **sel,
                          size_t *sel_len);
C5_API int c5_regref_make(c5_file *f, void *ref_out, uint64_t obj, const void *sel,
                          size_t sel_len);

/* A user-defined link of class `type` (65..255) holding n opaque bytes. */
C5_API int c5_link_user(c5_file *f, const char *path, int type, const void *data, size_t n,
                        unsigned flags);

/* Remove a link (the object's space is not reclaimed). */
C5_API int c5_link_delete(c5_file *f, const char *path);

#ifdef __cplusplus
}
#endif
#endif
