package bpfgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// sampleInsns uses every instruction a seccomp filter may hold.
var sampleInsns = []bpf.RawInstruction{
	{Op: bpfLD | bpfW | bpfABS, K: 4},
	{Op: bpfJMP | bpfJEQ | bpfK, Jt: 1, Jf: 0, K: 0xc000003e},
	{Op: bpfRET | bpfK, K: uint32(KillProcess)},
	{Op: bpfLD | bpfW | bpfABS, K: 0},
	{Op: bpfJMP | bpfJGE | bpfK, Jt: 0, Jf: 2, K: 0x40000000},
	{Op: bpfJMP | bpfJSET | bpfK, Jt: 0, Jf: 1, K: 1},
	{Op: bpfJMP | bpfJGT | bpfX, Jt: 1, Jf: 2},
	{Op: bpfLD | bpfIMM, K: 7},
	{Op: bpfLDX | bpfIMM, K: 9},
	{Op: bpfST, K: 0},
	{Op: bpfSTX, K: 1},
	{Op: bpfLD | bpfMEM, K: 0},
	{Op: bpfLDX | bpfMEM, K: 1},
	{Op: bpfMISC | bpfTAX},
	{Op: bpfMISC | bpfTXA},
	{Op: bpfALU | bpfADD | bpfK, K: 1},
	{Op: bpfALU | bpfSUB | bpfX},
	{Op: bpfALU | bpfAND | bpfK, K: 0xff},
	{Op: bpfALU | bpfNEG},
	{Op: bpfLD | bpfW | bpfLEN},
	{Op: bpfJMP | bpfJA, K: 1},
	{Op: bpfRET | bpfK, K: uint32(Errno.WithData(1))},
	{Op: bpfRET | bpfA},
}

func TestRawRoundTrip(t *testing.T) {
	raw := EncodeRaw(sampleInsns)
	if len(raw) != 8*len(sampleInsns) {
		t.Fatalf("raw is %d bytes, want %d", len(raw), 8*len(sampleInsns))
	}
	// struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, little-endian.
	if want := []byte{0x15, 0x00, 1, 0, 0x3e, 0x00, 0x00, 0xc0}; !bytes.Equal(raw[8:16], want) {
		t.Errorf("second instruction encodes as % x, want % x", raw[8:16], want)
	}
	back, err := DecodeRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back) != fmt.Sprint(sampleInsns) {
		t.Errorf("round trip changed the program:\n%v\n%v", back, sampleInsns)
	}
	for _, bad := range [][]byte{nil, raw[:7], raw[:9], make([]byte, 8*(MaxInstructions+1))} {
		if _, err := DecodeRaw(bad); err == nil {
			t.Errorf("DecodeRaw of %d bytes: no error", len(bad))
		}
	}
}

func TestDisassemble(t *testing.T) {
	asm := Disassemble(sampleInsns, map[int]string{0: "seccomp_data.arch", 21: "openat\nrule 3"})
	for _, want := range []string{
		"        ld [4]", "; seccomp_data.arch",
		"jeq #0xc000003e, L0003",
		"ret #0x80000000", "; KILL_PROCESS",
		"L0003:  ld [0]", "; nr",
		"jlt #0x40000000, L0007",
		"jset #0x1, L0006, L0007",
		"jgt x, L0008, L0009",
		"ja L0022",
		"ret #0x50001", "; openat rule 3",
		"ret a",
	} {
		if !strings.Contains(asm, want) {
			t.Errorf("listing lacks %q:\n%s", want, asm)
		}
	}
	back, err := assembleListing(asm)
	if err != nil {
		t.Fatalf("%v\n%s", err, asm)
	}
	if fmt.Sprint(back) != fmt.Sprint(sampleInsns) {
		t.Errorf("listing does not assemble back to the program:\n%s\n%v\n%v", asm, back, sampleInsns)
	}
}

// assembleListing reads the subset of bpf_asm syntax that Disassemble
// writes, to check listings say what the program is.
func assembleListing(src string) ([]bpf.RawInstruction, error) {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	labels := map[string]int{}
	var texts []string
	for _, l := range lines {
		if i := strings.Index(l, ";"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if i := strings.Index(l, ":"); i > 0 && !strings.Contains(l[:i], " ") {
			labels[l[:i]] = len(texts)
			l = strings.TrimSpace(l[i+1:])
		}
		texts = append(texts, l)
	}
	num := func(s string) (uint32, error) {
		s = strings.TrimPrefix(s, "#")
		n, err := strconv.ParseUint(s, 0, 32)
		return uint32(n), err
	}
	var out []bpf.RawInstruction
	for pc, l := range texts {
		op, rest, _ := strings.Cut(l, " ")
		ops := strings.Split(rest, ", ")
		var ins bpf.RawInstruction
		var err error
		mem := func(s string) uint32 {
			n, e := num(strings.TrimSuffix(strings.TrimPrefix(s, "M["), "]"))
			if e != nil {
				err = e
			}
			return n
		}
		rel := func(label string) int {
			at, ok := labels[label]
			if !ok {
				err = fmt.Errorf("line %d: unknown label %q", pc, label)
			}
			return at - pc - 1
		}
		jumps := map[string]uint16{"jeq": bpfJEQ, "jne": bpfJEQ, "jgt": bpfJGT, "jle": bpfJGT, "jge": bpfJGE, "jlt": bpfJGE, "jset": bpfJSET}
		alu := map[string]uint16{"add": bpfADD, "sub": bpfSUB, "mul": bpfMUL, "div": bpfDIV, "or": bpfOR, "and": bpfAND, "lsh": bpfLSH, "rsh": bpfRSH, "xor": bpfXOR}
		switch {
		case l == "tax":
			ins.Op = bpfMISC | bpfTAX
		case l == "txa":
			ins.Op = bpfMISC | bpfTXA
		case l == "neg":
			ins.Op = bpfALU | bpfNEG
		case l == "ret a":
			ins.Op = bpfRET | bpfA
		case l == "ld #len":
			ins.Op = bpfLD | bpfW | bpfLEN
		case op == "ret":
			ins.Op = bpfRET | bpfK
			ins.K, err = num(rest)
		case op == "ld" && strings.HasPrefix(rest, "["):
			ins.Op = bpfLD | bpfW | bpfABS
			ins.K, err = num(strings.Trim(rest, "[]"))
		case op == "ld" && strings.HasPrefix(rest, "M["):
			ins.Op, ins.K = bpfLD|bpfMEM, mem(rest)
		case op == "ldx" && strings.HasPrefix(rest, "M["):
			ins.Op, ins.K = bpfLDX|bpfMEM, mem(rest)
		case op == "st":
			ins.Op, ins.K = bpfST, mem(rest)
		case op == "stx":
			ins.Op, ins.K = bpfSTX, mem(rest)
		case op == "ld":
			ins.Op = bpfLD | bpfIMM
			ins.K, err = num(rest)
		case op == "ldx":
			ins.Op = bpfLDX | bpfIMM
			ins.K, err = num(rest)
		case op == "ja":
			ins.Op = bpfJMP | bpfJA
			ins.K = uint32(rel(rest))
		case alu[op] != 0 || op == "add":
			ins.Op = bpfALU | alu[op]
			if rest == "x" {
				ins.Op |= bpfX
			} else {
				ins.K, err = num(rest)
			}
		case jumps[op] != 0 || op == "jeq" || op == "jne":
			ins.Op = bpfJMP | jumps[op]
			if ops[0] == "x" {
				ins.Op |= bpfX
			} else {
				ins.K, err = num(ops[0])
			}
			negated := op == "jne" || op == "jle" || op == "jlt"
			switch {
			case len(ops) == 3:
				ins.Jt, ins.Jf = uint8(rel(ops[1])), uint8(rel(ops[2]))
			case len(ops) == 2 && negated:
				ins.Jf = uint8(rel(ops[1]))
			case len(ops) == 2:
				ins.Jt = uint8(rel(ops[1]))
			default:
				err = fmt.Errorf("line %d: %q", pc, l)
			}
		default:
			err = fmt.Errorf("line %d: unknown instruction %q", pc, l)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ins)
	}
	return out, nil
}

func TestEncodeFormats(t *testing.T) {
	p := &Program{Insns: sampleInsns, Comments: map[int]string{2: "a */ comment"}, Stats: Stats{Instructions: len(sampleInsns)}}
	opts := EncodeOptions{Source: "test.policy", Arches: []string{"x86_64"}, Path: &PathStats{Mean: 3.5, Longest: 7}}
	encode := func(f Format) string {
		var b bytes.Buffer
		if err := Encode(&b, p, f, opts); err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		return b.String()
	}
	if got := encode(FormatRaw); got != string(EncodeRaw(sampleInsns)) {
		t.Errorf("raw format differs from EncodeRaw")
	}
	c := encode(FormatC)
	for _, want := range []string{"#include <linux/filter.h>", "struct sock_filter filter[23] = {",
		"{ 0x15,   1,   0, 0xc000003e },", "struct sock_fprog filter_prog = {", ".len = 23,", "a * / comment"} {
		if !strings.Contains(c, want) {
			t.Errorf("C output lacks %q:\n%s", want, c)
		}
	}
	if strings.Count(c, "*/") != strings.Count(c, "/*") {
		t.Errorf("C comments unbalanced:\n%s", c)
	}
	g := encode(FormatGo)
	if formatted, err := format.Source([]byte(g)); err != nil || string(formatted) != g {
		t.Errorf("Go output is not gofmt'ed Go (%v):\n%s", err, g)
	}
	for _, want := range []string{"// Code generated by kafelc. DO NOT EDIT.", "package filter", "var Filter = []bpf.RawInstruction{",
		"{Op: 0x15, Jt: 1, Jf: 0, K: 0xc000003e},"} {
		if !strings.Contains(g, want) {
			t.Errorf("Go output lacks %q:\n%s", want, g)
		}
	}
	var jp JSONProgram
	if err := json.Unmarshal([]byte(encode(FormatJSON)), &jp); err != nil {
		t.Fatal(err)
	}
	if len(jp.Instructions) != 23 || jp.Instructions[1].K != 0xc000003e || jp.Instructions[1].Code != 0x15 ||
		jp.Arches[0] != "x86_64" || jp.Stats.Instructions != 23 || *jp.Stats.MeanPath != 3.5 || *jp.Stats.LongestPath != 7 {
		t.Errorf("JSON output wrong: %+v", jp)
	}
	for _, name := range FormatNames() {
		f, err := ParseFormat(name)
		if err != nil || f.String() != name {
			t.Errorf("ParseFormat(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseFormat("elf"); err == nil {
		t.Error("ParseFormat(elf): no error")
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{
		Allow: "ALLOW", Log: "LOG", KillThread: "KILL", KillProcess: "KILL_PROCESS", UserNotif: "USER_NOTIF",
		Errno.WithData(1): "ERRNO(1)", Trap.WithData(5): "TRAP(5)", Trace.WithData(65535): "TRACE(65535)",
		0x12340000: "0x12340000",
	} {
		if got := a.String(); got != want {
			t.Errorf("Action(%#x).String() = %q, want %q", uint32(a), got, want)
		}
	}
}

// FuzzDecodeRaw: decoding never panics; what decodes encodes back to the
// same bytes, disassembles, and when the kernel would accept it, runs to a
// verdict on any input.
func FuzzDecodeRaw(f *testing.F) {
	f.Add(EncodeRaw(sampleInsns))
	f.Add([]byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		insns, err := DecodeRaw(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeRaw(insns), b) {
			t.Fatalf("re-encoding changed the bytes")
		}
		_ = Disassemble(insns, nil)
		fl, err := NewFilter(insns)
		if err != nil {
			return
		}
		for _, be := range []bool{false, true} {
			_, n := fl.Run(SeccompData{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{^uint64(0)}}, be)
			if n < 1 || n > len(insns) {
				t.Fatalf("ran %d instructions of %d", n, len(insns))
			}
		}
	})
}
