package kafel

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gokafel/gokafel/internal/arena"
	"github.com/gokafel/gokafel/internal/suggest"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/syscalls"
)

// limits of the checker, beyond those of the grammar.
const (
	maxIncludeFiles = 4096 // include files read in one compilation
	maxArgs         = 6
)

type constDef struct {
	value uint64
	pos   Pos
	seq   int // how many constants were defined before this one
}

// policyDef is a named policy, or the implicit top-level one (name "").
type policyDef struct {
	name  string
	pos   Pos
	items []policyItem
}

// policyItem is a USE (use set) or an action block.
type policyItem struct {
	use   *policyDef
	block *blockDef
}

type blockDef struct {
	action bpfgen.Action
	rules  []*ruleDef
}

// ruleDef is a rule after the arch-independent checks.
type ruleDef struct {
	src      *grammar.Rule
	name     string // syscall name; empty when custom
	custom   bool   // SYSCALL[n] or a constant
	nr       uint32 // when custom
	declared bool
	params   []string
	guard    map[string]bool // canonical arch names; nil: every arch
	filter   grammar.Expr    // checked by checkFilter; nil: always holds
	// consts is how many constants were defined before the rule: those
	// (seq below it) stand for their values in the filter; a name
	// #define'd later is an argument name here, as in the reference.
	consts int
}

// namePos is where the syscall name of a rule by name is.
func (r *ruleDef) namePos() Pos { return r.src.Syscall.Name.Pos() }

type innerDefault struct {
	policy string
	pos    Pos
	action bpfgen.Action
	text   string
}

type loader struct {
	name string
	src  []byte
	opts Options

	diags      Diagnostics
	seen       map[diagKey]bool
	parseError bool
	sources    map[string][]byte
	includes   int

	consts        map[string]constDef
	policies      map[string]*policyDef
	definedAt     map[string]Pos // first POLICY of each name, anywhere in the file
	defs          []*policyDef   // named policies in order, then main
	main          *policyDef
	deflt         *bpfgen.Action
	defltPos      Pos
	defltText     string
	innerDefaults []innerDefault
	nstmts        int

	ruleSet    *bpfgen.RuleSet
	fixes      map[fixKey]*fixVote
	declare    map[fixKey]int              // rule → how many generic names to declare (for fmt)
	names      map[*syscalls.Arch][]string // syscall names per arch, for hints
	hintBudget int

	// lowering hands out the generator's expression nodes of fold.
	lowering *lowering
	// arena, when set, holds the nodes of the syntax tree.
	arena *grammar.Arena
	// ruleDefs hands out the rules of the action blocks.
	ruleDefs *arena.Chunks[ruleDef]
	// args is resolveRule's scratch list of argument names.
	args []argName
}

type diagKey struct {
	file string
	off  int
	sev  grammar.Severity
	msg  string
}

type fixKey struct {
	file string
	off  int
}

type fixVote struct {
	fix      Fix
	conflict bool
}

func newLoader(name string, src []byte, opts Options) *loader {
	// Each arch once, in the order given.
	var arches []*syscalls.Arch
	for _, a := range opts.Arches {
		if a != nil && !slices.Contains(arches, a) {
			arches = append(arches, a)
		}
	}
	if len(arches) == 0 {
		if h := syscalls.HostArch(); h != nil {
			arches = []*syscalls.Arch{h}
		}
	}
	opts.Arches = arches
	return &loader{
		name:      name,
		src:       src,
		opts:      opts,
		seen:      map[diagKey]bool{},
		sources:   map[string][]byte{name: src},
		consts:    map[string]constDef{},
		policies:  map[string]*policyDef{},
		definedAt: map[string]Pos{},
		fixes:     map[fixKey]*fixVote{},
		declare:   map[fixKey]int{},
		lowering:  new(lowering),
		ruleDefs:  new(arena.Chunks[ruleDef]),
	}
}

func (l *loader) report(d grammar.Diagnostic) {
	k := diagKey{d.Pos.Filename, d.Pos.Offset, d.Severity, d.Msg}
	if l.seen[k] {
		return
	}
	l.seen[k] = true
	if d.End == d.Pos {
		d.End = l.wordEnd(d.Pos)
	}
	l.diags = append(l.diags, d)
}

// wordEnd returns the position just past the identifier, keyword or
// number that starts at pos, or pos when none does.
func (l *loader) wordEnd(pos Pos) Pos {
	src := l.sources[pos.Filename]
	i := pos.Offset
	if i < 0 || i >= len(src) {
		return pos
	}
	j := i
	for j < len(src) && (src[j] == '_' || src[j] == '-' && j == i ||
		'a' <= src[j]|0x20 && src[j]|0x20 <= 'z' || '0' <= src[j] && src[j] <= '9') {
		j++
	}
	end := pos
	end.Offset += j - i
	end.Column += j - i
	return end
}

func (l *loader) errorf(pos Pos, kind grammar.Kind, hint string, format string, args ...any) {
	l.report(grammar.Diagnostic{Pos: pos, End: pos, Severity: grammar.Error, Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (l *loader) warnf(pos Pos, kind grammar.Kind, hint string, format string, args ...any) {
	l.report(grammar.Diagnostic{Pos: pos, End: pos, Severity: grammar.Warning, Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (l *loader) run() {
	if len(l.opts.Arches) == 0 {
		l.errorf(Pos{Filename: l.name, Line: 1, Column: 1}, KindUndefined, "", "no target arch: the host has no syscall table; choose one with --arch")
		return
	}
	file, pdiags := grammar.Parse(l.name, l.src, &grammar.Options{Include: l.include, Arena: l.arena})
	for _, d := range pdiags {
		if d.Severity == grammar.Error {
			l.parseError = true
		}
		l.report(d)
	}
	if file == nil {
		return
	}
	l.prescan(file.Stmts)
	l.fileStmts(file.Stmts)
	if l.nstmts == 0 && !l.parseError {
		l.errorf(Pos{Filename: l.name, Line: 1, Column: 1}, KindEmpty, "a minimal policy is `DEFAULT KILL`",
			"empty policy: the reference compiler needs at least one statement")
	}
	l.checkDefaults()
	if l.main == nil {
		l.main = &policyDef{}
	}
	l.defs = append(l.defs, l.main)
	rs := &bpfgen.RuleSet{}
	for _, a := range l.opts.Arches {
		rs.Arches = append(rs.Arches, l.resolveArch(a))
	}
	l.ruleSet = rs
}

// include finds an #include'd file under the search paths, in order.
func (l *loader) include(name string, from lexer.Position) (string, []byte, error) {
	l.includes++
	if l.includes > maxIncludeFiles {
		return "", nil, fmt.Errorf("more than %d include files in one compilation", maxIncludeFiles)
	}
	if len(l.opts.IncludePaths) == 0 {
		return "", nil, fmt.Errorf("cannot include %q: no include search path given (use -I DIR)", name)
	}
	read := l.opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	for _, dir := range l.opts.IncludePaths {
		p := filepath.Join(dir, name)
		if src, ok := l.sources[p]; ok {
			return p, src, nil
		}
		src, err := read(p)
		if err == nil {
			l.sources[p] = src
			return p, src, nil
		}
	}
	return "", nil, fmt.Errorf("cannot find include file %q in the include paths (%s)", name, strings.Join(l.opts.IncludePaths, ", "))
}

// prescan records where each policy is first defined, for the hint of a
// USE that comes before the definition.
func (l *loader) prescan(stmts []grammar.Stmt) {
	for _, s := range stmts {
		if p, ok := s.(*grammar.Policy); ok && p.Name != nil {
			if _, dup := l.definedAt[p.Name.Name]; !dup {
				l.definedAt[p.Name.Name] = p.Name.Pos()
			}
		}
	}
}

func (l *loader) mainPolicy() *policyDef {
	if l.main == nil {
		l.main = &policyDef{}
	}
	return l.main
}

func (l *loader) fileStmts(stmts []grammar.Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *grammar.Include:
			// The grammar splices the included statements in place.
			continue
		case *grammar.Define:
			l.nstmts++
			l.define(s)
		case *grammar.Policy:
			l.nstmts++
			l.policy(s)
		case *grammar.Use:
			l.nstmts++
			if u := l.use(s, ""); u != nil {
				m := l.mainPolicy()
				m.items = append(m.items, policyItem{use: u})
			}
		case *grammar.Default:
			l.nstmts++
			l.fileDefault(s)
		case *grammar.ActionBlock:
			l.nstmts++
			if b := l.block(s); b != nil {
				m := l.mainPolicy()
				m.items = append(m.items, policyItem{block: b})
			}
		}
	}
}

func (l *loader) define(d *grammar.Define) {
	if d.Name == nil || d.Value == nil {
		return
	}
	name, v := d.Name.Name, d.Value.Value
	if prev, ok := l.consts[name]; ok {
		if prev.value != v {
			l.errorf(d.Name.Pos(), KindRedefined, fmt.Sprintf("first defined at %s", posString(prev.pos)),
				"constant `%s` redefined with a different value (was %d, now %d)", name, prev.value, v)
		}
		return
	}
	l.consts[name] = constDef{value: v, pos: d.Name.Pos(), seq: len(l.consts)}
}

func (l *loader) policy(p *grammar.Policy) {
	if p.Name == nil {
		return
	}
	name := p.Name.Name
	def := &policyDef{name: name, pos: p.Name.Pos()}
	for _, s := range p.Body {
		switch s := s.(type) {
		case *grammar.Use:
			if u := l.use(s, name); u != nil {
				def.items = append(def.items, policyItem{use: u})
			}
		case *grammar.ActionBlock:
			if b := l.block(s); b != nil {
				def.items = append(def.items, policyItem{block: b})
			}
		case *grammar.Default:
			if s.Action == nil {
				continue
			}
			if a, ok := l.action(s.Action); ok {
				l.innerDefaults = append(l.innerDefaults, innerDefault{policy: name, pos: s.Pos(), action: a, text: actionText(s.Action)})
			}
		}
	}
	if prev, ok := l.policies[name]; ok {
		l.errorf(p.Name.Pos(), KindRedefined, fmt.Sprintf("first defined at %s", posString(prev.pos)),
			"policy `%s` redefined", name)
		return
	}
	l.policies[name] = def
	l.defs = append(l.defs, def)
}

// use resolves USE name inside policy `in` ("" at file scope).
func (l *loader) use(u *grammar.Use, in string) *policyDef {
	if u.Name == nil {
		return nil
	}
	name := u.Name.Name
	if p, ok := l.policies[name]; ok {
		return p
	}
	if l.parseError {
		// The definition may be among the statements the parser lost.
		if _, ok := l.definedAt[name]; !ok {
			return nil
		}
	}
	switch at, later := l.definedAt[name]; {
	case name == in:
		l.errorf(u.Name.Pos(), KindUndefined, "a policy is defined only after its closing brace",
			"policy `%s` cannot USE itself", name)
	case later:
		l.errorf(u.Name.Pos(), KindUndefined, fmt.Sprintf("`%s` is defined later, at %s; a policy must be defined before it is used", name, posString(at)),
			"undefined policy `%s`", name)
	default:
		var names []string
		for n := range l.policies {
			names = append(names, n)
		}
		l.errorf(u.Name.Pos(), KindUndefined, didYouMean(name, names), "undefined policy `%s`", name)
	}
	return nil
}

func (l *loader) fileDefault(d *grammar.Default) {
	if d.Action == nil {
		return
	}
	a, ok := l.action(d.Action)
	if !ok {
		return
	}
	if l.deflt != nil {
		l.errorf(d.Pos(), KindRedefined, fmt.Sprintf("first given at %s; DEFAULT may appear once per compilation, includes counted", posString(l.defltPos)),
			"DEFAULT given twice")
		return
	}
	l.deflt, l.defltPos, l.defltText = &a, d.Pos(), actionText(d.Action)
}

// checkDefaults reconciles DEFAULTs written inside POLICY braces (a
// lenient form the grammar warns about) with the file's DEFAULT: the same
// action is fine, another one is an error. Without a file-level DEFAULT
// the first one inside a policy serves.
func (l *loader) checkDefaults() {
	for _, d := range l.innerDefaults {
		if l.deflt == nil {
			a := d.action
			l.deflt, l.defltPos, l.defltText = &a, d.pos, d.text
			continue
		}
		if d.action != *l.deflt {
			l.errorf(d.pos, KindDefaultClash, fmt.Sprintf("the DEFAULT in force is %s, given at %s", l.defltText, posString(l.defltPos)),
				"DEFAULT %s inside POLICY %s conflicts with DEFAULT %s", d.text, d.policy, l.defltText)
		}
	}
}

func actionText(a *grammar.Action) string {
	if a.Param != nil {
		return fmt.Sprintf("%s(%s)", a.Keyword, a.Param.Text)
	}
	return a.Keyword
}

// action maps an action to its seccomp return value.
func (l *loader) action(a *grammar.Action) (bpfgen.Action, bool) {
	var base bpfgen.Action
	switch a.Kind {
	case grammar.ActionAllow:
		return bpfgen.Allow, true
	case grammar.ActionLog:
		return bpfgen.Log, true
	case grammar.ActionKill:
		return bpfgen.KillThread, true
	case grammar.ActionKillProcess:
		return bpfgen.KillProcess, true
	case grammar.ActionUserNotif:
		return bpfgen.UserNotif, true
	case grammar.ActionErrno:
		base = bpfgen.Errno
	case grammar.ActionTrap:
		base = bpfgen.Trap
	case grammar.ActionTrace:
		base = bpfgen.Trace
	default:
		return 0, false
	}
	if a.Param == nil {
		return 0, false
	}
	if a.Param.Value > math.MaxUint16 {
		l.errorf(a.Param.Pos(), KindRange, "the value is 16 bits wide", "%s value %s out of range (0-65535)", a.Kind, a.Param.Text)
		return 0, false
	}
	return base.WithData(uint16(a.Param.Value)), true
}

func (l *loader) block(b *grammar.ActionBlock) *blockDef {
	if b.Action == nil {
		return nil
	}
	act, ok := l.action(b.Action)
	if !ok {
		return nil
	}
	out := &blockDef{action: act, rules: make([]*ruleDef, 0, len(b.Rules))}
	for _, r := range b.Rules {
		if rd := l.ruleDefs.Take(); l.rule(r, rd) {
			out.rules = append(out.rules, rd)
		}
	}
	return out
}

// syscallNumber turns the number of SYSCALL[n] or of a constant into a
// syscall number. seccomp_data.nr is a 32-bit int: n fits when it is below
// 2^32 or a negative int (-1 is 0xffffffff). The reference keeps the low 32
// bits of any other n, so this does too, with a note.
func (l *loader) syscallNumber(v uint64, pos Pos, text string) uint32 {
	nr := uint32(v)
	if v > math.MaxUint32 && (int64(v) >= 0 || int64(v) < math.MinInt32) {
		l.report(grammar.Diagnostic{Pos: pos, End: pos, Severity: grammar.Note, Kind: KindRange,
			Msg:  fmt.Sprintf("syscall number %s does not fit in 32 bits; it means %d, its low 32 bits, as in the reference compiler", text, int32(nr)),
			Hint: "seccomp syscall numbers are 32-bit ints"})
	}
	return nr
}

// rule checks r, arch-independently, into rd and reports whether it can
// be resolved.
func (l *loader) rule(r *grammar.Rule, rd *ruleDef) bool {
	if r.Syscall == nil {
		return false
	}
	rd.src = r
	switch s := r.Syscall; {
	case s.Number != nil:
		rd.custom, rd.nr = true, l.syscallNumber(s.Number.Value, s.Number.Pos(), s.Number.Text)
	case s.Name != nil:
		if c, ok := l.consts[s.Name.Name]; ok {
			rd.custom, rd.nr = true, l.syscallNumber(c.value, s.Name.Pos(), fmt.Sprintf("%s (%d)", s.Name.Name, c.value))
		} else {
			rd.name = s.Name.Name
		}
	default:
		return false
	}
	ok := true
	if r.Params != nil {
		rd.declared = true
		for i, p := range r.Params.Names {
			if i == maxArgs {
				l.errorf(p.Pos(), KindRange, "", "too many argument names: a syscall has at most %d arguments", maxArgs)
				ok = false
				break
			}
			for _, q := range rd.params {
				if q == p.Name {
					l.errorf(p.Pos(), KindRedefined, "", "argument `%s` declared twice", p.Name)
					ok = false
				}
			}
			rd.params = append(rd.params, p.Name)
		}
	}
	if r.Arch != nil {
		rd.guard = map[string]bool{}
		written := map[string]string{}
		for _, n := range r.Arch.Names {
			c, known := canonicalArch(n.Name)
			if !known {
				l.errorf(n.Pos(), KindUndefined, didYouMean(strings.ToLower(n.Name), archNameList()), "unknown arch `%s`", n.Name)
				ok = false
				continue
			}
			if prev, dup := written[c]; dup {
				l.errorf(n.Pos(), KindRedefined, "", "arch `%s` repeated in ON guard (already named as `%s`)", n.Name, prev)
				ok = false
				continue
			}
			written[c] = n.Name
			rd.guard[c] = true
		}
	}
	if r.Filter != nil {
		if !l.checkFilter(r.Filter, true, 0) {
			return false
		}
		rd.filter, rd.consts = r.Filter, len(l.consts)
	}
	if !ok {
		return false
	}
	return true
}

// checkFilter checks the shape of a filter (conditions where conditions
// belong, values where values do) and the reference's depth limit: the
// reference refuses an operator whose operand is maxExprDepth operators
// deep, that is a chain of more than maxExprDepth operators from the top
// of the filter down to a leaf. level counts the operators above e, so the
// walk stops there instead of descending a long chain. It reports the
// first fault it finds and allocates nothing: resolveExpr builds the
// filter of each arch from the checked tree.
func (l *loader) checkFilter(e grammar.Expr, boolean bool, level int) bool {
	switch e := e.(type) {
	case *grammar.Number:
		if boolean {
			l.errorf(e.Pos(), KindInvalidFilter, "compare it: `x != 0`", "a number is not a condition")
			return false
		}
		return true
	case *grammar.Ident:
		if boolean {
			l.errorf(e.Pos(), KindInvalidFilter, "compare it: `x != 0`", "`%s` is not a condition", e.Name)
			return false
		}
		return true
	case *grammar.NotExpr:
		if !boolean {
			l.errorf(e.Pos(), KindInvalidFilter, "", "`!` applies to a condition, not to a value")
			return false
		}
		if level >= maxExprDepth {
			l.errorf(e.Pos(), grammar.KindLimit, "", "expression nested too deeply (limit %d)", maxExprDepth)
			return false
		}
		return e.X != nil && l.checkFilter(e.X, true, level+1)
	case *grammar.BinaryExpr:
		kind, ok := condKindOf(e.Op)
		if !ok {
			return false
		}
		isBool := kind != kBitAnd && kind != kBitOr
		if isBool != boolean {
			if boolean {
				l.errorf(e.Pos(), KindInvalidFilter, "compare it: `x != 0`", "a value is not a condition")
			} else {
				l.errorf(e.Pos(), KindInvalidFilter, "", "a condition cannot be an operand of `%s`", e.Op)
			}
			return false
		}
		if e.X == nil || e.Y == nil {
			return false
		}
		if level >= maxExprDepth {
			l.errorf(e.Pos(), grammar.KindLimit, "", "expression nested too deeply (limit %d)", maxExprDepth)
			return false
		}
		operandsBool := kind == kAnd || kind == kOr
		return l.checkFilter(e.X, operandsBool, level+1) && l.checkFilter(e.Y, operandsBool, level+1)
	}
	return false
}

// condKindOf returns the cond kind of a binary operator.
func condKindOf(op grammar.Op) (condKind, bool) {
	switch op {
	case grammar.OpOr:
		return kOr, true
	case grammar.OpAnd:
		return kAnd, true
	case grammar.OpBitAnd:
		return kBitAnd, true
	case grammar.OpBitOr:
		return kBitOr, true
	}
	if op.IsComparison() {
		return kCmp, true
	}
	return 0, false
}

// cmpOp returns the comparison of a grammar comparison operator (a
// switch, not a map: it is on the path of every comparison of a policy).
func cmpOp(op grammar.Op) bpfgen.CmpOp {
	switch op {
	case grammar.OpNe:
		return bpfgen.Ne
	case grammar.OpLt:
		return bpfgen.Lt
	case grammar.OpLe:
		return bpfgen.Le
	case grammar.OpGt:
		return bpfgen.Gt
	case grammar.OpGe:
		return bpfgen.Ge
	}
	return bpfgen.Eq // OpEq: the only one left for an IsComparison op
}

func didYouMean(name string, candidates []string) string {
	if c := suggest.Closest(name, candidates); c != "" {
		return fmt.Sprintf("did you mean `%s`?", c)
	}
	return ""
}

func posString(p Pos) string {
	if p.Filename != "" {
		return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}
