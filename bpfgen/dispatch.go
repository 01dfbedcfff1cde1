package bpfgen

import (
	"cmp"
	"slices"
	"sort"
)

// The syscall-number dispatch of an arch is a decision tree over the
// ranges of numbers that lead to the same outcome, the ranges of the
// default action included. Its inner nodes are "nr >= k" splits and, for
// numbers that stand alone between ranges of one outcome, chains of
// "nr == k" tests. Small range lists get the tree that is cheapest by a
// cost of size plus weighted path length (dynamic programming over
// intervals); large ones are first cut at their weighted middle.

const auditArchX86_64 = 0xc000003e // AUDIT_ARCH_X86_64

// The x32 ABI on x86_64 (arch/x86/include/uapi/asm/unistd.h): the kernel
// runs a number through its x32 table when it is __X32_SYSCALL_BIT plus
// a small index, so x32 numbers lie in x32First..x32Last. From
// 0x80000000 up a number reaches neither table (ENOSYS); -1 among them is
// what a tracer writes to skip a call, and what SYSCALL[-1] names.
const (
	x32First = 0x40000000
	x32Last  = 0x7fffffff
)

// IsX32 reports whether nr is an x32 syscall number on x86_64, which a
// rule set treats as a foreign arch unless AllowX32 is set.
func IsX32(nr uint32) bool { return nr >= x32First && nr <= x32Last }

// nrRange is a range of syscall numbers with one outcome.
type nrRange struct {
	lo, hi uint32
	out    int32 // index into gen.outcomes
	w      int64 // weight: how often the range is expected to be hit
}

func (r nrRange) single() bool { return r.lo == r.hi }

// Weights. A number of the measured window (the first PathSyscalls
// numbers of the arch, as MeasurePaths counts them) weighs numWeight;
// every range weighs at least 1, so that the rest of the number space
// still prefers shallow trees.
const numWeight = 16

// insnCost is the price of one instruction in path weight: an
// instruction more is worth a mean path longer by insnCost/numWeight/PathSyscalls.
const insnCost = numWeight * PathSyscalls / 6

// dpMax is the longest range list planned whole by dynamic programming;
// longer lists are cut at their weighted middle into parts of at most
// dpPart ranges first (the cost of the planning grows with the square of
// the length of the list).
const (
	dpMax  = 96
	dpPart = 16
)

// chainMax is the longest chain of "nr == k" tests considered.
const chainMax = 6

// ruleWeight is the extra weight of a number the rules name: those are
// the syscalls programs make, so their paths count more than those of
// numbers nothing calls (on the shared benchmarks this shortens the
// paths of the named syscalls by about two instructions, for a mean over
// all numbers still well under the reference compiler's).
const ruleWeight = 20 * numWeight

// weigh sets the weight of each range for numbers counted from base, and
// for the numbers named by rules (sorted).
func weigh(rs []nrRange, base uint32, named []uint32) {
	end := uint64(base) + PathSyscalls
	for i := range rs {
		lo, hi := max(uint64(rs[i].lo), uint64(base)), min(uint64(rs[i].hi)+1, end)
		rs[i].w = 1
		if lo < hi {
			rs[i].w += int64(hi-lo) * numWeight
		}
		for len(named) > 0 && named[0] <= rs[i].hi {
			if named[0] >= rs[i].lo {
				rs[i].w += ruleWeight
			}
			named = named[1:]
		}
	}
}

// dkind is the kind of a dispatch tree node.
type dkind uint8

const (
	dLeaf  dkind = iota // the outcome out
	dSplit              // nr >= k: right, else left
	dChain              // nr == elems[i].lo: elems[i].out, else outcome out
)

type dnode struct {
	kind        dkind
	out         int32
	k           uint32
	left, right *dnode
	elems       []nrRange
	lab         label
}

// planner builds the dispatch tree of one range list.
type planner struct {
	rs  []nrRange
	sum []int64 // sum[i] = weight of rs[:i]
	*planSpace
}

// planSpace holds what planners allocate, for reuse.
type planSpace struct {
	nodes  slab[dnode]
	elems  []nrRange // the tests of chain nodes are slices of it
	sum    []int64
	cells  []dpCell    // the table of optimal
	chains []chainPlan // the table of chains
}

// reset makes the space of the trees planned so far free for new ones.
func (s *planSpace) reset() {
	s.nodes.reset()
	s.elems = s.elems[:0]
}

// dpCell is the best tree found for an interval of ranges.
type dpCell struct {
	cost int64
	root int32 // best split: the left part ends at root
	bg   int32 // when >= 0, a chain falling back to outcome bg is cheaper
}

// newPlanner plans over rs, allocating in space (a new one when nil).
func newPlanner(rs []nrRange, space *planSpace) *planner {
	if space == nil {
		space = new(planSpace)
	}
	space.sum = grow(space.sum, len(rs)+1)
	p := &planner{rs: rs, sum: space.sum, planSpace: space}
	p.sum[0] = 0
	for i, r := range rs {
		p.sum[i+1] = p.sum[i] + r.w
	}
	return p
}

func (p *planner) weight(a, b int) int64 { return p.sum[b+1] - p.sum[a] }

// node allocates n, field by field for the reason newW gives.
func (p *planner) node(n dnode) *dnode {
	d := p.nodes.alloc()
	d.kind, d.out, d.k, d.left, d.right, d.elems, d.lab = n.kind, n.out, n.k, n.left, n.right, n.elems, n.lab
	return d
}

func (p *planner) leaf(i int) *dnode { return p.node(dnode{kind: dLeaf, out: p.rs[i].out}) }

// plan returns the tree deciding between rs[a..b].
func (p *planner) plan(a, b int) *dnode {
	switch {
	case a == b:
		return p.leaf(a)
	case b-a+1 <= dpMax:
		return p.optimal(a, b)
	}
	return p.planCut(a, b)
}

func (p *planner) planPart(a, b int) *dnode {
	switch {
	case a == b:
		return p.leaf(a)
	case b-a+1 <= dpPart:
		return p.optimal(a, b)
	}
	return p.planCut(a, b)
}

// planCut cuts rs[a..b] at its weighted middle and plans both parts.
func (p *planner) planCut(a, b int) *dnode {
	// Cut at the weighted middle.
	half := p.sum[a] + p.weight(a, b)/2
	k := sort.Search(b-a, func(i int) bool { return p.sum[a+i+1] >= half }) + a
	if k >= b {
		k = b - 1
	}
	return p.split(k, p.planPart(a, k), p.planPart(k+1, b))
}

func (p *planner) split(k int, l, r *dnode) *dnode {
	return p.node(dnode{kind: dSplit, k: p.rs[k+1].lo, left: l, right: r})
}

// chainSpan is the longest interval of ranges a chain can decide: the
// tested single numbers alternate with ranges of the fallback outcome.
const chainSpan = 2*chainMax + 2

// chainPlan is the cheapest chain of equality tests for an interval.
type chainPlan struct {
	cost int64
	bg   int32 // the outcome the chain falls back to
	ok   bool  // the interval can be decided by a chain
}

// chainTable returns, for each interval rs[a+i .. a+i+n-1] with n <= chainSpan,
// at index i*chainSpan+n-1, the cheapest chain that decides it: all
// ranges but those of the fallback outcome must be single numbers, and
// at most chainMax of them. The fallback is the outcome of the ranges
// that are not single numbers, or else that of one of the first two.
func (p *planner) chainTable(a, b int) []chainPlan {
	m := b - a + 1
	p.chains = grow(p.chains, m*chainSpan)
	out := p.chains
	clear(out)
	for i := 0; i < m; i++ {
		first := p.rs[a+i].out
		second := int32(-1)
		if i+1 < m {
			second = p.rs[a+i+1].out
		}
		wide := int32(-1) // outcome of the ranges that are not single numbers
		var n0, n1, nw, w0, w1, ww, wAll int64
		for n := 1; n <= chainSpan && i+n <= m; n++ {
			r := p.rs[a+i+n-1]
			wAll += r.w
			if !r.single() {
				if wide >= 0 && wide != r.out {
					break
				}
				if wide < 0 {
					// Count the earlier ranges of this outcome.
					wide = r.out
					for q := i; q < i+n-1; q++ {
						if p.rs[a+q].out == wide {
							nw++
							ww += p.rs[a+q].w
						}
					}
				}
			}
			if r.out == first {
				n0, w0 = n0+1, w0+r.w
			}
			if r.out == second {
				n1, w1 = n1+1, w1+r.w
			}
			if wide >= 0 && r.out == wide {
				nw, ww = nw+1, ww+r.w
			}
			if n < 2 {
				continue
			}
			best := chainPlan{}
			try := func(bg int32, nbg, wbg int64) {
				tested := int64(n) - nbg
				if tested > chainMax {
					return
				}
				// The tested numbers take 1..tested steps, the others all tested.
				wE := wAll - wbg
				c := tested*insnCost + wE*(tested+1)/2 + wbg*tested
				if !best.ok || c < best.cost {
					best = chainPlan{cost: c, bg: bg, ok: true}
				}
			}
			if wide >= 0 {
				try(wide, nw, ww)
			} else {
				try(first, n0, w0)
				try(second, n1, w1)
			}
			out[i*chainSpan+n-1] = best
		}
	}
	return out
}

// optimal returns the cheapest tree for rs[a..b] by dynamic programming
// over intervals, with Knuth's bound on the split points.
func (p *planner) optimal(a, b int) *dnode {
	m := b - a + 1
	p.cells = grow(p.cells, m*m)
	t := p.cells
	at := func(i, j int) *dpCell { return &t[i*m+j] }
	for i := 0; i < m; i++ {
		*at(i, i) = dpCell{root: int32(i), bg: -1}
	}
	chains := p.chainTable(a, b)
	for n := 2; n <= m; n++ {
		for i := 0; i+n-1 < m; i++ {
			j := i + n - 1
			c := at(i, j)
			lo, hi := i, j-1
			if n > 2 {
				lo, hi = int(at(i, j-1).root), int(at(i+1, j).root)
				if hi > j-1 {
					hi = j - 1
				}
				if lo > hi {
					lo, hi = hi, lo
				}
			}
			w := p.weight(a+i, a+j) + insnCost
			c.cost, c.bg = -1, -1
			for k := lo; k <= hi; k++ {
				s := at(i, k).cost + at(k+1, j).cost + w
				if c.cost < 0 || s < c.cost {
					c.cost, c.root = s, int32(k)
				}
			}
			if n <= chainSpan {
				if ch := chains[i*chainSpan+n-1]; ch.ok && ch.cost < c.cost {
					c.cost, c.bg = ch.cost, ch.bg
				}
			}
		}
	}
	var build func(i, j int) *dnode
	build = func(i, j int) *dnode {
		if i == j {
			return p.leaf(a + i)
		}
		c := at(i, j)
		if c.bg >= 0 {
			return p.chainNode(a+i, a+j, c.bg)
		}
		k := int(c.root)
		return p.split(a+k, build(i, k), build(k+1, j))
	}
	return build(0, m-1)
}

// chainNode tests the numbers of rs[a..b] whose outcome is not bg, the
// heaviest first.
func (p *planner) chainNode(a, b int, bg int32) *dnode {
	start := len(p.elems)
	for i := a; i <= b; i++ {
		if p.rs[i].out != bg {
			p.elems = append(p.elems, p.rs[i])
		}
	}
	end := len(p.elems)
	elems := p.elems[start:end:end]
	slices.SortStableFunc(elems, func(x, y nrRange) int { return cmp.Compare(y.w, x.w) })
	return p.node(dnode{kind: dChain, out: bg, elems: elems})
}

// walkRefs calls visit for each outcome the tree leads to, in the order
// emitTree emits the jumps to them.
func walkRefs(n *dnode, visit func(out int32)) {
	switch n.kind {
	case dLeaf:
		visit(n.out)
	case dSplit:
		walkRefs(n.left, visit)
		walkRefs(n.right, visit)
	case dChain:
		for _, e := range n.elems {
			visit(e.out)
		}
		visit(n.out)
	}
}
