package kafel

import (
	"sync"
	"sync/atomic"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/internal/arena"
)

// Compile loads the policy src (see Load) and compiles it to a seccomp
// filter with the code generator's default options. A refused policy gives
// an *Error; a policy the generator cannot encode (e.g. longer than the
// kernel allows) gives the generator's error.
//
// Unlike Load, whose Policy the caller keeps, Compile drops the rule set
// once the generator is done with it, so it takes its nodes, like those of
// the syntax tree, from memory that earlier compiles used (see scratch).
func Compile(name string, src []byte, opts Options) (*bpfgen.Program, error) {
	s := getScratch()
	defer s.release()
	l := newLoader(name, src, opts)
	l.arena, l.ruleDefs, l.lowering = &s.nodes, &s.ruleDefs, &s.lowering
	l.run()
	p, err := l.finish()
	if err != nil {
		return nil, err
	}
	return bpfgen.Compile(p.RuleSet(), bpfgen.Options{})
}

// scratch is the memory of the nodes of one load or compile: the syntax
// tree's and the checked rules' (Load and Compile) and the rule set's
// (Compile only). Nothing they
// return points into it (a Policy holds the rule set from its own
// lowering, positions and text; a Program instructions, comments and
// counts; an *Error diagnostics, which are positions and text, and the
// sources), so release can zero it for the next one.
type scratch struct {
	nodes    grammar.Arena
	ruleDefs arena.Chunks[ruleDef]
	lowering lowering
}

var scratchPool = sync.Pool{New: func() any {
	s := new(scratch)
	s.ruleDefs.Recycle = true
	s.lowering.keepChunks()
	return s
}}

// spareScratch keeps one scratch through garbage collections, which empty
// scratchPool: a program that compiles now and then would otherwise
// seldom find one there. What a scratch keeps is bounded (maxKeptChunks,
// and grammar.Arena's own bound).
var spareScratch atomic.Pointer[scratch]

func getScratch() *scratch {
	if s := spareScratch.Swap(nil); s != nil {
		return s
	}
	return scratchPool.Get().(*scratch)
}

// release zeroes the nodes handed out and keeps s for getScratch.
func (s *scratch) release() {
	s.nodes.Reset()
	s.ruleDefs.Reset()
	s.lowering.reset()
	if !spareScratch.CompareAndSwap(nil, s) {
		scratchPool.Put(s)
	}
}
