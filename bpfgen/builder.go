package bpfgen

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// Classic BPF opcodes the generator emits (linux/filter.h, linux/bpf_common.h).
const (
	opLdAbs  = 0x20 // BPF_LD|BPF_W|BPF_ABS: A = seccomp_data[k]
	opLdImm  = 0x00 // BPF_LD|BPF_IMM: A = k
	opLdMem  = 0x60 // BPF_LD|BPF_MEM: A = M[k]
	opLdxMem = 0x61 // BPF_LDX|BPF_MEM: X = M[k]
	opSt     = 0x02 // BPF_ST: M[k] = A
	opAndK   = 0x54 // BPF_ALU|BPF_AND|BPF_K
	opOrK    = 0x44 // BPF_ALU|BPF_OR|BPF_K
	opAndX   = 0x5c // BPF_ALU|BPF_AND|BPF_X
	opOrX    = 0x4c // BPF_ALU|BPF_OR|BPF_X
	opTax    = 0x07 // BPF_MISC|BPF_TAX
	opJa     = 0x05 // BPF_JMP|BPF_JA
	opJeqK   = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
	opJgtK   = 0x25 // BPF_JMP|BPF_JGT|BPF_K
	opJgeK   = 0x35 // BPF_JMP|BPF_JGE|BPF_K
	opJsetK  = 0x45 // BPF_JMP|BPF_JSET|BPF_K
	opJeqX   = 0x1d // BPF_JMP|BPF_JEQ|BPF_X
	opJgtX   = 0x2d
	opJgeX   = 0x3d
	opRetK   = 0x06 // BPF_RET|BPF_K
)

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// maxJump is the longest offset a conditional jump can encode.
const maxJump = 255

// label names an instruction before its position is known. An
// instruction's id has the same type: its index in the program as the
// generator emitted it, which stays with it when passes delete others.
// Once the generator is done (builder.finish), every jump target is an id.
type label int32

// insn is an instruction with symbolic jump targets: a conditional jump
// goes to jt or jf (both explicit, neither is an implicit fall-through),
// JA goes to jt. Other instructions fall through to the next one.
type insn struct {
	op     uint16
	k      uint32
	jt, jf label
	id     label
}

func opClass(op uint16) uint16 { return op & 0x07 }

func isJump(op uint16) bool { return opClass(op) == 0x05 }

func isCondJump(op uint16) bool { return isJump(op) && op != opJa }

func isRet(op uint16) bool { return opClass(op) == 0x06 }

// isTerminator reports whether control never falls through op.
func isTerminator(op uint16) bool { return isJump(op) || isRet(op) }

// prog is a program whose jump targets are instruction ids.
type prog struct {
	insns  []insn
	nextID label
	notes  []string // annotations of instructions, by id ("": none)
	pos    []int32  // cache of positions, valid when posOK
	posOK  bool
	// targetedOK says that targetedBuf holds what targeted would
	// return: no jump has changed since it was computed.
	targetedOK bool
	// merged says that merge-tails changed the program (see mergeTails).
	merged bool
	// Working tables of the passes, reused from pass to pass.
	dropBuf, targetedBuf []bool
	redirectBuf          []label
	valBuf               []int32
	refsBuf              []uint8   // of twinTerminators
	keysBuf              []uint64  // of twinTerminators
	tails, values        hashIndex // of merge-tails and redundant-loads
}

// noLabel marks an id that a redirect table does not redirect.
const noLabel label = -1

// positions maps instruction ids to their current index (-1: absent).
// The result is shared: it stays valid until instructions are removed,
// added or moved.
func (p *prog) positions() []int32 {
	if p.posOK && len(p.pos) == int(p.nextID) {
		return p.pos
	}
	pos := grow(p.pos, int(p.nextID))
	for i := range pos {
		pos[i] = -1
	}
	for i := range p.insns {
		pos[p.insns[i].id] = int32(i)
	}
	p.pos, p.posOK = pos, true
	return pos
}

// grow returns s with length n, reusing its array when it is large enough
// (the contents are then stale).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// drops returns a table of one flag per instruction, all false, for a
// pass to mark the instructions it deletes.
func (p *prog) drops() []bool {
	p.dropBuf = grow(p.dropBuf, len(p.insns))
	clear(p.dropBuf)
	return p.dropBuf
}

// redirects returns a table of one target per id, all noLabel, for a
// pass to say where jumps to the instructions it deletes go instead.
func (p *prog) redirects() []label {
	p.redirectBuf = grow(p.redirectBuf, int(p.nextID))
	for i := range p.redirectBuf {
		p.redirectBuf[i] = noLabel
	}
	return p.redirectBuf
}

// note returns the annotation of the instruction id, or "".
func (p *prog) note(id label) string {
	if id >= 0 && int(id) < len(p.notes) {
		return p.notes[id]
	}
	return ""
}

// newID returns a fresh instruction id.
func (p *prog) newID() label {
	id := p.nextID
	p.nextID++
	return id
}

// retarget rewrites every jump target through m, a table by id (noLabel:
// the id stays), following chains of redirections.
func (p *prog) retarget(m []label) {
	if m == nil {
		return
	}
	follow := func(l label) label {
		for n := 0; n <= len(m) && int(l) < len(m) && m[l] != noLabel; n++ {
			l = m[l]
		}
		return l
	}
	for i := range p.insns {
		in := &p.insns[i]
		if isJump(in.op) {
			in.jt = follow(in.jt)
			if in.op != opJa {
				in.jf = follow(in.jf)
			}
		}
	}
}

// builder emits instructions with symbolic labels.
type builder struct {
	insns   []insn
	binding []label // label -> id of the instruction it names (-1: unbound)
	pending []label // labels to bind to the next instruction
	// pendingNote annotates the next instruction emitted; so does
	// pendingText, when set, with a note made by noteText.
	pendingNote string
	pendingText noteSpan
	// The text of the notes made by noteText, all in one buffer, and
	// where each one is; finish turns them into strings.
	text  []byte
	spans []noteSpan
	notes []string // by id, "": none (shorter than the ids when the last ones have none)
}

func (b *builder) newLabel() label {
	b.binding = append(b.binding, -1)
	return label(len(b.binding) - 1)
}

// bind makes l name the next instruction emitted.
func (b *builder) bind(l label) { b.pending = append(b.pending, l) }

// noteSpan is a note made by noteText: the bytes text[start:end], of
// the instruction id.
type noteSpan struct {
	id         label
	start, end int32
}

// noteText annotates the next instruction emitted (unless it has a note
// of its own) with the concatenation of parts. The notes made so are
// made in one buffer, so that they cost one allocation for all.
func (b *builder) noteText(parts ...string) {
	start := len(b.text)
	for _, s := range parts {
		b.text = append(b.text, s...)
	}
	b.pendingText = noteSpan{id: -1, start: int32(start), end: int32(len(b.text))}
	b.pendingNote = ""
}

// emit appends in, whose id is its index in the program emitted, with
// its note.
func (b *builder) emit(in insn, note string) {
	id := label(len(b.insns))
	for _, l := range b.pending {
		b.binding[l] = id
	}
	b.pending = b.pending[:0]
	in.id = id
	if b.pendingNote != "" {
		if note == "" {
			note = b.pendingNote
		}
		b.pendingNote = ""
	}
	if b.pendingText.end > 0 {
		if note == "" {
			b.pendingText.id = id
			b.spans = append(b.spans, b.pendingText)
		}
		b.pendingText = noteSpan{}
	}
	if note != "" {
		for len(b.notes) < int(id) {
			b.notes = append(b.notes, "")
		}
		b.notes = append(b.notes, note)
	}
	b.insns = append(b.insns, in)
}

func (b *builder) stmt(op uint16, k uint32, note string) {
	b.emit(insn{op: op, k: k}, note)
}

func (b *builder) jump(op uint16, k uint32, jt, jf label, note string) {
	b.emit(insn{op: op, k: k, jt: jt, jf: jf}, note)
}

// reset empties b, keeping its tables for reuse.
func (b *builder) reset() {
	b.insns = b.insns[:0]
	b.binding = b.binding[:0]
	b.pending = b.pending[:0]
	b.pendingNote, b.pendingText = "", noteSpan{}
	b.text, b.spans = b.text[:0], b.spans[:0]
	b.notes = b.notes[:0] // emit and finish write every entry they extend it by

}

// finish resolves labels to instruction ids, making p (a new prog when
// p is nil) the program.
func (b *builder) finish(p *prog) (*prog, error) {
	if len(b.pending) > 0 {
		return nil, fmt.Errorf("bpfgen: internal error: label bound past the end of the program")
	}
	resolve := func(l label) (label, error) {
		if l < 0 || int(l) >= len(b.binding) || b.binding[l] < 0 {
			return 0, fmt.Errorf("bpfgen: internal error: jump to unbound label %d", l)
		}
		return b.binding[l], nil
	}
	if len(b.spans) > 0 {
		text := string(b.text)
		for _, sp := range b.spans {
			for len(b.notes) <= int(sp.id) {
				b.notes = append(b.notes, "")
			}
			b.notes[sp.id] = text[sp.start:sp.end]
		}
		b.spans = b.spans[:0]
	}
	if p == nil {
		p = new(prog)
	}
	p.insns, p.nextID, p.notes, p.posOK, p.targetedOK = b.insns, label(len(b.insns)), b.notes, false, false
	p.merged = false
	pos := p.positions()
	for i := range b.insns {
		in := &b.insns[i]
		if !isJump(in.op) {
			continue
		}
		var err error
		if in.jt, err = resolve(in.jt); err != nil {
			return nil, err
		}
		if int(pos[in.jt]) <= i {
			return nil, fmt.Errorf("bpfgen: internal error: backward jump at %d", i)
		}
		if in.op == opJa {
			continue
		}
		if in.jf, err = resolve(in.jf); err != nil {
			return nil, err
		}
		if int(pos[in.jf]) <= i {
			return nil, fmt.Errorf("bpfgen: internal error: backward jump at %d", i)
		}
	}
	if n := len(b.insns); n == 0 || isJump(b.insns[n-1].op) || !isRet(b.insns[n-1].op) {
		return nil, fmt.Errorf("bpfgen: internal error: program does not end in a return")
	}
	return p, nil
}

// TooLongError reports a filter longer than the kernel accepts.
type TooLongError struct {
	// Instructions is the length of the filter.
	Instructions int
}

// Error says how long the filter is and by how much it exceeds the limit.
func (e *TooLongError) Error() string {
	return fmt.Sprintf("filter has %d instructions, %d over the kernel's limit of %d",
		e.Instructions, e.Instructions-MaxInstructions, MaxInstructions)
}

// placed is an instruction laid out by layout.
type placed struct {
	op     uint16
	k      uint32
	rt, rf int32 // r-index of jump targets
	noteOf label // the id whose note the instruction carries
}

// assemblyBuffers are the working tables of layout, reused.
type assemblyBuffers struct {
	rev   []placed
	exact []int32
	// The closest copy of each return (by its k+1) and the closest
	// trampoline to each id (by id+1), as r-indexes.
	nearRet, nearJump hashIndex
}

// layout lays the program out, ready for encode to turn ids into
// offsets. A conditional jump whose target is more than 255 instructions
// away is sent to a nearby equivalent instead: a copy of the return it
// targets, or a JA to the target (a trampoline) placed right after the
// jump.
//
// It works from the end of the program backwards, so that every
// instruction after the one being placed already has its final relative
// position: it places the instructions of p, and the copies of returns
// and trampolines, in reverse order (r-index = index into the result),
// in buf.
func (p *prog) layout(buf *assemblyBuffers) []placed {
	n := len(p.insns)
	if c := n + n/8 + 16; cap(buf.rev) < c { // room for some trampolines
		buf.rev = make([]placed, 0, c)
	}
	rev := buf.rev[:0]
	exact := grow(buf.exact, int(p.nextID)) // id -> r-index of that instruction
	buf.exact = exact
	nearRet, nearJump := &buf.nearRet, &buf.nearJump
	nearRet.reset(16)
	nearJump.reset(0)
	pos := p.positions()
	insns := p.insns
	// near returns the r-index of the closest instruction that jumping to
	// id can go to instead of id itself (id, a copy of the same return, or
	// a trampoline to id), if the instruction placed next reaches it.
	near := func(id label) (int, bool) {
		here := len(rev)
		if r := int(exact[id]); here-r-1 <= maxJump {
			return r, true
		}
		var r int
		var ok bool
		if ti := &insns[pos[id]]; isRet(ti.op) {
			r, ok = nearRet.get(uint64(ti.k) + 1)
		} else {
			r, ok = nearJump.get(uint64(id) + 1)
		}
		return r, ok && here-r-1 <= maxJump
	}
	for i := n - 1; i >= 0; i-- {
		in := &insns[i]
		r := len(rev)
		switch {
		case in.op == opJa:
			rev = append(rev, placed{op: in.op, rt: exact[in.jt], noteOf: in.id})
		case isCondJump(in.op):
			for {
				// Most targets are near: look further only for the others.
				rt, rf := int(exact[in.jt]), int(exact[in.jf])
				okT, okF := len(rev)-rt-1 <= maxJump, len(rev)-rf-1 <= maxJump
				if !okT {
					rt, okT = near(in.jt)
				}
				if !okF {
					rf, okF = near(in.jf)
				}
				if okT && okF {
					r = len(rev)
					rev = append(rev, placed{op: in.op, k: in.k, rt: int32(rt), rf: int32(rf), noteOf: in.id})
					break
				}
				// Place a copy of the return or a trampoline right after in.
				far := in.jt
				if okT {
					far = in.jf
				}
				if ti := &insns[pos[far]]; isRet(ti.op) {
					nearRet.put(uint64(ti.k)+1, len(rev))
					rev = append(rev, placed{op: ti.op, k: ti.k, noteOf: ti.id})
				} else {
					nearJump.put(uint64(far)+1, len(rev))
					rev = append(rev, placed{op: opJa, rt: exact[far], noteOf: -1})
				}
			}
		default:
			rev = append(rev, placed{op: in.op, k: in.k, noteOf: in.id})
			if isRet(in.op) {
				nearRet.put(uint64(in.k)+1, r)
			}
		}
		exact[in.id] = int32(r)
	}
	buf.rev = rev
	return rev
}

// assemble lays p out and encodes it.
func (p *prog) assemble() ([]bpf.RawInstruction, map[int]string, error) {
	return p.encode(p.layout(new(assemblyBuffers)))
}

// encode turns the placed instructions rev into the program, with its
// notes.
func (p *prog) encode(rev []placed) ([]bpf.RawInstruction, map[int]string, error) {
	total := len(rev)
	if total > MaxInstructions {
		return nil, nil, &TooLongError{Instructions: total}
	}
	insns := make([]bpf.RawInstruction, total)
	var notes map[int]string
	n := 0
	for _, o := range rev {
		if p.note(o.noteOf) != "" {
			n++
		}
	}
	if n > 0 {
		notes = make(map[int]string, n)
	}
	for r, o := range rev {
		at := total - 1 - r
		ri := bpf.RawInstruction{Op: o.op, K: o.k}
		switch {
		case o.op == opJa:
			ri.K = uint32(r - int(o.rt) - 1)
		case isCondJump(o.op):
			jt, jf := r-int(o.rt)-1, r-int(o.rf)-1
			if jt < 0 || jt > maxJump || jf < 0 || jf > maxJump {
				return nil, nil, fmt.Errorf("bpfgen: internal error: jump offset %d/%d at %d", jt, jf, at)
			}
			ri.Jt, ri.Jf = uint8(jt), uint8(jf)
		}
		insns[at] = ri
		if note := p.note(o.noteOf); note != "" {
			notes[at] = note
		}
	}
	return insns, notes, nil
}
