package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestStartStackFirst checks that package startstack is initialized
// before the packages whose initialization needs a deep stack (those that
// compile a regexp): after them it would grow nothing that matters. The
// order is read from GODEBUG=inittrace=1 of this test binary, which
// imports what kafel does.
func TestStartStackFirst(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -test.run=^$: %v\n%s", os.Args[0], err, out)
	}
	pos := map[string]int{}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			pos[f[1]] = n
			n++
		}
	}
	const first = "github.com/gokafel/gokafel/cmd/kafel/internal/startstack"
	if _, ok := pos[first]; !ok {
		t.Fatalf("no init of %s in the trace:\n%s", first, out)
	}
	for _, later := range []string{"regexp", "regexp/syntax", "google.golang.org/protobuf/internal/encoding/json"} {
		if p, ok := pos[later]; ok && p < pos[first] {
			t.Errorf("%s is initialized before %s:\n%s", later, first, out)
		}
	}
}
