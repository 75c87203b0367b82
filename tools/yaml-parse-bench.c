/* yaml-parse-bench: the bare libyaml event parse of one file, or of every *.yaml file of a
 * directory, the baseline `make bench` compares `thidua eval` and `thidua validate` with.
 * Prints "FILES BYTES EVENTS".
 * Usage: yaml-parse-bench DIR|FILE */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the whole file first, as thidua does, then parses it to the end of its stream. */
static int parse(const char *path, unsigned long long *bytes, unsigned long long *events)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        return 2;
    fclose(f);
    *bytes += (unsigned long long)len;
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, buf, (size_t)len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "%s: YAML error\n", path);
            break;
        }
        (*events)++;
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&p);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yaml-parse-bench DIR|FILE\n");
        return 2;
    }
    unsigned long long bytes = 0, events = 0;
    struct stat st;
    if (stat(argv[1], &st) == 0 && S_ISREG(st.st_mode)) {
        int rc = parse(argv[1], &bytes, &events);
        printf("1 %llu %llu\n", bytes, events);
        return rc;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 2;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                return 2;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        if (parse(path, &bytes, &events) != 0)
            return 2;
        free(names[i]);
    }
    free(names);
    printf("%zu %llu %llu\n", n, bytes, events);
    return 0;
}
