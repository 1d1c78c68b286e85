/*
 * chain.h - the filter chain as the user writes it on the command line.
 *
 *     name[:param=value...][,name...]
 *     gaussian_blur:sigma=1.5,sharpen:amount=0.6:sigma=1
 *
 * A name containing '/' or ending in ".wasm" is a path to the user's own
 * module.  This is syntax only: whether the filters exist and the values
 * are in range is decided by the filter loader (filter.h).
 */
#ifndef TS_CHAIN_H
#define TS_CHAIN_H

#define CHAIN_MAX_STAGES 16
#define CHAIN_MAX_PARAMS 16
#define CHAIN_NAME_MAX 256
#define CHAIN_KEY_MAX 64
#define CHAIN_VALUE_MAX 256

struct chain_param {
    char key[CHAIN_KEY_MAX];
    char value[CHAIN_VALUE_MAX];
};

struct chain_stage {
    char name[CHAIN_NAME_MAX];   /* bundled name, or path to a .wasm */
    int is_path;
    int nparams;
    struct chain_param params[CHAIN_MAX_PARAMS];
};

struct chain {
    int nstages;
    struct chain_stage stages[CHAIN_MAX_STAGES];
};

/* chain_parse - parse text into *c.  Returns 0, or -1 with err naming the
 * offending part (empty stage, missing '=', repeated param, too many ...). */
int chain_parse(const char *text, struct chain *c, char *err);

/* chain_name_ok - 1 if s is a valid bundled filter name: [a-z0-9_]{1,63}. */
int chain_name_ok(const char *s);

#endif
