package grammar

import (
	"bytes"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the Kafel lexer, as participle sees them.
const (
	tokEOF     = lexer.EOF
	tokIdent   = lexer.TokenType(-2 - iota)
	tokKeyword // POLICY USE DEFAULT SYSCALL ON the actions, and define
	tokNumber
	tokString
	tokPunct // operators and punctuation
)

// keywords are the reserved words: a word equal to one of them is never an
// identifier. "define" is reserved everywhere, as in the reference. The
// scanner asks isKeyword; this list is for the test that they agree (an
// array, which is static data: a map would be built at every start of
// every program that imports the package).
var keywords = [...]string{
	"POLICY", "USE", "DEFAULT", "SYSCALL", "ON",
	"ALLOW", "LOG", "KILL", "KILL_THREAD", "KILL_PROCESS",
	"DENY", "ERRNO", "TRAP", "TRACE", "USER_NOTIF",
	"define",
}

// token is one lexical token. Tokens never span lines (strings, which may,
// are not tokens: the #include directive keeps them).
//
// A large policy has millions of tokens, so a token is kept small (40
// bytes): its position as 32-bit numbers (Parse bounds a file to 2 GiB),
// its type in a byte, and its file's name by pointer.
type token struct {
	value string
	file  *string // the name of the token's file
	off   int32   // the byte offset of the token
	line  int32
	col   int32
	kind  int8 // a lexer.TokenType
	// punct is the code of a tokPunct (see punctCode), 0 for the other
	// types: the passes over the tokens compare one byte, not a string.
	punct byte
}

// typ returns the type of t.
func (t token) typ() lexer.TokenType { return lexer.TokenType(t.kind) }

// pos returns the position of t.
func (t token) pos() lexer.Position {
	return lexer.Position{Filename: *t.file, Offset: int(t.off), Line: int(t.line), Column: int(t.col)}
}

// span returns the range of t: pos() to end().
func (t *token) span() Range {
	p := point{off: t.off, line: t.line, col: t.col}
	e := p
	e.off += int32(len(t.value))
	e.col += int32(len(t.value))
	return Range{file: t.file, endFile: t.file, pos: p, end: e}
}

// tokenRange returns the range from the start of a to the end of b.
func tokenRange(a, b *token) Range {
	r := b.span()
	r.file, r.pos = a.file, point{off: a.off, line: a.line, col: a.col}
	return r
}

// end returns the position just past t.
func (t token) end() lexer.Position { return advanceText(t.pos(), t.value) }

// directive is an #include directive found by the lexer. at is the index
// in the token stream before which it appeared.
type directive struct {
	node *Include
	at   int
	// spliced reports whether the files' tokens were read into the stream.
	spliced bool
}

// scanner turns one source file into tokens with the reference lexer's
// rules (flex, longest match): it never fails, but reports what it cannot
// read as diagnostics and skips it.
type scanner struct {
	src  []byte
	text string // src as a string, which token values slice without copying
	name string
	file *string // &name for the tokens, set by the first one
	off  int
	line int
	col  int // 1-based byte column

	toks     []token
	dirs     []*directive
	comments []*Comment
	diags    *Diagnostics
	// crSeen stops reporting carriage returns after the first one.
	crSeen bool
	// errs counts reported errors; past maxErrors the scanner goes quiet.
	errs int
	// budget is the number of tokens left for this Parse (shared with the
	// scanners of included files).
	budget     *int
	tokenLimit int
	// included is set for the scanner of an included file.
	included bool
	// counts are the tokens read that can each make a node of a filter.
	counts nodeCounts
	// nest is the stack of parser.checkNesting run over all the tokens
	// of the file, and maxNest the deepest it was: no statement nests
	// deeper (checkNesting starts each statement with an empty stack,
	// and the walk over all tokens keeps that stack on top of what the
	// statements before left).
	nest    []byte
	maxNest int
}

// nodeCounts counts the tokens that can each make a node of a filter
// (identifiers, numbers, binary operators, `!`): Parse sizes its node
// arena by them. It counts `(` too: parentheses and `!` cannot nest
// deeper than there are of them.
type nodeCounts struct {
	idents, numbers, binaries, nots, parens int
}

func (c *nodeCounts) add(d nodeCounts) {
	c.idents += d.idents
	c.numbers += d.numbers
	c.binaries += d.binaries
	c.nots += d.nots
	c.parens += d.parens
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.name, Offset: s.off, Line: s.line, Column: s.col}
}

// advance moves over n bytes, counting lines.
func (s *scanner) advance(n int) {
	for i := 0; i < n && s.off < len(s.src); i++ {
		if s.src[s.off] == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		s.off++
	}
}

func (s *scanner) report(sev Severity, kind Kind, start, end lexer.Position, hint, format string, args ...any) {
	if sev == Error {
		s.errs++
		if s.errs == maxErrors+1 {
			*s.diags = append(*s.diags, Diagnostic{Pos: start, End: start, Severity: Error, Kind: kind, Msg: "too many errors in this file; stopped reporting"})
		}
		if s.errs > maxErrors {
			return
		}
	}
	*s.diags = append(*s.diags, Diagnostic{Pos: start, End: end, Severity: sev, Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// emit makes the next n bytes, which hold no newline, a token.
func (s *scanner) emit(typ lexer.TokenType, n int) {
	s.emitValue(typ, s.text[s.off:s.off+n], 0)
}

// emitValue makes the next len(v) bytes, which hold no newline and read v,
// a token of value v (a shared string for an operator) and punctuation
// code punct.
func (s *scanner) emitValue(typ lexer.TokenType, v string, punct byte) {
	if s.file == nil {
		name := s.name
		s.file = &name // shared by the tokens of this file
	}
	// Field by field: a token literal appended is copied with a bulk
	// write barrier while the garbage collector runs, which cost more
	// than the token.
	n := len(s.toks)
	if n < cap(s.toks) {
		s.toks = s.toks[:n+1]
	} else {
		s.toks = append(s.toks, token{})
	}
	t := &s.toks[n]
	t.value, t.file = v, s.file
	t.off, t.line, t.col = int32(s.off), int32(s.line), int32(s.col)
	t.kind, t.punct = int8(typ), punct
	if punct != 0 || len(s.nest) > 0 && s.nest[len(s.nest)-1] == '!' { // else nestStep does nothing
		s.nest = nestStep(s.nest, punct)
		s.maxNest = max(s.maxNest, len(s.nest))
	}
	s.off += len(v)
	s.col += len(v)
	*s.budget--
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// Character classes, for run.
const (
	cLetter = 1 << iota
	cDigit
	cHex    // 0-9 a-f A-F
	cBinary // 0 1
	cUnder  // _
	cWord   = cLetter | cDigit | cUnder
)

// classes holds the classes of each byte.
var classes = func() (t [256]uint8) {
	for c := range 256 {
		b := byte(c)
		if isLetter(b) {
			t[c] |= cLetter
		}
		if isDigit(b) {
			t[c] |= cDigit
		}
		if isHex(b) {
			t[c] |= cHex
		}
		if b == '0' || b == '1' {
			t[c] |= cBinary
		}
		if b == '_' {
			t[c] |= cUnder
		}
	}
	return t
}()

// run returns how many bytes from i on are in one of the classes of mask.
func (s *scanner) run(i int, mask uint8) int {
	n := 0
	for i+n < len(s.src) && classes[s.src[i+n]]&mask != 0 {
		n++
	}
	return n
}

// twoCharOps are the operators of two characters; oneCharOps those of one.
var twoCharOps = []string{"==", "!=", "<=", ">=", "||", "&&"}

const oneCharOps = "<>|&[](){},!#"

// oneCharOp holds, for each byte, 1 + its index in oneCharOps (0 for a
// byte that is no operator): a table without pointers, which the garbage
// collector need not scan.
var oneCharOp = func() (t [256]uint8) {
	for i := range len(oneCharOps) {
		t[oneCharOps[i]] = uint8(i + 1)
	}
	return t
}()

// The punctuation codes of the operators of two characters; one of one
// character is its own code.
const (
	pEq  = '=' // ==
	pNe  = 'N' // !=
	pLe  = 'L' // <=
	pGe  = 'G' // >=
	pOr  = 'O' // ||
	pAnd = 'A' // &&
)

// twoCharCodes are the codes of twoCharOps, in order.
const twoCharCodes = "=NLGOA"

// punctCode returns the code of the operator or punctuation v, 0 if v is
// none.
func punctCode(v string) byte {
	switch len(v) {
	case 1:
		if strings.IndexByte(oneCharOps, v[0]) >= 0 {
			return v[0]
		}
	case 2:
		for i, op := range twoCharOps {
			if op == v {
				return twoCharCodes[i]
			}
		}
	}
	return 0
}

// scan reads the whole file. includeHook, when not nil, is called for each
// file name of an #include directive, with the index in s.toks where the
// directive stands, and splices what it returns.
func (s *scanner) scan(includeHook func(s *scanner, d *directive, name *String)) {
	for s.off < len(s.src) {
		if *s.budget <= 0 {
			p := s.pos()
			if *s.budget == 0 {
				s.report(Error, KindLimit, p, p, "split the policy into smaller files or raise the limit",
					"too many tokens: the policy is over the limit of %d tokens", s.tokenLimit)
				*s.budget = -1
			}
			return
		}
		c := s.src[s.off]
		rest := s.src[s.off:]
		switch {
		case c == ' ' || c == '\t':
			s.off++
			s.col++
		case c == '\n':
			s.off++
			s.line++
			s.col = 1
		case c == '/' && len(rest) > 1 && rest[1] == '/':
			start := s.pos()
			n := len(rest)
			if k := bytes.IndexByte(rest, '\n'); k >= 0 {
				n = k
			}
			text := string(rest[:n])
			s.advance(n)
			s.comments = append(s.comments, &Comment{Range: NewRange(start, s.pos()), Text: text})
		case c == '/' && len(rest) > 1 && rest[1] == '*':
			s.comment()
		case c == '#' && hasPrefix(rest, "#include"):
			s.include(includeHook)
		case isDigit(c) || c == '-' && len(rest) > 1 && rest[1] >= '1' && rest[1] <= '9':
			s.number()
		case isLetter(c):
			n := 1 + s.run(s.off+1, cWord)
			if isKeyword(rest[:n]) {
				s.emit(tokKeyword, n)
			} else {
				s.emit(tokIdent, n)
				s.counts.idents++
			}
		default:
			if s.operator(rest) {
				continue
			}
			s.badChar()
		}
	}
}

// isKeyword reports whether w is in keywords, without hashing w (it is
// on the path of every word).
func isKeyword(w []byte) bool {
	switch string(w) {
	case "POLICY", "USE", "DEFAULT", "SYSCALL", "ON",
		"ALLOW", "LOG", "KILL", "KILL_THREAD", "KILL_PROCESS",
		"DENY", "ERRNO", "TRAP", "TRACE", "USER_NOTIF",
		"define":
		return true
	}
	return false
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

func (s *scanner) operator(rest []byte) bool {
	c := rest[0]
	if len(rest) >= 2 {
		// The operators of two characters: ==, !=, <=, >=, ||, &&.
		second := byte('=')
		switch c {
		case '|', '&':
			second = c
		}
		if rest[1] == second {
			for i, op := range twoCharOps {
				if c == op[0] && second == op[1] {
					s.emitValue(tokPunct, op, twoCharCodes[i])
					s.counts.binaries++ // all of them are binary operators
					return true
				}
			}
		}
	}
	i := int(oneCharOp[c])
	if i == 0 {
		return false
	}
	s.emitValue(tokPunct, oneCharOps[i-1:i], c)
	switch c {
	case '<', '>', '|', '&':
		s.counts.binaries++
	case '!':
		s.counts.nots++
	case '(':
		s.counts.parens++
	}
	return true
}

// badChar reports a character no token starts with and skips it.
func (s *scanner) badChar() {
	start := s.pos()
	r, n := utf8.DecodeRune(s.src[s.off:])
	s.advance(n)
	switch {
	case r == '\r':
		if !s.crSeen {
			s.crSeen = true
			s.report(Error, KindLexical, start, s.pos(), "Kafel reads only LF line endings, as the reference does; convert the file (e.g. with dos2unix)",
				"unexpected carriage return (the file has Windows line endings)")
		}
	case r == ';':
		s.report(Error, KindLexical, start, s.pos(), "`;` only ends an #include directive; separate statements with `,` or nothing", "unexpected character `;`")
	case r == '"':
		s.report(Error, KindLexical, start, s.pos(), "strings appear only after #include", "unexpected character `\"`")
	case r == 0xFEFF:
		s.report(Error, KindLexical, start, s.pos(), "save the file without a byte-order mark", "unexpected byte-order mark (U+FEFF)")
	case r == utf8.RuneError && n == 1:
		s.report(Error, KindLexical, start, s.pos(), "", "invalid byte 0x%02x (not UTF-8 text)", s.src[s.off-1])
	case r < ' ' || r == 0x7f:
		s.report(Error, KindLexical, start, s.pos(), "", "unexpected control character %U", r)
	case r == '=':
		s.report(Error, KindLexical, start, s.pos(), "did you mean `==`?", "unexpected character `=`")
	case r == '-':
		s.report(Error, KindLexical, start, s.pos(), "Kafel has no arithmetic; a negative number is written `-1`, with no space", "unexpected character `-`")
	default:
		s.report(Error, KindLexical, start, s.pos(), "", "unexpected character `%c`", r)
	}
}

// comment skips a block comment the way the reference's lexer does: inside
// a comment a `*` always pairs with the next character, so an even run of
// `*` before `/` (as in `**/`) does not end it. A C compiler would end the
// comment at the first `*/`; when the two differ, a Note says so.
func (s *scanner) comment() {
	start := s.pos()
	i := s.off + 2
	end := -1 // index just past the reference's end of comment
	for i < len(s.src) {
		if s.src[i] != '*' {
			i++
			continue
		}
		if i+1 >= len(s.src) {
			break
		}
		if s.src[i+1] == '/' {
			end = i + 2
			break
		}
		i += 2
	}
	cEnd := -1
	if k := indexOf(s.src[s.off+2:], "*/"); k >= 0 {
		cEnd = s.off + 2 + k + 2
	}
	if end < 0 {
		hint := ""
		if cEnd >= 0 {
			hint = "inside a comment the reference compiler pairs each `*` with the next character, so an even run of `*` before `/` (as in `**/`) does not end it; put a space before `*/`"
		}
		s.advance(len(s.src) - s.off)
		if s.included {
			// The reference silently ends a comment at the end of an
			// included file.
			s.report(Note, KindCommentEnd, start, start, "close the comment", "comment not closed before the end of the included file")
			return
		}
		s.report(Error, KindLexical, start, start, hint, "unterminated comment")
		return
	}
	if cEnd != end {
		c := s.posAt(cEnd - 2)
		s.report(Note, KindCommentEnd, c, s.posAt(cEnd), "put a space before `*/` so that both read the comment the same way",
			"the reference compiler does not end the comment here (a `*` pairs with the next character inside comments); it ends at line %d", s.posAt(end).Line)
	}
	text := string(s.src[s.off:end])
	s.advance(end - s.off)
	s.comments = append(s.comments, &Comment{Range: NewRange(start, s.pos()), Text: text})
}

// posAt computes the position of byte offset off (>= s.off) without moving.
func (s *scanner) posAt(off int) lexer.Position {
	p := s.pos()
	for i := s.off; i < off && i < len(s.src); i++ {
		if s.src[i] == '\n' {
			p.Line++
			p.Column = 1
		} else {
			p.Column++
		}
		p.Offset++
	}
	return p
}

func indexOf(b []byte, sub string) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == sub {
			return i
		}
	}
	return -1
}

// number reads the longest numeric literal, as flex would among the
// reference's four number rules: 0x[0-9a-fA-F]+, 0|-?[1-9][0-9]*, 0[0-9]+
// and 0b[01]+. A value over 64 bits is an error; digits 8 and 9 in an octal
// literal end its value, as strtoull does, with a Note.
func (s *scanner) number() {
	rest := s.src[s.off:]
	var n int
	var text string
	var base int
	switch {
	case rest[0] == '-':
		n = 1 + s.run(s.off+1, cDigit)
		base = 10
	case rest[0] != '0':
		n = s.run(s.off, cDigit)
		base = 10
	case len(rest) > 2 && rest[1] == 'x' && isHex(rest[2]):
		n = 2 + s.run(s.off+2, cHex)
		base = 16
	case len(rest) > 2 && rest[1] == 'b' && (rest[2] == '0' || rest[2] == '1'):
		n = 2 + s.run(s.off+2, cBinary)
		base = 2
	default:
		n = s.run(s.off, cDigit)
		base = 8
		if n == 1 {
			base = 10
		}
	}
	text = s.text[s.off : s.off+n]
	s.emit(tokNumber, n)
	s.counts.numbers++
	var err error
	if n > 16 { // a shorter literal fits in 64 bits in any base
		_, err = numberValue(text)
	}
	if err == nil && base != 8 {
		return
	}
	// A number never spans lines: it started n bytes back on this line.
	end := s.pos()
	start := end
	start.Offset -= n
	start.Column -= n
	if err != nil {
		s.report(Error, KindNumber, start, end, "numbers are unsigned 64-bit (a negative decimal is two's complement)", "number `%s` out of range", text)
		return
	}
	if base == 8 {
		for i := 1; i < len(text); i++ {
			if text[i] == '8' || text[i] == '9' {
				v, _ := numberValue(text)
				s.report(Note, KindOctalDigit, start, end, "a leading 0 makes a number octal; drop it for decimal",
					"`%s` is read as octal `%s` = %d: digits 8 and 9 end an octal number", text, text[:i], v)
				break
			}
		}
	}
}

// errRange reports a literal that does not fit in 64 bits.
var errRange = fmt.Errorf("number out of range")

// numberValue computes the value of a literal the lexer accepted, as the
// reference's strtoull calls do.
func numberValue(text string) (uint64, error) {
	neg := false
	digits, base := text, uint64(10)
	switch {
	case len(text) > 0 && text[0] == '-':
		neg, digits = true, text[1:]
	case len(text) > 2 && text[:2] == "0x":
		digits, base = text[2:], 16
	case len(text) > 2 && text[:2] == "0b":
		digits, base = text[2:], 2
	case len(text) > 1 && text[0] == '0':
		base = 8
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d := digitValue(digits[i])
		if d >= base {
			break // octal literal with 8 or 9: strtoull stops here
		}
		hi, lo := bits.Mul64(v, base)
		if hi != 0 {
			return 0, errRange
		}
		var carry uint64
		v, carry = bits.Add64(lo, d, 0)
		if carry != 0 {
			return 0, errRange
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

func digitValue(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 99
}

// include reads an #include directive: file names in double quotes, each
// preceded by a space or tab, up to a newline or `;`. The reference refuses
// a directive that reaches the end of the file; here that is a Warning.
func (s *scanner) include(hook func(s *scanner, d *directive, name *String)) {
	start := s.pos()
	s.advance(len("#include"))
	d := &directive{node: &Include{}, at: len(s.toks)}
	d.node.Range = NewRange(start, start)
	ended := false
	s.dirs = append(s.dirs, d)
	space := false
	for {
		if s.off >= len(s.src) {
			d.node.Range, ended = NewRange(start, s.pos()), true
			s.report(Warning, KindUnterminatedInclude, start, s.pos(), "end the directive with a newline or `;`",
				"#include directive at end of file without a newline: the reference compiler refuses it")
			break
		}
		c := s.src[s.off]
		if c == '\n' || c == ';' {
			d.node.Range, ended = NewRange(start, s.pos()), true
			s.advance(1)
			break
		}
		if c == ' ' || c == '\t' {
			space = true
			s.advance(1)
			continue
		}
		if c == '"' {
			k := indexOf(s.src[s.off+1:], `"`)
			if k > 0 {
				p := s.pos()
				name := string(s.src[s.off+1 : s.off+1+k])
				s.advance(k + 2)
				str := &String{Range: NewRange(p, s.pos()), Value: name}
				if !space {
					s.report(Error, KindSyntax, p, s.pos(), "put a space between #include and each file name", "file name must follow a space")
				}
				space = false
				d.node.Files = append(d.node.Files, str)
				if hook != nil {
					hook(s, d, str)
				}
				continue
			}
		}
		// Anything else ends the directive with an error; skip the line.
		p := s.pos()
		r, _ := utf8.DecodeRune(s.src[s.off:])
		msg := fmt.Sprintf("unexpected character `%c` in #include directive", r)
		hint := "an #include directive is file names in double quotes, ended by a newline or `;`"
		if c == '"' {
			msg = "unterminated or empty file name in #include directive"
		}
		if c == '/' {
			hint = "comments are not allowed on an #include line; end it with `;` first"
		}
		s.report(Error, KindSyntax, p, p, hint, "%s", msg)
		for s.off < len(s.src) && s.src[s.off] != '\n' {
			s.advance(1)
		}
	}
	if !ended {
		d.node.Range = NewRange(start, s.pos())
	}
}
