/* Resolve and compile: read rule files and their imports, apply overlays and -D, build the
 * schema, resolve every name against it, type every expression and lower it to slots.
 * Pipeline: td_ast (parse arena) -> td_program (program arena). The stages live in
 * resolve_*.c around the state of resolve_int.h; compile_all below runs them in order. */
#include "resolve_int.h"
#include "image.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The end of a stage: an allocation that failed in it (arena failure is sticky, so the
 * calls need not each be checked) stops the compilation. */
static bool stage_done(td_rs *r)
{
    if (!r->fatal && (r->pa->failed || r->parse.failed || r->d->oom))
        r->fatal = TD_ENOMEM;
    return !r->fatal;
}

static td_status compile_all(td_rs *r, const char *const *files, size_t n_files,
                             const char *const *defines, size_t n_defines)
{
    r->entry_src = td_arena_alloc(r->pa, (n_files + 1) * sizeof *r->entry_src);
    for (size_t i = 0; i < n_files && !r->fatal; i++) {
        uint32_t before = r->p->n_sources;
        td_rs_load_file(r, files[i], NULL, (td_span){0, 0, 0});
        if (r->entry_src && r->p->n_sources > before)
            r->entry_src[r->n_entry_src++] = before;
    }
    if (!stage_done(r))
        return r->fatal;
    r->p->schema.document = NULL;
    td_rs_build_schema(r);
    td_rs_build_params(r);
    td_rs_apply_defines(r, defines, n_defines);
    td_rs_param_labels(r);
    td_rs_build_plan_info(r);
    td_rs_check_cites(r);
    if (stage_done(r) && r->p->schema.document) {
        td_rs_compile_defines(r);
        r->p->unit_id = td_rs_report_define(r, "id");
        r->p->unit_name = td_rs_report_define(r, "name");
        r->p->unit_level = td_rs_report_define(r, "level");
        r->p->unit_group = td_rs_report_define(r, "group");
        td_rs_build_rules(r);
        td_rs_build_waivers(r);
        td_rs_build_visits(r);
        td_rs_warn_unused(r);
        /* every other computed field of the document is a figure reports show per unit
         * (III.1: the counts announced for each unit) */
        const td_record *doc = r->p->schema.document;
        r->p->report_values = td_arena_alloc(r->pa, (doc->n_defines + 1) * sizeof *r->p->report_values);
        for (uint32_t i = 0; r->p->report_values && i < doc->n_defines; i++) {
            const td_define *def = &doc->defines[i];
            if (def->type && def != r->p->unit_id && def != r->p->unit_name &&
                def != r->p->unit_level && def != r->p->unit_group)
                r->p->report_values[r->p->n_report_values++] = def;
        }
    }
    if (!stage_done(r))
        return r->fatal;
    if (r->d->oom)
        return TD_ENOMEM;
    return r->d->errors > r->errors0 ? TD_EINPUT : TD_OK;
}

/* The language the plan headers parsed so far declare (the last one), or TD_LANG_AUTO. */
static td_lang declared_lang(const td_rs *r)
{
    td_lang lang = TD_LANG_AUTO;
    for (uint32_t i = 0; r->decls && i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d && d->kind == TD_D_PLAN && d->language.text)
            lang = td_lang_parse(d->language.text);
    }
    return lang;
}

static td_status compile_once(bool builtin, bool zeroed, const td_rule_text *mem, size_t n_mem,
                              const char *const *files, size_t n_files,
                              const char *const *defines, size_t n_defines, int fail_after,
                              td_diag *d, td_program **out, td_lang *declared);

/* Compiles in d's language; when d has none yet (TD_LANG_AUTO), in the language the rules
 * declare: the diagnostics are first written in English and, when there are any and the
 * rules declare another language, compiled again to write them in it. d then keeps that
 * language, for what the caller records next. */
static td_status compile_program(bool builtin, const td_rule_text *mem, size_t n_mem,
                                 const char *const *files, size_t n_files,
                                 const char *const *defines, size_t n_defines, int fail_after,
                                 td_diag *d, td_program **out)
{
    td_lang declared = TD_LANG_AUTO;
    if (!d || d->lang != TD_LANG_AUTO)
        return compile_once(builtin, false, mem, n_mem, files, n_files, defines, n_defines,
                            fail_after, d, out, &declared);
    td_diag tmp;
    td_diag_init(&tmp);
    tmp.lang = TD_LANG_EN;
    td_status st = compile_once(builtin, false, mem, n_mem, files, n_files, defines, n_defines,
                                fail_after, &tmp, out, &declared);
    if (declared != TD_LANG_AUTO && declared != TD_LANG_EN && tmp.n > 0 &&
        st != TD_ENOMEM) {
        td_program_free(*out);
        td_diag_clear(&tmp);
        tmp.lang = declared;
        st = compile_once(builtin, false, mem, n_mem, files, n_files, defines, n_defines,
                          fail_after, &tmp, out, &declared);
    }
    td_diag_move(d, &tmp);
    td_diag_free(&tmp);
    if (declared != TD_LANG_AUTO)
        d->lang = declared;
    return st != TD_OK ? st : d->oom ? TD_ENOMEM : TD_OK;
}

static td_status compile_once(bool builtin, bool zeroed, const td_rule_text *mem, size_t n_mem,
                              const char *const *files, size_t n_files,
                              const char *const *defines, size_t n_defines, int fail_after,
                              td_diag *d, td_program **out, td_lang *declared)
{
    *out = NULL;
    if (!d) {
        /* the caller does not want the diagnostics */
        td_diag scratch;
        td_diag_init(&scratch);
        td_status st = compile_once(builtin, zeroed, mem, n_mem, files, n_files, defines,
                                    n_defines, fail_after, &scratch, out, declared);
        td_diag_free(&scratch);
        return st;
    }
    td_program *p = calloc(1, sizeof *p);
    if (!p)
        return TD_ENOMEM;
    if (!zeroed) {
        td_arena_init(&p->arena, 64 * 1024);
    } else if (!td_arena_init_zeroed(&p->arena, TD_IMAGE_CHUNK)) {
        free(p);
        return TD_ENOMEM;
    }
    p->sources_on_disk = !builtin && !mem;
    td_rs r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.pa = &p->arena;
    r.d = d;
    r.builtin = builtin;
    r.mem = mem;
    r.n_mem = n_mem;
    r.errors0 = d->errors;
    td_arena_init(&r.parse, 64 * 1024);
    r.pa->fail_after = r.parse.fail_after = fail_after;
    const char *stack[MAX_IMPORT_DEPTH + 1];
    r.stack = stack;
    td_type *ts[6];
    td_tkind ks[6] = {TD_T_TEXT, TD_T_INT, TD_T_NUMBER, TD_T_BOOL, TD_T_DATE, TD_T_MONTH};
    for (int i = 0; i < 6; i++)
        ts[i] = td_rs_new_type(&r, ks[i]);
    r.t_text = ts[0];
    r.t_int = ts[1];
    r.t_number = ts[2];
    r.t_bool = ts[3];
    r.t_date = ts[4];
    r.t_month = ts[5];
    td_status st = r.fatal ? r.fatal : compile_all(&r, files, n_files, defines, n_defines);
    *declared = declared_lang(&r);
    td_arena_free(&r.parse);
    free(r.decls);
    free(r.off_checks);
    for (uint32_t i = 0; i < r.n_loaded; i++)
        free(r.loaded[i]);
    free(r.loaded);
    if (st != TD_OK) {
        td_program_free(p);
        return st;
    }
    *out = p;
    return TD_OK;
}

td_status td_program_compile(const char *const *files, size_t n_files,
                             const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out)
{
    return compile_program(false, NULL, 0, files, n_files, defines, n_defines, 0, d, out);
}

td_status td_program_compile_texts(const td_rule_text *texts, size_t n_texts,
                                   const char *const *defines, size_t n_defines, td_diag *d,
                                   td_program **out)
{
    if (n_texts == 0) {
        *out = NULL;
        return TD_EBUG;
    }
    return compile_program(true, texts, n_texts, &texts[0].name, 1, defines, n_defines, 0, d, out);
}

td_status td_program_builtin(const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out)
{
    /* compiled at build time: the same program, in read-only memory (image.h); compiling
     * the rules' text was 70 % of a one-unit validate */
    const td_program *img = td_image_program();
    if (img && n_defines == 0) {
        /* as compile_program: the rules compile without a diagnostic (tools/gen-image.c
         * makes no image otherwise), and d takes the language they declare */
        if (d && d->lang == TD_LANG_AUTO && img->plan.lang != TD_LANG_AUTO)
            d->lang = img->plan.lang;
        *out = (td_program *)img;
        return TD_OK;
    }
    const char *entry = TD_BUILTIN_ENTRY;
    return compile_program(true, NULL, 0, &entry, 1, defines, n_defines, 0, d, out);
}

td_status td_compile_builtin_zeroed(td_diag *d, td_program **out)
{
    const char *entry = TD_BUILTIN_ENTRY;
    td_lang declared = TD_LANG_AUTO;
    return compile_once(true, true, NULL, 0, &entry, 1, NULL, 0, 0, d, out, &declared);
}

td_status td_compile_with_faults(const td_rule_text *texts, size_t n_texts, int fail_after,
                                 td_diag *d, td_program **out)
{
    return compile_program(true, texts, n_texts, &texts[0].name, 1, NULL, 0, fail_after, d, out);
}

void td_program_free(td_program *p)
{
    if (!p || p->image)
        return;
    for (uint32_t i = 0; i < p->n_sources; i++)
        td_source_free(p->sources[i]);
    free(p->sources);
    free(p->disabled);
    free(p->changes);
    td_arena_free(&p->arena);
    free(p);
}
