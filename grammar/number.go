package grammar

import "fmt"

// ParseNumber reads s as one Kafel number literal, written as in a
// policy: decimal 42, negative decimal -1 (two's complement), hex 0x1f,
// octal 0755 or binary 0b101. It returns the value the compiler gives
// the literal. It serves values given outside a policy, such as command
// arguments, so an octal literal with a digit 8 or 9 is an error here,
// where in a policy it reads as the octal digits before it, with a note.
func ParseNumber(s string) (uint64, error) {
	if !isNumberLiteral(s) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	v, err := numberValue(s)
	if err != nil {
		return 0, fmt.Errorf("%q does not fit in 64 bits", s)
	}
	return v, nil
}

// isNumberLiteral reports whether s is exactly one number token of the
// lexer, octal digits only after a leading 0.
func isNumberLiteral(s string) bool {
	all := func(t string, ok func(byte) bool) bool {
		for i := 0; i < len(t); i++ {
			if !ok(t[i]) {
				return false
			}
		}
		return t != ""
	}
	isOctal := func(b byte) bool { return b >= '0' && b <= '7' }
	isBinary := func(b byte) bool { return b == '0' || b == '1' }
	switch {
	case s == "0":
		return true
	case len(s) > 1 && s[0] == '-':
		return s[1] != '0' && all(s[1:], isDigit)
	case len(s) > 1 && s[:2] == "0x":
		return all(s[2:], isHex)
	case len(s) > 1 && s[:2] == "0b":
		return all(s[2:], isBinary)
	case len(s) > 0 && s[0] == '0':
		return all(s[1:], isOctal)
	}
	return all(s, isDigit)
}
