# duplex: a framing and half-close simulator for gRPC-style bidi streaming.
#
#   make demo       build and run the bidirectional echo, with its timeline
#   make test       install what is missing (cmocka, xmllint), run every test
#   make help       every target
#
# Your CFLAGS are added after ours; WERROR= turns warnings back into warnings.
# Every command is printed: the flags are part of the lesson.

CC       ?= cc
BUILD    ?= build
WERROR   ?= -Werror
OPT      ?= -O2 -g
SAN      ?=
IDLE     ?= 60
FUZZ_SECONDS ?= 10

STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes
DUPLEX_CFLAGS := $(STD) $(WARN) $(WERROR) $(OPT) $(SAN) -pthread -MMD -MP
DUPLEX_LDFLAGS := $(SAN) -pthread

# The layers of src/ (see src/README.md), lowest first. Each is one archive;
# a layer uses only the layers before it, and a program links its own
# layer and every one below: a core test links libduplex.a alone. h2 (the
# HTTP/2 wire) needs nghttp2: a program that links it links -lnghttp2.
LAYERS   := core h2 view explore scenarios app
srcs_of   = $(sort $(wildcard src/$(1)/*.c src/$(1)/*/*.c))
objs_of   = $(patsubst src/%.c,$(BUILD)/src/%.o,$(filter-out src/app/duplex.c,$(call srcs_of,$(1))))
LIB_core      := $(BUILD)/libduplex.a
LIB_h2        := $(BUILD)/libduplex-h2.a
LIB_view      := $(BUILD)/libduplex-view.a
LIB_explore   := $(BUILD)/libduplex-explore.a
LIB_scenarios := $(BUILD)/libduplex-scenarios.a
LIB_app       := $(BUILD)/libduplex-app.a
# Link lines, highest layer first (a static archive is searched once).
LINK_core     := $(LIB_core)
LINK_all      := $(LIB_app) $(LIB_scenarios) $(LIB_explore) $(LIB_view) \
                 $(LIB_h2) $(LIB_core)
H2_LDLIBS     := -lnghttp2
LIB_OBJS := $(foreach l,$(LAYERS),$(call objs_of,$(l)))

TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TESTS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
# Tests of the core layer link the core archive and nothing else, which
# proves the core needs nothing above it.
CORE_TESTS := status sched sched_sim pipe frame context stream group trace note wire \
              wire_socket \
              conform_pipe conform_conn conform_interop
DUPLEX   := $(BUILD)/duplex
HANGCHECK := $(BUILD)/hangcheck

.PHONY: all libs demo test check deps nghttp2-headers coverage asan tsan clean format help golden \
        pictures \
        exercises exercise hint step watch reset verify notes recall recall-drill \
        bench fuzz model valgrind stress interop
.DEFAULT_GOAL := all
.SECONDARY:

all: $(DUPLEX) $(TESTS)

help:
	@echo 'duplex targets:'
	@echo '  make demo        run the Day-117 bidirectional echo (duplex run echo)'
	@echo '  make test        install libcmocka-dev, xmllint if missing, run every test'
	@echo '  make check       run the tests without installing anything'
	@echo '  make coverage    tests with --coverage; lcov HTML in build/coverage/'
	@echo '                   fails below 95% lines or 84% branches in src/'
	@echo '  make asan        every test under AddressSanitizer + UBSan'
	@echo '  make tsan        every test under ThreadSanitizer'
	@echo '  make golden      write tests/golden/ and lesson/pictures/ again'
	@echo '  make pictures    draw lesson/pictures/ again (duplex run --svg)'
	@echo '  make exercises   the exercise table (Exercise | Status | Link)'
	@echo '  make exercise EX=frames   build and test one, with hints'
	@echo '  make exercise EX=bidi-echo REPLAY=- TRACE=1   your code in a schedule'
	@echo '  make hint EX=frames       the next hint'
	@echo '  make step EX=bidi-echo    duplex step on your code'
	@echo '  make watch EX=frames      test again on every save'
	@echo '  make reset EX=frames      put the starter back (asks first)'
	@echo '  make coverage EX=frames   your exercise file'"'"'s coverage'
	@echo '  make verify      starters fail, solutions pass (+ASan, TSan),'
	@echo '                   every mutant is caught (EX=frames: one;'
	@echo '                   PLAIN=1: no sanitizer builds)'
	@echo '  make notes       check the notes'"'"' [[links]]; draw them (graphviz)'
	@echo '  make recall      every lesson card names a test, and it passes'
	@echo '  make recall-drill  the active-recall drill (duplex recall)'
	@echo '  make bench       speed and memory, side by side with pipe(2) etc.'
	@echo '  make fuzz        libFuzzer on the decoders and streams (FUZZ_SECONDS=10)'
	@echo '  make model       SPIN checks the half-close and two-sender models'
	@echo '  make valgrind    every scenario under Valgrind memcheck'
	@echo '  make stress      every scenario across many seeds, OS runs under TSan'
	@echo '  make interop     duplex serve and call against Python grpcio and'
	@echo '                   grpc-go, on loopback (installs them if missing)'
	@echo '  make format      clang-format src/ and tests/'
	@echo '  make clean       remove build/'
	@echo 'variables: CC, CFLAGS (yours, added last), WERROR= (no -Werror),'
	@echo '           OPT (default -O2 -g), IDLE (seconds a test may use no CPU'
	@echo '           before it counts as hung; default 60), JOBS (test suites'
	@echo '           run at once; default 2, 1 shows output as it comes)'

# Includes name their folder ("core/pipe.h"): -iquote src, never -Isrc/core,
# so no header of ours can stand in for a system one (<sched.h>).
$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(DUPLEX_CFLAGS) -iquote src $(CFLAGS) -c $< -o $@

# Without nghttp2's headers the h2 layer cannot build: say so, once, with
# the fix, before the compiler's "No such file".
$(call objs_of,h2): | nghttp2-headers
nghttp2-headers:
	@printf '#include <nghttp2/nghttp2.h>\n' | $(CC) $(CFLAGS) -E - >/dev/null 2>&1 || { \
	  echo "duplex: the HTTP/2 wire (src/h2) needs nghttp2's headers:" \
	       "apt-get install libnghttp2-dev, or run make deps" >&2; exit 1; }

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(DUPLEX_CFLAGS) -iquote src $(CFLAGS) -c $< -o $@

$(foreach l,$(LAYERS),$(eval $(LIB_$(l)): $(call objs_of,$(l))))
# One explicit rule for all: a pattern (libduplex%.a) would not match
# libduplex.a, since a pattern's stem may not be empty.
$(foreach l,$(LAYERS),$(LIB_$(l))):
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# Every layer's archive (the exercises link them all).
libs: $(LINK_all)

$(DUPLEX): $(BUILD)/src/app/duplex.o $(LINK_all)
	$(CC) $(DUPLEX_LDFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LINK_all) $(H2_LDLIBS) $(LDLIBS) -o $@

$(BUILD)/tests/test_%: LINK = $(LINK_all) $(H2_LDLIBS)
$(CORE_TESTS:%=$(BUILD)/tests/test_%): LINK = $(LINK_core)
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LINK_all)
	$(CC) $(DUPLEX_LDFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LINK) $(LDLIBS) -lcmocka -o $@

# The hang checker that runs every test: it kills a command that stopped
# using CPU (a deadlock), never one that is merely slow on a busy machine.
# Built without sanitizers: it watches the tests, it is not one.
$(HANGCHECK): tests/hangcheck.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(WERROR) -O2 $(CFLAGS) $< -o $@

# A fresh machine may lack nghttp2's headers (the HTTP/2 wire): demo
# installs them first (tests/deps.sh build), as test does everything.
demo:
	@sh tests/deps.sh build
	@$(MAKE) --no-print-directory $(DUPLEX)
	$(DUPLEX) run echo

deps:
	@sh tests/deps.sh

test: deps
	@$(MAKE) --no-print-directory check

# Each binary runs under hangcheck, so a deadlock fails instead of hanging,
# and a busy machine never fails a test. Every suite's output goes through
# tests/tally.sh, which adds up its counts: the last line is one
# "N passed, M failed" over all of them. tests/suites.sh runs JOBS suites
# at once (default 2; JOBS=1: one by one, output as it comes), the
# longest first, each one's output printed whole when it ends.
JOBS ?= 2
# Suites a sanitizer build leaves out (make tsan: see there).
CHECK_SKIP ?=
# The two longest shell suites go first (the exercises' tools on a
# learner's code; every mutant caught), then the others.
LONG_SUITES := exercise_scenario mutants
SHELL_SUITES := hangcheck layers cli cli_flags limits recall_state step \
                golden svg pcap raw_socket pictures notes lessons lessons-readme \
                lesson_index tally_check watch

check: $(DUPLEX) $(TESTS) $(HANGCHECK)
	@export HANGCHECK=$(HANGCHECK) DUPLEX=$(DUPLEX) BUILD=$(BUILD) SAN='$(SAN)'; \
	tally=$(BUILD)/check.tally; : >"$$tally"; list=$(BUILD)/check.suites; \
	skip=" $(CHECK_SKIP) "; \
	{ for s in $(LONG_SUITES); do case $$skip in *" $$s "*) continue ;; esac; \
	    echo "sh tests/$$s.sh sh tests/$$s.sh"; done; \
	  for t in $(TESTS); do \
	    echo "cmocka $$t $(HANGCHECK) --idle $(IDLE) $$t"; \
	  done; \
	  for s in $(SHELL_SUITES); do case $$skip in *" $$s "*) continue ;; esac; \
	    case $$s in \
	    notes) echo "sh tests/notes.sh sh tests/notes.sh check" ;; \
	    lessons-readme) echo "sh tests/lessons.sh:README.md sh tests/lessons.sh README.md" ;; \
	    *) echo "sh tests/$$s.sh sh tests/$$s.sh" ;; \
	  esac; done; } >"$$list"; \
	failed=0; JOBS=$(JOBS) sh tests/suites.sh "$$tally" "$$list" || failed=1; \
	[ -z "$(strip $(CHECK_SKIP))" ] || \
	  echo "== not run in this build (CHECK_SKIP): $(strip $(CHECK_SKIP))"; \
	sh tests/tally.sh total "$$tally" || failed=1; \
	exit $$failed

# duplex against real gRPC, both directions, on 127.0.0.1 only: Debian's
# python3-grpcio (under /usr/bin/python3: a user's own python3 may not
# have it), then grpc-go (Debian's golang-google-grpc-dev, built without
# modules by tests/interop/go/build.sh). Every wait has a timeout.
interop: $(DUPLEX)
	@/usr/bin/python3 -c 'import grpc' 2>/dev/null || { \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq python3-grpcio >/dev/null; }
	timeout 300 /usr/bin/python3 tests/interop/interop.py $(DUPLEX)
	sh tests/interop/go/build.sh $(BUILD)/interop/grpcpeer
	timeout 300 /usr/bin/python3 tests/interop/grpcgo.py $(DUPLEX) \
	  $(BUILD)/interop/grpcpeer

# Every active-recall card in lesson/ is proven by a passing test.
recall: $(DUPLEX) $(TESTS) $(HANGCHECK)
	DUPLEX=$(DUPLEX) BUILD=$(BUILD) HANGCHECK=$(HANGCHECK) IDLE=$(IDLE) \
	  sh tests/recall.sh

recall-drill: $(DUPLEX)
	$(DUPLEX) recall

# The notes' link check, and a picture of the links (with graphviz).
notes:
	sh tests/notes.sh check
	sh tests/notes.sh graph

# Writes tests/golden/ again from `duplex run` (read the diff, then commit),
# and the lessons' pictures.
golden: $(DUPLEX)
	DUPLEX=$(DUPLEX) sh tests/golden.sh update
	DUPLEX=$(DUPLEX) sh tests/pictures.sh update

# Draws lesson/pictures/ again from `duplex run --svg` (look, then commit).
pictures: $(DUPLEX)
	DUPLEX=$(DUPLEX) sh tests/pictures.sh update

# With EX=NAME: the coverage of your exercise file, no gate.
coverage: deps
	@if [ -n "$(EX)" ]; then bash exercises/run.sh coverage "$(EX)"; \
	 else sh tests/coverage.sh; fi

exercises: deps
	@bash exercises/run.sh list

# REPLAY=SCHEDULE: no test, your code's run in SCHEDULE (ARGS: duplex
# run's options, TRACE=1 numbers the decisions, SVG=FILE draws it).
exercise: deps
	@REPLAY='$(REPLAY)' ARGS='$(ARGS)' TRACE='$(TRACE)' SVG='$(SVG)' bash exercises/run.sh run "$(EX)"

# The next hint of EX, on demand.
hint:
	@bash exercises/run.sh hint "$(EX)"

# You are the scheduler of your own code (STEP_ARGS: duplex step's options).
step: deps
	@STEP_ARGS='$(STEP_ARGS)' bash exercises/run.sh step "$(EX)"

watch: deps
	@bash exercises/run.sh watch "$(EX)"

reset:
	@bash exercises/run.sh reset "$(EX)"

# Every starter fails, every solution passes (plain, ASan+UBSan, TSan), and
# every mutant (exercises/mutants/) is caught by its exercise's test.
# EX=NAME verifies one exercise; PLAIN=1 leaves the ASan+UBSan and TSan
# builds out (make check's tests/mutants.sh).
verify: deps
	@PLAIN='$(PLAIN)' bash exercises/run.sh verify "$(EX)"

# Every test under ASan+UBSan but tests/mutants.sh: it tests the runner's
# verdicts, which a sanitizer does not change, and under ASan took 7
# minutes of wall time (2 of CPU) on a shared 2-core machine; make verify
# builds the solutions with ASan+UBSan.
asan: deps
	@$(MAKE) --no-print-directory check BUILD=build/asan OPT='-O1 -g' \
	  SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	  CHECK_SKIP='mutants'

# Every test under ThreadSanitizer but three suites of single-threaded
# command-line work (every flag's bad values and the exercise tools'
# output, which make asan runs; every mutant caught, which make check
# runs) that took most of this gate's time; the exercises' own code runs
# under TSan in make verify.
tsan: deps
	@$(MAKE) --no-print-directory check BUILD=build/tsan OPT='-O1 -g' \
	  SAN='-fsanitize=thread' CHECK_SKIP='exercise_scenario mutants cli_flags'

# Benchmarks: a table, and one machine-readable bench=... line per figure.
# One program from every bench/*.c (bench/bench.h says which does what).
BENCH_OBJS := $(patsubst bench/%.c,$(BUILD)/bench/%.o,$(sort $(wildcard bench/*.c)))

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(DUPLEX_CFLAGS) -iquote src $(CFLAGS) -c $< -o $@

$(BUILD)/bench/bench: $(BENCH_OBJS) $(LINK_all)
	$(CC) $(DUPLEX_LDFLAGS) $(CFLAGS) $(LDFLAGS) $(BENCH_OBJS) $(LINK_all) $(H2_LDLIBS) $(LDLIBS) -o $@

bench: $(DUPLEX) $(BUILD)/bench/bench
	@BUILD=$(BUILD) DUPLEX=$(DUPLEX) sh bench/run.sh

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

model:
	@sh tests/model/run.sh

valgrind: $(DUPLEX) $(HANGCHECK)
	@DUPLEX=$(DUPLEX) HANGCHECK=$(HANGCHECK) sh tests/valgrind.sh

stress: $(HANGCHECK)
	@HANGCHECK=$(HANGCHECK) sh tests/stress.sh

format:
	clang-format -i src/*/*.[ch] src/*/*/*.[ch] tests/*.c

clean:
	rm -rf $(BUILD) build

-include $(LIB_OBJS:.o=.d) $(BUILD)/src/app/duplex.d $(TESTS:=.d) \
         $(wildcard $(BUILD)/bench/*.d)
