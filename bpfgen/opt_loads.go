package bpfgen

// Values in A are numbered: two instructions that compute the same value
// from seccomp_data words and constants get the same number, whatever
// path led to them. seccomp_data does not change while the filter runs.

const (
	valUnknown int32 = -1 // a value we do not follow
	valUnset   int32 = -2 // no path reaches the instruction yet
)

// valNumbers numbers the values computed from a value and a constant:
// an open-addressing table keyed by the packed triple (op, a, k).
type valNumbers struct {
	t    *hashIndex
	next int32
}

// newValNumbers returns an empty numbering; its table grows as needed
// (most values are the words of seccomp_data, which need none).
func newValNumbers(t *hashIndex) valNumbers {
	t.reset(32)
	return valNumbers{t: t, next: wordValues}
}

// Loads of the words of seccomp_data are the values 0..wordValues-1;
// other values are numbered from wordValues on.
const wordValues = 16

// maxValue bounds the value numbers that fit a key of the table; a value
// computed from a larger one is not followed.
const maxValue = 1<<24 - 2

func (vn *valNumbers) number(op uint16, a int32, k uint32) int32 {
	if op == opLdAbs && k%4 == 0 && k/4 < wordValues {
		return int32(k / 4)
	}
	if a > maxValue || op > 0xff || vn.next > maxValue {
		return valUnknown
	}
	// Never zero: a is -1 (all ones) or op is not 0 (an ALU op).
	key := uint64(op)<<56 | uint64(uint32(a)&0xffffff)<<32 | uint64(k)
	if v, ok := vn.t.get(key); ok {
		return int32(v)
	}
	v := vn.next
	vn.next++
	vn.t.put(key, int(v))
	return v
}

// aluValue is the value A holds after the ALU instruction in runs on a;
// ok is false when in is not an ALU instruction with a constant.
func (vn *valNumbers) aluValue(in insn, a int32) (v int32, ok bool) {
	if opClass(in.op) != 0x04 || in.op&0x08 != 0 {
		return 0, false
	}
	if a < 0 {
		return valUnknown, true
	}
	return vn.number(in.op, a, in.k), true
}

// removeRedundantLoads deletes a load of A, with the ALU instructions
// that follow it, when A already holds the value they compute on every
// path that reaches them. One forward scan follows the value in A (jumps
// go forward, so all the paths into an instruction are known when the
// scan reaches it) and looks for such loads on the way.
func removeRedundantLoads(p *prog) bool {
	pos := p.positions()
	targeted := p.targeted(pos)
	vn := newValNumbers(&p.values)
	insns := p.insns
	// in[i] is the value A holds when instruction i starts.
	p.valBuf = grow(p.valBuf, len(insns))
	in := p.valBuf
	for i := range in {
		in[i] = valUnset
	}
	if len(in) > 0 {
		in[0] = valUnknown
	}
	// merge joins v into what A holds at instruction i.
	merge := func(i int32, v int32) {
		if w := in[i]; w == valUnset {
			in[i] = v
		} else if w != v {
			in[i] = valUnknown
		}
	}
	var drop []bool
	var redirect []label
	dropped := -1 // the instructions up to here are dropped already
	for i := range insns {
		ins := &insns[i]
		a := in[i]
		if a == valUnset {
			a = valUnknown // unreachable
		}
		out, load := a, false
		switch op := ins.op; {
		case op == opLdAbs || op == opLdImm:
			out, load = vn.number(op, -1, ins.k), true
		case op == opLdMem:
			out, load = valUnknown, true
		case setsAOp(op) || op == 0x87: // other loads, TXA
			out = valUnknown
		case opClass(op) == 0x04: // ALU
			out = valUnknown
			if op&0x08 == 0 && a >= 0 { // with a constant
				out = vn.number(op, a, ins.k)
			}
		}
		if load && a >= 0 && i > dropped {
			// The longest run i..end that recomputes a.
			end, v := -1, out
			if v == a {
				end = i
			}
			for j := i + 1; j < len(insns) && !targeted[j] && v >= 0; j++ {
				var ok bool
				if v, ok = vn.aluValue(insns[j], v); !ok {
					break
				}
				if v == a {
					end = j
				}
			}
			if end >= 0 && end+1 < len(insns) {
				if drop == nil {
					drop, redirect = p.drops(), p.redirects()
				}
				for j := i; j <= end; j++ {
					drop[j] = true
				}
				redirect[ins.id] = insns[end+1].id
				dropped = end
			}
		}
		if isJump(ins.op) {
			merge(pos[ins.jt], out)
			if ins.op != opJa {
				merge(pos[ins.jf], out)
			}
		} else if !isRet(ins.op) && i+1 < len(insns) {
			merge(int32(i+1), out)
		}
	}
	if drop == nil {
		return false
	}
	p.remove(drop, redirect)
	return true
}

// setsA reports whether in overwrites A without reading it.
func setsA(in insn) bool { return setsAOp(in.op) }

// setsAOp reports whether op overwrites A without reading it: the loads
// into A (class BPF_LD) of a word (BPF_W) from seccomp_data (BPF_ABS), a
// constant (BPF_IMM), scratch memory (BPF_MEM) or the length (BPF_LEN).
func setsAOp(op uint16) bool {
	return op == opLdAbs || op == opLdImm || op == opLdMem || op == 0x80
}

// removeDeadLoads deletes a load or ALU instruction whose result the
// next instruction overwrites before anything reads it, or that comes
// right before a return of a constant.
func removeDeadLoads(p *prog) bool {
	var drop []bool
	var redirect []label
	insns := p.insns
	for i := 0; i+1 < len(insns); i++ {
		op := insns[i].op
		if writesOnlyA := setsAOp(op) || opClass(op) == 0x04; !writesOnlyA {
			continue
		}
		if next := insns[i+1].op; setsAOp(next) || next == opRetK {
			if drop == nil {
				drop, redirect = p.drops(), p.redirects()
			}
			drop[i] = true
			redirect[insns[i].id] = insns[i+1].id
		}
	}
	if drop == nil {
		return false
	}
	p.remove(drop, redirect)
	return true
}
