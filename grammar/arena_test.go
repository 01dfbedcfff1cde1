package grammar

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestArenaReuse parses every test policy (and the shared benchmark one)
// again and again with one Arena, reset between parses, and checks that
// each tree and its diagnostics equal those of a Parse without an arena.
func TestArenaReuse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.kafel")
	files = append(files, "../kafel/testdata/bench/gen_300x3.policy")
	var a Arena
	for round := 0; round < 2; round++ {
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			wantFile, wantDiags := Parse(name, src, nil)
			gotFile, gotDiags := Parse(name, src, &Options{Arena: &a})
			if !reflect.DeepEqual(gotFile, wantFile) {
				t.Errorf("round %d: %s: the tree parsed with an arena differs from a fresh one", round, name)
			}
			if !reflect.DeepEqual(gotDiags, wantDiags) {
				t.Errorf("round %d: %s: diagnostics with an arena differ:\ngot  %v\nwant %v", round, name, gotDiags, wantDiags)
			}
			a.Reset()
		}
	}
}

// TestArenaResetZeroes checks that Reset leaves no node of the last tree
// in the chunks it keeps, and that it keeps them.
func TestArenaResetZeroes(t *testing.T) {
	src := []byte("ALLOW { read(fd, n) { fd == 1 && n > 2 || !(fd & 4) } } DEFAULT KILL")
	var a Arena
	if _, diags := Parse("t.policy", src, &Options{Arena: &a}); diags.Err() != nil {
		t.Fatal(diags.Err())
	}
	a.Reset()
	if len(a.nodes.binaries.Spare()) == 0 || len(a.nodes.idents.Spare()) == 0 {
		t.Fatalf("Reset kept no chunks: %d of BinaryExpr, %d of Ident", len(a.nodes.binaries.Spare()), len(a.nodes.idents.Spare()))
	}
	for _, c := range a.nodes.binaries.Spare() {
		for i := range c {
			if c[i] != (BinaryExpr{}) {
				t.Fatalf("a BinaryExpr kept by Reset is not zero: %+v", c[i])
			}
		}
	}
	for _, c := range a.nodes.idents.Spare() {
		for i := range c {
			if c[i] != (Ident{}) {
				t.Fatalf("an Ident kept by Reset is not zero: %+v", c[i])
			}
		}
	}
}
