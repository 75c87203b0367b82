/* `thidua template`: a commented blank unit file written from the compiled schema and rules:
 * each field with its label, type, the rules that require it there (and when), its codes and
 * an example. Written as is it is not ready, and each finding says what to fill in.
 * Pipeline: td_program -> td_contract -> YAML text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contract.h"
#include "i18n.h"
#include "report.h"

enum { MAX_DEPTH = 16 };

typedef struct tctx {
    const td_contract *c;
    const td_program *p;
    const td_template_opts *o;
    FILE *out;
    td_lang lang;               /* of the comments */
    td_arena *a;
    const td_record **done;     /* records already written out in full */
    uint32_t n_done;
    uint32_t slots[MAX_DEPTH];  /* the location being written: slots from the document */
    uint32_t depth;
    char date[11], month[8];    /* the example date and month */
} tctx;

/* ---- examples ---- */

static bool needs_quotes(const char *s)
{
    if (!*s || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[strlen(s) - 1] == ' ')
        return true;
    if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ':')
        return true;
    static const char *const words[] = {"true", "false", "yes", "no", "null", "on", "off", "~"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    char *end;
    strtod(s, &end);
    return *end == '\0';
}

/* A text as a YAML scalar, quoted when plain would read otherwise. */
static const char *yaml_text(td_arena *a, const char *s)
{
    if (!needs_quotes(s))
        return s;
    size_t n = strlen(s), k = 0;
    char *q = td_arena_alloc(a, 2 * n + 3);
    if (!q)
        return s;
    q[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            q[k++] = '\\';
        q[k++] = s[i];
    }
    q[k++] = '"';
    q[k] = '\0';
    return q;
}

/* The value written after `NAME:` in a hint of a rule that requires the field ("ví dụ
 * number: 05-KH/HND"), or NULL. */
static const char *hint_example(tctx *t, const td_cfield *cf)
{
    const char *name = cf->field->name;
    size_t nl = strlen(name);
    for (uint32_t i = 0; i < cf->n_reqs; i++) {
        const char *rule = cf->reqs[i].rule;
        for (uint32_t k = 0; rule && k < t->p->n_criteria; k++) {
            const td_criterion *cr = &t->p->criteria[k];
            if (strcmp(cr->id, rule) != 0 || !cr->hint)
                continue;
            for (const char *h = strstr(cr->hint, name); h; h = strstr(h + 1, name)) {
                bool start = h == cr->hint || h[-1] == ' ' || h[-1] == '.';
                if (!start || strncmp(h + nl, ": ", 2) != 0)
                    continue;
                const char *v = h + nl + 2;
                if (!*v || *v == '[' || *v == '{')
                    continue;
                size_t len = strlen(v);
                while (len && v[len - 1] == ' ')
                    len--;
                return td_arena_strndup(t->a, v, len);
            }
        }
    }
    return NULL;
}

/* A set value of --level / --kind (name=code) for an enum field, or NULL. */
static const char *preset(const tctx *t, const td_field *f)
{
    size_t nl = strlen(f->name);
    for (size_t i = 0; t->o && i < t->o->n_set; i++)
        if (strncmp(t->o->set[i], f->name, nl) == 0 && t->o->set[i][nl] == '=')
            return t->o->set[i] + nl + 1;
    return NULL;
}

/* The example of a scalar of type `ty` for field `cf` (NULL for a record), as YAML. */
static const char *example(tctx *t, const td_cfield *cf, const td_type *ty)
{
    if (cf && cf->equals && ty == cf->field->type) {
        const char *v = td_value_format(cf->equals, t->a);
        if (v)
            return ty->kind == TD_T_TEXT ? yaml_text(t->a, v) : v;
    }
    if (cf && cf->initial) {
        const char *v = td_value_format(cf->initial, t->a);
        if (v)
            return v;
    }
    switch (ty->kind) {
    case TD_T_DATE: return t->date;
    case TD_T_MONTH: return t->month;
    case TD_T_INT: return "1";
    case TD_T_NUMBER: {
        const char *h = cf ? hint_example(t, cf) : NULL;
        char *end;
        if (h && strtod(h, &end) > 0 && *end == '\0')
            return h;
        return "1";
    }
    case TD_T_BOOL: return "true";
    case TD_T_ENUM: return ty->en && ty->en->n ? ty->en->values[0] : "";
    case TD_T_TEXT: {
        const char *h = cf ? hint_example(t, cf) : NULL;
        if (h)
            return yaml_text(t->a, h);
        const char *l = cf && cf->field->label ? cf->field->label : cf ? cf->field->name : "";
        return yaml_text(t->a, l);
    }
    default: return NULL;
    }
}

/* ---- requirements at the location being written ---- */

static bool applies(const tctx *t, const td_req *q)
{
    if (!q->path)
        return true;
    if (t->depth != q->path->n + 1 + (q->direct ? 0 : 1))
        return false;
    for (uint32_t i = 0; i < q->path->n; i++)
        if (q->path->slots[i] != t->slots[i])
            return false;
    return true;
}

static void indent(FILE *out, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fputc(' ', out);
}

static void type_short(FILE *out, td_lang lang, const td_type *ty)
{
    switch (ty->kind) {
    case TD_T_TEXT: fputs(TR(lang, "text"), out); break;
    case TD_T_INT: fputs(TR(lang, "whole number"), out); break;
    case TD_T_NUMBER: fputs(TR(lang, "number"), out); break;
    case TD_T_BOOL: fputs(TR(lang, "true or false"), out); break;
    case TD_T_DATE: fputs(TR(lang, "date YYYY-MM-DD"), out); break;
    case TD_T_MONTH: fputs(TR(lang, "month YYYY-MM"), out); break;
    case TD_T_ENUM: fputs(TR(lang, "one of the codes below"), out); break;
    case TD_T_RECORD: fputs(TR(lang, "the fields below"), out); break;
    case TD_T_LIST:
        if (ty->elem && ty->elem->kind == TD_T_RECORD)
            fputs(TR(lang, "a list: each item starts with '-' and has the fields below"), out);
        else if (ty->elem && ty->elem->kind == TD_T_ENUM)
            fputs(TR(lang, "a list of the codes below, one per line after '- '"), out);
        else if (ty->elem && ty->elem->kind == TD_T_TEXT)
            fputs(TR(lang, "a list of texts, one per line after '- '"), out);
        else if (ty->elem) {
            fputs(TR(lang, "a list, one per line after '- ': "), out);
            type_short(out, lang, ty->elem);
        }
        break;
    }
}

static void comments(tctx *t, const td_cfield *cf, unsigned ind)
{
    const td_field *f = cf->field;
    char buf[512];
    indent(t->out, ind);
    fprintf(t->out, "# %s (%s; ", f->label ? f->label : f->name, f->name);
    type_short(t->out, t->lang, f->type);
    fputs(")\n", t->out);
    bool any = false;
    for (uint32_t i = 0; i < cf->n_reqs; i++) {
        const td_req *q = &cf->reqs[i];
        if (!applies(t, q))
            continue;
        any = true;
        indent(t->out, ind);
        fputs("# ", t->out);
        fputs(q->nonempty ? TR(t->lang, "required, not empty") : TR(t->lang, "required"), t->out);
        if (q->where)
            fprintf(t->out, TR(t->lang, " when %s"),
                    td_contract_expr_text(t->p, q->where, buf, sizeof buf));
        for (uint32_t k = 0; q->path && q->path->filters && k < q->path->n; k++)
            if (q->path->filters[k])
                fprintf(t->out, TR(t->lang, " when %s"),
                        td_contract_expr_text(t->p, q->path->filters[k], buf, sizeof buf));
        if (q->rule)
            fprintf(t->out, " [%s, %s]\n", q->rule, q->cite ? q->cite : "-");
        else
            fprintf(t->out, " [%s]\n", q->cite ? q->cite : "-");
    }
    if (!any) {
        indent(t->out, ind);
        fprintf(t->out, "# %s\n", TR(t->lang, "optional: delete the line when it does not apply"));
    }
    const td_type *ty = f->type->kind == TD_T_LIST ? f->type->elem : f->type;
    if (ty && ty->kind == TD_T_ENUM && ty->en) {
        for (uint32_t k = 0; k < ty->en->n; k++) {
            indent(t->out, ind);
            fprintf(t->out, "#   %s%s%s\n", ty->en->values[k],
                    ty->en->labels && ty->en->labels[k] ? ": " : "",
                    ty->en->labels && ty->en->labels[k] ? ty->en->labels[k] : "");
        }
    }
}

static void record_fields(tctx *t, const td_record *r, unsigned ind);

static bool was_done(const tctx *t, const td_record *r)
{
    for (uint32_t i = 0; i < t->n_done; i++)
        if (t->done[i] == r)
            return true;
    return false;
}

static void field(tctx *t, const td_record *r, const td_cfield *cf, unsigned ind)
{
    const td_field *f = cf->field;
    const td_type *ty = f->type;
    bool list = ty->kind == TD_T_LIST;
    const td_type *el = list ? ty->elem : ty;
    if (!el)
        return;
    (void)r;
    if (t->depth + 1 >= MAX_DEPTH)
        return;
    t->slots[t->depth++] = f->slot;
    comments(t, cf, ind);
    indent(t->out, ind);
    const char *eg = TR(t->lang, "e.g.");
    if (el->kind == TD_T_RECORD) {
        if (was_done(t, el->rec)) {
            fprintf(t->out, "%s:   # ", f->name);
            fprintf(t->out, TR(t->lang, "%s: the same fields as %s above"), el->rec->name,
                    el->rec->label ? el->rec->label : el->rec->name);
            fputs("\n", t->out);
        } else if (list) {
            fprintf(t->out, "%s:\n", f->name);
            indent(t->out, ind + 2);
            fputs("-\n", t->out);
            record_fields(t, el->rec, ind + 4);
        } else {
            fprintf(t->out, "%s:\n", f->name);
            record_fields(t, el->rec, ind + 2);
        }
    } else {
        const char *set = el->kind == TD_T_ENUM ? preset(t, f) : NULL;
        const char *v = example(t, cf, el);
        if (set && !list) {
            fprintf(t->out, "%s: %s\n", f->name, set);
        } else if (list) {
            fprintf(t->out, "%s:\n", f->name);
            indent(t->out, ind + 2);
            fprintf(t->out, "-   # %s %s\n", eg, v ? v : "");
        } else {
            fprintf(t->out, "%s:   # %s %s\n", f->name, eg, v ? v : "");
        }
    }
    t->depth--;
}

static void record_fields(tctx *t, const td_record *r, unsigned ind)
{
    const td_record **d = td_arena_alloc(t->a, (t->n_done + 1) * sizeof *d);
    if (!d)
        return;
    if (t->n_done)
        memcpy(d, t->done, t->n_done * sizeof *d);
    d[t->n_done++] = r;
    t->done = d;
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_cfield *cf = td_contract_field(t->c, r, &r->fields[i]);
        if (!cf)
            continue;
        if (ind == 0 && i)
            fputs("\n", t->out);
        field(t, r, cf, ind);
    }
}

/* The enum field named `name` nearest the document, breadth-first, or NULL. */
static const td_field *find_enum_field(const td_schema *s, const char *name, size_t len)
{
    const td_record *q[64];
    size_t head = 0, tail = 0;
    if (!s->document)
        return NULL;
    q[tail++] = s->document;
    while (head < tail) {
        const td_record *r = q[head++];
        for (uint32_t i = 0; i < r->n_fields; i++) {
            const td_type *ty = r->fields[i].type;
            if (ty->kind == TD_T_LIST)
                ty = ty->elem;
            if (!ty)
                continue;
            if (ty->kind == TD_T_ENUM && strlen(r->fields[i].name) == len &&
                strncmp(r->fields[i].name, name, len) == 0)
                return &r->fields[i];
            if (ty->kind == TD_T_RECORD && tail < 64) {
                bool seen = false;
                for (size_t k = 0; k < tail; k++)
                    seen |= q[k] == ty->rec;
                if (!seen)
                    q[tail++] = ty->rec;
            }
        }
    }
    return NULL;
}

td_status td_contract_template(const td_program *p, const td_template_opts *o, FILE *out,
                               char **problem)
{
    *problem = NULL;
    const td_schema *s = &p->schema;
    td_lang lang = o && o->lang != TD_LANG_AUTO ? o->lang : td_program_lang(p);
    for (size_t i = 0; o && i < o->n_set; i++) {
        const char *eq = strchr(o->set[i], '=');
        const td_field *f = eq ? find_enum_field(s, o->set[i], (size_t)(eq - o->set[i])) : NULL;
        char *msg = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&msg, &len);
        if (!m)
            return TD_ENOMEM;
        if (!f) {
            fprintf(m, TR(lang, "the rules have no field '%.*s' with codes"),
                    eq ? (int)(eq - o->set[i]) : (int)strlen(o->set[i]), o->set[i]);
        } else {
            const td_enum *e = f->type->kind == TD_T_LIST ? f->type->elem->en : f->type->en;
            if (td_enum_index(e, eq + 1, strlen(eq + 1)) >= 0) {
                fclose(m);
                free(msg);
                continue;
            }
            fprintf(m, TR(lang, "'%s' is not a code of %s; write one of: "), eq + 1, f->name);
            for (uint32_t k = 0; k < e->n; k++)
                fprintf(m, "%s%s", k ? ", " : "", e->values[k]);
        }
        fclose(m);
        *problem = msg;
        return TD_EINPUT;
    }
    td_contract *c = NULL;
    td_status st = td_contract_build(p, &c);
    if (st != TD_OK)
        return st;
    td_arena a;
    td_arena_init(&a, 8192);
    tctx t = {.c = c, .p = p, .o = o, .out = out, .lang = lang, .a = &a};
    int32_t day = p->plan.has_period ? p->plan.period_from : td_days_from_civil(2000, 1, 1);
    td_format_date(day, t.date);
    td_format_month(td_month_of_date(day), t.month);
    const td_record *doc = s->document;
    fprintf(out, "# %s\n", doc && doc->label ? doc->label : TR(lang, "Unit file"));
    if (p->plan.number)
        fprintf(out, TR(lang, "# Template of `thidua template` for the rules of %s%s%s\n"),
                p->plan.number, p->plan.title ? ": " : "", p->plan.title ? p->plan.title : "");
    fputs(TR(lang, "#\n"
             "# Fill in each field after its colon, as the comments above it say (an example\n"
             "# follows each empty field); delete the optional fields that do not apply. A list\n"
             "# takes one item per line starting with '- ': copy the item for more. Then check:\n"
             "#     thidua validate FILE.yaml\n"
             "# and fix what it reports until it says the file is ready to submit.\n"),
          out);
    fputs("\n", out);
    if (doc)
        record_fields(&t, doc, 0);
    td_arena_free(&a);
    td_contract_free(c);
    return ferror(out) ? TD_EIO : TD_OK;
}
