/* Resolve, rules: compile criteria, targets, indexes and workflows (with `extend
 * workflow`) into the program, once the schema and the params are known.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A rule whose condition is written as a constant checks nothing: `where false` never
 * applies, `require true` never fails, `require false` fails everywhere. */
static void warn_constant(td_rs *r, const td_decl *d, const td_variant *var)
{
    const td_cexpr *w = var->where, *q = var->require;
    if (w && w->op == TD_CX_CONST && w->value.kind == TD_V_BOOL && !w->value.u.b) {
        td_diagnostic *x = WARN(r, w->span, TD_CODE_NEVER_APPLIES, "rule %s never applies: its "
                                "`where` is always false", d->id.text);
        td_rs_hint(r, x,
                   "write the condition that picks the entities it checks, or disable the rule "
                   "with `disable ... because`", NULL);
    } else if (q && q->op == TD_CX_CONST && q->value.kind == TD_V_BOOL) {
        td_diagnostic *x =
            q->value.u.b ? WARN(r, q->span, TD_CODE_NEVER_FAILS,
                                "rule %s never fails: its `require` is always true", d->id.text)
                         : WARN(r, q->span, TD_CODE_ALWAYS_FAILS,
                                "rule %s fails on every entity: its `require` is always false",
                                d->id.text);
        td_rs_hint(r, x, "write what the plan requires of the data", NULL);
    }
}

static void check_common(td_rs *r, td_decl *d, const char *what)
{
    if (d->dup_clause.len) {
        ERR(r, d->dup_clause, TD_CODE_DUPLICATE_CLAUSE,
            "%s %s has two `%s` clauses; keep one", what,
            d->id.text, d->dup_clause_name ? d->dup_clause_name : "");
    }
    if (!d->cite.text) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_MISSING_CITE, "%s %s has no `cite`", what,
                               d->id.text);
        td_rs_hint(r, x, "every rule names the clause of the plan it enforces, e.g. cite \"II.2.2\"", NULL);
    }
    if (!d->label.text || !*d->label.text) {
        ERR(r, d->id.span, TD_CODE_MISSING_LABEL,
            "%s %s has no label: write what it checks, in the "
            "words of the plan, after its id", what, d->id.text);
    }
}

static void compile_criterion(td_rs *r, td_decl *d, td_criterion *out)
{
    check_common(r, d, "criterion");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = td_rs_label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->hint = td_rs_dup_opt(r, d->hint.text);
    out->span = d->id.span;
    out->decl = d->span;
    if (!d->has_severity) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_MISSING_SEVERITY,
                               "criterion %s has no severity", d->id.text);
        td_rs_hint(r, x, "write error, warning or info", NULL);
    }
    out->severity = d->severity;
    if (!d->n_on) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_MISSING_ON,
                               "criterion %s does not say what it applies to", d->id.text);
        td_rs_hint(r, x, "add `on plan` (or document, exemplars, exemplars.plan...)", NULL);
        return;
    }
    if (!d->require) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_MISSING_REQUIRE,
                               "criterion %s has no `require` condition", d->id.text);
        td_rs_hint(r, x, "add `require` and the condition a unit must meet", NULL);
        return;
    }
    out->variants = td_arena_alloc(r->pa, d->n_on * sizeof *out->variants);
    if (!out->variants) {
        r->fatal = TD_ENOMEM;
        return;
    }
    char rule[256];
    snprintf(rule, sizeof rule, "criterion %s", d->id.text);
    td_cctx c = {r, rule};
    bool first_failed = false;
    for (uint32_t v = 0; v < d->n_on && !r->fatal; v++) {
        /* report each mistake once, not once per path, unless only a later path has it */
        td_diag scratch, *real = r->d;
        td_diag_init_lang(&scratch, td_diag_lang(r->d));
        if (v > 0)
            r->d = &scratch;
        td_scope scopes[16];
        uint32_t *let_depth = NULL; /* lets are evaluated where they are first used */
        td_variant *var = &out->variants[out->n_variants];
        bool ok = td_rs_resolve_epath(r, &d->on[v], &var->path, scopes, 15, &c);
        td_scope *ent = ok ? &scopes[var->path.n] : NULL;
        if (ok) {
            /* the scope is the compiler's: in the parse arena, as the names it holds */
            ent->let_names = td_arena_alloc(&r->parse, (d->n_lets + 1) * sizeof *ent->let_names);
            ent->let_types = td_arena_alloc(&r->parse, (d->n_lets + 1) * sizeof *ent->let_types);
            var->lets = td_arena_alloc(r->pa, (d->n_lets + 1) * sizeof *var->lets);
            let_depth = td_arena_alloc(&r->parse, (d->n_lets + 1) * sizeof *let_depth);
            if (!ent->let_names || !ent->let_types || !var->lets || !let_depth) {
                r->fatal = TD_ENOMEM;
                ok = false;
            }
        }
        if (ok && d->where &&
            !(var->where = td_rs_cx_bool(&c, d->where, ent, N_("the condition after 'where'"))))
            ok = false;
        if (ok && d->due) {
            /* a date (due from that day) or a condition (due once it holds at the as-of
             * date, such as a workflow stage reached) */
            var->due = td_rs_cx(&c, d->due, ent, NULL);
            ok = var->due && ((var->due->type && var->due->type->kind == TD_T_BOOL) ||
                              td_rs_want(&c, var->due, TD_T_DATE, N_("the date after 'due'")));
        }
        for (uint32_t i = 0; ok && i < d->n_lets; i++) {
            for (uint32_t j = 0; j < i; j++)
                if (strcmp(d->lets[j].name, d->lets[i].name) == 0)
                    ERR(r, d->lets[i].span, TD_CODE_DUPLICATE, "'%s' is defined twice in %s",
                        d->lets[i].name, d->id.text);
            const td_cexpr *k = td_rs_cx(&c, d->lets[i].value, ent, NULL);
            if (!k) {
                ok = false;
                break;
            }
            td_depth_ctx dx = {let_depth, i, false};
            let_depth[i] = td_rs_eval_depth(k, &dx);
            if (let_depth[i] > MAX_EVAL_DEPTH) {
                td_diagnostic *x = ERR(r, d->lets[i].span, TD_CODE_TOO_DEEP,
                                       N_("'%s' is computed through too many levels: more "
                                          "than %d operations, lets and defines nested one in "
                                          "another"),
                                       d->lets[i].name, MAX_EVAL_DEPTH);
                td_rs_hint(r, x, "a let that uses a let that uses "
                              "another... is evaluated one inside the other: make the "
                              "chain shorter", NULL);
                ok = false;
                break;
            }
            var->lets[i] = k;
            ent->let_names[i] = d->lets[i].name;
            ent->let_types[i] = k->type;
            ent->n_lets = i + 1;
            var->n_lets = i + 1;
        }
        if (ok &&
            !(var->require = td_rs_cx_bool(&c, d->require, ent, N_("the condition after 'require'"))))
            ok = false;
        if (ok && !td_rs_compile_message(&c, &d->message, ent, &var->message))
            ok = false;
        if (ok && v == 0)
            warn_constant(r, d, var);
        if (v == 0) {
            first_failed = !ok;
        } else {
            r->d = real;
            if (!first_failed)
                td_diag_move(real, &scratch);
            td_diag_free(&scratch);
        }
        if (ok)
            out->n_variants++;
    }
}

/* A target asks for at least param prm, which is negative: the error is where the value was
 * given (the param, its last `set`, or the -D option), and names the target. */
static void negative_param(td_rs *r, const td_decl *d, const td_param *prm, double need)
{
    const td_source *ts = td_rs_src_of(r, d->at_least->span);
    uint32_t line = 0, col = 0;
    if (ts)
        td_source_linecol(ts, d->at_least->span.off, &line, &col);
    const char *tfile = ts ? ts->name : "?";
    td_diagnostic *e;
    if (prm->given_define)
        e = td_rs_in_rule(r, td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NEGATIVE_TARGET, NULL, 0, 0,
                                        "-D %s makes target %s ask for at least %g: what it "
                                        "counts is never negative",
                                        prm->given_define, d->id.text, need));
    else
        e = ERR(r, prm->given, TD_CODE_NEGATIVE_TARGET,
                N_("with this value of param '%s', target %s asks for at least %g: what it "
                   "counts is never negative"),
                prm->name, d->id.text, need);
    if (e)
        td_diag_set(r->d, &e->hint, N_("give '%s' a value of 0 or more (target %s reads it at "
                                       "%s:%u:%u), or declare `range 0 ..` on the param"),
                    prm->name, d->id.text, tfile, line, col);
}

static void compile_target(td_rs *r, td_decl *d, td_target *out)
{
    check_common(r, d, "target");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = td_rs_label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->span = d->id.span;
    out->decl = d->span;
    if (!d->n_on) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_MISSING_COUNT,
                               "target %s does not say what it "
                               "counts", d->id.text);
        td_rs_hint(r, x, "add `count exemplars` or `sum EXPR of PATH`", NULL);
        return;
    }
    char rule[256];
    snprintf(rule, sizeof rule, "target %s", d->id.text);
    td_cctx c = {r, rule};
    td_scope scopes[16];
    if (!td_rs_resolve_epath(r, &d->on[0], &out->path, scopes, 15, &c))
        return;
    td_scope *ent = &scopes[out->path.n];
    if (d->where)
        out->where = td_rs_cx_bool(&c, d->where, ent, N_("the condition after 'where'"));
    if (d->is_sum && d->sum_of) {
        out->sum = td_rs_cx(&c, d->sum_of, ent, NULL);
        if (out->sum && !td_rs_want(&c, out->sum, TD_T_NUMBER, N_("what `sum` adds up")))
            out->sum = NULL;
    }
    if (d->by) {
        out->by = td_rs_cx(&c, d->by, ent, NULL);
        if (out->by && (out->by->type->kind == TD_T_LIST || out->by->type->kind == TD_T_RECORD)) {
            ERR(r, d->by->span, TD_CODE_TYPE, "`by` needs one value per entity (a text, an enum, a "
                "number or a date), not a list or a record");
            out->by = NULL;
        }
    }
    if (d->at_least)
        out->at_least =
            td_rs_const_expr(&c, d->at_least, ent, TD_T_NUMBER, N_("the number after 'at least'"));
    if (out->at_least && out->at_least->op == TD_CX_CONST && td_rs_const_num(out->at_least) < 0) {
        /* a count or a sum of counts is never negative: the target could never be missed */
        const td_expr *x = d->at_least;
        const td_param *prm = x->kind == TD_X_NAME ? td_rs_find_param(r, x->name) : NULL;
        if (prm) {
            negative_param(r, d, prm, td_rs_const_num(out->at_least));
        } else {
            td_diagnostic *e = ERR(r, x->span, TD_CODE_NEGATIVE_TARGET,
                                   "target %s asks for at least %g: "
                                   "what it counts is never negative",
                                   d->id.text, td_rs_const_num(out->at_least));
            td_rs_hint(r, e, "write the least number the plan asks for, 0 or more", NULL);
        }
        out->at_least = NULL;
    }
    if (d->due)
        out->due = td_rs_const_expr(&c, d->due, ent, TD_T_DATE, N_("the date after 'due'"));
}

static void compile_index(td_rs *r, td_decl *d, td_index *out)
{
    check_common(r, d, "index");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = td_rs_label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->span = d->id.span;
    out->decl = d->span;
    char rule[256];
    snprintf(rule, sizeof rule, "index %s", d->id.text);
    td_cctx c = {r, rule};
    if (!d->n_on || !d->key) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_INDEX,
                               "index %s needs `on PATH` (the entities) "
                               "and `key EXPR` (the id of each in the batch)", d->id.text);
        td_rs_hint(r, x, "e.g. on exemplars key id", NULL);
        return;
    }
    if (d->n_on > 1)
        ERR(r, d->on[1].span, TD_CODE_INDEX, "an index covers one path of entities");
    if (!r->p->unit_id) {
        td_diagnostic *x = ERR(r, d->id.span, TD_CODE_INDEX, "index %s needs the unit's id: the "
                               "document record has no computed field `id`", d->id.text);
        td_rs_hint(r, x, "e.g. define unit_file.id \"Mã đơn vị\" = unit.id", NULL);
        return;
    }
    td_scope scopes[16];
    if (!td_rs_resolve_epath(r, &d->on[0], &out->path, scopes, 15, &c))
        return;
    td_scope *ent = &scopes[out->path.n];
    out->key = td_rs_cx(&c, d->key, ent, NULL);
    if (out->key && !td_rs_want(&c, out->key, TD_T_TEXT, N_("the key of an index")))
        out->key = NULL;
    if (d->require)
        out->require = td_rs_cx_bool(&c, d->require, ent, N_("the condition after 'require'"));
    out->similar = td_arena_alloc(r->pa, (d->n_similar + 1) * sizeof *out->similar);
    if (!out->similar) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < d->n_similar; i++) {
        const td_cexpr *k = td_rs_cx(&c, d->similar[i], ent, NULL);
        if (!k)
            continue;
        if (k->type->kind == TD_T_LIST || k->type->kind == TD_T_RECORD) {
            ERR(r, d->similar[i]->span, TD_CODE_TYPE,
                "`similar` compares single values (a text, an "
                "enum, a number or a date), not a list or a record");
            continue;
        }
        out->similar[out->n_similar++] = k;
    }
}

static int stage_index(const td_workflow *w, const td_cexpr *k)
{
    if (!k || k->op != TD_CX_CONST)
        return -1;
    for (uint32_t i = 0; i < w->n_stages; i++) {
        const td_value *a = &w->stages[i], *b = &k->value;
        if (a->kind == TD_V_INT && b->kind == TD_V_INT && a->u.i == b->u.i)
            return (int)i;
        if (a->kind == TD_V_ENUM && b->kind == TD_V_ENUM && a->u.en.index == b->u.en.index)
            return (int)i;
        if (a->kind == TD_V_TEXT && b->kind == TD_V_TEXT && strcmp(a->u.text.s, b->u.text.s) == 0)
            return (int)i;
    }
    return -1;
}

static const td_field *wf_field(td_rs *r, const td_record *rec, const char *name, td_span sp,
                                const char *role)
{
    if (!name) {
        ERR(r, sp, TD_CODE_WORKFLOW, "the workflow does not name its %s field", role);
        return NULL;
    }
    const td_field *f = td_record_field(rec, name);
    if (!f) {
        td_diagnostic *x = ERR(r, sp, TD_CODE_UNKNOWN_FIELD,
                               "unknown field '%s' on %s", name, rec->name);
        td_rs_suggest_from(r, x, name, NAMES_FIELDS, rec);
    }
    return f;
}

static void compile_workflow(td_rs *r, td_decl *d, td_workflow *w)
{
    check_common(r, d, "workflow");
    w->id = td_arena_strdup(r->pa, d->id.text);
    w->label = td_rs_label_of(r, &d->label, w->id);
    w->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    w->span = d->id.span;
    w->decl = d->span;
    char rule[256];
    snprintf(rule, sizeof rule, "workflow %s", d->id.text);
    td_cctx c = {r, rule};
    if (!d->n_on) {
        ERR(r, d->id.span, TD_CODE_MISSING_ON, "workflow %s does not say what it applies to "
            "(`on exemplars`)", d->id.text);
        return;
    }
    td_scope scopes[16];
    if (!td_rs_resolve_epath(r, &d->on[0], &w->path, scopes, 14, &c))
        return;
    td_scope *ent = &scopes[w->path.n];
    if (d->where)
        w->where = td_rs_cx_bool(&c, d->where, ent, N_("the condition after 'where'"));
    const td_record *erec = w->path.recs[w->path.n];
    const td_field *hist = wf_field(r, erec, d->history, d->history_span.len ? d->history_span
                                                                              : d->id.span,
                                    "history");
    if (!hist)
        return;
    if (hist->type->kind != TD_T_LIST || hist->type->elem->kind != TD_T_RECORD) {
        ERR(r, d->history_span, TD_CODE_TYPE,
            "the history '%s' must be a list of records", hist->name);
        return;
    }
    w->history_slot = hist->slot;
    w->entry = hist->type->elem->rec;
    /* an entry that is an event (Decision 10) is not visited after the as-of date: the
     * `future` check cannot fire, its place is taken by data.after_as_of */
    if (w->entry->dated)
        w->off[TD_WF_FUTURE] = true;
    const td_field *fs = wf_field(r, w->entry, d->state_field, d->state_span.len ? d->state_span
                                                                                  : d->id.span,
                                  "state");
    const td_field *fd = wf_field(r, w->entry, d->date_field, d->date_span.len ? d->date_span
                                                                                : d->id.span,
                                  "date");
    const td_field *fe = d->evidence_field ? wf_field(r, w->entry, d->evidence_field,
                                                      d->evidence_span, "evidence")
                                           : NULL;
    if (!fs || !fd || (d->evidence_field && !fe))
        return;
    if (fd->type->kind != TD_T_DATE) {
        ERR(r, d->date_span, TD_CODE_TYPE, "the date field '%s' of a history must be a date",
            fd->name);
        return;
    }
    w->state_slot = fs->slot;
    w->date_slot = fd->slot;
    w->evidence_slot = fe ? fe->slot : UINT32_MAX;
    if (!d->n_stages) {
        ERR(r, d->id.span, TD_CODE_WORKFLOW, "workflow %s declares no `stage`", d->id.text);
        return;
    }
    w->stages = td_arena_alloc(r->pa, d->n_stages * sizeof *w->stages);
    w->stage_labels = td_arena_alloc(r->pa, d->n_stages * sizeof *w->stage_labels);
    w->initial = td_arena_alloc(r->pa, d->n_stages * sizeof *w->initial);
    w->allowed = td_arena_alloc(r->pa, (size_t)d->n_stages * d->n_stages * sizeof *w->allowed);
    w->guards = td_arena_alloc(r->pa, (d->n_guards + 1) * sizeof *w->guards);
    if (!w->stages || !w->stage_labels || !w->initial || !w->allowed || !w->guards) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < d->n_stages; i++) {
        const td_cexpr *k =
            td_rs_coerce(&c, td_rs_cx(&c, d->stages[i].value, NULL, fs->type), fs->type);
        if (!k)
            return;
        if (k->op != TD_CX_CONST || !td_rs_same_type(k->type, fs->type)) {
            char buf[64];
            ERR(r, d->stages[i].span, TD_CODE_TYPE,
                "a stage is a value of the state field '%s' (%s)",
                fs->name, td_rs_tname(fs->type, buf, sizeof buf));
            return;
        }
        if (fs->type->kind == TD_T_INT && k->value.kind == TD_V_NUM) {
            td_diagnostic *x = ERR(r, k->span, TD_CODE_TYPE, "stages are whole numbers, not %g",
                                   k->value.u.num);
            td_rs_hint(r, x, "number the stages 1, 2, 3...; to add a stage between two others, "
                       "renumber the stages after it", NULL);
            return;
        }
        if (stage_index(w, k) >= 0) {
            ERR(r, d->stages[i].span, TD_CODE_DUPLICATE, "this stage is declared twice");
            return;
        }
        w->stages[w->n_stages] = k->value;
        w->stage_labels[w->n_stages++] = td_rs_label_of(r, &d->stages[i].label, "");
    }
    for (uint32_t i = 0; i < d->n_starts; i++) {
        int si =
            stage_index(w, td_rs_coerce(&c, td_rs_cx(&c, d->starts[i], NULL, fs->type), fs->type));
        if (si < 0) {
            ERR(r, d->starts[i]->span, TD_CODE_UNKNOWN_STAGE, "`initial` names a stage that is not "
                "declared with `stage`");
            continue;
        }
        w->initial[si] = true;
    }
    if (!d->n_starts)
        w->initial[0] = true;
    for (uint32_t i = 0; i < d->n_transitions; i++) {
        int a = stage_index(
            w, td_rs_coerce(&c, td_rs_cx(&c, d->transitions[i].from, NULL, fs->type), fs->type));
        int b = stage_index(
            w, td_rs_coerce(&c, td_rs_cx(&c, d->transitions[i].to, NULL, fs->type), fs->type));
        if (a < 0 || b < 0) {
            ERR(r, d->transitions[i].span, TD_CODE_UNKNOWN_STAGE,
                "this transition names a stage that "
                "is not declared with `stage`");
            continue;
        }
        w->allowed[(uint32_t)a * w->n_stages + (uint32_t)b] = true;
    }
    td_scope entry = {ent, hist->type->elem, NULL, NULL, NULL, 0};
    for (uint32_t i = 0; i < d->n_guards; i++) {
        const td_ast_guard *g = &d->guards[i];
        int si = stage_index(w, td_rs_coerce(&c, td_rs_cx(&c, g->stage, NULL, fs->type), fs->type));
        if (si < 0) {
            ERR(r, g->span, TD_CODE_UNKNOWN_STAGE, "this guard names a stage that is not declared");
            continue;
        }
        td_guard *out = &w->guards[w->n_guards];
        out->stage = (uint32_t)si;
        out->label = td_rs_label_of(r, &g->label, w->stage_labels[si]);
        out->require = g->require ? td_rs_cx_bool(&c, g->require, &entry, N_("a guard")) : NULL;
        if (!out->require) {
            if (!g->require)
                ERR(r, g->span, TD_CODE_MISSING_REQUIRE, "a guard needs `require` and a condition");
            continue;
        }
        if (!td_rs_compile_message(&c, &g->message, &entry, &out->message))
            continue;
        w->n_guards++;
    }
}

/* Two stage values as written (1, built, "x") name the same stage. */
static bool same_stage(const td_expr *a, const td_expr *b)
{
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_X_NUMBER:
        return a->is_int == b->is_int && (a->is_int ? a->ival == b->ival : a->num == b->num);
    case TD_X_NAME: return strcmp(a->name, b->name) == 0;
    case TD_X_STRING: return strcmp(a->str, b->str) == 0;
    default: return false;
    }
}

/* `extend workflow ID`: the workflow `base` with the stages, transitions, guards and
 * `initial` of `ext`. A stage written `after S` comes between S and the stages S led to
 * (S -> X becomes S -> NEW -> X); `before S` between the stages that led to S and S (and
 * takes S's place as an initial stage). NULL after an error. */
td_decl *td_rs_extend_workflow(td_rs *r, const td_decl *base, const td_decl *ext)
{
    const char *what = ext->cite.text ? "cite" : ext->n_on ? "on" : ext->where ? "where"
                       : ext->history ? "history" : ext->state_field ? "state"
                       : ext->date_field ? "dated" : ext->evidence_field ? "evidence" : NULL;
    if (what) {
        td_diagnostic *x = ERR(r, ext->id.span, TD_CODE_EXTEND_WORKFLOW, "extend workflow %s adds "
                               "stages, transitions, guards and `initial`; it cannot change `%s`",
                               ext->id.text, what);
        td_rs_hint(r, x, "to change more, write `replace workflow %s ...` with the whole workflow",
                   ext->id.text);
        return NULL;
    }
    td_arena *a = &r->parse;
    td_decl *m = td_arena_alloc(a, sizeof *m);
    uint32_t ns = base->n_stages + ext->n_stages;
    uint32_t nt_cap = 2 * (base->n_transitions + ext->n_stages) + ext->n_transitions + 1;
    td_ast_stage *st = td_arena_alloc(a, (ns + 1) * sizeof *st);
    td_ast_transition *tr = td_arena_alloc(a, nt_cap * sizeof *tr);
    td_expr **starts = td_arena_alloc(a, (base->n_starts + ext->n_starts + 1) * sizeof *starts);
    td_ast_guard *gd = td_arena_alloc(a, (base->n_guards + ext->n_guards + 1) * sizeof *gd);
    if (!m || !st || !tr || !starts || !gd) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    *m = *base;
    if (ext->label.text)
        m->label = ext->label;
    uint32_t n = base->n_stages, nt = base->n_transitions, n0 = base->n_starts;
    if (base->stages)
        memcpy(st, base->stages, n * sizeof *st);
    if (base->transitions)
        memcpy(tr, base->transitions, nt * sizeof *tr);
    if (base->starts)
        memcpy(starts, base->starts, n0 * sizeof *starts);
    bool ok = true;
    for (uint32_t i = 0; i < ext->n_stages; i++) {
        td_ast_stage s = ext->stages[i];
        bool dup = false;
        for (uint32_t k = 0; k < n && !dup; k++)
            dup = same_stage(st[k].value, s.value);
        if (dup) {
            ERR(r, s.value->span, TD_CODE_DUPLICATE,
                "workflow %s already has this stage", ext->id.text);
            ok = false;
            continue;
        }
        const td_expr *at = s.after ? s.after : s.before;
        uint32_t k = 0;
        while (at && k < n && !same_stage(st[k].value, at))
            k++;
        if (at && k == n) {
            ERR(r, at->span, TD_CODE_UNKNOWN_STAGE, "workflow %s has no such stage to insert %s",
                ext->id.text, s.after ? "after" : "before");
            ok = false;
            continue;
        }
        uint32_t pos = !at ? n : s.after ? k + 1 : k;
        memmove(&st[pos + 1], &st[pos], (n - pos) * sizeof *st);
        st[pos] = s;
        st[pos].after = st[pos].before = NULL;
        n++;
        if (!at)
            continue;
        for (uint32_t t = 0; t < nt; t++) {
            if (s.after && same_stage(tr[t].from, at))
                tr[t].from = s.value;
            else if (s.before && same_stage(tr[t].to, at))
                tr[t].to = s.value;
        }
        tr[nt].from = s.after ? (td_expr *)at : s.value;
        tr[nt].to = s.after ? s.value : (td_expr *)at;
        tr[nt++].span = s.span;
        for (uint32_t q = 0; s.before && q < n0; q++)
            if (same_stage(starts[q], at))
                starts[q] = s.value;
    }
    if (ext->transitions)
        memcpy(&tr[nt], ext->transitions, ext->n_transitions * sizeof *tr);
    nt += ext->n_transitions;
    if (ext->n_starts) {
        if (ext->starts)
            memcpy(starts, ext->starts, ext->n_starts * sizeof *starts);
        n0 = ext->n_starts;
    }
    if (base->guards)
        memcpy(gd, base->guards, base->n_guards * sizeof *gd);
    if (ext->guards)
        memcpy(&gd[base->n_guards], ext->guards, ext->n_guards * sizeof *gd);
    m->stages = st;
    m->n_stages = n;
    m->transitions = tr;
    m->n_transitions = nt;
    m->starts = starts;
    m->n_starts = n0;
    m->guards = gd;
    m->n_guards = base->n_guards + ext->n_guards;
    m->extend = false;
    return ok ? m : NULL;
}

void td_rs_build_rules(td_rs *r)
{
    td_program *p = r->p;
    uint32_t n = 0;
    td_rule_ref *refs = td_rs_collect_rules(r, &n);
    if (!refs)
        return;
    /* each array sized for its own kind (not for every rule: the program is written out
     * whole for the built-in rules, image.h) */
    uint32_t n_crit = 0, n_target = 0, n_wf = 0, n_index = 0;
    for (uint32_t i = 0; i < n; i++) {
        td_decl_kind k = refs[i].decl->kind;
        if (refs[i].disabled)
            continue;
        /* as the loops below take them */
        if (k == TD_D_INDEX)
            n_index++;
        else if (k == TD_D_CRITERION)
            n_crit++;
        else if (k == TD_D_TARGET)
            n_target++;
        else
            n_wf++;
    }
    p->criteria = td_arena_alloc(r->pa, (n_crit + 1) * sizeof *p->criteria);
    p->targets = td_arena_alloc(r->pa, (n_target + 1) * sizeof *p->targets);
    p->workflows = td_arena_alloc(r->pa, (n_wf + 1) * sizeof *p->workflows);
    p->indexes = td_arena_alloc(r->pa, (n_index + 1) * sizeof *p->indexes);
    r->index_ids = td_arena_alloc(&r->parse, (n_index + 1) * sizeof *r->index_ids);
    if (!p->criteria || !p->targets || !p->workflows || !p->indexes || !r->index_ids) {
        r->fatal = TD_ENOMEM;
        free(refs);
        return;
    }
    /* indexes first: criteria look entities up in them with found() */
    for (uint32_t i = 0; i < n && !r->fatal; i++) {
        td_decl *d = refs[i].decl;
        if (refs[i].disabled || d->kind != TD_D_INDEX)
            continue;
        r->rule_id = d->id.text;
        r->rule_cite = d->cite.text;
        compile_index(r, d, &p->indexes[p->n_indexes++]);
        r->index_ids[r->n_index_ids++] = d->id.text;
    }
    for (uint32_t i = 0; i < n && !r->fatal; i++) {
        if (refs[i].disabled || refs[i].decl->kind == TD_D_INDEX)
            continue;
        td_decl *d = refs[i].decl;
        r->rule_id = d->id.text;
        r->rule_cite = d->cite.text;
        if (d->kind == TD_D_CRITERION) {
            r->in_criterion = true;
            compile_criterion(r, d, &p->criteria[p->n_criteria]);
            r->in_criterion = false;
            p->n_criteria++;
        } else if (d->kind == TD_D_TARGET) {
            compile_target(r, d, &p->targets[p->n_targets]);
            p->n_targets++;
        } else {
            compile_workflow(r, d, &p->workflows[p->n_workflows]);
            p->n_workflows++;
        }
    }
    r->rule_id = r->rule_cite = NULL;
    free(refs);
    /* checks of workflows switched off by `disable exemplar.steps.future` */
    for (uint32_t i = 0; i < r->n_off_checks; i++) {
        td_decl *d = r->off_checks[i];
        const char *dot = strrchr(d->id.text, '.');
        bool found = false;
        if (td_rs_note_named(r, d->id.text))
            continue; /* a note: below */
        for (uint32_t w = 0; w < p->n_workflows; w++) {
            td_workflow *wf = &p->workflows[w];
            if (strncmp(wf->id, d->id.text, (size_t)(dot - d->id.text)) != 0 ||
                strlen(wf->id) != (size_t)(dot - d->id.text))
                continue;
            for (int k = 0; k < TD_WF_NCHECKS; k++)
                if (strcmp(td_wf_check_names[k], dot + 1) == 0) {
                    wf->off[k] = true;
                    found = true;
                }
            if (!found) {
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                                       "workflow %s has no check "
                                       "'%s'", wf->id, dot + 1);
                const char *sug = td_suggest(dot + 1, td_wf_check_names, TD_WF_NCHECKS);
                if (sug)
                    td_rs_hint(r, x, "did you mean '%s'?", sug);
                found = true;
            }
        }
    }
    /* notes: an overlay replaces one by its id, or switches it off with `disable ID` */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_NOTE)
            continue;
        if (!d->because.text) {
            td_diagnostic *x = ERR(r, d->span, TD_CODE_NOTE,
                                   "a note needs `because` and the reason "
                                   "the clause cannot be checked from data");
            (void)x;
        } else if (td_text_blank(d->because.text, strlen(d->because.text))) {
            /* as `disable ... because ""`: a clause left unchecked says why, in words */
            td_diagnostic *x = ERR(r, d->because.span, TD_CODE_NOTE,
                                   "the note of clause %s has an empty reason (`because`): a "
                                   "clause the rules do not check says why it cannot be checked "
                                   "from data",
                                   d->cite.text ? d->cite.text : "");
            td_rs_hint(r, x,
                       "write the reason, e.g. because \"hội nghị do huyện tổ chức, không có "
                       "trong hồ sơ của đơn vị\"",
                       NULL);
        }
        td_note *prev = NULL;
        for (uint32_t k = 0; d->id.text && k < p->n_notes && !prev; k++)
            if (p->notes[k].id && strcmp(p->notes[k].id, d->id.text) == 0)
                prev = &p->notes[k];
        if (d->replace && !d->id.text) {
            ERR(r, d->span, TD_CODE_UNKNOWN_RULE,
                "replace note needs the id of the note it replaces: "
                "replace note ID \"CLAUSE\" \"LABEL\" because \"...\"");
            continue;
        }
        if (d->replace && !prev) {
            td_diagnostic *x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                                   "cannot replace note '%s': no "
                                   "note has that id", d->id.text);
            const char *names[512];
            size_t nn = 0;
            for (uint32_t k = 0; k < p->n_notes && nn < 512; k++)
                if (p->notes[k].id)
                    names[nn++] = p->notes[k].id;
            const char *sug = td_suggest(d->id.text, names, nn);
            if (sug)
                td_rs_hint(r, x, "did you mean '%s'?", sug);
            else
                td_rs_hint(r, x, "a note is replaced by the id written after `note`; `thidua "
                           "explain` lists them", NULL);
            continue;
        }
        if (!d->replace && prev) {
            td_diagnostic *x = ERR(r, d->id.span, TD_CODE_DUPLICATE_RULE,
                                   "note id '%s' is used twice",
                                   d->id.text);
            td_rs_hint(r, x, "to change that note in an overlay write `replace note %s ...`",
                       d->id.text);
            continue;
        }
        td_note *nt = prev;
        if (!nt) {
            td_note *arr = td_rs_grow(r, p->notes, p->n_notes, sizeof *arr);
            if (!arr)
                return;
            p->notes = arr;
            nt = &arr[p->n_notes++];
        } else {
            td_rs_keep_change(r, "note", d->id.text, "replaced", d, nt->decl);
        }
        nt->id = td_rs_dup_opt(r, d->id.text);
        nt->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
        nt->label = td_rs_label_of(r, &d->label, "");
        nt->because = d->because.text ? td_arena_strdup(r->pa, d->because.text) : "";
        nt->decl = d->span;
    }
    /* notes switched off */
    for (uint32_t i = 0; i < r->n_off_checks; i++) {
        const char *id = r->off_checks[i]->id.text;
        for (uint32_t k = 0; k < p->n_notes; k++) {
            if (!p->notes[k].id || strcmp(p->notes[k].id, id) != 0)
                continue;
            memmove(&p->notes[k], &p->notes[k + 1], (p->n_notes - k - 1) * sizeof *p->notes);
            p->n_notes--;
            break;
        }
    }
    free(r->off_checks);
    r->off_checks = NULL;
}
