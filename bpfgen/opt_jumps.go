package bpfgen

// threadJumps sends a jump to a JA straight to the JA's target, turns a
// JA to a return into a copy of that return, and a conditional jump
// whose two targets are the same into a JA.
func threadJumps(p *prog) bool {
	pos := p.positions()
	insns := p.insns
	changed := false
	final := func(l label) label {
		for {
			t := &insns[pos[l]]
			if t.op != opJa {
				return l
			}
			l = t.jt
		}
	}
	for i := range insns {
		in := &insns[i]
		if !isJump(in.op) {
			continue
		}
		if t := final(in.jt); t != in.jt {
			in.jt, changed = t, true
		}
		if in.op == opJa {
			if t := &insns[pos[in.jt]]; isRet(t.op) {
				in.op, in.k, in.jt = t.op, t.k, 0
				if note := p.note(t.id); note != "" && p.note(in.id) == "" {
					for len(p.notes) <= int(in.id) {
						p.notes = append(p.notes, "")
					}
					p.notes[in.id] = note
				}
				changed = true
			}
			continue
		}
		if t := final(in.jf); t != in.jf {
			in.jf, changed = t, true
		}
		if in.jt == in.jf {
			in.op, in.k, in.jf, changed = opJa, 0, 0, true
		}
	}
	if changed {
		p.jumpsChanged()
	}
	return changed
}

// removeJumpsToNext deletes each JA to the instruction right after it.
func removeJumpsToNext(p *prog) bool {
	var drop []bool
	var redirect []label
	for i := 0; i+1 < len(p.insns); i++ {
		if in := p.insns[i]; in.op == opJa && in.jt == p.insns[i+1].id {
			if drop == nil {
				drop, redirect = p.drops(), p.redirects()
			}
			drop[i] = true
			redirect[in.id] = in.jt
		}
	}
	if drop == nil {
		return false
	}
	p.remove(drop, redirect)
	return true
}

// removeUnreachable deletes the instructions no path reaches.
func removeUnreachable(p *prog) bool {
	pos := p.positions()
	insns := p.insns
	reach := p.drops()
	reach[0] = true
	dead := 0
	for i := range insns {
		in := &insns[i]
		if !reach[i] {
			dead++
			continue
		}
		if !isTerminator(in.op) && i+1 < len(insns) {
			reach[i+1] = true
		}
		if isJump(in.op) {
			reach[pos[in.jt]] = true
			if in.op != opJa {
				reach[pos[in.jf]] = true
			}
		}
	}
	if dead == 0 {
		return false
	}
	for i := range reach {
		reach[i] = !reach[i]
	}
	p.remove(reach, nil)
	return true
}

// fact is what a conditional jump on A with a constant tells about A on
// one of its edges: A lies in [lo, hi], A is not ne (when hasNe), the
// bits zero are clear, and A has one of the bits some set.
type fact struct {
	lo, hi uint32
	ne     uint32
	hasNe  bool
	zero   uint32
	some   uint32
}

// edgeFact is the fact of the edge of jump j taken when its condition is
// taken (true) or not; ok is false when the edge can never be taken.
func edgeFact(op uint16, k uint32, taken bool) (f fact, ok bool) {
	f = fact{lo: 0, hi: ^uint32(0)}
	switch op {
	case opJeqK:
		if taken {
			f.lo, f.hi = k, k
		} else {
			f.ne, f.hasNe = k, true
		}
	case opJgtK:
		if taken {
			if k == ^uint32(0) {
				return f, false
			}
			f.lo = k + 1
		} else {
			f.hi = k
		}
	case opJgeK:
		if taken {
			f.lo = k
		} else {
			if k == 0 {
				return f, false
			}
			f.hi = k - 1
		}
	case opJsetK:
		if taken {
			f.some = k
		} else {
			f.zero = k
		}
	default:
		return f, false
	}
	return f, true
}

// decide returns the outcome of the jump op #k on an A that satisfies f,
// if f decides it.
func (f fact) decide(op uint16, k uint32) (taken, ok bool) {
	maxA := min(f.hi, ^f.zero) // no A is larger
	switch op {
	case opJeqK:
		switch {
		case k < f.lo || k > f.hi, f.hasNe && f.ne == k, k&f.zero != 0:
			return false, true
		case f.lo == f.hi:
			return f.lo == k, true
		}
	case opJgtK:
		switch {
		case f.lo > k:
			return true, true
		case f.hi <= k, maxA <= k:
			return false, true
		}
	case opJgeK:
		switch {
		case f.lo >= k:
			return true, true
		case f.hi < k, maxA < k:
			return false, true
		}
	case opJsetK:
		switch {
		case f.lo == f.hi:
			return f.lo&k != 0, true
		case k&^f.zero == 0, f.hi < k&-k:
			return false, true
		case f.some != 0 && f.some&^k == 0:
			return true, true
		}
	}
	return false, false
}

// foldKnownJumps threads an edge of a conditional jump on A that goes
// straight to another conditional jump on A whose outcome the first one
// decides, e.g. the false edge of "A == 1" to "A == 1", to the target
// the second jump would take.
func foldKnownJumps(p *prog) bool {
	pos := p.positions()
	insns := p.insns
	changed := false
	for i := range insns {
		in := &insns[i]
		if !isCondJump(in.op) {
			continue
		}
		for _, taken := range [2]bool{true, false} {
			edge := &in.jf
			if taken {
				edge = &in.jt
			}
			for {
				t := &insns[pos[*edge]]
				if !isCondJump(t.op) {
					break
				}
				f, ok := edgeFact(in.op, in.k, taken)
				if !ok {
					break
				}
				res, ok := f.decide(t.op, t.k)
				if !ok {
					break
				}
				if res {
					*edge = t.jt
				} else {
					*edge = t.jf
				}
				changed = true
			}
		}
	}
	if changed {
		p.jumpsChanged()
	}
	return changed
}
