/* `thidua serve`: the web page on which a unit's secretary checks a file without a terminal,
 * and POST /api/validate for other tools. Rules compiled once, shared by request threads.
 * Pipeline: HTTP request -> td_batch_run_text (validate's view) -> page or JSON report. */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "mhd.h"
#include "serve_page.h"

static const char USAGE[] =
    N_("usage: thidua serve [-r RULES]... [-D name=value]... [--as-of YYYY-MM-DD]\n"
    "                    [--listen ADDR:PORT] [--timeout SECONDS]");

static const char HELP[] =
    N_("\n"
    "Serves the page on which a unit's secretary checks a unit file in a browser, as\n"
    "thidua validate does: choose, drop or paste the file, press \"Kiểm tra\", read each\n"
    "finding at its line. Nothing that is sent is written to disk or kept.\n"
    "\n"
    "options:\n"
    "  -r, --rules RULES        rule files to use; without -r, the built-in Châu Thành\n"
    "                           rules\n"
    "  -D, --define name=value  override a param of the rules\n"
    "  --as-of DATE             judge at this date (default: the day of each request)\n"
    "  --listen ADDR:PORT       where to listen (default 127.0.0.1:8080, this machine\n"
    "                           only; 0.0.0.0:8080 for the office network; port 0 picks a\n"
    "                           free one)\n"
    "  --timeout SECONDS        cut off a client silent for this long (default 30)\n"
    "  --lang vi|en             the language of this terminal's messages and of the\n"
    "                           answers that ask for none (default: LANGUAGE, else the\n"
    "                           language the rules declare)\n"
    "  -h, --help               this help\n"
    "\n"
    "requests:\n"
    "  GET  /               the page\n"
    "  POST /               the page with the result (a form: file or text)\n"
    "  POST /api/validate   the YAML as the body (or a form upload): the JSON report of\n"
    "                       thidua validate -f json (thidua-report/1); ?name=FILE names it\n"
    "  GET  /healthz        ok\n"
    "  GET  /template.yaml  a blank unit file to fill in (thidua template)\n"
    "  GET  /fields         the fields and allowed codes (thidua explain RECORD)\n"
    "\n"
    "Every answer (the page, the report's messages, the field list, an error) is in the\n"
    "language ?lang=vi|en asks for, else the browser's (Accept-Language), else the\n"
    "server's. Requests over 8 MiB get 413, malformed ones 400. Each request is logged on\n"
    "stderr in one line (time, client, method, path, status, bytes, milliseconds), never\n"
    "the file's content. SIGINT or SIGTERM stops the server. Exit status: 0 after a stop,\n"
    "2 when it cannot start.\n");

enum { MAX_BODY = 8 * 1024 * 1024 };

typedef struct server {
    const mhd_lib *mhd;     /* borrowed: the library, opened by cmd_serve */
    const td_program *p;
    bool has_as_of;
    int32_t as_of;
    char plan[512];
    td_lang lang;           /* the server's: --lang, else LANGUAGE, else the rules' (never AUTO) */
} server;

/* One request: its body or form fields as they arrive, and what the log line needs. */
typedef struct request {
    const mhd_lib *mhd;     /* borrowed: the server's */
    struct timespec start;
    bool post, form, too_big, bad;
    size_t received;        /* bytes of body */
    char *body;             /* owned: the raw body, or the form's file or text field */
    size_t len, cap;
    char *text;             /* owned: the form's text field */
    size_t text_len, text_cap;
    char name[256];         /* the uploaded file's name, or "" */
    char method[12];        /* the request's method, for the log line */
    char path[128];         /* the request's path, for the log line (cut, controls dropped) */
    struct MHD_PostProcessor *pp;
    unsigned status;
    size_t size;            /* bytes of the response */
} request;

static bool append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 4096;
        while (want < *len + n + 1)
            want *= 2;
        char *grown = realloc(*buf, want);
        if (!grown)
            return false;
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

/* The base name of an uploaded file, without anything that could not be a file name. */
static void set_name(char *dst, size_t cap, const char *src)
{
    const char *base = src;
    for (const char *s = src; *s; s++)
        if (*s == '/' || *s == '\\')
            base = s + 1;
    size_t n = 0;
    for (const char *s = base; *s && n + 1 < cap; s++)
        if ((unsigned char)*s >= 0x20 && *s != 0x7F)
            dst[n++] = *s;
    dst[n] = '\0';
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *type, const char *encoding,
                                const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)type, (void)encoding, (void)off;
    request *r = cls;
    if (strcmp(key, "file") == 0) {
        if (filename && !r->name[0])
            set_name(r->name, sizeof r->name, filename);
        return append(&r->body, &r->len, &r->cap, data, size) ? MHD_YES : MHD_NO;
    }
    if (strcmp(key, "text") == 0)
        return append(&r->text, &r->text_len, &r->text_cap, data, size) ? MHD_YES : MHD_NO;
    return MHD_YES; /* other fields (the button) mean nothing */
}

static enum MHD_Result respond(struct MHD_Connection *c, request *r, unsigned status,
                            const char *type, char *data, size_t len)
{
    struct MHD_Response *res =
        r->mhd->create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!res) {
        free(data);
        return MHD_NO;
    }
    r->mhd->add_response_header(res, "Content-Type", type);
    r->mhd->add_response_header(res, "Content-Security-Policy", "default-src 'self'");
    r->mhd->add_response_header(res, "X-Content-Type-Options", "nosniff");
    r->mhd->add_response_header(res, "Referrer-Policy", "no-referrer");
    r->mhd->add_response_header(res, "Cache-Control", "no-store");
    r->status = status;
    r->size = len;
    enum MHD_Result ok = r->mhd->queue_response(c, status, res);
    r->mhd->destroy_response(res);
    return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *c, request *r, unsigned status,
                                 const char *type, const char *text)
{
    char *copy = strdup(text);
    return copy ? respond(c, r, status, type, copy, strlen(copy)) : MHD_NO;
}

/* The language of an answer (page, report, contract, error): ?lang=vi|en, else the first
 * of vi and en in Accept-Language (by its q-values; q=0 refuses), else the server's. */
static td_lang request_lang(const server *s, const request *r, struct MHD_Connection *c)
{
    td_lang asked = td_lang_parse(r->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"));
    if (asked != TD_LANG_AUTO)
        return asked;
    const char *al = r->mhd->lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
    double best_vi = 0, best_en = 0;
    for (const char *p = al; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';')
            p++;
        size_t n = (size_t)(p - tag);
        double q_value = 1;
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            const char *next = strchr(p, ',');
            if (qs && (!next || qs < next))
                q_value = strtod(qs + 2, NULL);
            p = next ? next : p + strlen(p);
        }
        if (n >= 2 && strncasecmp(tag, "vi", 2) == 0 && (n == 2 || tag[2] == '-'))
            best_vi = q_value > best_vi ? q_value : best_vi;
        else if (n >= 2 && strncasecmp(tag, "en", 2) == 0 && (n == 2 || tag[2] == '-'))
            best_en = q_value > best_en ? q_value : best_en;
    }
    if (best_vi > 0 || best_en > 0)
        return best_en > best_vi ? TD_LANG_EN : TD_LANG_VI;
    return s->lang;
}

/* A refusal or a failure, in plain text: the status and what to do, in the request's
 * language. */
static enum MHD_Result send_error(struct MHD_Connection *c, const server *s, request *r,
                                  unsigned status, const char *msgid)
{
    char text[512];
    snprintf(text, sizeof text, "%u: %s\n", status, td_gettext(request_lang(s, r, c), msgid));
    return send_text(c, r, status, "text/plain; charset=utf-8", text);
}

static int32_t as_of(const server *s)
{
    return s->has_as_of ? s->as_of : cli_today();
}

/* Validates the body (or the form's file, else its text) as `name`. */
static td_status check(const server *s, int32_t day, const char *name, const char *text,
                       size_t len, td_lang lang, td_batch **b)
{
    td_batch_opts o = {.as_of = day, .today = cli_today(), .jobs = 1, .keep_units = true,
                       .ids_per_file = true, .lang = lang};
    return td_batch_run_text(s->p, name, text, len, &o, b);
}

static enum MHD_Result api_validate(struct MHD_Connection *c, const server *s, request *r)
{
    const char *name = r->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    const char *text = r->len || !r->text ? r->body : r->text;
    size_t len = r->len || !r->text ? r->len : r->text_len;
    if (!len)
        return send_error(c, s, r, MHD_HTTP_BAD_REQUEST,
                          N_("send the unit file's YAML as the body, or as the form field "
                             "'file'"));
    char nm[256];
    set_name(nm, sizeof nm, name ? name : r->name[0] ? r->name : "unit.yaml");
    td_batch *b = NULL;
    td_report *rep = NULL;
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    td_report_opts ro = {.format = TD_REPORT_JSON, .validate = true};
    int32_t day = as_of(s);
    td_lang lang = request_lang(s, r, c);
    td_status st = f ? check(s, day, nm[0] ? nm : "unit.yaml", text ? text : "", len, lang, &b)
                     : TD_ENOMEM;
    if (st == TD_OK)
        st = td_report_open(s->p, day, &ro, f, &rep);
    for (size_t i = 0; st == TD_OK && i < td_batch_units(b); i++)
        st = td_report_unit(rep, td_batch_unit(b, i));
    if (st == TD_OK)
        st = td_report_finish(rep, b);
    td_report_free(rep);
    td_batch_free(b);
    if (f)
        fclose(f);
    if (st != TD_OK) {
        free(out);
        return send_error(c, s, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          N_("the file could not be checked; try again, and if it fails again, "
                             "tell the district office"));
    }
    return respond(c, r, MHD_HTTP_OK, "application/json; charset=utf-8", out, out_len);
}

static enum MHD_Result page(struct MHD_Connection *c, const server *s, request *r)
{
    char date[16];
    int32_t day = as_of(s);
    td_format_date(day, date);
    td_lang lang = request_lang(s, r, c);
    serve_view v = {.lang = lang == TD_LANG_EN ? SERVE_EN : SERVE_VI, .plan = s->plan,
                    .as_of = date};
    td_batch *b = NULL;
    unsigned status = MHD_HTTP_OK;
    if (r->post) {
        const char *text = r->len ? r->body : r->text;
        size_t len = r->len ? r->len : r->text_len;
        if (!len) {
            status = MHD_HTTP_BAD_REQUEST;
            v.notice = td_gettext(lang, "Choose a unit file, or paste its text, then press Check.");
        } else if (check(s, day, r->len && r->name[0] ? r->name : r->len ? "unit.yaml" : "dan.yaml",
                         text, len, lang, &b) != TD_OK) {
            td_batch_free(b);
            return send_error(c, s, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              N_("the file could not be checked; try again, and if it fails "
                                 "again, tell the district office"));
        } else {
            v.batch = b;
            v.text = text;
            v.len = len;
        }
    }
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!f) {
        td_batch_free(b);
        return MHD_NO;
    }
    serve_page(f, &v);
    fclose(f);
    td_batch_free(b);
    return respond(c, r, status, "text/html; charset=utf-8", out, out_len);
}

/* GET /template.yaml (a blank unit file to fill in, as `thidua template` writes it) and
 * GET /fields (every record's fields and allowed codes, as `thidua explain RECORD`): what
 * a secretary needs before there is a file to check. */
static enum MHD_Result contract(struct MHD_Connection *c, const server *s, request *r,
                                bool template)
{
    /* asked for nothing (no ?lang=, no browser): the server's language, as the command
     * line's `thidua template` would write it */
    td_lang lang = request_lang(s, r, c);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!f)
        return MHD_NO;
    td_status st = TD_OK;
    if (template) {
        td_template_opts o = {.lang = lang};
        char *problem = NULL;
        st = td_contract_template(s->p, &o, f, &problem);
        free(problem);
    } else {
        for (size_t i = 0; st == TD_OK && i < td_program_records(s->p); i++) {
            if (i)
                fputc('\n', f);
            st = td_contract_explain(s->p, td_program_record(s->p, i), lang, f);
        }
    }
    fclose(f);
    if (st != TD_OK) {
        free(out);
        return send_error(c, s, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          N_("the blank unit file or the list of fields could not be written; "
                             "try again"));
    }
    return respond(c, r, MHD_HTTP_OK,
                   template ? "application/yaml; charset=utf-8" : "text/plain; charset=utf-8",
                   out, out_len);
}

static enum MHD_Result route(struct MHD_Connection *c, const server *s, request *r,
                             const char *url, const char *method)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (r->too_big)
        return send_error(c, s, r, MHD_HTTP_CONTENT_TOO_LARGE,
                          N_("a unit file is at most 8 MiB; check that this is the unit's file"));
    if (r->bad)
        return send_error(c, s, r, MHD_HTTP_BAD_REQUEST,
                          N_("the form could not be read; send it again"));
    if (strcmp(url, "/") == 0 && (get || r->post))
        return page(c, s, r);
    if (strcmp(url, "/api/validate") == 0 && r->post)
        return api_validate(c, s, r);
    if (strcmp(url, "/healthz") == 0 && get)
        return send_text(c, r, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n");
    if (strcmp(url, "/template.yaml") == 0 && get)
        return contract(c, s, r, true);
    if (strcmp(url, "/fields") == 0 && get)
        return contract(c, s, r, false);
    if (strcmp(url, "/style.css") == 0 && get)
        return send_text(c, r, MHD_HTTP_OK, "text/css; charset=utf-8", serve_css());
    if (strcmp(url, "/app.js") == 0 && get)
        return send_text(c, r, MHD_HTTP_OK, "text/javascript; charset=utf-8", serve_js());
    if (strcmp(url, "/") == 0 || strcmp(url, "/api/validate") == 0 ||
        strcmp(url, "/healthz") == 0)
        return send_error(c, s, r, MHD_HTTP_METHOD_NOT_ALLOWED,
                          N_("this address does not take that method"));
    return send_error(c, s, r, MHD_HTTP_NOT_FOUND, N_("no such page; the page is at /"));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    const server *s = cls;
    request *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *con_cls = r;
        r->mhd = s->mhd;
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        r->post = strcmp(method, "POST") == 0;
        set_name(r->method, sizeof r->method, method);
        set_name(r->path, sizeof r->path, url);
        if (url[0] == '/')
            snprintf(r->path, sizeof r->path, "%.*s", (int)strcspn(url, " \t\r\n"), url);
        const char *cl = r->mhd->lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MAX_BODY) {
            r->too_big = true;
            return route(c, s, r, url, method); /* answered before the body is read */
        }
        const char *type = r->mhd->lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        /* the API takes the YAML as the body whatever its type (curl --data-binary says
         * urlencoded); only a multipart upload is a form there */
        bool api = strcmp(url, "/api/validate") == 0;
        r->form = r->post && type &&
                  (strncasecmp(type, "multipart/form-data", 19) == 0 ||
                   (!api && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0));
        if (r->form && !(r->pp = r->mhd->create_post_processor(c, 64 * 1024, on_field, r)))
            r->bad = true;
        return MHD_YES;
    }
    if (*upload_size) {
        r->received += *upload_size;
        if (r->received > MAX_BODY)
            r->too_big = true;
        else if (r->bad)
            ;
        else if (r->form)
            r->bad = r->mhd->post_process(r->pp, upload, *upload_size) != MHD_YES;
        else if (r->post && !append(&r->body, &r->len, &r->cap, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES; /* answered already (413 before the body) */
    return route(c, s, r, url, method);
}

/* After each request: the log line, then the request's memory is released. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    const server *s = cls;
    request *r = *con_cls;
    if (!r)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
                (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
    const union MHD_ConnectionInfo *ci =
        r->mhd->get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[INET6_ADDRSTRLEN] = "-";
    if (ci && ci->client_addr)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    peer, sizeof peer, NULL, 0, NI_NUMERICHOST);
    time_t t = time(NULL);
    struct tm tm;
    char when[32] = "";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* TRANSLATORS: the end of a log line of thidua serve: a client that went silent, or one
     * whose connection broke before the answer was sent */
    const char *end = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                      : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                          ? td_gettext(s->lang, " (timed out)")
                          : td_gettext(s->lang, " (cut off)");
    fprintf(stderr, "%s %s %s %s %u %zu B %.1f ms%s\n", when, peer, r->method, r->path,
            r->status, r->size, ms, end);
    if (r->pp)
        r->mhd->destroy_post_processor(r->pp);
    free(r->body);
    free(r->text);
    free(r);
    *con_cls = NULL;
}

/* "ADDR:PORT", "[V6]:PORT", "PORT" or ":PORT" (this machine only) into an address. */
static bool parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256] = "127.0.0.1";
    const char *port = spec;
    const char *colon = strrchr(spec, ':');
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec) >= sizeof host)
            return false;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port = close + 2;
    } else if (colon) {
        if ((size_t)(colon - spec) >= sizeof host)
            return false;
        if (colon > spec) {
            memcpy(host, spec, (size_t)(colon - spec));
            host[colon - spec] = '\0';
        }
        port = colon + 1;
    }
    char *end = NULL;
    long n = strtol(port, &end, 10);
    if (!*port || *end || n < 0 || n > 65535)
        return false;
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return false;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

int cmd_serve(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_ASOF | CLI_OPT_SERVE,
                       "serve", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    /* it opens libmicrohttpd, which a program linked statically must not do */
    if ((rc = cli_run_dynamic("serve", "libmicrohttpd", argc, argv)) >= 0) {
        cli_opts_free(&o);
        return rc;
    }
    td_program *p = NULL;
    mhd_lib mhd = {0};
    struct MHD_Daemon *d = NULL;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    if (o.n_args) {
        rc = cli_usage_error("serve", USAGE, "serve takes no file; unexpected", o.args[0]);
        goto done;
    }
    if (!parse_listen(o.listen ? o.listen : "127.0.0.1:8080", &addr, &addr_len)) {
        rc = cli_usage_error("serve", USAGE, "--listen takes ADDR:PORT (127.0.0.1:8080), not",
                             o.listen);
        goto done;
    }
    if ((rc = cli_program("serve", &o, &p)) >= 0)
        goto done;
    char why[256];
    if (!mhd_open(&mhd, why, sizeof why)) {
        /* TRANSLATORS: %s is the system's reason, in English */
        fprintf(stderr, _("thidua serve: cannot load the web server library (libmicrohttpd): %s\n"),
                why);
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    /* cli_program has settled the language: --lang, else LANGUAGE, else the rules' */
    server s = {.mhd = &mhd, .p = p, .has_as_of = o.has_as_of, .as_of = o.as_of,
                .lang = cli_lang()};
    td_plan plan;
    td_program_plan(p, &plan);
    snprintf(s.plan, sizeof s.plan, "%s%s%s", plan.number ? plan.number : "",
             plan.number && plan.title ? ": " : "", plan.title ? plan.title : "");
    /* the request threads inherit a mask without SIGINT and SIGTERM: this thread waits */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    d = mhd.start_daemon(flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, &addr,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cores > 1 ? cores : 1),
                         MHD_OPTION_CONNECTION_TIMEOUT, o.timeout ? o.timeout : 30u,
                         MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_NOTIFY_COMPLETED, on_done,
                         &s, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, _("thidua serve: cannot listen on %s: %s; choose another --listen\n"),
                o.listen ? o.listen : "127.0.0.1:8080", cli_strerror(errno));
        rc = CLI_EXIT_FAIL;
        goto done;
    }
    const union MHD_DaemonInfo *di = mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "";
    getnameinfo((struct sockaddr *)&addr, addr_len, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    /* TRANSLATORS: %s%s%s:%u is the address, printed as http://127.0.0.1:8080/ */
    fprintf(stderr, _("thidua serve: open http://%s%s%s:%u/ in a browser; Ctrl-C stops\n"),
            addr.ss_family == AF_INET6 ? "[" : "", host, addr.ss_family == AF_INET6 ? "]" : "",
            di ? di->port : 0);
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, _("thidua serve: stopped (%s)\n"), sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = CLI_EXIT_OK;
done:
    if (d)
        mhd.stop_daemon(d);
    mhd_close(&mhd);
    td_program_free(p);
    cli_opts_free(&o);
    return rc;
}
