/* Encode one chunk with cfive's filter pipeline, for tests/filter_encode_vs_h5py.py
 * (which plants the result into an h5py-made dataset with write_direct_chunk
 * and reads it back through libhdf5 and its plugins).
 *
 * usage: filter_encode_tool TYPE CHUNK ENGINE FILTERS IN OUT [FILLHEX]
 *   TYPE     i1 u1 i2 u2 i4 u4 i8 u8 f4 f8, prefixed with '>' for big-endian
 *   CHUNK    chunk dims in elements, e.g. 16x10
 *   ENGINE   deflate engine: auto, builtin, zlib or libdeflate
 *   FILTERS  comma-separated id:flags[:cd/cd/...], e.g. 2:1,1:1:6,3:0
 *   IN       the chunk's bytes (file); OUT receives the encoded chunk
 *   FILLHEX  optional fill value, the datatype's bytes in hex
 * Prints "mask M" and, per filter, "cd ID v v v ..." (the client data after
 * the set-local step) on stdout. Exit status 0 on success.
 *
 * Build: cc $(ALL_CFLAGS) -o build/filter_encode_tool tests/filter_encode_tool.c
 *        build/libcfive.a $(LIBS)   (the Makefile's variables) */
#include "core/internal.h"

#include "filters/filter.h"

#include <stdio.h>

static int parse_type(const char *s, c5_type **t)
{
    c5_byteorder order = C5_ORDER_LE;
    if (*s == '>') {
        order = C5_ORDER_BE;
        s++;
    }
    size_t size = (size_t)atoi(s + 1);
    if (s[0] == 'f')
        return c5_type_float(t, size, order);
    return c5_type_integer(t, size, s[0] == 'i', order);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (b && sz > 0 && fread(b, 1, (size_t)sz, fp) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    *n = sz > 0 ? (size_t)sz : 0;
    return b;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--features")) {
        /* Which libraries the encoders use (exact byte comparisons with
         * the plugins need the same ones). */
        int lz4 = 0, zstd = 0, bz2 = 0, lzo = 0;
#ifdef C5_HAVE_LZO
        lzo = 1;
#endif
#ifdef C5_HAVE_LZ4
        lz4 = 1;
#endif
#ifdef C5_HAVE_ZSTD
        zstd = 1;
#endif
#ifdef C5_HAVE_BZIP2
        bz2 = 1;
#endif
        printf("lz4 %d zstd %d bzip2 %d lzo %d\n", lz4, zstd, bz2, lzo);
        return 0;
    }
    if (argc < 7) {
        fprintf(stderr, "usage: %s TYPE CHUNK ENGINE FILTERS IN OUT [FILLHEX]\n", argv[0]);
        return 2;
    }
    c5_type *type = NULL;
    if (parse_type(argv[1], &type) != 0) {
        fprintf(stderr, "bad type %s\n", argv[1]);
        return 2;
    }
    uint64_t chunk[C5_MAX_RANK];
    int rank = 0;
    for (char *p = argv[2]; *p && rank < C5_MAX_RANK;) {
        chunk[rank++] = strtoull(p, &p, 10);
        if (*p == 'x')
            p++;
    }
    c5_inflate_engine_t engine = C5_INFLATE_AUTO;
    if (!strcmp(argv[3], "builtin"))
        engine = C5_INFLATE_BUILTIN;
    else if (!strcmp(argv[3], "zlib"))
        engine = C5_INFLATE_ZLIB;
    else if (!strcmp(argv[3], "libdeflate"))
        engine = C5_INFLATE_LIBDEFLATE;

    c5_filter pf[C5_MAX_FILTERS];
    int nf = 0;
    memset(pf, 0, sizeof pf);
    for (char *p = argv[4]; *p && nf < C5_MAX_FILTERS; nf++) {
        pf[nf].id = (unsigned)strtoul(p, &p, 10);
        if (*p == ':')
            pf[nf].flags = (unsigned)strtoul(p + 1, &p, 10);
        if (*p == ':') {
            p++;
            while (*p && *p != ',' && pf[nf].ncd < C5_MAX_CD) {
                pf[nf].cd[pf[nf].ncd++] = (unsigned)strtoul(p, &p, 10);
                if (*p == '/')
                    p++;
            }
        }
        if (*p == ',')
            p++;
    }
    uint8_t fill[16];
    const void *fillp = NULL;
    if (argc > 7) {
        for (size_t i = 0; i < sizeof fill && argv[7][2 * i] && argv[7][2 * i + 1]; i++) {
            char hx[3] = {argv[7][2 * i], argv[7][2 * i + 1], 0};
            fill[i] = (uint8_t)strtoul(hx, NULL, 16);
        }
        fillp = fill;
    }

    c5_pipeline p;
    if (c5_pipeline_from_public(NULL, pf, nf, &p) != 0 ||
        c5_pipeline_set_local_fill(NULL, &p, type, rank, chunk, fillp) != 0) {
        fprintf(stderr, "cannot set up the pipeline\n");
        return 1;
    }
    size_t n = 0;
    uint8_t *cur = slurp(argv[5], &n);
    if (!cur) {
        fprintf(stderr, "cannot read %s\n", argv[5]);
        return 1;
    }
    c5_filter_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.type = type;
    ctx.elem_size = c5_type_size(type);
    ctx.chunk_bytes = n;
    ctx.chunk_addr = C5_UNDEF;
    /* Filter by filter, so that deflate can run on a forced engine. */
    uint32_t mask = 0;
    for (int i = 0; i < p.n; i++) {
        uint8_t *o = NULL;
        size_t on = 0;
        int rc;
        if (p.f[i].id == C5_FILTER_DEFLATE && engine != C5_INFLATE_AUTO) {
            size_t cap = n + (n + 999) / 1000 + 12;
            o = malloc(cap);
            rc = c5_zlib_deflate(NULL, engine, (int)p.f[i].cd[0], cur, n, o, cap, &on);
            if (rc == C5_ENOFILTER) {
                fprintf(stderr, "deflate engine %s not in this build\n", argv[3]);
                return 3;
            }
        } else {
            c5_pipeline one;
            memset(&one, 0, sizeof one);
            one.n = 1;
            one.f[0] = p.f[i];
            uint32_t m1 = 0;
            rc = c5_pipeline_encode(&one, &ctx, cur, n, &o, &on, &m1);
            if (!rc && m1) {
                free(o);
                o = NULL;
                rc = C5_ERANGE; /* skipped */
            }
        }
        if (rc) {
            free(o);
            if (!(p.f[i].flags & 1)) {
                fprintf(stderr, "mandatory filter %u failed: %d\n", p.f[i].id, rc);
                return 1;
            }
            mask |= 1u << i;
            continue;
        }
        free(cur);
        cur = o;
        n = on;
    }
    FILE *fo = fopen(argv[6], "wb");
    if (!fo || (n && fwrite(cur, 1, n, fo) != n)) {
        fprintf(stderr, "cannot write %s\n", argv[6]);
        return 1;
    }
    fclose(fo);
    printf("mask %u\n", mask);
    for (int i = 0; i < p.n; i++) {
        printf("cd %u", p.f[i].id);
        for (size_t k = 0; k < p.f[i].ncd; k++)
            printf(" %u", p.f[i].cd[k]);
        printf("\n");
    }
    free(cur);
    c5_pipeline_free(NULL, &p);
    c5_type_close(type);
    return 0;
}
