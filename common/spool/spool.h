/*
 * spool.h - the spool directory: every path, rename and name check.
 *
 *   SPOOL/<job>/job.json     manifest, written once, last, by tmp + rename
 *   SPOOL/<job>/tiles/T      waiting
 *   SPOOL/<job>/claimed/T@node.pid   being processed; the owner holds flock
 *   SPOOL/<job>/done/T       processed input tiles (kept for inspection)
 *   SPOOL/<job>/out/T        results, cropped to the core
 *   SPOOL/<job>/failed/T     tiles that failed, with failed/T.json
 *   SPOOL/<job>/tmp/         partial writes; garbage after a crash
 *   SPOOL/<job>/stats/       global chains only: statistics per tile, merged, reference
 *   SPOOL/<job>/mid/T        global chains only: T after the stages before the global one
 *   SPOOL/<job>/meta/        the input's ICC profile, Exif and XMP, when it has any
 *   SPOOL/<job>/log          one line per processed tile (append)
 *
 * Every file appears under its final name by rename(2) from tmp/.  See
 * docs/spool.md for the protocol and its crash-safety argument.
 *
 * Temporaries are named NAME@NODE.PID.SERIAL (in tmp/) or
 * .NAME.tmp@NODE.PID.SERIAL (beside an output), so that garbage left by a
 * dead writer can be told from a file being written (spool_tmp_clean).
 *
 * Fault injection: when TILESPOOL_CRASH_AT=N is set, a process kills
 * itself with SIGKILL just before its Nth spool operation (create, write,
 * fsync, rename, unlink, mkdir, log append), so tests can crash at every
 * step.  Each process counts its own operations, a forked child from zero.
 * TILESPOOL_CRASH_IN=ROLE limits it to one kind of process (the program's
 * name for its main process, "<program>-child" for processes it forks:
 * "worker" is the supervisor, "worker-child" a worker child), and
 * TILESPOOL_CRASH_ONCE=FILE to the first process that gets there (it
 * marks FILE, which starts with 'C' once a crash has happened).
 */
#ifndef TS_SPOOL_H
#define TS_SPOOL_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "spool_fs.h"
#include "tile.h"

/* job ids and tile names are the job's (manifest.h, tile.h) */
#define SPOOL_JOB_ID_MAX MANIFEST_JOB_ID_MAX
#define SPOOL_TILE_NAME_MAX TILE_NAME_MAX
#define SPOOL_NODE_MAX 64

/* Subdirectories of a job, in the order they are created. */
#define SPOOL_TILES "tiles"
#define SPOOL_CLAIMED "claimed"
#define SPOOL_DONE "done"
#define SPOOL_OUT "out"
#define SPOOL_FAILED "failed"
#define SPOOL_TMP "tmp"
#define SPOOL_STATS "stats"     /* global filters: statistics (global.h) */
#define SPOOL_MID "mid"         /* global filters: tiles after the stages before it */
#define SPOOL_META "meta"       /* the input's metadata blocks (jobmeta.h) */
#define SPOOL_MANIFEST "job.json"
#define SPOOL_LOG "log"

/* spool_set_durable - with 1, fsync each file and its directory before and
 * after each rename that publishes it (--durable). */
void spool_set_durable(int on);

/* spool_fault_init - name the program for TILESPOOL_CRASH_IN; main()
 * calls it first, in the process whose forks are "<program>-child". */
void spool_fault_init(const char *program);

/* spool_fault_point - count one spool operation; dies with SIGKILL at the
 * operation TILESPOOL_CRASH_AT names.  Called by every wrapper below. */
void spool_fault_point(void);

/* spool_node - this host's node id (hostname, or $TILESPOOL_NODE), safe
 * for a file name. */
const char *spool_node(void);

/* spool_path - join "dir/a" or "dir/a/b" into out (PATH_MAX); b may be NULL.
 * Returns 0, or -1 with err when the result does not fit. */
int spool_path(char *out, const char *dir, const char *a, const char *b, char *err);

/* spool_list_sub - the names in jobdir/sub (tiles, claimed, failed ...),
 * sorted, as spool_list gives them (*names freed by the caller), with
 * the directory's path into dir[PATH_MAX].  Returns how many, or -1. */
int spool_list_sub(const char *jobdir, const char *sub, char *dir, char ***names, char *err);

/* spool_dir_create - make the spool directory itself if it is missing;
 * returns 0 or -1. */
int spool_dir_create(const char *spool, char *err);

/* spool_job_create - make SPOOL/<id> and its subdirectories; returns 0 or -1. */
int spool_job_create(const char *spool, const char *id, char *err);

/* spool_job_create_global - add stats/ and mid/ to a job whose chain has
 * a global stage; returns 0 or -1. */
int spool_job_create_global(const char *jobdir, char *err);

/* spool_job_create_meta - add meta/ to a job whose input has metadata;
 * returns 0 or -1. */
int spool_job_create_meta(const char *jobdir, char *err);

/* spool_job_check - jobdir and each protocol subdirectory that exists must
 * be a real directory, not a symbolic link (which could send reads and
 * writes outside the spool).  Returns 0 or -1 with err. */
int spool_job_check(const char *jobdir, char *err);

/* spool_job_remove - remove an (incomplete) job directory and the files
 * the protocol puts in it; returns 0 or -1. */
int spool_job_remove(const char *jobdir, char *err);

/* A file being written in tmp/ that becomes `final` when committed. */
struct spool_file {
    FILE *f;
    char tmp[PATH_MAX];
    char final[PATH_MAX];
};

/* spool_file_begin - open a new file in jobdir/tmp that will be published
 * as jobdir/sub/name (sub NULL: jobdir/name).  Returns 0 or -1. */
int spool_file_begin(struct spool_file *sf, const char *jobdir, const char *sub,
                     const char *name, char *err);

/* spool_file_begin_at - the same for any final path, with the temporary in
 * the same directory (outputs of the assembler). */
int spool_file_begin_at(struct spool_file *sf, const char *final, char *err);

/* spool_file_commit - flush, (fsync), close and rename into place.  On
 * error the temporary is removed.  Returns 0 or -1. */
int spool_file_commit(struct spool_file *sf, char *err);

/* spool_file_abort - close and remove the temporary; safe to call twice. */
void spool_file_abort(struct spool_file *sf);

/* spool_tmp_clean - remove from jobdir/tmp the temporaries whose writer
 * is dead: written on this node (TILESPOOL_NODE) by a pid that no longer
 * exists.  *removed (may be NULL) counts them.  Returns 0 or -1. */
int spool_tmp_clean(const char *jobdir, int *removed, char *err);

/* spool_tmp_clean_at - the same for the temporaries of `final` beside it
 * (.NAME.tmp@..., left by spool_file_begin_at writers that died). */
int spool_tmp_clean_at(const char *final, int *removed, char *err);

/* spool_rename - rename with fault injection and (durable) directory sync.
 * Returns 0, -1 with err, or 1 if `from` vanished (ENOENT: lost a race). */
int spool_rename(const char *from, const char *to, char *err);

/* spool_unlink - unlink with fault injection; ENOENT is success. */
int spool_unlink(const char *path, char *err);

/* spool_append_line - append one line to path with a single write(2). */
int spool_append_line(const char *path, const char *line, char *err);

#endif
