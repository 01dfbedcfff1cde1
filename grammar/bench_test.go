package grammar

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// bigPolicy generates a policy of n rules in blocks of 100, with filters.
func bigPolicy(n int) []byte {
	var b strings.Builder
	b.WriteString("#define LIMIT 4096\nPOLICY big {\n")
	for i := 0; i < n; i += 100 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  ERRNO(%d) {\n", i%4096)
		for j := i; j < i+100 && j < n; j++ {
			if j > i {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "    SYSCALL[%d] { (arg0 & 0x%x) == 0 && arg1 < LIMIT || !(arg2 != %d) }", j, j, j)
		}
		b.WriteString("\n  }")
	}
	b.WriteString("\n}\nUSE big DEFAULT KILL\n")
	return []byte(b.String())
}

// BenchmarkParse100kRules reports the time to parse a generated policy of
// 100,000 rules with filters (about 8 MB), and the CPU time of the process
// per parse (cpu-ns/op, the garbage collector's included).
func BenchmarkParse100kRules(b *testing.B) {
	src := bigPolicy(100_000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, _ := processCPU()
	defer func() {
		// On a loaded machine wall time says little; CPU time does.
		if cpu1, ok := processCPU(); ok {
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
		}
	}()
	for i := 0; i < b.N; i++ {
		f, diags := Parse("big.kafel", src, nil)
		if err := diags.Err(); err != nil {
			b.Fatal(err)
		}
		if n := len(f.Stmts[1].(*Policy).Body); n != 1000 {
			b.Fatalf("%d blocks", n)
		}
	}
}

// BenchmarkParseSeed parses the larger seed example.
func BenchmarkParseSeed(b *testing.B) {
	src := []byte(strings.Repeat("ALLOW { read, write { fd == 1 }, openat { flags & 3 == 0 } }\n", 50))
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		Parse("seed", src, nil)
	}
}

// BenchmarkParseShared300x3 parses the shared benchmark policy of 300
// syscalls with three argument alternatives each (the front half of the
// compile whose reference figure is about 1.8 ms).
func BenchmarkParseShared300x3(b *testing.B) {
	src, err := os.ReadFile("../../shared/bench/gen_300x3.policy")
	if err != nil {
		b.Skipf("shared benchmark policy not available: %v", err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, diags := Parse("gen_300x3.policy", src, nil); diags.Err() != nil {
			b.Fatal(diags.Err())
		}
	}
}

// BenchmarkParseShared300x3Arena is BenchmarkParseShared300x3 with one
// Arena reset between parses, as kafel's Load and Compile parse.
func BenchmarkParseShared300x3Arena(b *testing.B) {
	src, err := os.ReadFile("../../shared/bench/gen_300x3.policy")
	if err != nil {
		b.Skipf("shared benchmark policy not available: %v", err)
	}
	var a Arena
	opts := &Options{Arena: &a}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, diags := Parse("gen_300x3.policy", src, opts); diags.Err() != nil {
			b.Fatal(diags.Err())
		}
		a.Reset()
	}
}
