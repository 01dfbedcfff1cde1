package grammar

import (
	"regexp"
	"testing"
)

// TestExpectedFrom checks expectedFrom against the regexp it stands for,
// on participle's messages and on strings made to trip a hand-written
// scan (several "(expected ", newlines, a missing or early ')').
func TestExpectedFrom(t *testing.T) {
	re := regexp.MustCompile(`\(expected (.*)\)$`)
	parts := []string{"(expected ", ")", "\n", "x", `"}"`, "(", " ", "PIdent", "(expected"}
	msgs := []string{
		`1:5: unexpected token "x" (expected "}")`,
		`unexpected token "(" (expected PIdent ("," PIdent)* "}")`,
		"", ")", "(expected )", "(expected ", "(expected x", "(expected x)\n", "(expected \n)(expected y)",
		"(expected a(expected b)", "a (expected b) c", "(expected (expected ))",
	}
	// Every string of up to four parts, in every order.
	var grow func(s string, n int)
	grow = func(s string, n int) {
		msgs = append(msgs, s)
		if n == 0 {
			return
		}
		for _, p := range parts {
			grow(s+p, n-1)
		}
	}
	grow("", 4)
	for _, msg := range msgs {
		want := ""
		if m := re.FindStringSubmatch(msg); m != nil {
			want = m[1]
		}
		if got := expectedFrom(msg); got != want {
			t.Errorf("expectedFrom(%q) = %q, want %q", msg, got, want)
		}
	}
}
