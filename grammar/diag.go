package grammar

import (
	"fmt"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Severity says how bad a Diagnostic is.
type Severity int

// The severities, worst first.
const (
	// Error: the policy is refused.
	Error Severity = iota
	// Warning: accepted here but refused by the reference compiler (a
	// portability problem); strict mode turns it into an error.
	Warning
	// Note: accepted by both, but probably not what the author meant.
	Note
)

// String returns "error", "warning" or "note".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Note:
		return "note"
	}
	return "severity(?)"
}

// Kind classifies a Diagnostic for programs (kafel fmt, --strict, tests).
type Kind string

// Kinds of findings. The Warning kinds are the lenient forms the reference
// refuses; Format prints each of them in its portable spelling.
const (
	KindSyntax  Kind = "syntax"  // a syntax error
	KindLexical Kind = "lexical" // a character or token that cannot start anything
	KindNumber  Kind = "number"  // a number that does not fit in 64 bits
	KindLimit   Kind = "limit"   // input size or nesting depth over the limit
	KindInclude Kind = "include" // an include that could not be read (hook error, cycle, depth)

	KindMissingComma        Kind = "missing-comma"        // Warning: no comma between two statements in a POLICY or two rules in a block
	KindTrailingComma       Kind = "trailing-comma"       // Warning: a comma before `}` or at the end of a file-scope list
	KindDefaultInPolicy     Kind = "default-in-policy"    // Warning: DEFAULT inside POLICY braces
	KindBareOperand         Kind = "bare-operand"         // Warning: a value used as a condition, meaning `!= 0`
	KindUnterminatedInclude Kind = "unterminated-include" // Warning: #include at end of file without newline or `;`

	KindOctalDigit Kind = "octal-digit" // Note: 8 or 9 in an octal literal; the reference stops reading there
	KindCommentEnd Kind = "comment-end" // Note: a block comment the reference ends elsewhere than C does
)

// Portability reports whether findings of kind k are lenient forms that the
// reference compiler refuses (and strict mode must refuse too).
func (k Kind) Portability() bool {
	switch k {
	case KindMissingComma, KindTrailingComma, KindDefaultInPolicy, KindBareOperand, KindUnterminatedInclude:
		return true
	}
	return false
}

// Diagnostic is one finding about a source file.
type Diagnostic struct {
	// Pos is where the finding starts, End just past where it ends (End may
	// equal Pos when the finding has no extent).
	Pos, End lexer.Position
	Severity Severity
	Kind     Kind
	// Msg is one line, without position, e.g. "unexpected `)`, expected a value
	// (a number, a name or `(`)".
	Msg string
	// Hint is an optional suggestion, e.g. "write `arg0 & 0x10 != 0`".
	Hint string
}

// String formats d as `file:line:col: severity: message`; errors omit the
// "error: " prefix, as compilers do.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.Filename != "" {
		b.WriteString(d.Pos.Filename)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: ", d.Pos.Line, d.Pos.Column)
	if d.Severity != Error {
		b.WriteString(d.Severity.String())
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Diagnostics is a list of findings. As an error (see Err) it reports its
// errors one per line.
type Diagnostics []Diagnostic

// Sort orders the list by file, offset, then severity (errors first), and
// keeps the order of equal entries.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Offset != b.Pos.Offset {
			return a.Pos.Offset < b.Pos.Offset
		}
		return a.Severity < b.Severity
	})
}

// HasErrors reports whether the list holds at least one Error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the entries of severity Error.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Err returns nil when the list holds no Error, and otherwise the list of
// its errors as an error (a Diagnostics, usable with errors.As).
func (ds Diagnostics) Err() error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Error formats every entry, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
