package bpfgen

import "slices"

// Sets of values. A run of rules with the same action that test one
// value for equality with many constants ("fd == 0, fd == 1, ...", common
// in generated policies) becomes a membership test, emitted as a search
// over the ranges of member values, planned like the syscall-number
// dispatch. A 64-bit equality test joins a set of its low word under the
// same test of its high word.

// minSetSize is the least number of values that make a set.
const minSetSize = 3

// collectSets rewrites the disjunctions of e so that equality tests of
// one value with constants become sets.
func (a *arena) collectSets(e *bexpr) *bexpr {
	switch e.kind {
	case bAnd:
		l, r := a.collectSets(e.l), a.collectSets(e.r)
		if l == e.l && r == e.r {
			return e
		}
		return a.mkAnd(l, r)
	case bOr:
	default:
		return e
	}
	if countEqualities(e) < minSetSize {
		return e
	}
	var ds []*bexpr
	var flatten func(e *bexpr)
	flatten = func(e *bexpr) {
		if e.kind == bOr {
			flatten(e.l)
			flatten(e.r)
			return
		}
		ds = append(ds, a.collectSets(e))
	}
	flatten(e)
	type group struct {
		guard *bexpr // a test all members need, or nil
		x     *wexpr
		vals  []uint32
	}
	var groups []*group
	member := make([]int, len(ds)) // index into groups, or -1
	for i, d := range ds {
		member[i] = -1
		x, k, guard, ok := equalityTest(d)
		if !ok {
			continue
		}
		for gi, g := range groups {
			if wequal(g.x, x) && (g.guard == guard || g.guard != nil && guard != nil && bequal(g.guard, guard)) {
				g.vals = append(g.vals, k)
				member[i] = gi
				break
			}
		}
		if member[i] < 0 {
			groups = append(groups, &group{guard: guard, x: x, vals: []uint32{k}})
			member[i] = len(groups) - 1
		}
	}
	var out *bexpr
	emitted := make([]bool, len(groups))
	or := func(d *bexpr) {
		if out == nil {
			out = d
		} else {
			out = a.mkOr(out, d)
		}
	}
	for i, d := range ds {
		gi := member[i]
		if gi < 0 || len(groups[gi].vals) < minSetSize {
			or(d)
			continue
		}
		if emitted[gi] {
			continue
		}
		emitted[gi] = true
		g := groups[gi]
		set := rangesOf(g.vals)
		in := a.newB(bexpr{kind: bIn, x: g.x, set: &set})
		if g.guard != nil {
			in = a.mkAnd(g.guard, in)
		}
		or(in)
	}
	return out
}

// countEqualities counts the equality tests with constants among the
// disjuncts of e.
func countEqualities(e *bexpr) int {
	n := 0
	for e.kind == bOr {
		n += countEqualities(e.r)
		e = e.l
	}
	if _, _, _, ok := equalityTest(e); ok {
		n++
	}
	return n
}

// equalityTest recognizes x == k and (guard && x == k) with guard an
// equality test with a constant (the high word of a 64-bit test).
func equalityTest(d *bexpr) (x *wexpr, k uint32, guard *bexpr, ok bool) {
	isEq := func(e *bexpr) bool { return e.kind == bCmp && e.op == Eq && e.y.isConst() }
	switch {
	case isEq(d):
		return d.x, d.y.k, nil, true
	case d.kind == bAnd && isEq(d.l) && isEq(d.r):
		return d.r.x, d.r.y.k, d.l, true
	}
	return nil, 0, nil, false
}

// rangesOf returns the values as sorted ranges of consecutive values.
func rangesOf(vals []uint32) []valRange {
	vals = slices.Clone(vals)
	slices.Sort(vals)
	var rs []valRange
	for _, v := range vals {
		if n := len(rs); n > 0 && uint64(rs[n-1].hi)+1 >= uint64(v) {
			rs[n-1].hi = max(rs[n-1].hi, v)
			continue
		}
		rs = append(rs, valRange{v, v})
	}
	return rs
}

// planSet plans the search for a value in set: the ranges of all 32-bit
// values, outcome 1 inside the set and 0 outside, each weighing the same,
// so that the plan is the smallest tree.
func planSet(set []valRange, space *planSpace) *dnode {
	var rs []nrRange
	next := uint64(0)
	for _, r := range set {
		if uint64(r.lo) > next {
			rs = append(rs, nrRange{lo: uint32(next), hi: r.lo - 1, out: 0, w: 1})
		}
		rs = append(rs, nrRange{lo: r.lo, hi: r.hi, out: 1, w: 1})
		next = uint64(r.hi) + 1
	}
	if next <= 0xffffffff {
		rs = append(rs, nrRange{lo: uint32(next), hi: 0xffffffff, out: 0, w: 1})
	}
	return newPlanner(rs, space).plan(0, len(rs)-1)
}

// valueTree emits the search tree n over the value in A: to t for
// outcome 1, to f for outcome 0.
func (c *condEmitter) valueTree(n *dnode, t, f label) {
	b := c.b
	a := c.a // A holds the value all through the tree
	leaf := func(out int32) label {
		if out == 1 {
			return t
		}
		return f
	}
	target := func(n *dnode) label {
		if n.kind == dLeaf {
			return leaf(n.out)
		}
		n.lab = b.newLabel()
		return n.lab
	}
	var visit func(n *dnode)
	visit = func(n *dnode) {
		switch n.kind {
		case dSplit:
			lt, rt := target(n.left), target(n.right)
			c.jump(opJgeK, n.k, rt, lt)
			for _, child := range []*dnode{n.left, n.right} {
				if child.kind != dLeaf {
					c.bind(child.lab)
					c.a = a
					visit(child)
				}
			}
		case dChain:
			for i, e := range n.elems {
				next := leaf(n.out)
				if i+1 < len(n.elems) {
					next = b.newLabel()
				}
				c.jump(opJeqK, e.lo, leaf(e.out), next)
				if i+1 < len(n.elems) {
					c.bind(next)
					c.a = a
				}
			}
		}
	}
	if n.kind == dLeaf {
		c.jump(opJa, 0, leaf(n.out), 0)
		return
	}
	visit(n)
}
