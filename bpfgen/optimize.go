package bpfgen

// A pass rewrites the program into one that gives the same verdict and
// executes no more instructions on any input (before jumps are resolved:
// a jump that ends up too long goes through a trampoline), and reports
// whether it changed anything. The passes work on instructions whose jump targets
// are instruction ids, so they never deal with offsets.
type pass struct {
	name string
	run  func(p *prog) bool
}

// passes are the optimizer passes in the order they run.
var passes = []pass{
	{"thread-jumps", threadJumps},
	{"known-jumps", foldKnownJumps},
	{"redundant-loads", removeRedundantLoads},
	{"dead-loads", removeDeadLoads},
	{"merge-tails", mergeTails},
	{"jumps-to-next", removeJumpsToNext},
	{"unreachable", removeUnreachable},
}

// maxRounds bounds the rounds of passes; every pass shrinks the program
// or shortens a path, so the fixpoint comes long before.
const maxRounds = 100

// optimize runs the passes in order, round after round, until a whole
// round's worth of passes in a row changed nothing, counting in counts
// how often each one changed p, and reports whether any did. A program
// still far over the kernel's limit stops early, when a round shrinks it
// by less than a hundredth: its length is then only reported.
func optimize(p *prog, counts map[string]int) bool {
	quiet := 0 // passes run since the last change
	changed := false
	roundStart := len(p.insns)
	for i := 0; i < maxRounds*len(passes) && quiet < len(passes); i++ {
		ps := passes[i%len(passes)]
		if ps.run(p) {
			counts[ps.name]++
			quiet = 0
			changed = true
		} else {
			quiet++
		}
		if i%len(passes) == len(passes)-1 {
			n := len(p.insns)
			if n > MaxInstructions && roundStart-n < n/100 {
				break
			}
			roundStart = n
		}
	}
	return changed
}

// jumpsChanged records that a jump target changed.
func (p *prog) jumpsChanged() { p.targetedOK = false }

// remove deletes the instructions whose index is marked in drop; jumps to
// a deleted instruction go to redirect[its id] instead (a table by id,
// see redirects; nil: none), which must itself survive or be redirected.
func (p *prog) remove(drop []bool, redirect []label) {
	p.retarget(redirect)
	out := p.insns[:0]
	for i, in := range p.insns {
		if !drop[i] {
			out = append(out, in)
		}
	}
	p.insns = out
	p.posOK, p.targetedOK = false, false
}

// targeted marks the instructions (by index) that some jump goes to. A
// pass that changes a jump must say so (jumpsChanged).
func (p *prog) targeted(pos []int32) []bool {
	if p.targetedOK && len(p.targetedBuf) == len(p.insns) {
		return p.targetedBuf
	}
	p.targetedOK = true
	p.targetedBuf = grow(p.targetedBuf, len(p.insns))
	t := p.targetedBuf
	clear(t)
	for _, in := range p.insns {
		if isJump(in.op) {
			t[pos[in.jt]] = true
			if in.op != opJa {
				t[pos[in.jf]] = true
			}
		}
	}
	return t
}
