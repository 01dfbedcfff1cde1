package bpfgen_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/golden"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/bpf"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

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
			checkWithBPFAsm(t, got.String(), p.Insns)
			if ps.Mismatches != 0 {
				t.Errorf("the filter disagrees with the policy on %d of %d inputs\n%s", ps.Mismatches, ps.Inputs, got.String())
			}
			golden.Check(t, strings.TrimSuffix(file, ".policy")+".asm", got.Bytes())
		})
	}
}

// checkWithBPFAsm assembles the listing with the kernel's bpf_asm
// (tools/bpf in the kernel source; found through $BPF_ASM or $PATH) and
// compares the result with the program. Without bpf_asm it says so in the
// test log and checks nothing.
func checkWithBPFAsm(t *testing.T, listing string, insns []bpf.RawInstruction) {
	t.Helper()
	tool := os.Getenv("BPF_ASM")
	if tool == "" {
		var err error
		if tool, err = exec.LookPath("bpf_asm"); err != nil {
			t.Log("bpf_asm not found (set BPF_ASM or build tools/bpf of the kernel source): listing not assembled")
			return
		}
	}
	path := filepath.Join(t.TempDir(), "listing.asm")
	if err := os.WriteFile(path, []byte(listing), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path).CombinedOutput()
	if err != nil {
		t.Fatalf("bpf_asm refused the listing: %v\n%s", err, out)
	}
	// bpf_asm prints "N,code jt jf k,code jt jf k,...".
	fields := strings.Split(strings.TrimSpace(string(out)), ",")
	var got []string
	for _, f := range fields[1:] {
		if f != "" {
			got = append(got, f)
		}
	}
	var want []string
	for _, ins := range insns {
		want = append(want, fmt.Sprintf("%d %d %d %d", ins.Op, ins.Jt, ins.Jf, ins.K))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bpf_asm assembles the listing to another program (-ours +bpf_asm):\n%s", diff)
	}
}
