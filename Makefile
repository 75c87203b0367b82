# thidua: build, test and benchmark. `make` builds ./thidua; `make test` runs every test;
# `make check` runs them again under AddressSanitizer and UndefinedBehaviorSanitizer.

CC      ?= cc
BUILD   ?= build
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wconversion
# CI builds with warnings as errors (STYLE.md); generated grammar code keeps its own flags.
ifneq ($(CI),)
WARN    += -Werror
endif
CFLAGS  ?= -O2 -g
# The engine's folders name the stages (README.md, "Layout"); its headers are included by name.
ENGINE_DIRS := engine engine/lang engine/data engine/eval engine/report
ENGINE_INC  := $(addprefix -I,$(ENGINE_DIRS))
ALLCFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -Iinclude $(ENGINE_INC) -I$(BUILD)
GENFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wno-unused-function -Wno-sign-compare $(CFLAGS) $(EXTRA_CFLAGS) -Iinclude $(ENGINE_INC) -I$(BUILD)
# The program is a client of the public API: it sees include/ and nothing of engine/.
CLICFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -Iinclude
# Each object lists the headers it includes in a .d file beside it.
DEPFLAGS  = -MMD -MP
# The engine's objects go into the shared library too; no interposition keeps calls direct.
PICFLAGS  = -fPIC -fno-semantic-interposition

# Installation (make install PREFIX=/usr DESTDIR=/tmp/pkg); the library's soname changes
# with an incompatible change of include/thidua.h.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
VERSION    := $(shell sed -n 's/^\#define TD_VERSION "\(.*\)"/\1/p' include/thidua.h)
SOVERSION  := 0
SONAME     := libthidua.so.$(SOVERSION)
SHLIB      := $(BUILD)/libthidua.so.$(VERSION)
EDITORS    := $(BUILD)/editors/thidua.vim $(BUILD)/editors/thidua.tmLanguage.json
# libxlsxwriter writes the Excel workbook of `eval -f xlsx`; the engine opens it when such a
# report begins (engine/report/xlsx_lib.c), so that it is not linked: loading it and OpenSSL's
# libcrypto cost every run of every command (docs/performance.md, lever 5). libm is linked only
# when a build calls it (-O0 and -Os call floor and trunc; -O1 and -O2 inline them): mapping it
# costs every start (lever 11).
LDLIBS  := -Wl,--as-needed -lyaml -lpthread -lm
CMOCKA  := -lcmocka

ENGINE_SRC := $(sort $(foreach d,$(ENGINE_DIRS),$(wildcard $(d)/*.c)))
# engine/cli/alloc.c is the static program's allocator of small blocks, linked into it alone,
# as is engine/cli/yaml_align.c, which places libyaml's code in it (after the engine's)
CLI_SRC    := $(filter-out engine/cli/alloc.c engine/cli/yaml_align.c,$(sort $(wildcard engine/cli/*.c)))
GEN_SRC    := $(BUILD)/parser.c $(BUILD)/lexer.c
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/parser.o $(BUILD)/lexer.o $(BUILD)/builtin_rules.o \
              $(BUILD)/catalog_vi.o $(BUILD)/builtin_image.o
# every engine object but the compiled built-in rules, which tools/gen-image.c writes with them
IMAGE_GEN_OBJ := $(filter-out $(BUILD)/builtin_image.o,$(ENGINE_OBJ))
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/unit/test_*.c)))
RULE_FILES := $(sort $(wildcard rules/ben-tre/*.rules))
BIN        ?= thidua
export THIDUA = $(abspath $(BIN))
# The tests compare English output (a Vietnamese case asks with --lang vi); the shipped rules
# declare Vietnamese, which the program speaks otherwise (docs/i18n.md).
TEST_TARGETS := test unit golden golden-update rules-test serve-test test-browser embed \
                eval-counts history text-width schema-test template-test man install-test check \
                tsan bench bench-serve
$(TEST_TARGETS): export LANGUAGE = en

.PHONY: serve-test test-browser bench-serve
.PHONY: all test check asan golden golden-update unit rules-test bench clean deps tsan demo globals \
        eval-counts embed schema-test history template-test text-width completion
all: $(BIN) $(SHLIB) $(BUILD)/thidua.pc $(EDITORS)

deps:
	@sh tools/install-deps.sh

# the program alone serves HTTP (thidua serve); it opens libmicrohttpd when serve starts
# (engine/cli/mhd.c), so that no other command pays for loading it and GnuTLS.
# It is linked as a static PIE when the toolchain can (glibc's libc.a, libyaml.a): no dynamic
# loader, no library mapped and relocated at each start, its addresses still randomised
# (docs/performance.md, lever 11). A program linked statically must not open libraries, so
# serve and eval -f xlsx run the same program linked dynamically, $(TWIN), installed in
# LIBEXECDIR (engine/cli/dynamic.c). Sanitizer builds and LINK=dynamic link the program
# dynamically, alone.
ifeq ($(origin LINK),undefined)
ifneq ($(findstring -fsanitize,$(CFLAGS) $(EXTRA_CFLAGS)),)
LINK := dynamic
else
LINK := $(shell printf 'int main(void){return 0;}\n' | $(CC) -x c - -static-pie -o /dev/null \
                $(LDLIBS) >/dev/null 2>&1 && echo static-pie || echo dynamic)
endif
endif
# The static program takes its small blocks from engine/cli/alloc.c: the linker sends every
# call of malloc, calloc, realloc and free by name (the engine's, libyaml's, the C library's)
# to its __wrap_ functions, which leave bigger blocks to glibc's (lever 15).
WRAP_MALLOC := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
TWIN := $(BUILD)/thidua-dynamic
ifeq ($(LINK),static-pie)
$(BIN): $(BUILD)/libthidua.a $(CLI_OBJ) $(BUILD)/engine/cli/alloc.o \
        $(BUILD)/engine/cli/yaml_align.o $(TWIN)
	$(CC) $(ALLCFLAGS) -static-pie -o $@ $(CLI_OBJ) $(BUILD)/engine/cli/alloc.o \
	    $(BUILD)/libthidua.a $(BUILD)/engine/cli/yaml_align.o $(LDLIBS) $(WRAP_MALLOC)
else
$(BIN): $(BUILD)/libthidua.a $(CLI_OBJ)
	$(CC) $(ALLCFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libthidua.a $(LDLIBS)
endif

$(TWIN): $(BUILD)/libthidua.a $(CLI_OBJ)
	$(CC) $(ALLCFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libthidua.a $(LDLIBS)

# where the static program finds $(TWIN), relative to its own folder: in the build tree, and
# where `make install` puts both; written again only when they change
$(BUILD)/twin.h: FORCE
	@mkdir -p $(BUILD)
	@printf '#define TD_TWIN_BUILD "%s"\n#define TD_TWIN_INSTALL "%s"\n' \
	    "$$(realpath -m --relative-to=$(dir $(abspath $(BIN))) $(abspath $(TWIN)))" \
	    "$$(realpath -m --relative-to=$(BINDIR) $(LIBEXECDIR)/thidua/thidua-dynamic)" > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/engine/cli/dynamic.o: $(BUILD)/twin.h
$(BUILD)/engine/cli/dynamic.o: CLICFLAGS += -I$(BUILD)
.PHONY: FORCE
FORCE:

# The shared library exports the functions of include/thidua.h and nothing else.
$(BUILD)/thidua.map: include/thidua.h
	@mkdir -p $(BUILD)
	{ echo '{ global:'; grep -oE '\btd_[a-z0-9_]+\(' $< | tr -d '(' | sort -u | sed 's/$$/;/'; \
	  echo 'local: *; };'; } > $@

$(SHLIB): $(ENGINE_OBJ) $(BUILD)/thidua.map
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -shared -Wl,-soname,$(SONAME) \
	    -Wl,--version-script=$(BUILD)/thidua.map -o $@ $(ENGINE_OBJ) $(LDLIBS)
	ln -sf libthidua.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libthidua.so

$(BUILD)/thidua.pc: tools/thidua.pc.in include/thidua.h
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' $< > $@

# Syntax highlighting of *.rules, written from the lexer's keyword table.
$(BUILD)/gen-syntax: tools/gen-syntax.c $(BUILD)/libthidua.a
	$(CC) $(ALLCFLAGS) -o $@ $< $(BUILD)/libthidua.a $(LDLIBS)

$(BUILD)/editors/thidua.vim: $(BUILD)/gen-syntax
	@mkdir -p $(dir $@)
	$(BUILD)/gen-syntax vim > $@

$(BUILD)/editors/thidua.tmLanguage.json: $(BUILD)/gen-syntax
	@mkdir -p $(dir $@)
	$(BUILD)/gen-syntax textmate > $@

$(BUILD)/libthidua.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Grouped targets: one run of bison (or flex) makes both files, even under make -j.
$(BUILD)/parser.c $(BUILD)/parser.h &: grammar/parser.y
	@mkdir -p $(BUILD)
	bison -Wall --defines=$(BUILD)/parser.h -o $(BUILD)/parser.c $<

$(BUILD)/lexer.c $(BUILD)/lexer.h &: grammar/lexer.l $(BUILD)/parser.h
	@mkdir -p $(BUILD)
	flex --header-file=$(BUILD)/lexer.h -o $(BUILD)/lexer.c $<

$(BUILD)/parser.o: $(BUILD)/parser.c $(BUILD)/lexer.h
	$(CC) $(GENFLAGS) $(PICFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/lexer.o: $(BUILD)/lexer.c $(BUILD)/parser.h
	$(CC) $(GENFLAGS) $(PICFLAGS) $(DEPFLAGS) -c -o $@ $<

# The shipped rules are compiled into the library so that `validate` needs no files.
$(BUILD)/builtin_rules.c: $(RULE_FILES) tools/embed.sh
	@mkdir -p $(BUILD)
	sh tools/embed.sh $(RULE_FILES) > $@

$(BUILD)/builtin_rules.o: $(BUILD)/builtin_rules.c
	$(CC) $(GENFLAGS) $(PICFLAGS) -c -o $@ $<

# ... and compiled at build time too (engine/lang/image.h, docs/performance.md lever 7): the
# program of the shipped rules as C data, which `validate` uses instead of compiling them at
# every start. Written again whenever a rule file or any engine object changes.
$(BUILD)/gen-image: tools/gen-image.c $(IMAGE_GEN_OBJ)
	$(CC) $(ALLCFLAGS) -o $@ tools/gen-image.c $(IMAGE_GEN_OBJ) $(LDLIBS)

$(BUILD)/builtin_image.c: $(BUILD)/gen-image
	$(BUILD)/gen-image > $@.tmp
	mv $@.tmp $@

$(BUILD)/builtin_image.o: $(BUILD)/builtin_image.c
	$(CC) $(GENFLAGS) $(PICFLAGS) -c -o $@ $<

# The Vietnamese messages (docs/i18n.md): po/vi.po compiled by msgfmt, embedded as bytes, so
# that no locale has to be installed for the program to speak Vietnamese.
$(BUILD)/vi.mo: po/vi.po
	@mkdir -p $(BUILD)
	msgfmt --check -o $@ $<

$(BUILD)/catalog_vi.c: $(BUILD)/vi.mo tools/mo2c.sh
	sh tools/mo2c.sh td_catalog_vi $< > $@

$(BUILD)/catalog_vi.o: $(BUILD)/catalog_vi.c engine/i18n.h
	$(CC) $(GENFLAGS) $(PICFLAGS) -c -o $@ $<

# The marked strings of the sources (docs/i18n.md): `make po-update` extracts them into
# po/thidua.pot and merges them into po/vi.po for the translator; `make po-check` fails on a
# message with no translation or a fuzzy one.
PO_SRC := $(sort $(foreach d,$(ENGINE_DIRS) engine/cli,$(wildcard $(d)/*.c)))
XGETTEXT_KEYWORDS := --keyword=TR:2 --keyword=TRN:2,3 --keyword=N_ --keyword=_ --keyword=P_:1,2 --flag=P_:1:c-format --flag=P_:2:c-format \
    --keyword=td_gettext:2 --keyword=td_ngettext:2,3 \
    --keyword=cli_fail:3 --keyword=cli_usage_error:3 \
    --keyword=td_diag_at:7 --keyword=td_diag_at_lc:8 \
    --keyword=yfinding:8 --keyword=ywarning:8 --keyword=tfinding:9 --keyword=wrong:8 \
    --keyword=refuse_limit:5 --keyword=td_parse_error:4 --keyword=parse_hint:3 \
    --flag=td_parse_error:4:c-format \
    --keyword=ERR:4 --keyword=WARN:4 --keyword=td_rs_hint:3 \
    --keyword=problem:3 --keyword=problem_hint:3 --keyword=path_error:4 --flag=path_error:4:c-format \
    --flag=problem:3:c-format --flag=problem_hint:3:c-format \
    --flag=ERR:4:c-format --flag=WARN:4:c-format --flag=td_rs_hint:3:c-format \
    --flag=td_diag_at:7:c-format --flag=td_diag_at_lc:8:c-format --flag=yfinding:8:c-format \
    --flag=ywarning:8:c-format --flag=tfinding:9:c-format --flag=refuse_limit:5:c-format \
    --flag=TR:2:c-format --flag=TRN:2:c-format --flag=TRN:3:c-format
.PHONY: po-update po-check
po-update:
	xgettext --from-code=UTF-8 --language=C --add-comments=TRANSLATORS: $(XGETTEXT_KEYWORDS) \
	    --package-name=thidua --package-version=$(VERSION) --msgid-bugs-address="the issues of thidua" \
	    --sort-by-file --no-wrap -o po/thidua.pot $(PO_SRC)
	msgmerge --quiet --update --backup=none --no-wrap --no-fuzzy-matching po/vi.po po/thidua.pot
	@msgfmt --check --statistics -o /dev/null po/vi.po

po-check:
	@out=$$(LC_ALL=C msgfmt --check --statistics -o /dev/null po/vi.po 2>&1) || { echo "$$out"; exit 1; }; \
	echo "po/vi.po: $$out"; \
	case "$$out" in *untranslated*|*fuzzy*) \
	    echo "po/vi.po: every message needs a Vietnamese translation that is not fuzzy (docs/i18n.md)"; \
	    exit 1;; esac
	@sh tools/po-fresh.sh "$(XGETTEXT_KEYWORDS)" $(PO_SRC)

# The generated headers exist before any engine file is compiled (the .d files of a first
# build do not know yet who includes them).
$(BUILD)/%.o: %.c | $(BUILD)/parser.h $(BUILD)/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(PICFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/engine/cli/%.o: engine/cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CLICFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(wildcard $(BUILD)/*.d $(BUILD)/engine/*.d $(BUILD)/engine/*/*.d)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libthidua.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/libthidua.a $(CMOCKA) $(LDLIBS)

# the static program's allocator, linked as the program links it
$(BUILD)/tests/test_alloc: tests/unit/test_alloc.c $(BUILD)/engine/cli/alloc.o
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/engine/cli/alloc.o $(CMOCKA) \
	    -lpthread $(WRAP_MALLOC)

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

golden: $(BIN)
	@sh tests/golden.sh

golden-update: $(BIN)
	@UPDATE=1 sh tests/golden.sh

# every criterion and workflow check of the shipped rules has a failing case (the full
# coverage table is left in $(BUILD)/coverage.txt)
rules-test: $(BIN)
	$(THIDUA) test rules/
	@$(THIDUA) test --require-coverage rules/ben-tre/ >$(BUILD)/coverage.txt || \
	    { cat $(BUILD)/coverage.txt; exit 1; }
	@grep 'criteria and workflow checks have a failing case' $(BUILD)/coverage.txt

# No writable globals in the engine: batch evaluation runs on threads.
globals: $(BUILD)/libthidua.a
	@sh tools/check-globals.sh $(BUILD)/libthidua.a

# thidua serve, with curl on loopback
serve-test: $(BIN)
	@sh tests/serve.sh

# thidua serve in headless Chromium: a file uploaded, its findings found at their lines;
# screenshots at 1280 px and 390 px in $(BUILD)/screenshots (needs chromium, chromium-driver
# and python3-selenium: tools/install-deps.sh --browser)
test-browser: $(BIN)
	@sh tests/serve-browser.sh $(BUILD)/screenshots

# examples/embed: a program on the public API alone judges files as `thidua validate` does.
$(BUILD)/embed: examples/embed/embed.c $(BUILD)/libthidua.a
	$(CC) $(CLICFLAGS) -o $@ $< $(BUILD)/libthidua.a $(LDLIBS)

embed: $(BUILD)/embed $(BIN)
	@EMBED=$(abspath $(BUILD)/embed) sh tests/embed.sh

# The figures of `eval` on the example district, counted again without the engine.
eval-counts: $(BIN)
	@sh tests/eval-counts.sh

# The JSON Schema of `thidua schema` against a real validator and the example units.
schema-test: $(BIN)
	@sh tests/schema.sh

# The month-by-month history of eval against eval --as-of at each month end (issue 10).
history: $(BIN)
	@BUILD=$(BUILD) sh tests/history.sh >$(BUILD)/history.txt || { cat $(BUILD)/history.txt; exit 1; }
	@grep passed $(BUILD)/history.txt

# `thidua template` as is (not ready) and filled with its examples (ready).
template-test: $(BIN)
	@sh tests/template.sh

# eval's text report fits an 80-column terminal.
text-width: $(BIN)
	@sh tests/text-width.sh >$(BUILD)/text-width.txt || { cat $(BUILD)/text-width.txt; exit 1; }

test: $(BIN) po-check unit golden rules-test globals serve-test eval-counts history text-width \
      embed man completion install-test schema-test template-test
	@echo "all tests passed"

# The whole suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer.
check:
	$(MAKE) BUILD=build/asan BIN=build/asan/thidua CFLAGS="-O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" test
	$(MAKE) test

tsan:
	$(MAKE) BUILD=build/tsan BIN=build/tsan/thidua CFLAGS="-O1 -g -fsanitize=thread" build/tsan/thidua
	THIDUA=$(abspath build/tsan/thidua) TSAN_JOBS=4 sh tests/golden.sh

# The main job on the shipped example data: the district's standing at the end of the plan.
# Exit 1 means "the district has findings", which is the point of the demo.
demo: $(BIN)
	$(THIDUA) eval --as-of 2025-12-31 examples/chau-thanh/ || test $$? -eq 1

bench: $(BIN)
	@sh tools/bench.sh
	@sh tools/bench-serve.sh

# only the load test of thidua serve (1,000 requests from 50 clients on loopback)
bench-serve: $(BIN)
	@sh tools/bench-serve.sh

clean:
	rm -rf build thidua

# ---- installation --------------------------------------------------------------------
.PHONY: install uninstall install-test man
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions \
	    $(DESTDIR)$(DATADIR)/vim/vimfiles/syntax $(DESTDIR)$(DATADIR)/vim/vimfiles/ftdetect \
	    $(DESTDIR)$(DATADIR)/thidua/vscode/syntaxes
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/thidua
ifeq ($(LINK),static-pie)
	install -d $(DESTDIR)$(LIBEXECDIR)/thidua
	install -m 755 $(TWIN) $(DESTDIR)$(LIBEXECDIR)/thidua/thidua-dynamic
endif
	install -m 644 $(BUILD)/libthidua.a $(DESTDIR)$(LIBDIR)/libthidua.a
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libthidua.so.$(VERSION)
	ln -sf libthidua.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libthidua.so
	install -m 644 $(BUILD)/thidua.pc $(DESTDIR)$(LIBDIR)/pkgconfig/thidua.pc
	install -m 644 include/thidua.h $(DESTDIR)$(INCLUDEDIR)/thidua.h
	install -m 644 docs/man/thidua.1 $(DESTDIR)$(MANDIR)/man1/thidua.1
	install -m 644 docs/man/thidua-rules.5 $(DESTDIR)$(MANDIR)/man5/thidua-rules.5
	install -m 644 tools/completion/thidua.bash \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions/thidua
	install -m 644 $(BUILD)/editors/thidua.vim $(DESTDIR)$(DATADIR)/vim/vimfiles/syntax/thidua.vim
	install -m 644 tools/editors/ftdetect.vim \
	    $(DESTDIR)$(DATADIR)/vim/vimfiles/ftdetect/thidua.vim
	install -m 644 tools/editors/vscode/package.json \
	    tools/editors/vscode/language-configuration.json $(DESTDIR)$(DATADIR)/thidua/vscode/
	install -m 644 $(BUILD)/editors/thidua.tmLanguage.json \
	    $(DESTDIR)$(DATADIR)/thidua/vscode/syntaxes/thidua.tmLanguage.json

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/thidua $(DESTDIR)$(LIBDIR)/libthidua.a \
	    $(DESTDIR)$(LIBDIR)/libthidua.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libthidua.so $(DESTDIR)$(LIBDIR)/pkgconfig/thidua.pc \
	    $(DESTDIR)$(INCLUDEDIR)/thidua.h $(DESTDIR)$(MANDIR)/man1/thidua.1 \
	    $(DESTDIR)$(MANDIR)/man5/thidua-rules.5 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions/thidua \
	    $(DESTDIR)$(DATADIR)/vim/vimfiles/syntax/thidua.vim \
	    $(DESTDIR)$(DATADIR)/vim/vimfiles/ftdetect/thidua.vim
	rm -rf $(DESTDIR)$(DATADIR)/thidua/vscode
	rm -f $(DESTDIR)$(LIBEXECDIR)/thidua/thidua-dynamic
	rmdir $(DESTDIR)$(LIBEXECDIR)/thidua 2>/dev/null || true
	-rmdir $(DESTDIR)$(DATADIR)/thidua 2>/dev/null

# Installs into a temporary DESTDIR, builds examples/embed there with pkg-config, runs it,
# then uninstalls and checks that nothing is left.
install-test: all
	@CC="$(CC)" CFLAGS="$(CFLAGS)" MAKE="$(MAKE)" BUILD="$(BUILD)" BIN="$(BIN)" \
	    sh tests/install.sh

# The man pages format cleanly and name every option of the help texts.
man: $(BIN)
	@sh tests/man.sh

completion: $(BIN)
	@THIDUA=$(abspath $(BIN)) bash tests/completion.sh

# ---- fuzzing: libFuzzer harnesses (tests/fuzz/README.md) ----
# Not part of `test` or `check`. Needs clang with libFuzzer (Debian: apt-get install -y clang).
# `make fuzz` builds the three harnesses (parse, load, rules) into $(BUILD)/fuzz and runs
# each for FUZZ_SECONDS, on inputs of up to FUZZ_MAX_LEN bytes (long chains fit).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_FLAGS   ?=
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Iinclude $(ENGINE_INC) -I$(BUILD)
FUZZ_SRC     := $(ENGINE_SRC) $(GEN_SRC) $(BUILD)/builtin_rules.c $(BUILD)/catalog_vi.c \
                $(BUILD)/builtin_image.c
FUZZ_RUN     := -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
                -rss_limit_mb=2048 \
                -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/ $(FUZZ_FLAGS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_DIR)/fuzz_parse $(FUZZ_DIR)/fuzz_load $(FUZZ_DIR)/fuzz_rules

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(BUILD)/parser.h $(BUILD)/lexer.h \
                    $(foreach d,$(ENGINE_DIRS),$(wildcard $(d)/*.h)) include/thidua.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC) $(LDLIBS)

# Corpora grow in $(FUZZ_DIR)/corpus_*; the seeds in tests/fuzz/ and the shipped rules and
# examples (copied here, not committed twice) are read only.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/corpus_parse $(FUZZ_DIR)/corpus_load $(FUZZ_DIR)/corpus_rules \
	    $(FUZZ_DIR)/crashes
	@rm -rf $(FUZZ_DIR)/seed_parse $(FUZZ_DIR)/seed_load
	@mkdir -p $(FUZZ_DIR)/seed_parse $(FUZZ_DIR)/seed_load
	cp $(RULE_FILES) $(FUZZ_DIR)/seed_parse/
	cp examples/submission/*.yaml $(FUZZ_DIR)/seed_load/
	$(FUZZ_DIR)/fuzz_parse $(FUZZ_RUN) -dict=tests/fuzz/rules.dict \
	    $(FUZZ_DIR)/corpus_parse tests/fuzz/corpus_parse $(FUZZ_DIR)/seed_parse
	$(FUZZ_DIR)/fuzz_load $(FUZZ_RUN) -dict=tests/fuzz/yaml.dict \
	    $(FUZZ_DIR)/corpus_load tests/fuzz/corpus_load $(FUZZ_DIR)/seed_load
	$(FUZZ_DIR)/fuzz_rules $(FUZZ_RUN) -dict=tests/fuzz/rules.dict \
	    $(FUZZ_DIR)/corpus_rules tests/fuzz/corpus_rules
