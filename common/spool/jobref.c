/*
 * jobref.c - the default spool and job names by prefix (jobref.h).
 */
#include "jobref.h"
#include "manifest_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *jobref_default_spool(void)
{
    const char *s = getenv("TILESPOOL_SPOOL");
    return s && *s ? s : "spool";
}

int jobref_name_ok(const char *name)
{
    return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* input_name - the file name of the job's input, from its manifest; ""
 * when it has none (being split, invalid). */
static void input_name(const char *spool, const char *id, struct manifest *m, char *out,
                       size_t n)
{
    char dir[PATH_MAX], err[ERR_MAX];
    out[0] = '\0';
    if (spool_path(dir, spool, id, NULL, err) < 0 || manifest_load(m, dir, err) < 0)
        return;
    const char *slash = strrchr(m->source_path, '/');
    snprintf(out, n, "%s", slash ? slash + 1 : m->source_path);
}

/* list_ids - the names of spool that are job ids, sorted (one block the
 * caller frees).  Not jobscan_list: the assembler, which has no filter
 * runtime, links this.  Returns the count, -2 without a spool, -1. */
static int list_ids(const char *spool, char ***ids, char *err)
{
    struct stat st;
    *ids = NULL;
    if (stat(spool, &st) < 0)
        return errno == ENOENT ? -2 : errf_sys(err, "%s", spool);
    if (!S_ISDIR(st.st_mode))
        return errf(err, "%s: not a directory", spool);
    int n = spool_list(spool, ids, err), k = 0;
    for (int i = 0; i < n; i++)
        if (manifest_job_id_ok((*ids)[i]))
            (*ids)[k++] = (*ids)[i];
    return n < 0 ? -1 : k;
}

/* add_candidate - append id to the list in err (for the ambiguity message). */
static void add_candidate(char *list, const char *id, int count)
{
    size_t len = strlen(list);
    if (count <= 8 && len + strlen(id) + 3 < ERR_MAX / 2)
        snprintf(list + len, ERR_MAX / 2 - len, "%s%s", count > 1 ? ", " : "", id);
    else if (count == 9 && len + 6 < ERR_MAX / 2)
        snprintf(list + len, ERR_MAX / 2 - len, ", ...");
}

int jobref_resolve(const char *spool, const char *name, char *id, char *err)
{
    char **ids, list[ERR_MAX / 2] = "";
    int n = list_ids(spool, &ids, err), count = 0;
    if (n == -2) {
        errf(err, "%s: no such job (no spool directory %s)", name, spool);
        return 1;
    }
    if (n < 0)
        return -1;
    struct manifest *m = n > 0 ? malloc(sizeof *m) : NULL;
    if (n > 0 && !m) {
        free(ids);
        return errf(err, "out of memory");
    }
    size_t len = strlen(name);
    for (int i = 0; len > 0 && i < n; i++) {
        char input[PATH_MAX];
        if (strcmp(ids[i], name) == 0) {     /* an exact id wins */
            count = 1;
            snprintf(id, SPOOL_JOB_ID_MAX, "%s", ids[i]);
            break;
        }
        if (strncmp(ids[i], name, len) != 0) {
            input_name(spool, ids[i], m, input, sizeof input);
            if (strncmp(input, name, len) != 0)
                continue;
        }
        if (++count == 1)
            snprintf(id, SPOOL_JOB_ID_MAX, "%s", ids[i]);
        add_candidate(list, ids[i], count);
    }
    free(m);
    free(ids);
    if (count == 0) {
        errf(err, "%s: no job in %s has this id or input name", name, spool);
        return 1;
    }
    if (count > 1) {
        errf(err, "%s: ambiguous, %d jobs match: %s", name, count, list);
        return 2;
    }
    return 0;
}
