/*
 * test_global.c - unit tests for the statistics of global filters
 * (global_stats.h, stage.h's merge, and the describe and manifest fields
 * they add): the merge rules and sum overflow, statistics files written
 * and read back, damaged or foreign files refused, the merge waiting for
 * every tile, and the describe JSON's "stats" layout and "path"
 * parameters.
 */
#include "global_stats.h"
#include "err.h"
#include "tile.h"
#include "check.h"
#include "testfs.h"

#include <stdlib.h>
#include <string.h>

static char err[ERR_MAX];

/* layout3 - fields a (2, sum), b (1, min), c (1, max). */
static void layout3(struct stats_layout *l)
{
    memset(l, 0, sizeof *l);
    static const char *names[] = {"a", "b", "c"};
    uint32_t counts[] = {2, 1, 1};
    for (int k = 0; k < 3; k++) {
        snprintf(l->f[k].name, FILTER_NAME_MAX, "%s", names[k]);
        l->f[k].count = counts[k];
        l->f[k].merge = (enum stats_merge)k;
        l->nvalues += counts[k];
    }
    l->nfields = 3;
}

static void test_merge(void)
{
    struct stats_layout l;
    layout3(&l);
    uint64_t acc[4] = {1, 2, 50, 50}, v[4] = {10, 20, 40, 60};
    int rc = stage_stats_merge(&l, acc, v, err);
    CHECK(rc == 0 && acc[0] == 11 && acc[1] == 22 && acc[2] == 40 && acc[3] == 60,
          "merge: sum, min and max per field", "rc %d, got %llu %llu %llu %llu", rc,
          (unsigned long long)acc[0], (unsigned long long)acc[1],
          (unsigned long long)acc[2], (unsigned long long)acc[3]);
    uint64_t big[4] = {UINT64_MAX - 5, 0, 0, 0}, six[4] = {6, 0, 0, 0};
    rc = stage_stats_merge(&l, big, six, err);
    CHECK(rc < 0 && strstr(err, "overflow"), "merge: a sum past 64 bits is an error",
          "rc %d, err '%s'", rc, err);
}

/* job - a 2 x 2 grid job in dir with one global stage "equalize" of layout3. */
static void job(struct manifest *m, const char *dir)
{
    memset(m, 0, sizeof *m);
    snprintf(m->job, sizeof m->job, "unitjob");
    m->source.width = 20;
    m->source.height = 20;
    m->source.channels = 3;
    m->tile_size = 10;
    m->cols = m->rows = 2;
    m->digits = 1;
    snprintf(m->tile_ext, sizeof m->tile_ext, ".ppm");
    m->nstages = 1;
    snprintf(m->stages[0].name, FILTER_NAME_MAX, "equalize");
    snprintf(m->stages[0].kind, sizeof m->stages[0].kind, "global");
    layout3(&m->stages[0].stats);
    char err2[ERR_MAX], jobdir[PATH_MAX];
    snprintf(jobdir, sizeof jobdir, "%.3000s/unitjob", dir);
    int rc = spool_job_create(dir, "unitjob", err2);
    if (rc == 0)
        rc = spool_job_create_global(jobdir, err2);
    CHECK(rc == 0, "spool_job_create_global adds stats/ and mid/", "%s", err2);
}

static void test_files(const char *top)
{
    struct manifest *m = malloc(sizeof *m);
    char jobdir[PATH_MAX], name[GLOBAL_NAME_MAX], path[PATH_MAX];
    job(m, top);
    snprintf(jobdir, sizeof jobdir, "%.3000s/unitjob", top);
    const struct stage_spec *s = &m->stages[0];
    uint64_t v[4] = {0, 18446744073709551615ull, 7, 123456789012ull}, back[4];
    int rc = global_stats_write(jobdir, "round", s, v, err);
    int rd = global_stats_read(jobdir, "round", s, back, err);
    CHECK(rc == 0 && rd == 0 && memcmp(v, back, sizeof v) == 0,
          "stats file: written and read back exactly", "write %d read %d: %s", rc, rd, err);
    CHECK(global_stats_read(jobdir, "r9c9.ppm.0", s, back, err) == 1,
          "stats file: a missing file is 1, not an error", "%s", err);

    struct stage_spec other = *s;
    snprintf(other.name, FILTER_NAME_MAX, "autolevels");
    rd = global_stats_read(jobdir, "round", &other, back, err);
    CHECK(rd < 0 && strstr(err, "equalize"), "stats file: another filter's is refused",
          "read %d: %s", rd, err);
    snprintf(path, sizeof path, "%.3000s/stats/bad", jobdir);
    FILE *f = fopen(path, "w");
    fprintf(f, "tilespool-stats 1\nfilter equalize\nvalues 4\n1 2 x 4\n");
    fclose(f);
    rd = global_stats_read(jobdir, "bad", s, back, err);
    CHECK(rd < 0 && strstr(err, "not a number"), "stats file: a damaged value is refused",
          "read %d: %s", rd, err);
    f = fopen(path, "w");
    fprintf(f, "tilespool-stats 1\nfilter equalize\nvalues 4\n1 2 3\n");
    fclose(f);
    rd = global_stats_read(jobdir, "bad", s, back, err);
    CHECK(rd < 0, "stats file: a short file is refused", "read %d", rd);
    unlink(path);

    /* three of four tiles: no merge yet; the fourth: merged */
    int ready = -1;
    uint64_t t0[4] = {0, 1000, 7, 123456789012ull}, t1[4] = {1, 1, 9, 9};
    uint64_t t2[4] = {2, 2, 3, 3}, t3[4] = {3, 3, 5, 20};
    global_stats_name("r0c0.ppm", 0, name);
    global_stats_write(jobdir, name, s, t0, err);
    global_stats_name("r0c1.ppm", 0, name);
    global_stats_write(jobdir, name, s, t1, err);
    global_stats_name("r1c0.ppm", 0, name);
    global_stats_write(jobdir, name, s, t2, err);
    rc = global_merge(m, jobdir, &ready, err);
    CHECK(rc == 0 && ready == 0, "merge: waits while a tile has no statistics",
          "rc %d ready %d: %s", rc, ready, err);
    global_stats_name("r1c1.ppm", 0, name);
    global_stats_write(jobdir, name, s, t3, err);
    rc = global_merge(m, jobdir, &ready, err);
    global_stats_name("merged", 0, name);
    rd = global_stats_read(jobdir, name, s, back, err);
    CHECK(rc == 0 && ready == 1 && rd == 0 && back[0] == 6 && back[1] == 1006 &&
          back[2] == 3 && back[3] == 123456789012ull,
          "merge: every tile in, merged.0 published with the rules applied",
          "rc %d ready %d read %d: %llu %llu %llu %llu", rc, ready, rd,
          (unsigned long long)back[0], (unsigned long long)back[1],
          (unsigned long long)back[2], (unsigned long long)back[3]);
    snprintf(path, sizeof path, "%.3000s/mid/r0c0.ppm", jobdir);
    f = fopen(path, "w");
    if (f)
        fclose(f);
    rc = spool_job_remove(jobdir, err);
    CHECK(rc == 0 && access(jobdir, F_OK) != 0,
          "spool_job_remove removes stats/ and mid/ with the job", "rc %d: %s", rc, err);
    free(m);
}

static void test_describe(void)
{
    struct filter_desc d;
    int rc = stage_parse_desc(
        "{\"name\":\"m\",\"summary\":\"s\",\"kind\":\"global\",\"channels\":[3],"
        "\"params\":[{\"name\":\"reference\",\"type\":\"path\",\"summary\":\"x\"}],"
        "\"stats\":[{\"name\":\"hist\",\"count\":768,\"merge\":\"sum\"},"
        "{\"name\":\"lo\",\"count\":3,\"merge\":\"min\"}]}", "m", &d, err);
    CHECK(rc == 0 && d.stats.nfields == 2 && d.stats.nvalues == 771 &&
          d.stats.f[1].merge == STATS_MIN && d.nparams == 1 && d.params[0].is_path,
          "describe: stats layout and a path parameter", "rc %d: %s", rc, err);
    rc = stage_parse_desc("{\"name\":\"m\",\"summary\":\"s\",\"kind\":\"global\","
                           "\"channels\":[3],\"params\":[]}", "m", &d, err);
    CHECK(rc < 0 && strstr(err, "stats"), "describe: a global filter without stats is refused",
          "rc %d: %s", rc, err);
    rc = stage_parse_desc("{\"name\":\"m\",\"summary\":\"s\",\"kind\":\"global\","
                           "\"channels\":[3],\"params\":[],\"stats\":[{\"name\":\"h\","
                           "\"count\":70000,\"merge\":\"sum\"}]}", "m", &d, err);
    CHECK(rc < 0, "describe: a block above 65536 values is refused", "rc %d", rc);
    rc = stage_parse_desc("{\"name\":\"m\",\"summary\":\"s\",\"kind\":\"global\","
                           "\"channels\":[3],\"params\":[],\"stats\":[{\"name\":\"h\","
                           "\"count\":4,\"merge\":\"avg\"}]}", "m", &d, err);
    CHECK(rc < 0, "describe: an unknown merge rule is refused", "rc %d", rc);
}

int main(void)
{
    char top[] = "/tmp/tilespool-unit-global.XXXXXX";
    if (!mkdtemp(top))
        return 2;
    test_merge();
    test_files(top);
    test_describe();
    rm_rf(top);
    CHECK_DONE();
}
