/* Writers of compatible-format structures built aside (src/format/stabw.h):
 * symbol-table group storage, the v1 B-tree chunk index and global heap
 * collections.
 *
 * Files are made by hand here (superblock v0, version 1 object headers),
 * the structures written with the writers into fresh space of a writable
 * c5_file, and published by patching the message that points at them.
 * cfive reads them back; when /usr/bin/python3 has h5py (and h5dump/h5ls
 * are installed) libhdf5 reads them too and then modifies them: adds
 * links to the groups, resizes the datasets and writes new chunks, writes
 * new variable-length data, and cfive reads the result again. h5wasm
 * (libhdf5 2.0, tests/h5wasm_check.mjs) reads a sample when installed.
 *
 * C5_KEEP_TMP=1 keeps the files made (/tmp/c5stabw.*); C5_TIME_ORACLES=1
 * prints how long each external check took. */
#include "object.h"
#include "write.h"
#include "format/stabw.h"
#include "format/gheap.h"
#include "chunk/chunk.h"

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

/* ---- a writable c5_file over a POSIX descriptor -------------------------- */

typedef struct tio {
    int fd;
} tio;

static int t_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    tio *t = ctx;
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(t->fd, p, n, (off_t)off);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

static int t_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    tio *t = ctx;
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = pwrite(t->fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

static int t_size(void *ctx, uint64_t *out)
{
    struct stat st;
    if (fstat(((tio *)ctx)->fd, &st) < 0)
        return -1;
    *out = (uint64_t)st.st_size;
    return 0;
}

static int t_sync(void *ctx) { return fsync(((tio *)ctx)->fd); }

static void t_close(void *ctx)
{
    close(((tio *)ctx)->fd);
    free(ctx);
}

/* Open path (a valid file) for the writers: new space starts at the end. */
static c5_file *wopen(const char *path)
{
    tio *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    t->fd = open(path, O_RDWR);
    ck_assert_int_ge(t->fd, 0);
    c5_io io = {t, t_read, t_write, t_size, NULL, t_sync, t_close};
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open_io(&f, &io, NULL), 0);
    f->writable = 1;
    f->eoa = f->phys_size;
    f->eof_addr = C5_UNDEF; /* the superblock's value is rewritten at close */
    f->w = c5_calloc(f, 1, sizeof *f->w);
    ck_assert_ptr_nonnull(f->w);
    return f;
}

/* Record the end-of-file address in the superblock (v0: offset 40) and
 * release the handle without any flush logic. */
static void wclose(c5_file *f)
{
    uint8_t b[8];
    c5_put_le(b, f->eoa, 8);
    ck_assert_int_eq(c5_write(f, 40, b, 8), 0);
    c5_gheap_wfree(f);
    c5_free(f, f->w);
    f->w = NULL;
    f->writable = 0;
    c5_file_close(f);
}

static void patch_addr(c5_file *f, uint64_t at, uint64_t v)
{
    uint8_t b[8];
    c5_put_le(b, v, 8);
    ck_assert_int_eq(c5_write(f, at, b, 8), 0);
}

/* ---- hand-made files ------------------------------------------------------ */

typedef struct img {
    uint8_t *b;
    size_t n, cap;
} img;

static size_t img_add(img *m, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->b = realloc(m->b, m->cap);
        ck_assert_ptr_nonnull(m->b);
    }
    memset(m->b + m->n, 0, n);
    size_t at = m->n;
    m->n += n;
    return at;
}

static void img_put(img *m, size_t at, uint64_t v, unsigned nb) { c5_put_le(m->b + at, v, nb); }

/* Superblock v0 with 8-byte offsets and lengths; the root entry points at
 * the root object header (96) and caches its symbol table (patched). */
static void img_superblock(img *m, unsigned leafk, unsigned intk)
{
    size_t s = img_add(m, 96);
    memcpy(m->b + s, "\211HDF\r\n\032\n", 8);
    m->b[13] = 8;
    m->b[14] = 8;
    img_put(m, 16, leafk, 2);
    img_put(m, 18, intk, 2);
    img_put(m, 32, UINT64_MAX, 8); /* free-space info */
    img_put(m, 48, UINT64_MAX, 8); /* driver info */
    img_put(m, 64, 96, 8);         /* root object header */
    img_put(m, 72, 1, 4);          /* cache type 1 */
}

typedef struct msgspec {
    uint16_t type;
    uint8_t flags;
    size_t size;
    const uint8_t *body;
} msgspec;

/* A version 1 object header; returns its address; body_at[i] receives
 * the address of message i's body. */
static size_t img_ohdr(img *m, const msgspec *msgs, size_t nmsg, uint32_t refcount,
                       size_t *body_at)
{
    size_t total = 0;
    for (size_t i = 0; i < nmsg; i++)
        total += 8 + ((msgs[i].size + 7) & ~(size_t)7);
    size_t at = img_add(m, 16 + total);
    m->b[at] = 1;
    img_put(m, at + 2, nmsg, 2);
    img_put(m, at + 4, refcount, 4);
    img_put(m, at + 8, total, 4);
    size_t p = at + 16;
    for (size_t i = 0; i < nmsg; i++) {
        size_t sz = (msgs[i].size + 7) & ~(size_t)7;
        img_put(m, p, msgs[i].type, 2);
        img_put(m, p + 2, sz, 2);
        m->b[p + 4] = msgs[i].flags;
        if (msgs[i].body)
            memcpy(m->b + p + 8, msgs[i].body, msgs[i].size);
        if (body_at)
            body_at[i] = p + 8;
        p += 8 + sz;
    }
    return at;
}

/* A group header whose symbol table message is patched later. */
static size_t img_group(img *m, uint32_t refcount, size_t *stab_at)
{
    msgspec s = {C5_MSG_STAB, 0, 16, NULL};
    return img_ohdr(m, &s, 1, refcount, stab_at);
}

static void img_save(img *m, const char *path)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(m->b, 1, m->n, fp), m->n);
    fclose(fp);
}

/* ---- oracles ---------------------------------------------------------------- */

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ & 7];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/c5stabw.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    }
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

/* The libhdf5 side, run with /usr/bin/python3 + h5py. */
static const char *pyscript =
    "import sys, h5py, numpy as np\n"
    "def fail(m):\n"
    "    print('PYFAIL:', m); sys.exit(1)\n"
    "def read_list(p):\n"
    "    return [l.rstrip('\\n').split('\\t') for l in open(p, encoding='latin-1')]\n"
    "def check_links(f, exp):\n"
    "    names = list(f.keys()); en = [e[0] for e in exp]\n"
    "    if names != en:\n"
    "        d = next(((a, b) for a, b in zip(names, en) if a != b), None)\n"
    "        fail('keys differ: %d vs %d, first %s' % (len(names), len(en), d))\n"
    "    for e in exp:\n"
    "        l = f.get(e[0], getlink=True)\n"
    "        if e[1] == 'S':\n"
    "            if not isinstance(l, h5py.SoftLink) or l.path != e[2]: fail('soft ' + e[0])\n"
    "        elif not isinstance(l, h5py.HardLink): fail('hard ' + e[0])\n"
    "        else: f[e[0]].name\n"
    "def groups(path, listp, nadd):\n"
    "    exp = read_list(listp)\n"
    "    with h5py.File(path, 'r') as f: check_links(f, exp)\n"
    "    r = 12345; have = set(e[0] for e in exp)\n"
    "    with h5py.File(path, 'a') as f:\n"
    "        for i in range(nadd):\n"
    "            r = (r * 1103515245 + 12345) % 2**31\n"
    "            name = 'aemz'[i % 4] + str(r % 100000)\n"
    "            if name in have: continue\n"
    "            have.add(name)\n"
    "            if i % 3 == 0:\n"
    "                f[name] = h5py.SoftLink('/added/' + name); exp.append([name, 'S', '/added/' + name])\n"
    "            elif i % 3 == 1:\n"
    "                f.create_group(name); exp.append([name, 'H'])\n"
    "            else:\n"
    "                f.create_dataset(name, data=np.arange(3)); exp.append([name, 'H'])\n"
    "    exp.sort(key=lambda e: e[0].encode('latin-1'))\n"
    "    with h5py.File(path, 'r') as f: check_links(f, exp)\n"
    "    with open(listp + '.after', 'w', encoding='latin-1') as o:\n"
    "        for e in exp: o.write('\\t'.join(e) + '\\n')\n"
    "def expected(shape, chunk, old, sparse, hole):\n"
    "    idx = np.indices(shape, dtype=np.int64)\n"
    "    v = 1 + idx[0] * 131\n"
    "    if len(shape) > 1: v = v + idx[1] * 7\n"
    "    if len(shape) > 2: v = v + idx[2] * 3\n"
    "    v = v.astype('<i4')\n"
    "    if sparse:\n"
    "        cs = sum(idx[d] // chunk[d] for d in range(len(shape)))\n"
    "        inold = np.ones(shape, bool)\n"
    "        for d in range(len(shape)): inold &= idx[d] < old[d]\n"
    "        if hole:\n"
    "            h = np.ones(shape, bool)\n"
    "            for d in range(len(shape)):\n"
    "                c = 1 if d == len(shape) - 1 else 0\n"
    "                h &= idx[d] // chunk[d] == c\n"
    "            cs = np.where(h, 0, cs)\n"
    "        v[(cs % 2 == 1) & inold] = 0\n"
    "    return v\n"
    "def chunks(path, name, sparse, grow):\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        d = f[name]; shape = d.shape; ch = d.chunks\n"
    "        if not np.array_equal(d[...], expected(shape, ch, shape, sparse, False)): fail('data ' + name)\n"
    "    new0 = shape[0] + grow * ch[0]\n"
    "    nshape = (new0,) + shape[1:]\n"
    "    hole = sparse and shape[-1] > ch[-1]\n"
    "    full = expected(nshape, ch, shape, sparse, hole)\n"
    "    with h5py.File(path, 'a') as f:\n"
    "        d = f[name]\n"
    "        d.resize(new0, axis=0)\n"
    "        d[shape[0]:new0] = full[shape[0]:new0]\n"
    "        if hole:\n"
    "            sl = tuple(slice(0, min(ch[k], shape[k])) for k in range(len(shape) - 1))\n"
    "            sl += (slice(ch[-1], min(2 * ch[-1], shape[-1])),)\n"
    "            d[sl] = full[sl]\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        if not np.array_equal(f[name][...], full): fail('after append ' + name)\n"
    "def fval(shape):\n"
    "    idx = np.indices(shape, dtype=np.float64)\n"
    "    return idx[0] * 1000 + idx[1] * 0.5\n"
    "def fmake(path):\n"
    "    with h5py.File(path, 'w') as f:\n"
    "        f.create_dataset('z', data=fval((37, 45)), chunks=(8, 10), maxshape=(None, 45),\n"
    "                         compression='gzip', shuffle=True)\n"
    "        f.create_dataset('k', data=fval((300, 7)).astype('<u2'), chunks=(9, 7),\n"
    "                         maxshape=(None, 7), fletcher32=True)\n"
    "def fcheck(path):\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        if not np.array_equal(f['z'][...], fval((37, 45))): fail('z')\n"
    "        if not np.array_equal(f['k'][...], fval((300, 7)).astype('<u2')): fail('k')\n"
    "    with h5py.File(path, 'a') as f:\n"
    "        f['z'].resize(60, axis=0); f['z'][37:60] = fval((60, 45))[37:60]\n"
    "        f['k'].resize(320, axis=0); f['k'][300:320] = fval((320, 7))[300:320].astype('<u2')\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        if not np.array_equal(f['z'][...], fval((60, 45))): fail('z after append')\n"
    "        if not np.array_equal(f['k'][...], fval((320, 7)).astype('<u2')): fail('k after')\n"
    "def vstr(i):\n"
    "    return 'str%d-' % i + 'x' * (i % 17) + ('L' * 6000 if i % 97 == 5 else '')\n"
    "def vmake(path):\n"
    "    with h5py.File(path, 'w') as f:\n"
    "        f.create_dataset('s', data=[vstr(i) for i in range(300)], dtype=h5py.string_dtype())\n"
    "def vcheck(path):\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        got = [x.decode() for x in f['s'][...]]\n"
    "        if got != ['NEW-' + vstr(i) for i in range(300)]: fail('vlen strings')\n"
    "    with h5py.File(path, 'a') as f:\n"
    "        f.create_dataset('t', data=['more%d' % i for i in range(50)], dtype=h5py.string_dtype())\n"
    "        f['s'][3] = 'changed'\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        got = [x.decode() for x in f['s'][...]]\n"
    "        want = ['NEW-' + vstr(i) for i in range(300)]; want[3] = 'changed'\n"
    "        if got != want: fail('vlen after')\n"
    "        if [x.decode() for x in f['t'][...]] != ['more%d' % i for i in range(50)]: fail('t')\n"
    "def o4val(i):\n"
    "    return 'a%d' % i + 'y' * (i % 13)\n"
    "def o4make(path):\n"
    "    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE); fcpl.set_sizes(4, 4)\n"
    "    f = h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl))\n"
    "    f.create_group('sub')\n"
    "    f.create_dataset('s', data=[o4val(i) for i in range(200)], dtype=h5py.string_dtype())\n"
    "    f.create_dataset('c', data=np.arange(1000, dtype='<i4').reshape(40, 25), chunks=(4, 5),\n"
    "                     maxshape=(None, 25))\n"
    "    f.close()\n"
    "def o4check(path):\n"
    "    c0 = np.arange(1000, dtype='<i4').reshape(40, 25); c1 = np.arange(500, dtype='<i4').reshape(20, 25)\n"
    "    sv = ['NEW-' + o4val(i) for i in range(200)]\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        if not np.array_equal(f['c'][...], c0): fail('c')\n"
    "        if [x.decode() for x in f['s'][...]] != sv: fail('s')\n"
    "        if len(f.keys()) != 303 or f.get('l0003', getlink=True).path != '/sub': fail('links')\n"
    "    with h5py.File(path, 'a') as f:\n"
    "        for i in range(100): f.create_group('m%03d' % i)\n"
    "        f['c'].resize(60, axis=0); f['c'][40:60] = c1\n"
    "        f.create_dataset('t', data=['q%d' % i for i in range(30)], dtype=h5py.string_dtype())\n"
    "    with h5py.File(path, 'r') as f:\n"
    "        if len(f.keys()) != 404: fail('links after')\n"
    "        if not np.array_equal(f['c'][...], np.concatenate([c0, c1])): fail('c after')\n"
    "        if [x.decode() for x in f['s'][...]] != sv: fail('s after')\n"
    "cmd = sys.argv[1]\n"
    "if cmd == 'groups': groups(sys.argv[2], sys.argv[3], int(sys.argv[4]))\n"
    "elif cmd == 'chunks': chunks(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))\n"
    "elif cmd == 'fmake': fmake(sys.argv[2])\n"
    "elif cmd == 'fcheck': fcheck(sys.argv[2])\n"
    "elif cmd == 'vmake': vmake(sys.argv[2])\n"
    "elif cmd == 'vcheck': vcheck(sys.argv[2])\n"
    "elif cmd == 'o4make': o4make(sys.argv[2])\n"
    "elif cmd == 'o4check': o4check(sys.argv[2])\n";

static int have_oracle = -1;

static int oracle(void)
{
    if (have_oracle < 0) {
        have_oracle = access("/usr/bin/python3", X_OK) == 0 &&
                      system("/usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1") == 0 &&
                      access("/usr/bin/h5dump", X_OK) == 0 && access("/usr/bin/h5ls", X_OK) == 0;
        if (have_oracle) {
            FILE *fp = fopen(tpath("oracle.py"), "w");
            ck_assert_ptr_nonnull(fp);
            fputs(pyscript, fp);
            fclose(fp);
        } else {
            fprintf(stderr, "test_stab_write: h5py/h5dump not found, libhdf5 checks skipped\n");
        }
    }
    return have_oracle;
}

/* Run a shell command; returns its exit status. */
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = system(cmd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("C5_TIME_ORACLES"))
        fprintf(stderr, "%.2fs %.120s\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int py(const char *args)
{
    return run("HDF5_USE_FILE_LOCKING=FALSE /usr/bin/python3 %s %s", tpath("oracle.py"), args);
}

/* Lines printed by a command (-1 if it failed). */
static long count_lines(const char *fmt, const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    long n = 0;
    int c;
    while ((c = fgetc(p)) != EOF)
        n += c == '\n';
    int st = pclose(p);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? n : -1;
}

/* libhdf5 2.0 (h5wasm, tests/h5wasm_check.mjs) reads every object and
 * value of path without error. Skipped when node or h5wasm is missing. */
static void wasm_check(const char *path)
{
    static const char *cand[] = {"tests/h5wasm_check.mjs", "../tests/h5wasm_check.mjs",
                                 "/work/main/tests/h5wasm_check.mjs"};
    static const char *script;
    static int state = -1;
    if (state < 0) {
        state = 0;
        for (size_t i = 0; i < sizeof cand / sizeof *cand && !script; i++)
            if (access(cand[i], R_OK) == 0)
                script = cand[i];
        if (script && access("/usr/bin/node", X_OK) == 0)
            state = 1;
    }
    if (state != 1)
        return;
    char out[600];
    snprintf(out, sizeof out, "%s.wasm.json", path);
    int rc = run("node %s %s > %s 2>&1", script, path, out);
    if (rc == 2) {
        fprintf(stderr, "test_stab_write: h5wasm not installed, libhdf5 2.0 checks skipped\n");
        state = 0;
        return;
    }
    ck_assert_msg(rc == 0, "h5wasm failed on %s (see %s)", path, out);
    ck_assert_msg(run("grep -q '\"errors\": 0' %s", out) == 0, "h5wasm errors on %s (see %s)",
                  path, out);
}

/* ---- groups -------------------------------------------------------------------- */

typedef struct xlink {
    char name[32];
    int soft;
    char target[32];
} xlink;

static int xcmp(const void *a, const void *b)
{
    return strcmp(((const xlink *)a)->name, ((const xlink *)b)->name);
}

static uint32_t rng = 1;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

/* n distinct names sorted, "sub" among them when n > 0; every fifth link
 * soft (to "/sub", or dangling). */
static xlink *make_links(size_t n)
{
    xlink *l = calloc(n ? n : 1, sizeof *l);
    ck_assert_ptr_nonnull(l);
    static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
    size_t k = 0;
    if (n)
        strcpy(l[k++].name, "sub");
    while (k < n) {
        size_t len = 1 + rnd() % 20;
        l[k].name[0] = 'e';
        for (size_t i = 1; i <= len; i++)
            l[k].name[i] = cs[rnd() % (sizeof cs - 1)];
        l[k].name[len + 1] = 0;
        int dup = 0;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(l[j].name, l[k].name) == 0;
        if (dup)
            continue;
        if (k % 5 == 4) {
            l[k].soft = 1;
            strcpy(l[k].target, k % 10 == 4 ? "/sub" : "/nowhere/at/all");
        }
        k++;
    }
    qsort(l, n, sizeof *l, xcmp);
    return l;
}

typedef struct seen {
    const xlink *exp;
    size_t n, i;
    uint64_t sub;
} seen;

static int seen_cb(void *ud, const c5_link *lk)
{
    seen *s = ud;
    ck_assert_uint_lt(s->i, s->n);
    const xlink *e = &s->exp[s->i++];
    ck_assert_str_eq(lk->name, e->name);
    if (e->soft) {
        ck_assert_int_eq(lk->type, C5_LINK_SOFT);
        ck_assert_str_eq(lk->target, e->target);
    } else {
        ck_assert_int_eq(lk->type, C5_LINK_HARD);
        if (s->sub != C5_UNDEF)
            ck_assert_uint_eq(lk->addr, s->sub);
    }
    return 0;
}

static void cfive_check_group(const char *path, const xlink *exp, size_t n, uint64_t sub)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
    c5_object *root = NULL;
    ck_assert_int_eq(c5_object_open(&root, f, "/"), 0);
    seen s = {exp, n, 0, sub};
    ck_assert_int_eq(c5_group_iterate(root, C5_ORDER_NAME, seen_cb, &s), 0);
    ck_assert_uint_eq(s.i, n);
    c5_object_close(root);
    c5_file_close(f);
}

static void write_list(const char *path, const xlink *l, size_t n)
{
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, l[i].soft ? "%s\tS\t%s\n" : "%s\tH\n", l[i].name, l[i].target);
    fclose(fp);
}

static xlink *read_list(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t cap = 64, k = 0;
    xlink *l = calloc(cap, sizeof *l);
    char line[256];
    while (fgets(line, sizeof line, fp)) {
        if (k == cap)
            l = realloc(l, (cap *= 2) * sizeof *l);
        memset(&l[k], 0, sizeof *l);
        char *t1 = strchr(line, '\t');
        ck_assert_ptr_nonnull(t1);
        *t1++ = 0;
        ck_assert_uint_lt(strlen(line), sizeof l[k].name);
        memcpy(l[k].name, line, strlen(line) + 1);
        if (t1[0] == 'S') {
            l[k].soft = 1;
            char *t2 = t1 + 2;
            t2[strcspn(t2, "\n")] = 0;
            ck_assert_uint_lt(strlen(t2), sizeof l[k].target);
            memcpy(l[k].target, t2, strlen(t2) + 1);
        }
        k++;
    }
    fclose(fp);
    *n = k;
    return l;
}

/* Build a file whose root group holds n links with the given K values;
 * returns the links (sorted) and the "sub" group's address. */
static xlink *build_group_file(const char *path, size_t n, unsigned leafk, unsigned intk,
                               uint64_t *sub_addr)
{
    xlink *l = make_links(n);
    size_t nhard = 0;
    for (size_t i = 0; i < n; i++)
        nhard += !l[i].soft;
    img m = {0};
    img_superblock(&m, leafk, intk);
    size_t root_stab, sub_stab;
    size_t root = img_group(&m, 1, &root_stab);
    ck_assert_uint_eq(root, 96);
    size_t sub = img_group(&m, (uint32_t)(nhard ? nhard : 1), &sub_stab);
    img_save(&m, path);
    free(m.b);

    c5_file *f = wopen(path);
    ck_assert_uint_eq(f->sym_leaf_k, leafk);
    ck_assert_uint_eq(f->btree_k, intk);
    uint64_t sbt, shp, rbt, rhp;
    ck_assert_int_eq(c5_stab_write(f, NULL, 0, &sbt, &shp), 0);
    patch_addr(f, sub_stab, sbt);
    patch_addr(f, sub_stab + 8, shp);
    c5_stab_ent *e = calloc(n ? n : 1, sizeof *e);
    for (size_t i = 0; i < n; i++) {
        e[i].name = l[i].name;
        if (l[i].soft) {
            e[i].soft = l[i].target;
        } else {
            e[i].addr = sub;
            e[i].cache_type = 1;
            c5_put_le(e[i].scratch, sbt, 8);
            c5_put_le(e[i].scratch + 8, shp, 8);
        }
    }
    ck_assert_int_eq(c5_stab_write(f, e, n, &rbt, &rhp), 0);
    free(e);
    patch_addr(f, root_stab, rbt);
    patch_addr(f, root_stab + 8, rhp);
    patch_addr(f, 80, rbt); /* the superblock's cached copy */
    patch_addr(f, 88, rhp);
    wclose(f);
    *sub_addr = sub;
    return l;
}

static void group_case(size_t n, unsigned leafk, unsigned intk, size_t nadd)
{
    char name[64];
    snprintf(name, sizeof name, "g%zu_%u_%u.h5", n, leafk, intk);
    const char *path = tpath(name);
    uint64_t sub;
    xlink *l = build_group_file(path, n, leafk, intk, &sub);
    cfive_check_group(path, l, n, sub);
    if (n == 0 || leafk < 4) /* h5wasm is slow to start: a sample */
        wasm_check(path);
    if (oracle()) {
        long ls = count_lines("h5ls -r %s 2>&1", path);
        /* "/" and a line per link */
        ck_assert_msg(ls == (long)n + 1, "h5ls -r printed %ld lines for %zu links", ls, n);
        ck_assert_msg(count_lines("h5dump %s >/dev/null 2>&1 && echo ok", path) == 1,
                      "h5dump failed on %s", path);
        char list[600], args[1400];
        snprintf(list, sizeof list, "%s.list", path);
        write_list(list, l, n);
        snprintf(args, sizeof args, "groups %s %s %zu", path, list, nadd);
        ck_assert_msg(py(args) == 0, "libhdf5 check/insert failed for %s", path);
        ck_assert_msg(count_lines("h5dump %s >/dev/null 2>&1 && echo ok", path) == 1,
                      "h5dump failed after libhdf5 inserted into %s", path);
        size_t m2;
        char after[700];
        snprintf(after, sizeof after, "%s.after", list);
        xlink *l2 = read_list(after, &m2);
        ck_assert_uint_gt(m2, n);
        cfive_check_group(path, l2, m2, C5_UNDEF);
        free(l2);
    }
    free(l);
}

START_TEST(test_stab_write_groups_read_back_everywhere)
{
    static const size_t sizes[] = {0, 1, 8, 9, 100, 5000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        group_case(sizes[i], 4, 16, sizes[i] > 1000 ? 300 : 40);
}
END_TEST

START_TEST(test_stab_write_small_k_builds_deep_trees)
{
    /* 4 entries per node and 4 children per B-tree node: 5000 links make
     * a B-tree of 6 levels above the symbol-table nodes. */
    group_case(5000, 2, 2, 200);
    group_case(33, 1, 1, 30);
}
END_TEST

/* Structural checks of the bytes written. */
START_TEST(test_stab_write_layout_matches_libhdf5_conventions)
{
    const char *path = tpath("layout.h5");
    uint64_t sub;
    xlink *l = build_group_file(path, 9, 4, 16, &sub);
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
    c5_object *root = NULL;
    ck_assert_int_eq(c5_object_open(&root, f, "/"), 0);
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, root->oh, C5_MSG_STAB, &pos, &b), 0);
    uint64_t bt = c5_le(b.p, 8), hp = c5_le(b.p + 8, 8);
    c5_mbody_free(f, &b);
    /* heap: data right after a 32-byte header, "" at 0, free list 1 or a
     * free block */
    uint8_t h[32];
    ck_assert_int_eq(c5_read(f, hp, h, 32, "t"), 0);
    ck_assert_int_eq(memcmp(h, "HEAP", 4), 0);
    uint64_t dsz = c5_le(h + 8, 8), fl = c5_le(h + 16, 8), da = c5_le(h + 24, 8);
    ck_assert_uint_eq(da, hp + 32);
    ck_assert_uint_eq(dsz % 8, 0);
    uint8_t *d = malloc(dsz);
    ck_assert_int_eq(c5_read(f, da, d, dsz, "t"), 0);
    ck_assert_uint_eq(d[0], 0);
    if (fl != 1) {
        ck_assert_uint_lt(fl, dsz);
        ck_assert_uint_eq(c5_le(d + fl, 8), 1);
        ck_assert_uint_eq(fl + c5_le(d + fl + 8, 8), dsz);
    }
    /* B-tree root: one leaf over 2 SNODs of full size, keys "" and the
     * last name of each node */
    uint64_t nsz = c5_bt1_node_size(f, 8, 16);
    ck_assert_uint_eq(nsz, 24 + 32 * 8 + 33 * 8);
    uint8_t *t = malloc(nsz);
    ck_assert_int_eq(c5_read(f, bt, t, nsz, "t"), 0);
    ck_assert_int_eq(memcmp(t, "TREE", 4), 0);
    ck_assert_uint_eq(t[4], 0);
    ck_assert_uint_eq(t[5], 0);
    ck_assert_uint_eq(c5_le(t + 6, 2), 2);
    ck_assert_uint_eq(c5_le(t + 8, 8), UINT64_MAX);
    ck_assert_uint_eq(c5_le(t + 16, 8), UINT64_MAX);
    ck_assert_uint_eq(c5_le(t + 24, 8), 0);
    uint64_t k1 = c5_le(t + 40, 8), k2 = c5_le(t + 56, 8);
    uint64_t s0 = c5_le(t + 32, 8), s1 = c5_le(t + 48, 8);
    ck_assert_str_eq((char *)d + k1, l[3].name); /* 9 entries: 4 + 5 */
    ck_assert_str_eq((char *)d + k2, l[8].name);
    uint8_t sn[8];
    ck_assert_int_eq(c5_read(f, s0, sn, 8, "t"), 0);
    ck_assert_int_eq(memcmp(sn, "SNOD\1\0", 6), 0);
    ck_assert_uint_eq(c5_le(sn + 6, 2), 4);
    ck_assert_uint_eq(s1 - s0, 8 + 8 * 40); /* full-size nodes, adjacent */
    /* every entry; the soft link: undefined header address, cache type 2 */
    uint8_t *sb = malloc(8 + 8 * 40);
    int softs = 0;
    for (int node = 0; node < 2; node++) {
        size_t first = node ? 4 : 0, cnt = node ? 5 : 4;
        ck_assert_int_eq(c5_read(f, node ? s1 : s0, sb, 8 + 8 * 40, "t"), 0);
        ck_assert_uint_eq(c5_le(sb + 6, 2), cnt);
        for (size_t i = 0; i < cnt; i++) {
            const uint8_t *en = sb + 8 + 40 * i;
            const xlink *x = &l[first + i];
            ck_assert_str_eq((char *)d + c5_le(en, 8), x->name);
            if (x->soft) {
                softs++;
                ck_assert_uint_eq(c5_le(en + 8, 8), UINT64_MAX);
                ck_assert_uint_eq(c5_le(en + 16, 4), 2);
                ck_assert_str_eq((char *)d + c5_le(en + 24, 4), x->target);
            } else {
                ck_assert_uint_eq(c5_le(en + 8, 8), sub);
                ck_assert_uint_eq(c5_le(en + 16, 4), 1);
            }
        }
        for (size_t i = 8 + 40 * cnt; i < 8 + 8 * 40; i++)
            ck_assert_uint_eq(sb[i], 0);
    }
    ck_assert_int_eq(softs, 1);
    free(sb);
    free(t);
    free(d);
    c5_object_close(root);
    c5_file_close(f);
    free(l);
}
END_TEST

START_TEST(test_stab_write_rejects_unsorted_and_empty_names)
{
    const char *path = tpath("bad.h5");
    img m = {0};
    img_superblock(&m, 4, 16);
    img_group(&m, 1, NULL);
    img_save(&m, path);
    free(m.b);
    c5_file *f = wopen(path);
    c5_stab_ent e[2];
    memset(e, 0, sizeof e);
    e[0].name = "b";
    e[1].name = "a";
    uint64_t bt, hp, end = f->eoa;
    ck_assert_int_eq(c5_stab_write(f, e, 2, &bt, &hp), C5_EINVAL);
    e[1].name = "b";
    ck_assert_int_eq(c5_stab_write(f, e, 2, &bt, &hp), C5_EINVAL);
    e[0].name = "";
    ck_assert_int_eq(c5_stab_write(f, e, 1, &bt, &hp), C5_EINVAL);
    e[0].name = "a";
    e[0].addr = C5_UNDEF; /* an external link has no place here */
    ck_assert_int_eq(c5_stab_write(f, e, 1, &bt, &hp), C5_EINVAL);
    e[0].addr = 96;
    ck_assert_uint_eq(f->eoa, end); /* nothing allocated */
    /* freeing a written group gives all of its space back */
    e[0].name = "a";
    e[1].name = "b";
    e[1].soft = "/x";
    ck_assert_int_eq(c5_stab_write(f, e, 2, &bt, &hp), 0);
    ck_assert_uint_gt(f->eoa, end);
    ck_assert_int_eq(c5_stab_free(f, bt, hp), 0);
    ck_assert_uint_eq(f->eoa, end);
    wclose(f);
}
END_TEST

/* ---- chunk B-trees ----------------------------------------------------------------- */

static int32_t cval(int rank, const uint64_t *c)
{
    int64_t v = 1 + (int64_t)c[0] * 131;
    if (rank > 1)
        v += (int64_t)c[1] * 7;
    if (rank > 2)
        v += (int64_t)c[2] * 3;
    return (int32_t)v;
}

/* Is chunk `sc` stored in a sparse dataset (before libhdf5 fills the hole
 * at (0, ..., 0, 1) when `hole`)? */
static int chunk_present(int rank, const uint64_t *sc, int sparse, int hole)
{
    if (!sparse)
        return 1;
    uint64_t s = 0;
    int at_hole = 1;
    for (int d = 0; d < rank; d++) {
        s += sc[d];
        at_hole &= sc[d] == (d == rank - 1 ? 1u : 0u);
    }
    return (s % 2 == 0) || (hole && at_hole);
}

/* Compare the whole dataset read by cfive with the formula. old0 is the
 * first dimension the sparse pattern applies below. */
static void cfive_check_dset(const char *path, const char *name, int sparse, int hole,
                             uint64_t old0)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, name), 0);
    c5_space sp;
    ck_assert_int_eq(c5_dataset_space(&sp, o), 0);
    ck_assert_int_eq(c5_dataset_load(o), 0);
    uint64_t total = 1;
    for (int d = 0; d < sp.rank; d++)
        total *= sp.dims[d];
    int32_t *buf = malloc(total * 4 + 4);
    c5_type *t = NULL;
    ck_assert_int_eq(c5_type_native(&t, C5_NATIVE_INT32), 0);
    int rc = c5_dataset_read(o, t, NULL, buf, total * 4);
    ck_assert_msg(rc == 0, "read %s: %s", name, c5_errmsg(f));
    uint64_t c[C5_MAX_RANK], sc[C5_MAX_RANK];
    for (uint64_t i = 0; i < total; i++) {
        uint64_t r = i;
        for (int d = sp.rank - 1; d >= 0; d--) {
            c[d] = r % sp.dims[d];
            r /= sp.dims[d];
            sc[d] = c[d] / o->layout.chunk[d];
        }
        int32_t want = cval(sp.rank, c);
        if (c[0] < old0 && !chunk_present(sp.rank, sc, sparse, hole))
            want = 0;
        ck_assert_msg(buf[i] == want, "%s element %llu: %d, expected %d", name,
                      (unsigned long long)i, buf[i], want);
    }
    c5_type_close(t);
    free(buf);
    c5_object_close(o);
    c5_file_close(f);
}

typedef struct dcase {
    int rank;
    uint64_t grid[3], chunk[3];
    int sparse;
} dcase;

/* Build a file with one chunked int32 dataset "/d" per case (written by
 * hand, chunks full size, edge chunks partly outside the extent), its
 * chunk index written by c5_bt1_chunk_write; returns the chunk count. */
static size_t build_chunk_file(const char *path, const dcase *dc)
{
    int rank = dc->rank;
    uint64_t dims[3], nchunks = 1;
    for (int d = 0; d < rank; d++) {
        dims[d] = dc->grid[d] * dc->chunk[d] - (dc->chunk[d] > 1);
        nchunks *= dc->grid[d];
    }
    img m = {0};
    img_superblock(&m, 4, 16);
    size_t root_stab;
    img_group(&m, 1, &root_stab);
    /* dataset header: dataspace v1, datatype int32, fill v2, layout v3,
     * and a NIL message of slack */
    uint8_t space[8 + 16 * 3] = {1, (uint8_t)rank, 1};
    for (int d = 0; d < rank; d++) {
        c5_put_le(space + 8 + 8 * d, dims[d], 8);
        c5_put_le(space + 8 + 8 * (rank + d), d == 0 ? UINT64_MAX : dims[d], 8);
    }
    uint8_t dtype[12] = {0x10, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0};
    uint8_t fill[4] = {2, 3, 2, 0};
    uint8_t layout[3 + 8 + 4 * 4] = {3, 2, (uint8_t)(rank + 1)};
    for (int d = 0; d < rank; d++)
        c5_put_le(layout + 11 + 4 * d, dc->chunk[d], 4);
    c5_put_le(layout + 11 + 4 * rank, 4, 4);
    msgspec ms[5] = {{C5_MSG_DATASPACE, 0, 8 + 16 * (size_t)rank, space},
                     {C5_MSG_DATATYPE, 1, sizeof dtype, dtype},
                     {C5_MSG_FILL, 1, sizeof fill, fill},
                     {C5_MSG_LAYOUT, 0, 11 + 4 * ((size_t)rank + 1), layout},
                     {C5_MSG_NIL, 0, 64, NULL}};
    size_t body[5];
    size_t ds = img_ohdr(&m, ms, 5, 1, body);
    img_save(&m, path);
    free(m.b);

    c5_file *f = wopen(path);
    ck_assert_uint_eq(f->chunk_k, 32);
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = rank;
    g.elem_size = 4;
    g.chunk_bytes = 4;
    for (int d = 0; d < rank; d++) {
        g.dims[d] = dims[d];
        g.maxdims[d] = d == 0 ? C5_UNLIMITED : dims[d];
        g.chunk[d] = dc->chunk[d];
        g.chunk_bytes *= dc->chunk[d];
    }
    c5_chunk_rec *recs = calloc(nchunks, sizeof *recs);
    int32_t *cb = malloc(g.chunk_bytes);
    size_t n = 0;
    for (uint64_t i = 0; i < nchunks; i++) {
        uint64_t sc[3], r = i;
        for (int d = rank - 1; d >= 0; d--) {
            sc[d] = r % dc->grid[d];
            r /= dc->grid[d];
        }
        if (!chunk_present(rank, sc, dc->sparse, 0))
            continue;
        uint64_t ne = g.chunk_bytes / 4;
        for (uint64_t e = 0; e < ne; e++) {
            uint64_t c[3] = {0, 0, 0}, q = e;
            int inside = 1;
            for (int d = rank - 1; d >= 0; d--) {
                c[d] = sc[d] * dc->chunk[d] + q % dc->chunk[d];
                q /= dc->chunk[d];
                inside &= c[d] < dims[d];
            }
            cb[e] = inside ? cval(rank, c) : 0;
        }
        c5_chunk_rec *rec = &recs[n++];
        ck_assert_int_eq(c5_space_alloc(f, g.chunk_bytes, &rec->addr), 0);
        ck_assert_int_eq(c5_write(f, rec->addr, cb, g.chunk_bytes), 0);
        rec->size = g.chunk_bytes;
        memcpy(rec->scaled, sc, sizeof sc);
    }
    uint64_t root;
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, recs, n, &root), 0);
    patch_addr(f, body[3] + 3, root);
    /* the root group links "d" */
    c5_stab_ent e = {"d", ds, 0, {0}, NULL};
    uint64_t bt, hp;
    ck_assert_int_eq(c5_stab_write(f, &e, 1, &bt, &hp), 0);
    patch_addr(f, root_stab, bt);
    patch_addr(f, root_stab + 8, hp);
    patch_addr(f, 80, bt);
    patch_addr(f, 88, hp);
    wclose(f);
    free(cb);
    free(recs);
    return n;
}

static void chunk_case(const dcase *dc)
{
    char name[96];
    snprintf(name, sizeof name, "c%d_%llu_%llu_%llu_%d.h5", dc->rank,
             (unsigned long long)dc->grid[0], (unsigned long long)dc->grid[1],
             (unsigned long long)dc->grid[2], dc->sparse);
    const char *path = tpath(name);
    size_t n = build_chunk_file(path, dc);
    cfive_check_dset(path, "/d", dc->sparse, 0, UINT64_MAX);
    if (n == 5000 || dc->sparse)
        wasm_check(path);
    if (oracle()) {
        ck_assert_msg(count_lines("h5dump %s >/dev/null 2>&1 && echo ok", path) == 1,
                      "h5dump failed on %s", path);
        char args[700];
        snprintf(args, sizeof args, "chunks %s d %d 3", path, dc->sparse);
        ck_assert_msg(py(args) == 0, "libhdf5 check/append failed for %s", path);
        uint64_t old0 = dc->grid[0] * dc->chunk[0] - (dc->chunk[0] > 1);
        int hole = dc->sparse && dc->rank > 0 &&
                   dc->grid[dc->rank - 1] * dc->chunk[dc->rank - 1] -
                           (dc->chunk[dc->rank - 1] > 1) >
                       dc->chunk[dc->rank - 1];
        cfive_check_dset(path, "/d", dc->sparse, hole, old0);
    }
}

START_TEST(test_bt1_chunk_write_read_back_and_append)
{
    static const uint64_t g1[4][3] = {{1, 1, 1}, {64, 1, 1}, {65, 1, 1}, {5000, 1, 1}};
    static const uint64_t g2[4][3] = {{1, 1, 1}, {8, 8, 1}, {5, 13, 1}, {50, 100, 1}};
    static const uint64_t g3[4][3] = {{1, 1, 1}, {4, 4, 4}, {5, 13, 1}, {10, 20, 25}};
    static const uint64_t ch[3][3] = {{5, 1, 1}, {3, 4, 1}, {2, 3, 2}};
    for (int rank = 1; rank <= 3; rank++) {
        for (int i = 0; i < 4; i++) {
            dcase dc = {rank, {0}, {0}, 0};
            const uint64_t *gg = rank == 1 ? g1[i] : rank == 2 ? g2[i] : g3[i];
            for (int d = 0; d < 3; d++) {
                dc.grid[d] = gg[d];
                dc.chunk[d] = ch[rank - 1][d];
            }
            chunk_case(&dc);
        }
    }
    /* sparse: every other chunk missing; libhdf5 then fills a hole */
    dcase sp2 = {2, {8, 8, 1}, {3, 4, 1}, 1};
    chunk_case(&sp2);
    dcase sp3 = {3, {6, 5, 7}, {2, 3, 2}, 1};
    chunk_case(&sp3);
}
END_TEST

START_TEST(test_bt1_chunk_write_empty_tree_and_right_key)
{
    const char *path = tpath("cempty.h5");
    dcase dc = {2, {3, 5, 1}, {3, 4, 1}, 0};
    build_chunk_file(path, &dc);
    c5_file *f = wopen(path);
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = 2;
    g.elem_size = 4;
    g.chunk[0] = 3;
    g.chunk[1] = 4;
    uint64_t root;
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, NULL, 0, &root), 0);
    uint64_t nsz = c5_bt1_node_size(f, 8 + 24, 32);
    ck_assert_uint_eq(f->eoa - root, nsz);
    uint8_t *b = malloc(nsz);
    ck_assert_int_eq(c5_read(f, root, b, nsz, "t"), 0);
    ck_assert_int_eq(memcmp(b, "TREE\1\0\0\0", 8), 0);
    for (uint64_t i = 24; i < nsz; i++)
        ck_assert_uint_eq(b[i], 0);
    /* two chunks: the right-most key is one past (1, 2) in every
     * dimension, the element-size one included */
    c5_chunk_rec r[2];
    memset(r, 0, sizeof r);
    r[0].addr = 1000, r[0].size = 48, r[0].scaled[1] = 2;
    r[1].addr = 2000, r[1].size = 40, r[1].filter_mask = 1, r[1].scaled[0] = 1,
    r[1].scaled[1] = 2;
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, r, 2, &root), 0);
    ck_assert_int_eq(c5_read(f, root, b, nsz, "t"), 0);
    ck_assert_uint_eq(c5_le(b + 6, 2), 2);
    /* key i at 24 + 40 i (32 key bytes, then the 8-byte child) */
    const uint8_t *k0 = b + 24, *k1 = k0 + 40, *k2 = k1 + 40;
    ck_assert_uint_eq(c5_le(k0, 4), 48);
    ck_assert_uint_eq(c5_le(k0 + 4, 4), 0);
    ck_assert_uint_eq(c5_le(k0 + 8, 8), 0);
    ck_assert_uint_eq(c5_le(k0 + 16, 8), 8);
    ck_assert_uint_eq(c5_le(k0 + 24, 8), 0);
    ck_assert_uint_eq(c5_le(k0 + 32, 8), 1000); /* child 0 */
    ck_assert_uint_eq(c5_le(k1 + 32, 8), 2000); /* child 1 */
    ck_assert_uint_eq(c5_le(k1, 4), 40);
    ck_assert_uint_eq(c5_le(k1 + 4, 4), 1);
    ck_assert_uint_eq(c5_le(k1 + 8, 8), 3);
    ck_assert_uint_eq(c5_le(k1 + 16, 8), 8);
    ck_assert_uint_eq(c5_le(k2, 4), 0);
    ck_assert_uint_eq(c5_le(k2 + 8, 8), 6);
    ck_assert_uint_eq(c5_le(k2 + 16, 8), 12);
    ck_assert_uint_eq(c5_le(k2 + 24, 8), 4);
    /* unsorted or repeated input is refused */
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, (c5_chunk_rec[]){r[1], r[0]}, 2, &root),
                     C5_EINVAL);
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, (c5_chunk_rec[]){r[0], r[0]}, 2, &root),
                     C5_EINVAL);
    /* freeing the nodes gives the space back */
    uint64_t before = f->eoa;
    c5_chunk_rec *many = calloc(3000, sizeof *many);
    for (int i = 0; i < 3000; i++) {
        many[i].addr = 4096 + (uint64_t)i;
        many[i].size = 48;
        many[i].scaled[0] = (uint64_t)i / 50;
        many[i].scaled[1] = (uint64_t)i % 50;
    }
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, many, 3000, &root), 0);
    ck_assert_uint_eq(root, before);
    /* 3000 chunks: 47 leaves, 1 root */
    ck_assert_uint_eq(f->eoa - before, 48 * nsz);
    ck_assert_int_eq(c5_bt1_chunk_free(f, &g, root), 0);
    ck_assert_uint_eq(f->eoa, before);
    free(many);
    free(b);
    wclose(f);
}
END_TEST

typedef struct reccol {
    c5_chunk_rec r[64];
    size_t n;
} reccol;

static int collect(void *ud, const c5_chunk_rec *rec)
{
    reccol *c = ud;
    ck_assert_uint_lt(c->n, 64);
    c->r[c->n++] = *rec;
    return 0;
}

/* An h5py-made dataset (filtered, edge chunks): its chunk records are read
 * with the reader, the tree rebuilt by the writer and planted; libhdf5
 * reads the same data and appends to the planted tree. */
START_TEST(test_bt1_chunk_write_replants_h5py_trees)
{
    if (!oracle())
        return;
    const char *path = tpath("filtered.h5");
    char args[600];
    snprintf(args, sizeof args, "fmake %s", path);
    ck_assert_int_eq(py(args), 0);
    c5_file *f = wopen(path);
    static const char *names[] = {"/z", "/k"};
    for (int i = 0; i < 2; i++) {
        c5_object *o = NULL;
        ck_assert_int_eq(c5_object_open(&o, f, names[i]), 0);
        ck_assert_int_eq(c5_dataset_load(o), 0);
        ck_assert_int_eq(o->layout.cls, C5_LAYOUT_CHUNKED);
        ck_assert_int_eq(o->layout.version, 3);
        c5_chunk_geom g;
        memset(&g, 0, sizeof g);
        g.rank = o->space.rank;
        g.elem_size = o->type->size;
        g.chunk_bytes = g.elem_size;
        g.filtered = 1; /* both use filters */
        for (int d = 0; d < g.rank; d++) {
            g.dims[d] = o->space.dims[d];
            g.maxdims[d] = o->space.maxdims[d];
            g.chunk[d] = o->layout.chunk[d];
            g.chunk_bytes *= g.chunk[d];
        }
        c5_chunk_index *ix = NULL;
        int orc = c5_chunk_index_open(f, &o->layout, &g, &ix);
        ck_assert_msg(orc == 0, "index open: %s", c5_errmsg(f));
        reccol col = {.n = 0};
        ck_assert_int_eq(c5_chunk_iterate(ix, collect, &col), 0);
        c5_chunk_index_close(ix);
        ck_assert_uint_gt(col.n, 4);
        /* sort by scaled coordinates (the reader's order is unspecified) */
        for (size_t a = 1; a < col.n; a++)
            for (size_t b = a; b > 0; b--) {
                c5_chunk_rec *x = &col.r[b - 1], *y = &col.r[b];
                int c = 0;
                for (int d = 0; d < g.rank && !c; d++)
                    c = x->scaled[d] < y->scaled[d] ? -1 : x->scaled[d] > y->scaled[d];
                if (c <= 0)
                    break;
                c5_chunk_rec t = *x;
                *x = *y;
                *y = t;
            }
        uint64_t root;
        ck_assert_int_eq(c5_bt1_chunk_write(f, &g, col.r, col.n, &root), 0);
        ck_assert_uint_ne(root, o->layout.addr);
        patch_addr(f, o->layout_body.addr + 3, root);
        c5_object_close(o);
    }
    wclose(f);
    wasm_check(path);
    snprintf(args, sizeof args, "fcheck %s", path);
    ck_assert_msg(py(args) == 0, "libhdf5 rejected the replanted trees");
    /* cfive reads what libhdf5 appended */
    c5_file *r = NULL;
    ck_assert_int_eq(c5_file_open(&r, path, NULL), 0);
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, r, "/z"), 0);
    c5_type *t = NULL;
    ck_assert_int_eq(c5_type_native(&t, C5_NATIVE_DOUBLE), 0);
    double *v = malloc(60 * 45 * sizeof *v);
    ck_assert_int_eq(c5_dataset_read(o, t, NULL, v, 60 * 45 * sizeof *v), 0);
    for (int i = 0; i < 60; i++)
        for (int j = 0; j < 45; j++)
            ck_assert(v[i * 45 + j] == i * 1000 + j * 0.5);
    free(v);
    c5_type_close(t);
    c5_object_close(o);
    c5_file_close(r);
}
END_TEST

/* ---- global heap ------------------------------------------------------------------- */

/* Walk a collection as libhdf5 does: objects in sequence, the free object
 * (or a tail too small for a header) reaching exactly the end. */
static void walk_collection(c5_file *f, uint64_t coll, uint32_t nobj_min)
{
    uint8_t h[16];
    ck_assert_int_eq(c5_read(f, coll, h, 16, "t"), 0);
    ck_assert_int_eq(memcmp(h, "GCOL\1\0\0\0", 8), 0);
    uint64_t size = c5_le(h + 8, 8);
    ck_assert_uint_ge(size, 4096);
    ck_assert_uint_eq(size % 8, 0);
    uint8_t *b = malloc(size);
    ck_assert_int_eq(c5_read(f, coll, b, size, "t"), 0);
    uint64_t p = 16;
    uint32_t maxidx = 0, nfree = 0;
    while (p < size) {
        if (p + 16 > size) {
            p = size;
            break;
        }
        uint32_t idx = (uint32_t)c5_le(b + p, 2);
        uint64_t osz = c5_le(b + p + 8, 8);
        if (idx == 0) {
            nfree++;
            ck_assert_uint_ne(osz, 0);
            ck_assert_uint_eq(osz % 8, 0);
            p += osz;
        } else {
            ck_assert_uint_eq(idx, maxidx + 1);
            maxidx = idx;
            p += 16 + ((osz + 7) & ~(uint64_t)7);
        }
    }
    ck_assert_uint_eq(p, size);
    ck_assert_uint_le(nfree, 1);
    ck_assert_uint_ge(maxidx, nobj_min);
    free(b);
}

START_TEST(test_gheap_put_flush_read_back)
{
    const char *path = tpath("gheap.h5");
    img m = {0};
    img_superblock(&m, 4, 16);
    img_group(&m, 1, NULL);
    img_save(&m, path);
    free(m.b);
    c5_file *f = wopen(path);
    enum { N = 400 };
    static const size_t sizes[] = {0, 1, 7, 8, 9, 16, 100, 4000, 4080, 5000, 20000, 3};
    uint64_t coll[N];
    uint32_t idx[N];
    size_t len[N];
    uint8_t *buf = malloc(20000);
    uint64_t start = f->eoa;
    for (int i = 0; i < N; i++) {
        len[i] = sizes[i % 12];
        for (size_t j = 0; j < len[i]; j++)
            buf[j] = (uint8_t)(i * 31 + j);
        ck_assert_int_eq(c5_gheap_put(f, buf, len[i], &coll[i], &idx[i]), 0);
        ck_assert_uint_ge(idx[i], 1);
        if (i && coll[i] == coll[i - 1])
            ck_assert_uint_eq(idx[i], idx[i - 1] + 1);
        else
            ck_assert_uint_eq(idx[i], 1);
        if (i % 37 == 0)
            ck_assert_int_eq(c5_gheap_flush(f), 0);
    }
    ck_assert_int_eq(c5_gheap_flush(f), 0);
    ck_assert_int_eq(c5_gheap_flush(f), 0); /* nothing pending: no-op */
    ck_assert_uint_ge(coll[0], start);
    for (int i = 0; i < N; i++) {
        uint8_t *out = NULL;
        size_t n = 0;
        int rc = c5_gheap_read(f, coll[i], idx[i], &out, &n);
        if (len[i] == 0 && rc == C5_ENOMEM)
            continue; /* the reader's c5_malloc(0) may give NULL */
        ck_assert_msg(rc == 0, "object %d: %s", i, c5_errmsg(f));
        ck_assert_uint_eq(n, len[i]);
        for (size_t j = 0; j < n; j++)
            ck_assert_uint_eq(out[j], (uint8_t)(i * 31 + j));
        c5_free(f, out);
        if (i == 0 || coll[i] != coll[i - 1])
            walk_collection(f, coll[i], 1);
    }
    /* the collections tile the new space, each at least 4096 bytes */
    uint64_t a = start;
    while (a < f->eoa) {
        uint8_t h[16];
        ck_assert_int_eq(c5_read(f, a, h, 16, "t"), 0);
        ck_assert_int_eq(memcmp(h, "GCOL", 4), 0);
        a += c5_le(h + 8, 8);
    }
    ck_assert_uint_eq(a, f->eoa);
    free(buf);
    wclose(f);
}
END_TEST

START_TEST(test_gheap_needs_a_writable_file)
{
    c5_file *f = NULL;
    const char *path = tpath("ro.h5");
    img m = {0};
    img_superblock(&m, 4, 16);
    img_group(&m, 1, NULL);
    img_save(&m, path);
    free(m.b);
    ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
    uint64_t c;
    uint32_t i;
    ck_assert_int_eq(c5_gheap_put(f, "x", 1, &c, &i), C5_EINVAL);
    ck_assert_int_eq(c5_gheap_flush(f), 0);
    c5_gheap_wfree(f);
    c5_file_close(f);
}
END_TEST

/* Variable-length strings of an h5py-made dataset are rewritten into new
 * global heap collections; libhdf5 reads them and adds its own. */
START_TEST(test_gheap_vlen_strings_read_by_libhdf5)
{
    if (!oracle())
        return;
    const char *path = tpath("vlen.h5");
    char args[600];
    snprintf(args, sizeof args, "vmake %s", path);
    ck_assert_int_eq(py(args), 0);
    c5_file *f = wopen(path);
    c5_object *o = NULL;
    ck_assert_int_eq(c5_object_open(&o, f, "/s"), 0);
    ck_assert_int_eq(c5_dataset_load(o), 0);
    ck_assert_int_eq(o->layout.cls, C5_LAYOUT_CONTIG);
    enum { N = 300 };
    uint8_t raw[N * 16];
    uint64_t da = o->layout.addr;
    ck_assert_int_eq(c5_read(f, da, raw, sizeof raw, "t"), 0);
    char **want = calloc(N, sizeof *want);
    for (int i = 0; i < N; i++) {
        uint8_t *s = NULL;
        size_t n = 0;
        uint8_t *e = raw + 16 * i;
        ck_assert_int_eq(c5_gheap_read(f, c5_le(e + 4, 8), (uint32_t)c5_le(e + 12, 4), &s, &n),
                         0);
        ck_assert_uint_eq(n, c5_le(e, 4));
        want[i] = malloc(n + 5);
        memcpy(want[i], "NEW-", 4);
        memcpy(want[i] + 4, s, n);
        want[i][n + 4] = 0;
        c5_free(f, s);
        uint64_t coll;
        uint32_t idx;
        ck_assert_int_eq(c5_gheap_put(f, want[i], n + 4, &coll, &idx), 0);
        c5_put_le(e, n + 4, 4);
        c5_put_le(e + 4, coll, 8);
        c5_put_le(e + 12, idx, 4);
        if (i == 100 || i == 200) /* continue collections after a flush */
            ck_assert_int_eq(c5_gheap_flush(f), 0);
    }
    ck_assert_int_eq(c5_gheap_flush(f), 0);
    ck_assert_int_eq(c5_write(f, da, raw, sizeof raw), 0);
    c5_object_close(o);
    wclose(f);
    wasm_check(path);
    snprintf(args, sizeof args, "vcheck %s", path);
    ck_assert_msg(py(args) == 0, "libhdf5 rejected the collections");
    /* our objects are intact after libhdf5 wrote into the file */
    c5_file *r = NULL;
    ck_assert_int_eq(c5_file_open(&r, path, NULL), 0);
    ck_assert_int_eq(c5_read(r, da, raw, sizeof raw, "t"), 0);
    for (int i = 0; i < N; i++) {
        if (i == 3)
            continue; /* rewritten by libhdf5 */
        uint8_t *s = NULL;
        size_t n = 0;
        uint8_t *e = raw + 16 * i;
        ck_assert_int_eq(c5_gheap_read(r, c5_le(e + 4, 8), (uint32_t)c5_le(e + 12, 4), &s, &n),
                         0);
        ck_assert_uint_eq(n, strlen(want[i]));
        ck_assert_int_eq(memcmp(s, want[i], n), 0);
        c5_free(r, s);
    }
    c5_file_close(r);
    for (int i = 0; i < N; i++)
        free(want[i]);
    free(want);
}
END_TEST

static void put4(c5_file *f, uint64_t at, uint64_t v)
{
    uint8_t b[4];
    c5_put_le(b, v, 4);
    ck_assert_int_eq(c5_write(f, at, b, 4), 0);
}

/* All three writers on a file with 4-byte offsets and lengths (made by
 * h5py): the root group, a chunk index and variable-length strings are
 * rewritten; libhdf5 1.10 and 2.0 read them and libhdf5 modifies them. */
START_TEST(test_writers_four_byte_offsets)
{
    if (!oracle())
        return;
    const char *path = tpath("o4.h5");
    char args[600];
    snprintf(args, sizeof args, "o4make %s", path);
    ck_assert_int_eq(py(args), 0);
    c5_file *f = wopen(path);
    ck_assert_uint_eq(f->osz, 4);
    ck_assert_uint_eq(f->lsz, 4);
    c5_object *root, *sub, *s, *c;
    ck_assert_int_eq(c5_object_open(&root, f, "/"), 0);
    ck_assert_int_eq(c5_object_open(&sub, f, "/sub"), 0);
    ck_assert_int_eq(c5_object_open(&s, f, "/s"), 0);
    ck_assert_int_eq(c5_object_open(&c, f, "/c"), 0);
    /* vlen strings: 4 length, 4 collection address, 4 index */
    ck_assert_int_eq(c5_dataset_load(s), 0);
    uint8_t raw[200 * 12];
    for (int i = 0; i < 200; i++) {
        char v[64];
        int k = snprintf(v, sizeof v, "NEW-a%d", i);
        for (int y = 0; y < i % 13; y++)
            v[k++] = 'y';
        uint64_t coll;
        uint32_t idx;
        ck_assert_int_eq(c5_gheap_put(f, v, (size_t)k, &coll, &idx), 0);
        c5_put_le(raw + 12 * i, (uint64_t)k, 4);
        c5_put_le(raw + 12 * i + 4, coll, 4);
        c5_put_le(raw + 12 * i + 8, idx, 4);
        if (i == 77)
            ck_assert_int_eq(c5_gheap_flush(f), 0);
    }
    ck_assert_int_eq(c5_gheap_flush(f), 0);
    ck_assert_int_eq(c5_write(f, s->layout.addr, raw, sizeof raw), 0);
    /* the chunk index, from the reader's records */
    ck_assert_int_eq(c5_dataset_load(c), 0);
    c5_chunk_geom g;
    memset(&g, 0, sizeof g);
    g.rank = 2;
    g.elem_size = 4;
    g.chunk_bytes = 4;
    for (int d = 0; d < 2; d++) {
        g.dims[d] = c->space.dims[d];
        g.maxdims[d] = c->space.maxdims[d];
        g.chunk[d] = c->layout.chunk[d];
        g.chunk_bytes *= g.chunk[d];
    }
    c5_chunk_index *ix;
    ck_assert_int_eq(c5_chunk_index_open(f, &c->layout, &g, &ix), 0);
    c5_chunk_rec recs[50];
    size_t nr = 0;
    for (uint64_t a = 0; a < 10; a++)
        for (uint64_t b = 0; b < 5; b++) {
            uint64_t sc[2] = {a, b};
            ck_assert_int_eq(c5_chunk_lookup(ix, sc, &recs[nr++]), 0);
        }
    c5_chunk_index_close(ix);
    uint64_t croot;
    ck_assert_int_eq(c5_bt1_chunk_write(f, &g, recs, nr, &croot), 0);
    put4(f, c->layout_body.addr + 3, croot);
    /* the root group: "c", 300 links to /sub (every seventh soft), "s", "sub" */
    static char names[300][8];
    c5_stab_ent e[303];
    memset(e, 0, sizeof e);
    e[0].name = "c";
    e[0].addr = c->addr;
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "l%04d", i);
        e[1 + i].name = names[i];
        if (i % 7 == 3)
            e[1 + i].soft = "/sub";
        else
            e[1 + i].addr = sub->addr;
    }
    e[301].name = "s";
    e[301].addr = s->addr;
    e[302].name = "sub";
    e[302].addr = sub->addr;
    uint64_t bt, hp;
    ck_assert_int_eq(c5_stab_write(f, e, 303, &bt, &hp), 0);
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, root->oh, C5_MSG_STAB, &pos, &b), 0);
    put4(f, b.addr, bt);
    put4(f, b.addr + 4, hp);
    c5_mbody_free(f, &b);
    put4(f, 56, bt); /* the superblock's root entry (4-byte fields) */
    put4(f, 60, hp);
    put4(f, 32, f->eoa);
    c5_object_close(root);
    c5_object_close(sub);
    c5_object_close(s);
    c5_object_close(c);
    c5_gheap_wfree(f);
    c5_free(f, f->w);
    f->w = NULL;
    f->writable = 0;
    c5_file_close(f);
    /* cfive: the links */
    c5_file *r = NULL;
    ck_assert_int_eq(c5_file_open(&r, path, NULL), 0);
    ck_assert_int_eq(c5_object_open(&root, r, "/"), 0);
    xlink *x = calloc(303, sizeof *x);
    for (int i = 0; i < 303; i++) {
        snprintf(x[i].name, sizeof x[i].name, "%s", e[i].name);
        if (e[i].soft) {
            x[i].soft = 1;
            strcpy(x[i].target, "/sub");
        }
    }
    seen sn = {x, 303, 0, C5_UNDEF};
    ck_assert_int_eq(c5_group_iterate(root, C5_ORDER_NAME, seen_cb, &sn), 0);
    ck_assert_uint_eq(sn.i, 303);
    free(x);
    c5_object_close(root);
    c5_file_close(r);
    ck_assert_msg(count_lines("h5dump %s >/dev/null 2>&1 && echo ok", path) == 1,
                  "h5dump failed on %s", path);
    wasm_check(path);
    snprintf(args, sizeof args, "o4check %s", path);
    ck_assert_msg(py(args) == 0, "libhdf5 check/modify failed on %s", path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("stab_write");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, test_stab_write_layout_matches_libhdf5_conventions);
    tcase_add_test(tc, test_stab_write_rejects_unsorted_and_empty_names);
    tcase_add_test(tc, test_stab_write_groups_read_back_everywhere);
    tcase_add_test(tc, test_stab_write_small_k_builds_deep_trees);
    tcase_add_test(tc, test_bt1_chunk_write_empty_tree_and_right_key);
    tcase_add_test(tc, test_bt1_chunk_write_read_back_and_append);
    tcase_add_test(tc, test_bt1_chunk_write_replants_h5py_trees);
    tcase_add_test(tc, test_gheap_put_flush_read_back);
    tcase_add_test(tc, test_gheap_needs_a_writable_file);
    tcase_add_test(tc, test_gheap_vlen_strings_read_by_libhdf5);
    tcase_add_test(tc, test_writers_four_byte_offsets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (tmpdir[0] && !failed && !getenv("C5_KEEP_TMP"))
        run("rm -rf %s", tmpdir);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
