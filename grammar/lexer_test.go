package grammar

import (
	"math/rand"
	"testing"
)

// TestIsKeyword checks that isKeyword, which the scanner calls on every
// word, holds exactly the words of keywords.
func TestIsKeyword(t *testing.T) {
	for _, w := range keywords {
		if !isKeyword([]byte(w)) {
			t.Errorf("isKeyword(%q) = false, want true", w)
		}
	}
	for _, w := range []string{"read", "policy", "Policy", "DEFINE", "KILL_", "USE_", "ONE", "O", "", "fd", "arg0"} {
		if isKeyword([]byte(w)) {
			t.Errorf("isKeyword(%q) = true, want false", w)
		}
	}
}

// TestPunctCode checks the code of each operator the scanner makes, and
// that punctCode agrees with it.
func TestPunctCode(t *testing.T) {
	var diags Diagnostics
	src := "== != <= >= || && < > | & [ ] ( ) { } , ! #"
	budget := 100
	s := &scanner{src: []byte(src), text: src, name: "t", line: 1, col: 1, diags: &diags, budget: &budget, tokenLimit: 100}
	s.scan(nil)
	seen := map[byte]string{}
	for _, tok := range s.toks {
		if tok.typ() != tokPunct || tok.punct == 0 {
			t.Fatalf("token %q: type %d, code %q", tok.value, tok.typ(), tok.punct)
		}
		if prev, dup := seen[tok.punct]; dup {
			t.Errorf("%q and %q share the code %q", prev, tok.value, tok.punct)
		}
		seen[tok.punct] = tok.value
		if c := punctCode(tok.value); c != tok.punct {
			t.Errorf("punctCode(%q) = %q, the scanner gave %q", tok.value, c, tok.punct)
		}
	}
	if len(s.toks) != 19 {
		t.Errorf("%d tokens, want 19", len(s.toks))
	}
}

// TestMaxNestBoundsStatements checks the bound that lets Parse skip
// checkNesting: on token soup, checkNesting's stack over the tokens from
// any index on (where a statement may start) is never deeper than the
// scanner's walk over all of them.
func TestMaxNestBoundsStatements(t *testing.T) {
	pieces := []string{"!", "(", ")", "{", "}", "a", "1", "ALLOW", "POLICY", ",", "==", "[", "]"}
	r := rand.New(rand.NewSource(5))
	for n := 0; n < 3000; n++ {
		src := soup(r, pieces, 40)
		s := scanned(src)
		for from := range s.toks {
			var stack []byte
			for _, tok := range s.toks[from:] {
				if stack = nestStep(stack, tok.punct); len(stack) > s.maxNest {
					t.Fatalf("%q: from token %d the stack is %d deep, the scanner's bound %d", src, from, len(stack), s.maxNest)
				}
			}
		}
	}
}
