package kafel

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/syscalls"
)

// TestCompileMatchesRuleSet compiles policies for several arches and runs
// the filter in the simulator against the rule set's direct meaning, for
// every syscall number of each table (and a few beyond) with boundary
// argument values.
func TestCompileMatchesRuleSet(t *testing.T) {
	var arches []*syscalls.Arch
	for _, n := range []string{"x86_64", "x86", "aarch64", "mips"} {
		arches = append(arches, mustArch(t, n))
	}
	seed, err := os.ReadFile("testdata/seed/restricted_io.kafel")
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]string{
		"restricted_io": string(seed) + "\n", // open is missing on aarch64: see below
		"args": `
#define O_ACCMODE 3
ALLOW {
  read { fd == 0 || count < 0x1000 },
  write { fd == 1, fd == 2 },
  openat { (flags & O_ACCMODE) == 0 && dfd != 0xffffff9c },
  mmap ON { x86_64, aarch64 } { prot & 4 == 0, len > 0x100000000 },
  lseek { offset == -1 }
}
ERRNO(38) { SYSCALL[-1], SYSCALL[5000] }
TRAP(1) { read { !(fd != 3) } }
DEFAULT ERRNO(1)`,
	}
	vals := []uint64{0, 1, 2, 3, 4, 0x1000, 0xfff, 0xffffff9c, 0xffffffff, 0x100000000, 0x100000001, 0xffffffffffffffff, 0xffffffffffffff9c}
	for name, src := range policies {
		t.Run(name, func(t *testing.T) {
			as := arches
			if name == "restricted_io" {
				as = []*syscalls.Arch{arches[0], arches[1], arches[3]}
			}
			p, err := Load(name, []byte(src), Options{Arches: as})
			if err != nil {
				t.Fatal(err)
			}
			prog, err := bpfgen.Compile(p.RuleSet(), bpfgen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := bpfgen.NewFilter(prog.Insns)
			if err != nil {
				t.Fatal(err)
			}
			rs := p.RuleSet()
			for _, ar := range rs.Arches {
				nrs := []uint32{0xffffffff, 5000}
				for nr := range ar.Syscalls {
					nrs = append(nrs, nr)
				}
				for nr := uint32(0); nr < 500; nr++ {
					nrs = append(nrs, nr)
				}
				for _, nr := range nrs {
					for i, v := range vals {
						w := vals[(i*7+3)%len(vals)]
						d := bpfgen.SeccompData{Nr: int32(nr), Arch: ar.AuditArch, Args: [6]uint64{v, w, v, w, v, w}}
						want := rs.Eval(d)
						got, _ := f.Run(d, ar.BigEndian)
						if got != want {
							t.Fatalf("arch %#x nr %d args %#x: filter gives %s, rule set %s\n%s", ar.AuditArch, int32(nr), d.Args, got, want, bpfgen.Disassemble(prog.Insns, prog.Comments))
						}
					}
				}
			}
		})
	}
}

// TestBenchPolicies loads the benchmark policies (valid for the reference
// compiler) in strict mode and checks their compiled filters against their
// rule sets.
func TestBenchPolicies(t *testing.T) {
	paths, err := filepath.Glob("testdata/bench/*.policy")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no benchmark policies: %v", err)
	}
	opts := x86Opts(t)
	opts.Strict = true
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Load(path, src, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Warnings) != 0 {
				t.Errorf("warnings: %v", p.Warnings)
			}
			prog, err := bpfgen.Compile(p.RuleSet(), bpfgen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := bpfgen.NewFilter(prog.Insns)
			if err != nil {
				t.Fatal(err)
			}
			rs := p.RuleSet()
			ar := rs.Arches[0]
			for nr := int32(-1); nr < 600; nr++ {
				for _, v := range []uint64{0, 1, 0x10, 0x3e8, 0x3e9, 0xffffffff, 0x100000010} {
					d := bpfgen.SeccompData{Nr: nr, Arch: ar.AuditArch, Args: [6]uint64{v, v ^ 0x20, v, 3, v, v}}
					if got, want := firstAction(f.Run(d, false)), rs.Eval(d); got != want {
						t.Fatalf("nr %d args %#x: filter gives %s, rule set %s", nr, d.Args, got, want)
					}
				}
			}
		})
	}
}

func firstAction(a bpfgen.Action, _ int) bpfgen.Action { return a }

func TestCompile(t *testing.T) {
	prog, err := Compile("p", []byte("ALLOW { read } DEFAULT KILL"), x86Opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(prog.Insns) == 0 {
		t.Fatal("empty program")
	}
	if _, err := Compile("p", []byte("ALLOW { reed }"), x86Opts(t)); err == nil {
		t.Fatal("compiled a policy with an unknown syscall")
	}
}
