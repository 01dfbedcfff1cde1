package kafel

import "github.com/gokafel/gokafel/bpfgen"

// Compile loads the policy src (see Load) and compiles it to a seccomp
// filter with the code generator's default options. A refused policy gives
// an *Error; a policy the generator cannot encode (e.g. longer than the
// kernel allows) gives the generator's error.
func Compile(name string, src []byte, opts Options) (*bpfgen.Program, error) {
	p, err := Load(name, src, opts)
	if err != nil {
		return nil, err
	}
	return bpfgen.Compile(p.RuleSet(), bpfgen.Options{})
}
