package grammar

import "github.com/alecthomas/participle/v2/lexer"

// Node is implemented by every node of the syntax tree. Span returns the
// position of the node's first byte and the position just past its last byte.
type Node interface {
	Span() (start, end lexer.Position)
}

// Range records where a node is in its source: Pos returns its first
// byte, End the position just past its last byte (both with file name,
// byte offset, line and 1-based byte column). Every node embeds one.
//
// A Range is kept compact (40 bytes instead of two lexer.Positions' 80):
// the nodes of a large policy are mostly positions.
type Range struct {
	file, endFile *string // the file names of Pos and End
	pos, end      point
}

// point is a position without its file name.
type point struct{ off, line, col int32 }

// NewRange returns the Range from pos to end.
func NewRange(pos, end lexer.Position) Range {
	f := pos.Filename
	r := Range{file: &f, endFile: &f, pos: pointOf(pos), end: pointOf(end)}
	if end.Filename != f {
		e := end.Filename
		r.endFile = &e
	}
	return r
}

func pointOf(p lexer.Position) point {
	return point{off: int32(p.Offset), line: int32(p.Line), col: int32(p.Column)}
}

func position(file *string, p point) lexer.Position {
	name := ""
	if file != nil {
		name = *file
	}
	return lexer.Position{Filename: name, Offset: int(p.off), Line: int(p.line), Column: int(p.col)}
}

// Pos returns the position of the node's first byte.
func (r Range) Pos() lexer.Position { return position(r.file, r.pos) }

// End returns the position just past the node's last byte.
func (r Range) End() lexer.Position { return position(r.endFile, r.end) }

// Span returns the node's start and end positions.
func (r Range) Span() (start, end lexer.Position) { return r.Pos(), r.End() }

// File is one parsed source file (with included files spliced in when
// Options.Include is set).
type File struct {
	Range
	// Name is the file name given to Parse.
	Name string
	// Stmts are the file-scope statements in source order.
	Stmts []Stmt
	// Comments are the comments in source order, as written (with their
	// `//` or `/* */`); Format keeps those of the file Name.
	Comments []*Comment
}

// Comment is a line or block comment.
type Comment struct {
	Range
	// Text is the comment as written, delimiters included.
	Text string
}

// Stmt is a file-scope statement: *Define, *Include, *Policy, *Use,
// *Default or *ActionBlock.
type Stmt interface {
	Node
	stmtNode()
}

// PolicyStmt is a statement inside POLICY braces: *ActionBlock, *Use, or
// (a lenient form, reported as a Warning) *Default.
type PolicyStmt interface {
	Node
	policyStmtNode()
}

// Define is `#define NAME NUMBER`.
type Define struct {
	Range
	Name  *Ident
	Value *Number
}

// Include is `#include "a" "b"`: one directive naming one or more files
// (zero is allowed: the directive ends at a newline or `;`).
type Include struct {
	Range
	Files []*String
	// Resolved holds, for each of Files, the path the include hook returned
	// when Options.Include was set and the file was spliced in; nil otherwise.
	Resolved []string
}

// Policy is `POLICY name { statements }`.
type Policy struct {
	Range
	Name *Ident
	Body []PolicyStmt
}

// Use is `USE name`: the statements of the named policy, in place.
type Use struct {
	Range
	Name *Ident
}

// Default is `DEFAULT action`.
type Default struct {
	Range
	Action *Action
}

// ActionBlock is `ACTION { rule, rule, ... }`.
type ActionBlock struct {
	Range
	Action *Action
	Rules  []*Rule
}

func (*Define) stmtNode()      {}
func (*Include) stmtNode()     {}
func (*Policy) stmtNode()      {}
func (*Use) stmtNode()         {}
func (*Default) stmtNode()     {}
func (*ActionBlock) stmtNode() {}

func (*Use) policyStmtNode()         {}
func (*Default) policyStmtNode()     {}
func (*ActionBlock) policyStmtNode() {}

// ActionKind is what an action does, independent of its spelling.
type ActionKind int

// The action kinds. KILL, KILL_THREAD and DENY are all ActionKill.
const (
	ActionAllow       ActionKind = iota + 1 // ALLOW
	ActionLog                               // LOG
	ActionKill                              // KILL, KILL_THREAD, DENY
	ActionKillProcess                       // KILL_PROCESS
	ActionUserNotif                         // USER_NOTIF
	ActionErrno                             // ERRNO(n)
	ActionTrap                              // TRAP(n)
	ActionTrace                             // TRACE(n)
)

// actionNames and opNames are arrays, static data (maps would be built at
// every start of the program).
var actionNames = [...]string{
	ActionAllow:       "ALLOW",
	ActionLog:         "LOG",
	ActionKill:        "KILL",
	ActionKillProcess: "KILL_PROCESS",
	ActionUserNotif:   "USER_NOTIF",
	ActionErrno:       "ERRNO",
	ActionTrap:        "TRAP",
	ActionTrace:       "TRACE",
}

// String returns the canonical keyword of k.
func (k ActionKind) String() string {
	if k > 0 && int(k) < len(actionNames) {
		return actionNames[k]
	}
	return "ActionKind(?)"
}

// HasParam reports whether actions of kind k take a number: ERRNO, TRAP, TRACE.
func (k ActionKind) HasParam() bool {
	return k == ActionErrno || k == ActionTrap || k == ActionTrace
}

// Action is an action keyword with its optional parameter.
type Action struct {
	Range
	Kind ActionKind
	// Keyword is the keyword as written (e.g. "DENY" or "KILL_THREAD" for
	// ActionKill), so that a printer can keep the author's spelling.
	Keyword string
	// Param is the literal n of ERRNO(n), TRAP(n), TRACE(n); nil for the
	// other kinds. The grammar does not range-check it.
	Param *Number
}

// Rule is one entry of an action block:
//
//	syscall [ "(" names ")" ] [ ON arch-or-set ] [ "{" expr "}" ]
type Rule struct {
	Range
	Syscall *Syscall
	// Params is the declared argument-name list, nil when absent. A present
	// but empty list `read()` has Params != nil and no Names: it removes all
	// argument names, as in the reference.
	Params *Params
	// Arch is the arch guard (`ON x86_64`, `ON { arm, aarch64 }`), nil when absent.
	Arch *ArchGuard
	// Filter is the argument filter, nil when absent or written as `{}`.
	Filter Expr
}

// Syscall names the syscall of a rule: either Name (an identifier, which
// the checker resolves as a syscall name or as a #define'd constant) or
// Number (`SYSCALL[n]`). Exactly one is set.
type Syscall struct {
	Range
	Name   *Ident
	Number *Number
}

// Params is a declared argument-name list `(a, b, c)`.
type Params struct {
	Range
	Names []*Ident
}

// ArchGuard is `ON name` or `ON { a, b }`. Names are as written; the checker
// resolves them (case-insensitively) and rejects unknown or repeated ones.
type ArchGuard struct {
	Range
	Names []*Ident
	// Braced is set for the `ON { ... }` spelling.
	Braced bool
}

// Expr is an argument expression: *BinaryExpr, *NotExpr, *Ident or *Number.
// Boolean expressions (the filter itself, operands of && || !) are
// comparisons or combinations of them; value expressions (operands of
// comparisons) are numbers, identifiers and their | & combinations.
type Expr interface {
	Node
	exprNode()
}

// Op is a binary operator.
type Op int

// The binary operators, by group. `,` in a filter is OpOr.
const (
	OpOr     Op = iota + 1 // || (and `,` at the loosest level)
	OpAnd                  // &&
	OpEq                   // ==
	OpNe                   // !=
	OpLt                   // <
	OpLe                   // <=
	OpGt                   // >
	OpGe                   // >=
	OpBitOr                // |
	OpBitAnd               // &
)

var opNames = [...]string{
	OpOr: "||", OpAnd: "&&", OpEq: "==", OpNe: "!=", OpLt: "<", OpLe: "<=",
	OpGt: ">", OpGe: ">=", OpBitOr: "|", OpBitAnd: "&",
}

// String returns the operator as written in Kafel.
func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(?)"
}

// IsLogical reports whether o combines conditions (|| &&).
func (o Op) IsLogical() bool { return o == OpOr || o == OpAnd }

// IsComparison reports whether o compares two values (== != < <= > >=).
func (o Op) IsComparison() bool { return o >= OpEq && o <= OpGe }

// IsBitwise reports whether o combines values (| &).
func (o Op) IsBitwise() bool { return o == OpBitOr || o == OpBitAnd }

// BinaryExpr is X Op Y. For a comparison X and Y are value expressions; for
// a logical operator they are conditions; for | and & they are values.
type BinaryExpr struct {
	Range
	Op   Op
	X, Y Expr
	// Implicit marks a bare value used as a condition (`{ arg0 & 0x10 }`), a
	// lenient form reported as a Warning: the parser reads it as
	// `X != 0` and Y is a synthesized zero.
	Implicit bool
}

// NotExpr is `!X`.
type NotExpr struct {
	Range
	X Expr
}

// Ident is an identifier: a policy, constant, argument, syscall or arch name.
type Ident struct {
	Range
	Name string
}

// Number is a numeric literal.
type Number struct {
	Range
	// Text is the literal as written, e.g. "0x1F", "-1", "0755".
	Text string
	// Value is the literal's unsigned 64-bit value; a negative decimal is
	// two's complement (-1 is 0xffffffffffffffff).
	Value uint64
}

// String is a double-quoted string (only include file names).
type String struct {
	Range
	// Value is the text between the quotes.
	Value string
}

func (*BinaryExpr) exprNode() {}
func (*NotExpr) exprNode()    {}
func (*Ident) exprNode()      {}
func (*Number) exprNode()     {}
