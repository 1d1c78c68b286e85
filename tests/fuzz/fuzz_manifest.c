/*
 * fuzz_manifest.c - libFuzzer target: the job.json reader (manifest_parse)
 * and, for what it accepts, tile naming and the writer (tile_name,
 * tile_parse_name, tile_geometry, manifest_save, manifest_load).
 *
 * The input is the manifest text (cut at 64 KiB, the saved text of the
 * largest manifest the splitter writes being a few KiB).
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused manifest has a message; parsing the same text twice gives
 *    the same struct, byte for byte;
 *  - an accepted manifest has a safe job id, 1-16 stages with valid
 *    names, at most 16 params each, a plan of one image more than the
 *    stages whose first is the source, and a grid that is exactly what
 *    the output image and tile sizes give: cols and rows cover the image
 *    and no more, digits fit the larger index, the extension is the one
 *    the tile format and the plan's channel counts write;
 *  - tile_geometry of the corner tiles lies inside the output image, and
 *    the last column and row end exactly at its edge;
 *  - every tile_name of those tiles is a plain file name that
 *    tile_parse_name turns back into the same row and column, and a name
 *    one row or column outside the grid is refused;
 *  - manifest_save then manifest_load gives back an equal struct (byte
 *    for byte, so the floats' bits too) and the same manifest_key: what a
 *    worker loads is what the splitter meant.
 */
#include "err.h"
#include "manifest_file.h"
#include "netpbm.h"
#include "spool.h"
#include "scratch.h"
#include "tile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char jobdir[PATH_MAX];           /* manifest_save's job directory */

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_manifest: invariant broken: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

/* remove_jobdir - atexit: leave nothing behind in the scratch directory. */
static void remove_jobdir(void)
{
    char path[PATH_MAX + 16];

    snprintf(path, sizeof path, "%s/%s", jobdir, SPOOL_MANIFEST);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", jobdir, SPOOL_TMP);
    rmdir(path);
    rmdir(jobdir);
}

/* LLVMFuzzerInitialize - make the job directory (with its tmp/) once; returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char tmp[PATH_MAX + 16];

    (void)argc;
    (void)argv;
    snprintf(jobdir, sizeof jobdir, "%s/fuzz_manifest.XXXXXX", fuzz_scratch_dir());
    if (!mkdtemp(jobdir)) {
        perror(jobdir);
        exit(2);
    }
    snprintf(tmp, sizeof tmp, "%s/%s", jobdir, SPOOL_TMP);
    if (mkdir(tmp, 0700) < 0) {
        perror(tmp);
        exit(2);
    }
    atexit(remove_jobdir);
    return 0;
}

/* digits_for - decimal digits of v (at least 1). */
static int digits_for(uint64_t v)
{
    int d = 1;
    for (; v >= 10; v /= 10)
        d++;
    return d;
}

/* check_fields - what an accepted manifest promises about itself. */
static void check_fields(const struct manifest *m)
{
    if (!manifest_job_id_ok(m->job))
        fail("unsafe job id accepted", m->job);
    if (m->nstages < 1 || m->nstages > CHAIN_MAX_STAGES)
        fail("stage count out of range", NULL);
    for (int i = 0; i < m->nstages; i++) {
        const struct stage_spec *s = &m->stages[i];
        if (!chain_name_ok(s->name))
            fail("bad stage name accepted", s->name);
        if (s->nparams < 0 || s->nparams > CHAIN_MAX_PARAMS)
            fail("param count out of range", s->name);
    }
    const struct plan_image *src = &m->plan.img[0], *out = &m->plan.img[m->nstages];
    if (m->plan.nstages != m->nstages || src->w != m->source.width ||
        src->h != m->source.height || src->ch != m->source.channels)
        fail("plan does not start with the source", NULL);
    for (int i = 0; i <= m->nstages; i++)
        if (m->plan.img[i].ch < 1 || m->plan.img[i].ch > 4 ||
            (m->plan.img[i].depth != 8 && m->plan.img[i].depth != 16))
            fail("plan image with bad channels or depth accepted", NULL);

    uint64_t w = out->w, h = out->h, t = m->tile_size;
    if (w == 0 || h == 0 || t == 0 || m->cols == 0 || m->rows == 0)
        fail("empty image, tile or grid accepted", NULL);
    if ((m->cols - 1ull) * t >= w || m->cols * t < w
        || (m->rows - 1ull) * t >= h || m->rows * t < h)
        fail("grid does not match the image and tile sizes", NULL);
    uint64_t most = m->cols > m->rows ? m->cols : m->rows;
    if (m->digits != digits_for(most - 1))
        fail("digits do not match the grid", NULL);
    if (strcmp(manifest_tile_ext(m), m->tile_ext) != 0)
        fail("extension does not match the tile format", m->tile_ext);
}

/* check_tile - geometry and name of tile (row, col), which is in the grid. */
static void check_tile(const struct manifest *m, uint32_t row, uint32_t col)
{
    struct tile_geom g;
    char name[SPOOL_TILE_NAME_MAX];
    uint32_t r, c;

    tile_geometry(m, row, col, &g);
    if (g.w < 1 || g.w > m->tile_size || g.h < 1 || g.h > m->tile_size)
        fail("tile core size out of range", NULL);
    const struct plan_image *o = &m->plan.img[m->nstages];
    if ((uint64_t)g.x0 + g.w > o->w || (uint64_t)g.y0 + g.h > o->h)
        fail("tile core outside the image", NULL);
    if ((col == m->cols - 1 && g.x0 + g.w != o->w) || (row == m->rows - 1 && g.y0 + g.h != o->h))
        fail("last tile does not end at the image edge", NULL);

    tile_name(m, row, col, name);
    if (strlen(name) + 1 >= sizeof name || strchr(name, '/') || name[0] == '.')
        fail("tile name truncated or not a plain file name", name);
    if (tile_parse_name(m, name, &r, &c) != 0 || r != row || c != col)
        fail("tile name does not parse back", name);
}

/* check_outside - names one row or column past the grid are refused. */
static void check_outside(const struct manifest *m)
{
    char name[SPOOL_TILE_NAME_MAX];
    uint32_t r, c;

    snprintf(name, sizeof name, "r%0*uc%0*u%s", m->digits, m->rows, m->digits, 0u, m->tile_ext);
    if (tile_parse_name(m, name, &r, &c) == 0)
        fail("name of a row past the grid accepted", name);
    snprintf(name, sizeof name, "r%0*uc%0*u%s", m->digits, 0u, m->digits, m->cols, m->tile_ext);
    if (tile_parse_name(m, name, &r, &c) == 0)
        fail("name of a column past the grid accepted", name);
}

/* check_round_trip - save, load, compare. */
static void check_round_trip(const struct manifest *m)
{
    static struct manifest back;
    char err[ERR_MAX];

    if (manifest_save(m, jobdir, err) != 0)
        fail("manifest_save fails on an accepted manifest", err);
    if (manifest_load(&back, jobdir, err) != 0)
        fail("the saved manifest does not load", err);
    if (memcmp(m, &back, sizeof back) != 0) {
        for (int i = 0; i < m->nstages; i++)
            for (int k = 0; k < m->stages[i].nparams; k++)
                if (memcmp(&m->stages[i].params[k], &back.stages[i].params[k],
                           sizeof(float)) != 0)
                    fprintf(stderr, "stage %d param %d: %a became %a\n", i, k,
                            (double)m->stages[i].params[k], (double)back.stages[i].params[k]);
        if (m->source_size != back.source_size)
            fprintf(stderr, "source.size: %llu became %llu\n",
                    (unsigned long long)m->source_size, (unsigned long long)back.source_size);
        fail("save + load changes the manifest", NULL);
    }
    struct hash k1, k2;
    if (manifest_key(m, &k1, err) < 0 || manifest_key(&back, &k2, err) < 0 ||
        !hash_equal(&k1, &k2))
        fail("save + load changes manifest_key", NULL);
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct manifest m, again;
    char err[ERR_MAX] = "", err2[ERR_MAX] = "";

    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int rc = manifest_parse(&m, text, "fuzz.json", err);
    int rc2 = manifest_parse(&again, text, "fuzz.json", err2);
    free(text);
    if (rc != rc2 || strcmp(err, err2) != 0 || memcmp(&m, &again, sizeof m) != 0)
        fail("parsing the same text twice gives different results", NULL);
    if (rc != 0) {
        if (err[0] == '\0')
            fail("manifest_parse fails without a message", NULL);
        return 0;
    }
    check_fields(&m);
    uint32_t rows[3] = {0, m.rows / 2, m.rows - 1}, cols[3] = {0, m.cols / 2, m.cols - 1};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            check_tile(&m, rows[i], cols[j]);
    check_outside(&m);
    check_round_trip(&m);
    return 0;
}
