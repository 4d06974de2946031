# ipsecfw — plain Makefile, libraries found with pkg-config.
# Targets: all deps demo check asan fuzz bench install clean (see README.md).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
PYTHON  ?= /usr/bin/python3
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

PKGS      := libpcre2-8 libcrypto libpcap liburcu liburcu-cds libnetfilter_queue libmnl libcap-ng
TEST_PKGS := check

# Run the bootstrap when pkg-config cannot find a library (see `make deps`).
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(PKGS) $(TEST_PKGS) 2>/dev/null && echo ok),ok)
$(info ipsecfw: some libraries are missing; running scripts/deps.sh)
DEPS_RESULT := $(shell scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RESULT),0)
$(error missing build dependencies: run 'make deps' as root)
endif
endif
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wvla
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT     ?= -O2 -g
CFLAGS  ?=
CPPFLAGS_ALL := -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS_ALL   := -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(SAN) $(CFLAGS)
LDLIBS_ALL   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS_ALL  := $(SAN) $(LDFLAGS)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

PROGS    := $(notdir $(basename $(wildcard src/ipsecfw.c src/ipsecfwd.c)))
LIB_SRC  := $(filter-out $(addprefix src/,$(addsuffix .c,$(PROGS) ipsecfwd)),$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libipsecfw.a
HEADERS  := $(wildcard include/ipsecfw/*.h)
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%.o)
HDR_OBJ  := $(HEADERS:include/ipsecfw/%.h=$(BUILD)/hdr/%.o)
MANPAGES := $(wildcard man/*.[0-9])

.PHONY: all deps demo demo-live check unit asan fuzz fuzz-corpus bench install clean headers golden manlint \
	replay guard

all: $(addprefix $(BUILD)/,$(PROGS))

deps:
	scripts/deps.sh

$(BUILD)/obj/%.o: src/%.c $(HEADERS) | $(BUILD)/obj
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%: src/%.c $(LIB) $(HEADERS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LDLIBS_ALL)

$(BUILD) $(BUILD)/obj $(BUILD)/unit $(BUILD)/hdr $(BUILD)/bench:
	mkdir -p $@

# Each public header must compile on its own (STYLE.md §8).
$(BUILD)/hdr/%.o: include/ipsecfw/%.h | $(BUILD)/hdr
	$(Q)printf '#include "ipsecfw/%s.h"\n#include "ipsecfw/%s.h"\n' $* $* | \
		$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -x c -c -o $@ -

headers: $(HDR_OBJ)

# The unit-test runner: one Check suite per tests/unit/check_<module>.c, each exporting
# Suite *<module>_suite(void); the list is generated from the file names.
$(BUILD)/unit/suites.h: $(UNIT_SRC) | $(BUILD)/unit
	$(Q)for f in $(UNIT_SRC); do m=$${f#tests/unit/check_}; m=$${m%.c}; \
		echo "SUITE($$m)"; done > $@.tmp && mv $@.tmp $@

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS) tests/unit/unit.h | $(BUILD)/unit
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS_ALL) -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/unit/runner.o: tests/unit/runner.c $(BUILD)/unit/suites.h tests/unit/unit.h
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests/unit -I$(BUILD)/unit $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/check_all: $(BUILD)/unit/runner.o $(UNIT_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIB) $(LDLIBS_ALL) $(CHECK_LIBS)

unit: $(BUILD)/check_all all
	IPSECFW_TOP=$(CURDIR) IPSECFW_BIN=$(CURDIR)/$(BUILD) $(BUILD)/check_all

golden: all
	tests/rules/run.sh $(BUILD)/ipsecfw

manlint:
	tests/man/run.sh $(BUILD)/ipsecfw

# Fuzz targets: libFuzzer with clang (`make fuzz`); `make check` replays the corpus through the
# same targets built with gcc + ASan/UBSan and a small file-reading main.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TIME ?= 60

fuzz: | $(BUILD)
	@for t in $(FUZZ_TARGETS); do \
		clang -std=gnu11 -g -O1 -Iinclude $(CPPFLAGS_ALL) -fsanitize=fuzzer,address,undefined \
			-o $(BUILD)/fuzz-$$t tests/fuzz/fuzz_$$t.c $(LIB_SRC) $(LDLIBS_ALL) || exit 1; \
		mkdir -p $(BUILD)/corpus-$$t; \
		$(BUILD)/fuzz-$$t -max_total_time=$(FUZZ_TIME) $(BUILD)/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-corpus: | $(BUILD)
	@mkdir -p $(BUILD)/fuzzrep
	@for t in $(FUZZ_TARGETS); do \
		$(CC) -std=gnu11 -g -O1 $(CPPFLAGS_ALL) $(FUZZ_SAN) -o $(BUILD)/fuzzrep/$$t \
			tests/fuzz/fuzz_$$t.c tests/fuzz/standalone.c $(LIB_SRC) $(LDLIBS_ALL) || exit 1; \
		$(BUILD)/fuzzrep/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

replay: all
	tests/replay/run.sh $(BUILD)/ipsecfw

# Hot-path guard: no allocator call from our code while judging packets (STYLE.md §7.9).
$(BUILD)/nomalloc: tests/guard/nomalloc.c $(LIB) $(HEADERS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free \
		-o $@ $< $(LIB) $(LDLIBS_ALL)

guard: $(BUILD)/nomalloc
	$(BUILD)/nomalloc tests/data/demo.pcap rules/seed-table.rules rules/seed-ah-inner.rules
	@install -m 0600 tests/data/ah.keys $(BUILD)/ah.keys	# key files must be private
	$(BUILD)/nomalloc tests/data/ah.pcap -k $(BUILD)/ah.keys rules/ah-inner.rules \
		rules/seed-table.rules
	@install -m 0600 tests/data/esp.keys $(BUILD)/esp.keys
	$(BUILD)/nomalloc tests/data/esp.pcap -k $(BUILD)/esp.keys rules/esp-tunnel.rules

# Network tests (root, own namespaces; see tests/net/lib.sh): `make net`.
.PHONY: net
net: all
	IPSECFWD=$(abspath $(BUILD))/ipsecfwd IPSECFW=$(abspath $(BUILD))/ipsecfw tests/net/run.sh

# Groups whose scripts or programs do not exist yet are left out (early history).
CHECK_GROUPS := unit $(if $(PROGS),$(if $(wildcard tests/rules/run.sh),golden) \
	$(if $(wildcard tests/man/run.sh),manlint) $(if $(wildcard tests/replay/run.sh),replay)) \
	$(if $(wildcard tests/guard/nomalloc.c),guard) $(if $(FUZZ_TARGETS),fuzz-corpus)

ASAN_MAKE := $(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g' \
	SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'

# As root (CI), the network tests run too, against the ASan/UBSan build of the daemon and
# CLI, so that real traffic through NFQUEUE is judged under the sanitizers.
NET_GROUP := $(if $(wildcard tests/net/run.sh),$(if $(filter 0,$(shell id -u)),net-asan))

check: all headers
	@for g in $(CHECK_GROUPS); do $(MAKE) --no-print-directory $$g || exit 1; done
	@$(ASAN_MAKE) unit
	@if [ -n "$(NET_GROUP)" ]; then $(MAKE) --no-print-directory net-asan || exit 1; \
	else echo "net: skipped (the network tests need root)"; fi
	@echo "check: $(words $(CHECK_GROUPS) asan headers $(NET_GROUP)) passed, 0 failed"

asan:
	$(ASAN_MAKE) unit

.PHONY: net-asan
net-asan:
	@$(ASAN_MAKE) all
	IPSECFWD=$(abspath build-asan)/ipsecfwd IPSECFW=$(abspath build-asan)/ipsecfw tests/net/run.sh

demo: all
	$(BUILD)/ipsecfw replay tests/data/demo.pcap -r rules/seed-table.rules

bench: all
	$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/bench_engine $(BUILD)/bench/nfq_acceptall
	$(BUILD)/bench_engine tests/data/demo.pcap rules/seed-table.rules
	bench/live.sh $(BUILD)

$(BUILD)/bench_engine: bench/bench_engine.c $(LIB) $(HEADERS)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -O3 $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LDLIBS_ALL)

# The accept-all NFQUEUE consumer that bench/live.sh measures ipsecfwd against.
$(BUILD)/bench/nfq_acceptall: bench/nfq_acceptall.c | $(BUILD)/bench
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)

# The seed table live, in network namespaces of its own (root): see scripts/demo-live.sh.
demo-live: all
	scripts/demo-live.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/ipsecfw $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/ipsecfwd $(DESTDIR)$(PREFIX)/sbin/
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

clean:
	rm -rf build build-asan $(filter-out . .. / ./ ../ ~,$(BUILD))
