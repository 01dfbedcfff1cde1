package grammar

import "github.com/alecthomas/participle/v2/lexer"

// Limits used when Options leaves them zero.
const (
	DefaultMaxSize         = 64 << 20 // bytes of source, per file
	DefaultMaxDepth        = 200      // nesting of parentheses and ! in a filter
	DefaultMaxIncludeDepth = 16       // as the reference
)

// Options tune Parse. The zero value parses one file and records #include
// directives as Include statements without reading them.
type Options struct {
	// Include, when set, is called for each file named by an #include
	// directive; it returns a canonical path (used for cycle detection and
	// as the Filename of positions inside it) and the file's source. The
	// included tokens are spliced in place of the directive, as the
	// reference's lexer does, so an include may appear anywhere a token may.
	// An error it returns is reported at the file name's position.
	Include func(name string, from lexer.Position) (path string, src []byte, err error)
	// MaxSize bounds the size of each source file (DefaultMaxSize when 0).
	MaxSize int
	// MaxDepth bounds expression nesting (DefaultMaxDepth when 0).
	MaxDepth int
	// MaxIncludeDepth bounds include nesting (DefaultMaxIncludeDepth when 0).
	MaxIncludeDepth int
}

// Parse reads the Kafel source src, named filename in positions ("<stdin>"
// for standard input, by convention). It returns the syntax tree of every
// statement it could read, even when there are errors, and every finding:
// errors, portability warnings and notes (see Diagnostics.Err). Parse never
// panics.
func Parse(filename string, src []byte, opts *Options) (*File, Diagnostics) {
	// Implementation in progress; the signature is stable.
	return &File{Name: filename}, nil
}
