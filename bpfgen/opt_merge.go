package bpfgen

// mergeTails shares identical code: a block (a straight run of
// instructions ending in a jump or a return) that nothing falls into is
// dropped in favour of an identical run of instructions further on, to
// which its jumps then go. Identical returns, identical argument checks
// of different syscalls and identical ends of checks are thereby kept
// once. Paths do not get longer: only jump targets move.
func mergeTails(p *prog) bool {
	// Once it has merged something, twins are likely: the check would
	// mostly cost a scan more.
	if !p.merged && !twinTerminators(p) {
		return false // no two runs are identical
	}
	pos := p.positions()
	targeted := p.targeted(pos)
	// tails maps the hash of a run of instructions that ends in a
	// terminator to the index of the nearest such run seen so far (the
	// scan goes from the end backwards).
	tails := &p.tails
	tails.reset(len(p.insns))
	var redirect []label // by id, see redirects; nil: none yet
	var h uint64
	end := -1 // index of the terminator ending the current block, -1: none
	follow := func(l label) label {
		for redirect[l] != noLabel {
			l = redirect[l]
		}
		return l
	}
	insns := p.insns
	for i := len(insns) - 1; i >= 0; i-- {
		in := &insns[i]
		// Jumps go forward, so the blocks this one jumps to are settled:
		// retarget now, and the block may match one that already did.
		if isJump(in.op) && redirect != nil {
			in.jt = follow(in.jt)
			if in.op != opJa {
				in.jf = follow(in.jf)
			}
		}
		if isTerminator(in.op) {
			end = i
			h = 0
		}
		if end < 0 {
			continue
		}
		afterTerminator := i > 0 && isTerminator(insns[i-1].op)
		leader := i == 0 || targeted[i] || afterTerminator
		h = mixInsn(h, in) // the hash of the run i..end
		if afterTerminator {
			// One probe both looks for an identical run further on and
			// records this one in its place when there is none.
			s := tails.claim(h)
			if s.key != 0 && sameRun(insns[i:end+1], insns[s.val:]) {
				if redirect == nil {
					redirect = p.redirects()
				}
				redirect[in.id] = insns[s.val].id
				end = -1
				continue
			}
			if !usesScratch(*in) {
				tails.set(s, h, i)
			}
		} else if !usesScratch(*in) {
			tails.put(h, i)
		}
		if leader {
			end = -1
		}
	}
	if redirect != nil {
		p.jumpsChanged()
		p.merged = true
	}
	return redirect != nil
}

// twinTerminators reports whether p may hold two identical terminators
// (false: it surely does not). Two identical runs of instructions that
// end in a terminator end in two identical ones, so without them
// merge-tails has nothing to do, and finds it out much sooner: most
// jumps are told apart by their targets, counted in a table by id, and
// only the others (and the returns) go through a hash table.
func twinTerminators(p *prog) bool {
	// refs[2*id] counts (up to 2) the jumps whose jt is id,
	// refs[2*id+1] the conditional jumps whose jf is id.
	refs := grow(p.refsBuf, 2*int(p.nextID))
	p.refsBuf = refs
	clear(refs)
	for _, in := range p.insns {
		if isJump(in.op) {
			refs[2*in.jt] = min(refs[2*in.jt]+1, 2)
			if in.op != opJa {
				refs[2*in.jf+1] = min(refs[2*in.jf+1]+1, 2)
			}
		}
	}
	seen := &p.tails
	seen.reset(len(p.insns) / 4) // more than the terminators hashed, as a rule
	insns := p.insns
	for i := range insns {
		in := &insns[i]
		var key uint64
		switch {
		case isRet(in.op):
			key = mix(mix(0, uint64(in.op)), uint64(in.k))
		case in.op == opJa && refs[2*in.jt] == 2:
			key = mix(mix(0, uint64(in.op)), uint64(uint32(in.jt)))
		case isCondJump(in.op) && refs[2*in.jt] == 2 && refs[2*in.jf+1] == 2:
			key = mixInsn(0, in)
		default:
			continue // not a terminator, or the only jump to a target
		}
		s := seen.claim(key)
		if s.key != 0 {
			return true // a twin, or (rarely) a hash collision
		}
		seen.set(s, key, 0)
	}
	return false
}

// mixInsn adds in to the hash h of the instructions after it.
func mixInsn(h uint64, in *insn) uint64 {
	h = mix(h, uint64(in.op)<<32|uint64(in.k))
	return mix(h, uint64(uint32(in.jt))<<32|uint64(uint32(in.jf)))
}

// sameRun reports whether b starts with the instructions of a.
func sameRun(a, b []insn) bool {
	if len(b) < len(a) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.op != y.op || x.k != y.k {
			return false
		}
		if isJump(x.op) && (x.jt != y.jt || (x.op != opJa && x.jf != y.jf)) {
			return false
		}
	}
	return true
}

// usesScratch reports whether in reads scratch memory: a run starting
// there would read a word it did not store itself.
func usesScratch(in insn) bool { return in.op == opLdMem || in.op == opLdxMem }

// hashIndex maps 64-bit hashes to indexes: an open-addressing table, much
// cheaper than a map for the one-shot use of a pass.
type hashIndex struct {
	slots []hashSlot
	mask  uint64
	shift uint
	n     int // keys stored
}

// hashSlot is a key and its value, side by side: one cache line to look
// at per probe.
type hashSlot struct {
	key uint64 // 0: empty
	val int32
}

// newHashIndex returns an empty table with room for about n keys (it
// grows past them).
func newHashIndex(n int) *hashIndex {
	t := new(hashIndex)
	t.reset(n)
	return t
}

// reset empties t, with room for about n keys, reusing its slots when
// there are enough.
func (t *hashIndex) reset(n int) {
	size, bits := 16, uint(4)
	for 2*size < 3*n {
		size, bits = size*2, bits+1
	}
	if cap(t.slots) < size {
		t.slots = make([]hashSlot, size)
	} else {
		t.slots = t.slots[:size]
		clear(t.slots)
	}
	t.mask, t.shift, t.n = uint64(size-1), 64-bits, 0
}

// slot finds h's slot or the empty one where it belongs. Key 0 marks an
// empty slot, so hash 0 is stored as 1 (a collision callers rule out).
func (t *hashIndex) slot(h uint64) (*hashSlot, uint64) {
	if h == 0 {
		h = 1
	}
	i := (h * 0x9e3779b97f4a7c15) >> t.shift // Fibonacci hashing: the top bits mix all of h
	for {
		s := &t.slots[i]
		if s.key == h || s.key == 0 {
			return s, h
		}
		i = (i + 1) & t.mask
	}
}

func (t *hashIndex) get(h uint64) (int, bool) {
	s, h := t.slot(h)
	return int(s.val), s.key == h
}

func (t *hashIndex) put(h uint64, v int) {
	s, h := t.slot(h)
	if s.key == 0 {
		if 4*(t.n+1) > 3*len(t.slots) { // keep a quarter of the slots empty
			t.rehash()
			s, h = t.slot(h)
		}
		t.n++
	}
	s.key, s.val = h, int32(v)
}

// claim returns h's slot, or the empty one where it belongs (key 0), with
// room made for one more key: set may fill it. Unlike a get followed by a
// put, it probes the table once.
func (t *hashIndex) claim(h uint64) *hashSlot {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.rehash()
	}
	s, _ := t.slot(h)
	return s
}

// set stores v under h in s, a slot that claim returned for h.
func (t *hashIndex) set(s *hashSlot, h uint64, v int) {
	if h == 0 {
		h = 1
	}
	if s.key == 0 {
		t.n++
	}
	s.key, s.val = h, int32(v)
}

// rehash doubles the table.
func (t *hashIndex) rehash() {
	old := t.slots
	t.slots = make([]hashSlot, 2*len(old))
	t.mask, t.shift = uint64(len(t.slots)-1), t.shift-1
	for _, o := range old {
		if o.key != 0 {
			s, _ := t.slot(o.key)
			*s = o
		}
	}
}
