/* gen-district: writes a deterministic synthetic district of N units in data contract v1
 * (DESIGN.md) for `make bench`: commune files of several units, about 10% defective.
 * Usage: gen-district N DIR [SEED [PER_FILE]]   (DIR must exist; files are written into it;
 * PER_FILE units per file, 8 by default: 1 gives one unit per file) */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

/* splitmix64: the same sequence on every platform, for a given seed */
static uint64_t next(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

static const char *const COMMUNES[] = {
    "An Hiệp", "An Khánh", "Giao Long", "Phú An Hòa", "Phú Túc", "Quới Sơn", "Tam Phước",
    "Tân Phú", "Tân Thạch", "Tiên Thủy", "Hữu Định", "Phước Thạnh", "Sơn Hòa", "Tường Đa",
    "Thành Triệu", "An Phước", "Phú Đức", "Quới Thành", "Tiên Long", "Giao Hòa",
};
#define N_COMMUNES (sizeof COMMUNES / sizeof COMMUNES[0])

static const char *const FAMILY[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng",
                                     "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"};
static const char *const MIDDLE[] = {"Văn", "Thị", "Ngọc", "Minh", "Thanh", "Hoàng", "Kim"};
static const char *const GIVEN[] = {"An", "Bảy", "Cường", "Dũng", "Hạnh", "Hùng", "Lan",
                                    "Mai", "Phượng", "Quân", "Sơn", "Thảo", "Tuấn", "Yến"};

typedef struct org {
    const char *kind, *org, *code, *name;
} org;

static const org ORGS[] = {
    {"mttq", NULL, "MTTQ", "Ủy ban MTTQ Việt Nam xã"},
    {"khoi_van", NULL, "KV", "Khối vận xã"},
    {"ctxh", "hoi_lhpn", "HLHPN", "Hội Liên hiệp Phụ nữ xã"},
    {"ctxh", "hoi_nong_dan", "HND", "Hội Nông dân xã"},
    {"ctxh", "doan_thanh_nien", "DTN", "Đoàn Thanh niên xã"},
    {"ctxh", "hoi_ccb", "HCCB", "Hội Cựu chiến binh xã"},
    {"hoi_quan_chung", "hoi_chu_thap_do", "CTD", "Hội Chữ thập đỏ xã"},
    {"to_dan_van", NULL, "TDV", "Tổ Dân vận ấp"},
};
#define N_ORGS (sizeof ORGS / sizeof ORGS[0])

static FILE *out;

static void w(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void w(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
}

/* Month m (0 = 2024-01) as YYYY-MM. */
static void month(char buf[32], int m)
{
    snprintf(buf, 32, "%04d-%02d", 2024 + m / 12, m % 12 + 1);
}

static const int MDAYS[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static void date(char buf[32], int m, int day)
{
    int md = MDAYS[m % 12] - (m % 12 == 1 && (2024 + m / 12) % 4 != 0);
    if (day > md)
        day = md;
    snprintf(buf, 32, "%04d-%02d-%02d", 2024 + m / 12, m % 12 + 1, day);
}

static void person(char *buf, size_t size)
{
    snprintf(buf, size, "%s %s %s", FAMILY[pick(13)], MIDDLE[pick(7)], GIVEN[pick(14)]);
}

enum defect {
    D_NONE, D_NO_HARD_TASKS, D_DUP_KEY, D_BAD_DATE, D_SKIP_STEP, D_NO_EVIDENCE, D_END_BEFORE,
    D_UNKNOWN_FIELD, D_COUNT
};

static void plan(const char *indent, const char *number, int start_m, enum defect d)
{
    char iss[32], st[32], launched[32], reg[32];
    date(iss, start_m, 5 + (int)pick(10));
    date(st, start_m, 16 + (int)pick(5));
    date(launched, start_m, 22);
    date(reg, start_m, 26);
    w("%splan:\n", indent);
    w("%s  number: %s\n", indent, number);
    w("%s  title: Kế hoạch thi đua \"Dân vận khéo\" giai đoạn 2024-2025\n", indent);
    w("%s  issued: %s\n", indent, iss);
    w("%s  start: %s\n", indent, st);
    w("%s  end: %s\n", indent, d == D_END_BEFORE ? "2023-12-31" : "2025-12-31");
    w("%s  contents: [chan_1, mui_%u]\n", indent, 1 + pick(3));
    w("%s  key_tasks:\n", indent);
    w("%s    - Chuyển đổi số trong sinh hoạt tổ chức hội\n", indent);
    w("%s    - Phát triển mới hội viên, nâng chất lượng sinh hoạt chi hội\n", indent);
    if (d != D_NO_HARD_TASKS) {
        w("%s  hard_tasks:\n", indent);
        w("%s    - Vận động hiến đất làm đường giao thông nông thôn\n", indent);
    }
    w("%s  criteria:\n", indent);
    unsigned nc = 1 + pick(3);
    for (unsigned i = 0; i < nc; i++) {
        w("%s    - name: Hộ được vận động tham gia bảo hiểm y tế đợt %u\n", indent, i + 1);
        w("%s      indicator: hộ\n", indent);
        w("%s      target: %u\n", indent, 20 + pick(200));
        if (d == D_DUP_KEY && i == 0)
            w("%s      target: %u\n", indent, 20 + pick(200));
        w("%s      assigned:\n", indent);
        w("%s        - to: Chi hội ấp %u\n", indent, 1 + pick(6));
        w("%s          target: %u\n", indent, 5 + pick(30));
    }
    w("%s  %s:\n", indent, d == D_UNKNOWN_FIELD ? "solution" : "solutions");
    w("%s    - Lồng ghép nội dung thi đua vào sinh hoạt định kỳ hằng tháng\n", indent);
    w("%s  launched: %s\n", indent, launched);
    w("%s  registrations:\n", indent);
    w("%s    - by: Chi hội ấp 1\n", indent);
    w("%s      date: %s\n", indent, reg);
}

static void exemplar(const char *unit_id, unsigned k, int start_m, enum defect d,
                     const char *commune)
{
    bool collective = pick(3) == 0;
    char name[128], m[32], dt[32];
    person(name, sizeof name);
    w("  - id: %s-%02u\n", unit_id, k);
    w("    type: %s\n", collective ? "collective" : "individual");
    if (collective) {
        w("    name: Tổ hợp tác trồng dừa ấp %u, xã %s\n", 1 + pick(6), commune);
        char number[32];
        snprintf(number, sizeof number, "%02u-KH/THT", 1 + pick(40));
        plan("    ", number, start_m, D_NONE);
    } else {
        static const char *const cats[] = {"can_bo", "dang_vien", "hoi_vien", "nhan_dan",
                                           "doan_vien"};
        w("    name: %s\n", name);
        w("    category: %s\n", cats[pick(5)]);
        if (pick(3) == 0)
            w("    tags: [%s]\n", pick(2) ? "phu_nu" : "thanh_nien");
        w("    participation: Gương mẫu đóng góp %u triệu đồng xây cầu giao thông nông thôn\n",
          2 + pick(20));
        w("    propaganda: Vận động người thân, hàng xóm tham gia bảo hiểm y tế, được %u thẻ\n",
          5 + pick(30));
    }
    w("    initiatives:\n");
    w("      - title: Sáng kiến ứng dụng Zalo trong sinh hoạt chi hội\n");
    w("        recognized_by: UBND xã %s\n", commune);
    if (d == D_BAD_DATE)
        w("        recognized_on: 2025-02-30\n");
    else {
        date(dt, 14 + (int)pick(6), 1 + (int)pick(27));
        w("        recognized_on: %s\n", dt);
    }
    w("        replicated_to: [Chi hội ấp %u, Chi hội ấp %u]\n", 1 + pick(3), 4 + pick(3));
    /* continuous monthly reviews from the first month to 2025-12 (Decision 7); a unit's
     * first exemplar starts the month after its plan, the others at any month of the
     * period, so that the month-by-month history moves (tests/history.sh) */
    int first = start_m + 1 + (k == 1 ? 0 : (int)pick(17));
    w("    monthly_reviews:\n");
    for (int i = first; i < 24; i++) {
        month(m, i);
        w("      - month: %s\n", m);
        w("        result: %s\n", i == first || pick(2) ? "commended" : "passed");
    }
    /* highest step 0..5; the first exemplar of a unit has step 1, so that it counts */
    unsigned steps = k == 1 ? 1 + pick(5) : pick(6);
    if (steps) {
        w("    steps:\n");
        int dm = first;
        for (unsigned s = 1; s <= steps; s++) {
            if (d == D_SKIP_STEP && s == 2)
                continue;
            date(dt, dm, 28);
            w("      - step: %u\n", s);
            w("        date: %s\n", dt);
            if (!(d == D_NO_EVIDENCE && s == 1))
                w("        evidence: Biên bản số %u/BB ngày %s\n", 1 + pick(90), dt);
            dm += 1 + (int)pick(3);
            if (dm > 23)
                dm = 23;
        }
    }
}

static void unit(unsigned index, const char *commune, unsigned ci, const org *o,
                 enum defect d)
{
    char id[64];
    snprintf(id, sizeof id, "SYN-%03u-%s-%u", ci, o->code, index);
    bool ap = strcmp(o->kind, "to_dan_van") == 0;
    w("unit:\n");
    w("  id: %s\n", id);
    w("  name: %s %s%s\n", o->name, ap ? "" : commune, ap ? " 3" : "");
    w("  level: %s\n", ap ? "ap" : "xa");
    w("  kind: %s\n", o->kind);
    if (o->org)
        w("  org: %s\n", o->org);
    w("  commune: %s\n", commune);
    int start_m = 2 + (int)pick(6);
    char number[32];
    snprintf(number, sizeof number, "%02u-KH/%s", 1 + pick(60), o->code);
    plan("", number, start_m, d == D_NO_HARD_TASKS || d == D_END_BEFORE || d == D_DUP_KEY ||
                                      d == D_UNKNOWN_FIELD
                                  ? d
                                  : D_NONE);
    w("resolution_43_plan: %02u-KH/%s\n", 1 + pick(60), o->code);
    if (strcmp(o->kind, "mttq") == 0 && !ap) {
        w("congress:\n");
        w("  held: 2024-0%u-1%u\n", 4 + pick(5), pick(9));
        w("  term: 2024-2029\n");
    }
    w("exemplars:\n");
    unsigned n = 1 + pick(3);
    for (unsigned k = 1; k <= n; k++)
        exemplar(id, k, start_m,
                 k == 1 && (d == D_BAD_DATE || d == D_SKIP_STEP || d == D_NO_EVIDENCE) ? d
                                                                                        : D_NONE,
                 commune);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen-district N DIR [SEED [PER_FILE]]\n");
        return 2;
    }
    unsigned long n = strtoul(argv[1], NULL, 10);
    state = argc > 3 ? strtoull(argv[3], NULL, 10) : 58;
    unsigned per_file = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 8;
    if (per_file == 0)
        per_file = 8;
    unsigned long written = 0;
    for (unsigned f = 0; written < n; f++) {
        unsigned ci = f % (unsigned)N_COMMUNES;
        char path[4096];
        snprintf(path, sizeof path, "%s/xa-%05u.yaml", argv[2], f);
        out = fopen(path, "wb");
        if (!out) {
            fprintf(stderr, "gen-district: %s: %s\n", path, strerror(errno));
            return 2;
        }
        w("# synthetic unit data for the benchmark (tools/gen-district.c)\n");
        for (unsigned k = 0; k < per_file && written < n; k++, written++) {
            if (k)
                w("---\n");
            enum defect d = pick(10) == 0 ? (enum defect)(1 + pick(D_COUNT - 1)) : D_NONE;
            unit((unsigned)written, COMMUNES[ci], f, &ORGS[written % N_ORGS], d);
        }
        if (fclose(out) != 0) {
            fprintf(stderr, "gen-district: %s: %s\n", path, strerror(errno));
            return 2;
        }
    }
    return 0;
}
