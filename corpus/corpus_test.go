package corpus_test

import (
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/corpus"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

// TestPoliciesAreStrictKafel loads every shipped policy in strict mode for
// each arch it is written for: the reference compiler must accept it too.
func TestPoliciesAreStrictKafel(t *testing.T) {
	var arches []*syscalls.Arch
	for _, name := range []string{"x86_64", "aarch64"} {
		a, ok := syscalls.LookupArch(name)
		if !ok {
			t.Fatalf("no syscall table for %s", name)
		}
		arches = append(arches, a)
	}
	if len(corpus.Names()) == 0 {
		t.Fatal("no policy is embedded")
	}
	for _, name := range corpus.Names() {
		src, ok := corpus.Lookup(name)
		if !ok {
			t.Fatalf("Names lists %s, Lookup does not find it", name)
		}
		p, err := kafel.Load(name+".kafel", src, kafel.Options{Arches: arches, Strict: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Warnings) > 0 {
			t.Errorf("%s: warnings in strict mode: %v", name, p.Warnings)
		}
	}
}

// TestDefaultPolicyVerdicts spot-checks what the default policy means on
// x86_64: ordinary calls allowed, jail-widening calls killed, unknown
// calls ENOSYS, and argument checks on clone, socket and ioctl.
func TestDefaultPolicyVerdicts(t *testing.T) {
	x86, _ := syscalls.LookupArch("x86_64")
	p, err := kafel.Load(corpus.DefaultName, corpus.Default(), kafel.Options{Arches: []*syscalls.Arch{x86}})
	if err != nil {
		t.Fatal(err)
	}
	rs := p.RuleSet()
	nr := func(name string) int32 {
		s, ok := x86.Lookup(name)
		if !ok {
			t.Fatalf("no syscall %s", name)
		}
		return int32(s.Nr)
	}
	enosys := bpfgen.Errno.WithData(38)
	tests := []struct {
		call string
		args [6]uint64
		want bpfgen.Action
	}{
		{"read", [6]uint64{}, bpfgen.Allow},
		{"execve", [6]uint64{}, bpfgen.Allow},
		{"clone", [6]uint64{0x3d0f00}, bpfgen.Allow},         // a thread
		{"clone", [6]uint64{0x10000000}, bpfgen.KillProcess}, // CLONE_NEWUSER
		{"clone3", [6]uint64{}, enosys},
		{"socket", [6]uint64{1}, bpfgen.Allow},
		{"socket", [6]uint64{16}, bpfgen.Errno.WithData(97)}, // AF_NETLINK
		{"ioctl", [6]uint64{0, 0x5401}, bpfgen.Allow},        // TCGETS
		{"ioctl", [6]uint64{0, 0x5412}, bpfgen.KillProcess},  // TIOCSTI
		{"mount", [6]uint64{}, bpfgen.KillProcess},
		{"ptrace", [6]uint64{}, bpfgen.KillProcess},
		{"bpf", [6]uint64{}, bpfgen.KillProcess},
		{"personality", [6]uint64{0xffffffff}, bpfgen.Allow},
		{"personality", [6]uint64{0x0040000}, enosys},
		{"syslog", [6]uint64{}, enosys},
	}
	for _, tt := range tests {
		d := bpfgen.SeccompData{Nr: nr(tt.call), Arch: x86.AuditArch, Args: tt.args}
		if got := rs.Eval(d); got != tt.want {
			t.Errorf("%s%#x = %s, want %s", tt.call, tt.args[:2], got, tt.want)
		}
	}
}
