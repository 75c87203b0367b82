/* The page of `thidua serve`: a form, then the verdict, the summary and the unit file with
 * line numbers, each finding shown under its line as `thidua validate` gives it.
 * Pipeline: td_batch (validate's view) -> this page -> the server's response. */
#include <stdint.h>
#include <string.h>

#include "serve_page.h"

#define N_(s) s /* a message of the catalog, translated where it is used */

enum {
    W_TITLE, W_LEAD, W_AS_OF, W_FILE, W_PASTE, W_CHECK, W_OTHER_LANG,
    W_RESULT, W_READY, W_NOT_READY, W_ERRORS, W_WARNINGS, W_INFOS, W_PROBLEMS, W_NONE,
    W_LISTING, W_LINE, W_COL, W_ERROR, W_WARNING, W_INFO, W_WHOLE_FILE, W_UNIT, W_HINT,
    W_DROP, W_TEMPLATE, W_FIELDS, N_WORDS
};

/* The page's own words, as messages of the catalog (po/vi.po has them in Vietnamese). */
static const char *const WORDS[N_WORDS] = {
    [W_TITLE] = N_("Check a unit's emulation file"),
    [W_LEAD] = N_("Choose or drop the unit's data file (.yaml), or paste its text, then press "
                  "“Check”. The file is not kept on the server."),
    [W_AS_OF] = N_("Judged as of"),
    [W_FILE] = N_("The unit's file"),
    [W_PASTE] = N_("or paste the file's text"),
    [W_CHECK] = N_("Check"),
    [W_OTHER_LANG] = NULL, /* the other language, named in itself: not translated */
    [W_RESULT] = N_("Result"),
    [W_READY] = N_("ready to submit"),
    [W_NOT_READY] = N_("not ready"),
    [W_ERRORS] = N_("errors"),
    [W_WARNINGS] = N_("warnings"),
    [W_INFOS] = N_("infos"),
    [W_PROBLEMS] = N_("What to look at"),
    [W_NONE] = N_("Nothing to fix."),
    [W_LISTING] = N_("The file"),
    [W_LINE] = N_("line"),
    [W_COL] = N_("column"),
    [W_ERROR] = N_("error"),
    [W_WARNING] = N_("warning"),
    [W_INFO] = N_("info"),
    [W_WHOLE_FILE] = N_("whole file"),
    [W_UNIT] = N_("Unit"),
    [W_HINT] = N_("What to do"),
    [W_DROP] = N_("Drop the file here"),
    [W_TEMPLATE] = N_("Download a blank unit file to fill in"),
    [W_FIELDS] = N_("The fields and their allowed codes"),
};

static td_lang lang_of(serve_lang lang)
{
    return lang == SERVE_EN ? TD_LANG_EN : TD_LANG_VI;
}

static const char *w(const serve_view *v, int word)
{
    if (word == W_OTHER_LANG)
        return v->lang == SERVE_EN ? "Tiếng Việt" : "English";
    return td_gettext(lang_of(v->lang), WORDS[word]);
}

const char *serve_title(serve_lang lang)
{
    return td_gettext(lang_of(lang), WORDS[W_TITLE]);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
                 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || len > n || (len == 2 && s[0] < 0xC2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3) {
        uint32_t c = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
    } else if (len == 4) {
        uint32_t c = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
                     (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        if (c < 0x10000 || c > 0x10FFFF)
            return 0;
    }
    return len;
}

void serve_escape(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len = utf8_len(p + i, n - i);
        if (c == '&')
            fputs("&amp;", out);
        else if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '"')
            fputs("&quot;", out);
        else if (c == '\'')
            fputs("&#39;", out);
        else if (!len || (c < 0x20 && c != '\t') || c == 0x7F)
            fputs("\xEF\xBF\xBD", out);
        else
            fwrite(p + i, 1, len, out);
        i += len ? len : 1;
    }
}

static void esc(FILE *out, const char *s)
{
    if (s)
        serve_escape(out, s, strlen(s));
}

static const char *sev_class(td_severity s)
{
    return s == TD_SEV_ERROR ? "error" : s == TD_SEV_WARNING ? "warning" : "info";
}

static const char *sev_word(const serve_view *v, td_severity s)
{
    return w(v, s == TD_SEV_ERROR ? W_ERROR : s == TD_SEV_WARNING ? W_WARNING : W_INFO);
}

/* One finding: badge, message, [rule, clause], and the hint. `where` adds its place. */
static void finding(FILE *out, const serve_view *v, const td_diagnostic *entry, bool where)
{
    td_diag_info info, *d = &info;
    td_diagnostic_info(entry, d);
    fprintf(out, "<div class=\"finding %s\"><span class=\"badge\">%s</span> ", sev_class(d->severity),
            sev_word(v, d->severity));
    if (where && d->line)
        fprintf(out, "<a href=\"#L%u\">%s %u, %s %u</a>: ", d->line, w(v, W_LINE), d->line,
                w(v, W_COL), d->col);
    else if (where)
        fprintf(out, "<span class=\"where\">%s</span>: ", w(v, W_WHOLE_FILE));
    esc(out, d->message);
    if (d->rule || d->cite) {
        fputs(" <span class=\"rule\">[", out);
        esc(out, d->rule);
        if (d->rule && d->cite)
            fputs(", ", out);
        esc(out, d->cite);
        fputs("]</span>", out);
    }
    if (d->hint) {
        fprintf(out, "<div class=\"hint\">%s: ", w(v, W_HINT));
        esc(out, d->hint);
        fputs("</div>", out);
    }
    fputs("</div>\n", out);
}

static void counts(FILE *out, const serve_view *v, size_t e, size_t wn, size_t i)
{
    fprintf(out, "%zu %s, %zu %s, %zu %s", e, w(v, W_ERRORS), wn, w(v, W_WARNINGS), i,
            w(v, W_INFOS));
}

static void head(FILE *out, const serve_view *v)
{
    fprintf(out,
            "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>%s</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n"
            "<body>\n<header>\n<h1>%s</h1>\n",
            v->lang == SERVE_EN ? "en" : "vi", w(v, W_TITLE), w(v, W_TITLE));
    if (v->plan) {
        fputs("<p class=\"plan\">", out);
        esc(out, v->plan);
        fputs("</p>\n", out);
    }
    fprintf(out, "<nav><a href=\"/?lang=%s\" lang=\"%s\">%s</a></nav>\n</header>\n<main>\n",
            v->lang == SERVE_EN ? "vi" : "en", v->lang == SERVE_EN ? "vi" : "en",
            w(v, W_OTHER_LANG));
}

static void form(FILE *out, const serve_view *v)
{
    fprintf(out,
            "<form method=\"post\" action=\"/?lang=%s\" enctype=\"multipart/form-data\" "
            "id=\"form\" data-drop=\"%s\">\n<p>%s</p>\n",
            v->lang == SERVE_EN ? "en" : "vi", w(v, W_DROP), w(v, W_LEAD));
    if (v->notice) {
        fputs("<p class=\"notice\" role=\"alert\">", out);
        esc(out, v->notice);
        fputs("</p>\n", out);
    }
    fprintf(out,
            "<label>%s <input type=\"file\" name=\"file\" accept=\".yaml,.yml,text/yaml\"></label>\n"
            "<label>%s<textarea name=\"text\" rows=\"8\" spellcheck=\"false\"></textarea></label>\n"
            "<p><button type=\"submit\">%s</button> <span class=\"asof\">%s: %s</span></p>\n"
            "</form>\n",
            w(v, W_FILE), w(v, W_PASTE), w(v, W_CHECK), w(v, W_AS_OF), v->as_of ? v->as_of : "");
    const char *lang = v->lang == SERVE_EN ? "en" : "vi";
    fprintf(out,
            "<p class=\"contract\"><a href=\"/template.yaml?lang=%s\" download=\"don-vi.yaml\">%s</a>"
            " · <a href=\"/fields?lang=%s\">%s</a></p>\n",
            lang, w(v, W_TEMPLATE), lang, w(v, W_FIELDS));
}

/* The verdict of each unit of the file, and the findings in order with links to lines. */
static void verdicts(FILE *out, const serve_view *v, const char *file)
{
    const td_batch *b = v->batch;
    size_t n = td_batch_units(b), e = 0, wn = 0, in = 0;
    for (size_t k = 0; k < n; k++) {
        const td_diag *f = td_unit_findings(td_batch_unit(b, k));
        e += td_diag_count(f, TD_SEV_ERROR);
        wn += td_diag_count(f, TD_SEV_WARNING);
        in += td_diag_count(f, TD_SEV_INFO);
    }
    fputs("<section id=\"result\">\n<h2>", out);
    fprintf(out, "%s: ", w(v, W_RESULT));
    esc(out, file);
    fprintf(out, "</h2>\n<p class=\"verdict %s\">", e ? "not-ready" : "ready");
    fprintf(out, "%s — ", w(v, e ? W_NOT_READY : W_READY));
    counts(out, v, e, wn, in);
    fputs("</p>\n<ul class=\"units\">\n", out);
    for (size_t k = 0; k < n; k++) {
        const td_unit_result *u = td_batch_unit(b, k);
        const td_diag *f = td_unit_findings(u);
        size_t ue = td_diag_count(f, TD_SEV_ERROR);
        td_unit_info ui;
        td_unit_info_get(u, &ui);
        fprintf(out, "<li class=\"%s\">%s ", ue ? "not-ready" : "ready", w(v, W_UNIT));
        esc(out, ui.id ? ui.id : "?");
        if (ui.name) {
            fputs(" (", out);
            esc(out, ui.name);
            fputs(")", out);
        }
        fprintf(out, ": <strong>%s</strong> — ", w(v, ue ? W_NOT_READY : W_READY));
        counts(out, v, ue, td_diag_count(f, TD_SEV_WARNING), td_diag_count(f, TD_SEV_INFO));
        fputs("</li>\n", out);
    }
    fprintf(out, "</ul>\n<h3>%s</h3>\n", w(v, W_PROBLEMS));
    if (!e && !wn && !in)
        fprintf(out, "<p>%s</p>\n", w(v, W_NONE));
    for (size_t k = 0; k < n; k++) {
        const td_diag *f = td_unit_findings(td_batch_unit(b, k));
        for (size_t i = 0; i < td_diag_size(f); i++)
            finding(out, v, td_diag_item(f, i), true);
    }
}

/* The file with line numbers; the findings of each line under it. */
static void listing(FILE *out, const serve_view *v)
{
    const td_batch *b = v->batch;
    size_t n = td_batch_units(b);
    fprintf(out, "<h3>%s</h3>\n<table class=\"src\">\n", w(v, W_LISTING));
    const char *s = v->text, *end = v->text + v->len;
    for (uint32_t line = 1; s < end || line == 1; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - s);
        if (len && s[len - 1] == '\r')
            len--;
        fprintf(out, "<tr id=\"L%u\"><td class=\"ln\"><a href=\"#L%u\">%u</a></td><td><code>",
                line, line, line);
        serve_escape(out, s, len);
        fputs("</code></td></tr>\n", out);
        bool any = false;
        for (size_t k = 0; k < n; k++) {
            const td_diag *f = td_unit_findings(td_batch_unit(b, k));
            for (size_t i = 0; i < td_diag_size(f); i++) {
                td_diag_info fi;
                td_diagnostic_info(td_diag_item(f, i), &fi);
                if (fi.line != line)
                    continue;
                if (!any)
                    fputs("<tr class=\"at\"><td></td><td>", out);
                any = true;
                finding(out, v, td_diag_item(f, i), false);
            }
        }
        if (any)
            fputs("</td></tr>\n", out);
        if (!nl)
            break;
        s = nl + 1;
    }
    fputs("</table>\n</section>\n", out);
}

void serve_page(FILE *out, const serve_view *v)
{
    head(out, v);
    form(out, v);
    if (v->batch && td_batch_files(v->batch)) {
        verdicts(out, v, td_batch_file(v->batch, 0));
        listing(out, v);
    }
    fputs("</main>\n<script src=\"/app.js\"></script>\n</body>\n</html>\n", out);
}

const char *serve_css(void)
{
    return "*{box-sizing:border-box}\n"
           "body{font:16px/1.5 system-ui,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif;margin:0;"
           "color:#1b1b1b;background:#f6f7f9}\n"
           "header{background:#8b1a1a;color:#fff;padding:12px 20px}\n"
           "header h1{margin:0;font-size:1.4em}header .plan{margin:4px 0}\n"
           "header a{color:#fff}nav{margin-top:6px}\n"
           "main{max-width:1100px;margin:0 auto;padding:16px 20px}\n"
           "form{background:#fff;border:1px solid #ccd;border-radius:6px;padding:12px 16px}\n"
           "form.drag{outline:3px dashed #8b1a1a}\n"
           "label{display:block;margin:8px 0}\n"
           "textarea{display:block;width:100%;font:14px/1.4 ui-monospace,monospace}\n"
           "button{font-size:1.05em;padding:6px 22px;background:#8b1a1a;color:#fff;border:0;"
           "border-radius:4px;cursor:pointer}\n"
           ".asof{color:#444;margin-left:12px}\n"
           ".notice{background:#fff3cd;border-left:4px solid #8a6d00;padding:6px 10px}\n"
           ".verdict{font-size:1.2em;font-weight:bold;padding:8px 12px;border-radius:4px}\n"
           ".verdict.ready{background:#e3f4e4;color:#14521a}\n"
           ".verdict.not-ready{background:#fde7e7;color:#8b1a1a}\n"
           ".units li.not-ready strong{color:#8b1a1a}.units li.ready strong{color:#14521a}\n"
           ".finding{margin:6px 0;padding:6px 10px;background:#fff;border-left:4px solid #999;"
           "overflow-wrap:anywhere}\n"
           ".finding.error{border-color:#b3261e}.finding.warning{border-color:#8a6d00}"
           ".finding.info{border-color:#1f5fa8}\n"
           ".badge{display:inline-block;font-size:.85em;font-weight:bold;padding:0 6px;"
           "border-radius:3px;color:#fff}\n"
           ".error .badge{background:#b3261e}.warning .badge{background:#6b5400}"
           ".info .badge{background:#1f5fa8}\n"
           ".rule{color:#444;font-size:.9em}.hint{color:#333;font-style:italic}\n"
           "table.src{border-collapse:collapse;width:100%;background:#fff;border:1px solid #ccd}\n"
           "table.src td{vertical-align:top;padding:0 8px}\n"
           "table.src code{white-space:pre-wrap;overflow-wrap:anywhere;"
           "font:14px/1.45 ui-monospace,monospace}\n"
           "td.ln{text-align:right;color:#666;user-select:none;width:3.5em;"
           "border-right:1px solid #dde}\n"
           "td.ln a{color:inherit;text-decoration:none}\n"
           "tr.at td{padding-bottom:4px}tr:target{background:#fff6c2}\n"
           "@media (max-width:600px){body{font-size:15px}main{padding:8px}"
           "header{padding:10px}td.ln{width:2.5em;padding:0 4px}}\n";
}

const char *serve_js(void)
{
    /* Dropping a file anywhere on the form puts it in the file field and sends the form. */
    return "(function(){var f=document.getElementById('form');if(!f)return;"
           "var i=f.querySelector('input[type=file]');\n"
           "['dragenter','dragover'].forEach(function(e){f.addEventListener(e,function(ev){"
           "ev.preventDefault();f.classList.add('drag');});});\n"
           "['dragleave','drop'].forEach(function(e){f.addEventListener(e,function(){"
           "f.classList.remove('drag');});});\n"
           "f.addEventListener('drop',function(ev){ev.preventDefault();"
           "if(ev.dataTransfer&&ev.dataTransfer.files.length){i.files=ev.dataTransfer.files;"
           "f.submit();}});\n"
           "var r=document.getElementById('result');if(r&&!location.hash)"
           "r.scrollIntoView();})();\n";
}
