/*
 * tilestate.c - where a tile of a job is (tilestate.h).
 */
#include "tilestate.h"
#include "claim.h"
#include "err.h"
#include "tile.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long tilestate_count(const struct manifest *m, const char *jobdir, const char *sub)
{
    char dir[PATH_MAX], err[ERR_MAX], **names;
    uint32_t row, col;
    int n = spool_list_sub(jobdir, sub, dir, &names, err);
    if (n < 0)
        return -1;
    long count = 0;
    int claimed = strcmp(sub, SPOOL_CLAIMED) == 0;
    for (int i = 0; i < n; i++) {
        char tile[SPOOL_TILE_NAME_MAX];
        const char *name = names[i];
        if (claimed && claim_name_parse(names[i], tile, NULL, NULL) < 0)
            continue;
        if (claimed)
            name = tile;
        count += tile_parse_name(m, name, &row, &col) == 0;
    }
    free(names);
    assert(count >= 0 && count <= n);
    return count;
}

/* find_claimed - claimed/T@... of tile, relative to jobdir, into rel.
 * Returns 0, 1 if there is none, -1 with err. */
static int find_claimed(const char *jobdir, const char *tile, char rel[PATH_MAX], char *err)
{
    char dir[PATH_MAX], **names, t[SPOOL_TILE_NAME_MAX];
    int n = spool_list_sub(jobdir, SPOOL_CLAIMED, dir, &names, err), rc = 1;
    if (n < 0)
        return -1;
    for (int i = 0; i < n && rc == 1; i++)
        if (claim_name_parse(names[i], t, NULL, NULL) == 0 && strcmp(t, tile) == 0 &&
            snprintf(rel, PATH_MAX, "%s/%s", SPOOL_CLAIMED, names[i]) < PATH_MAX)
            rc = 0;
    free(names);
    return rc;
}

int tilestate_find_input(const char *jobdir, const char *tile, char rel[PATH_MAX], char *err)
{
    static const char *const dirs[] = {SPOOL_TILES, SPOOL_CLAIMED, SPOOL_DONE, SPOOL_FAILED};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        int r = 0;
        if (strcmp(dirs[i], SPOOL_CLAIMED) == 0)
            r = find_claimed(jobdir, tile, rel, err);
        else if (snprintf(rel, PATH_MAX, "%s/%s", dirs[i], tile) >= PATH_MAX)
            r = 1;
        if (r < 0)
            return -1;
        if (r == 0 && spool_path(path, jobdir, rel, NULL, err) == 0 && access(path, F_OK) == 0)
            return 0;
    }
    rel[0] = '\0';
    return 1;
}
