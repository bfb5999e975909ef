# Developer and CI tasks. `make help` lists them.

GO          ?= go
# staticcheck runs through `go run pkg@version`: fetched through the module proxy and
# cached, never added to go.mod.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# gofmt ships with Go, beside the go command, which is not always on PATH.
GOFMT       ?= $(shell $(GO) env GOROOT)/bin/gofmt
FUZZTIME    ?= 10s
DEMO_PORT   ?= 18080
# DEMO_WAIT_TASK is the hash of a task the mock completes over a few seconds, for
# `lobstr task wait`; the demo skips the wait when it is empty.
DEMO_WAIT_TASK ?= de000000000000000000000000000001

.PHONY: help generate check lint test test-loaded bench bench-all fuzz demo release-check docs-assets

help:
	@echo 'make generate  regenerate gen/ from openapi/openapi.yaml (go generate ./...)'
	@echo 'make check     regenerate and fail on drift in gen/, gofmt, go vet, staticcheck'
	@echo 'make lint      lint openapi/openapi.yaml with Redocly and Spectral (through npx; fails on warnings)'
	@echo 'make test      go test -race ./...'
	@echo 'make test-loaded  go test -race -count=LOAD_COUNT ($(LOAD_COUNT)) LOAD_PKGS under stress-ng CPU load (issue 23)'
	@echo 'make bench     Tasks.Get and lobstr mock against their floors, BENCH_COUNT ($(BENCH_COUNT)) rounds, with benchstat and the ratios'
	@echo 'make bench-all every benchmark, with allocations'
	@echo 'make fuzz      every fuzz target for FUZZTIME (default $(FUZZTIME)) each'
	@echo 'make docs-assets  re-fetch Swagger UI (swagger-ui-dist, pinned) for /docs with npm, checking its SHA-256'
	@echo 'make demo      build bin/lobstr and run it against `lobstr mock` on DEMO_PORT ($(DEMO_PORT))'
	@echo 'make release-check  the next version semver asks for; fails on a breaking change CHANGELOG.md does not record'

generate:
	$(GO) generate ./...

check: generate
	@echo '== gen/ and crawlers/ drift'
	@git diff --exit-code --stat -- gen crawlers || { \
		echo 'gen/ or crawlers/ is stale: run `make generate` and commit the result'; git diff -- gen crawlers | head -n 100; exit 1; }
	@untracked="$$(git ls-files --others --exclude-standard -- gen crawlers)"; \
	if [ -n "$$untracked" ]; then \
		echo 'generated files not in git (run `make generate` and commit them):'; echo "$$untracked"; exit 1; fi
	@echo '== gofmt -l'
	@unformatted="$$($(GOFMT) -l .)"; \
	if [ -n "$$unformatted" ]; then echo 'not gofmt-ed:'; echo "$$unformatted"; exit 1; fi
	@echo '== go vet'
	$(GO) vet ./...
	@echo '== staticcheck'
	$(STATICCHECK) ./...

# The OpenAPI document's lint: Redocly CLI (recommended rules) and Spectral (spectral:oas,
# openapi/.spectral.yaml) through npx, both pinned in openapi/lint.sh; an error or a
# warning of either fails it.
lint:
	sh openapi/lint.sh

test:
	$(GO) test -race ./...

# The suite on a machine loaded on purpose (issue 23): stress-ng keeps LOAD_WORKERS CPU
# workers busy LOAD_PERCENT of the time while `go test -race -count=LOAD_COUNT` runs
# LOAD_PKGS. A test that depends on timing fails here first.
LOAD_COUNT   ?= 5
LOAD_WORKERS ?= 2
LOAD_PERCENT ?= 50
LOAD_PKGS    ?= ./...

test-loaded:
	@command -v stress-ng >/dev/null || { echo 'test-loaded needs stress-ng (Debian: apt-get install stress-ng)'; exit 1; }
	@stress-ng --cpu $(LOAD_WORKERS) --cpu-load $(LOAD_PERCENT) --quiet & load=$$!; \
	$(GO) test -race -count=$(LOAD_COUNT) $(LOAD_PKGS); status=$$?; \
	kill $$load; wait $$load 2>/dev/null; exit $$status

# The two costs issue 22 watches, each against its floor measured in the same run, rounds
# interleaved (one round of each benchmark after the other, BENCH_COUNT rounds) so that a
# machine whose load changes weighs on both sides alike; benchstat (pinned) prints them,
# then the ratios of the means. bench-all: every benchmark of every package.
BENCHSTAT   ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 10

bench:
	@mkdir -p bin
	$(GO) test -c -o bin/api.bench.test ./api
	$(GO) test -c -o bin/lobstr.bench.test ./internal/cli
	@: > bin/bench-client.txt; : > bin/bench-mock.txt; \
	for i in $$(seq $(BENCH_COUNT)); do \
		echo "== round $$i of $(BENCH_COUNT)" >&2; \
		(cd api && ../bin/api.bench.test -test.run='^$$' -test.bench='^BenchmarkGetTask(HandWritten)?$$' -test.benchmem) >> bin/bench-client.txt || exit 1; \
		(cd internal/cli && ../../bin/lobstr.bench.test -test.run='^$$' -test.bench='^BenchmarkMockGetTask$$' -test.benchmem) >> bin/bench-mock.txt || exit 1; \
	done
	@echo '== Tasks.Get through the client against the floor (net/http + encoding/json by hand); target: at most 1.10x the time, 10 allocations more'
	@$(BENCHSTAT) -col '.name@(GetTaskHandWritten GetTask)' bin/bench-client.txt
	@echo '== lobstr mock (Tasks.Get, concurrent) against a raw net/http server answering the same body; target: validated at least 0.60x the requests per second'
	@$(BENCHSTAT) -col '/server@(floor mock-validated mock)' bin/bench-mock.txt
	@awk '$$1 ~ /^BenchmarkGetTask-/ { c += $$3; nc++ } $$1 ~ /^BenchmarkGetTaskHandWritten-/ { f += $$3; nf++ } \
		END { if (nc && nf) printf "ratio: client %.3fx the floor'"'"'s time per call (means of %d and %d rounds)\n", (c/nc)/(f/nf), nc, nf }' bin/bench-client.txt
	@awk '{ for (i = 2; i < NF; i++) if ($$(i+1) == "req/s") { r[$$1] += $$i; n[$$1]++ } } \
		END { for (k in r) { s = k; sub(/-[0-9]+$$/, "", s); m[s] = r[k] / n[k]; c[s] = n[k] } \
			fl = m["BenchmarkMockGetTask/server=floor"]; if (!fl) exit 1; \
			printf "ratio: validated mock %.3fx the floor'"'"'s req/s, unvalidated %.3fx (means of %d rounds)\n", \
				m["BenchmarkMockGetTask/server=mock-validated"] / fl, m["BenchmarkMockGetTask/server=mock"] / fl, c["BenchmarkMockGetTask/server=floor"] }' bin/bench-mock.txt

bench-all:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Every Fuzz target of every package, one after the other (go test fuzzes one target of
# one package at a time). The corpus grows in the build cache, not in testdata/.
fuzz:
	@set -e; \
	for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		done; \
	done

# The breaking-change gate: the document (oasdiff) and the Go API (apidiff), both pinned as
# go.mod tool lines, against the last v* tag (else the first commit); prints the next
# version and fails on a breaking change not recorded in CHANGELOG.md's Unreleased section
# (the rule: CHANGELOG.md's header). RELEASE_CHECK_FLAGS=-v lists every change.
release-check:
	$(GO) run ./internal/releasecheck $(RELEASE_CHECK_FLAGS)

# The files of Swagger UI that `lobstr mock` serves at /docs, from the npm package
# swagger-ui-dist at the version pinned in the script, whose SHA-256 it checks. They are
# committed (internal/refdocs/assets): `go build` never needs npm.
docs-assets:
	sh internal/refdocs/fetch-assets.sh

# The command-line tool against its own mock: build, serve the documented examples on a
# loopback port, show a task, list a squid, wait for a task, go from a crawler and three
# URLs to a CSV of leads (lobstr go), print the same run's rows as JSON, and stop the mock however
# the demo ends. It refuses to run against whatever already listens on DEMO_PORT (the
# mock cannot listen there and says so), and fails when the mock does not start.
demo:
	$(GO) build -o bin/lobstr ./cmd/lobstr
	@set -u; \
	LOBSTR_TOKEN=lobstr-demo-token-0000; export LOBSTR_TOKEN; \
	lobstr() { echo "+ lobstr $$*" >&2; ./bin/lobstr --base-url "http://127.0.0.1:$(DEMO_PORT)/v1" "$$@"; }; \
	log=bin/mock.log; : > $$log; \
	./bin/lobstr mock --quiet --addr "127.0.0.1:$(DEMO_PORT)" 2>$$log & mock=$$!; \
	trap 'kill $$mock 2>/dev/null; wait $$mock 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	tries=0; \
	until grep -q '^lobstr mock listening on ' $$log; do \
		if ! kill -0 $$mock 2>/dev/null; then \
			echo 'demo: lobstr mock could not start:' >&2; cat $$log >&2; exit 1; fi; \
		tries=$$((tries + 1)); \
		if [ $$tries -ge 100 ]; then echo 'demo: lobstr mock did not start on 127.0.0.1:$(DEMO_PORT)' >&2; cat $$log >&2; exit 1; fi; \
		sleep 0.1; \
	done; \
	lobstr task show c5e29d2aba8b77cdc56391e7405302de || exit 1; \
	lobstr task ls a1b2c3d4e5f6g7h8i9j0 || exit 1; \
	if [ -n "$(DEMO_WAIT_TASK)" ]; then \
		lobstr task wait "$(DEMO_WAIT_TASK)" || exit 1; \
	else \
		echo 'demo: DEMO_WAIT_TASK is empty; skipping `lobstr task wait`' >&2; \
	fi; \
	lobstr go google-maps-leads-scraper \
		'https://www.google.com/maps/search/pizza/@40.7128,-74.0060,14z' \
		'https://www.google.com/maps/search/cafe/@48.8566,2.3522,14z' \
		'https://www.google.com/maps/search/bakery/@43.2965,5.3698,14z' \
		--name pizza-cafe-bakery -o bin/leads.csv --json >bin/go.json || exit 1; \
	echo "== bin/leads.csv: $$(($$(wc -l < bin/leads.csv) - 1)) rows; the first 3, cut at 160 columns (87 columns a row):" >&2; head -n 4 bin/leads.csv | cut -c1-160; \
	run=$$(tr ',' '\n' < bin/go.json | sed -n 's/^[[:space:]{]*"id": *"\([0-9a-f]\{32\}\)".*/\1/p' | head -n 1); \
	lobstr results get --run "$$run" -o bin/leads.json || exit 1; \
	echo "== bin/leads.json: the same run's rows as JSON; the first 3, cut at 160 columns:" >&2; head -n 4 bin/leads.json | cut -c1-160
