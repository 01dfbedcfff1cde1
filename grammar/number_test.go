package grammar

import (
	"fmt"
	"testing"
)

func TestParseNumber(t *testing.T) {
	for s, want := range map[string]uint64{"0": 0, "42": 42, "-1": ^uint64(0), "0x1F": 31, "0755": 0o755, "0b101": 5,
		"18446744073709551615": ^uint64(0), "-9223372036854775808": 1 << 63} {
		if got, err := ParseNumber(s); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %#x, %v; want %#x", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-", "0x", "0b", "08", "1_000", "+1", "abc", "18446744073709551616", "0x10000000000000000", "--1"} {
		if got, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %#x, want an error", s, got)
		}
	}
}

// FuzzParseNumber: never panics; what parses prints back in hex and
// decimal to the same number.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-1", "0x1f", "0755", "0b101", "18446744073709551615", "--1", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		for _, back := range []string{fmt.Sprintf("%#x", n), fmt.Sprintf("%d", n)} {
			if m, err := ParseNumber(back); err != nil || m != n {
				t.Fatalf("%q = %#x, but %q = %#x, %v", s, n, back, m, err)
			}
		}
	})
}
