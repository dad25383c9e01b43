# authmux: `make run` starts the daemon on a hashed passwd-file under ./var; `make test` runs
# every test (then a short run of each fuzz target); `make fuzz` fuzzes for longer (Fuzz/);
# `make bench` compares authmux with Cyrus saslauthd (sasldb, PAM, passwd-file/shadow, LDAP) and Dovecot's
# auth service, and with the authmuxd of a git revision too when given BASELINE=REV; `make soak` holds both under hostile load for a
# minute. `make deb` builds authmux_<version>_<arch>.deb in var/deb from a release build (see
# packaging/); `make man` writes authmuxd(8) and authtest(1) into packaging/man. Each installs
# what it needs.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
VAR := $(CURDIR)/var
HOST := $(shell hostname -f 2>/dev/null || hostname)
SWIFT_BUILD_FLAGS ?=
# How long `make fuzz` runs each libFuzzer target, and `make test` its smoke run of each.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

.PHONY: all build run test fuzz bench bench-pam bench-ldap bench-passwd-file bench-dovecot bench-instructions bench-sasldb-scale bench-sql soak deps-run deps-test deps-bench deps-deb clean deb man static-bins charts

all: build

build:
	swift build $(SWIFT_BUILD_FLAGS)

deps-run:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

deps-bench:
	@scripts/install-deps.sh bench

deps-deb:
	@scripts/install-deps.sh deb

# A Debian system has no Swift runtime to share, so the packaged binaries carry theirs
# (--static-swift-stdlib). Objects compiled for the shared runtime name only the libraries they
# import, not what static Foundation needs in turn (CoreFoundation, ICU…), so the link is given
# the whole runtime as one group; the compiled code is the same either way.
STATIC_LINK := --static-swift-stdlib -Xlinker --start-group $(foreach lib,Foundation FoundationInternationalization FoundationEssentials CoreFoundation _FoundationICU _FoundationCShims _FoundationCollections swiftDispatch dispatch BlocksRuntime swiftSynchronization swift_StringProcessing swift_RegexParser swift_Concurrency swiftCore swiftGlibc,-Xlinker -l$(lib)) -Xlinker --end-group
DEB_DIR := $(VAR)/deb

# authmuxd(8) and authtest(1) from swift-argument-parser's generate-manual plugin (it builds
# the products first and runs each with --experimental-dump-help), dated by the last commit.
# The plugin gives every tool one section; authmuxd's pages belong in 8.
man:
	swift package plugin generate-manual --configuration debug --date $$(git log -1 --format=%cs)
	@mkdir -p packaging/man
	{ sed -e 's/^\.Dt AUTHMUXD 1$$/.Dt AUTHMUXD 8/' .build/plugins/GenerateManual/outputs/AuthDaemon/authmuxd.1; \
	  printf '\n.Sh FILES\n.Bl -tag -width 6n\n.It Pa /etc/authmux/authmux.yaml\nthe configuration, see\n.Xr authmux.yaml 5\n.It Pa /run/saslauthd/mux\nsaslauthd'"'"'s socket, served by default\n.El\n.Sh "SEE ALSO"\n.Xr authtest 1 ,\n.Xr authmux.yaml 5 ,\n.Xr saslauthd 8 ,\n.Xr testsaslauthd 8\n'; } > packaging/man/authmuxd.8
	{ cat .build/plugins/GenerateManual/outputs/authtest/authtest.1; \
	  printf '\n.Sh "SEE ALSO"\n.Xr authmuxd 8 ,\n.Xr testsaslauthd 8\n'; } > packaging/man/authtest.1

# The release package: optimized binaries, xz-compressed, then lintian, which must find no error.
deb: deps-deb man
	swift build -c release --product authmuxd $(STATIC_LINK)
	swift build -c release --product authtest $(STATIC_LINK)
	rm -f $(DEB_DIR)/authmux_*.deb
	packaging/build-deb.sh $$(swift build -c release --show-bin-path) $(DEB_DIR)
	lintian --fail-on error --tag-display-limit 0 $(DEB_DIR)/authmux_*.deb

# For the package tests: the debug binaries linked with their runtime into var/deb-bin, then
# linked back as the other tests expect them. --static-swift-stdlib makes SwiftPM recompile a
# few modules (Hummingbird's, here) whose objects then name the static runtime's libraries
# (autolink entries), and it does not always recompile them when the flags change back: the next
# ordinary link then looked for libraries only the static runtime has. So every object this
# step compiled is removed at its end, and the next build compiles those modules again.
static-bins:
	@mkdir -p $(VAR)/deb-bin .build
	@touch .build/static-bins.stamp
	swift build --product authmuxd $(STATIC_LINK)
	swift build --product authtest $(STATIC_LINK)
	cp $$(swift build --show-bin-path)/authmuxd $$(swift build --show-bin-path)/authtest $(VAR)/deb-bin/
	find $$(swift build --show-bin-path)/ -name '*.o' -newer .build/static-bins.stamp -delete

run: deps-run build
	@mkdir -p $(VAR)/run
	@if [ $$(printf %s "$(VAR)/run/mux" | wc -c) -gt 107 ]; then echo "$(VAR)/run/mux is too long for a Unix socket path; run from a shorter directory" >&2; exit 2; fi
	@sed -e 's|@VAR@|$(VAR)|g' -e 's|@HOST@|$(HOST)|g' examples/make-run.yaml.in > $(VAR)/authmux.yaml
	@[ -e $(VAR)/passwd ] || install -m 0600 /dev/null $(VAR)/passwd
	@bin=$$(swift build --show-bin-path); \
	echo "authmuxd: config $(VAR)/authmux.yaml, socket $(VAR)/run/mux, users in $(VAR)/passwd"; \
	echo "  add a user (in another terminal):  $$bin/authmuxd user add --file $(VAR)/passwd alice@example.com"; \
	echo "  check it:                          $$bin/authtest -f $(VAR)/run/mux alice@example.com"; \
	echo "  what the realm rules make of it:   $$bin/authmuxd explain --config $(VAR)/authmux.yaml alice@$(HOST)"; \
	echo "  stop with Ctrl-C"; \
	exec $$bin/authmuxd --config $(VAR)/authmux.yaml --foreground

test: deps-test
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	$(MAKE) man static-bins
	@# Links the executables back against the shared runtime (see static-bins).
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	AUTHMUX_BIN_DIR=$$(swift build --show-bin-path) AUTHMUX_DEB_BIN_DIR=$(VAR)/deb-bin swift test --skip-build --disable-xctest
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) Fuzz/run.sh

# The fuzz targets link Backends, so they need the same libraries as the tests.
fuzz: deps-test
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# Every script runs even if an earlier one reports a problem; the target fails if any did.
bench: deps-bench
	@rc=0; bench/run.sh || rc=$$?; bench/pam.sh || rc=$$?; bench/passwd-file.sh || rc=$$?; bench/ldap.sh || rc=$$?; bench/dovecot.sh || rc=$$?; bench/sasldb-scale.sh || rc=$$?; bench/sql.sh || rc=$$?; bench/instructions.sh || rc=$$?; bench/charts.py BENCHMARKS.md || rc=$$?; exit $$rc

# BENCHMARKS.md's charts (bench/charts/*.svg) from its tables, after a section was rewritten.
charts: deps-bench
	bench/charts.py BENCHMARKS.md

bench-pam: deps-bench
	bench/pam.sh
	bench/charts.py BENCHMARKS.md

bench-ldap: deps-bench
	bench/ldap.sh
	bench/charts.py BENCHMARKS.md

bench-dovecot: deps-bench
	bench/dovecot.sh
	bench/charts.py BENCHMARKS.md

bench-instructions: deps-bench
	bench/instructions.sh

bench-passwd-file: deps-bench
	bench/passwd-file.sh
	bench/charts.py BENCHMARKS.md

bench-sasldb-scale: deps-bench
	bench/sasldb-scale.sh
	bench/charts.py BENCHMARKS.md

bench-sql: deps-bench
	bench/sql.sh
	bench/charts.py BENCHMARKS.md

# Not part of test or bench: SOAK_SECONDS (60) of idle connections, a password spray and one real
# user against authmuxd, then saslauthd; writes the soak section of BENCHMARKS.md.
soak: deps-bench
	bench/soak.sh
	bench/charts.py BENCHMARKS.md

clean:
	rm -rf .build .build-fuzz var
