# SPDX-License-Identifier: GPL-2.0-only
#
# colo-xdp build. Globs do the bookkeeping, so adding a file needs no edit here:
#   bpf/*.bpf.c          -> $(BUILD)/<name>.bpf.o and $(BUILD)/<name>.skel.h
#   tests/bpf/progs/*.bpf.c, tests/faults/*.bpf.c
#                        -> test-only BPF objects and skeletons under $(BUILD)/tests/
#   user/lib/*.c         -> $(BUILD)/libcolo.a   (pure logic: no BPF, no sockets, no clock)
#   user/*.c             -> $(BUILD)/colo-xdp    (links libcolo.a, libbpf, libxdp, libpcap)
#   user/agents/*.c      -> the checkpoint-engine adapters, `colo-xdp agent <kind>` (same binary)
#   tests/unit/test_*.c  -> cmocka binaries, linked with libcolo.a and tests/unit/*.c helpers
#   tests/bpf/test_*.c   -> BPF_PROG_TEST_RUN binaries, with the skeletons and tests/bpf/ helpers
#   tests/tools/*.c      -> test programs (agents, capture generators), one binary per file
#   tests/fuzz/fuzz_*.c  -> libFuzzer targets (clang, ASan/UBSan)
#   bench/bench_*.c      -> microbenchmarks and the feeder of QEMU's colo-compare
#
# make V=1 is verbose; make SAN=1 builds userspace with ASan/UBSan into build-san/.

SHELL := /bin/bash
V ?= 0
SAN ?= 0
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

CC := gcc
CLANG ?= clang
BPFTOOL ?= bpftool
AR ?= ar

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD)
USER_LDFLAGS := $(SANFLAGS)
LIBS := -lbpf -lxdp -lelf -lz -lpcap -lxxhash -ljansson -lsystemd -lpthread
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 $(WARN) -Iinclude -Ivmlinux -Ibpf

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)
# BPF programs of the tests themselves (helpers for test_run, the fault injector).
TEST_BPF_SRCS := $(wildcard tests/bpf/progs/*.bpf.c tests/faults/*.bpf.c)
TEST_SKELS := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(TEST_BPF_SRCS))

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB := $(BUILD)/libcolo.a
USER_HDRS := $(wildcard user/*.h user/agents/*.h user/lib/*.h include/*.h tests/*/*.h)

APP_SRCS := $(wildcard user/*.c user/agents/*.c)
APP_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(APP_SRCS))
APP := $(BUILD)/colo-xdp

UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c)))
BPF_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/bpf/test_*.c))
BPF_HELPERS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out tests/bpf/test_%.c,$(wildcard tests/bpf/*.c)))
# The test frame builder, shared by unit tests, capture generators, benchmarks and fuzzers.
TEST_PKT_SRC := $(wildcard tests/unit/pkt.c)
TEST_PKT := $(patsubst %.c,$(BUILD)/%.o,$(TEST_PKT_SRC))
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/bench_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

.PHONY: all deps test check check-deps install test-faults soak demo fuzz bench bench-compare \
	clean format tests-build FORCE test-kernel test-vmm
.DELETE_ON_ERROR:
.SECONDARY:

all: $(APP) $(TOOLS)

deps:
	$(Q)scripts/deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.bpf.o: tests/%.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Test programs' skeletons keep their object's name (vlan_push); the product's are colo_<obj>_bpf.
# The Makefile is a prerequisite: it names the skeletons.
$(BUILD)/tests/%.skel.h: $(BUILD)/tests/%.bpf.o Makefile
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o Makefile
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name colo_$(notdir $*)_bpf > $@

$(BUILD)/%.o: %.c $(USER_HDRS) $(SKELS) $(TEST_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# -V/--version: git describe, else the VERSION file of a tree without git. Rewritten only when it
# changes, so that it rebuilds only the one object that includes it.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || cat VERSION 2>/dev/null || echo unknown)

$(BUILD)/version.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '#define COLO_VERSION "$(VERSION)"' >$@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(BUILD)/user/cli.o: $(BUILD)/version.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(APP): $(APP_OBJS) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $(filter-out $(LIB),$^) $(LIB) $(LIBS) -o $@

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(UNIT_HELPERS) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $(filter-out $(LIB),$^) $(LIB) $(LIBS) -lcmocka -o $@

# The agent socket test drives the daemon's agent server module (user/agent.c, not pure).
$(BUILD)/tests/unit/test_agent_socket: $(BUILD)/user/agent.o $(BUILD)/user/unix_listen.o
# So does the adapters' test dataplane.
$(BUILD)/tools/agent_dataplane: $(BUILD)/user/agent.o $(BUILD)/user/unix_listen.o

$(BUILD)/tests/bpf/test_%: $(BUILD)/tests/bpf/test_%.o $(BPF_HELPERS) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $(filter-out $(LIB),$^) $(LIB) $(LIBS) -lcmocka -o $@

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(TEST_PKT) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_LDFLAGS) $(filter-out $(LIB),$^) $(LIB) $(LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(TEST_PKT) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $(filter-out $(LIB),$^) $(LIB) $(LIBS) -o $@

build-fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(TEST_PKT_SRC) $(USER_HDRS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$< $(LIB_SRCS) $(TEST_PKT_SRC) -lpcap -lxxhash -ljansson -o $@

tests-build: $(APP) $(TOOLS) $(UNIT_TESTS) $(BPF_TESTS)

# The test command README names: installs what it needs, builds plain and sanitizer trees, runs
# every suite (unit, BPF_PROG_TEST_RUN, fuzz smoke, veth-namespace end to end) and prints "N passed, N failed".
test check: deps
	$(Q)$(MAKE) --no-print-directory check-deps
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)$(MAKE) --no-print-directory SAN=1 tests-build
	$(Q)$(MAKE) --no-print-directory $(FUZZERS)
	$(Q)tests/run.sh

# The fault-injection suite (tests/faults/, CI runs it after make test): prints "N passed, N
# failed" and writes docs/reliability.md.
test-faults: deps
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)tests/run.sh faults

# A long run of mixed traffic with periodic faults (not in CI): samples and a plot in bench/results.
soak:
	$(Q)scripts/deps.sh soak
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)tests/faults/soak.sh

# The kernel floor: the BPF_PROG_TEST_RUN and attach suites on Debian 12's own kernel (6.1) in
# QEMU (TCG), from a guest image of Debian packages (scripts/guest-image.sh, build/guest/).
test-kernel:
	$(Q)scripts/deps.sh vmm
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)tests/vm/kernel.sh

# The whole COLO loop with real VMs: two QEMU (TCG) replicas on taps, colo-xdp run, and the QEMU
# adapter in migration mode as checkpoint engine; figures into bench/results/<date>-vmm.md.
test-vmm:
	$(Q)scripts/deps.sh vmm
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)tests/vm/checkpoint.sh

# Includes run one way: no header cycle, no two modules leaning on each other, user/lib and bpf
# within their layers (scripts/check_deps.py).
check-deps:
	$(Q)scripts/check_deps.py

# The running product end to end: topology, replicas, dataplane, agent, traffic, a divergence.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

fuzz: deps $(FUZZERS)
	$(Q)set -e -o pipefail; for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus-$$(basename $$f); \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			build-fuzz/corpus-$$(basename $$f) tests/fuzz/seeds 2>&1 | tail -n 12; \
	done

# The dataplane against mirror, passthrough and no dataplane, QEMU's colo-compare beside it
# (bench/dataplane.sh), then bench-compare. Only this target installs QEMU.
bench:
	$(Q)scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all $(BENCHES)
	$(Q)bench/dataplane.sh

bench-compare: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/bench/bench_compare
	$(Q)$(BUILD)/bench/bench_compare

clean:
	$(Q)rm -rf build build-san build-fuzz

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, colo-xdp(8) and one page per subcommand
# (generated from its --help, scripts/gen_man.sh), bash completion, the systemd template unit
# colo-xdp@.service (options from /etc/colo-xdp/NAME.conf) and an example of that file.
PREFIX ?= /usr/local
SBINDIR := $(PREFIX)/sbin
MAN8DIR := $(PREFIX)/share/man/man8
COMPDIR := $(PREFIX)/share/bash-completion/completions
UNITDIR := $(PREFIX)/lib/systemd/system
SUBCOMMANDS := attach detach status stats conns run replay agent state

install: $(APP)
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(COMPDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)/etc/colo-xdp
	$(Q)install -m 0755 $(APP) $(DESTDIR)$(SBINDIR)/colo-xdp
	$(Q)install -m 0644 man/colo-xdp.8 $(DESTDIR)$(MAN8DIR)/colo-xdp.8
	$(Q)for c in $(SUBCOMMANDS); do \
		scripts/gen_man.sh $(APP) $$c $(DESTDIR)$(MAN8DIR)/colo-xdp-$$c.8 || exit 1; \
		chmod 0644 $(DESTDIR)$(MAN8DIR)/colo-xdp-$$c.8; done
	$(Q)install -m 0644 dist/colo-xdp.bash $(DESTDIR)$(COMPDIR)/colo-xdp
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' dist/colo-xdp@.service.in >$(DESTDIR)$(UNITDIR)/colo-xdp@.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/colo-xdp@.service
	$(Q)install -m 0644 dist/colo-xdp.conf.example $(DESTDIR)/etc/colo-xdp/colo-xdp.conf.example
