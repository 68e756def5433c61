/* cfive repack's command line, in the spirit of h5repack: -f FILTER and
 * -l LAYOUT specs (each optionally limited to a list of objects), the
 * minimum size for filtering, the slab budget and the format switch. */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "repack.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cfive repack [--latest] [-f FILT]... [-l LAYT]... [-m M] [-v] IN OUT\n"
            "  -L, --latest        write the latest format (default: compatible)\n"
            "  -f FILT, --filter=FILT  [OBJ,...:]GZIP=N | SZIP=N,EC|NN | SHUF | FLET |\n"
            "                      NBIT | SOFF=N,IN|DS | LZF | UD=ID,FLAG,NCD,V1[,...] | NONE\n"
            "  -l LAYT, --layout=LAYT  [OBJ,...:]CHUNK=AxB... | CONTI | COMPA\n"
            "  -m M, --minimum=M   do not filter datasets smaller than M bytes\n"
            "  -v, --verbose       name each object as it is copied\n"
            "  --slab=BYTES        memory for one slab of data (default 64 MiB)\n"
            "Copies every group, dataset, committed datatype, attribute and link of IN\n"
            "to the new file OUT, keeping shared objects shared and references valid.\n");
}

/* ---- -f / -l parsing ------------------------------------------------------ */

static int parse_u64(const char *s, const char *end, uint64_t *out)
{
    if (s == end)
        return -1;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* Splits params "a,b,c" into at most max uint values; words (EC, NN, IN,
 * DS) are returned through *word when word != NULL. Returns the count. */
static int split_params(const char *p, uint64_t *vals, int max, char words[][4], int nwords)
{
    int n = 0;
    while (p && *p) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        if (n >= max)
            return -1;
        if (parse_u64(p, e, &vals[n]) != 0) {
            if (n >= nwords || e - p > 3 || e == p)
                return -1;
            memcpy(words[n], p, (size_t)(e - p));
            words[n][e - p] = '\0';
            vals[n] = UINT64_MAX;
        } else if (n < nwords) {
            words[n][0] = '\0';
        }
        n++;
        p = *e ? e + 1 : e;
    }
    return n;
}

static int parse_filter(const char *name, const char *params, rp_spec *s)
{
    uint64_t v[C5_MAX_CD + 3];
    char w[4][4] = {{0}};
    int n = params ? split_params(params, v, C5_MAX_CD + 3, w, 4) : 0;
    c5_filter *f = &s->filt;
    memset(f, 0, sizeof *f);
    f->flags = 1; /* libhdf5 appends its own filters as optional, except fletcher32 */
    if (n < 0)
        return -1;
    if (strcmp(name, "GZIP") == 0) {
        if (n != 1 || v[0] < 1 || v[0] > 9)
            return -1;
        f->id = C5_FILTER_DEFLATE;
        f->ncd = 1;
        f->cd[0] = (unsigned)v[0];
    } else if (strcmp(name, "SZIP") == 0) {
        /* cd: options mask (EC 4, NN 32), pixels per block; the library
         * adds bits per pixel and pixels per scanline for the type. */
        if (n != 2 || v[0] < 2 || v[0] > 32 || v[0] % 2 ||
            (strcmp(w[1], "EC") != 0 && strcmp(w[1], "NN") != 0))
            return -1;
        f->id = C5_FILTER_SZIP;
        f->ncd = 2;
        f->cd[0] = strcmp(w[1], "EC") == 0 ? 4u : 32u;
        f->cd[1] = (unsigned)v[0];
    } else if (strcmp(name, "SHUF") == 0 || strcmp(name, "FLET") == 0 ||
               strcmp(name, "NBIT") == 0 || strcmp(name, "LZF") == 0 ||
               strcmp(name, "NONE") == 0) {
        if (n != 0)
            return -1;
        if (strcmp(name, "NONE") == 0)
            s->none = 1;
        f->id = name[0] == 'S' ? C5_FILTER_SHUFFLE
                : name[0] == 'F' ? C5_FILTER_FLETCHER32
                : name[0] == 'N' && name[1] == 'B' ? C5_FILTER_NBIT
                : name[0] == 'L' ? C5_FILTER_LZF : 0;
        if (f->id == C5_FILTER_FLETCHER32)
            f->flags = 0;
    } else if (strcmp(name, "SOFF") == 0) {
        /* cd: scale type (IN: 2 integer, DS: 0 float D-scaling), factor;
         * the library completes the parameters for the type. */
        if (n != 2 || v[0] > INT32_MAX || (strcmp(w[1], "IN") != 0 && strcmp(w[1], "DS") != 0))
            return -1;
        f->id = C5_FILTER_SCALEOFFSET;
        f->ncd = 2;
        f->cd[0] = strcmp(w[1], "IN") == 0 ? 2u : 0u;
        f->cd[1] = (unsigned)v[0];
    } else if (strcmp(name, "UD") == 0) {
        if (n < 3 || v[0] == UINT64_MAX || v[0] > 65535 || v[1] > 1 || v[2] > C5_MAX_CD ||
            (uint64_t)n != 3 + v[2])
            return -1;
        f->id = (unsigned)v[0];
        f->flags = (unsigned)v[1];
        f->ncd = (size_t)v[2];
        for (size_t i = 0; i < f->ncd; i++) {
            if (v[3 + i] > UINT32_MAX)
                return -1;
            f->cd[i] = (unsigned)v[3 + i];
        }
    } else {
        return -1;
    }
    return 0;
}

static int parse_layout(const char *name, const char *params, rp_spec *s)
{
    if (strcmp(name, "CONTI") == 0 || strcmp(name, "COMPA") == 0) {
        if (params)
            return -1;
        s->storage = name[1] == 'O' && name[2] == 'N' ? C5_STORAGE_CONTIGUOUS : C5_STORAGE_COMPACT;
        return 0;
    }
    if (strcmp(name, "CHUNK") != 0 || !params || !*params)
        return -1;
    s->storage = C5_STORAGE_CHUNKED;
    const char *p = params;
    while (*p) {
        const char *e = strchr(p, 'x');
        if (!e)
            e = p + strlen(p);
        if (s->rank >= C5_MAX_RANK || parse_u64(p, e, &s->chunk[s->rank]) != 0 ||
            s->chunk[s->rank] == 0 || s->chunk[s->rank] > UINT32_MAX)
            return -1;
        s->rank++;
        if (!*e)
            break;
        p = e + 1;
        if (!*p)
            return -1;
    }
    return 0;
}

/* "[obj,obj:]NAME[=params]". Object names may hold ':' themselves, so the
 * last ':' separates the list (filter and layout words never hold one). */
static int parse_spec(const char *arg, int is_layout, rp_spec *s)
{
    memset(s, 0, sizeof *s);
    s->is_layout = is_layout;
    const char *colon = strrchr(arg, ':');
    const char *what = colon ? colon + 1 : arg;
    if (colon) {
        size_t nobj = 1;
        for (const char *p = arg; p < colon; p++)
            nobj += *p == ',';
        s->objs = rp_xcalloc(nobj, sizeof *s->objs);
        const char *p = arg;
        while (p < colon) {
            const char *e = memchr(p, ',', (size_t)(colon - p));
            if (!e)
                e = colon;
            while (p < e && *p == '/')
                p++;
            if (e > p) {
                char *o = rp_xcalloc((size_t)(e - p) + 1, 1);
                memcpy(o, p, (size_t)(e - p));
                s->objs[s->nobjs++] = o;
            }
            p = e + 1;
        }
        if (s->nobjs == 0)
            return -1;
    }
    char name[16];
    const char *eq = strchr(what, '=');
    size_t nl = eq ? (size_t)(eq - what) : strlen(what);
    if (nl == 0 || nl >= sizeof name)
        return -1;
    memcpy(name, what, nl);
    name[nl] = '\0';
    for (char *c = name; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    const char *params = eq ? eq + 1 : NULL;
    return is_layout ? parse_layout(name, params, s) : parse_filter(name, params, s);
}

void rp_free_specs(repack *r)
{
    for (size_t i = 0; i < r->nspecs; i++) {
        for (size_t j = 0; j < r->specs[i].nobjs; j++)
            free(r->specs[i].objs[j]);
        free(r->specs[i].objs);
    }
    free(r->specs);
}

/* Value of an option: "-fV", "-f V", "--filter=V", "--filter V". */
static const char *opt_value(int argc, char **argv, int *i, size_t optlen)
{
    const char *a = argv[*i];
    if (a[optlen] == '=')
        return a + optlen + 1;
    if (a[optlen])
        return a + optlen;
    if (*i + 1 < argc) {
        (*i)++;
        return argv[*i];
    }
    return NULL;
}

/* Returns 0 to go on, otherwise 1 + the exit status. */
int rp_parse_args(int argc, char **argv, repack *r)
{
    r->specs = rp_xcalloc((size_t)argc, sizeof *r->specs);
    r->slab_bytes = RP_SLAB_BYTES;
    int i;
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--") == 0) {
            i++;
            break;
        }
        if (s[0] != '-' || s[1] == '\0')
            break;
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(s, "-L") == 0 || strcmp(s, "--latest") == 0) {
            r->latest = 1;
        } else if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) {
            r->verbose = 1;
        } else if (strncmp(s, "-f", 2) == 0 || strncmp(s, "--filter", 8) == 0 ||
                   strncmp(s, "-l", 2) == 0 || strncmp(s, "--layout", 8) == 0) {
            int layout = s[1] == 'l' || strncmp(s, "--layout", 8) == 0;
            const char *v = opt_value(argc, argv, &i, s[1] == '-' ? 8 : 2);
            if (!v || parse_spec(v, layout, &r->specs[r->nspecs]) != 0) {
                if (v)
                    r->nspecs++; /* so its object list is freed */
                fprintf(stderr, "cfive repack: bad %s '%s'\n", layout ? "layout" : "filter",
                        v ? v : "");
                usage(stderr);
                return 2;
            }
            r->nspecs++;
        } else if (strncmp(s, "-m", 2) == 0 || strncmp(s, "--minimum", 9) == 0) {
            const char *v = opt_value(argc, argv, &i, s[1] == '-' ? 9 : 2);
            if (!v || parse_u64(v, v + strlen(v), &r->min_comp) != 0)
                goto bad;
        } else if (strncmp(s, "--slab=", 7) == 0) {
            uint64_t v;
            if (parse_u64(s + 7, s + strlen(s), &v) != 0 || v == 0 || v > SIZE_MAX / 2)
                goto bad;
            r->slab_bytes = (size_t)v;
        } else {
            goto bad;
        }
    }
    if (argc - i != 2) {
        fprintf(stderr, "cfive repack: expected IN and OUT file names\n");
        usage(stderr);
        return 2;
    }
    r->in = argv[i];
    r->out = argv[i + 1];
    return 0;
bad:
    fprintf(stderr, "cfive repack: bad option '%s'\n", argv[i < argc ? i : argc - 1]);
    usage(stderr);
    return 2;
}
