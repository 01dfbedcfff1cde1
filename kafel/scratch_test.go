package kafel

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
)

// compileResult is what Compile gives for one policy, comparable with
// reflect.DeepEqual: the program, or the error's text.
type compileResult struct {
	prog *bpfgen.Program
	err  string
}

func compiled(prog *bpfgen.Program, err error) compileResult {
	if err != nil {
		return compileResult{err: err.Error()}
	}
	return compileResult{prog: prog}
}

// freshLoad is Load without the recycled scratch: fresh nodes every time.
func freshLoad(name string, src []byte, opts Options) (*Policy, error) {
	l := newLoader(name, src, opts)
	l.run()
	return l.finish()
}

// freshCompile compiles without the recycled scratch.
func freshCompile(name string, src []byte, opts Options) compileResult {
	p, err := freshLoad(name, src, opts)
	if err != nil {
		return compiled(nil, err)
	}
	return compiled(bpfgen.Compile(p.RuleSet(), bpfgen.Options{}))
}

// scratchPolicies are the policies of testdata (good and refused ones)
// and a few small ones, so that recycled chunks of every size meet
// policies of every size.
func scratchPolicies(t *testing.T) map[string][]byte {
	t.Helper()
	srcs := map[string][]byte{
		"tiny":   []byte("DEFAULT KILL"),
		"filter": []byte("ALLOW { read(fd, buf, n) { fd == 0 && n < 4096 || !(fd & 1) } } DEFAULT KILL"),
		"bad":    []byte("ALLOW { read(fd) { fd == } } DEFAULT KILL"),
		"undef":  []byte("ALLOW { no_such_syscall } DEFAULT KILL"),
	}
	for _, glob := range []string{"testdata/bench/*.policy", "testdata/seed/*.kafel", "testdata/golden/*.kafel", "testdata/errors/*.kafel"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srcs[f] = src
		}
	}
	return srcs
}

// TestCompileRecyclesScratch checks that compiles that reuse the nodes of
// earlier ones (Compile's scratch) give what fresh ones give, in a row, in
// every order of large and small policies, and that a program Compile
// returned is not changed by the compiles after it.
func TestCompileRecyclesScratch(t *testing.T) {
	opts := x86Opts(t)
	srcs := scratchPolicies(t)
	want := map[string]compileResult{}
	for name, src := range srcs {
		want[name] = freshCompile(name, src, opts)
	}
	var kept []compileResult
	var keptNames []string
	for round := 0; round < 3; round++ {
		for name, src := range srcs { // map order differs each round
			got := compiled(Compile(name, src, opts))
			if !reflect.DeepEqual(got, want[name]) {
				t.Fatalf("round %d: Compile(%s) differs from a fresh compile:\ngot  %+v\nwant %+v", round, name, got, want[name])
			}
			kept = append(kept, got)
			keptNames = append(keptNames, name)
		}
	}
	for i, got := range kept {
		if !reflect.DeepEqual(got, want[keptNames[i]]) {
			t.Errorf("the program of compile %d (%s) changed after later compiles", i, keptNames[i])
		}
	}
}

// TestCompileRecyclesScratchConcurrently runs compiles and loads of
// different policies at once (run it with -race too): each must give what a fresh
// compile gives.
func TestCompileRecyclesScratchConcurrently(t *testing.T) {
	opts := x86Opts(t)
	srcs := scratchPolicies(t)
	want := map[string]compileResult{}
	var names []string
	for name, src := range srcs {
		want[name] = freshCompile(name, src, opts)
		names = append(names, name)
	}
	const workers = 4
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds*len(names); i++ {
				name := names[(i*(w+1)+w)%len(names)]
				got := compiled(Compile(name, srcs[name], opts))
				if i%2 == 1 { // through Load, whose tree comes from the scratch too
					if p, err := Load(name, srcs[name], opts); err != nil {
						got = compiled(nil, err)
					} else {
						got = compiled(bpfgen.Compile(p.RuleSet(), bpfgen.Options{}))
					}
				}
				if !reflect.DeepEqual(got, want[name]) {
					errs <- fmt.Errorf("worker %d: Compile(%s) differs from a fresh compile", w, name)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLoadRecyclesScratch checks that the Policies Load returns (whose
// syntax trees came from recycled scratch) are not changed by the loads
// and compiles after them, and equal fresh ones.
func TestLoadRecyclesScratch(t *testing.T) {
	opts := x86Opts(t)
	srcs := scratchPolicies(t)
	type loaded struct {
		name string
		p    *Policy
		err  error
	}
	var kept []loaded
	for round := 0; round < 2; round++ {
		for name, src := range srcs {
			p, err := Load(name, src, opts)
			kept = append(kept, loaded{name, p, err})
			Compile(name, src, opts)
		}
	}
	for _, k := range kept {
		wp, werr := freshLoad(k.name, srcs[k.name], opts)
		if (k.err == nil) != (werr == nil) || k.err != nil && k.err.Error() != werr.Error() {
			t.Errorf("Load(%s): error %v, a fresh load's %v", k.name, k.err, werr)
			continue
		}
		if k.err != nil {
			continue
		}
		if !reflect.DeepEqual(k.p, wp) {
			t.Errorf("Load(%s): the Policy differs from a fresh load's after later loads", k.name)
		}
		got := compiled(bpfgen.Compile(k.p.RuleSet(), bpfgen.Options{}))
		if want := freshCompile(k.name, srcs[k.name], opts); !reflect.DeepEqual(got, want) {
			t.Errorf("Load(%s): its program differs from a fresh compile's after later loads", k.name)
		}
	}
}
