package bpfgen

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// Compile turns rs into a seccomp filter that means exactly what rs.Eval
// says for every seccomp_data:
//
//   - seccomp_data.arch is checked first; an arch not in rs.Arches gets
//     rs.ForeignArch (when an arch is listed twice, the first one counts);
//   - on x86_64 without AllowX32, an x32 number (0x40000000..0x7fffffff,
//     see IsX32) gets rs.ForeignArch, whatever rules name it; numbers
//     above, such as -1 (SYSCALL[-1]), keep their rules;
//   - otherwise the first rule of the number whose condition holds gives
//     the action, and the arch's Default applies when none does.
//
// The number dispatch is a search tree over the ranges of numbers with
// the same outcome (the default's ranges included), planned for the
// fewest instructions and the shortest mean path over the first
// PathSyscalls numbers of the arch; a number whose outcome does not
// depend on the arguments is decided from arch and nr alone, without
// loading any argument, so that the kernel's action cache can skip the
// filter for it. Argument conditions compare 32-bit halves in the arch's
// byte order, with whatever the constants decide folded away; equality
// tests of one value against three or more constants become a search
// over the set of values. Unless opts.NoOptimize is set, the optimizer
// passes (see passes) then run to a fixpoint. Jumps are resolved last: a
// conditional jump too long for its 8-bit offset goes through a nearby
// copy of its return or a JA.
//
// A filter longer than the kernel's limit of MaxInstructions gives a
// *TooLongError; an invalid rule set gives an error naming the problem.
// Compile never changes rs.
func Compile(rs *RuleSet, opts Options) (*Program, error) {
	if rs == nil {
		return nil, fmt.Errorf("bpfgen: nil rule set")
	}
	g := getGen()
	defer g.free()
	if err := g.program(rs); err != nil {
		return nil, err
	}
	p, err := g.b.finish(&g.prog)
	if err != nil {
		return nil, err
	}
	// The length without the passes is that of its layout, far jumps
	// resolved as in the final program, so that the two lengths compare;
	// when no pass changes anything, that layout is the final one.
	buf := &g.asm
	rev := p.layout(buf)
	stats := Stats{Unoptimized: len(rev), Passes: map[string]int{}}
	if !opts.NoOptimize && optimize(p, stats.Passes) {
		rev = p.layout(buf)
	}
	insns, notes, err := p.encode(rev)
	if err != nil {
		return nil, err
	}
	stats.Instructions = len(insns)
	return &Program{Insns: insns, Comments: notes, Stats: stats}, nil
}

// gen generates the unoptimized program. Its tables are recycled from
// one compilation to the next (getGen, free): nothing of them outlives
// Compile.
type gen struct {
	b        builder
	rets     map[Action]label // shared return of each action, placed at the end
	retOrder []Action

	// Per arch.
	outcomes []nrOutcome
	byAction map[Action]int32 // outcomes that are a verdict
	byHash   hashIndex        // outcomes that are argument checks: hash -> the last one with it
	names    map[uint32]string
	err      error // the first error of visit
	ce       condEmitter
	audit    uint32
	lw       lowering
	rules    []lrule   // the rules of the outcomes
	plan     planSpace // the dispatch trees
	nrs      []uint32  // the numbers with rules
	rs       []nrRange // the ranges of numbers with one outcome

	prog prog            // the program, with the working tables of the passes
	asm  assemblyBuffers // the working tables of layout
}

var genPool = sync.Pool{New: func() any {
	return &gen{rets: make(map[Action]label), byAction: make(map[Action]int32)}
}}

// spareGen keeps one gen of a common size through garbage collections,
// which empty genPool: a caller that allocates much between two
// compilations (the Kafel front end does) would otherwise often find
// it empty.
var spareGen atomic.Pointer[gen]

// spareMax bounds the programs (in instructions, and in blocks of
// expression nodes) whose gen spareGen keeps, so that it never holds on
// to the tables of a huge compilation.
const (
	spareMaxInsns  = 2 * MaxInstructions
	spareMaxBlocks = 64
)

// small reports whether spareGen may keep g.
func (g *gen) small() bool {
	return cap(g.b.insns) <= spareMaxInsns && len(g.lw.bs.blocks) <= spareMaxBlocks &&
		len(g.lw.ws.blocks) <= spareMaxBlocks && len(g.plan.nodes.blocks) <= spareMaxBlocks
}

// getGen returns an empty gen, recycled when there is one.
func getGen() *gen {
	if g := spareGen.Swap(nil); g != nil {
		return g
	}
	return genPool.Get().(*gen)
}

// free empties g and keeps it for getGen.
func (g *gen) free() {
	clear(g.rets)
	g.retOrder = g.retOrder[:0]
	g.outcomes = g.outcomes[:0]
	g.names, g.err = nil, nil
	g.b.reset()
	g.prog.insns, g.prog.notes = nil, nil
	if g.small() && spareGen.CompareAndSwap(nil, g) {
		return
	}
	genPool.Put(g)
}

// nrOutcome is what a range of syscall numbers leads to within an arch:
// an action, or argument checks.
type nrOutcome struct {
	action Action    // the verdict when rules is empty, else the default of the checks
	rules  []lrule   // argument checks, first match wins
	nrs    [4]uint32 // the first numbers leading here (for comments)
	nnrs   int       // how many of nrs are set
	lab    label     // the checks' code
	refs   int       // jumps to the checks not yet emitted
	same   int32     // the previous outcome with the same hash, or -1
}

// checks reports whether o needs code of its own (not just a return).
func (o *nrOutcome) checks() bool { return len(o.rules) > 0 }

// lrule is a rule with its condition lowered.
type lrule struct {
	cond   *bexpr
	action Action
}

func (g *gen) ret(a Action) label {
	l, ok := g.rets[a]
	if !ok {
		l = g.b.newLabel()
		g.rets[a] = l
		g.retOrder = append(g.retOrder, a)
	}
	return l
}

func (g *gen) program(rs *RuleSet) error {
	b := &g.b
	// Room for a typical program, to spare the appends most copying.
	size := 16
	for i := range rs.Arches {
		for _, rules := range rs.Arches[i].Syscalls {
			size += 2 + 6*len(rules)
		}
	}
	size = min(size, 1<<20)
	b.insns = slices.Grow(b.insns[:0], size)
	b.binding = slices.Grow(b.binding[:0], size)
	b.stmt(opLdAbs, offArch, "arch")
	// The arch checks come first, then each arch's code.
	var arches []*ArchRules
	var labels []label
	for i := range rs.Arches {
		ar := &rs.Arches[i]
		if slices.ContainsFunc(arches, func(o *ArchRules) bool { return o.AuditArch == ar.AuditArch }) {
			continue // the first one decides, as in Eval
		}
		arches = append(arches, ar)
		labels = append(labels, b.newLabel())
	}
	for i, ar := range arches {
		next := g.ret(rs.ForeignArch)
		if i+1 < len(arches) {
			next = b.newLabel()
		}
		b.jump(opJeqK, ar.AuditArch, labels[i], next, fmt.Sprintf("arch %#x", ar.AuditArch))
		if i+1 < len(arches) {
			b.bind(next)
		}
	}
	if len(arches) == 0 {
		b.jump(opJa, 0, g.ret(rs.ForeignArch), 0, "")
	}
	for i, ar := range arches {
		b.bind(labels[i])
		if err := g.arch(ar, rs.ForeignArch); err != nil {
			return err
		}
	}
	for _, a := range g.retOrder {
		b.bind(g.rets[a])
		b.stmt(opRetK, uint32(a), a.String())
	}
	return nil
}

// arch emits the number dispatch and the argument checks of one arch.
func (g *gen) arch(ar *ArchRules, foreign Action) error {
	g.outcomes = g.outcomes[:0]
	clear(g.byAction)
	g.byHash.reset(len(ar.Syscalls))
	g.rules = g.rules[:0]
	g.plan.reset()
	g.ce.init(&g.b)
	g.names = ar.Names
	g.audit = ar.AuditArch
	rs, named, err := g.ranges(ar, foreign)
	if err != nil {
		return err
	}
	base := uint32(0) // pathBase(ar), from the sorted numbers
	if len(named) > 0 {
		base = pathBaseFrom(named[0])
	}
	weigh(rs, base, named)
	tree := newPlanner(rs, &g.plan).plan(0, len(rs)-1)
	walkRefs(tree, func(out int32) { g.outcomes[out].refs++ })
	g.b.stmt(opLdAbs, offNr, "nr")
	if tree.kind == dLeaf {
		g.b.jump(opJa, 0, g.outLabel(tree.out), 0, "")
	}
	g.visit(tree)
	return g.err
}

// ranges lists the ranges of numbers with the same outcome, covering all
// 32-bit numbers, in order.
func (g *gen) ranges(ar *ArchRules, foreign Action) ([]nrRange, []uint32, error) {
	nrs := g.nrs[:0]
	for nr := range ar.Syscalls {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	g.nrs = nrs
	x32 := ar.AuditArch == auditArchX86_64 && !ar.AllowX32
	lw := &g.lw
	lw.reset()
	lw.init(ar.BigEndian)
	dflt := g.actionOutcome(ar.Default, 0)
	rs := slices.Grow(g.rs[:0], 2*len(nrs)+4) // a number and the gap before it, each
	add := func(lo, hi uint32, out int32) {
		if n := len(rs); n > 0 && rs[n-1].out == out && uint64(rs[n-1].hi)+1 == uint64(lo) {
			rs[n-1].hi = hi
			return
		}
		rs = append(rs, nrRange{lo: lo, hi: hi, out: out})
	}
	// addDefault adds a gap between rule numbers: the default, except in
	// the x32 range where the number is foreign.
	addDefault := func(lo, hi uint64) {
		for lo <= hi {
			end := hi
			out := dflt
			if x32 {
				switch {
				case lo < x32First:
					end = min(end, x32First-1)
				case lo <= x32Last:
					end = min(end, x32Last)
					out = g.actionOutcome(foreign, 0)
				}
			}
			add(uint32(lo), uint32(end), out)
			lo = end + 1
		}
	}
	next := uint64(0)
	for _, nr := range nrs {
		if x32 && IsX32(nr) {
			continue
		}
		if uint64(nr) > next {
			addDefault(next, uint64(nr)-1)
		}
		out, err := g.rulesOutcome(lw, ar.Syscalls[nr], ar.Default, nr)
		if err != nil {
			return nil, nil, fmt.Errorf("bpfgen: arch %#x, syscall %s: %w", ar.AuditArch, g.nrName(nr), err)
		}
		add(nr, nr, out)
		next = uint64(nr) + 1
	}
	addDefault(next, 0xffffffff)
	g.rs = rs
	return rs, nrs, nil
}

// actionOutcome returns the outcome "the verdict is a".
func (g *gen) actionOutcome(a Action, nr uint32) int32 {
	i, ok := g.byAction[a]
	if !ok {
		i = g.add(nrOutcome{action: a, same: -1})
		g.byAction[a] = i
	}
	g.outcomes[i].addNr(nr)
	return i
}

func (g *gen) add(o nrOutcome) int32 {
	g.outcomes = append(g.outcomes, o)
	return int32(len(g.outcomes) - 1)
}

func (o *nrOutcome) addNr(nr uint32) {
	if o.nnrs < len(o.nrs) {
		o.nrs[o.nnrs] = nr
		o.nnrs++
	}
}

// numbers returns the numbers leading to o, for comments.
func (o *nrOutcome) numbers() []uint32 { return o.nrs[:o.nnrs] }

// sameChecks reports whether o has the argument checks lr with default d.
func (o *nrOutcome) sameChecks(lr []lrule, d Action) bool {
	if o.action != d || len(o.rules) != len(lr) {
		return false
	}
	for i, r := range lr {
		if o.rules[i].action != r.action || !bequal(o.rules[i].cond, r.cond) {
			return false
		}
	}
	return true
}

// rulesOutcome lowers the rules of one number. Rules whose condition
// folds to false are dropped; one that folds to true ends the list and
// becomes the default; trailing rules that give the default go too. What
// remains, if anything, are the argument checks.
func (g *gen) rulesOutcome(lw *lowering, rules []Rule, dflt Action, nr uint32) (int32, error) {
	start := len(g.rules)
	lr := g.rules[start:] // built at the end of g.rules; dropped again unless new
	for _, r := range rules {
		if r.Cond == nil {
			dflt = r.Action
			break
		}
		c, err := lw.lower(r.Cond)
		if err != nil {
			return 0, err
		}
		if c.kind == bFalse {
			continue
		}
		if c.kind == bTrue {
			dflt = r.Action
			break
		}
		lr = append(lr, lrule{cond: c, action: r.Action})
	}
	for len(lr) > 0 && lr[len(lr)-1].action == dflt {
		lr = lr[:len(lr)-1]
	}
	// Neighbouring rules with the same action are one rule whose
	// condition is either one's; then equality tests can become sets.
	merged := lr[:0]
	for _, r := range lr {
		if n := len(merged); n > 0 && merged[n-1].action == r.action {
			merged[n-1].cond = lw.mkOr(merged[n-1].cond, r.cond)
			continue
		}
		merged = append(merged, r)
	}
	lr = merged
	for i := range lr {
		lr[i].cond = lw.collectSets(lr[i].cond)
	}
	if len(lr) == 0 {
		return g.actionOutcome(dflt, nr), nil
	}
	h := mix(0, uint64(dflt))
	for _, r := range lr {
		h = mix(mix(h, uint64(r.action)), r.cond.hash())
	}
	last, ok := g.byHash.get(h)
	if !ok {
		last = -1
	}
	for i := int32(last); i >= 0; i = g.outcomes[i].same {
		if o := &g.outcomes[i]; o.sameChecks(lr, dflt) {
			o.addNr(nr)
			return i, nil
		}
	}
	g.rules = append(g.rules[:start], lr...) // keep lr (most often in place already)
	end := len(g.rules)
	i := g.add(nrOutcome{action: dflt, rules: g.rules[start:end:end], lab: -1, same: int32(last)})
	g.outcomes[i].addNr(nr)
	g.byHash.put(h, int(i))
	return i, nil
}

// target is the label a jump to n goes to.
func (g *gen) target(n *dnode) label {
	if n.kind == dLeaf {
		return g.outLabel(n.out)
	}
	n.lab = g.b.newLabel()
	return n.lab
}

func (g *gen) outLabel(out int32) label {
	o := &g.outcomes[out]
	if !o.checks() {
		return g.ret(o.action)
	}
	if o.lab < 0 {
		o.lab = g.b.newLabel()
	}
	return o.lab
}

// visit emits n (bound to its label) and, after the last jump to an
// outcome's argument checks, those checks.
func (g *gen) visit(n *dnode) {
	b := &g.b
	switch n.kind {
	case dLeaf:
		g.reached(n.out)
	case dSplit:
		lt, rt := g.target(n.left), g.target(n.right)
		b.noteText("nr >= ", g.nrName(n.k))
		b.jump(opJgeK, n.k, rt, lt, "")
		if n.left.kind != dLeaf {
			b.bind(lt)
		}
		g.visit(n.left)
		if n.right.kind != dLeaf {
			b.bind(rt)
		}
		g.visit(n.right)
	case dChain:
		for i, e := range n.elems {
			var next label
			if i+1 == len(n.elems) {
				next = g.outLabel(n.out)
			} else {
				next = b.newLabel()
			}
			b.jump(opJeqK, e.lo, g.outLabel(e.out), next, g.nrName(e.lo))
			if i+1 < len(n.elems) {
				b.bind(next)
			}
		}
		for _, e := range n.elems {
			g.reached(e.out)
		}
		g.reached(n.out)
	}
}

// reached counts one emitted jump to out; after the last one it emits
// out's argument checks.
func (g *gen) reached(out int32) {
	o := &g.outcomes[out]
	if !o.checks() {
		return
	}
	if o.refs--; o.refs > 0 {
		return
	}
	g.b.bind(g.outLabel(out))
	if nrs := o.numbers(); len(nrs) == 1 {
		g.b.pendingNote = g.nrName(nrs[0])
	} else {
		var parts [2 * len(o.nrs)]string
		for i, nr := range nrs {
			parts[2*i], parts[2*i+1] = ", ", g.nrName(nr)
		}
		g.b.noteText(parts[1 : 2*len(nrs)]...)
	}
	ce := &g.ce
	ce.reset()
	for i, r := range o.rules {
		var next label
		if i+1 == len(o.rules) {
			next = g.ret(o.action)
		} else {
			next = g.b.newLabel()
		}
		if err := ce.cond(r.cond, g.ret(r.action), next); err != nil && g.err == nil {
			g.err = fmt.Errorf("bpfgen: arch %#x, syscall %s: %w", g.audit, g.nrName(o.numbers()[0]), err)
			return
		}
		if i+1 < len(o.rules) {
			ce.bind(next)
		}
	}
}

// nrName is the name of syscall nr, or its number.
func (g *gen) nrName(nr uint32) string {
	if s, ok := g.names[nr]; ok {
		return s
	}
	return strconv.FormatUint(uint64(nr), 10)
}
