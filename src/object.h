/* The object layer's shared internals: open objects and group links. */
#ifndef C5_OBJECT_H
#define C5_OBJECT_H
#include "format/format.h"
#include "type.h"

struct c5_object {
    c5_file *f;
    uint64_t addr;
    c5_ohdr *oh;
    c5_objkind kind;
    unsigned gen;            /* writable files: the flush generation oh was
                                loaded at (see c5_object_sync) */
    /* groups: links loaded on first use, sorted by name */
    int links_loaded;
    int track_corder;
    c5_vec links;            /* c5_linkrec */
    /* datasets: decoded on first use, so listing stays cheap and a broken
     * description fails only the calls that need it */
    int ds_state;            /* 0 not loaded, 1 loaded, <0 the load error */
    c5_space space;
    c5_type *type;
    c5_mbody layout_body, fill_body;
    c5_layout layout;
    c5_fill fill;
    c5_efl efl;
    struct c5_chunked *chunked; /* chunked storage state (chunked.c) */
};

/* A normalised regular hyperslab over a dataset's dataspace. */
typedef struct c5_sel {
    int rank;
    uint64_t start[C5_MAX_RANK], stride[C5_MAX_RANK], count[C5_MAX_RANK],
        block[C5_MAX_RANK];
    uint64_t nsel;
} c5_sel;

/* file.c */
void c5_file_retain(c5_file *f);
void c5_file_release(c5_file *f);
/* `name` joined to the folder of f's path (allocated with c5_malloc(f));
 * NULL when f has no path, name is absolute, or memory runs out. */
char *c5_path_beside(c5_file *f, const char *name);
/* Open (or reuse) the external file `name` linked from f. Borrowed. */
int c5_file_external(c5_file *f, const char *name, c5_file **out);

/* object.c */
int c5_object_new(c5_object **out, c5_file *f, uint64_t addr);
/* A handle to an object of a writable file without reading its header
 * (which may not be written yet); loaded on first read. */
int c5_object_wnew(c5_object **out, c5_file *f, uint64_t addr, c5_objkind kind);
/* Before reading through o: flush pending changes of a writable file and
 * reload o's header when a flush happened since it was loaded. */
int c5_object_sync(c5_object *o);

/* group.c */
/* Load a group's links (all storage styles), sorted by name. */
int c5_group_load(c5_object *g);
/* Binary search by name among loaded links. */
const c5_linkrec *c5_group_find(const c5_object *g, const char *name);
/* Find one link by name without loading the whole table when the group
 * is dense. *out is a copy owned by the caller (c5_linkrec_free).
 * C5_ENOTFOUND (without a message) when absent. */
int c5_group_lookup(c5_object *g, const char *name, c5_linkrec *out);

/* dataset.c */
/* Validate a hyperslab against a dataspace (NULL selects everything). */
int c5_sel_build(c5_file *f, const c5_space *sp, const c5_hyperslab *h, c5_sel *sel);
int c5_dataset_load(c5_object *o);
void c5_dataset_fini(c5_object *o);
/* Fill n elements of size esz with the dataset's fill value (or zeros). */
void c5_fill_elems(const c5_object *o, size_t esz, uint8_t *dst, uint64_t n);

/* chunked.c: chunked storage */
int c5_chunked_init(c5_object *o);
void c5_chunked_fini(c5_object *o);
/* Gather the selected elements, in file layout, into raw (sel->nsel
 * elements, C order over the selection). */
int c5_chunked_read(c5_object *o, const c5_sel *sel, uint8_t *raw);
int c5_chunked_read_points(c5_object *o, size_t n, const uint64_t *coords, uint8_t *raw);

/* attr.c: attributes of an object header. Visit every attribute message
 * body (compact, then dense), with its creation order where known. */
typedef int (*c5_attr_visit)(void *ud, const uint8_t *p, size_t n, uint64_t addr,
                             int64_t corder);
int c5_attr_each(c5_object *o, c5_attr_visit fn, void *ud);
#endif
