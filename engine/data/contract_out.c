/* The data contract written for people and editors: the JSON Schema of the unit data
 * (`thidua schema`) and the fields of one record (`thidua explain RECORD`).
 * Pipeline: td_program -> td_contract -> JSON Schema | text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "i18n.h"
#include "report.h"

/* ---- shared wording ---- */

/* The type of a field in words ("text", "date (YYYY-MM-DD)", "list of exemplar"). */
static void type_words(FILE *out, td_lang lang, const td_type *t)
{
    switch (t->kind) {
    case TD_T_TEXT: fputs(TR(lang, "text"), out); break;
    case TD_T_INT: fputs(TR(lang, "whole number"), out); break;
    case TD_T_NUMBER: fputs(TR(lang, "number"), out); break;
    case TD_T_BOOL: fputs(TR(lang, "true or false"), out); break;
    case TD_T_DATE: fputs(TR(lang, "date (YYYY-MM-DD)"), out); break;
    case TD_T_MONTH: fputs(TR(lang, "month (YYYY-MM)"), out); break;
    case TD_T_ENUM: fprintf(out, TR(lang, "one code of %s"), t->en ? t->en->name : "?"); break;
    case TD_T_RECORD: fprintf(out, TR(lang, "record %s"), t->rec ? t->rec->name : "?"); break;
    case TD_T_LIST:
        if (t->elem && t->elem->kind == TD_T_ENUM)
            fprintf(out, TR(lang, "list of codes of %s"), t->elem->en ? t->elem->en->name : "?");
        else if (t->elem && t->elem->kind == TD_T_RECORD)
            fprintf(out, TR(lang, "list of records %s"), t->elem->rec ? t->elem->rec->name : "?");
        else if (t->elem && t->elem->kind == TD_T_TEXT)
            fputs(TR(lang, "list of texts"), out);
        else {
            fputs(TR(lang, "list of "), out);
            if (t->elem)
                type_words(out, lang, t->elem);
        }
        break;
    }
}

/* One reason a field is required, in words: "plan.number (II.2.2), at plan". */
static void req_words(FILE *out, td_lang lang, const td_program *p, const td_req *q)
{
    char buf[512];
    if (!q->rule)
        fprintf(out, TR(lang, "the schema (%s)"), q->cite ? q->cite : "-");
    else
        fprintf(out, "%s (%s)", q->rule, q->cite ? q->cite : "-");
    if (q->path && q->path->n) {
        fputs(TR(lang, ", at "), out);
        for (uint32_t i = 0; i < q->path->n; i++) {
            const td_record *r = q->path->recs[i];
            const char *name = "?";
            for (uint32_t k = 0; k < r->n_fields; k++)
                if (r->fields[k].slot == q->path->slots[i])
                    name = r->fields[k].name;
            fprintf(out, "%s%s", i ? "." : "", name);
            if (q->path->filters && q->path->filters[i])
                fprintf(out, "[%s]",
                        td_contract_expr_text(p, q->path->filters[i], buf, sizeof buf));
        }
    }
    if (q->where)
        fprintf(out, TR(lang, " when %s"), td_contract_expr_text(p, q->where, buf, sizeof buf));
    if (q->nonempty)
        fputs(TR(lang, ", not empty"), out);
}

/* ---- JSON Schema ---- */

static const char *enum_def_name(const td_schema *s, const td_enum *e, char *buf, size_t size)
{
    for (uint32_t i = 0; i < s->n_records; i++) {
        if (strcmp(s->records[i]->name, e->name) == 0) {
            snprintf(buf, size, "%s_codes", e->name);
            return buf;
        }
    }
    snprintf(buf, size, "%s", e->name);
    return buf;
}

/* A string into a JSON text, through a memory stream so that it can be built with stdio. */
static void json_text_of(FILE *out, void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        fputs("\"\"", out);
        return;
    }
    fn(m, arg);
    if (fclose(m) != 0 || !buf) {
        free(buf);
        fputs("\"\"", out);
        return;
    }
    td_report_json_str(out, buf);
    free(buf);
}

typedef struct field_ctx {
    const td_contract *c;
    const td_record *r;
    const td_field *f;
    const td_cfield *cf;
    td_lang lang;
} field_ctx;

static void field_description(FILE *m, const void *arg)
{
    const field_ctx *x = arg;
    type_words(m, x->lang, x->f->type);
    for (uint32_t i = 0; x->cf && i < x->cf->n_reqs; i++) {
        fputs(i ? "; " : TR(x->lang, ". Required by "), m);
        req_words(m, x->lang, x->c->p, &x->cf->reqs[i]);
    }
    if (!x->cf || !x->cf->n_reqs)
        fputs(TR(x->lang, ". Optional"), m);
    fputs(".", m);
}

static void json_type(FILE *out, const td_schema *s, const td_type *t, bool nonempty,
                      const char *ind)
{
    char buf[160];
    switch (t->kind) {
    case TD_T_TEXT:
        /* a number or a boolean written where a text goes is read as its text */
        fprintf(out, "%s\"type\": [\"string\", \"number\", \"boolean\"]", ind);
        if (nonempty)
            fprintf(out, ",\n%s\"minLength\": 1", ind);
        break;
    case TD_T_INT: fprintf(out, "%s\"type\": \"integer\"", ind); break;
    case TD_T_NUMBER: fprintf(out, "%s\"type\": \"number\"", ind); break;
    case TD_T_BOOL: fprintf(out, "%s\"type\": \"boolean\"", ind); break;
    case TD_T_DATE:
        fprintf(out, "%s\"type\": \"string\",\n%s\"format\": \"date\",\n"
                     "%s\"pattern\": \"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\"", ind, ind, ind);
        break;
    case TD_T_MONTH:
        fprintf(out, "%s\"type\": \"string\",\n%s\"pattern\": \"^[0-9]{4}-(0[1-9]|1[0-2])$\"",
                ind, ind);
        break;
    case TD_T_ENUM:
        fprintf(out, "%s\"$ref\": \"#/$defs/%s\"", ind,
                t->en ? enum_def_name(s, t->en, buf, sizeof buf) : "?");
        break;
    case TD_T_RECORD:
        fprintf(out, "%s\"$ref\": \"#/$defs/%s\"", ind, t->rec ? t->rec->name : "?");
        break;
    case TD_T_LIST: {
        char inner[64];
        snprintf(inner, sizeof inner, "%s  ", ind);
        fprintf(out, "%s\"type\": \"array\",\n", ind);
        if (nonempty)
            fprintf(out, "%s\"minItems\": 1,\n", ind);
        fprintf(out, "%s\"items\": {\n", ind);
        if (t->elem)
            json_type(out, s, t->elem, false, inner);
        fprintf(out, "\n%s}", ind);
        break;
    }
    }
}

/* Required wherever the record is: some reason holds with no condition. */
static bool required(const td_contract *c, const td_record *r, const td_field *f)
{
    const td_cfield *cf = td_contract_field(c, r, f);
    for (uint32_t k = 0; cf && k < cf->n_reqs; k++)
        if (td_req_unconditional(&cf->reqs[k]) && cf->reqs[k].direct)
            return true;
    return false;
}

static void json_record(FILE *out, td_lang lang, const td_contract *c, const td_record *r)
{
    const td_schema *s = &c->p->schema;
    fputs("    ", out);
    td_report_json_str(out, r->name);
    fputs(": {\n      \"type\": \"object\",\n", out);
    if (r->label) {
        fputs("      \"title\": ", out);
        td_report_json_str(out, r->label);
        fputs(",\n", out);
    }
    if (r->cite) {
        char buf[160];
        snprintf(buf, sizeof buf, TR(lang, "Record %s of the rules, clause %s."), r->name, r->cite);
        fputs("      \"description\": ", out);
        td_report_json_str(out, buf);
        fputs(",\n", out);
    }
    fputs("      \"properties\": {", out);
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_field *f = &r->fields[i];
        const td_cfield *cf = td_contract_field(c, r, f);
        bool nonempty = false;
        for (uint32_t k = 0; cf && k < cf->n_reqs; k++)
            if (td_req_unconditional(&cf->reqs[k]) && cf->reqs[k].nonempty && cf->reqs[k].direct)
                nonempty = true;
        fputs(i ? ",\n        " : "\n        ", out);
        td_report_json_str(out, f->name);
        fputs(": {\n", out);
        if (f->label) {
            fputs("          \"title\": ", out);
            td_report_json_str(out, f->label);
            fputs(",\n", out);
        }
        field_ctx x = {c, r, f, cf, lang};
        fputs("          \"description\": ", out);
        json_text_of(out, field_description, &x);
        fputs(",\n", out);
        if (required(c, r, f)) {
            json_type(out, s, f->type, nonempty, "          ");
        } else {
            /* a key written with no value is as absent as no key at all */
            fputs("          \"anyOf\": [\n            {\n", out);
            json_type(out, s, f->type, nonempty, "              ");
            fputs("\n            },\n            {\"type\": \"null\"}\n          ]", out);
        }
        fputs("\n        }", out);
    }
    fputs("\n      }", out);
    bool any = false;
    for (uint32_t i = 0; i < r->n_fields; i++) {
        if (!required(c, r, &r->fields[i]))
            continue;
        fputs(any ? ", " : ",\n      \"required\": [", out);
        td_report_json_str(out, r->fields[i].name);
        any = true;
    }
    if (any)
        fputs("]", out);
    fputs("\n    }", out);
}

static void json_enum(FILE *out, const td_schema *s, const td_enum *e)
{
    char name[160];
    fputs("    ", out);
    td_report_json_str(out, enum_def_name(s, e, name, sizeof name));
    fputs(": {\n      \"title\": ", out);
    td_report_json_str(out, e->name);
    fputs(",\n      \"enum\": [", out);
    for (uint32_t i = 0; i < e->n; i++) {
        fputs(i ? ", " : "", out);
        td_report_json_str(out, e->values[i]);
    }
    fputs("],\n      \"oneOf\": [", out);
    for (uint32_t i = 0; i < e->n; i++) {
        fputs(i ? ",\n        " : "\n        ", out);
        fputs("{\"const\": ", out);
        td_report_json_str(out, e->values[i]);
        if (e->labels && e->labels[i]) {
            fputs(", \"title\": ", out);
            td_report_json_str(out, e->labels[i]);
        }
        fputs("}", out);
    }
    fputs("\n      ]\n    }", out);
}

td_status td_contract_schema(const td_program *p, td_lang lang, FILE *out)
{
    if (lang == TD_LANG_AUTO)
        lang = td_program_lang(p);
    td_contract *c = NULL;
    td_status st = td_contract_build(p, &c);
    if (st != TD_OK)
        return st;
    const td_schema *s = &p->schema;
    fputs("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n", out);
    if (s->document && s->document->label) {
        fputs("  \"title\": ", out);
        td_report_json_str(out, s->document->label);
        fputs(",\n", out);
    }
    {
        char buf[1024];
        snprintf(buf, sizeof buf,
                 TR(lang, "One unit's data under the rules of %s%s%s, written by `thidua schema` from "
                    "the rules themselves. A field the schema does not know is a warning for "
                    "thidua, so other fields are allowed here."),
                 p->plan.number ? p->plan.number : "?", p->plan.title ? ": " : "",
                 p->plan.title ? p->plan.title : "");
        fputs("  \"description\": ", out);
        td_report_json_str(out, buf);
        fputs(",\n", out);
    }
    if (s->document)
        fprintf(out, "  \"$ref\": \"#/$defs/%s\",\n", s->document->name);
    fputs("  \"$defs\": {\n", out);
    for (uint32_t i = 0; i < s->n_records; i++) {
        json_record(out, lang, c, s->records[i]);
        fputs(i + 1 < s->n_records || s->n_enums ? ",\n" : "\n", out);
    }
    for (uint32_t i = 0; i < s->n_enums; i++) {
        json_enum(out, s, s->enums[i]);
        fputs(i + 1 < s->n_enums ? ",\n" : "\n", out);
    }
    fputs("  }\n}\n", out);
    td_contract_free(c);
    return ferror(out) ? TD_EIO : TD_OK;
}

/* ---- explain RECORD ---- */

static const td_record *find_record(const td_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_records; i++)
        if (strcmp(s->records[i]->name, name) == 0)
            return s->records[i];
    return NULL;
}

/* Where the record appears in a unit file: "exemplars[].plan", found breadth-first. */
static void places(FILE *out, td_lang lang, const td_schema *s, const td_record *target)
{
    enum { MAXQ = 256 };
    struct { const td_record *r; char path[160]; } *q = calloc(MAXQ, sizeof *q);
    if (!q || !s->document)
        goto done;
    size_t head = 0, tail = 0, shown = 0;
    q[tail].r = s->document;
    q[tail++].path[0] = '\0';
    while (head < tail) {
        const td_record *r = q[head].r;
        const char *path = q[head].path;
        head++;
        for (uint32_t i = 0; i < r->n_fields; i++) {
            const td_type *t = r->fields[i].type;
            bool list = t->kind == TD_T_LIST;
            if (list)
                t = t->elem;
            if (!t || t->kind != TD_T_RECORD || !t->rec)
                continue;
            char p2[160];
            snprintf(p2, sizeof p2, "%s%s%s%s", path, *path ? "." : "", r->fields[i].name,
                     list ? "[]" : "");
            if (t->rec == target)
                fprintf(out, "%s%s", shown++ ? ", " : "", p2);
            else if (tail < MAXQ && strlen(p2) < 100) {
                snprintf(q[tail].path, sizeof q[tail].path, "%s", p2);
                q[tail++].r = t->rec;
            }
        }
    }
    if (target == s->document)
        fputs(TR(lang, "the whole unit file"), out);
done:
    free(q);
}

td_status td_contract_explain(const td_program *p, const char *name, td_lang lang, FILE *out)
{
    if (lang == TD_LANG_AUTO)
        lang = td_program_lang(p);
    const td_schema *s = &p->schema;
    const td_record *r = find_record(s, name);
    if (!r)
        return TD_EINPUT;
    td_contract *c = NULL;
    td_status st = td_contract_build(p, &c);
    if (st != TD_OK)
        return st;
    fprintf(out, TR(lang, "  in the unit file: "));
    places(out, lang, s, r);
    fputs("\n", out);
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_field *f = &r->fields[i];
        const td_cfield *cf = td_contract_field(c, r, f);
        fprintf(out, "\n  %s: ", f->name);
        type_words(out, lang, f->type);
        fputs("\n", out);
        if (f->label)
            fprintf(out, "      %s\n", f->label);
        if (!cf || !cf->n_reqs)
            fprintf(out, "      %s\n", TR(lang, "optional"));
        for (uint32_t k = 0; cf && k < cf->n_reqs; k++) {
            fprintf(out, "      %s ", TR(lang, "required by"));
            req_words(out, lang, p, &cf->reqs[k]);
            fputs("\n", out);
        }
        const td_type *t = f->type->kind == TD_T_LIST ? f->type->elem : f->type;
        if (t && t->kind == TD_T_ENUM && t->en) {
            size_t w = 0;
            const char *head = TR(lang, "codes:");
            for (uint32_t k = 0; k < t->en->n; k++)
                if (strlen(t->en->values[k]) > w)
                    w = strlen(t->en->values[k]);
            for (uint32_t k = 0; k < t->en->n; k++)
                fprintf(out, "      %*s %-*s  %s\n", k ? (int)td_utf8_chars(head) : 0,
                        k ? "" : head, (int)w, t->en->values[k],
                        t->en->labels && t->en->labels[k] ? t->en->labels[k] : "");
        }
        if (cf && cf->n_readers) {
            const char *head = TR(lang, "read by:");
            size_t col = 6 + td_utf8_chars(head);
            fprintf(out, "      %s", head);
            for (uint32_t k = 0; k < cf->n_readers; k++) {
                size_t w = strlen(cf->readers[k]) + 2;
                if (k && col + w > 96) {
                    fprintf(out, ",\n      %*s", (int)td_utf8_chars(head), "");
                    col = 6 + td_utf8_chars(head);
                } else if (k) {
                    fputs(",", out);
                    col++;
                }
                fprintf(out, " %s", cf->readers[k]);
                col += w - 1;
            }
            fputs("\n", out);
        }
    }
    td_contract_free(c);
    return ferror(out) ? TD_EIO : TD_OK;
}

size_t td_program_records(const td_program *p)
{
    return p->schema.n_records;
}

const char *td_program_record(const td_program *p, size_t i)
{
    return i < p->schema.n_records ? p->schema.records[i]->name : NULL;
}
