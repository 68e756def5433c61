/* Metadata cache image: the HDF5 1.14 test file h5clear_mdc_image.h5 keeps
 * its root and dataset object headers and its fixed-array chunk index only
 * in the cache image block; mod_h5clear_mdc_image.h5 is the same file after
 * h5clear flushed that metadata to its own addresses. */
#include "core/internal.h"

#include "unit.h"

#include "format/mdci.h"

#include <stdio.h>

#define IMG_FILE unit_corpus("h5clear_mdc_image.h5")
#define FLUSHED_FILE unit_corpus("mod_h5clear_mdc_image.h5")

/* Where the image block of IMG_FILE sits (its cache image message). */
#define IMG_ADDR 0x5620u
#define IMG_LEN 0x58bu
/* Byte offsets inside the block. */
#define HDR_LEN 18u            /* "MDCI", version, flags, length (8), count */
#define ENT_LEN 30u            /* entry fields with 8-byte offsets/lengths */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    ck_assert(len > 0);
    rewind(fp);
    uint8_t *b = malloc((size_t)len);
    ck_assert(b != NULL);
    ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the block checksum after a deliberate change. */
static void reseal(uint8_t *file)
{
    uint8_t *blk = file + IMG_ADDR;
    put_le(blk + IMG_LEN - 4, c5_lookup3(blk, IMG_LEN - 4, 0), 4);
}

/* Offset inside the block of entry i's fixed fields (no entry of this file
 * has flush-dependency parents). */
static size_t entry_off(const uint8_t *file, unsigned i)
{
    const uint8_t *blk = file + IMG_ADDR;
    size_t off = HDR_LEN;
    for (unsigned k = 0; k < i; k++)
        off += ENT_LEN + (size_t)c5_le(blk + off + 22, 8);
    return off;
}

/* Open the pristine memory image, drop any image the open attached, then
 * apply the damage: the memory backend reads the caller's buffer, so the
 * damage is seen by the next reads. */
static c5_file *open_then_damage(uint8_t *buf, size_t n, const uint8_t *orig, unsigned flags)
{
    memcpy(buf, orig, n);
    c5_open_opts o = {.size = sizeof o, .flags = flags};
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open_mem(&f, buf, n, &o), 0);
    c5_mdci_free(f);
    return f;
}

START_TEST(test_mdci_load_finds_image_in_superblock_extension)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, IMG_FILE, NULL), 0);
    int rc = c5_mdci_load(f);
    ck_assert_msg(rc == 0, "c5_mdci_load: %s", c5_errmsg(f));
    ck_assert_uint_eq(c5_mdci_count(f), 4);
    /* Loading twice is a no-op. */
    ck_assert_int_eq(c5_mdci_load(f), 0);
    ck_assert_uint_eq(c5_mdci_count(f), 4);
    const uint8_t *p = NULL;
    ck_assert_int_eq(c5_mdci_lookup(f, f->root_addr, 4, &p), 1);
    ck_assert_mem_eq(p, "OHDR", 4);
    c5_mdci_free(f);
    ck_assert_ptr_null(f->mdci);
    c5_mdci_free(f);
    c5_file_close(f);
}
END_TEST

START_TEST(test_mdci_load_is_noop_without_image)
{
    static const char *files[] = {"h5fc_ext1_f.h5", "h5stat_tsohm.h5", "mod_h5clear_mdc_image.h5",
                                  "tarray1.h5"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", unit_corpus_dir(), files[i]);
        c5_file *f = NULL;
        ck_assert_int_eq(c5_file_open(&f, path, NULL), 0);
        int rc = c5_mdci_load(f);
        ck_assert_msg(rc == 0, "%s: %s", files[i], c5_errmsg(f));
        ck_assert_uint_eq(c5_mdci_count(f), 0);
        const uint8_t *p = (const uint8_t *)"x";
        ck_assert_int_eq(c5_mdci_lookup(f, f->root_addr, 1, &p), 0);
        ck_assert_ptr_null(p);
        uint8_t b[4] = {1, 2, 3, 4};
        ck_assert_uint_eq(c5_mdci_patch(f, f->root_addr, b, 4), 0);
        ck_assert_int_eq(b[0], 1);
        c5_file_close(f);
    }
}
END_TEST

START_TEST(test_mdci_block_entries_sorted_and_bounded)
{
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, IMG_FILE, NULL), 0);
    c5_mdci_free(f);
    int rc = c5_mdci_load_block(f, IMG_ADDR, IMG_LEN);
    ck_assert_msg(rc == 0, "%s", c5_errmsg(f));
    ck_assert_uint_eq(c5_mdci_count(f), 4);
    const uint8_t *p;
    /* Entries: 48+147 root header, 195+284 dataset header, 479+28 FAHD,
     * 507+818 FADB. */
    ck_assert_int_eq(c5_mdci_lookup(f, 48, 147, &p), 1);
    ck_assert_mem_eq(p, "OHDR", 4);
    ck_assert_int_eq(c5_mdci_lookup(f, 48, 148, &p), 0);
    ck_assert_int_eq(c5_mdci_lookup(f, 47, 2, &p), 0);
    ck_assert_int_eq(c5_mdci_lookup(f, 0, 8, &p), 0);
    ck_assert_int_eq(c5_mdci_lookup(f, 195, 4, &p), 1);
    ck_assert_mem_eq(p, "OHDR", 4);
    ck_assert_int_eq(c5_mdci_lookup(f, 479, 4, &p), 1);
    ck_assert_mem_eq(p, "FAHD", 4);
    ck_assert_int_eq(c5_mdci_lookup(f, 479 + 27, 1, &p), 1);
    ck_assert_int_eq(c5_mdci_lookup(f, 479 + 27, 2, &p), 0); /* spans two entries */
    ck_assert_int_eq(c5_mdci_lookup(f, 507, 818, &p), 1);
    ck_assert_mem_eq(p, "FADB", 4);
    ck_assert_int_eq(c5_mdci_lookup(f, 1325, 1, &p), 0);
    ck_assert_int_eq(c5_mdci_lookup(f, UINT64_MAX - 1, 8, &p), 0);
    /* The cached object headers carry valid checksums. */
    ck_assert_int_eq(c5_mdci_lookup(f, 48, 147, &p), 1);
    ck_assert_int_eq(c5_check_sum(f, p, 143, 48, "root header"), 0);
    ck_assert_int_eq(c5_mdci_lookup(f, 195, 284, &p), 1);
    ck_assert_int_eq(c5_check_sum(f, p, 280, 195, "dataset header"), 0);
    c5_mdci_free(f);
    c5_file_close(f);
}
END_TEST

/* Overlaying the image on the stale bytes gives what h5clear wrote out,
 * apart from the object header timestamps and the checksums over them. */
START_TEST(test_mdci_patch_matches_flushed_file)
{
    size_t n, fn;
    uint8_t *flushed = slurp(FLUSHED_FILE, &fn);
    c5_file *f = NULL;
    ck_assert_int_eq(c5_file_open(&f, IMG_FILE, NULL), 0);
    c5_mdci_free(f);
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, IMG_LEN), 0);
    uint8_t *disk = slurp(IMG_FILE, &n);
    ck_assert_uint_eq(c5_mdci_patch(f, 0, disk, 1325), 1325 - 48);
    for (size_t i = 48; i < 1325; i++) {
        bool stamp = (i >= 48 + 6 && i < 48 + 22) || (i >= 48 + 143 && i < 48 + 147) ||
                     (i >= 195 + 6 && i < 195 + 22) || (i >= 195 + 280 && i < 195 + 284);
        if (!stamp)
            ck_assert_msg(disk[i] == flushed[i], "byte %zu differs", i);
    }
    /* A range that starts before an entry and ends inside it. */
    uint8_t b[20];
    memset(b, 0xAA, sizeof b);
    ck_assert_uint_eq(c5_mdci_patch(f, 40, b, sizeof b), 12);
    ck_assert_int_eq(b[7], 0xAA);
    ck_assert_mem_eq(b + 8, "OHDR", 4);
    /* Ranges touching no entry, and empty ranges. */
    ck_assert_uint_eq(c5_mdci_patch(f, 0, b, 48), 0);
    ck_assert_uint_eq(c5_mdci_patch(f, 1325, b, 20), 0);
    ck_assert_uint_eq(c5_mdci_patch(f, 100, b, 0), 0);
    ck_assert_uint_eq(c5_mdci_patch(f, UINT64_MAX - 4, b, 8), 0);
    c5_mdci_free(f);
    c5_file_close(f);
    free(disk);
    free(flushed);
}
END_TEST

START_TEST(test_mdci_damaged_block_fails_cleanly)
{
    size_t n;
    uint8_t *orig = slurp(IMG_FILE, &n);
    uint8_t *buf = malloc(n);
    ck_assert(buf != NULL);
    uint8_t *blk = buf + IMG_ADDR;
    c5_file *f;
    size_t e0 = entry_off(orig, 0), e1 = entry_off(orig, 1), e2 = entry_off(orig, 2);

    /* Checksum mismatch, unless checksums are ignored. */
    f = open_then_damage(buf, n, orig, 0);
    blk[100] ^= 1;
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, IMG_LEN), C5_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(c5_errmsg(f), "checksum"));
    ck_assert_ptr_null(f->mdci);
    c5_file_close(f);
    f = open_then_damage(buf, n, orig, C5_OPEN_IGNORE_CHECKSUMS);
    blk[IMG_LEN - 1] ^= 1;
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, IMG_LEN), 0);
    c5_file_close(f);

    struct {
        size_t off;
        uint64_t val;
        unsigned width;
        int want;
    } cases[] = {
        {0, 'X', 1, C5_ECORRUPT},                   /* signature */
        {4, 1, 1, C5_EUNSUPPORTED},                 /* version */
        {5, 1, 1, C5_EUNSUPPORTED},                 /* resize status */
        {6, IMG_LEN + 1, 8, C5_ECORRUPT},           /* data length */
        {14, 0, 4, C5_ECORRUPT},                    /* no entries */
        {14, 0xffffffffu, 4, C5_ECORRUPT},          /* entry count */
        {14, 5, 4, C5_ECORRUPT},                    /* one entry too many */
        {e0 + 14, UINT64_MAX, 8, C5_ECORRUPT},      /* undefined address */
        {e0 + 22, 0, 8, C5_ECORRUPT},               /* empty entry */
        {e0 + 22, UINT64_MAX - 1, 8, C5_ECORRUPT},  /* huge entry */
        {e0 + 22, IMG_LEN, 8, C5_ECORRUPT},         /* overruns the block */
        {e0 + 14, UINT64_MAX - 10, 8, C5_ECORRUPT}, /* address + length wraps */
        {e0 + 14, 0x100000, 8, C5_ECORRUPT},        /* past the end of file */
        {e0 + 14, IMG_ADDR - 8, 8, C5_ECORRUPT},    /* overlaps the block */
        {e1 + 14, 479 + 10, 8, C5_ECORRUPT},        /* overlaps entry 0 */
        {e2 + 14, 48, 8, C5_ECORRUPT},              /* duplicate address */
        {e0 + 6, 1, 2, C5_ECORRUPT},                /* dirty child without children */
        {e0 + 8, 0xffff, 2, C5_ECORRUPT},           /* parents overrun */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f = open_then_damage(buf, n, orig, 0);
        put_le(blk + cases[i].off, cases[i].val, cases[i].width);
        reseal(buf);
        int rc = c5_mdci_load_block(f, IMG_ADDR, IMG_LEN);
        ck_assert_msg(rc == cases[i].want, "case %zu: got %d (%s)", i, rc, c5_errmsg(f));
        ck_assert_ptr_null(f->mdci);
        c5_file_close(f);
    }

    /* The message's block length is checked against the file too. */
    f = open_then_damage(buf, n, orig, 0);
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, 8), C5_ECORRUPT);
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, IMG_LEN + 1), C5_ECORRUPT);
    ck_assert_int_eq(c5_mdci_load_block(f, IMG_ADDR, UINT64_MAX - 1), C5_ECORRUPT);
    ck_assert_int_eq(c5_mdci_load_block(f, C5_UNDEF, IMG_LEN), C5_ECORRUPT);
    c5_file_close(f);
    free(buf);
    free(orig);
}
END_TEST

/* Every single-byte change of the block (re-sealed so the checksum passes)
 * either loads a consistent table or fails with an error code. */
START_TEST(test_mdci_every_byte_damage_never_crashes)
{
    size_t n;
    uint8_t *orig = slurp(IMG_FILE, &n);
    uint8_t *buf = malloc(n);
    ck_assert(buf != NULL);
    int ok = 0, failed = 0;
    static const uint8_t vals[] = {0x00, 0xff, 0x01, 0x80};
    for (size_t off = 0; off < IMG_LEN - 4; off++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            if (orig[IMG_ADDR + off] == vals[v])
                continue;
            c5_file *f = open_then_damage(buf, n, orig, 0);
            buf[IMG_ADDR + off] = vals[v];
            reseal(buf);
            int rc = c5_mdci_load_block(f, IMG_ADDR, IMG_LEN);
            ck_assert_int_le(rc, 0);
            if (rc == 0) {
                ok++;
                /* Whatever loaded lies inside the file and below the block. */
                const uint8_t *p;
                ck_assert_int_eq(c5_mdci_lookup(f, IMG_ADDR, 1, &p), 0);
                uint8_t b[64];
                ck_assert_uint_le(c5_mdci_patch(f, 1300, b, sizeof b), sizeof b);
            } else {
                failed++;
                ck_assert_ptr_null(f->mdci);
            }
            c5_file_close(f);
        }
    }
    ck_assert_int_gt(ok, 0);
    ck_assert_int_gt(failed, 0);
    free(buf);
    free(orig);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mdci");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mdci_load_finds_image_in_superblock_extension);
    tcase_add_test(tc, test_mdci_load_is_noop_without_image);
    tcase_add_test(tc, test_mdci_block_entries_sorted_and_bounded);
    tcase_add_test(tc, test_mdci_patch_matches_flushed_file);
    tcase_add_test(tc, test_mdci_damaged_block_fails_cleanly);
    tcase_add_test(tc, test_mdci_every_byte_damage_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
