package main

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kafelc": func() { os.Exit(cli.Run(newRootCmd(), os.Args[1:], os.Stderr)) },
	})
}

// TestScripts runs the command-line scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"bpfsim":  cmdBPFSim,
			"genlong": cmdGenLong,
		},
	})
}

// cmdBPFSim checks a raw filter file: "bpfsim FILE ARCH NR [ARG...] ACTION"
// decodes FILE, validates it as the kernel would, runs it on the syscall
// NR of the AUDIT_ARCH value ARCH with the arguments, and compares the
// verdict with ACTION (as Action.String prints it).
func cmdBPFSim(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: bpfsim FILE ARCH NR [ARG...] ACTION")
	}
	insns, err := bpfgen.DecodeRaw([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	num := func(s string) uint64 {
		n, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			ts.Fatalf("bad number %q", s)
		}
		return n
	}
	d := bpfgen.SeccompData{Arch: uint32(num(args[1])), Nr: int32(num(args[2]))}
	for i, a := range args[3 : len(args)-1] {
		d.Args[i] = num(a)
	}
	act, _, err := bpfgen.Simulate(insns, d, false)
	ts.Check(err)
	got, want := act.String(), args[len(args)-1]
	if (got == want) == neg {
		ts.Fatalf("%s", strings.TrimSpace(fmt.Sprintf("filter says %s, want %s%s", got, map[bool]string{true: "not ", false: ""}[neg], want)))
	}
}

// cmdGenLong writes a policy whose filter cannot fit in the kernel's
// limit: "genlong FILE N" with N rules of unrelated 64-bit conditions.
func cmdGenLong(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: genlong FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	r := rand.New(rand.NewSource(1))
	var b strings.Builder
	b.WriteString("ALLOW {\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  write { (count & 0x%x) == 0x%x || buf > 0x%x }", r.Uint64()|1, r.Uint32()>>2, r.Uint64()>>1)
	}
	b.WriteString("\n}\nDEFAULT KILL\n")
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}
