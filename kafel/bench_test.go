package kafel

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// bigPolicy returns a policy of n rules with argument filters, spread over
// blocks of 1000 rules on a few syscalls.
func bigPolicy(n int) []byte {
	var b bytes.Buffer
	names := []string{"read", "write", "openat", "mmap", "close"}
	for i := 0; i < n; i += 1000 {
		fmt.Fprintf(&b, "POLICY p%d {\n  ALLOW {\n", i)
		for j := i; j < min(i+1000, n); j++ {
			sep := ","
			if j == min(i+1000, n)-1 {
				sep = ""
			}
			switch name := names[j%len(names)]; name {
			case "read", "write", "close":
				fmt.Fprintf(&b, "    %s { fd == %d || fd > 0x%x }%s\n", name, j, j*7, sep)
			case "openat":
				fmt.Fprintf(&b, "    openat { (flags & 0x%x) == 0 && dfd != %d }%s\n", j|1, j, sep)
			default:
				fmt.Fprintf(&b, "    mmap { prot == %d, len < %d }%s\n", j%8, j*4096, sep)
			}
		}
		fmt.Fprintf(&b, "  }\n}\nUSE p%d\n", i)
	}
	b.WriteString("DEFAULT KILL\n")
	return b.Bytes()
}

// BenchmarkLoad100k reports the time to load, check and resolve a
// policy of 100,000 filtered rules for x86_64.
func BenchmarkLoad100k(b *testing.B) {
	src := bigPolicy(100_000)
	opts := x86Opts(b)
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for range b.N {
		if _, err := Load("big.policy", src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHugePolicy loads a policy of more than 10 MB: it must finish (the
// test's timeout bounds it) and resolve every rule.
func TestHugePolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 10 MB policy; skipped in -short mode")
	}
	n := 250_000
	src := bigPolicy(n)
	if len(src) < 10<<20 {
		t.Fatalf("generated only %d bytes", len(src))
	}
	p, err := Load("huge.policy", src, x86Opts(t))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rules := range p.RuleSet().Arches[0].Syscalls {
		total += len(rules)
	}
	if total != n {
		t.Errorf("resolved %d rules, want %d", total, n)
	}
}

// BenchmarkLoadShared300x3 loads (parses, checks and resolves for x86_64)
// the shared benchmark policy of 300 syscalls with three argument
// alternatives each: the front end of the compile whose reference figure
// is about 1.8 ms.
func BenchmarkLoadShared300x3(b *testing.B) {
	benchShared300x3(b, func(src []byte, opts Options) error {
		_, err := Load("gen_300x3.policy", src, opts)
		return err
	})
}

// BenchmarkCompileShared300x3 compiles the shared benchmark policy of 300
// syscalls with three argument alternatives each, from source to program.
func BenchmarkCompileShared300x3(b *testing.B) {
	benchShared300x3(b, func(src []byte, opts Options) error {
		_, err := Compile("gen_300x3.policy", src, opts)
		return err
	})
}

// benchShared300x3 runs f on the shared benchmark policy of 300 syscalls
// with three argument alternatives each, for x86_64.
func benchShared300x3(b *testing.B, f func(src []byte, opts Options) error) {
	src, err := os.ReadFile("../../shared/bench/gen_300x3.policy")
	if err != nil {
		b.Skipf("shared benchmark policy not available: %v", err)
	}
	opts := x86Opts(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := f(src, opts); err != nil {
			b.Fatal(err)
		}
	}
}
