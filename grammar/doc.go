// Package grammar reads Kafel policy source into an abstract syntax tree.
//
// It knows the language only: tokens, statements, expressions and their
// source positions. It knows no syscalls, no architectures and no constant
// values; the kafel package checks a File against those.
//
// Parse never panics and reports every problem it can find as a Diagnostic.
// Besides errors it reports two milder kinds of finding:
//
//   - Warning: a lenient form that the reference Kafel compiler refuses but
//     that users paste every day (a missing comma between action blocks, a
//     trailing comma, DEFAULT inside a POLICY, a bare operand used as a
//     condition, ...). Parse accepts it and names the portable spelling; a
//     strict caller turns every Warning into an error, so that strict mode
//     refuses exactly what the reference refuses. Format prints the portable
//     spelling.
//   - Note: something both compilers accept but that likely does not mean
//     what it seems to (octal digits 8 and 9, a comment that the reference
//     ends elsewhere than a C compiler would).
//
// Format prints a File as canonical, portable Kafel, comments kept.
//
// The lexer (lexer.go) follows the reference's flex rules exactly, quirks
// included: longest-match numbers, `define` reserved, `#include` ended by a
// newline or `;`, and block comments in which a `*` pairs with the next
// character (so `**/` does not end one). Statements are parsed one at a
// time by a participle grammar (grammar.go), filter expressions by a
// recursive-descent parser registered with participle (expr.go), so that
// an error in one statement, rule or block does not hide the next one.
// Well-formed statements and the rules of their action blocks, the bulk of
// a large policy, are read without participle into the same tree
// (quick.go, quickstmt.go); a policy of 100,000 filtered rules parses in
// well under a second (BenchmarkParse100kRules).
//
// Limits keep every input cheap: file size, token count, include depth,
// expression depth (as the reference counts it) and nesting of parentheses.
package grammar
