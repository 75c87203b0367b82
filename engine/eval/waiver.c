/* Waivers (Decision 11): which finding of a unit a `waive` covers, decided on the unit's
 * final findings. Pipeline: batch merge (input order, one thread) -> report. */
#include "waiver.h"

#include <string.h>

#include "batch.h"

/* The finding names the waiver's rule: the same id, or a check of a waived workflow. */
static bool same_rule(const td_waiver *w, const char *rule)
{
    if (!rule)
        return false;
    if (strcmp(w->rule, rule) == 0)
        return true;
    size_t n = strlen(w->rule);
    return w->whole_workflow && strncmp(w->rule, rule, n) == 0 && rule[n] == '.' &&
           !strchr(rule + n + 1, '.');
}

/* `path` is `entity` or lies inside it: exemplars[1] holds exemplars[1].plan.criteria[0]. */
static bool inside(const char *path, const char *entity)
{
    if (!path || !entity || !*entity)
        return false;
    size_t n = strlen(entity);
    return strncmp(path, entity, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

/* The finding lies in an entity that an index keys by the waiver's exemplar id. */
static bool same_entity(const td_waiver *w, const td_unit_result *u, const td_diagnostic *e)
{
    if (!w->exemplar)
        return true;
    for (uint32_t i = 0; i < u->n_xkeys && u->sites; i++)
        if (u->xkeys[i].text && strcmp(u->xkeys[i].text, w->exemplar) == 0 &&
            inside(e->path, u->sites[i].path))
            return true;
    return false;
}

void td_waivers_apply(const td_program *p, int32_t as_of, td_unit_result *u, td_waiver_use *use)
{
    if (!p->n_waivers || !u->id)
        return;
    bool any = false;
    for (uint32_t k = 0; k < p->n_waivers; k++)
        if (strcmp(p->waivers[k].unit, u->id) == 0) {
            use[k].units++;
            any = true;
        }
    for (size_t i = 0; any && i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        for (uint32_t k = 0; k < p->n_waivers; k++) {
            const td_waiver *w = &p->waivers[k];
            if (strcmp(w->unit, u->id) != 0 || !same_rule(w, e->rule) || !same_entity(w, u, e))
                continue;
            td_waiver_state st = as_of < w->dated_days               ? TD_WAIVER_NOT_YET
                                 : w->until && as_of > w->until_days ? TD_WAIVER_EXPIRED
                                                                     : TD_WAIVER_COVERS;
            if (st == TD_WAIVER_COVERS)
                use[k].covered++;
            else
                use[k].expired++;
            td_diag_waive(&u->findings, i, w, st);
            break;
        }
    }
}

td_status td_batch_waiver_warnings(const td_batch *b, td_diag *d)
{
    const td_program *p = b->p;
    char asof[11];
    td_format_date(b->as_of, asof);
    for (uint32_t i = 0; i < p->n_waivers; i++) {
        const td_waiver *w = &p->waivers[i];
        const td_waiver_use *u = &b->waiver_use[i];
        const td_source *src = w->span.src < p->n_sources ? p->sources[w->span.src] : NULL;
        uint32_t off = w->span.off, len = 5; /* `waive` */
        if (b->as_of < w->dated_days)
            td_diag_at(d, TD_SEV_WARNING, TD_CODE_WAIVER_NOT_YET, src, off, len,
                       N_("the waiver of %s for %s is dated %s, after the as-of date %s: it is not "
                          "in force yet"),
                       w->rule, w->unit, w->dated, asof);
        else if (w->until && b->as_of > w->until_days)
            td_diag_at(d, TD_SEV_WARNING, TD_CODE_WAIVER_EXPIRED, src, off, len,
                       N_("the waiver of %s for %s ended on %s, before the as-of date %s: it no "
                          "longer applies"),
                       w->rule, w->unit, w->until, asof);
        else if (!u->units)
            td_diag_at(d, TD_SEV_WARNING, TD_CODE_WAIVER_UNMATCHED, src, off, len,
                       N_("the waiver of %s names unit %s, which is not in this batch"), w->rule,
                       w->unit);
        else if (!u->covered && w->exemplar)
            td_diag_at(d, TD_SEV_WARNING, TD_CODE_WAIVER_UNMATCHED, src, off, len,
                       N_("the waiver of %s for %s, exemplar %s, covers nothing: the unit has no "
                          "such finding at %s"),
                       w->rule, w->unit, w->exemplar, asof);
        else if (!u->covered)
            td_diag_at(d, TD_SEV_WARNING, TD_CODE_WAIVER_UNMATCHED, src, off, len,
                       N_("the waiver of %s for %s covers nothing: the unit has no such finding "
                          "at %s"),
                       w->rule, w->unit, asof);
    }
    return d && d->oom ? TD_ENOMEM : TD_OK;
}
