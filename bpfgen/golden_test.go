package bpfgen_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden listings under testdata/golden")

// TestGoldenASM compiles each policy under testdata/golden for the arches
// its first line names ("// arch: x86_64,x86") and compares the asm
// listing with the .asm file next to it. Each filter must also give the
// policy's verdict on every input of the path statistics. With -update the
// listings are rewritten.
func TestGoldenASM(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.policy")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden policies: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(src), "\n")
			list, ok := strings.CutPrefix(first, "// arch: ")
			if !ok {
				t.Fatalf("first line %q does not name the arches", first)
			}
			var arches []*syscalls.Arch
			var names []string
			for _, n := range strings.Split(list, ",") {
				a, ok := syscalls.LookupArch(strings.TrimSpace(n))
				if !ok {
					t.Fatalf("unknown arch %q", n)
				}
				arches = append(arches, a)
				names = append(names, a.Name)
			}
			pol, err := kafel.Load(filepath.Base(file), src, kafel.Options{Arches: arches})
			if err != nil {
				t.Fatal(err)
			}
			rs := pol.RuleSet()
			p, err := bpfgen.Compile(rs, bpfgen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := bpfgen.MeasurePaths(p.Insns, rs)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := bpfgen.Encode(&got, p, bpfgen.FormatASM, bpfgen.EncodeOptions{Source: filepath.Base(file), Arches: names}); err != nil {
				t.Fatal(err)
			}
			if ps.Mismatches != 0 {
				t.Errorf("the filter disagrees with the policy on %d of %d inputs\n%s", ps.Mismatches, ps.Inputs, got.String())
			}
			golden := strings.TrimSuffix(file, ".policy") + ".asm"
			if *updateGolden {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenASM -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("listing of %s differs from %s (-want +got); if the change is intended, run go test -run TestGoldenASM -update:\n%s", file, golden, diff)
			}
		})
	}
}
