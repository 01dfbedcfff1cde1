package bpfgen

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
)

// Compile recycles its tables (getGen) and the passes theirs; these
// tests check that nothing of one compilation leaks into the next, and
// the small tables the recycling rests on.

// TestCompileAfterOtherCompiles compiles random rule sets, then each of
// them again after all the others: a filter, its comments and its stats
// must not depend on what was compiled before.
func TestCompileAfterOtherCompiles(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var sets []*RuleSet
	for i := 0; i < 60; i++ {
		max := 8
		if i%5 == 4 {
			max = 60
		}
		sets = append(sets, randRuleSet(r, max))
	}
	sets = append(sets, benchGen300(t), benchArgs(t))
	compile := func(rs *RuleSet, opts Options) *Program {
		t.Helper()
		p, err := Compile(rs, opts)
		if err != nil {
			t.Fatalf("Compile: %v\nrule set:\n%s", err, formatRuleSet(rs))
		}
		return p
	}
	for _, opts := range []Options{{}, {NoOptimize: true}} {
		first := make([]*Program, len(sets))
		for i, rs := range sets {
			first[i] = compile(rs, opts)
		}
		for i := len(sets) - 1; i >= 0; i-- {
			again := compile(sets[i], opts)
			if !reflect.DeepEqual(again, first[i]) {
				t.Fatalf("rule set %d (%+v) compiles differently after others:\nfirst:\n%s\nagain:\n%s\nstats %+v, again %+v",
					i, opts, Disassemble(first[i].Insns, first[i].Comments), Disassemble(again.Insns, again.Comments), first[i].Stats, again.Stats)
			}
		}
	}
}

// TestHashIndex fills a table far past the size it was made for and
// finds every key again; absent keys are absent.
func TestHashIndex(t *testing.T) {
	tab := newHashIndex(4)
	const n = 5000
	key := func(i int) uint64 { return uint64(i)*0x9e3779b97f4a7c15 + 2 }
	for i := 0; i < n; i++ {
		tab.put(key(i), i)
	}
	tab.put(key(7), -7) // a second put replaces the value
	for i := 0; i < n; i++ {
		want := i
		if i == 7 {
			want = -7
		}
		if v, ok := tab.get(key(i)); !ok || v != want {
			t.Fatalf("get(key(%d)) = %d, %v; want %d, true", i, v, ok, want)
		}
	}
	if _, ok := tab.get(key(n)); ok {
		t.Errorf("get of an absent key found it")
	}
	if tab.n != n {
		t.Errorf("%d keys counted, want %d", tab.n, n)
	}
}

// TestSlabReuse checks that a slab hands out its blocks again after
// reset instead of growing, and that values stay put while in use.
func TestSlabReuse(t *testing.T) {
	var s slab[wexpr]
	for round := 0; round < 3; round++ {
		var got []*wexpr
		for i := 0; i < 3*slabBlock+5; i++ {
			w := s.alloc()
			*w = wexpr{k: uint32(i)}
			got = append(got, w)
		}
		for i, w := range got {
			if w.k != uint32(i) {
				t.Fatalf("round %d: value %d changed to %d", round, i, w.k)
			}
		}
		if len(s.blocks) != 4 {
			t.Fatalf("round %d: %d blocks, want 4", round, len(s.blocks))
		}
		s.reset()
	}
}

// TestNoteText checks the notes made in the builder's shared buffer:
// they land on the next instruction unless it has a note of its own.
func TestNoteText(t *testing.T) {
	var b builder
	end := b.newLabel()
	b.noteText("nr >= ", "read")
	b.jump(opJgeK, 3, end, end, "") // 0: nr >= read
	b.noteText("a", ", ", "b")
	b.stmt(opLdAbs, 0, "own") // 1: own
	b.stmt(opLdAbs, 4, "")    // 2: no note
	b.noteText("x", "y")
	b.pendingNote = "pending" // a later pending note wins
	b.stmt(opLdAbs, 8, "")    // 3: pending
	b.bind(end)
	b.noteText("ret")
	b.stmt(opRetK, 0, "") // 4: ret
	p, err := b.finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range p.insns {
		got = append(got, p.note(in.id))
	}
	if want := []string{"nr >= read", "own", "", "pending", "ret"}; !slices.Equal(got, want) {
		t.Errorf("notes %q, want %q", got, want)
	}
}

// TestTargetedStaysTrue runs the passes to a fixpoint on unoptimized
// random programs and checks after each pass that the table of jump
// targets the passes share is what a fresh computation gives.
func TestTargetedStaysTrue(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for c := 0; c < 300; c++ {
		rs := randRuleSet(r, 12)
		g := getGen()
		if err := g.program(rs); err != nil {
			g.free()
			t.Fatalf("case %d: %v", c, err)
		}
		p, err := g.b.finish(&g.prog)
		if err != nil {
			g.free()
			t.Fatalf("case %d: %v", c, err)
		}
		for round := 0; round < maxRounds; round++ {
			changed := false
			for _, ps := range passes {
				changed = ps.run(p) || changed
				cached := slices.Clone(p.targeted(p.positions()))
				p.targetedOK = false
				if fresh := p.targeted(p.positions()); !slices.Equal(cached, fresh) {
					g.free()
					t.Fatalf("case %d: after %s the shared jump targets are stale\n%s", c, ps.name, formatRuleSet(rs))
				}
			}
			if !changed {
				break
			}
		}
		g.free()
	}
}

// TestCompileConcurrently compiles rule sets from several goroutines at
// once (each Compile takes its own tables from the pool): the results
// are those of compiling them one by one. Run it with -race.
func TestCompileConcurrently(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	var sets []*RuleSet
	var want []*Program
	for i := 0; i < 24; i++ {
		rs := randRuleSet(r, 30)
		p, err := Compile(rs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sets, want = append(sets, rs), append(want, p)
	}
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for round := 0; round < 5; round++ {
				for i := range sets {
					i := (i + w*7) % len(sets)
					p, err := Compile(sets[i], Options{})
					if err != nil {
						errs <- err
						return
					}
					if !reflect.DeepEqual(p, want[i]) {
						errs <- fmt.Errorf("rule set %d compiles differently alongside others", i)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
