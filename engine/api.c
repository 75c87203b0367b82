/* The parts of the public API (include/thidua.h) that only read the engine's structures:
 * diagnostics on the heap and their fields, what a program holds, one-unit validation. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "eval.h"
#include "diag.h"
#include "i18n.h"
#include "program.h"

/* ---------- diagnostics ---------- */

td_diag *td_diag_new(void)
{
    td_diag *d = malloc(sizeof *d);
    if (d)
        td_diag_init(d);
    return d;
}

void td_diag_delete(td_diag *d)
{
    if (!d)
        return;
    td_diag_free(d);
    free(d);
}

size_t td_diag_size(const td_diag *d)
{
    return d ? d->n : 0;
}

size_t td_diag_count(const td_diag *d, td_severity sev)
{
    if (!d)
        return 0;
    return sev == TD_SEV_ERROR ? d->errors : sev == TD_SEV_WARNING ? d->warnings : d->infos;
}

bool td_diag_out_of_memory(const td_diag *d)
{
    return d && d->oom;
}

const td_diagnostic *td_diag_item(const td_diag *d, size_t i)
{
    return d && i < d->n ? &d->items[i] : NULL;
}

void td_diagnostic_info(const td_diagnostic *e, td_diag_info *out)
{
    const td_waiver *w = e->waiver;
    *out = (td_diag_info){e->sev,     e->code, e->file, e->line, e->col,
                          e->message, e->hint, e->rule, e->cite, e->path,
                          w ? e->waived : TD_WAIVER_NONE,
                          w ? w->reason : NULL, w ? w->approved_by : NULL,
                          w ? w->document : NULL, w ? w->dated : NULL, w ? w->until : NULL};
}

const char *td_source_text(const td_source *s, size_t *len)
{
    if (len)
        *len = s->len;
    return s->text;
}

const td_diag *td_unit_findings(const td_unit_result *u)
{
    return &u->findings;
}

void td_unit_info_get(const td_unit_result *u, td_unit_info *out)
{
    *out = (td_unit_info){u->file, u->doc, u->line, u->id, u->name, u->level, u->group};
}

size_t td_batch_count(const td_batch *b, td_severity sev)
{
    return sev == TD_SEV_ERROR     ? b->sum.errors
           : sev == TD_SEV_WARNING ? b->sum.warnings
                                   : b->sum.infos;
}

/* ---------- what a program holds ---------- */

void td_program_counts(const td_program *p, td_program_summary *out)
{
    *out = (td_program_summary){p->n_criteria, p->n_targets,        p->n_workflows,
                                p->n_notes,    p->n_params,         p->schema.n_records,
                                p->n_disabled};
}

void td_program_plan(const td_program *p, td_plan *out)
{
    const td_plan_info *pl = &p->plan;
    *out = (td_plan){pl->number,     pl->title,          pl->issuer,
                     pl->issued,     pl->implements,     pl->n_implements,
                     pl->has_period, pl->period_from,    pl->period_to,
                     pl->clauses,    pl->clause_titles,  pl->n_clauses,
                     pl->language};
}

td_lang td_program_lang(const td_program *p)
{
    return p ? p->plan.lang : TD_LANG_AUTO;
}

size_t td_program_files(const td_program *p)
{
    return p && p->sources_on_disk ? p->n_sources : 0;
}

const char *td_program_file(const td_program *p, size_t i)
{
    return i < td_program_files(p) ? p->sources[i]->name : NULL;
}

size_t td_program_waivers(const td_program *p)
{
    return p->n_waivers;
}

bool td_program_waiver(const td_program *p, size_t i, td_waiver_info *out)
{
    if (i >= p->n_waivers)
        return false;
    const td_waiver *w = &p->waivers[i];
    const td_source *s = w->span.src < p->n_sources ? p->sources[w->span.src] : NULL;
    uint32_t line = 0, col = 0;
    if (s)
        td_source_linecol(s, w->span.off, &line, &col);
    *out = (td_waiver_info){w->rule,      w->unit,     w->exemplar, w->reason,
                            w->approved_by, w->document, w->dated, w->until,
                            s ? s->name : NULL, line};
    return true;
}

bool td_program_disabled_rule(const td_program *p, size_t i, td_disabled_info *out)
{
    if (i >= p->n_disabled || !p->disabled)
        return false;
    const td_disabled *x = &p->disabled[i];
    *out = (td_disabled_info){x->id, x->because, NULL, 0, x->kind, x->label, x->cite, NULL, 0};
    uint32_t col;
    if (x->src < p->n_sources) {
        out->file = p->sources[x->src]->name;
        td_source_linecol(p->sources[x->src], x->off, &out->line, &col);
    }
    if (x->rule.len && x->rule.src < p->n_sources) {
        out->rule_file = p->sources[x->rule.src]->name;
        td_source_linecol(p->sources[x->rule.src], x->rule.off, &out->rule_line, &col);
    }
    return true;
}

size_t td_program_items(const td_program *p)
{
    return (size_t)p->n_criteria + p->n_workflows + p->n_targets + p->n_params +
           p->schema.n_records + p->n_notes + p->schema.n_enums;
}

bool td_program_change(const td_program *p, size_t i, td_change_info *out)
{
    if (i >= p->n_changes)
        return false;
    const td_change *c = &p->changes[i];
    uint32_t col;
    *out = (td_change_info){c->kind, c->id, c->how, NULL, 0, NULL, 0};
    if (c->src < p->n_sources) {
        out->file = p->sources[c->src]->name;
        td_source_linecol(p->sources[c->src], c->off, &out->line, &col);
    }
    if (c->was_src < p->n_sources) {
        out->was_file = p->sources[c->was_src]->name;
        td_source_linecol(p->sources[c->was_src], c->was_off, &out->was_line, &col);
    }
    return true;
}

static const char *const SEVERITY[] = {"info", "warning", "error"};

/* Where a declaration is written: its file, line and text from the start of its line. */
static void place(const td_program *p, td_span sp, td_item *it)
{
    it->src = sp.src;
    it->off = sp.off;
    if (sp.src >= p->n_sources)
        return;
    const td_source *s = p->sources[sp.src];
    uint32_t line, col;
    td_source_linecol(s, sp.off, &line, &col);
    uint32_t start = s->lines[line - 1];
    uint32_t end = sp.off + sp.len;
    if (end > s->len)
        end = (uint32_t)s->len;
    it->file = s->name;
    it->line = line;
    it->source = s->text + start;
    it->source_len = end > start ? end - start : 0;
}

static bool item(const td_program *p, size_t i, td_item *out)
{
    if (i < p->n_criteria) {
        const td_criterion *c = &p->criteria[i];
        *out = (td_item){.kind = TD_ITEM_CRITERION, .id = c->id, .label = c->label,
                         .cite = c->cite, .detail = SEVERITY[c->severity]};
        place(p, c->decl, out);
        return true;
    }
    i -= p->n_criteria;
    if (i < p->n_workflows) {
        const td_workflow *w = &p->workflows[i];
        *out = (td_item){.kind = TD_ITEM_WORKFLOW, .id = w->id, .label = w->label,
                         .cite = w->cite, .detail = "error"};
        place(p, w->decl, out);
        return true;
    }
    i -= p->n_workflows;
    if (i < p->n_targets) {
        const td_target *t = &p->targets[i];
        *out = (td_item){.kind = TD_ITEM_TARGET, .id = t->id, .label = t->label,
                         .cite = t->cite, .detail = t->at_least ? "requirement" : "tally"};
        place(p, t->decl, out);
        return true;
    }
    i -= p->n_targets;
    if (i < p->n_params) {
        const td_param *pr = &p->params[i];
        *out = (td_item){.kind = TD_ITEM_PARAM, .id = pr->name,
                         .label = pr->label ? pr->label : "", .cite = pr->cite,
                         .detail = pr->overridden ? "overridden" : NULL,
                         .overridden = pr->overridden};
        place(p, pr->decl, out);
        return true;
    }
    i -= p->n_params;
    if (i < p->schema.n_records) {
        const td_record *r = p->schema.records[i];
        *out = (td_item){.kind = TD_ITEM_RECORD, .id = r->name,
                         .label = r->label ? r->label : "", .cite = r->cite,
                         .src = UINT32_MAX};
        return true;
    }
    i -= p->schema.n_records;
    if (i < p->n_notes) {
        const td_note *nt = &p->notes[i];
        *out = (td_item){.kind = TD_ITEM_NOTE, .id = nt->id ? nt->id : "", .label = nt->label,
                         .cite = nt->cite, .detail = nt->because};
        place(p, nt->decl, out);
        return true;
    }
    i -= p->n_notes;
    if (i < p->schema.n_enums) {
        const td_enum *en = p->schema.enums[i];
        *out = (td_item){.kind = TD_ITEM_ENUM, .id = en->name, .label = "", .src = UINT32_MAX};
        return true;
    }
    return false;
}

static const char *const KIND_NAMES[] = {"criterion", "workflow", "target", "param",
                                         "record",    "note",     "enum"};

bool td_program_item(const td_program *p, size_t i, td_item *out)
{
    memset(out, 0, sizeof *out);
    if (!item(p, i, out))
        return false;
    out->kind_name = KIND_NAMES[out->kind];
    return true;
}

char *td_program_item_value(const td_program *p, size_t i, td_lang lang)
{
    if (lang == TD_LANG_AUTO)
        lang = p->plan.lang;
    size_t before = (size_t)p->n_criteria + p->n_workflows + p->n_targets;
    size_t enums = before + p->n_params + p->schema.n_records + p->n_notes;
    if (i >= enums && i - enums < p->schema.n_enums) {
        const td_enum *en = p->schema.enums[i - enums];
        size_t len = 1;
        for (uint32_t k = 0; k < en->n; k++)
            len += strlen(en->values[k]) + 2;
        char *s = malloc(len);
        if (!s)
            return NULL;
        s[0] = '\0';
        for (uint32_t k = 0; k < en->n; k++) {
            if (k)
                strcat(s, ", ");
            strcat(s, en->values[k]);
        }
        return s;
    }
    if (i < before || i - before >= p->n_params)
        return NULL;
    const td_param *prm = &p->params[i - before];
    td_arena a;
    td_arena_init(&a, 256);
    const char *v = td_value_format(&prm->value, &a);
    /* dated: each value with the days it is in force, "60 until 2024-12-31, 80 from ..." */
    for (uint32_t k = 0; v && k < prm->n_values; k++) {
        char day[16];
        const char *x = td_value_format(&prm->values[k], &a);
        td_format_date(k == 0 ? prm->from[1] - 1 : prm->from[k], day);
        v = !x ? NULL
            /* TRANSLATORS: a dated param's first value and the last day it is in force */
            : k == 0 ? td_arena_printf(&a, TR(lang, "%s until %s"), x, day)
            /* TRANSLATORS: the values so far, then a later value and the day it starts */
                     : td_arena_printf(&a, TR(lang, "%s, %s from %s"), v, x, day);
    }
    char *copy = v ? strdup(v) : NULL;
    td_arena_free(&a);
    return copy;
}

/* ---------- validating one unit's submission ---------- */

/* Runs a batch of the one file (or text) as `thidua validate` does, and moves the findings
 * of its units into `d`. */
static td_status validate(const td_program *p, const char *path, const char *text, size_t len,
                          int32_t as_of, td_diag *d)
{
    td_diag scratch;
    td_diag_init(&scratch);
    if (!d)
        d = &scratch;
    td_batch_opts o = {.as_of = as_of, .jobs = 1, .keep_units = true, .ids_per_file = true,
                       .lang = d->lang};
    td_batch *b = NULL;
    td_status st = text ? td_batch_run_text(p, path, text, len, &o, &b)
                        : td_batch_run(p, &path, 1, &o, &b);
    bool errors = false;
    for (size_t i = 0; b && i < b->n_units; i++) {
        errors = errors || b->units[i].findings.errors > 0;
        td_diag_move(d, &b->units[i].findings);
    }
    td_batch_free(b);
    if (st == TD_OK && d->oom)
        st = TD_ENOMEM;
    td_diag_free(&scratch);
    return st != TD_OK ? st : errors ? TD_EINPUT : TD_OK;
}

td_status td_validate_file(const td_program *p, const char *path, int32_t as_of, td_diag *d)
{
    /* a path that names nothing is the caller's mistake (thidua validate: exit 2), not a
     * finding of a unit */
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) != 0)
        return TD_EIO;
    return validate(p, path, NULL, 0, as_of, d);
}

td_status td_validate_text(const td_program *p, const char *name, const char *text,
                           size_t len, int32_t as_of, td_diag *d)
{
    return validate(p, name, text ? text : "", len, as_of, d);
}
