/* The filter pipeline (spec IV.A.2.l "Data Storage - Filter Pipeline
 * Message") and the decoders of each filter. */
#ifndef C5_FILTER_H
#define C5_FILTER_H
#include "../format/format.h"



typedef struct c5_pfilter {
    uint16_t id;           /* 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 5 nbit,
                              6 scaleoffset, 32000 lzf, 32001 blosc, 32004 lz4, ... */
    uint16_t flags;        /* bit 0: optional */
    char *name;            /* may be NULL */
    size_t ncd;
    uint32_t *cd;          /* client data values */
} c5_pfilter;

typedef struct c5_pipeline {
    int n;
    c5_pfilter f[C5_MAX_FILTERS];
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
typedef int (*c5_filter_decode_fn)(const c5_pfilter *flt, const c5_filter_ctx *ctx,
                                   const uint8_t *in, size_t n, uint8_t **out, size_t *outn);

/* Built-in and library-backed decoders (each in its own file). */
int c5_filter_deflate(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_shuffle(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_fletcher32(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                         uint8_t **, size_t *);
int c5_filter_lzf(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                  size_t *);
int c5_filter_nbit(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                   size_t *);
int c5_filter_scaleoffset(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                          uint8_t **, size_t *);
int c5_filter_szip(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                   size_t *);
/* The built-in szip decoder, also used when libaec is present for the
 * streams libaec mishandles (and by tests and fuzzers). */
int c5_filter_szip_builtin(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                           uint8_t **, size_t *);
int c5_filter_lz4(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
                  size_t *);
int c5_filter_blosc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                    uint8_t **, size_t *);
int c5_filter_bzip2(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                    uint8_t **, size_t *);
int c5_filter_lzo(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t, uint8_t **,
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

/* ==== the write side ===================================================
 * Encoders are the exact inverses of the decoders above; what they write
 * decodes with them and with libhdf5 and its plugins (h5py's lzf,
 * hdf5-blosc, the HDF Group lz4 and bzip2 plugins, PyTables' lzo), and
 * where the algorithm is deterministic (shuffle, fletcher32, scale-offset,
 * deflate on the zlib engine, lz4, bzip2, lzo, Blosc's lz4/zstd codecs)
 * the chunks are byte for byte libhdf5's. */

/* Convert between the public filter list and the internal pipeline.
 * from_public validates ids, flags, client-data counts and names (C5_EINVAL
 * with a message) and allocates with c5_malloc(f); release with
 * c5_pipeline_free. to_public truncates client data to C5_MAX_CD values and
 * names to 63 characters. */
int c5_pipeline_from_public(c5_file *f, const c5_filter *in, int n, c5_pipeline *out);
void c5_pipeline_to_public(const c5_pipeline *p, c5_filter *out, int *n);

/* libhdf5's "set local" step at dataset creation: complete the client data
 * for the dataset's datatype and chunk dims (rank dims, in elements) as
 * libhdf5 1.10 and the plugins store them, and give filters without a name
 * the name their library registers (written in version 1 messages).
 * Chunks must then be encoded at their full size (edge chunks padded), as
 * libhdf5 does: scale-offset checks the element count.
 *   deflate      cd[0] level (6 when absent; 0..9)
 *   shuffle      cd[0] element size
 *   fletcher32   no client data
 *   scale-offset 20 values: scale type, factor, then elements per chunk,
 *                class, size, sign, byte order, fill value defined, fill
 *                value (native order, 4 bytes a value); scale type 2 for
 *                integers, 0 (D-scaling) for floating point
 *   lzf          {4, 0x0105, chunk bytes} (user values beyond kept)
 *   blosc        {2, 2, typesize, chunk bytes, level, shuffle, codec} with
 *                level/shuffle/codec kept as given (absent: 5, 1, blosclz)
 *   lz4          unchanged (cd[0]: block size, optional)
 *   bzip2, lzo   unchanged (bzip2 cd[0]: block size 1..9; lzo's values
 *                are PyTables' and unused); need libbz2 / liblzo2
 * A filter cfive cannot encode (or cannot encode for this type) gives
 * C5_EINVAL with a message, unless it is optional: libhdf5 then skips it on
 * every chunk, and so does c5_pipeline_encode. set_local uses the default
 * fill value (zero, "defined"); set_local_fill takes the dataset's fill
 * value in the datatype's bytes (NULL = default). */
int c5_pipeline_set_local(c5_file *f, c5_pipeline *p, const c5_type *type, int rank,
                          const uint64_t *chunk);
int c5_pipeline_set_local_fill(c5_file *f, c5_pipeline *p, const c5_type *type, int rank,
                               const uint64_t *chunk, const void *fill);

/* 1 if cfive can encode filter id (in this build), else 0. */
int c5_filter_can_encode(unsigned id);

/* Apply the pipeline forward to one chunk, filters in order. `in` (n
 * bytes) is not consumed. On success *out (c5_malloc(ctx->f)) holds *outn
 * bytes and bit i of *mask is set when optional filter i was skipped:
 * libhdf5's rule is that an optional filter that fails (a compressor whose
 * output would not be smaller, a filter cfive lacks) is skipped and the
 * chunk goes on unchanged; a mandatory one failing fails the write
 * (message recorded with c5_fail). Thread-safe: no shared mutable state;
 * call it from several threads at once on different chunks. */
int c5_pipeline_encode(const c5_pipeline *p, const c5_filter_ctx *ctx, const uint8_t *in,
                       size_t n, uint8_t **out, size_t *outn, uint32_t *mask);

/* Encode a filter pipeline message body, version 1 (names NUL-padded to a
 * multiple of 8, odd client-data counts padded) or 2 (no names for IDs
 * below 256): the exact inverse of c5_pipeline_decode. */
int c5_pipeline_msg_encode(c5_wr *w, const c5_pipeline *p, int version);

/* One encode step; same shape as c5_filter_decode_fn, `in` not consumed,
 * *out allocated with c5_malloc(ctx->f). Encoders record no message: they
 * return 0 or a code (C5_ERANGE: the output would not be smaller / does
 * not fit, the normal failure of a compressor; C5_EINVAL: client data
 * unusable; C5_ENOMEM, C5_ELIMIT) and c5_pipeline_encode reports it. */
typedef int (*c5_filter_encode_fn)(const c5_pfilter *flt, const c5_filter_ctx *ctx,
                                   const uint8_t *in, size_t n, uint8_t **out, size_t *outn);
int c5_filter_deflate_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                          uint8_t **, size_t *);
int c5_filter_shuffle_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                          uint8_t **, size_t *);
int c5_filter_fletcher32_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                             uint8_t **, size_t *);
int c5_filter_scaleoffset_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                              uint8_t **, size_t *);
int c5_filter_lzf_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_lz4_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);
int c5_filter_blosc_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                        uint8_t **, size_t *);
int c5_filter_bzip2_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                        uint8_t **, size_t *);
int c5_filter_lzo_enc(const c5_pfilter *, const c5_filter_ctx *, const uint8_t *, size_t,
                      uint8_t **, size_t *);

/* zlib stream (RFC 1950) of in[0..n) at level 0..9 into out (cap bytes);
 * *outn receives its size. C5_ERANGE when it does not fit in cap,
 * C5_ENOFILTER for a forced engine that is not compiled in. Engines as for
 * c5_zlib_inflate (AUTO: libdeflate, else zlib, else built-in). Scratch
 * memory of the built-in engine comes from c5_malloc(f) (f may be NULL). */
int c5_zlib_deflate(c5_file *f, c5_inflate_engine_t engine, int level, const uint8_t *in,
                    size_t n, uint8_t *out, size_t cap, size_t *outn);
/* The built-in deflater: LZ77 with hash chains (lazy matching from level
 * 4), per block the smallest of stored, fixed and dynamic Huffman. */
int c5_deflate_builtin(c5_file *f, int level, const uint8_t *in, size_t n, uint8_t *out,
                       size_t cap, size_t *outn);

/* Byte shuffle of n bytes as elements of s bytes (the HDF5 shuffle filter
 * and Blosc's byte shuffle): nelem = n / s planes, the tail copied. */
void c5_byte_shuffle(uint8_t *restrict dst, const uint8_t *restrict src, size_t n, size_t s);
/* HDF5's Fletcher-32 of n bytes (what the filter appends, little-endian). */
uint32_t c5_fletcher32(const uint8_t *p, size_t n);

/* Blosc 1 container of in[0..n) into out (cap bytes), as c-blosc 1.x
 * writes it: clevel 0..9, doshuffle 0 none / 1 byte / 2 bit, typesize
 * 1..255, codec the Blosc compressor code (0 blosclz, 1 lz4, 2 lz4hc,
 * 4 zlib, 5 zstd with libzstd). Data that does not compress is stored as a
 * verbatim (memcpyed) container when cap allows it, else C5_ERANGE.
 * C5_ENOFILTER for a codec this build lacks, C5_EINVAL for bad
 * parameters. With the same liblz4 / libzstd, lz4, lz4hc and zstd
 * containers are byte for byte c-blosc's. */
int c5_blosc_compress(int clevel, int doshuffle, size_t typesize, int codec, const uint8_t *in,
                      size_t n, uint8_t *out, size_t cap, size_t *outn);

/* 1 if c5_blosc_compress has Blosc compressor code `code` in this build. */
int c5_blosc_codec_ok(int code);

/* Built-in LZ compressors (lz_enc.c) for the LZF, LZ4 block and BloscLZ
 * formats. Each returns the compressed size, or 0 when it would exceed cap.
 * work: C5_LZ_WORK bytes of scratch (aligned for uint32_t) owned by the
 * caller, so concurrent calls need distinct workspaces. n < 2^32 - 1. */
#define C5_LZ_WORK ((size_t)4 << 14)
size_t c5_lzf_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, void *work);
size_t c5_lz4_block_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, void *work);
size_t c5_blosclz_compress(int level, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                           void *work);

#endif
