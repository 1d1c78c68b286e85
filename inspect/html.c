/*
 * html.c - the inspect report: one HTML file with everything inside it
 * (styles, script, the two views as data: URIs), no server, nothing
 * fetched.  Links to tile files are relative to the report.
 *
 * Each view is an <img> with an SVG on top in image coordinates: one
 * <g class="tile"> per tile holding its halo (shown on hover) and its core
 * (coloured by state, or by processing time when the page's view is
 * "time").  The script switches views, shows a tile's details on hover,
 * and writes each tile's on-screen box into data-box for tools that look
 * at a rendering of the page.
 */
#include "inspect.h"
#include "tile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* esc - s with &, <, >, " escaped, on f. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char style[] =
    "body{font:14px/1.4 sans-serif;margin:12px;color:#222;background:#fafafa}"
    "h1{font-size:17px;margin:0 0 4px}h2{font-size:15px;margin:16px 0 4px}"
    ".views{display:flex;gap:16px}.view{flex:1;min-width:0}"
    ".frame{position:relative;line-height:0;border:1px solid #888}"
    ".frame img{width:100%;image-rendering:pixelated}"
    ".frame svg{position:absolute;left:0;top:0;width:100%;height:100%;overflow:visible}"
    ".core{fill-opacity:.45;stroke:#222;stroke-opacity:.7;vector-effect:non-scaling-stroke}"
    ".halo{visibility:hidden;fill:none;stroke:#ff0;stroke-width:2;stroke-dasharray:4 3;"
    "vector-effect:non-scaling-stroke;pointer-events:none}"
    ".tile:hover .halo{visibility:visible}.tile:hover .core{stroke:#ff0;stroke-opacity:1}"
    "body[data-view=state] .st-waiting .core{fill:rgb(150,150,150)}"
    "body[data-view=state] .st-claimed .core{fill:rgb(30,136,229)}"
    "body[data-view=state] .st-done .core{fill:rgb(46,158,68)}"
    "body[data-view=state] .st-failed .core{fill:rgb(229,57,53)}"
    "body[data-view=time] .core{fill:var(--heat);fill-opacity:.6}"
    ".sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    "#detail{min-height:1.4em;font-family:monospace}button[aria-pressed=true]{font-weight:bold}";

static const char script[] =
    "(function(){var b=document.body,d=document.getElementById('detail');"
    "function view(v){b.setAttribute('data-view',v);"
    "document.querySelectorAll('button[data-for]').forEach(function(x){"
    "x.setAttribute('aria-pressed',x.getAttribute('data-for')==v?'true':'false')})}"
    "document.querySelectorAll('button[data-for]').forEach(function(x){"
    "x.onclick=function(){view(x.getAttribute('data-for'))}});"
    "view(location.hash=='#time'?'time':'state');"
    "var n={},all=document.querySelectorAll('svg[data-view=source] .tile');"
    "all.forEach(function(g){var s=g.getAttribute('data-state');n[s]=(n[s]||0)+1});"
    "document.getElementById('shown').textContent=all.length+' tiles shown: '+"
    "['waiting','claimed','done','failed'].map(function(s){return (n[s]||0)+' '+s}).join(', ');"
    "document.querySelectorAll('.tile').forEach(function(g){"
    "var r=g.querySelector('.core').getBoundingClientRect();"
    "g.setAttribute('data-box',[r.left,r.top,r.width,r.height].map(Math.round).join(','));"
    "g.onmouseenter=function(){d.textContent=g.querySelector('title').textContent}})"
    "})();";

/* heat - a colour for t in [0, 1]: blue (fast), yellow, red (slow). */
static void heat(double t, char out[16])
{
    double r = t < .5 ? 2 * t : 1, g = t < .5 ? 2 * t : 2 - 2 * t, b = t < .5 ? 1 - 2 * t : 0;
    snprintf(out, 16, "#%02x%02x%02x", (int)(60 + 195 * r), (int)(60 + 170 * g),
             (int)(60 + 195 * b));
}

/* heat_level - where ms lies between lo and hi, 0 to 1, on a logarithmic
 * scale: tile times spread over orders of magnitude, and a linear scale
 * would paint everything but the slowest few the same blue. */
static double heat_level(double ms, double lo, double hi)
{
    const double floor_ms = 0.001;
    double l = log(lo > floor_ms ? lo : floor_ms), h = log(hi > floor_ms ? hi : floor_ms);
    double v = log(ms > floor_ms ? ms : floor_ms);
    return h > l ? (v - l) / (h - l) : 0;
}

/* ms_range - smallest and largest time of the tiles with a log line. */
static void ms_range(const struct report *r, double *lo, double *hi)
{
    *lo = *hi = -1;
    for (uint32_t i = 0; i < r->js.total; i++) {
        if (r->last[i] < 0)
            continue;
        double ms = r->log.e[r->last[i]].ms;
        if (*lo < 0 || ms < *lo)
            *lo = ms;
        if (ms > *hi)
            *hi = ms;
    }
}

/* failure_of - the failure record of tile name, or NULL. */
static const struct failrec *failure_of(const struct report *r, const char *name)
{
    for (int i = 0; i < r->js.nfailures; i++)
        if (strcmp(r->js.failures[i].tile, name) == 0)
            return &r->js.failures[i];
    return NULL;
}

/* tile_svg - one tile's group; `file` is what its core links to ("" none). */
static void tile_svg(FILE *f, const struct report *r, uint32_t row, uint32_t col, const char *file,
                     double lo, double hi)
{
    const struct manifest *m = r->js.m;
    struct tile_geom g;
    char name[SPOOL_TILE_NAME_MAX], colour[16] = "#bbbbbb";
    size_t i = (size_t)row * m->cols + col;
    enum tile_state s = (enum tile_state)r->js.tiles[i];
    double ms = r->last[i] >= 0 ? r->log.e[r->last[i]].ms : -1;
    tile_geometry(m, row, col, &g);
    tile_name(m, row, col, name);
    if (ms >= 0)
        heat(heat_level(ms, lo, hi), colour);
    fprintf(f, "<g class=\"tile st-%s\" data-tile=\"%s\" data-state=\"%s\" data-row=\"%u\" "
               "data-col=\"%u\"", tile_state_name(s), name, tile_state_name(s), row, col);
    if (ms >= 0)
        fprintf(f, " data-ms=\"%.3f\"", ms);
    fprintf(f, "><title>%s (row %u, col %u): %s", name, row, col, tile_state_name(s));
    if (ms >= 0)
        fprintf(f, ", %.3f ms", ms);
    const struct failrec *x = s == TILE_FAILED ? failure_of(r, name) : NULL;
    if (x) {
        fprintf(f, ", %s: ", x->kind);
        esc(f, x->reason);
    }
    fprintf(f, "</title><rect class=\"halo\" x=\"%ld\" y=\"%ld\" width=\"%u\" height=\"%u\"/>",
            (long)g.x0 - m->halo, (long)g.y0 - m->halo, g.w + 2u * (uint32_t)m->halo,
            g.h + 2u * (uint32_t)m->halo);
    if (file[0]) {
        fputs("<a href=\"", f);
        esc(f, r->link_prefix);
        esc(f, file);
        fputs("\">", f);
    }
    fprintf(f, "<rect class=\"core\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
               "style=\"--heat:%s\"/>%s</g>\n", g.x0, g.y0, g.w, g.h, colour, file[0] ? "</a>" : "");
}

/* view_html - one view: caption, the image, the tile overlay. */
static int view_html(FILE *f, const struct report *r, const struct canvas *c, const char *which,
                     const char *caption, char *err)
{
    const struct manifest *m = r->js.m;
    double lo, hi;
    char *b64 = canvas_png_base64(c, err);
    if (!b64)
        return -1;
    ms_range(r, &lo, &hi);
    fprintf(f, "<div class=\"view\"><h2>%s</h2><div class=\"frame\">"
               "<img alt=\"%s\" src=\"data:image/png;base64,%s\">"
               "<svg data-view=\"%s\" viewBox=\"0 0 %lu %lu\" preserveAspectRatio=\"none\">\n",
            caption, which, b64, which, (unsigned long)c->w * c->scale,
            (unsigned long)c->h * c->scale);
    free(b64);
    for (uint32_t row = 0; row < m->rows; row++)
        for (uint32_t col = 0; col < m->cols; col++) {
            char name[SPOOL_TILE_NAME_MAX], file[PATH_MAX] = "";
            size_t i = (size_t)row * m->cols + col;
            tile_name(m, row, col, name);
            if (strcmp(which, "source") == 0)
                snprintf(file, sizeof file, "%s", r->input[i]);
            else if (r->js.tiles[i] == TILE_DONE)
                snprintf(file, sizeof file, "%s/%s", SPOOL_OUT, name);
            tile_svg(f, r, row, col, file, lo, hi);
        }
    fputs("</svg></div></div>\n", f);
    return 0;
}

/* header_html - title, state, counts, legend and the view buttons. */
static void header_html(FILE *f, const struct report *r)
{
    const struct job_scan *js = &r->js;
    double lo, hi;
    char a[16], b[16];
    ms_range(r, &lo, &hi);
    heat(0, a);
    heat(1, b);
    fputs("<h1>Job ", f);
    esc(f, js->id);
    fprintf(f, "</h1><p>State <b id=\"state\">%s</b>: %u tiles, ", jobscan_state_name(js->state),
            js->total);
    for (int s = 0; s < TILE_NSTATES; s++)
        fprintf(f, "<span class=\"sw\" style=\"background:rgb(%d,%d,%d)\"></span>"
                   "<span id=\"n-%s\">%u</span> %s", state_rgb[s][0], state_rgb[s][1],
                state_rgb[s][2], tile_state_name(s), js->count[s], tile_state_name(s));
    fputs(". <button data-for=\"state\">by state</button> <button data-for=\"time\">"
          "by processing time</button>", f);
    if (lo >= 0)
        fprintf(f, " <span class=\"sw\" style=\"background:%s\"></span>%.3f ms"
                   " <span class=\"sw\" style=\"background:%s\"></span>%.3f ms (time per tile, "
                   "logarithmic)", a, lo, b, hi);
    fputs("</p><p id=\"shown\">tile counts appear here when scripts run</p>"
          "<p id=\"detail\">hover over a tile for its details; click it to open its file</p>\n", f);
}

/* chain_html - the chain, stage by stage, with resolved parameters. */
static void chain_html(FILE *f, const struct manifest *m)
{
    fputs("<h2>Chain</h2><p><code>", f);
    esc(f, m->chain_text);
    fputs("</code></p><table id=\"chain\"><tr><th>stage</th><th>filter</th><th>kind</th>"
          "<th>halo</th><th>parameters</th></tr>\n", f);
    for (int i = 0; i < m->nstages; i++) {
        const struct stage_spec *s = &m->stages[i];
        fprintf(f, "<tr><td>%d</td><td>", i + 1);
        esc(f, s->name);
        fprintf(f, "</td><td>%s</td><td>%d</td><td>", s->kind, s->halo);
        for (int k = 0; k < s->nparams; k++)
            fprintf(f, "%s%s=%g", k ? ", " : "", s->param_names[k], (double)s->params[k]);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* failures_html - each failed tile, its reason and links to its files. */
static void failures_html(FILE *f, const struct report *r)
{
    fprintf(f, "<h2>Failed tiles (%d)</h2>", r->js.nfailures);
    if (!r->js.nfailures) {
        fputs("<p>none</p>\n", f);
        return;
    }
    fputs("<table id=\"failures\"><tr><th>tile</th><th>kind</th><th>reason</th>"
          "<th>attempts</th><th>time</th></tr>\n", f);
    for (int i = 0; i < r->js.nfailures; i++) {
        const struct failrec *x = &r->js.failures[i];
        char rec[FAILREC_NAME_MAX];
        failrec_name(x->tile, rec);
        fprintf(f, "<tr class=\"failure\" data-tile=\"%s\"><td><a href=\"", x->tile);
        esc(f, r->link_prefix);
        fprintf(f, "%s/%s\">%s</a> (<a href=\"", SPOOL_FAILED, x->tile, x->tile);
        esc(f, r->link_prefix);
        fprintf(f, "%s/%s\">json</a>)</td><td>%s</td><td class=\"reason\">", SPOOL_FAILED, rec,
                x->kind);
        esc(f, x->reason);
        fprintf(f, "</td><td>%d</td><td>%s</td></tr>\n", x->attempts, x->time);
    }
    fputs("</table>\n", f);
}

/* totals_html - the job's figures: image, tiling, time, memory. */
static void totals_html(FILE *f, const struct report *r)
{
    const struct manifest *m = r->js.m;
    const struct job_log *l = &r->log;
    fputs("<h2>Totals</h2><table id=\"totals\"><tr><td>source</td><td>", f);
    esc(f, m->source_path);
    fprintf(f, " (%ux%u, %d channels, %s)</td></tr><tr><td>output</td><td>",
            m->source.width, m->source.height, m->source.channels,
            img_format_name(m->source_format));
    esc(f, m->output_path[0] ? m->output_path : "(none given)");
    fprintf(f, " %s</td></tr>", r->assembled ? "(assembled)" : "(not assembled)");
    fprintf(f, "<tr><td>tiles</td><td>%u (%u x %u of %u px, halo %d, %s)</td></tr>", r->js.total,
            m->cols, m->rows, m->tile_size, m->halo, m->tile_ext);
    fprintf(f, "<tr><td>log</td><td>%d lines", l->n);
    if (l->bad)
        fprintf(f, ", %d unreadable", l->bad);
    fprintf(f, "</td></tr><tr><td>processing time</td><td id=\"busy\">%.1f ms in all tiles</td>"
               "</tr><tr><td>wall time</td><td>%.3f s from first claim to last settlement</td>"
               "</tr><tr><td>peak RSS</td><td id=\"peak\">%ld KiB</td></tr>",
            l->busy_ms, l->n ? l->last - l->first : 0.0, l->peak_kb);
    fprintf(f, "<tr><td>created</td><td>%s</td></tr></table>\n", m->created);
}

/* notes_html - what the views could not show, said plainly. */
static void notes_html(FILE *f, const struct report *r)
{
    const struct canvas *cs[2] = {&r->src, &r->out};
    if (!r->assembled)
        fprintf(f, "<p class=\"note\">The output is not assembled yet: the output view shows "
                   "the %u processed tiles in out/.</p>\n", r->out.tiles);
    if (r->src.tiles < r->js.total)
        fprintf(f, "<p class=\"note\">%u input tiles are not in the spool (processed with "
                   "--no-keep, or unreadable): drawn as a grey checkerboard.</p>\n",
                r->js.total - r->src.tiles);
    for (int i = 0; i < 2; i++)
        if (cs[i]->unreadable) {
            fprintf(f, "<p class=\"note\">Tile files that could not be read: %u; the first: ",
                    cs[i]->unreadable);
            esc(f, cs[i]->first_error);
            fputs("</p>\n", f);
        }
}

int html_write(const struct report *r, const char *path, char *err)
{
    struct spool_file sf;
    if (spool_file_begin_at(&sf, path, err) < 0)
        return -1;
    FILE *f = sf.f;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tilespool: ", f);
    esc(f, r->js.id);
    fprintf(f, "</title><style>%s</style></head>\n<body data-view=\"state\">\n", style);
    header_html(f, r);
    fputs("<div class=\"views\">\n", f);
    if (view_html(f, r, &r->src, "source", "Source (input tiles)", err) < 0 ||
        view_html(f, r, &r->out, "output", "Output (out/ tiles)", err) < 0) {
        spool_file_abort(&sf);
        return -1;
    }
    fputs("</div>\n", f);
    notes_html(f, r);
    failures_html(f, r);
    chain_html(f, r->js.m);
    totals_html(f, r);
    fprintf(f, "<script>%s</script>\n</body></html>\n", script);
    return spool_file_commit(&sf, err);
}
