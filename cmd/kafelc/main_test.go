package main

import (
	"fmt"
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
			"bpfsim": cmdBPFSim,
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
