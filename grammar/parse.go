package grammar

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Limits used when Options leaves them zero.
const (
	DefaultMaxSize         = 16 << 20 // bytes of source, per file
	DefaultMaxTokens       = 4 << 20  // tokens in one Parse, includes counted (100k rules with filters take 2.5M)
	DefaultMaxDepth        = 200      // expression depth, as the reference counts it
	DefaultMaxIncludeDepth = 16       // nested includes, as the reference
)

const (
	// maxNesting bounds parentheses and ! nested in one another before
	// parsing, so that no input can exhaust the stack.
	maxNesting = 1000
	// maxErrors stops reporting after this many errors in one Parse.
	maxErrors = 200
)

// Options tune Parse. The zero value parses one file and records #include
// directives as Include statements without reading them.
type Options struct {
	// Include, when set, is called for each file named by an #include
	// directive; it returns a canonical path (used for cycle detection and
	// as the Filename of positions inside it) and the file's source. The
	// included tokens are spliced in place of the directive, as the
	// reference's lexer does, so an include may appear anywhere a token may.
	// An error it returns is reported at the file name's position. For cycle
	// detection, give Parse the canonical path of the main file too.
	Include func(name string, from lexer.Position) (path string, src []byte, err error)
	// MaxSize bounds the size of each source file (DefaultMaxSize when 0,
	// and never more than 2 GiB - 1).
	MaxSize int
	// MaxTokens bounds the tokens of one Parse, included files counted
	// (DefaultMaxTokens when 0): memory use is about 200 bytes a token.
	MaxTokens int
	// MaxDepth bounds expression depth (DefaultMaxDepth when 0): leaves
	// count 0 and each operator one more than its deepest operand, as in the
	// reference (parentheses do not count).
	MaxDepth int
	// MaxIncludeDepth bounds include nesting (DefaultMaxIncludeDepth when 0).
	MaxIncludeDepth int
	// Arena, when set, provides the nodes of the tree and keeps their
	// memory for the trees of later Parses (see Arena.Reset).
	Arena *Arena
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.MaxSize <= 0 {
		out.MaxSize = DefaultMaxSize
	}
	out.MaxSize = min(out.MaxSize, math.MaxInt32) // tokens keep 32-bit offsets
	if out.MaxTokens <= 0 {
		out.MaxTokens = DefaultMaxTokens
	}
	if out.MaxDepth <= 0 {
		out.MaxDepth = DefaultMaxDepth
	}
	if out.MaxIncludeDepth <= 0 {
		out.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	return out
}

// Parse reads the Kafel source src, named filename in positions ("<stdin>"
// for standard input, by convention). It returns the syntax tree of every
// statement it could read, even when there are errors, and every finding,
// sorted: errors, portability warnings and notes (see Diagnostics.Err).
// Parse never panics.
func Parse(filename string, src []byte, opts *Options) (f *File, diags Diagnostics) {
	return parse(filename, src, opts, false)
}

// parse is Parse; slowRules turns off the fast path for the rules of an
// action block (quickRule), for the tests that compare both.
func parse(filename string, src []byte, opts *Options, slowRules bool) (f *File, diags Diagnostics) {
	f = &File{Name: filename}
	o := opts.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			diags = append(diags, Diagnostic{Pos: lexer.Position{Filename: filename, Line: 1, Column: 1},
				Severity: Error, Kind: KindSyntax, Msg: fmt.Sprintf("internal error in the parser: %v", r),
				Hint: "please report this input as a bug"})
		}
		diags.Sort()
	}()
	start := lexer.Position{Filename: filename, Line: 1, Column: 1}
	if len(src) > o.MaxSize {
		diags = append(diags, Diagnostic{Pos: start, End: start, Severity: Error, Kind: KindLimit,
			Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", len(src), o.MaxSize)})
		return f, diags
	}
	budget := o.MaxTokens
	s := &scanner{src: src, text: string(src), name: filename, line: 1, col: 1, diags: &diags, budget: &budget, tokenLimit: o.MaxTokens}
	s.toks = newTokens(min(len(src)/3+16, budget), o.Arena)
	defer func() { recycleTokens(s.toks, o.Arena) }()
	var hook func(*scanner, *directive, *String)
	if o.Include != nil {
		inc := &includer{opts: o, stack: []string{filename}}
		hook = inc.splice
	}
	s.scan(hook)
	p := &parser{toks: s.toks, dirs: s.dirs, opts: o, diags: &diags, end: s.pos(), slowRules: slowRules}
	if o.Arena != nil {
		p.nodes = &o.Arena.nodes
		p.nodes.keepChunks()
		p.spans = o.Arena.spans
		defer func() { o.Arena.spans = p.spans[:0] }()
	} else {
		p.nodes = new(nodeArena)
	}
	if !slowRules {
		p.nodes.reserve(s.counts)
	}
	p.mayNest = s.maxNest > maxNesting
	if len(s.dirs) > 0 {
		// Spliced files were walked on their own: bound by the count.
		p.mayNest = s.counts.parens+s.counts.nots > maxNesting
	}
	p.oneFile = len(s.dirs) == 0
	p.quickStmts = !slowRules && p.oneFile && !p.mayNest && len(diags) == 0
	p.filters = builder{maxDepth: o.MaxDepth, diags: &diags}
	p.file(f)
	f.Range = NewRange(start, s.pos())
	f.Comments = s.comments
	return f, diags
}

// tokenPool recycles the token buffers of Parse: no node of the tree
// points into one (the tree holds positions and substrings of the source),
// and a fresh buffer for a 20 kB policy was a tenth of all that a compile
// from source allocates.
var tokenPool sync.Pool // of *[]token

// maxPooledTokens bounds the buffers kept: a huge policy's is dropped.
const maxPooledTokens = 1 << 16

// newTokens returns an empty token buffer with room for n tokens, the
// arena's when it has one, else one from the pool.
func newTokens(n int, a *Arena) []token {
	if a != nil && cap(a.toks) >= n {
		b := a.toks
		a.toks = nil
		return b
	}
	if b, ok := tokenPool.Get().(*[]token); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([]token, 0, n)
}

// recycleTokens hands toks back to the arena, or else to the pool,
// emptied, unless it is large.
func recycleTokens(toks []token, a *Arena) {
	if cap(toks) > maxPooledTokens {
		return
	}
	clear(toks) // keep no strings alive
	toks = toks[:0]
	if a != nil {
		a.toks = toks
		return
	}
	tokenPool.Put(&toks)
}

// includer splices included files into the token stream.
type includer struct {
	opts  Options
	stack []string
}

func (in *includer) splice(s *scanner, d *directive, name *String) {
	fail := func(hint, format string, args ...any) {
		d.node.Resolved = append(d.node.Resolved, "")
		s.report(Error, KindInclude, name.Pos(), name.End(), hint, format, args...)
	}
	if len(in.stack)-1 >= in.opts.MaxIncludeDepth {
		fail("", "cannot include %q: includes nested deeper than %d", name.Value, in.opts.MaxIncludeDepth)
		return
	}
	path, src, err := in.opts.Include(name.Value, name.Pos())
	if err != nil {
		fail("", "cannot include %q: %v", name.Value, err)
		return
	}
	for i, p := range in.stack {
		if p == path {
			chain := append(append([]string{}, in.stack[i:]...), path)
			fail("", "include cycle: %s", strings.Join(chain, " includes "))
			return
		}
	}
	if len(src) > in.opts.MaxSize {
		fail("", "cannot include %q: file is %d bytes, over the limit of %d", name.Value, len(src), in.opts.MaxSize)
		return
	}
	d.node.Resolved = append(d.node.Resolved, path)
	inner := &scanner{src: src, text: string(src), name: path, line: 1, col: 1, diags: s.diags, budget: s.budget, tokenLimit: s.tokenLimit, included: true}
	in.stack = append(in.stack, path)
	inner.scan(in.splice)
	in.stack = in.stack[:len(in.stack)-1]
	for _, dd := range inner.dirs {
		dd.at += len(s.toks)
	}
	s.dirs = append(s.dirs, inner.dirs...)
	s.toks = append(s.toks, inner.toks...)
	s.comments = append(s.comments, inner.comments...)
	s.counts.add(inner.counts)
	d.spliced = true
}

// parser cuts the token stream into file-scope statements and parses each
// with participle, so that an error in one statement does not hide the
// errors of the next.
type parser struct {
	toks  []token
	dirs  []*directive
	opts  Options
	diags *Diagnostics
	end   lexer.Position // end of the main file

	file_ *File
	// prev is the last statement read; prevOK says whether it parsed;
	// failed is set when the last statement was in error.
	prev   Stmt
	prevOK bool
	failed bool
	// comma is a file-scope comma after prev, waiting for the next statement.
	comma *token
	// errors counts the errors among the first counted diagnostics.
	errors, counted int
	// wholePolicies turns off parsePolicy (tests compare both ways).
	wholePolicies bool
	// slowRules turns off quickRule (tests compare both ways).
	slowRules bool
	// nodes allocates the nodes of the rules quickRule reads.
	nodes *nodeArena
	// mayNest says whether a statement may nest deeper than maxNesting
	// (see scanner.maxNest): else checkNesting has nothing to find.
	mayNest bool
	// oneFile says that no #include spliced tokens of another file in.
	oneFile bool
	// quickStmts turns on quickStmt; filters, checks and spans are its
	// filter checker and scratch lists.
	quickStmts bool
	filters    builder
	checks     []Expr
	spans      []span
}

// parsePolicy parses a POLICY statement item by item: the frame
// `POLICY name { ... }` and the commas here, each statement inside with
// participle. A policy holds most of the rules of a large file; parsing its
// items one at a time keeps participle's working set small and reports the
// errors of every item. It returns false, having done nothing, when the
// frame is not whole (no name, unclosed, something after the `}`); flush
// then parses the statement whole for participle's error message.
func (p *parser) parsePolicy(toks []token) bool {
	if len(toks) < 4 || toks[0].value != "POLICY" || toks[1].typ() != tokIdent || toks[2].value != "{" {
		return false
	}
	spans, end := itemsUntilClose(toks, 2, framePolicy)
	if end != len(toks)-1 {
		return false
	}
	pol := &Policy{
		Range: tokenRange(&toks[0], &toks[end]),
		Name:  &Ident{Range: tokenRange(&toks[1], &toks[1]), Name: toks[1].value},
	}
	body := make([]PolicyStmt, len(spans)) // nil where the item is in error
	ok := true
	for i, sp := range spans {
		after := toks[sp.end] // a comma, the next item or the closing brace
		if sp.start == sp.end {
			p.errorAt(after.pos(), after.end(), "", "unexpected `,`, expected an action block, USE or `}`")
			ok = false
			continue
		}
		sub := toks[sp.start:sp.end]
		if blk, handled, blockOK := p.parseBlock(sub); handled {
			if blockOK {
				body[i] = blk
			} else {
				ok = false
			}
			continue
		}
		item, err := policyItemParser().ParseFromLexer(mustUpgrade(&sliceLexer{toks: sub, eof: after.pos()}))
		if err != nil {
			idx := p.syntaxError(err, sub, toks[sp.start-1].end(), after.pos(), describeToken(after), framePolicy)
			p.moreErrors(sub, idx, after.pos(), describeToken(after), 0)
			ok = false
			continue
		}
		if p.lexicalErrorIn(sub[0].pos(), after.pos()) {
			ok = false // parsed only without what the scanner dropped
			continue
		}
		body[i] = newBuilder(sub, after.pos(), p.opts.MaxDepth, p.diags).policyItem(item)
	}
	// Commas, between items that parsed.
	for i, st := range body {
		if st == nil || i+1 < len(body) && body[i+1] == nil {
			continue
		}
		var comma *lexer.Position
		if after := toks[spans[i].end]; after.typ() == tokPunct && after.value == "," {
			pos := after.pos()
			comma = &pos
		}
		checkSeparator(p.diags, comma, i == len(spans)-1, st, "statements in a POLICY")
	}
	if len(body) > 0 {
		pol.Body = body
	}
	if !ok {
		p.add(nil, false)
		return true
	}
	p.add(pol, true)
	return true
}

// statementStart reports whether the keyword kw starts a statement.
func statementStart(kw string) bool {
	switch kw {
	case "POLICY", "USE", "DEFAULT",
		"ALLOW", "LOG", "KILL", "KILL_THREAD", "KILL_PROCESS",
		"DENY", "ERRNO", "TRAP", "TRACE", "USER_NOTIF":
		return true
	}
	return false
}

func (p *parser) errorCount() int {
	for ; p.counted < len(*p.diags); p.counted++ {
		if (*p.diags)[p.counted].Severity == Error {
			p.errors++
		}
	}
	return p.errors
}

func (p *parser) file(f *File) {
	p.file_ = f
	var open bracketStack // brackets open in the current statement
	cur := -1             // start of the statement being collected
	di := 0
	for i := 0; i < len(p.toks); i++ {
		t := &p.toks[i]
		depth := len(open)
		for di < len(p.dirs) && p.dirs[di].at <= i {
			p.directive(p.dirs[di], &cur, i, depth)
			di++
		}
		switch {
		case depth == 0 && t.punct == ',':
			p.flush(&cur, i)
			p.separator(i)
			continue
		case depth == 0 && p.startsStatement(i):
			p.flush(&cur, i)
			if next, ok := p.quickStmt(i); ok {
				i = next - 1 // the statement is read, its brackets closed
				continue
			}
			cur = i
		case depth > 0 && (t.typ() == tokKeyword && t.value == "POLICY" || t.punct == '#'):
			// An unclosed brace: resynchronize at a keyword that only
			// starts a file-scope statement.
			p.flush(&cur, i)
			open = open[:0]
			cur = i
		case cur < 0:
			cur = i
		}
		switch t.punct {
		case '(', '{', '[':
			open.push(frame{frameOther, i})
		case ')', '}', ']':
			open.close(p.toks, t.punct)
		}
	}
	for ; di < len(p.dirs); di++ {
		p.directive(p.dirs[di], &cur, len(p.toks), len(open))
	}
	p.flush(&cur, len(p.toks))
	if p.comma != nil && p.prevOK {
		p.trailingComma()
	}
}

func (p *parser) startsStatement(i int) bool {
	t := &p.toks[i]
	if t.punct == '#' {
		return true
	}
	if t.typ() != tokKeyword || !statementStart(t.value) {
		return false
	}
	// The action of DEFAULT does not start a statement.
	return !(i > 0 && p.toks[i-1].typ() == tokKeyword && p.toks[i-1].value == "DEFAULT")
}

// directive handles an #include directive found before token i.
func (p *parser) directive(d *directive, cur *int, i, depth int) {
	if d.spliced {
		// Its tokens are in the stream; keep the directive as a statement
		// when it stands between statements.
		if depth == 0 && *cur < 0 {
			p.add(d.node, true)
		} else if depth == 0 {
			p.file_.Stmts = append(p.file_.Stmts, d.node)
		}
		return
	}
	if depth > 0 {
		p.errorAt(d.node.Pos(), d.node.End(), "resolve includes (kafel does) to use an #include inside a statement",
			"#include inside a statement is not kept as a statement")
		return
	}
	p.flush(cur, i)
	p.add(d.node, true)
}

// separator handles a comma at file scope: allowed between action blocks
// and USE statements.
func (p *parser) separator(i int) {
	t := &p.toks[i]
	if p.prev == nil && p.failed {
		return // after a statement in error, say nothing more about it
	}
	if p.comma != nil || p.prev == nil {
		p.errorAt(t.pos(), t.end(), "", "unexpected `,`")
		return
	}
	switch p.prev.(type) {
	case *ActionBlock, *Use:
		p.comma = t
	default:
		if p.prevOK {
			p.errorAt(t.pos(), t.end(), "commas separate only action blocks and USE statements", "unexpected `,` after %s", describeStmt(p.prev))
		}
	}
}

func (p *parser) trailingComma() {
	t := p.comma
	p.comma = nil
	*p.diags = append(*p.diags, Diagnostic{Pos: t.pos(), End: t.end(), Severity: Warning, Kind: KindTrailingComma,
		Msg: "trailing comma: the reference compiler wants an action block or USE after a `,`", Hint: "remove the `,`"})
}

func describeStmt(s Stmt) string {
	switch s.(type) {
	case *Define:
		return "#define"
	case *Include:
		return "#include"
	case *Policy:
		return "a POLICY"
	case *Default:
		return "DEFAULT"
	case *Use:
		return "USE"
	}
	return "an action block"
}

// add appends a statement and checks the comma before it.
func (p *parser) add(st Stmt, ok bool) {
	if p.comma != nil {
		switch st.(type) {
		case *ActionBlock, *Use:
			p.comma = nil
		default:
			if ok {
				p.trailingComma()
			}
			p.comma = nil
		}
	}
	if st != nil {
		p.file_.Stmts = append(p.file_.Stmts, st)
	}
	p.prev, p.prevOK = st, ok
	p.failed = !ok && st == nil
}

func (p *parser) errorAt(pos, end lexer.Position, hint, format string, args ...any) {
	*p.diags = append(*p.diags, Diagnostic{Pos: pos, End: end, Severity: Error, Kind: KindSyntax, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// flush parses the statement of tokens [*cur, end) if any.
func (p *parser) flush(cur *int, end int) {
	if *cur < 0 {
		return
	}
	toks := p.toks[*cur:end]
	*cur = -1
	if p.errorCount() >= maxErrors {
		return
	}
	eof := p.end
	next := "end of file"
	if end < len(p.toks) {
		eof = p.toks[end].pos()
		next = describeToken(p.toks[end])
	}
	if p.mayNest && !p.checkNesting(toks) {
		p.add(nil, false)
		return
	}
	if !p.wholePolicies && p.parsePolicy(toks) {
		return
	}
	if !p.wholePolicies {
		if blk, handled, ok := p.parseBlock(toks); handled {
			if ok {
				p.add(blk, true)
			} else {
				p.add(nil, false)
			}
			return
		}
	}
	st, err := stmtParser().ParseFromLexer(mustUpgrade(&sliceLexer{toks: toks, eof: eof}), participle.AllowTrailing(true))
	if err != nil {
		idx := p.syntaxError(err, toks, toks[0].pos(), eof, next, 0)
		p.moreErrors(toks, idx, eof, next, 0)
		// Keep what parsed: the tree is partial, so drop it.
		p.add(nil, false)
		return
	}
	b := newBuilder(toks, eof, p.opts.MaxDepth, p.diags)
	stop := len(toks)
	if st.EndPos != eof {
		stop = b.index(st.EndPos)
	}
	junk := toks[stop:]
	toks = toks[:stop]
	b.toks = toks
	p.add(b.stmt(st), true)
	if len(junk) > 0 {
		// A complete statement followed by something that starts none:
		// keep the statement, report the rest once.
		t := junk[0]
		p.errorAt(t.pos(), t.end(), hintFor(t, toks), "unexpected %s, expected a statement (POLICY, USE, DEFAULT, #define, #include or an action block)", describeToken(t))
		p.failed, p.prev = true, nil
	}
}

// parseBlock parses an action block rule by rule, as parsePolicy does a
// POLICY: the frame `ACTION {` ... `}` (or `ERRNO ( n ) {`) and the commas
// here, each rule with participle. handled is false, and nothing done,
// when toks do not frame a whole block; ok says whether every rule parsed.
func (p *parser) parseBlock(toks []token) (blk *ActionBlock, handled, ok bool) {
	if len(toks) < 3 || toks[0].typ() != tokKeyword || actionKindOf(toks[0].value) == 0 {
		return nil, false, false
	}
	kind := actionKindOf(toks[0].value)
	action := &Action{Kind: kind, Keyword: toks[0].value}
	open := 1
	if kind.HasParam() {
		if len(toks) < 6 || toks[1].value != "(" || toks[2].typ() != tokNumber || toks[3].value != ")" {
			return nil, false, false
		}
		v, _ := numberValue(toks[2].value)
		action.Param = &Number{Range: tokenRange(&toks[2], &toks[2]), Text: toks[2].value, Value: v}
		open = 4
	}
	if toks[open].typ() != tokPunct || toks[open].value != "{" {
		return nil, false, false
	}
	spans, end := itemsUntilClose(toks, open, frameBlock)
	if end != len(toks)-1 {
		return nil, false, false
	}
	action.Range = tokenRange(&toks[0], &toks[open-1])
	blk = &ActionBlock{Range: tokenRange(&toks[0], &toks[end]), Action: action}
	type ruleAt struct {
		rule     *Rule // nil where the rule is in error
		comma    lexer.Position
		hasComma bool // whether a comma follows the rule (at comma)
	}
	filters := &builder{maxDepth: p.opts.MaxDepth, diags: p.diags} // checks the filters of quick rules
	rules := make([]ruleAt, 0, len(spans))
	if !p.slowRules {
		p.nodes.reserveRules(len(spans))
	}
	ok = true
	for _, sp := range spans {
		after := toks[sp.end] // a comma, the next rule or the closing brace
		if sp.start == sp.end {
			p.errorAt(after.pos(), after.end(), "", "unexpected `,`, expected a syscall name or `}`")
			ok = false
			rules = append(rules, ruleAt{})
			continue
		}
		sub := toks[sp.start:sp.end]
		if first := sub[0]; first.typ() != tokIdent && first.value != "SYSCALL" {
			p.errorAt(first.pos(), first.end(), hintFor(first, toks[:sp.start]), "unexpected %s, expected a syscall name or `}`", describeToken(first))
			ok = false
			rules = append(rules, ruleAt{})
			continue
		}
		// items cut before every rule that follows another without a
		// comma, so sub holds one rule.
		var quick *Rule
		if !p.slowRules {
			quick, _, _ = quickRule(sub, after.pos(), p.nodes, p.oneFile, p.opts.MaxDepth)
		}
		var parsed *pRule
		var err error
		if quick == nil {
			parsed, err = ruleParser().ParseFromLexer(mustUpgrade(&sliceLexer{toks: sub, eof: after.pos()}))
		}
		if err != nil {
			idx := p.syntaxError(err, sub, toks[sp.start-1].end(), after.pos(), describeToken(after), frameBlock)
			p.moreErrors(sub, idx, after.pos(), describeToken(after), 0)
			ok = false
			rules = append(rules, ruleAt{})
			continue
		}
		if p.lexicalErrorIn(sub[0].pos(), after.pos()) {
			// It parsed only because the scanner dropped what it could
			// not read: no tree, no warnings.
			ok = false
			rules = append(rules, ruleAt{})
			continue
		}
		var r ruleAt
		if quick != nil {
			r.rule = quick
			if quick.Filter != nil {
				filters.checkFilter(quick.Filter)
			}
		} else {
			r.rule = newBuilder(sub, after.pos(), p.opts.MaxDepth, p.diags).rule(parsed)
		}
		if after.typ() == tokPunct && after.value == "," {
			r.comma, r.hasComma = after.pos(), true
		}
		rules = append(rules, r)
	}
	parsed := 0
	for _, r := range rules {
		if r.rule != nil {
			parsed++
		}
	}
	if parsed > 0 {
		blk.Rules = make([]*Rule, 0, parsed)
	}
	for i := range rules {
		r := &rules[i]
		if r.rule == nil {
			continue
		}
		blk.Rules = append(blk.Rules, r.rule)
		// Commas, between rules that parsed.
		if i+1 == len(rules) || rules[i+1].rule != nil {
			var comma *lexer.Position
			if r.hasComma {
				comma = &r.comma
			}
			checkSeparator(p.diags, comma, i == len(rules)-1, r.rule, "rules of an action block")
		}
	}
	return blk, true, ok
}

// expectedInstead words what an item of a list (in) could have held at
// index idx when participle does not say.
func expectedInstead(in frameKind, idx int) string {
	switch {
	case in == framePolicy && idx == 0:
		return "an action block, USE or `}`"
	case in == frameBlock && idx == 0:
		return "a syscall name or `}`"
	case in != 0:
		return "`,` or `}`"
	}
	return "a statement (POLICY, USE, DEFAULT, #define, #include or an action block)"
}

// lexicalErrorIn reports whether a lexical or number error lies between
// from and to (in from's file).
func (p *parser) lexicalErrorIn(from, to lexer.Position) bool {
	for _, d := range *p.diags {
		if d.Severity == Error && (d.Kind == KindLexical || d.Kind == KindNumber) &&
			d.Pos.Filename == from.Filename && d.Pos.Offset >= from.Offset &&
			(to.Filename != from.Filename || d.Pos.Offset <= to.Offset) {
			return true
		}
	}
	return false
}

// tokenIndex returns the index of the token of toks at pos, or len(toks).
func (p *parser) tokenIndex(toks []token, pos lexer.Position) int {
	for i, t := range toks {
		if t.pos() == pos {
			return i
		}
	}
	return len(toks)
}

func mustUpgrade(l lexer.Lexer) *lexer.PeekingLexer {
	pl, err := lexer.Upgrade(l)
	if err != nil {
		panic(err) // sliceLexer never fails
	}
	return pl
}

// checkNesting refuses a statement whose parentheses and ! nest deeper than
// maxNesting, before participle recurses into them.
func (p *parser) checkNesting(toks []token) bool {
	var stack []byte
	for i := range toks {
		t := &toks[i]
		// The stack grows only by a push, of `!` or `(`.
		if stack = nestStep(stack, t.punct); len(stack) > maxNesting {
			*p.diags = append(*p.diags, Diagnostic{Pos: t.pos(), End: t.end(), Severity: Error, Kind: KindLimit,
				Msg: fmt.Sprintf("expression nested deeper than %d levels", maxNesting)})
			return false
		}
	}
	return true
}

// nestStep moves the stack of `!` and `(` that checkNesting keeps over a
// token of punctuation code punct (0 for an operand or a keyword).
func nestStep(stack []byte, punct byte) []byte {
	switch punct {
	case 0:
		// An operand ends the ! prefixes on top of the stack.
		for len(stack) > 0 && stack[len(stack)-1] == '!' {
			stack = stack[:len(stack)-1]
		}
	case '!', '(':
		stack = append(stack, punct)
	case ')':
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top == '(' {
				break
			}
		}
	case '{', '}':
		stack = stack[:0]
	}
	return stack
}

func describeToken(t token) string {
	switch t.typ() {
	case tokIdent:
		return fmt.Sprintf("identifier `%s`", t.value)
	case tokKeyword:
		return fmt.Sprintf("keyword %s", t.value)
	case tokNumber:
		return fmt.Sprintf("number %s", t.value)
	}
	return fmt.Sprintf("`%s`", t.value)
}

// syntaxError converts a participle error, once, into a Diagnostic:
// "unexpected <what was found>, expected <what the grammar wanted>". It
// returns the index in toks of the token at fault (len(toks) for the end).
// An error right after a lexical error (`a = 1` after `=` was dropped) is
// its echo and is not reported.
//
// in says where toks stand: at file scope (0), or an item of a POLICY or of
// a block; it words what was expected when participle does not say (an
// item that cannot start, or one followed by something else).
//
// before is the end of the token before toks (toks[0].pos() if none).
func (p *parser) syntaxError(err error, toks []token, before, eof lexer.Position, next string, in frameKind) int {
	var ute *participle.UnexpectedTokenError
	var pe participle.Error
	pos := eof
	raw := ""
	switch {
	case errors.As(err, &ute):
		pos = ute.Unexpected.Pos
		raw = ute.Message()
	case errors.As(err, &pe):
		pos = pe.Position()
		raw = pe.Message()
	default:
		raw = err.Error()
	}
	idx := len(toks)
	for i, t := range toks {
		if t.pos() == pos {
			idx = i
			break
		}
	}
	got, end := next, pos
	var gotTok token
	if idx < len(toks) {
		gotTok = toks[idx]
		got, end = describeToken(gotTok), gotTok.end()
	}
	msg := "unexpected " + got
	if !strings.HasPrefix(raw, "unexpected token") {
		msg = raw
	} else if expect := describeExpected(expectedFrom(raw), toks[:idx]); expect != "" {
		msg += ", expected " + expect
	} else {
		msg += ", expected " + expectedInstead(in, idx)
	}
	hint := hintFor(gotTok, toks[:idx])
	if strings.HasPrefix(msg, "a condition in parentheses") {
		hint = "compare values, then combine the comparisons with && || !"
	}
	from := before
	if idx > 0 {
		from = toks[idx-1].end()
	}
	if !p.lexicalErrorIn(from, pos) {
		p.errorAt(pos, end, hint, "%s", msg)
	}
	return idx
}
