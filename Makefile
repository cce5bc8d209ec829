# gotrace build. `make` builds ./gotrace; `make test` runs every test; `make demo` traces a bundled workload.
# Pipeline: bpf/*.bpf.c --clang -target bpf--> build/bpf/*.bpf.o --bpftool gen skeleton--> build/skel/*.skel.h
#           user/report/assets/* --scripts/embed-files.sh--> build/gen/report_assets.c --cc--> build/gen/report_assets.o
#           user/<layer>/*.c (+ skeletons) --cc--> build/user/<layer>/*.o --> ./gotrace (libbpf, libelf, libdw,
#           zlib, ...; capstone and libcurl are loaded only while used). Layers: see README.md's Layout; includes name their
#           layer ("lib/json.h", "bpf/gc.h").
# Quiet by default; V=1 shows every command.

OUTPUT    := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
CC        ?= cc
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX   := vmlinux/$(ARCH)

LIBS      := libbpf libelf libdw zlib capstone libmicrohttpd libcurl json-c
# Libraries gotrace loads only while it uses them (user/lib/shared_lib.h): compiled against, never linked.
LOADED_LIBS := capstone libcurl
CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Werror
USER_CFLAGS = $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -iquote user -iquote . -iquote $(OUTPUT)/skel \
	      $(shell pkg-config --cflags $(LIBS) 2>/dev/null) $(EXTRA_CFLAGS)
USER_LDLIBS = $(shell pkg-config --libs $(filter-out $(LOADED_LIBS),$(LIBS)) 2>/dev/null) -lm
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(VMLINUX) -Ibpf \
	      -mcpu=v3

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/skel/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*/*.c)
# Generated C: files of the tree carried in the binary as bytes (see the rule below).
GEN_OBJS  := $(OUTPUT)/gen/report_assets.o
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS)) $(GEN_OBJS)
LIB_OBJS  := $(filter-out $(OUTPUT)/user/cmd/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps test unit unit-asan demo bench clean vmlinux fuzz
.DELETE_ON_ERROR:
# Keep intermediate objects (BPF objects, test objects): rebuilds stay incremental.
.SECONDARY:

all: gotrace

# Installs missing Debian packages; quiet and quick when everything is there. Order-only: never forces a rebuild.
deps:
	$(Q)scripts/install-deps.sh

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(VMLINUX)/vmlinux.h | deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	@# -g made the BTF (kept); the DWARF is 90% of the object, and the skeleton embeds the whole object in
	@# gotrace, where libbpf reads it at every open: strip it, as libbpf-tools do.
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/skel/%.skel.h: $(OUTPUT)/bpf/%.bpf.o | deps
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Every user object waits for all skeletons: a generated header must exist before -MMD can see it.
$(OUTPUT)/user/%.o: user/%.c $(SKELS) | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

# The report page's stylesheet and script stay real files (edited and diffed as such; the tests run node --check on
# the script) and are compiled in as byte arrays: scripts/embed-files.sh writes them into a C file whose symbols
# report/report_assets.h declares. Editing report.js regenerates that file, recompiles it and relinks.
REPORT_ASSETS := user/report/assets/report.css user/report/assets/report.js
$(OUTPUT)/gen/report_assets.c: scripts/embed-files.sh $(REPORT_ASSETS)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-files.sh report/report_assets.h report_css=user/report/assets/report.css \
		report_js=user/report/assets/report.js > $@

$(OUTPUT)/gen/%.o: $(OUTPUT)/gen/%.c | deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

gotrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/tests/unit/%.o: tests/unit/%.c $(SKELS) | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/unit -MMD -MP -c $< -o $@

$(OUTPUT)/tests/unit/%: $(OUTPUT)/tests/unit/%.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(USER_LDLIBS) -o $@

unit: $(UNIT_BINS)

# The same unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer (tests/run runs both builds).
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
unit-asan:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/asan CFLAGS="$(ASAN_CFLAGS)" unit

# The whole suite: pure-C unit tests, then integration tests against real Go processes (tests/run).
test: gotrace unit unit-asan
	$(Q)tests/run

# Every benchmark in bench/ (root; tens of minutes): see bench/README.md.
bench: gotrace
	$(Q)bench/run

demo: gotrace
	$(Q)scripts/demo.sh

# libFuzzer targets of every parser of untrusted input, FUZZ_SECONDS each (default 60).
fuzz: unit
	$(Q)scripts/fuzz.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) gotrace

-include $(wildcard $(OUTPUT)/user/*/*.d $(OUTPUT)/gen/*.d $(OUTPUT)/tests/unit/*/*.d)
