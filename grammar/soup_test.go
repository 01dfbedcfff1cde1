package grammar

import (
	"math/rand"
	"strings"
)

// soup joins up to max-1 pieces drawn from pieces, each followed by a
// space: token soup for the tests that compare two ways of reading it.
func soup(r *rand.Rand, pieces []string, max int) string {
	var b strings.Builder
	for j := r.Intn(max); j > 0; j-- {
		b.WriteString(pieces[r.Intn(len(pieces))])
		b.WriteByte(' ')
	}
	return b.String()
}

// scanned runs the scanner over src with the default token budget.
func scanned(src string) *scanner {
	var diags Diagnostics
	budget := DefaultMaxTokens
	s := &scanner{src: []byte(src), text: src, name: "t", line: 1, col: 1, diags: &diags, budget: &budget, tokenLimit: budget}
	s.scan(nil)
	return s
}
