# rmgate: the single entry point (build, test, run, install, bench, fuzz).
#
# Layout convention (so modules never need to edit this file):
#   <mod>/*.c            library sources of module <mod> (proxy, replay, policy, web, common)
#   <mod>/rmgate-*.c     the module's program (main); not part of the library
#   tests/unit/test_*.c  one cmocka binary each, linked with every module library
#   tests/lib/*.c        test support (synthetic screens...): libtestsupport.a, linked
#                        only into the unit tests and the benchmarks, never shipped
#   tests/bench/*.c      one benchmark program each
#   tests/fuzz/fuzz_*.c  one libFuzzer target each (clang)
#
# make            build the four programs into $(BUILD)
# make SAN=1      ASan+UBSan build into build/san
# make deps       install the Debian packages that are missing (apt-get)
# make test       unit tests, then e2e tests; last line "N passed, N failed"
# make run        start a local demo target, the gate in front of it and the staff console
# make install    PREFIX=/usr/local DESTDIR= (SYSCONFDIR, LOCALSTATEDIR, UNITDIR below)
# make deb        the Debian package (dpkg-buildpackage -us -uc -b; ../rmgate_*.deb)
# make bench / make bench-web / make fuzz / make clean
#
# CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured (as dpkg-buildflags
# sets them); the hardening flags below are always added.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
SYSCONFDIR    ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LOCALSTATEDIR ?= $(if $(filter /usr,$(PREFIX)),/var,$(PREFIX)/var)
UNITDIR       ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
CC        ?= cc
SAN       ?=

ifeq ($(SAN),1)
BUILD     ?= build/san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD     ?= build
SANFLAGS  :=
endif

PKGS      := freerdp2 freerdp-client2 freerdp-server2 winpr2 libpcap libzstd sqlite3 libpng libcrypto libssl libseccomp libmicrohttpd
WARN      := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes
ifneq ($(CI),)
WARN      += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    ?= -O2 -g
# Built-in defaults of the programs: where state lives when no configuration says otherwise,
# and the configuration rmgate-proxy reads without -c (none: the embedded default). The
# development build keeps everything in ./var (make run); the Debian package builds with
# VAR_DIR_DEFAULT=/var/lib/rmgate CONFIG_DEFAULT=/etc/rmgate/rmgate.conf (debian/rules).
# Changing them needs a clean build.
VAR_DIR_DEFAULT ?= ./var
CONFIG_DEFAULT  ?=
# The user session workers run as (docs/process-model.md): nobody for development, rmgate in
# the Debian package (which creates it).
WORKER_USER_DEFAULT ?= nobody
# Hardening (Debian's and the issue's baseline): stack protector, PIE, full RELRO, and
# fortified libc calls. _FORTIFY_SOURCE is left out of the sanitizer build, whose
# interceptors already check those calls, and where the caller's flags set it already.
HARDEN_CFLAGS  := -fstack-protector-strong -fPIE \
                  $(if $(SANFLAGS)$(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2)
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
ALL_CFLAGS := -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) $(HARDEN_CFLAGS) $(SANFLAGS) -D_GNU_SOURCE \
              -DRMGATE_VERSION='"$(VERSION)"' -DRMGATE_VAR_DIR='"$(VAR_DIR_DEFAULT)"' \
              -DRMGATE_CONFIG_FILE='"$(CONFIG_DEFAULT)"' -DRMGATE_WORKER_USER='"$(WORKER_USER_DEFAULT)"' \
              -DRMGATE_LOCALE_DIR='"$(PREFIX)/share/locale"' -Iproxy -Ireplay -Ipolicy -Iweb -Icommon $(PKG_CFLAGS) -MMD -MP
LDLIBS    := $(PKG_LIBS) -lpthread -lm
LDFLAGS   += $(HARDEN_LDFLAGS) $(SANFLAGS)

MODULES   := common policy replay proxy web
lib_srcs   = $(filter-out $(1)/rmgate-%.c,$(wildcard $(1)/*.c))
lib_objs   = $(patsubst %.c,$(BUILD)/%.o,$(call lib_srcs,$(1)))

# Link order: the proxy uses replay and policy, the web console policy; every module may use
# common (text_escape), which uses nothing of ours.
LIBS      := $(BUILD)/libweb.a $(BUILD)/libproxy.a $(BUILD)/libreplay.a $(BUILD)/libpolicy.a $(BUILD)/libcommon.a
PROGRAMS  := $(BUILD)/rmgate-proxy $(BUILD)/rmgate-replay $(BUILD)/rmgate-policy $(BUILD)/rmgate-web
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TEST_LIB  := $(BUILD)/libtestsupport.a
TEST_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
BENCH_SRCS:= $(wildcard tests/bench/*.c)
BENCH_BINS:= $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
# Message catalogues (common/i18n.h): po/LANG.po compiled next to the programs, where a program
# run from $(BUILD) finds them; installed under $(PREFIX)/share/locale.
LINGUAS   := ja
CATALOGS  := $(foreach l,$(LINGUAS),$(BUILD)/locale/$(l)/LC_MESSAGES/rmgate.mo)

.PHONY: all programs deps test unit e2e run install uninstall deb bench bench-web fuzz clean check-deps po
all: $(PROGRAMS) $(CATALOGS) $(UNIT_BINS) $(BENCH_BINS)
programs: $(PROGRAMS) $(CATALOGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
# Tests and their support code see tests/lib; the modules do not.
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -c $< -o $@

define module_lib
$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^ $$(if $$^,,$(BUILD)/empty.o)
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m))))

# An archive with no members is still a valid archive for the linker.
$(BUILD)/empty.o:
	@mkdir -p $(BUILD)
	echo 'typedef int rmgate_empty_unit;' | $(CC) -x c -c - -o $@
$(LIBS): | $(BUILD)/empty.o

$(TEST_LIB): $(TEST_LIB_OBJS) | $(BUILD)/empty.o
	rm -f $@ && ar rcs $@ $^ $(if $^,,$(BUILD)/empty.o)

$(BUILD)/rmgate-%: $(BUILD)/proxy/rmgate-%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@
$(BUILD)/rmgate-%: $(BUILD)/replay/rmgate-%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@
$(BUILD)/rmgate-%: $(BUILD)/policy/rmgate-%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@
$(BUILD)/rmgate-%: $(BUILD)/web/rmgate-%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_LIB) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(TEST_LIB) $(LIBS) $(LDLIBS) -lcmocka -o $@
$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(TEST_LIB) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(TEST_LIB) $(LIBS) $(LDLIBS) -o $@

# msgfmt -c: a translation whose printf conversions differ from the English stops the build.
$(BUILD)/locale/%/LC_MESSAGES/rmgate.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt -c -o $@ $<

# `make po` extracts every marked message into po/rmgate.pot and merges it into each
# po/LANG.po (new texts arrive untranslated; tests/e2e/test_i18n_catalog.sh fails until
# they are translated). The keywords: i18n.h's markers and the functions that translate
# their own format.
XGETTEXT_FLAGS := --from-code=UTF-8 --language=C --add-comments=TRANSLATORS: --no-wrap \
                  -k_ -kN_ -kpol_fail:2 -kcli_error:1 -kcli_usage:1 \
                  --flag=pol_fail:2:c-format --flag=cli_error:1:c-format --flag=cli_usage:1:c-format \
                  --package-name=rmgate --package-version=$(VERSION) --msgid-bugs-address=security@rmgate.invalid
# PO_DIR: where the .pot is written and the .po files are merged (the catalogue test merges a copy).
I18N_SRCS := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
PO_DIR    ?= po
po:
	xgettext $(XGETTEXT_FLAGS) -o $(PO_DIR)/rmgate.pot $(I18N_SRCS)
	for l in $(LINGUAS); do msgmerge --quiet --update --backup=none --no-wrap $(PO_DIR)/$$l.po $(PO_DIR)/rmgate.pot || exit 1; done

deps:
	tests/deps.sh

# test and run install missing packages first, then build in a fresh make (so
# pkg-config sees the packages just installed).
test: deps
	$(MAKE) --no-print-directory all
	BUILD=$(BUILD) SAN=$(SAN) tests/run-tests.sh

unit: all
	BUILD=$(BUILD) SAN=$(SAN) tests/run-tests.sh --unit

e2e: all
	BUILD=$(BUILD) SAN=$(SAN) tests/run-tests.sh --e2e

run: deps
	$(MAKE) --no-print-directory all
	BUILD=$(BUILD) tests/demo.sh

bench: all
	BUILD=$(BUILD) tests/bench/run.sh

# The console's page times on 10,000 permits and 1,000,000 sessions (the database is built
# once into $(BUILD)/bench-cache: minutes).
bench-web: all
	BUILD=$(BUILD) tests/bench/web_pages.sh

FUZZ_SECONDS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# What a user of the installed gate reads: the man pages, the configuration example, the
# service unit and the user-facing documents (not the architecture or test-bench notes).
USER_DOCS := README.md docs/deploy.md docs/gate.md docs/policy.md docs/web.md docs/view-only.md docs/recording-format.md \
             docs/rmgate.conf.example
# The services: the gate (rmgate.service) and the staff console (rmgate-web.service).
UNITS := rmgate.service rmgate-web.service
# The Japanese manual (docs/man/ja: translations of docs/man, `man -L ja rmgate-replay`).
MAN_JA_1 := $(wildcard docs/man/ja/*.1)
MAN_JA_5 := $(wildcard docs/man/ja/*.5)
install: $(PROGRAMS) $(CATALOGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/doc/rmgate $(DESTDIR)$(SYSCONFDIR)/rmgate $(DESTDIR)$(UNITDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(wildcard docs/man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(wildcard docs/man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d $(DESTDIR)$(PREFIX)/share/man/ja/man1 $(DESTDIR)$(PREFIX)/share/man/ja/man5
	install -m 0644 $(MAN_JA_1) $(DESTDIR)$(PREFIX)/share/man/ja/man1/
	install -m 0644 $(MAN_JA_5) $(DESTDIR)$(PREFIX)/share/man/ja/man5/
	install -m 0644 $(USER_DOCS) $(DESTDIR)$(PREFIX)/share/doc/rmgate/
	for l in $(LINGUAS); do install -D -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/rmgate.mo \
	    $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/rmgate.mo || exit 1; done
	for unit in $(UNITS); do \
	    sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	        -e 's|@STATEDIR@|$(LOCALSTATEDIR)/lib/rmgate|g' system/$$unit.in >$(DESTDIR)$(UNITDIR)/$$unit && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit || exit 1; done
	@# An existing configuration is the administrator's: never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/rmgate/rmgate.conf || \
	    sed 's|^var_dir = .*|var_dir = $(LOCALSTATEDIR)/lib/rmgate|' docs/rmgate.conf.example \
	        >$(DESTDIR)$(SYSCONFDIR)/rmgate/rmgate.conf

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(wildcard docs/man/*.1)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(wildcard docs/man/*.5)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/ja/man1/,$(notdir $(MAN_JA_1)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/ja/man5/,$(notdir $(MAN_JA_5)))
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/rmgate
	rm -f $(foreach l,$(LINGUAS),$(DESTDIR)$(PREFIX)/share/locale/$(l)/LC_MESSAGES/rmgate.mo)
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	@echo "kept: $(DESTDIR)$(SYSCONFDIR)/rmgate (configuration) and $(LOCALSTATEDIR)/lib/rmgate (evidence)"

# The Debian package, built from this tree into its parent folder (dpkg-buildpackage's way).
deb: deps
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
