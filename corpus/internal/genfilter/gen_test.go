package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gokafel/gokafel/corpus"
	"github.com/gokafel/gokafel/kafel"
)

// TestGeneratedFileUpToDate compiles the default policy again and
// compares the result with the committed zdefault_filter.go, so that the
// shipped filters cannot go stale.
func TestGeneratedFileUpToDate(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "..", "default.kafel"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(text)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "zdefault_filter.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Errorf("corpus/zdefault_filter.go is stale: run `go generate ./corpus` and commit it")
	}
}

// TestDefaultFilterIsCompiledPolicy checks what the runner gets: on this
// host, DefaultFilter is exactly what kafel.Compile makes of the embedded
// policy.
func TestDefaultFilterIsCompiledPolicy(t *testing.T) {
	want, err := kafel.Compile(corpus.DefaultName, corpus.Default(), kafel.Options{})
	if err != nil {
		t.Skipf("the default policy does not compile for %s: %v", runtime.GOARCH, err)
	}
	got, ok := corpus.DefaultFilter(runtime.GOARCH)
	if !ok {
		t.Fatalf("DefaultFilter(%q) is not shipped though the policy compiles", runtime.GOARCH)
	}
	if len(got) != len(want.Insns) {
		t.Fatalf("DefaultFilter has %d instructions, kafel.Compile %d", len(got), len(want.Insns))
	}
	for i := range got {
		if got[i] != want.Insns[i] {
			t.Fatalf("instruction %d: shipped %+v, compiled %+v", i, got[i], want.Insns[i])
		}
	}
	if _, ok := corpus.DefaultFilter("no-such-arch"); ok {
		t.Error(`DefaultFilter("no-such-arch") reports a filter`)
	}
}
