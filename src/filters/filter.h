/* The filter pipeline (spec IV.A.2.l "Data Storage - Filter Pipeline
 * Message") and the decoders of each filter. */
#ifndef C5_FILTER_H
#define C5_FILTER_H
#include "../format/format.h"

#define C5_MAX_FILTERS 32

typedef struct c5_filter {
    uint16_t id;           /* 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 5 nbit,
                              6 scaleoffset, 32000 lzf, 32001 blosc, 32004 lz4, ... */
    uint16_t flags;        /* bit 0: optional */
    char *name;            /* may be NULL */
    size_t ncd;
    uint32_t *cd;          /* client data values */
} c5_filter;

typedef struct c5_pipeline {
    int n;
    c5_filter f[C5_MAX_FILTERS];
} c5_pipeline;

/* Decode a filter pipeline message (versions 1 and 2). Allocations use
 * c5_malloc(f); release with c5_pipeline_free. */
int c5_pipeline_decode(c5_file *f, const c5_mbody *b, c5_pipeline *out);
void c5_pipeline_free(c5_file *f, c5_pipeline *p);

/* What a filter needs to know about the data it decodes. */
typedef struct c5_filter_ctx {
    c5_file *f;            /* for error messages and c5_malloc */
    const c5_type *type;   /* dataset datatype (n-bit, scale-offset need it) */
    size_t elem_size;
    uint64_t chunk_bytes;  /* size of the decoded chunk */
    uint64_t chunk_addr;   /* for error messages */
} c5_filter_ctx;

/* Undo the pipeline on one stored chunk: filters applied in reverse order,
 * skipping those whose bit is set in mask. `in` (n bytes) is consumed: the
 * function takes ownership (it is freed or returned as *out). On success
 * *out (allocated with c5_malloc) holds *outn bytes, normally
 * ctx->chunk_bytes. A filter cfive does not have gives C5_ENOFILTER naming
 * it, optional or not: a filter whose mask bit is clear was applied and
 * must be undone (libhdf5's read path errors the same way). */
int c5_pipeline_apply(const c5_pipeline *p, uint32_t mask, const c5_filter_ctx *ctx,
                      uint8_t *in, size_t n, uint8_t **out, size_t *outn);

/* One decode step. Each filter file implements one of these; the table in
 * pipeline.c maps filter IDs to them. `in` is not consumed; *out is
 * allocated with c5_malloc(ctx->f). */
typedef int (*c5_filter_decode_fn)(const c5_filter *flt, const c5_filter_ctx *ctx,
                                   const uint8_t *in, size_t n, uint8_t **out, size_t *outn);

/* Built-in and library-backed decoders (each in its own file). */
int c5_filter_deflate(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_shuffle(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_fletcher32(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                         uint8_t **, size_t *);
int c5_filter_lzf(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                  size_t *);
int c5_filter_nbit(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                   size_t *);
int c5_filter_scaleoffset(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                          uint8_t **, size_t *);
int c5_filter_szip(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                   size_t *);
/* The built-in szip decoder, also used when libaec is present for the
 * streams libaec mishandles (and by tests and fuzzers). */
int c5_filter_szip_builtin(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                           uint8_t **, size_t *);
int c5_filter_lz4(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                  size_t *);
int c5_filter_blosc(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                    uint8_t **, size_t *);
int c5_filter_bzip2(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t,
                    uint8_t **, size_t *);
int c5_filter_lzo(const c5_filter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                  size_t *);

/* Raw inflate of a zlib stream (RFC 1950/1951) into out (cap bytes);
 * *outn receives the size produced. C5_ERANGE when the output does not fit,
 * C5_ENOFILTER for a forced engine that is not compiled in. Bytes of out
 * past *outn may be overwritten. Which engine runs is chosen at build
 * time (libdeflate, zlib, or the built-in inflater) and can be forced for
 * tests with c5_inflate_engine. */
typedef enum { C5_INFLATE_AUTO = 0, C5_INFLATE_LIBDEFLATE, C5_INFLATE_ZLIB,
               C5_INFLATE_BUILTIN } c5_inflate_engine_t;
int c5_zlib_inflate(c5_inflate_engine_t engine, const uint8_t *in, size_t n, uint8_t *out,
                    size_t cap, size_t *outn);
/* Built-in inflater (RFC 1951 raw deflate inside a zlib wrapper). */
int c5_inflate_builtin(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outn);

#endif
