package grammar

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The Kafel grammar, as participle reads it. These types are the parse
// tree; build.go turns them into the exported syntax tree (ast.go) and
// reports the lenient forms. Lexical rules are in lexer.go; #include
// directives are handled there too (they may stand anywhere, as in the
// reference, whose lexer splices included files).
//
//	File       = { Statement [ "," ] } .            (commas only between action blocks / USE)
//	Statement  = Define | Policy | Default | Use | ActionBlock .
//	Define     = "#" "define" Ident Number .
//	Policy     = "POLICY" Ident "{" { PolicyItem [ "," ] } "}" .
//	PolicyItem = Use | Default | ActionBlock .        (Default here: lenient)
//	Use        = "USE" Ident .
//	Default    = "DEFAULT" Action .
//	ActionBlock = Action "{" { Rule [ "," ] } "}" .
//	Action     = ( "ERRNO" | "TRAP" | "TRACE" ) "(" Number ")"
//	           | "ALLOW" | "LOG" | "KILL" | "KILL_THREAD" | "KILL_PROCESS" | "DENY" | "USER_NOTIF" .
//	Rule       = ( Ident | "SYSCALL" "[" Number "]" ) [ Params ] [ ArchGuard ] [ Filter ] .
//	Params     = "(" [ Ident { "," Ident } ] ")" .
//	ArchGuard  = "ON" ( Ident | "{" Ident { "," Ident } "}" ) .
//	Filter     = "{" [ Expr ] "}" .
//
// Expressions are parsed by parseExpr (expr.go), a recursive-descent
// parser registered with participle.ParseTypeWith:
//
//	Expr       = OrExpr { "," OrExpr } .
//	OrExpr     = AndExpr { "||" AndExpr } .
//	AndExpr    = Unary { "&&" Unary } .
//	Unary      = "!" Unary | Condition .
//	Condition  = BitOr [ ( "==" | "!=" | "<=" | ">=" | "<" | ">" ) BitOr ] .
//	BitOr      = BitAnd { "|" BitAnd } .
//	BitAnd     = Operand { "&" Operand } .
//	Operand    = Number | Ident | "(" Expr ")" .
//
// A large policy is mostly the rules of action blocks, so Parse reads a
// well-formed rule without participle (quickRule, quick.go), following the
// Rule production above token for token into the same tree, and a
// well-formed file-scope statement likewise (quickStmt, quickstmt.go);
// any rule or statement they do not accept goes to participle, which
// parses it with these types and reports the error. The language is the
// one defined here either way (TestQuickRuleMatchesParticiple,
// TestQuickStmtMatchesParticiple, FuzzQuickRule).
//
// The reference's grammar has two kinds of parentheses, around a condition
// (`!(a == 1)`) and around a value (`(a & 3) == 0`), which an LL parser
// cannot tell apart at the `(`. This grammar reads one kind, around any
// Expr, and classifies it when it closes: parentheses around a plain value
// are a value; around a condition they must stand alone as a Condition (no
// operator, no | &), or it is an error. A Condition without an operator is
// a bare value used as a condition: the lenient form meaning `!= 0`, kept
// in the tree as a BinaryExpr with Implicit set.
//
// Separators: in a POLICY and in an action block the reference requires a
// comma between items and refuses a trailing one; the parse tree records
// each comma so that build.go can warn about a missing or trailing one.

type pStmt struct {
	Pos     lexer.Position
	EndPos  lexer.Position
	Define  *pDefine  `parser:"  @@"`
	Policy  *pPolicy  `parser:"| @@"`
	Default *pDefault `parser:"| @@"`
	Use     *pUse     `parser:"| @@"`
	Block   *pBlock   `parser:"| @@"`
}

type pDefine struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   *pIdent  `parser:"\"#\" \"define\" @@"`
	Value  *pNumber `parser:"@@"`
}

type pPolicy struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   *pIdent        `parser:"\"POLICY\" @@"`
	Body   []*pPolicyItem `parser:"\"{\" @@* \"}\""`
}

type pPolicyItem struct {
	Pos     lexer.Position
	EndPos  lexer.Position
	Use     *pUse     `parser:"( @@"`
	Default *pDefault `parser:"| @@"`
	Block   *pBlock   `parser:"| @@ )"`
	Comma   *pComma   `parser:"@@?"`
}

type pComma struct {
	Pos lexer.Position
	X   string `parser:"@\",\""`
}

type pUse struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   *pIdent `parser:"\"USE\" @@"`
}

type pDefault struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Action *pAction `parser:"\"DEFAULT\" @@"`
}

type pBlock struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Action *pAction     `parser:"@@"`
	Rules  []*pRuleItem `parser:"\"{\" @@* \"}\""`
}

type pAction struct {
	Pos     lexer.Position
	EndPos  lexer.Position
	Keyword string   `parser:"( @( \"ERRNO\" | \"TRAP\" | \"TRACE\" )"`
	Param   *pNumber `parser:"  \"(\" @@ \")\""`
	Plain   string   `parser:"| @( \"ALLOW\" | \"LOG\" | \"KILL\" | \"KILL_THREAD\" | \"KILL_PROCESS\" | \"DENY\" | \"USER_NOTIF\" ) )"`
}

type pRuleItem struct {
	Rule  *pRule  `parser:"@@"`
	Comma *pComma `parser:"@@?"`
}

type pRule struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   *pIdent  `parser:"( @@"`
	Number *pNumber `parser:"| \"SYSCALL\" \"[\" @@ \"]\" )"`
	Params *pParams `parser:"@@?"`
	Arch   *pArch   `parser:"@@?"`
	Filter *pFilter `parser:"@@?"`
}

type pParams struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Names  []*pIdent `parser:"\"(\" ( @@ ( \",\" @@ )* )? \")\""`
}

type pArch struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Single *pIdent   `parser:"\"ON\" ( @@"`
	Set    []*pIdent `parser:"| \"{\" @@ ( \",\" @@ )* \"}\" )"`
}

type pFilter struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Expr   Expr `parser:"\"{\" @@? \"}\""`
}

type pIdent struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

type pNumber struct {
	Pos  lexer.Position
	Text string `parser:"@Number"`
}

// tokenSymbols names the token types for participle; it is asked when a
// parser is built.
func tokenSymbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": tokEOF, "Ident": tokIdent, "Keyword": tokKeyword,
		"Number": tokNumber, "String": tokString, "Punct": tokPunct,
	}
}

// pRules is the inside of an action block; it serves error recovery, which
// parses the rest of a block after an error (recover.go).
type pRules struct {
	Rules []*pRuleItem `parser:"@@*"`
}

var parserOptions = []participle.Option{
	participle.Lexer(sliceDefinition{}),
	// The grammar is LL(1): a branch that consumed a token and then failed
	// is the error, which makes the messages precise.
	participle.UseLookahead(0),
	participle.ParseTypeWith(parseExpr),
}

// The parsers: one file-scope statement; one item of a POLICY, one rule
// (parsePolicy and parseBlock); the rules of a block (error recovery).
// Each is built on first use, once: building one walks its grammar by
// reflection (about a millisecond and a few hundred kilobytes each), which
// a program that never parses, or that parses only what the fast paths
// read, should not pay at start-up.
var (
	stmtParser       = sync.OnceValue(func() *participle.Parser[pStmt] { return participle.MustBuild[pStmt](parserOptions...) })
	policyItemParser = sync.OnceValue(func() *participle.Parser[pPolicyItem] { return participle.MustBuild[pPolicyItem](parserOptions...) })
	rulesParser      = sync.OnceValue(func() *participle.Parser[pRules] { return participle.MustBuild[pRules](parserOptions...) })
	ruleParser       = sync.OnceValue(func() *participle.Parser[pRule] { return participle.MustBuild[pRule](parserOptions...) })
)
