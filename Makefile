GO ?= go
# Tests that cross-check against libseccomp need cgo and the libseccomp tag.
TEST_TAGS ?= libseccomp
FUZZTIME ?= 20s

.PHONY: all build test bench fuzz generate check-generate deps vet static

all: build

build:
	CGO_ENABLED=0 $(GO) build -o bin/ ./cmd/...

deps:
	./scripts/install-deps.sh

vet:
	$(GO) vet ./...
	$(GO) vet -tags $(TEST_TAGS) ./...

# The README's test command: everything, against the real kernel.
# The runner again under the race detector: its goroutines copy the jail's
# output while the vfork path shares memory with a child.
test: deps vet static
	$(GO) test -tags $(TEST_TAGS) -count=1 -timeout 12m ./...
	$(GO) test -race -count=1 -timeout 5m ./sandbox/... ./cmd/kafel
	# Again with the re-executed init running every jail's program, the
	# executor of the architectures without the assembly one.
	$(GO) test -count=1 -timeout 5m ./sandbox/ -args -sandbox.reexec

# The shipped binaries are static: no cgo. They also build for the other
# architectures (the sandbox has arch-specific code and syscall numbers).
static:
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/...
	for a in arm64 386 riscv64; do CGO_ENABLED=0 GOARCH=$$a $(GO) build -o /dev/null ./cmd/... || exit 1; done

bench: deps
	$(GO) test -tags $(TEST_TAGS) -run '^$$' -bench . -benchmem -timeout 30m ./...

fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$t for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

generate:
	$(GO) generate ./...

# Regenerating must be a no-op when the generators' inputs are present.
# The syscall tables are checked by syscalls/internal/gen's
# TestGeneratedFilesUpToDate (part of make test) against the pinned
# kernel source package; here the protobuf code is regenerated.
check-generate:
	$(GO) generate ./sandbox/...
	git diff --exit-code -- sandbox
