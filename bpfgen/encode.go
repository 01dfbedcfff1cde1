package bpfgen

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/bpf"
)

// Format is an output format of a compiled filter.
type Format int

// Output formats.
const (
	// FormatRaw is the array of struct sock_filter as the kernel takes it:
	// 8 bytes per instruction, little-endian u16 code, u8 jt, u8 jf, u32 k.
	FormatRaw Format = iota
	// FormatASM is bpf_asm syntax, one instruction per line, with labels
	// for jump targets and symbolic comments.
	FormatASM
	// FormatC is a C source file defining the struct sock_filter array and
	// a struct sock_fprog pointing at it.
	FormatC
	// FormatGo is a Go source file defining a []bpf.RawInstruction.
	FormatGo
	// FormatJSON is the instructions and metadata as a JSON object.
	FormatJSON
)

var formatNames = [...]string{
	FormatRaw:  "raw",
	FormatASM:  "asm",
	FormatC:    "c",
	FormatGo:   "go",
	FormatJSON: "json",
}

// FormatNames lists the names ParseFormat accepts, in order.
func FormatNames() []string { return append([]string(nil), formatNames[:]...) }

// ParseFormat returns the format called name ("raw", "asm", "c", "go", "json").
func ParseFormat(name string) (Format, error) {
	for f, n := range formatNames {
		if n == name {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(formatNames[:], ", "))
}

// String returns the format's name.
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Binary reports whether the format is not text.
func (f Format) Binary() bool { return f == FormatRaw }

// EncodeOptions add what the program does not know to the encodings.
type EncodeOptions struct {
	// Source names the policy the filter was compiled from (headers, JSON).
	Source string
	// Arches names the target arches (headers, JSON).
	Arches []string
	// Name is the identifier of the filter in C ("filter" by default) and
	// Go ("Filter" by default) output.
	Name string
	// Package is the Go package clause ("filter" by default).
	Package string
	// Path adds executed-path statistics to JSON output when set.
	Path *PathStats
}

// Encode writes p to w in format f.
func Encode(w io.Writer, p *Program, f Format, opts EncodeOptions) error {
	var b []byte
	switch f {
	case FormatRaw:
		b = EncodeRaw(p.Insns)
	case FormatASM:
		b = []byte(header(";", opts) + Disassemble(p.Insns, p.Comments))
	case FormatC:
		b = encodeC(p, opts)
	case FormatGo:
		b = encodeGo(p, opts)
	case FormatJSON:
		var err error
		if b, err = encodeJSON(p, opts); err != nil {
			return err
		}
	default:
		return fmt.Errorf("bpfgen: unknown format %v", f)
	}
	_, err := w.Write(b)
	return err
}

// RawInsnSize is the size of one encoded struct sock_filter.
const RawInsnSize = 8

// EncodeRaw returns insns as an array of struct sock_filter, little-endian.
func EncodeRaw(insns []bpf.RawInstruction) []byte {
	b := make([]byte, 0, len(insns)*RawInsnSize)
	for _, ins := range insns {
		b = binary.LittleEndian.AppendUint16(b, ins.Op)
		b = append(b, ins.Jt, ins.Jf)
		b = binary.LittleEndian.AppendUint32(b, ins.K)
	}
	return b
}

// ErrBadRaw is wrapped by the errors of DecodeRaw.
var ErrBadRaw = errors.New("not a raw seccomp filter")

// DecodeRaw reads an array of struct sock_filter as EncodeRaw writes it.
// It checks only the framing (a whole number of instructions, at least one,
// at most MaxInstructions); Validate checks the instructions.
func DecodeRaw(b []byte) ([]bpf.RawInstruction, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadRaw)
	}
	if len(b)%RawInsnSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a multiple of %d", ErrBadRaw, len(b), RawInsnSize)
	}
	if n := len(b) / RawInsnSize; n > MaxInstructions {
		return nil, fmt.Errorf("%w: %d instructions, the kernel's limit is %d", ErrBadRaw, n, MaxInstructions)
	}
	insns := make([]bpf.RawInstruction, len(b)/RawInsnSize)
	for i := range insns {
		r := b[i*RawInsnSize:]
		insns[i] = bpf.RawInstruction{
			Op: binary.LittleEndian.Uint16(r),
			Jt: r[2],
			Jf: r[3],
			K:  binary.LittleEndian.Uint32(r[4:]),
		}
	}
	return insns, nil
}

// String returns the action as Kafel writes it: ALLOW, LOG, KILL,
// KILL_PROCESS, USER_NOTIF, ERRNO(n), TRAP(n), TRACE(n); any other value
// in hex.
func (a Action) String() string {
	data := uint16(a)
	switch a & 0xffff0000 {
	case Errno:
		return fmt.Sprintf("ERRNO(%d)", data)
	case Trap:
		return fmt.Sprintf("TRAP(%d)", data)
	case Trace:
		return fmt.Sprintf("TRACE(%d)", data)
	}
	switch a {
	case Allow:
		return "ALLOW"
	case Log:
		return "LOG"
	case KillThread:
		return "KILL"
	case KillProcess:
		return "KILL_PROCESS"
	case UserNotif:
		return "USER_NOTIF"
	}
	return fmt.Sprintf("%#08x", uint32(a))
}

// Disassemble returns insns in bpf_asm syntax, one instruction per line.
// Jump targets get labels (L and the instruction index); each line ends
// with a comment: comments[i] when present, otherwise the seccomp_data
// field a load reads or the action a return gives.
func Disassemble(insns []bpf.RawInstruction, comments map[int]string) string {
	targets := make(map[int]bool)
	for pc, ins := range insns {
		for _, t := range jumpTargets(pc, ins) {
			targets[t] = true
		}
	}
	var b strings.Builder
	for pc, ins := range insns {
		label := ""
		if targets[pc] {
			label = labelName(pc) + ":"
		}
		text := insnText(pc, ins, targets)
		comment := comments[pc]
		if comment == "" {
			comment = autoComment(ins)
		}
		line := fmt.Sprintf("%-8s%s", label, text)
		if comment != "" {
			line = fmt.Sprintf("%-40s ; %s", line, oneLine(comment))
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// compactListing returns one short line per instruction: label, bpf_asm
// text and comment, for the comments of the C and Go encodings.
func compactListing(insns []bpf.RawInstruction, comments map[int]string) []string {
	targets := make(map[int]bool)
	for pc, ins := range insns {
		for _, t := range jumpTargets(pc, ins) {
			targets[t] = true
		}
	}
	lines := make([]string, len(insns))
	for pc, ins := range insns {
		line := insnText(pc, ins, targets)
		if targets[pc] {
			line = labelName(pc) + ": " + line
		}
		c := comments[pc]
		if c == "" {
			c = autoComment(ins)
		}
		if c != "" {
			line += " ; " + oneLine(c)
		}
		lines[pc] = line
	}
	return lines
}

func labelName(pc int) string { return fmt.Sprintf("L%04d", pc) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// jumpTargets returns the instruction indexes ins at pc may jump to, other
// than the next one.
func jumpTargets(pc int, ins bpf.RawInstruction) []int {
	if ins.Op&bpfClassMask != bpfJMP {
		return nil
	}
	if ins.Op&0xf0 == bpfJA {
		return []int{pc + 1 + int(ins.K)}
	}
	var t []int
	if ins.Jt != 0 {
		t = append(t, pc+1+int(ins.Jt))
	}
	if ins.Jf != 0 {
		t = append(t, pc+1+int(ins.Jf))
	}
	if len(t) == 1 && ins.Op&0xf0 == bpfJSET && ins.Jt == 0 {
		// "jset" has no negated form: name both targets.
		t = append(t, pc+1)
	}
	return t
}

// insnText is one instruction in bpf_asm syntax.
func insnText(pc int, ins bpf.RawInstruction, targets map[int]bool) string {
	k := ins.K
	src := fmt.Sprintf("#%#x", k)
	if ins.Op&bpfX != 0 {
		src = "x"
	}
	switch ins.Op {
	case bpfLD | bpfW | bpfABS:
		return fmt.Sprintf("ld [%d]", k)
	case bpfLD | bpfH | bpfABS:
		return fmt.Sprintf("ldh [%d]", k)
	case bpfLD | bpfB | bpfABS:
		return fmt.Sprintf("ldb [%d]", k)
	case bpfLD | bpfW | bpfIND:
		return fmt.Sprintf("ld [x + %d]", k)
	case bpfLD | bpfH | bpfIND:
		return fmt.Sprintf("ldh [x + %d]", k)
	case bpfLD | bpfB | bpfIND:
		return fmt.Sprintf("ldb [x + %d]", k)
	case bpfLD | bpfW | bpfLEN:
		return "ld #len"
	case bpfLDX | bpfW | bpfLEN:
		return "ldx #len"
	case bpfLDX | bpfB | bpfMSH:
		return fmt.Sprintf("ldxb 4*([%d]&0xf)", k)
	case bpfLD | bpfIMM:
		return fmt.Sprintf("ld #%#x", k)
	case bpfLDX | bpfIMM:
		return fmt.Sprintf("ldx #%#x", k)
	case bpfLD | bpfMEM:
		return fmt.Sprintf("ld M[%d]", k)
	case bpfLDX | bpfMEM:
		return fmt.Sprintf("ldx M[%d]", k)
	case bpfST:
		return fmt.Sprintf("st M[%d]", k)
	case bpfSTX:
		return fmt.Sprintf("stx M[%d]", k)
	case bpfMISC | bpfTAX:
		return "tax"
	case bpfMISC | bpfTXA:
		return "txa"
	case bpfRET | bpfK:
		return fmt.Sprintf("ret #%#x", k)
	case bpfRET | bpfA:
		return "ret a"
	case bpfALU | bpfNEG:
		return "neg"
	case bpfJMP | bpfJA:
		return "ja " + labelName(pc+1+int(k))
	}
	switch ins.Op & bpfClassMask {
	case bpfALU:
		names := map[uint16]string{bpfADD: "add", bpfSUB: "sub", bpfMUL: "mul", bpfDIV: "div",
			bpfOR: "or", bpfAND: "and", bpfLSH: "lsh", bpfRSH: "rsh", bpfMOD: "mod", bpfXOR: "xor"}
		if name, ok := names[ins.Op&0xf0]; ok && ins.Op&^(0xf0|bpfX) == bpfALU {
			return name + " " + src
		}
	case bpfJMP:
		if ins.Op&^(0xf0|bpfX) != bpfJMP {
			break
		}
		type forms struct{ pos, neg string }
		names := map[uint16]forms{bpfJEQ: {"jeq", "jne"}, bpfJGT: {"jgt", "jle"}, bpfJGE: {"jge", "jlt"}, bpfJSET: {"jset", ""}}
		f, ok := names[ins.Op&0xf0]
		if !ok {
			break
		}
		t, e := labelName(pc+1+int(ins.Jt)), labelName(pc+1+int(ins.Jf))
		switch {
		case ins.Jf == 0 && ins.Jt != 0:
			return fmt.Sprintf("%s %s, %s", f.pos, src, t)
		case ins.Jt == 0 && ins.Jf != 0 && f.neg != "":
			return fmt.Sprintf("%s %s, %s", f.neg, src, e)
		default:
			return fmt.Sprintf("%s %s, %s, %s", f.pos, src, t, e)
		}
	}
	return fmt.Sprintf(".word %#04x, %d, %d, %#x ; not an instruction bpf_asm knows", ins.Op, ins.Jt, ins.Jf, k)
}

// autoComment explains a load of seccomp_data or a return.
func autoComment(ins bpf.RawInstruction) string {
	switch ins.Op {
	case bpfLD | bpfW | bpfABS:
		return seccompField(ins.K)
	case bpfRET | bpfK:
		return Action(ins.K).String()
	}
	return ""
}

// seccompField names the 32-bit word of struct seccomp_data at off.
func seccompField(off uint32) string {
	switch {
	case off == 0:
		return "nr"
	case off == 4:
		return "arch"
	case off == 8:
		return "instruction_pointer"
	case off == 12:
		return "instruction_pointer+4"
	case off >= 16 && off < seccompDataSize:
		s := fmt.Sprintf("args[%d]", (off-16)/8)
		if (off-16)%8 != 0 {
			s += fmt.Sprintf("+%d", (off-16)%8)
		}
		return s
	}
	return ""
}

func header(commentPrefix string, opts EncodeOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seccomp filter", commentPrefix)
	if opts.Source != "" {
		fmt.Fprintf(&b, " compiled from %s", opts.Source)
	}
	if len(opts.Arches) > 0 {
		fmt.Fprintf(&b, " for %s", strings.Join(opts.Arches, ","))
	}
	b.WriteString("\n")
	return b.String()
}

func encodeC(p *Program, opts EncodeOptions) []byte {
	name := opts.Name
	if name == "" {
		name = "filter"
	}
	asm := compactListing(p.Insns, p.Comments)
	var b bytes.Buffer
	h := strings.TrimPrefix(header("", opts), " ")
	fmt.Fprintf(&b, "/* %s */\n", cComment(strings.TrimSpace(h)+". Generated by kafelc; do not edit."))
	b.WriteString("#include <linux/filter.h>\n\n")
	fmt.Fprintf(&b, "struct sock_filter %s[%d] = {\n", name, len(p.Insns))
	for i, ins := range p.Insns {
		fmt.Fprintf(&b, "\t{ 0x%02x, %3d, %3d, 0x%08x }, /* %s */\n", ins.Op, ins.Jt, ins.Jf, ins.K, cComment(asm[i]))
	}
	b.WriteString("};\n\n")
	fmt.Fprintf(&b, "struct sock_fprog %s_prog = {\n\t.len = %d,\n\t.filter = %s,\n};\n", name, len(p.Insns), name)
	return b.Bytes()
}

// cComment makes s safe inside /* */.
func cComment(s string) string { return strings.ReplaceAll(s, "*/", "* /") }

func encodeGo(p *Program, opts EncodeOptions) []byte {
	name := opts.Name
	if name == "" {
		name = "Filter"
	}
	pkg := opts.Package
	if pkg == "" {
		pkg = "filter"
	}
	asm := compactListing(p.Insns, p.Comments)
	var b bytes.Buffer
	b.WriteString("// Code generated by kafelc. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString("import \"golang.org/x/net/bpf\"\n\n")
	fmt.Fprintf(&b, "// %s is the seccomp filter", name)
	if opts.Source != "" {
		fmt.Fprintf(&b, " compiled from %s", opts.Source)
	}
	if len(opts.Arches) > 0 {
		fmt.Fprintf(&b, " for %s", strings.Join(opts.Arches, ","))
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "var %s = []bpf.RawInstruction{\n", name)
	// The comments are aligned one space after the longest element, as
	// gofmt aligns the trailing comments of consecutive lines.
	elems := make([]string, len(p.Insns))
	width := 0
	for i, ins := range p.Insns {
		elems[i] = fmt.Sprintf("{Op: 0x%02x, Jt: %d, Jf: %d, K: 0x%08x},", ins.Op, ins.Jt, ins.Jf, ins.K)
		width = max(width, len(elems[i]))
	}
	for i, e := range elems {
		fmt.Fprintf(&b, "\t%-*s // %s\n", width, e, strings.TrimRight(asm[i], " \t"))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// JSONProgram is the shape of the JSON encoding.
type JSONProgram struct {
	Source       string            `json:"source,omitempty"` // the policy's name
	Arches       []string          `json:"arches,omitempty"` // target arch names
	Instructions []JSONInstruction `json:"instructions"`
	Stats        JSONStats         `json:"stats"`
}

// JSONInstruction is one instruction of the JSON encoding.
type JSONInstruction struct {
	// Code, Jt, Jf and K are the fields of struct sock_filter.
	Code uint16 `json:"code"`
	Jt   uint8  `json:"jt"`
	Jf   uint8  `json:"jf"`
	K    uint32 `json:"k"`
	// Asm is the instruction in bpf_asm syntax (jump targets as labels
	// L and the instruction index); Comment what it tests or returns.
	Asm     string `json:"asm"`
	Comment string `json:"comment,omitempty"`
}

// JSONStats is the statistics part of the JSON encoding.
type JSONStats struct {
	Instructions int            `json:"instructions"`
	Unoptimized  int            `json:"unoptimized,omitempty"` // length before the optimizer
	Passes       map[string]int `json:"passes,omitempty"`      // changes made by each optimizer pass
	// MeanPath and LongestPath are the executed-path figures of
	// MeasurePaths, when they were measured.
	MeanPath    *float64 `json:"mean_path,omitempty"`
	LongestPath *int     `json:"longest_path,omitempty"`
}

func encodeJSON(p *Program, opts EncodeOptions) ([]byte, error) {
	targets := make(map[int]bool)
	for pc, ins := range p.Insns {
		for _, t := range jumpTargets(pc, ins) {
			targets[t] = true
		}
	}
	jp := JSONProgram{
		Source:       opts.Source,
		Arches:       opts.Arches,
		Instructions: make([]JSONInstruction, len(p.Insns)),
		Stats: JSONStats{
			Instructions: len(p.Insns),
			Unoptimized:  p.Stats.Unoptimized,
			Passes:       p.Stats.Passes,
		},
	}
	for pc, ins := range p.Insns {
		c := p.Comments[pc]
		if c == "" {
			c = autoComment(ins)
		}
		jp.Instructions[pc] = JSONInstruction{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K, Asm: insnText(pc, ins, targets), Comment: oneLine(c)}
	}
	if ps := opts.Path; ps != nil {
		mean, longest := ps.Mean, ps.Longest
		jp.Stats.MeanPath, jp.Stats.LongestPath = &mean, &longest
	}
	b, err := json.MarshalIndent(jp, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
