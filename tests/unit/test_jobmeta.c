/*
 * test_jobmeta.c - unit tests for the input's metadata in the spool
 * (jobmeta.h): SPOOL/<job>/meta/ written and read back, the Exif's
 * orientation set to 1 when the pixels were turned, and every kind of
 * tampering refused as bad input: a changed, missing, linked, FIFO or
 * oversized file.  Everything lives in a private temporary directory,
 * removed at the end.  The test_* functions return nothing: each
 * reports through CHECK.
 */
#include "jobmeta.h"
#include "spool.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[256], jobdir[PATH_MAX], err[ERR_MAX];

/* TIFF header, IFD0 of one entry: Orientation (0x0112) SHORT 1 = 6 */
static const uint8_t exif_le[26] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0,
                                     1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0 };

/* meta_path - jobdir/meta/name into a static buffer. */
static const char *meta_path(const char *name)
{
    static char buf[PATH_MAX + 64];
    snprintf(buf, sizeof buf, "%.3000s/meta/%s", jobdir, name);
    return buf;
}

/* fill - every block and 72 x 72 ppi into m; returns nothing. */
static void fill(struct img_meta *m)
{
    memset(m, 0, sizeof *m);
    img_meta_set(&m->icc, &m->icc_len, "an ICC profile", 14, "t", "ICC", err);
    img_meta_set(&m->exif, &m->exif_len, exif_le, sizeof exif_le, "t", "Exif", err);
    img_meta_set(&m->xmp, &m->xmp_len, "<x:xmpmeta/>", 12, "t", "XMP", err);
    m->xres = m->yres = 72;
}

/* saved - a fresh job whose meta/ holds m (upright as given) and its
 * record in *mm; returns 0 or -1. */
static int saved(const struct img_meta *m, int upright, struct manifest_meta *mm)
{
    rm_rf(jobdir);
    if (spool_job_create(top, "job", err) < 0)
        return -1;
    return jobmeta_save(jobdir, m, upright, mm, err);
}

/* test_round_trip - written blocks come back; returns nothing. */
static void test_round_trip(void)
{
    struct img_meta m, got;
    struct manifest_meta mm;

    fill(&m);
    CHECK(saved(&m, 0, &mm) == 0, "save every block", "%s", err);
    CHECK(access(meta_path(JOBMETA_ICC), F_OK) == 0 && access(meta_path(JOBMETA_EXIF), F_OK) == 0
          && access(meta_path(JOBMETA_XMP), F_OK) == 0, "meta/ has the three files", "missing");
    CHECK(mm.has_icc && mm.has_exif && mm.has_xmp && mm.xres == 72 && mm.yres == 72,
          "the record names every block and the resolution", "%d %d %d %g", mm.has_icc,
          mm.has_exif, mm.has_xmp, mm.xres);
    CHECK(jobmeta_load(jobdir, &mm, &got, err) == 0 && got.icc_len == 14
          && memcmp(got.icc, m.icc, 14) == 0 && got.exif_len == sizeof exif_le
          && memcmp(got.exif, exif_le, sizeof exif_le) == 0 && got.xmp_len == 12
          && memcmp(got.xmp, m.xmp, 12) == 0 && got.xres == 72,
          "load gives the same blocks", "%s", err);
    img_meta_free(&got);
    CHECK(saved(&m, 1, &mm) == 0 && jobmeta_load(jobdir, &mm, &got, err) == 0
          && got.exif_len == sizeof exif_le && got.exif[18] == 1
          && memcmp(got.exif, exif_le, 18) == 0, "upright: the stored Exif says orientation 1",
          "%s", err);
    CHECK(m.exif[18] == 6, "upright: the reader's block is left as it was", "changed");
    img_meta_free(&got);
    img_meta_free(&m);
    memset(&m, 0, sizeof m);
    CHECK(saved(&m, 1, &mm) == 0 && access(meta_path(""), F_OK) != 0 && !mm.has_icc
          && !mm.has_exif && !mm.has_xmp && mm.xres == 0, "no blocks: no meta/ directory",
          "%s", err);
}

/* refused - returns 1 if loading the job's meta fails as bad input with
 * err mentioning word. */
static int refused(const struct manifest_meta *mm, const char *word)
{
    struct img_meta got;
    err[0] = '\0';
    int rc = jobmeta_load(jobdir, mm, &got, err);
    return rc == ERR_BAD_INPUT && strstr(err, word) != NULL && got.icc == NULL
           && got.exif == NULL && got.xmp == NULL;
}

/* test_tampered - each kind of tampering is refused; returns nothing. */
static void test_tampered(void)
{
    struct img_meta m;
    struct manifest_meta mm;
    FILE *f;

    fill(&m);
    saved(&m, 0, &mm);
    f = fopen(meta_path(JOBMETA_XMP), "ab");
    if (f) {
        fputs("<evil/>", f);
        fclose(f);
    }
    CHECK(refused(&mm, "does not match its hash"), "a changed file is refused", "%s", err);
    saved(&m, 0, &mm);
    unlink(meta_path(JOBMETA_EXIF));
    CHECK(refused(&mm, "missing"), "a missing file is refused", "%s", err);
    saved(&m, 0, &mm);
    unlink(meta_path(JOBMETA_ICC));
    CHECK(symlink("/etc/passwd", meta_path(JOBMETA_ICC)) == 0
          && refused(&mm, "symbolic link"), "a symbolic link is refused", "%s", err);
    saved(&m, 0, &mm);
    unlink(meta_path(JOBMETA_ICC));
    CHECK(mkfifo(meta_path(JOBMETA_ICC), 0600) == 0 && refused(&mm, "FIFO"),
          "a FIFO is refused, not waited on", "%s", err);
    saved(&m, 0, &mm);
    CHECK(truncate(meta_path(JOBMETA_XMP), (off_t)IMG_META_MAX + 1) == 0
          && refused(&mm, "over the limit"), "a file over IMG_META_MAX is refused", "%s", err);
    img_meta_free(&m);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%s/test_jobmeta.XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(top) == NULL) {
        printf("not ok - setup: cannot create a temporary directory\n");
        return 1;
    }
    snprintf(jobdir, sizeof jobdir, "%s/job", top);
    test_round_trip();
    test_tampered();
    rm_rf(top);
    CHECK_DONE();
}
