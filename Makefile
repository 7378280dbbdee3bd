# udtraek: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
SWIFT ?= swift
# System packages the build, the tests and the demo need (Debian names).
DEB_PACKAGES := libssh2-1-dev libsqlite3-dev sqlite3 zlib1g-dev openssh-server openssh-client pkg-config gzip curl openssl python3-paramiko python3-venv chromium chromium-driver
BIN := .build/debug/udtraek
RELEASE_BIN := .build/release/udtraek

.PHONY: all deps build release demo test chaos fuzz fuzz-build clean bench-sftp bench-routing bench-extract bench-monitor bench-gateway bench-subscription gateway-certs api-fuzz console console-browser

all: build

## Install the Debian packages that are missing (needs root; does nothing when all are there).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "Run as root (or install these with sudo apt-get install$$missing)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Start a private sshd on 127.0.0.1:22022, apply Config/, deliver a sample file, stop.
demo: build gateway-certs
	$(BIN) demo --config Config --state Spool

## The operator console on the demo's data: the demo's sshd kept running, a platform user "Console" (operator) with a
## one-day token printed, then serve in the foreground (http://127.0.0.1:8480/console); Ctrl-C stops serve and the sshd.
console: build gateway-certs
	BIN=$(BIN) bash Config/console.sh

## The console in headless Chromium over WebDriver (Tests/console-browser.py): sign-in, a late file and its alarm, a change
## order, a run, scope, CSRF, accessibility, against a private serve seeded by the demo. CONSOLE_BROWSER_ONLY=a,b,f runs those flows.
console-browser: deps
	$(SWIFT) build --product udtraek
	/usr/bin/python3 Tests/console-browser.py --bin $(BIN) $(if $(CONSOLE_BROWSER_ONLY),--only $(CONSOLE_BROWSER_ONLY))

## A throwaway loopback PKI for the lookup gateway in Config/gateway/ (not committed).
gateway-certs: deps
	bash Config/make-gateway-certs.sh Config/gateway

## Build and run every test (Swift Testing; the SFTP tests start their own sshd), then the console in a real browser.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	/usr/bin/python3 Tests/console-browser.py --bin .build/debug/udtraek

## kill -9 of the real `udtraek` at every named crash point (real sshd, real SQLite), resume the
## work, check nothing is lost, duplicated or partial; prints point x outcome (README "Crash-point harness").
## CHAOS=routing,refusal runs the points of those scenarios only.
chaos: deps
	$(SWIFT) build --build-tests
	@rm -f .build/chaos-table.txt
	@UDTRAEK_CHAOS=$(or $(CHAOS),all) UDTRAEK_CHAOS_TABLE=$(CURDIR)/.build/chaos-table.txt $(SWIFT) test --skip-build --filter 'CrashPointTests/everyCrashPoint' 2>&1 \
	  | tee .build/chaos.log | grep --line-buffered '^chaos: '; status=$${PIPESTATUS[0]}; echo; \
	  if [ -f .build/chaos-table.txt ]; then cat .build/chaos-table.txt; else tail -40 .build/chaos.log; status=1; fi; \
	  exit $$status

## schemathesis (PyPI, in .build/api-fuzz-venv) against a private `udtraek serve` on loopback: every admin API operation of
## Sources/AdminAPI/OpenAPIDocument.swift as an operator, a supplier and a signatory, API_FUZZ_EXAMPLES cases each (50),
## at most API_FUZZ_SECONDS (600) in all; fails on a 5xx or an answer the document does not describe.
api-fuzz: deps
	SWIFT=$(SWIFT) bash Tests/api-fuzz.sh

## Upload the same 1 GiB file with `udtraek deliver` and OpenSSH's sftp, alternating.
## (GNU time measures our peak memory: installed here when missing, needs root.)
bench-sftp: release
	@command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }
	bash Benchmarks/bench-sftp.sh

## Route a 1 GiB file from a sender system's OUT/ to three recipients with `udtraek serve --once`, against sftp get + 3 puts.
## (GNU time measures our peak memory: installed here when missing, needs root.)
bench-routing: release
	@command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }
	bash Benchmarks/bench-routing.sh

## A 1-million-person CPR status extract (national and København) at gzip levels 1 and 6, against `gzip`.
bench-extract: release
	bash Benchmarks/bench-extract.sh

## One pickup-monitoring pass over 1,000 inboxes x 10 files on a loopback sshd (time, sessions opened).
bench-monitor: release
	bash Benchmarks/bench-monitor.sh
## Person lookups through the gateway with mTLS vs a bare Hummingbird endpoint, 30 s each; large-response MB/s.
bench-gateway: release
	bash Benchmarks/bench-gateway.sh

## One business day's CPR subscription files: 100 systems x 10,000 PNRs + 10 municipality followers over 6 million
## persons, against one municipality change extract of the same day (time, peak memory, ratio).
bench-subscription: release
	@command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }
	bash Benchmarks/bench-subscription.sh

## The libFuzzer harness, in its own build path (every module compiled with coverage and ASan).
FUZZ_BUILD := .build-fuzz
fuzz-build: deps
	$(SWIFT) build --build-path $(FUZZ_BUILD) --product UdtraekFuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DUDTRAEK_LIBFUZZER

## Fuzz each target for FUZZ_SECONDS, one after another; figures per target and a summary.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= config cron invocation-context durations metadata trigger soap-envelope
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run-fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build $(FUZZ_BUILD)
