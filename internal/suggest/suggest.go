// Package suggest finds the names a mistyped name was likely meant to be,
// for "did you mean" hints in diagnostics.
package suggest

import (
	"sort"
	"strings"
)

// maxLen bounds the names compared, so that hostile input costs little.
const maxLen = 256

// Distance is the number of single-byte insertions, deletions,
// substitutions and swaps of adjacent bytes that turn a into b (optimal
// string alignment; names are ASCII identifiers). Names longer than 256
// bytes are infinitely far from everything else.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		if a == b {
			return 0
		}
		return 1 << 30
	}
	// Three rows: i-2, i-1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Limit is how many edits still look like a typo of name: a third of its
// length, rounded up, at most 3.
func Limit(name string) int { return min((len(name)+2)/3, 3) }

// Closest returns the candidate nearest to name within Limit(name) edits,
// or "" when none is. Ties go to the alphabetically first; name itself is
// never suggested.
func Closest(name string, candidates []string) string {
	if near := near(name, candidates, Limit(name), 1, false); len(near) > 0 {
		return near[0]
	}
	return ""
}

// Near returns up to n candidates within limit edits of name, closest
// first, then alphabetically. A candidate of four or more bytes that
// contains name counts as limit edits away.
func Near(name string, candidates []string, limit, n int) []string {
	return near(name, candidates, limit, n, true)
}

func near(name string, candidates []string, limit, n int, contains bool) []string {
	type cand struct {
		name string
		dist int
	}
	var cands []cand
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := limit + 1
		if l := len(c) - len(name); l <= limit && -l <= limit {
			d = Distance(name, c)
		}
		if contains && d > limit && len(name) >= 4 && strings.Contains(c, name) {
			d = limit
		}
		if d <= limit {
			cands = append(cands, cand{c, d})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].dist != cands[j].dist {
			return cands[i].dist < cands[j].dist
		}
		return cands[i].name < cands[j].name
	})
	var out []string
	for i := 0; i < len(cands) && i < n; i++ {
		out = append(out, cands[i].name)
	}
	return out
}
