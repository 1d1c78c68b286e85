/*
 * failrec.c - write and read the failure records failed/T.json
 * (failrec.h).
 */
#include "failrec.h"
#include "err.h"
#include "manifest.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FAILREC_TEXT_MAX 8192   /* a record is a few hundred bytes */

void failrec_name(const char *tile, char out[FAILREC_NAME_MAX])
{
    assert(strlen(tile) < SPOOL_TILE_NAME_MAX);
    snprintf(out, FAILREC_NAME_MAX, "%s.json", tile);
}

int failrec_tile_of(const char *name, char tile[SPOOL_TILE_NAME_MAX])
{
    size_t len = strlen(name);
    if (len <= 5 || len - 5 >= SPOOL_TILE_NAME_MAX || strcmp(name + len - 5, ".json") != 0)
        return -1;
    memcpy(tile, name, len - 5);
    tile[len - 5] = '\0';
    return 0;
}

int failrec_path(char *out, const char *jobdir, const char *tile, char *err)
{
    char name[FAILREC_NAME_MAX];
    failrec_name(tile, name);
    return spool_path(out, jobdir, SPOOL_FAILED, name, err);
}

int failrec_write(const char *jobdir, const char *tile, const char *kind, const char *reason,
                  int attempts, long pid, char *err)
{
    char name[FAILREC_NAME_MAX], when[32];
    assert(attempts >= 0);
    manifest_utc_now(when);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return errf(err, "out of memory");
    cJSON_AddStringToObject(o, "tile", tile);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddNumberToObject(o, "attempts", attempts);
    cJSON_AddNumberToObject(o, "pid", (double)pid);
    cJSON_AddStringToObject(o, "time", when);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return errf(err, "out of memory");
    failrec_name(tile, name);
    struct spool_file sf;
    int rc = spool_file_begin(&sf, jobdir, SPOOL_FAILED, name, err);
    if (rc == 0) {
        fprintf(sf.f, "%s\n", text);
        rc = spool_file_commit(&sf, err);
    }
    free(text);
    return rc;
}

/* copy_str - a string field of o into out (size n), "" if absent. */
static void copy_str(const cJSON *o, const char *key, char *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int failrec_read(const char *jobdir, const char *tile, struct failrec *r, char *err)
{
    char path[PATH_MAX], text[FAILREC_TEXT_MAX];
    /* the path first: tile may be r->tile itself */
    if (failrec_path(path, jobdir, tile, err) < 0)
        return -1;
    char name[SPOOL_TILE_NAME_MAX];
    snprintf(name, sizeof name, "%s", tile);
    memset(r, 0, sizeof *r);
    snprintf(r->tile, sizeof r->tile, "%s", name);
    FILE *f = spool_fopen(path, err);
    if (!f)
        return errno == ENOENT ? 1 : -1;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    cJSON *o = cJSON_Parse(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return errf(err, "%s: not a JSON object", path);
    }
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attempts");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pid");
    copy_str(o, "kind", r->kind, sizeof r->kind);
    copy_str(o, "reason", r->reason, sizeof r->reason);
    copy_str(o, "time", r->time, sizeof r->time);
    r->attempts = cJSON_IsNumber(a) ? a->valueint : 0;
    r->pid = cJSON_IsNumber(p) ? (long)p->valuedouble : 0;
    int rc = cJSON_IsString(k) && cJSON_IsNumber(a) ? 0 : 2;
    cJSON_Delete(o);
    if (rc == 2)
        errf(err, "%s: not a failure record (kind, attempts)", path);
    return rc;
}

int failrec_remove(const char *jobdir, const char *tile, char *err)
{
    char path[PATH_MAX];
    if (failrec_path(path, jobdir, tile, err) < 0)
        return -1;
    return spool_unlink(path, err);
}
