/*
 * chain.c - parse "name[:k=v...][,name...]" into a struct chain (chain.h).
 */
#include "chain.h"
#include "err.h"

#include <string.h>

int chain_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int is_path_name(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') != NULL || (n > 5 && strcmp(s + n - 5, ".wasm") == 0);
}

/* parse_param - parse "key=value" of stage st; returns 0 or -1. */
static int parse_param(const char *text, size_t len, struct chain_stage *st, char *err)
{
    const char *eq = memchr(text, '=', len);
    if (!eq)
        return errf(err, "filter chain: %s: parameter '%.*s' has no '=value'", st->name,
                    (int)len, text);
    size_t klen = (size_t)(eq - text), vlen = len - klen - 1;
    if (klen == 0 || klen >= CHAIN_KEY_MAX)
        return errf(err, "filter chain: %s: bad parameter name in '%.*s'", st->name,
                    (int)len, text);
    if (vlen == 0 || vlen >= CHAIN_VALUE_MAX)
        return errf(err, "filter chain: %s: parameter '%.*s' has an empty or too long value",
                    st->name, (int)klen, text);
    if (st->nparams == CHAIN_MAX_PARAMS)
        return errf(err, "filter chain: %s: more than %d parameters", st->name,
                    CHAIN_MAX_PARAMS);
    struct chain_param *p = &st->params[st->nparams];
    memcpy(p->key, text, klen);
    p->key[klen] = '\0';
    memcpy(p->value, eq + 1, vlen);
    p->value[vlen] = '\0';
    for (int i = 0; i < st->nparams; i++)
        if (strcmp(st->params[i].key, p->key) == 0)
            return errf(err, "filter chain: %s: parameter '%s' given twice", st->name, p->key);
    st->nparams++;
    return 0;
}

/* parse_stage - parse one "name:k=v:k=v" of len bytes; returns 0 or -1. */
static int parse_stage(const char *text, size_t len, struct chain_stage *st, char *err)
{
    memset(st, 0, sizeof *st);
    const char *colon = memchr(text, ':', len);
    size_t nlen = colon ? (size_t)(colon - text) : len;
    if (nlen == 0)
        return len == 0 ? errf(err, "filter chain: empty filter name (two commas, or a comma "
                               "at an end)")
                        : errf(err, "filter chain: empty filter name before '%.*s'", (int)len,
                               text);
    if (nlen >= CHAIN_NAME_MAX)
        return errf(err, "filter chain: filter name too long: '%.*s'", (int)nlen, text);
    memcpy(st->name, text, nlen);
    st->name[nlen] = '\0';
    st->is_path = is_path_name(st->name);
    if (!st->is_path && !chain_name_ok(st->name))
        return errf(err, "filter chain: '%s' is not a filter name "
                    "(lower-case letters, digits, '_'; or a path to a .wasm)", st->name);
    const char *p = colon, *end = text + len;
    while (p && p < end) {
        const char *start = p + 1;
        const char *next = memchr(start, ':', (size_t)(end - start));
        size_t plen = (size_t)((next ? next : end) - start);
        if (parse_param(start, plen, st, err) < 0)
            return -1;
        p = next;
    }
    return 0;
}

int chain_parse(const char *text, struct chain *c, char *err)
{
    memset(c, 0, sizeof *c);
    if (!text || !*text)
        return errf(err, "filter chain: empty");
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (c->nstages == CHAIN_MAX_STAGES)
            return errf(err, "filter chain: more than %d filters", CHAIN_MAX_STAGES);
        if (parse_stage(p, len, &c->stages[c->nstages], err) < 0)
            return -1;
        c->nstages++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}
