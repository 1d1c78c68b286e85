/*
 * global_stats.c - global (two-pass) filters in the spool: statistics
 * files, the merge and the passes' bookkeeping (global_stats.h).
 */
#include "global_stats.h"
#include "err.h"
#include "tile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATS_MAGIC "tilespool-stats 1"

void global_stats_name(const char *tile, int g, char *out)
{
    snprintf(out, GLOBAL_NAME_MAX, "%.*s.%d", SPOOL_TILE_NAME_MAX, tile, g);
}

int global_stats_write(const char *jobdir, const char *name, const struct stage_spec *s,
                       const uint64_t *v, char *err)
{
    struct spool_file sf;
    if (spool_file_begin(&sf, jobdir, SPOOL_STATS, name, err) < 0)
        return -1;
    fprintf(sf.f, "%s\nfilter %s\nvalues %" PRIu32 "\n", STATS_MAGIC, s->name,
            s->stats.nvalues);
    for (uint32_t i = 0; i < s->stats.nvalues; i++)
        fprintf(sf.f, "%" PRIu64 "%c", v[i], i % 16 == 15 ? '\n' : ' ');
    fputc('\n', sf.f);
    return spool_file_commit(&sf, err);
}

/* read_values - the header and n values of an open statistics file. */
static int read_values(FILE *f, const char *path, const struct stage_spec *s, uint64_t *v,
                       char *err)
{
    char magic[32], filter[FILTER_NAME_MAX];
    unsigned long n;
    if (!fgets(magic, sizeof magic, f) || strcmp(magic, STATS_MAGIC "\n") != 0 ||
        fscanf(f, "filter %63s values %lu", filter, &n) != 2)
        return errf(err, "%s: not a statistics file (no '%s' header)", path, STATS_MAGIC);
    if (strcmp(filter, s->name) != 0 || n != s->stats.nvalues)
        return errf(err, "%s: statistics of %s with %lu values, the job's stage is %s with "
                    "%" PRIu32, path, filter, n, s->name, s->stats.nvalues);
    for (uint32_t i = 0; i < s->stats.nvalues; i++) {
        char word[24];
        char *end;
        if (fscanf(f, "%23s", word) != 1 || word[0] < '0' || word[0] > '9')
            return errf(err, "%s: value %" PRIu32 " is missing or not a number", path, i);
        errno = 0;
        v[i] = strtoull(word, &end, 10);
        if (*end || errno)
            return errf(err, "%s: value %" PRIu32 " '%s' is not a 64-bit number", path, i,
                        word);
    }
    char extra[2];
    if (fscanf(f, "%1s", extra) == 1)
        return errf(err, "%s: more than %" PRIu32 " values", path, s->stats.nvalues);
    return 0;
}

int global_stats_read(const char *jobdir, const char *name, const struct stage_spec *s,
                      uint64_t *v, char *err)
{
    char path[PATH_MAX];
    if (spool_path(path, jobdir, SPOOL_STATS, name, err) < 0)
        return -1;
    FILE *f = spool_fopen(path, err);
    if (!f)
        return errno == ENOENT ? 1 : -1;
    int rc = read_values(f, path, s, v, err);
    fclose(f);
    return rc;
}

/* merge_tiles - read every tile's block and merge them into acc; returns
 * 0, 1 when some tile has none yet, -1 with err. */
static int merge_tiles(const struct manifest *m, const char *jobdir, int g, uint64_t *acc,
                       uint64_t *v, char *err)
{
    const struct stage_spec *s = &m->stages[g];
    for (uint32_t r = 0; r < m->rows; r++)
        for (uint32_t c = 0; c < m->cols; c++) {
            char tile[SPOOL_TILE_NAME_MAX], name[GLOBAL_NAME_MAX];
            tile_name(m, r, c, tile);
            global_stats_name(tile, g, name);
            int rc = global_stats_read(jobdir, name, s, r == 0 && c == 0 ? acc : v, err);
            if (rc != 0)
                return rc;
            if ((r || c) && stage_stats_merge(&s->stats, acc, v, err) < 0)
                return -1;
        }
    return 0;
}

int global_merge(const struct manifest *m, const char *jobdir, int *ready, char *err)
{
    int g = manifest_global_stage(m);
    char dir[PATH_MAX], name[GLOBAL_NAME_MAX], path[PATH_MAX];
    *ready = 0;
    global_stats_name("merged", g, name);
    if (g < 0 || spool_path(dir, jobdir, SPOOL_STATS, NULL, err) < 0 ||
        spool_path(path, dir, name, NULL, err) < 0)
        return g < 0 ? errf(err, "job %s has no global stage", m->job) : -1;
    if (access(path, F_OK) == 0)
        return *ready = 1, 0;
    /* one directory read tells most calls that pass 1 is not over */
    if (spool_count(dir) < (long long)m->rows * m->cols)
        return 0;
    size_t bytes = 8 * (size_t)m->stages[g].stats.nvalues;
    uint64_t *acc = malloc(bytes), *v = malloc(bytes);
    int rc = acc && v ? merge_tiles(m, jobdir, g, acc, v, err) : errf(err, "out of memory");
    /* every tile's block is in: publish the merge (identical bytes if two
     * processes get here at once, and the rename makes it appear whole) */
    if (rc == 0)
        rc = global_stats_write(jobdir, name, &m->stages[g], acc, err);
    free(acc);
    free(v);
    if (rc < 0)
        return -1;
    *ready = rc == 0;
    return 0;
}

long global_waiting(const struct manifest *m, const char *jobdir)
{
    char dir[PATH_MAX], path[PATH_MAX], name[GLOBAL_NAME_MAX], err[ERR_MAX], **names;
    int g = manifest_global_stage(m);
    uint32_t row, col;
    int n = spool_list_sub(jobdir, SPOOL_TILES, dir, &names, err);
    long count = 0;
    for (int i = 0; i < n; i++) {
        if (tile_parse_name(m, names[i], &row, &col) < 0)
            continue;
        global_stats_name(names[i], g, name);
        if (spool_path(path, jobdir, SPOOL_STATS, name, err) == 0 && access(path, F_OK) != 0)
            count++;
    }
    if (n > 0)
        free(names);
    return n < 0 ? -1 : count;
}
