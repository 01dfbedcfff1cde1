package grammar

import (
	"fmt"
	"strings"
)

// expectedFrom extracts participle's "(expected ...)" grammar text: what
// the regexp `\(expected (.*)\)$` would match (the first "(expected "
// followed by no newline up to a ')' that ends msg), without compiling a
// regexp at every start of every program that imports the package.
func expectedFrom(msg string) string {
	const open = "(expected "
	if !strings.HasSuffix(msg, ")") {
		return ""
	}
	for i := 0; ; {
		j := strings.Index(msg[i:], open)
		if j < 0 {
			return ""
		}
		start := i + j + len(open)
		if start <= len(msg)-1 && !strings.Contains(msg[start:len(msg)-1], "\n") {
			return msg[start : len(msg)-1]
		}
		i = i + j + 1
	}
}

// grammarWords names the parse-tree types in words a policy author reads
// ("" for the others).
func grammarWords(typ string) string {
	switch typ {
	case "PAction":
		return "an action (ALLOW, LOG, KILL, KILL_PROCESS, DENY, USER_NOTIF, ERRNO(n), TRAP(n), TRACE(n))"
	case "PExpr", "POr", "PAnd", "PUnary", "PCond":
		return "a condition"
	case "PBitOr", "PBitAnd", "POperand":
		return "a value (a number, a name or `(`)"
	case "PNumber":
		return "a number"
	case "PPolicyItem":
		return "an action block or USE"
	case "PRuleItem", "PRule":
		return "a syscall name"
	case "PStmt":
		return "a statement"
	}
	return ""
}

// describeExpected turns participle's expectation (a grammar fragment such
// as `PIdent ("," PIdent)* "}"`) into words, using the tokens before the
// error for context.
func describeExpected(expect string, before []token) string {
	if expect == "" {
		return ""
	}
	first := strings.TrimLeft(expect, "( ")
	if strings.HasPrefix(first, `"`) {
		lit := first[1:]
		if i := strings.IndexByte(lit, '"'); i >= 0 {
			lit = lit[:i]
		}
		if lit == "}" {
			return closeExpected(before)
		}
		return "`" + lit + "`"
	}
	if i := strings.IndexAny(first, " )"); i >= 0 {
		first = first[:i]
	}
	if first == "PIdent" {
		return nameExpected(before)
	}
	if w := grammarWords(first); w != "" {
		return w
	}
	return first
}

// nameExpected says which kind of name the tokens before call for.
func nameExpected(before []token) string {
	if len(before) == 0 {
		return "a name"
	}
	switch last := before[len(before)-1]; last.value {
	case "POLICY", "USE":
		return "a policy name"
	case "define":
		return "a constant name"
	case "ON":
		return "an architecture name"
	}
	// Inside ( ... ) of a rule or ON { ... }: find the opening bracket.
	for i := len(before) - 1; i >= 0; i-- {
		switch before[i].value {
		case "(":
			return "an argument name"
		case "{":
			if i > 0 && before[i-1].value == "ON" {
				return "an architecture name"
			}
			return "a name"
		}
	}
	return "a name"
}

// hintFor suggests a fix for a syntax error at token got.
func hintFor(got token, before []token) string {
	if len(before) >= 2 && before[len(before)-1].value == "(" {
		switch before[len(before)-2].value {
		case "ERRNO", "TRAP", "TRACE":
			return "ERRNO, TRAP and TRACE take a literal number 0..65535 (the reference accepts no constant there)"
		}
	}
	if len(before) > 0 && got.typ() == tokIdent && before[len(before)-1].typ() == tokNumber && before[len(before)-1].end() == got.pos() {
		n := before[len(before)-1].value
		return fmt.Sprintf("`%s%s` reads as the number `%s` followed by `%s`", n, got.value, n, got.value)
	}
	if got.typ() == tokIdent {
		switch got.value {
		case "and":
			return "write `&&`"
		case "or":
			return "write `||`"
		case "not":
			return "write `!`"
		case "in":
			return "Kafel has no `in`: compare once per value, `x == 1 || x == 2`"
		}
	}
	if got.typ() == tokIdent && isKeyword([]byte(strings.ToUpper(got.value))) {
		return fmt.Sprintf("keywords are upper case: `%s`", strings.ToUpper(got.value))
	}
	if got.typ() == tokKeyword && len(before) > 0 {
		switch got.value {
		case "POLICY":
			return "a POLICY is defined at file scope; is a `}` missing before it?"
		}
	}
	return ""
}

// closeExpected words an expected `}` by what the brace closes.
func closeExpected(before []token) string {
	depth := 0
	for i := len(before) - 1; i >= 0; i-- {
		switch before[i].value {
		case "}":
			depth++
		case "{":
			if depth > 0 {
				depth--
				continue
			}
			last := before[len(before)-1]
			afterItem := last.value == "}" || last.value == ")" || last.value == "]" || last.typ() == tokIdent
			if i >= 2 && before[i-2].value == "POLICY" {
				if afterItem {
					return "`,` or `}`"
				}
				return "an action block, USE or `}`"
			}
			if isActionBrace(before, i) {
				if afterItem {
					return "`,` or `}`"
				}
				return "a syscall name or `}`"
			}
			if i >= 1 && before[i-1].typ() != tokKeyword { // the braces of a filter
				if last.typ() == tokIdent || last.typ() == tokNumber || last.value == ")" {
					return "an operator (== != < <= > >= & | && || ,) or `}`"
				}
				return "a condition or `}`"
			}
			return "`}`"
		}
	}
	return "`}`"
}

// isActionBrace reports whether the `{` at before[i] opens an action block.
func isActionBrace(before []token, i int) bool {
	if i < 1 {
		return false
	}
	if prev := before[i-1]; prev.typ() == tokKeyword {
		return actionKindOf(prev.value) != 0
	}
	// ERRNO ( n ) {
	return i >= 4 && before[i-1].value == ")" && actionKindOf(before[i-4].value).HasParam()
}
