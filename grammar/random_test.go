package grammar

import (
	"math/rand"
	"strings"
	"testing"
)

// TestRandomTokens feeds Parse token soup built from the language's own
// tokens (which reaches deeper than random bytes) and checks what
// FuzzParse checks: no panic, positions on every finding, and the round
// trip through Format for whatever parses.
func TestRandomTokens(t *testing.T) {
	toks := []string{"ALLOW", "POLICY", "USE", "DEFAULT", "ERRNO", "KILL", "(", ")", "{", "}", "[", "]", ",",
		"!", "==", "<", "&", "|", "&&", "||", "a", "b", "1", "-1", "0x", "#", "define", "#include", "\"a\"",
		";", "\n", "/* c */", "/*", "*/", "**/", "// c\n", "SYSCALL", "ON", "=", "0b1", "09"}
	// Larger pieces, so that a good share of the inputs parse and the
	// round trip (comments included) is exercised.
	pieces := []string{"ALLOW {", "}", "a", "b", ",", "{ a == 1 }", "(", ")", "&&", "!", "/* c */", "// c\n",
		"POLICY p {", "USE p", "DEFAULT KILL", "a & 1", "== 2", "ON x86", "(x, y)", "SYSCALL[1]"}
	r := rand.New(rand.NewSource(1))
	n := 10000
	if testing.Short() {
		n = 1000
	}
	for _, alphabet := range [][]string{toks, pieces} {
		for i := 0; i < n; i++ {
			var b strings.Builder
			for j := r.Intn(30); j > 0; j-- {
				b.WriteString(alphabet[r.Intn(len(alphabet))])
				if r.Intn(3) > 0 {
					b.WriteByte(' ')
				}
			}
			checkParse(t, []byte(b.String()))
		}
	}
}
