// Package golden compares test output with golden files under testdata/,
// and rewrites them when the tests run with -update.
//
// It is for tests only: importing it registers the -update flag.
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests produce")

// Check compares got with the golden file at path: with -update it
// writes got there instead. A difference fails t with a diff (-want
// +got) and the command that accepts it.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got); if the change is intended, run the test with -update:\n%s", path, diff)
	}
}

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }
