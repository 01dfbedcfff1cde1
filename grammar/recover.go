package grammar

import "github.com/alecthomas/participle/v2/lexer"

// Error recovery inside a statement. participle stops at the first error;
// to report the errors of the other rules and blocks of the same statement,
// the parser cuts the rest of the enclosing list (the rules of a block, the
// items of a POLICY) into items at its commas and parses each on its own.
// Only errors come out of this: the statement has failed already.

type frameKind int

const (
	framePolicy frameKind = iota + 1 // POLICY name { items }
	frameBlock                       // ACTION { rules }
	frameOther                       // a filter, an ON set, ( ), [ ]
)

type frame struct {
	kind frameKind
	open int // index of the opening token
}

// bracketStack tracks open brackets the way recovery needs on broken
// input: a `}` closes its `{` and whatever parentheses are still open
// inside it; a `)` or `]` closes only its own kind.
type bracketStack []frame

func (st *bracketStack) push(f frame) { *st = append(*st, f) }

// close closes the bracket c (one of `}`, `)`, `]`).
func (st *bracketStack) close(toks []token, c byte) {
	s := *st
	var open byte
	switch c {
	case '}':
		open = '{'
	case ')':
		open = '('
	default:
		open = '['
	}
	for i := len(s) - 1; i >= 0; i-- {
		if toks[s[i].open].punct == open {
			*st = s[:i]
			return
		}
		if open != '{' {
			return // a stray ) or ]: ignore it
		}
	}
}

// openFrames returns the brackets open before toks[end], outermost first.
func openFrames(toks []token, end int) []frame {
	var st bracketStack
	for i := 0; i < end && i < len(toks); i++ {
		t := toks[i]
		if t.typ() != tokPunct {
			continue
		}
		switch t.value {
		case "{":
			kind := frameOther
			if i >= 2 && toks[i-2].value == "POLICY" && toks[i-2].typ() == tokKeyword {
				kind = framePolicy
			} else if isActionBrace(toks[:i+1], i) {
				kind = frameBlock
			}
			st.push(frame{kind, i})
		case "(", "[":
			st.push(frame{frameOther, i})
		case "}", ")", "]":
			st.close(toks, t.punct)
		}
	}
	return st
}

// closing returns the index of the bracket that closes toks[open], or len(toks).
func closing(toks []token, open int) int {
	var st bracketStack
	for i := open; i < len(toks); i++ {
		t := toks[i]
		if t.typ() != tokPunct {
			continue
		}
		switch t.value {
		case "{", "(", "[":
			st.push(frame{frameOther, i})
		case "}", ")", "]":
			st.close(toks, t.punct)
			if len(st) == 0 {
				return i
			}
		}
	}
	return len(toks)
}

type span struct{ start, end int }

// items cuts toks[from:to] at its top-level commas; in a POLICY also before
// each statement keyword, since commas may be missing there (lenient).
func items(toks []token, from, to int, kind frameKind) []span {
	var out []span
	var st bracketStack
	start := from
	for i := from; i < to; i++ {
		t := toks[i]
		if len(st) == 0 && i > start && startsItem(toks, i, kind) {
			out = append(out, span{start, i})
			start = i
		}
		if t.typ() != tokPunct {
			continue
		}
		switch t.value {
		case "{", "(", "[":
			st.push(frame{frameOther, i})
		case "}", ")", "]":
			st.close(toks, t.punct)
		case ",":
			if len(st) == 0 {
				out = append(out, span{start, i})
				start = i + 1
			}
		}
	}
	if start < to {
		out = append(out, span{start, to})
	}
	return out
}

// startsItem reports whether toks[i] starts a new item of a list even
// without a comma before it (the lenient missing comma): a statement
// keyword in a POLICY; in a block, a syscall name right after the end of
// the previous rule.
func startsItem(toks []token, i int, kind frameKind) bool {
	t, prev := toks[i], toks[i-1]
	if kind == framePolicy {
		return t.typ() == tokKeyword && statementStart(t.value) && prev.value != "DEFAULT"
	}
	if t.typ() != tokIdent && t.value != "SYSCALL" {
		return false
	}
	return prev.typ() == tokIdent || prev.punct == '}' || prev.punct == ')' || prev.punct == ']'
}

// moreErrors reports the errors of the items that follow the one holding
// the first error (at toks[errIdx]) in each enclosing list.
func (p *parser) moreErrors(toks []token, errIdx int, eof lexer.Position, next string, depth int) {
	if depth > 8 {
		return
	}
	frames := openFrames(toks, errIdx)
	after := errIdx
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		end := closing(toks, f.open)
		if f.kind == frameOther {
			after = end
			continue
		}
		for _, it := range items(toks, f.open+1, end, f.kind) {
			if it.start <= after || it.start >= it.end {
				continue
			}
			if p.errorCount() >= maxErrors {
				return
			}
			p.parseItem(toks, it, f.kind, eof, next, depth)
		}
		after = end
	}
}

// parseItem parses one item of a list and reports its first error, then
// recovers inside it.
func (p *parser) parseItem(toks []token, it span, kind frameKind, eof lexer.Position, next string, depth int) {
	sub := toks[it.start:it.end]
	itemEOF, itemNext := eof, next
	if it.end < len(toks) {
		itemEOF, itemNext = toks[it.end].pos(), describeToken(toks[it.end])
	}
	var err error
	lex := mustUpgrade(&sliceLexer{toks: sub, eof: itemEOF})
	if kind == framePolicy {
		_, err = policyItemParser().ParseFromLexer(lex)
	} else {
		_, err = rulesParser().ParseFromLexer(lex)
	}
	if err == nil {
		return
	}
	before := sub[0].pos()
	if it.start > 0 {
		before = toks[it.start-1].end()
	}
	idx := p.syntaxError(err, sub, before, itemEOF, itemNext, kind)
	p.moreErrors(sub, idx, itemEOF, itemNext, depth+1)
}

// itemsUntilClose returns what closing(toks, open) and then, when that
// finds the closing bracket at end, items(toks, open+1, end, kind) return,
// in one walk instead of two (a POLICY or a block may hold a million
// tokens). toks[open] is a `{`. spans is nil when there is no closing
// bracket.
func itemsUntilClose(toks []token, open int, kind frameKind) (spans []span, end int) {
	var st bracketStack // the brackets open inside toks[open]
	start := open + 1
	for i := open + 1; i < len(toks); i++ {
		t := &toks[i]
		if len(st) == 0 && i > start && startsItem(toks, i, kind) {
			spans = append(spans, span{start, i})
			start = i
		}
		switch t.punct {
		case 0:
		case '{', '(', '[':
			st.push(frame{frameOther, i})
		case '}':
			if !st.holds(toks, '{') {
				// It closes toks[open], with whatever is still open.
				if start < i {
					spans = append(spans, span{start, i})
				}
				return spans, i
			}
			st.close(toks, t.punct)
		case ')', ']':
			st.close(toks, t.punct)
		case ',':
			if len(st) == 0 {
				spans = append(spans, span{start, i})
				start = i + 1
			}
		}
	}
	return nil, len(toks)
}

// holds reports whether a bracket open is on the stack.
func (st bracketStack) holds(toks []token, open byte) bool {
	for _, f := range st {
		if toks[f.open].punct == open {
			return true
		}
	}
	return false
}
