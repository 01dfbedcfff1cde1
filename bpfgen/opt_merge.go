package bpfgen

import "encoding/binary"

// mergeTails shares identical code: a block (a straight run of
// instructions ending in a jump or a return) that nothing falls into is
// dropped in favour of an identical run of instructions further on, to
// which its jumps then go. Identical returns, identical argument checks
// of different syscalls and identical ends of checks are thereby kept
// once. Paths do not get longer: only jump targets move.
func mergeTails(p *prog) bool {
	pos := p.positions()
	targeted := p.targeted(pos)
	// tails maps the encoding of a run of instructions that ends in a
	// terminator to the index of the nearest such run seen so far (the
	// scan goes from the end backwards).
	tails := make(map[string]int)
	redirect := make(map[label]label)
	var key []byte
	end := -1 // index of the terminator ending the current block, -1: none
	for i := len(p.insns) - 1; i >= 0; i-- {
		in := p.insns[i]
		if isTerminator(in.op) {
			end = i
			key = key[:0]
		}
		if end < 0 {
			continue
		}
		leader := i == 0 || targeted[i] || isTerminator(p.insns[i-1].op)
		// The run i..end, encoded from its end.
		key = appendInsnKey(key, in)
		k := string(key)
		if leader && i > 0 && isTerminator(p.insns[i-1].op) {
			if q, ok := tails[k]; ok {
				redirect[in.id] = p.insns[q].id
				end = -1
				continue
			}
		}
		if !usesScratch(in) {
			tails[k] = i
		}
		if leader {
			end = -1
		}
	}
	if len(redirect) == 0 {
		return false
	}
	p.retarget(redirect)
	return true
}

func appendInsnKey(b []byte, in insn) []byte {
	b = binary.LittleEndian.AppendUint16(b, in.op)
	b = binary.LittleEndian.AppendUint32(b, in.k)
	if isJump(in.op) {
		b = binary.LittleEndian.AppendUint32(b, uint32(in.jt))
		b = binary.LittleEndian.AppendUint32(b, uint32(in.jf))
	}
	return b
}

// usesScratch reports whether in reads scratch memory: a run starting
// there would read a word it did not store itself.
func usesScratch(in insn) bool { return in.op == opLdMem || in.op == opLdxMem }
