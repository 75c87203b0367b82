/* Resolve, the plan as a whole: its header (period), the clauses it cites, what the
 * entry files declare and never use, and the waivers (Decision 11). Last stage of compile.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A bound of the plan's period: a date written out, or a date param, so that the period
 * and the params the rules read (the targets' due date) cannot disagree. */
static bool period_bound(td_rs *r, const td_expr *e, td_value *out)
{
    const td_type *t;
    if (e->kind != TD_X_NAME)
        return td_rs_const_value(r, e, out, &t);
    td_param *prm = (td_param *)td_rs_find_param(r, e->name);
    if (!prm || prm->type->kind != TD_T_DATE) {
        td_diagnostic *x = prm ? ERR(r, e->span, TD_CODE_TYPE, "param '%s' is not a date", e->name)
                               : ERR(r, e->span, TD_CODE_UNKNOWN_PARAM, "no param is named '%s'",
                                     e->name);
        td_rs_hint(r, x, "the period is two dates, or two date params: period start .. end", NULL);
        return false;
    }
    prm->used = true;
    *out = prm->value;
    return true;
}

/* An overlay's plan header that writes a bound of the period out, where the header it
 * replaces took that bound from a date param: the two must agree, or the period and the
 * params the rules read (a target's due date) would say different things. `named` is the
 * bound as the earlier header wrote it (a name), `e` as this one does. */
static void period_agrees(td_rs *r, const td_expr *named, const td_expr *e, bool end)
{
    if (!named || !e || e->kind == TD_X_NAME)
        return;
    const td_param *prm = td_rs_find_param(r, named->name);
    td_value v;
    const td_type *t;
    if (!prm || prm->type->kind != TD_T_DATE || prm->n_values ||
        !td_rs_const_value(r, e, &v, &t) || v.kind != TD_V_DATE || v.u.days == prm->value.u.days)
        return;
    char here[11], there[11];
    td_format_date(v.u.days, here);
    td_format_date(prm->value.u.days, there);
    td_diagnostic *x =
        end ? ERR(r, e->span, TD_CODE_PERIOD,
                  "the period ends on %s here, but param '%s', from which the imported rules "
                  "take the end of the period, is %s",
                  here, named->name, there)
            : ERR(r, e->span, TD_CODE_PERIOD,
                  "the period starts on %s here, but param '%s', from which the imported rules "
                  "take the start of the period, is %s",
                  here, named->name, there);
    if (end)
        td_rs_hint(r, x, "write the param's name in the period (period ... .. %s) and change "
                   "its date with set", named->name);
    else
        td_rs_hint(r, x, "write the param's name in the period (period %s .. ...) and change "
                   "its date with set", named->name);
}

void td_rs_build_plan_info(td_rs *r)
{
    td_plan_info *pi = &r->p->plan;
    const td_expr *named_from = NULL, *named_to = NULL; /* an earlier header's params */
    const char *language = NULL;
    td_lang lang = TD_LANG_AUTO;
    for (uint32_t i = 0; i < r->n_decls; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PLAN)
            continue;
        /* an overlay's plan header replaces the base's, but keeps its language unless it
         * declares one */
        memset(pi, 0, sizeof *pi);
        if (d->language.text) {
            lang = td_lang_parse(d->language.text);
            if (lang == TD_LANG_AUTO || strlen(d->language.text) != 2)
                ERR(r, d->language.span, TD_CODE_LANGUAGE,
                    "the language '%s' is not one the program speaks; write \"vi\" or \"en\"",
                    d->language.text);
            else
                language = td_rs_dup_opt(r, d->language.text);
        }
        pi->number = td_rs_dup_opt(r, d->plan_number.text);
        pi->title = td_rs_dup_opt(r, d->title.text);
        pi->issuer = td_rs_dup_opt(r, d->issuer.text);
        td_value v;
        const td_type *t;
        if (d->issued && td_rs_const_value(r, d->issued, &v, &t))
            pi->issued = td_arena_strdup(r->pa, d->issued->str);
        uint32_t nc = d->n_outline / 2;
        pi->clauses = td_arena_alloc(r->pa, (nc + 1) * sizeof *pi->clauses);
        pi->clause_titles = td_arena_alloc(r->pa, (nc + 1) * sizeof *pi->clause_titles);
        for (uint32_t k = 0; pi->clauses && pi->clause_titles && k < nc; k++) {
            const char *num = d->outline[2 * k].text, *title = d->outline[2 * k + 1].text;
            for (uint32_t j = 0; j < k; j++)
                if (strcmp(pi->clauses[j], num) == 0)
                    ERR(r, d->outline[2 * k].span, TD_CODE_DUPLICATE, "clause %s is in the outline "
                        "twice", num);
            pi->clauses[pi->n_clauses] = td_arena_strdup(r->pa, num);
            pi->clause_titles[pi->n_clauses++] = td_arena_strdup(r->pa, title ? title : "");
        }
        pi->implements = td_arena_alloc(r->pa, (d->n_implements + 1) * sizeof *pi->implements);
        for (uint32_t k = 0; pi->implements && k < d->n_implements; k++)
            pi->implements[pi->n_implements++] = td_arena_strdup(r->pa, d->implements[k].text);
        if (d->period_from && d->period_to) {
            period_agrees(r, named_from, d->period_from, false);
            period_agrees(r, named_to, d->period_to, true);
            if (d->period_from->kind == TD_X_NAME)
                named_from = d->period_from;
            if (d->period_to->kind == TD_X_NAME)
                named_to = d->period_to;
            td_value a, b;
            if (period_bound(r, d->period_from, &a) && period_bound(r, d->period_to, &b)) {
                if (a.u.days > b.u.days) {
                    ERR(r, d->period_from->span, TD_CODE_PERIOD, "the period starts after it ends");
                } else {
                    pi->period_from = a.u.days;
                    pi->period_to = b.u.days;
                    pi->has_period = true;
                }
            }
        }
    }
    pi->language = language;
    pi->lang = language ? lang : TD_LANG_AUTO;
}

/* With an outline in the plan header, every `cite` names one of its clauses. */
void td_rs_check_cites(td_rs *r)
{
    const td_plan_info *pi = &r->p->plan;
    if (!pi->n_clauses)
        return;
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (!d->cite.text)
            continue;
        bool known = false;
        for (uint32_t k = 0; k < pi->n_clauses && !known; k++)
            known = strcmp(pi->clauses[k], d->cite.text) == 0;
        if (known)
            continue;
        td_diagnostic *x = ERR(r, d->cite.span, TD_CODE_UNKNOWN_CLAUSE, "the plan %s has no clause "
                               "'%s'", pi->number ? pi->number : "", d->cite.text);
        const char *sug = td_suggest(d->cite.text, pi->clauses, pi->n_clauses);
        if (sug)
            td_rs_hint(r, x,
                       "did you mean '%s'? the clauses are those of the plan header's `outline`",
                       sug);
        else
            td_rs_hint(r, x, "cite a clause of the plan header's `outline`", NULL);
    }
}

/* Params and computed fields that nothing reads are left over from an edit, or misspelt
 * where they were meant to be used: warnings, once the rules compile, for those declared in
 * the files the caller named, in a plan. What an imported file or a library of rules without
 * a plan header declares is for its importers to use, and computed fields of the document are figures reports show per unit. */
static bool in_entry_file(const td_rs *r, td_span sp)
{
    for (size_t i = 0; i < r->n_entry_src; i++)
        if (r->entry_src[i] == sp.src)
            return true;
    return false;
}

void td_rs_warn_unused(td_rs *r)
{
    /* rules without a plan header are a library for a district's plan to import */
    if (r->d->errors > r->errors0 || !r->p->plan.number)
        return;
    for (uint32_t i = 0; i < r->p->n_params; i++) {
        const td_param *prm = &r->p->params[i];
        if (prm->used || !in_entry_file(r, prm->span))
            continue;
        td_diagnostic *x = WARN(r, prm->span, TD_CODE_UNUSED, "param %s is declared but no rule, "
                                "message or target reads it", prm->name);
        td_rs_hint(r, x, "use it where the plan's number belongs, or remove it", NULL);
    }
    for (uint32_t i = 0; i < r->p->schema.n_records; i++) {
        const td_record *rec = r->p->schema.records[i];
        if (rec == r->p->schema.document)
            continue;
        for (uint32_t j = 0; j < rec->n_defines; j++) {
            const td_define *def = &rec->defines[j];
            /* the declaration itself is gone once compiled: its name's place is kept */
            if (def->used || !def->name_span.len || !in_entry_file(r, def->name_span))
                continue;
            td_diagnostic *x = WARN(r, def->name_span, TD_CODE_UNUSED,
                                    "computed field %s.%s is defined "
                                    "but no rule reads it", rec->name, def->name);
            td_rs_hint(r, x, "use it in a rule, or remove it", NULL);
        }
    }
}

/* A waiver's text clause: present and not blank, else an error (`missing` or `empty`, each
 * with the rule and the unit) saying what to write. */
static const char *waiver_text(td_rs *r, const td_decl *d, td_str s, const char *kw,
                               const char *missing, const char *empty)
{
    if (s.text && !td_text_blank(s.text, strlen(s.text)))
        return td_arena_strdup(r->pa, s.text);
    td_diagnostic *x =
        ERR(r, s.text ? s.span : d->id.span, s.text ? TD_CODE_WAIVER_EMPTY : TD_CODE_WAIVER_CLAUSE,
            s.text ? empty : missing, d->id.text, d->unit.text ? d->unit.text : "");
    if (x)
        td_diag_set(r->d, &x->hint, N_("a waiver is granted only in writing: add %s \"...\""), kw);
    return NULL;
}

/* A waiver's date clause; false (reported) when missing or not a date. */
static bool waiver_date(td_rs *r, const td_decl *d, const td_expr *e, int32_t *days)
{
    td_value v;
    const td_type *t;
    if (!e || e->kind != TD_X_DATE || !td_rs_const_value(r, e, &v, &t) || v.kind != TD_V_DATE)
        return false;
    (void)d;
    *days = v.u.days;
    return true;
}

/* Whether `rule` names what a unit's finding can carry: a criterion, an index, a workflow
 * or one of its checks. Sets *whole for a workflow; *target for a target's id. */
static bool waivable(const td_program *p, const char *rule, bool *whole, bool *target)
{
    *whole = *target = false;
    for (uint32_t i = 0; i < p->n_criteria; i++)
        if (strcmp(p->criteria[i].id, rule) == 0)
            return true;
    for (uint32_t i = 0; i < p->n_indexes; i++)
        if (strcmp(p->indexes[i].id, rule) == 0)
            return true;
    const char *dot = strrchr(rule, '.');
    for (uint32_t i = 0; i < p->n_workflows; i++) {
        const td_workflow *w = &p->workflows[i];
        if (strcmp(w->id, rule) == 0)
            return (*whole = true);
        if (!dot || strlen(w->id) != (size_t)(dot - rule) ||
            strncmp(w->id, rule, (size_t)(dot - rule)))
            continue;
        for (int k = 0; k < TD_WF_NCHECKS; k++)
            if (!w->off[k] && strcmp(td_wf_check_names[k], dot + 1) == 0)
                return true;
    }
    for (uint32_t i = 0; i < p->n_targets; i++)
        if (strcmp(p->targets[i].id, rule) == 0)
            *target = true;
    return false;
}

/* "did you mean" among the rules a waiver can name. */
static void suggest_waivable(td_rs *r, td_diagnostic *x, const char *rule)
{
    const td_program *p = r->p;
    char buf[512][96];
    const char *names[512];
    size_t n = 0;
    for (uint32_t i = 0; i < p->n_criteria && n < 512; i++)
        names[n++] = p->criteria[i].id;
    for (uint32_t i = 0; i < p->n_indexes && n < 512; i++)
        names[n++] = p->indexes[i].id;
    for (uint32_t i = 0; i < p->n_workflows && n < 512; i++) {
        names[n++] = p->workflows[i].id;
        for (int k = 0; k < TD_WF_NCHECKS && n < 512; k++) {
            snprintf(buf[n], sizeof buf[n], "%s.%s", p->workflows[i].id, td_wf_check_names[k]);
            names[n] = buf[n];
            n++;
        }
    }
    const char *sug = td_suggest(rule, names, n);
    if (sug)
        td_rs_hint(r, x, "did you mean '%s'?", sug);
}

static void build_waiver(td_rs *r, const td_decl *d)
{
    td_program *p = r->p;
    bool whole, target, ok = true;
    if (d->dup_clause.len) {
        ERR(r, d->dup_clause, TD_CODE_DUPLICATE_CLAUSE,
            N_("the waiver of %s has two `%s` clauses; keep "
               "one"),
            d->id.text, d->dup_clause_name ? d->dup_clause_name : "");
        ok = false;
    }
    if (!waivable(p, d->id.text, &whole, &target)) {
        for (uint32_t i = 0; i < p->n_disabled; i++)
            if (strcmp(p->disabled[i].id, d->id.text) == 0) {
                WARN(r, d->id.span, TD_CODE_WAIVER_DISABLED,
                     N_("%s is disabled: the waiver has nothing "
                        "to cover"),
                     d->id.text);
                return;
            }
        td_diagnostic *x;
        if (target) {
            x = ERR(r, d->id.span, TD_CODE_WAIVER_TARGET,
                    N_("%s is a target of the whole batch: it "
                       "cannot be waived for one unit"),
                    d->id.text);
            td_rs_hint(r, x, N_("to change what the district must reach, `set` its param"), NULL);
        } else {
            x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                    N_("cannot waive '%s': no rule has that id"),
                    d->id.text);
            suggest_waivable(r, x, d->id.text);
        }
        ok = false;
    }
    const char *unit = NULL;
    if (!d->unit.text || td_text_blank(d->unit.text, strlen(d->unit.text))) {
        td_diagnostic *x =
            ERR(r, d->unit.span, TD_CODE_WAIVER_UNIT,
                N_("the waiver of %s names no unit"), d->id.text);
        td_rs_hint(r, x,
                   N_("write the unit's id as its file gives it (unit.id), e.g. \"CT-TT-HND\""),
                   NULL);
        ok = false;
    } else {
        unit = td_arena_strdup(r->pa, d->unit.text);
    }
    const char *exemplar = NULL;
    if (d->exemplar.text) {
        if (td_text_blank(d->exemplar.text, strlen(d->exemplar.text))) {
            ERR(r, d->exemplar.span, TD_CODE_WAIVER_EMPTY,
                N_("the waiver of %s names an empty exemplar"),
                d->id.text);
            ok = false;
        } else if (!p->n_indexes) {
            td_diagnostic *x = ERR(r, d->exemplar.span, TD_CODE_WAIVER_EXEMPLAR,
                                   N_("the rules declare "
                                      "no index, so no exemplar is known by an id"));
            td_rs_hint(r, x,
                       N_("declare one (index ID \"label\" cite \"...\" on exemplars key id), "
                          "or waive the rule for the whole unit"),
                       NULL);
            ok = false;
        } else {
            exemplar = td_arena_strdup(r->pa, d->exemplar.text);
        }
    }
    const char *reason = waiver_text(
        r, d, d->because, "because", N_("the waiver of %s for \"%s\" says no reason (`because`)"),
        N_("the waiver of %s for \"%s\" has an empty reason (`because`)"));
    const char *by = waiver_text(
        r, d, d->issuer, "by", N_("the waiver of %s for \"%s\" says no approving authority (`by`)"),
        N_("the waiver of %s for \"%s\" has an empty approving authority (`by`)"));
    const char *doc = waiver_text(r, d, d->document, "in",
                                  N_("the waiver of %s for \"%s\" says no document (`in`)"),
                                  N_("the waiver of %s for \"%s\" has an empty document (`in`)"));
    ok = ok && reason && by && doc;
    int32_t dated = 0, until = 0;
    if (!d->issued) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_WAIVER_CLAUSE,
                               N_("the waiver of %s for \"%s\" "
                                  "says no date of approval (`dated`)"),
                               d->id.text, unit ? unit : "");
        td_rs_hint(r, x, N_("add dated YYYY-MM-DD, the date of the approving document"), NULL);
        ok = false;
    } else if (!waiver_date(r, d, d->issued, &dated)) {
        ok = false;
    }
    if (d->until) {
        if (!waiver_date(r, d, d->until, &until)) {
            ok = false;
        } else if (d->issued && until < dated) {
            td_diagnostic *x = ERR(r, d->until->span, TD_CODE_WAIVER_UNTIL,
                                   N_("the waiver ends "
                                      "(until %s) before it is granted (dated %s)"),
                                   d->until->str, d->issued->str);
            td_rs_hint(r, x,
                       N_("`until` is the last day the waiver is in force, on or after `dated`"),
                       NULL);
            ok = false;
        }
    }
    if (!ok)
        return;
    for (uint32_t i = 0; i < p->n_waivers; i++) {
        const td_waiver *w = &p->waivers[i];
        if (strcmp(w->rule, d->id.text) == 0 && strcmp(w->unit, unit) == 0 &&
            (w->exemplar ? exemplar && strcmp(w->exemplar, exemplar) == 0 : !exemplar)) {
            td_diagnostic *x =
                exemplar ? WARN(r, d->id.span, TD_CODE_WAIVER_TWICE,
                                N_("%s is already waived for \"%s\" (exemplar \"%s\"): the first "
                                   "waiver applies"),
                                d->id.text, unit, exemplar)
                         : WARN(r, d->id.span, TD_CODE_WAIVER_TWICE,
                                N_("%s is already waived for \"%s\": the first waiver applies"),
                                d->id.text, unit);
            td_rs_where_first(r, x, N_("the waiver first declared at %s:%u:%u"), w->span);
            return;
        }
    }
    td_waiver *arr = td_rs_grow(r, p->waivers, p->n_waivers, sizeof *arr);
    if (!arr)
        return;
    arr[p->n_waivers] =
        (td_waiver){.rule = td_arena_strdup(r->pa, d->id.text),
                    .whole_workflow = whole,
                    .unit = unit,
                    .exemplar = exemplar,
                    .reason = reason,
                    .approved_by = by,
                    .document = doc,
                    .dated = td_arena_strdup(r->pa, d->issued->str),
                    .until = d->until ? td_arena_strdup(r->pa, d->until->str) : NULL,
                    .dated_days = dated,
                    .until_days = until,
                    .span = d->span};
    p->waivers = arr;
    p->n_waivers++;
}

/* Every `waive` of the rules and their imports, checked against the compiled rules. */
void td_rs_build_waivers(td_rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_WAIVE || !d->id.text)
            continue;
        r->rule_id = r->rule_cite = NULL;
        build_waiver(r, d);
    }
}
